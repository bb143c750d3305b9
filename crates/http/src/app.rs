//! Builds the actix `App`: state, body limits, middleware and routes, in the order they apply.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::STRICT_TRANSPORT_SECURITY;
use actix_web::middleware::{Condition, DefaultHeaders, from_fn};
use actix_web::{App, Error, web};

use crate::error::ApiError;
use crate::middleware::{body_deadline, encoding, error_body, rate_limit, request_id};
use crate::routes;
use crate::state::HttpState;

/// A year, the value HSTS preload lists ask for; subdomains are the operator's to decide.
const HSTS: &str = "max-age=31536000";

/// Largest JSON body accepted; every JSON request of the API is far smaller.
pub const JSON_LIMIT: usize = 64 * 1024;

pub fn build_app(
    state: HttpState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let hsts = state.tls;
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::JsonConfig::default().limit(JSON_LIMIT).error_handler(|err, _| ApiError::from(err).into()))
        .app_data(web::PathConfig::default().error_handler(|err, _| ApiError::bad_request(err.to_string()).into()))
        .configure(routes::configure)
        .default_service(web::to(routes::fallback::no_route))
        .wrap(from_fn(body_deadline::apply))
        // Over HTTPS only: sent over plain HTTP it would be ignored, and behind a proxy that
        // terminates TLS the proxy decides.
        .wrap(Condition::new(hsts, DefaultHeaders::new().add((STRICT_TRANSPORT_SECURITY, HSTS))))
        .wrap(from_fn(encoding::refuse_encoded_bodies))
        // Applied last, so it runs first: every response, error bodies included, gets an id.
        .wrap(error_body::normalise())
        // Outside the error dressing, so a rebuilt error body keeps the caller's rate limit.
        .wrap(from_fn(rate_limit::headers))
        .wrap(from_fn(request_id::assign))
}
