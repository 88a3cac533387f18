//! `tests/errors.json`, the canonical table every binding checks its codes against, is
//! generated from [`Code::ALL`] and [`Category::ALL`]: `cargo xtask gen` writes it (by running
//! this test with `TLSGUARD_WRITE_TABLES=1`), and this test fails when the committed file
//! differs from what the code says (so `cargo xtask test rust` does in CI).

use serde_json::{Value, json};
use tlsguard::{Category, Code};

const ERRORS_JSON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/errors.json");

/// The table as `cargo xtask gen` writes it.
fn errors_json() -> String {
    let categories: serde_json::Map<String, Value> =
        Category::ALL.iter().map(|c| (c.as_str().to_owned(), Value::from(c.summary()))).collect();
    let errors: Vec<Value> = Code::ALL
        .iter()
        .map(|c| json!({"code": c.as_str(), "category": c.category().as_str(), "summary": c.summary(), "hint": c.hint()}))
        .collect();
    let table = json!({"version": 1, "categories": categories, "errors": errors});
    serde_json::to_string_pretty(&table).expect("JSON") + "\n"
}

#[test]
fn errors_json_is_generated_from_the_codes() {
    let generated = errors_json();
    if std::env::var_os("TLSGUARD_WRITE_TABLES").is_some() {
        std::fs::write(ERRORS_JSON, &generated).expect("write tests/errors.json");
        return;
    }
    let committed = std::fs::read_to_string(ERRORS_JSON).unwrap_or_default();
    assert!(
        committed == generated,
        "tests/errors.json differs from tlsguard::Code: run `cargo xtask gen` and commit the result"
    );
}

#[test]
fn every_code_and_category_is_in_the_table_once() {
    let table: Value = serde_json::from_str(&errors_json()).expect("JSON");
    let codes: Vec<&str> =
        table["errors"].as_array().expect("errors").iter().filter_map(|r| r["code"].as_str()).collect();
    let unique: std::collections::HashSet<&str> = codes.iter().copied().collect();
    assert_eq!(unique.len(), Code::ALL.len(), "duplicate codes");
    for code in Code::ALL {
        assert_eq!(Code::from_name(code.as_str()), Some(*code));
        assert!(Category::ALL.contains(&code.category()), "{code}: category not in Category::ALL");
    }
}

#[test]
fn error_catalogue_documents_every_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/manual/errors.md");
    let doc = std::fs::read_to_string(path).unwrap();
    for code in Code::ALL {
        assert!(doc.contains(&format!("### `{}`", code.as_str())), "{code} is missing from the error catalogue");
    }
}
