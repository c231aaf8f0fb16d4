//! File and package checks: file options that shape generated code, declarations that must stay
//! in their file (buf FILE) or package (buf PACKAGE), and packages themselves.

use super::*;

/// Standard file options that shape generated code, with their defaults and
/// the buf rule that keeps each.
pub(super) const FILE_OPTIONS: [(&str, &str, &str); 16] = [
    ("java_package", "", "FILE_SAME_JAVA_PACKAGE"),
    ("java_outer_classname", "", "FILE_SAME_JAVA_OUTER_CLASSNAME"),
    ("java_multiple_files", "false", "FILE_SAME_JAVA_MULTIPLE_FILES"),
    ("java_generic_services", "false", "FILE_SAME_JAVA_GENERIC_SERVICES"),
    ("go_package", "", "FILE_SAME_GO_PACKAGE"),
    ("cc_generic_services", "false", "FILE_SAME_CC_GENERIC_SERVICES"),
    ("cc_enable_arenas", "true", "FILE_SAME_CC_ENABLE_ARENAS"),
    ("py_generic_services", "false", "FILE_SAME_PY_GENERIC_SERVICES"),
    ("csharp_namespace", "", "FILE_SAME_CSHARP_NAMESPACE"),
    ("objc_class_prefix", "", "FILE_SAME_OBJC_CLASS_PREFIX"),
    ("php_class_prefix", "", "FILE_SAME_PHP_CLASS_PREFIX"),
    ("php_namespace", "", "FILE_SAME_PHP_NAMESPACE"),
    ("php_metadata_namespace", "", "FILE_SAME_PHP_METADATA_NAMESPACE"),
    ("ruby_package", "", "FILE_SAME_RUBY_PACKAGE"),
    ("swift_prefix", "", "FILE_SAME_SWIFT_PREFIX"),
    ("optimize_for", "SPEED", "FILE_SAME_OPTIMIZE_FOR"),
];

