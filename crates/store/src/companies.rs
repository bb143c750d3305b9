//! Companies (with their sandbox twins) and sites: rows, mapping, and the repository port.

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::model::{
    Company, CompanyId, CompanyOverview, DataVersion, Micrograms, NewCompany, NewSite, Passport, PeriodTotals, Plan,
    ReportingYearStart, Site, SiteId,
};
use carbonpass_domain::ports::CompanyRepository;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::bills::totals::{amount, summed_kilograms, summed_micrograms};
use crate::db::{DbConnection, db_now};
use crate::error::corrupt;
use crate::ids::mint;
use crate::reports::latest_period;
use crate::schema::{companies, emission_totals, sites};
use crate::{Store, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = companies)]
pub(crate) struct CompanyRow {
    pub id: String,
    pub sandbox_of: Option<String>,
    pub name: String,
    pub sector: String,
    pub city: String,
    pub employee_count: i32,
    pub plan: String,
    pub passport_slug: String,
    pub passport_activated: bool,
    pub reporting_year_start_month: i32,
    pub revision: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sites)]
pub(crate) struct SiteRow {
    pub id: String,
    pub company_id: String,
    pub name: String,
    pub city: String,
    pub employee_count: i32,
    pub created_at: NaiveDateTime,
}

fn count(what: &str, n: i32) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| corrupt(what, &n.to_string()))
}

fn to_count(n: u32) -> Result<i32, DomainError> {
    i32::try_from(n).map_err(|_| DomainError::invalid("employeeCount", "is too large"))
}

impl TryFrom<CompanyRow> for Company {
    type Error = StoreError;
    fn try_from(row: CompanyRow) -> Result<Self, StoreError> {
        let CompanyRow {
            id,
            sandbox_of,
            name,
            sector,
            city,
            employee_count,
            plan,
            passport_slug,
            passport_activated,
            reporting_year_start_month,
            revision: _,
            created_at: _,
        } = row;
        Ok(Company {
            id: CompanyId::parse(&id).ok_or_else(|| corrupt("company id", &id))?,
            name,
            sector,
            city,
            employee_count: count("employee count", employee_count)?,
            plan: plan.parse::<Plan>().map_err(|_| corrupt("plan", &plan))?,
            passport: Passport { slug: passport_slug, activated: passport_activated },
            reporting_year_start: u32::try_from(reporting_year_start_month)
                .ok()
                .and_then(|m| ReportingYearStart::new(m).ok())
                .ok_or_else(|| corrupt("reporting year start", &reporting_year_start_month.to_string()))?,
            sandbox: sandbox_of.is_some(),
        })
    }
}

impl TryFrom<SiteRow> for Site {
    type Error = StoreError;
    fn try_from(row: SiteRow) -> Result<Self, StoreError> {
        let SiteRow { id, company_id: _, name, city, employee_count, created_at: _ } = row;
        Ok(Site {
            id: SiteId::parse(&id).ok_or_else(|| corrupt("site id", &id))?,
            name,
            city,
            employee_count: count("employee count", employee_count)?,
        })
    }
}

impl CompanyRow {
    fn new(new: &NewCompany, sandbox_of: Option<&CompanyId>, now: NaiveDateTime) -> Result<Self, StoreError> {
        Ok(Self {
            id: mint::<carbonpass_domain::model::ids::CompanyKind>()?.into_string(),
            sandbox_of: sandbox_of.map(|id| id.as_str().to_owned()),
            name: new.name.clone(),
            sector: new.sector.clone(),
            city: new.city.clone(),
            employee_count: i32::try_from(new.employee_count).map_err(|_| corrupt("employee count", "too large"))?,
            plan: new.plan.as_str().to_owned(),
            passport_slug: new.passport.slug.clone(),
            passport_activated: new.passport.activated,
            reporting_year_start_month: i32::try_from(new.reporting_year_start.month()).unwrap_or(4),
            revision: 0,
            created_at: now,
        })
    }
}

/// The id of `live`'s sandbox twin, if `live` is a live company.
fn twin_of(conn: &mut DbConnection, live: &CompanyId) -> Result<Option<String>, StoreError> {
    Ok(companies::table
        .filter(companies::sandbox_of.eq(live.as_str()))
        .select(companies::id)
        .first::<String>(conn)
        .optional()?)
}

/// Company-wide scope totals of the latest reporting period with confirmed data, if any.
fn latest_period_totals(conn: &mut DbConnection, company: &CompanyId) -> Result<Option<PeriodTotals>, StoreError> {
    let Some(period) = latest_period(conn, company.as_str(), None)? else { return Ok(None) };
    let sums: Vec<(i32, i64, i64)> = emission_totals::table
        .filter(emission_totals::company_id.eq(company.as_str()))
        .filter(emission_totals::reporting_period.eq(&period))
        .group_by(emission_totals::scope)
        .select((emission_totals::scope, summed_kilograms(), summed_micrograms()))
        .load(conn)?;
    let scope =
        |n: i32| Micrograms(sums.iter().filter(|(s, _, _)| *s == n).map(|(_, kg, ug)| amount((*kg, *ug)).0).sum());
    Ok(Some(PeriodTotals { scope1: scope(1), scope2: scope(2), scope3: scope(3), reporting_period: period }))
}

