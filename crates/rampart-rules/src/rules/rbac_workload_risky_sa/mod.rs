use std::collections::{HashMap, HashSet};

use rampart_core::rule::Category;
use rampart_core::{
    Check, Inventory, InventoryCtx, Reporter, Rule, RuleMeta, Severity, Value,
};
use rampart_rbac::risk::{Risk, WORKLOAD_RISKS};
use rampart_rbac::{DEFAULT_NAMESPACE, Grant, Model, Principal, Scope, Subject};

use rampart_core::workload::{PodIdentity, pod_identity};
use rayon::prelude::*;
use crate::support::{rbac, refs};

/// Risks listed in a finding; the rest are counted.
const SHOWN: usize = 3;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-workload-risky-sa",
        title: "Workload runs as a service account with risky permissions",
        severity: Severity::High,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "A pod's service account token is mounted into every container, so whoever \
gets code execution in the pod (a vulnerable dependency, an SSRF that reads the token file, a \
malicious image update) acts with every permission of that account. When the account can read \
Secrets, run pods, exec into them, impersonate, bind roles or change admission control, one \
compromised workload becomes many, or the whole cluster. A workload is reported when its pods \
mount a token (the pod's `automountServiceAccountToken`, else the ServiceAccount's in the \
input, is not false, or a projected volume mounts one explicitly) of a service account that \
holds one of those permissions through any binding naming it or one of its groups \
(`system:serviceaccounts`, `system:serviceaccounts:NAMESPACE`, `system:authenticated`), \
Kubernetes' own bindings included. The finding names the three most severe permissions and \
the binding, role and rule each comes from. Objects a controller owns are not reported (their \
owner is).",
        remediation: r#"Give the workload a service account of its own with only the
permissions it uses, and no token at all when it does not call the API:

```yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: shop
automountServiceAccountToken: false
---
spec:
  template:
    spec:
      serviceAccountName: web
      automountServiceAccountToken: false
```"#,
        references: &[
            refs::CIS_5_1_6,
            refs::NSA_POD_SECURITY_SERVICE_ACCOUNT_TOKENS,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let model = rbac::model(ctx, out);
    let mut risks = Risks::new(&model);
    let candidates = risks.candidate_namespaces();
    if candidates.is_empty() {
        return;
    }
    // (namespace, service account) → what the account can do, if risky.
    // Reading who each pod runs as is cheap enough for every object; only
    // the accounts' risks are worked out, once per account.
    let pods: Vec<(usize, &str, PodIdentity)> = ctx
        .inventory
        .objects
        .par_iter()
        .enumerate()
        .filter_map(|(index, object)| {
            let namespace = object
                .namespace()
                .filter(|n| !n.is_empty())
                .unwrap_or(DEFAULT_NAMESPACE);
            if !candidates.contains(namespace) {
                return None;
            }
            let pod = pod_identity(&object.root, &object.id.api_version, &object.id.kind)?;
            let owned = pod.controlled && ctx.inventory.controller_of(object).is_some();
            (!owned).then_some((index, namespace, pod))
        })
        .collect();
    let mut by_account: HashMap<(String, String), Option<String>> = HashMap::new();
    for (index, namespace, pod) in pods {
        let account = pod.service_account.as_str();
        let key = (namespace.to_string(), account.to_string());
        let can = by_account
            .entry(key)
            .or_insert_with(|| risks.describe(namespace, account));
        let Some(can) = can else {
            continue;
        };
        if !mounts_token(ctx.inventory, &pod, namespace) {
            continue;
        }
        out.on(index).at(
            pod.service_account_pointer.clone(),
            format!("pods run as sa:{namespace}:{account}, which can {can}"),
        );
    }
}

type Held = (usize, &'static Risk, Vec<Grant>);

/// What each binding grants of [`WORKLOAD_RISKS`], worked out once per
/// binding.
struct Risks<'m> {
    model: &'m Model,
    by_binding: Vec<Option<Vec<Held>>>,
}

/// Every namespace (the whole cluster's service accounts hold a risk).
const EVERY_NAMESPACE: &str = "*";

impl<'m> Risks<'m> {
    fn new(model: &'m Model) -> Self {
        Risks {
            model,
            by_binding: vec![None; model.bindings.len()],
        }
    }

