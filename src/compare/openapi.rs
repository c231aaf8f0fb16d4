//! What only OpenAPI's surface has: operations, parameters, request bodies, responses and their
//! headers, security requirements, callbacks, and the deprecation and maturity policies around
//! them. Schemas inside are compared by the engine ([`Comparer::compare`]), in request position
//! (the new side must accept what the old one accepted) or response position (the new side must
//! produce nothing old clients reject). In a callback the server sends the request and the client
//! answers, so the two positions swap.

use super::concepts::{self, OPERATION_REMOVED};
use super::mode::Mode;
use super::{Comparer, Effect, Variance};
use crate::finding::Severity;
use std::collections::HashMap;

use crate::model::{
    Contract, JsonMap, Location, Operation, Parameter, SecurityRequirement, path_shape, template_variables,
};

crate::finding::rule_set! {
    PARAMETER_REMOVED = "parameter-removed", Error,
        "An operation parameter was removed.",
        "Clients still send it; the server now rejects or silently ignores it. Deprecate it first: a parameter deprecated with an `x-sunset` date that has passed is reported as info when removed.";
    PARAMETER_ADDED = "parameter-added", Error,
        "A parameter was added to an operation (an error when it is required).",
        "Existing clients do not send the new parameter: a required one makes every old call fail. An optional parameter is reported as info.";
    PARAMETER_LOCATION_CHANGED = "parameter-location-changed", Error,
        "A parameter moved to another location (`in`: query, header, path, cookie).",
        "Clients send it where it was: `?limit=10` is not the `limit` header. Example: `{name: limit, in: query}` became `{name: limit, in: header}`.";
    PARAMETER_STYLE_CHANGED = "parameter-style-changed", Error,
        "A parameter's serialization (`style` or `explode`) changed.",
        "The same value is written differently on the wire: `ids=1,2` (form, explode false) is not `ids=1&ids=2` (form, explode true). Defaults count: a query parameter without `style` is `form` with `explode: true`.";
    REQUEST_BODY_ADDED = "request-body-added", Error,
        "A request body was added to an operation (an error when it is required).",
        "Existing clients send no body: a required one makes every old call fail. An optional body is reported as info.";
    REQUEST_BODY_REMOVED = "request-body-removed", Warning,
        "An operation no longer takes a request body.",
        "Clients still send one: the server now ignores it (or rejects it), so what they send no longer has an effect.";
    MEDIA_TYPE_REMOVED = "media-type-removed", Error,
        "A request or response media type was removed.",
        "Clients sending (or expecting) that content type break.";
    MEDIA_TYPE_ADDED = "media-type-added", Info,
        "A request or response media type was added.",
        "Nothing breaks: clients choose the content type they send and ask for.";
    RESPONSE_REMOVED = "response-removed", Error,
        "A documented response status was removed.",
        "Removing a success status breaks clients that handle it; removing an error status is only informative.";
    OPERATION_ID_CHANGED = "operation-id-changed", Warning,
        "An operationId changed.",
        "SDK generators name methods after operationIds: callers of the old method name break at compile time.";
    SECURITY_REQUIREMENT_ADDED = "security-requirement-added", Error,
        "An operation needs credentials it did not need before.",
        "Security requirements are alternatives: a client that satisfied one of the old alternatives must satisfy one of the new. Example: `security: [{}]` (anonymous) became `security: [{oauth: []}]`.";
    SECURITY_SCOPE_ADDED = "security-scope-added", Error,
        "An operation needs more OAuth scopes than before.",
        "Tokens granted the old scopes are refused. Example: `[{oauth: [read]}]` became `[{oauth: [read, admin]}]`.";
    SECURITY_REQUIREMENT_REMOVED = "security-requirement-removed", Info,
        "An operation no longer needs credentials it needed before.",
        "Nothing breaks for clients; a reviewer should confirm that opening the operation was intended.";
    CALLBACK_REMOVED = "callback-removed", Error,
        "A callback (or one of its operations) was removed.",
        "Clients that registered for the callback no longer receive it.";
}

