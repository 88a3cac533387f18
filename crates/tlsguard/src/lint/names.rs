//! The host-name check: does the leaf cover every name the deployment serves?

use rustls::pki_types::{CertificateDer, ServerName};

use super::Lint;
use super::LintCode;
use crate::cert::CertificateInfo;

impl Lint<'_> {
    pub(super) fn check_hostnames(
        &mut self,
        der: &CertificateDer<'_>,
        leaf: usize,
        hosts: &[String],
        names: &[ServerName<'_>],
    ) {
        if hosts.is_empty() {
            return;
        }
        let cert = &self.certs[leaf];
        let ee = webpki::EndEntityCert::try_from(der).ok();
        let listed = san_list(cert);
        for (host, name) in hosts.iter().zip(names) {
            let covered = match &ee {
                Some(ee) => ee.verify_is_valid_for_subject_name(name).is_ok(),
                None => fallback_covers(cert, name),
            };
            if covered {
                continue;
            }
            self.push(
                LintCode::HostnameNotCovered,
                Some(leaf),
                format!("{} does not cover {host}: its names are {listed}", self.name(leaf)),
                format!("Issue a certificate whose subjectAltName includes {host} (as a DNS name or IP address), or serve a name it covers."),
            );
        }
    }
}

/// `DNS:localhost, IP:127.0.0.1`, or `none`.
pub(super) fn san_list(c: &CertificateInfo) -> String {
    let names: Vec<String> = c
        .dns_names
        .iter()
        .map(|d| format!("DNS:{d}"))
        .chain(c.ip_addresses.iter().map(|ip| format!("IP:{ip}")))
        .collect();
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

/// Name matching for certificates webpki cannot parse: exact, or one `*.` leftmost label.
fn fallback_covers(c: &CertificateInfo, name: &ServerName<'_>) -> bool {
    match name {
        ServerName::DnsName(d) => {
            let host = d.as_ref().to_ascii_lowercase();
            c.dns_names.iter().any(|n| {
                let n = n.to_ascii_lowercase();
                match n.strip_prefix("*.") {
                    Some(suffix) => {
                        host.split_once('.').is_some_and(|(label, rest)| !label.is_empty() && rest == suffix)
                    }
                    None => n == host,
                }
            })
        }
        ServerName::IpAddress(ip) => {
            let ip = std::net::IpAddr::from(*ip).to_string();
            c.ip_addresses.contains(&ip)
        }
        _ => false,
    }
}
