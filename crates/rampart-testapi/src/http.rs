//! Answering one request: authentication, authorization (the forbidden
//! list), content negotiation, routing, and the apiserver's JSON shapes.
//! Everything here is synchronous and infallible: any request, however
//! malformed, gets a `Status` answer.

use std::sync::{Arc, Mutex, RwLock};

use base64::Engine;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::{HeaderMap, Method, Response, StatusCode, Uri};
use serde::Serialize;
use serde_json::{Value, json};

use crate::resources::{self, AGGREGATED_V2, Resource};
use crate::selector::{self, Field};
use crate::store::{Entry, Store, selectable_fields};
use crate::{Caller, Forbidden, Request};

pub(crate) type Body = Full<Bytes>;

/// What every connection shares.
pub(crate) struct State {
    /// Replaced whole by [`crate::Running::replace_objects`]; a request
    /// answers from the store it started with.
    pub store: RwLock<Arc<Store>>,
    pub git_version: String,
    pub token: Option<String>,
    pub user: String,
    pub anonymous_api: bool,
    pub aggregated_discovery: bool,
    pub expire_continue: bool,
    pub metrics: Option<String>,
    pub forbidden: Vec<Forbidden>,
    /// host:port, for `serverAddressByClientCIDRs`.
    pub server_address: String,
    pub log: Mutex<Vec<Request>>,
}

impl State {
    pub fn store(&self) -> Arc<Store> {
        // A poisoned lock still holds a whole store: it is only ever
        // replaced, never mutated in place.
        match self.store.read() {
            Ok(s) => s.clone(),
            Err(e) => e.into_inner().clone(),
        }
    }
}

/// Handles one request and records it.
pub(crate) fn serve(
    state: &State,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Response<Body> {
    let caller = authenticate(state, headers);
    let mut response = answer(state, caller, method, uri, headers);
    let record = Request {
        method: method.to_string(),
        path_and_query: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_string(), |p| p.to_string()),
        accept: headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        caller,
        status: response.status().as_u16(),
    };
    if let Ok(mut log) = state.log.lock() {
        log.push(record);
    }
    if method == Method::HEAD {
        *response.body_mut() = Full::new(Bytes::new());
    }
    response
}

fn authenticate(state: &State, headers: &HeaderMap) -> Caller {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Caller::Anonymous;
    };
    let presented = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match (&state.token, presented) {
        (None, _) => Caller::Token,
        (Some(t), Some(p)) if t == p => Caller::Token,
        _ => Caller::BadToken,
    }
}

/// Paths the apiserver lets anyone read (system:public-info-viewer).
fn public(path: &str) -> bool {
    matches!(path, "/version" | "/healthz" | "/livez" | "/readyz")
}

fn answer(
    state: &State,
    caller: Caller,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Response<Body> {
    let path = uri.path();
    if state.token.is_some() {
        let allowed = match caller {
            Caller::Token => true,
            // Wrong credentials fail authentication everywhere, even on
            // public paths: the apiserver never falls back to anonymous.
            Caller::BadToken => false,
            Caller::Anonymous => public(path) || (state.anonymous_api && path == "/api"),
        };
        if !allowed {
            return status(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "Unauthorized".into(),
                None,
            );
        }
    }
    if method != Method::GET && method != Method::HEAD {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource".into(),
            Some(Details::default()),
        );
    }
    let accept = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let query = Query::parse(uri.query().unwrap_or(""));
    let user = match caller {
        Caller::Anonymous => "system:anonymous",
        _ => state.user.as_str(),
    };
    // Segments are percent-decoded, as the apiserver reads paths
    // (`system%3Acontroller%3Ax` names the ClusterRole `system:controller:x`).
    let decoded: Vec<String> = path
        .strip_prefix('/')
        .unwrap_or(path)
        .split('/')
        .map(|s| percent_decode(s, false))
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let store = state.store();
    let ctx = Ctx {
        state,
        store: &store,
        user,
        accept,
        query: &query,
    };
    match segments.as_slice() {
        [""] => json_ok(&root_paths(&store)),
        ["version"] => json_ok(&version(&state.git_version)),
        ["healthz" | "livez" | "readyz"] => Response::builder()
            .header(CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Full::new(Bytes::from_static(b"ok")))
            .unwrap_or_default(),
        ["metrics"] => match &state.metrics {
            Some(text) => Response::builder()
                .header(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                .body(Full::new(Bytes::from(text.clone())))
                .unwrap_or_default(),
            None => not_found(),
        },
        ["api"] => discovery_root(&ctx, true),
        ["apis"] => discovery_root(&ctx, false),
        ["api", version] => resource_list(&store, "", version),
        ["apis", group] => match resources::api_group(&store.resources, group) {
            Some(g) => json_ok(&g),
            None => not_found(),
        },
        ["apis", group, version] => resource_list(&store, group, version),
        ["api", version, rest @ ..] => resource_path(&ctx, "", version, rest),
        ["apis", group, version, rest @ ..] => resource_path(&ctx, group, version, rest),
        _ => not_found(),
    }
}

struct Ctx<'a> {
    state: &'a State,
    store: &'a Store,
    user: &'a str,
    accept: &'a str,
    query: &'a Query,
}

