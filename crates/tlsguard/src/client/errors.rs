//! Turns whatever hyper / hyper-util / rustls / io returned into one explained [`Error`].

use std::error::Error as StdError;
use std::io;

use crate::error::{Code, Error};
use crate::tls::TlsContext;

use super::connect::TlsFailure;
use crate::net::io_message;

/// Classifies `err` (from sending a request or reading its body to `host`).
///
/// Walks the `source()` chain:
/// * our own [`Error`] (from the connector) is returned as is;
/// * an `io::Error` wrapping a `rustls::Error` (a TLS 1.3 server rejecting the client
///   certificate sends its alert after the handshake, so it surfaces while sending or reading)
///   goes through `TlsContext::handshake_error`. `io::Error::source()` skips the wrapped error,
///   hence the explicit `get_ref()`;
/// * hyper errors become `HTTP_PROTOCOL` with hyper's message.
pub(crate) fn classify(
    err: &(dyn StdError + 'static),
    failure: Option<&TlsFailure>,
    tls: &TlsContext,
    host: &str,
) -> Error {
    if let Some(ours) = find::<Error>(err) {
        return ours.clone();
    }
    // A TLS alert recorded by the stream (see `TlsFailure`) explains a later broken pipe.
    if let Some(r) = failure.and_then(TlsFailure::get) {
        return tls.handshake_error(&r, host);
    }
    let mut hyper_err: Option<&hyper::Error> = None;
    let mut io_err: Option<&io::Error> = None;
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    let mut depth = 0;
    while let Some(e) = cur {
        if let Some(ours) = e.downcast_ref::<Error>() {
            return ours.clone();
        }
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return tls.handshake_error(r, host);
        }
        if let Some(ioe) = e.downcast_ref::<io::Error>() {
            if let Some(inner) = ioe.get_ref() {
                if let Some(r) = inner.downcast_ref::<rustls::Error>() {
                    return tls.handshake_error(r, host);
                }
                if let Some(ours) = inner.downcast_ref::<Error>() {
                    return ours.clone();
                }
            }
            io_err.get_or_insert(ioe);
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            hyper_err.get_or_insert(h);
        }
        depth += 1;
        if depth > 32 {
            break;
        }
        cur = e.source();
    }
    // No HTTP-level explanation: maybe a TLS 1.3 server refusing the client certificate whose
    // alert was lost to its RST (see `TlsFailure`).
    if !hyper_err.is_some_and(|h| h.is_parse() || h.is_parse_status())
        && let Some(e) = failure.and_then(TlsFailure::inferred_client_cert_refusal)
    {
        return e;
    }
    if let Some(h) = hyper_err {
        let msg = if h.is_incomplete_message() {
            "connection closed before the response was complete".to_owned()
        } else if h.is_parse() || h.is_parse_status() {
            format!("malformed HTTP response: {h}")
        } else if let Some(ioe) = io_err {
            format!("connection failed: {}", io_message(ioe))
        } else {
            // "http2 error" alone says nothing: add the h2 reason ("stream error received: ...").
            chain_message(h)
        };
        return Error::new(Code::HttpProtocol, msg);
    }
    if let Some(ioe) = io_err {
        return Error::new(Code::HttpProtocol, format!("connection failed: {}", io_message(ioe)));
    }
    Error::new(Code::HttpProtocol, chain_message(err))
}

/// `a: b: c` from an error and its sources.
fn chain_message(err: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if parts.last() != Some(&s) {
            parts.push(s);
        }
        if parts.len() > 8 {
            break;
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// The first error of type `T` in the `source()` chain of `err`.
fn find<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut cur = Some(err);
    let mut depth = 0;
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<T>() {
            return Some(t);
        }
        depth += 1;
        if depth > 32 {
            return None;
        }
        cur = e.source();
    }
    None
}

/// The `TlsFailure` of the connection a hyper-util error happened on.
pub(crate) fn failure_of(err: &hyper_util::client::legacy::Error) -> Option<TlsFailure> {
    let info = err.connect_info()?;
    let mut ext = http::Extensions::new();
    info.get_extras(&mut ext);
    ext.get::<TlsFailure>().cloned()
}
