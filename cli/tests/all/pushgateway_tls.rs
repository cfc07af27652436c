//! `chaosprom run`'s control pushing to a real Pushgateway served over
//! https (`--web.config.file`): the CA of `prometheus_pushgateway_ca_bundle`,
//! basic auth from the `pushgateway_basic_auth` secret, a client certificate
//! from `pushgateway_client_cert` / `_key`, and the control's `verify_tls`.
//! The control is `strict`, so a push that fails fails the run.

use harness::servers::{Prometheus, Pushgateway, PushgatewayOptions};
use harness::tls::{self, Issued, TestCa, WebConfig, LOOPBACK_NAMES};
use serde_json::{json, Value};

use crate::tls::{run_experiment, write};

fn gateway(web_config: WebConfig, reader_identity: Option<Issued>) -> Pushgateway {
    Pushgateway::start_with(PushgatewayOptions {
        web_config: Some(web_config),
        reader_identity,
        ..PushgatewayOptions::default()
    })
}

/// One probe against a plain Prometheus; the control pushes to `gateway`.
fn experiment(
    prometheus: &Prometheus,
    gateway: &Pushgateway,
    configuration: Value,
    secrets: Value,
    control: Value,
) -> Value {
    let mut configuration = configuration;
    configuration["prometheus_base_url"] = json!(prometheus.url);
    let mut arguments = json!({"pushgateway_url": gateway.url, "job": "tls", "strict": true});
    for (name, value) in control.as_object().unwrap() {
        arguments[name] = value.clone();
    }
    json!({
        "title": "pushed over https", "description": "a Pushgateway behind TLS",
        "configuration": configuration,
        "secrets": {"pushgateway": secrets},
        "controls": [{"name": "metrics", "provider": {
            "type": "python", "module": "chaosprometheus.metrics", "arguments": arguments}}],
        "steady-state-hypothesis": {"title": "two", "probes": [{
            "type": "probe", "name": "two", "tolerance": 2,
            "provider": {"type": "python", "module": "chaosprometheus.probes",
                         "func": "query_value", "arguments": {"query": "1+1"}}
        }]},
        "method": []
    })
}

fn pushed_jobs(gateway: &Pushgateway) -> Vec<String> {
    gateway
        .groups()
        .iter()
        .map(|group| {
            group["labels"]["job"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn the_control_pushes_over_https_with_the_ca_bundle_and_basic_auth() {
    let ca = TestCa::new("pushgateway CA");
    let mut web = WebConfig::serving(ca.server(LOOPBACK_NAMES));
    web.basic_auth = vec![("chaos".into(), "s3cret".into())];
    let gateway = gateway(web, None);
    let prometheus = Prometheus::start();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = write(dir.path(), "ca.pem", &ca.cert_pem());
    let configuration = json!({"prometheus_pushgateway_ca_bundle": ca_file});

    // No CA: the push fails on the certificate, and says what fixes it.
    let (status, journal, stderr) = run_experiment(
        &experiment(
            &prometheus,
            &gateway,
            json!({}),
            json!({"pushgateway_basic_auth": "chaos:s3cret"}),
            json!({}),
        ),
        &[],
    );
    assert_ne!(status, 0, "{stderr}\n{journal}");
    assert!(
        stderr.contains("prometheus_pushgateway_ca_bundle") || stderr.contains("certificate"),
        "{stderr}"
    );
    assert!(pushed_jobs(&gateway).is_empty());

    // A wrong password: the Pushgateway's 401.
    let wrong = experiment(
        &prometheus,
        &gateway,
        configuration.clone(),
        json!({"pushgateway_basic_auth": "chaos:nope"}),
        json!({}),
    );
    let (status, _, stderr) = run_experiment(&wrong, &[]);
    assert_ne!(status, 0, "{stderr}");
    assert!(stderr.contains("401"), "{stderr}");
    assert!(pushed_jobs(&gateway).is_empty());

    let right = experiment(
        &prometheus,
        &gateway,
        configuration,
        json!({"pushgateway_basic_auth": "chaos:s3cret"}),
        json!({}),
    );
    let (status, journal, stderr) = run_experiment(&right, &[]);
    assert_eq!(status, 0, "{stderr}\n{journal}");
    assert_eq!(journal["status"], "completed");
    assert_eq!(pushed_jobs(&gateway), ["tls"]);
    assert!(gateway
        .metrics()
        .contains("chaostoolkit_experiment_status{"));
    // The journal keeps the experiment as written, inline secrets and all,
    // as chaos run's does; nothing else in it or on stderr shows the password.
    let mut rest = journal.clone();
    rest.as_object_mut().unwrap().remove("experiment");
    assert!(
        !stderr.contains("s3cret") && !rest.to_string().contains("s3cret"),
        "{stderr}\n{rest}"
    );
}

#[test]
fn the_control_presents_its_client_certificate_to_a_pushgateway_that_requires_one() {
    let ca = TestCa::new("pushgateway CA");
    let client = ca.client("chaos");
    let mut web = WebConfig::serving(ca.server(LOOPBACK_NAMES));
    web.client_ca = Some(ca.cert_pem());
    let gateway = gateway(web, Some(ca.client("reader")));
    let prometheus = Prometheus::start();
    let dir = tempfile::tempdir().unwrap();
    let configuration =
        json!({"prometheus_pushgateway_ca_bundle": write(dir.path(), "ca.pem", &ca.cert_pem())});

    let (status, _, stderr) = run_experiment(
        &experiment(
            &prometheus,
            &gateway,
            configuration.clone(),
            json!({}),
            json!({}),
        ),
        &[],
    );
    assert_ne!(status, 0, "refused without a client certificate: {stderr}");
    assert!(pushed_jobs(&gateway).is_empty());

    let identity = json!({
        "pushgateway_client_cert": client.cert_pem,
        "pushgateway_client_key": write(dir.path(), "client.key", &client.key_pem),
    });
    let (status, journal, stderr) = run_experiment(
        &experiment(&prometheus, &gateway, configuration, identity, json!({})),
        &[],
    );
    assert_eq!(status, 0, "{stderr}\n{journal}");
    assert_eq!(pushed_jobs(&gateway), ["tls"]);
}

#[test]
fn the_controls_verify_tls_false_alone_accepts_a_self_signed_pushgateway() {
    let gateway = gateway(WebConfig::serving(tls::self_signed()), None);
    let prometheus = Prometheus::start();
    let verified = experiment(&prometheus, &gateway, json!({}), json!({}), json!({}));
    let (status, _, stderr) = run_experiment(&verified, &[]);
    assert_ne!(status, 0, "{stderr}");
    assert!(pushed_jobs(&gateway).is_empty());

    let insecure = experiment(
        &prometheus,
        &gateway,
        json!({}),
        json!({}),
        json!({"verify_tls": false}),
    );
    let (status, journal, stderr) = run_experiment(&insecure, &[]);
    assert_eq!(status, 0, "{stderr}\n{journal}");
    assert_eq!(pushed_jobs(&gateway), ["tls"]);
}
