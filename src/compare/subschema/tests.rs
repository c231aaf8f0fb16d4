//! Inclusion on schemas loaded from JSON text, both ways.

use super::{Checker, Reading, Side, Verdict};
use crate::compare::TypeIndex;
use crate::model::Contract;

fn load(json: &str, name: &str) -> Contract {
    // Tests run in parallel: each schema gets a directory of its own.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mapcheck-subschema-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}.json"));
    let json = if json.contains("$schema") {
        json.to_string()
    } else {
        json.replacen('{', r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","#, 1)
    };
    std::fs::write(&path, json).expect("write schema");
    let loaded = crate::load::load_paths(&[path], &crate::load::LoadOptions::default()).expect("load");
    let contract = loaded.contracts.into_iter().next().expect("one contract");
    let _ = std::fs::remove_dir_all(&dir);
    contract
}

/// (old ⊆ new, new ⊆ old) under `reading`, as "yes", "no" or "undecided".
fn both(old: &str, new: &str, reading: Reading) -> (&'static str, &'static str) {
    let a = load(old, "old");
    let b = load(new, "new");
    let (ra, rb) = (
        a.root.as_ref().unwrap_or_else(|| panic!("no root: {old}")),
        b.root.as_ref().unwrap_or_else(|| panic!("no root: {new}")),
    );
    let mut c = Checker::new(TypeIndex::new([&a]), TypeIndex::new([&b]));
    let word = |v: Verdict| match v {
        Verdict::Yes => "yes",
        Verdict::No(_) => "no",
        Verdict::Unknown(_) => "undecided",
    };
    (
        word(c.includes(ra, rb, Side::Old, reading)),
        word(c.includes(rb, ra, Side::New, reading)),
    )
}

fn exact(old: &str, new: &str) -> (&'static str, &'static str) {
    both(old, new, Reading::Exact)
}

#[test]
fn combinators_are_judged_by_what_they_accept() {
    assert_eq!(
        exact(r#"{"allOf":[{"type":"string"}]}"#, r#"{"anyOf":[{"type":"string"}]}"#),
        ("yes", "yes")
    );
    assert_eq!(
        exact(
            r#"{"type":["integer","null"]}"#,
            r#"{"anyOf":[{"type":["integer","null"]}]}"#
        ),
        ("yes", "yes")
    );
    assert_eq!(
        exact(
            r#"{"type":"string"}"#,
            r#"{"anyOf":[{"type":"string","maxLength":32},{"type":"boolean"}]}"#
        ),
        ("no", "no")
    );
    assert_eq!(exact(r#"{"const":"white"}"#, r#"{"enum":["white"]}"#), ("yes", "yes"));
    assert_eq!(
        exact(
            r#"{"type":"integer","minimum":1}"#,
            r#"{"type":"integer","exclusiveMinimum":0}"#
        ),
        ("yes", "yes")
    );
}

#[test]
fn open_partially_open_and_closed_objects() {
    let old = r#"{"properties":{"foo":{"type":"string"}}}"#;
    let new = r#"{"properties":{"foo":{"type":"string"},"bar":{"type":"number"}}}"#;
    assert_eq!(exact(old, new), ("no", "yes"));
    assert_eq!(both(old, new, Reading::Declared), ("yes", "yes"));
    // Closed: adding an optional property widens.
    let old = r#"{"properties":{"foo":{"type":"string"}},"additionalProperties":false}"#;
    let new = r#"{"properties":{"foo":{"type":"string"},"bar":{"type":"number"}},"additionalProperties":false}"#;
    assert_eq!(exact(old, new), ("yes", "no"));
    // Partially open: the added property falls under the additional schema it narrows.
    let old = r#"{"properties":{"a":{}},"additionalProperties":{"type":"integer"}}"#;
    let new = r#"{"properties":{"a":{},"b":{"type":"integer","minimum":0}},"additionalProperties":{"type":"integer"}}"#;
    assert_eq!(exact(old, new), ("no", "yes"));
    let old = r#"{"properties":{"phone":{"type":"string"}}}"#;
    let new = r#"{"properties":{"phone":{"type":"string"}},"additionalProperties":{"type":"integer"}}"#;
    assert_eq!(exact(old, new), ("no", "yes"));
    let old = r#"{"type":"object","patternProperties":{"^x_":{"type":"string"}},"additionalProperties":false}"#;
    // `properties` and `patternProperties` both apply to `x_a`: no value is a string and an
    // integer, so the new object cannot carry it at all.
    let new = r#"{"type":"object","properties":{"x_a":{"type":"integer"}},"patternProperties":{"^x_":{"type":"string"}},"additionalProperties":false}"#;
    assert_eq!(exact(old, new), ("no", "yes"));
}

#[test]
fn arrays_tuples_and_contains() {
    let old = r#"{"type":"array","items":[{"type":"string"}],"additionalItems":false}"#;
    let new = r#"{"type":"array","items":[{"type":"string"}]}"#;
    assert_eq!(exact(old, new), ("yes", "no"));
    let old =
        r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","contains":{"type":"string"}}"#;
    let new = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","contains":{"type":"string"},"minContains":2}"#;
    assert_eq!(exact(old, new), ("no", "yes"));
    let old = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}"#;
    let new = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","prefixItems":[{"type":"string"}],"items":false}"#;
    assert_eq!(exact(old, new), ("no", "yes"));
}

#[test]
fn dependencies() {
    let old = r#"{"type":"object"}"#;
    let new = r#"{"type":"object","dependencies":{"a":["b"]}}"#;
    assert_eq!(exact(old, new), ("no", "yes"));
    let new = r#"{"type":"object","dependencies":{"a":{"required":["b"]}}}"#;
    assert_eq!(exact(old, new), ("no", "yes"));
}

#[test]
fn patterns_are_undecided_unless_a_probe_shows_the_difference() {
    let (a, b) = exact(
        r#"{"type":"string","pattern":"^a"}"#,
        r#"{"type":"string","pattern":"^[ab]"}"#,
    );
    assert_eq!(a, "undecided");
    assert_eq!(b, "no");
}

#[test]
fn patterns_give_minimum_lengths_and_finite_sets() {
    use super::norm::{min_match_len, pattern_facts};
    assert_eq!(min_match_len("^[0-9]+$"), Some(1));
    assert_eq!(min_match_len("^ab?c{2,}(x|yz)*$"), Some(3));
    assert_eq!(min_match_len("^(foo|ba)$"), Some(2));
    assert_eq!(min_match_len("\\d{3}-\\d{4}"), Some(8));
    assert_eq!(min_match_len("^(?=a)"), None);
    let (min, set) = pattern_facts("^(foo|bar)$");
    assert_eq!(min, 3);
    assert_eq!(
        set.map(|s| s.into_iter().collect::<Vec<_>>()),
        Some(vec!["bar".to_string(), "foo".to_string()])
    );
    // A pattern implies its minimum length: minLength 1 beside `^[0-9]+$` says nothing more.
    assert_eq!(
        exact(
            r#"{"type":"string","minLength":1,"pattern":"^[0-9]+$"}"#,
            r#"{"type":"string","pattern":"^[0-9]+$"}"#
        ),
        ("yes", "yes")
    );
}
