#!/usr/bin/env bash
# Logical dump benchmark: is a dump run through the supervisor as fast as pg_dump run by hand, is
# a restore from it as fast as pg_restore by hand, and does the supervisor's memory stay flat
# while a large dump streams into S3 and back out? Run by hand, as root:
#
#   bench/dump.sh [--binary PATH] [--scale N] [--runs N] [--target RATIO] [--big-mib N]
#                 [--no-s3] [--keep]
#
# One supervisor (local repository as repo1, schedules off) in a temporary folder; a pgbench
# database of scale N (default 50); then N runs (default 5, the order of a and b alternating) of:
#   dump    a) POST /api/v1/dumps {"databases": ["postgres"]}: its job's duration (started to
#              finished, as the API reports it; the client's wall time is shown beside);
#           b) `pg_dump -Fc` of the same database into a file beside the repository, by hand;
#   restore a) POST /api/v1/dumps/{id}/restore into a new database: its job's duration;
#           b) `createdb` + `pg_restore` of b's file by hand.
# The supervisor's job also takes the globals, counts every table's rows in the dump's snapshot
# and writes the manifest; that is part of what a user waits for, so it is part of a.
# Then, unless --no-s3, a second supervisor dumps into the local S3 server over TLS
# (tests/support/s3server.sh): the pgbench dump once (time reported, no target), and a database
# of incompressible rows of at least --big-mib MiB (default 1100) while its VmRSS is sampled every
# 0.2 s, then the download of that dump through the API, sampled likewise. Prints medians and
# ratios; exits 1 when a target is missed (dump and restore a/b at most --target, default 1.05;
# RSS at most 16 MiB above idle), 2 when something failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
binary=${PGBR_BINARY:-$ROOT/build/pgbr-supervisor}
scale=50
runs=5
target=1.05
big_mib=1100
s3=1
keep=0
readonly rss_limit_kib=$((16 * 1024))

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --big-mib) big_mib=$2; shift 2 ;;
    --no-s3) s3=0; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) usage 0 ;;
    *) unknown_option "$1" ;;
  esac
done
require curl jq runuser "$PGBIN/pg_dump" "$PGBIN/pg_restore" "$PGBIN/pgbench"
positive "--scale, --runs and --big-mib" "$scale" "$runs" "$big_mib"

# A job's wall time: POST, then follow its log to the end (no polling beside the work).
post_job() { # path, JSON body; prints the job id
  local id
  id=$(call -X POST -H 'Content-Type: application/json' -d "$2" "$api$1" | jq -r .job.id)
  if [ -z "$id" ] || [ "$id" = null ]; then die "the API did not accept POST $1 $2"; fi
  echo "$id"
}
# Prints "seconds job-id client-seconds": the job's own duration as the API reports it (started
# to finished, to the millisecond), which is what compares with a program timed by hand; and the
# wall time seen by this client from the POST to the end, which adds the curl and jq processes of
# this script (shown, not compared).
run_job() { # path, JSON body
  local t id
  t=$(now)
  id=$(post_job "$1" "$2")
  job_wait "$id"
  local wall
  wall=$(elapsed "$t")
  [ "$(job_state "$id")" = succeeded ] || die "job $id ($1) did not succeed: $(call "$api/api/v1/jobs/$id" | jq -r .message)"
  echo "$(call "$api/api/v1/jobs/$id" | jq -r '.duration_s') $id $wall"
}
dump_id_of_job() { call "$api/api/v1/jobs/$1" | jq -r '.result.dump_id // empty'; }
latest_dump() { call "$api/api/v1/dumps" | jq -r '.dumps[0].id'; }
as_postgres() { runuser -u postgres -- env PGPASSWORD=bench-pw "$@"; }
pg_args() { echo "-h $sock -p $pg_port -U postgres"; }

