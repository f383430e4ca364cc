//! One proxy model that every dialect lowers into, so each rule is written once.
//!
//! The model holds what a proxy *does*: the sockets it listens on, the virtual hosts, the
//! routes of each host with the server's own precedence rules, what each route forwards to
//! and how, and the access policy in force on each route after the server's inheritance.
//! Every fact keeps the [`Loc`] of the text that produced it.
//!
//! Server semantics live here and nowhere else: [`nginx`] lowers nginx's tree, with its
//! location matching and directive inheritance. [`service`] answers the questions the gRPC
//! rules share: which hosts front a declared service, and which route serves its path.

pub mod caddy;
pub mod nginx;
pub mod service;
mod time;

use proxylint_syntax::{FileId, Span};

pub use time::parse_nginx_time;

/// A place in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

impl Loc {
    pub fn new(file: FileId, span: Span) -> Self {
        Loc { file, span }
    }
}

/// A value and where it was set; `loc` is `None` when the server's default applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub loc: Option<Loc>,
}

impl<T> Setting<T> {
    pub fn default_value(value: T) -> Self {
        Setting { value, loc: None }
    }

    pub fn set(value: T, loc: Loc) -> Self {
        Setting {
            value,
            loc: Some(loc),
        }
    }

    pub fn is_default(&self) -> bool {
        self.loc.is_none()
    }
}

/// Index of a [`Host`] in [`Model::hosts`].
pub type HostId = usize;
/// Index of a [`Route`] in [`Host::routes`].
pub type RouteId = usize;

/// The configuration of one proxy, as one entry point of it describes.
#[derive(Debug, Default)]
pub struct Model {
    pub hosts: Vec<Host>,
    pub upstreams: Vec<UpstreamGroup>,
}

/// Which server's configuration a host comes from: it decides how routes are chosen and how
/// findings name things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    #[default]
    Nginx,
    Caddy,
}

/// A virtual host: nginx's `server` block, a Caddy site block.
#[derive(Debug, Clone)]
pub struct Host {
    pub dialect: Dialect,
    /// The `server` keyword (for a fragment: its first directive).
    pub loc: Loc,
    pub names: Vec<(String, Loc)>,
    pub listeners: Vec<Listener>,
    /// The effective `http2` directive (server level, or inherited from `http`).
    pub http2: Option<Setting<bool>>,
    pub routes: Vec<Route>,
    /// Routes at the top level of the host, in source order.
    pub top_routes: Vec<RouteId>,
    /// `return` and `rewrite` at host level: they run before any route is chosen.
    pub actions: Vec<Action>,
    /// Access rules written at host level or inherited from above it.
    pub access: Access,
    /// The file marks this host with `# proxylint: grpc-service`.
    pub marked_service: bool,
    /// A fragment checked on its own (a file of `location` blocks): its listeners and the
    /// rest of its host are unknown.
    pub partial: bool,
    /// Includes at host level (or above) that were not read: the host may hold more.
    pub unknown: Vec<Loc>,
}

/// A socket a host listens on.
#[derive(Debug, Clone)]
pub struct Listener {
    pub address: Option<String>,
    pub port: u16,
    pub tls: bool,
    /// The `http2` parameter of this `listen`, if written.
    pub http2_param: Option<Loc>,
    pub default_server: bool,
    /// The `listen` directive name; for the implicit `listen *:80`, the host's keyword.
    pub loc: Loc,
    /// No `listen` was written: nginx listens on `*:80` (or `*:8000` when not root).
    pub implicit: bool,
}

impl Listener {
    /// The socket's identity for sharing: nginx shares options of one address:port.
    pub fn socket(&self) -> (String, u16) {
        let address = match self.address.as_deref() {
            None | Some("*") | Some("0.0.0.0") => "*".to_string(),
            Some(a) => a.to_string(),
        };
        (address, self.port)
    }
}

/// How a route's pattern is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// `location = /x`
    Exact,
    /// `location /x`
    Prefix,
    /// `location ^~ /x`: a longest-prefix match that stops the regex search.
    PrefixNoRegex,
    /// `location ~ re` and `location ~* re`
    Regex { case_insensitive: bool },
    /// `location @name`: reached only by internal redirects.
    Named,
    /// A Caddy request matcher (paths and other conditions), tried in Caddy's order.
    Matcher,
}

