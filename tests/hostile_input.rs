//! Hostile and broken input through the real binary: very large trees and very long lines,
//! bytes that are not UTF-8, UTF-16 and binary files, odd line ends, include loops through
//! globs and symbolic links, devices and FIFOs, empty files, files that vanish while they are
//! read, and includes that leave the checked tree.
//!
//! Every run of the binary has a time limit: a child that is still running after it is
//! killed and the test fails, so a hang is a failure, never a stuck test run. Each test pins
//! the exit code and the exact findings (code, line, column) where it can.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{findings, write};
use proxylint_rules::{check_nginx, Settings};
use proxylint_syntax::nginx::{FileSystem, LoadOptions, Workspace};
use serde_json::Value;

/// How long one run of the binary may take before it counts as a hang.
const LIMIT: Duration = Duration::from_secs(20);

/// One finished run of `proxylint check --format json`.
struct Run {
    report: Value,
    code: i32,
    stdout: String,
    elapsed: Duration,
    /// Peak resident memory of the child in KiB, when `/usr/bin/time` could measure it.
    peak_kib: Option<u64>,
}

impl Run {
    /// `(code, line, column, severity, path)` of every finding.
    fn findings(&self) -> Vec<(String, u64, u64, String, String)> {
        findings(&self.report)
    }

    /// `(code, line, column)` of every finding, in report order.
    fn places(&self) -> Vec<(String, u64, u64)> {
        self.findings()
            .into_iter()
            .map(|(code, line, column, _, _)| (code, line, column))
            .collect()
    }

    fn files(&self) -> u64 {
        self.report["summary"]["files"].as_u64().unwrap()
    }
}

/// `proxylint check --no-config --format json ARGS…`, killed after `LIMIT`.
fn check(args: &[&str]) -> Run {
    run_json(&[], args, LIMIT, false)
}

/// [`check`] run from the directory `cwd`, so that paths may be relative.
fn check_in(cwd: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_proxylint"));
    cmd.current_dir(cwd)
        .args(["check", "--no-config", "--format", "json"])
        .args(args);
    let (stdout, code, elapsed) = run_within(cmd, LIMIT);
    Run {
        report: serde_json::from_str(&stdout).expect("JSON"),
        code,
        stdout,
        elapsed,
        peak_kib: None,
    }
}

/// Runs the binary with `extra` check options and `args`, within `limit`; with `measure`,
/// under `/usr/bin/time -f %M` (when present) for the peak memory.
fn run_json(extra: &[&str], args: &[&str], limit: Duration, measure: bool) -> Run {
    let time = Path::new("/usr/bin/time");
    let rss = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = if measure && time.exists() {
        let mut cmd = Command::new(time);
        cmd.args(["-f", "%M", "-o"]).arg(rss.path());
        cmd.arg(env!("CARGO_BIN_EXE_proxylint"));
        cmd
    } else {
        Command::new(env!("CARGO_BIN_EXE_proxylint"))
    };
    cmd.args(["check", "--no-config", "--format", "json"])
        .args(extra)
        .args(args)
        .env_remove("NO_COLOR");
    let (stdout, code, elapsed) = run_within(cmd, limit);
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}) from {args:?}: {}", cut(&stdout)));
    let peak_kib = std::fs::read_to_string(rss.path())
        .ok()
        .and_then(|s| s.trim().lines().last()?.trim().parse().ok());
    Run {
        report,
        code,
        stdout,
        elapsed,
        peak_kib,
    }
}

