//! `mapcheck crosswalk report`: coverage by system and entity, conflicts, orphans and recent
//! changes, as Markdown, one self-contained HTML page (inline CSS and SVG charts, nothing fetched),
//! JSON or CSV.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use super::check::{Conflict, Coverage, Orphans, health};
use super::store::{Access, Store};
use crate::crosswalk::settings::CrosswalkConfig;
use crate::escape::html as esc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Html,
    Json,
    Csv,
}

/// One recorded load or merge.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadRow {
    pub load_id: i64,
    pub kind: String,
    pub system: Option<String>,
    pub entity: Option<String>,
    pub feed: Option<String>,
    pub source_file: Option<String>,
    pub loaded_at: String,
    pub rows_read: i64,
    pub links_opened: i64,
    pub links_closed: i64,
    pub rows_rejected: i64,
}

#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub store: String,
    pub active_links: i64,
    pub all_links: i64,
    pub loads: i64,
    pub coverage: Vec<Coverage>,
    pub conflicts: Vec<Conflict>,
    pub conflicts_total: i64,
    pub orphans: Vec<Orphans>,
    /// The latest loads and merges, newest first.
    pub recent: Vec<LoadRow>,
}

/// Recent loads listed, at most.
const RECENT: usize = 20;

pub fn build(db: &Path, config: &CrosswalkConfig) -> anyhow::Result<Report> {
    let store = Store::open(db, Access::Read)?;
    let dberr = |e: duckdb::Error| anyhow::Error::from(store.err(e));
    let h = health(&store, config)?;
    let (active, all, loads): (i64, i64, i64) = store
        .conn
        .query_row(
            "SELECT (SELECT count(*) FROM links WHERE valid_to IS NULL), (SELECT count(*) FROM links),
                    (SELECT count(*) FROM loads)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(dberr)?;
    let mut stmt = store
        .conn
        .prepare(&format!(
            "SELECT load_id, kind, system, entity, feed, source_file, loaded_at::VARCHAR, rows_read, links_opened,
                    links_closed, rows_rejected
             FROM loads ORDER BY load_id DESC LIMIT {RECENT}"
        ))
        .map_err(dberr)?;
    let recent = stmt
        .query_map([], |r| {
            Ok(LoadRow {
                load_id: r.get(0)?,
                kind: r.get(1)?,
                system: r.get(2)?,
                entity: r.get(3)?,
                feed: r.get(4)?,
                source_file: r.get(5)?,
                loaded_at: r.get(6)?,
                rows_read: r.get(7)?,
                links_opened: r.get(8)?,
                links_closed: r.get(9)?,
                rows_rejected: r.get(10)?,
            })
        })
        .map_err(dberr)?
        .collect::<Result<_, _>>()
        .map_err(dberr)?;
    Ok(Report {
        schema_version: 1,
        store: super::store::shown(db),
        active_links: active,
        all_links: all,
        loads,
        coverage: h.coverage,
        conflicts: h.conflicts,
        conflicts_total: h.conflicts_total,
        orphans: h.orphans,
        recent,
    })
}

pub fn render(report: &Report, format: ReportFormat, out: &mut dyn Write) -> anyhow::Result<()> {
    match format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)?;
        }
        ReportFormat::Markdown => out.write_all(markdown(report).as_bytes())?,
        ReportFormat::Html => out.write_all(html(report).as_bytes())?,
        ReportFormat::Csv => csv_rows(report, out)?,
    }
    Ok(())
}

