//! PL007 unused-suppression: a suppression comment that silences nothing.

use super::{Rule, RuleMeta, Scope};
use crate::Severity;

pub struct UnusedSuppression;

static META: RuleMeta = RuleMeta {
    code: "PL007",
    name: "unused-suppression",
    severity: Severity::Warning,
    scope: Scope::Any,
    summary: "A `# proxylint: ignore[…]` comment that silences nothing (any longer).",
    why: "A suppression outlives the finding it was written for: once the configuration is \
          fixed, the comment only hides the next real problem of that kind in the same block. \
          Removing stale ones keeps every suppression meaningful.",
    bad: "http {\n    server {\n        listen 80;\n        # proxylint: ignore[PL303] the firewall denies everything else\n        allow 10.0.0.0/8;\n        deny all;\n    }\n}\n",
    good: "http {\n    server {\n        listen 80;\n        # proxylint: ignore[PL303] the firewall denies everything else\n        allow 10.0.0.0/8;\n    }\n}\n",
    example_args: &[],
    options: "None. The findings themselves are produced where suppressions are applied.",
};

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
