//! The public carbon passport at `passportUrl`: what it shows (confirmed data of ended periods,
//! the published plan and its PDF), what it never shows, its switch, its signature, and the
//! per-address allowance that keeps slugs from being guessed.

use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use carbonpass_domain::model::KeyMode;
use carbonpass_server::settings::{QuotaSettings, Settings};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::crp::{generate, last_period, ready_tenant};
use crate::integrity::{post_json, uploaded};
use crate::support::{Tenant, TestApp, expect_error, spawn, spawn_configured};

carbonpass_testkit::on_both_backends!(spawn =>
    a_passport_shows_confirmed_data_and_the_published_plan,
    nothing_unconfirmed_unpublished_or_of_others_appears,
    an_unknown_and_a_switched_off_passport_are_the_same_404,
    the_signed_twin_verifies_with_the_published_keys,
    parallel_switches_and_first_views_agree,
);

carbonpass_testkit::on_both_backends!(strict_addresses =>
    slugs_cannot_be_guessed_faster_than_the_address_allowance,
    parallel_guesses_get_no_further_than_the_allowance,
);

carbonpass_testkit::on_both_backends!(slow_recheck =>
    a_write_through_this_process_shows_at_once_whatever_the_recheck,
);

/// A server that reads a passport's data version again only after a minute.
async fn slow_recheck(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    fn configure(settings: &mut Settings) {
        settings.passport_recheck_ms = 60_000;
    }
    spawn_configured(backend, configure).await
}

async fn a_write_through_this_process_shows_at_once_whatever_the_recheck(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme").await;
    assert_eq!(twin(&app, &tenant).await["carbonReductionPlan"], Value::Null);
    publish(&app, &tenant.key).await;
    assert!(twin(&app, &tenant).await["carbonReductionPlan"].is_object(), "the published plan shows at once");
    assert_eq!(data(switch(&app, &tenant.key, false).await, StatusCode::OK).await["passportActivated"], json!(false));
    expect_error(public(&app, &format!("/company/{}", slug(&tenant))).await, StatusCode::NOT_FOUND, "not_found").await;
}

fn slug(tenant: &Tenant) -> String {
    tenant.company.passport.slug.clone()
}

async fn public(app: &TestApp, path: &str) -> reqwest::Response {
    app.request(Method::GET, path, None).await
}

async fn twin(app: &TestApp, tenant: &Tenant) -> Value {
    let res = public(app, &format!("/company/{}.json", slug(tenant))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut passport: Value = res.json().await.expect("json");
    // When it was read changes with any write of the company's, shown or not: the rest is what
    // these tests compare.
    assert!(passport["generatedAt"].as_str().is_some_and(|at| at.ends_with('Z')), "{passport}");
    passport["generatedAt"] = Value::Null;
    passport
}

async fn data(res: reqwest::Response, status: StatusCode) -> Value {
    let got = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(got, status, "{body}");
    body["data"].clone()
}

async fn publish(app: &TestApp, key: &str) -> String {
    let plan = generate(app, key).await;
    let id = plan["id"].as_str().expect("id").to_owned();
    let res = post_json(app, key, &format!("/api/v1/crp/{id}/publish"), "").await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap_or_default());
    id
}

async fn switch(app: &TestApp, key: &str, on: bool) -> reqwest::Response {
    app.client
        .patch(app.url("/api/v1/company"))
        .bearer_auth(key)
        .json(&json!({ "passportActivated": on }))
        .send()
        .await
        .expect("patch")
}

