#!/usr/bin/env bash
# The main job on a plain Debian 12 machine, as root: installs what is missing, builds
# pgbr-supervisor, and runs it in the foreground with PostgreSQL 15, WAL archiving and scheduled
# backups into a local pgBackRest repository, and the API + dashboard on http://127.0.0.1:5000/.
#
#   ./scripts/run.sh [pgbr-supervisor flags] [postgres [postgres args]]
#
# Everything lives under one state folder (default /var/lib/pgbr-supervisor; set PGBR_STATE_DIR
# to move it): the data directory (pgdata/), the repository (repo/), job history, logs, the
# generated API token (api-token) and, on first start, a generated superuser password
# (postgres-password) unless POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE is set. Every other
# setting is an environment variable or flag (see --help and README.md). Postgres listens on this
# machine only, like the API: PGBR_PG_LISTEN='*' opens it to the network. Ctrl-C stops it cleanly.
# A second run reuses the build and the data: it starts in a few seconds.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}

if [ "$(id -u)" != 0 ]; then
  echo "run.sh: run as root (it installs packages, and the supervisor drops to the postgres user)" >&2
  exit 2
fi

"$ROOT/scripts/install-deps.sh" --build --runtime

if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPGBR_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD" --target pgbr-supervisor | tail -n 1

STATE=${PGBR_STATE_DIR:-/var/lib/pgbr-supervisor}
export PGBR_STATE_DIR=$STATE
export PGDATA=${PGDATA:-$STATE/pgdata}
mkdir -p "$STATE"

# A fresh data directory needs a superuser password (as with the stock image). Generate one once
# and hand it over as a file, so it never appears in `ps` or in the log.
if [ -z "${POSTGRES_PASSWORD:-}" ] && [ -z "${POSTGRES_PASSWORD_FILE:-}" ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ ! -s "$STATE/postgres-password" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$STATE/postgres-password")
    echo "run.sh: generated the postgres superuser password in $STATE/postgres-password"
  fi
  export POSTGRES_PASSWORD_FILE=$STATE/postgres-password
fi

echo "run.sh: state in $STATE; API and dashboard on http://${PGBR_API_LISTEN:-127.0.0.1:5000}/ (token: $STATE/api-token unless PGBR_API_TOKEN is set)"
exec "$BUILD/pgbr-supervisor" "$@"
