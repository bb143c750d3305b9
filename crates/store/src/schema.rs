//! The tables, in the SQL types every backend shares. Kept by hand in step with `migrations/`.

diesel::table! {
    companies (id) {
        id -> Text,
        sandbox_of -> Nullable<Text>,
        name -> Text,
        sector -> Text,
        city -> Text,
        employee_count -> Integer,
        plan -> Text,
        passport_slug -> Text,
        passport_activated -> Bool,
        reporting_year_start_month -> Integer,
        revision -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sites (id) {
        id -> Text,
        company_id -> Text,
        name -> Text,
        city -> Text,
        employee_count -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    company_memberships (user_id, company_id) {
        user_id -> Text,
        company_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        user_id -> Text,
        company_id -> Text,
        mode -> Text,
        key_hash -> Text,
        display_prefix -> Text,
        name -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(sites -> companies (company_id));
diesel::joinable!(api_keys -> companies (company_id));
diesel::joinable!(api_keys -> users (user_id));
diesel::joinable!(company_memberships -> companies (company_id));
diesel::joinable!(company_memberships -> users (user_id));

diesel::table! {
    sessions (id) {
        id -> Text,
        company_id -> Text,
        site_id -> Text,
        reporting_period -> Text,
        status -> Text,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bills (id) {
        id -> Text,
        company_id -> Text,
        site_id -> Text,
        session_id -> Text,
        bill_type -> Text,
        status -> Text,
        blob_key -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        created_at -> Timestamp,
        consumption -> Nullable<Text>,
        unit -> Nullable<Text>,
        period_start -> Nullable<Date>,
        period_end -> Nullable<Date>,
        meter_point -> Nullable<Text>,
        supplier -> Nullable<Text>,
        calorific_value -> Nullable<Text>,
        volume_correction -> Nullable<Text>,
        sewerage_volume -> Nullable<Text>,
        allow_overlap -> Bool,
        confirmed_at -> Nullable<Timestamp>,
        calculation -> Nullable<Text>,
        status_reason -> Nullable<Text>,
        status_changed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bill_emissions (bill_id, reporting_period, scope) {
        bill_id -> Text,
        company_id -> Text,
        site_id -> Text,
        session_id -> Text,
        reporting_period -> Text,
        bill_type -> Text,
        scope -> Integer,
        micrograms -> BigInt,
    }
}

diesel::table! {
    bill_categories (bill_id, reporting_period, category) {
        bill_id -> Text,
        company_id -> Text,
        reporting_period -> Text,
        category -> Integer,
        micrograms -> BigInt,
    }
}

diesel::table! {
    bill_category_totals (company_id, reporting_period, site_id, bill_type, category) {
        company_id -> Text,
        reporting_period -> Text,
        site_id -> Text,
        bill_type -> Text,
        category -> Integer,
        kilograms -> BigInt,
        micrograms -> BigInt,
        contributions -> BigInt,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        company_id -> Text,
        event_type -> Text,
        data -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    crp_inputs (company_id) {
        company_id -> Text,
        document -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    crp_plans (id) {
        id -> Text,
        company_id -> Text,
        status -> Text,
        fy_year -> Integer,
        target_year -> Integer,
        generated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        content -> Text,
        sections -> Text,
    }
}

diesel::table! {
    crp_plan_pdfs (plan_id, status) {
        plan_id -> Text,
        status -> Text,
        company_id -> Text,
        blob_key -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(crp_plan_pdfs -> crp_plans (plan_id));
diesel::joinable!(sessions -> sites (site_id));
diesel::joinable!(bills -> sessions (session_id));

diesel::table! {
    idempotency_keys (company_id, idempotency_key) {
        company_id -> Text,
        idempotency_key -> Text,
        fingerprint -> Nullable<Text>,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
        claim_token -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    emission_totals (company_id, reporting_period, site_id, session_id, bill_type, scope) {
        company_id -> Text,
        reporting_period -> Text,
        site_id -> Text,
        session_id -> Text,
        bill_type -> Text,
        scope -> Integer,
        kilograms -> BigInt,
        micrograms -> BigInt,
        contributions -> BigInt,
    }
}

diesel::table! {
    activities (id) {
        id -> Text,
        company_id -> Text,
        activity_type -> Text,
        family -> Text,
        quantity -> Text,
        unit -> Text,
        period_start -> Date,
        period_end -> Date,
        site_id -> Nullable<Text>,
        direction -> Nullable<Text>,
        radiative_forcing -> Nullable<Bool>,
        reference -> Nullable<Text>,
        note -> Nullable<Text>,
        status -> Text,
        calculation -> Text,
        recorded_at -> Timestamp,
        void_reason -> Nullable<Text>,
        voided_at -> Nullable<Timestamp>,
        estimate -> Nullable<Text>,
    }
}

diesel::table! {
    activity_emissions (activity_id, reporting_period, scope, category) {
        activity_id -> Text,
        company_id -> Text,
        reporting_period -> Text,
        scope -> Integer,
        category -> Integer,
        micrograms -> BigInt,
    }
}

diesel::table! {
    activity_totals (company_id, reporting_period, site_id, family, scope, category) {
        company_id -> Text,
        reporting_period -> Text,
        site_id -> Text,
        family -> Text,
        scope -> Integer,
        category -> Integer,
        kilograms -> BigInt,
        micrograms -> BigInt,
        contributions -> BigInt,
    }
}

diesel::table! {
    deployment (singleton) {
        singleton -> Integer,
        id -> Text,
    }
}

diesel::table! {
    scope2_instruments (record_id, reporting_period) {
        record_id -> Text,
        company_id -> Text,
        reporting_period -> Text,
        site_id -> Text,
        instrument -> Text,
        location_micrograms -> BigInt,
        market_micrograms -> BigInt,
    }
}

diesel::table! {
    scope2_instrument_totals (company_id, reporting_period, site_id, instrument, basis) {
        company_id -> Text,
        reporting_period -> Text,
        site_id -> Text,
        instrument -> Text,
        basis -> Text,
        kilograms -> BigInt,
        micrograms -> BigInt,
        contributions -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    companies,
    sites,
    users,
    company_memberships,
    api_keys,
    sessions,
    bills,
    bill_emissions,
    bill_categories,
    bill_category_totals,
    events,
    crp_inputs,
    crp_plans,
    crp_plan_pdfs,
    idempotency_keys,
    emission_totals,
    activities,
    activity_emissions,
    activity_totals,
    scope2_instruments,
    scope2_instrument_totals,
    webhook_endpoints,
    webhook_send_windows,
    webhook_deliveries,
    webhook_attempts
);

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        company_id -> Text,
        url -> Text,
        description -> Text,
        events -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamp>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        created_by_user -> Nullable<Text>,
        created_by_key -> Nullable<Text>,
        consecutive_failures -> Integer,
        circuit_open_until -> Nullable<Timestamp>,
        manual_window_start -> Nullable<Timestamp>,
        manual_count -> Integer,
    }
}

diesel::table! {
    webhook_send_windows (company_id) {
        company_id -> Text,
        window_start -> Timestamp,
        sent -> Integer,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        company_id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        status -> Text,
        attempts -> Integer,
        attempts_total -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        lease -> Nullable<Text>,
        leased_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (delivery_id, number) {
        delivery_id -> Text,
        number -> Integer,
        company_id -> Text,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        latency_ms -> Integer,
        error -> Nullable<Text>,
        excerpt -> Text,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> events (event_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
