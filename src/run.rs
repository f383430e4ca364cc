//! The commands: `check`, `rules` and `explain`.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use proxylint_model::service::Service;
use proxylint_report::{render, Format, HumanOptions, Summary};
use proxylint_rules::{check_nginx, io_error, Diagnostic, Settings, Severity};
use proxylint_syntax::nginx::{read_regular_file, LoadOptions, RealFileSystem, Workspace};
use proxylint_syntax::SourceFile;

use crate::cli::{CheckArgs, Cli, ColorArg, Command, DialectArg, FormatArg, LevelArg};
use crate::discover::{self, Kind};

pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules => {
            list_rules()?;
            Ok(0)
        }
        Command::Explain { rule } => explain(&rule),
    }
}

/// Everything gathered before the rules run.
struct Inputs {
    ws: Workspace,
    roots: Vec<PathBuf>,
    io_errors: Vec<Diagnostic>,
    /// A path named on the command line could not be checked at all (exit 2).
    unusable: bool,
    /// Files already added, by their real path.
    seen: std::collections::HashSet<PathBuf>,
}

fn check(args: CheckArgs) -> Result<u8> {
    let settings = settings(&args)?;
    let prefixes = prefixes(&args.prefixes)?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut inputs = Inputs {
        ws: Workspace::new(),
        roots: Vec::new(),
        io_errors: Vec::new(),
        unusable: false,
        seen: Default::default(),
    };
    for path in &paths {
        add_path(&args, path, &mut inputs)?;
    }
    let options = LoadOptions {
        prefixes,
        roots: inputs.roots.clone(),
        allow_outside: args.allow_outside,
    };
    let entries = inputs.ws.resolve(&RealFileSystem, &options);
    if args.verbose {
        for entry in &entries {
            eprintln!(
                "proxylint: entry point {}",
                inputs.ws.unit(entry.unit).path.display()
            );
        }
    }
    let mut diagnostics = check_nginx(&inputs.ws, &entries, &settings);
    diagnostics.append(&mut inputs.io_errors);
    proxylint_rules::sort_and_dedup(&mut diagnostics);
    let unreadable = diagnostics.iter().any(|d| d.code == "PL000");
    let files = inputs.ws.sources.len() - count_placeholders(&diagnostics);
    let summary = Summary::new(files, &diagnostics);
    let format = match args.format {
        FormatArg::Human => Format::Human,
        FormatArg::Concise => Format::Concise,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Github => Format::Github,
    };
    let human = HumanOptions {
        color: use_color(args.color),
    };
    let mut stdout = std::io::stdout().lock();
    let written = render(
        format,
        &inputs.ws.sources,
        &diagnostics,
        summary,
        human,
        &mut stdout,
    )
    .and_then(|()| stdout.flush());
    // A reader that stops early (`| head`) is not an error of the check.
    if let Err(error) = written {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(error.into());
        }
    }
    let fail_level = match args.fail_level {
        LevelArg::Info => Severity::Info,
        LevelArg::Warning => Severity::Warning,
        LevelArg::Error => Severity::Error,
    };
    Ok(if unreadable || inputs.unusable {
        2
    } else if diagnostics.iter().any(|d| d.severity >= fail_level) {
        1
    } else {
        0
    })
}

/// Files that could not be read are in the source map only to carry their path.
fn count_placeholders(diagnostics: &[Diagnostic]) -> usize {
    let mut files: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.code == "PL000" && d.primary.span.is_empty() && d.primary.span.start == 0)
        .map(|d| d.primary.file)
        .collect();
    files.sort();
    files.dedup();
    files.len()
}

fn add_path(args: &CheckArgs, path: &Path, inputs: &mut Inputs) -> Result<()> {
    if path == Path::new("-") {
        return add_stdin(args, inputs);
    }
    if path.is_dir() {
        inputs.roots.push(absolute(path));
        let walk = discover::walk(path);
        for (file, why) in walk.skipped {
            if args.verbose {
                eprintln!("proxylint: skipped {}: {why}", file.display());
            }
        }
        for (file, kind) in walk.found {
            match kind {
                Kind::Dialect(DialectArg::Nginx) => add_file(args, &file, inputs),
                Kind::Dialect(other) if args.verbose => eprintln!(
                    "proxylint: skipped {}: the {} dialect is not supported yet",
                    file.display(),
                    dialect_name(other)
                ),
                _ => {}
            }
        }
        return Ok(());
    }
    inputs
        .roots
        .push(absolute(path.parent().unwrap_or(Path::new("."))));
    let kind = match args.dialect {
        Some(dialect) => Kind::Dialect(dialect),
        None => explicit_kind(path),
    };
    match kind {
        Kind::Dialect(DialectArg::Nginx) => add_file(args, path, inputs),
        other => not_checked(inputs, path, &why_not_checked(other)),
    }
    Ok(())
}

/// Why a file of this kind, named explicitly, is not checked.
fn why_not_checked(kind: Kind) -> String {
    match kind {
        Kind::Dialect(dialect) => {
            format!(
                "not checked: the {} dialect is not supported yet",
                dialect_name(dialect)
            )
        }
        Kind::Template => "not checked: this is a template (it holds `{{` or `{%`), not a \
                           configuration; check the rendered file instead"
            .to_string(),
        Kind::Other => "not checked: cannot tell which server this file is for; name it with \
                        `--dialect nginx`"
            .to_string(),
    }
}

