//! What every command starts from: mapcheck.toml (discovered from the current directory up) and
//! today's date, read once at the edge so that everything below is a function of its inputs.

use std::path::PathBuf;

use anyhow::Context;

use crate::config::Config;

/// The configuration and the date a run works with.
#[derive(Debug)]
pub struct Workspace {
    pub config: Config,
    /// Today's date (`YYYY-MM-DD`): sunset dates and ignores' `until` are judged against it.
    pub today: String,
}

impl Workspace {
    /// mapcheck.toml found from the current directory up (or none), with `today`.
    pub fn discover(today: String) -> anyhow::Result<Workspace> {
        Ok(Workspace {
            config: Config::discover()?,
            today,
        })
    }

    /// As [`Workspace::discover`], and runs from the directory of mapcheck.toml, so globs, paths
    /// and baselines mean the same from anywhere in the repository.
    pub fn enter(today: String) -> anyhow::Result<Workspace> {
        let config = Config::discover()?;
        if config.path.is_some() {
            std::env::set_current_dir(&config.dir).with_context(|| format!("entering {}", config.dir.display()))?;
        }
        Ok(Workspace { config, today })
    }
}

/// The directory mapping paths are relative to: mapcheck.toml's, else the current one.
pub fn mapping_root() -> anyhow::Result<PathBuf> {
    let config = Config::discover()?;
    match config.path {
        Some(_) => Ok(config.dir),
        None => std::env::current_dir().context("the current directory"),
    }
}
