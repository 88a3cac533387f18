//! The key check: does the private key belong to the leaf (and is its file private)?

use rustls::pki_types::PrivateKeyDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::Lint;
use super::LintCode;
use super::input::KeyInput;
use crate::cert::{CertificateInfo, KeyType};
use crate::der::{der_tlv, rsa_bits, strip_zeros};

impl Lint<'_> {
    pub(super) fn check_key(&mut self, key: &KeyInput, parsed: &[X509Certificate<'_>], leaf: usize) {
        if let (Some(path), Some(mode)) = (&key.path, key.mode)
            && mode & 0o077 != 0
        {
            self.push(
                LintCode::KeyFilePermissions,
                None,
                format!("the private key file {path} has mode {mode:04o}: readable by group or others"),
                format!("Restrict it to its owner: chmod 600 {path} (and make the server's user its owner)."),
            );
        }
        let der = match &key.key {
            Ok(der) => der,
            Err(kind) => {
                self.push(
                    LintCode::KeyEncrypted,
                    Some(leaf),
                    format!("the private key is {kind}; whether it belongs to {} cannot be checked", self.name(leaf)),
                    "Lint with the decrypted key (e.g. `openssl pkey -in key.pem`); the server also needs the passphrase at startup.".into(),
                );
                return;
            }
        };
        let key_pub = match key_public(der) {
            Ok(p) => p,
            Err(why) => {
                self.push(
                    LintCode::KeyUnchecked,
                    Some(leaf),
                    format!("the private key could not be loaded ({why}); whether it belongs to {} cannot be checked", self.name(leaf)),
                    "Check the key with `openssl x509 -noout -pubkey` / `openssl pkey -pubout` and compare; use an RSA (2048+), ECDSA or Ed25519 key.".into(),
                );
                return;
            }
        };
        if key_pub.matches(parsed[leaf].public_key()) {
            return;
        }
        let owner = (0..parsed.len()).find(|&i| i != leaf && key_pub.matches(parsed[i].public_key()));
        let belongs = match owner {
            Some(i) => format!("; it is the key of {}", self.name(i)),
            None => String::new(),
        };
        self.push(
            LintCode::KeyMismatch,
            Some(leaf),
            format!(
                "the private key ({}) is not the key of {} ({}){belongs}",
                key_pub.describe(),
                self.name(leaf),
                cert_key(&self.certs[leaf]),
            ),
            "Deploy the key the leaf certificate was issued for (the one its CSR was made with), or re-issue the certificate for this key.".into(),
        );
    }
}

/// `EC P-256`, `RSA 2048-bit`: the certificate's key as [`describe_spki`] says it.
fn cert_key(c: &CertificateInfo) -> String {
    match &c.curve {
        Some(curve) => format!("{} {curve}", c.key_type),
        None if c.key_bits > 0 && c.key_type == KeyType::Rsa => format!("RSA {}-bit", c.key_bits),
        None => c.key_type.to_string(),
    }
}

/// The public half of the private key, in a form comparable with a certificate's.
enum KeyPublic {
    /// Algorithm OID and subjectPublicKey bits of the SPKI.
    Spki { algorithm: String, bits: Vec<u8>, described: String },
    /// RSA modulus and exponent without leading zeros (keys the crypto provider refuses, e.g. 1024-bit).
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
}

impl KeyPublic {
    fn matches(&self, spki: &SubjectPublicKeyInfo<'_>) -> bool {
        match self {
            Self::Spki { algorithm, bits, .. } => {
                spki.algorithm.algorithm.to_id_string() == *algorithm
                    && spki.subject_public_key.data.as_ref() == bits.as_slice()
            }
            Self::Rsa { modulus, exponent } => match spki.parsed() {
                Ok(PublicKey::RSA(rsa)) => {
                    strip_zeros(rsa.modulus) == modulus.as_slice() && strip_zeros(rsa.exponent) == exponent.as_slice()
                }
                _ => false,
            },
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Spki { described, .. } => described.clone(),
            Self::Rsa { modulus, .. } => format!("RSA {}-bit", rsa_bits(modulus)),
        }
    }
}

fn key_public(der: &PrivateKeyDer<'_>) -> std::result::Result<KeyPublic, String> {
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let loaded = provider.key_provider.load_private_key(der.clone_key());
    let err = match loaded {
        Ok(signing) => match signing.public_key() {
            Some(spki_der) => {
                let (_, spki) = SubjectPublicKeyInfo::from_der(spki_der.as_ref())
                    .map_err(|e| format!("its public key does not parse: {e}"))?;
                let described = describe_spki(&spki);
                return Ok(KeyPublic::Spki {
                    algorithm: spki.algorithm.algorithm.to_id_string(),
                    bits: spki.subject_public_key.data.to_vec(),
                    described,
                });
            }
            None => "the crypto provider cannot derive its public key".to_string(),
        },
        Err(e) => e.to_string(),
    };
    rsa_public(der).ok_or(err)
}

/// `RSA 2048-bit`, `EC P-256`, `Ed25519`, or the algorithm OID.
fn describe_spki(spki: &SubjectPublicKeyInfo<'_>) -> String {
    if let Ok(PublicKey::RSA(rsa)) = spki.parsed() {
        return format!("RSA {}-bit", rsa_bits(rsa.modulus));
    }
    let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
    match (spki.algorithm.algorithm.to_id_string().as_str(), curve.as_deref()) {
        ("1.2.840.10045.2.1", Some("1.2.840.10045.3.1.7")) => "EC P-256".into(),
        ("1.2.840.10045.2.1", Some("1.3.132.0.34")) => "EC P-384".into(),
        ("1.2.840.10045.2.1", Some("1.3.132.0.35")) => "EC P-521".into(),
        ("1.2.840.10045.2.1", _) => "EC".into(),
        ("1.3.101.112", _) => "Ed25519".into(),
        ("1.3.101.113", _) => "Ed448".into(),
        (oid, _) => format!("key type {oid}"),
    }
}

/// Modulus and exponent of an RSA private key (PKCS#1, or PKCS#8 rsaEncryption).
fn rsa_public(der: &PrivateKeyDer<'_>) -> Option<KeyPublic> {
    let pkcs1: &[u8] = match der {
        PrivateKeyDer::Pkcs1(k) => k.secret_pkcs1_der(),
        PrivateKeyDer::Pkcs8(k) => {
            let info = pkcs8::PrivateKeyInfo::try_from(k.secret_pkcs8_der()).ok()?;
            if info.algorithm.oid.to_string() != "1.2.840.113549.1.1.1" {
                return None;
            }
            info.private_key
        }
        _ => return None,
    };
    // RSAPrivateKey ::= SEQUENCE { version INTEGER, modulus INTEGER, publicExponent INTEGER, ... }
    let (tag, body, _) = der_tlv(pkcs1)?;
    if tag != 0x30 {
        return None;
    }
    let (t0, _, rest) = der_tlv(body)?;
    let (t1, modulus, rest) = der_tlv(rest)?;
    let (t2, exponent, _) = der_tlv(rest)?;
    if (t0, t1, t2) != (0x02, 0x02, 0x02) {
        return None;
    }
    Some(KeyPublic::Rsa { modulus: strip_zeros(modulus).to_vec(), exponent: strip_zeros(exponent).to_vec() })
}
