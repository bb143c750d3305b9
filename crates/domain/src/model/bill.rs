//! An uploaded utility bill and the file it came as.

use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::ids::{BillId, SessionId, SiteId};
use crate::DomainError;
use crate::calculation::BillType;

/// `uploaded` → `confirmed`; `rejected` is allowed from `uploaded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillStatus {
    Uploaded,
    Confirmed,
    Rejected,
}

impl BillStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BillStatus::Uploaded => "uploaded",
            BillStatus::Confirmed => "confirmed",
            BillStatus::Rejected => "rejected",
        }
    }
}

impl FromStr for BillStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "uploaded" => Ok(BillStatus::Uploaded),
            "confirmed" => Ok(BillStatus::Confirmed),
            "rejected" => Ok(BillStatus::Rejected),
            other => Err(DomainError::invalid("status", format!("unknown bill status {other:?}"))),
        }
    }
}

/// A file held in the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub blob_key: String,
    pub content_type: String,
    pub size_bytes: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    pub id: BillId,
    pub site_id: SiteId,
    pub session_id: SessionId,
    pub bill_type: BillType,
    pub status: BillStatus,
    pub file: StoredFile,
    pub created_at: DateTime<Utc>,
}

/// A stored file to record as a bill of a site, in the session in progress for the reporting
/// period `period` (opened if the site has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpload {
    pub site_id: SiteId,
    pub bill_type: BillType,
    pub file: StoredFile,
    pub period: String,
}
