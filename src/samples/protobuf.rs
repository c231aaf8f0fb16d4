//! Binary Protobuf samples: a stream of length-delimited messages (each preceded by its size as a
//! varint, as `writeDelimitedTo` writes them) or one message per file, decoded against a message
//! of the `.proto` contract (`prost-reflect`'s `DynamicMessage`) and observed as the proto3 JSON
//! mapping with the `.proto` field names (64-bit integers as strings, enums as names, bytes as
//! base64, well-known types in their JSON form; fields at their default value are absent).
//!
//! A field the contract does not have (an unknown field number) appears in the record as
//! `#<number> (wire type <TYPE>)`, so drift reports it as `undeclared-field`.

use std::io::{self, BufRead, Read};

use prost_reflect::{DynamicMessage, MessageDescriptor, SerializeOptions, Value as Proto};
use serde_json::Value;

use super::read::{Malformed, too_long};

/// How messages sit in a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framing {
    /// Each message preceded by its size as a varint (Java's `writeDelimitedTo`, Go's
    /// `protodelim`).
    #[default]
    Delimited,
    /// The whole file is one message.
    Single,
}

/// The message samples are decoded as, and how they are framed.
#[derive(Debug, Clone)]
pub struct ProtoSamples {
    pub message: MessageDescriptor,
    pub framing: Framing,
}

/// Decodes every message of `reader`: `record` gets each as JSON with its 1-based number (false
/// stops the read), `malformed` each message that does not decode or is over `max_record` bytes
/// (false stops the read). A stream that ends inside a message is malformed there and ends the
/// file; an I/O error is returned.
pub fn records(
    mut reader: impl BufRead,
    samples: &ProtoSamples,
    max_record: u64,
    record: &mut dyn FnMut(Value, u64) -> bool,
    malformed: &mut dyn FnMut(Malformed) -> bool,
) -> io::Result<()> {
    let name = samples.message.full_name();
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        n += 1;
        let size = match samples.framing {
            Framing::Single if n > 1 => return Ok(()),
            Framing::Single => None,
            Framing::Delimited => match varint(&mut reader)? {
                Varint::End => return Ok(()),
                Varint::Truncated => {
                    malformed(Malformed {
                        line: n,
                        message: format!("message {n}: the stream ends inside its size prefix"),
                    });
                    return Ok(());
                }
                Varint::Overlong => {
                    malformed(Malformed {
                        line: n,
                        message: format!(
                            "message {n}: its size prefix is not a varint of at most 10 bytes; the rest of the file is skipped"
                        ),
                    });
                    return Ok(());
                }
                Varint::Value(size) => Some(size),
            },
        };
        buf.clear();
        let read = match size {
            Some(size) if size > max_record => {
                let skipped = io::copy(&mut (&mut reader).take(size), &mut io::sink())?;
                if !malformed(Malformed {
                    line: n,
                    message: too_long(size, max_record),
                }) || skipped < size
                {
                    return Ok(());
                }
                continue;
            }
            Some(size) => (&mut reader).take(size).read_to_end(&mut buf)? as u64,
            None => (&mut reader).take(max_record.saturating_add(1)).read_to_end(&mut buf)? as u64,
        };
        if let Some(size) = size
            && read < size
        {
            malformed(Malformed {
                line: n,
                message: format!("message {n}: the stream ends after {read} of its {size} bytes (a truncated file)"),
            });
            return Ok(());
        }
        if size.is_none() && read > max_record {
            malformed(Malformed {
                line: n,
                message: format!(
                    "a message of more than {max_record} bytes, more than the limit (--max-record-bytes); skipped"
                ),
            });
            return Ok(());
        }
        let go_on = match DynamicMessage::decode(samples.message.clone(), buf.as_slice()) {
            Ok(message) => record(json(&message), n),
            Err(e) => malformed(Malformed {
                line: n,
                message: format!("message {n} does not decode as `{name}`: {e}"),
            }),
        };
        if !go_on {
            return Ok(());
        }
    }
}

enum Varint {
    End,
    Truncated,
    Overlong,
    Value(u64),
}

