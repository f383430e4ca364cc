//! Renders diagnostics for people and machines: human (miette, with snippets), concise (one
//! line per finding, for editors and problem matchers), JSON (a versioned contract), SARIF
//! 2.1.0 (code scanning) and GitHub Actions workflow commands (annotations).
//!
//! Lines and columns are computed here, once per file: 1-based, columns counting Unicode
//! scalar values with each invalid byte and each tab counting one.

mod github;
mod human;
mod json;
mod sarif;

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use proxylint_rules::{Diagnostic, Severity};
use proxylint_syntax::{FileId, LineCol, LineIndex, SourceMap};

pub use json::{JsonDiagnostic, JsonPosition, JsonRelated, JsonReport, JsonSummary, JSON_VERSION};
pub use sarif::{FINGERPRINT_KEY, SARIF_SCHEMA};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Concise,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::message`).
    Github,
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn new(files: usize, diagnostics: &[Diagnostic]) -> Summary {
        let count = |s| diagnostics.iter().filter(|d| d.severity == s).count();
        Summary {
            files,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        }
    }
}

/// Line and column lookups, computed lazily per file.
pub struct Positions<'a> {
    sources: &'a SourceMap,
    indexes: HashMap<FileId, LineIndex>,
}

impl<'a> Positions<'a> {
    pub fn new(sources: &'a SourceMap) -> Self {
        Positions {
            sources,
            indexes: HashMap::new(),
        }
    }

    pub fn line_col(&mut self, file: FileId, offset: u32) -> LineCol {
        let text = &self.sources.get(file).text;
        self.indexes
            .entry(file)
            .or_insert_with(|| LineIndex::new(text))
            .line_col(text, offset)
    }
}

/// Options for the human format.
#[derive(Debug, Clone, Copy)]
pub struct HumanOptions {
    pub color: bool,
    /// End with a summary line (`--quiet` turns it off).
    pub summary: bool,
}

/// Writes `diagnostics` in `format`.
pub fn render(
    format: Format,
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    summary: Summary,
    human: HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(sources, diagnostics, summary, human, out),
        Format::Concise => concise(sources, diagnostics, out),
        Format::Json => json::render(sources, diagnostics, summary, out),
        Format::Sarif => sarif::render(sources, diagnostics, out),
        Format::Github => github::render(sources, diagnostics, out),
    }
}

/// `path:line:column: severity[CODE] message`, one finding per line.
fn concise(sources: &SourceMap, diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    let mut positions = Positions::new(sources);
    for d in diagnostics {
        let at = positions.line_col(d.primary.file, d.primary.span.start);
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            printable(&sources.path(d.primary.file).display().to_string()),
            at.line,
            at.column,
            d.severity.as_str(),
            d.code,
            one_line(&d.message)
        )?;
    }
    Ok(())
}

/// `./sites/app.conf` → `sites/app.conf`. `proxylint check` walks `.` and names its files
/// `./…`; GitHub matches annotations and code scanning alerts to repository paths, which
/// have no `.` segments. `..` stays: dropping it would name another file.
pub(crate) fn without_dot_segments(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Messages never span lines in line-oriented formats.
fn one_line(text: &str) -> String {
    printable(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Text from a configuration (a directive name, a path) may hold control characters; shown
/// raw they would drive the terminal or forge extra lines for a problem matcher. They are
/// written as escapes (`\u{1b}`).
pub fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
