use crate::*;

#[test]
fn version_and_help_with_examples() {
    let o = mapcheck(&["--version"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("mapcheck "));
    for cmd in ["inspect", "lint"] {
        let o = mapcheck(&[cmd, "--help"]);
        assert_eq!(code(&o), 0);
        assert!(stdout(&o).contains("Examples:"), "{cmd}: {}", stdout(&o));
    }
}

#[test]
fn missing_paths_are_usage_errors() {
    let o = mapcheck(&["inspect", "no/such/file.yaml"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no/such/file.yaml: no such file or directory"),
        "{}",
        stderr(&o)
    );
    assert_eq!(code(&mapcheck(&["lint"])), 2);
    assert_eq!(code(&mapcheck(&["frobnicate"])), 2);
}

#[test]
fn an_explicit_file_of_unknown_format_says_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.yaml"), "hello: world\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    let o = mapcheck_in(dir.path(), &["inspect", "notes.yaml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--as"), "{}", stderr(&o));
    let o = mapcheck_in(dir.path(), &["inspect", "notes.txt"]);
    assert_eq!(code(&o), 2);
    // In a directory walk, files that are not contracts are skipped.
    let o = mapcheck_in(dir.path(), &["lint", "."]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn fail_on_threshold_decides_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.schema.json"),
        r#"{"$schema": "https://example.com/custom", "type": "string"}"#,
    )
    .unwrap();
    let o = mapcheck_in(dir.path(), &["lint", "."]);
    assert_eq!(code(&o), 0, "a warning does not fail by default: {}", stdout(&o));
    assert!(stdout(&o).contains("warning[unknown-draft]"));
    assert_eq!(
        code(&mapcheck_in(dir.path(), &["lint", ".", "--fail-on", "warning"])),
        1
    );
    assert_eq!(code(&mapcheck_in(dir.path(), &["lint", ".", "--fail-on", "never"])), 0);
}

#[test]
fn text_output_shows_the_source_line_and_a_summary() {
    let o = mapcheck(&["lint", "tests/fixtures/errors/broken-refs.openapi.yaml"]);
    let out = stdout(&o);
    assert!(out.contains("error[unresolved-ref]"), "{out}");
    assert!(
        out.contains("15 |                 $ref: '#/components/schemas/Missing'"),
        "{out}"
    );
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("7 errors, 0 warnings, 0 infos in 1 contract"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "no colour when NO_COLOR is set");
    let o = mapcheck(&[
        "--color",
        "always",
        "lint",
        "tests/fixtures/errors/broken-refs.openapi.yaml",
    ]);
    assert!(stdout(&o).contains('\u{1b}'));
}

#[test]
fn completions_and_man_pages_come_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = mapcheck(&["completions", shell]);
        assert_eq!(code(&o), 0, "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        assert!(script.contains("baseline") && script.contains("against"), "{shell}");
    }
    let o = mapcheck(&["completions", "tcsh"]);
    assert_eq!(code(&o), 2);
    let o = mapcheck(&["man"]);
    assert_eq!(code(&o), 0);
    let page = stdout(&o);
    assert!(
        page.starts_with(".ie") || page.contains(".TH mapcheck"),
        "{}",
        &page[..page.len().min(200)]
    );
    let dir = tempfile::tempdir().unwrap();
    let o = mapcheck(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for page in ["mapcheck.1", "mapcheck-diff.1", "mapcheck-check.1"] {
        assert!(dir.path().join(page).is_file(), "{page}");
    }
}

#[test]
fn inspect_text_keeps_its_columns_aligned_with_long_type_names() {
    let o = mapcheck(&["inspect", "contracts/erp/customer_service.proto"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    // Every field row of the Customer message has its location at the same column.
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("    Customer.")).collect();
    assert!(rows.len() > 10, "{text}");
    let columns: Vec<usize> = rows.iter().map(|l| l.find("contracts/erp/").unwrap()).collect();
    assert!(columns.iter().all(|c| *c == columns[0]), "{text}");
    let types: Vec<usize> = rows
        .iter()
        .map(|l| l.find("optional").or(l.find("required")).unwrap())
        .collect();
    assert!(types.iter().all(|c| *c == types[0]), "{text}");
}
