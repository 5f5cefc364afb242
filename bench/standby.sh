#!/usr/bin/env bash
# Standby benchmark: does the supervisor make a streaming standby from the repository as fast as
# pg_basebackup from the primary, and what does each cost the primary's load? Run by hand, as root:
#
#   bench/standby.sh [--binary PATH] [--scale N] [--runs N] [--clients N] [--keep]
#
# One primary supervisor (local repository, schedules off, a replication role) in a temporary
# folder; a pgbench database of scale N (default 50), settled. Then N runs (default 3), each
# starting with a full backup through the API (POST /api/v1/backups {"type":"full"}, so that every
# run's standby replays only that run's WAL) and a check that archiving keeps up, then three
# slots, the order alternating (a, idle, b in odd runs; b, idle, a in even ones). In each slot a
# pgbench TPC-B load (--clients connections, default 2) runs on the primary, reporting its TPS
# every second:
#   a)    a second supervisor with PGBR_STANDBY_PRIMARY=127.0.0.1:<primary port> and the same
#         repository (PGBACKREST_REPO1_PATH): it restores the newest backup with --type=standby
#         and streams. Timed from its start until GET /api/v1/status says role standby,
#         streaming, and lag_bytes 0 or replay_lsn at the target (below); "a pg" is the same
#         read from its Postgres directly, as for b;
#   b)    `pg_basebackup -X stream -R -c fast` as the replication role, then `pg_ctl start` of
#         the copy on its own port and socket. Timed until pg_stat_wal_receiver says streaming
#         and pg_last_wal_replay_lsn() reached the target;
#   idle  no standby made: the load alone, as long as the run's first slot took.
# The target is the primary's pg_current_wal_lsn() read when the standby is first seen
# streaming: a standby is caught up once it has replayed what the primary had written by then.
# The load's TPS of a slot is the mean of its one-second readings inside the slot. Each standby
# is stopped (the supervisor with SIGTERM, the copy with pg_ctl -m fast) and removed after its
# slot. Prints medians with min-max spreads and the per-run ratios a/b and TPS/idle; exits 2
# when something failed, else 0. Needs curl, jq, runuser and PostgreSQL 15's pgbench,
# pg_basebackup and pg_ctl. KEEP=1 is --keep.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
readonly REPL_USER=replicator REPL_PW=bench-repl-pw
binary=${PGBR_BINARY:-$ROOT/build/pgbr-supervisor}
scale=50
runs=3
clients=2
keep=${KEEP:-0}

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
require curl jq runuser pgbackrest "$PGBIN/pgbench" "$PGBIN/pg_basebackup" "$PGBIN/pg_ctl"
positive "--scale, --runs and --clients" "$scale" "$runs" "$clients"

bench_start standby POSTGRES_REPLICATION_USER=$REPL_USER POSTGRES_REPLICATION_PASSWORD=$REPL_PW
repo=$state/repo # the primary's local repository (conf/pgbackrest.conf: <state>/repo)
# The standbys start from a copy of the binary: a rebuild during the study neither breaks nor
# changes them.
cp "$binary" "$work/pgbr-supervisor"

