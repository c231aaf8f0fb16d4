//! One side of a Protobuf comparison, indexed by fully-qualified name: files, messages, fields,
//! enums, services, with the facts the checks compare (encodings, cardinality, defaults, reserved
//! ranges).

use super::*;

/// A field's type as its encoding sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    Scalar(&'static str),
    Enum(String),
    Message(String),
    /// A group, or a message field with editions `message_encoding = DELIMITED`.
    Group(String),
}

impl Kind {
    pub(super) fn name(&self) -> &str {
        match self {
            Kind::Scalar(s) => s,
            Kind::Enum(_) => "enum",
            Kind::Message(_) => "message",
            Kind::Group(_) => "group",
        }
    }

    pub(super) fn type_name(&self) -> Option<&str> {
        match self {
            Kind::Scalar(_) => None,
            Kind::Enum(n) | Kind::Message(n) | Kind::Group(n) => Some(n),
        }
    }

    pub(super) fn describe(&self) -> String {
        match self.type_name() {
            Some(n) => format!("{} {n}", self.name()),
            None => self.name().to_string(),
        }
    }

    /// Groups of kinds whose binary encodings can read each other.
    pub(super) fn wire_group(&self) -> u8 {
        match self {
            Kind::Scalar("int32" | "int64" | "uint32" | "uint64" | "bool") => 1,
            Kind::Scalar("sint32" | "sint64") => 2,
            Kind::Scalar("string") => 3,
            Kind::Scalar("bytes") => 4,
            Kind::Scalar("fixed32" | "sfixed32") => 5,
            Kind::Scalar("fixed64" | "sfixed64") => 6,
            Kind::Scalar("double") => 7,
            Kind::Scalar("float") => 8,
            Kind::Group(_) => 9,
            Kind::Message(_) => 10,
            Kind::Enum(_) => 11,
            Kind::Scalar(_) => 0,
        }
    }

    /// Groups of kinds whose binary and JSON encodings can both read each other.
    pub(super) fn wire_json_group(&self) -> u8 {
        match self {
            Kind::Scalar("int32" | "uint32") => 1,
            Kind::Scalar("int64" | "uint64") => 2,
            Kind::Scalar("fixed32" | "sfixed32") => 3,
            Kind::Scalar("fixed64" | "sfixed64") => 4,
            Kind::Scalar("bool") => 5,
            Kind::Scalar("sint32") => 6,
            Kind::Scalar("sint64") => 7,
            Kind::Scalar("string") => 8,
            Kind::Scalar("bytes") => 9,
            Kind::Scalar("double") => 10,
            Kind::Scalar("float") => 11,
            Kind::Group(_) => 12,
            Kind::Message(_) => 13,
            Kind::Enum(_) => 14,
            Kind::Scalar(_) => 0,
        }
    }

    pub(super) fn is_64_bit_integer(&self) -> bool {
        matches!(
            self,
            Kind::Scalar("int64" | "sint64" | "uint64" | "fixed64" | "sfixed64")
        )
    }
}

pub(super) const SCALARS: [&str; 15] = [
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32",
    "sfixed64", "bool", "string", "bytes",
];

/// Whether a field holds one value (with or without presence), must hold one, or holds many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cardinality {
    Explicit,
    Implicit,
    Required,
    Repeated,
    Map,
}

impl Cardinality {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Cardinality::Explicit => "optional with explicit presence",
            Cardinality::Implicit => "optional with implicit presence",
            Cardinality::Required => "required",
            Cardinality::Repeated => "repeated",
            Cardinality::Map => "map",
        }
    }

    pub(super) fn wire_group(self) -> u8 {
        match self {
            Cardinality::Explicit | Cardinality::Implicit => 1,
            Cardinality::Required => 2,
            Cardinality::Repeated | Cardinality::Map => 3,
        }
    }

    pub(super) fn wire_json_group(self) -> u8 {
        match self {
            Cardinality::Map => 4,
            c => c.wire_group(),
        }
    }
}

