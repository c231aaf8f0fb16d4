//! Breaking-change concepts shared by every format: each written once, judged by variance.

use super::{Comparer, Effect, Variance};
use crate::finding::RuleMeta;
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
        "An API operation (an OpenAPI operation or webhook, an Avro protocol message) was removed.",
        "Clients calling it get 404 or 405 (or an unknown-message error). Deprecate it first and remove it after its sunset date: mapcheck reports the removal of an OpenAPI operation deprecated with an `x-sunset` date that has passed as info only.";
    CANONICAL_VERSION_EDITED = "canonical-version-edited", Error,
        "A published canonical version (`contracts/canonical/<entity>/v<N>`) changed in a breaking way.",
        "Every mapping pinned to the version promises its consumers that its meaning holds. A breaking change belongs in a new version beside it (`v2.schema.json`), which mappings move to one by one; a non-breaking edit (a description, an optional field in an open object) is fine.";
    VERSION_NOT_BUMPED = "version-not-bumped", Warning,
        "A contract makes a breaking change without raising its major version.",
        "Consumers read the version (`info.version` in OpenAPI) to know whether an upgrade is safe: `1.4.0` to `1.5.0` promises compatibility. Raise the major version with the break.";
    DEPRECATED = "deprecated", Info,
        "Something was marked deprecated (or un-deprecated).",
        "Not a break: a notice that clients should move on before it is removed.";
    READ_ONLY_CHANGED = "read-only-changed", Error,
        "A value became (or stopped being) `readOnly`.",
        "A `readOnly` property is only returned, never accepted: a property that became read-only is no longer accepted in requests, so clients that send it break. Removing `readOnly` breaks nobody.";
    WRITE_ONLY_CHANGED = "write-only-changed", Error,
        "A value became (or stopped being) `writeOnly`.",
        "A `writeOnly` property is accepted but never returned: a property that became write-only disappears from responses, so clients that read it break. Removing `writeOnly` breaks nobody.";
    PATTERN_PROPERTIES_CHANGED = "pattern-properties-changed", Error,
        "A `patternProperties` entry was added or removed.",
        "A new pattern constrains properties whose names match it (narrowing an open object, widening a closed one); a removed pattern does the reverse. Example: `patternProperties: {\"^x-\": {type: string}}` added to an open object rejects `{\"x-n\": 1}`.";
    DEPENDENT_REQUIRED_CHANGED = "dependent-required-changed", Error,
        "A `dependentRequired` dependency was added or removed.",
        "`dependentRequired: {card: [billing_address]}` makes `billing_address` required whenever `card` is present: adding it rejects values that were valid, removing it admits values consumers did not expect.";
    DEPENDENT_SCHEMAS_CHANGED = "dependent-schemas-changed", Error,
        "A `dependentSchemas` entry was added or removed.",
        "A dependent schema applies whenever its property is present: adding one narrows what is valid, removing one widens it. Entries present on both sides are compared like any schema.";
    CONDITIONAL_CHANGED = "conditional-changed", Error,
        "An `if`/`then`/`else` was added, removed or its condition changed.",
        "A conditional applies `then` to values matching `if` and `else` to the others: adding one narrows, removing one widens, and a changed `if` moves values between the branches. `then` and `else` present on both sides are compared like any schema.";
    NOT_CHANGED = "not-changed", Error,
        "A `not` was added or removed.",
        "`not` rejects what its schema accepts: adding one narrows what is valid, removing one widens it. A `not` on both sides is compared with the direction reversed (widening the excluded schema narrows the value).";
    PROPERTY_NAMES_CHANGED = "property-names-changed", Error,
        "`propertyNames` was added or removed.",
        "`propertyNames` constrains every property name of an object: adding it rejects objects with other names; removing it admits names consumers did not expect.";
    PREFIX_ITEMS_CHANGED = "prefix-items-changed", Error,
        "A tuple position (`prefixItems`, or `items` as an array in drafts before 2020-12) was added or removed.",
        "A new position constrains the item at that index; a removed one leaves it to `items`. Positions present on both sides are compared like any schema.";
    DISCRIMINATOR_CHANGED = "discriminator-changed", Error,
        "A discriminator's property or mapping changed.",
        "Clients pick the branch of a `oneOf` by the discriminator property and its mapping: a renamed property or a changed mapping value sends payloads to the wrong branch, a removed mapping value is rejected, an added one is unknown to old clients.";
    CONTAINS_CHANGED = "contains-changed", Error,
        "`contains`, `minContains` or `maxContains` was added, removed or changed.",
        "`contains` requires at least `minContains` (default 1) and at most `maxContains` items of an array to match a schema. Raising `minContains` from 1 to 2, or adding `contains`, rejects arrays that were valid; lowering or removing it admits arrays consumers did not expect.";
    COMPATIBILITY_UNDECIDED = "compatibility-undecided", Info,
        "Whether one schema accepts everything the other does could not be decided.",
        "mapcheck decides JSON Schema compatibility as inclusion of the sets of documents each side accepts. A few questions have no exact answer it can compute cheaply: whether every string one regular expression matches, another matches too; a `not` of an object schema; a `oneOf` whose branches may overlap; schemas too large for the step budget. Rather than guess, it says so here with the reason, and the keyword rules' findings (if any) stand. Review the change by hand.";
    EXTENSIBLE_ENUM_VALUE_ADDED = "extensible-enum-value-added", Info,
        "A value was added to an `x-extensible-enum`.",
        "An extensible enum tells clients to expect values they do not know yet, so a new value breaks nobody. Removing a value is reported as `enum-value-removed`.";
}

