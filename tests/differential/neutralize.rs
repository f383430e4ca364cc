//! Makes a configuration testable with `nginx -t` in a scratch prefix, without touching
//! anything outside it and without resolving a single host name:
//! - upstream, proxy, gRPC and other `*_pass` hosts become `127.0.0.1`; `listen` addresses
//!   become `127.0.0.1` ports; `resolver` and `set_real_ip_from` names become `127.0.0.1`;
//! - certificates and keys point at one self-signed pair, includes at an empty file, logs,
//!   temporary and cache paths into the prefix; files that cannot be faked are dropped;
//! - directives the caller names (modules Debian's nginx lacks) are dropped;
//! - fragments are wrapped in `events {}` / `http { server { location / { … } } }`.
//!
//! [`unsafe_directive`] is the safety net: it reads a text as nginx would, up to nginx's
//! first error, and names any directive that would make nginx look a host name up or write
//! outside the prefix.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;

use proxylint_syntax::nginx::directives::{self, Contexts};

use super::conf::{self, Stmt, Tok};

/// Directives that read files the scratch prefix cannot fake, or that name paths outside
/// it; dropping them leaves the syntax as it was.
const DROPPED: &[&str] = &[
    "ssl_dhparam",
    "ssl_crl",
    "proxy_ssl_crl",
    "grpc_ssl_crl",
    "uwsgi_ssl_crl",
    "ssl_stapling_file",
    "ssl_session_ticket_key",
    "ssl_password_file",
    "proxy_ssl_password_file",
    "grpc_ssl_password_file",
    "uwsgi_ssl_password_file",
    "load_module",
    "pid",
    "lock_file",
    "ssl_engine",
    "user",
];

/// Content handlers whose target nginx resolves when it holds no variable.
const PASSES: &[&str] = &[
    "proxy_pass",
    "grpc_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
    "memcached_pass",
];

/// OCSP responders: nginx parses their URLs while reading the configuration.
const RESPONDERS: &[&str] = &["ssl_stapling_responder", "ssl_ocsp_responder"];

const TEMP_PATHS: &[&str] = &[
    "client_body_temp_path",
    "proxy_temp_path",
    "fastcgi_temp_path",
    "uwsgi_temp_path",
    "scgi_temp_path",
];

/// How deep a file is wrapped before nginx reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wrap {
    Main,
    Http,
    Server,
    Location,
}

impl Wrap {
    pub fn deeper(self) -> Option<Wrap> {
        match self {
            Wrap::Main => Some(Wrap::Http),
            Wrap::Http => Some(Wrap::Server),
            Wrap::Server => Some(Wrap::Location),
            Wrap::Location => None,
        }
    }

    fn context(self) -> Contexts {
        match self {
            Wrap::Main => Contexts::MAIN,
            Wrap::Http => Contexts::HTTP,
            Wrap::Server => Contexts::SERVER,
            Wrap::Location => Contexts::LOCATION,
        }
    }
}

/// The outermost level at which every top-level directive of the file is allowed.
pub fn guess_wrap(src: &[u8]) -> Wrap {
    let tree = conf::parse(src);
    let known: Vec<Contexts> = tree
        .stmts
        .iter()
        .filter_map(|s| directives::lookup(s.name()))
        .map(|d| d.contexts)
        .collect();
    [Wrap::Main, Wrap::Http, Wrap::Server, Wrap::Location]
        .into_iter()
        .find(|w| known.iter().all(|c| c.contains(w.context())))
        .unwrap_or(Wrap::Server)
}

