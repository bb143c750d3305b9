//! Stored files as they are read back for a download: exactly the bytes recorded, or an error.

use async_trait::async_trait;

use crate::DomainError;
use crate::ports::BlobReader;

/// A stored file read back exactly as long as recorded: a file found shorter or longer (changed
/// or truncated on disk) fails the read as a server error, never becoming a short download.
pub(crate) struct ExactReader {
    inner: Box<dyn BlobReader>,
    expected: u64,
    seen: u64,
    bill: String,
}

impl ExactReader {
    pub(crate) fn new(inner: Box<dyn BlobReader>, expected: u64, bill: String) -> Result<Self, DomainError> {
        let stored = inner.size();
        if stored != expected {
            return Err(DomainError::Internal(format!(
                "the stored file of bill {bill} is {stored} bytes, {expected} recorded"
            )));
        }
        Ok(Self { inner, expected, seen: 0, bill })
    }
}

#[async_trait]
impl BlobReader for ExactReader {
    fn size(&self) -> u64 {
        self.expected
    }

    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        let chunk = self.inner.next_chunk().await?;
        let (bill, expected) = (&self.bill, self.expected);
        match chunk {
            Some(chunk) => {
                self.seen = self.seen.saturating_add(chunk.len() as u64);
                if self.seen > expected {
                    return Err(DomainError::Internal(format!(
                        "the stored file of bill {bill} grew past the {expected} bytes recorded while it was read"
                    )));
                }
                Ok(Some(chunk))
            }
            None if self.seen < expected => Err(DomainError::Internal(format!(
                "the stored file of bill {bill} ended after {} of the {expected} bytes recorded",
                self.seen
            ))),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A blob that claims `size` bytes and yields `chunks`.
    struct Fake {
        size: u64,
        chunks: Vec<Vec<u8>>,
    }

    #[async_trait]
    impl BlobReader for Fake {
        fn size(&self) -> u64 {
            self.size
        }

        async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
            Ok((!self.chunks.is_empty()).then(|| self.chunks.remove(0)))
        }
    }

    fn read_all(size: u64, chunks: &[&[u8]], expected: u64) -> Result<Vec<u8>, DomainError> {
        let fake = Fake { size, chunks: chunks.iter().map(|c| c.to_vec()).collect() };
        let mut reader = ExactReader::new(Box::new(fake), expected, "bill_1".into())?;
        let mut all = Vec::new();
        while let Some(chunk) = pollster::block_on(reader.next_chunk())? {
            all.extend(chunk);
        }
        Ok(all)
    }

    #[test]
    fn a_file_of_the_recorded_size_reads_whole() {
        assert_eq!(read_all(5, &[b"ab", b"cde"], 5).ok(), Some(b"abcde".to_vec()));
    }

    #[test]
    fn a_file_of_another_size_is_refused_before_a_byte() {
        assert!(
            matches!(read_all(4, &[b"abcd"], 5), Err(DomainError::Internal(m)) if m.contains("4 bytes, 5 recorded"))
        );
    }

    #[test]
    fn a_file_that_changes_while_read_fails_the_read() {
        // Its size said 5 when opened; it ends early, or runs on.
        assert!(matches!(read_all(5, &[b"ab"], 5), Err(DomainError::Internal(m)) if m.contains("ended after 2")));
        assert!(matches!(read_all(5, &[b"abc", b"def"], 5), Err(DomainError::Internal(m)) if m.contains("grew")));
    }
}
