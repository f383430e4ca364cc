//! Declared gRPC services, which hosts front them, and which route serves their path.
//!
//! These are the questions every gRPC rule asks, answered once so the rules agree: a host
//! that fronts no declared service gets no gRPC finding, and PL101, PL102, PL103 and PL106
//! split one analysis of "which route takes a request under the gRPC path".

use crate::{HandlerKind, Host, HostId, MatchKind, Model, RouteId};

/// A gRPC service the proxy is expected to front.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// URL path prefixes of its gRPC methods, each ending in `/` (`/SignService/`).
    pub paths: Vec<String>,
    /// Host names it is served under.
    pub hosts: Vec<String>,
    /// Backends (`host:port`) that serve it: a host forwarding to one fronts the service.
    pub upstreams: Vec<String>,
    /// A word that, found in a host's names or upstream hosts, marks it as fronting the
    /// service (the built-in profile's `signotaur`).
    pub name_hint: Option<String>,
    /// The backend serves only TLS (the signing service always does).
    pub backend_tls_only: bool,
    /// Read and send timeouts below this cut long calls short.
    pub min_timeout_secs: u64,
    /// Meant to be reachable by anyone: no access restriction is expected.
    pub public: bool,
}

impl Service {
    /// The built-in profile: the code-signing service with its gRPC service on `/SignService/`.
    pub fn signing_service() -> Service {
        Service {
            name: "signing service".to_string(),
            paths: vec!["/SignService/".to_string()],
            hosts: Vec::new(),
            upstreams: Vec::new(),
            name_hint: Some("signotaur".to_string()),
            backend_tls_only: true,
            min_timeout_secs: 300,
            public: false,
        }
    }
}

/// Why a host counts as fronting a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A server name matches a declared host.
    Name(String),
    /// A route is meant for the service's path.
    Route(RouteId),
    /// A `# proxylint: grpc-service` comment.
    Marked,
    /// A server name or backend host contains the profile's hint.
    Hint(String),
    /// It forwards to the same backend as a host that fronts the service.
    SharedBackend(String),
}

/// A host that fronts a service, and the service.
#[derive(Debug, Clone)]
pub struct Fronting {
    pub host: HostId,
    pub service: usize,
    pub reason: Reason,
}

/// How a request under the gRPC path is routed in one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrpcRouting {
    /// A route meant for the path serves it.
    Served(RouteId),
    /// A route meant for the path exists, but `winner` takes the request first.
    Shadowed {
        specific: RouteId,
        winner: Option<RouteId>,
    },
    /// No route is meant for the path; `winner` (a general route, or none) serves it.
    General(Option<RouteId>),
    /// A route looks meant for the path but cannot match it (case, `=`, a typo).
    Mismatch {
        near: RouteId,
        winner: Option<RouteId>,
    },
    /// A regex that could not be evaluated might decide; nothing is claimed.
    Unknown,
}

/// A request path under `prefix` used to ask the matcher which route serves the prefix.
pub fn probe_path(prefix: &str) -> String {
    format!("{}/x", prefix.trim_end_matches('/'))
}

/// How a route relates to a declared gRPC path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// It matches the path and is meant for it.
    Specific,
    /// It looks meant for the path but does not match it.
    NearMiss,
    None,
}

