//! SPKI pins: `sha256/<base64 of the SHA-256 of the DER SubjectPublicKeyInfo>`, the format of
//! HPKP and of `curl --pinnedpubkey`.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// One parsed pin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pin {
    pub hash: [u8; 32],
}

impl Pin {
    /// Parses `sha256/<base64>`; anything else is `INVALID_ARGUMENT`.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::invalid(format!("pins: {text:?} is not a pin of the form sha256/<base64 of 32 bytes> ({why})"))
        };
        let b64 = text.trim().strip_prefix("sha256/").ok_or_else(|| bad("missing the sha256/ prefix"))?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| bad("not valid base64"))?;
        let hash: [u8; 32] = bytes.try_into().map_err(|_| bad("not 32 bytes"))?;
        Ok(Self { hash })
    }

    /// Whether this pin matches a DER SubjectPublicKeyInfo.
    pub fn matches_spki(&self, spki_der: &[u8]) -> bool {
        Sha256::digest(spki_der).as_slice() == self.hash
    }
}

impl std::fmt::Display for Pin {
    /// `sha256/<base64>`, the form it was given in.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sha256/{}", base64::engine::general_purpose::STANDARD.encode(self.hash))
    }
}

/// Wraps DER contents in a SEQUENCE header (webpki's trust anchors keep the SPKI without it).
pub(crate) fn wrap_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = Vec::with_capacity(len + 6);
    out.push(0x30);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_and_rejects_bad_pins() {
        let ok = format!("sha256/{}", base64::engine::general_purpose::STANDARD.encode([7u8; 32]));
        assert_eq!(Pin::parse(&ok).unwrap().hash, [7u8; 32]);
        assert_eq!(Pin::parse(&ok).unwrap().to_string(), ok);
        for bad in ["", "sha1/AAAA", "sha256/not base64!", "sha256/AAAA", "AAAA"] {
            let err = Pin::parse(bad).unwrap_err();
            assert_eq!(err.code(), crate::Code::InvalidArgument, "{bad}");
            assert!(err.message().starts_with("pins:"), "{}", err.message());
        }
    }

    #[test]
    fn wraps_long_and_short_sequences() {
        assert_eq!(wrap_sequence(&[1, 2]), vec![0x30, 2, 1, 2]);
        let long = vec![0u8; 300];
        let w = wrap_sequence(&long);
        assert_eq!(&w[..4], &[0x30, 0x82, 0x01, 0x2c]);
        assert_eq!(w.len(), 304);
    }
}
