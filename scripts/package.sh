#!/usr/bin/env bash
# Builds what users install, into dist/:
#   scripts/package.sh python  the wheel chaosprometheus_wasm-VERSION-cp311-abi3-
#                              manylinux2014_x86_64 (one wheel for every CPython
#                              from 3.11; maturin checks it against the
#                              manylinux2014 rules) and the sdist it builds from
#   scripts/package.sh cli     chaosprom-VERSION-x86_64-linux-gnu, the one-file
#                              CLI with the component built in, and its .sha256
#   scripts/package.sh         both
# The libraries and the binary are linked by scripts/lib/zig-linker against
# glibc 2.17, so they run on any x86_64 Linux from 2014 on. Everything is
# built with the release profile in the workspace's target dir: what `cargo
# test --release --workspace` compiled, wasmtime first, is reused, and only
# the final link is done again. Needs scripts/setup.sh (maturin and zig).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/python-venv
if [ ! -x "$venv/bin/maturin" ] || ! "$venv/bin/python" -c 'import ziglang' 2>/dev/null; then
  echo "package: $venv has no maturin or ziglang; run scripts/setup.sh first" >&2
  exit 1
fi
linker="$PWD/scripts/lib/zig-linker"
version=$(cargo pkgid --quiet -p chaosprometheus-cli | sed 's/.*@//')
mkdir -p dist

python_package() {
  rm -f dist/chaosprometheus_wasm-*
  PATH="$PWD/$venv/bin:$PATH" "$venv/bin/maturin" build --quiet --release --locked \
    --manifest-path bindings/python/Cargo.toml --compatibility manylinux2014 --out dist \
    -- -C "linker=$linker"
  PATH="$PWD/$venv/bin:$PATH" "$venv/bin/maturin" sdist \
    --manifest-path bindings/python/Cargo.toml --out dist
  ls dist/chaosprometheus_wasm-"$version"-*.whl dist/chaosprometheus_wasm-"$version".tar.gz
}

cli_binary() {
  local name="chaosprom-$version-x86_64-linux-gnu"
  cargo rustc --quiet --release --locked -p chaosprometheus-cli --bin chaosprom -- -C "linker=$linker"
  cp target/release/chaosprom "dist/$name"
  (cd dist && sha256sum "$name" >"$name.sha256")
  echo "dist/$name"
  echo "dist/$name.sha256"
}

case "${1:-all}" in
  python) python_package ;;
  cli) cli_binary ;;
  all) python_package && cli_binary ;;
  *)
    echo "usage: scripts/package.sh [python|cli]" >&2
    exit 2
    ;;
esac
