//! Pod Security Standards: the exact inputs and allow-lists of Pod Security Admission checks.