#[async_trait]
impl CompanyRepository for Store {
    async fn create_company(&self, new: NewCompany) -> Result<Company, DomainError> {
        to_count(new.employee_count)?;
        let company = self
            .transaction(move |conn| {
                let now = db_now();
                let live = CompanyRow::new(&new, None, now)?;
                let live_id = CompanyId::parse(&live.id).ok_or_else(|| corrupt("company id", &live.id))?;
                let twin = CompanyRow::new(&new, Some(&live_id), now)?;
                diesel::insert_into(companies::table).values(&live).execute(conn)?;
                diesel::insert_into(companies::table).values(&twin).execute(conn)?;
                Company::try_from(live)
            })
            .await;
        match company {
            Err(StoreError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ))) => Err(DomainError::Conflict { message: "another company already has that passport slug".into() }),
            other => Ok(other?),
        }
    }

    async fn find_company_by_slug(&self, slug: &str) -> Result<Option<Company>, DomainError> {
        let slug = slug.to_owned();
        let row = self
            .read(move |conn| {
                Ok(companies::table
                    .filter(companies::passport_slug.eq(&slug))
                    .filter(companies::sandbox_of.is_null())
                    .select(CompanyRow::as_select())
                    .first(conn)
                    .optional()?)
            })
            .await?;
        Ok(row.map(Company::try_from).transpose()?)
    }

    async fn sandbox_twin(&self, live: &CompanyId) -> Result<CompanyId, DomainError> {
        let live = live.clone();
        let twin = self.read(move |conn| twin_of(conn, &live)).await?;
        twin.as_deref().and_then(CompanyId::parse).ok_or(DomainError::not_found("company"))
    }

    async fn overview(&self, company: &CompanyId) -> Result<Option<CompanyOverview>, DomainError> {
        let company = company.clone();
        let (rows, emissions) = self
            .snapshot(move |conn| {
                // One snapshot: the emissions are exactly those of the company row's data version,
                // so a copy cached under that version is never stale, and never half a change.
                let rows: Vec<(CompanyRow, Option<SiteRow>)> = companies::table
                    .left_join(sites::table)
                    .filter(companies::id.eq(company.as_str()))
                    .order((sites::created_at.asc(), sites::id.asc()))
                    .select((CompanyRow::as_select(), Option::<SiteRow>::as_select()))
                    .load(conn)?;
                let emissions = if rows.is_empty() { None } else { latest_period_totals(conn, &company)? };
                Ok((rows, emissions))
            })
            .await?;
        let mut rows = rows.into_iter();
        let Some((company_row, first_site)) = rows.next() else {
            return Ok(None);
        };
        let sites = first_site
            .into_iter()
            .chain(rows.filter_map(|(_, site)| site))
            .map(Site::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let version = DataVersion(company_row.revision);
        Ok(Some(CompanyOverview {
            version,
            company: Company::try_from(company_row)?,
            sites,
            current_emissions: emissions,
        }))
    }

    async fn create_site(&self, company: &CompanyId, new: NewSite) -> Result<Site, DomainError> {
        let employee_count = to_count(new.employee_count)?;
        let company = company.clone();
        let site = self
            .transaction(move |conn| {
                let Some(twin) = twin_of(conn, &company)? else {
                    return Ok(None);
                };
                let now = db_now();
                let make = |company_id: &str| -> Result<SiteRow, StoreError> {
                    Ok(SiteRow {
                        id: mint::<carbonpass_domain::model::ids::SiteKind>()?.into_string(),
                        company_id: company_id.to_owned(),
                        name: new.name.clone(),
                        city: new.city.clone(),
                        employee_count,
                        created_at: now,
                    })
                };
                let live = make(company.as_str())?;
                diesel::insert_into(sites::table).values(&live).execute(conn)?;
                diesel::insert_into(sites::table).values(&make(&twin)?).execute(conn)?;
                Ok(Some(live))
            })
            .await?;
        site.map(Site::try_from).transpose()?.ok_or(DomainError::not_found("company"))
    }

    async fn list_companies(&self) -> Result<Vec<Company>, DomainError> {
        let rows = self
            .read(|conn| {
                Ok(companies::table
                    .filter(companies::sandbox_of.is_null())
                    .order((companies::created_at.asc(), companies::id.asc()))
                    .select(CompanyRow::as_select())
                    .load(conn)?)
            })
            .await?;
        Ok(rows.into_iter().map(Company::try_from).collect::<Result<_, _>>()?)
    }
}
