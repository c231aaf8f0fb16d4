//! Where the versioned canonical model lives: `contracts/canonical/<entity>/v<N>.<ext>`.

/// The canonical model's directory, relative to the workspace root.
pub const CANONICAL_DIR: &str = "contracts/canonical";

/// The version a canonical file's name gives (`v2.schema.json` -> 2): a `v`, digits, then a dot.
pub fn version_of(file_name: &str) -> Option<u32> {
    let rest = file_name.strip_prefix('v')?;
    let digits = &rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())];
    if digits.is_empty() || !rest[digits.len()..].starts_with('.') {
        return None;
    }
    digits.parse().ok()
}

/// The entity and version of a file under a `canonical/` directory
/// (`contracts/canonical/customer/v2.schema.json` -> (`customer`, 2)).
pub fn entity_version(path: &str) -> Option<(&str, u32)> {
    let mut parts = path.rsplit('/');
    let name = parts.next()?;
    let entity = parts.next()?;
    if parts.next()? != "canonical" {
        return None;
    }
    Some((entity, version_of(name)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_v_digits_dot() {
        assert_eq!(version_of("v2.schema.json"), Some(2));
        assert_eq!(version_of("v10.avsc"), Some(10));
        assert_eq!(version_of("v1"), None);
        assert_eq!(version_of("v1-draft.json"), None);
        assert_eq!(version_of("vx.json"), None);
        assert_eq!(
            entity_version("contracts/canonical/customer/v2.schema.json"),
            Some(("customer", 2))
        );
        assert_eq!(entity_version("contracts/erp/customer/v2.schema.json"), None);
    }
}
