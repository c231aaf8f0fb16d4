//! Reading id files (CSV, NDJSON, Parquet) a row at a time, with each row checked: a source id
//! present, a canonical id present (unless ids are minted), valid UTF-8. Bad rows are handed on
//! with their row number and reason, never dropped silently.
//!
//! Row numbers count data rows from 1 (a CSV header is not a row; an NDJSON row is a line).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, bail};
use duckdb::arrow::array::{Array, ArrayRef, AsArray};
use duckdb::arrow::datatypes::DataType;

/// The file formats ids are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    Csv,
    Ndjson,
    Parquet,
}

impl InputFormat {
    /// From the file's extension (`.csv`, `.tsv`, `.ndjson`, `.jsonl`, `.json`, `.parquet`).
    pub fn detect(path: &Path) -> Option<InputFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(InputFormat::Csv),
            "ndjson" | "jsonl" | "json" => Some(InputFormat::Ndjson),
            "parquet" | "pq" => Some(InputFormat::Parquet),
            _ => None,
        }
    }

    /// The format given, else the one the extension says; an error naming the file when neither.
    pub fn of(path: &Path, given: Option<InputFormat>) -> anyhow::Result<InputFormat> {
        match given.or_else(|| InputFormat::detect(path)) {
            Some(f) => Ok(f),
            None => bail!(
                "{}: cannot tell the format from the extension; use --input-format csv|ndjson|parquet",
                crate::load::display_path(path)
            ),
        }
    }
}

/// Which columns to read, and how long a row may be.
#[derive(Debug, Clone)]
pub struct Columns<'a> {
    /// The longest row read (CSV record, NDJSON line); a longer one is a bad row (NDJSON) or ends
    /// the file with an error (CSV), never held whole.
    pub max_row_bytes: u64,
    pub source: &'a str,
    /// `None`: read source ids only (sample files).
    pub canonical: Option<&'a str>,
    /// Whether rows may lack a canonical id (it will be minted); then the column may be absent.
    pub canonical_optional: bool,
}

/// One row of input.
#[derive(Debug)]
pub enum Record<'a> {
    Row {
        row: u64,
        source: &'a str,
        canonical: Option<&'a str>,
    },
    Bad(BadRow),
}

/// A row that cannot be loaded, with what it held (invalid UTF-8 replaced by U+FFFD).
#[derive(Debug, Clone)]
pub struct BadRow {
    pub row: u64,
    pub reason: String,
    pub source: String,
    pub canonical: String,
}

/// Reads `path`, calling `each` per row and `progress` with bytes read so far (CSV, NDJSON) or
/// rows read (Parquet) every few thousand rows. Returns the number of rows.
pub fn read(
    path: &Path,
    format: InputFormat,
    columns: &Columns,
    each: &mut dyn FnMut(Record) -> anyhow::Result<()>,
    progress: &mut dyn FnMut(u64),
) -> anyhow::Result<u64> {
    let shown = crate::load::display_path(path);
    let file = File::open(path).with_context(|| format!("{shown}: cannot open"))?;
    let result = match format {
        InputFormat::Csv => read_csv(file, path, columns, each, progress),
        InputFormat::Ndjson => read_ndjson(file, columns, each, progress),
        InputFormat::Parquet => crate::contain::contained(|| read_parquet(file, columns, each, progress))
            .unwrap_or_else(|panic| Err(anyhow::anyhow!(panic))),
    };
    result.with_context(|| shown)
}

/// A cell's text: present, missing (absent, null or empty), or not UTF-8.
enum Cell<'a> {
    Text(&'a str),
    Missing,
    NotUtf8(String),
}

fn cell(bytes: Option<&[u8]>) -> Cell<'_> {
    match bytes {
        None => Cell::Missing,
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) if s.trim().is_empty() => Cell::Missing,
            Ok(s) => Cell::Text(s),
            Err(_) => Cell::NotUtf8(String::from_utf8_lossy(b).into_owned()),
        },
    }
}

impl Cell<'_> {
    fn shown(&self) -> String {
        match self {
            Cell::Text(s) => s.to_string(),
            Cell::Missing => String::new(),
            Cell::NotUtf8(s) => s.clone(),
        }
    }
}

