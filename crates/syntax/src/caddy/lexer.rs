//! The Caddyfile tokenizer, following Caddy's own lexer.
//!
//! What it keeps from Caddy:
//! - tokens split on white space; `{` and `}` are braces only as whole tokens;
//! - `"…"` strings where only `\"` is an escape, and `` `…` `` strings with no escapes; both
//!   may span lines;
//! - `#` starts a comment only at the start of a token;
//! - `\` before a line end joins the next physical line to the logical line (the grammar
//!   sees one line; diagnostics keep the physical positions);
//! - heredocs `<<MARKER … MARKER`, the closing marker's indentation stripped from every line.

use crate::{Span, SyntaxError};

/// How a token was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Bare,
    /// `"…"`
    Quoted,
    /// `` `…` ``
    Backtick,
    /// `<<MARKER … MARKER`: `body` is the text between the opening line and the closing
    /// marker's line, `indent` the closing marker's indentation (stripped from each line).
    Heredoc {
        body: Span,
        indent: u32,
    },
}

/// One token: its span (quotes and heredoc markers included) and its logical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
    /// Logical line number (0-based): lines joined by `\` share one.
    pub line: u32,
}

impl Token {
    /// An unquoted `{`.
    pub fn is_open(&self, src: &[u8]) -> bool {
        self.kind == TokenKind::Bare && &src[self.span.range()] == b"{"
    }

    /// An unquoted `}`.
    pub fn is_close(&self, src: &[u8]) -> bool {
        self.kind == TokenKind::Bare && &src[self.span.range()] == b"}"
    }

    /// The token's value as Caddy sees it: quotes removed, `\"` unescaped in `"…"`,
    /// heredoc bodies with their indentation stripped, `\` line joins removed.
    pub fn value(&self, src: &[u8]) -> String {
        let raw = &src[self.span.range()];
        match self.kind {
            TokenKind::Bare => {
                let mut out = Vec::with_capacity(raw.len());
                let mut i = 0;
                while i < raw.len() {
                    // Caddy drops the backslash only before `<` (an escaped heredoc start).
                    if raw[i] == b'\\' && raw.get(i + 1) == Some(&b'<') {
                        i += 1;
                        continue;
                    }
                    out.push(raw[i]);
                    i += 1;
                }
                String::from_utf8_lossy(&out).into_owned()
            }
            TokenKind::Quoted => {
                let inner = unquote(raw, b'"');
                let mut out = Vec::with_capacity(inner.len());
                let mut i = 0;
                while i < inner.len() {
                    if inner[i] == b'\\' && inner.get(i + 1) == Some(&b'"') {
                        out.push(b'"');
                        i += 2;
                        continue;
                    }
                    if inner[i] != b'\r' {
                        out.push(inner[i]);
                    }
                    i += 1;
                }
                String::from_utf8_lossy(&out).into_owned()
            }
            TokenKind::Backtick => {
                let inner = unquote(raw, b'`');
                String::from_utf8_lossy(inner).replace('\r', "")
            }
            TokenKind::Heredoc { body, indent } => {
                let text = String::from_utf8_lossy(&src[body.range()]).replace('\r', "");
                let mut out = String::new();
                for (i, line) in text.split('\n').enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str(line.get(indent as usize..).unwrap_or(""));
                }
                out
            }
        }
    }
}

/// A string without its quotes; a string cut short at the end of the file has no closing
/// quote to drop.
fn unquote(raw: &[u8], quote: u8) -> &[u8] {
    let inner = raw.get(1..).unwrap_or_default();
    match inner.strip_suffix(&[quote]) {
        Some(body) if raw.len() >= 2 => body,
        _ => inner,
    }
}

/// Tokens and comments of one file, and the errors met.
#[derive(Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<Token>,
    pub comments: Vec<Span>,
    pub errors: Vec<SyntaxError>,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0b' | b'\x0c')
}

