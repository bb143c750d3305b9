//! `/api/v1/activity-types` (the catalogue of activities a record may name) and
//! `/api/v1/activities` (the records: vehicles, refrigerants, heat, travel, commuting, freight,
//! waste).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use carbonpass_domain::DomainError;
use carbonpass_domain::calculation::Scope;
use carbonpass_domain::model::{ActivityId, ActivityQuery, ActivityRecord, SiteId};
use carbonpass_domain::services::activities::{ImportResponses, RecordReply, RecordResponses, TypeFilter};
use chrono::Utc;

use super::bills::upload::{IDEMPOTENT_REPLAYED, idempotency_key, json_response};
use crate::dto::activities::{
    self as dto, ActivitiesQueryIn, ActivityOut, ActivityTypeOut, ActivityTypeQueryIn, ActivityTypesQueryIn,
    RecordActivityIn,
};
use crate::dto::bills::CorrectIn;
use crate::dto::{Envelope, Page};
use crate::error::ApiError;
use crate::extract::{Authenticated, JsonObject, QueryParams};
use crate::state::HttpState;

#[utoipa::path(
    get,
    path = "/api/v1/activity-types",
    tag = "Activities",
    operation_id = "listActivityTypes",
    summary = "The activity types you can record",
    description = "Every activity type `POST /api/v1/activities` accepts, by `activityType`, a page at a time like every list: company vehicles, refrigerants, heat and steam, business travel, hotel stays, commuting, homeworking, freight and waste. Each says its scope and GHG Protocol category, its units and attributes, and for every shipped DESNZ set the rows it multiplies by (`factorSet` narrows them to one set). Built from the shipped factor sets: a type a set lacks is refused for that set's reporting periods.",
    params(ActivityTypesQueryIn),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "A page of activity types.", body = Page<ActivityTypeOut>))
)]
pub(crate) async fn types(
    state: web::Data<HttpState>,
    caller: Authenticated,
    QueryParams(query): QueryParams<ActivityTypesQueryIn>,
) -> Result<HttpResponse, ApiError> {
    let ActivityTypesQueryIn { limit, cursor, family, scope, category, factor_set } = query;
    let scope =
        scope.map(|n| Scope::from_number(n).ok_or(DomainError::invalid("scope", "must be 1, 2 or 3"))).transpose()?;
    let filter = TypeFilter { family: dto::family(family.as_deref())?, scope, category };
    let only_set = known_set(&state, factor_set)?;
    let page = crate::dto::PageQueryIn { limit, cursor }.page(|c| Some(c.to_owned()))?;
    let (types, more) = state.activities.types(&caller.tenant(), &filter, page)?;
    let library = state.activities.factors();
    Ok(HttpResponse::Ok().json(Page::of(&types, more, |t| t.id.clone(), |t| ActivityTypeOut::of(t, library, only_set))))
}

#[utoipa::path(
    get,
    path = "/api/v1/activity-types/{activityType}",
    tag = "Activities",
    operation_id = "getActivityType",
    summary = "An activity type",
    params(
        ("activityType" = String, Path, description = "The type's id (`business_travel.air.long_haul.economy`)."),
        ActivityTypeQueryIn
    ),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The type.", body = Envelope<ActivityTypeOut>))
)]
pub(crate) async fn show_type(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
    QueryParams(query): QueryParams<ActivityTypeQueryIn>,
) -> Result<HttpResponse, ApiError> {
    let only_set = known_set(&state, query.factor_set)?;
    let found = state.activities.activity_type(&caller.tenant(), &id)?;
    Ok(HttpResponse::Ok().json(Envelope::of(ActivityTypeOut::of(found, state.activities.factors(), only_set))))
}

