//! The concrete syntax tree of one nginx file: directives, their arguments and blocks.

use std::borrow::Cow;

use crate::{Span, SyntaxError};

/// How an argument was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    None,
    Single,
    Double,
}

/// One token of a directive: its name or an argument. The span covers the quotes, if any;
/// the text is never copied out of the source until someone asks for its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    pub span: Span,
    pub quote: Quote,
}

impl Word {
    /// The span of the text without its quotes.
    pub fn inner(&self) -> Span {
        match self.quote {
            Quote::None => self.span,
            // A string cut short by an error may be a lone quote: never a reversed span.
            _ => {
                let start = (self.span.start + 1).min(self.span.end);
                let end = self.span.end.saturating_sub(1).max(start);
                Span::new(start, end)
            }
        }
    }

    /// The raw bytes between the quotes, escapes not yet applied.
    pub fn raw<'a>(&self, src: &'a [u8]) -> &'a [u8] {
        &src[self.inner().range()]
    }

    /// The value nginx sees: quotes removed and `\"`, `\'`, `\\`, `\t`, `\r`, `\n` unescaped,
    /// as nginx does for every token. Invalid UTF-8 is replaced.
    pub fn value<'a>(&self, src: &'a [u8]) -> Cow<'a, str> {
        let raw = self.raw(src);
        if !raw.contains(&b'\\') {
            return String::from_utf8_lossy(raw);
        }
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'\\' && i + 1 < raw.len() {
                let replacement = match raw[i + 1] {
                    b'"' | b'\'' | b'\\' => Some(raw[i + 1]),
                    b't' => Some(b'\t'),
                    b'r' => Some(b'\r'),
                    b'n' => Some(b'\n'),
                    _ => None,
                };
                if let Some(byte) = replacement {
                    out.push(byte);
                    i += 2;
                    continue;
                }
            }
            out.push(raw[i]);
            i += 1;
        }
        Cow::Owned(String::from_utf8_lossy(&out).into_owned())
    }

    /// True when the value is exactly `text` (no allocation in the common case).
    pub fn is(&self, src: &[u8], text: &str) -> bool {
        let raw = self.raw(src);
        if raw.contains(&b'\\') {
            self.value(src) == text
        } else {
            raw == text.as_bytes()
        }
    }
}

/// One directive: `name arg… ;` or `name arg… { … }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: Word,
    pub args: Vec<Word>,
    pub block: Option<Block>,
    /// From the first byte of the name to the `;` or the closing `}` (or as far as the
    /// parser got, for a directive cut short by an error).
    pub span: Span,
}

impl Directive {
    pub fn name<'a>(&self, src: &'a [u8]) -> Cow<'a, str> {
        self.name.value(src)
    }

    pub fn is(&self, src: &[u8], name: &str) -> bool {
        self.name.is(src, name)
    }

    pub fn children(&self) -> &[Directive] {
        self.block.as_ref().map_or(&[], |b| &b.children)
    }
}

/// The `{ … }` part of a block directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub open: Span,
    /// `None` when the file ended before the block was closed.
    pub close: Option<Span>,
    pub children: Vec<Directive>,
    /// For blocks whose body is another language (`*_by_lua_block`): the body, unparsed.
    pub raw: Option<Span>,
}

/// A `#` comment, from the `#` to the end of its line (line end excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
}

/// What the parser made of one file (or one part of an `nginx -T` dump): every directive it
/// could read, every comment, and every error, in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedFile {
    pub directives: Vec<Directive>,
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
}
