#!/usr/bin/env bash
# What installing costs and what the first call in a fresh process costs,
# ours beside the Python extension's, measured in one run on this machine
# (docs/speed.md shows one): the sizes of what scripts/package.sh builds;
# `pip install` of our wheel and of upstream's chaostoolkit-prometheus into
# a fresh virtualenv, offline from a local wheelhouse; `npm install` of our
# tarballs into an empty project, offline; and one `query` in a fresh
# process from Python, Node and the CLI, with the shipped precompiled
# component, without it (compiled: a machine's first call) and from the
# cache, beside upstream's probe and curl, against a real Prometheus on
# 127.0.0.1. Prints figures, asserts nothing.
#
#   BENCH_RUNS  runs of each (default 10)
#
# Builds what is missing first (scripts/setup.sh, scripts/package.sh); the
# wheelhouse of upstream's package is filled from PyPI on the first run
# (target/wheelhouse-upstream). Progress goes to stderr, the table to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${BENCH_RUNS:-10}
say() { echo "bench-install: $*" >&2; }

say "installing what is missing (scripts/setup.sh), building dist/ (scripts/package.sh)"
scripts/setup.sh >&2
export NAPI_TYPE_DEF_TMP_FOLDER="$root/target/napi-rs/typedefs"
cargo build --release --locked --quiet -p chaosprometheus-test-support --bins
scripts/package.sh >&2
version=$(cargo pkgid --quiet -p chaosprometheus-cli | sed 's/.*@//')
wheel=$(ls dist/chaosprometheus_wasm-"$version"-*manylinux*.whl)
cli=$root/dist/chaosprom-$version-x86_64-linux-gnu
python=$(target/python-venv/bin/python -c 'import sys; print(sys._base_executable)')
upstream_house=target/wheelhouse-upstream
if [ ! -f "$upstream_house/.complete" ]; then
  say "filling $upstream_house with chaostoolkit-prometheus 0.6.0 and its dependencies (PyPI)"
  target/python-venv/bin/pip wheel --quiet --disable-pip-version-check \
    --wheel-dir "$upstream_house" chaostoolkit-prometheus==0.6.0 chaostoolkit==1.19.0
  touch "$upstream_house/.complete"
fi

work=$(mktemp -d)
source scripts/lib/servers.sh
cleanup() {
  stop_servers
  rm -rf "$work"
}
trap cleanup EXIT
start_servers "$work" --prometheus --pushgateway
say "Prometheus is at $prometheus_url"

say "the packages under test, installed once"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-index \
  --find-links target/wheelhouse-3.11 "$wheel" chaostoolkit==1.19.0
scripts/lib/install-npm.sh "$work/node" >&2
site=$("$work/venv/bin/python" -c 'import chaosprometheus, os; print(os.path.dirname(chaosprometheus.__file__))')
py_cwasm=$(ls "$site"/chaosprometheus-*.cwasm)
node_cwasm=$(ls "$work"/node/node_modules/chaosprometheus-linux-x64-gnu/chaosprometheus-*.cwasm)

probe='import sys; from chaosprometheus.probes import query; '
probe+='query("vector(1)", configuration={"prometheus_base_url": sys.argv[1]})'
node_probe="const { PrometheusProbes } = require('chaosprometheus');
new PrometheusProbes({ baseUrl: process.argv[1] }).query('vector(1)')
  .catch((error) => { console.error(error); process.exit(1) })"
cache=$work/cache
fresh_cache="rm -rf $cache"
hide() { echo "rm -rf $cache; if [ -e $1 ]; then mv $1 $1.off; fi"; }
show() { echo "rm -rf $cache; if [ -e $1.off ]; then mv $1.off $1; fi"; }