impl<'a> Run<'_, 'a> {
    pub(super) fn files(&mut self) {
        let (old, new) = (self.old, self.new);
        for of in &old.files {
            let Some(nf) = new.file_named(of.name) else {
                self.report(
                    &crate::compare::concepts::CONTRACT_REMOVED,
                    &["FILE_NO_DELETE"],
                    of.name,
                    format!(
                        "file `{}` was removed: code generated from it no longer exists",
                        of.name
                    ),
                    Some(&of.location),
                    &of.location,
                );
                continue;
            };
            let (op, np) = (&of.facts.package, &nf.facts.package);
            if op != np {
                self.report(
                    &FILE_PACKAGE_CHANGED,
                    &["FILE_SAME_PACKAGE"],
                    of.name,
                    format!(
                        "package of `{}` changed from `{op}` to `{np}`: every type and method in it has a new full name",
                        nf.name
                    ),
                    Some(&of.location),
                    &nf.location,
                );
            }
            let (os, ns) = (&of.facts.syntax, &nf.facts.syntax);
            if os != ns {
                self.report(
                    &FILE_SYNTAX_CHANGED,
                    &["FILE_SAME_SYNTAX"],
                    of.name,
                    format!("syntax of `{}` changed from {os} to {ns}", nf.name),
                    Some(&of.location),
                    &nf.location,
                );
            }
            for (option, default, buf_rule) in FILE_OPTIONS {
                let (a, b) = (
                    option_text(of.option(option), default),
                    option_text(nf.option(option), default),
                );
                if a != b {
                    self.report(
                        &FILE_OPTION_CHANGED,
                        &[buf_rule],
                        of.name,
                        format!(
                            "option `{option}` of `{}` changed from {a:?} to {b:?}: generated code moves or changes",
                            nf.name
                        ),
                        Some(&of.location),
                        &nf.location,
                    );
                }
            }
            if self.any_gate(&DeclKind::ALL.map(DeclKind::removed_in_file)) {
                self.file_declarations(of, nf);
            }
        }
        // New files are not breaking; say so, as for every other format.
        for nf in &new.files {
            if old.file_named(nf.name).is_none() {
                let mut f = Finding::new(
                    &crate::compare::concepts::CONTRACT_ADDED,
                    format!("file `{}` was added", nf.name),
                    nf.location.clone(),
                )
                .with_path(nf.name);
                f.direction = None;
                self.findings.push(f);
            }
        }
    }

    /// File level: every declaration of a file must still be declared in that file.
    pub(super) fn file_declarations(&mut self, of: &FileView<'a>, nf: &FileView<'a>) {
        let (old, new) = (self.old, self.new);
        let (Some(oi), Some(ni)) = (old.by_file_name.get(of.name), new.by_file_name.get(nf.name)) else {
            return;
        };
        let present: BTreeSet<(DeclKind, &str)> = new
            .declarations_of(*ni)
            .iter()
            .map(|(k, nested, _)| (*k, nested.as_str()))
            .collect();
        for (kind, nested, full) in old.declarations_of(*oi) {
            let (kind, full) = (*kind, full.as_str());
            if present.contains(&(kind, nested.as_str())) {
                continue;
            }
            let at = new.anchor(*ni, full);
            let was = old.location_of(kind, full);
            match new.declares(kind, full).and_then(|f| new.file(f)) {
                Some(elsewhere) => self.report(
                    &DECLARATION_MOVED,
                    &[kind.removed_in_file()],
                    full,
                    format!(
                        "{} `{full}` moved from `{}` to `{}`: code generated per file finds it in another module",
                        kind.as_str(),
                        of.name,
                        elsewhere.name
                    ),
                    was,
                    &at,
                ),
                None => {
                    let what = if full.ends_with("Entry")
                        && kind == DeclKind::Message
                        && old.messages.get(full).is_some_and(|m| m.declared.is_none())
                    {
                        "map entry message"
                    } else {
                        kind.as_str()
                    };
                    self.report(
                        kind.removed_rule(),
                        &[kind.removed_in_file()],
                        full,
                        format!("{what} `{full}` was removed from `{}`", nf.name),
                        was,
                        &at,
                    )
                }
            }
        }
    }

    /// Package level: packages, and every declaration of a package that is still there.
    pub(super) fn packages(&mut self) {
        let package_rules = DeclKind::ALL.map(DeclKind::removed_in_package);
        if !self.any_gate(&["PACKAGE_NO_DELETE"]) && !self.any_gate(&package_rules) {
            return;
        }
        let (old, new) = (self.old, self.new);
        // Which kinds of declaration each package still has on the new side.
        let mut kinds_left: BTreeSet<(&str, DeclKind)> = BTreeSet::new();
        for (package, files) in &new.packages {
            for file in files {
                for (kind, _, _) in new.declarations_of(*file) {
                    kinds_left.insert((package, *kind));
                }
            }
        }
        for (package, files) in &old.packages {
            let Some(first) = files.iter().filter_map(|f| old.file(*f)).min_by_key(|f| f.name) else {
                continue;
            };
            if !new.packages.contains_key(package) && !self.unchanged_packages.contains(*package) {
                let shown = if package.is_empty() { "(no package)" } else { package };
                self.report(
                    &PACKAGE_REMOVED,
                    &["PACKAGE_NO_DELETE"],
                    package,
                    format!("package `{shown}` was removed: no file declares it any more"),
                    Some(&first.location),
                    &first.location,
                );
                continue;
            }
            let mut removed: Vec<(DeclKind, String, usize)> = Vec::new();
            for file in files {
                for (kind, _, full) in old.declarations_of(*file) {
                    if new.declares(*kind, full).is_none() {
                        removed.push((*kind, full.clone(), *file));
                    }
                }
            }
            for (kind, full, file) in removed {
                let old_file = old.file(file).map_or("", |f| f.name);
                let at = match new.file_named(old_file) {
                    Some(nf) => new.anchor(new.by_file_name.get(nf.name).copied().unwrap_or(usize::MAX), &full),
                    None => old.location_of(kind, &full).cloned().unwrap_or_default(),
                };
                let last = if kinds_left.contains(&(*package, kind)) {
                    String::new()
                } else {
                    format!(" (it has no {} left)", kind.as_str())
                };
                self.report(
                    kind.removed_rule(),
                    &[kind.removed_in_package()],
                    &full,
                    format!("{} `{full}` was removed from package `{package}`{last}", kind.as_str()),
                    old.location_of(kind, &full),
                    &at,
                );
            }
        }
    }
}
