//! A real Pushgateway from the Debian package, persistence off, on
//! 127.0.0.1 with an ephemeral port: plain, under a route prefix, or over
//! TLS with client certificates and basic-auth users (`--web.config.file`).

use std::process::{Child, Command};
use std::time::Duration;

use crate::servers::{free_port, http_get, require_binary, spawn_logged, wait_until};
use crate::tls::{Issued, WebConfig};

/// How to start a [`Pushgateway`].
#[derive(Default)]
pub struct PushgatewayOptions {
    /// Serve under this path (`--web.route-prefix`), e.g. `/push`.
    pub route_prefix: Option<String>,
    /// Serve https with this certificate (and client-certificate or
    /// basic-auth requirements); `url` is then `https://127.0.0.1:PORT`.
    pub web_config: Option<WebConfig>,
    /// The client certificate the test reads back with, when the web config
    /// requires one.
    pub reader_identity: Option<Issued>,
}

/// A real Pushgateway, killed on drop.
pub struct Pushgateway {
    pub port: u16,
    /// `http(s)://127.0.0.1:PORT` plus the route prefix, if any.
    pub url: String,
    /// Reads back over TLS and basic auth; `None` for plain HTTP.
    reader: Option<Reader>,
    child: Child,
    _dir: tempfile::TempDir,
}

/// How the test reads what was pushed from a TLS or password-protected
/// Pushgateway: what it checks is the push, not this client.
struct Reader {
    agent: ureq::Agent,
    authorization: Option<String>,
}

impl Pushgateway {
    pub fn start() -> Pushgateway {
        Pushgateway::start_with(PushgatewayOptions::default())
    }

    pub fn start_with(options: PushgatewayOptions) -> Pushgateway {
        let mut last_log = String::new();
        // A port picked free can be taken before the Pushgateway binds it.
        for _attempt in 0..3 {
            match Pushgateway::start_on_with(free_port(), &options) {
                Ok(gateway) => return gateway,
                Err(log) => last_log = log,
            }
        }
        panic!("the Pushgateway did not become ready; its log:\n{last_log}");
    }

    /// Starts a plain one on `port`; the log on failure.
    pub fn start_on(port: u16) -> Result<Pushgateway, String> {
        Pushgateway::start_on_with(port, &PushgatewayOptions::default())
    }

    fn start_on_with(port: u16, options: &PushgatewayOptions) -> Result<Pushgateway, String> {
        let binary = require_binary("prometheus-pushgateway", "prometheus-pushgateway");
        let dir = tempfile::tempdir().expect("a temp dir");
        let log = dir.path().join("pushgateway.log");
        let mut command = Command::new(binary);
        command
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // Debian's build persists to /var/lib by default, which would
            // carry groups from one gateway to the next.
            .arg("--persistence.file=")
            .arg("--log.level=warn");
        let prefix = options.route_prefix.clone().unwrap_or_default();
        if !prefix.is_empty() {
            command.arg(format!("--web.route-prefix={prefix}"));
        }
        let web = options.web_config.as_ref().map(|web| web.write(dir.path()));
        if let Some(path) = &web {
            command.arg(format!("--web.config.file={}", path.display()));
        }
        let scheme = if web.is_some() { "https" } else { "http" };
        let child = spawn_logged(&mut command, &log);
        let mut gateway = Pushgateway {
            port,
            url: format!("{scheme}://127.0.0.1:{port}{prefix}"),
            reader: options
                .web_config
                .as_ref()
                .map(|web| Reader::new(web, options.reader_identity.as_ref())),
            child,
            _dir: dir,
        };
        let ready = wait_until(Duration::from_secs(30), || {
            if let Ok(Some(_)) = gateway.child.try_wait() {
                return Some(false);
            }
            matches!(gateway.get("/-/ready"), Some((200, _))).then_some(true)
        });
        if ready == Some(true) {
            Ok(gateway)
        } else {
            Err(std::fs::read_to_string(&log).unwrap_or_default())
        }
    }

    /// GET `path` under the prefix: (status, body).
    fn get(&self, path: &str) -> Option<(u16, String)> {
        let url = format!("{}{path}", self.url);
        let Some(reader) = &self.reader else {
            let path = &url[format!("http://127.0.0.1:{}", self.port).len()..];
            return http_get(self.port, path);
        };
        let mut request = reader.agent.get(&url);
        if let Some(value) = &reader.authorization {
            request = request.header("Authorization", value);
        }
        let mut response = request.call().ok()?;
        let status = response.status().as_u16();
        Some((status, response.body_mut().read_to_string().ok()?))
    }

    /// `/metrics` as text.
    pub fn metrics(&self) -> String {
        self.get("/metrics").expect("the Pushgateway answers").1
    }

    /// The groups of `/api/v1/metrics`.
    pub fn groups(&self) -> Vec<serde_json::Value> {
        let (_, body) = self
            .get("/api/v1/metrics")
            .expect("the Pushgateway answers");
        let answer: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        answer["data"].as_array().cloned().unwrap_or_default()
    }
}

impl Reader {
    fn new(web: &WebConfig, identity: Option<&Issued>) -> Reader {
        use base64::Engine as _;
        let mut tls = ureq::tls::TlsConfig::builder().disable_verification(true);
        if let Some(client) = identity {
            let cert = ureq::tls::Certificate::from_pem(client.cert_pem.as_bytes()).expect("PEM");
            let key = ureq::tls::PrivateKey::from_pem(client.key_pem.as_bytes()).expect("PEM");
            tls = tls.client_cert(Some(ureq::tls::ClientCert::new_with_certs(&[cert], key)));
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .tls_config(tls.build())
            .build()
            .into();
        let authorization = web.basic_auth.first().map(|(user, password)| {
            let pair = format!("{user}:{password}");
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        Reader {
            agent,
            authorization,
        }
    }
}

impl Drop for Pushgateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
