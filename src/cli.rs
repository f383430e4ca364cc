//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Static analyser for reverse-proxy configurations: finds the gRPC, HTTP/2 and access
/// mistakes that break a service behind nginx while its web pages keep working.
#[derive(Debug, Parser)]
#[command(name = "proxylint", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check configuration files and directories.
    Check(Box<CheckArgs>),
    /// List every rule.
    Rules,
    /// Explain one rule: what it flags, why, a bad and a good example.
    Explain {
        /// A rule code (`PL101`) or name (`grpc-over-http1`).
        rule: String,
    },
    /// Print shell completions.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Files and directories to check (directories are searched for proxy configurations);
    /// `-` reads one file from standard input. Defaults to the current directory.
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,

    /// Exit with 1 when a finding of this severity or higher is reported [default: warning,
    /// or the configuration's `fail-level`].
    #[arg(long, value_enum)]
    pub fail_level: Option<LevelArg>,

    /// Rules to run: codes (`PL101`), prefixes (`PL1`) or names; replaces the configuration's
    /// `select` (repeatable, or comma-separated).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Rules not to run, added to the configuration's `ignore` (repeatable, or
    /// comma-separated).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Read this configuration file instead of looking for `.proxylint.toml`.
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Read no configuration file.
    #[arg(long)]
    pub no_config: bool,

    /// Exit with 0 even when findings are reported (files that cannot be read still exit 2).
    #[arg(long)]
    pub exit_zero: bool,

    /// Apply the configuration's `exclude` to files named on the command line too (as a
    /// pre-commit hook names them).
    #[arg(long)]
    pub force_exclude: bool,

    /// Skip named files of dialects proxylint does not read yet instead of failing.
    #[arg(long)]
    pub skip_unsupported: bool,

    /// Print only the findings: no summary line.
    #[arg(short, long)]
    pub quiet: bool,

    /// Write the report to this file instead of standard output.
    #[arg(short, long, value_name = "PATH")]
    pub output_file: Option<PathBuf>,

    /// Print how many findings each rule has instead of the findings.
    #[arg(long)]
    pub statistics: bool,

    /// Write a suppression comment, with a placeholder reason, above every current finding.
    #[arg(long)]
    pub add_ignore: bool,

    /// Read the named files as this dialect instead of guessing it.
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,

    /// A gRPC path prefix to check (repeatable). Replaces the default `/SignService/` and turns
    /// off recognising the signing service by name.
    #[arg(long = "grpc-path", value_name = "PATH")]
    pub grpc_paths: Vec<String>,

    /// A host name that fronts a gRPC service (repeatable).
    #[arg(long = "grpc-host", value_name = "NAME")]
    pub grpc_hosts: Vec<String>,

    /// The nginx version the configuration targets (for PL202/PL203). Without it those
    /// findings are infos that state the version boundary.
    #[arg(long, value_name = "X.Y.Z")]
    pub nginx_version: Option<String>,

    /// Map an absolute path prefix onto the checked tree, e.g. `/etc/nginx=deploy/nginx`
    /// (repeatable).
    #[arg(long = "prefix", value_name = "FROM=TO")]
    pub prefixes: Vec<String>,

    /// Read included files outside the checked tree too.
    #[arg(long)]
    pub allow_outside: bool,

    /// The path to show for a file read from standard input.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,

    /// Force colour on or off in the human format (`NO_COLOR` is honoured).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    /// Say on stderr which files were picked and why others were skipped.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    Nginx,
    Caddy,
    Apache,
    Iis,
    Traefik,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}
