//! Operator commands: bootstrap companies, sites, users and keys without a web console.
//! Each prints what it did to stdout; a new key is printed alone on its line.

use std::sync::Arc;

use carbonpass_domain::DomainError;
use carbonpass_domain::activities::{ActivityUnit, Direction, Family};
use carbonpass_domain::calculation::{MarketInstrument, Scope, Unit};
use carbonpass_domain::model::Tenant;
use carbonpass_domain::model::company::slug_from_name;
use carbonpass_domain::model::{
    ActivityId, ActivityInput, ActivityQuery, ActivityRecord, BillCorrection, BillId, ConfirmBill, SessionId, SiteId,
    parse_date, parse_decimal,
};
use carbonpass_domain::model::{
    ApiKeyId, CompanyId, KeyMode, MembershipRole, NewCompany, NewSite, NewUser, Passport, Plan, ReportingYearStart,
    User,
};
use carbonpass_domain::services::Services;
use carbonpass_domain::services::activities::{ImportResponses, RecordReply, RecordResponses};
use chrono::Utc;

use crate::cli::{
    ActivityCommand, BillCommand, CompanyCommand, CrpInputsCommand, InstrumentArgs, KeyCommand, ModeArg,
    PassportKeyCommand, PlanArg, RoleArg, SessionCommand, SiteCommand, Switch, UserCommand, WebhookCommand,
    WebhookSpace,
};

fn company_id(raw: &str) -> Result<CompanyId, DomainError> {
    CompanyId::parse(raw).ok_or(DomainError::not_found("company"))
}

/// The live data of the company an operator names (`--company`).
async fn live(services: &Services, raw: &str) -> Result<Tenant, DomainError> {
    services.tenants.operator_tenant(&company_id(raw)?, false).await
}

async fn user_by_email(services: &Services, email: &str) -> Result<User, DomainError> {
    services.tenants.find_user_by_email(email).await?.ok_or(DomainError::not_found("user"))
}

pub async fn company(services: &Services, command: CompanyCommand) -> Result<(), DomainError> {
    match command {
        CompanyCommand::Create { name, sector, city, employees, plan, slug, passport_activated, year_start_month } => {
            let plan = match plan {
                PlanArg::Starter => Plan::Starter,
                PlanArg::Business => Plan::Business,
                PlanArg::Partner => Plan::Partner,
            };
            let slug = slug.unwrap_or_else(|| slug_from_name(&name));
            let company = services
                .tenants
                .create_company(NewCompany {
                    name,
                    sector,
                    city,
                    employee_count: employees,
                    plan,
                    passport: Passport { slug, activated: passport_activated },
                    reporting_year_start: ReportingYearStart::new(year_start_month)?,
                })
                .await?;
            println!(
                "created company {} ({}, {} plan, passport /company/{})",
                company.id, company.name, company.plan, company.passport.slug
            );
        }
        CompanyCommand::List => {
            for c in services.tenants.list_companies().await? {
                println!("{}\t{}\t{}\t{}", c.id, c.plan, c.passport.slug, c.name);
            }
        }
        CompanyCommand::Passport { company, switch } => {
            let tenant = live(services, &company).await?;
            services.passports.set_activated(&tenant, switch == Switch::On).await?;
            let state = if switch == Switch::On { "on (public)" } else { "off (its URL answers 404)" };
            println!("passport of {} switched {state}", tenant.company);
        }
    }
    Ok(())
}

pub async fn site(services: &Services, command: SiteCommand) -> Result<(), DomainError> {
    let SiteCommand::Create { company, name, city, employees } = command;
    let site =
        services.tenants.add_site(&company_id(&company)?, NewSite { name, city, employee_count: employees }).await?;
    println!("created site {} ({})", site.id, site.name);
    Ok(())
}

pub async fn user(services: &Services, command: UserCommand) -> Result<(), DomainError> {
    match command {
        UserCommand::Create { email, name } => {
            let user = services.tenants.create_user(NewUser { email, name }).await?;
            println!("created user {} ({})", user.id, user.email);
        }
        UserCommand::AddTo { email, company, role } => {
            let user = user_by_email(services, &email).await?;
            let role = match role {
                RoleArg::Owner => MembershipRole::Owner,
                RoleArg::Member => MembershipRole::Member,
                RoleArg::Consultant => MembershipRole::Consultant,
            };
            services.tenants.add_member(&user.id, &company_id(&company)?, role).await?;
            println!("{} is now {} of {company}", user.email, role.as_str());
        }
        UserCommand::RemoveFrom { email, company } => {
            let user = user_by_email(services, &email).await?;
            let revoked = services.tenants.remove_member(&user.id, &company_id(&company)?, Utc::now()).await?;
            println!("{} is no longer a member of {company}; {revoked} of their keys for it revoked", user.email);
        }
    }
    Ok(())
}