/// Checks a row's two cells and hands it on.
fn emit(
    row: u64,
    source: Cell,
    canonical: Option<Cell>,
    columns: &Columns,
    each: &mut dyn FnMut(Record) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let bad = |reason: String, source: &Cell, canonical: &Option<Cell>| {
        Record::Bad(BadRow {
            row,
            reason,
            source: source.shown(),
            canonical: canonical.as_ref().map(Cell::shown).unwrap_or_default(),
        })
    };
    let problem = match (&source, &canonical) {
        (Cell::NotUtf8(_), _) => Some(format!("invalid UTF-8 in column '{}'", columns.source)),
        (_, Some(Cell::NotUtf8(_))) => Some(format!(
            "invalid UTF-8 in column '{}'",
            columns.canonical.unwrap_or_default()
        )),
        (Cell::Missing, _) => Some(format!("missing source id (column '{}')", columns.source)),
        (_, Some(Cell::Missing)) if !columns.canonical_optional => Some(format!(
            "missing canonical id (column '{}'; `--mint uuid` mints ids for unseen source ids)",
            columns.canonical.unwrap_or_default()
        )),
        _ => None,
    };
    if let Some(reason) = problem {
        return each(bad(reason, &source, &canonical));
    }
    let Cell::Text(source) = source else { return Ok(()) };
    let canonical = match canonical {
        Some(Cell::Text(c)) => Some(c),
        _ => None,
    };
    each(Record::Row { row, source, canonical })
}

fn missing_column(name: &str, available: &[String]) -> anyhow::Error {
    anyhow::anyhow!(
        "no column '{name}' (columns: {}); name the right one with --source-column / --canonical-column",
        available.join(", ")
    )
}

/// Finds the columns in a header; the canonical index is `None` when it is absent and optional.
fn positions(header: &[String], columns: &Columns) -> anyhow::Result<(usize, Option<usize>)> {
    let find = |name: &str| header.iter().position(|h| h == name);
    let source = find(columns.source).ok_or_else(|| missing_column(columns.source, header))?;
    let canonical = match columns.canonical {
        None => None,
        Some(name) => match find(name) {
            Some(i) => Some(i),
            None if columns.canonical_optional => None,
            None => return Err(missing_column(name, header)),
        },
    };
    Ok((source, canonical))
}

const PROGRESS_EVERY: u64 = 1 << 14;

fn read_csv(
    file: File,
    path: &Path,
    columns: &Columns,
    each: &mut dyn FnMut(Record) -> anyhow::Result<()>,
    progress: &mut dyn FnMut(u64),
) -> anyhow::Result<u64> {
    let tab = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    // The reader fails once a row (plus what the CSV reader reads ahead) passes the limit.
    let (limited, limit) = crate::samples::read::limited(
        BufReader::with_capacity(1 << 20, file),
        columns.max_row_bytes.saturating_add(CSV_BUFFER as u64),
        0,
    );
    // The header row counts as a row.
    limit.start_record(0, 1);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(if tab { b'\t' } else { b',' })
        .buffer_capacity(CSV_BUFFER)
        .from_reader(limited);
    let header: Vec<String> = reader
        .byte_headers()
        .context("cannot read the CSV header")?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = String::from_utf8_lossy(h);
            let h = if i == 0 { h.trim_start_matches('\u{feff}') } else { &h };
            h.trim().to_string()
        })
        .collect();
    let (si, ci) = positions(&header, columns)?;
    let mut row_start = reader.position().byte();
    limit.start_record(row_start, reader.position().line());
    let mut record = csv::ByteRecord::new();
    let mut row = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                let size = reader.position().byte().saturating_sub(row_start);
                if size > columns.max_row_bytes {
                    let line = record.position().map_or(0, |p| p.line());
                    bail!(
                        "line {line}: a row of {size} bytes, more than the limit of {} (--max-record-bytes); nothing was loaded",
                        columns.max_row_bytes
                    );
                }
            }
            Ok(false) => break,
            Err(_) if limit.over_limit().is_some() => {
                let line = limit.over_limit().unwrap_or_default();
                bail!(
                    "line {line}: a row of more than {} bytes (--max-record-bytes); nothing was loaded",
                    columns.max_row_bytes
                );
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                bail!("line {line}: {e}");
            }
        }
        row_start = reader.position().byte();
        limit.start_record(row_start, reader.position().line());
        row += 1;
        let canonical = columns.canonical.map(|_| cell(ci.and_then(|i| record.get(i))));
        emit(row, cell(record.get(si)), canonical, columns, each)?;
        if row % PROGRESS_EVERY == 0 {
            progress(reader.position().byte());
        }
    }
    progress(reader.position().byte());
    Ok(row)
}

