#!/usr/bin/env bash
# The main job, end to end: starts a real Prometheus and a real Pushgateway
# on 127.0.0.1 (free ports, temp dirs; the tests' launcher starts them),
# runs PromQL through the sandboxed component with the chaosprom CLI,
# records an experiment run in the Pushgateway and reads it back through
# Prometheus, then stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh demo

echo "demo: building chaosprom and the servers' launcher (the first build takes several minutes)"
# One build of both: the same features, so the host library is built once.
cargo build --release --locked --quiet -p chaosprometheus-cli -p chaosprometheus-test-support --bins
chaosprom="$PWD/target/release/chaosprom"
source scripts/lib/servers.sh

work=$(mktemp -d)
cleanup() {
  stop_servers
  rm -rf "$work"
}
trap cleanup EXIT

# Prometheus scrapes itself and the Pushgateway every second.
start_servers "$work" --prometheus --pushgateway
export CHAOSPROM_PROMETHEUS_URL="$prometheus_url"
export CHAOSPROM_CACHE_DIR="$work/cache"
wait_for 30 "Prometheus's first scrape" "$chaosprom" query-value 'up{job="prometheus"}'

quoted() { # the arguments as a person would type them
  local out=() arg
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:=@-]+$ ]]; then out+=("$arg"); else out+=("'${arg//\'/\'\\\'\'}'"); fi
  done
  echo "${out[*]}"
}

show() {
  echo
  echo "\$ chaosprom $(quoted "$@")"
  "$chaosprom" "$@" || echo "(exit status $?)"
}

echo
echo "demo: Prometheus is up at $CHAOSPROM_PROMETHEUS_URL; every command below runs the"
echo "      probe in a fresh sandboxed WebAssembly instance that can reach only that address."
show query 'up{job="prometheus"}'
show query-value 'up{job="prometheus"}'
show query-value 'time()' --when '2026-11-22T08:30:00Z'
show query-range 'up{job="prometheus"}' --start '10s ago' --end now --step 5s
show compute-mean 'up{job="prometheus"}' --window 10s --step 1s --kind harmonic
show query 'up{'
show query up --when '2 mns ago'
show query up --prometheus-url http://127.0.0.1:1

export CHAOSPROM_PUSHGATEWAY_URL="$pushgateway_url"
echo
echo "demo: the control records experiment runs in the Pushgateway at $CHAOSPROM_PUSHGATEWAY_URL,"
echo "      as chaosprometheus.metrics does; Prometheus scrapes it every second."
cat >"$work/experiment.json" <<'JSON'
{"title": "Prometheus self-scrape is up", "description": "demo", "method": []}
JSON
show push-run --experiment "$work/experiment.json" --status completed --duration 1.5 --keep-runs
show push-run --experiment "$work/experiment.json" --status failed --duration 0.8 --deviated --keep-runs
wait_for 30 "the pushed runs in Prometheus" "$chaosprom" query-value \
  'count(chaostoolkit_experiment_duration) == 2'
show query-value 'sum(chaostoolkit_deviated_experiment_total)'
show query 'chaostoolkit_experiment_status == 1'

echo
echo "demo: an existing Chaos Toolkit experiment file, run unchanged: its Prometheus probes and its"
echo "      chaosprometheus.metrics control go through the component; the journal is Chaos Toolkit's."
sed -e "s#@PROMETHEUS_URL@#$CHAOSPROM_PROMETHEUS_URL#g; s#@PUSHGATEWAY_URL@#$CHAOSPROM_PUSHGATEWAY_URL#g" \
  tests/experiments/prometheus-up.json >"$work/prometheus-up.json"
show run "$work/prometheus-up.json" --journal-path "$work/journal.json"
echo
echo "demo: the journal's verdict:"
grep -E '^  "(status|deviated|duration)"' "$work/journal.json"
echo
echo "demo: done; stopping Prometheus and the Pushgateway."