async fn a_passport_shows_confirmed_data_and_the_published_plan(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme Industries").await;
    let period = last_period().label();
    let emissions =
        data(app.get(&format!("/api/v1/emissions?period={period}"), &tenant.key).await, StatusCode::OK).await;

    let passport = twin(&app, &tenant).await;
    assert_eq!(passport["url"], json!(format!("https://carbonpass.test/company/{}", slug(&tenant))));
    assert_eq!(passport["company"]["name"], json!("Acme Industries"));
    let latest = &passport["reportingPeriod"];
    assert_eq!(latest["reportingPeriod"], json!(period));
    for figure in ["totalTco2e", "perEmployee"] {
        assert_eq!(latest[figure], emissions[figure], "{figure}: the passport and the report agree");
    }
    assert_eq!(latest["scope2"]["locationBased"], emissions["scope2"]["locationBased"]);
    assert_eq!(latest["scope2"]["marketBased"], emissions["scope2"]["marketBased"]);
    assert_eq!(latest["scope3"]["categories"], emissions["scope3"]["categories"]);
    assert_eq!(latest["method"]["factorSet"]["year"], json!(last_period().factor_year()));
    assert_eq!(passport["carbonReductionPlan"], Value::Null, "nothing published yet");
    assert!(!passport.to_string().contains("comp_"), "no internal id: {passport}");

    let id = publish(&app, &tenant.key).await;
    let passport = twin(&app, &tenant).await;
    let plan = &passport["carbonReductionPlan"];
    assert_eq!(plan["reportingPeriod"], json!(period), "{plan}");
    assert_eq!(plan["netZeroYear"], json!(2045));
    assert_eq!(plan["interimTarget"]["reductionPercent"], json!(42.5));
    let pdf_url = plan["pdfUrl"].as_str().expect("pdf url");
    let pdf_path = pdf_url.strip_prefix("https://carbonpass.test").expect("on the public origin");
    let public_pdf = public(&app, pdf_path).await;
    assert_eq!(public_pdf.status(), StatusCode::OK);
    assert_eq!(public_pdf.headers()["content-type"], "application/pdf");
    let public_pdf = public_pdf.bytes().await.expect("bytes");
    let private_pdf = app.get(&format!("/api/v1/crp/{id}/pdf"), &tenant.key).await.bytes().await.expect("bytes");
    assert_eq!(public_pdf, private_pdf, "the published plan's PDF, as its owner reads it");

    // The page: the same figures, nothing from another origin, and conditional requests.
    let page = public(&app, &format!("/company/{}", slug(&tenant))).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "public, max-age=60");
    let policy = page.headers()["content-security-policy"].to_str().expect("csp").to_owned();
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    let etag = page.headers()["etag"].to_str().expect("etag").to_owned();
    let html = page.text().await.expect("html");
    assert!(html.contains("<h1>Acme Industries</h1>"), "{html}");
    let total = emissions["totalTco2e"].as_f64().expect("total");
    assert!(html.contains(&format!("{total:.3}")), "the total to the kilogram, {total:.3}, is on the page");
    assert!(html.contains(&format!("/company/{}/plan.pdf", slug(&tenant))));
    for outside in ["src=\"http", "href=\"http", "<script", "@import", "url("] {
        assert!(!html.contains(outside), "{outside} on the page");
    }
    let again = app
        .client
        .get(app.url(&format!("/company/{}", slug(&tenant))))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let badge = public(&app, &format!("/company/{}/badge.svg", slug(&tenant))).await;
    assert_eq!(badge.status(), StatusCode::OK);
    assert_eq!(badge.headers()["content-type"], "image/svg+xml");
    let svg = badge.text().await.expect("svg");
    assert!(svg.starts_with("<svg") && svg.contains(&format!("{total:.3} tCO2e {period}")), "{svg}");
}

