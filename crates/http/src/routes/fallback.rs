//! Answers for requests no route serves: 404 for an unknown path, 405 for a known path with the
//! wrong method (with `Allow`).

use actix_web::{HttpRequest, HttpResponse, Route, web};

use crate::error::ApiError;

pub(crate) async fn no_route(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NoRoute { method: req.method().to_string(), path: req.path().to_owned() })
}

/// The default service of a resource that accepts only `allow`.
pub(crate) fn only(allow: String) -> Route {
    web::route().to(move || {
        let allow = allow.clone();
        async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allow }) }
    })
}
