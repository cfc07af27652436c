//! The `chaosprom` binary as a person uses it: against a real Prometheus,
//! its output, its exit statuses, its cache and its flags.

use std::process::{Command, Output};

use harness::fake::{FakeServer, Reply};
use harness::servers::Prometheus;

pub(crate) struct Run {
    pub(crate) status: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

pub(crate) fn chaosprom(cache: &std::path::Path, args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .args(args)
        .env("CHAOSPROM_CACHE_DIR", cache)
        .env_remove("CHAOSPROM_PROMETHEUS_URL")
        .output()
        .expect("chaosprom runs");
    Run {
        status: status.code().expect("exited"),
        stdout: String::from_utf8(stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(stderr).expect("UTF-8 stderr"),
    }
}

fn cache_entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("readable").path())
                .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn query_prints_the_json_answer_and_exits_zero() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let run = chaosprom(
        cache.path(),
        &["query", "1+1", "--prometheus-url", &prometheus.url],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let answer: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(answer["data"]["resultType"], "scalar");
    assert_eq!(answer["data"]["result"][1], "2");
    assert_eq!(run.stderr, "");
}

#[test]
fn the_prometheus_url_can_come_from_the_environment() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .args(["query-value", "vector(7)"])
        .env("CHAOSPROM_CACHE_DIR", cache.path())
        .env("CHAOSPROM_PROMETHEUS_URL", &prometheus.url)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "7\n");
}

#[test]
fn query_value_and_query_range_print_what_they_promise() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let url = prometheus.url.as_str();
    assert_eq!(
        chaosprom(
            cache.path(),
            &["query-value", "0.25 * 2", "--prometheus-url", url]
        )
        .stdout,
        "0.5\n"
    );
    assert_eq!(
        chaosprom(
            cache.path(),
            &["query-value", "0/0", "--prometheus-url", url]
        )
        .stdout,
        "NaN\n"
    );
    assert_eq!(
        chaosprom(
            cache.path(),
            &["query-value", "-1/0", "--prometheus-url", url]
        )
        .stdout,
        "-Inf\n"
    );
    let empty = chaosprom(
        cache.path(),
        &[
            "query-value",
            "absent_metric",
            "--default",
            "-1",
            "--prometheus-url",
            url,
        ],
    );
    assert_eq!((empty.status, empty.stdout.as_str()), (0, "-1\n"));
    let run = chaosprom(
        cache.path(),
        &[
            "query-range",
            "vector(1)",
            "--prometheus-url",
            url,
            "--start",
            "2026-11-22T08:30:00Z",
            "--end",
            "2026-11-22T08:31:00Z",
            "--step",
            "30s",
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let answer: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        answer["data"]["result"][0]["values"],
        serde_json::json!([[1795336200, "1"], [1795336230, "1"], [1795336260, "1"]])
    );
}

#[test]
fn a_probe_failure_is_one_line_naming_its_kind_with_exit_one() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let url = prometheus.url.as_str();
    let cases = [
        (
            vec!["query", "up{"],
            "error[prometheus/bad_data]: Prometheus query {'query': 'up{'} failed: ",
        ),
        (
            vec!["query", "up", "--when", "2 mns ago"],
            "error[invalid-argument]: failed to parse '2 mns ago'",
        ),
        (
            vec!["query-range", "up", "--start", "right now", "--end", "now"],
            "error[invalid-argument]: failed to parse 'right now'",
        ),
        (
            vec![
                "query-range",
                "up",
                "--start",
                "-5m",
                "--end",
                "now",
                "--step",
                "0",
            ],
            "error[invalid-argument]: invalid step '0'",
        ),
        (
            vec!["query-value", "absent_metric"],
            "error[result-shape]: the query absent_metric returned no series",
        ),
    ];
    for (args, start) in cases {
        let mut all = args.clone();
        all.extend(["--prometheus-url", url]);
        let run = chaosprom(cache.path(), &all);
        assert_eq!(run.status, 1, "{args:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(run.stderr.starts_with(start), "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
    }
    let refused = chaosprom(
        cache.path(),
        &["query", "up", "--prometheus-url", "http://127.0.0.1:1"],
    );
    assert_eq!(refused.status, 1);
    assert!(
        refused
            .stderr
            .starts_with("error[transport/connection-refused]: "),
        "{}",
        refused.stderr
    );
}

