#!/usr/bin/env bash
# A local S3 server over TLS for the tests: s3rver 3.7.1 from npm, patched for pgBackRest.
#
#   tests/support/s3server.sh install
#   tests/support/s3server.sh start  [--dir DIR] [--port PORT]
#   tests/support/s3server.sh stop   [--dir DIR]
#   tests/support/s3server.sh status [--dir DIR]
#   tests/support/s3server.sh env    [--dir DIR] [--repo N] [--insecure]
#
# One server per run directory (DIR, default $PGBR_S3_DIR or ${TMPDIR:-/tmp}/pgbr-s3server): it
# holds the TLS key and certificate, the bucket data, the log, the pid and the port. The data and
# the port survive stop/start, so an outage test can stop the server and bring the same bucket
# back on the same port. `env` prints `export PGBACKREST_REPO<N>_*=...` lines for `eval`.
#
# pgBackRest speaks HTTPS only, hence the self-signed certificate. s3rver accepts only the access
# key S3RVER and does not check the secret. Node must run with --openssl-legacy-provider because
# s3rver encrypts list continuation tokens with DES, which OpenSSL 3 otherwise refuses: any listing
# longer than 1000 keys would then fail with HTTP 500 (and `pgbackrest expire` with it).
set -euo pipefail

readonly S3RVER_VERSION=3.7.1
readonly BUCKET=${PGBR_S3_BUCKET:-pgbackrest}
readonly CACHE=${PGBR_S3RVER_CACHE:-${PGBR_TEST_CACHE:-/var/cache/pgbr-test}/s3rver}
readonly START_TIMEOUT=${PGBR_S3RVER_START_TIMEOUT:-60}
readonly STOP_TIMEOUT=${PGBR_S3RVER_STOP_TIMEOUT:-10}
readonly S3RVER_JS=$CACHE/node_modules/s3rver/bin/s3rver.js
readonly STORE_JS=$CACHE/node_modules/s3rver/lib/stores/filesystem.js

die() {
  echo "s3server: $*" >&2
  exit 1
}

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

# Seconds since boot with a fraction: deadlines that ignore wall-clock jumps.
now() { cut -d' ' -f1 /proc/uptime; }
before() { awk -v now="$(now)" -v end="$1" 'BEGIN { exit !(now < end) }'; }
deadline_in() { awk -v now="$(now)" -v s="$1" 'BEGIN { printf "%.2f", now + s }'; }

# ---------------------------------------------------------------------------------------- install

# Two s3rver 3.7.1 filesystem-store bugs break pgBackRest; both are patched in place, each at most
# once (a marker comment records it), and a changed upstream text stops the install loudly rather
# than leaving a server that silently misbehaves.
#  (a) A listing with a delimiter leaves out the common prefix of a folder that holds only
#      sub-folders, because the walk skips folders below a prefix before seeing a key in them.
#      pgBackRest then never sees expired backup folders and `expire` leaves them behind.
#  (b) DeleteObjects deletes keys in parallel and each delete then removes the folders it emptied;
#      two deletes race on the same folder, one gets ENOENT and the request answers HTTP 500.
patch_store() {
  if grep -q 'pgbr-test patch (a)' "$STORE_JS" && grep -q 'pgbr-test patch (b)' "$STORE_JS"; then
    return 0
  fi
  node - "$STORE_JS" <<'EOF'
const fs = require('fs');
const file = process.argv[2];
let text = fs.readFileSync(file, 'utf8');

const patches = [
  {
    marker: 'pgbr-test patch (a)',
    find: '          // avoid directories occurring beneath a common prefix\n          return false;\n',
    replace:
      '          // avoid directories occurring beneath a common prefix\n' +
      '          // pgbr-test patch (a): still report the prefix this folder belongs to when any\n' +
      '          // key below it qualifies, even if the folder holds only sub-folders.\n' +
      '          for (const below of walk(dirPath)) {\n' +
      '            if (!below.endsWith(objectSuffix)) continue;\n' +
      '            const hidden = FilesystemStore.decodeKeyPath(\n' +
      '              below.slice(bucketPath.length + 1, -objectSuffix.length),\n' +
      '            );\n' +
      '            if (hidden <= startAfter || !hidden.startsWith(prefix)) continue;\n' +
      '            const cut = hidden.slice(prefix.length).indexOf(delimiter);\n' +
      '            if (cut === -1) continue;\n' +
      '            commonPrefixes.add(hidden.slice(0, prefix.length + cut + delimiter.length));\n' +
      '            break;\n' +
      '          }\n' +
      '          return false;\n',
  },
  {
    marker: 'pgbr-test patch (b)',
    find:
      '    while (\n' +
      '      parts.length &&\n' +
      '      !fs.readdirSync(path.join(bucketPath, ...parts)).length\n' +
      '    ) {\n' +
      '      await fs.rmdir(path.join(bucketPath, ...parts));\n' +
      '      parts.pop();\n' +
      '    }\n',
    replace:
      '    // pgbr-test patch (b): a parallel delete of a sibling key may remove (ENOENT) or refill\n' +
      '    // (ENOTEMPTY) the same folder first; either way this delete has nothing left to clean.\n' +
      '    for (; parts.length; parts.pop()) {\n' +
      '      const dir = path.join(bucketPath, ...parts);\n' +
      '      try {\n' +
      '        if (fs.readdirSync(dir).length) break;\n' +
      '        await fs.rmdir(dir);\n' +
      '      } catch (err) {\n' +
      "        if (err.code === 'ENOENT' || err.code === 'ENOTEMPTY') break;\n" +
      '        throw err;\n' +
      '      }\n' +
      '    }\n',
  },
];

for (const p of patches) {
  if (text.includes(p.marker)) continue;
  const at = text.indexOf(p.find);
  if (at === -1 || text.indexOf(p.find, at + 1) !== -1) {
    console.error(`s3server: cannot apply "${p.marker}" to ${file}: the expected code is not there ` +
      '(exactly once); s3rver changed, review the patch');
    process.exit(1);
  }
  text = text.slice(0, at) + p.replace + text.slice(at + p.find.length);
  console.log(`s3server: applied ${p.marker}`);
}
fs.writeFileSync(file, text);
EOF
  node --check "$STORE_JS" || die "patched $STORE_JS does not parse"
}

