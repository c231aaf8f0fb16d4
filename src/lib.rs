//! mapcheck: schema and data-mapping governance for integration teams.
//!
//! Data flows one way: files are loaded into one [`model`], checks produce [`finding::Finding`]s,
//! and [`report`] renders them.

#![forbid(unsafe_code)]

pub mod bufyaml;
pub mod changelog;
pub mod check;
pub mod cli;
pub mod compare;
pub mod config;
pub mod contain;
pub mod crosswalk;
pub mod diff;
pub mod escape;
pub mod finding;
pub mod format;
pub mod git;
pub mod init;
pub mod inspect;
pub mod json;
pub mod load;
pub mod mapping;
pub mod model;
pub mod progress;
pub mod report;
pub mod rules;
pub mod samples;
pub mod source;
pub mod suggest;
pub mod suppress;
pub mod workspace;
pub mod write;
