//! Helpers the differential tests against Debian's nginx share: finding the binary (and
//! skipping, or failing under `CI=true`, without it), a seeded random number generator,
//! running `nginx -t` in a scratch prefix, and an nginx-faithful tokenizer.

#![allow(dead_code)]

pub mod conf;
pub mod neutralize;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The nginx version the tests were written against.
pub const NGINX_VERSION: &str = "1.22.1";

/// What `nginx -v` says (`nginx/1.22.1`); a different version is worth a note, since the
/// neutraliser and the exceptions were checked against 1.22.1.
pub fn note_version(nginx: &Path) {
    let output = Command::new(nginx)
        .arg("-v")
        .output()
        .expect("nginx -v runs");
    let text = String::from_utf8_lossy(&output.stderr);
    let version = text
        .trim()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    if version == NGINX_VERSION {
        eprintln!("nginx {version} at {}", nginx.display());
    } else {
        eprintln!(
            "note: nginx at {} is {version:?}, these tests were checked against {NGINX_VERSION}",
            nginx.display()
        );
    }
}

/// The nginx binary, or `None` (skip) when there is none; under `CI=true` a missing nginx
/// fails the test, so that CI cannot pass by skipping.
pub fn nginx_binary(test: &str) -> Option<PathBuf> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    if let Some(path) = found {
        return Some(path);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: no nginx binary (required under CI=true; apt-get install nginx-light)");
    }
    eprintln!("skipping {test}: no nginx binary (apt-get install nginx-light)");
    None
}

/// xorshift64*: small, seeded, and the same on every machine.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What `nginx -t` said about a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NginxVerdict {
    Accepted,
    /// The first `[emerg]` message, without its `in FILE:LINE` suffix, and its line.
    Rejected {
        message: String,
        line: Option<u32>,
    },
}

/// A scratch prefix for `nginx -t`: `nginx.conf` is written there, relative paths in the
/// configuration resolve there, and the directory is removed when this is dropped.
pub struct Scratch {
    dir: tempfile::TempDir,
    nginx: PathBuf,
}

impl Scratch {
    /// Creates the prefix with the files neutralised configurations point at: an empty
    /// include, a self-signed certificate and its key (made once with `openssl`).
    pub fn new(nginx: &Path) -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix("proxylint-nginx-")
            .tempdir()
            .expect("a scratch directory");
        std::fs::write(dir.path().join("empty.conf"), "").unwrap();
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        make_certificate(dir.path());
        Scratch {
            dir,
            nginx: nginx.to_path_buf(),
        }
    }

    /// Another prefix with the same certificate, for a second worker.
    pub fn sibling(&self) -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix("proxylint-nginx-")
            .tempdir()
            .expect("a scratch directory");
        for file in ["empty.conf", "cert.pem", "key.pem"] {
            std::fs::copy(self.path().join(file), dir.path().join(file)).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        Scratch {
            dir,
            nginx: self.nginx.clone(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `nginx -t -q` on `text`; never starts a server.
    pub fn test(&self, text: &[u8]) -> NginxVerdict {
        let prefix = self.path();
        let conf = prefix.join("nginx.conf");
        std::fs::write(&conf, text).unwrap();
        let globals = format!(
            "pid {}; error_log {};",
            prefix.join("nginx.pid").display(),
            prefix.join("error.log").display()
        );
        let output = Command::new(&self.nginx)
            .arg("-t")
            .arg("-q")
            .arg("-p")
            .arg(format!("{}/", prefix.display()))
            .arg("-c")
            .arg(&conf)
            .arg("-g")
            .arg(globals)
            .stdin(Stdio::null())
            .output()
            .expect("nginx runs");
        if output.status.success() {
            return NginxVerdict::Accepted;
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        first_emerg(&stderr).unwrap_or_else(|| NginxVerdict::Rejected {
            message: format!("(no [emerg] line) {}", stderr.trim()),
            line: None,
        })
    }
}

/// One self-signed pair for every `ssl_certificate` of every neutralised configuration.
fn make_certificate(dir: &Path) {
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes"])
        .args(["-subj", "/CN=localhost", "-days", "1"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs (apt-get install openssl)");
    assert!(status.success(), "openssl could not make a certificate");
}

/// `nginx: [emerg] MESSAGE in FILE:LINE` or `DATE [emerg] PID#TID: MESSAGE in FILE:LINE`.
fn first_emerg(stderr: &str) -> Option<NginxVerdict> {
    let line = stderr.lines().find(|l| l.contains("[emerg] "))?;
    let mut message = line.split_once("[emerg] ")?.1;
    if let Some((pid, rest)) = message.split_once(": ") {
        if pid.chars().all(|c| c.is_ascii_digit() || c == '#') {
            message = rest;
        }
    }
    let (message, at) = match message.rsplit_once(" in ") {
        Some((m, at)) if at.contains(':') => (m, Some(at)),
        _ => (message, None),
    };
    let line = at
        .and_then(|a| a.rsplit_once(':'))
        .and_then(|(_, n)| n.parse().ok());
    Some(NginxVerdict::Rejected {
        message: message.to_string(),
        line,
    })
}
