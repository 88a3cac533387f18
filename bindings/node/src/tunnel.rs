//! `NativeTunnel`: the plaintext of a TLS connection the core made and verified
//! (`Client::connect_tls`), for the facade's `HttpsAgent` (Node's HTTP parser speaks over it).
//!
//! Each operation runs on tlsguard's runtime (`tlsguard::spawn`) and completes through the hub
//! under the id the facade gave: `connect` with `true`, `read` with an `ArrayBuffer` (`null`
//! at the end), `write` with `true`; a failure with the core's error (the tunnel's I/O errors
//! carry one, see `TlsTunnel::error_of`). One read and one write may be in flight at once.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};

use crate::errors::Failure;
use crate::hub::{Done, Hub};

type Reader = ReadHalf<tlsguard::TlsTunnel>;
type Writer = WriteHalf<tlsguard::TlsTunnel>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Bytes asked for per read.
const READ_SIZE: usize = 64 * 1024;

/// The TLS facts of a tunnel.
#[napi(object)]
pub struct TunnelTls {
    pub version: String,
    pub cipher_suite: String,
    pub alpn: Option<String>,
    /// DER, leaf first.
    pub peer_certificates: Vec<Buffer>,
}

#[derive(Default)]
struct Halves {
    reader: Option<Reader>,
    writer: Option<Writer>,
    info: Option<tlsguard::TlsInfo>,
    closed: bool,
    /// The operations in flight (aborted by `close`).
    running: Vec<tlsguard::AbortHandle>,
}

/// A TLS connection's plaintext (see the module doc).
#[napi]
pub struct NativeTunnel {
    state: Arc<Mutex<Halves>>,
    hub: Arc<Hub>,
}

fn io_failure(e: &std::io::Error) -> Failure {
    Failure::Core(tlsguard::TlsTunnel::error_of(e))
}

impl NativeTunnel {
    /// Connects through `client`; completes under `id` with `true` once verified.
    pub(crate) fn connect(
        env: &Env,
        hub: Arc<Hub>,
        client: tlsguard::Client,
        id: u32,
        host: String,
        port: u16,
    ) -> Result<NativeTunnel> {
        let state = Arc::new(Mutex::new(Halves::default()));
        hub.begin(env)?;
        let (slot, done) = (state.clone(), hub.clone());
        let spawned = tlsguard::spawn(async move { client.connect_tls(&host, port).await }, move |r| {
            let outcome = match r {
                Some(Ok(t)) => {
                    let mut s = lock(&slot);
                    if s.closed {
                        Err(Failure::Aborted)
                    } else {
                        s.info = Some(t.tls().clone());
                        let (r, w) = tokio::io::split(t);
                        s.reader = Some(r);
                        s.writer = Some(w);
                        Ok(Done::Written(true))
                    }
                }
                Some(Err(e)) => Err(e.into()),
                None => Err(Failure::Aborted),
            };
            done.complete(id, outcome);
        });
        match spawned {
            Ok(h) => lock(&state).running.push(h),
            Err(e) => hub.complete(id, Err(e.into())),
        }
        Ok(NativeTunnel { state, hub })
    }

    fn track(&self, h: tlsguard::Result<tlsguard::AbortHandle>, id: u32) {
        match h {
            Ok(h) => {
                let mut s = lock(&self.state);
                s.running.retain(|r| !r.is_finished());
                s.running.push(h);
            }
            Err(e) => self.hub.complete(id, Err(e.into())),
        }
    }
}

#[napi]
impl NativeTunnel {
    /// The TLS facts (null before the connection is made).
    #[napi(catch_unwind)]
    pub fn tls(&self) -> Option<TunnelTls> {
        let s = lock(&self.state);
        s.info.as_ref().map(|t| TunnelTls {
            version: t.version.as_str().to_owned(),
            cipher_suite: t.cipher_suite.clone(),
            alpn: t.alpn.clone(),
            peer_certificates: t.peer_certificates.iter().map(|c| Buffer::from(c.as_ref().to_vec())).collect(),
        })
    }

    /// Reads the next bytes; completes under `id` with an `ArrayBuffer`, `null` at the end.
    #[napi(catch_unwind)]
    pub fn read(&self, env: &Env, id: u32) -> Result<()> {
        self.hub.begin(env)?;
        let Some(mut reader) = lock(&self.state).reader.take() else {
            self.hub.complete(id, Err(Failure::Aborted));
            return Ok(());
        };
        let (hub, state) = (self.hub.clone(), self.state.clone());
        let h = tlsguard::spawn(
            async move {
                let mut buf = vec![0u8; READ_SIZE];
                let r = reader.read(&mut buf).await;
                let mut s = lock(&state);
                if !s.closed {
                    s.reader = Some(reader);
                }
                drop(s);
                Ok(r.map(|n| {
                    buf.truncate(n);
                    buf
                }))
            },
            move |r| {
                hub.complete(
                    id,
                    match r {
                        Some(Ok(Ok(buf))) if buf.is_empty() => Ok(Done::Chunk(None)),
                        Some(Ok(Ok(buf))) => Ok(Done::Chunk(Some(buf.into()))),
                        Some(Ok(Err(e))) => Err(io_failure(&e)),
                        Some(Err(e)) => Err(e.into()),
                        None => Err(Failure::Aborted),
                    },
                )
            },
        );
        self.track(h, id);
        Ok(())
    }

    /// Writes `chunk` (all of it, flushed); completes under `id` with `true`.
    #[napi(catch_unwind)]
    pub fn write(&self, env: &Env, id: u32, chunk: BufferSlice) -> Result<()> {
        self.hub.begin(env)?;
        let Some(mut writer) = lock(&self.state).writer.take() else {
            self.hub.complete(id, Err(Failure::Aborted));
            return Ok(());
        };
        let bytes = chunk.to_vec();
        let (hub, state) = (self.hub.clone(), self.state.clone());
        let h = tlsguard::spawn(
            async move {
                let mut r = writer.write_all(&bytes).await;
                if r.is_ok() {
                    r = writer.flush().await;
                }
                let mut s = lock(&state);
                if !s.closed {
                    s.writer = Some(writer);
                }
                Ok(r)
            },
            move |r| {
                hub.complete(
                    id,
                    match r {
                        Some(Ok(Ok(()))) => Ok(Done::Written(true)),
                        Some(Ok(Err(e))) => Err(io_failure(&e)),
                        Some(Err(e)) => Err(e.into()),
                        None => Err(Failure::Aborted),
                    },
                )
            },
        );
        self.track(h, id);
        Ok(())
    }

    /// Ends the writing side (TLS close_notify); the reading side stays open.
    #[napi(catch_unwind)]
    pub fn end(&self) {
        let Some(mut writer) = lock(&self.state).writer.take() else { return };
        let _ = tlsguard::spawn(
            async move {
                let _ = writer.shutdown().await;
                Ok(())
            },
            |_| {},
        );
    }

    /// Closes the connection: operations in flight complete as aborted.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        let mut s = lock(&self.state);
        s.closed = true;
        for h in s.running.drain(..) {
            h.abort();
        }
        s.reader.take();
        s.writer.take();
    }
}
