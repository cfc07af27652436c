//! Which HTTP proxy a request goes through. Two sources: a proxy the
//! configuration names (`prometheus_proxy`, `--proxy`), used for every
//! request to its authority; else the environment, read exactly as the
//! Python extension's `requests` (2.34, on Python 3.11's `urllib`) reads it,
//! so an experiment behind a corporate proxy keeps working when it moves
//! here: `http_proxy` / `https_proxy` / `all_proxy` in either case, the
//! lower-case one winning, `HTTP_PROXY` ignored under CGI (`REQUEST_METHOD`
//! set), and `no_proxy` matched as both `requests.utils.should_bypass_proxies`
//! and `urllib.request.proxy_bypass_environment` match it (host suffixes,
//! `host:port`, IPv4 CIDR blocks, `*`).
//!
//! This is an emulation of that code, not a design of ours; the
//! differential test `host-example/tests/all/proxies.rs` holds it to the
//! real `requests` in the test virtualenv over a generated corpus of
//! environments and URLs.

use std::fmt;

use crate::policy::Authority;

/// A proxy the host connects through: `http://[user:password@]host:port`.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// The proxy's own address (always `http`).
    pub authority: Authority,
    /// `user:password` from the URL, percent-decoded, sent as
    /// `Proxy-Authorization: Basic`.
    credentials: Option<(String, String)>,
}

/// Why a proxy setting names no proxy the host can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    #[error("proxy '{0}' is not a URL such as http://proxy.example:3128")]
    NotUrl(String),
    #[error(
        "proxy '{url}' has scheme {scheme}: only http:// proxies are supported (an https target is tunnelled through them with CONNECT)"
    )]
    Scheme { url: String, scheme: String },
}

impl ProxyUrl {
    /// A proxy URL as `requests` takes it: without a scheme it is `http://`.
    pub fn parse(text: &str) -> Result<ProxyUrl, ProxyError> {
        let text = text.trim();
        let with_scheme = if text.contains("://") {
            text.to_string()
        } else {
            format!("http://{text}")
        };
        let url = url::Url::parse(&with_scheme).map_err(|_| ProxyError::NotUrl(redact(text)))?;
        if url.scheme() != "http" {
            return Err(ProxyError::Scheme {
                url: redact(text),
                scheme: url.scheme().to_string(),
            });
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| ProxyError::NotUrl(redact(text)))?;
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let credentials = (!url.username().is_empty() || url.password().is_some()).then(|| {
            (
                decode(url.username()),
                decode(url.password().unwrap_or_default()),
            )
        });
        Ok(ProxyUrl {
            authority: Authority {
                scheme: "http".to_string(),
                host: host.to_ascii_lowercase(),
                port: url.port().unwrap_or(80),
            },
            credentials,
        })
    }

    /// `Proxy-Authorization`'s value, when the URL has credentials.
    pub(crate) fn authorization(&self) -> Option<String> {
        use base64::Engine as _;
        self.credentials.as_ref().map(|(user, password)| {
            let pair = format!("{user}:{password}");
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        })
    }

    /// The proxy's password, which a recording and errors must not show.
    pub(crate) fn password(&self) -> Option<&str> {
        self.credentials
            .as_ref()
            .map(|(_, password)| password.as_str())
            .filter(|p| !p.is_empty())
    }
}

/// The proxy's address, never its credentials.
impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = self.authority.clone();
        write!(f, "http://{}:{}", auth.host, auth.port)
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

/// A proxy setting as written, without any `user:password@`.
fn redact(text: &str) -> String {
    match text.rsplit_once('@') {
        Some((before, after)) => match before.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://<redacted>@{after}"),
            None => format!("<redacted>@{after}"),
        },
        None => text.to_string(),
    }
}

/// The proxy variables of an environment, as `requests` reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvironmentProxies {
    /// The process's environment, in its order (it decides which of two
    /// differently cased names wins, as in Python's `os.environ`).
    vars: Vec<(String, String)>,
}

