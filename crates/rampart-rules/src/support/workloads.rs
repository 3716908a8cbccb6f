//! Helpers for rules on pod templates beyond the Pod Security Standards.
