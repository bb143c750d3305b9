//! Wire shapes: what the API sends (`…Out`) and accepts (`…In`), converted from and into domain
//! types here and nowhere else. Field names follow the public contract (camelCase).

pub(crate) mod activities;
pub(crate) mod activity_import;
pub(crate) mod bills;
pub(crate) mod calculation;
pub(crate) mod commuting;
pub(crate) mod company;
pub(crate) mod crp;
pub(crate) mod emissions;
pub(crate) mod events;
pub(crate) mod figures;
pub(crate) mod health;
pub(crate) mod keys;
pub(crate) mod market;
pub(crate) mod passport;
pub(crate) mod schema;
pub(crate) mod time;
pub(crate) mod webhooks;

use carbonpass_domain::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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

/// A page of a list: `nextCursor` is the value to send as `cursor` for the next page, or `null`
/// on the last one.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(
    description = "A page of a list, newest first: pass `nextCursor` as `cursor` for the next page; it is `null` on the last."
)]
pub(crate) struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<'a, T> Page<T> {
    /// The page of `items` on the wire; when `more` follow, the cursor is the last one's id.
    pub fn of<I>(items: &'a [I], more: bool, id: impl Fn(&I) -> String, out: impl Fn(&'a I) -> T) -> Self {
        let next_cursor = if more { items.last().map(id) } else { None };
        Self { data: items.iter().map(out).collect(), next_cursor }
    }
}

/// `limit` and `cursor`: the query of a list with nothing else to filter by.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQueryIn {
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQueryIn {
    /// The page asked for, its cursor read as an id by `parse`.
    pub fn page<Id>(
        self,
        parse: impl Fn(&str) -> Option<Id>,
    ) -> Result<carbonpass_domain::services::paging::Page<Id>, DomainError> {
        Ok(carbonpass_domain::services::paging::Page {
            after: cursor(self.cursor, parse)?,
            limit: self.limit.unwrap_or(20),
        })
    }
}

/// The id a `cursor` query parameter carries: a cursor is the id of a page's last item.
pub(crate) fn cursor<Id>(raw: Option<String>, parse: impl Fn(&str) -> Option<Id>) -> Result<Option<Id>, DomainError> {
    raw.map(|c| parse(&c).ok_or(DomainError::invalid("cursor", "is not a cursor this API gave"))).transpose()
}