async fn nothing_unconfirmed_unpublished_or_of_others_appears(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme").await;
    let before = twin(&app, &tenant).await;
    // An unconfirmed bill, a draft plan, the sandbox's records and another company's count for
    // nothing here.
    uploaded(&app, &tenant, "gas", "never confirmed").await;
    let draft = generate(&app, &tenant.key).await;
    let sandbox_key = app.issue(&tenant.email, &tenant.company, KeyMode::Test).await;
    let res = app
        .client
        .put(app.url("/api/v1/crp-inputs"))
        .bearer_auth(&sandbox_key)
        .json(&crate::crp::complete_inputs())
        .send()
        .await
        .expect("inputs");
    assert_eq!(res.status(), StatusCode::OK);
    let other = ready_tenant(&app, "Other Ltd").await;
    let after = twin(&app, &tenant).await;
    assert_eq!(after, before, "nothing of that shows");
    assert_eq!(after["carbonReductionPlan"], Value::Null, "a draft is not published: {}", draft["id"]);

    // A voided bill leaves the period: with it gone, no period has confirmed data.
    let bills = data(app.get("/api/v1/bills?status=confirmed", &tenant.key).await, StatusCode::OK).await;
    let bill = bills[0]["id"].as_str().expect("a confirmed bill").to_owned();
    let res = post_json(&app, &tenant.key, &format!("/api/v1/bills/{bill}/void"), r#"{"reason":"duplicate"}"#).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap_or_default());
    let voided = twin(&app, &tenant).await;
    assert_eq!(voided["reportingPeriod"], Value::Null, "{voided}");
    assert_eq!(voided["pastPeriods"], json!([]));

    // A published plan superseded by a newer one: the public PDF is the newer plan's.
    let first = publish(&app, &other.key).await;
    let newer = publish(&app, &other.key).await;
    let pdf_of = |id: String| {
        let (app, key) = (&app, other.key.clone());
        async move { app.get(&format!("/api/v1/crp/{id}/pdf"), &key).await.bytes().await.expect("pdf") }
    };
    let public_pdf = public(&app, &format!("/company/{}/plan.pdf", slug(&other))).await.bytes().await.expect("pdf");
    assert_eq!(public_pdf, pdf_of(newer).await, "the published plan");
    assert_ne!(public_pdf, pdf_of(first).await, "never the superseded one");
}

async fn an_unknown_and_a_switched_off_passport_are_the_same_404(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme").await;
    publish(&app, &tenant.key).await;
    let slug = slug(&tenant);
    assert_eq!(public(&app, &format!("/company/{slug}")).await.status(), StatusCode::OK);

    // A bad body is refused and changes nothing (only owners switch it: the domain's test).
    let res = app
        .client
        .patch(app.url("/api/v1/company"))
        .bearer_auth(&tenant.key)
        .json(&json!({ "passportActivated": false, "name": "Renamed" }))
        .send()
        .await
        .expect("patch");
    expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
    let res = app
        .client
        .patch(app.url("/api/v1/company"))
        .bearer_auth(&tenant.key)
        .json(&json!({ "passportActivated": "no" }))
        .send()
        .await
        .expect("patch");
    expect_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(public(&app, &format!("/company/{slug}")).await.status(), StatusCode::OK, "still on");

    let company = data(switch(&app, &tenant.key, false).await, StatusCode::OK).await;
    assert_eq!(company["passportActivated"], json!(false));
    let shown = data(app.get("/api/v1/company", &tenant.key).await, StatusCode::OK).await;
    assert_eq!(shown["passportActivated"], json!(false));
    for path in [
        format!("/company/{slug}"),
        format!("/company/{slug}.json"),
        format!("/company/{slug}.jws"),
        format!("/company/{slug}/badge.svg"),
        format!("/company/{slug}/plan.pdf"),
    ] {
        let off = expect_error(public(&app, &path).await, StatusCode::NOT_FOUND, "not_found").await;
        let unknown_path = path.replace(&slug, "no-such-company");
        let unknown = expect_error(public(&app, &unknown_path).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(off["message"], unknown["message"], "{path}: nothing tells them apart");
    }
    // A slug no company can have is the same 404 too.
    expect_error(public(&app, "/company/Not%20A%20Slug").await, StatusCode::NOT_FOUND, "not_found").await;

    let company = data(switch(&app, &tenant.key, true).await, StatusCode::OK).await;
    assert_eq!(company["passportActivated"], json!(true));
    assert_eq!(public(&app, &format!("/company/{slug}")).await.status(), StatusCode::OK, "on again");
}

async fn the_signed_twin_verifies_with_the_published_keys(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme").await;
    let json_bytes = public(&app, &format!("/company/{}.json", slug(&tenant))).await.bytes().await.expect("json");
    let res = public(&app, &format!("/company/{}.jws", slug(&tenant))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/jose");
    let jws = res.text().await.expect("jws");
    let keys: Value = public(&app, "/.well-known/jwks.json").await.json().await.expect("jwks");

    let mut parts = jws.split('.');
    let (header, payload, signature) =
        (parts.next().expect("header"), parts.next().expect("payload"), parts.next().expect("signature"));
    assert!(parts.next().is_none(), "compact: three parts");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("b64")).expect("header json");
    assert_eq!(header["alg"], json!("EdDSA"));
    let key = keys["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|key| key["kid"] == header["kid"])
        .expect("the header's kid is in the JWK set");
    assert_eq!((key["kty"].clone(), key["crv"].clone()), (json!("OKP"), json!("Ed25519")));
    let public_key = URL_SAFE_NO_PAD.decode(key["x"].as_str().expect("x")).expect("x");
    let signed = format!("{}.{payload}", jws.split('.').next().expect("header"));
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("signature");
    UnparsedPublicKey::new(&ED25519, &public_key)
        .verify(signed.as_bytes(), &signature)
        .expect("the signature verifies");
    assert_eq!(URL_SAFE_NO_PAD.decode(payload).expect("payload"), json_bytes.to_vec(), "the payload is the JSON twin");
    // A passport with a figure changed does not verify.
    let mut forged: Value = serde_json::from_slice(&json_bytes).expect("json");
    forged["reportingPeriod"]["totalTco2e"] = json!(0.001);
    let forged = format!("{}.{}", jws.split('.').next().expect("header"), URL_SAFE_NO_PAD.encode(forged.to_string()));
    assert!(UnparsedPublicKey::new(&ED25519, &public_key).verify(forged.as_bytes(), &signature).is_err());
}

async fn parallel_switches_and_first_views_agree(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme").await;
    let slug = slug(&tenant);
    // 12 first views at once: one passport, one ETag.
    let path = format!("/company/{slug}.json");
    let views = join_all((0..12).map(|_| public(&app, &path))).await;
    let mut tags: Vec<String> = views
        .iter()
        .map(|res| {
            assert_eq!(res.status(), StatusCode::OK);
            res.headers()["etag"].to_str().expect("etag").to_owned()
        })
        .collect();
    tags.dedup();
    assert_eq!(tags.len(), 1, "{tags:?}");
    // 12 switches at once, alternating, with views among them: each answers, and afterwards the
    // flag and the page agree.
    let switches = join_all((0..12).map(|i| switch(&app, &tenant.key, i % 2 == 0))).await;
    for res in switches {
        assert_eq!(res.status(), StatusCode::OK);
    }
    let company = data(app.get("/api/v1/company", &tenant.key).await, StatusCode::OK).await;
    let on = company["passportActivated"].as_bool().expect("flag");
    let status = public(&app, &format!("/company/{slug}")).await.status();
    assert_eq!(status, if on { StatusCode::OK } else { StatusCode::NOT_FOUND }, "flag {on}");
}

/// A server whose addresses get 3 requests without a valid key, then one a minute.
async fn strict_addresses(backend: carbonpass_testkit::Backend) -> Option<TestApp> {
    fn configure(settings: &mut Settings) {
        settings.rate_limits.unauthenticated = QuotaSettings { per_minute: 1, burst: 3 };
    }
    spawn_configured(backend, configure).await
}

async fn slugs_cannot_be_guessed_faster_than_the_address_allowance(app: TestApp) {
    let tenant = ready_tenant(&app, "Acme").await;
    // Views of a passport this server holds cost nothing of the allowance (its first lookup
    // costs one, as any lookup does).
    for _ in 0..5 {
        assert_eq!(public(&app, &format!("/company/{}", slug(&tenant))).await.status(), StatusCode::OK);
    }
    // Guesses: at most the allowance (3) of lookups, then 429 with Retry-After.
    let mut misses = 0;
    for guess in ["acme-ltd", "acme-plc", "acme-group", "acme-uk", "acme-co"] {
        match public(&app, &format!("/company/{guess}.json")).await.status() {
            StatusCode::NOT_FOUND => misses += 1,
            other => assert_eq!(other, StatusCode::TOO_MANY_REQUESTS),
        }
    }
    assert!((1..=2).contains(&misses), "{misses} guesses looked up: the first view took one of 3");
    let refused = public(&app, "/company/acme-holdings").await;
    assert!(refused.headers().contains_key("retry-after"), "{:?}", refused.headers());
    expect_error(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Refused before any lookup: a real slug too, so a hit cannot be told from a miss.
    let real = public(&app, &format!("/company/{}", slug(&tenant))).await;
    expect_error(real, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

async fn parallel_guesses_get_no_further_than_the_allowance(app: TestApp) {
    let paths: Vec<String> = (0..40).map(|i| format!("/company/guess-{i}-co.json")).collect();
    let answers = join_all(paths.iter().map(|path| public(&app, path))).await;
    let looked_up = answers.iter().filter(|res| res.status() == StatusCode::NOT_FOUND).count();
    let refused = answers.iter().filter(|res| res.status() == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((looked_up, refused), (3, 37), "40 at once: the allowance of 3 lookups, the rest refused");
}