/// One text replacement: `start..end` becomes `text`.
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// The neutralised, wrapped text.
pub fn neutralise(src: &[u8], drop: &HashSet<String>, wrap: Wrap) -> Vec<u8> {
    let tree = conf::parse(src);
    let upstreams = upstream_names(&tree.stmts);
    let mut n = Neutraliser {
        drop,
        upstreams,
        ports: BTreeMap::new(),
        paths: 0,
        edits: Vec::new(),
    };
    conf::walk(&tree.stmts, "", &mut |stmt, parent| {
        n.statement(stmt, parent)
    });
    let http = tree
        .stmts
        .iter()
        .find(|s| s.name() == "http" && s.block.is_some());
    if wrap == Wrap::Main {
        if let Some(http) = http {
            let extras = http_extras(http.block.as_deref().unwrap_or_default());
            n.insert(http.head_end + 1, format!("\n{extras}"));
        }
    }
    let body = apply(src, n.edits);
    wrap_text(&body, wrap, &tree.stmts)
}

struct Neutraliser<'a> {
    drop: &'a HashSet<String>,
    upstreams: HashSet<String>,
    /// `listen` addresses as written → the 127.0.0.1 port that stands for each.
    ports: BTreeMap<String, u16>,
    paths: usize,
    edits: Vec<Edit>,
}

impl Neutraliser<'_> {
    fn replace(&mut self, tok: &Tok, text: impl Into<String>) {
        self.edits.push(Edit {
            start: tok.start,
            end: tok.end,
            text: text.into(),
        });
    }

    fn insert(&mut self, at: usize, text: String) {
        self.edits.push(Edit {
            start: at,
            end: at,
            text,
        });
    }

    fn statement(&mut self, stmt: &Stmt, parent: &str) {
        let name = stmt.name();
        if DROPPED.contains(&name) || self.drop.contains(name) {
            self.edits.push(Edit {
                start: stmt.start,
                end: stmt.end,
                text: String::new(),
            });
            return;
        }
        if name == "server" {
            if let Some(children) = &stmt.block {
                if needs_certificate(children) {
                    self.insert(stmt.head_end + 1, format!("\n{CERTIFICATE}"));
                }
            }
        }
        let Some(first) = stmt.args().first() else {
            return;
        };
        match name {
            "listen" => self.listen(stmt),
            "server"
                if parent == "upstream"
                    && stmt.block.is_none()
                    && !first.value.starts_with("unix:") =>
            {
                let port = port_of(&first.value);
                self.replace(first, with_port("127.0.0.1", port));
            }
            n if PASSES.contains(&n) || RESPONDERS.contains(&n) => self.pass(first),
            "resolver" => {
                for arg in stmt.args().iter().filter(|a| !is_resolver_param(&a.value)) {
                    self.replace(arg, "127.0.0.1");
                }
            }
            "set_real_ip_from" if !is_address(&first.value) => self.replace(first, "127.0.0.1"),
            "access_log" if first.value != "off" => {
                // One file per directive: nginx refuses one path with two buffer settings.
                self.paths += 1;
                let path = format!("tmp/access{}.log", self.paths);
                self.replace(first, path);
            }
            "error_log" if first.value != "stderr" && !first.value.starts_with("memory:") => {
                self.replace(first, "error.log")
            }
            "include" => self.replace(first, "empty.conf"),
            n if TEMP_PATHS.contains(&n) || n.ends_with("_cache_path") => {
                self.paths += 1;
                let path = format!("tmp/p{}", self.paths);
                self.replace(first, path);
            }
            n if n.ends_with("_certificate") && is_literal_file(&first.value) => {
                self.replace(first, "cert.pem")
            }
            n if n.ends_with("_certificate_key") && is_literal_file(&first.value) => {
                self.replace(first, "key.pem")
            }
            _ => {}
        }
    }

    /// Each distinct address gets its own high port on 127.0.0.1 (`-t` binds it briefly;
    /// a port in use is fine for `-t`).
    fn listen(&mut self, stmt: &Stmt) {
        let first = &stmt.args()[0];
        let next = 20000 + self.ports.len() as u16;
        let port = *self.ports.entry(first.value.clone()).or_insert(next);
        self.replace(first, format!("127.0.0.1:{port}"));
        for arg in stmt
            .args()
            .iter()
            .filter(|a| a.value.starts_with("ipv6only="))
        {
            self.replace(arg, "");
        }
    }

    fn pass(&mut self, target: &Tok) {
        let value = &target.value;
        if value.contains('$') {
            return;
        }
        let (scheme, rest) = match value.split_once("://") {
            Some((s, r)) => (format!("{s}://"), r),
            None => (String::new(), value.as_str()),
        };
        if rest.starts_with("unix:") {
            return;
        }
        let (authority, uri) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let host = host_of(authority);
        if is_address(host) || self.upstreams.contains(&host.to_ascii_lowercase()) {
            return;
        }
        let port = port_of(authority);
        let text = format!("{scheme}{}{uri}", with_port("127.0.0.1", port));
        self.replace(target, text);
    }
}

