//! The one contract model every format is loaded into.
//!
//! Loaders turn OpenAPI, Avro, Protobuf and JSON Schema files into a [`Contract`]; everything else
//! (inspect, lint, comparison, drift, mappings) reads only this model.

pub mod canonical;
mod contract;
mod location;
mod schema;

pub use contract::*;
pub use location::*;
pub use schema::*;
