//! `GET /metrics` in the Prometheus text format, on a listener of its own (`metrics_bind`), never
//! on the public one: what the adapters record through the `metrics` facade (requests, the
//! database pool, webhook delivery, PDF rendering, rate limits, sweeps). Without `metrics_bind`
//! no recorder is installed, and recording costs nothing.

use std::net::{SocketAddr, TcpListener};
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::startup::StartError;

/// Latency buckets in seconds: from a cached read (a millisecond) to a webhook's timeout.
const SECONDS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0];

/// The process's one recorder (a recorder is global; a second server in the same process, as in
/// tests, shares it).
static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

fn recorder() -> Result<PrometheusHandle, StartError> {
    if let Some(handle) = RECORDER.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets(&SECONDS)
        .map_err(|e| StartError::Metrics(format!("buckets: {e}")))?
        .install_recorder()
        .map_err(|e| StartError::Metrics(format!("recorder: {e}")))?;
    Ok(RECORDER.get_or_init(|| handle).clone())
}

async fn render(handle: web::Data<PrometheusHandle>) -> HttpResponse {
    handle.run_upkeep();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(handle.render())
}

/// Installs the recorder and serves it on `bind` (one worker: a scrape every few seconds).
/// Returns the address bound (port 0 picks one).
pub fn serve(bind: &str) -> Result<SocketAddr, StartError> {
    let handle = recorder()?;
    let listener = TcpListener::bind(bind)
        .map_err(|source| StartError::Io { context: format!("binding metrics_bind {bind}"), source })?;
    let address =
        listener.local_addr().map_err(|source| StartError::Io { context: "reading metrics_bind".into(), source })?;
    let data = web::Data::new(handle.clone());
    let server = HttpServer::new(move || App::new().app_data(data.clone()).route("/metrics", web::get().to(render)))
        .workers(1)
        .max_connections(64)
        .disable_signals()
        .listen(listener)
        .map_err(|source| StartError::Io { context: "listening on metrics_bind".into(), source })?
        .run();
    tokio::spawn(server);
    // Histograms and idle series are tidied now and then, not only when scraped.
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            handle.run_upkeep();
        }
    });
    tracing::info!(%address, "serving metrics");
    Ok(address)
}