pub async fn key(services: &Services, command: KeyCommand) -> Result<(), DomainError> {
    match command {
        KeyCommand::Create { email, company, mode, name } => {
            let user = user_by_email(services, &email).await?;
            let mode = match mode {
                ModeArg::Live => KeyMode::Live,
                ModeArg::Test => KeyMode::Test,
            };
            let holder = services.access.operator_key_holder(&user.id, &company_id(&company)?, mode).await?;
            let (record, key) = services.access.issue_key(&holder, &name).await?;
            eprintln!("issued {} key {} for {email}; it is shown once, below:", record.mode.as_str(), record.id);
            println!("{}", key.plaintext);
        }
        KeyCommand::List { email } => {
            let user = user_by_email(services, &email).await?;
            for k in services.access.list_keys(&user.id).await? {
                let last_used = k.last_used_at.map_or_else(|| "never".to_owned(), |t| t.to_rfc3339());
                let now = Utc::now();
                let state = match (k.revoked_at, k.expires_at) {
                    (Some(_), _) => "revoked".to_owned(),
                    (None, Some(expiry)) if expiry <= now => "expired".to_owned(),
                    (None, Some(expiry)) => format!("rolled, works until {}", expiry.to_rfc3339()),
                    (None, None) => "active".to_owned(),
                };
                println!(
                    "{}\t{}\t{}…\t{}\tlast used {last_used}\t{}",
                    k.id,
                    k.mode.as_str(),
                    k.display_prefix,
                    state,
                    k.name
                );
            }
        }
        KeyCommand::Revoke { email, id } => {
            let user = user_by_email(services, &email).await?;
            let id = ApiKeyId::parse(&id).ok_or(DomainError::not_found("API key"))?;
            let holder = services.access.operator_holder_of_key(&user.id, &id).await?;
            let record = services.access.revoke_key(&holder, &id, Utc::now()).await?;
            println!("revoked {}", record.id);
        }
        KeyCommand::Roll { email, id, grace_hours } => {
            let user = user_by_email(services, &email).await?;
            let id = ApiKeyId::parse(&id).ok_or(DomainError::not_found("API key"))?;
            let holder = services.access.operator_holder_of_key(&user.id, &id).await?;
            let (old, new, key) = services.access.roll_key(&holder, &id, Some(grace_hours), Utc::now()).await?;
            let until = old.expires_at.map_or_else(String::new, |t| t.to_rfc3339());
            eprintln!(
                "rolled {} into {}; {} works until {until}; the new key is shown once, below:",
                old.id, new.id, old.id
            );
            println!("{}", key.plaintext);
        }
    }
    Ok(())
}

pub async fn bill(services: &Services, command: BillCommand) -> Result<(), DomainError> {
    let parse_id = |id: &str| BillId::parse(id).ok_or(DomainError::not_found("bill"));
    let (company, id, reason, action) = match command {
        BillCommand::Reject { company, id, reason } => (company, id, reason, BillCorrection::Reject),
        BillCommand::Void { company, id, reason } => (company, id, reason, BillCorrection::Void),
        confirm @ BillCommand::Confirm { .. } => return confirm_bill(services, confirm).await,
    };
    let id = parse_id(&id)?;
    let bill = services.bills.correct_bill(&live(services, &company).await?, &id, action, &reason, Utc::now()).await?;
    println!("{} {}", bill.status.as_str(), bill.id);
    Ok(())
}

