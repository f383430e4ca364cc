//! PL006 unquoted-brace-in-argument: a `{` inside an argument opens a block.

use proxylint_syntax::nginx::Workspace;
use proxylint_syntax::SyntaxErrorKind;

use super::pl001_parse_error::report_syntax_errors;
use super::{RuleMeta, Scope};
use crate::{Diagnostic, Severity};

pub struct UnquotedBraceInArgument;

static META: RuleMeta = RuleMeta {
    code: "PL006",
    name: "unquoted-brace-in-argument",
    severity: Severity::Error,
    scope: Scope::Any,
    summary: "An unquoted `{`/`}` inside an argument (a regex quantifier) that nginx splits as \
              a block.",
    why: "nginx ends a bare word at `{` and opens a block there, so `^/v[0-9]{1,3}/` becomes \
          the pattern `^/v[0-9]` followed by a block that starts with `1,3}/`. The server \
          either refuses the file or, worse, matches something else than intended. Quoting \
          the whole argument keeps the braces in the regex.",
    bad: "http {\n    server {\n        location ~ ^/api/v[0-9]{1,3}/ {\n            return 204;\n        }\n    }\n}\n",
    good: "http {\n    server {\n        location ~ \"^/api/v[0-9]{1,3}/\" {\n            return 204;\n        }\n    }\n}\n",
    example_args: &[],
    options: "None.",
};

impl super::Rule for UnquotedBraceInArgument {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workspace(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        report_syntax_errors(ws, SyntaxErrorKind::UnquotedBrace, META.code, out);
    }
}
