//! PL101 grpc-over-http1: the gRPC path is forwarded by an HTTP/1.x proxy rule.

use proxylint_model::{Forward, HandlerKind, Protocol, Route};

use super::shared::route_name;
use super::{Rule, RuleMeta, Scope};
use crate::engine::{GrpcSite, ProxyContext};
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

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        self.check_served_routes(cx, out);
        self.check_method_routes(cx, out);
    }
}

/// An HTTP proxy that does not speak HTTP/2 to the backend. A Caddy upstream on port 443
/// without a scheme is plain text to a TLS port: PL104 reports that.
fn speaks_http1(forward: &Forward) -> bool {
    let plaintext_tls_port = forward.kind == HandlerKind::ReverseProxy
        && forward.scheme.is_none()
        && !forward.tls
        && forward.port == Some(443);
    forward.is_http_proxy() && !forward.carries_grpc() && !plaintext_tls_port
}

fn caddy_finding(
    cx: &ProxyContext,
    site: &GrpcSite,
    route: &Route,
    forward: &Forward,
) -> Diagnostic {
    let why = if forward.tls {
        "its transport is limited to HTTP/1.1 (`versions 1.1`)".to_string()
    } else if forward.scheme.as_deref() == Some("http") {
        "an `http://` upstream is reached over cleartext HTTP/1.1".to_string()
    } else {
        format!(
            "an upstream without a scheme (`{}`) is reached over cleartext HTTP/1.1",
            cx.text(forward.target_loc)
        )
    };
    let backend = forward
        .backend()
        .unwrap_or_else(|| "backend:443".to_string());
    let backend = backend.strip_suffix(":443").unwrap_or(&backend).to_string();
    Diagnostic::new(
        META.code,
        Label::at(forward.loc),
        format!(
            "gRPC path `{}` is forwarded by `reverse_proxy` over HTTP/1.1: {why}; gRPC needs \
             HTTP/2",
            site.path
        ),
    )
    .help(format!(
        "proxy to `https://{backend}` and leave `versions` at its default (`1.1 2`), so Caddy \
         negotiates HTTP/2; the client otherwise fails with \"Request protocol 'HTTP/1.1' is not \
         supported\""
    ))
    .related(Label::with(
        forward.target_loc,
        "this upstream is dialled without HTTP/2",
    ))
    .related(Label::with(
        route.loc,
        format!("{} serves the gRPC calls", route_name(route)),
    ))
}

impl GrpcOverHttp1 {
    /// Locations for single methods under the gRPC path (`location = /SignService/Sign`)
    /// win over the path's own location for those calls.
    fn check_method_routes(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
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
                if !inside || Some(route_id) == served || !speaks_http1(forward) {
                    continue;
                }
                let (what, help) = if cx.is_caddy() {
                    (
                        "`reverse_proxy`",
                        "proxy these calls to an `https://` upstream (HTTP/2 is negotiated), or remove this route so the gRPC route serves them",
                    )
                } else {
                    (
                        "`proxy_pass`",
                        "use `grpc_pass` here too, or remove this location so the gRPC location serves the call",
                    )
                };
                out.push(
                    Diagnostic::new(
                        META.code,
                        Label::at(forward.loc),
                        format!(
                            "gRPC calls to `{}` are forwarded with {what}, which speaks {} to \
                             the backend; gRPC needs HTTP/2",
                            route.pattern,
                            forward.protocol.name()
                        ),
                    )
                    .help(help)
                    .related(Label::with(
                        route.loc,
                        format!("{} takes these calls", route_name(route)),
                    )),
                );
            }
        }
    }

    fn check_served_routes(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        for (site, route_id) in cx.grpc_routes() {
            let route = &cx.model.hosts[site.host].routes[route_id];
            let Some(forward) = route.handler.as_ref() else {
                continue;
            };
            if !speaks_http1(forward) {
                continue;
            }
            let version = forward.protocol.name();
            if cx.is_caddy() {
                out.push(caddy_finding(cx, site, route, forward));
                continue;
            }
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
