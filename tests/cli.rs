//! The command line as users meet it: exit codes, the three formats, standard input, files
//! that cannot be read, dialects that cannot be told, and include resolution.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{bin, check_json, codes, findings, run, shared_corpus, write};

const CLEAN: &str = "http {\n    server {\n        listen 80;\n        location / {\n            root /srv/www;\n        }\n    }\n}\n";

const PLAIN_PROXY: &str = "server {\n    listen 443 ssl;\n    http2 on;\n    server_name signotaur.example.com;\n    allow 10.0.0.0/8;\n    deny all;\n    location / {\n        proxy_pass https://10.0.0.5:443;\n    }\n}\n";

#[test]
fn clean_file_exits_zero_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "nginx.conf", CLEAN);
    let out = run(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("no issues in 1 file"), "{stdout}");
}

#[test]
fn findings_exit_one_and_fail_level_moves_the_bar() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "site.conf", PLAIN_PROXY);
    let p = path.to_str().unwrap();
    let (report, code) = check_json(&[p]);
    assert_eq!(code, 1);
    assert!(codes(&report).contains(&"PL102".to_string()));
    // Only a warning: allow without deny.
    let warn = write(
        dir.path(),
        "warn.conf",
        "http { server { listen 80; allow 10.0.0.0/8; } }\n",
    );
    let w = warn.to_str().unwrap();
    assert_eq!(check_json(&[w]).1, 1);
    assert_eq!(check_json(&["--fail-level", "error", w]).1, 0);
    assert_eq!(
        run(&["check", "--fail-level", "info", path.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn concise_format_is_one_line_per_finding() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "site.conf", PLAIN_PROXY);
    let out = run(&["check", "--format", "concise", path.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let expected = format!("{}:8:9: error[PL102] ", path.display());
    assert!(stdout.lines().any(|l| l.starts_with(&expected)), "{stdout}");
    let shape = regex::Regex::new(r"^.+:\d+:\d+: (error|warning|info)\[PL\d{3}\] \S.*$").unwrap();
    assert!(stdout.lines().all(|l| shape.is_match(l)), "{stdout}");
}

#[test]
fn json_format_follows_the_documented_contract() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "site.conf", PLAIN_PROXY);
    let (report, _) = check_json(&[path.to_str().unwrap()]);
    assert_eq!(report["version"], 1);
    let d = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "PL102")
        .unwrap();
    assert_eq!(d["rule"], "grpc-route-missing");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["start"]["line"], 8);
    assert_eq!(d["start"]["column"], 9);
    assert_eq!(d["end"]["column"], 19);
    assert_eq!(
        d["start"]["offset"].as_u64().unwrap() + 10,
        d["end"]["offset"].as_u64().unwrap()
    );
    assert!(d["url"].as_str().unwrap().ends_with("PL102.md"));
    assert!(d["help"].as_str().unwrap().contains("grpc_pass"));
    assert_eq!(d["related"][0]["start"]["line"], 7);
    assert!(d["related"][0]["message"].is_string());
    let summary = &report["summary"];
    assert_eq!(summary["files"], 1);
    assert_eq!(
        summary["errors"].as_u64().unwrap()
            + summary["warnings"].as_u64().unwrap()
            + summary["infos"].as_u64().unwrap(),
        report["diagnostics"].as_array().unwrap().len() as u64
    );
}

#[test]
fn human_format_shows_code_snippet_label_help_and_link() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "site.conf", PLAIN_PROXY);
    let out = run(&["check", "--color", "never", path.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("PL102[grpc-route-missing]"), "{stdout}");
    assert!(stdout.contains("proxy_pass https://10.0.0.5:443;"));
    assert!(stdout.contains("site.conf:8:9"));
    assert!(stdout.contains("help:"));
    assert!(stdout.contains("rules/PL102.md"));
    assert!(
        !stdout.contains('\u{1b}'),
        "no colour codes with --color never"
    );
    let colored = run(&["check", "--color", "always", path.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&colored.stdout).contains('\u{1b}'));
}

