//! The public carbon passport, no key needed: the page at `passportUrl` (`/company/{slug}`), its
//! JSON twin and that twin signed (JWS), the badge, the published plan's PDF, and the JWK set
//! of the keys that sign. An unknown slug and a switched-off passport are the same 404, and
//! count against the caller's address as a request without a valid key does.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use carbonpass_domain::DomainError;
use carbonpass_domain::model::PublicPassport;
use chrono::Utc;
use std::sync::Arc;

use super::crp::SharedPdf;
use crate::conditional::{etag, none_match};
#[allow(unused_imports)] // `PassportOut` is named by the OpenAPI description only.
use crate::dto::passport::{JwkOut, JwksOut, PassportOut, PassportUrls};
use crate::error::ApiError;
use crate::passport::{Face, Faces};
use crate::state::HttpState;

/// Caches may keep a passport a minute: a switched-off passport leaves shared caches within it.
const CACHE_CONTROL: &str = "public, max-age=60";

/// The page's policy: nothing from any other origin, no script at all, its own inline style.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The passport at `slug`, its faces rendered (once per version), or the refusal.
async fn faces(req: &HttpRequest, state: &HttpState, slug: &str) -> Result<Arc<Faces>, ApiError> {
    let passport = passport(req, state, slug).await?;
    Ok(state.rendered.faces(slug, passport, &urls(state, slug), &state.passports)?)
}

async fn passport(req: &HttpRequest, state: &HttpState, slug: &str) -> Result<Arc<PublicPassport>, ApiError> {
    let client = crate::extract::client_address(req);
    state.passports.passport(slug, client.as_deref(), Utc::now()).await.map_err(|err| refused(req, err))
}

/// A refusal as the response says it: an address out of allowance gets its bucket's headers
/// (`Retry-After`) as a request without a valid key does.
fn refused(req: &HttpRequest, err: DomainError) -> ApiError {
    if let DomainError::RateLimited(status) = &err {
        req.extensions_mut().insert(*status);
    }
    err.into()
}

fn urls(state: &HttpState, slug: &str) -> PassportUrls {
    PassportUrls { page: state.passport_url(slug), origin: state.public_base_url.trim_end_matches('/').to_owned() }
}

/// A face as a response: 304 when `If-None-Match` names it.
fn respond(
    req: &HttpRequest,
    face: &Face,
    content_type: &'static str,
    extra: &[(header::HeaderName, &'static str)],
) -> HttpResponse {
    let mut response = if none_match(req, &face.etag) { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::ETAG, face.etag.clone()))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")));
    for (name, value) in extra {
        response.insert_header((name.clone(), HeaderValue::from_static(value)));
    }
    if none_match(req, &face.etag) {
        return response.finish();
    }
    response.content_type(content_type).body(face.bytes.clone())
}

/// Data a buyer's system may read from any origin.
const SHARED: [(header::HeaderName, &str); 1] = [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")];

#[utoipa::path(
    get,
    path = "/company/{slug}",
    tag = "Passport",
    operation_id = "getPassportPage",
    summary = "A company's carbon passport (HTML)",
    description = "The page at a company's `passportUrl`, while its owner has it switched on: the latest reporting period that has ended with confirmed records, by scope and scope 3 category, with the method; the published Carbon Reduction Plan with its PDF; earlier periods. No key needed. Only confirmed records and the published plan of the live company appear (never drafts, superseded plans, unconfirmed or voided bills, or sandbox data). An unknown slug and a switched-off passport both answer 404 `not_found`, and count against the caller's address like a request without a valid key: past that allowance, 429 `rate_limited` with `Retry-After`. Server-rendered, no script, nothing loaded from another origin. `ETag` and `Cache-Control: public, max-age=60`; `If-None-Match` gives 304.",
    params(("slug" = String, Path, description = "The company's passport slug.", example = "acme-industries")),
    responses(
        (status = 200, description = "The page.", content(("text/html")),
            headers(("ETag" = String, description = "A strong validator."), ("Cache-Control" = String, description = "`public, max-age=60`."))),
        (status = 304, description = "The copy named by `If-None-Match` is current.")
    )
)]
pub(crate) async fn page(
    req: HttpRequest,
    state: web::Data<HttpState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let faces = faces(&req, &state, &slug).await?;
    Ok(respond(
        &req,
        &faces.html,
        "text/html; charset=utf-8",
        &[(header::CONTENT_SECURITY_POLICY, PAGE_POLICY), (header::REFERRER_POLICY, "no-referrer")],
    ))
}

#[utoipa::path(
    get,
    path = "/company/{slug}.json",
    tag = "Passport",
    operation_id = "getPassport",
    summary = "A company's carbon passport (JSON)",
    description = "The passport page's figures as data, for a buyer's or a procurement portal's system: the same content and the same rules as the page (404 for an unknown slug or a switched-off passport). Readable from any origin (`Access-Control-Allow-Origin: *`). The same bytes, signed, are at `/company/{slug}.jws`.",
    params(("slug" = String, Path, description = "The company's passport slug.", example = "acme-industries")),
    responses(
        (status = 200, description = "The passport.", body = PassportOut,
            headers(("ETag" = String, description = "A strong validator."), ("Cache-Control" = String, description = "`public, max-age=60`."))),
        (status = 304, description = "The copy named by `If-None-Match` is current.")
    )
)]
pub(crate) async fn json(
    req: HttpRequest,
    state: web::Data<HttpState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let faces = faces(&req, &state, &slug).await?;
    Ok(respond(&req, &faces.json, "application/json", &SHARED))
}