/// How OpenAPI surface changes are judged.
#[derive(Debug, Clone)]
pub struct OpenapiOptions {
    /// Maturity levels (`x-stability-level` of an operation) whose breaking changes are warnings.
    pub relaxed_stability: Vec<String>,
}

impl Default for OpenapiOptions {
    fn default() -> Self {
        OpenapiOptions {
            relaxed_stability: vec!["alpha".into(), "beta".into(), "experimental".into()],
        }
    }
}

/// Position of a variable in a path template (`{b}` is 1 in `/x/{a}/y/{b}` and in
/// `f(a='{a}',b={b})`): path parameters pair by it, their names being free.
fn template_position(path: &str, name: &str) -> Option<usize> {
    template_variables(path).iter().position(|v| *v == name)
}

/// Pairs every old operation with its new partner (an index into `new`): the same method and path
/// string first, then, among those left on both sides, the same method and template shape (so a
/// renamed path variable still pairs). Two paths of one side with the same shape never steal each
/// other's partner. Linear in the number of operations.
fn pair_operations(old: &[Operation], new: &[Operation]) -> Vec<Option<usize>> {
    let mut exact: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, n) in new.iter().enumerate() {
        exact.entry((n.method.as_str(), n.path.as_str())).or_insert(i);
    }
    let mut taken = vec![false; new.len()];
    let mut pairs: Vec<Option<usize>> = old
        .iter()
        .map(|o| {
            let found = exact.get(&(o.method.as_str(), o.path.as_str())).copied();
            match found {
                Some(i) if !taken[i] => {
                    taken[i] = true;
                    Some(i)
                }
                _ => None,
            }
        })
        .collect();
    let mut by_shape: HashMap<(&str, String), Vec<usize>> = HashMap::new();
    for (i, n) in new.iter().enumerate().rev() {
        if !taken[i] {
            by_shape
                .entry((n.method.as_str(), path_shape(&n.path)))
                .or_default()
                .push(i);
        }
    }
    for (o, pair) in old.iter().zip(pairs.iter_mut()) {
        if pair.is_none() {
            *pair = by_shape
                .get_mut(&(o.method.as_str(), path_shape(&o.path)))
                .and_then(Vec::pop);
        }
    }
    pairs
}

/// Where each side of an operation sits: requests and responses of an API operation, or the
/// reverse for a callback (the server sends, the client answers).
#[derive(Clone, Copy)]
struct Positions {
    request: Variance,
    response: Variance,
}

const OPERATION: Positions = Positions {
    request: Variance::Accepts,
    response: Variance::Produces,
};
const CALLBACK: Positions = Positions {
    request: Variance::Produces,
    response: Variance::Accepts,
};

pub fn compare_contracts<'a>(
    c: &mut Comparer<'a>,
    old: &'a Contract,
    new: &'a Contract,
    mode: Mode,
    opts: &OpenapiOptions,
) {
    if mode == Mode::None && !c.report_safe {
        return;
    }
    let new_file = new.files.first().cloned().unwrap_or_default();
    let operations = pair_operations(&old.operations, &new.operations);
    let webhooks = pair_operations(&old.webhooks, &new.webhooks);
    for (o, is_hook, partner) in old
        .operations
        .iter()
        .zip(operations)
        .map(|(o, p)| (o, false, p))
        .chain(old.webhooks.iter().zip(webhooks).map(|(o, p)| (o, true, p)))
    {
        let pool = if is_hook { &new.webhooks } else { &new.operations };
        let found = partner.map(|i| &pool[i]);
        let name = if is_hook {
            format!("webhook {} {}", o.method.to_uppercase(), o.path)
        } else {
            format!("{} {}", o.method.to_uppercase(), o.path)
        };
        let before = c.findings.len();
        match found {
            Some(n) => {
                compare_operation(c, o, n, &name, OPERATION);
                compare_security(c, o, n, &name);
                compare_callbacks(c, o, n, &name);
            }
            None => {
                let at = Location::new(
                    new_file.clone(),
                    if is_hook { "/webhooks" } else { "/paths" },
                    Default::default(),
                );
                c.change(
                    &OPERATION_REMOVED,
                    Effect::Replaces,
                    Variance::Accepts,
                    &name,
                    format!("operation `{name}` was removed"),
                    &o.location,
                    &at,
                );
                apply_sunset_policy(c, before, o.deprecated, &o.extensions);
            }
        }
        relax_unstable(c, before, o, found, opts);
    }
}

