//! Runs every annotated configuration through the real binary and compares its findings
//! with the annotations: the project's example configs in `corpus/` and the per-rule
//! fixtures in `tests/fixtures/nginx/<CODE>/` (files that must trigger the rule, and
//! false-positive traps that must not).
//!
//! Annotations are comments at the top of a file:
//! - `# proxylint-test: expect PL101 14:9` — a finding at line 14, column 9 of this file;
//!   `expect PL002 parts/a.conf:3:5` — one in another file, relative to this one;
//! - `# proxylint-test: clean` — no findings;
//! - `# proxylint-test: args --nginx-version 1.24.0` — flags for this file.
//!
//! The comparison is exact over errors and warnings; infos are compared for the codes that
//! some `expect` line names, and in a rule's fixture folder for that rule's code. Files under a `parts/` folder are included by others and are
//! not run on their own.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{check_json, findings, project_dir};

#[derive(Debug, Default)]
struct Annotations {
    expected: Vec<(String, String, u64, u64)>,
    args: Vec<String>,
    clean: bool,
}

fn annotations(path: &Path) -> Annotations {
    let text = std::fs::read_to_string(path).unwrap();
    let mut found = Annotations::default();
    let dir = path.parent().unwrap();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("# proxylint-test:") else {
            continue;
        };
        let words: Vec<&str> = rest.split_whitespace().collect();
        match words.as_slice() {
            ["clean"] => found.clean = true,
            ["args", args @ ..] => found.args.extend(args.iter().map(|a| a.to_string())),
            ["expect", code, place] => {
                let parts: Vec<&str> = place.rsplitn(3, ':').collect();
                let (file, line, column) = match parts.as_slice() {
                    [column, line] => (path.to_path_buf(), line, column),
                    [column, line, file] => (dir.join(file), line, column),
                    _ => panic!("{}: bad annotation `{line}`", path.display()),
                };
                found.expected.push((
                    canonical(&file),
                    code.to_string(),
                    line.parse().unwrap(),
                    column.parse().unwrap(),
                ));
            }
            _ => panic!("{}: bad annotation `{line}`", path.display()),
        }
    }
    found
}

fn canonical(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

fn annotated_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        let in_parts = path.components().any(|c| c.as_os_str() == "parts");
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_ascii_lowercase();
        let config = name.ends_with(".conf") || name == "caddyfile" || name.ends_with(".caddyfile");
        if entry.file_type().is_file() && !in_parts && config {
            files.push(path.to_path_buf());
        }
    }
    files
}

/// `PL401` for `tests/fixtures/nginx/PL401/good-x.conf`.
fn fixture_rule(path: &Path) -> Option<String> {
    let folder = path.parent()?.file_name()?.to_str()?;
    (folder.len() == 5 && folder.starts_with("PL")).then(|| folder.to_string())
}

