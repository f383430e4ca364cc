//! PL303 allow-without-deny: `allow` rules that restrict nothing.

use proxylint_model::Loc;
use proxylint_syntax::nginx::Node;

use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct AllowWithoutDeny;

static META: RuleMeta = RuleMeta {
    code: "PL303",
    name: "allow-without-deny",
    severity: Severity::Warning,
    scope: Scope::Any,
    summary: "A level with `allow` rules and no `deny`: everything not listed is allowed too.",
    why: "nginx allows a request that no rule matches, so `allow` alone restricts nothing. \
          Worse, a location with its own `allow` lines no longer inherits the server's \
          `deny all`, so it is open to everyone.",
    bad: "http {\n    server {\n        listen 80;\n        allow 10.0.0.0/8;\n        location / {\n            root /srv/www;\n        }\n    }\n}\n",
    good: "http {\n    server {\n        listen 80;\n        allow 10.0.0.0/8;\n        deny all;\n        location / {\n            root /srv/www;\n        }\n    }\n}\n",
    example_args: &[],
    options: "None.",
};

impl Rule for AllowWithoutDeny {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        check_level(cx, cx.nodes, false, out);
    }
}

/// Checks one level's own `allow`/`deny` lines, then every block below it. Under
/// `satisfy any`, `allow` alone is meaningful: the listed addresses skip authentication.
fn check_level(cx: &NginxContext, nodes: &[Node], satisfy_any: bool, out: &mut Vec<Diagnostic>) {
    let mut level = Vec::new();
    proxylint_syntax::nginx::flatten(nodes, &mut level);
    let mut first_allow = None;
    let mut denies = false;
    let mut allows_all = false;
    let mut satisfy_any = satisfy_any;
    for node in &level {
        let src = cx.src(node.file);
        if node.directive.is(src, "satisfy") {
            satisfy_any = node
                .directive
                .args
                .first()
                .is_some_and(|a| a.is(src, "any"));
        }
        if node.directive.is(src, "allow") {
            first_allow.get_or_insert(Loc::new(node.file, node.directive.name.span));
            allows_all |= node
                .directive
                .args
                .first()
                .is_some_and(|a| a.is(src, "all"));
        } else if node.directive.is(src, "deny") {
            denies = true;
        }
    }
    if let (Some(loc), false, false, false) = (first_allow, denies, allows_all, satisfy_any) {
        out.push(
            Diagnostic::new(
                META.code,
                Label::at(loc),
                "`allow` without a closing `deny`: requests from every other address are \
                 allowed too",
            )
            .help("end the list with `deny all;`"),
        );
    }
    for node in level {
        if node.directive.block.is_some() {
            check_level(cx, &node.children, satisfy_any, out);
        }
    }
}
