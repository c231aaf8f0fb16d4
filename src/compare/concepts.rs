//! Breaking-change concepts shared by every format: each written once, judged by variance.

use super::{Comparer, Effect, Variance};
use crate::model::{Constraints, Type};

crate::finding::rule_set! {
    TYPE_CHANGED = "type-changed", Error,
        "A value's type changed to an unrelated one.",
        "Old values of the old type are not valid under the new one, and new values are not valid under the old one: both readers and writers break. Example: `id: string` became `id: integer`.";
    TYPE_NARROWED = "type-narrowed", Error,
        "A value's type now admits fewer values.",
        "For example `number` became `integer`, `int64` became `int32`, or a free string became a date. Whoever sends old values to the new schema breaks.";
    TYPE_WIDENED = "type-widened", Error,
        "A value's type now admits more values.",
        "For example `integer` became `number` or `int32` became `int64`. Whoever reads new values with the old schema breaks.";
    NULLABLE_REMOVED = "nullable-removed", Error,
        "A value no longer admits null.",
        "Senders that pass null (or readers of old data containing null) break. Example: `type: [string, \"null\"]` became `type: string`.";
    NULLABLE_ADDED = "nullable-added", Error,
        "A value now admits null.",
        "Consumers written against the old schema never expected null and may crash on it.";
    ENUM_VALUE_REMOVED = "enum-value-removed", Error,
        "An enum value was removed.",
        "Old values may carry it, so whoever accepts old values breaks. Example: status `[active, merged]` became `[active]`.";
    ENUM_VALUE_ADDED = "enum-value-added", Error,
        "An enum value was added.",
        "Consumers with an exhaustive switch over the old values meet a value they do not know.";
    FIELD_REMOVED = "field-removed", Error,
        "A required field, or a field of a closed object, was removed.",
        "Consumers relying on a required field no longer get it; in a closed object (`additionalProperties: false`) senders of the old field are now rejected.";
    OPTIONAL_FIELD_REMOVED = "optional-field-removed", Warning,
        "An optional field was removed from an open object.",
        "The field is no longer described, so producers may send anything under its name; consumers that read it lose it.";
    FIELD_ADDED = "field-added", Error,
        "A field was added.",
        "A new required field breaks everyone who sends values without it; a new field in a closed object breaks consumers that reject unknown fields.";
    FIELD_BECAME_REQUIRED = "field-became-required", Error,
        "An optional field became required.",
        "Old values that omit it are no longer valid: senders of old values break.";
    FIELD_BECAME_OPTIONAL = "field-became-optional", Error,
        "A required field became optional.",
        "Consumers that relied on the field being present may now miss it.";
    ADDITIONAL_PROPERTIES_CLOSED = "additional-properties-closed", Error,
        "An object no longer allows undeclared properties.",
        "Values carrying extra properties, valid before, are now rejected.";
    ADDITIONAL_PROPERTIES_OPENED = "additional-properties-opened", Error,
        "An object now allows undeclared properties.",
        "Consumers that reject unknown properties may meet them now.";
    UNION_VARIANT_REMOVED = "union-variant-removed", Error,
        "A union (oneOf/anyOf, Avro union, type list) lost a branch.",
        "Values of the removed branch, valid before, are rejected now.";
    UNION_VARIANT_ADDED = "union-variant-added", Error,
        "A union gained a branch.",
        "Consumers handle only the old branches and meet values of the new one.";
    MAX_LENGTH_DECREASED = "max-length-decreased", Error,
        "A maximum length (or item or property count) was lowered or added.",
        "Longer values, valid before, are rejected now. Example: `maxLength: 255` became `maxLength: 100`.";
    MAX_LENGTH_INCREASED = "max-length-increased", Error,
        "A maximum length (or item or property count) was raised or removed.",
        "Consumers sized for the old maximum (database columns, buffers) may receive longer values.";
    MIN_LENGTH_INCREASED = "min-length-increased", Error,
        "A minimum length (or item or property count) was raised or added.",
        "Shorter values, valid before, are rejected now.";
    MIN_LENGTH_DECREASED = "min-length-decreased", Error,
        "A minimum length (or item or property count) was lowered or removed.",
        "Consumers that relied on the minimum may receive shorter (or empty) values.";
    MAXIMUM_DECREASED = "maximum-decreased", Error,
        "A numeric maximum was lowered, added or made exclusive.",
        "Larger numbers, valid before, are rejected now.";
    MAXIMUM_INCREASED = "maximum-increased", Error,
        "A numeric maximum was raised or removed.",
        "Consumers that relied on the bound may receive larger numbers.";
    MINIMUM_INCREASED = "minimum-increased", Error,
        "A numeric minimum was raised, added or made exclusive.",
        "Smaller numbers, valid before, are rejected now.";
    MINIMUM_DECREASED = "minimum-decreased", Error,
        "A numeric minimum was lowered or removed.",
        "Consumers that relied on the bound may receive smaller (for example negative) numbers.";
    PATTERN_CHANGED = "pattern-changed", Error,
        "A pattern was added, removed or changed.",
        "An added or changed pattern rejects values that were valid; a removed one lets through values consumers may not expect.";
    FORMAT_CHANGED = "format-changed", Error,
        "A `format` was added, removed or changed.",
        "Formats (date-time, email, uuid) are how generated code picks types; changing one changes what values mean and which are valid.";
    MULTIPLE_OF_CHANGED = "multiple-of-changed", Error,
        "`multipleOf` was added, removed or changed.",
        "Values that were multiples of the old step may not be multiples of the new one.";
    UNIQUE_ITEMS_CHANGED = "unique-items-changed", Error,
        "`uniqueItems` was added or removed.",
        "Adding it rejects arrays with duplicates; removing it lets duplicates reach consumers that assumed none.";
    CONST_CHANGED = "const-changed", Error,
        "A `const` was added, removed or changed.",
        "A constant is the only valid value: changing it invalidates every old value.";
    ENUM_CONSTRAINT_CHANGED = "enum-constraint-changed", Error,
        "The allowed values of a non-string enum changed.",
        "Removed values break whoever sends them; added values reach consumers that do not know them.";
    DEFAULT_CHANGED = "default-changed", Warning,
        "A default value changed.",
        "Readers fill absent values with the default: the same old record now means something else.";
    CONTRACT_REMOVED = "contract-removed", Error,
        "A whole contract disappeared.",
        "Everything it described is gone: every consumer and producer of it breaks.";
    CONTRACT_ADDED = "contract-added", Info,
        "A contract was added.",
        "Nothing existing breaks: the new contract is reported so a reviewer sees it (for example a new `.proto` file or a new schema under a directory that `diff --against` compares).";
    TYPE_REMOVED = "type-removed", Error,
        "A named type (record, message, enum) was removed.",
        "Code generated from the old contract, and data written with the type, no longer have a definition.";
    OPERATION_REMOVED = "operation-removed", Error,
        "An API operation (or webhook) was removed.",
        "Clients calling it get 404 or 405. Deprecate it first and remove it after its sunset date.";
    PARAMETER_REMOVED = "parameter-removed", Error,
        "An operation parameter was removed.",
        "Clients still send it; the server now rejects or silently ignores it.";
    MEDIA_TYPE_REMOVED = "media-type-removed", Error,
        "A request or response media type was removed.",
        "Clients sending (or expecting) that content type break.";
    RESPONSE_REMOVED = "response-removed", Error,
        "A documented response status was removed.",
        "Removing a success status breaks clients that handle it; removing an error status is only informative.";
    OPERATION_ID_CHANGED = "operation-id-changed", Warning,
        "An operationId changed.",
        "SDK generators name methods after operationIds: callers of the old method name break at compile time.";
    DEPRECATED = "deprecated", Info,
        "Something was marked deprecated (or un-deprecated).",
        "Not a break: a notice that clients should move on before it is removed.";
}

