//! Inline suppressions: `# proxylint: ignore[PL105] reason` on the line before a directive or
//! block (or trailing on its line) silences those codes for it and everything inside it,
//! included files too; `# proxylint: ignore-file[PL105] reason` before the first directive
//! silences them for the whole file. A reason is required. Suppressions that silence nothing
//! are PL007; malformed ones (no reason, an unknown code) are PL008 and silence nothing.

use std::collections::HashMap;

use proxylint_model::Loc;
use proxylint_syntax::caddy::{Caddy, Item as CaddyItem};
use proxylint_syntax::nginx::{Directive, Node, Workspace};
use proxylint_syntax::{FileId, SourceMap, Span};

use crate::{Diagnostic, Label};

/// One well-formed suppression comment.
#[derive(Debug)]
pub struct Suppression {
    file: FileId,
    comment: Span,
    codes: Vec<&'static str>,
    /// The directive it applies to: its name's offset and whole span; `None` for a file-wide
    /// suppression.
    target: Option<(u32, Span)>,
    /// Places it covers, besides its own directive: what that directive includes.
    covered: Vec<(FileId, Span)>,
    used: Vec<&'static str>,
}

/// What a comment says, if it speaks to proxylint.
enum Parsed {
    Ignore {
        codes: Vec<&'static str>,
        file_wide: bool,
    },
    Invalid(String),
    Other,
}

fn parse_comment(text: &str) -> Parsed {
    let body = text.trim_start_matches('#').trim();
    let Some(rest) = body.strip_prefix("proxylint:") else {
        return Parsed::Other;
    };
    let rest = rest.trim();
    let (file_wide, rest) = if let Some(r) = rest.strip_prefix("ignore-file[") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("ignore[") {
        (false, r)
    } else if rest.starts_with("grpc-service") {
        return Parsed::Other;
    } else {
        return Parsed::Invalid(format!(
            "unknown proxylint comment `{}`: write `proxylint: ignore[CODE] reason`",
            rest.split_whitespace().next().unwrap_or_default()
        ));
    };
    let Some((list, reason)) = rest.split_once(']') else {
        return Parsed::Invalid("the list of codes is not closed with `]`".to_string());
    };
    let mut codes = Vec::new();
    for word in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        match crate::by_code(word) {
            Some(rule) => codes.push(rule.meta().code),
            None => return Parsed::Invalid(format!("unknown rule `{word}` in a suppression")),
        }
    }
    if codes.is_empty() {
        return Parsed::Invalid("a suppression names no rule: `ignore[PL105] reason`".to_string());
    }
    if reason.trim().is_empty() {
        return Parsed::Invalid(
            "a suppression needs a reason after the codes, so the next reader knows why"
                .to_string(),
        );
    }
    Parsed::Ignore { codes, file_wide }
}

/// Every suppression comment of every nginx file, and a PL008 finding for each malformed one.
pub fn collect(ws: &Workspace) -> (Vec<Suppression>, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut invalid = Vec::new();
    for unit in &ws.units {
        let src = &ws.sources.get(unit.file).text;
        let directives: Vec<(u32, Span)> = all_directives(&unit.parsed.directives)
            .iter()
            .map(|d| (d.name.span.start, d.span))
            .collect();
        let comments: Vec<Span> = unit.parsed.comments.iter().map(|c| c.span).collect();
        let file = FileText {
            file: unit.file,
            src,
            comments: &comments,
            directives: &directives,
            range: unit.range,
        };
        collect_file(&file, &mut found, &mut invalid);
    }
    (found, invalid)
}

