//! Path-template matching.
//!
//! A template such as `/api/v1/customers/{externalId}/billing` is split into `/`-separated
//! segments; a segment is either literal or holds one `{param}` (optionally with a literal
//! prefix and suffix, e.g. `{id}.json`). A parameter matches one non-empty request segment,
//! which is percent-decoded afterwards, so `%2F` stays inside the parameter.
//!
//! When several templates match, the one whose first differing segment is literal wins:
//! `/pricing-models/default` beats `/pricing-models/{id}`.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// Matches exactly this (decoded) text.
    Literal(String),
    /// Matches `prefix` + a non-empty value + `suffix`.
    Param {
        prefix: String,
        name: String,
        suffix: String,
    },
}

/// A parsed path template.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    segments: Vec<Segment>,
}

impl Template {
    /// Parses a template such as `/api/v1/things/{id}`.
    pub(crate) fn parse(template: &str) -> Self {
        let segments = split(template)
            .map(|seg| match (seg.find('{'), seg.rfind('}')) {
                (Some(open), Some(close)) if open < close => Segment::Param {
                    prefix: seg[..open].to_owned(),
                    name: seg[open + 1..close].to_owned(),
                    suffix: seg[close + 1..].to_owned(),
                },
                _ => Segment::Literal(decode(seg)),
            })
            .collect();
        Self { segments }
    }

    /// Matches a raw (percent-encoded) request path. On success returns the decoded parameters
    /// and a rank: one entry per segment, 0 for literal and 1 for templated; a smaller rank
    /// (compared lexicographically) is a more specific match.
    pub(crate) fn matches(&self, path: &str) -> Option<(BTreeMap<String, String>, Vec<u8>)> {
        let mut params = BTreeMap::new();
        let mut rank = Vec::with_capacity(self.segments.len());
        let mut request = split(path);
        for segment in &self.segments {
            let raw = request.next()?;
            match segment {
                Segment::Literal(text) => {
                    if raw != text && decode(raw) != *text {
                        return None;
                    }
                    rank.push(0);
                }
                Segment::Param {
                    prefix,
                    name,
                    suffix,
                } => {
                    let inner = raw.strip_prefix(prefix.as_str())?;
                    let inner = inner.strip_suffix(suffix.as_str())?;
                    if inner.is_empty() {
                        return None;
                    }
                    params.insert(name.clone(), decode(inner));
                    rank.push(1);
                }
            }
        }
        if request.next().is_some() {
            return None;
        }
        Some((params, rank))
    }
}

/// Splits a path into its segments, skipping the leading `/`.
fn split(path: &str) -> std::str::Split<'_, char> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

/// Percent-decodes one segment (invalid UTF-8 is replaced, which then fails schema checks).
fn decode(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_param_segments() {
        let t = Template::parse("/api/v1/customers/{externalId}/billing");
        let (params, rank) = t.matches("/api/v1/customers/c%2F1%20x/billing").unwrap();
        assert_eq!(params["externalId"], "c/1 x");
        assert_eq!(rank, vec![0, 0, 0, 1, 0]);
        assert!(t.matches("/api/v1/customers/c1").is_none());
        assert!(t.matches("/api/v1/customers//billing").is_none());
        assert!(t.matches("/api/v1/customers/c1/billing/x").is_none());
        assert!(t.matches("/api/v1/customers/c1/billing/").is_none());
    }

    #[test]
    fn param_with_prefix_and_suffix() {
        let t = Template::parse("/files/v{version}.json");
        let (params, _) = t.matches("/files/v12.json").unwrap();
        assert_eq!(params["version"], "12");
        assert!(t.matches("/files/12.json").is_none());
        assert!(t.matches("/files/v.json").is_none());
    }

    #[test]
    fn literal_ranks_before_param() {
        let literal = Template::parse("/pricing-models/default");
        let param = Template::parse("/pricing-models/{id}");
        let (_, a) = literal.matches("/pricing-models/default").unwrap();
        let (_, b) = param.matches("/pricing-models/default").unwrap();
        assert!(a < b);
    }
}
