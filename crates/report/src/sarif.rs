//! SARIF 2.1.0 output, in the subset GitHub code scanning reads: one run, every rule in
//! `tool.driver.rules` (so a viewer can show a rule's page for any result), one result per
//! finding with its region, related locations and a partial fingerprint.
//!
//! The structs here are the output contract and are kept apart from internal types, like
//! the JSON ones. Files that could not be read (PL000) are results *and* tool execution
//! notifications, and make `executionSuccessful` false.
//!
//! Columns count Unicode scalar values (`columnKind: unicodeCodePoints`), each invalid
//! byte and each tab counting one, as everywhere else; `endColumn` is exclusive, as SARIF
//! wants. Relative paths stay relative, with `uriBaseId` `%SRCROOT%`, which GitHub resolves
//! against the repository root.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::{Component, Path};

use serde::Serialize;

use proxylint_rules::{all, rule_page, rule_url, Diagnostic, Label, RuleMeta, Severity};
use proxylint_syntax::SourceMap;

use crate::{without_dot_segments, Positions};

/// The schema that `$schema` names: the OASIS errata version of SARIF 2.1.0.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The key of proxylint's own partial fingerprint. It is not `primaryLocationLineHash`:
/// GitHub's upload action computes that one itself from the file and warns about every
/// result whose value differs from its own.
pub const FINGERPRINT_KEY: &str = "proxylintLineHash/v1";

/// The base id of relative paths: the directory proxylint ran in, which on CI is the root
/// of the checkout.
const SRCROOT: &str = "%SRCROOT%";

/// Where the tool's documentation lives.
const INFORMATION_URI: &str = "https://github.com/proxylint/proxylint";

#[derive(Debug, Serialize)]
struct SarifLog {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Debug, Serialize)]
struct BaseUri {
    uri: String,
}

#[derive(Debug, Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Debug, Clone, Serialize)]
struct Text {
    text: String,
}

#[derive(Debug, Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Debug, Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    associated_rule: RuleReference,
}

#[derive(Debug, Serialize)]
struct RuleReference {
    id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    byte_offset: u32,
    byte_length: u32,
}

pub(crate) fn render(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(sources, diagnostics))?;
    writeln!(out)
}

