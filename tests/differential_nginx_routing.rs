//! Differential test of proxylint's model against a running Debian nginx 1.22.1: which
//! location answers a request path, and whether `allow`/`deny` let 127.0.0.1 in.
//!
//! Seeded configurations hold servers with many locations (prefix, `=`, `^~`, `~`, `~*`,
//! nested under prefixes and regexes) and access rules at every level (http, server,
//! location, nested location). Every location names itself in an `X-Loc` header, sent with
//! `always` so that a 403 carries it too. Most locations serve a file with `try_files`, which
//! runs after the access phase; some answer with `return 200 "<id>"`, which nginx runs in the
//! rewrite phase, before `allow`/`deny` — those must answer 200 whatever the rules say.
//!
//! nginx runs in the foreground (`daemon off; master_process off;`) on a free 127.0.0.1
//! port in a scratch prefix, and is killed when the test ends, panics included. Requests are
//! plain HTTP/1.0 over loopback TCP. proxylint's side is the library: `Workspace`, `lower`,
//! `Host::select`, and the route's `Access`.

mod differential;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use differential::Rng;
use proxylint_model::{Access, ActionKind, Host, MatchKind, Model, Route};
use proxylint_syntax::nginx::{LoadOptions, RealFileSystem, Workspace};

const SEED: u64 = 0x0a11_0c8e_5eed;
/// Configurations, each run by a fresh nginx; the `http` level's rules differ between them.
const ROUNDS: usize = 4;
const SERVERS: usize = 4;
const PATHS_PER_SERVER: usize = 26;

// ---------------------------------------------------------------------------------------
// The generated configuration

/// How a location answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    /// `try_files /<id> =404;`: after the access phase.
    File,
    /// `return 200 "<id>";`: in the rewrite phase, before `allow`/`deny`.
    Return,
}

/// One `location` to write.
#[derive(Debug, Clone)]
struct Plan {
    modifier: &'static str,
    pattern: String,
    rules: Vec<&'static str>,
    content: Content,
    children: Vec<Plan>,
}

impl Plan {
    fn is_prefix(&self) -> bool {
        self.modifier.is_empty() || self.modifier == "^~"
    }

    fn is_regex(&self) -> bool {
        self.modifier.starts_with('~')
    }
}

const TOP_LOCATIONS: &[(&str, &str)] = &[
    ("", "/"),
    ("", "/a"),
    ("", "/a/"),
    ("", "/a/b"),
    ("", "/api/"),
    ("", "/api/v1/"),
    ("", "/img"),
    ("", "/b"),
    ("", "/ab"),
    ("=", "/"),
    ("=", "/a"),
    ("=", "/api/v1/x"),
    ("=", "/img/logo.png"),
    ("=", "/b/c"),
    ("^~", "/static/"),
    ("^~", "/a/b"),
    ("^~", "/img/"),
    ("^~", "/api/v1/"),
    ("~", r"\.php$"),
    ("~", "^/api/v[0-9]+/"),
    ("~", "/b"),
    ("~", "^/a/.*x$"),
    ("~", "c$"),
    ("~*", r"\.(png|jpg)$"),
    ("~*", "/admin"),
    ("~*", "^/IMG/"),
    ("~*", "b/c"),
];

const NESTED_REGEXES: &[(&str, &str)] = &[
    ("~", r"\.php$"),
    ("~*", r"\.PNG$"),
    ("~", "x$"),
    ("~*", "/B"),
    ("~", "^/a/"),
];

/// Access rules, in the order a level writes them; a level takes one to three.
const RULES: &[&str] = &[
    "allow 127.0.0.1",
    "deny 127.0.0.1",
    "allow 127.0.0.0/8",
    "deny 127.0.0.0/24",
    "allow 10.0.0.0/8",
    "deny 192.168.0.0/16",
    "deny 10.1.2.3",
    "allow ::1",
    "deny ::/0",
    "allow all",
    "deny all",
    "deny 127.0.0.2",
    "allow 127.0.0.1/32",
    "deny 127.0.0.0/31",
    "allow 127.1.0.0/16",
];

