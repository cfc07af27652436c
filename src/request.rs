//! From a base URL and query parameters to the HTTP request the probes send:
//! a GET like upstream's, or a form POST when the URL would be too long.

use crate::error::ProbeError;
use crate::python::repr_str;

/// Used when the caller gives no base URL, as upstream does.
pub const DEFAULT_BASE_URL: &str = "http://localhost:9090";
/// A URL longer than this is sent as a form POST instead (proxies and
/// servers commonly cap request lines near 8 KiB).
pub const MAX_GET_URL_BYTES: usize = 8 * 1024;

pub const DEFAULT_CONNECT_TIMEOUT_MS: u32 = 5_000;
pub const DEFAULT_FIRST_BYTE_TIMEOUT_MS: u32 = 30_000;
pub const DEFAULT_BETWEEN_BYTES_TIMEOUT_MS: u32 = 30_000;
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
/// Added to a server-side `timeout` so the server's own error arrives
/// before the client gives up.
pub const SERVER_TIMEOUT_MARGIN_MS: u32 = 5_000;

/// The endpoint as a caller gives it (WIT `endpoint`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Endpoint {
    pub base_url: Option<String>,
    pub headers: Vec<(String, String)>,
    pub connect_timeout_ms: Option<u32>,
    pub first_byte_timeout_ms: Option<u32>,
    pub between_bytes_timeout_ms: Option<u32>,
    pub max_response_bytes: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Client timeouts in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect_ms: u32,
    pub first_byte_ms: u32,
    pub between_bytes_ms: u32,
}

/// A checked endpoint: where the API lives and how to talk to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub scheme: Scheme,
    /// `host[:port]`, as given.
    pub authority: String,
    /// The path before `/api/v1`, without a trailing slash (often empty).
    pub path_prefix: String,
    pub headers: Vec<(String, String)>,
    pub timeouts: Timeouts,
    pub max_response_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

/// One HTTP request, ready for the transport.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: Method,
    pub scheme: Scheme,
    pub authority: String,
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub timeouts: Timeouts,
    pub max_response_bytes: u64,
}

impl HttpRequest {
    /// `http://host:port/path?query`, for messages and logs.
    pub fn url(&self) -> String {
        format!(
            "{}://{}{}",
            self.scheme.as_str(),
            self.authority,
            self.path_and_query
        )
    }
}

impl Target {
    pub fn from_endpoint(config: &Endpoint) -> Result<Target, ProbeError> {
        let base = config.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let (scheme, authority, path_prefix) = split_base_url(base)?;
        for (name, value) in &config.headers {
            check_header(name, value)?;
        }
        let positive = |what: &str, value: Option<u32>, default: u32| match value {
            Some(0) => Err(ProbeError::invalid(format!(
                "{what} must be greater than zero"
            ))),
            Some(ms) => Ok(ms),
            None => Ok(default),
        };
        Ok(Target {
            scheme,
            authority,
            path_prefix,
            headers: config.headers.clone(),
            timeouts: Timeouts {
                connect_ms: positive(
                    "connect-timeout-ms",
                    config.connect_timeout_ms,
                    DEFAULT_CONNECT_TIMEOUT_MS,
                )?,
                first_byte_ms: positive(
                    "first-byte-timeout-ms",
                    config.first_byte_timeout_ms,
                    DEFAULT_FIRST_BYTE_TIMEOUT_MS,
                )?,
                between_bytes_ms: positive(
                    "between-bytes-timeout-ms",
                    config.between_bytes_timeout_ms,
                    DEFAULT_BETWEEN_BYTES_TIMEOUT_MS,
                )?,
            },
            max_response_bytes: config
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
        })
    }

