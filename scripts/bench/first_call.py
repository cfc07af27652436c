"""The install and first-call figures of scripts/bench-install.sh: each
command run RUNS times in a fresh process, after its `prepare` (which is not
timed), and the median printed beside the others. Prints figures, asserts
nothing; a command that fails ends the bench with its output.

    first_call.py SPEC.json   # {"runs": N, "rows": [{"name", "cmd", "prepare"?, "env"?, "cwd"?}]}
"""
import json
import os
import statistics
import subprocess
import sys
import time


def run(row, runs):
    env = {**os.environ, **row.get("env", {})}
    times = []
    for _ in range(runs):
        if "prepare" in row:
            subprocess.run(row["prepare"], shell=True, check=True, env=env)
        started = time.perf_counter()
        done = subprocess.run(row["cmd"], env=env, cwd=row.get("cwd"), capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"bench: {row['name']} failed:\n{done.stdout}{done.stderr}")
        times.append(elapsed)
    return statistics.median(times), min(times), max(times)


def main():
    spec = json.load(open(sys.argv[1]))
    runs = spec["runs"]
    for heading, lines in spec.get("sizes", {}).items():
        print(f"\n{heading}")
        for name, path in lines:
            print(f"  {name:<66} {os.path.getsize(path) / 1e6:8.2f} MB")
    print(f"\nmedian of {runs} runs (min-max), each in a fresh process")
    for row in spec["rows"]:
        if row.get("heading"):
            print(f"\n{row['heading']}")
            continue
        median, low, high = run(row, row.get("runs", runs))
        print(f"  {row['name']:<66} {median * 1000:8.0f} ms  ({low * 1000:.0f}-{high * 1000:.0f})")


if __name__ == "__main__":
    main()
