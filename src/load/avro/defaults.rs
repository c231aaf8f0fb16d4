//! Step 3 of loading: what needs every type known: field defaults checked against their types,
//! and error types used where only errors may be.

use super::*;

#[cfg(test)]
thread_local! {
    /// The most steps one default's check took on this thread (tests bound the work by it).
    pub(super) static MOST_STEPS: Cell<usize> = const { Cell::new(0) };
}

/// Checks defaults and error uses; returns the locations (file, field pointer) of fields whose default
/// does not fit their type.
pub(super) fn check_pending(
    contracts: &[Contract],
    pending: Pending,
    findings: &mut Vec<Finding>,
) -> HashSet<(String, String)> {
    let mut invalid = HashSet::new();
    // The first declaration of a full name wins, as it did when names were collected.
    let mut types: HashMap<&str, &NamedType> = HashMap::new();
    for contract in contracts {
        for (id, named) in &contract.types {
            types.entry(id.as_str()).or_insert(named);
        }
    }
    let checker = DefaultChecker {
        types: &types,
        steps: Cell::new(0),
        any_branch: false,
    };
    // Avro 1.12 reads a union's default as a value of the first branch it matches; 1.11 only of the
    // first branch. The lint holds defaults to 1.11 (readers of either version accept them), but a
    // default 1.12 accepts is still one a reader can use.
    let lenient = DefaultChecker {
        types: &types,
        steps: Cell::new(0),
        any_branch: true,
    };
    for pending_default in pending.defaults {
        checker.steps.set(0);
        let PendingDefault {
            context,
            ty,
            value,
            location,
        } = pending_default;
        if let Err(mismatch) = checker.check(&value, &ty, 0) {
            let message = if mismatch.at.is_empty() {
                format!("{context}: default {}", mismatch.problem)
            } else {
                format!("{context}: default value at {}: {}", mismatch.at, mismatch.problem)
            };
            lenient.steps.set(0);
            if let Some(field) = location.pointer.strip_suffix("/default")
                && lenient.check(&value, &ty, 0).is_err()
            {
                invalid.insert((location.file.to_string(), field.to_string()));
            }
            findings.push(Finding::new(&lint::INVALID_AVRO_DEFAULT, message, location));
        }
        #[cfg(test)]
        MOST_STEPS.with(|m| m.set(m.get().max(checker.steps.get()).max(lenient.steps.get())));
    }
    for error_use in pending.error_uses {
        if let Some(named) = types.get(error_use.target.as_str())
            && named.origin != TypeOrigin::Error
        {
            let kind = match named.origin {
                TypeOrigin::Enum => "an enum",
                TypeOrigin::Fixed => "a fixed",
                _ => "a record",
            };
            let message = format!(
                "{}: {} is {kind}, not an error; \"errors\" may only name types declared with \"type\": \"error\"",
                error_use.context, error_use.target
            );
            findings.push(Finding::new(&lint::INVALID_AVRO, message, error_use.location));
        }
    }
    invalid
}

/// Marks the fields whose default does not fit (see [`EXT_INVALID_DEFAULT`]), so comparisons know
/// that a reader cannot fall back on it.
pub(super) fn mark_invalid_defaults(contracts: &mut [Contract], invalid: &HashSet<(String, String)>) {
    if invalid.is_empty() {
        return;
    }
    let mark = |field: &mut Field| {
        if invalid.contains(&(field.location.file.to_string(), field.location.pointer.clone())) {
            field.ty.extensions.insert(EXT_INVALID_DEFAULT.into(), Json::Bool(true));
        }
    };
    for contract in contracts {
        for named in contract.types.values_mut() {
            if let TypeKind::Object(object) = &mut named.ty.kind {
                object.fields.iter_mut().for_each(mark);
            }
        }
        for message in &mut contract.messages {
            message.request.iter_mut().for_each(mark);
        }
    }
}

/// Why a default does not fit: where inside the value (`.address.city`, `[2]`), and what is wrong.
#[derive(Debug)]
pub(super) struct Mismatch {
    pub(super) at: String,
    pub(super) problem: String,
}