fn relation(host: &Host, route: RouteId, prefix: &str) -> Relation {
    let r = &host.routes[route];
    let probe = probe_path(prefix);
    match r.kind {
        MatchKind::Named => Relation::None,
        MatchKind::Matcher => {
            // A Caddy route without a matcher of its own serves what its block matched.
            let Some(m) = r.matcher.as_ref() else {
                return r
                    .parent
                    .map_or(Relation::None, |p| relation(host, p, prefix));
            };
            let hits = r.matches(&probe) == Some(true);
            if m.has_grpc_condition() && hits {
                return Relation::Specific;
            }
            // Caddy's path matching ignores case: only a missing `*` or a typo misses.
            let lower = prefix.to_ascii_lowercase();
            let mut near_miss = false;
            for p in &m.paths {
                let written = p.trim_end_matches('*').to_ascii_lowercase();
                if written == "/" || written.is_empty() {
                    continue;
                }
                let meant = written.starts_with(&lower) || near(&written, &lower);
                if meant && hits {
                    return Relation::Specific;
                }
                near_miss |=
                    meant || lower.starts_with(&written) && written.len() + 1 >= lower.len();
            }
            if near_miss {
                Relation::NearMiss
            } else {
                Relation::None
            }
        }
        MatchKind::Regex { .. } => {
            // Only a regex that names the path is meant for it; one that merely happens to
            // match it (`~ Service`, `~* /s`) is a general route that may shadow it.
            let written = r.pattern.replace('\\', "").to_ascii_lowercase();
            let mentions = written.contains(prefix.trim_matches('/').to_ascii_lowercase().as_str());
            if !mentions {
                return Relation::None;
            }
            match r.matches(&probe) {
                Some(true) => Relation::Specific,
                Some(false) => Relation::NearMiss,
                None => Relation::None,
            }
        }
        MatchKind::Exact | MatchKind::Prefix | MatchKind::PrefixNoRegex => {
            let pattern = r.pattern.as_str();
            if pattern == "/" || pattern.is_empty() {
                return Relation::None;
            }
            let hits = r.matches(&probe) == Some(true);
            let near = near(pattern, prefix);
            let meant = r.kind == MatchKind::Exact || pattern.starts_with(prefix) || near;
            if hits && meant {
                Relation::Specific
            } else if near
                || pattern
                    .to_ascii_lowercase()
                    .starts_with(&prefix.to_ascii_lowercase())
            {
                Relation::NearMiss
            } else {
                Relation::None
            }
        }
    }
}