python3 - "$work/spec.json" <<PY
import json, sys
q = "$prometheus_url"
env = {"CHAOSPROM_CACHE_DIR": "$cache"}
rows = [
    {"heading": "installing, offline from a local wheelhouse or the tarballs, into a fresh virtualenv or project"},
    {"name": "pip install chaosprometheus-wasm (ours)", "runs": 3,
     "prepare": "rm -rf $work/v && $python -m venv $work/v",
     "cmd": ["$work/v/bin/pip", "install", "--quiet", "--disable-pip-version-check", "--no-index",
             "--find-links", "$root/target/wheelhouse-3.11", "$wheel"]},
    {"name": "pip install chaostoolkit-prometheus 0.6.0 (upstream)", "runs": 3,
     "prepare": "rm -rf $work/v && $python -m venv $work/v",
     "cmd": ["$work/v/bin/pip", "install", "--quiet", "--disable-pip-version-check", "--no-index",
             "--find-links", "$root/$upstream_house", "chaostoolkit-prometheus==0.6.0"]},
    {"name": "npm install chaosprometheus (ours, both tarballs)", "runs": 3,
     "cmd": ["$root/scripts/lib/install-npm.sh", "$work/n"]},
    {"heading": "one query in a fresh process (the process's whole life)"},
    {"name": "Python, ours: precompiled component shipped in the wheel", "env": env,
     "prepare": "$(show "$py_cwasm")", "cmd": ["$work/venv/bin/python", "-c", '''$probe''', q]},
    {"name": "Python, ours: without it, compiled (a machine's first call)", "env": env,
     "prepare": "$(hide "$py_cwasm")", "cmd": ["$work/venv/bin/python", "-c", '''$probe''', q]},
    {"name": "Python, ours: without it, from the cache (every later call)", "env": env,
     "cmd": ["$work/venv/bin/python", "-c", '''$probe''', q]},
    {"name": "Python, upstream chaostoolkit-prometheus 0.6.0",
     "cmd": ["$root/target/chaostoolkit-venv/bin/python", "-c", '''$probe''', q]},
    {"name": "Node, ours: precompiled component shipped in the platform package", "env": env,
     "prepare": "$(show "$node_cwasm")", "cwd": "$work/node", "cmd": ["node", "-e", '''$node_probe''', q]},
    {"name": "Node, ours: without it, compiled", "env": env,
     "prepare": "$(hide "$node_cwasm")", "cwd": "$work/node", "cmd": ["node", "-e", '''$node_probe''', q]},
    {"name": "Node, ours: without it, from the cache", "env": env,
     "cwd": "$work/node", "cmd": ["node", "-e", '''$node_probe''', q]},
    {"name": "CLI: compiled (a machine's first call)", "env": env, "prepare": "$fresh_cache",
     "cmd": ["$cli", "--prometheus-url", q, "query", "vector(1)"]},
    {"name": "CLI: from the cache", "env": env,
     "cmd": ["$cli", "--prometheus-url", q, "query", "vector(1)"]},
    {"name": "curl, the same GET", "cmd": ["curl", "-sSf", q + "/api/v1/query?query=vector(1)"]},
]
sizes = {"what users download": [
    ["wheel " + "$(basename "$wheel")"[:40] + "...", "$wheel"],
    ["sdist", "$root/dist/chaosprometheus_wasm-$version.tar.gz"],
    ["npm chaosprometheus-$version.tgz", "$root/dist/chaosprometheus-$version.tgz"],
    ["npm chaosprometheus-linux-x64-gnu-$version.tgz", "$root/dist/chaosprometheus-linux-x64-gnu-$version.tgz"],
    ["CLI binary chaosprom-$version-x86_64-linux-gnu", "$cli"],
], "inside them": [
    ["the precompiled component (.cwasm)", "$py_cwasm"],
    ["the component (.wasm) built into each library", "$root/target/guest/chaosprometheus.wasm"],
]}
json.dump({"runs": $runs, "rows": rows, "sizes": sizes}, open(sys.argv[1], "w"))
PY
echo "measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$root/scripts/bench/first_call.py" "$work/spec.json"