/// Runs `cmd` with its output drained on threads; kills it and fails the test when it is
/// still running after `limit`. Returns stdout, the exit code and the time taken.
fn run_within(mut cmd: Command, limit: Duration) -> (String, i32, Duration) {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the proxylint binary starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("proxylint was still running after {limit:?} and had to be killed: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&stdout.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
    assert!(
        !stderr.contains("panicked"),
        "proxylint panicked: {}",
        cut(&stderr)
    );
    (stdout, status.code().unwrap_or(-1), elapsed)
}

/// Long output, cut for a failure message.
fn cut(text: &str) -> String {
    text.chars().take(2000).collect()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn big_tests_enabled() -> bool {
    std::env::var("PROXYLINT_BIG_TESTS").as_deref() == Ok("1")
        || std::env::var("CI").as_deref() == Ok("true")
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

fn places(list: &[(&str, u64, u64)]) -> Vec<(String, u64, u64)> {
    list.iter()
        .map(|&(code, line, column)| (code.to_string(), line, column))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Size.

/// A server block of about 5 KB: forty locations and two shared snippets.
fn server_block(file: usize, server: usize) -> String {
    let mut out = format!(
        "server {{\n    listen 80;\n    server_name app-{file}-{server}.example.com;\n    \
         include snippets/acl.conf;\n    include snippets/static.conf;\n"
    );
    for l in 0..40 {
        out.push_str(&format!(
            "    location /path-{l}/ {{\n        root /srv/www/app-{file}-{server};\n        \
             index index.html;\n    }}\n"
        ));
    }
    out.push_str("}\n");
    out
}

/// 100 MB in 1,340 files of twenty servers each (26,800 servers), every one including two
/// shared snippets, and in each file one server whose `allow` has no closing `deny`.
#[test]
fn a_100_mb_tree_of_servers_and_includes_is_checked() {
    if !big_tests_enabled() {
        eprintln!("skipping the 100 MB tree: set PROXYLINT_BIG_TESTS=1 (or CI=true) to run it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "nginx.conf",
        "events {}\nhttp {\n    include snippets/http.conf;\n    include sites/*.conf;\n}\n",
    );
    write(
        root,
        "snippets/http.conf",
        "sendfile on;\nkeepalive_timeout 65;\n",
    );
    write(root, "snippets/acl.conf", "allow 10.0.0.0/8;\ndeny all;\n");
    write(
        root,
        "snippets/static.conf",
        "location /static/ {\n    root /srv/static;\n    expires 1h;\n}\n",
    );
    let files = 1340;
    let mut total = 0;
    let mut open_server_lines = Vec::new();
    for f in 0..files {
        let mut text: String = (0..20).map(|s| server_block(f, s)).collect();
        open_server_lines.push(text.lines().count() as u64 + 4);
        text.push_str(&format!(
            "server {{\n    listen 8080;\n    server_name open-{f}.example.com;\n    \
             allow 192.168.0.0/16;\n}}\n"
        ));
        total += text.len();
        write(root, &format!("sites/site-{f:04}.conf"), &text);
    }
    assert!(total > 100_000_000, "{total} bytes");
    let main = root.join("nginx.conf");
    let run = run_json(&[], &[s(&main)], Duration::from_secs(900), true);
    eprintln!(
        "100 MB tree: {total} bytes in {} files checked in {:.1?}, peak RSS {}",
        files + 4,
        run.elapsed,
        run.peak_kib
            .map_or("not measured".into(), |k| format!("{} MiB", k / 1024))
    );
    assert_eq!(run.code, 1, "{}", cut(&run.stdout));
    assert_eq!(run.files(), files as u64 + 4);
    let found = run.findings();
    assert_eq!(found.len(), files, "one finding per site file");
    for (f, (code, line, column, severity, path)) in found.iter().enumerate() {
        assert_eq!(
            (code.as_str(), severity.as_str()),
            ("PL303", "warning"),
            "{path}"
        );
        assert!(path.ends_with(&format!("sites/site-{f:04}.conf")), "{path}");
        assert_eq!((*line, *column), (open_server_lines[f], 5), "{path}");
    }
}

/// One line of 10 MB: 120,000 servers, and at its very end an `allow` without `deny`, whose
/// column counts every character before it.
#[test]
fn a_10_mb_single_line_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("events {} http {");
    let mut servers = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&format!(
            " server {{ listen 80; server_name app{servers}.example.com; location / {{ root /srv/www; }} }}"
        ));
        servers += 1;
    }
    let allow_at = text.len() + " server { listen 8080; ".len();
    text.push_str(" server { listen 8080; allow 10.0.0.0/8; } }\n");
    let path = write(dir.path(), "nginx.conf", &text);
    let run = run_json(&[], &[s(&path)], Duration::from_secs(120), true);
    eprintln!(
        "10 MB line: {} bytes, {servers} servers, checked in {:.1?}, peak RSS {}",
        text.len(),
        run.elapsed,
        run.peak_kib
            .map_or("not measured".into(), |k| format!("{} MiB", k / 1024))
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.places(), places(&[("PL303", 1, allow_at as u64 + 1)]));
    assert_eq!(
        run.report["diagnostics"][0]["start"]["offset"],
        allow_at as u64
    );
    assert_eq!(run.files(), 1);
}

// ---------------------------------------------------------------------------------------
// Encodings and bytes.

/// Bytes that are not UTF-8 count one column each; what follows them on their line and on
/// the next lines keeps its exact position.
#[test]
fn bytes_that_are_not_utf8_keep_the_positions_after_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_bytes(
        dir.path(),
        "bytes.conf",
        b"http {\n    server {\n        listen 80;\n        caf\xe9_x on; \xff\xfe on;\n        \
          server_name caf\xc3\xa9.example; allow 10.0.0.0/8;\n    }\n}\n",
    );
    let run = check(&[s(&path)]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.places(),
        places(&[("PL004", 4, 9), ("PL004", 4, 20), ("PL303", 5, 35)])
    );
    let d = &run.report["diagnostics"];
    // `caf\xe9_x`: six bytes, one of them not UTF-8, six columns.
    assert_eq!(d[0]["start"]["offset"], 47);
    assert_eq!(d[0]["end"]["offset"], 53);
    assert_eq!(d[0]["end"]["column"], 15);
    assert_eq!(d[1]["start"]["offset"], 58);
    // `café` is five bytes but four columns.
    assert_eq!(d[2]["start"]["offset"], 100);
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    text.encode_utf16()
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

#[test]
fn a_utf16_file_with_a_byte_order_mark_is_pl001() {
    let dir = tempfile::tempdir().unwrap();
    for (name, big_endian) in [("le/nginx.conf", false), ("be/nginx.conf", true)] {
        let text = "\u{feff}events {}\nhttp {\n    server {\n        listen 80;\n    }\n}\n";
        let path = write_bytes(dir.path(), name, &utf16(text, big_endian));
        let run = check(&[s(&path)]);
        assert_eq!(run.code, 1, "{name}");
        assert_eq!(run.places(), places(&[("PL001", 1, 1)]), "{name}");
        let d = &run.report["diagnostics"][0];
        assert!(d["message"].as_str().unwrap().contains("UTF-16"), "{d}");
        assert_eq!(d["end"]["offset"], 2, "the span is the byte order mark");
    }
}

/// A UTF-16 `.conf` met in a directory walk is reported too: skipping it would make the walk
/// say "no issues in 0 files" about a directory that holds a configuration.
#[test]
fn a_utf16_site_in_a_walked_directory_is_pl001() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\u{feff}server {\n    listen 80;\n}\n";
    write_bytes(dir.path(), "site.conf", &utf16(text, false));
    let run = check(&[s(dir.path())]);
    assert_eq!(run.places(), places(&[("PL001", 1, 1)]), "{}", run.report);
    assert_eq!(run.code, 1);
    assert_eq!(run.files(), 1);
}

#[test]
fn a_nul_byte_is_pl001_at_the_nul() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_bytes(
        dir.path(),
        "nul.conf",
        b"http {\n    server {\n        listen 80;\x00\n    }\n}\n",
    );
    let run = check(&[s(&path)]);
    assert_eq!(run.code, 1);
    assert_eq!(run.places(), places(&[("PL001", 3, 19)]));
    assert_eq!(run.report["diagnostics"][0]["start"]["offset"], 38);
    assert_eq!(run.report["diagnostics"][0]["end"]["offset"], 39);
}