dump_by_hand() { # prints seconds
  local t
  rm -f "$work/hand/hand.dump"
  t=$(now)
  # shellcheck disable=SC2046 # pg_args is a list of words
  as_postgres "$PGBIN/pg_dump" -Fc $(pg_args) -f "$work/hand/hand.dump" postgres || die "pg_dump by hand failed"
  elapsed "$t"
}
restore_by_hand() { # database name; prints seconds
  local t
  t=$(now)
  # shellcheck disable=SC2046
  as_postgres "$PGBIN/createdb" $(pg_args) "$1" || die "createdb $1 failed"
  # shellcheck disable=SC2046
  as_postgres "$PGBIN/pg_restore" $(pg_args) -d "$1" "$work/hand/hand.dump" || die "pg_restore by hand failed"
  elapsed "$t"
}
drop_db() { psql_bench -c "drop database if exists \"$1\"" > /dev/null; }

bench_start dump
install -d -o postgres "$work/hand"

da='' db='' ra='' rb='' daw='' raw='' dratios='' rratios=''
for i in $(seq 1 "$runs"); do
  drop_db "bench_a_$i"
  drop_db "bench_b_$i"
  if [ $((i % 2)) = 1 ]; then
    read -r a id aw < <(run_job /api/v1/dumps '{"databases": ["postgres"]}')
    b=$(dump_by_hand)
  else
    b=$(dump_by_hand)
    read -r a id aw < <(run_job /api/v1/dumps '{"databases": ["postgres"]}')
  fi
  dump_id=$(dump_id_of_job "$id")
  [ -n "$dump_id" ] || dump_id=$(latest_dump)
  body=$(jq -nc --arg into "bench_a_$i" '{"database": "postgres", "into": $into}')
  if [ $((i % 2)) = 1 ]; then
    read -r ra_i _ raw_i < <(run_job "/api/v1/dumps/$dump_id/restore" "$body")
    rb_i=$(restore_by_hand "bench_b_$i")
  else
    rb_i=$(restore_by_hand "bench_b_$i")
    read -r ra_i _ raw_i < <(run_job "/api/v1/dumps/$dump_id/restore" "$body")
  fi
  drop_db "bench_a_$i"
  drop_db "bench_b_$i"
  da+="$a " db+="$b " ra+="$ra_i " rb+="$rb_i " daw+="$aw " raw+="$raw_i "
  dratios+="$(ratio "$a" "$b") " rratios+="$(ratio "$ra_i" "$rb_i") "
  echo "  run $i: dump $a s (client $aw s) / by hand $b s ($(ratio "$a" "$b")); restore $ra_i s (client $raw_i s) / by hand $rb_i s ($(ratio "$ra_i" "$rb_i"))"
done
dump_ratio=$(ratio "$(median <<< "$da")" "$(median <<< "$db")")
restore_ratio=$(ratio "$(median <<< "$ra")" "$(median <<< "$rb")")
spread() { tr -s ' ' '\n' <<< "$1" | grep . | sort -g | sed -n '1p;$p' | paste -sd' ' | sed 's/ / to /'; }
local_summary=$(
  echo "| step | a) supervisor's job, median s | (client's wall time) | b) by hand, median s | a/b | per-run a/b |"
  echo "| --- | ---: | ---: | ---: | ---: | --- |"
  echo "| dump (local repository) / pg_dump -Fc | $(median <<< "$da") | $(median <<< "$daw") | $(median <<< "$db") | $dump_ratio | $(spread "$dratios") |"
  echo "| restore into a new database / createdb + pg_restore | $(median <<< "$ra") | $(median <<< "$raw") | $(median <<< "$rb") | $restore_ratio | $(spread "$rratios") |"
)
bench_cleanup
trap - EXIT