fn rules(rng: &mut Rng, none_in: usize) -> Vec<&'static str> {
    if rng.below(none_in) == 0 {
        return Vec::new();
    }
    let mut out: Vec<&str> = (0..1 + rng.below(3)).map(|_| *rng.pick(RULES)).collect();
    if rng.chance(1, 3) {
        out.push("deny all");
    }
    out
}

fn content(rng: &mut Rng) -> Content {
    if rng.chance(1, 5) {
        Content::Return
    } else {
        Content::File
    }
}

/// Locations nested in `parent`: prefixes that extend its path (nginx wants that), exact
/// matches, and regexes.
fn nested_candidates(parent: &Plan) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&str, String)> = NESTED_REGEXES
        .iter()
        .map(|&(m, p)| (m, p.to_string()))
        .collect();
    // nginx lets a prefix location nest in a regex one when its path starts with the
    // regex's text (`location ~ /b { location /b/c { … } }`).
    let plain = |p: &str| p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'/');
    if parent.is_regex() && parent.pattern.starts_with('/') && plain(&parent.pattern) {
        out.push(("", format!("{}/c", parent.pattern)));
    }
    if parent.is_prefix() {
        let p = &parent.pattern;
        let base = p.trim_end_matches('/');
        out.extend([
            ("", format!("{p}x")),
            ("", format!("{base}/c")),
            ("^~", format!("{p}s")),
            ("=", format!("{p}x")),
            ("=", p.clone()),
        ]);
    }
    out
}