#[test]
fn the_request_timeout_flag_bounds_a_silent_server() {
    let silent = FakeServer::start(|_| Reply::Silence);
    let cache = tempfile::tempdir().unwrap();
    let run = chaosprom(
        cache.path(),
        &[
            "--request-timeout",
            "300ms",
            "query",
            "up",
            "--prometheus-url",
            &silent.url,
        ],
    );
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.starts_with("error[transport/timeout]: ") && run.stderr.contains("(300 ms)"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_exit_two() {
    let cache = tempfile::tempdir().unwrap();
    for args in [
        vec!["query"],
        vec!["query-range", "up", "--start", "now"],
        vec!["--connect-timeout", "soon", "query", "up"],
        vec!["query", "up", "--prometheus-url", "not a url"],
        vec!["--allow-host", "a b", "query", "up"],
        vec!["frobnicate"],
    ] {
        let run = chaosprom(cache.path(), &args);
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty());
    }
}

#[test]
fn help_explains_time_expressions_the_sandbox_and_exit_statuses() {
    let cache = tempfile::tempdir().unwrap();
    let help = chaosprom(cache.path(), &["--help"]);
    assert_eq!(help.status, 0);
    for needle in [
        "query-range",
        "query-value",
        "compute-mean",
        "nodes-cpu-usage-mean",
        "--allow-host",
        "5 minutes ago",
        "Sandbox",
        "Exit status",
    ] {
        assert!(help.stdout.contains(needle), "--help lacks {needle}");
    }
}

#[test]
fn verbose_logs_the_request_sent() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let run = chaosprom(
        cache.path(),
        &[
            "-v",
            "query",
            "vector(3)",
            "--prometheus-url",
            &prometheus.url,
        ],
    );
    assert_eq!(run.status, 0);
    assert!(
        run.stderr.contains("/api/v1/query?query=vector%283%29"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("sending"), "{}", run.stderr);
}

#[test]
fn the_compiled_component_is_cached_and_a_damaged_entry_is_replaced() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let args = [
        "query-value",
        "1",
        "--prometheus-url",
        prometheus.url.as_str(),
    ];
    assert_eq!(chaosprom(cache.path(), &args).stdout, "1\n");
    let entries = cache_entries(cache.path());
    assert_eq!(entries.len(), 1, "one cache entry after the first run");
    let good = std::fs::read(&entries[0]).unwrap();

    std::fs::write(&entries[0], b"damaged").unwrap();
    assert_eq!(chaosprom(cache.path(), &args).stdout, "1\n");
    assert_eq!(
        std::fs::read(&entries[0]).unwrap(),
        good,
        "the damaged entry was rewritten"
    );

    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0xff;
    std::fs::write(&entries[0], &flipped).unwrap();
    assert_eq!(chaosprom(cache.path(), &args).stdout, "1\n");
    assert_eq!(
        std::fs::read(&entries[0]).unwrap(),
        good,
        "a flipped byte is caught by the MAC"
    );

    let uncached = tempfile::tempdir().unwrap();
    let mut no_cache = vec!["--no-cache"];
    no_cache.extend(args);
    assert_eq!(chaosprom(uncached.path(), &no_cache).stdout, "1\n");
    assert!(cache_entries(uncached.path()).is_empty());
}

#[test]
fn another_component_file_can_be_loaded() {
    let prometheus = Prometheus::start();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.wasm");
    std::fs::write(&copy, chaosprometheus_host::EMBEDDED_COMPONENT).unwrap();
    let path = copy.to_str().unwrap();
    let run = chaosprom(
        cache.path(),
        &[
            "--component",
            path,
            "query-value",
            "2",
            "--prometheus-url",
            &prometheus.url,
        ],
    );
    assert_eq!(
        (run.status, run.stdout.as_str()),
        (0, "2\n"),
        "{}",
        run.stderr
    );

    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, b"not wasm").unwrap();
    let run = chaosprom(
        cache.path(),
        &["--component", junk.to_str().unwrap(), "query", "up"],
    );
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .starts_with("error[host]: cannot load the component"),
        "{}",
        run.stderr
    );
}

