//! Text from users' files made safe to show: in a terminal or CI log, and in HTML.

use std::borrow::Cow;

/// A string from a user's file made safe to print in a terminal, a CI log, Markdown, XML or HTML:
/// control characters (C0 but tab, DEL, C1) and line and paragraph separators become visible
/// escapes (`\n`, `\u{1b}`). Otherwise a name could move the cursor, retitle the terminal, or start
/// a line of its own that CI reads as a command (`::error::` in GitHub Actions).
pub fn printable(s: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}');
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Escapes text for HTML element content and attribute values (control characters shown as
/// escapes, see [`printable`]).
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in printable(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
