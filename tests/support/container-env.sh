#!/usr/bin/env bash
# Rootful podman for the container tests, without a Docker engine, a registry or changes to /etc.
#
#   tests/support/container-env.sh setup       write the private containers.conf
#   tests/support/container-env.sh base-image [SUITE]
#                                               build debian:SUITE(-slim) locally if missing
#                                               (SUITE bookworm, the default, or trixie)
#   tests/support/container-env.sh env         print `export CONTAINERS_CONF=...` for eval
#   tests/support/container-env.sh check       one line: can podman run a container here? (0/1)
#
# Everything lives in one cache folder (default $PGBR_CONTAINER_CACHE, else
# ${PGBR_TEST_CACHE:-/var/cache/pgbr-test}/containers). podman reads only the containers.conf that
# CONTAINERS_CONF names, so the host's /etc/containers stays as the distribution left it.
#
# Why the private containers.conf: crun refuses hybrid cgroup v1/v2 layouts, so runc is the
# runtime; and podman's default rlimits (nofile 1048576, nproc 4194304) exceed what a sandboxed
# root may set ("setrlimit: operation not permitted"), so containers get the host's own hard limits,
# nproc capped at 32768 because podman lowers its own nproc limit to that.
#
# Why a home-made base image: no registry can be reached, only the Debian mirror apt already uses.
# debootstrap builds a minimal bookworm (or trixie) from it, made to look like the official image,
# and podman tags it with the official names so `FROM debian:bookworm` builds with --pull=never.
set -euo pipefail

readonly CACHE=${PGBR_CONTAINER_CACHE:-${PGBR_TEST_CACHE:-/var/cache/pgbr-test}/containers}
readonly CONF=$CACHE/containers.conf
# The suite of `base-image`; `check` runs the default one.
SUITE=bookworm
IMAGE=docker.io/library/debian:$SUITE
IMAGE_SLIM=docker.io/library/debian:$SUITE-slim
readonly CHECK_TIMEOUT=${PGBR_CONTAINER_CHECK_TIMEOUT:-120}

die() {
  echo "container-env: $*" >&2
  exit 1
}

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

# ------------------------------------------------------------------------------------------ setup

conf_text() {
  local nofile nproc
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
  cat <<EOF
# Written by tests/support/container-env.sh; podman reads it through CONTAINERS_CONF.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
EOF
}

# Rewrites the file only when its content would change, so concurrent readers never see it half
# written and a second run touches nothing.
cmd_setup() {
  local text
  text=$(conf_text)
  mkdir -p "$CACHE"
  if [ "$(cat "$CONF" 2>/dev/null)" != "$text" ]; then
    printf '%s\n' "$text" >"$CONF.tmp.$$"
    mv -f "$CONF.tmp.$$" "$CONF"
  fi
  export CONTAINERS_CONF=$CONF
}

# ------------------------------------------------------------------------------------- base-image

# Prints "MIRROR SECURITY_MIRROR" from apt's configuration (deb822 debian.sources first, then the
# one-line format), unless PGBR_DEBIAN_MIRROR / PGBR_DEBIAN_SECURITY_MIRROR say otherwise.
apt_mirrors() {
  local found
  found=$(
    {
      [ -r /etc/apt/sources.list.d/debian.sources ] && awk '
        /^[[:space:]]*$/ { flush(); next }
        /^URIs:/ { uri = $2 }
        /^Suites:/ { suites = $0 }
        /^Types:/ { deb = ($0 ~ /(^|[[:space:]])deb([[:space:]]|$)/) }
        function flush() {
          if (deb && uri != "") print (suites ~ /-security/ ? "security " : "main ") uri
          uri = ""; suites = ""; deb = 0
        }
        END { flush() }' /etc/apt/sources.list.d/debian.sources
      cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '
        $1 == "deb" {
          for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { uri = $i; suite = $(i + 1); break }
          if (uri != "") print (suite ~ /-security/ ? "security " : "main ") uri
          uri = ""
        }'
    } || true
  )
  local main security
  main=${PGBR_DEBIAN_MIRROR:-$(awk '$1 == "main" { print $2; exit }' <<<"$found")}
  [ -n "$main" ] || die "no Debian mirror in apt's sources; set PGBR_DEBIAN_MIRROR"
  security=${PGBR_DEBIAN_SECURITY_MIRROR:-$(awk '$1 == "security" { print $2; exit }' <<<"$found")}
  security=${security:-${main%/debian}/debian-security}
  echo "${main%/} ${security%/}"
}

