//! `TlsGuard\Stream`: a response body with the method names of PSR-7's `StreamInterface`
//! (`Psr\Http\Message\StreamInterface` cannot be implemented by an extension class without
//! loading Composer's interface first; the Composer package wraps a `Stream` where the PSR type
//! is required).
//!
//! A body is one of: the buffered bytes of a response (seekable), the core's streaming body
//! (`'stream' => true`, `Client::stream()`: read as it arrives, not seekable), a `sink` file
//! (written as the body arrived, then read back: seekable), or a `sink` resource (PHP's stream
//! functions). The state is shared: every `getBody()` of one response reads the same body.

use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::rc::Rc;

use bytes::Bytes;
use ext_php_rs::binary::Binary;
use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendCallable, Zval};
use ext_php_rs::zend::ClassEntry;
use tlsguard::{BodyStream, Code, Error};

use crate::convert::{Assoc, binary_zval};
use crate::errors::{OrThrow, guard, internal, invalid};

/// Where a body's bytes are.
pub enum Source {
    /// A buffered body and the read position.
    Buffered { data: Bytes, pos: usize },
    /// The core's streaming body (`None` once read to its end or after an error), the rest of
    /// the last chunk, and the bytes handed out so far.
    Streaming { body: Option<Box<BodyStream>>, pending: Bytes, pos: u64 },
    /// A `sink` path: the file the body was written to.
    File { file: File, path: String, size: u64 },
    /// A `sink` resource: the caller's PHP stream.
    Resource(Zval),
    /// After `close()` or `detach()`.
    Gone,
}

/// A body shared by a response and its `Stream` objects.
pub type Shared = Rc<RefCell<Source>>;

/// A new shared body.
pub fn shared(source: Source) -> Shared {
    Rc::new(RefCell::new(source))
}

/// A streaming body.
pub fn streaming(body: BodyStream) -> Shared {
    shared(Source::Streaming { body: Some(Box::new(body)), pending: Bytes::new(), pos: 0 })
}

/// A PHP `\RuntimeException` (what PSR-7 streams throw for a detached stream, a seek on a
/// stream that cannot seek, a write).
pub fn runtime(message: impl Into<String>) -> PhpException {
    let ce = ClassEntry::try_find("RuntimeException").unwrap_or_else(ext_php_rs::zend::ce::exception);
    PhpException::new(message.into(), 0, ce)
}

fn detached() -> PhpException {
    runtime("the stream is detached (close() or detach() was called)")
}

/// Calls PHP function `name`.
pub fn php_call(name: &str, args: Vec<&dyn IntoZvalDyn>) -> Result<Zval, PhpException> {
    let f = ZendCallable::try_from_name(name).map_err(internal)?;
    f.try_call(args).map_err(|e| runtime(format!("{name}() failed: {e}")))
}

fn io_error(what: &str, e: std::io::Error) -> PhpException {
    crate::errors::to_php(&Error::new(Code::Io, format!("{what}: {e}")))
}

/// Writes the whole of `body` to `sink` (a path: created or truncated; or a PHP stream
/// resource), then rewinds it where it can seek, as Guzzle does: the response's body is the
/// sink.
pub fn drain_to_sink(mut body: BodyStream, sink: Sink) -> Result<Source, PhpException> {
    match sink {
        Sink::Path(path) => {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path)
                .map_err(|e| io_error(&format!("sink {path:?}"), e))?;
            let mut size = 0u64;
            while let Some(chunk) = body.chunk_blocking().or_throw()? {
                file.write_all(&chunk).map_err(|e| io_error(&format!("sink {path:?}"), e))?;
                size += chunk.len() as u64;
            }
            file.seek(SeekFrom::Start(0)).map_err(|e| io_error(&format!("sink {path:?}"), e))?;
            Ok(Source::File { file, path, size })
        }
        Sink::Resource(res) => {
            while let Some(chunk) = body.chunk_blocking().or_throw()? {
                let data = binary_zval(&chunk);
                let written = php_call("fwrite", vec![&res, &data])?;
                if written.long() != Some(chunk.len() as i64) {
                    return Err(crate::errors::to_php(&Error::new(
                        Code::Io,
                        format!("sink: fwrite() wrote {} of {} bytes", written.long().unwrap_or(0), chunk.len()),
                    )));
                }
            }
            if resource_seekable(&res)? {
                php_call("rewind", vec![&res])?;
            }
            Ok(Source::Resource(res))
        }
    }
}

