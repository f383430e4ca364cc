//! The nginx dialect: tokenizer, parser, directive table and include loader.

pub mod directives;
mod lexer;
mod loader;
mod parser;
mod tree;

pub use loader::{
    absolute, flatten, in_checked_tree, map_prefix, normalize, read_regular_file, Entry,
    FileSystem, IncludeTarget, LoadOptions, Node, RealFileSystem, Unit, UnitId, Workspace,
    MAX_FILE_SIZE,
};
pub use parser::{parse, parse_range, MAX_DEPTH};
pub use tree::{Block, Comment, Directive, ParsedFile, Quote, Word};
