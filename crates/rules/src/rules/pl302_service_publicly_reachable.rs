//! PL302 service-publicly-reachable: no access restriction at all.

use super::shared::host_name;
use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct ServicePubliclyReachable;

static META: RuleMeta = RuleMeta {
    code: "PL302",
    name: "service-publicly-reachable",
    severity: Severity::Warning,
    scope: Scope::Service,
    summary: "A server fronting the service has no access restriction at all: no `deny`, no \
              `auth_basic`, no `auth_request`.",
    why: "The signing service holds private keys and should be reachable only from trusted \
          networks. If a firewall or an internal-only interface already does that, say so by \
          declaring the service public; otherwise restrict the server with `allow`/`deny` at \
          server level.",
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
        allow 192.168.0.0/16;
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
    options: "A service declared public is not checked.",
};

impl Rule for ServicePubliclyReachable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        for (host_id, host) in cx.model.hosts.iter().enumerate() {
            if !cx.is_fronting(host_id) || host.partial || !host.unknown.is_empty() {
                continue;
            }
            if cx.services_of(host_id).all(|s| s.public) {
                continue;
            }
            let restricted = host.access.restricts()
                || host.routes.iter().any(|r| {
                    r.access.restricts()
                        || r.grpc_access().restricts()
                        || !r.unknown.is_empty()
                        || !r.skipped_access.is_empty()
                });
            if restricted {
                continue;
            }
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(host.loc),
                    format!(
                        "{} fronts the signing service with no access restriction: anyone who \
                         reaches the proxy reaches the service",
                        host_name(host)
                    ),
                )
                .help(if cx.is_caddy() {
                    "allow only trusted networks, e.g. `@untrusted not remote_ip 10.0.0.0/8` and \
                     `abort @untrusted` (inside every `handle` block, which run before it)"
                } else {
                    "allow only trusted networks at server level, e.g. `allow 10.0.0.0/8; \
                     deny all;`"
                }),
            );
        }
    }
}