load_pid='' sb_pid='' sb_dir='' bb_dir=''
stop_load() {
  # TERM, not INT: a job started with & in a script ignores SIGINT, and pgbench would run on.
  if [ -n "$load_pid" ] && kill -0 "$load_pid" 2> /dev/null; then
    kill -TERM "$load_pid" 2> /dev/null || true
    wait "$load_pid" 2> /dev/null || true
  fi
  load_pid=
}
stop_standby() { # a: the standby supervisor, b: the copy made by pg_basebackup
  if [ -n "$sb_pid" ] && kill -0 "$sb_pid" 2> /dev/null; then
    kill -TERM "$sb_pid"
    wait "$sb_pid" || true
  fi
  sb_pid=
  if [ -n "$bb_dir" ] && [ -f "$bb_dir/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$bb_dir/data" -m fast -w stop > /dev/null || true
  fi
  if [ "$keep" != 1 ]; then rm -rf "${sb_dir:-/nonexistent}" "${bb_dir:-/nonexistent}"; fi
  sb_dir='' bb_dir=''
}
trap 'stop_load; stop_standby; bench_cleanup' EXIT

# The load, one reading per second with the epoch time at which that second ended.
start_load() {
  PGPASSWORD=bench-pw "$PGBIN/pgbench" -n -c "$clients" -j "$clients" -T 86400 -P 1 \
    --progress-timestamp -h "$sock" -p "$pg_port" -U postgres postgres \
    > "$work/pgbench.out" 2> "$work/pgbench.progress" &
  load_pid=$!
  sleep 3 # connections made, the first reading past
  kill -0 "$load_pid" 2> /dev/null || die "pgbench stopped; see $work/pgbench.progress"
}
tps_between() { # mean TPS of the readings whose second lies inside [from, to]
  awk -v from="$1" -v to="$2" '$1 == "progress:" && $2 - 1 >= from && $2 <= to { s += $4; n++ }
    END { if (n) printf "%.1f", s / n; else print "nan" }' "$work/pgbench.progress"
}
end_load() { # from, to: stops the load, sets slot_tps
  sleep 1.2 # the reading of the last second is written
  stop_load
  slot_tps=$(tps_between "$1" "$2")
}

lsn_num() { # "16/B374D848" as a number
  local hi=${1%/*} lo=${1#*/}
  echo $(((16#$hi << 32) + 16#$lo))
}
primary_lsn() { psql_bench -c 'select pg_current_wal_lsn()'; }
# Polls the standby's Postgres (socket, port) every 0.25 s until it streams and has replayed the
# target; sets t_conn (first answer), t_stream, t_pg (caught up) and target. $1 names the slot,
# $4 a pid that must stay alive (the standby supervisor), else "".
wait_caught_up() {
  local name=$1 sdir=$2 port=$3 pid=$4 deadline=$(($(date +%s) + 1800)) row st lsn
  t_conn='' t_stream='' target=''
  while :; do
    [ "$(date +%s)" -lt "$deadline" ] || die "$name: not caught up in 1800 s; see $work"
    [ -z "$pid" ] || kill -0 "$pid" 2> /dev/null || die "$name: the standby supervisor exited; see $sb_dir/supervisor.out"
    if row=$(PGPASSWORD=bench-pw "$PGBIN/psql" -XAtq -h "$sdir" -p "$port" -U postgres postgres -c \
      "select coalesce((select status from pg_stat_wal_receiver), ''), pg_last_wal_replay_lsn()" 2> /dev/null); then
      [ -n "$t_conn" ] || t_conn=$(now)
      IFS='|' read -r st lsn <<< "$row"
      if [ "$st" = streaming ]; then
        [ -n "$t_stream" ] || { t_stream=$(now); target=$(primary_lsn); }
        if [ -n "$lsn" ] && [ "$(lsn_num "$lsn")" -ge "$(lsn_num "$target")" ]; then
          t_pg=$(now)
          return 0
        fi
      fi
    fi
    sleep 0.25
  done
}

# a) the supervisor's standby. Sets a_s, a_pg, a_conn, a_wal (MiB from the backup's start to the
# target, what it restored plus replayed beyond the backup's files) and slot_tps.
run_a() {
  local api2 port2 t0 deadline ok
  sb_dir=$work/a-$i && mkdir -p "$sb_dir/run" && chmod 755 "$sb_dir"
  port2=$(free_port) && api2=$(free_port)
  start_load
  t0=$(now)
  env -i PATH="$PATH" LANG=C.UTF-8 POSTGRES_PASSWORD=bench-pw PGDATA="$sb_dir/data" \
    PGBR_STATE_DIR="$sb_dir/state" PGBR_API_LISTEN="127.0.0.1:$api2" PGBR_API_TOKEN="$token" \
    PGBR_INITDB_DIR="$work/initdb.d" PGBR_SCHEDULE_FULL= PGBR_SCHEDULE_DIFF= PGBR_SCHEDULE_INCR= \
    POSTGRES_REPLICATION_USER=$REPL_USER POSTGRES_REPLICATION_PASSWORD=$REPL_PW \
    PGBR_STANDBY_PRIMARY="127.0.0.1:$pg_port" PGBACKREST_REPO1_PATH="$repo" \
    "$work/pgbr-supervisor" postgres -c "port=$port2" -c "unix_socket_directories=$sb_dir/run" \
    > "$sb_dir/supervisor.out" 2>&1 &
  sb_pid=$!
  wait_caught_up a "$sb_dir/run" "$port2" "$sb_pid"
  # The supervisor's own view: its status reads Postgres on its monitor's round.
  deadline=$(($(date +%s) + 120)) ok=0
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if call "http://127.0.0.1:$api2/api/v1/status" 2> /dev/null | jq -e --argjson t "$(lsn_num "$target")" '
        def num: split("/") | map(explode | reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87
          elif $c >= 65 then $c - 55 else $c - 48 end))) | .[0] * 4294967296 + .[1];
        .replication.role == "standby" and .replication.streaming == true and
        (.replication.lag_bytes == 0 or ((.replication.replay_lsn // "0/0") | num) >= $t)' > /dev/null; then
      ok=1 && break
    fi
    sleep 0.25
  done
  local t1
  t1=$(now)
  [ "$ok" = 1 ] || die "a: Postgres caught up but the status never said so: $(call "http://127.0.0.1:$api2/api/v1/status" | jq -c .replication)"
  a_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  a_pg=$(awk -v a="$t0" -v b="$t_pg" 'BEGIN { printf "%.2f", b - a }')
  a_conn=$(awk -v a="$t0" -v b="$t_conn" 'BEGIN { printf "%.2f", b - a }')
  a_wal=$(mib "$(psql_bench -c "select pg_wal_lsn_diff('$target', '$backup_lsn')")")
  end_load "$t0" "$t1"
  slot_s=$a_s
  # The supervisor's warnings and errors and Postgres' errors (not the refusals of the poll above).
  grep -E '\[(warning|error|critical)\]| (ERROR|PANIC): ' "$sb_dir/supervisor.out" | head -5 |
    cut -c1-200 | sed 's/^/    a log: /' || true
  stop_standby
}

# b) pg_basebackup and pg_ctl start by hand. Sets b_s, b_copy (pg_basebackup's seconds), slot_tps.
run_b() {
  local port3 t0 t1
  bb_dir=$work/b-$i && mkdir -p "$bb_dir/data" "$bb_dir/run" && chown -R postgres: "$bb_dir" && chmod 700 "$bb_dir/data"
  port3=$(free_port)
  start_load
  t0=$(now)
  runuser -u postgres -- env PGPASSWORD=$REPL_PW "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$pg_port" \
    -U $REPL_USER -D "$bb_dir/data" -X stream -R -c fast > "$bb_dir/basebackup.log" 2>&1 ||
    die "pg_basebackup failed: $(tail -3 "$bb_dir/basebackup.log")"
  b_copy=$(elapsed "$t0")
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$bb_dir/data" -l "$bb_dir/pg.log" -o \
    "-c port=$port3 -c listen_addresses= -c unix_socket_directories=$bb_dir/run -c archive_mode=off" \
    start > /dev/null || die "pg_ctl start failed: $(tail -5 "$bb_dir/pg.log")"
  wait_caught_up b "$bb_dir/run" "$port3" ''
  t1=$t_pg
  b_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  end_load "$t0" "$t1"
  slot_s=$b_s
  stop_standby
}

run_idle() { # $1 seconds
  local t0 t1
  start_load
  t0=$(now)
  sleep "$1"
  t1=$(now)
  end_load "$t0" "$t1"
}

full_backup() { # through the API; sets backup_lsn (the backup's start)
  local id
  id=$(call -X POST -H 'Content-Type: application/json' -d '{"type":"full"}' "$api/api/v1/backups" | jq -r .job.id)
  if [ -z "$id" ] || [ "$id" = null ]; then die "the API did not accept the full backup"; fi
  job_wait "$id"
  [ "$(job_state "$id")" = succeeded ] || die "full backup $id: $(call "$api/api/v1/jobs/$id" | jq -r .message)"
  backup_lsn=$(runuser -u postgres -- pgbackrest --config="$state/pgbackrest.conf" --stanza=main \
    --output=json info | jq -r '.[0].backup[-1].lsn.start')
  [[ "$backup_lsn" == */* ]] || die "no start LSN for the newest backup in the repository"
  echo "  full backup $(call "$api/api/v1/jobs/$id" | jq -r .backup_label), from $backup_lsn"
}
archiving_healthy() { # a WAL switch reaches the repository; no archive failure since the start
  local segment failed
  segment=$(psql_bench -c 'select pg_walfile_name(pg_switch_wal())')
  wait_for 300 wal_archived "$segment" || die "WAL segment $segment was not archived in 300 s"
  failed=$(psql_bench -c 'select failed_count from pg_stat_archiver')
  [ "$failed" = 0 ] || die "archiving failed $failed times: $(psql_bench -c 'select last_failed_wal, last_failed_time from pg_stat_archiver')"
}

as='' apgs='' aconns='' awals='' bs='' bcopies='' tas='' tbs='' tis='' ab='' apgb='' tai='' tbi='' loads=''
for i in $(seq 1 "$runs"); do
  echo "run $i"
  full_backup
  archiving_healthy
  loads+="$(cut -d' ' -f1 /proc/loadavg) "
  if [ $((i % 2)) = 1 ]; then order=(a idle b); else order=(b idle a); fi
  first=''
  for slot in "${order[@]}"; do
    case $slot in
      a) run_a; ta=$slot_tps ;;
      b) run_b; tb=$slot_tps ;;
      idle) run_idle "$first"; ti=$slot_tps ;;
    esac
    [ -n "$first" ] || first=$slot_s
    sleep 2
  done
  as+="$a_s " apgs+="$a_pg " aconns+="$a_conn " awals+="$a_wal " bs+="$b_s " bcopies+="$b_copy "
  tas+="$ta " tbs+="$tb " tis+="$ti "
  ab+="$(ratio "$a_s" "$b_s") " apgb+="$(ratio "$a_pg" "$b_s") "
  tai+="$(ratio "$ta" "$ti") " tbi+="$(ratio "$tb" "$ti") "
  echo "  a $a_s s (Postgres $a_pg s, answers at $a_conn s, $a_wal MiB of WAL beyond the backup's start)," \
    "b $b_s s (pg_basebackup $b_copy s), a/b $(ratio "$a_s" "$b_s");" \
    "TPS idle $ti, during a $ta ($(ratio "$ta" "$ti")), during b $tb ($(ratio "$tb" "$ti"))"
done
archiving_healthy

spread() { tr -s ' ' '\n' <<< "$1" | grep . | sort -g | sed -n '1p;$p' | paste -sd' ' | sed 's/ / to /'; }
fmt() { awk -v f="$1" '{ printf f, $1 }'; }
med() { median <<< "$2" | fmt "$1"; } # format, values
row() { # label, format, values, ratio column
  printf '| %s | %s | %s | %s |\n' "$1" "$(med "$2" "$3")" "$(spread "$3")" "$4"
}
per_run() { echo "$1 $(med %.3f "$2") ($(spread "$2"))"; } # name, per-run ratios
echo
echo "database: pgbench scale $scale, $(mib "$db_bytes") MiB; load: pgbench -c $clients -j $clients on the primary;" \
  "$runs runs (a, idle, b / b, idle, a); $(nproc) CPUs"
echo "load average at each run's start: ${loads% }; at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| measure | median | min to max | ratio: median of per-run ratios (min to max) |"
echo "| --- | ---: | --- | --- |"
row "a) supervisor standby, s to caught up (status)" %.2f "$as" "$(per_run a/b "$ab")"
row "a) the same, read from its Postgres" %.2f "$apgs" "$(per_run "a pg/b" "$apgb")"
row "a) its Postgres answers, s" %.2f "$aconns" ""
row "a) WAL from the backup's start to the target, MiB" %.1f "$awals" ""
row "b) pg_basebackup + pg_ctl start, s to caught up" %.2f "$bs" "1.000"
row "b) of which pg_basebackup, s" %.2f "$bcopies" ""
row "primary TPS, no standby being made (idle)" %.1f "$tis" "1.000"
row "primary TPS during a" %.1f "$tas" "$(per_run a/idle "$tai")"
row "primary TPS during b" %.1f "$tbs" "$(per_run b/idle "$tbi")"
