//! PL003 include-cycle: includes loop.

use proxylint_syntax::nginx::IncludeTarget;

use super::shared::include_path_loc;
use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct IncludeCycle;

static META: RuleMeta = RuleMeta {
    code: "PL003",
    name: "include-cycle",
    severity: Severity::Error,
    scope: Scope::Any,
    summary: "An `include` reaches a file that is already being included: the includes loop.",
    why: "nginx follows includes without a loop check and fails with too many open files or \
          a duplicate-directive error. proxylint stops at the loop and reports the include \
          that closes it.",
    bad: "",
    good: "",
    example_args: &[],
    options: "None.",
};

impl Rule for IncludeCycle {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_caddy(&self, cx: &crate::engine::CaddyContext, out: &mut Vec<Diagnostic>) {
        super::shared::caddy_problems(
            cx,
            proxylint_syntax::caddy::ProblemKind::Cycle,
            META.code,
            out,
        );
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        for (unit, at, target) in cx.entry.includes() {
            let IncludeTarget::Cycle(looped) = target else {
                continue;
            };
            let Some(loc) = include_path_loc(cx.ws, unit, at) else {
                continue;
            };
            let path = &cx.ws.unit(*looped).path;
            out.push(
                Diagnostic::new(
                    META.code,
                    Label::at(loc),
                    format!(
                        "include loop: `{}` is already being included on the way here",
                        path.display()
                    ),
                )
                .help("remove the include that points back, or split the shared part into its own file"),
            );
        }
    }
}