    /// A request to `{base}/api/v1/{api}` with `params` in the given order:
    /// a GET, or a form POST when the GET URL would exceed 8 KiB.
    /// `server_timeout_seconds` raises the first-byte timeout above it.
    pub fn api_request(
        &self,
        api: &str,
        params: &[(&str, &str)],
        server_timeout_seconds: Option<f64>,
    ) -> HttpRequest {
        let path = format!("{}/api/v1/{api}", self.path_prefix);
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (name, value) in params {
            form.append_pair(name, value);
        }
        let encoded = form.finish();
        let url_len = self.scheme.as_str().len() + 3 + self.authority.len() + path.len() + 1;
        let mut headers = vec![
            ("Accept".to_string(), "application/json".to_string()),
            ("User-Agent".to_string(), user_agent()),
        ];
        headers.extend(self.headers.iter().cloned());
        let (method, path_and_query, body) = if url_len + encoded.len() > MAX_GET_URL_BYTES {
            headers.push((
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded".to_string(),
            ));
            (Method::Post, path, Some(encoded.into_bytes()))
        } else {
            let query = if encoded.is_empty() { "" } else { "?" };
            (Method::Get, format!("{path}{query}{encoded}"), None)
        };
        let mut timeouts = self.timeouts;
        if let Some(seconds) = server_timeout_seconds {
            let wanted = (seconds * 1000.0).ceil() + f64::from(SERVER_TIMEOUT_MARGIN_MS);
            let wanted = wanted.min(f64::from(u32::MAX)) as u32;
            timeouts.first_byte_ms = timeouts.first_byte_ms.max(wanted);
        }
        HttpRequest {
            method,
            scheme: self.scheme,
            authority: self.authority.clone(),
            path_and_query,
            headers,
            body,
            timeouts,
            max_response_bytes: self.max_response_bytes,
        }
    }
}

/// Redirects followed at most, as the Python extension's client did for GETs.
pub const MAX_REDIRECTS: usize = 5;

impl HttpRequest {
    /// The request a redirect answer asks for, or `None` when the answer is
    /// not a redirect this client follows: a GET follows 301, 302, 303, 307
    /// and 308; a POST follows 307 and 308 with its body, and 301, 302 and
    /// 303 as a GET (as browsers and Python's requests do).
    pub fn redirected(
        &self,
        status: u16,
        location: &str,
    ) -> Option<Result<HttpRequest, ProbeError>> {
        if !matches!(status, 301 | 302 | 303 | 307 | 308) || self.method == Method::Put {
            return None;
        }
        let mut next = self.clone();
        if self.method == Method::Post && !matches!(status, 307 | 308) {
            next.method = Method::Get;
            next.body = None;
            next.headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
        }
        let location = location.trim();
        // RFC 3986 §5 reference resolution, as Python's requests does it;
        // the scheme and authority are then checked like a base URL's, and
        // the host checks the authority against its allow-list.
        let resolved = url::Url::parse(&self.url())
            .and_then(|base| base.join(location))
            .ok()
            .and_then(|url| {
                use url::Position;
                let (scheme, authority, _) = split_base_url(&url[..Position::BeforePath]).ok()?;
                next.scheme = scheme;
                next.authority = authority;
                next.path_and_query = url[Position::BeforePath..Position::AfterQuery].to_string();
                Some(next)
            });
        Some(resolved.ok_or_else(|| {
            ProbeError::bad_response(
                crate::error::BadResponseKind::UnexpectedShape,
                format!(
                    "{} redirected to '{location}', which is not a URL this client follows",
                    self.url()
                ),
            )
        }))
    }
}

pub fn user_agent() -> String {
    format!("chaosprometheus/{}", env!("CARGO_PKG_VERSION"))
}

/// Where the first `://` in `text` starts. A byte search: std's substring
/// search, which `find("://")` would use, is a few KB of the component.
pub fn scheme_separator(text: &str) -> Option<usize> {
    text.as_bytes().windows(3).position(|bytes| bytes == b"://")
}

/// `scheme://authority[/prefix][/]` → its three parts.
pub fn split_base_url(base: &str) -> Result<(Scheme, String, String), ProbeError> {
    let invalid = |why: &str| {
        ProbeError::invalid(format!(
            "invalid base URL '{base}': {why} (expected e.g. http://localhost:9090 or https://host/prometheus)"
        ))
    };
    let trimmed = base.trim();
    let separator = scheme_separator(trimmed).ok_or_else(|| invalid("no scheme"))?;
    let (scheme_text, rest) = (&trimmed[..separator], &trimmed[separator + 3..]);
    let scheme = match scheme_text.to_ascii_lowercase().as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        _ => return Err(invalid("the scheme must be http or https")),
    };
    if rest.contains(['?', '#']) {
        return Err(invalid("it must not have a query or a fragment"));
    }
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(invalid(
            "credentials in the URL are not accepted; give them to the host instead",
        ));
    }
    check_authority(authority).map_err(invalid)?;
    if path
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\'))
    {
        return Err(invalid(
            "its path has characters that must be percent-encoded",
        ));
    }
    let prefix = path.trim_end_matches('/').to_string();
    Ok((scheme, authority.to_string(), prefix))
}

