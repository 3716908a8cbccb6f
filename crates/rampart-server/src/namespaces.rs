//! Where the webhook gets Namespace objects: an AdmissionReview names the
//! request's namespace but does not carry it, and namespaceSelectors,
//! `namespaceObject` and the Pod Security namespace labels need it.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

/// What [`NamespaceSource::lookup`] returns: the Namespace object,
/// `Ok(None)` when there is no such namespace, or why it could not be
/// read.
pub type NamespaceLookup<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Value>, String>> + Send + 'a>>;

/// A source of Namespace objects by name, e.g. a cache of the cluster's
/// Namespaces (rampart-cluster's `NamespaceCache`) or a fixed set in
/// tests. The webhook bounds each lookup in time itself.
pub trait NamespaceSource: Send + Sync {
    /// The Namespace `name`, whole, as the API server returns it.
    fn lookup<'a>(&'a self, name: &'a str) -> NamespaceLookup<'a>;

    /// Whether the source can answer yet (its first list has been read):
    /// until then `/readyz` answers 503, so that the pod gets no requests
    /// through its Service that it would decide without namespaces.
    fn ready(&self) -> bool;
}
