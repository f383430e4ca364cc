//! Builds the [`ParsedFile`] tree from tokens, iteratively, recovering from errors.
//!
//! nginx stops at its first error; this parser reports it and goes on, so one missing `;`
//! does not hide the rest of the file. Recovery follows what the author most likely meant:
//! - a directive whose arguments run onto a new line that starts with a known directive name,
//!   at no deeper indentation, was meant to end on the previous line (a missing `;`);
//! - at the end of the file, an unclosed block is blamed on the first `}` whose indentation
//!   says it was meant for an outer block, because that is where a `}` went missing.

use super::directives::{self, Body};
use super::lexer::{Lexer, Token, TokenKind};
use super::tree::{Block, Comment, Directive, ParsedFile, Quote, Word};
use crate::{Span, SyntaxError, SyntaxErrorKind};

/// How deep blocks may nest. nginx has no limit of its own but recurses per level; real
/// configurations stay below ten, and the cap keeps every later tree walk off the stack's edge.
pub const MAX_DEPTH: usize = 200;

/// How many syntax errors one file reports at most.
pub const MAX_ERRORS: usize = 50;

/// Parses a whole file.
pub fn parse(src: &[u8]) -> ParsedFile {
    parse_range(src, 0, src.len())
}

/// Parses `src[start..end]` (one file of an `nginx -T` dump); spans stay offsets into `src`.
pub fn parse_range(src: &[u8], start: usize, end: usize) -> ParsedFile {
    let bom = bom_len(&src[start..end]);
    if let Some(err) = not_text(src, start, end) {
        return ParsedFile {
            errors: vec![err],
            ..ParsedFile::default()
        };
    }
    let mut parser = Parser::new(src, start + bom, end);
    if bom > 0 {
        // nginx does not skip a byte order mark: it becomes part of the first directive's
        // name ("unknown directive"). Say so, and read the rest as the author meant it.
        parser.errors.push(SyntaxError::parse(
            Span::from_range(start..start + bom),
            "the file starts with a UTF-8 byte order mark, which nginx reads as part of the \
             first directive's name; save the file without it",
        ));
    }
    parser.run();
    parser.finish()
}

fn bom_len(src: &[u8]) -> usize {
    if src.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    }
}

/// Binary and UTF-16 files are not configuration nginx can read.
fn not_text(src: &[u8], start: usize, end: usize) -> Option<SyntaxError> {
    let text = &src[start..end];
    if text.starts_with(b"\xFF\xFE") || text.starts_with(b"\xFE\xFF") {
        return Some(SyntaxError::parse(
            Span::from_range(start..start + 2),
            "the file is UTF-16 (it starts with a UTF-16 byte order mark); nginx reads \
             configuration as bytes and needs UTF-8 or ASCII",
        ));
    }
    // The whole file, not a prefix: whether a file is text must not depend on where its
    // NUL byte falls (a CRLF copy of a file moves it further in).
    let nul = text.iter().position(|&c| c == 0)?;
    let at = start + nul;
    Some(SyntaxError::parse(
        Span::from_range(at..at + 1),
        "the file holds a NUL byte: it looks binary, not like an nginx configuration",
    ))
}

/// A block being read: the directive that opened it and the children read so far.
struct Frame {
    name: Word,
    args: Vec<Word>,
    open: Span,
    children: Vec<Directive>,
    /// The block's rows are a table (`map`, `types`), not directives.
    table: bool,
    /// A `{` that had no directive before it: its children are kept in the parent.
    orphan: bool,
}

/// A `}` whose indentation is shallower than the line that opened its block: the likely
/// place of a missing `}` if the file turns out to be unbalanced.
struct Misindented {
    opener: Span,
    opener_name: Span,
    close: Span,
}

