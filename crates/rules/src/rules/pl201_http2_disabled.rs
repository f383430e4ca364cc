//! PL201 http2-disabled: the gRPC host's listener does not offer HTTP/2.

use std::collections::HashMap;

use proxylint_model::{HostId, Model};

use super::shared::host_name;
use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct Http2Disabled;

static META: RuleMeta = RuleMeta {
    code: "PL201",
    name: "http2-disabled",
    severity: Severity::Error,
    scope: Scope::Service,
    summary: "The TLS listener of a server fronting a gRPC service does not offer HTTP/2.",
    why: "gRPC clients negotiate HTTP/2 with TLS ALPN. Without `http2 on;` (nginx 1.25.1+) or \
          `listen … ssl http2` (older), nginx offers only HTTP/1.1 and the client aborts with \
          \"application protocol negotiation failed\", while browsers and curl still work.",
    bad: r#"http {
    server {
        listen 443 ssl;
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
    good: super::shared::SIGNING_SERVER,
    example_args: &[],
    options: "`--nginx-version` decides which fix the help suggests.",
};

/// How one TLS listener of a host comes to offer HTTP/2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Http2Source {
    /// `http2 on;` for the server, or `http2` on this `listen`.
    Own,
    /// Another server's `listen … http2` on the same address and port (index of that host
    /// and of its listener).
    Shared(HostId, usize),
    None,
}

/// Where each TLS listener of `host_id` gets HTTP/2 from, in listener order.
/// Every socket some server's `listen … http2` turns HTTP/2 on for, with those listeners.
pub(super) type Http2Sockets = HashMap<(String, u16), Vec<(HostId, usize)>>;

/// Built once per check: looking up a socket is then constant time, however many servers.
pub(super) fn sockets_with_http2(model: &Model) -> Http2Sockets {
    let mut sockets = Http2Sockets::new();
    for (host_id, host) in model.hosts.iter().enumerate() {
        for (i, listener) in host.listeners.iter().enumerate() {
            if listener.http2_param.is_some() {
                sockets
                    .entry(listener.socket())
                    .or_default()
                    .push((host_id, i));
            }
        }
    }
    sockets
}

pub(super) fn http2_sources(
    model: &Model,
    sockets: &Http2Sockets,
    host_id: HostId,
) -> Vec<(usize, Http2Source)> {
    let host = &model.hosts[host_id];
    let server_on = host.http2.as_ref().is_some_and(|s| s.value);
    host.listeners
        .iter()
        .enumerate()
        .filter(|(_, l)| l.tls)
        .map(|(i, listener)| {
            if server_on || listener.http2_param.is_some() {
                return (i, Http2Source::Own);
            }
            let shared = sockets
                .get(&listener.socket())
                .and_then(|owners| owners.iter().find(|(other, _)| *other != host_id))
                .map(|&(other, j)| Http2Source::Shared(other, j));
            (i, shared.unwrap_or(Http2Source::None))
        })
        .collect()
}

fn first_without_http2(model: &Model, sockets: &Http2Sockets, host_id: HostId) -> Option<usize> {
    http2_sources(model, sockets, host_id)
        .into_iter()
        .find(|(_, source)| *source == Http2Source::None)
        .map(|(i, _)| i)
}

impl Rule for Http2Disabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        let sockets = sockets_with_http2(cx.model);
        for (host_id, host) in cx.model.hosts.iter().enumerate() {
            // An include that was not read could hold `listen … http2`, unless the server
            // switches HTTP/2 off itself (a second `http2` would be a duplicate).
            let switched_off = host
                .http2
                .as_ref()
                .is_some_and(|s| !s.value && s.loc.is_some());
            if !cx.is_fronting(host_id)
                || host.partial
                || (!host.unknown.is_empty() && !switched_off)
            {
                continue;
            }
            let Some(index) = first_without_http2(cx.model, &sockets, host_id) else {
                continue;
            };
            let listener = &host.listeners[index];
            let old = cx
                .settings
                .nginx_version
                .as_ref()
                .is_some_and(|v| *v < semver::Version::new(1, 25, 1));
            let fix = if cx.is_caddy() {
                "add `h2` to the global `servers { protocols … }` option (or remove the option: \
                 Caddy offers h1, h2 and h3 by default)"
                    .to_string()
            } else if old {
                format!(
                    "write `listen {} ssl http2;` (nginx before 1.25.1)",
                    listener.port
                )
            } else {
                "add `http2 on;` to this server (nginx 1.25.1+; on older nginx, \
                 `listen 443 ssl http2;`)"
                    .to_string()
            };
            let mut d = Diagnostic::new(
                META.code,
                Label::at(listener.loc),
                format!(
                    "{} fronts a gRPC service but does not offer HTTP/2 on port {}: gRPC clients \
                     fail with \"application protocol negotiation failed\"",
                    host_name(host),
                    listener.port
                ),
            )
            .help(fix);
            if let Some(off) = host.http2.as_ref().and_then(|s| s.loc) {
                let why = if cx.is_caddy() {
                    "these protocols leave out `h2`"
                } else {
                    "HTTP/2 is switched off here"
                };
                d = d.related(Label::with(off, why));
            }
            out.push(d);
        }
    }
}
