//! The OpenAPI 3.1 document: each operation from its handler's `#[utoipa::path]`, then what every
//! operation shares added in one place: the Bearer scheme, the error responses of the route table
//! (grouped by status, each code with its meaning and an example body), and the headers every
//! response carries. Built once, served as bytes.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use utoipa::OpenApi;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Header, ObjectBuilder, Ref, RefOr, Response, ResponseBuilder, Type};

use crate::error_code::ErrorCode;
use crate::routes::{
    self, activities, bills, commuting, company, crp, docs, emissions, health, keys, passport, webhooks,
};

/// Where the document is served.
pub(crate) const PATH: &str = "/api/v1/openapi.json";

/// The name of the Bearer security scheme in the document.
pub(crate) const BEARER: &str = "bearerAuth";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CarbonPass API",
        version = "1.0.0",
        description = "Upload utility bills, confirm them, and read scope 1, 2 and 3 emissions calculated with the UK Government's (DESNZ) conversion factors.\n\nEvery `/api/v1` request except this document needs `Authorization: Bearer <key>`: `cp_live_…` keys act on live data, `cp_test_…` keys on the company's sandbox. Success bodies are `{\"data\": …}`; every error is `{\"error\", \"message\", \"status\"}` (plus `param` when one field is at fault). Every response carries `X-Request-Id`."
    ),
    paths(
        company::show,
        company::update,
        emissions::show,
        emissions::sessions,
        emissions::complete,
        bills::list,
        bills::upload,
        bills::show,
        bills::file,
        bills::confirm,
        bills::reject,
        bills::void,
        activities::types,
        activities::show_type,
        activities::record,
        activities::list,
        activities::show,
        activities::void,
        activities::import_template,
        activities::import,
        commuting::record,
        crp::inputs,
        crp::replace_inputs,
        crp::list,
        crp::generate,
        crp::show,
        crp::delete,
        crp::publish,
        crp::pdf,
        keys::list,
        keys::create,
        keys::revoke,
        keys::roll,
        webhooks::create,
        webhooks::list,
        webhooks::show,
        webhooks::update,
        webhooks::delete,
        webhooks::rotate_secret,
        webhooks::test,
        webhooks::deliveries,
        webhooks::recover,
        webhooks::retry,
        passport::page,
        passport::json,
        passport::jws,
        passport::badge,
        passport::plan_pdf,
        passport::jwks,
        docs::openapi,
        health::healthz,
        health::readyz,
    ),
    components(schemas(crate::error::ErrorBody)),
    tags(
        (name = "Company", description = "Your company, its plan and sites."),
        (name = "Bills", description = "Utility bills: upload, confirm, correct, read."),
        (name = "Activities", description = "Activities beyond bills (vehicles, refrigerants, heat, travel, commuting, freight, waste): the types you can record."),
        (name = "Emissions", description = "Scope 1, 2 and 3 totals in tCO2e."),
        (name = "Sessions", description = "Footprint-collection sessions: one site's bills for one reporting period."),
        (name = "Carbon Reduction Plans", description = "PPN 006 Carbon Reduction Plans: their inputs, generating, publishing, reading and the PDF."),
        (name = "Keys", description = "API keys of the caller."),
        (name = "Webhooks", description = "Endpoints that hear of changes: each event is POSTed as `{\"id\", \"event\", \"timestamp\", \"data\"}`, signed with `X-CarbonPass-Signature` (hex HMAC-SHA256 of the body keyed with the whole secret) and the Standard Webhooks headers `webhook-id`, `webhook-timestamp`, `webhook-signature`; delivered at least once, retried for about 3 days. See the receivers' guide, docs/webhooks.md."),
        (name = "Passport", description = "A company's public carbon passport, no key needed: the page at its `passportUrl`, the same figures as JSON and as a signed JWS, a badge, the published plan's PDF, and the keys that sign. See docs/passport.md."),
        (name = "Operations", description = "Health, readiness and this document; no key needed."),
    ),
    modifiers(&Conventions)
)]
struct ApiDoc;

/// The document as served, built once.
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        // Serialising a document of strings and maps cannot fail.
        let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        finish(&mut document);
        serde_json::to_string(&document).unwrap_or_default()
    })
}

