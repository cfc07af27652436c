//! `cargo bench -p chaosprometheus-cli`: what a probe costs, measured
//! against a real Prometheus on 127.0.0.1, next to curl doing the same GET.
//! Read the figures against the Python extension's in the README.

use std::process::Command;
use std::time::{Duration, Instant};

use chaosprometheus_host::{InstantQuery, RangeQuery};
use harness::servers::Prometheus;

const CALLS: usize = 500;
const PROCESSES: usize = 50;

fn main() {
    let prometheus = Prometheus::start();
    prometheus.wait_for_series("up{job=\"prometheus\"}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("chaosprometheus probe benchmark (loopback Prometheus, {CALLS} calls, {PROCESSES} processes)\n");
    println!("{:<58} {:>10} {:>10}", "what", "median", "p95");

    let started = Instant::now();
    let host = harness::host(&[&prometheus.url]);
    let load = started.elapsed();
    row("load the component (compiled copy from the cache)", &[load]);

    let endpoint = harness::endpoint(&prometheus.url);
    let instant = InstantQuery {
        query: "up{job=\"prometheus\"}".into(),
        when: None,
        timeout: None,
    };
    let times = measure(CALLS, || {
        runtime
            .block_on(host.query(&endpoint, &instant))
            .expect("query works");
    });
    row("query, in process, fresh instance per call", &times);

    let ranged = RangeQuery {
        query: "up{job=\"prometheus\"}".into(),
        start: "5 minutes ago".into(),
        end: "now".into(),
        step: Some("15".into()),
        timeout: None,
    };
    let times = measure(CALLS, || {
        runtime
            .block_on(host.query_interval(&endpoint, &ranged))
            .expect("query_interval works");
    });
    row("query_interval with relative dates, in process", &times);

    let cache = tempfile::tempdir().unwrap();
    let cli = |cache: &std::path::Path| {
        let status = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
            .args([
                "--prometheus-url",
                &prometheus.url,
                "query",
                "up{job=\"prometheus\"}",
            ])
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

    let url = format!("{}/api/v1/query?query=up", prometheus.url);
    match Command::new("curl").arg("--version").output() {
        Ok(_) => {
            let mut transfer = Vec::new();
            let process = measure(PROCESSES, || {
                let out = Command::new("curl")
                    .args(["-s", "-o", "/dev/null", "-w", "%{time_total}", &url])
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

    println!(
        "\npeak resident memory of this benchmark process: {} MiB",
        peak_rss_mib()
    );
    println!(
        "(the Python extension, measured on the same kind of machine: query 2.4 ms in process,"
    );
    println!(" query_interval 4.3 ms, first call 130-150 ms, import 228 ms, peak 43 MB)");
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

fn row(what: &str, times: &[Duration]) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let pick = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    println!("{what:<58} {:>10} {:>10}", ms(pick(0.5)), ms(pick(0.95)));
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn peak_rss_mib() -> String {
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
                Some(format!("{:.1}", kib / 1024.0))
            })
        })
        .unwrap_or_else(|| "unknown".into())
}
