use proxylint_syntax::nginx::{LoadOptions, RealFileSystem, Workspace};

use super::lower;
use crate::service::{grpc_routing, GrpcRouting};
use crate::{Model, Protocol};

fn model(text: &str) -> Model {
    let mut ws = Workspace::new();
    ws.add_file("/t/nginx.conf".into(), text.as_bytes().to_vec());
    let entries = ws.resolve(&RealFileSystem, &LoadOptions::default());
    lower(&ws, &entries[0])
}

fn pattern_for(model: &Model, path: &str) -> Option<String> {
    let host = &model.hosts[0];
    host.select(path)
        .route
        .map(|r| host.routes[r].pattern.clone())
}

const LOCATIONS: &str = r#"
http { server {
    location / { }
    location /a/ { location /a/b/ { } location ~ \.png$ { } }
    location ^~ /static/ { }
    location = /exact { }
    location ~ ^/static/x { }
    location ~* \.PHP$ { }
    location /SignService/ { }
} }
"#;

#[test]
fn exact_beats_everything() {
    assert_eq!(
        pattern_for(&model(LOCATIONS), "/exact").as_deref(),
        Some("/exact")
    );
}

#[test]
fn longest_prefix_and_nested_locations() {
    let m = model(LOCATIONS);
    assert_eq!(pattern_for(&m, "/a/b/c").as_deref(), Some("/a/b/"));
    assert_eq!(pattern_for(&m, "/a/c").as_deref(), Some("/a/"));
    assert_eq!(pattern_for(&m, "/a/c.png").as_deref(), Some(r"\.png$"));
}

#[test]
fn caret_tilde_stops_the_regex_search() {
    assert_eq!(
        pattern_for(&model(LOCATIONS), "/static/x").as_deref(),
        Some("/static/")
    );
}

#[test]
fn regexes_beat_prefixes_and_can_be_case_insensitive() {
    let m = model(LOCATIONS);
    assert_eq!(
        pattern_for(&m, "/SignService/x.php").as_deref(),
        Some(r"\.PHP$")
    );
    assert_eq!(
        pattern_for(&m, "/SignService/Sign").as_deref(),
        Some("/SignService/")
    );
}

#[test]
fn access_rules_inherit_only_without_own() {
    let m = model(
        "http { server { allow 10.0.0.0/8; deny all;
            location / { }
            location /x/ { allow 1.2.3.4; }
        } }",
    );
    let host = &m.hosts[0];
    assert!(host.routes[0].access.restricts());
    assert!(!host.routes[0].access.ip_rules_own);
    assert!(
        !host.routes[1].access.restricts(),
        "own allow replaces the inherited deny"
    );
}

#[test]
fn forwards_carry_protocol_and_defaults() {
    let m = model(
        "http { server {
            location / { proxy_pass https://b:443; }
            location /v/ { proxy_http_version 1.1; proxy_pass http://b; }
            location /g/ { grpc_pass grpcs://b:443; grpc_read_timeout 5m; }
        } }",
    );
    let h = &m.hosts[0];
    let f0 = h.routes[0].handler.as_ref().unwrap();
    assert_eq!(f0.protocol, Protocol::Http10);
    assert!(f0.tls);
    assert_eq!(f0.read_timeout.value, 60);
    assert!(f0.read_timeout.is_default());
    assert_eq!(
        h.routes[1].handler.as_ref().unwrap().protocol,
        Protocol::Http11
    );
    let g = h.routes[2].handler.as_ref().unwrap();
    assert_eq!(
        (g.protocol, g.tls, g.read_timeout.value),
        (Protocol::Http2, true, 300)
    );
}

#[test]
fn grpc_routing_cases() {
    let routed = |text: &str| grpc_routing(&model(text).hosts[0], "/SignService/");
    assert!(matches!(
        routed("http { server { location / { proxy_pass https://b; } location /SignService/ { grpc_pass grpcs://b; } } }"),
        GrpcRouting::Served(1)
    ));
    assert!(matches!(
        routed("http { server { location / { proxy_pass https://b; } } }"),
        GrpcRouting::General(Some(0))
    ));
    assert!(matches!(
        routed("http { server { location ~ / { proxy_pass https://b; } location /SignService/ { grpc_pass grpcs://b; } } }"),
        GrpcRouting::Shadowed { specific: 1, winner: Some(0) }
    ));
    assert!(matches!(
        routed("http { server { location / { proxy_pass https://b; } location = /SignService/ { grpc_pass grpcs://b; } } }"),
        GrpcRouting::Mismatch { near: 1, .. }
    ));
}

#[test]
fn listeners_and_http2() {
    let m = model(
        "http { http2 on; server { listen 127.0.0.1:443 ssl http2 default_server; } server { } }",
    );
    let l = &m.hosts[0].listeners[0];
    assert_eq!(
        (l.address.as_deref(), l.port, l.tls, l.default_server),
        (Some("127.0.0.1"), 443, true, true)
    );
    assert!(l.http2_param.is_some());
    assert_eq!(m.hosts[0].http2.as_ref().map(|s| s.value), Some(true));
    assert!(m.hosts[1].listeners[0].implicit);
}

/// Regression: prefix locations nested in a regex location were searched; nginx searches
/// only the regex locations nested there (found by the differential test against nginx).
#[test]
fn prefix_locations_inside_a_regex_location_are_never_chosen() {
    let m = model("http { server { location ~ /b { location /b/c { } location ~ \\.png$ { } } } }");
    assert_eq!(pattern_for(&m, "/b/c").as_deref(), Some("/b"));
    assert_eq!(pattern_for(&m, "/b/c.png").as_deref(), Some(r"\.png$"));
}
