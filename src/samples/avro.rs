//! Avro data files (Object Container Files) as samples, read with Apache Avro's own reader: the
//! writer schema from the header, then each record as a JSON value, one block in memory at a time.
//!
//! Values follow the conventions of the other binary formats ([`super::values`]): records are
//! objects in field order, unions their value, enums their symbol, decimals numbers (scaled by the
//! writer schema), bytes and fixed base64, `date` `YYYY-MM-DD`, `time-*` `HH:MM:SS.fff`,
//! `timestamp-*` RFC 3339 in UTC, `local-timestamp-*` the same without an offset, `uuid` its text,
//! `duration` ISO 8601 (`P1M2DT3.004S`), maps objects with their keys sorted.

use std::fs::File;
use std::io::{BufReader, Read as _};
use std::path::Path;

use apache_avro::schema::{Name, NamesRef, ResolvedSchema};
use apache_avro::types::Value as Avro;
use apache_avro::{Codec, Schema};
use serde_json::{Map, Value};

use super::read::{AVRO_MAGIC as MAGIC, Malformed, ReadError};
use super::values::{self, Unit};

/// What reading one file gave besides its records.
#[derive(Debug, Default)]
pub struct Read {
    /// Records read.
    pub records: u64,
    /// The writer schema from the file's header, as JSON text.
    pub writer_schema: String,
    /// Records that could not be decoded (a truncated block, a wrong sync marker, a value the
    /// schema does not describe), each at the first record it lost.
    pub damaged: Vec<Malformed>,
}

/// The largest block read (its bytes as stored): Apache Avro's own allocation limit.
const MAX_BLOCK: u64 = 512 << 20;

/// An Avro data file's header: the writer schema (as written, and parsed) and the codec.
pub struct Header {
    pub writer_schema: String,
    schema: Schema,
    codec: Codec,
}

/// One block of records as stored (compressed), and the number of its first record.
pub struct Block {
    pub first: u64,
    count: u64,
    data: Vec<u8>,
}

/// The blocks of a data file, one at a time; a block that cannot be framed (the file ends inside
/// it, its sync marker is wrong) is malformed at its first record and ends the file.
pub struct Blocks {
    reader: BufReader<File>,
    sync: [u8; 16],
    next: u64,
    done: bool,
}

/// Opens a data file: its header, then its blocks.
pub fn open(path: &Path, display: &str) -> Result<(Header, Blocks), ReadError> {
    let err = |message: String| ReadError {
        path: display.to_string(),
        message: format!("not a readable Avro data file: {message}"),
    };
    let mut reader = BufReader::with_capacity(
        1 << 16,
        File::open(path).map_err(|e| ReadError {
            path: display.to_string(),
            message: e.to_string(),
        })?,
    );
    let metadata = header_metadata(&mut reader).map_err(err)?;
    let text = |key: &str| match metadata.get(key) {
        Some(Avro::Bytes(b)) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    };
    let writer_schema = text("avro.schema").ok_or_else(|| err("its header holds no `avro.schema`".into()))?;
    let schema = Schema::parse_str(&writer_schema).map_err(|e| err(format!("its writer schema: {}", message(&e))))?;
    let codec_name = text("avro.codec").unwrap_or_else(|| "null".into());
    let codec = codec_name.parse::<Codec>().map_err(|_| {
        err(format!(
            "codec `{codec_name}` is not one mapcheck reads (null, deflate, snappy, zstandard)"
        ))
    })?;
    let mut sync = [0u8; 16];
    reader
        .read_exact(&mut sync)
        .map_err(|_| err("the file ends inside its header".into()))?;
    let header = Header {
        writer_schema,
        schema,
        codec,
    };
    let blocks = Blocks {
        reader,
        sync,
        next: 1,
        done: false,
    };
    Ok((header, blocks))
}

impl Iterator for Blocks {
    type Item = Result<Block, Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let first = self.next;
        let fail = |this: &mut Blocks, why: String| {
            this.done = true;
            Some(Err(Malformed {
                line: first,
                message: format!(
                    "the block starting at record {first} {why}; the rest of the file is skipped (a damaged Avro block cannot be framed)"
                ),
            }))
        };
        let count = match read_long(&mut self.reader) {
            Ok(None) => {
                self.done = true;
                return None;
            }
            Ok(Some(n)) => n,
            Err(_) => return fail(self, "is cut short: the file ends inside its record count".into()),
        };
        let size = match read_long(&mut self.reader) {
            Ok(Some(n)) => n,
            _ => return fail(self, "is cut short: the file ends inside its size".into()),
        };
        let (Ok(count), Ok(size)) = (u64::try_from(count), u64::try_from(size)) else {
            return fail(self, format!("has a negative record count or size ({count}, {size})"));
        };
        if size > MAX_BLOCK {
            return fail(
                self,
                format!("holds {size} bytes, more than the {MAX_BLOCK} a block may"),
            );
        }
        let mut data = Vec::new();
        match (&mut self.reader).take(size).read_to_end(&mut data) {
            Ok(n) if n as u64 == size => {}
            Ok(n) => {
                return fail(
                    self,
                    format!("is cut short: the file ends after {n} of its {size} bytes"),
                );
            }
            Err(e) => return fail(self, format!("cannot be read: {e}")),
        }
        let mut sync = [0u8; 16];
        if self.reader.read_exact(&mut sync).is_err() {
            return fail(self, "is cut short: the file ends inside its sync marker".into());
        }
        if sync != self.sync {
            return fail(self, "ends in a sync marker other than the header's".into());
        }
        self.next = first.saturating_add(count);
        Some(Ok(Block { first, count, data }))
    }
}

