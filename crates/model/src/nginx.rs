//! Lowers an nginx configuration (one entry point, includes expanded) into the [`Model`].
//!
//! nginx's inheritance is modelled level by level (`http` → `server` → `location` →
//! nested `location`): a scalar directive set at a level replaces the inherited value; an
//! array directive (`allow`/`deny`, `proxy_set_header`) replaces the whole inherited list
//! only when the level has at least one of its own.

use std::collections::HashMap;

use proxylint_syntax::nginx::{Entry, IncludeTarget, Node, Workspace};

use crate::{
    Access, Action, ActionKind, Forward, HandlerKind, Host, IpRule, Listener, Loc, MatchKind,
    Model, Protocol, Route, RouteId, Setting, UpstreamGroup,
};

/// nginx's default for `proxy_read_timeout`, `grpc_send_timeout` and their twins.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;

/// Scalar directives whose inherited value the model needs.
const SCALARS: &[&str] = &[
    "http2",
    "ssl",
    "proxy_http_version",
    "proxy_read_timeout",
    "proxy_send_timeout",
    "grpc_read_timeout",
    "grpc_send_timeout",
    "proxy_ssl_verify",
    "grpc_ssl_verify",
    "proxy_ssl_server_name",
    "grpc_ssl_server_name",
    "proxy_ssl_name",
    "grpc_ssl_name",
    "auth_basic",
    "auth_request",
    "satisfy",
];

/// Included files that hold no setting the rules look at; not reading them loses nothing.
const HARMLESS_INCLUDES: &[&str] = &[
    "mime.types",
    "fastcgi_params",
    "fastcgi.conf",
    "scgi_params",
    "uwsgi_params",
    "koi-utf",
    "koi-win",
    "win-utf",
];

/// Settings in force at one level of the configuration.
#[derive(Debug, Clone, Default)]
struct Inherited {
    scalars: HashMap<&'static str, (String, Loc)>,
    ip_rules: Vec<IpRule>,
    ip_rules_own: bool,
    proxy_headers: Vec<(String, Loc)>,
    grpc_headers: Vec<(String, Loc)>,
    unknown: Vec<Loc>,
}

impl Inherited {
    fn scalar(&self, name: &str) -> Option<&(String, Loc)> {
        self.scalars.get(name)
    }

    fn flag(&self, name: &str) -> Setting<bool> {
        match self.scalar(name) {
            Some((value, loc)) => Setting::set(value == "on", *loc),
            None => Setting::default_value(false),
        }
    }

    fn seconds(&self, name: &str) -> Setting<u64> {
        match self.scalar(name) {
            // A value nginx would refuse is not judged short or long: `u64::MAX`.
            Some((value, loc)) => {
                Setting::set(crate::parse_nginx_time(value).unwrap_or(u64::MAX), *loc)
            }
            None => Setting::default_value(DEFAULT_TIMEOUT_SECS),
        }
    }

    fn access(&self) -> Access {
        let enabled = |name| {
            self.scalar(name)
                .filter(|(value, _)| value != "off")
                .map(|(_, loc)| *loc)
        };
        Access {
            ip_rules: self.ip_rules.clone(),
            ip_rules_own: self.ip_rules_own,
            auth_basic: enabled("auth_basic"),
            auth_request: enabled("auth_request"),
            satisfy_any: self.scalar("satisfy").is_some_and(|(v, _)| v == "any"),
        }
    }
}

/// Lowers one entry point.
pub fn lower(ws: &Workspace, entry: &Entry) -> Model {
    let nodes = ws.expand(entry);
    let mut lowering = Lowering {
        ws,
        model: Model::default(),
        regexes: HashMap::new(),
        upstream_index: HashMap::new(),
    };
    let top = flat(&nodes);
    let http_blocks: Vec<&Node> = top
        .iter()
        .copied()
        .filter(|n| lowering.is(n, "http") && n.directive.block.is_some())
        .collect();
    if !http_blocks.is_empty() {
        for http in http_blocks {
            lowering.http(&http.directives(), &Inherited::default());
        }
    } else if top
        .iter()
        .any(|n| lowering.is(n, "server") || lowering.is(n, "upstream"))
    {
        lowering.http(&top, &Inherited::default());
    } else if top.iter().any(|n| {
        ["location", "listen", "server_name"]
            .iter()
            .any(|k| lowering.is(n, k))
    }) {
        lowering.fragment(&top);
    }
    lowering.model
}

