//! The ports: what the domain needs from the outside world. Adapters implement them; use cases
//! call them. Every method that reads or writes tenant data takes the tenant (the company id of the
//! data space) and keeps to it: no method reads a tenant's row by its id alone.
//!
//! Errors: every method may return [`DomainError::Unavailable`] when its backend cannot be
//! reached; other variants are listed on the methods that return them.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use crate::DomainError;
use crate::calculation::Scope;
use crate::crp::{CarbonReductionPlan, CrpInputs, PeriodBills, PlanContent, PlanSummary, StoredInputs};
use crate::model::DataVersion;
use crate::model::{
    ApiKeyId, ApiKeyRecord, Bill, BillId, BillQuery, Company, CompanyId, CompanyOverview, Confirmed, Correction,
    DeliveryId, EndpointId, GeneratedKey, IdempotencyClaim, IdempotencyKey, IdempotencyLease, IdempotentRecord,
    KeyHash, KeyMode, LimiterMode, MembershipRole, NewApiKey, NewCompany, NewSite, NewUpload, NewUser, PeriodSums,
    PlanId, PresentedKey, RateLimitStatus, RateQuota, SessionId, SessionSummary, Site, SiteId, StoredKey,
    StoredResponse, User, UserId,
};
use crate::webhooks::model::{Delivery, DeliveryQuery, DueDelivery, EndpointChange, NewEndpoint, WebhookEndpoint};
use crate::webhooks::verdict::{AttemptOutcome, Verdict};

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait CompanyRepository: Send + Sync {
    /// Creates the company and its sandbox twin (same profile, `sandbox = true`) in one
    /// transaction; returns the live company. `Conflict` if the passport slug is taken.
    async fn create_company(&self, new: NewCompany) -> Result<Company, DomainError>;

    /// A live company by its passport slug.
    async fn find_company_by_slug(&self, slug: &str) -> Result<Option<Company>, DomainError>;

    /// The sandbox twin of a live company; `NotFound` if `live` is not a live company.
    async fn sandbox_twin(&self, live: &CompanyId) -> Result<CompanyId, DomainError>;

    /// Profile, sites and current emissions of the tenant `company`.
    async fn overview(&self, company: &CompanyId) -> Result<Option<CompanyOverview>, DomainError>;

    /// Adds a site to a live company and its twin to the sandbox, in one transaction; returns the
    /// live site. `NotFound` if `company` is not a live company.
    async fn create_site(&self, company: &CompanyId, new: NewSite) -> Result<Site, DomainError>;

    /// Every live company, for operators.
    async fn list_companies(&self) -> Result<Vec<Company>, DomainError>;
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// `Conflict` if the email is taken.
    async fn create_user(&self, new: NewUser) -> Result<User, DomainError>;

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, DomainError>;

    /// Makes `user` a member of the live company `company`, or changes their role.
    /// `NotFound` if either does not exist.
    async fn add_membership(&self, user: &UserId, company: &CompanyId, role: MembershipRole)
    -> Result<(), DomainError>;

    /// Whether `user` belongs to the live company `company`.
    async fn is_member(&self, user: &UserId, company: &CompanyId) -> Result<bool, DomainError>;

    /// The data space a `mode` key of `user` acts on in the live company `company` (the company
    /// itself, or its sandbox twin), with that space's data version; `None` unless `user` is a
    /// member of `company`. One lookup: every request naming a company makes it.
    async fn data_space(
        &self,
        user: &UserId,
        company: &CompanyId,
        mode: KeyMode,
    ) -> Result<Option<(CompanyId, DataVersion)>, DomainError>;

    /// In one transaction: ends `user`'s membership of the live company `company` and revokes
    /// (at `at`) every key of theirs acting on it or its sandbox twin; returns how many keys it
    /// revoked. `NotFound` if they were not a member.
    async fn remove_membership(
        &self,
        user: &UserId,
        company: &CompanyId,
        at: DateTime<Utc>,
    ) -> Result<u64, DomainError>;
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// `Conflict` if the hash exists already (a collision of random keys: never in practice).
    async fn insert_key(&self, new: NewApiKey) -> Result<ApiKeyRecord, DomainError>;

    /// The key with this hash, with what deciding on it needs (its owner, tenant, plan).
    async fn find_key_by_hash(&self, hash: &KeyHash) -> Result<Option<StoredKey>, DomainError>;

    /// Records that the tenant `company`'s key was used at `at`. Best effort: it waits for no
    /// other writer for long, and the caller goes on whatever it returns (adapters log their
    /// failures).
    async fn record_key_use(&self, company: &CompanyId, id: &ApiKeyId, at: DateTime<Utc>) -> Result<(), DomainError>;

    /// Revokes one of `owner`'s keys for the tenant `company`; `NotFound` if they have no such
    /// key there. Revoking twice is harmless and keeps the first revocation time.
    async fn revoke_key(
        &self,
        company: &CompanyId,
        owner: &UserId,
        id: &ApiKeyId,
        at: DateTime<Utc>,
    ) -> Result<ApiKeyRecord, DomainError>;

    /// In one transaction: inserts the key `replacement` (of the same owner, tenant, mode and
    /// name as `id`) and sets `id`'s expiry to `expires_at`; returns the old key, then the new
    /// one. `NotFound` if `owner` has no such key for the tenant `company`; `Conflict` if it is
    /// revoked, or already rolled (of racing rolls of one key, exactly one succeeds).
    async fn roll_key(
        &self,
        company: &CompanyId,
        owner: &UserId,
        id: &ApiKeyId,
        replacement: &GeneratedKey,
        expires_at: DateTime<Utc>,
    ) -> Result<(ApiKeyRecord, ApiKeyRecord), DomainError>;

    /// `owner`'s keys for the tenant `company`, newest first, revoked ones included.
    async fn list_keys(&self, company: &CompanyId, owner: &UserId) -> Result<Vec<ApiKeyRecord>, DomainError>;

    /// Every key of `owner`, in every company, for operators (never reachable by an API key).
    async fn list_user_keys(&self, owner: &UserId) -> Result<Vec<ApiKeyRecord>, DomainError>;
}

