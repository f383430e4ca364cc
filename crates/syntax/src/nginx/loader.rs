//! Reads an nginx configuration tree the way nginx does: `include` with globs and relative
//! paths, absolute prefixes mapped onto a repository, `nginx -T` dumps split back into files.
//!
//! The loader decides which files are entry points (files that nothing includes) and, for
//! each entry, what every `include` reaches. [`Workspace::expand`] then gives a tree in which
//! includes are replaced by what they include, for the model and the context rules.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::parse_range;
use super::tree::{Directive, ParsedFile};
use crate::{FileId, SourceFile, SourceMap, Span};

/// Index of a [`Unit`] in a [`Workspace`].
pub type UnitId = usize;

/// Where file contents come from: the real file system, or a test's in-memory files.
pub trait FileSystem {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    /// Paths matching a glob pattern, in byte order, as nginx's `glob(3)` sorts them.
    fn glob(&self, pattern: &str) -> Vec<PathBuf>;
    /// Where a path really leads, symbolic links resolved; `None` if it does not exist or
    /// the file system has no links.
    fn real_path(&self, _path: &Path) -> Option<PathBuf> {
        None
    }
}

/// Globbing as `glob(3)` does it for nginx: `*` never crosses `/` (so `**` is just `*`) and
/// never matches a leading dot.
pub const GLOB_OPTIONS: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: true,
};

/// `glob(3)` knows no recursive `**`.
fn collapse_stars(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if !(c == '*' && out.ends_with('*')) {
            out.push(c);
        }
    }
    out
}

/// The file system of the machine. Reading refuses anything that is not a regular file, so a
/// FIFO or a device named by an include never blocks the run.
pub struct RealFileSystem;

impl FileSystem for RealFileSystem {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        read_regular_file(path)
    }

    fn glob(&self, pattern: &str) -> Vec<PathBuf> {
        // Everything that matches, as glob(3) gives it to nginx: a directory, FIFO or
        // device among the matches is an error nginx reports, and so does the loader.
        let mut found: Vec<PathBuf> = glob::glob_with(&collapse_stars(pattern), GLOB_OPTIONS)
            .map(|paths| paths.filter_map(Result::ok).collect())
            .unwrap_or_default();
        found.sort_by(|a, b| {
            a.as_os_str()
                .as_encoded_bytes()
                .cmp(b.as_os_str().as_encoded_bytes())
        });
        found
    }

    fn real_path(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }
}

/// Largest file the loader reads; offsets are `u32`.
pub const MAX_FILE_SIZE: u64 = u32::MAX as u64 - 1;

/// Reads a file only if it is a regular file of a size spans can address.
pub fn read_regular_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(std::io::Error::other("it is a directory"));
    }
    if !meta.is_file() {
        return Err(std::io::Error::other(
            "it is not a regular file (a device, FIFO or socket)",
        ));
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(std::io::Error::other("it is larger than 4 GiB"));
    }
    std::fs::read(path)
}

/// How includes are resolved.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `FROM=TO` mappings of absolute prefixes onto the checked tree, tried in order.
    pub prefixes: Vec<(PathBuf, PathBuf)>,
    /// The checked tree: includes that resolve outside every root are not read.
    pub roots: Vec<PathBuf>,
    /// Read includes outside the roots anyway.
    pub allow_outside: bool,
}

/// One configuration file as nginx knows it: a whole file, or one file of an `nginx -T` dump.
#[derive(Debug)]
pub struct Unit {
    pub file: FileId,
    /// The path nginx knows it by (for a dump: the path in its `# configuration file` line).
    pub path: PathBuf,
    /// The bytes of the file that belong to this unit.
    pub range: Span,
    pub parsed: ParsedFile,
}