/// A named input that proxylint cannot check is a finding (PL000), not a silent skip, and
/// makes the exit code 2.
fn not_checked(inputs: &mut Inputs, path: &Path, message: &str) {
    let file = inputs.ws.sources.add(SourceFile::new(path, Vec::new()));
    inputs.io_errors.push(io_error(file, message));
    inputs.unusable = true;
}

/// The dialect of a file named on the command line: by name, else by content. A named
/// `*.conf` whose content shows no other dialect is read as nginx, so that a broken file
/// gets its syntax errors rather than a shrug. A file that does not exist or cannot be read
/// is handed to the loader, which reports it.
fn explicit_kind(path: &Path) -> Kind {
    match discover::classify(path) {
        Kind::Other if discover::nginx_name(path) => Kind::Dialect(DialectArg::Nginx),
        Kind::Other => match read_regular_file(path) {
            Ok(bytes) => discover::content_kind(&bytes[..bytes.len().min(64 * 1024)]),
            Err(_) => Kind::Dialect(DialectArg::Nginx),
        },
        kind => kind,
    }
}

fn add_file(args: &CheckArgs, path: &Path, inputs: &mut Inputs) {
    // The same file named twice (`conf.d/a.conf ./conf.d/a.conf .`) is read once.
    let identity = std::fs::canonicalize(path).unwrap_or_else(|_| absolute(path));
    if !inputs.seen.insert(identity) {
        return;
    }
    match read_regular_file(path) {
        Ok(text) => {
            if args.verbose {
                eprintln!("proxylint: checking {}", path.display());
            }
            inputs.ws.add_file(path.to_path_buf(), text);
        }
        Err(error) => {
            let file = inputs.ws.sources.add(SourceFile::new(path, Vec::new()));
            inputs.io_errors.push(io_error(
                file,
                format!("cannot read `{}`: {error}", path.display()),
            ));
        }
    }
}

fn add_stdin(args: &CheckArgs, inputs: &mut Inputs) -> Result<()> {
    let mut text = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut text)
        .context("reading standard input")?;
    let shown = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("<stdin>"));
    let kind = match args.dialect {
        Some(d) => Kind::Dialect(d),
        None => discover::content_kind(&text),
    };
    match kind {
        Kind::Dialect(DialectArg::Nginx) | Kind::Other => {
            inputs
                .roots
                .push(absolute(shown.parent().unwrap_or(Path::new("."))));
            inputs.ws.add_file(shown, text);
        }
        other => not_checked(inputs, &shown, &why_not_checked(other)),
    }
    Ok(())
}

fn absolute(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    proxylint_syntax::nginx::normalize(
        &std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    )
}

fn dialect_name(dialect: DialectArg) -> &'static str {
    match dialect {
        DialectArg::Nginx => "nginx",
        DialectArg::Caddy => "Caddy",
        DialectArg::Apache => "Apache httpd",
        DialectArg::Iis => "IIS",
        DialectArg::Traefik => "Traefik",
    }
}

fn settings(args: &CheckArgs) -> Result<Settings> {
    let mut service = Service::signing_service();
    if !args.grpc_paths.is_empty() {
        service.name = "gRPC service".to_string();
        service.name_hint = None;
        service.paths = args
            .grpc_paths
            .iter()
            .map(|p| normalize_grpc_path(p))
            .collect::<Result<_>>()?;
    }
    service.hosts = args.grpc_hosts.clone();
    let nginx_version = match &args.nginx_version {
        None => None,
        Some(text) => Some(parse_version(text)?),
    };
    Ok(Settings {
        services: vec![service],
        nginx_version,
    })
}

/// `/Foo` and `/Foo/` both declare the prefix `/Foo/`.
fn normalize_grpc_path(path: &str) -> Result<String> {
    if !path.starts_with('/') {
        bail!("--grpc-path must start with `/`: `{path}`");
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
        _ => bail!("--nginx-version wants X.Y or X.Y.Z, not `{text}`"),
    };
    semver::Version::parse(&padded).with_context(|| format!("--nginx-version `{text}`"))
}

fn prefixes(specs: &[String]) -> Result<Vec<(PathBuf, PathBuf)>> {
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

fn use_color(choice: ColorArg) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal(),
    }
}

fn list_rules() -> Result<()> {
    let mut out = std::io::stdout().lock();
    for rule in proxylint_rules::all() {
        let m = rule.meta();
        writeln!(
            out,
            "{}  {:<34} {:<8} {}",
            m.code,
            m.name,
            m.severity.as_str(),
            m.summary
        )?;
    }
    Ok(())
}

fn explain(code: &str) -> Result<u8> {
    let Some(rule) = proxylint_rules::by_code(code) else {
        eprintln!("proxylint: no rule `{code}`; `proxylint rules` lists them");
        return Ok(2);
    };
    print!("{}", proxylint_rules::rule_page(rule.meta()));
    Ok(0)
}