/// The format of API keys: minting, checking and hashing them. Pure computation.
#[cfg_attr(test, mockall::automock)]
pub trait ApiKeyCodec: Send + Sync {
    /// A new random key of `mode`, its hash and display prefix.
    fn generate(&self, mode: KeyMode) -> GeneratedKey;

    /// Checks a presented key's form and checksum and hashes it; `None` if it is malformed.
    fn parse(&self, presented: &str) -> Option<PresentedKey>;

    /// Compares two hashes in constant time.
    fn same_hash(&self, a: &KeyHash, b: &KeyHash) -> bool;
}

/// Counts requests against buckets (GCRA), in this process or shared between processes.
/// Never fails: a limiter that cannot reach where it shares its buckets limits on its own, and
/// says so in [`mode`](RateLimiter::mode).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one request of `user` against their bucket of `quota`; `None` if limits are off.
    async fn admit(&self, user: &UserId, quota: RateQuota) -> Option<RateLimitStatus>;

    /// Whether unauthenticated requests from `client` have used up their allowance: `Some` (with
    /// `retry_after`) if so. Counts nothing; looks at this process's memory only.
    fn client_refused(&self, client: &str) -> Option<RateLimitStatus>;

    /// Counts one unauthenticated request from `client` against its bucket of `quota`.
    fn count_client(&self, client: &str, quota: RateQuota);

    /// Remembers (for a few minutes) that the key with this hash was accepted, so its requests
    /// are still looked up from an address that others' bad keys got refused: a shared address
    /// (an office, a proxy, a cloud's egress) must not lock out keys that work.
    fn vouch(&self, key: &KeyHash);

    /// Whether the key with this hash was accepted a few minutes ago or less.
    fn vouched(&self, key: &KeyHash) -> bool;

    /// Forgets that the key with this hash was accepted: it was just refused (revoked, expired).
    fn forget(&self, key: &KeyHash);

    /// Where buckets are kept now (a shared limiter that lost its store checks it again).
    async fn mode(&self) -> LimiterMode;
}

