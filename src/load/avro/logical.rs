//! Logical types (`decimal`, `timestamp-millis`, `uuid`, ...) applied to the types they annotate,
//! and the primitive types.

use super::*;

impl Converter<'_> {
    /// Applies `logicalType` to a converted type. An invalid one is reported and ignored, as the
    /// specification says; an unknown one is ignored silently. Either way it is kept in extensions.
    #[inline(never)]
    pub(super) fn logical_type(
        &mut self,
        mut ty: Box<Type>,
        node: &Node,
        pointer: &str,
        underlying: &str,
        size: Option<u64>,
    ) -> Box<Type> {
        let Some(logical_node) = node.get("logicalType") else {
            return ty;
        };
        let p = pointer_push(pointer, "logicalType");
        let on = match size {
            Some(size) => format!("fixed({size})"),
            None => underlying.to_string(),
        };
        let Some(logical) = logical_node.as_str() else {
            self.report(
                &lint::INVALID_LOGICAL_TYPE,
                format!(
                    "logicalType must be a string; found {}; the type is read as plain {on}",
                    render(logical_node)
                ),
                self.location(&p, logical_node),
            );
            return ty;
        };
        ty.extensions.insert(EXT_LOGICAL_TYPE.into(), Json::from(logical));
        ty.extensions.insert(EXT_TYPE.into(), Json::from(underlying));
        if let Some(size) = size {
            ty.extensions.insert(EXT_SIZE.into(), Json::from(size));
        }
        let on_type = |expected: &str, article: &str, p: Primitive| {
            if underlying == expected {
                Ok(Some(p))
            } else {
                Err(format!("{logical} annotates {article} {expected}"))
            }
        };
        let result = match logical {
            "decimal" => decimal(node, underlying, size),
            "uuid" => {
                if underlying == "string" || (underlying == "fixed" && size == Some(16)) {
                    Ok(Some(Primitive::Uuid))
                } else {
                    Err("uuid annotates a string or a fixed of size 16".to_string())
                }
            }
            "date" => on_type("int", "an", Primitive::Date),
            "time-millis" => on_type("int", "an", Primitive::Time),
            "time-micros" => on_type("long", "a", Primitive::Time),
            "timestamp-millis" | "timestamp-micros" | "timestamp-nanos" => on_type("long", "a", Primitive::Timestamp),
            "local-timestamp-millis" | "local-timestamp-micros" | "local-timestamp-nanos" => {
                on_type("long", "a", Primitive::LocalTimestamp)
            }
            "duration" => {
                if underlying == "fixed" && size == Some(12) {
                    Ok(Some(Primitive::Duration))
                } else {
                    Err("duration annotates a fixed of size 12".to_string())
                }
            }
            _ => Ok(None),
        };
        match result {
            Ok(Some(primitive)) => ty.kind = TypeKind::Primitive { primitive },
            Ok(None) => {}
            Err(why) => self.report(
                &lint::INVALID_LOGICAL_TYPE,
                format!("logical type \"{logical}\" on {on} is not valid: {why}; Avro ignores it and reads plain {on}"),
                self.location(&p, logical_node),
            ),
        }
        ty
    }
}

pub(super) fn primitive_type(name: &str, location: Location) -> Option<Type> {
    let primitive = match name {
        "null" => return Some(Type::new(TypeKind::Null, location)),
        "boolean" => Primitive::Bool,
        "int" => Primitive::Int32,
        "long" => Primitive::Int64,
        "float" => Primitive::Float,
        "double" => Primitive::Double,
        "bytes" => Primitive::Bytes,
        "string" => Primitive::String,
        _ => return None,
    };
    Some(Type::primitive(primitive, location))
}

/// Checks a `decimal` logical type: bytes or fixed, `precision` > 0, 0 <= `scale` <= `precision`,
/// and a fixed big enough to hold `precision` digits.
pub(super) fn decimal(node: &Node, underlying: &str, size: Option<u64>) -> Result<Option<Primitive>, String> {
    if underlying != "bytes" && underlying != "fixed" {
        return Err("decimal annotates bytes or a fixed".to_string());
    }
    let precision = match node.get("precision") {
        None => return Err("\"precision\" is required".to_string()),
        Some(p) => match integer_text(p).and_then(|t| t.parse::<u32>().ok()).filter(|p| *p > 0) {
            Some(p) => p,
            None => return Err(format!("precision {} is not a positive integer", render(p))),
        },
    };
    let scale = match node.get("scale") {
        None => 0,
        Some(s) => match integer_text(s).and_then(|t| t.parse::<u32>().ok()) {
            Some(scale) if scale <= precision => scale,
            Some(scale) => return Err(format!("scale {scale} is greater than precision {precision}")),
            None => return Err(format!("scale {} is not a non-negative integer", render(s))),
        },
    };
    if underlying == "fixed"
        && let Some(size) = size
    {
        let max = max_decimal_digits(size);
        if u64::from(precision) > max {
            return Err(format!(
                "a fixed of size {size} holds at most {max} decimal digits, fewer than precision {precision}"
            ));
        }
    }
    Ok(Some(Primitive::Decimal { precision, scale }))
}

/// The digits a signed two's-complement number of `size` bytes always holds:
/// floor(log10(2^(8*size - 1) - 1)), computed as the Java implementation does.
pub(super) fn max_decimal_digits(size: u64) -> u64 {
    if size == 0 {
        return 0;
    }
    let bits = size as f64 * 8.0 - 1.0;
    (bits * std::f64::consts::LOG10_2).floor() as u64
}
