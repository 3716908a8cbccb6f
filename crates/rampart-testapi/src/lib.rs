//! rampart-testapi: a local Kubernetes API server for tests and
//! benchmarks.
//!
//! It serves, over a real socket (HTTPS by default, HTTP/1.1 and HTTP/2),
//! the read-only subset of the Kubernetes API that rampart uses:
//! discovery (`/version`, `/api`, `/apis`, `/api/v1`, `/apis/{g}/{v}`,
//! legacy and aggregated), lists with `limit`/`continue` and label/field
//! selectors, single GETs, metadata-only answers
//! (`as=PartialObjectMetadata[List]`), 401 for bad tokens, 403 for chosen
//! resources and 405 for anything that would write. Objects come from
//! fixture YAML read by rampart-core's loader, so the server holds exactly
//! what rampart would read from the same files; they are serialized once
//! at startup and lists are slices, so 100k objects serve quickly.
//!
//! ```no_run
//! # fn main() -> Result<(), String> {
//! use rampart_testapi::{Options, objects_from_paths, small_cluster_dir, start_blocking};
//! let server = start_blocking(Options {
//!     objects: objects_from_paths(&[small_cluster_dir()])?,
//!     token: Some("secret-token".into()),
//!     ..Options::default()
//! })?;
//! let kubeconfig = std::env::temp_dir().join("kubeconfig");
//! server
//!     .write_kubeconfig(&kubeconfig, "test", Some("secret-token"))
//!     .map_err(|e| e.to_string())?;
//! // ... point kube-rs or kubectl at `kubeconfig`, then inspect what they asked:
//! for r in server.requests() {
//!     println!("{} {} ({:?})", r.method, r.path_and_query, r.accept);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Dropping the [`Running`] server stops it.

mod http;
mod resources;
mod selector;
mod store;
pub mod synthetic;
mod tls;

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub use synthetic::synthetic;

/// How to run a server.
#[derive(Clone, Debug)]
pub struct Options {
    /// The objects served: full Kubernetes objects with `apiVersion` and
    /// `kind` (see [`objects_from_paths`] and [`synthetic()`]). A kind the
    /// server does not serve is a startup error; an old apiVersion of a
    /// served kind (`extensions/v1beta1` Ingress) is served at the current
    /// one. CustomResourceDefinitions among them add their resources.
    pub objects: Vec<Value>,
    /// `gitVersion` of `/version`, e.g. `v1.33.2`.
    pub git_version: String,
    /// The bearer token every request must carry (except the public paths
    /// `/version`, `/healthz`, `/livez`, `/readyz`, and `/api` when
    /// `anonymous_api`). None: no authentication.
    pub token: Option<String>,
    /// The user the token authenticates as, named in 403 messages.
    pub user: String,
    /// Whether an anonymous `GET /api` succeeds (200) rather than 401.
    pub anonymous_api: bool,
    /// Resources whose reads are forbidden (403).
    pub forbidden: Vec<Forbidden>,
    /// HTTPS with a fresh CA ([`Running::ca_pem`]); plain HTTP otherwise.
    pub tls: bool,
    /// Accept connections (and complete TLS handshakes) but never answer:
    /// for client timeout tests.
    pub stall: bool,
    /// Answer aggregated discovery (`apidiscovery.k8s.io/v2`) on `/api`
    /// and `/apis` when asked, as every apiserver since 1.30 does; when
    /// false, only the legacy documents (clients fall back to them).
    pub aggregated_discovery: bool,
    /// Answer every request carrying a `continue` token with 410 Expired,
    /// as the apiserver does once etcd has compacted the list's revision.
    pub expire_continue: bool,
    /// The Prometheus text served at `/metrics` (the apiserver's own
    /// metrics, e.g. `apiserver_requested_deprecated_apis`); None: 404.
    pub metrics: Option<String>,
    /// Where to listen; the default is 127.0.0.1 on a free port.
    pub listen: SocketAddr,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            objects: Vec::new(),
            git_version: "v1.33.2".into(),
            token: None,
            user: "system:serviceaccount:rampart:rampart".into(),
            anonymous_api: false,
            forbidden: Vec::new(),
            tls: true,
            stall: false,
            aggregated_discovery: true,
            expire_continue: false,
            metrics: None,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        }
    }
}

/// Reads of `resource` in API `group` (`""` for core) are answered 403,
/// everywhere or, with `namespace`, in that namespace — and then also
/// cluster-wide, since listing across namespaces needs every namespace,
/// as RBAC decides it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forbidden {
    pub group: String,
    pub resource: String,
    pub namespace: Option<String>,
}

impl std::str::FromStr for Forbidden {
    type Err = String;

