//! The human format: one miette report per finding, with the source snippet, a label on the
//! exact span, related labels, help, the code and the rule's link; then a summary line.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use proxylint_rules::{rule_url, Diagnostic, Label, Severity};
use proxylint_syntax::{FileId, SourceMap};

use crate::{printable, HumanOptions, Summary};

/// A file's text made safe for display with the byte offsets unchanged: each invalid
/// UTF-8 byte and each control character becomes `?` (one per byte), a lone CR, which ends
/// a line for proxylint but not for the snippet renderer, becomes LF, and the CR of a CRLF
/// becomes a space.
fn display_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        let mut chars = valid.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            match c {
                '\r' if chars.peek().map(|&(_, n)| n) != Some('\n') => out.push('\n'),
                // The CR of a CRLF would reach the terminal raw: a space keeps the offsets.
                '\r' => out.push(' '),
                '\t' | '\n' => out.push(c),
                c if c.is_control() => out.extend(std::iter::repeat_n('?', c.len_utf8())),
                c => out.push(c),
            }
        }
        out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    out
}

type Source = Arc<Snippet>;

/// A file's text for snippets. Lines longer than [`WINDOW`] bytes are cut to a window around
/// the flagged span, so that findings on a 10 MB one-line file do not print the line each.
struct Snippet {
    name: String,
    text: String,
    line_starts: Vec<usize>,
}

/// How many bytes of a long line a snippet shows on each side of the span.
const WINDOW: usize = 160;

impl Snippet {
    fn new(name: String, text: String) -> Snippet {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Snippet {
            name,
            text,
            line_starts,
        }
    }

    fn len(&self) -> usize {
        self.text.len()
    }

    /// 0-based line and column (in characters) of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let column = self.text[self.line_starts[line]..offset].chars().count();
        (line, column)
    }

    fn floor(&self, mut at: usize) -> usize {
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    fn ceil(&self, mut at: usize) -> usize {
        while !self.text.is_char_boundary(at) {
            at += 1;
        }
        at
    }
}

impl SourceCode for Snippet {
    /// The lines around `span`, computed from the line table (no scan from the start of
    /// the file per finding); a long line is cut to a window around the span.
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let offset = span.offset().min(self.text.len());
        let end_offset = (offset + span.len()).min(self.text.len());
        if span.offset() > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first_line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let last_line = self
            .line_starts
            .partition_point(|&s| s <= end_offset.max(offset))
            - 1;
        let from_line = first_line.saturating_sub(before);
        let to_line = (last_line + after).min(self.line_starts.len() - 1);
        // With no context, miette wants the text from the span's own start (for the header's
        // line and column); with context, whole lines.
        let mut start = if before == 0 && after == 0 {
            offset
        } else {
            self.line_starts[from_line]
        };
        let mut end = self
            .line_starts
            .get(to_line + 1)
            .map_or(self.text.len(), |&next| next.saturating_sub(1))
            .max(end_offset);
        if end - start > 4 * WINDOW {
            start = self.floor(offset.saturating_sub(WINDOW).max(start));
            end = self.ceil((end_offset + WINDOW).min(end));
        }
        let (line, column) = self.position(start);
        let data = &self.text.as_bytes()[start..end];
        let count = data.iter().filter(|&&b| b == b'\n').count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            SourceSpan::new(start.into(), data.len()),
            line,
            column,
            count,
        )))
    }
}

struct Sources<'a> {
    map: &'a SourceMap,
    cache: HashMap<FileId, Source>,
}

impl Sources<'_> {
    fn get(&mut self, file: FileId) -> Source {
        let map = self.map;
        self.cache
            .entry(file)
            .or_insert_with(|| {
                let f = map.get(file);
                Arc::new(Snippet::new(
                    printable(&f.path.display().to_string()),
                    display_text(&f.text),
                ))
            })
            .clone()
    }
}

/// One finding (or one related place in another file) as miette sees it.
struct Report {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    url: Option<String>,
    source: Source,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.url
            .as_ref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        (!self.labels.is_empty()).then_some(self.source.as_ref() as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = _>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic))
                as Box<dyn Iterator<Item = _>>
        })
    }
}

fn span_of(label: &Label, text_len: usize) -> SourceSpan {
    let start = (label.span.start as usize).min(text_len);
    let end = (label.span.end as usize).clamp(start, text_len);
    SourceSpan::new(start.into(), end - start)
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn report(sources: &mut Sources, d: &Diagnostic) -> Report {
    let source = sources.get(d.primary.file);
    let len = source.len();
    let mut labels = Vec::new();
    if len > 0 {
        labels.push(LabeledSpan::new_primary_with_span(
            d.primary.message.as_deref().map(printable),
            span_of(&d.primary, len),
        ));
    }
    let mut related = Vec::new();
    for label in &d.related {
        if label.file == d.primary.file {
            if len > 0 {
                labels.push(LabeledSpan::new_with_span(
                    label.message.as_deref().map(printable),
                    span_of(label, len),
                ));
            }
            continue;
        }
        let other = sources.get(label.file);
        let other_len = other.len();
        related.push(Report {
            message: label
                .message
                .clone()
                .unwrap_or_else(|| "related".to_string()),
            code: None,
            severity: miette::Severity::Advice,
            help: None,
            url: None,
            labels: vec![LabeledSpan::new_primary_with_span(
                None,
                span_of(label, other_len),
            )],
            source: other,
            related: Vec::new(),
        });
    }
    Report {
        message: printable(&d.message),
        code: Some(format!("{}[{}]", d.code, d.rule_name())),
        severity: severity(d.severity),
        help: d.help.as_deref().map(printable),
        url: Some(rule_url(d.code)),
        source,
        labels,
        related,
    }
}

pub(crate) fn render(
    map: &SourceMap,
    diagnostics: &[Diagnostic],
    summary: Summary,
    options: HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_context_lines(1);
    let mut sources = Sources {
        map,
        cache: HashMap::new(),
    };
    for d in diagnostics {
        let mut text = String::new();
        handler
            .render_report(&mut text, &report(&mut sources, d))
            .map_err(io::Error::other)?;
        writeln!(out, "{text}")?;
    }
    if options.summary {
        writeln!(out, "{}", summary_line(summary))?;
    }
    Ok(())
}

fn summary_line(s: Summary) -> String {
    let files = plural(s.files, "file");
    if s.errors + s.warnings + s.infos == 0 {
        return format!("proxylint: no issues in {files}");
    }
    format!(
        "proxylint: {}, {}, {} in {files}",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info")
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::display_text;

    #[test]
    fn display_text_keeps_offsets() {
        let raw = b"a\x1b[2J\rb\r\nc\xff\xc2\x85d";
        let shown = display_text(raw);
        assert_eq!(shown.len(), raw.len());
        assert_eq!(shown, "a?[2J\nb \nc???d");
    }
}