pub async fn activity(services: &Services, command: ActivityCommand) -> Result<(), DomainError> {
    match command {
        ActivityCommand::Record {
            company,
            activity_type,
            quantity,
            unit,
            from,
            to,
            site,
            direction,
            without_radiative_forcing,
            reference,
            note,
            instrument,
        } => {
            let input = ActivityInput {
                activity_type,
                quantity: parse_decimal("quantity", &quantity)?,
                unit: unit.parse::<ActivityUnit>()?,
                period_start: parse_date("from", &from)?,
                period_end: parse_date("to", &to)?,
                site_id: site.map(|s| SiteId::parse(&s).ok_or(DomainError::not_found("site"))).transpose()?,
                direction: direction.as_deref().map(str::parse::<Direction>).transpose()?,
                radiative_forcing: without_radiative_forcing.then_some(false),
                reference,
                note,
                market_instrument: market_instrument(*instrument)?,
            };
            let tenant = live(services, &company).await?;
            let reply = services.activities.record(&tenant, input, None, String::new(), Arc::new(Plain), Utc::now());
            let RecordReply::Created(record) = reply.await? else {
                return Err(DomainError::Internal("a record without a key was replayed".into()));
            };
            println!("recorded {} ({})", record.id, record.input.activity_type);
            for part in &record.calculation.parts {
                println!("  {}: {} days, {} factor set", part.period, part.days, part.factor_set.year);
            }
            for scope in [Scope::One, Scope::Two, Scope::Three] {
                println!("  scope {}: {} kg CO2e", scope.number(), record.total(scope).normalize());
            }
            print_market_based(&record.calculation);
        }
        ActivityCommand::Import { company, file } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| DomainError::invalid("file", format!("{} cannot be read: {e}", file.display())))?;
            let rows = carbonpass_http::activity_csv_rows(&bytes)?;
            let tenant = live(services, &company).await?;
            let reply = services.activities.import(&tenant, rows, None, String::new(), Arc::new(Plain), Utc::now());
            match reply.await {
                Ok(RecordReply::Created(records)) => println!("recorded {} activities", records.len()),
                Ok(RecordReply::Replayed(_)) => {
                    return Err(DomainError::Internal("an import without a key was replayed".into()));
                }
                Err(DomainError::ImportRefused { rows, total }) => {
                    for row in &rows {
                        eprintln!("line {}, {}: {}", row.line, row.column, row.message);
                    }
                    return Err(DomainError::invalid(
                        "file",
                        format!("{total} rows are refused; nothing was recorded"),
                    ));
                }
                Err(other) => return Err(other),
            }
        }
        ActivityCommand::List { company, limit } => {
            let tenant = live(services, &company).await?;
            let query = ActivityQuery { category: None, site: None, period: None, after: None, limit };
            let (records, more) = services.activities.list(&tenant, query).await?;
            for r in &records {
                let total: rust_decimal::Decimal =
                    [Scope::One, Scope::Two, Scope::Three].iter().map(|s| r.total(*s)).sum();
                println!(
                    "{}\t{}\t{}\t{} {}\t{} to {}\t{} kg CO2e",
                    r.id,
                    r.status.as_str(),
                    r.input.activity_type,
                    r.input.quantity,
                    r.input.unit,
                    r.input.period_start,
                    r.input.period_end,
                    total.normalize()
                );
            }
            if more {
                println!("(more: raise --limit or use the API's cursor)");
            }
        }
        ActivityCommand::Void { company, id, reason } => {
            let id = ActivityId::parse(&id).ok_or(DomainError::not_found("activity"))?;
            let record = services.activities.void(&live(services, &company).await?, &id, &reason, Utc::now()).await?;
            println!("{} {}", record.status.as_str(), record.id);
        }
        ActivityCommand::Types { family } => {
            let family = family
                .map(|f| Family::parse(&f).ok_or(DomainError::invalid("family", format!("unknown family {f:?}"))))
                .transpose()?;
            for t in services.activities.catalogue().types().filter(|t| family.is_none_or(|f| t.family == f)) {
                let units: Vec<&str> = t.units.iter().map(|u| u.as_str()).collect();
                println!("{}\t{}\t{}", t.id, units.join(","), t.name);
            }
        }
    }
    Ok(())
}

/// The CLI has no wire form to keep: it never sends an idempotency key.
struct Plain;

impl ImportResponses for Plain {
    fn created(&self, records: &[ActivityRecord]) -> (u16, String) {
        (201, records.len().to_string())
    }

    fn refused(&self, error: &DomainError) -> (u16, String) {
        (400, error.to_string())
    }
}

impl RecordResponses for Plain {
    fn created(&self, record: &ActivityRecord) -> (u16, String) {
        (201, record.id.to_string())
    }

    fn refused(&self, error: &DomainError) -> (u16, String) {
        (400, error.to_string())
    }
}

/// `--instrument`, `--instrument-factor` and `--instrument-source`, as one instrument (or none).
fn market_instrument(args: InstrumentArgs) -> Result<Option<MarketInstrument>, DomainError> {
    let InstrumentArgs { instrument: kind, instrument_factor: factor, instrument_source: source } = args;
    let Some(kind) = kind else {
        if factor.is_some() || source.is_some() {
            return Err(DomainError::invalid(
                "instrument",
                "is required with --instrument-factor or --instrument-source",
            ));
        }
        return Ok(None);
    };
    let factor = factor.map(|f| parse_decimal("instrument-factor", &f)).transpose()?;
    MarketInstrument::new(&kind, factor, source.as_deref()).map(Some)
}

