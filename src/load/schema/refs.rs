//! Identifiers and references: `$id`s (and draft-04 `id`s, anchors) indexed per document, URIs
//! joined, `$ref`s resolved within a document, to another file (loaded on demand, confined to the
//! workspace root) or to a sibling document by its root `$id`.

use super::*;

pub(super) fn strip_fragment(s: &str) -> &str {
    s.split('#').next().unwrap_or(s)
}

pub(super) fn index_ids(
    node: &Node,
    pointer: &mut String,
    base: Option<&str>,
    anchors: &mut HashMap<String, String>,
    ids: &mut HashMap<String, String>,
    depth: usize,
    legacy_id: bool,
) {
    if depth > crate::load::tree::MAX_DEPTH {
        return;
    }
    // One pointer buffer for the whole walk: push a segment, recurse, truncate.
    let descend =
        |child: &Node, segment: &str, base: Option<&str>, pointer: &mut String, anchors: &mut _, ids: &mut _| {
            let len = pointer.len();
            pointer.push('/');
            for c in segment.chars() {
                match c {
                    '~' => pointer.push_str("~0"),
                    '/' => pointer.push_str("~1"),
                    c => pointer.push(c),
                }
            }
            index_ids(child, pointer, base, anchors, ids, depth + 1, legacy_id);
            pointer.truncate(len);
        };
    match &node.value {
        Value::Map(m) => {
            let mut own_base: Option<String> = None;
            // Draft 4 spells the identifier `id`.
            let id = m
                .get("$id")
                .or_else(|| if legacy_id { m.get("id") } else { None })
                .and_then(|e| e.value.as_str());
            if let Some(id) = id {
                // `"$id": "#name"` (drafts 6 and 7) only names an anchor: the base stays.
                if !strip_fragment(id).is_empty() {
                    let abs = join_uri(base, strip_fragment(id));
                    if !pointer.is_empty() {
                        ids.insert(abs.clone(), pointer.clone());
                    }
                    own_base = Some(abs);
                }
                if let Some((_, frag)) = id.split_once('#')
                    && !frag.is_empty()
                    && !frag.starts_with('/')
                {
                    anchors.insert(frag.to_string(), pointer.clone());
                }
            }
            for key in ["$anchor", "$dynamicAnchor"] {
                if let Some(a) = m.get(key).and_then(|e| e.value.as_str()) {
                    anchors.entry(a.to_string()).or_insert_with(|| pointer.clone());
                }
            }
            let base_here = own_base.as_deref().or(base);
            for (k, e) in m.iter() {
                // Values of these keywords are data, not schemas.
                if matches!(k.as_str(), "enum" | "const" | "default" | "example" | "examples") {
                    continue;
                }
                descend(&e.value, k, base_here, pointer, anchors, ids);
            }
        }
        Value::Seq(s) => {
            for (i, n) in s.iter().enumerate() {
                descend(n, &i.to_string(), base, pointer, anchors, ids);
            }
        }
        _ => {}
    }
}

