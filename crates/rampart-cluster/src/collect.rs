//! Reading a cluster: version, discovery, then every wanted resource,
//! concurrently and page by page. Each page is trimmed and written out as
//! text before the next is fetched, so memory follows what is kept, not
//! what the server sends.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use rampart_core::cluster::{
    AnonymousProbe, ClusterInfo, CoverageGap, RequestedApi, ServerVersion,
};
use serde_json::Value;

use crate::connect::{ClusterError, Connection, RequestError};
use crate::resources::{GATEKEEPER_CONSTRAINTS, Read, WANTED, trim};

/// Items per list request: the page size kubectl uses.
const PAGE: usize = 500;
/// Lists in flight at once.
const CONCURRENCY: usize = 6;
const JSON: &str = "application/json";
const METADATA_LIST: &str = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
const TOKEN_TYPE: &str = "kubernetes.io/service-account-token";

/// What was read: the cluster's objects as YAML-stream text, one file per
/// resource and namespace, and the facts about the cluster.
#[derive(Debug)]
pub struct Collection {
    pub info: ClusterInfo,
    /// The kubeconfig context read, or `in-cluster`.
    pub context: String,
    /// Relative path → text (JSON documents separated by `---`), the
    /// layout of a snapshot directory.
    pub files: BTreeMap<String, String>,
    /// Objects kept.
    pub objects: usize,
}

/// Progress of a collection, for a progress display.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Resources finished out of those to read.
    pub resources_done: usize,
    pub resources_total: usize,
    /// Objects read so far.
    pub objects: usize,
}

/// One resource the server serves that rampart reads.
#[derive(Clone, Debug)]
struct Served {
    group: String,
    version: String,
    resource: String,
    kind: String,
    namespaced: bool,
    read: Read,
}

impl Served {
    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    fn path(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) => format!("{base}/namespaces/{ns}/{}", self.resource),
            None => format!("{base}/{}", self.resource),
        }
    }

    /// `resource.group` (just `resource` for core), as file names and
    /// messages show it.
    fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

