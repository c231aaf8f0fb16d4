use std::path::{Path, PathBuf};

/// A file being loaded: where it is, and how findings name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Absolute, normalised.
    pub path: PathBuf,
    /// Relative to the current directory when under it (what findings print).
    pub display: String,
}

impl SourceFile {
    pub fn new(path: &Path) -> Self {
        SourceFile {
            path: super::absolute(path),
            display: super::display_path(path),
        }
    }
}
