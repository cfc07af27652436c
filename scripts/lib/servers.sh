# Sourced by scripts/demo.sh and scripts/bench.sh: real servers started by
# the test harness's launcher (tests/src/bin/chaosprom-servers.rs), the one
# way the test suites start them too. Build it first:
#   cargo build --release --locked -p chaosprometheus-test-support --bins
#
#   start_servers DIR ARGS...  runs `chaosprom-servers ARGS...` (its pipes in
#     DIR) until it printed the servers' addresses, then sets prometheus_url
#     and pushgateway_url for those it started;
#   stop_servers               closes its stdin, which stops it and them, and
#     waits; they stop too when this shell exits, which closes that stdin;
#   wait_for SECONDS WHAT COMMAND...  retries COMMAND until it succeeds, for
#     what the servers do after they are ready (a scrape, a pushed run).

start_servers() {
  local dir=$1 addresses
  shift
  mkfifo "$dir/servers.in" "$dir/servers.out"
  target/release/chaosprom-servers "$@" <"$dir/servers.in" >"$dir/servers.out" &
  servers_pid=$!
  exec {servers_stdin}>"$dir/servers.in"
  if ! read -r addresses <"$dir/servers.out"; then
    echo "the servers did not start (what the launcher said is above)" >&2
    return 1
  fi
  prometheus_url=$(address prometheus "$addresses")
  pushgateway_url=$(address pushgateway "$addresses")
}

address() { # address NAME JSON: the launcher's flat {"name":"url"} line
  [[ $2 =~ \"$1\":\"([^\"]*)\" ]] && echo "${BASH_REMATCH[1]}"
}

stop_servers() {
  [ -n "${servers_pid:-}" ] || return 0
  exec {servers_stdin}>&-
  wait "$servers_pid" || true
  servers_pid=
}

wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$(basename "$0"): $what did not happen within $seconds s" >&2
      exit 1
    fi
    sleep 0.2
  done
}
