//! The one error type of tlsguard.
//!
//! Every refusal carries a stable [`Code`] (the same string in Rust, Python, Node and PHP), a
//! one-line message that names the certificate and the fact, a hint saying whose side must fix
//! what, the presented chain when the handshake got that far, the trust sources in use, the
//! facts the message names as data ([`Error::detail`]) and the underlying error (`source()`).
//! The canonical table of codes, `tests/errors.json`, is generated from [`Code::ALL`] by
//! `cargo xtask gen` (and `cargo xtask test rust` fails when it is out of date).

use std::fmt;
use std::sync::Arc;

use crate::detail::Detail;
use crate::text::{display_safe, safe_owned};
use crate::x509::Certificate;

/// What kind of failure an [`Error`] is. Bindings map each category to one exception class.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// The server's certificate chain was refused.
    Certificate,
    /// The TLS handshake failed.
    Tls,
    /// The network connection failed (DNS, TCP).
    Network,
    /// A timeout expired.
    Timeout,
    /// tlsguard's security or size policy refused the request.
    Policy,
    /// The HTTP exchange failed.
    Http,
    /// The caller passed invalid input.
    InvalidInput,
    /// A bug in tlsguard (a panic), caught at the language boundary, or a thread or runtime
    /// tlsguard needs that the OS would not start.
    Internal,
}

