use crate::support::refs;
use rampart_core::rule::{Category, ParamDefault, ParamSpec, PssVersion};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "deprecated-api-version",
        title: "Object uses a deprecated or removed API version",
        severity: Severity::Medium,
        category: Category::Metadata,
        enabled_by_default: true,
        rationale: "An API version that Kubernetes no longer serves makes `kubectl apply` fail \
on clusters of that version: the manifest silently stops deploying, or blocks the cluster \
upgrade that brings security fixes. Older versions also default differently (for instance \
`extensions/v1beta1` Deployments had no progress deadline and kept every ReplicaSet). The \
table follows the Kubernetes deprecated API migration guide: every built-in API version \
removed up to v1.32 (no built-in API was removed from v1.33 to v1.36), with the version that \
deprecated it. At the `kubernetes-version` parameter (`latest`, or `v1.N` for the version \
you run or are upgrading to) an API version is reported as removed when that version no \
longer serves it, as deprecated when it still serves it with a deprecation warning, and not \
at all before that. PodSecurityPolicy is left to the `pod-security-policy` rule, which says \
more about it.",
        remediation: r#"Move the manifest to the replacement API version (`kubectl convert` helps), adjusting the fields that changed:

```yaml
apiVersion: networking.k8s.io/v1   # was extensions/v1beta1
kind: Ingress
spec:
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
```"#,
        references: &[refs::NSA_UPGRADING],
        params: &[ParamSpec {
            name: "kubernetes-version",
            description: "Kubernetes version to judge against: `latest` or `v1.N`.",
            default: ParamDefault::Str("latest"),
        }],
        pss: None,
    },
    check: Check::Object(check),
};

/// A built-in API version that Kubernetes stopped serving for some kinds.
struct Removed {
    api_version: &'static str,
    kinds: &'static [&'static str],
    deprecated_in: u32,
    removed_in: u32,
    replacement: &'static str,
}

const fn removed(
    api_version: &'static str,
    kinds: &'static [&'static str],
    deprecated_in: u32,
    removed_in: u32,
    replacement: &'static str,
) -> Removed {
    Removed {
        api_version,
        kinds,
        deprecated_in,
        removed_in,
        replacement,
    }
}

/// From the Kubernetes deprecated API migration guide.
const REMOVED: &[Removed] = &[
    // v1.16
    removed(
        "extensions/v1beta1",
        &["NetworkPolicy"],
        9,
        16,
        "networking.k8s.io/v1",
    ),
    removed(
        "extensions/v1beta1",
        &["DaemonSet", "Deployment", "ReplicaSet"],
        9,
        16,
        "apps/v1",
    ),
    removed(
        "apps/v1beta1",
        &[
            "Deployment",
            "StatefulSet",
            "ReplicaSet",
            "ControllerRevision",
        ],
        9,
        16,
        "apps/v1",
    ),
    removed(
        "apps/v1beta2",
        &[
            "DaemonSet",
            "Deployment",
            "StatefulSet",
            "ReplicaSet",
            "ControllerRevision",
        ],
        9,
        16,
        "apps/v1",
    ),
    // v1.22
    removed(
        "admissionregistration.k8s.io/v1beta1",
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
        16,
        22,
        "admissionregistration.k8s.io/v1",
    ),
    removed(
        "apiextensions.k8s.io/v1beta1",
        &["CustomResourceDefinition"],
        16,
        22,
        "apiextensions.k8s.io/v1",
    ),
    removed(
        "apiregistration.k8s.io/v1beta1",
        &["APIService"],
        19,
        22,
        "apiregistration.k8s.io/v1",
    ),
    removed(
        "authentication.k8s.io/v1beta1",
        &["TokenReview"],
        19,
        22,
        "authentication.k8s.io/v1",
    ),
    removed(
        "authorization.k8s.io/v1beta1",
        &[
            "LocalSubjectAccessReview",
            "SelfSubjectAccessReview",
            "SubjectAccessReview",
        ],
        19,
        22,
        "authorization.k8s.io/v1",
    ),
    removed(
        "certificates.k8s.io/v1beta1",
        &["CertificateSigningRequest"],
        19,
        22,
        "certificates.k8s.io/v1",
    ),
    removed(
        "coordination.k8s.io/v1beta1",
        &["Lease"],
        19,
        22,
        "coordination.k8s.io/v1",
    ),
    removed(
        "extensions/v1beta1",
        &["Ingress"],
        14,
        22,
        "networking.k8s.io/v1",
    ),
    removed(
        "networking.k8s.io/v1beta1",
        &["Ingress", "IngressClass"],
        19,
        22,
        "networking.k8s.io/v1",
    ),
    removed(
        "rbac.authorization.k8s.io/v1beta1",
        &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    removed(
        "scheduling.k8s.io/v1beta1",
        &["PriorityClass"],
        14,
        22,
        "scheduling.k8s.io/v1",
    ),
    removed(
        "storage.k8s.io/v1beta1",
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        19,
        22,
        "storage.k8s.io/v1",
    ),
    // v1.25
    removed("batch/v1beta1", &["CronJob"], 21, 25, "batch/v1"),
    removed(
        "discovery.k8s.io/v1beta1",
        &["EndpointSlice"],
        21,
        25,
        "discovery.k8s.io/v1",
    ),
    removed(
        "events.k8s.io/v1beta1",
        &["Event"],
        19,
        25,
        "events.k8s.io/v1",
    ),
    removed(
        "autoscaling/v2beta1",
        &["HorizontalPodAutoscaler"],
        22,
        25,
        "autoscaling/v2",
    ),
    removed(
        "policy/v1beta1",
        &["PodDisruptionBudget"],
        21,
        25,
        "policy/v1",
    ),
    removed(
        "node.k8s.io/v1beta1",
        &["RuntimeClass"],
        22,
        25,
        "node.k8s.io/v1",
    ),
    // v1.26
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        &["FlowSchema", "PriorityLevelConfiguration"],
        23,
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    removed(
        "autoscaling/v2beta2",
        &["HorizontalPodAutoscaler"],
        23,
        26,
        "autoscaling/v2",
    ),
    // v1.27
    removed(
        "storage.k8s.io/v1beta1",
        &["CSIStorageCapacity"],
        24,
        27,
        "storage.k8s.io/v1",
    ),
    // v1.29
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        &["FlowSchema", "PriorityLevelConfiguration"],
        26,
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    // v1.32
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        &["FlowSchema", "PriorityLevelConfiguration"],
        29,
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    let api_version = o.id.api_version.as_str();
    let Some(entry) = REMOVED
        .iter()
        .find(|r| r.api_version == api_version && r.kinds.contains(&o.kind()))
    else {
        return;
    };
    // An unparseable version is read as the newest, like PSA labels.
    let target = PssVersion::parse(ctx.params.str("kubernetes-version")).unwrap_or_default();
    let what = format!("{} {}: {api_version} {}", o.kind(), o.name(), o.kind());
    let message = if target.at_least(entry.removed_in) {
        format!(
            "{what} is no longer served since Kubernetes 1.{}; use {}",
            entry.removed_in, entry.replacement
        )
    } else if target.at_least(entry.deprecated_in) {
        format!(
            "{what} is deprecated since Kubernetes 1.{} and removed in 1.{}; use {}",
            entry.deprecated_in, entry.removed_in, entry.replacement
        )
    } else {
        return;
    };
    out.at("/apiVersion".into(), message);
}
