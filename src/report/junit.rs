//! JUnit XML: one test case per contract file; each finding at or above `--fail-on` is a failure
//! of its file's test case, the others are listed in its output.

use std::io::{self, Write};

use super::{ReportContext, Summary, by_file};
use crate::finding::Finding;

pub fn render(findings: &[Finding], summary: &Summary, cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
    let groups = by_file(findings);
    // Every checked file is a test case; files findings point at that are not among them too.
    let mut cases: Vec<(&str, Vec<&Finding>)> = cx.files.iter().map(|f| (f.as_str(), Vec::new())).collect();
    for (file, group) in groups {
        match cases.iter_mut().find(|(f, _)| *f == file) {
            Some((_, list)) => list.extend(group),
            None => cases.push((file, group)),
        }
    }
    let failed = cases.iter().filter(|(_, g)| g.iter().any(|f| cx.fails(f))).count();
    let name = format!("mapcheck {}", cx.command);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="{}" tests="{}" failures="{failed}" errors="0">"#,
        xml(&name),
        cases.len()
    )?;
    writeln!(
        out,
        r#"  <testsuite name="{}" tests="{}" failures="{failed}" errors="0" skipped="0">"#,
        xml(&name),
        cases.len()
    )?;
    for (file, group) in &cases {
        let case = if file.is_empty() { "(no file)" } else { file };
        writeln!(
            out,
            r#"    <testcase name="{}" classname="mapcheck.{}" file="{}">"#,
            xml(case),
            xml(cx.command),
            xml(file)
        )?;
        for f in group.iter().filter(|f| cx.fails(f)) {
            writeln!(
                out,
                r#"      <failure type="{}" message="{}">{}</failure>"#,
                xml(f.rule),
                xml(&f.message),
                xml(&details(f))
            )?;
        }
        let others: Vec<String> = group.iter().filter(|f| !cx.fails(f)).map(|f| details(f)).collect();
        if !others.is_empty() {
            writeln!(out, "      <system-out>{}</system-out>", xml(&others.join("\n\n")))?;
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")?;
    writeln!(out, "<!-- {} -->", xml(&summary.line()).replace("--", "- -"))
}

/// A finding as plain text: severity, rule, message, where.
fn details(f: &Finding) -> String {
    let mut s = format!("{} [{}]: {}", f.severity, f.rule, f.message);
    if let Some(loc) = &f.location {
        s.push_str(&format!("\n  at {loc}"));
    }
    if !f.path.is_empty() {
        s.push_str(&format!(" ({})", f.path));
    }
    if let Some(old) = &f.old_location
        && Some(old) != f.location.as_ref()
    {
        s.push_str(&format!("\n  before: {old}"));
    }
    s
}

/// Escapes text for XML 1.0 attributes and content, dropping characters XML cannot carry.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_and_drops_invalid_characters() {
        assert_eq!(xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
