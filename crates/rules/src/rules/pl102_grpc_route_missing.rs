//! PL102 grpc-route-missing: no route forwards the gRPC path as gRPC.

use proxylint_model::service::GrpcRouting;
use proxylint_model::HandlerKind;

use super::shared::{host_name, route_name};
use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct GrpcRouteMissing;

static META: RuleMeta = RuleMeta {
    code: "PL102",
    name: "grpc-route-missing",
    severity: Severity::Error,
    scope: Scope::Service,
    summary: "A server fronting a gRPC service has no location for the gRPC path, so gRPC calls \
              fall into the ordinary HTTP proxy rule.",
    why: "The most common mistake: a single `location /` with `proxy_pass` serves the web \
          dashboard fine, but gRPC calls under the same host name reach the backend over \
          HTTP/1.x and fail. The gRPC path needs its own `location` with `grpc_pass`.",
    bad: r#"http {
    server {
        listen 443 ssl;
        http2 on;
        server_name signotaur.example.com;
        allow 10.0.0.0/8;
        deny all;
        location / {
            proxy_pass https://10.0.0.5:443;
        }
    }
}
"#,
    good: super::shared::SIGNING_SERVER,
    example_args: &[],
    options: "`--grpc-path PATH` declares the gRPC path; `--grpc-host NAME` declares the host \
              names that front the service. Without `--grpc-path`, server names and backends \
              containing `signotaur` are recognised.",
};

impl Rule for GrpcRouteMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        for site in &cx.grpc {
            let GrpcRouting::General(winner) = site.routing else {
                continue;
            };
            let host = &cx.model.hosts[site.host];
            if host.partial || !host.unknown.is_empty() {
                continue;
            }
            let location = |label: &str| {
                if cx.is_caddy() {
                    let label = label.strip_suffix(":443").unwrap_or(label);
                    return format!(
                        "add `handle {}* {{ reverse_proxy https://{} }}` to {}",
                        site.path,
                        label,
                        host_name(host)
                    );
                }
                format!(
                    "add `location {} {{ grpc_pass grpcs://{}; }}` to {}",
                    site.path,
                    label,
                    host_name(host)
                )
            };
            let place = if cx.is_caddy() { "route" } else { "location" };
            let Some(route_id) = winner else {
                out.push(
                    Diagnostic::new(
                        META.code,
                        Label::at(host.loc),
                        format!(
                            "{} fronts a gRPC service but no {place} serves `{}`",
                            host_name(host),
                            site.path
                        ),
                    )
                    .help(location("backend:443")),
                );
                continue;
            };
            let route = &host.routes[route_id];
            if route
                .handler
                .as_ref()
                .is_some_and(|f| f.kind == HandlerKind::Grpc || (f.carries_grpc() && f.tls))
            {
                continue;
            }
            if !route.unknown.is_empty() {
                continue;
            }
            let backend = route
                .handler
                .as_ref()
                .and_then(|f| f.backend())
                .unwrap_or_else(|| "backend:443".to_string());
            let (primary, how) = match &route.handler {
                Some(f) => (
                    f.loc,
                    format!(
                        "`{}` forwards them over {}",
                        f.kind.directive(),
                        f.protocol.name()
                    ),
                ),
                None => (route.loc, "it does not forward them at all".to_string()),
            };
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(primary),
                    format!(
                        "no {place} forwards gRPC path `{}` as gRPC: calls fall into {}, and {how}",
                        site.path,
                        route_name(route)
                    ),
                )
                .help(location(&backend))
                .related(Label::with(
                    route.loc,
                    format!("gRPC calls to `{}` end up here", site.path),
                )),
            );
        }
    }
}
