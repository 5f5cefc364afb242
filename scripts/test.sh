#!/usr/bin/env bash
# Every test, on a fresh Debian 12 machine, as root: installs what the tests need (packages, the
# browser tests' npm modules, the local S3 server, podman and a local debian:bookworm base image),
# builds with warnings as errors, checks formatting, and runs the whole suite through CTest:
# unit tests, integration tests (real PostgreSQL, pgBackRest, S3 over TLS), the browser tests
# (headless Chromium) and the container tests (podman).
#
#   ./scripts/test.sh [ctest arguments]     e.g. ./scripts/test.sh -L unit
#
# A second run is fast: nothing is reinstalled, the build and the image layers are reused.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
cd "$ROOT"
t0=$(date +%s)
step() { echo "=== [$(( $(date +%s) - t0 ))s] $*"; }

if [ "$(id -u)" != 0 ]; then
  echo "test.sh: run as root (tests start the supervisor as a container's PID 1 would)" >&2
  exit 2
fi

step "dependencies"
scripts/install-deps.sh --test
tests/support/s3server.sh install >/dev/null
tests/support/container-env.sh setup >/dev/null
tests/support/container-env.sh base-image bookworm >/dev/null
tests/support/container-env.sh base-image trixie >/dev/null

step "format check"
mapfile -t sources < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find supervisor api tests templates -name '*.cpp' -o -name '*.h')
clang-format --dry-run --Werror "${sources[@]}"

step "build (warnings are errors)"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPGBR_WERROR=ON -DPGBR_SKIP_UNIT= >/dev/null
cmake --build "$BUILD" | tail -n 1

step "tests"
ctest --test-dir "$BUILD" --output-on-failure -j2 "$@"
step "all tests passed"
