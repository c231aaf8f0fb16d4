//! `mapcheck crosswalk export`: the active links (or, with `--history`, every link ever) as CSV
//! or Parquet, written to a temporary file and renamed into place when complete.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use duckdb::arrow::array::{Array, AsArray};
use duckdb::arrow::datatypes::DataType;

use super::store::{Access, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Parquet,
}

/// Which links.
#[derive(Debug, Clone)]
pub struct ExportRequest<'a> {
    pub format: ExportFormat,
    pub history: bool,
    pub system: Option<&'a str>,
    pub entity: Option<&'a str>,
}

const COLUMNS: &str = "system, entity, feed, source_id, canonical_id, valid_from, valid_to, load_id, source_file";

fn query(req: &ExportRequest, text_times: bool) -> String {
    let mut filters = Vec::new();
    if !req.history {
        filters.push("valid_to IS NULL".to_string());
    }
    if let Some(s) = req.system {
        filters.push(format!("system = {}", super::store::literal(s)));
    }
    if let Some(e) = req.entity {
        filters.push(format!("entity = {}", super::store::literal(e)));
    }
    let filter = if filters.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", filters.join(" AND "))
    };
    let columns = if text_times {
        "system, entity, feed, source_id, canonical_id, strftime(valid_from, '%Y-%m-%dT%H:%M:%S.%fZ') AS valid_from,
         strftime(valid_to, '%Y-%m-%dT%H:%M:%S.%fZ') AS valid_to, load_id::VARCHAR AS load_id, source_file"
    } else {
        COLUMNS
    };
    format!("SELECT {columns} FROM links {filter} ORDER BY system, entity, source_id, valid_from, feed")
}

/// Writes the export to `out` (a file path, or stdout for CSV when `None`). Returns the row count.
pub fn run(db: &Path, req: &ExportRequest, output: Option<&Path>, stdout: &mut dyn Write) -> anyhow::Result<u64> {
    let store = Store::open(db, Access::Read)?;
    let dberr = |e: duckdb::Error| anyhow::Error::from(store.err(e));
    let sql = query(req, req.format == ExportFormat::Csv);
    let mut stmt = store.conn.prepare(&sql).map_err(dberr)?;
    let batches = stmt.query_arrow([]).map_err(dberr)?;
    let schema = batches.get_schema();
    match (req.format, output) {
        (ExportFormat::Parquet, None) => anyhow::bail!("--format parquet needs --output <FILE>"),
        (ExportFormat::Csv, None) => write_csv(batches, stdout),
        (format, Some(path)) => {
            let shown = crate::load::display_path(path);
            crate::write::whole(path, |file| match format {
                ExportFormat::Csv => {
                    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
                    let rows = write_csv(batches, &mut w)?;
                    w.flush().with_context(|| format!("{shown}: cannot write"))?;
                    Ok(rows)
                }
                ExportFormat::Parquet => {
                    let props = parquet::file::properties::WriterProperties::builder()
                        .set_compression(parquet::basic::Compression::SNAPPY)
                        .build();
                    let mut w = parquet::arrow::ArrowWriter::try_new(file, Arc::clone(&schema), Some(props))
                        .with_context(|| format!("{shown}: cannot write Parquet"))?;
                    let mut rows = 0u64;
                    for batch in batches {
                        rows += batch.num_rows() as u64;
                        w.write(&batch)
                            .with_context(|| format!("{shown}: cannot write Parquet"))?;
                    }
                    w.close().with_context(|| format!("{shown}: cannot write Parquet"))?;
                    Ok(rows)
                }
            })
        }
    }
}

/// CSV with a header; every column is text (the query casts).
fn write_csv(
    batches: impl Iterator<Item = duckdb::arrow::record_batch::RecordBatch>,
    out: &mut dyn Write,
) -> anyhow::Result<u64> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS.split(", "))?;
    let mut rows = 0u64;
    let mut record = csv::StringRecord::new();
    for batch in batches {
        let columns: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| {
                if c.data_type() == &DataType::Utf8 {
                    Ok(Arc::clone(c))
                } else {
                    duckdb::arrow::compute::cast(c, &DataType::Utf8)
                }
            })
            .collect::<Result<_, _>>()?;
        for i in 0..batch.num_rows() {
            record.clear();
            for c in &columns {
                let c = c.as_string::<i32>();
                record.push_field(if c.is_null(i) { "" } else { c.value(i) });
            }
            w.write_record(&record)?;
            rows += 1;
        }
    }
    w.flush()?;
    Ok(rows)
}
