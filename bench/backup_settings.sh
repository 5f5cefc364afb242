#!/usr/bin/env bash
# Backup settings study: which process-max and compress-level should the image default to? Faster
# backups, but not at the price of the database they copy. Run by hand, as root, on an otherwise
# quiet machine:
#
#   bench/backup_settings.sh [--binary PATH] [--scale N] [--runs N] [--clients N] [--keep]
#
# One supervisor (local repository, schedules off) in a temporary folder; a pgbench database of
# scale N (default 50, ~750 MB), settled. A pgbench TPC-B load (--clients connections, default 4,
# two threads) then runs on it for the whole study, reporting its TPS every second, while N runs
# (default 5) each take one full backup (`pgbackrest --type=full backup` as postgres, the
# supervisor's config) with every contender, the order rotated from run to run:
#   cur    process-max max(1, CPUs/2), compress-level 3   (the defaults before this study)
#   cpus   process-max CPUs,           compress-level 3
#   lvl1   process-max max(1, CPUs/2), compress-level 1
#   both   process-max CPUs,           compress-level 1
#   none   no backup: the load alone for as long as cur took in that run
# Each run gives per contender the backup's duration and the load's mean TPS while it ran (the
# one-second readings that fall inside the backup), both divided by cur's of the same run.
# Prints the medians of those ratios with their extremes and the load average at every backup,
# and names the fastest contender whose median TPS stays within 10 % of cur's: the default to
# choose. Exits 2 when something failed, else 0. Needs pgbackrest, curl, jq and PostgreSQL 15's
# pgbench.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
readonly TPS_FLOOR=0.90
binary=${PGBR_BINARY:-$ROOT/build/pgbr-supervisor}
scale=50
runs=5
clients=4
keep=0

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage 0 ;;
    *) unknown_option "$1" ;;
  esac
done
require curl jq runuser pgbackrest "$PGBIN/pgbench"
positive "--scale, --runs and --clients" "$scale" "$runs" "$clients"

cpus=$(nproc)
half=$((cpus / 2 > 0 ? cpus / 2 : 1))
contenders=(cur cpus lvl1 both none)
declare -A options=(
  [cur]="--process-max=$half --compress-level=3"
  [cpus]="--process-max=$cpus --compress-level=3"
  [lvl1]="--process-max=$half --compress-level=1"
  [both]="--process-max=$cpus --compress-level=1"
  [none]="(no backup)"
)

bench_start settings
load_pid=
stop_load() {
  # TERM, not INT: a job started with & in a script ignores SIGINT, and pgbench would run on.
  if [ -n "$load_pid" ] && kill -0 "$load_pid" 2> /dev/null; then
    kill -TERM "$load_pid" 2> /dev/null || true
    wait "$load_pid" 2> /dev/null || true
  fi
  load_pid=
}
trap 'stop_load; bench_cleanup' EXIT

# The load: TPC-B for far longer than the study, one reading per second with the epoch time at
# which that second ended ("progress: 1712345678.901 s, 512.3 tps, lat 7.8 ms stddev 2.1, ...").
echo "pgbench load: $clients clients, 2 threads, for the whole study"
PGPASSWORD=bench-pw "$PGBIN/pgbench" -n -c "$clients" -j 2 -T 86400 -P 1 --progress-timestamp \
  -h "$sock" -p "$pg_port" -U postgres postgres > "$work/pgbench.out" 2> "$work/pgbench.progress" &
load_pid=$!
sleep 5 # connections made and the first checkpoint-free seconds past

# Mean TPS of the readings whose second lies inside [from, to] (epoch seconds).
tps_between() {
  awk -v from="$1" -v to="$2" '$1 == "progress:" && $2 - 1 >= from && $2 <= to { s += $4; n++ }
    END { if (n) printf "%.1f", s / n; else print "nan" }' "$work/pgbench.progress"
}
backup() { # contender name
  local opts
  read -ra opts <<< "${options[$1]}"
  runuser -u postgres -- env PGPASSWORD=bench-pw pgbackrest --config="$state/pgbackrest.conf" \
    --stanza=main --type=full "${opts[@]}" backup > "$work/backup.log" 2>&1 ||
    die "pgbackrest backup ($1) failed: $(tail -3 "$work/backup.log")"
}

