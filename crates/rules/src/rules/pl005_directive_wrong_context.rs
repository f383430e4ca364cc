//! PL005 directive-wrong-context: a directive where nginx rejects it.

use proxylint_syntax::nginx::directives;

use super::shared::walk_contexts;
use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct DirectiveWrongContext;

static META: RuleMeta = RuleMeta {
    code: "PL005",
    name: "directive-wrong-context",
    severity: Severity::Error,
    scope: Scope::Any,
    summary: "A directive placed where nginx does not allow it (`grpc_pass` directly in \
              `server`, `listen` in `location`).",
    why: "nginx refuses to start with \"directive is not allowed here\". A file included from \
          several places is checked in each context it is included in.",
    bad: "http {\n    server {\n        listen 443 ssl;\n        grpc_pass grpcs://127.0.0.1:8443;\n    }\n}\n",
    good: "http {\n    server {\n        listen 443 ssl;\n        location / {\n            grpc_pass grpcs://127.0.0.1:8443;\n        }\n    }\n}\n",
    example_args: &[],
    options: "None.",
};

impl Rule for DirectiveWrongContext {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        walk_contexts(cx, |node, context| {
            let Some(context) = context else { return };
            let name = node.directive.name(cx.src(node.file));
            let Some(spec) = directives::lookup(&name) else {
                return;
            };
            if spec.contexts.intersects(context) {
                return;
            }
            let allowed = spec.contexts.names().join(", ");
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(proxylint_model::Loc::new(
                        node.file,
                        node.directive.name.span,
                    )),
                    format!("`{name}` is not allowed in `{}`", context.name()),
                )
                .help(format!("nginx accepts `{name}` in: {allowed}")),
            );
        });
    }
}
