//! PL301 grpc-route-unprotected: access rules miss the gRPC route.

use super::shared::route_name;
use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct GrpcRouteUnprotected;

static META: RuleMeta = RuleMeta {
    code: "PL301",
    name: "grpc-route-unprotected",
    severity: Severity::Error,
    scope: Scope::Service,
    summary: "Access rules restrict other locations of the server but do not reach the gRPC \
              location.",
    why: "nginx's `allow`/`deny` are inherited by a location only when it has none of its own, \
          and a sibling's rules never apply. Rules written in `location /` protect the \
          dashboard while `location /SignService/`, the path that reaches the signing keys, \
          stays open to everyone.",
    bad: r#"http {
    server {
        listen 443 ssl;
        http2 on;
        server_name signotaur.example.com;
        location /SignService/ {
            grpc_pass grpcs://10.0.0.5:443;
            grpc_read_timeout 300s;
            grpc_send_timeout 300s;
        }
        location / {
            allow 10.0.0.0/8;
            deny all;
            proxy_pass https://10.0.0.5:443;
        }
    }
}
"#,
    good: super::shared::SIGNING_SERVER,
    example_args: &[],
    options: "A service declared public is not checked.",
};

impl Rule for GrpcRouteUnprotected {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        for (site, route_id) in cx.grpc_routes() {
            let host = &cx.model.hosts[site.host];
            let route = &host.routes[route_id];
            if cx.service(site).public || host.partial || route.grpc_access().restricts() {
                continue;
            }
            // Rules that exist but run too late are PL304's finding.
            if !route.skipped_access.is_empty()
                || route
                    .parent
                    .is_some_and(|p| !host.routes[p].skipped_access.is_empty())
            {
                continue;
            }
            if !route.unknown.is_empty() {
                continue;
            }
            // Name the route people think of as "the site": the one that serves `/`, else
            // the first guarded prefix location, else any guarded one.
            let guarded_route = |r: &&proxylint_model::Route| r.access.restricts();
            let by_root = host
                .select("/")
                .route
                .map(|r| &host.routes[r])
                .filter(guarded_route);
            let Some(guarded) = by_root
                .or_else(|| {
                    host.routes.iter().filter(guarded_route).find(|r| {
                        matches!(
                            r.kind,
                            proxylint_model::MatchKind::Prefix
                                | proxylint_model::MatchKind::PrefixNoRegex
                        )
                    })
                })
                .or_else(|| host.routes.iter().find(guarded_route))
            else {
                continue;
            };
            // A Caddy route without a matcher is named by the block it sits in.
            let caddy = cx.is_caddy();
            let (route, guarded) = (
                super::shared::block_of(host, route, caddy),
                super::shared::block_of(host, guarded, caddy),
            );
            let rules = guarded.access.locs();
            let mut d = Diagnostic::new(
                META.code,
                Label::at(route.loc),
                format!(
                    "{} is not covered by the access rules that protect {}: anyone can reach \
                     the gRPC service",
                    route_name(route),
                    route_name(guarded)
                ),
            )
            .help(if cx.is_caddy() {
                "put the `remote_ip` check where it runs before every route: a site-level \
                 `abort @untrusted` runs after `handle` blocks, so repeat it inside each `handle`, \
                 or wrap the site in a `route` block that checks first"
            } else {
                "move the `allow`/`deny` lines to the server level so every location inherits \
                 them, or repeat them in this location"
            });
            if let Some(&first) = rules.first() {
                d = d.related(Label::with(
                    first,
                    format!("access rules are here, in {}", route_name(guarded)),
                ));
            }
            if route.access.ip_rules_own && !route.access.ip_rules.is_empty() {
                d = d.related(Label::with(
                    route.access.ip_rules[0].loc,
                    "this location's own rules replace the inherited ones and deny nothing",
                ));
            }
            out.push(d);
        }
    }
}