/// One route: nginx's `location`.
#[derive(Debug, Clone)]
pub struct Route {
    pub kind: MatchKind,
    pub pattern: String,
    /// The `location` keyword.
    pub loc: Loc,
    /// The pattern argument.
    pub pattern_loc: Loc,
    pub parent: Option<RouteId>,
    pub children: Vec<RouteId>,
    /// The content handler in effect (the last one written, as nginx keeps).
    pub handler: Option<Forward>,
    /// Content handlers written before the one in effect, which it overrides.
    pub overridden: Vec<Forward>,
    pub actions: Vec<Action>,
    pub access: Access,
    /// Every directive written directly in this route: name and where.
    pub directives: Vec<(String, Loc)>,
    /// Includes in this route or above it that were not read.
    pub unknown: Vec<Loc>,
    /// The compiled pattern of a regex route; `None` if the pattern is not a regex or uses
    /// syntax neither matcher can run, in which case matches are unknown.
    pub regex: Option<Pattern>,
    /// For a location with `limit_except` that does not list POST: the access policy in
    /// force for POST requests (gRPC calls are POSTs).
    pub post_access: Option<Access>,
    /// The Caddy matcher of a [`MatchKind::Matcher`] route.
    pub matcher: Option<RequestMatcher>,
    /// A Caddy `handle`/`route` block: its children are tried, and it answers nothing itself.
    pub group: Option<Group>,
    /// Access restrictions written for the whole site that run only after this route has
    /// answered (Caddy's directive order puts `handle` before `abort`/`respond`).
    pub skipped_access: Vec<Loc>,
}

/// A Caddy block of routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// `handle`, `handle_path`: of the blocks at one level, only the first that matches runs.
    Handle,
    /// `route`: its contents run in the order written.
    Route,
}

/// A Caddy request matcher, as far as the model can evaluate it for a gRPC call from a
/// trusted client.
#[derive(Debug, Clone, Default)]
pub struct RequestMatcher {
    /// `path` patterns (any may match); empty when the matcher has no path condition.
    pub paths: Vec<String>,
    /// Conditions besides the path.
    pub conditions: Vec<Condition>,
}

/// One non-path condition of a Caddy matcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `header Content-Type application/grpc*` or `protocol grpc`: true for gRPC calls.
    Grpc { negated: bool },
    /// `method …`: whether POST is listed.
    Method { post: bool, negated: bool },
    /// `remote_ip`/`client_ip` ranges.
    RemoteIp { ranges: Vec<String>, negated: bool },
    /// A condition the model cannot evaluate (CEL, query, cookies…).
    Unknown,
}

impl RequestMatcher {
    /// Whether a gRPC call to `path` from a client inside the trusted ranges matches;
    /// `None` when a condition cannot be evaluated.
    pub fn matches(&self, path: &str) -> Option<bool> {
        if !self.paths.is_empty() && !self.paths.iter().any(|p| caddy_path_matches(p, path)) {
            return Some(false);
        }
        let mut known = true;
        for c in &self.conditions {
            let holds = match c {
                Condition::Grpc { negated } => !negated,
                Condition::Method { post, negated } => *post != *negated,
                Condition::RemoteIp { negated, .. } => !negated,
                Condition::Unknown => {
                    known = false;
                    true
                }
            };
            if !holds {
                return Some(false);
            }
        }
        known.then_some(true)
    }

    /// Whether the path conditions alone hold for `path` (for where access rules apply).
    pub fn path_matches(&self, path: &str) -> bool {
        self.paths.is_empty() || self.paths.iter().any(|p| caddy_path_matches(p, path))
    }

    pub fn has_grpc_condition(&self) -> bool {
        self.conditions
            .iter()
            .any(|c| matches!(c, Condition::Grpc { negated: false }))
    }

    /// The IP condition, if the matcher has one: (ranges, negated).
    pub fn remote_ip(&self) -> Option<(&[String], bool)> {
        self.conditions.iter().find_map(|c| match c {
            Condition::RemoteIp { ranges, negated } => Some((ranges.as_slice(), *negated)),
            _ => None,
        })
    }
}

/// Caddy's `path` matcher: case-insensitive; exact unless a `*` makes it a prefix (at the
/// end), a suffix (at the start), a substring (both) or a glob (elsewhere).
pub fn caddy_path_matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let path = path.to_ascii_lowercase();
    let stars = pattern.matches('*').count();
    if stars == 0 {
        return pattern == path;
    }
    if pattern == "*" {
        return true;
    }
    let starts = pattern.starts_with('*');
    let ends = pattern.ends_with('*');
    if stars == 1 && ends {
        return path.starts_with(&pattern[..pattern.len() - 1]);
    }
    if stars == 1 && starts {
        return path.ends_with(&pattern[1..]);
    }
    if stars == 2 && starts && ends {
        return path.contains(&pattern[1..pattern.len() - 1]);
    }
    glob_match(pattern.as_bytes(), path.as_bytes())
}

