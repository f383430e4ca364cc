//! PL002 include-not-found: a literal include names nothing.

use proxylint_syntax::nginx::IncludeTarget;

use super::shared::include_path_loc;
use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct IncludeNotFound;

static META: RuleMeta = RuleMeta {
    code: "PL002",
    name: "include-not-found",
    severity: Severity::Warning,
    scope: Scope::Any,
    summary: "A literal `include` names no file (a glob that matches nothing is fine, as in \
              nginx). An include outside the checked tree is reported as an info and not read.",
    why: "nginx refuses to start when a literal include is missing. Relative paths resolve \
          against the directory of the main configuration file, not of the file that holds \
          the include, which is the usual cause. Paths under `/etc/nginx` in a repository \
          can be mapped with `--prefix /etc/nginx=deploy/nginx`.",
    bad: "http {\n    include conf.d/missing.conf;\n}\n",
    good: "http {\n    include conf.d/*.conf;\n}\n",
    example_args: &[],
    options: "`--prefix FROM=TO` maps an absolute prefix onto the checked tree (repeatable).",
};

impl Rule for IncludeNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_caddy(&self, cx: &crate::engine::CaddyContext, out: &mut Vec<Diagnostic>) {
        super::shared::caddy_problems(
            cx,
            proxylint_syntax::caddy::ProblemKind::Missing,
            META.code,
            out,
        );
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        for (unit, at, target) in cx.entry.includes() {
            let Some(loc) = include_path_loc(cx.ws, unit, at) else {
                continue;
            };
            match target {
                IncludeTarget::Missing(path) => out.push(
                    Diagnostic::new(
                        META.code,
                        Label::at(loc),
                        format!("included file `{}` does not exist", path.display()),
                    )
                    .help(format!(
                        "relative paths resolve against `{}`, the directory of the main file; \
                         map absolute prefixes with `--prefix FROM=TO`",
                        shown_dir(&cx.entry.base)
                    )),
                ),
                IncludeTarget::Outside(path) => out.push(
                    Diagnostic::new(
                        META.code,
                        Label::at(loc),
                        format!(
                            "`{}` is outside the checked tree and was not read; findings do not \
                             depend on what it holds",
                            path.display()
                        ),
                    )
                    .severity(Severity::Info)
                    .help("map it onto the repository with `--prefix FROM=TO`"),
                ),
                IncludeTarget::Unresolved(path) => out.push(
                    Diagnostic::new(
                        META.code,
                        Label::at(loc),
                        format!(
                            "`{}` was not found beside this file or above it and was not read; \
                             nginx resolves it against the main configuration's directory, \
                             which is not among the checked files",
                            path.display()
                        ),
                    )
                    .severity(Severity::Info)
                    .help("check the main `nginx.conf` together with this file"),
                ),
                _ => {}
            }
        }
    }
}

/// A directory for messages: the current directory shows as `.`, not as nothing.
fn shown_dir(dir: &std::path::Path) -> String {
    if dir.as_os_str().is_empty() {
        ".".to_string()
    } else {
        dir.display().to_string()
    }
}
