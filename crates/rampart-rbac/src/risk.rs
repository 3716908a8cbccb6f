//! The risky permissions: each an exact set of verb/resource pairs that
//! lets its holder read credentials, run code as someone else, or grant
//! itself more. Rules report them, the escalation graph follows them, and
//! the workload join asks them of service accounts.

use rayon::prelude::*;

use crate::grants::{Grant, Probe};
use crate::model::{Binding, Model};

/// A risky permission: held when any probe matches, or, with
/// `all_of`, when every probe does (through the same binding).
#[derive(Clone, Copy, Debug)]
pub struct Risk {
    /// Its position in [`ALL`].
    pub index: usize,
    /// What it lets the holder do, as a sentence fragment.
    pub what: &'static str,
    pub probes: &'static [Probe],
    pub all_of: bool,
}

const WRITE: &[&str] = &["create", "update", "patch"];

/// `*` verbs on `*` resources in the core (or every) API group: every
/// permission there is, impersonating `system:masters` included.
pub const FULL_CONTROL: Risk = Risk {
    index: 0,
    what: "do anything",
    probes: &[Probe::new(&["*"], "", &["*"])],
    all_of: false,
};

/// `get`, `list` and `watch` all return secret contents.
pub const READ_SECRETS: Risk = Risk {
    index: 1,
    what: "read Secrets (service account tokens included)",
    probes: &[Probe::new(&["get", "list", "watch"], "", &["secrets"])],
    all_of: false,
};

pub const CREATE_TOKENS: Risk = Risk {
    index: 2,
    what: "mint tokens for service accounts",
    probes: &[Probe::new(&["create"], "", &["serviceaccounts/token"])],
    all_of: false,
};

/// Creating a pod (directly or through any controller) runs it as any
/// service account of the namespace and mounts any Secret there; changing
/// a pod's image runs new code with its identity.
pub const WORKLOAD_WRITE: Risk = Risk {
    index: 3,
    what: "run pods as any service account where they may (create or change workloads)",
    probes: &[
        Probe::new(&["create"], "", &["pods"]),
        Probe::new(&["update", "patch"], "", &["pods"]),
        Probe::new(WRITE, "", &["replicationcontrollers"]),
        Probe::new(
            WRITE,
            "apps",
            &["deployments", "daemonsets", "statefulsets", "replicasets"],
        ),
        Probe::new(WRITE, "batch", &["jobs", "cronjobs"]),
    ],
    all_of: false,
};

/// Exec, attach and port-forward over WebSockets are authorised as `get`,
/// over SPDY as `create`; either is enough on most clusters.
pub const POD_EXEC: Risk = Risk {
    index: 4,
    what: "run commands in, attach to or port-forward into running pods",
    probes: &[
        Probe::new(
            &["create", "get"],
            "",
            &["pods/exec", "pods/attach", "pods/portforward"],
        ),
        Probe::new(&["update", "patch"], "", &["pods/ephemeralcontainers"]),
    ],
    all_of: false,
};

/// Even `get` on `nodes/proxy` reaches the kubelet API (`/exec`, `/run`),
/// bypassing admission and audit.
pub const NODES_PROXY: Risk = Risk {
    index: 5,
    what: "run commands in any pod through the kubelet API (nodes/proxy), unaudited",
    probes: &[Probe::new(&["get", "create"], "", &["nodes/proxy"])],
    all_of: false,
};

pub const CREATE_PERSISTENT_VOLUMES: Risk = Risk {
    index: 6,
    what: "create PersistentVolumes (a hostPath volume mounts any node directory)",
    probes: &[Probe::new(&["create"], "", &["persistentvolumes"])],
    all_of: false,
};

/// `escalate` lifts the check that a role may only hold what its writer
/// holds; `bind` lifts the same check for bindings.
/// `bind` is authorised with the name of the role being bound: a grant
/// limited to the roles that hold everything (`cluster-admin`, `admin`)
/// still binds them.
pub const ESCALATE_OR_BIND: Risk = Risk {
    index: 7,
    what: "grant any permission (escalate or bind on roles)",
    probes: &[
        Probe::new(
            &["escalate"],
            "rbac.authorization.k8s.io",
            &["clusterroles", "roles"],
        ),
        Probe::new(
            &["bind"],
            "rbac.authorization.k8s.io",
            &["clusterroles", "roles"],
        )
        .or_named(&["cluster-admin", "admin"]),
    ],
    all_of: false,
};

pub const BINDINGS_WRITE: Risk = Risk {
    index: 8,
    what: "create or change role bindings",
    probes: &[Probe::new(
        WRITE,
        "rbac.authorization.k8s.io",
        &["clusterrolebindings", "rolebindings"],
    )],
    all_of: false,
};

/// Impersonation is authorised with the impersonated name, so a grant
/// limited to `system:masters` (the group that bypasses authorization) is
/// as dangerous as one on every group.
pub const IMPERSONATE: Risk = Risk {
    index: 9,
    what: "act as other users, groups or service accounts (impersonate)",
    probes: &[
        Probe::new(&["impersonate"], "", &["users", "serviceaccounts"]),
        Probe::new(&["impersonate"], "", &["groups"]).or_named(&["system:masters"]),
        Probe::new(&["impersonate"], "authentication.k8s.io", &["uids"]),
    ],
    all_of: false,
};