struct Parser<'a> {
    src: &'a [u8],
    lexer: Lexer<'a>,
    root: Vec<Directive>,
    stack: Vec<Frame>,
    pending: Vec<Word>,
    comments: Vec<Comment>,
    errors: Vec<SyntaxError>,
    misindented: Vec<Misindented>,
    /// Depth of blocks skipped because they nest deeper than [`MAX_DEPTH`].
    skipping: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a [u8], start: usize, end: usize) -> Self {
        Parser {
            src,
            lexer: Lexer::new(src, start, end),
            root: Vec::new(),
            stack: Vec::new(),
            pending: Vec::new(),
            comments: Vec::new(),
            errors: Vec::new(),
            misindented: Vec::new(),
            skipping: 0,
        }
    }

    fn run(&mut self) {
        let mut pending_tokens: Vec<Token> = Vec::new();
        while let Some(token) = self.lexer.next_token() {
            if self.skipping > 0 {
                self.skip(token);
                continue;
            }
            match token.kind {
                TokenKind::Comment => self.comments.push(Comment { span: token.span }),
                TokenKind::Word(quote) => {
                    self.pending.push(Word {
                        span: token.span,
                        quote,
                    });
                    pending_tokens.push(token);
                }
                TokenKind::Semicolon => {
                    self.end_statement(&pending_tokens, token.span, None);
                    pending_tokens.clear();
                }
                TokenKind::Open => {
                    if token.glued && self.glued_brace_is_quantifier(&token) {
                        continue;
                    }
                    self.end_statement(&pending_tokens, token.span, Some(token));
                    pending_tokens.clear();
                }
                TokenKind::Close => {
                    if !self.pending.is_empty() {
                        self.missing_semicolon_before_close(&pending_tokens, token.span);
                        pending_tokens.clear();
                    }
                    self.close_block(token);
                }
            }
        }
        if !self.pending.is_empty() {
            let last = self.pending.last().expect("pending is not empty").span;
            self.errors.push(SyntaxError::parse(
                Span::empty(last.end),
                format!(
                    "unexpected end of file: `{}` is not terminated by `;`",
                    self.text(self.pending[0].span)
                ),
            ));
            let words = std::mem::take(&mut self.pending);
            self.push_simple(words, last.end);
        }
        self.unclosed_blocks_at_eof();
    }

    fn text(&self, span: Span) -> String {
        String::from_utf8_lossy(&self.src[span.range()]).into_owned()
    }

    fn depth(&self) -> usize {
        self.stack.len()
    }

    fn in_table(&self) -> bool {
        self.stack.last().is_some_and(|f| f.table)
    }

    /// Inside a table whose rows are exactly `key value`.
    fn in_pair_table(&self) -> bool {
        self.stack.last().is_some_and(|f| {
            f.table
                && ["map", "geo", "split_clients"]
                    .iter()
                    .any(|n| f.name.is(self.src, n))
        })
    }

    fn skip(&mut self, token: Token) {
        match token.kind {
            TokenKind::Open => self.skipping += 1,
            TokenKind::Close => self.skipping -= 1,
            _ => {}
        }
    }

    /// `location ~ ^/v[0-9]{1,3}/ {`: nginx ends the word at the first `{` and opens a block
    /// there. When that `{` sits inside a run of text and looks like a regex quantifier, it is
    /// reported (PL006) and the text is kept as one argument, so the rest parses as meant.
    fn glued_brace_is_quantifier(&mut self, open: &Token) -> bool {
        let at = open.span.end as usize;
        let end = self.lexer.end();
        let rest = &self.src[at..end];
        // A quantifier is short (`{2}`, `{1,3}`): look a few bytes ahead, never to the end of
        // the file, which would make every glued `{` cost the rest of the file.
        let near = &rest[..rest.len().min(24)];
        let Some(close) = near.iter().position(|&c| c == b'}') else {
            return false;
        };
        let inside = &rest[..close];
        let quantifier = !inside.is_empty()
            && inside.iter().all(|&c| c.is_ascii_digit() || c == b',')
            && inside.iter().any(u8::is_ascii_digit);
        if !quantifier || self.pending.is_empty() {
            return false;
        }
        // Extend the last word over `{n,m}` and whatever is glued after it.
        let after = at + close + 1;
        let tail = self.src[after..end]
            .iter()
            .position(|&c| super::lexer::is_space(c) || c == b';' || c == b'{')
            .unwrap_or(end - after);
        let word_end = after + tail;
        self.errors.push(SyntaxError {
            kind: SyntaxErrorKind::UnquotedBrace,
            span: Span::from_range(open.span.start as usize..after),
            message: format!(
                "unquoted `{}` in an argument: nginx ends the argument at `{{` and opens a block \
                 there; quote the whole argument",
                String::from_utf8_lossy(&self.src[open.span.start as usize..after])
            ),
            related: Vec::new(),
        });
        let last = self.pending.last_mut().expect("checked above");
        last.span.end = word_end as u32;
        self.lexer.seek(word_end);
        true
    }

    /// Ends the statement in `pending` at a `;` (`open` is `None`) or a `{`.
    fn end_statement(&mut self, tokens: &[Token], end: Span, open: Option<Token>) {
        if self.pending.is_empty() {
            let what = if open.is_some() { "{" } else { ";" };
            self.errors.push(SyntaxError::parse(
                end,
                format!("unexpected `{what}`: there is no directive name before it"),
            ));
            if open.is_some() {
                self.push_frame_orphan(end);
            }
            return;
        }
        let mut words = std::mem::take(&mut self.pending);
        // Split off directives that were meant to end before a new line.
        let mut tokens = tokens;
        while let Some(split) = self.split_point(&words, tokens, open.is_some()) {
            let rest = words.split_off(split);
            tokens = &tokens[split..];
            let last = words.last().expect("split point is after the name").span;
            self.report_missing_semicolon(&words, last);
            self.push_simple(words, last.end);
            words = rest;
        }
        match open {
            None => {
                self.check_wants_block(&words, end);
                self.push_simple(words, end.end);
            }
            Some(open) => self.open_block(words, open),
        }
    }

    /// The index of the first word that starts a new line, is a known directive name, and is
    /// indented no deeper than the statement's own name.
    ///
    /// In `map`, `geo` and `split_clients`, whose rows are `key value;`, a third word that
    /// starts a new line means the row above lost its `;`.
    fn split_point(&self, words: &[Word], tokens: &[Token], opens_block: bool) -> Option<usize> {
        if words.len() < 2 || tokens.len() != words.len() {
            return None;
        }
        if self.in_table() {
            return (self.in_pair_table() && words.len() > 2 && tokens[2].first_on_line)
                .then_some(2);
        }
        let name = words[0].value(self.src);
        // Computed only when a candidate shows up: the name may sit on a very long line.
        let name_indent = std::cell::OnceCell::new();
        let name_indent =
            || *name_indent.get_or_init(|| indent_of(self.src, words[0].span.start as usize));
        let takes_block = |n: &str| directives::lookup(n).is_some_and(|d| d.body != Body::None);
        (1..words.len()).find(|&i| {
            let t = &tokens[i];
            if !t.first_on_line || words[i].quote != Quote::None {
                return false;
            }
            let candidate = words[i].value(self.src);
            if directives::lookup(&candidate).is_none() {
                return false;
            }
            // Continuation lines are indented deeper; a directive name at the same depth or
            // shallower starts a new statement. So does the same directive repeated (`listen`
            // after `listen`), and a block directive after a simple one when a `{` follows.
            let indent = indent_of(self.src, t.span.start as usize);
            indent <= name_indent().max(self.child_indent())
                || candidate == name
                || (opens_block && takes_block(&candidate) && !takes_block(&name))
                || self.separated(words[i - 1].span.end as usize, t.span.start as usize)
        })
    }

    /// The indentation of the first directive of the open block (0 at the top): where
    /// this block's statements start, whatever the author's style.
    fn child_indent(&self) -> usize {
        let first = match self.stack.last() {
            Some(frame) => frame.children.first().map(|d| d.name.span.start),
            None => self.root.first().map(|d| d.name.span.start),
        };
        first.map_or(0, |at| indent_of(self.src, at as usize))
    }

    /// A blank line or a comment line lies between two words: arguments do not continue
    /// across those.
    fn separated(&self, from: usize, to: usize) -> bool {
        let between = &self.src[from..to];
        let lines: Vec<&[u8]> = between.split(|&c| c == b'\n').collect();
        lines.len() > 2
            && lines[1..lines.len() - 1].iter().any(|line| {
                let text = line.trim_ascii();
                text.is_empty() || text.starts_with(b"#")
            })
    }

    fn report_missing_semicolon(&mut self, words: &[Word], last: Span) {
        self.errors.push(SyntaxError::parse(
            Span::empty(last.end),
            format!(
                "missing `;` after `{}`",
                self.text(Span::new(words[0].span.start, last.end))
            ),
        ));
    }

    fn missing_semicolon_before_close(&mut self, tokens: &[Token], close: Span) {
        let mut words = std::mem::take(&mut self.pending);
        let mut tokens = tokens;
        while let Some(split) = self.split_point(&words, tokens, false) {
            let rest = words.split_off(split);
            tokens = &tokens[split..];
            let last = words.last().expect("split point is after the name").span;
            self.report_missing_semicolon(&words, last);
            self.push_simple(words, last.end);
            words = rest;
        }
        let last = words.last().expect("pending is not empty").span;
        self.report_missing_semicolon(&words, last);
        let _ = close;
        self.push_simple(words, last.end);
    }

    /// `server;` or `location /;`: a block directive used without a block.
    fn check_wants_block(&mut self, words: &[Word], end: Span) {
        // At the top of a file the context is unknown: it may be a fragment that an
        // `upstream` block includes, where `server` takes no block.
        if self.in_table() || self.stack.is_empty() {
            return;
        }
        let name = words[0].value(self.src).into_owned();
        let parent = self.stack.last().map(|f| self.text(f.name.span));
        let Some(spec) = directives::lookup(&name) else {
            return;
        };
        let in_upstream = parent.as_deref() == Some("upstream");
        if spec.body == Body::Directives && !(name == "server" && in_upstream) && name != "match" {
            self.errors.push(SyntaxError::parse(
                end,
                format!("`{name}` needs a block: `{name} … {{ … }}`, not `;`"),
            ));
        }
    }

    fn push_simple(&mut self, mut words: Vec<Word>, end: u32) {
        let name = words.remove(0);
        let directive = Directive {
            span: Span::new(name.span.start, end),
            name,
            args: words,
            block: None,
        };
        self.push(directive);
    }

    fn push(&mut self, directive: Directive) {
        match self.stack.last_mut() {
            Some(frame) => frame.children.push(directive),
            None => self.root.push(directive),
        }
    }

    fn open_block(&mut self, mut words: Vec<Word>, open: Token) {
        let opens_directives = directives::lookup(&words[0].value(self.src))
            .is_some_and(|d| d.body == Body::Directives);
        if opens_directives && self.stack.last().is_some_and(|f| f.table && !f.orphan) {
            // `server {` inside `map { … }`: the table lost its `}`. Close it here, once,
            // and read the rest of the file as written.
            let table = self.stack.pop().expect("checked above");
            let name = table.name.value(self.src).into_owned();
            let next = words[0].value(self.src).into_owned();
            self.errors.push(SyntaxError::parse(
                table.open,
                format!("this `{name}` block is never closed with `}}`: `{next}` below cannot be inside it"),
            ));
            let end = table.children.last().map_or(table.open.end, |c| c.span.end);
            self.push(Directive {
                span: Span::new(table.name.span.start, end),
                name: table.name,
                args: table.args,
                block: Some(Block {
                    open: table.open,
                    close: None,
                    children: table.children,
                    raw: None,
                }),
            });
            return self.open_block(words, open);
        }
        if self.in_table() {
            // The rows of `map`, `types` and the like are `key value;`: nginx refuses a
            // block among them. (The nearest named block: a stray `{` opens a nameless one.)
            let table_name = self
                .stack
                .iter()
                .rev()
                .find(|f| !f.orphan)
                .map(|f| f.name.value(self.src).into_owned())
                .unwrap_or_default();
            self.errors.push(SyntaxError::parse(
                open.span,
                format!("unexpected `{{` in a `{table_name}` block: its rows are `key value;`"),
            ));
            self.push_frame_orphan(open.span);
            let _ = words;
            return;
        }
        let name_text = words[0].value(self.src).into_owned();
        let spec = directives::lookup(&name_text);
        if !self.in_table() {
            if let Some(spec) = spec.filter(|s| s.body == Body::None) {
                self.errors.push(SyntaxError::parse(
                    open.span,
                    format!(
                        "`{}` does not take a block: it is not terminated by `;`",
                        spec.name
                    ),
                ));
            }
        }
        if name_text.ends_with("_by_lua_block") || spec.is_some_and(|s| s.body == Body::Raw) {
            self.raw_block(words, open);
            return;
        }
        if self.depth() >= MAX_DEPTH {
            self.errors.push(SyntaxError::parse(
                open.span,
                format!("blocks nest deeper than {MAX_DEPTH} levels; the rest of this block is not read"),
            ));
            self.skipping = 1;
            return;
        }
        let name = words.remove(0);
        let table = spec.is_some_and(|s| s.body == Body::Table) || self.in_table();
        self.stack.push(Frame {
            name,
            args: words,
            open: open.span,
            children: Vec::new(),
            table,
            orphan: false,
        });
    }

    fn push_frame_orphan(&mut self, open: Span) {
        if self.depth() >= MAX_DEPTH {
            self.errors.push(SyntaxError::parse(
                open,
                format!("blocks nest deeper than {MAX_DEPTH} levels; the rest of this block is not read"),
            ));
            self.skipping = 1;
            return;
        }
        self.stack.push(Frame {
            name: Word {
                span: Span::empty(open.start),
                quote: Quote::None,
            },
            args: Vec::new(),
            open,
            children: Vec::new(),
            table: self.in_table(),
            orphan: true,
        });
    }

    /// A `*_by_lua_block { … }`: the body is Lua, read with Lua's strings and comments so
    /// that braces inside them do not count.
    fn raw_block(&mut self, mut words: Vec<Word>, open: Token) {
        let body_start = open.span.end as usize;
        let end = self.lexer.end();
        let name = words.remove(0);
        let (close, body_end) = match lua_block_end(&self.src[body_start..end]) {
            Some(len) => {
                let close = body_start + len;
                (Some(Span::from_range(close..close + 1)), close)
            }
            None => {
                self.errors.push(SyntaxError::parse(
                    open.span,
                    "unexpected end of file: this Lua block is never closed with `}`",
                ));
                (None, end)
            }
        };
        let block_end = close.map_or(end, |c| c.end as usize);
        self.lexer.seek(block_end);
        self.push(Directive {
            span: Span::new(name.span.start, block_end as u32),
            name,
            args: words,
            block: Some(Block {
                open: open.span,
                close,
                children: Vec::new(),
                raw: Some(Span::from_range(body_start..body_end)),
            }),
        });
    }

    fn close_block(&mut self, close: Token) {
        let Some(frame) = self.stack.pop() else {
            self.errors.push(SyntaxError::parse(
                close.span,
                "unexpected `}`: no block is open here",
            ));
            return;
        };
        if frame.orphan {
            for child in frame.children {
                self.push(child);
            }
            return;
        }
        if close.first_on_line {
            let opener_indent = indent_of(self.src, frame.name.span.start as usize);
            let close_indent = indent_of(self.src, close.span.start as usize);
            if close_indent < opener_indent {
                self.misindented.push(Misindented {
                    opener: frame.open,
                    opener_name: frame.name.span,
                    close: close.span,
                });
            }
        }
        self.push(Directive {
            span: Span::new(frame.name.span.start, close.span.end),
            name: frame.name,
            args: frame.args,
            block: Some(Block {
                open: frame.open,
                close: Some(close.span),
                children: frame.children,
                raw: None,
            }),
        });
    }

    fn unclosed_blocks_at_eof(&mut self) {
        let Some(outermost) = self.stack.first() else {
            return;
        };
        let eof = self.lexer.end() as u32;
        let outer_open = outermost.open;
        let culprit = self
            .misindented
            .iter()
            .find(|m| m.opener.start > outer_open.start)
            .map(|m| (m.opener, m.opener_name, Some(m.close)));
        let culprit = culprit.or_else(|| {
            let within = self.stack.iter().flat_map(|f| f.children.iter());
            self.foreign_nested_location(within)
                .map(|d| (d.block.as_ref().expect("a block").open, d.name.span, None))
        });
        let (open, name, close) = culprit.unwrap_or((outer_open, outermost.name.span, None));
        let name_text = self.text(name);
        let mut error = SyntaxError::parse(
            open,
            format!("unexpected end of file: this `{name_text}` block is never closed with `}}`"),
        );
        if let Some(close) = close {
            error.related.push((
                close,
                format!(
                    "by its indentation this `}}` was meant for an outer block, but it closes \
                     this `{name_text}`"
                ),
            ));
        }
        error
            .related
            .push((Span::empty(eof), "the file ends here".to_string()));
        self.errors.push(error);
        while let Some(frame) = self.stack.pop() {
            let end = frame.children.last().map_or(frame.open.end, |c| c.span.end);
            if frame.orphan {
                for child in frame.children {
                    self.push(child);
                }
                continue;
            }
            self.push(Directive {
                span: Span::new(frame.name.span.start, end),
                name: frame.name,
                args: frame.args,
                block: Some(Block {
                    open: frame.open,
                    close: None,
                    children: frame.children,
                    raw: None,
                }),
            });
        }
    }

    /// A prefix `location` holding a prefix `location` that does not start with its path:
    /// nginx refuses that nesting, so the outer one most likely lost its `}`.
    fn foreign_nested_location<'d>(
        &self,
        directives: impl Iterator<Item = &'d Directive>,
    ) -> Option<&'d Directive> {
        let prefix = |d: &Directive| match d.args.as_slice() {
            [path] if d.is(self.src, "location") => {
                let p = path.value(self.src).into_owned();
                (!p.starts_with(['=', '~', '@', '^'])).then_some(p)
            }
            _ => None,
        };
        for d in directives {
            if let Some(outer) = prefix(d) {
                if d.children()
                    .iter()
                    .filter_map(prefix)
                    .any(|inner| !inner.starts_with(&outer))
                {
                    return Some(d);
                }
            }
            if let Some(found) = self.foreign_nested_location(d.children().iter()) {
                return Some(found);
            }
        }
        None
    }

    fn finish(mut self) -> ParsedFile {
        let mut errors = std::mem::take(&mut self.lexer.errors);
        errors.append(&mut self.errors);
        errors.sort_by_key(|e| (e.span.start, e.span.end));
        if errors.len() > MAX_ERRORS {
            // nginx stops at the first error; past a few dozen, more are noise that costs
            // time to render. Say how many were left out, where the first of them is.
            let left_out = errors.len() - MAX_ERRORS;
            let at = errors[MAX_ERRORS].span;
            errors.truncate(MAX_ERRORS);
            errors.push(SyntaxError::parse(
                at,
                format!("{left_out} more syntax errors in this file are not shown; fix the ones above first"),
            ));
        }
        ParsedFile {
            directives: self.root,
            comments: self.comments,
            errors,
        }
    }
}