/// A field (or an extension, or a synthesized map-entry field) as the checks see it.
#[derive(Debug)]
pub(super) struct FieldView<'a> {
    /// The short name; an extension's full name.
    pub(super) name: &'a str,
    pub(super) number: i32,
    pub(super) json_name: &'a str,
    pub(super) kind: Kind,
    pub(super) cardinality: Cardinality,
    pub(super) oneof: Option<&'a str>,
    pub(super) default: Option<&'a Json>,
    pub(super) options: Option<&'a JsonMap>,
    pub(super) location: &'a Location,
    pub(super) extension: bool,
    pub(super) map_entry: bool,
}

/// A message: declared, or the entry message protoc generates for a map field.
#[derive(Debug)]
pub(super) struct MessageView<'a> {
    pub(super) file: usize,
    /// Fully-qualified name.
    pub(super) name: String,
    pub(super) declared: Option<&'a NamedType>,
    pub(super) fields: Vec<FieldView<'a>>,
    pub(super) location: &'a Location,
}

impl MessageView<'_> {
    pub(super) fn options(&self) -> Option<&JsonMap> {
        self.declared.and_then(|t| t.proto.as_ref()).map(|p| &p.options)
    }
}

#[derive(Debug)]
pub(super) struct EnumView<'a> {
    pub(super) file: usize,
    pub(super) declared: &'a NamedType,
    pub(super) values: &'a [EnumValue],
}

#[derive(Debug)]
pub(super) struct FileView<'a> {
    /// The file's import name (`acme/v1/orders.proto`).
    pub(super) name: &'a str,
    pub(super) facts: &'a ProtoFile,
    /// `2023` for an editions file.
    pub(super) edition: Option<&'a str>,
    pub(super) location: Location,
}

impl FileView<'_> {
    pub(super) fn option(&self, name: &str) -> Option<&Json> {
        self.facts.options.get(name)
    }

    pub(super) fn editions(&self) -> bool {
        self.facts.syntax == "editions"
    }
}

/// One side's Protobuf declarations by fully-qualified name.
pub(super) struct Index<'a> {
    pub(super) files: Vec<FileView<'a>>,
    pub(super) by_file_name: HashMap<&'a str, usize>,
    pub(super) messages: BTreeMap<String, MessageView<'a>>,
    pub(super) enums: BTreeMap<&'a str, EnumView<'a>>,
    pub(super) services: BTreeMap<&'a str, (usize, &'a Service)>,
    pub(super) extensions: BTreeMap<&'a str, (usize, &'a ProtoExtension)>,
    /// Package name to the files declaring it.
    pub(super) packages: BTreeMap<&'a str, Vec<usize>>,
    /// Each file's declarations: (kind, name relative to the package, full name).
    pub(super) declarations: Vec<Vec<(DeclKind, String, String)>>,
}

