//! `GET /api/v1/openapi.json` (the contract, no key needed) and the docs UI at `/docs/`, whose
//! every asset is served from the binary: it works with no internet, and its
//! `Content-Security-Policy` forbids it to load anything from elsewhere.

use std::sync::{Arc, OnceLock};

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpResponse, guard, web};
use utoipa_swagger_ui::Config;

use super::fallback::only;
use crate::openapi;

#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "Operations",
    operation_id = "getOpenApiDocument",
    summary = "This API's OpenAPI document",
    description = "The OpenAPI 3.1 document of this API, generated from the code that serves it. No key needed.",
    responses((status = 200, description = "The document.", content_type = "application/json", body = Object))
)]
pub(crate) async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .body(openapi::json())
}

/// Scripts, styles and fetches from this origin only; Swagger UI sets inline styles and draws
/// icons from `data:` URLs.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

fn ui_config() -> Arc<Config<'static>> {
    static CONFIG: OnceLock<Arc<Config<'static>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            // `validator_url("none")`: by default the page asks swagger.io to validate the document.
            Arc::new(Config::new([openapi::PATH]).validator_url("none").display_operation_id(true))
        })
        .clone()
}

pub(crate) fn configure_ui(cfg: &mut web::ServiceConfig) {
    // The page links its assets relatively (`./swagger-ui.css`), so it lives at `/docs/`.
    let get_or_head = || web::route().guard(guard::Any(guard::Get()).or(guard::Head()));
    cfg.service(
        web::resource("/docs")
            .route(get_or_head().to(|| async {
                HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
            }))
            .default_service(only("GET, HEAD".into())),
    )
    .service(
        web::resource("/docs/{file:.*}").route(get_or_head().to(ui_file)).default_service(only("GET, HEAD".into())),
    );
}

async fn ui_file(file: web::Path<String>) -> HttpResponse {
    let served = match utoipa_swagger_ui::serve(&file, ui_config()) {
        Ok(Some(served)) => served,
        Ok(None) => return HttpResponse::NotFound().finish(),
        Err(err) => {
            tracing::error!(cause = %err, "the docs UI could not be served");
            return HttpResponse::InternalServerError().finish();
        }
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(served.content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if served.gzpipped {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    response.body(served.bytes.into_owned())
}
