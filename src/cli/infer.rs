use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Exit;
use super::drift::{parse_fraction, sample_files, scan_failed};
use crate::samples::infer::{self, InferOptions};
use crate::samples::{self, ScanOptions};

/// What `infer` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// JSON Schema 2020-12.
    Jsonschema,
    /// An Avro record schema (.avsc).
    Avro,
    /// An OpenAPI 3.1 document with the draft under components/schemas.
    Openapi,
}

#[derive(Debug, Args)]
pub struct InferArgs {
    /// Sample files (as for `drift`); directories are searched for sample files.
    #[arg(required = true, value_name = "SAMPLE")]
    pub samples: Vec<PathBuf>,
    /// The contract format to write.
    #[arg(long, value_enum, default_value_t = Target::Jsonschema)]
    pub to: Target,
    /// Write the draft to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A field is required when at least this share (0 to 1) of the objects around it have it.
    #[arg(long, value_name = "FRACTION", default_value_t = 1.0, value_parser = parse_fraction)]
    pub required_threshold: f64,
    /// Strings become an enum when they take at most this many distinct values (each seen twice
    /// on average); 0 turns enums off.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub enum_max: usize,
    /// The draft's name (title, record or schema name). Default: from the first sample's file name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Malformed records tolerated (skipped, with a warning); one more stops with exit code 2.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_errors: u64,
    /// The largest record read (bytes, or with a unit: `64MiB`); a longer one is skipped as
    /// malformed.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = crate::samples::read::parse_size)]
    pub max_record_bytes: u64,
    /// How records wrap the rows: `debezium` change events (the `after`/`before` rows are
    /// inferred) or `kafka-connect` `{schema, payload}` records (the payloads).
    #[arg(long, value_enum, value_name = "KIND", default_value = "none")]
    pub envelope: crate::samples::envelope::Envelope,
    /// Binary Protobuf samples: the .proto files declaring --proto-type are given with --proto.
    #[command(flatten)]
    pub proto: super::drift::ProtoArgs,
}

pub fn run(args: &InferArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let files = sample_files(&args.samples)?;
    let proto = match args.proto.spec() {
        Some(spec) => {
            let Some(first) = spec.files.first() else {
                anyhow::bail!("--proto-type needs --proto FILE.proto (the file that declares the message)");
            };
            Some(
                spec.resolve(first, &[])
                    .map_err(|e| anyhow::anyhow!("--proto-type: {e}"))?,
            )
        }
        None => None,
    };
    let opts = ScanOptions {
        max_errors: args.max_errors,
        max_record_bytes: args.max_record_bytes,
        envelope: args.envelope,
        proto,
        ..ScanOptions::default()
    };
    let scan = match samples::scan(&files, None, opts) {
        Ok(s) => s,
        Err(e) => return scan_failed(e),
    };
    for (name, errors) in scan.files.iter().zip(&scan.errors) {
        for m in &errors.first {
            eprintln!("warning: {name}:{}: malformed record skipped: {}", m.line, m.message);
        }
        if errors.count > errors.first.len() as u64 {
            eprintln!(
                "warning: {name}: {} more malformed records skipped",
                errors.count - errors.first.len() as u64
            );
        }
    }
    if scan.records == 0 {
        anyhow::bail!("the samples hold no records");
    }
    let options = InferOptions {
        required_threshold: args.required_threshold,
        enum_max: args.enum_max.min(samples::observe::DISTINCT_CAP),
        name: args.name.clone().unwrap_or_else(|| name_from(&files[0])),
    };
    // Avro data files say what they were written with: when every sample is one and they share
    // their writer schema, the draft is that schema (for `--to avro`) or the JSON its records
    // read as (the others). What the records show could only approximate it: decimals, sizes,
    // logical types, names, and values the samples happen not to hold.
    let writer = shared_writer_schema(&scan).filter(|_| args.envelope == crate::samples::envelope::Envelope::None);
    if writer.is_some() {
        eprintln!("note: the samples are Avro data files with one writer schema: the draft is made from that schema");
    }
    let draft = match (args.to, writer) {
        (Target::Jsonschema, Some(w)) => samples::avro_json::document(&w, false),
        (Target::Avro, Some(w)) => w,
        (Target::Openapi, Some(w)) => samples::avro_json::openapi(&w, &options.name),
        (Target::Jsonschema, None) => infer::json_schema(&scan.observed, &options),
        (Target::Avro, None) => infer::avro(&scan.observed, &options),
        (Target::Openapi, None) => infer::openapi(&scan.observed, &options),
    };
    let mut text = serde_json::to_string_pretty(&draft)?;
    text.push('\n');
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        None => out.write_all(text.as_bytes())?,
    }
    Ok(Exit::Clean)
}

/// The writer schema of the samples when every one is an Avro data file and all were written
/// with the same schema.
fn shared_writer_schema(scan: &samples::Scan) -> Option<serde_json::Value> {
    let (_, first) = scan.writer_schemas.first()?;
    if scan.writer_schemas.len() != scan.files.len() || scan.writer_schemas.iter().any(|(_, s)| s != first) {
        return None;
    }
    serde_json::from_str(first).ok()
}

/// `samples/customer_events.ndjson.gz` → `CustomerEvents`.
fn name_from(path: &std::path::Path) -> String {
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('.').next())
        .unwrap_or("");
    let mut out = String::new();
    let mut upper = true;
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Record");
    }
    out
}