fn log(sources: &SourceMap, diagnostics: &[Diagnostic]) -> SarifLog {
    let rule_index: HashMap<&str, usize> = all()
        .iter()
        .enumerate()
        .map(|(i, rule)| (rule.meta().code, i))
        .collect();
    let mut positions = Positions::new(sources);
    let mut fingerprints = Fingerprints::default();
    let mut results = Vec::with_capacity(diagnostics.len());
    let mut notifications = Vec::new();
    for d in diagnostics {
        let index = rule_index.get(d.code).copied();
        let result = result(sources, &mut positions, &mut fingerprints, d, index);
        if d.code == "PL000" {
            notifications.push(Notification {
                level: "error",
                message: Text {
                    text: d.message.clone(),
                },
                locations: result.locations.clone(),
                associated_rule: RuleReference { id: d.code, index },
            });
        }
        results.push(result);
    }
    SarifLog {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool { driver: driver() },
            invocations: vec![Invocation {
                execution_successful: notifications.is_empty(),
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids: original_uri_base_ids(),
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

fn driver() -> Driver {
    Driver {
        name: "proxylint",
        version: env!("CARGO_PKG_VERSION"),
        semantic_version: env!("CARGO_PKG_VERSION"),
        information_uri: INFORMATION_URI,
        rules: all().iter().map(|rule| descriptor(rule.meta())).collect(),
    }
}

fn descriptor(meta: &'static RuleMeta) -> ReportingDescriptor {
    let page = rule_page(meta);
    ReportingDescriptor {
        id: meta.code,
        name: meta.name,
        short_description: Text {
            text: meta.summary.to_string(),
        },
        full_description: Text {
            text: meta.why.to_string(),
        },
        help_uri: rule_url(meta.code),
        help: Help {
            text: page.clone(),
            markdown: page,
        },
        default_configuration: Configuration {
            level: level(meta.severity),
        },
    }
}

/// SARIF's names for the severities.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(
    sources: &SourceMap,
    positions: &mut Positions,
    fingerprints: &mut Fingerprints,
    d: &Diagnostic,
    rule_index: Option<usize>,
) -> SarifResult {
    let primary = location(sources, positions, &d.primary, None);
    let fingerprint = fingerprints.next(
        d.code,
        &primary.physical_location.artifact_location.uri,
        &flagged_line(&sources.get(d.primary.file).text, d.primary.span.start),
    );
    let related = d
        .related
        .iter()
        .enumerate()
        .map(|(i, label)| location(sources, positions, label, Some(i + 1)))
        .collect();
    let text = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    SarifResult {
        rule_id: d.code,
        rule_index,
        level: level(d.severity),
        message: Text { text },
        locations: vec![primary],
        related_locations: related,
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
    }
}

fn location(
    sources: &SourceMap,
    positions: &mut Positions,
    label: &Label,
    id: Option<usize>,
) -> Location {
    // Clamped to the file and never inverted, so that a region is valid whatever a span.
    let len = sources.get(label.file).text.len() as u32;
    let start = label.span.start.min(len);
    let end = label.span.end.clamp(start, len);
    let from = positions.line_col(label.file, start);
    let to = positions.line_col(label.file, end);
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: artifact_location(sources.path(label.file)),
            region: Region {
                start_line: from.line,
                start_column: from.column,
                end_line: to.line,
                end_column: to.column,
                byte_offset: start,
                byte_length: end - start,
            },
        },
        message: label
            .message
            .as_ref()
            .map(|text| Text { text: text.clone() }),
    }
}

/// A relative path stays relative to `%SRCROOT%`; an absolute one becomes a `file:` URI.
fn artifact_location(path: &Path) -> ArtifactLocation {
    if path.is_absolute() {
        ArtifactLocation {
            uri: file_uri(path),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: relative_uri(path),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// `sites/app.conf`, `./sites/app.conf` → `sites/app.conf`; each segment percent-encoded.
fn relative_uri(path: &Path) -> String {
    let segments: Vec<String> = without_dot_segments(path)
        .components()
        .map(|c| encode_segment(c.as_os_str()))
        .collect();
    segments.join("/")
}

/// `/etc/nginx/nginx.conf` → `file:///etc/nginx/nginx.conf`; `C:\x` → `file:///C:/x`.
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for component in without_dot_segments(path).components() {
        match component {
            Component::Prefix(prefix) => {
                uri.push('/');
                uri.push_str(&prefix.as_os_str().to_string_lossy().replace('\\', "/"));
            }
            Component::RootDir => {}
            other => {
                uri.push('/');
                uri.push_str(&encode_segment(other.as_os_str()));
            }
        }
    }
    uri
}

/// Percent-encodes every byte but RFC 3986's unreserved characters. That is more than a
/// path segment needs, and always valid: a space, `%`, `#`, `?`, `:` (which would read as a
/// scheme in a relative reference) and bytes that are not UTF-8 all come out encoded.
fn encode_segment(segment: &std::ffi::OsStr) -> String {
    let mut out = String::new();
    for &byte in os_bytes(segment).iter() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(unix)]
fn os_bytes(text: &std::ffi::OsStr) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    std::borrow::Cow::Borrowed(text.as_bytes())
}

#[cfg(not(unix))]
fn os_bytes(text: &std::ffi::OsStr) -> std::borrow::Cow<'_, [u8]> {
    match text.to_string_lossy() {
        std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.as_bytes()),
        std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.into_bytes()),
    }
}

/// Where `%SRCROOT%` is: the working directory, against which relative paths were read.
/// GitHub resolves relative paths against the checkout without it; other viewers need it.
fn original_uri_base_ids() -> BTreeMap<&'static str, BaseUri> {
    let Ok(dir) = std::env::current_dir() else {
        return BTreeMap::new();
    };
    let mut uri = file_uri(&dir);
    if !uri.ends_with('/') {
        uri.push('/');
    }
    BTreeMap::from([(SRCROOT, BaseUri { uri })])
}

