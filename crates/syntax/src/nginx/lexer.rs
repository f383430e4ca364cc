//! nginx's tokenizer, reproduced from `ngx_conf_read_token`.
//!
//! The rules that surprise people and that this lexer keeps:
//! - a bare word ends at white space, `;` or `{`, but not at `}` (`a}` is one word);
//! - `${` does not end a word, so `${var}` stays inside it;
//! - `#` starts a comment only where a token could start; inside a word it is a character;
//! - `\` escapes the next byte in bare words and in quoted strings alike;
//! - a closing quote must be followed by white space, `;`, `{` or `)`.

use nom::bytes::complete::{take_till, take_while};
use nom::IResult;

use crate::{Span, SyntaxError};

/// What kind of token the lexer found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word(super::Quote),
    Semicolon,
    Open,
    Close,
    Comment,
}

/// One token with its span, and where it sits relative to its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
    /// Nothing but white space stands before it on its line.
    pub first_on_line: bool,
    /// It touches the previous token with no white space between them.
    pub glued: bool,
}

pub(crate) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn spaces(input: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while(is_space)(input)
}

fn comment(input: &[u8]) -> IResult<&[u8], &[u8]> {
    take_till(|c| c == b'\n')(input)
}

/// A bare word, as nginx reads one: up to white space, `;`, or a `{` that does not follow `$`.
fn bare_word(input: &[u8]) -> IResult<&[u8], &[u8]> {
    let mut i = 0;
    let mut after_dollar = false;
    while i < input.len() {
        let c = input[i];
        if c == b'\\' {
            i = (i + 2).min(input.len());
            after_dollar = false;
            continue;
        }
        if c == b'{' && after_dollar {
            after_dollar = false;
            i += 1;
            continue;
        }
        if is_space(c) || c == b';' || c == b'{' {
            break;
        }
        after_dollar = c == b'$';
        i += 1;
    }
    Ok((&input[i..], &input[..i]))
}

/// A quoted string without its opening quote; `Err` when the file ends first.
fn quoted_body(input: &[u8], quote: u8) -> Result<usize, ()> {
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'\\' => i += 2,
            c if c == quote => return Ok(i),
            _ => i += 1,
        }
    }
    Err(())
}

/// Reads tokens from `src[start..end]`; spans are offsets into the whole `src`.
pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    end: usize,
    /// Offset just after the previous token, to tell whether the next one is glued to it.
    prev_end: Option<usize>,
    /// A token already stands on the current line. Tracked as the lexer moves, so that
    /// telling a line's first token costs nothing even on a 10 MB line.
    line_has_token: bool,
    pub errors: Vec<SyntaxError>,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a [u8], start: usize, end: usize) -> Self {
        Lexer {
            src,
            pos: start,
            end,
            prev_end: None,
            line_has_token: false,
            errors: Vec::new(),
        }
    }

    /// Moves the lexer to `pos` (after a raw block was skipped by the parser).
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos;
        self.prev_end = Some(pos);
        self.line_has_token = true;
    }

    pub fn end(&self) -> usize {
        self.end
    }

    fn rest(&self) -> &'a [u8] {
        &self.src[self.pos..self.end]
    }

    fn token(&mut self, kind: TokenKind, start: usize, end: usize) -> Token {
        let glued = self.prev_end == Some(start);
        self.pos = end;
        self.prev_end = Some(end);
        let first_on_line = !self.line_has_token;
        self.line_has_token = true;
        Token {
            kind,
            span: Span::from_range(start..end),
            first_on_line,
            glued,
        }
    }

    /// The next token, or `None` at the end of the input. Errors (an unterminated string, a
    /// character glued to a closing quote) are collected in `errors` and lexing goes on.
    pub fn next_token(&mut self) -> Option<Token> {
        let (rest, skipped) = spaces(self.rest()).expect("take_while never fails");
        if skipped.iter().any(|&c| c == b'\n' || c == b'\r') {
            self.line_has_token = false;
        }
        self.pos = self.end - rest.len();
        let start = self.pos;
        let c = *rest.first()?;
        Some(match c {
            b';' => self.token(TokenKind::Semicolon, start, start + 1),
            b'{' => self.token(TokenKind::Open, start, start + 1),
            b'}' => self.token(TokenKind::Close, start, start + 1),
            b'#' => {
                let (_, text) = comment(rest).expect("take_till never fails");
                let mut end = start + text.len();
                if end > start && self.src[end - 1] == b'\r' {
                    end -= 1;
                }
                let token = self.token(TokenKind::Comment, start, end);
                self.pos = start + text.len();
                token
            }
            b'"' | b'\'' => self.quoted(start, c),
            _ => {
                let (_, word) = bare_word(rest).expect("bare_word never fails");
                self.token(
                    TokenKind::Word(super::Quote::None),
                    start,
                    start + word.len(),
                )
            }
        })
    }

    fn quoted(&mut self, start: usize, quote: u8) -> Token {
        let kind = TokenKind::Word(if quote == b'"' {
            super::Quote::Double
        } else {
            super::Quote::Single
        });
        match quoted_body(&self.src[start + 1..self.end], quote) {
            Ok(len) => {
                let end = start + 1 + len + 1;
                if self.check_after_quote(start, end) {
                    self.token(kind, start, end)
                } else {
                    let end = self.recovered_string_end(start);
                    self.token(kind, start, end)
                }
            }
            Err(()) => {
                self.errors.push(unterminated(start, quote));
                let end = self.recovered_string_end(start);
                self.token(kind, start, end)
            }
        }
    }

    /// nginx wants white space, `;`, `{` or `)` right after a closing quote. When the string
    /// ran over a line end to get there, the real mistake is a missing closing quote where
    /// it started, and that is where the error points.
    ///
    /// Returns false when the string was reported as unterminated, so the caller reads on
    /// from where the string most likely ended.
    fn check_after_quote(&mut self, start: usize, at: usize) -> bool {
        let Some(&c) = self.src[..self.end].get(at) else {
            return true;
        };
        if is_space(c) || c == b';' || c == b'{' || c == b')' {
            return true;
        }
        let width = char_len(self.src, at);
        let shown = String::from_utf8_lossy(&self.src[at..at + width]).into_owned();
        let glued = Span::from_range(at..at + width);
        let multi_line = self.src[start..at]
            .iter()
            .any(|&b| b == b'\n' || b == b'\r');
        if multi_line {
            let mut error = unterminated(start, self.src[start]);
            error.message = format!(
                "unterminated string: this {} is not closed on its line; the next quote comes \
                 lines later, right before \"{shown}\"",
                self.src[start] as char
            );
            error
                .related
                .push((glued, "the string seems to end here".to_string()));
            self.errors.push(error);
            return false;
        }
        self.errors.push(SyntaxError::parse(
            glued,
            format!(
                "unexpected \"{shown}\" right after a closing quote: nginx needs a space, `;` \
                 or `{{` there"
            ),
        ));
        true
    }

    /// Where an unterminated string most likely ends: before the last `;` of its own line,
    /// or at the line's end. Reading on from there, the rest of the file parses as written.
    fn recovered_string_end(&self, start: usize) -> usize {
        let line_end = self.src[start..self.end]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .map_or(self.end, |p| start + p);
        self.src[start + 1..line_end]
            .iter()
            .rposition(|&c| c == b';')
            .map_or(line_end, |p| start + 1 + p)
    }
}

