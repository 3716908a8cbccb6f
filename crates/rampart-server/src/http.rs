//! Routes: the AdmissionReview endpoint, health probes and metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::decide::{Checks, Decider, Decision};
use crate::metrics::{ErrorKind, Metrics};
use crate::namespaces::NamespaceSource;
use crate::review;

pub struct State {
    pub decider: Arc<Decider>,
    pub metrics: Metrics,
    pub max_body_bytes: usize,
    pub decision_deadline: std::time::Duration,
    pub namespaces: Option<Arc<dyn NamespaceSource>>,
    /// Turns to decide: one per core for the rules-only path, and as many
    /// for the paths with policies. Rules and policies are CPU work; more
    /// threads than cores only share the cores and make every request in
    /// flight slower. Apart, so that traffic on the policies path (every
    /// kind, failing open) never queues a rules decision (pods, failing
    /// closed) past its deadline.
    pub rule_turns: Arc<tokio::sync::Semaphore>,
    pub policy_turns: Arc<tokio::sync::Semaphore>,
    /// Serving with the certificate loaded, and not shutting down.
    pub ready: AtomicBool,
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Reply {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn text(status: StatusCode, body: impl Into<String>) -> Reply {
    let mut body = body.into();
    body.push('\n');
    reply(status, "text/plain; charset=utf-8", body)
}

pub async fn handle(state: Arc<State>, req: Request<Incoming>) -> Reply {
    let path = req.uri().path();
    match (req.method(), path) {
        (&Method::POST, "/validate" | "/") => validate(state, req, Checks::All).await,
        (&Method::POST, "/validate/rules") => validate(state, req, Checks::Rules).await,
        (&Method::POST, "/validate/policies") => validate(state, req, Checks::Policies).await,
        (&Method::GET | &Method::HEAD, "/healthz") => text(StatusCode::OK, "ok"),
        (&Method::GET | &Method::HEAD, "/readyz") => {
            if !state.ready.load(Ordering::SeqCst) {
                text(StatusCode::SERVICE_UNAVAILABLE, "not ready: shutting down")
            } else if state.namespaces.as_ref().is_some_and(|n| !n.ready()) {
                text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "not ready: namespace cache not yet synced",
                )
            } else {
                text(StatusCode::OK, "ok")
            }
        }
        (&Method::GET | &Method::HEAD, "/metrics") => reply(
            StatusCode::OK,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            state.metrics.encode(),
        ),
        (_, "/validate" | "/validate/rules" | "/validate/policies" | "/") => allow(
            text(
                StatusCode::METHOD_NOT_ALLOWED,
                "POST an AdmissionReview here",
            ),
            "POST",
        ),
        (_, "/healthz" | "/readyz" | "/metrics") => {
            allow(text(StatusCode::METHOD_NOT_ALLOWED, "use GET"), "GET, HEAD")
        }
        _ => text(
            StatusCode::NOT_FOUND,
            "not found: POST /validate (or /validate/rules, /validate/policies), GET /healthz, /readyz or /metrics",
        ),
    }
}

fn allow(mut r: Reply, methods: &'static str) -> Reply {
    r.headers_mut()
        .insert(ALLOW, HeaderValue::from_static(methods));
    r
}

/// `application/json`, with any parameters (`; charset=utf-8`).
fn is_json(req: &Request<Incoming>) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

enum BodyError {
    TooLarge,
    Read(hyper::Error),
}

/// How much of an oversized body is read and discarded.
fn drain_limit(limit: usize) -> usize {
    limit.saturating_mul(4)
}

/// The body, up to `limit` bytes. Past the limit it is still read, and
/// discarded, up to [`drain_limit`]: closing a connection with unread data
/// resets it, and the client would get a broken pipe instead of the 413.
/// How long a request's body may take to arrive.
const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

async fn read_body(mut body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    let mut out = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(BodyError::Read)?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        seen = seen.saturating_add(data.len());
        if seen > drain_limit(limit) {
            return Err(BodyError::TooLarge);
        }
        if seen <= limit {
            out.extend_from_slice(&data);
        }
    }
    if seen > limit {
        return Err(BodyError::TooLarge);
    }
    Ok(Bytes::from(out))
}

