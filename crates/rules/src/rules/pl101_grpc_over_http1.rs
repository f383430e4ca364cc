//! PL101 grpc-over-http1: the gRPC path is forwarded by an HTTP/1.x proxy rule.

use proxylint_model::{HandlerKind, Protocol};

use super::shared::route_name;
use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct GrpcOverHttp1;

static META: RuleMeta = RuleMeta {
    code: "PL101",
    name: "grpc-over-http1",
    severity: Severity::Error,
    scope: Scope::Service,
    summary: "The location meant for the gRPC path forwards with `proxy_pass`, which speaks \
              HTTP/1.x to the backend.",
    why: "gRPC needs HTTP/2 from the client through the proxy to the backend. `proxy_pass` \
          talks HTTP/1.0 (HTTP/1.1 with `proxy_http_version 1.1`) to the backend, so the \
          dashboard keeps working while every gRPC call fails; the signing client reports \
          \"Request protocol 'HTTP/1.0' is not supported\". nginx forwards gRPC with \
          `grpc_pass`.",
    bad: r#"http {
    server {
        listen 443 ssl;
        http2 on;
        server_name signotaur.example.com;
        allow 10.0.0.0/8;
        deny all;
        location /SignService/ {
            proxy_pass https://10.0.0.5:443;
            proxy_read_timeout 300s;
        }
        location / {
            proxy_pass https://10.0.0.5:443;
        }
    }
}
"#,
    good: super::shared::SIGNING_SERVER,
    example_args: &[],
    options: "`--grpc-path PATH` declares the gRPC path prefix (default `/SignService/`).",
};

impl Rule for GrpcOverHttp1 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        self.check_served_routes(cx, out);
        self.check_method_routes(cx, out);
    }
}

impl GrpcOverHttp1 {
    /// Locations for single methods under the gRPC path (`location = /SignService/Sign`)
    /// win over the path's own location for those calls.
    fn check_method_routes(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        for site in &cx.grpc {
            let host = &cx.model.hosts[site.host];
            let served = match site.routing {
                proxylint_model::service::GrpcRouting::Served(r) => Some(r),
                _ => None,
            };
            for (route_id, route) in host.routes.iter().enumerate() {
                let inside = !route.is_regex()
                    && route.kind != proxylint_model::MatchKind::Named
                    && route.pattern.len() > site.path.len()
                    && route.pattern.starts_with(&site.path);
                let Some(forward) = route.handler.as_ref() else {
                    continue;
                };
                if !inside || Some(route_id) == served || forward.kind != HandlerKind::Proxy {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        META.code,
                        Label::at(forward.loc),
                        format!(
                            "gRPC calls to `{}` are forwarded with `proxy_pass`, which speaks {} to \
                             the backend; gRPC needs HTTP/2",
                            route.pattern,
                            forward.protocol.name()
                        ),
                    )
                    .help("use `grpc_pass` here too, or remove this location so the gRPC location serves the call")
                    .related(Label::with(route.loc, format!("{} takes these calls", route_name(route)))),
                );
            }
        }
    }

    fn check_served_routes(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        for (site, route_id) in cx.grpc_routes() {
            let route = &cx.model.hosts[site.host].routes[route_id];
            let Some(forward) = route.handler.as_ref() else {
                continue;
            };
            if forward.kind != HandlerKind::Proxy {
                continue;
            }
            let version = forward.protocol.name();
            let scheme = if forward.tls { "grpcs" } else { "grpc" };
            let target = forward
                .backend()
                .unwrap_or_else(|| "backend:443".to_string());
            let mut help = format!(
                "replace it with `grpc_pass {scheme}://{target};` (and `proxy_*_timeout` with \
                 `grpc_*_timeout`); the client otherwise fails with \"Request protocol \
                 '{version}' is not supported\""
            );
            if forward.protocol == Protocol::Http11 {
                help.push_str("; `proxy_http_version 1.1` does not help: gRPC needs HTTP/2");
            }
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(forward.loc),
                    format!(
                        "gRPC path `{}` is forwarded with `proxy_pass`, which speaks {version} to \
                         the backend; gRPC needs HTTP/2",
                        site.path
                    ),
                )
                .help(help)
                .related(Label::with(
                    route.loc,
                    format!("{} serves the gRPC calls", route_name(route)),
                )),
            );
        }
    }
}
