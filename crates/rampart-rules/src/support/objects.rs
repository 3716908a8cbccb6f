//! Helpers for rules on non-workload objects (Services, Ingresses, storage, metadata).
