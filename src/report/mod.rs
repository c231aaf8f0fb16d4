//! Renderers: findings in, text or JSON out. No check ever prints; no renderer ever checks.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Finding, Severity};

/// Output formats for findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Counts by severity.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Contracts that were checked.
    pub contracts: usize,
    /// Files that could not be loaded at all.
    pub unusable: usize,
}

impl Summary {
    pub fn of(findings: &[Finding], contracts: usize, unusable: usize) -> Self {
        let count = |s| findings.iter().filter(|f| f.severity == s).count();
        Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            contracts,
            unusable,
        }
    }

    pub fn line(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut s = format!(
            "{}, {}, {} in {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.infos, "info"),
            plural(self.contracts, "contract")
        );
        if self.unusable > 0 {
            s.push_str(&format!("; {} could not be loaded", plural(self.unusable, "file")));
        }
        s
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    findings: &'a [Finding],
    summary: &'a Summary,
}

pub fn render_json(findings: &[Finding], summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &JsonReport {
            schema_version: 1,
            findings,
            summary,
        },
    )?;
    writeln!(out)
}

/// Terminal styling, on or off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, style: anstyle::Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let color = match s {
            Severity::Error => anstyle::AnsiColor::Red,
            Severity::Warning => anstyle::AnsiColor::Yellow,
            Severity::Info => anstyle::AnsiColor::Cyan,
        };
        self.paint(anstyle::Style::new().bold().fg_color(Some(color.into())), s.as_str())
    }
}

/// Compiler-style text: each finding with the source line it concerns, then a summary line.
pub fn render_text(findings: &[Finding], summary: &Summary, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let mut sources: HashMap<String, Option<Vec<String>>> = HashMap::new();
    let bold = anstyle::Style::new().bold();
    let dim = anstyle::Style::new().dimmed();
    for f in findings {
        writeln!(
            out,
            "{}{} {}",
            style.severity(f.severity),
            style.paint(bold, &format!("[{}]:", f.rule)),
            style.paint(bold, &f.message)
        )?;
        if let Some(loc) = &f.location {
            writeln!(out, "  {} {loc}", style.paint(dim, "-->"))?;
            if loc.line > 0 {
                let lines = sources.entry(loc.file.to_string()).or_insert_with(|| {
                    std::fs::read_to_string(&*loc.file)
                        .ok()
                        .map(|t| t.lines().map(str::to_string).collect())
                });
                if let Some(line) = lines.as_ref().and_then(|l| l.get(loc.line as usize - 1)) {
                    let num = loc.line.to_string();
                    let pad = " ".repeat(num.len());
                    let shown: String = line.chars().take(160).collect();
                    writeln!(out, "  {pad} {}", style.paint(dim, "|"))?;
                    writeln!(out, "  {} {} {shown}", style.paint(dim, &num), style.paint(dim, "|"))?;
                    let caret_pad = " ".repeat(loc.col.saturating_sub(1) as usize);
                    writeln!(
                        out,
                        "  {pad} {} {caret_pad}{}",
                        style.paint(dim, "|"),
                        style.paint(bold, "^")
                    )?;
                }
            }
            if !loc.pointer.is_empty() {
                writeln!(out, "  {} at {}", style.paint(dim, "="), loc.pointer)?;
            }
        }
        if let Some(old) = &f.old_location
            && Some(old) != f.location.as_ref()
        {
            writeln!(out, "  {} was {old}", style.paint(dim, "="))?;
        }
        if let Some(help) = &f.help {
            writeln!(out, "  {} help: {help}", style.paint(dim, "="))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", summary.line())
}
