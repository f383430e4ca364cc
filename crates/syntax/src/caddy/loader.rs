//! Caddy's `import`: snippets and files, resolved as Caddy does, and expanded into one tree
//! per entry point in which every word keeps the file and span it was written at.
//!
//! `import NAME args…` names a snippet when one of that name is defined, else a file path
//! or glob relative to the importing file's directory. A glob that matches nothing imports
//! nothing; a literal path that names nothing is an error. A snippet's `{args[0]}`,
//! `{args.0}` and `{args[i:j]}` are replaced by the import's arguments. Files imported
//! inside a block are read as that block's contents.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::lexer::{Token, TokenKind};
use super::parser::{parse, parse_body};
use super::tree::{Block, Directive, Item, ParsedFile};
use crate::nginx::{in_checked_tree, map_prefix, normalize, FileSystem, LoadOptions};
use crate::{FileId, SourceFile, SourceMap, Span, SyntaxError};

/// Imports nested deeper than this are cut (a chain of distinct files can be long, but not
/// without end).
const MAX_IMPORT_DEPTH: usize = 64;

/// One Caddyfile read in this run.
#[derive(Debug)]
pub struct CaddyFile {
    pub file: FileId,
    pub path: PathBuf,
    pub parsed: ParsedFile,
    /// The file read as a block's contents, for files imported inside a block.
    pub body: Option<ParsedFile>,
}

/// What an `import` of a path reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Files(Vec<usize>),
    Missing(PathBuf),
    Outside(PathBuf),
    Unreadable(PathBuf, String),
}

/// Every Caddyfile of a run, and what each import of a path reaches.
#[derive(Debug, Default)]
pub struct Caddy {
    pub files: Vec<CaddyFile>,
    /// Files named on the command line or found in a walk, in that order.
    given: Vec<usize>,
    by_path: HashMap<PathBuf, usize>,
    by_real_path: HashMap<PathBuf, usize>,
    imports: HashMap<(usize, u32), Target>,
    /// Names of the snippets every file read so far defines: an `import` of one of them
    /// names no file.
    snippets: HashSet<String>,
}

/// One entry point: a given file no other file imports.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub file: usize,
}

/// One word after expansion: its value (snippet arguments substituted) and where it was
/// written.
#[derive(Debug, Clone)]
pub struct Word {
    pub text: String,
    pub file: FileId,
    pub span: Span,
}

/// A directive after expansion. `via` lists the `import` directives that brought it here,
/// outermost first; it is empty for a directive written in the entry file itself.
#[derive(Debug, Clone)]
pub struct Node {
    pub file: FileId,
    pub span: Span,
    pub words: Vec<Word>,
    pub children: Vec<Node>,
    pub has_block: bool,
    pub via: Vec<(FileId, Span)>,
}

impl Node {
    pub fn name(&self) -> &str {
        self.words.first().map_or("", |w| w.text.as_str())
    }

    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or(&[])
    }
}

/// A site block after expansion.
#[derive(Debug, Clone)]
pub struct Site {
    pub file: FileId,
    /// The first address (for pointing at the site).
    pub span: Span,
    pub addresses: Vec<Word>,
    pub directives: Vec<Node>,
    pub via: Vec<(FileId, Span)>,
}

/// A problem found while reading or expanding, with where it is.
#[derive(Debug, Clone)]
pub struct Problem {
    pub kind: ProblemKind,
    pub file: FileId,
    pub span: Span,
    pub message: String,
    pub related: Vec<(FileId, Span, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A syntax error (PL001).
    Syntax,
    /// An import of a literal path that names nothing (PL002).
    Missing,
    /// Imports loop (PL003).
    Cycle,
    /// The import leads outside the checked tree (PL000, info).
    Outside,
    /// The imported file could not be read (PL000).
    Unreadable,
}

/// An entry point with every import expanded.
#[derive(Debug, Default)]
pub struct Expanded {
    pub global: Vec<Node>,
    pub sites: Vec<Site>,
    pub problems: Vec<Problem>,
    /// Imports that were not read (outside the tree, unreadable): the configuration holds
    /// more than the model sees there. Each is named by its outermost import in the entry
    /// file, so that it can be placed in a site.
    pub unknown: Vec<(FileId, Span)>,
}

impl Caddy {
    pub fn new() -> Self {
        Caddy::default()
    }

