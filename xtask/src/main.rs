//! `cargo xtask <command>`: maintenance tasks of flowglad-rs.
//!
//! - `update-spec [--from <URL|PATH>] [--check]` vendors Flowglad's OpenAPI description into
//!   `openapi/flowglad.json`, prints what changed, and refreshes `generated/`.
//! - `bench [--smoke] [--runs N] [--only LIST] [--real]` runs the end-to-end benchmarks against
//!   the standalone fake, and with `--real` against Flowglad's own server
//!   (`docs/PERFORMANCE.md`); `build-cost` times cold and incremental builds, beside
//!   async-stripe.

mod bench;
mod build_cost;
// The generation pipeline ships inside the `flowglad` package (its build.rs runs it), so the
// package builds from crates.io; the xtask compiles the same file.
#[path = "../../build/codegen.rs"]
mod codegen;
mod normalize;
mod summary;

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Flowglad serves its OpenAPI description here.
const DEFAULT_SOURCE: &str = "https://app.flowglad.com/api/openapi";
const VENDORED: &str = "openapi/flowglad.json";
const GENERATED: &str = "generated/flowglad_raw.rs";

const USAGE: &str = "usage: cargo xtask update-spec [--from <URL|PATH>] [--check]

  --from <URL|PATH>  where to read the upstream OpenAPI 3.1 document
                     (default: https://app.flowglad.com/api/openapi)
  --check            change nothing; exit 1 naming what is stale";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("update-spec") => parse_update_spec(&args[1..]).and_then(|o| update_spec(&o)),
        Some("bench") => bench::bench(&args[1..]),
        Some("build-cost") => build_cost::build_cost(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}\n\n{}", bench::USAGE);
            Ok(true)
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

struct UpdateSpec {
    from: String,
    check: bool,
}

fn parse_update_spec(args: &[String]) -> Result<UpdateSpec, String> {
    let mut options = UpdateSpec {
        from: DEFAULT_SOURCE.to_string(),
        check: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => options.check = true,
            "--from" => {
                options.from = args
                    .next()
                    .ok_or("--from needs a URL or a path")?
                    .to_string()
            }
            other => {
                if let Some(value) = other.strip_prefix("--from=") {
                    options.from = value.to_string();
                } else {
                    return Err(format!("unknown argument `{other}`\n{USAGE}"));
                }
            }
        }
    }
    Ok(options)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn read_source(from: &str) -> Result<Vec<u8>, String> {
    if from.starts_with("http://") || from.starts_with("https://") {
        let mut response = ureq::get(from)
            .call()
            .map_err(|e| format!("fetching {from}: {e}"))?;
        response
            .body_mut()
            .read_to_vec()
            .map_err(|e| format!("reading {from}: {e}"))
    } else {
        std::fs::read(from).map_err(|e| format!("reading {from}: {e}"))
    }
}

/// Returns `Ok(false)` when `--check` found something stale.
fn update_spec(options: &UpdateSpec) -> Result<bool, String> {
    let root = workspace_root();
    let bytes = read_source(&options.from)?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let upstream: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: not JSON: {e}", options.from))?;
    let source = if options.from.contains("://") {
        options.from.clone()
    } else {
        // A local path is recorded by file name: the vendored file must not depend on where
        // the maintainer's checkout is.
        Path::new(&options.from).file_name().map_or_else(
            || options.from.clone(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    let normalized = normalize::normalize(
        &upstream,
        &normalize::Upstream {
            source: &source,
            sha256: &sha256,
        },
    )?;
    let vendored_text = normalize::to_vendored_text(&normalized);

    let vendored_path = root.join(VENDORED);
    let previous_text = std::fs::read_to_string(&vendored_path).ok();
    let previous: Option<Value> = previous_text
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok());
    match &previous {
        Some(previous) => {
            println!("Changes against the vendored {VENDORED}:");
            print!("{}", summary::render(&summary::diff(previous, &normalized)));
        }
        None => println!("No vendored spec yet; writing {VENDORED}."),
    }

    let generated = codegen::generate(&vendored_text)?;
    let generated_path = root.join(GENERATED);
    let committed_code = std::fs::read_to_string(&generated_path).ok();

    let spec_stale = previous_text.as_deref() != Some(vendored_text.as_str());
    let code_stale = committed_code.as_deref() != Some(generated.code.as_str());

    if options.check {
        if spec_stale {
            eprintln!(
                "stale: {VENDORED} does not match {} (upstream sha256 {sha256})",
                options.from
            );
        }
        if code_stale {
            eprintln!("stale: {GENERATED} does not match what build.rs generates");
        }
        if spec_stale || code_stale {
            eprintln!(
                "run `cargo xtask update-spec --from {}` to refresh",
                options.from
            );
            return Ok(false);
        }
        println!(
            "up to date: {VENDORED} and {GENERATED} ({} operations, {} types)",
            generated.operations, generated.types
        );
        return Ok(true);
    }

    write(&vendored_path, &vendored_text)?;
    write(&generated_path, &generated.code)?;
    println!(
        "wrote {VENDORED} and {GENERATED} ({} operations, {} types, {} lines)",
        generated.operations,
        generated.types,
        generated.code.lines().count()
    );
    if spec_stale || code_stale {
        println!(
            "the generated surface changed: review the inventory snapshot with `cargo insta review` \
             (or `INSTA_UPDATE=always cargo test --all-features --test it generated`)"
        );
    }
    Ok(true)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The upstream data lives outside the repository; CI points at it.
    fn shared_dir() -> Option<PathBuf> {
        match std::env::var_os("FLOWGLAD_SHARED_DIR") {
            Some(dir) => Some(PathBuf::from(dir)),
            None => {
                println!(
                    "skipped: FLOWGLAD_SHARED_DIR not set (the upstream spec and its history)"
                );
                None
            }
        }
    }

    fn normalized(path: &Path) -> Value {
        let bytes = std::fs::read(path).unwrap();
        let upstream: Value = serde_json::from_slice(&bytes).unwrap();
        let origin = normalize::Upstream {
            source: "test",
            sha256: &hex(&Sha256::digest(&bytes)),
        };
        normalize::normalize(&upstream, &origin).unwrap()
    }

    #[test]
    fn summary_from_history_names_the_six_added_operations() {
        let Some(shared) = shared_dir() else { return };
        let old = normalized(&shared.join("openapi/history/flowglad-openapi-2026-01-21.json"));
        let new = normalized(&shared.join("openapi/flowglad-openapi.json"));
        let s = summary::diff(&old, &new);
        let text = summary::render(&s);
        println!("{text}");
        assert_eq!(s.operations_added.len(), 6, "{text}");
        assert!(text.contains("Operations added (6):"));
        for op in &s.operations_added {
            assert!(text.contains(op.as_str()));
        }
        assert!(s.operations_removed.is_empty());
        assert!(
            !s.schemas_added.is_empty(),
            "the upstream change added schemas"
        );
    }

    #[test]
    fn normalizing_the_upstream_spec_is_deterministic_and_30() {
        let Some(shared) = shared_dir() else { return };
        let path = shared.join("openapi/flowglad-openapi.json");
        let a = normalize::to_vendored_text(&normalized(&path));
        let b = normalize::to_vendored_text(&normalized(&path));
        assert_eq!(a, b);
        let doc: Value = serde_json::from_str(&a).unwrap();
        assert_eq!(doc["openapi"], "3.0.3");
        for construct in [
            "\"const\"",
            "\"propertyNames\"",
            "\"type\": \"null\"",
            "\"summary\"",
        ] {
            assert!(
                !a.contains(construct),
                "{construct} left in the vendored spec"
            );
        }
    }

    #[test]
    fn the_vendored_spec_matches_the_upstream_one() {
        let Some(shared) = shared_dir() else { return };
        let bytes = std::fs::read(shared.join("openapi/flowglad-openapi.json")).unwrap();
        let committed = std::fs::read_to_string(workspace_root().join(VENDORED)).unwrap();
        let doc: Value = serde_json::from_str(&committed).unwrap();
        assert_eq!(
            doc["info"]["x-flowglad-upstream"]["sha256"],
            hex(&Sha256::digest(&bytes)),
            "openapi/flowglad.json was vendored from another upstream document"
        );
    }
}
