//! The option tables of `manual/requests.md` list exactly the options the core accepts.

const DOC: &str = include_str!("../src/manual/requests.md");

/// The backticked names in the first column of the table under `heading`.
fn table_names(heading: &str) -> Vec<String> {
    let start = DOC.find(heading).unwrap_or_else(|| panic!("{heading} is in the manual"));
    let mut names = Vec::new();
    for line in DOC[start..].lines().skip(1).skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let first = line.split('|').nth(1).unwrap_or("");
        names.extend(first.split('`').skip(1).step_by(2).map(str::to_owned));
    }
    names.retain(|n| n != "name");
    names
}

fn same(mut documented: Vec<String>, accepted: &[&str], what: &str) {
    let mut accepted: Vec<String> = accepted.iter().map(|s| (*s).to_owned()).collect();
    documented.sort();
    accepted.sort();
    assert_eq!(documented, accepted, "{what}: the manual's table and the accepted names differ");
}

#[test]
fn the_client_option_table_is_complete() {
    same(table_names("## Client options"), tlsguard::options::CLIENT_OPTION_NAMES, "client options");
}

#[test]
fn the_request_option_table_is_complete() {
    same(table_names("## Request options"), tlsguard::Request::OPTION_NAMES, "request options");
}
