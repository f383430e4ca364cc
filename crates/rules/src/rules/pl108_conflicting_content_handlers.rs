//! PL108 conflicting-content-handlers: two content handlers in one location.

use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct ConflictingContentHandlers;

static META: RuleMeta = RuleMeta {
    code: "PL108",
    name: "conflicting-content-handlers",
    severity: Severity::Error,
    scope: Scope::Any,
    summary: "Two content handlers in one location (`proxy_pass` and `grpc_pass`): only the \
              last one takes effect.",
    why: "Each `*_pass` directive installs the location's content handler, and nginx keeps the \
          one written last without a word. The other line looks active but does nothing, which \
          is how a gRPC location ends up proxying HTTP/1.x, or the reverse.",
    bad: r#"http {
    server {
        listen 80;
        location / {
            grpc_pass grpc://127.0.0.1:50051;
            proxy_pass http://127.0.0.1:8080;
        }
    }
}
"#,
    good: r#"http {
    server {
        listen 80;
        location / {
            proxy_pass http://127.0.0.1:8080;
        }
    }
}
"#,
    example_args: &[],
    options: "None.",
};

impl Rule for ConflictingContentHandlers {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        for host in &cx.model.hosts {
            for route in &host.routes {
                let Some(winner) = route.handler.as_ref() else {
                    continue;
                };
                for lost in &route.overridden {
                    out.push(
                        Diagnostic::new(
                            META.code,
                            Label::at(lost.loc),
                            format!(
                                "`{}` has no effect: `{}` later in this location replaces it",
                                lost.kind.directive(),
                                winner.kind.directive()
                            ),
                        )
                        .help("keep one content handler per location; split the paths into two locations")
                        .related(Label::with(winner.loc, "this handler is the one nginx uses")),
                    );
                }
            }
        }
    }
}
