//! Helpers the integration tests share: running the real binary and reading its JSON.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_proxylint"));
    cmd.env_remove("NO_COLOR");
    cmd
}

/// Runs `proxylint check --format json ARGS…` and returns the parsed report and exit code.
pub fn check_json(args: &[&str]) -> (Value, i32) {
    let output = bin()
        .arg("check")
        .arg("--format")
        .arg("json")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the proxylint binary runs");
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): stdout {} stderr {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (report, output.status.code().unwrap_or(-1))
}

pub fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the proxylint binary runs")
}

/// `(code, line, column, severity)` of every diagnostic.
pub fn findings(report: &Value) -> Vec<(String, u64, u64, String, String)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["start"]["line"].as_u64().unwrap(),
                d["start"]["column"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_string(),
                d["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn codes(report: &Value) -> Vec<String> {
    findings(report).into_iter().map(|f| f.0).collect()
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared corpus, or `None` (skip) when absent outside CI; under `CI=true` its absence
/// fails the test.
pub fn shared_corpus() -> Option<PathBuf> {
    let dir = project_dir().join("../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "the shared corpus is missing at {} (required under CI=true)",
            dir.display()
        );
    }
    eprintln!("skipping: no shared corpus at {}", dir.display());
    None
}