/// Compares value constraints of two resolved types.
pub fn compare_constraints(c: &mut Comparer<'_>, old: &Type, new: &Type, variance: Variance, path: &str) {
    let (a, b) = (old.constraints(), new.constraints());
    let (ol, nl) = (&old.location, &new.location);
    // Upper bounds: lowering (or adding) narrows.
    let upper = |x: Option<u64>, y: Option<u64>| -> Option<Effect> {
        match (x, y) {
            (Some(x), Some(y)) if y < x => Some(Effect::Narrows),
            (Some(x), Some(y)) if y > x => Some(Effect::Widens),
            (None, Some(_)) => Some(Effect::Narrows),
            (Some(_), None) => Some(Effect::Widens),
            _ => None,
        }
    };
    let lower = |x: Option<u64>, y: Option<u64>| -> Option<Effect> {
        match (x.unwrap_or(0), y.unwrap_or(0)) {
            (x, y) if y > x => Some(Effect::Narrows),
            (x, y) if y < x => Some(Effect::Widens),
            _ => None,
        }
    };
    for (what, x, y) in [
        ("maxLength", a.max_length, b.max_length),
        ("maxItems", a.max_items, b.max_items),
        ("maxProperties", a.max_properties, b.max_properties),
    ] {
        if let Some(e) = upper(x, y) {
            let rule = if e == Effect::Narrows {
                &MAX_LENGTH_DECREASED
            } else {
                &MAX_LENGTH_INCREASED
            };
            c.change(
                rule,
                e,
                variance,
                path,
                format!("`{path}` {what} changed from {} to {}", show(x), show(y)),
                ol,
                nl,
            );
        }
    }
    for (what, x, y) in [
        ("minLength", a.min_length, b.min_length),
        ("minItems", a.min_items, b.min_items),
        ("minProperties", a.min_properties, b.min_properties),
    ] {
        if let Some(e) = lower(x, y) {
            let rule = if e == Effect::Narrows {
                &MIN_LENGTH_INCREASED
            } else {
                &MIN_LENGTH_DECREASED
            };
            c.change(
                rule,
                e,
                variance,
                path,
                format!("`{path}` {what} changed from {} to {}", show(x), show(y)),
                ol,
                nl,
            );
        }
    }
    if let Some(e) = bound_effect(upper_bound(a), upper_bound(b), true) {
        let rule = if e == Effect::Narrows {
            &MAXIMUM_DECREASED
        } else {
            &MAXIMUM_INCREASED
        };
        c.change(
            rule,
            e,
            variance,
            path,
            format!(
                "`{path}` maximum changed from {} to {}",
                show_bound(upper_bound(a), "<"),
                show_bound(upper_bound(b), "<")
            ),
            ol,
            nl,
        );
    }
    if let Some(e) = bound_effect(lower_bound(a), lower_bound(b), false) {
        let rule = if e == Effect::Narrows {
            &MINIMUM_INCREASED
        } else {
            &MINIMUM_DECREASED
        };
        c.change(
            rule,
            e,
            variance,
            path,
            format!(
                "`{path}` minimum changed from {} to {}",
                show_bound(lower_bound(a), ">"),
                show_bound(lower_bound(b), ">")
            ),
            ol,
            nl,
        );
    }
    if a.pattern != b.pattern {
        let effect = match (&a.pattern, &b.pattern) {
            (None, Some(_)) => Effect::Narrows,
            (Some(_), None) => Effect::Widens,
            _ => Effect::Replaces,
        };
        c.change(
            &PATTERN_CHANGED,
            effect,
            variance,
            path,
            format!(
                "`{path}` pattern changed from {} to {}",
                show_str(&a.pattern),
                show_str(&b.pattern)
            ),
            ol,
            nl,
        );
    }
    if a.format != b.format {
        let effect = match (&a.format, &b.format) {
            (None, Some(_)) => Effect::Narrows,
            (Some(_), None) => Effect::Widens,
            _ => Effect::Replaces,
        };
        c.change(
            &FORMAT_CHANGED,
            effect,
            variance,
            path,
            format!(
                "`{path}` format changed from {} to {}",
                show_str(&a.format),
                show_str(&b.format)
            ),
            ol,
            nl,
        );
    }
    if a.multiple_of != b.multiple_of {
        let effect = match (a.multiple_of, b.multiple_of) {
            (None, Some(_)) => Effect::Narrows,
            (Some(_), None) => Effect::Widens,
            // A new step that divides the old one accepts every old value.
            (Some(x), Some(y)) if y != 0.0 && (x / y).fract() == 0.0 => Effect::Widens,
            (Some(x), Some(y)) if x != 0.0 && (y / x).fract() == 0.0 => Effect::Narrows,
            _ => Effect::Replaces,
        };
        c.change(
            &MULTIPLE_OF_CHANGED,
            effect,
            variance,
            path,
            format!(
                "`{path}` multipleOf changed from {:?} to {:?}",
                a.multiple_of, b.multiple_of
            ),
            ol,
            nl,
        );
    }
    if a.unique_items != b.unique_items {
        let effect = if b.unique_items {
            Effect::Narrows
        } else {
            Effect::Widens
        };
        c.change(
            &UNIQUE_ITEMS_CHANGED,
            effect,
            variance,
            path,
            format!(
                "`{path}` uniqueItems changed from {} to {}",
                a.unique_items, b.unique_items
            ),
            ol,
            nl,
        );
    }
    if a.const_value != b.const_value {
        let effect = match (&a.const_value, &b.const_value) {
            (None, Some(_)) => Effect::Narrows,
            (Some(_), None) => Effect::Widens,
            _ => Effect::Replaces,
        };
        c.change(
            &CONST_CHANGED,
            effect,
            variance,
            path,
            format!(
                "`{path}` const changed from {} to {}",
                show_json(a.const_value.as_ref()),
                show_json(b.const_value.as_ref())
            ),
            ol,
            nl,
        );
    }
    if a.allowed_values != b.allowed_values {
        let old_vals = a.allowed_values.clone().unwrap_or_default();
        let new_vals = b.allowed_values.clone().unwrap_or_default();
        let removed = a.allowed_values.is_some()
            && (b.allowed_values.is_none() || old_vals.iter().any(|v| !new_vals.contains(v)));
        let added =
            b.allowed_values.is_none() || a.allowed_values.is_none() || new_vals.iter().any(|v| !old_vals.contains(v));
        let effect = match (a.allowed_values.is_some(), b.allowed_values.is_some(), removed, added) {
            (false, true, _, _) => Effect::Narrows,
            (true, false, _, _) => Effect::Widens,
            (_, _, true, true) => Effect::Replaces,
            (_, _, true, false) => Effect::Narrows,
            _ => Effect::Widens,
        };
        c.change(
            &ENUM_CONSTRAINT_CHANGED,
            effect,
            variance,
            path,
            format!(
                "`{path}` allowed values changed from {} to {}",
                show_json(a.allowed_values.clone().map(serde_json::Value::Array).as_ref()),
                show_json(b.allowed_values.clone().map(serde_json::Value::Array).as_ref())
            ),
            ol,
            nl,
        );
    }
}

