//! `POST /api/v1/activities/commuting-estimates`: commuting from an estimate.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderValue;
use actix_web::{HttpRequest, HttpResponse, web};
use carbonpass_domain::DomainError;
use carbonpass_domain::calculation::Scope;
use carbonpass_domain::model::ActivityRecord;
use carbonpass_domain::services::activities::{ImportResponses, RecordReply};
use chrono::Utc;

use super::activities::ImportedRecordOut;
use super::bills::upload::{IDEMPOTENT_REPLAYED, idempotency_key, json_response};
use crate::dto::Envelope;
use crate::dto::commuting::{CommutingEstimateIn, EstimateOut};
use crate::dto::figures::Tonnes;
use crate::error::ApiError;
use crate::extract::{Authenticated, JsonObject};
use crate::state::HttpState;

#[utoipa::path(
    post,
    path = "/api/v1/activities/commuting-estimates",
    tag = "Activities",
    operation_id = "recordCommutingEstimate",
    summary = "Record commuting from an estimate",
    description = "Turns an estimate of how staff commute (headcount, working days, the share of days worked from home, the average one-way distance and how staff travel) into the activity records it implies, all recorded or none: one a mode (journeys = headcount × days in the office × 2 × `oneWayKm` × share, in passenger-km, or km for a car: one person a car) and one of homeworking (headcount × days at home × `hoursPerDay`, in FTE hours), in category 7. Each record keeps the estimate (`estimate` on `GET /api/v1/activities/{id}`), so a reader can see how the figure was made. A period whose DESNZ set lacks a type (homeworking before the 2022 set) answers 422 `factor_set_unavailable` naming it: send `homeShare` 0 for such a period. `Idempotency-Key` is honoured as for one record.",
    params(("Idempotency-Key" = Option<String>, Header, description = "1–255 visible ASCII characters, unique per estimate you mean to record once.", pattern = "^[!-~]{1,255}$")),
    request_body = CommutingEstimateIn,
    security(("bearerAuth" = [])),
    responses((status = 201, description = "The estimate and the records it made.", body = Envelope<CommutingEstimateOut>,
        headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored first response to a retried `Idempotency-Key`."))))
)]
pub(crate) async fn record(
    state: web::Data<HttpState>,
    caller: Authenticated,
    req: HttpRequest,
    body: JsonObject<CommutingEstimateIn>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let fingerprint = body.0.fingerprint();
    // A body that does not even read as an estimate is answered before any key is claimed.
    let estimate = body.0.estimate()?;
    let reply = state
        .activities
        .estimate_commuting(&caller.tenant(), estimate, key, fingerprint, Arc::new(WireEstimate), Utc::now())
        .await?;
    match reply {
        RecordReply::Created(records) => {
            let (status, body) = WireEstimate.created(&records);
            Ok(json_response(status, body))
        }
        RecordReply::Replayed(first) => {
            let mut replay = json_response(first.status, first.body);
            replay.headers_mut().insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
            Ok(replay)
        }
    }
}

/// What an estimate recorded: the estimate as kept, and each record it made.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CommutingEstimateRecorded)]
pub(crate) struct CommutingEstimateOut<'a> {
    pub estimate: EstimateOut<'a>,
    /// How many records it made.
    pub recorded: usize,
    /// Each record's id, type and tCO2e: the modes in the order sent, then homeworking.
    pub activities: Vec<ImportedRecordOut<'a>>,
    /// tCO2e of all of them.
    pub total_tco2e: Tonnes,
}

struct WireEstimate;

impl ImportResponses for WireEstimate {
    fn created(&self, records: &[ActivityRecord]) -> (u16, String) {
        let kilograms = |r: &ActivityRecord| [Scope::One, Scope::Two, Scope::Three].iter().map(|s| r.total(*s)).sum();
        let Some(estimate) = records.first().and_then(|r| r.estimate.as_ref()) else {
            // An estimate always makes a record (it refuses one implying none).
            return crate::error::stored(&DomainError::Internal("an estimate recorded nothing".into()));
        };
        let out = CommutingEstimateOut {
            estimate: EstimateOut::from(estimate),
            recorded: records.len(),
            activities: records
                .iter()
                .map(|r| ImportedRecordOut {
                    id: r.id.as_str(),
                    activity_type: &r.input.activity_type,
                    total_tco2e: Tonnes::of_kilograms(kilograms(r)),
                })
                .collect(),
            total_tco2e: Tonnes::of_kilograms(records.iter().map(kilograms).sum()),
        };
        // Strings and exact numbers always serialise.
        (StatusCode::CREATED.as_u16(), serde_json::to_string(&Envelope::of(out)).unwrap_or_default())
    }

    fn refused(&self, error: &DomainError) -> (u16, String) {
        crate::error::stored(error)
    }
}
