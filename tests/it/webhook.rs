// Integration tests for `flowglad::webhook`.
//
// The svix interop test needs `npm ci --prefix tests/interop`; it is skipped
// without it, except under CI (env `CI` set), where it fails. The axum tests
// need `--features axum` (or `--all-features`).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use flowglad::webhook::{
    self, CustomerRef, EventObject, EventType, HeaderFamily, SignedHeaders, VerifiedPayload,
    Verifier, WebhookError, WebhookEvent, WebhookSecret, sign, sign_headers,
};
use http::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// 32-byte key (bytes 0..32), so its base64 ends in `=` padding.
const OTHER_SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const TS: i64 = 1_700_000_000;
/// A delivery body as Flowglad sends it (reference §13).
const BODY: &[u8] = br#"{"id":"cust_1","object":"customer","customer":{"id":"cust_1","externalId":"user_1"},"pricingModelId":"pricing_model_1"}"#;

fn secret() -> WebhookSecret {
    WebhookSecret::new(SECRET).unwrap()
}

/// A verifier whose clock reads `now`.
fn verifier_at(now: i64) -> Verifier {
    Verifier::new(SECRET).unwrap().with_clock(move || now)
}

fn headers(id: &str, ts: &str, sig: &str) -> Vec<(&'static str, String)> {
    vec![
        ("svix-id", id.to_owned()),
        ("svix-timestamp", ts.to_owned()),
        ("svix-signature", sig.to_owned()),
    ]
}

fn valid_sig() -> String {
    sign(&secret(), "msg_1", TS, BODY)
}

// ---------------------------------------------------------------- signing ---

