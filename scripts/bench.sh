#!/usr/bin/env bash
# What a probe costs, ours next to what it replaces, in one table measured in
# one run on this machine: a real Prometheus and Pushgateway on 127.0.0.1
# (free ports, temp dirs, stopped on exit; the tests' launcher starts them); a whole `chaosprom query`
# process next to curl's same GET and the Python extension's probe in a
# fresh interpreter; one `query` in process from the Rust host, our Python
# and Node packages next to the Python extension's; `chaosprom run` and
# `chaos run` (with upstream's module, then ours) on the same experiment;
# and the peak memory of each. Prints figures, asserts nothing.
#
#   BENCH_RUNS             runs of each whole process (default 20)
#   BENCH_CALLS            in-process calls per host (default 200)
#   BENCH_EXPERIMENT_RUNS  runs of each experiment runner (default 10)
#
# Builds what is missing or stale first, with the scripts a newcomer runs
# (scripts/setup.sh, scripts/python-package.sh, cargo, scripts/package.sh
# node and scripts/lib/install-npm.sh). Times whole processes with hyperfine when it is installed
# (apt-get install hyperfine), else with a Python loop. Progress goes to
# stderr, the table to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${BENCH_RUNS:-20}
calls=${BENCH_CALLS:-200}
experiment_runs=${BENCH_EXPERIMENT_RUNS:-10}
query=up
rss_runs=3

say() { echo "bench: $*" >&2; }

if ! command -v curl >/dev/null 2>&1; then
  say "curl is missing (it is the reference for a whole process): apt-get install curl"
  exit 1
fi

