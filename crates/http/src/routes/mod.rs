//! Route table: which path and method reach which handler. Handlers live one area per file.

pub(crate) mod bills;
pub(crate) mod company;
pub(crate) mod emissions;
pub(crate) mod fallback;
pub(crate) mod health;
pub(crate) mod keys;

use actix_web::dev::Handler;
use actix_web::{FromRequest, Responder, Route, guard, web};

use fallback::only;

/// GET, and HEAD with it: the same status and headers, no body (RFC 9110 §9.3.2; actix drops the
/// body of a HEAD response).
fn get<F, Args>(handler: F) -> Route
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::route().guard(guard::Any(guard::Get()).or(guard::Head())).to(handler)
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(get(health::healthz)).default_service(only("GET, HEAD")))
        .service(web::resource("/readyz").route(get(health::readyz)).default_service(only("GET, HEAD")))
        .service(
            web::scope("/api/v1")
                .service(web::resource("/company").route(get(company::show)).default_service(only("GET, HEAD")))
                .service(web::resource("/emissions").route(get(emissions::show)).default_service(only("GET, HEAD")))
                .service(web::resource("/sessions").route(get(emissions::sessions)).default_service(only("GET, HEAD")))
                .service(
                    web::resource("/sessions/{id}/complete").post(emissions::complete).default_service(only("POST")),
                )
                .service(
                    web::resource("/bills")
                        .route(get(bills::list))
                        .post(bills::upload)
                        .default_service(only("GET, HEAD, POST")),
                )
                .service(web::resource("/bills/{id}").route(get(bills::show)).default_service(only("GET, HEAD")))
                .service(web::resource("/bills/{id}/file").route(get(bills::file)).default_service(only("GET, HEAD")))
                .service(web::resource("/bills/{id}/confirm").post(bills::confirm).default_service(only("POST")))
                .service(web::resource("/bills/{id}/reject").post(bills::reject).default_service(only("POST")))
                .service(web::resource("/bills/{id}/void").post(bills::void).default_service(only("POST")))
                .service(
                    web::resource("/keys")
                        .route(get(keys::list))
                        .post(keys::create)
                        .default_service(only("GET, HEAD, POST")),
                )
                .service(web::resource("/keys/{id}").delete(keys::revoke).default_service(only("DELETE"))),
        );
}