impl Mismatch {
    pub(super) fn here(problem: String) -> Self {
        Mismatch {
            at: String::new(),
            problem,
        }
    }

    pub(super) fn within(mut self, segment: &str) -> Self {
        self.at.insert_str(0, segment);
        self
    }
}

/// One branch of a union, in order.
#[derive(Clone, Copy)]
pub(super) enum Branch<'t> {
    Null,
    /// The type itself, its `nullable` flag aside.
    Of(&'t Type),
}

/// The Avro type under a primitive (the one a logical type annotates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Fixed(Option<u64>),
    Other,
}

impl Base {
    pub(crate) fn of(ty: &Type, primitive: Primitive) -> Base {
        if let Some(written) = ty.extensions.get(EXT_TYPE).and_then(Json::as_str) {
            return match written {
                "null" => Base::Null,
                "boolean" => Base::Boolean,
                "int" => Base::Int,
                "long" => Base::Long,
                "float" => Base::Float,
                "double" => Base::Double,
                "bytes" => Base::Bytes,
                "string" => Base::String,
                "fixed" => Base::Fixed(ty.extensions.get(EXT_SIZE).and_then(Json::as_u64)),
                _ => Base::Other,
            };
        }
        match primitive {
            Primitive::Bool => Base::Boolean,
            Primitive::Int32 | Primitive::Uint32 | Primitive::Date => Base::Int,
            Primitive::Int64
            | Primitive::Uint64
            | Primitive::Integer
            | Primitive::Time
            | Primitive::Timestamp
            | Primitive::LocalTimestamp => Base::Long,
            Primitive::Float => Base::Float,
            Primitive::Double | Primitive::Number => Base::Double,
            Primitive::Decimal { .. } | Primitive::Bytes => Base::Bytes,
            Primitive::String | Primitive::Uuid => Base::String,
            Primitive::Fixed { size } => Base::Fixed(Some(size)),
            Primitive::Duration => Base::Fixed(Some(12)),
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Base::Null => "null",
            Base::Boolean => "boolean",
            Base::Int => "int",
            Base::Long => "long",
            Base::Float => "float",
            Base::Double => "double",
            Base::Bytes => "bytes",
            Base::String => "string",
            Base::Fixed(_) => "fixed",
            Base::Other => "any",
        }
    }
}

pub(super) fn null_first(ty: &Type) -> bool {
    ty.extensions
        .get(EXT_NULL_FIRST)
        .and_then(Json::as_bool)
        .unwrap_or(false)
}

/// How a union branch is named in messages: `string`, `com.example.Address`, `array`.
pub(super) fn type_name(ty: &Type) -> String {
    match &ty.kind {
        TypeKind::Ref { target } => target.clone(),
        TypeKind::Primitive { primitive } => Base::of(ty, *primitive).name().to_string(),
        TypeKind::Null => "null".to_string(),
        TypeKind::Enum { .. } => "enum".to_string(),
        TypeKind::Object(_) => "record".to_string(),
        TypeKind::Array { .. } => "array".to_string(),
        TypeKind::Map { .. } => "map".to_string(),
        TypeKind::Union { .. } => "union".to_string(),
        TypeKind::Any | TypeKind::Nothing | TypeKind::AllOf { .. } => "any".to_string(),
    }
}

pub(super) fn branch_name(branch: Branch<'_>) -> String {
    match branch {
        Branch::Null => "null".to_string(),
        Branch::Of(ty) => type_name(ty),
    }
}

/// Judges default values against converted types, following references across files.
pub(super) struct DefaultChecker<'a> {
    pub(super) types: &'a HashMap<&'a str, &'a NamedType>,
    /// Checks made for the current default (see [`MAX_DEFAULT_STEPS`]).
    pub(super) steps: Cell<usize>,
    /// Accept a union default that matches any branch (Avro 1.12), not only the first (1.11).
    pub(super) any_branch: bool,
}

