//! Text that came from a certificate or a server, made safe to show; URLs shown without their
//! credentials.
//!
//! Subjects, SANs, URLs from AIA/CRL extensions, reason phrases and header values are chosen by
//! whoever made the certificate or runs the server. Printed raw, an ESC sequence rewrites the
//! terminal (a fake "verified" line over a refusal, a window title, OSC 52 clipboard writes), a
//! CR/LF forges a log line, and a bidi override makes a name read differently from what it is.
//! Every message, hint and warning tlsguard builds passes through [`display_safe`]; the raw values
//! stay available in the structured fields (`CertificateInfo::subject`, `sans`, ...).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Is `c` shown as an escape rather than as itself: C0 controls (tab, CR and LF included), DEL,
/// C1 controls, and the Unicode bidi controls (embeddings, overrides, isolates, marks).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every control character (C0, DEL, C1) and bidi control written as a visible escape:
/// `\x1b` for those below U+0100, `\u{202e}` for the others. Borrowed when nothing needed escaping.
///
/// ```
/// assert_eq!(tlsguard::display_safe("evil\x1b]0;x\x07\r\nOK"), "evil\\x1b]0;x\\x07\\x0d\\x0aOK");
/// assert_eq!(tlsguard::display_safe("abc\u{202e}fdp.exe"), "abc\\u{202e}fdp.exe");
/// assert_eq!(tlsguard::display_safe("münchen.example"), "münchen.example");
/// ```
pub fn display_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// [`display_safe`] for an owned string (no copy when nothing needed escaping).
pub(crate) fn safe_owned(s: String) -> String {
    match display_safe(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(o) => o,
    }
}

/// `s` without the `user:pass@` of a URL (for messages, `Error::url`, `Response::url`); `s`
/// itself when it has none. In a string that does not parse as a URL, whatever stands between
/// `://` and an `@` of the authority is replaced by `***` (it may be credentials).
pub(crate) fn url_without_credentials(s: &str) -> String {
    if !s.contains('@') {
        return s.to_owned();
    }
    match url::Url::parse(s) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Ok(_) => s.to_owned(),
        Err(_) => {
            let Some(start) = s.find("://").map(|i| i + 3) else { return s.to_owned() };
            let end = s[start..].find(['/', '?', '#']).map_or(s.len(), |i| start + i);
            match s[start..end].rfind('@') {
                Some(at) => format!("{}***{}", &s[..start], &s[start + at..]),
                None => s.to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_or_log_would_act_on() {
        for (raw, shown) in [
            ("plain", "plain"),
            ("tab\there", "tab\\x09here"),
            ("\x1b[2K\rOK", "\\x1b[2K\\x0dOK"),
            ("a\nb", "a\\x0ab"),
            ("del\x7f", "del\\x7f"),
            ("c1\u{9b}31m", "c1\\x9b31m"),
            ("nul\0", "nul\\x00"),
            ("\u{2066}iso\u{2069}", "\\u{2066}iso\\u{2069}"),
            ("rlm\u{200f}", "rlm\\u{200f}"),
            ("ünïcödé ✓ 日本", "ünïcödé ✓ 日本"),
        ] {
            assert_eq!(display_safe(raw), shown, "{raw:?}");
            assert!(display_safe(raw).chars().all(|c| !needs_escape(c)));
        }
        assert!(matches!(display_safe("nothing to do"), Cow::Borrowed(_)));
        assert_eq!(safe_owned("x\ry".into()), "x\\x0dy");
    }
}
