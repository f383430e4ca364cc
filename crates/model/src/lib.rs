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

/// A virtual host: nginx's `server` block.
#[derive(Debug, Clone)]
pub struct Host {
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
        let (route, _) = self.find(&self.top_routes, path, &mut certain);
        Selection { route, certain }
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
