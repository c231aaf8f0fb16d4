//! A small document tree with source positions, read from JSON or YAML.
//!
//! Every loader that reads JSON-shaped formats (OpenAPI, JSON Schema, Avro) works on this tree, so
//! that every type and field in the model can point back to the line and column it came from.

mod json;

use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::model::Pos;

/// A parsed JSON or YAML value with the position where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number's text as written (kept exact: `1.10`, `9007199254740993`).
    Number(Arc<str>),
    String(String),
    Seq(Vec<Node>),
    /// Boxed: a node is one of millions in a big document, and most are not maps.
    Map(Box<IndexMap<String, MapEntry>>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub key_pos: Pos,
    pub value: Node,
}

/// A syntax error: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.pos.line, self.pos.col, self.message)
    }
}

/// How many nodes one document may expand to (guards against YAML alias bombs).
const MAX_NODES: usize = 20_000_000;
/// How many nodes YAML aliases may add to a document, at least: an alias copies the node its anchor
/// names, so a few lines of aliases of aliases can name billions of nodes. A document may repeat
/// through aliases this many nodes, or one node per byte of its text if that is more.
const MIN_ALIAS_BUDGET: usize = 100_000;
/// How deep documents may nest before we refuse them (guards the recursive walkers).
pub const MAX_DEPTH: usize = 256;

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m.get(key).map(|e| &e.value),
            _ => None,
        }
    }

    pub fn key_pos(&self, key: &str) -> Option<Pos> {
        match &self.value {
            Value::Map(m) => m.get(key).map(|e| e.key_pos),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Number(n) => n.parse::<f64>().ok(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match &self.value {
            Value::Number(n) => n.parse::<u64>().ok().or_else(|| {
                n.parse::<f64>()
                    .ok()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19)
                    .map(|f| f as u64)
            }),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&IndexMap<String, MapEntry>> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The JSON type name of this node, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }

    /// Follows a JSON pointer (`/components/schemas/Account`, already split and unescaped).
    pub fn pointer<'a>(&'a self, segments: &[String]) -> Option<&'a Node> {
        let mut node = self;
        for seg in segments {
            node = match &node.value {
                Value::Map(m) => &m.get(seg.as_str())?.value,
                Value::Seq(s) => s.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Converts to a plain JSON value (positions dropped).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(s) => serde_json::Value::Array(s.iter().map(Node::to_json).collect()),
            Value::Map(m) => serde_json::Value::Object(m.iter().map(|(k, e)| (k.clone(), e.value.to_json())).collect()),
        }
    }
}

fn number_to_json(text: &str) -> serde_json::Value {
    if let Ok(i) = text.parse::<i64>() {
        return serde_json::Value::from(i);
    }
    if let Ok(u) = text.parse::<u64>() {
        return serde_json::Value::from(u);
    }
    match text.parse::<f64>() {
        Ok(f) => serde_json::Number::from_f64(f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Err(_) => serde_json::Value::String(text.to_string()),
    }
}

/// Maps byte offsets to 1-based line and column (columns count characters).
///
/// Offsets are mostly asked for in increasing order; the last answer is remembered so that a long
/// line (a minified document is one line) is not counted from its start for every node.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// The last offset asked for, with its 0-based line and 1-based column.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text,
            starts,
            last: std::cell::Cell::new((0, 0, 1)),
        }
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts[line];
        let (last_offset, last_line, last_col) = self.last.get();
        let (from, base) = if last_line == line && last_offset <= offset && last_offset >= start {
            (last_offset, last_col - 1)
        } else {
            (start, 0)
        };
        let col = base
            + self
                .text
                .get(from..offset)
                .map(|s| s.chars().count())
                .unwrap_or(offset - from);
        self.last.set((offset, line, col + 1));
        Pos::new(line as u32 + 1, col as u32 + 1)
    }
}

/// Parses strict JSON (RFC 8259) into a positioned tree. Nesting deeper than [`MAX_DEPTH`] is
/// refused where it happens, so the recursive reader never goes deeper.
pub fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    json::parse(text, &LineIndex::new(text))
}

