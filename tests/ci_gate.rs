//! The CI-gate features through the real binary: configuration files, rule selection,
//! severities, exit-code flags, output options, suppressions, adoption with `--add-ignore`,
//! a hook naming one included file, completions and the man page.

mod common;

use std::path::Path;

use common::{check_json, codes, findings, run, write};

/// A server for the signing service with no gRPC location (PL102), an `allow` without `deny`
/// in a location (PL303) and no forwarded headers (PL402, info).
const SITE: &str = "server {\n    listen 443 ssl;\n    http2 on;\n    server_name signotaur.example.com;\n    allow 10.0.0.0/8;\n    deny all;\n    location / {\n        proxy_pass https://10.0.0.5:443;\n    }\n    location /admin/ {\n        allow 192.168.0.0/16;\n        proxy_pass https://10.0.0.5:443;\n    }\n}\n";

fn repo(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".proxylint.toml", config);
    write(dir.path(), "sites/sign.conf", SITE);
    dir
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn configuration_is_found_by_walking_up_and_selects_rules() {
    let dir = repo("select = [\"PL1\"]\n");
    let (report, code) = check_json(&[p(&dir.path().join("sites"))]);
    assert_eq!(codes(&report), ["PL102"]);
    assert_eq!(code, 1);
    let (all, _) = check_json(&["--no-config", p(&dir.path().join("sites"))]);
    assert!(codes(&all).contains(&"PL303".to_string()));
}

#[test]
fn unknown_keys_are_errors_with_file_line_and_column() {
    let dir = repo("select = [\"PL1\"]\n\n[nginx]\nversoin = \"1.24\"\n");
    let out = run(&["check", p(dir.path())]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(".proxylint.toml:4:1"), "{stderr}");
    assert!(stderr.contains("versoin"), "{stderr}");
}

