//! Compiled descriptors into the contract model: messages, enums, fields, extensions, services,
//! options as JSON, editions' features, with each declaration's source position.

use super::*;

/// What every declaration of one file shares.
pub(super) struct FileContext<'a> {
    pub(super) name: &'a str,
    pub(super) display: Arc<str>,
    pub(super) package: &'a str,
    pub(super) syntax: &'a str,
    /// Whether source positions point into `display` (not so for a descriptor set).
    pub(super) lines: bool,
    /// Declarations by path: where each starts, and the index of its comment in `comments`.
    pub(super) spans: SpanMap<'a>,
    /// Comments are moved into the contract, not copied: Google's protos have 28 MB of them.
    pub(super) comments: RefCell<Vec<Option<Box<str>>>>,
}

/// Source-info locations by path. Paths are a few small integers: SipHash is needlessly slow here.
pub(super) type SpanMap<'a> = HashMap<&'a [i32], (Option<Pos>, usize), BuildHasherDefault<PathHasher>>;

#[derive(Default)]
pub(super) struct PathHasher(u64);

impl Hasher for PathHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl FileContext<'_> {
    pub(super) fn location(&self, path: &[i32], pointer: &str) -> Location {
        let pos = if self.lines {
            self.spans.get(path).and_then(|(pos, _)| *pos)
        } else {
            None
        };
        Location::new(Arc::clone(&self.display), pointer, pos.unwrap_or_default())
    }

    /// The comment before a declaration, else the one after it on the same line.
    pub(super) fn comment(&self, path: &[i32]) -> Option<String> {
        let (_, index) = self.spans.get(path)?;
        self.comments.borrow_mut().get_mut(*index)?.take().map(String::from)
    }
}

/// `span` is `[start_line, start_col, end_line, end_col]` or `[start_line, start_col, end_col]`, 0-based.
pub(super) fn span_start(location: &SourceLocation) -> Option<Pos> {
    let line = u32::try_from(*location.span.first()?).ok()?;
    let col = u32::try_from(*location.span.get(1)?).ok()?;
    Some(Pos::new(line.saturating_add(1), col.saturating_add(1)))
}

/// One file as a contract. `declarations` says where its declarations are; `lines` says whether
/// their positions are in `display`.
pub(super) fn build_contract(
    file: &FileDescriptor,
    display: &str,
    declarations: Vec<Declaration>,
    lines: bool,
) -> Contract {
    let proto = file.file_descriptor_proto();
    let syntax = match proto.syntax.as_deref() {
        None | Some("") => "proto2",
        Some(s) => s,
    };
    let (paths, comments): (Vec<_>, Vec<_>) = declarations.into_iter().map(|d| ((d.path, d.pos), d.comment)).unzip();
    let spans: SpanMap = paths
        .iter()
        .enumerate()
        .map(|(i, (path, pos))| (&**path, (*pos, i)))
        .collect();
    let ctx = FileContext {
        name: file.name(),
        display: Arc::from(display),
        package: file.package_name(),
        syntax,
        lines,
        spans,
        comments: RefCell::new(comments),
    };

    let mut contract = Contract::new(file.name(), Format::Protobuf, display);
    contract.format_version = Some(syntax.to_string());
    if !ctx.package.is_empty() {
        contract.packages.push(ctx.package.to_string());
    }
    let options = if proto.options.is_some() {
        options_json(&file.options())
    } else {
        JsonMap::new()
    };
    contract.proto_files.insert(
        file.name().to_string(),
        ProtoFile {
            syntax: syntax.to_string(),
            package: ctx.package.to_string(),
            imports: proto.dependency.clone(),
            options,
            extensions: Vec::new(),
        },
    );
    let mut extensions: Vec<ProtoExtension> = file.extensions().map(|e| extension(&ctx, &e)).collect();
    for message in file.messages() {
        add_message(&ctx, &message, &mut contract.types);
        nested_extensions(&ctx, &message, &mut extensions);
    }
    if let Some(facts) = contract.proto_files.get_mut(file.name()) {
        facts.extensions = extensions;
    }
    for enum_ in file.enums() {
        add_enum(&ctx, &enum_, &mut contract.types);
    }
    if lines {
        contract
            .types
            .sort_by(|_, a, _, b| a.location.pos().cmp(&b.location.pos()));
    }
    contract.services = file.services().map(|s| service(&ctx, &s)).collect();
    contract
}

