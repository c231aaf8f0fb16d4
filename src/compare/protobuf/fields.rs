//! One field against its counterpart of the same number: name, json_name, type and encoding,
//! cardinality, presence, defaults, options.

use super::*;

impl<'a> Run<'_, 'a> {
    /// Checks one field (or extension) against its counterpart of the same number.
    pub(super) fn field(&mut self, message: &str, old_file: usize, new_file: usize, of: &FieldView, nf: &FieldView) {
        let (old, new) = (self.old, self.new);
        let path = if nf.extension {
            nf.name.to_string()
        } else {
            format!("{message}.{}", nf.name)
        };
        let (ol, nl) = (Some(of.location), nf.location);

        // Type.
        if let Some((rule, rules, why)) = type_change(old, new, &of.kind, &nf.kind) {
            self.report(
                rule,
                rules,
                &path,
                format!(
                    "field `{path}` changed type from {} to {}{why}",
                    of.kind.describe(),
                    nf.kind.describe()
                ),
                ol,
                nl,
            );
        }

        // Cardinality and presence (map entries are generated: their presence means nothing).
        if !(of.map_entry && nf.map_entry) && of.cardinality != nf.cardinality {
            let (rule, rules): (_, &[&str]) = if of.cardinality.wire_group() != nf.cardinality.wire_group() {
                (
                    &FIELD_CARDINALITY_CHANGED,
                    &[
                        "FIELD_WIRE_COMPATIBLE_CARDINALITY",
                        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
                        "FIELD_SAME_CARDINALITY",
                    ],
                )
            } else if of.cardinality.wire_json_group() != nf.cardinality.wire_json_group() {
                (
                    &FIELD_CARDINALITY_CHANGED,
                    &["FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", "FIELD_SAME_CARDINALITY"],
                )
            } else {
                (&FIELD_PRESENCE_CHANGED, &["FIELD_SAME_CARDINALITY"])
            };
            self.report(
                rule,
                rules,
                &path,
                format!(
                    "field `{path}` changed from {} to {}",
                    of.cardinality.as_str(),
                    nf.cardinality.as_str()
                ),
                ol,
                nl,
            );
        }

        if of.name != nf.name {
            let was = if of.extension {
                of.name.to_string()
            } else {
                format!("{message}.{}", of.name)
            };
            self.report(
                &FIELD_RENAMED,
                &["FIELD_SAME_NAME"],
                &path,
                format!("field {} `{was}` was renamed to `{path}`", nf.number),
                ol,
                nl,
            );
        }
        if !of.extension && of.json_name != nf.json_name {
            self.report(
                &FIELD_JSON_NAME_CHANGED,
                &["FIELD_SAME_JSON_NAME"],
                &path,
                format!(
                    "JSON name of `{path}` changed from `{}` to `{}`",
                    of.json_name, nf.json_name
                ),
                ol,
                nl,
            );
        }
        if !of.extension && of.oneof != nf.oneof {
            let show = |o: Option<&str>| o.map_or("no oneof".to_string(), |o| format!("oneof `{o}`"));
            self.report(
                &FIELD_ONEOF_CHANGED,
                &["FIELD_SAME_ONEOF"],
                &path,
                format!("field `{path}` moved from {} to {}", show(of.oneof), show(nf.oneof)),
                ol,
                nl,
            );
        }

        // Defaults.
        if let (Some(a), Some(b)) = (old.default_of(of), new.default_of(nf))
            && !(a.is_zero() && b.is_zero())
            && !a.same(&b)
        {
            self.report(
                &crate::compare::concepts::DEFAULT_CHANGED,
                &["FIELD_SAME_DEFAULT"],
                &path,
                format!(
                    "default of `{path}` changed from {} to {}: unset fields read differently",
                    a.show(),
                    b.show()
                ),
                ol,
                nl,
            );
            if let Some(last) = self.findings.last_mut()
                && last.rule == crate::compare::concepts::DEFAULT_CHANGED.id
            {
                last.severity = crate::finding::Severity::Error;
            }
        }

        // Options and features that change generated code.
        if of.kind.is_64_bit_integer() && nf.kind.is_64_bit_integer() {
            let js = |f: &FieldView| {
                f.options
                    .and_then(|o| o.get("jstype"))
                    .and_then(Json::as_str)
                    .unwrap_or("JS_NORMAL")
                    .to_string()
            };
            let (a, b) = (js(of), js(nf));
            if a != b {
                self.report(
                    &FIELD_JSTYPE_CHANGED,
                    &["FIELD_SAME_JSTYPE"],
                    &path,
                    format!("jstype of `{path}` changed from {a} to {b}"),
                    ol,
                    nl,
                );
            }
        }
        let stringy = |k: &Kind| matches!(k, Kind::Scalar("string" | "bytes"));
        if stringy(&of.kind) && stringy(&nf.kind) && !(of.map_entry && nf.map_entry) {
            let (a, a_piece) = old.cpp_string_type(old_file, message, of);
            let (b, b_piece) = new.cpp_string_type(new_file, message, nf);
            let piece_to_string = a_piece && b == "STRING" && !b_piece;
            if (a != b || a_piece != b_piece) && !piece_to_string {
                let show = |t: &str, piece: bool| {
                    if piece {
                        "STRING_PIECE".to_string()
                    } else {
                        t.to_string()
                    }
                };
                self.report(
                    &FIELD_CTYPE_CHANGED,
                    &["FIELD_SAME_CPP_STRING_TYPE"],
                    &path,
                    format!(
                        "C++ string type of `{path}` changed from {} to {}",
                        show(&a, a_piece),
                        show(&b, b_piece)
                    ),
                    ol,
                    nl,
                );
            }
        }
        if of.kind == Kind::Scalar("string") && nf.kind == Kind::Scalar("string") {
            let (a, b) = (
                old.utf8_validation(old_file, message, of),
                new.utf8_validation(new_file, message, nf),
            );
            let (ja, jb) = (
                old.java_utf8_validation(old_file, message, of),
                new.java_utf8_validation(new_file, message, nf),
            );
            if a != b || ja != jb {
                let rules: Vec<&str> = [
                    (a != b).then_some("FIELD_SAME_UTF8_VALIDATION"),
                    (ja != jb).then_some("FIELD_SAME_JAVA_UTF8_VALIDATION"),
                ]
                .into_iter()
                .flatten()
                .collect();
                let (what, a, b) = if a != b {
                    ("UTF-8 validation", a, b)
                } else {
                    ("Java UTF-8 validation", ja, jb)
                };
                self.report(
                    &FIELD_UTF8_VALIDATION_CHANGED,
                    &rules,
                    &path,
                    format!("{what} of `{path}` changed from {a} to {b}"),
                    ol,
                    nl,
                );
            }
        }
    }
}