/// Approving a CSR for the kube-apiserver-client signer issues a client
/// certificate for any user and group, `system:masters` included.
pub const APPROVE_CSRS: Risk = Risk {
    index: 10,
    what: "approve certificate signing requests (a client certificate for any identity)",
    probes: &[
        Probe::new(
            &["update", "patch"],
            "certificates.k8s.io",
            &["certificatesigningrequests/approval"],
        ),
        // The signer that issues client certificates to the API server, by
        // name or by its domain wildcard (the two names Kubernetes checks).
        Probe::new(&["approve"], "certificates.k8s.io", &["signers"])
            .or_named(&["kubernetes.io/kube-apiserver-client", "kubernetes.io/*"]),
    ],
    all_of: true,
};

pub const ADMISSION_WRITE: Risk = Risk {
    index: 11,
    what: "change or remove admission control (webhooks and admission policies)",
    probes: &[Probe::new(
        &["create", "update", "patch", "delete"],
        "admissionregistration.k8s.io",
        &[
            "mutatingwebhookconfigurations",
            "validatingwebhookconfigurations",
            "validatingadmissionpolicies",
            "validatingadmissionpolicybindings",
            "mutatingadmissionpolicies",
            "mutatingadmissionpolicybindings",
        ],
    )],
    all_of: false,
};

pub const CRD_WRITE: Risk = Risk {
    index: 12,
    what: "create, change or delete CustomResourceDefinitions",
    probes: &[Probe::new(
        &["create", "update", "patch", "delete"],
        "apiextensions.k8s.io",
        &["customresourcedefinitions"],
    )],
    all_of: false,
};

/// Namespace labels set the Pod Security level and feed NetworkPolicy
/// namespace selectors.
pub const NAMESPACE_WRITE: Risk = Risk {
    index: 13,
    what: "change namespaces (Pod Security labels, NetworkPolicy selectors)",
    probes: &[Probe::new(&["update", "patch"], "", &["namespaces"])],
    all_of: false,
};

pub const STATUS_WRITE: Risk = Risk {
    index: 14,
    what: "rewrite the status of pods, services or nodes",
    probes: &[Probe::new(
        &["update", "patch"],
        "",
        &["pods/status", "services/status", "nodes/status"],
    )],
    all_of: false,
};

/// Every risk, each at its `index`.
pub const ALL: &[&Risk] = &[
    &FULL_CONTROL,
    &READ_SECRETS,
    &CREATE_TOKENS,
    &WORKLOAD_WRITE,
    &POD_EXEC,
    &NODES_PROXY,
    &CREATE_PERSISTENT_VOLUMES,
    &ESCALATE_OR_BIND,
    &BINDINGS_WRITE,
    &IMPERSONATE,
    &APPROVE_CSRS,
    &ADMISSION_WRITE,
    &CRD_WRITE,
    &NAMESPACE_WRITE,
    &STATUS_WRITE,
];

/// The permissions that, held by a workload's service account, hand
/// anyone who compromises that workload more than the workload itself.
pub const WORKLOAD_RISKS: &[&Risk] = &[
    &FULL_CONTROL,
    &ESCALATE_OR_BIND,
    &IMPERSONATE,
    &APPROVE_CSRS,
    &NODES_PROXY,
    &READ_SECRETS,
    &CREATE_TOKENS,
    &WORKLOAD_WRITE,
    &POD_EXEC,
    &BINDINGS_WRITE,
    &ADMISSION_WRITE,
];

impl Model {
    /// The grants by which binding `b` holds `risk`, or `None`. The risks
    /// of every grant class are worked out once, in parallel, on first
    /// use: each RBAC rule of a scan asks about every binding.
    pub fn binding_risk(&self, b: &Binding, risk: &Risk) -> Option<Vec<Grant>> {
        let classes = self.grant_classes();
        let table = self.risk_grants.get_or_init(|| {
            classes
                .representative
                .par_iter()
                .map(|&b| {
                    let b = &self.bindings[b];
                    ALL.iter().map(|r| self.evaluate_risk(b, r)).collect()
                })
                .collect()
        });
        table[classes.of_binding[b.index]][risk.index].clone()
    }

    fn evaluate_risk(&self, b: &Binding, risk: &Risk) -> Option<Vec<Grant>> {
        if risk.all_of {
            risk.probes
                .iter()
                .map(|p| self.binding_grants(b, p))
                .collect()
        } else {
            self.binding_grants_any(b, risk.probes).map(|g| vec![g])
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Model;
    use crate::tests::inventory;

    /// Bindings of one role share their risks, except where the namespace's
    /// own name meets a `resourceNames` list.
    #[test]
    fn risks_follow_each_bindings_namespace_where_names_matter() {
        let text = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: label-shop}
rules:
- {apiGroups: [""], resources: ["namespaces"], verbs: ["patch"], resourceNames: ["shop"]}
- {apiGroups: [""], resources: ["pods"], verbs: ["create"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: in-shop, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: label-shop}
subjects: [{kind: User, name: u}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: in-web, namespace: web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: label-shop}
subjects: [{kind: User, name: u}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: everywhere}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: label-shop}
subjects: [{kind: User, name: u}]
"#;
        let m = Model::build(&inventory(text));
        let held: Vec<(bool, bool)> = m
            .bindings
            .iter()
            .map(|b| {
                (
                    m.binding_risk(b, &super::NAMESPACE_WRITE).is_some(),
                    m.binding_risk(b, &super::WORKLOAD_WRITE).is_some(),
                )
            })
            .collect();
        // Cluster-wide first (ClusterRoleBindings are read first): the
        // named patch needs the name; the RoleBinding in shop has it.
        assert_eq!(held, [(false, true), (true, true), (false, true)]);
    }

    #[test]
    fn every_risk_sits_at_its_index() {
        for (i, r) in super::ALL.iter().enumerate() {
            assert_eq!(r.index, i, "{}", r.what);
        }
    }
}
