//! Reaching the API server: kubeconfig (or in-cluster) configuration, one
//! client, and errors a user can act on.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

/// Which cluster to talk to and how, as given on the command line.
#[derive(Clone, Debug)]
pub struct Target {
    /// `--kubeconfig`; otherwise `KUBECONFIG` (several files merged) or
    /// `~/.kube/config`, then the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`; otherwise the kubeconfig's current context.
    pub context: Option<String>,
    /// Limit to one namespace (`-n`); cluster-scoped kinds are still read.
    pub namespace: Option<String>,
    /// Longest wait for any one request.
    pub request_timeout: Duration,
    /// Also send one unauthenticated `GET /api` to learn whether the API
    /// server answers anonymous requests.
    pub probe_anonymous: bool,
    /// Also read `/metrics` for `apiserver_requested_deprecated_apis`.
    pub read_metrics: bool,
}

impl Default for Target {
    fn default() -> Self {
        Target {
            kubeconfig: None,
            context: None,
            namespace: None,
            request_timeout: Duration::from_secs(30),
            probe_anonymous: false,
            read_metrics: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("kubeconfig: {0}")]
    Kubeconfig(String),
    #[error("cannot reach the API server at {server}: {reason}")]
    Unreachable { server: String, reason: String },
    #[error(
        "the API server at {server} refused the credentials (401 Unauthorized); they may have expired: log in again or check the context's user"
    )]
    Unauthorized { server: String },
    #[error("the API server at {server} did not answer within {seconds} s (--request-timeout)")]
    Timeout { server: String, seconds: u64 },
    #[error("the API server at {server} answered {what}: {reason}")]
    Protocol {
        server: String,
        what: String,
        reason: String,
    },
}

/// An authenticated client and what it points at.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    /// The server URL from the configuration.
    pub server: String,
    /// The kubeconfig context name, or `in-cluster`.
    pub context: String,
    pub(crate) config: Config,
    pub(crate) target: Target,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("server", &self.server)
            .field("context", &self.context)
            .finish()
    }
}

/// Builds the client for `target`. Nothing is sent yet.
pub async fn connect(target: &Target) -> Result<Connection, ClusterError> {
    let (mut config, context) = load_config(target).await?;
    // Bounded waits everywhere: a black-holed address or a server that
    // accepts and never answers must end in an error, not a hang.
    config.connect_timeout = Some(Duration::from_secs(10).min(target.request_timeout));
    config.read_timeout = Some(target.request_timeout);
    config.write_timeout = Some(target.request_timeout);
    config.reset_reader_on_write = true;
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    // Building the client runs a kubeconfig `exec` credential plugin
    // synchronously (an SSO login can wait forever): off the async
    // threads, and bounded like any request.
    let build = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || Client::try_from(config))
    };
    let client = match tokio::time::timeout(target.request_timeout, build).await {
        Err(_) => {
            return Err(ClusterError::Kubeconfig(format!(
                "the credentials of the context took longer than {} s to obtain (a kubeconfig exec plugin waiting for a login?)",
                target.request_timeout.as_secs()
            )));
        }
        Ok(Err(e)) => {
            return Err(ClusterError::Kubeconfig(format!(
                "obtaining credentials failed: {e}"
            )));
        }
        Ok(Ok(Err(e))) => {
            return Err(ClusterError::Kubeconfig(format!(
                "cannot use the context's credentials: {}",
                error_chain(&e)
            )));
        }
        Ok(Ok(Ok(c))) => c,
    };
    Ok(Connection {
        client,
        server,
        context,
        config,
        target: target.clone(),
    })
}

