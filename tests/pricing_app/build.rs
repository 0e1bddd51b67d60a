//! Typed slug constants from the app's pricing model file.

fn main() {
    if let Err(error) = flowglad_pricing::generate("../data/pricing.yaml") {
        panic!("../data/pricing.yaml: {error}");
    }
}
