//! The chain checks: leaf position, duplicates, issuing order, missing intermediates, CAs.

use std::collections::HashMap;

use x509_parser::certificate::X509Certificate;
use x509_parser::error::X509Error;

use super::Lint;
use super::LintCode;

/// How many issuer candidates with the right name are tried per step of the path (bounded work
/// on bundles full of certificates with the same name).
const MAX_ISSUER_CANDIDATES: usize = 8;

/// What the chain analysis found out, for the later checks.
pub(super) struct Chain {
    /// Indices from the leaf up its issuing path, as far as the bundle goes.
    pub(super) path: Vec<usize>,
    /// Index of a later copy -> index of its first occurrence.
    pub(super) duplicates: HashMap<usize, usize>,
}

impl Lint<'_> {
    /// Returns the index of the end-entity certificate: 0, unless the bundle starts with a CA
    /// and has a non-CA certificate later (LEAF_NOT_FIRST).
    pub(super) fn check_leaf_position(&mut self) -> usize {
        if !self.certs[0].is_ca {
            return 0;
        }
        let Some(leaf) = self.certs.iter().position(|c| !c.is_ca) else { return 0 };
        self.push(
            LintCode::LeafNotFirst,
            Some(leaf),
            format!(
                "{} is the end-entity certificate, but {} (a CA) comes first: servers present the first certificate as theirs",
                self.name(leaf),
                self.name(0)
            ),
            "Put the leaf certificate first in the bundle, followed by its intermediates in issuing order.".into(),
        );
        leaf
    }

    pub(super) fn check_chain(&mut self, parsed: &[X509Certificate<'_>], leaf: usize) -> Chain {
        let certs = self.certs;
        // Duplicates (byte-identical DER).
        let mut first: HashMap<&[u8], usize> = HashMap::with_capacity(certs.len());
        let mut duplicates = HashMap::new();
        for (i, c) in certs.iter().enumerate() {
            if let Some(&j) = first.get(c.der().as_ref()) {
                duplicates.insert(i, j);
            } else {
                first.insert(c.der().as_ref(), i);
            }
        }
        let mut dup_list: Vec<(usize, usize)> = duplicates.iter().map(|(&i, &j)| (i, j)).collect();
        dup_list.sort_unstable();
        for (i, j) in dup_list {
            self.push(
                LintCode::DuplicateCert,
                Some(i),
                format!("{} is a copy of certificate #{j}", self.name(i)),
                format!("Remove the second copy (certificate #{i}) from the bundle."),
            );
        }

        // The issuing path from the leaf, through the bundle.
        let mut by_subject: HashMap<&str, Vec<usize>> = HashMap::with_capacity(certs.len());
        for (i, c) in certs.iter().enumerate() {
            if !duplicates.contains_key(&i) {
                by_subject.entry(c.subject.as_str()).or_default().push(i);
            }
        }
        let mut on_path = vec![false; certs.len()];
        let mut path = vec![leaf];
        on_path[leaf] = true;
        let mut cur = leaf;
        while !certs[cur].is_self_issued() {
            let Some(candidates) = by_subject.get(certs[cur].issuer.as_str()) else { break };
            // Prefer the next certificate, then the others in bundle order.
            let mut ordered: Vec<usize> = candidates.iter().copied().filter(|&j| !on_path[j]).collect();
            ordered.sort_by_key(|&j| (j != cur + 1, j));
            let next = ordered.into_iter().take(MAX_ISSUER_CANDIDATES).find(|&j| issued_by(&parsed[cur], &parsed[j]));
            let Some(next) = next else { break };
            on_path[next] = true;
            path.push(next);
            cur = next;
        }

        // Order: each certificate on the path must be directly followed by its issuer.
        let in_order = path.iter().enumerate().all(|(k, &i)| i == leaf + k);
        if !in_order && leaf == 0 {
            let k = path.iter().enumerate().position(|(k, &i)| i != k).unwrap_or(1).max(1);
            let (child, issuer) = (path[k - 1], path[k]);
            let order: Vec<String> = path.iter().map(|i| format!("#{i}")).collect();
            self.push(
                LintCode::ChainOrder,
                Some(child),
                format!(
                    "{} is issued by {}, which is not the next certificate in the bundle",
                    self.name(child),
                    self.name(issuer)
                ),
                format!(
                    "Serve the certificates in issuing order: {} (leaf first, then each certificate's issuer).",
                    order.join(", ")
                ),
            );
        }

        // The top of the path: a root (included), or an issuer that is missing.
        let last = *path.last().expect("path starts with the leaf");
        let top = &certs[last];
        if top.is_self_issued() {
            if last != leaf && top.self_signed {
                self.push(
                    LintCode::ChainIncludesRoot,
                    Some(last),
                    format!("{} is a self-signed root; clients must already have it, so sending it is useless", self.name(last)),
                    "Remove the root from the served bundle (keep it only in the clients' trust stores); some clients reject chains that include it.".into(),
                );
            }
        } else {
            let looks_like_root = top.issuer_cn.as_deref().is_some_and(|cn| cn.to_ascii_lowercase().contains("root"));
            let missing = !top.ca_issuer_urls.is_empty() || (path.len() == 1 && !looks_like_root);
            if missing {
                let issuer = top.issuer.clone();
                let (where_, fetch) = match top.ca_issuer_urls.first() {
                    Some(url) => {
                        (format!("; its AIA caIssuers URL is {url}"), format!(" (it can be downloaded from {url})"))
                    }
                    None => (String::new(), String::new()),
                };
                self.push(
                    LintCode::ChainMissingIntermediate,
                    Some(last),
                    format!("the issuer of {}, {issuer}, is not in the bundle{where_}", self.name(last)),
                    format!(
                        "Append the intermediate certificate {issuer}{fetch} after {} (serve the full chain, e.g. fullchain.pem); if it is a root that every client trusts, ignore this.",
                        if last == leaf { "the leaf".to_string() } else { format!("certificate #{last}") }
                    ),
                );
            }
        }

        // Issuers on the path must be CAs.
        for &i in &path[1..] {
            if !certs[i].is_ca {
                self.push(
                    LintCode::IssuerNotCa,
                    Some(i),
                    format!("{} issues another certificate of the chain but is not a CA (no basicConstraints CA:TRUE)", self.name(i)),
                    "Re-issue this certificate as a CA (basicConstraints critical, CA:TRUE; keyUsage keyCertSign) and re-sign what it issued, or use the right issuer.".into(),
                );
            }
        }

        // Everything else is unrelated.
        let wanted_issuer = if top.is_self_issued() { None } else { Some(top.issuer.as_str()) };
        for i in 0..certs.len() {
            if on_path[i] || duplicates.contains_key(&i) {
                continue;
            }
            let (message, fix) = if wanted_issuer == Some(certs[i].subject.as_str()) {
                (
                    format!(
                        "{} has the name of the issuer of {} but its key did not sign it (an old or re-keyed CA certificate?)",
                        self.name(i),
                        self.name(last)
                    ),
                    format!(
                        "Replace certificate #{i} with the current certificate of {} (the one whose key signed certificate #{last}).",
                        certs[i].subject
                    ),
                )
            } else {
                let what = if certs[i].self_signed && certs[i].is_ca { "a root" } else { "a certificate" };
                (
                    format!("{} is {what} not on the issuing path of the leaf {}", self.name(i), self.name(leaf)),
                    format!(
                        "Remove certificate #{i} from the bundle (or check that the right leaf and intermediates were deployed)."
                    ),
                )
            };
            self.push(LintCode::ChainUnrelatedCert, Some(i), message, fix);
        }
        Chain { path, duplicates }
    }
}

/// Whether `parent` issued `child`: names match and the signature verifies (or uses an
/// algorithm that cannot be checked here, e.g. SHA-1 ECDSA).
fn issued_by(child: &X509Certificate<'_>, parent: &X509Certificate<'_>) -> bool {
    if child.issuer().as_raw() != parent.subject().as_raw()
        && child.issuer().to_string() != parent.subject().to_string()
    {
        return false;
    }
    match child.verify_signature(Some(parent.public_key())) {
        Ok(()) => true,
        Err(X509Error::SignatureUnsupportedAlgorithm) => true,
        Err(_) => false,
    }
}