impl<'a> Index<'a> {
    /// `rename` gives one file the name of its counterpart on the other side.
    pub(super) fn new(contracts: &[&'a Contract], rename: Option<(&'a str, &'a str)>) -> Self {
        let mut index = Index {
            files: Vec::new(),
            by_file_name: HashMap::new(),
            messages: BTreeMap::new(),
            enums: BTreeMap::new(),
            services: BTreeMap::new(),
            extensions: BTreeMap::new(),
            packages: BTreeMap::new(),
            declarations: Vec::new(),
        };
        for contract in contracts {
            for (name, facts) in &contract.proto_files {
                let display = contract.files.first().map(String::as_str).unwrap_or(name);
                let name = match rename {
                    Some((from, to)) if from == name => to,
                    _ => name.as_str(),
                };
                if index.by_file_name.contains_key(name) {
                    continue;
                }
                let file = index.files.len();
                index.by_file_name.insert(name, file);
                index.packages.entry(facts.package.as_str()).or_default().push(file);
                let edition = contract
                    .format_version
                    .as_deref()
                    .and_then(|v| v.strip_prefix("editions "));
                index.files.push(FileView {
                    name,
                    facts,
                    edition,
                    location: Location::new(display, "", Pos::default()),
                });
                for service in &contract.services {
                    index.services.entry(service.name.as_str()).or_insert((file, service));
                }
                for extension in &facts.extensions {
                    index
                        .extensions
                        .entry(extension.full_name.as_str())
                        .or_insert((file, extension));
                }
                for ty in contract.types.values() {
                    match (&ty.origin, &ty.ty.kind) {
                        (TypeOrigin::Enum, TypeKind::Enum { values }) => {
                            index.enums.entry(ty.id.as_str()).or_insert(EnumView {
                                file,
                                declared: ty,
                                values,
                            });
                        }
                        (TypeOrigin::Message, TypeKind::Object(_)) => {}
                        _ => {}
                    }
                }
            }
        }
        // Messages need every enum of the side known (field kinds, defaults).
        for contract in contracts {
            let Some(file) = contract
                .proto_files
                .keys()
                .next()
                .and_then(|n| {
                    let n = match rename {
                        Some((from, to)) if from == n => to,
                        _ => n.as_str(),
                    };
                    index.by_file_name.get(n)
                })
                .copied()
            else {
                continue;
            };
            for ty in contract.types.values() {
                if let (TypeOrigin::Message, TypeKind::Object(object)) = (&ty.origin, &ty.ty.kind) {
                    if index.messages.contains_key(&ty.id) {
                        continue;
                    }
                    let mut fields = Vec::with_capacity(object.fields.len());
                    for f in &object.fields {
                        if let Some(view) = index.field_view(file, f, false) {
                            if view.cardinality == Cardinality::Map {
                                let entry = index.map_entry(file, &ty.id, f);
                                index.messages.entry(entry.name.clone()).or_insert(entry);
                            }
                            fields.push(view);
                        }
                    }
                    index.messages.insert(
                        ty.id.clone(),
                        MessageView {
                            file,
                            name: ty.id.clone(),
                            declared: Some(ty),
                            fields,
                            location: &ty.location,
                        },
                    );
                }
            }
        }
        index.index_declarations();
        index
    }

    pub(super) fn field_view(&self, file: usize, field: &'a Field, extension: bool) -> Option<FieldView<'a>> {
        let proto = field.proto.as_ref()?;
        let map = proto.proto_type.starts_with("map<");
        let cardinality = match proto.label.as_str() {
            "repeated" if map => Cardinality::Map,
            "repeated" => Cardinality::Repeated,
            "required" => Cardinality::Required,
            "singular" => Cardinality::Implicit,
            _ => Cardinality::Explicit,
        };
        let kind = if map {
            // The entry message protoc generates: `labels` holds `LabelsEntry`.
            let parent = field.location.pointer.rsplit_once('.').map_or("", |(p, _)| p);
            Kind::Message(format!("{parent}.{}", map_entry_name(&field.name)))
        } else {
            self.kind_of(file, &proto.proto_type, proto.enum_type, proto.group, &proto.options)
        };
        Some(FieldView {
            name: &field.name,
            number: proto.number,
            json_name: &proto.json_name,
            kind,
            cardinality,
            oneof: proto.oneof.as_deref(),
            default: field.ty.default.as_deref(),
            options: Some(&proto.options),
            location: &field.location,
            extension,
            map_entry: false,
        })
    }

    pub(super) fn kind_of(&self, file: usize, proto_type: &str, is_enum: bool, group: bool, options: &JsonMap) -> Kind {
        if let Some(scalar) = SCALARS.iter().find(|s| **s == proto_type) {
            return Kind::Scalar(scalar);
        }
        let name = proto_type.trim_start_matches('.').to_string();
        if is_enum || self.enums.contains_key(name.as_str()) {
            Kind::Enum(name)
        } else if group || self.delimited(file, options) {
            Kind::Group(name)
        } else {
            Kind::Message(name)
        }
    }

    /// Editions `message_encoding = DELIMITED` on the field or as the file's default.
    pub(super) fn delimited(&self, file: usize, options: &JsonMap) -> bool {
        let Some(f) = self.files.get(file) else { return false };
        if !f.editions() {
            return false;
        }
        let feature = |o: &JsonMap| {
            o.get("features")
                .and_then(|x| x.get("message_encoding"))
                .and_then(Json::as_str)
                .map(str::to_string)
        };
        feature(options)
            .or_else(|| feature(&f.facts.options))
            .is_some_and(|v| v == "DELIMITED")
    }

    /// The entry message of a map field, with its `key` (1) and `value` (2) fields.
    pub(super) fn map_entry(&self, file: usize, message: &str, field: &'a Field) -> MessageView<'a> {
        let proto_type = field.proto.as_ref().map(|p| p.proto_type.as_str()).unwrap_or("");
        let inner = proto_type
            .strip_prefix("map<")
            .and_then(|s| s.strip_suffix('>'))
            .unwrap_or("");
        let (key, value) = inner.split_once(',').unwrap_or((inner, ""));
        let value_is_enum = field.proto.as_ref().is_some_and(|p| p.enum_type);
        let no_options = None;
        let entry_field = |name: &'static str, number: i32, kind: Kind| FieldView {
            name,
            number,
            json_name: name,
            kind,
            cardinality: Cardinality::Explicit,
            oneof: None,
            default: None,
            options: no_options,
            location: &field.location,
            extension: false,
            map_entry: true,
        };
        let empty = JsonMap::new();
        MessageView {
            file,
            name: format!("{message}.{}", map_entry_name(&field.name)),
            declared: None,
            fields: vec![
                entry_field("key", 1, self.kind_of(file, key.trim(), false, false, &empty)),
                entry_field(
                    "value",
                    2,
                    self.kind_of(file, value.trim(), value_is_enum, false, &empty),
                ),
            ],
            location: &field.location,
        }
    }

    pub(super) fn file(&self, index: usize) -> Option<&FileView<'a>> {
        self.files.get(index)
    }

    pub(super) fn file_named(&self, name: &str) -> Option<&FileView<'a>> {
        self.by_file_name.get(name).and_then(|i| self.files.get(*i))
    }

