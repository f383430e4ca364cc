//! Differential test of proxylint's parser against Debian's nginx 1.22.1: for the project's
//! example configurations, the shared corpus, and a few hundred seeded mutants of them, does
//! the file parse? nginx answers with `nginx -t` (never a running server), proxylint with
//! `proxylint_syntax::nginx::parse` (the library behind PL001, for speed).
//!
//! Only files nginx accepts after neutralisation (see `differential/neutralize.rs`) are
//! mutated. nginx stops at its first error, so only its syntax-class answers are compared:
//! a text nginx accepts must get no syntax error from proxylint (PL001, or PL006 for a brace
//! nginx splits as a block), and one nginx rejects with a syntax error must get at least one.
//! Answers such as "invalid number of arguments" or "not allowed here" say nothing about the
//! syntax and are counted but not compared.
//!
//! Every disagreement is either listed in [`EXCEPTIONS`] with its reason (and pinned by
//! `documented_exceptions_still_disagree`) or fails the test: a proxylint bug is not an
//! exception, it fails the test until it is fixed. `PROXYLINT_DIFF_VERBOSE=1` prints every
//! mutant's comparison.

mod differential;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use differential::conf::{self, TokKind};
use differential::neutralize::{guess_wrap, neutralise, unsafe_directive, Wrap};
use differential::{NginxVerdict, Rng, Scratch};
use proxylint_syntax::nginx::parse;
use proxylint_syntax::SyntaxErrorKind;

const SEED: u64 = 0x1022_5eed_d1ff;
/// Mutants in total, spread evenly over the mutation kinds.
const MUTANTS: usize = 480;
/// Rounds of dropping unknown directives and re-wrapping before a file is given up.
const MAX_ROUNDS: usize = 8;
/// Corpus folders that hold templates (Liquid, Jinja2), not nginx configuration.
const TEMPLATE_FOLDERS: &[&str] = &["nginx-proxy-manager-templates", "mailcow-templates"];

/// How a mutant differs from its accepted original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mutation {
    DropSemicolon,
    DropClose,
    DropOpen,
    DropClosingQuote,
    DuplicateClose,
    StraySemicolon,
    Cut,
    SwapTokens,
}

const KINDS: [Mutation; 8] = [
    Mutation::DropSemicolon,
    Mutation::DropClose,
    Mutation::DropOpen,
    Mutation::DropClosingQuote,
    Mutation::DuplicateClose,
    Mutation::StraySemicolon,
    Mutation::Cut,
    Mutation::SwapTokens,
];

/// What nginx's answer says about the syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Class {
    Accepted,
    Syntax(String),
    Other(String),
}

/// One comparison: a text, what nginx said, what proxylint said.
struct Case {
    source: String,
    mutation: Option<(Mutation, usize)>,
    text: Vec<u8>,
    nginx: Class,
    /// The line nginx blamed, if it rejected the text.
    nginx_line: Option<u32>,
    /// proxylint's syntax errors (PL001, and PL006 for a brace nginx splits as a block)
    /// with their byte offsets.
    syntax: Vec<(u32, String)>,
}

impl Case {
    fn agrees(&self) -> Option<bool> {
        match &self.nginx {
            Class::Accepted => Some(self.syntax.is_empty()),
            Class::Syntax(_) => Some(!self.syntax.is_empty()),
            Class::Other(_) => None,
        }
    }
}

/// A disagreement that is understood: which cases it covers, why, and a minimal
/// configuration that shows it (checked by `documented_exceptions_still_disagree`).
struct Exception {
    name: &'static str,
    reason: &'static str,
    applies: fn(&Case) -> bool,
    reproduction: &'static str,
}