/// A binary named as a `.conf` is a syntax error at its first NUL; named under a name that
/// says nothing, it is a file proxylint cannot tell (PL000, exit 2) unless `--dialect nginx`
/// says what to read it as.
#[test]
fn a_binary_file_named_on_the_command_line_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend((0..=255u8).cycle().take(64 * 1024));
    let conf = write_bytes(dir.path(), "payload.conf", &elf);
    let run = check(&[s(&conf)]);
    assert_eq!(run.code, 1);
    assert_eq!(run.places(), places(&[("PL001", 1, 8)]));

    let binary = env!("CARGO_BIN_EXE_proxylint");
    let run = check(&[binary]);
    assert_eq!(run.code, 2);
    assert_eq!(run.places(), places(&[("PL000", 1, 1)]));
    let forced = check(&["--dialect", "nginx", binary]);
    assert_eq!(forced.code, 1);
    assert_eq!(forced.places().len(), 1, "{}", forced.report);
    assert_eq!(forced.places()[0].0, "PL001");
}

// ---------------------------------------------------------------------------------------
// Line ends.

const PLAIN_PROXY: &str = "server {\n    listen 443 ssl;\n    http2 on;\n    server_name signotaur.example.com;\n    allow 10.0.0.0/8;\n    deny all;\n    location / {\n        proxy_pass https://10.0.0.5:443;\n    }\n}\n";

