#!/usr/bin/env bash
# API benchmark: do the read routes stay fast while a big backup runs, and do they never run
# pgBackRest themselves? Run by hand, as root, on an otherwise quiet machine:
#
#   bench/api.sh [--binary PATH] [--scale N] [--duration S] [--rounds R] [--connections N]
#                [--threads N] [--keep]
#
# One supervisor (local repository, schedules off, PGBR_INFO_REFRESH_S=3600 so the timer does not
# refresh the repository view during the run) in a temporary folder; a pgbench database of scale
# N (default 150, ~2.2 GB, so that a backup outlasts a load), settled: checkpointed and its WAL
# archived (see bench_settle in bench/lib.sh). Then R rounds (default 5), each of, for GET /pgBackRest/info and then
# GET /api/v1/status:
#   - idle baseline: GET /healthz (no cache, no JSON, no token) with nothing else running: what
#     the HTTP stack and this machine give at that moment (the absolute targets count only when
#     it meets them);
#   - busy baseline: GET /healthz while a full backup started through the API runs: the same
#     machine with pgBackRest's processes (one per CPU) competing for it;
#   - the route, with the token header, while another full backup runs: its p99 against the busy
#     baseline just before is what the route itself costs (the target), against the idle one
#     what the user sees while a backup runs;
# every load being wrk for S seconds (default 10) over N connections (default 64) from T threads
# (default 2). pgbr_info_refreshes_total is read from /metrics before each backup and after it
# finished: the backup job's own refresh at its end is the only increase allowed; any other was
# caused by requests.
# The baselines are measured again right before each route's load, so every route reading has
# baseline readings of its own taken seconds earlier on the same machine. The backup must outlast
# each load: at --duration 10 on 2 CPUs that takes --scale 150 or more.
# Prints each reading and a table of medians over the rounds, with ratios to the baselines (a
# p99 ratio is the median of the per-round ratios route / its own baseline), then per route the
# busy p99 ratio with its spread over the rounds (extremes and every reading) against the
# target. Exits 1 when the busy p99 ratio of a route is above 1.10, when an absolute target is
# missed (>= 20000 requests/s, p99 <= 10 ms; these count only when the idle baseline itself meets
# them, else the machine cannot), or any reading shows a refresh caused by requests, an error
# answer, or a backup that ended before its load did; 2 when something failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
readonly TARGET_RPS=20000
readonly TARGET_P99_MS=10
readonly TARGET_P99_RATIO=1.10
binary=${PGBR_BINARY:-$ROOT/build/pgbr-supervisor}
scale=150
duration=10
rounds=5
connections=64
threads=2
keep=0

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage 0 ;;
    *) unknown_option "$1" ;;
  esac
done
require curl jq "$PGBIN/pgbench" "$PGBIN/psql"
positive "--scale, --duration, --rounds, --connections and --threads" "$scale" "$duration" "$rounds" "$connections" "$threads"
if ! command -v wrk > /dev/null; then
  echo "installing wrk"
  apt-get install -y -q wrk > /dev/null || die "wrk is missing and apt-get install wrk failed"
fi

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

# One wrk load on $1 into $work/wrk.out; sets w_rps, w_p50, w_p99, w_bad (non-2xx answers) and
# w_errs (socket errors). A 2-second load of the same route goes first, unrecorded: the server
# keeps two workers while idle and starts one per connection as a burst arrives, and every
# reading should see the same warm pool rather than how long ago the previous load ended.
load() {
  wrk -t "$threads" -c "$connections" -d 2s -H "Authorization: Bearer $token" "$api$1" > /dev/null 2>&1 ||
    die "wrk failed on $1"
  wrk -t "$threads" -c "$connections" -d "${duration}s" --latency \
    -H "Authorization: Bearer $token" "$api$1" > "$work/wrk.out" 2>&1 || die "wrk failed: $(cat "$work/wrk.out")"
  w_rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk.out")
  [ -n "$w_rps" ] || die "no result from wrk: $(cat "$work/wrk.out")"
  w_p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$work/wrk.out")")
  w_p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk.out")")
  w_bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$work/wrk.out")
  w_bad=${w_bad:-0}
  w_errs=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$work/wrk.out")
  w_errs=${w_errs:-0}
}
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo " to " hi }'; }

