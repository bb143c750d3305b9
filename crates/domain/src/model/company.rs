//! A customer organisation, its plan and passport, and the view `/company` returns.

use std::fmt;
use std::str::FromStr;

use super::emissions::PeriodTotals;
use super::ids::CompanyId;
use super::site::Site;
use super::version::DataVersion;
use crate::DomainError;

/// What a company pays for; it decides whether its keys may call the API at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Starter,
    Business,
    Partner,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Starter, Plan::Business, Plan::Partner];

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Starter => "starter",
            Plan::Business => "business",
            Plan::Partner => "partner",
        }
    }

    /// API access is sold on Business and Partner plans only.
    pub fn has_api_access(self) -> bool {
        matches!(self, Plan::Business | Plan::Partner)
    }
}

impl FromStr for Plan {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "starter" => Ok(Plan::Starter),
            "business" => Ok(Plan::Business),
            "partner" => Ok(Plan::Partner),
            other => Err(DomainError::invalid(
                "plan",
                format!("unknown plan {other:?}; expected starter, business or partner"),
            )),
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first month (1–12) of a company's reporting year. April unless the company says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportingYearStart(u8);

impl ReportingYearStart {
    pub const APRIL: Self = Self(4);

    pub fn new(month: u32) -> Result<Self, DomainError> {
        u8::try_from(month)
            .ok()
            .filter(|m| (1..=12).contains(m))
            .map(Self)
            .ok_or_else(|| DomainError::invalid("reportingYearStartMonth", "must be a month from 1 to 12"))
    }

    pub fn month(self) -> u32 {
        u32::from(self.0)
    }
}

impl Default for ReportingYearStart {
    fn default() -> Self {
        Self::APRIL
    }
}

/// The public page a company can show to buyers: its URL slug and whether it is switched on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passport {
    pub slug: String,
    pub activated: bool,
}

/// A slug is what goes after `/company/` in a passport URL: lowercase ASCII letters, digits and
/// single hyphens, 2–64 characters.
pub fn validate_slug(slug: &str) -> Result<(), DomainError> {
    let ok = (2..=64).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid("passportSlug", "must be 2-64 lowercase letters, digits and single hyphens"))
    }
}

/// Derives a slug from a company name: "Acme Industries Ltd" → "acme-industries-ltd".
pub fn slug_from_name(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug.truncate(64);
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.len() < 2 {
        slug = "company".to_owned();
    }
    slug
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub sector: String,
    pub city: String,
    pub employee_count: u32,
    pub plan: Plan,
    pub passport: Passport,
    pub reporting_year_start: ReportingYearStart,
    /// True for the sandbox twin that test keys act on.
    pub sandbox: bool,
}

/// What an operator gives to create a company. Validated by [`NewCompany::validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCompany {
    pub name: String,
    pub sector: String,
    pub city: String,
    pub employee_count: u32,
    pub plan: Plan,
    pub passport: Passport,
    pub reporting_year_start: ReportingYearStart,
}

impl NewCompany {
    pub fn validate(&self) -> Result<(), DomainError> {
        require_text("name", &self.name, 200)?;
        require_text("sector", &self.sector, 200)?;
        require_text("city", &self.city, 200)?;
        validate_slug(&self.passport.slug)
    }
}

/// Non-blank plain text of at most `max` characters. Names are shown to operators in terminals,
/// so they must hold no control characters (an escape sequence would drive the terminal).
pub(crate) fn require_text(field: &'static str, value: &str, max: usize) -> Result<(), DomainError> {
    match super::text::plain_text(field, value, max)? {
        Some(_) => Ok(()),
        None => Err(DomainError::invalid(field, "must not be blank")),
    }
}

/// Everything `GET /company` shows: the profile, its sites and the latest emissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyOverview {
    pub company: Company,
    pub sites: Vec<Site>,
    /// Company-wide totals of the latest reporting period with confirmed data; `None` before any.
    pub current_emissions: Option<PeriodTotals>,
    /// The version of the tenant's data this overview was read at.
    pub version: DataVersion,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_business_and_partner_reach_the_api() {
        assert!(!Plan::Starter.has_api_access());
        assert!(Plan::Business.has_api_access());
        assert!(Plan::Partner.has_api_access());
    }

    #[test]
    fn plans_round_trip_through_text() {
        for plan in [Plan::Starter, Plan::Business, Plan::Partner] {
            assert_eq!(plan.as_str().parse::<Plan>().ok(), Some(plan));
        }
        assert!("enterprise".parse::<Plan>().is_err());
    }

    #[test]
    fn names_shown_in_terminals_refuse_control_characters() {
        let company = |name: &str| NewCompany {
            name: name.into(),
            sector: "Retail".into(),
            city: "Leeds".into(),
            employee_count: 3,
            plan: Plan::Business,
            passport: Passport { slug: "acme".into(), activated: false },
            reporting_year_start: ReportingYearStart::default(),
        };
        assert!(company("Acme Ltd").validate().is_ok());
        for bad in ["Acme\u{1b}[2J Ltd", "Acme\nLtd", "Acme\u{7}", "Acme\u{202E}dtL", "   "] {
            assert!(matches!(company(bad).validate(), Err(DomainError::Invalid { .. })), "{bad:?}");
        }
        let site = |name: &str| crate::model::NewSite { name: name.into(), city: "Leeds".into(), employee_count: 1 };
        assert!(site("Leeds Depot").validate().is_ok());
        assert!(site("Depot\r\u{1b}]0;owned\u{7}").validate().is_err());
    }

    #[test]
    fn reporting_year_start_is_a_month() {
        assert!(ReportingYearStart::new(0).is_err());
        assert!(ReportingYearStart::new(13).is_err());
        assert_eq!(ReportingYearStart::new(1).map(|m| m.month()).ok(), Some(1));
        assert_eq!(ReportingYearStart::default().month(), 4);
    }

    #[test]
    fn slugs_come_from_names() {
        assert_eq!(slug_from_name("Acme Industries Ltd"), "acme-industries-ltd");
        assert_eq!(slug_from_name("  B&Q -- Stores!  "), "b-q-stores");
        assert_eq!(slug_from_name("!!"), "company");
    }

    proptest! {
        #[test]
        fn derived_slugs_are_always_valid(name in "\\PC{0,300}") {
            prop_assert!(validate_slug(&slug_from_name(&name)).is_ok());
        }
    }
}
