//! PL204 listener-without-tls: the gRPC host is served without TLS.

use super::shared::host_name;
use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct ListenerWithoutTls;

static META: RuleMeta = RuleMeta {
    code: "PL204",
    name: "listener-without-tls",
    severity: Severity::Error,
    scope: Scope::Service,
    summary: "A server fronting a gRPC service listens without TLS, although its clients \
              connect with https.",
    why: "The signing client connects with `https://` and negotiates HTTP/2 through TLS. A \
          server with only cleartext listeners cannot answer it; a plain-HTTP server that \
          only redirects to https is fine and is not flagged.",
    bad: r#"http {
    server {
        listen 80;
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
"#,
    good: r#"http {
    server {
        listen 80;
        server_name signotaur.example.com;
        return 301 https://$host$request_uri;
    }
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
"#,
    example_args: &[],
    options: "None.",
};

impl Rule for ListenerWithoutTls {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        for (host_id, host) in cx.model.hosts.iter().enumerate() {
            if !cx.is_fronting(host_id) || host.partial || !host.unknown.is_empty() {
                continue;
            }
            if host.has_tls_listener() {
                continue;
            }
            let Some(first) = host.listeners.first() else {
                continue;
            };
            let port = first.port;
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(first.loc),
                    format!(
                        "{} fronts a gRPC service but listens only without TLS (port {port}); its \
                         clients connect with https and HTTP/2",
                        host_name(host)
                    ),
                )
                .help(if cx.is_caddy() {
                    "serve the site over HTTPS: drop `http://` (or the `:80` port) from its address so \
                     Caddy's automatic HTTPS applies"
                } else {
                    "listen with `listen 443 ssl;` and `http2 on;`, with `ssl_certificate` and `ssl_certificate_key`"
                }),
            );
        }
    }
}
