//! The commands: `check`, `rules`, `explain`, `completions` and `man`.

use std::io::{IsTerminal, Write};

use anyhow::{Context as _, Result};
use clap::CommandFactory;
use proxylint_report::{render, Format, HumanOptions, Summary};
use proxylint_rules::{check_caddy, check_nginx, Diagnostic, Severity};
use proxylint_syntax::nginx::{LoadOptions, RealFileSystem};

use crate::cli::{CheckArgs, Cli, ColorArg, Command, FormatArg};
use crate::inputs::Inputs;
use crate::options::Options;

pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Check(args) => check(*args),
        Command::Rules => {
            list_rules()?;
            Ok(0)
        }
        Command::Explain { rule } => explain(&rule),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "proxylint",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(0)
        }
    }
}

fn check(args: CheckArgs) -> Result<u8> {
    let options = Options::new(&args)?;
    if args.verbose {
        describe(&options);
    }
    let mut inputs = Inputs::gather(&args, &options)?;
    let load = LoadOptions {
        prefixes: options.prefixes.clone(),
        roots: inputs.roots.clone(),
        allow_outside: args.allow_outside,
    };
    let entries = inputs.ws.resolve(&RealFileSystem, &load);
    if args.verbose {
        for entry in &entries {
            eprintln!(
                "proxylint: entry point {}",
                inputs.ws.unit(entry.unit).path.display()
            );
        }
    }
    let mut diagnostics = check_nginx(&inputs.ws, &entries, &options.settings);
    let caddy_entries = inputs
        .caddy
        .resolve(&mut inputs.ws.sources, &RealFileSystem, &load);
    diagnostics.extend(check_caddy(
        &inputs.caddy,
        &inputs.ws.sources,
        &caddy_entries,
        &options.settings,
    ));
    diagnostics.append(&mut inputs.io_errors);
    proxylint_rules::sort_and_dedup(&mut diagnostics);
    let mut diagnostics = options.selection.apply(diagnostics, &inputs.ws.sources);
    if let Some(named) = &inputs.report_only {
        diagnostics.retain(|d| named.contains(&d.primary.file));
    }
    // An info PL000 (a link deliberately not followed) does not make the run fail.
    let unreadable = diagnostics
        .iter()
        .any(|d| d.code == "PL000" && d.severity == Severity::Error);
    if args.add_ignore {
        let (comments, files) = crate::add_ignore::add_ignores(&inputs.ws, &diagnostics)?;
        eprintln!("proxylint: added {comments} suppressions in {files} files; give each a reason");
        return Ok(if unreadable || inputs.unusable { 2 } else { 0 });
    }
    let files = inputs.ws.sources.len() - count_placeholders(&diagnostics);
    write_report(
        &args,
        &inputs,
        &diagnostics,
        Summary::new(files, &diagnostics),
    )?;
    let failing = diagnostics.iter().any(|d| d.severity >= options.fail_level);
    Ok(if unreadable || inputs.unusable {
        2
    } else if failing && !args.exit_zero {
        1
    } else {
        0
    })
}

/// `-v`: the configuration and the rules in force.
fn describe(options: &Options) {
    match options.config_files.first() {
        Some(first) => eprintln!("proxylint: configuration {}", first.display()),
        None => eprintln!("proxylint: no configuration file"),
    }
    for extended in options.config_files.iter().skip(1) {
        eprintln!("proxylint:   extends {}", extended.display());
    }
    eprintln!(
        "proxylint: rules {}",
        options.selection.enabled_codes().join(" ")
    );
    for service in &options.settings.services {
        eprintln!(
            "proxylint: service {} at {}",
            service.name,
            service.paths.join(" ")
        );
    }
}

fn write_report(
    args: &CheckArgs,
    inputs: &Inputs,
    diagnostics: &[Diagnostic],
    summary: Summary,
) -> Result<()> {
    let mut out: Box<dyn Write> = match &args.output_file {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write `{}`", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let written = if args.statistics {
        statistics(diagnostics, &mut out)
    } else {
        let format = match args.format {
            FormatArg::Human => Format::Human,
            FormatArg::Concise => Format::Concise,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
        };
        let human = HumanOptions {
            color: args.output_file.is_none() && use_color(args.color),
            summary: !args.quiet,
        };
        render(
            format,
            &inputs.ws.sources,
            diagnostics,
            summary,
            human,
            &mut out,
        )
    };
    // A reader that stops early (`| head`) is not an error of the check.
    match written.and_then(|()| out.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

/// `--statistics`: findings per rule, most first.
fn statistics(diagnostics: &[Diagnostic], out: &mut dyn Write) -> std::io::Result<()> {
    let mut counts: Vec<(usize, &str)> = Vec::new();
    for d in diagnostics {
        match counts.iter_mut().find(|(_, code)| *code == d.code) {
            Some((n, _)) => *n += 1,
            None => counts.push((1, d.code)),
        }
    }
    counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    for (count, code) in counts {
        let rule = proxylint_rules::by_code(code).map(|r| r.meta());
        let name = rule.map_or("", |m| m.name);
        let severity = rule.map_or(Severity::Error, |m| m.severity);
        writeln!(out, "{count:>6}  {code}  {name:<34} {}", severity.as_str())?;
    }
    Ok(())
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
