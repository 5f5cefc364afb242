#!/usr/bin/env bash
# Validates the OpenAPI document with a real OpenAPI validator (validate.mjs, through
# @readme/openapi-parser from npm).
#
#   tests/openapi/run.sh [path-to-openapi.json]     (default: api/openapi.json)
#
# Installs the npm packages first when node_modules was installed from another package.json /
# package-lock.json or not at all (scripts/install-deps.sh --test does the same, with the same
# stamp); that needs the npm registry once. The exit code is the test result.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
doc=${1:-$root/api/openapi.json}

fail() { printf 'openapi: %s\n' "$*" >&2; exit 1; }
command -v node >/dev/null || fail "node is missing; run scripts/install-deps.sh --test"
[ -f "$doc" ] || fail "no document at $doc"

stamp=$here/node_modules/.pgbr-lock.sha256
lock_sum=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  command -v npm >/dev/null || fail "npm is missing; run scripts/install-deps.sh --test"
  printf 'openapi: installing the npm packages (npm ci)\n'
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_sum" >"$stamp"
fi

node "$here/validate.mjs" "$doc"
