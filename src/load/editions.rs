//! Protobuf Editions sources, read through the proto2 compiler.
//!
//! An editions file (`edition = "2023";`) differs from proto2 in its syntax statement, in fields
//! without a label (presence comes from `features.field_presence`, explicit by default), and in
//! `features` options, which the current `descriptor.proto` already defines for every syntax. So a
//! file rewritten with `syntax = "proto2";` and `optional` before every unlabelled singular field
//! outside a oneof compiles to the same messages, fields, numbers, types and options. Positions are
//! kept: lines never move, and the inserted label starts where the field's type started.

/// The edition a file declares, and the file rewritten as proto2; `None` when it declares none.
pub fn as_proto2(text: &str) -> Option<(String, String)> {
    let tokens = tokenize(text);
    // Only a file whose first statement is `edition` is an editions file.
    if tokens.first().is_none_or(|t| &text[t.start..t.end] != "edition") {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 256);
    let mut edition = None;
    let mut copied = 0;
    let mut blocks: Vec<Block> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let word = &text[t.start..t.end];
        let here = blocks.last().copied();
        match here {
            None if word == "edition" && edition.is_none() => {
                // edition = "2023" ;
                let value = tokens
                    .get(i + 2)
                    .map(|v| text[v.start..v.end].trim_matches(['"', '\'']).to_string());
                let end = statement_end(&tokens, text, i);
                out.push_str(&text[copied..t.start]);
                out.push_str("syntax = \"proto2\";");
                copied = tokens.get(end).map(|e| e.end).unwrap_or(text.len());
                edition = value;
                i = end + 1;
                continue;
            }
            Some(Block::Message) | Some(Block::Extend) if word != "}" && word != ";" => match word {
                "message" | "enum" | "oneof" | "extend" | "service" => {
                    let kind = match word {
                        "message" => Block::Message,
                        "oneof" => Block::Oneof,
                        "extend" => Block::Extend,
                        _ => Block::Other,
                    };
                    i = open_block(&tokens, text, i, kind, &mut blocks);
                    continue;
                }
                "option" | "reserved" | "extensions" | "optional" | "required" | "repeated" => {}
                "map" if tokens.get(i + 1).is_some_and(|n| &text[n.start..n.end] == "<") => {}
                _ if !is_type_start(word) => {}
                _ => {
                    // An unlabelled singular field: explicit presence unless its features say otherwise.
                    out.push_str(&text[copied..t.start]);
                    out.push_str("optional ");
                    copied = t.start;
                }
            },
            _ => match word {
                "message" | "enum" | "oneof" | "extend" | "service" | "rpc"
                    if here != Some(Block::Other) || word == "rpc" || word == "message" =>
                {
                    let kind = match word {
                        "message" => Block::Message,
                        "oneof" => Block::Oneof,
                        "extend" => Block::Extend,
                        _ => Block::Other,
                    };
                    let next = open_block(&tokens, text, i, kind, &mut blocks);
                    if next != i {
                        i = next;
                        continue;
                    }
                }
                "}" => {
                    blocks.pop();
                    i += 1;
                    continue;
                }
                _ => {}
            },
        }
        if word == "}" {
            blocks.pop();
            i += 1;
            continue;
        }
        if word == ";" {
            i += 1;
            continue;
        }
        // Always move forward, whatever the statement looked like.
        i = (statement_end(&tokens, text, i) + 1).max(i + 1);
    }
    let edition = edition?;
    out.push_str(&text[copied..]);
    Some((edition, out))
}

/// Whether a token can start a type name (`string`, `Foo`, `.pkg.Foo`).
fn is_type_start(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '.')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Message,
    Oneof,
    Extend,
    /// Enums, services, rpc bodies: nothing to rewrite inside.
    Other,
}

/// Skips a block header up to its `{` and pushes the block; returns the index after the `{`.
/// A header that ends in `;` instead (an rpc without a body) is a plain statement.
fn open_block(tokens: &[Token], text: &str, start: usize, kind: Block, blocks: &mut Vec<Block>) -> usize {
    let mut j = start;
    while j < tokens.len() {
        match &text[tokens[j].start..tokens[j].end] {
            "{" => {
                blocks.push(kind);
                return j + 1;
            }
            ";" => return j + 1,
            _ => j += 1,
        }
    }
    j
}

