#!/usr/bin/env bash
# Installs what the demo or the tests need and nothing else, only what is
# missing (safe to run again):
#   scripts/setup.sh demo   what scripts/demo.sh needs: Rust's wasm32-wasip2
#     target and the Debian packages prometheus, prometheus-pushgateway and
#     binaryen (its wasm-opt shrinks the component);
#   scripts/setup.sh [all]  what scripts/test.sh needs: those, the Debian
#     packages of the other real servers the tests start (promtool,
#     victoria-metrics, prometheus-node-exporter, tinyproxy; the tests start their own
#     on ephemeral ports, so a service a package starts is not in the way)
#     and python3, cargo-fuzz, cargo-hakari, and the environments described below: the
#     Python Chaos Toolkit with chaostoolkit-prometheus in
#     target/chaostoolkit-venv (the tests that compare with the real
#     `chaos run`), the Python package's virtualenvs, the Node package's npm
#     dev dependencies and the wasmtime package's virtualenv.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
case $mode in
  demo | all) ;;
  *)
    echo "usage: scripts/setup.sh [demo|all]" >&2
    exit 2
    ;;
esac

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  echo "setup: adding the wasm32-wasip2 Rust target"
  rustup target add wasm32-wasip2
fi

missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-pushgateway >/dev/null 2>&1 || missing+=(prometheus-pushgateway)
# binaryen's wasm-opt shrinks the component the host embeds (host-example/build.rs;
# without it the build warns and embeds the component unshrunk).
command -v wasm-opt >/dev/null 2>&1 || missing+=(binaryen)
if [ "$mode" = all ]; then
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
  command -v prometheus-node-exporter >/dev/null 2>&1 || missing+=(prometheus-node-exporter)
  # A real HTTP proxy (plain and CONNECT) for the proxy tests.
  [ -x /usr/bin/tinyproxy ] || command -v tinyproxy >/dev/null 2>&1 || missing+=(tinyproxy)
  command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The rest is for the tests only.
[ "$mode" = all ] || exit 0

# cargo fuzz, for scripts/fuzz.sh (it runs on the stable toolchain with the
# sanitizer off).
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "setup: installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi
# cargo hakari, whose workspace-hack crate makes the tests, the CLI and the
# bindings ask for the same features of what wasmtime depends on, so
# wasmtime is compiled once; scripts/test.sh checks it is up to date.
if ! command -v cargo-hakari >/dev/null 2>&1; then
  echo "setup: installing cargo-hakari"
  cargo install cargo-hakari@0.9.39 --locked --quiet
fi

# The reference implementation, at the versions the compatibility tests know.
venv=target/chaostoolkit-venv
if ! "$venv/bin/python" -c 'import chaoslib, chaosprometheus, chaosaddons, logzero, jsonpath2' >/dev/null 2>&1; then
  echo "setup: installing chaostoolkit and chaostoolkit-prometheus into $venv"
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    # Debian keeps venv's pip in a package of its own.
    rm -rf "$venv"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check \
    chaostoolkit==1.19.0 chaostoolkit-lib==1.44.0 chaostoolkit-prometheus==0.6.0 \
    chaostoolkit-addons==0.11.0 logzero==1.7.0 jsonpath2==0.4.5
fi

# The Python package's tests (bindings/python/tests): the real `chaos run`
# with our package in place of chaostoolkit-prometheus, in virtualenvs of
# their own. scripts/python-package.sh (run by scripts/test.sh) builds our
# package and installs it into them.
#   target/python-venv: Python 3.11, chaostoolkit 1.19.0 / chaostoolkit-lib
#     1.44.0 (the newest pip offers for 3.11), chaostoolkit-addons, pytest,
#     maturin and ziglang (scripts/package.sh builds the wheel with them);
#   target/python312-venv: chaostoolkit 1.21.4 / chaostoolkit-lib 1.45.1,
#     only where a Python 3.12 that actually runs is found (never required).

# The first of the given commands or paths that runs as Python X.Y.
python_that_runs() {
  local version=$1
  shift
  for candidate in "$@"; do
    if "$candidate" -c "import sys, venv; assert sys.version_info[:2] == tuple(map(int, '$version'.split('.')))" >/dev/null 2>&1; then
      command -v "$candidate" || echo "$candidate"
      return 0
    fi
  done
  return 1
}

