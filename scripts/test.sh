#!/usr/bin/env bash
# Runs every test: installs what is missing (scripts/setup.sh), builds the
# component and the host once, in release, runs the unit tests and the
# integration tests against real servers on 127.0.0.1, then each fuzz target
# for a bounded time (scripts/fuzz.sh; FUZZ_SECONDS, default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --release --locked --workspace
scripts/fuzz.sh
