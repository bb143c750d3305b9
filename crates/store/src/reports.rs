//! Emission sums for reporting, and sessions. Reports read the maintained totals
//! (`emission_totals`: one row per period, site, session, bill type and scope, kept in the
//! confirmation's transaction), so their cost does not grow with the number of bills.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::activities::Family;
use carbonpass_domain::calculation::BillType;
use carbonpass_domain::model::{
    ActivityContribution, CompanyId, Micrograms, PeriodSums, SessionContribution, SessionId, SessionSummary, SiteId,
};
use carbonpass_domain::ports::EmissionsRepository;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::max;
use diesel::prelude::*;

use crate::bills::sessions::{COMPLETED, IN_PROGRESS};
use crate::bills::totals::{amount, summed_kilograms, summed_micrograms};
use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::corrupt;
use crate::schema::{activity_totals, bill_category_totals, emission_totals, sessions, sites};
use crate::{Store, StoreError, tenancy};

type SessionRow = (String, String, String, String, NaiveDateTime, Option<NaiveDateTime>);

fn site_names(conn: &mut DbConnection, company: &str) -> Result<HashMap<String, String>, StoreError> {
    Ok(sites::table
        .filter(sites::company_id.eq(company))
        .select((sites::id, sites::name))
        .load(conn)?
        .into_iter()
        .collect())
}

fn session_totals(conn: &mut DbConnection, company: &str) -> Result<HashMap<String, Micrograms>, StoreError> {
    Ok(emission_totals::table
        .filter(emission_totals::company_id.eq(company))
        .group_by(emission_totals::session_id)
        .select((emission_totals::session_id, summed_kilograms(), summed_micrograms()))
        .load::<(String, i64, i64)>(conn)?
        .into_iter()
        .map(|(session, kg, ug)| (session, amount((kg, ug))))
        .collect())
}

fn summary(
    row: SessionRow,
    names: &HashMap<String, String>,
    totals: &HashMap<String, Micrograms>,
) -> Result<SessionSummary, StoreError> {
    let (id, site_id, period, status, created_at, completed_at) = row;
    Ok(SessionSummary {
        amount: totals.get(&id).copied().unwrap_or_default(),
        site_name: names.get(&site_id).cloned().unwrap_or_default(),
        id: SessionId::parse(&id).ok_or_else(|| corrupt("session id", &id))?,
        site_id: SiteId::parse(&site_id).ok_or_else(|| corrupt("site id", &site_id))?,
        reporting_period: period,
        completed: match status.as_str() {
            COMPLETED => true,
            IN_PROGRESS => false,
            other => return Err(corrupt("session status", other)),
        },
        created_at: from_db_time(created_at),
        completed_at: completed_at.map(from_db_time),
    })
}

fn session_columns() -> (
    sessions::id,
    sessions::site_id,
    sessions::reporting_period,
    sessions::status,
    sessions::created_at,
    sessions::completed_at,
) {
    (
        sessions::id,
        sessions::site_id,
        sessions::reporting_period,
        sessions::status,
        sessions::created_at,
        sessions::completed_at,
    )
}

/// The latest reporting period with confirmed data of a company (of one site if given).
pub(crate) fn latest_period(
    conn: &mut DbConnection,
    company: &str,
    site: Option<&str>,
) -> Result<Option<String>, StoreError> {
    let mut bills = emission_totals::table
        .filter(emission_totals::company_id.eq(company.to_owned()))
        .select(max(emission_totals::reporting_period))
        .into_boxed();
    let mut activities = activity_totals::table
        .filter(activity_totals::company_id.eq(company.to_owned()))
        .select(max(activity_totals::reporting_period))
        .into_boxed();
    if let Some(site) = site {
        bills = bills.filter(emission_totals::site_id.eq(site.to_owned()));
        activities = activities.filter(activity_totals::site_id.eq(site.to_owned()));
    }
    // Labels (`2025-26`) order as their periods do.
    Ok(bills.first::<Option<String>>(conn)?.max(activities.first::<Option<String>>(conn)?))
}

/// A period's rows of one of the totals tables, of one site if given, grouped by `$by` (a
/// tuple of columns) with their sums: the filter every report query shares.
macro_rules! period_groups {
    ($table:ident, $conn:expr, $company:expr, $period:expr, $site:expr, $by:expr, $row:ty) => {{
        let mut grouped = $table::table
            .filter($table::company_id.eq($company.to_owned()))
            .filter($table::reporting_period.eq($period.to_owned()))
            .group_by($by)
            .select(($by, summed_kilograms(), summed_micrograms()))
            .into_boxed();
        if let Some(site) = $site {
            grouped = grouped.filter($table::site_id.eq(site.to_owned()));
        }
        grouped.load::<$row>($conn)
    }};
}

