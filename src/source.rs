//! The source files findings point at, read once each and shared by the renderers (snippets,
//! diffs) and by suppression (inline ignore comments).

use std::collections::HashMap;

use crate::model::Location;

/// Where a file shown under an alias (`main:contracts/a.yaml`) is: `aliases` maps shown prefixes to
/// directories. Other names are paths already.
pub fn aliased_path(aliases: &[(String, std::path::PathBuf)], file: &str) -> std::path::PathBuf {
    aliases
        .iter()
        .find_map(|(shown, dir)| {
            // An alias may name one file (`mappings/a.yaml` -> its path): `join("")` would add a
            // trailing separator and make it unreadable.
            file.strip_prefix(shown.as_str())
                .map(|rest| if rest.is_empty() { dir.clone() } else { dir.join(rest) })
        })
        .unwrap_or_else(|| std::path::PathBuf::from(file))
}

#[derive(Default)]
/// The text of one file with its line starts: lines are handed out without copying them.
pub(crate) struct FileLines {
    text: String,
    starts: Vec<usize>,
}

impl FileLines {
    pub(crate) fn new(text: String) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        if starts.last() == Some(&text.len()) && !text.is_empty() {
            starts.pop();
        }
        FileLines { text, starts }
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// How many lines there are.
    pub(crate) fn len(&self) -> usize {
        if self.text.is_empty() { 0 } else { self.starts.len() }
    }

    /// Line `index` (0-based), without its line ending.
    pub(crate) fn line(&self, index: usize) -> Option<&str> {
        if index >= self.len() {
            return None;
        }
        let start = self.starts[index];
        let end = self.starts.get(index + 1).map_or(self.text.len(), |&e| e);
        let line = &self.text[start..end];
        let line = line.strip_suffix('\n').unwrap_or(line);
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// The files findings point at, read once each, by the name findings show (aliases resolved).
pub(crate) struct SourceFiles<'a> {
    files: HashMap<String, Option<FileLines>>,
    aliases: &'a [(String, std::path::PathBuf)],
}

impl<'a> SourceFiles<'a> {
    pub(crate) fn with_aliases(aliases: &'a [(String, std::path::PathBuf)]) -> Self {
        SourceFiles {
            files: HashMap::new(),
            aliases,
        }
    }

    /// The file shown as `file`, or `None` when it cannot be read as UTF-8 text.
    pub(crate) fn get(&mut self, file: &str) -> Option<&FileLines> {
        let aliases = self.aliases;
        self.files
            .entry(file.to_string())
            .or_insert_with(|| {
                crate::load::read_text(&aliased_path(aliases, file))
                    .ok()
                    .map(FileLines::new)
            })
            .as_ref()
    }

    pub(crate) fn line(&mut self, loc: &Location) -> Option<&str> {
        if loc.line == 0 {
            return None;
        }
        self.get(&loc.file)?.line(loc.line as usize - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::FileLines;

    #[test]
    fn lines_without_their_endings() {
        let f = FileLines::new("a\r\nbb\n\nc".to_string());
        assert_eq!(f.len(), 4);
        assert_eq!(
            (0..5).map(|i| f.line(i)).collect::<Vec<_>>(),
            [Some("a"), Some("bb"), Some(""), Some("c"), None]
        );
        let f = FileLines::new("x\n".to_string());
        assert_eq!((f.len(), f.line(0), f.line(1)), (1, Some("x"), None));
        assert_eq!(FileLines::new(String::new()).len(), 0);
    }
}
