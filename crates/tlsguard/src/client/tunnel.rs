//! [`Client::connect_tls`]: a TLS connection made and verified exactly as the client's
//! requests' are (trust, pins, CRLs, TLS versions, client certificate, proxy, `resolve`,
//! `connect_timeout`, the diagnosis of a refusal), handed to a caller that speaks HTTP/1.1 over
//! it itself: Node's `https.Agent` adapter, whose HTTP parser is Node's own.
//!
//! Only the connection is tlsguard's: what is sent over it (requests, redirects, decoding,
//! timeouts of an exchange, response size) is the caller's.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::Client;
use super::connect::{Stream, TlsFailure};
use crate::error::{Code, Error, Result};
use crate::tls::{TlsContext, TlsInfo};

/// A verified TLS connection to one server (ALPN `http/1.1`), from [`Client::connect_tls`].
///
/// Its I/O errors carry a tlsguard [`Error`] (a TLS alert after the handshake explained as a
/// refused handshake is: e.g. `TLS_CLIENT_CERT_REQUIRED` from a TLS 1.3 server); get it with
/// [`TlsTunnel::error_of`]. A server that closes before sending a single byte after asking for
/// a client certificate is reported as that refusal, not as an end of stream.
pub struct TlsTunnel {
    stream: Stream,
    info: TlsInfo,
    failure: TlsFailure,
    tls: Arc<TlsContext>,
    host: String,
    got_data: bool,
}

impl std::fmt::Debug for TlsTunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTunnel").field("host", &self.host).field("info", &self.info).finish_non_exhaustive()
    }
}

impl Client {
    /// Connects to `host:port` and completes a TLS handshake verified as every request of this
    /// client is (HTTP/1.1 only in ALPN, whatever `http2` says), through the client's proxy
    /// and within its `connect_timeout`. The caller then speaks HTTP/1.1 over the returned
    /// stream. `INVALID_ARGUMENT` for a closed client; otherwise the codes of a connection
    /// (`CONNECT`, `DNS`, `TIMEOUT`, `CERT_*`, `TLS_*`).
    pub async fn connect_tls(&self, host: &str, port: u16) -> Result<TlsTunnel> {
        if self.is_closed() {
            return Err(Error::invalid("this Client is closed; create a new one"));
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let authority = crate::net::authority(host, port);
        let uri: http::Uri = format!("https://{authority}/")
            .parse()
            .map_err(|e| Error::new(Code::InvalidUrl, format!("{authority:?} is not a host and port: {e}")))?;
        let connector = super::connect::Connector { h1_only: true, ..self.inner.connector.clone() };
        match connector.connect(uri).await? {
            Stream::Tls(conn) => {
                let (info, failure) = (conn.info.clone(), conn.failure.clone());
                Ok(TlsTunnel {
                    stream: Stream::Tls(conn),
                    info,
                    failure,
                    tls: self.inner.tls.clone(),
                    host: host.to_owned(),
                    got_data: false,
                })
            }
            Stream::Plain(_) => Err(Error::new(Code::Internal, "connect_tls made a connection without TLS")),
        }
    }
}

impl TlsTunnel {
    /// The TLS facts of the connection (version, cipher suite, ALPN, peer certificates).
    pub fn tls(&self) -> &TlsInfo {
        &self.info
    }

    /// The tlsguard error an I/O error of this stream carries (`HTTP_PROTOCOL` with the I/O
    /// message for one that carries none).
    pub fn error_of(e: &io::Error) -> Error {
        if let Some(ours) = e.get_ref().and_then(|i| i.downcast_ref::<Error>()) {
            return ours.clone();
        }
        Error::new(Code::HttpProtocol, format!("connection failed: {}", crate::net::io_message(e)))
            .with_source(io::Error::new(e.kind(), e.to_string()))
    }

    fn explain(&self, e: io::Error) -> io::Error {
        if e.get_ref().is_some_and(|i| i.is::<Error>()) {
            return e;
        }
        io::Error::other(super::errors::classify(&e, Some(&self.failure), &self.tls, &self.host))
    }
}

impl AsyncRead for TlsTunnel {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) if buf.filled().len() == before && buf.remaining() > 0 && !this.got_data => {
                // The end before any data: a TLS 1.3 server refusing the client certificate
                // (or its absence) whose alert was lost, if it asked for one.
                match this.failure.get() {
                    Some(r) => Poll::Ready(Err(io::Error::other(this.tls.handshake_error(&r, &this.host)))),
                    None => match this.failure.inferred_client_cert_refusal() {
                        Some(e) => Poll::Ready(Err(io::Error::other(e))),
                        None => Poll::Ready(Ok(())),
                    },
                }
            }
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.got_data = true;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(this.explain(e))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for TlsTunnel {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write(cx, buf) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(this.explain(e))),
            r => r,
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_flush(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(this.explain(e))),
            r => r,
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
