//! The outbound policy: which authorities the component may reach and how
//! long it may wait, enforced in the host before any connection is made.

use std::fmt;
use std::time::Duration;

use wasmtime_wasi_http::RequestOptions;

use crate::proxy::{EnvironmentProxies, ProxyError, ProxyUrl};
use crate::retry::RetryPolicy;
use crate::tls::{TlsClient, TlsError, TlsOptions};

/// `scheme://host:port`, the unit the policy allows. Host names are compared
/// as written (lower-cased): `localhost` and `127.0.0.1` are different
/// authorities, because the policy never resolves names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Authority {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

/// Why a URL or `--allow-host` value names no authority the policy can allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorityError {
    #[error("unsupported scheme '{scheme}' in '{url}': use http or https")]
    UnsupportedScheme { scheme: String, url: String },
    #[error("'{url}' is not a URL: {reason}")]
    NotUrl { url: String, reason: String },
    #[error("'{url}' has no scheme (http:// or https://)")]
    NoScheme { url: String },
    #[error("'{url}' has no host")]
    NoHost { url: String },
    #[error("'{url}' has no port and its scheme has no default")]
    NoPort { url: String },
    /// An `--allow-host` value that is not `HOST[:PORT]`.
    #[error("'{text}' is not HOST or HOST:PORT")]
    NotHostPort { text: String },
}

impl Authority {
    /// The authority of a URL such as `http://localhost:9090/prefix`.
    pub fn from_url(url: &str) -> Result<Authority, AuthorityError> {
        // Checked before parsing, which fails on `unix:///x` without saying
        // that its scheme is what is wrong.
        if let Some((scheme, _)) = url.trim().split_once("://") {
            let is_scheme = scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if is_scheme && default_port(&scheme.to_ascii_lowercase()).is_none() {
                return Err(AuthorityError::UnsupportedScheme {
                    scheme: scheme.to_string(),
                    url: url.to_string(),
                });
            }
        }
        let uri: http::Uri =
            url.trim()
                .parse()
                .map_err(|e: http::uri::InvalidUri| AuthorityError::NotUrl {
                    url: url.to_string(),
                    reason: e.to_string(),
                })?;
        let url = || url.to_string();
        let scheme = uri
            .scheme_str()
            .ok_or_else(|| AuthorityError::NoScheme { url: url() })?
            .to_ascii_lowercase();
        let host = uri
            .host()
            .ok_or_else(|| AuthorityError::NoHost { url: url() })?
            .to_ascii_lowercase();
        let port = uri
            .port_u16()
            .or_else(|| default_port(&scheme))
            .ok_or_else(|| AuthorityError::NoPort { url: url() })?;
        Ok(Authority { scheme, host, port })
    }

    /// `HOST[:PORT]` from `--allow-host`: both schemes, on the given port or
    /// on each scheme's default port.
    pub fn from_allow_host(text: &str) -> Result<Vec<Authority>, AuthorityError> {
        let schemes = ["http", "https"];
        let with_port = text.contains(':') && !text.ends_with(']');
        let mut out = Vec::new();
        for scheme in schemes {
            let url = format!("{scheme}://{text}");
            let mut authority =
                Authority::from_url(&url).map_err(|_| AuthorityError::NotHostPort {
                    text: text.to_string(),
                })?;
            if !with_port {
                authority.port = default_port(scheme).unwrap_or(authority.port);
            }
            out.push(authority);
        }
        Ok(out)
    }
}

impl fmt::Display for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// The most the guest may ask for each client timeout; a larger request is
/// lowered to these. A request with none gets the component's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutCeilings {
    pub connect: Duration,
    pub first_byte: Duration,
    pub between_bytes: Duration,
}

impl Default for TimeoutCeilings {
    fn default() -> Self {
        TimeoutCeilings {
            connect: Duration::from_secs(30),
            first_byte: Duration::from_secs(600),
            between_bytes: Duration::from_secs(120),
        }
    }
}

/// How the host authenticates to an authority for the component.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: Basic base64(<user>:<password>)`.
    Basic { user: String, password: String },
}

/// Why a credential as written cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("basic auth must be written user:password")]
    BasicNotUserPassword,
}

impl Credential {
    /// The credential of an endpoint written either way: a bearer token
    /// wins over `user:password` for basic auth; neither is none.
    pub fn from_token_or_basic(
        bearer_token: Option<String>,
        basic_auth: Option<&str>,
    ) -> Result<Option<Credential>, CredentialError> {
        match (bearer_token, basic_auth) {
            (Some(token), _) => Ok(Some(Credential::Bearer(token))),
            (None, Some(pair)) => Credential::basic_from(pair).map(Some),
            (None, None) => Ok(None),
        }
    }

