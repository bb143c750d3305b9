//! The authentication gate of every `/api/v1` resource that needs a key: the caller is let in
//! (or refused: 401, 403, 429, or 404 for a company they do not serve) before any extractor
//! reads the body, so every request is counted against its rate limit and a refusal never
//! depends on which extractor finished first. A method the resource does not serve passes
//! through to its 405.

use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use carbonpass_domain::model::Principal;

use crate::extract::admit;
use crate::state::HttpState;

pub async fn gate<B: MessageBody>(
    methods: Arc<[Method]>,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let method = req.method();
    let served = methods.iter().any(|m| m == method || (*m == Method::GET && method == Method::HEAD));
    if served && let Err(refused) = admit(req.request()).await {
        return Ok(req.into_response(refused.error_response()).map_into_right_body());
    }
    let writes = !matches!(*method, Method::GET | Method::HEAD);
    let res = next.call(req).await?;
    if writes && res.status().is_success() {
        // A write of this tenant's: this process shows it on the passport at once (others
        // within their recheck interval).
        let company = res.request().extensions().get::<Principal>().map(|p| p.company_id.clone());
        if let (Some(company), Some(state)) = (company, res.request().app_data::<web::Data<HttpState>>()) {
            state.passports.forget_company(&company);
        }
    }
    Ok(res.map_into_left_body())
}