# Interpreters pyenv has installed, for a shim that runs only when told
# which version (PYENV_VERSION) to use.
pyenv_pythons() {
  local version=$1 root
  command -v pyenv >/dev/null 2>&1 || return 0
  root=$(pyenv root 2>/dev/null) || return 0
  pyenv versions --bare 2>/dev/null | grep -E "^${version//./\\.}(\.[0-9]+)?$" | sort -rV |
    while read -r installed; do echo "$root/versions/$installed/bin/python$version"; done
}

# A virtualenv at $1 made with the Python $2 holding exactly the packages
# after it; remade only when that list changes.
python_venv() {
  local venv=$1 python=$2
  shift 2
  local wanted="$python $*"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.setup-requirements" 2>/dev/null)" = "$wanted" ]; then
    return 0
  fi
  echo "setup: installing $* into $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "$@"
  echo "$wanted" >"$venv/.setup-requirements"
}

mapfile -t py311 < <(pyenv_pythons 3.11)
if ! python311=$(python_that_runs 3.11 python3.11 python3 "${py311[@]}"); then
  echo "setup: the Python package's tests need Python 3.11 (python3.11 or python3), with venv" >&2
  exit 1
fi
python_venv target/python-venv "$python311" \
  chaostoolkit==1.19.0 chaostoolkit-lib==1.44.0 chaostoolkit-addons==0.11.0 \
  logzero==1.7.0 jsonpath2==0.4.5 pytest==9.2.0 maturin==1.16.0 ziglang==0.17.0 trustme==1.2.1

# The Node package's tests (bindings/node): napi-rs's CLI (its type-def
# generator), and jco with preview2-shim for the bare component under Node,
# at the versions package-lock.json pins, into bindings/node/node_modules.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing Debian packages: nodejs npm"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if ! (cd bindings/node && npm ls --depth=0 >/dev/null 2>&1); then
  echo "setup: installing the Node package's dev dependencies into bindings/node/node_modules"
  # `npm install --no-save` installs what package-lock.json pins; `npm ci`
  # refuses this lock (npm 11 wants other platforms' optional packages in it).
  (cd bindings/node && npm install --no-save --no-audit --no-fund --loglevel=error)
fi

# The bare component under the `wasmtime` package from PyPI (components and
# wasi:http from 50 on), in a virtualenv of its own.
python_venv target/wasmtime-py-venv "$python311" wasmtime==50.0.1 pytest==9.2.0

mapfile -t py312 < <(pyenv_pythons 3.12)
if python312=$(python_that_runs 3.12 python3.12 "${py312[@]}"); then
  python_venv target/python312-venv "$python312" \
    chaostoolkit==1.21.4 chaostoolkit-lib==1.45.1 chaostoolkit-addons==0.12.0 jsonpath2==0.4.5
else
  echo "setup: no Python 3.12 that runs; the Python package is tested with Python 3.11 only"
  rm -rf target/python312-venv target/wheelhouse-3.12
fi

# Wheelhouses: what the tests' fresh virtualenvs install beside our wheel,
# downloaded once here, so that scripts/test.sh installs the wheel offline
# (pip --no-index --find-links), as a user installs from a local wheelhouse.
wheelhouse() {
  local dir=$1 venv=$2
  shift 2
  local wanted="$*"
  if [ "$(cat "$dir/.setup-requirements" 2>/dev/null)" = "$wanted" ]; then
    return 0
  fi
  echo "setup: building the wheels of $* into $dir"
  rm -rf "$dir"
  # Wheels only (pip wheel builds those on PyPI as sdists), so nothing needs
  # building when the tests install offline.
  "$venv/bin/pip" wheel -q --disable-pip-version-check --wheel-dir "$dir" "$@"
  echo "$wanted" >"$dir/.setup-requirements"
}
wheelhouse target/wheelhouse-3.11 target/python-venv \
  chaostoolkit==1.19.0 chaostoolkit-lib==1.44.0 chaostoolkit-addons==0.11.0 \
  logzero==1.7.0 jsonpath2==0.4.5 pytest==9.2.0 trustme==1.2.1 scipy==1.17.1
if [ -x target/python312-venv/bin/pip ]; then
  wheelhouse target/wheelhouse-3.12 target/python312-venv \
    chaostoolkit==1.21.4 chaostoolkit-lib==1.45.1 chaostoolkit-addons==0.12.0 jsonpath2==0.4.5
fi
