//! Who a use case acts for: the data space it reads and writes, and whose keys it manages.

use chrono::{DateTime, Utc};

use super::{CompanyId, DataVersion, KeyMode, UserId};

/// The data space a use case acts on (a live company or its sandbox twin), resolved once: by the
/// authentication gate from a key (and `CarbonPass-Company`), or by the CLI from an operator's
/// `--company` (and `--sandbox`). Every tenant use case takes this one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The company id of the data space; every repository call names it.
    pub company: CompanyId,
    /// How new the tenant's data was when it was resolved: a read for this tenant must see data
    /// at least this new (what the in-memory copies are judged by).
    pub data_version: DataVersion,
    /// What the caller is here: what they may do.
    pub role: Role,
    /// Whether the calling key was rolled (it works until its grace period ends).
    pub key_rolled: bool,
}

/// Whose keys a key use case manages, and in which data space: resolved by the gate from the
/// calling key, or by the CLI from an operator's `--email` (and company or key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHolder {
    pub user: UserId,
    /// The data space the keys are for: a key's own, whatever company a request chose.
    pub space: CompanyId,
    pub mode: KeyMode,
    pub acting: Acting,
    /// What the holder is in their key's data space.
    pub role: Role,
}

/// Who is acting on the holder's keys, which decides two rules of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acting {
    /// A request with one of the holder's keys. A key made this way must be named, and a key
    /// rolled (`rolled_until`) manages no keys: a leaked key must not outlive its roll.
    Key { rolled_until: Option<DateTime<Utc>> },
    /// An operator at the CLI.
    Operator,
}

/// What a caller is in the data space they act on, which decides what they may do there
/// (`docs/authentication.md` has the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Runs the company's account: its users' keys, webhooks, the passport and publishing.
    Owner,
    /// Keeps the company's records: bills and activities, plans generated, everything read.
    Member,
    /// A Partner-plan consultant acting for a client: as a member there.
    Consultant,
    /// An operator at the CLI: everything.
    Operator,
}

/// What a use case does, as far as who may do it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Reading any of the data space's records.
    Read,
    /// Recording and correcting bills and activities, completing sessions.
    Record,
    /// Saving the CRP inputs and generating (or deleting draft) plans.
    Plan,
    /// Publishing a plan: what buyers read on the passport.
    Publish,
    /// Creating, changing, deleting, testing and recovering webhook endpoints.
    ManageWebhooks,
    /// Switching the public passport on or off.
    ManagePassport,
    /// Minting keys, and managing other users' keys of the company.
    ManageKeys,
}

impl Action {
    /// How the action is named in a refusal.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Read => "read the company's data",
            Action::Record => "record or correct the company's data",
            Action::Plan => "prepare carbon reduction plans",
            Action::Publish => "publish carbon reduction plans",
            Action::ManageWebhooks => "manage webhook endpoints",
            Action::ManagePassport => "switch the company's passport",
            Action::ManageKeys => "manage the company's API keys",
        }
    }

    /// Actions that would let a leaked key outlive its roll: a key in its grace period may not
    /// take them (it could mint a key or point events at a receiver of its own).
    fn outlives_a_roll(self) -> bool {
        matches!(self, Action::ManageWebhooks | Action::ManageKeys)
    }
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Member => "member",
            Role::Consultant => "consultant",
            Role::Operator => "operator",
        }
    }

    /// Whether a caller of this role may take `action`.
    pub fn may(self, action: Action) -> bool {
        match self {
            Role::Owner | Role::Operator => true,
            Role::Member | Role::Consultant => matches!(action, Action::Read | Action::Record | Action::Plan),
        }
    }

    /// The role a membership gives.
    pub fn of_membership(role: super::MembershipRole) -> Self {
        match role {
            super::MembershipRole::Owner => Role::Owner,
            super::MembershipRole::Member => Role::Member,
            super::MembershipRole::Consultant => Role::Consultant,
        }
    }
}

/// Refuses `action` to a caller of `role` (403), or to a rolled key for actions that would let
/// it outlive its roll (409).
pub fn require(role: Role, rolled: bool, action: Action) -> Result<(), crate::DomainError> {
    if !role.may(action) {
        return Err(crate::DomainError::Forbidden { role: role.as_str(), action: action.describe() });
    }
    if rolled && action.outlives_a_roll() {
        return Err(crate::DomainError::conflict(format!(
            "this key was rolled and works only until its grace period ends; it may not {}: use its replacement",
            action.describe()
        )));
    }
    Ok(())
}

impl Tenant {
    /// Refuses `action` unless the caller may take it here.
    pub fn require(&self, action: Action) -> Result<(), crate::DomainError> {
        require(self.role, self.key_rolled, action)
    }
}

impl KeyHolder {
    /// Refuses `action` unless the holder may take it in their key's data space.
    pub fn require(&self, action: Action) -> Result<(), crate::DomainError> {
        let rolled = matches!(self.acting, Acting::Key { rolled_until: Some(_) });
        require(self.role, rolled, action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DomainError;

    const ALL: [Action; 7] = [
        Action::Read,
        Action::Record,
        Action::Plan,
        Action::Publish,
        Action::ManageWebhooks,
        Action::ManagePassport,
        Action::ManageKeys,
    ];

    fn tenant(role: Role, key_rolled: bool) -> Tenant {
        Tenant { company: CompanyId::parse("comp_c").expect("id"), data_version: DataVersion(1), role, key_rolled }
    }

    #[test]
    fn owners_and_operators_may_do_everything_members_and_consultants_keep_records() {
        for action in ALL {
            assert!(tenant(Role::Owner, false).require(action).is_ok(), "owner {action:?}");
            assert!(tenant(Role::Operator, false).require(action).is_ok(), "operator {action:?}");
            let keeps_records = matches!(action, Action::Read | Action::Record | Action::Plan);
            for role in [Role::Member, Role::Consultant] {
                let result = tenant(role, false).require(action);
                if keeps_records {
                    assert!(result.is_ok(), "{role:?} {action:?}");
                } else {
                    assert!(matches!(result, Err(DomainError::Forbidden { .. })), "{role:?} {action:?}: {result:?}");
                }
            }
        }
    }

    #[test]
    fn a_rolled_key_may_not_manage_webhooks_or_keys_even_an_owners() {
        for action in ALL {
            let result = tenant(Role::Owner, true).require(action);
            if matches!(action, Action::ManageWebhooks | Action::ManageKeys) {
                assert!(matches!(result, Err(DomainError::Conflict { .. })), "{action:?}: {result:?}");
            } else {
                assert!(result.is_ok(), "{action:?}");
            }
        }
        let holder = KeyHolder {
            user: UserId::parse("usr_u").expect("id"),
            space: CompanyId::parse("comp_c").expect("id"),
            mode: KeyMode::Live,
            acting: Acting::Key { rolled_until: Some(Utc::now()) },
            role: Role::Owner,
        };
        assert!(matches!(holder.require(Action::ManageKeys), Err(DomainError::Conflict { .. })));
        let member = KeyHolder { acting: Acting::Key { rolled_until: None }, role: Role::Member, ..holder };
        assert!(matches!(member.require(Action::ManageKeys), Err(DomainError::Forbidden { .. })));
    }
}
