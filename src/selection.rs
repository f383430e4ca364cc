//! Which findings are reported, and how severe: `select`/`ignore` (codes, prefixes such as
//! `PL1`, or rule names), severity per rule, and per-file ignores.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use proxylint_rules::{Diagnostic, Severity};
use proxylint_syntax::SourceMap;

/// The user's choice of rules.
#[derive(Debug, Default)]
pub struct Selection {
    select: Option<Vec<String>>,
    ignore: Vec<String>,
    severity: BTreeMap<&'static str, Severity>,
    per_file: Vec<(glob::Pattern, Vec<String>)>,
    /// Per-file globs are relative to this directory.
    root: PathBuf,
}

/// Whether a selector (`PL101`, `PL1`, `grpc-over-http1`) names `code`.
fn selects(selector: &str, code: &str) -> bool {
    let upper = selector.to_ascii_uppercase();
    code.starts_with(&upper)
        || proxylint_rules::by_code(selector).is_some_and(|r| r.meta().code == code)
}

/// Every selector must name at least one rule: a typo must not silently select nothing.
fn check_selectors(what: &str, selectors: &[String]) -> Result<()> {
    for selector in selectors {
        let known = proxylint_rules::all()
            .iter()
            .any(|r| selects(selector, r.meta().code));
        if !known {
            bail!("{what}: `{selector}` names no rule (`proxylint rules` lists them)");
        }
    }
    Ok(())
}

impl Selection {
    pub fn new(
        select: Option<Vec<String>>,
        ignore: Vec<String>,
        severity: &BTreeMap<String, String>,
        per_file: &BTreeMap<String, Vec<String>>,
        root: &Path,
    ) -> Result<Selection> {
        if let Some(select) = &select {
            check_selectors("select", select)?;
        }
        check_selectors("ignore", &ignore)?;
        let mut levels = BTreeMap::new();
        for (rule, level) in severity {
            let Some(found) = proxylint_rules::by_code(rule) else {
                bail!("severity: `{rule}` is not a rule");
            };
            let Some(level) = Severity::parse(level) else {
                bail!("severity of {rule}: `{level}` is not info, warning or error");
            };
            levels.insert(found.meta().code, level);
        }
        let mut patterns = Vec::new();
        for (glob, codes) in per_file {
            check_selectors(&format!("per-file-ignores for `{glob}`"), codes)?;
            let pattern = glob::Pattern::new(glob)
                .map_err(|e| anyhow::anyhow!("per-file-ignores: `{glob}` is not a glob: {e}"))?;
            patterns.push((pattern, codes.clone()));
        }
        Ok(Selection {
            select,
            ignore,
            severity: levels,
            per_file: patterns,
            root: root.to_path_buf(),
        })
    }

    /// Whether findings of `code` are reported at all. Unreadable files (PL000) always are.
    pub fn enabled(&self, code: &str) -> bool {
        if code == "PL000" {
            return true;
        }
        let selected = self
            .select
            .as_ref()
            .is_none_or(|s| s.iter().any(|sel| selects(sel, code)));
        selected && !self.ignore.iter().any(|sel| selects(sel, code))
    }

    /// The codes selected, for `-v`.
    pub fn enabled_codes(&self) -> Vec<&'static str> {
        proxylint_rules::all()
            .iter()
            .map(|r| r.meta().code)
            .filter(|c| self.enabled(c))
            .collect()
    }

    /// Drops what is not selected or ignored for its file, and applies severity overrides
    /// (to findings at the rule's default severity; an info note of a warning rule stays
    /// an info).
    pub fn apply(&self, diagnostics: Vec<Diagnostic>, sources: &SourceMap) -> Vec<Diagnostic> {
        diagnostics
            .into_iter()
            .filter(|d| self.enabled(d.code))
            .filter(|d| !self.ignored_in_file(d, sources))
            .map(|mut d| {
                let default = proxylint_rules::by_code(d.code).map(|r| r.meta().severity);
                if let (Some(&level), Some(default)) = (self.severity.get(d.code), default) {
                    if d.severity == default {
                        d.severity = level;
                    }
                }
                d
            })
            .collect()
    }

    fn ignored_in_file(&self, d: &Diagnostic, sources: &SourceMap) -> bool {
        if self.per_file.is_empty() || d.code == "PL000" {
            return false;
        }
        let path = sources.path(d.primary.file);
        let relative = relative_to(path, &self.root);
        self.per_file.iter().any(|(pattern, codes)| {
            let hit = pattern.matches_path(&relative) || pattern.matches_path(path);
            hit && codes.iter().any(|c| selects(c, d.code))
        })
    }
}

/// `path` relative to `root` when it lies below it (both made absolute first).
pub fn relative_to(path: &Path, root: &Path) -> PathBuf {
    use proxylint_syntax::nginx::absolute;
    let (path_abs, root_abs) = (absolute(path), absolute(root));
    path_abs
        .strip_prefix(&root_abs)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(select: Option<&[&str]>, ignore: &[&str]) -> Selection {
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Selection::new(
            select.map(owned),
            owned(ignore),
            &BTreeMap::new(),
            &BTreeMap::new(),
            Path::new("."),
        )
        .unwrap()
    }

    #[test]
    fn codes_prefixes_and_names() {
        let s = selection(Some(&["PL1", "http2-disabled"]), &["PL105"]);
        assert!(s.enabled("PL101"));
        assert!(!s.enabled("PL105"));
        assert!(s.enabled("PL201"));
        assert!(!s.enabled("PL302"));
        assert!(s.enabled("PL000"), "unreadable files are always reported");
    }

    #[test]
    fn typos_are_errors() {
        let err = Selection::new(
            None,
            vec!["PL9".into()],
            &BTreeMap::new(),
            &BTreeMap::new(),
            Path::new("."),
        );
        assert!(err.is_err());
    }
}