fn root_paths(store: &Store) -> Value {
    let mut paths = vec!["/api".to_string(), "/api/v1".into(), "/apis".into()];
    for g in resources::groups(&store.resources) {
        paths.push(format!("/apis/{}", g.name));
        for v in &g.versions {
            paths.push(format!("/apis/{}/{v}", g.name));
        }
    }
    for p in ["/healthz", "/livez", "/readyz", "/version"] {
        paths.push(p.into());
    }
    json!({"paths": paths})
}

/// `/version` as a v1.x apiserver answers it.
fn version(git_version: &str) -> Value {
    let bare = git_version.trim_start_matches('v');
    let mut parts = bare.split(['.', '-', '+']);
    let major = parts.next().unwrap_or("1").to_string();
    let minor = parts.next().unwrap_or("0").to_string();
    json!({
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "minCompatibilityMajor": major,
        "minCompatibilityMinor": minor,
        "gitVersion": git_version,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
        "goVersion": "go1.24.4",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

fn discovery_root(ctx: &Ctx<'_>, core: bool) -> Response<Body> {
    let resources = &ctx.store.resources;
    let mut allowed = vec![Want::Json];
    if ctx.state.aggregated_discovery {
        allowed.push(Want::Aggregated);
    }
    match negotiate(ctx.accept, &allowed) {
        Some(Want::Aggregated) => {
            let body = resources::aggregated(resources, core);
            let mut r = json_ok(&body);
            // Clients (kubectl) tell the aggregated form by this label.
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(AGGREGATED_V2));
            r
        }
        Some(_) if core => json_ok(&resources::api_versions(&ctx.state.server_address)),
        Some(_) => json_ok(&resources::api_group_list(resources)),
        None => not_acceptable(),
    }
}

fn resource_list(store: &Store, group: &str, version: &str) -> Response<Body> {
    match resources::api_resource_list(&store.resources, group, version) {
        Some(v) => json_ok(&v),
        None => not_found(),
    }
}

/// Everything below `/api/v1` or `/apis/{group}/{version}`.
fn resource_path(ctx: &Ctx<'_>, group: &str, version: &str, rest: &[&str]) -> Response<Body> {
    let store = ctx.store;
    let find = |plural: &str| store.find(group, version, plural);
    // `/api/v1/namespaces/{ns}/{resource}...`, except the namespace's own
    // subresources (`namespaces/{name}/status`, `/finalize`).
    let namespaced = match rest {
        ["namespaces", _, "status" | "finalize"] if group.is_empty() => None,
        ["namespaces", ns, plural, tail @ ..] => Some((*ns, *plural, tail)),
        _ => None,
    };
    if let Some((ns, plural, tail)) = namespaced {
        let Some(r) = find(plural).filter(|&r| store.resources[r].namespaced) else {
            return not_found();
        };
        return match tail {
            [] => list(ctx, r, version, Some(ns)),
            [name] => get(ctx, r, version, Some(ns), name, None),
            [name, sub] => get(ctx, r, version, Some(ns), name, Some(sub)),
            _ => not_found(),
        };
    }
    let Some((plural, tail)) = rest.split_first() else {
        return not_found();
    };
    let Some(r) = find(plural) else {
        return not_found();
    };
    match tail {
        [] => list(ctx, r, version, None),
        [name] if !store.resources[r].namespaced => get(ctx, r, version, None, name, None),
        [name, sub] if !store.resources[r].namespaced => {
            get(ctx, r, version, None, name, Some(sub))
        }
        _ => not_found(),
    }
}

/// The 403 for `verb` on resource `r`, if the forbidden list denies it.
/// A namespace-restricted entry denies that namespace and cluster-wide
/// requests, which need every namespace — as RBAC does when a subject
/// lacks a RoleBinding in one namespace.
fn denied(
    ctx: &Ctx<'_>,
    r: &Resource,
    verb: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Option<Response<Body>> {
    let hit = ctx.state.forbidden.iter().any(|f| {
        f.group == r.group
            && f.resource == r.plural
            && (!r.namespaced
                || f.namespace.is_none()
                || namespace.is_none()
                || f.namespace.as_deref() == namespace)
    });
    if !hit {
        return None;
    }
    let subject = match name {
        Some(n) => format!("{} \"{n}\"", r.plural),
        None => r.plural.clone(),
    };
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".into(),
    };
    Some(status(
        StatusCode::FORBIDDEN,
        "Forbidden",
        format!(
            "{subject} is forbidden: User \"{}\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
            ctx.user, r.plural, r.group
        ),
        Some(Details::of(r, name)),
    ))
}

fn watch_refused(ctx: &Ctx<'_>) -> Option<Response<Body>> {
    matches!(ctx.query.get("watch"), Some("true" | "1")).then(|| {
        status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "watch is not supported by rampart-testapi".into(),
            Some(Details::default()),
        )
    })
}

fn list(ctx: &Ctx<'_>, r: usize, version: &str, namespace: Option<&str>) -> Response<Body> {
    let state = ctx.state;
    let resource = &ctx.store.resources[r];
    if let Some(resp) = denied(ctx, resource, "list", namespace, None) {
        return resp;
    }
    if let Some(resp) = watch_refused(ctx) {
        return resp;
    }
    let meta = match negotiate(ctx.accept, &[Want::Json, Want::MetaList]) {
        Some(w) => w == Want::MetaList,
        None => return not_acceptable(),
    };
    let labels = match selector::parse_labels(ctx.query.get("labelSelector").unwrap_or("")) {
        Ok(l) => l,
        Err(e) => return bad_request(e),
    };
    let fields = match selector::parse_fields(ctx.query.get("fieldSelector").unwrap_or("")) {
        Ok(f) => f,
        Err(e) => return bad_request(e),
    };
    let extra = selectable_fields(&resource.group, &resource.kind);
    if let Some(f) = fields.iter().find(|f| {
        !matches!(f.field.as_str(), "metadata.name" | "metadata.namespace")
            && !extra.contains(&f.field.as_str())
    }) {
        return bad_request(format!("field label not supported: {}", f.field));
    }
    let limit = match ctx.query.get("limit").map(str::parse::<i64>) {
        None => None,
        Some(Ok(n)) if n > 0 => Some(n as usize),
        Some(Ok(_)) => None,
        Some(Err(e)) => return bad_request(format!("limit: {e}")),
    };
    let all = &ctx.store.collections[r];
    // A namespace's objects are one run of keys starting "ns/".
    let scope: &[Entry] = match namespace {
        Some(ns) => {
            let prefix = format!("{ns}/");
            let start = all.partition_point(|e| e.key.as_str() < prefix.as_str());
            let len = all[start..].partition_point(|e| e.key.starts_with(&prefix));
            &all[start..start + len]
        }
        None => all,
    };
    let filtered: Vec<&Entry>;
    let selected: Vec<&Entry> = if labels.is_empty() && fields.is_empty() {
        scope.iter().collect()
    } else {
        filtered = scope
            .iter()
            .filter(|e| selector::labels_match(&labels, &e.labels) && fields_match(&fields, e))
            .collect();
        filtered
    };
    let start = match ctx.query.get("continue").filter(|c| !c.is_empty()) {
        None => 0,
        Some(token) => {
            if state.expire_continue {
                return expired();
            }
            match decode_continue(token) {
                // etcd keys of a namespaced list are relative to the
                // namespace: the token names the object, not the namespace.
                Ok(after) => {
                    let key = match namespace {
                        Some(ns) => format!("{ns}/{after}"),
                        None => after,
                    };
                    selected.partition_point(|e| e.key.as_str() < key.as_str())
                }
                Err(e) => return bad_request(format!("continue key is not valid: {e}")),
            }
        }
    };
    let end = limit.map_or(selected.len(), |l| (start + l).min(selected.len()));
    let page = &selected[start.min(end)..end];
    let remaining = selected.len() - end;
    let mut list_meta = format!(
        "{{\"resourceVersion\":{}",
        json_str(&ctx.store.resource_version)
    );
    if remaining > 0
        && let Some(last) = page.last()
    {
        let after = match namespace {
            Some(_) => last.name.as_str(),
            None => last.key.as_str(),
        };
        list_meta.push_str(",\"continue\":");
        list_meta.push_str(&json_str(&encode_continue(
            &ctx.store.resource_version,
            after,
        )));
        // The apiserver counts what is left only when no selector
        // filters the list.
        if labels.is_empty() && fields.is_empty() {
            list_meta.push_str(&format!(",\"remainingItemCount\":{remaining}"));
        }
    }
    list_meta.push('}');
    let (kind, api_version) = if meta {
        (
            "PartialObjectMetadataList".to_string(),
            "meta.k8s.io/v1".to_string(),
        )
    } else {
        (
            format!("{}List", resource.kind),
            resource.api_version(version),
        )
    };
    let size: usize = page
        .iter()
        .map(|e| if meta { e.metadata.len() + 80 } else { e.item.len() } + 1)
        .sum();
    let mut body = Vec::with_capacity(size + list_meta.len() + 128);
    body.extend_from_slice(
        format!(
            "{{\"kind\":{},\"apiVersion\":{},\"metadata\":{list_meta},\"items\":[",
            json_str(&kind),
            json_str(&api_version)
        )
        .as_bytes(),
    );
    for (i, e) in page.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        // Typed lists carry items without kind and apiVersion, as the
        // apiserver writes them; metadata lists label every item.
        if meta {
            push_partial(&mut body, &e.metadata);
        } else {
            body.extend_from_slice(&e.item);
        }
    }
    body.extend_from_slice(b"]}\n");
    json_bytes(StatusCode::OK, Bytes::from(body))
}

