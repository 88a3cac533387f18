//! The one mapping of tlsguard errors to PHP exceptions.
//!
//! The classes are registered by hand (not `#[php_class]`) so they keep PHP's own exception
//! object handler: `getFile()`, `getLine()` and `getTrace()` point at the PHP caller, and PHP
//! subclasses (the PSR-18 adapter's) inherit every method. The data (`errorCode`, `hint`,
//! `chain`, `url`, `trustSources`, `category`, `detail`) lives in protected properties that the
//! constructor sets; the getters read them. The core's `source()` chain becomes PHP's
//! `$previous` (`getPrevious()`).

use std::panic::AssertUnwindSafe;

use ext_php_rs::args::Arg;
use ext_php_rs::builders::{ClassBuilder, ClassProperty, FunctionBuilder};
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
use ext_php_rs::flags::{DataType, MethodFlags, PropertyFlags};
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::{ClassEntry, ExecuteData, ce, run_handler};
use tlsguard::{Category, Code, Error, Fact};

use crate::cert::certificate_zval;

/// The base class of every tlsguard exception.
pub const BASE: &str = "TlsGuard\\TlsGuardException";

/// Category → exception class: the one table. `php/tests/ErrorsTest.php` checks every code of
/// `tests/errors.json` against it.
pub fn class_name(category: Category) -> &'static str {
    match category {
        Category::Certificate => "TlsGuard\\CertificateException",
        Category::Tls => "TlsGuard\\TlsException",
        Category::Network => "TlsGuard\\NetworkException",
        Category::Timeout => "TlsGuard\\TimeoutException",
        Category::Policy => "TlsGuard\\PolicyException",
        Category::Http => "TlsGuard\\HttpException",
        Category::InvalidInput => "TlsGuard\\InvalidArgumentException",
        Category::Internal => "TlsGuard\\InternalException",
        // `Category` is #[non_exhaustive]: a category added to the core is still a
        // TlsGuardException until it is mapped above (the errors.json parity test then fails).
        _ => BASE,
    }
}

/// The class of an `HTTP_STATUS` error without a response at hand (`error_from_code`): the
/// base of Guzzle's two, named in `TlsGuard\` (the PSR-18 adapter has its own
/// `ClientException`).
pub const BAD_RESPONSE: &str = "TlsGuard\\BadResponseException";
/// `http_errors` on a 4xx response (Guzzle's `ClientException`).
pub const CLIENT_ERROR: &str = "TlsGuard\\ClientException";
/// `http_errors` on a 5xx response (Guzzle's `ServerException`).
pub const SERVER_ERROR: &str = "TlsGuard\\ServerException";

/// The class of `err`: its category's, except `HTTP_STATUS` (Guzzle's class tree:
/// `BadResponseException` and, by status, `ClientException` or `ServerException`, all
/// `HttpException`s).
fn class_for(err: &Error, status: Option<u16>) -> &'static str {
    match (err.code(), status) {
        (Code::HttpStatus, Some(s)) if (400..500).contains(&s) => CLIENT_ERROR,
        (Code::HttpStatus, Some(s)) if (500..600).contains(&s) => SERVER_ERROR,
        (Code::HttpStatus, _) => BAD_RESPONSE,
        _ => class_name(err.category()),
    }
}

