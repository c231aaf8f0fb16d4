//! A JSON tree for reading many records fast: [`Tree`] borrows strings from the input line and
//! keeps objects as vectors, so parsing a record allocates little. Sample scans (`drift`, `infer`)
//! and `map run` parse every record into one.

use std::borrow::Cow;

use serde_json::Value;

/// A parsed JSON value whose strings borrow from the text they were read from when they have no
/// escapes, and whose objects keep their entries in order in a vector (records have tens of keys:
/// building a hash map per object costs more than it saves). Duplicate keys are all kept;
/// [`Tree::get`] finds the last, as JSON parsers do.
#[derive(Debug, Clone, PartialEq)]
pub enum Tree<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(Cow<'a, str>),
    Array(Vec<Tree<'a>>),
    Object(Vec<(Cow<'a, str>, Tree<'a>)>),
}

impl<'a> Tree<'a> {
    /// The value of `key` in an object (the last one, as JSON parsers keep duplicates).
    pub fn get(&self, key: &str) -> Option<&Tree<'a>> {
        match self {
            Tree::Object(entries) => last(entries, key),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Tree::Null)
    }

    pub fn to_value(&self) -> Value {
        match self {
            Tree::Null => Value::Null,
            Tree::Bool(b) => Value::Bool(*b),
            Tree::Number(n) => Value::Number(n.clone()),
            Tree::Str(s) => Value::String(s.to_string()),
            Tree::Array(items) => Value::Array(items.iter().map(Tree::to_value).collect()),
            Tree::Object(entries) => {
                Value::Object(entries.iter().map(|(k, v)| (k.to_string(), v.to_value())).collect())
            }
        }
    }
}

