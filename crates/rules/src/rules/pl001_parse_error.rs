//! PL001 parse-error: the file is not valid for its server.

use proxylint_syntax::nginx::Workspace;
use proxylint_syntax::SyntaxErrorKind;

use super::{Rule, RuleMeta, Scope};
use crate::{Diagnostic, Label, Severity};

pub struct ParseError;

static META: RuleMeta = RuleMeta {
    code: "PL001",
    name: "parse-error",
    severity: Severity::Error,
    scope: Scope::Any,
    summary: "The file is not valid syntax for its server: a missing `;`, an unbalanced brace, \
              an unterminated quote, binary or UTF-16 content.",
    why: "The server refuses to start (or to reload) with this file. proxylint points at the \
          exact place, goes on reading the rest of the file as the author most likely meant \
          it, and still checks every other file.",
    bad: "http {\n    server {\n        listen 443 ssl\n        server_name example.com;\n    }\n}\n",
    good: "http {\n    server {\n        listen 443 ssl;\n        server_name example.com;\n    }\n}\n",
    example_args: &[],
    options: "None.",
};

impl Rule for ParseError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_caddy(&self, cx: &crate::engine::CaddyContext, out: &mut Vec<Diagnostic>) {
        super::shared::caddy_problems(
            cx,
            proxylint_syntax::caddy::ProblemKind::Syntax,
            META.code,
            out,
        );
    }

    fn check_workspace(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        report_syntax_errors(ws, SyntaxErrorKind::Parse, META.code, out);
    }
}

/// Turns the parser's errors of one kind into diagnostics of one code.
pub(super) fn report_syntax_errors(
    ws: &Workspace,
    kind: SyntaxErrorKind,
    code: &'static str,
    out: &mut Vec<Diagnostic>,
) {
    for unit in &ws.units {
        for error in unit.parsed.errors.iter().filter(|e| e.kind == kind) {
            let mut diagnostic = Diagnostic::new(
                code,
                Label {
                    file: unit.file,
                    span: error.span,
                    message: None,
                },
                error.message.clone(),
            );
            for (span, message) in &error.related {
                diagnostic = diagnostic.related(Label {
                    file: unit.file,
                    span: *span,
                    message: Some(message.clone()),
                });
            }
            out.push(diagnostic);
        }
    }
}
