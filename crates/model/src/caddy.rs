//! Lowers a Caddyfile (one entry point, imports expanded) into the [`Model`].
//!
//! What Caddy does that the model keeps:
//! - a site's addresses give its names and listeners: `http://` or port 80 means no TLS, a
//!   host name or port 443 means automatic HTTPS; HTTPS offers HTTP/2 unless the global
//!   `servers { protocols … }` leaves `h2` out;
//! - directives run in Caddy's directive order, not in the order written (except inside
//!   `route`); directives of one kind are sorted most specific path first; of the `handle`
//!   blocks at one level only the first that matches runs;
//! - `reverse_proxy` speaks HTTP/2 to `https://` upstreams (unless `versions 1.1`) and to
//!   `h2c://`, HTTP/1.1 to `http://` and bare `host:port` (port 443 included);
//! - access: `basic_auth`, `forward_auth`, and `abort`/`error`/`respond 4xx` for requests
//!   matched by `remote_ip`/`client_ip`, in force only for what runs after them.

use std::collections::HashMap;

use proxylint_syntax::caddy::{Expanded, Node, Site, Word};
use proxylint_syntax::FileId;

use crate::{
    Access, Action, ActionKind, Condition, Dialect, Forward, Group, HandlerKind, Host, IpRule,
    Listener, Loc, MatchKind, Model, Protocol, RequestMatcher, Route, RouteId, Setting,
};

/// Caddy's directive order (Caddy 2.6 to 2.9): where a directive runs, whatever its place in
/// the site block. Directives not listed (plugins) run last.
const ORDER: &[&str] = &[
    "tracing",
    "map",
    "vars",
    "fs",
    "root",
    "log_append",
    "skip_log",
    "log_skip",
    "log_name",
    "header",
    "copy_response_headers",
    "request_body",
    "redir",
    "method",
    "rewrite",
    "uri",
    "try_files",
    "basicauth",
    "basic_auth",
    "forward_auth",
    "request_header",
    "encode",
    "push",
    "intercept",
    "templates",
    "invoke",
    "handle",
    "route",
    "abort",
    "error",
    "copy_response",
    "respond",
    "metrics",
    "reverse_proxy",
    "php_fastcgi",
    "file_server",
    "acme_server",
];

fn order_of(name: &str) -> usize {
    let name = if name == "handle_path" {
        "handle"
    } else {
        name
    };
    ORDER.iter().position(|&d| d == name).unwrap_or(ORDER.len())
}

/// Settings from the global options block.
#[derive(Debug, Default)]
struct Global {
    /// `servers { protocols … }`: the protocols and where they are set.
    protocols: Option<(Vec<String>, Loc)>,
    /// `servers { timeouts { … } }`: name, seconds, where.
    timeouts: Vec<(String, u64, Loc)>,
}

/// Lowers one expanded entry point. `marks` are the `# proxylint: grpc-service` comments of
/// the files involved.
pub fn lower(x: &Expanded, marks: &[Loc]) -> Model {
    let global = global_options(&x.global);
    let mut model = Model::default();
    let mut sites: Vec<&Site> = x.sites.iter().collect();
    sites.sort_by_key(|s| (s.file, s.span.start));
    let mut previous_end: HashMap<FileId, u32> = HashMap::new();
    for site in sites {
        let end = site_end(site);
        let since = previous_end.get(&site.file).copied().unwrap_or(0);
        let marked = marks
            .iter()
            .any(|m| m.file == site.file && m.span.start >= since && m.span.start < end);
        previous_end.insert(site.file, end);
        let mut host = lower_site(site, &global, marked);
        // An import that was not read, written in this site (or bringing the site in).
        host.unknown.extend(
            x.unknown
                .iter()
                .filter(|&&(f, s)| {
                    (f == site.file && s.start >= site.span.start && s.start < end)
                        || site.via.first() == Some(&(f, s))
                })
                .map(|&(f, s)| Loc::new(f, s)),
        );
        model.hosts.push(host);
    }
    model
}

fn site_end(site: &Site) -> u32 {
    let mut end = site.span.end;
    for d in &site.directives {
        if d.file == site.file {
            end = end.max(d.span.end);
        }
    }
    end + 1
}

fn loc(w: &Word) -> Loc {
    Loc::new(w.file, w.span)
}

fn node_loc(n: &Node) -> Loc {
    n.words.first().map_or(Loc::new(n.file, n.span), loc)
}