/// How far the CSV reader reads ahead of the row it is parsing.
const CSV_BUFFER: usize = 1 << 20;

fn read_ndjson(
    file: File,
    columns: &Columns,
    each: &mut dyn FnMut(Record) -> anyhow::Result<()>,
    progress: &mut dyn FnMut(u64),
) -> anyhow::Result<u64> {
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut line = Vec::new();
    let mut row = 0u64;
    let mut bytes = 0u64;
    loop {
        line.clear();
        let read = crate::samples::read::read_line_bounded(&mut reader, &mut line, columns.max_row_bytes)
            .context("cannot read")?;
        let n = match read {
            crate::samples::read::LineRead::End => break,
            crate::samples::read::LineRead::Line => line.len() as u64,
            crate::samples::read::LineRead::TooLong(size) => {
                bytes += size;
                row += 1;
                each(Record::Bad(BadRow {
                    row,
                    reason: format!(
                        "a row of {size} bytes, more than the limit of {} (--max-record-bytes)",
                        columns.max_row_bytes
                    ),
                    source: String::new(),
                    canonical: String::new(),
                }))?;
                continue;
            }
        };
        bytes += n;
        row += 1;
        if row % PROGRESS_EVERY == 0 {
            progress(bytes);
        }
        let text = match std::str::from_utf8(&line) {
            Ok(t) => t,
            Err(_) => {
                each(Record::Bad(BadRow {
                    row,
                    reason: "invalid UTF-8".to_string(),
                    source: String::new(),
                    canonical: String::new(),
                }))?;
                continue;
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                each(Record::Bad(BadRow {
                    row,
                    reason: format!("not valid JSON: {e}"),
                    source: String::new(),
                    canonical: String::new(),
                }))?;
                continue;
            }
        };
        let Some(object) = value.as_object() else {
            each(Record::Bad(BadRow {
                row,
                reason: "not a JSON object".to_string(),
                source: String::new(),
                canonical: String::new(),
            }))?;
            continue;
        };
        let field = |name: &str| -> Result<Option<String>, String> {
            match object.get(name) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(serde_json::Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string())),
                Some(other) => Err(format!("field '{name}' is not a string or integer: {other}")),
            }
        };
        let source = field(columns.source);
        let canonical = columns.canonical.map(field);
        let type_error = match (&source, &canonical) {
            (Err(e), _) | (_, Some(Err(e))) => Some(e.clone()),
            _ => None,
        };
        if let Some(reason) = type_error {
            each(Record::Bad(BadRow {
                row,
                reason,
                source: source.clone().ok().flatten().unwrap_or_default(),
                canonical: String::new(),
            }))?;
            continue;
        }
        let source = source.ok().flatten();
        let canonical = canonical.map(|c| c.ok().flatten());
        emit(
            row,
            cell(source.as_deref().map(str::as_bytes)),
            canonical.as_ref().map(|c| cell(c.as_deref().map(str::as_bytes))),
            columns,
            each,
        )?;
    }
    progress(bytes);
    Ok(row)
}

/// A Parquet column as text: strings as they are, integers in decimal, binary checked for UTF-8.
enum TextColumn {
    Utf8(ArrayRef),
    Binary(ArrayRef),
}

impl TextColumn {
    fn new(array: &ArrayRef, name: &str) -> anyhow::Result<TextColumn> {
        use duckdb::arrow::compute::cast;
        Ok(match array.data_type() {
            DataType::Utf8 => TextColumn::Utf8(array.clone()),
            DataType::Binary => TextColumn::Binary(array.clone()),
            DataType::LargeBinary | DataType::BinaryView => TextColumn::Binary(cast(array, &DataType::Binary)?),
            DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Dictionary(..) => TextColumn::Utf8(cast(array, &DataType::Utf8)?),
            other => bail!("column '{name}' has type {other}; ids must be strings or integers"),
        })
    }

    fn get(&self, i: usize) -> Cell<'_> {
        match self {
            TextColumn::Utf8(a) => {
                let a = a.as_string::<i32>();
                if a.is_null(i) {
                    Cell::Missing
                } else {
                    cell(Some(a.value(i).as_bytes()))
                }
            }
            TextColumn::Binary(a) => {
                let a = a.as_binary::<i32>();
                if a.is_null(i) {
                    Cell::Missing
                } else {
                    cell(Some(a.value(i)))
                }
            }
        }
    }
}

