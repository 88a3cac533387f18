//! The one mapping of tlsguard errors to Python exceptions.
//!
//! The exception classes are plain Python classes in `tlsguard/exceptions.py` (so they pickle,
//! subclass builtins like `TimeoutError`, and show normal tracebacks); this file picks the class
//! by the error's [`Category`] and fills in `code`, `hint`, `chain`, `url`, `detail`, and the
//! core's `source()` chain as `__cause__`.

use pyo3::exceptions::{PyException, PyOSError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList};
use tlsguard::{Category, Code, Detail, Error, Fact};

use crate::cert::Certificate;

/// The module that defines the classes.
const EXCEPTIONS_MODULE: &str = "tlsguard.exceptions";

/// Category → exception class name: the one table. `tests/test_errors.py` checks every code of
/// `tests/errors.json` against it.
pub fn class_name(category: Category) -> &'static str {
    match category {
        Category::Certificate => "CertificateError",
        Category::Tls => "TLSHandshakeError",
        Category::Network => "NetworkError",
        Category::Timeout => "RequestTimeout",
        Category::Policy => "PolicyError",
        Category::Http => "HTTPProtocolError",
        Category::InvalidInput => "InvalidInput",
        Category::Internal => "InternalError",
        // `Category` is #[non_exhaustive]: a category added to the core is still a
        // TlsGuardError until it is mapped above (the errors.json parity test then fails).
        _ => "TlsGuardError",
    }
}

/// The class of `err`: its category's, except `HTTP_STATUS`, whose `HTTPStatusError` (an
/// `HTTPProtocolError`) also carries the response, like requests' `HTTPError`.
pub fn class_for(err: &Error) -> &'static str {
    match err.code() {
        tlsguard::Code::HttpStatus => "HTTPStatusError",
        _ => class_name(err.category()),
    }
}

/// Every class [`class_for`] can name, looked up in `tlsguard.exceptions` once per process.
const CLASSES: &[&str] = &[
    "TlsGuardError",
    "CertificateError",
    "TLSHandshakeError",
    "NetworkError",
    "RequestTimeout",
    "PolicyError",
    "HTTPProtocolError",
    "HTTPStatusError",
    "InvalidInput",
    "InternalError",
];

/// The class named `name` (one of [`CLASSES`]).
fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    static BOUND: PyOnceLock<Vec<(&'static str, Py<PyAny>)>> = PyOnceLock::new();
    let classes = BOUND.get_or_try_init(py, || -> PyResult<_> {
        let module = py.import(EXCEPTIONS_MODULE)?;
        CLASSES.iter().map(|n| Ok((*n, module.getattr(*n)?.unbind()))).collect()
    })?;
    let found = classes.iter().find(|(n, _)| *n == name).map(|(_, c)| c.bind(py).clone());
    found.ok_or_else(|| PyTypeError::new_err(format!("tlsguard.exceptions has no class {name}")))
}

/// The detail as a dict (snake_case keys; times as aware UTC `datetime`s, like
/// `Certificate.not_after`).
pub fn detail_dict<'py>(py: Python<'py>, detail: &Detail) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in detail.fields() {
        match value {
            Fact::Text(t) => dict.set_item(key, t)?,
            Fact::Texts(l) => dict.set_item(key, l.to_vec())?,
            Fact::Time(t) => dict.set_item(key, crate::convert::datetime(py, t)?)?,
            _ => dict.set_item(key, py.None())?,
        }
    }
    Ok(dict)
}