/// What one `include` directive reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncludeTarget {
    /// The files it includes, in nginx's order (empty for a glob that matches nothing).
    Units(Vec<UnitId>),
    /// A literal path that names no file.
    Missing(PathBuf),
    /// Including this file again would loop: it is already being included.
    Cycle(UnitId),
    /// The path lies outside the checked tree and no prefix maps it; it was not read.
    Outside(PathBuf),
    /// The path exists but could not be read.
    Unreadable(PathBuf, String),
    /// A relative path in a fragment that names nothing beside it or above it: nginx would
    /// resolve it against its main configuration directory, which is not known here.
    Unresolved(PathBuf),
}

/// One entry point and the resolution of every include reached from it.
#[derive(Debug)]
pub struct Entry {
    pub unit: UnitId,
    /// Relative include paths resolve against this directory.
    pub base: PathBuf,
    /// For a fragment, whose main file is unknown: the parent directories of `base` inside
    /// the checked tree, tried in turn when a relative include names nothing under `base`
    /// (a `conf.d/site.conf` usually includes paths relative to the directory above it).
    pub fallback_bases: Vec<PathBuf>,
    /// A main file (with `http`, `events`, …), not a fragment.
    pub main: bool,
    includes: HashMap<(UnitId, u32), IncludeTarget>,
}

impl Entry {
    /// What the `include` directive at `name_start` in `unit` reaches.
    pub fn include(&self, unit: UnitId, directive: &Directive) -> Option<&IncludeTarget> {
        self.includes.get(&(unit, directive.name.span.start))
    }

    /// Every include reached from this entry, with where it is written.
    pub fn includes(&self) -> impl Iterator<Item = (UnitId, u32, &IncludeTarget)> {
        self.includes.iter().map(|(&(u, at), t)| (u, at, t))
    }
}

/// A directive with its includes expanded: `children` of an `include` are the directives of
/// the files it includes, so walking a `Node` sees the configuration as nginx does.
#[derive(Debug)]
pub struct Node<'w> {
    pub unit: UnitId,
    pub file: FileId,
    pub directive: &'w Directive,
    pub children: Vec<Node<'w>>,
    /// For an `include` directive: what it reached.
    pub include: Option<&'w IncludeTarget>,
}

impl<'w> Node<'w> {
    /// The children with includes flattened away, in nginx's order.
    pub fn directives(&self) -> Vec<&Node<'w>> {
        let mut out = Vec::new();
        flatten(&self.children, &mut out);
        out
    }

    pub fn is_include(&self) -> bool {
        self.include.is_some()
    }
}

/// Appends `nodes` to `out`, replacing each include by what it includes. An include whose
/// files were not read (missing, outside the tree, unreadable) stays, so that consumers can
/// tell that part of the level is unknown.
pub fn flatten<'a, 'w>(nodes: &'a [Node<'w>], out: &mut Vec<&'a Node<'w>>) {
    for node in nodes {
        match node.include {
            Some(IncludeTarget::Units(_)) | Some(IncludeTarget::Cycle(_)) => {
                flatten(&node.children, out)
            }
            _ => out.push(node),
        }
    }
}

/// Every file read in one run, parsed, with the includes between them.
#[derive(Default)]
pub struct Workspace {
    pub sources: SourceMap,
    pub units: Vec<Unit>,
    by_path: HashMap<PathBuf, UnitId>,
    /// Whole-file units by their real path, so that one file reached under two spellings
    /// (or through a link) is one unit.
    by_real_path: HashMap<PathBuf, UnitId>,
    /// Units added by the caller (named or found in a walk), as opposed to reached by include.
    given: Vec<UnitId>,
    /// Files an include reached that could not be read, by path, so each is tried once.
    unreadable: HashMap<PathBuf, String>,
}

impl Workspace {
    pub fn new() -> Self {
        Workspace::default()
    }

    pub fn unit(&self, id: UnitId) -> &Unit {
        &self.units[id]
    }

    pub fn source(&self, id: UnitId) -> &SourceFile {
        self.sources.get(self.units[id].file)
    }

