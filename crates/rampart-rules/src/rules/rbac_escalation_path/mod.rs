use std::fmt::Write as _;

use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::Graph;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-escalation-path",
        title: "Subject can become cluster admin through other identities",
        severity: Severity::High,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "Permissions chain. Whoever can create a Deployment in a namespace can run a \
pod as any service account there, and so holds every permission of those accounts; whoever can \
exec into a pod holds its token; whoever can read a namespace's Secrets holds its legacy \
service account tokens; whoever can impersonate a user is that user. A subject that looks \
harmless on its own may be two such steps from cluster admin. rampart builds the graph of these \
steps over every binding of the input (and the workloads, service accounts and token Secrets \
it contains) and reports each subject named in a binding that reaches cluster-admin \
equivalence in two steps or more, with the shortest chain (subjects only Kubernetes' own \
bindings name, its controllers, are not reported). Direct grants (full control, \
impersonating groups, bind or escalate with binding writes, CSR approval) are reported by their \
own rules. Each identity acts with its own permissions only; rules limited by `resourceNames` \
are not followed. See `rampart rbac paths` to explore chains.",
        remediation: r#"Break the chain at its weakest link: usually the first step (take
workload creation, exec or Secret reads in that namespace away from the subject), or the last
(the over-privileged service account in that namespace). Keep powerful service accounts in
namespaces where nobody else can create pods:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ci-deploys
  namespace: web           # not the namespace where the admin service account lives
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: deployer
subjects:
- kind: ServiceAccount
  name: deployer
  namespace: ci
```"#,
        references: &[refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let model = rbac::model(ctx, out);
    let graph = ctx
        .inventory
        .derived(|inventory| Graph::build(inventory, &model));
    // Subjects the input's own bindings name: Kubernetes' controllers
    // reach each other by design.
    let mut named: Vec<&rampart_rbac::Subject> = model
        .bindings
        .iter()
        .filter(|b| !b.stock)
        .flat_map(|b| &b.subjects)
        .collect();
    named.sort();
    named.dedup();
    for path in graph.all_paths(&model) {
        if path.from.is_component() || named.binary_search(&&path.from).is_err() {
            continue;
        }
        let Some(object) = path.first_binding() else {
            continue;
        };
        let mut message = format!(
            "{} can become cluster admin in {} steps:",
            path.from,
            path.steps.len()
        );
        for (i, step) in path.steps.iter().enumerate() {
            let _ = write!(message, " ({}) {} {}", i + 1, step.actor, step.action);
            if let Some(b) = &step.becomes {
                let _ = write!(message, ", acting as {b};");
            }
        }
        let stable = format!("/roleRef#{}", path.from);
        out.on(object)
            .at_stable("/roleRef".to_string(), &stable, message);
    }
}
