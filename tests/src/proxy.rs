//! A real HTTP proxy, Debian's tinyproxy, on 127.0.0.1 with an ephemeral
//! port: plain requests and CONNECT tunnels, optionally behind basic auth.
//! Its log tells which requests went through it.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

use crate::servers::{free_port, require_binary, spawn_logged, wait_until};

/// A running tinyproxy, killed on drop.
pub struct Tinyproxy {
    pub port: u16,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    log: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Tinyproxy {
    /// Starts one; with `basic_auth` it answers 407 to a client without
    /// those credentials.
    pub fn start(basic_auth: Option<(&str, &str)>) -> Tinyproxy {
        let binary = require_binary("tinyproxy", "tinyproxy");
        let dir = tempfile::tempdir().expect("a temp dir");
        let port = free_port();
        let log = dir.path().join("tinyproxy.log");
        let mut config = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Info\nMaxClients 50\nAllow 127.0.0.1\n",
            log.display()
        );
        if let Some((user, password)) = basic_auth {
            config.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        let config_path = dir.path().join("tinyproxy.conf");
        std::fs::write(&config_path, config).expect("write the config");
        let output = dir.path().join("tinyproxy.out");
        let child = spawn_logged(
            Command::new(binary).arg("-d").arg("-c").arg(&config_path),
            &output,
        );
        let mut proxy = Tinyproxy {
            port,
            url: format!("http://127.0.0.1:{port}"),
            log,
            child,
            _dir: dir,
        };
        let ready = wait_until(Duration::from_secs(30), || {
            if let Ok(Some(_)) = proxy.child.try_wait() {
                return Some(false);
            }
            proxy
                .log_text()
                .contains("Accepting connections")
                .then_some(true)
        });
        assert_eq!(
            ready,
            Some(true),
            "tinyproxy did not start: {}{}",
            proxy.log_text(),
            std::fs::read_to_string(&output).unwrap_or_default()
        );
        proxy
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The request lines the proxy received (`GET http://...`, `CONNECT
    /// host:port`), in order.
    pub fn requests(&self) -> Vec<String> {
        self.log_text()
            .lines()
            .filter_map(|line| {
                line.split_once("): ")
                    .filter(|_| line.contains(" Request ("))
            })
            .map(|(_, request)| request.to_string())
            .collect()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