/// Reads everything rampart analyses from the cluster. Fails only when
/// the cluster cannot be talked to at all (unreachable, credentials
/// refused, no version); refused or failing lists become coverage gaps.
pub async fn collect(
    conn: &Connection,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Collection, ClusterError> {
    let version_text = conn
        .get("/version", JSON)
        .await
        .map_err(|e| conn.fatal("GET /version", e))?;
    let server_version: ServerVersion =
        serde_json::from_str(&version_text).map_err(|e| ClusterError::Protocol {
            server: conn.server.clone(),
            what: "GET /version".into(),
            reason: format!("not a version object: {e}"),
        })?;
    let mut gaps = Vec::new();
    let (served, group_versions) = discover(conn, &mut gaps).await?;

    let namespace = conn.target.namespace.clone();
    let total = served.len();
    let done = AtomicUsize::new(0);
    let objects = AtomicUsize::new(0);
    let report = || {
        progress(Progress {
            resources_done: done.load(Ordering::Relaxed),
            resources_total: total,
            objects: objects.load(Ordering::Relaxed),
        })
    };
    report();

    // Namespaces first: a refused cluster-wide list falls back to one list
    // per namespace, which needs their names.
    let (ns_served, rest): (Vec<&Served>, Vec<&Served>) = served
        .iter()
        .partition(|s| s.group.is_empty() && s.resource == "namespaces");
    let mut results: Vec<Listed> = Vec::new();
    for s in ns_served {
        let listed = read_resource(conn, s, namespace.as_deref(), &[], &objects).await;
        done.fetch_add(1, Ordering::Relaxed);
        report();
        results.push(listed);
    }
    let namespaces: Vec<String> = match &namespace {
        Some(ns) => vec![ns.clone()],
        None => results.iter().flat_map(|l| l.names.clone()).collect(),
    };
    let listed: Vec<Listed> = futures::stream::iter(rest)
        .map(|s| {
            let (namespaces, objects, done) = (&namespaces, &objects, &done);
            let namespace = namespace.as_deref();
            async move {
                let listed = read_resource(conn, s, namespace, namespaces, objects).await;
                done.fetch_add(1, Ordering::Relaxed);
                listed
            }
        })
        .buffer_unordered(CONCURRENCY)
        .inspect(|_| report())
        .collect()
        .await;
    results.extend(listed);

    let mut files = BTreeMap::new();
    for l in results {
        if let Some(fatal) = l.fatal {
            return Err(conn.fatal(&fatal.0, fatal.1));
        }
        gaps.extend(l.gaps);
        files.extend(l.files);
    }
    gaps.sort_by(|a, b| {
        (&a.group, &a.resource, &a.namespace).cmp(&(&b.group, &b.resource, &b.namespace))
    });

    let anonymous_probe = if conn.target.probe_anonymous {
        Some(AnonymousProbe {
            path: "/api".into(),
            status: conn.anonymous_status().await,
        })
    } else {
        None
    };
    let requested_deprecated_apis = if conn.target.read_metrics {
        match conn.get("/metrics", "text/plain").await {
            Ok(text) => Some(RequestedApi::from_metrics(&text)),
            Err(RequestError::Status { code: 401, .. }) => {
                return Err(conn.fatal(
                    "GET /metrics",
                    RequestError::Status {
                        code: 401,
                        reason: String::new(),
                    },
                ));
            }
            Err(e) => {
                let (status, reason) = describe(&e);
                gaps.push(CoverageGap {
                    group: String::new(),
                    resource: "/metrics".into(),
                    verb: "get".into(),
                    namespace: None,
                    status,
                    reason,
                });
                None
            }
        }
    } else {
        None
    };
    let info = ClusterInfo {
        server: conn.server.clone(),
        server_version,
        collected_at: jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .map_or_else(|_| String::new(), |t| t.to_string()),
        namespace,
        group_versions,
        coverage_gaps: gaps,
        anonymous_probe,
        requested_deprecated_apis,
    };
    files.insert(INFO_FILE.to_string(), info_document(&info, &conn.context));
    Ok(Collection {
        info,
        context: conn.context.clone(),
        objects: objects.load(Ordering::Relaxed) + 1,
        files,
    })
}

/// The snapshot file holding the [`ClusterInfo`].
pub const INFO_FILE: &str = "cluster.yaml";

fn info_document(info: &ClusterInfo, context: &str) -> String {
    let mut doc = serde_json::json!({
        "apiVersion": rampart_core::cluster::API_VERSION,
        "kind": rampart_core::cluster::KIND,
        "metadata": {"name": if context.is_empty() { "cluster" } else { context }},
    });
    if let (Value::Object(d), Ok(Value::Object(fields))) = (&mut doc, serde_json::to_value(info)) {
        d.extend(fields);
    }
    document(&doc)
}

/// One object as a document of a YAML stream. JSON is YAML, and JSON
/// strings are always quoted, so no YAML 1.1 scalar (`yes`, `0644`) can
/// change meaning on the way back in.
fn document(v: &Value) -> String {
    let mut s = String::from("---\n");
    s.push_str(&serde_json::to_string_pretty(v).unwrap_or_default());
    s.push('\n');
    s
}

/// Finds which wanted resources the server serves and every group version
/// it serves. Each resource is read at the first version that serves it,
/// the group's preferred version first: some kinds live only at another
/// version (PodSecurityPolicy at `policy/v1beta1` while `policy` prefers
/// `v1`; ValidatingAdmissionPolicy at `v1beta1` on 1.28–1.29).
async fn discover(
    conn: &Connection,
    gaps: &mut Vec<CoverageGap>,
) -> Result<(Vec<Served>, Vec<String>), ClusterError> {
    let groups_text = conn
        .get("/apis", JSON)
        .await
        .map_err(|e| conn.fatal("GET /apis", e))?;
    let groups: Value = serde_json::from_str(&groups_text).unwrap_or(Value::Null);
    let mut group_versions = vec!["v1".to_string()];
    // (group, version, rank: 0 for the preferred version, then server order)
    let mut to_read: Vec<(String, String, usize)> = vec![(String::new(), "v1".into(), 0)];
    for g in groups["groups"].as_array().into_iter().flatten() {
        let name = g["name"].as_str().unwrap_or_default();
        let wanted = name == GATEKEEPER_CONSTRAINTS || WANTED.iter().any(|w| w.group == name);
        let preferred = g["preferredVersion"]["version"]
            .as_str()
            .unwrap_or_default();
        let mut rank = 1;
        for v in g["versions"].as_array().into_iter().flatten() {
            if let Some(gv) = v["groupVersion"].as_str() {
                group_versions.push(gv.to_string());
            }
            let version = v["version"].as_str().unwrap_or_default();
            if wanted && !version.is_empty() {
                let r = if version == preferred { 0 } else { rank };
                rank += 1;
                to_read.push((name.to_string(), version.to_string(), r));
            }
        }
    }
    let lists: Vec<(String, String, usize, Result<String, RequestError>)> =
        futures::stream::iter(to_read)
            .map(|(group, version, rank)| async move {
                let path = if group.is_empty() {
                    format!("/api/{version}")
                } else {
                    format!("/apis/{group}/{version}")
                };
                let r = conn.get(&path, JSON).await;
                (group, version, rank, r)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
    // (group, resource) → (rank, what to read)
    let mut best: BTreeMap<(String, String), (usize, Served)> = BTreeMap::new();
    for (group, version, rank, result) in lists {
        let text = match result {
            Ok(t) => t,
            // An aggregated API whose backend is down answers 503; the
            // rest of the cluster is still worth reading.
            Err(e) => {
                if let RequestError::Status { code: 401, .. } | RequestError::Timeout = e {
                    return Err(conn.fatal("discovery", e));
                }
                let (status, reason) = describe(&e);
                gaps.push(CoverageGap {
                    group: group.clone(),
                    resource: format!("* ({version})"),
                    verb: "discover".into(),
                    namespace: None,
                    status,
                    reason,
                });
                continue;
            }
        };
        let list: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        for r in list["resources"].as_array().into_iter().flatten() {
            let name = r["name"].as_str().unwrap_or_default();
            if name.contains('/') {
                continue; // subresource
            }
            let read = if group == GATEKEEPER_CONSTRAINTS {
                let lists = r["verbs"]
                    .as_array()
                    .is_some_and(|v| v.iter().any(|v| v == "list"));
                lists.then_some(Read::List)
            } else {
                WANTED
                    .iter()
                    .find(|w| w.group == group && w.resource == name)
                    .map(|w| w.read)
            };
            let Some(read) = read else { continue };
            let served = Served {
                group: group.clone(),
                version: version.clone(),
                resource: name.to_string(),
                kind: r["kind"].as_str().unwrap_or_default().to_string(),
                namespaced: r["namespaced"].as_bool().unwrap_or(false),
                read,
            };
            let key = (group.clone(), name.to_string());
            if best.get(&key).is_none_or(|(r, _)| rank < *r) {
                best.insert(key, (rank, served));
            }
        }
    }
    let served = best.into_values().map(|(_, s)| s).collect();
    group_versions.sort();
    group_versions.dedup();
    Ok((served, group_versions))
}

fn describe(e: &RequestError) -> (u16, String) {
    match e {
        RequestError::Timeout => (0, "timed out".into()),
        RequestError::Status { code, reason } => (*code, reason.clone()),
        RequestError::Transport(r) => (0, r.clone()),
    }
}

/// What reading one resource produced.
#[derive(Default)]
struct Listed {
    files: BTreeMap<String, String>,
    gaps: Vec<CoverageGap>,
    /// Object names (kept for namespaces, to fall back to per-namespace lists).
    names: Vec<String>,
    /// A failure that makes the whole collection meaningless (credentials
    /// refused mid-way).
    fatal: Option<(String, RequestError)>,
}

async fn read_resource(
    conn: &Connection,
    s: &Served,
    namespace: Option<&str>,
    namespaces: &[String],
    objects: &AtomicUsize,
) -> Listed {
    let mut out = Listed::default();
    let (scope, selector): (Option<&str>, Option<&str>) = match s.read {
        Read::Selected {
            namespace: ns,
            selector,
        } => {
            if namespace.is_some_and(|n| n != ns) {
                return out;
            }
            (Some(ns), Some(selector))
        }
        _ if s.namespaced => (namespace, None),
        _ => (None, None),
    };
    // The scopes that were read: where token Secrets are looked for.
    let mut scopes = vec![scope];
    match list_all(conn, s, scope, selector, &mut out, objects).await {
        Ok(()) => {}
        Err(RequestError::Status { code: 403, reason })
            if s.namespaced && scope.is_none() && !namespaces.is_empty() =>
        {
            // Refused cluster-wide: the identity may still read some
            // namespaces (RoleBindings grant per namespace).
            tracing::debug!(
                "{}: cluster-wide list refused ({reason}); trying each namespace",
                s.qualified()
            );
            let mut read = Vec::new();
            for ns in namespaces {
                match list_all(conn, s, Some(ns), None, &mut out, objects).await {
                    Ok(()) => read.push(Some(ns.as_str())),
                    Err(e) => record(&mut out, s, Some(ns), e),
                }
            }
            scopes = read;
        }
        Err(e) => {
            record(&mut out, s, scope, e);
            scopes.clear();
        }
    }
    if s.read == Read::Metadata && s.resource == "secrets" {
        // Metadata carries no type; the one type analyses need (token
        // Secrets, which hand out a service account's identity) is found
        // with a field selector, still without reading any value.
        let mut tokens = HashSet::new();
        for scope in scopes {
            if let Err(e) = token_secrets(conn, s, scope, &mut tokens).await {
                record(&mut out, s, scope, e);
            }
        }
        if !tokens.is_empty() {
            for text in out.files.values_mut() {
                *text = mark_tokens(text, &tokens);
            }
        }
    }
    out
}

fn record(out: &mut Listed, s: &Served, namespace: Option<&str>, e: RequestError) {
    if let RequestError::Status { code: 401, .. } = e {
        out.fatal = Some((format!("list {}", s.qualified()), e));
        return;
    }
    let (status, reason) = describe(&e);
    out.gaps.push(CoverageGap {
        group: s.group.clone(),
        resource: s.resource.clone(),
        verb: "list".into(),
        namespace: namespace.map(str::to_string),
        status,
        reason,
    });
}

/// Lists `s` (in `namespace`, or everywhere) page by page into `out`.
/// When the server forgets a continue token mid-way (410 Expired: the
/// list took longer than its compaction window), what was read is
/// dropped and the list is made again in one request, as client-go's
/// pager does; a half list would look complete to the analyses.
async fn list_all(
    conn: &Connection,
    s: &Served,
    namespace: Option<&str>,
    selector: Option<&str>,
    out: &mut Listed,
    objects: &AtomicUsize,
) -> Result<(), RequestError> {
    let mut page = Some(PAGE);
    loop {
        let mut read = Listed::default();
        match list_pages(conn, s, namespace, selector, page, &mut read, objects).await {
            Ok(()) => {
                for (file, text) in read.files {
                    out.files.entry(file).or_default().push_str(&text);
                }
                out.names.extend(read.names);
                return Ok(());
            }
            Err(RequestError::Status { code: 410, .. }) if page.is_some() => {
                let dropped: usize = read
                    .files
                    .values()
                    .map(|t| t.matches("---\n").count())
                    .sum();
                objects.fetch_sub(dropped, Ordering::Relaxed);
                tracing::info!(
                    "{}: continue token expired; listing again in one request",
                    s.qualified()
                );
                page = None;
            }
            Err(e) => return Err(e),
        }
    }
}

/// One paginated list (`limit` = `page`, or everything at once).
async fn list_pages(
    conn: &Connection,
    s: &Served,
    namespace: Option<&str>,
    selector: Option<&str>,
    page: Option<usize>,
    out: &mut Listed,
    objects: &AtomicUsize,
) -> Result<(), RequestError> {
    let accept = if s.read == Read::Metadata {
        METADATA_LIST
    } else {
        JSON
    };
    let api_version = s.api_version();
    let base = s.path(namespace);
    let only = conn.target.namespace.as_deref();
    let mut cont: Option<String> = None;
    loop {
        let mut query = Vec::new();
        if let Some(limit) = page {
            query.push(format!("limit={limit}"));
        }
        if let Some(sel) = selector {
            query.push(format!("labelSelector={}", encode(sel)));
        }
        if let Some(c) = &cont {
            query.push(format!("continue={}", encode(c)));
        }
        let path = if query.is_empty() {
            base.clone()
        } else {
            format!("{base}?{}", query.join("&"))
        };
        let text = conn.get(&path, accept).await?;
        let mut page: Value = serde_json::from_str(&text).map_err(|e| RequestError::Status {
            code: 0,
            reason: format!("the answer is not a list: {e}"),
        })?;
        let items = match page.get_mut("items").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        for mut item in items {
            // `-n` keeps the Namespace object of that namespace only.
            let name = item["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if s.kind == "Namespace" && only.is_some_and(|n| n != name) {
                continue;
            }
            trim(&mut item, &api_version, &s.kind, s.read);
            let ns = item["metadata"]["namespace"].as_str().map(str::to_string);
            // Namespaces name snapshot directories: a server must not be
            // able to write outside the snapshot with `../`.
            if ns
                .as_deref()
                .is_some_and(|n| !rampart_core::is_dns_label(n))
            {
                tracing::warn!(
                    "{}: skipped an object in namespace {ns:?}, not a valid namespace name",
                    s.qualified()
                );
                continue;
            }
            let file = match (&ns, s.namespaced) {
                (Some(ns), true) => format!("namespaces/{ns}/{}.yaml", s.qualified()),
                _ => format!("cluster/{}.yaml", s.qualified()),
            };
            out.files
                .entry(file)
                .or_default()
                .push_str(&document(&item));
            if s.kind == "Namespace" {
                out.names.push(name);
            }
            objects.fetch_add(1, Ordering::Relaxed);
        }
        let next = page["metadata"]["continue"]
            .as_str()
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        match next {
            None => return Ok(()),
            // A server handing back the token it was given would loop forever.
            Some(n) if cont.as_deref() == Some(n.as_str()) => {
                return Err(RequestError::Status {
                    code: 0,
                    reason: "the server returned the same continue token twice".into(),
                });
            }
            Some(n) => cont = Some(n),
        }
    }
}

/// (namespace, name) of every service-account token Secret.
async fn token_secrets(
    conn: &Connection,
    s: &Served,
    namespace: Option<&str>,
    found: &mut HashSet<(String, String)>,
) -> Result<(), RequestError> {
    let mut cont: Option<String> = None;
    loop {
        let mut path = format!(
            "{}?limit={PAGE}&fieldSelector={}",
            s.path(namespace),
            encode(&format!("type={TOKEN_TYPE}"))
        );
        if let Some(c) = &cont {
            path.push_str("&continue=");
            path.push_str(&encode(c));
        }
        let text = conn.get(&path, METADATA_LIST).await?;
        let page: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        for item in page["items"].as_array().into_iter().flatten() {
            let m = &item["metadata"];
            if let (Some(ns), Some(name)) = (m["namespace"].as_str(), m["name"].as_str()) {
                found.insert((ns.to_string(), name.to_string()));
            }
        }
        cont = page["metadata"]["continue"]
            .as_str()
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        if cont.is_none() {
            return Ok(());
        }
    }
}

/// Re-renders a file of Secret documents with `type` set on the tokens.
fn mark_tokens(text: &str, tokens: &HashSet<(String, String)>) -> String {
    let mut out = String::with_capacity(text.len());
    for doc in text.split("---\n").filter(|d| !d.trim().is_empty()) {
        let Ok(mut v) = serde_json::from_str::<Value>(doc) else {
            out.push_str("---\n");
            out.push_str(doc);
            continue;
        };
        let key = (
            v["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            v["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        if tokens.contains(&key) {
            if let Value::Object(o) = &mut v {
                o.insert("type".into(), Value::String(TOKEN_TYPE.into()));
            }
        }
        out.push_str(&document(&v));
    }
    out
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Collection {
    /// The collection as in-memory sources, named as they would be in a
    /// snapshot under `origin`, for the inventory loader.
    pub fn into_sources(self, origin: &str) -> Vec<rampart_core::source::SourceFile> {
        self.files
            .into_iter()
            .map(|(path, text)| rampart_core::source::SourceFile {
                name: format!("{origin}/{path}").into(),
                text,
            })
            .collect()
    }

    /// Writes the collection as a snapshot directory: `cluster.yaml`, then
    /// `cluster/<resource>.yaml` and `namespaces/<ns>/<resource>.yaml`.
    pub fn write(&self, dir: &std::path::Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (path, text) in &self.files {
            let file = dir.join(path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(file, text)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode("kubernetes.io/service-name=kubernetes"),
            "kubernetes.io%2Fservice-name%3Dkubernetes"
        );
    }

    #[test]
    fn tokens_are_marked_without_touching_other_secrets() {
        let a = document(
            &serde_json::json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"a","namespace":"x"}}),
        );
        let b = document(
            &serde_json::json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"b","namespace":"x"}}),
        );
        let tokens = HashSet::from([("x".to_string(), "b".to_string())]);
        let out = mark_tokens(&(a.clone() + &b), &tokens);
        assert!(out.starts_with(&a));
        assert!(out[a.len()..].contains("\"type\": \"kubernetes.io/service-account-token\""));
    }
}
