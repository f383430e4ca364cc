//! PL205 http2-via-shared-socket: HTTP/2 only through another server's `listen … http2`.

use super::pl201_http2_disabled::{http2_sources, sockets_with_http2, Http2Source};
use super::shared::host_name;
use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct Http2ViaSharedSocket;

static META: RuleMeta = RuleMeta {
    code: "PL205",
    name: "http2-via-shared-socket",
    severity: Severity::Warning,
    scope: Scope::Service,
    summary: "The gRPC server has HTTP/2 only because another server's `listen … http2` shares \
              its address and port.",
    why: "The `http2` parameter of `listen` applies to the whole socket, so it works today; but \
          removing it from the other server, or moving to `http2 on;` there, silently breaks \
          gRPC here. Say it where it is needed.",
    bad: r#"http {
    server {
        listen 443 ssl http2 default_server;
        server_name www.example.com;
        location / {
            root /srv/www;
        }
    }
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
    good: r#"http {
    server {
        listen 443 ssl http2 default_server;
        server_name www.example.com;
        location / {
            root /srv/www;
        }
    }
    server {
        listen 443 ssl http2;
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

impl Rule for Http2ViaSharedSocket {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        let sockets = sockets_with_http2(cx.model);
        for (host_id, host) in cx.model.hosts.iter().enumerate() {
            if !cx.is_fronting(host_id) || host.partial {
                continue;
            }
            let shared = http2_sources(cx.model, &sockets, host_id)
                .into_iter()
                .find_map(|(i, source)| match source {
                    Http2Source::Shared(other, j) => Some((i, other, j)),
                    _ => None,
                });
            let Some((own_index, other, index)) = shared else {
                continue;
            };
            let other_listener = &cx.model.hosts[other].listeners[index];
            let own = &host.listeners[own_index];
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(own.loc),
                    format!(
                        "{} gets HTTP/2 only from another server's `listen … http2` on the same \
                         socket",
                        host_name(host)
                    ),
                )
                .help("enable HTTP/2 in this server too: `http2 on;` (nginx 1.25.1+) or `listen … ssl http2;`")
                .related(Label::with(
                    other_listener.http2_param.unwrap_or(other_listener.loc),
                    format!("HTTP/2 comes from {}", host_name(&cx.model.hosts[other])),
                )),
            );
        }
    }
}