/// What the generator cannot be told: envelope schemas named after what they hold
/// (`CompanyResponse`, not `Envelope_Company`), every field of a response object required (the API
/// writes `null`, never omits a field), request bodies closed (an unknown field is refused, not
/// ignored), and parameters that are never `null` on the wire.
fn finish(document: &mut Value) {
    document["webhooks"] = crate::webhook_catalogue::section();
    rename_envelopes(document);
    refer_to_components(document);
    let requests = request_schemas(document);
    if let Some(schemas) = document.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (name, schema) in schemas.iter_mut() {
            if requests.contains(name) {
                if schema.get("properties").is_some() {
                    schema["additionalProperties"] = Value::Bool(false);
                }
            } else if name != "Error" {
                require_every_property(schema);
            }
        }
    }
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for operation in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|item| item.values_mut()) {
            let parameters = operation.get_mut("parameters").and_then(Value::as_array_mut);
            for parameter in parameters.into_iter().flatten() {
                let Some(schema) = parameter.get_mut("schema") else { continue };
                if let Some(types) = schema.get_mut("type").and_then(Value::as_array_mut) {
                    types.retain(|t| t != "null");
                    if types.len() == 1 {
                        let only = types.remove(0);
                        schema["type"] = only;
                    }
                }
            }
        }
    }
}

/// `Envelope_Company` → `CompanyResponse`, `Envelope_Vec_Session` → `SessionListResponse`,
/// `Page_Bill` → `BillPage`.
fn rename_envelopes(document: &mut Value) {
    let names: Vec<String> = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().cloned().collect())
        .unwrap_or_default();
    let mut text = document.to_string();
    for name in names {
        let renamed = if let Some(inner) = name.strip_prefix("Envelope_") {
            match inner.strip_prefix("Vec_") {
                Some(item) => format!("{item}ListResponse"),
                None => format!("{inner}Response"),
            }
        } else if let Some(item) = name.strip_prefix("Page_") {
            format!("{item}Page")
        } else {
            continue;
        };
        text = text
            .replace(&format!("\"#/components/schemas/{name}\""), &format!("\"#/components/schemas/{renamed}\""))
            .replace(&format!("\"{name}\":"), &format!("\"{renamed}\":"));
    }
    if let Ok(renamed) = serde_json::from_str(&text) {
        *document = renamed;
    }
}

/// The generator copies a generic's argument into it (`data` of `CompanyResponse` holds a copy of
/// `Company`): a reference to the component instead, so that clients get one type per thing.
fn refer_to_components(document: &mut Value) {
    let Some(schemas) = document.pointer("/components/schemas").and_then(Value::as_object).cloned() else {
        return;
    };
    let reference = |inline: &mut Value| {
        if let Some((name, _)) = schemas.iter().find(|(_, schema)| *schema == inline) {
            *inline = serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
        }
    };
    if let Some(targets) = document.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for schema in targets.values_mut() {
            if let Some(data) = schema.pointer_mut("/properties/data") {
                match data.get_mut("items") {
                    Some(items) => reference(items),
                    None => reference(data),
                }
            }
        }
    }
}

/// Schemas that request bodies refer to: their optional fields stay optional.
fn request_schemas(document: &Value) -> Vec<String> {
    let operations = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values());
    let mut names = Vec::new();
    for operation in operations {
        let contents = operation.pointer("/requestBody/content").and_then(Value::as_object);
        for content in contents.into_iter().flat_map(|c| c.values()) {
            if let Some(name) = content.pointer("/schema/$ref").and_then(Value::as_str) {
                names.push(name.trim_start_matches("#/components/schemas/").to_owned());
            }
        }
    }
    // A request's nested objects (a plan's projects, its declaration) are requests too.
    let mut next = 0;
    while next < names.len() {
        let mut nested = Vec::new();
        if let Some(schema) = document.pointer(&format!("/components/schemas/{}", names[next])) {
            references(schema, &mut nested);
        }
        for name in nested {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        next += 1;
    }
    names
}

fn references(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map.get("$ref").and_then(Value::as_str) {
                into.push(name.trim_start_matches("#/components/schemas/").to_owned());
            }
            map.values().for_each(|v| references(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, into)),
        _ => {}
    }
}

/// Properties written only when asked for (`?expand=content`), so never required.
const ONLY_WHEN_ASKED: [&str; 1] = ["content"];

fn require_every_property(schema: &mut Value) {
    if let Some(parts) = schema.get_mut("allOf").and_then(Value::as_array_mut) {
        parts.iter_mut().for_each(require_every_property);
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let every: Vec<Value> =
            properties.keys().filter(|k| !ONLY_WHEN_ASKED.contains(&k.as_str())).cloned().map(Value::String).collect();
        schema["required"] = Value::Array(every);
    }
}

struct Conventions;

