//! An experiment's configuration and secrets read into what the host does
//! for an endpoint: its URL, the credential and headers it adds, its TLS and
//! how its reads are retried. `chaosprom run` and the Python package read
//! them here; the CLI and Node take the same settings as options and share
//! the credential rule ([`Credential::from_token_or_basic`]) and the retry
//! bounds ([`attempts`]).
//!
//! The keys, for a prefix such as `prometheus` or `pushgateway`:
//! `<prefix>_bearer_token`, `<prefix>_basic_auth` (`user:password`; a token
//! wins over it) and `<prefix>_headers` (a mapping, values as Python's
//! `str()` writes them) in the secrets; `<prefix>_ca_bundle` in the
//! configuration and `<prefix>_client_cert` / `<prefix>_client_key` in the
//! secrets, each a PEM text or the path of a PEM file (an empty value is
//! none); `prometheus_retries` and `prometheus_retry_budget` in the
//! configuration; `<prefix>_proxy` in the configuration, an HTTP proxy for
//! that endpoint (the environment's `HTTP_PROXY` and the rest otherwise,
//! [`crate::proxy`]).

use std::time::Duration;

use serde_json::{Map, Value};

use crate::rules::python::str_value;
use crate::rules::request::DEFAULT_BASE_URL;
use crate::{
    pem_or_file, Authority, AuthorityError, ClientIdentity, Credential, CredentialError, HostAuth,
    OutboundPolicy, RetryPolicy, TlsError, TlsOptions,
};

/// Tries in all a read may get, at most (`--retries`, `prometheus_retries`,
/// the Python package's).
pub const MAX_ATTEMPTS: u32 = 20;

/// Longest retry budget, in seconds.
pub const MAX_BUDGET_SECONDS: f64 = 3600.0;

/// What is wrong with a setting.
#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    #[error("secret {key}: {source}")]
    Credential {
        key: String,
        source: CredentialError,
    },
    #[error("{0} must be a URL string, not {1}")]
    NotUrl(&'static str, Value),
    #[error("{setting}: {source}")]
    Url {
        setting: &'static str,
        source: AuthorityError,
    },
    /// A PEM setting whose file cannot be read (its contents never shown).
    #[error("{0}")]
    Pem(String),
    #[error("secrets {cert} and {key} go together")]
    HalfIdentity { cert: String, key: String },
    #[error("TLS for {authority}: {source}")]
    Tls {
        authority: Authority,
        source: Box<TlsError>,
    },
    #[error("{key}: {source}")]
    Proxy {
        key: String,
        source: crate::ProxyError,
    },
    #[error("prometheus_retries {0}")]
    Retries(#[from] AttemptsError),
    #[error(
        "prometheus_retry_budget must be a number of seconds up to {MAX_BUDGET_SECONDS}, not {0}"
    )]
    RetryBudget(Value),
}

/// `prometheus_base_url` from the configuration, else the default.
pub fn prometheus_base_url(configuration: &Map<String, Value>) -> Result<String, SettingError> {
    match configuration.get("prometheus_base_url") {
        None | Some(Value::Null) => Ok(DEFAULT_BASE_URL.to_string()),
        Some(Value::String(url)) => Ok(url.clone()),
        Some(other) => Err(SettingError::NotUrl("prometheus_base_url", other.clone())),
    }
}

