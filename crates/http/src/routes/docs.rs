//! `GET /api/v1/openapi.json` (the contract, no key needed) and the docs UI at `/docs/`, whose
//! every asset is served from the binary: it works with no internet, and its
//! `Content-Security-Policy` forbids it to load anything from elsewhere.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use carbonpass_domain::DomainError;
use utoipa_swagger_ui::Config;

use super::fallback::only;
use super::get_or_head;
use crate::error::ApiError;
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
    let mut response = HttpResponse::Ok();
    response.content_type("application/json").insert_header(CacheControl(vec![CacheDirective::NoCache]));
    static_body(response, openapi::json().as_bytes())
}

/// A body that lives as long as the process, sent in slices of it: nothing is copied up front,
/// and a client that reads slowly holds the server's write buffer (a few slices), not a copy of
/// the whole body per connection.
fn static_body(mut response: HttpResponseBuilder, body: &'static [u8]) -> HttpResponse {
    const SLICE: usize = 16 * 1024;
    let slices = body.chunks(SLICE).map(|slice| Ok::<_, std::convert::Infallible>(web::Bytes::from_static(slice)));
    response.no_chunking(body.len() as u64).streaming(futures_util::stream::iter(slices))
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

/// The files the page loads; the distribution's other bundles are not served.
const UI_FILES: [&str; 9] = [
    "",
    "index.html",
    "index.css",
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "swagger-initializer.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
];

async fn ui_file(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let no_route = || ApiError::NoRoute { method: req.method().to_string(), path: req.path().to_owned() };
    if !UI_FILES.contains(&file.as_str()) {
        return Err(no_route());
    }
    let served = match utoipa_swagger_ui::serve(&file, ui_config()) {
        Ok(Some(served)) => served,
        Ok(None) => return Err(no_route()),
        Err(err) => {
            return Err(DomainError::Internal(format!("the docs UI could not be served: {err}")).into());
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
    Ok(match served.bytes {
        // The distribution's files are in the binary: sent from there, cacheable for a day.
        Cow::Borrowed(bytes) => {
            response.insert_header(CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(86_400)]));
            static_body(response, bytes)
        }
        // The initializer, written with this server's settings: small, never cached.
        Cow::Owned(bytes) => response.insert_header(CacheControl(vec![CacheDirective::NoCache])).body(bytes),
    })
}