/// Whether the service can do its work: its database answers.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait HealthProbe: Send + Sync {
    async fn check(&self) -> Result<(), DomainError>;
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait BillRepository: Send + Sync {
    /// In one transaction: finds the site's session in progress (or opens one for
    /// `upload.period`), records the bill as `uploaded`, writes a `bill.uploaded` event and, for a
    /// keyed request, keeps its rendered response under its key. `NotFound` if the site is not
    /// the tenant `company`'s; `DuplicateBill` if the site already has a bill with the same file;
    /// `IdempotencyKeyInProgress` (and nothing written) if `idempotent`'s claim is no longer held.
    async fn record_upload(
        &self,
        company: &CompanyId,
        upload: NewUpload,
        idempotent: Option<IdempotentRecord>,
    ) -> Result<Bill, DomainError>;

    /// The identity of this database (written once, by its first migration of it): the blob
    /// store is tied to it, so the sweep never judges another database's files.
    async fn deployment_id(&self) -> Result<String, DomainError>;

    /// Which of `keys` some bill, of any company, holds as its file. Not a tenant's read: the
    /// sweep of files without a bill works across the whole store, and learns nothing but keys.
    async fn blob_keys_in_use(&self, keys: &[String]) -> Result<std::collections::HashSet<String>, DomainError>;

    /// The tenant's bills, newest first, filtered by `query`; at most `query.limit`.
    /// `Invalid` (field `cursor`) if the cursor names no bill of the tenant.
    async fn list_bills(&self, company: &CompanyId, query: BillQuery) -> Result<Vec<Bill>, DomainError>;

    /// One of the tenant's bills.
    async fn find_bill(&self, company: &CompanyId, id: &BillId) -> Result<Option<Bill>, DomainError>;

    /// In one transaction: checks the bill is still `uploaded` (`Conflict` otherwise) and, unless
    /// `confirmed.allow_overlap`, that no confirmed bill of the same supply (the same meter
    /// point, or without one the same site and type) overlaps its billing period
    /// (`OverlappingBill`); then stores the activity and calculation, the per-period, per-scope
    /// amounts in `emissions` (micrograms), marks the bill `confirmed` and writes a
    /// `bill.confirmed` event. `NotFound` if the bill is not the tenant's.
    async fn confirm(
        &self,
        company: &CompanyId,
        bill: &BillId,
        confirmed: Confirmed,
        emissions: Vec<(String, Scope, i64)>,
    ) -> Result<Bill, DomainError>;

    /// In one transaction: checks the bill is `uploaded` (`Conflict` otherwise), marks it
    /// `rejected` with `correction`, and writes a `bill.rejected` event. `NotFound` if the bill
    /// is not the tenant's.
    async fn reject(&self, company: &CompanyId, bill: &BillId, correction: Correction) -> Result<Bill, DomainError>;

    /// In one transaction: checks the bill is `confirmed` (`Conflict` otherwise), takes its
    /// amounts out of every maintained total (periods, sessions, sites), marks it `voided` with
    /// `correction` (its activity and calculation stay), and writes a `bill.voided` event.
    /// `NotFound` if the bill is not the tenant's.
    async fn void(&self, company: &CompanyId, bill: &BillId, correction: Correction) -> Result<Bill, DomainError>;
}

/// A blob written and made durable: where it is and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedBlob {
    pub key: String,
    pub size_bytes: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
}