/// The Python exception for one error of a `source()` chain: a tlsguard error its own class,
/// an I/O error `OSError` (with `errno` when the OS gave one), anything else `Exception`; each
/// with its own source as `__cause__`.
fn cause_instance<'py>(py: Python<'py>, cause: &(dyn std::error::Error + 'static)) -> PyResult<Bound<'py, PyAny>> {
    if let Some(ours) = cause.downcast_ref::<Error>() {
        return exception_instance(py, ours);
    }
    let text = tlsguard::display_safe(&cause.to_string()).into_owned();
    let instance = match cause.downcast_ref::<std::io::Error>().and_then(std::io::Error::raw_os_error) {
        Some(errno) => PyOSError::new_err((errno, text)),
        None if cause.is::<std::io::Error>() => PyOSError::new_err(text),
        None => PyException::new_err(text),
    };
    let instance = instance.into_value(py).into_bound(py).into_any();
    if let Some(next) = cause.source() {
        instance.setattr("__cause__", cause_instance(py, next)?)?;
    }
    Ok(instance)
}

/// The exception instance for `err` (not raised).
pub fn exception_instance<'py>(py: Python<'py>, err: &Error) -> PyResult<Bound<'py, PyAny>> {
    let class = class(py, class_for(err))?;
    let chain = PyList::empty(py);
    for c in err.chain() {
        chain.append(Certificate::from(c.clone()))?;
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", err.code().as_str())?;
    kwargs.set_item("category", err.category().as_str())?;
    kwargs.set_item("message", err.message())?;
    kwargs.set_item("hint", err.hint())?;
    kwargs.set_item("url", err.url())?;
    kwargs.set_item("chain", chain)?;
    kwargs.set_item("trust_sources", err.trust_sources().to_vec())?;
    if let Some(detail) = err.detail() {
        kwargs.set_item("detail", detail_dict(py, detail)?)?;
    }
    let instance = class.call((err.to_string(),), Some(&kwargs))?;
    if let Some(source) = std::error::Error::source(err) {
        instance.setattr("__cause__", cause_instance(py, source)?)?;
    }
    Ok(instance)
}

/// The Python exception to raise for `err`.
pub fn to_pyerr(err: &Error) -> PyErr {
    Python::attach(|py| match exception_instance(py, err) {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e, // tlsguard.exceptions could not be imported: raise that instead
    })
}

/// `tlsguard::Result<T>` → `PyResult<T>`.
pub trait IntoPyResult<T> {
    /// Converts the error with [`to_pyerr`].
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for tlsguard::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(|e| to_pyerr(&e))
    }
}

/// Runs core work with the GIL released; a panic in it becomes an `INTERNAL` error
/// (`InternalError`) instead of unwinding into Python.
pub fn run<T: Send>(py: Python<'_>, f: impl FnOnce() -> tlsguard::Result<T> + Send) -> PyResult<T> {
    py.detach(|| catch(f)).py()
}

/// Calls `f`, turning a panic into the core's `INTERNAL` error.
pub fn catch<T>(f: impl FnOnce() -> tlsguard::Result<T>) -> tlsguard::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| Err(Error::from_panic(&*p)))
}

/// An `INVALID_ARGUMENT` error for input the binding cannot convert at all.
pub fn invalid(message: impl Into<String>) -> PyErr {
    to_pyerr(&Error::new(Code::InvalidArgument, message))
}

/// A `TypeError` naming the argument and what it accepts.
pub fn wrong_type(what: &str, expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
    let got = got.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".to_owned());
    PyTypeError::new_err(format!("{what}: expected {expected}, got {got}"))
}

/// The exception instance of an error with `code` and the code's default message (for the
/// error-table parity test); `None` for an unknown code.
#[pyfunction]
pub fn _exception_for_code(py: Python<'_>, code: &str) -> PyResult<Option<Py<PyAny>>> {
    match Code::from_name(code) {
        Some(c) => Ok(Some(exception_instance(py, &Error::new(c, c.summary()))?.unbind())),
        None => Ok(None),
    }
}

/// Every code the core knows, in the order of `tests/errors.json`.
#[pyfunction]
pub fn _codes() -> Vec<&'static str> {
    Code::ALL.iter().map(|c| c.as_str()).collect()
}

/// Panics (to test that a Rust panic surfaces as a Python exception, not a crash): inside
/// core work (`detached`: `InternalError`, code `INTERNAL`) or in the glue itself (pyo3's
/// `PanicException`).
#[pyfunction]
pub fn _panic_for_test(py: Python<'_>, detached: bool) -> PyResult<()> {
    if detached {
        return run(py, || -> tlsguard::Result<()> { panic!("tlsguard test panic (GIL released)") });
    }
    panic!("tlsguard test panic");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Category` is non-exhaustive, so `class_name` has a fallback arm; this fails as soon as
    /// a code of a category without its own class appears in the core.
    #[test]
    fn every_code_has_a_category_class() {
        for code in Code::ALL {
            assert!(CLASSES.contains(&class_name(code.category())), "{code}: class not in CLASSES");
            assert_ne!(
                class_name(code.category()),
                "TlsGuardError",
                "{}: category {:?} has no class",
                code,
                code.category()
            );
        }
    }
}
