//! Reading a company's overview; creating companies and sites (operators).

use super::Services;
use crate::DomainError;
use crate::model::{Company, CompanyId, CompanyOverview, NewCompany, NewSite, Principal, Site};

impl Services {
    /// What `GET /company` shows to the caller: their own data space, never another.
    pub async fn company_overview(&self, principal: &Principal) -> Result<CompanyOverview, DomainError> {
        self.companies.overview(&principal.company_id).await?.ok_or(DomainError::not_found("company"))
    }

    /// Creates a company with its sandbox twin.
    pub async fn create_company(&self, new: NewCompany) -> Result<Company, DomainError> {
        new.validate()?;
        self.companies.create_company(new).await
    }

    /// Adds a site to a live company (and its twin to the sandbox).
    pub async fn add_site(&self, company: &CompanyId, new: NewSite) -> Result<Site, DomainError> {
        new.validate()?;
        self.companies.create_site(company, new).await
    }

    pub async fn list_companies(&self) -> Result<Vec<Company>, DomainError> {
        self.companies.list_companies().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ApiKeyId, KeyMode, Passport, Plan, ReportingYearStart, UserId};
    use crate::usecases::test_support::Mocks;

    fn new_company(name: &str) -> NewCompany {
        NewCompany {
            name: name.into(),
            sector: "Manufacturing".into(),
            city: "Birmingham".into(),
            employee_count: 42,
            plan: Plan::Business,
            passport: Passport { slug: "acme".into(), activated: false },
            reporting_year_start: ReportingYearStart::APRIL,
        }
    }

    #[test]
    fn overview_reads_only_the_principals_company() {
        let mut m = Mocks::default();
        m.companies.expect_overview().withf(|id| id.as_str() == "comp_mine").times(1).returning(|_| Ok(None));
        let principal = Principal {
            key_id: ApiKeyId::parse("key_k").expect("id"),
            user_id: UserId::parse("usr_u").expect("id"),
            company_id: CompanyId::parse("comp_mine").expect("id"),
            mode: KeyMode::Live,
        };
        let result = pollster::block_on(m.into_services().company_overview(&principal));
        assert!(matches!(result, Err(DomainError::NotFound { entity: "company" })));
    }

    #[test]
    fn invalid_companies_never_reach_the_store() {
        let mut m = Mocks::default();
        m.companies.expect_create_company().never();
        let result = pollster::block_on(m.into_services().create_company(new_company("   ")));
        assert!(matches!(result, Err(DomainError::Invalid { field: "name", .. })));
    }

    #[test]
    fn invalid_sites_never_reach_the_store() {
        let mut m = Mocks::default();
        m.companies.expect_create_site().never();
        let site = NewSite { name: "Depot".into(), city: "".into(), employee_count: 3 };
        let company = CompanyId::parse("comp_c").expect("id");
        let result = pollster::block_on(m.into_services().add_site(&company, site));
        assert!(matches!(result, Err(DomainError::Invalid { field: "city", .. })));
    }
}