    /// The file a location is in: the one whose import name ends the location's path (the
    /// longest, should two).
    pub(super) fn file_at(&self, at: &Location) -> Option<&FileView<'a>> {
        let path = at.file.replace('\\', "/");
        self.files
            .iter()
            .filter(|f| path == f.name || path.strip_suffix(f.name).is_some_and(|rest| rest.ends_with('/')))
            .max_by_key(|f| f.name.len())
    }

    /// A declaration's name relative to its file's package.
    pub(super) fn nested_name<'n>(&self, file: usize, full_name: &'n str) -> &'n str {
        let package = self.file(file).map_or("", |f| f.facts.package.as_str());
        if package.is_empty() {
            full_name
        } else {
            full_name
                .strip_prefix(package)
                .and_then(|r| r.strip_prefix('.'))
                .unwrap_or(full_name)
        }
    }

    /// Every declaration of a file that buf pairs by nested name: (kind, nested name, full name).
    pub(super) fn declarations_of(&self, file: usize) -> &[(DeclKind, String, String)] {
        self.declarations.get(file).map_or(&[], Vec::as_slice)
    }

    /// Fills [`Index::declarations`], once every declaration is indexed.
    pub(super) fn index_declarations(&mut self) {
        let mut by_file: Vec<Vec<(DeclKind, String, String)>> = vec![Vec::new(); self.files.len()];
        let mut add = |file: usize, kind: DeclKind, full: &str| {
            if let Some(list) = by_file.get_mut(file) {
                list.push((kind, self.nested_name(file, full).to_string(), full.to_string()));
            }
        };
        for m in self.messages.values() {
            add(m.file, DeclKind::Message, &m.name);
        }
        for (name, e) in &self.enums {
            add(e.file, DeclKind::Enum, name);
        }
        for (name, (f, _)) in &self.services {
            add(*f, DeclKind::Service, name);
        }
        for (name, (f, _)) in &self.extensions {
            add(*f, DeclKind::Extension, name);
        }
        self.declarations = by_file;
    }

    pub(super) fn declares(&self, kind: DeclKind, full_name: &str) -> Option<usize> {
        match kind {
            DeclKind::Message => self.messages.get(full_name).map(|m| m.file),
            DeclKind::Enum => self.enums.get(full_name).map(|e| e.file),
            DeclKind::Service => self.services.get(full_name).map(|(f, _)| *f),
            DeclKind::Extension => self.extensions.get(full_name).map(|(f, _)| *f),
        }
    }

    pub(super) fn location_of(&self, kind: DeclKind, full_name: &str) -> Option<&Location> {
        match kind {
            DeclKind::Message => self.messages.get(full_name).map(|m| m.location),
            DeclKind::Enum => self.enums.get(full_name).map(|e| &e.declared.location),
            DeclKind::Service => self.services.get(full_name).map(|(_, s)| &s.location),
            DeclKind::Extension => self.extensions.get(full_name).map(|(_, e)| &e.field.location),
        }
    }

    /// Where a deleted declaration is reported on this side: its closest enclosing message that
    /// is still in `file`, else the file.
    pub(super) fn anchor(&self, file: usize, full_name: &str) -> Location {
        let mut scope = full_name;
        while let Some((parent, _)) = scope.rsplit_once('.') {
            if let Some(m) = self.messages.get(parent)
                && m.file == file
                && m.declared.is_some()
            {
                return m.location.clone();
            }
            scope = parent;
        }
        self.file(file).map(|f| f.location.clone()).unwrap_or_default()
    }

    /// Resolves an editions feature for a declaration: its own options, the messages enclosing it
    /// (innermost first), then the file. `None` when nothing sets it.
    pub(super) fn feature(&self, file: usize, scope: &str, own: Option<&JsonMap>, name: &str) -> Option<String> {
        self.feature_at(file, scope, own, &[name])
    }

    /// A field's UTF-8 validation: `VERIFY` or `NONE`.
    pub(super) fn utf8_validation(&self, file: usize, message: &str, field: &FieldView) -> String {
        let Some(f) = self.file(file) else {
            return "NONE".into();
        };
        match f.facts.syntax.as_str() {
            "proto3" => "VERIFY".into(),
            "editions" => self
                .feature(
                    file,
                    &format!("{message}.{}", field.name),
                    field.options,
                    "utf8_validation",
                )
                .unwrap_or_else(|| "VERIFY".into()),
            _ => "NONE".into(),
        }
    }

    /// What Java checks for a string field: the standard validation, or VERIFY when
    /// `java_string_check_utf8` (or editions `(pb.java).utf8_validation`) asks for it.
    pub(super) fn java_utf8_validation(&self, file: usize, message: &str, field: &FieldView) -> String {
        let standard = self.utf8_validation(file, message, field);
        let Some(f) = self.file(file) else { return standard };
        let check = f.option("java_string_check_utf8");
        if !f.editions() || check.is_some() {
            return if check.and_then(Json::as_bool) == Some(true) {
                "VERIFY".into()
            } else {
                standard
            };
        }
        let java = self.feature_ext(
            file,
            &format!("{message}.{}", field.name),
            field.options,
            "pb.java",
            "utf8_validation",
        );
        if java.as_deref() == Some("VERIFY") {
            "VERIFY".into()
        } else {
            standard
        }
    }

    /// Like [`Index::feature`] for a feature of a language extension (`pb.cpp`, `pb.java`).
    pub(super) fn feature_ext(
        &self,
        file: usize,
        scope: &str,
        own: Option<&JsonMap>,
        ext: &str,
        name: &str,
    ) -> Option<String> {
        self.feature_at(file, scope, own, &[ext, name])
    }

    /// The feature at `path` under `features` (`["field_presence"]`, `["pb.java", "utf8_validation"]`),
    /// looked up on the declaration, its enclosing messages (innermost first), then the file.
    pub(super) fn feature_at(&self, file: usize, scope: &str, own: Option<&JsonMap>, path: &[&str]) -> Option<String> {
        let get = |o: &JsonMap| {
            let mut v = o.get("features")?;
            for key in path {
                v = v.get(key)?;
            }
            v.as_str().map(str::to_string)
        };
        if let Some(v) = own.and_then(get) {
            return Some(v);
        }
        let mut s = scope;
        while let Some((parent, _)) = s.rsplit_once('.') {
            if let Some(v) = self.messages.get(parent).and_then(|m| m.options()).and_then(get) {
                return Some(v);
            }
            s = parent;
        }
        self.file(file).and_then(|f| get(&f.facts.options))
    }

    /// The C++ string type of a string or bytes field, and whether it is the legacy STRING_PIECE.
    pub(super) fn cpp_string_type(&self, file: usize, message: &str, field: &FieldView) -> (String, bool) {
        let ctype = field.options.and_then(|o| o.get("ctype")).and_then(Json::as_str);
        let editions = self.file(file).is_some_and(|f| f.editions());
        let edition = self.file(file).and_then(|f| f.edition).unwrap_or("");
        if edition < "2024" || !editions {
            match ctype {
                Some("CORD") => return ("CORD".into(), false),
                Some("STRING_PIECE") => return ("STRING".into(), true),
                Some("STRING") => return ("STRING".into(), false),
                _ if !editions => return ("STRING".into(), false),
                _ => {}
            }
        }
        let feature = self.feature_ext(
            file,
            &format!("{message}.{}", field.name),
            field.options,
            "pb.cpp",
            "string_type",
        );
        let default = if edition >= "2024" { "VIEW" } else { "STRING" };
        (feature.unwrap_or_else(|| default.into()), false)
    }

    /// Whether an enum is closed: proto2, or editions `enum_type = CLOSED`.
    pub(super) fn enum_closed(&self, name: &str, e: &EnumView) -> bool {
        let Some(f) = self.file(e.file) else { return false };
        match f.facts.syntax.as_str() {
            "proto3" => false,
            "editions" => {
                let own = e.declared.proto.as_ref().map(|p| &p.options);
                self.feature(e.file, name, own, "enum_type").as_deref() == Some("CLOSED")
            }
            _ => true,
        }
    }

    /// `ALLOW` or `LEGACY_BEST_EFFORT` for a message or enum.
    pub(super) fn json_format(&self, file: usize, name: &str, own: Option<&JsonMap>) -> String {
        let Some(f) = self.file(file) else {
            return "ALLOW".into();
        };
        match f.facts.syntax.as_str() {
            "proto3" => "ALLOW".into(),
            "editions" => self
                .feature(file, name, own, "json_format")
                .unwrap_or_else(|| "ALLOW".into()),
            _ => "LEGACY_BEST_EFFORT".into(),
        }
    }

    /// The default a field reads as when unset, comparable across types; `None` when it cannot have
    /// one (repeated, maps, messages) or it is unknown (an enum defined in a file not loaded).
    pub(super) fn default_of(&self, field: &FieldView) -> Option<DefaultValue> {
        if matches!(field.cardinality, Cardinality::Repeated | Cardinality::Map) {
            return None;
        }
        match &field.kind {
            Kind::Message(_) | Kind::Group(_) => None,
            Kind::Enum(name) => {
                let e = self.enums.get(name.as_str())?;
                let number = match field.default.and_then(Json::as_str) {
                    Some(value) => e.values.iter().find(|v| v.name == value)?.number?,
                    None => e.values.first()?.number?,
                };
                Some(DefaultValue::Number(f64::from(number), number.to_string()))
            }
            Kind::Scalar(s) => Some(DefaultValue::of_scalar(s, field.default)),
        }
    }
}

