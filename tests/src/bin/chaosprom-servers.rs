//! The one way the Python and Node test suites, scripts/demo.sh and
//! scripts/bench.sh start real servers: the harness's own (the Rust tests
//! call it as a library), on 127.0.0.1 with ephemeral ports and temp dirs.
//! Once every requested server is ready it prints their addresses as one
//! JSON line; it stops them when its stdin closes (so a caller that dies
//! leaves nothing behind) or on SIGTERM or SIGINT.

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use harness::history::History;
use harness::node_exporter::NodeExporter;
use harness::servers::{Prometheus, PrometheusOptions, Pushgateway};
use harness::tls::{Issued, WebConfig};
use harness::victoria::VictoriaMetrics;

/// Starts real servers on 127.0.0.1 and prints
/// `{"prometheus": URL, "pushgateway": URL, "victoria_metrics": URL,
/// "node_exporter": "HOST:PORT"}` (those started) once they are ready.
#[derive(Parser)]
#[command(name = "chaosprom-servers")]
struct Servers {
    /// A Prometheus scraping itself every second (job `prometheus`).
    #[arg(long)]
    prometheus: bool,
    /// A Pushgateway, persistence off; Prometheus scrapes it (job
    /// `pushgateway`, labels honored) when both are started.
    #[arg(long)]
    pushgateway: bool,
    /// A single-node VictoriaMetrics with its default settings.
    #[arg(long)]
    victoria_metrics: bool,
    /// A node exporter with only the CPU collector; Prometheus scrapes it
    /// (job `node`) when both are started.
    #[arg(long)]
    node_exporter: bool,
    /// One more Prometheus scrape target, `JOB=HOST:PORT` (repeatable).
    #[arg(long, value_name = "JOB=HOST:PORT", value_parser = job_target)]
    target: Vec<(String, String)>,
    /// A rule file for Prometheus to evaluate every second (repeatable).
    #[arg(long, value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Backfill Prometheus with the judgement tests' history (the harness's
    /// `history` module); its end, in Unix seconds, is printed as
    /// `history_end`.
    #[arg(long)]
    history: bool,
    /// Backfill Prometheus with these OpenMetrics samples too (through
    /// `promtool tsdb create-blocks-from openmetrics`).
    #[arg(long, value_name = "FILE", conflicts_with = "history")]
    backfill: Option<PathBuf>,
    /// Serve Prometheus over https with this certificate (PEM)...
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// ...and this key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

fn job_target(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(job, target)| (job.to_string(), target.to_string()))
        .ok_or_else(|| format!("`{text}` is not JOB=HOST:PORT"))
}

/// A file the launcher was given, as text.
fn read_pem(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn main() {
    let servers = Servers::parse();
    // The harness fails by panicking (a missing binary names
    // scripts/setup.sh): the caller shows this stderr, so only the message.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("a server did not start");
        eprintln!("chaosprom-servers: {message}");
    }));
    let mut addresses = serde_json::Map::new();
    let gateway = servers.pushgateway.then(Pushgateway::start);
    let exporter = servers.node_exporter.then(NodeExporter::start);
    let victoria = servers.victoria_metrics.then(VictoriaMetrics::start);
    let web_config = servers.tls_cert.as_ref().zip(servers.tls_key.as_ref());
    let history = servers.history.then(History::recent);
    let prometheus = servers.prometheus.then(|| {
        let mut targets = servers.target.clone();
        targets.extend(
            exporter
                .iter()
                .map(|e| ("node".to_string(), e.target.clone())),
        );
        Prometheus::start_with(PrometheusOptions {
            scrape_self: true,
            targets,
            pushgateway: gateway.as_ref().map(|g| format!("127.0.0.1:{}", g.port)),
            rule_files: servers.rules.clone(),
            backfill: history
                .map(|h| h.openmetrics())
                .or_else(|| servers.backfill.as_ref().map(read_pem)),
            web_config: web_config.map(|(cert, key)| {
                WebConfig::serving(Issued {
                    cert_pem: read_pem(cert),
                    key_pem: read_pem(key),
                })
            }),
            ..PrometheusOptions::default()
        })
    });
    let mut add = |name: &str, address: Option<String>| {
        if let Some(address) = address {
            addresses.insert(name.to_string(), address.into());
        }
    };
    add("prometheus", prometheus.as_ref().map(|p| p.url.clone()));
    add("pushgateway", gateway.as_ref().map(|g| g.url.clone()));
    add("victoria_metrics", victoria.as_ref().map(|v| v.url.clone()));
    add("node_exporter", exporter.as_ref().map(|e| e.target.clone()));
    if let Some(history) = history {
        addresses.insert("history_end".into(), history.end.into());
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", serde_json::Value::Object(addresses))
        .and_then(|()| stdout.flush())
        .expect("the caller reads the addresses");
    drop(stdout);
    wait_for_stop();
    // Dropping each server stops it.
    drop((prometheus, gateway, victoria, exporter));
    // The thread still reading stdin must not keep the process alive.
    std::process::exit(0);
}

/// Returns once stdin is closed or SIGTERM or SIGINT arrives.
fn wait_for_stop() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the signals");
    runtime.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM can be caught");
        let mut interrupt = signal(SignalKind::interrupt()).expect("SIGINT can be caught");
        let stdin_closed = tokio::task::spawn_blocking(|| {
            std::io::copy(&mut std::io::stdin(), &mut std::io::sink())
        });
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
            _ = stdin_closed => {}
        }
    });
    runtime.shutdown_background();
}