/// For a TLS server whose certificate came from an include (now empty).
const CERTIFICATE: &str = "ssl_certificate cert.pem;\nssl_certificate_key key.pem;\n";

/// A server level that listens with TLS (or says `ssl on`) and names no certificate.
fn needs_certificate(level: &[Stmt]) -> bool {
    let tls = level.iter().any(|s| {
        (s.name() == "listen" && s.args().iter().any(|a| a.value == "ssl"))
            || (s.name() == "ssl" && s.args().first().is_some_and(|a| a.value == "on"))
    });
    tls && !level.iter().any(|s| s.name() == "ssl_certificate")
}

fn is_literal_file(value: &str) -> bool {
    !value.contains('$') && !value.starts_with("data:")
}

fn with_port(host: &str, port: Option<&str>) -> String {
    match port {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// `host`, `host:port`, `[v6]:port` → the host part.
fn host_of(authority: &str) -> &str {
    if let Some(inner) = authority.strip_prefix('[') {
        return inner.split(']').next().unwrap_or(inner);
    }
    authority.split(':').next().unwrap_or(authority)
}

fn port_of(authority: &str) -> Option<&str> {
    let after_host = match authority.strip_prefix('[') {
        Some(inner) => inner.split_once(']').map_or("", |(_, a)| a),
        None => authority,
    };
    after_host
        .rsplit_once(':')
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// An IP address or CIDR block, v4 or v6, or a UNIX socket: nothing to resolve.
pub fn is_address(text: &str) -> bool {
    if text.starts_with("unix:") {
        return true;
    }
    let text = text.trim_start_matches('[').trim_end_matches(']');
    let addr = text.split('/').next().unwrap_or(text);
    addr.parse::<IpAddr>().is_ok()
}

fn upstream_names(stmts: &[Stmt]) -> HashSet<String> {
    let mut names = HashSet::new();
    conf::walk(stmts, "", &mut |s, _| {
        if s.name() == "upstream" && s.block.is_some() {
            if let Some(a) = s.args().first() {
                names.insert(a.value.to_ascii_lowercase());
            }
        }
    });
    names
}

/// Applies edits from the start; an edit inside one already applied (a directive inside a
/// dropped block) is skipped.
fn apply(src: &[u8], mut edits: Vec<Edit>) -> Vec<u8> {
    edits.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out = Vec::with_capacity(src.len() + 256);
    let mut at = 0;
    for edit in edits {
        if edit.start < at {
            continue;
        }
        out.extend_from_slice(&src[at..edit.start]);
        out.extend_from_slice(edit.text.as_bytes());
        at = edit.end;
    }
    out.extend_from_slice(&src[at..]);
    out
}

/// Temporary paths and an access log inside the prefix, for an `http` level that sets none
/// of its own (nginx would otherwise use the compiled-in paths under /var).
fn http_extras(http_level: &[Stmt]) -> String {
    let has = |name: &str| http_level.iter().any(|s| s.name() == name);
    let mut out = String::new();
    for (i, name) in TEMP_PATHS.iter().enumerate() {
        if !has(name) {
            out.push_str(&format!("{name} tmp/t{i};\n"));
        }
    }
    if !has("access_log") {
        out.push_str("access_log access.log;\n");
    }
    out
}

fn wrap_text(body: &[u8], wrap: Wrap, top: &[Stmt]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 512);
    let has_events = top.iter().any(|s| s.name() == "events");
    if !has_events {
        out.extend_from_slice(b"events {}\n");
    }
    let (open, close) = match wrap {
        Wrap::Main => ("", ""),
        Wrap::Http => ("http {\n", "\n}\n"),
        Wrap::Server => ("http {\nserver {\n", "\n}\n}\n"),
        Wrap::Location => ("http {\nserver {\nlocation / {\n", "\n}\n}\n}\n"),
    };
    out.extend_from_slice(open.as_bytes());
    if wrap != Wrap::Main {
        out.extend_from_slice(http_extras(top).as_bytes());
    }
    if wrap == Wrap::Server && needs_certificate(top) {
        out.extend_from_slice(CERTIFICATE.as_bytes());
    }
    out.extend_from_slice(body);
    out.extend_from_slice(close.as_bytes());
    out
}

/// The first directive, in the order nginx reads them and up to its first error, that would
/// make nginx resolve a host name or write outside its prefix; `None` when there is none.
pub fn unsafe_directive(src: &[u8]) -> Option<String> {
    let tree = conf::parse(src);
    let upstreams = upstream_names(&tree.stmts);
    let mut found = None;
    conf::walk(&tree.stmts, "", &mut |stmt, parent| {
        let risky = would_resolve(stmt, parent, &upstreams) || writes_outside(stmt);
        if found.is_none() && stmt.block.is_none() && risky {
            let words: Vec<&str> = stmt.words.iter().map(|w| w.value.as_str()).collect();
            found = Some(words.join(" "));
        }
    });
    found
}

fn would_resolve(stmt: &Stmt, parent: &str, upstreams: &HashSet<String>) -> bool {
    let args = stmt.args();
    let Some(first) = args.first() else {
        return false;
    };
    match stmt.name() {
        "listen" => !is_loopback_port(&first.value),
        "server" if parent == "upstream" => {
            !(is_address(&first.value) || is_address(host_of(&first.value)))
        }
        n if (PASSES.contains(&n) || RESPONDERS.contains(&n)) && args.len() == 1 => {
            let value = &first.value;
            let rest = value.split_once("://").map_or(value.as_str(), |(_, r)| r);
            let host = host_of(rest.split('/').next().unwrap_or(rest));
            !(value.contains('$')
                || rest.starts_with("unix:")
                || is_address(host)
                || upstreams.contains(&host.to_ascii_lowercase()))
        }
        "resolver" => args
            .iter()
            .any(|a| !is_resolver_param(&a.value) && !is_address(host_of(&a.value))),
        "set_real_ip_from" => !is_address(&first.value),
        "access_log" | "error_log" => args.iter().any(|a| a.value.starts_with("syslog:")),
        _ => false,
    }
}

/// `nginx -t` opens logs and creates temporary and cache directories: their paths must stay
/// relative to the prefix.
fn writes_outside(stmt: &Stmt) -> bool {
    let name = stmt.name();
    let writes = ["access_log", "error_log"].contains(&name)
        || TEMP_PATHS.contains(&name)
        || name.ends_with("_cache_path");
    writes
        && stmt
            .args()
            .first()
            .is_some_and(|a| a.value.starts_with('/') || a.value.contains(".."))
}

/// The parameters nginx 1.22's `resolver` knows; every other argument is an address it
/// resolves (`ipv4=off`, new in 1.23.1, is looked up as a host name).
fn is_resolver_param(arg: &str) -> bool {
    arg.starts_with("valid=") || arg.starts_with("ipv6=")
}

fn is_loopback_port(text: &str) -> bool {
    text.strip_prefix("127.0.0.1:")
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}
