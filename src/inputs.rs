//! Gathering what to check: named files, walked directories, standard input, and (for a
//! hook that names a few files) the rest of the repository as their context.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use proxylint_rules::{io_error, Diagnostic};
use proxylint_syntax::caddy::Caddy;
use proxylint_syntax::nginx::{read_regular_file, Workspace};
use proxylint_syntax::{FileId, SourceFile};

use crate::cli::{CheckArgs, DialectArg};
use crate::discover::{self, Kind};
use crate::options::{absolute, Options};

/// Everything gathered before the rules run.
pub struct Inputs {
    pub ws: Workspace,
    /// The Caddyfiles; their text lives in `ws.sources` with the nginx files'.
    pub caddy: Caddy,
    /// The checked tree: includes outside it are not read.
    pub roots: Vec<PathBuf>,
    /// PL000 for named files that could not be read or checked.
    pub io_errors: Vec<Diagnostic>,
    /// A path named on the command line could not be checked at all (exit 2).
    pub unusable: bool,
    /// When set, only findings in these files are reported (the named files of a run
    /// that read the rest of the repository for context).
    pub report_only: Option<HashSet<FileId>>,
}

impl Inputs {
    pub fn gather(args: &CheckArgs, options: &Options) -> Result<Inputs> {
        let mut inputs = Inputs {
            ws: Workspace::new(),
            caddy: Caddy::new(),
            roots: Vec::new(),
            io_errors: Vec::new(),
            unusable: false,
            report_only: None,
        };
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        for path in &paths {
            inputs.add_path(args, options, path)?;
        }
        inputs.add_context(args, options, &paths);
        Ok(inputs)
    }

    fn add_path(&mut self, args: &CheckArgs, options: &Options, path: &Path) -> Result<()> {
        if path == Path::new("-") {
            return self.add_stdin(args);
        }
        if path.is_dir() {
            self.roots.push(absolute(path));
            self.walk(args, options, path);
            return Ok(());
        }
        self.roots
            .push(absolute(path.parent().unwrap_or(Path::new("."))));
        if args.force_exclude && options.excluded(path) {
            if args.verbose {
                eprintln!(
                    "proxylint: skipped {}: excluded by the configuration",
                    path.display()
                );
            }
            return Ok(());
        }
        let kind = match args.dialect {
            Some(dialect) => Kind::Dialect(dialect),
            None => explicit_kind(path),
        };
        match kind {
            Kind::Dialect(DialectArg::Nginx) => self.add_file(args, path),
            Kind::Dialect(DialectArg::Caddy) => {
                if let Some(text) = self.read(args, path) {
                    self.caddy
                        .add_file(&mut self.ws.sources, path.to_path_buf(), text);
                }
            }
            Kind::Dialect(other) if args.skip_unsupported => {
                if args.verbose {
                    eprintln!(
                        "proxylint: skipped {}: the {} dialect is not supported yet",
                        path.display(),
                        dialect_name(other)
                    );
                }
            }
            other => self.not_checked(path, &why_not_checked(other)),
        }
        Ok(())
    }

    fn walk(&mut self, args: &CheckArgs, options: &Options, dir: &Path) {
        let walk = discover::walk(dir, args.allow_outside);
        for (file, why) in walk.skipped {
            if why == discover::LINK_OUTSIDE {
                // Not read on purpose, but never in silence: one info says so.
                let id = self.ws.sources.add(SourceFile::new(&file, Vec::new()));
                self.io_errors.push(
                    io_error(
                        id,
                        format!(
                            "not read: `{}` is {why}; check the directory it leads to, or pass \
                             --allow-outside",
                            file.display()
                        ),
                    )
                    .severity(proxylint_rules::Severity::Info),
                );
            } else if args.verbose {
                eprintln!("proxylint: skipped {}: {why}", file.display());
            }
        }
        let mut batch = Vec::new();
        for (file, kind) in walk.found {
            if options.excluded(&file) {
                if args.verbose {
                    eprintln!(
                        "proxylint: skipped {}: excluded by the configuration",
                        file.display()
                    );
                }
                continue;
            }
            match kind {
                Kind::Dialect(DialectArg::Nginx) => {
                    if let Some(text) = self.read(args, &file) {
                        batch.push((file, text));
                    }
                }
                Kind::Dialect(DialectArg::Caddy) => {
                    if let Some(text) = self.read(args, &file) {
                        self.caddy.add_file(&mut self.ws.sources, file, text);
                    }
                }
                Kind::Dialect(other) if args.verbose => eprintln!(
                    "proxylint: skipped {}: the {} dialect is not supported yet",
                    file.display(),
                    dialect_name(other)
                ),
                _ => {}
            }
        }
        self.ws.add_files(batch);
    }

