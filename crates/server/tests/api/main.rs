//! HTTP integration tests: the real server over HTTP, each case on SQLite and on PostgreSQL.

mod access;
mod auth;
mod bill_reads;
mod bills;
mod company;
mod confirm;
mod crp;
mod crp_stored;
mod emissions;
mod errors;
mod faults;
mod health;
mod hygiene;
mod idempotency;
mod integrity;
mod keys;
mod openapi;
mod races;
mod rate_limits;
mod sandbox;
mod seed;
mod support;
mod tls;
mod webhook_panics;
mod webhook_payloads;
mod webhooks;
