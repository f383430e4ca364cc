//! Mutation fuzzing of the nginx parser and of the whole check pipeline, on the stable
//! toolchain.
//!
//! cargo-fuzz needs nightly, so this is a small self-contained fuzzer that runs as an ordinary
//! test. It starts from the project's own configurations (`tests/fixtures/nginx/**/*.conf`,
//! `corpus/**/*.conf`, and the shared corpus when it is there), mutates them byte by byte and
//! token by token with a seeded xorshift generator, and runs two targets:
//!
//! - the parser, `proxylint_syntax::nginx::parse` (and `parse_range` on a part of the input);
//! - the pipeline: a [`Workspace`] resolved inside a scratch tree that holds the odd things
//!   includes meet (a loop, a FIFO, a directory, a link out of the tree), every rule, and the
//!   human, concise and JSON reports.
//!
//! On every input it checks that nothing panics; that no input takes over two seconds (a
//! watchdog fails the test on one that runs for thirty); that every span of the tree and of
//! every diagnostic lies inside its file and is not reversed; that [`LineIndex`] and the JSON
//! report agree with a naive recount of the bytes; that the concise report has one line per
//! finding; and that no control character reaches the text formats raw. A failing input is
//! shrunk, saved under `$TMPDIR/proxylint-fuzz/` and printed escaped.
//!
//! `PROXYLINT_FUZZ_SECONDS` sets the time per target (default 20), `PROXYLINT_FUZZ_SEED` the
//! seed (default: taken from the clock and printed). Run with `--nocapture` to see the number
//! of executions.