    /// Adds a file named on the command line or found in a walk.
    pub fn add_file(&mut self, sources: &mut SourceMap, path: PathBuf, text: Vec<u8>) {
        let key = crate::nginx::absolute(&path);
        let real = std::fs::canonicalize(&key).ok();
        if self.known(&key, real.as_ref()).is_some() {
            return;
        }
        let index = self.push(sources, path, key, real, text);
        self.given.push(index);
    }

    /// The file already read under this path, or under another path that leads to the same
    /// file (one file named twice, or through a link, is one file).
    fn known(&mut self, key: &Path, real: Option<&PathBuf>) -> Option<usize> {
        if let Some(&index) = self.by_path.get(key) {
            return Some(index);
        }
        let index = *self.by_real_path.get(real?)?;
        self.by_path.insert(key.to_path_buf(), index);
        Some(index)
    }

    fn push(
        &mut self,
        sources: &mut SourceMap,
        shown: PathBuf,
        key: PathBuf,
        real: Option<PathBuf>,
        text: Vec<u8>,
    ) -> usize {
        let parsed = parse(&text);
        for item in &parsed.items {
            if let Item::Snippet { name, .. } = item {
                self.snippets
                    .insert(snippet_name(&name.value(&text)).to_string());
            }
        }
        let file = sources.add(SourceFile::new(shown, text));
        let index = self.files.len();
        self.files.push(CaddyFile {
            file,
            path: key.clone(),
            parsed,
            body: None,
        });
        self.by_path.insert(key, index);
        if let Some(real) = real {
            self.by_real_path.insert(real, index);
        }
        index
    }

    /// Reads every file the given files import (transitively), and returns the entry
    /// points: the given files that no other file imports.
    pub fn resolve(
        &mut self,
        sources: &mut SourceMap,
        fs: &dyn FileSystem,
        options: &LoadOptions,
    ) -> Vec<Entry> {
        let mut next = 0;
        while next < self.files.len() {
            let index = next;
            next += 1;
            let dir = self.files[index]
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            // Imported files are shown as the importer is: relative stays relative.
            let shown_dir = sources
                .path(self.files[index].file)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let imports: Vec<(u32, String, bool)> = {
                let src = &sources.get(self.files[index].file).text;
                import_sites(&self.files[index].parsed, src)
                    .into_iter()
                    .filter_map(|(d, in_block)| {
                        let arg = d.words.get(1)?;
                        Some((d.words[0].span.start, arg.value(src), in_block))
                    })
                    .filter(|(_, name, _)| !self.snippets.contains(name.as_str()))
                    .collect()
            };
            for (at, pattern, in_block) in imports {
                let target =
                    self.resolve_import(sources, &pattern, (&dir, &shown_dir), fs, options);
                if let (Target::Files(files), true) = (&target, in_block) {
                    for &f in files {
                        if self.files[f].body.is_none() {
                            let body = parse_body(&sources.get(self.files[f].file).text);
                            self.files[f].body = Some(body);
                        }
                    }
                }
                self.imports.insert((index, at), target);
            }
        }
        let mut imported = vec![false; self.files.len()];
        for target in self.imports.values() {
            if let Target::Files(files) = target {
                for &f in files {
                    imported[f] = true;
                }
            }
        }
        let mut entries: Vec<Entry> = self
            .given
            .iter()
            .filter(|&&f| !imported[f])
            .map(|&file| Entry { file })
            .collect();
        // Files that only import each other have no entry point: check each on its own.
        if entries.is_empty() {
            entries = self.given.iter().map(|&file| Entry { file }).collect();
        }
        entries
    }

    fn resolve_import(
        &mut self,
        sources: &mut SourceMap,
        pattern: &str,
        (dir, shown_dir): (&Path, &Path),
        fs: &dyn FileSystem,
        options: &LoadOptions,
    ) -> Target {
        let absolute = normalize(&dir.join(pattern));
        let mapped = map_prefix(&absolute, &options.prefixes);
        if !in_checked_tree(&mapped, fs, options) {
            return Target::Outside(mapped);
        }
        let paths = if pattern.contains(['*', '?', '[']) {
            let found = fs.glob(&mapped.to_string_lossy());
            if let Some(outside) = found.iter().find(|p| !in_checked_tree(p, fs, options)) {
                return Target::Outside(outside.clone());
            }
            found
        } else {
            vec![mapped]
        };
        let mut files = Vec::new();
        for path in paths {
            let path = normalize(&path);
            let real = fs.real_path(&path);
            if let Some(known) = self.known(&path, real.as_ref()) {
                files.push(known);
                continue;
            }
            match fs.read(&path) {
                Ok(text) => {
                    let shown = match path.strip_prefix(dir) {
                        Ok(rest) => shown_dir.join(rest),
                        Err(_) => path.clone(),
                    };
                    files.push(self.push(sources, shown, path, real, text));
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    return Target::Missing(path)
                }
                Err(error) => return Target::Unreadable(path, error.to_string()),
            }
        }
        Target::Files(files)
    }

