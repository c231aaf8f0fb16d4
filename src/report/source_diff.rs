//! The changed fragment of old and new source around a change, as a unified diff: what text and
//! markdown findings show instead of two separate snippets.

use similar::{ChangeTag, TextDiff};

use super::{SourceFiles, printable};
use crate::model::Location;

/// Lines longer than this (minified documents) are shown as windowed snippets instead.
const LONGEST: usize = 200;

/// One line of the diff.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DiffLine {
    /// ' ' (both sides), '-' (old only) or '+' (new only).
    pub sign: char,
    /// 1-based line numbers on each side.
    pub old: Option<usize>,
    pub new: Option<usize>,
    pub text: String,
}

/// `context` lines either side of `old` and of `new`, diffed; `None` when a side cannot be read,
/// a line is too long to show whole, the two fragments are the same text (the change is not in
/// these lines: a moved reference, a renamed type elsewhere), or they share no line at all.
pub(crate) fn unified(
    sources: &mut SourceFiles,
    old: &Location,
    new: &Location,
    context: usize,
) -> Option<Vec<DiffLine>> {
    let (old_first, old_lines) = fragment(sources, old, context)?;
    let (new_first, new_lines) = fragment(sources, new, context)?;
    if old_lines == new_lines {
        return None;
    }
    let (old_refs, new_refs): (Vec<&str>, Vec<&str>) = (
        old_lines.iter().map(String::as_str).collect(),
        new_lines.iter().map(String::as_str).collect(),
    );
    let diff = TextDiff::from_slices(&old_refs, &new_refs);
    let lines: Vec<DiffLine> = diff
        .iter_all_changes()
        .map(|change| DiffLine {
            sign: match change.tag() {
                ChangeTag::Equal => ' ',
                ChangeTag::Delete => '-',
                ChangeTag::Insert => '+',
            },
            old: change.old_index().map(|i| old_first + i),
            new: change.new_index().map(|i| new_first + i),
            text: printable(change.value()).into_owned(),
        })
        .collect();
    // Fragments that share no line are not the same place seen twice (a removal points at the
    // new side's parent): two snippets say more than a diff of unrelated lines.
    if !lines.iter().any(|l| l.sign == ' ') {
        return None;
    }
    // One line of either file (0-based), for the few lines beside the windows that get compared.
    let mut line = |old_side: bool, index: usize| -> Option<String> {
        let file = if old_side { &old.file } else { &new.file };
        sources.get(file)?.line(index).map(str::to_string)
    };
    Some(without_window_edges(lines, &mut line))
}

/// Leaves out lines that look added or removed only because the two windows start or end at
/// different places: the old window around line 7 and the new one around line 5 of a file that
/// lost line 6 do not cover the same lines, and a diff of them shows the new window's first lines
/// as added although the old file has them, just above its window. A run of one-sided lines
/// before the first shared line (or after the last) goes when the other file has the same lines
/// right there. `line(old_side, index)` reads a line of either file.
fn without_window_edges(
    mut lines: Vec<DiffLine>,
    line: &mut dyn FnMut(bool, usize) -> Option<String>,
) -> Vec<DiffLine> {
    if let Some(first) = lines.iter().position(|l| l.sign == ' ') {
        // The other file would have the run just above its first shared line.
        let above = |at: Option<usize>| at.and_then(|at| at.checked_sub(1 + first));
        let (old_from, new_from) = (above(lines[first].old), above(lines[first].new));
        if first > 0 && found_beside(&lines[..first], old_from, new_from, line) {
            lines.drain(..first);
        }
    }
    if let Some(last) = lines.iter().rposition(|l| l.sign == ' ') {
        // ... or just below its last one (a 1-based number is the 0-based index of the next line).
        let (old_from, new_from) = (lines[last].old, lines[last].new);
        if last + 1 < lines.len() && found_beside(&lines[last + 1..], old_from, new_from, line) {
            lines.truncate(last + 1);
        }
    }
    lines
}

