//! Route table: which path and method reach which handler, and which error codes each can answer
//! with beyond those every route shares. Handlers live one area per file; each carries its
//! `#[utoipa::path]` description, and the OpenAPI document is checked against this table.

pub(crate) mod activities;
pub(crate) mod bills;
pub(crate) mod commuting;
pub(crate) mod company;
pub(crate) mod crp;
pub(crate) mod docs;
pub(crate) mod emissions;
pub(crate) mod fallback;
pub(crate) mod health;
pub(crate) mod keys;
pub(crate) mod passport;
pub(crate) mod webhooks;

use actix_web::dev::Handler;
use actix_web::http::Method;
use actix_web::{FromRequest, Responder, Route, guard, web};

use crate::error_code::ErrorCode::{self, *};
use fallback::only;

/// One operation the API serves.
pub(crate) struct Endpoint {
    pub method: Method,
    /// In actix's syntax, which is also OpenAPI's (`/api/v1/bills/{id}`).
    pub path: &'static str,
    /// The codes this operation answers with besides those of [`ErrorCode::AUTHENTICATION`],
    /// `plan_required`, `service_unavailable` and `internal_error`, which every authenticated
    /// operation shares.
    pub errors: &'static [ErrorCode],
    route: Route,
}

/// An endpoint serving `method` on `path` with `handler`; GET answers HEAD too (the same status
/// and headers, no body: RFC 9110 §9.3.2; actix drops the body of a HEAD response).
fn endpoint<F, Args>(method: Method, path: &'static str, handler: F, errors: &'static [ErrorCode]) -> Endpoint
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let route = if method == Method::GET { get_or_head() } else { web::route().guard(guard::Method(method.clone())) };
    Endpoint { method, path, errors, route: route.to(handler) }
}

/// A route for GET and HEAD alike.
pub(super) fn get_or_head() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// Rejecting or voiding a bill: a JSON body, a bill that must exist and be in the right status.
const CORRECTION: [ErrorCode; 7] =
    [NotFound, Conflict, BadRequest, PayloadTooLarge, UnsupportedMediaType, RequestTimeout, Forbidden];

/// A JSON body's own failures: unreadable or not fitting (400), too large (413), not JSON or
/// encoded (415), stalled (408); and a caller whose role may not take the action (403).
const JSON_BODY_BY_ROLE: [ErrorCode; 5] =
    [BadRequest, PayloadTooLarge, UnsupportedMediaType, RequestTimeout, Forbidden];

