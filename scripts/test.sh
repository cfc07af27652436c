#!/usr/bin/env bash
# Runs every test: installs what is missing (scripts/setup.sh), builds the
# component and the host once, in release, and runs the unit tests and the
# integration tests against real Prometheus servers on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --release --locked --workspace
