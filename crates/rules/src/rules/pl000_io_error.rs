//! PL000 io-error: a file could not be read.

use proxylint_syntax::nginx::IncludeTarget;

use super::shared::include_path_loc;
use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct IoError;

static META: RuleMeta = RuleMeta {
    code: "PL000",
    name: "io-error",
    severity: Severity::Error,
    scope: Scope::Any,
    summary: "A file could not be read (missing, no permission, a directory, a device or FIFO).",
    why: "A file the linter cannot read is a file it cannot vouch for. Rather than report \
          \"no issues\" for it, proxylint names it, checks every other file, and exits with \
          status 2.",
    bad: "",
    good: "",
    example_args: &[],
    options: "None.",
};

impl Rule for IoError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_caddy(&self, cx: &crate::engine::CaddyContext, out: &mut Vec<Diagnostic>) {
        use proxylint_syntax::caddy::ProblemKind;
        super::shared::caddy_problems(cx, ProblemKind::Outside, META.code, out);
        super::shared::caddy_problems(cx, ProblemKind::Unreadable, META.code, out);
    }

    /// Includes that name something that exists but cannot be read.
    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        for (unit, at, target) in cx.entry.includes() {
            let IncludeTarget::Unreadable(path, why) = target else {
                continue;
            };
            let Some(loc) = include_path_loc(cx.ws, unit, at) else {
                continue;
            };
            out.push(Diagnostic::new(
                META.code,
                Label::at(loc),
                format!("cannot read included file `{}`: {why}", path.display()),
            ));
        }
    }
}
