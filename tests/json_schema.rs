//! `docs/json-output.schema.json` describes what `--format json` really writes: real output
//! (findings in two files, related locations, an unreadable file, a clean run) validates
//! against it, the schema rejects what the contract forbids, and every field the binary
//! writes is named in the schema, so a new field cannot go undocumented.
//!
//! The schema lets consumers accept fields added within version 1; the last check is what
//! keeps the schema itself complete. Validation reads nothing from outside: the retriever
//! given to `jsonschema` refuses every external reference.

mod common;

use std::path::Path;
use std::process::Stdio;

use serde_json::{json, Value};

use common::{bin, project_dir, write};

const MAIN: &str = "http {\n    include sites/*.conf;\n    server {\n        listen 80;\n        allow 10.0.0.0/8;\n    }\n}\n";

const SITE: &str = "server {\n    listen 443 ssl;\n    http2 on;\n    server_name signotaur.example.com;\n    allow 10.0.0.0/8;\n    deny all;\n    location / {\n        proxy_pass https://10.0.0.5:443;\n    }\n}\n";

fn schema() -> Value {
    let path = project_dir().join("docs/json-output.schema.json");
    let text = std::fs::read_to_string(&path).expect("the JSON output schema exists");
    serde_json::from_str(&text).expect("the schema is JSON")
}

struct NoRetrieval;

impl jsonschema::Retrieve for NoRetrieval {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("refusing to retrieve {uri}: the schema is self-contained").into())
    }
}

fn schema_errors(instance: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_retriever(NoRetrieval)
        .build(&schema())
        .expect("the schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

fn json_in(dir: &Path, args: &[&str]) -> Value {
    let output = bin()
        .current_dir(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the proxylint binary runs");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// Real output with every kind of field filled: two files, related locations, `help`
/// present and absent, an unreadable file.
fn rich_output() -> Value {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.conf", MAIN);
    write(dir.path(), "sites/app.conf", SITE);
    write(
        dir.path(),
        "sites/odd.conf",
        "server {\n    listen 81;\n    unknown_thing on;\n}\n",
    );
    json_in(dir.path(), &["main.conf", "missing.conf"])
}

#[test]
fn real_output_is_valid() {
    let report = rich_output();
    let diagnostics = report["diagnostics"].as_array().unwrap();
    // The output exercises what the schema describes.
    assert!(diagnostics.iter().any(|d| d["code"] == "PL000"));
    assert!(diagnostics.iter().any(|d| d["help"].is_null()));
    assert!(diagnostics.iter().any(|d| d["help"].is_string()));
    assert!(diagnostics
        .iter()
        .any(|d| !d["related"].as_array().unwrap().is_empty()));
    for severity in ["error", "warning", "info"] {
        assert!(diagnostics.iter().any(|d| d["severity"] == severity));
    }
    let errors = schema_errors(&report);
    assert!(errors.is_empty(), "{errors:#?}\n{report:#}");

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "nginx.conf", "events {}\n");
    let clean = json_in(dir.path(), &["nginx.conf"]);
    assert_eq!(clean["diagnostics"], json!([]));
    let errors = schema_errors(&clean);
    assert!(errors.is_empty(), "{errors:#?}");
}

/// What a change breaks, and the change.
type Breakage = (&'static str, fn(&mut Value));

#[test]
fn the_schema_rejects_what_the_contract_forbids() {
    let report = rich_output();
    let broken: [Breakage; 6] = [
        ("another version", |r| r["version"] = json!(2)),
        ("an unknown severity", |r| {
            r["diagnostics"][0]["severity"] = json!("fatal")
        }),
        ("a 0 column", |r| {
            r["diagnostics"][0]["start"]["column"] = json!(0)
        }),
        ("a missing help", |r| {
            r["diagnostics"][0].as_object_mut().unwrap().remove("help");
        }),
        ("a code that is not PLnnn", |r| {
            r["diagnostics"][0]["code"] = json!("E101")
        }),
        ("a negative count", |r| r["summary"]["errors"] = json!(-1)),
    ];
    for (what, change) in broken {
        let mut instance = report.clone();
        change(&mut instance);
        assert!(!schema_errors(&instance).is_empty(), "{what} was accepted");
    }
}

/// Every object key in `value` at `path`, with the schema node that should declare it.
fn undeclared(schema: &Value, node: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    let node = resolve(schema, node);
    match value {
        Value::Object(map) => {
            let properties = node["properties"].as_object();
            for (key, child) in map {
                match properties.and_then(|p| p.get(key)) {
                    Some(declared) => {
                        undeclared(schema, declared, child, &format!("{path}/{key}"), out)
                    }
                    None => out.push(format!("{path}/{key}")),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                undeclared(schema, &node["items"], item, &format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Follows a local `$ref` (`#/$defs/name`).
fn resolve<'a>(schema: &'a Value, node: &'a Value) -> &'a Value {
    match node["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            resolve(
                schema,
                schema.pointer(pointer).expect("the reference exists"),
            )
        }
        None => node,
    }
}

#[test]
fn every_field_the_binary_writes_is_documented() {
    let schema = schema();
    let mut missing = Vec::new();
    undeclared(&schema, &schema, &rich_output(), "", &mut missing);
    assert!(
        missing.is_empty(),
        "fields missing from docs/json-output.schema.json: {missing:?}"
    );
}