/// Every subclass, for registration: [`class_name`] of each category of a code, once each.
fn subclasses() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for code in Code::ALL {
        let name = class_name(code.category());
        if name != BASE && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The detail as an array with snake_case keys; times as Unix seconds, like
/// `Certificate::toArray()`.
fn detail_zval(err: &Error) -> Result<Zval, PhpException> {
    let Some(detail) = err.detail() else { return Ok(Zval::null()) };
    let mut table = ZendHashTable::new();
    for (key, value) in detail.fields() {
        let zv = match value {
            Fact::Text(t) => t.into_zval(false).map_err(internal)?,
            Fact::Texts(l) => crate::convert::string_list(l)?,
            Fact::Time(t) => t.into_zval(false).map_err(internal)?,
            _ => Zval::null(),
        };
        table.insert(key, zv).map_err(internal)?;
    }
    let mut zv = Zval::new();
    zv.set_hashtable(table);
    Ok(zv)
}

/// The PHP exception for one error of a `source()` chain (its own source as its previous): a
/// tlsguard error its own class, anything else a plain `\Exception` whose code is the OS
/// error number of an I/O error (0 otherwise).
fn cause_zval(cause: &(dyn std::error::Error + 'static)) -> Result<Zval, PhpException> {
    if let Some(ours) = cause.downcast_ref::<Error>() {
        return exception_zval(ours);
    }
    let obj = ce::exception().new();
    let errno = cause.downcast_ref::<std::io::Error>().and_then(std::io::Error::raw_os_error).unwrap_or(0);
    let text = tlsguard::display_safe(&cause.to_string()).into_owned();
    obj.try_call_method("__construct", vec![&text, &i64::from(errno)]).map_err(internal)?;
    let mut zv = obj.into_zval(false).map_err(internal)?;
    if let Some(next) = cause.source() {
        set_previous(&mut zv, cause_zval(next)?)?;
    }
    Ok(zv)
}

/// Sets the private `\Exception::$previous` of `exception` (what `getPrevious()` returns),
/// through `ReflectionProperty`, which may write it from outside the class.
fn set_previous(exception: &mut Zval, previous: Zval) -> Result<(), PhpException> {
    set_by_reflection(exception, "Exception", "previous", previous)
}

/// Sets the non-public property `class::$name` of `object` through `ReflectionProperty`.
fn set_by_reflection(object: &Zval, class: &str, name: &str, value: Zval) -> Result<(), PhpException> {
    let reflection = class_entry("ReflectionProperty")?.new();
    reflection.try_call_method("__construct", vec![&class.to_owned(), &name.to_owned()]).map_err(internal)?;
    reflection.try_call_method("setValue", vec![object, &value]).map_err(internal)?;
    Ok(())
}

/// The exception object for `err` (not thrown): PHP's exception constructor runs, so file,
/// line and trace are the PHP caller's.
pub fn exception_zval(err: &Error) -> Result<Zval, PhpException> {
    exception_zval_for(err, None)
}

/// The exception for a response refused by `http_errors`: `err` is the core's `HTTP_STATUS`
/// error for it (`ResponseHead::error_for_status`), `response` the `TlsGuard\Response`, which
/// `getResponse()` returns.
pub fn status_exception_zval(err: &Error, status: u16, response: Zval) -> Result<Zval, PhpException> {
    let zv = exception_zval_for(err, Some(status))?;
    set_by_reflection(&zv, BAD_RESPONSE, "response", response)?;
    Ok(zv)
}

/// [`status_exception_zval`], thrown.
pub fn status_exception(err: &Error, status: u16, response: Zval) -> PhpException {
    match status_exception_zval(err, status, response) {
        Ok(zv) => PhpException::new(err.to_string(), 0, ce::exception()).with_object(zv),
        Err(e) => e,
    }
}

fn exception_zval_for(err: &Error, status: Option<u16>) -> Result<Zval, PhpException> {
    let class = class_entry(class_for(err, status))?;
    let obj = class.new();
    let mut chain = ZendHashTable::new();
    for c in err.chain() {
        chain.push(certificate_zval(c.clone())?).map_err(internal)?;
    }
    let mut chain_zv = Zval::new();
    chain_zv.set_hashtable(chain);
    let trust: Vec<String> = err.trust_sources().to_vec();
    let mut trust_zv = Zval::new();
    trust_zv.set_array(trust).map_err(internal)?;
    let url: Option<String> = err.url().map(str::to_owned);
    let mut url_zv = Zval::new();
    match url {
        Some(u) => url_zv.set_string(&u, false).map_err(internal)?,
        None => url_zv.set_null(),
    }
    let message = err.to_string();
    let detail_zv = detail_zval(err)?;
    obj.try_call_method(
        "__construct",
        vec![
            &message,
            &err.code().as_str().to_owned(),
            &err.hint().to_owned(),
            &chain_zv,
            &url_zv,
            &trust_zv,
            &err.category().as_str().to_owned(),
            &detail_zv,
        ],
    )
    .map_err(internal)?;
    let mut zv = obj.into_zval(false).map_err(internal)?;
    if let Some(source) = std::error::Error::source(err) {
        set_previous(&mut zv, cause_zval(source)?)?;
    }
    Ok(zv)
}

/// The PHP exception to throw for `err`.
pub fn to_php(err: &Error) -> PhpException {
    match exception_zval(err) {
        Ok(zv) => PhpException::new(err.to_string(), 0, ce::exception()).with_object(zv),
        Err(e) => e,
    }
}

/// `Result<T, tlsguard::Error>` → `PhpResult<T>`.
pub trait OrThrow<T> {
    /// Maps the error through [`to_php`].
    fn or_throw(self) -> Result<T, PhpException>;
}

impl<T> OrThrow<T> for tlsguard::Result<T> {
    fn or_throw(self) -> Result<T, PhpException> {
        self.map_err(|e| to_php(&e))
    }
}

/// A `TlsGuard\InvalidArgumentException` with code `INVALID_ARGUMENT`.
pub fn invalid(message: impl Into<String>) -> PhpException {
    to_php(&Error::new(Code::InvalidArgument, message))
}

/// A PHP `TypeError`.
pub fn type_error(message: impl Into<String>) -> PhpException {
    PhpException::new(message.into(), 0, ce::type_error())
}

/// An internal failure of the glue (a PHP `Error`).
pub fn internal(e: impl std::fmt::Display) -> PhpException {
    PhpException::new(format!("tlsguard: internal error: {e}"), 0, ce::error())
}

fn class_entry(name: &str) -> Result<&'static ClassEntry, PhpException> {
    ClassEntry::try_find(name).ok_or_else(|| internal(format!("class {name} is not registered")))
}

/// Runs a binding entry point, turning a Rust panic into `TlsGuard\\InternalException`
/// (code `INTERNAL`), never an abort.
pub fn guard<T>(f: impl FnOnce() -> Result<T, PhpException>) -> Result<T, PhpException> {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        // The core's INTERNAL error: a TlsGuard\InternalException, and PHP goes on.
        Err(payload) => Err(to_php(&Error::from_panic(&*payload))),
    }
}