/// Whether `run`, lines of one side only (all added or all removed), is in the other file too,
/// from its 0-based line `old_from` (for added lines) or `new_from` (for removed ones).
fn found_beside(
    run: &[DiffLine],
    old_from: Option<usize>,
    new_from: Option<usize>,
    line: &mut dyn FnMut(bool, usize) -> Option<String>,
) -> bool {
    let Some(sign) = run.first().map(|l| l.sign) else {
        return false;
    };
    let (from, added) = match sign {
        '+' => (old_from, true),
        '-' => (new_from, false),
        _ => return false,
    };
    let Some(from) = from else {
        return false;
    };
    run.iter().enumerate().all(|(j, l)| {
        let own = if added { l.new } else { l.old };
        l.sign == sign
            && own.is_some_and(|own| {
                let theirs = line(added, from + j);
                theirs.is_some() && theirs == line(!added, own - 1)
            })
    })
}

/// The 1-based number of the first line, and the lines from `context` before `loc` to `context`
/// after it.
fn fragment(sources: &mut SourceFiles, loc: &Location, context: usize) -> Option<(usize, Vec<String>)> {
    if loc.line == 0 {
        return None;
    }
    let file = sources.get(&loc.file)?;
    let at = loc.line as usize - 1;
    let first = at.saturating_sub(context);
    let last = (at + context).min(file.len().checked_sub(1)?);
    let lines: Vec<String> = (first..=last)
        .filter_map(|i| file.line(i))
        .map(str::to_string)
        .collect();
    if lines.iter().any(|l| l.chars().count() > LONGEST) {
        return None;
    }
    Some((first + 1, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changed_lines_come_out_between_their_context() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.yaml");
        let new = dir.path().join("new.yaml");
        std::fs::write(&old, "a: 1\nb:\n  type: integer\n  maximum: 100\nc: 3\n").unwrap();
        std::fs::write(&new, "a: 1\nb:\n  type: integer\n  maximum: 50\nc: 3\n").unwrap();
        let mut sources = SourceFiles::with_aliases(&[]);
        let at = |p: &std::path::Path| Location::new(p.display().to_string(), "", crate::model::Pos::new(4, 3));
        let lines = unified(&mut sources, &at(&old), &at(&new), 1).unwrap();
        let shown: Vec<String> = lines.iter().map(|l| format!("{}{}", l.sign, l.text)).collect();
        assert_eq!(
            shown,
            ["   type: integer", "-  maximum: 100", "+  maximum: 50", " c: 3"]
        );
        assert_eq!((lines[1].old, lines[1].new), (Some(4), None));
        assert_eq!((lines[2].old, lines[2].new), (None, Some(4)));
        // The same text on both sides: no diff to show; nothing in common: no diff either.
        assert!(unified(&mut sources, &at(&old), &at(&old), 1).is_none());
        let elsewhere = Location::new(new.display().to_string(), "", crate::model::Pos::new(1, 1));
        assert!(unified(&mut sources, &at(&old), &elsewhere, 0).is_none());
    }

    #[test]
    fn windows_at_different_lines_show_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.proto");
        let new = dir.path().join("new.proto");
        let head = "syntax = \"proto3\";\n\npackage acme.v1;\n\nmessage Customer {\n  string id = 1;\n";
        std::fs::write(&old, format!("{head}  string fax = 14;\n}}\n")).unwrap();
        std::fs::write(&new, format!("{head}}}\n")).unwrap();
        let mut sources = SourceFiles::with_aliases(&[]);
        let at =
            |p: &std::path::Path, line| Location::new(p.display().to_string(), "", crate::model::Pos::new(line, 1));
        // The removed field is at old line 7; the finding points at the new message, line 5.
        let lines = unified(&mut sources, &at(&old, 7), &at(&new, 5), 2).unwrap();
        let shown: Vec<String> = lines.iter().map(|l| format!("{}{}", l.sign, l.text)).collect();
        assert_eq!(
            shown,
            [" message Customer {", "   string id = 1;", "-  string fax = 14;", " }"]
        );
        // The other way round (old window above the new one): the same, from the deleted side.
        let lines = unified(&mut sources, &at(&new, 5), &at(&old, 7), 2).unwrap();
        let shown: Vec<String> = lines.iter().map(|l| format!("{}{}", l.sign, l.text)).collect();
        assert_eq!(
            shown,
            [" message Customer {", "   string id = 1;", "+  string fax = 14;", " }"]
        );
    }
}