/// Compares what does not change validity: defaults and deprecation.
pub fn compare_annotations(c: &mut Comparer<'_>, old: &Type, new: &Type, variance: Variance, path: &str) {
    if old.default != new.default && old.default.is_some() && new.default.is_some() {
        c.change(
            &DEFAULT_CHANGED,
            Effect::Replaces,
            variance,
            path,
            format!(
                "`{path}` default changed from {} to {}",
                show_json(old.default.as_deref()),
                show_json(new.default.as_deref())
            ),
            &old.location,
            &new.location,
        );
    }
    if old.deprecated != new.deprecated {
        let what = if new.deprecated {
            "was deprecated"
        } else {
            "is no longer deprecated"
        };
        c.change(
            &DEPRECATED,
            Effect::Neutral,
            variance,
            path,
            format!("`{path}` {what}"),
            &old.location,
            &new.location,
        );
    }
}

/// An inclusive-or-exclusive bound: (value, exclusive).
type Bound = Option<(f64, bool)>;

fn upper_bound(c: &Constraints) -> Bound {
    tighter(
        c.maximum.map(|v| (v, false)),
        c.exclusive_maximum.map(|v| (v, true)),
        true,
    )
}

fn lower_bound(c: &Constraints) -> Bound {
    tighter(
        c.minimum.map(|v| (v, false)),
        c.exclusive_minimum.map(|v| (v, true)),
        false,
    )
}