/// The removal of something deprecated with a sunset date that has passed is only info; before
/// that date it stays an error and says so. Adjusts the findings pushed since `before`.
pub(crate) fn apply_sunset_policy(c: &mut Comparer<'_>, before: usize, deprecated: bool, extensions: &JsonMap) {
    if !deprecated {
        return;
    }
    let sunset = ["x-sunset", "x-sunset-date", "Sunset", "sunset"]
        .iter()
        .find_map(|k| extensions.get(*k).and_then(|v| v.as_str()));
    let today = c.today.clone();
    for f in c.findings[before..].iter_mut().filter(|f| f.severity != Severity::Info) {
        match sunset.map(|s| (s, sunset_day(s))) {
            Some((_, Some(day))) if !today.is_empty() && day.as_str() <= today.as_str() => {
                f.severity = Severity::Info;
                f.message = format!("{} (deprecated, and its sunset date {day} has passed)", f.message);
            }
            Some((_, Some(day))) => {
                f.message = format!("{} (deprecated, but removed before its sunset date {day})", f.message);
            }
            Some((text, None)) => {
                f.message = format!(
                    "{} (deprecated; its sunset date `{text}` is not a date mapcheck reads)",
                    f.message
                );
            }
            None => {
                f.severity = f.severity.min(Severity::Warning);
                f.message = format!("{} (deprecated, but with no x-sunset date)", f.message);
            }
        }
    }
}

/// `2025-06-30`, `2025-06-30T00:00:00Z`, or an HTTP date (`Mon, 30 Jun 2025 00:00:00 GMT`, as the
/// `Sunset` header writes it) as `YYYY-MM-DD`.
fn sunset_day(text: &str) -> Option<String> {
    let t = text.trim();
    let iso = t.get(..10).filter(|d| crate::format::is_date_shape(d));
    if let Some(d) = iso {
        return Some(d.to_string());
    }
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let words: Vec<&str> = t.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let at = usize::from(words.first().is_some_and(|w| w.chars().all(char::is_alphabetic)));
    let day: u32 = words.get(at)?.parse().ok()?;
    let month = MONTHS
        .iter()
        .position(|m| words.get(at + 1).is_some_and(|w| w.to_ascii_lowercase().starts_with(m)))?;
    let year: u32 = words.get(at + 2)?.parse().ok()?;
    (1..=31)
        .contains(&day)
        .then(|| format!("{year:04}-{:02}-{day:02}", month + 1))
}

/// Breaking findings of an operation marked alpha/beta (`x-stability-level`) become warnings.
fn relax_unstable(
    c: &mut Comparer<'_>,
    before: usize,
    old: &Operation,
    new: Option<&Operation>,
    opts: &OpenapiOptions,
) {
    let level = |op: &Operation| {
        op.extensions
            .get("x-stability-level")
            .and_then(|v| v.as_str())
            .map(str::to_ascii_lowercase)
    };
    let Some(level) = level(old).or_else(|| new.and_then(level)) else {
        return;
    };
    if !opts.relaxed_stability.iter().any(|l| l.eq_ignore_ascii_case(&level)) {
        return;
    }
    for f in c.findings[before..]
        .iter_mut()
        .filter(|f| f.severity == Severity::Error)
    {
        f.severity = Severity::Warning;
        f.message = format!("{} (relaxed: the operation is `x-stability-level: {level}`)", f.message);
    }
}

