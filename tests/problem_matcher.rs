//! `.github/proxylint-matcher.json` reads the concise format as the binary really writes it:
//! its regular expression, taken from the file, matches every line of real output and its
//! groups give back each finding's file, line, column, severity, code and message. The
//! VS Code example in `docs/vscode-tasks.json` uses the same expression.
//!
//! GitHub's runner compiles matcher expressions as ECMAScript regular expressions; the ones
//! in the file use only syntax that means the same in Rust's `regex` (no look-around, no
//! back-references), so they are compiled here as written, without conversion.

mod common;

use std::path::Path;
use std::process::Stdio;

use regex::Regex;
use serde_json::Value;

use common::{bin, project_dir, write};

const MAIN: &str = "http {\n    include sites/*.conf;\n    server {\n        listen 80;\n        allow 10.0.0.0/8;\n    }\n}\n";

const SITE: &str = "server {\n    listen 443 ssl;\n    http2 on;\n    server_name signotaur.example.com;\n    allow 10.0.0.0/8;\n    deny all;\n    location / {\n        proxy_pass https://10.0.0.5:443;\n    }\n}\n";

fn read_json(relative: &str) -> Value {
    let path = project_dir().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn matchers() -> Vec<Value> {
    read_json(".github/proxylint-matcher.json")["problemMatcher"]
        .as_array()
        .expect("a `problemMatcher` array")
        .clone()
}

/// The single pattern of a matcher, its compiled expression and a group index by name.
struct Pattern {
    regex: Regex,
    config: Value,
}

impl Pattern {
    fn of(matcher: &Value) -> Pattern {
        let patterns = matcher["pattern"].as_array().expect("a pattern array");
        assert_eq!(patterns.len(), 1, "one line per finding, one pattern");
        let config = patterns[0].clone();
        let source = config["regexp"].as_str().expect("a regexp");
        let regex = Regex::new(source).unwrap_or_else(|e| panic!("`{source}`: {e}"));
        Pattern { regex, config }
    }

    fn group(&self, name: &str) -> Option<usize> {
        self.config[name].as_u64().map(|i| i as usize)
    }

    /// `name → text` for the groups the matcher names, or `None` when the line does not
    /// match.
    fn read<'a>(&self, line: &'a str) -> Option<Vec<(&'static str, &'a str)>> {
        let caps = self.regex.captures(line)?;
        let names = ["file", "line", "column", "severity", "code", "message"];
        Some(
            names
                .into_iter()
                .filter_map(|name| {
                    let i = self.group(name)?;
                    Some((name, caps.get(i).map_or("", |m| m.as_str())))
                })
                .collect(),
        )
    }
}

fn get<'a>(groups: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    groups.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

fn run_in(dir: &Path, format: &str, args: &[&str]) -> String {
    let output = bin()
        .current_dir(dir)
        .args(["check", "--format", format])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the proxylint binary runs");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Concise output and the JSON diagnostics of the same run: an error, a warning and infos,
/// in a file whose name has a space and one whose name looks like a position.
fn real_output() -> (String, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.conf", MAIN);
    write(dir.path(), "sites/my app.conf", SITE);
    write(
        dir.path(),
        "sites/v1:2:3.conf",
        "server {\n    listen 80;\n    allow 10.0.0.0/8;\n}\n",
    );
    let concise = run_in(dir.path(), "concise", &["main.conf"]);
    let json: Value = serde_json::from_str(&run_in(dir.path(), "json", &["main.conf"])).unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap().clone();
    (concise, diagnostics)
}

#[test]
fn the_matcher_file_is_one_the_runner_accepts() {
    let matchers = matchers();
    assert!(!matchers.is_empty());
    let mut owners = Vec::new();
    for matcher in &matchers {
        let owner = matcher["owner"].as_str().expect("an owner");
        assert!(!owner.is_empty());
        owners.push(owner.to_lowercase());
        // The runner accepts no other default severities.
        let severity = matcher["severity"].as_str().unwrap_or("");
        assert!(["", "error", "warning", "notice"].contains(&severity));
        let pattern = Pattern::of(matcher);
        let groups = pattern.regex.captures_len();
        for name in ["file", "line", "column", "severity", "code", "message"] {
            if let Some(i) = pattern.group(name) {
                assert!(i < groups, "{owner}: `{name}` names group {i} of {groups}");
            }
        }
        assert!(pattern.group("message").is_some(), "{owner} sets `message`");
    }
    let count = owners.len();
    owners.sort();
    owners.dedup();
    assert_eq!(owners.len(), count, "owners are unique");
}

#[test]
fn the_main_pattern_reads_every_line_of_real_concise_output() {
    let pattern = Pattern::of(&matchers()[0]);
    let (concise, diagnostics) = real_output();
    let lines: Vec<&str> = concise.lines().collect();
    assert_eq!(lines.len(), diagnostics.len(), "{concise}");
    let mut severities = Vec::new();
    for (line, d) in lines.iter().zip(&diagnostics) {
        let groups = pattern
            .read(line)
            .unwrap_or_else(|| panic!("no match: {line}"));
        assert_eq!(get(&groups, "file"), d["path"].as_str(), "{line}");
        assert_eq!(get(&groups, "line"), Some(&*d["start"]["line"].to_string()));
        assert_eq!(
            get(&groups, "column"),
            Some(&*d["start"]["column"].to_string())
        );
        assert_eq!(get(&groups, "severity"), d["severity"].as_str());
        assert_eq!(get(&groups, "code"), d["code"].as_str());
        let message = d["message"].as_str().unwrap();
        let one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(get(&groups, "message"), Some(one_line.as_str()));
        severities.push(d["severity"].as_str().unwrap().to_string());
    }
    for severity in ["error", "warning", "info"] {
        assert!(severities.iter().any(|s| s == severity), "{concise}");
    }
    // A file name that looks like a position is still read whole.
    assert!(lines
        .iter()
        .any(|l| l.starts_with("sites/v1:2:3.conf:3:5: ")));
}

#[test]
fn infos_become_notices_on_github() {
    // The runner skips a match whose severity is not error, warning or notice and tries the
    // next matcher, so a second one reads infos with the default severity `notice`.
    let matchers = matchers();
    let info = matchers
        .iter()
        .find(|m| m["severity"] == "notice")
        .expect("a matcher for infos");
    let pattern = Pattern::of(info);
    assert_eq!(pattern.group("severity"), None);
    let (concise, diagnostics) = real_output();
    for (line, d) in concise.lines().zip(&diagnostics) {
        let groups = pattern.read(line);
        if d["severity"] == "info" {
            let groups = groups.unwrap_or_else(|| panic!("no match: {line}"));
            assert_eq!(get(&groups, "file"), d["path"].as_str());
            assert_eq!(get(&groups, "code"), d["code"].as_str());
        } else {
            assert!(groups.is_none(), "{line}");
        }
    }
}

#[test]
fn the_vscode_example_uses_the_same_pattern() {
    let tasks = read_json("docs/vscode-tasks.json");
    let task = &tasks["tasks"][0];
    let args: Vec<&str> = task["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(args.windows(2).any(|w| w == ["--format", "concise"]));
    let matcher = &task["problemMatcher"];
    assert_eq!(matcher["fileLocation"][0], "autoDetect");
    let main = &matchers()[0]["pattern"][0];
    let pattern = &matcher["pattern"];
    for key in [
        "regexp", "file", "line", "column", "severity", "code", "message",
    ] {
        assert_eq!(
            pattern[key], main[key],
            "`{key}` differs from the GitHub matcher"
        );
    }
}
