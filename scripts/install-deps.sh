#!/usr/bin/env bash
# Installs the Debian 12 packages pgbr-supervisor needs, and nothing that is already there.
#
#   scripts/install-deps.sh [--build] [--runtime] [--test]
#
#   (no option)  build + runtime
#   --build      compiler, CMake, Ninja and the -dev libraries
#   --runtime    PostgreSQL 15, pgBackRest and the tools the supervisor calls
#   --test       build + runtime + what the integration, browser, container and bench tests use,
#                then the npm packages of tests/browser, tests/openapi and tests/kubernetes
#                (npm ci in each, skipped when its node_modules already matches its
#                package-lock.json)
#
# Runs as root on a fresh Debian 12 machine and is meant to be run again at every CI start: it
# asks dpkg what is missing, runs `apt-get update` once only when something is, and installs with
# --no-install-recommends so a container image built with it stays small. Prints one line per
# group saying what it installed or that everything was already there.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT

# Everything needed to configure, compile, format-check and link the C++ tree.
readonly BUILD_PKGS=(cmake ninja-build g++ pkg-config libcpp-httplib-dev libpq-dev
  nlohmann-json3-dev libspdlog-dev libgtest-dev libgmock-dev libssl-dev libcurl4-openssl-dev
  libxml2-dev clang-format)

# What the supervisor runs. Debian 12 has no postgresql-contrib-15: the contrib modules and
# pgbench ship inside postgresql-15 itself. zstd/xz/gzip decompress *.sql.zst|xz|gz init scripts;
# curl and ca-certificates serve the healthcheck and TLS to S3.
# libcurl4 and libxml2 carry the supervisor's own S3 client (dumps kept in an S3 repository).
readonly RUNTIME_PKGS=(postgresql-15 pgbackrest zstd ca-certificates curl xz-utils gzip libcurl4
  libxml2)

# What the tests drive. Rootful podman needs neither uidmap nor slirp4netns (those serve rootless
# podman); it does need a network stack and iptables so build containers reach the mirror, and
# aardvark-dns so containers on one network find each other by name, and catatonit, from which
# podman builds the pause container of a pod (`podman kube play`). podman's "crun | runc"
# dependency is met with runc because crun refuses some cgroup layouts. A font is listed because
# headless Chromium draws no text without one. Node and npm come from Debian only when no `node`
# is on PATH at all, so a newer Node installed by other means is left alone. prometheus is there
# for its promtool, which checks /metrics; its server is stopped and disabled right after install.
# python3-botocore checks the SigV4 signatures curl computes for the S3 store (s3rver checks none).
# python3-aiosmtpd is the real SMTP server (STARTTLS, AUTH) the notification tests send mail to.
readonly TEST_PKGS=(openssl chromium fonts-dejavu-core podman runc netavark aardvark-dns
  catatonit iptables debootstrap debian-archive-keyring wrk hyperfine jq iproute2 prometheus
  python3-botocore python3-aiosmtpd)

# Debian's postgresql-common creates and starts a "main" cluster on 5432 when postgresql-15 is
# installed; the supervisor owns its cluster and port, so that must never happen.
readonly NO_MAIN_CLUSTER_CONF=/etc/postgresql-common/createcluster.d/pgbr-no-main-cluster.conf

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

want_build=0 want_runtime=0 want_test=0
for arg in "$@"; do
  case "$arg" in
    --build) want_build=1 ;;
    --runtime) want_runtime=1 ;;
    --test) want_build=1 want_runtime=1 want_test=1 ;;
    -h | --help) usage 0 ;;
    *) echo "install-deps: unknown option '$arg'" >&2; usage 2 >&2 ;;
  esac
done
if [ $want_build = 0 ] && [ $want_runtime = 0 ]; then want_build=1 want_runtime=1; fi

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: must run as root (apt-get install)" >&2
  exit 1
fi

# Prints, of the packages given, those dpkg does not report as installed. One dpkg-query for all
# of them keeps a second run well under a second.
missing_of() {
  local installed
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null |
    awk '$2 == "installed" { print $1 }') || true
  local pkg
  for pkg in "$@"; do
    grep -qxF "$pkg" <<<"$installed" || echo "$pkg"
  done
}

