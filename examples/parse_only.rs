//! Parse-only timing for `scripts/bench.sh`: the nginx parser alone, on one thread, over
//! files read into memory first (reading is not timed).
//!
//! ```sh
//! cargo build --release --example parse_only
//! target/release/examples/parse_only [--repeat N] PATH...
//! ```
//!
//! Every regular file under each PATH is parsed with `proxylint_syntax::nginx::parse`,
//! N times over (default 5). One line of JSON goes to stdout: the bytes parsed per round,
//! the fastest and the median round in seconds, and the throughput of each in MB/s
//! (decimal megabytes, 1 MB = 1,000,000 bytes).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use proxylint_syntax::nginx;

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut children: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .map(|e| e.expect("directory entry").path())
            .collect();
        children.sort();
        for child in children {
            collect(&child, out);
        }
    } else if path.is_file() {
        out.push(path.to_path_buf());
    }
}

fn main() {
    let mut repeat = 5usize;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--repeat" {
            repeat = args
                .next()
                .and_then(|n| n.parse().ok())
                .filter(|&n| n > 0)
                .expect("--repeat needs a positive number");
        } else {
            paths.push(PathBuf::from(arg));
        }
    }
    if paths.is_empty() {
        eprintln!("usage: parse_only [--repeat N] PATH...");
        std::process::exit(2);
    }
    let mut files = Vec::new();
    for path in &paths {
        collect(path, &mut files);
    }
    let texts: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display())))
        .collect();
    let bytes: usize = texts.iter().map(Vec::len).sum();

    let mut rounds = Vec::with_capacity(repeat);
    let mut errors = 0;
    for _ in 0..repeat {
        let start = Instant::now();
        errors = 0;
        for text in &texts {
            let parsed = nginx::parse(black_box(text));
            errors += parsed.errors.len();
            black_box(parsed);
        }
        rounds.push(start.elapsed().as_secs_f64());
    }
    rounds.sort_by(f64::total_cmp);
    let best = rounds[0];
    let median = rounds[rounds.len() / 2];
    let mbps = |secs: f64| bytes as f64 / 1e6 / secs;
    println!(
        "{{\"files\": {}, \"bytes\": {bytes}, \"rounds\": {repeat}, \"syntax_errors\": {errors}, \
         \"best_s\": {best:.6}, \"median_s\": {median:.6}, \"best_mb_per_s\": {:.1}, \
         \"median_mb_per_s\": {:.1}}}",
        texts.len(),
        mbps(best),
        mbps(median)
    );
}