/// The rules one kind of change is reported under, by its direction: `narrows` when the change
/// rejects values that were valid, `widens` when it admits values that were not.
#[derive(Debug, Clone, Copy)]
pub struct Directed {
    pub narrows: &'static RuleMeta,
    pub widens: &'static RuleMeta,
}

impl Directed {
    pub const fn new(narrows: &'static RuleMeta, widens: &'static RuleMeta) -> Directed {
        Directed { narrows, widens }
    }

    /// One rule, whichever the direction.
    pub const fn either(rule: &'static RuleMeta) -> Directed {
        Directed {
            narrows: rule,
            widens: rule,
        }
    }

    /// The rule of a change with this effect (a change that only narrows or widens).
    pub fn of(self, effect: Effect) -> &'static RuleMeta {
        if effect == Effect::Widens {
            self.widens
        } else {
            self.narrows
        }
    }
}

/// A type that admits fewer values, or more.
pub const TYPE: Directed = Directed::new(&TYPE_NARROWED, &TYPE_WIDENED);
/// Null no longer admitted, or newly admitted.
pub const NULLABLE: Directed = Directed::new(&NULLABLE_REMOVED, &NULLABLE_ADDED);
/// An enum value gone, or new.
pub const ENUM_VALUE: Directed = Directed::new(&ENUM_VALUE_REMOVED, &ENUM_VALUE_ADDED);
/// An upper count limit (`maxLength`, `maxItems`, `maxProperties`) lowered, or raised.
pub const MAX_LENGTH: Directed = Directed::new(&MAX_LENGTH_DECREASED, &MAX_LENGTH_INCREASED);
/// A lower count limit (`minLength`, `minItems`, `minProperties`) raised, or lowered.
pub const MIN_LENGTH: Directed = Directed::new(&MIN_LENGTH_INCREASED, &MIN_LENGTH_DECREASED);
/// An upper numeric bound lowered, or raised.
pub const MAXIMUM: Directed = Directed::new(&MAXIMUM_DECREASED, &MAXIMUM_INCREASED);
/// A lower numeric bound raised, or lowered.
pub const MINIMUM: Directed = Directed::new(&MINIMUM_INCREASED, &MINIMUM_DECREASED);
/// An object closed to undeclared properties, or opened.
pub const ADDITIONAL_PROPERTIES: Directed = Directed::new(&ADDITIONAL_PROPERTIES_CLOSED, &ADDITIONAL_PROPERTIES_OPENED);
/// A field that became required, or optional.
pub const REQUIRED: Directed = Directed::new(&FIELD_BECAME_REQUIRED, &FIELD_BECAME_OPTIONAL);

