//! What the areas' tests share: values a store would return, the caller of most tests, and
//! blobs in memory. Each area builds its own service from its own mocks.

use std::sync::Arc;

use crate::model::RateQuotas;

/// The company a store would return for `new`, with id `id`.
pub fn company_from(new: crate::model::NewCompany, id: &str) -> crate::model::Company {
    crate::model::Company {
        id: crate::model::CompanyId::parse(id).expect("id"),
        name: new.name,
        sector: new.sector,
        city: new.city,
        employee_count: new.employee_count,
        plan: new.plan,
        passport: new.passport,
        reporting_year_start: new.reporting_year_start,
        sandbox: false,
    }
}

/// Acme, the company of [`tenant`] (`comp_c`): a business-plan retailer in Leeds with 3
/// employees and an April reporting year.
pub fn acme() -> crate::model::Company {
    company_from(
        crate::model::NewCompany {
            name: "Acme".into(),
            sector: "Retail".into(),
            city: "Leeds".into(),
            employee_count: 3,
            plan: crate::model::Plan::Business,
            passport: crate::model::Passport { slug: "acme".into(), activated: false },
            reporting_year_start: crate::model::ReportingYearStart::APRIL,
        },
        "comp_c",
    )
}

/// The allowances tests run with: business 60 a minute (burst 10), partner 600 (burst
/// 100), unauthenticated 30 (burst 5).
pub fn quotas() -> RateQuotas {
    let quota = |per_minute, burst| crate::model::RateQuota::new(per_minute, burst).expect("non-zero");
    RateQuotas { business: quota(60, 10), partner: quota(600, 100), unauthenticated: quota(30, 5) }
}

/// The tenant of [`caller`]: company `comp_c`'s live data.
pub fn tenant() -> crate::model::Tenant {
    caller().tenant()
}

/// A live caller of company `comp_c`.
pub fn caller() -> crate::model::Principal {
    crate::model::Principal {
        key_id: crate::model::ApiKeyId::parse("key_k").expect("id"),
        user_id: crate::model::UserId::parse("usr_u").expect("id"),
        company_id: crate::model::CompanyId::parse("comp_c").expect("id"),
        key_company_id: crate::model::CompanyId::parse("comp_c").expect("id"),
        key_expires_at: None,
        mode: crate::model::KeyMode::Live,
        data_version: crate::model::DataVersion(1),
        role: crate::model::Role::Owner,
        key_role: crate::model::Role::Owner,
    }
}

/// Blobs in memory: what was finished, and what was deleted.
#[derive(Debug, Default)]
pub struct MemoryBlobs {
    pub finished: std::sync::Mutex<Vec<(String, Vec<u8>)>>,
    pub deleted: std::sync::Mutex<Vec<String>>,
    /// What `keys_written_before` answers; each cutoff before the far future it was asked with.
    pub old_keys: std::sync::Mutex<Vec<String>>,
    pub cutoffs: std::sync::Mutex<Vec<chrono::DateTime<chrono::Utc>>>,
    /// The deployment that claimed the store.
    pub owner: std::sync::Mutex<Option<String>>,
}

struct MemorySink {
    store: Arc<MemoryBlobs>,
    key: String,
    bytes: Vec<u8>,
}

#[async_trait::async_trait]
impl crate::services::bills::ports::BlobStore for Arc<MemoryBlobs> {
    async fn open(&self, _key: &str) -> Result<Box<dyn crate::services::bills::ports::BlobReader>, crate::DomainError> {
        Err(crate::DomainError::not_found("file"))
    }

    async fn create(&self) -> Result<Box<dyn crate::services::bills::ports::BlobSink>, crate::DomainError> {
        let key = format!("blob-{}", self.finished.lock().map(|f| f.len()).unwrap_or(0));
        Ok(Box::new(MemorySink { store: self.clone(), key, bytes: Vec::new() }))
    }

    async fn delete(&self, key: &str) -> Result<(), crate::DomainError> {
        if let Ok(mut deleted) = self.deleted.lock() {
            deleted.push(key.to_owned());
        }
        Ok(())
    }

    async fn keys_written_before(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<String>, crate::DomainError> {
        if let Ok(mut cutoffs) = self.cutoffs.lock()
            && cutoff != chrono::DateTime::<chrono::Utc>::MAX_UTC
        {
            cutoffs.push(cutoff);
        }
        Ok(self.old_keys.lock().map(|k| k.clone()).unwrap_or_default())
    }

    async fn owner(&self) -> Result<Option<String>, crate::DomainError> {
        Ok(self.owner.lock().map(|o| o.clone()).unwrap_or_default())
    }

    async fn claim(&self, deployment: &str) -> Result<(), crate::DomainError> {
        if let Ok(mut owner) = self.owner.lock() {
            *owner = Some(deployment.to_owned());
        }
        Ok(())
    }

    async fn remove_unfinished_before(&self, cutoff: chrono::DateTime<chrono::Utc>) -> Result<u64, crate::DomainError> {
        if let Ok(mut cutoffs) = self.cutoffs.lock() {
            cutoffs.push(cutoff);
        }
        Ok(2)
    }
}

#[async_trait::async_trait]
impl crate::services::bills::ports::BlobSink for MemorySink {
    async fn write(&mut self, chunk: &[u8]) -> Result<(), crate::DomainError> {
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<crate::services::bills::ports::FinishedBlob, crate::DomainError> {
        let blob = crate::services::bills::ports::FinishedBlob {
            key: self.key.clone(),
            size_bytes: self.bytes.len() as u64,
            sha256: format!("sha-of-{}", self.bytes.len()),
        };
        if let Ok(mut finished) = self.store.finished.lock() {
            finished.push((self.key, self.bytes));
        }
        Ok(blob)
    }

    async fn abort(self: Box<Self>) {}
}