/// The style and explode a parameter is serialized with, defaults applied.
fn serialization(p: &Parameter) -> (String, bool) {
    let style = p.style.clone().unwrap_or_else(|| {
        match p.location_in.as_str() {
            "query" | "cookie" => "form",
            _ => "simple",
        }
        .to_string()
    });
    let explode = p.explode.unwrap_or(style == "form");
    (style, explode)
}

fn compare_operation<'a>(c: &mut Comparer<'a>, old: &'a Operation, new: &'a Operation, name: &str, at: Positions) {
    compare_parameters(c, old, new, name, at);
    compare_request_body(c, old, new, name, at);
    compare_responses(c, old, new, name, at);
    if old.operation_id.is_some() && old.operation_id != new.operation_id {
        c.change(
            &OPERATION_ID_CHANGED,
            Effect::Replaces,
            Variance::Accepts,
            name,
            format!(
                "operationId of `{name}` changed from `{}` to `{}`",
                old.operation_id.as_deref().unwrap_or(""),
                new.operation_id.as_deref().unwrap_or("")
            ),
            &old.location,
            &new.location,
        );
    }
    if !old.deprecated && new.deprecated {
        c.change(
            &concepts::DEPRECATED,
            Effect::Neutral,
            Variance::Accepts,
            name,
            format!("`{name}` was deprecated"),
            &old.location,
            &new.location,
        );
    }
}

fn compare_parameters<'a>(c: &mut Comparer<'a>, old: &'a Operation, new: &'a Operation, name: &str, at: Positions) {
    let req = at.request;
    // Path parameters pair by position in the template (their names are free); others by name.
    let partner =
        |p: &Parameter, op_old: &Operation, pool: &'a [Parameter], op_new: &Operation| -> Option<&'a Parameter> {
            if p.location_in == "path" {
                let pos = template_position(&op_old.path, &p.name);
                pool.iter()
                    .find(|q| q.location_in == "path" && template_position(&op_new.path, &q.name) == pos)
            } else {
                pool.iter().find(|q| q.location_in == p.location_in && q.name == p.name)
            }
        };
    let mut moved: Vec<&Parameter> = Vec::new();
    for p in &old.parameters {
        let path = format!("{name} {}:{}", p.location_in, p.name);
        match partner(p, old, &new.parameters, new) {
            Some(q) => {
                if !p.required && q.required {
                    c.change(
                        &concepts::FIELD_BECAME_REQUIRED,
                        Effect::Narrows,
                        req,
                        &path,
                        format!("parameter `{}` of `{name}` became required", p.name),
                        &p.location,
                        &q.location,
                    );
                }
                let (a, b) = (serialization(p), serialization(q));
                if a != b {
                    c.change(
                        &PARAMETER_STYLE_CHANGED,
                        Effect::Replaces,
                        req,
                        &path,
                        format!(
                            "parameter `{}` of `{name}` is serialized as style {} explode {} instead of style {} explode {}",
                            p.name, b.0, b.1, a.0, a.1
                        ),
                        &p.location,
                        &q.location,
                    );
                }
                c.compare(&p.schema, &q.schema, req, &path, 0);
            }
            None => {
                let elsewhere = new.parameters.iter().find(|q| {
                    q.name == p.name
                        && q.location_in != p.location_in
                        && !old
                            .parameters
                            .iter()
                            .any(|o| o.location_in == q.location_in && o.name == q.name)
                });
                let before = c.findings.len();
                match elsewhere {
                    Some(q) => {
                        moved.push(q);
                        c.change(
                            &PARAMETER_LOCATION_CHANGED,
                            Effect::Replaces,
                            req,
                            &path,
                            format!(
                                "parameter `{}` of `{name}` moved from {} to {}",
                                p.name, p.location_in, q.location_in
                            ),
                            &p.location,
                            &q.location,
                        );
                    }
                    None => c.change(
                        &PARAMETER_REMOVED,
                        Effect::Narrows,
                        req,
                        &path,
                        format!("parameter `{}` ({}) of `{name}` was removed", p.name, p.location_in),
                        &p.location,
                        &new.location,
                    ),
                }
                apply_sunset_policy(c, before, p.deprecated, &p.extensions);
            }
        }
    }
    for q in &new.parameters {
        if moved.iter().any(|m| std::ptr::eq(*m, q)) || partner(q, new, &old.parameters, old).is_some() {
            continue;
        }
        let path = format!("{name} {}:{}", q.location_in, q.name);
        let (effect, what) = if q.required {
            (Effect::Narrows, "required parameter")
        } else {
            (Effect::Neutral, "optional parameter")
        };
        c.change(
            &PARAMETER_ADDED,
            effect,
            req,
            &path,
            format!("{what} `{}` ({}) was added to `{name}`", q.name, q.location_in),
            &old.location,
            &q.location,
        );
    }
}

