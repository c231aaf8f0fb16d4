//! Source samples: files of records read into an observed schema ([`observe`]), judged against a
//! contract ([`drift`]) or turned into a contract draft ([`infer`]).
//!
//! Files scan in parallel, and an NDJSON file in chunks of lines in parallel; every part fills its
//! own accumulator and the parts are merged, which gives the same result in any order.

pub mod avro;
pub mod avro_json;
pub mod drift;
pub mod envelope;
pub mod expect;
pub mod freshness;
pub mod infer;
pub mod observe;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod protobuf;
pub mod read;
pub mod run;
pub mod validate;
pub mod values;
pub mod writer_schema;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;
use serde_json::Value;

use crate::json::{Tree, View};
use expect::Expectations;
use observe::{Loc, Node};
use read::{Layout, Malformed, Opened, ReadError};

/// Malformed records kept per file for the report.
const MALFORMED_SHOWN: usize = 5;

/// How samples are scanned.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Malformed records tolerated across all files; one more stops the scan.
    pub max_errors: u64,
    /// NDJSON chunk size in bytes (the unit of parallel work inside a file).
    pub chunk_size: usize,
    /// The largest record read; a longer one is malformed (`--max-record-bytes`).
    pub max_record_bytes: u64,
    /// How records wrap the rows (`--envelope`).
    pub envelope: envelope::Envelope,
    /// The message binary Protobuf samples hold (`--proto-type`), and their framing.
    pub proto: Option<protobuf::ProtoSamples>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_errors: 100,
            chunk_size: 1 << 20,
            max_record_bytes: read::DEFAULT_MAX_RECORD_BYTES,
            envelope: envelope::Envelope::None,
            proto: None,
        }
    }
}

/// Malformed records of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileErrors {
    pub count: u64,
    /// The first ones, by line.
    pub first: Vec<Malformed>,
}

impl FileErrors {
    fn add(&mut self, m: Malformed) {
        self.count += 1;
        self.first.push(m);
        self.first.sort_by_key(|m| m.line);
        self.first.truncate(MALFORMED_SHOWN);
    }

    fn merge(&mut self, other: FileErrors) {
        self.count += other.count;
        self.first.extend(other.first);
        self.first.sort_by_key(|m| m.line);
        self.first.truncate(MALFORMED_SHOWN);
    }
}

/// What a scan of sample files produced.
#[derive(Debug, Default)]
pub struct Scan {
    /// The files as shown in messages, by index ([`Loc::file`]).
    pub files: Vec<String>,
    /// Records read (malformed ones not counted).
    pub records: u64,
    /// The observed schema; the root is the record.
    pub observed: Node,
    /// Malformed records per file (same order as `files`).
    pub errors: Vec<FileErrors>,
    /// Per-record validation results, when a validator was given.
    pub violations: validate::Violations,
    /// The newest value of the freshness field, when one was given.
    pub newest: freshness::Newest,
    /// What the envelopes held (`--envelope`).
    pub events: envelope::Events,
    /// The writer schema of each Avro data file (by index in `files`), as JSON text.
    pub writer_schemas: Vec<(u32, String)>,
}

impl Scan {
    pub fn malformed(&self) -> u64 {
        self.errors.iter().map(|e| e.count).sum()
    }

    /// Warns of the malformed records skipped: the first few of each file, then how many more.
    pub fn warn_skipped(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        for (name, errors) in self.files.iter().zip(&self.errors) {
            for m in &errors.first {
                writeln!(
                    out,
                    "warning: {name}:{}: malformed record skipped: {}",
                    m.line, m.message
                )?;
            }
            if errors.count > errors.first.len() as u64 {
                let more = errors.count - errors.first.len() as u64;
                writeln!(out, "warning: {name}: {more} more malformed records skipped")?;
            }
        }
        Ok(())
    }
}

/// Why a scan stopped.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("more than {max} malformed records (--max-errors {max}); the scan stopped. First ones:\n{first}")]
    TooManyErrors { max: u64, first: String },
}

/// One file's (or chunk's) share of a scan.
#[derive(Default)]
struct Part {
    records: u64,
    observed: Node,
    violations: validate::Violations,
    errors: FileErrors,
    fatal: Option<String>,
    newest: freshness::Newest,
    events: envelope::Events,
    writer_schemas: Vec<(u32, String)>,
}

impl Part {
    fn merge(mut self, other: Part) -> Part {
        self.records += other.records;
        self.observed.merge(other.observed);
        self.violations.merge(other.violations);
        self.errors.merge(other.errors);
        self.fatal = self.fatal.or(other.fatal);
        self.newest.merge(other.newest);
        self.events.merge(other.events);
        self.writer_schemas.extend(other.writer_schemas);
        self
    }
}

/// Shared by every part of a scan.
struct Context<'a> {
    expect: Option<&'a Expectations>,
    validator: Option<&'a jsonschema::Validator<crate::json::Trees>>,
    /// The freshness field's path, when there is one.
    freshness: Option<&'a [&'a str]>,
    opts: ScanOptions,
    errors: AtomicU64,
    stop: AtomicBool,
}