    /// Adds a file the user named or a walk found, splitting an `nginx -T` dump into its
    /// files. Returns the units it became.
    pub fn add_file(&mut self, path: PathBuf, text: Vec<u8>) -> Vec<UnitId> {
        let parsed = parse_file(&path, &text);
        self.add_parsed(path, text, parsed)
    }

    /// Adds many files, parsing them in parallel; units are numbered in the given order, so
    /// everything after stays deterministic.
    pub fn add_files(&mut self, files: Vec<(PathBuf, Vec<u8>)>) {
        use rayon::prelude::*;
        let parsed: Vec<Vec<(PathBuf, Span, ParsedFile)>> = files
            .par_iter()
            .map(|(path, text)| parse_file(path, text))
            .collect();
        for ((path, text), parts) in files.into_iter().zip(parsed) {
            self.add_parsed(path, text, parts);
        }
    }

    fn add_parsed(
        &mut self,
        path: PathBuf,
        text: Vec<u8>,
        parts: Vec<(PathBuf, Span, ParsedFile)>,
    ) -> Vec<UnitId> {
        // One file named twice (`a.conf ./a.conf`, or through a link) is one file.
        let real = (parts.len() == 1)
            .then(|| std::fs::canonicalize(&path).ok())
            .flatten();
        if let Some(&unit) = real.as_ref().and_then(|r| self.by_real_path.get(r)) {
            return vec![unit];
        }
        let file = self.sources.add(SourceFile::new(path, text));
        let units: Vec<UnitId> = parts
            .into_iter()
            .map(|(unit_path, range, parsed)| self.push_unit(file, unit_path, range, parsed))
            .collect();
        if let Some(real) = real {
            self.by_real_path.entry(real).or_insert(units[0]);
        }
        self.given.extend(&units);
        units
    }

    fn add_unit(&mut self, file: FileId, path: PathBuf, range: Span) -> UnitId {
        let parsed = parse_range(
            &self.sources.get(file).text,
            range.start as usize,
            range.end as usize,
        );
        self.push_unit(file, path, range, parsed)
    }

    fn push_unit(
        &mut self,
        file: FileId,
        path: PathBuf,
        range: Span,
        parsed: ParsedFile,
    ) -> UnitId {
        let id = self.units.len();
        self.units.push(Unit {
            file,
            path: path.clone(),
            range,
            parsed,
        });
        self.by_path.entry(path).or_insert(id);
        id
    }

    /// Works out the entry points among the given files and resolves their includes,
    /// reading included files through `fs`.
    ///
    /// Files with a top-level `http`, `events`, `stream` or `mail` block are entry points
    /// and resolve relative includes against their own directory, as nginx does for its main
    /// file. Of the rest, those that no other given file includes are entry points too
    /// (fragments, checked on their own); a group of files that only include each other gets
    /// its first file, by path, as entry point.
    pub fn resolve(&mut self, fs: &dyn FileSystem, options: &LoadOptions) -> Vec<Entry> {
        let given = self.given.clone();
        let mut reached = vec![false; self.units.len()];
        let mut entries = Vec::new();
        let (mains, rest): (Vec<UnitId>, Vec<UnitId>) =
            given.iter().partition(|&&u| self.is_main(u));
        for unit in mains {
            entries.push(self.resolve_entry(unit, true, fs, options, &mut reached));
        }
        // Which of the remaining files are included by another remaining file?
        let mut included = vec![false; self.units.len()];
        let candidates: Vec<UnitId> = rest.into_iter().filter(|&u| !reached[u]).collect();
        for &unit in &candidates {
            let mut seen = vec![false; self.units.len()];
            let probe = self.resolve_entry(unit, false, fs, options, &mut seen);
            for (_, _, target) in probe.includes() {
                if let IncludeTarget::Units(units) = target {
                    for &u in units {
                        if u != unit && u < included.len() {
                            included[u] = true;
                        }
                    }
                }
            }
        }
        reached.resize(self.units.len(), false);
        let mut order: Vec<UnitId> = candidates
            .iter()
            .copied()
            .filter(|&u| !included[u])
            .collect();
        let mut leftover: Vec<UnitId> = candidates
            .iter()
            .copied()
            .filter(|&u| included[u])
            .collect();
        leftover.sort_by(|&a, &b| self.units[a].path.cmp(&self.units[b].path));
        order.extend(leftover);
        for unit in order {
            if reached.get(unit).copied().unwrap_or(false) {
                continue;
            }
            entries.push(self.resolve_entry(unit, false, fs, options, &mut reached));
        }
        entries
    }