#[utoipa::path(
    get,
    path = "/company/{slug}.jws",
    tag = "Passport",
    operation_id = "getSignedPassport",
    summary = "A company's carbon passport, signed (JWS)",
    description = "The JSON twin (`/company/{slug}.json`, byte for byte) as the payload of a compact JWS (RFC 7515): header `alg` `EdDSA` (Ed25519, RFC 8037) and `kid`, the signing key's RFC 7638 thumbprint, found in the JWK set at `/.well-known/jwks.json`. Verify it with any JOSE library (docs/passport.md shows Python and JavaScript). Signed with the deployment's key, which is never in the database; keys retired by a rotation stay in the JWK set, so a copy fetched before a rotation still verifies.",
    params(("slug" = String, Path, description = "The company's passport slug.", example = "acme-industries")),
    responses(
        (status = 200, description = "The compact JWS.", content(("application/jose")),
            headers(("ETag" = String, description = "A strong validator."))),
        (status = 304, description = "The copy named by `If-None-Match` is current.")
    )
)]
pub(crate) async fn jws(
    req: HttpRequest,
    state: web::Data<HttpState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let faces = faces(&req, &state, &slug).await?;
    Ok(respond(&req, &faces.jws, "application/jose", &SHARED))
}

#[utoipa::path(
    get,
    path = "/company/{slug}/badge.svg",
    tag = "Passport",
    operation_id = "getPassportBadge",
    summary = "A company's passport badge (SVG)",
    description = "A small badge with the latest complete period's total, for the company's own site: `<a href=\"{passportUrl}\"><img src=\"{passportUrl}/badge.svg\" alt=\"Carbon passport\"></a>`. Embeddable from any origin.",
    params(("slug" = String, Path, description = "The company's passport slug.", example = "acme-industries")),
    responses(
        (status = 200, description = "The badge.", content(("image/svg+xml"))),
        (status = 304, description = "The copy named by `If-None-Match` is current.")
    )
)]
pub(crate) async fn badge(
    req: HttpRequest,
    state: web::Data<HttpState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let faces = faces(&req, &state, &slug).await?;
    Ok(respond(
        &req,
        &faces.badge,
        "image/svg+xml",
        &[
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::HeaderName::from_static("cross-origin-resource-policy"), "cross-origin"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'"),
        ],
    ))
}

#[utoipa::path(
    get,
    path = "/company/{slug}/plan.pdf",
    tag = "Passport",
    operation_id = "getPassportPlanPdf",
    summary = "A company's published Carbon Reduction Plan (PDF)",
    description = "The plan the company has published, as `GET /api/v1/crp/{id}/pdf` serves it, at a URL that stays the same when a newer plan is published (it then serves that one). 404 when the passport is unknown or switched off, or no plan is published.",
    params(("slug" = String, Path, description = "The company's passport slug.", example = "acme-industries")),
    responses(
        (status = 200, description = "The PDF.", content(("application/pdf")),
            headers(("ETag" = String, description = "The PDF's SHA-256, quoted."))),
        (status = 304, description = "The copy named by `If-None-Match` is current.")
    )
)]
pub(crate) async fn plan_pdf(
    req: HttpRequest,
    state: web::Data<HttpState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let client = crate::extract::client_address(&req);
    let found =
        state.passports.plan_pdf(&slug, client.as_deref(), Utc::now()).await.map_err(|err| refused(&req, err))?;
    let tag = etag(&found.pdf.sha256);
    let mut response = if none_match(&req, &tag) { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    let filename = format!("carbon-reduction-plan-{}-{}.pdf", slug.as_str(), found.pdf.plan.fy_year);
    response
        .insert_header((header::ETAG, tag.clone()))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"{filename}\"")));
    if none_match(&req, &tag) {
        return Ok(response.finish());
    }
    Ok(response.content_type("application/pdf").body(web::Bytes::from_owner(SharedPdf(found.pdf.bytes))))
}

#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "Passport",
    operation_id = "getPassportKeys",
    summary = "The keys that sign passports (JWK set)",
    description = "Every Ed25519 public key a passport's JWS may name as `kid`: the signing key and those kept after a rotation. Readable from any origin.",
    responses((status = 200, description = "The JWK set.", body = JwksOut, content_type = "application/jwk-set+json"))
)]
pub(crate) async fn jwks(state: web::Data<HttpState>) -> Result<HttpResponse, ApiError> {
    let keys = JwksOut { keys: state.passports.keys().into_iter().map(JwkOut::from).collect() };
    let body = serde_json::to_vec(&keys).map_err(|e| DomainError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")))
        .content_type("application/jwk-set+json")
        .body(body))
}