/// `factorSet`, which must name a shipped set.
fn known_set(state: &HttpState, year: Option<i32>) -> Result<Option<i32>, DomainError> {
    match year {
        Some(year) if state.activities.factors().set(year).is_none() => {
            let years = state.activities.factors().years();
            Err(DomainError::invalid("factorSet", format!("no set {year} is shipped (shipped: {years:?})")))
        }
        other => Ok(other),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/activities",
    tag = "Activities",
    operation_id = "recordActivity",
    summary = "Record an activity",
    description = "Records what happened (a car journey, a refrigerant top-up, flights, freight, waste) as a type of the catalogue, calculated at once with the same engine and rules as bills: split across reporting periods by days, each period's DESNZ set, every factor row in the record. Flights count radiative forcing unless `radiativeForcing` is `false`. Send `Idempotency-Key` to make a retry safe: the same key with the same request within 24 h answers with the first response again, marked `Idempotent-Replayed: true`.",
    params(("Idempotency-Key" = Option<String>, Header, description = "1–255 visible ASCII characters, unique per request you mean to make once (a UUID, say).", pattern = "^[!-~]{1,255}$")),
    request_body = RecordActivityIn,
    security(("bearerAuth" = [])),
    responses((status = 201, description = "The record, calculated.", body = Envelope<ActivityOut>,
        headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored first response to a retried `Idempotency-Key`.")),
        links(
            ("getActivity" = (operation_id = "getActivity", parameters(("id" = "$response.body#/data/id")))),
            ("voidActivity" = (operation_id = "voidActivity", parameters(("id" = "$response.body#/data/id"))))
        )))
)]
pub(crate) async fn record(
    state: web::Data<HttpState>,
    caller: Authenticated,
    req: HttpRequest,
    body: JsonObject<RecordActivityIn>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let fingerprint = body.0.fingerprint();
    let reply = match body.0.input() {
        Ok(input) => {
            state.activities.record(&caller.tenant(), input, key, fingerprint, Arc::new(WireRecord), Utc::now()).await
        }
        // A body that does not even read as a record is answered before any key is claimed.
        Err(err) => Err(err),
    };
    match reply? {
        RecordReply::Created(record) => {
            let (status, body) = WireRecord.created(&record);
            let mut response = json_response(status, body);
            if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/activities/{}", record.id)) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            Ok(response)
        }
        RecordReply::Replayed(first) => {
            let mut replay = json_response(first.status, first.body);
            replay.headers_mut().insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
            Ok(replay)
        }
    }
}

/// A record's answers on the wire: 201 with the record, and the error body.
struct WireRecord;

impl RecordResponses for WireRecord {
    fn created(&self, record: &ActivityRecord) -> (u16, String) {
        // Strings and exact numbers always serialise.
        let body = serde_json::to_string(&Envelope::of(ActivityOut::from(record))).unwrap_or_default();
        (StatusCode::CREATED.as_u16(), body)
    }

    fn refused(&self, error: &DomainError) -> (u16, String) {
        crate::error::stored(error)
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/activities",
    tag = "Activities",
    operation_id = "listActivities",
    summary = "Your activity records",
    description = "The caller's activity records, newest first, a page at a time like every list, filtered by scope 3 `category`, `siteId` or reporting `period`. Voided records are listed with why.",
    params(ActivitiesQueryIn),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "A page of records.", body = Page<ActivityOut>))
)]
pub(crate) async fn list(
    state: web::Data<HttpState>,
    caller: Authenticated,
    QueryParams(query): QueryParams<ActivitiesQueryIn>,
) -> Result<HttpResponse, ApiError> {
    let ActivitiesQueryIn { limit, cursor, category, site_id, period } = query;
    let site =
        site_id.map(|s| SiteId::parse(s.trim()).ok_or(DomainError::invalid("siteId", "names no site"))).transpose()?;
    let after = crate::dto::cursor(cursor, ActivityId::parse)?;
    let query = ActivityQuery { category, site, period, after, limit: limit.unwrap_or(20) };
    let (records, more) = state.activities.list(&caller.tenant(), query).await?;
    Ok(HttpResponse::Ok().json(Page::of(&records, more, |r| r.id.to_string(), ActivityOut::from)))
}

#[utoipa::path(
    get,
    path = "/api/v1/activities/{id}",
    tag = "Activities",
    operation_id = "getActivity",
    summary = "An activity record",
    params(("id" = String, Path, description = "The record's id (`act_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The record with its calculation.", body = Envelope<ActivityOut>))
)]
pub(crate) async fn show(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let record = state.activities.show(&caller.tenant(), &activity_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(ActivityOut::from(&record))))
}

#[utoipa::path(
    post,
    path = "/api/v1/activities/{id}/void",
    tag = "Activities",
    operation_id = "voidActivity",
    summary = "Void an activity record",
    description = "Takes a recorded activity out of every total; it stays readable, with why. Record a corrected one if it was wrong.",
    params(("id" = String, Path, description = "The record's id (`act_…`).")),
    request_body = CorrectIn,
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The record, voided.", body = Envelope<ActivityOut>))
)]
pub(crate) async fn void(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<CorrectIn>,
) -> Result<HttpResponse, ApiError> {
    let id = activity_id(&id)?;
    let record = state.activities.void(&caller.tenant(), &id, body.0.reason()?, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(ActivityOut::from(&record))))
}

/// An id from the path: one that is not an activity id names no record.
fn activity_id(raw: &str) -> Result<ActivityId, DomainError> {
    ActivityId::parse(raw.trim()).ok_or(DomainError::not_found("activity"))
}