baseline=/healthz
busy=/healthz+backup # the same route, under a full backup like the routes below
routes=(/pgBackRest/info /api/v1/status)
declare -A rps p50 p99 p99r p99i # space-separated readings per route, one per round
invalid=()

# under_backup ROUTE ROUND: a full backup through the API and, while it runs, wrk on ROUTE; sets
# the w_* readings and notes in `invalid` whatever makes the reading not count.
under_backup() {
  local route=$1 round=$2 path=${1%+backup} before after caused id t
  before=$(refreshes)
  id=$(call -X POST -H 'Content-Type: application/json' -d '{"type":"full"}' "$api/api/v1/backups" | jq -r .job.id)
  if [ -z "$id" ] || [ "$id" = null ]; then die "the API did not accept the backup"; fi
  wait_for 60 job_started "$id" || die "backup job $id did not start"
  t=$(now)
  load "$path"
  # The whole load must run while the backup does.
  if job_finished "$id"; then
    invalid+=("round $round $route: the backup ended before the load did, so part of the run measured an idle machine; raise --scale")
  fi
  wait_for 3600 job_finished "$id" || die "backup job $id did not finish"
  [ "$(job_state "$id")" = succeeded ] || die "backup job $id failed: $(call "$api/api/v1/jobs/$id")"
  after=$(refreshes)
  # The backup job refreshes the repository view once when it ends; the rest came from requests.
  caused=$((after - before - 1))
  [ "$caused" -le 0 ] || invalid+=("round $round $route: $caused pgbackrest run(s) caused by requests")
  [ "$w_bad" = 0 ] && [ "$w_errs" = 0 ] ||
    invalid+=("round $round $route: $w_bad error answers, $w_errs socket errors")
  w_note="pgbackrest runs caused $caused, backup $(elapsed "$t") s after the load began"
  cp "$work/wrk.out" "$work/wrk-$round-${route//[\/+]/_}.out"
}
keep() { rps[$1]+="$w_rps " p50[$1]+="$w_p50 " p99[$1]+="$w_p99 "; }
per() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

for round in $(seq "$rounds"); do
  echo "round $round of $rounds (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  for route in "${routes[@]}"; do
    # Both baselines right before the route: every reading sees the machine as it is now.
    echo "  $baseline, nothing else running"
    load "$baseline"
    idle99=$w_p99
    keep "$baseline"
    echo "    $w_rps requests/s, p99 $w_p99 ms"
    echo "  $baseline: full backup through the API, wrk for $duration s meanwhile"
    under_backup "$busy" "$round"
    busy99=$w_p99
    keep "$busy"
    p99i[$busy]+="$(per "$w_p99" "$idle99") "
    echo "    $w_rps requests/s, p99 $w_p99 ms ($(per "$w_p99" "$idle99") x idle), $w_note"
    echo "  $route: full backup through the API, wrk for $duration s meanwhile"
    under_backup "$route" "$round"
    keep "$route"
    p99r[$route]+="$(per "$w_p99" "$busy99") " p99i[$route]+="$(per "$w_p99" "$idle99") "
    echo "    $w_rps requests/s, p99 $w_p99 ms ($(per "$w_p99" "$busy99") x $baseline under its backup, $(per "$w_p99" "$idle99") x idle), $w_note"
  done
done

