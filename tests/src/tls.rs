//! Certificates for TLS tests, from a CA each test makes (rcgen), and the
//! web config that has a real Prometheus serve them (`--web.config.file`),
//! with client certificates or basic-auth users when asked.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// A certificate and its key, PEM.
#[derive(Clone)]
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
}

/// A certificate authority made for one test.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// Names every loopback server certificate is for.
pub const LOOPBACK_NAMES: &[&str] = &["127.0.0.1", "localhost"];

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("a key");
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).expect("a CA certificate"),
        }
    }

    /// The CA's certificate, PEM: what a client trusts.
    pub fn cert_pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for `names`, valid now.
    pub fn server(&self, names: &[&str]) -> Issued {
        self.issue(names, ExtendedKeyUsagePurpose::ServerAuth, false)
    }

    /// A server certificate for `names` that expired in 2020.
    pub fn expired_server(&self, names: &[&str]) -> Issued {
        self.issue(names, ExtendedKeyUsagePurpose::ServerAuth, true)
    }

    /// A client certificate (for mTLS).
    pub fn client(&self, name: &str) -> Issued {
        self.issue(&[name], ExtendedKeyUsagePurpose::ClientAuth, false)
    }

    fn issue(&self, names: &[&str], usage: ExtendedKeyUsagePurpose, expired: bool) -> Issued {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).expect("valid names");
        params
            .distinguished_name
            .push(DnType::CommonName, names[0].as_str());
        params.extended_key_usages = vec![usage];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        if expired {
            params.not_before = rcgen::date_time_ymd(2019, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 1, 1);
        }
        let key = KeyPair::generate().expect("a key");
        let cert = params.signed_by(&key, &self.issuer).expect("signed");
        Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// A self-signed server certificate for the loopback names: no CA vouches
/// for it.
pub fn self_signed() -> Issued {
    let names: Vec<String> = LOOPBACK_NAMES.iter().map(|n| n.to_string()).collect();
    let certified = rcgen::generate_simple_self_signed(names).expect("a certificate");
    Issued {
        cert_pem: certified.cert.pem(),
        key_pem: certified.signing_key.serialize_pem(),
    }
}

/// What a TLS Prometheus serves: its certificate, the CA whose client
/// certificates it requires (if any), its basic-auth users.
pub struct WebConfig {
    pub server: Issued,
    /// Require a client certificate signed by this CA (PEM).
    pub client_ca: Option<String>,
    /// (user, password); stored as bcrypt hashes, as Prometheus wants.
    pub basic_auth: Vec<(String, String)>,
}

impl WebConfig {
    pub fn serving(server: Issued) -> WebConfig {
        WebConfig {
            server,
            client_ca: None,
            basic_auth: Vec::new(),
        }
    }

    /// Writes the certificates and `web.yml` into `dir`; the config's path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).expect("write into the temp dir");
            path
        };
        let cert = write("server.pem", &self.server.cert_pem);
        let key = write("server.key", &self.server.key_pem);
        let mut yaml = format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\n",
            cert.display(),
            key.display()
        );
        if let Some(ca) = &self.client_ca {
            let ca = write("client-ca.pem", ca);
            yaml.push_str(&format!(
                "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {}\n",
                ca.display()
            ));
        }
        if !self.basic_auth.is_empty() {
            yaml.push_str("basic_auth_users:\n");
            for (user, password) in &self.basic_auth {
                // The lowest cost bcrypt allows: a test needs no strength.
                let hash = bcrypt::hash(password, 4).expect("bcrypt");
                yaml.push_str(&format!("  {user}: '{hash}'\n"));
            }
        }
        write("web.yml", &yaml)
    }
}