/// A server that answers every query with the scalar `value` and records
/// what it was sent (its headers, say), which a real Prometheus does not.
pub(crate) fn scalar_server(value: &str) -> FakeServer {
    let body = format!(
        r#"{{"status":"success","data":{{"resultType":"scalar","result":[1,"{value}"]}}}}"#
    );
    FakeServer::answering(200, "application/json", body)
}

pub(crate) const SENTINEL: &str = "sentinel-7f3a9c2e-do-not-print";

#[test]
fn credentials_from_files_and_the_environment_reach_the_server_and_nothing_else() {
    let server = scalar_server("1");
    let cache = tempfile::tempdir().unwrap();
    let token = cache.path().join("token");
    std::fs::write(&token, format!("{SENTINEL}\n")).unwrap();
    let by_file = chaosprom(
        cache.path(),
        &[
            "-v",
            "query",
            "1",
            "--prometheus-url",
            &server.url,
            "--prometheus-bearer-token-file",
            token.to_str().unwrap(),
            "--prometheus-header",
            "X-Scope-OrgID: t1",
        ],
    );
    assert_eq!(by_file.status, 0, "{}", by_file.stderr);
    let by_env = Command::new(env!("CARGO_BIN_EXE_chaosprom"))
        .args(["-v", "query", "1", "--prometheus-url", &server.url])
        .env("CHAOSPROM_CACHE_DIR", cache.path())
        .env(
            "CHAOSPROM_PROMETHEUS_BASIC_AUTH",
            format!("user:{SENTINEL}"),
        )
        .output()
        .unwrap();
    assert!(by_env.status.success());
    let received = server.received();
    assert!(received[0]
        .headers
        .contains(&format!("authorization: Bearer {SENTINEL}")));
    assert!(received[0]
        .headers
        .to_ascii_lowercase()
        .contains("x-scope-orgid: t1"));
    assert!(received[1].headers.contains("authorization: Basic "));
    for text in [
        &by_file.stdout,
        &by_file.stderr,
        &String::from_utf8_lossy(&by_env.stdout).into_owned(),
        &String::from_utf8_lossy(&by_env.stderr).into_owned(),
    ] {
        assert!(!text.contains(SENTINEL), "leaked: {text}");
    }
}

#[test]
fn a_name_that_does_not_resolve_is_a_dns_error() {
    // In a network namespace of its own nothing leaves the machine, so the
    // lookup fails here instead of asking a resolver elsewhere.
    let cache = tempfile::tempdir().unwrap();
    let output = Command::new("unshare")
        .arg("--net")
        .arg(env!("CARGO_BIN_EXE_chaosprom"))
        .args([
            "query",
            "up",
            "--prometheus-url",
            "http://no-such-host.invalid:9090",
        ])
        .env("CHAOSPROM_CACHE_DIR", cache.path())
        .output()
        .expect("unshare (util-linux) runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("unshare failed"),
        "this test needs to create a network namespace (root): {stderr}"
    );
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr
            .starts_with("error[transport/dns]: the host name of http://no-such-host.invalid:9090"),
        "{stderr}"
    );
}

#[test]
fn validate_takes_a_var_file_like_run() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let experiment = dir.path().join("experiment.json");
    std::fs::write(
        &experiment,
        r#"{"title": "t", "description": "d", "configuration": {"prometheus_base_url": "http://127.0.0.1:9"}, "method": []}"#,
    )
    .unwrap();
    let vars = dir.path().join("vars.yaml");
    std::fs::write(
        &vars,
        "configuration:\n  prometheus_base_url: http://127.0.0.1:9090\n",
    )
    .unwrap();
    let valid = chaosprom(
        cache.path(),
        &[
            "validate",
            experiment.to_str().unwrap(),
            "--var-file",
            vars.to_str().unwrap(),
        ],
    );
    assert_eq!(valid.status, 0, "{}", valid.stderr);
    assert!(valid.stdout.ends_with("is valid\n"), "{}", valid.stdout);
    let missing = dir.path().join("missing.yaml");
    let invalid = chaosprom(
        cache.path(),
        &[
            "validate",
            experiment.to_str().unwrap(),
            "--var-file",
            missing.to_str().unwrap(),
        ],
    );
    assert_eq!(invalid.status, 1);
    assert!(
        invalid.stderr.starts_with("error[invalid-var-file]: "),
        "{}",
        invalid.stderr
    );
}