# shellcheck disable=SC2086 # the readings are space-separated numbers
{
  b_rps=$(median_of ${rps[$baseline]})
  b_p99=$(median_of ${p99[$baseline]})
}
# The absolute targets hold the supervisor to what this machine can give: when even the bare
# /healthz misses one, the machine is the limit and only the ratios say something.
abs_rps=yes abs_p99=yes
awk -v r="$b_rps" -v t="$TARGET_RPS" 'BEGIN { exit !(r >= t) }' || abs_rps=no
awk -v p="$b_p99" -v t="$TARGET_P99_MS" 'BEGIN { exit !(p <= t) }' || abs_p99=no
echo
echo "pgbench scale $scale ($db_mib MiB); wrk -t$threads -c$connections -d${duration}s; $rounds rounds; $(nproc) CPUs; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians over the rounds; ratios against the baselines measured in the same rounds: p99/busy is the median of the per-round ratios to $baseline under a backup just before (the target), p99/idle to $baseline with nothing running"
echo
printf '| %-16s | %-18s | %10s | %7s | %8s | %8s | %9s | %9s | %-13s | %s\n' route load "requests/s" "/base" "p50 ms" "p99 ms" "p99/busy" "p99/idle" "busy range" "p99 readings (ms)"
printf '| %-16s | %-18s | %10s | %7s | %8s | %8s | %9s | %9s | %-13s | %s\n' ----- ---- ---------- ----- ------ ------ -------- -------- ---------- -----------------
misses=0
for route in "$baseline" "$busy" "${routes[@]}"; do
  # shellcheck disable=SC2086
  {
    m_rps=$(median_of ${rps[$route]})
    m_p50=$(median_of ${p50[$route]})
    m_p99=$(median_of ${p99[$route]})
    r_p99=$(range ${p99[$route]})
    m_r99="-" r_r99="-" m_i99="-"
    [ -z "${p99r[$route]:-}" ] || { m_r99=$(median_of ${p99r[$route]}); r_r99=$(range ${p99r[$route]}); }
    [ -z "${p99i[$route]:-}" ] || m_i99=$(median_of ${p99i[$route]})
  }
  what="full backup"
  [ "$route" != "$baseline" ] || what="nothing (baseline)"
  printf '| %-16s | %-18s | %10.0f | %7.2f | %8.2f | %8.2f | %9s | %9s | %-13s | %s\n' "${route%+backup}" "$what" "$m_rps" \
    "$(awk -v a="$m_rps" -v b="$b_rps" 'BEGIN { print a / b }')" "$m_p50" "$m_p99" "$m_r99" "$m_i99" "$r_r99" "$r_p99"
  case $route in "$baseline" | "$busy") continue ;; esac
  miss=()
  awk -v r="$m_r99" -v t="$TARGET_P99_RATIO" 'BEGIN { exit !(r <= t) }' || miss+=("p99 $m_r99 x the baseline's under a backup, above $TARGET_P99_RATIO")
  if [ $abs_rps = yes ]; then
    awk -v r="$m_rps" -v t="$TARGET_RPS" 'BEGIN { exit !(r >= t) }' || miss+=("requests/s below $TARGET_RPS")
  fi
  if [ $abs_p99 = yes ]; then
    awk -v p="$m_p99" -v t="$TARGET_P99_MS" 'BEGIN { exit !(p <= t) }' || miss+=("p99 above $TARGET_P99_MS ms")
  fi
  if [ ${#miss[@]} -gt 0 ]; then
    misses=$((misses + 1))
    echo "  MISS $route: $(IFS=';'; echo "${miss[*]}")" >&2
  fi
done
echo
# The answer: the p99 under a backup against the /healthz p99 under a backup of the same moment,
# with its spread.
for route in "${routes[@]}"; do
  # shellcheck disable=SC2086
  {
    m_r99=$(median_of ${p99r[$route]})
    r_r99=$(range ${p99r[$route]})
  }
  verdict=met
  awk -v r="$m_r99" -v t="$TARGET_P99_RATIO" 'BEGIN { exit !(r <= t) }' || verdict=MISSED
  echo "p99 ratio $route / $baseline, both under a full backup: median $m_r99 over $rounds rounds, extremes $r_r99 (all: ${p99r[$route]% }); target <= $TARGET_P99_RATIO: $verdict"
  # shellcheck disable=SC2086
  echo "  ratio of the medians over the rounds: $(per "$(median_of ${p99[$route]})" "$(median_of ${p99[$busy]})")"
done
for line in "${invalid[@]}"; do
  misses=$((misses + 1))
  echo "  MISS $line" >&2
done
echo
echo "targets (medians): p99 <= $TARGET_P99_RATIO x the /healthz baseline's under a backup; >= $TARGET_RPS requests/s and p99 <= $TARGET_P99_MS ms where the baseline meets them (requests/s: $abs_rps, p99: $abs_p99); every reading: 0 pgbackrest runs caused by requests, no errors, the backup running for the whole load"
[ "$misses" = 0 ] || exit 1
