//! Credentials held by the host: injected for their own authority only,
//! never settable by the component, never in what a person or a log sees.

use chaosprometheus_host::{
    Authority, CallError, Credential, Endpoint, HostConfig, OutboundPolicy, ProbeError, ProbeHost,
};
use harness::answers::instant;
use harness::fake::{response, FakeServer, Reply};

/// If this ever shows up in output, a credential leaked.
const SENTINEL: &str = "sentinel-7f3a9c2e-do-not-print";

const EMPTY_VECTOR: &str = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;

fn host_with(policy: OutboundPolicy) -> ProbeHost {
    ProbeHost::new(HostConfig {
        cache_dir: Some(harness::test_cache_dir()),
        policy,
        ..HostConfig::default()
    })
    .unwrap()
}

#[tokio::test]
async fn credentials_and_headers_go_to_their_authority_only() {
    let secured = FakeServer::answering(200, "application/json", EMPTY_VECTOR);
    let other = FakeServer::answering(200, "application/json", EMPTY_VECTOR);
    let mut policy = OutboundPolicy::default();
    policy.inject(
        Authority::from_url(&secured.url).unwrap(),
        Some(Credential::Bearer(SENTINEL.into())),
        vec![("X-Scope-OrgID".into(), "tenant-1".into())],
    );
    policy.allow(Authority::from_url(&other.url).unwrap());
    let host = host_with(policy.clone());
    host.query(&harness::endpoint(&secured.url), &instant("up"))
        .await
        .unwrap();
    host.query(&harness::endpoint(&other.url), &instant("up"))
        .await
        .unwrap();

    let sent = secured.received()[0].headers.to_ascii_lowercase();
    assert!(
        sent.contains(&format!("authorization: bearer {SENTINEL}")),
        "{sent}"
    );
    assert!(sent.contains("x-scope-orgid: tenant-1"), "{sent}");
    let elsewhere = other.received()[0].headers.to_ascii_lowercase();
    assert!(
        !elsewhere.contains("authorization") && !elsewhere.contains("x-scope-orgid"),
        "{elsewhere}"
    );
    assert!(
        !format!("{policy:?}").contains(SENTINEL),
        "the policy's Debug form redacts"
    );
}

#[tokio::test]
async fn basic_auth_is_sent_as_rfc_7617_says() {
    let server = FakeServer::answering(200, "application/json", EMPTY_VECTOR);
    let mut policy = OutboundPolicy::default();
    policy.inject(
        Authority::from_url(&server.url).unwrap(),
        Some(Credential::basic_from("chaos:s3cret:with:colons").unwrap()),
        vec![],
    );
    host_with(policy)
        .query(&harness::endpoint(&server.url), &instant("up"))
        .await
        .unwrap();
    // base64("chaos:s3cret:with:colons")
    assert!(server.received()[0]
        .headers
        .contains("authorization: Basic Y2hhb3M6czNjcmV0OndpdGg6Y29sb25z"));
}

#[tokio::test]
async fn the_component_cannot_set_authorization_itself() {
    let server = FakeServer::answering(200, "application/json", EMPTY_VECTOR);
    let mut policy = OutboundPolicy::default();
    policy.allow(Authority::from_url(&server.url).unwrap());
    let endpoint = Endpoint {
        headers: vec![("Authorization".into(), "Bearer smuggled".into())],
        ..harness::endpoint(&server.url)
    };
    let error = host_with(policy).query(&endpoint, &instant("up")).await;
    let Err(CallError::Probe(ProbeError::InvalidArgument(message))) = error else {
        panic!("{error:?}")
    };
    assert!(
        message.contains("'Authorization' cannot be sent: the host forbids it"),
        "{message}"
    );
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn a_credential_echoed_by_the_server_is_redacted_from_errors() {
    // A proxy that reflects the request's headers in its error page.
    let echo = FakeServer::start(|request| {
        Reply::Bytes(response(
            502,
            "text/html",
            format!("<pre>{}</pre>", request.headers).as_bytes(),
        ))
    });
    let mut policy = OutboundPolicy::default();
    policy.inject(
        Authority::from_url(&echo.url).unwrap(),
        Some(Credential::Bearer(SENTINEL.into())),
        vec![],
    );
    let error = host_with(policy)
        .query(&harness::endpoint(&echo.url), &instant("up"))
        .await;
    let Err(CallError::Probe(ProbeError::HttpStatus(status))) = error else {
        panic!("{error:?}")
    };
    assert!(
        echo.received()[0].headers.contains(SENTINEL),
        "the server did get the credential"
    );
    assert!(
        !status.body.contains(SENTINEL) && !status.message.contains(SENTINEL),
        "{status:?}"
    );
    assert!(status.body.contains("<redacted>"));
}
