#!/usr/bin/env bash
# Backup benchmark: is a full backup through the supervisor's job runner as fast as pgBackRest run
# by hand? Run by hand, as root, on an otherwise quiet machine:
#
#   bench/backup.sh [--binary PATH] [--scale N] [--runs N] [--methods abcd] [--target RATIO]
#                   [--keep]
#
# One supervisor (local repository, schedules off) in a temporary folder; a pgbench database of
# scale N (default 50, ~750 MB); then N runs (default 9) of the methods in --methods (default
# abcd; a and b always run):
#   a) a full backup through the API (POST /api/v1/backups), timed until the job has finished;
#      with the restore drill on (the default), the job then counts every table's rows for the
#      drill to compare against; the job log gives that time, reported apart as a-count;
#   b) the same `pgbackrest --type=full backup` run directly as postgres with the same config;
#   c) `pg_dump -Fc` of the database to a file;
#   d) `tar` of the data directory through `zstd -1` to a file: the floor for reading and
#      compressing the same bytes.
# The order alternates (a b c d, then d c b a, ...) so that drift on the machine and whatever the
# previous method left in the page cache hit every method alike. Each run gives one a/b pair: the
# answer is the median of the per-pair ratios with their quartiles and extremes, so that a cost
# smaller than the spread reads as such; the per-pair difference a - b in seconds is printed the
# same way (what a adds is a fixed cost, so its ratio shrinks on a larger database). Prints the
# per-method medians, the ratios to b, the sizes and the load average at every run; exits 1 when
# the median per-pair (a - count)/b (the job runner's own cost) is above the target (default
# 1.03), 2 when something failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
binary=${PGBR_BINARY:-$ROOT/build/pgbr-supervisor}
scale=50
runs=9
methods=abcd
target=1.03
keep=0

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --methods) methods=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage 0 ;;
    *) unknown_option "$1" ;;
  esac
done
require curl jq zstd tar runuser pgbackrest "$PGBIN/pgbench" "$PGBIN/pg_dump"
positive "--scale and --runs" "$scale" "$runs"
[[ "$methods" =~ ^[abcd]+$ ]] || die "--methods takes letters among a, b, c and d (a and b always run)"
order=(a b)
[[ "$methods" != *c* ]] || order+=(c)
[[ "$methods" != *d* ]] || order+=(d)


bench_start backup

# The newest backup's size in the repository, from pgBackRest itself.
repo_size() {
  runuser -u postgres -- pgbackrest --config="$state/pgbackrest.conf" --stanza=main --output=json info |
    jq '.[0].backup[-1].info.repository.delta'
}

run_api() {
  local t id
  t=$(now)
  id=$(call -X POST -H 'Content-Type: application/json' -d '{"type":"full"}' "$api/api/v1/backups" | jq -r .job.id)
  if [ -z "$id" ] || [ "$id" = null ]; then die "the API did not accept the backup"; fi
  job_wait "$id" || die "job $id did not finish"
  local dt
  dt=$(elapsed "$t")
  [ "$(call "$api/api/v1/jobs/$id" | jq -r .state)" = succeeded ] || die "job $id failed: $(call "$api/api/v1/jobs/$id")"
  # "row counts: N tables in M databases recorded for the restore drill (X ms; ...)"
  local count_ms
  count_ms=$(call "$api/api/v1/jobs/$id/log?tail=100" | jq -r '.lines[].text' |
    sed -n 's/^row counts: .* recorded for the restore drill (\([0-9]*\) ms[;)].*/\1/p' | tail -1)
  echo "$dt $(repo_size) $(awk -v ms="${count_ms:-0}" 'BEGIN { printf "%.2f", ms / 1000 }')"
}
run_direct() {
  local t dt
  t=$(now)
  runuser -u postgres -- env PGPASSWORD=bench-pw pgbackrest --config="$state/pgbackrest.conf" \
    --stanza=main --type=full backup > "$work/direct.log" 2>&1 || die "pgbackrest backup failed: $(tail -3 "$work/direct.log")"
  dt=$(elapsed "$t")
  echo "$dt $(repo_size)"
}
run_dump() {
  local t dt
  t=$(now)
  PGPASSWORD=bench-pw "$PGBIN/pg_dump" -Fc -h "$sock" -p "$pg_port" -U postgres -f "$work/dump.pgc" postgres
  dt=$(elapsed "$t")
  echo "$dt $(stat -c %s "$work/dump.pgc")"
  rm -f "$work/dump.pgc"
}
run_tar() {
  local t dt rc=0
  t=$(now)
  # Files change under a running server: tar then exits 1 ("file changed as we read it"), which
  # is fine for a floor measurement; 2 is a real failure.
  tar -C "$work" -cf - pgdata 2> /dev/null | zstd -1 -q -T1 -o "$work/pgdata.tar.zst" || rc=$?
  dt=$(elapsed "$t")
  if [ ! -s "$work/pgdata.tar.zst" ] || [ "$rc" -gt 1 ]; then die "tar | zstd failed ($rc)"; fi
  echo "$dt $(stat -c %s "$work/pgdata.tar.zst")"
  rm -f "$work/pgdata.tar.zst"
}