/// Compares value constraints of two resolved types: each row of [`CONSTRAINTS`] that changed is
/// reported at its keyword, on each side where it is written.
pub fn compare_constraints(c: &mut Comparer<'_>, old: &Type, new: &Type, variance: Variance, path: &str) {
    let (a, b) = (old.constraints(), new.constraints());
    for row in CONSTRAINTS {
        if let Some(moved) = (row.compare)(a, b) {
            c.change(
                moved.rule,
                moved.effect,
                variance,
                path,
                format!("`{path}` {} changed from {} to {}", row.what, moved.from, moved.to),
                &old.keyword_location(row.keys),
                &new.keyword_location(row.keys),
            );
        }
    }
}

/// One value constraint: what the message calls it, the keywords it is written with, and how a
/// change of it is judged.
struct Constraint {
    what: &'static str,
    keys: &'static [&'static str],
    compare: fn(&Constraints, &Constraints) -> Option<Moved>,
}

/// How a constraint changed: the rule, how it moves the set of valid values, and the values
/// before and after as the message shows them.
struct Moved {
    rule: &'static RuleMeta,
    effect: Effect,
    from: String,
    to: String,
}

/// Every value constraint compared, in the order their changes are reported.
const CONSTRAINTS: &[Constraint] = &[
    Constraint {
        what: "maxLength",
        keys: &["maxLength"],
        compare: |a, b| count(a.max_length, b.max_length, true),
    },
    Constraint {
        what: "maxItems",
        keys: &["maxItems"],
        compare: |a, b| count(a.max_items, b.max_items, true),
    },
    Constraint {
        what: "maxProperties",
        keys: &["maxProperties"],
        compare: |a, b| count(a.max_properties, b.max_properties, true),
    },
    Constraint {
        what: "minLength",
        keys: &["minLength"],
        compare: |a, b| count(a.min_length, b.min_length, false),
    },
    Constraint {
        what: "minItems",
        keys: &["minItems"],
        compare: |a, b| count(a.min_items, b.min_items, false),
    },
    Constraint {
        what: "minProperties",
        keys: &["minProperties"],
        compare: |a, b| count(a.min_properties, b.min_properties, false),
    },
    Constraint {
        what: "maximum",
        keys: &["maximum", "exclusiveMaximum"],
        compare: |a, b| bound(upper_bound(a), upper_bound(b), true),
    },
    Constraint {
        what: "minimum",
        keys: &["minimum", "exclusiveMinimum"],
        compare: |a, b| bound(lower_bound(a), lower_bound(b), false),
    },
    Constraint {
        what: "pattern",
        keys: &["pattern"],
        compare: |a, b| text(&PATTERN_CHANGED, &a.pattern, &b.pattern),
    },
    Constraint {
        what: "format",
        keys: &["format"],
        compare: |a, b| text(&FORMAT_CHANGED, &a.format, &b.format),
    },
    Constraint {
        what: "multipleOf",
        keys: &["multipleOf"],
        compare: |a, b| {
            let effect = match (a.multiple_of, b.multiple_of) {
                (x, y) if x == y => return None,
                (None, Some(_)) => Effect::Narrows,
                (Some(_), None) => Effect::Widens,
                // A new step that divides the old one accepts every old value.
                (Some(x), Some(y)) if y != 0.0 && (x / y).fract() == 0.0 => Effect::Widens,
                (Some(x), Some(y)) if x != 0.0 && (y / x).fract() == 0.0 => Effect::Narrows,
                _ => Effect::Replaces,
            };
            Some(Moved {
                rule: &MULTIPLE_OF_CHANGED,
                effect,
                from: format!("{:?}", a.multiple_of),
                to: format!("{:?}", b.multiple_of),
            })
        },
    },
    Constraint {
        what: "uniqueItems",
        keys: &["uniqueItems"],
        compare: |a, b| {
            (a.unique_items != b.unique_items).then(|| Moved {
                rule: &UNIQUE_ITEMS_CHANGED,
                effect: if b.unique_items {
                    Effect::Narrows
                } else {
                    Effect::Widens
                },
                from: a.unique_items.to_string(),
                to: b.unique_items.to_string(),
            })
        },
    },
    Constraint {
        what: "const",
        keys: &["const"],
        compare: |a, b| {
            (a.const_value != b.const_value).then(|| Moved {
                rule: &CONST_CHANGED,
                effect: presence(a.const_value.is_some(), b.const_value.is_some()),
                from: show_json(a.const_value.as_ref()),
                to: show_json(b.const_value.as_ref()),
            })
        },
    },
    Constraint {
        what: "allowed values",
        keys: &["enum"],
        compare: |a, b| {
            if a.allowed_values == b.allowed_values {
                return None;
            }
            let old_vals = a.allowed_values.clone().unwrap_or_default();
            let new_vals = b.allowed_values.clone().unwrap_or_default();
            let removed = a.allowed_values.is_some()
                && (b.allowed_values.is_none() || old_vals.iter().any(|v| !new_vals.contains(v)));
            let added = b.allowed_values.is_none()
                || a.allowed_values.is_none()
                || new_vals.iter().any(|v| !old_vals.contains(v));
            let effect = match (a.allowed_values.is_some(), b.allowed_values.is_some(), removed, added) {
                (false, true, _, _) => Effect::Narrows,
                (true, false, _, _) => Effect::Widens,
                (_, _, true, true) => Effect::Replaces,
                (_, _, true, false) => Effect::Narrows,
                _ => Effect::Widens,
            };
            let shown =
                |v: &Option<Vec<serde_json::Value>>| show_json(v.clone().map(serde_json::Value::Array).as_ref());
            Some(Moved {
                rule: &ENUM_CONSTRAINT_CHANGED,
                effect,
                from: shown(&a.allowed_values),
                to: shown(&b.allowed_values),
            })
        },
    },
];