/// A base-128 varint (the size prefix of a delimited message).
fn varint(reader: &mut impl BufRead) -> io::Result<Varint> {
    let mut value = 0u64;
    for i in 0..10 {
        let byte = loop {
            match reader.fill_buf() {
                Ok([]) => return Ok(if i == 0 { Varint::End } else { Varint::Truncated }),
                Ok(b) => break b[0],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        reader.consume(1);
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(Varint::Value(value));
        }
    }
    Ok(Varint::Overlong)
}

/// A message as proto3 JSON with `.proto` field names, unknown fields included as
/// `#<number> (wire type <TYPE>)`.
pub fn json(message: &DynamicMessage) -> Value {
    let options = SerializeOptions::new().use_proto_field_name(true);
    let mut value = message
        .serialize_with_options(serde_json::value::Serializer, &options)
        .unwrap_or(Value::Null);
    add_unknown(message, &mut value, 0);
    value
}

/// How deep unknown fields are looked for in nested messages.
const MAX_DEPTH: usize = 100;

/// Adds the unknown fields of `message` and the messages it holds to its JSON, and writes its
/// floats in their shortest form.
fn add_unknown(message: &DynamicMessage, value: &mut Value, depth: usize) {
    let Value::Object(map) = value else { return };
    if depth > MAX_DEPTH {
        return;
    }
    for field in message.unknown_fields() {
        let (wire, placeholder) = match field.wire_type() {
            prost::encoding::WireType::Varint => ("VARINT", Value::from(0)),
            prost::encoding::WireType::SixtyFourBit => ("I64", Value::from(0)),
            prost::encoding::WireType::ThirtyTwoBit => ("I32", Value::from(0)),
            prost::encoding::WireType::LengthDelimited => ("LEN", Value::from("")),
            prost::encoding::WireType::StartGroup | prost::encoding::WireType::EndGroup => {
                ("GROUP", Value::Object(serde_json::Map::new()))
            }
        };
        map.entry(format!("#{} (wire type {wire})", field.number()))
            .or_insert(placeholder);
    }
    for (field, v) in message.fields() {
        let Some(inner) = map.get_mut(field.name()) else {
            continue;
        };
        match (v, inner) {
            // serde_json widens a float to a double (0.1f as 0.10000000149011612): the float's
            // own shortest form instead, as proto3 JSON writers print it.
            (Proto::F32(f), inner) if inner.is_number() => *inner = super::values::float32(*f),
            (Proto::List(items), Value::Array(json_items)) if matches!(field.kind(), prost_reflect::Kind::Float) => {
                for (item, json_item) in items.iter().zip(json_items.iter_mut()) {
                    if let (Proto::F32(f), true) = (item, json_item.is_number()) {
                        *json_item = super::values::float32(*f);
                    }
                }
            }
            (Proto::Message(m), inner) => add_unknown(m, inner, depth + 1),
            (Proto::List(items), Value::Array(json_items)) => {
                for (item, json_item) in items.iter().zip(json_items.iter_mut()) {
                    if let Proto::Message(m) = item {
                        add_unknown(m, json_item, depth + 1);
                    }
                }
            }
            (Proto::Map(entries), Value::Object(json_entries)) => {
                for (key, item) in entries {
                    let key = match key {
                        prost_reflect::MapKey::String(s) => s.clone(),
                        prost_reflect::MapKey::Bool(b) => b.to_string(),
                        prost_reflect::MapKey::I32(n) => n.to_string(),
                        prost_reflect::MapKey::I64(n) => n.to_string(),
                        prost_reflect::MapKey::U32(n) => n.to_string(),
                        prost_reflect::MapKey::U64(n) => n.to_string(),
                    };
                    if let (Proto::Message(m), Some(json_item)) = (item, json_entries.get_mut(&key)) {
                        add_unknown(m, json_item, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Binary Protobuf samples as asked for on the command line (`--proto-type`, `--proto`,
/// `--proto-framing`) or in `[[samples]]` (`proto_type`, `proto`, `proto_framing`).
#[derive(Debug, Clone, Default)]
pub struct ProtoSpec {
    /// The message, fully qualified (`shop.v1.Order`) or a unique short name.
    pub message: String,
    /// The `.proto` files that declare it; empty: the contract.
    pub files: Vec<std::path::PathBuf>,
    pub framing: Framing,
}

impl ProtoSpec {
    /// Compiles the `.proto` files (or `contract` when none were named) and finds the message.
    pub fn resolve(&self, contract: &std::path::Path, includes: &[std::path::PathBuf]) -> Result<ProtoSamples, String> {
        let files = if self.files.is_empty() {
            vec![contract.to_path_buf()]
        } else {
            self.files.clone()
        };
        for f in &files {
            if f.extension().and_then(|e| e.to_str()) != Some("proto") {
                return Err(format!(
                    "{}: binary Protobuf samples are decoded with a .proto file: give it with --proto (or `proto` in [[samples]])",
                    crate::load::display_path(f)
                ));
            }
        }
        let message = crate::load::protobuf::message_descriptor(&files, includes, &self.message)?;
        Ok(ProtoSamples {
            message,
            framing: self.framing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/samples/protobuf")
    }

    fn samples(framing: Framing) -> ProtoSamples {
        let spec = ProtoSpec {
            message: "shop.v1.Order".into(),
            files: Vec::new(),
            framing,
        };
        spec.resolve(&dir().join("orders.proto"), &[])
            .expect("the contract compiles")
    }

    /// (records, malformed) of a fixture file.
    fn read(name: &str, framing: Framing) -> (Vec<(Value, u64)>, Vec<Malformed>) {
        let bytes = std::fs::read(dir().join(name)).expect("fixture");
        let (mut seen, mut bad) = (Vec::new(), Vec::new());
        records(
            bytes.as_slice(),
            &samples(framing),
            1 << 20,
            &mut |v, n| {
                seen.push((v, n));
                true
            },
            &mut |m| {
                bad.push(m);
                true
            },
        )
        .expect("no I/O error");
        (seen, bad)
    }

    /// The reference: what Google's Python protobuf (MessageToDict with the .proto field names)
    /// wrote for each message, split on `\n` only (a string holds U+2028).
    fn expected(name: &str) -> Vec<Value> {
        std::fs::read_to_string(dir().join(name))
            .expect("fixture")
            .split('\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect()
    }

    /// Where the two proto3 JSON writers differ on purpose (see docs/drift.md): prost-reflect
    /// leaves out a `-0.0` double (it equals the default 0), Python writes it.
    fn without_negative_zero(mut v: Value) -> Value {
        if let Value::Object(map) = &mut v {
            map.retain(|_, x| !(x.as_f64() == Some(0.0) && x.as_f64().is_some_and(f64::is_sign_negative)));
        }
        v
    }

    #[test]
    fn delimited_messages_read_as_the_reference_library_writes_them() {
        let (seen, bad) = read("orders.binpb", Framing::Delimited);
        assert!(bad.is_empty(), "{bad:?}");
        let want = expected("orders.expected.ndjson");
        assert_eq!(seen.len(), want.len());
        for ((got, n), want) in seen.into_iter().zip(want) {
            assert_eq!(got, without_negative_zero(want), "message {n}");
        }
    }

    #[test]
    fn a_single_message_file_reads_whole() {
        let (seen, bad) = read("order.pb", Framing::Single);
        assert!(bad.is_empty(), "{bad:?}");
        let want: Value =
            serde_json::from_str(&std::fs::read_to_string(dir().join("order.expected.json")).expect("fixture"))
                .expect("JSON");
        assert_eq!(seen, [(want, 1)]);
    }

    #[test]
    fn unknown_fields_are_named_by_number_and_wire_type() {
        let (seen, bad) = read("orders-v2.binpb", Framing::Delimited);
        assert!(bad.is_empty(), "{bad:?}");
        let unknown = |v: &Value| -> Vec<String> {
            v.as_object()
                .map(|m| m.keys().filter(|k| k.starts_with('#')).cloned().collect())
                .unwrap_or_default()
        };
        assert_eq!(
            unknown(&seen[0].0),
            ["#20 (wire type LEN)", "#21 (wire type VARINT)", "#22 (wire type I32)"]
        );
        assert_eq!(unknown(&seen[1].0), ["#20 (wire type LEN)"]);
        // Without them, what the reference reads with the old message.
        for ((got, n), want) in seen.iter().zip(expected("orders-v2.expected.ndjson")) {
            let mut got = got.clone();
            if let Value::Object(m) = &mut got {
                m.retain(|k, _| !k.starts_with('#'));
            }
            assert_eq!(got, want, "message {n}");
        }
    }

    #[test]
    fn damage_is_located_and_the_intact_messages_read() {
        let (seen, bad) = read("orders-truncated.binpb", Framing::Delimited);
        assert_eq!(
            seen.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            (1..=9).collect::<Vec<_>>()
        );
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 10);
        assert!(bad[0].message.contains("ends after"), "{}", bad[0].message);

        let (seen, bad) = read("orders-garbage.binpb", Framing::Delimited);
        assert_eq!(seen.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [1, 2, 4, 5]);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 3);
        assert!(
            bad[0].message.contains("does not decode as `shop.v1.Order`"),
            "{}",
            bad[0].message
        );
    }

    #[test]
    fn a_message_over_the_limit_is_skipped_without_losing_the_stream() {
        let bytes = std::fs::read(dir().join("orders.binpb")).expect("fixture");
        let (mut seen, mut bad) = (Vec::new(), Vec::new());
        records(
            bytes.as_slice(),
            &samples(Framing::Delimited),
            64,
            &mut |_, n| {
                seen.push(n);
                true
            },
            &mut |m| {
                bad.push(m.line);
                true
            },
        )
        .expect("no I/O error");
        assert_eq!(seen.len() + bad.len(), 12);
        assert!(!bad.is_empty());
    }
}
