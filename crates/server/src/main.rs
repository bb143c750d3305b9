//! `carbonpass`: parse the command line, load settings, set up logs, run the command.

use std::io::Write;
use std::process::ExitCode;

use carbonpass_server::cli::{Cli, Command};
use carbonpass_server::startup::{self, Application};
use carbonpass_server::{Settings, admin, telemetry};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(&cli.overrides()) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("carbonpass: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    // Held to the end of `main`: dropping it sends the traces still buffered.
    let _telemetry = telemetry::init(&settings);
    match actix_web::rt::System::new().block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("carbonpass: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Serve(args) => {
            let app = Application::build(&settings).await?;
            tracing::info!(address = %app.address(), "listening");
            if args.demo {
                let services = app.services();
                let demo = carbonpass_domain::services::ensure_demo(&services.tenants, &services.access).await?;
                let key = &demo.key.plaintext;
                // A reader that goes away (a script that took the key and closed the pipe) must
                // not take the server down with it: write errors are ignored.
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "Demo company: {} ({})", demo.company.name, demo.company.id);
                let _ = writeln!(out, "Live API key for {} (shown once):", demo.user.email);
                let _ = writeln!(out, "{key}");
                let scheme = if settings.tls().is_some() { "https" } else { "http" };
                let _ = writeln!(
                    out,
                    "Try: curl -H \"Authorization: Bearer {key}\" {scheme}://{}/api/v1/company",
                    app.address()
                );
                let _ = out.flush();
            }
            app.run_until_stopped().await?;
        }
        Command::Worker => startup::run_worker(&settings).await?,
        Command::Migrate => {
            startup::open_store(&settings).await?;
            println!("migrations applied");
        }
        Command::Company(c) => admin::company(&services(&settings).await?, c).await?,
        Command::Site(c) => admin::site(&services(&settings).await?, c).await?,
        Command::User(c) => admin::user(&services(&settings).await?, c).await?,
        Command::Key(c) => admin::key(&services(&settings).await?, c).await?,
        Command::Bill(c) => admin::bill(&services(&settings).await?, c).await?,
        Command::Activity(c) => admin::activity(&services(&settings).await?, c).await?,
        Command::Session(c) => admin::session(&services(&settings).await?, c).await?,
        Command::CrpInputs(c) => admin::crp_inputs(&services(&settings).await?, c).await?,
        Command::Webhook(c) => admin::webhook(&services(&settings).await?, c).await?,
        Command::PassportKey(c) => admin::passport_key(&settings, c)?,
    }
    Ok(())
}

async fn services(settings: &Settings) -> Result<carbonpass_domain::services::Services, startup::StartError> {
    let factors = startup::load_factors()?;
    // Operators' commands are not rate limited.
    let unlimited = std::sync::Arc::new(carbonpass_ratelimit::Unlimited);
    // One connection: a command's statements run one after another anyway, and a pool that may
    // open more keeps opening them in the background after the checkout that asked was served
    // by another; a process exiting while libpq connects on another thread can crash in its
    // exit handlers (seen under load: 7 of 5,706 commands against a busy PostgreSQL).
    let settings = &Settings { pool_size: Some(1), ..settings.clone() };
    startup::services(
        startup::open_store(settings).await?,
        startup::open_blobs(settings)?,
        factors,
        settings,
        unlimited,
    )
}