/// Where uploaded files live (a local folder, or an S3-compatible store).
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Reads a blob back, chunk by chunk. `NotFound` if there is none under `key`.
    async fn open(&self, key: &str) -> Result<Box<dyn BlobReader>, DomainError>;

    /// A new blob under a fresh key, written chunk by chunk so memory never holds a whole file.
    async fn create(&self) -> Result<Box<dyn BlobSink>, DomainError>;

    /// Removes a blob; removing one that does not exist is not an error.
    async fn delete(&self, key: &str) -> Result<(), DomainError>;

    /// The keys of finished blobs last written before `cutoff`: candidates for the sweep of
    /// files whose bill was never recorded (a crash between the two).
    async fn keys_written_before(&self, cutoff: DateTime<Utc>) -> Result<Vec<String>, DomainError>;

    /// Removes what unfinished uploads left (a crash mid-upload) that was last written before
    /// `cutoff`; returns how many it removed.
    async fn remove_unfinished_before(&self, cutoff: DateTime<Utc>) -> Result<u64, DomainError>;

    /// The deployment (database) this store's files belong to, once one has claimed it.
    async fn owner(&self) -> Result<Option<String>, DomainError>;

    /// Records that this store's files belong to `deployment`.
    async fn claim(&self, deployment: &str) -> Result<(), DomainError>;
}

/// A blob being written. Nothing is visible under its key until `finish`.
#[async_trait]
pub trait BlobSink: Send {
    async fn write(&mut self, chunk: &[u8]) -> Result<(), DomainError>;

    async fn finish(self: Box<Self>) -> Result<FinishedBlob, DomainError>;

    /// Discards what was written.
    async fn abort(self: Box<Self>);
}

/// A blob being read.
#[async_trait]
pub trait BlobReader: Send {
    /// The blob's size in bytes, as stored, when it was opened.
    fn size(&self) -> u64;

    /// The next chunk, or `None` at the end.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError>;
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for a new request of the tenant `company` for `lease`, unless a request with
    /// it holds an unexpired claim or finished less than `ttl` ago (an older one is forgotten; an
    /// expired claim is taken over). Two concurrent claims of one key never both succeed.
    async fn claim(
        &self,
        company: &CompanyId,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
        ttl: TimeDelta,
        lease: TimeDelta,
    ) -> Result<IdempotencyClaim, DomainError>;

    /// Keeps the response of the request holding `lease`; nothing if the claim is no longer held.
    async fn complete(
        &self,
        company: &CompanyId,
        lease: &IdempotencyLease,
        response: StoredResponse,
    ) -> Result<(), DomainError>;

    /// Gives a held claim up, keeping nothing (the request failed in a way worth retrying).
    async fn release(&self, company: &CompanyId, lease: &IdempotencyLease) -> Result<(), DomainError>;
}

/// Emission sums and sessions, for reporting.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait EmissionsRepository: Send + Sync {
    /// Sums of confirmed bills' amounts in `period` (of one site if given), by scope and bill
    /// type, and by contributing session, read from one snapshot. Without a `period`, the latest
    /// with confirmed data, chosen in the same snapshot; `None` when there is none.
    async fn period_sums(
        &self,
        company: &CompanyId,
        period: Option<String>,
        site: Option<SiteId>,
    ) -> Result<Option<(String, PeriodSums)>, DomainError>;

    /// The tenant's sessions, newest first, each with its total over all periods.
    async fn sessions(&self, company: &CompanyId) -> Result<Vec<SessionSummary>, DomainError>;

    /// Completes a session in progress; `NotFound` if not the tenant's, `Conflict` if completed.
    async fn complete_session(
        &self,
        company: &CompanyId,
        id: &SessionId,
        at: DateTime<Utc>,
    ) -> Result<SessionSummary, DomainError>;
}

/// A plan to record as generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    pub fy_year: i32,
    pub target_year: i32,
    pub generated_at: DateTime<Utc>,
    pub content: PlanContent,
}

/// Which plans to list: newest first, after the plan named by `after` (the previous page's last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanQuery {
    pub after: Option<PlanId>,
    pub limit: u32,
}