    /// `user:password`, as in a basic-auth file.
    pub fn basic_from(text: &str) -> Result<Credential, CredentialError> {
        let text = text.trim_end_matches(['\n', '\r']);
        let (user, password) = text
            .split_once(':')
            .ok_or(CredentialError::BasicNotUserPassword)?;
        Ok(Credential::Basic {
            user: user.to_string(),
            password: password.to_string(),
        })
    }

    pub(crate) fn header_value(&self) -> String {
        use base64::Engine as _;
        match self {
            Credential::Bearer(token) => format!("Bearer {}", token.trim()),
            Credential::Basic { user, password } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            ),
        }
    }
}

/// Credentials never show in logs or errors.
impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Credential::Basic { user, .. } => write!(f, "Basic({user}:<redacted>)"),
        }
    }
}

/// What the host adds for one endpoint: a credential and extra headers.
pub type HostAuth = (Option<Credential>, Vec<(String, String)>);

/// What the host adds to every request for one authority.
#[derive(Clone, PartialEq, Eq)]
pub struct Injection {
    pub authority: Authority,
    pub credential: Option<Credential>,
    /// Extra headers, such as `X-Scope-OrgID` for a tenant.
    pub headers: Vec<(String, String)>,
}

impl fmt::Debug for Injection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Injection")
            .field("authority", &self.authority.to_string())
            .field("credential", &self.credential)
            .field("headers", &names)
            .finish()
    }
}

/// What the component may reach, and what the host adds on its way there.
/// Built from the configuration; shown by `chaosprom --help` and docs/security-model.md.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutboundPolicy {
    pub allowed: Vec<Authority>,
    pub ceilings: TimeoutCeilings,
    pub injections: Vec<Injection>,
    /// TLS for authorities without settings of their own; `None`: the
    /// system's CAs, verified, no client certificate.
    tls_default: Option<TlsClient>,
    tls: Vec<(Authority, TlsClient)>,
    /// Retries of reads for authorities without settings of their own.
    pub retry: RetryPolicy,
    retries: Vec<(Authority, RetryPolicy)>,
    /// The HTTP proxies requests go through: none unless set.
    pub proxies: Proxies,
}

/// Where the host finds the proxy of a request: a proxy set for its
/// authority, else one set for every authority, else (when trusted) the
/// environment as the Python extension's `requests` reads it. The
/// allow-list applies to the request's target, never to the proxy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Proxies {
    per_authority: Vec<(Authority, ProxyUrl)>,
    /// `--proxy`: every request.
    pub every: Option<ProxyUrl>,
    /// `HTTP_PROXY` and the rest, read when the policy was made.
    pub environment: Option<EnvironmentProxies>,
}

impl Proxies {
    /// The environment's proxies, read now (what every front end starts from).
    pub fn from_environment() -> Proxies {
        Proxies {
            environment: Some(EnvironmentProxies::from_env()),
            ..Proxies::default()
        }
    }

    /// Sends every request for `authority` through `proxy`.
    pub fn set(&mut self, authority: Authority, proxy: ProxyUrl) {
        self.per_authority.retain(|(a, _)| *a != authority);
        self.per_authority.push((authority, proxy));
    }

    /// The proxy a request for `uri` goes through, if any.
    pub fn for_request(
        &self,
        authority: &Authority,
        uri: &http::Uri,
    ) -> Result<Option<ProxyUrl>, ProxyError> {
        if let Some((_, proxy)) = self.per_authority.iter().find(|(a, _)| a == authority) {
            return Ok(Some(proxy.clone()));
        }
        if let Some(proxy) = &self.every {
            return Ok(Some(proxy.clone()));
        }
        let Some(environment) = &self.environment else {
            return Ok(None);
        };
        environment
            .select(uri)
            .map(|text| ProxyUrl::parse(&text))
            .transpose()
    }

    /// The passwords of every proxy URL, set or in the environment.
    fn passwords(&self) -> Vec<String> {
        let set = self.per_authority.iter().map(|(_, p)| p.clone());
        let environment = self
            .environment
            .iter()
            .flat_map(EnvironmentProxies::proxy_urls)
            .filter_map(|text| ProxyUrl::parse(&text).ok());
        set.chain(self.every.clone())
            .chain(environment)
            .filter_map(|proxy| proxy.password().map(str::to_string))
            .collect()
    }
}

impl OutboundPolicy {
    /// A policy that allows nothing yet and sends requests through the
    /// proxies this process's environment names: where every front end
    /// starts.
    pub fn from_environment() -> OutboundPolicy {
        OutboundPolicy {
            proxies: Proxies::from_environment(),
            ..OutboundPolicy::default()
        }
    }