const EXCEPTIONS: &[Exception] = &[Exception {
    name: "missing `;` before a line that starts with a directive name",
    reason: "proxylint's parser reports a missing `;` when a directive's arguments run onto a \
             new line that starts with a known directive name at no deeper indentation \
             (`split_point` in parser.rs). nginx reads that line as more arguments and accepts \
             them when the directive takes any number of arguments (`server_name`), so the \
             file loads, but not as written: `return` and `404` become server names. proxylint \
             flags it on purpose.",
    applies: |c| {
        let where_the_semicolon_was = |offset: u32| match c.mutation {
            Some((Mutation::DropSemicolon, at)) => offset as usize == at,
            Some(_) => false,
            None => true,
        };
        c.nginx == Class::Accepted
            && !c.syntax.is_empty()
            && c.syntax.iter().all(|(at, m)| {
                m.starts_with("PL001: missing `;` after") && where_the_semicolon_was(*at)
            })
    },
    reproduction: "events {}\nhttp {\n    server {\n        listen 127.0.0.1:20000;\n        \
                   server_name example.com\n        return 404;\n    }\n}\n",
}];

// ---------------------------------------------------------------------------------------
// Sources

struct Source {
    name: String,
    text: Vec<u8>,
}

fn conf_files(root: &Path, label: &str) -> Vec<Source> {
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .filter(|p| {
            !p.components()
                .any(|c| TEMPLATE_FOLDERS.iter().any(|t| c.as_os_str() == *t))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| Source {
            name: format!("{label}/{}", p.strip_prefix(root).unwrap().display()),
            text: std::fs::read(&p).unwrap(),
        })
        .collect()
}

/// The project's fixtures and examples, and the shared corpus when it is there (under
/// `CI=true` its absence is a failure).
fn sources() -> Vec<Source> {
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = conf_files(&project.join("tests/fixtures/nginx"), "fixtures");
    all.extend(conf_files(&project.join("corpus"), "corpus"));
    let shared = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if shared.join("nginx").is_dir() {
        all.extend(conf_files(&shared.join("nginx"), "shared"));
    } else if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "the shared corpus is missing at {} (required under CI=true)",
            shared.display()
        );
    } else {
        eprintln!(
            "the shared corpus is absent at {}: comparing the project's files only",
            shared.display()
        );
    }
    all
}

// ---------------------------------------------------------------------------------------
// Preparing originals

/// An original after neutralisation, with nginx's verdict on it.
struct Prepared {
    name: String,
    text: Vec<u8>,
    verdict: NginxVerdict,
}

/// Neutralises a file and asks nginx, dropping directives nginx does not know and wrapping
/// deeper while nginx says a top-level directive is not allowed where it stands.
fn prepare(scratch: &Scratch, source: &Source) -> Result<Prepared, String> {
    let names = statement_names(&source.text);
    let mut drop = HashSet::new();
    let mut wrap = guess_wrap(&source.text);
    let top = top_level_names(&source.text);
    for _ in 0..MAX_ROUNDS {
        let text = neutralise(&source.text, &drop, wrap);
        if let Some(what) = unsafe_directive(&text) {
            return Err(format!(
                "would resolve a host name or write outside: `{what}`"
            ));
        }
        let verdict = scratch.test(&text);
        let retry = match &verdict {
            NginxVerdict::Accepted => None,
            NginxVerdict::Rejected { message, .. } => {
                retry_after(message, &names, &top, &mut drop, &mut wrap)
            }
        };
        if retry.is_none() {
            return Ok(Prepared {
                name: source.name.clone(),
                text,
                verdict,
            });
        }
    }
    Err("still rejected after dropping unknown directives".to_string())
}

/// `Some(())` when the message names something neutralisation can fix.
fn retry_after(
    message: &str,
    names: &HashSet<String>,
    top: &HashSet<String>,
    drop: &mut HashSet<String>,
    wrap: &mut Wrap,
) -> Option<()> {
    if let Some(name) = quoted_after(message, "unknown directive ") {
        if names.contains(&name) && drop.insert(name) {
            return Some(());
        }
        return None;
    }
    if let Some(name) = quoted_before(message, " directive is not allowed here") {
        if top.contains(&name) {
            *wrap = wrap.deeper()?;
            return Some(());
        }
    }
    None
}

/// `unknown directive "X"` → `X`.
fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('"')?;
    Some(rest.strip_suffix('"').unwrap_or(rest).to_string())
}

/// `"X" directive is not allowed here` → `X`.
fn quoted_before(message: &str, suffix: &str) -> Option<String> {
    let rest = message.strip_suffix(suffix)?.strip_prefix('"')?;
    Some(rest.strip_suffix('"').unwrap_or(rest).to_string())
}

