//! Regression tests for the crashes, hangs and lies the fuzzer (`tests/fuzz_nginx.rs`) found.
//! Each test names the bug it pins; the input is the smallest one that showed it.
//!
//! The hangs are pinned by comparing two runs in the same test (the bad input against a
//! similar harmless one), never against a clock figure, and with margins wide enough that
//! only a change of complexity (the bugs were 50× to 800×) fails them on a busy machine.

mod common;

use std::time::{Duration, Instant};

use common::{check_json, findings, write};
use proxylint_report::{render, Format, HumanOptions, Summary};
use proxylint_rules::{check_nginx, Diagnostic, Settings};
use proxylint_syntax::nginx::{parse, Directive, LoadOptions, RealFileSystem, Workspace};

/// Loads `text` as `nginx.conf` in a scratch tree and runs every rule.
fn check(text: &[u8]) -> (Workspace, Vec<Diagnostic>) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut ws = Workspace::new();
    ws.add_file(root.join("nginx.conf"), text.to_vec());
    let options = LoadOptions {
        roots: vec![root],
        ..LoadOptions::default()
    };
    let entries = ws.resolve(&RealFileSystem, &options);
    let diagnostics = check_nginx(&ws, &entries, &Settings::default());
    (ws, diagnostics)
}

/// How long [`check`] takes on `text`.
fn time_check(text: &[u8]) -> Duration {
    let started = Instant::now();
    check(text);
    started.elapsed()
}

fn human_report(text: &[u8]) -> Vec<u8> {
    let (ws, diagnostics) = check(text);
    let summary = Summary::new(ws.sources.len(), &diagnostics);
    let options = HumanOptions {
        color: false,
        summary: true,
    };
    let mut out = Vec::new();
    render(
        Format::Human,
        &ws.sources,
        &diagnostics,
        summary,
        options,
        &mut out,
    )
    .unwrap();
    out
}

/// Bug: a quoted word cut short by the end of its line or of the file is one byte long (the
/// lone quote); its text span came out reversed (`start + 1 > end - 1`), and reading its
/// value panicked with "slice index starts at 1 but ends at 0". A file holding only `"`
/// crashed the loader, and `'\n8;` crashed the parser itself. Fixed in dc4c0cf.
#[test]
fn a_lone_quote_at_the_end_of_a_file_is_a_syntax_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "quote.conf", "\"");
    let (report, code) = check_json(&[path.to_str().unwrap()]);
    assert_eq!(code, 1);
    let first = &report["diagnostics"][0];
    assert_eq!(first["code"], "PL001");
    assert_eq!(
        (
            first["start"]["line"].clone(),
            first["start"]["column"].clone()
        ),
        (1.into(), 1.into())
    );
    assert!(first["message"]
        .as_str()
        .unwrap()
        .contains("unterminated string"));
}

/// The same bug through the parser: a lone quote as a directive name, then a new line.
#[test]
fn a_lone_quote_before_a_new_line_parses_without_a_panic() {
    for text in [
        &b"'\n8;"[..],
        b"\"",
        b"t '",
        b"server {\n    server_name \"\n    listen 80;\n}\n",
    ] {
        let parsed = parse(text);
        let mut stack: Vec<&Directive> = parsed.directives.iter().collect();
        while let Some(d) = stack.pop() {
            for word in std::iter::once(&d.name).chain(&d.args) {
                let inner = word.inner();
                assert!(
                    inner.start <= inner.end,
                    "{:?}: reversed {inner:?}",
                    text.escape_ascii().to_string()
                );
                let _ = word.value(text);
            }
            stack.extend(d.children());
        }
        assert!(!parsed.errors.is_empty());
    }
}

/// The realistic form: an opening quote left at the end of a line in a site.
#[test]
fn a_quote_left_open_at_the_end_of_a_line_is_pl001() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "site.conf",
        "server {\n    listen 80;\n    server_name \"\n    root /srv/www;\n}\n",
    );
    let (report, code) = check_json(&[path.to_str().unwrap()]);
    assert_eq!(code, 1);
    let pl001: Vec<_> = findings(&report)
        .into_iter()
        .filter(|f| f.0 == "PL001")
        .map(|f| (f.1, f.2))
        .collect();
    assert_eq!(pl001.first(), Some(&(3, 17)), "{report}");
}