impl Category {
    /// Every category, in the order of `tests/errors.json`.
    pub const ALL: &'static [Category] = &[
        Self::Certificate,
        Self::Tls,
        Self::Network,
        Self::Timeout,
        Self::Policy,
        Self::Http,
        Self::InvalidInput,
        Self::Internal,
    ];

    /// What the category means, as written in `tests/errors.json`.
    pub fn summary(self) -> &'static str {
        match self {
            Self::Certificate => "the server's certificate chain was refused",
            Self::Tls => "the TLS handshake failed",
            Self::Network => "the network connection failed",
            Self::Timeout => "a timeout expired",
            Self::Policy => "tlsguard's security or size policy refused the request",
            Self::Http => "the HTTP exchange failed",
            Self::InvalidInput => "the caller passed invalid input",
            Self::Internal => "a bug in tlsguard was caught at the language boundary",
        }
    }

    /// The category as written in `tests/errors.json` (`certificate`, `tls`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Certificate => "certificate",
            Self::Tls => "tls",
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::Policy => "policy",
            Self::Http => "http",
            Self::InvalidInput => "invalid_input",
            Self::Internal => "internal",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $cat:ident, $summary:literal, $hint:literal; )*) => {
        /// A stable error code. Its string form ([`Code::as_str`]) is identical in every language.
        #[non_exhaustive]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in the order of `tests/errors.json`.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as a string, e.g. `"CERT_EXPIRED"`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The category the code belongs to.
            pub fn category(self) -> Category {
                match self { $(Code::$variant => Category::$cat,)* }
            }

            /// One sentence saying what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            /// The default hint: whose side must fix what.
            pub fn hint(self) -> &'static str {
                match self { $(Code::$variant => $hint,)* }
            }

            /// Looks a code up by its string form.
            pub fn from_name(name: &str) -> Option<Code> {
                match name { $($name => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    /// A certificate in the chain is past its notAfter date.
    CertExpired = "CERT_EXPIRED", Certificate,
        "A certificate in the chain is past its notAfter date.",
        "The server operator must renew the certificate and deploy the new one; if the date looks wrong, check this machine's clock.";
    /// A certificate in the chain is not valid yet.
    CertNotYetValid = "CERT_NOT_YET_VALID", Certificate,
        "A certificate in the chain is not valid yet (notBefore is in the future).",
        "Check this machine's clock; otherwise the server operator deployed a certificate too early.";
    /// The certificate does not cover the requested host name or IP address.
    CertHostnameMismatch = "CERT_HOSTNAME_MISMATCH", Certificate,
        "The certificate does not cover the host name or IP address that was requested.",
        "Connect with a name the certificate covers, or the server operator must issue a certificate whose subjectAltName lists this name.";
    /// The server certificate is signed by itself and is not trusted.
    CertSelfSigned = "CERT_SELF_SIGNED", Certificate,
        "The server certificate is signed by itself and is not trusted.",
        "For a development service, pin its key (option pins: [\"sha256/...\"] with roots: \"none\") instead of disabling verification; in production the server operator must use a CA-issued certificate.";
    /// The chain ends at a CA that is not trusted.
    CertUnknownIssuer = "CERT_UNKNOWN_ISSUER", Certificate,
        "The chain ends at a CA that is not among the trusted roots.",
        "If this is your organisation's CA, add it with ca_file/ca_pem (it is added to the public roots); otherwise the server operator must use a publicly trusted CA.";
    /// The server did not send a needed intermediate certificate.
    CertIncompleteChain = "CERT_INCOMPLETE_CHAIN", Certificate,
        "The server did not send an intermediate certificate needed to reach a trusted root.",
        "The server operator must serve the full chain (leaf followed by intermediates, e.g. fullchain.pem); enabling fetch_missing_intermediates works around it on the client side.";
    /// A CA certificate is used as the server certificate.
    CertCaAsLeaf = "CERT_CA_AS_LEAF", Certificate,
        "A CA certificate (basicConstraints CA:TRUE) is used as the server certificate.",
        "The server operator must issue a leaf certificate (CA:FALSE) signed by the CA; for a development service, pin the key instead.";
    /// A supplied CRL lists a certificate of the chain as revoked.
    CertRevoked = "CERT_REVOKED", Certificate,
        "A certificate in the chain is listed as revoked by a supplied CRL.",
        "The server operator must replace the revoked certificate.";
    /// A supplied CRL cannot give a certificate's revocation status (out of date, bad signature).
    CertRevocationUnknown = "CERT_REVOCATION_UNKNOWN", Certificate,
        "A supplied CRL cannot say whether a certificate of the chain is revoked: it is past its nextUpdate date, or its signature does not verify with the issuer's key.",
        "Fetch a current CRL from the CA named in the message (the job refreshing it may have stopped) and pass it in crls; this machine's clock may also be wrong.";
    /// A signature in the chain does not verify.
    CertBadSignature = "CERT_BAD_SIGNATURE", Certificate,
        "A signature in the chain does not verify.",
        "The chain is corrupt or forged: the server operator must re-deploy the certificates exactly as issued.";
    /// SHA-1/MD5 signature or RSA key shorter than 2048 bits.
    CertWeakAlgorithm = "CERT_WEAK_ALGORITHM", Certificate,
        "A certificate uses a SHA-1/MD5 signature or an RSA key shorter than 2048 bits.",
        "The server operator must re-issue the named certificate with SHA-256 and a 2048-bit (or larger) RSA key or an ECDSA key.";
    /// The extended key usage does not allow serverAuth.
    CertInvalidPurpose = "CERT_INVALID_PURPOSE", Certificate,
        "The certificate's extended key usage does not allow TLS server authentication.",
        "The server operator must use a certificate issued for serverAuth.";
    /// A CA's name constraints exclude the name.
    CertNameConstraints = "CERT_NAME_CONSTRAINTS", Certificate,
        "A CA's name constraints exclude the certificate's names.",
        "The server operator must use a certificate from a CA allowed to issue for this name.";
    /// No certificate of the verified chain matches a pin.
    CertPinMismatch = "CERT_PIN_MISMATCH", Certificate,
        "No certificate of the verified chain matches a configured pin.",
        "If the server's key changed on purpose, update the pins; otherwise treat this as a possible interception.";
    /// A malformed or otherwise unusable certificate.
    CertInvalid = "CERT_INVALID", Certificate,
        "A certificate is malformed or otherwise unusable.",
        "The server operator must re-issue or re-deploy the certificate; the message names what is wrong.";
    /// The server only offers TLS older than 1.2 (or than `min_tls`).
    TlsProtocolVersion = "TLS_PROTOCOL_VERSION", Tls,
        "The server only offers TLS versions older than 1.2 (or older than min_tls).",
        "The server operator must enable TLS 1.2 or 1.3; tlsguard never downgrades.";
    /// The server only offers legacy cipher suites.
    TlsNoSharedCipher = "TLS_NO_SHARED_CIPHER", Tls,
        "The server only offers legacy cipher suites or key exchanges (CBC, RSA key exchange, DHE).",
        "The server operator must enable ECDHE with AES-GCM or ChaCha20-Poly1305 suites.";
    /// The server wants a client certificate that was not given, or rejected it.
    TlsClientCertRequired = "TLS_CLIENT_CERT_REQUIRED", Tls,
        "The server requires a client certificate that was not given, or rejected the one given.",
        "Pass client_cert and client_key issued by a CA the server trusts; ask the server operator which CA that is.";
    /// Any other handshake failure.
    TlsHandshake = "TLS_HANDSHAKE", Tls,
        "The TLS handshake failed for another reason; the message names the alert or error.",
        "Compare the server's TLS configuration with the message; the server operator usually has to fix it.";
    /// Name resolution failed.
    Dns = "DNS", Network,
        "The host name could not be resolved.",
        "Check the spelling of the host and this machine's DNS configuration.";
    /// The TCP connection could not be established.
    Connect = "CONNECT", Network,
        "The TCP connection could not be established (refused, unreachable, reset).",
        "Check that the server is running and reachable on that port, and any proxy settings.";
    /// A timeout expired.
    Timeout = "TIMEOUT", Timeout,
        "A timeout expired (the message says which: connect or whole request).",
        "Raise timeout/connect_timeout if the server is just slow; otherwise check the server.";
    /// An `http://` URL without `allow_http`.
    InsecureUrl = "INSECURE_URL", Policy,
        "An http:// URL was refused because allow_http is not set.",
        "Use https://, or enable allow_http if plaintext is really intended.";
    /// A redirect from https to http.
    HttpDowngrade = "HTTP_DOWNGRADE", Policy,
        "A redirect from https:// to http:// was refused.",
        "The server operator must redirect to https://; tlsguard never downgrades a redirect.";
    /// The redirect limit was reached.
    TooManyRedirects = "TOO_MANY_REDIRECTS", Policy,
        "The redirect limit (max_redirects) was reached.",
        "Check the server for a redirect loop, or raise max_redirects.";
    /// The server redirected and the request's redirect mode is `error`.
    RedirectRefused = "REDIRECT_REFUSED", Policy,
        "The server answered with a redirect and the request's redirect mode is error.",
        "Request the URL the redirect names (in the message) directly, or use redirect mode follow or manual.";
    /// The response body exceeds the size cap.
    ResponseTooLarge = "RESPONSE_TOO_LARGE", Policy,
        "The response body (after decompression) exceeds the configured size cap.",
        "Raise max_response_bytes if the response is expected to be that large.";
    /// Malformed HTTP or a failed HTTP connection.
    HttpProtocol = "HTTP_PROTOCOL", Http,
        "The server's HTTP response was malformed or the HTTP connection failed.",
        "The server operator must fix the HTTP response; the message says what was wrong.";
    /// The server answered 4xx/5xx and the caller asked for that to be an error.
    HttpStatus = "HTTP_STATUS", Http,
        "The server answered with an error status (4xx or 5xx) and the caller asked to treat that as an error.",
        "A 4xx status usually means the request must change (URL, credentials, body); a 5xx status is the server's side to fix.";
    /// The URL could not be parsed.
    InvalidUrl = "INVALID_URL", InvalidInput,
        "The URL could not be parsed or has no host.",
        "Pass an absolute https:// URL.";
    /// An option or argument has an invalid value.
    InvalidArgument = "INVALID_ARGUMENT", InvalidInput,
        "An option or argument has an invalid value.",
        "Correct the named argument; the message says what is accepted.";
    /// PEM or DER input could not be parsed.
    InvalidPem = "INVALID_PEM", InvalidInput,
        "PEM or DER input (certificate, key, CRL) could not be parsed.",
        "Pass PEM (-----BEGIN ...-----) or DER data of the expected kind.";
    /// A file could not be read.
    Io = "IO", InvalidInput,
        "A file could not be read.",
        "Check the path and its permissions.";
    /// A bug in tlsguard (a Rust panic, caught by a binding instead of crashing the host), or a
    /// thread or I/O runtime the OS would not start.
    Internal = "INTERNAL", Internal,
        "tlsguard hit an internal error (a Rust panic, caught instead of crashing the host process) or could not start a thread or I/O runtime it needs.",
        "A panic is a bug in tlsguard, not in your code or the server: please report it with the message. If the cause is an OS error (out of threads or memory), free those resources and retry.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of every tlsguard operation.
///
/// `code()` is stable; `message()` is one line naming the certificate and the fact; `hint()`
/// says whose side must fix what; `chain()` is the chain the server presented (empty when the
/// handshake did not get that far).
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    code: Code,
    message: String,
    hint: Option<String>,
    url: Option<String>,
    chain: Vec<Certificate>,
    trust_sources: Vec<String>,
    detail: Option<Detail>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    /// Attempts made by a request with retries (0: not a retried request).
    attempts: u32,
}

impl Error {
    /// The error a binding raises for a panic it caught: `INTERNAL`, with the panic's text.
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Self::new(Code::Internal, format!("internal error (Rust panic): {text}"))
    }

    /// A new error with `code` and a one-line `message`; the hint defaults to the code's.
    /// Control characters and bidi controls in `message` (text from a certificate or a server)
    /// are shown as escapes ([`crate::display_safe`]).
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                code,
                message: safe_owned(message.into()),
                hint: None,
                url: None,
                chain: Vec::new(),
                trust_sources: Vec::new(),
                detail: None,
                source: None,
                attempts: 0,
            }),
        }
    }

    /// Shorthand for an [`Code::InvalidArgument`] error.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidArgument, message)
    }

    /// Records that the failed request was attempted `n` times (its retry policy allowed more
    /// than one); the message says so.
    pub(crate) fn with_attempts(mut self, n: u32) -> Self {
        if n > 1 && self.inner.attempts == 0 {
            self.inner.message = format!("{} (after {n} attempts)", self.inner.message);
            self.inner.attempts = n;
        }
        self
    }

    /// Sets a specific hint (instead of the code's default).
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.inner.hint = Some(safe_owned(hint.into()));
        self
    }

    /// Records the URL the request was for (kept if one is already set), without the
    /// credentials a `user:pass@` part would carry.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        if self.inner.url.is_none() {
            self.inner.url = Some(crate::text::url_without_credentials(&url.into()));
        }
        self
    }

    /// Attaches the chain the server presented.
    pub fn with_chain(mut self, chain: Vec<Certificate>) -> Self {
        self.inner.chain = chain;
        self
    }

    /// Records which trust sources were in use (e.g. `"mozilla (146 roots)"`).
    pub fn with_trust_sources(mut self, sources: Vec<String>) -> Self {
        self.inner.trust_sources = sources;
        self
    }

    /// Attaches the facts of the error ([`Error::detail`]).
    pub fn with_detail(mut self, detail: Detail) -> Self {
        self.inner.detail = Some(detail);
        self
    }

    /// Keeps the detail (if any) of `other`, an error this one rewords.
    pub(crate) fn with_detail_of(mut self, other: &Error) -> Self {
        if let Some(d) = &other.inner.detail {
            self.inner.detail = Some(d.clone());
        }
        self
    }

    /// Keeps the underlying error as the `source()`.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Arc::new(source));
        self
    }

    /// Prefixes the message with context, e.g. the option name (`"ca_file: ..."`).
    pub(crate) fn context(mut self, what: &str) -> Self {
        self.inner.message = format!("{}: {}", display_safe(what), self.inner.message);
        self
    }

    /// The stable code.
    pub fn code(&self) -> Code {
        self.inner.code
    }

    /// The code's category.
    pub fn category(&self) -> Category {
        self.inner.code.category()
    }

    /// The one-line message.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Whose side must fix what.
    pub fn hint(&self) -> &str {
        self.inner.hint.as_deref().unwrap_or_else(|| self.inner.code.hint())
    }

    /// The URL of the request that failed, if any.
    pub fn url(&self) -> Option<&str> {
        self.inner.url.as_deref()
    }

    /// The certificates the server presented, leaf first (empty if none were seen); each is
    /// summarised only when read.
    pub fn chain(&self) -> &[Certificate] {
        &self.inner.chain
    }

    /// The trust sources used for verification (empty for non-certificate errors).
    pub fn trust_sources(&self) -> &[String] {
        &self.inner.trust_sources
    }

    /// How many times the request was attempted, when a retry policy let it make more than
    /// one attempt (`None` otherwise).
    pub fn attempts(&self) -> Option<u32> {
        (self.inner.attempts > 0).then_some(self.inner.attempts)
    }

    /// The facts the message renders (expiry date, presented names, pins, ...), as data; `None`
    /// when the error has none. Which codes carry which facts: `manual/errors.md`.
    pub fn detail(&self) -> Option<&Detail> {
        self.inner.detail.as_ref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.inner.code, self.inner.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("code", &self.inner.code.as_str()).field("message", &self.inner.message).field("hint", &self.hint());
        if let Some(url) = &self.inner.url {
            d.field("url", url);
        }
        if !self.inner.chain.is_empty() {
            let names: Vec<&str> = self.inner.chain.iter().map(|c| c.subject.as_str()).collect();
            d.field("chain", &names);
        }
        if let Some(detail) = &self.inner.detail {
            d.field("detail", detail);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// `Result` with tlsguard's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl serde::Serialize for Category {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An error as the reports carry it: `code`, `category`, `message`, `hint`, `url`, `chain`,
/// `trust_sources`.
impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut e = s.serialize_struct("Error", 8)?;
        e.serialize_field("code", &self.code())?;
        e.serialize_field("category", &self.category())?;
        e.serialize_field("message", self.message())?;
        e.serialize_field("hint", self.hint())?;
        e.serialize_field("url", &self.url())?;
        e.serialize_field("chain", self.chain())?;
        e.serialize_field("trust_sources", self.trust_sources())?;
        e.serialize_field("detail", &self.detail().map(crate::detail::Detail::to_json))?;
        e.end()
    }
}