/// The same for Caddyfiles: `#` comments work the same way there.
pub fn collect_caddy(caddy: &Caddy, sources: &SourceMap) -> (Vec<Suppression>, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut invalid = Vec::new();
    for f in &caddy.files {
        let src = &sources.get(f.file).text;
        let mut directives: Vec<(u32, Span)> = f
            .parsed
            .directives()
            .iter()
            .map(|d| (d.span.start, d.span))
            .collect();
        // A site block is a directive for suppressions: a comment before it covers it.
        for item in &f.parsed.items {
            if let CaddyItem::Site { addresses, block } = item {
                if let Some(first) = addresses.first() {
                    let end = block.close.map_or_else(
                        || block.children.last().map_or(first.span.end, |d| d.span.end),
                        |c| c.end,
                    );
                    directives.push((first.span.start, Span::new(first.span.start, end)));
                }
            }
        }
        directives.sort();
        let file = FileText {
            file: f.file,
            src,
            comments: &f.parsed.comments,
            directives: &directives,
            range: Span::from_range(0..src.len()),
        };
        collect_file(&file, &mut found, &mut invalid);
    }
    (found, invalid)
}

/// Where Caddyfiles mark a site with `# proxylint: grpc-service`.
pub fn service_marks_caddy(caddy: &Caddy, sources: &SourceMap) -> Vec<Loc> {
    let mut marks = Vec::new();
    for f in &caddy.files {
        let src = &sources.get(f.file).text;
        for &c in &f.parsed.comments {
            let text = String::from_utf8_lossy(&src[c.range()]);
            let body = text.trim_start_matches('#').trim();
            if body
                .strip_prefix("proxylint:")
                .is_some_and(|r| r.trim().starts_with("grpc-service"))
            {
                marks.push(Loc::new(f.file, c));
            }
        }
    }
    marks
}

/// One file as suppressions see it: its comments and the spans of its directives (name
/// start, whole span), in source order.
struct FileText<'a> {
    file: FileId,
    src: &'a [u8],
    comments: &'a [Span],
    directives: &'a [(u32, Span)],
    range: Span,
}

fn collect_file(f: &FileText, found: &mut Vec<Suppression>, invalid: &mut Vec<Diagnostic>) {
    let first_directive = f.directives.first().map(|d| d.0);
    for &comment in f.comments {
        let text = String::from_utf8_lossy(&f.src[comment.range()]);
        let at = Label::at(Loc::new(f.file, comment));
        match parse_comment(&text) {
            Parsed::Other => {}
            Parsed::Invalid(why) => invalid.push(Diagnostic::new("PL008", at, why)),
            Parsed::Ignore {
                codes,
                file_wide: true,
            } => {
                if first_directive.is_some_and(|d| d < comment.start) {
                    invalid.push(Diagnostic::new(
                        "PL008",
                        at,
                        "`ignore-file` must come before the file's first directive",
                    ));
                    continue;
                }
                found.push(Suppression {
                    file: f.file,
                    comment,
                    codes,
                    target: None,
                    covered: vec![(f.file, f.range)],
                    used: Vec::new(),
                });
            }
            Parsed::Ignore {
                codes,
                file_wide: false,
            } => match target(f.src, f.directives, comment) {
                Some((start, span)) => found.push(Suppression {
                    file: f.file,
                    comment,
                    codes,
                    target: Some((start, span)),
                    covered: vec![(f.file, span)],
                    used: Vec::new(),
                }),
                None => invalid.push(Diagnostic::new(
                    "PL008",
                    at,
                    "this suppression applies to no directive: put it on the line before \
                     one, or at the end of its line",
                )),
            },
        }
    }
}

/// Every directive of a tree, in source order.
fn all_directives(top: &[Directive]) -> Vec<&Directive> {
    let mut out = Vec::new();
    let mut stack: Vec<&Directive> = top.iter().rev().collect();
    while let Some(d) = stack.pop() {
        out.push(d);
        stack.extend(d.children().iter().rev());
    }
    out
}

/// The directive a suppression comment speaks of: the last one that starts earlier on the
/// comment's own line, else the next one after it with only blank lines and comments between.
fn target(src: &[u8], directives: &[(u32, Span)], comment: Span) -> Option<(u32, Span)> {
    let line_start = src[..comment.start as usize]
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map_or(0, |p| p + 1) as u32;
    let trailing = directives
        .iter()
        .rev()
        .find(|d| d.0 >= line_start && d.0 < comment.start);
    if let Some(&d) = trailing {
        return Some(d);
    }
    let next = *directives.iter().find(|d| d.0 >= comment.end)?;
    let between = &src[comment.end as usize..next.0 as usize];
    let only_comments = between.split(|&c| c == b'\n' || c == b'\r').all(|line| {
        let line = line.trim_ascii();
        line.is_empty() || line.starts_with(b"#")
    });
    only_comments.then_some(next)
}

