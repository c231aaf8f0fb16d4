use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::Exit;
use super::drift::{parse_fraction, sample_files, scan_failed};
use crate::samples::infer::{self, InferOptions, Target};
use crate::samples::{self, ScanOptions};

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
    scan.warn_skipped(&mut std::io::stderr().lock())?;
    if scan.records == 0 {
        anyhow::bail!("the samples hold no records");
    }
    let options = InferOptions {
        required_threshold: args.required_threshold,
        enum_max: args.enum_max.min(samples::observe::DISTINCT_CAP),
        name: args.name.clone().unwrap_or_else(|| infer::name_from(&files[0])),
    };
    let (draft, from_writer) = infer::draft(&scan, args.to, &options, args.envelope);
    if from_writer {
        eprintln!("note: the samples are Avro data files with one writer schema: the draft is made from that schema");
    }
    let mut text = serde_json::to_string_pretty(&draft)?;
    text.push('\n');
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        None => out.write_all(text.as_bytes())?,
    }
    Ok(Exit::Clean)
}