fn read_parquet(
    file: File,
    columns: &Columns,
    each: &mut dyn FnMut(Record) -> anyhow::Result<()>,
    progress: &mut dyn FnMut(u64),
) -> anyhow::Result<u64> {
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let builder = ParquetRecordBatchReaderBuilder::try_new(file).context("not a readable Parquet file")?;
    let header: Vec<String> = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
    let (si, ci) = positions(&header, columns)?;
    let wanted: Vec<usize> = std::iter::once(si).chain(ci).collect();
    // Leaf indices equal field indices only for flat schemas; project by root instead.
    let mask = ProjectionMask::roots(builder.parquet_schema(), wanted.iter().copied());
    let reader = builder.with_projection(mask).with_batch_size(1 << 16).build()?;
    let mut row = 0u64;
    for batch in reader {
        let batch = batch.context("cannot read a row group")?;
        let index = |name: &str| batch.schema().index_of(name).map_err(anyhow::Error::from);
        let source = TextColumn::new(batch.column(index(&header[si])?), &header[si])?;
        let canonical = match ci {
            Some(i) => Some(TextColumn::new(batch.column(index(&header[i])?), &header[i])?),
            None => None,
        };
        for i in 0..batch.num_rows() {
            row += 1;
            let c = match (&canonical, columns.canonical) {
                (Some(col), _) => Some(col.get(i)),
                (None, Some(_)) => Some(Cell::Missing),
                (None, None) => None,
            };
            emit(row, source.get(i), c, columns, each)?;
        }
        progress(row);
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(format: InputFormat, ext: &str, content: &[u8], optional: bool) -> Vec<String> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(format!("ids.{ext}"));
        std::fs::write(&path, content).expect("write");
        let columns = Columns {
            max_row_bytes: crate::samples::read::DEFAULT_MAX_RECORD_BYTES,
            source: "source_id",
            canonical: Some("canonical_id"),
            canonical_optional: optional,
        };
        let mut out = Vec::new();
        read(
            &path,
            format,
            &columns,
            &mut |r| {
                out.push(match r {
                    Record::Row { row, source, canonical } => format!("{row} {source} {canonical:?}"),
                    Record::Bad(b) => format!("{} bad: {}", b.row, b.reason),
                });
                Ok(())
            },
            &mut |_| {},
        )
        .expect("read");
        out
    }

    #[test]
    fn csv_rows_are_checked() {
        let got = rows(
            InputFormat::Csv,
            "csv",
            b"\xef\xbb\xbfsource_id,canonical_id\na,1\n,2\nb,\nc\xff,3\n\"d\nd\",4\n",
            false,
        );
        assert_eq!(
            got,
            [
                "1 a Some(\"1\")",
                "2 bad: missing source id (column 'source_id')",
                "3 bad: missing canonical id (column 'canonical_id'; `--mint uuid` mints ids for unseen source ids)",
                "4 bad: invalid UTF-8 in column 'source_id'",
                "5 d\nd Some(\"4\")",
            ]
        );
    }

    #[test]
    fn minting_allows_a_missing_canonical_column() {
        let got = rows(InputFormat::Csv, "csv", b"source_id\na\n", true);
        assert_eq!(got, ["1 a None"]);
    }

    #[test]
    fn ndjson_rows_are_checked() {
        let got = rows(
            InputFormat::Ndjson,
            "ndjson",
            b"{\"source_id\":\"a\",\"canonical_id\":1}\n\n{\"source_id\":true}\nnot json\n{\"source_id\":\"\xff\"}\n",
            false,
        );
        assert_eq!(got[0], "1 a Some(\"1\")");
        assert!(
            got[1].starts_with("3 bad: field 'source_id' is not a string"),
            "{got:?}"
        );
        assert!(got[2].starts_with("4 bad: not valid JSON"), "{got:?}");
        assert_eq!(got[3], "5 bad: invalid UTF-8");
    }

    #[test]
    fn a_missing_column_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ids.csv");
        std::fs::write(&path, "id,target\n1,2\n").expect("write");
        let columns = Columns {
            max_row_bytes: crate::samples::read::DEFAULT_MAX_RECORD_BYTES,
            source: "source_id",
            canonical: Some("canonical_id"),
            canonical_optional: false,
        };
        let err = read(&path, InputFormat::Csv, &columns, &mut |_| Ok(()), &mut |_| {}).expect_err("no column");
        assert!(
            format!("{err:#}").contains("no column 'source_id' (columns: id, target)"),
            "{err:#}"
        );
    }
}