/// The value of the last entry named `key`.
fn last<'t, 'a>(entries: &'t [(Cow<'a, str>, Tree<'a>)], key: &str) -> Option<&'t Tree<'a>> {
    entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

impl<'de> serde::Deserialize<'de> for Tree<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> serde::de::Visitor<'de> for NodeVisitor {
    type Value = Tree<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Tree<'de>, E> {
        Ok(Tree::Null)
    }
    fn visit_none<E>(self) -> Result<Tree<'de>, E> {
        Ok(Tree::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Tree<'de>, E> {
        Ok(Tree::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Tree<'de>, E> {
        Ok(Tree::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Tree<'de>, E> {
        Ok(Tree::Number(n.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Tree<'de>, E> {
        serde_json::Number::from_f64(n)
            .map(Tree::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Tree<'de>, E> {
        Ok(Tree::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Tree<'de>, E> {
        Ok(Tree::Str(Cow::Owned(s.to_string())))
    }
    fn visit_string<E>(self, s: String) -> Result<Tree<'de>, E> {
        Ok(Tree::Str(Cow::Owned(s)))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Tree<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Tree::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Tree<'de>, A::Error> {
        // Records have tens of fields: start big enough that most objects never grow.
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(Key(k)) = map.next_key()? {
            entries.push((k, map.next_value()?));
        }
        Ok(Tree::Object(entries))
    }
}

/// An object key that borrows from the input when it can.
struct Key<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'a> Tree<'a> {
    /// A tree over a `serde_json::Value` (CSV rows, JSON array elements and Parquet rows arrive as
    /// values); strings borrow from it.
    pub fn from_value(v: &'a Value) -> Tree<'a> {
        match v {
            Value::Null => Tree::Null,
            Value::Bool(b) => Tree::Bool(*b),
            Value::Number(n) => Tree::Number(n.clone()),
            Value::String(s) => Tree::Str(Cow::Borrowed(s)),
            Value::Array(items) => Tree::Array(items.iter().map(Tree::from_value).collect()),
            Value::Object(map) => Tree::Object(
                map.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Tree::from_value(v)))
                    .collect(),
            ),
        }
    }
}

/// One JSON value to read without building a [`Tree`]: a node of a tree, or of a `simd-json`
/// tape (the parser's flat list of nodes, where a container is followed by its contents).
#[derive(Debug, Clone, Copy)]
pub enum View<'t, 'a> {
    Tree(&'t Tree<'a>),
    /// The tape from this value's node on.
    Tape(&'t [simd_json::Node<'a>]),
}

/// What a [`View`] holds, with the sizes of containers.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape<'t> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(&'t str),
    Array(usize),
    Object(usize),
}

/// How many tape nodes the value at the head of `nodes` spans.
fn span(nodes: &[simd_json::Node]) -> usize {
    match nodes.first() {
        Some(simd_json::Node::Object { count, .. } | simd_json::Node::Array { count, .. }) => count + 1,
        _ => 1,
    }
}

impl<'t, 'a> View<'t, 'a> {
    pub fn shape(self) -> Shape<'t> {
        use simd_json::{Node, StaticNode};
        match self {
            View::Tree(t) => match t {
                Tree::Null => Shape::Null,
                Tree::Bool(b) => Shape::Bool(*b),
                Tree::Number(n) => Shape::Number(n.clone()),
                Tree::Str(s) => Shape::Str(s),
                Tree::Array(items) => Shape::Array(items.len()),
                Tree::Object(entries) => Shape::Object(entries.len()),
            },
            View::Tape(nodes) => match nodes.first() {
                Some(Node::String(s)) => Shape::Str(s),
                Some(Node::Array { len, .. }) => Shape::Array(*len),
                Some(Node::Object { len, .. }) => Shape::Object(*len),
                Some(Node::Static(StaticNode::Bool(b))) => Shape::Bool(*b),
                Some(Node::Static(StaticNode::I64(n))) => Shape::Number((*n).into()),
                Some(Node::Static(StaticNode::U64(n))) => Shape::Number((*n).into()),
                Some(Node::Static(StaticNode::F64(f))) => {
                    serde_json::Number::from_f64(*f).map_or(Shape::Null, Shape::Number)
                }
                #[allow(unreachable_patterns)] // wider integers, where simd-json is built with them
                Some(Node::Static(_)) | None => Shape::Null,
            },
        }
    }

    pub fn is_object(self) -> bool {
        matches!(self.shape(), Shape::Object(_))
    }

    /// The items of an array (nothing for other values).
    pub fn items(self) -> Items<'t, 'a> {
        match self {
            View::Tree(Tree::Array(items)) => Items::Tree(items.iter()),
            View::Tape(nodes @ [simd_json::Node::Array { len, .. }, ..]) => Items::Tape(Members::new(nodes, *len)),
            _ => Items::Tree([].iter()),
        }
    }

    /// The entries of an object, duplicates included, in order (nothing for other values).
    pub fn entries(self) -> Entries<'t, 'a> {
        match self {
            View::Tree(Tree::Object(entries)) => Entries::Tree(entries.iter()),
            View::Tape(nodes @ [simd_json::Node::Object { len, .. }, ..]) => Entries::Tape(Members::new(nodes, *len)),
            _ => Entries::Tree([].iter()),
        }
    }

    /// The value as a tree (strings still borrowed).
    pub fn to_tree(self) -> Tree<'a> {
        match self {
            View::Tree(t) => t.clone(),
            View::Tape(nodes) => match nodes {
                [simd_json::Node::String(s), ..] => Tree::Str(Cow::Borrowed(s)),
                [simd_json::Node::Array { len, .. }, ..] => {
                    let mut items = Vec::with_capacity(*len);
                    items.extend(self.items().map(|v| v.to_tree()));
                    Tree::Array(items)
                }
                [simd_json::Node::Object { len, .. }, ..] => {
                    let mut entries = Vec::with_capacity(*len);
                    let members = Members::<true>::new(nodes, *len);
                    entries.extend(members.map(|(k, v)| (Cow::Borrowed(k), View::Tape(v).to_tree())));
                    Tree::Object(entries)
                }
                _ => match self.shape() {
                    Shape::Bool(b) => Tree::Bool(b),
                    Shape::Number(n) => Tree::Number(n),
                    _ => Tree::Null,
                },
            },
        }
    }

    pub fn to_value(self) -> Value {
        match self {
            View::Tree(t) => t.to_value(),
            View::Tape(_) => self.to_tree().to_value(),
        }
    }
}

