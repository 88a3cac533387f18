//! Request bodies Python gives as objects: a file object or an iterator (`content=`, requests'
//! `data=`), streamed through the core's `Request::body_reader`, and `files=` as the core's
//! `Multipart` (files on disk streamed from there).

use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyMapping, PyString, PyTuple};
use tlsguard::Multipart;

use crate::convert;
use crate::errors::{invalid, wrong_type};

/// How much a file object is asked for per `read()` (one GIL acquisition per piece).
const READ_SIZE: usize = 256 * 1024;

/// A body read from a Python file object (`read(n)`) or iterator (`next()`), as the core sends
/// it: on a blocking thread of the core's runtime, taking the GIL for each piece.
pub(crate) struct PyBodyReader {
    source: Py<PyAny>,
    file: bool,
    pending: Vec<u8>,
    pos: usize,
    done: bool,
}

impl std::io::Read for PyBodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.pos < self.pending.len() {
                let n = buf.len().min(self.pending.len() - self.pos);
                buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            let next = Python::attach(|py| -> PyResult<Option<Vec<u8>>> {
                let source = self.source.bind(py);
                if self.file {
                    let piece = source.call_method1("read", (READ_SIZE,))?;
                    let piece = convert::data("content: read()", &piece)?;
                    return Ok((!piece.is_empty()).then_some(piece));
                }
                match source.call_method0("__next__") {
                    Ok(item) => convert::data("content: an item", &item).map(Some),
                    Err(e) if e.is_instance_of::<PyStopIteration>(py) => Ok(None),
                    Err(e) => Err(e),
                }
            });
            match next {
                Ok(Some(piece)) => {
                    self.pending = piece;
                    self.pos = 0;
                }
                Ok(None) => self.done = true,
                Err(e) => return Err(std::io::Error::other(format!("the request body's source failed: {e}"))),
            }
        }
    }
}

/// Whether `obj` is a body given as bytes or text (not streamed).
fn is_buffer(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyByteArray>()
        || obj.is_instance_of::<PyString>()
        || obj.hasattr("tobytes").unwrap_or(false)
}

/// A file object (`read`) or an iterator of bytes as a streamed body, with its length when it
/// can be told without reading (a file's size from its position on); `None` for anything
/// else.
pub(crate) fn stream_body(obj: &Bound<'_, PyAny>) -> PyResult<Option<(PyBodyReader, Option<u64>)>> {
    let reader = |source: Bound<'_, PyAny>, file: bool| PyBodyReader {
        source: source.unbind(),
        file,
        pending: Vec::new(),
        pos: 0,
        done: false,
    };
    if is_buffer(obj)
        || obj.cast::<PyMapping>().is_ok()
        || obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>()
    {
        return Ok(None);
    }
    if obj.hasattr("read")? {
        return Ok(Some((reader(obj.clone(), true), file_length(obj))));
    }
    if obj.hasattr("__iter__")? {
        return Ok(Some((reader(obj.try_iter()?.into_any(), false), None)));
    }
    Ok(None)
}

/// What is left of a file object from its position: `fstat` of a regular file, else
/// `seek`/`tell` (and back); `None` when neither works.
fn file_length(obj: &Bound<'_, PyAny>) -> Option<u64> {
    let py = obj.py();
    let tell = || obj.call_method0("tell").and_then(|p| p.extract::<u64>()).ok();
    let on_disk = || -> PyResult<Option<u64>> {
        let os = py.import("os")?;
        let st = os.call_method1("fstat", (obj.call_method0("fileno")?,))?;
        let regular: bool = py.import("stat")?.call_method1("S_ISREG", (st.getattr("st_mode")?,))?.extract()?;
        Ok(regular.then(|| st.getattr("st_size").and_then(|s| s.extract::<u64>()).ok()).flatten())
    };
    if let Ok(Some(size)) = on_disk() {
        return tell().map(|pos| size.saturating_sub(pos));
    }
    let pos = tell()?;
    let end: u64 = obj.call_method1("seek", (0, 2)).and_then(|e| e.extract()).ok()?;
    obj.call_method1("seek", (pos,)).ok()?;
    Some(end.saturating_sub(pos))
}

/// The path of a file object opened on a file on disk at its start (then sent from the path,
/// streamed, its length known, resendable); `None` for anything else (then read into memory).
fn disk_path(obj: &Bound<'_, PyAny>) -> Option<String> {
    let name = obj.getattr("name").ok()?;
    let name = name.cast::<PyString>().ok()?.to_cow().ok()?.into_owned();
    let at_start = obj.call_method0("tell").and_then(|p| p.extract::<u64>()).ok() == Some(0);
    let readable = obj.call_method0("readable").and_then(|r| r.extract::<bool>()).unwrap_or(false);
    (at_start && readable && std::path::Path::new(&name).is_file()).then_some(name)
}

/// The base name of a file object's `name`, if it has a text one (httpx and requests use it).
fn file_name(obj: &Bound<'_, PyAny>) -> Option<String> {
    let name = obj.getattr("name").ok()?;
    let name = name.cast::<PyString>().ok()?.to_cow().ok()?.into_owned();
    std::path::Path::new(&name).file_name().map(|n| n.to_string_lossy().into_owned())
}

/// `files=` in requests' and httpx's shapes (a mapping or a list of `(name, value)`; a value is
/// a file object, bytes or text, or `(filename, value[, content_type])`), after the text fields
/// of `fields` (`data=` as a mapping or pairs), as the core's `Multipart`.
pub(crate) fn multipart(fields: Vec<(String, String)>, files: &Bound<'_, PyAny>) -> PyResult<Multipart> {
    let mut form = Multipart::new();
    for (name, value) in fields {
        form = form.text(name, value);
    }
    let items = if files.cast::<PyMapping>().is_ok() { files.call_method0("items")? } else { files.clone() };
    let iter = items.try_iter().map_err(|_| wrong_type("files", "a mapping or a list of (name, file) pairs", files))?;
    for item in iter {
        let item = item?;
        let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
            item.extract().map_err(|_| wrong_type("files", "(name, file) pairs", &item))?;
        let name = name.cast::<PyString>().map_err(|_| wrong_type("files name", "str", &name))?.to_cow()?.into_owned();
        let what = format!("files[{name:?}]");
        let (filename, content, content_type) = if let Ok(t) = value.cast::<PyTuple>() {
            if !(2..=3).contains(&t.len()) {
                return Err(invalid(format!(
                    "{what}: expected (filename, file) or (filename, file, content_type) (part headers are not taken)"
                )));
            }
            let first = t.get_item(0)?;
            let filename: Option<String> =
                first.extract().map_err(|_| wrong_type(&what, "a str or None file name", &first))?;
            let ct: Option<String> = if t.len() == 3 { t.get_item(2)?.extract()? } else { None };
            (Some(filename), t.get_item(1)?, ct)
        } else {
            (None, value, None)
        };
        // No file name given: the file's own, else "upload" (httpx's).
        let filename = match filename {
            Some(f) => f,
            None => Some(file_name(&content).unwrap_or_else(|| "upload".to_owned())),
        };
        if let Some(path) = disk_path(&content) {
            form = form.file(name, path, filename.as_deref(), content_type.as_deref());
            continue;
        }
        let data = if content.hasattr("read")? { content.call_method0("read")? } else { content };
        let data = convert::data(&what, &data).map_err(|_| wrong_type(&what, "a file object, bytes or str", &data))?;
        form = form.bytes(name, data, filename.as_deref(), content_type.as_deref());
    }
    Ok(form)
}