// ---- class registration (MINIT) ----

thread_local! {
    /// The base class entry, set by its registration callback and read while the subclasses
    /// are registered right after it (MINIT, one thread).
    static BASE_CE: std::cell::Cell<Option<&'static ClassEntry>> = const { std::cell::Cell::new(None) };
}

fn base_ce() -> &'static ClassEntry {
    BASE_CE.with(std::cell::Cell::get).unwrap_or_else(ce::exception)
}

fn keep_base(ce: &'static mut ClassEntry, tables: ext_php_rs::args::ArgInfoTables) {
    BASE_CE.with(|c| c.set(Some(ce)));
    std::mem::forget(tables);
}

const PROPS: &[&str] = &["errorCode", "hint", "chain", "url", "trustSources", "category", "detail"];

fn null_default() -> ext_php_rs::error::Result<Zval> {
    Ok(Zval::null())
}

/// Registers `TlsGuard\TlsGuardException` and its subclasses. Called from MINIT only.
pub fn register_classes() -> ext_php_rs::error::Result<()> {
    let mut base = ClassBuilder::new(BASE).extends((ce::exception, "\\Exception"));
    for p in PROPS {
        base = base.property(ClassProperty {
            name: (*p).to_owned(),
            flags: PropertyFlags::Protected,
            default: Some(Box::new(null_default)),
            docs: &[],
            ty: None,
            nullable: true,
            readonly: false,
            default_stub: Some("null".into()),
        });
    }
    let ctor = FunctionBuilder::new("__construct", construct)
        .arg(Arg::new("message", DataType::String).default("''"))
        .arg(Arg::new("errorCode", DataType::String).default("''"))
        .arg(Arg::new("hint", DataType::String).default("''"))
        .arg(Arg::new("chain", DataType::Array).default("[]"))
        .arg(Arg::new("url", DataType::String).allow_null().default("null"))
        .arg(Arg::new("trustSources", DataType::Array).default("[]"))
        .arg(Arg::new("category", DataType::String).default("''"))
        .arg(Arg::new("detail", DataType::Array).allow_null().default("null"))
        .not_required();
    base = base
        .method(ctor_required_zero(ctor), MethodFlags::Public)
        .method(
            FunctionBuilder::new("getErrorCode", get_error_code).returns(DataType::String, false, false),
            MethodFlags::Public,
        )
        .method(FunctionBuilder::new("getHint", get_hint).returns(DataType::String, false, false), MethodFlags::Public)
        .method(FunctionBuilder::new("getChain", get_chain).returns(DataType::Array, false, false), MethodFlags::Public)
        .method(FunctionBuilder::new("getUrl", get_url).returns(DataType::String, false, true), MethodFlags::Public)
        .method(
            FunctionBuilder::new("getTrustSources", get_trust_sources).returns(DataType::Array, false, false),
            MethodFlags::Public,
        )
        .method(
            FunctionBuilder::new("getCategory", get_category).returns(DataType::String, false, false),
            MethodFlags::Public,
        )
        .method(
            FunctionBuilder::new("getDetail", get_detail).returns(DataType::Array, false, true),
            MethodFlags::Public,
        )
        .registration(keep_base);
    base.register()?;
    for name in subclasses() {
        ClassBuilder::new(name).extends((base_ce, BASE)).registration(keep_class).register()?;
    }
    let response = ClassProperty {
        name: "response".to_owned(),
        flags: PropertyFlags::Protected,
        default: Some(Box::new(null_default)),
        docs: &[],
        ty: None,
        nullable: true,
        readonly: false,
        default_stub: Some("null".into()),
    };
    ClassBuilder::new(BAD_RESPONSE)
        .extends((http_exception_ce, "TlsGuard\\HttpException"))
        .property(response)
        .method(
            FunctionBuilder::new("getResponse", get_response).returns(DataType::Mixed, false, true),
            MethodFlags::Public,
        )
        .registration(keep_class)
        .register()?;
    for name in [CLIENT_ERROR, SERVER_ERROR] {
        ClassBuilder::new(name).extends((bad_response_ce, BAD_RESPONSE)).registration(keep_arg_info).register()?;
    }
    Ok(())
}