/// Marks a contract compiled from an editions file as such, and applies `features.field_presence`
/// (file default, field override) to field labels: IMPLICIT fields have no presence, LEGACY_REQUIRED
/// ones are required.
pub(super) fn apply_edition(contract: &mut Contract, edition: &str) {
    let syntax = "editions".to_string();
    contract.format_version = Some(format!("editions {edition}"));
    let mut file_default = None;
    for file in contract.proto_files.values_mut() {
        file.syntax.clone_from(&syntax);
        file_default = presence_feature(&file.options);
    }
    for t in contract.types.values_mut() {
        if let Some(p) = &mut t.proto {
            p.syntax.clone_from(&syntax);
        }
        let crate::model::TypeKind::Object(obj) = &mut t.ty.kind else {
            continue;
        };
        for field in &mut obj.fields {
            let Some(proto) = &mut field.proto else { continue };
            if proto.label != "optional" || proto.oneof.is_some() {
                continue;
            }
            match presence_feature(&proto.options).or(file_default.clone()).as_deref() {
                Some("IMPLICIT") => proto.label = "singular".into(),
                Some("LEGACY_REQUIRED") => {
                    proto.label = "required".into();
                    field.required = true;
                }
                _ => {}
            }
        }
    }
}

pub(super) fn presence_feature(options: &JsonMap) -> Option<String> {
    options
        .get("features")?
        .get("field_presence")?
        .as_str()
        .map(str::to_string)
}

pub(super) fn proto_message(ctx: &FileContext, options: JsonMap) -> ProtoMessage {
    ProtoMessage {
        file: ctx.name.to_string(),
        package: ctx.package.to_string(),
        options,
        syntax: ctx.syntax.to_string(),
        ..ProtoMessage::default()
    }
}

pub(super) fn namespace(ctx: &FileContext) -> Option<String> {
    (!ctx.package.is_empty()).then(|| ctx.package.to_string())
}

pub(super) fn add_message(ctx: &FileContext, message: &MessageDescriptor, types: &mut IndexMap<String, NamedType>) {
    // Map entries are not types of their own: their field is a `map<K, V>`.
    if message.is_map_entry() {
        return;
    }
    let full_name = message.full_name();
    let location = ctx.location(message.path(), full_name);
    let raw = message.descriptor_proto();
    let fields = message.fields().map(|f| field(ctx, &f)).collect();
    let mut ty = Type::new(TypeKind::Object(Box::new(ObjectType::new(fields))), location.clone());
    ty.description = ctx.comment(message.path());
    ty.deprecated = raw.options.as_ref().and_then(|o| o.deprecated).unwrap_or(false);

    let options = if raw.options.is_some() {
        options_json(&message.options())
    } else {
        JsonMap::new()
    };
    let mut proto = proto_message(ctx, options);
    proto.reserved_ranges = message
        .reserved_ranges()
        .map(|r| (to_i32(r.start), to_i32(r.end.saturating_sub(1))))
        .collect();
    proto.reserved_names = message.reserved_names().map(str::to_string).collect();
    proto.extension_ranges = message
        .extension_ranges()
        .map(|r| (to_i32(r.start), to_i32(r.end.saturating_sub(1))))
        .collect();
    proto.oneofs = message
        .oneofs()
        .filter(|o| !o.is_synthetic())
        .map(|o| o.name().to_string())
        .collect();

    types.insert(
        full_name.to_string(),
        NamedType {
            id: full_name.to_string(),
            name: message.name().to_string(),
            namespace: namespace(ctx),
            origin: TypeOrigin::Message,
            ty,
            aliases: Vec::new(),
            proto: Some(proto),
            enum_default: None,
            location,
        },
    );
    for child in message.child_messages() {
        add_message(ctx, &child, types);
    }
    for child in message.child_enums() {
        add_enum(ctx, &child, types);
    }
}

