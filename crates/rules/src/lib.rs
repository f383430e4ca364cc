//! The rule catalogue: each rule is one file with its metadata, its documentation and its
//! check. Rules read the model (and, for dialect rules, the syntax tree); they never parse,
//! never read files and never print.
//!
//! [`check_nginx`] runs every nginx rule over a loaded [`Workspace`] and returns the
//! diagnostics, sorted and without duplicates (a file included twice is checked in each
//! context, and reports each finding once).

mod diagnostic;
mod docs;
mod engine;
pub mod rules;
mod suppress;

pub use diagnostic::{Diagnostic, Label, Severity};
pub use docs::rule_page;
pub use engine::{
    check_caddy, check_nginx, io_error, sort_and_dedup, CaddyContext, GrpcSite, NginxContext,
    ProxyContext, Settings,
};
pub use rules::{all, by_code, Rule, RuleMeta, Scope};

/// Where rule pages are published; a rule's page is `{DOCS_URL}{code}.md`.
pub const DOCS_URL: &str = "https://github.com/proxylint/proxylint/blob/main/rules/";

/// The documentation link of a rule code.
pub fn rule_url(code: &str) -> String {
    format!("{DOCS_URL}{code}.md")
}