fn percent(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

fn md_cell(s: &str) -> String {
    crate::escape::printable(s).replace('|', "\\|")
}

fn load_label(l: &LoadRow) -> String {
    match l.kind.as_str() {
        // Stored as `merge A -> B`; the kind column already says merge.
        "merge" => {
            let label = l.source_file.as_deref().unwrap_or_default();
            label.strip_prefix("merge ").unwrap_or(label).to_string()
        }
        _ => format!(
            "{}/{} ({}) from {}",
            l.system.as_deref().unwrap_or(""),
            l.entity.as_deref().unwrap_or(""),
            l.feed.as_deref().unwrap_or(""),
            l.source_file.as_deref().unwrap_or("")
        ),
    }
}

pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Crosswalk report\n");
    let _ = writeln!(
        s,
        "Store `{}`: {} active links, {} in history, {} loads and merges.\n",
        r.store, r.active_links, r.all_links, r.loads
    );
    let _ = writeln!(s, "## Coverage\n");
    if r.coverage.is_empty() {
        let _ = writeln!(s, "No links yet.\n");
    } else {
        coverage_table(&r.coverage, false).markdown(&mut s);
        s.push('\n');
    }
    let _ = writeln!(s, "## Conflicts\n");
    if r.conflicts.is_empty() {
        let _ = writeln!(s, "None.\n");
    } else {
        let _ = writeln!(
            s,
            "{} source ids with more than one active canonical id.\n",
            r.conflicts_total
        );
        conflicts_table(&r.conflicts).markdown(&mut s);
        s.push('\n');
    }
    let _ = writeln!(s, "## Orphans\n");
    if r.orphans.is_empty() {
        let _ = writeln!(
            s,
            "No sample files configured (`[[crosswalk.samples]]` in mapcheck.toml).\n"
        );
    } else {
        orphans_table(&r.orphans).markdown(&mut s);
        s.push('\n');
    }
    let _ = writeln!(s, "## Recent changes\n");
    if r.recent.is_empty() {
        let _ = writeln!(s, "None.");
    } else {
        recent_table(&r.recent).markdown(&mut s);
    }
    s
}

/// A horizontal bar chart: one bar per (label, value in 0..=1, text).
fn bar_chart(bars: &[(String, f64, String)]) -> String {
    let row = 26;
    let label_w = 260;
    let bar_w = 420;
    let height = bars.len() * row + 10;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\">",
        label_w + bar_w + 90
    );
    for (i, (label, value, text)) in bars.iter().enumerate() {
        let y = i * row + 5;
        let w = (value.clamp(0.0, 1.0) * bar_w as f64).round();
        let color = if *value >= 0.95 {
            "#2e7d32"
        } else if *value >= 0.8 {
            "#f9a825"
        } else {
            "#c62828"
        };
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"13\">{}</text>\
<rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"18\" fill=\"#eee\"/>\
<rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"18\" fill=\"{color}\"><title>{}</title></rect>\
<text x=\"{}\" y=\"{}\" font-size=\"13\">{}</text>",
            label_w - 8,
            y + 14,
            esc(label),
            esc(text),
            label_w + bar_w + 6,
            y + 14,
            esc(text)
        );
    }
    s.push_str("</svg>");
    s
}

/// Coverage per entity and system: a bar chart (inline SVG) and the table behind it.
pub fn coverage_html(coverage: &[Coverage]) -> String {
    let mut s = String::new();
    if coverage.is_empty() {
        let _ = writeln!(s, "<p>No links yet.</p>");
        return s;
    }
    let bars: Vec<(String, f64, String)> = coverage
        .iter()
        .map(|c| (format!("{} / {}", c.entity, c.system), c.ratio, percent(c.ratio)))
        .collect();
    s.push_str(&bar_chart(&bars));
    s.push('\n');
    coverage_table(coverage, true).html(&mut s);
    s
}

/// Opened and closed links per recent load, as paired columns (oldest left).
fn loads_chart(loads: &[LoadRow]) -> String {
    let max = loads
        .iter()
        .map(|l| l.links_opened.max(l.links_closed))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let col = 36;
    let h = 160.0;
    let width = loads.len() * col + 40;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{}\" role=\"img\">",
        h as usize + 40
    );
    for (i, l) in loads.iter().rev().enumerate() {
        let x = i * col + 20;
        for (j, (value, color, what)) in [
            (l.links_opened, "#1565c0", "opened"),
            (l.links_closed, "#ef6c00", "closed"),
        ]
        .into_iter()
        .enumerate()
        {
            let bh = (value as f64 / max * h).round();
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"{bh}\" fill=\"{color}\"><title>load {}: {value} {what}</title></rect>",
                x + j * 15,
                10.0 + h - bh,
                l.load_id
            );
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x + 15,
            h as usize + 28,
            l.load_id
        );
    }
    s.push_str("</svg>");
    s
}