/// Checks one file; returns a description of the mismatch, if any.
fn mismatch(path: &Path) -> Option<String> {
    let wanted = annotations(path);
    if wanted.expected.is_empty() && !wanted.clean {
        return Some(format!("{}: no annotation", path.display()));
    }
    let mut args: Vec<String> = wanted.args.clone();
    args.push(path.display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (report, _) = check_json(&args);
    // Infos count for the codes the file expects, and for the rule a fixture folder is for.
    let mut info_codes: Vec<String> = wanted.expected.iter().map(|e| e.1.clone()).collect();
    info_codes.extend(fixture_rule(path));
    let mut got: Vec<(String, String, u64, u64)> = findings(&report)
        .into_iter()
        .filter(|(code, _, _, severity, _)| severity != "info" || info_codes.contains(code))
        .map(|(code, line, column, _, file)| (canonical(Path::new(&file)), code, line, column))
        .collect();
    let mut want = wanted.expected.clone();
    got.sort();
    want.sort();
    (got != want).then(|| {
        let show = |v: &[(String, String, u64, u64)]| {
            v.iter()
                .map(|(f, c, l, col)| {
                    let name = Path::new(f)
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    format!("{c} {name}:{l}:{col}")
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "{}\n    expected: [{}]\n    got:      [{}]",
            path.display(),
            show(&want),
            show(&got)
        )
    })
}

fn run_all(dir: &Path) -> usize {
    let files = annotated_files(dir);
    let failures: Vec<String> = files.iter().filter_map(|f| mismatch(f)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} files differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    files.len()
}

#[test]
fn project_corpus_matches_its_annotations() {
    let n = run_all(&project_dir().join("corpus"));
    assert!(n >= 15, "only {n} corpus files");
}

#[test]
fn rule_fixtures_match_their_annotations() {
    let n = run_all(&project_dir().join("tests/fixtures/nginx"));
    assert!(n >= 60, "only {n} fixture files");
}

#[test]
fn caddy_fixtures_match_their_annotations() {
    let n = run_all(&project_dir().join("tests/fixtures/caddy"));
    assert!(n >= 50, "only {n} Caddy fixture files");
}

/// Every rule with a Caddy meaning has a Caddyfile that must trigger it and a trap that
/// must not.
#[test]
fn every_caddy_rule_has_a_trigger_and_a_trap() {
    let root = project_dir().join("tests/fixtures/caddy");
    let caddy_rules = [
        "PL001", "PL002", "PL003", "PL101", "PL102", "PL103", "PL104", "PL105", "PL106", "PL109",
        "PL201", "PL204", "PL206", "PL301", "PL302", "PL304", "PL401", "PL403",
    ];
    let mut missing = Vec::new();
    for code in caddy_rules {
        let files = annotated_files(&root.join(code));
        let name = |f: &PathBuf| f.file_name().unwrap().to_string_lossy().into_owned();
        let bad = files
            .iter()
            .filter(|f| name(f).starts_with("bad"))
            .filter(|f| annotations(f).expected.iter().any(|e| e.1 == code))
            .count();
        let good = files
            .iter()
            .filter(|f| name(f).starts_with("good"))
            .filter(|f| !annotations(f).expected.iter().any(|e| e.1 == code))
            .count();
        if bad < 1 || good < 2 {
            missing.push(format!(
                "{code}: {bad} triggering and {good} trap Caddyfiles"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Every nginx rule has a file that must trigger it and two traps that must not.
#[test]
fn every_rule_has_triggers_and_traps() {
    let root = project_dir().join("tests/fixtures/nginx");
    let mut missing = Vec::new();
    let mut per_code: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for rule in proxylint_rules::all() {
        let code = rule.meta().code;
        if code == "PL000" {
            continue; // Unreadable files cannot be committed; tests/cli.rs makes them.
        }
        // A rule with no nginx meaning (PL206) is tested on the dialects it has one for.
        let dir = match code {
            "PL206" => project_dir().join("tests/fixtures/caddy").join(code),
            _ => root.join(code),
        };
        let files = if dir.is_dir() {
            annotated_files(&dir)
        } else {
            Vec::new()
        };
        let name = |f: &PathBuf| f.file_name().unwrap().to_string_lossy().into_owned();
        let bad = files.iter().filter(|f| name(f).starts_with("bad")).count();
        let good = files.iter().filter(|f| name(f).starts_with("good")).count();
        for f in files.iter().filter(|f| name(f).starts_with("bad")) {
            if !annotations(f).expected.iter().any(|e| e.1 == code) {
                missing.push(format!(
                    "{}: a bad fixture that expects no {code}",
                    f.display()
                ));
            }
        }
        for f in files.iter().filter(|f| name(f).starts_with("good")) {
            if annotations(f).expected.iter().any(|e| e.1 == code) {
                missing.push(format!(
                    "{}: a good fixture that expects {code}",
                    f.display()
                ));
            }
        }
        per_code.insert(code.to_string(), (bad, good));
        if bad < 1 || good < 2 {
            missing.push(format!("{code}: {bad} triggering and {good} trap fixtures"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
