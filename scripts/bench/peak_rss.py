"""`python3 peak_rss.py RUNS COMMAND...`: runs COMMAND RUNS times (stdout
discarded) and prints the largest resident set any run reached, in KiB.

For scripts/bench.sh; Python's getrusage rather than GNU time, so it needs
nothing Debian's `time` package would add. RUSAGE_CHILDREN's ru_maxrss is
the largest of every child waited for (on Linux, in KiB)."""
import resource
import subprocess
import sys

runs, command = int(sys.argv[1]), sys.argv[2:]
for _ in range(runs):
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        sys.exit(f"{command[0]} exited with {done.returncode}:\n"
                 f"{done.stderr.decode(errors='replace')}")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