async fn confirm_bill(services: &Services, command: BillCommand) -> Result<(), DomainError> {
    let BillCommand::Confirm {
        company,
        id,
        consumption,
        unit,
        from,
        to,
        meter_point,
        supplier,
        calorific_value,
        volume_correction_factor,
        sewerage_volume,
        allow_overlap,
        instrument,
    } = command
    else {
        return Err(DomainError::Internal("not a confirmation".into()));
    };
    let optional = |field, value: Option<String>| value.map(|v| parse_decimal(field, &v)).transpose();
    let request = ConfirmBill {
        consumption: parse_decimal("consumption", &consumption)?,
        unit: unit.parse::<Unit>()?,
        period_start: parse_date("from", &from)?,
        period_end: parse_date("to", &to)?,
        meter_point,
        supplier,
        calorific_value: optional("calorific-value", calorific_value)?,
        volume_correction: optional("volume-correction-factor", volume_correction_factor)?,
        sewerage_volume: optional("sewerage-volume", sewerage_volume)?,
        allow_overlap,
        market_instrument: market_instrument(*instrument)?,
    };
    let id = BillId::parse(&id).ok_or(DomainError::not_found("bill"))?;
    let bill = services.bills.confirm_bill(&live(services, &company).await?, &id, request, Utc::now()).await?;
    let calculation = bill
        .confirmed
        .map(|c| c.calculation)
        .ok_or(DomainError::Internal("confirmed bill without calculation".into()))?;
    println!("confirmed {}", bill.id);
    for part in &calculation.parts {
        let fallback = if part.factor_set.fallback { " (fallback: no set of its own year)" } else { "" };
        println!("  {}: {} days, {} factor set{fallback}", part.period, part.days, part.factor_set.year);
    }
    for scope in [Scope::One, Scope::Two, Scope::Three] {
        println!("  scope {}: {} kg CO2e", scope.number(), calculation.total(scope).normalize());
    }
    print_market_based(&calculation);
    Ok(())
}

/// The market-based scope 2 of a record with an instrument (beside the location-based figure),
/// and any share left out for want of a factor set.
fn print_market_based(calculation: &carbonpass_domain::calculation::Calculation) {
    for left in &calculation.left_out {
        println!(
            "  left out: {} ({} to {}, {} days, {} of the quantity): no Government factors for that period",
            left.period,
            left.start,
            left.end,
            left.days,
            left.quantity.normalize()
        );
    }
    if let Some(instrument) = &calculation.market_instrument {
        println!(
            "  scope 2 market-based ({}): {} kg CO2e",
            instrument.kind().as_str(),
            calculation.market_based_total().normalize()
        );
    }
}

pub async fn session(services: &Services, command: SessionCommand) -> Result<(), DomainError> {
    let print = |s: &carbonpass_domain::model::SessionSummary| {
        let status = if s.completed { "completed" } else { "in_progress" };
        let kg = (s.amount.tonnes() * rust_decimal::Decimal::ONE_THOUSAND).normalize();
        println!("{}\t{}\t{}\t{status}\t{kg} kg CO2e\t{}", s.id, s.reporting_period, s.site_id, s.site_name);
    };
    match command {
        SessionCommand::List { company } => {
            let tenant = live(services, &company).await?;
            let mut after = None;
            loop {
                let page = carbonpass_domain::services::paging::Page { after, limit: 100 };
                let (sessions, more) = services.reports.sessions(&tenant, page).await?;
                sessions.iter().for_each(print);
                after = sessions.last().map(|s| s.id.clone());
                if !more {
                    break;
                }
            }
        }
        SessionCommand::Complete { company, id } => {
            let id = SessionId::parse(&id).ok_or(DomainError::not_found("session"))?;
            let session = services.reports.complete_session(&live(services, &company).await?, &id, Utc::now()).await?;
            print(&session);
        }
    }
    Ok(())
}

pub async fn crp_inputs(services: &Services, command: CrpInputsCommand) -> Result<(), DomainError> {
    match command {
        CrpInputsCommand::Get { company } => {
            let stored = services.plans.crp_inputs(&live(services, &company).await?).await?;
            println!("{}", carbonpass_http::crp_inputs_to_json(stored.as_ref()));
        }
        CrpInputsCommand::Set { company, file } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
            } else {
                std::fs::read_to_string(&file)
            }
            .map_err(|e| DomainError::invalid("file", format!("cannot be read: {e}")))?;
            let inputs = carbonpass_http::crp_inputs_from_json(&text).map_err(|e| match e {
                carbonpass_http::ApiError::Domain(err) => err,
                other => DomainError::invalid("file", other.to_string()),
            })?;
            let stored =
                services.plans.replace_crp_inputs(&live(services, &company).await?, inputs, Utc::now()).await?;
            println!("{}", carbonpass_http::crp_inputs_to_json(Some(&stored)));
        }
    }
    Ok(())
}

