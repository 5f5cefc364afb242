#!/usr/bin/env bash
# The Docker image, used the way users of the stock postgres image use theirs.
#
#   tests/container/container_test.sh [bookworm|trixie]
#
# Builds docker/Dockerfile for the Debian release given (bookworm, the default: PostgreSQL 15;
# trixie: PostgreSQL 17) with podman, warnings as errors (the layer cache is reused between runs:
# an unchanged tree builds in seconds), then, against the built image:
#   1. `podman run -d` with POSTGRES_PASSWORD, POSTGRES_DB, a named data volume, a read-only
#      /docker-entrypoint-initdb.d (.sql, .sql.gz, .sql.zst, .sql.xz, .sh), published ports on
#      127.0.0.1 and `postgres -c max_connections=50` as the command;
#   2. waits for the image's HEALTHCHECK, connects with psql from the host with a password,
#      finds what the init scripts made, checks the -c setting, and that PID 1 is the supervisor
#      and Postgres runs as postgres;
#   3. takes a full backup through the seed route with the bearer token; /api/v1/backups lists it;
#   4. `podman stop` with the default timeout, as `docker stop` does: exit code 0, Postgres logs
#      a fast (not immediate) shutdown, the time it took is printed;
#   5. starts the same container again: the data is there and no crash recovery ran;
#   6. writes rows, notes the time, writes more, archives them, restores to the noted time through
#      /api/v1/restore: the job succeeds, Postgres is back on a new timeline with the rows of
#      that time only;
#   7. trixie only: an incremental backup after an update is a block-incremental one (its
#      manifest maps blocks), and a restore of exactly that backup gives the data it held; then
#      a restore drill and a dump run, each a job that must succeed;
#   8. removes the container and its volumes (the image stays for the next run's cache);
#   9. trixie only: the bookworm image (built as well, from the cache when the bookworm run went
#      first) initialises a data volume; this image on that volume stops at once with the
#      one-line refusal naming both versions, and leaves every file of the volume as it was;
#  10. bookworm only: `podman kube play` of the primary StatefulSet's pod template
#      (docker/kubernetes/, rendered by tests/kubernetes/render-pod.mjs with a local repository
#      and ports on 127.0.0.1) on folders prepared as the kubelet prepares volumes for fsGroup
#      999: ready on /readyz, every process uid 999, a first full backup in the local repository,
#      a clean stop within the grace period; then `podman kube down` and the folders removed.
#
# Exit status: 0 passed, 1 failed, 77 skipped (podman cannot run containers on this machine; the
# reason is printed as "skipped: <reason>").
#
# Needs podman (rootful) with catatonit (its pods' pause process), curl, jq, psql and node on the
# host. Environment:
#   PGBR_TEST_IMAGE               tag of the bookworm image (default localhost/pgbr-supervisor:test)
#   PGBR_TEST_IMAGE_17            tag of the trixie image   (default localhost/pgbr-supervisor:test-17)
#   PGBR_CONTAINER_BUILD_TIMEOUT  seconds for the build    (default 1500: a cold build compiles;
#                                 below CTest's 1800 so a slow build fails here, cleaned up)
#   PGBR_CONTAINER_READY_TIMEOUT  seconds to become healthy (default 180)
#   PGBR_CONTAINER_KEEP=1         keep the container, volume and work folder for inspection
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly ROOT
readonly CENV=$ROOT/tests/support/container-env.sh
readonly RELEASE=${1:-bookworm}
readonly IMAGE_15=${PGBR_TEST_IMAGE:-localhost/pgbr-supervisor:test}
case "$RELEASE" in
  bookworm) IMAGE=$IMAGE_15 PG_MAJOR=15 ;;
  trixie) IMAGE=${PGBR_TEST_IMAGE_17:-localhost/pgbr-supervisor:test-17} PG_MAJOR=17 ;;
  *) echo "usage: $0 [bookworm|trixie]" >&2; exit 2 ;;
esac
readonly IMAGE PG_MAJOR
readonly BUILD_TIMEOUT=${PGBR_CONTAINER_BUILD_TIMEOUT:-1500}
readonly READY_TIMEOUT=${PGBR_CONTAINER_READY_TIMEOUT:-180}
readonly KEEP=${PGBR_CONTAINER_KEEP:-0}

readonly CTR=pgbr-ctest-$$
readonly VOL=pgbr-ctest-$$-data
readonly PW=ctest-pw-$$-$RANDOM
readonly TOKEN=ctest-token-$$-$RANDOM-$RANDOM
readonly STANZA=main
readonly KUBE_POD=pgbr-ctest-$$-kube
readonly OLD_CTR=pgbr-ctest-$$-old
readonly OLD_VOL=pgbr-ctest-$$-old-data

WORK=
KUBE_YAML=
PG_PORT=
API_PORT=

# ---------------------------------------------------------------------------------------- helpers

