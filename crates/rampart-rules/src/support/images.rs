//! Image references, registries and pull policy.
