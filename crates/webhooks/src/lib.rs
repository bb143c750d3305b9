//! Webhook delivery adapter. So far: signing every delivery both ways receivers verify it
//! (`signing`), the rule for which addresses a delivery may reach (`target`), and the HTTP
//! client that enforces it at every connection (`client`).

pub mod client;
pub mod signing;
pub mod target;