    fn is_main(&self, unit: UnitId) -> bool {
        let src = &self.source(unit).text;
        self.units[unit].parsed.directives.iter().any(|d| {
            d.block.is_some()
                && ["http", "events", "stream", "mail"]
                    .iter()
                    .any(|n| d.is(src, n))
        })
    }

    fn resolve_entry(
        &mut self,
        unit: UnitId,
        main: bool,
        fs: &dyn FileSystem,
        options: &LoadOptions,
        reached: &mut Vec<bool>,
    ) -> Entry {
        let base = self.units[unit]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let fallback_bases = if main {
            Vec::new()
        } else {
            ancestors_within(&base, &options.roots)
        };
        let mut entry = Entry {
            unit,
            base,
            fallback_bases,
            main,
            includes: HashMap::new(),
        };
        let mut on_stack = Vec::new();
        self.visit(unit, &mut entry, fs, options, &mut on_stack, reached);
        entry
    }

    /// Depth-first walk over includes: a unit on the stack is a cycle, a unit already
    /// visited from this entry is not walked again.
    fn visit(
        &mut self,
        unit: UnitId,
        entry: &mut Entry,
        fs: &dyn FileSystem,
        options: &LoadOptions,
        on_stack: &mut Vec<UnitId>,
        visited: &mut Vec<bool>,
    ) {
        if visited.len() <= unit {
            visited.resize(unit + 1, false);
        }
        visited[unit] = true;
        on_stack.push(unit);
        for (at, pattern) in self.include_sites(unit) {
            let mut target = self.resolve_include(&pattern, &entry.base, fs, options);
            if Path::new(&pattern).is_relative() && found_nothing(&target) {
                for base in entry.fallback_bases.clone() {
                    let other = self.resolve_include(&pattern, &base, fs, options);
                    if !found_nothing(&other) {
                        target = other;
                        break;
                    }
                }
                if let (IncludeTarget::Missing(path), false) = (&target, entry.main) {
                    target = IncludeTarget::Unresolved(path.clone());
                }
            }
            let target = match target {
                IncludeTarget::Units(units) => {
                    if let Some(&looped) = units.iter().find(|u| on_stack.contains(u)) {
                        IncludeTarget::Cycle(looped)
                    } else {
                        for &u in &units {
                            if !visited.get(u).copied().unwrap_or(false) {
                                self.visit(u, entry, fs, options, on_stack, visited);
                            }
                        }
                        IncludeTarget::Units(units)
                    }
                }
                other => other,
            };
            entry.includes.insert((unit, at), target);
        }
        on_stack.pop();
    }

    /// Every `include` in a unit, at any depth: the name's offset and the path argument.
    fn include_sites(&self, unit: UnitId) -> Vec<(u32, String)> {
        let src = &self.source(unit).text;
        let mut out = Vec::new();
        let mut stack: Vec<&Directive> = self.units[unit].parsed.directives.iter().rev().collect();
        while let Some(d) = stack.pop() {
            if d.block.is_none() && d.is(src, "include") && d.args.len() == 1 {
                out.push((d.name.span.start, d.args[0].value(src).into_owned()));
            }
            stack.extend(d.children().iter().rev());
        }
        out
    }

