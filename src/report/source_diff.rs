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
    lines.iter().any(|l| l.sign == ' ').then_some(lines)
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
}