/// A count limit moved: an upper one (`maxLength`: lowering or adding it narrows), else a lower
/// one (`minLength`, absent is 0: raising it narrows).
fn count(x: Option<u64>, y: Option<u64>, upper: bool) -> Option<Moved> {
    let effect = if upper {
        match (x, y) {
            (Some(x), Some(y)) if y < x => Effect::Narrows,
            (Some(x), Some(y)) if y > x => Effect::Widens,
            (None, Some(_)) => Effect::Narrows,
            (Some(_), None) => Effect::Widens,
            _ => return None,
        }
    } else {
        match (x.unwrap_or(0), y.unwrap_or(0)) {
            (x, y) if y > x => Effect::Narrows,
            (x, y) if y < x => Effect::Widens,
            _ => return None,
        }
    };
    Some(Moved {
        rule: if upper { MAX_LENGTH } else { MIN_LENGTH }.of(effect),
        effect,
        from: show(x),
        to: show(y),
    })
}

/// A numeric bound moved (`maximum`/`exclusiveMaximum` when `upper`, else the minimums).
fn bound(x: Bound, y: Bound, upper: bool) -> Option<Moved> {
    let effect = bound_effect(x, y, upper)?;
    let rule = if upper { MAXIMUM } else { MINIMUM }.of(effect);
    let op = if upper { "<" } else { ">" };
    Some(Moved {
        rule,
        effect,
        from: show_bound(x, op),
        to: show_bound(y, op),
    })
}

/// A string-valued constraint (`pattern`, `format`) changed: adding one narrows, removing one
/// widens, another one replaces.
fn text(rule: &'static RuleMeta, x: &Option<String>, y: &Option<String>) -> Option<Moved> {
    (x != y).then(|| Moved {
        rule,
        effect: presence(x.is_some(), y.is_some()),
        from: show_str(x),
        to: show_str(y),
    })
}

