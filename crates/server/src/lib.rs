//! The `carbonpass` server: configuration, logging, wiring of the adapters, and the operator CLI.
//! `main.rs` only parses arguments and calls into here.

pub mod admin;
pub mod cli;
pub mod connections;
pub mod prometheus;
pub mod settings;
pub mod startup;
pub mod supervise;
pub mod telemetry;
pub mod tls;

pub use settings::Settings;
pub use startup::Application;
