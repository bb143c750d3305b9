//! A premises of a company.

use super::company::require_text;
use super::ids::SiteId;
use crate::DomainError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub id: SiteId,
    pub name: String,
    pub city: String,
    pub employee_count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSite {
    pub name: String,
    pub city: String,
    pub employee_count: u32,
}

impl NewSite {
    pub fn validate(&self) -> Result<(), DomainError> {
        require_text("name", &self.name, 200)?;
        require_text("city", &self.city, 200)
    }
}
