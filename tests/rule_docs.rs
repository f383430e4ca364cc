//! The rule documentation cannot drift from behaviour: every rule's bad example triggers it,
//! its good example does not, and the pages in `rules/` match the metadata they come from.
//! Regenerate the pages with `UPDATE_RULE_PAGES=1 cargo test --test rule_docs`.

mod common;

use common::{check_json, codes, project_dir};

#[test]
fn every_bad_example_triggers_its_rule_and_every_good_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for rule in proxylint_rules::all() {
        let meta = rule.meta();
        if meta.bad.is_empty() {
            continue;
        }
        for (kind, text, want) in [("bad", meta.bad, true), ("good", meta.good, false)] {
            let path = common::write(dir.path(), &format!("{}-{kind}.conf", meta.code), text);
            let mut args: Vec<&str> = meta.example_args.to_vec();
            let path_text = path.to_str().unwrap().to_string();
            args.push(&path_text);
            let (report, _) = check_json(&args);
            let found = codes(&report);
            if found.iter().any(|c| c == meta.code) != want {
                failures.push(format!("{} {kind} example: got {found:?}", meta.code));
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} examples checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rule_pages_are_current() {
    let dir = project_dir().join("rules");
    let update = std::env::var_os("UPDATE_RULE_PAGES").is_some();
    let mut stale = Vec::new();
    let mut index = String::from("# Rules\n\nGenerated from the rules' metadata; `proxylint explain CODE` prints the same pages.\n\n| code | name | severity | scope | what it flags |\n|---|---|---|---|---|\n");
    for rule in proxylint_rules::all() {
        let meta = rule.meta();
        let page = proxylint_rules::rule_page(meta);
        index.push_str(&format!(
            "| [{}]({}.md) | {} | {} | {} | {} |\n",
            meta.code,
            meta.code,
            meta.name,
            meta.severity.as_str(),
            meta.scope.as_str(),
            meta.summary.replace('|', "\\|")
        ));
        check_page(
            &dir.join(format!("{}.md", meta.code)),
            &page,
            update,
            &mut stale,
        );
    }
    check_page(&dir.join("README.md"), &index, update, &mut stale);
    assert!(
        stale.is_empty(),
        "stale rule pages (run `UPDATE_RULE_PAGES=1 cargo test --test rule_docs`): {stale:?}"
    );
}

fn check_page(path: &std::path::Path, want: &str, update: bool, stale: &mut Vec<String>) {
    let have = std::fs::read_to_string(path).unwrap_or_default();
    if have == want {
        return;
    }
    if update {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, want).unwrap();
    } else {
        stale.push(path.display().to_string());
    }
}
