//! Domain values and entities. Each is parsed once at the edge; past that, code sees valid values.

pub mod activity;
pub mod api_key;
pub mod bill;
pub mod company;
pub mod emissions;
pub mod file_kind;
pub mod idempotency;
pub mod ids;
pub mod meter_point;
pub mod passport;
pub mod rate_limit;
pub mod report;
pub mod site;
pub mod tenant;
pub mod text;
pub mod user;
pub mod version;

pub use activity::{
    ActivityInput, ActivityQuery, ActivityRecord, ActivityStatus, MAX_IMPORT_ROWS, MAX_LISTED_PROBLEMS,
    NewActivityRecord, RowProblem,
};
pub use api_key::{
    Admission, ApiKeyRecord, GeneratedKey, KeyHash, KeyMode, KeyQuery, NewApiKey, PresentedKey, Principal, StoredKey,
};
pub use bill::{
    Bill, BillCorrection, BillQuery, BillStatus, ConfirmBill, Confirmed, Correction, MAX_REASON_CHARS, NewUpload,
    StoredFile, parse_date, parse_decimal,
};
pub use company::{Company, CompanyOverview, NewCompany, Passport, Plan, ReportingYearStart};
pub use emissions::{Micrograms, PeriodTotals, TONNE_DECIMALS, tonnes_text, tonnes_to_the_kilogram};
pub use file_kind::FileKind;
pub use idempotency::{
    ClaimToken, IDEMPOTENCY_LEASE, IDEMPOTENCY_TTL, IdempotencyClaim, IdempotencyKey, IdempotencyLease,
    IdempotentRecord, RenderCreated, StoredResponse,
};
pub use ids::{
    ActivityId, ApiKeyId, BillId, CompanyId, DeliveryId, EndpointId, EventId, ID_RANDOM_LEN, Id, IdKind, PlanId,
    SessionId, SiteId, UserId,
};
pub use meter_point::MeterPoint;
pub use passport::{FactorSetUsed, PassportKey, PassportPeriod, PublicPassport};
pub use rate_limit::{LimiterMode, RateLimitStatus, RateQuota, RateQuotas};
pub use report::{
    ActivityContribution, EmissionsReport, PeriodSums, ScopeTotal, SessionContribution, SessionSummary, Source,
};
pub use site::{NewSite, Site};
pub use tenant::{Acting, Action, KeyHolder, Role, Tenant};
pub use text::plain_text;
pub use user::{MembershipRole, NewUser, User};
pub use version::DataVersion;