pub fn html(r: &Report) -> String {
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Crosswalk report</title>\n<style>\
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}\
td.n{text-align:right}code{background:#f4f4f4;padding:0 3px}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}\
</style></head><body>\n<h1>Crosswalk report</h1>\n",
    );
    let _ = writeln!(
        s,
        "<p>Store <code>{}</code>: {} active links, {} in history, {} loads and merges.</p>",
        esc(&r.store),
        r.active_links,
        r.all_links,
        r.loads
    );
    let _ = writeln!(s, "<h2>Coverage</h2>");
    s.push_str(&coverage_html(&r.coverage));
    let _ = writeln!(s, "<h2>Conflicts</h2>");
    if r.conflicts.is_empty() {
        let _ = writeln!(s, "<p>None.</p>");
    } else {
        let _ = writeln!(
            s,
            "<p>{} source ids with more than one active canonical id.</p>",
            r.conflicts_total
        );
        conflicts_table(&r.conflicts).html(&mut s);
    }
    let _ = writeln!(s, "<h2>Orphans</h2>");
    if r.orphans.is_empty() {
        let _ = writeln!(s, "<p>No sample files configured.</p>");
    } else {
        let bars: Vec<(String, f64, String)> = r
            .orphans
            .iter()
            .map(|o| {
                let linked = if o.ids_read == 0 {
                    1.0
                } else {
                    1.0 - o.orphans as f64 / o.ids_read as f64
                };
                (o.file.clone(), linked, format!("{} orphans", o.orphans))
            })
            .collect();
        s.push_str(&bar_chart(&bars));
        s.push('\n');
        orphans_table(&r.orphans).html(&mut s);
    }
    let _ = writeln!(s, "<h2>Recent changes</h2>");
    if r.recent.is_empty() {
        let _ = writeln!(s, "<p>None.</p>");
    } else {
        let _ = writeln!(
            s,
            "<p class=\"legend\">Links per load:<span style=\"background:#1565c0\"></span>opened<span style=\"background:#ef6c00\"></span>closed</p>"
        );
        s.push_str(&loads_chart(&r.recent));
        s.push('\n');
        recent_table(&r.recent).html(&mut s);
    }
    s.push_str("</body></html>\n");
    s
}

/// A table of the report: the same rows written as Markdown or as HTML.
struct Table {
    /// Each column's title, and whether it holds numbers (right-aligned).
    columns: &'static [(&'static str, bool)],
    rows: Vec<Vec<Cell>>,
}

/// A table cell: text, or an identifier shown as code.
enum Cell {
    Text(String),
    Code(String),
}

fn text(v: impl ToString) -> Cell {
    Cell::Text(v.to_string())
}