fn statement_names(src: &[u8]) -> HashSet<String> {
    let mut names = HashSet::new();
    conf::walk(&conf::parse(src).stmts, "", &mut |s, _| {
        names.insert(s.name().to_string());
    });
    names
}

fn top_level_names(src: &[u8]) -> HashSet<String> {
    conf::parse(src)
        .stmts
        .iter()
        .map(|s| s.name().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Classifying and comparing

/// nginx's messages that are about the syntax. `unknown directive` counts only when the
/// name is no word of the unmutated text: a token that the mutation broke (the inside of a
/// string whose closing quote went missing), not a well-formed word put in a new place.
fn classify(verdict: &NginxVerdict, words: &HashSet<String>) -> Class {
    let NginxVerdict::Rejected { message, .. } = verdict else {
        return Class::Accepted;
    };
    assert!(
        !message.contains("host not found"),
        "nginx resolved a host name ({message}): the neutraliser's guard has a hole"
    );
    let syntax = message.starts_with("unexpected ")
        || message.contains("is not terminated by \";\"")
        || message.contains("has no opening \"{\"")
        || message.starts_with("too long parameter")
        || quoted_after(message, "unknown directive ").is_some_and(|n| !words.contains(&n));
    if syntax {
        Class::Syntax(message.clone())
    } else {
        Class::Other(message.clone())
    }
}

fn line_of(verdict: &NginxVerdict) -> Option<u32> {
    match verdict {
        NginxVerdict::Rejected { line, .. } => *line,
        NginxVerdict::Accepted => None,
    }
}

/// proxylint's syntax verdict: PL001 errors, and PL006 (an unquoted brace in an argument,
/// which nginx splits as a block and then rejects).
fn syntax_errors(text: &[u8]) -> Vec<(u32, String)> {
    parse(text)
        .errors
        .into_iter()
        .map(|e| {
            let code = match e.kind {
                SyntaxErrorKind::Parse => "PL001",
                SyntaxErrorKind::UnquotedBrace => "PL006",
            };
            (e.span.start, format!("{code}: {}", e.message))
        })
        .collect()
}

fn words_of(text: &[u8]) -> HashSet<String> {
    conf::lex(text).toks.into_iter().map(|t| t.value).collect()
}

fn case(
    scratch: &Scratch,
    source: &str,
    mutation: Option<(Mutation, usize)>,
    text: Vec<u8>,
    words: &HashSet<String>,
) -> Case {
    let verdict = scratch.test(&text);
    Case {
        source: source.to_string(),
        mutation,
        syntax: syntax_errors(&text),
        text,
        nginx: classify(&verdict, words),
        nginx_line: line_of(&verdict),
    }
}

// ---------------------------------------------------------------------------------------
// Mutations

/// Applies one mutation of `kind` at a random place; `None` when the text has no place for
/// it (no quoted string to break, say). Returns the text and the offset of the change.
fn mutate(text: &[u8], kind: Mutation, rng: &mut Rng) -> Option<(Vec<u8>, usize)> {
    let toks = conf::lex(text).toks;
    let of_kind = |want: fn(TokKind) -> bool| -> Vec<&conf::Tok> {
        toks.iter().filter(|t| want(t.kind)).collect()
    };
    let splice = |at: usize, remove: usize, insert: &[u8]| {
        let mut out = text[..at].to_vec();
        out.extend_from_slice(insert);
        out.extend_from_slice(&text[at + remove..]);
        (out, at)
    };
    match kind {
        Mutation::DropSemicolon => {
            let t = pick(rng, of_kind(|k| k == TokKind::Semi))?;
            Some(splice(t.start, 1, b""))
        }
        Mutation::DropClose => {
            let t = pick(rng, of_kind(|k| k == TokKind::Close))?;
            Some(splice(t.start, 1, b""))
        }
        Mutation::DropOpen => {
            let t = pick(rng, of_kind(|k| k == TokKind::Open))?;
            Some(splice(t.start, 1, b""))
        }
        Mutation::DropClosingQuote => {
            let t = pick(rng, of_kind(|k| k == TokKind::Word { quoted: true }))?;
            Some(splice(t.end - 1, 1, b""))
        }
        Mutation::DuplicateClose => {
            let t = pick(rng, of_kind(|k| k == TokKind::Close))?;
            Some(splice(t.end, 0, b"}"))
        }
        Mutation::StraySemicolon => {
            let t = pick(rng, toks.iter().collect())?;
            Some(splice(t.start, 0, b";"))
        }
        Mutation::Cut => {
            let at = rng.below(text.len().max(1));
            Some((text[..at].to_vec(), at))
        }
        Mutation::SwapTokens => swap(text, &toks, rng),
    }
}

fn pick<'a>(rng: &mut Rng, items: Vec<&'a conf::Tok>) -> Option<&'a conf::Tok> {
    (!items.is_empty()).then(|| *rng.pick(&items))
}