impl utoipa::Modify for Conventions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.bearer_format = Some("cp_live_… or cp_test_…".into());
        bearer.description = Some("An API key: `Authorization: Bearer cp_live_…`.".into());
        components.add_security_scheme(BEARER, SecurityScheme::Http(bearer));

        let endpoints = routes::endpoints();
        for (path, item) in doc.paths.paths.iter_mut() {
            for (method, operation) in operations(item) {
                let errors = endpoints
                    .iter()
                    .find(|e| e.path == path && e.method.as_str() == method)
                    .map(|e| e.errors)
                    .unwrap_or_default();
                add_errors(operation, errors);
                if operation.operation_id.as_deref() == Some("uploadBill") {
                    with_the_seeds_error_example(operation);
                    with_replayed_refusals(operation);
                }
                let authenticated = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                if authenticated {
                    with_company_choice(operation);
                }
                if operation.operation_id.as_deref() == Some("rollKey")
                    && let Some(RefOr::T(body)) = operation.request_body.as_mut()
                {
                    // The grace period has a default: the body may be left out.
                    body.required = Some(utoipa::openapi::Required::False);
                }
                for (status, response) in operation.responses.responses.iter_mut() {
                    if let RefOr::T(response) = response {
                        with_request_id(response);
                        // Refusals of the key itself (401, 403) come before any bucket is counted.
                        if authenticated && status != "401" && status != "403" {
                            with_rate_limit(response);
                        }
                    }
                }
            }
        }
    }
}

/// A path's operations, each with its method's name.
fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("GET", item.get.as_mut()),
        ("POST", item.post.as_mut()),
        ("PUT", item.put.as_mut()),
        ("PATCH", item.patch.as_mut()),
        ("DELETE", item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|operation| (method, operation)))
    .collect()
}

/// Every code an operation can answer with: its own, those of any authenticated operation, and
/// those of every request (a `Content-Encoding` is refused anywhere; anything can fail inside).
fn codes_of(operation: &Operation, own: &[ErrorCode]) -> Vec<ErrorCode> {
    let authenticated = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut codes: Vec<ErrorCode> = own.to_vec();
    if authenticated {
        codes.extend(ErrorCode::AUTHENTICATION);
        // Two `Authorization` headers.
        codes.push(ErrorCode::BadRequest);
        codes.push(ErrorCode::PlanRequired);
        codes.push(ErrorCode::ServiceUnavailable);
        codes.push(ErrorCode::RateLimited);
        // A `CarbonPass-Company` the caller does not serve.
        codes.push(ErrorCode::NotFound);
    }
    codes.push(ErrorCode::UnsupportedMediaType);
    codes.push(ErrorCode::InternalError);
    let mut unique = Vec::new();
    for code in codes {
        if !unique.contains(&code) {
            unique.push(code);
        }
    }
    unique
}

fn add_errors(operation: &mut Operation, own: &[ErrorCode]) {
    let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    for code in codes_of(operation, own) {
        by_status.entry(code.status().as_u16()).or_default().push(code);
    }
    for (status, codes) in by_status {
        operation.responses.responses.insert(status.to_string(), RefOr::T(error_response(status, &codes)));
    }
}

/// The public API page's own error example is the upload's, word for word.
fn with_the_seeds_error_example(operation: &mut Operation) {
    let seed = serde_json::json!({
        "error": "bad_request", "message": "Missing required field \"type\" in bill upload.", "status": 400
    });
    let Some(RefOr::T(response)) = operation.responses.responses.get_mut("400") else { return };
    let Some(RefOr::T(content)) = response.content.get_mut("application/json") else { return };
    if let Some(RefOr::T(example)) = content.examples.get_mut("bad_request") {
        example.value = Some(seed);
    }
}

/// A refusal of an upload that arrived whole is kept under its `Idempotency-Key` and replayed
/// like a success, with `Idempotent-Replayed: true`.
fn with_replayed_refusals(operation: &mut Operation) {
    for status in ["400", "404", "409"] {
        if let Some(RefOr::T(response)) = operation.responses.responses.get_mut(status) {
            let header = text_header(
                "`true` when this is the stored answer to an earlier request with this `Idempotency-Key`.",
                None,
            );
            response.headers.insert("Idempotent-Replayed".into(), header.into());
        }
    }
}

fn error_response(status: u16, codes: &[ErrorCode]) -> Response {
    let description =
        codes.iter().map(|code| format!("`{}`: {}", code.code(), code.remedy())).collect::<Vec<_>>().join("\n\n");
    let examples = codes.iter().map(|code| {
        let body = serde_json::json!({"error": code.code(), "message": code.remedy(), "status": status});
        (code.code(), ExampleBuilder::new().value(Some(body)).build())
    });
    let content =
        ContentBuilder::new().schema(Some(Ref::from_schema_name("Error"))).examples_from_iter(examples).build();
    let mut response = ResponseBuilder::new().description(description).content("application/json", content);
    if codes.contains(&ErrorCode::ServiceUnavailable) || codes.contains(&ErrorCode::RateLimited) {
        response = response.header("Retry-After", text_header("Seconds to wait before retrying.", None));
    }
    if codes.iter().any(|c| ErrorCode::AUTHENTICATION.contains(c)) {
        response = response.header(
            "WWW-Authenticate",
            text_header("`Bearer realm=\"carbonpass\"`, with `error=\"invalid_token\"` for a key that was sent.", None),
        );
    }
    response.build()
}