installed_version() {
  node -p 'require(process.argv[1]).version' "$CACHE/node_modules/s3rver/package.json" 2>/dev/null || true
}

cmd_install() {
  command -v node >/dev/null || die "node is not installed (scripts/install-deps.sh --test)"
  mkdir -p "$CACHE"
  # Tests running in parallel may all call install: one npm at a time in the cache.
  exec 8>"$CACHE/.lock"
  flock 8
  if [ "$(installed_version)" != "$S3RVER_VERSION" ]; then
    [ -f "$CACHE/package.json" ] || echo '{ "private": true }' >"$CACHE/package.json"
    (cd "$CACHE" && npm install --no-audit --no-fund --no-save --loglevel=error \
      "s3rver@$S3RVER_VERSION" >/dev/null) || die "npm install s3rver@$S3RVER_VERSION failed"
    [ "$(installed_version)" = "$S3RVER_VERSION" ] || die "s3rver $S3RVER_VERSION missing after npm install"
  fi
  patch_store
  exec 8>&-
}

# ----------------------------------------------------------------------------- run-dir state

dir=${PGBR_S3_DIR:-${TMPDIR:-/tmp}/pgbr-s3server}
port_opt=''
repo=1
insecure=0

pid_file() { echo "$dir/s3rver.pid"; }
port_file() { echo "$dir/port"; }

# The pid of this directory's server if it is alive (and really an s3rver: pids get reused).
running_pid() {
  local pid
  pid=$(cat "$(pid_file)" 2>/dev/null) || return 1
  [ -n "$pid" ] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 's3rver' || return 1
  echo "$pid"
}

