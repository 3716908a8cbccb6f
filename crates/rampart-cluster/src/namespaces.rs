//! A cache of the cluster's Namespace objects, for the admission webhook:
//! an AdmissionReview names the request's namespace but does not carry
//! the Namespace, whose labels namespaceSelectors, `namespaceObject` and
//! the Pod Security labels need.
//!
//! The whole list is read at start and again every interval (a full list
//! of Namespaces is small and cheap, and a relist needs no watch
//! bookkeeping); each relist replaces the map, so deleted namespaces go.
//! A name not in the map is read with a live GET and added: a Pod is
//! often created right after its namespace, before the next relist. The
//! API server's own admission plugins do the same (lister first, then a
//! GET on a miss).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::connect::{ClusterError, Connection, RequestError};

/// How often the whole list is read again by default.
pub const DEFAULT_RELIST_INTERVAL: Duration = Duration::from_secs(10);
/// How long a live GET on a miss may take by default: it runs while an
/// admission request waits.
pub const DEFAULT_GET_TIMEOUT: Duration = Duration::from_secs(2);

/// Namespaces per list page.
const PAGE: u32 = 500;
const JSON: &str = "application/json";

/// How long a live GET's "no such namespace" is believed: requests naming
/// a made-up namespace (anyone who reaches the webhook can send them) cost
/// one GET a second per name, not one each; and a namespace created right
/// after it was looked up is seen a second later at most. The API server
/// admits nothing into a namespace that does not exist, so no real request
/// waits on such an entry for long.
const ABSENT_FOR: Duration = Duration::from_secs(1);
/// After a live GET fails (not a 404), misses are errors at once for this
/// long instead of each waiting out its own GET.
const GET_BACKOFF: Duration = Duration::from_secs(1);
/// No more "absent" entries are kept past this many entries in all.
const MAX_ENTRIES: usize = 65_536;

#[derive(Clone)]
enum Entry {
    Present(Arc<Value>),
    /// A live GET answered 404 at this instant.
    Absent(Instant),
}

type Map = HashMap<String, Entry>;

/// The Namespaces of one cluster, by name, each the whole object as the
/// API server returns it (Namespaces hold no secrets).
pub struct NamespaceCache {
    conn: Connection,
    map: RwLock<Arc<Map>>,
    /// The first full list succeeded.
    synced: AtomicBool,
    /// When a live GET last failed (see [`GET_BACKOFF`]).
    get_failed: Mutex<Option<Instant>>,
    get_timeout: Duration,
}

impl std::fmt::Debug for NamespaceCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamespaceCache")
            .field("server", &self.conn.server)
            .field("namespaces", &self.snapshot().len())
            .field("ready", &self.ready())
            .finish()
    }
}

impl NamespaceCache {
    /// An empty cache over `conn`; nothing is read until [`relist`] or
    /// [`run`].
    ///
    /// [`relist`]: NamespaceCache::relist
    /// [`run`]: NamespaceCache::run
    pub fn new(conn: Connection) -> NamespaceCache {
        NamespaceCache {
            conn,
            map: RwLock::new(Arc::new(Map::new())),
            synced: AtomicBool::new(false),
            get_failed: Mutex::new(None),
            get_timeout: DEFAULT_GET_TIMEOUT,
        }
    }

    /// Bounds each live GET on a miss (default [`DEFAULT_GET_TIMEOUT`]).
    pub fn with_get_timeout(mut self, timeout: Duration) -> NamespaceCache {
        self.get_timeout = timeout;
        self
    }

    /// True once a full list has succeeded.
    pub fn ready(&self) -> bool {
        self.synced.load(Ordering::SeqCst)
    }