use std::cell::{Cell, RefCell};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{Seek, SeekFrom, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use proxylint_report::{render, Format, HumanOptions, Summary};
use proxylint_rules::{check_nginx, Diagnostic, Settings};
use proxylint_syntax::nginx::{
    directives, parse, parse_range, Directive, LoadOptions, ParsedFile, RealFileSystem, Workspace,
};
use proxylint_syntax::{FileId, LineIndex, Span};

/// Time per target when `PROXYLINT_FUZZ_SECONDS` is not set.
const DEFAULT_SECONDS: u64 = 20;
/// An input that takes longer than this is a finding.
const SLOW_INPUT: Duration = Duration::from_secs(2);
/// An input still running after this long is a hang: the test fails without waiting for it.
const HANG: Duration = Duration::from_secs(30);
/// Mutants are cut to this size, so that one input cannot eat the time budget.
const MAX_INPUT: usize = 64 * 1024;
/// The pipeline's cut: a 64 KB input can hold 30,000 findings, whose three reports alone take
/// seconds in a debug build. Inputs larger than this are `tests/hostile_input.rs`'s business.
const PIPELINE_MAX_INPUT: usize = 16 * 1024;
/// How many mutants are kept to be mutated further.
const POOL_SIZE: usize = 512;
/// Distinct findings after which a run stops looking for more.
const MAX_FINDINGS: usize = 8;
/// How long one failing input may be shrunk.
const MINIMIZE_TIME: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------
// The random number generator.

/// xorshift64*: small, fast and reproducible from its seed; no crate needed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`0` when `n` is `0`).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn seed_from_env() -> u64 {
    if let Some(seed) = std::env::var("PROXYLINT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return seed;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

fn budget() -> Duration {
    let seconds = std::env::var("PROXYLINT_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SECONDS);
    Duration::from_secs(seconds)
}

// ---------------------------------------------------------------------------------------
// Seeds and the mutation dictionary.

fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.conf` file under `dir`, sorted, up to `max` bytes each.
fn conf_files(dir: &Path, max: u64) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().extension().is_some_and(|x| x == "conf"))
        .filter(|e| e.metadata().is_ok_and(|m| m.len() <= max))
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// The project's fixtures and example configurations, then the shared corpus when present;
/// and how many of them are the project's own.
fn seeds() -> (Vec<Vec<u8>>, usize) {
    let root = project_dir();
    let mut seeds = conf_files(&root.join("tests/fixtures/nginx"), 64 * 1024);
    seeds.extend(conf_files(&root.join("corpus"), 64 * 1024));
    assert!(seeds.len() >= 20, "the project's fixtures are missing");
    let own = seeds.len();
    seeds.extend(conf_files(&root.join("../shared/corpus/nginx"), 16 * 1024));
    (seeds, own)
}

/// Fragments worth inserting: the characters nginx's tokenizer treats specially, line ends,
/// bytes that are not UTF-8, and pieces of configuration that reach the loader's and the
/// rules' corners (includes of every kind, dump markers, regex locations, Lua blocks).
fn dictionary() -> Vec<Vec<u8>> {
    let fixed: &[&[u8]] = &[
        b"{",
        b"}",
        b";",
        b"\"",
        b"'",
        b"#",
        b"\\",
        b"$",
        b"${",
        b"${x}",
        b"\n",
        b"\r",
        b"\r\n",
        b"\0",
        b"\xff",
        b"\xfe",
        b"\xc3",
        b"\xc3\xa9",
        b"\xe2\x82",
        b"\xf0\x9f\x98\x80",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\t",
        b" ",
        b"{{",
        b"}}",
        b"{1,3}",
        b"a{2}",
        b"~",
        b"~*",
        b"^~",
        b"=",
        b"@named",
        b"/SignService/",
        b"/signservice",
        b"(?<=a)b",
        b"(a)\\1",
        b"location ~ ^/v[0-9]{1,3}/ {",
        b"location /SignService/ {",
        b"location / {",
        b"server {",
        b"http {",
        b"events {}",
        b"upstream be {",
        b"map $a $b {",
        b"if ($x) {",
        b"limit_except GET {",
        b"content_by_lua_block {",
        b"--[[",
        b"]]",
        b"[==[",
        b"]==]",
        b"# configuration file /etc/nginx/nginx.conf:\n",
        b"# configuration file /etc/nginx/conf.d/a.conf:\n",
        b"# configuration file nginx.conf:\n",
        b"# proxylint: grpc-service\n",
        b"include snippets/*.conf;",
        b"include snippets/loop.conf;",
        b"include back.conf;",
        b"include /etc/nginx/snippets/grpc.conf;",
        b"include dir;",
        b"include fifo;",
        b"include selflink;",
        b"include escape/secret.conf;",
        b"include *;",
        b"include ../*;",
        b"include nginx.conf;",
        b"include /dev/zero;",
        b"include \"a b\";",
        b"include [;",
        b"grpc_pass grpcs://10.0.0.5:443;",
        b"grpc_pass grpc://$host;",
        b"proxy_pass https://10.0.0.5:443;",
        b"proxy_pass http://be;",
        b"listen 443 ssl http2;",
        b"listen [::]:443 ssl;",
        b"http2 on;",
        b"allow 10.0.0.0/8;",
        b"deny all;",
        b"return 301 https://$host$request_uri;",
        b"rewrite ^ /x last;",
        b"server_name signotaur.example.com;",
        b"grpc_read_timeout 1h;",
        b"proxy_read_timeout 5;",
        b"grpc_read_timeout 99999999999999999999d;",
        b"listen 99999999999;",
        b"listen unix:/x;",
        b"ssl_verify off;",
    ];
    let mut dict: Vec<Vec<u8>> = fixed.iter().map(|d| d.to_vec()).collect();
    dict.extend(directives::all().iter().map(|d| d.name.as_bytes().to_vec()));
    dict
}

// ---------------------------------------------------------------------------------------
// Mutations.

/// Where tokens start and end, roughly as nginx splits them: runs of white space, runs of
/// other bytes, and each of `{ } ; " ' #` on its own.
fn token_bounds(input: &[u8]) -> Vec<(usize, usize)> {
    let class = |c: u8| match c {
        b' ' | b'\t' | b'\r' | b'\n' => 0,
        b'{' | b'}' | b';' | b'"' | b'\'' | b'#' => 2,
        _ => 1,
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < input.len() {
        let c = class(input[i]);
        let mut j = i + 1;
        while c != 2 && j < input.len() && class(input[j]) == c {
            j += 1;
        }
        if c != 0 {
            out.push((i, j));
        }
        i = j;
    }
    out
}

/// Start offsets of every line.
fn line_starts(input: &[u8]) -> Vec<usize> {
    let mut out = vec![0];
    out.extend(
        input
            .iter()
            .enumerate()
            .filter(|(_, &c)| c == b'\n')
            .map(|(i, _)| i + 1),
    );
    out
}

struct Mutator {
    seeds: Vec<Vec<u8>>,
    dict: Vec<Vec<u8>>,
    max_input: usize,
}

impl Mutator {
    /// One to five stacked mutations of `input`.
    fn mutate(&self, rng: &mut Rng, input: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        let rounds = 1 + rng.below(5);
        for _ in 0..rounds {
            self.mutate_once(rng, &mut out);
        }
        out.truncate(self.max_input);
        out
    }

    fn mutate_once(&self, rng: &mut Rng, out: &mut Vec<u8>) {
        match rng.below(16) {
            0 => flip_bit(rng, out),
            1 => set_byte(rng, out),
            2 | 3 => {
                let fragment = rng.pick(&self.dict).clone();
                insert(rng, out, &fragment);
            }
            4 => delete_range(rng, out),
            5 => duplicate_range(rng, out),
            6 => self.splice(rng, out),
            7 => {
                let at = rng.below(out.len() + 1);
                out.truncate(at);
            }
            8 => token_op(rng, out, None),
            9 => {
                let word = rng.pick(&self.dict).clone();
                token_op(rng, out, Some(&word));
            }
            10 => line_op(rng, out),
            11 => line_ends(rng, out),
            12 => indentation(rng, out),
            13 => repeat_fragment(rng, out),
            14 => self.splice_lines(rng, out),
            _ => {
                // The special characters alone, where they hurt most: next to others.
                let special = *rng.pick(b"{};\"'#\\$");
                let at = rng.below(out.len() + 1);
                out.insert(at, special);
            }
        }
    }

    /// A range from another seed, inserted or written over a range of this one.
    fn splice(&self, rng: &mut Rng, out: &mut Vec<u8>) {
        let other = rng.pick(&self.seeds);
        if other.is_empty() {
            return;
        }
        let a = rng.below(other.len());
        let b = (a + 1 + rng.below(256)).min(other.len());
        let at = rng.below(out.len() + 1);
        let replace = if rng.chance(50) {
            rng.below(out.len() - at + 1).min(256)
        } else {
            0
        };
        out.splice(at..at + replace, other[a..b].iter().copied());
    }

    /// Whole lines of another seed, inserted at a line start.
    fn splice_lines(&self, rng: &mut Rng, out: &mut Vec<u8>) {
        let other = rng.pick(&self.seeds);
        let theirs = line_starts(other);
        let a = *rng.pick(&theirs);
        let b = theirs
            .get(theirs.partition_point(|&s| s <= a) + rng.below(8))
            .copied()
            .unwrap_or(other.len());
        let ours = line_starts(out);
        let at = *rng.pick(&ours);
        out.splice(at..at, other[a..b.max(a)].iter().copied());
    }
}

fn flip_bit(rng: &mut Rng, out: &mut [u8]) {
    if !out.is_empty() {
        let at = rng.below(out.len());
        out[at] ^= 1 << rng.below(8);
    }
}

fn set_byte(rng: &mut Rng, out: &mut [u8]) {
    if !out.is_empty() {
        let at = rng.below(out.len());
        out[at] = rng.next() as u8;
    }
}

fn insert(rng: &mut Rng, out: &mut Vec<u8>, fragment: &[u8]) {
    let at = rng.below(out.len() + 1);
    out.splice(at..at, fragment.iter().copied());
}

fn delete_range(rng: &mut Rng, out: &mut Vec<u8>) {
    if out.is_empty() {
        return;
    }
    let at = rng.below(out.len());
    let longest = if rng.chance(80) { 8 } else { 512 };
    let len = 1 + rng.below(longest);
    out.drain(at..(at + len).min(out.len()));
}

fn duplicate_range(rng: &mut Rng, out: &mut Vec<u8>) {
    if out.is_empty() {
        return;
    }
    let a = rng.below(out.len());
    let b = (a + 1 + rng.below(128)).min(out.len());
    let piece = out[a..b].to_vec();
    insert(rng, out, &piece);
}

/// A short fragment repeated many times: deep nesting, long lines, many directives.
fn repeat_fragment(rng: &mut Rng, out: &mut Vec<u8>) {
    if out.is_empty() {
        return;
    }
    let a = rng.below(out.len());
    let b = (a + 1 + rng.below(24)).min(out.len());
    let piece = out[a..b].to_vec();
    let most = if rng.chance(80) { 64 } else { 4096 };
    let times = 2 + rng.below(most);
    let mut block = Vec::with_capacity(piece.len() * times);
    for _ in 0..times {
        block.extend_from_slice(&piece);
        if block.len() > MAX_INPUT {
            break;
        }
    }
    insert(rng, out, &block);
}

/// Deletes, duplicates or swaps whole tokens, or writes `word` over one.
fn token_op(rng: &mut Rng, out: &mut Vec<u8>, word: Option<&[u8]>) {
    let tokens = token_bounds(out);
    if tokens.is_empty() {
        if let Some(word) = word {
            out.extend_from_slice(word);
        }
        return;
    }
    let (a, b) = *rng.pick(&tokens);
    if let Some(word) = word {
        out.splice(a..b, word.iter().copied());
        return;
    }
    match rng.below(3) {
        0 => {
            out.drain(a..b);
        }
        1 => {
            let piece = out[a..b].to_vec();
            out.splice(b..b, std::iter::once(b' ').chain(piece));
        }
        _ => {
            let (c, d) = *rng.pick(&tokens);
            if (c, d) == (a, b) {
                return;
            }
            let (first, second) = if c < a {
                ((c, d), (a, b))
            } else {
                ((a, b), (c, d))
            };
            let one = out[first.0..first.1].to_vec();
            let two = out[second.0..second.1].to_vec();
            out.splice(second.0..second.1, one);
            out.splice(first.0..first.1, two);
        }
    }
}

/// Deletes, duplicates or moves one line.
fn line_op(rng: &mut Rng, out: &mut Vec<u8>) {
    let starts = line_starts(out);
    let i = rng.below(starts.len());
    let a = starts[i];
    let b = starts.get(i + 1).copied().unwrap_or(out.len());
    let line = out[a..b].to_vec();
    match rng.below(3) {
        0 => {
            out.drain(a..b);
        }
        1 => {
            out.splice(b..b, line);
        }
        _ => {
            out.drain(a..b);
            let starts = line_starts(out);
            let at = *rng.pick(&starts);
            out.splice(at..at, line);
        }
    }
}

/// Rewrites some or all LF line ends as CRLF or lone CR.
fn line_ends(rng: &mut Rng, out: &mut Vec<u8>) {
    let replacement: &[u8] = if rng.chance(50) { b"\r\n" } else { b"\r" };
    let all = rng.chance(50);
    let mut result = Vec::with_capacity(out.len() + out.len() / 16);
    for &c in out.iter() {
        if c == b'\n' && (all || rng.chance(20)) {
            result.extend_from_slice(replacement);
        } else {
            result.push(c);
        }
    }
    *out = result;
}

/// Changes the indentation of one line: the parser's recovery reads indentation.
fn indentation(rng: &mut Rng, out: &mut Vec<u8>) {
    let starts = line_starts(out);
    let at = *rng.pick(&starts);
    let width = out[at..]
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    out.drain(at..at + width);
    let new: Vec<u8> = match rng.below(3) {
        0 => Vec::new(),
        1 => vec![b'\t'; rng.below(4)],
        _ => vec![b' '; rng.below(24)],
    };
    out.splice(at..at, new);
}

// ---------------------------------------------------------------------------------------
// Invariants.

/// A position while counting: 1-based line and column, and the byte offset reached.
#[derive(Clone, Copy)]
struct Count {
    line: u32,
    column: u32,
    at: usize,
}

const START: Count = Count {
    line: 1,
    column: 1,
    at: 0,
};

/// Counts forward over whole units that end at or before `offset`: a line end (LF, CRLF or
/// a lone CR) starts a new line; a valid UTF-8 scalar value or any other byte is a column.
fn count_to(text: &[u8], mut count: Count, offset: usize) -> Count {
    while count.at < offset {
        let i = count.at;
        let (len, ends_line) = match text[i] {
            b'\n' => (1, true),
            b'\r' if text.get(i + 1) == Some(&b'\n') => (2, true),
            b'\r' => (1, true),
            _ => (utf8_len_at(text, i).max(1), false),
        };
        if i + len > offset {
            break;
        }
        count = if ends_line {
            Count {
                line: count.line + 1,
                column: 1,
                at: i + len,
            }
        } else {
            Count {
                column: count.column + 1,
                at: i + len,
                ..count
            }
        };
    }
    count
}

/// The 1-based line and column of `offset`, counted the slow and obvious way from `from` (a
/// count at or before it). The bytes of a unit cut by the offset (the CR of a CRLF, the
/// start of a multi-byte character) count one column each.
fn naive_from(text: &[u8], from: Count, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let whole = count_to(text, from, offset);
    (whole.line, whole.column + (offset - whole.at) as u32)
}

fn naive_line_col(text: &[u8], offset: usize) -> (u32, u32) {
    naive_from(text, START, offset)
}

/// The length of the valid UTF-8 scalar value starting at `i`, or 0.
fn utf8_len_at(text: &[u8], i: usize) -> usize {
    let len = match text[i] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return 0,
    };
    match text.get(i..i + len) {
        Some(bytes) if std::str::from_utf8(bytes).is_ok() => len,
        _ => 0,
    }
}

/// Checks [`LineIndex`] against the naive count at every offset of `offsets`, counting the
/// text once (the offsets are visited in order).
fn check_line_cols(text: &[u8], offsets: &mut [u32], what: &str) {
    let index = LineIndex::new(text);
    offsets.sort_unstable();
    let mut count = START;
    for &offset in offsets.iter() {
        let got = index.line_col(text, offset);
        let want = naive_from(text, count, offset as usize);
        assert_eq!(
            (got.line, got.column),
            want,
            "LineIndex disagrees with a naive count at offset {offset} ({what})"
        );
        count = count_to(text, count, (offset as usize).min(text.len()));
    }
}

fn check_span(span: Span, lo: usize, hi: usize, what: &str) {
    assert!(
        span.start <= span.end && lo <= span.start as usize && span.end as usize <= hi,
        "{what} span {}..{} lies outside {lo}..{hi}",
        span.start,
        span.end
    );
}

/// Every span of a parsed file lies in `lo..hi` (the unit's range) and is not reversed.
fn check_tree(parsed: &ParsedFile, lo: usize, hi: usize) {
    let mut stack: Vec<&Directive> = parsed.directives.iter().collect();
    while let Some(d) = stack.pop() {
        check_span(d.span, lo, hi, "directive");
        check_span(d.name.span, lo, hi, "directive name");
        for arg in &d.args {
            check_span(arg.span, lo, hi, "argument");
            check_span(arg.inner(), lo, hi, "argument text");
        }
        if let Some(block) = &d.block {
            check_span(block.open, lo, hi, "block `{`");
            if let Some(close) = block.close {
                check_span(close, lo, hi, "block `}`");
            }
            if let Some(raw) = block.raw {
                check_span(raw, lo, hi, "raw block body");
            }
            stack.extend(&block.children);
        }
    }
    for comment in &parsed.comments {
        check_span(comment.span, lo, hi, "comment");
    }
    for error in &parsed.errors {
        check_span(error.span, lo, hi, "syntax error");
        for (span, _) in &error.related {
            check_span(*span, lo, hi, "syntax error's related");
        }
    }
}

/// A few offsets to test line/column on, chosen from the input itself so that a run is
/// reproducible from the input alone.
fn sample_offsets(input: &[u8]) -> Vec<u32> {
    let mut hasher = DefaultHasher::new();
    input.hash(&mut hasher);
    let mut rng = Rng::new(hasher.finish());
    let mut out = vec![0, input.len() as u32];
    out.extend((0..6).map(|_| rng.below(input.len() + 1) as u32));
    out
}

// ---------------------------------------------------------------------------------------
// The targets.

/// One fuzz case: the bytes, and a variant that picks the file name and settings, so that a
/// failing case replays exactly.
#[derive(Clone)]
struct Case {
    input: Vec<u8>,
    variant: u8,
}

/// Runs a case and returns how long the code under test took (the checks not counted).
type Target = Arc<dyn Fn(&Case) -> Duration + Send + Sync>;

fn parser_target(case: &Case) -> Duration {
    let input = &case.input;
    let started = Instant::now();
    let parsed = parse(input);
    // One part of a file, as an `nginx -T` dump is read: spans stay inside the part.
    let starts = line_starts(input);
    let (a, b) = (starts[starts.len().min(2) - 1], starts[starts.len() - 1]);
    let part = parse_range(input, a, b);
    let elapsed = started.elapsed();
    check_tree(&parsed, 0, input.len());
    check_tree(&part, a, b);
    let mut offsets = sample_offsets(input);
    for error in &parsed.errors {
        offsets.extend([error.span.start, error.span.end]);
    }
    check_line_cols(input, &mut offsets, "syntax errors and sampled offsets");
    elapsed
}

/// The files an input may include: a scratch tree (`root/`, the checked tree) with the odd
/// things a real one holds, beside a directory outside it.
fn scratch_tree() -> (tempfile::TempDir, PathBuf) {
    let base = tempfile::Builder::new()
        .prefix("proxylint-fuzz")
        .tempdir()
        .unwrap();
    let root = base.path().canonicalize().unwrap().join("root");
    let write = |name: &str, text: &[u8]| {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "snippets/grpc.conf",
        b"location /SignService/ {\n    grpc_pass grpcs://10.0.0.5:443;\n}\n",
    );
    write("snippets/acl.conf", b"allow 10.0.0.0/8;\ndeny all;\n");
    write("snippets/loop.conf", b"include snippets/loop.conf;\n");
    write("back.conf", b"include nginx.conf;\n");
    write(
        "conf.d/x.conf",
        &std::fs::read(project_dir().join("corpus/signing-service/recommended.conf")).unwrap(),
    );
    std::fs::create_dir_all(root.join("dir/sub")).unwrap();
    std::os::unix::fs::symlink("selflink", root.join("selflink")).unwrap();
    let outside = base.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.conf"), b"must-not-be-read;\n").unwrap();
    std::os::unix::fs::symlink("../outside", root.join("escape")).unwrap();
    // Without mkfifo there is simply no FIFO to include.
    let _ = std::process::Command::new("mkfifo")
        .arg(root.join("fifo"))
        .status();
    (base, root)
}

fn pipeline_target(root: &Path, case: &Case) -> Duration {
    let names = ["nginx.conf", "conf.d/site.conf", "sites-enabled/app"];
    let name = names[case.variant as usize % names.len()];
    let settings = Settings {
        nginx_version: match case.variant / 3 % 3 {
            0 => None,
            1 => Some(semver_version("1.24.0")),
            _ => Some(semver_version("1.27.3")),
        },
        ..Settings::default()
    };
    let started = Instant::now();
    let (ws, diagnostics) = check_input(root, name, &case.input, &settings);
    let outputs = render_all(&ws, &diagnostics);
    let elapsed = started.elapsed();
    for unit in &ws.units {
        let (lo, hi) = (unit.range.start as usize, unit.range.end as usize);
        check_tree(&unit.parsed, lo, hi);
    }
    let positions = check_diagnostics(&ws, &diagnostics);
    check_reports(&diagnostics, &outputs, &positions);
    // A backslash escapes the next byte: a `\` before a line end is where the twins differ.
    let escaped_line_end = case.input.windows(2).any(|w| w == b"\\\n");
    if case.variant.is_multiple_of(2) && !case.input.contains(&b'\r') && !escaped_line_end {
        check_crlf_twin(root, name, case, &settings, (&diagnostics, &positions));
    }
    elapsed
}

/// Loads `input` as the file `name` of the scratch tree and runs every rule.
fn check_input(
    root: &Path,
    name: &str,
    input: &[u8],
    settings: &Settings,
) -> (Workspace, Vec<Diagnostic>) {
    let mut ws = Workspace::new();
    ws.add_file(root.join(name), input.to_vec());
    let options = LoadOptions {
        prefixes: vec![(PathBuf::from("/etc/nginx"), root.to_path_buf())],
        roots: vec![root.to_path_buf()],
        allow_outside: false,
    };
    let entries = ws.resolve(&RealFileSystem, &options);
    let diagnostics = check_nginx(&ws, &entries, settings);
    (ws, diagnostics)
}

/// nginx reads a CR as white space and ends comments at LF, so a file with CRLF line ends
/// means what its LF twin means (unless a backslash escapes a line end): the same findings
/// at the same lines and columns.
fn check_crlf_twin(
    root: &Path,
    name: &str,
    case: &Case,
    settings: &Settings,
    (diagnostics, positions): (&[Diagnostic], &Positions),
) {
    let mut twin = Vec::with_capacity(case.input.len() * 2);
    for &c in &case.input {
        if c == b'\n' {
            twin.push(b'\r');
        }
        twin.push(c);
    }
    let (twin_ws, twin_diagnostics) = check_input(root, name, &twin, settings);
    let twin_positions = check_diagnostics(&twin_ws, &twin_diagnostics);
    let places = |diagnostics: &[Diagnostic], positions: &Positions| {
        diagnostics
            .iter()
            .map(|d| (d.code, positions[&(d.primary.file.0, d.primary.span.start)]))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        places(&twin_diagnostics, &twin_positions),
        places(diagnostics, positions),
        "the CRLF twin of the input is reported differently"
    );
}

fn semver_version(text: &str) -> semver::Version {
    semver::Version::parse(text).unwrap()
}

/// Naive line and column of every offset a label points at, by file and offset.
type Positions = HashMap<(u32, u32), (u32, u32)>;

/// Every label names a file of the workspace and its span lies in it; [`LineIndex`] agrees
/// with the naive count at both ends. Returns the naive positions, for the JSON check.
fn check_diagnostics(ws: &Workspace, diagnostics: &[Diagnostic]) -> Positions {
    let mut offsets: HashMap<u32, Vec<u32>> = HashMap::new();
    for d in diagnostics {
        for (label, what) in
            std::iter::once((&d.primary, "primary")).chain(d.related.iter().map(|l| (l, "related")))
        {
            assert!(
                (label.file.0 as usize) < ws.sources.len(),
                "{} {what} label names file {} of {}",
                d.code,
                label.file.0,
                ws.sources.len()
            );
            let len = ws.sources.get(label.file).text.len();
            check_span(label.span, 0, len, &format!("{} {what}", d.code));
            let file = offsets.entry(label.file.0).or_default();
            file.extend([label.span.start, label.span.end]);
        }
    }
    let mut positions = Positions::new();
    for (file, mut offsets) in offsets {
        let text = &ws.sources.get(FileId(file)).text;
        check_line_cols(text, &mut offsets, "a diagnostic's span");
        let mut count = START;
        for offset in offsets {
            positions.insert((file, offset), naive_from(text, count, offset as usize));
            count = count_to(text, count, offset as usize);
        }
    }
    positions
}

/// The report in the three formats: human, concise, JSON.
fn render_all(ws: &Workspace, diagnostics: &[Diagnostic]) -> Vec<String> {
    let summary = Summary::new(ws.sources.len(), diagnostics);
    let human = HumanOptions {
        color: false,
        summary: true,
    };
    let mut outputs = Vec::new();
    for format in [Format::Human, Format::Concise, Format::Json] {
        let mut out = Vec::new();
        render(format, &ws.sources, diagnostics, summary, human, &mut out)
            .unwrap_or_else(|e| panic!("rendering {format:?} failed: {e}"));
        let text = String::from_utf8(out)
            .unwrap_or_else(|e| panic!("{format:?} output is not UTF-8: {e}"));
        outputs.push(text);
    }
    outputs
}

/// The concise format has one line per finding, no control character reaches the text
/// formats raw, and the JSON is valid with every position right.
fn check_reports(diagnostics: &[Diagnostic], outputs: &[String], positions: &Positions) {
    let concise = &outputs[1];
    assert_eq!(
        concise.lines().count(),
        diagnostics.len(),
        "concise output is one line per finding"
    );
    for (format, text) in [("human", &outputs[0]), ("concise", concise)] {
        let raw = text.chars().find(|&c| c.is_control() && c != '\n');
        assert!(
            raw.is_none(),
            "a raw control character {raw:?} in the {format} output"
        );
    }
    check_json(diagnostics, &outputs[2], positions);
}

fn check_json(diagnostics: &[Diagnostic], json: &str, positions: &Positions) {
    let report: serde_json::Value = serde_json::from_str(json).expect("the JSON output parses");
    let listed = report["diagnostics"]
        .as_array()
        .expect("a diagnostics array");
    assert_eq!(listed.len(), diagnostics.len());
    let summary = &report["summary"];
    let counted: u64 = ["errors", "warnings", "infos"]
        .iter()
        .map(|k| summary[k].as_u64().unwrap())
        .sum();
    assert_eq!(counted, diagnostics.len() as u64, "summary counts");
    for (d, j) in diagnostics.iter().zip(listed) {
        for (key, offset) in [("start", d.primary.span.start), ("end", d.primary.span.end)] {
            let (line, column) = positions[&(d.primary.file.0, offset)];
            let at = &j[key];
            assert_eq!(
                (
                    at["line"].as_u64(),
                    at["column"].as_u64(),
                    at["offset"].as_u64()
                ),
                (Some(line.into()), Some(column.into()), Some(offset.into())),
                "JSON {key} position of {}",
                d.code
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// The fuzzing loop.

thread_local! {
    /// While set, panics on this thread are recorded here instead of printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Routes panics of fuzzing threads to [`CAUGHT`]; other threads keep the default output.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                return previous(info);
            }
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(a non-string panic)".to_string());
            let location = info
                .location()
                .map_or("?".to_string(), |l| format!("{}:{}", l.file(), l.line()));
            CAUGHT.with(|c| *c.borrow_mut() = Some((location, message)));
        }));
    });
}

/// What running one case did.
enum Outcome {
    Fine(Duration),
    /// The location identifies the bug; the message explains it.
    Panicked {
        location: String,
        message: String,
    },
}

fn execute(target: &Target, case: &Case) -> Outcome {
    QUIET.with(|q| q.set(true));
    let result = catch_unwind(AssertUnwindSafe(|| target(case)));
    QUIET.with(|q| q.set(false));
    match result {
        Ok(elapsed) => Outcome::Fine(elapsed),
        Err(_) => {
            let (location, message) = CAUGHT
                .with(|c| c.borrow_mut().take())
                .unwrap_or_else(|| ("?".into(), "?".into()));
            Outcome::Panicked { location, message }
        }
    }
}

/// One problem found, with the input that shows it.
struct Finding {
    kind: String,
    detail: String,
    case: Case,
    saved: PathBuf,
}

/// Shrinks a panicking case while it panics at the same place: drops ever smaller chunks,
/// down to single bytes, for at most [`MINIMIZE_TIME`].
fn minimize(target: &Target, case: &Case, location: &str) -> Case {
    let mut best = case.clone();
    let same = |c: &Case| matches!(execute(target, c), Outcome::Panicked { location: l, .. } if l == location);
    let started = Instant::now();
    let in_time = || started.elapsed() < MINIMIZE_TIME;
    let mut chunk = best.input.len().div_ceil(2).max(1);
    while in_time() {
        let mut progressed = false;
        let mut at = 0;
        while at < best.input.len() && in_time() {
            let mut trial = best.clone();
            trial.input.drain(at..(at + chunk).min(trial.input.len()));
            if same(&trial) {
                best = trial;
                progressed = true;
            } else {
                at += chunk;
            }
        }
        if chunk == 1 && !progressed {
            break;
        }
        if !progressed {
            chunk = chunk.div_ceil(2).max(1);
        }
    }
    best
}

fn crash_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("proxylint-fuzz");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn save(target_name: &str, tag: &str, input: &[u8]) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    input.hash(&mut hasher);
    let path = crash_dir().join(format!("{target_name}-{tag}-{:016x}.conf", hasher.finish()));
    std::fs::write(&path, input).unwrap();
    path
}

