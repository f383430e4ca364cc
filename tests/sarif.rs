//! `--format sarif` as GitHub code scanning reads it: valid against the official SARIF 2.1.0
//! schema, every rule in the driver, regions that agree with the JSON output, relative
//! URIs, fingerprints that survive unrelated edits, and unreadable files (PL000) reported
//! as tool execution notifications too.
//!
//! The schema is read from `../shared/schemas/`; without it the schema test is skipped,
//! except under `CI=true`, where it fails. Validation never leaves the machine: the
//! `jsonschema` crate is built without its HTTP and file resolvers, and the retriever given
//! to it refuses every external reference.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

use common::{bin, write};

const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/schemas/sarif-schema-2.1.0.json"
);

/// The main file: a warning (PL303) here, and through the include an error (PL102) and infos
/// in a file whose name needs percent-encoding.
const MAIN: &str = "http {\n    include sites/*.conf;\n    server {\n        listen 80;\n        allow 10.0.0.0/8;\n    }\n}\n";

const SITE: &str = "server {\n    listen 443 ssl;\n    http2 on;\n    server_name signotaur.example.com;\n    allow 10.0.0.0/8;\n    deny all;\n    location / {\n        proxy_pass https://10.0.0.5:443;\n    }\n}\n";

/// A checked tree: `main.conf`, `sites/my app.conf`.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.conf", MAIN);
    write(dir.path(), "sites/my app.conf", SITE);
    dir
}

/// Runs `proxylint check --format FORMAT ARGS…` in `dir` and parses stdout.
fn run_in(dir: &Path, format: &str, args: &[&str]) -> (Value, i32) {
    let output = bin()
        .current_dir(dir)
        .args(["check", "--format", format])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the proxylint binary runs");
    let value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (value, output.status.code().unwrap_or(-1))
}

fn sarif(dir: &Path, args: &[&str]) -> Value {
    run_in(dir, "sarif", args).0
}

fn run0(log: &Value) -> &Value {
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "one run");
    &runs[0]
}

fn results(log: &Value) -> &Vec<Value> {
    run0(log)["results"].as_array().expect("results")
}

fn result<'a>(log: &'a Value, rule: &str) -> &'a Value {
    results(log)
        .iter()
        .find(|r| r["ruleId"] == rule)
        .unwrap_or_else(|| panic!("no {rule} result in {log:#}"))
}

/// Refuses every schema the validator would have to fetch: nothing is read from outside.
struct NoRetrieval;

impl jsonschema::Retrieve for NoRetrieval {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("refusing to retrieve {uri}: schemas are read from disk only").into())
    }
}

/// The official schema, or `None` (skip) when `../shared` is absent outside CI.
fn official_schema() -> Option<Value> {
    match std::fs::read_to_string(SCHEMA) {
        Ok(text) => Some(serde_json::from_str(&text).expect("the SARIF schema is JSON")),
        Err(error) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("the SARIF schema is missing at {SCHEMA} (required under CI=true): {error}")
        }
        Err(error) => {
            eprintln!("skipping: no SARIF schema at {SCHEMA}: {error}");
            None
        }
    }
}