    /// The risks binding `b` grants: (rank in [`WORKLOAD_RISKS`], risk,
    /// grants).
    fn of(&mut self, b: usize) -> &[Held] {
        let model = self.model;
        self.by_binding[b].get_or_insert_with(|| {
            let binding = &model.bindings[b];
            WORKLOAD_RISKS
                .iter()
                .enumerate()
                .filter_map(|(rank, &r)| model.binding_risk(binding, r).map(|g| (rank, r, g)))
                .collect()
        })
    }

    /// Namespaces whose service accounts may hold a risk, or
    /// [`EVERY_NAMESPACE`].
    fn candidate_namespaces(&mut self) -> Namespaces {
        let mut out = HashSet::new();
        for b in 0..self.model.bindings.len() {
            let model = self.model;
            let reaching: Vec<&str> = model.bindings[b]
                .subjects
                .iter()
                .filter_map(|s| match s {
                    Subject::ServiceAccount { namespace, .. } => Some(namespace.as_str()),
                    Subject::Group { name } => match name.as_str() {
                        "system:serviceaccounts" | "system:authenticated" => Some(EVERY_NAMESPACE),
                        n => n.strip_prefix("system:serviceaccounts:"),
                    },
                    Subject::User { .. } => None,
                })
                .collect();
            if !reaching.is_empty() && !self.of(b).is_empty() {
                out.extend(reaching.into_iter().map(str::to_string));
            }
        }
        Namespaces(out)
    }

    /// `read Secrets… in namespace ci (via RoleBinding ci/x → Role ci/y
    /// rule 0); …` for service account `namespace`/`name`, or `None` when
    /// it holds none of the risks.
    fn describe(&mut self, namespace: &str, name: &str) -> Option<String> {
        let principal = Principal::of(&Subject::sa(namespace, name), &[]);
        let mut held: Vec<(usize, String)> = Vec::new();
        for (b, si) in self.model.binding_indices_of(&principal) {
            let model = self.model;
            let binding = &model.bindings[b];
            for (rank, risk, grants) in self.of(b) {
                let rank = *rank;
                if held.iter().any(|(r, _)| *r == rank) {
                    continue;
                }
                let mut rules: Vec<usize> = grants.iter().map(|g| g.rule_index).collect();
                rules.sort_unstable();
                rules.dedup();
                let rules: Vec<String> = rules.iter().map(usize::to_string).collect();
                let rules = match rules.len() {
                    1 => format!("rule {}", rules[0]),
                    _ => format!("rules {}", rules.join(" and ")),
                };
                let through = match &binding.subjects[si] {
                    Subject::Group { name } => format!(", which names group {name}"),
                    _ => String::new(),
                };
                held.push((
                    rank,
                    format!(
                        "{} {} (via {} → {} {rules}{through})",
                        risk.what,
                        Scope::of(binding),
                        rbac::binding_name(binding),
                        rbac::role_name(binding),
                    ),
                ));
            }
        }
        if held.is_empty() {
            return None;
        }
        held.sort_by_key(|(rank, _)| *rank);
        let more = held.len().saturating_sub(SHOWN);
        let mut parts: Vec<String> = held.into_iter().take(SHOWN).map(|(_, s)| s).collect();
        if more > 0 {
            parts.push(format!(
                "and {more} more risky permission{}",
                if more == 1 { "" } else { "s" }
            ));
        }
        Some(parts.join("; "))
    }
}

struct Namespaces(HashSet<String>);

impl Namespaces {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, namespace: &str) -> bool {
        self.0.contains(EVERY_NAMESPACE) || self.0.contains(namespace)
    }
}

/// Whether the pods get a token of their service account: the pod's
/// `automountServiceAccountToken`, else the ServiceAccount's, else yes;
/// a projected `serviceAccountToken` volume mounts one regardless.
fn mounts_token(inventory: &Inventory, pod: &PodIdentity, namespace: &str) -> bool {
    let account = pod.service_account.as_str();
    let sa = inventory
        .get("ServiceAccount", Some(namespace), account)
        .or_else(|| {
            (namespace == DEFAULT_NAMESPACE)
                .then(|| inventory.get("ServiceAccount", None, account))
                .flatten()
        });
    let setting = sa
        .and_then(|o| o.root.get("automountServiceAccountToken"))
        .and_then(|n| match n.value {
            Value::Bool(b) => Some(b),
            _ => None,
        });
    pod.mounts_token(setting)
}