/// Carbon Reduction Plans and the inputs they are generated from.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait PlanRepository: Send + Sync {
    /// The tenant's CRP inputs, if they were ever saved.
    async fn crp_inputs(&self, company: &CompanyId) -> Result<Option<StoredInputs>, DomainError>;

    /// Replaces the tenant's CRP inputs whole.
    async fn save_crp_inputs(
        &self,
        company: &CompanyId,
        inputs: CrpInputs,
        at: DateTime<Utc>,
    ) -> Result<StoredInputs, DomainError>;

    /// For each of `periods` (labels), the tenant's confirmed bills with a part in it: their
    /// types and calculations, all read from one snapshot.
    async fn period_bills(&self, company: &CompanyId, periods: Vec<String>) -> Result<Vec<PeriodBills>, DomainError>;

    /// In one transaction: records the plan as a `draft` with a new id and writes a
    /// `crp.generated` event.
    async fn insert_plan(&self, company: &CompanyId, plan: NewPlan) -> Result<CarbonReductionPlan, DomainError>;

    async fn find_plan(&self, company: &CompanyId, id: &PlanId) -> Result<Option<CarbonReductionPlan>, DomainError>;

    /// The tenant's plans, newest first; at most `query.limit`. `Invalid` (field `cursor`) if
    /// the cursor names no plan of the tenant.
    async fn list_plans(&self, company: &CompanyId, query: PlanQuery) -> Result<Vec<PlanSummary>, DomainError>;

    /// In one transaction, one publication of the tenant's at a time: a plan already published
    /// is returned as it is (`false`: nothing changed); a draft becomes `published` at `at`,
    /// the plan published before it becomes `superseded`, and a `crp.published` event is
    /// written (`true`). `Conflict` for a superseded plan, or a draft generated before the
    /// published plan; `NotFound` if the plan is not the tenant's.
    async fn publish_plan(
        &self,
        company: &CompanyId,
        id: &PlanId,
        at: DateTime<Utc>,
    ) -> Result<(CarbonReductionPlan, bool), DomainError>;
}

/// Lays a plan out as a document.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait PlanRenderer: Send + Sync {
    /// The plan as a PDF: every section, drafts marked as drafts.
    async fn render_pdf(&self, plan: &CarbonReductionPlan) -> Result<Vec<u8>, DomainError>;

    /// The first character of `text` the document's typeface has no glyph for, if any: text a
    /// plan would print as blanks is refused when it is saved, not lost in the PDF.
    fn unshowable(&self, text: &str) -> Option<char>;

    /// The scripts the typeface covers, for the message that refuses text.
    fn scripts(&self) -> &'static str;
}

