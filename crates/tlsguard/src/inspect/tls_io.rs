//! A rustls `ClientConnection` over a tokio `TcpStream`, driven by hand.
//!
//! tokio-rustls drops the connection when the handshake fails, and with it what the
//! ServerHello negotiated. Inspection needs both: the version and suite of a handshake whose
//! certificate was refused, and, when it succeeds, an `AsyncRead + AsyncWrite` stream for
//! hyper's client connection over the very same connection. This is the same bridge
//! tokio-rustls uses (rustls' `read_tls`/`write_tls` with a `Context`-aware adapter), reduced
//! to what a single request needs.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// How a handshake failed.
pub(crate) enum HandshakeError {
    /// rustls refused (or the server sent an alert).
    Tls(rustls::Error),
    /// The socket failed or closed.
    Io(io::Error),
}

/// A TLS client connection on a TCP stream.
pub(crate) struct TlsIo {
    pub tcp: TcpStream,
    pub conn: rustls::ClientConnection,
    /// What happened after the handshake, for explaining a failed request (see `Aftermath`).
    pub aftermath: Aftermath,
}

/// What the connection saw after the handshake, shared with whoever explains a failed
/// request. A TLS 1.3 server that refuses the (missing) client certificate sends its alert
/// after the client considers the handshake done; the client's write then fails with EPIPE and
/// the server's RST may even discard the alert. So the first TLS error is recorded here, a
/// failed write reads what is still buffered, and whether any application data arrived is
/// noted (the client's `TlsFailure` does the same).
#[derive(Clone, Default)]
pub(crate) struct Aftermath {
    pub alert: Arc<Mutex<Option<rustls::Error>>>,
    pub got_data: Arc<AtomicBool>,
}

impl Aftermath {
    pub(crate) fn alert(&self) -> Option<rustls::Error> {
        self.alert.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    pub(crate) fn got_data(&self) -> bool {
        self.got_data.load(Ordering::Relaxed)
    }
    fn record(&self, e: &rustls::Error) {
        self.alert.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert_with(|| e.clone());
    }
}

/// `io::Read`/`io::Write` over the async socket: `Pending` becomes `WouldBlock`.
struct Sync<'a, 'b> {
    tcp: &'a mut TcpStream,
    cx: &'a mut Context<'b>,
}

impl Read for Sync<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut rb = ReadBuf::new(buf);
        match Pin::new(&mut *self.tcp).poll_read(self.cx, &mut rb) {
            Poll::Ready(Ok(())) => Ok(rb.filled().len()),
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Write for Sync<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match Pin::new(&mut *self.tcp).poll_write(self.cx, buf) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match Pin::new(&mut *self.tcp).poll_flush(self.cx) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

fn pending_if_would_block<T>(r: io::Result<T>) -> Poll<io::Result<T>> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
        other => Poll::Ready(other),
    }
}

impl TlsIo {
    pub(crate) fn new(tcp: TcpStream, conn: rustls::ClientConnection) -> Self {
        Self { tcp, conn, aftermath: Aftermath::default() }
    }

    /// After a write failed because the peer closed: read what is still buffered, so that an
    /// alert sent before the close is recorded.
    fn read_leftover_alert(&mut self, cx: &mut Context<'_>, e: &io::Error) {
        if !matches!(
            e.kind(),
            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
        ) {
            return;
        }
        for _ in 0..4 {
            match self.poll_read_tls(cx) {
                Poll::Ready(Ok(n)) if n > 0 => continue,
                _ => return,
            }
        }
    }

    /// Writes queued TLS records to the socket (one `write_tls` call).
    fn poll_write_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut w = Sync { tcp: &mut self.tcp, cx };
        pending_if_would_block(self.conn.write_tls(&mut w))
    }

    /// Writes every queued TLS record.
    fn poll_flush_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.wants_write() {
            if ready!(self.poll_write_tls(cx))? == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Reads TLS records from the socket and processes them. `Ok(0)` is EOF. A rustls error
    /// is returned as an `io::Error` wrapping the `rustls::Error` (after trying to send the
    /// alert rustls queued).
    fn poll_read_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let n = {
            let mut r = Sync { tcp: &mut self.tcp, cx };
            ready!(pending_if_would_block(self.conn.read_tls(&mut r)))?
        };
        if let Err(e) = self.conn.process_new_packets() {
            self.aftermath.record(&e);
            let _ = self.poll_flush_tls(cx);
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, e)));
        }
        Poll::Ready(Ok(n))
    }

    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            ready!(self.poll_flush_tls(cx))?;
            if !self.conn.is_handshaking() {
                return Poll::Ready(Ok(()));
            }
            if ready!(self.poll_read_tls(cx))? == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection during the handshake",
                )));
            }
        }
    }

    /// Runs the handshake to its end.
    pub(crate) async fn handshake(&mut self) -> Result<(), HandshakeError> {
        std::future::poll_fn(|cx| self.poll_handshake(cx)).await.map_err(|e| {
            match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                Some(r) => HandshakeError::Tls(r.clone()),
                None => HandshakeError::Io(e),
            }
        })
    }
}

impl AsyncRead for TlsIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match this.conn.reader().read(buf.initialize_unfilled()) {
                Ok(n) => {
                    if n > 0 {
                        this.aftermath.got_data.store(true, Ordering::Relaxed);
                    }
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
            // No plaintext buffered: read more records (EOF makes the reader report it).
            ready!(this.poll_read_tls(cx))?;
            // Answer anything the records asked for (key updates), without waiting.
            if this.conn.wants_write() {
                let _ = this.poll_flush_tls(cx);
            }
        }
    }
}

impl AsyncWrite for TlsIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            let n = this.conn.writer().write(buf)?;
            let mut blocked = false;
            while this.conn.wants_write() {
                match this.poll_write_tls(cx) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                    Poll::Ready(Ok(_)) => {}
                    Poll::Ready(Err(e)) => {
                        this.read_leftover_alert(cx, &e);
                        return Poll::Ready(Err(e));
                    }
                    Poll::Pending => {
                        blocked = true;
                        break;
                    }
                }
            }
            if n > 0 || buf.is_empty() {
                return Poll::Ready(Ok(n));
            }
            if blocked {
                return Poll::Pending;
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.conn.writer().flush()?;
        if let Err(e) = ready!(this.poll_flush_tls(cx)) {
            this.read_leftover_alert(cx, &e);
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.conn.send_close_notify();
        ready!(this.poll_flush_tls(cx))?;
        Pin::new(&mut this.tcp).poll_shutdown(cx)
    }
}
