//! HTTPS in the binary: TLS 1.3 and 1.2, HTTP/2 and HTTP/1.1 chosen by ALPN, HSTS over TLS only,
//! against a certificate the test made, with a real client that trusts nothing else.

use carbonpass_testkit::{Backend, TestCertificate, TestDatabase};
use reqwest::tls::Version as TlsVersion;
use reqwest::{StatusCode, Version};

use crate::support::{serve, settings};

/// A server on SQLite speaking HTTPS with `certificate`: its `https://` base URL.
async fn https_server(certificate: &TestCertificate, folder: &std::path::Path) -> (String, TestDatabase) {
    let db = TestDatabase::sqlite();
    let (cert_file, key_file) = (folder.join("cert.pem"), folder.join("key.pem"));
    certificate.write(&cert_file, &key_file);
    let mut settings = settings(db.url(), folder, None);
    settings.tls_cert_file = Some(cert_file);
    settings.tls_key_file = Some(key_file);
    let (base, _) = serve(settings).await;
    (base.replacen("http://", "https://", 1), db)
}

fn client_trusting(certificate: &TestCertificate) -> reqwest::ClientBuilder {
    let root = reqwest::Certificate::from_pem(certificate.authority_pem.as_bytes()).expect("root");
    reqwest::Client::builder().tls_backend_rustls().tls_certs_only([root]).no_proxy()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_speaks_http2_and_http1_over_tls_1_3_and_1_2() {
    let folder = tempfile::tempdir().expect("folder");
    let certificate = TestCertificate::new();
    let (base, _db) = https_server(&certificate, folder.path()).await;
    assert!(Backend::Sqlite == _db.backend());

    let cases = [
        ("HTTP/2 by ALPN", client_trusting(&certificate), Version::HTTP_2),
        ("HTTP/1.1 when the client offers only that", client_trusting(&certificate).http1_only(), Version::HTTP_11),
        ("TLS 1.2", client_trusting(&certificate).max_tls_version(TlsVersion::TLS_1_2), Version::HTTP_2),
        ("TLS 1.3", client_trusting(&certificate).min_tls_version(TlsVersion::TLS_1_3), Version::HTTP_2),
    ];
    for (case, client, version) in cases {
        let res = client.build().expect("client").get(format!("{base}/healthz")).send().await;
        let res = res.unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(res.status(), StatusCode::OK, "{case}");
        assert_eq!(res.version(), version, "{case}");
        let hsts = res.headers().get("strict-transport-security").and_then(|v| v.to_str().ok());
        assert_eq!(hsts, Some("max-age=31536000"), "{case}: HSTS over TLS");
    }

    // Errors travel the same way, with their JSON body.
    let client = client_trusting(&certificate).build().expect("client");
    let res = client.get(format!("{base}/api/v1/company")).send().await.expect("request");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().contains_key("strict-transport-security"));

    // A client that trusts another authority refuses the server; plain HTTP gets no answer.
    let stranger = client_trusting(&TestCertificate::new()).build().expect("client");
    assert!(stranger.get(format!("{base}/healthz")).send().await.is_err(), "the certificate is checked");
    let plain = reqwest::Client::builder().no_proxy().build().expect("client");
    let http = base.replacen("https://", "http://", 1);
    assert!(plain.get(format!("{http}/healthz")).send().await.is_err(), "no plain HTTP on the TLS port");
}

#[tokio::test]
async fn plain_http_sends_no_hsts() {
    let app = crate::support::spawn(Backend::Sqlite).await.expect("sqlite");
    let res = app.request(reqwest::Method::GET, "/healthz", None).await;
    assert!(!res.headers().contains_key("strict-transport-security"), "HSTS only over TLS");
}
