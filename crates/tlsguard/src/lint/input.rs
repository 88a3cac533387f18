//! Reading what [`lint`](super::lint) is given: the key (and its file mode), the host names.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{PrivateKeyDer, ServerName};

use crate::cert::looks_like_pem;
use crate::error::{Code, Error, Result};
use crate::options::Source;

/// The key as given: its DER, or the fact that it is encrypted; and the file mode for a path.
pub(super) struct KeyInput {
    pub(super) key: Result<PrivateKeyDer<'static>, &'static str>,
    pub(super) path: Option<String>,
    pub(super) mode: Option<u32>,
}

// Encrypted keys are reported as KEY_ENCRYPTED and not decrypted (lint takes no password yet).
pub(super) fn read_key(source: &Source) -> Result<KeyInput> {
    let data = source.read("key")?;
    let key = parse_key(&data).map_err(|e| e.context("key"))?;
    let (path, mode) = match source {
        Source::Path(p) => (Some(p.display().to_string()), file_mode(p)),
        Source::Bytes(_) => (None, None),
    };
    Ok(KeyInput { key, path, mode })
}

/// PKCS#8, PKCS#1 or SEC1, PEM or DER; `Ok(Err(kind))` for an encrypted key.
pub(super) fn parse_key(data: &[u8]) -> Result<Result<PrivateKeyDer<'static>, &'static str>> {
    if looks_like_pem(data) {
        let text = String::from_utf8_lossy(data);
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Ok(Err("encrypted PKCS#8"));
        }
        if text.contains("Proc-Type: 4,ENCRYPTED") {
            return Ok(Err("legacy OpenSSL-encrypted PEM"));
        }
        return PrivateKeyDer::from_pem_slice(data).map(Ok).map_err(|e| {
            Error::new(
                Code::InvalidPem,
                format!("no usable private key in the PEM input (PKCS#8, PKCS#1 or SEC1): {e}"),
            )
        });
    }
    if let Ok(key) = PrivateKeyDer::try_from(data.to_vec()) {
        return Ok(Ok(key));
    }
    if pkcs8::EncryptedPrivateKeyInfo::try_from(data).is_ok() {
        return Ok(Err("encrypted PKCS#8 DER"));
    }
    Err(Error::new(Code::InvalidPem, "not a private key (PEM or DER: PKCS#8, PKCS#1 or SEC1)"))
}

#[cfg(unix)]
fn file_mode(path: &std::path::Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_path: &std::path::Path) -> Option<u32> {
    None
}

pub(super) fn parse_hostname(host: &str) -> Result<ServerName<'static>> {
    let trimmed = host.trim().trim_start_matches('[').trim_end_matches(']');
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    ServerName::try_from(trimmed.to_ascii_lowercase())
        .map_err(|_| Error::invalid(format!("hostnames: {host:?} is not a valid DNS name or IP address")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_keys_are_invalid_pem_and_encrypted_keys_are_recognised() {
        assert_eq!(parse_key(b"garbage").unwrap_err().code(), Code::InvalidPem);
        let only_cert = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(parse_key(only_cert).unwrap_err().code(), Code::InvalidPem);
        let enc = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(parse_key(enc).unwrap().unwrap_err(), "encrypted PKCS#8");
    }

    #[test]
    fn hostnames_are_normalised_or_refused() {
        assert!(matches!(parse_hostname("[::1]").unwrap(), ServerName::IpAddress(_)));
        assert!(matches!(parse_hostname("Example.COM.").unwrap(), ServerName::DnsName(_)));
        assert_eq!(parse_hostname("not a host").unwrap_err().code(), Code::InvalidArgument);
    }
}
