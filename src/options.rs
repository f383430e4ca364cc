//! The options of one `check` run: the configuration file merged with the command line,
//! where the command line wins.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use proxylint_model::service::Service;
use proxylint_rules::{Settings, Severity};
pub use proxylint_syntax::nginx::absolute;

use crate::cli::{CheckArgs, LevelArg};
use crate::config::{self, Config, ServiceConfig};
use crate::selection::{relative_to, Selection};

/// Everything `check` needs besides the paths.
pub struct Options {
    pub settings: Settings,
    pub prefixes: Vec<(PathBuf, PathBuf)>,
    pub selection: Selection,
    pub fail_level: Severity,
    /// Paths never checked in a walk (relative to `root`).
    pub exclude: Vec<glob::Pattern>,
    /// The configuration's directory: the repository's root.
    pub root: Option<PathBuf>,
    /// The configuration files read, for `-v`.
    pub config_files: Vec<PathBuf>,
}

impl Options {
    pub fn new(args: &CheckArgs) -> Result<Options> {
        let config = load_config(args)?;
        let file = &config.file;
        let root = config.root.clone();
        let base = root.clone().unwrap_or_else(|| PathBuf::from("."));
        let mut ignore = file.ignore.clone().unwrap_or_default();
        ignore.extend(args.ignore.iter().cloned());
        let select = if args.select.is_empty() {
            file.select.clone()
        } else {
            Some(args.select.clone())
        };
        let selection = Selection::new(
            select,
            ignore,
            file.severity.as_ref().unwrap_or(&BTreeMap::new()),
            file.per_file_ignores.as_ref().unwrap_or(&BTreeMap::new()),
            &base,
        )
        .context("in the configuration or the command line")?;
        let fail_level = match (args.fail_level, file.fail_level.as_deref()) {
            (Some(LevelArg::Info), _) => Severity::Info,
            (Some(LevelArg::Warning), _) => Severity::Warning,
            (Some(LevelArg::Error), _) => Severity::Error,
            (None, Some(text)) => Severity::parse(text)
                .with_context(|| format!("fail-level `{text}` is not info, warning or error"))?,
            (None, None) => Severity::Warning,
        };
        let mut prefixes = Vec::new();
        if let Some(table) = file.nginx.as_ref().and_then(|n| n.prefixes.as_ref()) {
            for (from, to) in table {
                prefixes.push((PathBuf::from(from), absolute(&base.join(to))));
            }
        }
        prefixes.extend(parse_prefixes(&args.prefixes)?);
        let exclude = file
            .exclude
            .iter()
            .flatten()
            .map(|g| glob::Pattern::new(g).with_context(|| format!("exclude: `{g}` is not a glob")))
            .collect::<Result<_>>()?;
        Ok(Options {
            settings: settings(args, &config)?,
            prefixes,
            selection,
            fail_level,
            exclude,
            root,
            config_files: config.sources,
        })
    }

    /// Whether `path` is excluded by the configuration.
    pub fn excluded(&self, path: &Path) -> bool {
        let Some(root) = &self.root else {
            return false;
        };
        let relative = relative_to(path, root);
        self.exclude.iter().any(|p| {
            p.matches_path(&relative)
                || relative
                    .ancestors()
                    .any(|a| !a.as_os_str().is_empty() && p.matches_path(a))
        })
    }
}

fn load_config(args: &CheckArgs) -> Result<Config> {
    if args.no_config {
        return Ok(Config::default());
    }
    if let Some(path) = &args.config {
        return config::load(path);
    }
    let start = args
        .paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    match config::find(&start) {
        Some(found) => config::load(&found),
        None => Ok(Config::default()),
    }
}

fn settings(args: &CheckArgs, config: &Config) -> Result<Settings> {
    let mut services = match &config.file.services {
        Some(declared) => declared.iter().map(service).collect::<Result<Vec<_>>>()?,
        None => vec![Service::signing_service()],
    };
    if !args.grpc_paths.is_empty() {
        let mut declared = Service::signing_service();
        declared.name = "gRPC service".to_string();
        declared.name_hint = None;
        declared.paths = args
            .grpc_paths
            .iter()
            .map(|p| normalize_grpc_path(p))
            .collect::<Result<_>>()?;
        services = vec![declared];
    }
    for service in &mut services {
        service.hosts.extend(args.grpc_hosts.iter().cloned());
    }
    let version = args
        .nginx_version
        .clone()
        .or_else(|| config.file.nginx.as_ref().and_then(|n| n.version.clone()));
    Ok(Settings {
        services,
        nginx_version: version.as_deref().map(parse_version).transpose()?,
    })
}

/// A `[[services]]` table as the rules see it.
fn service(declared: &ServiceConfig) -> Result<Service> {
    let mut service = Service::signing_service();
    service.name = declared
        .name
        .clone()
        .unwrap_or_else(|| "gRPC service".to_string());
    service.name_hint = None;
    service.paths = declared
        .paths
        .iter()
        .map(|p| normalize_grpc_path(p))
        .collect::<Result<_>>()?;
    service.hosts = declared.hosts.clone();
    service.upstreams = declared.upstreams.clone();
    service.public = declared.public;
    service.min_timeout_secs = declared.min_timeout.unwrap_or(service.min_timeout_secs);
    service.backend_tls_only = declared.backend_tls_only.unwrap_or(true);
    Ok(service)
}

/// `/Foo` and `/Foo/` both declare the prefix `/Foo/`.
fn normalize_grpc_path(path: &str) -> Result<String> {
    if !path.starts_with('/') {
        bail!("a gRPC path must start with `/`: `{path}`");
    }
    Ok(format!("{}/", path.trim_end_matches('/')))
}

/// `1.25`, `1.25.1`, `1.25.1-debian` → a version.
fn parse_version(text: &str) -> Result<semver::Version> {
    let core: String = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let parts: Vec<&str> = core.split('.').filter(|p| !p.is_empty()).collect();
    let padded = match parts.len() {
        2 => format!("{}.{}.0", parts[0], parts[1]),
        3 => parts.join("."),
        _ => bail!("the nginx version must be X.Y or X.Y.Z, not `{text}`"),
    };
    semver::Version::parse(&padded).with_context(|| format!("nginx version `{text}`"))
}

fn parse_prefixes(specs: &[String]) -> Result<Vec<(PathBuf, PathBuf)>> {
    specs
        .iter()
        .map(|spec| match spec.split_once('=') {
            Some((from, to)) if !from.is_empty() && !to.is_empty() => {
                Ok((PathBuf::from(from), absolute(Path::new(to))))
            }
            _ => bail!("--prefix wants FROM=TO, not `{spec}`"),
        })
        .collect()
}
