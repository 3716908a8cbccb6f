//! CIS Kubernetes Benchmark section 5 (policies): RBAC, pod security,
//! network policies, secrets, admission and general policies.
//!
//! These controls are about objects in the cluster, not files on a node:
//! no node root can decide them. Each gives one `Warn` result (all are
//! Manual in the benchmark) whose evidence names the rampart rules that
//! check it in a cluster scan, or says none does.
//!
//! Which rules cover which control is the rule catalog's own data (each
//! rule's CIS references): the binary hands it in as a [`RuleMap`], so
//! this crate does not depend on the rules and keeps no second map.

use std::collections::BTreeMap;

use crate::checks::{Assessment, CheckResult, Status};

/// CIS control id (`5.1.1`) → ids of the rules whose references cite it,
/// built from the rule catalog by the caller.
pub type RuleMap = BTreeMap<&'static str, Vec<&'static str>>;

/// One section 5 control: id, title and why it matters.
struct Control {
    id: &'static str,
    title: &'static str,
    rationale: &'static str,
}

const RBAC: &str = "RBAC grants decide who can read secrets, start pods or escalate; over-broad grants hand out cluster control.";
const PSS: &str = "Pods admitted with host namespaces, privileges or extra capabilities can break out of their container onto the node.";
const NETWORK: &str = "Without enforced NetworkPolicies every pod can reach every other pod, so one compromised workload reaches them all.";
const SECRETS: &str = "Secrets in environment variables leak through logs, crash dumps and child processes; external stores add rotation and audit.";
const ADMISSION: &str =
    "Admission control is where unverified images can be refused before they run.";
const GENERAL: &str = "Namespaces, security contexts and seccomp profiles bound what a workload can do and whom it shares a space with.";

/// Section 5 of CIS Kubernetes Benchmark v1.12, in order.
const CONTROLS: &[Control] = &[
    Control {
        id: "5.1.1",
        title: "Ensure that the cluster-admin role is only used where required",
        rationale: RBAC,
    },
    Control {
        id: "5.1.2",
        title: "Minimize access to secrets",
        rationale: RBAC,
    },
    Control {
        id: "5.1.3",
        title: "Minimize wildcard use in Roles and ClusterRoles",
        rationale: RBAC,
    },
    Control {
        id: "5.1.4",
        title: "Minimize access to create pods",
        rationale: RBAC,
    },
    Control {
        id: "5.1.5",
        title: "Ensure that default service accounts are not actively used",
        rationale: RBAC,
    },
    Control {
        id: "5.1.6",
        title: "Ensure that Service Account Tokens are only mounted where necessary",
        rationale: RBAC,
    },
    Control {
        id: "5.1.7",
        title: "Avoid use of system:masters group",
        rationale: RBAC,
    },
    Control {
        id: "5.1.8",
        title: "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster",
        rationale: RBAC,
    },
    Control {
        id: "5.1.9",
        title: "Minimize access to create persistent volumes",
        rationale: RBAC,
    },
    Control {
        id: "5.1.10",
        title: "Minimize access to the proxy sub-resource of nodes",
        rationale: RBAC,
    },
    Control {
        id: "5.1.11",
        title: "Minimize access to the approval sub-resource of certificatesigningrequests objects",
        rationale: RBAC,
    },
    Control {
        id: "5.1.12",
        title: "Minimize access to webhook configuration objects",
        rationale: RBAC,
    },
    Control {
        id: "5.1.13",
        title: "Minimize access to the service account token creation",
        rationale: RBAC,
    },
    Control {
        id: "5.2.1",
        title: "Ensure that the cluster has at least one active policy control mechanism in place",
        rationale: PSS,
    },
    Control {
        id: "5.2.2",
        title: "Minimize the admission of privileged containers",
        rationale: PSS,
    },
    Control {
        id: "5.2.3",
        title: "Minimize the admission of containers wishing to share the host process ID namespace",
        rationale: PSS,
    },
    Control {
        id: "5.2.4",
        title: "Minimize the admission of containers wishing to share the host IPC namespace",
        rationale: PSS,
    },
    Control {
        id: "5.2.5",
        title: "Minimize the admission of containers wishing to share the host network namespace",
        rationale: PSS,
    },
    Control {
        id: "5.2.6",
        title: "Minimize the admission of containers with allowPrivilegeEscalation",
        rationale: PSS,
    },
    Control {
        id: "5.2.7",
        title: "Minimize the admission of root containers",
        rationale: PSS,
    },
    Control {
        id: "5.2.8",
        title: "Minimize the admission of containers with the NET_RAW capability",
        rationale: PSS,
    },
    Control {
        id: "5.2.9",
        title: "Minimize the admission of containers with capabilities assigned",
        rationale: PSS,
    },
    Control {
        id: "5.2.10",
        title: "Minimize the admission of Windows HostProcess containers",
        rationale: PSS,
    },
    Control {
        id: "5.2.11",
        title: "Minimize the admission of HostPath volumes",
        rationale: PSS,
    },
    Control {
        id: "5.2.12",
        title: "Minimize the admission of containers which use HostPorts",
        rationale: PSS,
    },
    Control {
        id: "5.3.1",
        title: "Ensure that the CNI in use supports NetworkPolicies",
        rationale: NETWORK,
    },
    Control {
        id: "5.3.2",
        title: "Ensure that all Namespaces have NetworkPolicies defined",
        rationale: NETWORK,
    },
    Control {
        id: "5.4.1",
        title: "Prefer using Secrets as files over Secrets as environment variables",
        rationale: SECRETS,
    },
    Control {
        id: "5.4.2",
        title: "Consider external secret storage",
        rationale: SECRETS,
    },
    Control {
        id: "5.5.1",
        title: "Configure Image Provenance using ImagePolicyWebhook admission controller",
        rationale: ADMISSION,
    },
    Control {
        id: "5.6.1",
        title: "Create administrative boundaries between resources using namespaces",
        rationale: GENERAL,
    },
    Control {
        id: "5.6.2",
        title: "Ensure that the seccomp profile is set to docker/default in your Pod definitions",
        rationale: GENERAL,
    },
    Control {
        id: "5.6.3",
        title: "Apply SecurityContext to your Pods and Containers",
        rationale: GENERAL,
    },
    Control {
        id: "5.6.4",
        title: "The default namespace should not be used",
        rationale: GENERAL,
    },
];