fn scope_of(scope: i32) -> Result<u8, StoreError> {
    u8::try_from(scope).map_err(|_| corrupt("scope", &scope.to_string()))
}

/// The period's activity totals by scope and family (of one site if given).
fn family_sums(
    conn: &mut DbConnection,
    company: &str,
    period: &str,
    site: Option<&str>,
) -> Result<Vec<(u8, Family, Micrograms)>, StoreError> {
    let by = (activity_totals::scope, activity_totals::family);
    let rows = period_groups!(activity_totals, conn, company, period, site, by, ((i32, String), i64, i64))?;
    let mut sums = Vec::with_capacity(rows.len());
    for ((scope, family), kg, ug) in rows {
        let family = Family::parse(&family).ok_or_else(|| corrupt("activity family", &family))?;
        sums.push((scope_of(scope)?, family, amount((kg, ug))));
    }
    Ok(sums)
}

/// The period's scope 3 by GHG Protocol category, bills' and activities' together (of one site
/// if given), in category order.
fn category_sums(
    conn: &mut DbConnection,
    company: &str,
    period: &str,
    site: Option<&str>,
) -> Result<Vec<(u8, Micrograms)>, StoreError> {
    let mut sums: BTreeMap<u8, Micrograms> = BTreeMap::new();
    let by = (bill_category_totals::category,);
    let bills = period_groups!(bill_category_totals, conn, company, period, site, by, ((i32,), i64, i64))?;
    let by = (activity_totals::scope, activity_totals::category);
    let activities = period_groups!(activity_totals, conn, company, period, site, by, ((i32, i32), i64, i64))?;
    let scope3 = activities.into_iter().filter(|((scope, _), _, _)| *scope == 3).map(|((_, c), kg, ug)| ((c,), kg, ug));
    for ((category,), kg, ug) in bills.into_iter().chain(scope3) {
        let category = u8::try_from(category).map_err(|_| corrupt("scope 3 category", &category.to_string()))?;
        sums.entry(category).or_default().0 += amount((kg, ug)).0;
    }
    Ok(sums.into_iter().collect())
}

/// What the period's activities contributed per site (of one site if given): records of no
/// site first, then by site id.
fn activity_contributions(
    conn: &mut DbConnection,
    company: &str,
    period: &str,
    site: Option<&str>,
) -> Result<Vec<ActivityContribution>, StoreError> {
    let by = (activity_totals::site_id,);
    let mut rows = period_groups!(activity_totals, conn, company, period, site, by, ((String,), i64, i64))?;
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    // The sites' names only when a record names a site (most reports have no activities).
    let names =
        if rows.iter().any(|((id,), _, _)| !id.is_empty()) { site_names(conn, company)? } else { HashMap::new() };
    let mut out = Vec::with_capacity(rows.len());
    for ((site_id,), kg, ug) in rows {
        let site_id = match site_id.as_str() {
            "" => None,
            id => Some(SiteId::parse(id).ok_or_else(|| corrupt("site id", id))?),
        };
        let site_name = site_id.as_ref().and_then(|id| names.get(id.as_str()).cloned());
        out.push(ActivityContribution { site_id, site_name, amount: amount((kg, ug)) });
    }
    Ok(out)
}