/// Splits `src[range]` into tokens.
pub fn lex(src: &[u8], range: Span) -> Lexed {
    let mut out = Lexed::default();
    let end = range.end as usize;
    let mut i = range.start as usize;
    let mut line: u32 = 0;
    // Lines a heredoc spanned: they count once its closing line ends, so that words after
    // the closing marker still belong to the heredoc's directive.
    let mut skipped: u32 = 0;
    while i < end {
        let c = src[i];
        if c == b'\n' {
            line += 1 + skipped;
            skipped = 0;
            i += 1;
            continue;
        }
        if c == b'\\' && at_line_end(src, i + 1, end) {
            i = skip_line_end(src, i + 1, end);
            continue;
        }
        if is_space(c) {
            i += 1;
            continue;
        }
        let start = i;
        if c == b'#' {
            while i < end && src[i] != b'\n' && src[i] != b'\r' {
                i += 1;
            }
            out.comments.push(Span::new(start as u32, i as u32));
            continue;
        }
        if c == b'"' || c == b'`' {
            let (kind, close) = if c == b'"' {
                (TokenKind::Quoted, b'"')
            } else {
                (TokenKind::Backtick, b'`')
            };
            let token_line = line;
            i += 1;
            let mut closed = false;
            while i < end {
                let d = src[i];
                if d == b'\\' && close == b'"' && i + 1 < end && src[i + 1] == b'"' {
                    i += 2;
                    continue;
                }
                if d == b'\n' {
                    line += 1;
                }
                i += 1;
                if d == close {
                    closed = true;
                    break;
                }
            }
            if !closed {
                out.errors.push(
                    SyntaxError::parse(
                        Span::new(start as u32, (start + 1) as u32),
                        format!(
                            "this {} string is never closed",
                            if close == b'"' { "quoted" } else { "backtick" }
                        ),
                    )
                    .with_related(Span::empty(end as u32), "the file ends here"),
                );
            }
            out.tokens.push(Token {
                kind,
                span: Span::new(start as u32, i as u32),
                line: token_line,
            });
            // A string glued to the next characters continues as a bare token in Caddy;
            // rare enough that the rest is read as its own token.
            continue;
        }
        // A bare token: up to white space. `\` escapes the next character (and, before a
        // line end, joins lines).
        while i < end {
            let d = src[i];
            if d == b'\\' && i + 1 < end {
                if at_line_end(src, i + 1, end) {
                    break;
                }
                i += 2;
                continue;
            }
            if is_space(d) {
                break;
            }
            i += 1;
        }
        let token = Span::new(start as u32, i as u32);
        let text = &src[token.range()];
        if text.len() > 2 && text.starts_with(b"<<") && at_line_end(src, i, end) {
            match heredoc(src, token, end) {
                Ok((kind, span, lines, next)) => {
                    out.tokens.push(Token { kind, span, line });
                    skipped += lines;
                    i = next;
                }
                Err(error) => {
                    out.errors.push(error);
                    // Read on after the marker; the rest is probably the heredoc's text.
                    out.tokens.push(Token {
                        kind: TokenKind::Bare,
                        span: token,
                        line,
                    });
                    i = end;
                }
            }
            continue;
        }
        out.tokens.push(Token {
            kind: TokenKind::Bare,
            span: token,
            line,
        });
    }
    out
}

fn at_line_end(src: &[u8], i: usize, end: usize) -> bool {
    i >= end || src[i] == b'\n' || (src[i] == b'\r' && (i + 1 >= end || src[i + 1] == b'\n'))
}

fn skip_line_end(src: &[u8], mut i: usize, end: usize) -> usize {
    if i < end && src[i] == b'\r' {
        i += 1;
    }
    if i < end && src[i] == b'\n' {
        i += 1;
    }
    i
}