/// A default value as buf compares them: strings and bytes by content, everything else as a number.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum DefaultValue {
    Text(String),
    /// The value, and how to show it.
    Number(f64, String),
    NaN,
}

impl DefaultValue {
    pub(super) fn of_scalar(kind: &str, value: Option<&Json>) -> DefaultValue {
        match kind {
            "string" | "bytes" => {
                let text = match value {
                    Some(Json::String(s)) if kind == "bytes" => base64_decode(s).unwrap_or_else(|| s.clone()),
                    Some(Json::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                DefaultValue::Text(text)
            }
            _ => match value {
                None => DefaultValue::Number(0.0, "0".into()),
                Some(Json::Bool(b)) => DefaultValue::Number(if *b { 1.0 } else { 0.0 }, b.to_string()),
                Some(Json::Number(n)) => {
                    // Integers beyond 2^53 keep their digits for display and compare exactly
                    // through their text when both sides are integers.
                    let f = n.as_f64().unwrap_or(0.0);
                    if kind == "float" {
                        // A float default widened to f64 is not exactly the f64 of its text.
                        DefaultValue::Number(f64::from(f as f32), n.to_string())
                    } else {
                        DefaultValue::Number(f, n.to_string())
                    }
                }
                Some(Json::String(s)) => match s.as_str() {
                    "NaN" => DefaultValue::NaN,
                    "Infinity" => DefaultValue::Number(f64::INFINITY, s.clone()),
                    "-Infinity" => DefaultValue::Number(f64::NEG_INFINITY, s.clone()),
                    _ => DefaultValue::Text(s.clone()),
                },
                Some(other) => DefaultValue::Text(other.to_string()),
            },
        }
    }

    pub(super) fn is_zero(&self) -> bool {
        match self {
            DefaultValue::Text(s) => s.is_empty(),
            DefaultValue::Number(n, _) => *n == 0.0 && n.is_sign_positive(),
            DefaultValue::NaN => false,
        }
    }

    pub(super) fn same(&self, other: &DefaultValue) -> bool {
        match (self, other) {
            (DefaultValue::Text(a), DefaultValue::Text(b)) => a == b,
            (DefaultValue::NaN, DefaultValue::NaN) => true,
            (DefaultValue::Number(a, ta), DefaultValue::Number(b, tb)) => {
                if a.abs() >= 9.0e15 && ta.parse::<i128>().is_ok() && tb.parse::<i128>().is_ok() {
                    ta.parse::<i128>().ok() == tb.parse::<i128>().ok()
                } else {
                    a == b
                }
            }
            _ => false,
        }
    }

    pub(super) fn show(&self) -> String {
        match self {
            DefaultValue::Text(s) => format!("{s:?}"),
            DefaultValue::Number(_, text) => text.clone(),
            DefaultValue::NaN => "nan".into(),
        }
    }
}

/// Standard base64 (as the model writes `bytes` defaults) back to text; `None` if it is not base64.
pub(super) fn base64_decode(s: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The entry message protoc generates for a map field: `labels` → `LabelsEntry`.
pub(super) fn map_entry_name(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 5);
    let mut upper = true;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out.push_str("Entry");
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum DeclKind {
    Message,
    Enum,
    Service,
    Extension,
}

impl DeclKind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            DeclKind::Message => "message",
            DeclKind::Enum => "enum",
            DeclKind::Service => "service",
            DeclKind::Extension => "extension",
        }
    }

