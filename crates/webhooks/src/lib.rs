//! Webhook delivery adapter. So far: signing every delivery both ways receivers verify it
//! (`signing`), and the rule for which addresses a delivery may reach (`target`).

pub mod signing;
pub mod target;
