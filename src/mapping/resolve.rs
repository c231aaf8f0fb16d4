//! Finding a dotted path (`billing_address.city`, `tags[]`) in a model type, through references,
//! `allOf`, nullable unions and arrays; and a coarse kind of each type for mapping checks.

use crate::compare::TypeIndex;
use crate::model::{Field, Type, TypeKind};

/// What a path leads to.
#[derive(Debug, Clone)]
pub struct Resolved<'a> {
    pub ty: &'a Type,
    /// The last field on the way (none for the type itself or an array element).
    pub field: Option<&'a Field>,
    /// Null may arrive: a nullable field or type on the way.
    pub nullable: bool,
    /// The value may be absent: an optional field on the way.
    pub optional: bool,
    /// A deprecated field or type on the way.
    pub deprecated: bool,
    /// Every field on the way is required: the value is in every record.
    pub required: bool,
}

/// A proto3 scalar or enum without `optional`: never absent (unset reads as its zero value).
fn always_present(field: &Field, ty: &Type) -> bool {
    field.proto.as_ref().is_some_and(|p| p.label == "singular")
        && matches!(ty.kind, TypeKind::Primitive { .. } | TypeKind::Enum { .. })
}

/// Follows references and unwraps `T | null` (at most a few hops: cycles end at a reference).
pub fn deref<'a>(mut ty: &'a Type, index: &TypeIndex<'a>) -> (&'a Type, bool) {
    let mut nullable = ty.nullable;
    for _ in 0..32 {
        match &ty.kind {
            TypeKind::Ref { target } => match index.get(target) {
                Some(named) => ty = &named.ty,
                None => break,
            },
            TypeKind::Union { variants, .. } => {
                let non_null: Vec<&Type> = variants.iter().filter(|v| !matches!(v.kind, TypeKind::Null)).collect();
                if non_null.len() == 1 && non_null.len() < variants.len() {
                    nullable = true;
                    ty = non_null[0];
                } else {
                    break;
                }
            }
            _ => break,
        }
        nullable |= ty.nullable;
    }
    (ty, nullable)
}

/// The fields of an object type, with `allOf` members merged.
pub fn fields_of<'a>(ty: &'a Type, index: &TypeIndex<'a>, depth: usize) -> Vec<&'a Field> {
    if depth > 16 {
        return Vec::new();
    }
    let (ty, _) = deref(ty, index);
    match &ty.kind {
        TypeKind::Object(o) => o.fields.iter().collect(),
        TypeKind::AllOf { members } => members.iter().flat_map(|m| fields_of(m, index, depth + 1)).collect(),
        _ => Vec::new(),
    }
}

/// Resolves `path` from `root`. The error names the first segment that is not there.
pub fn resolve<'a>(root: &'a Type, index: &TypeIndex<'a>, path: &str) -> Result<Resolved<'a>, String> {
    let (mut ty, mut nullable) = deref(root, index);
    let mut out = Resolved {
        ty,
        field: None,
        nullable: false,
        optional: false,
        deprecated: ty.deprecated,
        required: true,
    };
    let mut walked = String::new();
    for segment in path.split('.') {
        let (name, elements) = match segment.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (segment, false),
        };
        if !name.is_empty() {
            let fields = fields_of(ty, index, 0);
            let Some(field) = fields.iter().copied().find(|f| f.name == name) else {
                let hint = crate::suggest::did_you_mean(name, fields.iter().map(|f| f.name.as_str()));
                return Err(if walked.is_empty() {
                    format!("there is no field `{name}`{hint}")
                } else {
                    format!("`{walked}` has no field `{name}`{hint}")
                });
            };
            out.field = Some(field);
            out.deprecated |= field.ty.deprecated;
            let (t, n) = deref(&field.ty, index);
            let present = field.required || always_present(field, t);
            out.optional |= !present;
            out.required &= present;
            ty = t;
            nullable = n || field.nullable();
            out.deprecated |= ty.deprecated;
        }
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(segment);
        if elements {
            match &ty.kind {
                TypeKind::Array { items, .. } => {
                    let (t, n) = deref(items, index);
                    ty = t;
                    nullable = n;
                    out.field = None;
                    // An element exists only where the array has one.
                    out.required = false;
                }
                _ => return Err(format!("`{walked}` is not an array, so it has no elements")),
            }
        }
        out.nullable |= nullable;
    }
    out.ty = ty;
    Ok(out)
}

/// The coarse kind of a value, as a mapping sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A string, with the format it must have (`uuid`, `date`, `date-time`, ...).
    Str(Option<&'static str>),
    Int,
    Num,
    Bool,
    Enum(Vec<String>),
    Object,
    Array,
    Any,
}

impl Kind {
    pub fn of(ty: &Type) -> Kind {
        match &ty.kind {
            TypeKind::Primitive { primitive } => match primitive.json() {
                (crate::json::Kind::Bool, _) => Kind::Bool,
                (crate::json::Kind::Integer, _) => Kind::Int,
                (crate::json::Kind::Number, _) => Kind::Num,
                (_, format) => Kind::Str(format.map(crate::format::StringFormat::name)),
            },
            TypeKind::Enum { values } => Kind::Enum(values.iter().map(|v| v.name.clone()).collect()),
            TypeKind::Object(_) | TypeKind::AllOf { .. } | TypeKind::Map { .. } => Kind::Object,
            TypeKind::Array { .. } => Kind::Array,
            _ => Kind::Any,
        }
    }

    pub fn name(&self) -> String {
        match self {
            Kind::Str(None) => "string".into(),
            Kind::Str(Some(f)) => format!("string ({f})"),
            Kind::Int => "integer".into(),
            Kind::Num => "number".into(),
            Kind::Bool => "boolean".into(),
            Kind::Enum(v) => format!("enum [{}]", v.join(", ")),
            Kind::Object => "object".into(),
            Kind::Array => "array".into(),
            Kind::Any => "any".into(),
        }
    }

    pub fn is_scalar(&self) -> bool {
        !matches!(self, Kind::Object | Kind::Array)
    }
}

/// Every path of a type's fields, depth first (`billing_address`, `billing_address.city`, `tags[]`).
pub fn field_paths<'a>(ty: &'a Type, index: &TypeIndex<'a>) -> Vec<(String, &'a Field)> {
    fn walk<'a>(ty: &'a Type, index: &TypeIndex<'a>, prefix: &str, depth: usize, out: &mut Vec<(String, &'a Field)>) {
        if depth > 8 {
            return;
        }
        for f in fields_of(ty, index, 0) {
            let path = if prefix.is_empty() {
                f.name.clone()
            } else {
                format!("{prefix}.{}", f.name)
            };
            out.push((path.clone(), f));
            let (t, _) = deref(&f.ty, index);
            match &t.kind {
                TypeKind::Array { items, .. } => {
                    let (item, _) = deref(items, index);
                    if !fields_of(item, index, 0).is_empty() {
                        walk(item, index, &format!("{path}[]"), depth + 1, out);
                    }
                }
                _ => walk(t, index, &path, depth + 1, out),
            }
        }
    }
    let mut out = Vec::new();
    walk(ty, index, "", 0, &mut out);
    out
}