/// Parses the first document of a YAML 1.2 stream into a positioned tree.
pub fn parse_yaml(text: &str) -> Result<Node, SyntaxError> {
    use saphyr_parser::{Event, Parser, ScalarStyle};

    enum Frame {
        Seq {
            pos: Pos,
            anchor: usize,
            items: Vec<Node>,
            /// Nodes in this sequence so far, itself included.
            size: usize,
        },
        Map {
            pos: Pos,
            anchor: usize,
            entries: IndexMap<String, MapEntry>,
            key: Option<(String, Pos)>,
            merges: Vec<Node>,
            size: usize,
        },
    }

    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    // Each anchored node with the number of nodes it holds, so that an alias is weighed before it
    // is copied.
    let mut anchors: std::collections::HashMap<usize, (Node, usize)> = std::collections::HashMap::new();
    let mut node_count: usize = 0;
    let alias_budget = MIN_ALIAS_BUDGET.max(text.len());
    let mut alias_nodes: usize = 0;
    let mut root: Option<Node> = None;

    let pos_of = |m: &saphyr_parser::Marker| Pos::new(m.line() as u32, m.col() as u32 + 1);

    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(|e| SyntaxError {
            pos: pos_of(e.marker()),
            message: format!("invalid YAML: {}", e.info()),
        })?;
        let pos = pos_of(&span.start);
        // The node completed by this event, its anchor, and how many nodes it holds.
        let completed: Option<(Node, usize, usize)> = match event {
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => None,
            Event::DocumentEnd | Event::StreamEnd => {
                if root.is_some() || matches!(event, Event::StreamEnd) {
                    break;
                }
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some((n, size)) => {
                    alias_nodes = alias_nodes.saturating_add(*size);
                    if alias_nodes > alias_budget {
                        return Err(SyntaxError {
                            pos,
                            message: format!(
                                "aliases expand to more than {alias_budget} nodes (an alias bomb?); \
                                 write the repeated parts out or use `$ref`"
                            ),
                        });
                    }
                    // The copy's nodes count towards the document (its root is counted below).
                    node_count = node_count.saturating_add(size - 1);
                    Some((n.clone(), 0, *size))
                }
                None => {
                    return Err(SyntaxError {
                        pos,
                        message: "alias refers to an unknown anchor".into(),
                    });
                }
            },
            Event::Scalar(text, style, anchor, tag) => {
                let value = if style == ScalarStyle::Plain && tag.is_none() {
                    resolve_plain_scalar(&text)
                } else if let Some(tag) = tag
                    .as_deref()
                    .filter(|t| t.handle == "tag:yaml.org,2002:" || t.handle == "!!")
                {
                    match tag.suffix.as_str() {
                        "str" => Value::String(text.into_owned()),
                        _ => resolve_plain_scalar(&text),
                    }
                } else {
                    Value::String(text.into_owned())
                };
                Some((Node { value, pos }, anchor, 1))
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(SyntaxError {
                        pos,
                        message: format!("document nests deeper than {MAX_DEPTH} levels"),
                    });
                }
                stack.push(Frame::Seq {
                    pos,
                    anchor,
                    items: Vec::new(),
                    size: 1,
                });
                None
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(SyntaxError {
                        pos,
                        message: format!("document nests deeper than {MAX_DEPTH} levels"),
                    });
                }
                stack.push(Frame::Map {
                    pos,
                    anchor,
                    entries: IndexMap::new(),
                    key: None,
                    merges: Vec::new(),
                    size: 1,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    pos,
                    anchor,
                    items,
                    size,
                }) => Some((
                    Node {
                        value: Value::Seq(items),
                        pos,
                    },
                    anchor,
                    size,
                )),
                _ => {
                    return Err(SyntaxError {
                        pos,
                        message: "unbalanced sequence end".into(),
                    });
                }
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    pos,
                    anchor,
                    mut entries,
                    merges,
                    size,
                    ..
                }) => {
                    // `<<` merge keys: explicit keys win over merged ones.
                    for merged in merges {
                        let maps: Vec<Node> = match merged.value {
                            Value::Seq(items) => items,
                            other => vec![Node {
                                value: other,
                                pos: merged.pos,
                            }],
                        };
                        for m in maps {
                            if let Value::Map(src) = m.value {
                                for (k, e) in *src {
                                    entries.entry(k).or_insert(e);
                                }
                            }
                        }
                    }
                    Some((
                        Node {
                            value: Value::Map(Box::new(entries)),
                            pos,
                        },
                        anchor,
                        size,
                    ))
                }
                _ => {
                    return Err(SyntaxError {
                        pos,
                        message: "unbalanced mapping end".into(),
                    });
                }
            },
        };
        let Some((node, anchor, size)) = completed else {
            continue;
        };
        node_count = node_count.saturating_add(1);
        if node_count > MAX_NODES {
            return Err(SyntaxError {
                pos,
                message: format!("document expands to more than {MAX_NODES} nodes (alias expansion?)"),
            });
        }
        if anchor != 0 {
            anchors.insert(anchor, (node.clone(), size));
        }
        match stack.last_mut() {
            None => {
                root = Some(node);
            }
            Some(Frame::Seq {
                items, size: parent, ..
            }) => {
                *parent = parent.saturating_add(size);
                items.push(node);
            }
            Some(Frame::Map {
                entries,
                key,
                merges,
                size: parent,
                ..
            }) => match key.take() {
                None => {
                    *parent = parent.saturating_add(size);
                    let k = match &node.value {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => "null".to_string(),
                        _ => {
                            return Err(SyntaxError {
                                pos: node.pos,
                                message: "mapping keys must be scalars (strings, numbers, booleans)".into(),
                            });
                        }
                    };
                    *key = Some((k, node.pos));
                }
                Some((k, key_pos)) => {
                    *parent = parent.saturating_add(size);
                    if k == "<<" {
                        merges.push(node);
                    } else if entries.contains_key(&k) {
                        return Err(SyntaxError {
                            pos: key_pos,
                            message: format!("duplicate key `{k}` in mapping"),
                        });
                    } else {
                        entries.insert(k, MapEntry { key_pos, value: node });
                    }
                }
            },
        }
    }
    root.ok_or(SyntaxError {
        pos: Pos::new(1, 1),
        message: "empty document: expected a YAML mapping".into(),
    })
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain_scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "-.inf" | ".nan" | ".NaN" | ".NAN" => {
            return Value::String(text.to_string());
        }
        _ => {}
    }
    if is_yaml_int(text) || is_yaml_float(text) {
        return Value::Number(Arc::from(text.strip_prefix('+').unwrap_or(text)));
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(v) = u64::from_str_radix(hex, 16)
    {
        return Value::Number(Arc::from(v.to_string().as_str()));
    }
    if let Some(oct) = text.strip_prefix("0o")
        && let Ok(v) = u64::from_str_radix(oct, 8)
    {
        return Value::Number(Arc::from(v.to_string().as_str()));
    }
    Value::String(text.to_string())
}

