//! Blobs in an S3-compatible object store (AWS S3, MinIO, Ceph, …) through `object_store`. A blob
//! is written as a multipart upload, completed on `finish`: until then nothing is visible under
//! its key, and an aborted upload is discarded by the store.

use std::sync::Arc;

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::ports::{BlobReader, BlobSink, BlobStore, FinishedBlob};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};

use crate::{is_key, new_key, unavailable};

/// Where the bucket is and how to reach it.
#[derive(Clone)]
pub struct S3Config {
    /// `None` for AWS itself; an `http(s)://host:port` for other S3-compatible stores.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Key prefix inside the bucket, such as `carbonpass/bills/`.
    pub prefix: String,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Parts are uploaded while later bytes arrive; at most this many at once per upload.
const PARTS_IN_FLIGHT: usize = 2;

#[derive(Debug, Clone)]
pub struct S3Blobs {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

impl S3Blobs {
    pub fn open(config: &S3Config) -> Result<Self, DomainError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key);
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(|e| unavailable("configuring S3", e))?;
        Ok(Self { store: Arc::new(store), prefix: config.prefix.clone() })
    }

    /// Names the deployment (database) whose files the prefix holds; never a blob key.
    fn owner_path(&self) -> Path {
        Path::from(format!("{}.owner", self.prefix))
    }

    fn path_of(&self, key: &str) -> Option<Path> {
        is_key(key).then(|| Path::from(format!("{}{key}", self.prefix)))
    }
}

#[async_trait]
impl BlobStore for S3Blobs {
    async fn open(&self, key: &str) -> Result<Box<dyn BlobReader>, DomainError> {
        let path = self.path_of(key).ok_or(DomainError::not_found("file"))?;
        match self.store.get(&path).await {
            Ok(found) => {
                let size = found.meta.size;
                Ok(Box::new(S3Reader { chunks: found.into_stream(), size }))
            }
            Err(object_store::Error::NotFound { .. }) => Err(DomainError::not_found("file")),
            Err(e) => Err(unavailable("reading a blob", e)),
        }
    }

    async fn create(&self) -> Result<Box<dyn BlobSink>, DomainError> {
        let key = new_key();
        let path = self.path_of(&key).ok_or_else(|| DomainError::Internal("minted an invalid blob key".into()))?;
        let upload = self.store.put_multipart(&path).await.map_err(|e| unavailable("starting a blob", e))?;
        Ok(Box::new(S3Sink { key, upload: Some(WriteMultipart::new(upload)), hasher: Sha256::new(), size: 0 }))
    }

    async fn keys_written_before(&self, cutoff: DateTime<Utc>) -> Result<Vec<String>, DomainError> {
        let prefix = Path::from(self.prefix.trim_end_matches('/'));
        let mut listed = self.store.list(Some(&prefix));
        let mut keys = Vec::new();
        while let Some(object) = listed.next().await {
            let object = object.map_err(|e| unavailable("listing blobs", e))?;
            let key = object.location.filename().unwrap_or_default();
            // Only keys this store made, directly under its prefix.
            if is_key(key) && self.path_of(key).as_ref() == Some(&object.location) && object.last_modified < cutoff {
                keys.push(key.to_owned());
            }
        }
        Ok(keys)
    }

    /// An interrupted S3 upload is a multipart upload never completed: it holds no object and
    /// the object store API used here cannot list those, so the bucket's
    /// `AbortIncompleteMultipartUpload` lifecycle rule removes them (docs/operations.md).
    async fn remove_unfinished_before(&self, _cutoff: DateTime<Utc>) -> Result<u64, DomainError> {
        Ok(0)
    }

    async fn owner(&self) -> Result<Option<String>, DomainError> {
        match self.store.get(&self.owner_path()).await {
            Ok(found) => {
                let bytes = found.bytes().await.map_err(|e| unavailable("reading the bucket's owner", e))?;
                Ok(Some(String::from_utf8_lossy(&bytes).trim().to_owned()))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(unavailable("reading the bucket's owner", e)),
        }
    }

    async fn claim(&self, deployment: &str) -> Result<(), DomainError> {
        let owner = bytes::Bytes::copy_from_slice(deployment.as_bytes());
        self.store.put(&self.owner_path(), owner.into()).await.map_err(|e| unavailable("claiming the bucket", e))?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), DomainError> {
        let Some(path) = self.path_of(key) else { return Ok(()) };
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(unavailable("deleting a blob", e)),
        }
    }
}

struct S3Sink {
    key: String,
    /// `None` once finished or aborted.
    upload: Option<WriteMultipart>,
    hasher: Sha256,
    size: u64,
}

#[async_trait]
impl BlobSink for S3Sink {
    async fn write(&mut self, chunk: &[u8]) -> Result<(), DomainError> {
        let upload = self.upload.as_mut().ok_or_else(|| DomainError::Internal("write after finish".into()))?;
        // Bounds memory: wait while too many parts are still being sent.
        upload.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(|e| unavailable("writing a blob", e))?;
        upload.write(chunk);
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<FinishedBlob, DomainError> {
        let upload = self.upload.take().ok_or_else(|| DomainError::Internal("finish twice".into()))?;
        upload.finish().await.map_err(|e| unavailable("storing a blob", e))?;
        let sha256 = hex::encode(std::mem::take(&mut self.hasher).finalize());
        Ok(FinishedBlob { key: std::mem::take(&mut self.key), size_bytes: self.size, sha256 })
    }

    async fn abort(mut self: Box<Self>) {
        if let Some(upload) = self.upload.take() {
            let _ = upload.abort().await;
        }
    }
}

impl Drop for S3Sink {
    /// An upload dropped half way (the client went away) is aborted in the background.
    fn drop(&mut self) {
        if let (Some(upload), Ok(runtime)) = (self.upload.take(), tokio::runtime::Handle::try_current()) {
            runtime.spawn(async move {
                let _ = upload.abort().await;
            });
        }
    }
}

struct S3Reader {
    chunks: BoxStream<'static, object_store::Result<bytes::Bytes>>,
    size: u64,
}

#[async_trait]
impl BlobReader for S3Reader {
    fn size(&self) -> u64 {
        self.size
    }

    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        match self.chunks.next().await {
            Some(Ok(chunk)) => Ok(Some(chunk.to_vec())),
            Some(Err(e)) => Err(unavailable("reading a blob", e)),
            None => Ok(None),
        }
    }
}
