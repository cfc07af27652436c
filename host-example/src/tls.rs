//! TLS as host policy: which certificates the host trusts for an authority,
//! the client certificate it presents, whether it verifies at all. The
//! component only names an `https://` URL; it cannot loosen any of this.

use std::fmt;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore,
};
use wasmtime_wasi_http::Error as HttpError;

/// How the host speaks TLS to one authority. The default trusts the
/// operating system's CAs, presents no client certificate and verifies.
#[derive(Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM certificates of CAs trusted besides the system's (a private CA).
    pub ca_bundle: Option<Vec<u8>>,
    /// A client certificate (chain) and its private key, both PEM, for
    /// servers that ask for one (mTLS). A secret: never shown.
    pub client_identity: Option<ClientIdentity>,
    /// `false` accepts any server certificate (upstream's `verify_tls=False`):
    /// the connection is encrypted but the server is not authenticated.
    pub verify: bool,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            ca_bundle: None,
            client_identity: None,
            verify: true,
        }
    }
}

/// What `-v` may print: which options are set, never their contents.
impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("ca_bundle", &self.ca_bundle.as_ref().map(|_| "<set>"))
            .field("client_identity", &self.client_identity)
            .field("verify", &self.verify)
            .finish()
    }
}

/// A PEM setting: the PEM text as written, or the contents of the file it
/// names. Errors name the setting, never its contents (a key is a secret).
pub fn pem_or_file(setting: &str, value: &str) -> Result<Vec<u8>, String> {
    if value.contains("-----BEGIN") {
        return Ok(value.as_bytes().to_vec());
    }
    std::fs::read(value.trim())
        .map_err(|e| format!("{setting}: cannot read the PEM file it names: {}", e.kind()))
}

/// Why TLS settings cannot be used. Never quotes a certificate or key:
/// a key is a secret, and a parse error could quote it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TlsError {
    #[error("TLS set-up: {0}")]
    Setup(rustls::Error),
    #[error("the CA bundle is not valid PEM")]
    CaBundleNotPem,
    #[error("the CA bundle holds a certificate rustls refuses: {0}")]
    CaBundleRefused(rustls::Error),
    #[error("the CA bundle holds no PEM certificate (-----BEGIN CERTIFICATE-----)")]
    CaBundleEmpty,
    #[error("the client certificate is not valid PEM")]
    ClientCertNotPem,
    #[error("the client certificate file holds no PEM certificate")]
    ClientCertEmpty,
    #[error("the client key is not a PEM private key (PKCS#8, PKCS#1 or SEC1)")]
    ClientKeyNotPem,
    #[error("the client key does not match the client certificate, or its type is not supported")]
    ClientKeyMismatch,
}

impl TlsOptions {
    /// One line for `-v`: what is trusted and presented, no contents.
    pub fn describe(&self) -> String {
        let mut parts = vec![if self.verify {
            "verify certificates against the system's CAs".to_string()
        } else {
            "INSECURE: any certificate accepted (verify_tls false)".to_string()
        }];
        if self.verify && self.ca_bundle.is_some() {
            parts.push("and the extra CA bundle".into());
        }
        if self.client_identity.is_some() {
            parts.push("present a client certificate".into());
        }
        parts.join(", ")
    }
}

/// A client certificate chain and its key, PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    pub cert_chain: Vec<u8>,
    pub private_key: Vec<u8>,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientIdentity(<redacted>)")
    }
}

/// [`TlsOptions`] with the rustls configuration built from them, checked
/// once when the policy is made (a bad PEM fails there, not mid-run).
#[derive(Clone)]
pub(crate) struct TlsClient {
    pub(crate) options: TlsOptions,
    pub(crate) config: Arc<ClientConfig>,
}

impl PartialEq for TlsClient {
    fn eq(&self, other: &Self) -> bool {
        self.options == other.options
    }
}

impl fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.options.fmt(f)
    }
}

impl TlsClient {
    pub(crate) fn new(options: TlsOptions) -> Result<TlsClient, TlsError> {
        let config = Arc::new(client_config(&options)?);
        Ok(TlsClient { options, config })
    }

    /// System roots, verifying, no client certificate; built once.
    pub(crate) fn system() -> TlsClient {
        static SYSTEM: OnceLock<TlsClient> = OnceLock::new();
        SYSTEM
            .get_or_init(|| {
                TlsClient::new(TlsOptions::default()).expect("the defaults need no input to check")
            })
            .clone()
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The operating system's trust store, read once per process; webpki's
/// bundled roots when the system has none (a minimal container).
fn system_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        let (added, _ignored) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            tracing::debug!("no CA certificates in the system trust store: using webpki-roots");
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        roots
    })
}

fn client_config(options: &TlsOptions) -> Result<ClientConfig, TlsError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Setup)?;
    let mut roots = system_roots().clone();
    if let Some(pem) = &options.ca_bundle {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|_| TlsError::CaBundleNotPem)?;
            roots.add(cert).map_err(TlsError::CaBundleRefused)?;
            added += 1;
        }
        if added == 0 {
            return Err(TlsError::CaBundleEmpty);
        }
    }
    let builder = builder.with_root_certificates(roots);
    let mut config = match &options.client_identity {
        None => builder.with_no_client_auth(),
        Some(identity) => {
            let chain = CertificateDer::pem_slice_iter(&identity.cert_chain)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| TlsError::ClientCertNotPem)?;
            if chain.is_empty() {
                return Err(TlsError::ClientCertEmpty);
            }
            // The key's own parse error could quote it: say only what is wrong.
            let key = PrivateKeyDer::from_pem_slice(&identity.private_key)
                .map_err(|_| TlsError::ClientKeyNotPem)?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|_| TlsError::ClientKeyMismatch)?
        }
    };
    if !options.verify {
        config
            .dangerous()
            .set_certificate_verifier(Arc::new(AnyServerCertificate(provider)));
    }
    Ok(config)
}

