//! The rules of a webhook endpoint that need no network: its target URL, the events it
//! subscribes to, its description; whether the target's host resolves to a public
//! address is the webhooks adapter's to say, at creation and again at every delivery.

use super::EventType;
use crate::DomainError;
use crate::model::text::plain_text;

/// The longest target URL accepted.
pub const MAX_URL_LEN: usize = 2048;
/// The longest description.
pub const MAX_DESCRIPTION: usize = 200;

/// Whether plain `http` and private or loopback targets are allowed (the setting
/// `webhooks.allow_insecure_targets`, for development and tests only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TargetPolicy {
    pub allow_insecure: bool,
}

/// A target URL as the client sent it, checked for what needs no network: `https` (or `http`
/// when allowed), a host, no user name or password, no fragment, not too long.
pub fn target_url(url: &str, policy: TargetPolicy) -> Result<String, DomainError> {
    let bad = |why: &str| DomainError::invalid("url", why.to_owned());
    if url.len() > MAX_URL_LEN {
        return Err(bad("must be at most 2048 characters"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("must not contain spaces or control characters"));
    }
    let rest = match url.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => rest,
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") && policy.allow_insecure => rest,
        _ => return Err(bad("must be an https:// URL")),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(bad("must not carry a user name or password"));
    }
    if url.contains('#') {
        return Err(bad("must not have a fragment (#…)"));
    }
    let host = authority
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(authority, |(h, _)| h);
    if host.is_empty() || host == "[]" {
        return Err(bad("must name a host"));
    }
    Ok(url.to_owned())
}

/// The events an endpoint subscribes to: at least one, each from the catalogue, none twice.
/// `ping` is not subscribed to: it goes to one endpoint when its owner asks for a test.
pub fn subscribed_events(names: &[String]) -> Result<Vec<EventType>, DomainError> {
    if names.is_empty() {
        return Err(DomainError::invalid("events", "must name at least one event"));
    }
    let mut events = Vec::with_capacity(names.len());
    for name in names {
        let event = EventType::parse(name).filter(|e| *e != EventType::Ping).ok_or_else(|| {
            let known: Vec<&str> =
                EventType::ALL.iter().filter(|e| **e != EventType::Ping).map(|e| e.as_str()).collect();
            DomainError::invalid("events", format!("{name:?} is not an event; the events are {}", known.join(", ")))
        })?;
        if events.contains(&event) {
            return Err(DomainError::invalid("events", format!("{name} is named twice")));
        }
        events.push(event);
    }
    events.sort_unstable();
    Ok(events)
}

/// The `since` of a recovery: a date-time in RFC 3339 form.
pub fn since(text: &str) -> Result<chrono::DateTime<chrono::Utc>, DomainError> {
    chrono::DateTime::parse_from_rfc3339(text.trim()).map(|at| at.with_timezone(&chrono::Utc)).map_err(|_| {
        DomainError::invalid("since", "must be a date-time in RFC 3339 form, such as 2026-11-28T00:00:00Z")
    })
}

/// An endpoint's description: plain text, optional.
pub fn description(text: Option<&str>) -> Result<String, DomainError> {
    Ok(text.map(|t| plain_text("description", t, MAX_DESCRIPTION)).transpose()?.flatten().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: TargetPolicy = TargetPolicy { allow_insecure: false };

    #[test]
    fn targets_are_https_urls_with_a_host_and_no_credentials() {
        for good in
            ["https://hooks.example.com/carbonpass", "HTTPS://example.com:8443/x?y=1", "https://[2606:4700::1]/h"]
        {
            assert!(target_url(good, STRICT).is_ok(), "{good}");
        }
        for bad in [
            "http://example.com/hook",
            "ftp://example.com",
            "example.com/hook",
            "https://",
            "https:///path",
            "https://user:pass@example.com/",
            "https://example.com/#frag",
            "https://exa mple.com/",
        ] {
            assert!(matches!(target_url(bad, STRICT), Err(DomainError::Invalid { field: "url", .. })), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(target_url(&long, STRICT).is_err());
        assert!(target_url("http://127.0.0.1:9000/hook", TargetPolicy { allow_insecure: true }).is_ok());
    }

    #[test]
    fn events_come_from_the_catalogue_once_each() {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            subscribed_events(&names(&["crp.generated", "bill.confirmed"])).expect("events"),
            vec![EventType::BillConfirmed, EventType::CrpGenerated]
        );
        for bad in [&[][..], &["bill.confirmed", "bill.confirmed"], &["ping"], &["bill.*"], &["Bill.Confirmed"]] {
            assert!(subscribed_events(&names(bad)).is_err(), "{bad:?}");
        }
    }
}