/// Swaps two neighbouring tokens whose texts differ, keeping what lies between them.
fn swap(text: &[u8], toks: &[conf::Tok], rng: &mut Rng) -> Option<(Vec<u8>, usize)> {
    if toks.len() < 2 {
        return None;
    }
    for _ in 0..8 {
        let i = rng.below(toks.len() - 1);
        let (a, b) = (&toks[i], &toks[i + 1]);
        let (ta, tb) = (&text[a.start..a.end], &text[b.start..b.end]);
        if ta == tb {
            continue;
        }
        let mut out = text[..a.start].to_vec();
        out.extend_from_slice(tb);
        out.extend_from_slice(&text[a.end..b.start]);
        out.extend_from_slice(ta);
        out.extend_from_slice(&text[b.end..]);
        return Some((out, a.start));
    }
    None
}

// ---------------------------------------------------------------------------------------
// Reporting

#[derive(Default)]
struct Tally {
    compared: usize,
    agreed: usize,
    not_compared: usize,
}

fn describe(case: &Case) -> String {
    let at = match case.mutation {
        Some((_, at)) => at,
        None => case.nginx_line.map_or(0, |n| line_start(&case.text, n)),
    };
    let from = at.saturating_sub(80);
    let to = (at + 80).min(case.text.len());
    let what = match case.mutation {
        Some((kind, at)) => format!("{kind:?} at byte {at}"),
        None => "unmutated".to_string(),
    };
    format!(
        "{} ({what}): nginx {:?}; proxylint {:?}\n  …{}…",
        case.source,
        case.nginx,
        case.syntax,
        String::from_utf8_lossy(&case.text[from..to]).replace('\n', "⏎")
    )
}

/// Byte offset of 1-based line `n`.
fn line_start(text: &[u8], n: u32) -> usize {
    let mut lines = 1;
    for (i, &b) in text.iter().enumerate() {
        if lines == n {
            return i;
        }
        if b == b'\n' {
            lines += 1;
        }
    }
    text.len()
}

/// Counts a case; returns its description when it is an unexplained disagreement.
fn record(case: &Case, tally: &mut Tally, explained: &mut BTreeMap<&str, usize>) -> Option<String> {
    let Some(agrees) = case.agrees() else {
        tally.not_compared += 1;
        return None;
    };
    tally.compared += 1;
    if agrees {
        tally.agreed += 1;
        return None;
    }
    if let Some(e) = EXCEPTIONS.iter().find(|e| (e.applies)(case)) {
        *explained.entry(e.name).or_default() += 1;
        return None;
    }
    Some(describe(case))
}

fn rate(t: &Tally) -> String {
    let pct = if t.compared == 0 {
        0.0
    } else {
        100.0 * t.agreed as f64 / t.compared as f64
    };
    format!(
        "{}/{} agree ({pct:.1}%), {} not comparable",
        t.agreed, t.compared, t.not_compared
    )
}

// ---------------------------------------------------------------------------------------
// The tests

/// Runs `f` over `items` on one thread per scratch prefix; results keep the items' order.
fn par_map<T: Sync, R: Send>(
    items: &[T],
    scratches: &[Scratch],
    f: impl Fn(&Scratch, &T) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(scratches.len()).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .zip(scratches)
            .map(|(part, scratch)| {
                let f = &f;
                scope.spawn(move || part.iter().map(|t| f(scratch, t)).collect::<Vec<R>>())
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker panicked"))
            .collect()
    })
}