fn check_authority(authority: &str) -> Result<(), &'static str> {
    if authority.is_empty() {
        return Err("it has no host");
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (ip6, after) = bracketed
            .split_once(']')
            .ok_or("unclosed '[' in the host")?;
        if ip6.is_empty()
            || !ip6
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err("invalid IPv6 address");
        }
        match after {
            "" => (ip6, None),
            _ => (
                ip6,
                Some(
                    after
                        .strip_prefix(':')
                        .ok_or("junk after the IPv6 address")?,
                ),
            ),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("it has no host");
    }
    if !authority.starts_with('[')
        && !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err("the host name has characters a host name cannot have");
    }
    if let Some(port) = port {
        if port.is_empty()
            || !port.bytes().all(|b| b.is_ascii_digit())
            || port.parse::<u16>().is_err()
        {
            return Err("the port must be a number from 0 to 65535");
        }
    }
    Ok(())
}

/// Header names are RFC 9110 tokens; values carry no line breaks.
fn check_header(name: &str, value: &str) -> Result<(), ProbeError> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(ProbeError::invalid(format!("invalid header name '{name}'")));
    }
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(ProbeError::invalid(format!(
            "invalid value for header '{name}': it must not contain line breaks"
        )));
    }
    Ok(())
}

/// Query parameters as upstream printed them in its errors, a Python dict:
/// `{'query': 'up{', 'timeout': 5}` (numbers unquoted, as upstream passed
/// them through from the experiment).
pub fn python_dict(params: &[(&str, &str)]) -> String {
    let mut dict = String::from("{");
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            dict.push_str(", ");
        }
        let numeric = matches!(*name, "step" | "timeout")
            && !value.is_empty()
            && value.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        dict.push_str(&repr_str(name));
        dict.push_str(": ");
        if numeric {
            dict.push_str(value);
        } else {
            dict.push_str(&repr_str(value));
        }
    }
    dict.push('}');
    dict
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same place as std's substring search, over text made of the
        /// separator's own characters and others around them.
        #[test]
        fn scheme_separator_is_where_find_finds_it(text in "[:/a\u{e9}]{0,12}") {
            prop_assert_eq!(scheme_separator(&text), text.find("://"));
        }
    }

    fn endpoint(base: &str) -> Target {
        Target::from_endpoint(&Endpoint {
            base_url: Some(base.to_string()),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn default_base_url_is_localhost_9090() {
        let e = Target::from_endpoint(&Endpoint::default()).unwrap();
        assert_eq!(
            (e.scheme, e.authority.as_str(), e.path_prefix.as_str()),
            (Scheme::Http, "localhost:9090", "")
        );
        assert_eq!(e.timeouts.connect_ms, 5_000);
        assert_eq!(e.max_response_bytes, 64 * 1024 * 1024);
    }

    #[test]
    fn prefixes_and_trailing_slashes() {
        let e = endpoint("https://example.org/prometheus/");
        assert_eq!(
            (e.scheme, e.authority.as_str(), e.path_prefix.as_str()),
            (Scheme::Https, "example.org", "/prometheus")
        );
        let request = e.api_request("query", &[("query", "up")], None);
        assert_eq!(
            request.url(),
            "https://example.org/prometheus/api/v1/query?query=up"
        );
        assert_eq!(endpoint("http://h:1/").path_prefix, "");
        assert_eq!(endpoint("http://[::1]:9090").authority, "[::1]:9090");
        assert_eq!(endpoint("HTTP://h").scheme, Scheme::Http);
    }

    #[test]
    fn bad_base_urls_are_invalid_arguments() {
        for bad in [
            "localhost:9090",
            "ftp://h",
            "http://",
            "http://h:port",
            "http://h:99999",
            "http://u:p@h",
            "http://h/?x=1",
            "http://h/a b",
            "http://[::1",
            "http://ho st",
            "http://h:1:2",
            "",
        ] {
            let error = Target::from_endpoint(&Endpoint {
                base_url: Some(bad.into()),
                ..Default::default()
            })
            .unwrap_err();
            assert!(
                matches!(&error, ProbeError::InvalidArgument(m) if m.starts_with(&format!("invalid base URL '{bad}'"))),
                "{bad}: {error:?}"
            );
        }
    }

    #[test]
    fn bad_headers_and_zero_timeouts_are_rejected() {
        let with = |headers: Vec<(&str, &str)>| Endpoint {
            headers: headers
                .into_iter()
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
            ..Default::default()
        };
        assert!(Target::from_endpoint(&with(vec![("X-Scope-OrgID", "tenant-1")])).is_ok());
        assert!(Target::from_endpoint(&with(vec![("Bad Name", "x")])).is_err());
        assert!(Target::from_endpoint(&with(vec![("X", "a\r\nInjected: 1")])).is_err());
        let zero = Endpoint {
            connect_timeout_ms: Some(0),
            ..Default::default()
        };
        assert!(Target::from_endpoint(&zero).is_err());
    }

    #[test]
    fn get_parameters_keep_upstream_order_and_encoding() {
        let request = endpoint("http://127.0.0.1:9090").api_request(
            "query",
            &[
                ("query", "rate(x[5m]) > 0"),
                ("timeout", "5"),
                ("time", "2026-11-22T08:30:00.000Z"),
            ],
            Some(5.0),
        );
        assert_eq!(request.method, Method::Get);
        assert_eq!(
            request.path_and_query,
            "/api/v1/query?query=rate%28x%5B5m%5D%29+%3E+0&timeout=5&time=2026-11-22T08%3A30%3A00.000Z"
        );
        assert!(request
            .headers
            .contains(&("Accept".into(), "application/json".into())));
        assert_eq!(request.timeouts.first_byte_ms, 30_000);
    }

    #[test]
    fn server_timeout_raises_the_first_byte_timeout() {
        let request = endpoint("http://h").api_request("query", &[("query", "up")], Some(60.0));
        assert_eq!(request.timeouts.first_byte_ms, 65_000);
    }

    #[test]
    fn long_queries_become_form_posts() {
        let long = format!("up{{job=\"{}\"}}", "é".repeat(3000));
        let request = endpoint("http://h:9090").api_request("query", &[("query", &long)], None);
        assert_eq!(request.method, Method::Post);
        assert_eq!(request.path_and_query, "/api/v1/query");
        let body = String::from_utf8(request.body.clone().unwrap()).unwrap();
        let decoded: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(decoded, vec![("query".to_string(), long.clone())]);
        assert!(request.headers.contains(&(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into()
        )));
        let short = endpoint("http://h:9090").api_request("query", &[("query", "up")], None);
        assert_eq!(short.method, Method::Get);
    }

    /// The shared table of redirects (`tests/fixtures/redirects.json`),
    /// which the host's tests also follow through a real server.
    #[test]
    fn redirects_resolve_as_rfc_3986_says() {
        let table: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/redirects.json")).unwrap();
        for case in table["resolved"].as_array().unwrap() {
            let (base, location) = (
                case["base"].as_str().unwrap(),
                case["location"].as_str().unwrap(),
            );
            let base_url = url::Url::parse(base).unwrap();
            let (scheme, authority, _) =
                split_base_url(&base_url[..url::Position::BeforePath]).unwrap();
            let request = HttpRequest {
                scheme,
                authority,
                path_and_query: base_url[url::Position::BeforePath..url::Position::AfterQuery]
                    .to_string(),
                ..endpoint("http://unused").api_request("query", &[], None)
            };
            let next = request.redirected(302, location).unwrap().unwrap();
            assert_eq!(
                next.url(),
                case["url"].as_str().unwrap(),
                "{location} from {base}"
            );
        }
        let get = endpoint("http://h:9090").api_request("query", &[("query", "up")], None);
        for location in table["refused"].as_array().unwrap() {
            assert!(
                get.redirected(302, location.as_str().unwrap())
                    .unwrap()
                    .is_err(),
                "{location}"
            );
        }
    }

    #[test]
    fn redirects_keep_or_drop_the_body_by_status() {
        let get = endpoint("http://h:9090/p").api_request("query", &[("query", "up")], None);
        assert!(get.redirected(200, "/x").is_none() && get.redirected(304, "/x").is_none());
        let long = "x".repeat(9000);
        let post = endpoint("http://h").api_request("query", &[("query", &long)], None);
        let kept = post.redirected(307, "/other").unwrap().unwrap();
        assert_eq!((kept.method, kept.body.is_some()), (Method::Post, true));
        let as_get = post.redirected(303, "/other").unwrap().unwrap();
        assert_eq!((as_get.method, as_get.body.is_none()), (Method::Get, true));
    }

    #[test]
    fn params_print_like_upstream() {
        assert_eq!(python_dict(&[("query", "up{")]), "{'query': 'up{'}");
        assert_eq!(
            python_dict(&[("query", "up{job=\"p\"}"), ("timeout", "5"), ("step", "5s")]),
            "{'query': 'up{job=\"p\"}', 'timeout': 5, 'step': '5s'}"
        );
        assert_eq!(python_dict(&[("query", "it's")]), "{'query': \"it's\"}");
        assert_eq!(
            python_dict(&[("query", "a'b\"c\n")]),
            "{'query': 'a\\'b\"c\\n'}"
        );
    }
}
