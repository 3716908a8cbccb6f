//! Every custom policy of a directory, both languages together, and the
//! admission request a manifest object makes.

use serde_json::Value;

use crate::gatekeeper::GatekeeperSet;
use crate::vap::VapSet;
use crate::{Evaluation, Gvk, LoadError, Operation, Request, UserInfo};

/// ValidatingAdmissionPolicies with their bindings and params, and
/// Gatekeeper ConstraintTemplates with their constraints.
pub struct Policies {
    vap: VapSet,
    gatekeeper: GatekeeperSet,
}

impl Policies {
    /// Loads the policies among `objects` (every object of a policy
    /// directory: policies, bindings, templates, constraints, params).
    /// Objects that are none of these are kept as possible VAP params.
    pub fn load(objects: &[Value]) -> (Policies, Vec<LoadError>) {
        let (vap, mut errors) = VapSet::load(objects);
        let (gatekeeper, gk_errors) = GatekeeperSet::load(objects);
        errors.extend(gk_errors);
        (Policies { vap, gatekeeper }, errors)
    }

    /// Whether Gatekeeper constraints judge DELETE and CONNECT requests (see
    /// [`GatekeeperSet::with_every_operation`]): `true` as loaded, for
    /// `rampart policy test` and gator suites; the webhook sets `false`, as
    /// Gatekeeper is installed by default. ValidatingAdmissionPolicies
    /// match operations by their own `matchConstraints`.
    pub fn with_gatekeeper_every_operation(mut self, enabled: bool) -> Policies {
        self.gatekeeper = self.gatekeeper.with_every_operation(enabled);
        self
    }

    /// Evaluates every policy that matches `req`.
    pub fn evaluate(&self, req: &Request) -> Evaluation {
        let mut out = self.vap.evaluate(req);
        let gk = self.gatekeeper.evaluate(req);
        out.violations.extend(gk.violations);
        out.errors.extend(gk.errors);
        out.audit_annotations.extend(gk.audit_annotations);
        out
    }
}

/// The plural resource name of `kind` when no discovery is at hand, as
/// Kubernetes guesses it (apimachinery `UnsafeGuessKindToResource`):
/// lowercase; a name ending in `endpoints` stays as it is; then `-s` →
/// `-ses`, `-y` → `-ies`, else `-s`.
pub fn guess_resource(kind: &str) -> String {
    let singular = kind.to_ascii_lowercase();
    if singular.ends_with("endpoints") {
        return singular;
    }
    if singular.ends_with('s') {
        format!("{singular}es")
    } else if let Some(stem) = singular.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{singular}s")
    }
}

impl Request {
    /// The request that creating `object` from a manifest makes: what
    /// `rampart scan --policy` and `rampart policy test` evaluate.
    /// `namespace` is the object's namespace as it would be created (its
    /// own, else the one the caller assumes); `namespace_object` that
    /// Namespace, when the input holds it.
    pub fn for_manifest(
        object: &Value,
        namespace: &str,
        namespace_object: Option<&Value>,
        operation: Operation,
        user_info: UserInfo,
    ) -> Request {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
        let api_version = text(object.get("apiVersion"));
        let kind = text(object.get("kind"));
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.clone()),
        };
        let meta = object.get("metadata");
        Request {
            uid: String::new(),
            resource: Gvk {
                group: group.clone(),
                version: version.clone(),
                name: guess_resource(&kind),
            },
            kind: Gvk {
                group,
                version,
                name: kind,
            },
            sub_resource: String::new(),
            name: text(meta.and_then(|m| m.get("name"))),
            namespace: namespace.to_string(),
            operation,
            user_info,
            object: (operation != Operation::Delete).then(|| object.clone()),
            old_object: (operation != Operation::Create).then(|| object.clone()),
            namespace_object: namespace_object.cloned(),
            dry_run: false,
            options: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resources_are_guessed_as_kubernetes_guesses_them() {
        for (kind, plural) in [
            ("Pod", "pods"),
            ("Ingress", "ingresses"),
            ("NetworkPolicy", "networkpolicies"),
            ("Endpoints", "endpoints"),
            ("FooEndpoints", "fooendpoints"),
            ("StatefulSet", "statefulsets"),
            ("ValidatingAdmissionPolicy", "validatingadmissionpolicies"),
        ] {
            assert_eq!(guess_resource(kind), plural);
        }
    }

    #[test]
    fn without_gatekeeper_delete_only_vaps_judge_delete() {
        let objects = [
            json!({"apiVersion": "admissionregistration.k8s.io/v1",
                   "kind": "ValidatingAdmissionPolicy", "metadata": {"name": "no-delete"},
                   "spec": {"matchConstraints": {"resourceRules": [{"apiGroups": [""],
                              "apiVersions": ["v1"], "operations": ["DELETE"], "resources": ["pods"]}]},
                            "validations": [{"expression": "false", "message": "no deletes"}]}}),
            json!({"apiVersion": "admissionregistration.k8s.io/v1",
                   "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": "no-delete"},
                   "spec": {"policyName": "no-delete", "validationActions": ["Deny"]}}),
            json!({"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
                   "metadata": {"name": "k8salways"},
                   "spec": {"crd": {"spec": {"names": {"kind": "K8sAlways"}}},
                            "targets": [{"target": "admission.k8s.gatekeeper.sh",
                                         "rego": "package k8salways\nviolation[{\"msg\": \"always\"}] { true }\n"}]}}),
            json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sAlways",
                   "metadata": {"name": "always"}}),
        ];
        let pod =
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"}});
        let delete = Request::for_manifest(&pod, "a", None, Operation::Delete, UserInfo::default());
        let messages = |p: &Policies, req: &Request| -> Vec<String> {
            p.evaluate(req)
                .violations
                .into_iter()
                .map(|v| v.message)
                .collect()
        };
        let (all, errors) = Policies::load(&objects);
        assert_eq!(errors, vec![]);
        assert_eq!(messages(&all, &delete), ["no deletes", "always"]);
        let webhook = all.with_gatekeeper_every_operation(false);
        assert_eq!(messages(&webhook, &delete), ["no deletes"]);
        let create = Request::for_manifest(&pod, "a", None, Operation::Create, UserInfo::default());
        assert_eq!(messages(&webhook, &create), ["always"]);
    }

    #[test]
    fn a_manifest_object_makes_a_create_request() {
        let pod = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "shop"}
        });
        let r = Request::for_manifest(&pod, "shop", None, Operation::Create, UserInfo::default());
        assert_eq!((r.kind.group.as_str(), r.kind.version.as_str()), ("", "v1"));
        assert_eq!(r.resource.name, "pods");
        assert_eq!((r.name.as_str(), r.namespace.as_str()), ("web", "shop"));
        assert!(r.object.is_some() && r.old_object.is_none());
        let d = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        let r = Request::for_manifest(&d, "default", None, Operation::Delete, UserInfo::default());
        assert_eq!(r.kind.group, "apps");
        assert!(r.object.is_none() && r.old_object.is_some());
    }
}
