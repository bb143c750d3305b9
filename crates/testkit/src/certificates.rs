//! Certificates for HTTPS tests: a certificate authority of the test's own and a server
//! certificate it signed for `127.0.0.1` and `localhost`, as PEM. A client that trusts only this
//! authority proves which certificate the server presented.

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};

#[derive(Debug, Clone)]
pub struct TestCertificate {
    /// The authority's certificate: what a client adds as its root.
    pub authority_pem: String,
    /// The server's certificate chain and private key, as the server reads them.
    pub chain_pem: String,
    pub key_pem: String,
}

impl TestCertificate {
    pub fn new() -> Self {
        let mut authority = CertificateParams::new(Vec::<String>::new()).expect("authority parameters");
        authority.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let authority =
            CertifiedIssuer::self_signed(authority, KeyPair::generate().expect("authority key")).expect("authority");
        let key = KeyPair::generate().expect("server key");
        let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        let server = CertificateParams::new(names).expect("server parameters").signed_by(&key, &authority);
        Self {
            authority_pem: authority.pem(),
            chain_pem: server.expect("server certificate").pem(),
            key_pem: key.serialize_pem(),
        }
    }

    /// Writes the chain and key to `cert_file` and `key_file`.
    pub fn write(&self, cert_file: &std::path::Path, key_file: &std::path::Path) {
        std::fs::write(cert_file, &self.chain_pem).expect("write the certificate");
        std::fs::write(key_file, &self.key_pem).expect("write the key");
    }
}

impl Default for TestCertificate {
    fn default() -> Self {
        Self::new()
    }
}