/// The nodes of a level with includes flattened away.
fn flat<'a, 'w>(nodes: &'a [Node<'w>]) -> Vec<&'a Node<'w>> {
    let mut out = Vec::new();
    proxylint_syntax::nginx::flatten(nodes, &mut out);
    out
}

struct Lowering<'w> {
    ws: &'w Workspace,
    model: Model,
    /// Compiled regex locations by pattern: configurations repeat the same few patterns
    /// (`\.php$`) in many servers, and a compiled regex is large.
    regexes: HashMap<(String, bool), Option<crate::Pattern>>,
    /// `upstream` blocks by lower-case name.
    upstream_index: HashMap<String, usize>,
}

impl<'w> Lowering<'w> {
    fn src(&self, node: &Node) -> &'w [u8] {
        &self.ws.sources.get(node.file).text
    }

    fn is(&self, node: &Node, name: &str) -> bool {
        node.directive.is(self.src(node), name)
    }

    fn name(&self, node: &Node) -> String {
        node.directive.name(self.src(node)).into_owned()
    }

    fn args(&self, node: &Node) -> Vec<String> {
        let src = self.src(node);
        node.directive
            .args
            .iter()
            .map(|a| a.value(src).into_owned())
            .collect()
    }

    fn loc(&self, node: &Node) -> Loc {
        Loc::new(node.file, node.directive.name.span)
    }

    fn arg_loc(&self, node: &Node, i: usize) -> Loc {
        node.directive
            .args
            .get(i)
            .map_or(self.loc(node), |a| Loc::new(node.file, a.span))
    }

    fn http(&mut self, nodes: &[&Node], parent: &Inherited) {
        let mut level = parent.clone();
        self.apply_level(&mut level, nodes);
        for node in nodes {
            if self.is(node, "upstream") {
                self.upstream(node);
            }
        }
        for node in nodes {
            if self.is(node, "server") && node.directive.block.is_some() {
                self.server(node, &level);
            }
        }
    }

    fn upstream(&mut self, node: &Node) {
        let name = self.args(node).into_iter().next().unwrap_or_default();
        let servers = node
            .directives()
            .into_iter()
            .filter(|n| self.is(n, "server"))
            .filter_map(|n| {
                let first = self.args(n).into_iter().next()?;
                Some((first, self.arg_loc(n, 0)))
            })
            .collect();
        self.upstream_index
            .entry(name.to_ascii_lowercase())
            .or_insert(self.model.upstreams.len());
        self.model.upstreams.push(UpstreamGroup {
            name,
            loc: self.loc(node),
            servers,
        });
    }

    fn server(&mut self, node: &Node, parent: &Inherited) {
        let children = node.directives();
        let host = self.host(self.loc(node), &children, parent, false, Some(node));
        self.model.hosts.push(host);
    }

    /// A file of `location` blocks (or server-level directives) checked on its own.
    fn fragment(&mut self, top: &[&Node]) {
        let loc = self.loc(top[0]);
        let host = self.host(loc, top, &Inherited::default(), true, None);
        self.model.hosts.push(host);
    }

    fn host(
        &mut self,
        loc: Loc,
        children: &[&Node],
        parent: &Inherited,
        partial: bool,
        server: Option<&Node>,
    ) -> Host {
        let mut level = parent.clone();
        self.apply_level(&mut level, children);
        let mut host = Host {
            dialect: crate::Dialect::Nginx,
            loc,
            names: Vec::new(),
            listeners: Vec::new(),
            http2: level
                .scalar("http2")
                .map(|(value, loc)| Setting::set(value == "on", *loc)),
            routes: Vec::new(),
            top_routes: Vec::new(),
            actions: self.actions(children),
            access: level.access(),
            marked_service: server.is_some_and(|s| self.marked(s)),
            partial,
            unknown: level.unknown.clone(),
        };
        for node in children {
            if self.is(node, "server_name") {
                let src = self.src(node);
                for arg in &node.directive.args {
                    host.names
                        .push((arg.value(src).into_owned(), Loc::new(node.file, arg.span)));
                }
            } else if self.is(node, "listen") {
                host.listeners.push(self.listener(node));
            }
        }
        // The old `ssl on;` turns TLS on for every listener of the server.
        if level.scalar("ssl").is_some_and(|(v, _)| v == "on") {
            for listener in &mut host.listeners {
                listener.tls = true;
            }
        }
        if host.listeners.is_empty() && !partial {
            host.listeners.push(Listener {
                address: None,
                port: 80,
                tls: false,
                http2_param: None,
                default_server: false,
                loc,
                implicit: true,
            });
        }
        let locations: Vec<&Node> = children
            .iter()
            .copied()
            .filter(|n| self.is(n, "location"))
            .collect();
        for location in locations {
            let id = self.route(&mut host, location, None, &level);
            host.top_routes.push(id);
        }
        host
    }

    fn listener(&self, node: &Node) -> Listener {
        let args = self.args(node);
        let (address, port) = parse_listen_address(args.first().map_or("", String::as_str));
        let param = |name: &str| args.iter().skip(1).position(|a| a == name).map(|i| i + 1);
        Listener {
            address,
            port,
            tls: param("ssl").is_some() || param("quic").is_some(),
            http2_param: param("http2").map(|i| self.arg_loc(node, i)),
            default_server: param("default_server").is_some() || param("default").is_some(),
            loc: self.loc(node),
            implicit: false,
        }
    }

    /// `# proxylint: grpc-service` inside the server block or on the lines just above it.
    fn marked(&self, server: &Node) -> bool {
        let comments = &self.ws.unit(server.unit).parsed.comments;
        let src = self.src(server);
        let span = server.directive.span;
        const MARK: &[u8] = b"proxylint: grpc-service";
        let is_mark = |c: &proxylint_syntax::nginx::Comment| {
            src[c.span.range()].windows(MARK.len()).any(|w| w == MARK)
        };
        // Comments are in source order: find those inside the block by binary search, and
        // walk back from the block over the comment lines right above it.
        let first_inside = comments.partition_point(|c| c.span.start < span.start);
        let inside = comments[first_inside..]
            .iter()
            .take_while(|c| c.span.start < span.end)
            .any(is_mark);
        if inside {
            return true;
        }
        let mut end = span.start as usize;
        for c in comments[..first_inside].iter().rev() {
            if !src[c.span.end as usize..end]
                .iter()
                .all(u8::is_ascii_whitespace)
            {
                break;
            }
            if is_mark(c) {
                return true;
            }
            end = c.span.start as usize;
        }
        false
    }

    fn route(
        &mut self,
        host: &mut Host,
        node: &Node,
        parent: Option<RouteId>,
        inherited: &Inherited,
    ) -> RouteId {
        let args = self.args(node);
        let (kind, pattern, pattern_index) = parse_location(&args);
        let children = node.directives();
        let mut level = inherited.clone();
        self.apply_level(&mut level, &children);
        let handlers: Vec<Forward> = children
            .iter()
            .filter_map(|n| self.forward(n, &level))
            .collect();
        let regex = match kind {
            MatchKind::Regex { case_insensitive } => self
                .regexes
                .entry((pattern.clone(), case_insensitive))
                .or_insert_with(|| crate::Pattern::compile(&pattern, case_insensitive))
                .clone(),
            _ => None,
        };
        let post_access = self.post_access(&children, &level);
        let mut handlers = handlers;
        let handler = handlers.pop();
        let id = host.routes.len();
        host.routes.push(Route {
            kind,
            pattern,
            loc: self.loc(node),
            pattern_loc: self.arg_loc(node, pattern_index),
            parent,
            children: Vec::new(),
            handler,
            overridden: handlers,
            actions: self.actions(&children),
            access: level.access(),
            directives: children
                .iter()
                .map(|n| (self.name(n), self.loc(n)))
                .collect(),
            unknown: level.unknown.clone(),
            regex,
            post_access,
            matcher: None,
            group: None,
            skipped_access: Vec::new(),
        });
        let nested: Vec<&Node> = children
            .iter()
            .copied()
            .filter(|n| self.is(n, "location"))
            .collect();
        for child in nested {
            let child_id = self.route(host, child, Some(id), &level);
            host.routes[id].children.push(child_id);
        }
        id
    }

    /// `limit_except GET { deny all; }` applies its block to every method it does not list:
    /// when POST is not listed, the block's access rules are what a gRPC call meets.
    fn post_access(&self, children: &[&Node], level: &Inherited) -> Option<Access> {
        let block = children.iter().find(|n| {
            self.is(n, "limit_except")
                && !self.args(n).iter().any(|m| m.eq_ignore_ascii_case("POST"))
        })?;
        let mut inner = level.clone();
        self.apply_level(&mut inner, &block.directives());
        Some(inner.access())
    }

    /// `return` and `rewrite` at this level, including inside its `if` blocks.
    fn actions(&self, nodes: &[&Node]) -> Vec<Action> {
        self.actions_in(nodes, false)
    }

    fn actions_in(&self, nodes: &[&Node], conditional: bool) -> Vec<Action> {
        let mut out = Vec::new();
        for node in nodes {
            if self.is(node, "if") {
                out.extend(self.actions_in(&node.directives(), true));
                continue;
            }
            let args = self.args(node);
            let kind = if self.is(node, "return") {
                ActionKind::Return {
                    code: args.first().and_then(|a| a.parse().ok()),
                }
            } else if self.is(node, "rewrite") {
                ActionKind::Rewrite {
                    flag: args.get(2).cloned(),
                }
            } else {
                continue;
            };
            out.push(Action {
                kind,
                loc: self.loc(node),
                conditional,
            });
        }
        out
    }

    /// Applies the directives written at one level to what it inherits.
    fn apply_level(&self, level: &mut Inherited, nodes: &[&Node]) {
        let mut ip_rules = Vec::new();
        let mut proxy_headers = Vec::new();
        let mut grpc_headers = Vec::new();
        for node in nodes {
            let name = self.name(node);
            let args = self.args(node);
            match name.as_str() {
                "allow" | "deny" => ip_rules.push(IpRule {
                    allow: name == "allow",
                    source: args.first().cloned().unwrap_or_default(),
                    loc: self.loc(node),
                }),
                "proxy_set_header" | "grpc_set_header" => {
                    let header = args
                        .first()
                        .map(|h| h.to_ascii_lowercase())
                        .unwrap_or_default();
                    let list = if name == "proxy_set_header" {
                        &mut proxy_headers
                    } else {
                        &mut grpc_headers
                    };
                    list.push((header, self.loc(node)));
                }
                "include" => self.note_unknown_include(level, node),
                _ => {
                    if let Some(&key) = SCALARS.iter().find(|&&k| k == name) {
                        let value = args.first().cloned().unwrap_or_default();
                        level.scalars.insert(key, (value, self.loc(node)));
                    }
                }
            }
        }
        level.ip_rules_own = !ip_rules.is_empty();
        if !ip_rules.is_empty() {
            level.ip_rules = ip_rules;
        }
        if !proxy_headers.is_empty() {
            level.proxy_headers = proxy_headers;
        }
        if !grpc_headers.is_empty() {
            level.grpc_headers = grpc_headers;
        }
    }

    /// An include whose content was not read leaves this level partly unknown.
    fn note_unknown_include(&self, level: &mut Inherited, node: &Node) {
        let read = matches!(
            node.include,
            Some(IncludeTarget::Units(_)) | Some(IncludeTarget::Cycle(_))
        );
        let path = self.args(node).into_iter().next().unwrap_or_default();
        let file_name = path.rsplit('/').next().unwrap_or_default();
        if !read && !HARMLESS_INCLUDES.contains(&file_name) {
            level.unknown.push(self.loc(node));
        }
    }

    fn forward(&self, node: &Node, level: &Inherited) -> Option<Forward> {
        let name = self.name(node);
        let kind = match name.as_str() {
            "proxy_pass" => HandlerKind::Proxy,
            "grpc_pass" => HandlerKind::Grpc,
            "fastcgi_pass" => HandlerKind::FastCgi,
            "uwsgi_pass" => HandlerKind::Uwsgi,
            "scgi_pass" => HandlerKind::Scgi,
            "memcached_pass" => HandlerKind::Memcached,
            _ => return None,
        };
        let target = self.args(node).into_iter().next()?;
        let parsed = parse_target(&target);
        let scheme = parsed.scheme.clone();
        let (prefix, protocol, tls) = match kind {
            HandlerKind::Proxy => {
                let version = level.scalar("proxy_http_version").map(|(v, _)| v.as_str());
                let protocol = if version == Some("1.1") {
                    Protocol::Http11
                } else {
                    Protocol::Http10
                };
                ("proxy", protocol, scheme.as_deref() == Some("https"))
            }
            HandlerKind::Grpc => ("grpc", Protocol::Http2, scheme.as_deref() == Some("grpcs")),
            _ => ("", Protocol::Other, false),
        };
        let setting = |suffix: &str| format!("{prefix}_{suffix}");
        let upstream = parsed
            .host
            .as_ref()
            .and_then(|h| self.upstream_index.get(&h.to_ascii_lowercase()).copied());
        Some(Forward {
            kind,
            loc: self.loc(node),
            target_loc: self.arg_loc(node, 0),
            target,
            scheme,
            host: parsed.host,
            port: parsed.port,
            host_is_variable: parsed.host_is_variable,
            has_uri: parsed.has_uri,
            protocol,
            tls,
            upstream,
            verify: level.flag(&setting("ssl_verify")),
            server_name: level.flag(&setting("ssl_server_name")),
            ssl_name: level
                .scalar(&setting("ssl_name"))
                .map(|(v, loc)| Setting::set(v.clone(), *loc)),
            read_timeout: level.seconds(&setting("read_timeout")),
            send_timeout: level.seconds(&setting("send_timeout")),
            headers: if kind == HandlerKind::Grpc {
                level.grpc_headers.clone()
            } else {
                level.proxy_headers.clone()
            },
        })
    }
}

