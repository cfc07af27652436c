//! `cargo bench -p chaosprometheus-cli`: what a probe costs, measured
//! against a real Prometheus on 127.0.0.1, next to curl doing the same GET.
//! Read the figures against the Python extension's in docs/speed.md.
//!
//! After `--`: `--url URL` measures that Prometheus instead of starting one,
//! `--query PROMQL` and `--calls N` change what is measured, and `--json`
//! prints only the in-process medians and the peak memory as one JSON line
//! (what `scripts/bench.sh` puts in its table; it times whole processes
//! itself, with hyperfine).

use std::process::Command;
use std::time::{Duration, Instant};

use chaosprometheus_host::{InstantQuery, RangeQuery};
use harness::servers::Prometheus;

const PROCESSES: usize = 50;

struct Options {
    url: Option<String>,
    query: String,
    calls: usize,
    json: bool,
}

impl Options {
    fn from_args() -> Options {
        let mut options = Options {
            url: None,
            query: "up{job=\"prometheus\"}".into(),
            calls: 500,
            json: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
            match arg.as_str() {
                "--url" => options.url = Some(value()),
                "--query" => options.query = value(),
                "--calls" => options.calls = value().parse().expect("--calls takes a number"),
                "--json" => options.json = true,
                // cargo bench passes --bench to every bench binary.
                "--bench" => {}
                other => {
                    panic!("unknown argument {other}: --url URL, --query PROMQL, --calls N, --json")
                }
            }
        }
        options
    }
}

fn main() {
    let options = Options::from_args();
    // Ours only when no Prometheus was given; dropped (stopped) at the end.
    let own = options.url.is_none().then(|| {
        let prometheus = Prometheus::start();
        prometheus.wait_for_series("up{job=\"prometheus\"}");
        prometheus
    });
    let url = options
        .url
        .clone()
        .unwrap_or_else(|| own.as_ref().expect("started above").url.clone());
    let calls = options.calls;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let started = Instant::now();
    let host = harness::host(&[&url]);
    let load = started.elapsed();

    let endpoint = harness::endpoint(&url);
    let instant = InstantQuery {
        query: options.query.clone(),
        when: None,
        timeout: None,
    };
    // One call first: the first connection and instance are not the steady state.
    runtime
        .block_on(host.query(&endpoint, &instant))
        .expect("query works");
    let query = measure(calls, || {
        runtime
            .block_on(host.query(&endpoint, &instant))
            .expect("query works");
    });

    let ranged = RangeQuery {
        query: options.query.clone(),
        start: "5 minutes ago".into(),
        end: "now".into(),
        step: Some("15".into()),
        timeout: None,
    };
    let query_interval = measure(calls, || {
        runtime
            .block_on(host.query_interval(&endpoint, &ranged))
            .expect("query_interval works");
    });

    if options.json {
        let seconds = |times: &[Duration]| percentile(times, 0.5).as_secs_f64();
        let figures = serde_json::json!({
            "calls": calls,
            "query": options.query,
            "load_s": load.as_secs_f64(),
            "query_s": seconds(&query),
            "query_interval_s": seconds(&query_interval),
            "peak_rss_mib": peak_rss_mib(),
        });
        println!("{figures}");
        return;
    }

    println!(
        "chaosprometheus probe benchmark (loopback Prometheus, {calls} calls, {PROCESSES} processes)\n"
    );
    println!("{:<58} {:>10} {:>10}", "what", "median", "p95");
    row("load the component (compiled copy from the cache)", &[load]);
    row("query, in process, fresh instance per call", &query);
    row(
        "query_interval with relative dates, in process",
        &query_interval,
    );
    let peak = peak_rss_mib();

    let cache = tempfile::tempdir().unwrap();
    let cli = |cache: &std::path::Path| {
        let status = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
            .args(["query", "--prometheus-url", &url, &options.query])
            .env("CHAOSPROM_CACHE_DIR", cache)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("chaosprom runs");
        assert!(status.success());
    };
    let first = measure(1, || cli(cache.path()));
    row(
        "chaosprom process, first run (compiles, fills the cache)",
        &first,
    );
    let times = measure(PROCESSES, || cli(cache.path()));
    row("chaosprom process, cached component", &times);

    let query_url = format!("{url}/api/v1/query?query={}", url_encoded(&options.query));
    match Command::new("curl").arg("--version").output() {
        Ok(_) => {
            let mut transfer = Vec::new();
            let process = measure(PROCESSES, || {
                let out = Command::new("curl")
                    .args(["-s", "-o", "/dev/null", "-w", "%{time_total}", &query_url])
                    .output()
                    .expect("curl runs");
                let seconds: f64 = String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .parse()
                    .unwrap_or(0.0);
                transfer.push(Duration::from_secs_f64(seconds));
            });
            row("curl process, same GET", &process);
            row("curl's own transfer time (time_total)", &transfer);
        }
        Err(_) => println!("(curl is not installed; apt-get install curl to compare)"),
    }

    println!("\npeak resident memory of this benchmark process: {peak:.1} MiB");
    println!("(scripts/bench.sh measures the Python extension, the Python and Node packages");
    println!(" and chaos run next to these, on this machine, in one table)");
}

fn measure(count: usize, mut work: impl FnMut()) -> Vec<Duration> {
    (0..count)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .collect()
}

fn percentile(times: &[Duration], q: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn row(what: &str, times: &[Duration]) {
    println!(
        "{what:<58} {:>10} {:>10}",
        ms(percentile(times, 0.5)),
        ms(percentile(times, 0.95))
    );
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// PromQL as a URL query value (what curl is given).
fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// This process's peak resident memory (VmHWM), in MiB; NaN if unknown.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                let kib: f64 = line
                    .strip_prefix("VmHWM:")?
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse()
                    .ok()?;
                Some(kib / 1024.0)
            })
        })
        .unwrap_or(f64::NAN)
}