/// LF, CRLF, a lone CR and a mix of them give the same lines and columns; the offsets
/// differ by the extra CR bytes.
#[test]
fn crlf_and_lone_cr_line_ends_give_the_same_positions() {
    let dir = tempfile::tempdir().unwrap();
    let variants = [
        ("lf.conf", PLAIN_PROXY.to_string(), 0),
        ("crlf.conf", PLAIN_PROXY.replace('\n', "\r\n"), 7),
        ("cr.conf", PLAIN_PROXY.replace('\n', "\r"), 0),
        (
            "mixed.conf",
            PLAIN_PROXY
                .replacen('\n', "\r", 3)
                .replacen('\n', "\r\n", 3),
            3,
        ),
    ];
    for (name, text, extra) in variants {
        let path = write(dir.path(), name, &text);
        let run = check(&["--nginx-version", "1.27.0", s(&path)]);
        assert_eq!(run.code, 1, "{name}");
        assert_eq!(
            run.places(),
            places(&[("PL102", 8, 9), ("PL401", 8, 9), ("PL402", 8, 9)]),
            "{name}"
        );
        let d = &run.report["diagnostics"][0];
        assert_eq!(d["start"]["offset"], 143 + extra, "{name}");
        assert_eq!(d["related"][0]["start"]["line"], 7, "{name}");
        assert_eq!(d["related"][0]["start"]["column"], 5, "{name}");
    }
}

// ---------------------------------------------------------------------------------------
// Include loops, links, devices and FIFOs.

/// A site that includes the glob it is part of loops back on itself.
#[test]
fn an_include_loop_through_a_glob_is_pl003() {
    let dir = tempfile::tempdir().unwrap();
    let main = write(
        dir.path(),
        "nginx.conf",
        "events {}\nhttp {\n    include sites/*.conf;\n}\n",
    );
    write(
        dir.path(),
        "sites/a.conf",
        "server {\n    listen 80;\n}\ninclude sites/*.conf;\n",
    );
    write(dir.path(), "sites/b.conf", "server {\n    listen 81;\n}\n");
    let run = check(&[s(&main)]);
    assert_eq!(run.code, 1);
    assert_eq!(run.places(), places(&[("PL003", 4, 9)]));
    assert!(run.findings()[0].4.ends_with("sites/a.conf"));
    assert_eq!(run.files(), 3);
}

/// `sites/main.conf` is a link back to `nginx.conf`, which includes `sites/*.conf`: nginx
/// would read the main file inside `http` (and fail on `events` there) and loop.
#[test]
fn an_include_loop_through_a_symlink_is_pl003() {
    let dir = tempfile::tempdir().unwrap();
    let main = write(
        dir.path(),
        "nginx.conf",
        "events {}\nhttp {\n    include sites/*.conf;\n}\n",
    );
    std::fs::create_dir(dir.path().join("sites")).unwrap();
    std::os::unix::fs::symlink("../nginx.conf", dir.path().join("sites/main.conf")).unwrap();
    for target in [main.clone(), dir.path().to_path_buf()] {
        let run = check(&[s(&target)]);
        assert_eq!(run.code, 1, "{}", run.report);
        let found = run.places();
        let loops: Vec<_> = found.iter().filter(|f| f.0 == "PL003").collect();
        assert_eq!(loops.len(), 1, "{found:?}");
        assert_eq!(
            (loops[0].1, loops[0].2),
            (3, 13),
            "at an `include sites/*.conf`"
        );
        assert!(
            found.iter().all(|f| f.0 == "PL003" || f.0 == "PL005"),
            "only the loop and `events`/`http` inside `http`: {found:?}"
        );
    }
}

