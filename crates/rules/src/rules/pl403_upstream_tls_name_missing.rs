//! PL403 upstream-tls-name-missing: a verified TLS backend reached without a name to check.

use std::net::IpAddr;

use proxylint_model::HandlerKind;

use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct UpstreamTlsNameMissing;

static META: RuleMeta = RuleMeta {
    code: "PL403",
    name: "upstream-tls-name-missing",
    severity: Severity::Warning,
    scope: Scope::Service,
    summary: "A TLS backend is verified but reached by IP address or an `upstream` name, without \
              `*_ssl_name` to say which name its certificate carries.",
    why: "nginx checks the backend certificate against the host in `grpc_pass`/`proxy_pass` \
          unless `*_ssl_name` says otherwise. An IP address or an `upstream` block's name never \
          matches the certificate, so every call fails the handshake; SNI is not sent either \
          without `*_ssl_server_name on`.",
    bad: r#"http {
    server {
        listen 443 ssl;
        http2 on;
        server_name signotaur.example.com;
        allow 10.0.0.0/8;
        deny all;
        location /SignService/ {
            grpc_pass grpcs://10.0.0.5:443;
            grpc_ssl_verify on;
            grpc_ssl_trusted_certificate /etc/nginx/internal-ca.pem;
            grpc_read_timeout 300s;
            grpc_send_timeout 300s;
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
        location /SignService/ {
            grpc_pass grpcs://10.0.0.5:443;
            grpc_ssl_verify on;
            grpc_ssl_trusted_certificate /etc/nginx/internal-ca.pem;
            grpc_ssl_name signotaur-backend.internal;
            grpc_ssl_server_name on;
            grpc_read_timeout 300s;
            grpc_send_timeout 300s;
        }
    }
}
"#,
    example_args: &[],
    options: "None.",
};

impl Rule for UpstreamTlsNameMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        for (_, f) in cx.fronting_forwards() {
            if !f.tls || !f.verify.value || f.ssl_name.is_some() || f.host_is_variable {
                continue;
            }
            let Some(name) = f.host.as_deref() else {
                continue;
            };
            let unmatched = if name.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
                "an IP address"
            } else if f.upstream.is_some() {
                "the name of an `upstream` block"
            } else {
                continue;
            };
            if f.kind == HandlerKind::ReverseProxy {
                if unmatched != "an IP address" {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        META.code,
                        Label::at(f.target_loc),
                        format!(
                            "`{}` is dialled by IP address: Caddy sends no server name and \
                             verifies the backend certificate against `{name}`, which no \
                             certificate names",
                            f.target
                        ),
                    )
                    .help(
                        "add `transport http { tls_server_name <name in the certificate> }`, or \
                         dial the backend by that name",
                    ),
                );
                continue;
            }
            let prefix = f.kind.directive().trim_end_matches("_pass");
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(f.loc),
                    format!(
                        "the backend certificate is verified against `{name}`, {unmatched}, \
                         which no certificate names"
                    ),
                )
                .help(format!(
                    "set `{prefix}_ssl_name <name in the certificate>;` and \
                     `{prefix}_ssl_server_name on;`"
                )),
            );
        }
    }
}