/// What the watchdog sees of the running fuzzer.
struct Progress {
    executions: AtomicU64,
    /// When the running case started, in milliseconds since the run started (0: none).
    running_since: AtomicU64,
    done: AtomicBool,
}

struct Report {
    executions: u64,
    elapsed: Duration,
    seed: u64,
    findings: Vec<Finding>,
}

/// Mutates and runs cases until the budget is spent. Before each run the case is written to
/// `current`, so that a hang or an abort (a stack overflow) leaves the input on disk.
fn fuzz_loop(
    name: &'static str,
    target: Target,
    max_input: usize,
    seed: u64,
    budget: Duration,
    progress: Arc<Progress>,
    current: PathBuf,
) -> Report {
    install_panic_hook();
    let (seeds, own) = seeds();
    // The project's own files run unchanged too, one run in four until all have run.
    let mut queue: Vec<Vec<u8>> = seeds[..own].to_vec();
    let mutator = Mutator {
        seeds,
        dict: dictionary(),
        max_input,
    };
    let mut rng = Rng::new(seed);
    let mut pool: Vec<Vec<u8>> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut current_file = std::fs::File::create(&current).unwrap();
    let started = Instant::now();
    while started.elapsed() < budget && findings.len() < MAX_FINDINGS {
        let unchanged = progress
            .executions
            .load(Ordering::Relaxed)
            .is_multiple_of(4);
        let input = match queue.pop().filter(|_| unchanged) {
            Some(seed) => seed,
            None => {
                let parent = if !pool.is_empty() && rng.chance(50) {
                    rng.pick(&pool)
                } else {
                    rng.pick(&mutator.seeds)
                };
                mutator.mutate(&mut rng, parent)
            }
        };
        let case = Case {
            input,
            variant: rng.below(9) as u8,
        };
        current_file.seek(SeekFrom::Start(0)).unwrap();
        current_file.write_all(&case.input).unwrap();
        current_file.set_len(case.input.len() as u64).unwrap();
        let since = started.elapsed().as_millis() as u64 + 1;
        progress.running_since.store(since, Ordering::SeqCst);
        let outcome = execute(&target, &case);
        progress.running_since.store(0, Ordering::SeqCst);
        progress.executions.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Outcome::Fine(elapsed) if elapsed > SLOW_INPUT => {
                record_slow(name, &case, elapsed, &mut findings);
            }
            Outcome::Fine(_) => {
                if pool.len() < POOL_SIZE {
                    pool.push(case.input);
                } else {
                    let slot = rng.below(POOL_SIZE);
                    pool[slot] = case.input;
                }
            }
            Outcome::Panicked { location, message } => {
                record_panic(name, &target, &case, location, message, &mut findings);
            }
        }
    }
    progress.done.store(true, Ordering::SeqCst);
    Report {
        executions: progress.executions.load(Ordering::SeqCst),
        elapsed: started.elapsed(),
        seed,
        findings,
    }
}