    pub fn allow(&mut self, authority: Authority) {
        if !self.allowed.contains(&authority) {
            self.allowed.push(authority);
        }
    }

    pub fn allows(&self, authority: &Authority) -> bool {
        self.allowed.contains(authority)
    }

    /// Allows the authority of `url` and, when there is a credential or a
    /// header to add, has the host add them to every request for it. The
    /// one way every host (CLI, runner, bindings) builds an endpoint's policy.
    pub fn allow_endpoint(
        &mut self,
        url: &str,
        (credential, headers): HostAuth,
    ) -> Result<Authority, AuthorityError> {
        let authority = Authority::from_url(url)?;
        self.allow(authority.clone());
        if credential.is_some() || !headers.is_empty() {
            self.inject(authority.clone(), credential, headers);
        }
        Ok(authority)
    }

    /// Adds a credential and headers for `authority` (which it also allows).
    pub fn inject(
        &mut self,
        authority: Authority,
        credential: Option<Credential>,
        headers: Vec<(String, String)>,
    ) {
        self.allow(authority.clone());
        self.injections.retain(|i| i.authority != authority);
        self.injections.push(Injection {
            authority,
            credential,
            headers,
        });
    }

    /// Every secret text the host injects, in each form it is sent.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = Vec::new();
        for injection in &self.injections {
            if let Some(credential) = &injection.credential {
                let header = credential.header_value();
                if let Some((_, encoded)) = header.split_once(' ') {
                    secrets.push(encoded.to_string());
                }
                match credential {
                    Credential::Bearer(token) => secrets.push(token.trim().to_string()),
                    Credential::Basic { password, .. } => secrets.push(password.clone()),
                }
            }
            secrets.extend(injection.headers.iter().map(|(_, value)| value.clone()));
        }
        secrets.extend(self.proxies.passwords());
        secrets.retain(|s| s.len() >= 4);
        secrets
    }

    /// How the host speaks TLS to `authority`, replacing the default for it.
    /// Fails when a certificate or key cannot be read (without quoting it).
    pub fn set_tls(&mut self, authority: Authority, options: TlsOptions) -> Result<(), TlsError> {
        let client = TlsClient::new(options)?;
        self.tls.retain(|(a, _)| *a != authority);
        self.tls.push((authority, client));
        Ok(())
    }

    /// TLS for every authority without settings of its own (the CLI's
    /// `--cacert`, `--cert`/`--key`, `--insecure`).
    pub fn set_default_tls(&mut self, options: TlsOptions) -> Result<(), TlsError> {
        self.tls_default = Some(TlsClient::new(options)?);
        Ok(())
    }

    /// The TLS settings the host uses for `authority`.
    pub fn tls_for(&self, authority: &Authority) -> TlsOptions {
        self.tls_client_for(authority).options
    }

    pub(crate) fn tls_client_for(&self, authority: &Authority) -> TlsClient {
        self.tls
            .iter()
            .find(|(a, _)| a == authority)
            .map(|(_, client)| client.clone())
            .or_else(|| self.tls_default.clone())
            .unwrap_or_else(TlsClient::system)
    }

    /// How reads from `authority` are retried, replacing [`Self::retry`]
    /// for it.
    pub fn set_retry(&mut self, authority: Authority, retry: RetryPolicy) {
        self.retries.retain(|(a, _)| *a != authority);
        self.retries.push((authority, retry));
    }

    /// How reads from `authority` are retried.
    pub fn retry_for(&self, authority: &Authority) -> RetryPolicy {
        self.retries
            .iter()
            .find(|(a, _)| a == authority)
            .map_or(self.retry, |(_, retry)| *retry)
    }

    pub(crate) fn injection_for(&self, authority: &Authority) -> Option<&Injection> {
        self.injections.iter().find(|i| &i.authority == authority)
    }

    pub(crate) fn clamp(&self, options: Option<RequestOptions>) -> RequestOptions {
        let options = options.unwrap_or_default();
        let lower = |asked: Option<Duration>, ceiling: Duration| {
            Some(asked.map_or(ceiling, |a| a.min(ceiling)))
        };
        RequestOptions {
            connect_timeout: lower(options.connect_timeout, self.ceilings.connect),
            first_byte_timeout: lower(options.first_byte_timeout, self.ceilings.first_byte),
            between_bytes_timeout: lower(
                options.between_bytes_timeout,
                self.ceilings.between_bytes,
            ),
        }
    }
}

