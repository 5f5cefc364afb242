#!/usr/bin/env bash
# Restore drill benchmark: does a drill get to a usable copy as fast as pgBackRest and pg_ctl run
# by hand, and how much does a running drill cost the live database? Run by hand, as root:
#
#   bench/drill.sh [--binary PATH] [--scale N] [--runs N] [--target RATIO] [--seconds S] [--keep]
#
# One supervisor (local repository, schedules off, drills recorded) in a temporary folder; a
# pgbench database of scale N (default 50); one full backup; then N runs (default 5, the order
# of a and b alternating from run to run) of:
#   a) POST /api/v1/drills: the drill's own restore_s + ready_s (pgbackrest restore into the
#      scratch folder under nice/ionice, then the copy started until it accepted connections with
#      recovery ended);
#   b) by hand: `pgbackrest restore --type=immediate` into an empty folder, then `pg_ctl -w start`
#      on its own socket, polled until pg_is_in_recovery() is false.
# Then the live database's pgbench TPS (select-only, 2 clients, S seconds, default 20) without a
# drill and while one runs. Prints medians and ratios; exits 1 when a/b is above the target
# (default 1.10), 2 when something failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
binary=${PGBR_BINARY:-$ROOT/build/pgbr-supervisor}
scale=50
runs=5
target=1.10
seconds=20
keep=0

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage 0 ;;
    *) unknown_option "$1" ;;
  esac
done
require curl jq runuser pgbackrest "$PGBIN/pgbench" "$PGBIN/pg_ctl"
positive "--scale, --runs and --seconds" "$scale" "$runs" "$seconds"


# The drill times itself (restore_s, ready_s): poll its job once a second only.
wait_step=1
bench_start drill PGBR_SCHEDULE_DRILL="0 0 1 1 *"
id=$(call -X POST -H 'Content-Type: application/json' -d '{"type":"full"}' "$api/api/v1/backups" | jq -r .job.id)
wait_for 3600 job_finished "$id" || die "the full backup did not finish"
label=$(call "$api/api/v1/jobs/$id" | jq -r .backup_label)
echo "full backup $label"

run_drill() {
  local id doc
  id=$(call -X POST "$api/api/v1/drills" | jq -r .job.id)
  if [ -z "$id" ] || [ "$id" = null ]; then die "the API did not accept the drill"; fi
  wait_for 3600 job_finished "$id" || die "drill $id did not finish"
  doc=$(call "$api/api/v1/drills/$id")
  [ "$(jq -r .result <<< "$doc")" = passed ] || die "drill $id: $(jq -r .reason <<< "$doc")"
  jq -r '"\(.rto_s) \(.restore_s) \(.ready_s)"' <<< "$doc"
}
by_hand() {
  local dir=$work/hand port t t_restore dt
  rm -rf "$dir" && mkdir -p "$dir/data" "$dir/sock" && chown -R postgres: "$dir" && chmod 700 "$dir/data"
  port=$((pg_port + 2))
  t=$(now)
  runuser -u postgres -- pgbackrest --config="$state/pgbackrest.conf" --stanza=main \
    --pg1-path="$dir/data" --set="$label" --type=immediate --target-action=promote \
    --archive-mode=off restore > "$work/hand.log" 2>&1 || die "pgbackrest restore failed: $(tail -3 "$work/hand.log")"
  t_restore=$(elapsed "$t")
  runuser -u postgres -- "$PGBIN/pg_ctl" -w -D "$dir/data" -l "$dir/pg.log" -o \
    "-c port=$port -c listen_addresses= -c unix_socket_directories=$dir/sock -c archive_mode=off -c restore_command='pgbackrest --config=$state/pgbackrest.conf --stanza=main --pg1-path=$dir/data --archive-async=n archive-get %f \"%p\"'" \
    start > /dev/null || die "pg_ctl start failed: $(tail -5 "$dir/pg.log")"
  until [ "$(PGPASSWORD=bench-pw "$PGBIN/psql" -XAtq -h "$dir/sock" -p "$port" -U postgres -c 'select pg_is_in_recovery()' postgres 2> /dev/null)" = f ]; do sleep 0.05; done
  dt=$(elapsed "$t")
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop > /dev/null
  rm -rf "$dir"
  echo "$dt $t_restore"
}
tps() { # select-only pgbench against the live database for $seconds
  PGPASSWORD=bench-pw "$PGBIN/pgbench" -n -S -c 2 -j 2 -T "$seconds" -h "$sock" -p "$pg_port" -U postgres postgres 2> /dev/null |
    awk '/^tps/ { print $3; exit }'
}

a_times='' b_times='' run_ratios=''
for i in $(seq 1 "$runs"); do
  # Odd runs start with the drill, even runs by hand: whatever the previous step left behind
  # (the full backup's aftermath first, then page cache and writeback) hits both alike.
  if [ $((i % 2)) = 1 ]; then
    read -r a a_restore a_ready < <(run_drill)
    read -r b b_restore < <(by_hand)
  else
    read -r b b_restore < <(by_hand)
    read -r a a_restore a_ready < <(run_drill)
  fi
  a_times+="$a " b_times+="$b "
  run_ratios+="$(ratio "$a" "$b") "
  echo "  run $i: drill $a s (restore $a_restore, ready $a_ready); by hand $b s (restore $b_restore); a/b $(ratio "$a" "$b")"
done
a_med=$(median <<< "$a_times")
b_med=$(median <<< "$b_times")

echo "live TPS without a drill ($seconds s)"
tps_idle=$(tps)
echo "live TPS while a drill runs ($seconds s)"
drill_id=$(call -X POST "$api/api/v1/drills" | jq -r .job.id)
tps_drill=$(tps)
wait_for 3600 job_finished "$drill_id" || die "drill $drill_id did not finish"

echo
echo "database: pgbench scale $scale, $(mib "$db_bytes") MiB; $runs runs; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| method | median s to a usable copy | ratio |"
echo "| --- | ---: | ---: |"
echo "| a) drill through the API (rto_s = restore_s + ready_s) | $a_med | $(ratio "$a_med" "$b_med") |"
echo "| b) pgbackrest restore + pg_ctl -w start by hand | $b_med | 1.000 |"
echo
echo "per-run a/b: median $(median <<< "$run_ratios"), extremes $(tr -s ' ' '\n' <<< "$run_ratios" | grep . | sort -g | sed -n '1p;$p' | paste -sd' ' | sed 's/ / to /') (all: ${run_ratios% })"
echo
echo "| live pgbench -S, 2 clients | TPS |"
echo "| --- | ---: |"
echo "| without a drill | $tps_idle |"
echo "| while a drill runs | $tps_drill (ratio $(ratio "$tps_drill" "$tps_idle")) |"
awk -v r="$(ratio "$a_med" "$b_med")" -v t="$target" 'BEGIN { exit !(r <= t) }' || {
  echo "drill/by-hand ratio above $target" >&2
  exit 1
}