/// Links that loop (`sub/up -> ..`, `self -> self`) and a link to a file already walked:
/// the walk ends, reads the one real file once, and finds nothing.
#[test]
fn a_symlink_loop_in_a_walked_directory_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "nginx.conf",
        "events {}\nhttp {\n    server {\n        listen 80;\n    }\n}\n",
    );
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("sub/up")).unwrap();
    std::os::unix::fs::symlink("self", dir.path().join("self")).unwrap();
    std::os::unix::fs::symlink("../nginx.conf", dir.path().join("sub/linked.conf")).unwrap();
    let run = check(&[s(dir.path())]);
    assert_eq!(run.code, 0, "{}", run.report);
    assert_eq!(run.places(), []);
    assert_eq!(run.files(), 1);
}

/// Debian's layout: `sites-enabled/app` is a link to `../sites-available/app`. Checking
/// `sites-enabled/` must check the site, not report "no issues in 0 files".
#[test]
fn symlinked_sites_in_a_walked_directory_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "sites-available/app",
        "server {\n    listen 80;\n    allow 10.0.0.0/8;\n}\n",
    );
    std::fs::create_dir(dir.path().join("sites-enabled")).unwrap();
    std::os::unix::fs::symlink(
        "../sites-available/app",
        dir.path().join("sites-enabled/app"),
    )
    .unwrap();
    // The link leads out of `sites-enabled/`: checking that directory alone does not read
    // it (a link must not pull in files from outside the checked tree), checking the
    // configuration's root does, once.
    let alone = check(&[s(&dir.path().join("sites-enabled"))]);
    assert_eq!(alone.files(), 0, "{}", alone.report);
    let said: Vec<_> = alone.findings().into_iter().map(|f| (f.0, f.3)).collect();
    assert_eq!(
        said,
        [("PL000".to_string(), "info".to_string())],
        "never a silent no-issues"
    );
    assert_eq!(alone.code, 0);
    let run = check(&[s(dir.path())]);
    assert_eq!(run.places(), places(&[("PL303", 3, 5)]), "{}", run.report);
    assert_eq!(run.code, 1);
    assert_eq!(run.files(), 1);
}

/// An include of a FIFO, of a directory and (with `--allow-outside`) of `/dev/zero` is
/// PL000 and exit 2, and never blocks; without the flag `/dev/zero`, and a link in the tree
/// that leads to it, lie outside the checked tree and are not read.
#[test]
fn includes_of_a_fifo_a_directory_and_dev_zero_are_pl000_and_never_block() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("pipe.conf"));
    std::fs::create_dir(dir.path().join("conf.d")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.conf")).unwrap();
    let main = write(
        dir.path(),
        "nginx.conf",
        "events {}\nhttp {\n    include pipe.conf;\n    include conf.d;\n    include /dev/zero;\n    include zero.conf;\n}\n",
    );
    let run = check(&[s(&main)]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.places(),
        places(&[
            ("PL000", 3, 13),
            ("PL000", 4, 13),
            ("PL002", 5, 13),
            ("PL002", 6, 13),
        ])
    );
    let severities: Vec<String> = run.findings().into_iter().map(|f| f.3).collect();
    assert_eq!(severities, ["error", "error", "info", "info"]);

    let run = run_json(&["--allow-outside"], &[s(&main)], LIMIT, false);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.places(),
        places(&[
            ("PL000", 3, 13),
            ("PL000", 4, 13),
            ("PL000", 5, 13),
            ("PL000", 6, 13),
        ])
    );
}

/// A FIFO named on the command line and one met in a walk never block either.
#[test]
fn a_fifo_named_or_walked_never_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("conf.d/pipe.conf");
    std::fs::create_dir(dir.path().join("conf.d")).unwrap();
    mkfifo(&fifo);
    let run = check(&[s(&fifo)]);
    assert_eq!(run.code, 2);
    assert_eq!(run.places(), places(&[("PL000", 1, 1)]));
    let walked = check(&[s(dir.path())]);
    assert!(walked.code == 0 || walked.code == 2, "{}", walked.report);
}

