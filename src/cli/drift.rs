use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{Exit, LoadArgs, ReportArgs};
use crate::report::Summary;
use crate::samples::ScanError;
use crate::samples::envelope::Envelope;
pub use crate::samples::run::{DriftRun, Limits, Stop, drift, freshness_of, sample_files};

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Sample files: NDJSON (.ndjson, .jsonl), JSON (an array of records, or one per line), CSV
    /// with a header row, each optionally .gz or .zst; Parquet; Avro data files (.avro, whose
    /// writer schema is checked against the contract too). Directories are searched for such files.
    #[arg(required = true, value_name = "SAMPLE")]
    pub samples: Vec<PathBuf>,
    /// The contract the samples should match (any format mapcheck reads).
    #[arg(long, value_name = "FILE")]
    pub contract: PathBuf,
    /// The type records should have: a named type's id or name (`Customer`,
    /// `#/components/schemas/Customer`). Default: the contract's root schema, else its one
    /// top-level object type.
    #[arg(long = "type", value_name = "NAME")]
    pub type_name: Option<String>,
    /// Malformed records tolerated (reported as `malformed-record`); one more stops the scan with
    /// exit code 2.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_errors: u64,
    /// The largest record read (bytes, or with a unit: `64MiB`); a longer line, array element or
    /// CSV record is a malformed record with its line and size, and is never held in memory whole.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = crate::samples::read::parse_size)]
    pub max_record_bytes: u64,
    /// Anomalies affecting at most this share of values (0 to 1) are warnings, not errors.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.0, value_parser = parse_fraction)]
    pub max_rate: f64,
    /// Also validate every record with a complete JSON Schema validator (the `jsonschema` crate)
    /// and report violations by schema keyword, with instance paths (`schema-violation`). For
    /// JSON Schema and OpenAPI 3.1 contracts; slower than drift alone.
    #[arg(long)]
    pub validate: bool,
    /// Freshness: the timestamp field (a path like `updated_at` or `source.ts_ms`) whose newest
    /// value must be at most --max-age old; older is `stale-data`. Values are RFC 3339 date-times
    /// or dates, or seconds/milliseconds/microseconds/nanoseconds since 1970.
    #[arg(long, value_name = "FIELD", requires = "max_age")]
    pub freshness: Option<String>,
    /// How old the newest --freshness value may be: 90s, 15m, 24h, 7d, 1h30m. With
    /// `--envelope debezium`, the field defaults to `source.ts_ms`.
    #[arg(long, value_name = "DURATION", value_parser = crate::samples::freshness::parse_duration)]
    pub max_age: Option<i64>,
    /// What "now" is for --max-age (RFC 3339, `2026-12-02T12:00:00Z`; default: the clock), so a
    /// run can be repeated with the same result.
    #[arg(long, value_name = "TIME", value_parser = parse_now, requires = "max_age")]
    pub now: Option<i64>,
    /// How records wrap the rows the contract describes: `debezium` (change events, with or
    /// without `schemas.enable`; `after`/`before` rows are checked, operations and tombstones
    /// counted) or `kafka-connect` (`{schema, payload}` records). The records' Connect schema is
    /// compared with the contract too.
    #[arg(long, value_enum, value_name = "KIND", default_value = "none")]
    pub envelope: Envelope,
    #[command(flatten)]
    pub proto: ProtoArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Binary Protobuf samples: which message they hold, where it is declared, how it is framed.
#[derive(Debug, Clone, Args)]
pub struct ProtoArgs {
    /// Binary Protobuf samples (.binpb, .pb): the message they hold, fully qualified
    /// (`shop.v1.Order`) or a unique short name. Decoded messages are observed as proto3 JSON with
    /// the .proto field names; a field number the message lacks is an `undeclared-field`.
    #[arg(long, value_name = "MESSAGE")]
    pub proto_type: Option<String>,
    /// The .proto file that declares --proto-type (repeatable; default: the contract).
    #[arg(long = "proto", value_name = "FILE", requires = "proto_type")]
    pub proto_files: Vec<PathBuf>,
    /// How binary Protobuf messages sit in a file: `delimited` (each preceded by its size as a
    /// varint, as Java's writeDelimitedTo writes them) or `single` (the file is one message).
    #[arg(long, value_enum, value_name = "FRAMING", default_value = "delimited")]
    pub proto_framing: crate::samples::protobuf::Framing,
}

impl ProtoArgs {
    pub fn spec(&self) -> Option<crate::samples::protobuf::ProtoSpec> {
        self.proto_type
            .as_ref()
            .map(|message| crate::samples::protobuf::ProtoSpec {
                message: message.clone(),
                files: self.proto_files.clone(),
                framing: self.proto_framing,
            })
    }
}

fn parse_now(s: &str) -> Result<i64, String> {
    crate::samples::freshness::parse_time(s)
        .ok_or_else(|| format!("`{s}` is not an RFC 3339 date-time (2026-12-02T12:00:00Z) or date"))
}

pub fn parse_fraction(s: &str) -> Result<f64, String> {
    let f: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&f) {
        Ok(f)
    } else {
        Err(format!("`{s}` is not between 0 and 1"))
    }
}

/// Says why a drift run stopped (on stderr): exit code 2.
pub fn stopped(stop: Stop) -> anyhow::Result<Exit> {
    match stop {
        Stop::Unusable(errors) => {
            super::print_errors(&errors);
            Ok(Exit::Error)
        }
        Stop::TooManyErrors(e) => scan_failed(e),
    }
}

/// Prints a scan that stopped, and says so.
pub fn scan_failed(e: ScanError) -> anyhow::Result<Exit> {
    match e {
        ScanError::Read(r) => Err(r.into()),
        e @ ScanError::TooManyErrors { .. } => {
            eprintln!("error: {e}");
            Ok(Exit::Error)
        }
    }
}

pub fn run(args: &DriftArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let crate::workspace::Workspace { config, today } = crate::workspace::Workspace::discover(crate::config::today())?;
    let files = sample_files(&args.samples)?;
    let run = match drift(
        &args.contract,
        args.type_name.as_deref(),
        &files,
        Limits {
            max_errors: args.max_errors,
            max_rate: args.max_rate,
            validate: args.validate,
            max_record_bytes: args.max_record_bytes,
            freshness: freshness_of(args.freshness.as_deref(), args.max_age, args.now, args.envelope)?,
            envelope: args.envelope,
            proto: args.proto.spec(),
        },
        &args.load.options(),
        None,
    )? {
        Ok(run) => run,
        Err(stop) => return stopped(stop),
    };
    let DriftRun {
        mut findings,
        files: report_files,
        contracts,
    } = run;
    let suppressed = crate::suppress::apply(&mut findings, &config, &[], &today);
    let summary = Summary::of(&findings, contracts, 0).with_suppressed(suppressed);
    args.report
        .write("drift", &findings, &summary, &report_files, color, out)?;
    Ok(args.report.exit(&findings))
}
