//! Generates the raw Flowglad client from the vendored OpenAPI description.
//!
//! The pipeline itself lives in `build/codegen.rs`, shared with `cargo xtask update-spec`
//! (which refreshes the committed copy in `generated/`). Cargo reruns this script only when
//! the vendored spec or the pipeline changes.

#[path = "build/codegen.rs"]
mod codegen;

fn main() {
    const SPEC: &str = "openapi/flowglad.json";
    println!("cargo::rerun-if-changed={SPEC}");
    println!("cargo::rerun-if-changed=build/codegen.rs");

    let text = std::fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("reading {SPEC}: {e}"));
    let generated = codegen::generate(&text).unwrap_or_else(|e| panic!("{e}"));
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = std::path::Path::new(&out_dir).join("flowglad_raw.rs");
    std::fs::write(&out, &generated.code)
        .unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
    build_print::info!(
        "flowglad: generated {} operations and {} types from {SPEC}",
        generated.operations,
        generated.types
    );
}
