//! PL402 forwarded-headers-missing: the proxy rule drops client information.

use proxylint_model::HandlerKind;

use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct ForwardedHeadersMissing;

static META: RuleMeta = RuleMeta {
    code: "PL402",
    name: "forwarded-headers-missing",
    severity: Severity::Info,
    scope: Scope::Service,
    summary: "The ordinary proxy rule does not pass `Host`, `X-Forwarded-For` and \
              `X-Forwarded-Proto` to the backend.",
    why: "nginx sends the backend its own upstream name as `Host` and no client address. The \
          dashboard then builds links for the wrong host and scheme, and the service's audit \
          log shows the proxy instead of the client.",
    bad: super::shared::SIGNING_SERVER,
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
        }
        location / {
            proxy_pass https://10.0.0.5:443;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }
    }
}
"#,
    example_args: &[],
    options: "None.",
};

const WANTED: [&str; 3] = ["host", "x-forwarded-for", "x-forwarded-proto"];

impl Rule for ForwardedHeadersMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        for (_, host) in cx.fronting_hosts() {
            let Some(route_id) = host.select("/").route else {
                continue;
            };
            let route = &host.routes[route_id];
            let Some(f) = route
                .handler
                .as_ref()
                .filter(|f| f.kind == HandlerKind::Proxy)
            else {
                continue;
            };
            if !route.unknown.is_empty() {
                continue;
            }
            let missing: Vec<&str> = WANTED
                .iter()
                .copied()
                .filter(|w| !f.headers.iter().any(|(h, _)| h == w))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let names: Vec<String> = missing.iter().map(|m| format!("`{}`", title(m))).collect();
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(f.loc),
                    format!("the proxy rule does not pass {} to the backend", names.join(", ")),
                )
                .help(
                    "add `proxy_set_header Host $host;`, `proxy_set_header X-Forwarded-For \
                     $proxy_add_x_forwarded_for;` and `proxy_set_header X-Forwarded-Proto $scheme;`",
                ),
            );
        }
    }
}

/// `x-forwarded-for` → `X-Forwarded-For`.
fn title(header: &str) -> String {
    header
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}
