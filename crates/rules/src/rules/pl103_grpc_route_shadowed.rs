//! PL103 grpc-route-shadowed: another location takes the gRPC path first.

use proxylint_model::service::GrpcRouting;
use proxylint_model::MatchKind;

use super::shared::route_name;
use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct GrpcRouteShadowed;

static META: RuleMeta = RuleMeta {
    code: "PL103",
    name: "grpc-route-shadowed",
    severity: Severity::Error,
    scope: Scope::Service,
    summary: "A location for the gRPC path exists, but another location takes its requests \
              first (a regex location, `^~`, `=`).",
    why: "nginx picks a location by its own precedence, not by the order of the blocks: an \
          exact `=` match first, then the longest prefix, then regex locations in order unless \
          the prefix was `^~`. A regex such as `~ ^/(api|SignService)/` or `~* \\.(json|bin)$` \
          beats a plain `location /SignService/`, and the gRPC calls go where they fail.",
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
        location ~ ^/(api|SignService)/ {
            proxy_pass https://10.0.0.5:443;
        }
        location / {
            proxy_pass https://10.0.0.5:443;
        }
    }
}
"#,
    good: r#"http {
    server {
        listen 443 ssl;
        http2 on;
        server_name signotaur.example.com;
        allow 10.0.0.0/8;
        deny all;
        location ^~ /SignService/ {
            grpc_pass grpcs://10.0.0.5:443;
            grpc_read_timeout 300s;
            grpc_send_timeout 300s;
        }
        location ~ ^/(api|SignService)/ {
            proxy_pass https://10.0.0.5:443;
        }
        location / {
            proxy_pass https://10.0.0.5:443;
        }
    }
}
"#,
    example_args: &[],
    options: "None beyond the service declaration (`--grpc-path`).",
};

impl Rule for GrpcRouteShadowed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        for site in &cx.grpc {
            let GrpcRouting::Shadowed {
                specific,
                winner: Some(winner),
            } = site.routing
            else {
                continue;
            };
            let host = &cx.model.hosts[site.host];
            let caddy = cx.is_caddy();
            let (lost, won) = (
                &host.routes[specific],
                super::shared::block_of(host, &host.routes[winner], caddy),
            );
            let help = match (won.kind, lost.kind) {
                (MatchKind::Matcher, _) => format!(
                    "Caddy runs directives in its own order (`handle` before `respond` and \
                     `reverse_proxy`) and the first matching `handle` wins: put the gRPC route in \
                     a `handle {}*` block, or order routes yourself inside one `route` block",
                    site.path
                ),
                (MatchKind::Regex { .. }, MatchKind::Prefix) => format!(
                    "write `location ^~ {}` so nginx stops before trying regex locations, or \
                     exclude the path from the regex",
                    lost.pattern
                ),
                _ => format!(
                    "make {} the most specific match for `{}`",
                    route_name(lost),
                    site.path
                ),
            };
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(lost.loc),
                    format!(
                        "{} never receives gRPC calls: {} takes requests under `{}` first",
                        route_name(lost),
                        route_name(won),
                        site.path
                    ),
                )
                .help(help)
                .related(Label::with(
                    won.loc,
                    if cx.is_caddy() {
                        "this route wins for the gRPC path"
                    } else {
                        "this location wins for the gRPC path"
                    },
                )),
            );
        }
    }
}