rss_summary='' s3_line=''
if [ "$s3" = 1 ]; then
  s3dir=$(mktemp -d /tmp/pgbr-bench-s3-XXXXXX)
  "$ROOT/tests/support/s3server.sh" install > /dev/null
  "$ROOT/tests/support/s3server.sh" start --dir "$s3dir" > /dev/null
  s3_env=$("$ROOT/tests/support/s3server.sh" env --dir "$s3dir" --repo 2 |
    sed -n 's/^export //p' | tr '\n' ' ')
  stop_s3() { "$ROOT/tests/support/s3server.sh" stop --dir "$s3dir" > /dev/null || true; rm -rf "$s3dir"; }
  # shellcheck disable=SC2086 # s3_env is a list of VAR=value words without blanks
  bench_start dump-s3 $s3_env PGBACKREST_REPO2_PATH=/bench PGBR_DUMP_REPO=2
  trap 'bench_cleanup; stop_s3' EXIT
  read -r s3_dump _ _ < <(run_job /api/v1/dumps '{"databases": ["postgres"]}')
  s3_line="| dump of the pgbench database into S3 (s3rver over TLS, one run) | $s3_dump s |"

  echo "loading $big_mib MiB of incompressible rows into database big"
  psql_bench -c 'create database big' > /dev/null
  rows=$((big_mib * 1024 * 1024 / 256))
  # Eight SHA-256 digests per row, of eight numbers no other row uses: 256 bytes that no
  # compressor shrinks (digests shared between neighbouring rows would let zlib's window find them).
  PGPASSWORD=bench-pw "$PGBIN/psql" -XAtq -h "$sock" -p "$pg_port" -U postgres big -c \
    "create table blob as select i, sha256(int8send(8 * i)) || sha256(int8send(8 * i + 1)) || sha256(int8send(8 * i + 2)) || sha256(int8send(8 * i + 3)) || sha256(int8send(8 * i + 4)) || sha256(int8send(8 * i + 5)) || sha256(int8send(8 * i + 6)) || sha256(int8send(8 * i + 7)) as b from generate_series(1, $rows) i" > /dev/null
  sleep 3
  rss() { awk '/^VmRSS/ { print $2 }' "/proc/$sup_pid/status"; }
  idle_kib=$(rss)
  sample_rss() { # until the file $1 exists; prints the peak VmRSS in kB
    local peak=0 r
    while [ ! -e "$1" ]; do
      r=$(rss)
      [ "$r" -gt "$peak" ] && peak=$r
      sleep 0.2
    done
    echo "$peak"
  }
  # The sampler's own pid: a bare `wait` would also wait for the supervisor, a child too.
  sample_rss "$work/dump.done" > "$work/dump.peak" &
  sampler=$!
  read -r big_s big_job _ < <(run_job /api/v1/dumps '{"databases": ["big"]}')
  touch "$work/dump.done"
  wait "$sampler"
  dump_peak=$(cat "$work/dump.peak")
  big_id=$(dump_id_of_job "$big_job")
  [ -n "$big_id" ] || big_id=$(latest_dump)
  big_bytes=$(call "$api/api/v1/dumps/$big_id" | jq '[.databases[] | select(.name == "big") | .size][0]')
  sample_rss "$work/get.done" > "$work/get.peak" &
  sampler=$!
  t=$(now)
  call -o /dev/null "$api/api/v1/dumps/$big_id/databases/big" || die "the download of the big dump failed"
  get_s=$(elapsed "$t")
  touch "$work/get.done"
  wait "$sampler"
  get_peak=$(cat "$work/get.peak")
  rss_summary=$(
    echo "| the supervisor's VmRSS, dump of $(mib "$big_bytes") MiB | kB | above idle |"
    echo "| --- | ---: | ---: |"
    echo "| idle | $idle_kib | 0 |"
    echo "| peak while dumping into S3 ($big_s s) | $dump_peak | $((dump_peak - idle_kib)) |"
    echo "| peak while downloading it ($get_s s) | $get_peak | $((get_peak - idle_kib)) |"
  )
fi

echo
echo "pgbench scale $scale; $runs runs; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "$local_summary"
if [ -n "$s3_line" ]; then
  echo "$s3_line"
  echo
  echo "$rss_summary"
fi
fail=0
awk -v r="$dump_ratio" -v t="$target" 'BEGIN { exit !(r <= t) }' || { echo "dump ratio above $target" >&2; fail=1; }
awk -v r="$restore_ratio" -v t="$target" 'BEGIN { exit !(r <= t) }' || { echo "restore ratio above $target" >&2; fail=1; }
if [ -n "$rss_summary" ]; then
  [ $((dump_peak - idle_kib)) -le $rss_limit_kib ] || { echo "memory during the dump above idle + 16 MiB" >&2; fail=1; }
  [ $((get_peak - idle_kib)) -le $rss_limit_kib ] || { echo "memory during the download above idle + 16 MiB" >&2; fail=1; }
  [ "$big_bytes" -ge $((1024 * 1024 * 1024)) ] || { echo "the big dump is under 1 GiB: the memory figures do not count" >&2; fail=1; }
fi
exit "$fail"