fn record_slow(name: &str, case: &Case, elapsed: Duration, findings: &mut Vec<Finding>) {
    if findings.iter().any(|f| f.kind == "slow") {
        return;
    }
    findings.push(Finding {
        kind: "slow".into(),
        detail: format!("one input took {elapsed:?} (limit {SLOW_INPUT:?})"),
        saved: save(name, "slow", &case.input),
        case: case.clone(),
    });
}

fn record_panic(
    name: &str,
    target: &Target,
    case: &Case,
    location: String,
    message: String,
    findings: &mut Vec<Finding>,
) {
    if findings.iter().any(|f| f.kind == location) {
        return;
    }
    save(name, "original", &case.input);
    let small = minimize(target, case, &location);
    findings.push(Finding {
        detail: message,
        saved: save(name, "minimal", &small.input),
        kind: location,
        case: small,
    });
}

/// An input as an escaped byte string, cut after 600 bytes (the saved file has it all).
fn shown(input: &[u8]) -> String {
    let cut = input.len().min(600);
    let more = if cut < input.len() { "…" } else { "" };
    format!("{}{more}", input[..cut].escape_ascii())
}

/// Runs one target under a watchdog, prints the executions, and fails on any finding.
fn fuzz(name: &'static str, target: Target, max_input: usize) {
    let seed = seed_from_env();
    let budget = budget();
    let progress = Arc::new(Progress {
        executions: AtomicU64::new(0),
        running_since: AtomicU64::new(0),
        done: AtomicBool::new(false),
    });
    let current = crash_dir().join(format!("{name}-running-{}.conf", std::process::id()));
    eprintln!(
        "fuzz {name}: seed {seed}, {budget:?}; the input being run is kept in {}",
        current.display()
    );
    let worker = {
        let (progress, current) = (progress.clone(), current.clone());
        std::thread::Builder::new()
            .name(format!("fuzz-{name}"))
            .stack_size(64 << 20)
            .spawn(move || fuzz_loop(name, target, max_input, seed, budget, progress, current))
            .unwrap()
    };
    let started = Instant::now();
    while !progress.done.load(Ordering::SeqCst) && !worker.is_finished() {
        std::thread::sleep(Duration::from_millis(100));
        let since = progress.running_since.load(Ordering::SeqCst);
        let running = started
            .elapsed()
            .saturating_sub(Duration::from_millis(since));
        if since > 0 && running > HANG {
            let input = std::fs::read(&current).unwrap_or_default();
            let saved = save(name, "hang", &input);
            panic!(
                "fuzz {name}: an input has run for {running:?} (hang); saved to {}:\n{}",
                saved.display(),
                shown(&input)
            );
        }
    }
    let report = worker.join().expect("the fuzzer itself does not panic");
    let _ = std::fs::remove_file(&current);
    eprintln!(
        "fuzz {name}: {} executions in {:.1}s ({:.0}/s), seed {}, {} finding(s)",
        report.executions,
        report.elapsed.as_secs_f64(),
        report.executions as f64 / report.elapsed.as_secs_f64(),
        report.seed,
        report.findings.len()
    );
    if report.findings.is_empty() {
        return;
    }
    let mut text = String::new();
    for f in &report.findings {
        text.push_str(&format!(
            "\n- {} (variant {}): {}\n  input ({} bytes, saved to {}): b\"{}\"\n",
            f.kind,
            f.case.variant,
            f.detail,
            f.case.input.len(),
            f.saved.display(),
            shown(&f.case.input)
        ));
    }
    panic!(
        "fuzz {name}: {} finding(s) (PROXYLINT_FUZZ_SEED={seed} replays the run):{text}",
        report.findings.len()
    );
}