# A killed server stays a zombie until its parent (often PID 1) reaps it: it is gone all the same.
alive() {
  kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

bucket_answers() {
  curl -sk --max-time 2 "https://127.0.0.1:$1/" 2>/dev/null | grep -q "<Name>$BUCKET</Name>"
}

make_cert() {
  [ -s "$dir/tls/cert.pem" ] && [ -s "$dir/tls/key.pem" ] && return 0
  mkdir -p "$dir/tls"
  # IP SAN for clients that connect to 127.0.0.1; pgBackRest checks only DNS names, so it verifies
  # against "localhost".
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj '/CN=localhost' \
    -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
    -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" 2>/dev/null || die "openssl could not make a certificate"
  chmod 600 "$dir/tls/key.pem"
  # Postgres runs archive-push as its own user and needs to read the CA file.
  chmod 644 "$dir/tls/cert.pem"
  chmod 755 "$dir/tls"
}

cmd_start() {
  local pid port bound
  if pid=$(running_pid); then
    echo "s3server: already running on https://127.0.0.1:$(cat "$(port_file)") (pid $pid, dir $dir)"
    return 0
  fi
  cmd_install >/dev/null
  mkdir -p "$dir/data"
  chmod 755 "$dir"
  make_cert

  # Port: asked for, else the one this directory used before (a restart keeps it), else any free
  # one: s3rver binds port 0 and reports the port it got, so no other process can take it between
  # choosing and binding.
  port=${port_opt:-$(cat "$(port_file)" 2>/dev/null || echo 0)}
  local log=$dir/s3rver.log
  : >"$log"
  local quiet=--silent
  [ "${PGBR_S3RVER_VERBOSE:-0}" = 1 ] && quiet=''
  NODE_OPTIONS=--openssl-legacy-provider node "$S3RVER_JS" -d "$dir/data" -a 127.0.0.1 -p "$port" \
    --key "$dir/tls/key.pem" --cert "$dir/tls/cert.pem" --configure-bucket "$BUCKET" $quiet \
    </dev/null >>"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$(pid_file)"

  local end
  end=$(deadline_in "$START_TIMEOUT")
  while :; do
    if ! alive "$pid"; then
      tail -n 20 "$log" >&2
      rm -f "$(pid_file)"
      die "s3rver exited during start (log: $log)"
    fi
    # Ready once this process reports its own port (another server on a port asked for would
    # also answer) and the bucket answers there.
    bound=$(sed -n 's/^S3rver listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$log" | head -n 1)
    if [ -n "$bound" ] && bucket_answers "$bound"; then
      port=$bound
      break
    fi
    if ! before "$end"; then
      kill "$pid" 2>/dev/null || true
      rm -f "$(pid_file)"
      tail -n 20 "$log" >&2
      die "bucket $BUCKET did not answer within ${START_TIMEOUT}s (log: $log)"
    fi
    sleep 0.1
  done
  echo "$port" >"$(port_file)"
  echo "s3server: running on https://127.0.0.1:$port (pid $pid, dir $dir)"
}

cmd_stop() {
  local pid port end
  if ! pid=$(running_pid); then
    rm -f "$(pid_file)"
    echo "s3server: not running (dir $dir)"
    return 0
  fi
  port=$(cat "$(port_file)" 2>/dev/null || echo 0)
  kill -TERM "$pid" 2>/dev/null || true
  end=$(deadline_in "$STOP_TIMEOUT")
  while alive "$pid" || { [ "$port" != 0 ] && port_open "$port"; }; do
    if ! before "$end"; then
      kill -KILL "$pid" 2>/dev/null || true
      end=$(deadline_in 5)
      before "$end" || die "s3rver (pid $pid) did not stop"
    fi
    sleep 0.05
  done
  rm -f "$(pid_file)"
  echo "s3server: stopped (port $port closed, dir $dir)"
}

cmd_status() {
  local pid
  if pid=$(running_pid) && bucket_answers "$(cat "$(port_file)" 2>/dev/null || echo 0)"; then
    echo "s3server: running on https://127.0.0.1:$(cat "$(port_file)") (pid $pid, dir $dir)"
    return 0
  fi
  echo "s3server: not running (dir $dir)"
  return 1
}

cmd_env() {
  local port endpoint
  port=$(cat "$(port_file)" 2>/dev/null) || die "no server was ever started in $dir (run: $0 start --dir $dir)"
  local p=PGBACKREST_REPO${repo}
  # Verifying TLS needs a host name: pgBackRest 2.45 does not match IP addresses in certificates.
  # "localhost" is only usable if it resolves to 127.0.0.1 first (s3rver listens on IPv4 only).
  if [ $insecure = 0 ] && [ "$(getent ahosts localhost | awk 'NR == 1 { print $1 }')" = 127.0.0.1 ]; then
    endpoint=localhost
  else
    endpoint=127.0.0.1 insecure=1
  fi
  printf 'export %s=%q\n' \
    "${p}_TYPE" s3 \
    "${p}_S3_BUCKET" "$BUCKET" \
    "${p}_S3_ENDPOINT" "$endpoint" \
    "${p}_STORAGE_PORT" "$port" \
    "${p}_S3_REGION" us-east-1 \
    "${p}_S3_KEY" S3RVER \
    "${p}_S3_KEY_SECRET" any \
    "${p}_S3_URI_STYLE" path
  if [ $insecure = 1 ]; then
    printf 'export %s=%q\n' "${p}_STORAGE_VERIFY_TLS" n
  else
    printf 'export %s=%q\n' "${p}_STORAGE_VERIFY_TLS" y "${p}_STORAGE_CA_FILE" "$dir/tls/cert.pem"
  fi
}

# ----------------------------------------------------------------------------------------- main

[ $# -ge 1 ] || usage 2 >&2
verb=$1
shift
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || die "--dir needs a value"; dir=$2; shift 2 ;;
    --port) [ $# -ge 2 ] || die "--port needs a value"; port_opt=$2; shift 2 ;;
    --repo) [ $# -ge 2 ] || die "--repo needs a value"; repo=$2; shift 2 ;;
    --insecure) insecure=1; shift ;;
    -h | --help) usage 0 ;;
    *) die "unknown option '$1'" ;;
  esac
done
if ! [[ "$port_opt" =~ ^[0-9]*$ ]] || [ "${port_opt:-0}" -gt 65535 ]; then
  die "--port must be 0-65535, got '$port_opt'"
fi
if ! [[ "$repo" =~ ^[1-9][0-9]*$ ]] || [ "$repo" -gt 256 ]; then
  die "--repo must be 1-256, got '$repo'"
fi
case "$dir" in /*) ;; *) dir=$PWD/$dir ;; esac

case "$verb" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  -h | --help) usage 0 ;;
  *) echo "s3server: unknown command '$verb'" >&2; usage 2 >&2 ;;
esac