now_ms() { date +%s%3N; }
seconds() { printf '%d.%01d' $(($1 / 1000)) $(($1 % 1000 / 100)); }

T_START=$(now_ms)
readonly T_START
STEP_NAME=
STEP_T0=
TIMINGS=()

end_step() {
  if [ -n "$STEP_NAME" ]; then
    local took
    took=$(seconds $(($(now_ms) - STEP_T0)))
    echo "    ($took s)"
    TIMINGS+=("$(printf '%-44s %7s s' "$STEP_NAME" "$took")")
    STEP_NAME=
  fi
}

step() {
  end_step
  STEP_NAME=$1
  STEP_T0=$(now_ms)
  echo "=== $1"
}

info() { echo "    $*"; }

# Fails the test with the container's recent log, the most useful thing to read afterwards.
fail() {
  echo "FAIL: $*" >&2
  if [ -n "$WORK" ] && podman container exists "$CTR" 2>/dev/null; then
    echo "--- last lines of the container log:" >&2
    podman logs "$CTR" 2>&1 | tail -n 60 | sed 's/^/    /' >&2 || true
  fi
  if [ -n "$KUBE_YAML" ] && podman container exists "$KUBE_POD-pgbr" 2>/dev/null; then
    echo "--- last lines of the kube pod's log:" >&2
    podman logs "$KUBE_POD-pgbr" 2>&1 | tail -n 60 | sed 's/^/    /' >&2 || true
  fi
  exit 1
}

cleanup() {
  local code=$?
  if [ -n "$WORK" ]; then
    if [ "$KEEP" = 1 ]; then
      echo "kept: container $CTR, volume $VOL, folder $WORK${KUBE_YAML:+, pod $KUBE_POD}"
    else
      podman rm -f -v -t 0 "$CTR" "$OLD_CTR" >/dev/null 2>&1 || true
      podman volume rm -f "$VOL" "$OLD_VOL" >/dev/null 2>&1 || true
      [ -z "$KUBE_YAML" ] || podman pod rm -f -t 0 "$KUBE_POD" >/dev/null 2>&1 || true
      rm -rf "$WORK"
    fi
  fi
  exit "$code"
}

# podman without systemd complains on every run/start/stop that it cannot add a timer for the
# healthcheck; the check itself still works through `podman healthcheck run`. Everything else
# podman says is shown.
podman_quiet() {
  local err
  err=$(mktemp)
  if ! podman "$@" 2>"$err" >/dev/null; then
    grep -v 'systemd' "$err" >&2 || true
    rm -f "$err"
    return 1
  fi
  grep -v 'systemd' "$err" >&2 || true
  rm -f "$err"
}

psql_app() {
  PGPASSWORD=$PW PGCONNECT_TIMEOUT=5 "$PSQL" -X -A -t -q -v ON_ERROR_STOP=1 \
    "host=127.0.0.1 port=$PG_PORT user=postgres dbname=app" -c "$1"
}

api() { # METHOD PATH [JSON BODY] -> body in $WORK/api.out, HTTP status on stdout
  local method=$1 path=$2 body=${3:-}
  local args=(-sS -o "$WORK/api.out" -w '%{http_code}' --max-time 900 -X "$method"
    -H "Authorization: Bearer $TOKEN" -H 'Accept: application/json')
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
  # On a connection failure curl still prints the status, as 000.
  curl "${args[@]}" "http://127.0.0.1:$API_PORT$path" || true
}

published_port() { # CONTAINER_PORT -> host port
  local mapping
  mapping=$(podman port "$CTR" "$1/tcp" | head -n 1)
  [ -n "$mapping" ] || fail "port $1 is not published"
  echo "${mapping##*:}"
}

log_lines() { podman logs "$CTR" 2>&1 | wc -l; }
logs_after() { podman logs "$CTR" 2>&1 | tail -n +"$(($1 + 1))"; }

# Polls the image's own HEALTHCHECK (pgbr-supervisor healthcheck -> /readyz) until it passes.
wait_healthy() {
  local deadline=$(($(date +%s) + READY_TIMEOUT)) state
  while :; do
    state=$(podman inspect -f '{{.State.Status}}' "$CTR")
    [ "$state" = running ] ||
      fail "the container is $state (exit code $(podman inspect -f '{{.State.ExitCode}}' "$CTR"))"
    podman healthcheck run "$CTR" >/dev/null 2>&1 && break
    [ "$(date +%s)" -lt "$deadline" ] || fail "not healthy after ${READY_TIMEOUT}s"
    sleep 1
  done
  [ "$(podman inspect -f '{{.State.Health.Status}}' "$CTR")" = healthy ] ||
    fail "healthcheck passed but podman reports $(podman inspect -f '{{.State.Health.Status}}' "$CTR")"
  PG_PORT=$(published_port 5432)
  API_PORT=$(published_port 5000)
}