fn push_partial(body: &mut Vec<u8>, metadata: &[u8]) {
    body.extend_from_slice(
        b"{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":",
    );
    body.extend_from_slice(metadata);
    body.push(b'}');
}

fn fields_match(fields: &[Field], e: &Entry) -> bool {
    fields.iter().all(|f| {
        let value = match f.field.as_str() {
            "metadata.name" => e.name.as_str(),
            "metadata.namespace" => e.namespace.as_deref().unwrap_or(""),
            other => e
                .fields
                .iter()
                .find(|(k, _)| *k == other)
                .map_or("", |(_, v)| v.as_str()),
        };
        (value == f.value) == f.equal
    })
}

fn get(
    ctx: &Ctx<'_>,
    r: usize,
    version: &str,
    namespace: Option<&str>,
    name: &str,
    sub: Option<&str>,
) -> Response<Body> {
    let resource = &ctx.store.resources[r];
    if let Some(resp) = denied(ctx, resource, "get", namespace, Some(name)) {
        return resp;
    }
    if let Some(resp) = watch_refused(ctx) {
        return resp;
    }
    // Only `status` reads back the object; the other subresources are
    // listed in discovery but not served.
    if sub.is_some_and(|s| s != "status") || (sub.is_some() && !has_status(resource)) {
        return not_found();
    }
    let meta = match negotiate(ctx.accept, &[Want::Json, Want::Meta]) {
        Some(w) => w == Want::Meta,
        None => return not_acceptable(),
    };
    let key = match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    };
    let entries = &ctx.store.collections[r];
    let Ok(i) = entries.binary_search_by(|e| e.key.as_str().cmp(key.as_str())) else {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("{} \"{name}\" not found", resource.plural),
            Some(Details::of(resource, Some(name))),
        );
    };
    let e = &entries[i];
    let mut body = Vec::with_capacity(e.item.len() + 96);
    if meta {
        push_partial(&mut body, &e.metadata);
    } else {
        body.extend_from_slice(
            format!(
                "{{\"kind\":{},\"apiVersion\":{}",
                json_str(&resource.kind),
                json_str(&resource.api_version(version))
            )
            .as_bytes(),
        );
        // The stored item is a non-empty object: it always has metadata.
        body.push(b',');
        body.extend_from_slice(e.item.get(1..).unwrap_or(b"}"));
    }
    body.push(b'\n');
    json_bytes(StatusCode::OK, Bytes::from(body))
}