impl DefaultChecker<'_> {
    pub(super) fn check(&self, value: &Node, ty: &Type, depth: usize) -> Result<(), Mismatch> {
        // Values are finite and every reference hop descends into them; this only bounds the stack.
        if depth > MAX_DEFAULT_DEPTH {
            return Ok(());
        }
        if ty.nullable && !matches!(ty.kind, TypeKind::Union { .. }) {
            let branches = if null_first(ty) {
                [Branch::Null, Branch::Of(ty)]
            } else {
                [Branch::Of(ty), Branch::Null]
            };
            return self.check_union(value, &branches, depth);
        }
        self.check_plain(value, ty, depth)
    }

    /// Avro: a union's default is a value of its first branch.
    pub(super) fn check_union(&self, value: &Node, branches: &[Branch<'_>], depth: usize) -> Result<(), Mismatch> {
        let Some((first, rest)) = branches.split_first() else {
            return Err(Mismatch::here(format!(
                "{} cannot be the default of an empty union",
                render(value)
            )));
        };
        let inner = match self.check_branch(value, *first, depth) {
            Ok(()) => return Ok(()),
            Err(inner) => inner,
        };
        if self.any_branch {
            let fits_another = rest.iter().any(|b| self.check_branch(value, *b, depth).is_ok());
            return if fits_another { Ok(()) } else { Err(inner) };
        }
        let first_name = branch_name(*first);
        // A branch that only "fits" because the budget ran out does not earn the hint.
        let fits = rest
            .iter()
            .find(|b| self.check_branch(value, **b, depth).is_ok() && self.steps.get() <= MAX_DEFAULT_STEPS);
        if let Some(fits) = fits {
            return Err(Mismatch::here(format!(
                "{} does not match the union's first branch \"{first_name}\"; put \"{}\" first or change the default",
                render(value),
                branch_name(*fits)
            )));
        }
        if inner.at.is_empty() {
            Err(Mismatch::here(format!(
                "{} does not match the union's first branch \"{first_name}\": {}",
                render(value),
                inner.problem
            )))
        } else {
            Err(inner)
        }
    }

    pub(super) fn check_branch(&self, value: &Node, branch: Branch<'_>, depth: usize) -> Result<(), Mismatch> {
        match branch {
            Branch::Null if value.is_null() => Ok(()),
            Branch::Null => Err(Mismatch::here(format!("{} is not null", render(value)))),
            Branch::Of(ty) => self.check_plain(value, ty, depth + 1),
        }
    }

    pub(super) fn check_plain(&self, value: &Node, ty: &Type, depth: usize) -> Result<(), Mismatch> {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > MAX_DEFAULT_STEPS {
            return Ok(());
        }
        match &ty.kind {
            TypeKind::Any | TypeKind::Nothing | TypeKind::AllOf { .. } => Ok(()),
            TypeKind::Null => check_primitive(value, Base::Null),
            TypeKind::Primitive { primitive } => check_primitive(value, Base::of(ty, *primitive)),
            // Unresolved names were reported where they are used.
            TypeKind::Ref { target } => match self.types.get(target.as_str()) {
                Some(named) => self.check(value, &named.ty, depth + 1),
                None => Ok(()),
            },
            TypeKind::Enum { values } => match value.as_str() {
                Some(s) if values.iter().any(|v| v.name == s) => Ok(()),
                _ => {
                    let symbols: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
                    Err(Mismatch::here(format!(
                        "{} is not a symbol of the enum ({})",
                        render(value),
                        symbols.join(", ")
                    )))
                }
            },
            TypeKind::Array { items, .. } => {
                let Some(elements) = value.as_seq() else {
                    return Err(Mismatch::here(format!("{} is not an array", render(value))));
                };
                for (i, element) in elements.iter().enumerate() {
                    self.check(element, items, depth + 1)
                        .map_err(|m| m.within(&format!("[{i}]")))?;
                }
                Ok(())
            }
            TypeKind::Map { value: values, .. } => {
                let Some(entries) = value.as_map() else {
                    return Err(Mismatch::here(format!(
                        "{} is not a map (a JSON object)",
                        render(value)
                    )));
                };
                for (key, entry) in entries {
                    let segment = format!("[{}]", Json::from(key.as_str()));
                    self.check(&entry.value, values, depth + 1)
                        .map_err(|m| m.within(&segment))?;
                }
                Ok(())
            }
            TypeKind::Object(object) => {
                let Some(entries) = value.as_map() else {
                    return Err(Mismatch::here(format!(
                        "{} is not a record (a JSON object with the record's fields)",
                        render(value)
                    )));
                };
                for field in &object.fields {
                    match entries.get(&field.name) {
                        Some(entry) => self
                            .check(&entry.value, &field.ty, depth + 1)
                            .map_err(|m| m.within(&format!(".{}", field.name)))?,
                        None if field.required => {
                            return Err(Mismatch::here(format!(
                                "{} lacks field \"{}\", which has no default of its own",
                                render(value),
                                field.name
                            )));
                        }
                        None => {}
                    }
                }
                Ok(())
            }
            TypeKind::Union { variants, .. } => {
                let mut branches: Vec<Branch<'_>> = variants.iter().map(Branch::Of).collect();
                if ty.nullable {
                    if null_first(ty) {
                        branches.insert(0, Branch::Null);
                    } else {
                        branches.push(Branch::Null);
                    }
                }
                self.check_union(value, &branches, depth)
            }
        }
    }
}