    /// The entry's configuration with every import expanded.
    pub fn expand(&self, sources: &SourceMap, entry: Entry) -> Expanded {
        let mut x = Expander {
            caddy: self,
            sources,
            out: Expanded::default(),
            snippets: HashMap::new(),
            stack: vec![format!("file {}", self.files[entry.file].path.display())],
            blocks: Vec::new(),
        };
        x.file_items(entry.file, &[], &mut Vec::new());
        x.out
    }
}

/// `(name)` or `&(name)` → `name`.
fn snippet_name(written: &str) -> &str {
    let name = written.trim_start_matches('&');
    name.strip_prefix('(')
        .and_then(|n| n.strip_suffix(')'))
        .unwrap_or(name)
}

/// Every `import` directive of a file, and whether it sits inside a block (where an
/// imported file is read as the block's contents). Imports inside a snippet count as inside
/// a block; a snippet's body is directives.
fn import_sites<'a>(parsed: &'a ParsedFile, src: &[u8]) -> Vec<(&'a Directive, bool)> {
    let mut out = Vec::new();
    for item in &parsed.items {
        match item {
            Item::Import(d) => out.push((d, false)),
            Item::Global(b) | Item::Snippet { block: b, .. } | Item::Site { block: b, .. } => {
                collect_imports(b, src, &mut out)
            }
        }
    }
    out
}

fn collect_imports<'a>(block: &'a Block, src: &[u8], out: &mut Vec<(&'a Directive, bool)>) {
    for d in &block.children {
        let name = &d.words[0];
        if d.words.len() >= 2
            && name.kind == TokenKind::Bare
            && &src[name.span.range()] == b"import"
        {
            out.push((d, true));
        }
        if let Some(b) = &d.block {
            collect_imports(b, src, out);
        }
    }
}