/// Go's `path.Match` for `*` and `?`: `*` does not cross `/`.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len())
            .take_while(|&i| i == 0 || text[i - 1] != b'/')
            .any(|i| glob_match(rest, &text[i..])),
        Some((b'?', rest)) => {
            text.first().is_some_and(|&c| c != b'/') && glob_match(rest, &text[1..])
        }
        Some((&c, rest)) => text.first() == Some(&c) && glob_match(rest, &text[1..]),
    }
}

/// A compiled regex location: Rust's `regex` where it can, `fancy-regex` for PCRE's
/// look-around and back-references.
#[derive(Debug, Clone)]
pub enum Pattern {
    Plain(regex::Regex),
    Fancy(fancy_regex::Regex),
}

impl Pattern {
    pub fn compile(pattern: &str, case_insensitive: bool) -> Option<Pattern> {
        let plain = regex::RegexBuilder::new(pattern)
            .case_insensitive(case_insensitive)
            .size_limit(1 << 20)
            .build();
        if let Ok(re) = plain {
            return Some(Pattern::Plain(re));
        }
        let flagged = if case_insensitive {
            format!("(?i){pattern}")
        } else {
            pattern.to_string()
        };
        fancy_regex::RegexBuilder::new(&flagged)
            .backtrack_limit(100_000)
            .build()
            .ok()
            .map(Pattern::Fancy)
    }

    /// `None` when the match could not be decided (a backtracking limit was hit).
    pub fn is_match(&self, text: &str) -> Option<bool> {
        match self {
            Pattern::Plain(re) => Some(re.is_match(text)),
            Pattern::Fancy(re) => re.is_match(text).ok(),
        }
    }
}

impl Route {
    pub fn is_regex(&self) -> bool {
        matches!(self.kind, MatchKind::Regex { .. })
    }

    /// The route answers requests itself: it forwards them, or returns, redirects, refuses.
    pub fn answers(&self) -> bool {
        self.handler.is_some()
            || self
                .actions
                .iter()
                .any(|a| matches!(a.kind, ActionKind::Return { .. }))
    }

    /// The access policy a gRPC call (a POST) meets here.
    pub fn grpc_access(&self) -> &Access {
        self.post_access.as_ref().unwrap_or(&self.access)
    }

    /// Whether the route's own pattern matches `path`; `None` when that cannot be known.
    pub fn matches(&self, path: &str) -> Option<bool> {
        match self.kind {
            MatchKind::Exact => Some(path == self.pattern),
            MatchKind::Prefix | MatchKind::PrefixNoRegex => Some(path.starts_with(&self.pattern)),
            MatchKind::Regex { .. } => self.regex.as_ref().and_then(|re| re.is_match(path)),
            MatchKind::Named => Some(false),
            MatchKind::Matcher => self
                .matcher
                .as_ref()
                .map_or(Some(true), |m| m.matches(path)),
        }
    }
}

/// What kind of content handler forwards a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerKind {
    Proxy,
    Grpc,
    FastCgi,
    Uwsgi,
    Scgi,
    Memcached,
    /// Caddy's `reverse_proxy`: HTTP/1.1 or HTTP/2 as its transport decides.
    ReverseProxy,
}

impl HandlerKind {
    pub fn directive(self) -> &'static str {
        match self {
            HandlerKind::Proxy => "proxy_pass",
            HandlerKind::Grpc => "grpc_pass",
            HandlerKind::FastCgi => "fastcgi_pass",
            HandlerKind::Uwsgi => "uwsgi_pass",
            HandlerKind::Scgi => "scgi_pass",
            HandlerKind::Memcached => "memcached_pass",
            HandlerKind::ReverseProxy => "reverse_proxy",
        }
    }
}

/// The protocol a route speaks to its backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Http10,
    Http11,
    Http2,
    Other,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Http10 => "HTTP/1.0",
            Protocol::Http11 => "HTTP/1.1",
            Protocol::Http2 => "HTTP/2",
            Protocol::Other => "a non-HTTP protocol",
        }
    }
}

