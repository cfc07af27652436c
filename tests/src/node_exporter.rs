//! A real `prometheus-node-exporter` (Debian), for `nodes-cpu-usage-mean`
//! on real CPU counters.

use std::process::{Child, Command};
use std::time::Duration;

use crate::servers::{free_port, http_get, require_binary, spawn_logged, wait_until};

/// A node exporter on 127.0.0.1 exposing only the CPU collector (the others
/// read files a container or an unprivileged user may not have), killed on
/// drop.
pub struct NodeExporter {
    pub port: u16,
    /// `127.0.0.1:PORT`, as a scrape target.
    pub target: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl NodeExporter {
    pub fn start() -> NodeExporter {
        let binary = require_binary("prometheus-node-exporter", "prometheus-node-exporter");
        let mut last_log = String::new();
        for _attempt in 0..3 {
            let dir = tempfile::tempdir().expect("a temp dir");
            let port = free_port();
            let log = dir.path().join("node-exporter.log");
            let child = spawn_logged(
                Command::new(&binary)
                    .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                    .arg("--collector.disable-defaults")
                    .arg("--collector.cpu")
                    .arg("--log.level=warn"),
                &log,
            );
            let mut exporter = NodeExporter {
                port,
                target: format!("127.0.0.1:{port}"),
                child,
                _dir: dir,
            };
            let ready = wait_until(Duration::from_secs(30), || {
                if let Ok(Some(_)) = exporter.child.try_wait() {
                    return Some(false);
                }
                match http_get(port, "/metrics") {
                    Some((200, body)) if body.contains("node_cpu_seconds_total{") => Some(true),
                    _ => None,
                }
            });
            if ready == Some(true) {
                return exporter;
            }
            last_log = std::fs::read_to_string(&log).unwrap_or_default();
        }
        panic!("the node exporter did not serve node_cpu_seconds_total; its log:\n{last_log}");
    }
}

impl Drop for NodeExporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