impl Table {
    /// `| A | B |` rows under a header whose rule right-aligns the numeric columns.
    fn markdown(&self, s: &mut String) {
        let titles: Vec<&str> = self.columns.iter().map(|(t, _)| *t).collect();
        let rule: Vec<&str> = self
            .columns
            .iter()
            .map(|(_, n)| if *n { "---:" } else { "---" })
            .collect();
        let _ = writeln!(s, "| {} |\n|{}|", titles.join(" | "), rule.join("|"));
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => md_cell(t),
                    Cell::Code(t) => format!("`{}`", md_cell(t)),
                })
                .collect();
            let _ = writeln!(s, "| {} |", cells.join(" | "));
        }
    }

    /// A `<table>` whose numeric cells have class `n`.
    fn html(&self, s: &mut String) {
        s.push_str("<table><tr>");
        for (title, _) in self.columns {
            let _ = write!(s, "<th>{title}</th>");
        }
        s.push_str("</tr>\n");
        for row in &self.rows {
            s.push_str("<tr>");
            for (cell, (_, numeric)) in row.iter().zip(self.columns) {
                s.push_str(if *numeric { "<td class=\"n\">" } else { "<td>" });
                match cell {
                    Cell::Text(t) => s.push_str(&esc(t)),
                    Cell::Code(t) => {
                        let _ = write!(s, "<code>{}</code>", esc(t));
                    }
                }
                s.push_str("</td>");
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
    }
}

/// Coverage per entity and system. Markdown puts the covered and canonical counts in one
/// column ("3 of 4"); HTML, beside its chart, gives each a column.
fn coverage_table(coverage: &[Coverage], html: bool) -> Table {
    let rows = coverage.iter().map(|c| {
        let mut row = vec![text(&c.entity), text(&c.system), text(c.links)];
        if html {
            row.extend([text(c.covered), text(c.canonical)]);
        } else {
            row.push(text(format!("{} of {}", c.covered, c.canonical)));
        }
        row.push(text(percent(c.ratio)));
        row
    });
    Table {
        columns: if html {
            &[
                ("Entity", false),
                ("System", false),
                ("Links", true),
                ("Covered", true),
                ("Canonical ids", true),
                ("Coverage", true),
            ]
        } else {
            &[
                ("Entity", false),
                ("System", false),
                ("Links", true),
                ("Canonical ids covered", true),
                ("Coverage", true),
            ]
        },
        rows: rows.collect(),
    }
}

/// Source ids with more than one active canonical id.
fn conflicts_table(conflicts: &[Conflict]) -> Table {
    Table {
        columns: &[
            ("System", false),
            ("Entity", false),
            ("Source id", false),
            ("Links (feed=canonical)", false),
        ],
        rows: conflicts
            .iter()
            .map(|c| {
                vec![
                    text(&c.system),
                    text(&c.entity),
                    Cell::Code(c.source_id.clone()),
                    text(c.links.join(", ")),
                ]
            })
            .collect(),
    }
}

/// Ids in sample files without a link.
fn orphans_table(orphans: &[Orphans]) -> Table {
    Table {
        columns: &[
            ("Sample", false),
            ("System", false),
            ("Entity", false),
            ("Ids", true),
            ("Without link", true),
            ("Examples", false),
        ],
        rows: orphans
            .iter()
            .map(|o| {
                let examples: Vec<&str> = o.examples.iter().map(|(_, id)| id.as_str()).collect();
                vec![
                    Cell::Code(o.file.clone()),
                    text(&o.system),
                    text(&o.entity),
                    text(o.ids_read),
                    text(o.orphans),
                    text(examples.join(", ")),
                ]
            })
            .collect(),
    }
}

/// The latest loads and merges.
fn recent_table(recent: &[LoadRow]) -> Table {
    Table {
        columns: &[
            ("Load", true),
            ("When (UTC)", false),
            ("What", false),
            ("Rows", true),
            ("Opened", true),
            ("Closed", true),
            ("Rejected", true),
        ],
        rows: recent
            .iter()
            .map(|l| {
                vec![
                    text(l.load_id),
                    text(&l.loaded_at),
                    text(format!("{} {}", l.kind, load_label(l))),
                    text(l.rows_read),
                    text(l.links_opened),
                    text(l.links_closed),
                    text(l.rows_rejected),
                ]
            })
            .collect(),
    }
}

/// One table for spreadsheets: `section,system,entity,key,value,detail`.
fn csv_rows(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut row = |cells: [&str; 6]| w.write_record(cells).map_err(io::Error::other);
    row(["section", "system", "entity", "key", "value", "detail"])?;
    for c in &r.coverage {
        let detail = format!("{} of {} canonical ids; {} links", c.covered, c.canonical, c.links);
        row([
            "coverage",
            &c.system,
            &c.entity,
            "ratio",
            &format!("{:.4}", c.ratio),
            &detail,
        ])?;
    }
    for c in &r.conflicts {
        row([
            "conflict",
            &c.system,
            &c.entity,
            &c.source_id,
            &c.links.len().to_string(),
            &c.links.join(" "),
        ])?;
    }
    for o in &r.orphans {
        let ex = o
            .examples
            .iter()
            .map(|(_, id)| id.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        row(["orphans", &o.system, &o.entity, &o.file, &o.orphans.to_string(), &ex])?;
    }
    for l in &r.recent {
        let detail = format!(
            "{} opened, {} closed, {} rejected",
            l.links_opened, l.links_closed, l.rows_rejected
        );
        row([
            "load",
            l.system.as_deref().unwrap_or(""),
            l.entity.as_deref().unwrap_or(""),
            &l.load_id.to_string(),
            &l.loaded_at,
            &format!("{} {}: {detail}", l.kind, load_label(l)),
        ])?;
    }
    w.flush()
}
