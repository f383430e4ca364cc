//! The pre-commit hook, through the real `pre-commit` on a scratch git repository: a commit
//! with a broken configuration is refused, a clean one passes. The hook is this repository's
//! `proxylint-system` hook (`.pre-commit-hooks.yaml` at the committed HEAD), pointed at the
//! binary the tests built, so nothing is rebuilt.

mod common;

use std::path::Path;
use std::process::Command;

use common::{project_dir, write};

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn git(repo: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(repo)
        .env("PRE_COMMIT_HOME", repo.join(".cache-pre-commit"))
        .env("PATH", path_with_binary())
        .output()
        .unwrap()
}

/// PATH with the directory of the proxylint binary under test first.
fn path_with_binary() -> String {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_proxylint"))
        .parent()
        .unwrap()
        .to_path_buf();
    format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

const BROKEN: &str = "server {\n    listen 443 ssl;\n    http2 on;\n    server_name signotaur.example.com;\n    allow 10.0.0.0/8;\n    deny all;\n    location / {\n        proxy_pass https://10.0.0.5:443;\n    }\n}\n";

const CLEAN: &str = "server {\n    listen 443 ssl;\n    http2 on;\n    server_name signotaur.example.com;\n    allow 10.0.0.0/8;\n    deny all;\n    location /SignService/ {\n        grpc_pass grpcs://10.0.0.5:443;\n        grpc_read_timeout 300s;\n        grpc_send_timeout 300s;\n    }\n    location / {\n        proxy_pass https://10.0.0.5:443;\n    }\n}\n";

#[test]
fn pre_commit_refuses_a_broken_config_and_accepts_a_clean_one() {
    if !have("pre-commit") || !have("git") {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pre-commit and git are needed under CI"
        );
        eprintln!("skipping: pre-commit or git is not installed");
        return;
    }
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(project_dir())
        .output()
        .unwrap();
    let head = String::from_utf8(head.stdout).unwrap().trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    assert!(git(repo, &["init", "-q"]).status.success());
    write(
        repo,
        ".pre-commit-config.yaml",
        &format!(
            "repos:\n  - repo: {}\n    rev: {head}\n    hooks:\n      - id: proxylint-system\n",
            project_dir().display()
        ),
    );
    write(repo, ".gitignore", ".cache-pre-commit/\n");
    let install = Command::new("pre-commit")
        .arg("install")
        .current_dir(repo)
        .env("PRE_COMMIT_HOME", repo.join(".cache-pre-commit"))
        .output()
        .unwrap();
    assert!(
        install.status.success(),
        "{}",
        String::from_utf8_lossy(&install.stderr)
    );

    write(repo, "nginx/sites-enabled/signotaur.conf", BROKEN);
    assert!(git(repo, &["add", "-A"]).status.success());
    let refused = git(repo, &["commit", "-q", "-m", "broken"]);
    let said = String::from_utf8_lossy(&refused.stdout).to_string()
        + &String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success(),
        "the broken config was committed: {said}"
    );
    assert!(said.contains("PL102"), "{said}");

    write(repo, "nginx/sites-enabled/signotaur.conf", CLEAN);
    assert!(git(repo, &["add", "-A"]).status.success());
    let accepted = git(repo, &["commit", "-q", "-m", "clean"]);
    let said = String::from_utf8_lossy(&accepted.stdout).to_string()
        + &String::from_utf8_lossy(&accepted.stderr);
    assert!(
        accepted.status.success(),
        "the clean config was refused: {said}"
    );
}