/// What an import is being expanded as: the file's items (at the top level) or a block's
/// directives.
struct Expander<'c> {
    caddy: &'c Caddy,
    sources: &'c SourceMap,
    out: Expanded,
    /// Snippets defined so far: name → (file, block).
    snippets: HashMap<String, (usize, &'c Block)>,
    /// What is being imported now, to cut loops: a file or a snippet name.
    stack: Vec<String>,
    /// The blocks written after the imports being expanded, for `{block}`.
    blocks: Vec<Option<(usize, &'c Block)>>,
}

impl<'c> Expander<'c> {
    fn src(&self, file: usize) -> &'c [u8] {
        &self.sources.get(self.caddy.files[file].file).text
    }

    fn syntax_errors(&mut self, file: usize, errors: &[SyntaxError]) {
        let id = self.caddy.files[file].file;
        for e in errors {
            self.out.problems.push(Problem {
                kind: ProblemKind::Syntax,
                file: id,
                span: e.span,
                message: e.message.clone(),
                related: e.related.iter().map(|(s, m)| (id, *s, m.clone())).collect(),
            });
        }
    }

    /// A file's items at the top level: snippets are recorded, sites and the global block
    /// expanded, top-level imports followed.
    fn file_items(&mut self, file: usize, args: &[Word], via: &mut Vec<(FileId, Span)>) {
        let caddy = self.caddy;
        let parsed = &caddy.files[file].parsed;
        self.syntax_errors(file, &parsed.errors);
        let id = caddy.files[file].file;
        let src = self.src(file);
        for item in &parsed.items {
            match item {
                Item::Snippet { name, block } => {
                    let name = snippet_name(&name.value(src)).to_string();
                    self.snippets.insert(name, (file, block));
                }
                Item::Global(block) => {
                    let nodes = self.block(file, block, args, via);
                    self.out.global.extend(nodes);
                }
                Item::Import(d) => {
                    let words = self.words(file, &d.words, args);
                    self.import(file, d, &words, via, true);
                }
                Item::Site { addresses, block } => {
                    let addresses = self.words(file, addresses, args);
                    let directives = self.block(file, block, args, via);
                    let span = addresses.first().map_or(Span::empty(0), |w| w.span);
                    self.out.sites.push(Site {
                        file: id,
                        span,
                        addresses,
                        directives,
                        via: via.clone(),
                    });
                }
            }
        }
    }

    fn words(&self, file: usize, tokens: &[Token], args: &[Word]) -> Vec<Word> {
        let src = self.src(file);
        let id = self.caddy.files[file].file;
        let mut out = Vec::with_capacity(tokens.len());
        for t in tokens {
            let text = t.value(src);
            if !args.is_empty() || text.contains("{args") {
                if let Some(range) = whole_args(&text, args.len()) {
                    out.extend(args[range].iter().map(|a| Word {
                        text: a.text.clone(),
                        file: id,
                        span: t.span,
                    }));
                    continue;
                }
                out.push(Word {
                    text: substitute(&text, args),
                    file: id,
                    span: t.span,
                });
                continue;
            }
            out.push(Word {
                text,
                file: id,
                span: t.span,
            });
        }
        out
    }

    fn block(
        &mut self,
        file: usize,
        block: &'c Block,
        args: &[Word],
        via: &mut Vec<(FileId, Span)>,
    ) -> Vec<Node> {
        let mut out = Vec::new();
        for d in &block.children {
            self.directive(file, d, args, via, &mut out);
        }
        out
    }

    fn directive(
        &mut self,
        file: usize,
        d: &'c Directive,
        args: &[Word],
        via: &mut Vec<(FileId, Span)>,
        out: &mut Vec<Node>,
    ) {
        let words = self.words(file, &d.words, args);
        if words.first().is_some_and(|w| w.text == "import") {
            let nodes = self.import(file, d, &words, via, false);
            out.extend(nodes);
            return;
        }
        if words.len() == 1 && words[0].text == "{block}" && d.block.is_none() {
            if let Some(&Some((f, block))) = self.blocks.last() {
                let nodes = self.block(f, block, &[], via);
                out.extend(nodes);
            }
            return;
        }
        let children = match &d.block {
            Some(b) => self.block(file, b, args, via),
            None => Vec::new(),
        };
        out.push(Node {
            file: self.caddy.files[file].file,
            span: d.span,
            words,
            children,
            has_block: d.block.is_some(),
            via: via.clone(),
        });
    }

    /// Expands one `import`; at the top level, imported sites land in `self.out`, inside a
    /// block the imported directives are returned.
    fn import(
        &mut self,
        file: usize,
        d: &'c Directive,
        words: &[Word],
        via: &mut Vec<(FileId, Span)>,
        top: bool,
    ) -> Vec<Node> {
        let id = self.caddy.files[file].file;
        let at = d.words[0].span;
        let Some(name) = words.get(1) else {
            self.problem(
                ProblemKind::Syntax,
                id,
                at,
                "`import` needs a snippet name or a file path".to_string(),
            );
            return Vec::new();
        };
        let import_args: Vec<Word> = words[2..].to_vec();
        let site = (id, Span::new(at.start, d.span.end));
        if via.len() >= MAX_IMPORT_DEPTH {
            self.problem(
                ProblemKind::Cycle,
                id,
                name.span,
                format!("imports are nested more than {MAX_IMPORT_DEPTH} deep"),
            );
            return Vec::new();
        }
        if let Some(&(snippet_file, block)) = self.snippets.get(&name.text) {
            let key = format!("snippet {}", name.text);
            if self.stack.contains(&key) {
                self.problem(
                    ProblemKind::Cycle,
                    id,
                    name.span,
                    format!(
                        "importing the snippet `{}` here loops back to itself",
                        name.text
                    ),
                );
                return Vec::new();
            }
            self.stack.push(key);
            via.push(site);
            self.blocks.push(d.block.as_ref().map(|b| (file, b)));
            let mut nodes = self.block(snippet_file, block, &import_args, via);
            self.blocks.pop();
            if top {
                // A snippet imported between sites holds sites: each block in it is one.
                for node in nodes.drain(..) {
                    self.out.sites.push(Site {
                        file: node.file,
                        span: node.words.first().map_or(node.span, |w| w.span),
                        addresses: node.words,
                        directives: node.children,
                        via: node.via,
                    });
                }
            }
            via.pop();
            self.stack.pop();
            return nodes;
        }
        let target = self
            .caddy
            .imports
            .get(&(file, d.words[0].span.start))
            .cloned();
        match target {
            None => Vec::new(),
            Some(Target::Missing(path)) => {
                let snippet_like = !name.text.contains(['/', '.', '*']);
                let hint = if snippet_like {
                    format!(
                        "; if `{}` is meant as a snippet, define `({})` before this import",
                        name.text, name.text
                    )
                } else {
                    String::new()
                };
                self.problem(
                    ProblemKind::Missing,
                    id,
                    name.span,
                    format!(
                        "`import {}` names no file: `{}` does not exist{hint}",
                        name.text,
                        path.display()
                    ),
                );
                Vec::new()
            }
            Some(Target::Outside(path)) => {
                self.out.unknown.push(via.first().copied().unwrap_or(site));
                self.problem(
                    ProblemKind::Outside,
                    id,
                    name.span,
                    format!(
                        "not read: `{}` is outside the checked directories; check them together, \
                         or map the path with --prefix",
                        path.display()
                    ),
                );
                Vec::new()
            }
            Some(Target::Unreadable(path, why)) => {
                self.out.unknown.push(via.first().copied().unwrap_or(site));
                self.problem(
                    ProblemKind::Unreadable,
                    id,
                    name.span,
                    format!("cannot read `{}`: {why}", path.display()),
                );
                Vec::new()
            }
            Some(Target::Files(files)) => {
                let mut nodes = Vec::new();
                for f in files {
                    let key = format!("file {}", self.caddy.files[f].path.display());
                    if self.stack.contains(&key) {
                        self.problem(
                            ProblemKind::Cycle,
                            id,
                            name.span,
                            format!(
                                "importing `{}` here loops back to a file that imports it",
                                self.caddy.files[f].path.display()
                            ),
                        );
                        continue;
                    }
                    self.stack.push(key);
                    via.push(site);
                    if top {
                        self.file_items(f, &import_args, via);
                    } else if let Some(body) = &self.caddy.files[f].body {
                        self.syntax_errors(f, &body.errors);
                        for item in &body.items {
                            if let Item::Site { block, .. } = item {
                                for d in &block.children {
                                    self.directive(f, d, &import_args, via, &mut nodes);
                                }
                            }
                        }
                    }
                    via.pop();
                    self.stack.pop();
                }
                nodes
            }
        }
    }

    fn problem(&mut self, kind: ProblemKind, file: FileId, span: Span, message: String) {
        self.out.problems.push(Problem {
            kind,
            file,
            span,
            message,
            related: Vec::new(),
        });
    }
}

