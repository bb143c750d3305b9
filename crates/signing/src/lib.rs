//! Passport signing adapter: the deployment's Ed25519 keys, kept in PKCS#8 PEM files (never in
//! the database), and passports signed as compact JWS (RFC 7515 with RFC 8037's `EdDSA`).
//!
//! One key signs; keys retired by a rotation stay listed in the JWK set (their public halves
//! only) so that passports a buyer fetched before the rotation still verify.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carbonpass_domain::DomainError;
use carbonpass_domain::model::PassportKey;
use carbonpass_domain::ports::PassportSigner;
use rustls_pki_types::pem::{PemObject, SectionKind};
use sha2::{Digest, Sha256};

/// Why a key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("passport signing key {path}: {message}")]
    File { path: PathBuf, message: String },
}

fn file_error(path: &Path, message: impl Into<String>) -> KeyError {
    KeyError::File { path: path.to_owned(), message: message.into() }
}

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): the 32 key bytes follow.
const ED25519_SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/// The deployment's passport keys: the one that signs, and those kept for verification.
pub struct PassportKeys {
    signing: Ed25519KeyPair,
    signing_kid: String,
    /// Every key's public half, the signing key first.
    listed: Vec<PassportKey>,
}

impl std::fmt::Debug for PassportKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassportKeys").field("signing_kid", &self.signing_kid).finish_non_exhaustive()
    }
}

impl PassportKeys {
    /// Loads the signing key from `signing` (a PKCS#8 `PRIVATE KEY` PEM, as
    /// `openssl genpkey -algorithm ed25519` writes), and each of `retired` (a private key file
    /// as before its rotation, or its `PUBLIC KEY` PEM) to keep listing.
    pub fn load(signing: &Path, retired: &[PathBuf]) -> Result<Self, KeyError> {
        let pair = read_private(signing)?;
        if let Some(mode) = loose_permissions(signing) {
            tracing::warn!(
                path = %signing.display(),
                mode = format!("{mode:o}"),
                "the passport signing key can be read by others than its owner; chmod 600 it"
            );
        }
        let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        let signing_kid = thumbprint(&x);
        let mut listed = vec![PassportKey { kid: signing_kid.clone(), x, signing: true }];
        for path in retired {
            let x = URL_SAFE_NO_PAD.encode(read_public(path)?);
            let kid = thumbprint(&x);
            if listed.iter().all(|key| key.kid != kid) {
                listed.push(PassportKey { kid, x, signing: false });
            }
        }
        Ok(Self { signing: pair, signing_kid, listed })
    }

    /// Writes a new key to `path` (created with owner-only permissions; an existing file is
    /// never overwritten).
    pub fn generate(path: &Path) -> Result<(), KeyError> {
        // PKCS#8 version 1, the form `openssl genpkey -algorithm ed25519` writes and every
        // OpenSSL reads (version 2, with the public key inside, is refused by OpenSSL 3.0).
        let document = Ed25519KeyPair::generate_pkcs8v1(&SystemRandom::new())
            .map_err(|_| file_error(path, "the system's random source failed"))?;
        let pem = to_pem("PRIVATE KEY", document.as_ref());
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| file_error(path, e.to_string()))?;
        }
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(|e| file_error(path, e.to_string()))?;
        file.write_all(pem.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| file_error(path, e.to_string()))
    }

    /// Loads the key at `signing`, generating it first if there is no file there (the demo's
    /// first start).
    pub fn load_or_generate(signing: &Path, retired: &[PathBuf]) -> Result<Self, KeyError> {
        check_readable(retired)?;
        if !signing.exists() {
            Self::generate(signing)?;
        }
        Self::load(signing, retired)
    }

    /// The signing key's id (its RFC 7638 thumbprint).
    pub fn signing_kid(&self) -> &str {
        &self.signing_kid
    }
}

impl PassportSigner for PassportKeys {
    fn sign(&self, payload: &[u8]) -> Result<String, DomainError> {
        let header = serde_json::json!({ "alg": "EdDSA", "kid": self.signing_kid, "typ": "JOSE", "cty": "json" });
        let header = serde_json::to_vec(&header).map_err(|e| DomainError::Internal(e.to_string()))?;
        let mut jws = URL_SAFE_NO_PAD.encode(header);
        jws.push('.');
        jws.push_str(&URL_SAFE_NO_PAD.encode(payload));
        let signature = self.signing.sign(jws.as_bytes());
        jws.push('.');
        jws.push_str(&URL_SAFE_NO_PAD.encode(signature.as_ref()));
        Ok(jws)
    }

    fn keys(&self) -> Vec<PassportKey> {
        self.listed.clone()
    }
}

