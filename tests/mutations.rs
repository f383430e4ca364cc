//! Dropping one `;`, `}` or closing quote anywhere in the recommended configuration must
//! give exactly one syntax error (PL001), at the exact place a person would fix it:
//! - a dropped `;`: an empty span right after the directive's last argument;
//! - a dropped `}`: the `{` of the block that is left unclosed;
//! - a dropped closing quote: the opening quote of the string.

use proxylint_syntax::nginx::parse;
use proxylint_syntax::{Span, SyntaxErrorKind};

const RECOMMENDED: &str = include_str!("../corpus/signing-service/recommended.conf");

/// The other example configs, written in the same style, get the same treatment.
const OTHERS: &[&str] = &[
    include_str!("../corpus/shared-proxy.conf"),
    include_str!("../corpus/npm/data/nginx/proxy_host/1.conf"),
    include_str!("../corpus/broken/grpc-route-shadowed.conf"),
    include_str!("../corpus/broken/access-rules-bypassed.conf"),
];

/// Byte offsets of every character `c` outside comments and strings, with the offset of
/// the matching opener (for `}`) or of the end of the last word before it (for `;`).
fn tokens(text: &str) -> Vec<(usize, char, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut opens = Vec::new();
    let mut last_word_end = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                let open = i;
                i += 1;
                while bytes[i] != b'"' {
                    i += 1;
                }
                out.push((i, '"', open));
                last_word_end = i + 1;
            }
            b'{' => opens.push(i),
            b'}' => out.push((i, '}', opens.pop().expect("balanced"))),
            b';' => out.push((i, ';', last_word_end)),
            c if !c.is_ascii_whitespace() => last_word_end = i + 1,
            _ => {}
        }
        i += 1;
    }
    out
}

#[test]
fn every_single_deletion_is_reported_where_it_happened() {
    check_deletions(RECOMMENDED);
}

#[test]
fn deletions_in_the_other_examples_are_reported_where_they_happened() {
    for text in OTHERS {
        check_deletions(text);
    }
}

fn check_deletions(text: &str) {
    let base = parse(text.as_bytes());
    assert!(
        base.errors.is_empty(),
        "the recommended config parses: {:?}",
        base.errors
    );
    let mut checked = 0;
    let mut failures = Vec::new();
    for (at, kind, anchor) in tokens(text) {
        let mut mutated = text.as_bytes().to_vec();
        mutated.remove(at);
        let parsed = parse(&mutated);
        let errors: Vec<_> = parsed
            .errors
            .iter()
            .filter(|e| e.kind == SyntaxErrorKind::Parse)
            .collect();
        let want = match kind {
            ';' => Span::empty(anchor as u32),
            _ => Span::new(anchor as u32, anchor as u32 + 1),
        };
        checked += 1;
        if errors.len() != 1 || errors[0].span != want {
            failures.push(format!(
                "dropping `{kind}` at byte {at}: want one error at {want:?}, got {:?}",
                errors
                    .iter()
                    .map(|e| (e.span, e.message.as_str()))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(checked > 20, "only {checked} mutations");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
