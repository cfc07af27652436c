#!/usr/bin/env bash
# The main job, end to end: starts a real Prometheus on 127.0.0.1 (a free
# port, a temp dir), runs PromQL through the sandboxed component with the
# chaosprom CLI, prints what comes back, and stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "demo: building chaosprom (the first build takes several minutes)"
cargo build --release --locked --quiet -p chaosprometheus-host
chaosprom="$PWD/target/release/chaosprom"

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

wait_for() { # wait_for WHAT COMMAND...: retries for 30 s
  local what=$1
  shift
  for _ in $(seq 1 150); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "demo: $what did not come up; its log:" >&2
  cat "$work"/*.log >&2
  exit 1
}

prom_port=$(free_port)
cat >"$work/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ['127.0.0.1:$prom_port']}]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=($!)
export CHAOSPROM_PROMETHEUS_URL="http://127.0.0.1:$prom_port"
export CHAOSPROM_CACHE_DIR="$work/cache"
wait_for "Prometheus" "$chaosprom" query-value 'up{job="prometheus"}'

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
show query 'up{'
show query up --when '2 mns ago'
show --prometheus-url http://127.0.0.1:1 query up
echo
echo "demo: done; stopping Prometheus."