/// Extensions declared inside a message and the messages nested in it.
pub(super) fn nested_extensions(ctx: &FileContext, message: &MessageDescriptor, out: &mut Vec<ProtoExtension>) {
    out.extend(message.child_extensions().map(|e| extension(ctx, &e)));
    for child in message.child_messages() {
        nested_extensions(ctx, &child, out);
    }
}

pub(super) fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub(super) fn add_enum(ctx: &FileContext, enum_: &EnumDescriptor, types: &mut IndexMap<String, NamedType>) {
    let full_name = enum_.full_name();
    let location = ctx.location(enum_.path(), full_name);
    let values = enum_
        .values()
        .map(|v| EnumValue {
            name: v.name().to_string(),
            number: Some(v.number()),
            deprecated: v
                .enum_value_descriptor_proto()
                .options
                .as_ref()
                .and_then(|o| o.deprecated)
                .unwrap_or(false),
            description: ctx.comment(v.path()),
            location: ctx.location(v.path(), &format!("{full_name}.{}", v.name())),
        })
        .collect();
    let raw = enum_.enum_descriptor_proto();
    let mut ty = Type::new(TypeKind::Enum { values }, location.clone());
    ty.description = ctx.comment(enum_.path());
    ty.deprecated = raw.options.as_ref().and_then(|o| o.deprecated).unwrap_or(false);

    let options = if raw.options.is_some() {
        options_json(&enum_.options())
    } else {
        JsonMap::new()
    };
    let mut proto = proto_message(ctx, options);
    proto.reserved_ranges = enum_.reserved_ranges().map(|r| (*r.start(), *r.end())).collect();
    proto.reserved_names = enum_.reserved_names().map(str::to_string).collect();
    proto.allow_alias = raw.options.as_ref().and_then(|o| o.allow_alias).unwrap_or(false);

    types.insert(
        full_name.to_string(),
        NamedType {
            id: full_name.to_string(),
            name: enum_.name().to_string(),
            namespace: namespace(ctx),
            origin: TypeOrigin::Enum,
            ty,
            aliases: Vec::new(),
            proto: Some(proto),
            enum_default: None,
            location,
        },
    );
}

/// What the model needs of a field or an extension: prost-reflect has a type for each, with the
/// same methods.
pub(super) trait FieldLike {
    fn name(&self) -> &str;
    fn full_name(&self) -> &str;
    fn path(&self) -> &[i32];
    fn raw(&self) -> &prost_types::FieldDescriptorProto;
    fn kind(&self) -> Kind;
    fn cardinality(&self) -> Cardinality;
    fn supports_presence(&self) -> bool;
    fn is_map(&self) -> bool;
    fn is_list(&self) -> bool;
    fn is_group(&self) -> bool;
    fn json_name(&self) -> &str;
    fn number(&self) -> u32;
    fn options(&self) -> DynamicMessage;
    fn default_value(&self) -> Value;
    /// The (non-synthetic) oneof the field belongs to.
    fn oneof(&self) -> Option<String>;
}

macro_rules! field_like {
    ($ty:ty, $oneof:expr) => {
        impl FieldLike for $ty {
            fn name(&self) -> &str {
                <$ty>::name(self)
            }
            fn full_name(&self) -> &str {
                <$ty>::full_name(self)
            }
            fn path(&self) -> &[i32] {
                <$ty>::path(self)
            }
            fn raw(&self) -> &prost_types::FieldDescriptorProto {
                <$ty>::field_descriptor_proto(self)
            }
            fn kind(&self) -> Kind {
                <$ty>::kind(self)
            }
            fn cardinality(&self) -> Cardinality {
                <$ty>::cardinality(self)
            }
            fn supports_presence(&self) -> bool {
                <$ty>::supports_presence(self)
            }
            fn is_map(&self) -> bool {
                <$ty>::is_map(self)
            }
            fn is_list(&self) -> bool {
                <$ty>::is_list(self)
            }
            fn is_group(&self) -> bool {
                <$ty>::is_group(self)
            }
            fn json_name(&self) -> &str {
                <$ty>::json_name(self)
            }
            fn number(&self) -> u32 {
                <$ty>::number(self)
            }
            fn options(&self) -> DynamicMessage {
                <$ty>::options(self)
            }
            fn default_value(&self) -> Value {
                <$ty>::default_value(self)
            }
            fn oneof(&self) -> Option<String> {
                let oneof: fn(&$ty) -> Option<String> = $oneof;
                oneof(self)
            }
        }
    };
}