/// The largest CSV file an import accepts: 10,000 rows of about 300 bytes, with room.
const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;

#[utoipa::path(
    get,
    path = "/api/v1/activities/import-template",
    tag = "Activities",
    operation_id = "getActivityImportTemplate",
    summary = "The CSV header an import takes",
    description = "A CSV file with the header line alone: the columns of `POST /api/v1/activities/import`, named as the JSON fields of `POST /api/v1/activities`. The first five are required.",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The header line.", content_type = "text/csv", body = String,
        example = "activityType,quantity,unit,periodStart,periodEnd,siteId,direction,radiativeForcing,reference,note,\
             marketInstrument.type,marketInstrument.kgCo2ePerKwh,marketInstrument.source\r\n"))
)]
pub(crate) async fn import_template(_caller: Authenticated) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"activities-template.csv\""))
        .body(crate::dto::activity_import::template())
}

#[utoipa::path(
    post,
    path = "/api/v1/activities/import",
    tag = "Activities",
    operation_id = "importActivities",
    summary = "Import activity records from CSV",
    description = "Records every row of a CSV file (`text/csv`, UTF-8, columns as in `GET /api/v1/activities/import-template`; at most 10,000 rows and 8 MiB), or none: a file with any bad row answers 400 with `rows` naming each bad row's line (the header is line 1), column and reason, and records nothing. Each row is checked and calculated exactly as `POST /api/v1/activities` would. `Idempotency-Key` is honoured as for one record.",
    params(("Idempotency-Key" = Option<String>, Header, description = "1–255 visible ASCII characters, unique per import you mean to make once.", pattern = "^[!-~]{1,255}$")),
    request_body(content = String, content_type = "text/csv", description = "The file: a header line, then one record a line."),
    security(("bearerAuth" = [])),
    responses((status = 201, description = "Every row recorded, in order.", body = Envelope<ImportedOut>,
        headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored first response to a retried `Idempotency-Key`."))))
)]
pub(crate) async fn import(
    state: web::Data<HttpState>,
    caller: Authenticated,
    req: HttpRequest,
    mut body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("text/csv") {
        return Err(ApiError::UnsupportedMediaType(
            "An import is a CSV file: send it as `Content-Type: text/csv`.".into(),
        ));
    }
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut body).await {
        let chunk = chunk.map_err(|e| ApiError::from_payload(e, MAX_IMPORT_BYTES as u64))?;
        if bytes.len() + chunk.len() > MAX_IMPORT_BYTES {
            return Err(ApiError::PayloadTooLarge { limit: MAX_IMPORT_BYTES });
        }
        bytes.extend_from_slice(&chunk);
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| DomainError::invalid("file", "is not UTF-8 text"))?;
    // The request's identity for `Idempotency-Key`: the file's bytes.
    let fingerprint = format!("import:{}", hex_sha256(text.as_bytes()));
    let rows = crate::dto::activity_import::rows(text.as_bytes())?;
    let reply =
        state.activities.import(&caller.tenant(), rows, key, fingerprint, Arc::new(WireImport), Utc::now()).await?;
    match reply {
        RecordReply::Created(records) => {
            let (status, body) = WireImport.created(&records);
            Ok(json_response(status, body))
        }
        RecordReply::Replayed(first) => {
            let mut replay = json_response(first.status, first.body);
            replay.headers_mut().insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
            Ok(replay)
        }
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// An import's answer: how many rows were recorded, and each record's id and type in file order.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ActivityImport)]
pub(crate) struct ImportedOut<'a> {
    pub recorded: usize,
    pub activities: Vec<ImportedRecordOut<'a>>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ImportedActivity)]
pub(crate) struct ImportedRecordOut<'a> {
    pub id: &'a str,
    pub activity_type: &'a str,
    /// tCO2e of the record, all scopes.
    pub total_tco2e: crate::dto::figures::Tonnes,
}

struct WireImport;

impl ImportResponses for WireImport {
    fn created(&self, records: &[ActivityRecord]) -> (u16, String) {
        let activities = records
            .iter()
            .map(|r| ImportedRecordOut {
                id: r.id.as_str(),
                activity_type: &r.input.activity_type,
                total_tco2e: crate::dto::figures::Tonnes::of_kilograms(
                    [Scope::One, Scope::Two, Scope::Three].iter().map(|s| r.total(*s)).sum(),
                ),
            })
            .collect();
        let body = serde_json::to_string(&Envelope::of(ImportedOut { recorded: records.len(), activities }))
            .unwrap_or_default();
        (StatusCode::CREATED.as_u16(), body)
    }

    fn refused(&self, error: &DomainError) -> (u16, String) {
        crate::error::stored(error)
    }
}