/// A route's forwarding to a backend, with the settings in effect for it.
#[derive(Debug, Clone)]
pub struct Forward {
    pub kind: HandlerKind,
    /// The handler directive's name.
    pub loc: Loc,
    /// The target as written (`grpcs://backend:443`).
    pub target: String,
    pub target_loc: Loc,
    pub scheme: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// The host part holds a variable, so nginx resolves it per request.
    pub host_is_variable: bool,
    /// The target names a URI after the host (`proxy_pass http://b/x/`), which replaces the
    /// matched part of the request path.
    pub has_uri: bool,
    pub protocol: Protocol,
    pub tls: bool,
    /// Index of the `upstream` block the host names, if any.
    pub upstream: Option<usize>,
    pub verify: Setting<bool>,
    pub server_name: Setting<bool>,
    pub ssl_name: Option<Setting<String>>,
    pub read_timeout: Setting<u64>,
    pub send_timeout: Setting<u64>,
    /// Request headers set for the backend (lower-case names), after inheritance.
    pub headers: Vec<(String, Loc)>,
}

impl Forward {
    /// It speaks HTTP/2 to the backend, so gRPC calls pass (`grpc_pass`, a Caddy
    /// `reverse_proxy` to `https://` or `h2c://`).
    pub fn carries_grpc(&self) -> bool {
        self.protocol == Protocol::Http2
    }

    /// An HTTP proxy (`proxy_pass`, `reverse_proxy`), not a gRPC or FastCGI one.
    pub fn is_http_proxy(&self) -> bool {
        matches!(self.kind, HandlerKind::Proxy | HandlerKind::ReverseProxy)
    }

    /// The backend as `host:port`, for comparing routes that reach the same server.
    pub fn backend(&self) -> Option<String> {
        let host = self.host.as_ref()?;
        let port = self.port.or(match self.scheme.as_deref() {
            Some("https") | Some("grpcs") => Some(443),
            Some("http") | Some("grpc") => Some(80),
            _ => None,
        });
        Some(match port {
            Some(p) => format!("{}:{p}", host.to_ascii_lowercase()),
            None => host.to_ascii_lowercase(),
        })
    }
}

/// A `return` or `rewrite`: nginx runs them in its rewrite phase, before access checks.
#[derive(Debug, Clone)]
pub struct Action {
    pub kind: ActionKind,
    pub loc: Loc,
    /// Written inside an `if`: it runs only for some requests.
    pub conditional: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    Return { code: Option<u16> },
    Rewrite { flag: Option<String> },
}

impl Action {
    /// The action answers or redirects the client itself, skipping the access phase.
    pub fn answers_client(&self) -> bool {
        match &self.kind {
            ActionKind::Return { code } => !code.is_some_and(|c| (400..600).contains(&c)),
            ActionKind::Rewrite { flag } => {
                matches!(flag.as_deref(), Some("redirect") | Some("permanent"))
            }
        }
    }
}

/// One `allow` or `deny` rule.
#[derive(Debug, Clone)]
pub struct IpRule {
    pub allow: bool,
    pub source: String,
    pub loc: Loc,
}

/// The access policy in force at one level, after inheritance.
#[derive(Debug, Clone, Default)]
pub struct Access {
    pub ip_rules: Vec<IpRule>,
    /// The rules are written at this level (not inherited).
    pub ip_rules_own: bool,
    pub auth_basic: Option<Loc>,
    pub auth_request: Option<Loc>,
    pub satisfy_any: bool,
}

impl Access {
    /// Something limits who may reach this level: a `deny` that some request reaches
    /// (not one after `allow all`), `auth_basic` or `auth_request`. Under `satisfy any`, an
    /// `allow all` lets everyone in whatever else is configured.
    pub fn restricts(&self) -> bool {
        let mut ip_denies = false;
        let mut allows_everyone = false;
        for rule in &self.ip_rules {
            if rule.allow && rule.source == "all" {
                allows_everyone = true;
                break;
            }
            if !rule.allow {
                ip_denies = true;
                break;
            }
        }
        if self.satisfy_any && allows_everyone {
            return false;
        }
        ip_denies || self.auth_basic.is_some() || self.auth_request.is_some()
    }

    /// Where the restriction is written, for pointing at it.
    pub fn locs(&self) -> Vec<Loc> {
        let mut locs: Vec<Loc> = self.ip_rules.iter().map(|r| r.loc).collect();
        locs.extend(self.auth_basic);
        locs.extend(self.auth_request);
        locs
    }
}

/// An `upstream` block.
#[derive(Debug, Clone)]
pub struct UpstreamGroup {
    pub name: String,
    pub loc: Loc,
    pub servers: Vec<(String, Loc)>,
}

