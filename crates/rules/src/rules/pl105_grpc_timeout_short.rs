//! PL105 grpc-timeout-short: the gRPC route's timeouts cut long calls.

use proxylint_model::{Forward, Setting};

use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct GrpcTimeoutShort;

static META: RuleMeta = RuleMeta {
    code: "PL105",
    name: "grpc-timeout-short",
    severity: Severity::Warning,
    scope: Scope::Service,
    summary: "The read or send timeout of the gRPC location (nginx's default is 60s) is shorter \
              than the service's long operations need (300s by default).",
    why: "nginx closes the upstream connection when the backend sends nothing for \
          `grpc_read_timeout`, which cancels a long signing operation midway. The default of \
          60 seconds applies whenever the directive is not set.",
    bad: r#"http {
    server {
        listen 443 ssl;
        http2 on;
        server_name signotaur.example.com;
        allow 10.0.0.0/8;
        deny all;
        location /SignService/ {
            grpc_pass grpcs://10.0.0.5:443;
        }
        location / {
            proxy_pass https://10.0.0.5:443;
        }
    }
}
"#,
    good: super::shared::SIGNING_SERVER,
    example_args: &[],
    options: "The service's minimum timeout (300 s for the signing service).",
};

impl Rule for GrpcTimeoutShort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        for (site, route_id) in cx.grpc_routes() {
            let route = &cx.model.hosts[site.host].routes[route_id];
            let Some(forward) = route.handler.as_ref() else {
                continue;
            };
            if !forward.carries_grpc() {
                continue;
            }
            let minimum = cx.service(site).min_timeout_secs;
            let short = |s: &Setting<u64>| s.value < minimum;
            let (read, send) = (&forward.read_timeout, &forward.send_timeout);
            let defaults_short: Vec<&str> = [("read", read), ("send", send)]
                .into_iter()
                .filter(|(_, s)| s.is_default() && short(s))
                .map(|(n, _)| n)
                .collect();
            if !defaults_short.is_empty() && route.unknown.is_empty() {
                out.push(default_finding(forward, &defaults_short, minimum));
            }
            let names = if cx.is_caddy() {
                ["read_timeout", "write_timeout"]
            } else {
                ["grpc_read_timeout", "grpc_send_timeout"]
            };
            for (name, setting) in [(names[0], read), (names[1], send)] {
                if let (Some(loc), true) = (setting.loc, short(setting)) {
                    out.push(
                        Diagnostic::new(
                            META.code,
                            Label::at(loc),
                            format!(
                                "`{name}` is {}s, shorter than the {minimum}s long gRPC calls need",
                                setting.value
                            ),
                        )
                        .help(if cx.is_caddy() {
                            format!("set `{name} {minimum}s` in the gRPC route's `transport http` block, or remove it (Caddy has no default limit)")
                        } else {
                            format!("set `{name} {minimum}s;` in the gRPC location")
                        }),
                    );
                }
            }
        }
    }
}

fn default_finding(forward: &Forward, which: &[&str], minimum: u64) -> Diagnostic {
    let names: Vec<String> = which.iter().map(|w| format!("grpc_{w}_timeout")).collect();
    let lines: Vec<String> = names.iter().map(|n| format!("`{n} {minimum}s;`")).collect();
    Diagnostic::new(
        META.code,
        Label::at(forward.loc),
        format!(
            "the gRPC location uses nginx's default {} of 60s, shorter than the {minimum}s \
             long gRPC calls need",
            names.join(" and ")
        ),
    )
    .help(format!("add {} to this location", lines.join(" and ")))
}
