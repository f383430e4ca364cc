//! PL109 grpc-path-rewritten: the gRPC route rewrites the method path.

use proxylint_model::ActionKind;

use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct GrpcPathRewritten;

static META: RuleMeta = RuleMeta {
    code: "PL109",
    name: "grpc-path-rewritten",
    severity: Severity::Error,
    scope: Scope::Service,
    summary: "The gRPC location rewrites the request path, so the backend sees the wrong \
              method path.",
    why: "A gRPC method is addressed by its path, `/SignService/<Method>`. A `rewrite` that \
          strips or changes the prefix makes the backend answer \"unimplemented\" for every \
          call.",
    bad: r#"http {
    server {
        listen 443 ssl;
        http2 on;
        server_name signotaur.example.com;
        allow 10.0.0.0/8;
        deny all;
        location /SignService/ {
            rewrite ^/SignService/(.*)$ /$1 break;
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
    good: super::shared::SIGNING_SERVER,
    example_args: &[],
    options: "None.",
};

impl Rule for GrpcPathRewritten {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        for (site, route_id) in cx.grpc_routes() {
            let host = &cx.model.hosts[site.host];
            // In Caddy the rewrite may sit on an enclosing block (`handle_path`).
            let mut chain = vec![route_id];
            while let Some(parent) = host.routes[*chain.last().unwrap_or(&route_id)].parent {
                if !cx.is_caddy() {
                    break;
                }
                chain.push(parent);
            }
            let actions = chain.iter().flat_map(|&r| host.routes[r].actions.iter());
            for action in actions {
                if !matches!(action.kind, ActionKind::Rewrite { .. }) || action.conditional {
                    continue;
                }
                if cx.is_caddy() {
                    let directive = cx.text(action.loc);
                    let (message, help) = if directive == "handle_path" {
                        (
                            format!("`handle_path` strips `{}` from the path, so the backend sees `/<Method>` instead of `{}<Method>`", site.path.trim_end_matches('/'), site.path),
                            format!("write `handle {}*` instead: gRPC backends route calls by their full path", site.path),
                        )
                    } else {
                        (
                            format!("`{directive}` in the gRPC route changes the method path under `{}`", site.path),
                            "remove the rewrite: gRPC backends route calls by their full path".to_string(),
                        )
                    };
                    out.push(Diagnostic::new(META.code, Label::at(action.loc), message).help(help));
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        META.code,
                        Label::at(action.loc),
                        format!(
                            "`rewrite` in the gRPC location changes the method path under `{}`",
                            site.path
                        ),
                    )
                    .help("remove the rewrite: gRPC backends route calls by their full path"),
                );
            }
        }
    }
}
