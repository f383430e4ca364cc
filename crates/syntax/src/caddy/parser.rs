//! The Caddyfile grammar, following Caddy's parser: a file is a list of site blocks (an
//! address list and `{ … }`), optionally led by the global options block and mixed with
//! snippet definitions and `import` lines; inside a block each logical line is a directive,
//! and a line that ends in `{` opens a nested block.
//!
//! Nesting is handled with an explicit stack (capped at [`MAX_DEPTH`]), and every error is
//! recorded with its span while parsing goes on.

use super::lexer::{lex, Token};
use super::tree::{Block, Directive, Item, ParsedFile};
use crate::{Span, SyntaxError};

/// Blocks nested deeper than this are an error, not a stack to grow without bound.
pub const MAX_DEPTH: usize = 200;

/// At most this many syntax errors are kept per file; the rest add nothing a reader can use.
const MAX_ERRORS: usize = 50;

/// Parses a whole file.
pub fn parse(src: &[u8]) -> ParsedFile {
    parse_range(src, Span::new(0, src.len() as u32))
}

enum FrameKind {
    Global,
    Snippet(Token),
    Site(Vec<Token>),
    /// A site without braces: the only site of its file, running to the end.
    BracelessSite(Vec<Token>),
    Directive(Vec<Token>),
    /// `import name args… {` between sites: the block fills the snippet's `{block}`.
    TopImport(Vec<Token>),
}

struct Frame {
    kind: FrameKind,
    open: Option<Span>,
    start: u32,
    children: Vec<Directive>,
}

struct Parser<'s> {
    src: &'s [u8],
    tokens: Vec<Token>,
    pos: usize,
    stack: Vec<Frame>,
    out: ParsedFile,
    sites: usize,
    /// A `}` that ends a directive's line: it is read as the start of a line of its own.
    break_before: Option<usize>,
}

/// Parses a file imported inside a block: its lines are that block's directives. The
/// result is one [`Item::Site`] without addresses.
pub fn parse_body(src: &[u8]) -> ParsedFile {
    parse_with(src, Span::new(0, src.len() as u32), true)
}

/// Parses `src[range]`.
pub fn parse_range(src: &[u8], range: Span) -> ParsedFile {
    parse_with(src, range, false)
}

fn parse_with(src: &[u8], range: Span, body: bool) -> ParsedFile {
    let lexed = lex(src, range);
    let mut p = Parser {
        src,
        tokens: lexed.tokens,
        pos: 0,
        stack: Vec::new(),
        out: ParsedFile {
            items: Vec::new(),
            comments: lexed.comments,
            errors: lexed.errors,
        },
        sites: 0,
        break_before: None,
    };
    if body {
        p.stack.push(Frame {
            kind: FrameKind::BracelessSite(Vec::new()),
            open: None,
            start: range.start,
            children: Vec::new(),
        });
    }
    p.run();
    let end = range.end;
    while let Some(frame) = p.stack.pop() {
        if let Some(open) = frame.open {
            p.error(
                SyntaxError::parse(open, "this `{` is never closed")
                    .with_related(Span::empty(end), "the file ends here"),
            );
        }
        p.close_frame(frame, None, end);
    }
    p.out.errors.truncate(MAX_ERRORS);
    p.out.errors.sort_by_key(|e| e.span.start);
    p.out
}

impl<'s> Parser<'s> {
    fn error(&mut self, error: SyntaxError) {
        if self.out.errors.len() < MAX_ERRORS {
            self.out.errors.push(error);
        }
    }