/// Every authenticated operation takes `CarbonPass-Company`.
fn with_company_choice(operation: &mut Operation) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    let parameter = ParameterBuilder::new()
        .name("CarbonPass-Company")
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(
            "For a Partner-plan user: the client company (`comp_…`) this request acts on, one they serve; \
             without it, the company the key was issued for. A company the user does not serve is 404, as if it did not exist. \
             The rate limit stays the user's whatever company they act on.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).examples([serde_json::json!("comp_8xK2mNpQ")])))
        .build();
    operation.parameters.get_or_insert_with(Vec::new).push(RefOr::T(parameter));
}

/// Every authenticated response tells the caller how much of their rate limit is left.
fn with_rate_limit(response: &mut Response) {
    let integer = |description: &str| {
        HeaderBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0))))
            .description(Some(description))
            .build()
    };
    for (name, description) in [
        ("X-RateLimit-Limit", "How many requests the user's full bucket holds (all their keys share it)."),
        ("X-RateLimit-Remaining", "How many more requests would be admitted now."),
        ("X-RateLimit-Reset", "Seconds until the bucket is full again (not a timestamp)."),
    ] {
        response.headers.insert(name.into(), integer(description).into());
    }
}

fn with_request_id(response: &mut Response) {
    let header =
        text_header("This request's id (`req_…`); quote it when reporting a problem.", Some("^req_[0-9A-Za-z]{20}$"));
    response.headers.insert("X-Request-Id".into(), header.into());
}

