//! Renderers: findings in, text, JSON, Markdown, GitHub workflow commands, SARIF or JUnit out.
//! No check ever prints; no renderer ever checks.

mod github;
pub mod html;
mod junit;
pub mod markdown;
mod sarif;
mod source_diff;

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

pub use crate::escape::printable;
use crate::finding::{Finding, Severity};
use crate::model::Location;
pub(crate) use crate::source::SourceFiles;

/// Output formats for findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Compiler-style, with source snippets (colour on a terminal).
    Text,
    /// The documented, stable JSON report (docs/findings-json.md).
    Json,
    /// A pull-request comment: summary table, then details.
    Markdown,
    /// GitHub Actions workflow commands (annotations on the changed lines).
    Github,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML: one test case per contract.
    Junit,
    /// One self-contained HTML page: summary, chart by contract, filterable findings table.
    Html,
}

/// What a report is about, beyond its findings.
#[derive(Debug, Clone)]
pub struct ReportContext<'a> {
    /// The command that produced it (`diff`, `lint`).
    pub command: &'a str,
    /// The contract files that were checked (JUnit test cases, Markdown table rows).
    pub files: &'a [String],
    /// The severity at or above which a finding fails the run (`None`: nothing fails).
    pub fail_on: Option<Severity>,
    /// Colour (text only).
    pub color: bool,
    /// Files shown under another name: (shown prefix, directory they are in). Text output reads
    /// source lines through these.
    pub aliases: &'a [(String, std::path::PathBuf)],
    /// More sections for the HTML page: (title, HTML body), after the summary by contract.
    pub sections: &'a [(String, String)],
    /// Lines of source either side of a change in text and markdown (`--context`).
    pub context: usize,
}

impl ReportContext<'_> {
    fn fails(&self, f: &Finding) -> bool {
        self.fail_on.is_some_and(|t| f.severity >= t)
    }
}

/// A finding with every string that came from a user's file [`printable`].
fn printable_finding(f: &Finding) -> Finding {
    let location = |l: &Location| Location {
        file: printable(&l.file).into(),
        pointer: printable(&l.pointer).into_owned(),
        ..l.clone()
    };
    Finding {
        message: printable(&f.message).into_owned(),
        path: printable(&f.path).into_owned(),
        help: f.help.as_deref().map(|h| printable(h).into_owned()),
        location: f.location.as_ref().map(location),
        old_location: f.old_location.as_ref().map(location),
        ..f.clone()
    }
}

/// Writes `findings` in `format`. Text, Markdown, JUnit, HTML and GitHub workflow commands get
/// every user string [`printable`] (workflow commands then escape their own line breaks as GitHub
/// requires); JSON and SARIF escape control characters as JSON does.
pub fn render(
    format: OutputFormat,
    findings: &[Finding],
    summary: &Summary,
    cx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let escaped: Vec<Finding>;
    let escaped_files: Vec<String>;
    let escaped_cx;
    let (findings, cx) = if matches!(
        format,
        OutputFormat::Text | OutputFormat::Markdown | OutputFormat::Junit | OutputFormat::Html | OutputFormat::Github
    ) {
        escaped = findings.iter().map(printable_finding).collect();
        escaped_files = cx.files.iter().map(|f| printable(f).into_owned()).collect();
        escaped_cx = ReportContext {
            command: cx.command,
            files: &escaped_files,
            fail_on: cx.fail_on,
            color: cx.color,
            aliases: cx.aliases,
            sections: cx.sections,
            context: cx.context,
        };
        (&escaped[..], &escaped_cx)
    } else {
        (findings, cx)
    };
    match format {
        OutputFormat::Text => {
            let mut sources = SourceFiles::with_aliases(cx.aliases);
            write_text(
                findings,
                summary,
                Style { color: cx.color },
                &mut sources,
                cx.context,
                out,
            )
        }
        OutputFormat::Json => render_json(findings, summary, out),
        OutputFormat::Markdown => markdown::render(findings, summary, cx, out),
        OutputFormat::Github => github::render(&at_repository_paths(findings, cx.aliases), summary, out),
        OutputFormat::Sarif => sarif::render(&at_repository_paths(findings, cx.aliases), cx.aliases, out),
        OutputFormat::Junit => junit::render(findings, summary, cx, out),
        OutputFormat::Html => html::render(findings, summary, cx, out),
    }
}

/// A file name shown under a git ref (`03dd51ad370c:contracts/a.proto`) split into the ref and the
/// repository path; `None` for a working-tree file.
pub(crate) fn split_ref(aliases: &[(String, std::path::PathBuf)], file: &str) -> Option<(String, String)> {
    aliases.iter().find_map(|(shown, _)| {
        file.strip_prefix(shown.as_str())
            .map(|rest| (shown.trim_end_matches(':').to_string(), rest.to_string()))
    })
}

