//! The mapping file format (`mappings/*.yaml`), read into positioned rules. Documented in
//! docs/mappings.md, with a JSON Schema in docs/schemas/mapping.schema.json.

use crate::finding::Finding;
use crate::load::tree::{Node, Value, parse_yaml};
use crate::model::{Location, Pos};

use super::rules::MAPPING_INVALID;

/// One mapping file: a source type into one canonical entity version.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub file: String,
    pub name: String,
    pub source: SourceSpec,
    pub target: TargetSpec,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
pub struct SourceSpec {
    /// The contract file, relative to the workspace root (where mapcheck.toml is).
    pub contract: String,
    /// The type in it (`Account`, `erp.customers.v1.Customer`, `com.acme.billing.CustomerEvent`).
    pub ty: String,
    /// Which system the source is, for lineage (`crm`); defaults to the mapping name.
    pub system: Option<String>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct TargetSpec {
    pub entity: String,
    pub version: u32,
    pub pos: Pos,
}

/// One target field and how it is filled.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Dotted path in the canonical type (`billing_address.city`, `tags[]`).
    pub target: String,
    pub pos: Pos,
    /// Source paths read, with where each is written.
    pub from: Vec<(String, Pos)>,
    pub transform: Transform,
    /// Used when the source is missing or null.
    pub default: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Transform {
    /// The value as it is (a rename when the names differ).
    Copy,
    /// Converted to a type: `string`, `integer`, `number`, `boolean`.
    Cast(String),
    /// Sources joined with a separator.
    Concat { separator: String },
    /// One source split into an array.
    Split { separator: String },
    /// Source enum values to canonical ones, with where each entry is.
    EnumMap(Vec<(String, String, Pos)>),
    /// A fixed value.
    Constant(serde_json::Value),
    /// A format conversion: `date`, `date-time`, `time`, `uuid`, `lowercase`, `uppercase`, `trim`.
    Convert(String),
    /// A source id looked up in the crosswalk: the canonical id of (system, entity).
    Crosswalk { system: String, entity: String },
}

impl Transform {
    pub fn describe(&self) -> String {
        match self {
            Transform::Copy => "copy".into(),
            Transform::Cast(t) => format!("cast to {t}"),
            Transform::Concat { separator } => format!("concat with {separator:?}"),
            Transform::Split { separator } => format!("split on {separator:?}"),
            Transform::EnumMap(m) => format!("enum map ({} values)", m.len()),
            Transform::Constant(v) => format!("constant {v}"),
            Transform::Convert(f) => format!("convert to {f}"),
            Transform::Crosswalk { system, entity } => format!("crosswalk {system}/{entity}"),
        }
    }
}

pub const CAST_TYPES: &[&str] = &["string", "integer", "number", "boolean"];
pub const CONVERSIONS: &[&str] = &["date", "date-time", "time", "uuid", "lowercase", "uppercase", "trim"];
const RULE_KEYS: &[&str] = &[
    "target",
    "from",
    "cast",
    "concat",
    "split",
    "enum",
    "const",
    "default",
    "convert",
    "crosswalk",
    "separator",
    "note",
];

/// Reads a mapping file; every problem is a `mapping-invalid` finding at its line and column.
pub fn parse(file: &str, text: &str) -> (Option<Mapping>, Vec<Finding>) {
    let mut problems = Vec::new();
    let at = |pos: Pos, pointer: &str| Location::new(file, pointer, pos);
    let root = match parse_yaml(text) {
        Ok(n) => n,
        Err(e) => {
            let f = Finding::new(
                &MAPPING_INVALID,
                // The parser's message already says `invalid YAML: ...`.
                e.message.clone(),
                at(e.pos, ""),
            );
            return (None, vec![f]);
        }
    };
    let mut bad = |pos: Pos, pointer: &str, message: String| {
        problems.push(Finding::new(&MAPPING_INVALID, message, at(pos, pointer)));
    };
    let Some(map) = root.as_map() else {
        bad(
            root.pos,
            "",
            "a mapping file is a YAML object with `source`, `target` and `rules`".into(),
        );
        return (None, problems);
    };
    for (key, entry) in map {
        if !["mapping", "description", "source", "target", "rules"].contains(&key.as_str()) {
            bad(
                entry.key_pos,
                &format!("/{key}"),
                format!("unknown key `{key}`; a mapping has mapping, description, source, target and rules"),
            );
        }
    }
    let stem = std::path::Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("mapping")
        .to_string();
    let name = root.get("mapping").and_then(Node::as_str).map_or(stem, str::to_string);
    let text_of = |n: &Node, key: &str| n.get(key).and_then(Node::as_str).map(str::to_string);

    let source = match root.get("source") {
        Some(s) if s.as_map().is_some() => {
            let contract = text_of(s, "contract");
            let ty = text_of(s, "type");
            if contract.is_none() {
                bad(
                    s.pos,
                    "/source",
                    "`source` needs `contract`: the contract file, relative to the workspace root".into(),
                );
            }
            if ty.is_none() {
                bad(
                    s.pos,
                    "/source",
                    "`source` needs `type`: the type in the contract that is mapped".into(),
                );
            }
            contract.zip(ty).map(|(contract, ty)| SourceSpec {
                contract,
                ty,
                system: text_of(s, "system"),
                pos: s.pos,
            })
        }
        other => {
            bad(
                other.map_or(root.pos, |n| n.pos),
                "/source",
                "`source` must be an object with `contract` and `type`".into(),
            );
            None
        }
    };
    let target = match root.get("target") {
        Some(t) if t.as_map().is_some() => {
            let entity = text_of(t, "entity");
            let version = t.get("version").and_then(|v| match &v.value {
                Value::Number(_) => v.as_u64().and_then(|n| u32::try_from(n).ok()),
                Value::String(s) => s.trim_start_matches('v').parse().ok(),
                _ => None,
            });
            if entity.is_none() {
                bad(
                    t.pos,
                    "/target",
                    "`target` needs `entity`: the canonical entity (contracts/canonical/<entity>/)".into(),
                );
            }
            if version.is_none() {
                bad(
                    t.pos,
                    "/target",
                    "`target` needs `version`: the canonical version the mapping is pinned to (1 for v1)".into(),
                );
            }
            entity.zip(version).map(|(entity, version)| TargetSpec {
                entity,
                version,
                pos: t.pos,
            })
        }
        other => {
            bad(
                other.map_or(root.pos, |n| n.pos),
                "/target",
                "`target` must be an object with `entity` and `version`".into(),
            );
            None
        }
    };
    let mut rules = Vec::new();
    match root.get("rules").map(|r| (r, r.as_seq())) {
        Some((_, Some(items))) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(rule) = parse_rule(item, &format!("/rules/{i}"), &mut bad) {
                    rules.push(rule);
                }
            }
        }
        Some((r, None)) => bad(r.pos, "/rules", "`rules` must be a list of field rules".into()),
        None => bad(
            root.pos,
            "/rules",
            "a mapping needs `rules`: a list of field rules".into(),
        ),
    }
    let mapping = source.zip(target).map(|(source, target)| Mapping {
        file: file.to_string(),
        name,
        source,
        target,
        rules,
    });
    (mapping, problems)
}