fn has_status(r: &Resource) -> bool {
    r.subresources.iter().any(|s| s.name == "status")
}

/// What a client accepts, among what the endpoint offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Json,
    /// `as=PartialObjectMetadata;g=meta.k8s.io;v=v1` (one object).
    Meta,
    /// `as=PartialObjectMetadataList;g=meta.k8s.io;v=v1` (a list).
    MetaList,
    /// `as=APIGroupDiscoveryList;g=apidiscovery.k8s.io;v=v2`.
    Aggregated,
}

/// The first media range of `accept` the endpoint can produce, as the
/// apiserver picks: in the client's order, skipping what it cannot serve
/// (Table, protobuf, YAML, older discovery versions). No header means JSON.
fn negotiate(accept: &str, offered: &[Want]) -> Option<Want> {
    if accept.trim().is_empty() {
        return Some(Want::Json);
    }
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let ty = parts.next().unwrap_or("").to_ascii_lowercase();
        let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
        let param = |k: &str| {
            params
                .iter()
                .find(|(pk, _)| pk.trim() == k)
                .map(|(_, v)| v.trim())
        };
        let want = match ty.as_str() {
            "*/*" | "application/*" => Some(Want::Json),
            "application/json" => match (param("as"), param("g"), param("v")) {
                (None, _, _) => Some(Want::Json),
                (Some("PartialObjectMetadata"), Some("meta.k8s.io"), Some("v1")) => {
                    Some(Want::Meta)
                }
                (Some("PartialObjectMetadataList"), Some("meta.k8s.io"), Some("v1")) => {
                    Some(Want::MetaList)
                }
                (Some("APIGroupDiscoveryList"), Some("apidiscovery.k8s.io"), Some("v2")) => {
                    Some(Want::Aggregated)
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(w) = want.filter(|w| offered.contains(w)) {
            return Some(w);
        }
    }
    None
}

/// `details` of a Status: which object it is about.
#[derive(Default, Serialize)]
pub(crate) struct Details {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
}

impl Details {
    fn of(r: &Resource, name: Option<&str>) -> Details {
        Details {
            name: name.map(str::to_string),
            group: (!r.group.is_empty()).then(|| r.group.clone()),
            kind: Some(r.plural.clone()),
        }
    }
}

/// A `meta.k8s.io/v1` Status, field for field as the apiserver writes it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    kind: &'static str,
    api_version: &'static str,
    metadata: serde_json::Map<String, Value>,
    status: &'static str,
    message: String,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Details>,
    code: u16,
}

pub(crate) fn status(
    code: StatusCode,
    reason: &str,
    message: String,
    details: Option<Details>,
) -> Response<Body> {
    let s = Status {
        kind: "Status",
        api_version: "v1",
        metadata: Default::default(),
        status: "Failure",
        message,
        reason,
        details,
        code: code.as_u16(),
    };
    let mut body = serde_json::to_vec(&s).unwrap_or_default();
    body.push(b'\n');
    json_bytes(code, Bytes::from(body))
}

fn not_found() -> Response<Body> {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        "the server could not find the requested resource".into(),
        Some(Details::default()),
    )
}

