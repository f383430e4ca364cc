//! `--add-ignore`: adopting proxylint on a repository with findings. Every current finding
//! gets a suppression comment on the line before its directive, with a reason placeholder
//! for a person to fill in; the next run is clean, and new findings still fail.
//!
//! Files are rewritten atomically (a temporary file in the same directory, then a rename),
//! keep their line endings, and are left alone where a suppression cannot be placed safely
//! (syntax errors, `nginx -T` dumps, standard input).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};
use proxylint_rules::Diagnostic;
use proxylint_syntax::nginx::{Directive, Workspace};
use proxylint_syntax::FileId;

/// The reason written into each new suppression.
pub const PLACEHOLDER: &str = "accepted when proxylint was adopted; say why or fix it";

/// Writes suppressions for `diagnostics`; returns how many comments went into how many files.
pub fn add_ignores(ws: &Workspace, diagnostics: &[Diagnostic]) -> Result<(usize, usize)> {
    // For each file, the line start offset before which to insert, and the codes.
    let mut plan: BTreeMap<FileId, BTreeMap<u32, Vec<&'static str>>> = BTreeMap::new();
    for d in diagnostics {
        if matches!(d.code, "PL000" | "PL001" | "PL007" | "PL008") {
            continue;
        }
        let Some(directives) = whole_file_tree(ws, d.primary.file) else {
            continue;
        };
        let src = &ws.sources.get(d.primary.file).text;
        let Some(target) = target(src, directives, d.primary.span.start) else {
            continue;
        };
        let line_start = line_start(src, target.name.span.start);
        let codes = plan
            .entry(d.primary.file)
            .or_default()
            .entry(line_start)
            .or_default();
        if !codes.contains(&d.code) {
            codes.push(d.code);
        }
    }
    let mut comments = 0;
    for (file, lines) in &plan {
        let source = ws.sources.get(*file);
        let rewritten = insert_comments(&source.text, lines);
        write_atomically(&source.path, &rewritten)
            .with_context(|| format!("writing suppressions into `{}`", source.path.display()))?;
        comments += lines.len();
    }
    Ok((comments, plan.len()))
}

/// The parsed tree of a file that is one whole unit with no syntax error.
fn whole_file_tree(ws: &Workspace, file: FileId) -> Option<&[Directive]> {
    let mut units = ws.units.iter().filter(|u| u.file == file);
    let unit = units.next()?;
    let whole =
        units.next().is_none() && unit.range.len() as usize == ws.sources.get(file).text.len();
    let exists = ws.sources.get(file).path.is_file();
    (whole && exists && unit.parsed.errors.is_empty()).then_some(unit.parsed.directives.as_slice())
}

/// The innermost directive holding `offset` that is the first to start on its line, so
/// that a comment on the line above reaches it.
fn target<'d>(src: &[u8], directives: &'d [Directive], offset: u32) -> Option<&'d Directive> {
    let mut level = directives;
    let mut best: Option<&Directive> = None;
    while let Some(d) = level
        .iter()
        .find(|d| d.span.start <= offset && offset <= d.span.end)
    {
        let starts_line = src
            [line_start(src, d.name.span.start) as usize..d.name.span.start as usize]
            .iter()
            .all(|c| *c == b' ' || *c == b'\t');
        if starts_line {
            best = Some(d);
        }
        level = d.children();
    }
    best
}

fn line_start(src: &[u8], offset: u32) -> u32 {
    src[..offset as usize]
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map_or(0, |p| p as u32 + 1)
}

fn insert_comments(src: &[u8], lines: &BTreeMap<u32, Vec<&'static str>>) -> Vec<u8> {
    let newline: &[u8] = if src.windows(2).any(|w| w == b"\r\n") {
        b"\r\n"
    } else {
        b"\n"
    };
    let mut out = Vec::with_capacity(src.len() + lines.len() * 80);
    let mut copied = 0usize;
    for (&start, codes) in lines {
        let start = start as usize;
        out.extend_from_slice(&src[copied..start]);
        let indent: Vec<u8> = src[start..]
            .iter()
            .take_while(|c| **c == b' ' || **c == b'\t')
            .copied()
            .collect();
        out.extend_from_slice(&indent);
        out.extend_from_slice(
            format!("# proxylint: ignore[{}] {PLACEHOLDER}", codes.join(",")).as_bytes(),
        );
        out.extend_from_slice(newline);
        copied = start;
    }
    out.extend_from_slice(&src[copied..]);
    out
}

/// Replaces `path` with `bytes` so that a crash leaves either the old or the new file.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.proxylint-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&temp, meta.permissions())?;
        }
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_go_above_with_the_indentation_and_line_ending() {
        let src = b"a {\r\n    b 1;\r\n}\r\n";
        let mut lines = BTreeMap::new();
        lines.insert(5, vec!["PL303", "PL105"]);
        let out = String::from_utf8(insert_comments(src, &lines)).unwrap();
        assert_eq!(
            out,
            format!(
                "a {{\r\n    # proxylint: ignore[PL303,PL105] {PLACEHOLDER}\r\n    b 1;\r\n}}\r\n"
            )
        );
    }
}
