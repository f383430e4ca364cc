//! The JSON output: a versioned contract, kept apart from internal types.
//!
//! ```json
//! {"version": 1,
//!  "diagnostics": [{"code": "PL101", "rule": "grpc-over-http1", "severity": "error",
//!                   "message": "…", "help": "…", "url": "…", "path": "nginx.conf",
//!                   "start": {"line": 9, "column": 13, "offset": 210},
//!                   "end": {"line": 9, "column": 23, "offset": 220},
//!                   "related": [{"path": "…", "start": {…}, "end": {…}, "message": "…"}]}],
//!  "summary": {"files": 1, "errors": 1, "warnings": 0, "infos": 0}}
//! ```

use std::io::{self, Write};

use serde::Serialize;

use proxylint_rules::{rule_url, Diagnostic, Label};
use proxylint_syntax::SourceMap;

use crate::{Positions, Summary};

/// Bumped whenever a field changes meaning or disappears; adding fields keeps the version.
pub const JSON_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct JsonReport {
    pub version: u32,
    pub diagnostics: Vec<JsonDiagnostic>,
    pub summary: JsonSummary,
}

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub code: String,
    pub rule: String,
    pub severity: String,
    pub message: String,
    pub help: Option<String>,
    pub url: String,
    pub path: String,
    pub start: JsonPosition,
    pub end: JsonPosition,
    pub related: Vec<JsonRelated>,
}

/// A position: 1-based line and column (columns count characters), and the byte offset.
#[derive(Debug, Serialize)]
pub struct JsonPosition {
    pub line: u32,
    pub column: u32,
    pub offset: u32,
}

#[derive(Debug, Serialize)]
pub struct JsonRelated {
    pub path: String,
    pub start: JsonPosition,
    pub end: JsonPosition,
    pub message: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct JsonSummary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

pub(crate) fn render(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    summary: Summary,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut positions = Positions::new(sources);
    let report = JsonReport {
        version: JSON_VERSION,
        diagnostics: diagnostics
            .iter()
            .map(|d| diagnostic(sources, &mut positions, d))
            .collect(),
        summary: JsonSummary {
            files: summary.files,
            errors: summary.errors,
            warnings: summary.warnings,
            infos: summary.infos,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

fn diagnostic(sources: &SourceMap, positions: &mut Positions, d: &Diagnostic) -> JsonDiagnostic {
    let (start, end) = range(positions, &d.primary);
    JsonDiagnostic {
        code: d.code.to_string(),
        rule: d.rule_name().to_string(),
        severity: d.severity.as_str().to_string(),
        message: d.message.clone(),
        help: d.help.clone(),
        url: rule_url(d.code),
        path: sources.path(d.primary.file).display().to_string(),
        start,
        end,
        related: d
            .related
            .iter()
            .map(|label| {
                let (start, end) = range(positions, label);
                JsonRelated {
                    path: sources.path(label.file).display().to_string(),
                    start,
                    end,
                    message: label.message.clone(),
                }
            })
            .collect(),
    }
}

fn range(positions: &mut Positions, label: &Label) -> (JsonPosition, JsonPosition) {
    let at = |positions: &mut Positions, offset: u32| {
        let lc = positions.line_col(label.file, offset);
        JsonPosition {
            line: lc.line,
            column: lc.column,
            offset,
        }
    };
    (
        at(positions, label.span.start),
        at(positions, label.span.end),
    )
}