const REMEDIATION: &str = "Run `rampart scan --cluster --framework cis` against the cluster and fix what the listed rules report; review what no rule covers by hand.";

/// One `Warn` result per section 5 control, naming the rules of `rules`
/// that cover it.
pub fn results(rules: &RuleMap) -> Vec<CheckResult> {
    CONTROLS
        .iter()
        .map(|c| CheckResult {
            id: c.id,
            title: c.title,
            assessment: Assessment::Manual,
            status: Status::Warn,
            evidence: vec![evidence(rules.get(c.id).map(Vec::as_slice).unwrap_or(&[]))],
            rationale: c.rationale,
            remediation: REMEDIATION,
            // Decided by the cluster's objects, not a node file.
            location: None,
        })
        .collect()
}

/// Decided by the cluster, not the node: where to look instead.
fn evidence(covering: &[&str]) -> String {
    if covering.is_empty() {
        "decided by the cluster, not the node: no rampart rule covers this; check by hand"
            .to_string()
    } else {
        format!(
            "decided by the cluster, not the node: checked by `rampart scan --cluster --framework cis` through rules: {}",
            covering.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_warns_and_names_its_rules() {
        let mut map = RuleMap::new();
        map.insert("5.2.2", vec!["privileged-container", "pss-privileged"]);
        let r = results(&map);
        assert_eq!(r.len(), CONTROLS.len());
        assert!(
            r.iter()
                .all(|c| c.status == Status::Warn && c.assessment == Assessment::Manual)
        );
        let priv_ = r.iter().find(|c| c.id == "5.2.2").unwrap();
        assert!(
            priv_.evidence[0].ends_with("through rules: privileged-container, pss-privileged"),
            "{:?}",
            priv_.evidence
        );
        let masters = r.iter().find(|c| c.id == "5.1.7").unwrap();
        assert!(masters.evidence[0].ends_with("no rampart rule covers this; check by hand"));
    }

    #[test]
    fn controls_are_the_benchmark_section_in_order() {
        let ids: Vec<&str> = CONTROLS.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), 34);
        assert!(ids.iter().all(|i| i.starts_with("5.")));
        let mut sorted = ids.clone();
        sorted.sort_by_key(|i| {
            i.split('.')
                .map(|p| p.parse::<u32>().unwrap())
                .collect::<Vec<_>>()
        });
        assert_eq!(ids, sorted);
    }
}
