//! Runs the rules over a loaded configuration.

use proxylint_model::service::{self, Fronting, GrpcRouting, Service};
use proxylint_model::{Dialect, Forward, Host, HostId, Loc, Model, Route, RouteId};
use proxylint_syntax::caddy::{self, Caddy, Expanded};
use proxylint_syntax::nginx::{Entry, Node, Workspace};
use proxylint_syntax::{FileId, SourceMap, Span};

use crate::{Diagnostic, Label};

/// What the user told the rules: the services to look for and the target server versions.
#[derive(Debug, Clone)]
pub struct Settings {
    pub services: Vec<Service>,
    /// The nginx version the configuration targets; `None` when not known.
    pub nginx_version: Option<semver::Version>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            services: vec![Service::signing_service()],
            nginx_version: None,
        }
    }
}

/// A host's routing of one declared gRPC path.
#[derive(Debug, Clone)]
pub struct GrpcSite {
    pub host: HostId,
    pub service: usize,
    pub path: String,
    pub routing: GrpcRouting,
}

/// What every dialect gives the rules: the model of one entry point and the gRPC analysis
/// over it.
pub struct ProxyContext<'a> {
    pub dialect: Dialect,
    pub sources: &'a SourceMap,
    pub model: &'a Model,
    pub settings: &'a Settings,
    pub fronting: Vec<Fronting>,
    pub grpc: Vec<GrpcSite>,
    /// For each host, the services it fronts (indexes into the settings' services).
    services_by_host: Vec<Vec<usize>>,
}

/// Everything a rule may look at for one nginx entry point: the model, and the tree.
pub struct NginxContext<'a> {
    pub proxy: ProxyContext<'a>,
    pub ws: &'a Workspace,
    pub entry: &'a Entry,
    /// The entry's tree with includes expanded.
    pub nodes: &'a [Node<'a>],
}

impl<'a> std::ops::Deref for NginxContext<'a> {
    type Target = ProxyContext<'a>;
    fn deref(&self) -> &ProxyContext<'a> {
        &self.proxy
    }
}

/// Everything a rule may look at for one Caddyfile entry point.
pub struct CaddyContext<'a> {
    pub proxy: ProxyContext<'a>,
    pub expanded: &'a Expanded,
}

impl<'a> std::ops::Deref for CaddyContext<'a> {
    type Target = ProxyContext<'a>;
    fn deref(&self) -> &ProxyContext<'a> {
        &self.proxy
    }
}

impl<'a> ProxyContext<'a> {
    fn new(
        dialect: Dialect,
        sources: &'a SourceMap,
        model: &'a Model,
        settings: &'a Settings,
    ) -> Self {
        let fronting = service::fronting(model, &settings.services);
        let grpc = grpc_sites(model, &fronting, &settings.services);
        let mut services_by_host = vec![Vec::new(); model.hosts.len()];
        for f in &fronting {
            services_by_host[f.host].push(f.service);
        }
        ProxyContext {
            dialect,
            sources,
            model,
            settings,
            fronting,
            grpc,
            services_by_host,
        }
    }

    pub fn is_fronting(&self, host: HostId) -> bool {
        !self.services_by_host[host].is_empty()
    }

    /// The hosts that front a declared service, each once, in order.
    pub fn fronting_hosts(&self) -> impl Iterator<Item = (HostId, &'a Host)> + '_ {
        let model: &'a Model = self.model;
        model
            .hosts
            .iter()
            .enumerate()
            .filter(|(id, _)| self.is_fronting(*id))
    }

    /// Every forward of the hosts that front a declared service, with its route.
    pub fn fronting_forwards(&self) -> impl Iterator<Item = (&'a Route, &'a Forward)> + '_ {
        self.fronting_hosts().flat_map(|(_, host)| {
            host.routes
                .iter()
                .filter_map(|route| route.handler.as_ref().map(|f| (route, f)))
        })
    }

    /// The services `host` fronts.
    pub fn services_of(&self, host: HostId) -> impl Iterator<Item = &Service> {
        self.services_by_host[host]
            .iter()
            .map(|&s| &self.settings.services[s])
    }

    /// Every route that serves a declared gRPC path, with its site.
    pub fn grpc_routes(&self) -> impl Iterator<Item = (&GrpcSite, RouteId)> {
        self.grpc.iter().filter_map(|site| match site.routing {
            GrpcRouting::Served(route) => Some((site, route)),
            _ => None,
        })
    }

    pub fn service(&self, site: &GrpcSite) -> &Service {
        &self.settings.services[site.service]
    }

    /// The source text at a location.
    pub fn text(&self, loc: Loc) -> String {
        self.sources.get(loc.file).text_of(loc.span).into_owned()
    }

    pub fn src(&self, file: FileId) -> &'a [u8] {
        &self.sources.get(file).text
    }

    pub fn is_caddy(&self) -> bool {
        self.dialect == Dialect::Caddy
    }
}

