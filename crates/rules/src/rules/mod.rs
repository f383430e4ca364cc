//! The registry: one module per rule, one line per rule in [`RULES`].

use proxylint_syntax::nginx::Workspace;

use crate::engine::{CaddyContext, NginxContext, ProxyContext};
use crate::{Diagnostic, Severity};

mod pl000_io_error;
mod pl001_parse_error;
mod pl002_include_not_found;
mod pl003_include_cycle;
mod pl004_unknown_directive;
mod pl005_directive_wrong_context;
mod pl006_unquoted_brace_in_argument;
mod pl007_unused_suppression;
mod pl008_invalid_suppression;
mod pl101_grpc_over_http1;
mod pl102_grpc_route_missing;
mod pl103_grpc_route_shadowed;
mod pl104_grpc_backend_plaintext;
mod pl105_grpc_timeout_short;
mod pl106_grpc_path_mismatch;
mod pl107_proxy_directive_in_grpc_route;
mod pl108_conflicting_content_handlers;
mod pl109_grpc_path_rewritten;
mod pl110_grpc_upstream_without_port;
mod pl201_http2_disabled;
mod pl202_http2_directive_unsupported;
mod pl203_http2_listen_deprecated;
mod pl204_listener_without_tls;
mod pl205_http2_via_shared_socket;
mod pl206_front_timeout_short;
mod pl301_grpc_route_unprotected;
mod pl302_service_publicly_reachable;
mod pl303_allow_without_deny;
mod pl304_access_rules_bypassed;
mod pl401_upstream_tls_unverified;
mod pl402_forwarded_headers_missing;
mod pl403_upstream_tls_name_missing;
mod shared;

/// Which hosts a rule may report on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only hosts that front a declared gRPC service.
    Service,
    /// Any part of the configuration.
    Any,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Service => "service",
            Scope::Any => "any",
        }
    }
}

/// A rule's identity and documentation. The rule pages in `rules/`, `proxylint explain` and
/// the rule list all come from here.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub scope: Scope,
    /// One line: what the rule flags.
    pub summary: &'static str,
    /// Why it matters, in a few sentences.
    pub why: &'static str,
    /// A configuration that triggers the rule (empty for rules about files, not text).
    pub bad: &'static str,
    /// The same configuration, fixed.
    pub good: &'static str,
    /// Command-line flags the examples need (`--nginx-version 1.26.0`).
    pub example_args: &'static [&'static str],
    /// Settings that change the rule's behaviour.
    pub options: &'static str,
}

/// A rule: metadata and checks. Both checks default to doing nothing, so a rule implements
/// only the one it needs.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Runs once over every file read (syntax-level rules).
    fn check_workspace(&self, _ws: &Workspace, _out: &mut Vec<Diagnostic>) {}

    /// Runs once per entry point of every dialect, over its model.
    fn check_proxy(&self, _cx: &ProxyContext, _out: &mut Vec<Diagnostic>) {}

    /// Runs once per nginx entry point, over its model and expanded tree.
    fn check_nginx(&self, _cx: &NginxContext, _out: &mut Vec<Diagnostic>) {}

    /// Runs once per Caddyfile entry point, over its expanded tree.
    fn check_caddy(&self, _cx: &CaddyContext, _out: &mut Vec<Diagnostic>) {}
}

static RULES: &[&dyn Rule] = &[
    &pl000_io_error::IoError,
    &pl001_parse_error::ParseError,
    &pl002_include_not_found::IncludeNotFound,
    &pl003_include_cycle::IncludeCycle,
    &pl004_unknown_directive::UnknownDirective,
    &pl005_directive_wrong_context::DirectiveWrongContext,
    &pl006_unquoted_brace_in_argument::UnquotedBraceInArgument,
    &pl007_unused_suppression::UnusedSuppression,
    &pl008_invalid_suppression::InvalidSuppression,
    &pl101_grpc_over_http1::GrpcOverHttp1,
    &pl102_grpc_route_missing::GrpcRouteMissing,
    &pl103_grpc_route_shadowed::GrpcRouteShadowed,
    &pl104_grpc_backend_plaintext::GrpcBackendPlaintext,
    &pl105_grpc_timeout_short::GrpcTimeoutShort,
    &pl106_grpc_path_mismatch::GrpcPathMismatch,
    &pl107_proxy_directive_in_grpc_route::ProxyDirectiveInGrpcRoute,
    &pl108_conflicting_content_handlers::ConflictingContentHandlers,
    &pl109_grpc_path_rewritten::GrpcPathRewritten,
    &pl110_grpc_upstream_without_port::GrpcUpstreamWithoutPort,
    &pl201_http2_disabled::Http2Disabled,
    &pl202_http2_directive_unsupported::Http2DirectiveUnsupported,
    &pl203_http2_listen_deprecated::Http2ListenDeprecated,
    &pl204_listener_without_tls::ListenerWithoutTls,
    &pl205_http2_via_shared_socket::Http2ViaSharedSocket,
    &pl206_front_timeout_short::FrontTimeoutShort,
    &pl301_grpc_route_unprotected::GrpcRouteUnprotected,
    &pl302_service_publicly_reachable::ServicePubliclyReachable,
    &pl303_allow_without_deny::AllowWithoutDeny,
    &pl304_access_rules_bypassed::AccessRulesBypassed,
    &pl401_upstream_tls_unverified::UpstreamTlsUnverified,
    &pl402_forwarded_headers_missing::ForwardedHeadersMissing,
    &pl403_upstream_tls_name_missing::UpstreamTlsNameMissing,
];

/// Every rule, in code order.
pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

/// The rule with this code (`PL101`) or name (`grpc-over-http1`).
pub fn by_code(code: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.meta().code.eq_ignore_ascii_case(code) || r.meta().name == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_unique_and_names_kebab_case() {
        for pair in RULES.windows(2) {
            assert!(pair[0].meta().code < pair[1].meta().code);
        }
        for rule in RULES {
            let name = rule.meta().name;
            assert!(name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()));
        }
    }
}
