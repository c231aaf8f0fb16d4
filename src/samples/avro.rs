//! Avro data files (Object Container Files) as samples, read with Apache Avro's own reader: the
//! writer schema from the header, then each record as a JSON value, one block in memory at a time.
//!
//! Values follow the conventions of the other binary formats ([`super::values`]): records are
//! objects in field order, unions their value, enums their symbol, decimals numbers (scaled by the
//! writer schema), bytes and fixed base64, `date` `YYYY-MM-DD`, `time-*` `HH:MM:SS.fff`,
//! `timestamp-*` RFC 3339 in UTC, `local-timestamp-*` the same without an offset, `uuid` its text,
//! `duration` ISO 8601 (`P1M2DT3.004S`), maps objects with their keys sorted.

use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::Path;

use apache_avro::schema::{Name, NamesRef, ResolvedSchema};
use apache_avro::types::Value as Avro;
use apache_avro::{Reader, Schema};
use serde_json::{Map, Value};

use super::read::{Malformed, ReadError};
use super::values::{self, Unit};

/// The first bytes of every Avro Object Container File.
pub const MAGIC: &[u8; 4] = b"Obj\x01";

/// What reading one file gave besides its records.
#[derive(Debug, Default)]
pub struct Read {
    /// Records read.
    pub records: u64,
    /// The writer schema from the file's header, as JSON text.
    pub writer_schema: String,
    /// The record that could not be decoded, where reading stopped (a truncated block, a wrong sync
    /// marker, a value the schema does not describe).
    pub damaged: Option<Malformed>,
}

/// Calls `record` with each record and its 1-based number. A file whose header cannot be read is
/// an error; a record that cannot be decoded ends the file as [`Read::damaged`] (Avro has no way to
/// find the next good record in a damaged block).
pub fn records(path: &Path, display: &str, record: &mut dyn FnMut(Value, u64) -> bool) -> Result<Read, ReadError> {
    let err = |message: String| ReadError {
        path: display.to_string(),
        message,
    };
    let mut file = BufReader::with_capacity(1 << 16, File::open(path).map_err(|e| err(e.to_string()))?);
    let writer_schema = header_schema(&mut file).map_err(|e| err(format!("not a readable Avro data file: {e}")))?;
    file.seek(SeekFrom::Start(0)).map_err(|e| err(e.to_string()))?;
    let reader = Reader::new(file).map_err(|e| err(format!("not a readable Avro data file: {}", message(&e))))?;
    let schema = reader.writer_schema().clone();
    let resolved = ResolvedSchema::try_from(&schema).map_err(|e| err(format!("its writer schema: {}", message(&e))))?;
    let names = resolved.get_names();
    let mut out = Read {
        writer_schema,
        ..Read::default()
    };
    for value in reader {
        let n = out.records + 1;
        match value {
            Ok(v) => {
                out.records = n;
                if !record(json(&v, &schema, names), n) {
                    break;
                }
            }
            Err(e) => {
                out.damaged = Some(Malformed {
                    line: n,
                    message: format!(
                        "record {n} cannot be decoded ({}); the rest of the file is skipped (a damaged Avro block cannot be resumed)",
                        message(&e)
                    ),
                });
                break;
            }
        }
    }
    Ok(out)
}

/// The writer schema as the file's header holds it (`avro.schema`), text unchanged: the header is
/// the magic bytes and a `map<bytes>` of metadata, decoded by Avro's own datum reader.
fn header_schema(file: &mut impl std::io::Read) -> Result<String, String> {
    let mut magic = [0u8; 4];
    file.read_exact(&mut magic).map_err(|e| e.to_string())?;
    if &magic != MAGIC {
        return Err("it does not start with the Avro magic bytes `Obj\\x01`".into());
    }
    let metadata = Schema::Map(apache_avro::schema::MapSchema {
        types: Box::new(Schema::Bytes),
        attributes: Default::default(),
    });
    let value = apache_avro::reader::datum::GenericDatumReader::builder(&metadata)
        .build()
        .and_then(|r| r.read_value(file))
        .map_err(|e| message(&e))?;
    let Avro::Map(entries) = value else {
        return Err("its header holds no metadata".into());
    };
    match entries.get("avro.schema") {
        Some(Avro::Bytes(b)) => {
            String::from_utf8(b.clone()).map_err(|_| "its writer schema is not UTF-8 text".to_string())
        }
        _ => Err("its header holds no `avro.schema`".into()),
    }
}

