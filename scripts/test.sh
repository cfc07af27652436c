#!/usr/bin/env bash
# Runs every test: installs what is missing (scripts/setup.sh); checks the
# formatting and lints the host crates and the guest (for wasm32-wasip2);
# runs the guest's unit tests in a debug build (overflow checks on; no
# wasmtime in it, so this is quick); builds everything else once, in
# release (our host crates keep overflow checks on there), and runs the unit
# tests and the integration tests against real servers on 127.0.0.1; then
# each fuzz target for a bounded time (scripts/fuzz.sh; FUZZ_SECONDS,
# default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

step() { echo; echo "test: $*"; }

# Where napi-derive writes the Node package's TypeScript declarations while
# compiling it (bindings/node/build.mjs reads them): set for every cargo
# command, so clippy, the workspace build and build.mjs compile it the same
# way and it is not compiled again for each.
export NAPI_TYPE_DEF_TMP_FOLDER="$PWD/target/napi-rs/typedefs"

step "formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "lints: host crates, runner, CLI, tests (clippy -D warnings)"
cargo clippy --release --locked --workspace --all-targets -- -D warnings

step "lints: the guest for wasm32-wasip2 (clippy -D warnings)"
cargo clippy --release --locked -p chaosprometheus --lib --target wasm32-wasip2 -- -D warnings

# Every runner's output is kept too, for the count printed at the end.
results=$(mktemp)
trap 'rm -f "$results"' EXIT

step "guest unit tests, debug build"
cargo test --locked -p chaosprometheus 2>&1 | tee -a "$results"

step "unit and integration tests, release build"
# This also builds target/release/chaosprom-servers, the launcher the Python
# and Node tests start their servers with (tests/tests/launcher.rs runs it).
cargo test --release --locked --workspace 2>&1 | tee -a "$results"

step "Python package: build (maturin, release, same target dir) and install"
scripts/python-package.sh

step "Python package tests: the real chaos run with our module, against real servers"
# pytest exits 5 when it ran no test: that is a failure here.
status=0
target/python-venv/bin/python -m pytest -ra bindings/python/tests 2>&1 | tee -a "$results" ||
  status=${PIPESTATUS[0]}
if [ "$status" -eq 5 ]; then
  echo "test: pytest ran no test" >&2
  exit 1
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi

step "Node package: build the addon (cargo, release, same target dir) and its TypeScript declarations"
(cd bindings/node && node build.mjs)

step "Node package tests (node --test), and the bare component under jco, against real servers"
status=0
(cd bindings/node && node --test --test-reporter=tap tests/) 2>&1 | tee "$results.node" || status=${PIPESTATUS[0]}
cat "$results.node" >>"$results"
# node's TAP ends with "# pass N" and "# fail N": one line of ours counts them.
awk '/^# pass /{p=$3} /^# fail /{f=$3} END {print "node --test: " p+0 " passed, " f+0 " failed"}' \
  "$results.node" | tee -a "$results"
rm -f "$results.node"
[ "$status" -eq 0 ] || exit "$status"
if tail -n 1 "$results" | grep -q '^node --test: 0 passed'; then
  echo "test: node --test ran no test" >&2
  exit 1
fi

step "the bare component under the wasmtime package from PyPI (wasmtime-py), against a real Prometheus"
status=0
target/wasmtime-py-venv/bin/python -m pytest -ra bindings/wasmtime-py 2>&1 | tee -a "$results" ||
  status=${PIPESTATUS[0]}
if [ "$status" -eq 5 ]; then
  echo "test: pytest ran no test" >&2
  exit 1
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi

step "fuzzing"
scripts/fuzz.sh

# One closing line: every test that ran, cargo's, pytest's and node's.
count() { # count WORD: the sum of "N WORD" over the runners' summary lines
  grep -E '^test result: |^=+ .*(passed|failed).* in [0-9.]+s|^node --test: ' "$results" |
    grep -oE "[0-9]+ $1" | awk '{ n += $1 } END { print n + 0 }'
}
echo
echo "tests: $(count passed) passed, $(count failed) failed"
