//! Minting new public ids, as a database sequence would.

use carbonpass_domain::model::{ID_RANDOM_LEN, Id, IdKind};
use rand::RngExt;
use rand::distr::Alphanumeric;

use crate::StoreError;

pub(crate) fn mint<K: IdKind>() -> Result<Id<K>, StoreError> {
    let suffix: String = rand::rng().sample_iter(&Alphanumeric).take(ID_RANDOM_LEN).map(char::from).collect();
    Id::from_random_suffix(&suffix).ok_or_else(|| StoreError::Corrupt(format!("minted id {suffix:?} is invalid")))
}