/// Bug (hang): PL004 looks for a "did you mean" among all ~1,800 known directive names with
/// a full edit-distance table per name, for every unknown directive, again and again for the
/// same name. One typo repeated in 2,000 generated servers took 5 s in a release build (86 s
/// in a debug build) where the correct spelling takes 0.1 s; the fuzzer's 56 KB input of
/// junk lines ran for over 30 s. The same typo in 300 servers must cost about what the
/// correct directive costs.
#[test]
fn one_typo_repeated_in_many_servers_costs_about_what_the_correct_directive_costs() {
    let config = |directive: &str| {
        let mut text = String::from("http {\n");
        for i in 0..300 {
            text.push_str(&format!(
                "    server {{\n        listen 80;\n        server_name app{i}.example.com;\n        \
                 {directive} 300s;\n        location / {{\n            root /srv/www;\n        }}\n    }}\n"
            ));
        }
        text.push_str("}\n");
        text
    };
    let correct = time_check(config("proxy_read_timeout").as_bytes());
    let typo = time_check(config("proxy_read_timout").as_bytes());
    assert!(
        typo < correct * 10 + Duration::from_secs(3),
        "300 copies of a typo took {typo:?}, the correct directive {correct:?}"
    );
}

/// Bug (hang): the same search costs time in proportion to the unknown name's length, times
/// 1,800: a 20 KB unknown name (a pasted blob) took 2 s in a release build and 58 s in a
/// debug build; the fuzzer's 7 KB one 8 s. A 4 KB unknown name must cost about what a
/// 4 KB argument of a known directive costs.
#[test]
fn a_long_unknown_directive_name_is_checked_in_bounded_time() {
    let blob = "x".repeat(4096);
    let argument = time_check(format!("server_name {blob};\n").as_bytes());
    let name = time_check(format!("{blob} on;\n").as_bytes());
    assert!(
        name < argument * 10 + Duration::from_secs(3),
        "a 4 KB unknown name took {name:?}, a 4 KB argument {argument:?}"
    );
}

/// Bug (hang): the human format prints, for every finding, the snippet of the lines around
/// it in full. On one long line every finding repeats the whole line: the fuzzer's 64 KB
/// line with 3,641 findings gave 358 MB of output in 3.3 s (release). The same 400 findings
/// must give a report of about the same size whether the configuration is on one line or on
/// 400 lines.
#[test]
fn findings_on_one_long_line_give_a_report_of_bounded_size() {
    let server = "server { listen 80; allow 10.0.0.0/8; }";
    let one_line = format!("{}\n", [server; 400].join(" "));
    let many_lines = format!("{server}\n").repeat(400);
    let long = human_report(one_line.as_bytes());
    let short = human_report(many_lines.as_bytes());
    assert!(
        long.len() < short.len() * 4,
        "400 findings on one 16 KB line: {} bytes of report; on 400 lines: {} bytes",
        long.len(),
        short.len()
    );
}

/// Bug (hang): the human format finds each finding's snippet by scanning the file from its
/// start (miette's `read_span` on the whole text), so rendering is quadratic: 1,000
/// findings in a 1,000-line file took 0.13 s in a release build, 4,000 in a 4,000-line file
/// 1.6 s, and the fuzzer's 49 KB input with 3,375 findings 5.8 s in a debug build. Four
/// times the findings must cost about four times the time, not sixteen.
#[test]
fn the_human_report_takes_time_linear_in_the_number_of_findings() {
    let server = "server { listen 80; allow 10.0.0.0/8; }\n";
    let time_render = |servers: usize| {
        let text = server.repeat(servers);
        let (ws, diagnostics) = check(text.as_bytes());
        assert_eq!(diagnostics.len(), servers);
        let summary = Summary::new(ws.sources.len(), &diagnostics);
        let options = HumanOptions {
            color: false,
            summary: true,
        };
        let started = Instant::now();
        let mut out = std::io::sink();
        render(
            Format::Human,
            &ws.sources,
            &diagnostics,
            summary,
            options,
            &mut out,
        )
        .unwrap();
        started.elapsed()
    };
    let small = time_render(1000);
    let large = time_render(4000);
    assert!(
        large < small * 16 + Duration::from_secs(3),
        "1,000 findings rendered in {small:?}, 4,000 in {large:?}"
    );
}

