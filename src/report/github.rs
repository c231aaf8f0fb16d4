//! GitHub Actions workflow commands: each finding becomes an annotation on its file and line
//! (`::error file=...,line=...,col=...,title=...::message`), then a summary line.

use std::io::{self, Write};

use super::Summary;
use crate::finding::{Finding, Severity};

pub fn render(findings: &[Finding], summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    for f in findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(loc) = &f.location {
            props.push(format!("file={}", property(&loc.file)));
            if loc.line > 0 {
                props.push(format!("line={}", loc.line));
                props.push(format!("col={}", loc.col));
            }
        }
        props.push(format!("title={}", property(&format!("mapcheck {}", f.rule))));
        let mut message = f.message.clone();
        if !f.path.is_empty() {
            message.push_str(&format!("\nat {}", f.path));
        }
        if let Some(old) = &f.old_location
            && Some(old) != f.location.as_ref()
        {
            message.push_str(&format!("\nbefore: {old}"));
        }
        if let Some(help) = &f.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        writeln!(out, "::{command} {}::{}", props.join(","), data(&message))?;
    }
    writeln!(out, "{}", summary.line())
}

/// Escapes a command's message (GitHub's `escapeData`).
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (GitHub's `escapeProperty`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_expects() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