/// Reads `location`'s arguments as nginx does: `= /x`, `^~ /x`, `~ re`, `~* re`, `@name`,
/// and the glued forms `=/x`, `~re`, `~*re`, `^~/x`. Returns the kind, the pattern and the
/// index of the argument that holds the pattern.
fn parse_location(args: &[String]) -> (MatchKind, String, usize) {
    let regex = |ci| MatchKind::Regex {
        case_insensitive: ci,
    };
    if args.len() >= 2 {
        let kind = match args[0].as_str() {
            "=" => MatchKind::Exact,
            "^~" => MatchKind::PrefixNoRegex,
            "~" => regex(false),
            "~*" => regex(true),
            _ => MatchKind::Prefix,
        };
        return (kind, args[1].clone(), 1);
    }
    let Some(name) = args.first() else {
        return (MatchKind::Prefix, String::new(), 0);
    };
    let (kind, pattern) = if let Some(rest) = name.strip_prefix('=') {
        (MatchKind::Exact, rest)
    } else if let Some(rest) = name.strip_prefix("~*") {
        (regex(true), rest)
    } else if let Some(rest) = name.strip_prefix('~') {
        (regex(false), rest)
    } else if let Some(rest) = name.strip_prefix("^~") {
        (MatchKind::PrefixNoRegex, rest)
    } else if name.starts_with('@') {
        (MatchKind::Named, name.as_str())
    } else {
        (MatchKind::Prefix, name.as_str())
    };
    (kind, pattern.to_string(), 0)
}

