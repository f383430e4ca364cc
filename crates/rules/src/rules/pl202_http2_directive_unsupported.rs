//! PL202 http2-directive-unsupported: `http2 on;` for nginx older than 1.25.1.

use semver::Version;

use super::shared::walk_contexts;
use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct Http2DirectiveUnsupported;

static META: RuleMeta = RuleMeta {
    code: "PL202",
    name: "http2-directive-unsupported",
    severity: Severity::Error,
    scope: Scope::Any,
    summary: "The `http2` directive needs nginx 1.25.1 or newer; older versions refuse to start. \
              Without `--nginx-version`, an info that states the boundary.",
    why: "nginx 1.25.1 moved HTTP/2 from a `listen` parameter to the `http2` directive. An older \
          nginx (Debian 12 ships 1.22.1) rejects `http2 on;` as an unknown directive.",
    bad: "http {\n    server {\n        listen 443 ssl;\n        http2 on;\n    }\n}\n",
    good: "http {\n    server {\n        listen 443 ssl http2;\n    }\n}\n",
    example_args: &["--nginx-version", "1.22.1"],
    options: "`--nginx-version X.Y.Z` sets the target nginx; without it the finding is an info.",
};

impl Rule for Http2DirectiveUnsupported {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        let boundary = Version::new(1, 25, 1);
        let severity = match &cx.settings.nginx_version {
            Some(v) if *v >= boundary => return,
            Some(_) => Severity::Error,
            None => Severity::Info,
        };
        walk_contexts(cx, |node, _| {
            if node.is_include() || !node.directive.is(cx.src(node.file), "http2") {
                return;
            }
            let message = match &cx.settings.nginx_version {
                Some(v) => {
                    format!("the `http2` directive needs nginx 1.25.1 or newer; the target is {v}")
                }
                None => {
                    "the `http2` directive needs nginx 1.25.1 or newer (no target version given)"
                        .to_string()
                }
            };
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(proxylint_model::Loc::new(node.file, node.directive.name.span)),
                    message,
                )
                .severity(severity)
                .help("on older nginx, write `listen 443 ssl http2;` instead; set the target with `--nginx-version`"),
            );
        });
    }
}
