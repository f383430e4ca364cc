//! PL203 http2-listen-deprecated: `listen … http2` for nginx 1.25.1 or newer.

use semver::Version;

use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct Http2ListenDeprecated;

static META: RuleMeta = RuleMeta {
    code: "PL203",
    name: "http2-listen-deprecated",
    severity: Severity::Warning,
    scope: Scope::Any,
    summary: "The `http2` parameter of `listen` is deprecated since nginx 1.25.1; `http2 on;` \
              replaces it. Without `--nginx-version`, an info that states the boundary.",
    why: "Newer nginx warns at every start and may drop the parameter. The parameter also \
          switches HTTP/2 on for every server sharing the socket, which hides whether a \
          server really asked for it.",
    bad: "http {\n    server {\n        listen 443 ssl http2;\n    }\n}\n",
    good: "http {\n    server {\n        listen 443 ssl;\n        http2 on;\n    }\n}\n",
    example_args: &["--nginx-version", "1.26.0"],
    options: "`--nginx-version X.Y.Z` sets the target nginx; without it the finding is an info.",
};

impl Rule for Http2ListenDeprecated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        let boundary = Version::new(1, 25, 1);
        let severity = match &cx.settings.nginx_version {
            Some(v) if *v < boundary => return,
            Some(_) => Severity::Warning,
            None => Severity::Info,
        };
        for host in &cx.model.hosts {
            for listener in &host.listeners {
                let Some(param) = listener.http2_param else {
                    continue;
                };
                let message = match &cx.settings.nginx_version {
                    Some(v) => format!("`listen … http2` is deprecated since nginx 1.25.1; the target is {v}"),
                    None => "`listen … http2` is deprecated since nginx 1.25.1 (no target version given)"
                        .to_string(),
                };
                out.push(
                    Diagnostic::new(META.code, Label::at(param), message)
                        .severity(severity)
                        .help("remove `http2` from `listen` and add `http2 on;` to the server"),
                );
            }
        }
    }
}
