//! A pull-request comment: a headline, a table by contract and severity, then the findings of each
//! file (collapsed when there are many).

use std::io::{self, Write};

use super::{ReportContext, SourceFiles, Summary, by_file, source_diff};
use crate::finding::{Finding, Severity};

/// Files with more findings than this start collapsed.
const OPEN_UP_TO: usize = 10;

pub fn render(findings: &[Finding], summary: &Summary, cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
    let failing = findings.iter().filter(|f| cx.fails(f)).count();
    let verdict = if failing > 0 { "fails" } else { "passes" };
    writeln!(out, "## mapcheck {}: {verdict}", cx.command)?;
    writeln!(out)?;
    writeln!(out, "{}.", summary.line())?;
    if findings.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "| Contract | Errors | Warnings | Infos |")?;
    writeln!(out, "|---|---:|---:|---:|")?;
    let groups = by_file(findings);
    for (file, group) in &groups {
        let count = |s: Severity| group.iter().filter(|f| f.severity == s).count();
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            if file.is_empty() {
                "(no file)".to_string()
            } else {
                format!("`{}`", cell(file))
            },
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info)
        )?;
    }
    let mut sources = SourceFiles::with_aliases(cx.aliases);
    for (file, group) in &groups {
        writeln!(out)?;
        let open = if group.len() <= OPEN_UP_TO { " open" } else { "" };
        let plural = if group.len() == 1 { "" } else { "s" };
        let name = if file.is_empty() { "(no file)" } else { file };
        writeln!(
            out,
            "<details{open}><summary><code>{}</code>: {} finding{plural}</summary>",
            html(name),
            group.len()
        )?;
        writeln!(out)?;
        for f in group {
            let at = f
                .location
                .as_ref()
                .filter(|l| l.line > 0)
                .map(|l| format!(" (line {})", l.line))
                .unwrap_or_default();
            writeln!(out, "- **{}** `{}`{at}: {}", f.severity, f.rule, text(&f.message))?;
            if !f.path.is_empty() {
                writeln!(out, "  - at `{}`", f.path.replace('`', "'"))?;
            }
            if let Some(old) = &f.old_location
                && Some(old) != f.location.as_ref()
            {
                writeln!(out, "  - before: `{}`", old.to_string().replace('`', "'"))?;
                if let Some(new) = &f.location
                    && let Some(lines) = source_diff::unified(&mut sources, old, new, cx.context)
                {
                    // A fence longer than any backtick run in the lines keeps them verbatim.
                    let longest = lines.iter().map(|l| longest_run(&l.text, '`')).max().unwrap_or(0);
                    let fence = "`".repeat(longest.max(2) + 1);
                    writeln!(out)?;
                    writeln!(out, "  {fence}diff")?;
                    for l in &lines {
                        writeln!(out, "  {}{}", l.sign, l.text)?;
                    }
                    writeln!(out, "  {fence}")?;
                }
            }
            if let Some(help) = &f.help {
                writeln!(out, "  - help: {}", text(help))?;
            }
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    Ok(())
}

/// The longest run of `c` in `s`.
fn longest_run(s: &str, c: char) -> usize {
    s.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

/// Message text: HTML-significant characters escaped (code spans in messages stay code spans).
fn text(s: &str) -> String {
    html(&s.replace('\n', " "))
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A table cell: no pipes or newlines.
fn cell(s: &str) -> String {
    super::printable(s).replace('|', "\\|").replace('`', "'")
}

/// `map lineage --format markdown`: a table per canonical entity version, each field with the
/// sources that fill it, then the fields no source fills.
pub fn lineage(lineages: &[crate::mapping::Lineage], out: &mut dyn Write) -> io::Result<()> {
    if lineages.is_empty() {
        return writeln!(out, "No mapping targets a canonical entity version that exists.");
    }
    // Names come from users' files: no control characters or line breaks reach the page raw.
    let p = |s: &str| super::printable(s).into_owned();
    for l in lineages {
        writeln!(out, "## {} v{} (`{}`)\n", p(&l.entity), l.version, p(&l.file))?;
        writeln!(out, "| canonical field | required | fed by |")?;
        writeln!(out, "|---|---|---|")?;
        let mut unfilled = Vec::new();
        for f in &l.fields {
            let fed = if f.through_fields {
                "(through its fields)".to_string()
            } else if f.sources.is_empty() {
                unfilled.push(f.path.as_str());
                "—".to_string()
            } else {
                f.sources
                    .iter()
                    .map(|s| {
                        let from = if s.from.is_empty() {
                            String::new()
                        } else {
                            format!(" `{}`", p(&s.from.join("`, `")))
                        };
                        format!("{}{from} ({})", p(&s.system), p(&s.transform))
                    })
                    .collect::<Vec<_>>()
                    .join("<br>")
            };
            writeln!(
                out,
                "| `{}` | {} | {fed} |",
                p(&f.path),
                if f.required { "yes" } else { "" }
            )?;
        }
        writeln!(out)?;
        if !unfilled.is_empty() {
            writeln!(
                out,
                "No source fills: {}.\n",
                unfilled
                    .iter()
                    .map(|u| format!("`{}`", p(u)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
    }
    Ok(())
}
