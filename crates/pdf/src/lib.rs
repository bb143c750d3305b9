//! PDF adapter: lays a Carbon Reduction Plan out with typst, used as a library. The template
//! (`plan.typ`) and the fonts are compiled into the binary; the plan reaches the template as a
//! JSON file through our own `World`, so its text is only ever shown, never run as markup.
//!
//! Typst is slow to build, so it lives here alone: the rest of the workspace builds without it.

mod data;
mod queue;
mod world;

use std::time::Instant;

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::crp::CarbonReductionPlan;
use carbonpass_domain::model::CompanyId;
use carbonpass_domain::ports::{PlanRenderer, StillAllowed};
use typst_layout::PagedDocument;

use data::PlanData;
use world::PlanWorld;

pub use queue::{FairQueue, QueueConfig, Refused};

/// Renders plans to PDF on the blocking threads, a few at a time, each tenant's renders taking
/// turns with the others' (`queue`): a layout takes a core for tens of milliseconds (at most
/// about a second for the largest inputs allowed, docs/performance.md), so requests beyond the
/// concurrency wait, boundedly.
#[derive(Debug, Clone)]
pub struct TypstRenderer {
    queue: FairQueue,
    /// The public origin passports are served on: a plan says where it is published.
    public_base_url: String,
}

impl TypstRenderer {
    pub fn new(config: QueueConfig, public_base_url: String) -> Self {
        Self { queue: FairQueue::new(config), public_base_url: public_base_url.trim_end_matches('/').to_owned() }
    }
}

/// Lays `plan` out and writes it as PDF bytes, on the calling thread, without saying where it is
/// published.
pub fn render(plan: &CarbonReductionPlan) -> Result<Vec<u8>, DomainError> {
    render_published_at(plan, None)
}

/// Lays `plan` out, stating that it is published at `url` (the company's passport).
pub fn render_published_at(plan: &CarbonReductionPlan, url: Option<&str>) -> Result<Vec<u8>, DomainError> {
    let data = serde_json::to_vec(&PlanData::of(plan, url)).map_err(|e| DomainError::Internal(e.to_string()))?;
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

    async fn render_pdf(
        &self,
        company: &CompanyId,
        plan: &CarbonReductionPlan,
        passport_slug: Option<String>,
        still_allowed: StillAllowed,
    ) -> Result<Vec<u8>, DomainError> {
        let url = passport_slug.map(|slug| format!("{}/company/{slug}", self.public_base_url));
        let turn = self.queue.turn(company.as_str()).await.map_err(|refused| {
            metrics::counter!("carbonpass_pdf_refused_total", "reason" => refused.as_str()).increment(1);
            DomainError::Unavailable(format!("the PDF renderer is busy ({})", refused.as_str()))
        })?;
        // The caller may have lost access while it waited (a key revoked, a consultant removed).
        still_allowed.await?;
        let plan = plan.clone();
        let started = Instant::now();
        // The turn moves into the blocking task: the slot is held exactly while a core lays
        // out, even if the request goes away meanwhile, and never while the bytes are sent.
        let rendered = tokio::task::spawn_blocking(move || {
            let pdf = render_published_at(&plan, url.as_deref());
            drop(turn);
            pdf
        })
        .await
        .map_err(|e| DomainError::Internal(format!("the PDF layout stopped: {e}")))?;
        metrics::histogram!("carbonpass_pdf_render_seconds").record(started.elapsed().as_secs_f64());
        rendered
    }
}
