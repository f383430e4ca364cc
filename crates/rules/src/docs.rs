//! A rule's documentation page, generated from its metadata: `proxylint explain` prints it
//! and `rules/<CODE>.md` holds it.

use crate::{rule_url, RuleMeta};

/// The Markdown page of a rule.
pub fn rule_page(meta: &RuleMeta) -> String {
    let mut page = format!(
        "# {} {}\n\nSeverity: {} · Scope: {} · {}\n\n## What it flags\n\n{}\n\n## Why it matters\n\n{}\n",
        meta.code,
        meta.name,
        meta.severity.as_str(),
        match meta.scope {
            crate::Scope::Service => "hosts that front a declared gRPC service",
            crate::Scope::Any => "any configuration",
        },
        rule_url(meta.code),
        meta.summary,
        meta.why
    );
    if !meta.bad.is_empty() {
        let args = if meta.example_args.is_empty() {
            String::new()
        } else {
            format!("\nChecked with `{}`.\n", meta.example_args.join(" "))
        };
        page.push_str(&format!(
            "\n## Example\n{args}\n```nginx\n{}```\n\n## Use instead\n\n```nginx\n{}```\n",
            meta.bad, meta.good
        ));
    }
    page.push_str(&format!("\n## Options\n\n{}\n", meta.options));
    page
}
