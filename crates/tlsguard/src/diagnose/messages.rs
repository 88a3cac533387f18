//! The errors that name one certificate and one fact (expired, not yet valid, wrong name,
//! wrong purpose, weak algorithm), with their [`Detail`].
//!
//! A leaf: it depends only on `cert`, `error` and `detail`, so that `policy` and `verify` can
//! build these errors without depending on the rest of diagnosis (which depends on `trust`).

use rustls::pki_types::ServerName;

use crate::cert::{CertificateInfo, format_time, relative_time};
use crate::detail::Detail;
use crate::error::{Code, Error};

/// How to call a certificate in a message.
pub(crate) fn label(info: &CertificateInfo, is_leaf: bool) -> String {
    if is_leaf {
        format!("certificate for {}", info.display_name())
    } else if info.self_signed {
        format!("root certificate '{}'", info.display_name())
    } else {
        format!("intermediate certificate '{}'", info.display_name())
    }
}

fn date(unix: i64) -> String {
    format_time(unix).chars().take(10).collect()
}

/// `localhost` or `127.0.0.1`.
pub(crate) fn name_text(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_owned(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// `CERT_EXPIRED` for `info`.
pub(crate) fn expired(info: &CertificateInfo, now: i64, is_leaf: bool) -> Error {
    Error::new(
        Code::CertExpired,
        format!(
            "{} expired on {} ({}; valid since {})",
            label(info, is_leaf),
            date(info.not_after),
            relative_time(info.not_after, now),
            date(info.not_before)
        ),
    )
    .with_hint(format!(
        "The server operator must renew the {} (notAfter {}) and deploy it; if this machine's clock is wrong, fix the clock.",
        if is_leaf { "certificate" } else { "expired CA certificate in the chain" },
        format_time(info.not_after)
    ))
    .with_detail(Detail::Expired { subject: info.subject.clone(), not_after: info.not_after, now })
}

/// `CERT_NOT_YET_VALID` for `info`.
pub(crate) fn not_yet_valid(info: &CertificateInfo, now: i64, is_leaf: bool) -> Error {
    Error::new(
        Code::CertNotYetValid,
        format!(
            "{} is not valid until {} ({}; this machine's clock says {})",
            label(info, is_leaf),
            date(info.not_before),
            relative_time(info.not_before, now),
            format_time(now)
        ),
    )
    .with_detail(Detail::NotYetValid { subject: info.subject.clone(), not_before: info.not_before, now })
}

/// `CERT_HOSTNAME_MISMATCH`, listing the names the certificate has.
pub(crate) fn hostname_mismatch(info: &CertificateInfo, wanted: &str) -> Error {
    let mut presented: Vec<String> = info.dns_names.clone();
    presented.extend(info.ip_addresses.iter().map(|ip| ip.to_string()));
    let detail = Detail::HostnameMismatch { expected: wanted.to_owned(), presented };
    let mut names: Vec<String> = info.dns_names.iter().map(|d| format!("DNS:{d}")).collect();
    names.extend(info.ip_addresses.iter().map(|ip| format!("IP:{ip}")));
    if !info.has_san || names.is_empty() {
        let cn = info.subject_cn.clone().unwrap_or_default();
        return Error::new(
            Code::CertHostnameMismatch,
            format!(
                "certificate '{}' has no subjectAltName, only the commonName '{cn}', which is not used for name checks; it is not valid for {wanted}",
                info.subject
            ),
        )
        .with_hint("The server operator must re-issue the certificate with a subjectAltName listing the host name (CN-only certificates are rejected by all modern clients).")
        .with_detail(detail);
    }
    let ip_as_dns = info.dns_names.iter().any(|d| d.parse::<std::net::IpAddr>().is_ok());
    let mut message = format!("certificate is not valid for {wanted}: it covers {}", names.join(", "));
    if ip_as_dns {
        message.push_str(" (an IP address is listed as a DNS name, which never matches: it must be an IP entry)");
    }
    Error::new(Code::CertHostnameMismatch, message).with_detail(detail)
}

/// `CERT_INVALID_PURPOSE`.
pub(crate) fn invalid_purpose(info: &CertificateInfo, wanted: &str) -> Error {
    Error::new(
        Code::CertInvalidPurpose,
        format!(
            "certificate for {} is not for {wanted}: its extended key usage is {}",
            info.display_name(),
            if info.extended_key_usage.is_empty() { "empty".to_owned() } else { info.extended_key_usage.join(", ") }
        ),
    )
    .with_detail(Detail::InvalidPurpose {
        subject: info.subject.clone(),
        expected: wanted.to_owned(),
        presented: info.extended_key_usage.clone(),
    })
}

/// `CERT_WEAK_ALGORITHM` for a certificate with a weak signature or key.
pub(crate) fn weak_certificate(info: &CertificateInfo, is_leaf: bool) -> Error {
    let what = info.weakness().unwrap_or_else(|| "uses a weak algorithm".into());
    // The weakness is worded "is signed with SHA-1 (...)" or "has a 1024-bit RSA key (...)".
    let (kind, why) = match what.strip_prefix("is signed with ") {
        Some(rest) => ("signature", rest),
        None => ("key", what.strip_prefix("has a ").unwrap_or(&what)),
    };
    let detail = Detail::WeakAlgorithm { subject: info.subject.clone(), what: kind.to_owned(), why: why.to_owned() };
    Error::new(Code::CertWeakAlgorithm, format!("{} {what}", label(info, is_leaf))).with_detail(detail)
}
