use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::{
    APPROVE_CSRS, BINDINGS_WRITE, ESCALATE_OR_BIND, FULL_CONTROL, IMPERSONATE, NODES_PROXY, Risk,
};
use rampart_rbac::{Binding, Model, Role, Scope, Subject};

use crate::support::{rbac, refs};

/// The permissions that make any identity an administrator, wherever bound.
const ESCALATION: &[&Risk] = &[
    &FULL_CONTROL,
    &ESCALATE_OR_BIND,
    &IMPERSONATE,
    &APPROVE_CSRS,
    &NODES_PROXY,
    &BINDINGS_WRITE,
];

const WRITE_VERBS: &[&str] = &["*", "create", "update", "patch", "delete", "deletecollection"];

/// Resources whose writes change nothing in the cluster: Events record,
/// the review APIs answer a question (`create` on them persists nothing).
const NOT_WRITES: &[&str] = &[
    "events",
    "tokenreviews",
    "subjectaccessreviews",
    "selfsubjectaccessreviews",
    "selfsubjectrulesreviews",
    "localsubjectaccessreviews",
    "selfsubjectreviews",
];

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-cicd-admin",
        title: "CI/CD identity has admin-level access",
        severity: Severity::Critical,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "A CI/CD system runs code from every branch, pull request and third-party \
action or plugin its pipelines pull in, and stores its cluster credentials where many people \
and tools can reach them; it is among the most attacked identities of a cluster. A pipeline \
identity that can write anything cluster-wide, or that holds a permission that leads to \
everything (full control, `escalate`/`bind`, `impersonate`, approving CSRs, `nodes/proxy`, \
writing role bindings), turns one malicious commit into a cluster takeover. A subject is taken \
for a CI/CD identity when its name, or a service account's namespace, contains one of the \
`patterns` (case-insensitive: `gitlab` matches `sa:gitlab-runner:runner` and \
`user:gitlab-ci@example.iam.gserviceaccount.com`). It is reported, at that subject, when a \
binding gives it a write verb (`create`, `update`, `patch`, `delete`, `deletecollection`, `*`) \
on any resource through a ClusterRoleBinding (every namespace), or one of those escalation \
permissions through any binding; rules limited by `resourceNames`, and writes that change \
nothing (Events, TokenReviews, SubjectAccessReviews and the other review APIs), do not count \
as write access. Kubernetes' own bindings and component identities (`system:*` users and groups) are \
not reported. GitOps controllers (Argo CD, Flux) deploy everything by design, but do not need \
to do it as cluster administrators: give them RoleBindings in the namespaces they manage \
(Argo CD's `AppProject` `destinations` and namespaced installs, Flux's per-tenant service \
accounts with `spec.serviceAccountName` on each Kustomization/HelmRelease). Where the broad \
grant is deliberate, exempt the binding with the annotation \
`ignore-check.rampart.dev/rbac-cicd-admin: \"<reason>\"`.",
        remediation: r#"Bind the pipeline's identity in the namespaces it deploys to, with a role
that writes only the kinds it ships; for Flux, let each tenant's Kustomization
impersonate a namespaced service account instead of the controller's own:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: shop
rules:
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "update", "patch"]
- apiGroups: [""]
  resources: ["services", "configmaps"]
  verbs: ["get", "list", "watch", "create", "update", "patch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: gitlab-deployer
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: deployer
subjects:
- kind: ServiceAccount
  name: gitlab-runner
  namespace: gitlab
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: shop
  namespace: shop
spec:
  serviceAccountName: shop-reconciler
```"#,
        references: &[refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[ParamSpec {
            name: "patterns",
            description: "Substrings (case-insensitive) of the names of CI/CD identities: a \
user, group or service account name, or a service account's namespace, containing one is \
checked.",
            default: ParamDefault::List(&[
                "gitlab",
                "gitlab-runner",
                "gitlab-agent",
                "github",
                "actions-runner",
                "arc-runner",
                "jenkins",
                "argocd",
                "argo-cd",
                "argocd-application-controller",
                "flux-system",
                "kustomize-controller",
                "helm-controller",
                "tekton-pipelines",
                "spinnaker",
                "circleci",
                "buildkite",
                "drone",
                "harness",
                "octopus",
                "teamcity",
                "azure-pipelines",
                "vsts",
                "bitbucket",
                "concourse",
                "codefresh",
            ]),
        }],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let patterns: Vec<String> = ctx
        .params
        .list("patterns")
        .iter()
        .map(|p| p.trim().to_lowercase())
        // An empty pattern would match every name.
        .filter(|p| !p.is_empty())
        .collect();
    if patterns.is_empty() {
        return;
    }
    let model = rbac::model(ctx, out);
    for b in model.bindings.iter().filter(|b| !b.stock) {
        // The grant is the binding's, the same for each of its subjects:
        // worked out once, for the first subject that looks like CI/CD.
        let mut access: Option<Option<String>> = None;
        for (i, s) in rbac::distinct_subjects(b) {
            if s.is_component() {
                continue;
            }
            let Some(pattern) = matching_pattern(s, &patterns) else {
                continue;
            };
            let Some(access) = access.get_or_insert_with(|| admin_access(&model, b)) else {
                break;
            };
            let message = format!(
                "{s} looks like a CI/CD identity (matches `{pattern}`) and {} binds it to {}, \
whose {access}",
                rbac::binding_name(b),
                rbac::role_name(b),
            );
            rbac::report_subject(out, b, i, message);
        }
    }
}

/// The first pattern `s` matches: in its name, or a service account's
/// namespace.
fn matching_pattern<'p>(s: &Subject, patterns: &'p [String]) -> Option<&'p str> {
    let names: Vec<String> = match s {
        Subject::User { name } | Subject::Group { name } => vec![name.to_lowercase()],
        Subject::ServiceAccount { namespace, name } => {
            vec![name.to_lowercase(), namespace.to_lowercase()]
        }
    };
    patterns
        .iter()
        .find(|p| names.iter().any(|n| n.contains(p.as_str())))
        .map(String::as_str)
}

/// What makes `b`'s grant admin-level (`rule 0 grants … cluster-wide: it
/// can …`), or `None`.
fn admin_access(model: &Model, b: &Binding) -> Option<String> {
    for &risk in ESCALATION {
        if let Some(grants) = model.binding_risk(b, risk) {
            return Some(format!(
                "{} {}: it can {}",
                rbac::describe_grants(model, b, &grants),
                Scope::of(b),
                risk.what
            ));
        }
    }
    if b.namespace.is_some() {
        return None;
    }
    let role = &model.roles[b.role?];
    let (index, verb, resource) = cluster_write(role)?;
    Some(format!(
        "rule {index} grants `{verb} {resource}` cluster-wide: it can change such objects \
everywhere in the cluster"
    ))
}

/// The first rule of `role` that grants a write verb on every object of
/// some resource: (rule index, verb, `resource[.group]`).
fn cluster_write(role: &Role) -> Option<(usize, &str, String)> {
    role.rules.iter().enumerate().find_map(|(i, r)| {
        let r = &r.rule;
        if !r.resource_names.is_empty() {
            return None;
        }
        let verb = r.verbs.iter().find(|v| WRITE_VERBS.contains(&v.as_str()))?;
        let resource = r.resources.iter().find(|res| {
            let base = res.split_once('/').map_or(res.as_str(), |(b, _)| b);
            !NOT_WRITES.contains(&base)
        })?;
        let group = r.api_groups.first()?;
        let resource = if group.is_empty() {
            resource.clone()
        } else {
            format!("{resource}.{group}")
        };
        Some((i, verb.as_str(), resource))
    })
}