/// How a constraint that changed moves the valid values by being there: added narrows, removed
/// widens, replaced (present on both sides) replaces.
fn presence(before: bool, after: bool) -> Effect {
    match (before, after) {
        (false, true) => Effect::Narrows,
        (true, false) => Effect::Widens,
        _ => Effect::Replaces,
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

fn flip(variance: Variance) -> Variance {
    match variance {
        Variance::Accepts => Variance::Produces,
        Variance::Produces => Variance::Accepts,
    }
}

/// The values of an `x-extensible-enum` list.
fn extensible_enum(ty: &Type) -> Option<Vec<String>> {
    let list = ty.extensions.get("x-extensible-enum")?.as_array()?;
    Some(
        list.iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect(),
    )
}

/// JSON Schema keywords besides types, fields and value constraints: readOnly/writeOnly,
/// patternProperties, dependentRequired/dependentSchemas, if/then/else, not, propertyNames,
/// prefixItems, discriminators and extensible enums.
pub fn compare_keywords(c: &mut Comparer<'_>, old: &Type, new: &Type, variance: Variance, path: &str, depth: usize) {
    use crate::model::TypeKind as K;
    let (ol, nl) = (&old.location, &new.location);
    // readOnly: only in responses. Becoming read-only drops the value from what requests may carry.
    if old.read_only != new.read_only {
        let (effect, what) = match (new.read_only, variance) {
            (true, Variance::Accepts) => (Effect::Narrows, "became readOnly: requests may no longer carry it"),
            (true, Variance::Produces) => (Effect::Neutral, "became readOnly"),
            (false, _) => (Effect::Neutral, "is no longer readOnly"),
        };
        c.change(
            &READ_ONLY_CHANGED,
            effect,
            variance,
            path,
            format!("`{path}` {what}"),
            ol,
            nl,
        );
    }
    // writeOnly: never in responses. Becoming write-only drops the value from what responses carry.
    if old.write_only != new.write_only {
        let (effect, what) = match (new.write_only, variance) {
            (true, Variance::Produces) => (Effect::Widens, "became writeOnly: responses no longer return it"),
            (true, Variance::Accepts) => (Effect::Neutral, "became writeOnly"),
            (false, _) => (Effect::Neutral, "is no longer writeOnly"),
        };
        c.change(
            &WRITE_ONLY_CHANGED,
            effect,
            variance,
            path,
            format!("`{path}` {what}"),
            ol,
            nl,
        );
    }
    // x-extensible-enum: new values are expected by design; removed ones are still removed.
    if let (Some(a), Some(b)) = (extensible_enum(old), extensible_enum(new)) {
        // The values are documentation to validation: inclusion has no say on them.
        c.pin = true;
        for v in a.iter().filter(|v| !b.contains(v)) {
            c.change(
                &ENUM_VALUE_REMOVED,
                Effect::Narrows,
                variance,
                path,
                format!("`{path}` no longer has extensible enum value `{v}`"),
                ol,
                nl,
            );
        }
        for v in b.iter().filter(|v| !a.contains(v)) {
            c.change(
                &EXTENSIBLE_ENUM_VALUE_ADDED,
                Effect::Neutral,
                variance,
                path,
                format!("`{path}` has a new extensible enum value `{v}`"),
                ol,
                nl,
            );
        }
        c.pin = false;
    }
    // not: the excluded set grows when the inner schema widens, so compare it the other way round.
    match (&old.not, &new.not) {
        (Some(a), Some(b)) => {
            let before = c.findings.len();
            c.compare(a, b, flip(variance), &format!("{path}!"), depth + 1);
            // Report them by the side of the value that breaks, not of the excluded schema.
            for f in &mut c.findings[before..] {
                if let Some(d) = f.direction {
                    f.direction = Some(if d == Variance::Accepts.as_str() {
                        Variance::Produces.as_str()
                    } else {
                        Variance::Accepts.as_str()
                    });
                }
            }
        }
        (None, Some(_)) => c.change(
            &NOT_CHANGED,
            Effect::Narrows,
            variance,
            path,
            format!("`{path}` gained a `not`"),
            ol,
            nl,
        ),
        (Some(_), None) => c.change(
            &NOT_CHANGED,
            Effect::Widens,
            variance,
            path,
            format!("`{path}` lost its `not`"),
            ol,
            nl,
        ),
        (None, None) => {}
    }
    // if/then/else.
    match (&old.conditional, &new.conditional) {
        (Some(a), Some(b)) => {
            if c.trial(&a.condition, &b.condition, variance, depth) > 0 {
                c.change(
                    &CONDITIONAL_CHANGED,
                    Effect::Replaces,
                    variance,
                    path,
                    format!("the `if` condition of `{path}` changed, moving values between `then` and `else`"),
                    &a.condition.location,
                    &b.condition.location,
                );
            }
            for (x, y, branch) in [
                (&a.then_type, &b.then_type, "then"),
                (&a.else_type, &b.else_type, "else"),
            ] {
                match (x, y) {
                    (Some(x), Some(y)) => c.compare(x, y, variance, &format!("{path}?{branch}"), depth + 1),
                    (None, Some(_)) => c.change(
                        &CONDITIONAL_CHANGED,
                        Effect::Narrows,
                        variance,
                        path,
                        format!("`{path}` gained an `{branch}` branch"),
                        ol,
                        nl,
                    ),
                    (Some(_), None) => c.change(
                        &CONDITIONAL_CHANGED,
                        Effect::Widens,
                        variance,
                        path,
                        format!("`{path}` lost its `{branch}` branch"),
                        ol,
                        nl,
                    ),
                    (None, None) => {}
                }
            }
        }
        (None, Some(_)) => c.change(
            &CONDITIONAL_CHANGED,
            Effect::Narrows,
            variance,
            path,
            format!("`{path}` gained an `if`/`then`/`else`"),
            ol,
            nl,
        ),
        (Some(_), None) => c.change(
            &CONDITIONAL_CHANGED,
            Effect::Widens,
            variance,
            path,
            format!("`{path}` lost its `if`/`then`/`else`"),
            ol,
            nl,
        ),
        (None, None) => {}
    }
    match (&old.kind, &new.kind) {
        (K::Object(a), K::Object(b)) => compare_object_keywords(c, a, b, old, new, variance, path, depth),
        (K::Array { prefix_items: a, .. }, K::Array { prefix_items: b, .. }) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                c.compare(x, y, variance, &format!("{path}[{i}]"), depth + 1);
            }
            if b.len() > a.len() {
                c.change(
                    &PREFIX_ITEMS_CHANGED,
                    Effect::Narrows,
                    variance,
                    path,
                    format!("`{path}` constrains {} more tuple position(s)", b.len() - a.len()),
                    ol,
                    nl,
                );
            } else if a.len() > b.len() {
                c.change(
                    &PREFIX_ITEMS_CHANGED,
                    Effect::Widens,
                    variance,
                    path,
                    format!(
                        "`{path}` no longer constrains tuple position(s) {}..{}",
                        b.len(),
                        a.len() - 1
                    ),
                    ol,
                    nl,
                );
            }
        }
        (K::Union { discriminator: a, .. }, K::Union { discriminator: b, .. }) => {
            compare_discriminators(c, a.as_ref(), b.as_ref(), old, new, variance, path)
        }
        _ => {}
    }
}

