//! The DuckDB file: opening it (read-only or for writing), creating and upgrading its schema, and
//! turning DuckDB's errors into ones a user can act on.
//!
//! DuckDB takes an exclusive lock on the file for a read-write connection and a shared one for
//! read-only connections, for as long as the connection is open. A second writer (or a reader
//! while a writer works) fails to open; [`StoreError::InUse`] says so, and nothing was changed.
//! Every change runs in one transaction, and DuckDB's write-ahead log makes a killed process
//! leave the store as it was before the transaction.

use std::path::{Path, PathBuf};

use duckdb::{AccessMode, Config, Connection};

use super::migrations::{MIGRATIONS, current};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}: the crosswalk store is in use by another process; try again when it has finished")]
    InUse(String),
    #[error("{0}: no crosswalk store here; create it with `mapcheck crosswalk init`")]
    Missing(String),
    #[error(
        "{path}: the crosswalk store has schema version {found}, newer than this mapcheck understands ({supported}); use a newer mapcheck"
    )]
    Newer { path: String, found: i32, supported: i32 },
    #[error(
        "{path}: the crosswalk store has schema version {found}; run `mapcheck crosswalk init` to upgrade it to version {supported}"
    )]
    Older { path: String, found: i32, supported: i32 },
    #[error("{0}: a DuckDB file, but not a mapcheck crosswalk store (it has tables but no schema_version)")]
    Foreign(String),
    #[error("{path}: cannot create the store's directory: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Db {
        path: String,
        #[source]
        source: duckdb::Error,
    },
}

/// Whether a command only reads or also writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// An open store at the current schema version.
pub struct Store {
    pub conn: Connection,
    pub path: PathBuf,
}

/// What `init` did.
#[derive(Debug, PartialEq, Eq)]
pub enum InitOutcome {
    Created { version: i32 },
    Migrated { from: i32, to: i32 },
    UpToDate { version: i32 },
}

impl InitOutcome {
    /// What `crosswalk init` did to the store at `path`, as one line.
    pub fn write_text(&self, path: &Path, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let shown = crate::load::display_path(path);
        match self {
            InitOutcome::Created { version } => writeln!(out, "created {shown} (schema version {version})"),
            InitOutcome::Migrated { from, to } => writeln!(out, "upgraded {shown} from schema version {from} to {to}"),
            InitOutcome::UpToDate { version } => writeln!(out, "{shown} is up to date (schema version {version})"),
        }
    }
}

impl Store {
    /// Opens an existing store at the current schema version.
    pub fn open(path: &Path, access: Access) -> Result<Store, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing(shown(path)));
        }
        let conn = connect(path, access)?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        let found = store.version()?;
        match found {
            None => Err(StoreError::Foreign(shown(path))),
            Some(v) if v > current() => Err(StoreError::Newer {
                path: shown(path),
                found: v,
                supported: current(),
            }),
            Some(v) if v < current() => Err(StoreError::Older {
                path: shown(path),
                found: v,
                supported: current(),
            }),
            Some(_) => {
                store.tune()?;
                Ok(store)
            }
        }
    }

    /// Creates the store (and its directory) or applies the migrations it lacks.
    pub fn init(path: &Path) -> Result<InitOutcome, StoreError> {
        Store::init_to(path, current())
    }

    /// [`Store::init`] up to `target` only: for tests of upgrades from older stores.
    #[doc(hidden)]
    pub fn init_to(path: &Path, target: i32) -> Result<InitOutcome, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Io {
                path: shown(path),
                source: e,
            })?;
        }
        let existed = path.is_file();
        let store = Store {
            conn: connect(path, Access::Write)?,
            path: path.to_path_buf(),
        };
        let found = match store.version()? {
            Some(v) => v,
            None if store.table_count()? > 0 => return Err(StoreError::Foreign(shown(path))),
            None => 0,
        };
        if found > current() {
            return Err(StoreError::Newer {
                path: shown(path),
                found,
                supported: current(),
            });
        }
        for m in MIGRATIONS.iter().filter(|m| m.version > found && m.version <= target) {
            store.apply(m)?;
        }
        let to = target.max(found);
        Ok(if !existed || found == 0 {
            InitOutcome::Created { version: to }
        } else if to > found {
            InitOutcome::Migrated { from: found, to }
        } else {
            InitOutcome::UpToDate { version: found }
        })
    }

    fn apply(&self, m: &super::migrations::Migration) -> Result<(), StoreError> {
        let sql = format!(
            "BEGIN TRANSACTION;
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL, summary VARCHAR NOT NULL);
{}
INSERT INTO schema_version VALUES ({}, now()::TIMESTAMP, '{}');
COMMIT;",
            m.sql,
            m.version,
            m.summary.replace('\'', "''")
        );
        self.conn.execute_batch(&sql).map_err(|e| {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.err(e)
        })
    }

    /// The schema version, or `None` when the file has no `schema_version` table.
    pub fn version(&self) -> Result<Option<i32>, StoreError> {
        let has: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version' AND table_schema = 'main'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if has == 0 {
            return Ok(None);
        }
        self.conn
            .query_row("SELECT coalesce(max(version), 0) FROM schema_version", [], |r| r.get(0))
            .map(Some)
            .map_err(|e| self.err(e))
    }

    fn table_count(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database()",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Session settings: insertion order does not matter to any query here, and not keeping it
    /// lets DuckDB stream large loads with less memory.
    fn tune(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("SET preserve_insertion_order = false;")
            .map_err(|e| self.err(e))
    }

    /// Wraps a DuckDB error with the store's path (and maps lock conflicts).
    pub fn err(&self, e: duckdb::Error) -> StoreError {
        map_error(&self.path, e)
    }

    /// Starts the one transaction of a change; the time it returns is the change's timestamp:
    /// now (UTC), but never earlier than the previous change, so history stays ordered even when
    /// the clock is set back.
    pub fn begin(&self) -> Result<(i64, String), StoreError> {
        self.conn.execute_batch("BEGIN TRANSACTION").map_err(|e| self.err(e))?;
        self.conn
            .query_row(
                "SELECT coalesce(max(load_id), 0) + 1,
                        greatest(now()::TIMESTAMP, coalesce(max(loaded_at) + INTERVAL 1 MICROSECOND, now()::TIMESTAMP))::VARCHAR
                 FROM loads",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))
    }

    pub fn commit(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("COMMIT").map_err(|e| self.err(e))
    }

    pub fn rollback(&self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }
}

fn connect(path: &Path, access: Access) -> Result<Connection, StoreError> {
    let mode = match access {
        Access::Read => AccessMode::ReadOnly,
        Access::Write => AccessMode::ReadWrite,
    };
    let config = Config::default()
        .access_mode(mode)
        .and_then(|c| c.enable_autoload_extension(false))
        .map_err(|e| map_error(path, e))?;
    Connection::open_with_flags(path, config).map_err(|e| map_error(path, e))
}

pub(crate) fn map_error(path: &Path, e: duckdb::Error) -> StoreError {
    let text = e.to_string();
    if text.contains("Could not set lock on file") || text.contains("Conflicting lock") {
        StoreError::InUse(shown(path))
    } else {
        StoreError::Db {
            path: shown(path),
            source: e,
        }
    }
}

/// A path as shown in messages.
pub fn shown(path: &Path) -> String {
    crate::load::display_path(path)
}

/// Quotes a string as an SQL literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
