//! Real-world acceptance for the Caddyfile parser: Caddy's own adapt tests
//! (`caddytest/integration/caddyfile_adapt/` in the shared corpus). Each file is a Caddyfile,
//! a line of dashes, then the JSON Caddy adapts it to or the error it gives.
//!
//! - every case whose expectation is JSON parses without PL001;
//! - every case whose error comes from Caddy's lexer or parser gets PL001 (an import cycle
//!   gets PL003, proxylint's code for loops);
//! - the cases whose error comes from a directive's own argument parsing, or from Caddy's
//!   HTTP adapter (site addresses, ports, unknown directives), parse as Caddyfiles: no PL001.
//!
//! Without the corpus the test skips, except under `CI=true`, where it fails.

mod common;

use std::collections::BTreeMap;

use common::{check_json, findings, shared_corpus};

/// Cases Caddy rejects in its lexer or parser, and what is wrong in each.
const SYNTAX_ERRORS: &[(&str, &str)] = &[
    ("heredoc_incomplete", "the heredoc is never closed"),
    (
        "heredoc_invalid_marker",
        "`<<END!`: a marker of letters, digits, `-`, `_` only",
    ),
    (
        "heredoc_mismatched_whitespace",
        "a body line lacks the closing marker's indentation",
    ),
    ("heredoc_too_many_angle_brackets", "`<<<END`"),
    (
        "import_block_anonymous",
        "an anonymous `{ … }` block inside an import's block",
    ),
    ("import_cycle", "two snippets import each other (PL003)"),
    ("matcher_outside_site_block", "`@foo { … }` before any site"),
];

fn cases_dir() -> Option<std::path::PathBuf> {
    let dir = shared_corpus()?.join("caddy/caddy/caddytest/integration/caddyfile_adapt");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the Caddy adapt tests are missing at {} (required under CI=true)",
        dir.display()
    );
    eprintln!("skipping: no Caddy adapt tests at {}", dir.display());
    None
}

#[test]
fn caddy_adapt_cases_parse_as_caddy_does() {
    let Some(dir) = cases_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut expect_json = BTreeMap::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    for path in &entries {
        let text = std::fs::read_to_string(path).unwrap();
        let Some((config, expected)) = text.split_once("----------") else {
            panic!("{}: no line of dashes", path.display());
        };
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let json = expected.trim_start().starts_with('{');
        let file = tmp.path().join(format!("{stem}.Caddyfile"));
        std::fs::write(&file, format!("{}\n", config.trim())).unwrap();
        expect_json.insert(stem, json);
    }
    // Imports of files beside the cases (`testdata/…`) resolve as in Caddy's harness.
    if dir.join("testdata").is_dir() {
        std::os::unix::fs::symlink(dir.join("testdata"), tmp.path().join("testdata")).unwrap();
    }
    let (report, _) = check_json(&[
        "--allow-outside",
        "--select",
        "PL001,PL003",
        tmp.path().to_str().unwrap(),
    ]);
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (code, line, column, _, file) in findings(&report) {
        let name = std::path::Path::new(&file)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches(".Caddyfile")
            .to_string();
        errors
            .entry(name)
            .or_default()
            .push(format!("{code} {line}:{column}"));
    }
    let mut wrong = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    for (name, json) in &expect_json {
        let got = errors.get(name);
        let has = |code: &str| got.is_some_and(|g| g.iter().any(|e| e.starts_with(code)));
        if *json {
            valid += 1;
            if has("PL001") || has("PL003") {
                wrong.push(format!("{name}: valid in Caddy, but {:?}", got.unwrap()));
            }
        } else if let Some((_, why)) = SYNTAX_ERRORS.iter().find(|(n, _)| n == name) {
            invalid += 1;
            let code = if *name == "import_cycle" {
                "PL003"
            } else {
                "PL001"
            };
            if !has(code) {
                wrong.push(format!("{name}: Caddy rejects it ({why}), no {code}"));
            }
        } else if has("PL001") {
            // Errors of directives and of the adapter: a parse error here is ours.
            wrong.push(format!(
                "{name}: a directive-level error, but PL001 {:?}",
                got.unwrap()
            ));
        }
    }
    eprintln!(
        "checked {} adapt cases: {valid} valid, {invalid} syntax errors",
        expect_json.len()
    );
    assert!(valid > 150, "only {valid} valid cases found");
    assert_eq!(invalid, SYNTAX_ERRORS.len());
    assert!(
        wrong.is_empty(),
        "{} cases differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
