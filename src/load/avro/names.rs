//! Avro names: full names resolved against namespaces, and what a valid name or namespace is.

use super::*;

/// A resolved Avro name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Name {
    pub(super) full: String,
    pub(super) short: String,
    /// `None` is the null namespace.
    pub(super) namespace: Option<String>,
}

/// Resolves a written name: a dotted name is already full; otherwise the `namespace` attribute
/// applies, else the enclosing namespace. An empty namespace is the null namespace.
pub(super) fn resolve_name(written: &str, namespace_attr: Option<&str>, enclosing: Option<&str>) -> Name {
    if let Some((ns, short)) = written.rsplit_once('.') {
        let namespace = (!ns.is_empty()).then(|| ns.to_string());
        let full = match &namespace {
            Some(ns) => format!("{ns}.{short}"),
            None => short.to_string(),
        };
        return Name {
            full,
            short: short.to_string(),
            namespace,
        };
    }
    let namespace = namespace_attr
        .or(enclosing)
        .filter(|ns| !ns.is_empty())
        .map(str::to_string);
    let full = match &namespace {
        Some(ns) => format!("{ns}.{written}"),
        None => written.to_string(),
    };
    Name {
        full,
        short: written.to_string(),
        namespace,
    }
}

/// The name a `record`/`error`/`enum`/`fixed` object declares, if it has a string `name`.
pub(super) fn declared_name(node: &Node, enclosing: Option<&str>) -> Option<Name> {
    let written = node.get("name")?.as_str()?;
    Some(resolve_name(
        written,
        node.get("namespace").and_then(Node::as_str),
        enclosing,
    ))
}

/// The full name of a protocol, if it has a string `protocol`.
pub(super) fn protocol_name(node: &Node) -> Option<Name> {
    let written = node.get("protocol")?.as_str()?;
    Some(resolve_name(
        written,
        node.get("namespace").and_then(Node::as_str),
        None,
    ))
}

/// `[A-Za-z_][A-Za-z0-9_]*`
pub(super) fn is_valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Dot-separated valid names; the empty string is the null namespace.
pub(super) fn is_valid_namespace(s: &str) -> bool {
    s.is_empty() || s.split('.').all(is_valid_name)
}

pub(super) fn is_named_declaration(node: &Node) -> bool {
    node.get("type")
        .and_then(Node::as_str)
        .is_some_and(|t| NAMED_KINDS.contains(&t))
}

pub(super) fn index_pointer(pointer: &str, key: &str, index: usize) -> String {
    pointer_push(&pointer_push(pointer, key), &index.to_string())
}
