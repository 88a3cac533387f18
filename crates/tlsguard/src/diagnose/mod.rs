//! Diagnosis: turning a refusal into an explained [`Error`].
//!
//! Runs only after rustls-webpki (or tlsguard's policy in `verify.rs`) has refused a chain, or a
//! handshake has failed. It re-reads the presented chain with x509-parser to pick the most
//! precise code (`UnknownIssuer` becomes `CERT_INCOMPLETE_CHAIN`, `CERT_SELF_SIGNED`,
//! `CERT_WEAK_ALGORITHM`, ...) and to name the certificate and the fact. It is advisory: its
//! functions return errors only; nothing here can accept a chain.

use rustls::pki_types::{ServerName, UnixTime};
use rustls::{AlertDescription, CertificateError, PeerIncompatible};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

pub(crate) mod messages;

use crate::cert::{Certificate, format_time, relative_time};
use crate::detail::Detail;
use crate::error::{Code, Error};
use crate::options::MinTls;
use crate::pin::wrap_sequence;
use crate::trust::TrustStore;
use messages::label;
pub(crate) use messages::{expired, hostname_mismatch, invalid_purpose, name_text, not_yet_valid, weak_certificate};

/// Explains a refusal by rustls-webpki of `chain`, the presented chain (leaf first).
pub(crate) fn certificate_error(
    err: &webpki::Error,
    chain: &[Certificate],
    server_name: Option<&ServerName<'_>>,
    now: UnixTime,
    store: &TrustStore,
) -> Error {
    let now_secs = now.as_secs() as i64;
    let Some(leaf_info) = chain.first() else {
        return Error::new(Code::CertInvalid, format!("the server's certificate does not parse ({err:?})"));
    };
    let wanted = server_name.map(name_text).unwrap_or_default();
    use webpki::Error as W;
    #[allow(deprecated)]
    match err {
        W::CertExpired { not_after, .. } => {
            let t = not_after.as_secs() as i64;
            let (i, info) = chain.iter().enumerate().find(|(_, c)| c.not_after == t).unwrap_or((0, leaf_info));
            expired(info, now_secs, i == 0)
        }
        W::CertNotValidYet { not_before, .. } => {
            let t = not_before.as_secs() as i64;
            let (i, info) = chain.iter().enumerate().find(|(_, c)| c.not_before == t).unwrap_or((0, leaf_info));
            not_yet_valid(info, now_secs, i == 0)
        }
        W::CertNotValidForName(_) => hostname_mismatch(leaf_info, &wanted),
        W::CaUsedAsEndEntity => Error::new(
            Code::CertCaAsLeaf,
            format!(
                "certificate for {} is a CA certificate (basicConstraints CA:TRUE){} used as the server certificate",
                leaf_info.display_name(),
                if leaf_info.self_signed { ", self-signed," } else { "" }
            ),
        )
        .with_detail(Detail::CaAsLeaf { subject: leaf_info.subject.clone() }),
        W::CertRevoked => revoked(chain, store),
        W::CrlExpired { next_update, .. } => crl_out_of_date(chain, store, next_update.as_secs() as i64, now_secs),
        W::InvalidCrlSignatureForPublicKey | W::IssuerNotCrlSigner => crl_not_usable(chain, store, err),
        W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) | W::EmptyEkuExtension => {
            invalid_purpose(leaf_info, "serverAuth")
        }
        W::NameConstraintViolation => {
            let ca = chain.iter().skip(1).find(|c| has_name_constraints(c.der()));
            Error::new(
                Code::CertNameConstraints,
                match ca {
                    Some(ca) => format!(
                        "CA '{}' has name constraints that exclude the names of the certificate for {} ({})",
                        ca.display_name(),
                        leaf_info.display_name(),
                        leaf_info.dns_names.join(", ")
                    ),
                    None => format!(
                        "a CA's name constraints exclude the names of the certificate for {}",
                        leaf_info.display_name()
                    ),
                },
            )
        }
        W::InvalidSignatureForPublicKey => bad_signature(chain, store).unwrap_or_else(|| {
            Error::new(Code::CertBadSignature, "a signature in the chain does not verify with its issuer's key")
        }),
        W::UnsupportedSignatureAlgorithm
        | W::UnsupportedSignatureAlgorithmContext(_)
        | W::UnsupportedSignatureAlgorithmForPublicKey
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | W::SignatureAlgorithmMismatch => weak_in_chain(chain).unwrap_or_else(|| {
            Error::new(
                Code::CertInvalid,
                format!("the chain uses a signature algorithm tlsguard does not support ({err:?})"),
            )
        }),
        W::UnknownIssuer => unknown_issuer(chain, store),
        W::EndEntityUsedAsCa => Error::new(
            Code::CertInvalid,
            "a certificate that is not a CA (basicConstraints CA:FALSE or absent) issued another certificate in the chain",
        ),
        W::PathLenConstraintViolated => {
            Error::new(Code::CertInvalid, "the chain is longer than a CA's pathLenConstraint allows")
        }
        W::MaximumPathDepthExceeded
        | W::MaximumPathBuildCallsExceeded
        | W::MaximumSignatureChecksExceeded
        | W::MaximumNameConstraintComparisonsExceeded => {
            Error::new(Code::CertInvalid, format!("the chain is too long or too complex to verify ({err:?})"))
        }
        W::UnsupportedCriticalExtension => Error::new(
            Code::CertInvalid,
            "a certificate in the chain has a critical extension that tlsguard does not understand",
        ),
        W::CertDistrusted => Error::new(Code::CertUnknownIssuer, "the chain ends at a root that is distrusted")
            .with_detail(Detail::UnknownIssuer { issuer: chain.last().map(|c| c.issuer.clone()).unwrap_or_default() }),
        other => Error::new(
            Code::CertInvalid,
            format!("certificate for {} is unusable: {other:?}", leaf_info.display_name()),
        ),
    }
}

