//! Reading a company's overview; creating companies and sites (operators).

use std::sync::Arc;

use super::Tenants;
use crate::DomainError;
use crate::model::{Company, CompanyId, CompanyOverview, NewCompany, NewSite, Site, Tenant};

impl Tenants {
    /// What `GET /company` shows: the tenant's own data space, never another. Served from
    /// memory while no write to the tenant's data has happened since it was read.
    #[tracing::instrument(name = "tenants.company_overview", skip_all)]
    pub async fn company_overview(&self, tenant: &Tenant) -> Result<Arc<CompanyOverview>, DomainError> {
        self.overviews.of(tenant).await
    }

    /// The tenant an operator names at the CLI: the live company `company`, or with `sandbox`
    /// its sandbox twin. `NotFound` if there is no such live company.
    #[tracing::instrument(name = "tenants.operator_tenant", skip_all)]
    pub async fn operator_tenant(&self, company: &CompanyId, sandbox: bool) -> Result<Tenant, DomainError> {
        self.overviews.operator_tenant(company, sandbox).await
    }

    /// The overviews this area serves, shared with the areas that read them.
    pub fn overviews(&self) -> &super::Overviews {
        &self.overviews
    }

    /// Creates a company with its sandbox twin.
    #[tracing::instrument(name = "tenants.create_company", skip_all)]
    pub async fn create_company(&self, new: NewCompany) -> Result<Company, DomainError> {
        new.validate()?;
        self.companies.create_company(new).await
    }

    /// Adds a site to a live company (and its twin to the sandbox).
    #[tracing::instrument(name = "tenants.add_site", skip_all)]
    pub async fn add_site(&self, company: &CompanyId, new: NewSite) -> Result<Site, DomainError> {
        new.validate()?;
        self.companies.create_site(company, new).await
    }

    /// A live company by its passport slug.
    #[tracing::instrument(name = "tenants.find_company_by_slug", skip_all)]
    pub async fn find_company_by_slug(&self, slug: &str) -> Result<Option<Company>, DomainError> {
        self.companies.find_company_by_slug(slug).await
    }

    #[tracing::instrument(name = "tenants.list_companies", skip_all)]
    pub async fn list_companies(&self) -> Result<Vec<Company>, DomainError> {
        self.companies.list_companies().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DataVersion, Passport, Plan, ReportingYearStart};
    use crate::services::tenants::test_support::Mocks;
    use crate::services::testing::company_from;

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
        let tenant = Tenant { data_version: DataVersion(0), ..caller_at(0) };
        let result = pollster::block_on(m.into_service().company_overview(&tenant));
        assert!(matches!(result, Err(DomainError::NotFound { entity: "company" })));
    }

    fn overview_at(version: i64) -> CompanyOverview {
        CompanyOverview {
            company: company_from(new_company(&format!("Acme v{version}")), "comp_mine"),
            sites: vec![],
            current_emissions: None,
            version: DataVersion(version),
        }
    }

    fn caller_at(version: i64) -> Tenant {
        Tenant {
            company: CompanyId::parse("comp_mine").expect("id"),
            data_version: DataVersion(version),
            role: crate::model::Role::Owner,
            key_rolled: false,
        }
    }

    #[test]
    fn an_unchanged_tenant_is_read_once_and_a_changed_one_again() {
        let mut m = Mocks::default();
        let mut reads = mockall::Sequence::new();
        m.companies.expect_overview().times(1).in_sequence(&mut reads).returning(|_| Ok(Some(overview_at(1))));
        m.companies.expect_overview().times(1).in_sequence(&mut reads).returning(|_| Ok(Some(overview_at(2))));
        let services = m.into_service();
        let first = pollster::block_on(services.company_overview(&caller_at(1))).expect("read");
        let again = pollster::block_on(services.company_overview(&caller_at(1))).expect("cached");
        assert_eq!(first.company.name, "Acme v1");
        assert_eq!(again.company.name, "Acme v1");
        let after_write = pollster::block_on(services.company_overview(&caller_at(2))).expect("re-read");
        assert_eq!(after_write.company.name, "Acme v2", "a write is visible to the next read");
        let stats = services.overviews().stats();
        assert_eq!((stats.hits, stats.misses), (1, 2), "one read served from memory");
    }

    #[test]
    fn invalid_companies_never_reach_the_store() {
        let mut m = Mocks::default();
        m.companies.expect_create_company().never();
        let result = pollster::block_on(m.into_service().create_company(new_company("   ")));
        assert!(matches!(result, Err(DomainError::Invalid { field: "name", .. })));
    }

    #[test]
    fn invalid_sites_never_reach_the_store() {
        let mut m = Mocks::default();
        m.companies.expect_create_site().never();
        let site = NewSite { name: "Depot".into(), city: "".into(), employee_count: 3 };
        let company = CompanyId::parse("comp_c").expect("id");
        let result = pollster::block_on(m.into_service().add_site(&company, site));
        assert!(matches!(result, Err(DomainError::Invalid { field: "city", .. })));
    }
}
