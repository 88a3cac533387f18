//! The per-certificate checks: the leaf's names and purpose, validity, algorithms, extensions.

use super::LintCode;
use super::chain::Chain;
use super::names::san_list;
use super::{Lint, Severity};
use crate::cert::{format_time, relative_time};
use crate::policy::{MIN_RSA_BITS, short_rsa_key, weak_signature_hash};

/// Longest validity of a publicly trusted leaf (CA/B Forum Baseline Requirements), seconds.
const MAX_PUBLIC_VALIDITY: i64 = 398 * 86_400;

impl Lint<'_> {
    pub(super) fn check_leaf(&mut self, leaf: usize, chain: &Chain) {
        let c = &self.certs[leaf];
        if !c.has_san {
            let cn = c.subject_cn.as_deref().map(|cn| format!(" (its CN is {cn})")).unwrap_or_default();
            self.push(
                LintCode::NoSan,
                Some(leaf),
                format!(
                    "{} has no subjectAltName extension{cn}; clients match names only against subjectAltName",
                    self.name(leaf)
                ),
                "Re-issue the certificate with a subjectAltName listing every DNS name and IP address it serves."
                    .into(),
            );
        } else if let Some(cn) = &c.subject_cn {
            let cn_l = cn.to_ascii_lowercase();
            let in_san =
                c.dns_names.iter().any(|d| d.eq_ignore_ascii_case(&cn_l)) || c.ip_addresses.iter().any(|ip| ip == cn);
            if !c.is_ca && !in_san {
                self.push(
                    LintCode::CnNotInSan,
                    Some(leaf),
                    format!("the CN of {}, {cn}, is not among its subjectAltNames ({})", self.name(leaf), san_list(c)),
                    format!("Re-issue the certificate with {cn} in the subjectAltName too (or a CN that is one of its names); clients ignore the CN."),
                );
            }
        }
        if c.is_ca {
            self.push(
                LintCode::CaAsLeaf,
                Some(leaf),
                format!("{} is used as the server certificate but is a CA (basicConstraints CA:TRUE)", self.name(leaf)),
                "Issue a leaf certificate (CA:FALSE) for the server, signed by this CA, and serve that.".into(),
            );
        }
        let eku = &c.extended_key_usage;
        if !eku.is_empty() && !eku.iter().any(|e| e == "serverAuth" || e == "anyExtendedKeyUsage") {
            self.push(
                LintCode::EkuNotServerAuth,
                Some(leaf),
                format!("{} has extended key usage {} without serverAuth", self.name(leaf), eku.join(", ")),
                "Re-issue the certificate with extendedKeyUsage serverAuth.".into(),
            );
        }
        if c.self_signed && chain.path.len() == 1 && !c.is_ca {
            self.push(
                LintCode::SelfSignedLeaf,
                Some(leaf),
                format!("{} is self-signed; no client trusts it unless it is pinned or added as a trust anchor", self.name(leaf)),
                "For production, use a certificate issued by a (private or public) CA; for development, pin its key (pins=[\"sha256/...\"]).".into(),
            );
        }
        let lifetime = c.not_after - c.not_before;
        if lifetime > MAX_PUBLIC_VALIDITY {
            self.push(
                LintCode::LongValidity,
                Some(leaf),
                format!(
                    "{} is valid for {} days ({} to {}), more than the 398 days publicly trusted certificates may have",
                    self.name(leaf),
                    lifetime / 86_400,
                    format_time(c.not_before),
                    format_time(c.not_after)
                ),
                "Public CAs cannot issue this and browsers reject it; issue certificates for at most 398 days (and automate renewal). A private CA may ignore this.".into(),
            );
        }
    }

    pub(super) fn check_validity(&mut self, i: usize, now: i64, warn_days: u32) {
        let c = &self.certs[i];
        if now > c.not_after {
            self.push(
                LintCode::Expired,
                Some(i),
                format!(
                    "{} expired on {} ({})",
                    self.name(i),
                    format_time(c.not_after),
                    relative_time(c.not_after, now)
                ),
                "Renew the certificate and deploy the new one (with the matching key).".into(),
            );
        } else if now < c.not_before {
            self.push(
                LintCode::NotYetValid,
                Some(i),
                format!(
                    "{} is not valid before {} ({})",
                    self.name(i),
                    format_time(c.not_before),
                    relative_time(c.not_before, now)
                ),
                "Deploy it only from that date on, or check the clock of the machine that issued it (and of this one)."
                    .into(),
            );
        } else if c.not_after.saturating_sub(now) < i64::from(warn_days) * 86_400 {
            let days = c.days_remaining(now);
            self.push(
                LintCode::ExpiresSoon,
                Some(i),
                format!(
                    "{} expires on {} ({}, {days} days left, warning threshold {warn_days} days)",
                    self.name(i),
                    format_time(c.not_after),
                    relative_time(c.not_after, now)
                ),
                "Renew the certificate now and deploy the new one before it expires; automate renewal.".into(),
            );
        }
    }

    pub(super) fn check_algorithms(&mut self, i: usize) {
        let c = &self.certs[i];
        if short_rsa_key(&c.key_type, c.key_bits) {
            self.push(
                LintCode::WeakKey,
                Some(i),
                format!("{} has a {}-bit RSA key; at least {MIN_RSA_BITS} bits are required", self.name(i), c.key_bits),
                "Re-issue the certificate with a 2048-bit (or larger) RSA key or an ECDSA P-256 key.".into(),
            );
        }
        let weak = weak_signature_hash(&c.signature_algorithm);
        // A root's self-signature is never checked by clients: it does not matter.
        if let (Some(weak), false) = (weak, c.self_signed) {
            self.push(
                LintCode::WeakSignature,
                Some(i),
                format!(
                    "{} is signed with {weak} ({}); clients reject such signatures",
                    self.name(i),
                    c.signature_algorithm
                ),
                "Have the issuer re-sign the certificate with SHA-256 (or better).".into(),
            );
        }
    }

    pub(super) fn check_extensions(&mut self, i: usize, leaf: usize) {
        let c = &self.certs[i];
        if !c.has_ski && (c.is_ca || i == leaf) {
            let (severity, who) = if c.is_ca { (Severity::Warning, "CA") } else { (Severity::Info, "leaf") };
            self.push_as(
                LintCode::MissingSki,
                severity,
                Some(i),
                format!("{} ({who}) has no subjectKeyIdentifier extension; RFC 5280 and Python >= 3.13's VERIFY_X509_STRICT want it", self.name(i)),
                "Re-issue the certificate with subjectKeyIdentifier (openssl: subjectKeyIdentifier = hash).".into(),
            );
        }
        if !c.has_aki && !c.self_signed {
            self.push(
                LintCode::MissingAki,
                Some(i),
                format!("{} has no authorityKeyIdentifier extension; RFC 5280 and Python >= 3.13's VERIFY_X509_STRICT want it", self.name(i)),
                "Re-issue the certificate with authorityKeyIdentifier (openssl: authorityKeyIdentifier = keyid).".into(),
            );
        }
        if c.is_ca && !c.basic_constraints_critical {
            self.push(
                LintCode::CaBasicConstraintsNotCritical,
                Some(i),
                format!("{} is a CA but its basicConstraints extension is not marked critical; Python >= 3.13 (VERIFY_X509_STRICT) rejects such CAs", self.name(i)),
                "Re-issue the CA certificate with basicConstraints critical (openssl: basicConstraints = critical, CA:TRUE).".into(),
            );
        }
    }
}