thread_local! {
    /// Classes registered so far (MINIT, one thread), for the parents of later ones: the class
    /// table cannot be searched by name before the engine has started.
    static REGISTERED: std::cell::RefCell<Vec<(&'static str, &'static ClassEntry)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn registered(name: &str) -> &'static ClassEntry {
    REGISTERED.with(|r| r.borrow().iter().find(|(n, _)| *n == name).map(|(_, ce)| *ce)).unwrap_or_else(base_ce)
}

/// Keeps the argument-info tables (as [`keep_arg_info`]) and the class entry, by name.
fn keep_class(ce: &'static mut ClassEntry, tables: ext_php_rs::args::ArgInfoTables) {
    std::mem::forget(tables);
    let ce: &'static ClassEntry = ce;
    let name = ce.name().unwrap_or_default();
    let name: &'static str =
        [BAD_RESPONSE, CLIENT_ERROR, SERVER_ERROR].into_iter().chain(subclasses()).find(|n| *n == name).unwrap_or("");
    REGISTERED.with(|r| r.borrow_mut().push((name, ce)));
}

fn http_exception_ce() -> &'static ClassEntry {
    registered(class_name(Category::Http))
}

fn bad_response_ce() -> &'static ClassEntry {
    registered(BAD_RESPONSE)
}

