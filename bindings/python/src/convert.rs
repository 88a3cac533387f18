//! Python values → the core's inputs: JSON values (options, JSON bodies), bytes, times.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::errors::{invalid, wrong_type};

/// Deepest nesting converted (a self-referencing list would otherwise recurse forever).
const MAX_DEPTH: usize = 128;

/// How `bytes` values convert.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BytesAs {
    /// As UTF-8 text (options: PEM given as bytes).
    Text,
    /// Refused with `TypeError` (JSON bodies, like `json.dumps`).
    Refused,
}

/// Converts a Python value to JSON: None, bool, int, float, str, os.PathLike, list/tuple,
/// mapping with str keys (and bytes as text when `bytes` is [`BytesAs::Text`]).
pub fn to_json(what: &str, obj: &Bound<'_, PyAny>, bytes: BytesAs) -> PyResult<Value> {
    to_json_at(what, obj, bytes, 0)
}

fn to_json_at(what: &str, obj: &Bound<'_, PyAny>, bytes: BytesAs, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(invalid(format!("{what}: nested more than {MAX_DEPTH} levels deep (a circular reference?)")));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(invalid(format!("{what}: the integer {obj} is out of range")));
    }
    if obj.is_instance_of::<PyFloat>() {
        let f: f64 = obj.extract()?;
        return Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| invalid(format!("{what}: {f} is not a finite number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
        if bytes == BytesAs::Refused {
            return Err(wrong_type(what, "JSON-serializable data (bytes are not)", obj));
        }
        let data: Vec<u8> = obj.extract()?;
        return String::from_utf8(data)
            .map(Value::String)
            .map_err(|_| invalid(format!("{what}: bytes that are not UTF-8 text (pass PEM, or a file path)")));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for item in obj.try_iter()? {
            out.push(to_json_at(what, &item?, bytes, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if obj.is_instance_of::<PyDict>() || obj.cast::<PyMapping>().is_ok() {
        let mut out = Map::new();
        for item in obj.call_method0("items")?.try_iter()? {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
            let key = match k.cast::<PyString>() {
                Ok(s) => s.to_cow()?.into_owned(),
                Err(_) => return Err(wrong_type(&format!("{what} key"), "str", &k)),
            };
            let value = to_json_at(&format!("{what}[{key:?}]"), &v, bytes, depth + 1)?;
            out.insert(key, value);
        }
        return Ok(Value::Object(out));
    }
    if obj.hasattr("__fspath__")? {
        let path = obj.py().import("os")?.call_method1("fspath", (obj,))?;
        return to_json_at(what, &path, BytesAs::Text, depth + 1);
    }
    Err(wrong_type(what, "None, bool, int, float, str, list, tuple, dict or a path", obj))
}

/// JSON → Python (for `Response.json()`).
pub fn from_json<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for i in items {
                list.append(from_json(py, i)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, from_json(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Binary or text input (PEM text, DER bytes): `bytes`, `bytearray`, `memoryview` or `str`.
pub fn data(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
        return obj.extract();
    }
    if obj.hasattr("tobytes")? {
        // memoryview and other buffers
        if let Ok(b) = obj.call_method0("tobytes").and_then(|b| b.extract::<Vec<u8>>()) {
            return Ok(b);
        }
    }
    Err(wrong_type(what, "bytes or str", obj))
}

/// Calls `f` with the bytes of binary or text input (as [`data`] accepts), borrowing a `bytes`
/// object's buffer instead of copying it.
pub fn with_data<R>(what: &str, obj: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(f(b.as_bytes()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(f(s.to_cow()?.as_bytes()));
    }
    data(what, obj).map(|d| f(&d))
}

/// Input at least this large is parsed without the GIL; smaller input is parsed with it held
/// (releasing it costs more than the work, and with other threads waiting for the GIL, getting
/// it back can take a whole switch interval).
pub const DETACH_INPUT_BYTES: usize = 64 * 1024;

/// A point in time: an aware `datetime`, or Unix seconds (int/float) → Unix seconds.
pub fn unix_time(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    if obj.is_instance_of::<PyBool>() {
        return Err(wrong_type(what, "a datetime or Unix seconds", obj));
    }
    if obj.is_instance_of::<PyInt>() {
        return obj.extract::<i64>().map_err(|_| invalid(format!("{what}: {obj} is out of range")));
    }
    let secs: f64 = if obj.is_instance_of::<PyFloat>() {
        obj.extract()?
    } else if obj.hasattr("timestamp")? && obj.hasattr("tzinfo")? {
        if obj.getattr("tzinfo")?.is_none() {
            return Err(invalid(format!(
                "{what}: a naive datetime is ambiguous; pass an aware one (tzinfo=timezone.utc)"
            )));
        }
        obj.call_method0("timestamp")?.extract()?
    } else {
        return Err(wrong_type(what, "a datetime or Unix seconds", obj));
    };
    if !secs.is_finite() || secs.abs() > 1e15 {
        return Err(invalid(format!("{what}: {secs} is not a valid time")));
    }
    Ok(secs.floor() as i64)
}

/// Unix seconds → an aware UTC `datetime`.
pub fn datetime<'py>(py: Python<'py>, unix: i64) -> PyResult<Bound<'py, PyAny>> {
    // The epoch (aware, UTC) and `timedelta`, looked up once.
    static EPOCH: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();
    let (epoch, timedelta) = EPOCH.get_or_try_init(py, || -> PyResult<_> {
        let dt = py.import("datetime")?;
        let utc = dt.getattr("timezone")?.getattr("utc")?;
        // fromtimestamp(0) + timedelta covers the years before 1970 on every platform.
        let epoch = dt.getattr("datetime")?.call_method1("fromtimestamp", (0, utc))?;
        Ok((epoch.unbind(), dt.getattr("timedelta")?.unbind()))
    })?;
    let delta = timedelta.bind(py).call1((0, unix))?;
    epoch.bind(py).add(delta)
}

/// A float number of seconds (not bool) → f64.
pub fn seconds(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    if obj.is_instance_of::<PyBool>() || !(obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>()) {
        return Err(wrong_type(what, "a number of seconds", obj));
    }
    obj.extract::<f64>()
}

/// An options mapping → JSON for a core `from_json`, with `at` (a datetime or Unix seconds)
/// given separately and added as Unix seconds.
pub fn options_json(options: Option<&Bound<'_, PyAny>>, at: Option<&Bound<'_, PyAny>>) -> PyResult<Value> {
    let mut json = match options {
        Some(o) => to_json("options", o, BytesAs::Text)?,
        None => Value::Null,
    };
    if let Some(at) = at.filter(|a| !a.is_none()) {
        let secs = unix_time("at", at)?;
        match &mut json {
            Value::Object(map) => {
                map.insert("at".to_owned(), Value::from(secs));
            }
            Value::Null => json = serde_json::json!({ "at": secs }),
            _ => {} // not a mapping: the core's from_json refuses it
        }
    }
    Ok(json)
}
