//! The error enum and the canonical table `tests/errors.json` must agree exactly: same codes in
//! the same order, same categories, summaries and hints. Every binding has the same check.

use tlsguard::Code;

#[test]
fn error_enum_matches_canonical_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/errors.json");
    let table: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let rows = table["errors"].as_array().unwrap();
    let table_codes: Vec<&str> = rows.iter().map(|r| r["code"].as_str().unwrap()).collect();
    let enum_codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(table_codes, enum_codes, "codes differ between tests/errors.json and tlsguard::Code");
    let categories = table["categories"].as_object().unwrap();
    for (row, code) in rows.iter().zip(Code::ALL) {
        assert_eq!(row["category"].as_str().unwrap(), code.category().as_str(), "{code}");
        assert!(categories.contains_key(code.category().as_str()), "{code}: category not described");
        assert_eq!(row["summary"].as_str().unwrap(), code.summary(), "{code}: summary");
        assert_eq!(row["hint"].as_str().unwrap(), code.hint(), "{code}: hint");
        assert_eq!(Code::from_name(code.as_str()), Some(*code));
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
