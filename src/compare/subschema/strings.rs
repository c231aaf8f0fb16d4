//! Inclusion of string sets (lengths, patterns, formats, finite lists), and what a pattern tells:
//! its literal prefix, the names it matches (probes sampled from it).

use super::*;

impl<'a> Checker<'a> {
    /// `Some(verdict)` when the string set `x` is not (surely) within `ys`.
    pub(super) fn str_within(&mut self, x: &Str, ys: &[Str], path: &str, a: &[&Type], b: &[&Type]) -> Option<Verdict> {
        if x.max.is_some_and(|m| m < x.min) {
            return None;
        }
        if let Some(values) = &x.values {
            for v in values.clone() {
                if !self.str_admits(x, &v) {
                    continue;
                }
                let ok = ys
                    .iter()
                    .any(|y| (y.format.is_none() || y.format == x.format) && self.str_admits(y, &v));
                if !ok {
                    let rule = if ys.iter().any(|y| y.values.is_some()) {
                        c::ENUM_VALUE
                    } else if ys.is_empty() {
                        c::TYPE
                    } else {
                        c::Directed::either(&c::PATTERN_CHANGED)
                    };
                    return Some(self.no(rule, path, format!("the string \"{v}\""), a, b, &["enum", "const"]));
                }
            }
            return None;
        }
        if ys.is_empty() {
            return Some(self.no(c::TYPE, path, "strings".into(), a, b, &["type"]));
        }
        // A finite set cannot hold an infinite one.
        if ys.iter().all(|y| y.values.is_some()) {
            return Some(self.no(
                c::TYPE,
                path,
                "strings outside the listed values".into(),
                a,
                b,
                &["enum", "const"],
            ));
        }
        let mut pattern_gap = None;
        let mut format_gap = false;
        let mut excluded_gap = None;
        let mut usable = Vec::new();
        for y in ys.iter().filter(|y| y.values.is_none()) {
            if y.format.is_some() && y.format != x.format {
                format_gap = true;
                continue;
            }
            if let Some(p) = y.patterns.iter().find(|p| !x.patterns.contains(p)) {
                pattern_gap = Some(p.clone());
                continue;
            }
            if let Some(e) = y.excluded.iter().find(|e| self.str_admits(x, e)) {
                excluded_gap = Some(e.clone());
                continue;
            }
            usable.push((y.min, y.max));
        }
        if crate::compare::subschema::scalar::range_within((x.min, x.max), &usable) {
            return None;
        }
        if usable.is_empty() {
            if let Some(e) = excluded_gap.filter(|_| pattern_gap.is_none() && !format_gap) {
                return Some(self.no(
                    c::Directed::either(&c::NOT_CHANGED),
                    path,
                    format!("the string \"{e}\""),
                    a,
                    b,
                    &["not"],
                ));
            }
            if format_gap && pattern_gap.is_none() {
                return Some(self.no(
                    c::Directed::either(&c::FORMAT_CHANGED),
                    path,
                    "strings of another format".into(),
                    a,
                    b,
                    &["format"],
                ));
            }
            if let Some(p) = pattern_gap {
                // Look for a string of `x` the pattern rejects.
                for probe in probes(x) {
                    if self.str_admits(x, &probe) && !ys.iter().any(|y| self.str_admits(y, &probe)) {
                        return Some(self.no(
                            c::Directed::either(&c::PATTERN_CHANGED),
                            path,
                            format!("the string \"{probe}\""),
                            a,
                            b,
                            &["pattern"],
                        ));
                    }
                }
                return Some(Verdict::Unknown(format!(
                    "whether the strings of one pattern all match `{p}` (regular-expression inclusion is not decided)"
                )));
            }
        }
        // Lengths.
        let min_ok = usable.iter().any(|(l, _)| *l <= x.min);
        let (rules, what, kw): (c::Directed, String, &[&str]) = if !min_ok {
            (
                c::MIN_LENGTH,
                format!("strings of {} characters", x.min),
                &["minLength"],
            )
        } else {
            (c::MAX_LENGTH, "longer strings".into(), &["maxLength"])
        };
        Some(self.no(rules, path, what, a, b, kw))
    }
}

/// The literal text a pattern starts with (`^x_` gives `x_`), if it starts with one.
pub(crate) fn literal_prefix(pattern: &str) -> String {
    let p = pattern.strip_prefix('^').unwrap_or(pattern);
    let mut out = String::new();
    let mut chars = p.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            match chars.next() {
                Some(n) if !n.is_ascii_alphanumeric() => out.push(n),
                _ => break,
            }
        } else if "[](){}.*+?|^$".contains(ch) {
            // A quantifier makes the previous character optional or repeated.
            if "*?{".contains(ch) {
                out.pop();
            }
            break;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The characters a bracket class at the start of `rest` lists (ranges by their ends and middle).
pub(super) fn class_chars(rest: &str) -> Vec<char> {
    let Some(body) = rest.strip_prefix('[') else {
        return Vec::new();
    };
    if body.starts_with('^') {
        return Vec::new();
    }
    let Some(end) = body.find(']') else { return Vec::new() };
    let chars: Vec<char> = body[..end].chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len() && chars[i + 1] == '-' {
            let (a, b) = (chars[i] as u32, chars[i + 2] as u32);
            for c in [a, (a + b) / 2, b] {
                out.extend(char::from_u32(c));
            }
            i += 3;
        } else if chars[i] != '\\' {
            out.push(chars[i]);
            i += 1;
        } else {
            i += 2;
        }
    }
    out.truncate(8);
    out
}

/// Property names (or strings) to try for a pattern: its literal start, each character of a
/// class that follows it, and a few endings.
pub(super) fn name_probes(pattern: &str) -> Vec<String> {
    let prefix = literal_prefix(pattern);
    let body = pattern.strip_prefix('^').unwrap_or(pattern);
    let rest = body.get(prefix.len()..).unwrap_or("");
    let mut stems = vec![prefix.clone()];
    for c in class_chars(rest) {
        stems.push(format!("{prefix}{c}"));
    }
    let mut out = Vec::new();
    if let Some(sample) = norm::sample_match(pattern) {
        out.push(sample);
    }
    for stem in &stems {
        for suffix in ["a", "", "1", "ab", "A", "_", "-", "aaaaaaaaaaaaaaaaaaaa"] {
            let s = format!("{stem}{suffix}");
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    for s in ["a", "b", "abc", "A", "1", "x_a", "x-a", "_a", ""] {
        if !out.contains(&s.to_string()) {
            out.push(s.to_string());
        }
    }
    out
}

/// Strings to try against a string set with patterns: from its patterns' literal starts and its
/// length range.
pub(super) fn probes(x: &Str) -> Vec<String> {
    let mut out = Vec::new();
    let min = x.min as usize;
    let pad = |s: String| {
        if s.chars().count() < min {
            let n = min - s.chars().count();
            s + &"a".repeat(n)
        } else {
            s
        }
    };
    for p in &x.patterns {
        for n in name_probes(p) {
            out.push(pad(n));
        }
    }
    for s in ["", "a", "abc", "A", "1", "0", "-", "aaaaaaaaaa", "ABC", "a1", " "] {
        out.push(pad(s.to_string()));
    }
    out.dedup();
    out
}