/// The tighter of an inclusive and an exclusive bound.
fn tighter(a: Bound, b: Bound, upper: bool) -> Bound {
    match (a, b) {
        (Some(x), Some(y)) => {
            let x_tighter = if upper { x.0 < y.0 } else { x.0 > y.0 };
            if x_tighter { Some(x) } else { Some(y) }
        }
        (x, None) => x,
        (None, y) => y,
    }
}

/// How moving a bound from `old` to `new` changes the admitted range.
fn bound_effect(old: Bound, new: Bound, upper: bool) -> Option<Effect> {
    match (old, new) {
        (None, None) => None,
        (None, Some(_)) => Some(Effect::Narrows),
        (Some(_), None) => Some(Effect::Widens),
        (Some((x, xe)), Some((y, ye))) => {
            if x == y && xe == ye {
                None
            } else if x == y {
                Some(if ye { Effect::Narrows } else { Effect::Widens })
            } else if (y < x) == upper {
                Some(Effect::Narrows)
            } else {
                Some(Effect::Widens)
            }
        }
    }
}

fn show(v: Option<u64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "none".into())
}

fn show_bound(b: Bound, op: &str) -> String {
    match b {
        None => "none".into(),
        Some((v, true)) => format!("{op}{v}"),
        Some((v, false)) => format!("{op}={v}"),
    }
}