/// The text of the line that holds `offset`, whitespace trimmed and runs of it collapsed,
/// so that re-indenting a file does not change its findings' identities.
fn flagged_line(text: &[u8], offset: u32) -> String {
    let offset = (offset as usize).min(text.len());
    let is_end = |b: &u8| *b == b'\n' || *b == b'\r';
    let start = text[..offset].iter().rposition(is_end).map_or(0, |i| i + 1);
    let end = text[offset..]
        .iter()
        .position(is_end)
        .map_or(text.len(), |i| offset + i);
    let line = String::from_utf8_lossy(&text[start..end]);
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Partial fingerprints in the manner of GitHub's `primaryLocationLineHash`: a hash of what
/// identifies a finding without its line number (rule, file, the flagged line's text) and
/// a counter that tells apart identical lines in one file, as `hash:count`. A line added
/// above a finding moves it without changing its fingerprint.
#[derive(Default)]
struct Fingerprints {
    seen: HashMap<u64, u32>,
}

impl Fingerprints {
    fn next(&mut self, code: &str, uri: &str, line: &str) -> String {
        let hash = fnv1a(&[code.as_bytes(), uri.as_bytes(), line.as_bytes()]);
        let count = self.seen.entry(hash).or_insert(0);
        *count += 1;
        format!("{hash:016x}:{count}")
    }
}

/// 64-bit FNV-1a over the parts, each followed by a 0xFF byte (which UTF-8 never holds), so
/// that moving text from one part to the next changes the hash.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET_BASIS;
    for part in parts {
        for &byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // FNV-1a 64 of "" and "a", from the algorithm's reference tables; the separator
        // byte is checked through the difference it makes.
        let plain = |bytes: &[u8]| {
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
            for &b in bytes {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
            hash
        };
        assert_eq!(plain(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(plain(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(&[b"a"]), plain(b"a\xff"));
        assert_ne!(fnv1a(&[b"ab", b"c"]), fnv1a(&[b"a", b"bc"]));
    }

    #[test]
    fn identical_lines_are_counted_apart() {
        let mut prints = Fingerprints::default();
        let first = prints.next("PL303", "a.conf", "allow 10.0.0.0/8;");
        let second = prints.next("PL303", "a.conf", "allow 10.0.0.0/8;");
        let other = prints.next("PL303", "b.conf", "allow 10.0.0.0/8;");
        assert!(first.ends_with(":1") && second.ends_with(":2") && other.ends_with(":1"));
        assert_eq!(first[..16], second[..16]);
        assert_ne!(first[..16], other[..16]);
    }

    #[test]
    fn flagged_line_ignores_indentation_and_line_ends() {
        let text = b"a\r\n    allow  10.0.0.0/8;\rb";
        assert_eq!(flagged_line(text, 9), "allow 10.0.0.0/8;");
        assert_eq!(flagged_line(text, 0), "a");
        assert_eq!(flagged_line(text, text.len() as u32), "b");
        assert_eq!(flagged_line(b"", 0), "");
    }

    #[test]
    fn uris_are_relative_or_file_and_percent_encoded() {
        assert_eq!(
            relative_uri(Path::new("./sites/app.conf")),
            "sites/app.conf"
        );
        assert_eq!(
            relative_uri(Path::new("my sites/50%:#?.conf")),
            "my%20sites/50%25%3A%23%3F.conf"
        );
        assert_eq!(relative_uri(Path::new("../x/é.conf")), "../x/%C3%A9.conf");
        #[cfg(unix)]
        assert_eq!(
            file_uri(Path::new("/etc/./nginx/a b.conf")),
            "file:///etc/nginx/a%20b.conf"
        );
    }

    #[cfg(unix)]
    #[test]
    fn bytes_that_are_not_utf8_are_encoded_one_by_one() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(std::ffi::OsStr::from_bytes(b"a\xffb.conf"));
        assert_eq!(relative_uri(path), "a%FFb.conf");
    }
}
