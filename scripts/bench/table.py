"""`python3 table.py RESULTS_DIR`: the table scripts/bench.sh prints, from
the figures it left in RESULTS_DIR:

- NAME.time.json: hyperfine's (or time_runs.py's) export for one command;
- NAME.rss: that command's peak resident set, in KiB (peak_rss.py);
- rust.json, python.json, node.json: the in-process benches' --json lines;
- about.json: what the header and the notes say (counts, timer, sizes,
  versions, load averages)."""
import json
import sys
import textwrap
from pathlib import Path

results = Path(sys.argv[1])
about = json.loads((results / "about.json").read_text())


def process(name):
    """(median seconds, peak MiB) of a timed command."""
    timed = json.loads((results / f"{name}.time.json").read_text())["results"][0]
    return timed["median"], int((results / f"{name}.rss").read_text()) / 1024


def in_process(name, *keys):
    """(median seconds, peak MiB) from an in-process bench's JSON."""
    figures = json.loads((results / f"{name}.json").read_text())
    for key in keys:
        figures = figures[key]
    return figures["query_s" if "query_s" in figures else "query"], figures.get(
        "peak_rss_mib", figures.get("peak_mib"))


def duration(seconds):
    ms = seconds * 1000
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def ratio(ours, reference):
    value = ours / reference
    return f"{value:.3f}" if value < 0.1 else f"{value:.2f}"


upstream_call = in_process("python", "upstream")
rows = [
    ("`query` process: chaosprom vs curl", process("process-chaosprom"), process("process-curl")),
    ("`query` process: chaosprom vs upstream, python -c", process("process-chaosprom"),
     process("process-upstream")),
    ("`query` process: our package vs upstream, python -c", process("process-ours-python"),
     process("process-upstream")),
    ("`query` in process: Rust host vs upstream", in_process("rust"), upstream_call),
    ("`query` in process: Python package vs upstream", in_process("python", "ours"), upstream_call),
    ("`query` in process: Node package vs upstream", in_process("node"), upstream_call),
    ("experiment: chaosprom run vs chaos run, upstream", process("run-chaosprom"),
     process("run-upstream")),
    ("experiment: chaos run, our package vs upstream", process("run-ours"),
     process("run-upstream")),
]

header = ("what (ours vs reference)", "ours", "reference", "ratio", "peak RSS ours",
          "peak RSS reference")
lines = [header] + [
    (what, duration(ours[0]), duration(reference[0]), ratio(ours[0], reference[0]),
     f"{ours[1]:.1f} MiB", f"{reference[1]:.1f} MiB")
    for what, ours, reference in rows
]
widths = [max(len(line[column]) for line in lines) for column in range(len(header))]

cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")), "unknown CPU")
print(f"chaosprometheus speed, {about['date']}: {about['nproc']} cores ({cpu}), "
      f"load average {about['load_before']} before, {about['load_after']} after; "
      f"component chaosprometheus.wasm {about['component_kib']} KiB")
print()
for number, line in enumerate(lines):
    cells = [line[0].ljust(widths[0])]
    cells += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:])]
    print("  ".join(cells))
    if number == 0:
        print("  ".join("-" * width for width in widths))
print()
notes = (
    f"notes: medians; whole processes: {about['runs']} runs each after 2 warm-ups "
    f"({about['timer']}), `query` {about['query']} on Prometheus {about['prometheus']} at "
    f"127.0.0.1, compiled component cached; in process: {about['calls']} calls after a warm-up, a "
    f"fresh instance per call for ours (Node {about['node']}, Python {about['python']}); "
    f"experiment: {about['experiment_runs']} runs after 1 warm-up of "
    f"tests/experiments/prometheus-up.json (a hypothesis probe before and after, a method probe, "
    f"the Pushgateway control); ratio = ours / reference; peak RSS: the largest of "
    f"{about['rss_runs']} more runs of the process (in process: of the benchmarking process); "
    f"upstream = chaostoolkit-prometheus {about['upstream']}, chaostoolkit {about['chaostoolkit']}."
)
print(textwrap.fill(notes, width=110, subsequent_indent="       "))