/// How a field's type change breaks: the rule, the buf rules it violates, and a word on why.
pub(super) fn type_change(
    old: &Index,
    new: &Index,
    a: &Kind,
    b: &Kind,
) -> Option<(&'static RuleMeta, &'static [&'static str], &'static str)> {
    if a.wire_group() != b.wire_group() {
        return Some(if *a == Kind::Scalar("string") && *b == Kind::Scalar("bytes") {
            (
                &FIELD_JSON_TYPE_CHANGED,
                &["FIELD_WIRE_JSON_COMPATIBLE_TYPE", "FIELD_SAME_TYPE"],
                ": the binary encoding is the same, but JSON writes bytes as base64",
            )
        } else {
            (
                &FIELD_WIRE_TYPE_CHANGED,
                &[
                    "FIELD_WIRE_COMPATIBLE_TYPE",
                    "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
                    "FIELD_SAME_TYPE",
                ],
                ": old data no longer decodes",
            )
        });
    }
    if a.wire_json_group() != b.wire_json_group() {
        return Some((
            &FIELD_JSON_TYPE_CHANGED,
            &["FIELD_WIRE_JSON_COMPATIBLE_TYPE", "FIELD_SAME_TYPE"],
            ": the binary encoding is compatible, the JSON encoding is not",
        ));
    }
    match (a, b) {
        (Kind::Scalar(x), Kind::Scalar(y)) if x != y => Some((
            &FIELD_TYPE_CHANGED,
            &["FIELD_SAME_TYPE"],
            ": data still decodes, generated code changes",
        )),
        (Kind::Message(x), Kind::Message(y)) | (Kind::Group(x), Kind::Group(y)) if x != y => Some((
            &FIELD_WIRE_TYPE_CHANGED,
            &[
                "FIELD_WIRE_COMPATIBLE_TYPE",
                "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
                "FIELD_SAME_TYPE",
            ],
            ": another message may not decode the same bytes",
        )),
        (Kind::Enum(x), Kind::Enum(y)) if x != y => {
            let compatible = short(x) == short(y)
                && match (old.enums.get(x.as_str()), new.enums.get(y.as_str())) {
                    (Some(oe), Some(ne)) => oe
                        .values
                        .iter()
                        .all(|v| ne.values.iter().any(|w| w.name == v.name && w.number == v.number)),
                    _ => false,
                };
            Some(if compatible {
                (
                    &FIELD_TYPE_CHANGED,
                    &["FIELD_SAME_TYPE"],
                    ": the new enum has every old value, generated code changes",
                )
            } else {
                (
                    &FIELD_WIRE_TYPE_CHANGED,
                    &[
                        "FIELD_WIRE_COMPATIBLE_TYPE",
                        "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
                        "FIELD_SAME_TYPE",
                    ],
                    ": the new enum does not keep every old value",
                )
            })
        }
        _ => None,
    }
}
