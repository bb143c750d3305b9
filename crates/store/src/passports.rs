//! Public passports: the live, activated company behind a slug, what its passport may show, and
//! the owner's switch.

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::crp::{CarbonReductionPlan, PlanStatus};
use carbonpass_domain::model::{Company, CompanyId, DataVersion};
use carbonpass_domain::ports::PassportRepository;
use diesel::prelude::*;

use crate::companies::CompanyRow;
use crate::schema::{activity_totals, companies, crp_plans, emission_totals};
use crate::{Store, StoreError};

#[async_trait]
impl PassportRepository for Store {
    async fn activated_passport(&self, slug: &str) -> Result<Option<(Company, DataVersion)>, DomainError> {
        let slug = slug.to_owned();
        let row = self
            .read(move |conn| {
                Ok(companies::table
                    .filter(companies::passport_slug.eq(&slug))
                    .filter(companies::sandbox_of.is_null())
                    .filter(companies::passport_activated.eq(true))
                    .select((CompanyRow::as_select(), companies::revision))
                    .first::<(CompanyRow, i64)>(conn)
                    .optional()?)
            })
            .await?;
        match row {
            Some((row, revision)) => Ok(Some((Company::try_from(row)?, DataVersion(revision)))),
            None => Ok(None),
        }
    }

    async fn reporting_periods(&self, company: &CompanyId) -> Result<Vec<String>, DomainError> {
        let company = company.as_str().to_owned();
        Ok(self
            .snapshot(move |conn| {
                // A voided record leaves its totals rows at zero contributions: such a period has
                // nothing confirmed left in it.
                let mut periods: Vec<String> = emission_totals::table
                    .filter(emission_totals::company_id.eq(&company))
                    .filter(emission_totals::contributions.gt(0))
                    .select(emission_totals::reporting_period)
                    .distinct()
                    .load(conn)?;
                periods.extend(
                    activity_totals::table
                        .filter(activity_totals::company_id.eq(&company))
                        .filter(activity_totals::contributions.gt(0))
                        .select(activity_totals::reporting_period)
                        .distinct()
                        .load::<String>(conn)?,
                );
                // Labels (`2025-26`) order as their periods do.
                periods.sort_unstable_by(|a, b| b.cmp(a));
                periods.dedup();
                Ok::<_, StoreError>(periods)
            })
            .await?)
    }

    async fn published_plan(&self, company: &CompanyId) -> Result<Option<CarbonReductionPlan>, DomainError> {
        let company = company.as_str().to_owned();
        let row = self
            .read(move |conn| {
                let id: Option<String> = crp_plans::table
                    .filter(crp_plans::company_id.eq(&company))
                    .filter(crp_plans::status.eq(PlanStatus::Published.as_str()))
                    .select(crp_plans::id)
                    .first(conn)
                    .optional()?;
                match id {
                    Some(id) => crate::plans::find(conn, &company, &id),
                    None => Ok(None),
                }
            })
            .await?;
        row.map(crate::plans::plan).transpose()
    }

    async fn set_passport_activated(&self, company: &CompanyId, activated: bool) -> Result<DataVersion, DomainError> {
        let company = company.as_str().to_owned();
        let revision = self
            .transaction(move |conn| {
                let changed = diesel::update(companies::table.filter(companies::id.eq(&company)))
                    .set(companies::passport_activated.eq(activated))
                    .execute(conn)?;
                if changed == 0 {
                    return Ok(None);
                }
                // Read after the update's trigger bumped it.
                Ok(Some(
                    companies::table
                        .filter(companies::id.eq(&company))
                        .select(companies::revision)
                        .first::<i64>(conn)?,
                ))
            })
            .await?;
        revision.map(DataVersion).ok_or(DomainError::not_found("company"))
    }
}