#[async_trait]
impl EmissionsRepository for Store {
    async fn period_sums(
        &self,
        company: &CompanyId,
        period: Option<String>,
        site: Option<SiteId>,
    ) -> Result<Option<(String, PeriodSums)>, DomainError> {
        let company = company.as_str().to_owned();
        Ok(self
            .snapshot(move |conn| {
                let period = match period {
                    Some(period) => period,
                    None => match latest_period(conn, &company, site.as_ref().map(SiteId::as_str))? {
                        Some(latest) => latest,
                        None => return Ok(None),
                    },
                };
                // Two reads: the period's totals grouped finely enough to give both the sums by
                // scope and type and the sums by session, then the contributing sessions with
                // their sites' names.
                let mut grouped = emission_totals::table
                    .filter(emission_totals::company_id.eq(&company))
                    .filter(emission_totals::reporting_period.eq(&period))
                    .group_by((emission_totals::scope, emission_totals::bill_type, emission_totals::session_id))
                    .select((
                        emission_totals::scope,
                        emission_totals::bill_type,
                        emission_totals::session_id,
                        summed_kilograms(),
                        summed_micrograms(),
                    ))
                    .into_boxed();
                let site_filter = site.map(SiteId::into_string);
                if let Some(site) = &site_filter {
                    grouped = grouped.filter(emission_totals::site_id.eq(site.clone()));
                }
                let mut by_type: BTreeMap<(u8, BillType), Micrograms> = BTreeMap::new();
                let mut contributions: HashMap<String, Micrograms> = HashMap::new();
                for (scope, bill_type, session, kg, ug) in grouped.load::<(i32, String, String, i64, i64)>(conn)? {
                    let scope = u8::try_from(scope).map_err(|_| corrupt("scope", &scope.to_string()))?;
                    let bill_type = bill_type.parse::<BillType>().map_err(|_| corrupt("bill type", &bill_type))?;
                    let part = amount((kg, ug));
                    by_type.entry((scope, bill_type)).or_default().0 += part.0;
                    contributions.entry(session).or_default().0 += part.0;
                }
                let by_scope_and_type =
                    by_type.into_iter().map(|((scope, bill_type), total)| (scope, bill_type, total)).collect();
                let site = site_filter.as_deref();
                let by_scope_and_family = family_sums(conn, &company, &period, site)?;
                let scope3_by_category = category_sums(conn, &company, &period, site)?;
                let activities = activity_contributions(conn, &company, &period, site)?;
                let scope2_instruments = crate::market::sums(conn, &company, &period, site)?;
                let ids: Vec<&String> = contributions.keys().collect();
                let rows: Vec<(String, String, NaiveDateTime, String)> = sessions::table
                    .inner_join(sites::table)
                    .filter(sessions::company_id.eq(&company))
                    .filter(sites::company_id.eq(&company))
                    .filter(sessions::id.eq_any(ids))
                    .order((sessions::created_at.asc(), sessions::id.asc()))
                    .select((sessions::id, sessions::site_id, sessions::created_at, sites::name))
                    .load(conn)?;
                let mut sessions = Vec::with_capacity(rows.len());
                for (id, site_id, created_at, site_name) in rows {
                    sessions.push(SessionContribution {
                        amount: contributions.get(&id).copied().unwrap_or_default(),
                        id: SessionId::parse(&id).ok_or_else(|| corrupt("session id", &id))?,
                        site_id: SiteId::parse(&site_id).ok_or_else(|| corrupt("site id", &site_id))?,
                        site_name,
                        created_at: from_db_time(created_at),
                    });
                }
                Ok(Some((
                    period,
                    PeriodSums {
                        by_scope_and_type,
                        by_scope_and_family,
                        scope3_by_category,
                        sessions,
                        activities,
                        scope2_instruments,
                    },
                )))
            })
            .await?)
    }

    async fn sessions(&self, company: &CompanyId) -> Result<Vec<SessionSummary>, DomainError> {
        let company = company.as_str().to_owned();
        Ok(self
            .snapshot(move |conn| {
                let rows: Vec<SessionRow> = sessions::table
                    .filter(sessions::company_id.eq(&company))
                    .order((sessions::created_at.desc(), sessions::id.desc()))
                    .select(session_columns())
                    .load(conn)?;
                let (names, totals) = (site_names(conn, &company)?, session_totals(conn, &company)?);
                rows.into_iter().map(|row| summary(row, &names, &totals)).collect::<Result<Vec<_>, _>>()
            })
            .await?)
    }

    async fn complete_session(
        &self,
        company: &CompanyId,
        id: &SessionId,
        at: DateTime<Utc>,
    ) -> Result<SessionSummary, DomainError> {
        let (company, id) = (company.as_str().to_owned(), id.as_str().to_owned());
        self.transaction(move |conn| {
            tenancy::lock(conn, &company)?;
            let mine = sessions::table.filter(sessions::id.eq(&id)).filter(sessions::company_id.eq(&company));
            let Some(status) = mine.select(sessions::status).first::<String>(conn).optional()? else {
                return Ok(Err(DomainError::not_found("session")));
            };
            if status != IN_PROGRESS {
                return Ok(Err(DomainError::Conflict { message: format!("session {id} is already completed") }));
            }
            diesel::update(mine)
                .set((sessions::status.eq(COMPLETED), sessions::completed_at.eq(to_db_time(at))))
                .execute(conn)?;
            let row: SessionRow = mine.select(session_columns()).first(conn)?;
            let (names, totals) = (site_names(conn, &company)?, session_totals(conn, &company)?);
            Ok(Ok(summary(row, &names, &totals)?))
        })
        .await?
    }
}