/// A request's `sink`.
pub enum Sink {
    /// A file path.
    Path(String),
    /// A PHP stream resource (`fopen(...)`, `php://temp`).
    Resource(Zval),
}

fn resource_seekable(res: &Zval) -> Result<bool, PhpException> {
    let meta = php_call("stream_get_meta_data", vec![res])?;
    Ok(meta.array().and_then(|a| a.get("seekable")).and_then(Zval::bool).unwrap_or(false))
}

impl Source {
    fn seekable(&self) -> Result<bool, PhpException> {
        Ok(match self {
            Source::Buffered { .. } | Source::File { .. } => true,
            Source::Resource(r) => resource_seekable(r)?,
            Source::Streaming { .. } | Source::Gone => false,
        })
    }

    /// Up to `max` bytes (fewer at the end; empty at the end).
    pub fn read(&mut self, max: usize) -> Result<Vec<u8>, PhpException> {
        match self {
            Source::Buffered { data, pos } => {
                let end = (*pos + max).min(data.len());
                let out = data[(*pos).min(end)..end].to_vec();
                *pos = end.max(*pos);
                Ok(out)
            }
            Source::Streaming { body, pending, pos } => {
                while pending.is_empty() {
                    let Some(b) = body.as_mut() else { return Ok(Vec::new()) };
                    match b.chunk_blocking() {
                        Ok(Some(chunk)) => *pending = chunk,
                        Ok(None) => {
                            *body = None;
                            return Ok(Vec::new());
                        }
                        Err(e) => {
                            *body = None;
                            return Err(e).or_throw();
                        }
                    }
                }
                let n = max.min(pending.len());
                *pos += n as u64;
                Ok(pending.split_to(n).to_vec())
            }
            Source::File { file, path, .. } => {
                let mut out = Vec::with_capacity(max.min(1 << 20));
                Read::by_ref(file)
                    .take(max as u64)
                    .read_to_end(&mut out)
                    .map_err(|e| io_error(&format!("sink {path:?}"), e))?;
                Ok(out)
            }
            Source::Resource(r) => {
                let n = max as i64;
                let s = php_call("fread", vec![&*r, &n])?;
                Ok(s.zend_str().map(|z| z.as_bytes().to_vec()).unwrap_or_default())
            }
            Source::Gone => Err(detached()),
        }
    }

    /// Everything from the position to the end.
    pub fn rest(&mut self) -> Result<Vec<u8>, PhpException> {
        match self {
            Source::Buffered { data, pos } => {
                let out = data[(*pos).min(data.len())..].to_vec();
                *pos = data.len();
                Ok(out)
            }
            Source::Streaming { body, pending, pos } => {
                let mut out = pending.split_to(pending.len()).to_vec();
                if let Some(mut b) = body.take() {
                    while let Some(chunk) = b.chunk_blocking().or_throw()? {
                        out.extend_from_slice(&chunk);
                    }
                }
                *pos += out.len() as u64;
                Ok(out)
            }
            Source::File { file, path, .. } => {
                let mut out = Vec::new();
                file.read_to_end(&mut out).map_err(|e| io_error(&format!("sink {path:?}"), e))?;
                Ok(out)
            }
            Source::Resource(r) => {
                let s = php_call("stream_get_contents", vec![&*r])?;
                Ok(s.zend_str().map(|z| z.as_bytes().to_vec()).unwrap_or_default())
            }
            Source::Gone => Err(detached()),
        }
    }

    fn eof(&mut self) -> Result<bool, PhpException> {
        Ok(match self {
            Source::Buffered { data, pos } => *pos >= data.len(),
            Source::Streaming { body, pending, .. } => body.is_none() && pending.is_empty(),
            Source::File { file, size, .. } => file.stream_position().map(|p| p >= *size).unwrap_or(true),
            Source::Resource(r) => php_call("feof", vec![&*r])?.bool().unwrap_or(true),
            Source::Gone => true,
        })
    }

