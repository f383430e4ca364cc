//! `.proxylint.toml` (or `proxylint.toml`): found by walking up from the checked paths, or
//! named with `--config`; `extend` inherits another file. Unknown keys are errors that name
//! the file, line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use serde::Deserialize;

use proxylint_syntax::LineIndex;

/// The file names looked for, in order, in each directory from the checked path upwards.
pub const FILE_NAMES: [&str; 2] = [".proxylint.toml", "proxylint.toml"];

/// One configuration file as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Another configuration file this one inherits (relative to this file).
    pub extend: Option<String>,
    /// Rules to run: codes (`PL101`), prefixes (`PL1`) or names. Default: all.
    pub select: Option<Vec<String>>,
    /// Rules not to run, in the same forms.
    pub ignore: Option<Vec<String>>,
    /// `info`, `warning` or `error`.
    pub fail_level: Option<String>,
    /// Globs (relative to this file) of paths never checked in a walk.
    pub exclude: Option<Vec<String>>,
    /// Severity per rule: `PL105 = "error"`.
    pub severity: Option<BTreeMap<String, String>>,
    /// Rules ignored in some files: `"legacy/*.conf" = ["PL303"]`.
    pub per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
    /// The gRPC services to check; replaces the built-in signing-service profile.
    pub services: Option<Vec<ServiceConfig>>,
    pub nginx: Option<NginxConfig>,
}

/// A `[[services]]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServiceConfig {
    pub name: Option<String>,
    /// gRPC path prefixes (`/SignService/`).
    pub paths: Vec<String>,
    /// Host names it is served under.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Backends (`host:port`) that serve it: servers forwarding there front it.
    #[serde(default)]
    pub upstreams: Vec<String>,
    /// Reachable by anyone on purpose: PL301/PL302 do not apply.
    #[serde(default)]
    pub public: bool,
    /// Seconds long calls may take (default 300).
    pub min_timeout: Option<u64>,
    /// The backend serves only TLS (default true).
    pub backend_tls_only: Option<bool>,
}

/// The `[nginx]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NginxConfig {
    /// The target nginx version (`1.24.0`).
    pub version: Option<String>,
    /// Absolute prefixes mapped onto the repository: `"/etc/nginx" = "deploy/nginx"`.
    pub prefixes: Option<BTreeMap<String, String>>,
}

/// A configuration with `extend` resolved, and where it came from.
#[derive(Debug, Default, Clone)]
pub struct Config {
    pub file: ConfigFile,
    /// The directory of the file that was found or named: relative paths in it (exclude
    /// globs, per-file-ignores, prefixes) are relative to it, and it bounds the repository.
    pub root: Option<PathBuf>,
    /// The files read, the one named or found first.
    pub sources: Vec<PathBuf>,
}

/// The configuration file for `start`: the first of [`FILE_NAMES`] in its directory or the
/// nearest parent directory.
pub fn find(start: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(start).ok()?;
    let mut dir = if absolute.is_dir() {
        absolute
    } else {
        absolute.parent()?.to_path_buf()
    };
    loop {
        for name in FILE_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// Reads a configuration file and everything it extends.
pub fn load(path: &Path) -> Result<Config> {
    let mut chain: Vec<(PathBuf, ConfigFile)> = Vec::new();
    let mut next = Some(path.to_path_buf());
    while let Some(current) = next.take() {
        let canonical = std::fs::canonicalize(&current)
            .with_context(|| format!("cannot read configuration `{}`", current.display()))?;
        if chain.iter().any(|(p, _)| *p == canonical) {
            bail!(
                "configuration `{}` extends itself through `extend`",
                current.display()
            );
        }
        let file = parse_file(&current)?;
        if let Some(parent) = &file.extend {
            let base = current.parent().unwrap_or(Path::new("."));
            next = Some(base.join(parent));
        }
        chain.push((canonical, file));
    }
    // The named file wins over what it extends.
    let mut merged = ConfigFile::default();
    for (_, file) in chain.iter().rev() {
        merge(&mut merged, file.clone());
    }
    Ok(Config {
        file: merged,
        root: path.parent().map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        }),
        sources: chain.into_iter().map(|(p, _)| p).collect(),
    })
}

/// Reads one file; errors name the file, line and column.
fn parse_file(path: &Path) -> Result<ConfigFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read configuration `{}`", path.display()))?;
    toml::from_str(&text).map_err(|error| {
        let at = error
            .span()
            .map(|span| {
                let index = LineIndex::new(text.as_bytes());
                let lc = index.line_col(text.as_bytes(), span.start as u32);
                format!(":{}:{}", lc.line, lc.column)
            })
            .unwrap_or_default();
        anyhow::anyhow!("{}{at}: {}", path.display(), error.message().trim())
    })
}

/// Values set in `child` replace those of `base`.
fn merge(base: &mut ConfigFile, child: ConfigFile) {
    macro_rules! take {
        ($($field:ident),*) => { $( if child.$field.is_some() { base.$field = child.$field; } )* };
    }
    take!(
        extend,
        select,
        ignore,
        fail_level,
        exclude,
        severity,
        per_file_ignores,
        services,
        nginx
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn unknown_keys_are_errors_with_their_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            ".proxylint.toml",
            "select = [\"PL1\"]\nignroe = [\"PL402\"]\n",
        );
        let error = load(&path).unwrap_err().to_string();
        assert!(error.contains(".proxylint.toml:2:1"), "{error}");
        assert!(error.contains("ignroe"), "{error}");
    }

    #[test]
    fn extend_merges_and_the_child_wins() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "base.toml",
            "ignore = [\"PL402\"]\nfail-level = \"error\"\n",
        );
        let child = write(
            dir.path(),
            ".proxylint.toml",
            "extend = \"base.toml\"\nfail-level = \"info\"\n",
        );
        let config = load(&child).unwrap();
        assert_eq!(
            config.file.ignore.as_deref(),
            Some(&["PL402".to_string()][..])
        );
        assert_eq!(config.file.fail_level.as_deref(), Some("info"));
        assert_eq!(config.sources.len(), 2);
    }

    #[test]
    fn extend_loops_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.toml", "extend = \"b.toml\"\n");
        let b = write(dir.path(), "b.toml", "extend = \"a.toml\"\n");
        assert!(load(&b).unwrap_err().to_string().contains("extends itself"));
    }

    #[test]
    fn found_by_walking_up() {
        let dir = tempfile::tempdir().unwrap();
        let config = write(dir.path(), "proxylint.toml", "");
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        let found = find(&dir.path().join("a/b")).unwrap();
        assert_eq!(
            std::fs::canonicalize(found).unwrap(),
            std::fs::canonicalize(config).unwrap()
        );
    }
}
