//! Blob storage adapters: the domain's `BlobStore` port over a local folder (the default) or an
//! S3-compatible object store. Either way a blob is hashed (SHA-256) and counted while it is
//! written, and becomes visible under its key only once complete.

mod local;
mod s3;

pub use local::LocalBlobs;
pub use s3::{S3Blobs, S3Config};

use carbonpass_domain::DomainError;
use rand::RngExt;
use rand::distr::Alphanumeric;

/// Blob keys: random base62, so no key can reach outside its store and none can be guessed.
const KEY_LEN: usize = 32;

fn new_key() -> String {
    rand::rng().sample_iter(&Alphanumeric).take(KEY_LEN).map(char::from).collect()
}

fn is_key(key: &str) -> bool {
    key.len() == KEY_LEN && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn unavailable(context: &str, err: impl std::fmt::Display) -> DomainError {
    DomainError::Unavailable(format!("blob store: {context}: {err}"))
}