# The timeline Postgres writes WAL on now: the first 8 hex digits of the current WAL file.
timeline() {
  psql_app "select ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int"
}

# All of the table, as one digest: equal digests before and after a restore mean equal data.
items_digest() {
  psql_app "select count(*) || ':' || md5(string_agg(id || '=' || source, ',' order by id)) from items"
}

wait_archived() { # SEGMENT
  local deadline=$(($(date +%s) + 120))
  until [ "$(psql_app "select coalesce(last_archived_wal, '') >= '$1' from pg_stat_archiver")" = t ]; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "WAL $1 was not archived in time"
    sleep 1
  done
}

# A backup through the seed route (synchronous); its label in $label. While the repository is
# busy (the supervisor's own start-up or post-restore backup) the request is repeated.
backup_through_api() { # TYPE
  local deadline=$(($(date +%s) + 300)) code state
  while :; do
    code=$(api GET "/pgBackRest/backup/$1")
    [ "$code" = 409 ] || break
    [ "$(date +%s)" -lt "$deadline" ] || fail "the repository stayed busy: $(cat "$WORK/api.out")"
    sleep 1
  done
  [ "$code" = 200 ] || fail "GET /pgBackRest/backup/$1 answered $code: $(cat "$WORK/api.out")"
  state=$(jq -r '.job.state' "$WORK/api.out")
  label=$(jq -r '.job.backup_label // empty' "$WORK/api.out")
  [ "$state" = succeeded ] || fail "the $1 backup job is $state: $(cat "$WORK/api.out")"
  [ -n "$label" ] || fail "the $1 backup job names no backup label: $(cat "$WORK/api.out")"
}

# POST PATH with BODY, then the job it answers with followed until it ends: it must succeed. The
# request is repeated while the repository is busy (409), and while a time target is after the
# newest archived WAL the supervisor has seen (its monitor reads the archiver every few seconds).
job_through_api() { # PATH BODY
  local deadline=$(($(date +%s) + 120)) code job state
  while :; do
    code=$(api POST "$1" "$2")
    if [ "$code" != 409 ] && ! { [ "$code" = 400 ] && grep -q 'wait for archiving' "$WORK/api.out"; }; then
      break
    fi
    [ "$(date +%s)" -lt "$deadline" ] || fail "the repository stayed busy: $(cat "$WORK/api.out")"
    sleep 1
  done
  [ "$code" = 202 ] || fail "POST $1 $2 answered $code: $(cat "$WORK/api.out")"
  job=$(jq -r '.job.id' "$WORK/api.out")
  deadline=$(($(date +%s) + 300))
  while :; do
    code=$(api GET "/api/v1/jobs/$job")
    state=$(jq -r '.state // empty' "$WORK/api.out" 2>/dev/null || true)
    case "$state" in
      succeeded | failed | cancelled) break ;;
    esac
    [ "$(date +%s)" -lt "$deadline" ] || fail "job $job of POST $1 still '$state' ($code)"
    sleep 1
  done
  if [ "$state" != succeeded ]; then
    local message
    message=$(jq -r '.message' "$WORK/api.out")
    api GET "/api/v1/jobs/$job/log" >/dev/null
    jq -r '.lines[-30:][].text' "$WORK/api.out" 2>/dev/null | sed 's/^/    job log: /' >&2 || true
    fail "job $job of POST $1 $state: $message"
  fi
  info "job $job ($(jq -r '.kind' "$WORK/api.out")) succeeded: $(jq -r '.message' "$WORK/api.out")"
}

# A restore with BODY through the API; the container is healthy again afterwards.
restore_through_api() { # BODY
  job_through_api /api/v1/restore "$1"
  wait_healthy
}

# ------------------------------------------------------------------------------- skip or set up

if ! command -v podman >/dev/null; then
  echo "skipped: podman is not installed (scripts/install-deps.sh --test)"
  exit 77
fi
"$CENV" setup >/dev/null
# A failed base-image build is reported by `check` below, which then gives the reason to skip.
"$CENV" base-image bookworm || true
[ "$RELEASE" = bookworm ] || "$CENV" base-image "$RELEASE" || true
if ! reason=$("$CENV" check); then
  echo "skipped: $reason"
  exit 77
fi
eval "$("$CENV" env)"
info "$reason"

for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is needed on the host (apt-get install $tool)" >&2; exit 1; }
done
command -v node >/dev/null ||
  { echo "FAIL: node is needed on the host (scripts/install-deps.sh --test)" >&2; exit 1; }
# podman builds the pause image of its pods from catatonit; without it `kube play` fails.
if ! command -v catatonit >/dev/null && [ ! -x /usr/libexec/podman/catatonit ]; then
  echo "FAIL: catatonit is needed for podman pods (apt-get install catatonit)" >&2
  exit 1
fi
PSQL=$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)
[ -x "$PSQL" ] || { echo "FAIL: psql is needed on the host (postgresql-client-15)" >&2; exit 1; }

