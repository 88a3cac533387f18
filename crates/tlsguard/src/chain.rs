//! Offline chain verification: the same verifier as the client, without a connection, so an
//! offline verdict predicts what a request would say.

use rustls::pki_types::{ServerName, UnixTime};

use crate::cert::{Certificate, certificate_ders};
use crate::error::{Code, Error, Result};
use crate::options::TrustOptions;
use crate::trust::TrustStore;
pub use crate::verify::Purpose;

/// What to verify a chain for.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// The trust configuration (the client's `roots`, `ca_file`, `ca_pem`, `pins`, `crls`).
    pub trust: TrustOptions,
    /// The host name or IP address the chain must cover (not checked when `None`).
    pub hostname: Option<String>,
    /// The validation time, Unix seconds (default: now).
    pub at: Option<i64>,
    /// Server (default) or client certificate.
    pub purpose: Purpose,
    /// The most intermediates a verified path may have (default: webpki's own limit).
    pub max_chain_depth: Option<usize>,
    /// Fetch an intermediate the chain lacks from its CA-issuers URL (opt-in).
    pub fetch_missing_intermediates: bool,
    /// Let that fetch reach loopback, private and other non-public addresses (default false).
    pub aia_allow_private: bool,
}

impl VerifyOptions {
    /// Option names of [`VerifyOptions::from_json`] besides the trust options.
    pub const NAMES: &'static [&'static str] =
        &["hostname", "at", "purpose", "max_chain_depth", "fetch_missing_intermediates", "aia_allow_private"];

    /// Builds options from a JSON object: `hostname`, `at` (Unix seconds), `purpose`
    /// (`"server"`/`"client"`), `max_chain_depth`, `fetch_missing_intermediates`,
    /// `aia_allow_private`, and the trust
    /// options (`roots`, `ca_file`, `ca_pem`, `pins`, `crls`, `use_env`). Unknown names are
    /// `INVALID_ARGUMENT`.
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        use crate::options::{TRUST_OPTION_NAMES, opt_bool, opt_i64, opt_str, opt_u64, split_options};
        let (own, client) = split_options(value, "verify_chain", Self::NAMES, TRUST_OPTION_NAMES)?;
        let purpose = match opt_str(&own, "purpose")?.as_deref() {
            None | Some("server") => Purpose::Server,
            Some("client") => Purpose::Client,
            Some(other) => return Err(Error::invalid(format!("purpose: {other:?} is not \"server\" or \"client\""))),
        };
        Ok(Self {
            trust: client.trust,
            hostname: opt_str(&own, "hostname")?,
            at: opt_i64(&own, "at")?,
            purpose,
            max_chain_depth: opt_u64(&own, "max_chain_depth", 64)?.map(|d| d as usize),
            fetch_missing_intermediates: opt_bool(&own, "fetch_missing_intermediates")?.unwrap_or(false),
            aia_allow_private: opt_bool(&own, "aia_allow_private")?.unwrap_or(false),
        })
    }
}

/// The verdict on a chain. Never an `Err` for a refused chain: the refusal is in `error`.
#[derive(Clone, Debug, serde::Serialize)]
#[non_exhaustive]
pub struct ChainReport {
    /// Whether the chain verified.
    pub ok: bool,
    /// The refusal, with the same code, message and hint a request would give.
    pub error: Option<Error>,
    /// The verified path, leaf first, without the trust anchor (empty when refused).
    pub path: Vec<Certificate>,
    /// The chain as given, leaf first.
    pub presented: Vec<Certificate>,
    /// The validation time used, Unix seconds.
    pub at: i64,
    /// What was accepted but should be fixed (e.g. an intermediate had to be fetched).
    pub warnings: Vec<String>,
}

/// Verifies a chain (PEM text or one DER certificate; leaf first, then intermediates).
///
/// `Err` only for bad input (`INVALID_PEM`, `INVALID_ARGUMENT`, `IO`); a refused chain gives
/// `Ok(report)` with `report.ok == false` and `report.error` set. Loads the trust on every
/// call: to verify many chains against one trust, build a [`Verifier`] once.
pub fn verify_chain(chain: &[u8], opts: &VerifyOptions) -> Result<ChainReport> {
    let ders = certificate_ders(chain)?;
    Verifier::new(opts)?.verify_ders(ders, opts.hostname.as_deref(), opts.at)
}

/// [`verify_chain`] for a chain given as DER certificates, leaf first.
pub fn verify_chain_der(chain: &[&[u8]], opts: &VerifyOptions) -> Result<ChainReport> {
    Verifier::new(opts)?.verify_der(chain, opts.hostname.as_deref(), opts.at)
}

