//! The host's HTTP proxies: requests through a real tinyproxy (plain
//! requests in absolute form, https through CONNECT with the proxy's
//! credentials), `NO_PROXY`, an explicit proxy over the environment, the
//! allow-list applied to the target; and the environment's proxy chosen as
//! the Python extension's `requests` chooses it, differentially over a
//! generated corpus (`oracle.py`, run in the reference virtualenv).

use chaosprometheus_host::{
    Authority, CallError, EnvironmentProxies, HostConfig, OutboundPolicy, ProbeError, ProbeHost,
    ProxyUrl, TlsOptions, TransportFailure,
};
use harness::answers::instant;
use harness::proxy::Tinyproxy;
use harness::servers::{Prometheus, PrometheusOptions};
use harness::tls::{TestCa, WebConfig, LOOPBACK_NAMES};

mod requests_differential;

fn environment(vars: &[(&str, &str)]) -> EnvironmentProxies {
    EnvironmentProxies::from_vars(vars.iter().map(|(n, v)| (n.to_string(), v.to_string())))
}

fn host(policy: OutboundPolicy) -> ProbeHost {
    ProbeHost::new(HostConfig {
        cache_dir: Some(harness::test_cache_dir()),
        policy,
        ..HostConfig::default()
    })
    .unwrap()
}

fn allowing(urls: &[&str], vars: &[(&str, &str)]) -> OutboundPolicy {
    let mut policy = OutboundPolicy::default();
    for url in urls {
        policy.allow(Authority::from_url(url).unwrap());
    }
    policy.proxies.environment = Some(environment(vars));
    policy
}

fn two(answer: Result<String, CallError>) {
    let answer = answer.unwrap();
    assert!(
        answer.contains(r#""result":[1"#) || answer.contains("\"2\""),
        "{answer}"
    );
}

#[tokio::test]
async fn http_goes_through_the_environments_proxy_unless_no_proxy_names_the_host() {
    let prometheus = Prometheus::start();
    let proxy = Tinyproxy::start(None);
    let endpoint = harness::endpoint(&prometheus.url);
    // The proxy is not on the allow-list: the list is of targets.
    let policy = allowing(&[&prometheus.url], &[("HTTP_PROXY", &proxy.url)]);
    two(host(policy).query(&endpoint, &instant("1+1")).await);
    let through = proxy.requests();
    assert_eq!(through.len(), 1, "{through:?}");
    assert!(
        through[0].starts_with(&format!("GET {}/api/v1/query?query=1%2B1", prometheus.url)),
        "{through:?}"
    );

    let bypass = allowing(
        &[&prometheus.url],
        &[
            ("HTTP_PROXY", &proxy.url),
            ("NO_PROXY", "localhost,127.0.0.1"),
        ],
    );
    two(host(bypass).query(&endpoint, &instant("1+1")).await);
    assert_eq!(
        proxy.requests().len(),
        1,
        "NO_PROXY: straight to the server"
    );
}

#[tokio::test]
async fn https_is_tunnelled_with_connect_and_the_proxys_credentials() {
    let ca = TestCa::new("proxied CA");
    let prometheus = Prometheus::start_with(PrometheusOptions {
        web_config: Some(WebConfig::serving(ca.server(LOOPBACK_NAMES))),
        ..PrometheusOptions::default()
    });
    let proxy = Tinyproxy::start(Some(("chaos", "s3cret")));
    let with = |proxy_url: &str| {
        let mut policy = allowing(&[&prometheus.url], &[("https_proxy", proxy_url)]);
        let authority = Authority::from_url(&prometheus.url).unwrap();
        let tls = TlsOptions {
            ca_bundle: Some(ca.cert_pem().into_bytes()),
            ..TlsOptions::default()
        };
        policy.set_tls(authority, tls).unwrap();
        host(policy)
    };
    let endpoint = harness::endpoint(&prometheus.url);
    let address = proxy.url.trim_start_matches("http://");
    let good = format!("http://chaos:s3cret@{address}");
    two(with(&good).query(&endpoint, &instant("1+1")).await);
    let target = prometheus.url.trim_start_matches("https://");
    assert_eq!(
        proxy.requests(),
        [format!("CONNECT {target} HTTP/1.1")],
        "TLS end to end, through the tunnel"
    );

    let refused = with(&format!("http://chaos:wrong@{address}"))
        .query(&endpoint, &instant("1+1"))
        .await;
    match &refused {
        Err(CallError::Probe(ProbeError::Transport(t))) => {
            assert!(t.message.contains("would not open a tunnel"), "{t:?}");
            assert!(!t.message.contains("wrong"), "{t:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_explicit_proxy_wins_over_the_environment_and_the_allow_list_still_decides() {
    let prometheus = Prometheus::start();
    let other = Prometheus::start();
    let proxy = Tinyproxy::start(None);
    let dead = format!("http://127.0.0.1:{}", harness::servers::free_port());
    let mut policy = allowing(&[&prometheus.url], &[("HTTP_PROXY", &dead)]);
    policy.proxies.every = Some(ProxyUrl::parse(&proxy.url).unwrap());
    let host = host(policy);
    two(host
        .query(&harness::endpoint(&prometheus.url), &instant("1+1"))
        .await);
    assert_eq!(proxy.requests().len(), 1);

    // A target off the list is denied before the proxy hears of it.
    let denied = host
        .query(&harness::endpoint(&other.url), &instant("1+1"))
        .await;
    assert!(
        matches!(&denied, Err(CallError::Probe(ProbeError::Transport(t))) if t.kind == TransportFailure::Denied),
        "{denied:?}"
    );
    assert_eq!(proxy.requests().len(), 1);
}

#[tokio::test]
async fn a_proxy_that_is_down_is_named_in_the_error() {
    let prometheus = Prometheus::start();
    let dead = format!("http://127.0.0.1:{}", harness::servers::free_port());
    let policy = allowing(&[&prometheus.url], &[("http_proxy", &dead)]);
    let error = host(policy)
        .query(&harness::endpoint(&prometheus.url), &instant("1+1"))
        .await;
    match &error {
        Err(CallError::Probe(ProbeError::Transport(t))) => {
            assert!(
                t.message.contains(&format!("(through the proxy {dead})")),
                "{t:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}