impl EnvironmentProxies {
    /// This process's environment, now.
    pub fn from_env() -> EnvironmentProxies {
        EnvironmentProxies::from_vars(std::env::vars())
    }

    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> EnvironmentProxies {
        let vars = vars
            .into_iter()
            .filter(|(name, _)| {
                let name = name.to_ascii_lowercase();
                name.ends_with("_proxy") || name == "request_method"
            })
            .collect();
        EnvironmentProxies { vars }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every proxy URL the environment sets (to keep their passwords out
    /// of recordings).
    pub(crate) fn proxy_urls(&self) -> Vec<String> {
        self.proxies()
            .into_iter()
            .filter(|(scheme, _)| scheme != "no")
            .map(|(_, url)| url)
            .collect()
    }

    /// `urllib.request.getproxies_environment()`: scheme → proxy.
    fn proxies(&self) -> Vec<(String, String)> {
        let mut proxies: Vec<(String, String)> = Vec::new();
        let set = |proxies: &mut Vec<(String, String)>, key: String, value: &str| match proxies
            .iter_mut()
            .find(|(k, _)| *k == key)
        {
            Some(entry) => entry.1 = value.to_string(),
            None => proxies.push((key, value.to_string())),
        };
        // Any case first, then the lower-case names over them.
        for (name, value) in &self.vars {
            let name = name.to_lowercase();
            if !value.is_empty() && name.ends_with("_proxy") {
                set(&mut proxies, name[..name.len() - 6].to_string(), value);
            }
        }
        if self.vars.iter().any(|(n, _)| n == "REQUEST_METHOD") {
            proxies.retain(|(k, _)| k != "http");
        }
        for (name, value) in &self.vars {
            if name.ends_with("_proxy") {
                let lower = name.to_lowercase();
                let key = lower[..lower.len() - 6].to_string();
                if value.is_empty() {
                    proxies.retain(|(k, _)| *k != key);
                } else {
                    set(&mut proxies, key, value);
                }
            }
        }
        proxies
    }

    /// The proxy `requests` sends `url` through, as written in the
    /// environment; `None`: straight to the server.
    pub fn select(&self, url: &http::Uri) -> Option<String> {
        let scheme = url.scheme_str()?.to_ascii_lowercase();
        let hostname = url
            .host()?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_lowercase();
        if self.bypass(&hostname, url.port_u16()) {
            return None;
        }
        let proxies = self.proxies();
        let keys = [
            format!("{scheme}://{hostname}"),
            scheme.clone(),
            format!("all://{hostname}"),
            "all".to_string(),
        ];
        keys.iter()
            .find_map(|key| proxies.iter().find(|(k, _)| k == key))
            .map(|(_, proxy)| proxy.clone())
    }

    /// `requests.utils.should_bypass_proxies(url, no_proxy=None)`.
    fn bypass(&self, hostname: &str, port: Option<u16>) -> bool {
        let no_proxy = self
            .get("no_proxy")
            .filter(|v| !v.is_empty())
            .or_else(|| self.get("NO_PROXY"))
            .unwrap_or_default();
        if !no_proxy.is_empty() {
            let entries = no_proxy.replace(' ', "");
            let mut entries = entries.split(',').filter(|e| !e.is_empty());
            if let Some(address) = inet_aton(hostname) {
                if entries.any(|entry| match cidr(entry) {
                    Some((network, mask)) => address & mask == network & mask,
                    None => hostname == entry,
                }) {
                    return true;
                }
            } else {
                let with_port = match port {
                    Some(port) if port != 0 => format!("{hostname}:{port}"),
                    _ => hostname.to_string(),
                };
                for entry in entries {
                    let entry = entry.trim_start_matches('.');
                    if hostname == entry || with_port == entry {
                        return true;
                    }
                    let suffix = format!(".{entry}");
                    if hostname.ends_with(&suffix) || with_port.ends_with(&suffix) {
                        return true;
                    }
                }
            }
        }
        self.proxy_bypass_environment(hostname)
    }

    /// `urllib.request.proxy_bypass_environment(hostname)`.
    fn proxy_bypass_environment(&self, host: &str) -> bool {
        let proxies = self.proxies();
        let Some((_, no_proxy)) = proxies.iter().find(|(k, _)| k == "no") else {
            return false;
        };
        if no_proxy == "*" {
            return true;
        }
        let host = host.to_lowercase();
        let hostonly = split_port(&host);
        no_proxy
            .split(',')
            .map(python_strip)
            .filter(|name| !name.is_empty())
            .any(|name| {
                let name = name.trim_start_matches('.').to_lowercase();
                if hostonly == name || host == name {
                    return true;
                }
                let name = format!(".{name}");
                hostonly.ends_with(&name) || host.ends_with(&name)
            })
    }
}

/// `urllib.parse._splitport`'s host: what precedes a last `:digits`.
fn split_port(host: &str) -> &str {
    match host.rfind(':') {
        Some(i) if host[i + 1..].bytes().all(|b| b.is_ascii_digit()) => &host[..i],
        _ => host,
    }
}

/// `str.strip()`: Python's whitespace.
fn python_strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// `requests.utils.is_valid_cidr` and `address_in_network`'s network: the
/// address and the mask, for `a.b.c.d/n` with n from 1 to 32.
fn cidr(entry: &str) -> Option<(u32, u32)> {
    if entry.matches('/').count() != 1 {
        return None;
    }
    let (address, bits) = entry.split_once('/')?;
    let bits: i64 = python_int(bits)?;
    if !(1..=32).contains(&bits) {
        return None;
    }
    let mask = u32::MAX << (32 - bits);
    Some((inet_aton(address)?, mask))
}

/// Python's `int(text)` on a decimal: surrounding whitespace, a sign,
/// underscores between digits.
fn python_int(text: &str) -> Option<i64> {
    let text = python_strip(text);
    let digits = text.trim_start_matches(['+', '-']);
    if text.len() - digits.len() > 1
        || digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if !clean.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let value: i64 = clean.parse().ok()?;
    Some(if text.starts_with('-') { -value } else { value })
}

/// `socket.inet_aton`: one to four parts, each decimal, octal (leading 0)
/// or hex (0x), the last filling the remaining bytes.
fn inet_aton(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(parts.len());
    for part in &parts {
        let (digits, radix) = match part.strip_prefix("0x").or(part.strip_prefix("0X")) {
            Some(hex) => (hex, 16),
            None if part.len() > 1 && part.starts_with('0') => (&part[1..], 8),
            None => (*part, 10),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        let value = u64::from_str_radix(digits, radix).ok()?;
        values.push(value);
    }
    let (last, leading) = values.split_last()?;
    if leading.iter().any(|v| *v > 255) {
        return None;
    }
    let room = 8 * (4 - leading.len() as u32);
    if room < 64 && *last >= 1u64 << room {
        return None;
    }
    let mut address: u64 = 0;
    for (i, value) in leading.iter().enumerate() {
        address |= value << (24 - 8 * i as u32);
    }
    Some((address | last) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> EnvironmentProxies {
        EnvironmentProxies::from_vars(vars.iter().map(|(n, v)| (n.to_string(), v.to_string())))
    }

    fn select(vars: &[(&str, &str)], url: &str) -> Option<String> {
        env(vars).select(&url.parse().unwrap())
    }

    #[test]
    fn lower_case_wins_and_no_proxy_matches_suffixes_ports_and_cidr() {
        let vars = [
            ("HTTP_PROXY", "http://upper:1"),
            ("http_proxy", "http://lower:2"),
            ("HTTPS_PROXY", "secure:3"),
            ("NO_PROXY", "internal.example, 10.0.0.0/8,db:5432"),
        ];
        assert_eq!(
            select(&vars, "http://a.b/x").as_deref(),
            Some("http://lower:2")
        );
        assert_eq!(select(&vars, "https://a.b/x").as_deref(), Some("secure:3"));
        assert_eq!(select(&vars, "http://x.internal.example/"), None);
        assert_eq!(select(&vars, "http://10.1.2.3:9090/"), None);
        assert_eq!(select(&vars, "http://db:5432/"), None);
        assert!(select(&vars, "http://db:5433/").is_some());
        let cgi = [("HTTP_PROXY", "http://p:1"), ("REQUEST_METHOD", "GET")];
        assert_eq!(select(&cgi, "http://a/"), None);
        assert_eq!(
            select(
                &[("ALL_PROXY", "http://p:1"), ("no_proxy", "*")],
                "http://a/"
            ),
            None
        );
    }

    #[test]
    fn inet_aton_reads_the_short_and_based_forms() {
        assert_eq!(inet_aton("127.0.0.1"), Some(0x7f000001));
        assert_eq!(inet_aton("127.1"), Some(0x7f000001));
        assert_eq!(inet_aton("0x7f.1"), Some(0x7f000001));
        assert_eq!(inet_aton("017.0.0.1"), Some(0x0f000001));
        assert_eq!(inet_aton("1.2.3.256"), None);
        assert_eq!(inet_aton("localhost"), None);
    }

    #[test]
    fn a_proxy_url_defaults_to_http_and_keeps_its_credentials_out_of_sight() {
        let proxy = ProxyUrl::parse("u%40corp:p%3Ass@proxy.corp:3128").unwrap();
        assert_eq!(proxy.to_string(), "http://proxy.corp:3128");
        assert_eq!(format!("{proxy:?}"), "ProxyUrl(http://proxy.corp:3128)");
        assert_eq!(proxy.password(), Some("p:ss"));
        assert!(proxy.authorization().unwrap().starts_with("Basic "));
        let error = ProxyUrl::parse("socks5://u:secret@p:1080").unwrap_err();
        assert!(!error.to_string().contains("secret"), "{error}");
        assert!(matches!(error, ProxyError::Scheme { .. }));
    }
}
