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
            Tree::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Tree::Null)
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Tree::Object(_))
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
}