/// A response header holding text, matching `pattern` when one is given.
fn text_header(description: &str, pattern: Option<&str>) -> Header {
    let schema = ObjectBuilder::new().schema_type(Type::String).pattern(pattern);
    HeaderBuilder::new().schema(Some(schema)).description(Some(description)).build()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use actix_web::test as actix_test;
    use actix_web::{App, HttpRequest, HttpResponse, web};

    use super::*;
    use crate::routes::{self, Endpoint};

    fn document() -> Value {
        serde_json::from_str(json()).expect("the document is JSON")
    }

    fn documented_operations() -> BTreeSet<(String, String)> {
        let document = document();
        let paths = document["paths"].as_object().expect("paths");
        paths
            .iter()
            .flat_map(|(path, item)| {
                item.as_object().expect("path item").keys().map(move |method| (method.to_uppercase(), path.clone()))
            })
            .collect()
    }

    fn served_operations() -> BTreeSet<(String, String)> {
        routes::endpoints().iter().map(|e: &Endpoint| (e.method.to_string(), e.path.to_owned())).collect()
    }

    #[test]
    fn every_route_is_documented_and_every_documented_operation_is_routed() {
        let (documented, served) = (documented_operations(), served_operations());
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&served).collect();
        assert!(undocumented.is_empty(), "served but not in the document: {undocumented:?}");
        assert!(unrouted.is_empty(), "in the document but not served: {unrouted:?}");
    }

    /// The router itself, not the table: any path registered outside the table (but the docs
    /// UI's) would be a route the document does not describe.
    #[actix_web::test]
    async fn the_router_holds_only_the_tables_paths_and_the_docs_ui() {
        async fn patterns(req: HttpRequest) -> HttpResponse {
            HttpResponse::Ok().body(format!("{:?}", req.resource_map()))
        }
        let app =
            actix_test::init_service(App::new().configure(routes::configure).route("/probe", web::get().to(patterns)))
                .await;
        let map = actix_test::call_and_read_body(&app, actix_test::TestRequest::get().uri("/probe").to_request()).await;
        let map = String::from_utf8(map.to_vec()).expect("text");
        let mut registered: BTreeSet<String> = BTreeSet::new();
        for piece in map.split("Single(\"").skip(1) {
            registered.insert(piece.split('"').next().unwrap_or_default().to_owned());
        }
        registered.remove("/probe");
        registered.remove("");
        let expected: BTreeSet<String> = routes::endpoints()
            .iter()
            .map(|e| e.path.to_owned())
            .chain(["/docs".to_owned(), "/docs/{file:.*}".to_owned()])
            .collect();
        assert_eq!(registered, expected);
    }

    #[test]
    fn every_operation_is_named_tagged_and_lists_its_errors() {
        let document = document();
        let mut ids = BTreeSet::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("item") {
                let id = operation["operationId"].as_str().expect("operationId");
                assert!(ids.insert(id.to_owned()), "operationId {id} twice");
                assert!(operation["tags"].as_array().is_some_and(|t| t.len() == 1), "{method} {path}: one tag");
                let responses = operation["responses"].as_object().expect("responses");
                assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path}: a success response");
                assert!(responses.contains_key("500"), "{method} {path}: 500");
                let authenticated = operation.get("security").is_some();
                assert_eq!(authenticated, path.starts_with("/api/v1/") && path != PATH, "{method} {path}: security");
                if authenticated {
                    let unauthorized =
                        responses["401"]["content"]["application/json"]["examples"].as_object().expect("401 examples");
                    for code in ErrorCode::AUTHENTICATION {
                        assert!(unauthorized.contains_key(code.code()), "{method} {path}: {code:?}");
                    }
                    assert!(responses["503"]["headers"].get("Retry-After").is_some(), "{method} {path}");
                }
                for (status, response) in responses {
                    assert!(response["headers"].get("X-Request-Id").is_some(), "{method} {path} {status}");
                }
            }
        }
    }

    #[test]
    fn every_error_code_of_the_table_is_documented_where_it_applies() {
        let document = document();
        for endpoint in routes::endpoints() {
            let operation = &document["paths"][endpoint.path][endpoint.method.as_str().to_lowercase()];
            for code in endpoint.errors {
                let status = code.status().as_u16().to_string();
                let examples = &operation["responses"][&status]["content"]["application/json"]["examples"];
                assert!(examples.get(code.code()).is_some(), "{} {}: {code:?}", endpoint.method, endpoint.path);
            }
        }
    }

    #[test]
    fn schemas_are_named_after_what_they_are() {
        let document = document();
        let names: BTreeSet<&str> =
            document["components"]["schemas"].as_object().expect("schemas").keys().map(String::as_str).collect();
        for name in ["Company", "Site", "Bill", "BillDetail", "Emissions", "Session", "ApiKey", "Error", "BillUpload"] {
            assert!(names.contains(name), "{name} missing from {names:?}");
        }
        for name in &names {
            let rusty =
                name.ends_with("Out") || name.ends_with("In") || name.contains('_') || name.contains("Envelope");
            assert!(!rusty, "{name} is named after a Rust type");
        }
        // And every reference resolves.
        let text = json();
        for piece in text.split("\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap_or_default();
            assert!(names.contains(name), "a reference to {name}, which is not defined");
        }
    }

    #[test]
    fn the_seeds_examples_are_the_documents_examples() {
        let document = document();
        let example = |path: &str, method: &str, status: &str| {
            document["paths"][path][method]["responses"][status]["content"]["application/json"]["example"].clone()
        };
        assert_eq!(example("/api/v1/company", "get", "200")["data"]["id"], "comp_8xK2mNpQ");
        assert_eq!(example("/api/v1/emissions", "get", "200")["data"]["totalTco2e"], 172.0);
        assert_eq!(example("/api/v1/bills", "post", "201")["data"]["id"], "bill_9vW4kLpR");
        let upload_error = &document["paths"]["/api/v1/bills"]["post"]["responses"]["400"]["content"]["application/json"]
            ["examples"]["bad_request"]["value"];
        assert_eq!(upload_error["message"], "Missing required field \"type\" in bill upload.");
        for status in ["400", "404", "409"] {
            let headers = &document["paths"]["/api/v1/bills"]["post"]["responses"][status]["headers"];
            assert!(headers.get("Idempotent-Replayed").is_some(), "a kept refusal is replayed: {status}");
        }
    }

    #[test]
    fn response_objects_require_every_field_and_requests_keep_optional_ones() {
        let document = document();
        let schemas = &document["components"]["schemas"];
        let company_required = schemas["Company"]["required"].as_array().expect("required");
        assert!(company_required.iter().any(|f| f == "currentEmissions"), "written as null, never omitted");
        let confirm_required = schemas["ConfirmBillRequest"]["required"].as_array().expect("required");
        assert!(!confirm_required.iter().any(|f| f == "meterPoint"), "optional in a request");
        let project_required = schemas["ProjectRequest"]["required"].as_array().expect("required");
        assert!(!project_required.iter().any(|f| f == "description"), "optional in a nested request object");
        assert_eq!(schemas["ProjectRequest"]["additionalProperties"], false, "nested request objects are closed too");
    }
}