/// An Avro error with its causes, on one line.
fn message(e: &apache_avro::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// The schema a reference names.
fn named<'s>(schema: &'s Schema, names: &NamesRef<'s>) -> &'s Schema {
    let mut s = schema;
    // A chain of references ends at a named type; the count guards a malformed table.
    for _ in 0..64 {
        match s {
            Schema::Ref { name } => match lookup(name, names) {
                Some(target) => s = target,
                None => return s,
            },
            _ => return s,
        }
    }
    s
}

fn lookup<'s>(name: &Name, names: &NamesRef<'s>) -> Option<&'s Schema> {
    names
        .get(name)
        .copied()
        .or_else(|| names.iter().find(|(n, _)| n.name() == name.name()).map(|(_, s)| *s))
}

/// One Avro value as JSON; `schema` is the writer schema at the value's position (for decimals'
/// scale).
pub fn json(v: &Avro, schema: &Schema, names: &NamesRef) -> Value {
    let schema = named(schema, names);
    match v {
        Avro::Null => Value::Null,
        Avro::Boolean(b) => Value::Bool(*b),
        Avro::Int(n) => Value::from(*n),
        Avro::Long(n) => Value::from(*n),
        Avro::Float(f) => values::float32(*f),
        Avro::Double(f) => values::float(*f),
        Avro::Bytes(b) | Avro::Fixed(_, b) => values::base64(b),
        Avro::String(s) => Value::String(s.clone()),
        Avro::Enum(_, symbol) => Value::String(symbol.clone()),
        Avro::Union(i, inner) => {
            let branch = match schema {
                Schema::Union(u) => u.variants().get(*i as usize).unwrap_or(&Schema::Null),
                other => other,
            };
            json(inner, branch, names)
        }
        Avro::Array(items) => {
            let item = match schema {
                Schema::Array(a) => a.items.as_ref(),
                other => other,
            };
            Value::Array(items.iter().map(|x| json(x, item, names)).collect())
        }
        Avro::Map(entries) => {
            let item = match schema {
                Schema::Map(m) => m.types.as_ref(),
                other => other,
            };
            let mut keys: Vec<&String> = entries.keys().collect();
            keys.sort();
            let mut map = Map::with_capacity(keys.len());
            for k in keys {
                map.insert(k.clone(), json(&entries[k], item, names));
            }
            Value::Object(map)
        }
        Avro::Record(fields) => {
            let mut map = Map::with_capacity(fields.len());
            for (i, (name, value)) in fields.iter().enumerate() {
                let field_schema = match schema {
                    Schema::Record(r) => r.fields.get(i).map_or(&Schema::Null, |f| &f.schema),
                    other => other,
                };
                map.insert(name.clone(), json(value, field_schema, names));
            }
            Value::Object(map)
        }
        Avro::Decimal(d) => {
            let scale = match schema {
                Schema::Decimal(s) => s.scale,
                _ => 0,
            };
            match (Vec::<u8>::try_from(d), i32::try_from(scale)) {
                (Ok(bytes), Ok(scale)) => values::decimal(&bytes, scale),
                _ => Value::Null,
            }
        }
        Avro::BigDecimal(d) => d.to_string().parse::<f64>().map_or(Value::Null, values::float),
        Avro::Date(days) => values::date(i64::from(*days)),
        Avro::TimeMillis(ms) => values::time_of_day(i64::from(*ms) * 1_000),
        Avro::TimeMicros(us) => values::time_of_day(*us),
        Avro::TimestampMillis(n) => values::timestamp(*n, Unit::Millis),
        Avro::TimestampMicros(n) => values::timestamp(*n, Unit::Micros),
        Avro::TimestampNanos(n) => values::timestamp(*n, Unit::Nanos),
        Avro::LocalTimestampMillis(n) => values::local_timestamp(*n, Unit::Millis),
        Avro::LocalTimestampMicros(n) => values::local_timestamp(*n, Unit::Micros),
        Avro::LocalTimestampNanos(n) => values::local_timestamp(*n, Unit::Nanos),
        Avro::Duration(d) => {
            let (months, days, millis) = (u32::from(d.months()), u32::from(d.days()), u32::from(d.millis()));
            let mut text = format!("P{months}M{days}D");
            if millis > 0 {
                let (secs, ms) = (millis / 1_000, millis % 1_000);
                if ms == 0 {
                    text.push_str(&format!("T{secs}S"));
                } else {
                    text.push_str(&format!("T{secs}.{ms:03}S"));
                }
            }
            Value::String(text)
        }
        Avro::Uuid(u) => Value::String(u.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/samples/avro")
    }

    fn load_file(name: &str) -> (Vec<(Value, u64)>, Result<Read, ReadError>) {
        let mut seen = Vec::new();
        let read = records(&dir().join(name), name, &mut |v, n| {
            seen.push((v, n));
            true
        });
        (seen, read)
    }

    /// Numbers compared by value (the reference writes decimals with their scale: `-0.50`).
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            },
            (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
            }
            _ => a == b,
        }
    }

    /// The reference: what Apache Avro's Python library read back, converted by the conventions
    /// of `generate.py` (the same as this module's).
    fn expected(name: &str) -> Vec<Value> {
        std::fs::read_to_string(dir().join(name))
            .expect("fixture")
            .split('\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect()
    }

    #[test]
    fn every_codec_reads_as_the_reference_library_reads() {
        let want = expected("orders.expected.ndjson");
        for name in [
            "orders.avro",
            "orders-deflate.avro",
            "orders-snappy.avro",
            "orders-zstandard.avro",
        ] {
            let (seen, read) = load_file(name);
            let read = read.expect(name);
            assert!(read.damaged.is_none(), "{name}: {:?}", read.damaged);
            assert_eq!(read.records, 20, "{name}");
            assert_eq!(seen.len(), want.len(), "{name}");
            for ((got, n), want) in seen.iter().zip(&want) {
                assert!(same(got, want), "{name} record {n}:\n got {got}\nwant {want}");
            }
            let schema: Value = serde_json::from_str(&read.writer_schema).expect("writer schema is JSON");
            assert_eq!(schema["name"], "Order", "{name}");
        }
    }

    #[test]
    fn a_writer_schema_other_than_the_contract_reads_as_written() {
        let (seen, read) = load_file("orders-evolved.avro");
        assert!(read.expect("evolved").damaged.is_none());
        let want = expected("orders-evolved.expected.ndjson");
        assert_eq!(seen.len(), want.len());
        for ((got, n), want) in seen.iter().zip(&want) {
            assert!(same(got, want), "record {n}:\n got {got}\nwant {want}");
        }
    }

    #[test]
    fn damage_stops_the_file_at_the_record_it_hits() {
        // Blocks of 6, 6, 6 and 2 records; the last block is cut short.
        let (seen, read) = load_file("orders-truncated.avro");
        let read = read.expect("the header is intact");
        assert_eq!(seen.len(), 18);
        let damaged = read.damaged.expect("damage reported");
        assert_eq!(damaged.line, 19);
        assert!(damaged.message.contains("cannot be decoded"), "{}", damaged.message);

        // A wrong sync marker after block 2: the reader refuses the block it ends.
        let (seen, read) = load_file("orders-badsync.avro");
        let damaged = read.expect("the header is intact").damaged.expect("damage reported");
        assert_eq!(damaged.line, seen.len() as u64 + 1);
        assert!(seen.len() < 20);

        let (seen, read) = load_file("empty.avro");
        assert!(seen.is_empty());
        assert_eq!(read.expect("a header alone is a file").records, 0);

        let (_, read) = load_file("not-avro.avro");
        let e = read.expect_err("not Avro");
        assert!(e.message.contains("not a readable Avro data file"), "{}", e.message);
    }
}
