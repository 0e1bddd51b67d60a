//! Rust constant names from slugs: `pro-monthly` -> `PRO_MONTHLY`, `10x` -> `_10X`.

use std::collections::BTreeMap;

use crate::format::PricingError;

/// The constant name for `slug`: ASCII letters and digits upper-cased, every other character
/// (and runs of them) one `_`, a leading digit prefixed by `_`, and `SLUG_` before a name that
/// would be empty or `_` alone. Upper-case names never collide with Rust's keywords, which are
/// all lower-case.
pub(crate) fn const_name(slug: &str) -> String {
    let mut name = String::with_capacity(slug.len());
    for c in slug.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_uppercase());
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    let trimmed = name.trim_end_matches('_');
    let mut name = if trimmed.is_empty() {
        name
    } else {
        trimmed.to_owned()
    };
    if name.is_empty() || name.chars().all(|c| c == '_') {
        name = format!("SLUG{name}");
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// `(constant name, slug)` for every slug of one kind, sorted by name.
///
/// # Errors
///
/// [`PricingError::Invalid`] when a slug appears twice, or two slugs make the same name.
pub(crate) fn names<'a>(
    kind: &str,
    slugs: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<(String, &'a str)>, PricingError> {
    let mut by_name: BTreeMap<String, &str> = BTreeMap::new();
    for slug in slugs {
        let name = const_name(slug);
        if let Some(other) = by_name.insert(name.clone(), slug) {
            return Err(PricingError::Invalid(if other == slug {
                format!("the {kind} slug {slug:?} appears twice")
            } else {
                format!(
                    "the {kind} slugs {other:?} and {slug:?} both make the constant name \
                     {name}; rename one of them"
                )
            }));
        }
    }
    Ok(by_name.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_rust_constants() {
        assert_eq!(const_name("premium_feature"), "PREMIUM_FEATURE");
        assert_eq!(const_name("pro-monthly"), "PRO_MONTHLY");
        assert_eq!(const_name("api.calls/v2"), "API_CALLS_V2");
        assert_eq!(const_name("10x"), "_10X");
        assert_eq!(const_name("été"), "_T");
        assert_eq!(const_name("-"), "SLUG_");
        assert_eq!(const_name("self"), "SELF");
        assert_eq!(const_name("trailing-"), "TRAILING");
    }

    #[test]
    fn collisions_are_errors_naming_both_slugs() {
        let err = names("price", ["pro-monthly", "pro_monthly"]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("\"pro-monthly\"") && text.contains("\"pro_monthly\""));
        assert!(text.contains("PRO_MONTHLY"), "{text}");
        let twice = names("feature", ["a", "a"]).unwrap_err().to_string();
        assert!(twice.contains("appears twice"), "{twice}");
        let ok = names("feature", ["b", "a"]).unwrap();
        assert_eq!(ok, vec![("A".to_owned(), "a"), ("B".to_owned(), "b")]);
    }
}
