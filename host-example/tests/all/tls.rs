//! TLS as host policy, against real Prometheus processes serving https
//! (`--web.config.file`) with certificates from a CA each test makes: what
//! is trusted, a client certificate, verification off, basic auth; each
//! failure a `transport/tls` error that says which option fixes it.

use chaosprometheus_host::{
    Authority, CallError, ClientIdentity, Credential, HostConfig, InstantQuery, OutboundPolicy,
    ProbeError, ProbeHost, TlsError, TlsOptions, TransportFailure,
};
use harness::servers::{Prometheus, PrometheusOptions};
use harness::tls::{self, Issued, TestCa, WebConfig, LOOPBACK_NAMES};

fn serving(web_config: WebConfig) -> Prometheus {
    Prometheus::start_with(PrometheusOptions {
        web_config: Some(web_config),
        ..PrometheusOptions::default()
    })
}

fn host(prometheus: &Prometheus, tls: TlsOptions, credential: Option<Credential>) -> ProbeHost {
    let mut policy = OutboundPolicy::default();
    let authority = policy
        .allow_endpoint(&prometheus.url, (credential, Vec::new()))
        .unwrap();
    policy.set_tls(authority, tls).unwrap();
    ProbeHost::new(HostConfig {
        cache_dir: Some(harness::test_cache_dir()),
        policy,
        ..HostConfig::default()
    })
    .unwrap()
}

fn trusting(ca: &TestCa) -> TlsOptions {
    TlsOptions {
        ca_bundle: Some(ca.cert_pem().into_bytes()),
        ..TlsOptions::default()
    }
}

async fn query(host: &ProbeHost, prometheus: &Prometheus) -> Result<String, CallError> {
    let request = InstantQuery {
        query: "1+1".into(),
        when: None,
        timeout: None,
    };
    host.query(&harness::endpoint(&prometheus.url), &request)
        .await
}

