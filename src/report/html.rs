//! One self-contained HTML page (no network: styles, script and charts inline): the verdict, a
//! summary by severity and contract with an inline SVG chart, and a findings table that filters
//! by text and severity as you type.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{ReportContext, Summary, by_file};
use crate::finding::{Finding, Severity};

const STYLE: &str = r#"
:root { --error: #c62828; --warning: #b26a00; --info: #1565c0; --line: #d0d7de; --muted: #57606a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff; font-weight: 600; font-size: 13px; }
.verdict.fails { background: var(--error); } .verdict.passes { background: #2e7d32; }
main { padding: 24px 32px; max-width: 1400px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin-bottom: 20px; }
h2 { font-size: 16px; margin: 0 0 12px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { flex: 1 1 140px; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card b { display: block; font-size: 26px; }
.card.error b { color: var(--error); } .card.warning b { color: var(--warning); } .card.info b { color: var(--info); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; color: var(--muted); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td:nth-child(2) code { white-space: nowrap; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #eff1f3; padding: 1px 4px; border-radius: 4px; word-break: break-all; }
.sev { font-weight: 600; text-transform: uppercase; font-size: 11px; }
.sev.error { color: var(--error); } .sev.warning { color: var(--warning); } .sev.info { color: var(--info); }
.filters { display: flex; gap: 12px; align-items: center; margin-bottom: 10px; flex-wrap: wrap; }
.filters input[type=search] { flex: 1 1 300px; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
.muted { color: var(--muted); }
.lineage td.none { background: #fdecea; }
.lineage td.req::after { content: " *"; color: var(--error); }
.lineage .via { display: block; color: var(--muted); font-size: 12px; }
svg text { font: 12px system-ui, sans-serif; fill: #1f2328; }
"#;

const SCRIPT: &str = r#"
(function () {
  var search = document.getElementById('search');
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-severity]'));
  var rows = Array.prototype.slice.call(document.querySelectorAll('#findings tbody tr'));
  var shown = document.getElementById('shown');
  // A link can carry a filter: report.html#q=enum-value-removed
  if (location.hash.indexOf('#q=') === 0) { search.value = decodeURIComponent(location.hash.slice(3)); }
  function apply() {
    var q = search.value.toLowerCase();
    var allowed = {};
    boxes.forEach(function (b) { allowed[b.dataset.severity] = b.checked; });
    var n = 0;
    rows.forEach(function (r) {
      var ok = allowed[r.dataset.severity] && r.textContent.toLowerCase().indexOf(q) >= 0;
      r.style.display = ok ? '' : 'none';
      if (ok) { n++; }
    });
    shown.textContent = n + ' of ' + rows.length + ' shown';
  }
  search.addEventListener('input', apply);
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  apply();
})();
"#;

pub(crate) use crate::escape::html as esc;

pub fn render(findings: &[Finding], summary: &Summary, cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
    let failing = findings.iter().filter(|f| cx.fails(f)).count();
    let verdict = if failing > 0 { "fails" } else { "passes" };
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(out, "<title>mapcheck {}: {verdict}</title>", esc(cx.command))?;
    writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>")?;
    writeln!(
        out,
        "<header><h1>mapcheck {} <span class=\"verdict {verdict}\">{verdict}</span></h1><div class=\"muted\">{}</div></header>",
        esc(cx.command),
        esc(&summary.line())
    )?;
    writeln!(out, "<main>")?;
    cards(summary, out)?;
    by_contract(findings, cx, out)?;
    for (title, body) in cx.sections {
        writeln!(out, "<section><h2>{}</h2>\n{body}</section>", esc(title))?;
    }
    table(findings, out)?;
    writeln!(out, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>")
}

fn cards(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<section><h2>Summary</h2><div class=\"cards\">")?;
    for (class, label, n) in [
        ("error", "errors", summary.errors),
        ("warning", "warnings", summary.warnings),
        ("info", "infos", summary.infos),
        ("", "contracts", summary.contracts),
    ] {
        writeln!(out, "<div class=\"card {class}\"><b>{n}</b>{label}</div>")?;
    }
    let sup = &summary.suppressed;
    let hidden = sup.ignored + sup.inline + sup.off + sup.baselined;
    if hidden > 0 {
        writeln!(out, "<div class=\"card\"><b>{hidden}</b>suppressed or baselined</div>")?;
    }
    writeln!(out, "</div></section>")
}

/// A table by contract and severity, with a stacked bar per contract drawn as inline SVG.
fn by_contract(findings: &[Finding], cx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
    let mut counts: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for file in cx.files {
        counts.entry(file.clone()).or_default();
    }
    for (file, group) in by_file(findings) {
        let c = counts.entry(file.to_string()).or_default();
        for f in group {
            c[match f.severity {
                Severity::Error => 0,
                Severity::Warning => 1,
                Severity::Info => 2,
            }] += 1;
        }
    }
    writeln!(out, "<section><h2>By contract</h2>")?;
    if counts.is_empty() {
        return writeln!(out, "<p class=\"muted\">No contracts were checked.</p></section>");
    }
    let max = counts
        .values()
        .map(|c| c.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (bar_width, row) = (360.0_f64, 22usize);
    writeln!(
        out,
        "<table><thead><tr><th>Contract</th><th>Errors</th><th>Warnings</th><th>Infos</th><th>Findings</th></tr></thead><tbody>"
    )?;
    for (file, c) in &counts {
        let name = if file.is_empty() { "(no file)" } else { file };
        write!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>",
            esc(name),
            c[0],
            c[1],
            c[2]
        )?;
        write!(
            out,
            "<svg width=\"{bar_width}\" height=\"{row}\" role=\"img\" aria-label=\"{} errors, {} warnings, {} infos\">",
            c[0], c[1], c[2]
        )?;
        let mut x = 0.0;
        for (n, colour) in c.iter().zip(["#c62828", "#b26a00", "#1565c0"]) {
            let w = bar_width * (*n as f64) / (max as f64);
            if w > 0.0 {
                write!(
                    out,
                    "<rect x=\"{x:.1}\" y=\"4\" width=\"{w:.1}\" height=\"{}\" fill=\"{colour}\"/>",
                    row - 8
                )?;
            }
            x += w;
        }
        writeln!(out, "</svg></td></tr>")?;
    }
    writeln!(out, "</tbody></table></section>")
}

fn table(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<section><h2>Findings</h2>")?;
    if findings.is_empty() {
        return writeln!(out, "<p class=\"muted\">No findings.</p></section>");
    }
    writeln!(
        out,
        "<div class=\"filters\"><input type=\"search\" id=\"search\" placeholder=\"Filter by rule, file, path or message\" aria-label=\"Filter findings\">"
    )?;
    for s in ["error", "warning", "info"] {
        writeln!(
            out,
            "<label><input type=\"checkbox\" data-severity=\"{s}\" checked> {s}</label>"
        )?;
    }
    writeln!(out, "<span class=\"muted\" id=\"shown\"></span></div>")?;
    writeln!(
        out,
        "<table id=\"findings\"><thead><tr><th>Severity</th><th>Rule</th><th>Where</th><th>Message</th></tr></thead><tbody>"
    )?;
    for f in findings {
        let at = f.location.as_ref().map(|l| l.to_string()).unwrap_or_default();
        let before = f
            .old_location
            .as_ref()
            .filter(|o| Some(*o) != f.location.as_ref())
            .map(|o| {
                format!(
                    "<div class=\"muted\">before: <code>{}</code></div>",
                    esc(&o.to_string())
                )
            })
            .unwrap_or_default();
        let help = f
            .help
            .as_deref()
            .map(|h| format!("<div class=\"muted\">{}</div>", esc(h)))
            .unwrap_or_default();
        writeln!(
            out,
            "<tr data-severity=\"{sev}\"><td><span class=\"sev {sev}\">{sev}</span></td><td><code>{rule}</code></td>\
<td><code>{at}</code><div class=\"muted\">{path}</div>{before}</td><td>{message}{help}</td></tr>",
            sev = f.severity.as_str(),
            rule = esc(f.rule),
            at = esc(&at),
            path = esc(&f.path),
            message = esc(&f.message),
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

/// The mapping lineage matrix: one table per canonical entity version, a row per canonical field,
/// a column per source system; each cell names the source fields and the transform. Required
/// fields are starred; fields nothing fills are shaded.
pub fn lineage_matrix(lineages: &[crate::mapping::Lineage]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if lineages.is_empty() {
        s.push_str("<p class=\"muted\">No mappings.</p>\n");
        return s;
    }
    for l in lineages {
        let systems: std::collections::BTreeSet<&str> = l
            .fields
            .iter()
            .flat_map(|f| f.sources.iter().map(|x| x.system.as_str()))
            .collect();
        let unfilled = l.fields.iter().filter(|f| f.unfilled()).count();
        let _ = writeln!(
            s,
            "<h3>{} v{} <span class=\"muted\">(<code>{}</code>: {} fields, {} filled by no source)</span></h3>",
            esc(&l.entity),
            l.version,
            esc(&l.file),
            l.fields.len(),
            unfilled
        );
        s.push_str("<table class=\"lineage\"><thead><tr><th>canonical field</th>");
        for sys in &systems {
            let _ = write!(s, "<th>{}</th>", esc(sys));
        }
        s.push_str("</tr></thead><tbody>\n");
        for f in &l.fields {
            let class = match (f.required, f.unfilled()) {
                (true, true) => " class=\"req none\"",
                (true, false) => " class=\"req\"",
                (false, true) => " class=\"none\"",
                (false, false) => "",
            };
            let through = if f.through_fields {
                " <span class=\"muted\">(through its fields)</span>"
            } else {
                ""
            };
            let _ = write!(s, "<tr><td{class}><code>{}</code>{through}</td>", esc(&f.path));
            for sys in &systems {
                let cells: Vec<String> = f
                    .sources
                    .iter()
                    .filter(|x| x.system == *sys)
                    .map(|x| {
                        let from = if x.from.is_empty() {
                            "(constant)".to_string()
                        } else {
                            x.from.join(" + ")
                        };
                        format!(
                            "<code title=\"{}\">{}</code><span class=\"via\">{}</span>",
                            esc(&x.at),
                            esc(&from),
                            esc(&x.transform)
                        )
                    })
                    .collect();
                let _ = write!(s, "<td>{}</td>", cells.join("<br>"));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody></table>\n");
    }
    s
}

/// `mapcheck map lineage --format html`: the lineage matrix as one self-contained page.
pub fn lineage_page(lineages: &[crate::mapping::Lineage]) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>mapcheck lineage</title>\n\
<style>{STYLE}</style>\n</head>\n<body>\n<header><h1>Mapping lineage</h1>\
<div class=\"muted\">Which source fields of which systems fill each canonical field (* required; shaded: no source).</div></header>\n\
<main><section>\n{}</section></main>\n</body>\n</html>\n",
        lineage_matrix(lineages)
    )
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_in_text_and_attributes() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