pub async fn webhook(services: &Services, command: WebhookCommand) -> Result<(), DomainError> {
    use carbonpass_domain::model::{DeliveryId, EndpointId};
    use carbonpass_domain::services::webhooks::{ChangeEndpoint, CreateEndpoint};
    use carbonpass_domain::webhooks::model::DeliveryQuery;
    use carbonpass_http::{delivery_to_json, endpoint_to_json};

    let space = |space: &WebhookSpace| {
        let company = company_id(&space.company);
        let sandbox = space.sandbox;
        async move { services.tenants.operator_tenant(&company?, sandbox).await }
    };
    let endpoint = |raw: &str| EndpointId::parse(raw).ok_or(DomainError::not_found("webhook endpoint"));
    match command {
        WebhookCommand::Create { space: s, url, events, description, email } => {
            let user = match email {
                Some(email) => Some(user_by_email(services, &email).await?.id),
                None => None,
            };
            let by = carbonpass_domain::webhooks::model::Creator { user, key: None };
            let created = services
                .webhooks
                .create_endpoint(&space(&s).await?, by, CreateEndpoint { url, events, description }, Utc::now())
                .await?;
            println!("{}", endpoint_to_json(&created.endpoint, Some(&created.secret)));
        }
        WebhookCommand::List { space: s } => {
            for e in services.webhooks.list_endpoints(&space(&s).await?).await? {
                println!("{}", endpoint_to_json(&e, None));
            }
        }
        WebhookCommand::Update { space: s, id, url, events, description, enabled } => {
            let change = ChangeEndpoint { url, events, description, enabled };
            let changed =
                services.webhooks.change_endpoint(&space(&s).await?, &endpoint(&id)?, change, Utc::now()).await?;
            println!("{}", endpoint_to_json(&changed, None));
        }
        WebhookCommand::Delete { space: s, id } => {
            services.webhooks.delete_endpoint(&space(&s).await?, &endpoint(&id)?).await?;
            println!("deleted webhook endpoint {id}");
        }
        WebhookCommand::RotateSecret { space: s, id } => {
            let rotated =
                services.webhooks.rotate_endpoint_secret(&space(&s).await?, &endpoint(&id)?, Utc::now()).await?;
            println!("{}", endpoint_to_json(&rotated.endpoint, Some(&rotated.secret)));
        }
        WebhookCommand::Test { space: s, id } => {
            let delivery = services.webhooks.ping_endpoint(&space(&s).await?, &endpoint(&id)?, Utc::now()).await?;
            println!("{}", delivery_to_json(&delivery));
        }
        WebhookCommand::Deliveries { space: s, id, limit } => {
            let query = DeliveryQuery { after: None, limit };
            let (page, _) = services.webhooks.deliveries(&space(&s).await?, &endpoint(&id)?, query).await?;
            for delivery in page {
                println!("{}", delivery_to_json(&delivery));
            }
        }
        WebhookCommand::Retry { space: s, delivery } => {
            let id = DeliveryId::parse(&delivery).ok_or(DomainError::not_found("webhook delivery"))?;
            let delivery = services.webhooks.retry_delivery(&space(&s).await?, &id, Utc::now()).await?;
            println!("{}", delivery_to_json(&delivery));
        }
        WebhookCommand::Recover { space: s, id, since } => {
            let since = carbonpass_domain::webhooks::endpoint::since(&since)?;
            let n = services.webhooks.recover_failed(&space(&s).await?, &endpoint(&id)?, since, Utc::now()).await?;
            println!("{n} failed deliveries sent again");
        }
    }
    Ok(())
}

pub fn passport_key(
    settings: &crate::settings::Settings,
    command: PassportKeyCommand,
) -> Result<(), crate::startup::StartError> {
    match command {
        PassportKeyCommand::Generate { out } => {
            carbonpass_signing::PassportKeys::generate(&out)?;
            let keys = carbonpass_signing::PassportKeys::load(&out, &[])?;
            println!("wrote {} (key id {})", out.display(), keys.signing_kid());
        }
        PassportKeyCommand::Show => {
            let keys = crate::startup::passport_keys(settings)?;
            for key in carbonpass_domain::ports::PassportSigner::keys(&keys) {
                println!("{}\t{}", key.kid, if key.signing { "signing" } else { "retired, still listed" });
            }
        }
    }
    Ok(())
}
