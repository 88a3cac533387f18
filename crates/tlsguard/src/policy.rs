//! tlsguard's certificate profile: what the Web PKI (RFC 5280 and the CA/Browser Forum Baseline
//! Requirements) demands beyond what rustls-webpki checks.
//!
//! These checks run inside webpki's path building (its `verify_path` hook), on every candidate
//! path, so a path refused here lets webpki try another one (a cross-signed chain, say). They
//! can only refuse: a path webpki rejected never reaches them. Each rule names its source; the
//! security model (`manual/security.md`) lists them, and `tests/limbo` exercises them.
//!
//! The end-entity, each intermediate, and the trust anchor's certificate when the caller supplied
//! it (`ca_file`/`ca_pem`) are checked. Roots from Mozilla's list or the OS store are curated by
//! their maintainers and are not re-checked: a rule of ours must never break the public Web PKI.

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use crate::cert::{Certificate, CertificateInfo, KeyType};
use crate::error::{Code, Error, Result};
use crate::x509::passed;

const OID_SAN: &str = "2.5.29.17";
const OID_BC: &str = "2.5.29.19";
const OID_KU: &str = "2.5.29.15";
const OID_EKU: &str = "2.5.29.37";
const OID_NC: &str = "2.5.29.30";
const OID_AKI: &str = "2.5.29.35";
const OID_SKI: &str = "2.5.29.14";
const OID_POLICY_CONSTRAINTS: &str = "2.5.29.36";
const OID_AIA: &str = "1.3.6.1.5.5.7.1.1";

/// The smallest RSA key accepted, in bits (CA/B BR 6.1.5).
pub(crate) const MIN_RSA_BITS: u32 = 2048;

/// The broken hash of a signature algorithm (its readable name or OID, see
/// [`CertificateInfo::signature_algorithm`]): `"SHA-1"`, or `"MD5"` for MD5 and MD2.
pub(crate) fn weak_signature_hash(signature_algorithm: &str) -> Option<&'static str> {
    let alg = signature_algorithm.to_ascii_lowercase();
    if alg.contains("sha1") || alg.contains("sha-1") {
        Some("SHA-1")
    } else if alg.contains("md5") || alg.contains("md2") {
        Some("MD5")
    } else {
        None
    }
}

/// Whether a key is RSA and shorter than [`MIN_RSA_BITS`].
pub(crate) fn short_rsa_key(key_type: &KeyType, bits: u32) -> bool {
    *key_type == KeyType::Rsa && bits < MIN_RSA_BITS
}

impl CertificateInfo {
    /// A signature with SHA-1 or MD5, or an RSA key shorter than 2048 bits: what is weak, as
    /// the end of a sentence naming the certificate (`"is signed with SHA-1 (...)"`).
    pub fn weakness(&self) -> Option<String> {
        if let Some(hash) = weak_signature_hash(&self.signature_algorithm) {
            return Some(format!("is signed with {hash} ({})", self.signature_algorithm));
        }
        if short_rsa_key(&self.key_type, self.key_bits) {
            return Some(format!("has a {}-bit RSA key (at least {MIN_RSA_BITS} bits are required)", self.key_bits));
        }
        None
    }
}

/// Where a certificate sits in the path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    EndEntity,
    Intermediate,
    Anchor,
}

fn who(cert: &X509Certificate<'_>, role: Role) -> String {
    let cn = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|c| c.as_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| cert.subject().to_string());
    match role {
        Role::EndEntity => format!("certificate '{cn}'"),
        Role::Intermediate => format!("intermediate certificate '{cn}'"),
        Role::Anchor => format!("root certificate '{cn}'"),
    }
}

fn invalid(cert: &X509Certificate<'_>, role: Role, what: impl std::fmt::Display) -> Error {
    Error::new(Code::CertInvalid, format!("{} {what}", who(cert, role)))
}

/// Checks one certificate of a candidate path.
///
/// A certificate that passed once in a role is remembered ([`passed`]) and not parsed again:
/// every handshake to a server presents the same leaf and intermediates. A refusal is worked
/// out (and explained) again each time; an anchor's validity is checked against `now` on every
/// call.
pub(crate) fn check_certificate(der: &[u8], role: Role, now: i64) -> Result<()> {
    let key = passed::key(der);
    if let Some((not_before, not_after)) = passed::get(&key, role as u8)
        && (role != Role::Anchor || (not_before..=not_after).contains(&now))
    {
        return Ok(());
    }
    let validity = check_uncached(der, role, now)?;
    passed::insert(key, role as u8, validity);
    Ok(())
}

