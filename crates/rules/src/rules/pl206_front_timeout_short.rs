//! PL206 front-timeout-short: a front-end server timeout cuts long gRPC calls.

use proxylint_model::caddy::parse_duration;
use proxylint_model::Loc;

use super::{Rule, RuleMeta, Scope};
use crate::engine::CaddyContext;
use crate::{Diagnostic, Label, Severity};

pub struct FrontTimeoutShort;

static META: RuleMeta = RuleMeta {
    code: "PL206",
    name: "front-timeout-short",
    severity: Severity::Warning,
    scope: Scope::Service,
    summary: "A front-end timeout (Caddy's `servers { timeouts { read_body | write } }`) is \
              shorter than the long gRPC calls of a fronted service.",
    why: "A signing call can stream a large file for minutes. The front end's read timeout \
          limits how long the client may take to send the request body, its write timeout how \
          long the answer may take; either one cuts a long call in the middle, and the client \
          sees a reset stream rather than an error it can explain. Caddy sets neither by \
          default.",
    bad: "",
    good: "",
    example_args: &[],
    options: "The service's minimum timeout (300 s for the signing service).",
};

/// Caddy's server timeouts that end a request in progress.
const CUTTING: &[(&str, &str)] = &[
    ("read_body", "reading the request body"),
    ("write", "writing the response"),
];

impl Rule for FrontTimeoutShort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_caddy(&self, cx: &CaddyContext, out: &mut Vec<Diagnostic>) {
        let Some(minimum) = cx
            .fronting
            .iter()
            .map(|f| cx.settings.services[f.service].min_timeout_secs)
            .max()
        else {
            return;
        };
        for servers in cx.expanded.global.iter().filter(|n| n.name() == "servers") {
            for timeouts in servers.children.iter().filter(|n| n.name() == "timeouts") {
                for t in &timeouts.children {
                    let Some((_, what)) = CUTTING.iter().find(|(n, _)| *n == t.name()) else {
                        continue;
                    };
                    let Some(value) = t.args().first() else {
                        continue;
                    };
                    let Some(secs) = parse_duration(&value.text) else {
                        continue;
                    };
                    if secs >= minimum || secs == 0 {
                        continue;
                    }
                    out.push(
                        Diagnostic::new(
                            META.code,
                            Label::at(Loc::new(value.file, value.span)),
                            format!(
                                "the server gives up {what} after {secs}s, shorter than the \
                                 {minimum}s long gRPC calls need",
                            ),
                        )
                        .help(format!(
                            "raise `{} {minimum}s`, or remove it (Caddy sets no limit by default)",
                            t.name()
                        )),
                    );
                }
            }
        }
    }
}
