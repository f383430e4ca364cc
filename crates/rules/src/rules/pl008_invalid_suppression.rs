//! PL008 invalid-suppression: a suppression comment that cannot be honoured.

use super::{Rule, RuleMeta, Scope};
use crate::Severity;

pub struct InvalidSuppression;

static META: RuleMeta = RuleMeta {
    code: "PL008",
    name: "invalid-suppression",
    severity: Severity::Error,
    scope: Scope::Any,
    summary: "A suppression comment with no reason, an unknown code, nothing to apply to, or an \
              `ignore-file` after the first directive.",
    why: "A suppression is a decision someone made; without its reason the next reader cannot \
          tell whether it still holds. A misspelt code silences nothing while looking as if it \
          did. proxylint does not honour such comments and says so.",
    bad: "http {\n    server {\n        listen 80;\n        # proxylint: ignore[PL303]\n        allow 10.0.0.0/8;\n    }\n}\n",
    good: "http {\n    server {\n        listen 80;\n        # proxylint: ignore[PL303] the firewall denies everything else\n        allow 10.0.0.0/8;\n    }\n}\n",
    example_args: &[],
    options: "None.",
};

impl Rule for InvalidSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
