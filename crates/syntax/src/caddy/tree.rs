//! The concrete syntax tree of one Caddyfile: the global options block, snippets, site
//! blocks, and inside them directives with their words and nested blocks.

use super::lexer::Token;
use crate::{Span, SyntaxError};

/// One directive line: its words (the name first, matchers and arguments after) and the
/// block it opens, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub words: Vec<Token>,
    pub block: Option<Block>,
    /// From the first word to the end of the line or the block's `}`.
    pub span: Span,
}

impl Directive {
    pub fn name(&self) -> &Token {
        &self.words[0]
    }

    pub fn children(&self) -> &[Directive] {
        self.block.as_ref().map_or(&[], |b| &b.children)
    }
}

/// `{ … }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// `None` for a site written without braces (the only site of a file).
    pub open: Option<Span>,
    /// `None` when the file ended first.
    pub close: Option<Span>,
    pub children: Vec<Directive>,
}

/// What a Caddyfile holds at its top level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// The global options block: braces with no address before them, first in the file.
    Global(Block),
    /// `(name) { … }`: tokens other places import.
    Snippet { name: Token, block: Block },
    /// `import …` between site blocks.
    Import(Directive),
    /// A site block: its addresses and directives.
    Site { addresses: Vec<Token>, block: Block },
}

/// What the parser made of one file: its items, comments and errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedFile {
    pub items: Vec<Item>,
    pub comments: Vec<Span>,
    pub errors: Vec<SyntaxError>,
}

impl ParsedFile {
    /// Every directive of the file (inside sites, snippets and the global block), in source
    /// order, with the top-level imports.
    pub fn directives(&self) -> Vec<&Directive> {
        let mut out = Vec::new();
        fn visit<'a>(list: &'a [Directive], out: &mut Vec<&'a Directive>) {
            for d in list {
                out.push(d);
                visit(d.children(), out);
            }
        }
        for item in &self.items {
            match item {
                Item::Global(block) | Item::Snippet { block, .. } | Item::Site { block, .. } => {
                    visit(&block.children, &mut out)
                }
                Item::Import(d) => out.push(d),
            }
        }
        out
    }
}