    /// `RESOURCE[.GROUP][@NAMESPACE]`: `secrets`, `secrets@kube-system`,
    /// `roles.rbac.authorization.k8s.io`, `deployments.apps@prod`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (what, namespace) = match s.split_once('@') {
            Some((w, ns)) if !ns.is_empty() => (w, Some(ns.to_string())),
            Some(_) => return Err(format!("{s:?}: empty namespace after @")),
            None => (s, None),
        };
        let (resource, group) = what.split_once('.').unwrap_or((what, ""));
        if resource.is_empty() {
            return Err(format!(
                "{s:?}: expected RESOURCE[.GROUP][@NAMESPACE], e.g. secrets or deployments.apps@prod"
            ));
        }
        Ok(Forbidden {
            group: group.to_string(),
            resource: resource.to_string(),
            namespace,
        })
    }
}

/// Who made a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// The right bearer token (or any, when the server has no token).
    Token,
    /// A token other than the server's, or another kind of credentials.
    BadToken,
}

/// One request the server answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// e.g. `/api/v1/secrets?limit=500`.
    pub path_and_query: String,
    /// The `Accept` header, if any: tests prove secrets were only ever
    /// read as `as=PartialObjectMetadataList`.
    pub accept: Option<String>,
    pub caller: Caller,
    /// The HTTP status answered.
    pub status: u16,
}

/// A server that is running; dropping it stops the server.
pub struct Running {
    addr: SocketAddr,
    tls: bool,
    ca_pem: Option<String>,
    state: Arc<http::State>,
    shutdown: watch::Sender<bool>,
    /// The server's own thread and runtime, for [`start_blocking`].
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running").field("url", &self.url()).finish()
    }
}

/// Builds the server and starts it on the current tokio runtime.
pub async fn start(opts: Options) -> Result<Running, String> {
    let Options {
        objects,
        git_version,
        token,
        user,
        anonymous_api,
        forbidden,
        tls,
        stall,
        aggregated_discovery,
        expire_continue,
        metrics,
        listen,
    } = opts;
    let store = store::Store::build(objects)?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let certs = if tls { Some(tls::generate()?) } else { None };
    let state = Arc::new(http::State {
        store: RwLock::new(Arc::new(store)),
        git_version,
        token,
        user,
        anonymous_api,
        aggregated_discovery,
        expire_continue,
        metrics,
        forbidden,
        server_address: addr.to_string(),
        log: Mutex::new(Vec::new()),
    });
    let (shutdown, stopped) = watch::channel(false);
    let acceptor = certs
        .as_ref()
        .map(|c| tokio_rustls::TlsAcceptor::from(c.config.clone()));
    tokio::spawn(accept_loop(
        listener,
        state.clone(),
        acceptor,
        stall,
        stopped,
    ));
    Ok(Running {
        addr,
        tls,
        ca_pem: certs.map(|c| c.ca_pem),
        state,
        shutdown,
        thread: None,
    })
}

/// [`start`] on a thread and runtime of the server's own, for tests that
/// are not async (or that block, e.g. running kubectl). Dropping the
/// result stops the server and joins the thread.
pub fn start_blocking(opts: Options) -> Result<Running, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("rampart-testapi".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(format!("cannot start a tokio runtime: {e}")));
                    return;
                }
            };
            runtime.block_on(async move {
                match start(opts).await {
                    Ok(running) => {
                        let mut stopped = running.shutdown.subscribe();
                        if tx.send(Ok(running)).is_ok() {
                            // Until the Running is dropped (or told to stop).
                            let _ = stopped.wait_for(|stop| *stop).await;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            });
        })
        .map_err(|e| format!("cannot start the server thread: {e}"))?;
    let mut running = rx
        .recv()
        .map_err(|_| "the server thread ended before starting".to_string())??;
    running.thread = Some(thread);
    Ok(running)
}

async fn accept_loop(
    listener: TcpListener,
    state: Arc<http::State>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    stall: bool,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            // A send or the sender's drop: either way, stop.
            _ = stopped.changed() => return,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors and the like: wait a moment
                    // rather than spinning.
                    Err(_) => {
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(
                    stream,
                    state.clone(),
                    acceptor.clone(),
                    stall,
                    stopped.clone(),
                ));
            }
        }
    }
}

async fn connection(
    stream: TcpStream,
    state: Arc<http::State>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    stall: bool,
    mut stopped: watch::Receiver<bool>,
) {
    let work = async move {
        match acceptor {
            Some(acceptor) => {
                if let Ok(tls) = acceptor.accept(stream).await {
                    serve_io(tls, state, stall).await;
                }
            }
            None => serve_io(stream, state, stall).await,
        }
    };
    tokio::select! {
        _ = work => {}
        _ = stopped.wait_for(|stop| *stop) => {}
    }
}