/// `n` and `word`, with an `s` unless there is one: "1 error", "3 contracts".
pub(crate) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Findings whose files are shown under a git ref (a file that only the compared ref has) pointed
/// at their repository path instead: code-scanning dashboards and annotations need a path in the
/// repository. The ref stays in the message; the old location keeps it (annotations show it as
/// text, SARIF names it in the related location's message).
fn at_repository_paths(findings: &[Finding], aliases: &[(String, std::path::PathBuf)]) -> Vec<Finding> {
    findings
        .iter()
        .map(|f| {
            let mut f = f.clone();
            if let Some(loc) = &mut f.location
                && let Some((reference, rest)) = split_ref(aliases, &loc.file)
            {
                loc.file = rest.into();
                f.message = format!("{} (in `{reference}`: the file is not in the working tree)", f.message);
            }
            f
        })
        .collect()
}

/// Findings grouped by the file they point at (findings without a location under `""`), in order.
fn by_file(findings: &[Finding]) -> Vec<(&str, Vec<&Finding>)> {
    let mut groups: Vec<(&str, Vec<&Finding>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for f in findings {
        let file = f.location.as_ref().map_or("", |l| &*l.file);
        let i = *index.entry(file).or_insert_with(|| {
            groups.push((file, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(f);
    }
    groups
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
    /// Findings left out by ignores and `off` rules, and those whose ignore expired.
    pub suppressed: crate::suppress::Suppressed,
    /// What was checked, when not contracts (`crosswalk store`).
    #[serde(skip)]
    pub unit: Option<&'static str>,
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
            suppressed: crate::suppress::Suppressed::default(),
            unit: None,
        }
    }

    /// The same counts, with what suppression did.
    pub fn with_suppressed(mut self, suppressed: crate::suppress::Suppressed) -> Self {
        self.suppressed = suppressed;
        self
    }

    pub fn line(&self) -> String {
        let mut s = format!(
            "{}, {}, {} in {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.infos, "info"),
            plural(self.contracts, self.unit.unwrap_or("contract"))
        );
        if self.unusable > 0 {
            s.push_str(&format!("; {} could not be loaded", plural(self.unusable, "file")));
        }
        let sup = &self.suppressed;
        let hidden = sup.ignored + sup.inline + sup.off;
        if hidden > 0 {
            s.push_str(&format!("; {hidden} suppressed"));
        }
        if sup.expired > 0 {
            s.push_str(&format!(
                "; {} no longer ignored (expired)",
                plural(sup.expired, "finding")
            ));
        }
        if sup.baselined > 0 {
            s.push_str(&format!(
                "; {} in the baseline remain",
                plural(sup.baselined, "finding")
            ));
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

/// Compiler-style text, grouped by file: each finding with the source lines it concerns (the new
/// side, and for a change the old side too), then a one-line summary.
pub fn render_text(findings: &[Finding], summary: &Summary, style: Style, out: &mut dyn Write) -> io::Result<()> {
    write_text(findings, summary, style, &mut SourceFiles::with_aliases(&[]), 2, out)
}

fn write_text(
    findings: &[Finding],
    summary: &Summary,
    style: Style,
    sources: &mut SourceFiles,
    context: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let bold = anstyle::Style::new().bold();
    let dim = anstyle::Style::new().dimmed();
    for (file, group) in by_file(findings) {
        if !file.is_empty() {
            let plural = if group.len() == 1 { "" } else { "s" };
            writeln!(
                out,
                "{}",
                style.paint(bold.underline(), &format!("{file} ({} finding{plural})", group.len()))
            )?;
            writeln!(out)?;
        }
        for f in group {
            writeln!(
                out,
                "{}{} {}",
                style.severity(f.severity),
                style.paint(bold, &format!("[{}]:", f.rule)),
                style.paint(bold, &f.message)
            )?;
            // A change whose two places differ in their text: one unified diff of both.
            let diff = match (&f.location, &f.old_location) {
                (Some(new), Some(old)) if old != new => source_diff::unified(sources, old, new, context),
                _ => None,
            };
            if let Some(loc) = &f.location {
                writeln!(out, "  {} {loc}", style.paint(dim, "-->"))?;
                if diff.is_none() {
                    snippet(sources, loc, style, out)?;
                }
                if !f.path.is_empty() {
                    writeln!(out, "  {} at {}", style.paint(dim, "="), f.path)?;
                }
            }
            if let Some(old) = &f.old_location
                && Some(old) != f.location.as_ref()
            {
                writeln!(out, "  {} before: {old}", style.paint(dim, ":::"))?;
                match &diff {
                    Some(lines) => write_diff(lines, style, out)?,
                    None => snippet(sources, old, style, out)?,
                }
            }
            if let Some(help) = &f.help {
                writeln!(out, "  {} help: {help}", style.paint(dim, "="))?;
            }
            writeln!(out)?;
        }
    }
    writeln!(out, "{}", summary.line())
}

/// A unified diff of old and new source: both line numbers, then `-`, `+` or ` ` and the line.
fn write_diff(lines: &[source_diff::DiffLine], style: Style, out: &mut dyn Write) -> io::Result<()> {
    let dim = anstyle::Style::new().dimmed();
    let width = lines
        .iter()
        .flat_map(|l| [l.old, l.new])
        .flatten()
        .max()
        .map_or(1, |n| n.to_string().len());
    let number = |n: Option<usize>| n.map_or_else(|| " ".repeat(width), |n| format!("{n:>width$}"));
    writeln!(
        out,
        "  {} {} {}",
        " ".repeat(width),
        " ".repeat(width),
        style.paint(dim, "|")
    )?;
    for l in lines {
        let text = format!("{} {}", l.sign, l.text);
        let text = match l.sign {
            '-' => style.paint(
                anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Red.into())),
                &text,
            ),
            '+' => style.paint(
                anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Green.into())),
                &text,
            ),
            _ => text,
        };
        writeln!(
            out,
            "  {} {} {} {text}",
            style.paint(dim, &number(l.old)),
            style.paint(dim, &number(l.new)),
            style.paint(dim, "|")
        )?;
    }
    Ok(())
}

/// The line `loc` points at, with a caret under its column. A long line (a minified document is
/// one line) is shown as a window around the column, with ellipses where it was cut.
fn snippet(sources: &mut SourceFiles, loc: &Location, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let Some(line) = sources.line(loc) else { return Ok(()) };
    let bold = anstyle::Style::new().bold();
    let dim = anstyle::Style::new().dimmed();
    let num = loc.line.to_string();
    let pad = " ".repeat(num.len());
    let (shown, caret) = window(line, loc.col.saturating_sub(1) as usize);
    writeln!(out, "  {pad} {}", style.paint(dim, "|"))?;
    writeln!(out, "  {} {} {shown}", style.paint(dim, &num), style.paint(dim, "|"))?;
    let caret_pad = " ".repeat(caret);
    writeln!(
        out,
        "  {pad} {} {caret_pad}{}",
        style.paint(dim, "|"),
        style.paint(bold, "^")
    )
}

/// At most [`WINDOW`] characters of `line` around the 0-based character column `col`, made
/// printable, and how many characters of that text come before the column.
fn window(line: &str, col: usize) -> (String, usize) {
    const WINDOW: usize = 120;
    let chars: Vec<char> = line.chars().collect();
    let col = col.min(chars.len());
    let (start, end) = if chars.len() <= WINDOW {
        (0, chars.len())
    } else {
        let start = col.saturating_sub(WINDOW / 2).min(chars.len() - WINDOW);
        (start, start + WINDOW)
    };
    let text = |range: &[char]| printable(&range.iter().collect::<String>()).into_owned();
    let before = if start > 0 { "…" } else { "" };
    let after = if end < chars.len() { "…" } else { "" };
    let head = format!("{before}{}", text(&chars[start..col.max(start)]));
    let caret = head.chars().count();
    (format!("{head}{}{after}", text(&chars[col.max(start)..end])), caret)
}

#[cfg(test)]
mod window_tests {
    use super::window;

    #[test]
    fn short_lines_are_shown_whole_and_long_ones_around_the_column() {
        assert_eq!(window("  type: string", 2), ("  type: string".to_string(), 2));
        let long: String = (0..5000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let (shown, caret) = window(&long, 3000);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.chars().count() <= 122);
        assert_eq!(shown.chars().nth(caret), long.chars().nth(3000));
        let (shown, caret) = window(&long, 4999);
        assert!(shown.starts_with('…') && !shown.ends_with('…'));
        assert_eq!(shown.chars().nth(caret), Some(long.chars().last().unwrap()));
        let (shown, caret) = window(&long, 0);
        assert_eq!((shown.chars().next(), caret), (Some('a'), 0));
        // Escaped characters before the column move the caret with them.
        assert_eq!(window("a\u{1b}b", 0).1, 0);
        let (shown, caret) = window("\u{1b}x", 1);
        assert_eq!((shown.chars().nth(caret), caret), (Some('x'), 6), "{shown}");
    }
}

#[cfg(test)]
mod printable_tests {
    use super::printable;

    #[test]
    fn control_characters_and_line_breaks_become_visible() {
        assert_eq!(printable("plain name, with tab\t"), "plain name, with tab\t");
        assert!(matches!(printable("plain"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(
            printable("evil\u{1b}]0;pwn\u{7}\n::error::forged"),
            "evil\\u{1b}]0;pwn\\u{7}\\n::error::forged"
        );
        assert_eq!(
            printable("a\r\nb\u{85}c\u{2028}d\u{7f}"),
            "a\\r\\nb\\u{85}c\\u{2028}d\\u{7f}"
        );
        assert_eq!(printable("名前 ✓"), "名前 ✓");
    }
}