say "installing what is missing (scripts/setup.sh)"
scripts/setup.sh >&2
# As scripts/test.sh: every cargo command compiles the Node addon the same way.
export NAPI_TYPE_DEF_TMP_FOLDER="$root/target/napi-rs/typedefs"
say "building chaosprom, the servers' launcher, the Rust bench, the Python and Node packages (release; quick when fresh)"
cargo build --release --locked --quiet -p chaosprometheus-cli -p chaosprometheus-test-support --bins
# The bench profile is release's: the same target dir, wasmtime built once.
# Its path, so it runs below without waiting for cargo's lock on others' builds.
rust_bench=$(cargo bench --locked --quiet -p chaosprometheus-cli --bench probes --no-run \
  --message-format=json-render-diagnostics | python3 -c 'import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message["target"]["name"] == "probes":
        print(message["executable"])')
: "${rust_bench:?cargo bench built no probes binary}"
scripts/python-package.sh >&2
# The Node bench loads the package as npm installs it (tests/support/package.mjs).
scripts/package.sh node >&2
scripts/lib/install-npm.sh target/node-project >&2
chaosprom="$root/target/release/chaosprom"
component="$root/target/guest/chaosprometheus.wasm"

work=$(mktemp -d)
results="$work/results"
mkdir "$results"
source scripts/lib/servers.sh
cleanup() {
  stop_servers
  rm -rf "$work"
}
trap cleanup EXIT

say "starting Prometheus and the Pushgateway"
# Prometheus scrapes itself and the Pushgateway every second.
start_servers "$work" --prometheus --pushgateway
prom_url=$prometheus_url
gateway_url=$pushgateway_url
# One compiled-component cache for every host here, as the benches' own
# default (bindings/python/bench.py, the test harness): kept between runs.
export CHAOSPROM_CACHE_DIR="$root/target/release/component-cache"
say "Prometheus is at $prom_url, the Pushgateway at $gateway_url"
# The experiment's steady state wants Prometheus's own target up; this also
# fills the component cache, so no timed run compiles it.
wait_for 60 "Prometheus's first scrape" "$chaosprom" query-value --prometheus-url "$prom_url" 'up{job="prometheus"}'

if command -v hyperfine >/dev/null 2>&1; then
  timer="hyperfine -N $(hyperfine --version | cut -d' ' -f2)"
else
  timer="a Python loop (hyperfine is not installed: apt-get install hyperfine)"
fi

measure() { # measure NAME RUNS WARMUP COMMAND...: NAME.time.json and NAME.rss in $results
  local name=$1 count=$2 warmup=$3
  shift 3
  local line status=0
  line=$(printf '%q ' "$@")
  if [[ $timer == hyperfine* ]]; then
    hyperfine -N --runs "$count" --warmup "$warmup" --export-json "$results/$name.time.json" \
      "$line" >>"$work/hyperfine.log" 2>&1 || status=$?
  else
    python3 "$root/scripts/bench/time_runs.py" "$count" "$warmup" "$results/$name.time.json" \
      "$line" 2>/dev/null || status=$?
  fi
  if [ "$status" -ne 0 ]; then
    say "$name failed: $line"
    say "once more, with its output:"
    "$@" >&2 || true
    exit 1
  fi
  python3 "$root/scripts/bench/peak_rss.py" "$rss_runs" "$@" >"$results/$name.rss"
}

cd "$work"
measuring_since=$SECONDS
# Other work on the machine moves every figure: the table says how busy it was.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "whole processes: chaosprom, curl, the probe in a fresh Python ($runs runs each)"
# One line: hyperfine -N splits its command as a shell would, but knows no $'...'.
probe_once='import json, sys; from chaosprometheus.probes import query; '
probe_once+='print(json.dumps(query(sys.argv[1], configuration={"prometheus_base_url": sys.argv[2]})))'
measure process-chaosprom "$runs" 2 "$chaosprom" query --prometheus-url "$prom_url" "$query"
measure process-curl "$runs" 2 curl -sSf "$prom_url/api/v1/query?query=$query"
measure process-upstream "$runs" 2 \
  "$root/target/chaostoolkit-venv/bin/python" -c "$probe_once" "$query" "$prom_url"
measure process-ours-python "$runs" 2 \
  "$root/target/python-venv/bin/python" -c "$probe_once" "$query" "$prom_url"

say "in process: the Rust host, our Python and Node packages, upstream's ($calls calls each)"
"$rust_bench" --json --url "$prom_url" --query "$query" --calls "$calls" | tail -n 1 >"$results/rust.json"
"$root/target/python-venv/bin/python" "$root/bindings/python/bench.py" \
  --json --url "$prom_url" --query "$query" --calls "$calls" | tail -n 1 >"$results/python.json"
node "$root/bindings/node/bench.mjs" \
  --json --url "$prom_url" --query "$query" --calls "$calls" | tail -n 1 >"$results/node.json"

say "experiment: chaosprom run, chaos run with upstream's and with ours ($experiment_runs runs each)"
sed -e "s#@PROMETHEUS_URL@#$prom_url#g; s#@PUSHGATEWAY_URL@#$gateway_url#g" \
  "$root/tests/experiments/prometheus-up.json" >"$work/prometheus-up.json"
# An empty settings file (no user settings), no version check, no log file.
: >"$work/settings.yaml"
chaos=(--no-version-check --no-log-file --settings "$work/settings.yaml" run)
# Each exits non-zero unless the run completed without deviating, which
# ends the bench: a failed run's time would mean nothing.
measure run-chaosprom "$experiment_runs" 1 \
  "$chaosprom" run "$work/prometheus-up.json" --journal-path "$work/journal-chaosprom.json"
measure run-upstream "$experiment_runs" 1 "$root/target/chaostoolkit-venv/bin/chaos" "${chaos[@]}" \
  --journal-path "$work/journal-upstream.json" "$work/prometheus-up.json"
measure run-ours "$experiment_runs" 1 "$root/target/python-venv/bin/chaos" "${chaos[@]}" \
  --journal-path "$work/journal-ours.json" "$work/prometheus-up.json"
# The same activities to the same verdict in each, or the times compare nothing.
python3 - "$work"/journal-{chaosprom,upstream,ours}.json <<'PY'
import json, sys

def outline(path):
    journal = json.load(open(path))
    hypothesis = {when: [probe["activity"]["name"] for probe in run.get("probes", [])]
                  for when, run in journal["steady_states"].items() if run}
    method = [activity["activity"]["name"] for activity in journal["run"]]
    return journal["status"], journal["deviated"], hypothesis, method

outlines = {path: outline(path) for path in sys.argv[1:]}
if len({repr(outline) for outline in outlines.values()}) != 1:
    sys.exit("bench: the runners did different work:\n"
             + "\n".join(f"{path}: {outline}" for path, outline in outlines.items()))
PY

about() { # about KEY VALUE...: about.json
  python3 -c 'import json, sys; print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]))))' "$@"
}
about \
  date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  nproc "$(nproc)" \
  load_before "$load_before" \
  load_after "$(cut -d' ' -f1-3 /proc/loadavg)" \
  component_kib "$(($(stat -c %s "$component") / 1024))" \
  runs "$runs" calls "$calls" experiment_runs "$experiment_runs" rss_runs "$rss_runs" \
  timer "$timer" query "$query" \
  prometheus "$(prometheus --version 2>&1 | awk 'NR == 1 {print $3}')" \
  node "$(node --version)" \
  python "$("$root/target/python-venv/bin/python" -c 'import platform; print(platform.python_version())')" \
  upstream "$("$root/target/chaostoolkit-venv/bin/python" -c \
    'import importlib.metadata as m; print(m.version("chaostoolkit-prometheus"))')" \
  chaostoolkit "$("$root/target/chaostoolkit-venv/bin/python" -c \
    'import importlib.metadata as m; print(m.version("chaostoolkit"))')" \
  >"$results/about.json"
say "measured in $((SECONDS - measuring_since)) s"
python3 "$root/scripts/bench/table.py" "$results"
