//! Parquet samples: each row as a JSON value, one row group in memory at a time.
//!
//! Values become what the same data would be in JSON: integers and floats numbers, decimals
//! numbers (scaled), strings strings, binary data base64 strings (or the text, when it is UTF-8),
//! dates `YYYY-MM-DD`, times `HH:MM:SS.fff`, timestamps RFC 3339 in UTC (`...Z`), groups objects,
//! lists arrays and maps objects keyed by the map's keys as text. A null is `null`, so drift sees
//! nullable columns as it sees nulls in NDJSON.

use std::fs::File;
use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};
use serde_json::{Map, Value};

use super::read::ReadError;
use super::values::{Unit, base64, date, decimal, float, time_of_day, timestamp};

/// Calls `record` with each row and its 1-based row number. A file that is not Parquet, or a row
/// group that cannot be decoded, ends the file with an error naming the row.
pub fn rows(path: &Path, display: &str, record: &mut dyn FnMut(Value, u64)) -> Result<u64, ReadError> {
    let err = |message: String| ReadError {
        path: display.to_string(),
        message,
    };
    let file = File::open(path).map_err(|e| err(e.to_string()))?;
    let reader = SerializedFileReader::new(file).map_err(|e| err(format!("not a readable Parquet file: {e}")))?;
    let mut n = 0u64;
    for g in 0..reader.num_row_groups() {
        let group = reader
            .get_row_group(g)
            .map_err(|e| err(format!("row group {g}: {e}")))?;
        let iter = group
            .get_row_iter(None)
            .map_err(|e| err(format!("row group {g}: {e}")))?;
        for row in iter {
            let row = row.map_err(|e| err(format!("row {}: {e}", n + 1)))?;
            n += 1;
            record(row_value(&row), n);
        }
    }
    Ok(n)
}

fn row_value(row: &Row) -> Value {
    let mut map = Map::with_capacity(row.len());
    for (name, field) in row.get_column_iter() {
        map.insert(name.clone(), value(field));
    }
    Value::Object(map)
}

/// One Parquet value as JSON.
pub fn value(field: &Field) -> Value {
    match field {
        Field::Null => Value::Null,
        Field::Bool(b) => Value::Bool(*b),
        Field::Byte(n) => Value::from(*n),
        Field::Short(n) => Value::from(*n),
        Field::Int(n) => Value::from(*n),
        Field::Long(n) => Value::from(*n),
        Field::UByte(n) => Value::from(*n),
        Field::UShort(n) => Value::from(*n),
        Field::UInt(n) => Value::from(*n),
        Field::ULong(n) => Value::from(*n),
        Field::Float16(n) => float(f64::from(*n)),
        Field::Float(n) => float(f64::from(*n)),
        Field::Double(n) => float(*n),
        Field::Decimal(d) => decimal(d.data(), d.scale()),
        Field::Str(s) => Value::String(s.clone()),
        Field::Bytes(b) => match std::str::from_utf8(b.data()) {
            Ok(s) => Value::String(s.to_string()),
            Err(_) => base64(b.data()),
        },
        Field::Date(days) => date(i64::from(*days)),
        Field::TimeMillis(ms) => time_of_day(i64::from(*ms) * 1_000),
        Field::TimeMicros(us) => time_of_day(*us),
        Field::TimestampMillis(ms) => timestamp(*ms, Unit::Millis),
        Field::TimestampMicros(us) => timestamp(*us, Unit::Micros),
        Field::Group(row) => row_value(row),
        Field::ListInternal(list) => Value::Array(list.elements().iter().map(value).collect()),
        Field::MapInternal(map) => {
            let mut out = Map::with_capacity(map.entries().len());
            for (k, v) in map.entries() {
                let key = match value(k) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, value(v));
            }
            Value::Object(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_read_as_json_would_write_them() {
        assert_eq!(value(&Field::Date(19_723)), Value::from("2024-01-01"));
        assert_eq!(
            value(&Field::TimestampMillis(1_704_067_200_000)),
            Value::from("2024-01-01T00:00:00Z")
        );
        assert_eq!(
            value(&Field::TimestampMicros(1_704_067_200_123_456)),
            Value::from("2024-01-01T00:00:00.123456Z")
        );
    }
}