/// [`check_certificate`]'s checks; on success, the certificate's validity (Unix seconds).
fn check_uncached(der: &[u8], role: Role, now: i64) -> Result<(i64, i64)> {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return Err(Error::new(Code::CertInvalid, "a certificate of the chain does not parse"));
    };
    // Self-signed, not merely self-issued (a re-keyed CA issues certificates with its own name).
    let self_signed = crate::x509::is_self_signed(&cert, der);
    let mut ski: Option<&[u8]> = None;
    let mut aki_key: Option<&[u8]> = None;
    let mut has_aki = false;
    let mut bc: Option<(bool, bool)> = None; // (ca, critical)
    let mut key_cert_sign: Option<bool> = None;
    let mut has_eku = false;

    for ext in cert.extensions() {
        let oid = ext.oid.to_id_string();
        match ext.parsed_extension() {
            ParsedExtension::ParseError { error }
                if [OID_SAN, OID_BC, OID_KU, OID_EKU, OID_NC, OID_AKI, OID_SKI, OID_AIA].contains(&oid.as_str()) =>
            {
                return Err(invalid(&cert, role, format_args!("has a malformed extension {oid} ({error})")));
            }
            ParsedExtension::UnsupportedExtension { .. } if ext.critical && role == Role::Anchor => {
                // RFC 5280 4.2: a certificate with an unrecognised critical extension must be rejected.
                return Err(invalid(
                    &cert,
                    role,
                    format_args!("has a critical extension tlsguard does not recognise ({oid})"),
                ));
            }
            ParsedExtension::SubjectKeyIdentifier(k) => {
                if ext.critical {
                    return Err(invalid(
                        &cert,
                        role,
                        "marks subjectKeyIdentifier critical (RFC 5280 4.2.1.2 forbids it)",
                    ));
                }
                ski = Some(k.0);
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                if ext.critical {
                    return Err(invalid(
                        &cert,
                        role,
                        "marks authorityKeyIdentifier critical (RFC 5280 4.2.1.1 forbids it)",
                    ));
                }
                has_aki = true;
                aki_key = aki.key_identifier.as_ref().map(|k| k.0);
                if self_signed
                    && (aki.authority_cert_issuer.is_some() || aki.authority_cert_serial.is_some() || aki_key.is_none())
                {
                    return Err(invalid(
                        &cert,
                        role,
                        "is self-signed with an authorityKeyIdentifier that is not just a keyIdentifier (CA/B BR 7.1.2.1.3)",
                    ));
                }
            }
            ParsedExtension::BasicConstraints(b) => bc = Some((b.ca, ext.critical)),
            ParsedExtension::KeyUsage(ku) => key_cert_sign = Some(ku.key_cert_sign()),
            ParsedExtension::ExtendedKeyUsage(eku) => {
                has_eku = true;
                if role == Role::EndEntity && ext.critical {
                    return Err(invalid(
                        &cert,
                        role,
                        "marks extendedKeyUsage critical (CA/B BR 7.1.2.7.10 forbids it)",
                    ));
                }
                if role == Role::EndEntity && eku.any {
                    return Err(invalid(
                        &cert,
                        role,
                        "has anyExtendedKeyUsage (CA/B BR 7.1.2.7.10 forbids it in server certificates)",
                    ));
                }
            }
            ParsedExtension::NameConstraints(nc) => {
                if role == Role::EndEntity {
                    return Err(invalid(
                        &cert,
                        role,
                        "has a nameConstraints extension, which only CA certificates may have (RFC 5280 4.2.1.10)",
                    ));
                }
                let empty = |s: &Option<Vec<_>>| s.as_ref().is_none_or(|v: &Vec<_>| v.is_empty());
                if empty(&nc.permitted_subtrees) && empty(&nc.excluded_subtrees) {
                    return Err(invalid(
                        &cert,
                        role,
                        "has a nameConstraints extension with neither permitted nor excluded subtrees (RFC 5280 4.2.1.10)",
                    ));
                }
                for subtree in nc.permitted_subtrees.iter().chain(nc.excluded_subtrees.iter()).flatten() {
                    if let GeneralName::DNSName(d) = subtree.base
                        && d.starts_with('.')
                    {
                        return Err(invalid(
                            &cert,
                            role,
                            format_args!("has a malformed DNS name constraint {d:?} (leading period)"),
                        ));
                    }
                }
            }
            ParsedExtension::PolicyConstraints(_) if !ext.critical => {
                return Err(invalid(
                    &cert,
                    role,
                    "has a non-critical policyConstraints extension (RFC 5280 4.2.1.11 requires critical)",
                ));
            }
            ParsedExtension::SubjectAlternativeName(san) => {
                let empty_subject = cert.subject().iter().next().is_none();
                if empty_subject && !ext.critical {
                    return Err(invalid(
                        &cert,
                        role,
                        "has an empty subject and a non-critical subjectAltName (RFC 5280 4.2.1.6)",
                    ));
                }
                if !empty_subject && ext.critical && role == Role::EndEntity {
                    return Err(invalid(
                        &cert,
                        role,
                        "marks subjectAltName critical although its subject is not empty (CA/B BR 7.1.2.7.12)",
                    ));
                }
                if role == Role::EndEntity {
                    for name in &san.general_names {
                        if let GeneralName::DNSName(d) = name
                            && d.contains('_')
                        {
                            return Err(invalid(
                                &cert,
                                role,
                                format_args!(
                                    "lists the DNS name {d:?}, and underscores are not allowed in host names (RFC 5280 4.2.1.6, CA/B BR 7.1.2.7.12)"
                                ),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
        let _ = OID_POLICY_CONSTRAINTS;
    }

    // Serial numbers: positive and at most 20 octets (RFC 5280 4.1.2.2).
    if role != Role::Anchor {
        let serial = cert.raw_serial();
        let significant: &[u8] = {
            let skip = serial.iter().take_while(|b| **b == 0).count();
            &serial[skip.min(serial.len())..]
        };
        if significant.is_empty() {
            return Err(invalid(&cert, role, "has serial number 0 (RFC 5280 4.1.2.2 requires a positive serial)"));
        }
        if serial.len() > 20 {
            return Err(invalid(
                &cert,
                role,
                format_args!("has a {}-octet serial number; at most 20 are allowed (RFC 5280 4.1.2.2)", serial.len()),
            ));
        }
    }

    // Key identifiers (RFC 5280 4.2.1.1, 4.2.1.2; Python >= 3.13 enforces the same).
    if role != Role::Anchor && !self_signed && (!has_aki || aki_key.is_none()) {
        return Err(invalid(
            &cert,
            role,
            "has no authorityKeyIdentifier keyIdentifier (RFC 5280 4.2.1.1 requires it; so does Python >= 3.13)",
        ));
    }
    if self_signed
        && let (Some(a), Some(s)) = (aki_key, ski)
        && a != s
    {
        return Err(invalid(
            &cert,
            role,
            "is self-signed but its authorityKeyIdentifier differs from its subjectKeyIdentifier",
        ));
    }
    let is_ca_role = role != Role::EndEntity;
    if is_ca_role && ski.is_none() {
        return Err(invalid(
            &cert,
            role,
            "has no subjectKeyIdentifier (RFC 5280 4.2.1.2 requires it for CAs; so does Python >= 3.13)",
        ));
    }
    if is_ca_role {
        match bc {
            None => {
                return Err(invalid(
                    &cert,
                    role,
                    "has no basicConstraints extension, which a CA certificate must have (RFC 5280 4.2.1.9)",
                ));
            }
            Some((_, false)) => {
                return Err(invalid(
                    &cert,
                    role,
                    "has a non-critical basicConstraints extension (RFC 5280 4.2.1.9 requires critical; Python >= 3.13 refuses it too)",
                ));
            }
            Some((true, true)) => {}
            Some((false, true)) => {
                return Err(invalid(&cert, role, "is used as a CA but has basicConstraints CA:FALSE"));
            }
        }
        if key_cert_sign == Some(false) {
            return Err(invalid(&cert, role, "is a CA whose keyUsage lacks keyCertSign (RFC 5280 4.2.1.3)"));
        }
        if cert.subject().iter().next().is_none() {
            return Err(invalid(&cert, role, "is a CA with an empty subject (RFC 5280 4.1.2.6)"));
        }
    }
    if role == Role::Anchor && has_eku {
        return Err(invalid(
            &cert,
            role,
            "is a root with an extendedKeyUsage extension (CA/B BR 7.1.2.1.2 forbids it)",
        ));
    }
    if role == Role::EndEntity && bc.is_some_and(|(ca, _)| !ca) && key_cert_sign == Some(true) {
        return Err(invalid(&cert, role, "is not a CA (CA:FALSE) but its keyUsage has keyCertSign (RFC 5280 4.2.1.3)"));
    }
    if role == Role::Anchor {
        let (nb, na) = (cert.validity().not_before.timestamp(), cert.validity().not_after.timestamp());
        if now > na {
            let info = Certificate::parsed(der)?;
            return Err(crate::diagnose::messages::expired(&info, now, false));
        }
        if now < nb {
            let info = Certificate::parsed(der)?;
            return Err(crate::diagnose::messages::not_yet_valid(&info, now, false));
        }
    }
    check_key(&cert, role)?;
    if role == Role::EndEntity {
        check_cn_spelling(&cert)?;
    }
    Ok((cert.validity().not_before.timestamp(), cert.validity().not_after.timestamp()))
}

/// CA/B BR 7.1.4.3: a subject common name must be a byte-for-byte copy of one of the
/// subjectAltNames. tlsguard enforces the part of this that cannot break a sane deployment: a CN
/// that *denotes* a SAN entry (the same IP address, or the same internationalised name) must
/// spell it exactly as the SAN does (canonical IP text, A-label). A CN naming something else
/// entirely is left alone (it is never used for name checks; `lint` reports it as
/// CN_NOT_IN_SAN).
fn check_cn_spelling(cert: &X509Certificate<'_>) -> Result<()> {
    let Ok(Some(san)) = cert.subject_alternative_name() else { return Ok(()) };
    let mut dns: Vec<&str> = Vec::new();
    let mut ips: Vec<std::net::IpAddr> = Vec::new();
    for n in &san.value.general_names {
        match n {
            GeneralName::DNSName(d) => dns.push(d),
            GeneralName::IPAddress(ip) if ip.len() == 4 => {
                ips.push(std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).into())
            }
            GeneralName::IPAddress(ip) if ip.len() == 16 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(ip);
                ips.push(std::net::Ipv6Addr::from(a).into());
            }
            _ => {}
        }
    }
    for cn in cert.subject().iter_common_name() {
        let Ok(cn) = cn.as_str() else { continue };
        if dns.contains(&cn) || ips.iter().any(|ip| ip.to_string() == cn) {
            continue;
        }
        let denotes_ip = lenient_ip(cn).filter(|ip| ips.contains(ip));
        let denotes_idn = !cn.is_ascii() && idna::domain_to_ascii(cn).is_ok_and(|a| dns.contains(&a.as_str()));
        if let Some(ip) = denotes_ip {
            return Err(invalid(
                cert,
                Role::EndEntity,
                format_args!(
                    "spells the IP address {ip} as '{cn}' in its common name; it must be written as in the subjectAltName (CA/B BR 7.1.4.3)"
                ),
            ));
        }
        if denotes_idn {
            return Err(invalid(
                cert,
                Role::EndEntity,
                format_args!(
                    "has the common name '{cn}' in Unicode while its subjectAltName has the punycode form; they must be identical (CA/B BR 7.1.4.3)"
                ),
            ));
        }
    }
    Ok(())
}

/// Parses an IP address as loosely as legacy resolvers do: IPv6 in any case and compression,
/// IPv4 with leading zeros or as one hexadecimal number (`0xC0A80101`).
fn lenient_ip(text: &str) -> Option<std::net::IpAddr> {
    if let Ok(ip) = text.parse::<std::net::Ipv6Addr>() {
        return Some(ip.into());
    }
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).ok().map(|n| std::net::Ipv4Addr::from(n).into());
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() == 4 && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        let octets: Vec<u8> = parts.iter().filter_map(|p| p.parse::<u8>().ok()).collect();
        if octets.len() == 4 {
            return Some(std::net::Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]).into());
        }
    }
    None
}

