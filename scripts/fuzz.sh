#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (FUZZ_SECONDS each, default 20)
# from the seeds in fuzz/seeds, with cargo fuzz on the stable toolchain
# (sanitizer off: the targets check their own invariants). A crash stops
# with the input under fuzz/artifacts; make it a regression test.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${FUZZ_SECONDS:-20}
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target"
  echo "fuzz: $target for ${seconds}s"
  cargo fuzz run --sanitizer none "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 2>&1 | grep -E "^(Done|stat::number_of_executed_units)|panicked|ERROR|SUMMARY" || true
  if [ -n "$(ls -A artifacts/"$target" 2>/dev/null)" ]; then
    echo "fuzz: $target found a failing input in fuzz/artifacts/$target" >&2
    exit 1
  fi
done
