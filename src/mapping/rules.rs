//! The findings of `mapcheck map validate`.

crate::finding::rule_set! {
    MAPPING_INVALID = "mapping-invalid", Error,
        "A mapping file breaks the mapping format.",
        "A mapping file is a YAML object with `source` (contract and type), `target` (canonical entity and version) and `rules`; each rule has a `target`, what it reads (`from`) and at most one transform. docs/mappings.md describes every key; docs/schemas/mapping.schema.json lets editors check them as you type.";
    MAPPING_SOURCE_MISSING = "mapping-source-missing", Error,
        "A mapping reads a source contract, type or field that does not exist.",
        "The integration would read nothing there: the field was renamed or removed in the source contract, or the path is misspelt. Example: `from: BillingCity` after the CRM contract moved it to `BillingAddress.City`.";
    MAPPING_TARGET_MISSING = "mapping-target-missing", Error,
        "A mapping writes a canonical entity, version or field that does not exist.",
        "The pinned canonical version has no such field: records would carry a field the canonical schema rejects or ignores. Example: `target: billing_city` where canonical v1 has `billing_address.city`.";
    MAPPING_TYPE_MISMATCH = "mapping-type-mismatch", Error,
        "A source value cannot become the target's type without a cast or conversion.",
        "Copying a `number` into a `string` field, or an object into a scalar, produces records the canonical schema rejects. Add `cast`, `convert` or `enum` to say how the value changes.";
    MAPPING_LOSSY_CAST = "mapping-lossy-cast", Warning,
        "A cast or copy may lose information.",
        "`number` into `integer` drops fractions; a free string into an enum without an `enum` map fails for every value outside the enum. Confirm the loss is intended or map the values explicitly.";
    MAPPING_REQUIRED_UNFILLED = "mapping-required-unfilled", Error,
        "A required canonical field is filled by no rule and has no default.",
        "Every record the mapping produces would be invalid in the canonical model. Map a source field into it, or give the rule a `default` or `const`.";
    MAPPING_TARGET_TWICE = "mapping-target-twice", Error,
        "Two rules write the same canonical field.",
        "The second silently overwrites the first; which source wins depends on rule order. Keep one rule, or combine the sources with `concat`.";
    MAPPING_ENUM_NOT_TOTAL = "mapping-enum-not-total", Error,
        "An enum map misses a source value, or maps to a value the canonical enum lacks.",
        "A source record with an unmapped value has no canonical value; a mapping to a value the canonical enum does not have produces invalid records. Example: CRM `AccountStatus: merged` has no entry in the map.";
    MAPPING_NULLABLE_INTO_REQUIRED = "mapping-nullable-into-required", Error,
        "A source that may be null or absent fills a required canonical field without a default.",
        "Records whose source value is missing become invalid canonical records. Add a `default`, or map a source field that is always present.";
    MAPPING_SHAPE_MISMATCH = "mapping-shape-mismatch", Error,
        "An array is mapped into a scalar or object, or the reverse.",
        "Element-wise mapping needs both sides to be arrays (`from: Tags[]`, `target: tags[]`); `split` turns a string into an array.";
    MAPPING_DEPRECATED_SOURCE = "mapping-deprecated-source", Warning,
        "A mapping reads a source field that is deprecated.",
        "The source system announced that the field goes away: move the mapping to its replacement before it does.";
    MAPPING_UNKNOWN_CROSSWALK = "mapping-unknown-crosswalk", Error,
        "A crosswalk lookup names a system and entity the crosswalk store has no links for.",
        "Every id the rule looks up would be an orphan: the system or entity is misspelt, or its links were never loaded. Checked when a crosswalk store exists (`[crosswalk] db`, default .mapcheck/crosswalk.duckdb). Example: `crosswalk: {system: crm, entity: acount}` while the store links `crm/account`.";
    MAPPING_OUTDATED_CANONICAL = "mapping-outdated-canonical", Info,
        "A mapping is pinned to a canonical version older than the newest one.",
        "Not a break: a reminder that consumers of the newer canonical version do not get this source's records until the mapping moves.";
    MAPPING_BROKEN_BY_CHANGE = "mapping-broken-by-change", Error,
        "A contract change breaks a mapping line (`mapcheck map impact`).",
        "Since the git ref, a source field the rule reads, or the canonical field it writes, changed so that the rule no longer validates: the field was removed, its type changed, a value it relied on went away. The finding names the change and the rule.";
    MAPPING_AFFECTED_BY_CHANGE = "mapping-affected-by-change", Warning,
        "A contract change touches a mapping line that still validates (`mapcheck map impact`).",
        "A field the rule reads or writes changed since the git ref, but the rule still validates: review that it still means what it should (a warning when the change is breaking for the mapping's direction, info otherwise).";
    MAP_RUN_INVALID_RECORD = "map-run-invalid-record", Error,
        "A canonical record produced by `mapcheck map run` fails the canonical schema.",
        "The mapping produced a record the canonical model rejects (a required field missing, a value outside an enum, a pattern not matched). The finding counts the records per schema location and names the first source records (file:line).";
    MAP_RUN_TRANSFORM_FAILED = "map-run-transform-failed", Error,
        "A mapping rule could not be applied to a source record (`mapcheck map run`).",
        "The source value did not fit the rule: a string that is not a number for `cast: integer`, an enum value with no entry in the map, a date that is not a date. The field is left out of that record.";
    MAP_RUN_ORPHAN_ID = "map-run-orphan-id", Warning,
        "A crosswalk lookup found no canonical id for a source id (`mapcheck map run`).",
        "The source record refers to an id the crosswalk does not link (or there is no crosswalk store): the canonical id is missing from the record instead of being invented. Load the links with `mapcheck crosswalk load`.";
    MAP_RUN_MALFORMED_RECORD = "map-run-malformed-record", Error,
        "A source sample line is not a JSON object (`mapcheck map run`).",
        "The line is skipped and counted; the run goes on.";
}