/// A mutant before nginx has seen it.
struct Mutant<'a> {
    original: &'a Prepared,
    kind: Mutation,
    at: usize,
    text: Vec<u8>,
}

/// `MUTANTS` seeded mutants of accepted files, spread evenly over the kinds; those that
/// would make nginx resolve a host name or write outside its prefix are left out (the
/// count is returned).
fn mutants<'a>(accepted: &[&'a Prepared]) -> (Vec<Mutant<'a>>, usize) {
    let mut rng = Rng::new(SEED);
    let mut out = Vec::new();
    let mut unsafe_mutants = 0;
    for i in 0..MUTANTS {
        let kind = KINDS[i % KINDS.len()];
        let Some((original, (text, at))) = (0..16).find_map(|_| {
            let p = accepted[rng.below(accepted.len())];
            mutate(&p.text, kind, &mut rng).map(|m| (p, m))
        }) else {
            continue;
        };
        if unsafe_directive(&text).is_some() {
            unsafe_mutants += 1;
            continue;
        }
        out.push(Mutant {
            original,
            kind,
            at,
            text,
        });
    }
    (out, unsafe_mutants)
}

fn original_case(p: &Prepared) -> Case {
    Case {
        source: p.name.clone(),
        mutation: None,
        nginx: classify(&p.verdict, &words_of(&p.text)),
        nginx_line: line_of(&p.verdict),
        syntax: syntax_errors(&p.text),
        text: p.text.clone(),
    }
}