    pub(super) const ALL: [DeclKind; 4] = [
        DeclKind::Message,
        DeclKind::Enum,
        DeclKind::Service,
        DeclKind::Extension,
    ];

    /// The buf rule against deleting this kind of declaration from a file.
    pub(super) fn removed_in_file(self) -> &'static str {
        match self {
            DeclKind::Message => "MESSAGE_NO_DELETE",
            DeclKind::Enum => "ENUM_NO_DELETE",
            DeclKind::Service => "SERVICE_NO_DELETE",
            DeclKind::Extension => "EXTENSION_NO_DELETE",
        }
    }

    /// The buf rule against deleting this kind of declaration from a package.
    pub(super) fn removed_in_package(self) -> &'static str {
        match self {
            DeclKind::Message => "PACKAGE_MESSAGE_NO_DELETE",
            DeclKind::Enum => "PACKAGE_ENUM_NO_DELETE",
            DeclKind::Service => "PACKAGE_SERVICE_NO_DELETE",
            DeclKind::Extension => "PACKAGE_EXTENSION_NO_DELETE",
        }
    }

    pub(super) fn removed_rule(self) -> &'static RuleMeta {
        match self {
            DeclKind::Message | DeclKind::Enum => &crate::compare::concepts::TYPE_REMOVED,
            DeclKind::Service => &SERVICE_REMOVED,
            DeclKind::Extension => &EXTENSION_REMOVED,
        }
    }
}

