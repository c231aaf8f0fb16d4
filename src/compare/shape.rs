//! Nullability and the shape of a type: primitives, enums, arrays, maps, references, and a type
//! replaced by an unrelated one.

use super::*;

impl<'a> Comparer<'a> {
    pub(super) fn compare_nullability(
        &mut self,
        old_t: &Type,
        new_t: &Type,
        old: &Type,
        new: &Type,
        variance: Variance,
        path: &str,
    ) {
        let old_null = old.nullable || old_t.nullable;
        let new_null = new.nullable || new_t.nullable;
        if old_null && !new_null {
            self.change(
                &concepts::NULLABLE_REMOVED,
                Effect::Narrows,
                variance,
                path,
                format!("`{path}` no longer allows null"),
                &old.location,
                &new.location,
            );
        } else if !old_null && new_null {
            self.change(
                &concepts::NULLABLE_ADDED,
                Effect::Widens,
                variance,
                path,
                format!("`{path}` now allows null"),
                &old.location,
                &new.location,
            );
        }
    }

    pub(super) fn compare_shape<'t>(
        &mut self,
        old: &'t Type,
        new: &'t Type,
        variance: Variance,
        path: &str,
        depth: usize,
    ) {
        use TypeKind as K;
        match (&old.kind, &new.kind) {
            (K::Any, K::Any) | (K::Null, K::Null) | (K::Nothing, K::Nothing) => {}
            (K::Any, _) => self.change(
                &concepts::TYPE_NARROWED,
                Effect::Narrows,
                variance,
                path,
                format!("`{path}` changed from any value to {}", new.summary()),
                &old.location,
                &new.location,
            ),
            (_, K::Any) => self.change(
                &concepts::TYPE_WIDENED,
                Effect::Widens,
                variance,
                path,
                format!("`{path}` changed from {} to any value", old.summary()),
                &old.location,
                &new.location,
            ),
            (K::Primitive { primitive: a }, K::Primitive { primitive: b }) => {
                if a != b {
                    let effect = primitive_effect(*a, *b);
                    let rule = match effect {
                        Effect::Narrows | Effect::Widens => concepts::TYPE.of(effect),
                        _ => &concepts::TYPE_CHANGED,
                    };
                    self.change(
                        rule,
                        effect,
                        variance,
                        path,
                        format!("`{path}` changed type from {a} to {b}"),
                        &old.location,
                        &new.location,
                    );
                }
            }
            (K::Enum { values: a }, K::Enum { values: b }) => {
                for v in a.iter().filter(|v| !b.iter().any(|w| w.name == v.name)) {
                    self.change(
                        &concepts::ENUM_VALUE_REMOVED,
                        Effect::Narrows,
                        variance,
                        path,
                        format!("`{path}` no longer has enum value `{}`", v.name),
                        &v.location,
                        &new.keyword_location(&["enum"]),
                    );
                }
                for v in b.iter().filter(|v| !a.iter().any(|w| w.name == v.name)) {
                    self.change(
                        &concepts::ENUM_VALUE_ADDED,
                        Effect::Widens,
                        variance,
                        path,
                        format!("`{path}` has a new enum value `{}`", v.name),
                        &old.keyword_location(&["enum"]),
                        &v.location,
                    );
                }
            }
            (
                K::Enum { values },
                K::Primitive {
                    primitive: Primitive::String,
                },
            ) => {
                let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
                self.change(
                    &concepts::TYPE_WIDENED,
                    Effect::Widens,
                    variance,
                    path,
                    format!("`{path}` is no longer limited to {}", names.join(", ")),
                    &old.location,
                    &new.location,
                );
            }
            (
                K::Primitive {
                    primitive: Primitive::String,
                },
                K::Enum { values },
            ) => {
                let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
                self.change(
                    &concepts::TYPE_NARROWED,
                    Effect::Narrows,
                    variance,
                    path,
                    format!("`{path}` is now limited to {}", names.join(", ")),
                    &old.location,
                    &new.location,
                );
            }
            (K::Object(a), K::Object(b)) => self.compare_objects(a, b, old, new, variance, path, depth),
            (K::Array { items: a, .. }, K::Array { items: b, .. }) => {
                self.compare(a, b, variance, &format!("{path}[]"), depth + 1)
            }
            (K::Map { key: ka, value: a }, K::Map { key: kb, value: b }) => {
                // Keys carry `propertyNames` (JSON Schema) or the key type (Avro, Protobuf).
                self.compare(ka, kb, variance, &format!("{path}{{key}}"), depth + 1);
                self.compare(a, b, variance, &format!("{path}{{}}"), depth + 1)
            }
            (K::Union { variants: a, .. }, K::Union { variants: b, .. }) => {
                self.compare_unions(a, b, old, new, variance, path, depth)
            }
            (_, K::Union { variants, .. }) if variants.iter().any(|v| self.same_shape(old, v)) => {
                self.change(
                    &concepts::UNION_VARIANT_ADDED,
                    Effect::Widens,
                    variance,
                    path,
                    format!("`{path}` became a union of {}", new.summary()),
                    &old.location,
                    &new.location,
                );
            }
            (K::Union { variants, .. }, _) if variants.iter().any(|v| self.same_shape(v, new)) => {
                self.change(
                    &concepts::UNION_VARIANT_REMOVED,
                    Effect::Narrows,
                    variance,
                    path,
                    format!(
                        "`{path}` is no longer a union ({} became {})",
                        old.summary(),
                        new.summary()
                    ),
                    &old.location,
                    &new.location,
                );
            }
            (K::AllOf { .. }, _) | (_, K::AllOf { .. }) => {
                // allOf is compared by meaning: the object members merge into one object on each
                // side; the other members (unions, primitives) pair by shape and compare one by one.
                match (self.split_all_of(old, false), self.split_all_of(new, true)) {
                    (Some((a, rest_a)), Some((b, rest_b))) => {
                        match (a, b) {
                            (Some(a), Some(b)) => self.compare_shape(&a, &b, variance, path, depth + 1),
                            (None, None) => {}
                            (Some(a), None) => self.all_of_member(&a, old, new, false, variance, path),
                            (None, Some(b)) => self.all_of_member(&b, old, new, true, variance, path),
                        }
                        self.compare_all_of_rest(&rest_a, &rest_b, old, new, variance, path, depth);
                    }
                    // Too deep to split (an allOf that refers to itself): a change only if the
                    // two sides differ.
                    _ if self.checker.identical(old, new) => {}
                    _ => self.type_changed(old, new, variance, path),
                }
            }
            (K::Ref { target: a }, K::Ref { target: b }) => {
                // Unresolvable on at least one side: compare by name.
                if a != b {
                    self.change(
                        &concepts::TYPE_CHANGED,
                        Effect::Replaces,
                        variance,
                        path,
                        format!("`{path}` changed from {a} to {b}"),
                        &old.location,
                        &new.location,
                    );
                }
            }
            _ => self.type_changed(old, new, variance, path),
        }
    }

    /// An unrelated type took the old one's place.
    pub(super) fn type_changed(&mut self, old: &Type, new: &Type, variance: Variance, path: &str) {
        let message = format!("`{path}` changed from {} to {}", old.summary(), new.summary());
        self.change(
            &concepts::TYPE_CHANGED,
            Effect::Replaces,
            variance,
            path,
            message,
            &old.location,
            &new.location,
        );
    }

    pub(super) fn same_shape(&self, a: &Type, b: &Type) -> bool {
        let (a, _) = self.resolve(a, false);
        let (b, _) = self.resolve(b, true);
        std::mem::discriminant(&a.kind) == std::mem::discriminant(&b.kind)
            && match (&a.kind, &b.kind) {
                (TypeKind::Primitive { primitive: x }, TypeKind::Primitive { primitive: y }) => x == y,
                _ => true,
            }
    }
}