fn show_str(s: &Option<String>) -> String {
    s.as_ref().map(|s| format!("`{s}`")).unwrap_or_else(|| "none".into())
}

fn show_json(v: Option<&serde_json::Value>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "none".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_judge_direction_and_exclusivity() {
        assert_eq!(
            bound_effect(Some((10.0, false)), Some((5.0, false)), true),
            Some(Effect::Narrows)
        );
        assert_eq!(
            bound_effect(Some((10.0, false)), Some((10.0, true)), true),
            Some(Effect::Narrows)
        );
        assert_eq!(
            bound_effect(Some((0.0, false)), Some((-1.0, false)), false),
            Some(Effect::Widens)
        );
        assert_eq!(bound_effect(None, Some((1.0, false)), false), Some(Effect::Narrows));
        assert_eq!(bound_effect(Some((1.0, true)), None, false), Some(Effect::Widens));
        assert_eq!(bound_effect(Some((1.0, true)), Some((1.0, true)), false), None);
    }

    #[test]
    fn effects_break_the_protected_side() {
        assert!(Effect::Narrows.breaks(Variance::Accepts));
        assert!(!Effect::Narrows.breaks(Variance::Produces));
        assert!(Effect::Widens.breaks(Variance::Produces));
        assert!(!Effect::Widens.breaks(Variance::Accepts));
        assert!(Effect::Replaces.breaks(Variance::Accepts) && Effect::Replaces.breaks(Variance::Produces));
        assert!(!Effect::Neutral.breaks(Variance::Accepts));
    }
}
