//! Finding proxy configurations: walking directories and telling each file's dialect by its
//! name and content.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::cli::DialectArg;

/// What a file is, as far as discovery can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dialect(DialectArg),
    /// A template that renders to a configuration (`{{ }}`, `{% %}`, `.j2`).
    Template,
    /// Not a proxy configuration.
    Other,
}

/// Directories a walk never enters.
const SKIPPED_DIRS: &[&str] = &[".git", ".hg", ".svn", "target", "node_modules", ".venv"];

/// How much of a file is read to guess its dialect.
const SNIFF_BYTES: usize = 64 * 1024;

/// What a directory walk found.
pub struct Walk {
    /// Files that look like proxy configurations, sorted by path, with their kind.
    pub found: Vec<(PathBuf, Kind)>,
    /// Files passed over and why (for `-v`).
    pub skipped: Vec<(PathBuf, String)>,
}

/// Every file under `dir` that looks like a proxy configuration.
pub fn walk(dir: &Path, allow_outside: bool) -> Walk {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    let walker = WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir() && SKIPPED_DIRS.iter().any(|d| e.file_name() == *d))
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| dir.to_path_buf());
                skipped.push((path, format!("not walked: {error}")));
                continue;
            }
        };
        // A link to a file counts as that file (Debian's `sites-enabled/` holds links);
        // links to directories are not followed, so a walk cannot loop.
        let linked_file =
            entry.path_is_symlink() && entry.path().metadata().is_ok_and(|m| m.is_file());
        if !entry.file_type().is_file() && !linked_file {
            continue;
        }
        let path = entry.path().to_path_buf();
        // A link that leads out of the walked tree is not read: a repository must not make
        // the linter print a file from elsewhere on the machine.
        if linked_file && !allow_outside && !leads_inside(&path, dir) {
            skipped.push((
                path,
                "a link to a file outside the checked directory".into(),
            ));
            continue;
        }
        match classify(&path) {
            Kind::Other if nginx_name(&path) => {
                skipped.push((path, "no nginx syntax found in it".into()))
            }
            Kind::Other => {}
            Kind::Template => skipped.push((path, "a template, not a configuration".into())),
            kind => found.push((path, kind)),
        }
    }
    Walk { found, skipped }
}

/// Why a walk did not read a link; the caller reports these.
pub const LINK_OUTSIDE: &str = "a link to a file outside the checked directory";

fn leads_inside(link: &Path, dir: &Path) -> bool {
    match (std::fs::canonicalize(link), std::fs::canonicalize(dir)) {
        (Ok(target), Ok(root)) => target.starts_with(root),
        _ => false,
    }
}

/// Tells a file's dialect from its name and, for `.conf` files, its first bytes.
pub fn classify(path: &Path) -> Kind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if [".j2", ".jinja", ".template", ".tmpl", ".tpl", ".liquid"]
        .iter()
        .any(|e| name.ends_with(e))
    {
        return Kind::Template;
    }
    if name == "caddyfile" || name.starts_with("caddyfile.") || name.ends_with(".caddyfile") {
        return Kind::Dialect(DialectArg::Caddy);
    }
    if name == "web.config" || name == "applicationhost.config" {
        return Kind::Dialect(DialectArg::Iis);
    }
    if name.starts_with("traefik") && [".yml", ".yaml", ".toml"].iter().any(|e| name.ends_with(e)) {
        return Kind::Dialect(DialectArg::Traefik);
    }
    if name == ".htaccess" || name == "httpd.conf" || name == "apache2.conf" {
        return Kind::Dialect(DialectArg::Apache);
    }
    if !nginx_name(path) {
        return Kind::Other;
    }
    // `nginx.conf` and files in `sites-enabled/` are nginx's whatever they hold: a binary
    // or UTF-16 one gets its syntax error rather than a silent skip.
    if name == "nginx.conf" || in_nginx_dir(path) {
        return match sniff(path) {
            Kind::Other => Kind::Dialect(DialectArg::Nginx),
            kind => kind,
        };
    }
    sniff(path)
}

/// A name nginx configurations usually have: `*.conf`, `*.nginx`, `*.vhost`, or any file
/// in `sites-enabled/`, `conf.d/` and the like.
pub fn nginx_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    name.ends_with(".conf")
        || name.ends_with(".nginx")
        || name.ends_with(".vhost")
        || in_nginx_dir(path)
}

/// `sites-enabled/example` and friends hold nginx files without an extension.
fn in_nginx_dir(path: &Path) -> bool {
    path.parent().and_then(Path::file_name).is_some_and(|d| {
        ["sites-enabled", "sites-available", "conf.d", "nginx"]
            .iter()
            .any(|n| d == *n)
    })
}

fn sniff(path: &Path) -> Kind {
    // Opening a FIFO would block; anything but a regular file goes to the loader, which
    // reports what it is.
    let regular = std::fs::metadata(path).is_ok_and(|m| m.is_file());
    let Some(file) = regular.then(|| std::fs::File::open(path).ok()).flatten() else {
        // Unreadable: let the loader report it as nginx, the only dialect it could be here.
        return Kind::Dialect(DialectArg::Nginx);
    };
    let mut head = Vec::new();
    use std::io::Read;
    let _ = file.take(SNIFF_BYTES as u64).read_to_end(&mut head);
    content_kind(&head)
}

/// The dialect a file's content shows.
pub fn content_kind(head: &[u8]) -> Kind {
    // A file saved as UTF-16 is judged by what it says; the parser then reports the encoding.
    if let Some(units) = utf16_units(head) {
        let decoded = String::from_utf16_lossy(&units);
        return content_kind(decoded.as_bytes());
    }
    let text = String::from_utf8_lossy(head);
    if text.contains("{{") || text.contains("{%") {
        return Kind::Template;
    }
    let apache = text.lines().any(|l| {
        let l = l.trim_start();
        [
            "<VirtualHost",
            "<Directory",
            "<IfModule",
            "<Location",
            "<Files",
            "<Proxy",
        ]
        .iter()
        .any(|t| l.starts_with(t))
    });
    if apache {
        return Kind::Dialect(DialectArg::Apache);
    }
    let nginx = text.contains("# configuration file ")
        || text.lines().any(|l| {
            let l = l.trim();
            !l.starts_with('#') && (l.ends_with(';') || l.ends_with('{') || l.ends_with('}'))
        });
    if nginx {
        Kind::Dialect(DialectArg::Nginx)
    } else if text.trim().is_empty() || text.lines().all(|l| l.trim_start().starts_with('#')) {
        // Empty files and comment-only files are valid (empty) nginx configuration.
        Kind::Dialect(DialectArg::Nginx)
    } else {
        Kind::Other
    }
}

/// The code units of a UTF-16 text with a byte order mark.
fn utf16_units(bytes: &[u8]) -> Option<Vec<u16>> {
    let little = bytes.starts_with(b"\xFF\xFE");
    if !little && !bytes.starts_with(b"\xFE\xFF") {
        return None;
    }
    Some(
        bytes[2..]
            .chunks_exact(2)
            .map(|pair| {
                if little {
                    u16::from_le_bytes([pair[0], pair[1]])
                } else {
                    u16::from_be_bytes([pair[0], pair[1]])
                }
            })
            .collect(),
    )
}