#[test]
fn matches_published_svix_test_vector() {
    let sig = sign(
        &secret(),
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        br#"{"test": 2432232314}"#,
    );
    assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

#[test]
fn sign_headers_produces_all_three_headers() {
    let signed = sign_headers(&secret(), "msg_1", TS, BODY);
    assert_eq!(signed.id, "msg_1");
    assert_eq!(signed.timestamp, "1700000000");
    assert_eq!(signed.signature, valid_sig());
    let map = signed.to_header_map();
    assert_eq!(map.len(), 3);
    assert_eq!(map["svix-signature"], valid_sig().as_str());
    let pairs = signed.pairs();
    assert_eq!(pairs[0], ("svix-id", "msg_1"));
}

#[test]
fn signed_headers_now_verify_with_system_clock() {
    let signed = SignedHeaders::now(&secret(), "msg_now", BODY);
    let payload = Verifier::new(SECRET)
        .unwrap()
        .verify(BODY, &signed)
        .unwrap();
    assert_eq!(payload.id(), "msg_now");
    // The one-shot function uses the system clock too.
    webhook::verify(SECRET, BODY, &signed).unwrap();
}

// ------------------------------------------------------------ happy paths ---

#[test]
fn verifies_valid_delivery_and_returns_payload() {
    let payload = verifier_at(TS)
        .verify(BODY, &headers("msg_1", "1700000000", &valid_sig()))
        .unwrap();
    assert_eq!(payload.id(), "msg_1");
    assert_eq!(payload.timestamp(), TS);
    assert_eq!(payload.body(), BODY);
    assert_eq!(payload.body_bytes().as_ref(), BODY);
    assert_eq!(payload.clone().into_body().as_ref(), BODY);
}

#[test]
fn header_sources_are_all_accepted_case_insensitively() {
    let v = verifier_at(TS);
    let sig = valid_sig();

    let mut map = HeaderMap::new();
    map.insert("Svix-Id", HeaderValue::from_static("msg_1"));
    map.insert("SVIX-TIMESTAMP", HeaderValue::from_static("1700000000"));
    map.insert("svix-signature", HeaderValue::from_str(&sig).unwrap());
    v.verify(BODY, &map).unwrap();

    let pairs = [
        ("SVIX-ID", "msg_1"),
        ("Svix-Timestamp", "1700000000"),
        ("sViX-sIgNaTuRe", sig.as_str()),
    ];
    v.verify(BODY, &pairs).unwrap();
    v.verify(BODY, &pairs[..]).unwrap();

    let hash: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.verify(BODY, &hash).unwrap();
    let tree: BTreeMap<&str, Vec<u8>> = pairs
        .iter()
        .map(|(k, v)| (*k, v.as_bytes().to_vec()))
        .collect();
    v.verify(BODY, &tree).unwrap();

    let payload = v
        .verify_with(BODY, |name| {
            pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        })
        .unwrap();
    assert_eq!(payload.id(), "msg_1");
}

#[test]
fn standard_webhooks_header_names_are_accepted() {
    let v = verifier_at(TS);
    let signed = sign_headers(&secret(), "msg_std", TS, BODY);
    let pairs = signed.pairs_for(HeaderFamily::StandardWebhooks);
    assert_eq!(
        pairs.map(|(n, _)| n),
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
    );
    assert_eq!(v.verify(BODY, &pairs).unwrap().message_id(), "msg_std");
    let map = signed.to_header_map_for(HeaderFamily::StandardWebhooks);
    assert_eq!(v.verify(BODY, &map).unwrap().message_id(), "msg_std");
    // Any case.
    let shouting: Vec<(String, &str)> = pairs
        .iter()
        .map(|(n, val)| (n.to_uppercase(), *val))
        .collect();
    assert_eq!(v.verify(BODY, &shouting).unwrap().message_id(), "msg_std");
    // The one-shot function too (system clock).
    let now = SignedHeaders::now(&secret(), "msg_now", BODY);
    let payload =
        webhook::verify(SECRET, BODY, &now.pairs_for(HeaderFamily::StandardWebhooks)).unwrap();
    assert_eq!(payload.message_id(), "msg_now");
    // A wrong signature under the Standard Webhooks names is still refused.
    let forged = [
        ("webhook-id", "msg_std"),
        ("webhook-timestamp", "1700000000"),
        ("webhook-signature", "v1,AAAA"),
    ];
    assert!(matches!(
        v.verify(BODY, &forged),
        Err(WebhookError::NoMatchingSignature { provided: 1 })
    ));
}

#[test]
fn header_families_are_not_mixed() {
    let v = verifier_at(TS);
    let sig = valid_sig();
    // Complete svix-* headers win over incomplete webhook-* ones.
    let svix_wins = [
        ("svix-id", "msg_1"),
        ("svix-timestamp", "1700000000"),
        ("svix-signature", sig.as_str()),
        ("webhook-id", "other"),
    ];
    assert_eq!(v.verify(BODY, &svix_wins).unwrap().message_id(), "msg_1");
    // Incomplete svix-*, complete webhook-*: the webhook-* family is used.
    let std_wins = [
        ("svix-id", "ignored"),
        ("webhook-id", "msg_1"),
        ("webhook-timestamp", "1700000000"),
        ("webhook-signature", sig.as_str()),
    ];
    assert_eq!(v.verify(BODY, &std_wins).unwrap().message_id(), "msg_1");
    // Only webhook-* headers, one missing: that one is named.
    assert!(matches!(
        v.verify(
            BODY,
            &[("webhook-id", "msg_1"), ("webhook-signature", sig.as_str())]
        ),
        Err(WebhookError::MissingHeader("webhook-timestamp"))
    ));
    // A mix of halves is not a delivery: the svix-* name is reported.
    assert!(matches!(
        v.verify(
            BODY,
            &[
                ("svix-id", "msg_1"),
                ("webhook-timestamp", "1700000000"),
                ("svix-signature", sig.as_str())
            ]
        ),
        Err(WebhookError::MissingHeader("svix-timestamp"))
    ));
}

#[test]
fn verify_at_overrides_the_clock() {
    // The clock says "far future", but verify_at's `now` wins.
    let v = verifier_at(TS + 10_000);
    let h = headers("msg_1", "1700000000", &valid_sig());
    assert!(matches!(
        v.verify(BODY, &h),
        Err(WebhookError::TimestampTooOld { .. })
    ));
    v.verify_at(BODY, &h, TS).unwrap();
}

#[test]
fn verify_event_verifies_and_parses() {
    let event = verifier_at(TS)
        .verify_event(BODY, &headers("msg_1", "1700000000", &valid_sig()))
        .unwrap();
    assert_eq!(
        (event.object(), event.id()),
        (&EventObject::Customer, "cust_1")
    );
}

// ------------------------------------------------------- forged requests ---

#[test]
fn tampered_body_is_rejected() {
    let mut tampered = BODY.to_vec();
    let pos = tampered.iter().position(|&b| b == b'1').unwrap();
    tampered[pos] = b'2';
    let err = verifier_at(TS)
        .verify(&tampered, &headers("msg_1", "1700000000", &valid_sig()))
        .unwrap_err();
    assert!(matches!(
        err,
        WebhookError::NoMatchingSignature { provided: 1 }
    ));
}

#[test]
fn tampered_id_or_timestamp_is_rejected() {
    let v = verifier_at(TS);
    let err = v
        .verify(BODY, &headers("msg_2", "1700000000", &valid_sig()))
        .unwrap_err();
    assert!(matches!(err, WebhookError::NoMatchingSignature { .. }));
    let err = v
        .verify(BODY, &headers("msg_1", "1700000001", &valid_sig()))
        .unwrap_err();
    assert!(matches!(err, WebhookError::NoMatchingSignature { .. }));
}

#[test]
fn wrong_secret_is_rejected() {
    let other = WebhookSecret::new(OTHER_SECRET).unwrap();
    let sig = sign(&other, "msg_1", TS, BODY);
    let err = verifier_at(TS)
        .verify(BODY, &headers("msg_1", "1700000000", &sig))
        .unwrap_err();
    assert!(matches!(
        err,
        WebhookError::NoMatchingSignature { provided: 1 }
    ));
    // ...and the other secret's verifier accepts it.
    Verifier::new(OTHER_SECRET)
        .unwrap()
        .verify_at(BODY, &headers("msg_1", "1700000000", &sig), TS)
        .unwrap();
}

#[test]
fn rotated_secrets_any_valid_signature_is_accepted() {
    let old = sign(
        &WebhookSecret::new(OTHER_SECRET).unwrap(),
        "msg_1",
        TS,
        BODY,
    );
    let new = valid_sig();
    let v = verifier_at(TS);
    for header in [
        format!("{old} {new}"),
        format!("{new} {old}"),
        format!("  {old}\t{new}  "),
        format!("{old}   v1,AAAA {new}"),
    ] {
        v.verify(BODY, &headers("msg_1", "1700000000", &header))
            .unwrap_or_else(|e| panic!("{header:?}: {e}"));
    }
    let signed = sign_headers(&secret(), "msg_1", TS, BODY).with_extra_signature(&old);
    v.verify(BODY, &signed).unwrap();

    let err = v
        .verify(
            BODY,
            &headers("msg_1", "1700000000", &format!("{old} {old}")),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        WebhookError::NoMatchingSignature { provided: 2 }
    ));
}

#[test]
fn non_v1_and_empty_entries_are_skipped() {
    let v = verifier_at(TS);
    let good = valid_sig();
    let bare = good.strip_prefix("v1,").unwrap();

    // The right signature under another version does not count.
    for header in [
        format!("v2,{bare}"),
        format!("V1,{bare}"),
        format!("v1a,{bare}"),
        bare.to_owned(),
        "v1,".to_owned(),
        "v1, v2,abc".to_owned(),
    ] {
        let err = v
            .verify(BODY, &headers("msg_1", "1700000000", &header))
            .unwrap_err();
        assert!(
            matches!(err, WebhookError::NoMatchingSignature { provided: 0 }),
            "{header:?}: {err:?}"
        );
    }
    // Skipped entries do not hide a valid one.
    v.verify(
        BODY,
        &headers("msg_1", "1700000000", &format!("v2,{bare} v1, {good}")),
    )
    .unwrap();
}

