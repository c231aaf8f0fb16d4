//! Parquet samples: each row as a JSON value, one row group in memory at a time.
//!
//! Values become what the same data would be in JSON: integers and floats numbers, decimals
//! numbers (scaled), strings strings, binary data base64 strings (or the text, when it is UTF-8),
//! dates `YYYY-MM-DD`, times `HH:MM:SS.fff`, timestamps RFC 3339 in UTC (`...Z`), groups objects,
//! lists arrays and maps objects keyed by the map's keys as text. A null is `null`, so drift sees
//! nullable columns as it sees nulls in NDJSON.

use std::fs::File;
use std::path::Path;

use base64::Engine as _;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};
use serde_json::{Map, Number, Value};

use super::read::ReadError;

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

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
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
            Err(_) => Value::String(base64::engine::general_purpose::STANDARD.encode(b.data())),
        },
        Field::Date(days) => chrono::DateTime::from_timestamp(i64::from(*days) * 86_400, 0)
            .map_or(Value::Null, |t| Value::String(t.format("%Y-%m-%d").to_string())),
        Field::TimeMillis(ms) => time_of_day(i64::from(*ms) * 1_000),
        Field::TimeMicros(us) => time_of_day(*us),
        Field::TimestampMillis(ms) => chrono::DateTime::from_timestamp_millis(*ms).map_or(Value::Null, |t| {
            Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }),
        Field::TimestampMicros(us) => chrono::DateTime::from_timestamp_micros(*us).map_or(Value::Null, |t| {
            Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }),
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

/// A decimal's big-endian two's-complement unscaled value, scaled, as a JSON number.
fn decimal(bytes: &[u8], scale: i32) -> Value {
    if bytes.is_empty() || bytes.len() > 16 {
        return Value::Null;
    }
    let fill = if bytes[0] & 0x80 != 0 { 0xff } else { 0 };
    let mut wide = [fill; 16];
    wide[16 - bytes.len()..].copy_from_slice(bytes);
    let unscaled = i128::from_be_bytes(wide);
    if scale == 0
        && let Ok(n) = i64::try_from(unscaled)
    {
        return Value::from(n);
    }
    float(unscaled as f64 / 10f64.powi(scale))
}

fn time_of_day(micros: i64) -> Value {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    match chrono::NaiveTime::from_num_seconds_from_midnight_opt(secs as u32, (frac * 1_000) as u32) {
        Some(t) if (0..86_400).contains(&secs) => Value::String(t.format("%H:%M:%S%.f").to_string()),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_scale_and_keep_their_sign() {
        assert_eq!(decimal(&[0x30, 0x39], 2), serde_json::json!(123.45));
        assert_eq!(decimal(&[0xff, 0x85], 0), serde_json::json!(-123));
        assert_eq!(decimal(&[0x00, 0x7b], 0), serde_json::json!(123));
        assert_eq!(decimal(&[], 0), Value::Null);
    }

    #[test]
    fn times_dates_and_timestamps_read_as_json_would_write_them() {
        assert_eq!(time_of_day(3_723_500_000), Value::from("01:02:03.500"));
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