# A run killed from outside (a CTest timeout sends SIGKILL) cannot clean up after itself; its
# containers and volumes carry its PID, so the next run removes them once that PID is gone.
for name in $(podman ps -a --format '{{.Names}}' --filter name='^pgbr-ctest-[0-9]+(-old)?$'); do
  pid=${name#pgbr-ctest-}
  kill -0 "${pid%-old}" 2>/dev/null || podman rm -f -v -t 0 "$name" >/dev/null 2>&1 || true
done
for name in $(podman pod ls --format '{{.Name}}' --filter name='^pgbr-ctest-[0-9]+-kube$'); do
  pid=${name#pgbr-ctest-}
  kill -0 "${pid%-kube}" 2>/dev/null || podman pod rm -f -t 0 "$name" >/dev/null 2>&1 || true
done
for name in $(podman volume ls --format '{{.Name}}' --filter name='^pgbr-ctest-[0-9]+(-old)?-data$'); do
  pid=${name#pgbr-ctest-}
  pid=${pid%-data}
  kill -0 "${pid%-old}" 2>/dev/null || podman volume rm -f "$name" >/dev/null 2>&1 || true
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgbr-container-test.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------- build

# Builds docker/Dockerfile for a release, warnings as errors; the log goes to $WORK/build-RELEASE.log.
build_image() {
  local release=$1 tag=$2 log=$WORK/build-$1.log old new cached
  old=$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
  if ! timeout "$BUILD_TIMEOUT" podman build --pull=never --layers --format docker \
    --build-arg DEBIAN_RELEASE="$release" --build-arg PGBR_WERROR=ON \
    -f "$ROOT/docker/Dockerfile" -t "$tag" "$ROOT" >"$log" 2>&1; then
    tail -n 60 "$log" | sed 's/^/    /' >&2
    fail "podman build of the $release image failed (or took more than ${BUILD_TIMEOUT}s)"
  fi
  new=$(podman image inspect --format '{{.Id}}' "$tag")
  # The previous build's image would otherwise stay behind untagged at every source change. Its
  # layers shared with the new image stay; one still used by a container is left alone.
  if [ -n "$old" ] && [ "$old" != "$new" ]; then
    podman rmi "$old" >/dev/null 2>&1 || true
  fi
  cached=$(grep -c -- '--> Using cache' "$log" || true)
  info "image $tag ($release) ${new:0:12}, $(podman image inspect --format '{{.Size}}' "$tag" |
    awk '{ printf "%.0f MB", $1 / 1e6 }'), $cached cached steps"
}

step "build docker/Dockerfile ($RELEASE)"
build_image "$RELEASE" "$IMAGE"
[ "$(podman image inspect --format '{{.Config.StopSignal}}' "$IMAGE")" = SIGINT ] ||
  fail "the image's STOPSIGNAL is not SIGINT"
[ -n "$(podman image inspect --format '{{.Config.Healthcheck}}' "$IMAGE")" ] ||
  fail "the image has no HEALTHCHECK (built in OCI format?)"
podman run --rm --pull=never --entrypoint sh "$IMAGE" -c \
  'echo "$PG_MAJOR"; postgres --version; pgbackrest version; pgbr-supervisor --version' \
  >"$WORK/versions.txt" 2>"$WORK/versions.err" ||
  fail "the image's programs do not run: $(cat "$WORK/versions.txt" "$WORK/versions.err")"
[ "$(head -n 1 "$WORK/versions.txt")" = "$PG_MAJOR" ] ||
  fail "PG_MAJOR in the image is $(head -n 1 "$WORK/versions.txt"), expected $PG_MAJOR"
grep -q "^postgres (PostgreSQL) $PG_MAJOR\." "$WORK/versions.txt" ||
  fail "postgres in the image is not $PG_MAJOR: $(sed -n 2p "$WORK/versions.txt")"
info "$(tail -n +2 "$WORK/versions.txt" | paste -sd ';' | sed 's/;/; /g')"

# ---------------------------------------------------------------------------------- init scripts

step "init scripts of every kind"
INITDIR=$WORK/initdb.d
mkdir -p "$INITDIR"
printf 'create table items (id int primary key, source text not null);\n' >"$INITDIR/01-schema.sql"
# Compressed with the image's own tools, so the test needs none of them on the host and proves
# that the image has them.
printf "insert into items values (1, 'gz');\n" >"$INITDIR/02-gz.sql"
printf "insert into items values (2, 'zst');\n" >"$INITDIR/03-zst.sql"
printf "insert into items values (3, 'xz');\n" >"$INITDIR/04-xz.sql"
podman_quiet run --rm --pull=never -v "$INITDIR:/work" "$IMAGE" \
  sh -ec 'cd /work; gzip 02-gz.sql; zstd -q --rm 03-zst.sql; xz 04-xz.sql' ||
  fail "compressing the init scripts inside the image failed"
# A sourced .sh script, written as for the stock image: POSTGRES_USER and POSTGRES_DB are set.
cat >"$INITDIR/05-shell.sh" <<'EOF'
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "insert into items values (4, 'sh')"
EOF
# Postgres (and the scripts) run as postgres, who must be able to read them.
chmod 755 "$INITDIR"
chmod 644 "$INITDIR"/*
info "$(cd "$INITDIR" && echo *)"

# ---------------------------------------------------------------------------------------- 1. run

step "1. podman run like the stock image"
podman volume create "$VOL" >/dev/null
podman_quiet run -d --name "$CTR" \
  -e POSTGRES_PASSWORD="$PW" -e POSTGRES_DB=app -e PGBR_API_TOKEN="$TOKEN" \
  -v "$VOL:/var/lib/postgresql/data" -v "$INITDIR:/docker-entrypoint-initdb.d:ro" \
  -p 127.0.0.1::5432 -p 127.0.0.1::5000 \
  "$IMAGE" postgres -c max_connections=50 || fail "podman run failed"
info "container $CTR"

# -------------------------------------------------------------------------------------- 2. check

step "2. healthy; psql from the host; processes"
wait_healthy
info "healthy; postgres on 127.0.0.1:$PG_PORT, api on 127.0.0.1:$API_PORT"

sources=$(psql_app "select string_agg(source, ',' order by id) from items") ||
  fail "psql through the published port with the password failed"
[ "$sources" = "gz,zst,xz,sh" ] || fail "init scripts left items '$sources', expected gz,zst,xz,sh"
info "init scripts ran in order: $sources"

if PGPASSWORD=wrong-$PW PGCONNECT_TIMEOUT=5 "$PSQL" -X -A -t -q \
  "host=127.0.0.1 port=$PG_PORT user=postgres dbname=app" -c 'select 1' >/dev/null 2>&1; then
  fail "a wrong password was accepted over TCP"
fi
info "a wrong password is refused"

max=$(psql_app "show max_connections")
[ "$max" = 50 ] || fail "max_connections is $max, expected 50 from the command line"
locale=$(psql_app "select datcollate from pg_database where datname = 'app'")
[ "$locale" = en_US.utf8 ] || fail "the database's collation is $locale, expected en_US.utf8"
info "max_connections $max, collation $locale"

podman top "$CTR" pid user comm >"$WORK/top.txt" || fail "podman top failed"
read -r _ pid1_user pid1_comm < <(awk '$1 == 1' "$WORK/top.txt") || true
[ "${pid1_comm:-}" = pgbr-supervisor ] || fail "PID 1 is '${pid1_comm:-?}', expected pgbr-supervisor"
[ "${pid1_user:-}" = postgres ] || fail "PID 1 runs as '${pid1_user:-?}' after start-up, expected postgres"
postgres_procs=$(awk '$3 == "postgres"' "$WORK/top.txt" | wc -l)
[ "$postgres_procs" -ge 1 ] || fail "no postgres process in the container"
not_postgres=$(awk '$3 == "postgres" && $2 != "postgres"' "$WORK/top.txt")
[ -z "$not_postgres" ] || fail "postgres processes not run by the postgres user: $not_postgres"
info "PID 1 pgbr-supervisor as postgres; $postgres_procs postgres processes, all as postgres"

# ------------------------------------------------------------------------------------- 3. backup

step "3. full backup through the API"
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API_PORT/pgBackRest/backup/full" ||
  true)
[ "$code" = 401 ] || fail "a backup request without the token answered $code, expected 401"
info "without the token: 401"

# The supervisor takes a first full backup of its own at start-up; while that runs the
# repository is busy (409) and the request is repeated.
backup_through_api full
info "backup $label succeeded"

# The list is served from a cache that the finished job refreshes; poll until it shows.
deadline=$(($(date +%s) + 60))
while :; do
  code=$(api GET /api/v1/backups)
  if [ "$code" = 200 ] &&
    jq -e --arg l "$label" '.backups[] | select(.label == $l and .type == "full")' \
      "$WORK/api.out" >/dev/null; then
    break
  fi
  [ "$(date +%s)" -lt "$deadline" ] ||
    fail "GET /api/v1/backups ($code) does not list $label: $(cat "$WORK/api.out")"
  sleep 1
done
info "GET /api/v1/backups lists $(jq -r '[.backups[].label] | join(", ")' "$WORK/api.out")"

# --------------------------------------------------------------------------------------- 4. stop

step "4. podman stop with the default timeout"
stop_timeout=$(podman inspect -f '{{.Config.StopTimeout}}' "$CTR")
mark=$(log_lines)
t0=$(now_ms)
podman_quiet stop "$CTR" || fail "podman stop failed"
stop_ms=$(($(now_ms) - t0))
exit_code=$(podman inspect -f '{{.State.ExitCode}}' "$CTR")
logs_after "$mark" >"$WORK/stop.log"
info "stop took $stop_ms ms (grace period ${stop_timeout}s), exit code $exit_code"
[ "$exit_code" = 0 ] || fail "the container exited with code $exit_code, expected 0"
[ "$stop_ms" -lt $((stop_timeout * 1000)) ] || fail "stop took the whole grace period"
grep -q 'received fast shutdown request' "$WORK/stop.log" ||
  fail "Postgres logged no fast shutdown request when stopped"
! grep -q 'immediate shutdown request' "$WORK/stop.log" ||
  fail "Postgres was shut down immediately rather than fast"
grep -q 'database system is shut down' "$WORK/stop.log" ||
  fail "Postgres did not log 'database system is shut down'"
info "Postgres: fast shutdown, 'database system is shut down'"

# ------------------------------------------------------------------------------------ 5. restart

step "5. start the same container again"
mark=$(log_lines)
podman_quiet start "$CTR" || fail "podman start failed"
wait_healthy
logs_after "$mark" >"$WORK/restart.log"
grep -q 'database system was shut down at' "$WORK/restart.log" ||
  fail "Postgres did not report a clean shutdown at its restart"
if grep -E -q 'was interrupted|not properly shut down|automatic recovery in progress' \
  "$WORK/restart.log"; then
  fail "Postgres ran crash recovery after a clean stop"
fi
sources=$(psql_app "select string_agg(source, ',' order by id) from items")
[ "$sources" = "gz,zst,xz,sh" ] || fail "after the restart items holds '$sources'"
# The repository view is read again after start-up; until then the backup is not known yet.
deadline=$(($(date +%s) + 60))
until [ "$(api GET "/api/v1/backups/$label")" = 200 ]; do
  [ "$(date +%s)" -lt "$deadline" ] ||
    fail "backup $label is not listed after the restart: $(cat "$WORK/api.out")"
  sleep 1
done
info "data and backup $label still there; no crash recovery"

# ------------------------------------------------------------------------------------ 6. restore

step "6. point-in-time restore through the API"
psql_app "insert into items select g, 'before-target' from generate_series(100, 1099) g"
before=$(items_digest)
target=$(psql_app "select now()")
# Commit timestamps are what a time target compares; the next ones must come after it.
sleep 1
psql_app "insert into items select g, 'after-target' from generate_series(2000, 2499) g"
psql_app "update items set source = 'updated-after-target' where id between 100 and 199"
segment=$(psql_app "select pg_walfile_name(pg_switch_wal())")
wait_archived "$segment"
timeline_before=$(timeline)
info "1000 rows, then time $target, then 500 more and 100 updated; WAL up to $segment archived"

code=$(api POST /api/v1/restore "{\"type\": \"time\", \"target\": \"$target\"}")
[ "$code" = 400 ] || fail "a restore without confirm answered $code, expected 400"
[ "$(psql_app 'select 1')" = 1 ] || fail "Postgres is not answering after a refused restore"
info "without confirm: 400, Postgres untouched"

restore_through_api "{\"type\": \"time\", \"target\": \"$target\", \"confirm\": \"$STANZA\"}"
after=$(items_digest)
timeline_after=$(timeline)
[ "$after" = "$before" ] || fail "items after the restore ($after) differ from those at $target ($before)"
[ "$timeline_after" -gt "$timeline_before" ] ||
  fail "still on timeline $timeline_after: no recovery from the repository happened"
[ "$(psql_app "select pg_is_in_recovery()")" = f ] || fail "Postgres is still in recovery"
info "items $after as at $target; timeline $timeline_before -> $timeline_after; read-write"

# ----------------------------------------------------------------------- 7. block incremental

if [ "$RELEASE" = trixie ]; then
  step "7. block-incremental backup and its restore"
  psql_app "insert into items select g, 'bulk' from generate_series(10000, 59999) g"
  backup_through_api full
  psql_app "update items set source = 'changed' where id % 100 = 0"
  backup_through_api incr
  incr=$label
  manifest=/var/lib/pgbackrest/backup/$STANZA/$incr/backup.manifest
  podman exec "$CTR" cat "$manifest" >"$WORK/incr.manifest" || fail "cannot read $manifest"
  grep -q '^backup-block-incr=true' "$WORK/incr.manifest" ||
    fail "incremental backup $incr is not block incremental: $(grep '^backup-' "$WORK/incr.manifest" | paste -sd ' ')"
  mapped=$(grep -c '"bim":' "$WORK/incr.manifest" || true)
  [ "$mapped" -gt 0 ] || fail "no file of incremental backup $incr has a block map"
  at_backup=$(items_digest)
  info "incremental $incr: backup-block-incr=true, $mapped files with a block map"
  psql_app "delete from items where id >= 10000"
  segment=$(psql_app "select pg_walfile_name(pg_switch_wal())")
  wait_archived "$segment"
  restore_through_api "{\"type\": \"immediate\", \"set\": \"$incr\", \"confirm\": \"$STANZA\"}"
  [ "$(items_digest)" = "$at_backup" ] ||
    fail "items after restoring $incr ($(items_digest)) differ from those it backed up ($at_backup)"
  info "restored $incr: items $at_backup as backed up"

  step "7b. a restore drill and a dump run on PostgreSQL $PG_MAJOR"
  job_through_api /api/v1/drills '{}'
  job_through_api /api/v1/dumps '{"databases": ["app"]}'
fi

# ------------------------------------------------------------------------------------------ done

step "8. clean up"
if [ "$KEEP" != 1 ]; then
  podman rm -f -v -t 0 "$CTR" >/dev/null 2>&1 || true
  podman volume rm -f "$VOL" >/dev/null 2>&1 || true
fi

# ------------------------------------------------------------- 9. another major's data directory

# Every file of a volume: path, size, mode, modification time and content digest.
volume_listing() { # VOLUME
  local dir
  dir=$(podman volume inspect -f '{{.Mountpoint}}' "$1")
  (cd "$dir" && find . -printf '%p %s %m %T@\n' | sort &&
    find . -type f -print0 | sort -z | xargs -0 md5sum)
}

if [ "$RELEASE" = trixie ]; then
  step "9. the PostgreSQL $PG_MAJOR image on a PostgreSQL 15 data directory"
  build_image bookworm "$IMAGE_15"
  podman volume create "$OLD_VOL" >/dev/null
  podman_quiet run -d --name "$OLD_CTR" -e POSTGRES_PASSWORD="$PW" \
    -v "$OLD_VOL:/var/lib/postgresql/data" "$IMAGE_15" || fail "podman run of $IMAGE_15 failed"
  deadline=$(($(date +%s) + READY_TIMEOUT))
  until podman healthcheck run "$OLD_CTR" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$IMAGE_15 is not healthy after ${READY_TIMEOUT}s"
    sleep 1
  done
  podman_quiet stop "$OLD_CTR" || fail "podman stop of the PostgreSQL 15 container failed"
  podman rm -f -v "$OLD_CTR" >/dev/null 2>&1 || true
  [ "$(podman run --rm --pull=never -v "$OLD_VOL:/d" --entrypoint cat "$IMAGE_15" /d/PG_VERSION 2>/dev/null)" = 15 ] ||
    fail "the PostgreSQL 15 image left no PG_VERSION 15 in its volume"
  listing_before=$(volume_listing "$OLD_VOL")
  info "$IMAGE_15 initialised a data volume and stopped"

  set +e
  timeout 120 podman run --name "$OLD_CTR" -e POSTGRES_PASSWORD="$PW" \
    -v "$OLD_VOL:/var/lib/postgresql/data" "$IMAGE" >"$WORK/refused.log" 2>&1
  code=$?
  set -e
  [ "$code" != 124 ] || fail "the $PG_MAJOR image kept running on a 15 data directory"
  [ "$code" != 0 ] || fail "the $PG_MAJOR image exited 0 on a 15 data directory"
  refusal=$(grep -F "was made by PostgreSQL 15 and the PostgreSQL here is $PG_MAJOR" "$WORK/refused.log" || true)
  [ -n "$refusal" ] || fail "no refusal naming both versions: $(tail -n 20 "$WORK/refused.log")"
  ! grep -q 'database system is starting up\|starting PostgreSQL' "$WORK/refused.log" ||
    fail "Postgres was started on the 15 data directory: $(cat "$WORK/refused.log")"
  [ "$(volume_listing "$OLD_VOL")" = "$listing_before" ] ||
    fail "the 15 data directory changed: $(diff <(echo "$listing_before") <(volume_listing "$OLD_VOL") | head -n 10)"
  podman rm -f -v "$OLD_CTR" >/dev/null 2>&1 || true
  podman volume rm -f "$OLD_VOL" >/dev/null 2>&1 || true
  info "exit code $code; data directory unchanged; the line: ${refusal#*] }"
fi

# ---------------------------------------------------------------------------- 8. podman kube play

if [ "$RELEASE" != bookworm ]; then
  end_step
  echo "--- timings"
  printf '    %s\n' "${TIMINGS[@]}"
  echo "    total: $(seconds $(($(now_ms) - T_START))) s; podman stop: $stop_ms ms"
  echo "container test ($RELEASE) passed"
  exit 0
fi

step "10. podman kube play of the primary pod"
free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
    console.log(s.address().port); s.close(); })'
}
KUBE_DIR=$WORK/kube
KUBE_CTR=$KUBE_POD-pgbr
kube_api=$(free_port)
kube_pg=$(free_port)
# Each claim of the StatefulSet becomes a folder, left as the kubelet leaves a new volume of a
# pod with fsGroup 999: owned by root, group 999, setgid and group-writable. The supervisor, run
# as 999 from the start, never owns these folders and cannot chown them.
for claim in data state repo; do
  mkdir -p "$KUBE_DIR/volumes/$claim"
  chown root:999 "$KUBE_DIR/volumes/$claim"
  chmod 2770 "$KUBE_DIR/volumes/$claim"
done
KUBE_YAML=$KUBE_DIR/pod.yaml
"$ROOT/tests/kubernetes/run.sh" render-pod --statefulset pgbr-primary --name "$KUBE_POD" \
  --image "$IMAGE" --volume-dir "$KUBE_DIR/volumes" --local-repo \
  --publish "5432=$kube_pg" --publish "5000=$kube_api" >"$KUBE_YAML" ||
  fail "rendering the pod from docker/kubernetes/primary.yaml failed"
podman kube play "$KUBE_YAML" >"$KUBE_DIR/play.log" 2>&1 || {
  sed 's/^/    /' "$KUBE_DIR/play.log" >&2
  fail "podman kube play failed"
}
t0=$(now_ms)
deadline=$(($(date +%s) + READY_TIMEOUT))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$kube_api/readyz" || true)" = 200 ]; do
  state=$(podman inspect -f '{{.State.Status}}' "$KUBE_CTR" 2>/dev/null || echo missing)
  [ "$state" = running ] || fail "the kube pod's container is $state"
  [ "$(date +%s)" -lt "$deadline" ] || fail "/readyz of the kube pod is not 200 after ${READY_TIMEOUT}s"
  sleep 0.5
done
info "ready on 127.0.0.1:$kube_api/readyz after $(seconds $(($(now_ms) - t0))) s"

! podman port "$KUBE_CTR" | grep -v -- '-> 127\.0\.0\.1:' | grep -q . ||
  fail "the kube pod publishes beyond 127.0.0.1: $(podman port "$KUBE_CTR" | paste -sd' ')"
podman top "$KUBE_CTR" huser comm >"$WORK/kube-top.txt" || fail "podman top failed"
# "?": a short-lived child (a pgBackRest job) that ended while podman read the list.
not_999=$(awk 'NR > 1 && $1 != 999 && $1 != "?"' "$WORK/kube-top.txt")
[ -z "$not_999" ] || fail "processes of the kube pod not run as uid 999: $not_999"
info "$(awk 'NR > 1 && $1 == 999' "$WORK/kube-top.txt" | wc -l) processes, all uid 999"
read -r owner mode < <(stat -c '%u %a' "$KUBE_DIR/volumes/data/pgdata") ||
  fail "no PGDATA folder in the data volume"
# The setgid bit comes from the volume's top folder, as under fsGroup; Postgres looks at the
# permission bits only.
[ "$owner ${mode: -3}" = "999 700" ] || fail "PGDATA is uid $owner mode $mode, expected 999 700"
info "PGDATA data/pgdata made by uid 999, mode $mode, in a volume root owns"

# The first full backup the supervisor takes at start-up, in the local repository's volume.
deadline=$(($(date +%s) + 120))
until compgen -G "$KUBE_DIR/volumes/repo/backup/$STANZA/*F" >/dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "no full backup in the local repository of the kube pod"
  sleep 0.5
done
info "full backup $(basename "$(compgen -G "$KUBE_DIR/volumes/repo/backup/$STANZA/*F" | head -n 1)") in the repo volume"

# podman 4.3 keeps its own 10 s stop timeout for kube pods; give the manifest's grace period.
grace=$(awk '/terminationGracePeriodSeconds:/ { print $2; exit }' "$KUBE_YAML")
t0=$(now_ms)
podman_quiet pod stop -t "$grace" "$KUBE_POD" || fail "podman pod stop failed"
kube_stop_ms=$(($(now_ms) - t0))
exit_code=$(podman inspect -f '{{.State.ExitCode}}' "$KUBE_CTR")
[ "$exit_code" = 0 ] || fail "the kube pod's container exited with code $exit_code"
podman logs "$KUBE_CTR" >"$WORK/kube.log" 2>&1 || fail "podman logs of the kube pod failed"
grep -q 'database system is shut down' "$WORK/kube.log" ||
  fail "Postgres in the kube pod did not log 'database system is shut down'"
info "stopped in $kube_stop_ms ms (grace period ${grace}s), exit code 0, clean shutdown"
if [ "$KEEP" != 1 ]; then
  podman kube down "$KUBE_YAML" >/dev/null 2>&1 || fail "podman kube down failed"
  ! podman pod exists "$KUBE_POD" || fail "the pod is still there after podman kube down"
  KUBE_YAML=
  rm -rf "$KUBE_DIR"
  info "podman kube down; volume folders removed"
fi
end_step

echo "--- timings"
printf '    %s\n' "${TIMINGS[@]}"
echo "    total: $(seconds $(($(now_ms) - T_START))) s; podman stop: $stop_ms ms"
echo "container test ($RELEASE) passed"
