//! [`CookieJar`]: an opt-in cookie store per client, by the rules of RFC 6265 (with the
//! secure-origin rules of its successor draft, RFC 6265bis).
//!
//! * **Storing** (`Set-Cookie`, from every response, a redirect's included): a `Domain` that the
//!   request's host does not domain-match is refused; so is a `Domain` that is a public suffix
//!   (`com`, `co.uk`, `github.io`; Mozilla's list, compiled in by the `psl` crate), unless it is
//!   the request's host itself, which then gets a host-only cookie. Without `Domain`, a cookie is
//!   host-only: sent to that exact host, not its subdomains. `Path` defaults to the directory
//!   of the request path. `Max-Age` wins over `Expires`; a date in the past (or `Max-Age=0`)
//!   deletes the cookie. A `Secure` cookie is only accepted from `https://`, and an `http://`
//!   response cannot replace a `Secure` cookie; `__Secure-` and `__Host-` names are checked.
//! * **Sending** (`Cookie`, on every request and every redirect hop): the cookies whose domain
//!   and path match the URL, never a `Secure` one over `http://`, longest path first. Cookies
//!   are not scoped by port (RFC 6265 section 8.5).
//! * **Limits:** a cookie's name and value at most 4096 bytes, `Domain`/`Path` at most 1024, 50
//!   cookies per domain and 3000 per jar (the least recently used go first).
//! * `SameSite` is stored and exported but not enforced: a client has no "site" a request
//!   comes from (nor do requests or httpx).
//!
//! The jar is shared by clones: give one jar to two clients and they share their cookies.
//! [`CookieJar::to_json`] and [`CookieJar::from_json`] let a binding persist it.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use url::{Host, Url};

use crate::error::{Error, Result};

/// Largest name + value of one cookie.
pub const MAX_COOKIE_BYTES: usize = 4096;
/// Largest `Domain` or `Path` value (a longer attribute is ignored).
const MAX_ATTRIBUTE_BYTES: usize = 1024;
/// Most cookies kept for one domain.
pub const MAX_COOKIES_PER_DOMAIN: usize = 50;
/// Most cookies kept in one jar.
pub const MAX_COOKIES: usize = 3000;

/// One cookie as the jar keeps it (and as [`CookieJar::to_json`] writes it).
///
/// `Debug` does not show the value.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cookie {
    /// The name.
    pub name: String,
    /// The value, as the server sent it.
    pub value: String,
    /// The host (host-only) or the domain it is sent to (and its subdomains), lowercase,
    /// punycode, no leading dot.
    pub domain: String,
    /// Sent to this path and below.
    pub path: String,
    /// Sent to `domain` only, not its subdomains (no `Domain` attribute was given).
    pub host_only: bool,
    /// Sent over `https://` only.
    pub secure: bool,
    /// `HttpOnly` (kept, no meaning for a client without scripts).
    pub http_only: bool,
    /// `SameSite` (`"strict"`, `"lax"`, `"none"`), kept but not enforced.
    pub same_site: Option<String>,
    /// When it expires, in seconds since the Unix epoch; `None`: a session cookie, kept as long as
    /// the jar.
    pub expires: Option<i64>,
}

impl fmt::Debug for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cookie")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .field("domain", &self.domain)
            .field("path", &self.path)
            .field("host_only", &self.host_only)
            .field("secure", &self.secure)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

struct Entry {
    cookie: Cookie,
    /// Order of creation (a replaced cookie keeps its predecessor's).
    created: u64,
    last_access: u64,
}

#[derive(Default)]
struct Store {
    entries: Vec<Entry>,
    clock: u64,
}

/// A cookie jar (the `cookies` client option). Cheap to clone: clones share the cookies.
///
/// `Debug` shows how many cookies it holds, nothing of them.
///
/// ```
/// # fn demo() -> tlsguard::Result<()> {
/// use tlsguard::{Client, ClientOptions, CookieJar};
///
/// let jar = CookieJar::new();
/// let mut options = ClientOptions::default();
/// options.cookies = Some(jar.clone());
/// let client = Client::new(options)?;
/// // ... requests store and send cookies ...
/// let saved = jar.to_json().to_string(); // persist it
/// let restored = CookieJar::from_json(&serde_json::from_str(&saved).expect("json"))?;
/// assert_eq!(restored.cookies(), jar.cookies());
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct CookieJar {
    store: Arc<Mutex<Store>>,
}

impl PartialEq for CookieJar {
    /// The same jar (clones of one another), not equal contents.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.store, &other.store)
    }
}

impl Eq for CookieJar {}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieJar").field("cookies", &self.lock().entries.len()).finish()
    }
}

