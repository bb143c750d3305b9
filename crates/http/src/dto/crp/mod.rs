//! `/api/v1/crp-inputs` and `/api/v1/crp`: the CRP inputs document, plans in the seed's shape,
//! and a plan's frozen content (`?expand=content`).

mod content;
mod inputs_in;
mod inputs_out;
mod plans;

pub(crate) use inputs_in::*;
pub(crate) use inputs_out::*;
pub(crate) use plans::*;

use carbonpass_domain::crp::{CrpInputs, StoredInputs};

/// The CRP inputs document read from JSON text exactly as `PUT /api/v1/crp-inputs` reads it (for
/// the CLI, which takes the same file).
pub fn crp_inputs_from_json(text: &str) -> Result<CrpInputs, crate::ApiError> {
    let body: CrpInputsIn = serde_json::from_str(text)
        .map_err(|e| crate::ApiError::from(actix_web::error::JsonPayloadError::Deserialize(e)))?;
    Ok(CrpInputs::try_from(body)?)
}

/// The CRP inputs as `GET /api/v1/crp-inputs` writes them (its `data`), pretty-printed.
pub fn crp_inputs_to_json(stored: Option<&StoredInputs>) -> String {
    serde_json::to_string_pretty(&CrpInputsOut::of(stored)).unwrap_or_default()
}