# Turns a debootstrap tree into what the official debian image holds: deb822 sources with
# updates and security, no service starts during installs, apt caches and lists kept out of
# image layers, no logs from the bootstrap.
dress_rootfs() {
  local root=$1 mirror=$2 security=$3
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # Packages installed in a build must not try to start their services.
  printf '#!/bin/sh\n# no service starts inside an image build\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  # Every apt run in an image build becomes a layer: keep downloaded .debs and the binary package
  # caches out of it.
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
  echo 'force-unsafe-io' >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/log/apt/* "$root"/var/log/dpkg.log "$root"/var/log/bootstrap.log \
    "$root"/var/log/alternatives.log
  # podman mounts its own; leftovers from the host must not leak into the image.
  : >"$root/etc/resolv.conf"
  : >"$root/etc/hostname"
  rm -f "$root/etc/machine-id" "$root/var/lib/dbus/machine-id"
}

cmd_base_image() {
  cmd_setup
  command -v podman >/dev/null || die "podman is not installed (scripts/install-deps.sh --test)"
  if podman image exists "$IMAGE"; then
    podman image exists "$IMAGE_SLIM" || podman tag "$IMAGE" "$IMAGE_SLIM"
    echo "container-env: $IMAGE and $IMAGE_SLIM already present"
    return 0
  fi
  command -v debootstrap >/dev/null || die "debootstrap is not installed (scripts/install-deps.sh --test)"
  local mirror security
  read -r mirror security <<<"$(apt_mirrors)"

  # One build at a time: a second caller waits, then finds the image.
  exec 8>"$CACHE/.base-image.lock"
  flock 8
  if podman image exists "$IMAGE"; then
    podman image exists "$IMAGE_SLIM" || podman tag "$IMAGE" "$IMAGE_SLIM"
    echo "container-env: $IMAGE built meanwhile by another run"
    return 0
  fi
  local root log start
  start=$(date +%s)
  root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  log=$CACHE/debootstrap-$SUITE.log
  trap 'rm -rf "$root"' EXIT
  echo "container-env: debootstrap --variant=minbase $SUITE from $mirror (log: $log)"
  if ! debootstrap --variant=minbase "$SUITE" "$root" "$mirror" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "debootstrap failed"
  fi
  dress_rootfs "$root" "$mirror" "$security"
  tar --numeric-owner --xattrs --xattrs-include='*' -C "$root" -c . |
    podman import --quiet --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' --message "debootstrap --variant=minbase $SUITE" - "$IMAGE" >/dev/null
  podman tag "$IMAGE" "$IMAGE_SLIM"
  rm -rf "$root"
  trap - EXIT
  echo "container-env: built $IMAGE and $IMAGE_SLIM in $(($(date +%s) - start)) s"
}

# ------------------------------------------------------------------------------------------ check

cmd_check() {
  local out
  if ! command -v podman >/dev/null; then
    echo "podman is not installed"
    return 1
  fi
  if ! cmd_setup 2>/dev/null; then
    echo "cannot write $CONF"
    return 1
  fi
  if ! podman image exists "$IMAGE_SLIM" 2>/dev/null; then
    echo "no local $IMAGE_SLIM image (run tests/support/container-env.sh base-image)"
    return 1
  fi
  if ! out=$(timeout "$CHECK_TIMEOUT" podman run --rm --pull=never "$IMAGE_SLIM" true 2>&1); then
    # The last line of podman's complaint carries the reason (runtime, cgroup, rlimit, ...).
    echo "podman cannot run a container here: $(tail -n 1 <<<"${out:-timed out after ${CHECK_TIMEOUT}s}")"
    return 1
  fi
  echo "podman $(podman version --format '{{.Client.Version}}') runs containers here (runtime runc)"
}

# ------------------------------------------------------------------------------------------- main

select_suite() {
  case "$1" in
    bookworm | trixie) ;;
    *) die "unknown Debian suite '$1' (bookworm or trixie)" ;;
  esac
  SUITE=$1
  IMAGE=docker.io/library/debian:$SUITE
  IMAGE_SLIM=docker.io/library/debian:$SUITE-slim
}

[ $# -eq 1 ] || { [ $# -eq 2 ] && [ "$1" = base-image ]; } || usage 2 >&2
case "$1" in
  setup) cmd_setup && echo "container-env: CONTAINERS_CONF=$CONF" ;;
  base-image) select_suite "${2:-bookworm}" && cmd_base_image ;;
  env) cmd_setup && printf 'export CONTAINERS_CONF=%q\n' "$CONF" ;;
  check) cmd_check ;;
  -h | --help) usage 0 ;;
  *) echo "container-env: unknown command '$1'" >&2; usage 2 >&2 ;;
esac
