//! `/api/v1/bills`: the seed's upload response shape.

use carbonpass_domain::model::Bill;
use serde::Serialize;

use super::time::rfc3339;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BillOut<'a> {
    pub id: &'a str,
    pub status: &'static str,
    #[serde(rename = "type")]
    pub bill_type: &'static str,
    pub session_id: &'a str,
    pub site_id: &'a str,
    pub created_at: String,
}

impl<'a> From<&'a Bill> for BillOut<'a> {
    fn from(bill: &'a Bill) -> Self {
        Self {
            id: bill.id.as_str(),
            status: bill.status.as_str(),
            bill_type: bill.bill_type.as_str(),
            session_id: bill.session_id.as_str(),
            site_id: bill.site_id.as_str(),
            created_at: rfc3339(bill.created_at),
        }
    }
}
