# shellcheck shell=bash disable=SC2154 # binary, scale, keep and PGBIN come from the caller
# Shared by the benchmarks in bench/ (sourced, not run): the command-line helpers every script
# uses, and one supervisor in a temporary folder with a local repository, schedules off, and a
# pgbench database.
#
# The caller sets binary, scale, keep and PGBIN before calling bench_start.

bench_name=$(basename "$0" .sh)

# The script's header comment (from its second line to the first line that is not a comment).
usage() {
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
  exit "${1:-0}"
}
die() {
  echo "bench/$bench_name: $*" >&2
  exit 2
}
unknown_option() { die "unknown option '$1' (see --help)"; }
# Root (the supervisor drops to postgres by itself), the binary, then each tool named.
require() {
  [ "$(id -u)" = 0 ] || die "run as root: the supervisor drops to postgres by itself"
  [ -x "$binary" ] || die "no supervisor binary at $binary; build it or pass --binary"
  local tool
  for tool in "$@"; do
    command -v "$tool" > /dev/null || die "$tool is missing"
  done
}
# positive NAME VALUE...: every VALUE is a positive whole number, or the option NAME is refused.
positive() {
  local name=$1 n
  shift
  for n in "$@"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "$name: positive whole numbers only (got '$n')"
  done
}
# The median of the numbers on stdin, separated by blanks or newlines; median_of takes arguments.
median() {
  tr -s ' \t' '\n' | grep . | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
median_of() { printf '%s\n' "$@" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# A free TCP port on the loopback, chosen by the kernel.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2> /dev/null ||
    shuf -i 20000-60000 -n 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

call() { curl -sS -H "Authorization: Bearer $token" "$@"; }
# Polls every $wait_step seconds (default 0.1): a benchmark whose subject times itself polls
# less, so that the poller's own curl and jq processes do not compete with what is measured.
wait_for() { # seconds, then a command that succeeds when done
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    kill -0 "$sup_pid" 2> /dev/null || die "the supervisor exited; see $work/supervisor.out"
    sleep "${wait_step:-0.1}"
  done
}
startup_done() {
  call "$api/api/v1/status" 2> /dev/null | jq -e '.supervisor.startup_done and .running_job == null' > /dev/null
}
job_state() { call "$api/api/v1/jobs/$1" | jq -r .state; }
# Waits for job $1 to end without polling: its log, followed, ends with an "end" event when the
# job does (one connection instead of a curl and a jq every tenth of a second beside the work
# being measured).
job_wait() {
  { call -N --max-time 3600 "$api/api/v1/jobs/$1/log?follow=1" 2> /dev/null || true; } |
    grep -q -m1 '^event: end' || true
  job_finished "$1"
}
job_finished() { [[ "$(job_state "$1")" =~ ^(succeeded|failed|cancelled)$ ]]; }

bench_cleanup() {
  if [ -n "${sup_pid:-}" ] && kill -0 "$sup_pid" 2> /dev/null; then
    kill -TERM "$sup_pid"
    wait "$sup_pid" || true
  fi
  if [ "$keep" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}

# bench_start NAME [VAR=value ...]: starts the supervisor (extra environment after NAME), waits for
# its start-up jobs, loads pgbench at $scale and settles it (bench_settle). Sets work, state,
# pgdata, sock, pg_port, api, token, sup_pid and db_bytes; removes the folder on exit unless
# keep=1.
bench_start() {
  local name=$1 t
  shift
  work=$(mktemp -d "/tmp/pgbr-bench-$name-XXXXXX")
  chmod 755 "$work"
  pg_port=$(free_port)
  api_port=$(free_port)
  token=bench-token-0123456789abcdef
  state=$work/state pgdata=$work/pgdata sock=$work/run
  api=http://127.0.0.1:$api_port
  # not readonly: a benchmark may start a second supervisor after the first one stopped
  sup_pid=
  trap bench_cleanup EXIT

  mkdir -p "$sock"
  env -i PATH="$PATH" LANG=C.UTF-8 POSTGRES_PASSWORD=bench-pw PGDATA="$pgdata" \
    PGBR_STATE_DIR="$state" PGBR_API_LISTEN="127.0.0.1:$api_port" PGBR_API_TOKEN="$token" \
    PGBR_INITDB_DIR="$work/initdb.d" PGBR_SCHEDULE_FULL= PGBR_SCHEDULE_DIFF= PGBR_SCHEDULE_INCR= \
    "$@" "$binary" postgres -c "port=$pg_port" -c "unix_socket_directories=$sock" \
    > "$work/supervisor.out" 2>&1 &
  sup_pid=$!

  echo "starting the supervisor in $work"
  wait_for 300 startup_done || die "start-up did not finish; see $work/supervisor.out"
  echo "initialising pgbench at scale $scale"
  t=$(now)
  PGPASSWORD=bench-pw "$PGBIN/pgbench" -q -i -s "$scale" -h "$sock" -p "$pg_port" -U postgres postgres
  db_bytes=$(psql_bench -c 'select pg_database_size(current_database())')
  echo "  $(elapsed "$t") s, database $(mib "$db_bytes") MiB"
  bench_settle
}

psql_bench() { PGPASSWORD=bench-pw "$PGBIN/psql" -XAtq -h "$sock" -p "$pg_port" -U postgres postgres "$@"; }
wal_archived() { # the segment named $1 (or a later one) is archived
  [ "$(psql_bench -c "select coalesce(last_archived_wal, '') >= '$1' from pg_stat_archiver")" = t ]
}

# A database just loaded holds hundreds of MB that Postgres has not yet written to its files and
# WAL that is not yet archived. The first checkpoint after the load (the one a backup asks for)
# writes it all at once, and for a few seconds every process on the machine waits for a CPU,
# the load generator included. A database in service has had its checkpoints; the benchmarks
# start from that state: checkpoint, flush, and wait until the load's WAL is in the repository.
bench_settle() {
  local t segment
  echo "settling: checkpoint and archive the load's WAL"
  t=$(now)
  psql_bench -c checkpoint > /dev/null
  segment=$(psql_bench -c 'select pg_walfile_name(pg_switch_wal())')
  sync
  wait_for 600 wal_archived "$segment" || die "WAL segment $segment was not archived in 600 s"
  echo "  $(elapsed "$t") s"
}