#[test]
fn missing_file_is_pl000_exit_two_and_the_rest_is_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "site.conf", PLAIN_PROXY);
    let missing = dir.path().join("absent.conf");
    let (report, code) = check_json(&[missing.to_str().unwrap(), good.to_str().unwrap()]);
    assert_eq!(code, 2);
    let all = codes(&report);
    assert!(all.contains(&"PL000".to_string()), "{all:?}");
    assert!(
        all.contains(&"PL102".to_string()),
        "other files are still checked: {all:?}"
    );
    let pl000 = findings(&report)
        .into_iter()
        .find(|f| f.0 == "PL000")
        .unwrap();
    assert!(pl000.4.ends_with("absent.conf"));
    assert_eq!((pl000.1, pl000.2), (1, 1));
}

#[test]
fn a_fifo_is_reported_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.conf");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let (report, code) = check_json(&[fifo.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(codes(&report), ["PL000"]);
}

#[test]
fn an_include_of_a_directory_is_pl000() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("conf.d")).unwrap();
    let main = write(
        dir.path(),
        "nginx.conf",
        "events {}\nhttp {\n    include conf.d;\n}\n",
    );
    let (report, code) = check_json(&[main.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(findings(&report)[0].0, "PL000");
    assert_eq!((findings(&report)[0].1, findings(&report)[0].2), (3, 13));
}

#[test]
fn stdin_is_checked_under_the_given_name() {
    let mut child = bin()
        .args([
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "sites/app.conf",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(PLAIN_PROXY.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("sites/app.conf:8:9: error[PL102]"),
        "{stdout}"
    );
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(
        run(&["check", "--format", "xml", "."]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["check", "--prefix", "nonsense", "."]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["check", "--nginx-version", "one", "."]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["check", "--grpc-path", "Sign", "."]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["explain", "PL999"]).status.code(), Some(2));
}

#[test]
fn a_file_whose_dialect_cannot_be_told_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let notes = write(
        dir.path(),
        "notes.txt",
        "Some prose about the proxy.\nNothing else.\n",
    );
    let out = run(&["check", notes.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("--dialect nginx"), "{stdout}");
    assert!(
        !stdout.contains("no issues"),
        "never a silent \"no issues\": {stdout}"
    );
    let (report, _) = check_json(&[notes.to_str().unwrap()]);
    assert_eq!(codes(&report), ["PL000"]);
    let forced = run(&["check", "--dialect", "nginx", notes.to_str().unwrap()]);
    assert_eq!(
        forced.status.code(),
        Some(1),
        "read as nginx it is a syntax error"
    );
}

#[test]
fn dialects_not_built_yet_are_said_when_named() {
    let dir = tempfile::tempdir().unwrap();
    let apache = write(
        dir.path(),
        "apache2.conf",
        "<VirtualHost *:443>\n    ProxyPass / https://10.0.0.5/\n</VirtualHost>\n",
    );
    let out = run(&["check", apache.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not supported yet"));
    // In a walk the same file is skipped, with a note under -v.
    write(dir.path(), "site.conf", CLEAN);
    let walked = run(&["check", "-v", dir.path().to_str().unwrap()]);
    assert_eq!(walked.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&walked.stderr).contains("not supported yet"));
}

#[test]
fn templates_are_skipped_in_a_walk() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "site.conf.j2",
        "server { listen {{ port }}; }\n",
    );
    write(
        dir.path(),
        "proxy.conf",
        "server {\n    listen {{ port }};\n}\n",
    );
    write(dir.path(), "ok.conf", CLEAN);
    let out = run(&[
        "check",
        "-v",
        "--format",
        "json",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("template"));
}

#[test]
fn relative_includes_resolve_against_the_main_file() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let main = corpus.join("nginx/crossplane/tests/configs/includes-regular/nginx.conf");
    let (report, _) = check_json(&[main.to_str().unwrap()]);
    let all = findings(&report);
    assert_eq!(all.len(), 1, "{all:?}");
    let (code, line, column, _, path) = &all[0];
    assert_eq!(code, "PL002");
    assert!(path.ends_with("conf.d/server.conf"));
    assert_eq!((*line, *column), (5, 17));
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("includes-regular/bar.conf"), "{message}");
    // The top-level foo.conf was read (one file more than the two named), conf.d/foo.conf
    // (which is garbage) was not: no PL001.
    assert_eq!(report["summary"]["files"], 3);
}

#[test]
fn prefix_maps_absolute_includes_onto_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "deploy/nginx/snippets/grpc.conf",
        "location /SignService/ {\n    proxy_pass https://10.0.0.5:443;\n}\n",
    );
    let main = write(
        dir.path(),
        "deploy/nginx/nginx.conf",
        "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        http2 on;\n        server_name signotaur.example.com;\n        allow 10.0.0.0/8;\n        deny all;\n        include /etc/nginx/snippets/grpc.conf;\n    }\n}\n",
    );
    let mapping = format!("/etc/nginx={}", dir.path().join("deploy/nginx").display());
    let (unmapped, _) = check_json(&[main.to_str().unwrap()]);
    assert_eq!(
        findings(&unmapped).iter().filter(|f| f.3 != "info").count(),
        0,
        "nothing is claimed about what was not read"
    );
    let (mapped, code) = check_json(&["--prefix", &mapping, main.to_str().unwrap()]);
    assert_eq!(code, 1);
    let pl101 = findings(&mapped)
        .into_iter()
        .find(|f| f.0 == "PL101")
        .expect("PL101 in the mapped include");
    assert!(pl101.4.ends_with("snippets/grpc.conf"));
    assert_eq!((pl101.1, pl101.2), (2, 5));
}

