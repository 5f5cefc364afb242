#!/usr/bin/env bash
# Block incremental study: should the PostgreSQL 17 image (pgBackRest 2.55) take its incremental
# backups block by block? Run by hand, as root, on an otherwise quiet machine, after the 17 image
# is built (tests/container/container_test.sh trixie builds it):
#
#   bench/block_incremental.sh [--image TAG] [--scale N] [--runs N] [--keep]
#
# Two containers of the image, one after the other, the same in all but pgBackRest's settings:
#   file   PGBACKREST_REPO1_BUNDLE=n PGBACKREST_REPO1_BLOCK=n  (whole changed files, as in 2.45)
#   block  PGBACKREST_REPO1_BUNDLE=y PGBACKREST_REPO1_BLOCK=y  (the image's default)
# Each initialises a pgbench database of scale N (default 50, ~750 MB) and takes a full backup;
# then each of N runs (default 3) takes two incremental backups through the seed route, each after
# an update of 1% of the accounts:
#   random  pgbench's simple-update script, scale x 1000 transactions, each a random account
#           (changes land all over the table: the worst case for block incremental)
#   local   one UPDATE of the next 1% of the accounts by aid (recent rows, an append-mostly
#           table: changes close together, the common case)
# Per backup: its size in the repository (pgBackRest's repository delta) and its time (the route's
# answer, which waits for the job). Prints per workload the medians with their extremes and
# block's per-run ratios against file's. Exits 2 when something failed, else 0. Needs podman
# (tests/support/container-env.sh), curl and jq.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
image=localhost/pgbr-supervisor:test-17
scale=50
runs=3
keep=0
binary=/bin/true # bench/lib.sh's require() wants one; the supervisor here is the image's

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

while [ $# -gt 0 ]; do
  case "$1" in
    --image) image=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage 0 ;;
    *) unknown_option "$1" ;;
  esac
done
require podman curl jq
positive "--scale and --runs" "$scale" "$runs"
eval "$("$ROOT/tests/support/container-env.sh" env)"
podman image exists "$image" || die "no image $image; build it (README: Images and versions)"

readonly token=bench-token-$$-0123456789
readonly modes=(file block)
readonly workloads=(random local)
declare -A bundle=([file]=n [block]=y)
declare -A sizes times
ctr=
cleanup() {
  if [ -n "$ctr" ] && [ "$keep" != 1 ]; then podman rm -f -v -t 0 "$ctr" > /dev/null 2>&1 || true; fi
}
trap cleanup EXIT

in_ctr() { podman exec -u postgres "$ctr" "$@"; }
api_get() { curl -sS -H "Authorization: Bearer $token" --max-time 3600 "http://127.0.0.1:$api_port$1"; }
# Takes a backup of type $1 through the seed route, repeated while the repository is busy; prints
# "LABEL SECONDS".
backup() {
  local t0 out
  while :; do
    t0=$(now)
    out=$(api_get "/pgBackRest/backup/$1")
    [ "$(jq -r '.error.code // empty' <<< "$out")" = busy ] || break
    sleep 1
  done
  [ "$(jq -r .job.state <<< "$out")" = succeeded ] || die "$1 backup failed: $out"
  echo "$(jq -r .job.backup_label <<< "$out") $(elapsed "$t0")"
}

for mode in "${modes[@]}"; do
  ctr=pgbr-bench-block-$$-$mode
  api_port=$(free_port)
  podman run -d --name "$ctr" --pull=never -e POSTGRES_PASSWORD=bench-pw -e PGBR_API_TOKEN="$token" \
    -e PGBR_SCHEDULE_FULL= -e PGBR_SCHEDULE_DIFF= -e PGBR_SCHEDULE_INCR= \
    -e PGBR_SCHEDULE_DRILL= -e PGBR_SCHEDULE_DUMP= \
    -e PGBACKREST_REPO1_BUNDLE="${bundle[$mode]}" -e PGBACKREST_REPO1_BLOCK="${bundle[$mode]}" \
    -p "127.0.0.1:$api_port:5000" "$image" > /dev/null 2> >(grep -v systemd >&2)
  deadline=$(($(date +%s) + 300))
  until podman healthcheck run "$ctr" > /dev/null 2>&1; do
    [ "$(podman inspect -f '{{.State.Status}}' "$ctr")" = running ] ||
      die "$mode: the container stopped: $(podman logs "$ctr" 2>&1 | tail -n 3)"
    [ "$(date +%s)" -lt "$deadline" ] || die "$mode: the container is not healthy after 300 s"
    sleep 1
  done
  echo "$mode: pgbench -i -s $scale"
  in_ctr pgbench -q -i -s "$scale" postgres > /dev/null 2>&1 || die "$mode: pgbench -i failed"
  read -r label took < <(backup full)
  echo "$mode: full $label in $took s"
  rows=$((scale * 1000))
  for run in $(seq 1 "$runs"); do
    for w in "${workloads[@]}"; do
      if [ "$w" = random ]; then
        in_ctr pgbench -n -N -c 2 -j 2 -t $((rows / 2)) postgres > /dev/null 2>&1 ||
          die "$mode: the pgbench update failed"
      else
        in_ctr psql -X -q -c "update pgbench_accounts set abalance = abalance + 1
          where aid > $(((run - 1) * rows)) and aid <= $((run * rows))" postgres ||
          die "$mode: the local update failed"
      fi
      read -r label took < <(backup incr)
      delta=$(in_ctr pgbackrest --stanza=main --set="$label" --output=json info |
        jq -r '.[0].backup[-1].info.repository.delta')
      sizes[$mode,$w,$run]=$delta
      times[$mode,$w,$run]=$took
      echo "$mode: run $run, $w: incremental $label, $(mib "$delta") MiB in the repository, $took s"
    done
  done
  cleanup
  ctr=
done

range() { printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd '-'; }
echo
echo "block incremental, pgbench scale $scale, $runs runs; each an update of 1% of the accounts, then an"
echo "incremental backup"
printf '%-8s %-7s %24s %20s\n' workload mode "repo size MiB (min-max)" "time s (min-max)"
for w in "${workloads[@]}"; do
  for mode in "${modes[@]}"; do
    s=() t=()
    for run in $(seq 1 "$runs"); do
      s+=("$(mib "${sizes[$mode,$w,$run]}")")
      t+=("${times[$mode,$w,$run]}")
    done
    printf '%-8s %-7s %10s (%s) %12s (%s)\n' "$w" "$mode" "$(median_of "${s[@]}")" "$(range "${s[@]}")" \
      "$(median_of "${t[@]}")" "$(range "${t[@]}")"
  done
done
for w in "${workloads[@]}"; do
  rs=() rt=()
  for run in $(seq 1 "$runs"); do
    rs+=("$(ratio "${sizes[block,$w,$run]}" "${sizes[file,$w,$run]}")")
    rt+=("$(ratio "${times[block,$w,$run]}" "${times[file,$w,$run]}")")
  done
  printf '%s, block/file per run: size %s (%s), time %s (%s)\n' "$w" "$(median_of "${rs[@]}")" \
    "$(range "${rs[@]}")" "$(median_of "${rt[@]}")" "$(range "${rt[@]}")"
done