/// Picks up to `count` candidates that nginx would not call duplicates.
fn distinct(
    rng: &mut Rng,
    candidates: &[(&'static str, String)],
    count: usize,
) -> Vec<(&'static str, String)> {
    let mut taken: Vec<(&'static str, String)> = Vec::new();
    for _ in 0..count * 4 {
        if taken.len() == count {
            break;
        }
        let (m, p) = rng.pick(candidates).clone();
        // `/x` and `^~ /x` are the same location to nginx.
        let clash = taken.iter().any(|(tm, tp)| {
            *tp == p && (tm == &m || (tm.is_empty() || *tm == "^~") && (m.is_empty() || m == "^~"))
        });
        if !clash {
            taken.push((m, p));
        }
    }
    taken
}

fn plan_level(
    rng: &mut Rng,
    candidates: &[(&'static str, String)],
    count: usize,
    depth: usize,
) -> Vec<Plan> {
    distinct(rng, candidates, count)
        .into_iter()
        .map(|(modifier, pattern)| {
            let mut plan = Plan {
                modifier,
                pattern,
                rules: rules(rng, 2),
                content: content(rng),
                children: Vec::new(),
            };
            if depth < 2 && plan.modifier != "=" && rng.chance(1, 3) {
                let inner = nested_candidates(&plan);
                let count = 1 + rng.below(3);
                plan.children = plan_level(rng, &inner, count, depth + 1);
            }
            plan
        })
        .collect()
}

fn plan(
    modifier: &'static str,
    pattern: &str,
    rules: &[&'static str],
    content: Content,
    children: Vec<Plan>,
) -> Plan {
    Plan {
        modifier,
        pattern: pattern.to_string(),
        rules: rules.to_vec(),
        content,
        children,
    }
}

/// A fixed server with the edges chance may miss, probed with every one of its paths.
fn edge_locations() -> Vec<Plan> {
    use Content::{File, Return};
    vec![
        // A prefix nested in a regex location, which nginx allows when it starts with the
        // regex's text.
        plan(
            "~",
            "/b",
            &["allow all"],
            File,
            vec![plan("", "/b/c", &["deny all"], File, vec![])],
        ),
        plan(
            "",
            "/a",
            &["deny 127.0.0.1"],
            File,
            vec![
                // The same path, exact, nested in its prefix.
                plan("=", "/a", &["allow all"], File, vec![]),
                // Inherits the deny of `/a`.
                plan("~", r"\.php$", &[], File, vec![]),
                // Rules of its own, IPv6 only: the inherited IPv4 deny is gone.
                plan("^~", "/a/s", &["allow ::1"], File, vec![]),
            ],
        ),
        // A nested `^~` stops its own level's regexes, not the outer level's.
        plan(
            "",
            "/n",
            &[],
            File,
            vec![plan("^~", "/n/s", &[], Return, vec![])],
        ),
        plan(
            "~",
            r"\.php$",
            &["allow 127.0.0.1", "deny all"],
            File,
            vec![],
        ),
        // Regexes nested in a `^~` location are still searched.
        plan(
            "^~",
            "/static/",
            &["deny all"],
            Return,
            vec![plan("~", r"\.php$", &[], File, vec![])],
        ),
        // Same text, case-insensitive first: it takes `/admin` and `/ADMIN` alike.
        plan("~*", "/admin", &["deny all"], File, vec![]),
        plan("~", "/admin", &["allow all"], File, vec![]),
    ]
}

/// The configuration text and what the test needs to read answers back.
struct Generated {
    text: String,
    /// Offset of each `location` keyword → the location's id.
    ids: HashMap<usize, String>,
    servers: Vec<ServerPlan>,
}

struct ServerPlan {
    name: String,
    locations: Vec<Plan>,
    /// Probe every path, not a sample.
    all_paths: bool,
}

fn generate(rng: &mut Rng, round: usize, port: u16) -> Generated {
    let mut g = Writer {
        text: String::new(),
        ids: HashMap::new(),
        next: 0,
    };
    g.line(0, "events { worker_connections 64; }");
    g.line(0, "http {");
    for line in [
        "root ids;",
        "default_type text/plain;",
        "access_log off;",
        "client_body_temp_path tmp/body;",
        "proxy_temp_path tmp/proxy;",
        "fastcgi_temp_path tmp/fastcgi;",
        "uwsgi_temp_path tmp/uwsgi;",
        "scgi_temp_path tmp/scgi;",
    ] {
        g.line(1, line);
    }
    g.rules(1, &rules(rng, 3));
    let top: Vec<(&'static str, String)> = TOP_LOCATIONS
        .iter()
        .map(|&(m, p)| (m, p.to_string()))
        .collect();
    let mut servers = Vec::new();
    for s in 0..SERVERS {
        let name = format!("r{round}s{s}");
        let count = 6 + rng.below(6);
        let locations = plan_level(rng, &top, count, 0);
        g.server(&name, port, &rules(rng, 2), &locations);
        servers.push(ServerPlan {
            name,
            locations,
            all_paths: false,
        });
    }
    if round == 0 {
        let name = "r0edges".to_string();
        let locations = edge_locations();
        g.server(&name, port, &["deny 127.0.0.0/8"], &locations);
        servers.push(ServerPlan {
            name,
            locations,
            all_paths: true,
        });
    }
    g.line(0, "}");
    Generated {
        text: g.text,
        ids: g.ids,
        servers,
    }
}

struct Writer {
    text: String,
    ids: HashMap<usize, String>,
    next: usize,
}

impl Writer {
    fn line(&mut self, depth: usize, line: &str) {
        self.text.push_str(&"    ".repeat(depth));
        self.text.push_str(line);
        self.text.push('\n');
    }

    fn rules(&mut self, depth: usize, rules: &[&str]) {
        for rule in rules {
            self.line(depth, &format!("{rule};"));
        }
    }

    fn server(&mut self, name: &str, port: u16, rules: &[&'static str], locations: &[Plan]) {
        self.line(1, "server {");
        self.line(2, &format!("listen 127.0.0.1:{port};"));
        self.line(2, &format!("server_name {name};"));
        self.line(2, &format!("add_header X-Loc \"{name}\" always;"));
        self.line(2, &format!("try_files /{name} =404;"));
        self.rules(2, rules);
        for plan in locations {
            self.location(2, name, plan);
        }
        self.line(1, "}");
    }

    fn location(&mut self, depth: usize, server: &str, plan: &Plan) {
        let id = format!("{server}l{:02}", self.next);
        self.next += 1;
        self.text.push_str(&"    ".repeat(depth));
        self.ids.insert(self.text.len(), id.clone());
        let pattern = if plan.is_regex() {
            format!("\"{}\"", plan.pattern.replace('\\', "\\\\"))
        } else {
            plan.pattern.clone()
        };
        let head = match plan.modifier {
            "" => format!("location {pattern} {{"),
            m => format!("location {m} {pattern} {{"),
        };
        self.text.push_str(&head);
        self.text.push('\n');
        self.line(depth + 1, &format!("add_header X-Loc \"{id}\" always;"));
        self.rules(depth + 1, &plan.rules);
        for child in &plan.children {
            self.location(depth + 1, server, child);
        }
        match plan.content {
            Content::File => self.line(depth + 1, &format!("try_files /{id} =404;")),
            Content::Return => self.line(depth + 1, &format!("return 200 \"{id}\";")),
        }
        self.line(depth, "}");
    }
}

/// The files `try_files` serves: one per location and server, holding its id.
fn write_id_files(prefix: &Path, generated: &Generated) {
    let dir = prefix.join("ids");
    std::fs::create_dir_all(&dir).unwrap();
    let names = generated
        .ids
        .values()
        .chain(generated.servers.iter().map(|s| &s.name));
    for id in names {
        std::fs::write(dir.join(id), id).unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// Request paths

const PROBES: &[&str] = &[
    "/",
    "/a",
    "/a/",
    "/a/b",
    "/a/b/c",
    "/a/bx",
    "/ab",
    "/abc",
    "/api/v1/x",
    "/api/v1/users",
    "/api/v2/x.php",
    "/api/x",
    "/img/logo.png",
    "/img/logo.PNG",
    "/IMG/x",
    "/static/a.php",
    "/static/x.jpg",
    "/b",
    "/b/c",
    "/b/C",
    "/x/admin",
    "/x/ADMIN/y",
    "/a/x.php",
    "/a/B/y",
    "/zzz",
    "/index.php",
    "/a/b/x",
    "/c",
];

/// Paths that sit on the edges of the server's locations, plus fixed probes; a seeded
/// sample of `count` of them.
fn paths_for(rng: &mut Rng, locations: &[Plan], count: usize) -> Vec<String> {
    let mut all: BTreeSet<String> = PROBES.iter().map(|p| p.to_string()).collect();
    let mut stack: Vec<&Plan> = locations.iter().collect();
    while let Some(plan) = stack.pop() {
        stack.extend(&plan.children);
        if plan.is_regex() {
            continue;
        }
        let p = &plan.pattern;
        all.insert(p.clone());
        all.insert(format!("{p}x"));
        all.insert(format!("{}/y.php", p.trim_end_matches('/')));
        all.insert(format!("{}/Z.PNG", p.trim_end_matches('/')));
        if p.len() > 2 {
            all.insert(p[..p.len() - 1].to_string());
        }
    }
    let mut all: Vec<String> = all.into_iter().collect();
    let mut out = Vec::new();
    while out.len() < count && !all.is_empty() {
        out.push(all.swap_remove(rng.below(all.len())));
    }
    out
}

// ---------------------------------------------------------------------------------------
// proxylint's answer

fn model_of(prefix: &Path, text: &str) -> (Workspace, Model) {
    let path = prefix.join("nginx.conf");
    let mut ws = Workspace::new();
    let units = ws.add_file(path, text.as_bytes().to_vec());
    let errors = &ws.unit(units[0]).parsed.errors;
    assert!(
        errors.is_empty(),
        "proxylint cannot parse the generated config: {errors:?}"
    );
    let options = LoadOptions {
        roots: vec![prefix.to_path_buf()],
        ..LoadOptions::default()
    };
    let entries = ws.resolve(&RealFileSystem, &options);
    assert_eq!(entries.len(), 1, "one entry point");
    let model = proxylint_model::nginx::lower(&ws, &entries[0]);
    (ws, model)
}

/// Whether a rule's source covers 127.0.0.1: `all`, or an IPv4 address or CIDR block that
/// holds it (nginx masks the low bits of `127.0.0.1/8` itself). IPv6 rules never match an
/// IPv4 client.
fn covers_loopback(source: &str) -> bool {
    if source == "all" {
        return true;
    }
    let (addr, bits) = source.split_once('/').unwrap_or((source, "32"));
    let (Ok(addr), Ok(bits)) = (addr.parse::<Ipv4Addr>(), bits.parse::<u32>()) else {
        return false;
    };
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits.min(32))
    };
    u32::from(addr) & mask == u32::from(Ipv4Addr::LOCALHOST) & mask
}

/// `allow`/`deny` for client 127.0.0.1: the first rule that matches decides; no match lets
/// the client in.
fn loopback_allowed(access: &Access) -> bool {
    match access.ip_rules.iter().find(|r| covers_loopback(&r.source)) {
        Some(rule) => rule.allow,
        None => true,
    }
}

/// What proxylint expects for `path`: the id of the answering location (the server's own id
/// when no location matches) and the status.
fn expect(
    host: &Host,
    ids: &HashMap<usize, String>,
    server: &str,
    path: &str,
) -> (String, u16, &'static str) {
    let selection = host.select(path);
    assert!(
        selection.certain,
        "{server} {path}: the location search is not certain"
    );
    let mut kind = "no location (server level)";
    let (id, access, returns) = match selection.route {
        Some(r) => {
            let route = &host.routes[r];
            kind = route_kind(route);
            let id = ids
                .get(&(route.loc.span.start as usize))
                .unwrap_or_else(|| panic!("no id for the route at {:?}", route.loc))
                .clone();
            let returns = route.actions.iter().any(|a| {
                !a.conditional
                    && a.answers_client()
                    && matches!(a.kind, ActionKind::Return { code: Some(200) })
            });
            (id, &route.access, returns)
        }
        None => (server.to_string(), &host.access, false),
    };
    let allowed = loopback_allowed(access);
    assert!(
        access.restricts() || allowed,
        "{server} {path}: Access::restricts() says nothing restricts, yet a deny matches \
         127.0.0.1: {:?}",
        access.ip_rules
    );
    let status = if returns || allowed { 200 } else { 403 };
    if returns && !allowed {
        kind = "`return` before a deny";
    }
    (id, status, kind)
}

/// What sort of location answered, for the tally printed at the end.
fn route_kind(route: &Route) -> &'static str {
    let nested = route.parent.is_some();
    match (route.kind, nested) {
        (MatchKind::Exact, false) => "=",
        (MatchKind::Prefix, false) => "prefix",
        (MatchKind::PrefixNoRegex, false) => "^~",
        (
            MatchKind::Regex {
                case_insensitive: false,
            },
            false,
        ) => "~",
        (
            MatchKind::Regex {
                case_insensitive: true,
            },
            false,
        ) => "~*",
        (MatchKind::Regex { .. }, true) => "nested regex",
        (_, true) => "nested prefix or =",
        (MatchKind::Named, false) => "named",
        (MatchKind::Matcher, false) => "Caddy matcher",
    }
}

// ---------------------------------------------------------------------------------------
// nginx's answer

/// A running nginx; killed and reaped when dropped, also when the test panics.
struct Running {
    child: Child,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().unwrap().port()
}

/// Starts nginx and waits until it listens; `Err` with its error log when it exits first
/// (the port was taken in the meantime, say).
fn start(nginx: &Path, prefix: &Path, port: u16) -> Result<Running, String> {
    let globals = format!(
        "daemon off; master_process off; pid {}; error_log {};",
        prefix.join("nginx.pid").display(),
        prefix.join("error.log").display()
    );
    let child = Command::new(nginx)
        .arg("-p")
        .arg(format!("{}/", prefix.display()))
        .arg("-c")
        .arg(prefix.join("nginx.conf"))
        .arg("-g")
        .arg(globals)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx starts");
    let mut running = Running { child };
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = running.child.try_wait().unwrap() {
            let log = std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default();
            return Err(format!("nginx exited ({status}) before listening:\n{log}"));
        }
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(running);
        }
        assert!(
            Instant::now() < deadline,
            "nginx did not listen on {address} in time"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One round's configuration, written to `prefix`, and the nginx serving it. The port is
/// chosen free just before nginx starts; if another process takes it first, the round is
/// generated again from the same seed with another port.
fn serve(nginx: &Path, prefix: &Path, rng: &mut Rng, round: usize) -> (Generated, Running, u16) {
    let mut last_error = String::new();
    for _ in 0..3 {
        let mut attempt = rng.clone();
        let port = free_port();
        let generated = generate(&mut attempt, round, port);
        std::fs::write(prefix.join("nginx.conf"), &generated.text).unwrap();
        write_id_files(prefix, &generated);
        match start(nginx, prefix, port) {
            Ok(running) => {
                *rng = attempt;
                return (generated, running, port);
            }
            Err(e) => last_error = e,
        }
    }
    panic!("nginx did not start in three attempts: {last_error}");
}

/// Status, `X-Loc` header and body of `GET path` to server `host`.
fn get(port: u16, host: &str, path: &str) -> (u16, Option<String>, String) {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let x_loc = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("x-loc")
            .then(|| value.trim().to_string())
    });
    (status, x_loc, body.to_string())
}

// ---------------------------------------------------------------------------------------
// The test

fn nginx_present() -> Option<PathBuf> {
    differential::nginx_binary("differential_nginx_routing")
}

#[test]
fn location_and_access_verdicts_agree_with_nginx() {
    let Some(nginx) = nginx_present() else {
        return;
    };
    differential::note_version(&nginx);
    let started = Instant::now();
    let mut rng = Rng::new(SEED);
    let mut compared = 0;
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut mismatches = Vec::new();
    let mut reported = 0;
    for round in 0..ROUNDS {
        let scratch = tempfile::Builder::new()
            .prefix("proxylint-nginx-")
            .tempdir()
            .unwrap();
        let prefix = scratch.path();
        std::fs::create_dir_all(prefix.join("tmp")).unwrap();
        let (generated, mut running, port) = serve(&nginx, prefix, &mut rng, round);
        if std::env::var_os("PROXYLINT_DIFF_VERBOSE").is_some() {
            eprintln!("round {round}:\n{}", generated.text);
        }
        let (_ws, model) = model_of(prefix, &generated.text);
        for server in &generated.servers {
            let host = model
                .hosts
                .iter()
                .find(|h| h.names.iter().any(|(n, _)| *n == server.name))
                .expect("the model has every server");
            let count = if server.all_paths {
                usize::MAX
            } else {
                PATHS_PER_SERVER
            };
            for path in paths_for(&mut rng, &server.locations, count) {
                let (id, status, kind) = expect(host, &generated.ids, &server.name, &path);
                *by_kind.entry(kind).or_default() += 1;
                let want = (id, status);
                let (status, x_loc, body) = get(port, &server.name, &path);
                compared += 1;
                *by_status.entry(status).or_default() += 1;
                let got = (x_loc.clone().unwrap_or_default(), status);
                let body_ok = status != 200 || body == got.0;
                if got != want || !body_ok {
                    let body = if status == 200 { body.as_str() } else { "…" };
                    mismatches.push(format!(
                        "round {round}, {} {path}: nginx {got:?} (body {body:?}), \
                         proxylint {want:?}",
                        server.name
                    ));
                }
            }
        }
        // The answers came from this nginx, not from a process that held the port.
        assert!(
            running.child.try_wait().unwrap().is_none(),
            "nginx exited during round {round}"
        );
        drop(running);
        if mismatches.len() > reported {
            eprintln!("configuration of round {round}:\n{}", generated.text);
            reported = mismatches.len();
        }
    }
    eprintln!(
        "{compared} request paths compared with nginx in {:.1?}; statuses {by_status:?}; \
         answered by {by_kind:?}",
        started.elapsed()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {compared} paths disagree:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(compared >= ROUNDS * SERVERS * PATHS_PER_SERVER / 2);
    for status in [200, 403] {
        assert!(
            by_status.get(&status).is_some_and(|&n| n > 10),
            "too few {status}s"
        );
    }
}

#[test]
fn the_loopback_rule_walk() {
    assert!(covers_loopback("all"));
    assert!(covers_loopback("127.0.0.1"));
    assert!(covers_loopback("127.0.0.0/8"));
    assert!(covers_loopback("127.0.0.1/8"));
    assert!(covers_loopback("0.0.0.0/0"));
    assert!(!covers_loopback("127.0.0.2"));
    assert!(!covers_loopback("127.0.0.2/31"));
    assert!(!covers_loopback("10.0.0.0/8"));
    assert!(!covers_loopback("::1"));
    assert!(!covers_loopback("::/0"));
}