#[test]
fn an_nginx_dump_is_split_into_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let dump = "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n\
                # configuration file /etc/nginx/nginx.conf:\n\
                events {}\n\
                http {\n    include /etc/nginx/conf.d/*.conf;\n}\n\
                \n\
                # configuration file /etc/nginx/conf.d/sign.conf:\n\
                server {\n    listen 443 ssl;\n    server_name signotaur.example.com;\n    location / {\n        proxy_pass https://10.0.0.5:443;\n    }\n}\n";
    let path = write(dir.path(), "nginx-T.txt", dump);
    let (report, _) = check_json(&[path.to_str().unwrap()]);
    let pl102 = findings(&report)
        .into_iter()
        .find(|f| f.0 == "PL102")
        .expect("PL102 from the dump");
    assert_eq!(
        (pl102.1, pl102.2),
        (13, 9),
        "positions are in the dump file"
    );
}

#[test]
fn rules_and_explain_print_the_catalogue() {
    let out = run(&["rules"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().count() >= 29);
    assert!(text.contains("PL101  grpc-over-http1"));
    let explained = run(&["explain", "grpc-route-missing"]);
    let page = String::from_utf8(explained.stdout).unwrap();
    assert!(page.starts_with("# PL102 grpc-route-missing"));
    assert!(page.contains("## Example") && page.contains("## Use instead"));
}

/// Regression: 100,000 nested blocks once took minutes (every token looked back to the start
/// of its line) and must be a clear error, not a stack overflow.
#[test]
fn deep_nesting_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}{}", "http {".repeat(100_000), "}".repeat(100_000));
    let path = write(dir.path(), "deep.conf", &text);
    let (report, code) = check_json(&[path.to_str().unwrap()]);
    assert_eq!(code, 1);
    let messages: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "PL001")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("nest deeper than 200"));
}

/// Regression: a symbolic link inside the checked tree that points outside it was followed,
/// and the linked file's lines were printed in findings.
#[test]
fn links_out_of_the_tree_are_not_read() {
    let outside = tempfile::tempdir().unwrap();
    let secret = write(
        outside.path(),
        "secret.txt",
        "root:hash-that-must-not-print:0:0\n",
    );
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("linked.conf")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("ext")).unwrap();
    let main = write(
        dir.path(),
        "nginx.conf",
        "events {}\nhttp {\n    include linked.conf;\n    include ext/secret.txt;\n    include ext/*.txt;\n}\n",
    );
    for format in ["human", "concise", "json"] {
        let out = run(&["check", "--format", format, main.to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("must-not-print"), "{format}: {stdout}");
        assert_eq!(out.status.code(), Some(0), "{format}: {stdout}");
    }
    let (report, _) = check_json(&[main.to_str().unwrap()]);
    let infos = findings(&report)
        .into_iter()
        .filter(|f| f.0 == "PL002" && f.3 == "info")
        .count();
    assert_eq!(infos, 3, "each include says it was not read");
}

