//! Service and RPC checks: RPCs, request and response types, streaming, idempotency, and the
//! REST routes of `google.api.http` bindings.

use super::*;

impl<'a> Run<'_, 'a> {
    pub(super) fn services(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, (_, os)) in &old.services {
            let Some((_, ns)) = new.services.get(name) else {
                continue;
            };
            for orpc in &os.rpcs {
                let path = format!("{name}.{}", orpc.name);
                match ns.rpcs.iter().find(|r| r.name == orpc.name) {
                    None => self.report(
                        &RPC_REMOVED,
                        &["RPC_NO_DELETE"],
                        &path,
                        format!("RPC `{}` was removed from service `{name}`", orpc.name),
                        Some(&orpc.location),
                        &ns.location,
                    ),
                    Some(nrpc) => self.rpc(&path, orpc, nrpc),
                }
            }
        }
    }

    pub(super) fn rpc(&mut self, path: &str, o: &Rpc, n: &Rpc) {
        let (ol, nl) = (Some(&o.location), &n.location);
        if o.input != n.input {
            self.report(
                &RPC_REQUEST_TYPE_CHANGED,
                &["RPC_SAME_REQUEST_TYPE"],
                path,
                format!("request type of `{path}` changed from `{}` to `{}`", o.input, n.input),
                ol,
                nl,
            );
        }
        if o.output != n.output {
            self.report(
                &RPC_RESPONSE_TYPE_CHANGED,
                &["RPC_SAME_RESPONSE_TYPE"],
                path,
                format!(
                    "response type of `{path}` changed from `{}` to `{}`",
                    o.output, n.output
                ),
                ol,
                nl,
            );
        }
        let show = |s: bool| if s { "streaming" } else { "unary" };
        if o.client_streaming != n.client_streaming {
            self.report(
                &RPC_STREAMING_CHANGED,
                &["RPC_SAME_CLIENT_STREAMING"],
                path,
                format!(
                    "`{path}` changed from client {} to client {}",
                    show(o.client_streaming),
                    show(n.client_streaming)
                ),
                ol,
                nl,
            );
        }
        if o.server_streaming != n.server_streaming {
            self.report(
                &RPC_STREAMING_CHANGED,
                &["RPC_SAME_SERVER_STREAMING"],
                path,
                format!(
                    "`{path}` changed from server {} to server {}",
                    show(o.server_streaming),
                    show(n.server_streaming)
                ),
                ol,
                nl,
            );
        }
        let idempotency = |r: &Rpc| option_text(r.options.get("idempotency_level"), "IDEMPOTENCY_UNKNOWN");
        let (a, b) = (idempotency(o), idempotency(n));
        if a != b {
            self.report(
                &RPC_IDEMPOTENCY_CHANGED,
                &["RPC_SAME_IDEMPOTENCY_LEVEL"],
                path,
                format!("idempotency_level of `{path}` changed from {a} to {b}"),
                ol,
                nl,
            );
        }
        let (a, b) = (http_routes(&o.options), http_routes(&n.options));
        for route in &a {
            if b.contains(route) {
                continue;
            }
            let now = match b.iter().find(|r| r.verb == route.verb && r.path == route.path) {
                Some(changed) => format!("now maps the body as {}", changed.body_text()),
                None if b.is_empty() => "the RPC has no HTTP binding any more".to_string(),
                None => format!(
                    "the RPC is now bound to {}",
                    b.iter().map(HttpRoute::route_text).collect::<Vec<_>>().join(", ")
                ),
            };
            self.report(
                &HTTP_BINDING_CHANGED,
                &[buf_rules::HTTP_BINDING],
                path,
                format!("HTTP route {} of `{path}` is gone: {now}", route.route_text()),
                ol,
                nl,
            );
        }
    }
}

/// One REST route of a `google.api.http` binding.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct HttpRoute {
    pub(super) verb: String,
    pub(super) path: String,
    pub(super) body: String,
    pub(super) response_body: String,
}

impl HttpRoute {
    pub(super) fn route_text(&self) -> String {
        format!("{} {}", self.verb.to_uppercase(), self.path)
    }

    pub(super) fn body_text(&self) -> String {
        let body = if self.body.is_empty() { "(none)" } else { &self.body };
        if self.response_body.is_empty() {
            format!("body `{body}`")
        } else {
            format!("body `{body}`, response body `{}`", self.response_body)
        }
    }
}

/// The routes of an RPC's `google.api.http` option, additional bindings included.
pub(super) fn http_routes(options: &JsonMap) -> Vec<HttpRoute> {
    let mut out = Vec::new();
    if let Some(rule) = options.get("google.api.http") {
        collect_routes(rule, &mut out, 0);
    }
    out
}

pub(super) fn collect_routes(rule: &Json, out: &mut Vec<HttpRoute>, depth: usize) {
    if depth > 8 {
        return;
    }
    let text = |k: &str| rule.get(k).and_then(Json::as_str).unwrap_or("").to_string();
    for verb in ["get", "put", "post", "delete", "patch"] {
        if let Some(path) = rule.get(verb).and_then(Json::as_str) {
            out.push(HttpRoute {
                verb: verb.into(),
                path: path.into(),
                body: text("body"),
                response_body: text("response_body"),
            });
        }
    }
    if let Some(custom) = rule.get("custom") {
        let kind = custom.get("kind").and_then(Json::as_str).unwrap_or("");
        let path = custom.get("path").and_then(Json::as_str).unwrap_or("");
        out.push(HttpRoute {
            verb: kind.to_lowercase(),
            path: path.into(),
            body: text("body"),
            response_body: text("response_body"),
        });
    }
    if let Some(more) = rule.get("additional_bindings").and_then(Json::as_array) {
        for r in more {
            collect_routes(r, out, depth + 1);
        }
    }
}