declare -A times sizes
pairs=()
pairs_runner=()
counts=()
diffs=()
loads=()
for i in $(seq 1 "$runs"); do
  # Odd runs go forwards, even runs backwards: each method follows and precedes every other.
  run_order=("${order[@]}")
  if [ $((i % 2)) = 0 ]; then
    run_order=()
    for ((k = ${#order[@]} - 1; k >= 0; k--)); do run_order+=("${order[k]}"); done
  fi
  la=$(cut -d' ' -f1 /proc/loadavg)
  loads+=("$la")
  declare -A this=()
  for m in "${run_order[@]}"; do
    case $m in
      a) read -r dt size count < <(run_api) ;;
      b) read -r dt size < <(run_direct) ;;
      c) read -r dt size < <(run_dump) ;;
      d) read -r dt size < <(run_tar) ;;
    esac
    [ -n "${dt:-}" ] || die "run $m failed"
    times[$m]+="$dt "
    sizes[$m]=$size
    this[$m]=$dt
    echo "  run $i $m: $dt s, $(mib "$size") MiB (load average $(cut -d' ' -f1 /proc/loadavg))"
  done
  pairs+=("$(ratio "${this[a]}" "${this[b]}")")
  counts+=("$count")
  runner=$(awk -v a="${this[a]}" -v c="$count" 'BEGIN { printf "%.2f", a - c }')
  pairs_runner+=("$(ratio "$runner" "${this[b]}")")
  diffs+=("$(awk -v a="${this[a]}" -v b="${this[b]}" 'BEGIN { printf "%.2f", a - b }')")
  echo "  run $i: a/b = ${pairs[-1]}, row counts ${count} s, (a - count)/b = ${pairs_runner[-1]} (load average $la at the start)"
done

# median q1 q3 min max of numbers on stdin; the quartiles are the medians of the lower and upper
# halves (the middle value left out when the count is odd).
spread() {
  sort -g | awk '
    function med(lo, hi,   n, m) { n = hi - lo + 1; m = lo + int((n - 1) / 2); return (n % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }
    { v[NR] = $1 }
    END {
      h = int(NR / 2)
      q1 = (NR > 1) ? med(1, h) : v[1]; q3 = (NR > 1) ? med(NR - h + 1, NR) : v[1]
      printf "%.3f %.3f %.3f %.3f %.3f\n", med(1, NR), q1, q3, v[1], v[NR] }'
}

declare -A med
for m in "${order[@]}"; do med[$m]=$(median <<< "${times[$m]}"); done
label() {
  case $1 in
    a) echo "full backup through the API (job runner)" ;;
    b) echo "pgbackrest --type=full backup, direct" ;;
    c) echo "pg_dump -Fc" ;;
    d) echo "tar \\| zstd -1 (floor)" ;;
  esac
}
echo
echo "database: pgbench scale $scale, $(mib "$db_bytes") MiB; $runs runs, order alternating;" \
  "$(nproc) CPUs; load average at the start of each run: ${loads[*]}; at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %-44s | %8s | %7s | %8s | %s |\n' method "median s" "ratio/b" "size MiB" "all runs (s)"
printf '| %-44s | %8s | %7s | %8s | %s |\n' --- ---: ---: ---: ---
for m in "${order[@]}"; do
  printf '| %-44s | %8s | %7s | %8s | %s |\n' "$m) $(label "$m")" "${med[$m]}" \
    "$(ratio "${med[$m]}" "${med[b]}")" "$(mib "${sizes[$m]}")" "${times[$m]% }"
done
echo
read -r ab q1 q3 lo hi < <(printf '%s\n' "${pairs[@]}" | spread)
echo "per-run a/b ($runs pairs, each a and b back to back): median $ab, quartiles $q1 to $q3, extremes $lo to $hi"
echo "  all: ${pairs[*]}"
read -r d_med d_q1 d_q3 d_lo d_hi < <(printf '%s\n' "${diffs[@]}" | spread)
echo "per-run a - b in seconds: median $d_med, quartiles $d_q1 to $d_q3, extremes $d_lo to $d_hi"
echo "  all: ${diffs[*]}"
read -r c_med c_q1 c_q3 c_lo c_hi < <(printf '%s\n' "${counts[@]}" | spread)
echo "of which the drill's row counts (a count(*) of every table; grows with the data): median $c_med s, quartiles $c_q1 to $c_q3, extremes $c_lo to $c_hi"
read -r rb r_q1 r_q3 r_lo r_hi < <(printf '%s\n' "${pairs_runner[@]}" | spread)
echo "per-run (a - count)/b, the job runner's own cost: median $rb, quartiles $r_q1 to $r_q3, extremes $r_lo to $r_hi"
echo "  all: ${pairs_runner[*]}"
if awk -v a="$r_q1" -v b="$r_q3" 'BEGIN { exit !(a <= 1 && 1 <= b) }'; then
  echo "  1.000 lies between the quartiles: what the runner adds is smaller than the run-to-run spread"
fi
if awk -v r="$rb" -v t="$target" 'BEGIN { exit !(r <= t) }'; then
  echo "median (a - count)/b = $rb <= $target: target met"
else
  echo "median (a - count)/b = $rb > $target: target missed"
  exit 1
fi
