//! `tlsguard::chain::verify_chain`: offline verification with the client's verifier.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::cert::{der_buffers, ms};
use crate::errors::{ErrorInfo, error_info};
use crate::{convert, guard};

/// `tlsguard::ChainReport`.
#[napi(object)]
pub struct ChainReportObject {
    pub ok: bool,
    pub error: Option<ErrorInfo>,
    /// The validated path, DER (the facade makes them `Certificate`s).
    pub path: Vec<Buffer>,
    /// The certificates given, DER.
    pub presented: Vec<Buffer>,
    /// The validation time used, epoch milliseconds.
    pub at: f64,
    pub warnings: Vec<String>,
}

/// Verifies a chain: PEM text, one DER certificate, or a list of DER certificates (leaf first).
/// A refused chain is a report with `ok: false`; bad input throws.
#[napi(catch_unwind)]
pub fn verify_chain(
    env: &Env,
    chain: Either3<String, BufferSlice, Vec<BufferSlice>>,
    options: Option<serde_json::Value>,
) -> Result<ChainReportObject> {
    let options = convert::options(options.unwrap_or_default());
    guard(env, || {
        let data = match chain {
            Either3::A(s) => s.into_bytes(),
            Either3::B(b) => b.to_vec(),
            // The core takes PEM text for several certificates: re-encode each DER with it.
            Either3::C(list) => {
                let mut pem = String::new();
                for der in &list {
                    pem.push_str(&tlsguard::Certificate::from_der(der)?.to_pem());
                }
                pem.into_bytes()
            }
        };
        let opts = tlsguard::VerifyOptions::from_json(&options)?;
        Ok(report_object(tlsguard::verify_chain(&data, &opts)?))
    })
}

fn report_object(r: tlsguard::ChainReport) -> ChainReportObject {
    ChainReportObject {
        ok: r.ok,
        error: r.error.as_ref().map(error_info),
        path: der_buffers(&r.path),
        presented: der_buffers(&r.presented),
        at: ms(r.at),
        warnings: r.warnings,
    }
}

/// `tlsguard::Verifier`: the trust loaded once, then `verify` per chain.
#[napi]
pub struct NativeVerifier(tlsguard::Verifier);

#[napi]
impl NativeVerifier {
    /// `verifyChain`'s options without `hostname` and `at` (arguments of `verify`).
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options: Option<serde_json::Value>) -> Result<Self> {
        let options = convert::options(options.unwrap_or_default());
        Ok(NativeVerifier(guard(&env, || Ok(tlsguard::Verifier::from_json(&options)?))?))
    }

    /// Verifies a chain (PEM text or one DER certificate, or DER certificates; leaf first) for
    /// `hostname` (not checked when absent) at `at` (epoch milliseconds; default now).
    #[napi(catch_unwind)]
    pub fn verify(
        &self,
        env: &Env,
        chain: Either3<String, BufferSlice, Vec<BufferSlice>>,
        hostname: Option<String>,
        at: Option<f64>,
    ) -> Result<ChainReportObject> {
        let at = at.map(|ms| (ms / 1000.0).floor() as i64);
        guard(env, || {
            let r = match &chain {
                Either3::A(s) => self.0.verify(s.as_bytes(), hostname.as_deref(), at)?,
                Either3::B(b) => self.0.verify(b, hostname.as_deref(), at)?,
                Either3::C(list) => {
                    let ders: Vec<&[u8]> = list.iter().map(|b| &b[..]).collect();
                    self.0.verify_der(&ders, hostname.as_deref(), at)?
                }
            };
            Ok(report_object(r))
        })
    }
}