field_like!(FieldDescriptor, |f| f
    .containing_oneof()
    .filter(|o| !o.is_synthetic())
    .map(|o| o.name().to_string()));
field_like!(ExtensionDescriptor, |_| None);

pub(super) fn field(ctx: &FileContext, field: &impl FieldLike) -> Field {
    let location = ctx.location(field.path(), field.full_name());
    let raw = field.raw();
    let map_entry = match field.kind() {
        Kind::Message(entry) if field.is_map() => entry.get_field(1).zip(entry.get_field(2)),
        _ => None,
    };
    let enum_type = match &map_entry {
        Some((_, value)) => value.kind().as_enum().is_some(),
        None => field.kind().as_enum().is_some(),
    };
    let (mut ty, proto_type) = match map_entry {
        Some((key, value)) => {
            let (key, key_type) = element_type(&key.kind(), &location);
            let (value, value_type) = element_type(&value.kind(), &location);
            let kind = TypeKind::Map {
                key: Box::new(key),
                value: Box::new(value),
            };
            (
                Type::new(kind, location.clone()),
                format!("map<{key_type}, {value_type}>"),
            )
        }
        None => {
            let (element, proto_type) = element_type(&field.kind(), &location);
            if field.cardinality() == Cardinality::Repeated {
                let kind = TypeKind::Array {
                    items: Box::new(element),
                    prefix_items: Vec::new(),
                };
                (Type::new(kind, location.clone()), proto_type)
            } else {
                (element, proto_type)
            }
        }
    };
    ty.description = ctx.comment(field.path());
    ty.deprecated = raw.options.as_ref().and_then(|o| o.deprecated).unwrap_or(false);
    if raw.default_value.is_some() {
        ty.default = Some(Box::new(value_json(&field.default_value(), &field.kind())));
    }

    let label = match field.cardinality() {
        Cardinality::Repeated => "repeated",
        Cardinality::Required => "required",
        Cardinality::Optional if field.supports_presence() => "optional",
        Cardinality::Optional => "singular",
    };
    let options = if raw.options.is_some() {
        options_json(&field.options())
    } else {
        JsonMap::new()
    };
    Field {
        name: field.name().to_string(),
        ty,
        required: field.cardinality() == Cardinality::Required,
        aliases: Vec::new(),
        proto: Some(ProtoField {
            number: to_i32(field.number()),
            json_name: field.json_name().to_string(),
            label: label.to_string(),
            proto_type,
            oneof: field.oneof(),
            packed: is_packed(ctx, field),
            group: field.is_group(),
            enum_type,
            options,
        }),
        avro_order: None,
        location,
    }
}

pub(super) fn extension(ctx: &FileContext, extension: &ExtensionDescriptor) -> ProtoExtension {
    ProtoExtension {
        full_name: extension.full_name().to_string(),
        extendee: extension.containing_message().full_name().to_string(),
        field: field(ctx, extension),
    }
}

/// Whether a repeated scalar is written packed: `[packed = ...]` if given, else the syntax's default.
/// (prost-reflect's own `is_packed` is computed before options written in source are interpreted.)
pub(super) fn is_packed(ctx: &FileContext, field: &impl FieldLike) -> bool {
    let packable = !matches!(field.kind(), Kind::String | Kind::Bytes | Kind::Message(_));
    let explicit = field.raw().options.as_ref().and_then(|o| o.packed);
    field.is_list() && packable && explicit.unwrap_or(ctx.syntax == "proto3")
}