/// Keys allowed by the CA/B Baseline Requirements 6.1.5: RSA of at least 2048 bits whose size is
/// a multiple of 8, and ECDSA on P-256, P-384 or P-521. Ed25519/Ed448 are accepted too (private
/// PKIs use them; webpki verifies them).
fn check_key(cert: &X509Certificate<'_>, role: Role) -> Result<()> {
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = crate::der::rsa_bits(rsa.modulus);
            if bits < MIN_RSA_BITS as usize {
                let info = Certificate::parsed(cert.as_raw())?;
                return Err(crate::diagnose::messages::weak_certificate(&info, role == Role::EndEntity));
            }
            if !bits.is_multiple_of(8) {
                return Err(invalid(
                    cert,
                    role,
                    format_args!("has a {bits}-bit RSA key; the size must be a multiple of 8 (CA/B BR 6.1.5)"),
                ));
            }
        }
        Ok(PublicKey::EC(_)) => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
            match curve.as_deref() {
                Some("1.2.840.10045.3.1.7" | "1.3.132.0.34" | "1.3.132.0.35") => {}
                other => {
                    return Err(Error::new(
                        Code::CertWeakAlgorithm,
                        format!(
                            "{} has an EC key on curve {}, not P-256, P-384 or P-521",
                            who(cert, role),
                            other.unwrap_or("(unnamed)")
                        ),
                    ));
                }
            }
        }
        Ok(PublicKey::DSA(_)) => {
            return Err(Error::new(
                Code::CertWeakAlgorithm,
                format!("{} has a DSA key, which is not allowed", who(cert, role)),
            ));
        }
        _ => {
            let alg = spki.algorithm.algorithm.to_id_string();
            if !matches!(alg.as_str(), "1.3.101.112" | "1.3.101.113") {
                return Err(invalid(cert, role, format_args!("has a key of unsupported type {alg}")));
            }
        }
    }
    Ok(())
}

