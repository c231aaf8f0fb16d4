//! Enum checks: values paired by number, names, reserved values and names, options.

use super::*;

impl<'a> Run<'_, 'a> {
    pub(super) fn enums(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, oe) in &old.enums {
            let Some(ne) = new.enums.get(name) else { continue };
            self.enum_pair(name, oe, ne);
        }
    }

    pub(super) fn enum_pair(&mut self, name: &str, oe: &EnumView<'a>, ne: &EnumView<'a>) {
        let (old, new) = (self.old, self.new);
        let (ol, nl) = (&oe.declared.location, &ne.declared.location);
        let empty = Default::default();
        let op = oe.declared.proto.as_ref().unwrap_or(&empty);
        let np = ne.declared.proto.as_ref().unwrap_or(&empty);
        let by_number = |values: &'a [EnumValue]| -> BTreeMap<i32, Vec<&'a EnumValue>> {
            let mut map: BTreeMap<i32, Vec<&EnumValue>> = BTreeMap::new();
            for v in values {
                if let Some(n) = v.number {
                    map.entry(n).or_default().push(v);
                }
            }
            map
        };
        let (on, nn) = (by_number(oe.values), by_number(ne.values));
        for (number, values) in &on {
            match nn.get(number) {
                None => {
                    let number_reserved = reserved(*number, &np.reserved_ranges);
                    let names_reserved = values.iter().all(|v| np.reserved_names.contains(&v.name));
                    let rules = deletion_rules(ENUM_VALUE_DELETION, number_reserved, names_reserved);
                    let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
                    let unreserved = match (number_reserved, names_reserved) {
                        (false, false) => " without reserving its number or name",
                        (false, true) => " without reserving its number",
                        (true, false) => " without reserving its name",
                        (true, true) => "",
                    };
                    self.report(
                        &crate::compare::concepts::ENUM_VALUE_REMOVED,
                        &rules,
                        &format!("{name}.{}", names.join("|")),
                        format!(
                            "enum value `{}` ({number}) was removed from `{name}`{unreserved}",
                            names.join("`, `")
                        ),
                        values.first().map(|v| &v.location),
                        nl,
                    );
                }
                Some(new_values) => {
                    // Adding an alias is fine; a name the number had is what JSON readers send.
                    let old_names: BTreeSet<&str> = values.iter().map(|v| v.name.as_str()).collect();
                    if old_names.iter().any(|n| !new_values.iter().any(|v| v.name == *n)) {
                        let olds: Vec<&str> = old_names.iter().copied().collect();
                        for v in new_values {
                            self.report(
                                &ENUM_VALUE_RENAMED,
                                &["ENUM_VALUE_SAME_NAME"],
                                &format!("{name}.{}", v.name),
                                format!(
                                    "enum value {number} of `{name}` was renamed from `{}` to `{}`: JSON carries names",
                                    olds.join("`, `"),
                                    v.name
                                ),
                                values.first().map(|v| &v.location),
                                &v.location,
                            );
                        }
                    }
                }
            }
        }
        let gone = uncovered(&op.reserved_ranges, &np.reserved_ranges);
        if !gone.is_empty() {
            self.report(
                &RESERVED_REMOVED,
                &["RESERVED_ENUM_NO_DELETE"],
                name,
                format!(
                    "reserved numbers {} of enum `{name}` are no longer reserved",
                    show_ranges(&gone)
                ),
                Some(ol),
                nl,
            );
        }
        for reserved_name in op.reserved_names.iter().filter(|n| !np.reserved_names.contains(n)) {
            self.report(
                &RESERVED_REMOVED,
                &["RESERVED_ENUM_NO_DELETE"],
                name,
                format!("reserved name `{reserved_name}` of enum `{name}` is no longer reserved"),
                Some(ol),
                nl,
            );
        }
        let (a, b) = (old.enum_closed(name, oe), new.enum_closed(name, ne));
        if a != b {
            let show = |closed: bool| if closed { "closed" } else { "open" };
            self.report(
                &ENUM_TYPE_CHANGED,
                &["ENUM_SAME_TYPE"],
                name,
                format!("enum `{name}` changed from {} to {}", show(a), show(b)),
                Some(ol),
                nl,
            );
        }
        let (a, b) = (
            old.json_format(oe.file, name, Some(&op.options)),
            new.json_format(ne.file, name, Some(&np.options)),
        );
        if a == "ALLOW" && b != "ALLOW" {
            self.report(
                &JSON_FORMAT_CHANGED,
                &["ENUM_SAME_JSON_FORMAT"],
                name,
                format!("JSON support of enum `{name}` changed from {a} to {b}"),
                Some(ol),
                nl,
            );
        }
    }
}
