//! rampart-cluster: live-cluster I/O. Connects with a kubeconfig (or the
//! in-cluster service account), discovers what the server serves, and
//! reads every object rampart's analyses need — read-only, paginated,
//! Secrets as metadata only — into text the inventory loader reads like
//! any manifest. The same text written to a directory is a snapshot, so
//! offline analysis of a snapshot equals live analysis. The admission
//! webhook's cache of Namespace objects ([`NamespaceCache`]) reads
//! through the same connection.

pub mod collect;
pub mod connect;
pub mod namespaces;
pub mod resources;

pub use collect::{Collection, INFO_FILE, Progress, collect};
pub use connect::{ClusterError, Connection, Target, connect};
pub use namespaces::NamespaceCache;