#[test]
fn fuzz_the_parser() {
    fuzz("parser", Arc::new(parser_target), MAX_INPUT);
}

#[test]
fn fuzz_the_check_pipeline() {
    let (_base, root) = scratch_tree();
    fuzz(
        "pipeline",
        Arc::new(move |case: &Case| pipeline_target(&root, case)),
        PIPELINE_MAX_INPUT,
    );
}

/// Every truncation of two example configurations, at every byte offset, goes through the
/// parser, every rule and the three formats without a panic, in bounded time, and with every
/// span inside its file.
#[test]
fn every_prefix_of_two_corpus_files_is_checked() {
    install_panic_hook();
    let (_base, path) = scratch_tree();
    // Variant 0: the file is `nginx.conf`, the settings are the defaults.
    let target: Target = Arc::new(move |case: &Case| pipeline_target(&path, case));
    let mut failures = Vec::new();
    for file in [
        "corpus/signing-service/recommended.conf",
        "corpus/npm/data/nginx/proxy_host/1.conf",
    ] {
        let text = std::fs::read(project_dir().join(file)).unwrap();
        for len in 0..=text.len() {
            let case = Case {
                input: text[..len].to_vec(),
                variant: 0,
            };
            match execute(&target, &case) {
                Outcome::Fine(elapsed) => {
                    assert!(elapsed < SLOW_INPUT, "{file} cut at {len} took {elapsed:?}")
                }
                Outcome::Panicked { location, message } => {
                    failures.push(format!("{file} cut at byte {len}: {message} at {location}"))
                }
            }
        }
        eprintln!("prefix sweep: {} prefixes of {file}", text.len() + 1);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The naive count used above agrees with [`LineIndex`] at every offset of a text that mixes
/// every kind of line end, tabs, multi-byte characters and bytes that are not UTF-8.
#[test]
fn line_index_agrees_with_a_naive_count_at_every_offset() {
    let text: &[u8] =
        b"a\nb\r\nc\rd\r\r\n\n\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xff\xfe\xe2\x82x\r\xc3\r\n\xf0";
    let mut every: Vec<u32> = (0..=text.len() as u32 + 1).collect();
    check_line_cols(text, &mut every, "crafted text");
    assert_eq!(naive_line_col(text, 2), (2, 1));
    assert_eq!(
        naive_line_col(text, 4),
        (2, 3),
        "between CR and LF the CR counts"
    );
    assert_eq!(naive_line_col(text, 7), (4, 1), "after a lone CR");
}