declare -A secs tps rsec rtps
loads=()
for i in $(seq 1 "$runs"); do
  # Rotate the order: every contender runs first, second, ... in turn.
  n=${#contenders[@]}
  order=()
  for ((k = 0; k < n; k++)); do order+=("${contenders[(k + i - 1) % n]}"); done
  declare -A s=() t=()
  for c in "${order[@]}"; do
    kill -0 "$load_pid" 2> /dev/null || die "pgbench stopped; see $work/pgbench.progress"
    la=$(cut -d' ' -f1 /proc/loadavg)
    loads+=("$la")
    t0=$(now)
    if [ "$c" = none ]; then
      # As long as cur took in this run (cur runs before none in most orders; else the previous
      # run's cur, else 10 s).
      nap=${s[cur]:-${last_cur:-10}}
      sleep "$nap"
    else
      backup "$c"
    fi
    t1=$(now)
    sleep 1.2 # the reading of the last second is written
    s[$c]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    t[$c]=$(tps_between "$t0" "$t1")
    [ "$c" != cur ] || last_cur=${s[cur]}
    echo "  run $i $c: ${s[$c]} s, load $(printf '%s' "${t[$c]}") TPS meanwhile (load average $la)"
    sleep 3 # the next backup starts on a machine back to its steady state
  done
  for c in "${contenders[@]}"; do
    secs[$c]+="${s[$c]} " tps[$c]+="${t[$c]} "
    rsec[$c]+="$(awk -v a="${s[$c]}" -v b="${s[cur]}" 'BEGIN { printf "%.3f", a / b }') "
    rtps[$c]+="$(awk -v a="${t[$c]}" -v b="${t[cur]}" 'BEGIN { printf "%.3f", a / b }') "
  done
done
stop_load

range() { tr ' ' '\n' | grep . | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo " to " hi }'; }
size=$(runuser -u postgres -- pgbackrest --config="$state/pgbackrest.conf" --stanza=main --output=json info |
  jq '[.[0].backup[] | .info.repository.delta] | max')

echo
echo "database: pgbench scale $scale, $(mib "$db_bytes") MiB; load: pgbench -c $clients -j 2;" \
  "$runs runs, order rotated; $cpus CPUs"
echo "load average at each backup: ${loads[*]}; at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ratios are per run against cur of the same run; medians over the runs"
echo
printf '| %-6s | %-37s | %8s | %8s | %-13s | %9s | %8s | %-13s |\n' contender options "median s" "s/cur" "s/cur range" "median TPS" "TPS/cur" "TPS/cur range"
printf '| %-6s | %-37s | %8s | %8s | %-13s | %9s | %8s | %-13s |\n' --- --- ---: ---: --- ---: ---: ---
choice=cur
best=1
for c in "${contenders[@]}"; do
  ms=$(median <<< "${secs[$c]}")
  ratio_s=$(median <<< "${rsec[$c]}")
  ratio_t=$(median <<< "${rtps[$c]}")
  printf '| %-6s | %-37s | %8s | %8s | %-13s | %9s | %8s | %-13s |\n' "$c" "${options[$c]}" "$ms" "$ratio_s" \
    "$(range <<< "${rsec[$c]}")" "$(median <<< "${tps[$c]}")" "$ratio_t" "$(range <<< "${rtps[$c]}")"
  [ "$c" != none ] || continue
  if awk -v t="$ratio_t" -v f="$TPS_FLOOR" -v r="$ratio_s" -v b="$best" 'BEGIN { exit !(t >= f && r < b) }'; then
    choice=$c best=$ratio_s
  fi
done
echo
echo "newest full backup in the repository: $(mib "$size") MiB"
echo "fastest contender whose load keeps >= $TPS_FLOOR of its TPS during a cur backup: $choice (${options[$choice]})"