    fn resolve_include(
        &mut self,
        pattern: &str,
        base: &Path,
        fs: &dyn FileSystem,
        options: &LoadOptions,
    ) -> IncludeTarget {
        let written = Path::new(pattern);
        let absolute = normalize(&base.join(written));
        // Files of an `nginx -T` dump answer for their recorded paths first.
        let is_glob = pattern.contains(['*', '?', '[']);
        if is_glob {
            if let Ok(glob) = glob::Pattern::new(&collapse_stars(&absolute.to_string_lossy())) {
                let mut virtual_hits: Vec<(&PathBuf, UnitId)> = self
                    .by_path
                    .iter()
                    .filter(|(p, _)| glob.matches_path_with(p, GLOB_OPTIONS))
                    .map(|(p, &u)| (p, u))
                    .collect();
                if !virtual_hits.is_empty() {
                    virtual_hits.sort();
                    return IncludeTarget::Units(
                        virtual_hits.into_iter().map(|(_, u)| u).collect(),
                    );
                }
            }
        } else if let Some(&unit) = self.by_path.get(&absolute) {
            return IncludeTarget::Units(vec![unit]);
        }
        let mapped = map_prefix(&absolute, &options.prefixes);
        if !in_checked_tree(&mapped, fs, options) {
            return IncludeTarget::Outside(mapped);
        }
        if is_glob {
            let paths = fs.glob(&mapped.to_string_lossy());
            // A match that is a link to a file outside the tree is not read, nor are the
            // others of the same include: one finding says so.
            if let Some(outside) = paths.iter().find(|p| !in_checked_tree(p, fs, options)) {
                return IncludeTarget::Outside(outside.clone());
            }
            let mut units = Vec::new();
            for path in paths {
                match self.load(&path, fs) {
                    Ok(unit) => units.push(unit),
                    // Matched, then gone before it could be read.
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                        return IncludeTarget::Missing(path);
                    }
                    Err(error) => return IncludeTarget::Unreadable(path, error.to_string()),
                }
            }
            return IncludeTarget::Units(units);
        }
        match self.load(&mapped, fs) {
            Ok(unit) => IncludeTarget::Units(vec![unit]),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                IncludeTarget::Missing(mapped)
            }
            Err(error) => IncludeTarget::Unreadable(mapped, error.to_string()),
        }
    }

    /// The unit for a file on disk, reading and parsing it the first time.
    fn load(&mut self, path: &Path, fs: &dyn FileSystem) -> std::io::Result<UnitId> {
        let path = normalize(path);
        if let Some(&unit) = self.by_path.get(&path) {
            return Ok(unit);
        }
        if let Some(message) = self.unreadable.get(&path) {
            return Err(std::io::Error::other(message.clone()));
        }
        let real = fs.real_path(&path);
        if let Some(&unit) = real.as_ref().and_then(|r| self.by_real_path.get(r)) {
            self.by_path.insert(path, unit);
            return Ok(unit);
        }
        match fs.read(&path) {
            Ok(text) => {
                let file = self.sources.add(SourceFile::new(path.clone(), text));
                let len = self.sources.get(file).text.len();
                let unit = self.add_unit(file, path, Span::from_range(0..len));
                if let Some(real) = real {
                    self.by_real_path.insert(real, unit);
                }
                Ok(unit)
            }
            Err(error) => {
                if error.kind() != std::io::ErrorKind::NotFound {
                    self.unreadable.insert(path, error.to_string());
                }
                Err(error)
            }
        }
    }

    /// The tree of `entry` with every include replaced by what it reaches.
    pub fn expand<'w>(&'w self, entry: &'w Entry) -> Vec<Node<'w>> {
        let mut on_stack = vec![entry.unit];
        self.expand_unit(entry, entry.unit, &mut on_stack)
    }

    fn expand_unit<'w>(
        &'w self,
        entry: &'w Entry,
        unit: UnitId,
        stack: &mut Vec<UnitId>,
    ) -> Vec<Node<'w>> {
        let directives = &self.units[unit].parsed.directives;
        directives
            .iter()
            .map(|d| self.expand_directive(entry, unit, d, stack))
            .collect()
    }

    fn expand_directive<'w>(
        &'w self,
        entry: &'w Entry,
        unit: UnitId,
        directive: &'w Directive,
        stack: &mut Vec<UnitId>,
    ) -> Node<'w> {
        let include = entry.include(unit, directive);
        let children = match include {
            Some(IncludeTarget::Units(units)) => {
                let mut children = Vec::new();
                for &u in units {
                    if stack.contains(&u) {
                        continue;
                    }
                    stack.push(u);
                    children.extend(self.expand_unit(entry, u, stack));
                    stack.pop();
                }
                children
            }
            _ => directive
                .children()
                .iter()
                .map(|c| self.expand_directive(entry, unit, c, stack))
                .collect(),
        };
        Node {
            unit,
            file: self.units[unit].file,
            directive,
            children,
            include,
        }
    }
}