/// The first certificate with a weak algorithm, as an error.
fn weak_in_chain(chain: &[Certificate]) -> Option<Error> {
    chain.iter().enumerate().find(|(_, c)| c.weakness().is_some()).map(|(i, c)| weak_certificate(c, i == 0))
}

fn has_name_constraints(der: &[u8]) -> bool {
    X509Certificate::from_der(der).map(|(_, c)| matches!(c.name_constraints(), Ok(Some(_)))).unwrap_or(false)
}

fn revoked(chain: &[Certificate], store: &TrustStore) -> Error {
    for (i, info) in chain.iter().enumerate() {
        let Ok((_, cert)) = X509Certificate::from_der(info.der()) else { continue };
        let serial = cert.raw_serial();
        for crl in &store.crls {
            if let Ok(Some(_)) = crl.find_serial(serial) {
                return Error::new(
                    Code::CertRevoked,
                    format!("{} (serial {}) is revoked by a supplied CRL", label(info, i == 0), info.serial),
                )
                .with_detail(Detail::Revoked { subject: info.subject.clone(), serial: info.serial.clone() });
            }
        }
    }
    Error::new(Code::CertRevoked, "a certificate of the chain is revoked by a supplied CRL")
}

/// The certificates of `chain` that a loaded CRL is from the issuer of, with that CRL (first
/// match; `pick` filters the CRLs).
fn covered<'a>(
    chain: &'a [Certificate],
    store: &'a TrustStore,
    pick: impl Fn(&crate::trust::CrlInfo) -> bool,
) -> Option<(usize, &'a Certificate, &'a crate::trust::CrlInfo)> {
    chain.iter().enumerate().find_map(|(i, info)| {
        let issuer = issuer_raw(info.der());
        store.crl_info.iter().find(|c| c.issuer_der == issuer && pick(c)).map(|c| (i, info, c))
    })
}

