#!/usr/bin/env bash
# Builds what users install, into dist/:
#   scripts/package.sh python  the wheel chaosprometheus_wasm-VERSION-cp311-abi3-
#                              manylinux2014_x86_64 (one wheel for every CPython
#                              from 3.11; maturin checks it against the
#                              manylinux2014 rules) and the sdist it builds from
#   scripts/package.sh cli     chaosprom-VERSION-x86_64-linux-gnu, the one-file
#                              CLI with the component built in, and its .sha256
#   scripts/package.sh node    the npm tarballs chaosprometheus-VERSION.tgz (the
#                              JavaScript, the loader, the declarations) and
#                              chaosprometheus-linux-x64-gnu-VERSION.tgz (the
#                              addon), which npm installs beside it on Linux x86_64
#   scripts/package.sh         all three
# The wheel and the platform package carry the component compiled ahead of
# time for any x86_64 CPU (the host's `precompile` example), beside their
# native library, so the first call in a process does not compile it.
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

# precompile DIR: the embedded component compiled ahead of time, into DIR,
# in place of any earlier build's.
precompile() {
  rm -f "$1"/chaosprometheus-*.cwasm
  cargo run --quiet --release --locked -p chaosprometheus-host --example precompile -- "$1" >/dev/null
}

python_package() {
  rm -f dist/chaosprometheus_wasm-*
  precompile bindings/python/python/chaosprometheus
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

node_packages() {
  rm -f dist/chaosprometheus-[0-9]*.tgz dist/chaosprometheus-linux-x64-gnu-*.tgz
  (cd bindings/node && node build.mjs)
  precompile bindings/node/npm/linux-x64-gnu
  for dir in bindings/node bindings/node/npm/linux-x64-gnu; do
    npm pack --silent --pack-destination dist "./$dir" >/dev/null
  done
  ls dist/chaosprometheus-"$version".tgz dist/chaosprometheus-linux-x64-gnu-"$version".tgz
}

case "${1:-all}" in
  python) python_package ;;
  cli) cli_binary ;;
  node) node_packages ;;
  all) python_package && cli_binary && node_packages ;;
  *)
    echo "usage: scripts/package.sh [python|cli|node]" >&2
    exit 2
    ;;
esac
