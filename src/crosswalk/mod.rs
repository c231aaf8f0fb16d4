//! Crosswalk ID tables: which source-system id is which canonical id, kept in a DuckDB file with
//! history instead of overwrites.
//!
//! Files are read row by row ([`input`]), staged in the store and compared with the active links
//! in one transaction ([`load`]); everything else is SQL over the same tables: [`resolve`],
//! [`history`], [`merge`] (redirects between canonical ids), [`check`] (findings), [`report`]
//! (coverage pages) and [`export`]. Loads and merges keep small [`summary`] tables up to date, so
//! `check` and `report` need not scan every link. The schema is created and upgraded by [`migrations`].
//!
//! The rule metadata ([`rules`]) is always compiled, so `mapcheck rules` and the generated docs
//! are the same with and without the `crosswalk` feature; everything that needs DuckDB is behind it.

pub mod rules;
pub mod settings;

#[cfg(feature = "crosswalk")]
pub mod bar;
#[cfg(feature = "crosswalk")]
pub mod check;
#[cfg(feature = "crosswalk")]
pub mod export;
#[cfg(feature = "crosswalk")]
pub mod history;
#[cfg(feature = "crosswalk")]
pub mod input;
#[cfg(feature = "crosswalk")]
pub mod load;
#[cfg(feature = "crosswalk")]
pub mod merge;
#[cfg(feature = "crosswalk")]
pub mod migrations;
#[cfg(feature = "crosswalk")]
pub mod report;
#[cfg(feature = "crosswalk")]
pub mod resolve;
#[cfg(feature = "crosswalk")]
pub mod store;
#[cfg(feature = "crosswalk")]
pub mod summary;