/// `listen`'s address: `443`, `*:443`, `127.0.0.1:8443`, `[::]:443`, `localhost`,
/// `unix:/path`.
fn parse_listen_address(text: &str) -> (Option<String>, u16) {
    if text.starts_with("unix:") {
        return (Some(text.to_string()), 0);
    }
    if let Ok(port) = text.parse::<u16>() {
        return (None, port);
    }
    if let Some(rest) = text.strip_prefix('[') {
        if let Some((addr, after)) = rest.split_once(']') {
            let port = after
                .strip_prefix(':')
                .and_then(|p| p.parse().ok())
                .unwrap_or(80);
            return (Some(format!("[{addr}]")), port);
        }
    }
    match text.rsplit_once(':') {
        Some((addr, port)) if port.parse::<u16>().is_ok() => {
            (Some(addr.to_string()), port.parse().unwrap_or(80))
        }
        _ => (Some(text.to_string()), 80),
    }
}

struct Target {
    scheme: Option<String>,
    host: Option<String>,
    port: Option<u16>,
    host_is_variable: bool,
    has_uri: bool,
}

/// Splits a `proxy_pass`/`grpc_pass` target into scheme, host, port and URI.
fn parse_target(target: &str) -> Target {
    let (scheme, rest) = match target.split_once("://") {
        Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
        None => (None, target),
    };
    if rest.starts_with("unix:") {
        return Target {
            scheme,
            host: None,
            port: None,
            host_is_variable: false,
            has_uri: false,
        };
    }
    let (authority, has_uri) = match rest.find('/') {
        Some(i) => (&rest[..i], true),
        None => (rest, false),
    };
    let (host, port_text) = if let Some(inner) = authority.strip_prefix('[') {
        match inner.split_once(']') {
            Some((h, after)) => (format!("[{h}]"), after.strip_prefix(':')),
            None => (authority.to_string(), None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    let port = port_text.and_then(|p| p.parse().ok());
    let variable_port = port_text.is_some_and(|p| p.contains('$'));
    Target {
        scheme,
        host_is_variable: host.contains('$'),
        host: (!host.is_empty()).then_some(host),
        port: if variable_port { None } else { port },
        has_uri,
    }
}

#[cfg(test)]
mod tests;