/// The result of nginx's location search for one request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub route: Option<RouteId>,
    /// False when a regex that could not be compiled might have matched first.
    pub certain: bool,
}

impl Host {
    /// Which route nginx picks for a request path: an exact `=` match; else the longest
    /// prefix, searched again among its nested locations; then, unless that prefix was
    /// `^~`, the regexes of the level in order; the longest prefix if none matches.
    pub fn select(&self, path: &str) -> Selection {
        let mut certain = true;
        let route = match self.dialect {
            Dialect::Nginx => self.find(&self.top_routes, path, &mut certain).0,
            Dialect::Caddy => self.first_match(&self.top_routes, path, &mut certain),
        };
        Selection { route, certain }
    }

    /// Caddy: routes run in order (the lowering sorted them); the first route that matches
    /// and answers wins. A `handle` group that matches is searched inside, and the other
    /// `handle` blocks of the level are then skipped.
    fn first_match(&self, level: &[RouteId], path: &str, certain: &mut bool) -> Option<RouteId> {
        let mut handled = false;
        for &id in level {
            let route = &self.routes[id];
            let exclusive = route.group == Some(Group::Handle);
            if exclusive && handled {
                continue;
            }
            match route.matches(path) {
                Some(true) => {}
                Some(false) => continue,
                None => {
                    *certain = false;
                    continue;
                }
            }
            if route.group.is_none() && !route.answers() {
                // `basic_auth`, `forward_auth`: they check and pass the request on.
                continue;
            }
            if route.group.is_some() {
                handled |= exclusive;
                if let Some(inner) = self.first_match(&route.children, path, certain) {
                    return Some(inner);
                }
                continue;
            }
            return Some(id);
        }
        None
    }

    fn find(&self, level: &[RouteId], path: &str, certain: &mut bool) -> (Option<RouteId>, bool) {
        let routes = || level.iter().copied().map(|id| (id, &self.routes[id]));
        if let Some((id, _)) =
            routes().find(|(_, r)| r.kind == MatchKind::Exact && r.pattern == path)
        {
            return (Some(id), true);
        }
        let longest = routes()
            .filter(|(_, r)| matches!(r.kind, MatchKind::Prefix | MatchKind::PrefixNoRegex))
            .filter(|(_, r)| path.starts_with(&r.pattern))
            .max_by_key(|(_, r)| r.pattern.len());
        let mut current = None;
        let mut no_regex = false;
        if let Some((id, route)) = longest {
            current = Some(id);
            no_regex = route.kind == MatchKind::PrefixNoRegex;
            if !route.children.is_empty() {
                let (inner, definite) = self.find(&route.children, path, certain);
                if definite {
                    return (inner, true);
                }
                current = inner.or(current);
            }
        }
        if !no_regex {
            for (id, route) in routes().filter(|(_, r)| r.is_regex()) {
                match route.matches(path) {
                    Some(true) => {
                        // Inside a regex location nginx searches only the nested regex
                        // locations; nested prefix and `=` locations are never reached.
                        let nested: Vec<RouteId> = route
                            .children
                            .iter()
                            .copied()
                            .filter(|&c| self.routes[c].is_regex())
                            .collect();
                        let (inner, _) = self.find(&nested, path, certain);
                        return (inner.or(Some(id)), true);
                    }
                    Some(false) => {}
                    None => *certain = false,
                }
            }
        }
        (current, false)
    }

    /// The host only redirects or answers: a `return` at host level runs before any route
    /// is chosen, or no route forwards and every route returns.
    pub fn redirect_only(&self) -> bool {
        let unconditional_return = |actions: &[Action]| {
            actions
                .iter()
                .any(|a| !a.conditional && matches!(a.kind, ActionKind::Return { .. }))
        };
        // `return 301 …` or `return https://…` at host level; `return 200 "maintenance"`
        // answers too, but such a host is still the service's host.
        let host_redirects = self.actions.iter().any(|a| {
            !a.conditional
                && matches!(a.kind, ActionKind::Return { code } if code.is_none_or(|c| (300..400).contains(&c)))
        });
        if host_redirects {
            return true;
        }
        let forwards = self.routes.iter().any(|r| r.handler.is_some());
        !forwards
            && !self.routes.is_empty()
            && self.routes.iter().all(|r| unconditional_return(&r.actions))
    }

    pub fn has_tls_listener(&self) -> bool {
        self.listeners.iter().any(|l| l.tls)
    }
}
