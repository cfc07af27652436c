//! Real servers from the Debian packages, each on 127.0.0.1 with an
//! ephemeral port and its own temp dir, killed on drop.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SETUP: &str = "scripts/setup.sh";

/// The path of a server binary, or a failure that names the setup command.
pub fn require_binary(name: &str, package: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`{name}` is not installed, so this test cannot start a real server. \
             Run `{SETUP}` (it installs the Debian package `{package}`), then run the tests again."
        )
    })
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("the loopback interface is up")
        .port()
}

/// A real Prometheus.
pub struct Prometheus {
    pub port: u16,
    /// `http://127.0.0.1:PORT` plus the route prefix, if any.
    pub url: String,
    prefix: String,
    child: Child,
    dir: tempfile::TempDir,
}

/// How to start a [`Prometheus`].
#[derive(Default)]
pub struct PrometheusOptions {
    /// Scrape itself every second (job `prometheus`).
    pub scrape_self: bool,
    /// More scrape targets: (job, `host:port`).
    pub targets: Vec<(String, String)>,
    /// Scrape this Pushgateway (`host:port`, job `pushgateway`) keeping the
    /// labels of what was pushed (`honor_labels`), as a Pushgateway must be.
    pub pushgateway: Option<String>,
    /// Serve under this path (`--web.route-prefix`), e.g. `/prom`.
    pub route_prefix: Option<String>,
    /// Samples to load before starting, in OpenMetrics text (with
    /// timestamps), through `promtool tsdb create-blocks-from openmetrics`.
    pub backfill: Option<String>,
    /// Rule files to load (e.g. [`crate::fixtures::rules`]), evaluated
    /// every second: alerting rules go pending and firing.
    pub rule_files: Vec<PathBuf>,
    /// Serve https with this certificate (and client-certificate or
    /// basic-auth requirements) through `--web.config.file`; `url` is then
    /// `https://127.0.0.1:PORT`.
    pub web_config: Option<crate::tls::WebConfig>,
}

impl Prometheus {
    /// A Prometheus that scrapes itself every second.
    pub fn start() -> Prometheus {
        Prometheus::start_with(PrometheusOptions {
            scrape_self: true,
            ..PrometheusOptions::default()
        })
    }

    pub fn start_with(options: PrometheusOptions) -> Prometheus {
        let binary = require_binary("prometheus", "prometheus");
        let mut last_log = String::new();
        // A port picked free can be taken before Prometheus binds it; retry.
        for _attempt in 0..3 {
            let dir = tempfile::tempdir().expect("a temp dir");
            let port = free_port();
            let config = dir.path().join("prometheus.yml");
            std::fs::write(&config, config_text(port, &options)).expect("write the config");
            let log = dir.path().join("prometheus.log");
            if let Some(samples) = &options.backfill {
                backfill(dir.path(), samples);
            }
            let mut command = Command::new(&binary);
            command
                .arg(format!("--config.file={}", config.display()))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.path().join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"));
            // Over TLS readiness shows in the log (info), not to plain HTTP.
            let tls = options.web_config.as_ref().map(|web| web.write(dir.path()));
            match &tls {
                Some(web) => command
                    .arg(format!("--web.config.file={}", web.display()))
                    .arg("--log.level=info"),
                None => command.arg("--log.level=warn"),
            };
            let scheme = if tls.is_some() { "https" } else { "http" };
            let prefix = options.route_prefix.clone().unwrap_or_default();
            if !prefix.is_empty() {
                command.arg(format!("--web.route-prefix={prefix}"));
                command.arg(format!(
                    "--web.external-url=http://127.0.0.1:{port}{prefix}"
                ));
            }
            let child = spawn_logged(&mut command, &log);
            let mut server = Prometheus {
                port,
                url: format!("{scheme}://127.0.0.1:{port}{prefix}"),
                prefix: prefix.clone(),
                child,
                dir,
            };
            let ready = if tls.is_some() {
                server.wait_logged("Server is ready to receive web requests", &log)
            } else {
                server.wait_ready(&format!("{prefix}/-/ready"))
            };
            if ready {
                return server;
            }
            last_log = std::fs::read_to_string(&log).unwrap_or_default();
        }
        panic!("Prometheus did not become ready; its log:\n{last_log}");
    }

