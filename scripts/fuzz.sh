#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (FUZZ_SECONDS each, default 20)
# from the seeds in fuzz/seeds, with cargo fuzz on the stable toolchain
# (sanitizer off: the targets check their own invariants). A failing input
# stops the run and is kept under fuzz/artifacts; make it a regression test.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${FUZZ_SECONDS:-20}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target"
  if ! cargo fuzz run --sanitizer none "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fuzz: $target failed (a failing input is kept in fuzz/artifacts/$target)" >&2
    exit 1
  fi
  echo "fuzz: $target: $(grep -E '^Done' "$log" | tail -1)"
done
