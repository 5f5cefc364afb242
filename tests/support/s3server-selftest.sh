#!/usr/bin/env bash
# End-to-end check of tests/support/s3server.sh: pgBackRest backs up a real cluster into it.
#
#   tests/support/s3server-selftest.sh
#
# Starts an S3 server in a temporary folder, creates a throwaway cluster there (initdb as postgres,
# socket-only, its own socket folder), points archive_command and a small pgbackrest.conf at the
# server through the variables `s3server.sh env` prints, then: stanza-create, a full backup,
# `info` must show it, a listing must show a folder that holds only sub-folders (the s3rver patch),
# and after `stop` the port must be closed. Exits non-zero on the first failure; the temporary
# folder is kept then, for its logs, and removed on success unless PGBR_SELFTEST_KEEP=1. Takes
# 10-20 s, most of it the backup.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly S3=$HERE/s3server.sh
readonly PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
readonly OSUSER=${PGBR_TEST_OSUSER:-postgres}
readonly STANZA=selftest
# Socket-only cluster: the port only names the socket file in our own folder, so it cannot
# collide with anything listening on TCP.
readonly PGPORT=5432

work=$(mktemp -d "${TMPDIR:-/tmp}/pgbr-s3-selftest.XXXXXX")
chmod 755 "$work"
conf=$work/pgbackrest.conf
ok=0
start_ms=$(($(date +%s%N) / 1000000))

step() { echo "s3server-selftest: [$(($(date +%s%N) / 1000000 - start_ms)) ms] $*"; }
fail() {
  echo "s3server-selftest: FAIL: $*" >&2
  exit 1
}
as_pg() { runuser -u "$OSUSER" -- "$@"; }
pgbr() { as_pg pgbackrest --config="$conf" --stanza="$STANZA" "$@"; }

cleanup() {
  set +e
  if [ -f "$work/pg/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1
  fi
  "$S3" stop --dir "$work/s3" >/dev/null 2>&1
  if [ $ok = 1 ] && [ "${PGBR_SELFTEST_KEEP:-0}" != 1 ]; then
    rm -rf "$work"
  else
    echo "s3server-selftest: kept $work for its logs" >&2
    tail -n 15 "$work/s3/s3rver.log" "$work"/log/*.log 2>/dev/null >&2
  fi
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "must run as root (runs the cluster as $OSUSER)"
id "$OSUSER" >/dev/null 2>&1 || fail "OS user $OSUSER does not exist"
for tool in "$PGBIN/initdb" "$PGBIN/pg_ctl" pgbackrest node curl openssl; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh --test)"
done

step "start the S3 server"
"$S3" start --dir "$work/s3"
eval "$("$S3" env --dir "$work/s3")"
[ "${PGBACKREST_REPO1_TYPE:-}" = s3 ] || fail "s3server.sh env printed no repo1 settings"
"$S3" status --dir "$work/s3" >/dev/null || fail "status says not running right after start"

step "initdb a throwaway cluster"
mkdir -p "$work/pg" "$work/sock" "$work/log" "$work/lock"
chown "$OSUSER:" "$work/pg" "$work/sock" "$work/log" "$work/lock"
chmod 700 "$work/pg"
cat >"$conf" <<EOF
[global]
repo1-path=/selftest
repo1-retention-full=1
log-path=$work/log
lock-path=$work/lock
log-level-console=warn
log-level-file=detail
start-fast=y

[$STANZA]
pg1-path=$work/pg
pg1-port=$PGPORT
pg1-socket-path=$work/sock
EOF
chmod 644 "$conf"
as_pg "$PGBIN/initdb" -D "$work/pg" -A trust -U postgres >"$work/initdb.log" 2>&1 ||
  fail "initdb failed (log: $work/initdb.log)"
cat >>"$work/pg/postgresql.conf" <<EOF
listen_addresses = ''
port = $PGPORT
unix_socket_directories = '$work/sock'
wal_level = replica
archive_mode = on
archive_command = 'pgbackrest --config=$conf --stanza=$STANZA archive-push %p'
EOF
# The postmaster inherits the PGBACKREST_REPO1_* variables, and with them archive-push.
as_pg "$PGBIN/pg_ctl" -D "$work/pg" -l "$work/log/postgres.log" -w -t 60 start >/dev/null ||
  fail "postgres did not start"

step "stanza-create"
pgbr stanza-create || fail "stanza-create failed"
step "full backup"
pgbr --type=full backup || fail "full backup failed"

step "info shows the backup"
pgbr --output=json info >"$work/info.json" || fail "info failed"
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
  const [stanza] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const types = stanza.backup.map((b) => b.type).join(",");
  if (stanza.status.code !== 0 || types !== "full") {
    console.error(`status ${JSON.stringify(stanza.status)}, backups "${types}"`);
    process.exit(1);
  }' "$work/info.json" || fail "info does not show exactly one full backup"

# archive/<stanza>/15-1 holds only the sub-folder of the WAL segments: unpatched s3rver leaves
# it out of a delimited listing, and expire then never finds old backups' files.
step "a folder holding only sub-folders is listed"
pgbr repo-ls "archive/$STANZA" >"$work/repo-ls.txt" || fail "repo-ls failed"
grep -qx '15-1' "$work/repo-ls.txt" || fail "repo-ls archive/$STANZA lacks 15-1: $(tr '\n' ' ' <"$work/repo-ls.txt")"

step "stop the S3 server"
port=$PGBACKREST_REPO1_STORAGE_PORT
"$S3" stop --dir "$work/s3"
if "$S3" status --dir "$work/s3" >/dev/null; then fail "status says running after stop"; fi
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "port $port still open after stop"; fi

ok=1
step "ok"