/// Seconds since the Unix epoch, now.
fn unix_now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> CookieJar {
        CookieJar::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cookies that have not expired, oldest first.
    pub fn cookies(&self) -> Vec<Cookie> {
        let now = unix_now();
        let mut store = self.lock();
        store.remove_expired(now);
        store.entries.iter().map(|e| e.cookie.clone()).collect()
    }

    /// How many cookies the jar holds (expired ones included until they are next looked at).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the jar holds no cookie.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every cookie.
    pub fn clear(&self) {
        self.lock().entries.clear();
    }

    /// The cookies as JSON, oldest first: a list of
    /// `{"name", "value", "domain", "path", "host_only", "secure", "http_only", "same_site", "expires"}`
    /// (`expires` in seconds since the Unix epoch, `null` for a session cookie). Session cookies
    /// are included: whoever persists the jar decides what a session is. [`CookieJar::from_json`]
    /// and the `cookies` client option read it back.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.cookies()
                .into_iter()
                .map(|c| {
                    serde_json::json!({
                        "name": c.name,
                        "value": c.value,
                        "domain": c.domain,
                        "path": c.path,
                        "host_only": c.host_only,
                        "secure": c.secure,
                        "http_only": c.http_only,
                        "same_site": c.same_site,
                        "expires": c.expires,
                    })
                })
                .collect(),
        )
    }

    /// A jar holding the cookies of a list in the form [`CookieJar::to_json`] writes (`path`
    /// defaults to `/`, `host_only` to `true`, `secure` and `http_only` to `false`, `same_site`
    /// and `expires` to `null`; the list's order is the cookies' age, oldest first). Cookies
    /// that have expired are left out. A malformed cookie, a public suffix as the domain of a
    /// cookie that is not host-only, or more than 3000 cookies are `INVALID_ARGUMENT` naming
    /// `cookies` (and the cookie's index, never its value).
    pub fn from_json(value: &serde_json::Value) -> Result<CookieJar> {
        let list = value
            .as_array()
            .ok_or_else(|| Error::invalid("cookies: expected a list of cookies (as Client::cookies_json writes)"))?;
        if list.len() > MAX_COOKIES {
            return Err(Error::invalid(format!("cookies: {} cookies; a jar holds at most {MAX_COOKIES}", list.len())));
        }
        let now = unix_now();
        let jar = CookieJar::new();
        {
            let mut store = jar.lock();
            for (i, item) in list.iter().enumerate() {
                let cookie = cookie_from_json(i, item)?;
                if cookie.expires.is_some_and(|t| t <= now) {
                    continue;
                }
                store.insert(cookie);
            }
        }
        Ok(jar)
    }

    /// Stores the `Set-Cookie` values of a response from `url`.
    pub(crate) fn store_response<'a>(&self, url: &Url, set_cookies: impl IntoIterator<Item = &'a [u8]>) {
        self.store_response_at(url, set_cookies, unix_now());
    }

    fn store_response_at<'a>(&self, url: &Url, set_cookies: impl IntoIterator<Item = &'a [u8]>, now: i64) {
        let mut store = None;
        for raw in set_cookies {
            // A header that is not UTF-8 cannot be sent back as it came: ignored.
            let Ok(text) = std::str::from_utf8(raw) else { continue };
            if let Some(parsed) = parse_set_cookie(text, now) {
                store.get_or_insert_with(|| self.lock()).receive(url, parsed, now);
            }
        }
    }

    /// The `Cookie` header value for a request to `url`, if any cookie matches.
    pub(crate) fn header_for(&self, url: &Url) -> Option<String> {
        self.header_at(url, unix_now())
    }

    fn header_at(&self, url: &Url, now: i64) -> Option<String> {
        let host = canonical_host(url)?;
        let is_ip = !matches!(url.host(), Some(Host::Domain(_)));
        let secure = url.scheme() == "https";
        let path = url.path();
        let mut store = self.lock();
        store.remove_expired(now);
        store.clock += 1;
        let clock = store.clock;
        let mut matching: Vec<&mut Entry> = store
            .entries
            .iter_mut()
            .filter(|e| {
                let c = &e.cookie;
                let domain_ok = if c.host_only { c.domain == host } else { domain_match(&host, &c.domain, is_ip) };
                domain_ok && path_match(path, &c.path) && (secure || !c.secure)
            })
            .collect();
        if matching.is_empty() {
            return None;
        }
        // RFC 6265 5.4: longer paths first, then older first.
        matching.sort_by(|a, b| b.cookie.path.len().cmp(&a.cookie.path.len()).then(a.created.cmp(&b.created)));
        let mut out = String::new();
        for e in matching {
            e.last_access = clock;
            if !out.is_empty() {
                out.push_str("; ");
            }
            out.push_str(&e.cookie.name);
            out.push('=');
            out.push_str(&e.cookie.value);
        }
        Some(out)
    }
}

impl Store {
    fn remove_expired(&mut self, now: i64) {
        self.entries.retain(|e| e.cookie.expires.is_none_or(|t| t > now));
    }