fn bad_request(message: String) -> Response<Body> {
    status(StatusCode::BAD_REQUEST, "BadRequest", message, None)
}

fn not_acceptable() -> Response<Body> {
    status(
        StatusCode::NOT_ACCEPTABLE,
        "NotAcceptable",
        "only the following media types are accepted: application/json, application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1, application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1".into(),
        None,
    )
}

fn expired() -> Response<Body> {
    status(
        StatusCode::GONE,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.".into(),
        None,
    )
}

fn json_ok(v: &Value) -> Response<Body> {
    let mut body = serde_json::to_vec(v).unwrap_or_default();
    body.push(b'\n');
    json_bytes(StatusCode::OK, Bytes::from(body))
}

fn json_bytes(code: StatusCode, body: Bytes) -> Response<Body> {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = code;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert(
        "cache-control",
        HeaderValue::from_static("no-cache, private"),
    );
    r
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The apiserver's continue token: base64url (unpadded) of
/// `{"v":"meta.k8s.io/v1","rv":N,"start":"<key after the last item>"}`,
/// where the key is `ns/name` for a cluster-wide list and `name` within a
/// namespace, followed by a NUL so the next page starts after it.
fn encode_continue(rv: &str, last: &str) -> String {
    let rv: i64 = rv.parse().unwrap_or(0);
    let token = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{last}\u{0}")});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token.to_string())
}

/// The key to resume at, or why the token is not one.
fn decode_continue(token: &str) -> Result<String, String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    if v["v"] != "meta.k8s.io/v1" {
        return Err(format!(
            "incorrect encoded start resourceVersion (version {})",
            v["v"]
        ));
    }
    match v["start"].as_str() {
        Some(s) if !s.is_empty() && !s.starts_with('/') && !s.contains("..") => Ok(s.to_string()),
        _ => Err("encoded start key is not valid".into()),
    }
}