    /// Named files are checked in the context of the repository a configuration file marks:
    /// the other nginx files there are read too (so an included snippet meets the files
    /// that include it), and only findings in the named files are reported.
    fn add_context(&mut self, args: &CheckArgs, options: &Options, paths: &[PathBuf]) {
        let named_files = paths.iter().all(|p| p.as_os_str() != "-" && !p.is_dir());
        let Some(root) = options.root.as_ref().filter(|_| named_files) else {
            return;
        };
        let named: HashSet<FileId> = self.ws.sources.iter().map(|(id, _)| id).collect();
        let quiet = CheckArgs {
            verbose: false,
            ..args.clone()
        };
        self.roots.push(absolute(root));
        self.walk(&quiet, options, root);
        if args.verbose {
            eprintln!(
                "proxylint: read {} more files under {} for context",
                self.ws.sources.len() - named.len(),
                root.display()
            );
        }
        self.report_only = Some(named);
    }

    fn add_file(&mut self, args: &CheckArgs, path: &Path) {
        if let Some(text) = self.read(args, path) {
            self.ws.add_file(path.to_path_buf(), text);
        }
    }

    /// Reads a file; a file that cannot be read becomes PL000. (The workspace keeps one
    /// copy of a file named twice.)
    fn read(&mut self, args: &CheckArgs, path: &Path) -> Option<Vec<u8>> {
        match read_regular_file(path) {
            Ok(text) => {
                if args.verbose {
                    eprintln!("proxylint: checking {}", path.display());
                }
                Some(text)
            }
            Err(error) => {
                let file = self.ws.sources.add(SourceFile::new(path, Vec::new()));
                self.io_errors.push(io_error(
                    file,
                    format!("cannot read `{}`: {error}", path.display()),
                ));
                None
            }
        }
    }

    fn add_stdin(&mut self, args: &CheckArgs) -> Result<()> {
        let mut text = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut text)
            .context("reading standard input")?;
        let shown = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("<stdin>"));
        // The name given with --stdin-filename tells the dialect first, then the content.
        let kind = match args.dialect {
            Some(d) => Kind::Dialect(d),
            None => match discover::classify(&shown) {
                Kind::Dialect(d) => Kind::Dialect(d),
                _ => discover::content_kind(&text),
            },
        };
        match kind {
            Kind::Dialect(DialectArg::Nginx) | Kind::Other => {
                self.roots
                    .push(absolute(shown.parent().unwrap_or(Path::new("."))));
                self.ws.add_file(shown, text);
            }
            Kind::Dialect(DialectArg::Caddy) => {
                self.roots
                    .push(absolute(shown.parent().unwrap_or(Path::new("."))));
                self.caddy.add_file(&mut self.ws.sources, shown, text);
            }
            other => self.not_checked(&shown, &why_not_checked(other)),
        }
        Ok(())
    }

    /// A named input that proxylint cannot check is a finding (PL000), not a silent skip,
    /// and makes the exit code 2.
    fn not_checked(&mut self, path: &Path, message: &str) {
        let file = self.ws.sources.add(SourceFile::new(path, Vec::new()));
        self.io_errors.push(io_error(file, message));
        self.unusable = true;
    }
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

/// Why a file of this kind, named explicitly, is not checked.
fn why_not_checked(kind: Kind) -> String {
    match kind {
        Kind::Dialect(dialect) => format!(
            "not checked: the {} dialect is not supported yet",
            dialect_name(dialect)
        ),
        Kind::Template => "not checked: this is a template (it holds `{{` or `{%`), not a \
                           configuration; check the rendered file instead"
            .to_string(),
        Kind::Other => "not checked: cannot tell which server this file is for; name it with \
                        `--dialect nginx`"
            .to_string(),
    }
}

pub fn dialect_name(dialect: DialectArg) -> &'static str {
    match dialect {
        DialectArg::Nginx => "nginx",
        DialectArg::Caddy => "Caddy",
        DialectArg::Apache => "Apache httpd",
        DialectArg::Iis => "IIS",
        DialectArg::Traefik => "Traefik",
    }
}
