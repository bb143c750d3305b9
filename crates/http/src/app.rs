//! Builds the actix `App`: state, body limits, middleware and routes, in the order they apply.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, Error, web};

use crate::error::ApiError;
use crate::middleware::{body_deadline, encoding, error_body, request_id};
use crate::routes;
use crate::state::HttpState;

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
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::JsonConfig::default().limit(JSON_LIMIT).error_handler(|err, _| ApiError::from(err).into()))
        .app_data(web::PathConfig::default().error_handler(|err, _| ApiError::bad_request(err.to_string()).into()))
        .app_data(web::QueryConfig::default().error_handler(|err, _| ApiError::from(err).into()))
        .configure(routes::configure)
        .default_service(web::to(routes::fallback::no_route))
        .wrap(from_fn(body_deadline::apply))
        .wrap(from_fn(encoding::refuse_encoded_bodies))
        // Applied last, so it runs first: every response, error bodies included, gets an id.
        .wrap(error_body::normalise())
        .wrap(from_fn(request_id::assign))
}
