//! The shape (complete, ordered) and the deployment lint of the presented chain.

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use crate::cert::CertificateInfo;
use crate::lint::Finding;
use crate::pin::wrap_sequence;
use crate::trust::TrustStore;

/// (complete, ordered); see the fields of [`ServerReport`](super::ServerReport).
pub(super) fn chain_shape(chain: &[CertificateInfo], store: &TrustStore) -> (bool, bool) {
    if chain.is_empty() {
        return (false, false);
    }
    // Raw DER names (subject, issuer) of each certificate.
    let names: Vec<(Vec<u8>, Vec<u8>)> = chain
        .iter()
        .map(|c| {
            X509Certificate::from_der(&c.der)
                .map(|(_, x)| (x.subject().as_raw().to_vec(), x.issuer().as_raw().to_vec()))
                .unwrap_or_default()
        })
        .collect();
    let ordered = names.windows(2).all(|w| !w[0].1.is_empty() && w[0].1 == w[1].0);
    let anchored = |issuer: &[u8]| store.anchors.iter().any(|a| wrap_sequence(a.subject.as_ref()) == issuer);
    let mut current = 0usize;
    let mut visited = vec![0usize];
    let complete = loop {
        let (subject, issuer) = &names[current];
        if issuer.is_empty() {
            break false;
        }
        if subject == issuer || anchored(issuer) {
            break true;
        }
        match names.iter().enumerate().find(|(j, (s, _))| !visited.contains(j) && s == issuer) {
            Some((j, _)) => {
                visited.push(j);
                current = j;
            }
            None => break false,
        }
    };
    (complete, ordered)
}

/// Lints the presented chain for `host` (empty if the linter fails).
pub(super) fn lint_chain(chain: &[CertificateInfo], host: &str) -> Vec<Finding> {
    if chain.is_empty() {
        return Vec::new();
    }
    let pem: String = chain.iter().map(CertificateInfo::to_pem).collect();
    let opts = crate::lint::LintOptions { hostnames: vec![host.to_owned()], ..Default::default() };
    crate::lint::lint(pem.as_bytes(), &opts).unwrap_or_default()
}