fn compare_request_body<'a>(c: &mut Comparer<'a>, old: &'a Operation, new: &'a Operation, name: &str, at: Positions) {
    let req = at.request;
    let path = format!("{name} request");
    match (&old.request_body, &new.request_body) {
        (Some(a), Some(b)) => {
            if !a.required && b.required {
                c.change(
                    &concepts::FIELD_BECAME_REQUIRED,
                    Effect::Narrows,
                    req,
                    &path,
                    format!("the request body of `{name}` became required"),
                    &a.location,
                    &b.location,
                );
            }
            for (media, ma) in &a.content {
                let mpath = format!("{path} {media}");
                match b.content.get(media) {
                    Some(mb) => c.compare(&ma.schema, &mb.schema, req, &mpath, 0),
                    None => c.change(
                        &MEDIA_TYPE_REMOVED,
                        Effect::Narrows,
                        req,
                        &mpath,
                        format!("`{name}` no longer accepts `{media}` request bodies"),
                        &ma.location,
                        &b.location,
                    ),
                }
            }
            for (media, mb) in b.content.iter().filter(|(m, _)| !a.content.contains_key(*m)) {
                c.change(
                    &MEDIA_TYPE_ADDED,
                    Effect::Neutral,
                    req,
                    &format!("{path} {media}"),
                    format!("`{name}` also accepts `{media}` request bodies"),
                    &a.location,
                    &mb.location,
                );
            }
        }
        (None, Some(b)) => {
            let (effect, what) = if b.required {
                (Effect::Narrows, "now requires a request body")
            } else {
                (Effect::Neutral, "now takes an optional request body")
            };
            c.change(
                &REQUEST_BODY_ADDED,
                effect,
                req,
                &path,
                format!("`{name}` {what}"),
                &old.location,
                &b.location,
            );
        }
        (Some(a), None) => c.change(
            &REQUEST_BODY_REMOVED,
            Effect::Narrows,
            req,
            &path,
            format!("`{name}` no longer takes a request body"),
            &a.location,
            &new.location,
        ),
        (None, None) => {}
    }
}

