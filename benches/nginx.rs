//! `cargo bench --bench nginx`: the nginx parser alone and the whole check pipeline,
//! in-process, one thread, with throughput in bytes (printed as MB/s, 1 MB = 10^6 bytes).
//!
//! - `parse/corpus_per_file`: every nginx file of the shared corpus (the files listed in
//!   `../shared/corpus/nginx/crossplane-verdicts.tsv`), each parsed on its own. Skipped when
//!   the corpus is absent.
//! - `parse/corpus_concatenated`: the files crossplane accepts, joined into one buffer.
//! - `parse/generated_1MB`, `parse/generated_10MB`: one generated file of that size.
//! - `check/generated_1MB`: `Workspace::add_file` + `resolve` + `check_nginx` over a 1 MB
//!   configuration made of a main file that includes `conf.d/*.conf` (21 files of 50 servers),
//!   held in memory.
//!
//! The generated text comes from `benches/data/`, the same templates `scripts/bench.sh`
//! expands (through `scripts/bench/gen_nginx.py`). Benchmarks, not tests: numbers depend on
//! the machine and its load.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use proxylint_rules::{check_nginx, Settings};
use proxylint_syntax::nginx::{self, FileSystem, LoadOptions, Workspace};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/nginx");
const HEAD: &str = include_str!("data/head.conf");
const SERVERS: &str = include_str!("data/servers.conf.tmpl");

/// Servers per `conf.d` file, as in `gen_nginx.py multi`.
const PER_FILE: usize = 50;

fn variants() -> Vec<&'static str> {
    SERVERS.split("#8<--\n").skip(1).collect()
}

/// Server number `i`: the same expansion as `server` in `scripts/bench/gen_nginx.py`.
fn server(variants: &[&str], i: usize) -> String {
    let mut text = variants[i % variants.len()]
        .replace("{i}", &i.to_string())
        .replace("{a}", &(i / 250 % 250).to_string())
        .replace("{b}", &(i % 250).to_string());
    text.push('\n');
    text
}

/// Servers from number 0 on until they add up to at least `size` bytes.
fn servers_until(size: usize) -> Vec<String> {
    let variants = variants();
    let mut out = Vec::new();
    let mut total = 0;
    while total < size {
        let text = server(&variants, out.len());
        total += text.len();
        out.push(text);
    }
    out
}

/// One file of about `size` bytes (`gen_nginx.py single`).
fn single_file(size: usize) -> Vec<u8> {
    let mut text = String::from(HEAD);
    for s in servers_until(size - HEAD.len() - 2) {
        text.push_str(&s);
    }
    text.push_str("}\n");
    text.into_bytes()
}

/// A main file including `conf.d/*.conf` and those files (`gen_nginx.py multi`), under the
/// made-up directory `/bench`.
fn multi_file(size: usize) -> Vec<(PathBuf, Vec<u8>)> {
    let main = format!("{HEAD}    include conf.d/*.conf;\n}}\n");
    let mut files = vec![(
        PathBuf::from("/bench/nginx.conf"),
        main.clone().into_bytes(),
    )];
    for (n, chunk) in servers_until(size - main.len())
        .chunks(PER_FILE)
        .enumerate()
    {
        files.push((
            PathBuf::from(format!("/bench/conf.d/servers-{n:05}.conf")),
            chunk.concat().into_bytes(),
        ));
    }
    files
}

/// Nothing on disk: every include of the generated configuration names files already added
/// to the workspace, which the loader matches before it asks the file system.
struct NoFiles;

impl FileSystem for NoFiles {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} is not part of the benchmark", path.display()),
        ))
    }

    fn glob(&self, _pattern: &str) -> Vec<PathBuf> {
        Vec::new()
    }
}

/// The nginx files of the shared corpus with crossplane's verdict, or `None` without it.
fn corpus() -> Option<Vec<(Vec<u8>, bool)>> {
    let dir = Path::new(CORPUS);
    let list = match std::fs::read_to_string(dir.join("crossplane-verdicts.tsv")) {
        Ok(list) => list,
        Err(_) => {
            eprintln!("skipping the corpus benchmarks: no shared corpus at {CORPUS}");
            return None;
        }
    };
    let files = list
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let (path, verdict) = (cols.next()?, cols.next()?);
            let text = std::fs::read(dir.join(path)).ok()?;
            Some((text, verdict == "ok"))
        })
        .collect();
    Some(files)
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.sample_size(20);

    if let Some(files) = corpus() {
        let bytes: usize = files.iter().map(|(t, _)| t.len()).sum();
        group.throughput(Throughput::BytesDecimal(bytes as u64));
        group.bench_function("corpus_per_file", |b| {
            b.iter(|| {
                for (text, _) in &files {
                    black_box(nginx::parse(black_box(text)));
                }
            })
        });
        let mut joined = Vec::new();
        for (text, _) in files.iter().filter(|(_, ok)| *ok) {
            joined.extend_from_slice(text);
            joined.push(b'\n');
        }
        group.throughput(Throughput::BytesDecimal(joined.len() as u64));
        group.bench_function("corpus_concatenated", |b| {
            b.iter(|| black_box(nginx::parse(black_box(&joined))))
        });
    }

    group.sampling_mode(SamplingMode::Flat);
    for (name, size) in [("generated_1MB", 1_000_000), ("generated_10MB", 10_000_000)] {
        let text = single_file(size);
        group.throughput(Throughput::BytesDecimal(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| black_box(nginx::parse(black_box(&text))))
        });
    }
    group.finish();
}

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);

    let files = multi_file(1_000_000);
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let options = LoadOptions {
        roots: vec![PathBuf::from("/bench")],
        ..LoadOptions::default()
    };
    let settings = Settings::default();
    {
        // Once, outside the measurement: the pipeline really sees one configuration.
        let mut ws = Workspace::new();
        for (path, text) in files.clone() {
            ws.add_file(path, text);
        }
        let entries = ws.resolve(&NoFiles, &options);
        let diagnostics = check_nginx(&ws, &entries, &settings);
        eprintln!(
            "check/generated_1MB: {} files, {bytes} bytes, {} entry point(s), {} diagnostics",
            files.len(),
            entries.len(),
            diagnostics.len()
        );
    }
    group.throughput(Throughput::BytesDecimal(bytes as u64));
    group.bench_function("generated_1MB", |b| {
        b.iter_batched(
            || files.clone(),
            |files| {
                let mut ws = Workspace::new();
                for (path, text) in files {
                    ws.add_file(path, text);
                }
                let entries = ws.resolve(&NoFiles, &options);
                let diagnostics = check_nginx(&ws, &entries, &settings);
                black_box((ws, diagnostics))
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, parse, check);
criterion_main!(benches);