impl Context<'_> {
    fn record(&self, part: &mut Part, file: u32, v: &Value, line: u64) {
        self.record_view(part, file, View::Tree(&Tree::from_value(v)), line);
    }

    fn record_view(&self, part: &mut Part, file: u32, v: View, line: u64) {
        if self.opts.envelope == envelope::Envelope::None {
            if let Some(path) = self.freshness {
                part.newest.observe(v, path, file, line);
            }
            self.row(part, file, v, line);
            return;
        }
        match envelope::unwrap(self.opts.envelope, v, Loc { file, line }, &mut part.events) {
            Ok(unwrapped) => {
                if let (Some(path), Some(event)) = (self.freshness, unwrapped.event) {
                    part.newest.observe(event, path, file, line);
                }
                for row in unwrapped.rows {
                    self.row(part, file, row, line);
                }
            }
            Err(message) => {
                self.malformed(&mut part.errors, Malformed { line, message });
            }
        }
    }

    /// One row the contract describes.
    fn row(&self, part: &mut Part, file: u32, v: View, line: u64) {
        part.records += 1;
        let expect = self.expect.map(|x| (x, x.root()));
        part.observed.observe_view(v, Loc { file, line }, expect);
        if let Some(validator) = self.validator {
            let tree;
            let tree = match v {
                View::Tree(t) => t,
                View::Tape(_) => {
                    tree = v.to_tree();
                    &tree
                }
            };
            part.violations.check(validator, tree, Loc { file, line });
        }
    }

    /// Counts a malformed record; false once there are too many.
    fn malformed(&self, errors: &mut FileErrors, m: Malformed) -> bool {
        errors.add(m);
        let seen = self.errors.fetch_add(1, Ordering::Relaxed) + 1;
        if seen > self.opts.max_errors {
            self.stop.store(true, Ordering::Relaxed);
            return false;
        }
        true
    }
}

/// Scans sample files into one observed schema, checking each record against `expect` when given.
pub fn scan(paths: &[PathBuf], expect: Option<&Expectations>, opts: ScanOptions) -> Result<Scan, ScanError> {
    scan_validating(paths, expect, None, opts)
}

/// [`scan`], also validating every record with `validator` when given.
pub fn scan_validating(
    paths: &[PathBuf],
    expect: Option<&Expectations>,
    validator: Option<&jsonschema::Validator<crate::json::Trees>>,
    opts: ScanOptions,
) -> Result<Scan, ScanError> {
    scan_checking(paths, expect, validator, None, opts)
}

/// [`scan_validating`], also keeping the newest value of the field at `freshness` (a path of
/// keys from the record).
pub fn scan_checking(
    paths: &[PathBuf],
    expect: Option<&Expectations>,
    validator: Option<&jsonschema::Validator<crate::json::Trees>>,
    freshness: Option<&[&str]>,
    opts: ScanOptions,
) -> Result<Scan, ScanError> {
    let files: Vec<String> = paths.iter().map(|p| crate::load::display_path(p)).collect();
    let cx = Context {
        expect,
        validator,
        freshness,
        opts,
        errors: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    };
    let parts: Vec<Result<Part, ReadError>> = paths
        .par_iter()
        .enumerate()
        .map(|(i, path)| scan_file(path, i as u32, &files[i], &cx))
        .collect();
    let mut scan = Scan {
        files,
        ..Scan::default()
    };
    let mut parts_ok = Vec::new();
    for part in parts {
        parts_ok.push(part?);
    }
    let max_errors = cx.opts.max_errors;
    if cx.errors.load(Ordering::Relaxed) > max_errors {
        let mut first = String::new();
        for (name, part) in scan.files.iter().zip(&parts_ok) {
            for m in &part.errors.first {
                first.push_str(&format!("  {name}:{}: {}\n", m.line, m.message));
            }
        }
        return Err(ScanError::TooManyErrors {
            max: max_errors,
            first: first.trim_end().to_string(),
        });
    }
    for part in parts_ok {
        scan.records += part.records;
        scan.observed.merge(part.observed);
        scan.violations.merge(part.violations);
        scan.newest.merge(part.newest);
        scan.events.merge(part.events);
        scan.writer_schemas.extend(part.writer_schemas);
        scan.errors.push(part.errors);
    }
    Ok(scan)
}

