//! A real VictoriaMetrics (Debian's `victoria-metrics`, single-node), the
//! Prometheus-compatible store the probes must also answer right on.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::Duration;

use crate::servers::{free_port, http_get, require_binary, spawn_logged, wait_until};

/// A real VictoriaMetrics on 127.0.0.1, its data in a temp dir, killed on drop.
pub struct VictoriaMetrics {
    pub port: u16,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    child: Child,
    dir: tempfile::TempDir,
}

/// How to start a [`VictoriaMetrics`].
#[derive(Default)]
pub struct VictoriaOptions {
    /// `-search.latencyOffset`; `None` keeps the server's default (30 s),
    /// which is what users run.
    pub latency_offset: Option<String>,
}

impl VictoriaMetrics {
    /// With the server's defaults, as users run it.
    pub fn start() -> VictoriaMetrics {
        VictoriaMetrics::start_with(VictoriaOptions::default())
    }

    pub fn start_with(options: VictoriaOptions) -> VictoriaMetrics {
        let binary = require_binary("victoria-metrics", "victoria-metrics");
        let mut last_log = String::new();
        // A port picked free can be taken before the server binds it; retry.
        for _attempt in 0..3 {
            let dir = tempfile::tempdir().expect("a temp dir");
            let port = free_port();
            let log = dir.path().join("victoria-metrics.log");
            let mut command = Command::new(&binary);
            command
                .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
                .arg(format!(
                    "-storageDataPath={}",
                    dir.path().join("data").display()
                ))
                .arg("-loggerLevel=WARN");
            if let Some(offset) = &options.latency_offset {
                command.arg(format!("-search.latencyOffset={offset}"));
            }
            let child = spawn_logged(&mut command, &log);
            let mut server = VictoriaMetrics {
                port,
                url: format!("http://127.0.0.1:{port}"),
                child,
                dir,
            };
            let ready = wait_until(Duration::from_secs(30), || {
                if let Ok(Some(_)) = server.child.try_wait() {
                    return Some(false);
                }
                matches!(http_get(port, "/health"), Some((200, _))).then_some(true)
            });
            if ready == Some(true) {
                return server;
            }
            last_log = std::fs::read_to_string(&log).unwrap_or_default();
        }
        panic!("VictoriaMetrics did not become ready; its log:\n{last_log}");
    }

    /// Stores samples given in the Prometheus text format, with timestamps
    /// in milliseconds (`name{labels} value ms`), and waits until `selector`
    /// finds every one of them.
    ///
    /// The wait reads `/api/v1/export`, which bypasses the response cache:
    /// a query sent before new series are searchable would cache an empty
    /// answer.
    /// Its `end` is far ahead: it defaults to now, which would leave out
    /// samples stamped ahead of the import.
    pub fn import(&self, samples: &str, selector: &str) {
        let expected = samples.lines().filter(|l| !l.trim().is_empty()).count();
        let (status, body) = self.post("/api/v1/import/prometheus", samples.as_bytes());
        assert_eq!(status, 204, "VictoriaMetrics refused the import: {body}");
        let (status, _) = self.post("/internal/force_flush", b"");
        assert_eq!(status, 200, "force_flush failed");
        let path = format!(
            "/api/v1/export?match[]={}&end=9999999999",
            form_urlencoded::byte_serialize(selector.as_bytes()).collect::<String>()
        );
        let stored = wait_until(Duration::from_secs(30), || {
            let (_, body) = http_get(self.port, &path)?;
            let count: usize = body
                .lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .map(|series| series["values"].as_array().map_or(0, Vec::len))
                .sum();
            (count >= expected).then_some(count)
        });
        assert!(
            stored.is_some(),
            "VictoriaMetrics did not store the {expected} samples of {selector} within 30 s; its log:\n{}",
            self.log()
        );
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("victoria-metrics.log")).unwrap_or_default()
    }

    fn post(&self, path: &str, body: &[u8]) -> (u16, String) {
        let mut stream =
            TcpStream::connect(("127.0.0.1", self.port)).expect("VictoriaMetrics is up");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("a read timeout");
        write!(
            stream,
            "POST {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
            self.port,
            body.len()
        )
        .and_then(|()| stream.write_all(body))
        .expect("send the request");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read the answer");
        let text = String::from_utf8_lossy(&raw);
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        (status, body.to_string())
    }
}

impl Drop for VictoriaMetrics {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