fn is_yaml_int(t: &str) -> bool {
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_yaml_float(t: &str) -> bool {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (!a.is_empty() || !b.is_empty())
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|c| c.is_ascii_digit()),
    };
    let exp_ok = match exp {
        None => mantissa.contains('.'),
        Some(e) => {
            let d = e.strip_prefix(['-', '+']).unwrap_or(e);
            !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())
        }
    };
    mantissa_ok && exp_ok
}

/// Parses JSON or YAML, chosen from the text: JSON when it starts with `{` or `[`.
pub fn parse_auto(text: &str, prefer_json: bool) -> Result<Node, SyntaxError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if prefer_json || trimmed.starts_with('{') || trimmed.starts_with('[') {
        match parse_json(text.trim_start_matches('\u{feff}')) {
            Ok(n) => Ok(n),
            // JSON-looking YAML (flow style) is still YAML; report the JSON error if YAML fails too.
            Err(e) if !prefer_json => parse_yaml(text).map_err(|_| e),
            Err(e) => Err(e),
        }
    } else {
        parse_yaml(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_characters_in_any_order() {
        let text = "{\"é\": [\"ü\", 1],\n  \"x\": \"日本\", \"y\": 2}";
        let index = LineIndex::new(text);
        let naive = |offset: usize| {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let line = text[..offset].matches('\n').count() as u32 + 1;
            Pos::new(line, text[line_start..offset].chars().count() as u32 + 1)
        };
        let offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for &o in offsets.iter().chain(offsets.iter().rev()).chain([8, 4, 32, 2].iter()) {
            assert_eq!(index.pos(o), naive(o), "offset {o}");
        }
    }

    #[test]
    fn json_positions_are_one_based() {
        let n = parse_json("{\n  \"a\": [1, 2],\n  \"b\": {\"c\": null}\n}").unwrap();
        assert_eq!(n.pos, Pos::new(1, 1));
        assert_eq!(n.get("a").unwrap().pos, Pos::new(2, 8));
        assert_eq!(n.key_pos("b").unwrap(), Pos::new(3, 3));
        assert!(n.get("b").unwrap().get("c").unwrap().is_null());
    }

    #[test]
    fn json_errors_name_line_and_column() {
        let e = parse_json("{\n  \"a\": 1,\n}").unwrap_err();
        assert_eq!(e.pos, Pos::new(2, 9), "{e}");
        let e = parse_json("{\"a\": 1, \"a\": 2}").unwrap_err();
        assert!(e.message.contains("duplicate key"), "{e}");
    }

    #[test]
    fn yaml_scalars_follow_the_core_schema() {
        let n = parse_yaml("a: 1\nb: '1'\nc: true\nd: ~\ne: 1.5e3\nf: hello\ng: 0x1F\n").unwrap();
        assert_eq!(n.get("a").unwrap().value, Value::Number("1".into()));
        assert_eq!(n.get("b").unwrap().as_str(), Some("1"));
        assert_eq!(n.get("c").unwrap().as_bool(), Some(true));
        assert!(n.get("d").unwrap().is_null());
        assert_eq!(n.get("e").unwrap().as_f64(), Some(1500.0));
        assert_eq!(n.get("f").unwrap().as_str(), Some("hello"));
        assert_eq!(n.get("g").unwrap().as_u64(), Some(31));
        assert_eq!(n.get("b").unwrap().pos, Pos::new(2, 4));
    }

    #[test]
    fn yaml_anchors_aliases_and_merge_keys() {
        let n = parse_yaml("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n").unwrap();
        let d = n.get("derived").unwrap();
        assert_eq!(d.get("x").unwrap().as_u64(), Some(1));
        assert_eq!(d.get("y").unwrap().as_u64(), Some(3));
    }

    #[test]
    fn yaml_alias_bomb_is_refused() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse_yaml(&doc).unwrap_err();
        assert!(e.message.contains("more than"), "{e}");
    }

    /// Doubling through `allOf`: refused at the level where the copies pass the budget, having
    /// built no more than the budget (the alias is weighed before it is copied).
    #[test]
    fn yaml_doubling_aliases_are_refused_before_they_are_copied() {
        let mut doc = String::from("openapi: 3.0.0\nx:\n  a0: &a0 {type: string}\n");
        for i in 1..30 {
            let p = i - 1;
            doc.push_str(&format!("  a{i}: &a{i} {{allOf: [*a{p}, *a{p}]}}\n"));
        }
        let e = parse_yaml(&doc).unwrap_err();
        assert!(e.message.contains("aliases expand to more than 100000 nodes"), "{e}");
        // Level i holds 6 * 2^i - 3 nodes; the copies made for levels 1 to 13 add up to 98,214, and
        // the first alias of level 14 (line 17) would pass 100,000.
        assert_eq!(e.pos.line, 3 + 14, "{e}");
    }

    #[test]
    fn ordinary_aliases_stay_within_the_budget() {
        let mut doc =
            String::from("common: &c {type: object, properties: {id: {type: string}, n: {type: integer}}}\nops:\n");
        for i in 0..2_000 {
            doc.push_str(&format!("  op{i}: {{schema: *c}}\n"));
        }
        let n = parse_yaml(&doc).unwrap();
        assert_eq!(n.get("ops").and_then(Node::as_map).map(IndexMap::len), Some(2_000));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse_json(&deep).is_err());
        assert!(parse_yaml(&deep).is_err());
    }

    #[test]
    fn yaml_errors_name_line_and_column() {
        let e = parse_yaml("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(e.pos.line >= 2, "{e}");
    }
}