    fn tell(&mut self) -> Result<i64, PhpException> {
        match self {
            Source::Buffered { pos, .. } => Ok(*pos as i64),
            Source::Streaming { pos, .. } => Ok(*pos as i64),
            Source::File { file, path, .. } => {
                file.stream_position().map(|p| p as i64).map_err(|e| io_error(&format!("sink {path:?}"), e))
            }
            Source::Resource(r) => {
                php_call("ftell", vec![&*r])?.long().ok_or_else(|| runtime("ftell() could not tell the position"))
            }
            Source::Gone => Err(detached()),
        }
    }

    fn size(&self) -> Result<Option<i64>, PhpException> {
        Ok(match self {
            Source::Buffered { data, .. } => Some(data.len() as i64),
            Source::File { size, .. } => Some(*size as i64),
            Source::Resource(r) => {
                let stat = php_call("fstat", vec![r])?;
                stat.array().and_then(|a| a.get("size")).and_then(Zval::long)
            }
            Source::Streaming { .. } | Source::Gone => None,
        })
    }

    fn seek(&mut self, offset: i64, whence: i64) -> Result<(), PhpException> {
        let target = |pos: i64, len: i64| -> Result<u64, PhpException> {
            let to = match whence {
                0 => offset,
                1 => pos + offset,
                2 => len + offset,
                w => return Err(runtime(format!("seek: whence {w} is not SEEK_SET, SEEK_CUR or SEEK_END"))),
            };
            u64::try_from(to).map_err(|_| runtime(format!("seek: position {to} is before the start")))
        };
        match self {
            Source::Buffered { data, pos } => {
                *pos = target(*pos as i64, data.len() as i64)? as usize;
                Ok(())
            }
            Source::File { file, size, path } => {
                let at = file.stream_position().map_err(|e| io_error(&format!("sink {path:?}"), e))?;
                let to = target(at as i64, *size as i64)?;
                file.seek(SeekFrom::Start(to)).map_err(|e| io_error(&format!("sink {path:?}"), e))?;
                Ok(())
            }
            Source::Resource(r) => {
                let rc = php_call("fseek", vec![&*r, &offset, &whence])?;
                if rc.long() == Some(0) { Ok(()) } else { Err(runtime(format!("fseek() to {offset} failed"))) }
            }
            Source::Streaming { .. } => {
                Err(runtime("a streamed body cannot seek: it is read as it arrives ('stream' => true)"))
            }
            Source::Gone => Err(detached()),
        }
    }
}

/// A response body, with the method names of `Psr\Http\Message\StreamInterface`. Reading
/// errors of a streamed body (a timeout, a broken connection) are tlsguard exceptions; misuse
/// (seeking a streamed body, a detached stream, `write()`) is `\RuntimeException`, as PSR-7
/// says.
#[php_class]
#[php(name = "TlsGuard\\Stream")]
pub struct Stream {
    src: Shared,
}

impl Stream {
    /// A `Stream` object over `src`.
    pub fn new(src: Shared) -> Stream {
        Stream { src }
    }
}

fn length_arg(length: i64) -> Result<usize, PhpException> {
    if length < 0 {
        return Err(runtime(format!("read: length {length} is negative")));
    }
    Ok(length.min(1 << 30) as usize)
}