/// Width of the white space that starts the line holding `offset`.
fn indent_of(src: &[u8], offset: usize) -> usize {
    let line_start = src[..offset]
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map_or(0, |i| i + 1);
    src[line_start..]
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .map(|&c| if c == b'\t' { 8 } else { 1 })
        .sum()
}

/// Finds the `}` that ends a Lua block body, skipping Lua strings and comments. Returns its
/// offset in `body`.
fn lua_block_end(body: &[u8]) -> Option<usize> {
    let mut depth = 1usize;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            b'-' if body.get(i + 1) == Some(&b'-') => {
                i += 2;
                if let Some(len) = long_bracket(&body[i..]) {
                    i += len;
                } else {
                    while i < body.len() && body[i] != b'\n' {
                        i += 1;
                    }
                }
                continue;
            }
            b'[' => {
                if let Some(len) = long_bracket(&body[i..]) {
                    i += len;
                    continue;
                }
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < body.len() && body[i] != q && body[i] != b'\n' {
                    i += if body[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Length of a Lua long bracket `[[ … ]]` or `[==[ … ]==]` at the start of `s`, if any.
fn long_bracket(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'[') {
        return None;
    }
    let level = s[1..].iter().take_while(|&&c| c == b'=').count();
    if s.get(1 + level) != Some(&b'[') {
        return None;
    }
    let mut closing = vec![b']'];
    closing.extend(std::iter::repeat_n(b'=', level));
    closing.push(b']');
    let body = &s[2 + level..];
    body.windows(closing.len())
        .position(|w| w == closing.as_slice())
        .map(|p| 2 + level + p + closing.len())
        .or(Some(s.len()))
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn errors(text: &str) -> Vec<String> {
        parse(text.as_bytes())
            .errors
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    /// Regression: a block among the rows of a `map` was accepted; nginx refuses it.
    #[test]
    fn a_block_inside_a_map_is_an_error() {
        let found = errors("http { map $uri $m { default 0; /a { } } }");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("`map` block"));
    }

    /// A `map` that lost its `}` is reported once, at the map, not at every block after it.
    #[test]
    fn a_map_without_its_closing_brace_is_one_error() {
        let found = errors("http {\n    map $a $b {\n        default 0;\n    server {\n        listen 80;\n    }\n}\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("never closed"), "{found:?}");
    }

    #[test]
    fn missing_semicolon_before_a_directive_on_the_next_line() {
        let parsed = parse(b"server {\n    listen 80\n    server_name a;\n}\n");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].span.start, 22);
        assert_eq!(parsed.directives[0].children().len(), 2);
    }
}
