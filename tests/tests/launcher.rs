//! `chaosprom-servers`, the launcher the Python and Node tests and the
//! scripts start their servers with: run as they run it. (Running it here
//! is also what builds it for them: `cargo test` builds a package's binaries
//! for its integration tests.)

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use harness::servers::{http_get, wait_until};
use serde_json::Value;

const LAUNCHER: &str = env!("CARGO_BIN_EXE_chaosprom-servers");

fn launch(args: &[&str]) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(LAUNCHER)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the launcher runs");
    let stdout = BufReader::new(child.stdout.take().expect("piped"));
    (child, stdout)
}

/// The addresses line, as JSON.
fn addresses(stdout: &mut BufReader<ChildStdout>) -> Value {
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read the launcher");
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
}

fn port(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("URL ends in :PORT")
}

/// Whether the launcher exits within 30 s; reaps it if so.
fn exits(child: &mut Child) -> bool {
    wait_until(Duration::from_secs(30), || child.try_wait().ok().flatten()).is_some()
}

/// Whether nothing answers on `port` any more.
fn closed(port: u16) -> bool {
    wait_until(Duration::from_secs(10), || {
        http_get(port, "/-/ready").is_none().then_some(())
    })
    .is_some()
}

#[test]
fn the_launcher_prints_ready_servers_wired_together_and_stops_them_when_its_stdin_closes() {
    let (mut child, mut stdout) = launch(&["--prometheus", "--pushgateway"]);
    let found = addresses(&mut stdout);
    let prometheus = port(found["prometheus"].as_str().expect("a Prometheus URL"));
    let gateway = port(found["pushgateway"].as_str().expect("a Pushgateway URL"));
    assert_eq!(found.as_object().map(|o| o.len()), Some(2), "{found}");
    // Ready when announced, without waiting.
    assert_eq!(http_get(prometheus, "/-/ready").map(|r| r.0), Some(200));
    assert_eq!(http_get(gateway, "/-/ready").map(|r| r.0), Some(200));
    // Prometheus scrapes itself and the Pushgateway.
    for job in ["prometheus", "pushgateway"] {
        let path = format!("/api/v1/query?query=up%7Bjob%3D%22{job}%22%7D%3D%3D1");
        let scraped = wait_until(Duration::from_secs(60), || {
            let (_, body) = http_get(prometheus, &path)?;
            body.contains("\"value\"").then_some(())
        });
        assert!(scraped.is_some(), "Prometheus never scraped job {job} up");
    }

    drop(child.stdin.take());
    assert!(
        exits(&mut child),
        "the launcher did not exit when its stdin closed"
    );
    assert!(closed(prometheus), "Prometheus still answers");
    assert!(closed(gateway), "the Pushgateway still answers");
}

#[test]
fn sigterm_stops_the_launcher_and_its_servers() {
    let (mut child, mut stdout) = launch(&["--pushgateway"]);
    let gateway = port(
        addresses(&mut stdout)["pushgateway"]
            .as_str()
            .expect("a URL"),
    );
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    assert!(exits(&mut child), "the launcher did not exit on SIGTERM");
    assert!(closed(gateway), "the Pushgateway still answers");
}

#[test]
fn a_missing_server_binary_fails_naming_the_setup_script() {
    let output = Command::new(LAUNCHER)
        .arg("--pushgateway")
        .env("PATH", "")
        .stdin(Stdio::null())
        .output()
        .expect("the launcher runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(output.stdout.is_empty(), "printed addresses anyway");
    assert!(
        stderr.contains("`prometheus-pushgateway` is not installed")
            && stderr.contains("scripts/setup.sh"),
        "{stderr}"
    );
}