    /// RFC 6265 5.3 steps 4 to 12 for a parsed `Set-Cookie` from `url`.
    fn receive(&mut self, url: &Url, p: ParsedCookie, now: i64) {
        let Some(host) = canonical_host(url) else { return };
        let is_ip = !matches!(url.host(), Some(Host::Domain(_)));
        let secure_origin = url.scheme() == "https";
        // RFC 6265bis: only a secure origin sets a Secure cookie.
        if p.secure && !secure_origin {
            return;
        }
        // Cookie name prefixes (RFC 6265bis 4.1.3), matched without regard to case.
        let lower = p.name.to_ascii_lowercase();
        if lower.starts_with("__secure-") && !p.secure {
            return;
        }
        if lower.starts_with("__host-") && !(p.secure && p.domain.is_none() && p.path.as_deref() == Some("/")) {
            return;
        }
        let (domain, host_only) = match p.domain {
            None => (host.clone(), true),
            Some(d) => {
                if !is_ip && is_public_suffix(&d) {
                    if d == host {
                        (host.clone(), true)
                    } else {
                        return; // a cookie for every site under a public suffix
                    }
                } else if domain_match(&host, &d, is_ip) {
                    (d, false)
                } else {
                    return; // a Domain that is not this host's
                }
            }
        };
        let path = p.path.unwrap_or_else(|| default_path(url.path()));
        let cookie = Cookie {
            name: p.name,
            value: p.value,
            domain,
            path,
            host_only,
            secure: p.secure,
            http_only: p.http_only,
            same_site: p.same_site,
            expires: p.expires,
        };
        // RFC 6265bis: an insecure origin cannot replace (or shadow) a Secure cookie.
        if !secure_origin
            && self.entries.iter().any(|e| {
                let old = &e.cookie;
                old.secure
                    && old.name == cookie.name
                    && (domain_match(&cookie.domain, &old.domain, is_ip)
                        || domain_match(&old.domain, &cookie.domain, is_ip))
                    && path_match(&cookie.path, &old.path)
            })
        {
            return;
        }
        if cookie.expires.is_some_and(|t| t <= now) {
            // Expired on arrival: it deletes the cookie it names.
            self.entries.retain(|e| !same_slot(&e.cookie, &cookie));
            return;
        }
        self.insert(cookie);
    }

    /// Adds `cookie`, replacing the one with its name, domain and path (whose creation time it
    /// keeps), then evicts beyond the limits, least recently used first.
    fn insert(&mut self, cookie: Cookie) {
        self.clock += 1;
        let clock = self.clock;
        let domain = cookie.domain.clone();
        // Entries stay in creation order (for export): a replacement takes its predecessor's place.
        match self.entries.iter().position(|e| same_slot(&e.cookie, &cookie)) {
            Some(i) => {
                let created = self.entries[i].created;
                self.entries[i] = Entry { cookie, created, last_access: clock };
            }
            None => self.entries.push(Entry { cookie, created: clock, last_access: clock }),
        }
        loop {
            let of_domain = self.entries.iter().filter(|e| e.cookie.domain == domain).count();
            let victim = if of_domain > MAX_COOKIES_PER_DOMAIN {
                self.least_recently_used(|e| e.cookie.domain == domain)
            } else if self.entries.len() > MAX_COOKIES {
                self.least_recently_used(|_| true)
            } else {
                break;
            };
            match victim {
                Some(i) => {
                    self.entries.remove(i);
                }
                None => break,
            }
        }
    }

    fn least_recently_used(&self, which: impl Fn(&Entry) -> bool) -> Option<usize> {
        self.entries.iter().enumerate().filter(|(_, e)| which(e)).min_by_key(|(_, e)| e.last_access).map(|(i, _)| i)
    }
}

fn same_slot(a: &Cookie, b: &Cookie) -> bool {
    a.name == b.name && a.domain == b.domain && a.path == b.path
}

/// The URL's host as cookies name it: lowercase, punycode; IPv6 in brackets.
fn canonical_host(url: &Url) -> Option<String> {
    url.host_str().filter(|h| !h.is_empty()).map(str::to_ascii_lowercase)
}

/// Whether `domain` (lowercase ASCII) is a public suffix in Mozilla's list (an unlisted
/// top-level label, such as `localhost`, counts as one, as the list's default rule says).
pub(crate) fn is_public_suffix(domain: &str) -> bool {
    let d = domain.strip_suffix('.').unwrap_or(domain);
    psl::suffix_str(d) == Some(d)
}