/// The model type of one value of a field, and the type as protobuf spells it.
pub(super) fn element_type(kind: &Kind, location: &Location) -> (Type, String) {
    let primitive = |p: Primitive, keyword: &str| (Type::primitive(p, location.clone()), keyword.to_string());
    match kind {
        Kind::Double => primitive(Primitive::Double, "double"),
        Kind::Float => primitive(Primitive::Float, "float"),
        Kind::Int32 => primitive(Primitive::Int32, "int32"),
        Kind::Sint32 => primitive(Primitive::Int32, "sint32"),
        Kind::Sfixed32 => primitive(Primitive::Int32, "sfixed32"),
        Kind::Int64 => primitive(Primitive::Int64, "int64"),
        Kind::Sint64 => primitive(Primitive::Int64, "sint64"),
        Kind::Sfixed64 => primitive(Primitive::Int64, "sfixed64"),
        Kind::Uint32 => primitive(Primitive::Uint32, "uint32"),
        Kind::Fixed32 => primitive(Primitive::Uint32, "fixed32"),
        Kind::Uint64 => primitive(Primitive::Uint64, "uint64"),
        Kind::Fixed64 => primitive(Primitive::Uint64, "fixed64"),
        Kind::Bool => primitive(Primitive::Bool, "bool"),
        Kind::String => primitive(Primitive::String, "string"),
        Kind::Bytes => primitive(Primitive::Bytes, "bytes"),
        Kind::Message(message) => {
            let name = message.full_name();
            let ty = well_known(name, location).unwrap_or_else(|| Type::reference(name, location.clone()));
            (ty, format!(".{name}"))
        }
        Kind::Enum(enum_) => (
            Type::reference(enum_.full_name(), location.clone()),
            format!(".{}", enum_.full_name()),
        ),
    }
}

/// Well-known messages that stand for a shared primitive. `Empty`, `Any` and `FieldMask` stay
/// references: they have no primitive counterpart.
pub(super) fn well_known(name: &str, location: &Location) -> Option<Type> {
    let primitive = |p| Type::primitive(p, location.clone());
    let wrapper = |p| {
        let mut t = Type::primitive(p, location.clone());
        t.nullable = true;
        t
    };
    let any = || Type::new(TypeKind::Any, location.clone());
    let mut ty = match name {
        "google.protobuf.Timestamp" => primitive(Primitive::Timestamp),
        "google.protobuf.Duration" => primitive(Primitive::Duration),
        "google.protobuf.DoubleValue" => wrapper(Primitive::Double),
        "google.protobuf.FloatValue" => wrapper(Primitive::Float),
        "google.protobuf.Int64Value" => wrapper(Primitive::Int64),
        "google.protobuf.UInt64Value" => wrapper(Primitive::Uint64),
        "google.protobuf.Int32Value" => wrapper(Primitive::Int32),
        "google.protobuf.UInt32Value" => wrapper(Primitive::Uint32),
        "google.protobuf.BoolValue" => wrapper(Primitive::Bool),
        "google.protobuf.StringValue" => wrapper(Primitive::String),
        "google.protobuf.BytesValue" => wrapper(Primitive::Bytes),
        "google.protobuf.Struct" => Type::new(
            TypeKind::Map {
                key: Box::new(primitive(Primitive::String)),
                value: Box::new(any()),
            },
            location.clone(),
        ),
        "google.protobuf.Value" => any(),
        "google.protobuf.ListValue" => Type::new(
            TypeKind::Array {
                items: Box::new(any()),
                prefix_items: Vec::new(),
            },
            location.clone(),
        ),
        _ => return None,
    };
    ty.extensions
        .insert(EXT_PROTO_TYPE.to_string(), Json::String(name.to_string()));
    Some(ty)
}