fn unterminated(start: usize, quote: u8) -> SyntaxError {
    let q = quote as char;
    SyntaxError::parse(
        Span::from_range(start..start + 1),
        format!("unterminated string: this {q} is never closed (the next {q} is not before the end of the file)"),
    )
}

/// Length in bytes of the UTF-8 character at `at` (1 for an invalid byte).
pub(crate) fn char_len(src: &[u8], at: usize) -> usize {
    let rest = &src[at..src.len().min(at + 4)];
    match rest.utf8_chunks().next() {
        Some(chunk) if !chunk.valid().is_empty() => {
            chunk.valid().chars().next().map_or(1, char::len_utf8)
        }
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nginx::Quote;

    fn lex(src: &str) -> Vec<(TokenKind, String)> {
        let mut lexer = Lexer::new(src.as_bytes(), 0, src.len());
        let mut out = Vec::new();
        while let Some(t) = lexer.next_token() {
            out.push((t.kind, src[t.span.range()].to_string()));
        }
        out
    }

    fn words(src: &str) -> Vec<String> {
        lex(src).into_iter().map(|(_, s)| s).collect()
    }

    #[test]
    fn close_brace_does_not_end_a_bare_word() {
        assert_eq!(words("a}b;"), ["a}b", ";"]);
    }

    #[test]
    fn dollar_brace_stays_in_the_word() {
        assert_eq!(words("set $a ${b}c;"), ["set", "$a", "${b}c", ";"]);
    }

    #[test]
    fn open_brace_ends_a_bare_word() {
        assert_eq!(words("location /a{"), ["location", "/a", "{"]);
    }

    #[test]
    fn hash_inside_a_word_is_not_a_comment() {
        assert_eq!(words("a#b # c\nd;"), ["a#b", "# c", "d", ";"]);
    }

    #[test]
    fn escapes_in_bare_words_and_quotes() {
        assert_eq!(
            words(r#"a\ b "c\"d" 'e\'f';"#),
            [r"a\ b", r#""c\"d""#, r"'e\'f'", ";"]
        );
    }

    #[test]
    fn comment_excludes_carriage_return() {
        let toks = lex("# hi\r\nx;");
        assert_eq!(toks[0], (TokenKind::Comment, "# hi".to_string()));
    }

    #[test]
    fn unterminated_quote_is_reported_at_the_quote() {
        let mut lexer = Lexer::new(b"a \"b;\n", 0, 6);
        while lexer.next_token().is_some() {}
        assert_eq!(lexer.errors.len(), 1);
        assert_eq!(lexer.errors[0].span, Span::new(2, 3));
    }

    #[test]
    fn text_glued_to_a_closing_quote_is_an_error() {
        let mut lexer = Lexer::new(b"a \"b\"c;", 0, 7);
        while lexer.next_token().is_some() {}
        assert_eq!(lexer.errors[0].span, Span::new(5, 6));
        let mut ok = Lexer::new(b"if ($a = \"b\") {", 0, 15);
        while ok.next_token().is_some() {}
        assert!(ok.errors.is_empty());
    }

    #[test]
    fn quote_kinds() {
        let toks = lex("'a' \"b\" c");
        assert_eq!(toks[0].0, TokenKind::Word(Quote::Single));
        assert_eq!(toks[1].0, TokenKind::Word(Quote::Double));
        assert_eq!(toks[2].0, TokenKind::Word(Quote::None));
    }
}