/// Decodes a block's records, calling `record` with each as JSON and its number (false stops).
/// A record that cannot be decoded loses the rest of its block: that is the malformed record
/// returned; the blocks after it are framed on their own and still read.
pub fn decode(header: &Header, block: Block, record: &mut dyn FnMut(Value, u64) -> bool) -> Option<Malformed> {
    let Block { first, count, mut data } = block;
    let damaged = |n: u64, why: String| {
        Some(Malformed {
            line: n,
            message: format!(
                "record {n} cannot be decoded ({why}); the rest of its block (to record {}) is skipped",
                first + count.saturating_sub(1)
            ),
        })
    };
    if let Err(e) = header.codec.decompress(&mut data) {
        return damaged(first, message(&e));
    }
    let resolved = match ResolvedSchema::try_from(&header.schema) {
        Ok(r) => r,
        Err(e) => return damaged(first, message(&e)),
    };
    let names = resolved.get_names();
    let reader = match apache_avro::reader::datum::GenericDatumReader::builder(&header.schema).build() {
        Ok(r) => r,
        Err(e) => return damaged(first, message(&e)),
    };
    let mut bytes = data.as_slice();
    for i in 0..count {
        let n = first + i;
        match reader.read_value(&mut bytes) {
            Ok(v) => {
                if !record(json(&v, &header.schema, names), n) {
                    return None;
                }
            }
            Err(e) => return damaged(n, message(&e)),
        }
    }
    None
}

/// Calls `record` with each record and its 1-based number, block after block. A file whose
/// header cannot be read is an error; damage is in [`Read::damaged`].
pub fn records(path: &Path, display: &str, record: &mut dyn FnMut(Value, u64) -> bool) -> Result<Read, ReadError> {
    let (header, blocks) = open(path, display)?;
    let mut out = Read::default();
    let mut go_on = true;
    for block in blocks {
        match block {
            Ok(block) => {
                if let Some(m) = decode(&header, block, &mut |v, n| {
                    out.records += 1;
                    go_on = record(v, n);
                    go_on
                }) {
                    out.damaged.push(m);
                }
            }
            Err(m) => out.damaged.push(m),
        }
        if !go_on {
            break;
        }
    }
    out.writer_schema = header.writer_schema;
    Ok(out)
}

/// A zigzag-encoded Avro `long`; `None` at the end of the input before its first byte.
fn read_long(reader: &mut impl std::io::BufRead) -> std::io::Result<Option<i64>> {
    let mut value = 0u64;
    for i in 0..10 {
        let mut byte = [0u8; 1];
        if reader.read(&mut byte)? == 0 {
            return if i == 0 {
                Ok(None)
            } else {
                Err(std::io::ErrorKind::UnexpectedEof.into())
            };
        }
        value |= u64::from(byte[0] & 0x7f) << (7 * i);
        if byte[0] & 0x80 == 0 {
            return Ok(Some(((value >> 1) as i64) ^ -((value & 1) as i64)));
        }
    }
    Err(std::io::ErrorKind::InvalidData.into())
}

/// The header's metadata (`map<bytes>`), after the magic bytes, decoded by Avro's own datum
/// reader.
fn header_metadata(file: &mut impl std::io::Read) -> Result<std::collections::HashMap<String, Avro>, String> {
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
    match value {
        Avro::Map(entries) => Ok(entries),
        _ => Err("its header holds no metadata".into()),
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
            assert!(read.damaged.is_empty(), "{name}: {:?}", read.damaged);
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
        assert!(read.expect("evolved").damaged.is_empty());
        let want = expected("orders-evolved.expected.ndjson");
        assert_eq!(seen.len(), want.len());
        for ((got, n), want) in seen.iter().zip(&want) {
            assert!(same(got, want), "record {n}:\n got {got}\nwant {want}");
        }
    }

    #[test]
    fn damage_is_located_at_the_record_it_hits() {
        // Blocks of 6, 6, 6 and 2 records; the last block is cut short.
        let (seen, read) = load_file("orders-truncated.avro");
        let read = read.expect("the header is intact");
        assert_eq!(seen.len(), 18);
        assert_eq!(read.damaged.len(), 1);
        assert_eq!(read.damaged[0].line, 19);
        assert!(
            read.damaged[0].message.contains("cut short"),
            "{}",
            read.damaged[0].message
        );

        // A wrong sync marker after block 2: that block is refused (as Apache Avro's Java and Rust
        // readers do), and the file cannot be framed after it.
        let (seen, read) = load_file("orders-badsync.avro");
        let read = read.expect("the header is intact");
        assert_eq!(seen.len(), 6);
        assert_eq!(read.damaged.len(), 1);
        assert_eq!(read.damaged[0].line, 7);
        assert!(
            read.damaged[0].message.contains("sync marker"),
            "{}",
            read.damaged[0].message
        );

        let (seen, read) = load_file("empty.avro");
        assert!(seen.is_empty());
        assert_eq!(read.expect("a header alone is a file").records, 0);

        let (_, read) = load_file("not-avro.avro");
        let e = read.expect_err("not Avro");
        assert!(e.message.contains("not a readable Avro data file"), "{}", e.message);
    }
}
