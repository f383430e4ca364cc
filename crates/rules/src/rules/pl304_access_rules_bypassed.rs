//! PL304 access-rules-bypassed: `return` runs before the access check.

use super::shared::route_name;
use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct AccessRulesBypassed;

static META: RuleMeta = RuleMeta {
    code: "PL304",
    name: "access-rules-bypassed",
    severity: Severity::Error,
    scope: Scope::Service,
    summary: "A `return` or redirecting `rewrite` in a restricted location of the service: nginx \
              runs it before `allow`/`deny` and `auth_*`, so it answers everyone.",
    why: "nginx processes a request in phases, and the rewrite phase (`return`, `rewrite`) comes \
          before the access phase. A `return 200 …` or `rewrite … redirect` in a location with \
          `deny all` answers clients the rules were meant to keep out.",
    bad: r#"http {
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
        location /old-dashboard/ {
            return 302 /dashboard/;
        }
        location / {
            proxy_pass https://10.0.0.5:443;
        }
    }
}
"#,
    good: super::shared::SIGNING_SERVER,
    example_args: &[],
    options: "None.",
};

impl Rule for AccessRulesBypassed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        if cx.is_caddy() {
            check_caddy_order(cx, out);
            return;
        }
        for (_, host) in cx.fronting_hosts() {
            // A `return` at server level runs before any location is chosen, so it
            // bypasses the access rules of every location.
            if host.access.restricts() || host.routes.iter().any(|r| r.access.restricts()) {
                // Redirects at server level (`if ($scheme = http) { return 301 … }`) send the
                // client to a place where the rules apply; an answer with content does not.
                let serves = |a: &&proxylint_model::Action| matches!(a.kind, proxylint_model::ActionKind::Return { code: Some(c) } if (200..300).contains(&c));
                for action in host.actions.iter().filter(serves) {
                    let rule = host.access.locs().first().copied().or_else(|| {
                        host.routes
                            .iter()
                            .find_map(|r| r.access.locs().first().copied())
                    });
                    let mut d = Diagnostic::new(
                        META.code,
                        Label::at(action.loc),
                        "this runs at server level, before any location's access rules, so it \
                         answers clients they deny",
                    )
                    .help("nginx's rewrite phase comes before its access phase; limit it with an `if` on the client address, or move it into a location without protection needs");
                    if let Some(rule) = rule {
                        d = d.related(Label::with(rule, "access rules that never get to run"));
                    }
                    out.push(d);
                }
            }
            for route in &host.routes {
                if !route.access.restricts() {
                    continue;
                }
                for action in route.actions.iter().filter(|a| a.answers_client()) {
                    let mut d = Diagnostic::new(
                        META.code,
                        Label::at(action.loc),
                        "this runs before the access rules of its location, so it answers \
                         clients they deny",
                    )
                    .help(
                        "nginx's rewrite phase comes before its access phase; answer with \
                         `return` only in locations that need no protection, or check access \
                         another way (`auth_request`, a firewall)",
                    );
                    if let Some(&rule) = route.access.locs().first() {
                        d = d.related(Label::with(rule, "access rules that never get to run"));
                    }
                    out.push(d);
                }
            }
        }
    }
}

/// Caddy runs `handle`, `handle_path` and `route` before `abort`, `error` and `respond`: a
/// site-level deny never sees what those blocks answer.
fn check_caddy_order(cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
    for (_, host) in cx.fronting_hosts() {
        for &id in &host.top_routes {
            let route = &host.routes[id];
            if route.skipped_access.is_empty() || route.access.restricts() {
                continue;
            }
            let grpc = cx.grpc.iter().find(|site| {
                let served = match site.routing {
                    proxylint_model::service::GrpcRouting::Served(r) => Some(r),
                    _ => None,
                };
                let mut at = served;
                while let Some(r) = at {
                    if r == id {
                        return true;
                    }
                    at = host.routes[r].parent;
                }
                false
            });
            let what = match grpc {
                Some(site) => format!("the gRPC calls to `{}`", site.path),
                None => "its requests".to_string(),
            };
            let mut d = Diagnostic::new(
                META.code,
                Label::at(route.loc),
                format!(
                    "{} runs before the site's access rules in Caddy's directive order, so it \
                     answers {what} for clients they deny",
                    route_name(route)
                ),
            )
            .help(
                "Caddy orders `handle` before `abort`/`respond`: put the `remote_ip` check inside \
                 this block, or wrap the site's directives in one `route { … }` block, which keeps \
                 the order written",
            );
            for &rule in route.skipped_access.iter().take(1) {
                d = d.related(Label::with(
                    rule,
                    "this access rule runs only after that block",
                ));
            }
            out.push(d);
        }
    }
}
