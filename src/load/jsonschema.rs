//! JSON Schema documents (drafts 4, 6, 7, 2019-09, 2020-12) into a [`Contract`].

use std::path::Path;

use super::SourceFile;
use super::schema::{Converter, Dialect, Doc, file_stem};
use super::tree::Node;
use crate::finding::Finding;
use crate::load::lint;
use crate::model::{Contract, Format, Location, TypeOrigin, pointer_push, pointer_segments};

/// The draft named by `$schema`; `None` when the value is not one we know.
pub fn dialect_of(schema_uri: &str) -> Option<Dialect> {
    let u = schema_uri.trim_end_matches('#');
    let u = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .unwrap_or(u);
    match u {
        "json-schema.org/draft-04/schema" => Some(Dialect::Draft4),
        "json-schema.org/draft-06/schema" => Some(Dialect::Draft6),
        "json-schema.org/draft-07/schema" => Some(Dialect::Draft7),
        "json-schema.org/draft/2019-09/schema" => Some(Dialect::Draft2019),
        "json-schema.org/draft/2020-12/schema" => Some(Dialect::Draft2020),
        _ => None,
    }
}

pub fn load(source: &SourceFile, node: Node, root: &Path) -> (Contract, Vec<Finding>) {
    let mut findings = Vec::new();
    let dialect = match node.get("$schema") {
        None => Dialect::Draft2020,
        Some(s) => match s.as_str().and_then(dialect_of) {
            Some(d) => d,
            None => {
                findings.push(Finding::new(
                    &lint::UNKNOWN_DRAFT,
                    format!("`$schema: {}` is not a draft mapcheck knows (4, 6, 7, 2019-09, 2020-12); reading it as 2020-12", s.as_str().unwrap_or("?")),
                    Location::new(source.display.clone(), "/$schema", s.pos),
                ));
                Dialect::Draft2020
            }
        },
    };
    findings.extend(meta_validate(source, &node, dialect));

    let doc = Doc::new(source.clone(), node, String::new());
    let mut cx = Converter::new(doc, dialect, root.to_path_buf());
    cx.findings.append(&mut findings);
    let main = cx.main.clone();
    for key in ["$defs", "definitions"] {
        if let Some(defs) = main.node.get(key).and_then(Node::as_map) {
            for name in defs.keys() {
                cx.declare(&main, pointer_push(&format!("/{key}"), name), TypeOrigin::Schema);
            }
        }
    }
    let root_type = cx.schema(&main, &main.node, "", 0);
    cx.drain();

    let title = main.node.get("title").and_then(Node::as_str);
    let mut contract = Contract::new(
        title.map(str::to_string).unwrap_or_else(|| file_stem(&source.path)),
        Format::Jsonschema,
        source.display.clone(),
    );
    contract.format_version = Some(dialect.name().to_string());
    contract.version = main
        .node
        .get("version")
        .or_else(|| main.node.get("x-version"))
        .and_then(Node::as_str)
        .map(str::to_string);
    contract.root = Some(root_type);
    contract.types = std::mem::take(&mut cx.types);
    for t in contract.types.values() {
        if !contract.files.iter().any(|f| **f == *t.location.file) {
            contract.files.push(t.location.file.to_string());
        }
    }
    (contract, cx.findings)
}

/// Validates the document against its draft's meta-schema.
fn meta_validate(source: &SourceFile, node: &Node, dialect: Dialect) -> Vec<Finding> {
    let value = node.to_json();
    let validator = match dialect {
        Dialect::Draft4 => jsonschema::draft4::meta::validator(),
        Dialect::Draft6 => jsonschema::draft6::meta::validator(),
        Dialect::Draft7 => jsonschema::draft7::meta::validator(),
        Dialect::Draft2019 => jsonschema::draft201909::meta::validator(),
        _ => jsonschema::draft202012::meta::validator(),
    };
    let mut out = Vec::new();
    for error in validator.iter_errors(&value).take(50) {
        let pointer = error.instance_path().as_str().to_string();
        let pos = pointer_segments(&pointer)
            .and_then(|segs| node.pointer(&segs))
            .map(|n| n.pos)
            .unwrap_or(node.pos);
        out.push(Finding::new(
            &lint::META_SCHEMA,
            format!("not a valid {} schema: {error}", dialect.name()),
            Location::new(source.display.clone(), pointer, pos),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_are_recognised_with_or_without_fragment() {
        assert_eq!(
            dialect_of("http://json-schema.org/draft-07/schema#"),
            Some(Dialect::Draft7)
        );
        assert_eq!(
            dialect_of("https://json-schema.org/draft/2020-12/schema"),
            Some(Dialect::Draft2020)
        );
        assert_eq!(
            dialect_of("http://json-schema.org/draft-04/schema#"),
            Some(Dialect::Draft4)
        );
        assert_eq!(dialect_of("https://example.com/my-meta"), None);
    }
}