/// nginx opens every file a glob matches; a FIFO among them blocks its start. proxylint
/// reads none of it, but says so rather than skipping the match in silence.
#[test]
fn a_fifo_matched_by_a_glob_is_pl000() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "conf.d/a.conf", "server {\n    listen 80;\n}\n");
    mkfifo(&dir.path().join("conf.d/pipe.conf"));
    let main = write(
        dir.path(),
        "nginx.conf",
        "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
    );
    let run = check(&[s(&main)]);
    assert_eq!(run.places(), places(&[("PL000", 3, 13)]), "{}", run.report);
    assert_eq!(run.code, 2);
}

// ---------------------------------------------------------------------------------------
// Empty files.

#[test]
fn empty_and_comment_only_files_are_clean_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.conf", "");
    let comments = write(
        dir.path(),
        "comments.conf",
        "# nothing here\n   # an indented comment\n",
    );
    let blank = write(dir.path(), "blank.conf", "\n\n   \n\t\n");
    write(dir.path(), "sites-enabled/empty", "");
    write(dir.path(), "nginx.conf", "# a comment without a line end");
    let walked = check(&[s(dir.path())]);
    assert_eq!(walked.code, 0, "{}", walked.report);
    assert_eq!(walked.places(), []);
    assert_eq!(walked.files(), 5);
    let named = check(&[s(&empty), s(&comments), s(&blank)]);
    assert_eq!(named.code, 0, "{}", named.report);
    assert_eq!(named.places(), []);
    assert_eq!(named.files(), 3);
}

// ---------------------------------------------------------------------------------------
// Files that vanish or cannot be read, through the library's file system interface.

/// A file system whose glob lists a file that `read` then does not find (it was deleted in
/// between) or may not read.
struct VanishingFs {
    failure: std::io::ErrorKind,
}

impl FileSystem for VanishingFs {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        match path.to_str().unwrap() {
            "/r/conf.d/a.conf" => Ok(b"server {\n    listen 80;\n}\n".to_vec()),
            "/r/conf.d/gone.conf" => Err(std::io::Error::from(self.failure)),
            _ => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        }
    }

    fn glob(&self, pattern: &str) -> Vec<PathBuf> {
        assert_eq!(pattern, "/r/conf.d/*.conf");
        vec!["/r/conf.d/a.conf".into(), "/r/conf.d/gone.conf".into()]
    }
}

/// Codes and `(line, column)` of the findings for `/r/nginx.conf` including `conf.d/*.conf`.
fn vanishing(failure: std::io::ErrorKind) -> Vec<(&'static str, u32, u32)> {
    let text = "events {}\nhttp {\n    include conf.d/*.conf;\n}\n";
    let mut ws = Workspace::new();
    ws.add_file("/r/nginx.conf".into(), text.as_bytes().to_vec());
    let options = LoadOptions {
        roots: vec!["/r".into()],
        ..LoadOptions::default()
    };
    let entries = ws.resolve(&VanishingFs { failure }, &options);
    let diagnostics = check_nginx(&ws, &entries, &Settings::default());
    let src = ws.sources.get(
        diagnostics
            .first()
            .map_or(ws.units[0].file, |d| d.primary.file),
    );
    let index = proxylint_syntax::LineIndex::new(&src.text);
    diagnostics
        .iter()
        .map(|d| {
            let at = index.line_col(&src.text, d.primary.span.start);
            (d.code, at.line, at.column)
        })
        .collect()
}

/// A file deleted between the glob that listed it and the read: the include reaches
/// something that is not there, which is reported (PL002 or PL000), not skipped in silence.
#[test]
fn a_file_deleted_while_its_glob_is_read_is_reported() {
    let found = vanishing(std::io::ErrorKind::NotFound);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0 == "PL002" || found[0].0 == "PL000", "{found:?}");
    assert_eq!((found[0].1, found[0].2), (3, 13), "{found:?}");
}

/// A glob match that cannot be read is PL000 at the include, as a literal include's is.
#[test]
fn a_glob_match_that_cannot_be_read_is_pl000() {
    let found = vanishing(std::io::ErrorKind::PermissionDenied);
    assert_eq!(found, [("PL000", 3, 13)]);
}

