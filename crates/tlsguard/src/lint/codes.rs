//! The lint codes: [`LintCode`], generated with its string form, severity and summary from
//! one table (as `Code` is in `error.rs`), so a finding cannot carry an unknown code.

use super::Severity;

macro_rules! lint_codes {
    ($( $variant:ident = $name:literal, $severity:ident, $summary:literal; )*) => {
        /// A stable lint code. Its string form ([`LintCode::as_str`]) is identical in every
        /// language.
        #[non_exhaustive]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum LintCode {
            $( #[doc = $summary] $variant, )*
        }

        impl LintCode {
            /// Every code, in the order of the catalogue.
            pub const ALL: &'static [LintCode] = &[$(LintCode::$variant),*];

            /// The code as a string, e.g. `"KEY_MISMATCH"`.
            pub fn as_str(self) -> &'static str {
                match self { $(LintCode::$variant => $name,)* }
            }

            /// The severity findings of this code have, except `MISSING_SKI`, which is a
            /// warning for CA certificates and info for the leaf.
            pub fn severity(self) -> Severity {
                match self { $(LintCode::$variant => Severity::$severity,)* }
            }

            /// One sentence saying what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(LintCode::$variant => $summary,)* }
            }

            /// Looks a code up by its string form.
            pub fn from_name(name: &str) -> Option<LintCode> {
                match name { $($name => Some(LintCode::$variant),)* _ => None }
            }
        }
    };
}

lint_codes! {
    // --- the key -------------------------------------------------------------------------
    KeyMismatch = "KEY_MISMATCH", Error,
        "The private key does not belong to the leaf certificate.";
    KeyEncrypted = "KEY_ENCRYPTED", Warning,
        "The private key is encrypted, so whether it matches the leaf cannot be checked.";
    KeyUnchecked = "KEY_UNCHECKED", Warning,
        "The private key's type is not supported by the checker, so whether it matches the leaf cannot be checked.";
    KeyFilePermissions = "KEY_FILE_PERMISSIONS", Warning,
        "The private key file is readable by group or others.";
    // --- the chain -----------------------------------------------------------------------
    LeafNotFirst = "LEAF_NOT_FIRST", Error,
        "A CA certificate comes before the end-entity certificate in the bundle.";
    ChainOrder = "CHAIN_ORDER", Error,
        "The certificates are not in issuing order (leaf, its issuer, that one's issuer, ...).";
    ChainMissingIntermediate = "CHAIN_MISSING_INTERMEDIATE", Error,
        "The issuer of the last certificate of the chain is not in the bundle and is not a root.";
    IssuerNotCa = "ISSUER_NOT_CA", Error,
        "A certificate that issues another one in the chain is not a CA (basicConstraints CA:TRUE missing).";
    ChainUnrelatedCert = "CHAIN_UNRELATED_CERT", Warning,
        "A certificate in the bundle is not on the leaf's issuing path.";
    DuplicateCert = "DUPLICATE_CERT", Warning,
        "The same certificate appears more than once in the bundle.";
    ChainIncludesRoot = "CHAIN_INCLUDES_ROOT", Info,
        "The bundle includes a self-signed root: harmless but wasted bytes, and some clients choke on it.";
    SelfSignedLeaf = "SELF_SIGNED_LEAF", Warning,
        "The leaf is self-signed: clients must pin it or trust it explicitly.";
    // --- validity ------------------------------------------------------------------------
    Expired = "EXPIRED", Error,
        "A certificate in the bundle is past its notAfter date.";
    NotYetValid = "NOT_YET_VALID", Error,
        "A certificate in the bundle is not valid yet (notBefore is in the future).";
    ExpiresSoon = "EXPIRES_SOON", Warning,
        "A certificate in the bundle expires within warn_days.";
    LongValidity = "LONG_VALIDITY", Warning,
        "The leaf is valid for more than 398 days, the CA/Browser Forum limit for public certificates.";
    // --- names ---------------------------------------------------------------------------
    HostnameNotCovered = "HOSTNAME_NOT_COVERED", Error,
        "The leaf does not cover a host name or IP address the deployment must serve.";
    NoSan = "NO_SAN", Error,
        "The leaf has no subjectAltName extension: clients ignore the CN and match no name.";
    CnNotInSan = "CN_NOT_IN_SAN", Warning,
        "The leaf's subject CN is not among its subjectAltNames.";
    // --- the leaf's purpose --------------------------------------------------------------
    CaAsLeaf = "CA_AS_LEAF", Error,
        "The leaf is a CA certificate (basicConstraints CA:TRUE).";
    EkuNotServerAuth = "EKU_NOT_SERVER_AUTH", Error,
        "The leaf's extended key usage does not allow TLS server authentication.";
    // --- algorithms ----------------------------------------------------------------------
    WeakKey = "WEAK_KEY", Error,
        "A certificate has an RSA key shorter than 2048 bits.";
    WeakSignature = "WEAK_SIGNATURE", Error,
        "A certificate (not a root) is signed with SHA-1 or MD5.";
    // --- extensions ----------------------------------------------------------------------
    MissingSki = "MISSING_SKI", Warning,
        "A certificate has no subjectKeyIdentifier (warning for CAs, info for the leaf).";
    MissingAki = "MISSING_AKI", Warning,
        "A certificate that is not self-signed has no authorityKeyIdentifier.";
    CaBasicConstraintsNotCritical = "CA_BASIC_CONSTRAINTS_NOT_CRITICAL", Warning,
        "A CA certificate's basicConstraints extension is not marked critical.";
}

impl std::fmt::Display for LintCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl serde::Serialize for LintCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_upper_snake() {
        let mut seen = std::collections::HashSet::new();
        for code in LintCode::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "duplicate {name}");
            assert!(name.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{name}");
            assert!(code.summary().ends_with('.'), "{name}");
            assert_eq!(LintCode::from_name(name), Some(*code));
        }
        assert_eq!(LintCode::KeyMismatch.severity(), Severity::Error);
        assert_eq!(LintCode::ChainIncludesRoot.severity(), Severity::Info);
        assert_eq!(LintCode::from_name("NOPE"), None);
    }
}