async fn load_config(target: &Target) -> Result<(Config, String), ClusterError> {
    let options = KubeConfigOptions {
        context: target.context.clone(),
        ..Default::default()
    };
    let kubeconfig = match &target.kubeconfig {
        Some(path) => Some(
            Kubeconfig::read_from(path)
                .map_err(|e| ClusterError::Kubeconfig(format!("{}: {e}", path.display())))?,
        ),
        None => default_kubeconfig()?,
    };
    match kubeconfig {
        Some(k) => {
            let context = target
                .context
                .clone()
                .or_else(|| k.current_context.clone())
                .unwrap_or_default();
            if let Some(name) = &target.context {
                if !k.contexts.iter().any(|c| &c.name == name) {
                    let known: Vec<&str> = k.contexts.iter().map(|c| c.name.as_str()).collect();
                    return Err(ClusterError::Kubeconfig(format!(
                        "no context named `{name}` (contexts: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    )));
                }
            }
            let config = Config::from_custom_kubeconfig(k, &options)
                .await
                .map_err(|e| ClusterError::Kubeconfig(e.to_string()))?;
            Ok((config, context))
        }
        None => Config::incluster()
            .map(|c| (c, "in-cluster".to_string()))
            .map_err(|e| {
                ClusterError::Kubeconfig(format!(
                    "no kubeconfig found (KUBECONFIG, ~/.kube/config) and not running in a pod ({e}); give --kubeconfig"
                ))
            }),
    }
}

/// The kubeconfig kubectl would use: the files of `KUBECONFIG` that
/// exist, merged (missing ones skipped, as kubectl skips them), else
/// `~/.kube/config`; None when there is no file at all (inside a pod, the
/// service account is used then). A file that exists but cannot be read
/// is an error, never a silent switch to another cluster.
fn default_kubeconfig() -> Result<Option<Kubeconfig>, ClusterError> {
    let paths: Vec<PathBuf> = match std::env::var_os("KUBECONFIG") {
        Some(v) if !v.is_empty() => std::env::split_paths(&v).filter(|p| p.is_file()).collect(),
        _ => std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".kube/config"))
            .filter(|p| p.is_file())
            .into_iter()
            .collect(),
    };
    let mut merged: Option<Kubeconfig> = None;
    for path in paths {
        let k = Kubeconfig::read_from(&path)
            .map_err(|e| ClusterError::Kubeconfig(format!("{}: {e}", path.display())))?;
        merged = Some(match merged {
            None => k,
            Some(m) => m
                .merge(k)
                .map_err(|e| ClusterError::Kubeconfig(format!("{}: {e}", path.display())))?,
        });
    }
    Ok(merged)
}

impl Connection {
    /// GETs `path` with `accept`, bounded by the request timeout.
    pub(crate) async fn get(&self, path: &str, accept: &str) -> Result<String, RequestError> {
        let request = http::Request::get(path)
            .header(http::header::ACCEPT, accept)
            .body(Vec::new())
            .map_err(|e| RequestError::Transport(e.to_string()))?;
        self.send(&self.client, request).await
    }

    /// Sends `request` and returns the body of a 2xx answer. The HTTP
    /// status decides success and the error code (not the body: a proxy's
    /// JSON error without a `code` field is still a 401 or 403).
    async fn send(
        &self,
        client: &Client,
        request: http::Request<Vec<u8>>,
    ) -> Result<String, RequestError> {
        use http_body_util::BodyExt;
        let exchange = async {
            let response = client
                .send(request.map(kube::client::Body::from))
                .await
                .map_err(|e| RequestError::Transport(error_chain(&e)))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| RequestError::Transport(error_chain(&e)))?
                .to_bytes();
            let text = String::from_utf8_lossy(&body).into_owned();
            if status.is_success() {
                return Ok(text);
            }
            // A Kubernetes Status names the refusal; anything else is
            // summarised by its status line.
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let reason = v["message"]
                .as_str()
                .filter(|m| !m.is_empty())
                .or_else(|| v["reason"].as_str())
                .map_or_else(|| status.to_string(), str::to_string);
            Err(RequestError::Status {
                code: status.as_u16(),
                reason,
            })
        };
        match tokio::time::timeout(self.target.request_timeout, exchange).await {
            Err(_) => Err(RequestError::Timeout),
            Ok(result) => result,
        }
    }

    /// Turns a failed request into the error a user sees.
    pub(crate) fn fatal(&self, what: &str, e: RequestError) -> ClusterError {
        let server = self.server.clone();
        match e {
            RequestError::Timeout => ClusterError::Timeout {
                server,
                seconds: self.target.request_timeout.as_secs(),
            },
            RequestError::Status { code: 401, .. } => ClusterError::Unauthorized { server },
            RequestError::Status { code, reason } => ClusterError::Protocol {
                server,
                what: format!("{code} to {what}"),
                reason,
            },
            RequestError::Transport(reason) => ClusterError::Unreachable { server, reason },
        }
    }

    /// The status of an unauthenticated `GET /api`: the same server and
    /// trust, no credentials.
    pub(crate) async fn anonymous_status(&self) -> u16 {
        let mut config = self.config.clone();
        config.auth_info = Default::default();
        let Ok(client) = Client::try_from(config) else {
            return 0;
        };
        let request = match http::Request::get("/api").body(Vec::new()) {
            Ok(r) => r,
            Err(_) => return 0,
        };
        match self.send(&client, request).await {
            Ok(_) => 200,
            Err(RequestError::Status { code, .. }) => code,
            Err(_) => 0,
        }
    }
}

/// Why one request failed.
#[derive(Debug)]
pub(crate) enum RequestError {
    Timeout,
    Status { code: u16, reason: String },
    Transport(String),
}

/// The error and its causes on one line: kube's top-level errors alone
/// ("ServiceError: client error (Connect)") do not say what went wrong.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