async fn serve_io<S>(io: S, state: Arc<http::State>, stall: bool)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    if stall {
        // Keep the connection open, read nothing, answer nothing.
        let _held = io;
        std::future::pending::<()>().await;
        return;
    }
    let service = service_fn(move |req: hyper::Request<Incoming>| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(http::serve(&state, req.method(), req.uri(), req.headers())) }
    });
    // HTTP/1.1 or HTTP/2 (ALPN `h2`, or the h2c preface on plain HTTP).
    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(io), service)
        .await;
}

impl Running {
    /// `https://127.0.0.1:PORT` (or `http://` without TLS).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The CA that signed the server's certificate, as PEM; None without TLS.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Forgets the requests recorded so far.
    pub fn clear_requests(&self) {
        if let Ok(mut l) = self.state.log.lock() {
            l.clear();
        }
    }

    /// A kubeconfig for this server: one cluster, user and context named
    /// `context_name`, the CA inline (`certificate-authority-data`), and
    /// `token` as the user's bearer token.
    pub fn kubeconfig(&self, context_name: &str, token: Option<&str>) -> String {
        use base64::Engine;
        // Scalars as JSON strings: valid YAML, and safe whatever they hold.
        let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
        let name = q(context_name);
        let mut out = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
        out.push_str(&format!(
            "- name: {name}\n  cluster:\n    server: {}\n",
            q(&self.url())
        ));
        if let Some(ca) = &self.ca_pem {
            let data = base64::engine::general_purpose::STANDARD.encode(ca);
            out.push_str(&format!("    certificate-authority-data: {}\n", q(&data)));
        }
        out.push_str(&format!(
            "contexts:\n- name: {name}\n  context:\n    cluster: {name}\n    user: {name}\n"
        ));
        out.push_str(&format!(
            "current-context: {name}\nusers:\n- name: {name}\n"
        ));
        match token {
            Some(t) => out.push_str(&format!("  user:\n    token: {}\n", q(t))),
            None => out.push_str("  user: {}\n"),
        }
        out
    }

    /// Writes [`Running::kubeconfig`] to `path`.
    pub fn write_kubeconfig(
        &self,
        path: &Path,
        context_name: &str,
        token: Option<&str>,
    ) -> std::io::Result<()> {
        std::fs::write(path, self.kubeconfig(context_name, token))
    }

    /// Serves `objects` from now on instead of the objects it was started
    /// with, as if they had been created, changed and deleted: for
    /// clients that relist. Requests already answering finish with the
    /// old objects. The list resourceVersion still grows.
    pub fn replace_objects(&self, objects: Vec<Value>) -> Result<(), String> {
        let mut store = store::Store::build(objects)?;
        let mut current = match self.state.store.write() {
            Ok(g) => g,
            Err(e) => e.into_inner(),
        };
        let rv = |s: &str| s.parse::<u64>().unwrap_or(0);
        let next = rv(&current.resource_version) + 1;
        if rv(&store.resource_version) < next {
            store.resource_version = next.to_string();
        }
        *current = Arc::new(store);
        Ok(())
    }

    /// Stops the server (as dropping it does).
    pub fn shutdown(self) {}
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads fixture files and directories with rampart-core's loader (the
/// same YAML semantics rampart applies) into objects for
/// [`Options::objects`]. Any error-level diagnostic fails the whole load.
pub fn objects_from_paths(paths: &[PathBuf]) -> Result<Vec<Value>, String> {
    let inputs: Vec<rampart_core::source::Input> = paths
        .iter()
        .map(|p| rampart_core::source::Input::Path(p.clone()))
        .collect();
    let inventory =
        rampart_core::Inventory::load(&inputs, rampart_core::yaml::Limits::default(), &|_| false);
    objects_of(inventory)
}

/// [`objects_from_paths`] for YAML already in memory.
pub fn objects_from_yaml(text: &str) -> Result<Vec<Value>, String> {
    let inventory = rampart_core::Inventory::from_sources(
        vec![rampart_core::source::SourceFile {
            name: Arc::from("<fixtures>"),
            text: text.to_string(),
        }],
        Vec::new(),
        rampart_core::yaml::Limits::default(),
    );
    objects_of(inventory)
}

fn objects_of(inventory: rampart_core::Inventory) -> Result<Vec<Value>, String> {
    let errors: Vec<String> = inventory
        .diagnostics
        .iter()
        .filter(|d| d.level == rampart_core::Level::Error)
        .map(|d| {
            let at = d.location();
            if at.is_empty() {
                d.message.clone()
            } else {
                format!("{at}: {}", d.message)
            }
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    Ok(inventory.objects.iter().map(|o| o.root.to_json()).collect())
}

/// The "small cluster" fixture directory shipped with this crate (two
/// namespaces, a Deployment with its ReplicaSet and Pods, a Secret, RBAC,
/// a NetworkPolicy, two Nodes), for other crates' tests.
pub fn small_cluster_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/small-cluster")
}
