//! A person who works in CarbonPass, and their membership of companies.

use std::str::FromStr;

use super::company::require_text;
use super::ids::UserId;
use crate::DomainError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: String,
    pub name: String,
}

impl NewUser {
    /// Emails are compared case-insensitively, so they are stored lowercased.
    pub fn normalised(self) -> Result<Self, DomainError> {
        let email = self.email.trim().to_ascii_lowercase();
        // Shown in terminals and typed to find a user: visible characters only, no spaces.
        let visible = email.chars().all(|c| !c.is_whitespace() && super::text::is_visible(c));
        let plausible = visible
            && email.len() <= 254
            && email
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.contains('@'));
        if !plausible {
            return Err(DomainError::invalid("email", "must be an email address"));
        }
        require_text("name", &self.name, 200)?;
        Ok(Self { email, name: self.name })
    }
}

/// What a user may do in a company they belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipRole {
    Owner,
    Member,
    /// A Partner-plan consultant serving the company.
    Consultant,
}

impl MembershipRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MembershipRole::Owner => "owner",
            MembershipRole::Member => "member",
            MembershipRole::Consultant => "consultant",
        }
    }
}

impl FromStr for MembershipRole {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "owner" => Ok(Self::Owner),
            "member" => Ok(Self::Member),
            "consultant" => Ok(Self::Consultant),
            other => Err(DomainError::invalid(
                "role",
                format!("unknown role {other:?}; expected owner, member or consultant"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased_and_checked() {
        let user = NewUser { email: " Jo@Example.COM ".into(), name: "Jo".into() }.normalised();
        assert_eq!(user.map(|u| u.email).ok().as_deref(), Some("jo@example.com"));
        for bad in [
            "",
            "jo",
            "@example.com",
            "jo@localhost",
            "a@b@c.com",
            "e\u{1b}[31m@y.example",
            "e@y.example\nINFO fake",
            "e\u{202e}@y.example",
            "x\u{200b}@y.example",
            "x@y.example\u{2066}",
            "jo bloggs@y.example",
        ] {
            let res = NewUser { email: bad.into(), name: "Jo".into() }.normalised();
            assert!(res.is_err(), "{bad:?} accepted");
        }
    }
}