fn ctor_required_zero(f: FunctionBuilder<'static>) -> FunctionBuilder<'static> {
    f.required_args(0)
}

/// The engine points into the argument-info tables for the life of the process.
fn keep_arg_info(_ce: &'static mut ClassEntry, tables: ext_php_rs::args::ArgInfoTables) {
    std::mem::forget(tables);
}

const CTOR_ARGS: [&str; 8] = ["message", "errorCode", "hint", "chain", "url", "trustSources", "category", "detail"];

extern "C" fn construct(ex: &mut ExecuteData, _retval: &mut Zval) {
    run_handler(AssertUnwindSafe(|| {
        let args: Vec<Zval> = {
            let mut slots: Vec<Arg<'_>> = CTOR_ARGS.iter().map(|n| Arg::new(*n, DataType::Mixed)).collect();
            let mut parser = ex.parser().not_required();
            for s in slots.iter_mut() {
                parser = parser.arg(s);
            }
            if parser.parse().is_err() {
                return; // the engine already threw ArgumentCountError
            }
            slots.iter_mut().map(|s| s.zval().map(|z| z.shallow_clone()).unwrap_or_else(Zval::null)).collect()
        };
        let Some(this) = ex.get_self() else {
            return;
        };
        let text = |z: &Zval| if z.is_null() { String::new() } else { z.coerce_to_string().unwrap_or_default() };
        let results = [
            this.set_property("message", text(&args[0])),
            this.set_property("errorCode", text(&args[1])),
            this.set_property("hint", text(&args[2])),
            this.set_property("chain", if args[3].is_array() { args[3].shallow_clone() } else { Zval::new_array() }),
            this.set_property("url", if args[4].is_string() { args[4].shallow_clone() } else { Zval::null() }),
            this.set_property(
                "trustSources",
                if args[5].is_array() { args[5].shallow_clone() } else { Zval::new_array() },
            ),
            this.set_property("category", text(&args[6])),
            this.set_property("detail", if args[7].is_array() { args[7].shallow_clone() } else { Zval::null() }),
        ];
        for r in results {
            if let Err(e) = r {
                internal(e).throw();
                return;
            }
        }
    }));
}

fn read_prop(ex: &mut ExecuteData, retval: &mut Zval, name: &str, default: fn() -> Zval) {
    run_handler(AssertUnwindSafe(|| {
        let value = ex
            .get_self()
            .and_then(|this| this.get_property::<&Zval>(name).ok().map(Zval::shallow_clone))
            .filter(|z| !z.is_null())
            .unwrap_or_else(default);
        *retval = value;
    }));
}

fn empty_string() -> Zval {
    let mut z = Zval::new();
    let _ = z.set_string("", false);
    z
}

extern "C" fn get_error_code(ex: &mut ExecuteData, retval: &mut Zval) {
    read_prop(ex, retval, "errorCode", empty_string);
}
extern "C" fn get_hint(ex: &mut ExecuteData, retval: &mut Zval) {
    read_prop(ex, retval, "hint", empty_string);
}
extern "C" fn get_chain(ex: &mut ExecuteData, retval: &mut Zval) {
    read_prop(ex, retval, "chain", Zval::new_array);
}
extern "C" fn get_url(ex: &mut ExecuteData, retval: &mut Zval) {
    read_prop(ex, retval, "url", Zval::null);
}
extern "C" fn get_trust_sources(ex: &mut ExecuteData, retval: &mut Zval) {
    read_prop(ex, retval, "trustSources", Zval::new_array);
}
extern "C" fn get_category(ex: &mut ExecuteData, retval: &mut Zval) {
    read_prop(ex, retval, "category", empty_string);
}
extern "C" fn get_detail(ex: &mut ExecuteData, retval: &mut Zval) {
    read_prop(ex, retval, "detail", Zval::null);
}
extern "C" fn get_response(ex: &mut ExecuteData, retval: &mut Zval) {
    read_prop(ex, retval, "response", Zval::null);
}