/// The index of the `;` ending the statement that starts at `start` (brackets and braces skipped).
fn statement_end(tokens: &[Token], text: &str, start: usize) -> usize {
    let mut depth = 0usize;
    let mut j = start;
    while j < tokens.len() {
        match &text[tokens[j].start..tokens[j].end] {
            "[" | "{" | "(" | "<" => depth += 1,
            "]" | "}" | ")" | ">" => {
                if depth == 0 {
                    // A closing brace of the enclosing block: the statement ended without `;`.
                    return j.saturating_sub(1);
                }
                depth -= 1;
            }
            ";" if depth == 0 => return j,
            _ => {}
        }
        j += 1;
    }
    tokens.len()
}

#[derive(Debug)]
struct Token {
    start: usize,
    end: usize,
}

/// Splits proto source into words, strings and punctuation, dropping comments and whitespace.
fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                i += 1;
            }
            i = (i + 2).min(bytes.len());
        } else if b == b'"' || b == b'\'' {
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i] != b {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(bytes.len());
            tokens.push(Token { start, end: i });
        } else if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.') {
                i += 1;
            }
            tokens.push(Token { start, end: i });
        } else {
            // One punctuation character (multi-byte UTF-8 stays whole).
            let len = text[i..].chars().next().map(char::len_utf8).unwrap_or(1);
            tokens.push(Token { start: i, end: i + len });
            i += len;
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_without_an_edition_are_left_alone() {
        assert!(as_proto2("syntax = \"proto3\";\nmessage A { string a = 1; }").is_none());
    }

    #[test]
    fn unlabelled_fields_get_explicit_presence_and_lines_stay() {
        let src = "// c\nedition = \"2023\";\npackage p;\noption features.field_presence = EXPLICIT;\n\
message A {\n  string a = 1 [features.field_presence = IMPLICIT];\n  repeated int32 b = 2;\n  map<string, int32> m = 3;\n\
  oneof o {\n    string x = 4;\n    int32 y = 5;\n  }\n  .p.B nested = 6;\n  message B { B self = 1; }\n  reserved 9;\n}\n\
enum E { E_UNKNOWN = 0; }\nservice S { rpc Get(A) returns (A) { option idempotency_level = NO_SIDE_EFFECTS; } }\n";
        let (edition, out) = as_proto2(src).unwrap();
        assert_eq!(edition, "2023");
        assert_eq!(out.lines().count(), src.lines().count());
        assert!(out.contains("syntax = \"proto2\";"), "{out}");
        assert!(
            out.contains("  optional string a = 1 [features.field_presence = IMPLICIT];"),
            "{out}"
        );
        assert!(out.contains("  repeated int32 b = 2;"));
        assert!(out.contains("  map<string, int32> m = 3;"));
        assert!(
            out.contains("    string x = 4;"),
            "oneof members stay unlabelled: {out}"
        );
        assert!(out.contains("  optional .p.B nested = 6;"), "{out}");
        assert!(out.contains("message B { optional B self = 1; }"), "{out}");
        assert!(out.contains("enum E { E_UNKNOWN = 0; }"));
        assert!(
            out.contains("rpc Get(A) returns (A) { option idempotency_level = NO_SIDE_EFFECTS; }"),
            "{out}"
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        for src in [
            "edition",
            "edition = ",
            "edition = \"2023\"; message {",
            "edition = \"2023\"; message A { string",
            "\"unterminated",
            "/* open",
            "edition = \"2023\"; message A { } } }",
        ] {
            let _ = as_proto2(src);
        }
    }

    /// Found by fuzzing: a stray `]` in a message body made the rewrite loop forever.
    #[test]
    fn stray_brackets_in_a_message_body_terminate() {
        let src = "edition = \"2023\";\nmessage Account {\n  req];\n  ] ] ) > ;\n}\n";
        let (_, out) = as_proto2(src).unwrap();
        assert_eq!(out.lines().count(), src.lines().count());
        assert!(as_proto2("syntax = \"proto2\";\nmessage Account {\n  req];\n}\n").is_none());
    }
}
