//! Message checks: messages paired by name, their fields by number, oneofs, reserved ranges,
//! options, and extensions paired by the message they extend.

use super::*;

impl<'a> Run<'_, 'a> {
    pub(super) fn messages(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, om) in &old.messages {
            if let Some(nm) = new.messages.get(name) {
                self.message(om, nm);
            }
        }
    }

    pub(super) fn message(&mut self, om: &MessageView<'a>, nm: &MessageView<'a>) {
        let name = om.name.as_str();
        let (old, new) = (self.old, self.new);
        let (op, np) = (
            om.declared.and_then(|t| t.proto.as_ref()),
            nm.declared.and_then(|t| t.proto.as_ref()),
        );
        let empty = Default::default();
        let (op, np) = (op.unwrap_or(&empty), np.unwrap_or(&empty));

        // Fields by number.
        let new_by_number: HashMap<i32, &FieldView> = nm.fields.iter().map(|f| (f.number, f)).collect();
        for of in &om.fields {
            match new_by_number.get(&of.number) {
                Some(nf) => self.field(name, om.file, nm.file, of, nf),
                None => {
                    let number_reserved = reserved(of.number, &np.reserved_ranges);
                    let name_reserved = np.reserved_names.iter().any(|n| n == of.name);
                    let rules = deletion_rules(FIELD_DELETION, number_reserved, name_reserved);
                    let path = format!("{name}.{}", of.name);
                    let renumbered = nm.fields.iter().find(|f| f.name == of.name);
                    let (rule, message) = match renumbered {
                        Some(f) => (
                            &FIELD_NUMBER_CHANGED,
                            format!(
                                "field `{path}` changed number from {} to {}: old data carries it under {}",
                                of.number, f.number, of.number
                            ),
                        ),
                        None => {
                            let unreserved = match (number_reserved, name_reserved) {
                                (false, false) => " without reserving its number or name",
                                (false, true) => " without reserving its number",
                                (true, false) => " without reserving its name",
                                (true, true) => "",
                            };
                            (
                                &FIELD_REMOVED,
                                format!("field `{path}` (number {}) was removed{unreserved}", of.number),
                            )
                        }
                    };
                    self.report(rule, &rules, &path, message, Some(of.location), nm.location);
                }
            }
        }

        // Required fields must match exactly.
        let required = |m: &MessageView<'a>| -> BTreeMap<i32, &'a Location> {
            m.fields
                .iter()
                .filter(|f| f.cardinality == Cardinality::Required)
                .map(|f| (f.number, f.location))
                .collect()
        };
        let (or, nr) = (required(om), required(nm));
        for (number, at) in &or {
            if !nr.contains_key(number) {
                self.report(
                    &REQUIRED_FIELDS_CHANGED,
                    &["MESSAGE_SAME_REQUIRED_FIELDS"],
                    name,
                    format!("required field {number} of `{name}` was removed or made optional: readers that require it reject new messages"),
                    Some(at),
                    nm.location,
                );
            }
        }
        for (number, at) in &nr {
            if !or.contains_key(number) {
                self.report(
                    &REQUIRED_FIELDS_CHANGED,
                    &["MESSAGE_SAME_REQUIRED_FIELDS"],
                    name,
                    format!("required field {number} was added to `{name}`: messages from old writers lack it"),
                    None,
                    at,
                );
            }
        }

        // Oneofs by name.
        for oneof in &op.oneofs {
            if !np.oneofs.contains(oneof) {
                self.report(
                    &ONEOF_REMOVED,
                    &["ONEOF_NO_DELETE"],
                    &format!("{name}.{oneof}"),
                    format!("oneof `{oneof}` was removed from `{name}`"),
                    Some(om.location),
                    nm.location,
                );
            }
        }

        // Reserved numbers and names, and extension ranges.
        let gone = uncovered(&op.reserved_ranges, &np.reserved_ranges);
        if !gone.is_empty() {
            self.report(
                &RESERVED_REMOVED,
                &["RESERVED_MESSAGE_NO_DELETE"],
                name,
                format!(
                    "reserved numbers {} of `{name}` are no longer reserved",
                    show_ranges(&gone)
                ),
                Some(om.location),
                nm.location,
            );
        }
        for reserved_name in op.reserved_names.iter().filter(|n| !np.reserved_names.contains(n)) {
            self.report(
                &RESERVED_REMOVED,
                &["RESERVED_MESSAGE_NO_DELETE"],
                name,
                format!("reserved name `{reserved_name}` of `{name}` is no longer reserved"),
                Some(om.location),
                nm.location,
            );
        }
        let gone = uncovered(&op.extension_ranges, &np.extension_ranges);
        if !gone.is_empty() {
            self.report(
                &EXTENSION_RANGE_REMOVED,
                &["EXTENSION_MESSAGE_NO_DELETE"],
                name,
                format!(
                    "extension numbers {} of `{name}` are no longer extensible",
                    show_ranges(&gone)
                ),
                Some(om.location),
                nm.location,
            );
        }

        // Message options.
        let flag = |o: &JsonMap, k: &str| o.get(k).and_then(Json::as_bool).unwrap_or(false);
        if !flag(&op.options, "no_standard_descriptor_accessor") && flag(&np.options, "no_standard_descriptor_accessor")
        {
            self.report(
                &DESCRIPTOR_ACCESSOR_REMOVED,
                &["MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR"],
                name,
                format!("`{name}` set no_standard_descriptor_accessor: its generated descriptor() accessor is gone"),
                Some(om.location),
                nm.location,
            );
        }
        let (a, b) = (
            flag(&op.options, "message_set_wire_format"),
            flag(&np.options, "message_set_wire_format"),
        );
        if a != b {
            self.report(
                &MESSAGE_SET_WIRE_FORMAT_CHANGED,
                &[buf_rules::MESSAGE_SET_WIRE_FORMAT],
                name,
                format!("message_set_wire_format of `{name}` changed from {a} to {b}"),
                Some(om.location),
                nm.location,
            );
        }
        if om.declared.is_some() && nm.declared.is_some() {
            let (a, b) = (
                old.json_format(om.file, name, om.options()),
                new.json_format(nm.file, name, nm.options()),
            );
            if a == "ALLOW" && b != "ALLOW" {
                self.report(
                    &JSON_FORMAT_CHANGED,
                    &["MESSAGE_SAME_JSON_FORMAT"],
                    name,
                    format!("JSON support of message `{name}` changed from {a} to {b}"),
                    Some(om.location),
                    nm.location,
                );
            }
        }
    }
}

impl<'a> Run<'_, 'a> {
    /// Extensions pair by the message they extend and their number; deletions are judged per
    /// file and per package with the other declarations.
    pub(super) fn extensions(&mut self) {
        let (old, new) = (self.old, self.new);
        let key = |e: &ProtoExtension| (e.extendee.clone(), e.field.proto.as_ref().map_or(0, |p| p.number));
        let new_by_key: HashMap<(String, i32), (usize, &ProtoExtension)> =
            new.extensions.values().map(|(f, e)| (key(e), (*f, *e))).collect();
        for (of_file, oe) in old.extensions.values() {
            let Some((nf_file, ne)) = new_by_key.get(&key(oe)) else {
                continue;
            };
            let (Some(a), Some(b)) = (
                old.field_view(*of_file, &oe.field, true),
                new.field_view(*nf_file, &ne.field, true),
            ) else {
                continue;
            };
            let (a, b) = (
                FieldView {
                    name: &oe.full_name,
                    ..a
                },
                FieldView {
                    name: &ne.full_name,
                    ..b
                },
            );
            let scope = oe.full_name.rsplit_once('.').map_or("", |(s, _)| s).to_string();
            self.field(&scope, *of_file, *nf_file, &a, &b);
        }
    }
}
