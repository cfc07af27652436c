#!/usr/bin/env bash
# Installs what the demo and the tests need and nothing else: Rust's
# wasm32-wasip2 target; the Debian packages of the real servers the tests
# start (prometheus, with promtool, and prometheus-pushgateway); and, for
# the tests that compare `chaosprom run` with the real `chaos run`, the
# Python Chaos Toolkit with chaostoolkit-prometheus in target/chaostoolkit-venv;
# and cargo-fuzz.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  echo "setup: adding the wasm32-wasip2 Rust target"
  rustup target add wasm32-wasip2
fi

missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-pushgateway >/dev/null 2>&1 || missing+=(prometheus-pushgateway)
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# cargo fuzz, for scripts/fuzz.sh (it runs on the stable toolchain with the
# sanitizer off).
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "setup: installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi

# The reference implementation, at the versions the compatibility tests know.
venv=target/chaostoolkit-venv
if ! "$venv/bin/python" -c 'import chaoslib, chaosprometheus, logzero, jsonpath2' >/dev/null 2>&1; then
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
    logzero==1.7.0 jsonpath2==0.4.5
fi