#[test]
fn command_line_selection_and_unknown_selectors() {
    let dir = repo("");
    let target = p(dir.path());
    let (report, _) = check_json(&[
        "--select",
        "PL3,grpc-route-missing",
        "--ignore",
        "PL302",
        target,
    ]);
    let mut found = codes(&report);
    found.sort();
    assert_eq!(found, ["PL102", "PL303"]);
    let out = run(&["check", "--select", "PL9", target]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PL9"));
}

#[test]
fn severity_fail_level_and_exit_zero() {
    let dir = repo("select = [\"PL303\"]\nfail-level = \"error\"\n[severity]\nPL303 = \"error\"\n");
    let (report, code) = check_json(&[p(dir.path())]);
    assert_eq!(findings(&report)[0].3, "error");
    assert_eq!(code, 1);
    let (_, zero) = check_json(&["--exit-zero", p(dir.path())]);
    assert_eq!(zero, 0);
    let lenient = repo("select = [\"PL303\"]\nfail-level = \"error\"\n");
    assert_eq!(
        check_json(&[p(lenient.path())]).1,
        0,
        "a warning under fail-level error passes"
    );
}

#[test]
fn per_file_ignores_exclude_and_extend() {
    let dir = repo("extend = \"base.toml\"\n[per-file-ignores]\n\"sites/*.conf\" = [\"PL303\"]\n");
    write(
        dir.path(),
        "base.toml",
        "select = [\"PL102\", \"PL303\"]\nexclude = [\"vendor/**\"]\n",
    );
    write(
        dir.path(),
        "vendor/upstream.conf",
        "http { server { allow 1.2.3.4; } }\n",
    );
    let (report, _) = check_json(&[p(dir.path())]);
    assert_eq!(
        codes(&report),
        ["PL102"],
        "PL303 ignored in sites/, vendor/ excluded"
    );
    // Named explicitly, an excluded file is checked unless --force-exclude.
    let vendored = dir.path().join("vendor/upstream.conf");
    assert_eq!(codes(&check_json(&[p(&vendored)]).0), ["PL303"]);
    assert!(codes(&check_json(&["--force-exclude", p(&vendored)]).0).is_empty());
}

#[test]
fn quiet_output_file_and_statistics() {
    let dir = repo("select = [\"PL102\", \"PL303\"]\n");
    let out = run(&["check", "--quiet", "--color", "never", p(dir.path())]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("proxylint: "));
    let report = dir.path().join("report.json");
    let out = run(&[
        "check",
        "--format",
        "json",
        "--output-file",
        p(&report),
        p(dir.path()),
    ]);
    assert!(out.stdout.is_empty());
    let parsed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(parsed["diagnostics"].as_array().unwrap().len(), 2);
    let stats = run(&["check", "--statistics", p(dir.path())]);
    let text = String::from_utf8(stats.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("1  PL102  grpc-route-missing")),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn add_ignore_makes_the_next_run_clean_and_new_findings_still_fail() {
    let dir = repo("");
    let out = run(&["check", "--add-ignore", p(dir.path())]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rewritten = std::fs::read_to_string(dir.path().join("sites/sign.conf")).unwrap();
    assert!(rewritten.contains("# proxylint: ignore["), "{rewritten}");
    let (report, code) = check_json(&[p(dir.path())]);
    assert!(findings(&report).iter().all(|f| f.3 == "info"), "{report}");
    assert_eq!(code, 0);
    // Nothing was lost: the file minus the new comment lines is the original.
    let without: String = rewritten
        .lines()
        .filter(|l| !l.trim_start().starts_with("# proxylint: ignore["))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(without, SITE);
    write(
        dir.path(),
        "sites/other.conf",
        "http { server { listen 80; allow 10.0.0.0/8; } }\n",
    );
    assert_eq!(check_json(&[p(dir.path())]).1, 1, "a new finding fails");
}

#[test]
fn a_named_snippet_is_checked_in_the_context_that_includes_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".proxylint.toml", "");
    write(
        dir.path(),
        "nginx/nginx.conf",
        "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        http2 on;\n        server_name signotaur.example.com;\n        allow 10.0.0.0/8;\n        deny all;\n        include snippets/grpc.conf;\n        location / {\n            proxy_pass https://10.0.0.5:443;\n        }\n    }\n    server { listen 80; allow 10.0.0.0/8; }\n}\n",
    );
    let snippet = write(
        dir.path(),
        "nginx/snippets/grpc.conf",
        "location /SignService/ {\n    proxy_pass https://10.0.0.5:443;\n}\n",
    );
    let (report, code) = check_json(&[p(&snippet)]);
    let all = findings(&report);
    assert_eq!(code, 1);
    assert!(
        all.iter().all(|f| f.4.ends_with("snippets/grpc.conf")),
        "only the named file: {all:?}"
    );
    assert!(
        all.iter().any(|f| f.0 == "PL101" && f.1 == 2 && f.2 == 5),
        "{all:?}"
    );
}

#[test]
fn verbose_names_the_configuration_and_the_rules() {
    let dir = repo("select = [\"PL1\"]\n");
    let out = run(&["check", "-v", p(dir.path())]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(".proxylint.toml"), "{stderr}");
    assert!(stderr.contains("rules PL000 PL101"), "{stderr}");
    assert!(stderr.contains("checking "), "{stderr}");
}

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    let bash = run(&["completions", "bash"]);
    let text = String::from_utf8(bash.stdout).unwrap();
    assert!(text.contains("--fail-level") && text.contains("--add-ignore"));
    let man = run(&["man"]);
    let text = String::from_utf8(man.stdout).unwrap();
    assert!(
        text.starts_with(".ie") || text.contains(".TH"),
        "{}",
        &text[..text.len().min(200)]
    );
}

#[test]
fn the_documented_example_configuration_is_valid() {
    let readme = std::fs::read_to_string(common::project_dir().join("README.md")).unwrap();
    let start = readme.find("```toml\n").expect("a toml example in README") + 8;
    let end = start + readme[start..].find("```").unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "shared/proxylint.toml", "");
    let config = write(
        &dir.path().join("repo"),
        ".proxylint.toml",
        &readme[start..end],
    );
    let out = run(&["check", "--config", p(&config), p(dir.path())]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(2), "{stderr}");
    // And it validates against the published schema.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::project_dir().join("docs/config.schema.json")).unwrap(),
    )
    .unwrap();
    let value: toml::Value = toml::from_str(&readme[start..end]).unwrap();
    let instance = serde_json::to_value(value).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