    /// The names known now, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .snapshot()
            .iter()
            .filter(|(_, e)| matches!(e, Entry::Present(_)))
            .map(|(name, _)| name.clone())
            .collect();
        names.sort();
        names
    }

    fn snapshot(&self) -> Arc<Map> {
        // The map is only ever replaced whole, so a poisoned lock still
        // holds a consistent one.
        match self.map.read() {
            Ok(m) => m.clone(),
            Err(e) => e.into_inner().clone(),
        }
    }

    /// The map for writing. Both writers (a relist and a GET on a miss)
    /// change it under this lock, so that one finishing beside the other
    /// cannot undo it.
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Arc<Map>> {
        match self.map.write() {
            Ok(g) => g,
            Err(e) => e.into_inner(),
        }
    }

    /// Reads every Namespace (paginated) and replaces the map with them;
    /// returns how many there are. On failure the map is kept as it was.
    pub async fn relist(&self) -> Result<usize, ClusterError> {
        let listed = match self.list(Some(PAGE)).await {
            // The server compacted the list's revision between pages: one
            // request for everything, as `collect` does.
            Err(RequestError::Status { code: 410, .. }) => self.list(None).await,
            other => other,
        };
        let items = listed.map_err(|e| self.conn.fatal("the list of namespaces", e))?;
        let mut map = Map::with_capacity(items.len());
        for item in items {
            if let Some(name) = item["metadata"]["name"].as_str() {
                map.insert(name.to_string(), Entry::Present(Arc::new(item)));
            }
        }
        let n = map.len();
        *self.write() = Arc::new(map);
        self.synced.store(true, Ordering::SeqCst);
        Ok(n)
    }

    /// Every Namespace, `page` at a time (or in one answer).
    async fn list(&self, page: Option<u32>) -> Result<Vec<Value>, RequestError> {
        let mut items = Vec::new();
        let mut cont: Option<String> = None;
        loop {
            // kube builds (and encodes) the query as for its own lists.
            let mut params = kube::api::ListParams::default();
            if let Some(limit) = page {
                params = params.limit(limit);
            }
            if let Some(c) = &cont {
                params = params.continue_token(c);
            }
            let path = kube::core::Request::new("/api/v1/namespaces")
                .list(&params)
                .map_err(|e| RequestError::Transport(e.to_string()))?
                .uri()
                .to_string();
            let text = self.conn.get(&path, JSON).await?;
            let mut list: Value =
                serde_json::from_str(&text).map_err(|e| RequestError::Status {
                    code: 0,
                    reason: format!("the answer is not a list: {e}"),
                })?;
            if let Some(Value::Array(page_items)) = list.get_mut("items").map(Value::take) {
                // Items of a typed list carry no kind; the GET of one
                // Namespace does, and both should look the same.
                items.extend(page_items.into_iter().map(with_kind));
            }
            let next = list["metadata"]["continue"]
                .as_str()
                .filter(|c| !c.is_empty())
                .map(str::to_string);
            match next {
                None => return Ok(items),
                // A server handing back the token it was given would loop
                // forever.
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

    /// The Namespace `name`: from the map, else from a live GET (bounded
    /// by the GET timeout) whose answer is kept. `Ok(None)` when it does
    /// not exist; `Err` says why it could not be read.
    pub async fn lookup(&self, name: &str) -> Result<Option<Arc<Value>>, String> {
        match self.snapshot().get(name) {
            Some(Entry::Present(ns)) => return Ok(Some(ns.clone())),
            Some(Entry::Absent(at)) if at.elapsed() < ABSENT_FOR => return Ok(None),
            _ => {}
        }
        // Anything that is not a namespace name cannot exist, and must not
        // reach the URL path.
        if !rampart_core::is_dns_label(name) {
            return Ok(None);
        }
        // Just after a GET failed the API server is likely out of reach:
        // each request would wait out its own GET for the same answer.
        if self
            .last_get_failure()
            .is_some_and(|at| at.elapsed() < GET_BACKOFF)
        {
            return Err(format!(
                "namespace {name} is not cached, and reading namespaces from {} failed less than {GET_BACKOFF:?} ago",
                self.conn.server
            ));
        }
        let path = format!("/api/v1/namespaces/{name}");
        let answer = tokio::time::timeout(self.get_timeout, self.conn.get(&path, JSON)).await;
        self.set_get_failure(match &answer {
            Err(_) => true,
            Ok(Err(RequestError::Status { code: 404, .. })) | Ok(Ok(_)) => false,
            Ok(Err(_)) => true,
        });
        let text = match answer {
            Err(_) => {
                return Err(format!(
                    "reading namespace {name} from {} took over {:?}",
                    self.conn.server, self.get_timeout
                ));
            }
            Ok(Err(RequestError::Status { code: 404, .. })) => {
                let mut map = self.write();
                if map.len() < MAX_ENTRIES {
                    Arc::make_mut(&mut map).insert(name.to_string(), Entry::Absent(Instant::now()));
                }
                return Ok(None);
            }
            Ok(Err(e)) => {
                return Err(format!(
                    "reading namespace {name}: {}",
                    self.conn.fatal("a namespace read", e)
                ));
            }
            Ok(Ok(text)) => text,
        };
        let ns: Value = serde_json::from_str(&text)
            .map_err(|e| format!("reading namespace {name}: the answer is not JSON: {e}"))?;
        if ns["metadata"]["name"].as_str() != Some(name) {
            return Err(format!(
                "reading namespace {name}: the answer is not that Namespace"
            ));
        }
        let ns = Arc::new(with_kind(ns));
        // Readers keep the map they hold: it is copied only while one is.
        Arc::make_mut(&mut self.write()).insert(name.to_string(), Entry::Present(ns.clone()));
        Ok(Some(ns))
    }

    fn last_get_failure(&self) -> Option<Instant> {
        *self.get_failed.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_get_failure(&self, failed: bool) {
        *self.get_failed.lock().unwrap_or_else(|e| e.into_inner()) = failed.then(Instant::now);
    }

    /// Relists every `interval`, forever (until the task is dropped or
    /// aborted); the first list is read at once unless [`ready`] already.
    /// A failed relist keeps the previous map and is logged when the
    /// state changes (the first failure, then the recovery), not at every
    /// interval.
    ///
    /// [`ready`]: NamespaceCache::ready
    pub async fn run(self: Arc<Self>, interval: Duration) {
        let start = if self.ready() {
            tokio::time::Instant::now() + interval
        } else {
            tokio::time::Instant::now()
        };
        let mut tick = tokio::time::interval_at(start, interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut was_failing = false;
        loop {
            tick.tick().await;
            let first = !self.ready();
            let result = self.relist().await;
            let failed_before = std::mem::replace(&mut was_failing, result.is_err());
            match result {
                Ok(n) => {
                    if failed_before {
                        tracing::info!("namespace cache: relisting works again ({n} namespaces)");
                    } else if first {
                        tracing::info!("namespace cache: {n} namespaces");
                    } else {
                        tracing::debug!("namespace cache: relisted {n} namespaces");
                    }
                }
                Err(e) => {
                    if !failed_before {
                        tracing::warn!(
                            "namespace cache: relisting failed, keeping the namespaces last read and retrying every {interval:?}: {e}"
                        );
                    } else {
                        tracing::debug!("namespace cache: relisting still fails: {e}");
                    }
                }
            }
        }
    }
}

/// `item` with `apiVersion: v1` and `kind: Namespace`, as a GET returns it,
/// without `metadata.managedFields`: field ownership is bookkeeping no
/// policy reads, often larger than the rest of the object, and it would be
/// copied into every decision's inventory.
fn with_kind(mut item: Value) -> Value {
    if let Value::Object(m) = &mut item {
        m.entry("apiVersion")
            .or_insert_with(|| Value::String("v1".into()));
        m.entry("kind")
            .or_insert_with(|| Value::String("Namespace".into()));
        if let Some(Value::Object(meta)) = m.get_mut("metadata") {
            meta.remove("managedFields");
        }
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_items_get_the_kind_a_get_has() {
        let v = with_kind(serde_json::json!({"metadata": {"name": "a",
            "labels": {"team": "x"}, "managedFields": [{"manager": "kubectl"}]}}));
        assert_eq!(v["kind"], "Namespace");
        assert_eq!(v["apiVersion"], "v1");
        assert_eq!(
            v["metadata"],
            serde_json::json!({"name": "a", "labels": {"team": "x"}})
        );
    }
}