/// Regression: `**` was expanded recursively (and matched the main file itself); nginx's
/// glob(3) reads it as `*`.
#[test]
fn double_star_is_a_single_star() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sub/a.conf", "server { listen 80; }\n");
    write(
        dir.path(),
        "sub/deeper/b.conf",
        "garbage without semicolon\n",
    );
    let main = write(
        dir.path(),
        "nginx.conf",
        "events {}\nhttp {\n    include \"**/*.conf\";\n}\n",
    );
    let (report, code) = check_json(&[main.to_str().unwrap()]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["files"], 2);
}

/// Regression: a walked directory whose only configs were binary or UTF-16 said "no issues".
#[test]
fn unreadable_content_in_a_walk_is_a_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    let utf16: Vec<u8> = "\u{feff}events {}\n"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    std::fs::write(dir.path().join("nginx.conf"), utf16).unwrap();
    std::fs::create_dir(dir.path().join("sites-enabled")).unwrap();
    std::fs::write(
        dir.path().join("sites-enabled/app"),
        b"\x7fELF\x00\x01binary",
    )
    .unwrap();
    let (report, code) = check_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(codes(&report), ["PL001", "PL001"], "{report}");
}

/// Regression: the same file named under two spellings was reported twice.
#[test]
fn a_file_named_twice_is_checked_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "site.conf", PLAIN_PROXY);
    let dotted = dir.path().join(".").join("site.conf");
    let (report, _) = check_json(&[
        path.to_str().unwrap(),
        dotted.to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(codes(&report).iter().filter(|c| *c == "PL102").count(), 1);
}

/// Control characters from a configuration never reach the terminal raw.
#[test]
fn control_characters_are_escaped_in_text_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "evil.conf", "http {\n    x\u{1b}[2J;\n}\n");
    for format in ["human", "concise"] {
        let out = run(&[
            "check",
            "--color",
            "never",
            "--format",
            format,
            path.to_str().unwrap(),
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains('\u{1b}'), "{format}: {stdout:?}");
        assert!(stdout.contains("PL004"), "{format}: {stdout}");
    }
}

/// A link in a walked directory that leads out of it is not read (Debian's `sites-enabled`
/// links inside the tree are).
#[test]
fn walked_links_out_of_the_tree_are_not_read() {
    let outside = tempfile::tempdir().unwrap();
    let secret = write(outside.path(), "secret.conf", "must-not-print-either;\n");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sites-enabled")).unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("sites-enabled/evil")).unwrap();
    let out = run(&["check", "--format", "concise", dir.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("must-not-print"), "{stdout}");
    assert!(
        stdout.contains("info[PL000]"),
        "never a silent no-issues: {stdout}"
    );
    assert!(stdout.contains("outside the checked directory"), "{stdout}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn caddyfiles_are_checked_named_walked_and_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let bad = "signotaur.example.com {\n\t@untrusted not remote_ip 10.0.0.0/8\n\tabort @untrusted\n\thandle /SignService/* {\n\t\tabort @untrusted\n\t\treverse_proxy http://10.0.0.5:8080\n\t}\n\thandle {\n\t\tabort @untrusted\n\t\treverse_proxy https://10.0.0.5\n\t}\n}\n";
    let caddy = write(dir.path(), "Caddyfile", bad);
    let (report, status) = check_json(&[caddy.to_str().unwrap()]);
    assert_eq!(status, 1);
    let got = findings(&report);
    assert!(
        got.iter().any(|f| f.0 == "PL101" && f.1 == 6 && f.2 == 3),
        "{got:?}"
    );
    // The same file found in a walk.
    let (walked, status) = check_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(status, 1);
    assert_eq!(codes(&walked), codes(&report));
    // From standard input, named by --stdin-filename.
    let out = bin()
        .args([
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "Caddyfile",
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bad.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Caddyfile:6:3: error[PL101]"));
    // A syntax error is PL001 with its position, and the run goes on to other files.
    write(
        dir.path(),
        "broken.caddyfile",
        "a.example.com {\n\trespond ok\n",
    );
    let (both, _) = check_json(&[dir.path().to_str().unwrap()]);
    let got = findings(&both);
    assert!(
        got.iter().any(|f| f.0 == "PL001" && f.1 == 1 && f.2 == 15),
        "{got:?}"
    );
    assert!(got.iter().any(|f| f.0 == "PL101"), "{got:?}");
}
