//! PHP values ↔ the core's inputs and outputs: JSON values (options, JSON bodies), bytes,
//! times, and the php.ini defaults.

use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use ext_php_rs::zend::{ClassEntry, ExecutorGlobals};
use serde_json::{Map, Number, Value};

use crate::errors::{internal, invalid, type_error};

/// Deepest nesting converted (a self-referencing array would otherwise recurse forever).
const MAX_DEPTH: usize = 128;

/// Converts a PHP value to JSON: null, bool, int, float, string, list (→ array), other arrays
/// (→ object), `DateTimeInterface` (→ Unix seconds), `JsonSerializable`, `stdClass`.
///
/// Strings must be UTF-8 (JSON text); binary data is refused with `INVALID_ARGUMENT`.
pub fn to_json(what: &str, zv: &Zval) -> Result<Value, PhpException> {
    to_json_at(what, zv, 0)
}

fn to_json_at(what: &str, zv: &Zval, depth: usize) -> Result<Value, PhpException> {
    if depth > MAX_DEPTH {
        return Err(invalid(format!("{what}: nested more than {MAX_DEPTH} levels deep (a circular reference?)")));
    }
    let zv = zv.dereference();
    if zv.is_null() {
        return Ok(Value::Null);
    }
    if let Some(b) = zv.bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(i) = zv.long() {
        return Ok(Value::from(i));
    }
    if let Some(f) = zv.double() {
        return Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| invalid(format!("{what}: {f} is not a finite number")));
    }
    if let Some(s) = zv.zend_str() {
        return match s.as_str() {
            Ok(s) => Ok(Value::String(s.to_owned())),
            Err(_) => Err(invalid(format!("{what}: the string is not valid UTF-8"))),
        };
    }
    if let Some(ht) = zv.array() {
        return array_to_json(what, ht, depth);
    }
    if let Some(obj) = zv.object() {
        if let Some(dt) = ClassEntry::try_find("DateTimeInterface")
            && obj.instance_of(dt)
        {
            let ts = zv.try_call_method("getTimestamp", vec![]).map_err(internal)?;
            return Ok(Value::from(ts.long().unwrap_or_default()));
        }
        if let Some(js) = ClassEntry::try_find("JsonSerializable")
            && obj.instance_of(js)
        {
            let inner = zv.try_call_method("jsonSerialize", vec![]).map_err(internal)?;
            return to_json_at(what, &inner, depth + 1);
        }
        if obj.get_class_name().map(|n| n == "stdClass").unwrap_or(false) {
            let props = obj.get_properties().map_err(internal)?;
            let mut out = Map::new();
            for (k, v) in props.iter() {
                out.insert(key_string(&k), to_json_at(&format!("{what}.{}", key_string(&k)), v, depth + 1)?);
            }
            return Ok(Value::Object(out));
        }
        let class = obj.get_class_name().unwrap_or_default();
        return Err(type_error(format!("{what}: an object of class {class} cannot be converted")));
    }
    Err(type_error(format!("{what}: a value of type {} cannot be converted", zv.get_type())))
}

fn key_string(k: &ArrayKey<'_>) -> String {
    match k {
        ArrayKey::Long(i) => i.to_string(),
        ArrayKey::String(s) => s.clone(),
        ArrayKey::Str(s) => (*s).to_owned(),
        ArrayKey::ZendString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
    }
}