pub(crate) use crate::hooks::http_error_code;
pub use crate::hooks::PolicyHooks;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hooks::resolve;
    use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
    use wasmtime_wasi_http::Error as HttpError;

    #[test]
    fn authorities_from_urls() {
        let a = Authority::from_url("http://LocalHost:9090/prefix/").unwrap();
        assert_eq!(a.to_string(), "http://localhost:9090");
        assert_eq!(
            Authority::from_url("https://example.org").unwrap().port,
            443
        );
        assert_eq!(
            Authority::from_url("http://[::1]:9090").unwrap().host,
            "[::1]"
        );
        assert!(Authority::from_url("localhost:9090/x").is_err());
    }

    #[test]
    fn what_is_wrong_with_a_url_is_a_variant_a_caller_can_match() {
        let unsupported = Authority::from_url("unix:///run/prometheus.sock").unwrap_err();
        assert_eq!(
            unsupported,
            AuthorityError::UnsupportedScheme {
                scheme: "unix".into(),
                url: "unix:///run/prometheus.sock".into()
            }
        );
        assert_eq!(
            unsupported.to_string(),
            "unsupported scheme 'unix' in 'unix:///run/prometheus.sock': use http or https"
        );
        assert!(matches!(
            Authority::from_allow_host("a b"),
            Err(AuthorityError::NotHostPort { text }) if text == "a b"
        ));
        assert_eq!(
            Credential::basic_from("no-colon").unwrap_err(),
            CredentialError::BasicNotUserPassword
        );
    }

    #[test]
    fn allow_host_covers_both_schemes() {
        let with_port = Authority::from_allow_host("127.0.0.1:9091").unwrap();
        assert_eq!(
            with_port
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["http://127.0.0.1:9091", "https://127.0.0.1:9091"]
        );
        let bare = Authority::from_allow_host("example.org").unwrap();
        assert_eq!(
            bare.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["http://example.org:80", "https://example.org:443"]
        );
        assert!(Authority::from_allow_host("a b").is_err());
    }

    #[test]
    fn spellings_of_one_machine_are_different_authorities() {
        let mut policy = OutboundPolicy::default();
        policy.allow(Authority::from_url("http://127.0.0.1:9090").unwrap());
        assert!(policy.allows(&Authority::from_url("http://127.0.0.1:9090/api").unwrap()));
        for other in [
            "http://localhost:9090",
            "http://127.0.0.2:9090",
            "http://127.0.0.1:9091",
            "https://127.0.0.1:9090",
        ] {
            assert!(
                !policy.allows(&Authority::from_url(other).unwrap()),
                "{other}"
            );
        }
    }

    #[test]
    fn timeouts_are_clamped_to_the_ceilings() {
        let policy = OutboundPolicy::default();
        let asked = RequestOptions {
            connect_timeout: Some(Duration::from_secs(3600)),
            first_byte_timeout: Some(Duration::from_secs(1)),
            between_bytes_timeout: None,
        };
        let clamped = policy.clamp(Some(asked));
        assert_eq!(clamped.connect_timeout, Some(Duration::from_secs(30)));
        assert_eq!(clamped.first_byte_timeout, Some(Duration::from_secs(1)));
        assert_eq!(
            clamped.between_bytes_timeout,
            Some(Duration::from_secs(120))
        );
    }

    #[test]
    fn body_errors_get_codes_from_their_values_only() {
        let code = |error: HttpError| http_error_code(&wasmtime::Error::from(error));
        assert!(matches!(
            code(HttpError::ConnectionReadTimeout),
            Some(ErrorCode::ConnectionReadTimeout)
        ));
        assert!(matches!(
            code(HttpError::HttpResponseIncomplete),
            Some(ErrorCode::HttpResponseIncomplete)
        ));
        let text = wasmtime::format_err!("connection read timeout");
        assert!(http_error_code(&text).is_none(), "text is never read");
    }

    #[tokio::test]
    async fn an_ip_literal_is_not_looked_up() {
        let budget = Duration::from_secs(5);
        for url in ["http://127.0.0.1:9090", "http://[::1]:9090"] {
            let authority = Authority::from_url(url).unwrap();
            let (addresses, left) = resolve(&authority, budget).await.unwrap();
            assert_eq!(left, budget);
            assert_eq!(addresses.len(), 1);
        }
    }

    #[tokio::test]
    async fn a_name_is_looked_up_and_the_lookup_spends_the_connect_timeout() {
        // From the hosts file: nothing leaves the machine.
        let authority = Authority::from_url("http://localhost:9090").unwrap();
        let (_, left) = resolve(&authority, Duration::from_secs(5)).await.unwrap();
        assert!(left <= Duration::from_secs(5));
    }
}
