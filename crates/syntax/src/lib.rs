//! Lossless parsers for reverse-proxy configuration dialects.
//!
//! Every parser here returns a tree *and* the errors it met: a syntax error never loses the
//! rest of a file. Every node keeps its byte [`Span`] in its [`SourceFile`]; lines and columns
//! are computed only when a diagnostic is rendered ([`LineIndex`]).

pub mod caddy;
pub mod nginx;
mod source;
mod span;

pub use source::{FileId, LineCol, LineIndex, SourceFile, SourceMap};
pub use span::Span;

/// A syntax-level problem found while reading a file: the parse error itself, an include that
/// names nothing, an include loop, and so on. The rules layer turns these into diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub kind: SyntaxErrorKind,
    pub span: Span,
    pub message: String,
    /// Further places that explain the error (the block that is never closed, say).
    pub related: Vec<(Span, String)>,
}

/// What sort of problem a [`SyntaxError`] is; each kind maps to one rule code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyntaxErrorKind {
    /// The text is not valid for its server (PL001).
    Parse,
    /// An unquoted `{` or `}` inside an argument that the server would split as a block (PL006).
    UnquotedBrace,
}

impl SyntaxError {
    pub fn parse(span: Span, message: impl Into<String>) -> Self {
        SyntaxError {
            kind: SyntaxErrorKind::Parse,
            span,
            message: message.into(),
            related: Vec::new(),
        }
    }

    /// Adds a place that explains the error.
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push((span, message.into()));
        self
    }
}