async fn validate(state: Arc<State>, req: Request<Incoming>, checks: Checks) -> Reply {
    let started = std::time::Instant::now();
    let metrics = &state.metrics;
    if !is_json(&req) {
        metrics.error(ErrorKind::ContentType);
        return text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be an AdmissionReview with Content-Type: application/json",
        );
    }
    let limit = state.max_body_bytes;
    let too_large = || {
        metrics.error(ErrorKind::TooLarge);
        text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is over the {limit} byte limit"),
        )
    };
    // A declared length far over the limit is refused without reading
    // it; a little over, it is read and discarded (see `read_body`).
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > drain_limit(limit) as u64) {
        return too_large();
    }
    // A client that sends its body slowly holds a connection and up to
    // `limit` bytes: it gets as long as the API server would wait at most.
    let body =
        match tokio::time::timeout(BODY_READ_TIMEOUT, read_body(req.into_body(), limit)).await {
            Err(_) => {
                metrics.error(ErrorKind::Timeout);
                return text(StatusCode::REQUEST_TIMEOUT, "the body was not sent in time");
            }
            Ok(Ok(b)) => b,
            Ok(Err(BodyError::TooLarge)) => return too_large(),
            Ok(Err(BodyError::Read(e))) => {
                tracing::debug!("reading the request body failed: {e}");
                metrics.error(ErrorKind::Malformed);
                return text(StatusCode::BAD_REQUEST, "the body could not be read");
            }
        };
    let mut request = match review::parse(&body) {
        Ok(r) => r,
        Err(message) => {
            metrics.error(ErrorKind::Malformed);
            return text(StatusCode::BAD_REQUEST, message);
        }
    };
    drop(body);
    // The deadline covers the Namespace lookup and the decision together:
    // both are waited for while the API server's own timeout runs.
    let deadline = state.decision_deadline;
    let decide_by = tokio::time::Instant::now() + deadline;
    if let Some(source) = &state.namespaces {
        add_namespace(source.as_ref(), &mut request, deadline / 4, metrics).await;
    }
    let decider = state.decider.clone();
    let uid = request.uid.clone();
    let turns = match checks {
        Checks::Rules => state.rule_turns.clone(),
        Checks::All | Checks::Policies => state.policy_turns.clone(),
    };
    let late = state.clone();
    // Rules and policies are CPU work: off the connection tasks' threads,
    // one per core at a time (waiting for a turn counts against the
    // deadline). The turn is held until the evaluation ends, even when
    // the answer was given up on (the deadline, a client that hung up):
    // abandoned work cannot pile up beyond the cores.
    let decision_task = async move {
        let turn = turns.acquire_owned().await;
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let d = decider.decide_with(&request, checks);
            // Nobody waits with a deadline on the policies path (see
            // below): an answer this late was dropped by the API server,
            // which applied its failurePolicy. Say so.
            let took = started.elapsed();
            if checks == Checks::Policies && took > deadline {
                late.metrics.error(ErrorKind::Timeout);
                tracing::warn!(
                    uid = %request.uid,
                    "the policies took {took:?}, past the {deadline:?} deadline: the API server has likely applied the webhook's failurePolicy"
                );
            }
            (request, d)
        })
        .await
    };
    // Past the deadline the answer is a denial that says why, before the
    // API server gives up on its own (its timeoutSeconds) and applies
    // failurePolicy without a message. The evaluation cannot be
    // interrupted and finishes on its thread. The policies path is sent
    // every write of every kind, under a failurePolicy its operator chose
    // (Ignore as shipped): a denial here would override it, so there the
    // API server's own timeout and failurePolicy decide.
    let timed = match checks {
        Checks::Policies => Ok(decision_task.await),
        Checks::All | Checks::Rules => tokio::time::timeout_at(decide_by, decision_task).await,
    };
    let decided = match timed {
        Ok(d) => d,
        Err(_) => {
            metrics.error(ErrorKind::Timeout);
            tracing::error!(uid = %uid, "no decision within {deadline:?}; denied");
            let d = Decision {
                allowed: false,
                code: 500,
                message: format!(
                    "rampart: no decision within {deadline:?} (a policy is too slow); denied, as failurePolicy Fail would"
                ),
                ..Decision::default()
            };
            return reply(
                StatusCode::OK,
                "application/json",
                review::respond(&uid, &d),
            );
        }
    };
    let (request, decision) = match decided {
        Ok(r) => r,
        Err(e) => {
            metrics.error(ErrorKind::Internal);
            tracing::error!("the decision failed: {e}");
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "rampart could not decide this request; see the webhook's log",
            );
        }
    };
    let elapsed = started.elapsed();
    // Anyone who reaches the port can send any kind: labelling by it would
    // let them grow the metrics without bound. Workload kinds (what the
    // built-in rules judge) are named, every other kind is `other`.
    let kind = if crate::decide::carries_pods(&request) {
        request.kind.name.as_str()
    } else {
        "other"
    };
    metrics.request(
        request.operation.as_str(),
        kind,
        decision.allowed,
        elapsed.as_secs_f64(),
    );
    for (name, action) in &decision.hits {
        metrics.decision(name, *action);
    }
    for _ in 0..decision.policy_errors {
        metrics.error(ErrorKind::Policy);
    }
    tracing::info!(
        uid = %request.uid,
        operation = request.operation.as_str(),
        kind = %request.kind.name,
        namespace = %request.namespace,
        name = %request.name,
        allowed = decision.allowed,
        warnings = decision.warnings.len(),
        duration_us = elapsed.as_micros() as u64,
        "admission decision"
    );
    reply(
        StatusCode::OK,
        "application/json",
        review::respond(&request.uid, &decision),
    )
}

/// Sets the Namespace object of a namespaced request from `source`,
/// waiting at most `timeout`. Requests on Namespaces themselves are left
/// alone: the object in the request is the Namespace (newer than any
/// cache, which is why the API server matches them on it too), and the
/// policies read it there. When the lookup fails the request is decided
/// without it, as the API server decides when it cannot read the
/// namespace: a policy that selects by namespace labels then fails under
/// its failurePolicy.
async fn add_namespace(
    source: &dyn NamespaceSource,
    request: &mut rampart_policy::Request,
    timeout: std::time::Duration,
    metrics: &Metrics,
) {
    let on_namespace = request.resource.group.is_empty() && request.resource.name == "namespaces";
    if request.namespace.is_empty() || request.namespace_object.is_some() || on_namespace {
        return;
    }
    let failure = match tokio::time::timeout(timeout, source.lookup(&request.namespace)).await {
        Ok(Ok(ns)) => {
            request.namespace_object = ns;
            return;
        }
        Ok(Err(e)) => e,
        Err(_) => format!("no answer within {timeout:?}"),
    };
    metrics.error(ErrorKind::Namespace);
    tracing::warn!(
        uid = %request.uid,
        namespace = %request.namespace,
        "cannot look up the request's namespace; deciding without it: {failure}"
    );
}