/// Resolves a URI reference against a base (RFC 3986, enough for `$id` and `$ref` use).
pub(super) fn join_uri(base: Option<&str>, reference: &str) -> String {
    if reference.contains("://") || reference.starts_with("urn:") {
        return reference.to_string();
    }
    let Some(base) = base else { return reference.to_string() };
    if reference.is_empty() {
        return base.to_string();
    }
    let base = strip_fragment(base);
    let dir = match base.rfind('/') {
        Some(i) => &base[..=i],
        None => "",
    };
    let (scheme_host, path) = match dir.find("://") {
        Some(i) => {
            let after = &dir[i + 3..];
            let slash = after.find('/').map(|j| i + 3 + j).unwrap_or(dir.len());
            (&dir[..slash], &dir[slash..])
        }
        None => ("", dir),
    };
    let joined = if reference.starts_with('/') {
        reference.to_string()
    } else {
        format!("{path}{reference}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("{scheme_host}{}", parts.join("/"))
}

impl Converter {
    /// Resolves a `$ref` string found at `at` in `doc`. Reports why when it cannot.
    pub fn resolve(&mut self, doc: &Arc<Doc>, reference: &str, at: &Location) -> Option<Target> {
        let (file_part, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag),
            None => (reference, ""),
        };
        // Same document.
        let mut target_doc = doc.clone();
        if !file_part.is_empty() {
            let absolute = join_uri(doc.base.as_deref(), file_part);
            if let Some(pointer) = doc.ids.get(&absolute).or_else(|| self.main.ids.get(&absolute)) {
                let owner = if doc.ids.contains_key(&absolute) {
                    doc.clone()
                } else {
                    self.main.clone()
                };
                return self.finish_target(owner, pointer.clone(), fragment, reference, at);
            }
            if doc.base.as_deref() == Some(absolute.as_str()) {
                // A reference to the document's own `$id`.
            } else if file_part.contains("://") || file_part.starts_with("urn:") {
                // An absolute URI: local when it shares the document's base directory, else remote.
                let local = doc.base.as_deref().and_then(|b| {
                    let dir = &b[..b.rfind('/')? + 1];
                    absolute.strip_prefix(dir).map(str::to_string)
                });
                match local {
                    Some(rel) => target_doc = self.load_file(doc, &rel, reference, at)?,
                    None => {
                        self.report(
                            &lint::REMOTE_REF,
                            format!(
                                "`$ref: {reference}` points at the network; mapcheck never fetches remote documents"
                            ),
                            at.clone(),
                        );
                        return None;
                    }
                }
            } else {
                // No such file, but a document beside it may carry that identifier
                // (`"$ref": "grunt-task#/..."` for the file whose `$id` ends in `/grunt-task`).
                let dir = doc.source.path.parent().unwrap_or(Path::new("")).to_path_buf();
                let by_id = if dir.join(percent_decode(file_part)).exists() {
                    None
                } else {
                    self.document_with_id(&dir, &absolute)
                };
                let absent = !dir.join(percent_decode(file_part)).exists();
                target_doc = match by_id {
                    Some(name) => self.load_file(doc, &name, reference, at)?,
                    // Resolved against a network base URI to a document no file here carries:
                    // a remote reference.
                    None if absent && absolute.contains("://") => {
                        self.report(
                            &lint::REMOTE_REF,
                            format!(
                                "`$ref: {reference}` resolves to {absolute}, which no document here carries; mapcheck never fetches remote documents"
                            ),
                            at.clone(),
                        );
                        return None;
                    }
                    None => self.load_file(doc, file_part, reference, at)?,
                };
            }
        }
        self.finish_target(target_doc, String::new(), fragment, reference, at)
    }

    pub(super) fn finish_target(
        &mut self,
        doc: Arc<Doc>,
        base_pointer: String,
        fragment: &str,
        reference: &str,
        at: &Location,
    ) -> Option<Target> {
        let fragment = percent_decode(fragment);
        let pointer = if fragment.is_empty() {
            base_pointer
        } else if fragment.starts_with('/') {
            format!("{base_pointer}{fragment}")
        } else if let Some(p) = doc.anchors.get(&fragment) {
            p.clone()
        } else {
            self.report(
                &lint::UNRESOLVED_REF,
                format!("`$ref: {reference}`: no anchor `{fragment}` in {}", doc.source.display),
                at.clone(),
            );
            return None;
        };
        let target = Target { doc, pointer };
        if target.node().is_none() {
            self.report(
                &lint::UNRESOLVED_REF,
                format!(
                    "`$ref: {reference}`: nothing at `{}` in {}",
                    target.pointer, target.doc.source.display
                ),
                at.clone(),
            );
            return None;
        }
        Some(target)
    }

    /// The file name, in `dir`, of the JSON document whose root identifier is `id`.
    pub(super) fn document_with_id(&mut self, dir: &Path, id: &str) -> Option<String> {
        if !id.contains("://") && !id.starts_with("urn:") {
            return None;
        }
        let index = self.ids_by_dir.entry(dir.to_path_buf()).or_insert_with(|| {
            let mut index = HashMap::new();
            let Ok(entries) = std::fs::read_dir(dir) else {
                return index;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                // Schemas, not data: large files are left out.
                let small = entry.metadata().is_ok_and(|m| m.len() <= 8 << 20);
                if !small || !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(&text) else {
                    continue;
                };
                let root_id = map.get("$id").or_else(|| map.get("id")).and_then(|v| v.as_str());
                if let Some(root_id) = root_id {
                    index.insert(strip_fragment(root_id).to_string(), path);
                }
            }
            index
        });
        let path = index.get(id)?;
        path.file_name().and_then(|n| n.to_str()).map(str::to_string)
    }

    pub(super) fn load_file(&mut self, from: &Arc<Doc>, rel: &str, reference: &str, at: &Location) -> Option<Arc<Doc>> {
        let rel = percent_decode(rel);
        let dir = from.source.path.parent().unwrap_or(Path::new(""));
        let path = crate::load::normalize_path(&dir.join(&rel));
        match crate::load::inside_root(&self.root, &path) {
            Ok(()) => {}
            Err(crate::load::Outside::Path) => {
                self.report(
                    &lint::REF_OUTSIDE_ROOT,
                    format!("`$ref: {reference}` leaves the workspace root {}", self.root.display()),
                    at.clone(),
                );
                return None;
            }
            Err(outside) => {
                self.report(
                    &lint::REF_OUTSIDE_ROOT,
                    format!("`$ref: {reference}` names {}", outside.describe(&self.root)),
                    at.clone(),
                );
                return None;
            }
        }
        if let Some(d) = self.docs.get(&path) {
            return Some(d.clone());
        }
        if self.failed.contains(&path) {
            return None;
        }
        let source = SourceFile::new(&path);
        let parsed = crate::load::read_text(&path).and_then(|text| {
            let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
            crate::load::tree::parse_auto(&text, json)
                .map_err(|e| format!("{}:{}:{}: {}", source.display, e.pos.line, e.pos.col, e.message))
        });
        match parsed {
            Ok(node) => {
                let main_dir = self.main.source.path.parent().unwrap_or(Path::new(""));
                let rel_name = relative_path(main_dir, &path);
                let doc = Arc::new(Doc::new(source, node, rel_name));
                self.docs.insert(path, doc.clone());
                Some(doc)
            }
            Err(message) => {
                self.failed.insert(path);
                self.report(
                    &lint::UNRESOLVED_REF,
                    format!("`$ref: {reference}`: cannot load the referenced file: {message}"),
                    at.clone(),
                );
                None
            }
        }
    }

    /// A `$ref` as a type: the referenced schema becomes a named type (converted once).
    pub(super) fn ref_type(&mut self, doc: &Arc<Doc>, reference: &str, location: Location) -> Type {
        match self.resolve(doc, reference, &location) {
            Some(target) => {
                let id = target.id();
                if self.queued.insert(id.clone()) {
                    self.pending.push((target, TypeOrigin::Schema));
                }
                Type::reference(id, location)
            }
            None => {
                let mut t = Type::new(TypeKind::Any, location);
                t.extensions.insert(
                    "unresolved_ref".into(),
                    serde_json::Value::String(reference.to_string()),
                );
                t
            }
        }
    }

    /// Follows `$ref`s of non-schema objects (parameters, responses, path items) to the object.
    pub fn follow(&mut self, doc: &Arc<Doc>, node: &Node, pointer: &str) -> Option<Target> {
        let ref_of = |n: &Node| n.get("$ref").and_then(|r| Some((r.as_str()?.to_string(), r.pos)));
        let mut current = Target {
            doc: doc.clone(),
            pointer: pointer.to_string(),
        };
        let mut seen = HashSet::new();
        let mut next_ref = ref_of(node);
        for _ in 0..64 {
            let Some((reference, pos)) = next_ref else {
                return Some(current);
            };
            let at = current.doc.loc(&pointer_push(&current.pointer, "$ref"), pos);
            let next = self.resolve(&current.doc.clone(), &reference, &at)?;
            if !seen.insert(next.id()) {
                self.report(
                    &lint::UNRESOLVED_REF,
                    format!("`$ref: {reference}` is part of a reference cycle"),
                    at,
                );
                return None;
            }
            next_ref = ref_of(next.node()?);
            current = next;
        }
        None
    }
}
