//! The lint codes: code, severity, summary.

use super::Severity;

/// Every code [`lint`](super::lint()) can report: `(code, severity, summary)`.
///
/// The severity is the one findings of that code have, except `MISSING_SKI`, which is a
/// warning for CA certificates and info for the leaf.
pub const LINT_CODES: &[(&str, Severity, &str)] = &[
    // --- the key -------------------------------------------------------------------------
    ("KEY_MISMATCH", Severity::Error, "The private key does not belong to the leaf certificate."),
    (
        "KEY_ENCRYPTED",
        Severity::Warning,
        "The private key is encrypted, so whether it matches the leaf cannot be checked.",
    ),
    (
        "KEY_UNCHECKED",
        Severity::Warning,
        "The private key's type is not supported by the checker, so whether it matches the leaf cannot be checked.",
    ),
    ("KEY_FILE_PERMISSIONS", Severity::Warning, "The private key file is readable by group or others."),
    // --- the chain -----------------------------------------------------------------------
    ("LEAF_NOT_FIRST", Severity::Error, "A CA certificate comes before the end-entity certificate in the bundle."),
    (
        "CHAIN_ORDER",
        Severity::Error,
        "The certificates are not in issuing order (leaf, its issuer, that one's issuer, ...).",
    ),
    (
        "CHAIN_MISSING_INTERMEDIATE",
        Severity::Error,
        "The issuer of the last certificate of the chain is not in the bundle and is not a root.",
    ),
    (
        "ISSUER_NOT_CA",
        Severity::Error,
        "A certificate that issues another one in the chain is not a CA (basicConstraints CA:TRUE missing).",
    ),
    ("CHAIN_UNRELATED_CERT", Severity::Warning, "A certificate in the bundle is not on the leaf's issuing path."),
    ("DUPLICATE_CERT", Severity::Warning, "The same certificate appears more than once in the bundle."),
    (
        "CHAIN_INCLUDES_ROOT",
        Severity::Info,
        "The bundle includes a self-signed root: harmless but wasted bytes, and some clients choke on it.",
    ),
    ("SELF_SIGNED_LEAF", Severity::Warning, "The leaf is self-signed: clients must pin it or trust it explicitly."),
    // --- validity ------------------------------------------------------------------------
    ("EXPIRED", Severity::Error, "A certificate in the bundle is past its notAfter date."),
    ("NOT_YET_VALID", Severity::Error, "A certificate in the bundle is not valid yet (notBefore is in the future)."),
    ("EXPIRES_SOON", Severity::Warning, "A certificate in the bundle expires within warn_days."),
    (
        "LONG_VALIDITY",
        Severity::Warning,
        "The leaf is valid for more than 398 days, the CA/Browser Forum limit for public certificates.",
    ),
    // --- names ---------------------------------------------------------------------------
    (
        "HOSTNAME_NOT_COVERED",
        Severity::Error,
        "The leaf does not cover a host name or IP address the deployment must serve.",
    ),
    ("NO_SAN", Severity::Error, "The leaf has no subjectAltName extension: clients ignore the CN and match no name."),
    ("CN_NOT_IN_SAN", Severity::Warning, "The leaf's subject CN is not among its subjectAltNames."),
    // --- the leaf's purpose --------------------------------------------------------------
    ("CA_AS_LEAF", Severity::Error, "The leaf is a CA certificate (basicConstraints CA:TRUE)."),
    ("EKU_NOT_SERVER_AUTH", Severity::Error, "The leaf's extended key usage does not allow TLS server authentication."),
    // --- algorithms ----------------------------------------------------------------------
    ("WEAK_KEY", Severity::Error, "A certificate has an RSA key shorter than 2048 bits."),
    ("WEAK_SIGNATURE", Severity::Error, "A certificate (not a root) is signed with SHA-1 or MD5."),
    // --- extensions ----------------------------------------------------------------------
    (
        "MISSING_SKI",
        Severity::Warning,
        "A certificate has no subjectKeyIdentifier (warning for CAs, info for the leaf).",
    ),
    ("MISSING_AKI", Severity::Warning, "A certificate that is not self-signed has no authorityKeyIdentifier."),
    (
        "CA_BASIC_CONSTRAINTS_NOT_CRITICAL",
        Severity::Warning,
        "A CA certificate's basicConstraints extension is not marked critical.",
    ),
];

/// Severity of a code of [`LINT_CODES`].
pub(super) fn severity_of(code: &str) -> Severity {
    match LINT_CODES.iter().find(|(c, _, _)| *c == code) {
        Some((_, s, _)) => *s,
        None => {
            debug_assert!(false, "lint code {code} missing from LINT_CODES");
            Severity::Warning
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_upper_snake() {
        let mut seen = std::collections::HashSet::new();
        for (code, _, summary) in LINT_CODES {
            assert!(seen.insert(*code), "duplicate {code}");
            assert!(code.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{code}");
            assert!(summary.ends_with('.'), "{code}");
        }
        assert_eq!(severity_of("KEY_MISMATCH"), Severity::Error);
        assert_eq!(severity_of("CHAIN_INCLUDES_ROOT"), Severity::Info);
    }
}