#[php_impl]
impl Stream {
    /// The whole body from its start (for a streamed body: the rest).
    pub fn __to_string(&self) -> PhpResult<Binary<u8>> {
        guard(|| {
            let mut src = self.src.borrow_mut();
            if src.seekable()? {
                src.seek(0, 0)?;
            }
            Ok(Binary::new(src.rest()?))
        })
    }
    /// The rest of the body.
    pub fn get_contents(&self) -> PhpResult<Binary<u8>> {
        guard(|| Ok(Binary::new(self.src.borrow_mut().rest()?)))
    }
    /// Up to `$length` bytes; `''` at the end. A streamed body blocks until bytes arrive,
    /// under the read timeout.
    pub fn read(&self, length: i64) -> PhpResult<Binary<u8>> {
        guard(|| {
            let n = length_arg(length)?;
            Ok(Binary::new(self.src.borrow_mut().read(n)?))
        })
    }
    /// Whether the end has been reached.
    pub fn eof(&self) -> PhpResult<bool> {
        guard(|| self.src.borrow_mut().eof())
    }
    /// The size in bytes if known (a streamed body: null).
    pub fn get_size(&self) -> PhpResult<Option<i64>> {
        guard(|| self.src.borrow().size())
    }
    /// The position.
    pub fn tell(&self) -> PhpResult<i64> {
        guard(|| self.src.borrow_mut().tell())
    }
    /// Whether `seek()` works: buffered bodies and sinks, not streamed bodies.
    pub fn is_seekable(&self) -> PhpResult<bool> {
        guard(|| self.src.borrow().seekable())
    }
    /// Moves the position (`SEEK_SET`, `SEEK_CUR`, `SEEK_END`).
    pub fn seek(&self, offset: i64, whence: Option<i64>) -> PhpResult<()> {
        guard(|| self.src.borrow_mut().seek(offset, whence.unwrap_or(0)))
    }
    /// `seek(0)`.
    pub fn rewind(&self) -> PhpResult<()> {
        guard(|| self.src.borrow_mut().seek(0, 0))
    }
    /// False: a response body is read, not written.
    pub fn is_writable(&self) -> bool {
        false
    }
    /// Always throws `\RuntimeException` (a response body is not writable).
    pub fn write(&self, string: &str) -> PhpResult<i64> {
        let _ = string;
        Err(runtime("a response body is not writable"))
    }
    /// Whether it can be read (false after `close()` or `detach()`).
    pub fn is_readable(&self) -> bool {
        !matches!(*self.src.borrow(), Source::Gone)
    }
    /// Closes the body (a streamed body's connection is closed unless it was read to its end;
    /// a sink resource is fclose()d).
    pub fn close(&self) -> PhpResult<()> {
        guard(|| {
            let old = std::mem::replace(&mut *self.src.borrow_mut(), Source::Gone);
            if let Source::Resource(r) = old {
                php_call("fclose", vec![&r])?;
            }
            Ok(())
        })
    }
    /// Separates the body from the stream: the sink resource if there is one, else null.
    pub fn detach(&self) -> Zval {
        match std::mem::replace(&mut *self.src.borrow_mut(), Source::Gone) {
            Source::Resource(r) => r,
            _ => Zval::null(),
        }
    }
    /// `stream_get_meta_data()`'s array for a sink resource; otherwise `seekable`, `mode`,
    /// `eof` and (for a sink path) `uri`. With `$key`: that entry or null.
    pub fn get_metadata(&self, key: Option<String>) -> PhpResult<Zval> {
        guard(|| {
            let mut src = self.src.borrow_mut();
            let all = match &*src {
                Source::Resource(r) => php_call("stream_get_meta_data", vec![r])?,
                Source::Gone => {
                    return Ok(if key.is_some() { Zval::null() } else { Assoc::new().into_zval() });
                }
                _ => {
                    let (seekable, eof) = (src.seekable()?, src.eof()?);
                    let mut a = Assoc::new()
                        .set("seekable", seekable)?
                        .set("mode", "rb")?
                        .set("eof", eof)?
                        .set("wrapper_type", "tlsguard")?;
                    if let Source::File { path, .. } = &*src {
                        a = a.set("uri", path.as_str())?;
                    }
                    a.into_zval()
                }
            };
            Ok(match key {
                None => all,
                Some(k) => {
                    all.array().and_then(|a| a.get(k.as_str())).map(Zval::shallow_clone).unwrap_or_else(Zval::null)
                }
            })
        })
    }
}

/// `$options['sink']`: a path (string) or a stream resource.
pub fn sink_arg(zv: &Zval) -> Result<Sink, PhpException> {
    let zv = zv.dereference();
    if let Some(s) = zv.str() {
        if s.is_empty() {
            return Err(invalid("options[sink]: an empty path"));
        }
        return Ok(Sink::Path(s.to_owned()));
    }
    if zv.is_resource() {
        return Ok(Sink::Resource(zv.shallow_clone()));
    }
    Err(crate::errors::type_error(format!(
        "options[sink] must be a file path or a stream resource, {} given",
        zv.get_type()
    )))
}
