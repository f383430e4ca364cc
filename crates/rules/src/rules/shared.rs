//! Helpers several rules share: walking nginx's tree with its contexts, and the words
//! findings use to name hosts and routes.

use proxylint_model::{Host, Loc, Route};
use proxylint_syntax::nginx::directives::{self, Body, Contexts};
use proxylint_syntax::nginx::{Directive, Node, UnitId, Workspace};

use crate::engine::NginxContext;

/// The signing service behind nginx, set up as it should be: the "use instead" example of
/// most gRPC rules, and the starting point of their bad examples.
pub const SIGNING_SERVER: &str = r#"http {
    server {
        listen 443 ssl;
        http2 on;
        server_name signotaur.example.com;
        allow 10.0.0.0/8;
        deny all;
        location /SignService/ {
            grpc_pass grpcs://10.0.0.5:443;
            grpc_read_timeout 300s;
            grpc_send_timeout 300s;
        }
        location / {
            proxy_pass https://10.0.0.5:443;
        }
    }
}
"#;

/// Calls `visit` for every directive of the expanded tree with the context it sits in
/// (`None` where the context cannot be known: the top of a fragment, or inside a block of a
/// module the table does not describe). Directives inside table blocks (`map`, `types`)
/// and raw blocks are rows, not directives, and are not visited.
pub fn walk_contexts<'a>(
    cx: &NginxContext<'a>,
    mut visit: impl FnMut(&Node<'a>, Option<Contexts>),
) {
    let top = top_context(cx);
    walk(cx, cx.nodes, top, &mut visit);
}