pub(super) fn check_primitive(value: &Node, base: Base) -> Result<(), Mismatch> {
    let fail = |problem: String| Err(Mismatch::here(problem));
    match base {
        Base::Null if value.is_null() => Ok(()),
        Base::Null => fail(format!("{} is not null", render(value))),
        Base::Boolean if value.as_bool().is_some() => Ok(()),
        Base::Boolean => fail(format!("{} is not a boolean", render(value))),
        Base::Int => check_integer(value, "an int", 32),
        Base::Long => check_integer(value, "a long", 64),
        Base::Float | Base::Double if matches!(value.value, Value::Number(_)) => Ok(()),
        Base::Float => fail(format!("{} is not a float (a JSON number)", render(value))),
        Base::Double => fail(format!("{} is not a double (a JSON number)", render(value))),
        Base::String if value.as_str().is_some() => Ok(()),
        Base::String => fail(format!("{} is not a string", render(value))),
        Base::Bytes => check_byte_string(value, "bytes", None),
        Base::Fixed(size) => check_byte_string(value, "a fixed", size),
        Base::Other => Ok(()),
    }
}

pub(super) fn check_integer(value: &Node, what: &str, bits: u32) -> Result<(), Mismatch> {
    let Value::Number(text) = &value.value else {
        return Err(Mismatch::here(format!("{} is not {what}", render(value))));
    };
    let fits = if bits == 32 {
        text.parse::<i32>().is_ok()
    } else {
        text.parse::<i64>().is_ok()
    };
    if fits {
        return Ok(());
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        Err(Mismatch::here(format!(
            "{text} is out of range for {what} ({bits}-bit signed)"
        )))
    } else {
        Err(Mismatch::here(format!(
            "{text} is not {what}: it must be a whole number, written without a fraction or exponent"
        )))
    }
}

/// Bytes and fixed defaults are strings whose code points 0-255 are the bytes.
pub(super) fn check_byte_string(value: &Node, what: &str, size: Option<u64>) -> Result<(), Mismatch> {
    let Some(text) = value.as_str() else {
        return Err(Mismatch::here(format!(
            "{} is not {what} value; such defaults are strings whose code points 0-255 are the bytes",
            render(value)
        )));
    };
    if let Some(c) = text.chars().find(|c| u32::from(*c) > 0xFF) {
        return Err(Mismatch::here(format!(
            "{} contains U+{:04X}, which is not a byte; {what} defaults use code points 0-255 (\\u0000-\\u00ff), one per byte",
            render(value),
            u32::from(c)
        )));
    }
    let length = text.chars().count() as u64;
    if let Some(size) = size
        && length != size
    {
        return Err(Mismatch::here(format!(
            "{} is {length} bytes long, but the fixed holds exactly {size}",
            render(value)
        )));
    }
    Ok(())
}
