//! Helpers for HTML forms: error messages per field from `validator`, and URL encoding.
use std::collections::BTreeMap;

use validator::ValidationErrors;

/// Field name → the first message for it, as templates show next to each field.
pub type FieldErrors = BTreeMap<String, String>;

/// The first message of each failing field (including struct-level errors, under the name
/// the validator gave them).
#[must_use]
pub fn field_errors(errors: &ValidationErrors) -> FieldErrors {
    errors
        .field_errors()
        .into_iter()
        .filter_map(|(field, errs)| {
            errs.first().map(|e| {
                let msg = e
                    .message
                    .as_ref()
                    .map_or_else(|| "Check this field.".to_string(), ToString::to_string);
                (field.to_string(), msg)
            })
        })
        .collect()
}

/// Percent-encodes `s` for a query string.
#[must_use]
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A `next` target is followed only when it is a path on this site: it starts with one `/`,
/// holds no backslash or control character, and is not protocol-relative (`//evil`).
#[must_use]
pub fn safe_next(next: Option<&str>, fallback: &str) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control)
                && n.len() <= 2000 =>
        {
            n.to_string()
        }
        _ => fallback.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(
            safe_next(Some("/admin/audit?page=2"), "/"),
            "/admin/audit?page=2"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "/\nx",
        ] {
            assert_eq!(safe_next(Some(bad), "/home"), "/home", "{bad:?}");
        }
        assert_eq!(safe_next(None, "/home"), "/home");
    }
}