    fn text(&self, t: &Token) -> &'s [u8] {
        &self.src[t.span.range()]
    }

    /// The tokens of the logical line that starts at `self.pos`.
    fn line(&self) -> &[Token] {
        let first = self.tokens[self.pos].line;
        let stop = self.break_before.filter(|&b| b > self.pos);
        let len = self.tokens[self.pos..]
            .iter()
            .enumerate()
            .take_while(|(i, t)| t.line == first && Some(self.pos + i) != stop)
            .count();
        &self.tokens[self.pos..self.pos + len]
    }

    fn run(&mut self) {
        while self.pos < self.tokens.len() {
            if self.stack.is_empty() {
                self.top_level();
            } else {
                self.block_line();
            }
        }
    }

    /// A line at the top of the file: the global block, a snippet, an import or a site.
    fn top_level(&mut self) {
        let line: Vec<Token> = self.line().to_vec();
        let first = line[0];
        if first.is_close(self.src) {
            self.error(SyntaxError::parse(
                first.span,
                "unexpected `}`: no block is open here",
            ));
            self.pos += 1;
            return;
        }
        if first.is_open(self.src) {
            if !self.out.items.is_empty() {
                self.error(SyntaxError::parse(
                    first.span,
                    "a block without an address is the global options block, and it must come \
                     first in the file",
                ));
            }
            self.pos += 1;
            self.open(FrameKind::Global, first.span, first.span.start, &line[1..]);
            return;
        }
        if self.text(&first) == b"import" && first.kind == super::lexer::TokenKind::Bare {
            if line.len() > 1 && line[line.len() - 1].is_open(self.src) {
                self.pos += line.len();
                let words = line[..line.len() - 1].to_vec();
                let open = line[line.len() - 1];
                self.open(
                    FrameKind::TopImport(words),
                    open.span,
                    first.span.start,
                    &[],
                );
                return;
            }
            self.pos += line.len();
            let span = Span::new(first.span.start, line[line.len() - 1].span.end);
            self.out.items.push(Item::Import(Directive {
                words: line,
                block: None,
                span,
            }));
            return;
        }
        let text = self.text(&first);
        if text.starts_with(b"@") {
            self.error(SyntaxError::parse(
                first.span,
                "a request matcher cannot be defined outside a site block",
            ));
        }
        let snippet = (text.starts_with(b"(") || text.starts_with(b"&("))
            && text.ends_with(b")")
            && text.len() > 2;
        // Addresses run to the end of the line, or on while a line ends in a comma.
        let mut addresses = Vec::new();
        let mut brace = None;
        while self.pos < self.tokens.len() {
            let line: Vec<Token> = self.line().to_vec();
            let mut continued = false;
            for (i, t) in line.iter().enumerate() {
                if t.is_open(self.src) {
                    brace = Some(i);
                    break;
                }
                let value = self.text(t);
                if value.ends_with(b"{") && t.kind == super::lexer::TokenKind::Bare {
                    self.error(SyntaxError::parse(
                        t.span,
                        "a site address cannot end with `{`: put a space before the brace",
                    ));
                }
                addresses.push(*t);
                continued = i + 1 == line.len() && value.ends_with(b",");
            }
            match brace {
                Some(i) => {
                    self.pos += i + 1;
                    break;
                }
                None => {
                    self.pos += line.len();
                    if !continued {
                        break;
                    }
                }
            }
        }
        let start = addresses[0].span.start;
        // The `{` ends the address line, or opens the block on the next line.
        let open = match brace {
            Some(_) => Some(self.tokens[self.pos - 1]),
            None => match self.tokens.get(self.pos).copied() {
                Some(next) if next.is_open(self.src) => {
                    self.pos += 1;
                    Some(next)
                }
                _ => None,
            },
        };
        if let Some(open) = open {
            let kind = if snippet && addresses.len() == 1 {
                FrameKind::Snippet(addresses[0])
            } else {
                FrameKind::Site(addresses)
            };
            let rest = self.same_line_rest(open);
            self.open(kind, open.span, start, &rest);
            return;
        }
        if snippet && addresses.len() == 1 {
            self.error(SyntaxError::parse(
                addresses[0].span,
                "a snippet definition needs a `{ … }` block",
            ));
            return;
        }
        if self.sites > 0 {
            self.error(SyntaxError::parse(
                addresses[0].span,
                "a site without `{ … }` must be the only site in its file: add braces",
            ));
        }
        self.sites += 1;
        self.stack.push(Frame {
            kind: FrameKind::BracelessSite(addresses),
            open: None,
            start,
            children: Vec::new(),
        });
    }

    fn same_line_rest(&self, open: Token) -> Vec<Token> {
        if self.pos < self.tokens.len() && self.tokens[self.pos].line == open.line {
            self.line().to_vec()
        } else {
            Vec::new()
        }
    }

    /// Opens a block at the `{` token; `rest` are tokens glued after it on its line.
    fn open(&mut self, kind: FrameKind, open: Span, start: u32, rest: &[Token]) {
        if let Some(t) = rest.first() {
            if !t.is_close(self.src) {
                self.error(SyntaxError::parse(
                    t.span,
                    "unexpected text after `{` on the same line: a block's contents start on \
                     the next line",
                ));
            }
        }
        if self.stack.len() >= MAX_DEPTH {
            self.error(SyntaxError::parse(
                open,
                format!("blocks are nested more than {MAX_DEPTH} deep"),
            ));
            // Skip to the end of the file: nothing deeper can be checked.
            self.pos = self.tokens.len();
            return;
        }
        if matches!(kind, FrameKind::Site(_)) {
            self.sites += 1;
        }
        self.stack.push(Frame {
            kind,
            open: Some(open),
            start,
            children: Vec::new(),
        });
    }

    /// One logical line inside a block.
    fn block_line(&mut self) {
        let line: Vec<Token> = self.line().to_vec();
        let first = line[0];
        if first.is_close(self.src) {
            self.pos += 1;
            let frame = self.stack.pop().expect("a block is open");
            if frame.open.is_none() {
                // A braceless site cannot be closed: this `}` has no `{`.
                self.error(SyntaxError::parse(
                    first.span,
                    "unexpected `}`: no block is open here",
                ));
                self.stack.push(frame);
                return;
            }
            self.close_frame(frame, Some(first.span), first.span.end);
            if line.len() > 1 {
                self.error(SyntaxError::parse(
                    line[1].span,
                    "unexpected text after `}`: put it on its own line",
                ));
                self.pos += line.len() - 1;
            }
            return;
        }
        if first.is_open(self.src) {
            self.error(SyntaxError::parse(
                first.span,
                "unexpected `{` at the start of a line: it belongs at the end of the line \
                 before",
            ));
            self.pos += 1;
            let rest = self.same_line_rest(first);
            self.open(
                FrameKind::Directive(Vec::new()),
                first.span,
                first.span.start,
                &rest,
            );
            return;
        }
        // A directive: words up to a `{` (which opens its block) or a trailing `}` (which
        // closes the enclosing block, as Caddy allows inside nested blocks).
        let mut words = Vec::new();
        for (i, t) in line.iter().enumerate() {
            if t.is_open(self.src) {
                self.pos += i + 1;
                let start = words.first().map_or(t.span.start, |w: &Token| w.span.start);
                let rest = self.same_line_rest(*t);
                self.open(FrameKind::Directive(words), t.span, start, &rest);
                return;
            }
            if t.is_close(self.src) {
                self.pos += i;
                self.push_directive(words);
                let nested = matches!(
                    self.stack.last().map(|f| &f.kind),
                    Some(FrameKind::Directive(_))
                );
                if !nested {
                    self.error(SyntaxError::parse(
                        t.span,
                        "a site block's `}` must be on its own line",
                    ));
                }
                // The `}` is read next as if it started a line.
                self.break_before = Some(self.pos);
                return;
            }
            words.push(*t);
        }
        self.pos += line.len();
        self.push_directive(words);
    }

    fn push_directive(&mut self, words: Vec<Token>) {
        let Some(last) = words.last() else {
            return;
        };
        let span = Span::new(words[0].span.start, last.span.end);
        let frame = self.stack.last_mut().expect("a block is open");
        frame.children.push(Directive {
            words,
            block: None,
            span,
        });
    }

    fn close_frame(&mut self, frame: Frame, close: Option<Span>, end: u32) {
        let block = Block {
            open: frame.open,
            close,
            children: frame.children,
        };
        let span = Span::new(frame.start, end);
        match frame.kind {
            FrameKind::Global => self.out.items.push(Item::Global(block)),
            FrameKind::Snippet(name) => self.out.items.push(Item::Snippet { name, block }),
            FrameKind::Site(addresses) | FrameKind::BracelessSite(addresses) => {
                self.out.items.push(Item::Site { addresses, block })
            }
            FrameKind::TopImport(words) => self.out.items.push(Item::Import(Directive {
                words,
                block: Some(block),
                span,
            })),
            FrameKind::Directive(words) => {
                let directive = Directive {
                    words,
                    block: Some(block),
                    span,
                };
                match self.stack.last_mut() {
                    Some(parent) if !directive.words.is_empty() => parent.children.push(directive),
                    // A block opened on a line of its own belongs to the directive before it.
                    Some(parent) => {
                        if let Some(prev) = parent.children.last_mut() {
                            if prev.block.is_none() {
                                prev.block = directive.block;
                                prev.span = Span::new(prev.span.start, span.end);
                            }
                        }
                    }
                    None => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(src: &str) -> ParsedFile {
        parse(src.as_bytes())
    }

    fn words(src: &str, d: &Directive) -> Vec<String> {
        d.words.iter().map(|t| t.value(src.as_bytes())).collect()
    }

    #[test]
    fn sites_snippets_and_global_options() {
        let src = "{\n\tservers {\n\t\tprotocols h1 h2\n\t}\n}\n(common) {\n\tencode gzip\n}\n\
                   a.example.com, b.example.com {\n\timport common\n\treverse_proxy /api/* 10.0.0.5:8080 {\n\t\ttransport http {\n\t\t\tversions 1.1\n\t\t}\n\t}\n}\n";
        let parsed = parse_str(src);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.items.len(), 3);
        let Item::Site { addresses, block } = &parsed.items[2] else {
            panic!("not a site");
        };
        assert_eq!(addresses.len(), 2);
        assert_eq!(words(src, &block.children[0]), ["import", "common"]);
        let proxy = &block.children[1];
        assert_eq!(
            words(src, proxy),
            ["reverse_proxy", "/api/*", "10.0.0.5:8080"]
        );
        assert_eq!(
            words(src, &proxy.children()[0].children()[0]),
            ["versions", "1.1"]
        );
    }

    #[test]
    fn braceless_site_runs_to_the_end() {
        let src = "localhost\n\nrespond \"hi\"\nfile_server\n";
        let parsed = parse_str(src);
        assert!(parsed.errors.is_empty());
        let Item::Site { block, .. } = &parsed.items[0] else {
            panic!()
        };
        assert_eq!(block.children.len(), 2);
    }

    #[test]
    fn addresses_continue_after_a_comma() {
        let src = "a.example.com,\n  b.example.com {\n}\n";
        let parsed = parse_str(src);
        assert!(parsed.errors.is_empty());
        let Item::Site { addresses, .. } = &parsed.items[0] else {
            panic!()
        };
        assert_eq!(addresses.len(), 2);
    }

    #[test]
    fn trailing_close_inside_nested_blocks() {
        let src = "a {\n\thandle {\n\t\trespond ok }\n}\n";
        let parsed = parse_str(src);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let src = "a {\n\trespond ok }\n";
        assert_eq!(parse_str(src).errors.len(), 1);
    }

    #[test]
    fn errors_point_at_the_token() {
        let parsed = parse_str("a {\n\thandle { respond ok\n\t}\n}\n");
        assert_eq!(parsed.errors[0].span, Span::new(14, 21));
        let parsed = parse_str("a {\n\thandle {\n");
        assert_eq!(parsed.errors.len(), 2);
        let parsed = parse_str("a {\n}\n}\n");
        assert_eq!(parsed.errors[0].span, Span::new(6, 7));
        let parsed = parse_str("a {\n\thandle\n\t{\n\t}\n}\n");
        assert_eq!(parsed.errors.len(), 1);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut src = String::from("a {\n");
        for _ in 0..100_000 {
            src.push_str("b {\n");
        }
        let parsed = parse_str(&src);
        assert!(parsed.errors.iter().any(|e| e.message.contains("nested")));
    }
}