/// RFC 6265 5.1.3: `host` domain-matches `domain`.
fn domain_match(host: &str, domain: &str, host_is_ip: bool) -> bool {
    host == domain
        || (!host_is_ip
            && host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

/// RFC 6265 5.1.4: `request_path` path-matches `cookie_path`.
fn path_match(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

/// RFC 6265 5.1.4: the directory of the request path.
fn default_path(request_path: &str) -> String {
    if !request_path.starts_with('/') {
        return "/".to_owned();
    }
    match request_path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => request_path[..i].to_owned(),
    }
}

/// A `Set-Cookie` header, parsed (RFC 6265 5.2).
#[derive(Debug, PartialEq)]
struct ParsedCookie {
    name: String,
    value: String,
    /// `Some(i64::MIN)`: expired (Max-Age <= 0).
    expires: Option<i64>,
    domain: Option<String>,
    path: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: Option<String>,
}

/// Control characters a cookie name or value may not hold (RFC 6265bis 5.6: CTLs but tab).
fn has_forbidden_ctl(s: &str) -> bool {
    s.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
}

fn trim_wsp(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// RFC 6265 5.2; `None` when the whole header is ignored.
fn parse_set_cookie(header: &str, now: i64) -> Option<ParsedCookie> {
    let (pair, attributes) = match header.find(';') {
        Some(i) => (&header[..i], &header[i + 1..]),
        None => (header, ""),
    };
    let eq = pair.find('=')?;
    let name = trim_wsp(&pair[..eq]);
    let value = trim_wsp(&pair[eq + 1..]);
    if name.is_empty() || has_forbidden_ctl(name) || has_forbidden_ctl(value) {
        return None;
    }
    if name.len() + value.len() > MAX_COOKIE_BYTES {
        return None;
    }
    let mut p = ParsedCookie {
        name: name.to_owned(),
        value: value.to_owned(),
        expires: None,
        domain: None,
        path: None,
        secure: false,
        http_only: false,
        same_site: None,
    };
    let mut max_age: Option<i64> = None;
    let mut expires: Option<i64> = None;
    for av in attributes.split(';') {
        let (key, val) = match av.find('=') {
            Some(i) => (trim_wsp(&av[..i]), trim_wsp(&av[i + 1..])),
            None => (trim_wsp(av), ""),
        };
        if val.len() > MAX_ATTRIBUTE_BYTES {
            continue;
        }
        match key.to_ascii_lowercase().as_str() {
            "expires" => {
                if let Some(t) = parse_cookie_date(val) {
                    expires = Some(t);
                }
            }
            "max-age" => {
                let digits = val.strip_prefix('-').unwrap_or(val);
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    // Too many digits: as long (or as short) as can be.
                    let delta = val.parse::<i64>().unwrap_or(if val.starts_with('-') { i64::MIN } else { i64::MAX });
                    max_age = Some(delta);
                }
            }
            "domain" => {
                if val.is_empty() {
                    continue;
                }
                let d = val.strip_prefix('.').unwrap_or(val);
                // Canonicalised as a host; a Domain that is no host name makes the cookie unusable.
                match idna::domain_to_ascii(d) {
                    Ok(ascii) if !ascii.is_empty() => p.domain = Some(ascii),
                    _ => return None,
                }
            }
            "path" => {
                p.path = if val.starts_with('/') { Some(val.to_owned()) } else { None };
            }
            "secure" => p.secure = true,
            "httponly" => p.http_only = true,
            "samesite" => {
                let v = val.to_ascii_lowercase();
                p.same_site = matches!(v.as_str(), "strict" | "lax" | "none").then_some(v);
            }
            _ => {}
        }
    }
    p.expires = match (max_age, expires) {
        (Some(delta), _) if delta <= 0 => Some(i64::MIN),
        (Some(delta), _) => Some(now.saturating_add(delta)),
        (None, Some(t)) => Some(t),
        (None, None) => None,
    };
    Some(p)
}

/// RFC 6265 5.1.1: a cookie date as seconds since the Unix epoch.
fn parse_cookie_date(s: &str) -> Option<i64> {
    let is_delimiter = |b: u8| {
        b == 0x09
            || (0x20..=0x2f).contains(&b)
            || (0x3b..=0x40).contains(&b)
            || (0x5b..=0x60).contains(&b)
            || (0x7b..=0x7e).contains(&b)
    };
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    for token in s.as_bytes().split(|b| is_delimiter(*b)).filter(|t| !t.is_empty()) {
        if time.is_none()
            && let Some(t) = parse_hms(token)
        {
            time = Some(t);
        } else if day.is_none()
            && let Some(d) = leading_digits(token, 1, 2)
        {
            day = Some(d);
        } else if month.is_none()
            && let Some(m) = month_of(token)
        {
            month = Some(m);
        } else if year.is_none()
            && let Some(y) = leading_digits(token, 2, 4)
        {
            year = Some(y);
        }
    }
    let (h, mi, sec) = time?;
    let (day, month, mut year) = (day?, month?, year?);
    if (70..=99).contains(&year) {
        year += 1900;
    } else if year <= 69 {
        year += 2000;
    }
    if !(1..=31).contains(&day) || year < 1601 || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let date = time::Date::from_calendar_date(
        i32::try_from(year).ok()?,
        time::Month::try_from(u8::try_from(month).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    let t = time::Time::from_hms(u8::try_from(h).ok()?, u8::try_from(mi).ok()?, u8::try_from(sec).ok()?).ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_utc().unix_timestamp())
}

/// `min..=max` digits at the start of `token`, followed by nothing or a non-digit.
fn leading_digits(token: &[u8], min: usize, max: usize) -> Option<u32> {
    let n = token.iter().take_while(|b| b.is_ascii_digit()).count();
    if n < min || n > max {
        return None;
    }
    token[..n].iter().try_fold(0u32, |acc, b| acc.checked_mul(10)?.checked_add(u32::from(b - b'0')))
}

/// `h:m:s` (one or two digits each) at the start of `token`, followed by nothing or a non-digit.
fn parse_hms(token: &[u8]) -> Option<(u32, u32, u32)> {
    let field = |t: &[u8]| -> Option<(u32, usize)> {
        let n = t.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=2).contains(&n) {
            return None;
        }
        Some((t[..n].iter().fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')), n))
    };
    let (h, a) = field(token)?;
    let rest = token.get(a..)?.strip_prefix(b":")?;
    let (m, b) = field(rest)?;
    let rest = rest.get(b..)?.strip_prefix(b":")?;
    let (s, c) = field(rest)?;
    match rest.get(c) {
        Some(x) if x.is_ascii_digit() => None,
        _ => Some((h, m, s)),
    }
}

fn month_of(token: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] =
        [b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"];
    let head = token.get(..3)?;
    MONTHS.iter().position(|m| head.eq_ignore_ascii_case(&m[..])).map(|i| i as u32 + 1)
}

/// One cookie of an imported list (see [`CookieJar::from_json`]).
fn cookie_from_json(i: usize, item: &serde_json::Value) -> Result<Cookie> {
    use serde_json::Value;
    const KEYS: [&str; 9] =
        ["name", "value", "domain", "path", "host_only", "secure", "http_only", "same_site", "expires"];
    let bad = |what: &str| Error::invalid(format!("cookies[{i}]: {what}"));
    let obj = item.as_object().ok_or_else(|| bad("expected a mapping (name, value, domain, ...)"))?;
    if let Some(k) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(bad(&format!("unknown key {:?} (known: {})", crate::text::display_safe(k), KEYS.join(", "))));
    }
    let text = |key: &str| -> Result<Option<&str>> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(bad(&format!("{key} is not text"))),
        }
    };
    let flag = |key: &str, default: bool| -> Result<bool> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(bad(&format!("{key} is not true or false"))),
        }
    };
    let name = text("name")?.ok_or_else(|| bad("no name"))?;
    let value = text("value")?.ok_or_else(|| bad("no value"))?;
    if name.is_empty()
        || has_forbidden_ctl(name)
        || name.contains([';', '=', '\t'])
        || trim_wsp(name).len() != name.len()
    {
        return Err(bad(
            "the name is empty or holds a character a cookie name cannot (';', '=', a control character, surrounding spaces)",
        ));
    }
    if has_forbidden_ctl(value) || value.contains(';') || trim_wsp(value).len() != value.len() {
        return Err(bad(
            "the value holds a character a cookie value cannot (';', a control character, surrounding spaces)",
        ));
    }
    if name.len() + value.len() > MAX_COOKIE_BYTES {
        return Err(bad(&format!("name and value exceed {MAX_COOKIE_BYTES} bytes")));
    }
    let host_only = flag("host_only", true)?;
    let raw_domain = text("domain")?.ok_or_else(|| bad("no domain"))?;
    let raw_domain = raw_domain.strip_prefix('.').unwrap_or(raw_domain);
    let domain = match Host::parse(raw_domain) {
        Ok(Host::Domain(d)) if !d.is_empty() => d,
        Ok(Host::Ipv4(a)) => a.to_string(),
        Ok(Host::Ipv6(a)) => format!("[{a}]"),
        _ => {
            return Err(bad(&format!("domain {:?} is not a host name", crate::text::display_safe(raw_domain))));
        }
    };
    let is_ip = !matches!(Host::parse(&domain), Ok(Host::Domain(_)));
    if !host_only && !is_ip && is_public_suffix(&domain) {
        return Err(bad(&format!(
            "domain {domain:?} is a public suffix: a cookie for it would go to every site under it (host_only: true sends it to that host only)"
        )));
    }
    let path = text("path")?.unwrap_or("/");
    if !path.starts_with('/') || path.len() > MAX_ATTRIBUTE_BYTES || has_forbidden_ctl(path) || path.contains(';') {
        return Err(bad("path must start with '/' (at most 1024 bytes, no ';' or control characters)"));
    }
    let same_site = match text("same_site")? {
        None => None,
        Some(s) => {
            let s = s.to_ascii_lowercase();
            if !matches!(s.as_str(), "strict" | "lax" | "none") {
                return Err(bad("same_site is not strict, lax or none"));
            }
            Some(s)
        }
    };
    let expires = match obj.get("expires") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| bad("expires is not a whole number of seconds since 1970"))?),
    };
    Ok(Cookie {
        name: name.to_owned(),
        value: value.to_owned(),
        domain,
        path: path.to_owned(),
        host_only,
        secure: flag("secure", false)?,
        http_only: flag("http_only", false)?,
        same_site,
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    fn set(jar: &CookieJar, url: &str, headers: &[&str]) {
        jar.store_response_at(&u(url), headers.iter().map(|h| h.as_bytes()), NOW);
    }

    fn sent(jar: &CookieJar, url: &str) -> Option<String> {
        jar.header_at(&u(url), NOW)
    }

    #[test]
    fn public_suffixes_are_refused() {
        assert!(is_public_suffix("com") && is_public_suffix("co.uk") && is_public_suffix("github.io"));
        assert!(is_public_suffix("localhost"), "an unlisted top-level label counts as a suffix");
        assert!(!is_public_suffix("example.com") && !is_public_suffix("example.co.uk"));
        let jar = CookieJar::new();
        set(&jar, "https://www.example.co.uk/", &["a=1; Domain=co.uk", "b=2; Domain=.co.uk", "c=3; Domain=uk"]);
        set(&jar, "https://example.com/", &["d=4; Domain=com"]);
        set(&jar, "https://me.github.io/", &["e=5; Domain=github.io"]);
        assert!(jar.is_empty(), "{:?}", jar.cookies());
        assert_eq!(sent(&jar, "https://other.co.uk/"), None);
        // A registrable domain is fine, and reaches its subdomains.
        set(&jar, "https://www.example.co.uk/", &["ok=1; Domain=example.co.uk"]);
        assert_eq!(sent(&jar, "https://shop.example.co.uk/"), Some("ok=1".into()));
        assert_eq!(sent(&jar, "https://example.co.uk/"), Some("ok=1".into()));
        assert_eq!(sent(&jar, "https://other.co.uk/"), None);
        // A public suffix that is the host itself gets a host-only cookie (RFC 6265 5.3 step 5).
        let jar = CookieJar::new();
        set(&jar, "https://github.io/", &["h=1; Domain=github.io"]);
        let c = &jar.cookies()[0];
        assert!(c.host_only && c.domain == "github.io", "{c:?}");
        assert_eq!(sent(&jar, "https://me.github.io/"), None);
    }

    #[test]
    fn domain_scoping_and_host_only() {
        let jar = CookieJar::new();
        set(&jar, "https://www.example.com/", &["host=1", "dom=2; Domain=example.com", "wrong=3; Domain=other.com"]);
        set(&jar, "https://www.example.com/", &["sub=4; Domain=a.www.example.com", "up=5; Domain=.WWW.Example.COM"]);
        assert_eq!(sent(&jar, "https://www.example.com/"), Some("host=1; dom=2; up=5".into()));
        assert_eq!(sent(&jar, "https://a.www.example.com/"), Some("dom=2; up=5".into()), "host-only stays");
        assert_eq!(sent(&jar, "https://example.com/"), Some("dom=2".into()));
        assert_eq!(sent(&jar, "https://badexample.com/"), None, "suffix match needs a dot");
        assert_eq!(sent(&jar, "https://other.com/"), None);
        // IP addresses: exact only.
        let jar = CookieJar::new();
        set(&jar, "https://127.0.0.1/", &["ip=1; Domain=127.0.0.1", "no=2; Domain=0.0.1"]);
        assert_eq!(sent(&jar, "https://127.0.0.1/"), Some("ip=1".into()));
        assert_eq!(jar.len(), 1);
        // Unicode Domain, canonicalised.
        let jar = CookieJar::new();
        set(&jar, "https://www.xn--bcher-kva.example/", &["idn=1; Domain=b\u{fc}cher.example"]);
        assert_eq!(jar.cookies()[0].domain, "xn--bcher-kva.example");
    }

    #[test]
    fn path_scoping() {
        let jar = CookieJar::new();
        set(&jar, "https://h.test/a/b/page", &["d=default", "r=root; Path=/", "x=x; Path=/a/b/c", "bad=1; Path=rel"]);
        let c: Vec<(String, String)> = jar.cookies().into_iter().map(|c| (c.name, c.path)).collect();
        assert!(c.contains(&("d".into(), "/a/b".into())) && c.contains(&("bad".into(), "/a/b".into())), "{c:?}");
        assert_eq!(sent(&jar, "https://h.test/a/b/c/d"), Some("x=x; d=default; bad=1; r=root".into()));
        assert_eq!(sent(&jar, "https://h.test/a/b"), Some("d=default; bad=1; r=root".into()));
        assert_eq!(sent(&jar, "https://h.test/a/bc"), Some("r=root".into()), "/a/b does not match /a/bc");
        assert_eq!(sent(&jar, "https://h.test/"), Some("r=root".into()));
        assert_eq!(default_path(""), "/");
        assert_eq!(default_path("/"), "/");
        assert_eq!(default_path("/file"), "/");
        assert_eq!(default_path("/dir/"), "/dir");
        assert!(path_match("/a/", "/a/") && path_match("/a/x", "/a/") && !path_match("/ab", "/a/"));
    }

    #[test]
    fn expiry_and_deletion() {
        let jar = CookieJar::new();
        set(&jar, "https://h.test/", &["s=session", "m=1; Max-Age=60", "e=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT"]);
        let by_name = |n: &str| jar.cookies().into_iter().find(|c| c.name == n).map(|c| c.expires);
        assert_eq!(by_name("s"), Some(None));
        assert_eq!(by_name("m"), Some(Some(NOW + 60)));
        assert_eq!(by_name("e"), Some(Some(4_096_250_880)));
        // Max-Age wins over Expires, whatever the order.
        set(&jar, "https://h.test/", &["both=1; Max-Age=10; Expires=Wed, 21 Oct 2099 07:28:00 GMT"]);
        assert_eq!(by_name("both"), Some(Some(NOW + 10)));
        assert_eq!(jar.header_at(&u("https://h.test/"), NOW + 9), Some("s=session; m=1; e=1; both=1".into()));
        // 61 s later "m" and "both" are gone, from the header and from the jar.
        assert_eq!(jar.header_at(&u("https://h.test/"), NOW + 61), Some("s=session; e=1".into()));
        assert_eq!(jar.len(), 2);
        // Deletion: Max-Age=0, a negative Max-Age, an Expires in the past.
        let jar = CookieJar::new();
        set(&jar, "https://h.test/", &["a=1", "b=1", "c=1", "keep=1"]);
        set(
            &jar,
            "https://h.test/",
            &["a=; Max-Age=0", "b=x; Max-Age=-5", "c=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"],
        );
        assert_eq!(sent(&jar, "https://h.test/"), Some("keep=1".into()));
        // A bad Max-Age is ignored (the Expires stands).
        set(&jar, "https://h.test/", &["f=1; Max-Age=12abc; Expires=Wed, 21 Oct 2099 07:28:00 GMT"]);
        assert_eq!(jar.cookies().iter().find(|c| c.name == "f").and_then(|c| c.expires), Some(4_096_250_880));
    }

    #[test]
    fn cookie_dates() {
        let t = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT
        for s in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "06 Nov 1994 08:49:37",
            "Sun, 06-Nov-1994 08:49:37 UTC",
            "november 6 1994 8:49:37",
        ] {
            assert_eq!(parse_cookie_date(s), Some(t), "{s}");
        }
        assert_eq!(parse_cookie_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_cookie_date("Wed, 01 Jan 2020 00:00:00 GMT"), Some(1_577_836_800));
        assert_eq!(parse_cookie_date("01 Jan 69 00:00:00"), parse_cookie_date("01 Jan 2069 00:00:00"));
        for bad in [
            "",
            "Sun, 06 Nov 1994",
            "31 Feb 2020 00:00:00",
            "06 Nov 1600 08:49:37",
            "06 Nov 1994 24:00:00",
            "06 Foo 1994 08:49:37",
            "32 Nov 1994 08:49:37",
        ] {
            assert_eq!(parse_cookie_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn secure_cookies_and_prefixes() {
        let jar = CookieJar::new();
        set(&jar, "https://h.test/", &["s=1; Secure", "p=1"]);
        assert_eq!(sent(&jar, "https://h.test/"), Some("s=1; p=1".into()));
        assert_eq!(sent(&jar, "http://h.test/"), Some("p=1".into()), "never a Secure cookie over http");
        // http:// cannot set a Secure cookie, nor replace one.
        set(&jar, "http://h.test/", &["t=1; Secure", "s=evil"]);
        assert_eq!(sent(&jar, "https://h.test/"), Some("s=1; p=1".into()));
        set(
            &jar,
            "https://h.test/",
            &[
                "__Secure-a=1; Secure",
                "__Secure-b=1",
                "__Host-c=1; Secure; Path=/",
                "__Host-d=1; Secure; Path=/; Domain=h.test",
                "__host-e=1; Secure",
            ],
        );
        let names: Vec<String> = jar.cookies().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["s", "p", "__Secure-a", "__Host-c"]);
    }

    #[test]
    fn parsing_edge_cases() {
        let p = |s: &str| parse_set_cookie(s, NOW);
        assert_eq!(p("novalue"), None);
        assert_eq!(p("=v"), None);
        assert_eq!(p("a=b\x01c"), None);
        let c = p("  a = b c ; path=/x ; DOMAIN=.Ex.com ; secure; HttpOnly; SameSite=Lax; Unknown=1").expect("ok");
        assert_eq!((c.name.as_str(), c.value.as_str()), ("a", "b c"));
        assert_eq!(c.path.as_deref(), Some("/x"));
        assert_eq!(c.domain.as_deref(), Some("ex.com"));
        assert!(c.secure && c.http_only);
        assert_eq!(c.same_site.as_deref(), Some("lax"));
        assert_eq!(p("a=\"quoted\"").expect("ok").value, "\"quoted\"");
        assert_eq!(p("a=1=2").expect("ok").value, "1=2");
        // The last Path wins, even when it resets to the default.
        assert_eq!(p("a=1; Path=/x; Path=y").expect("ok").path, None);
        assert_eq!(p("a=1; Domain=").expect("ok").domain, None);
        let big = format!("a={}", "x".repeat(MAX_COOKIE_BYTES));
        assert_eq!(p(&big), None);
        let long_path = format!("a=1; Path=/{}", "p".repeat(MAX_ATTRIBUTE_BYTES));
        assert_eq!(p(&long_path).expect("ok").path, None);
        // Replacing keeps one cookie per name, domain and path.
        let jar = CookieJar::new();
        set(&jar, "https://h.test/", &["a=1", "a=2", "a=3; Path=/x"]);
        assert_eq!(jar.len(), 2);
        assert_eq!(sent(&jar, "https://h.test/x"), Some("a=3; a=2".into()));
        // Not UTF-8: ignored.
        jar.store_response_at(&u("https://h.test/"), [&b"z=\xff"[..]], NOW);
        assert_eq!(jar.len(), 2);
    }

    #[test]
    fn limits_evict_the_least_recently_used() {
        let jar = CookieJar::new();
        for i in 0..MAX_COOKIES_PER_DOMAIN {
            set(&jar, "https://h.test/", &[&format!("c{i}=1; Path=/p{i}")]);
        }
        // Sending c0 makes c1 the least recently used; replacing c1 makes it c2.
        assert_eq!(sent(&jar, "https://h.test/p0"), Some("c0=1".into()));
        set(&jar, "https://h.test/", &["c1=again; Path=/p1"]);
        set(&jar, "https://h.test/", &["new=1"]);
        let names: Vec<String> = jar.cookies().into_iter().map(|c| c.name).collect();
        assert_eq!(names.len(), MAX_COOKIES_PER_DOMAIN);
        for kept in ["c0", "c1", "c3", "new"] {
            assert!(names.contains(&kept.into()), "{kept}: {names:?}");
        }
        assert!(!names.contains(&"c2".into()), "{names:?}");
        // Another domain is not limited by this one's count.
        set(&jar, "https://other.test/", &["o=1"]);
        assert_eq!(jar.len(), MAX_COOKIES_PER_DOMAIN + 1);
        let jar = CookieJar::new();
        for d in 0..(MAX_COOKIES / 10 + 1) {
            let headers: Vec<String> = (0..10).map(|i| format!("c{i}=1")).collect();
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            set(&jar, &format!("https://h{d}.test/"), &headers);
        }
        assert_eq!(jar.len(), MAX_COOKIES);
    }

    #[test]
    fn json_round_trip_and_refusals() {
        let jar = CookieJar::new();
        set(
            &jar,
            "https://www.example.com/dir/page",
            &["a=1; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600", "b=2"],
        );
        let exported = jar.to_json();
        assert_eq!(
            exported,
            json!([
                {"name": "a", "value": "1", "domain": "example.com", "path": "/", "host_only": false, "secure": true,
                 "http_only": true, "same_site": "strict", "expires": jar.cookies()[0].expires},
                {"name": "b", "value": "2", "domain": "www.example.com", "path": "/dir", "host_only": true,
                 "secure": false, "http_only": false, "same_site": null, "expires": null},
            ])
        );
        let back = CookieJar::from_json(&exported).expect("import");
        assert_eq!(back.cookies(), jar.cookies());
        assert_ne!(back, jar, "another jar");
        assert_eq!(back.header_at(&u("https://www.example.com/dir/x"), NOW), Some("b=2; a=1".into()));
        // Defaults of a hand-written cookie: host-only, path /.
        let j = CookieJar::from_json(&json!([{"name": "n", "value": "v", "domain": ".Example.COM"}])).expect("ok");
        let c = &j.cookies()[0];
        assert!(c.host_only && c.domain == "example.com" && c.path == "/" && !c.secure, "{c:?}");
        // Expired ones are left out.
        let j =
            CookieJar::from_json(&json!([{"name": "n", "value": "v", "domain": "h.test", "expires": 1}])).expect("ok");
        assert!(j.is_empty());
        for (bad, what) in [
            (json!({"name": "n"}), "list"),
            (json!([5]), "cookies[0]"),
            (json!([{"name": "n", "value": "hunter2"}]), "no domain"),
            (json!([{"value": "hunter2", "domain": "h.test"}]), "no name"),
            (json!([{"name": "n", "value": "hunter2;x", "domain": "h.test"}]), "value"),
            (json!([{"name": "n", "value": "hunter2\n", "domain": "h.test"}]), "value"),
            (json!([{"name": "a=b", "value": "hunter2", "domain": "h.test"}]), "name"),
            (json!([{"name": "n", "value": "hunter2", "domain": "co.uk", "host_only": false}]), "public suffix"),
            (json!([{"name": "n", "value": "hunter2", "domain": "bad host"}]), "not a host name"),
            (json!([{"name": "n", "value": "hunter2", "domain": "h.test", "path": "rel"}]), "path"),
            (json!([{"name": "n", "value": "hunter2", "domain": "h.test", "expires": "soon"}]), "expires"),
            (json!([{"name": "n", "value": "hunter2", "domain": "h.test", "same_site": "maybe"}]), "same_site"),
            (json!([{"name": "n", "value": "hunter2", "domain": "h.test", "secure": "yes"}]), "secure"),
            (json!([{"name": "n", "value": "hunter2", "domain": "h.test", "color": "red"}]), "unknown key"),
        ] {
            let e = CookieJar::from_json(&bad).expect_err(what);
            assert_eq!(e.code(), Code::InvalidArgument, "{bad}");
            assert!(e.message().starts_with("cookies"), "{}", e.message());
            assert!(e.message().contains(what), "{what}: {}", e.message());
            assert!(!e.message().contains("hunter2"), "a value in {}", e.message());
        }
        // A host-only cookie for a host that is a suffix itself is fine.
        assert!(CookieJar::from_json(&json!([{"name": "n", "value": "v", "domain": "localhost"}])).is_ok());
        let many: Vec<_> =
            (0..=MAX_COOKIES).map(|i| json!({"name": format!("c{i}"), "value": "v", "domain": "h.test"})).collect();
        assert!(CookieJar::from_json(&json!(many)).is_err());
    }

    #[test]
    fn debug_shows_no_value() {
        let jar = CookieJar::new();
        set(&jar, "https://h.test/", &["sid=hunter2"]);
        let shown = format!("{jar:?} {:?}", jar.cookies());
        assert!(!shown.contains("hunter2") && shown.contains("sid"), "{shown}");
    }
}
