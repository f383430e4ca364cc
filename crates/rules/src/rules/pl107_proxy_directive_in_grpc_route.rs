//! PL107 proxy-directive-in-grpc-route: `proxy_*` settings where `grpc_pass` forwards.

use proxylint_model::HandlerKind;
use proxylint_syntax::nginx::directives;

use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct ProxyDirectiveInGrpcRoute;

static META: RuleMeta = RuleMeta {
    code: "PL107",
    name: "proxy-directive-in-grpc-route",
    severity: Severity::Warning,
    scope: Scope::Service,
    summary: "A `proxy_*` directive inside a location that forwards with `grpc_pass`: it has no \
              effect there; its `grpc_*` twin is meant.",
    why: "`grpc_pass` reads only the `grpc_*` settings. A `proxy_read_timeout 300s;` copied \
          into the gRPC location leaves the real `grpc_read_timeout` at 60 seconds, and \
          `proxy_ssl_verify` leaves backend verification as it was.",
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
            proxy_set_header Host $host;
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
        location /SignService/ {
            grpc_pass grpcs://10.0.0.5:443;
            grpc_read_timeout 300s;
            grpc_send_timeout 300s;
            grpc_set_header Host $host;
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

impl Rule for ProxyDirectiveInGrpcRoute {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        for (_, host) in cx.fronting_hosts() {
            for route in &host.routes {
                let Some(grpc) = route
                    .handler
                    .as_ref()
                    .filter(|f| f.kind == HandlerKind::Grpc)
                else {
                    continue;
                };
                for (name, loc) in &route.directives {
                    // A second content handler is PL108's finding, not a setting.
                    let Some(rest) = name.strip_prefix("proxy_").filter(|r| *r != "pass") else {
                        continue;
                    };
                    let twin = format!("grpc_{rest}");
                    let help = if directives::lookup(&twin).is_some() {
                        format!("use `{twin}` instead")
                    } else {
                        "remove it: `grpc_pass` has no such setting".to_string()
                    };
                    out.push(
                        Diagnostic::new(
                            META.code,
                            Label::at(*loc),
                            format!("`{name}` has no effect in a location that uses `grpc_pass`"),
                        )
                        .help(help)
                        .related(Label::with(
                            grpc.loc,
                            "this location forwards with `grpc_pass`",
                        )),
                    );
                }
            }
        }
    }
}