    fn wait_ready(&mut self, path: &str) -> bool {
        wait_until(Duration::from_secs(30), || {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Some(false);
            }
            match http_get(self.port, path) {
                Some((200, _)) => Some(true),
                _ => None,
            }
        })
        .unwrap_or(false)
    }

    fn wait_logged(&mut self, line: &str, log: &Path) -> bool {
        wait_until(Duration::from_secs(30), || {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Some(false);
            }
            let text = std::fs::read_to_string(log).unwrap_or_default();
            text.contains(line).then_some(true)
        })
        .unwrap_or(false)
    }

    /// Waits until `query` (an instant query) returns at least one series.
    pub fn wait_for_series(&self, query: &str) {
        let path = format!(
            "{}/api/v1/query?query={}",
            self.prefix(),
            form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
        );
        let found = wait_until(Duration::from_secs(60), || {
            match http_get(self.port, &path) {
                Some((200, body)) if !body.contains("\"result\":[]") => Some(true),
                _ => None,
            }
        });
        assert_eq!(found, Some(true), "no series for {query} within 60 s");
    }

    /// The value of one of Prometheus's own metrics, read from `/metrics`.
    pub fn own_metric(&self, series: &str) -> f64 {
        let (_, body) = http_get(self.port, &format!("{}/metrics", self.prefix()))
            .expect("Prometheus answers /metrics");
        body.lines()
            .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{series} not in /metrics"))
    }

    fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tests/fixtures/prometheus.yml` with its placeholders filled: JSON lists,
/// which YAML reads as flow sequences.
fn config_text(port: u16, options: &PrometheusOptions) -> String {
    let prefix = options.route_prefix.clone().unwrap_or_default();
    let job = |name: &str, target: &str| serde_json::json!({"job_name": name, "static_configs": [{"targets": [target]}]});
    let mut jobs = Vec::new();
    if options.scrape_self {
        let mut own = job("prometheus", &format!("127.0.0.1:{port}"));
        own["metrics_path"] = format!("{prefix}/metrics").into();
        jobs.push(own);
    }
    jobs.extend(
        options
            .targets
            .iter()
            .map(|(name, target)| job(name, target)),
    );
    if let Some(gateway) = &options.pushgateway {
        let mut pushed = job("pushgateway", gateway);
        pushed["honor_labels"] = true.into();
        jobs.push(pushed);
    }
    // Prometheus reads a relative path from the config's (temp) dir.
    let rules: Vec<String> = options
        .rule_files
        .iter()
        .map(|path| {
            std::path::absolute(path)
                .expect("the working directory exists")
                .display()
                .to_string()
        })
        .collect();
    crate::fixtures::PROMETHEUS_CONFIG
        .replace(
            "@RULE_FILES@",
            &serde_json::to_string(&rules).expect("a list"),
        )
        .replace(
            "@SCRAPE_CONFIGS@",
            &serde_json::to_string(&jobs).expect("a list"),
        )
}

fn backfill(dir: &Path, samples: &str) {
    let promtool = require_binary("promtool", "prometheus");
    let input = dir.join("backfill.om");
    std::fs::write(&input, samples).expect("write the samples");
    let output = Command::new(promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&input)
        .arg(dir.join("data"))
        .output()
        .expect("promtool runs");
    assert!(
        output.status.success(),
        "promtool could not load the samples: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub(crate) fn spawn_logged(command: &mut Command, log: &Path) -> Child {
    let file = std::fs::File::create(log).expect("create the log");
    let err = file.try_clone().expect("clone the log handle");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", command.get_program()))
}

/// Polls `check` every 50 ms until it gives an answer or `limit` passes.
pub fn wait_until<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(answer) = check() {
            return Some(answer);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A plain HTTP/1.0 GET on 127.0.0.1, independent of the code under test.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    http_exchange(port, path).map(|(status, _, body)| (status, body))
}

/// [`http_get`] following redirects on the same server (at most five),
/// as a browser would: the last answer's status and the path it came from.
pub fn http_get_following(port: u16, path: &str) -> Option<(u16, String)> {
    let mut path = path.to_string();
    for _ in 0..5 {
        let (status, location, _) = http_exchange(port, &path)?;
        match location {
            Some(location) if (300..400).contains(&status) => {
                let origin = format!("http://127.0.0.1:{port}");
                path = location
                    .strip_prefix(&origin)
                    .unwrap_or(&location)
                    .to_string();
            }
            _ => return Some((status, path)),
        }
    }
    None
}

/// Status, `Location` and body of a GET.
fn http_exchange(port: u16, path: &str) -> Option<(u16, Option<String>, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let location = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_string())
    });
    Some((status, location, body.to_string()))
}

pub use crate::pushgateway::{Pushgateway, PushgatewayOptions};