/// Every operation the API serves.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    const GET: Method = Method::GET;
    const POST: Method = Method::POST;
    const DELETE: Method = Method::DELETE;
    const PUT: Method = Method::PUT;
    const PATCH: Method = Method::PATCH;
    vec![
        endpoint(GET, "/api/v1/company", company::show, &[]),
        endpoint(PATCH, "/api/v1/company", company::update, &JSON_BODY_BY_ROLE),
        endpoint(GET, "/api/v1/emissions", emissions::show, &[BadRequest, NotFound]),
        endpoint(GET, "/api/v1/sessions", emissions::sessions, &[BadRequest]),
        endpoint(POST, "/api/v1/sessions/{id}/complete", emissions::complete, &[NotFound, Conflict, Forbidden]),
        endpoint(GET, "/api/v1/bills", bills::list, &[BadRequest, NotFound]),
        endpoint(
            POST,
            "/api/v1/bills",
            bills::upload,
            &[
                BadRequest,
                NotFound,
                RequestTimeout,
                DuplicateBill,
                IdempotencyKeyInProgress,
                PayloadTooLarge,
                UnsupportedMediaType,
                IdempotencyKeyReused,
                Forbidden,
            ],
        ),
        endpoint(GET, "/api/v1/bills/{id}", bills::show, &[NotFound]),
        endpoint(GET, "/api/v1/bills/{id}/file", bills::file, &[NotFound]),
        endpoint(
            POST,
            "/api/v1/bills/{id}/confirm",
            bills::confirm,
            &[
                BadRequest,
                NotFound,
                RequestTimeout,
                Conflict,
                OverlappingBill,
                PayloadTooLarge,
                UnsupportedMediaType,
                FactorSetUnavailable,
                Forbidden,
            ],
        ),
        endpoint(POST, "/api/v1/bills/{id}/reject", bills::reject, &CORRECTION),
        endpoint(POST, "/api/v1/bills/{id}/void", bills::void, &CORRECTION),
        endpoint(GET, "/api/v1/activity-types", activities::types, &[BadRequest]),
        endpoint(GET, "/api/v1/activity-types/{activityType}", activities::show_type, &[BadRequest, NotFound]),
        endpoint(
            POST,
            "/api/v1/activities",
            activities::record,
            &[
                BadRequest,
                NotFound,
                PayloadTooLarge,
                UnsupportedMediaType,
                RequestTimeout,
                IdempotencyKeyInProgress,
                IdempotencyKeyReused,
                FactorSetUnavailable,
                Forbidden,
            ],
        ),
        endpoint(GET, "/api/v1/activities", activities::list, &[BadRequest]),
        endpoint(GET, "/api/v1/activities/import-template", activities::import_template, &[]),
        endpoint(
            POST,
            "/api/v1/activities/import",
            activities::import,
            &[
                BadRequest,
                PayloadTooLarge,
                UnsupportedMediaType,
                RequestTimeout,
                IdempotencyKeyInProgress,
                IdempotencyKeyReused,
                Forbidden,
            ],
        ),
        endpoint(
            POST,
            "/api/v1/activities/commuting-estimates",
            commuting::record,
            &[
                BadRequest,
                NotFound,
                PayloadTooLarge,
                UnsupportedMediaType,
                RequestTimeout,
                IdempotencyKeyInProgress,
                IdempotencyKeyReused,
                FactorSetUnavailable,
                Forbidden,
            ],
        ),
        endpoint(GET, "/api/v1/activities/{id}", activities::show, &[NotFound]),
        endpoint(POST, "/api/v1/activities/{id}/void", activities::void, &CORRECTION),
        endpoint(GET, "/api/v1/crp-inputs", crp::inputs, &[]),
        endpoint(PUT, "/api/v1/crp-inputs", crp::replace_inputs, &JSON_BODY_BY_ROLE),
        endpoint(GET, "/api/v1/crp", crp::list, &[BadRequest]),
        endpoint(
            POST,
            "/api/v1/crp",
            crp::generate,
            &[BadRequest, PayloadTooLarge, UnsupportedMediaType, RequestTimeout, Forbidden, LimitReached],
        ),
        endpoint(GET, "/api/v1/crp/{id}", crp::show, &[BadRequest, NotFound]),
        endpoint(POST, "/api/v1/crp/{id}/publish", crp::publish, &[NotFound, Conflict, CrpIncomplete, Forbidden]),
        endpoint(DELETE, "/api/v1/crp/{id}", crp::delete, &[NotFound, Conflict, Forbidden]),
        endpoint(GET, "/api/v1/crp/{id}/pdf", crp::pdf, &[NotFound]),
        endpoint(GET, "/api/v1/keys", keys::list, &[BadRequest, Forbidden]),
        // A rolled key in its grace period manages no keys (409); only owners mint keys (403).
        endpoint(
            POST,
            "/api/v1/keys",
            keys::create,
            &[BadRequest, PayloadTooLarge, UnsupportedMediaType, RequestTimeout, Conflict, Forbidden, LimitReached],
        ),
        endpoint(DELETE, "/api/v1/keys/{id}", keys::revoke, &[NotFound, Conflict]),
        endpoint(
            POST,
            "/api/v1/keys/{id}/roll",
            keys::roll,
            &[NotFound, Conflict, BadRequest, PayloadTooLarge, UnsupportedMediaType, RequestTimeout],
        ),
        endpoint(
            POST,
            "/api/v1/webhook-endpoints",
            webhooks::create,
            &[BadRequest, Conflict, PayloadTooLarge, UnsupportedMediaType, RequestTimeout, Forbidden],
        ),
        endpoint(GET, "/api/v1/webhook-endpoints", webhooks::list, &[BadRequest]),
        endpoint(GET, "/api/v1/webhook-endpoints/{id}", webhooks::show, &[NotFound]),
        endpoint(
            PATCH,
            "/api/v1/webhook-endpoints/{id}",
            webhooks::update,
            &[NotFound, BadRequest, PayloadTooLarge, UnsupportedMediaType, RequestTimeout, Conflict, Forbidden],
        ),
        // Managing an endpoint: owners only (403), and never with a rolled key (409).
        endpoint(DELETE, "/api/v1/webhook-endpoints/{id}", webhooks::delete, &[NotFound, Conflict, Forbidden]),
        endpoint(
            POST,
            "/api/v1/webhook-endpoints/{id}/rotate-secret",
            webhooks::rotate_secret,
            &[NotFound, Conflict, Forbidden],
        ),
        endpoint(POST, "/api/v1/webhook-endpoints/{id}/test", webhooks::test, &[NotFound, Conflict, Forbidden]),
        endpoint(GET, "/api/v1/webhook-endpoints/{id}/deliveries", webhooks::deliveries, &[BadRequest, NotFound]),
        endpoint(
            POST,
            "/api/v1/webhook-endpoints/{id}/recover",
            webhooks::recover,
            &[NotFound, Conflict, BadRequest, PayloadTooLarge, UnsupportedMediaType, RequestTimeout, Forbidden],
        ),
        endpoint(POST, "/api/v1/webhook-deliveries/{id}/retry", webhooks::retry, &[NotFound, Conflict, Forbidden]),
        endpoint(GET, "/api/v1/openapi.json", docs::openapi, &[]),
        // The passport's public faces. The twins come before the page: `{slug}` alone would
        // match `acme.json` too.
        endpoint(GET, "/company/{slug}.json", passport::json, &[NotFound, RateLimited]),
        endpoint(GET, "/company/{slug}.jws", passport::jws, &[NotFound, RateLimited]),
        endpoint(GET, "/company/{slug}/badge.svg", passport::badge, &[NotFound, RateLimited]),
        endpoint(GET, "/company/{slug}/plan.pdf", passport::plan_pdf, &[NotFound, RateLimited, ServiceUnavailable]),
        endpoint(GET, "/company/{slug}", passport::page, &[NotFound, RateLimited]),
        endpoint(GET, "/.well-known/jwks.json", passport::jwks, &[]),
        endpoint(GET, "/healthz", health::healthz, &[]),
        endpoint(GET, "/readyz", health::readyz, &[ServiceUnavailable]),
    ]
}

