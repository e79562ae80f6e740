//! Shared by the property suites.

/// Cases per property: `default`, or `PROPTEST_CASES` when set (the long run: e.g.
/// `PROPTEST_CASES=20000 cargo test --release --all-features`).
#[allow(dead_code)]
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
