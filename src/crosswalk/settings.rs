//! The `[crosswalk]` settings of mapcheck.toml, as the crosswalk checks read them (parsed by
//! [`crate::config`]).

use std::path::PathBuf;

/// The `[crosswalk]` table: where the store is and what `mapcheck crosswalk check` expects.
#[derive(Debug, Clone, Default)]
pub struct CrosswalkConfig {
    /// The DuckDB store (absolute, or relative to the config's directory). `None`: the default.
    pub db: Option<PathBuf>,
    /// Systems declared one-to-one: each canonical id has at most one source id there.
    pub one_to_one: Vec<String>,
    /// Coverage (0 to 1) below which a system/entity's coverage finding is a warning.
    pub min_coverage: Option<f64>,
    /// `check` fails (exit 2) when the store is missing, instead of skipping the crosswalk checks
    /// with a note: for the machines that hold the store.
    pub required: bool,
    pub samples: Vec<CrosswalkSample>,
}

/// A sample file whose ids should all have links (`crosswalk-orphan`).
#[derive(Debug, Clone)]
pub struct CrosswalkSample {
    pub system: String,
    pub entity: String,
    /// Resolved against the config's directory.
    pub path: PathBuf,
    /// The column (CSV, Parquet) or top-level field (NDJSON) holding the source id.
    pub column: String,
}