/// The methods a path accepts, for `Allow`: each endpoint's, and HEAD with GET.
fn allowed(methods: &[Method]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for method in methods {
        names.push(method.as_str());
        if *method == Method::GET {
            names.push("HEAD");
        }
    }
    names.join(", ")
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    // One resource per path, holding each of its methods' routes; any other method is a 405
    // naming them.
    let mut paths: Vec<(&'static str, Vec<Method>, Vec<Route>)> = Vec::new();
    for endpoint in endpoints() {
        match paths.iter_mut().find(|(path, _, _)| *path == endpoint.path) {
            Some((_, methods, routes)) => {
                methods.push(endpoint.method);
                routes.push(endpoint.route);
            }
            None => paths.push((endpoint.path, vec![endpoint.method], vec![endpoint.route])),
        }
    }
    for (path, methods, routes) in paths {
        let allow = allowed(&methods);
        let needs_key = path.starts_with("/api/v1/") && path != crate::openapi::PATH;
        let methods: std::sync::Arc<[Method]> = methods.into();
        let mut resource = routes.into_iter().fold(web::resource(path), |resource, route| resource.route(route));
        if path == "/api/v1/crp-inputs" {
            // The one document larger than the API's usual JSON limit.
            resource = resource.app_data(
                web::JsonConfig::default()
                    .limit(crp::CRP_INPUTS_LIMIT)
                    .error_handler(|err, _| crate::error::ApiError::from(err).into()),
            );
        }
        let resource = resource.default_service(only(allow));
        if needs_key {
            let gate = move |req, next| crate::middleware::authenticate::gate(methods.clone(), req, next);
            cfg.service(resource.wrap(actix_web::middleware::from_fn(gate)));
        } else {
            cfg.service(resource);
        }
    }
    docs::configure_ui(cfg);
}
