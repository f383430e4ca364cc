//! The Caddyfile dialect: tokenizer, parser and the `import` loader.

mod lexer;
mod loader;
mod parser;
mod tree;

pub use lexer::{Token, TokenKind};
pub use loader::{Caddy, CaddyFile, Entry, Expanded, Node, Problem, ProblemKind, Site, Word};
pub use parser::{parse, parse_body, parse_range, MAX_DEPTH};
pub use tree::{Block, Directive, Item, ParsedFile};
