//! Reading contracts as they were at a git ref (`mapcheck diff --against <ref>`).
//!
//! The contract files of the commit (every file with a contract extension, so cross-file references
//! and Protobuf imports resolve as they did then) are written to a temporary directory with git's
//! own plumbing (`ls-tree`, `cat-file --batch`); loaders then read them like any other files.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// A commit's contract files, on disk for as long as this lives.
#[derive(Debug)]
pub struct Snapshot {
    dir: tempfile::TempDir,
    /// The ref as the user wrote it (`main`, `HEAD~3`).
    pub reference: String,
    /// The commit it names.
    pub commit: String,
    /// The working tree's top directory.
    pub toplevel: PathBuf,
}

impl Snapshot {
    /// Where the commit's copy of a working-tree path is (`None` if it is outside the repository).
    pub fn path_for(&self, working: &Path) -> Option<PathBuf> {
        let abs = crate::load::absolute(working);
        let abs = std::fs::canonicalize(&abs).unwrap_or(abs);
        abs.strip_prefix(&self.toplevel)
            .ok()
            .map(|rel| self.dir.path().join(rel))
    }

    /// The working-tree path of a file of the snapshot (`None` for other files).
    pub fn path_for_shown(&self, file: &str) -> Option<PathBuf> {
        let abs = crate::load::absolute(Path::new(file));
        let rel = abs.strip_prefix(self.dir.path()).ok()?;
        Some(self.toplevel.join(rel))
    }

    /// The directory the snapshot is written to.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// How a file of the snapshot is shown: `main:contracts/crm/accounts.yaml`, as `git show` takes it.
    pub fn display_prefix(&self) -> (String, String) {
        let real = format!("{}/", self.dir.path().to_string_lossy().replace('\\', "/"));
        (real, format!("{}:", self.reference))
    }
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .context("running git (is it installed?)")?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}

/// What `check` compares with when no `--against` is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// Not inside a git repository (or one without commits).
    NoRepository,
    /// A repository in which none of the default branches (`origin/HEAD`, `origin/main`,
    /// `origin/master`, `main`, `master`) is there: typically a shallow clone.
    Missing { shallow: bool },
    /// The merge base of HEAD with the default branch: its abbreviated commit, a description, and
    /// whether it is HEAD itself (then only uncommitted changes can show).
    Found {
        reference: String,
        described: String,
        is_head: bool,
    },
}

/// The merge base of `HEAD` with the default branch: `origin/HEAD`, else `origin/main`,
/// `origin/master`, `main`, `master` (the first that exists).
pub fn default_base() -> Base {
    let Ok(cwd) = std::env::current_dir() else {
        return Base::NoRepository;
    };
    let Ok(head) = git(&cwd, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]) else {
        return Base::NoRepository;
    };
    let mut candidates = Vec::new();
    if let Ok(origin_head) = git(
        &cwd,
        &["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"],
    ) {
        candidates.push(origin_head);
    }
    candidates.extend(["origin/main", "origin/master", "main", "master"].map(String::from));
    for branch in candidates {
        let verify = format!("{branch}^{{commit}}");
        if git(&cwd, &["rev-parse", "--verify", "--quiet", &verify]).is_err() {
            continue;
        }
        if let Ok(base) = git(&cwd, &["merge-base", "HEAD", &branch]) {
            // Abbreviated: findings name the old side's files `<ref>:path`.
            let short = base.get(..12).unwrap_or(&base).to_string();
            let described = format!("{short} (the merge base of HEAD with {branch})");
            return Base::Found {
                reference: short,
                described,
                is_head: base == head,
            };
        }
    }
    let shallow = git(&cwd, &["rev-parse", "--is-shallow-repository"]).is_ok_and(|s| s == "true");
    Base::Missing { shallow }
}

/// Whether the working tree (tracked and untracked files, ignored ones aside) matches HEAD.
pub fn working_tree_clean() -> bool {
    let Ok(cwd) = std::env::current_dir() else { return false };
    git(&cwd, &["status", "--porcelain"]).is_ok_and(|s| s.is_empty())
}

/// `latest-tag` as a ref: the highest semantic-version tag (`v1.2.3`, `1.2.3`, `v2.0.0-rc.1`)
/// reachable from HEAD, as buf and release-based teams compare with the last release.
pub fn latest_tag() -> anyhow::Result<String> {
    let cwd = std::env::current_dir().context("the current directory")?;
    let tags = git(&cwd, &["tag", "--merged", "HEAD"]).map_err(|e| anyhow::anyhow!("--against latest-tag: {e}"))?;
    tags.lines()
        .filter_map(|t| Some((semver_key(t)?, t)))
        .max()
        .map(|(_, t)| t.to_string())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--against latest-tag: no tag reachable from HEAD looks like a version (v1.2.3); \
                 tag a release, fetch tags (`git fetch --tags`), or pass another ref"
            )
        })
}

