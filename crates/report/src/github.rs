//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice` line per
//! finding, which the runner turns into an annotation on the file and line.
//!
//! ```text
//! ::error file=sites/app.conf,line=8,col=9,endLine=8,endColumn=19,title=PL102 grpc-route-missing::no location forwards …%0Ahelp: add …
//! ```
//!
//! Property values escape `%`, CR, LF, `:` and `,`; the message escapes `%`, CR and LF, so a
//! multi-line message stays one command and no text from a configuration can end the
//! command early or start another. Columns are 1-based and `endColumn` is exclusive, as in
//! the other formats.

use std::io::{self, Write};

use proxylint_rules::{Diagnostic, Severity};
use proxylint_syntax::SourceMap;

use crate::{without_dot_segments, Positions};

pub(crate) fn render(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut positions = Positions::new(sources);
    for d in diagnostics {
        let file = d.primary.file;
        let len = sources.get(file).text.len() as u32;
        let from = d.primary.span.start.min(len);
        let start = positions.line_col(file, from);
        let end = positions.line_col(file, d.primary.span.end.clamp(from, len));
        let path = without_dot_segments(sources.path(file));
        let message = match &d.help {
            Some(help) => format!("{}\nhelp: {help}", d.message),
            None => d.message.clone(),
        };
        writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            command(d.severity),
            escape_property(&path.display().to_string()),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&format!("{} {}", d.code, d.rule_name())),
            escape_data(&message)
        )?;
    }
    Ok(())
}

/// The workflow command for a severity; GitHub calls an info a notice.
fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Escapes a message: `%`, CR and LF, as the runner unescapes them.
fn escape_data(text: &str) -> String {
    escape(text, false)
}

/// Escapes a property value: `%`, CR, LF, `:` and `,`.
fn escape_property(text: &str) -> String {
    escape(text, true)
}

/// Other control characters (an escape sequence in a directive name) are written as
/// `\u{1b}`, as in the concise format: shown raw they would drive the log viewer.
fn escape(text: &str, property: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c if c.is_control() && c != '\t' => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_escape_separators_and_line_ends() {
        assert_eq!(escape_property("a,b:c%d\r\ne"), "a%2Cb%3Ac%25d%0D%0Ae");
    }

    #[test]
    fn messages_keep_colons_and_commas() {
        assert_eq!(escape_data("a,b:c%d\r\ne"), "a,b:c%25d%0D%0Ae");
        assert_eq!(escape_data("::error::x"), "::error::x");
        assert_eq!(escape_data("\u{1b}[31m"), "\\u{1b}[31m");
    }
}
