//! The command line of `carbonpass`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::settings::Overrides;

#[derive(Debug, Parser)]
#[command(name = "carbonpass", version, about = "CarbonPass: carbon accounting API for UK small companies")]
pub struct Cli {
    /// A TOML configuration file (default: ./carbonpass.toml when present).
    #[arg(long, global = true, env = "CARBONPASS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Folder for the embedded SQLite database (default ./data).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (migrating the database first).
    Serve(ServeArgs),
    /// Deliver webhooks only (no HTTP), beside servers run with
    /// `webhooks.deliver_in_server = false`; several workers may share one PostgreSQL.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage companies.
    #[command(subcommand)]
    Company(CompanyCommand),
    /// Manage sites.
    #[command(subcommand)]
    Site(SiteCommand),
    /// Manage users and their memberships.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Work on bills (as an operator, on a company's live data).
    #[command(subcommand)]
    Bill(BillCommand),
    /// Record, list and void activities: vehicles, refrigerants, heat, travel, commuting,
    /// freight, waste (as an operator, on a company's live data).
    #[command(subcommand)]
    Activity(ActivityCommand),
    /// Work on footprint-collection sessions (as an operator, on a company's live data).
    #[command(subcommand)]
    Session(SessionCommand),
    /// A company's Carbon Reduction Plan inputs (as an operator, on its live data).
    #[command(subcommand, name = "crp-inputs")]
    CrpInputs(CrpInputsCommand),
    /// A company's webhook endpoints and their deliveries (live data; `--sandbox` for its
    /// sandbox twin's).
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// The deployment's passport signing keys (docs/passport.md).
    #[command(subcommand, name = "passport-key")]
    PassportKey(PassportKeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum PassportKeyCommand {
    /// Write a new Ed25519 signing key (PKCS#8 PEM, owner-only permissions) to FILE, which must
    /// not exist; print its key id.
    Generate {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Print the key id of the configured signing key and of each retired key still listed.
    Show,
}

/// A passport's switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum CrpInputsCommand {
    /// Print the inputs as JSON, in the API's shape.
    Get {
        #[arg(long, value_name = "comp_…")]
        company: String,
    },
    /// Replace the inputs with a JSON file of the shape `PUT /api/v1/crp-inputs` takes (`-` reads
    /// standard input); checked by the same rules.
    Set {
        #[arg(long, value_name = "comp_…")]
        company: String,
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// List a company's sessions, newest first, with their totals.
    List {
        #[arg(long, value_name = "comp_…")]
        company: String,
    },
    /// Complete a session in progress; the site's next upload opens a new one.
    Complete {
        #[arg(long, value_name = "comp_…")]
        company: String,
        #[arg(long, value_name = "sess_…")]
        id: String,
    },
}

/// A record's market instrument, for market-based scope 2 (`marketInstrument` in the API).
#[derive(Debug, Args)]
pub struct InstrumentArgs {
    /// The contract it was bought under, for market-based scope 2: supplier_specific or rego.
    #[arg(long, value_name = "supplier_specific|rego")]
    pub instrument: Option<String>,
    /// With --instrument supplier_specific: the supplier's kg CO2e per kWh.
    #[arg(long, value_name = "KG_PER_KWH")]
    pub instrument_factor: Option<String>,
    /// With --instrument: where the figure comes from (the fuel mix disclosure, the tariff).
    #[arg(long)]
    pub instrument_source: Option<String>,
}

#[derive(Debug, Subcommand)]
#[expect(clippy::large_enum_variant, reason = "parsed once per command; never stored or moved in bulk")]
pub enum BillCommand {
    /// Confirm an uploaded bill's activity data; prints the calculation's scope totals.
    Confirm {
        #[arg(long, value_name = "comp_…")]
        company: String,
        #[arg(long, value_name = "bill_…")]
        id: String,
        /// Consumption in the unit given (an exact decimal).
        #[arg(long)]
        consumption: String,
        /// kWh, m3, hcf or litres.
        #[arg(long)]
        unit: String,
        /// First day of the billing period, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        /// Last day of the billing period, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: String,
        #[arg(long)]
        meter_point: Option<String>,
        #[arg(long)]
        supplier: Option<String>,
        /// Gas by volume: calorific value, MJ/m3.
        #[arg(long)]
        calorific_value: Option<String>,
        /// Gas by volume: volume correction factor (default 1.02264).
        #[arg(long)]
        volume_correction_factor: Option<String>,
        /// Water: sewerage volume, m3.
        #[arg(long)]
        sewerage_volume: Option<String>,
        /// Confirm although it overlaps a confirmed bill of the same supply.
        #[arg(long)]
        allow_overlap: bool,
        #[command(flatten)]
        instrument: Box<InstrumentArgs>,
    },
    /// Reject an uploaded bill that should never count (its file may be uploaded again).
    Reject {
        #[arg(long, value_name = "comp_…")]
        company: String,
        #[arg(long, value_name = "bill_…")]
        id: String,
        /// Why it is rejected (kept with the bill).
        #[arg(long)]
        reason: String,
    },
    /// Void a confirmed bill: it leaves every total, and stays readable with the reason.
    Void {
        #[arg(long, value_name = "comp_…")]
        company: String,
        #[arg(long, value_name = "bill_…")]
        id: String,
        /// Why it is voided (kept with the bill).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ActivityCommand {
    /// Record an activity of the catalogue; prints its id and scope totals.
    Record {
        #[arg(long, value_name = "comp_…")]
        company: String,
        /// A type of `carbonpass activity types` (`business_travel.air.long_haul.economy`).
        #[arg(long = "type", value_name = "TYPE")]
        activity_type: String,
        /// How much, in the unit given (an exact decimal).
        #[arg(long)]
        quantity: String,
        /// One of the type's units (km, miles, passenger_km, tonne_km, tonnes, kg, kWh, …).
        #[arg(long)]
        unit: String,
        /// First day of the period, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        /// Last day of the period, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: String,
        #[arg(long, value_name = "site_…")]
        site: Option<String>,
        /// Freight: upstream or downstream.
        #[arg(long)]
        direction: Option<String>,
        /// Flights: leave radiative forcing out (it counts by default, as DESNZ advises).
        #[arg(long)]
        without_radiative_forcing: bool,
        #[arg(long)]
        reference: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        instrument: Box<InstrumentArgs>,
    },
    /// Import a CSV file of records (columns as `GET /api/v1/activities/import-template`): all
    /// recorded, or none and each bad row named.
    Import {
        #[arg(long, value_name = "comp_…")]
        company: String,
        #[arg(long, value_name = "FILE")]
        file: std::path::PathBuf,
    },
    /// List a company's activity records, newest first.
    List {
        #[arg(long, value_name = "comp_…")]
        company: String,
        /// At most this many (1–100).
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Void a recorded activity: it leaves every total, and stays readable with the reason.
    Void {
        #[arg(long, value_name = "comp_…")]
        company: String,
        #[arg(long, value_name = "act_…")]
        id: String,
        /// Why it is voided (kept with the record).
        #[arg(long)]
        reason: String,
    },
    /// The activity types, by id (of one family if given).
    Types {
        /// vehicle, refrigerant, heat, business_travel.air, …, freight, waste.
        #[arg(long)]
        family: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, ADDR:PORT (default 127.0.0.1:8080; also CARBONPASS_BIND).
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: Option<String>,
    /// Create (or find again) a demo company and print a fresh live API key.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum CompanyCommand {
    /// Create a company (and its sandbox twin for test keys).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        sector: String,
        #[arg(long)]
        city: String,
        #[arg(long, default_value_t = 0)]
        employees: u32,
        #[arg(long, value_enum, default_value_t = PlanArg::Business)]
        plan: PlanArg,
        /// Passport URL slug (default: derived from the name).
        #[arg(long)]
        slug: Option<String>,
        /// Switch the public passport page on.
        #[arg(long)]
        passport_activated: bool,
        /// First month (1-12) of the reporting year.
        #[arg(long, default_value_t = 4)]
        year_start_month: u32,
    },
    /// List live companies.
    List,
    /// Switch a company's public passport (`/company/{slug}`) on or off.
    Passport {
        #[arg(long, value_name = "comp_…")]
        company: String,
        #[arg(value_enum)]
        switch: Switch,
    },
}

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Add a site to a company (mirrored into its sandbox).
    Create {
        #[arg(long, value_name = "comp_…")]
        company: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        city: String,
        #[arg(long, default_value_t = 0)]
        employees: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Make a user a member of a company (or change their role).
    AddTo {
        #[arg(long)]
        email: String,
        #[arg(long, value_name = "comp_…")]
        company: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Member)]
        role: RoleArg,
    },
    /// End a user's membership of a company; their keys for it (live and test) are revoked.
    RemoveFrom {
        #[arg(long)]
        email: String,
        #[arg(long, value_name = "comp_…")]
        company: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Issue an API key; it is printed once, on a line of its own.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, value_name = "comp_…")]
        company: String,
        #[arg(long, value_enum, default_value_t = ModeArg::Live)]
        mode: ModeArg,
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List a user's keys (prefix, mode, last use; never the key).
    List {
        #[arg(long)]
        email: String,
    },
    /// Revoke a key; it is refused from its next request on.
    Revoke {
        #[arg(long)]
        email: String,
        #[arg(long, value_name = "key_…")]
        id: String,
    },
    /// Replace a key with a new one (printed once); the old one works for the grace period.
    Roll {
        #[arg(long)]
        email: String,
        #[arg(long, value_name = "key_…")]
        id: String,
        /// Hours the old key keeps working (0 to 168).
        #[arg(long, default_value_t = 24)]
        grace_hours: i64,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlanArg {
    Starter,
    Business,
    Partner,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Owner,
    Member,
    Consultant,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Live,
    Test,
}

impl Cli {
    pub fn overrides(&self) -> Overrides {
        let bind = match &self.command {
            Command::Serve(args) => args.bind.clone(),
            _ => None,
        };
        Overrides { config_file: self.config.clone(), bind, data_dir: self.data_dir.clone() }
    }
}

/// Which data space a webhook command acts on.
#[derive(Debug, clap::Args)]
pub struct WebhookSpace {
    #[arg(long, value_name = "comp_…")]
    pub company: String,
    /// The company's sandbox twin (what its test keys see) instead of its live data.
    #[arg(long)]
    pub sandbox: bool,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Add an endpoint; prints it with its secret, shown this once.
    Create {
        #[command(flatten)]
        space: WebhookSpace,
        #[arg(long)]
        url: String,
        /// Events to subscribe to, comma-separated (bill.confirmed,crp.generated).
        #[arg(long, value_delimiter = ',', required = true)]
        events: Vec<String>,
        #[arg(long)]
        description: Option<String>,
        /// The user the endpoint is recorded as made by (no key: made by an operator).
        #[arg(long)]
        email: Option<String>,
    },
    /// List the endpoints.
    List {
        #[command(flatten)]
        space: WebhookSpace,
    },
    /// Change an endpoint's URL, events, description, or whether it is enabled.
    Update {
        #[command(flatten)]
        space: WebhookSpace,
        #[arg(long, value_name = "ep_…")]
        id: String,
        #[arg(long)]
        url: Option<String>,
        #[arg(long, value_delimiter = ',')]
        events: Option<Vec<String>>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        enabled: Option<bool>,
    },
    /// Delete an endpoint and its delivery log.
    Delete {
        #[command(flatten)]
        space: WebhookSpace,
        #[arg(long, value_name = "ep_…")]
        id: String,
    },
    /// Mint a new secret (printed once); the old one signs too for 24 hours.
    RotateSecret {
        #[command(flatten)]
        space: WebhookSpace,
        #[arg(long, value_name = "ep_…")]
        id: String,
    },
    /// Send a signed ping to the endpoint.
    Test {
        #[command(flatten)]
        space: WebhookSpace,
        #[arg(long, value_name = "ep_…")]
        id: String,
    },
    /// The endpoint's latest deliveries with their attempts.
    Deliveries {
        #[command(flatten)]
        space: WebhookSpace,
        #[arg(long, value_name = "ep_…")]
        id: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Send one delivery again.
    Retry {
        #[command(flatten)]
        space: WebhookSpace,
        #[arg(long, value_name = "dlv_…")]
        delivery: String,
    },
    /// Send every failed event of the endpoint since a time (RFC 3339) again.
    Recover {
        #[command(flatten)]
        space: WebhookSpace,
        #[arg(long, value_name = "ep_…")]
        id: String,
        #[arg(long, value_name = "2026-11-28T00:00:00Z")]
        since: String,
    },
}
