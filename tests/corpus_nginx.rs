//! Real-world acceptance: every nginx file in the shared corpus that crossplane accepts must
//! parse without a syntax error, and every file it rejects must get one.
//!
//! The corpus lives outside the project (`../shared/corpus`). Without it the test skips,
//! except under `CI=true`, where a missing corpus is a failure.

use std::path::{Path, PathBuf};

use proxylint_syntax::nginx;
use proxylint_syntax::SyntaxErrorKind;

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/nginx");
    if dir.join("crossplane-verdicts.tsv").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "the shared corpus is missing at {} (required under CI=true)",
            dir.display()
        );
    }
    eprintln!("skipping: no shared corpus at {}", dir.display());
    None
}

/// Files crossplane accepts but nginx itself rejects. Each was checked with Debian's nginx
/// 1.22.1 (`nginx -t`); proxylint sides with nginx, and this test pins that it does.
const NGINX_REJECTS: &[(&str, &str)] = &[
    (
        "quote-behavior/nginx.conf",
        "`\"left\"-quote`: nginx says unexpected \"-\" after a closing quote",
    ),
    (
        "invalid-map/nginx.conf",
        "a block inside `map`: nginx says unexpected \"{\"",
    ),
];

#[test]
fn crossplane_verdicts_agree() {
    let Some(dir) = corpus_dir() else { return };
    let verdicts = std::fs::read_to_string(dir.join("crossplane-verdicts.tsv")).unwrap();
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for line in verdicts.lines().skip(1) {
        let mut cols = line.split('\t');
        let (Some(path), Some(verdict)) = (cols.next(), cols.next()) else {
            continue;
        };
        let text = std::fs::read(dir.join(path)).unwrap();
        let parsed = nginx::parse(&text);
        let syntax_errors: Vec<_> = parsed
            .errors
            .iter()
            .filter(|e| e.kind == SyntaxErrorKind::Parse)
            .collect();
        checked += 1;
        if let Some((_, why)) = NGINX_REJECTS.iter().find(|(p, _)| path.ends_with(p)) {
            assert!(
                !syntax_errors.is_empty(),
                "{path}: nginx rejects it ({why}) and so must we"
            );
            continue;
        }
        match verdict {
            "ok" if !syntax_errors.is_empty() => disagreements.push(format!(
                "{path}: crossplane accepts it, proxylint says: {} (at byte {})",
                syntax_errors[0].message, syntax_errors[0].span.start
            )),
            "error" if syntax_errors.is_empty() => disagreements.push(format!(
                "{path}: crossplane rejects it, proxylint accepts it"
            )),
            _ => {}
        }
    }
    eprintln!("checked {checked} nginx corpus files against crossplane's verdicts");
    assert!(checked > 900, "only {checked} files checked");
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