fn found_nothing(target: &IncludeTarget) -> bool {
    match target {
        IncludeTarget::Missing(_) => true,
        IncludeTarget::Units(units) => units.is_empty(),
        _ => false,
    }
}

/// The parent directories of `dir`, nearest first, that lie inside one of `roots`.
fn ancestors_within(dir: &Path, roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut current = dir.to_path_buf();
    while let Some(parent) = current.parent().map(Path::to_path_buf) {
        if parent.as_os_str().is_empty() || !roots.iter().any(|r| absolute(&parent).starts_with(r))
        {
            break;
        }
        out.push(parent.clone());
        current = parent;
    }
    out
}

/// Parses a file, or each file of an `nginx -T` dump, with the path each is known by.
fn parse_file(path: &Path, text: &[u8]) -> Vec<(PathBuf, Span, ParsedFile)> {
    match split_dump(text) {
        None => vec![(
            normalize(path),
            Span::from_range(0..text.len()),
            super::parse(text),
        )],
        Some(parts) => parts
            .into_iter()
            .map(|(unit_path, range)| {
                let parsed = parse_range(text, range.start as usize, range.end as usize);
                (unit_path, range, parsed)
            })
            .collect(),
    }
}

/// Whether a path lies in the checked tree, both as written and, for a path that exists,
/// once symbolic links are resolved: a link in the repository must not make the linter read
/// (and print) a file elsewhere on the machine.
pub fn in_checked_tree(path: &Path, fs: &dyn FileSystem, options: &LoadOptions) -> bool {
    if options.allow_outside {
        return true;
    }
    let lexical = absolute(path);
    if !options.roots.iter().any(|r| lexical.starts_with(r)) {
        return false;
    }
    let Some(real) = fs.real_path(path) else {
        return true;
    };
    options.roots.iter().any(|r| {
        let real_root = fs.real_path(r).unwrap_or_else(|| r.clone());
        real.starts_with(&real_root)
    })
}

/// Applies the first matching `FROM=TO` prefix mapping.
pub fn map_prefix(path: &Path, prefixes: &[(PathBuf, PathBuf)]) -> PathBuf {
    for (from, to) in prefixes {
        if let Ok(rest) = path.strip_prefix(from) {
            return normalize(&to.join(rest));
        }
    }
    path.to_path_buf()
}

