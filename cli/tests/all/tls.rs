//! `chaosprom` against Prometheus over https: the TLS flags of the query
//! commands, `chaosprom run` with an experiment's CA bundle, client
//! certificate secrets and `verify_tls: false`, and the retry flags.

use std::path::Path;

use harness::fake::FakeServer;
use harness::servers::{Prometheus, PrometheusOptions};
use harness::tls::{self, TestCa, WebConfig, LOOPBACK_NAMES};
use serde_json::{json, Value};

use crate::cli::chaosprom;

fn serving(web_config: WebConfig) -> Prometheus {
    Prometheus::start_with(PrometheusOptions {
        web_config: Some(web_config),
        ..PrometheusOptions::default()
    })
}

pub(crate) fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn query_trusts_cacert_and_otherwise_says_which_option_fixes_it() {
    let ca = TestCa::new("private CA");
    let prometheus = serving(WebConfig::serving(ca.server(LOOPBACK_NAMES)));
    let dir = tempfile::tempdir().unwrap();
    let cache = harness::test_cache_dir();
    let cacert = write(dir.path(), "ca.pem", &ca.cert_pem());

    let run = chaosprom(
        &cache,
        &["query", "1+1", "--prometheus-url", &prometheus.url],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error[transport/tls]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--cacert FILE"), "{}", run.stderr);

    let run = chaosprom(
        &cache,
        &[
            "--cacert",
            &cacert,
            "query",
            "1+1",
            "--prometheus-url",
            &prometheus.url,
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(r#""status":"success""#),
        "{}",
        run.stdout
    );
}

#[test]
fn insecure_accepts_a_self_signed_certificate_and_v_says_so() {
    let prometheus = serving(WebConfig::serving(tls::self_signed()));
    let cache = harness::test_cache_dir();
    let refused = chaosprom(
        &cache,
        &["query", "1+1", "--prometheus-url", &prometheus.url],
    );
    assert_eq!(refused.status, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("--insecure") || refused.stderr.contains("verify_tls false"));
    let run = chaosprom(
        &cache,
        &[
            "-v",
            "--insecure",
            "query",
            "1+1",
            "--prometheus-url",
            &prometheus.url,
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stderr.contains("INSECURE"), "{}", run.stderr);
}

#[test]
fn cert_and_key_answer_a_server_that_requires_a_client_certificate() {
    let ca = TestCa::new("test CA");
    let prometheus = serving(WebConfig {
        client_ca: Some(ca.cert_pem()),
        ..WebConfig::serving(ca.server(LOOPBACK_NAMES))
    });
    let dir = tempfile::tempdir().unwrap();
    let cache = harness::test_cache_dir();
    let cacert = write(dir.path(), "ca.pem", &ca.cert_pem());
    let client = ca.client("chaos");
    let cert = write(dir.path(), "client.pem", &client.cert_pem);
    let key = write(dir.path(), "client.key", &client.key_pem);

    let base = [
        "query",
        "1+1",
        "--prometheus-url",
        prometheus.url.as_str(),
        "--cacert",
        cacert.as_str(),
    ];
    let run = chaosprom(&cache, &base);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("--cert FILE --key FILE"),
        "{}",
        run.stderr
    );

    let args = [&base[..], &["-v", "--cert", &cert, "--key", &key]].concat();
    let run = chaosprom(&cache, &args);
    assert_eq!(run.status, 0, "{}", run.stderr);
    // The key is a secret: never in what the command prints.
    let body = &client.key_pem[30..90];
    assert!(!run.stderr.contains(body) && !run.stdout.contains(body));
}

fn experiment(prometheus: &Prometheus, configuration: Value, arguments: Value) -> Value {
    let mut configuration = configuration;
    configuration["prometheus_base_url"] = json!(prometheus.url);
    json!({
        "title": "over https", "description": "a Prometheus behind TLS",
        "configuration": configuration,
        "secrets": {"prometheus": {
            "prometheus_client_cert": {"type": "env", "key": "CHAOSPROM_TEST_CLIENT_CERT", "default": ""},
            "prometheus_client_key": {"type": "env", "key": "CHAOSPROM_TEST_CLIENT_KEY", "default": ""}
        }},
        "steady-state-hypothesis": {"title": "two", "probes": [{
            "type": "probe", "name": "two",
            "tolerance": 2,
            "provider": {"type": "python", "module": "chaosprometheus.probes", "func": "query_value",
                         "arguments": arguments, "secrets": ["prometheus"]}
        }]},
        "method": []
    })
}

/// `chaosprom run` of `experiment`: the exit status, the journal, stderr.
pub(crate) fn run_experiment(experiment: &Value, env: &[(&str, &str)]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "experiment.json", &experiment.to_string());
    let journal = dir.path().join("journal.json");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_chaosprom"));
    command
        .args(["-v", "run", &path, "--journal-path"])
        .arg(&journal)
        .env("CHAOSPROM_CACHE_DIR", harness::test_cache_dir());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let journal = std::fs::read_to_string(&journal)
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap_or(Value::Null);
    (
        output.status.code().unwrap(),
        journal,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn run_trusts_the_experiments_ca_bundle_and_client_certificate() {
    let ca = TestCa::new("test CA");
    let prometheus = serving(WebConfig {
        client_ca: Some(ca.cert_pem()),
        ..WebConfig::serving(ca.server(LOOPBACK_NAMES))
    });
    let dir = tempfile::tempdir().unwrap();
    let bundle = write(dir.path(), "ca.pem", &ca.cert_pem());
    let client = ca.client("chaos");
    let key_path = write(dir.path(), "client.key", &client.key_pem);
    let arguments = json!({"query": "1+1"});

    let without_ca = experiment(&prometheus, json!({}), arguments.clone());
    let (status, journal, _) = run_experiment(&without_ca, &[]);
    assert_eq!(status, 1);
    let failed = journal["steady_states"]["before"]["probes"][0]["output"].to_string()
        + &journal["steady_states"]["before"]["probes"][0]["exception"].to_string();
    assert!(failed.contains("prometheus_ca_bundle"), "{journal}");

    // The certificate as PEM text in the secret, the key as a path.
    let with_ca = experiment(
        &prometheus,
        json!({"prometheus_ca_bundle": bundle}),
        arguments,
    );
    let env = [
        ("CHAOSPROM_TEST_CLIENT_CERT", client.cert_pem.as_str()),
        ("CHAOSPROM_TEST_CLIENT_KEY", key_path.as_str()),
    ];
    let (status, journal, stderr) = run_experiment(&with_ca, &env);
    assert_eq!(status, 0, "{stderr}\n{journal}");
    assert_eq!(journal["status"], "completed");
    assert_eq!(journal["steady_states"]["before"]["steady_state_met"], true);
    let text = journal.to_string() + &stderr;
    assert!(!text.contains(&client.key_pem[30..90]), "the key leaked");
    assert!(
        !text.contains(&client.cert_pem[30..90]),
        "the certificate secret leaked"
    );
}

#[test]
fn run_and_validate_accept_verify_tls_false_which_alone_accepts_a_self_signed_certificate() {
    let prometheus = serving(WebConfig::serving(tls::self_signed()));
    let verified = experiment(&prometheus, json!({}), json!({"query": "1+1"}));
    let (status, _, _) = run_experiment(&verified, &[]);
    assert_eq!(status, 1);

    let insecure = experiment(
        &prometheus,
        json!({}),
        json!({"query": "1+1", "verify_tls": false}),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "insecure.json", &insecure.to_string());
    let validated = chaosprom(&harness::test_cache_dir(), &["validate", &path]);
    assert_eq!(validated.status, 0, "{}", validated.stderr);
    let (status, journal, stderr) = run_experiment(&insecure, &[]);
    assert_eq!(status, 0, "{stderr}\n{journal}");
    assert_eq!(journal["steady_states"]["before"]["steady_state_met"], true);
    assert!(stderr.contains("INSECURE"), "-v says so: {stderr}");
}

#[test]
fn retries_flag_bounds_the_tries_of_a_query() {
    let server = FakeServer::answering(503, "text/plain", "Service Unavailable");
    let cache = harness::test_cache_dir();
    let once = chaosprom(
        &cache,
        &[
            "query",
            "up",
            "--prometheus-url",
            &server.url,
            "--retries",
            "1",
        ],
    );
    assert_eq!(once.status, 1);
    assert_eq!(server.received().len(), 1);
    let run = chaosprom(
        &cache,
        &[
            "query",
            "up",
            "--prometheus-url",
            &server.url,
            "--retries",
            "2",
        ],
    );
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("gave up after 2 attempts"),
        "{}",
        run.stderr
    );
    assert_eq!(server.received().len(), 3);
}