/// The members of a container on a tape: each value's nodes, with its key when `KEYED` (an
/// object).
#[derive(Debug, Clone)]
pub struct Members<'t, 'a, const KEYED: bool> {
    nodes: &'t [simd_json::Node<'a>],
    /// The next member's first node (its key's, in an object).
    at: usize,
    left: usize,
}

impl<'t, 'a, const KEYED: bool> Members<'t, 'a, KEYED> {
    /// The `len` members of the container whose node heads `nodes`.
    fn new(nodes: &'t [simd_json::Node<'a>], len: usize) -> Self {
        Members {
            nodes,
            at: 1,
            left: len,
        }
    }
}

impl<'t, 'a, const KEYED: bool> Iterator for Members<'t, 'a, KEYED> {
    type Item = (&'a str, &'t [simd_json::Node<'a>]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let mut key = "";
        if KEYED {
            let simd_json::Node::String(k) = self.nodes.get(self.at)? else {
                return None;
            };
            key = k;
            self.at += 1;
        }
        let value = self.nodes.get(self.at..)?;
        self.at += span(value);
        Some((key, value))
    }
}

/// The items of an array [`View`].
pub enum Items<'t, 'a> {
    Tree(std::slice::Iter<'t, Tree<'a>>),
    Tape(Members<'t, 'a, false>),
}

impl<'t, 'a> Iterator for Items<'t, 'a> {
    type Item = View<'t, 'a>;

    fn next(&mut self) -> Option<View<'t, 'a>> {
        match self {
            Items::Tree(items) => items.next().map(View::Tree),
            Items::Tape(members) => members.next().map(|(_, v)| View::Tape(v)),
        }
    }
}

/// The entries of an object [`View`].
pub enum Entries<'t, 'a> {
    Tree(std::slice::Iter<'t, (Cow<'a, str>, Tree<'a>)>),
    Tape(Members<'t, 'a, true>),
}

impl<'t, 'a> Iterator for Entries<'t, 'a> {
    type Item = (&'t str, View<'t, 'a>);

    fn next(&mut self) -> Option<(&'t str, View<'t, 'a>)> {
        match self {
            Entries::Tree(entries) => entries.next().map(|(k, v)| (k.as_ref(), View::Tree(v))),
            Entries::Tape(members) => members.next().map(|(k, v)| (k, View::Tape(v))),
        }
    }
}

/// Bytes that JSON strings must escape: `"`, `\` and control characters.
const ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Whether any of the 8 bytes in `w` must be escaped (exact: no false answers either way).
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0;
    below_space || has_zero(w ^ (ONES * u64::from(b'"'))) || has_zero(w ^ (ONES * u64::from(b'\\')))
}

/// Appends `s` as a JSON string, escaped as `serde_json` escapes it.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Most strings need no escape: skip clean 8-byte words a word at a time.
    let mut i = 0;
    while let Some(word) = bytes.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        if word_needs_escape(u64::from_le_bytes(w)) {
            break;
        }
        i += 8;
    }
    let mut from = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        if !ESCAPE[b as usize] {
            continue;
        }
        out.extend_from_slice(&bytes[from..i - 1]);
        from = i;
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
            }
        }
    }
    out.extend_from_slice(&bytes[from..]);
    out.push(b'"');
}

