//! PDF adapter: lays a Carbon Reduction Plan out with typst, used as a library. The template
//! (`plan.typ`) and the fonts are compiled into the binary; the plan reaches the template as a
//! JSON file through our own `World`, so its text is only ever shown, never run as markup.
//!
//! Typst is slow to build, so it lives here alone: the rest of the workspace builds without it.

mod data;
mod world;

use std::sync::Arc;

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::crp::CarbonReductionPlan;
use carbonpass_domain::ports::PlanRenderer;
use tokio::sync::Semaphore;
use typst_layout::PagedDocument;

use data::PlanData;
use world::PlanWorld;

/// Renders plans to PDF on the blocking threads, a few at a time: a layout takes a core for tens
/// of milliseconds and some megabytes, so requests beyond `concurrency` wait their turn.
#[derive(Debug, Clone)]
pub struct TypstRenderer {
    permits: Arc<Semaphore>,
}

impl TypstRenderer {
    pub fn new(concurrency: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(concurrency.max(1))) }
    }
}

/// Lays `plan` out and writes it as PDF bytes, on the calling thread.
pub fn render(plan: &CarbonReductionPlan) -> Result<Vec<u8>, DomainError> {
    let data = serde_json::to_vec(&PlanData::of(plan)).map_err(|e| DomainError::Internal(e.to_string()))?;
    let world = PlanWorld::new(data);
    let document = typst::compile::<PagedDocument>(&world).output.map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        DomainError::Internal(format!("the plan template failed: {}", messages.join("; ")))
    })?;
    let pdf = typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        DomainError::Internal(format!("the PDF export failed: {}", messages.join("; ")))
    })?;
    // typst memoises layouts across compilations; each plan is laid out once, so keep nothing.
    typst::comemo::evict(0);
    Ok(pdf)
}

/// What the plan's typeface (Libertinus Serif) covers, for people.
pub const SCRIPTS: &str = "Latin, Greek, Cyrillic and Hebrew letters, digits and common punctuation and symbols";

/// The first character of `text` the plan's typeface cannot show.
pub fn unshowable(text: &str) -> Option<char> {
    world::unshowable(text)
}

#[async_trait]
impl PlanRenderer for TypstRenderer {
    fn unshowable(&self, text: &str) -> Option<char> {
        unshowable(text)
    }

    fn scripts(&self) -> &'static str {
        SCRIPTS
    }

    async fn render_pdf(&self, plan: &CarbonReductionPlan) -> Result<Vec<u8>, DomainError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| DomainError::Unavailable("the PDF renderer is shut down".into()))?;
        let plan = plan.clone();
        tokio::task::spawn_blocking(move || render(&plan))
            .await
            .map_err(|e| DomainError::Internal(format!("the PDF layout stopped: {e}")))?
    }
}