#[test]
fn parse_verdicts_agree_with_nginx() {
    let Some(nginx) = differential::nginx_binary("differential_nginx_syntax") else {
        return;
    };
    differential::note_version(&nginx);
    let started = std::time::Instant::now();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let first = Scratch::new(&nginx);
    let mut scratches: Vec<Scratch> = (1..workers).map(|_| first.sibling()).collect();
    scratches.insert(0, first);
    let all = sources();
    let mut unexplained = Vec::new();
    let mut explained = BTreeMap::new();

    // The originals, neutralised.
    let outcomes = par_map(&all, &scratches, prepare);
    let mut prepared = Vec::new();
    let mut given_up = Vec::new();
    for (source, outcome) in all.iter().zip(outcomes) {
        match outcome {
            Ok(p) => prepared.push(p),
            Err(why) => given_up.push(format!("{}: {why}", source.name)),
        }
    }
    let mut originals = Tally::default();
    for p in &prepared {
        unexplained.extend(record(&original_case(p), &mut originals, &mut explained));
    }
    let accepted: Vec<&Prepared> = prepared
        .iter()
        .filter(|p| p.verdict == NginxVerdict::Accepted)
        .collect();
    assert!(!accepted.is_empty(), "nginx accepts none of the files");

    // The mutants.
    let (mutants, unsafe_mutants) = mutants(&accepted);
    let cases = par_map(&mutants, &scratches, |scratch, m| {
        let words = words_of(&m.original.text);
        let mutation = Some((m.kind, m.at));
        case(scratch, &m.original.name, mutation, m.text.clone(), &words)
    });
    let verbose = std::env::var_os("PROXYLINT_DIFF_VERBOSE").is_some();
    let mut by_kind: BTreeMap<Mutation, Tally> = BTreeMap::new();
    for (m, c) in mutants.iter().zip(&cases) {
        if verbose {
            eprintln!("{}", describe(c));
        }
        let tally = by_kind.entry(m.kind).or_default();
        unexplained.extend(record(c, tally, &mut explained));
    }

    let mut all_mutants = Tally::default();
    for t in by_kind.values() {
        all_mutants.compared += t.compared;
        all_mutants.agreed += t.agreed;
        all_mutants.not_compared += t.not_compared;
    }
    eprintln!(
        "files: {} read, {} neutralised and run through nginx -t ({} accepted), {} given up",
        all.len(),
        prepared.len(),
        accepted.len(),
        given_up.len()
    );
    for g in &given_up {
        eprintln!("  given up: {g}");
    }
    eprintln!("originals: {}", rate(&originals));
    for (kind, t) in &by_kind {
        eprintln!("  {kind:?}: {}", rate(t));
    }
    eprintln!(
        "mutants: {} (skipped {unsafe_mutants} that would make nginx resolve a name or write \
         outside its prefix)",
        rate(&all_mutants)
    );
    eprintln!("explained by exceptions: {explained:?}");
    eprintln!("took {:.1?} on {workers} threads", started.elapsed());
    assert!(
        all_mutants.compared >= MUTANTS / 4,
        "only {} mutants could be compared",
        all_mutants.compared
    );
    assert!(
        unexplained.is_empty(),
        "{} unexplained disagreements with nginx:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}

/// Each exception's reproduction still disagrees in the documented way, and the exception
/// recognises it: a fix in proxylint makes this fail, so the exception is removed.
#[test]
fn documented_exceptions_still_disagree() {
    let Some(nginx) = differential::nginx_binary("differential_nginx_syntax") else {
        return;
    };
    let scratch = Scratch::new(&nginx);
    for e in EXCEPTIONS {
        let text = e.reproduction.as_bytes().to_vec();
        assert!(
            unsafe_directive(&text).is_none(),
            "{}: resolves a name",
            e.name
        );
        let c = case(&scratch, e.name, None, text, &HashSet::new());
        assert_eq!(
            c.agrees(),
            Some(false),
            "{}: the reproduction no longer disagrees ({}); remove the exception",
            e.name,
            describe(&c)
        );
        assert!(
            (e.applies)(&c),
            "{}: the exception does not match its reproduction",
            e.name
        );
        assert!(!e.reason.is_empty());
    }
}

#[test]
fn the_reader_tokenizes_as_nginx_does() {
    let words = |src: &str| -> Vec<String> {
        conf::lex(src.as_bytes())
            .toks
            .into_iter()
            .map(|t| t.value)
            .collect()
    };
    assert_eq!(words("a}b;"), ["a}b", ";"]);
    assert_eq!(words("set $a ${b}c;"), ["set", "$a", "${b}c", ";"]);
    assert_eq!(words("a#b # c\nd;"), ["a#b", "d", ";"]);
    assert_eq!(
        words("if ($a = \"b\") {"),
        ["if", "($a", "=", "b", ")", "{"]
    );
    assert!(conf::lex(b"a \"b\"c;").error.is_some());
    assert!(conf::lex(b"a;;").error.is_some());
    assert!(conf::lex(b"a b}").error.is_some());
    assert!(conf::lex(b"a \"b;").error.is_some());
    assert!(conf::parse(b"a { b; }}").error.is_some());
    assert!(conf::parse(b"a { b;").error.is_some());
    assert!(conf::parse(b"a { b; } c;").error.is_none());
}

#[test]
fn the_guard_catches_lookups_and_writes_outside_the_prefix() {
    let resolves = |src: &str| unsafe_directive(src.as_bytes()).is_some();
    assert!(resolves("http { server { listen example.com:80; } }"));
    assert!(resolves("http { server { listen ssl 127.0.0.1:20000; } }"));
    assert!(resolves("http { upstream u { server app:8080; } }"));
    assert!(resolves(
        "http { server { location / { proxy_pass http://app; } } }"
    ));
    assert!(resolves("http { resolver dns.example; }"));
    assert!(resolves("http { resolver 127.0.0.1 ipv4=off; }"));
    assert!(resolves("http { set_real_ip_from proxy.example; }"));
    assert!(resolves("http { access_log syslog:server=log.example; }"));
    assert!(resolves(
        "http { ssl_stapling_responder http://ocsp.example/; }"
    ));
    assert!(resolves("http { access_log /var/log/x.log; }"));
    assert!(resolves("http { proxy_temp_path ../outside; }"));
    assert!(!resolves(
        "http { access_log tmp/a.log; proxy_cache_path tmp/c keys_zone=z:1m; }"
    ));
    assert!(!resolves(
        "http { upstream app { server 127.0.0.1:8080; } }"
    ));
    assert!(!resolves(
        "http { upstream app { server 10.0.0.1; } server { listen 127.0.0.1:20000; \
         location / { proxy_pass http://app; grpc_pass grpc://$h; fastcgi_pass unix:/s; } } }"
    ));
    // nginx stops at its first error: nothing after it is looked up.
    assert!(!resolves("http { server { ; listen example.com; } }"));
}