fn parse_rule(item: &Node, pointer: &str, bad: &mut impl FnMut(Pos, &str, String)) -> Option<Rule> {
    let Some(map) = item.as_map() else {
        bad(
            item.pos,
            pointer,
            "a rule is an object with `target` and how to fill it".into(),
        );
        return None;
    };
    for (key, entry) in map {
        if !RULE_KEYS.contains(&key.as_str()) {
            bad(
                entry.key_pos,
                &format!("{pointer}/{key}"),
                format!("unknown rule key `{key}`; use one of {}", RULE_KEYS.join(", ")),
            );
        }
    }
    let Some(target_node) = item.get("target") else {
        bad(
            item.pos,
            pointer,
            "the rule has no `target` (the canonical field it fills)".into(),
        );
        return None;
    };
    let Some(target) = target_node.as_str().map(str::to_string) else {
        bad(
            target_node.pos,
            pointer,
            "`target` must be a path like `billing_address.city`".into(),
        );
        return None;
    };
    let from: Vec<(String, Pos)> = match item.get("from") {
        None => Vec::new(),
        Some(n) => match (n.as_str(), n.as_seq()) {
            (Some(s), _) => vec![(s.to_string(), n.pos)],
            (_, Some(list)) => list
                .iter()
                .filter_map(|x| match x.as_str() {
                    Some(s) => Some((s.to_string(), x.pos)),
                    None => {
                        bad(x.pos, pointer, "each `from` entry must be a source path".into());
                        None
                    }
                })
                .collect(),
            _ => {
                bad(n.pos, pointer, "`from` must be a source path or a list of them".into());
                return None;
            }
        },
    };
    let separator = item.get("separator").and_then(Node::as_str).unwrap_or(" ").to_string();
    let mut transforms = Vec::new();
    if let Some(c) = item.get("cast") {
        match c.as_str().filter(|t| CAST_TYPES.contains(t)) {
            Some(t) => transforms.push(Transform::Cast(t.to_string())),
            None => bad(
                c.pos,
                pointer,
                format!("`cast` must be one of {}", CAST_TYPES.join(", ")),
            ),
        }
    }
    if item.get("concat").and_then(Node::as_bool) == Some(true) {
        transforms.push(Transform::Concat {
            separator: separator.clone(),
        });
    }
    if item.get("split").and_then(Node::as_bool) == Some(true) {
        transforms.push(Transform::Split { separator });
    }
    if let Some(e) = item.get("enum") {
        match e.as_map() {
            Some(m) => transforms.push(Transform::EnumMap(
                m.iter()
                    .filter_map(|(k, v)| match v.value.as_str() {
                        Some(s) => Some((k.clone(), s.to_string(), v.key_pos)),
                        None => {
                            bad(
                                v.value.pos,
                                pointer,
                                format!("enum map value for `{k}` must be a canonical enum value"),
                            );
                            None
                        }
                    })
                    .collect(),
            )),
            None => bad(
                e.pos,
                pointer,
                "`enum` must map source values to canonical values".into(),
            ),
        }
    }
    if let Some(c) = item.get("const") {
        transforms.push(Transform::Constant(c.to_json()));
    }
    if let Some(c) = item.get("convert") {
        match c.as_str().filter(|t| CONVERSIONS.contains(t)) {
            Some(t) => transforms.push(Transform::Convert(t.to_string())),
            None => bad(
                c.pos,
                pointer,
                format!(
                    "`convert` must be one of {}{}",
                    CONVERSIONS.join(", "),
                    c.as_str()
                        .map(|t| crate::suggest::did_you_mean(t, CONVERSIONS.iter().copied()))
                        .unwrap_or_default()
                ),
            ),
        }
    }
    if let Some(x) = item.get("crosswalk") {
        let system = x.get("system").and_then(Node::as_str);
        let entity = x.get("entity").and_then(Node::as_str);
        match system.zip(entity) {
            Some((s, e)) => transforms.push(Transform::Crosswalk {
                system: s.to_string(),
                entity: e.to_string(),
            }),
            None => bad(x.pos, pointer, "`crosswalk` needs `system` and `entity`".into()),
        }
    }
    if transforms.len() > 1 {
        bad(
            item.pos,
            pointer,
            "a rule has one transform (cast, concat, split, enum, const, convert or crosswalk); chain them through separate rules".into(),
        );
    }
    let transform = transforms.into_iter().next().unwrap_or(Transform::Copy);
    match (&transform, from.len()) {
        (Transform::Constant(_), 0) => {}
        (Transform::Constant(_), _) => bad(item.pos, pointer, "a `const` rule reads no `from`".into()),
        (Transform::Concat { .. }, n) if n < 2 => {
            bad(item.pos, pointer, "`concat` needs two or more `from` paths".into())
        }
        (Transform::Concat { .. }, _) => {}
        (_, 0) if item.get("default").is_some() => {}
        (_, 0) => bad(
            item.pos,
            pointer,
            "the rule has no `from` (the source path it reads), `const` or `default`".into(),
        ),
        (_, 1) => {}
        (_, _) => bad(item.pos, pointer, "several `from` paths need `concat: true`".into()),
    }
    Some(Rule {
        target,
        pos: target_node.pos,
        from,
        transform,
        default: item.get("default").map(Node::to_json),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rules_with_positions_and_reports_bad_keys() {
        let text = "source: {contract: a.yaml, type: A}\ntarget: {entity: customer, version: 1}\nrules:\n  - target: name\n    from: Name\n  - target: kind\n    const: business\n  - target: x\n    frm: y\n";
        let (m, problems) = parse("mappings/a.yaml", text);
        let m = m.unwrap();
        assert_eq!(m.name, "a");
        assert_eq!(m.rules.len(), 3);
        assert_eq!(m.rules[0].from[0].0, "Name");
        assert_eq!(m.rules[0].pos, Pos::new(4, 13));
        assert_eq!(m.rules[1].transform, Transform::Constant(serde_json::json!("business")));
        let messages: Vec<String> = problems.iter().map(|f| f.message.clone()).collect();
        assert!(
            messages.iter().any(|m| m.contains("unknown rule key `frm`")),
            "{messages:?}"
        );
        assert!(messages.iter().any(|m| m.contains("has no `from`")), "{messages:?}");
    }
}
