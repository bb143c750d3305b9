//! Keeping the database password out of logs and error messages, in each form it can take: the
//! URL's user-info (`postgres://app:pw@db/cp`), a query parameter (`?password=pw`), either one
//! percent-encoded, and a driver's error message that repeats part of the connection string.

/// Query parameters of a PostgreSQL URL whose values are secrets.
const SECRET_PARAMS: [&str; 2] = ["password", "sslpassword"];

const MASK: &str = "***";

/// The URL fit for a log line: every secret it holds replaced by `***`.
pub fn redacted_url(url: &str) -> String {
    scrub(url, &secrets_of(url))
}

/// `text` (a message that may quote the URL) with every one of `secrets` replaced by `***`, and
/// any `password=…` pair masked whatever it holds.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut clean = text.to_owned();
    // Longest first, so a secret containing another is masked whole.
    let mut secrets: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets {
        clean = clean.replace(secret.as_str(), MASK);
    }
    for name in SECRET_PARAMS {
        clean = mask_pairs(&clean, name);
    }
    clean
}

/// The secrets a database URL holds, raw and percent-decoded.
pub fn secrets_of(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Some((_, rest)) = url.split_once("://") else { return found };
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    if let Some((userinfo, _)) = authority.rsplit_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
    {
        found.push(password.to_owned());
    }
    if let Some((_, query)) = rest.split_once('?') {
        for pair in query.split('&') {
            if let Some((name, value)) = pair.split_once('=')
                && SECRET_PARAMS.contains(&name)
            {
                found.push(value.to_owned());
            }
        }
    }
    let decoded: Vec<String> = found.iter().map(|s| percent_decoded(s)).collect();
    found.extend(decoded);
    found.retain(|s| !s.is_empty());
    found.sort();
    found.dedup();
    found
}

/// `name=value` pairs (in a URL query or a libpq `key=value` string) with their value masked.
fn mask_pairs(text: &str, name: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let pattern = format!("{name}=");
    while let Some(at) = rest.find(&pattern) {
        let starts_word = at == 0 || !rest[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        let value_start = at + pattern.len();
        out.push_str(&rest[..value_start]);
        rest = &rest[value_start..];
        if starts_word {
            let value_end = value_end(rest);
            if value_end > 0 {
                out.push_str(MASK);
            }
            rest = &rest[value_end..];
        }
    }
    out.push_str(rest);
    out
}

/// Where a pair's value ends: a quoted value at its closing quote, others at a separator.
fn value_end(value: &str) -> usize {
    if let Some(quoted) = value.strip_prefix('\'') {
        return quoted.find('\'').map_or(value.len(), |end| end + 2);
    }
    value.find(|c: char| c.is_whitespace() || matches!(c, '&' | '"' | ',' | ';')).unwrap_or(value.len())
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) =
                (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'%'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_passwords_are_masked_raw_and_decoded() {
        assert_eq!(redacted_url("postgres://app:s3cret@db:5432/cp"), "postgres://app:***@db:5432/cp");
        assert_eq!(redacted_url("postgres://app:p%40ss@db/cp"), "postgres://app:***@db/cp");
        assert_eq!(scrub("auth failed for p@ss", &secrets_of("postgres://app:p%40ss@db/cp")), "auth failed for ***");
        assert_eq!(redacted_url("postgres://postgres@127.0.0.1/cp"), "postgres://postgres@127.0.0.1/cp");
        assert_eq!(redacted_url("./data/carbonpass.db"), "./data/carbonpass.db");
    }

    #[test]
    fn query_passwords_are_masked() {
        assert_eq!(
            redacted_url("postgresql://app@db/cp?sslmode=require&password=hunter2&sslpassword=k3y"),
            "postgresql://app@db/cp?sslmode=require&password=***&sslpassword=***"
        );
    }

    #[test]
    fn any_password_pair_in_a_message_is_masked() {
        assert_eq!(
            scrub("missing \"=\" after \"host=db password=hunter2 user=x\" in connection info string", &[]),
            "missing \"=\" after \"host=db password=*** user=x\" in connection info string"
        );
        assert_eq!(scrub("password='two words' ok", &[]), "password=*** ok");
        assert_eq!(scrub("sslpassword=abc", &[]), "sslpassword=***");
        assert_eq!(scrub("nopassword=abc", &[]), "nopassword=abc", "only whole names");
    }
}
