//! Middleware that every request passes through.

pub(crate) mod authenticate;
pub(crate) mod body_deadline;
pub(crate) mod encoding;
pub(crate) mod error_body;
pub(crate) mod rate_limit;
pub(crate) mod request_id;
