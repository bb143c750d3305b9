//! The session a site's uploads go into.

use carbonpass_domain::model::ids::SessionKind;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::DbConnection;
use crate::ids::mint;
use crate::schema::sessions;

pub(crate) const IN_PROGRESS: &str = "in_progress";
pub(crate) const COMPLETED: &str = "completed";

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
struct NewSessionRow<'a> {
    id: &'a str,
    company_id: &'a str,
    site_id: &'a str,
    reporting_period: &'a str,
    status: &'a str,
    created_at: NaiveDateTime,
}

/// The tenant's site's session in progress, or a new one for `period`. Run under the tenant
/// lock (see `tenancy::lock`), so two uploads can never both open one.
pub(crate) fn session_for(
    conn: &mut DbConnection,
    company: &str,
    site: &str,
    period: &str,
    at: NaiveDateTime,
) -> Result<String, StoreError> {
    let open = sessions::table
        .filter(sessions::company_id.eq(company))
        .filter(sessions::site_id.eq(site))
        .filter(sessions::status.eq(IN_PROGRESS))
        .select(sessions::id)
        .first::<String>(conn)
        .optional()?;
    if let Some(id) = open {
        return Ok(id);
    }
    let id = mint::<SessionKind>()?;
    diesel::insert_into(sessions::table)
        .values(NewSessionRow {
            id: id.as_str(),
            company_id: company,
            site_id: site,
            reporting_period: period,
            status: IN_PROGRESS,
            created_at: at,
        })
        .execute(conn)?;
    Ok(id.into_string())
}
