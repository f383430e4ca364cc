//! PL401 upstream-tls-unverified: the backend certificate is not verified.

use proxylint_model::HandlerKind;

use super::{Rule, RuleMeta, Scope};
use crate::engine::ProxyContext;
use crate::{Diagnostic, Label, Severity};

pub struct UpstreamTlsUnverified;

static META: RuleMeta = RuleMeta {
    code: "PL401",
    name: "upstream-tls-unverified",
    severity: Severity::Info,
    scope: Scope::Service,
    summary: "The proxy does not verify the backend's TLS certificate (`*_ssl_verify` is off, \
              which is nginx's default).",
    why: "Without verification, anyone who can answer for the backend's address can read the \
          signing traffic. It is acceptable when the backend's certificate is issued for an \
          internal name that cannot match, as the signing service's often is; otherwise \
          turn verification on with a trusted CA and the name to check.",
    bad: r#"http {
    server {
        listen 443 ssl;
        http2 on;
        server_name signotaur.example.com;
        allow 10.0.0.0/8;
        deny all;
        location /SignService/ {
            grpc_pass grpcs://signotaur-backend.internal:443;
            grpc_ssl_verify off;
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
            grpc_pass grpcs://signotaur-backend.internal:443;
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

impl Rule for UpstreamTlsUnverified {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_proxy(&self, cx: &ProxyContext, out: &mut Vec<Diagnostic>) {
        for (_, f) in cx.fronting_forwards() {
            if !f.tls || f.verify.value {
                continue;
            }
            if f.kind == HandlerKind::ReverseProxy {
                let loc = f.verify.loc.unwrap_or(f.loc);
                out.push(
                    Diagnostic::new(
                        META.code,
                        Label::at(loc),
                        format!(
                            "backend certificate of `{}` is not verified: \
                             `tls_insecure_skip_verify` is set",
                            f.target
                        ),
                    )
                    .help(
                        "fine when the backend's certificate cannot match its name; otherwise \
                         remove it and trust the backend's CA with `tls_trust_pool` (or \
                         `tls_trusted_ca_certs`)",
                    ),
                );
                continue;
            }
            let prefix = f.kind.directive().trim_end_matches("_pass");
            let (loc, how) = match f.verify.loc {
                Some(loc) => (loc, "is switched off"),
                None => (f.loc, "is off by default"),
            };
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(loc),
                    format!(
                        "backend certificate of `{}` is not verified: `{prefix}_ssl_verify` {how}",
                        f.target
                    ),
                )
                .help(format!(
                    "fine when the backend's certificate cannot match its name; otherwise set \
                     `{prefix}_ssl_verify on;` with `{prefix}_ssl_trusted_certificate`"
                )),
            );
        }
    }
}