#[allow(clippy::too_many_arguments)]
fn compare_object_keywords(
    c: &mut Comparer<'_>,
    a: &crate::model::ObjectType,
    b: &crate::model::ObjectType,
    old: &Type,
    new: &Type,
    variance: Variance,
    path: &str,
    depth: usize,
) {
    use crate::model::Additional;
    let (ol, nl) = (&old.location, &new.location);
    // A pattern constrains matching names: more constraint on an open object, more room on a closed one.
    let open = |o: &crate::model::ObjectType| !matches!(o.additional, Additional::Forbidden);
    for (pattern, x) in &a.pattern_properties {
        match b.pattern_properties.iter().find(|(p, _)| p == pattern) {
            Some((_, y)) => c.compare(x, y, variance, &format!("{path}{{/{pattern}/}}"), depth + 1),
            None => {
                let effect = if open(b) { Effect::Widens } else { Effect::Narrows };
                c.change(
                    &PATTERN_PROPERTIES_CHANGED,
                    effect,
                    variance,
                    path,
                    format!("`{path}` no longer has pattern property `{pattern}`"),
                    &x.location,
                    nl,
                );
            }
        }
    }
    for (pattern, y) in &b.pattern_properties {
        if !a.pattern_properties.iter().any(|(p, _)| p == pattern) {
            let effect = if open(a) { Effect::Narrows } else { Effect::Widens };
            c.change(
                &PATTERN_PROPERTIES_CHANGED,
                effect,
                variance,
                path,
                format!("`{path}` has a new pattern property `{pattern}`"),
                ol,
                &y.location,
            );
        }
    }
    let keys: std::collections::BTreeSet<&String> =
        a.dependent_required.keys().chain(b.dependent_required.keys()).collect();
    for key in keys {
        let none = Vec::new();
        let x = a.dependent_required.get(key).unwrap_or(&none);
        let y = b.dependent_required.get(key).unwrap_or(&none);
        let added: Vec<&str> = y.iter().filter(|n| !x.contains(n)).map(String::as_str).collect();
        let removed: Vec<&str> = x.iter().filter(|n| !y.contains(n)).map(String::as_str).collect();
        if !added.is_empty() {
            c.change(
                &DEPENDENT_REQUIRED_CHANGED,
                Effect::Narrows,
                variance,
                path,
                format!("`{path}`: when `{key}` is present, {} must be too", added.join(", ")),
                ol,
                nl,
            );
        }
        if !removed.is_empty() {
            c.change(
                &DEPENDENT_REQUIRED_CHANGED,
                Effect::Widens,
                variance,
                path,
                format!(
                    "`{path}`: when `{key}` is present, {} no longer must be",
                    removed.join(", ")
                ),
                ol,
                nl,
            );
        }
    }
    for (key, x) in &a.dependent_schemas {
        match b.dependent_schemas.get(key) {
            Some(y) => c.compare(x, y, variance, &format!("{path}(if {key})"), depth + 1),
            None => c.change(
                &DEPENDENT_SCHEMAS_CHANGED,
                Effect::Widens,
                variance,
                path,
                format!("`{path}` no longer applies a schema when `{key}` is present"),
                &x.location,
                nl,
            ),
        }
    }
    for (key, y) in &b.dependent_schemas {
        if !a.dependent_schemas.contains_key(key) {
            c.change(
                &DEPENDENT_SCHEMAS_CHANGED,
                Effect::Narrows,
                variance,
                path,
                format!("`{path}` applies a new schema when `{key}` is present"),
                ol,
                &y.location,
            );
        }
    }
    match (&a.property_names, &b.property_names) {
        (Some(x), Some(y)) => c.compare(x, y, variance, &format!("{path}{{names}}"), depth + 1),
        (None, Some(y)) => c.change(
            &PROPERTY_NAMES_CHANGED,
            Effect::Narrows,
            variance,
            path,
            format!("`{path}` now constrains its property names"),
            ol,
            &y.location,
        ),
        (Some(x), None) => c.change(
            &PROPERTY_NAMES_CHANGED,
            Effect::Widens,
            variance,
            path,
            format!("`{path}` no longer constrains its property names"),
            &x.location,
            nl,
        ),
        (None, None) => {}
    }
}