/// Same text ignoring case and a trailing `/`, or within two edits.
fn near(pattern: &str, prefix: &str) -> bool {
    let a = pattern.trim_end_matches('/').to_ascii_lowercase();
    let b = prefix.trim_end_matches('/').to_ascii_lowercase();
    a == b || edit_distance(pattern, prefix) <= 2
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Works out which route serves requests under `prefix` in `host`.
pub fn grpc_routing(host: &Host, prefix: &str) -> GrpcRouting {
    let selection = host.select(&probe_path(prefix));
    if !selection.certain {
        return GrpcRouting::Unknown;
    }
    let winner = selection.route;
    let related =
        |want: Relation| (0..host.routes.len()).filter(move |&r| relation(host, r, prefix) == want);
    let is_grpc = |r: RouteId| {
        host.routes[r]
            .handler
            .as_ref()
            .is_some_and(|h| h.kind == HandlerKind::Grpc || h.carries_grpc())
    };
    let winner_specific = winner.is_some_and(|w| relation(host, w, prefix) == Relation::Specific);
    if let Some(w) = winner.filter(|_| winner_specific) {
        if is_grpc(w) {
            return GrpcRouting::Served(w);
        }
        return match related(Relation::Specific).find(|&s| s != w && is_grpc(s)) {
            Some(specific) => GrpcRouting::Shadowed {
                specific,
                winner: Some(w),
            },
            None => GrpcRouting::Served(w),
        };
    }
    let specific = related(Relation::Specific)
        .find(|&s| is_grpc(s))
        .or_else(|| related(Relation::Specific).next());
    if let Some(specific) = specific {
        return GrpcRouting::Shadowed { specific, winner };
    }
    if let Some(near) = related(Relation::NearMiss).next() {
        return GrpcRouting::Mismatch { near, winner };
    }
    GrpcRouting::General(winner)
}

/// Every host that fronts a declared service, with the first reason found.
pub fn fronting(model: &Model, services: &[Service]) -> Vec<Fronting> {
    let mut found: Vec<Fronting> = Vec::new();
    for (service_index, service) in services.iter().enumerate() {
        let mut hosts: Vec<(HostId, Reason)> = Vec::new();
        // nginx prefers an exact server name to a wildcard: where a declared host has a
        // server of its own, wildcard servers never serve it.
        let exact: Vec<&String> = service
            .hosts
            .iter()
            .filter(|h| {
                model
                    .hosts
                    .iter()
                    .any(|host| host.names.iter().any(|(n, _)| n.eq_ignore_ascii_case(h)))
            })
            .collect();
        for (host_id, host) in model.hosts.iter().enumerate() {
            if !can_front(host) {
                continue;
            }
            if let Some(reason) = direct_reason(model, host, service, &exact) {
                hosts.push((host_id, reason));
            }
        }
        // Hosts that forward to a backend of a fronting host front the service too.
        let fronting_ids: std::collections::HashSet<HostId> =
            hosts.iter().map(|&(h, _)| h).collect();
        let backends: std::collections::HashSet<String> = hosts
            .iter()
            .flat_map(|&(h, _)| backends_of(&model.hosts[h]))
            .collect();
        for (host_id, host) in model.hosts.iter().enumerate() {
            if !can_front(host) || fronting_ids.contains(&host_id) {
                continue;
            }
            if let Some(shared) = backends_of(host).into_iter().find(|b| backends.contains(b)) {
                hosts.push((host_id, Reason::SharedBackend(shared)));
            }
        }
        hosts.sort_by_key(|&(h, _)| h);
        found.extend(hosts.into_iter().map(|(host, reason)| Fronting {
            host,
            service: service_index,
            reason,
        }));
    }
    found
}

/// A host that only redirects, or forwards nothing anywhere (static files, `return`), is
/// not a proxy in front of anything, whatever its name. One with includes that were not
/// read may forward in them, and still counts.
fn can_front(host: &Host) -> bool {
    if host.redirect_only() {
        return false;
    }
    let forwards = host.routes.iter().any(|r| r.handler.is_some());
    let unknown = !host.unknown.is_empty() || host.routes.iter().any(|r| !r.unknown.is_empty());
    forwards || unknown
}

fn backends_of(host: &Host) -> Vec<String> {
    host.routes
        .iter()
        .filter_map(|r| r.handler.as_ref())
        .filter_map(|f| f.backend())
        .filter(|b| !b.contains('$'))
        .collect()
}

fn direct_reason(
    model: &Model,
    host: &Host,
    service: &Service,
    exact: &[&String],
) -> Option<Reason> {
    for (name, _) in &host.names {
        let matches = |declared: &String| {
            if exact.contains(&declared) {
                name.eq_ignore_ascii_case(declared)
            } else {
                name_matches(name, declared)
            }
        };
        if service.hosts.iter().any(matches) {
            return Some(Reason::Name(name.clone()));
        }
    }
    if host.marked_service {
        return Some(Reason::Marked);
    }
    let declared: Vec<String> = service
        .upstreams
        .iter()
        .map(|u| u.to_ascii_lowercase())
        .collect();
    let named = |backend: &String| {
        declared.iter().any(|d| {
            d == backend || (!d.contains(':') && backend.split(':').next() == Some(d.as_str()))
        })
    };
    if let Some(backend) = backends_of(host).into_iter().find(named) {
        return Some(Reason::SharedBackend(backend));
    }
    for prefix in &service.paths {
        let meant = (0..host.routes.len()).find(|&r| relation(host, r, prefix) != Relation::None);
        if let Some(route) = meant {
            return Some(Reason::Route(route));
        }
    }
    let hint = service.name_hint.as_deref()?.to_ascii_lowercase();
    let upstream_hosts = host
        .routes
        .iter()
        .filter_map(|r| r.handler.as_ref())
        .flat_map(|f| {
            let mut names: Vec<String> = f.host.iter().cloned().collect();
            if let Some(u) = f.upstream {
                names.extend(model.upstreams[u].servers.iter().map(|(s, _)| s.clone()));
            }
            names
        });
    host.names
        .iter()
        .map(|(n, _)| n.clone())
        .chain(upstream_hosts)
        .find(|n| n.to_ascii_lowercase().contains(&hint))
        .map(Reason::Hint)
}

/// nginx-style name matching: exact (case-insensitive), `*.example.com`, `.example.com`.
fn name_matches(server_name: &str, declared: &str) -> bool {
    let name = server_name.to_ascii_lowercase();
    let declared = declared.to_ascii_lowercase();
    if name == declared {
        return true;
    }
    if let Some(suffix) = name.strip_prefix("*.") {
        return declared.ends_with(&format!(".{suffix}"));
    }
    if let Some(suffix) = name.strip_prefix('.') {
        return declared == suffix || declared.ends_with(&format!(".{suffix}"));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("/SignServce/", "/SignService/"), 1);
        assert!(near("/signservice/", "/SignService/"));
        assert!(near("/SignService", "/SignService/"));
        assert!(!near("/api/", "/SignService/"));
    }

    #[test]
    fn wildcard_names() {
        assert!(name_matches("*.example.com", "sign.example.com"));
        assert!(name_matches(".example.com", "example.com"));
        assert!(!name_matches("other.example.com", "sign.example.com"));
    }
}