impl Tree<'_> {
    /// Appends the tree as compact JSON, byte for byte what `serde_json::to_writer` writes for
    /// [`Tree::to_value`] (without building that value).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Tree::Null => out.extend_from_slice(b"null"),
            Tree::Bool(true) => out.extend_from_slice(b"true"),
            Tree::Bool(false) => out.extend_from_slice(b"false"),
            Tree::Number(n) => {
                // Writing to a vector cannot fail.
                let _ = serde_json::to_writer(&mut *out, n);
            }
            Tree::Str(s) => write_str(out, s),
            Tree::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write_json(out);
                }
                out.push(b']');
            }
            Tree::Object(entries) => {
                out.push(b'{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, k);
                    out.push(b':');
                    v.write_json(out);
                }
                out.push(b'}');
            }
        }
    }
}

/// Trees as instances of the `jsonschema` crate's validators (`jsonschema::options_for::<Trees>()`):
/// records are validated as parsed, without turning each into a `serde_json::Value`.
pub struct Trees;

/// Trees validated only to learn *which* keywords fail: an error's instance (what its message
/// quotes) is `null` when it is an object or an array, so an error costs no copy of the record.
/// Validity and keyword and instance locations are exactly those of [`Trees`]; take messages from
/// a [`Trees`] validator.
pub struct TreeKeywords;

mod validate {
    use std::borrow::Cow;

    use jsonschema::json::{Array, Json, Node, NodeIdentity, Object};
    use jsonschema::types::JsonType;
    use serde_json::Value;

    use super::{Tree, TreeKeywords, Trees};

    /// Whether errors carry whole instances ([`Trees`]) or only scalar ones ([`TreeKeywords`]).
    pub trait Mode: Json<PreparedKey = String> {
        const EXACT: bool;
    }

    impl Mode for Trees {
        const EXACT: bool = true;
    }

    impl Mode for TreeKeywords {
        const EXACT: bool = false;
    }

    macro_rules! trees_json {
        ($name:ty) => {
            impl Json for $name {
                type Node<'a> = &'a Tree<'a>;
                type PreparedKey = String;
                type StringBuffer = ();
                // Objects are vectors: a lookup scans the keys, like a members pass does.
                const KEYS_PER_LOOKUP: usize = 2;
                const ACYCLIC: bool = true;

                fn prepare_key(key: &str) -> String {
                    key.to_owned()
                }

                fn with_string_node<T>((): &mut (), string: &str, f: impl FnOnce(Self::Node<'_>) -> T) -> T {
                    f(&Tree::Str(Cow::Borrowed(string)))
                }
            }
        };
    }
    trees_json!(Trees);
    trees_json!(TreeKeywords);

    /// JSON equality (numbers mathematically) of a tree and a value, without converting the tree.
    fn equals(tree: &Tree, value: &Value) -> bool {
        match (tree, value) {
            (Tree::Str(s), Value::String(e)) => s == e,
            (Tree::Bool(b), Value::Bool(e)) => b == e,
            (Tree::Null, Value::Null) => true,
            (Tree::Number(n), Value::Number(e)) => jsonschema::json::cmp::equal_numbers(n, e),
            (Tree::Array(items), Value::Array(e)) => {
                items.len() == e.len() && items.iter().zip(e).all(|(t, v)| equals(t, v))
            }
            (Tree::Object(entries), Value::Object(e)) => {
                // Of duplicate keys the last counts, as in a parsed value.
                let distinct = entries
                    .iter()
                    .enumerate()
                    .filter(|(i, (k, _))| !entries[i + 1..].iter().any(|(later, _)| later == k))
                    .count();
                distinct == e.len() && e.iter().all(|(k, v)| tree.get(k).is_some_and(|t| equals(t, v)))
            }
            _ => false,
        }
    }

    /// An object's entries.
    #[derive(Clone, Copy)]
    pub struct Entries<'a>(&'a [(Cow<'a, str>, Tree<'a>)]);