fn global_options(nodes: &[Node]) -> Global {
    let mut g = Global::default();
    for n in nodes.iter().filter(|n| n.name() == "servers") {
        for opt in &n.children {
            match opt.name() {
                "protocols" => {
                    let list = opt
                        .args()
                        .iter()
                        .map(|w| w.text.to_ascii_lowercase())
                        .collect();
                    g.protocols = Some((list, node_loc(opt)));
                }
                "timeouts" => {
                    for t in &opt.children {
                        if let Some(secs) = t.args().first().and_then(|w| parse_duration(&w.text)) {
                            g.timeouts.push((t.name().to_string(), secs, node_loc(t)));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    g
}

/// A Go duration (`300s`, `5m`, `1h30m`, `1.5h`) or Caddy's day unit (`1d`), in whole
/// seconds; a plain number is nanoseconds to Caddy, rounded down here.
pub fn parse_duration(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(text.parse::<u64>().ok()? / 1_000_000_000);
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let n = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if n == 0 {
            return None;
        }
        let number: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphabetic() || *b == 0xc2 || *b == 0xb5)
            .count();
        let factor = match &rest[..u] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return None,
        };
        total += number * factor;
        rest = &rest[u..];
    }
    Some(total as u64)
}

/// A site address: `[scheme://]host[:port][/path]`.
struct Address {
    scheme: Option<String>,
    host: String,
    port: Option<u16>,
}

fn parse_address(text: &str) -> Address {
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
        None => (None, text),
    };
    let rest = rest.split('/').next().unwrap_or("");
    let (host, port) = if let Some(stripped) = rest.strip_prefix('[') {
        // [::1]:443
        match stripped.split_once(']') {
            Some((h, p)) => (
                h.to_string(),
                p.strip_prefix(':').and_then(|p| p.parse().ok()),
            ),
            None => (rest.to_string(), None),
        }
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() => {
                (h.to_string(), p.parse().ok())
            }
            _ => (rest.to_string(), None),
        }
    };
    Address { scheme, host, port }
}

fn lower_site(site: &Site, global: &Global, marked: bool) -> Host {
    let site_loc = Loc::new(site.file, site.span);
    let has_tls_directive = site.directives.iter().any(|d| d.name() == "tls");
    let mut names = Vec::new();
    let mut listeners: Vec<Listener> = Vec::new();
    for w in &site.addresses {
        let a = parse_address(w.text.trim_end_matches(','));
        if !a.host.is_empty() {
            names.push((a.host.clone(), loc(w)));
        }
        let tls = match a.scheme.as_deref() {
            Some("http") => false,
            Some("https") => true,
            _ => match a.port {
                Some(80) => false,
                Some(443) => true,
                // A host name (or IP) gets automatic HTTPS on any port but the HTTP port;
                // a bare port serves plain HTTP unless `tls` says otherwise.
                Some(_) => !a.host.is_empty() || has_tls_directive,
                None => true,
            },
        };
        let port = a.port.unwrap_or(if tls { 443 } else { 80 });
        if listeners.iter().any(|l| l.port == port && l.tls == tls) {
            continue;
        }
        listeners.push(Listener {
            address: None,
            port,
            tls,
            http2_param: None,
            default_server: false,
            loc: loc(w),
            implicit: false,
        });
    }
    let http2 = match &global.protocols {
        Some((list, at)) => Setting::set(list.iter().any(|p| p == "h2"), *at),
        None => Setting::default_value(true),
    };
    let mut host = Host {
        dialect: Dialect::Caddy,
        loc: site_loc,
        names,
        listeners,
        http2: Some(http2),
        routes: Vec::new(),
        top_routes: Vec::new(),
        actions: Vec::new(),
        access: Access::default(),
        marked_service: marked,
        partial: false,
        unknown: Vec::new(),
    };
    let mut lowering = Lowering {
        host: &mut host,
        matchers: HashMap::new(),
    };
    lowering.collect_matchers(&site.directives);
    let top = lowering.level(&site.directives, None, true);
    host.top_routes = top;
    assign_access(&mut host);
    host
}

struct Lowering<'h> {
    host: &'h mut Host,
    /// Named matchers of the site: `@name` → the matcher and where it is defined.
    matchers: HashMap<String, (RequestMatcher, Loc)>,
}

/// A directive of one level, with what sorting needs.
struct Entry<'n> {
    node: &'n Node,
    order: usize,
    path_len: usize,
    has_matcher: bool,
}

