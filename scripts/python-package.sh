#!/usr/bin/env bash
# Builds the Python package chaosprometheus-wasm from bindings/python with
# pip (its maturin backend; the release profile and the workspace's target
# dir, so what `cargo test --release --workspace` built, wasmtime first, is
# reused) and installs the wheel into the virtualenvs scripts/setup.sh made
# for its tests. Quick when nothing changed: cargo finds everything fresh.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/python-venv
if [ ! -x "$venv/bin/maturin" ]; then
  echo "python-package: $venv has no maturin; run scripts/setup.sh first" >&2
  exit 1
fi

wheels=target/wheels
rm -f "$wheels"/chaosprometheus_wasm-*.whl
# pip runs the backend's `maturin` command from PATH; no build isolation, so
# it needs nothing from the network.
PATH="$PWD/$venv/bin:$PATH" "$venv/bin/pip" wheel --quiet --disable-pip-version-check \
  --no-build-isolation --no-deps --wheel-dir "$wheels" ./bindings/python
wheel=$(ls "$wheels"/chaosprometheus_wasm-*.whl)

# One abi3 wheel serves every Python from 3.11 on.
for target in target/python-venv target/python312-venv; do
  [ -x "$target/bin/pip" ] || continue
  "$target/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
  echo "python-package: installed $(basename "$wheel") into $target"
done
