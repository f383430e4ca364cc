//! Renders diagnostics for people and machines: human (miette, with snippets), concise (one
//! line per finding, for editors and problem matchers) and JSON (a versioned contract).
//!
//! Lines and columns are computed here, once per file: 1-based, columns counting Unicode
//! scalar values with each invalid byte and each tab counting one.

mod human;
mod json;

use std::collections::HashMap;
use std::io::{self, Write};

use proxylint_rules::{Diagnostic, Severity};
use proxylint_syntax::{FileId, LineCol, LineIndex, SourceMap};

pub use json::{JsonDiagnostic, JsonPosition, JsonRelated, JsonReport, JsonSummary, JSON_VERSION};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Concise,
    Json,
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