fn compare_responses<'a>(c: &mut Comparer<'a>, old: &'a Operation, new: &'a Operation, name: &str, at: Positions) {
    let resp = at.response;
    for (status, ra) in &old.responses {
        let path = format!("{name} {status}");
        let Some(rb) = new.responses.get(status) else {
            let (effect, what) = if status.starts_with('2') {
                (Effect::Replaces, "no longer returns")
            } else {
                (Effect::Neutral, "no longer documents")
            };
            c.change(
                &RESPONSE_REMOVED,
                effect,
                resp,
                &path,
                format!("`{name}` {what} {status}"),
                &ra.location,
                &new.location,
            );
            continue;
        };
        for (media, ma) in &ra.content {
            let mpath = format!("{path} {media}");
            match rb.content.get(media) {
                Some(mb) => c.compare(&ma.schema, &mb.schema, resp, &mpath, 0),
                None => c.change(
                    &MEDIA_TYPE_REMOVED,
                    Effect::Replaces,
                    resp,
                    &mpath,
                    format!("`{name}` no longer returns `{media}` for {status}"),
                    &ma.location,
                    &rb.location,
                ),
            }
        }
        for (media, mb) in rb.content.iter().filter(|(m, _)| !ra.content.contains_key(*m)) {
            c.change(
                &MEDIA_TYPE_ADDED,
                Effect::Neutral,
                resp,
                &format!("{path} {media}"),
                format!("`{name}` can also return `{media}` for {status}"),
                &ra.location,
                &mb.location,
            );
        }
        for (header, ha) in &ra.headers {
            let hpath = format!("{path} header {header}");
            match rb.headers.get(header) {
                Some(hb) => {
                    if ha.required && !hb.required {
                        c.change(
                            &concepts::FIELD_BECAME_OPTIONAL,
                            Effect::Widens,
                            resp,
                            &hpath,
                            format!("response header `{header}` of `{name}` became optional"),
                            &ha.location,
                            &hb.location,
                        );
                    }
                    c.compare(&ha.schema, &hb.schema, resp, &hpath, 0);
                }
                None => c.change(
                    &concepts::FIELD_REMOVED,
                    Effect::Widens,
                    resp,
                    &hpath,
                    format!("response header `{header}` of `{name}` was removed"),
                    &ha.location,
                    &rb.location,
                ),
            }
        }
    }
}

