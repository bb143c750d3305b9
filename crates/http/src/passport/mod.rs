//! The public passport's faces: the HTML page, the JSON twin and its JWS, and the badge, each
//! rendered once per version of a passport and kept with its `ETag`, so that a page viewed a
//! thousand times is rendered (and signed) once.

pub(crate) mod badge;
pub(crate) mod page;
pub(crate) mod text;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::web::Bytes;
use carbonpass_domain::DomainError;
use carbonpass_domain::model::PublicPassport;
use carbonpass_domain::services::Passports;
use sha2::{Digest, Sha256};

use crate::dto::passport::{PassportOut, PassportUrls};

/// One face of a passport: its bytes and their strong `ETag`.
#[derive(Debug, Clone)]
pub(crate) struct Face {
    pub bytes: Bytes,
    pub etag: String,
}

impl Face {
    fn of(bytes: Vec<u8>) -> Self {
        let digest = Sha256::digest(&bytes);
        Self { etag: format!("\"{}\"", hex::encode(&digest[..16])), bytes: Bytes::from(bytes) }
    }
}

/// Every face of one version of a passport.
#[derive(Debug)]
pub(crate) struct Faces {
    /// The passport they were rendered from: the same `Arc` while it has not changed.
    passport: Arc<PublicPassport>,
    pub html: Face,
    pub json: Face,
    pub jws: Face,
    pub badge: Face,
}

/// Rendered faces by slug, replaced when the passport they came from is.
#[derive(Debug, Default)]
pub(crate) struct RenderedPassports {
    faces: Mutex<HashMap<String, Arc<Faces>>>,
}

/// Rendered passports kept at most; past that the map starts again empty.
const CAPACITY: usize = 10_000;

impl RenderedPassports {
    /// The faces of `passport`: those kept if they were rendered from this very passport, else
    /// rendered (and signed) now.
    pub fn faces(
        &self,
        slug: &str,
        passport: Arc<PublicPassport>,
        urls: &PassportUrls,
        passports: &Passports,
    ) -> Result<Arc<Faces>, DomainError> {
        if let Some(kept) = self.faces.lock().unwrap_or_else(PoisonError::into_inner).get(slug)
            && Arc::ptr_eq(&kept.passport, &passport)
        {
            return Ok(Arc::clone(kept));
        }
        let json =
            serde_json::to_vec(&PassportOut::of(&passport, urls)).map_err(|e| DomainError::Internal(e.to_string()))?;
        let jws = passports.sign(&json)?;
        let html = page::render(&passport, &page::PagePaths { page: format!("/company/{slug}") });
        let faces = Arc::new(Faces {
            html: Face::of(html.into_bytes()),
            jws: Face::of(jws.into_bytes()),
            badge: Face::of(badge::render(&passport).into_bytes()),
            json: Face::of(json),
            passport,
        });
        let mut kept = self.faces.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= CAPACITY && !kept.contains_key(slug) {
            kept.clear();
        }
        kept.insert(slug.to_owned(), Arc::clone(&faces));
        Ok(faces)
    }
}
