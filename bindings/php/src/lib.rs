//! ext-php-rs glue of tlsguard's PHP extension (`tlsguard.so`).
//!
//! Converts PHP arguments to the core's inputs (option arrays → JSON for the core's
//! `from_json`, which validates them), results to PHP values, and errors to the exception
//! hierarchy of `errors.rs`. No logic lives here. Every entry point runs under
//! `errors::guard` (catch_unwind), so a Rust panic becomes a PHP `Error`, never an abort.
//!
//! Nothing is started in MINIT beyond registering the php.ini entries and the exception
//! classes: the core creates its runtime lazily, per process (PHP-FPM forks after MINIT).

use std::panic::catch_unwind;

use ext_php_rs::flags::IniEntryPermission;
use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;
use ext_php_rs::zend::{IniEntryDef, IniEntryDefs, ModuleEntry};
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

mod body;
mod cert;
mod chain;
mod client;
mod convert;
mod cookies;
mod errors;
mod guzzle;
mod inspect;
mod lint;
mod trust;

/// The extension's version (the workspace version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The rustls version compiled in (read from Cargo.lock at build time).
pub const RUSTLS_VERSION: &str = env!("TLSGUARD_RUSTLS_VERSION");

/// php.ini settings (PHP_INI_SYSTEM): defaults for every client, so operators configure trust
/// once. Empty means "the core's default".
static INI_ENTRIES: IniEntryDefs<4> = IniEntryDefs::new([
    IniEntryDef::new(c"tlsguard.roots", c"", IniEntryPermission::System),
    IniEntryDef::new(c"tlsguard.ca_file", c"", IniEntryPermission::System),
    IniEntryDef::new(c"tlsguard.timeout", c"", IniEntryPermission::System),
    IniEntryDef::end(),
]);

/// MINIT: php.ini entries, the exception classes, and the debug log's printer when
/// `TLSGUARD_LOG` is set (it writes to stderr as events happen: no thread). Nothing else (no
/// runtime, no thread).
extern "C" fn startup(_ty: i32, module_number: i32) -> i32 {
    let ok = catch_unwind(|| {
        tlsguard::log::init_from_env();
        IniEntryDef::register(INI_ENTRIES.as_slice(), module_number);
        errors::register_classes().is_ok()
    });
    if matches!(ok, Ok(true)) { 0 } else { -1 }
}

/// `php --ri tlsguard` / phpinfo().
extern "C" fn module_info(_module: *mut ModuleEntry) {
    let rows = catch_unwind(|| {
        let mut rows = vec![
            ("tlsguard support".to_owned(), "enabled".to_owned()),
            ("version".to_owned(), VERSION.to_owned()),
            ("rustls version".to_owned(), RUSTLS_VERSION.to_owned()),
            ("crypto provider".to_owned(), "aws-lc-rs".to_owned()),
            ("TLS versions".to_owned(), "TLS 1.2, TLS 1.3".to_owned()),
        ];
        let ini = convert::ini_defaults(trust::TRUST_INI);
        let trust = tlsguard::options::trust_options_from_json(&serde_json::Value::Object(ini))
            .and_then(|o| tlsguard::trust_report(&o));
        match trust {
            Ok(report) => {
                rows.push(("trust roots".to_owned(), report.roots.clone()));
                for (i, line) in report.summary_lines().into_iter().enumerate() {
                    rows.push((format!("trust source {}", i + 1), line));
                }
                rows.push(("trust anchors".to_owned(), report.total.to_string()));
            }
            Err(e) => rows.push(("trust sources".to_owned(), format!("error: {e}"))),
        }
        rows
    })
    .unwrap_or_else(|_| vec![("tlsguard".to_owned(), "internal error while collecting module info".to_owned())]);
    info_table_start!();
    for (k, v) in rows {
        let k = k.replace('\0', " ");
        let v = v.replace('\0', " ");
        info_table_row!(k.as_str(), v.as_str());
    }
    info_table_end!();
    // The settings themselves (tlsguard.roots, ...).
    display_ini();
}

fn display_ini() {
    // php_info_print_table of INI entries is DISPLAY_INI_ENTRIES() in C; ext-php-rs has no
    // binding for it, so show the values as rows.
    let values = ext_php_rs::zend::ExecutorGlobals::get().ini_values();
    info_table_start!();
    for name in ["tlsguard.roots", "tlsguard.ca_file", "tlsguard.timeout"] {
        let v = values.get(name).cloned().flatten().unwrap_or_default();
        let v = if v.is_empty() { "no value".to_owned() } else { v.replace('\0', " ") };
        info_table_row!(name, v.as_str());
    }
    info_table_end!();
}

/// The version of the extension.
#[php_function]
#[php(name = "TlsGuard\\version")]
pub fn version() -> String {
    VERSION.to_owned()
}

/// The rustls version compiled in.
#[php_function]
#[php(name = "TlsGuard\\rustls_version")]
pub fn rustls_version() -> String {
    RUSTLS_VERSION.to_owned()
}

/// The exception a request failing with `$code` throws (for tests and mocks: the one mapping
/// of `errors.rs`). Unknown codes throw `InvalidArgumentException`.
#[php_function]
#[php(name = "TlsGuard\\error_from_code")]
pub fn error_from_code(code: &str, message: Option<String>) -> PhpResult<Zval> {
    errors::guard(|| {
        let c =
            tlsguard::Code::from_name(code).ok_or_else(|| errors::invalid(format!("unknown error code {code:?}")))?;
        errors::exception_zval(&tlsguard::Error::new(c, message.unwrap_or_else(|| c.summary().to_owned())))
    })
}

/// The core's client defaults by option name (`ClientOptions::defaults_json`), for the test
/// that compares the documented defaults (README, tlsguard.ini) with them.
#[php_function]
#[php(name = "TlsGuard\\client_defaults")]
pub fn client_defaults() -> PhpResult<Zval> {
    errors::guard(|| convert::json_to_zval(&tlsguard::ClientOptions::defaults_json()))
}

#[php_module]
#[php(startup = "startup")]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    let module = trust::register(inspect::register(lint::register(chain::register(cert::register(module)))));
    module
        .name("tlsguard")
        .version(VERSION)
        .info_function(module_info)
        .class::<cert::Certificate>()
        .class::<chain::Verifier>()
        .class::<client::Client>()
        .class::<client::Response>()
        .class::<client::StreamedResponse>()
        .class::<body::Stream>()
        .class::<cookies::CookieJar>()
        .function(wrap_function!(version))
        .function(wrap_function!(rustls_version))
        .function(wrap_function!(error_from_code))
        .function(wrap_function!(client_defaults))
}
