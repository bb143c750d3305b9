//! The demo account behind `carbonpass serve --demo`: created once, found again on later starts,
//! with a fresh live key each time so a new user can call the API a minute after cloning.

use super::{Access, Tenants};
use crate::DomainError;
use crate::model::{
    Company, GeneratedKey, KeyMode, MembershipRole, NewCompany, NewSite, NewUser, Passport, Plan, ReportingYearStart,
    User,
};

pub const DEMO_COMPANY_SLUG: &str = "acme-industries";
pub const DEMO_USER_EMAIL: &str = "demo@acme-industries.example";

#[derive(Debug)]
pub struct DemoAccount {
    pub company: Company,
    pub user: User,
    pub key: GeneratedKey,
}

/// Finds or creates the demo company, its site and user, and issues a fresh live key.
pub async fn ensure_demo(tenants: &Tenants, access: &Access) -> Result<DemoAccount, DomainError> {
    let company = match tenants.find_company_by_slug(DEMO_COMPANY_SLUG).await? {
        Some(company) => company,
        None => {
            let company = tenants.create_company(demo_company()).await?;
            let site = NewSite { name: "Birmingham Warehouse".into(), city: "Birmingham".into(), employee_count: 28 };
            tenants.add_site(&company.id, site).await?;
            company
        }
    };
    let user = match tenants.find_user_by_email(DEMO_USER_EMAIL).await? {
        Some(user) => user,
        None => tenants.create_user(NewUser { email: DEMO_USER_EMAIL.into(), name: "Demo User".into() }).await?,
    };
    tenants.add_member(&user.id, &company.id, MembershipRole::Owner).await?;
    let holder = access.operator_key_holder(&user.id, &company.id, KeyMode::Live).await?;
    let (_, key) = access.issue_key(&holder, "demo").await?;
    Ok(DemoAccount { company, user, key })
}

fn demo_company() -> NewCompany {
    NewCompany {
        name: "Acme Industries Ltd".into(),
        sector: "Manufacturing".into(),
        city: "Birmingham".into(),
        employee_count: 42,
        plan: Plan::Business,
        passport: Passport { slug: DEMO_COMPANY_SLUG.into(), activated: true },
        reporting_year_start: ReportingYearStart::APRIL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ApiKeyId, ApiKeyRecord, KeyHash, Site, SiteId, UserId};
    use crate::services::testing::company_from;
    use crate::services::{access, tenants};

    /// The demo spans two areas: their mocks side by side.
    #[derive(Default)]
    struct Mocks {
        tenants: tenants::test_support::Mocks,
        access: access::test_support::Mocks,
    }

    fn ensure(m: Mocks) -> Result<DemoAccount, DomainError> {
        pollster::block_on(ensure_demo(&m.tenants.into_service(), &m.access.into_service()))
    }

    fn company() -> Company {
        company_from(demo_company(), "comp_demo")
    }

    fn user() -> User {
        User { id: UserId::parse("usr_demo").expect("id"), email: DEMO_USER_EMAIL.into(), name: "Demo User".into() }
    }

    fn expect_key_issued(m: &mut Mocks) {
        m.tenants.users.expect_add_membership().times(1).returning(|_, _, _| Ok(()));
        m.access.users.expect_is_member().returning(|_, _| Ok(true));
        m.access.codec.expect_generate().returning(|_| GeneratedKey {
            plaintext: "cp_live_fresh".into(),
            hash: KeyHash("h".into()),
            display_prefix: "cp_live_fres".into(),
        });
        m.access.keys.expect_insert_key().times(1).returning(|new, _| {
            Ok(ApiKeyRecord {
                id: ApiKeyId::parse("key_k").expect("id"),
                user_id: new.user_id,
                company_id: new.company_id,
                mode: new.mode,
                display_prefix: new.display_prefix,
                name: new.name,
                created_at: chrono::Utc::now(),
                last_used_at: None,
                revoked_at: None,
                expires_at: None,
            })
        });
    }

    #[test]
    fn an_empty_database_gets_the_demo_company_site_user_and_a_key() {
        let mut m = Mocks::default();
        m.tenants.companies.expect_find_company_by_slug().returning(|_| Ok(None));
        m.tenants
            .companies
            .expect_create_company()
            .withf(|new| new.name == "Acme Industries Ltd" && new.plan == Plan::Business)
            .times(1)
            .returning(|_| Ok(company()));
        m.tenants.companies.expect_create_site().times(1).returning(|_, new| {
            Ok(Site {
                id: SiteId::parse("site_s").expect("id"),
                name: new.name,
                city: new.city,
                employee_count: new.employee_count,
            })
        });
        m.tenants.users.expect_find_user_by_email().returning(|_| Ok(None));
        m.tenants.users.expect_create_user().times(1).returning(|_| Ok(user()));
        expect_key_issued(&mut m);
        let demo = ensure(m).expect("demo");
        assert_eq!(demo.company.id.as_str(), "comp_demo");
        assert_eq!(demo.key.plaintext, "cp_live_fresh");
    }

    #[test]
    fn a_later_start_finds_the_demo_again_and_only_issues_a_key() {
        let mut m = Mocks::default();
        m.tenants.companies.expect_find_company_by_slug().returning(|_| Ok(Some(company())));
        m.tenants.companies.expect_create_company().never();
        m.tenants.companies.expect_create_site().never();
        m.tenants.users.expect_find_user_by_email().returning(|_| Ok(Some(user())));
        m.tenants.users.expect_create_user().never();
        expect_key_issued(&mut m);
        let demo = ensure(m).expect("demo");
        assert_eq!(demo.user.id.as_str(), "usr_demo");
    }
}