#[test]
fn malformed_or_short_signatures_do_not_match() {
    let v = verifier_at(TS);
    let good = valid_sig();
    let bare = good.strip_prefix("v1,").unwrap();
    for header in [
        "v1,not*base64".to_owned(),
        "v1,AAAAAAAAAAAAAAAAAAAAAA==".to_owned(), // 16 bytes
        format!("v1,{}", &bare[..20]),            // truncated
        format!("v1,{bare}AAAA"),                 // 35 bytes
        format!("v1,{}", bare.trim_end_matches('=')), // unpadded
    ] {
        let err = v
            .verify(BODY, &headers("msg_1", "1700000000", &header))
            .unwrap_err();
        assert!(
            matches!(err, WebhookError::NoMatchingSignature { provided: 1 }),
            "{header:?}: {err:?}"
        );
    }
}

// ------------------------------------------------------------- timestamps ---

#[test]
fn timestamp_age_boundary() {
    let h = headers("msg_1", "1700000000", &valid_sig());
    verifier_at(TS + 300).verify(BODY, &h).unwrap();
    let err = verifier_at(TS + 301).verify(BODY, &h).unwrap_err();
    assert!(matches!(
        err,
        WebhookError::TimestampTooOld {
            age: 301,
            tolerance: 300
        }
    ));
}

#[test]
fn timestamp_future_boundary() {
    let h = headers("msg_1", "1700000000", &valid_sig());
    verifier_at(TS - 60).verify(BODY, &h).unwrap();
    let err = verifier_at(TS - 61).verify(BODY, &h).unwrap_err();
    assert!(matches!(
        err,
        WebhookError::TimestampTooNew {
            ahead: 61,
            max_skew: 60
        }
    ));
}

#[test]
fn tolerance_and_skew_are_configurable() {
    let h = headers("msg_1", "1700000000", &valid_sig());
    let v = verifier_at(TS + 600).with_tolerance(Duration::from_secs(600));
    assert_eq!(v.tolerance(), Duration::from_secs(600));
    v.verify(BODY, &h).unwrap();
    let err = verifier_at(TS + 601)
        .with_tolerance(Duration::from_secs(600))
        .verify(BODY, &h)
        .unwrap_err();
    assert!(matches!(
        err,
        WebhookError::TimestampTooOld {
            age: 601,
            tolerance: 600
        }
    ));

    let v = verifier_at(TS - 5).with_max_future_skew(Duration::from_secs(5));
    assert_eq!(v.max_future_skew(), Duration::from_secs(5));
    v.verify(BODY, &h).unwrap();
    let err = verifier_at(TS - 6)
        .with_max_future_skew(Duration::from_secs(5))
        .verify(BODY, &h)
        .unwrap_err();
    assert!(matches!(
        err,
        WebhookError::TimestampTooNew {
            ahead: 6,
            max_skew: 5
        }
    ));
}

#[test]
fn timestamp_checks_can_be_disabled_but_parsing_stays_strict() {
    let h = headers("msg_1", "1700000000", &valid_sig());
    for now in [0, TS - 1_000_000, TS + 1_000_000] {
        verifier_at(now)
            .with_timestamp_check(false)
            .verify(BODY, &h)
            .unwrap();
    }
    let err = verifier_at(TS)
        .with_timestamp_check(false)
        .verify(BODY, &headers("msg_1", "17e8", &valid_sig()))
        .unwrap_err();
    assert!(matches!(err, WebhookError::InvalidTimestamp));
}

#[test]
fn timestamp_is_parsed_strictly() {
    // JavaScript's parseInt would accept several of these ("12abc" -> 12).
    let v = verifier_at(TS).with_timestamp_check(false);
    for ts in [
        "abc",
        "1700000000abc",
        "17e8",
        "1700000000.0",
        " 1700000000",
        "1700000000 ",
        "+1700000000",
        "-1700000000",
        "0x6553f100",
        "１７００",             // full-width digits
        "99999999999999999999", // overflows i64
    ] {
        let err = v
            .verify(BODY, &headers("msg_1", ts, &valid_sig()))
            .unwrap_err();
        assert!(
            matches!(err, WebhookError::InvalidTimestamp),
            "{ts:?}: {err:?}"
        );
    }
}

#[test]
fn timestamp_is_checked_before_signature() {
    // A stale delivery with a garbage signature reports the timestamp.
    let err = verifier_at(TS + 1000)
        .verify(BODY, &headers("msg_1", "1700000000", "v1,garbage"))
        .unwrap_err();
    assert!(matches!(err, WebhookError::TimestampTooOld { .. }));
}

// ---------------------------------------------------------------- headers ---

#[test]
fn missing_headers_are_reported_in_order() {
    let v = verifier_at(TS);
    let sig = valid_sig();
    let none: [(&str, &str); 0] = [];
    assert!(matches!(
        v.verify(BODY, &none),
        Err(WebhookError::MissingHeader("svix-id"))
    ));
    assert!(matches!(
        v.verify(BODY, &[("svix-signature", sig.as_str())]),
        Err(WebhookError::MissingHeader("svix-id"))
    ));
    assert!(matches!(
        v.verify(
            BODY,
            &[("svix-id", "msg_1"), ("svix-signature", sig.as_str())]
        ),
        Err(WebhookError::MissingHeader("svix-timestamp"))
    ));
    assert!(matches!(
        v.verify(
            BODY,
            &[("svix-id", "msg_1"), ("svix-timestamp", "1700000000")]
        ),
        Err(WebhookError::MissingHeader("svix-signature"))
    ));
}