/// `CERT_REVOCATION_UNKNOWN` for a CRL past its nextUpdate, naming its issuer and that date.
fn crl_out_of_date(chain: &[Certificate], store: &TrustStore, next_update: i64, now: i64) -> Error {
    let found = covered(chain, store, |c| c.next_update == next_update);
    let (what, issuer) = match found {
        Some((i, info, crl)) => (format!("the {}", label(info, i == 0)), crl.issuer.clone()),
        None => (
            "a certificate of the chain".to_owned(),
            store
                .crl_info
                .iter()
                .find(|c| c.next_update == next_update)
                .map(|c| c.issuer.clone())
                .unwrap_or_else(|| "its issuer".into()),
        ),
    };
    Error::new(
        Code::CertRevocationUnknown,
        format!(
            "the revocation status of {what} is unknown: the supplied CRL of '{issuer}' is out of date (its next update was due {}, {})",
            format_time(next_update),
            relative_time(next_update, now)
        ),
    )
    .with_hint(format!(
        "Fetch a current CRL from '{issuer}' and pass it in crls (the job that refreshes it may have stopped); a client reads its CRLs when it is built. If the date looks wrong, check this machine's clock."
    ))
    .with_detail(Detail::RevocationUnknown { crl_issuer: issuer.clone(), next_update: Some(next_update) })
}

/// `CERT_REVOCATION_UNKNOWN` for a CRL that its issuer in the chain did not sign (or may not sign).
fn crl_not_usable(chain: &[Certificate], store: &TrustStore, err: &webpki::Error) -> Error {
    let why = match err {
        webpki::Error::IssuerNotCrlSigner => "its issuer's keyUsage does not allow signing CRLs (no cRLSign)",
        _ => {
            "its signature does not verify with the key of that issuer in the chain (a CRL of another CA with the same name?)"
        }
    };
    let (what, issuer) = match covered(chain, store, |_| true) {
        Some((i, info, crl)) => (format!("the {}", label(info, i == 0)), crl.issuer.clone()),
        None => ("a certificate of the chain".to_owned(), "its issuer".to_owned()),
    };
    Error::new(
        Code::CertRevocationUnknown,
        format!("the revocation status of {what} is unknown: the supplied CRL of '{issuer}' is not usable: {why}"),
    )
    .with_detail(Detail::RevocationUnknown { crl_issuer: issuer, next_update: None })
}

/// Whether `issuer` signed `subject` (both DER).
fn signed_by(subject: &[u8], issuer: &[u8]) -> bool {
    match (X509Certificate::from_der(subject), X509Certificate::from_der(issuer)) {
        (Ok((_, s)), Ok((_, i))) => s.verify_signature(Some(i.public_key())).is_ok(),
        _ => false,
    }
}

fn bad_signature(chain: &[Certificate], _store: &TrustStore) -> Option<Error> {
    for (i, cert) in chain.iter().enumerate() {
        if let Some(issuer) = chain.iter().skip(i + 1).find(|c| c.subject == cert.issuer)
            && !signed_by(cert.der(), issuer.der())
        {
            return Some(
                Error::new(
                    Code::CertBadSignature,
                    format!(
                        "the signature of the {} does not verify with the key of its issuer '{}'",
                        label(cert, i == 0),
                        issuer.display_name()
                    ),
                )
                .with_detail(Detail::BadSignature { subject: cert.subject.clone(), issuer: issuer.subject.clone() }),
            );
        }
    }
    None
}

/// The trusted anchors whose subject is `issuer_der` (a DER Name).
fn anchors_named(store: &TrustStore, issuer_der: &[u8]) -> usize {
    store.anchors.iter().filter(|a| wrap_sequence(a.subject.as_ref()) == issuer_der).count()
}

fn issuer_raw(der: &[u8]) -> Vec<u8> {
    X509Certificate::from_der(der).map(|(_, c)| c.issuer().as_raw().to_vec()).unwrap_or_default()
}