/// RFC 5280 4.2.1.3: a CA whose key signs a CRL in use must have cRLSign in its keyUsage.
/// `issuers` are the DER names of the supplied CRLs' issuers.
pub(crate) fn check_crl_issuers(ca_ders: &[&[u8]], issuers: &[Vec<u8>]) -> Result<()> {
    for der in ca_ders {
        let Ok((_, cert)) = X509Certificate::from_der(der) else { continue };
        if !issuers.iter().any(|i| i.as_slice() == cert.subject().as_raw()) {
            continue;
        }
        if let Ok(Some(ku)) = cert.key_usage()
            && !ku.value.crl_sign()
        {
            return Err(invalid(
                &cert,
                Role::Intermediate,
                "issued a supplied CRL but its keyUsage lacks cRLSign (RFC 5280 4.2.1.3)",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cert::KeyType;

    /// A self-signed certificate (DER) valid for `days` from now: a CA, or a leaf for `a.test`.
    fn self_signed(cn: &str, days: i64, ca: bool) -> Vec<u8> {
        let mut p = rcgen::CertificateParams::new(if ca { vec![] } else { vec!["a.test".to_owned()] }).unwrap();
        p.distinguished_name.push(rcgen::DnType::CommonName, cn);
        if ca {
            p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            p.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
        }
        p.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
        p.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(days);
        p.self_signed(&rcgen::KeyPair::generate().unwrap()).unwrap().der().to_vec()
    }

    #[test]
    fn a_remembered_pass_keeps_role_and_time() {
        use super::{Role, check_certificate};
        let now = crate::cert::unix_now();
        let root = self_signed("tlsguard memo root", 10, true);
        check_certificate(&root, Role::Anchor, now).expect("a valid root passes");
        check_certificate(&root, Role::Anchor, now).expect("and again, remembered");
        // The anchor's validity is checked at each call, remembered or not.
        let later = now + 86_400 * 30;
        let e = check_certificate(&root, Role::Anchor, later).expect_err("expired 20 days later");
        assert_eq!(e.code(), crate::Code::CertExpired, "{e}");
        // A pass is remembered for its role only: as an end entity this CA certificate is checked
        // anew (and a CA:TRUE leaf with keyCertSign passes the profile, which webpki then refuses).
        check_certificate(&root, Role::EndEntity, now).expect("profile of a leaf");
    }

    #[test]
    fn a_refusal_is_not_remembered_as_a_pass() {
        use super::{Role, check_certificate};
        let now = crate::cert::unix_now();
        let leaf = self_signed("a.test", 10, false);
        check_certificate(&leaf, Role::EndEntity, now).expect("a leaf passes as a leaf");
        for _ in 0..2 {
            // Not a CA: refused as an intermediate, the pass as an end entity notwithstanding.
            let e = check_certificate(&leaf, Role::Intermediate, now).expect_err("a leaf as a CA");
            assert_eq!(e.code(), crate::Code::CertInvalid, "{e}");
            assert!(e.to_string().contains("intermediate certificate 'a.test'"), "{e}");
        }
    }

    #[test]
    fn the_weak_algorithm_rule() {
        use super::{short_rsa_key, weak_signature_hash};
        assert_eq!(weak_signature_hash("sha1WithRSAEncryption"), Some("SHA-1"));
        assert_eq!(weak_signature_hash("ecdsa-with-SHA1"), Some("SHA-1"));
        assert_eq!(weak_signature_hash("md5WithRSAEncryption"), Some("MD5"));
        assert_eq!(weak_signature_hash("md2WithRSAEncryption"), Some("MD5"));
        assert_eq!(weak_signature_hash("sha256WithRSAEncryption"), None);
        assert!(short_rsa_key(&KeyType::Rsa, 1024));
        assert!(!short_rsa_key(&KeyType::Rsa, 2048));
        assert!(!short_rsa_key(&KeyType::Ec, 256));
        assert!(!short_rsa_key(&KeyType::Dsa, 1024));
    }
}