/// A prepared chain verifier: the trust (roots, CA files, pins, CRLs) loaded once and the
/// policy fixed, then [`Verifier::verify`] per chain, as pyca's
/// `PolicyBuilder().store(...).build_server_verifier(...)`. The same verifier as the client's,
/// so its verdicts are the ones a request would give.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut opts = tlsguard::VerifyOptions::default();
/// opts.trust.ca_files.push("ca.pem".into());
/// let verifier = tlsguard::Verifier::new(&opts)?;
/// let report = verifier.verify(&std::fs::read("chain.pem")?, Some("example.com"), None)?;
/// println!("{}", if report.ok { "trusted" } else { "refused" });
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Verifier {
    store: std::sync::Arc<TrustStore>,
    provider: std::sync::Arc<rustls::crypto::CryptoProvider>,
    purpose: Purpose,
    max_chain_depth: Option<usize>,
    fetch_missing_intermediates: bool,
    aia_allow_private: bool,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("purpose", &self.purpose)
            .field("max_chain_depth", &self.max_chain_depth)
            .field("fetch_missing_intermediates", &self.fetch_missing_intermediates)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// Loads the trust of `opts` and fixes its policy (`purpose`, `max_chain_depth`, the
    /// intermediate fetching). `opts.hostname` and `opts.at` are not used: they are
    /// arguments of each [`Verifier::verify`].
    pub fn new(opts: &VerifyOptions) -> Result<Self> {
        Ok(Self {
            store: std::sync::Arc::new(TrustStore::load(&opts.trust)?),
            provider: std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
            purpose: opts.purpose,
            max_chain_depth: opts.max_chain_depth,
            fetch_missing_intermediates: opts.fetch_missing_intermediates,
            aia_allow_private: opts.aia_allow_private,
        })
    }

    /// A verifier from options by name ([`VerifyOptions::from_json`] without `hostname` and
    /// `at`, which each call takes).
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        for per_call in ["hostname", "at"] {
            if value.get(per_call).is_some_and(|v| !v.is_null()) {
                return Err(Error::invalid(format!(
                    "Verifier: {per_call} is an argument of verify(), not an option of the verifier"
                )));
            }
        }
        Self::new(&VerifyOptions::from_json(value)?)
    }

    /// Verifies a chain (PEM text or one DER certificate; leaf first) for `hostname` (not
    /// checked when `None`) at `at` (Unix seconds; default now): the report of
    /// [`verify_chain`].
    pub fn verify(&self, chain: &[u8], hostname: Option<&str>, at: Option<i64>) -> Result<ChainReport> {
        self.verify_ders(certificate_ders(chain)?, hostname, at)
    }

    /// [`Verifier::verify`] for a chain given as DER certificates, leaf first.
    pub fn verify_der(&self, chain: &[&[u8]], hostname: Option<&str>, at: Option<i64>) -> Result<ChainReport> {
        self.verify_ders(
            chain.iter().map(|d| rustls::pki_types::CertificateDer::from(d.to_vec())).collect(),
            hostname,
            at,
        )
    }

    fn verify_ders(
        &self,
        ders: Vec<rustls::pki_types::CertificateDer<'static>>,
        hostname: Option<&str>,
        at: Option<i64>,
    ) -> Result<ChainReport> {
        let presented: Vec<Certificate> =
            ders.iter().map(|d| Ok(Certificate::checked_or_known(d.clone())?)).collect::<Result<_>>()?;
        let server_name = match hostname {
            Some(h) => Some(
                ServerName::try_from(h.trim_start_matches('[').trim_end_matches(']').to_owned())
                    .map_err(|_| Error::invalid(format!("hostname: {h:?} is not a valid DNS name or IP address")))?,
            ),
            None => None,
        };
        let at = at.unwrap_or_else(crate::cert::unix_now);
        if at < 0 {
            return Err(Error::invalid(format!("at: {at} is before 1970")));
        }
        let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(at as u64));
        let (leaf, intermediates) =
            ders.split_first().ok_or_else(|| Error::new(Code::InvalidPem, "no certificate given"))?;
        match crate::aia::verify_fetching(
            &self.store,
            &self.provider,
            leaf,
            intermediates,
            server_name.as_ref(),
            now,
            self.purpose,
            self.fetch_missing_intermediates,
            self.aia_allow_private,
        ) {
            Ok(verified) => {
                // The path is mostly the presented certificates: share them (and their summaries).
                let path: Vec<Certificate> = verified
                    .path
                    .into_iter()
                    .filter_map(|d| match presented.iter().find(|p| *p.der() == d) {
                        Some(p) => Some(p.clone()),
                        None => Certificate::checked(d).ok(),
                    })
                    .collect();
                if let Some(max) = self.max_chain_depth {
                    // Self-issued intermediates (a CA re-keyed under its own name) do not count
                    // (RFC 5280 6.1.4 (l)).
                    let intermediates = path.iter().skip(1).filter(|c| !c.is_self_issued()).count();
                    if intermediates > max {
                        let e = Error::new(
                            Code::CertInvalid,
                            format!(
                                "the verified path has {intermediates} intermediates, more than max_chain_depth={max}"
                            ),
                        )
                        .with_chain(presented.clone());
                        return Ok(ChainReport {
                            ok: false,
                            error: Some(e),
                            path: Vec::new(),
                            presented,
                            at,
                            warnings: Vec::new(),
                        });
                    }
                }
                Ok(ChainReport {
                    ok: true,
                    error: None,
                    path,
                    presented,
                    at,
                    warnings: verified.warnings.into_iter().map(crate::text::safe_owned).collect(),
                })
            }
            Err(e) => {
                Ok(ChainReport { ok: false, error: Some(e), path: Vec::new(), presented, at, warnings: Vec::new() })
            }
        }
    }
}