    /// An array's items.
    #[derive(Clone, Copy)]
    pub struct Items<'a>(&'a [Tree<'a>]);

    impl<'a, F: Mode> Node<'a, F> for &'a Tree<'a> {
        type Object = Entries<'a>;
        type Array = Items<'a>;
        type Number = &'a serde_json::Number;

        fn as_object(&self) -> Option<Entries<'a>> {
            match self {
                Tree::Object(entries) => Some(Entries(entries)),
                _ => None,
            }
        }

        fn as_array(&self) -> Option<Items<'a>> {
            match self {
                Tree::Array(items) => Some(Items(items)),
                _ => None,
            }
        }

        fn as_string(&self) -> Option<Cow<'a, str>> {
            match self {
                Tree::Str(s) => Some(Cow::Borrowed(&**s)),
                _ => None,
            }
        }

        fn as_number(&self) -> Option<&'a serde_json::Number> {
            match self {
                Tree::Number(n) => Some(n),
                _ => None,
            }
        }

        fn as_boolean(&self) -> Option<bool> {
            match self {
                Tree::Bool(b) => Some(*b),
                _ => None,
            }
        }

        fn is_null(&self) -> bool {
            matches!(self, Tree::Null)
        }

        fn json_type(&self) -> JsonType {
            match self {
                Tree::Null => JsonType::Null,
                Tree::Bool(_) => JsonType::Boolean,
                Tree::Number(_) => JsonType::Number,
                Tree::Str(_) => JsonType::String,
                Tree::Array(_) => JsonType::Array,
                Tree::Object(_) => JsonType::Object,
            }
        }

        fn string_length_within(&self, min: u64, max: u64) -> Option<bool> {
            let Tree::Str(s) = self else {
                return None;
            };
            // A code point takes one to four bytes: the byte length often decides without counting.
            let bytes = s.len() as u64;
            if bytes < min || bytes.div_ceil(4) > max {
                return Some(false);
            }
            if min <= bytes.div_ceil(4) && bytes <= max {
                return Some(true);
            }
            Some((min..=max).contains(&(s.chars().count() as u64)))
        }

        fn equals_value(&self, expected: &Value) -> bool {
            // `enum` and `const` run this per record: no conversion of the tree.
            equals(self, expected)
        }

        fn to_value(&self) -> Cow<'a, Value> {
            match self {
                Tree::Array(_) | Tree::Object(_) if !F::EXACT => Cow::Owned(Value::Null),
                _ => Cow::Owned(Tree::to_value(self)),
            }
        }

        fn identity(&self) -> Option<NodeIdentity> {
            Some(NodeIdentity::new(std::ptr::from_ref::<Tree>(self) as usize))
        }
    }

    impl<'a, F: Mode> Object<'a, F> for Entries<'a> {
        type Node = &'a Tree<'a>;
        type MemberName = &'a str;
        type MembersIter = std::iter::Map<
            std::slice::Iter<'a, (Cow<'a, str>, Tree<'a>)>,
            fn(&'a (Cow<'a, str>, Tree<'a>)) -> (&'a str, &'a Tree<'a>),
        >;

        fn len(&self) -> usize {
            self.0.len()
        }

        fn get(&self, key: &F::PreparedKey) -> Option<&'a Tree<'a>> {
            super::last(self.0, key)
        }

        fn members(&self) -> Self::MembersIter {
            self.0.iter().map(|(k, v)| (&**k, v))
        }
    }

    impl<'a, F: Mode> Array<'a, F> for Items<'a> {
        type Node = &'a Tree<'a>;
        type ElementsIter = std::slice::Iter<'a, Tree<'a>>;

        fn len(&self) -> usize {
            self.0.len()
        }

        fn elements(&self) -> Self::ElementsIter {
            self.0.iter()
        }

        fn is_unique(&self) -> bool {
            // Exact in both modes (the default goes through `to_value`).
            let values: Vec<Value> = self.0.iter().map(Tree::to_value).collect();
            jsonschema::json::unique::is_unique(&values)
        }
    }
}