/// A path made absolute against the working directory without touching the file system,
/// `.` and `..` resolved (an empty path is the working directory).
pub fn absolute(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Removes `.` and resolves `..` lexically, as nginx's path handling does not consult links.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                let at_start = matches!(
                    out.components().next_back(),
                    None | Some(Component::ParentDir)
                );
                if at_start {
                    out.push("..");
                } else if !matches!(out.components().next_back(), Some(Component::RootDir)) {
                    out.pop();
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Splits an `nginx -T` dump at its `# configuration file PATH:` lines. `None` when the text
/// is not a dump.
fn split_dump(text: &[u8]) -> Option<Vec<(PathBuf, Span)>> {
    const MARK: &[u8] = b"# configuration file ";
    let mut marks = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive(|&c| c == b'\n') {
        let trimmed = line.strip_suffix(b"\n").unwrap_or(line);
        let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
        if let Some(rest) = trimmed.strip_prefix(MARK) {
            if let Some(path) = rest.strip_suffix(b":") {
                let path = PathBuf::from(String::from_utf8_lossy(path).into_owned());
                marks.push((path, line_start + line.len()));
            }
        }
        line_start += line.len();
    }
    if marks.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    for (i, (path, start)) in marks.iter().enumerate() {
        let end = marks.get(i + 1).map_or(text.len(), |(_, next_start)| {
            // The next part starts after its marker line; this part ends before that line.
            let before = &text[..*next_start - 1];
            before
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |p| p + 1)
        });
        parts.push((normalize(path), Span::from_range(*start..end.max(*start))));
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In-memory files for tests.
    struct MemFs(Vec<(&'static str, &'static str)>);

    impl FileSystem for MemFs {
        fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            self.0
                .iter()
                .find(|(p, _)| Path::new(p) == path)
                .map(|(_, t)| t.as_bytes().to_vec())
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        }

        fn glob(&self, pattern: &str) -> Vec<PathBuf> {
            let glob = glob::Pattern::new(pattern).unwrap();
            let mut hits: Vec<PathBuf> = self
                .0
                .iter()
                .filter(|(p, _)| glob.matches(p))
                .map(|(p, _)| PathBuf::from(p))
                .collect();
            hits.sort();
            hits
        }
    }

    fn options() -> LoadOptions {
        LoadOptions {
            roots: vec![PathBuf::from("/r")],
            ..LoadOptions::default()
        }
    }

    fn load(fs: &MemFs, given: &[&str]) -> (Workspace, Vec<Entry>) {
        let mut ws = Workspace::new();
        for path in given {
            let text = fs.read(Path::new(path)).unwrap();
            ws.add_file(PathBuf::from(path), text);
        }
        let entries = ws.resolve(fs, &options());
        (ws, entries)
    }

    fn targets(entry: &Entry) -> Vec<IncludeTarget> {
        let mut all: Vec<_> = entry
            .includes()
            .map(|(u, at, t)| (u, at, t.clone()))
            .collect();
        all.sort_by_key(|(u, at, _)| (*u, *at));
        all.into_iter().map(|(_, _, t)| t).collect()
    }

    #[test]
    fn relative_includes_resolve_against_the_main_files_directory() {
        let fs = MemFs(vec![
            (
                "/r/nginx.conf",
                "events {} http { include conf.d/server.conf; }",
            ),
            (
                "/r/conf.d/server.conf",
                "server { include foo.conf; include bar.conf; }",
            ),
            ("/r/foo.conf", "location /foo { return 200; }"),
            ("/r/conf.d/foo.conf", "garbage"),
        ]);
        let (ws, entries) = load(&fs, &["/r/nginx.conf"]);
        assert_eq!(entries.len(), 1);
        let found = targets(&entries[0]);
        let foo = ws.by_path[Path::new("/r/foo.conf")];
        assert!(found.contains(&IncludeTarget::Units(vec![foo])));
        assert!(found.contains(&IncludeTarget::Missing(PathBuf::from("/r/bar.conf"))));
        assert!(!ws.by_path.contains_key(Path::new("/r/conf.d/foo.conf")));
    }

    #[test]
    fn globs_expand_sorted_and_may_match_nothing() {
        let fs = MemFs(vec![
            (
                "/r/nginx.conf",
                "http { include sites/*.conf; include none/*.conf; }",
            ),
            ("/r/sites/b.conf", "server {}"),
            ("/r/sites/a.conf", "server {}"),
        ]);
        let (ws, entries) = load(&fs, &["/r/nginx.conf"]);
        let a = ws.by_path[Path::new("/r/sites/a.conf")];
        let b = ws.by_path[Path::new("/r/sites/b.conf")];
        assert_eq!(
            targets(&entries[0]),
            [
                IncludeTarget::Units(vec![a, b]),
                IncludeTarget::Units(vec![])
            ]
        );
    }

    #[test]
    fn include_loops_are_cut() {
        let fs = MemFs(vec![
            ("/r/a.conf", "include b.conf;"),
            ("/r/b.conf", "include a.conf;"),
        ]);
        let (ws, entries) = load(&fs, &["/r/a.conf", "/r/b.conf"]);
        assert_eq!(entries.len(), 1, "one of the two is the entry");
        let found = targets(&entries[0]);
        assert!(found.iter().any(|t| matches!(t, IncludeTarget::Cycle(_))));
        assert_eq!(ws.expand(&entries[0]).len(), 1);
    }

    #[test]
    fn prefixes_map_absolute_paths_and_outside_paths_are_not_read() {
        let fs = MemFs(vec![
            (
                "/r/nginx.conf",
                "http { include /etc/nginx/a.conf; include /elsewhere/b.conf; }",
            ),
            ("/r/a.conf", "server {}"),
        ]);
        let mut ws = Workspace::new();
        ws.add_file(
            "/r/nginx.conf".into(),
            fs.read(Path::new("/r/nginx.conf")).unwrap(),
        );
        let mut opts = options();
        opts.prefixes.push(("/etc/nginx".into(), "/r".into()));
        let entries = ws.resolve(&fs, &opts);
        let a = ws.by_path[Path::new("/r/a.conf")];
        assert_eq!(
            targets(&entries[0]),
            [
                IncludeTarget::Units(vec![a]),
                IncludeTarget::Outside("/elsewhere/b.conf".into())
            ]
        );
    }

    #[test]
    fn fragments_included_by_another_given_file_are_not_entries() {
        let fs = MemFs(vec![
            ("/r/site.conf", "server { include /r/snippets/acl.conf; }"),
            ("/r/snippets/acl.conf", "allow 10.0.0.0/8; deny all;"),
        ]);
        let (ws, entries) = load(&fs, &["/r/site.conf", "/r/snippets/acl.conf"]);
        assert_eq!(entries.len(), 1);
        assert_eq!(ws.units[entries[0].unit].path, Path::new("/r/site.conf"));
    }

    #[test]
    fn normalize_keeps_leading_parent_directories() {
        assert_eq!(normalize(Path::new("../../a/./b")), Path::new("../../a/b"));
        assert_eq!(normalize(Path::new("x/../../y")), Path::new("../y"));
        assert_eq!(normalize(Path::new("/../etc")), Path::new("/etc"));
        assert_eq!(normalize(Path::new("a/b/../c")), Path::new("a/c"));
    }

    #[test]
    fn stars_collapse_as_in_glob3() {
        assert_eq!(collapse_stars("**/*.conf"), "*/*.conf");
    }

    #[test]
    fn a_dump_is_split_into_its_files() {
        let dump = "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n\
                    # configuration file /etc/nginx/nginx.conf:\n\
                    http { include /etc/nginx/conf.d/*.conf; }\n\
                    \n\
                    # configuration file /etc/nginx/conf.d/a.conf:\n\
                    server { listen 80; }\n";
        let mut ws = Workspace::new();
        let units = ws.add_file("/r/dump.txt".into(), dump.as_bytes().to_vec());
        assert_eq!(units.len(), 2);
        assert!(ws.units.iter().all(|u| u.parsed.errors.is_empty()));
        let entries = ws.resolve(&MemFs(vec![]), &options());
        assert_eq!(entries.len(), 1);
        assert_eq!(targets(&entries[0]), [IncludeTarget::Units(vec![units[1]])]);
        let nodes = ws.expand(&entries[0]);
        assert_eq!(nodes[0].directives().len(), 1);
    }
}