/// Query parameters, percent-decoded (`+` is a space, as Go's
/// `url.ParseQuery` reads it).
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(q: &str) -> Query {
        Query(
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (percent_decode(k, true), percent_decode(v, true))
                })
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// `%XX` escapes decoded; `+` is a space in a query (`plus_is_space`),
/// itself in a path.
fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        let meta_list =
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
        assert_eq!(
            negotiate(meta_list, &[Want::Json, Want::MetaList]),
            Some(Want::MetaList)
        );
        // A list endpoint does not answer the single-object form.
        assert_eq!(
            negotiate(
                "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
                &[Want::Json, Want::MetaList]
            ),
            None
        );
        let table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(
            negotiate(table, &[Want::Json, Want::MetaList]),
            Some(Want::Json)
        );
        assert_eq!(negotiate("", &[Want::Json]), Some(Want::Json));
        assert_eq!(
            negotiate("application/vnd.kubernetes.protobuf", &[Want::Json]),
            None
        );
        let kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            negotiate(kubectl, &[Want::Json, Want::Aggregated]),
            Some(Want::Aggregated)
        );
        assert_eq!(negotiate(kubectl, &[Want::Json]), Some(Want::Json));
    }

    #[test]
    fn continue_tokens_round_trip() {
        let t = encode_continue("1042", "ns/pod-1");
        assert_eq!(decode_continue(&t).unwrap(), "ns/pod-1\u{0}");
        assert!(decode_continue("!!!").is_err());
        assert!(decode_continue("e30").is_err()); // {}
    }

    #[test]
    fn query_decoding() {
        let q = Query::parse("labelSelector=app%3Dweb%2Ctier+in+%28a%29&limit=2&x&bad=%zz%4");
        assert_eq!(q.get("labelSelector"), Some("app=web,tier in (a)"));
        assert_eq!(q.get("limit"), Some("2"));
        assert_eq!(q.get("x"), Some(""));
        assert_eq!(q.get("bad"), Some("%zz%4"));
    }

    #[test]
    fn version_document() {
        let v = version("v1.33.2");
        assert_eq!(v["major"], "1");
        assert_eq!(v["minor"], "33");
        assert_eq!(v["gitVersion"], "v1.33.2");
    }
}
