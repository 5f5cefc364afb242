#!/usr/bin/env bash
# API benchmark: do the read routes stay fast while a big backup runs, and do they never run
# pgBackRest themselves? Run by hand, as root, on an otherwise quiet machine:
#
#   bench/api.sh [--binary PATH] [--scale N] [--duration S] [--connections N] [--threads N]
#                [--keep]
#
# One supervisor (local repository, schedules off, PGBR_INFO_REFRESH_S=3600 so the timer does not
# refresh the repository view during the run) in a temporary folder; a pgbench database of scale
# N (default 50, ~750 MB), settled: checkpointed and its WAL archived (see bench_settle in
# bench/lib.sh). Then for each route, GET /pgBackRest/info and GET /api/v1/status: start a full
# backup through the API, and while it runs drive the route with wrk for S seconds (default 10)
# over N connections (default 64) from T threads (default 2), with the token header.
# pgbr_info_refreshes_total is read from /metrics before the backup and after it finished: the
# backup job's own refresh at its end is the only increase allowed; any other was caused by
# requests.
# Prints a table; exits 1 when a target is missed (>= 20000 requests/s, p99 <= 10 ms, no refresh
# caused by requests, no error answers, the backup running for the whole load), 2 when something
# failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
readonly TARGET_RPS=20000
readonly TARGET_P99_MS=10
binary=${PGBR_BINARY:-$ROOT/build/pgbr-supervisor}
scale=50
duration=10
connections=64
threads=2
keep=0

usage() {
  sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}
die() {
  echo "bench/api: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[ "$(id -u)" = 0 ] || die "run as root: the supervisor drops to postgres by itself"
[ -x "$binary" ] || die "no supervisor binary at $binary; build it or pass --binary"
for n in "$scale" "$duration" "$connections" "$threads"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--scale, --duration, --connections and --threads take positive numbers"
done
if ! command -v wrk > /dev/null; then
  echo "installing wrk"
  apt-get install -y -q wrk > /dev/null || die "wrk is missing and apt-get install wrk failed"
fi
for tool in curl jq wrk "$PGBIN/pgbench" "$PGBIN/psql"; do
  command -v "$tool" > /dev/null || die "$tool is missing"
done

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
job_started() { [ "$(job_state "$1")" != queued ]; }
refreshes() { curl -sS "$api/metrics" | awk '$1 == "pgbr_info_refreshes_total" { print $2 }'; }

# The timer must not refresh the repository view during a run: every refresh counted is a request's.
bench_start api PGBR_INFO_REFRESH_S=3600
db_mib=$((db_bytes / 1048576))

# wrk prints latencies as 850.00us, 1.20ms or 1.05s; the table shows milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
    printf "%.2f", n }'
}

declare -A rps p50 p99 bad errs caused overlap
routes=(/pgBackRest/info /api/v1/status)
misses=0
for route in "${routes[@]}"; do
  echo "$route: full backup through the API, wrk for $duration s meanwhile"
  before=$(refreshes)
  id=$(call -X POST -H 'Content-Type: application/json' -d '{"type":"full"}' "$api/api/v1/backups" | jq -r .job.id)
  if [ -z "$id" ] || [ "$id" = null ]; then die "the API did not accept the backup"; fi
  wait_for 60 job_started "$id" || die "backup job $id did not start"
  t=$(now)
  wrk -t "$threads" -c "$connections" -d "${duration}s" --latency \
    -H "Authorization: Bearer $token" "$api$route" > "$work/wrk.out" 2>&1 || die "wrk failed: $(cat "$work/wrk.out")"
  # How much of the load ran while the backup did.
  if job_finished "$id"; then
    overlap[$route]="ended earlier"
  else
    overlap[$route]="whole run"
  fi
  wait_for 3600 job_finished "$id" || die "backup job $id did not finish"
  [ "$(job_state "$id")" = succeeded ] || die "backup job $id failed: $(call "$api/api/v1/jobs/$id")"
  after=$(refreshes)
  # The backup job refreshes the repository view once when it ends; the rest came from requests.
  caused[$route]=$((after - before - 1))
  rps[$route]=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk.out")
  p50[$route]=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$work/wrk.out")")
  p99[$route]=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk.out")")
  bad[$route]=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$work/wrk.out")
  bad[$route]=${bad[$route]:-0}
  errs[$route]=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$work/wrk.out")
  errs[$route]=${errs[$route]:-0}
  [ -n "${rps[$route]}" ] || die "no result from wrk: $(cat "$work/wrk.out")"
  echo "  ${rps[$route]} requests/s, p99 ${p99[$route]} ms, backup $(elapsed "$t") s after the load began"
  cp "$work/wrk.out" "$work/wrk-${route//\//_}.out"
done

echo
echo "pgbench scale $scale ($db_mib MiB) full backup running; wrk -t$threads -c$connections -d${duration}s; $(nproc) CPUs"
echo
printf '| %-18s | %10s | %8s | %8s | %8s | %7s | %16s | %s\n' route "requests/s" "p50 ms" "p99 ms" \
  "non-2xx" errors "pgbackrest runs" "backup during load"
printf '| %-18s | %10s | %8s | %8s | %8s | %7s | %16s | %s\n' ----- ---------- ------ ------ \
  ------- ------ --------------- ------------------
for route in "${routes[@]}"; do
  printf '| %-18s | %10s | %8s | %8s | %8s | %7s | %16s | %s\n' "$route" "${rps[$route]}" \
    "${p50[$route]}" "${p99[$route]}" "${bad[$route]}" "${errs[$route]}" "${caused[$route]}" \
    "${overlap[$route]}"
  miss=()
  [ "${rps[$route]}" -ge "$TARGET_RPS" ] || miss+=("requests/s below $TARGET_RPS")
  awk -v p="${p99[$route]}" -v t="$TARGET_P99_MS" 'BEGIN { exit !(p <= t) }' || miss+=("p99 above $TARGET_P99_MS ms")
  [ "${caused[$route]}" -le 0 ] || miss+=("${caused[$route]} pgbackrest run(s) caused by requests")
  [ "${bad[$route]}" = 0 ] && [ "${errs[$route]}" = 0 ] || miss+=("error answers or socket errors")
  [ "${overlap[$route]}" = "whole run" ] || miss+=("the backup ended before the load did, so part of the run measured an idle machine; raise --scale")
  if [ ${#miss[@]} -gt 0 ]; then
    misses=$((misses + 1))
    echo "  MISS $route: $(IFS=';'; echo "${miss[*]}")" >&2
  fi
done
echo
echo "targets: >= $TARGET_RPS requests/s, p99 <= $TARGET_P99_MS ms, 0 pgbackrest runs caused by requests"
[ "$misses" = 0 ] || exit 1
