#!/usr/bin/env bash
# Runs every test: installs what is missing (scripts/setup.sh); checks the
# formatting and lints the host crates and the guest (for wasm32-wasip2);
# runs the guest's unit tests in a debug build (overflow checks on; no
# wasmtime in it, so this is quick); builds everything else once, in
# release (our host crates keep overflow checks on there), and runs the unit
# tests and the integration tests against real servers on 127.0.0.1; builds
# what users install (scripts/package.sh) and tests the wheel and the npm
# tarballs as installed, with no Rust on PATH; then each fuzz target for a
# bounded time (scripts/fuzz.sh; FUZZ_SECONDS, default 20). A failing part does not stop the others: every failing part
# is listed at the end, and the script then exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# Every runner's output is kept too, for the count printed at the end.
results=$(mktemp)
trap 'rm -f "$results" "$results.node"' EXIT
failed=()

# part NAME COMMAND...: runs one part of the test; a failing part is noted
# and the rest still run, so one failure does not hide another.
part() {
  local name=$1
  shift
  echo
  echo "test: $name"
  if ! "$@"; then
    echo "test: FAILED: $name" >&2
    failed+=("$name")
  fi
}

# logged COMMAND...: COMMAND, its output also kept for the closing count.
logged() {
  "$@" 2>&1 | tee -a "$results"
}

# pytest_in VENV DIR: pytest under target/VENV on DIR; running no test
# (pytest's exit 5) is a failure too.
pytest_in() {
  local status=0
  "target/$1/bin/python" -m pytest -ra "$2" 2>&1 | tee -a "$results" || status=${PIPESTATUS[0]}
  if [ "$status" -eq 5 ]; then
    echo "test: pytest ran no test" >&2
  fi
  return "$status"
}

# The wheel in dist/, offline, into fresh virtualenvs, with what setup.sh's
# wheelhouses hold: target/installed-venv (Python 3.11, chaostoolkit 1.19,
# pytest) and, where setup.sh found a Python 3.12, target/installed312-venv
# (chaostoolkit 1.21).
install_wheels() {
  scripts/lib/install-wheel.sh target/installed-venv target/python-venv target/wheelhouse-3.11 || return
  rm -rf target/installed312-venv
  if [ -d target/wheelhouse-3.12 ]; then
    scripts/lib/install-wheel.sh target/installed312-venv target/python312-venv target/wheelhouse-3.12
  fi
}

# pytest in target/installed-venv, with a PATH that has no cargo or rustc.
pytest_installed() {
  PATH="$PWD/target/installed-venv/bin:/usr/local/bin:/usr/bin:/bin" pytest_in installed-venv bindings/python/tests
}

# The sdist builds a wheel from source (in the workspace's target dir, so
# only our crates are compiled again).
sdist_builds() {
  rm -rf target/sdist-wheel
  CARGO_TARGET_DIR="$PWD/target" PATH="$PWD/target/python-venv/bin:$PATH" \
    target/python-venv/bin/pip wheel --quiet --disable-pip-version-check --no-build-isolation \
    --no-deps --wheel-dir target/sdist-wheel dist/chaosprometheus_wasm-*.tar.gz &&
    ls target/sdist-wheel/chaosprometheus_wasm-*.whl
}

# node --test on the Node package as npm installed it into target/node-project
# (the tests load it from there), with no Rust toolchain on PATH; running no
# test is a failure too.
node_tests() {
  local status=0 node_dir
  node_dir=$(dirname "$(command -v node)")
  (cd bindings/node && PATH="$node_dir:/usr/local/bin:/usr/bin:/bin" \
    node --test --test-reporter=tap tests/) 2>&1 | tee "$results.node" ||
    status=${PIPESTATUS[0]}
  cat "$results.node" >>"$results"
  # node's TAP ends with "# pass N" and "# fail N": one line of ours counts them.
  local summary
  summary=$(awk '/^# pass /{p=$3} /^# fail /{f=$3} END {print "node --test: " p+0 " passed, " f+0 " failed"}' \
    "$results.node")
  echo "$summary" | tee -a "$results"
  if [ "$status" -ne 0 ]; then
    return "$status"
  fi
  if [[ $summary == "node --test: 0 passed"* ]]; then
    echo "test: node --test ran no test" >&2
    return 1
  fi
}

# Where napi-derive writes the Node package's TypeScript declarations while
# compiling it (bindings/node/build.mjs reads them): set for every cargo
# command, so clippy, the workspace build and build.mjs compile it the same
# way and it is not compiled again for each.
export NAPI_TYPE_DEF_TMP_FOLDER="$PWD/target/napi-rs/typedefs"

part "formatting (cargo fmt --check)" cargo fmt --all -- --check
part "one build of wasmtime for the tests, the CLI and the bindings (cargo hakari verify)" \
  cargo hakari verify
part "lints: host crates, runner, CLI, tests (clippy -D warnings)" \
  cargo clippy --release --locked --workspace --all-targets -- -D warnings
part "lints: the guest for wasm32-wasip2 (clippy -D warnings)" \
  cargo clippy --release --locked -p chaosprometheus --lib --target wasm32-wasip2 -- -D warnings
part "guest unit tests, debug build" logged cargo test --locked -p chaosprometheus
# This also builds target/release/chaosprom-servers, the launcher the Python
# and Node tests start their servers with (tests/tests/launcher.rs runs it).
part "unit and integration tests, release build" logged cargo test --release --locked --workspace
part "packages: the wheel, the sdist, the CLI binary and the npm tarballs (scripts/package.sh, same target dir)" \
  scripts/package.sh
part "Python package: the built wheel installed offline into fresh virtualenvs" install_wheels
part "Python package tests: the real chaos run with the installed wheel, no Rust on PATH, against real servers" \
  pytest_installed
part "Python sdist: builds a wheel from source" sdist_builds
part "Node package: the npm tarballs installed offline into an empty project" \
  scripts/lib/install-npm.sh target/node-project
part "Node package tests (node --test) on the installed package, no Rust on PATH, and the bare component under jco, against real servers" \
  node_tests
part "the bare component under the wasmtime package from PyPI (wasmtime-py), against a real Prometheus" \
  pytest_in wasmtime-py-venv bindings/wasmtime-py
part "fuzzing" scripts/fuzz.sh

# One closing line: every test that ran, cargo's, pytest's and node's.
count() { # count WORD: the sum of "N WORD" over the runners' summary lines
  grep -E '^test result: |^=+ .*(passed|failed).* in [0-9.]+s|^node --test: ' "$results" |
    grep -oE "[0-9]+ $1" | awk '{ n += $1 } END { print n + 0 }'
}
echo
echo "tests: $(count passed) passed, $(count failed) failed"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "test: ${#failed[@]} part(s) failed:" >&2
  printf 'test:   %s\n' "${failed[@]}" >&2
  exit 1
fi
