#!/usr/bin/env bash
# The Kubernetes manifests of docker/kubernetes/, checked offline with kubernetes-models and yaml
# from npm (validate.mjs), or one of their pod templates rendered for `podman kube play`
# (render-pod.mjs, used by tests/container/container_test.sh).
#
#   tests/kubernetes/run.sh [MANIFEST_DIR [README]]      validate (default: docker/kubernetes)
#   tests/kubernetes/run.sh render-pod [OPTIONS...]      print a Pod (see render-pod.mjs)
#
# Installs the npm packages first when node_modules was installed from another package.json /
# package-lock.json or not at all (scripts/install-deps.sh --test does the same, with the same
# stamp); that needs the npm registry once. The exit code is the test result.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fail() { printf 'kubernetes: %s\n' "$*" >&2; exit 1; }
command -v node >/dev/null || fail "node is missing; run scripts/install-deps.sh --test"

stamp=$here/node_modules/.pgbr-lock.sha256
lock_sum=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  command -v npm >/dev/null || fail "npm is missing; run scripts/install-deps.sh --test"
  printf 'kubernetes: installing the npm packages (npm ci)\n' >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_sum" >"$stamp"
fi

if [ "${1:-}" = render-pod ]; then
  shift
  exec node "$here/render-pod.mjs" "$@"
fi
exec node "$here/validate.mjs" "$@"