/// Security requirements are alternatives (any one suffices), each a set of schemes that must all
/// be satisfied, with scopes. No requirement (or an empty alternative `{}`) is anonymous access.
fn compare_security(c: &mut Comparer<'_>, old: &Operation, new: &Operation, name: &str) {
    let anonymous = [SecurityRequirement::default()];
    let alternatives = |op: &'_ Operation| -> Vec<SecurityRequirement> {
        match op.security.as_deref() {
            None | Some([]) => anonymous.to_vec(),
            Some(list) => list.to_vec(),
        }
    };
    let (a, b) = (alternatives(old), alternatives(new));
    // `y` is satisfied by whatever satisfies `x` when it asks for no scheme or scope `x` lacks.
    let implied = |x: &SecurityRequirement, y: &SecurityRequirement| {
        y.schemes.iter().all(|(scheme, scopes)| {
            x.schemes
                .get(scheme)
                .is_some_and(|have| scopes.iter().all(|s| have.contains(s)))
        })
    };
    let path = format!("{name} security");
    for x in &a {
        if b.iter().any(|y| implied(x, y)) {
            continue;
        }
        let show = |r: &SecurityRequirement| {
            if r.schemes.is_empty() {
                "anonymous access".to_string()
            } else {
                r.schemes
                    .iter()
                    .map(|(s, scopes)| {
                        if scopes.is_empty() {
                            s.clone()
                        } else {
                            format!("{s} [{}]", scopes.join(", "))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" + ")
            }
        };
        // The same schemes with more scopes is a scope change; anything else a new requirement.
        let wider = b.iter().find(|y| {
            y.schemes.len() == x.schemes.len()
                && y.schemes.keys().all(|k| x.schemes.contains_key(k))
                && !x.schemes.is_empty()
        });
        let (rule, message) = match wider {
            Some(y) => (
                &SECURITY_SCOPE_ADDED,
                format!("`{name}` now needs {} where {} sufficed", show(y), show(x)),
            ),
            None => (
                &SECURITY_REQUIREMENT_ADDED,
                format!(
                    "`{name}` no longer accepts {}; it needs {}",
                    show(x),
                    b.iter().map(show).collect::<Vec<_>>().join(" or ")
                ),
            ),
        };
        c.change(
            rule,
            Effect::Narrows,
            Variance::Accepts,
            &path,
            message,
            &old.location,
            &new.location,
        );
    }
    if !a.iter().any(|x| x.schemes.is_empty()) && b.iter().any(|y| y.schemes.is_empty()) {
        c.change(
            &SECURITY_REQUIREMENT_REMOVED,
            Effect::Widens,
            Variance::Accepts,
            &path,
            format!("`{name}` now allows anonymous access"),
            &old.location,
            &new.location,
        );
    }
}

/// Callbacks: the server calls the client, so request and response positions swap.
fn compare_callbacks<'a>(c: &mut Comparer<'a>, old: &'a Operation, new: &'a Operation, name: &str) {
    for (callback, ops) in &old.callbacks {
        let theirs = new.callbacks.get(callback);
        for o in ops {
            let cname = format!("{name} callback {callback} {} {}", o.method.to_uppercase(), o.path);
            let found = theirs.and_then(|pool| {
                pool.iter()
                    .find(|n| n.method == o.method && n.path == o.path)
                    .or_else(|| (pool.len() == 1 && ops.len() == 1).then(|| &pool[0]))
            });
            match found {
                Some(n) => compare_operation(c, o, n, &cname, CALLBACK),
                None => c.change(
                    &CALLBACK_REMOVED,
                    Effect::Replaces,
                    Variance::Produces,
                    &cname,
                    format!(
                        "callback `{callback}` ({} {}) of `{name}` was removed",
                        o.method.to_uppercase(),
                        o.path
                    ),
                    &o.location,
                    &new.location,
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameter_names_do_not_matter() {
        assert_eq!(
            path_shape("/users/{id}/posts/{postId}"),
            path_shape("/users/{userId}/posts/{p}")
        );
        assert_ne!(path_shape("/users/{id}"), path_shape("/accounts/{id}"));
    }

    fn op(method: &str, path: &str) -> Operation {
        Operation {
            path: path.into(),
            method: method.into(),
            operation_id: None,
            summary: None,
            tags: Vec::new(),
            deprecated: false,
            parameters: Vec::new(),
            request_body: None,
            responses: Default::default(),
            security: None,
            callbacks: Default::default(),
            extensions: Default::default(),
            location: Location::new("t.yaml", "", Default::default()),
        }
    }

    #[test]
    fn exact_paths_pair_before_shapes() {
        // Two templates of one shape: each keeps its exact twin, in whatever order they come.
        let old = [
            op("get", "/v1/{name}"),
            op("get", "/v1/{parent}"),
            op("post", "/v1/{name}"),
        ];
        let new = [
            op("post", "/v1/{name}"),
            op("get", "/v1/{parent}"),
            op("get", "/v1/{name}"),
        ];
        assert_eq!(pair_operations(&old, &new), vec![Some(2), Some(1), Some(0)]);
        // A renamed variable pairs by shape; a removed operation pairs with nothing.
        let new = [op("get", "/v1/{resource}"), op("get", "/v1/{parent}")];
        assert_eq!(pair_operations(&old, &new), vec![Some(0), Some(1), None]);
    }

    #[test]
    fn path_parameters_pair_by_place_in_the_template() {
        let odata = "/f(status='{status}',count={count})";
        assert_eq!(template_position(odata, "count"), Some(1));
        assert_eq!(template_position("/media/{id}.{extension}", "extension"), Some(1));
        assert_eq!(template_position("/media/{id}.{extension}", "nope"), None);
    }

    #[test]
    fn sunset_dates_in_iso_and_http_forms() {
        assert_eq!(sunset_day("2025-06-30").as_deref(), Some("2025-06-30"));
        assert_eq!(sunset_day("2025-06-30T12:00:00Z").as_deref(), Some("2025-06-30"));
        assert_eq!(
            sunset_day("Mon, 30 Jun 2025 00:00:00 GMT").as_deref(),
            Some("2025-06-30")
        );
        assert_eq!(sunset_day("1 Feb 2030").as_deref(), Some("2030-02-01"));
        assert_eq!(sunset_day("soon"), None);
        assert_eq!(sunset_day("2025-6-30"), None);
    }
}
