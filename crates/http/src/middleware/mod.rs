//! Middleware that every request passes through.

pub(crate) mod error_body;
pub(crate) mod request_id;
