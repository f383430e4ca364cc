//! PL106 grpc-path-mismatch: a location meant for the gRPC path cannot match it.

use proxylint_model::service::GrpcRouting;
use proxylint_model::MatchKind;

use super::shared::route_name;
use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct GrpcPathMismatch;

static META: RuleMeta = RuleMeta {
    code: "PL106",
    name: "grpc-path-mismatch",
    severity: Severity::Error,
    scope: Scope::Service,
    summary: "A location meant for the gRPC path can never match its calls: `= /SignService/`, \
              a case difference, a typo.",
    why: "gRPC calls arrive as `/SignService/<Method>`. An exact `=` location matches only the \
          bare prefix, and nginx compares prefixes case-sensitively, so such a location is \
          never used and the calls fall into the ordinary proxy rule.",
    bad: r#"http {
    server {
        listen 443 ssl;
        http2 on;
        server_name signotaur.example.com;
        allow 10.0.0.0/8;
        deny all;
        location /signservice/ {
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
    options: "None beyond the service declaration (`--grpc-path`).",
};

impl Rule for GrpcPathMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        for site in &cx.grpc {
            let GrpcRouting::Mismatch { near, winner } = site.routing else {
                continue;
            };
            let host = &cx.model.hosts[site.host];
            let route = &host.routes[near];
            let reason = if route.kind == MatchKind::Matcher {
                let written = route
                    .matcher
                    .as_ref()
                    .and_then(|m| m.paths.first())
                    .cloned()
                    .unwrap_or_default();
                if written.ends_with('*') {
                    format!("`{written}` is not `{}*`", site.path)
                } else {
                    format!(
                        "Caddy path matchers are exact unless they end in `*`: `{written}` matches \
                         only that path, never `{}<Method>`",
                        site.path
                    )
                }
            } else if route.is_regex() {
                format!(
                    "the regex does not match `{}`",
                    proxylint_model::service::probe_path(&site.path)
                )
            } else if route.kind == MatchKind::Exact {
                format!(
                    "`=` matches only the path `{}` itself, never `{}<Method>`",
                    route.pattern, site.path
                )
            } else if route.pattern.eq_ignore_ascii_case(&site.path)
                || route
                    .pattern
                    .to_ascii_lowercase()
                    .contains(&site.path.to_ascii_lowercase())
            {
                "nginx compares location paths case-sensitively".to_string()
            } else {
                format!("`{}` is not `{}`", route.pattern, site.path)
            };
            let mut d = Diagnostic::new(
                META.code,
                Label::at(if route.kind == MatchKind::Matcher {
                    route.pattern_loc
                } else {
                    route.loc
                }),
                format!(
                    "{} looks meant for gRPC path `{}` but never matches its calls: {reason}",
                    route_name(route),
                    site.path
                ),
            )
            .help(if route.kind == MatchKind::Matcher {
                format!("match `{}*`", site.path)
            } else {
                format!("write `location {} {{ … }}`", site.path)
            });
            if let Some(w) = winner {
                d = d.related(Label::with(
                    host.routes[w].loc,
                    "gRPC calls are served here instead",
                ));
            }
            out.push(d);
        }
    }
}
