//! rampart's validating admission webhook.
//!
//! The API server POSTs an AdmissionReview v1 to `/validate` (or `/`); the
//! [`Decider`] runs the same built-in rules as `rampart scan` on the
//! request's object, plus the custom policies, and the response allows,
//! denies, warns or adds audit annotations. `/healthz`, `/readyz` and
//! `/metrics` serve the kubelet's probes and Prometheus. With a
//! [`NamespaceSource`], a namespaced request's Namespace object is looked
//! up before deciding, for namespaceSelectors, `namespaceObject` and the
//! Pod Security namespace labels.
//!
//! TLS is rustls with ring; the certificate and key files are re-read when
//! they change, so a renewed certificate is served to new connections
//! without a restart. SIGTERM or SIGINT stops accepting connections and
//! drains the ones in flight for the grace period.

mod decide;
mod http;
mod metrics;
mod namespaces;
mod review;
mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

pub use decide::{
    AdmissionSettings, Checks, Decider, Decision, MANIFEST_ONLY_RULES, PolicyEvaluator,
};
pub use namespaces::{NamespaceLookup, NamespaceSource};

/// The default `max_body_bytes`: an UPDATE's AdmissionReview carries the
/// object and the old object, each up to the API server's own 3 MiB
/// request limit, plus the review around them.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// How often the certificate and key files are checked for a change.
const RELOAD_INTERVAL: Duration = Duration::from_secs(2);
/// A client that does not finish its TLS handshake or send its headers in
/// this time is dropped (the API server's own webhook timeout is at most
/// 30 s).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

pub struct ServeOptions {
    pub listen: SocketAddr,
    /// PEM certificate chain; reloaded when the file changes.
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    pub decider: Arc<Decider>,
    /// Largest AdmissionReview body accepted; default
    /// [`DEFAULT_MAX_BODY_BYTES`].
    pub max_body_bytes: usize,
    /// How long requests in flight may take after SIGTERM/SIGINT.
    pub shutdown_grace: Duration,
    /// How long rules and policies may take on one request before it is
    /// denied with a reason; default [`DEFAULT_DECISION_DEADLINE`]. The
    /// Namespace lookup counts against it.
    pub decision_deadline: Duration,
    /// Where the Namespace objects of requests come from; None: requests
    /// are decided without them (a namespaceSelector cannot match).
    pub namespaces: Option<Arc<dyn NamespaceSource>>,
}

/// Under the shortest `timeoutSeconds` rampart ships (5 s in
/// deploy/webhook.yaml), so that a slow policy is answered with a reason
/// before the API server gives up and applies failurePolicy silently.
pub const DEFAULT_DECISION_DEADLINE: Duration = Duration::from_secs(4);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("TLS: {0}")]
    Tls(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot watch for SIGTERM/SIGINT: {0}")]
    Signal(std::io::Error),
}

/// Blocks until SIGTERM/SIGINT, then drains in-flight requests: a runtime
/// of its own running [`serve_async`].
pub fn serve(opts: ServeOptions) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(serve_async(opts))
}

/// [`serve`] on the caller's tokio runtime, for callers that run other
/// tasks beside the server (a Kubernetes client must be built inside the
/// runtime it is used on).
pub async fn serve_async(opts: ServeOptions) -> Result<(), ServeError> {
    let signal = termination()?;
    Server::bind(opts).await?.run(signal).await;
    Ok(())
}

/// Completes at the first SIGTERM (the kubelet stopping the pod) or SIGINT.
fn termination() -> Result<impl Future<Output = ()>, ServeError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(ServeError::Signal)?;
    let mut int = signal(SignalKind::interrupt()).map_err(ServeError::Signal)?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
            _ = int.recv() => tracing::info!("SIGINT: shutting down"),
        }
    })
}

/// A bound, not yet serving webhook: [`serve`] in two steps, for callers
/// that need the address (port 0) or their own shutdown signal.
pub struct Server {
    listener: TcpListener,
    store: Arc<tls::CertStore>,
    config: Arc<tokio_rustls::rustls::ServerConfig>,
    state: Arc<http::State>,
    grace: Duration,
}

