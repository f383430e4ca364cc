//! PL004 unknown-directive: a directive nginx (and its known modules) does not define.

use proxylint_syntax::nginx::directives::{self, ModuleKind};

use super::shared::walk_contexts;
use super::{Rule, RuleMeta, Scope};
use crate::engine::NginxContext;
use crate::{Diagnostic, Label, Severity};

pub struct UnknownDirective;

static META: RuleMeta = RuleMeta {
    code: "PL004",
    name: "unknown-directive",
    severity: Severity::Warning,
    scope: Scope::Any,
    summary: "A directive that neither nginx nor a known module defines (usually a typo); an \
              info for a third-party module's directive when the module is not known to be loaded.",
    why: "nginx refuses to start on an unknown directive. A directive of a third-party module \
          (lua, njs, headers-more, geoip2, …) works only where that module is built in or \
          loaded with `load_module`; when the configuration lists its modules with \
          `load_module` and this one is missing, the server will refuse it too.",
    bad: "http {\n    server {\n        listen 80;\n        proxy_pas http://127.0.0.1:8080;\n    }\n}\n",
    good: "http {\n    server {\n        listen 80;\n        location / {\n            proxy_pass http://127.0.0.1:8080;\n        }\n    }\n}\n",
    example_args: &[],
    options: "None.",
};

impl Rule for UnknownDirective {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_nginx(&self, cx: &NginxContext, out: &mut Vec<Diagnostic>) {
        let mut loaded = Vec::new();
        walk_contexts(cx, |node, _| {
            let src = cx.src(node.file);
            if node.directive.is(src, "load_module") {
                if let Some(arg) = node.directive.args.first() {
                    loaded.push(module_stem(&arg.value(src)));
                }
            }
        });
        let lists_modules = !loaded.is_empty();
        // One suggestion search per distinct name: a typo copied into every server is
        // looked up once.
        let mut suggestions: std::collections::HashMap<String, Option<&'static str>> =
            std::collections::HashMap::new();
        walk_contexts(cx, |node, _| {
            if node.is_include() {
                return;
            }
            let src = cx.src(node.file);
            let name = node.directive.name(src);
            let label = Label::at(proxylint_model::Loc::new(
                node.file,
                node.directive.name.span,
            ));
            match directives::lookup(&name) {
                None => {
                    let mut d =
                        Diagnostic::new(META.code, label, format!("unknown directive `{name}`"));
                    let close = *suggestions
                        .entry(name.to_string())
                        .or_insert_with(|| closest(&name));
                    if let Some(close) = close {
                        d = d.help(format!("did you mean `{close}`?"));
                    }
                    out.push(d);
                }
                Some(spec) if spec.kind == ModuleKind::ThirdParty => {
                    if loaded.iter().any(|m| m == spec.module) {
                        return;
                    }
                    let d = Diagnostic::new(
                        META.code,
                        label,
                        format!(
                            "`{name}` comes from the third-party module `{}`, which this \
                             configuration does not load",
                            spec.module
                        ),
                    );
                    out.push(if lists_modules {
                        d.help(format!(
                            "add `load_module modules/{}.so;` at the top",
                            spec.module
                        ))
                    } else {
                        d.severity(Severity::Info).help(
                            "fine where nginx is built with the module (OpenResty, a distribution \
                             package); otherwise load it with `load_module`",
                        )
                    });
                }
                Some(_) => {}
            }
        });
    }
}

/// `modules/ngx_http_lua_module.so` → `ngx_http_lua_module`.
fn module_stem(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.strip_suffix(".so").unwrap_or(file).to_string()
}

/// The longest known directive name, and then some: anything longer has no neighbour
/// within two edits.
const LONGEST_NAME: usize = 64;

/// The known directive closest to `name`, within two edits. Names whose lengths differ by
/// more than two cannot be that close and are not compared.
fn closest(name: &str) -> Option<&'static str> {
    let length = name.chars().count();
    if length > LONGEST_NAME {
        return None;
    }
    directives::all()
        .iter()
        .filter(|d| d.name.len().abs_diff(length) <= 2)
        .map(|d| (edit_distance(name, d.name), d.name))
        .filter(|&(distance, _)| distance <= 2)
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(prev + usize::from(ca != *cb));
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggestions() {
        assert_eq!(super::closest("proxy_pas"), Some("proxy_pass"));
        assert_eq!(super::closest("zzzzzzzzzzzz"), None);
        assert_eq!(
            super::module_stem("modules/ngx_http_lua_module.so"),
            "ngx_http_lua_module"
        );
    }
}