declare -A group_missing=()
groups=()
if [ $want_build = 1 ]; then groups+=(build); group_missing[build]=$(missing_of "${BUILD_PKGS[@]}"); fi
if [ $want_runtime = 1 ]; then groups+=(runtime); group_missing[runtime]=$(missing_of "${RUNTIME_PKGS[@]}"); fi
if [ $want_test = 1 ]; then
  groups+=(test)
  test_missing=$(missing_of "${TEST_PKGS[@]}")
  if ! command -v node >/dev/null; then
    test_missing+=$'\n'"$(missing_of nodejs npm)"
  fi
  group_missing[test]=$test_missing
fi

all_missing=()
for group in "${groups[@]}"; do
  # shellcheck disable=SC2206 # one package name per line, no globbing characters in names
  all_missing+=(${group_missing[$group]})
done

if [ ${#all_missing[@]} -gt 0 ]; then
  if printf '%s\n' "${all_missing[@]}" | grep -qx 'postgresql-15'; then
    if ! grep -qsx 'create_main_cluster = false' "$NO_MAIN_CLUSTER_CONF"; then
      mkdir -p "$(dirname "$NO_MAIN_CLUSTER_CONF")"
      printf '%s\n' '# pgbr-supervisor runs its own cluster: no Debian "main" cluster on 5432.' \
        'create_main_cluster = false' >"$NO_MAIN_CLUSTER_CONF"
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${all_missing[@]}" >/dev/null
  # The tests need only promtool; Debian's package also starts a Prometheus server on :9090 on a
  # machine run by systemd or sysvinit. Stop it and keep it from starting at boot.
  if printf '%s\n' "${all_missing[@]}" | grep -qx 'prometheus'; then
    if [ -d /run/systemd/system ]; then
      systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    else
      invoke-rc.d prometheus stop >/dev/null 2>&1 || true
      update-rc.d prometheus disable >/dev/null 2>&1 || true
    fi
  fi
fi

for group in "${groups[@]}"; do
  list=$(grep -v '^$' <<<"${group_missing[$group]}" | paste -sd' ' || true)
  if [ -n "$list" ]; then
    echo "$group: installed $list"
  else
    echo "$group: already installed"
  fi
done

# npm ci in one test folder, skipped when its node_modules already matches its package-lock.json
# (the stamp the folder's own run.sh checks too).
npm_install() {
  local name=$1 dir=$2
  local stamp=$dir/node_modules/.pgbr-lock.sha256
  local lock_sum
  lock_sum=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
    echo "$name: node_modules already matches package-lock.json"
    return
  fi
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_sum" >"$stamp"
  # shellcheck disable=SC2016 # JavaScript, not shell
  echo "$name: npm ci installed $(node -p '
    const lock = require(process.argv[1]);
    Object.entries(lock.packages).filter(([k]) => k)
      .map(([k, v]) => k.replace(/^node_modules\//, "") + "@" + v.version).join(" ")' \
    "$dir/package-lock.json")"
}

if [ $want_test = 1 ]; then
  browser_dir=$ROOT/tests/browser
  # Warn before installing a playwright-core that this Node cannot run (it refuses to start).
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const lock = require(process.argv[1]);
    const entry = lock.packages["node_modules/playwright-core"] || {};
    const want = Number((/[0-9]+/.exec((entry.engines || {}).node || "0") || ["0"])[0]);
    const have = Number(process.versions.node.split(".")[0]);
    if (have < want) console.error(`browser: warning: node ${process.version} is older than ` +
      `playwright-core ${entry.version} needs (>=${want})`);' "$browser_dir/package-lock.json"
  npm_install browser "$browser_dir"
  # The OpenAPI validator of tests/openapi (a unit test).
  npm_install openapi "$ROOT/tests/openapi"
  # kubernetes-models and yaml of tests/kubernetes (a unit test, and the pod of the container test).
  npm_install kubernetes "$ROOT/tests/kubernetes"
fi
