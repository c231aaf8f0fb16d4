//! Strict JSON (RFC 8259) read straight into the positioned tree, without an intermediate syntax
//! tree: a 47 MB minified OpenAPI document is millions of nodes, and building each twice cost as
//! much memory as the tree itself (and, in page faults, most of the load time).

use std::sync::Arc;

use indexmap::IndexMap;

use super::{LineIndex, MAX_DEPTH, MapEntry, Node, SyntaxError, Value};

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    index: &'a LineIndex<'a>,
}

/// Parses one JSON value that makes up the whole of `text` (surrounding whitespace allowed).
pub(super) fn parse(text: &str, index: &LineIndex) -> Result<Node, SyntaxError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        at: 0,
        index,
    };
    p.skip_space();
    if p.at == p.bytes.len() {
        return Err(p.error_at(p.at, "empty document: expected a JSON value".into()));
    }
    let node = p.value(0)?;
    p.skip_space();
    if p.at < p.bytes.len() {
        return Err(p.error_at(p.at, "invalid JSON: text after the end of the document".into()));
    }
    Ok(node)
}

impl Parser<'_> {
    fn error_at(&self, offset: usize, message: String) -> SyntaxError {
        SyntaxError {
            pos: self.index.pos(offset),
            message,
        }
    }

    fn unexpected(&self, expected: &str) -> SyntaxError {
        let found = match self.text[self.at..].chars().next() {
            None => "the end of the document".to_string(),
            Some(c) if c.is_control() => format!("{c:?}"),
            Some(c) => format!("`{c}`"),
        };
        self.error_at(self.at, format!("invalid JSON: expected {expected}, found {found}"))
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        let start = self.at;
        let pos = self.index.pos(start);
        let value = match self.bytes.get(self.at) {
            // `depth` containers enclose this one: it would be number `depth + 1`.
            Some(b'{' | b'[') if depth >= MAX_DEPTH => {
                return Err(self.error_at(start, format!("document nests deeper than {MAX_DEPTH} levels")));
            }
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => Value::Number(Arc::from(self.number()?)),
            Some(b't') => self.word("true", Value::Bool(true))?,
            Some(b'f') => self.word("false", Value::Bool(false))?,
            Some(b'n') => self.word("null", Value::Null)?,
            _ => return Err(self.unexpected("a value")),
        };
        Ok(Node { value, pos })
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.unexpected("a value"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.at += 1; // {
        let mut map: IndexMap<String, MapEntry> = IndexMap::new();
        self.skip_space();
        if self.bytes.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Ok(Value::Map(Box::new(map)));
        }
        loop {
            self.skip_space();
            if self.bytes.get(self.at) != Some(&b'"') {
                return Err(self.unexpected("a property name in double quotes"));
            }
            let key_start = self.at;
            // Positions are asked for in document order: the index counts columns from the last.
            let key_pos = self.index.pos(key_start);
            let key = self.string()?;
            self.skip_space();
            if self.bytes.get(self.at) != Some(&b':') {
                return Err(self.unexpected("`:` after a property name"));
            }
            self.at += 1;
            self.skip_space();
            let value = self.value(depth + 1)?;
            if map.contains_key(&key) {
                return Err(self.error_at(key_start, format!("duplicate key `{key}` in object")));
            }
            map.insert(key, MapEntry { key_pos, value });
            self.skip_space();
            match self.bytes.get(self.at) {
                Some(b',') => self.comma(b'}')?,
                Some(b'}') => {
                    self.at += 1;
                    map.shrink_to_fit();
                    return Ok(Value::Map(Box::new(map)));
                }
                _ => return Err(self.unexpected("`,` or `}`")),
            }
        }
    }

    /// Steps over the `,` at `self.at` and the space after it; refuses a trailing comma.
    fn comma(&mut self, close: u8) -> Result<(), SyntaxError> {
        let comma = self.at;
        self.at += 1;
        self.skip_space();
        if self.bytes.get(self.at) == Some(&close) {
            let close = char::from(close);
            return Err(self.error_at(comma, format!("invalid JSON: trailing comma before `{close}`")));
        }
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.at += 1; // [
        let mut items = Vec::new();
        self.skip_space();
        if self.bytes.get(self.at) == Some(&b']') {
            self.at += 1;
            return Ok(Value::Seq(items));
        }
        loop {
            self.skip_space();
            items.push(self.value(depth + 1)?);
            self.skip_space();
            match self.bytes.get(self.at) {
                Some(b',') => self.comma(b']')?,
                Some(b']') => {
                    self.at += 1;
                    items.shrink_to_fit();
                    return Ok(Value::Seq(items));
                }
                _ => return Err(self.unexpected("`,` or `]`")),
            }
        }
    }

    /// A string literal at `self.at` (which is `"`), unescaped.
    fn string(&mut self) -> Result<String, SyntaxError> {
        let open = self.at;
        self.at += 1;
        let mut out = String::new();
        let mut run = self.at; // start of the bytes not yet copied into `out`
        loop {
            match self.bytes.get(self.at) {
                None => return Err(self.error_at(open, "invalid JSON: unterminated string".into())),
                Some(b'"') => {
                    out.push_str(&self.text[run..self.at]);
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(&self.text[run..self.at]);
                    self.escape(&mut out)?;
                    run = self.at;
                }
                Some(&b) if b < 0x20 => {
                    return Err(self.unexpected("a character (control characters must be escaped in strings)"));
                }
                Some(_) => self.at += 1,
            }
        }
    }

    /// One escape sequence at `self.at` (which is `\`), appended to `out`.
    fn escape(&mut self, out: &mut String) -> Result<(), SyntaxError> {
        let start = self.at;
        let bad = |p: &Self| p.error_at(start, "invalid JSON: invalid escape sequence in a string".into());
        let c = match self.bytes.get(self.at + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let high = self.hex4(self.at + 2).ok_or_else(|| bad(self))?;
                self.at += 6;
                let code = if (0xD800..0xDC00).contains(&high) {
                    // A high surrogate must be followed by an escaped low one.
                    let low = (self.bytes.get(self.at) == Some(&b'\\') && self.bytes.get(self.at + 1) == Some(&b'u'))
                        .then(|| self.hex4(self.at + 2))
                        .flatten()
                        .filter(|l| (0xDC00..0xE000).contains(l))
                        .ok_or_else(|| bad(self))?;
                    self.at += 6;
                    0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    high
                };
                out.push(char::from_u32(code).ok_or_else(|| bad(self))?);
                return Ok(());
            }
            _ => return Err(bad(self)),
        };
        out.push(c);
        self.at += 2;
        Ok(())
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.text.get(at..at + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(digits, 16).ok()
    }

    /// A number's text, checked against the JSON grammar (`-? int frac? exp?`).
    fn number(&mut self) -> Result<&str, SyntaxError> {
        let start = self.at;
        let digits = |p: &mut Self| {
            let from = p.at;
            while p.bytes.get(p.at).is_some_and(u8::is_ascii_digit) {
                p.at += 1;
            }
            p.at - from
        };
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match self.bytes.get(self.at) {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.unexpected("a digit")),
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if digits(self) == 0 {
                return Err(self.unexpected("a digit after the decimal point"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return Err(self.unexpected("a digit in the exponent"));
            }
        }
        Ok(&self.text[start..self.at])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Node, SyntaxError> {
        parse(text, &LineIndex::new(text))
    }

    /// The tree as serde_json would read it, numbers as their text.
    fn plain(n: &Node) -> serde_json::Value {
        match &n.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Number(t) => serde_json::Value::String(format!("#{}", t.parse::<f64>().unwrap())),
            Value::String(s) => s.clone().into(),
            Value::Seq(items) => items.iter().map(plain).collect(),
            Value::Map(m) => serde_json::Value::Object(m.iter().map(|(k, e)| (k.clone(), plain(&e.value))).collect()),
        }
    }

    fn numbers_as_text(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Number(n) => serde_json::Value::String(format!("#{}", n.as_f64().unwrap())),
            serde_json::Value::Array(a) => a.into_iter().map(numbers_as_text).collect(),
            serde_json::Value::Object(o) => {
                serde_json::Value::Object(o.into_iter().map(|(k, v)| (k, numbers_as_text(v))).collect())
            }
            other => other,
        }
    }

    #[test]
    fn agrees_with_serde_json_on_what_is_json() {
        let cases = [
            r#"{"a": [1, -2, 3.5, 1e3, 0.5E-2, true, false, null], "b": {"c": "d"}}"#,
            r#"  "esc: \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 é"  "#,
            "[]",
            "{}",
            "[[], {}, [[]]]",
            "0",
            "-0",
            // Not JSON:
            "",
            "   ",
            "[1,]",
            "{\"a\":1,}",
            "{a: 1}",
            "{'a': 1}",
            "[01]",
            "[1.]",
            "[.5]",
            "[+1]",
            "[1e]",
            "[-]",
            "[tru]",
            "[nul]",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "\"\\u12\"",
            "\"a\tb\"",
            "\"open",
            "[1] 2",
            "[1 2]",
            "{\"a\" 1}",
            "[NaN]",
            "[Infinity]",
            "// c\n1",
        ];
        for case in cases {
            let ours = parse_str(case);
            let theirs = serde_json::from_str::<serde_json::Value>(case);
            match (&ours, &theirs) {
                (Ok(n), Ok(v)) => assert_eq!(plain(n), numbers_as_text(v.clone()), "{case}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{case:?}: ours {ours:?}, serde_json {theirs:?}"),
            }
        }
    }

    #[test]
    fn nesting_is_refused_at_the_container_past_the_limit() {
        let nested = |n: usize| "[".repeat(n) + &"]".repeat(n);
        assert!(parse_str(&nested(MAX_DEPTH)).is_ok());
        let e = parse_str(&nested(MAX_DEPTH + 1)).unwrap_err();
        assert_eq!((e.pos.line, e.pos.col), (1, MAX_DEPTH as u32 + 1), "{e}");
        assert!(e.message.contains("nests deeper than"), "{e}");
        // Deep data, not deep text: scalars at the limit are fine, as are brackets in strings.
        let at_limit = "[".repeat(MAX_DEPTH) + "\"[[[[\"" + &"]".repeat(MAX_DEPTH);
        assert!(parse_str(&at_limit).is_ok());
    }

    #[test]
    fn numbers_keep_their_text_and_errors_their_place() {
        let n = parse_str("[1.10, 9007199254740993]").unwrap();
        let Value::Seq(items) = &n.value else { panic!() };
        assert_eq!(items[0].value, Value::Number("1.10".into()));
        assert_eq!(items[1].value, Value::Number("9007199254740993".into()));
        let e = parse_str("{\n  \"a\": tru\n}").unwrap_err();
        assert_eq!((e.pos.line, e.pos.col), (2, 8), "{e}");
        let e = parse_str("[\n1,\n]").unwrap_err();
        assert_eq!((e.pos.line, e.pos.col), (2, 2), "{e}");
        assert!(e.message.contains("trailing comma"), "{e}");
    }
}