/// `verify_tls=false`: any certificate, any name, any date. The handshake's
/// signatures are still checked, so the session keys are the server's.
#[derive(Debug)]
struct AnyServerCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyServerCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// What fixes an untrusted server certificate, in each place TLS is set.
pub const TRUST_HINT: &str = "pass --cacert FILE (chaosprom), the configuration prometheus_ca_bundle (experiment) or TlsOptions::ca_bundle (host library) with the CA that signed it, or set verify_tls false to skip verification";
/// What fixes a missing or refused client certificate.
pub const CLIENT_CERT_HINT: &str = "pass --cert FILE --key FILE (chaosprom), the secrets prometheus_client_cert and prometheus_client_key (experiment) or TlsOptions::client_identity (host library)";

/// The wasi:http error code of a TLS failure, and a sentence for the user
/// that says what went wrong and which option fixes it. Nothing in it comes
/// from a certificate's or key's contents.
pub(crate) fn explain(error: &rustls::Error) -> (HttpError, String) {
    use CertificateError as C;
    let certificate = |why: String| (HttpError::TlsCertificateError, why);
    match error {
        rustls::Error::InvalidCertificate(cert_error) => match cert_error {
            C::UnknownIssuer => certificate(format!(
                "the server's certificate is not signed by a CA this host trusts: {TRUST_HINT}"
            )),
            C::BadSignature => certificate(format!(
                "the server's certificate has a bad signature: {TRUST_HINT}"
            )),
            C::NotValidForName | C::NotValidForNameContext { .. } => certificate(format!(
                "the server's certificate is for another host name than the URL's: use a base URL with a name the certificate lists, or set verify_tls false to skip verification ({})",
                name_detail(cert_error)
            )),
            C::Expired | C::ExpiredContext { .. } => certificate(
                "the server's certificate has expired: renew it on the server, or set verify_tls false to skip verification".into(),
            ),
            C::NotValidYet | C::NotValidYetContext { .. } => certificate(
                "the server's certificate is not valid yet (check both clocks), or set verify_tls false to skip verification".into(),
            ),
            C::Revoked => certificate("the server's certificate is revoked".into()),
            other => certificate(format!(
                "the server's certificate was refused ({other:?}): {TRUST_HINT}"
            )),
        },
        rustls::Error::AlertReceived(alert) => {
            let why = match alert {
                AlertDescription::CertificateRequired => {
                    format!("the server requires a client certificate: {CLIENT_CERT_HINT}")
                }
                AlertDescription::BadCertificate
                | AlertDescription::UnknownCA
                | AlertDescription::CertificateUnknown
                | AlertDescription::UnsupportedCertificate
                | AlertDescription::CertificateExpired
                | AlertDescription::CertificateRevoked
                | AlertDescription::AccessDenied => format!(
                    "the server refused the client certificate ({alert:?}), or wanted one: {CLIENT_CERT_HINT}, with a certificate its CA signed"
                ),
                AlertDescription::HandshakeFailure => format!(
                    "the server ended the handshake (handshake_failure): it may require a client certificate ({CLIENT_CERT_HINT}) or share no cipher suite or protocol version"
                ),
                other => format!("the server sent the TLS alert {other:?}"),
            };
            (
                HttpError::TlsAlertReceived {
                    alert_id: Some(u8::from(*alert)),
                    alert_message: Some(format!("{alert:?}")),
                },
                why,
            )
        }
        rustls::Error::InvalidMessage(_)
        | rustls::Error::InappropriateMessage { .. }
        | rustls::Error::InappropriateHandshakeMessage { .. } => (
            HttpError::TlsProtocolError,
            "the server did not answer with TLS: is it serving https on that port? (check the URL's scheme)".into(),
        ),
        other => (
            HttpError::TlsProtocolError,
            format!("the TLS handshake failed: {other}"),
        ),
    }
}

fn name_detail(error: &CertificateError) -> String {
    match error {
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => format!(
            "asked for {expected:?}, the certificate is for {}",
            presented.join(", ")
        ),
        _ => "the name does not match".into(),
    }
}

/// The rustls error among `error`'s causes, looking inside each
/// `io::Error` too (whose `source` skips the error it wraps).
pub(crate) fn rustls_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(found) = error.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        if let Some(inner) = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(found) = inner.downcast_ref::<rustls::Error>() {
                return Some(found);
            }
        }
        cause = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_without_certificates_is_refused_without_quoting_it() {
        let error = TlsClient::new(TlsOptions {
            ca_bundle: Some(b"not a certificate".to_vec()),
            ..TlsOptions::default()
        })
        .unwrap_err();
        assert_eq!(error, TlsError::CaBundleEmpty);
        assert!(error.to_string().contains("no PEM certificate"), "{error}");
    }

    #[test]
    fn a_key_is_never_shown() {
        let options = TlsOptions {
            client_identity: Some(ClientIdentity {
                cert_chain: b"CHAIN-SENTINEL".to_vec(),
                private_key: b"KEY-SENTINEL".to_vec(),
            }),
            ..TlsOptions::default()
        };
        let shown = format!("{options:?} {}", options.describe());
        assert!(!shown.contains("SENTINEL"), "{shown}");
        let error = TlsClient::new(options).unwrap_err();
        assert!(!error.to_string().contains("SENTINEL"), "{error}");
    }

    #[test]
    fn an_unknown_issuer_names_the_options_that_fix_it() {
        let (code, why) = explain(&rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ));
        assert!(matches!(code, HttpError::TlsCertificateError));
        assert!(
            why.contains("--cacert") && why.contains("verify_tls false"),
            "{why}"
        );
    }
}