fn compare_discriminators(
    c: &mut Comparer<'_>,
    a: Option<&crate::model::Discriminator>,
    b: Option<&crate::model::Discriminator>,
    old: &Type,
    new: &Type,
    variance: Variance,
    path: &str,
) {
    let (ol, nl) = (&old.location, &new.location);
    let (a, b) = match (a, b) {
        (Some(a), Some(b)) => (a, b),
        (None, Some(b)) => {
            let message = format!("`{path}` now picks its branch by property `{}`", b.property);
            return c.change(&DISCRIMINATOR_CHANGED, Effect::Narrows, variance, path, message, ol, nl);
        }
        (Some(a), None) => {
            let message = format!("`{path}` no longer picks its branch by property `{}`", a.property);
            return c.change(&DISCRIMINATOR_CHANGED, Effect::Widens, variance, path, message, ol, nl);
        }
        (None, None) => return,
    };
    if a.property != b.property {
        let message = format!(
            "the discriminator of `{path}` changed from `{}` to `{}`",
            a.property, b.property
        );
        return c.change(
            &DISCRIMINATOR_CHANGED,
            Effect::Replaces,
            variance,
            path,
            message,
            ol,
            nl,
        );
    }
    // Mapping targets are compared by the referenced name (`#/components/schemas/Cat` -> `Cat`),
    // so moving the schemas to another file is not a change.
    let short = |t: &str| t.rsplit('/').next().unwrap_or(t).to_string();
    for (value, target) in &a.mapping {
        match b.mapping.get(value) {
            Some(t) if short(t) != short(target) => c.change(
                &DISCRIMINATOR_CHANGED,
                Effect::Replaces,
                variance,
                path,
                format!(
                    "discriminator value `{value}` of `{path}` now selects `{}` instead of `{}`",
                    short(t),
                    short(target)
                ),
                ol,
                nl,
            ),
            Some(_) => {}
            None if !b.mapping.is_empty() => c.change(
                &DISCRIMINATOR_CHANGED,
                Effect::Narrows,
                variance,
                path,
                format!("discriminator value `{value}` of `{path}` is no longer mapped"),
                ol,
                nl,
            ),
            None => {}
        }
    }
    for value in b.mapping.keys().filter(|v| !a.mapping.contains_key(*v)) {
        if !a.mapping.is_empty() {
            c.change(
                &DISCRIMINATOR_CHANGED,
                Effect::Widens,
                variance,
                path,
                format!("`{path}` has a new discriminator value `{value}`"),
                ol,
                nl,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_constraint_row_judges_its_own_keyword() {
        let changed = |edit: fn(&mut Constraints)| -> Vec<(&'static str, &'static str, Effect, String, String)> {
            let old = Constraints::default();
            let mut new = old.clone();
            edit(&mut new);
            CONSTRAINTS
                .iter()
                .filter_map(|row| (row.compare)(&old, &new).map(|m| (row.what, m.rule.id, m.effect, m.from, m.to)))
                .collect()
        };
        let one =
            |what, rule, effect, from: &str, to: &str| vec![(what, rule, effect, from.to_string(), to.to_string())];
        assert_eq!(
            changed(|c| c.max_items = Some(3)),
            one("maxItems", "max-length-decreased", Effect::Narrows, "none", "3")
        );
        assert_eq!(
            changed(|c| c.min_properties = Some(1)),
            one("minProperties", "min-length-increased", Effect::Narrows, "none", "1")
        );
        assert_eq!(changed(|c| c.min_length = Some(0)), vec![]);
        assert_eq!(
            changed(|c| c.exclusive_minimum = Some(0.0)),
            one("minimum", "minimum-increased", Effect::Narrows, "none", ">0")
        );
        assert_eq!(
            changed(|c| c.format = Some("date".into())),
            one("format", "format-changed", Effect::Narrows, "none", "`date`")
        );
        assert_eq!(
            changed(|c| c.unique_items = true),
            one("uniqueItems", "unique-items-changed", Effect::Narrows, "false", "true")
        );
        assert_eq!(changed(|_| {}), vec![]);
    }

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