impl Lowering<'_> {
    fn collect_matchers(&mut self, nodes: &[Node]) {
        for n in nodes {
            let name = n.name();
            if let Some(matcher_name) = name.strip_prefix('@') {
                let m = if n.children.is_empty() {
                    conditions_of(n.args())
                } else {
                    let mut m = RequestMatcher::default();
                    for c in &n.children {
                        let one = conditions_of(&c.words);
                        m.paths.extend(one.paths);
                        m.conditions.extend(one.conditions);
                    }
                    m
                };
                self.matchers
                    .insert(matcher_name.to_string(), (m, node_loc(n)));
            }
            // Matchers defined inside `handle` blocks are visible there too.
            if !n.children.is_empty() && !name.starts_with('@') {
                self.collect_matchers(&n.children);
            }
        }
    }

    /// The matcher token after a directive's name: `*`, `/path`, `@name`; with the rest.
    fn matcher_of<'w>(
        &self,
        node: &'w Node,
    ) -> (Option<(RequestMatcher, Loc, String)>, &'w [Word]) {
        let args = node.args();
        let Some(first) = args.first() else {
            return (None, args);
        };
        if first.text == "*" {
            return (None, &args[1..]);
        }
        if first.text.starts_with('/') {
            let m = RequestMatcher {
                paths: vec![first.text.clone()],
                conditions: Vec::new(),
            };
            return (Some((m, loc(first), first.text.clone())), &args[1..]);
        }
        if let Some(name) = first.text.strip_prefix('@') {
            let m = match self.matchers.get(name) {
                Some((m, _)) => m.clone(),
                None => RequestMatcher {
                    paths: Vec::new(),
                    conditions: vec![Condition::Unknown],
                },
            };
            return (Some((m, loc(first), first.text.clone())), &args[1..]);
        }
        (None, args)
    }

    /// Lowers one level's directives in Caddy's order; returns the routes made, in order.
    fn level(&mut self, nodes: &[Node], parent: Option<RouteId>, sort: bool) -> Vec<RouteId> {
        let mut entries: Vec<Entry> = nodes
            .iter()
            .filter(|n| !n.name().starts_with('@'))
            .map(|n| {
                let (m, _) = self.matcher_of(n);
                let path_len = match &m {
                    Some((m, _, _)) if m.paths.len() == 1 => m.paths[0].len(),
                    _ => 0,
                };
                Entry {
                    node: n,
                    order: order_of(n.name()),
                    path_len,
                    has_matcher: m.is_some(),
                }
            })
            .collect();
        if sort {
            // Within one directive: most specific single path first, then other matchers,
            // then no matcher (Caddy's sort, made a total order).
            entries.sort_by_key(|e| {
                let rank = if e.path_len > 0 {
                    (0, usize::MAX - e.path_len)
                } else if e.has_matcher {
                    (1, 0)
                } else {
                    (2, 0)
                };
                (e.order, rank)
            });
        }
        let mut out = Vec::new();
        for e in entries {
            if let Some(id) = self.directive(e.node, parent) {
                out.push(id);
            }
        }
        out
    }

    fn new_route(&mut self, node: &Node, parent: Option<RouteId>) -> RouteId {
        let (m, _) = self.matcher_of(node);
        let (matcher, pattern, pattern_loc) = match m {
            Some((m, l, text)) => (Some(m), text, l),
            None => (None, "*".to_string(), node_loc(node)),
        };
        let id = self.host.routes.len();
        let mut unknown = Vec::new();
        if let Some(p) = parent {
            unknown = self.host.routes[p].unknown.clone();
        }
        self.host.routes.push(Route {
            kind: MatchKind::Matcher,
            pattern,
            loc: node_loc(node),
            pattern_loc,
            parent,
            children: Vec::new(),
            handler: None,
            overridden: Vec::new(),
            actions: Vec::new(),
            access: Access::default(),
            directives: vec![(node.name().to_string(), node_loc(node))],
            unknown,
            regex: None,
            post_access: None,
            matcher,
            group: None,
            skipped_access: Vec::new(),
        });
        if let Some(p) = parent {
            self.host.routes[p].children.push(id);
        }
        id
    }

    fn directive(&mut self, node: &Node, parent: Option<RouteId>) -> Option<RouteId> {
        match node.name() {
            "handle" | "handle_path" | "route" => {
                let id = self.new_route(node, parent);
                let group = if node.name() == "route" {
                    Group::Route
                } else {
                    Group::Handle
                };
                self.host.routes[id].group = Some(group);
                if node.name() == "handle_path" {
                    self.host.routes[id].actions.push(Action {
                        kind: ActionKind::Rewrite { flag: None },
                        loc: node_loc(node),
                        conditional: false,
                    });
                }
                // The children link themselves to this route.
                self.level(&node.children, Some(id), group == Group::Handle);
                Some(id)
            }
            "reverse_proxy" => {
                let id = self.new_route(node, parent);
                let forward = self.forward(node);
                self.host.routes[id].handler = Some(forward);
                Some(id)
            }
            "php_fastcgi" => {
                let id = self.new_route(node, parent);
                let mut forward = self.forward(node);
                forward.kind = HandlerKind::FastCgi;
                forward.protocol = Protocol::Other;
                self.host.routes[id].handler = Some(forward);
                Some(id)
            }
            "respond" | "abort" | "error" | "redir" | "file_server" | "static_response" => {
                let id = self.new_route(node, parent);
                let (_, rest) = self.matcher_of(node);
                let code = match node.name() {
                    "abort" => Some(444),
                    "error" => rest
                        .iter()
                        .find_map(|w| w.text.parse::<u16>().ok())
                        .or(Some(500)),
                    "redir" => Some(302),
                    "file_server" => Some(200),
                    _ => rest
                        .iter()
                        .rev()
                        .find_map(|w| {
                            w.text
                                .parse::<u16>()
                                .ok()
                                .filter(|c| (100..600).contains(c))
                        })
                        .or(Some(200)),
                };
                self.host.routes[id].actions.push(Action {
                    kind: ActionKind::Return { code },
                    loc: node_loc(node),
                    conditional: false,
                });
                Some(id)
            }
            "rewrite" | "uri" => {
                // A rewrite changes the path for what runs after it in this block.
                let action = Action {
                    kind: ActionKind::Rewrite { flag: None },
                    loc: node_loc(node),
                    conditional: self.matcher_of(node).0.is_some(),
                };
                match parent {
                    Some(p) => self.host.routes[p].actions.push(action),
                    None => self.host.actions.push(action),
                }
                None
            }
            "basicauth" | "basic_auth" | "forward_auth" => {
                // Access rules are gathered by `assign_access`, from the sorted routes.
                let id = self.new_route(node, parent);
                self.host.routes[id].directives[0].0 = node.name().to_string();
                Some(id)
            }
            _ => None,
        }
    }

    fn forward(&self, node: &Node) -> Forward {
        let (_, rest) = self.matcher_of(node);
        let mut upstreams: Vec<&Word> = rest.iter().collect();
        let mut versions: Option<Vec<String>> = None;
        let mut tls_option = false;
        let mut verify = Setting::default_value(true);
        let mut ssl_name = None;
        let mut read_timeout = Setting::default_value(u64::MAX);
        let mut send_timeout = Setting::default_value(u64::MAX);
        for sub in &node.children {
            match sub.name() {
                "to" => upstreams.extend(sub.args()),
                "transport" => {
                    for t in &sub.children {
                        match t.name() {
                            "versions" => {
                                versions = Some(t.args().iter().map(|w| w.text.clone()).collect())
                            }
                            "tls" => tls_option = true,
                            "tls_insecure_skip_verify" => {
                                tls_option = true;
                                verify = Setting::set(false, node_loc(t));
                            }
                            "tls_server_name" => {
                                tls_option = true;
                                if let Some(w) = t.args().first() {
                                    ssl_name = Some(Setting::set(w.text.clone(), node_loc(t)));
                                }
                            }
                            "tls_trusted_ca_certs" | "tls_trust_pool" | "tls_client_auth" => {
                                tls_option = true
                            }
                            "read_timeout" => {
                                if let Some(s) =
                                    t.args().first().and_then(|w| parse_duration(&w.text))
                                {
                                    read_timeout = Setting::set(s, node_loc(t));
                                }
                            }
                            "write_timeout" => {
                                if let Some(s) =
                                    t.args().first().and_then(|w| parse_duration(&w.text))
                                {
                                    send_timeout = Setting::set(s, node_loc(t));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        let first = upstreams.first();
        let target = first.map_or(String::new(), |w| w.text.clone());
        let target_loc = first.map_or(node_loc(node), |w| loc(w));
        let (scheme, rest) = match target.split_once("://") {
            Some((s, r)) => (Some(s.to_ascii_lowercase()), r.to_string()),
            None => (None, target.clone()),
        };
        let a = parse_address(&rest);
        let host_is_variable = a.host.contains('{');
        let tls = scheme.as_deref() == Some("https") || tls_option;
        let h2c = scheme.as_deref() == Some("h2c");
        let versions = versions.unwrap_or_else(|| vec!["1.1".to_string(), "2".to_string()]);
        let protocol = if h2c
            || (tls && versions.iter().any(|v| v == "2"))
            || versions.iter().any(|v| v == "h2c")
        {
            Protocol::Http2
        } else {
            Protocol::Http11
        };
        Forward {
            kind: HandlerKind::ReverseProxy,
            loc: node_loc(node),
            target,
            target_loc,
            scheme,
            host: (!a.host.is_empty()).then(|| a.host.clone()),
            port: a.port,
            host_is_variable,
            has_uri: false,
            protocol,
            tls,
            upstream: None,
            verify,
            // Caddy sends the upstream's host name as SNI unless it is an IP address.
            server_name: Setting::default_value(true),
            ssl_name,
            read_timeout,
            send_timeout,
            headers: Vec::new(),
        }
    }
}

/// The conditions of one matcher line: `path /a /b`, `header Content-Type application/grpc*`,
/// `not remote_ip 10.0.0.0/8`, `protocol grpc`, `method POST`, `expression …`.
fn conditions_of(words: &[Word]) -> RequestMatcher {
    let mut m = RequestMatcher::default();
    let Some(first) = words.first() else {
        return m;
    };
    let (negated, kind, args) = if first.text == "not" {
        match words.get(1) {
            Some(k) => (true, k.text.as_str(), &words[2..]),
            None => return m,
        }
    } else {
        (false, first.text.as_str(), &words[1..])
    };
    let texts: Vec<String> = args.iter().map(|w| w.text.clone()).collect();
    match kind {
        "path" if !negated => m.paths.extend(texts),
        "remote_ip" | "client_ip" => m.conditions.push(Condition::RemoteIp {
            ranges: texts.into_iter().filter(|t| t != "forwarded").collect(),
            negated,
        }),
        "protocol" if texts.iter().any(|t| t.eq_ignore_ascii_case("grpc")) => {
            m.conditions.push(Condition::Grpc { negated })
        }
        "header"
            if texts
                .first()
                .is_some_and(|h| h.eq_ignore_ascii_case("content-type"))
                && texts
                    .iter()
                    .skip(1)
                    .any(|v| v.to_ascii_lowercase().starts_with("application/grpc")) =>
        {
            m.conditions.push(Condition::Grpc { negated })
        }
        "method" => m.conditions.push(Condition::Method {
            post: texts.iter().any(|t| t.eq_ignore_ascii_case("POST")),
            negated,
        }),
        _ => m.conditions.push(Condition::Unknown),
    }
    m
}

/// A representative request path for a route: its first path pattern with the wildcard
/// filled in, else its parent's, else `/`.
fn probe_of(host: &Host, id: RouteId) -> String {
    let mut at = Some(id);
    while let Some(r) = at {
        let route = &host.routes[r];
        if let Some(p) = route.matcher.as_ref().and_then(|m| m.paths.first()) {
            let p = p.replace('*', "x");
            return if p.ends_with('/') { format!("{p}x") } else { p };
        }
        at = route.parent;
    }
    "/".to_string()
}

/// Any of the actions refuses the client (`abort`, `error`, `respond 4xx`).
fn refuses(actions: &[Action]) -> bool {
    actions
        .iter()
        .any(|a| matches!(a.kind, ActionKind::Return { code: Some(c) } if c >= 400))
}

/// The IP rules a refusal for clients matched by `remote_ip` amounts to: for `not
/// remote_ip R`, allow R and deny the rest; for `remote_ip R`, deny R.
fn ip_rules(ranges: &[String], negated: bool, allow_at: Loc, deny_at: Loc) -> Vec<IpRule> {
    let rule = |allow: bool, source: &str, loc: Loc| IpRule {
        allow,
        source: source.to_string(),
        loc,
    };
    if negated {
        let mut rules: Vec<IpRule> = ranges.iter().map(|r| rule(true, r, allow_at)).collect();
        rules.push(rule(false, "all", deny_at));
        rules
    } else {
        ranges.iter().map(|r| rule(false, r, deny_at)).collect()
    }
}

/// What a route that restricts the routes after it adds: `basic_auth`, `forward_auth`, a
/// refusal for clients matched by IP, or a `handle @denied { abort }` (a group whose only
/// content refuses them).
fn restriction(host: &Host, route: &Route) -> Option<Access> {
    let name = route.directives.first().map(|(n, _)| n.as_str())?;
    let mut access = Access::default();
    match name {
        "basicauth" | "basic_auth" => access.auth_basic = Some(route.loc),
        "forward_auth" => access.auth_request = Some(route.loc),
        _ => {
            let (ranges, negated) = route.matcher.as_ref()?.remote_ip()?;
            let refusing = match route.group {
                Some(_) => {
                    !route.children.is_empty()
                        && route
                            .children
                            .iter()
                            .all(|&c| refuses(&host.routes[c].actions))
                }
                None => matches!(name, "abort" | "error" | "respond") && refuses(&route.actions),
            };
            if !refusing {
                return None;
            }
            access.ip_rules = ip_rules(ranges, negated, route.pattern_loc, route.loc);
            access.ip_rules_own = true;
        }
    }
    Some(access)
}

/// A `handle` whose matcher admits only some client addresses: the other clients fall
/// through to later routes, so the handle is itself an allow list for what it serves.
fn handle_allow(route: &Route) -> Option<Access> {
    route.group?;
    let (ranges, negated) = route.matcher.as_ref()?.remote_ip()?;
    if negated {
        return None;
    }
    Some(Access {
        ip_rules: ip_rules(ranges, true, route.pattern_loc, route.pattern_loc),
        ..Access::default()
    })
}

fn merge(into: &mut Access, from: &Access) {
    into.ip_rules.extend(from.ip_rules.iter().cloned());
    into.ip_rules_own |= from.ip_rules_own;
    into.auth_basic = into.auth_basic.or(from.auth_basic);
    into.auth_request = into.auth_request.or(from.auth_request);
}

/// Gives each route the access rules that run before it (earlier in the sorted order, at
/// its level or above, for its paths), and each top-level route the site-level rules that
/// run only after it.
fn assign_access(host: &mut Host) {
    let top = host.top_routes.clone();
    walk_access(host, &top, &Access::default());
    // Site-level restrictions after a route in the order never see what it answers.
    let restrictions: Vec<(usize, Access, Option<RequestMatcher>)> = top
        .iter()
        .enumerate()
        .filter_map(|(i, &id)| {
            let r = &host.routes[id];
            let a = restriction(host, r)?;
            Some((i, a, r.matcher.clone()))
        })
        .collect();
    for (i, &id) in top.iter().enumerate() {
        let probe = probe_of(host, id);
        let skipped: Vec<Loc> = restrictions
            .iter()
            .filter(|(at, _, m)| *at > i && m.as_ref().is_none_or(|m| m.path_matches(&probe)))
            .flat_map(|(_, a, _)| a.locs())
            .collect();
        if !skipped.is_empty() && answers(host, id) {
            host.routes[id].skipped_access = skipped;
        }
    }
}

/// The route answers requests itself, or through what it holds.
fn answers(host: &Host, id: RouteId) -> bool {
    let r = &host.routes[id];
    r.answers() || r.children.iter().any(|&c| answers(host, c))
}

fn walk_access(host: &mut Host, level: &[RouteId], inherited: &Access) {
    // Restrictions met so far at this level, with the matcher that limits them.
    let mut in_force: Vec<(Access, Option<RequestMatcher>)> = Vec::new();
    for &id in level {
        let probe = probe_of(host, id);
        let route = &host.routes[id];
        let mut own = inherited.clone();
        for (a, m) in &in_force {
            if m.as_ref().is_none_or(|m| m.path_matches(&probe)) {
                merge(&mut own, a);
            }
        }
        if let Some(a) = handle_allow(route) {
            merge(&mut own, &a);
        }
        let restricts_later = restriction(host, route);
        let matcher = route.matcher.clone();
        let children = route.children.clone();
        host.routes[id].access = own.clone();
        walk_access(host, &children, &own);
        if let Some(a) = restricts_later {
            in_force.push((a, matcher));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300s"), Some(300));
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("1.5m"), Some(90));
        assert_eq!(parse_duration("forever"), None);
    }

    #[test]
    fn addresses() {
        let a = parse_address("https://sign.example.com:8443/x");
        assert_eq!(
            (a.scheme.as_deref(), a.host.as_str(), a.port),
            (Some("https"), "sign.example.com", Some(8443))
        );
        let a = parse_address(":80");
        assert_eq!((a.host.as_str(), a.port), ("", Some(80)));
        let a = parse_address("[::1]:443");
        assert_eq!((a.host.as_str(), a.port), ("::1", Some(443)));
    }
}