/// A list (keys 0..n in order) becomes a JSON array, anything else an object. The empty
/// array is ambiguous in PHP; it becomes `[]`.
fn array_to_json(what: &str, ht: &ZendHashTable, depth: usize) -> Result<Value, PhpException> {
    if ht.has_sequential_keys() {
        let mut out = Vec::with_capacity(ht.len());
        for (i, v) in ht.values().enumerate() {
            out.push(to_json_at(&format!("{what}[{i}]"), v, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    let mut out = Map::new();
    for (k, v) in ht.iter() {
        let key = key_string(&k);
        let value = to_json_at(&format!("{what}[{key}]"), v, depth + 1)?;
        out.insert(key, value);
    }
    Ok(Value::Object(out))
}

/// An options array → a JSON object for the core's `from_json`. `null` and `[]` values mean
/// "not given" (PHP cannot tell an empty list from an empty mapping) and are left out, so the
/// core applies its default or the php.ini default applies.
pub fn options_to_json(what: &str, options: Option<&ZendHashTable>) -> Result<Map<String, Value>, PhpException> {
    let mut out = Map::new();
    let Some(ht) = options else {
        return Ok(out);
    };
    if !ht.is_empty() && ht.has_sequential_keys() {
        return Err(invalid(format!("{what}: options must be an array of option names to values, not a list")));
    }
    for (k, v) in ht.iter() {
        let key = match k {
            ArrayKey::Long(i) => return Err(invalid(format!("{what}: {i} is not an option name"))),
            other => key_string(&other),
        };
        let v = v.dereference();
        if v.is_null() || v.array().is_some_and(|a| a.is_empty()) {
            continue;
        }
        out.insert(key.clone(), to_json(&format!("{what}[{key}]"), v)?);
    }
    Ok(out)
}

/// The php.ini settings that give defaults to every client, verify_chain, inspect and
/// trust_report: `(option name, ini name, is a number)`.
const INI_DEFAULTS: &[(&str, &str, bool)] = &[
    ("roots", "tlsguard.roots", false),
    ("ca_file", "tlsguard.ca_file", false),
    ("timeout", "tlsguard.timeout", true),
];

/// The php.ini defaults among `names`, as JSON (non-empty settings only). A number that does
/// not parse is passed on as text, so the core reports it.
pub fn ini_defaults(names: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    let values = ExecutorGlobals::get().ini_values();
    for (opt, ini, numeric) in INI_DEFAULTS {
        if !names.contains(opt) {
            continue;
        }
        if let Some(Some(v)) = values.get(*ini) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let value = if *numeric {
                v.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(format!("{v} (php.ini {ini})")))
            } else {
                Value::String(v.to_owned())
            };
            out.insert((*opt).to_owned(), value);
        }
    }
    out
}

/// php.ini defaults for `names`, then the caller's options over them.
pub fn merged_options(what: &str, options: Option<&ZendHashTable>, ini_names: &[&str]) -> Result<Value, PhpException> {
    let mut merged = ini_defaults(ini_names);
    for (k, v) in options_to_json(what, options)? {
        merged.insert(k, v);
    }
    Ok(Value::Object(merged))
}

/// JSON → PHP (objects become associative arrays, like `json_decode($s, true)`).
pub fn json_to_zval(v: &Value) -> Result<Zval, PhpException> {
    let mut zv = Zval::new();
    match v {
        Value::Null => zv.set_null(),
        Value::Bool(b) => zv.set_bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                zv.set_long(i);
            } else {
                zv.set_double(n.as_f64().unwrap_or(f64::NAN));
            }
        }
        Value::String(s) => zv.set_string(s, false).map_err(internal)?,
        Value::Array(items) => {
            let mut ht = ZendHashTable::with_capacity(items.len().min(u32::MAX as usize) as u32);
            for i in items {
                ht.push(json_to_zval(i)?).map_err(internal)?;
            }
            zv.set_hashtable(ht);
        }
        Value::Object(map) => {
            let mut ht = ZendHashTable::with_capacity(map.len().min(u32::MAX as usize) as u32);
            for (k, v) in map {
                ht.insert(k.as_str(), json_to_zval(v)?).map_err(internal)?;
            }
            zv.set_hashtable(ht);
        }
    }
    Ok(zv)
}

/// A binary-safe PHP string.
pub fn binary_zval(bytes: &[u8]) -> Zval {
    let mut zv = Zval::new();
    zv.set_binary(bytes.to_vec());
    zv
}

/// A `DateTimeImmutable` at `unix` seconds (UTC).
pub fn datetime(unix: i64) -> Result<Zval, PhpException> {
    let class = ClassEntry::try_find("DateTimeImmutable").ok_or_else(|| internal("DateTimeImmutable is missing"))?;
    let obj = class.new();
    obj.try_call_method("__construct", vec![&format!("@{unix}")]).map_err(internal)?;
    obj.into_zval(false).map_err(internal)
}

/// A PHP list of strings.
pub fn string_list<S: AsRef<str>>(items: &[S]) -> Result<Zval, PhpException> {
    let mut ht = ZendHashTable::with_capacity(items.len().min(u32::MAX as usize) as u32);
    for i in items {
        ht.push(i.as_ref()).map_err(internal)?;
    }
    let mut zv = Zval::new();
    zv.set_hashtable(ht);
    Ok(zv)
}

/// Builder of PHP associative arrays (reports, findings).
pub struct Assoc(ext_php_rs::boxed::ZBox<ZendHashTable>);

impl Assoc {
    /// An empty array.
    pub fn new() -> Self {
        Self(ZendHashTable::new())
    }

    /// Sets `key` to `value`.
    pub fn set(mut self, key: &str, value: impl IntoZval) -> Result<Self, PhpException> {
        self.0.insert(key, value).map_err(internal)?;
        Ok(self)
    }

    /// The array as a zval.
    pub fn into_zval(self) -> Zval {
        let mut zv = Zval::new();
        zv.set_hashtable(self.0);
        zv
    }
}
