//! `GET /api/v1/company`: the caller's company profile, sites and current emissions.

use actix_web::{HttpResponse, web};

use crate::dto::Envelope;
use crate::dto::company::CompanyOut;
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::HttpState;

pub(crate) async fn show(state: web::Data<HttpState>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let overview = state.services.company_overview(&caller.0).await?;
    let passport_url = state.passport_url(&overview.company.passport.slug);
    Ok(HttpResponse::Ok().json(Envelope::of(CompanyOut::from_overview(&overview, passport_url))))
}