/// `UnknownIssuer` has several real causes; find which one this is.
fn unknown_issuer(chain: &[Certificate], store: &TrustStore) -> Error {
    let leaf = &chain[0];
    if let Some(weak) = weak_in_chain(chain) {
        return weak;
    }
    if leaf.self_signed {
        return Error::new(
            Code::CertSelfSigned,
            format!("certificate for {} is self-signed (issuer = subject '{}') and is not trusted", leaf.display_name(), leaf.subject),
        )
        .with_hint(format!(
            "For a development service, trust exactly this key: option pins: [\"{}\"] with roots: \"none\" (never disable verification). In production the server operator must use a CA-issued certificate.",
            leaf.spki_pin
        ))
        .with_detail(Detail::SelfSigned { subject: leaf.subject.clone(), pin: leaf.spki_pin.clone() });
    }
    if let Some(bad) = bad_signature(chain, store) {
        return bad;
    }
    // Follow issuer names through what the server sent.
    let mut current = 0usize;
    let mut seen = vec![0usize];
    while let Some(next) =
        chain.iter().enumerate().find(|(j, c)| !seen.contains(j) && c.subject == chain[current].issuer).map(|(j, _)| j)
    {
        seen.push(next);
        current = next;
    }
    let last = &chain[current];
    let trust = store.report.summary_lines().join("; ");
    if last.self_signed {
        return Error::new(
            Code::CertUnknownIssuer,
            format!("the chain ends at root '{}', which is not a trusted root (trusted: {trust})", last.display_name()),
        )
        .with_detail(Detail::UnknownIssuer {
            issuer: last.subject_cn.clone().unwrap_or_else(|| last.subject.clone()),
        });
    }
    let issuer_name = last.issuer_cn.clone().unwrap_or_else(|| last.issuer.clone());
    if anchors_named(store, &issuer_raw(last.der())) > 0 {
        return Error::new(
            Code::CertBadSignature,
            format!(
                "'{}' names the trusted root '{issuer_name}' as its issuer, but its signature does not verify with that root's key (a different CA with the same name?)",
                last.display_name()
            ),
        )
        .with_detail(Detail::BadSignature { subject: last.subject.clone(), issuer: last.issuer.clone() });
    }
    if current == 0 {
        let aia = leaf.ca_issuer_urls.first().map(|u| format!("; its CA issuers URL is {u}")).unwrap_or_default();
        return Error::new(
            Code::CertIncompleteChain,
            format!(
                "the server sent the certificate for {} without its issuer '{issuer_name}', which is not a trusted root either{aia}",
                leaf.display_name()
            ),
        )
        .with_hint(format!(
            "The server operator must send the intermediate '{issuer_name}' after the leaf (serve fullchain.pem, not cert.pem). If '{issuer_name}' is your own root CA, add it with ca_file instead. Enabling fetch_missing_intermediates works around a missing intermediate on the client side."
        ))
        .with_detail(Detail::IncompleteChain { issuer: issuer_name, aia_url: leaf.ca_issuer_urls.first().cloned() });
    }
    Error::new(
        Code::CertUnknownIssuer,
        format!(
            "the chain ends at '{}', issued by '{issuer_name}', which is not a trusted root (trusted: {trust})",
            last.display_name()
        ),
    )
    .with_hint(format!(
        "If '{issuer_name}' is your organisation's CA, add it with ca_file/ca_pem (it is added to the public roots). Otherwise the server operator must use a publicly trusted CA, or send the missing intermediate."
    ))
    .with_detail(Detail::UnknownIssuer { issuer: issuer_name })
}

