//! Reading the catalogue of activity types (`GET /activity-types`): the same for every tenant,
//! read by any role.

use super::Activities;
use crate::DomainError;
use crate::activities::{ActivityType, Family};
use crate::calculation::Scope;
use crate::model::{Action, Tenant};
use crate::services::paging::{Page, cut};

/// Which types to list: all of them, or those of a family, scope or scope 3 category.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeFilter {
    pub family: Option<Family>,
    /// The scope of the activity's own row.
    pub scope: Option<Scope>,
    /// A category some row of the type counts in (freight is in 4 and 9, a company car's
    /// well-to-tank row in 3).
    pub category: Option<u8>,
}

impl TypeFilter {
    fn admits(&self, t: &ActivityType) -> bool {
        self.family.is_none_or(|f| t.family == f)
            && self.scope.is_none_or(|s| t.scope() == s)
            && self.category.is_none_or(|c| t.categories().contains(&c))
    }
}

impl Activities {
    /// A page of the catalogue, by id.
    #[tracing::instrument(name = "activities.types", skip_all)]
    pub fn types(
        &self,
        tenant: &Tenant,
        filter: &TypeFilter,
        page: Page<String>,
    ) -> Result<(Vec<&ActivityType>, bool), DomainError> {
        tenant.require(Action::Read)?;
        if let Some(category) = filter.category
            && !(1..=15).contains(&category)
        {
            return Err(DomainError::invalid("category", "must be a scope 3 category, 1 to 15"));
        }
        let types: Vec<&ActivityType> = self.catalogue.types().filter(|t| filter.admits(t)).collect();
        cut(types, |t| &t.id, &page, "activity type of this list")
    }

    /// One type of the catalogue.
    pub fn activity_type(&self, tenant: &Tenant, id: &str) -> Result<&ActivityType, DomainError> {
        tenant.require(Action::Read)?;
        self.catalogue.get(id).ok_or(DomainError::not_found("activity type"))
    }
}
