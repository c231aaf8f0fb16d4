//! Lint rules: problems inside one contract, found while loading it.

use crate::finding::RuleMeta;

crate::finding::rule_set! {
    PARSE_ERROR = "parse-error", Error,
        "The file is not valid JSON, YAML, Protobuf or Avro syntax.",
        "A file that cannot be parsed cannot be checked at all. The message names the line and column where the parser gave up and what it expected there.";
    UNRESOLVED_REF = "unresolved-ref", Error,
        "A reference points at something that does not exist.",
        "A `$ref` (or an Avro type name) that resolves to nothing makes the contract ambiguous: tools disagree on what it means, and code generators fail. Fix the pointer or define the missing type.";
    REMOTE_REF = "remote-ref", Error,
        "A reference points at a network location.",
        "mapcheck never touches the network, so checks stay reproducible. Vendor the remote document into the repository and reference it by relative path.";
    REF_OUTSIDE_ROOT = "ref-outside-root", Error,
        "A reference leaves the workspace root.",
        "Contracts must be checkable from the repository alone. A `$ref` that climbs out of the workspace (`../../elsewhere.yaml`) is refused; move the shared document into the workspace.";
    INVALID_SCHEMA = "invalid-schema", Error,
        "A schema keyword has a value of the wrong kind.",
        "For example `minimum: \"5\"` or `type: strng`. Validators either reject such schemas or silently ignore the keyword, so the contract does not say what its author meant.";
    META_SCHEMA = "meta-schema", Error,
        "A JSON Schema document does not validate against its draft's meta-schema.",
        "The `$schema` keyword (or the default, 2020-12) names a draft; the document must be a valid schema of that draft. The message quotes the validator's complaint and the location in the document.";
    UNKNOWN_DRAFT = "unknown-draft", Warning,
        "`$schema` names a JSON Schema draft mapcheck does not know.",
        "mapcheck understands drafts 4, 6, 7, 2019-09 and 2020-12. Other `$schema` values are read as 2020-12, which may not be what the author meant.";
    INVALID_OPENAPI = "invalid-openapi", Error,
        "The OpenAPI document breaks the structure the specification requires.",
        "For example a missing `info`, a path that does not start with `/`, or a response without a status code. mapcheck loads what it can and reports the rest.";
    DUPLICATE_OPERATION_ID = "duplicate-operation-id", Error,
        "Two operations share one operationId.",
        "operationId must be unique in an OpenAPI document: SDK generators name methods after it, so duplicates produce clashing or silently renamed methods.";
    UNDECLARED_PATH_PARAMETER = "undeclared-path-parameter", Error,
        "A `{template}` in a path has no matching `in: path` parameter.",
        "Every template variable in a path must be declared as a required path parameter, or clients cannot build the URL. Example: `/accounts/{accountId}` needs `- name: accountId, in: path, required: true`.";
    UNUSED_PATH_PARAMETER = "unused-path-parameter", Error,
        "An `in: path` parameter does not appear in the path template.",
        "A path parameter that is not in the template can never be sent; it usually means the parameter or the path was renamed and the other was not.";
    AMBIGUOUS_PATH = "ambiguous-path", Warning,
        "Two paths differ only in the names of their template variables.",
        "`/v1/{name}` and `/v1/{parent}` match the same requests: OpenAPI forbids such paths, and which operation a server routes a request to is undefined. `diff` still pairs each path with its exact twin on the other side, so the warning never makes it compare the wrong operations. Merge the paths, or make their fixed text differ.";
    INVALID_AVRO = "invalid-avro", Error,
        "An Avro schema breaks the specification.",
        "For example a record without `name`, a field without `type`, an invalid name, duplicate enum symbols or a `fixed` without `size`. Avro libraries refuse such schemas.";
    INVALID_AVRO_DEFAULT = "invalid-avro-default", Error,
        "An Avro default value does not match its field's type.",
        "Readers use a field's default when old data lacks the field. A default of the wrong type (or, for a union, not of the union's first branch) makes schema resolution fail at run time, exactly when compatibility matters.";
    INVALID_LOGICAL_TYPE = "invalid-logical-type", Warning,
        "An Avro logical type is not valid on its underlying type.",
        "The Avro specification says an invalid logical type is ignored and the underlying type is used. That silently changes meaning (a decimal becomes plain bytes), so mapcheck reports it.";
    PROTO_COMPILE_ERROR = "proto-compile-error", Error,
        "A .proto file does not compile.",
        "Syntax errors, unknown types, duplicate field numbers, missing imports: anything protoc would refuse. The message is the compiler's, with the file, line and column.";
    DUPLICATE_TYPE = "duplicate-type", Error,
        "Two declarations define the same type name.",
        "Avro full names and Protobuf fully-qualified names must be unique across the files read together; otherwise which definition applies depends on file order.";
}

/// Looks a rule up by id.
pub fn find(id: &str) -> Option<&'static RuleMeta> {
    ALL.iter().copied().find(|r| r.id == id)
}