/// Checks every entry point of an nginx workspace.
pub fn check_nginx(ws: &Workspace, entries: &[Entry], settings: &Settings) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in crate::all() {
        rule.check_workspace(ws, &mut out);
    }
    let (mut suppressions, invalid) = crate::suppress::collect(ws);
    // Entry points are independent: each is lowered and checked on its own core, and the
    // findings are sorted afterwards, so the output does not depend on the scheduling.
    use rayon::prelude::*;
    let per_entry: Vec<(Vec<Diagnostic>, Vec<crate::suppress::Coverage>)> = entries
        .par_iter()
        .map(|entry| {
            let nodes = ws.expand(entry);
            let coverage = crate::suppress::coverage(&nodes, &suppressions);
            let model = proxylint_model::nginx::lower(ws, entry);
            let cx = NginxContext {
                proxy: ProxyContext::new(Dialect::Nginx, &ws.sources, &model, settings),
                ws,
                entry,
                nodes: &nodes,
            };
            let found: Vec<Diagnostic> = crate::all()
                .par_iter()
                .flat_map_iter(|rule| {
                    let mut out = Vec::new();
                    rule.check_proxy(&cx.proxy, &mut out);
                    rule.check_nginx(&cx, &mut out);
                    out
                })
                .collect();
            (found, coverage)
        })
        .collect();
    for (found, coverage) in per_entry {
        out.extend(found);
        crate::suppress::add_coverage(&mut suppressions, coverage);
    }
    with_suppressions(out, suppressions, invalid)
}

/// Checks every entry point of the Caddyfiles read. Imported files report findings at their
/// own spans, with the import that brought them in as related information.
pub fn check_caddy(
    caddy: &Caddy,
    sources: &SourceMap,
    entries: &[caddy::Entry],
    settings: &Settings,
) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let (suppressions, invalid) = crate::suppress::collect_caddy(caddy, sources);
    let marks = crate::suppress::service_marks_caddy(caddy, sources);
    let out: Vec<Diagnostic> = entries
        .par_iter()
        .flat_map_iter(|&entry| {
            let expanded = caddy.expand(sources, entry);
            let model = proxylint_model::caddy::lower(&expanded, &marks);
            let cx = CaddyContext {
                proxy: ProxyContext::new(Dialect::Caddy, sources, &model, settings),
                expanded: &expanded,
            };
            let mut found: Vec<Diagnostic> = crate::all()
                .par_iter()
                .flat_map_iter(|rule| {
                    let mut out = Vec::new();
                    rule.check_proxy(&cx.proxy, &mut out);
                    rule.check_caddy(&cx, &mut out);
                    out
                })
                .collect();
            for d in &mut found {
                add_import_chain(d, &expanded);
            }
            found
        })
        .collect();
    with_suppressions(out, suppressions, invalid)
}

/// Drops suppressed findings, adds PL007/PL008, and sorts.
fn with_suppressions(
    mut out: Vec<Diagnostic>,
    suppressions: Vec<crate::suppress::Suppression>,
    invalid: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    sort_and_dedup(&mut out);
    let mut out = crate::suppress::apply(out, suppressions);
    out.extend(invalid);
    sort_and_dedup(&mut out);
    out
}

/// A finding inside imported text names the import that brought it in (outermost last).
fn add_import_chain(d: &mut Diagnostic, x: &Expanded) {
    fn find(nodes: &[caddy::Node], at: Loc) -> Option<&[(FileId, Span)]> {
        for n in nodes {
            let inside =
                n.file == at.file && n.span.start <= at.span.start && at.span.start <= n.span.end;
            if inside && !n.via.is_empty() {
                return Some(&n.via);
            }
            if let Some(found) = find(&n.children, at) {
                return Some(found);
            }
        }
        None
    }
    let at = Loc::new(d.primary.file, d.primary.span);
    let via = find(&x.global, at).or_else(|| {
        x.sites.iter().find_map(|site| {
            find(&site.directives, at).or_else(|| {
                let own = site.file == at.file && site.span == at.span;
                (own && !site.via.is_empty()).then_some(site.via.as_slice())
            })
        })
    });
    for &(file, span) in via.unwrap_or_default().iter().rev() {
        d.related.push(Label {
            file,
            span,
            message: Some("imported here".to_string()),
        });
    }
}

fn grpc_sites(model: &Model, fronting: &[Fronting], services: &[Service]) -> Vec<GrpcSite> {
    let mut sites = Vec::new();
    for f in fronting {
        for path in &services[f.service].paths {
            sites.push(GrpcSite {
                host: f.host,
                service: f.service,
                path: path.clone(),
                routing: service::grpc_routing(&model.hosts[f.host], path),
            });
        }
    }
    sites
}

/// Orders findings by file and position and drops repeats (a file checked in two contexts).
pub fn sort_and_dedup(out: &mut Vec<Diagnostic>) {
    out.sort_by(|a, b| {
        (
            a.primary.file,
            a.primary.span.start,
            a.primary.span.end,
            a.code,
            &a.message,
        )
            .cmp(&(
                b.primary.file,
                b.primary.span.start,
                b.primary.span.end,
                b.code,
                &b.message,
            ))
    });
    out.dedup_by(|a, b| a.code == b.code && a.primary == b.primary && a.message == b.message);
}

/// PL000 for a file that could not be read.
pub fn io_error(file: FileId, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(
        "PL000",
        Label {
            file,
            span: proxylint_syntax::Span::empty(0),
            message: None,
        },
        message,
    )
}
