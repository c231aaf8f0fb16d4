//! Writing files whole or not at all: a report, an export or a reject file is written into a
//! temporary file beside its target and renamed over it once complete, so an interrupted or failed
//! write leaves the old file (or none), never half of one.

use std::fs::File;
use std::path::Path;

use anyhow::Context;

/// Writes `path` whole or not at all: `write` fills a temporary file in the same directory, which
/// replaces `path` only when `write` succeeded.
pub fn whole<T>(path: &Path, write: impl FnOnce(&File) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let shown = crate::load::display_path(path);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("{shown}: cannot write"))?;
    let value = write(tmp.as_file())?;
    tmp.persist(path).with_context(|| format!("{shown}: cannot write"))?;
    Ok(value)
}

/// Creates `path` with `bytes`, failing when it exists (never overwrites, even a file that
/// appeared a moment ago).
pub fn new_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old").unwrap();
        let r: anyhow::Result<()> = whole(&path, |mut f| {
            f.write_all(b"half")?;
            anyhow::bail!("stopped")
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
        whole(&path, |mut f| Ok(f.write_all(b"new")?)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn a_new_file_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("draft.yaml");
        new_file(&path, b"one").unwrap();
        assert!(new_file(&path, b"two").is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
    }

    #[test]
    fn a_missing_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/out.txt");
        let e = whole(&path, |_| Ok(())).unwrap_err();
        assert!(format!("{e:#}").contains("out.txt: cannot write"), "{e:#}");
    }
}