/// What one entry point adds to one suppression's coverage.
pub type Coverage = (usize, Vec<(FileId, Span)>);

/// For one entry point, what each suppression's directive includes: findings in those
/// files count as inside the directive.
pub fn coverage(nodes: &[Node], suppressions: &[Suppression]) -> Vec<Coverage> {
    let mut targets: HashMap<(FileId, u32), Vec<usize>> = HashMap::new();
    for (index, s) in suppressions.iter().enumerate() {
        if let Some((start, _)) = s.target {
            targets.entry((s.file, start)).or_default().push(index);
        }
    }
    let mut out = Vec::new();
    if !targets.is_empty() {
        collect_coverage(nodes, &targets, &mut out);
    }
    out
}

fn collect_coverage(
    nodes: &[Node],
    targets: &HashMap<(FileId, u32), Vec<usize>>,
    out: &mut Vec<Coverage>,
) {
    for node in nodes {
        if let Some(indexes) = targets.get(&(node.file, node.directive.name.span.start)) {
            let mut covered = Vec::new();
            descendants(&node.children, &mut covered);
            for &index in indexes {
                out.push((index, covered.clone()));
            }
        }
        collect_coverage(&node.children, targets, out);
    }
}

/// Merges what [`coverage`] found into the suppressions.
pub fn add_coverage(suppressions: &mut [Suppression], coverage: Vec<Coverage>) {
    for (index, covered) in coverage {
        suppressions[index].covered.extend(covered);
    }
}

fn descendants(nodes: &[Node], out: &mut Vec<(FileId, Span)>) {
    for node in nodes {
        out.push((node.file, node.directive.span));
        descendants(&node.children, out);
    }
}

/// Drops suppressed findings and adds PL007 for suppressions that silenced nothing.
pub fn apply(diagnostics: Vec<Diagnostic>, mut suppressions: Vec<Suppression>) -> Vec<Diagnostic> {
    let mut kept = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        let at = (d.primary.file, d.primary.span.start);
        let silencer = suppressions.iter_mut().find(|s| {
            s.codes.contains(&d.code)
                && s.covered
                    .iter()
                    .any(|&(file, span)| file == at.0 && span.start <= at.1 && at.1 <= span.end)
        });
        match silencer {
            Some(s) if d.code != "PL007" && d.code != "PL008" => s.used.push(d.code),
            _ => kept.push(d),
        }
    }
    for s in suppressions {
        let unused: Vec<&str> = s
            .codes
            .iter()
            .copied()
            .filter(|c| !s.used.contains(c))
            .collect();
        if unused.is_empty() {
            continue;
        }
        kept.push(
            Diagnostic::new(
                "PL007",
                Label::at(Loc::new(s.file, s.comment)),
                format!("this suppression of {} silences nothing", unused.join(", ")),
            )
            .help("remove it, or the codes that no longer fire"),
        );
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_read() {
        assert!(matches!(
            parse_comment("# proxylint: ignore[PL105, grpc-over-http1] long calls are short here"),
            Parsed::Ignore { ref codes, file_wide: false } if codes == &["PL105", "PL101"]
        ));
        assert!(matches!(
            parse_comment("# proxylint: ignore[PL105]"),
            Parsed::Invalid(_)
        ));
        assert!(matches!(
            parse_comment("# proxylint: ignore[PL999] x"),
            Parsed::Invalid(_)
        ));
        assert!(matches!(
            parse_comment("# proxylint: ignroe[PL105] x"),
            Parsed::Invalid(_)
        ));
        assert!(matches!(
            parse_comment("# proxylint: grpc-service"),
            Parsed::Other
        ));
        assert!(matches!(parse_comment("# just a comment"), Parsed::Other));
        assert!(matches!(
            parse_comment("#proxylint: ignore-file[PL303] the firewall denies the rest"),
            Parsed::Ignore {
                file_wide: true,
                ..
            }
        ));
    }
}
