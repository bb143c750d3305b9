//! Wire shapes: what the API sends (`…Out`) and accepts (`…In`), converted from and into domain
//! types here and nowhere else. Field names follow the public contract (camelCase).

pub(crate) mod bills;
pub(crate) mod calculation;
pub(crate) mod company;
pub(crate) mod crp;
pub(crate) mod emissions;
pub(crate) mod figures;
pub(crate) mod health;
pub(crate) mod keys;
pub(crate) mod schema;
pub(crate) mod time;

use serde::Serialize;
use utoipa::ToSchema;

/// Every successful body is `{"data": …}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(description = "A successful response: `data` holds the result.")]
pub(crate) struct Envelope<T> {
    pub data: T,
}

impl<T> Envelope<T> {
    pub fn of(data: T) -> Self {
        Self { data }
    }
}
