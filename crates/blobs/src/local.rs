//! Blobs in a local folder (the zero-setup default, `./data/blobs`). A blob is written to
//! `.staging/` while it arrives, hashed (SHA-256) and counted on the way, fsynced and renamed into
//! place only when complete, so a reader never sees half a file and an abandoned upload leaves
//! nothing under a real key.

use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::ports::{BlobReader, BlobSink, BlobStore, FinishedBlob};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::fs::{self, File};

use crate::{is_key, new_key, unavailable};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Blobs in a folder: `<root>/<first two characters of the key>/<key>`.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
}

impl LocalBlobs {
    /// Opens (creating if needed) the folder. Blocking: call at start-up.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(root.join(".staging"))?;
        Ok(Self { root })
    }

    /// Where a key's blob lives; `None` for anything that is not a key this store made (so no
    /// key can reach outside the folder).
    fn path_of(&self, key: &str) -> Option<PathBuf> {
        is_key(key).then(|| self.root.join(&key[..2]).join(key))
    }

    /// Every finished blob's key (for tests and sweeps).
    pub fn keys(&self) -> io::Result<Vec<String>> {
        let mut keys = Vec::new();
        for shard in std::fs::read_dir(&self.root)? {
            let shard = shard?;
            if shard.file_name() == ".staging" || !shard.file_type()?.is_dir() {
                continue;
            }
            for blob in std::fs::read_dir(shard.path())? {
                keys.push(blob?.file_name().to_string_lossy().into_owned());
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// Files still in staging (uploads in flight, or abandoned ones).
    pub fn staged(&self) -> io::Result<usize> {
        Ok(std::fs::read_dir(self.root.join(".staging"))?.count())
    }
}

/// Names the deployment (database) whose files the folder holds.
const OWNER_FILE: &str = ".owner";

/// Bytes read per chunk when a blob is read back.
const READ_CHUNK: usize = 64 * 1024;

struct LocalReader {
    file: File,
    size: u64,
}

#[async_trait]
impl BlobReader for LocalReader {
    fn size(&self) -> u64 {
        self.size
    }

    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        let mut chunk = vec![0; READ_CHUNK];
        let n = self.file.read(&mut chunk).await.map_err(|e| unavailable("reading a blob", e))?;
        if n == 0 {
            return Ok(None);
        }
        chunk.truncate(n);
        Ok(Some(chunk))
    }
}

#[async_trait]
impl BlobStore for LocalBlobs {
    async fn open(&self, key: &str) -> Result<Box<dyn BlobReader>, DomainError> {
        let path = self.path_of(key).ok_or(DomainError::not_found("file"))?;
        match File::open(&path).await {
            Ok(file) => {
                let size = file.metadata().await.map_err(|e| unavailable("reading a blob's size", e))?.len();
                Ok(Box::new(LocalReader { file, size }))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(DomainError::not_found("file")),
            Err(e) => Err(unavailable("opening a blob", e)),
        }
    }

    async fn create(&self) -> Result<Box<dyn BlobSink>, DomainError> {
        let key = new_key();
        let staging = self.root.join(".staging").join(format!("{key}.part"));
        let file = File::create_new(&staging).await.map_err(|e| unavailable("creating a blob", e))?;
        let target = self.path_of(&key).ok_or_else(|| DomainError::Internal("minted an invalid blob key".into()))?;
        Ok(Box::new(LocalSink { key, file: Some(file), staging, target, hasher: Sha256::new(), size: 0 }))
    }

    async fn delete(&self, key: &str) -> Result<(), DomainError> {
        let Some(path) = self.path_of(key) else { return Ok(()) };
        match fs::remove_file(&path).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(unavailable("deleting a blob", e)),
            _ => Ok(()),
        }
    }

    async fn owner(&self) -> Result<Option<String>, DomainError> {
        match fs::read_to_string(self.root.join(OWNER_FILE)).await {
            Ok(owner) => Ok(Some(owner.trim().to_owned())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(unavailable("reading the blob folder's owner", e)),
        }
    }

    async fn claim(&self, deployment: &str) -> Result<(), DomainError> {
        fs::write(self.root.join(OWNER_FILE), deployment).await.map_err(|e| unavailable("claiming the blob folder", e))
    }

    async fn keys_written_before(&self, cutoff: DateTime<Utc>) -> Result<Vec<String>, DomainError> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || older_files(&root, cutoff))
            .await
            .map_err(|e| DomainError::Internal(format!("listing blobs: {e}")))?
            .map_err(|e| unavailable("listing blobs", e))
    }

    async fn remove_unfinished_before(&self, cutoff: DateTime<Utc>) -> Result<u64, DomainError> {
        let staging = self.root.join(".staging");
        tokio::task::spawn_blocking(move || -> io::Result<u64> {
            let mut removed = 0;
            for entry in std::fs::read_dir(&staging)? {
                let entry = entry?;
                if written_before(&entry, cutoff)? {
                    match std::fs::remove_file(entry.path()) {
                        Ok(()) => removed += 1,
                        // Another process's sweep got there first.
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Ok(removed)
        })
        .await
        .map_err(|e| DomainError::Internal(format!("sweeping staging: {e}")))?
        .map_err(|e| unavailable("sweeping staging", e))
    }
}

/// Keys of the finished blobs under `root` last written before `cutoff`.
fn older_files(root: &Path, cutoff: DateTime<Utc>) -> io::Result<Vec<String>> {
    let mut keys = Vec::new();
    for shard in std::fs::read_dir(root)? {
        let shard = shard?;
        if shard.file_name() == ".staging" || !shard.file_type()?.is_dir() {
            continue;
        }
        for blob in std::fs::read_dir(shard.path())? {
            let blob = blob?;
            let key = blob.file_name().to_string_lossy().into_owned();
            if is_key(&key) && written_before(&blob, cutoff)? {
                keys.push(key);
            }
        }
    }
    Ok(keys)
}

/// Whether a file was last modified before `cutoff` (one gone meanwhile was not).
fn written_before(entry: &std::fs::DirEntry, cutoff: DateTime<Utc>) -> io::Result<bool> {
    let modified = match entry.metadata().and_then(|m| m.modified()) {
        Ok(modified) => modified,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    Ok(DateTime::<Utc>::from(modified) < cutoff)
}

struct LocalSink {
    key: String,
    /// `None` once finished or aborted.
    file: Option<File>,
    staging: PathBuf,
    target: PathBuf,
    hasher: Sha256,
    size: u64,
}

#[async_trait]
impl BlobSink for LocalSink {
    async fn write(&mut self, chunk: &[u8]) -> Result<(), DomainError> {
        let file = self.file.as_mut().ok_or_else(|| DomainError::Internal("write after finish".into()))?;
        file.write_all(chunk).await.map_err(|e| unavailable("writing a blob", e))?;
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<FinishedBlob, DomainError> {
        let mut file = self.file.take().ok_or_else(|| DomainError::Internal("finish twice".into()))?;
        let durable = async {
            file.flush().await?;
            file.sync_data().await?;
            drop(file);
            if let Some(shard) = self.target.parent() {
                fs::create_dir_all(shard).await?;
            }
            fs::rename(&self.staging, &self.target).await
        };
        if let Err(e) = durable.await {
            let _ = fs::remove_file(&self.staging).await;
            return Err(unavailable("storing a blob", e));
        }
        let sha256 = hex::encode(std::mem::take(&mut self.hasher).finalize());
        Ok(FinishedBlob { key: std::mem::take(&mut self.key), size_bytes: self.size, sha256 })
    }

    async fn abort(mut self: Box<Self>) {
        drop(self.file.take());
        let _ = fs::remove_file(&self.staging).await;
    }
}

impl Drop for LocalSink {
    /// An upload dropped half way (the client went away) leaves no staging file behind.
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_finished_blob_is_stored_whole_with_its_hash() {
        let dir = tempfile::tempdir().expect("dir");
        let blobs = LocalBlobs::open(dir.path()).expect("open");
        let mut sink = blobs.create().await.expect("create");
        sink.write(b"ab").await.expect("write");
        sink.write(b"c").await.expect("write");
        let blob = sink.finish().await.expect("finish");
        assert_eq!(blob.size_bytes, 3);
        // SHA-256("abc"), FIPS 180-2.
        assert_eq!(blob.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let path = blobs.path_of(&blob.key).expect("path");
        assert_eq!(std::fs::read(path).expect("read"), b"abc");
        let mut reader = blobs.open(&blob.key).await.expect("open");
        assert_eq!(reader.next_chunk().await.expect("read"), Some(b"abc".to_vec()));
        assert_eq!(reader.next_chunk().await.expect("read"), None);
        assert_eq!(blobs.keys().expect("keys"), vec![blob.key.clone()]);
        assert_eq!(blobs.staged().expect("staged"), 0);

        blobs.delete(&blob.key).await.expect("delete");
        blobs.delete(&blob.key).await.expect("deleting twice is fine");
        assert!(blobs.keys().expect("keys").is_empty());
        assert!(matches!(blobs.open(&blob.key).await, Err(DomainError::NotFound { .. })));
    }

    #[tokio::test]
    async fn aborted_and_abandoned_uploads_leave_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let blobs = LocalBlobs::open(dir.path()).expect("open");
        let mut aborted = blobs.create().await.expect("create");
        aborted.write(b"partial").await.expect("write");
        aborted.abort().await;
        let mut dropped = blobs.create().await.expect("create");
        dropped.write(b"partial").await.expect("write");
        assert_eq!(blobs.staged().expect("staged"), 1);
        drop(dropped);
        assert_eq!(blobs.staged().expect("staged"), 0);
        assert!(blobs.keys().expect("keys").is_empty());
    }

    #[tokio::test]
    async fn keys_never_reach_outside_the_folder() {
        let dir = tempfile::tempdir().expect("dir");
        let blobs = LocalBlobs::open(dir.path().join("blobs")).expect("open");
        std::fs::write(dir.path().join("secret"), b"x").expect("write");
        for key in ["../secret", "..", "", "a/b", "../../../../etc/passwd"] {
            assert!(blobs.path_of(key).is_none(), "{key}");
            blobs.delete(key).await.expect("harmless");
        }
        assert!(dir.path().join("secret").exists());
    }
}
