//! PL104 grpc-backend-plaintext: the gRPC route forwards without TLS to a TLS backend.

use proxylint_model::HandlerKind;

use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct GrpcBackendPlaintext;

static META: RuleMeta = RuleMeta {
    code: "PL104",
    name: "grpc-backend-plaintext",
    severity: Severity::Error,
    scope: Scope::Service,
    summary: "The gRPC location forwards with `grpc://` (cleartext HTTP/2) to a backend that \
              serves only TLS.",
    why: "A backend that listens for HTTPS only answers a cleartext HTTP/2 connection with a \
          TLS error, so every gRPC call fails. The signing service's backend always serves \
          HTTPS; another backend counts as TLS-only when the same server reaches it with \
          `https://` elsewhere or on port 443.",
    bad: r#"http {
    server {
        listen 443 ssl;
        http2 on;
        server_name signotaur.example.com;
        allow 10.0.0.0/8;
        deny all;
        location /SignService/ {
            grpc_pass grpc://10.0.0.5:443;
            grpc_read_timeout 300s;
            grpc_send_timeout 300s;
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

impl Rule for GrpcBackendPlaintext {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        for (site, route_id) in cx.grpc_routes() {
            let host = &cx.model.hosts[site.host];
            let Some(forward) = host.routes[route_id].handler.as_ref() else {
                continue;
            };
            // A Caddy upstream on port 443 without a scheme: cleartext HTTP/1.1 to a TLS port.
            let bare_tls_port = forward.kind == HandlerKind::ReverseProxy
                && forward.scheme.is_none()
                && forward.port == Some(443);
            if !(forward.carries_grpc() || bare_tls_port) || forward.tls || forward.host_is_variable
            {
                continue;
            }
            let backend = forward.backend();
            let https_elsewhere = host
                .routes
                .iter()
                .filter_map(|r| r.handler.as_ref())
                .find(|f| {
                    f.tls && f.host.is_some() && f.host == forward.host && f.backend().is_some()
                });
            let why = if cx.service(site).backend_tls_only {
                format!("the {} backend serves only TLS", cx.service(site).name)
            } else if let Some(other) = https_elsewhere {
                format!(
                    "this server reaches the same backend with `{}`",
                    other.target
                )
            } else if forward.port == Some(443) {
                "port 443 is a TLS port".to_string()
            } else {
                continue;
            };
            let backend = backend.unwrap_or_else(|| "backend:443".to_string());
            let mut d = if cx.is_caddy() {
                let sends = if bare_tls_port {
                    "cleartext HTTP/1.1 (an upstream without a scheme gets no TLS, even on port 443)"
                } else {
                    "cleartext HTTP/2"
                };
                let host_only = backend.strip_suffix(":443").unwrap_or(&backend);
                Diagnostic::new(
                    META.code,
                    Label::at(forward.target_loc),
                    format!("`reverse_proxy {}` sends {sends}, but {why}", forward.target),
                )
                .help(format!("use `reverse_proxy https://{host_only}`: Caddy then negotiates HTTP/2 over TLS"))
            } else {
                Diagnostic::new(
                    META.code,
                    Label::at(forward.loc),
                    format!(
                        "`grpc_pass {}` sends cleartext HTTP/2, but {why}",
                        forward.target
                    ),
                )
                .help(format!("use `grpc_pass grpcs://{backend};`"))
            };
            if let Some(other) = https_elsewhere {
                d = d.related(Label::with(
                    other.loc,
                    "the same backend is reached over TLS here",
                ));
            }
            out.push(d);
        }
    }
}