/// For a word that is exactly `{args[:]}`, `{args[i:]}`, `{args[:j]}` or `{args[i:j]}`: the
/// range of arguments it stands for.
fn whole_args(text: &str, count: usize) -> Option<std::ops::Range<usize>> {
    let inner = text.strip_prefix("{args[")?.strip_suffix("]}")?;
    let (a, b) = inner.split_once(':')?;
    let start = if a.is_empty() { 0 } else { a.parse().ok()? };
    let end = if b.is_empty() { count } else { b.parse().ok()? };
    Some(start.min(count)..end.min(count).max(start.min(count)))
}

/// Replaces `{args[N]}` and `{args.N}` inside a word.
fn substitute(text: &str, args: &[Word]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{args") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(close) = tail.find('}') else {
            out.push_str(tail);
            return out;
        };
        let inner = &tail[5..close];
        let index = inner
            .strip_prefix('[')
            .and_then(|i| i.strip_suffix(']'))
            .or_else(|| inner.strip_prefix('.'))
            .and_then(|i| i.parse::<usize>().ok());
        match index {
            Some(i) => out.push_str(args.get(i).map_or("", |a| a.text.as_str())),
            None => out.push_str(&tail[..=close]),
        }
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Word {
        Word {
            text: text.to_string(),
            file: FileId(0),
            span: Span::empty(0),
        }
    }

    #[test]
    fn arguments_are_substituted() {
        let args = [word("a"), word("b"), word("c")];
        assert_eq!(substitute("x{args[1]}y", &args), "xby");
        assert_eq!(substitute("{args.0}", &args), "a");
        assert_eq!(substitute("{args[9]}", &args), "");
        assert_eq!(substitute("{http.host}", &args), "{http.host}");
        assert_eq!(whole_args("{args[1:]}", 3), Some(1..3));
        assert_eq!(whole_args("{args[:]}", 3), Some(0..3));
        assert_eq!(whole_args("{args[0]}", 3), None);
    }
}
