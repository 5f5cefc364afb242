#!/usr/bin/env bash
# Browser tests of the dashboard against a real pgbr-supervisor (real PostgreSQL 15 and
# pgBackRest), driven through Debian's Chromium by playwright-core.
#
#   tests/browser/run.sh [path-to-pgbr-supervisor]     (default: build/pgbr-supervisor)
#
# Runs as root, like the container's PID 1: the supervisor drops to the postgres user itself.
# Everything lives in one temporary folder (data directory, state, socket, browser profile) with
# free ports, so runs never share anything; the supervisor is stopped with SIGTERM and the folder
# removed on every exit path. The exit code is the test result.
#
# Environment:
#   PGBR_SCREENSHOTS     where screenshots go (default tests/browser/screenshots)
#   PGBR_BROWSER_KEEP=1  keep the temporary folder (logs, data directory) for a look afterwards
#   PGBR_CHROMIUM        browser executable (default /usr/bin/chromium)
#   PGBR_BROWSER_NETNS=0 run in the machine's network namespace instead of a private one
# shellcheck disable=SC2317 # cleanup and the waits' conditions are called through trap and wait_for
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
binary=${1:-$root/build/pgbr-supervisor}
case $binary in /*) ;; *) binary=$PWD/$binary ;; esac
pgbin=/usr/lib/postgresql/15/bin
started=$SECONDS

say() { printf 'browser: %s\n' "$*"; }
fail() { printf 'browser: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (the supervisor starts as root and drops to postgres)"
[ -x "$binary" ] || fail "no supervisor binary at $binary; build it first (cmake --build build)"
command -v node >/dev/null || fail "node is missing; run scripts/install-deps.sh --test"
[ -x "${PGBR_CHROMIUM:-/usr/bin/chromium}" ] || fail "chromium is missing; run scripts/install-deps.sh --test"
command -v curl >/dev/null || fail "curl is missing; run scripts/install-deps.sh --runtime"

# The same stamp as scripts/install-deps.sh: npm ci only when node_modules was installed from
# another package.json / package-lock.json, or not at all.
stamp=$here/node_modules/.pgbr-lock.sha256
lock_sum=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ] || [ ! -d "$here/node_modules/playwright-core" ]; then
  say "installing the npm packages (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_sum" >"$stamp"
fi

# Chromium drops every request in flight with net::ERR_NETWORK_CHANGED when a network interface
# comes or goes on the machine (a container test starting next to this run does exactly that),
# and a dashboard module lost that way leaves the page at "Loading..." for good. In a network
# namespace of its own, with only loopback, the run sees none of that: it re-executes itself
# there, after npm ci (which needs the registry).
if [ -z "${_PGBR_BROWSER_IN_NETNS:-}" ] && [ "${PGBR_BROWSER_NETNS:-1}" = 1 ]; then
  if command -v unshare >/dev/null && command -v ip >/dev/null && unshare --net true 2>/dev/null; then
    exec unshare --net -- env _PGBR_BROWSER_IN_NETNS=1 bash "${BASH_SOURCE[0]}" "$binary"
  fi
  say "no network namespace (needs unshare and ip from iproute2): running in the machine's own"
fi
if [ -n "${_PGBR_BROWSER_IN_NETNS:-}" ]; then
  ip link set lo up
  say "running in a network namespace of its own (loopback only)"
fi

free_port() {
  node -e 'const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

work=$(mktemp -d /tmp/pgbr-browser-XXXXXX)
chmod 755 "$work"
sup_pid=
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  if [ -n "$sup_pid" ] && kill -0 "$sup_pid" 2>/dev/null; then
    local stopping=$SECONDS
    kill -TERM "$sup_pid" 2>/dev/null || true
    # Postgres' fast shutdown and the supervisor's own exit take a few seconds at most.
    for _ in $(seq 1 300); do
      kill -0 "$sup_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$sup_pid" 2>/dev/null; then
      say "the supervisor did not stop within 30 s of SIGTERM; killing it"
      kill -KILL "$sup_pid" 2>/dev/null || true
    fi
    wait "$sup_pid" 2>/dev/null || true
    say "supervisor stopped after $((SECONDS - stopping)) s"
  fi
  if [ "$code" != 0 ] && [ -f "$work/supervisor.out" ]; then
    say "last lines of the supervisor's output:"
    tail -n 40 "$work/supervisor.out" | sed 's/^/  | /' >&2
  fi
  if [ "${PGBR_BROWSER_KEEP:-0}" = 1 ]; then
    say "kept $work"
  else
    rm -rf "$work"
  fi
  say "finished in $((SECONDS - started)) s with exit code $code"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_port=$(free_port)
api_port=$(free_port)
while [ "$api_port" = "$pg_port" ]; do api_port=$(free_port); done
token=browser-token-0123456789abcdef
mkdir -p "$work/run" "$work/initdb.d" "$work/profile"
chown postgres:postgres "$work/run"

# Like tests/integration/harness.h: a fresh data directory, schedules disabled (the tests ask for
# backups themselves), a known token, and nothing from the caller's environment.
env -i \
  POSTGRES_PASSWORD=browser-secret-pw \
  PGDATA="$work/pgdata" \
  PGBR_STATE_DIR="$work/state" \
  PGBR_API_LISTEN="127.0.0.1:$api_port" \
  PGBR_API_TOKEN="$token" \
  PGBR_INITDB_DIR="$work/initdb.d" \
  PGBR_SCHEDULE_FULL= PGBR_SCHEDULE_DIFF= PGBR_SCHEDULE_INCR= \
  PATH="$PATH" LANG=C.UTF-8 \
  "$binary" postgres -c "port=$pg_port" -c "unix_socket_directories=$work/run" \
  >"$work/supervisor.out" 2>&1 &
sup_pid=$!
say "supervisor pid $sup_pid, API on 127.0.0.1:$api_port, Postgres on port $pg_port, folder $work"

api_get() {
  curl -sf --max-time 5 -H "Authorization: Bearer $token" "http://127.0.0.1:$api_port$1"
}

# Polls `$@` every 0.2 s until it succeeds or `deadline` seconds pass.
wait_for() {
  local what=$1 deadline=$2
  shift 2
  local until=$((SECONDS + deadline))
  until "$@"; do
    kill -0 "$sup_pid" 2>/dev/null || fail "the supervisor exited while waiting for $what"
    [ $SECONDS -lt $until ] || fail "no $what within $deadline s"
    sleep 0.2
  done
}
ready() { curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$api_port/readyz"; }
startup_done() {
  api_get /api/v1/status 2>/dev/null | node -e '
    let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
      const s = JSON.parse(text || "{}");
      process.exit(s.supervisor?.startup_done === true && s.running_job === null ? 0 : 1);
    });'
}
wait_for "readiness (/readyz)" 120 ready
say "ready after $((SECONDS - started)) s; waiting for the start-up jobs"
wait_for "end of the start-up jobs" 240 startup_done
say "start-up jobs done after $((SECONDS - started)) s"

screenshots=${PGBR_SCREENSHOTS:-$here/screenshots}
mkdir -p "$screenshots"
screenshots=$(cd "$screenshots" && pwd)
# Only this run's pictures: the ones an earlier run left (same naming) go first.
rm -f "$screenshots"/[0-9][0-9]-*.png "$screenshots"/failed-*.png
say "screenshots go to $screenshots"

tests_started=$SECONDS
# One node process for every scenario: dashboard.test.mjs imports scenarios/*.mjs in the order
# they depend on each other, sharing one browser and this one supervisor.
set +e
PGBR_URL="http://127.0.0.1:$api_port/" \
  PGBR_TOKEN="$token" \
  PGBR_PG_PORT="$pg_port" \
  PGBR_PG_SOCKET="$work/run" \
  PGBR_PG_PASSWORD=browser-secret-pw \
  PGBR_PGBIN="$pgbin" \
  PGBR_PROFILE="$work/profile" \
  PGBR_SCREENSHOTS="$screenshots" \
  node --test --test-reporter=spec "$here/dashboard.test.mjs"
result=$?
set -e
say "tests took $((SECONDS - tests_started)) s"
exit $result