/// Reads a heredoc whose opening `<<MARKER` is `open`: returns its kind, its span (from the
/// opening marker to the end of the closing one), the line ends inside it, and where reading
/// goes on.
fn heredoc(
    src: &[u8],
    open: Span,
    end: usize,
) -> Result<(TokenKind, Span, u32, usize), SyntaxError> {
    let marker = &src[open.start as usize + 2..open.end as usize];
    let valid = marker
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    if !valid {
        return Err(SyntaxError::parse(
            open,
            format!(
                "a heredoc marker may hold only letters, digits, `-` and `_`; got `{}`",
                String::from_utf8_lossy(marker)
            ),
        ));
    }
    let body_start = skip_line_end(src, open.end as usize, end);
    let mut pos = body_start;
    let mut lines_seen = 1;
    while pos < end {
        let line_end = src[pos..end]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(end, |p| pos + p);
        let text = &src[pos..line_end];
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let indent = text
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
        let after = &text[indent..];
        let closes = after.starts_with(marker)
            && after
                .get(marker.len())
                .is_none_or(|&c| c == b' ' || c == b'\t');
        if closes {
            let body = Span::new(
                body_start as u32,
                pos.saturating_sub(1).max(body_start) as u32,
            );
            // Every line of the body must start with the closing marker's indentation.
            let prefix = &text[..indent];
            let mut check = body_start;
            while check < pos {
                let e = src[check..pos]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(pos, |p| check + p);
                let body_line = &src[check..e];
                let body_line = body_line.strip_suffix(b"\r").unwrap_or(body_line);
                if !body_line.is_empty() && !body_line.starts_with(prefix) {
                    return Err(SyntaxError::parse(
                        Span::from_range(check..e),
                        format!(
                            "this line of the heredoc <<{} does not start with the closing \
                             marker's indentation",
                            String::from_utf8_lossy(marker)
                        ),
                    ));
                }
                check = e + 1;
            }
            let close_end = pos + indent + marker.len();
            let kind = TokenKind::Heredoc {
                body,
                indent: indent as u32,
            };
            return Ok((
                kind,
                Span::new(open.start, close_end as u32),
                lines_seen,
                close_end,
            ));
        }
        lines_seen += 1;
        pos = line_end + 1;
    }
    Err(SyntaxError::parse(
        open,
        format!(
            "the heredoc <<{0} is never closed: a line with only `{0}` must end it",
            String::from_utf8_lossy(marker)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(src: &str) -> Vec<(String, u32)> {
        let lexed = lex(src.as_bytes(), Span::new(0, src.len() as u32));
        assert!(lexed.errors.is_empty(), "{:?}", lexed.errors);
        lexed
            .tokens
            .iter()
            .map(|t| (t.value(src.as_bytes()), t.line))
            .collect()
    }

    #[test]
    fn words_strings_and_comments() {
        let v = values("a \"b c\" `d \\\"e` # note\nf#g {\n}");
        let words: Vec<&str> = v.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(words, ["a", "b c", "d \\\"e", "f#g", "{", "}"]);
        assert_eq!(v[3].1, 1);
    }

    #[test]
    fn quoted_escape_is_only_the_quote() {
        let v = values(r#""a\"b\n""#);
        assert_eq!(v[0].0, "a\"b\\n");
    }

    #[test]
    fn continuation_keeps_one_logical_line() {
        let v = values("reverse_proxy a \\\n    b\nnext");
        assert_eq!(v[2], ("b".to_string(), 0));
        assert_eq!(v[3].1, 1);
    }

    #[test]
    fn heredoc_strips_the_closing_indentation() {
        let v = values("respond <<HTML\n    <p>hi</p>\n      x\n    HTML 200\nnext");
        assert_eq!(v[1].0, "<p>hi</p>\n  x");
        assert_eq!(v[2], ("200".to_string(), 0));
        assert_eq!(v[3].1, 4);
    }

    #[test]
    fn errors_have_spans() {
        let src = "respond <<EOF\nno end\n";
        let lexed = lex(src.as_bytes(), Span::new(0, src.len() as u32));
        assert_eq!(lexed.errors[0].span, Span::new(8, 13));
        let src = "a \"open";
        let lexed = lex(src.as_bytes(), Span::new(0, src.len() as u32));
        assert_eq!(lexed.errors[0].span, Span::new(2, 3));
        assert_eq!(lexed.tokens[1].value(src.as_bytes()), "open");
    }
}
