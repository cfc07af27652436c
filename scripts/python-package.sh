#!/usr/bin/env bash
# Builds the wheel (scripts/package.sh python) and installs it into the
# virtualenvs scripts/setup.sh made, for the benchmarks (scripts/bench.sh)
# and trying things by hand. The tests install it into fresh ones
# (scripts/lib/install-wheel.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/package.sh python >/dev/null
wheel=$(ls dist/chaosprometheus_wasm-*-manylinux*.whl)
for target in target/python-venv target/python312-venv; do
  [ -x "$target/bin/pip" ] || continue
  "$target/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
  echo "python-package: installed $(basename "$wheel") into $target"
done