fn schema_errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .with_retriever(NoRetrieval)
        .build(schema)
        .expect("the SARIF schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn output_is_valid_against_the_official_sarif_schema() {
    let Some(schema) = official_schema() else {
        return;
    };
    let dir = tree();
    let (log, code) = run_in(dir.path(), "sarif", &["main.conf", "missing.conf"]);
    assert_eq!(code, 2, "PL000 makes the exit code 2");
    let errors = schema_errors(&schema, &log);
    assert!(errors.is_empty(), "{errors:#?}\n{log:#}");
    // The schema is not vacuous: a result without a message is rejected.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!schema_errors(&schema, &broken).is_empty());
    // Nor are enums and formats: SARIF says `note`, not `info`, and `helpUri` is a URI.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "info".into();
    assert!(!schema_errors(&schema, &broken).is_empty());
    let mut broken = log.clone();
    broken["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "not a uri".into();
    assert!(!schema_errors(&schema, &broken).is_empty());
    // A clean run and an absolute path are valid too.
    let clean = write(dir.path(), "clean/nginx.conf", "events {}\n");
    let log = sarif(dir.path(), &[clean.to_str().unwrap()]);
    assert!(results(&log).is_empty());
    let errors = schema_errors(&schema, &log);
    assert!(errors.is_empty(), "{errors:#?}");
    let absolute = dir.path().join("main.conf");
    let errors = schema_errors(&schema, &sarif(dir.path(), &[absolute.to_str().unwrap()]));
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_driver_lists_every_rule_with_its_documentation() {
    let dir = tree();
    let log = sarif(dir.path(), &["main.conf"]);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"]
        .as_str()
        .unwrap()
        .ends_with("sarif-schema-2.1.0.json"));
    let driver = &run0(&log)["tool"]["driver"];
    assert_eq!(driver["name"], "proxylint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let all = proxylint_rules::all();
    assert_eq!(
        rules.len(),
        all.len(),
        "every rule, not only those that fired"
    );
    for (rule, descriptor) in all.iter().zip(rules) {
        let meta = rule.meta();
        assert_eq!(descriptor["id"], meta.code);
        assert_eq!(descriptor["name"], meta.name);
        assert_eq!(descriptor["shortDescription"]["text"], meta.summary);
        assert_eq!(descriptor["fullDescription"]["text"], meta.why);
        assert_eq!(descriptor["helpUri"], proxylint_rules::rule_url(meta.code));
        let page = proxylint_rules::rule_page(meta);
        assert_eq!(descriptor["help"]["markdown"], page.as_str());
        assert_eq!(descriptor["help"]["text"], page.as_str());
        let level = match meta.severity.as_str() {
            "info" => "note",
            other => other,
        };
        assert_eq!(descriptor["defaultConfiguration"]["level"], level);
    }
}

#[test]
fn results_agree_with_the_json_output() {
    let dir = tree();
    let log = sarif(dir.path(), &["main.conf"]);
    let (json, _) = run_in(dir.path(), "json", &["main.conf"]);
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let results = results(&log);
    assert_eq!(results.len(), diagnostics.len());
    let rules = run0(&log)["tool"]["driver"]["rules"].as_array().unwrap();
    for (r, d) in results.iter().zip(diagnostics) {
        assert_eq!(r["ruleId"], d["code"]);
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], d["code"],
            "ruleIndex points at the rule"
        );
        let level = match d["severity"].as_str().unwrap() {
            "info" => "note",
            other => other,
        };
        assert_eq!(r["level"], level);
        let text = r["message"]["text"].as_str().unwrap();
        assert!(text.starts_with(d["message"].as_str().unwrap()), "{text}");
        if let Some(help) = d["help"].as_str() {
            assert!(text.ends_with(&format!("\nhelp: {help}")), "{text}");
        }
        let locations = r["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1);
        assert_region(&locations[0], d);
        let related = r["relatedLocations"].as_array().map_or(&[][..], |v| v);
        let expected = d["related"].as_array().unwrap();
        assert_eq!(related.len(), expected.len());
        for (i, (location, label)) in related.iter().zip(expected).enumerate() {
            assert_eq!(
                location["id"],
                i + 1,
                "related locations are numbered from 1"
            );
            assert_eq!(location["message"]["text"], label["message"]);
            assert_region(location, label);
        }
    }
    assert_eq!(run0(&log)["columnKind"], "unicodeCodePoints");
}

/// The SARIF region of `location` matches the JSON `start`/`end` of `label`, end exclusive.
fn assert_region(location: &Value, label: &Value) {
    let physical = &location["physicalLocation"];
    let region = &physical["region"];
    assert_eq!(region["startLine"], label["start"]["line"]);
    assert_eq!(region["startColumn"], label["start"]["column"]);
    assert_eq!(region["endLine"], label["end"]["line"]);
    assert_eq!(region["endColumn"], label["end"]["column"]);
    assert_eq!(region["byteOffset"], label["start"]["offset"]);
    let length =
        label["end"]["offset"].as_u64().unwrap() - label["start"]["offset"].as_u64().unwrap();
    assert_eq!(region["byteLength"], length);
    let artifact = &physical["artifactLocation"];
    let path = label["path"].as_str().unwrap();
    assert_eq!(artifact["uri"], path.replace(' ', "%20"));
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
}

#[test]
fn the_flagged_region_is_exact() {
    let dir = tree();
    let log = sarif(dir.path(), &["main.conf"]);
    let pl102 = result(&log, "PL102");
    assert_eq!(pl102["level"], "error");
    let location = &pl102["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "sites/my%20app.conf");
    // `proxy_pass` on line 8, columns 9 to 19 (exclusive).
    let region = &location["region"];
    assert_eq!(
        (
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"],
            &region["byteLength"]
        ),
        (&8.into(), &9.into(), &8.into(), &19.into(), &10.into())
    );
    let offset = region["byteOffset"].as_u64().unwrap() as usize;
    assert_eq!(&SITE[offset..offset + 10], "proxy_pass");
    assert_eq!(result(&log, "PL303")["level"], "warning");
    assert_eq!(result(&log, "PL202")["level"], "note");
}

#[test]
fn relative_paths_stay_relative_and_absolute_ones_are_file_uris() {
    let dir = tree();
    let log = sarif(dir.path(), &["./main.conf"]);
    let uri = &result(&log, "PL303")["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(uri["uri"], "main.conf", "no `./` segment");
    assert_eq!(uri["uriBaseId"], "%SRCROOT%");
    let base = run0(&log)["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );

    let absolute = dir.path().join("main.conf");
    let log = sarif(dir.path(), &[absolute.to_str().unwrap()]);
    let artifact = &result(&log, "PL102")["locations"][0]["physicalLocation"]["artifactLocation"];
    let uri = artifact["uri"].as_str().unwrap();
    assert!(uri.starts_with("file:///"), "{uri}");
    assert!(uri.ends_with("/sites/my%20app.conf"), "{uri}");
    assert!(artifact.get("uriBaseId").is_none());
}

/// `(ruleId, uri) → [(fingerprint, startLine)]` of every result.
fn fingerprints(log: &Value) -> BTreeMap<(String, String), Vec<(String, u64)>> {
    let mut map: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for r in results(log) {
        let location = &r["locations"][0]["physicalLocation"];
        let key = (
            r["ruleId"].as_str().unwrap().to_string(),
            location["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        let print = r["partialFingerprints"]["proxylintLineHash/v1"]
            .as_str()
            .unwrap_or_else(|| panic!("no fingerprint in {r:#}"))
            .to_string();
        let line = location["region"]["startLine"].as_u64().unwrap();
        map.entry(key).or_default().push((print, line));
    }
    map
}

#[test]
fn fingerprints_survive_a_line_added_above_and_tell_results_apart() {
    let dir = tree();
    let before = fingerprints(&sarif(dir.path(), &["main.conf"]));
    let prints: Vec<&String> = before.values().flatten().map(|(p, _)| p).collect();
    let mut unique = prints.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        prints.len(),
        "fingerprints are unique: {before:#?}"
    );
    assert!(prints
        .iter()
        .all(|p| regex::Regex::new(r"^[0-9a-f]{16}:[0-9]+$")
            .unwrap()
            .is_match(p)));

    // Unrelated edits above the findings in both files; the flagged line is re-indented.
    write(dir.path(), "main.conf", &format!("# deploy notes\n{MAIN}"));
    let site = format!(
        "# managed by hand\n{}",
        SITE.replace("        proxy_pass", "\t\tproxy_pass")
    );
    write(dir.path(), "sites/my app.conf", &site);
    let after = fingerprints(&sarif(dir.path(), &["main.conf"]));
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (key, old) in &before {
        let new = &after[key];
        for ((old_print, old_line), (new_print, new_line)) in old.iter().zip(new) {
            assert_eq!(
                old_print, new_print,
                "{key:?} moved and kept its fingerprint"
            );
            assert_eq!(*new_line, old_line + 1, "{key:?} did move");
        }
    }

    // Changing the flagged line itself changes the fingerprint.
    write(
        dir.path(),
        "sites/my app.conf",
        &site.replace("10.0.0.5:443", "10.0.0.6:443"),
    );
    let changed = fingerprints(&sarif(dir.path(), &["main.conf"]));
    let key = ("PL102".to_string(), "sites/my%20app.conf".to_string());
    assert_ne!(changed[&key][0].0, after[&key][0].0);
}

#[test]
fn unreadable_files_are_results_and_tool_notifications() {
    let dir = tree();
    let log = sarif(dir.path(), &["main.conf", "missing.conf"]);
    let pl000 = result(&log, "PL000");
    assert_eq!(pl000["level"], "error");
    let invocations = run0(&log)["invocations"].as_array().unwrap();
    assert_eq!(invocations.len(), 1);
    assert_eq!(invocations[0]["executionSuccessful"], false);
    let notifications = invocations[0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notifications.len(), 1);
    let note = &notifications[0];
    assert_eq!(note["level"], "error");
    assert_eq!(note["message"]["text"], pl000["message"]["text"]);
    assert!(note["message"]["text"]
        .as_str()
        .unwrap()
        .contains("missing.conf"));
    assert_eq!(
        note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "missing.conf"
    );
    assert_eq!(note["associatedRule"]["id"], "PL000");
    // Findings in the readable files are still there.
    assert!(results(&log).iter().any(|r| r["ruleId"] == "PL102"));

    let log = sarif(dir.path(), &["main.conf"]);
    let invocation = &run0(&log)["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert!(invocation
        .get("toolExecutionNotifications")
        .is_none_or(|n| n.as_array().unwrap().is_empty()));
}
