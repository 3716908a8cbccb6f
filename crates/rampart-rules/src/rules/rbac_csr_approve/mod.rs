use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::APPROVE_CSRS;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-csr-approve",
        title: "Binding lets someone approve certificate signing requests",
        severity: Severity::Critical,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "An approved CertificateSigningRequest for the `kubernetes.io/kube-apiserver-client` \
signer is signed by the cluster's CA with whatever user name and groups it asks for, and \
Kubernetes has no way to revoke the certificate before it expires. Only `system:masters` is \
refused (by the `CertificateSubjectRestriction` admission plugin, on by default): any other \
user or group — one bound to `cluster-admin`, `system:nodes`, a controller's identity — can be \
claimed. Approving takes two permissions, both checked by the API server: `update` or `patch` on \
`certificatesigningrequests/approval`, and `approve` on `signers` for the request's signer name \
(or its `kubernetes.io/*` wildcard), both in `certificates.k8s.io`; the request itself can come \
from anyone allowed to create CSRs. Reported: a binding whose role grants both, `approve` on \
every signer or on `kubernetes.io/kube-apiserver-client` / `kubernetes.io/*` by name — which \
only a ClusterRoleBinding can, as both resources are cluster-scoped. Not reported: a binding \
holding only one of the two, a subject holding the two through different bindings, and \
approval limited to other signers (kubelet serving certificates, say).",
        remediation: r#"Leave approval to the controller manager and to dedicated approvers that
name the one signer they handle (kubelet serving certificates, for instance); people should not
approve client certificates for the API server:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kubelet-serving-approver
rules:
- apiGroups: ["certificates.k8s.io"]
  resources: ["certificatesigningrequests"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["certificates.k8s.io"]
  resources: ["certificatesigningrequests/approval"]
  verbs: ["update"]
- apiGroups: ["certificates.k8s.io"]
  resources: ["signers"]
  resourceNames: ["kubernetes.io/kubelet-serving"]
  verbs: ["approve"]
```"#,
        references: &[refs::CIS_5_1_11, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &APPROVE_CSRS);
}
