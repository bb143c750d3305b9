//! Route table: which path and method reach which handler. Handlers live one area per file.

pub(crate) mod bills;
pub(crate) mod company;
pub(crate) mod emissions;
pub(crate) mod fallback;
pub(crate) mod health;
pub(crate) mod keys;

use actix_web::web;

use fallback::only;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(health::healthz).default_service(only("GET")))
        .service(web::resource("/readyz").get(health::readyz).default_service(only("GET")))
        .service(
            web::scope("/api/v1")
                .service(web::resource("/company").get(company::show).default_service(only("GET")))
                .service(web::resource("/emissions").get(emissions::show).default_service(only("GET")))
                .service(web::resource("/sessions").get(emissions::sessions).default_service(only("GET")))
                .service(
                    web::resource("/sessions/{id}/complete").post(emissions::complete).default_service(only("POST")),
                )
                .service(
                    web::resource("/bills").get(bills::list).post(bills::upload).default_service(only("GET, POST")),
                )
                .service(web::resource("/bills/{id}").get(bills::show).default_service(only("GET")))
                .service(web::resource("/bills/{id}/file").get(bills::file).default_service(only("GET")))
                .service(web::resource("/bills/{id}/confirm").post(bills::confirm).default_service(only("POST")))
                .service(web::resource("/bills/{id}/reject").post(bills::reject).default_service(only("POST")))
                .service(web::resource("/bills/{id}/void").post(bills::void).default_service(only("POST")))
                .service(web::resource("/keys").get(keys::list).post(keys::create).default_service(only("GET, POST")))
                .service(web::resource("/keys/{id}").delete(keys::revoke).default_service(only("DELETE"))),
        );
}