impl Server {
    /// Loads the certificate and binds the address.
    pub async fn bind(opts: ServeOptions) -> Result<Server, ServeError> {
        let store =
            Arc::new(tls::CertStore::open(&opts.tls_cert, &opts.tls_key).map_err(ServeError::Tls)?);
        let config = tls::server_config(store.clone()).map_err(ServeError::Tls)?;
        let listener =
            TcpListener::bind(opts.listen)
                .await
                .map_err(|source| ServeError::Listen {
                    addr: opts.listen,
                    source,
                })?;
        Ok(Server {
            listener,
            store,
            config,
            state: Arc::new(http::State {
                decider: opts.decider,
                metrics: metrics::Metrics::new(),
                max_body_bytes: opts.max_body_bytes,
                decision_deadline: opts.decision_deadline,
                namespaces: opts.namespaces,
                rule_turns: Arc::new(tokio::sync::Semaphore::new(cores())),
                policy_turns: Arc::new(tokio::sync::Semaphore::new(cores())),
                ready: AtomicBool::new(false),
            }),
            grace: opts.shutdown_grace,
        })
    }

    /// The address actually bound (the port chosen for port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then stops accepting, lets
    /// requests in flight finish for the grace period and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let Server {
            listener,
            store,
            config,
            state,
            grace,
        } = self;
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let reloader = tokio::spawn(reload_loop(store, state.clone()));
        let graceful = GracefulShutdown::new();
        state.ready.store(true, Ordering::SeqCst);
        tracing::info!(
            "admission webhook listening on https://{}",
            listener
                .local_addr()
                .map_or_else(|e| e.to_string(), |a| a.to_string())
        );
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => {
                    let stream = match accepted {
                        Ok((stream, _)) => stream,
                        Err(e) => {
                            // Out of file descriptors and the like: wait a
                            // moment rather than spinning.
                            tracing::warn!("accept failed: {e}");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let watcher = graceful.watcher();
                    let acceptor = acceptor.clone();
                    let state = state.clone();
                    tokio::spawn(async move {
                        let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                            Ok(Ok(tls)) => tls,
                            Ok(Err(e)) => {
                                tracing::debug!("TLS handshake failed: {e}");
                                return;
                            }
                            Err(_) => {
                                tracing::debug!("TLS handshake timed out");
                                return;
                            }
                        };
                        let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                        builder
                            .http1()
                            .timer(TokioTimer::new())
                            .header_read_timeout(HANDSHAKE_TIMEOUT);
                        let service = hyper::service::service_fn(move |req| {
                            let state = state.clone();
                            async move { Ok::<_, std::convert::Infallible>(http::handle(state, req).await) }
                        });
                        let conn = builder.serve_connection(TokioIo::new(tls), service).into_owned();
                        if let Err(e) = watcher.watch(conn).await {
                            tracing::debug!("connection ended: {e}");
                        }
                    });
                }
            }
        }
        // Probes on open connections now fail, so the endpoint is taken out
        // of the Service while requests drain.
        state.ready.store(false, Ordering::SeqCst);
        drop(listener);
        reloader.abort();
        let open = graceful.count();
        if open > 0 {
            tracing::info!("draining {open} open connection(s) for up to {grace:?}");
        }
        if tokio::time::timeout(grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("grace period of {grace:?} over; closing the remaining connections");
        }
    }
}

/// The cores this process may use (its CPU quota in a container).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Checks the certificate files every [`RELOAD_INTERVAL`].
async fn reload_loop(store: Arc<tls::CertStore>, state: Arc<http::State>) {
    let mut tick = tokio::time::interval(RELOAD_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let store = store.clone();
        let Ok(result) = tokio::task::spawn_blocking(move || store.check()).await else {
            continue;
        };
        match result {
            tls::Reload::Unchanged => {}
            tls::Reload::Reloaded => tracing::info!("reloaded the TLS certificate and key"),
            tls::Reload::Failed(e) => {
                state.metrics.error(metrics::ErrorKind::TlsReload);
                tracing::error!("keeping the previous TLS certificate: {e}");
            }
        }
    }
}
