//! HTTPS in the binary: rustls (TLS 1.3 and 1.2, no OpenSSL), HTTP/2 or HTTP/1.1 by ALPN, and a
//! certificate that can be replaced while serving. The certificate and key are read from PEM
//! files at start and again on SIGHUP; a new pair serves new handshakes, connections already
//! open carry on undisturbed, and a pair that does not load leaves the old one serving.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("reading the certificate chain {path}: {message}")]
    Certificate { path: PathBuf, message: String },
    #[error("reading the private key {path}: {message}")]
    Key { path: PathBuf, message: String },
    #[error("the certificate and key do not belong together: {0}")]
    Mismatch(String),
    #[error("setting up TLS: {0}")]
    Config(String),
}

/// The certificate served to each new handshake, replaceable while serving.
pub struct ReloadingCertificate {
    cert_file: PathBuf,
    key_file: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl fmt::Debug for ReloadingCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReloadingCertificate")
            .field("cert_file", &self.cert_file)
            .field("key_file", &self.key_file)
            .finish_non_exhaustive()
    }
}

impl ReloadingCertificate {
    /// Loads the pair, failing if either file does not load or they do not match.
    pub fn load(cert_file: &Path, key_file: &Path) -> Result<Self, TlsError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let current = certified_key(&provider, cert_file, key_file)?;
        Ok(Self {
            cert_file: cert_file.to_owned(),
            key_file: key_file.to_owned(),
            provider,
            current: RwLock::new(Arc::new(current)),
        })
    }

    /// Reads the files again; on success the new pair serves every later handshake.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = certified_key(&self.provider, &self.cert_file, &self.key_file)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        Ok(())
    }

    /// The rustls configuration serving this certificate: TLS 1.3 and 1.2 only, with the
    /// provider's safe cipher suites. (actix adds the ALPN protocols `h2` and `http/1.1`.)
    pub fn server_config(self: &Arc<Self>) -> Result<rustls::ServerConfig, TlsError> {
        let versions = [&rustls::version::TLS13, &rustls::version::TLS12];
        let config = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&versions)
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        Ok(config)
    }
}

impl ResolvesServerCert for ReloadingCertificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().unwrap_or_else(PoisonError::into_inner).clone())
    }
}

fn certified_key(provider: &CryptoProvider, cert_file: &Path, key_file: &Path) -> Result<CertifiedKey, TlsError> {
    let certificate = |message: String| TlsError::Certificate { path: cert_file.to_owned(), message };
    let chain = CertificateDer::pem_file_iter(cert_file)
        .map_err(|e| certificate(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| certificate(e.to_string()))?;
    if chain.is_empty() {
        return Err(certificate("no certificate in it".into()));
    }
    // The key's own error never quotes the key.
    let key = |message: String| TlsError::Key { path: key_file.to_owned(), message };
    let private = PrivateKeyDer::from_pem_file(key_file).map_err(|e| key(e.to_string()))?;
    let signing = provider.key_provider.load_private_key(private).map_err(|e| key(e.to_string()))?;
    let certified = CertifiedKey::new(chain, signing);
    certified.keys_match().map_err(|e| TlsError::Mismatch(e.to_string()))?;
    Ok(certified)
}
