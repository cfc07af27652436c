"""`python3 time_runs.py RUNS WARMUP JSON COMMAND...`: what scripts/bench.sh
asks of `hyperfine -N` when hyperfine is not installed. Each COMMAND is one
string, split as a shell would (no shell runs); each runs WARMUP times, then
RUNS times, timed from the fork to the exit; JSON gets hyperfine's shape
(`results[].command`, `.median`, `.times`, in seconds). A failing run ends it."""
import json
import shlex
import statistics
import subprocess
import sys
import time

runs, warmup, export, commands = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
results = []
for command in commands:
    argv = shlex.split(command)
    times = []
    for number in range(warmup + runs):
        started = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"{command!r} exited with {done.returncode}:\n"
                     f"{done.stderr.decode(errors='replace')}")
        if number >= warmup:
            times.append(elapsed)
    results.append({"command": command, "median": statistics.median(times), "times": times})
with open(export, "w") as out:
    json.dump({"results": results}, out)