/// The buf rules against deleting a field.
pub(super) const FIELD_DELETION: [&str; 3] = [
    "FIELD_NO_DELETE",
    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
];
/// The buf rules against deleting an enum value.
pub(super) const ENUM_VALUE_DELETION: [&str; 3] = [
    "ENUM_VALUE_NO_DELETE",
    "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
    "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
];

/// The buf rules a deleted field or enum value violates (`ids`: [`FIELD_DELETION`] or
/// [`ENUM_VALUE_DELETION`]): always `*_NO_DELETE`; `*_UNLESS_NUMBER_RESERVED` and
/// `*_UNLESS_NAME_RESERVED` unless that is reserved.
pub(super) fn deletion_rules(
    [all, number, name]: [&'static str; 3],
    number_reserved: bool,
    name_reserved: bool,
) -> Vec<&'static str> {
    let mut rules = vec![all];
    if !number_reserved {
        rules.push(number);
    }
    if !name_reserved {
        rules.push(name);
    }
    rules
}

/// Whether `number` lies in one of the inclusive `ranges`.
pub(super) fn reserved(number: i32, ranges: &[(i32, i32)]) -> bool {
    ranges.iter().any(|(a, b)| (*a..=*b).contains(&number))
}

/// The parts of the inclusive `old` ranges that `new` ranges do not cover.
pub(super) fn uncovered(old: &[(i32, i32)], new: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let mut covered: Vec<(i64, i64)> = new.iter().map(|(a, b)| (i64::from(*a), i64::from(*b))).collect();
    covered.sort_unstable();
    let mut missing = Vec::new();
    for (a, b) in old {
        let (mut start, end) = (i64::from(*a), i64::from(*b));
        for (c, d) in &covered {
            if *d < start {
                continue;
            }
            if *c > end {
                break;
            }
            if *c > start {
                missing.push((start, c - 1));
            }
            start = start.max(d + 1);
            if start > end {
                break;
            }
        }
        if start <= end {
            missing.push((start, end));
        }
    }
    missing
        .into_iter()
        .filter_map(|(a, b)| Some((i32::try_from(a).ok()?, i32::try_from(b).ok()?)))
        .collect()
}

pub(super) fn show_ranges(ranges: &[(i32, i32)]) -> String {
    let parts: Vec<String> = ranges
        .iter()
        .map(|(a, b)| if a == b { a.to_string() } else { format!("{a} to {b}") })
        .collect();
    parts.join(", ")
}

pub(super) fn short(full_name: &str) -> &str {
    full_name.rsplit('.').next().unwrap_or(full_name)
}
