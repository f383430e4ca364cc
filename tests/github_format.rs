//! `--format github`: one workflow command per finding, with the exact properties GitHub
//! reads, and escaping that keeps a path or message with `,` `:` `%` or a line break from
//! ending the command early or forging another one.

mod common;

use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

use common::{bin, write};

const MAIN: &str = "http {\n    include sites/app.conf;\n    server {\n        listen 80;\n        allow 10.0.0.0/8;\n    }\n}\n";

const SITE: &str = "server {\n    listen 443 ssl;\n    http2 on;\n    server_name signotaur.example.com;\n    allow 10.0.0.0/8;\n    deny all;\n    location / {\n        proxy_pass https://10.0.0.5:443;\n    }\n}\n";

/// Runs `proxylint check --format FORMAT ARGS…` in `dir`: stdout and exit code.
fn run_in(dir: &Path, format: &str, args: &[&str]) -> (String, i32) {
    let output = bin()
        .current_dir(dir)
        .args(["check", "--format", format])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the proxylint binary runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    (stdout, output.status.code().unwrap_or(-1))
}

#[test]
fn one_command_per_finding_with_exact_properties() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.conf", MAIN);
    write(dir.path(), "sites/app.conf", SITE);
    let (stdout, code) = run_in(dir.path(), "github", &["./main.conf", "missing.conf"]);
    assert_eq!(code, 2);
    let lines: Vec<&str> = stdout.lines().collect();
    let expected = [
        "::warning file=main.conf,line=5,col=9,endLine=5,endColumn=14,title=PL303 allow-without-deny::`allow` without a closing `deny`: requests from every other address are allowed too%0Ahelp: end the list with `deny all;`",
        "::error file=missing.conf,line=1,col=1,endLine=1,endColumn=1,title=PL000 io-error::cannot read `missing.conf`: ",
        "::notice file=sites/app.conf,line=3,col=5,endLine=3,endColumn=10,title=PL202 http2-directive-unsupported::the `http2` directive needs nginx 1.25.1 or newer (no target version given)%0Ahelp: on older nginx, write `listen 443 ssl http2;` instead; set the target with `--nginx-version`",
        "::error file=sites/app.conf,line=8,col=9,endLine=8,endColumn=19,title=PL102 grpc-route-missing::no location forwards gRPC path `/SignService/` as gRPC: calls fall into `location /`, and `proxy_pass` forwards them over HTTP/1.0%0Ahelp: add `location /SignService/ { grpc_pass grpcs://10.0.0.5:443; }` to `signotaur.example.com`",
        "::notice file=sites/app.conf,line=8,col=9,endLine=8,endColumn=19,title=PL401 upstream-tls-unverified::backend certificate of `https://10.0.0.5:443` is not verified: `proxy_ssl_verify` is off by default%0Ahelp: fine when the backend's certificate cannot match its name; otherwise set `proxy_ssl_verify on;` with `proxy_ssl_trusted_certificate`",
        "::notice file=sites/app.conf,line=8,col=9,endLine=8,endColumn=19,title=PL402 forwarded-headers-missing::the proxy rule does not pass `Host`, `X-Forwarded-For`, `X-Forwarded-Proto` to the backend%0Ahelp: add `proxy_set_header Host $host;`, `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;` and `proxy_set_header X-Forwarded-Proto $scheme;`",
    ];
    assert_eq!(lines.len(), expected.len(), "{stdout}");
    for (line, expected) in lines.iter().zip(expected) {
        if expected.contains("PL000") {
            // The operating system's wording of "not found" follows the prefix.
            assert!(line.starts_with(expected), "{line}");
        } else {
            assert_eq!(*line, expected);
        }
    }
}

/// The runner's unescaping of a property value or of the message.
fn unescape(text: &str) -> String {
    text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

#[test]
fn commas_colons_percent_signs_and_line_breaks_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // A file name and a directive name (quoted, with nginx's `\n` escape) holding every
    // character the runner treats specially.
    let name = "we,ird:50%\r\nname.conf";
    let config =
        "http {\n    server {\n        listen 80;\n        \"a,b:c%d\\ne\" on;\n    }\n}\n";
    write(dir.path(), name, config);
    let (stdout, _) = run_in(dir.path(), "github", &[name]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "::warning file=we%2Cird%3A50%25%0D%0Aname.conf,line=4,col=9,endLine=4,endColumn=21,title=PL004 unknown-directive::unknown directive `a,b:c%25d%0Ae`"
        ],
        "{stdout}"
    );

    // Unescaped as the runner does, every command gives back the JSON's path and message.
    let (json, _) = run_in(dir.path(), "json", &[name]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let d = &json["diagnostics"][0];
    let shape = regex::Regex::new(
        r"^::(error|warning|notice) file=([^,]*),line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=([^,:]*)::(.*)$",
    )
    .unwrap();
    let caps = shape.captures(lines[0]).expect("one well-formed command");
    assert_eq!(unescape(&caps[2]), d["path"].as_str().unwrap());
    assert_eq!(unescape(&caps[2]), name);
    assert_eq!(&caps[3], "PL004 unknown-directive");
    assert_eq!(unescape(&caps[4]), d["message"].as_str().unwrap());
}

#[test]
fn every_line_is_one_well_formed_command() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.conf", MAIN);
    write(dir.path(), "sites/app.conf", SITE);
    let (stdout, _) = run_in(dir.path(), "github", &["."]);
    let shape = regex::Regex::new(
        r"^::(error|warning|notice) file=[^,:]+,line=[1-9]\d*,col=[1-9]\d*,endLine=[1-9]\d*,endColumn=[1-9]\d*,title=PL\d{3} [a-z0-9-]+::\S.*$",
    )
    .unwrap();
    assert!(!stdout.is_empty());
    for line in stdout.lines() {
        assert!(shape.is_match(line), "{line}");
        assert!(!line.contains('\r'));
        // `check .` names files `./main.conf`; GitHub wants repository paths.
        assert!(!line.contains("file=."), "{line}");
    }
}