pub(super) fn service(ctx: &FileContext, service: &ServiceDescriptor) -> Service {
    let raw = service.service_descriptor_proto();
    let rpcs = service
        .methods()
        .map(|m| {
            let raw = m.method_descriptor_proto();
            Rpc {
                name: m.name().to_string(),
                input: m.input().full_name().to_string(),
                output: m.output().full_name().to_string(),
                client_streaming: m.is_client_streaming(),
                server_streaming: m.is_server_streaming(),
                deprecated: raw.options.as_ref().and_then(|o| o.deprecated).unwrap_or(false),
                options: if raw.options.is_some() {
                    options_json(&m.options())
                } else {
                    JsonMap::new()
                },
                location: ctx.location(m.path(), m.full_name()),
            }
        })
        .collect();
    Service {
        name: service.full_name().to_string(),
        file: ctx.name.to_string(),
        rpcs,
        options: if raw.options.is_some() {
            options_json(&service.options())
        } else {
            JsonMap::new()
        },
        location: ctx.location(service.path(), service.full_name()),
    }
}

/// Options as JSON: standard options by field name (`deprecated`, `packed`), custom options by the
/// extension's full name (`acme.pii`). Enum values are names, bytes are base64.
/// Options by name, sorted, in no more memory than they need (Google's protos have a million).
pub(super) fn options_json(options: &DynamicMessage) -> JsonMap {
    let mut map: JsonMap = message_entries(options).collect();
    map.sort_unstable_keys();
    map.shrink_to_fit();
    map
}

pub(super) fn message_entries(message: &DynamicMessage) -> impl Iterator<Item = (String, Json)> + '_ {
    let fields = message
        .fields()
        .map(|(f, v)| (f.name().to_string(), value_json(v, &f.kind())));
    let extensions = message
        .extensions()
        .map(|(e, v)| (e.full_name().to_string(), value_json(v, &e.kind())));
    fields.chain(extensions)
}

pub(super) fn value_json(value: &Value, kind: &Kind) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::I32(n) => Json::from(*n),
        Value::I64(n) => Json::from(*n),
        Value::U32(n) => Json::from(*n),
        Value::U64(n) => Json::from(*n),
        // Through the shortest decimal, so `0.1f` reads 0.1 and not 0.10000000149011612.
        Value::F32(f) => float_json(f.to_string().parse().unwrap_or(f64::from(*f))),
        Value::F64(f) => float_json(*f),
        Value::String(s) => Json::String(s.clone()),
        Value::Bytes(b) => Json::String(base64(b)),
        Value::EnumNumber(n) => match kind.as_enum().and_then(|e| e.get_value(*n)) {
            Some(v) => Json::String(v.name().to_string()),
            None => Json::from(*n),
        },
        Value::Message(m) => Json::Object(message_entries(m).collect()),
        Value::List(items) => Json::Array(items.iter().map(|v| value_json(v, kind)).collect()),
        Value::Map(entries) => {
            let value_kind = kind.as_message().and_then(|entry| entry.get_field(2)).map(|f| f.kind());
            let mut entries: Vec<(String, Json)> = entries
                .iter()
                .map(|(key, value)| {
                    let key = match key {
                        prost_reflect::MapKey::Bool(b) => b.to_string(),
                        prost_reflect::MapKey::I32(n) => n.to_string(),
                        prost_reflect::MapKey::I64(n) => n.to_string(),
                        prost_reflect::MapKey::U32(n) => n.to_string(),
                        prost_reflect::MapKey::U64(n) => n.to_string(),
                        prost_reflect::MapKey::String(s) => s.clone(),
                    };
                    let value = match &value_kind {
                        Some(k) => value_json(value, k),
                        None => value_json(value, kind),
                    };
                    (key, value)
                })
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().collect())
        }
    }
}

/// A float as JSON; the values JSON has no number for are spelled as in proto3 JSON.
pub(super) fn float_json(f: f64) -> Json {
    match serde_json::Number::from_f64(f) {
        Some(n) => Json::Number(n),
        None if f.is_nan() => Json::String("NaN".into()),
        None if f > 0.0 => Json::String("Infinity".into()),
        None => Json::String("-Infinity".into()),
    }
}

/// Standard base64 with padding, as proto3 JSON writes `bytes`.
pub(super) fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