/// File permissions do not stop root, and the tests may run as root: there the check is
/// skipped (the library tests above cover an unreadable glob match whoever runs them).
#[test]
fn unreadable_files_are_pl000() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .is_some_and(|uids| uids.split_whitespace().next() == Some("0"));
    if root {
        eprintln!("skipping: running as root, whom file permissions do not stop");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let secret = write(dir.path(), "secret.conf", "server {\n    listen 80;\n}\n");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let main = write(
        dir.path(),
        "nginx.conf",
        "events {}\nhttp {\n    include secret.conf;\n}\n",
    );
    let run = check(&[s(&main)]);
    assert_eq!(run.code, 2);
    assert_eq!(run.places(), places(&[("PL000", 3, 13)]));
    let named = check(&[s(&secret)]);
    assert_eq!(named.code, 2);
    assert_eq!(named.places(), places(&[("PL000", 1, 1)]));
}

// ---------------------------------------------------------------------------------------
// The checked tree's boundary.

/// Includes that leave the checked tree, by absolute and by relative path, are reported as
/// infos and never read: nothing of them reaches any format. `--allow-outside` reads them.
#[test]
fn includes_outside_the_checked_tree_are_reported_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    write(
        &outside,
        "grpc.conf",
        "location /SignService/ {\n    proxy_pass https://10.0.0.5:443;  # SECRET-MARKER\n}\n",
    );
    write(&outside, "acl.conf", "allow 10.0.0.0/8;  # SECRET-MARKER\n");
    let main = write(
        &dir.path().join("tree"),
        "nginx.conf",
        &format!(
            "events {{}}\nhttp {{\n    server {{\n        listen 443 ssl;\n        http2 on;\n        \
             server_name signotaur.example.com;\n        include ../outside/acl.conf;\n        \
             deny all;\n        include {};\n    }}\n}}\n",
            outside.join("grpc.conf").display()
        ),
    );
    let version = ["--nginx-version", "1.27.0"];
    let run = run_json(&version, &[s(&main)], LIMIT, false);
    assert_eq!(run.code, 0, "{}", run.report);
    assert_eq!(run.places(), places(&[("PL002", 7, 17), ("PL002", 9, 17)]));
    assert!(run.findings().iter().all(|f| f.3 == "info"));
    assert_eq!(run.files(), 1, "the outside files were not read");
    for format in ["human", "concise", "json", "sarif", "github"] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_proxylint"));
        cmd.args([
            "check",
            "--no-config",
            "--color",
            "never",
            "--format",
            format,
        ])
        .args(version)
        .arg(&main);
        let (stdout, _, _) = run_within(cmd, LIMIT);
        assert!(!stdout.contains("SECRET-MARKER"), "{format}: {stdout}");
    }

    let allowed = run_json(
        &["--nginx-version", "1.27.0", "--allow-outside"],
        &[s(&main)],
        LIMIT,
        false,
    );
    assert_eq!(allowed.code, 1, "{}", allowed.report);
    assert_eq!(allowed.files(), 3);
    let pl101: Vec<_> = allowed
        .findings()
        .into_iter()
        .filter(|f| f.0 == "PL101")
        .collect();
    assert_eq!(pl101.len(), 1, "{}", allowed.report);
    assert!(pl101[0].4.ends_with("outside/grpc.conf"));
    assert_eq!((pl101[0].1, pl101[0].2), (2, 5));
}

/// One file reached under two spellings (a relative include, resolved against a main file
/// named by a relative path, and an absolute include) is one file: read once, counted once,
/// its findings reported once.
#[test]
fn a_file_included_under_two_spellings_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "snippets/open.conf", "allow 10.0.0.0/8;\n");
    let main = write(
        dir.path(),
        "nginx.conf",
        &format!(
            "events {{}}\nhttp {{\n    server {{\n        listen 80;\n        include snippets/open.conf;\n    }}\n    server {{\n        listen 81;\n        include {};\n    }}\n}}\n",
            dir.path().join("snippets/open.conf").display()
        ),
    );
    assert!(main.ends_with("nginx.conf"));
    let run = check_in(dir.path(), &["nginx.conf"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.places(), places(&[("PL303", 1, 1)]), "{}", run.report);
    assert_eq!(run.files(), 2);
}
