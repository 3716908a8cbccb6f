//! The webhook's Prometheus metrics (OpenMetrics text at `/metrics`).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use rampart_policy::Action;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    kind: String,
    allowed: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    /// `rule`, `vap` or `gatekeeper`.
    source: String,
    name: String,
    action: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    kind: String,
}

/// What went wrong, as the `kind` label of `rampart_admission_errors_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not `application/json` (415).
    ContentType,
    /// Over the body limit (413).
    TooLarge,
    /// Not an AdmissionReview v1 (400).
    Malformed,
    /// A custom policy could not be evaluated.
    Policy,
    /// The decision itself failed (500).
    Internal,
    /// A renewed certificate or key could not be loaded.
    TlsReload,
    /// A body that did not arrive in time (408), or a decision past its
    /// deadline (denied).
    Timeout,
    /// A request's Namespace could not be looked up (it was decided
    /// without it).
    Namespace,
}

impl ErrorKind {
    fn as_str(self) -> &'static str {
        match self {
            ErrorKind::ContentType => "content_type",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Malformed => "malformed",
            ErrorKind::Policy => "policy",
            ErrorKind::Internal => "internal",
            ErrorKind::TlsReload => "tls_reload",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Namespace => "namespace",
        }
    }
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    duration: Histogram,
    decisions: Family<DecisionLabels, Counter>,
    errors: Family<ErrorLabels, Counter>,
}

fn action_str(a: Action) -> &'static str {
    match a {
        Action::Deny => "deny",
        Action::Warn => "warn",
        Action::Audit => "audit",
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("rampart_admission");
        let requests = Family::<RequestLabels, Counter>::default();
        // A decision takes from tens of microseconds (one pod, built-in
        // rules) to seconds (a slow policy near the API server's timeout):
        // 100µs doubling 17 times reaches 6.5 s.
        let duration = Histogram::new(exponential_buckets(0.0001, 2.0, 17));
        let decisions = Family::<DecisionLabels, Counter>::default();
        let errors = Family::<ErrorLabels, Counter>::default();
        registry.register(
            "requests",
            "AdmissionReview requests decided, by operation, kind and outcome",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to decide one AdmissionReview request",
            duration.clone(),
        );
        registry.register(
            "decisions",
            "Rule findings and policy verdicts, by source, name and action",
            decisions.clone(),
        );
        registry.register(
            "errors",
            "Requests that could not be decided, policy failures, Namespace lookup failures and certificate reload failures",
            errors.clone(),
        );
        // Every error kind is shown from the start, so that alerts on
        // `increase(...)` see the first error.
        for kind in [
            ErrorKind::ContentType,
            ErrorKind::TooLarge,
            ErrorKind::Malformed,
            ErrorKind::Policy,
            ErrorKind::Internal,
            ErrorKind::TlsReload,
            ErrorKind::Timeout,
            ErrorKind::Namespace,
        ] {
            let _ = errors.get_or_create(&ErrorLabels {
                kind: kind.as_str().into(),
            });
        }
        Metrics {
            registry,
            requests,
            duration,
            decisions,
            errors,
        }
    }

    pub fn request(&self, operation: &str, kind: &str, allowed: bool, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                operation: operation.into(),
                kind: kind.into(),
                allowed: allowed.to_string(),
            })
            .inc();
        self.duration.observe(seconds);
    }

    /// One hit of a decision: `name` is a rule id, or `vap.<policy>` /
    /// `gatekeeper.<kind>` for custom policies.
    pub fn decision(&self, name: &str, action: Action) {
        let (source, name) = match name.split_once('.') {
            Some((s @ ("vap" | "gatekeeper"), rest)) => (s, rest),
            _ => ("rule", name),
        };
        self.decisions
            .get_or_create(&DecisionLabels {
                source: source.into(),
                name: name.into(),
                action: action_str(action).into(),
            })
            .inc();
    }

    pub fn error(&self, kind: ErrorKind) {
        self.errors
            .get_or_create(&ErrorLabels {
                kind: kind.as_str().into(),
            })
            .inc();
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_labels() {
        let m = Metrics::new();
        m.request("CREATE", "Pod", false, 0.00005);
        m.decision("privileged-container", Action::Deny);
        m.decision("vap.require-labels", Action::Warn);
        m.error(ErrorKind::Malformed);
        let text = m.encode();
        assert!(text.contains(
            r#"rampart_admission_requests_total{operation="CREATE",kind="Pod",allowed="false"} 1"#
        ), "{text}");
        assert!(
            text.contains(r#"rampart_admission_request_duration_seconds_bucket{le="0.0001"} 1"#),
            "{text}"
        );
        assert!(text.contains(
            r#"rampart_admission_decisions_total{source="rule",name="privileged-container",action="deny"} 1"#
        ), "{text}");
        assert!(text.contains(
            r#"rampart_admission_decisions_total{source="vap",name="require-labels",action="warn"} 1"#
        ), "{text}");
        assert!(
            text.contains(r#"rampart_admission_errors_total{kind="malformed"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"rampart_admission_errors_total{kind="tls_reload"} 0"#),
            "{text}"
        );
    }
}