fn walk<'a>(
    cx: &NginxContext<'a>,
    nodes: &[Node<'a>],
    context: Option<Contexts>,
    visit: &mut impl FnMut(&Node<'a>, Option<Contexts>),
) {
    for node in nodes {
        visit(node, context);
        if node.include.is_some() {
            walk(cx, &node.children, context, visit);
            continue;
        }
        if node.directive.block.is_none() {
            continue;
        }
        let name = node.directive.name(cx.src(node.file));
        let body = directives::lookup(&name).map(|s| s.body);
        if matches!(body, Some(Body::Table) | Some(Body::Raw)) {
            continue;
        }
        walk(cx, &node.children, child_context(&name, context), visit);
    }
}

/// The context of an entry's top level, from what it holds: a main file, a file of
/// `server` blocks (`conf.d/*.conf`, `sites-enabled/*`), or a file of `location` blocks.
fn top_context(cx: &NginxContext) -> Option<Contexts> {
    let names: Vec<String> = flat_names(cx, cx.nodes);
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("http") || has("events") || has("stream") || has("worker_processes") {
        return Some(Contexts::MAIN);
    }
    if has("server") || has("upstream") {
        // A stream server proxies directly and has no `location` or `server_name`.
        let mut flat = Vec::new();
        proxylint_syntax::nginx::flatten(cx.nodes, &mut flat);
        let stream_like = flat.iter().any(|n| {
            let inner = flat_names(cx, &n.children);
            n.directive.is(cx.src(n.file), "server")
                && inner.iter().any(|x| x == "proxy_pass")
                && !inner.iter().any(|x| x == "location" || x == "server_name")
        });
        return (!stream_like).then_some(Contexts::HTTP);
    }
    if has("location") {
        return Some(Contexts::SERVER);
    }
    None
}

fn flat_names(cx: &NginxContext, nodes: &[Node]) -> Vec<String> {
    let mut flat = Vec::new();
    proxylint_syntax::nginx::flatten(nodes, &mut flat);
    flat.iter()
        .map(|n| n.directive.name(cx.src(n.file)).into_owned())
        .collect()
}

/// The context inside a block, from the block's name and the context around it.
fn child_context(name: &str, outer: Option<Contexts>) -> Option<Contexts> {
    let outer = outer?;
    let inside = |c: Contexts| outer.intersects(c);
    Some(match name {
        "http" => Contexts::HTTP,
        "events" => Contexts::EVENTS,
        "stream" => Contexts::STREAM,
        "mail" => Contexts::MAIL,
        "server" if inside(Contexts::HTTP) => Contexts::SERVER,
        "server" if inside(Contexts::STREAM) => Contexts::STREAM_SERVER,
        "server" if inside(Contexts::MAIL) => Contexts::MAIL_SERVER,
        "upstream" if inside(Contexts::HTTP) => Contexts::UPSTREAM,
        "upstream" if inside(Contexts::STREAM) => Contexts::STREAM_UPSTREAM,
        "location" => Contexts::LOCATION,
        "if" if inside(Contexts::SERVER) => Contexts::SERVER_IF,
        "if" if inside(Contexts::LOCATION.union(Contexts::LOCATION_IF)) => Contexts::LOCATION_IF,
        "limit_except" => Contexts::LIMIT_EXCEPT,
        _ => return None,
    })
}

/// The directive of `unit` whose name starts at byte `at`.
pub fn directive_at(ws: &Workspace, unit: UnitId, at: u32) -> Option<&Directive> {
    let mut stack: Vec<&Directive> = ws.unit(unit).parsed.directives.iter().collect();
    while let Some(d) = stack.pop() {
        if d.name.span.start == at {
            return Some(d);
        }
        if d.span.start <= at && at < d.span.end {
            stack.extend(d.children());
        }
    }
    None
}

/// The location of an include's path argument.
pub fn include_path_loc(ws: &Workspace, unit: UnitId, at: u32) -> Option<Loc> {
    let d = directive_at(ws, unit, at)?;
    let file = ws.unit(unit).file;
    Some(Loc::new(
        file,
        d.args.first().map_or(d.name.span, |a| a.span),
    ))
}

/// How a finding names a host: its first server name, or "this server".
pub fn host_name(host: &Host) -> String {
    host.names
        .iter()
        .map(|(n, _)| n.as_str())
        .find(|n| !n.is_empty() && *n != "_")
        .map_or_else(|| "this server".to_string(), |n| format!("`{n}`"))
}

/// How a finding names a route: `location /SignService/`, `location ~ ^/api/`, and for
/// Caddy `handle /SignService/*`, `reverse_proxy @grpc`.
pub fn route_name(route: &Route) -> String {
    use proxylint_model::MatchKind::*;
    if route.kind == Matcher {
        let directive = route
            .directives
            .first()
            .map_or("route", |(n, _)| n.as_str());
        return if route.matcher.is_some() {
            format!("`{directive} {}`", route.pattern)
        } else {
            format!("`{directive}`")
        };
    }
    let modifier = match route.kind {
        Matcher => "",
        Exact => "= ",
        PrefixNoRegex => "^~ ",
        Regex {
            case_insensitive: false,
        } => "~ ",
        Regex {
            case_insensitive: true,
        } => "~* ",
        Prefix | Named => "",
    };
    format!("`location {modifier}{}`", route.pattern)
}

/// Findings for the problems of one kind met while reading and expanding a Caddyfile.
pub fn caddy_problems(
    cx: &crate::engine::CaddyContext,
    kind: proxylint_syntax::caddy::ProblemKind,
    code: &'static str,
    out: &mut Vec<crate::Diagnostic>,
) {
    for p in cx.expanded.problems.iter().filter(|p| p.kind == kind) {
        let mut d = crate::Diagnostic::new(
            code,
            crate::Label::at(Loc::new(p.file, p.span)),
            p.message.clone(),
        );
        for (file, span, message) in &p.related {
            d = d.related(crate::Label::with(Loc::new(*file, *span), message.clone()));
        }
        if kind == proxylint_syntax::caddy::ProblemKind::Outside {
            d = d.severity(crate::Severity::Info);
        }
        out.push(d);
    }
}

/// The route a finding names: for Caddy, a route without a matcher is named by the block it
/// sits in.
pub fn block_of<'h>(
    host: &'h proxylint_model::Host,
    mut route: &'h proxylint_model::Route,
    caddy: bool,
) -> &'h proxylint_model::Route {
    while caddy && route.matcher.is_none() {
        match route.parent {
            Some(p) => route = &host.routes[p],
            None => break,
        }
    }
    route
}