/// Orders versions: numbers first, then a release above its pre-releases (`1.0.0` > `1.0.0-rc.1`).
fn semver_key(tag: &str) -> Option<(u64, u64, u64, bool, String)> {
    let v = tag.strip_prefix('v').unwrap_or(tag);
    let (core, pre) = match v.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (v, None),
    };
    let core = core.split('+').next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let (major, minor, patch) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch, pre.is_none(), pre.unwrap_or("").to_string()))
}

crate::finding::rule_set! {
    BASE_REF_MISSING = "base-ref-missing", Warning,
        "`check` found no git ref to compare with, so breaking changes were not looked for.",
        "Without `--against`, `check` compares with the merge base of HEAD and the default branch. In a shallow clone (actions/checkout fetches one commit unless `fetch-depth: 0`) that branch is not there, and a gate that compares nothing passes silently. Under CI (`CI` set) this is an error (exit 2); elsewhere this warning. Fix: `fetch-depth: 0`, or `git fetch origin main --depth=50`, or pass `--against`.";
    NOTHING_COMPARED = "nothing-compared", Info,
        "The ref `check` compares with is HEAD itself and nothing is uncommitted: nothing was compared.",
        "The merge base of HEAD with the default branch is HEAD when HEAD is on that branch (a clone whose `origin/HEAD` is the checked-out branch, a push build of main). Committed changes are then never compared. Reported as info, so that a push build of the default branch (which has nothing to compare) does not fail under `--fail-on warning`; pass `--against` with the ref to compare with (the previous commit, `latest-tag`, the target branch).";
}

/// Writes the contract files of `reference` (any ref git understands) to a temporary directory.
pub fn snapshot(reference: &str) -> anyhow::Result<Snapshot> {
    // `latest-tag`: the last release (see [`latest_tag`]).
    let latest;
    let reference = if reference == "latest-tag" {
        latest = latest_tag()?;
        latest.as_str()
    } else {
        reference
    };
    let cwd = std::env::current_dir().context("the current directory")?;
    let toplevel = git(&cwd, &["rev-parse", "--show-toplevel"])
        .map_err(|e| anyhow::anyhow!("--against needs a git repository: {e}"))?;
    let toplevel = PathBuf::from(toplevel);
    let toplevel = std::fs::canonicalize(&toplevel).unwrap_or(toplevel);
    if reference.starts_with('-') {
        bail!("'{reference}' is not a git ref");
    }
    let commit = git(
        &toplevel,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .map_err(|_| anyhow::anyhow!("'{reference}' is not a commit, branch or tag in {}", toplevel.display()))?;

    let dir = tempfile::Builder::new()
        .prefix("mapcheck-git-")
        .tempdir()
        .context("creating a temporary directory")?;
    let listing = git(&toplevel, &["ls-tree", "-r", "-z", "--full-tree", &commit])?;
    // `<mode> <type> <object>\t<path>`, NUL-separated. Symlinks and submodules are left out.
    let mut wanted: Vec<(String, PathBuf)> = Vec::new();
    for entry in listing.split('\0').filter(|e| !e.is_empty()) {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut parts = meta.split(' ');
        let (Some(mode), Some(kind), Some(object)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if kind != "blob" || mode == "120000" || !crate::load::is_contract_file(Path::new(path)) {
            continue;
        }
        let rel = Path::new(path);
        if rel.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            continue;
        }
        wanted.push((object.to_string(), dir.path().join(rel)));
    }
    write_blobs(&toplevel, &wanted)?;
    Ok(Snapshot {
        dir,
        reference: reference.to_string(),
        commit,
        toplevel,
    })
}

/// Streams blobs out of one `git cat-file --batch` into their files.
fn write_blobs(repo: &Path, wanted: &[(String, PathBuf)]) -> anyhow::Result<()> {
    if wanted.is_empty() {
        return Ok(());
    }
    let mut child = Command::new("git")
        .args(["cat-file", "--batch"])
        .current_dir(repo)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("running git cat-file")?;
    let mut stdin = child.stdin.take().context("git cat-file stdin")?;
    let ids: Vec<String> = wanted.iter().map(|(id, _)| id.clone()).collect();
    // Written from another thread: git's output would otherwise fill the pipe while we still write.
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        for id in ids {
            writeln!(stdin, "{id}")?;
        }
        Ok(())
    });
    let mut reader = BufReader::new(child.stdout.take().context("git cat-file stdout")?);
    for (id, path) in wanted {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        // `<object> blob <size>`
        let size: usize = header
            .trim_end()
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("git cat-file: unexpected reply for {id}: {header:?}"))?;
        let mut content = vec![0; size];
        reader.read_exact(&mut content)?;
        let mut newline = [0u8; 1];
        reader.read_exact(&mut newline)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(path, &content).with_context(|| format!("writing {}", path.display()))?;
    }
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("git cat-file writer panicked"))??;
    child.wait()?;
    Ok(())
}