/// Explains any rustls error from a handshake (or from a TLS record read after it).
pub(crate) fn handshake_error(err: &rustls::Error, host: &str, min_tls: MinTls, store: &TrustStore) -> Error {
    use rustls::Error as R;
    let alert = |a: &AlertDescription| format!("{a:?}");
    match err {
        R::InvalidCertificate(CertificateError::Other(other)) => {
            if let Some(ours) = other.0.downcast_ref::<Error>() {
                return ours.clone();
            }
            Error::new(Code::CertInvalid, format!("certificate of {host} refused: {other}"))
        }
        R::InvalidCertificate(CertificateError::BadSignature) => Error::new(
            Code::CertBadSignature,
            format!("{host} proved possession of a key that does not match its certificate (handshake signature invalid)"),
        ),
        R::InvalidCertificate(ce) => Error::new(Code::CertInvalid, format!("certificate of {host} refused: {ce:?}")),
        R::AlertReceived(a @ AlertDescription::ProtocolVersion) => Error::new(
            Code::TlsProtocolVersion,
            format!(
                "{host} refused TLS {} (alert {}): it only offers older protocol versions",
                if min_tls == MinTls::Tls13 { "1.3 (min_tls=\"1.3\")" } else { "1.2 and 1.3" },
                alert(a)
            ),
        ),
        R::PeerIncompatible(
            p @ (PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled
            | PeerIncompatible::SupportedVersionsExtensionRequired),
        ) => Error::new(
            Code::TlsProtocolVersion,
            format!("{host} does not speak TLS {} ({p:?})", if min_tls == MinTls::Tls13 { "1.3" } else { "1.2 or 1.3" }),
        ),
        R::AlertReceived(a @ (AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity)) => Error::new(
            Code::TlsNoSharedCipher,
            format!(
                "{host} ended the handshake (alert {}): it shares no cipher suite or key exchange with tlsguard's TLS 1.2/1.3 AEAD suites (ECDHE with AES-GCM or ChaCha20-Poly1305)",
                alert(a)
            ),
        )
        .with_hint("The server operator must enable ECDHE key exchange with AES-GCM or ChaCha20-Poly1305; if the server requires a client certificate, pass client_cert and client_key."),
        R::PeerIncompatible(
            p @ (PeerIncompatible::NoCipherSuitesInCommon
            | PeerIncompatible::NoKxGroupsInCommon
            | PeerIncompatible::NoSignatureSchemesInCommon
            | PeerIncompatible::NoEcPointFormatsInCommon),
        ) => Error::new(Code::TlsNoSharedCipher, format!("{host} offers nothing tlsguard accepts ({p:?})")),
        R::AlertReceived(
            a @ (AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::AccessDenied),
        ) => Error::new(
            Code::TlsClientCertRequired,
            format!("{host} requires a client certificate or refused the one given (alert {})", alert(a)),
        ),
        R::NoCertificatesPresented => Error::new(Code::CertInvalid, format!("{host} presented no certificate")),
        R::AlertReceived(a) => Error::new(Code::TlsHandshake, format!("{host} sent the TLS alert {} during the handshake", alert(a))),
        R::InvalidMessage(rustls::InvalidMessage::HandshakePayloadTooLarge) => Error::new(
            Code::TlsHandshake,
            format!(
                "{host} sent a TLS handshake message over 64 KiB (usually a certificate chain far too long or too \
                 large); refused"
            ),
        ),
        R::InvalidMessage(m) => Error::new(
            Code::TlsHandshake,
            format!("{host} sent an invalid TLS message ({m:?}); is it speaking TLS on this port?"),
        ),
        other => {
            let _ = store;
            Error::new(Code::TlsHandshake, format!("TLS handshake with {host} failed: {other}"))
        }
    }
}

/// A TLS 1.3 server that asked for a client certificate and closed the connection before
/// sending any data refused the certificate (or its absence): its alert is usually lost to the
/// reset that follows it. Used by requests and by inspection alike.
pub(crate) fn inferred_client_cert_refusal(addr: &str, has_identity: bool) -> Error {
    let what = if has_identity {
        "it probably rejected the client certificate given"
    } else {
        "it asked for a client certificate and none is configured"
    };
    Error::new(
        Code::TlsClientCertRequired,
        format!("{addr} closed the connection right after the TLS 1.3 handshake: {what}"),
    )
}
