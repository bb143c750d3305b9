//! A body or query string that does not fit its type, in the client's terms: the field at fault
//! as `param` (`interimTarget.year`, `projects[0].status`), and the deserialiser's message without
//! Rust's names for types.

use actix_web::error::JsonPayloadError;

use super::ApiError;

impl From<JsonPayloadError> for ApiError {
    fn from(err: JsonPayloadError) -> Self {
        match err {
            JsonPayloadError::OverflowKnownLength { limit, .. } | JsonPayloadError::Overflow { limit } => {
                ApiError::PayloadTooLarge { limit }
            }
            JsonPayloadError::ContentType => {
                ApiError::UnsupportedMediaType("Send the body as JSON with `Content-Type: application/json`.".into())
            }
            JsonPayloadError::Deserialize(e) if e.is_data() => {
                let message = format!("The JSON body does not fit this endpoint: {}.", without_type_names(&e));
                match field_at_fault(&e.to_string()) {
                    Some(field) => ApiError::BadField { field, message },
                    None => ApiError::BadRequest(message),
                }
            }
            JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("The body is not valid JSON: {e}.")),
            JsonPayloadError::Payload(err) => ApiError::from_payload(err, crate::app::JSON_LIMIT as u64),
            other => ApiError::BadRequest(format!("The request body could not be read: {other}.")),
        }
    }
}

impl ApiError {
    /// A JSON body or query string that does not fit its type (`what`: "The JSON body"), with
    /// the path of the value at fault as `param`: `interimTarget.year`, `projects[0].status`.
    pub(crate) fn misfit<E: std::error::Error>(what: &str, err: serde_path_to_error::Error<E>) -> ApiError {
        let text = in_client_terms(&err.inner().to_string());
        match path_at_fault(err.path(), &text) {
            Some(field) => ApiError::BadField {
                message: format!("{what} does not fit this endpoint at `{field}`: {text}."),
                field,
            },
            None => ApiError::BadRequest(format!("{what} does not fit this endpoint: {text}.")),
        }
    }
}

/// Where a value failed: the path to it, and for a field missing or not expected, that field's
/// name after the object holding it. The client's own key names are quoted back visible
/// characters only, and not too many.
fn path_at_fault(path: &serde_path_to_error::Path, message: &str) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut at = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => at.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    if let Some(name) = field_at_fault(message) {
        let named_last = matches!(path.iter().next_back(), Some(Segment::Map { key }) if *key == name);
        if !named_last {
            if !at.is_empty() {
                at.push('.');
            }
            at.push_str(&name);
        }
    }
    let at: String = at.chars().filter(|c| !c.is_control()).take(128).collect();
    (!at.is_empty()).then_some(at)
}

/// A deserialiser's message without Rust's names for numbers: "expected i32" says nothing to a
/// client; "expected a whole number" does.
fn in_client_terms(text: &str) -> String {
    let mut text = text.to_owned();
    for rust in ["u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize"] {
        text = text.replace(&format!("expected {rust}"), "expected a whole number in range");
    }
    text
}

/// The field a deserialiser's message names: "missing field `unit`", "unknown field `units`".
/// A name the client sent is quoted back visible characters only, and not too many.
fn field_at_fault(message: &str) -> Option<String> {
    let at =
        ["missing field `", "unknown field `"].iter().find_map(|lead| message.find(lead).map(|i| i + lead.len()))?;
    let name: String = message[at..].chars().take_while(|c| *c != '`').filter(|c| !c.is_control()).take(64).collect();
    (!name.is_empty()).then_some(name)
}

/// A deserialiser's message in the client's terms: "expected struct ConfirmIn with 10 elements"
/// names a Rust type, not anything the client sent.
fn without_type_names(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.find("expected struct ") {
        Some(at) => {
            let rest = &text[at..];
            let end = rest.find(" at line").unwrap_or(rest.len());
            format!("{}expected a JSON object{}", &text[..at], &rest[end..])
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Target {
        year: i32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inputs {
        interim_target: Option<Target>,
        projects: Option<Vec<Target>>,
    }

    fn misfit_of(json: &str) -> ApiError {
        let mut de = serde_json::Deserializer::from_str(json);
        let err = serde_path_to_error::deserialize::<_, Inputs>(&mut de).expect_err("does not fit");
        ApiError::misfit("The JSON body", err)
    }

    fn field_and_message(err: ApiError) -> (String, String) {
        match err {
            ApiError::BadField { field, message } => (field, message),
            other => panic!("no field at fault: {other:?}"),
        }
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named_by_its_path_in_client_terms() {
        let (field, message) = field_and_message(misfit_of(r#"{"interimTarget": {"year": "soon"}}"#));
        assert_eq!(field, "interimTarget.year");
        assert!(message.contains("at `interimTarget.year`"), "{message}");
        assert!(!message.contains("i32"), "Rust's type names stay out: {message}");
        let (field, _) = field_and_message(misfit_of(r#"{"projects": [{"year": 1}, {"year": 2.5}]}"#));
        assert_eq!(field, "projects[1].year");
    }

    #[test]
    fn a_missing_or_unknown_field_is_named_after_the_object_holding_it() {
        let (field, _) = field_and_message(misfit_of(r#"{"interimTarget": {}}"#));
        assert_eq!(field, "interimTarget.year");
        let (field, message) = field_and_message(misfit_of(r#"{"interimTarget": {"year": 1, "yeer": 2}}"#));
        assert_eq!(field, "interimTarget.yeer");
        assert!(message.contains("unknown field `yeer`"), "{message}");
    }

    #[test]
    fn a_clients_own_key_comes_back_visible_and_short() {
        let long = "k".repeat(500);
        let (field, _) = field_and_message(misfit_of(&format!(r#"{{"a\u0007{long}": 1}}"#)));
        assert!(!field.chars().any(char::is_control), "{field:?}");
        assert!(field.chars().count() <= 128, "{}", field.len());
    }

    #[test]
    fn whole_numbers_are_asked_for_in_words() {
        assert_eq!(
            in_client_terms("invalid type: string, expected i32"),
            "invalid type: string, expected a whole number in range"
        );
        assert_eq!(in_client_terms("expected u8 at line 1"), "expected a whole number in range at line 1");
    }

    #[test]
    fn field_names_are_read_from_the_deserialisers_message() {
        assert_eq!(field_at_fault("missing field `unit` at line 1 column 2").as_deref(), Some("unit"));
        assert_eq!(field_at_fault("unknown field `units`, expected one of `unit`").as_deref(), Some("units"));
        assert_eq!(field_at_fault("invalid type: null"), None);
        assert_eq!(field_at_fault("missing field ``"), None);
    }

    #[test]
    fn struct_names_never_reach_the_client() {
        let err = serde_json::from_str::<Target>("1").expect_err("a number is not an object");
        let text = without_type_names(&err);
        assert!(!text.contains("struct Target"), "{text}");
        assert!(text.contains("expected a JSON object"), "{text}");
    }
}
