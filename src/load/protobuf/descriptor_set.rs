//! Binary FileDescriptorSets (`.pb`, `.binpb`, `.desc`, `.protoset`) read into contracts.

use super::*;

/// Reads a binary `FileDescriptorSet` (`protoc --descriptor_set_out`, `buf build -o`): one contract per
/// file in the set. Well-known `google/protobuf` files pulled in by `--include_imports` are not
/// contracts of their own, and may also be left out of the set.
pub fn load_descriptor_set(display: &str, bytes: &[u8]) -> Result<(Vec<Contract>, Vec<Finding>), Box<Finding>> {
    let invalid = |message: String| {
        Box::new(Finding::new(
            &lint::PARSE_ERROR,
            message,
            Location::new(display, "", Pos::default()),
        ))
    };
    let set = prost_types::FileDescriptorSet::decode(bytes)
        .map_err(|e| invalid(format!("not a valid FileDescriptorSet: {e}")))?;
    // prost-reflect 0.16 panics on a syntax it does not know, so those never reach it.
    for file in &set.file {
        match file.syntax.as_deref() {
            None | Some("proto2" | "proto3") => {}
            Some("editions") => {
                return Err(invalid(format!(
                    "'{}' uses Protobuf Editions, which cannot be read yet; only proto2 and proto3 are supported",
                    file.name()
                )));
            }
            Some(other) => {
                return Err(invalid(format!(
                    "not a valid FileDescriptorSet: '{}' has unknown syntax '{other}'",
                    file.name()
                )));
            }
        }
    }

    let mut pool = DescriptorPool::new();
    let missing = missing_well_known(&set);
    if !missing.is_empty() {
        pool.add_file_descriptor_protos(missing)
            .map_err(|e| invalid(format!("not a valid FileDescriptorSet: {e}")))?;
    }
    pool.decode_file_descriptor_set(bytes)
        .map_err(|e| invalid(format!("not a valid FileDescriptorSet: {e}")))?;

    let mut contracts = Vec::with_capacity(set.file.len());
    for file in &set.file {
        let name = file.name();
        if WELL_KNOWN_FILES.contains(&name) {
            continue;
        }
        if let Some(file) = pool.get_file_by_name(name) {
            let declarations = file
                .file_descriptor_proto()
                .source_code_info
                .as_ref()
                .map(declarations_only)
                .unwrap_or_default();
            contracts.push(build_contract(&file, display, declarations, false));
        }
    }
    Ok((contracts, Vec::new()))
}

/// The well-known files the set imports without containing them, with their own imports.
pub(super) fn missing_well_known(set: &prost_types::FileDescriptorSet) -> Vec<FileDescriptorProto> {
    let present: HashSet<&str> = set.file.iter().map(|f| f.name()).collect();
    let global = DescriptorPool::global();
    let mut wanted: Vec<String> = set
        .file
        .iter()
        .flat_map(|f| &f.dependency)
        .filter(|d| !present.contains(d.as_str()) && WELL_KNOWN_FILES.contains(&d.as_str()))
        .cloned()
        .collect();
    let mut added = HashSet::new();
    let mut out = Vec::new();
    while let Some(name) = wanted.pop() {
        if present.contains(name.as_str()) || !added.insert(name.clone()) {
            continue;
        }
        if let Some(file) = global.get_file_by_name(&name) {
            wanted.extend(file.file_descriptor_proto().dependency.iter().cloned());
            out.push(file.file_descriptor_proto().clone());
        }
    }
    out
}