#[test]
fn empty_headers_count_as_missing() {
    let v = verifier_at(TS);
    let sig = valid_sig();
    for (h, name) in [
        (headers("", "1700000000", &sig), "svix-id"),
        (headers("msg_1", "", &sig), "svix-timestamp"),
        (headers("msg_1", "1700000000", ""), "svix-signature"),
    ] {
        match v.verify(BODY, &h) {
            Err(WebhookError::MissingHeader(n)) => assert_eq!(n, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn non_utf8_header_is_invalid_header() {
    let mut map = sign_headers(&secret(), "msg_1", TS, BODY).to_header_map();
    map.insert("svix-id", HeaderValue::from_bytes(b"msg_\xff").unwrap());
    assert!(matches!(
        verifier_at(TS).verify(BODY, &map),
        Err(WebhookError::InvalidHeader("svix-id"))
    ));
}

// ----------------------------------------------------------------- secret ---

#[test]
fn malformed_secrets_are_invalid_secret() {
    for bad in [
        "",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", // no prefix
        "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_",                                            // empty key
        "whsec_not base64!",                                 // bad characters
        "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", // missing padding
        "whsec_YR==",                                        // non-zero trailing bits
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",          // trailing newline
        "whsec_MfKQ9r8GKYqr-wjUPD8ILPZIo2LaLaSw",            // URL-safe alphabet
    ] {
        let err = WebhookSecret::new(bad).unwrap_err();
        assert!(
            matches!(err, WebhookError::InvalidSecret { .. }),
            "{bad:?}: {err:?}"
        );
        assert!(matches!(
            Verifier::new(bad),
            Err(WebhookError::InvalidSecret { .. })
        ));
        assert!(matches!(
            bad.parse::<WebhookSecret>(),
            Err(WebhookError::InvalidSecret { .. })
        ));
    }
    assert!(matches!(
        WebhookSecret::from_bytes(&[]),
        Err(WebhookError::InvalidSecret { .. })
    ));
    WebhookSecret::from_bytes(b"any key").unwrap();
}

#[test]
fn from_bytes_matches_whsec_text() {
    let key: Vec<u8> = (0u8..32).collect();
    let a = WebhookSecret::from_bytes(&key).unwrap();
    let b = WebhookSecret::new(OTHER_SECRET).unwrap();
    assert_eq!(sign(&a, "m", TS, BODY), sign(&b, "m", TS, BODY));
}

#[test]
fn one_shot_verify_follows_typescript_check_order() {
    let bad_secret = "not-a-secret";
    let now = SignedHeaders::now(&secret(), "msg_1", BODY);
    // headers before secret
    let none: [(&str, &str); 0] = [];
    assert!(matches!(
        webhook::verify(bad_secret, BODY, &none),
        Err(WebhookError::MissingHeader("svix-id"))
    ));
    // timestamp before secret
    assert!(matches!(
        webhook::verify(bad_secret, BODY, &headers("msg_1", "1", &now.signature)),
        Err(WebhookError::TimestampTooOld { .. })
    ));
    assert!(matches!(
        webhook::verify(bad_secret, BODY, &headers("msg_1", "x", &now.signature)),
        Err(WebhookError::InvalidTimestamp)
    ));
    // secret before signature
    assert!(matches!(
        webhook::verify(bad_secret, BODY, &now),
        Err(WebhookError::InvalidSecret { .. })
    ));
    assert!(matches!(
        webhook::verify(OTHER_SECRET, BODY, &now),
        Err(WebhookError::NoMatchingSignature { provided: 1 })
    ));
    webhook::verify(SECRET, BODY, &now).unwrap();
}

#[test]
fn from_env_reads_flowglad_webhook_secret() {
    // Changing the environment needs `unsafe` in edition 2024 and would race
    // with other tests, so the checks run in a child process (this same test
    // binary, filtered to this test) with its own environment.
    const CHILD: &str = "FLOWGLAD_WEBHOOK_TEST_CHILD";
    assert_eq!(webhook::SECRET_ENV_VAR, "FLOWGLAD_WEBHOOK_SECRET");
    if let Ok(expect) = std::env::var(CHILD) {
        let result = Verifier::from_env();
        if expect == "ok" {
            result
                .unwrap()
                .verify_at(BODY, &headers("msg_1", "1700000000", &valid_sig()), TS)
                .unwrap();
        } else {
            assert!(matches!(result, Err(WebhookError::InvalidSecret { .. })));
        }
        return;
    }
    for (value, expect) in [
        (Some(SECRET), "ok"),
        (None, "err"),
        (Some("whsec_!"), "err"),
    ] {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        // This test's path inside the test binary (`webhook::from_env_…`).
        let name = format!(
            "{}::from_env_reads_flowglad_webhook_secret",
            module_path!().split_once("::").map_or("", |(_, m)| m)
        );
        cmd.args(["--exact", &name]).env(CHILD, expect);
        match value {
            Some(v) => cmd.env(webhook::SECRET_ENV_VAR, v),
            None => cmd.env_remove(webhook::SECRET_ENV_VAR),
        };
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "child ({value:?}) failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn secret_never_appears_in_debug_or_errors() {
    let key_text = SECRET.strip_prefix("whsec_").unwrap();
    let s = secret();
    let v = Verifier::from_secret(s.clone()).with_clock(|| TS);
    let mut shown = vec![
        format!("{s:?}"),
        format!("{s:#?}"),
        format!("{v:?}"),
        format!("{v:#?}"),
    ];
    assert_eq!(shown[0], "WebhookSecret(<redacted>)");
    assert!(shown[2].contains("<redacted>"));

    // Errors carry neither the secret nor the expected signature.
    let expected = valid_sig();
    let errors = [
        v.verify(BODY, &headers("msg_1", "1700000000", "v1,AAAA"))
            .unwrap_err(),
        WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!").unwrap_err(),
        WebhookSecret::new(key_text).unwrap_err(),
        webhook::verify(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!",
            BODY,
            &SignedHeaders::now(&s, "m", BODY),
        )
        .unwrap_err(),
    ];
    for e in &errors {
        shown.push(format!("{e}"));
        shown.push(format!("{e:?}"));
    }
    for text in &shown {
        assert!(!text.contains(key_text), "leaked key: {text}");
        assert!(!text.contains("MfKQ9r8GKYqr"), "leaked key part: {text}");
        assert!(
            !text.contains(expected.strip_prefix("v1,").unwrap()),
            "leaked signature: {text}"
        );
    }
}

// ------------------------------------------------------------------ error ---

#[test]
fn every_error_variant_has_a_distinct_code_and_message() {
    let errors = [
        WebhookError::MissingHeader("svix-id"),
        WebhookError::InvalidHeader("svix-id"),
        WebhookError::InvalidTimestamp,
        WebhookError::TimestampTooOld {
            age: 301,
            tolerance: 300,
        },
        WebhookError::TimestampTooNew {
            ahead: 61,
            max_skew: 60,
        },
        WebhookError::InvalidSecret { reason: "x" },
        WebhookError::NoMatchingSignature { provided: 2 },
        WebhookEvent::from_json(b"nope").unwrap_err(),
    ];
    let codes: std::collections::HashSet<_> = errors.iter().map(WebhookError::code).collect();
    assert_eq!(codes.len(), errors.len());
    assert_eq!(
        errors[3].to_string(),
        "webhook timestamp is too old: 301 s old, tolerance is 300 s"
    );
    assert!(errors[0].to_string().contains("svix-id"));
    assert!(errors[6].to_string().contains('2'));
    assert!(std::error::Error::source(&errors[7]).is_some());
}

// ---------------------------------------------------------------- parsing ---

fn event(json: Value) -> WebhookEvent {
    WebhookEvent::from_json(json.to_string().as_bytes()).unwrap()
}

fn invalid_event(json: &[u8]) -> String {
    match WebhookEvent::from_json(json) {
        Err(WebhookError::InvalidEvent { reason }) => reason,
        other => panic!("{}: {other:?}", String::from_utf8_lossy(json)),
    }
}

/// Reference §13: the body is the stored payload object alone, for every noun.
#[test]
fn decodes_every_noun_of_the_thin_payload() {
    let nouns = [
        ("customer", EventObject::Customer),
        ("user", EventObject::User),
        ("purchase", EventObject::Purchase),
        ("invoice", EventObject::Invoice),
        ("payment", EventObject::Payment),
        ("product", EventObject::Product),
        ("subscription", EventObject::Subscription),
        ("sync_stream", EventObject::SyncStream),
    ];
    assert_eq!(nouns.len(), EventObject::KNOWN.len());
    for ((noun, expected), known) in nouns.into_iter().zip(EventObject::KNOWN) {
        assert_eq!(noun, *known);
        let body = format!(
            r#"{{"id":"{noun}_1","object":"{noun}","customer":{{"id":"cust_1","externalId":"user_42"}},"pricingModelId":"pricing_model_1"}}"#
        );
        let e = WebhookEvent::from_json(body.as_bytes()).unwrap();
        assert_eq!(e.id(), format!("{noun}_1"));
        assert_eq!(e.object(), &expected);
        assert!(e.object().is_known());
        assert_eq!(e.object().as_str(), noun);
        assert_eq!(
            e.customer(),
            Some(&CustomerRef {
                id: Some("cust_1".into()),
                external_id: Some("user_42".into())
            })
        );
        assert_eq!(e.customer_external_id(), Some("user_42"));
        assert_eq!(e.pricing_model_id(), Some("pricing_model_1"));
        assert_eq!(e.event_type(), None, "a thin body has no type");
        assert_eq!(e.event_id(), None);
        assert!(!e.is_envelope());
        assert_eq!(e.payload(), e.raw());
        assert_eq!(e.raw(), &serde_json::from_str::<Value>(&body).unwrap());
    }
}

#[test]
fn optional_fields_of_the_thin_payload_are_optional() {
    // Older events: no `customer`, no `pricingModelId`.
    let bare = event(json!({"id": "sub_1", "object": "subscription"}));
    assert_eq!(
        (bare.id(), bare.object()),
        ("sub_1", &EventObject::Subscription)
    );
    assert_eq!(bare.customer(), None);
    assert_eq!(bare.customer_external_id(), None);
    assert_eq!(bare.pricing_model_id(), None);

    // `pricingModelId` null and `customer` null.
    let nulls = event(
        json!({"id": "pay_1", "object": "payment", "customer": null, "pricingModelId": null}),
    );
    assert_eq!(nulls.pricing_model_id(), None);
    assert_eq!(nulls.customer(), None);

    // A customer event without `customer` names the customer itself.
    let customer = event(json!({"id": "cust_9", "object": "customer"}));
    assert_eq!(
        customer.customer(),
        Some(&CustomerRef {
            id: Some("cust_9".into()),
            external_id: None
        })
    );

    // Unknown fields are kept, not required, not refused.
    let extra = event(json!({"id": "inv_1", "object": "invoice", "livemode": true, "new": [1]}));
    assert_eq!(extra.raw()["new"], json!([1]));
}

#[test]
fn unknown_noun_is_kept() {
    let e = event(
        json!({"id": "rf_1", "object": "refund", "customer": {"id": "cust_1", "externalId": "u"}}),
    );
    assert_eq!(e.object(), &EventObject::Unknown("refund".into()));
    assert!(!e.object().is_known());
    assert_eq!(e.object().as_str(), "refund");
    assert_eq!(e.object().to_string(), "refund");
    assert_eq!(e.customer_external_id(), Some("u"));
}

#[test]
fn envelope_style_bodies_are_accepted() {
    // The shape Flowglad's docs show: eventType, eventId, livemode, timestamp, data.
    let raw = json!({"eventType": "payment.succeeded", "eventId": "evt_1", "livemode": false,
        "timestamp": "2025-01-01T00:00:00.000Z",
        "data": {"id": "pay_1", "object": "payment",
                 "customer": {"id": "cust_1", "externalId": "user_42"}}});
    let e = event(raw.clone());
    assert!(e.is_envelope());
    assert_eq!(e.event_type(), Some(&EventType::PaymentSucceeded));
    assert_eq!(e.event_id(), Some("evt_1"));
    assert_eq!((e.id(), e.object()), ("pay_1", &EventObject::Payment));
    assert_eq!(e.customer_external_id(), Some("user_42"));
    assert_eq!(e.payload(), &raw["data"]);
    assert_eq!(e.raw(), &raw);

    // `{type, data}` with a whole record and no `object`: the noun comes from the type, the
    // customer from `customerId` / `externalId`.
    let e = event(
        json!({"type": "subscription.canceled", "pricingModelId": "pm_1",
        "data": {"id": "sub_1", "customerId": "cust_3", "status": "canceled"}}),
    );
    assert_eq!(e.event_type(), Some(&EventType::SubscriptionCanceled));
    assert_eq!(e.object(), &EventObject::Subscription);
    assert_eq!(e.pricing_model_id(), Some("pm_1"));
    assert_eq!(
        e.customer(),
        Some(&CustomerRef {
            id: Some("cust_3".into()),
            external_id: None
        })
    );
    let e = event(json!({"type": "sync.events_available", "data": {"id": "ss_1"}}));
    assert_eq!(e.object(), &EventObject::SyncStream);
    let e =
        event(json!({"type": "customer.updated", "data": {"id": "cust_2", "externalId": "u_2"}}));
    assert_eq!(e.customer_external_id(), Some("u_2"));
    assert_eq!(e.customer().unwrap().id.as_deref(), Some("cust_2"));
    let e =
        event(json!({"eventType": "invoice.paid", "data": {"id": "inv_1", "object": "invoice"}}));
    assert_eq!(
        e.event_type(),
        Some(&EventType::Unknown("invoice.paid".into()))
    );
}

#[test]
fn errors_say_what_is_wrong() {
    // Not JSON at all: InvalidJson.
    for body in [&b"not json"[..], b"", b"{\"id\":\"x\""] {
        assert!(
            matches!(
                WebhookEvent::from_json(body),
                Err(WebhookError::InvalidJson(_))
            ),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    // Valid JSON that is not an event: InvalidEvent, naming the problem.
    assert!(invalid_event(b"[1,2]").contains("an array, expected a JSON object"));
    assert!(invalid_event(br#"{"object":"payment"}"#).contains("no `id`"));
    assert!(invalid_event(br#"{"id":"x"}"#).contains("no `object`"));
    assert!(invalid_event(br#"{"id":5,"object":"payment"}"#).contains("`id` is a number"));
    assert!(
        invalid_event(br#"{"id":"x","object":"payment","customer":"cust_1"}"#)
            .contains("`customer` is a string")
    );
    assert!(
        invalid_event(br#"{"id":"x","object":"payment","pricingModelId":7}"#)
            .contains("`pricingModelId` is a number")
    );
    assert!(invalid_event(br#"{"eventType":"payment.failed","data":{}}"#).contains("no `data.id`"));
    let err = WebhookEvent::from_json(br#"{"id":"x"}"#).unwrap_err();
    assert_eq!(err.code(), "invalid_event");
    assert!(!err.to_string().contains("not valid JSON"), "{err}");

    // A correctly signed body: `event()` reports exactly what is wrong.
    for (body, code) in [
        (&b"plain text"[..], "invalid_json"),
        (br#"{"object":"payment"}"#, "invalid_event"),
    ] {
        let sig = sign(&secret(), "msg_1", TS, body);
        let payload = verifier_at(TS)
            .verify(body, &headers("msg_1", "1700000000", &sig))
            .unwrap();
        assert_eq!(payload.event().unwrap_err().code(), code);
    }
    // `parse::<T>` of valid JSON into the wrong type is a mismatch, not "invalid JSON".
    let payload = verifier_at(TS)
        .verify(BODY, &headers("msg_1", "1700000000", &valid_sig()))
        .unwrap();
    assert!(matches!(
        payload.parse::<Vec<u8>>(),
        Err(WebhookError::Mismatch(_))
    ));
}

#[test]
fn verified_payload_round_trips_through_a_queue() {
    let payload = verifier_at(TS)
        .verify(BODY, &headers("msg_1", "1700000000", &valid_sig()))
        .unwrap();
    let stored = serde_json::to_string(&payload).unwrap();
    let stored_value: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored_value["id"], "msg_1");
    assert_eq!(stored_value["timestamp"], TS);
    assert_eq!(stored_value["body"], std::str::from_utf8(BODY).unwrap());

    let back: VerifiedPayload = serde_json::from_str(&stored).unwrap();
    assert_eq!(back, payload);
    assert_eq!(back.message_id(), "msg_1");
    let event = back.event().unwrap();
    assert_eq!(event.customer_external_id(), Some("user_1"));
    assert_eq!(back.parse::<Value>().unwrap()["object"], "customer");
}

#[test]
fn webhook_event_serde_round_trip() {
    let e = event(json!({"id": "pay_1", "object": "payment", "x": 1}));
    let text = serde_json::to_string(&e).unwrap();
    let back: WebhookEvent = serde_json::from_str(&text).unwrap();
    assert_eq!(back, e);
    assert!(serde_json::from_str::<WebhookEvent>("{\"data\":1}").is_err());

    let t: EventType = serde_json::from_str("\"subscription.canceled\"").unwrap();
    assert_eq!(t, EventType::SubscriptionCanceled);
    let o: EventObject = serde_json::from_str("\"sync_stream\"").unwrap();
    assert_eq!(o, EventObject::SyncStream);
    assert_eq!(serde_json::to_string(&o).unwrap(), "\"sync_stream\"");
}

// ------------------------------------------------------ svix interop (npm) ---

mod interop {
    use super::*;
    use std::io::Write;
    use std::path::PathBuf;
    use std::process::{Command, Stdio};

    fn interop_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
    }

    /// `Some(reason)` when the node side cannot run; fails instead under CI.
    fn unavailable() -> Option<String> {
        let reason = if !interop_dir().join("node_modules/svix").is_dir() {
            "tests/interop/node_modules is missing".to_owned()
        } else if Command::new("node").arg("--version").output().is_err() {
            "`node` is not on PATH".to_owned()
        } else {
            return None;
        };
        if std::env::var_os("CI").is_some() {
            panic!(
                "{reason}: run `npm ci --prefix tests/interop` before `cargo test` (needs Node.js)"
            );
        }
        Some(reason)
    }

    /// Runs a batch of commands through svix_interop.mjs.
    fn node(commands: &[Value]) -> Vec<Value> {
        let mut child = Command::new("node")
            .arg(interop_dir().join("svix_interop.mjs"))
            .current_dir(interop_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn node");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(Value::from(commands.to_vec()).to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "node failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(results.len(), commands.len());
        results
    }

    /// Bodies of reference §13's shape (and an envelope-style one).
    fn payloads() -> Vec<String> {
        vec![
            String::from_utf8(BODY.to_vec()).unwrap(),
            r#"{"id":"sub_1","object":"subscription","customer":{"id":"cust_1","externalId":"u_1"},"pricingModelId":null}"#.to_owned(),
            r#"{"id":"pay_1","object":"payment"}"#.to_owned(),
            // Unicode, escapes and odd whitespace must survive byte for byte.
            "{\n  \"id\": \"prch_ü€😀\",\t\"object\": \"purchase\", \"note\": \"a\\\"b\\\\c\"}\r\n".to_owned(),
            json!({"eventType": "subscription.created", "eventId": "evt_1", "data": {"id": "sub_2", "object": "subscription"}}).to_string(),
        ]
    }

    #[test]
    fn svix_npm_package_interoperates() {
        if let Some(reason) = unavailable() {
            println!("skipped: {reason} (run `npm ci --prefix tests/interop`)");
            return;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let secrets = [SECRET, OTHER_SECRET];

        // 1. node signs, Rust verifies (and computes the same signature).
        let mut cmds = Vec::new();
        let mut cases = Vec::new();
        for secret in secrets {
            for (i, body) in payloads().into_iter().enumerate() {
                for ts in [now, 1_614_265_330] {
                    let id = format!("msg_interop_{i}");
                    cmds.push(json!({"op": "sign", "secret": secret, "id": id, "timestamp": ts, "payload": body}));
                    cases.push((secret, id, ts, body.clone()));
                }
            }
        }
        let results = node(&cmds);
        for ((secret, id, ts, body), result) in cases.iter().zip(&results) {
            let node_sig = result["signature"].as_str().unwrap();
            let parsed = WebhookSecret::new(secret).unwrap();
            assert_eq!(node_sig, sign(&parsed, id, *ts, body.as_bytes()), "{body}");
            let h = headers(id, &ts.to_string(), node_sig);
            let payload = Verifier::from_secret(parsed)
                .verify_at(body.as_bytes(), &h, *ts)
                .unwrap();
            assert_eq!(payload.body(), body.as_bytes());
            let expected: Value = serde_json::from_str(body).unwrap();
            assert_eq!(payload.event().unwrap().raw(), &expected);
            // The same signature under the Standard Webhooks names, any case.
            let std_headers = [
                ("Webhook-Id", id.as_str()),
                ("webhook-timestamp", &ts.to_string()),
                ("WEBHOOK-SIGNATURE", node_sig),
            ];
            let at = *ts;
            let event = Verifier::from_secret(WebhookSecret::new(secret).unwrap())
                .with_clock(move || at)
                .verify_event(body.as_bytes(), &std_headers)
                .map_err(|e| format!("{e}"));
            let event = event.unwrap();
            assert_eq!(event.raw(), &expected);
            let thin = expected.get("data").unwrap_or(&expected);
            assert_eq!(event.id(), thin["id"].as_str().unwrap());
            assert_eq!(event.object().as_str(), thin["object"].as_str().unwrap());
        }
        // node's signature with the current time also passes the system clock.
        let (first_secret, id, ts, body) = &cases[0];
        assert_eq!(*ts, now);
        webhook::verify(
            first_secret,
            body.as_bytes(),
            &headers(
                id,
                &ts.to_string(),
                results[0]["signature"].as_str().unwrap(),
            ),
        )
        .unwrap();

        // 2. Rust signs, node verifies; tampering and rotation as control.
        let other = WebhookSecret::new(OTHER_SECRET).unwrap();
        let mut cmds = Vec::new();
        let mut expect_ok = Vec::new();
        for (i, body) in payloads().into_iter().enumerate() {
            let id = format!("msg_rust_{i}");
            let signed = sign_headers(&secret(), &id, now, body.as_bytes());
            let hdrs = |s: &SignedHeaders| json!({"svix-id": s.id, "svix-timestamp": s.timestamp, "svix-signature": s.signature});
            cmds.push(json!({"op": "verify", "secret": SECRET, "payload": body, "headers": hdrs(&signed)}));
            expect_ok.push(true);
            // The Standard Webhooks header names.
            let std_hdrs = json!({"webhook-id": signed.id, "webhook-timestamp": signed.timestamp, "webhook-signature": signed.signature});
            cmds.push(
                json!({"op": "verify", "secret": SECRET, "payload": body, "headers": std_hdrs}),
            );
            expect_ok.push(true);
            // Rotation: an extra signature from another secret, in front.
            let rotated = SignedHeaders {
                signature: format!(
                    "{} {}",
                    sign(&other, &id, now, body.as_bytes()),
                    signed.signature
                ),
                ..signed.clone()
            };
            cmds.push(json!({"op": "verify", "secret": SECRET, "payload": body, "headers": hdrs(&rotated)}));
            expect_ok.push(true);
            // Controls: node must reject a tampered body and a wrong secret.
            cmds.push(json!({"op": "verify", "secret": SECRET, "payload": format!("{body} "), "headers": hdrs(&signed)}));
            expect_ok.push(false);
            cmds.push(json!({"op": "verify", "secret": OTHER_SECRET, "payload": body, "headers": hdrs(&signed)}));
            expect_ok.push(false);
        }
        let results = node(&cmds);
        for ((cmd, ok), result) in cmds.iter().zip(expect_ok).zip(&results) {
            assert_eq!(result["ok"], ok, "command {cmd} gave {result}");
            if ok {
                let expected: Value =
                    serde_json::from_str(cmd["payload"].as_str().unwrap()).unwrap();
                assert_eq!(result["parsed"], expected);
            } else {
                assert_eq!(result["error"], "No matching signature found");
            }
        }
    }
}

// ----------------------------------------------------------- axum (feature) ---

#[cfg(feature = "axum")]
mod axum_extractor {
    use super::*;
    use axum::Router;
    use axum::extract::FromRef;
    use axum::http::header::CONTENT_TYPE;
    use axum::response::IntoResponse;
    use axum::routing::post;
    use flowglad::webhook::VerifiedWebhook;

    #[derive(Clone)]
    struct AppState {
        verifier: Verifier,
    }

    impl FromRef<AppState> for Verifier {
        fn from_ref(state: &AppState) -> Verifier {
            state.verifier.clone()
        }
    }

    async fn handle_event(hook: VerifiedWebhook) -> impl IntoResponse {
        let body = json!({
            "object": hook.event.object().as_str(),
            "messageId": hook.message_id(),
            "timestamp": hook.timestamp,
            "id": hook.event.id(),
            "customer": hook.event.customer_external_id(),
        });
        ([(CONTENT_TYPE, "application/json")], body.to_string())
    }

    #[derive(serde::Deserialize)]
    struct OnlyType {
        #[serde(rename = "object")]
        kind: String,
    }

    async fn handle_custom(hook: VerifiedWebhook<OnlyType>) -> String {
        hook.into_inner().kind
    }

    async fn handle_raw(payload: VerifiedPayload) -> String {
        format!("{} {}", payload.id(), payload.body().len())
    }

    async fn spawn_server(verifier: Verifier) -> String {
        let app = Router::new()
            .route("/webhook", post(handle_event))
            .route("/custom", post(handle_custom))
            .route("/raw", post(handle_raw))
            .with_state(AppState { verifier });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    fn client() -> reqwest::Client {
        crate::support::loopback::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
    }

    async fn post_signed(
        client: &reqwest::Client,
        url: &str,
        body: &[u8],
        signed: &SignedHeaders,
    ) -> reqwest::Response {
        let mut req = client.post(url).body(body.to_vec());
        for (name, value) in signed.pairs() {
            req = req.header(name, value);
        }
        req.send().await.unwrap()
    }

    async fn assert_json_error(resp: reqwest::Response, code: &str) {
        assert_eq!(resp.status(), 400);
        assert_eq!(resp.headers()[CONTENT_TYPE], "application/json");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(
            !body["error"]["message"].as_str().unwrap().is_empty(),
            "{body}"
        );
    }

    #[tokio::test]
    async fn extractor_accepts_valid_and_rejects_invalid_requests() {
        let base = spawn_server(verifier_at(TS)).await;
        let client = client();
        let signed = sign_headers(&secret(), "msg_axum", TS, BODY);

        // Valid: 200, event type echoed.
        let resp = post_signed(&client, &format!("{base}/webhook"), BODY, &signed).await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            body,
            json!({"object": "customer", "messageId": "msg_axum", "timestamp": TS, "id": "cust_1", "customer": "user_1"})
        );

        // The Standard Webhooks header names, any case.
        let mut req = client.post(format!("{base}/webhook")).body(BODY.to_vec());
        for (name, value) in signed.pairs_for(HeaderFamily::StandardWebhooks) {
            req = req.header(name.to_uppercase(), value);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["messageId"], "msg_axum");

        // Invalid signature: 400 with a JSON error.
        let forged = SignedHeaders {
            signature: sign(
                &WebhookSecret::new(OTHER_SECRET).unwrap(),
                "msg_axum",
                TS,
                BODY,
            ),
            ..signed.clone()
        };
        let resp = post_signed(&client, &format!("{base}/webhook"), BODY, &forged).await;
        let text_err = resp;
        assert_json_error(text_err, "no_matching_signature").await;

        // Tampered body.
        let resp = post_signed(
            &client,
            &format!("{base}/webhook"),
            b"{\"type\":\"x\"}",
            &signed,
        )
        .await;
        assert_json_error(resp, "no_matching_signature").await;

        // Missing headers.
        let resp = client
            .post(format!("{base}/webhook"))
            .body(BODY.to_vec())
            .send()
            .await
            .unwrap();
        assert_json_error(resp, "missing_header").await;

        // Stale timestamp.
        let old = sign_headers(&secret(), "msg_old", TS - 301, BODY);
        let resp = post_signed(&client, &format!("{base}/webhook"), BODY, &old).await;
        assert_json_error(resp, "timestamp_too_old").await;

        // Signed but not JSON.
        let plain = sign_headers(&secret(), "msg_plain", TS, b"hello");
        let resp = post_signed(&client, &format!("{base}/webhook"), b"hello", &plain).await;
        assert_json_error(resp, "invalid_json").await;

        // Signed JSON that is not an event: the reason, not "invalid JSON".
        let not_event = br#"{"object":"payment"}"#;
        let h = sign_headers(&secret(), "msg_ne", TS, not_event);
        let resp = post_signed(&client, &format!("{base}/webhook"), not_event, &h).await;
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_event", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("no `id`"),
            "{body}"
        );

        // Custom event type and raw payload extractors.
        let resp = post_signed(&client, &format!("{base}/custom"), BODY, &signed).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.text().await.unwrap(), "customer");
        let resp = post_signed(&client, &format!("{base}/raw"), b"hello", &plain).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.text().await.unwrap(), "msg_plain 5");
        let resp = post_signed(&client, &format!("{base}/raw"), BODY, &forged).await;
        assert_json_error(resp, "no_matching_signature").await;
    }

    #[tokio::test]
    async fn verifier_can_be_the_state_itself() {
        async fn h(hook: VerifiedWebhook) -> String {
            hook.event.object().to_string()
        }
        let app = Router::new()
            .route("/", post(h))
            .with_state(verifier_at(TS));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let signed = sign_headers(&secret(), "msg_s", TS, BODY);
        let resp = post_signed(&client(), &format!("http://{addr}/"), BODY, &signed).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.text().await.unwrap(), "customer");
    }

    #[test]
    fn rejection_reports_status_code_and_message() {
        use flowglad::webhook::WebhookRejection;
        let r = WebhookRejection::from(WebhookError::NoMatchingSignature { provided: 1 });
        assert_eq!(r.status(), 400);
        assert_eq!(r.code(), "no_matching_signature");
        assert!(r.message().contains("no matching"));
        assert_eq!(r.into_response().status(), 400);
    }
}