/// Bug (a lie to the terminal): the human format escapes control characters in messages
/// but not in the messages of related labels, and the "this `}` was meant for an outer
/// block" label quotes the block's name raw. The fuzzer's `{\n \x08{\n}` printed a raw
/// backspace; a block named `server\x1b[2J` clears the screen of whoever reads the report.
#[test]
fn control_characters_in_a_related_label_are_escaped_in_the_human_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "esc.conf",
        "http {\n    server\u{1b}[2J {\n        listen 80;\n}\n",
    );
    let out = common::run(&["check", "--color", "never", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("was meant for an outer block"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
}

/// Bug (a lie, from a4d9593): the human format's snippets for a CRLF file end each context
/// line with its CR, so the line after the flagged one is printed with the flagged line's
/// number again (`4 │ }` after `4 │ allow …`) and a raw CR reaches the terminal. The fuzzer's
/// input was `}\r\r\n`. The report of a CRLF or CR file must be the report of its LF twin,
/// blanks at the ends of lines aside (a CR may show as a space, which keeps the offsets).
#[test]
fn the_human_report_of_a_crlf_or_cr_file_is_that_of_its_lf_twin() {
    let lf = "http {\n    server {\n        listen 80;\n        allow 10.0.0.0/8;\n    }\n}\n";
    let report = |text: &str| {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "site.conf", text);
        let out = common::bin()
            .current_dir(dir.path())
            .args(["check", "--no-config", "--color", "never", "site.conf"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    let lines = |report: &str| -> Vec<String> {
        report.lines().map(|l| l.trim_end().to_string()).collect()
    };
    let expected = report(lf);
    assert!(expected.contains(" 5 │     }"), "{expected}");
    for (name, text) in [
        ("CRLF", lf.replace('\n', "\r\n")),
        ("CR", lf.replace('\n', "\r")),
    ] {
        let got = report(&text);
        assert!(!got.contains('\r'), "{name}: a raw CR in {got:?}");
        assert_eq!(lines(&got), lines(&expected), "{name}");
    }
}

/// Bug (hang): for every `{` glued to the text before it, the parser looks ahead for the
/// next `}` (to tell a regex quantifier like `{1,3}`) before it checks anything else, and a
/// `{` without a directive (after `;`, or among the rows of a `map`) opens a frame that the
/// depth cap does not count. With no `}` ahead, each such `{` scans to the end of the file:
/// `map $x{` on 128,000 lines (1 MB) took 22 s to parse in a release build, `;{` on as many
/// 8 s; the fuzzer's 64 KB of `map $http_use{` lines 2 s in a debug build. Glued, the
/// braces must cost about what they cost with a space before them.
#[test]
fn braces_glued_to_the_text_before_them_parse_in_linear_time() {
    let time_parse = |text: String| {
        let started = Instant::now();
        let parsed = parse(text.as_bytes());
        assert!(!parsed.errors.is_empty());
        started.elapsed()
    };
    for (glued, spaced) in [(";{\n", "; {\n"), ("map $x{\n", "map $x {\n")] {
        let apart = time_parse(spaced.repeat(40_000));
        let together = time_parse(glued.repeat(40_000));
        assert!(
            together < apart * 10 + Duration::from_secs(3),
            "40,000 lines of {glued:?} parsed in {together:?}, of {spaced:?} in {apart:?}"
        );
    }
}

/// Found by the pipeline fuzzer (seed 1796415245713915568): a NUL byte 8,000 bytes into a
/// file made it "binary" (one PL001), but its CRLF twin, where the byte sits past the 8 KiB
/// the check looked at, was parsed as text (53 findings). Whether a file is text no longer
/// depends on where its NUL byte falls.
#[test]
fn a_nul_byte_far_into_a_file_makes_it_binary_whatever_its_line_endings() {
    let mut text = b"server {\n    listen 80;\n".to_vec();
    for _ in 0..2000 {
        text.extend_from_slice(b"    # filler\n");
    }
    text.extend_from_slice(b"}\n\0\n");
    let crlf: Vec<u8> = String::from_utf8(text.clone())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    for bytes in [text, crlf] {
        let (_, diagnostics) = check(&bytes);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].code, "PL001");
        assert!(diagnostics[0].message.contains("NUL byte"));
    }
}