/// Every retired key file exists and is a key: checked before anything is written.
pub fn check_readable(retired: &[PathBuf]) -> Result<(), KeyError> {
    retired.iter().try_for_each(|path| read_public(path).map(|_| ()))
}

/// The file's mode when others than its owner may read it.
fn loose_permissions(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// RFC 7638: SHA-256 over the required members in lexicographic order, base64url.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

fn read_pem(path: &Path) -> Result<(SectionKind, Vec<u8>), KeyError> {
    let text = fs::read(path).map_err(|e| file_error(path, e.to_string()))?;
    let mut sections = <(SectionKind, Vec<u8>)>::pem_slice_iter(&text);
    match sections.next() {
        Some(Ok(section)) => Ok(section),
        Some(Err(e)) => Err(file_error(path, format!("not a PEM file: {e}"))),
        None => Err(file_error(path, "holds no PEM section")),
    }
}

fn read_private(path: &Path) -> Result<Ed25519KeyPair, KeyError> {
    match read_pem(path)? {
        (SectionKind::PrivateKey, der) => Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
            .map_err(|e| file_error(path, format!("not an Ed25519 PKCS#8 key: {e}"))),
        (kind, _) => Err(file_error(path, format!("holds a {kind:?} section, not a PRIVATE KEY"))),
    }
}

fn read_public(path: &Path) -> Result<Vec<u8>, KeyError> {
    match read_pem(path)? {
        (SectionKind::PrivateKey, _) => Ok(read_private(path)?.public_key().as_ref().to_vec()),
        (SectionKind::PublicKey, der) => der
            .strip_prefix(&ED25519_SPKI_PREFIX[..])
            .filter(|key| key.len() == 32)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| file_error(path, "not an Ed25519 public key")),
        (kind, _) => Err(file_error(path, format!("holds a {kind:?} section, not a key"))),
    }
}

fn to_pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};

    use super::*;

    fn verify(jws: &str, x: &str) -> Option<Vec<u8>> {
        let (signed, signature) = jws.rsplit_once('.')?;
        let key = URL_SAFE_NO_PAD.decode(x).ok()?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        UnparsedPublicKey::new(&ED25519, key).verify(signed.as_bytes(), &signature).ok()?;
        URL_SAFE_NO_PAD.decode(signed.split_once('.')?.1).ok()
    }

    #[test]
    fn a_generated_key_signs_what_its_listed_public_key_verifies() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("keys/passport.pem");
        let keys = PassportKeys::load_or_generate(&path, &[]).expect("key");
        let jws = keys.sign(br#"{"a":1}"#).expect("sign");
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jws.split('.').next().expect("header")).expect("b64"))
                .expect("json");
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["kid"], keys.signing_kid());
        let listed = keys.keys();
        assert_eq!(listed.len(), 1);
        assert_eq!(verify(&jws, &listed[0].x).as_deref(), Some(&br#"{"a":1}"#[..]));
        assert!(verify(&jws.replace(".eyJhIjox", ".eyJhIjoy"), &listed[0].x).is_none(), "a changed payload fails");
        // The same file gives the same key on the next start.
        assert_eq!(PassportKeys::load(&path, &[]).expect("again").signing_kid(), keys.signing_kid());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_rotation_keeps_the_old_key_listed_and_signs_with_the_new() {
        let dir = tempfile::tempdir().expect("dir");
        let (old, new) = (dir.path().join("old.pem"), dir.path().join("new.pem"));
        let before = PassportKeys::load_or_generate(&old, &[]).expect("old");
        let signed_before = before.sign(b"{}").expect("sign");
        PassportKeys::generate(&new).expect("new");
        let after = PassportKeys::load(&new, std::slice::from_ref(&old)).expect("rotated");
        let listed = after.keys();
        assert_eq!(listed.len(), 2);
        assert!(listed[0].signing && !listed[1].signing);
        assert_eq!(listed[1].kid, before.signing_kid());
        assert!(verify(&signed_before, &listed[1].x).is_some(), "old passports still verify");
        assert_ne!(after.signing_kid(), before.signing_kid());
    }

    #[test]
    fn an_existing_key_is_never_overwritten_and_bad_files_are_named() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("k.pem");
        PassportKeys::generate(&path).expect("first");
        assert!(PassportKeys::generate(&path).is_err());
        let junk = dir.path().join("junk.pem");
        fs::write(&junk, "hello").expect("write");
        let err = PassportKeys::load(&junk, &[]).expect_err("junk");
        assert!(err.to_string().contains("junk.pem"), "{err}");
    }

    #[test]
    fn the_thumbprint_is_rfc_7638s() {
        // RFC 8037 appendix A.3: the thumbprint of its example Ed25519 key.
        assert_eq!(
            thumbprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }
}