/// The kinds of value JSON has (integers apart from other numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Null,
    Bool,
    Integer,
    Number,
    String,
    Object,
    Array,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Null,
        Kind::Bool,
        Kind::Integer,
        Kind::Number,
        Kind::String,
        Kind::Object,
        Kind::Array,
    ];

    pub fn of(v: &Shape) -> Kind {
        match v {
            Shape::Null => Kind::Null,
            Shape::Bool(_) => Kind::Bool,
            Shape::Number(n) if n.is_i64() || n.is_u64() => Kind::Integer,
            // JSON Schema counts 1.0 as an integer.
            Shape::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0 && f.abs() < 9.0e15) => Kind::Integer,
            Shape::Number(_) => Kind::Number,
            Shape::Str(_) => Kind::String,
            Shape::Array(_) => Kind::Array,
            Shape::Object(_) => Kind::Object,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "boolean",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Object => "object",
            Kind::Array => "array",
        }
    }

    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_borrowing_unescaped_strings_and_round_trips() {
        let text = r#"{"a": "plain", "b": "esc\"aped", "c": [1, 2.5, null, true], "a": {"d": -3}}"#;
        let t: Tree = serde_json::from_str(text).unwrap();
        let Tree::Object(entries) = &t else { panic!("{t:?}") };
        assert_eq!(entries.len(), 4, "duplicate keys are kept");
        assert!(matches!(&entries[0].1, Tree::Str(Cow::Borrowed("plain"))));
        assert!(matches!(&entries[1].1, Tree::Str(Cow::Owned(s)) if s == "esc\"aped"));
        assert_eq!(t.get("a").map(Tree::to_value), Some(serde_json::json!({"d": -3})));
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(t.to_value(), v);
        assert_eq!(Tree::from_value(&v).to_value(), v);
    }

    /// A view of a `simd-json` tape reads as a view of the tree of the same text.
    #[test]
    fn tape_views_read_as_tree_views() {
        fn walk(v: View, out: &mut Vec<String>) {
            out.push(format!("{:?}", v.shape()));
            for (k, e) in v.entries() {
                out.push(format!("key {k}"));
                walk(e, out);
            }
            for item in v.items() {
                walk(item, out);
            }
        }
        let texts = [
            r#"{"a": "x\"y", "n": [1, -2, 2.5, 1e300, null, true, false], "o": {"k\n": {}, "e": []}, "a": [[[]], {}]}"#,
            r#"[{"deep": [[{"x": [1, {"y": 2}]}], 3]}, "tail", {}]"#,
            r#""just a string""#,
            "18446744073709551615",
            "{}",
        ];
        for text in texts {
            let tree: Tree = serde_json::from_str(text).unwrap();
            let mut bytes = text.as_bytes().to_vec();
            let tape = simd_json::to_tape(&mut bytes).unwrap();
            let (mut from_tree, mut from_tape) = (Vec::new(), Vec::new());
            walk(View::Tree(&tree), &mut from_tree);
            walk(View::Tape(&tape.0), &mut from_tape);
            assert_eq!(from_tape, from_tree, "{text}");
            assert_eq!(View::Tape(&tape.0).to_tree(), tree, "{text}");
            assert_eq!(View::Tape(&tape.0).to_value(), tree.to_value(), "{text}");
        }
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let mut strings: Vec<String> = [
            "",
            "plain",
            "quote\"d",
            "back\\slash",
            "tab\there",
            "é and 🦀",
            "\u{1}\u{1f}\u{7f}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every byte that needs escaping, at every position of an 8-byte word and past it.
        for b in (0u8..0x20).chain([b'"', b'\\']) {
            for at in 0..18 {
                let mut s = "x".repeat(at);
                s.push(b as char);
                s.push_str("tail");
                strings.push(s);
            }
        }
        for s in &strings {
            let mut out = Vec::new();
            write_str(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(s).unwrap(),
                "{s:?}"
            );
        }
        let text = r#"{"a": "x\"y", "n": [1, -2, 2.5, 1e300, null, true, false], "o": {"k\n": {}}, "e": []}"#;
        let t: Tree = serde_json::from_str(text).unwrap();
        let mut out = Vec::new();
        t.write_json(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&t.to_value()).unwrap()
        );
    }

    #[test]
    fn validates_like_serde_json_values() {
        let schema = serde_json::json!({
            "type": "object",
            "required": ["id", "kind"],
            "additionalProperties": false,
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "kind": {"enum": ["a", "b", 3, {"x": 1}]},
                "name": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$"},
                "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
                "when": {"const": null},
                "pair": {"const": {"a": [1, 2.0]}},
                "objects": {"uniqueItems": true},
                "nested": {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
            },
            "if": {"properties": {"kind": {"const": "b"}}},
            "then": {"required": ["name"]}
        });
        let by_value = jsonschema::validator_for(&schema).unwrap();
        let by_tree = jsonschema::options_for::<Trees>().build(&schema).unwrap();
        let by_keywords = jsonschema::options_for::<TreeKeywords>().build(&schema).unwrap();
        let records = [
            r#"{"id": 1, "kind": "a"}"#,
            r#"{"id": 0, "kind": "c", "extra": 1}"#,
            r#"{"id": 2, "kind": "b"}"#,
            r#"{"id": 2, "kind": "b", "name": "héé"}"#,
            r#"{"id": 2, "kind": "b", "name": "ééééé"}"#,
            r#"{"id": 2, "kind": "b", "name": "🦀"}"#,
            r#"{"id": 2, "kind": "b", "name": "ABCDEFG"}"#,
            r#"{"id": 1.5, "kind": 3.0, "tags": ["x", "x"], "when": null}"#,
            r#"{"id": 3, "kind": {"x": 1.0}, "tags": ["x", "y"], "when": 0, "nested": {}}"#,
            r#"{"id": 3, "kind": "a", "nested": {"ok": "yes"}}"#,
            r#"{"id": 3, "id": "dup", "kind": "a"}"#,
            r#"{"id": 3, "kind": "a", "pair": {"a": [1.0, 2]}, "objects": [{"a": 1}, {"a": 1.0}]}"#,
            r#"{"id": 3, "kind": "a", "pair": {"a": [1, 2], "b": 0}, "objects": [{"a": 1}, {"b": 1}, [1]]}"#,
            r#"{"id": 3, "kind": "a", "pair": {"a": [1], "a": [1, 2]}, "objects": [[1], [1.0]]}"#,
            r#"[1, 2]"#,
        ];
        for text in records {
            let value: Value = serde_json::from_str(text).unwrap();
            let tree: Tree = serde_json::from_str(text).unwrap();
            assert_eq!(by_tree.is_valid(&tree), by_value.is_valid(&value), "{text}");
            let errors = |e: jsonschema::ValidationError| {
                (
                    e.schema_path().to_string(),
                    e.instance_path().to_string(),
                    e.to_string(),
                )
            };
            let mut from_tree: Vec<_> = by_tree.iter_errors(&tree).map(errors).collect();
            let mut from_value: Vec<_> = by_value.iter_errors(&value).map(errors).collect();
            from_tree.sort();
            from_value.sort();
            assert_eq!(from_tree, from_value, "{text}");
            assert_eq!(by_keywords.is_valid(&tree), by_value.is_valid(&value), "{text}");
            let mut keywords: Vec<_> = by_keywords
                .iter_errors(&tree)
                .map(errors)
                .map(|(s, i, _)| (s, i))
                .collect();
            keywords.sort();
            let located: Vec<_> = from_value.into_iter().map(|(s, i, _)| (s, i)).collect();
            assert_eq!(keywords, located, "{text}");
        }
    }
}