/// A tenant's webhook endpoints and the log of their deliveries. Every method keeps to the
/// tenant `company` (the data space: a sandbox twin's endpoints are its own).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait WebhookRepository: Send + Sync {
    /// `Conflict` if the tenant has `usecases::MAX_ENDPOINTS` already (counted in the same
    /// transaction, one creation of the tenant's at a time).
    async fn create_endpoint(&self, company: &CompanyId, new: NewEndpoint) -> Result<WebhookEndpoint, DomainError>;

    /// The tenant's endpoints, oldest first.
    async fn list_endpoints(&self, company: &CompanyId) -> Result<Vec<WebhookEndpoint>, DomainError>;

    async fn find_endpoint(&self, company: &CompanyId, id: &EndpointId)
    -> Result<Option<WebhookEndpoint>, DomainError>;

    /// Applies `change`; re-enabling clears the reason it was disabled and its failing clock,
    /// disabling fails its pending deliveries. `NotFound` if not the tenant's.
    async fn update_endpoint(
        &self,
        company: &CompanyId,
        id: &EndpointId,
        change: EndpointChange,
        at: DateTime<Utc>,
    ) -> Result<WebhookEndpoint, DomainError>;

    /// Deletes the endpoint and its deliveries. `NotFound` if not the tenant's.
    async fn delete_endpoint(&self, company: &CompanyId, id: &EndpointId) -> Result<(), DomainError>;

    /// Makes `secret` the endpoint's signing secret; the one it replaces keeps signing until
    /// `old_expires_at`. `NotFound` if not the tenant's.
    async fn rotate_secret(
        &self,
        company: &CompanyId,
        id: &EndpointId,
        secret: String,
        at: DateTime<Utc>,
        old_expires_at: DateTime<Utc>,
    ) -> Result<WebhookEndpoint, DomainError>;

    /// In one transaction: writes a `ping` event for the endpoint and a delivery of it to that
    /// endpoint alone, due now. `NotFound` if not the tenant's.
    async fn enqueue_ping(
        &self,
        company: &CompanyId,
        id: &EndpointId,
        at: DateTime<Utc>,
    ) -> Result<Delivery, DomainError>;

    /// The endpoint's deliveries, newest first, each with its attempts. `NotFound` if the
    /// endpoint is not the tenant's; `Invalid` (field `cursor`) for a cursor naming no delivery
    /// of it.
    async fn list_deliveries(
        &self,
        company: &CompanyId,
        endpoint: &EndpointId,
        query: DeliveryQuery,
    ) -> Result<Vec<Delivery>, DomainError>;

    /// Puts one delivery back on its way, due now, with a fresh schedule (a delivered one is
    /// sent again). `NotFound` if not the tenant's; `Conflict` if its endpoint is disabled.
    async fn retry_delivery(
        &self,
        company: &CompanyId,
        id: &DeliveryId,
        at: DateTime<Utc>,
    ) -> Result<Delivery, DomainError>;

    /// Puts every failed delivery of the endpoint whose event happened at or after `since` back
    /// on its way; returns how many. `NotFound` if not the tenant's; `Conflict` if disabled.
    async fn recover_failed(
        &self,
        company: &CompanyId,
        endpoint: &EndpointId,
        since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<u64, DomainError>;
}

/// The queue of deliveries the worker draws from. Not a tenant's read: the worker serves every
/// tenant, and each claim carries its tenant for what follows.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait DeliveryQueue: Send + Sync {
    /// Claims up to `limit` pending deliveries due at `now` of enabled endpoints not in `busy`,
    /// oldest due first, each for `lease`: no other claim takes them until it runs out (several
    /// processes never make the same attempt at once).
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: TimeDelta,
        busy: Vec<EndpointId>,
    ) -> Result<Vec<DueDelivery>, DomainError>;

    /// Gives claims back unattempted (the endpoint had no free slot), due as they were.
    async fn release(&self, claims: Vec<DueDelivery>) -> Result<(), DomainError>;

    /// Records an attempt and its verdict, if the claim's lease is still held (`false` if it
    /// ran out and another claim may have the delivery: nothing is written).
    async fn record_attempt(
        &self,
        claim: &DueDelivery,
        outcome: &AttemptOutcome,
        verdict: &Verdict,
    ) -> Result<bool, DomainError>;

    /// When the next pending delivery of an enabled endpoint not in `busy` falls due, if any.
    async fn next_due(&self, busy: Vec<EndpointId>) -> Result<Option<DateTime<Utc>>, DomainError>;
}

/// What managing endpoints needs of the webhooks adapter: fresh secrets, and whether a target may
/// be reached (its host resolving to public addresses only).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait WebhookTargets: Send + Sync {
    /// `whsec_` + base64 of 32 random bytes.
    fn mint_secret(&self) -> String;

    /// The rules of the URL itself (`TargetPolicy`) are the domain's; this checks where it
    /// leads. `Invalid` (field `url`) if it may not be delivered to.
    async fn check(&self, url: &str) -> Result<(), DomainError>;

    /// Whether plain `http` and private targets are allowed (development and tests only).
    fn policy(&self) -> crate::webhooks::TargetPolicy;
}