/// The message of a `transport/tls` error, or a panic naming what came.
fn tls_error(outcome: Result<String, CallError>) -> String {
    match outcome {
        Err(CallError::Probe(ProbeError::Transport(t))) if t.kind == TransportFailure::Tls => {
            t.message
        }
        other => panic!("expected a transport/tls error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_certificate_from_a_trusted_ca_is_accepted() {
    let ca = TestCa::new("test CA");
    let prometheus = serving(WebConfig::serving(ca.server(LOOPBACK_NAMES)));
    assert!(prometheus.url.starts_with("https://"));
    let answer = query(&host(&prometheus, trusting(&ca), None), &prometheus)
        .await
        .unwrap();
    assert!(
        answer.contains(r#""result":[1"#) || answer.contains("\"2\""),
        "{answer}"
    );
}

#[tokio::test]
async fn an_unknown_ca_is_a_tls_error_that_names_the_options_that_fix_it() {
    let ca = TestCa::new("private CA");
    let prometheus = serving(WebConfig::serving(ca.server(LOOPBACK_NAMES)));
    let message =
        tls_error(query(&host(&prometheus, TlsOptions::default(), None), &prometheus).await);
    for fix in [
        "not signed by a CA this host trusts",
        "--cacert",
        "prometheus_ca_bundle",
        "verify_tls false",
    ] {
        assert!(message.contains(fix), "{fix} missing from: {message}");
    }
    assert!(message.contains(&prometheus.url), "{message}");
    // Another CA's bundle does not help either.
    let other = TestCa::new("another CA");
    let message = tls_error(query(&host(&prometheus, trusting(&other), None), &prometheus).await);
    assert!(message.contains("--cacert"), "{message}");
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused() {
    let ca = TestCa::new("test CA");
    let prometheus = serving(WebConfig::serving(ca.server(&["prometheus.example"])));
    let message = tls_error(query(&host(&prometheus, trusting(&ca), None), &prometheus).await);
    assert!(message.contains("another host name"), "{message}");
    assert!(message.contains("prometheus.example"), "{message}");
}

#[tokio::test]
async fn an_expired_certificate_is_refused() {
    let ca = TestCa::new("test CA");
    let prometheus = serving(WebConfig::serving(ca.expired_server(LOOPBACK_NAMES)));
    let message = tls_error(query(&host(&prometheus, trusting(&ca), None), &prometheus).await);
    assert!(message.contains("expired"), "{message}");
}

#[tokio::test]
async fn a_server_that_requires_a_client_certificate_gets_the_hosts() {
    let ca = TestCa::new("test CA");
    let prometheus = serving(WebConfig {
        client_ca: Some(ca.cert_pem()),
        ..WebConfig::serving(ca.server(LOOPBACK_NAMES))
    });
    let message = tls_error(query(&host(&prometheus, trusting(&ca), None), &prometheus).await);
    assert!(message.contains("client certificate"), "{message}");
    assert!(message.contains("--cert FILE --key FILE"), "{message}");
    assert!(message.contains("prometheus_client_cert"), "{message}");

    let Issued { cert_pem, key_pem } = ca.client("chaos");
    let with_identity = TlsOptions {
        client_identity: Some(ClientIdentity {
            cert_chain: cert_pem.into_bytes(),
            private_key: key_pem.clone().into_bytes(),
        }),
        ..trusting(&ca)
    };
    let answered = query(&host(&prometheus, with_identity, None), &prometheus).await;
    assert!(answered.is_ok(), "{answered:?}");

    // A client certificate from a CA the server does not know is refused.
    let stranger = TestCa::new("stranger CA").client("chaos");
    let refused = TlsOptions {
        client_identity: Some(ClientIdentity {
            cert_chain: stranger.cert_pem.into_bytes(),
            private_key: stranger.key_pem.clone().into_bytes(),
        }),
        ..trusting(&ca)
    };
    let message = tls_error(query(&host(&prometheus, refused, None), &prometheus).await);
    assert!(message.contains("client certificate"), "{message}");
    // The key never shows.
    assert!(!message.contains("PRIVATE KEY") && !message.contains(&stranger.key_pem[40..80]));
}

#[tokio::test]
async fn only_verify_tls_false_accepts_a_self_signed_certificate() {
    let prometheus = serving(WebConfig::serving(tls::self_signed()));
    let message =
        tls_error(query(&host(&prometheus, TlsOptions::default(), None), &prometheus).await);
    assert!(message.contains("verify_tls false"), "{message}");
    let unrelated = TestCa::new("unrelated CA");
    tls_error(query(&host(&prometheus, trusting(&unrelated), None), &prometheus).await);

    let insecure = TlsOptions {
        verify: false,
        ..TlsOptions::default()
    };
    let answered = query(&host(&prometheus, insecure, None), &prometheus).await;
    assert!(answered.is_ok(), "{answered:?}");
}

#[tokio::test]
async fn verification_is_the_hosts_per_authority() {
    // An insecure policy for one authority does not loosen another's.
    let first = serving(WebConfig::serving(tls::self_signed()));
    let second = serving(WebConfig::serving(tls::self_signed()));
    let mut policy = OutboundPolicy::default();
    let one = policy
        .allow_endpoint(&first.url, (None, Vec::new()))
        .unwrap();
    policy.allow(Authority::from_url(&second.url).unwrap());
    policy
        .set_tls(
            one.clone(),
            TlsOptions {
                verify: false,
                ..TlsOptions::default()
            },
        )
        .unwrap();
    assert!(
        policy
            .tls_for(&Authority::from_url(&second.url).unwrap())
            .verify
    );
    let host = ProbeHost::new(HostConfig {
        cache_dir: Some(harness::test_cache_dir()),
        policy,
        ..HostConfig::default()
    })
    .unwrap();
    assert!(query(&host, &first).await.is_ok());
    tls_error(query(&host, &second).await);
}

#[tokio::test]
async fn basic_auth_over_tls() {
    let ca = TestCa::new("test CA");
    let prometheus = serving(WebConfig {
        basic_auth: vec![("chaos".into(), "s3cret-over-tls".into())],
        ..WebConfig::serving(ca.server(LOOPBACK_NAMES))
    });
    let without = query(&host(&prometheus, trusting(&ca), None), &prometheus).await;
    assert!(
        matches!(&without, Err(CallError::Probe(ProbeError::HttpStatus(h))) if h.status == 401),
        "{without:?}"
    );
    let credential = Credential::Basic {
        user: "chaos".into(),
        password: "s3cret-over-tls".into(),
    };
    let answered = query(
        &host(&prometheus, trusting(&ca), Some(credential)),
        &prometheus,
    )
    .await;
    assert!(answered.is_ok(), "{answered:?}");
}

#[test]
fn a_bad_ca_bundle_is_refused_when_the_policy_is_made() {
    let mut policy = OutboundPolicy::default();
    let error = policy
        .set_tls(
            Authority::from_url("https://127.0.0.1:9090").unwrap(),
            TlsOptions {
                ca_bundle: Some(b"-----BEGIN CERTIFICATE-----\nnot base64\n".to_vec()),
                ..TlsOptions::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(error, TlsError::CaBundleNotPem | TlsError::CaBundleEmpty),
        "{error:?}"
    );
    assert!(error.to_string().contains("CA bundle"), "{error}");
}