/// The credential and headers the host adds for `prefix`'s endpoint; the
/// component never sees them.
pub fn credentials(secrets: &Map<String, Value>, prefix: &str) -> Result<HostAuth, SettingError> {
    let text = |key: String| {
        secrets
            .get(&key)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let basic_key = format!("{prefix}_basic_auth");
    let credential = Credential::from_token_or_basic(
        text(format!("{prefix}_bearer_token")),
        text(basic_key.clone()).as_deref(),
    )
    .map_err(|source| SettingError::Credential {
        key: basic_key,
        source,
    })?;
    let headers = secrets
        .get(&format!("{prefix}_headers"))
        .and_then(Value::as_object)
        .map(|map| map.iter().map(|(k, v)| (k.clone(), str_value(v))).collect())
        .unwrap_or_default();
    Ok((credential, headers))
}

/// Sets `authority`'s TLS from `<config_prefix>_ca_bundle` (configuration)
/// and `<secret_prefix>_client_cert` / `_client_key` (secrets); `verify:
/// false` turns verification off. What is not set keeps the policy's.
pub fn apply_tls(
    policy: &mut OutboundPolicy,
    authority: &Authority,
    (configuration, secrets): (&Map<String, Value>, &Map<String, Value>),
    (config_prefix, secret_prefix): (&str, &str),
    verify: bool,
) -> Result<(), SettingError> {
    fn set(value: Option<&Value>) -> Option<&str> {
        value
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    }
    let pem = |key: &str, value: &str| pem_or_file(key, value).map_err(SettingError::Pem);
    let mut tls = policy.tls_for(authority);
    let ca_key = format!("{config_prefix}_ca_bundle");
    if let Some(ca) = set(configuration.get(&ca_key)) {
        tls.ca_bundle = Some(pem(&ca_key, ca)?);
    }
    let cert_key = format!("{secret_prefix}_client_cert");
    let key_key = format!("{secret_prefix}_client_key");
    match (set(secrets.get(&cert_key)), set(secrets.get(&key_key))) {
        (Some(cert), Some(key)) => {
            tls.client_identity = Some(ClientIdentity {
                cert_chain: pem(&cert_key, cert)?,
                private_key: pem(&key_key, key)?,
            })
        }
        (None, None) => {}
        _ => {
            return Err(SettingError::HalfIdentity {
                cert: cert_key,
                key: key_key,
            })
        }
    }
    tls.verify &= verify;
    if authority.scheme == "https" {
        tracing::debug!(%authority, tls = %tls.describe(), "TLS");
    }
    set_tls(policy, authority, tls)
}

fn set_tls(
    policy: &mut OutboundPolicy,
    authority: &Authority,
    tls: TlsOptions,
) -> Result<(), SettingError> {
    policy
        .set_tls(authority.clone(), tls)
        .map_err(|source| SettingError::Tls {
            authority: authority.clone(),
            source: Box::new(source),
        })
}

/// `<prefix>_proxy` from the configuration: every request for `authority`
/// goes through it.
pub fn apply_proxy(
    policy: &mut OutboundPolicy,
    authority: &Authority,
    configuration: &Map<String, Value>,
    prefix: &str,
) -> Result<(), SettingError> {
    let key = format!("{prefix}_proxy");
    if let Some(text) = configuration
        .get(&key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
    {
        let proxy =
            crate::ProxyUrl::parse(text).map_err(|source| SettingError::Proxy { key, source })?;
        policy.proxies.set(authority.clone(), proxy);
    }
    Ok(())
}

/// A number of tries out of bounds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("must be a whole number of tries from 1 to {MAX_ATTEMPTS}, not {0}")]
pub struct AttemptsError(pub Value);

/// Tries in all, from 1 to [`MAX_ATTEMPTS`]: a whole number or its text.
pub fn attempts(value: &Value) -> Result<u32, AttemptsError> {
    value
        .as_u64()
        .or_else(|| value.as_str()?.trim().parse().ok())
        .filter(|n| (1..=u64::from(MAX_ATTEMPTS)).contains(n))
        .map(|n| n as u32)
        .ok_or_else(|| AttemptsError(value.clone()))
}

/// `--retries`' parser: the same bounds as the configuration's.
pub fn parse_attempts(text: &str) -> Result<u32, AttemptsError> {
    attempts(&Value::String(text.to_string()))
}

/// `prometheus_retries` (tries in all) and `prometheus_retry_budget`
/// (seconds, a number or its text) over the policy's retries.
pub fn apply_retries(
    policy: &mut OutboundPolicy,
    authority: &Authority,
    configuration: &Map<String, Value>,
) -> Result<(), SettingError> {
    let mut retry: RetryPolicy = policy.retry_for(authority);
    if let Some(value) = configuration.get("prometheus_retries") {
        retry.attempts = attempts(value)?;
    }
    if let Some(value) = configuration.get("prometheus_retry_budget") {
        let seconds = value
            .as_f64()
            .or_else(|| value.as_str()?.trim().parse().ok())
            .filter(|s| s.is_finite() && (0.0..=MAX_BUDGET_SECONDS).contains(s))
            .ok_or_else(|| SettingError::RetryBudget(value.clone()))?;
        retry.budget = Duration::from_secs_f64(seconds);
    }
    policy.set_retry(authority.clone(), retry);
    Ok(())
}

/// The policy of one Prometheus probe outside `chaosprom run` (the Python
/// package): the base URL's authority with its credentials, TLS and
/// retries, from the configuration and the activity's secrets.
pub fn prometheus_policy(
    configuration: &Map<String, Value>,
    secrets: &Map<String, Value>,
    verify_tls: bool,
) -> Result<(String, OutboundPolicy), SettingError> {
    let base_url = prometheus_base_url(configuration)?;
    let mut policy = OutboundPolicy::from_environment();
    let authority = policy
        .allow_endpoint(&base_url, credentials(secrets, "prometheus")?)
        .map_err(|source| SettingError::Url {
            setting: "prometheus_base_url",
            source,
        })?;
    apply_tls(
        &mut policy,
        &authority,
        (configuration, secrets),
        ("prometheus", "prometheus"),
        verify_tls,
    )?;
    apply_retries(&mut policy, &authority, configuration)?;
    apply_proxy(&mut policy, &authority, configuration, "prometheus")?;
    Ok((base_url, policy))
}

/// Allows a control's Pushgateway at `url` with the credentials of the
/// `pushgateway_*` secrets and the TLS of `prometheus_pushgateway_ca_bundle`
/// and `pushgateway_client_cert`/`_key`; `verify: false` (the control's
/// `verify_tls`) turns verification off. When the Pushgateway is the
/// `prometheus` authority, that authority's TLS is left as it is.
pub fn allow_pushgateway(
    policy: &mut OutboundPolicy,
    url: &str,
    (configuration, secrets): (&Map<String, Value>, &Map<String, Value>),
    prometheus: Option<&Authority>,
    verify: bool,
) -> Result<Authority, SettingError> {
    let gateway = policy
        .allow_endpoint(url, credentials(secrets, "pushgateway")?)
        .map_err(|source| SettingError::Url {
            setting: "pushgateway_url",
            source,
        })?;
    if prometheus != Some(&gateway) {
        let names = ("prometheus_pushgateway", "pushgateway");
        apply_tls(policy, &gateway, (configuration, secrets), names, verify)?;
        apply_proxy(policy, &gateway, configuration, "pushgateway")?;
    }
    Ok(gateway)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_bearer_token_wins_over_basic_auth_and_headers_read_as_python_str() {
        let secrets = map(json!({
            "prometheus_bearer_token": "t0ken",
            "prometheus_basic_auth": "u:p",
            "prometheus_headers": {"X-Scope-OrgID": "tenant", "X-N": 3}
        }));
        let (credential, headers) = credentials(&secrets, "prometheus").unwrap();
        assert!(matches!(credential, Some(Credential::Bearer(t)) if t == "t0ken"));
        assert_eq!(
            headers,
            [
                ("X-Scope-OrgID".to_string(), "tenant".to_string()),
                ("X-N".to_string(), "3".to_string())
            ]
        );
        let basic = map(json!({"pushgateway_basic_auth": "u:p"}));
        assert!(matches!(
            credentials(&basic, "pushgateway").unwrap().0,
            Some(Credential::Basic { user, password }) if user == "u" && password == "p"
        ));
        let bad = map(json!({"prometheus_basic_auth": "no-colon"}));
        assert!(matches!(
            credentials(&bad, "prometheus"),
            Err(SettingError::Credential { key, .. }) if key == "prometheus_basic_auth"
        ));
    }

    #[test]
    fn retry_bounds_are_one_to_twenty_tries_as_a_number_or_its_text() {
        assert_eq!(attempts(&json!(1)).unwrap(), 1);
        assert_eq!(attempts(&json!("20")).unwrap(), 20);
        for bad in [json!(0), json!(21), json!(true), json!(2.5), json!("many")] {
            assert_eq!(attempts(&bad), Err(AttemptsError(bad.clone())));
        }
        let mut policy = OutboundPolicy::default();
        let authority = Authority::from_url("http://127.0.0.1:9090").unwrap();
        let config = map(json!({"prometheus_retries": 5, "prometheus_retry_budget": "2.5"}));
        apply_retries(&mut policy, &authority, &config).unwrap();
        let retry = policy.retry_for(&authority);
        assert_eq!(
            (retry.attempts, retry.budget),
            (5, Duration::from_millis(2500))
        );
        let bad = map(json!({"prometheus_retry_budget": 3601}));
        assert!(matches!(
            apply_retries(&mut policy, &authority, &bad),
            Err(SettingError::RetryBudget(_))
        ));
    }

    #[test]
    fn the_base_url_defaults_and_must_be_a_string() {
        assert_eq!(prometheus_base_url(&Map::new()).unwrap(), DEFAULT_BASE_URL);
        assert!(matches!(
            prometheus_base_url(&map(json!({"prometheus_base_url": 9090}))),
            Err(SettingError::NotUrl(..))
        ));
    }

    #[test]
    fn a_missing_key_file_is_named_without_contents() {
        let mut policy = OutboundPolicy::default();
        let authority = Authority::from_url("https://127.0.0.1:9090").unwrap();
        let secrets = map(
            json!({"prometheus_client_cert": "/nonexistent/cert.pem", "prometheus_client_key": "/nonexistent/key.pem"}),
        );
        let error = apply_tls(
            &mut policy,
            &authority,
            (&Map::new(), &secrets),
            ("prometheus", "prometheus"),
            true,
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("prometheus_client_cert"),
            "{error}"
        );
        let half = map(json!({"prometheus_client_cert": "x"}));
        assert!(matches!(
            apply_tls(
                &mut policy,
                &authority,
                (&Map::new(), &half),
                ("prometheus", "prometheus"),
                true
            ),
            Err(SettingError::HalfIdentity { .. })
        ));
    }
}