fn scan_file(path: &std::path::Path, file: u32, name: &str, cx: &Context) -> Result<Part, ReadError> {
    let opened = read::open(path, name)?;
    let mut part = match opened.layout {
        Layout::Ndjson => read::Chunks::new(opened.reader, cx.opts.chunk_size, cx.opts.max_record_bytes)
            .take_while(|_| !cx.stop.load(Ordering::Relaxed))
            .par_bridge()
            .fold(Part::default, |mut part, chunk| {
                match chunk {
                    Ok(mut chunk) => {
                        let mut bad = Vec::new();
                        read::ndjson_chunk(
                            &mut chunk,
                            cx.opts.max_record_bytes,
                            &mut |v, line| cx.record_view(&mut part, file, v, line),
                            &mut |m| bad.push(m),
                        );
                        for m in bad {
                            if !cx.malformed(&mut part.errors, m) {
                                break;
                            }
                        }
                    }
                    Err(e) => part.fatal = Some(e.to_string()),
                }
                part
            })
            .reduce(Part::default, Part::merge),
        // Blocks are framed one after another and decoded on all cores, each into its own part.
        Layout::Avro => {
            let (header, blocks) = avro::open(path, name)?;
            let mut part = blocks
                .take_while(|_| !cx.stop.load(Ordering::Relaxed))
                .par_bridge()
                .fold(Part::default, |mut part, block| {
                    let damaged = match block {
                        Ok(block) => avro::decode(&header, block, &mut |v, n| {
                            cx.record(&mut part, file, &v, n);
                            !cx.stop.load(Ordering::Relaxed)
                        }),
                        Err(m) => Some(m),
                    };
                    if let Some(m) = damaged {
                        cx.malformed(&mut part.errors, m);
                    }
                    part
                })
                .reduce(Part::default, Part::merge);
            part.writer_schemas.push((file, header.writer_schema));
            part
        }
        layout => {
            let mut part = Part::default();
            let mut errors = FileErrors::default();
            let read = each_record(
                path,
                name,
                Opened {
                    layout,
                    reader: opened.reader,
                },
                cx.opts.max_record_bytes,
                cx.opts.proto.as_ref(),
                &mut |v, n| {
                    cx.record(&mut part, file, &v, n);
                    !cx.stop.load(Ordering::Relaxed)
                },
                &mut |m| cx.malformed(&mut errors, m),
            );
            part.errors = errors;
            match read {
                Ok(Some(writer_schema)) => part.writer_schemas.push((file, writer_schema)),
                Ok(None) => {}
                Err(e) => part.fatal = Some(e),
            }
            part
        }
    };
    match part.fatal.take() {
        Some(message) => Err(ReadError {
            path: name.to_string(),
            message,
        }),
        None => Ok(part),
    }
}

/// Reads every record of an opened sample file, one at a time, in order: `record` gets each with
/// its line (or row, record or message number) and `malformed` each that cannot be read; either
/// returning false stops the read (JSON arrays, CSV and Parquet read on to their end regardless).
/// An Avro file's writer schema is returned. An error ends the file.
///
/// [`scan`] reads NDJSON in parallel chunks instead; this reads it line by line.
pub fn each_record(
    path: &std::path::Path,
    name: &str,
    opened: Opened,
    max_record: u64,
    proto: Option<&protobuf::ProtoSamples>,
    record: &mut dyn FnMut(Value, u64) -> bool,
    malformed: &mut dyn FnMut(Malformed) -> bool,
) -> Result<Option<String>, String> {
    match opened.layout {
        Layout::Ndjson => {
            for chunk in read::Chunks::new(opened.reader, 1 << 20, max_record) {
                let mut chunk = chunk.map_err(|e| e.to_string())?;
                let go_on = std::cell::Cell::new(true);
                read::ndjson_chunk(
                    &mut chunk,
                    max_record,
                    &mut |v, line| {
                        if go_on.get() {
                            go_on.set(record(v.to_value(), line));
                        }
                    },
                    &mut |m| {
                        if go_on.get() {
                            go_on.set(malformed(m));
                        }
                    },
                );
                if !go_on.get() {
                    break;
                }
            }
            Ok(None)
        }
        Layout::JsonArray => {
            if let Some(m) = read::json_array(opened.reader, max_record, &mut |v, line| {
                record(v, line);
            }) {
                malformed(m);
            }
            Ok(None)
        }
        Layout::Csv => read::csv_rows(
            opened.reader,
            max_record,
            &mut |v, line| {
                record(v, line);
            },
            malformed,
        )
        .map(|()| None),
        Layout::Parquet => {
            #[cfg(feature = "parquet")]
            {
                let read = crate::contain::contained(|| {
                    parquet::rows(path, name, &mut |v, row| {
                        record(v, row);
                    })
                });
                match read {
                    Ok(Ok(_)) => Ok(None),
                    Ok(Err(e)) => Err(e.message),
                    Err(panic) => Err(panic),
                }
            }
            #[cfg(not(feature = "parquet"))]
            {
                let _ = (path, name);
                Err("this mapcheck was built without Parquet support (the `parquet` feature)".into())
            }
        }
        Layout::Avro => {
            let read = avro::records(path, name, record).map_err(|e| e.message)?;
            for m in read.damaged {
                if !malformed(m) {
                    break;
                }
            }
            Ok(Some(read.writer_schema))
        }
        Layout::Protobuf => {
            let Some(proto) = proto else {
                return Err("binary Protobuf samples are read against a message of a .proto contract: name it with --proto-type (or `proto_type` in [[samples]])".into());
            };
            protobuf::records(opened.reader, proto, max_record, record, malformed)
                .map_err(|e| e.to_string())
                .map(|()| None)
        }
    }
}
