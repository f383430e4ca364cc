//! PL110 grpc-upstream-without-port: `grpc_pass` to a variable host without a port.

use proxylint_model::HandlerKind;

use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct GrpcUpstreamWithoutPort;

static META: RuleMeta = RuleMeta {
    code: "PL110",
    name: "grpc-upstream-without-port",
    severity: Severity::Error,
    scope: Scope::Service,
    summary: "`grpc_pass` with a variable host and no port fails at request time.",
    why: "When the target of `grpc_pass` holds a variable, nginx resolves it per request and \
          needs an explicit port; without one the request fails with a 502 although the \
          configuration loads.",
    bad: r#"http {
    server {
        listen 443 ssl;
        http2 on;
        server_name signotaur.example.com;
        allow 10.0.0.0/8;
        deny all;
        resolver 127.0.0.53;
        set $backend signotaur-backend.internal;
        location /SignService/ {
            grpc_pass grpcs://$backend;
            grpc_read_timeout 300s;
            grpc_send_timeout 300s;
        }
        location / {
            proxy_pass https://$backend:443;
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
        resolver 127.0.0.53;
        set $backend signotaur-backend.internal;
        location /SignService/ {
            grpc_pass grpcs://$backend:443;
            grpc_read_timeout 300s;
            grpc_send_timeout 300s;
        }
        location / {
            proxy_pass https://$backend:443;
        }
    }
}
"#,
    example_args: &[],
    options: "None.",
};

impl Rule for GrpcUpstreamWithoutPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        for (_, f) in cx.fronting_forwards() {
            if f.kind != HandlerKind::Grpc {
                continue;
            }
            let authority = f.target.split_once("://").map(|(_, rest)| rest);
            let Some(authority) = authority else {
                continue;
            };
            let authority = authority.split('/').next().unwrap_or_default();
            if !f.host_is_variable || authority.contains(':') {
                continue;
            }
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(f.loc),
                    format!(
                        "`grpc_pass {}` names its host through a variable and gives no port",
                        f.target
                    ),
                )
                .help(format!("add the port: `grpc_pass {}:443;`", f.target)),
            );
        }
    }
}
