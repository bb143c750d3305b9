//! Logs: human-readable by default, JSON lines by option, to stderr (stdout is for command output,
//! such as a freshly issued key). Traces: the same spans, exported over OTLP/HTTP when
//! `otlp_endpoint` is set, and not otherwise (nothing is sent anywhere by default).

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::settings::{LogFormat, Settings};

/// Keeps the trace exporter running; dropping it sends the spans still buffered.
#[derive(Debug, Default)]
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.traces.take()
            && let Err(err) = provider.shutdown()
        {
            eprintln!("the last traces could not be exported: {err}");
        }
    }
}

pub fn init(settings: &Settings) -> Telemetry {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal: escape codes in a log file or a collector's
    // stream break searching it (`grep orphans_removed=1` would not match).
    let ansi = std::io::stderr().is_terminal();
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(ansi);
    let logs = match settings.log_format {
        LogFormat::Human => logs.boxed(),
        LogFormat::Json => logs.json().flatten_event(true).with_current_span(true).boxed(),
    };
    let (traces, provider) = match settings.otlp_endpoint.as_deref().map(tracer_provider) {
        Some(Ok(provider)) => {
            let tracer = provider.tracer("carbonpass");
            (Some(tracing_opentelemetry::layer().with_tracer(tracer)), Some(provider))
        }
        Some(Err(err)) => {
            eprintln!("otlp_endpoint: traces will not be exported: {err}");
            (None, None)
        }
        None => (None, None),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry().with(filter).with(logs).with(traces).try_init();
    Telemetry { traces: provider }
}

/// Batches spans on the exporter's own thread and posts them to `{endpoint}/v1/traces`.
fn tracer_provider(endpoint: &str) -> Result<SdkTracerProvider, String> {
    let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(url)
        .with_timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let resource = opentelemetry_sdk::Resource::builder().with_service_name("carbonpass").build();
    Ok(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
}
