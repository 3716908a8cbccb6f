//! What admission control does with a verdict, and the `admission:`
//! section of `.rampart.yaml` that sets it for the webhook.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::finding::Severity;

/// What a failed check asks of an admission request: a built-in rule's
/// action (from the config), a ValidatingAdmissionPolicy binding's
/// `validationActions`, or a Gatekeeper constraint's `enforcementAction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Reject the request.
    Deny,
    /// Admit it with a warning shown to the client.
    Warn,
    /// Admit it and record an audit annotation.
    Audit,
}

/// `admission:` in the config file. Every field is optional; a flag of
/// `rampart admission serve` given on the command line wins over it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdmissionConfig {
    /// Built-in rule findings at or above this severity deny; below, warn.
    pub deny_at: Option<Severity>,
    /// Per built-in rule: its action whatever the finding's severity.
    #[serde(default)]
    pub actions: BTreeMap<String, Action>,
    /// Namespaces admitted without evaluation (replaces the default,
    /// `kube-system`, when given).
    pub exempt_namespaces: Option<Vec<String>>,
    /// Users admitted without evaluation (exact names).
    #[serde(default)]
    pub exempt_users: Vec<String>,
    /// Members of these groups are admitted without evaluation.
    #[serde(default)]
    pub exempt_groups: Vec<String>,
    /// What to do with the ReplicaSets, Pods and Jobs that workload
    /// controllers create from templates the webhook already judged.
    #[serde(default)]
    pub controller_created: ControllerCreated,
}

/// `admission.controllerCreated`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ControllerCreated {
    /// Record their findings as audit annotations: the owner's template
    /// was judged when the owner was created or updated, and a denial
    /// would reach only the controller (a rollout stalls unseen).
    #[default]
    Audit,
    /// Judge them like any object, as Pod Security Admission judges pods:
    /// owners admitted before the webhook (or a stricter setting) then
    /// cannot create new pods until they are fixed.
    Judge,
}
