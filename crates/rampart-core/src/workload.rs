//! One typed view of the pod template of every pod-bearing kind.
//!
//! Rules ask about pods; whether the pod comes from a Deployment, a
//! CronJob's job template or a bare Pod is a detail this module hides,
//! while keeping the JSON pointer of the template so findings land on the
//! exact line of the owning object.

use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::de::{DeError, from_node};
use crate::node::{Node, push_index, push_token};

/// Where a kind keeps its pod template and the template's PodSpec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TemplatePath {
    /// JSON pointer of the template's metadata owner (`""` for a Pod).
    pub template: &'static str,
    /// JSON pointer of the PodSpec.
    pub spec: &'static str,
}

/// The kinds that carry a pod template, with where the template lives.
/// `None` when `kind` in `api_version` does not carry one.
pub fn template_path(api_version: &str, kind: &str) -> Option<TemplatePath> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let (template, spec) = match (group, kind) {
        ("", "Pod") => ("", "/spec"),
        ("", "PodTemplate") => ("/template", "/template/spec"),
        ("", "ReplicationController")
        | ("apps" | "extensions", "Deployment" | "DaemonSet" | "ReplicaSet" | "StatefulSet")
        | ("batch", "Job") => ("/spec/template", "/spec/template/spec"),
        ("batch", "CronJob") => (
            "/spec/jobTemplate/spec/template",
            "/spec/jobTemplate/spec/template/spec",
        ),
        _ => return None,
    };
    Some(TemplatePath { template, spec })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContainerKind {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerKind {
    /// The PodSpec field that lists containers of this kind.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ContainerKind::Init => "init container",
            ContainerKind::Regular => "container",
            ContainerKind::Ephemeral => "ephemeral container",
        }
    }
}

/// The pod template of a workload, typed.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Where the template lives in the object.
    pub path: TemplatePath,
    /// Metadata of the pod template (of the Pod itself for a Pod).
    pub template_meta: ObjectMeta,
    pub spec: PodSpec,
    /// Ephemeral containers, read with the `Container` shape they share.
    pub ephemeral: Vec<Container>,
    /// True when a controller owns this object (ownerReferences with
    /// `controller: true`): the owner carries the template and the finding.
    pub controlled: bool,
}

/// One container of a pod template, wherever it is declared.
#[derive(Clone, Copy, Debug)]
pub struct ContainerRef<'a> {
    pub kind: ContainerKind,
    pub index: usize,
    pub container: &'a Container,
    spec_pointer: &'a str,
}

impl ContainerRef<'_> {
    /// JSON pointer of this container, extended by `fields`.
    pub fn pointer(&self, fields: &[&str]) -> String {
        let mut p = String::with_capacity(64);
        p.push_str(self.spec_pointer);
        push_token(&mut p, self.kind.field());
        push_index(&mut p, self.index);
        for f in fields {
            push_token(&mut p, f);
        }
        p
    }

    /// Like [`Self::pointer`] but naming the container instead of its index,
    /// so a baseline survives reordering containers.
    pub fn stable_pointer(&self, fields: &[&str]) -> String {
        let mut p = String::with_capacity(64);
        p.push_str(self.spec_pointer);
        push_token(&mut p, self.kind.field());
        push_token(&mut p, &self.container.name);
        for f in fields {
            push_token(&mut p, f);
        }
        p
    }

    /// "container \"web\"" / "init container \"setup\"".
    pub fn describe(&self) -> String {
        format!("{} \"{}\"", self.kind.label(), self.container.name)
    }
}

impl Workload {
    /// Reads the template of `root` (an object of a kind for which
    /// [`template_path`] returned `path`), checking every field of the
    /// whole object against its Kubernetes type.
    pub fn from_object(root: &Node, kind: &str, path: TemplatePath) -> Result<Self, DeError> {
        use k8s_openapi::api::{apps::v1 as apps, batch::v1 as batch, core::v1 as core};
        // Decoding the whole object validates fields outside the template
        // too (`replicas: "three"`), as the API server would.
        let (meta, spec) = match kind {
            "Pod" => {
                let o: core::Pod = from_node(root)?;
                (Some(o.metadata), o.spec)
            }
            "PodTemplate" => {
                let o: core::PodTemplate = from_node(root)?;
                split(o.template)
            }
            "ReplicationController" => {
                let o: core::ReplicationController = from_node(root)?;
                split(o.spec.and_then(|s| s.template))
            }
            "Deployment" => {
                let o: apps::Deployment = from_node(root)?;
                split(Some(o.spec.template))
            }
            "DaemonSet" => {
                let o: apps::DaemonSet = from_node(root)?;
                split(Some(o.spec.template))
            }
            "ReplicaSet" => {
                let o: apps::ReplicaSet = from_node(root)?;
                split(o.spec.template)
            }
            "StatefulSet" => {
                let o: apps::StatefulSet = from_node(root)?;
                split(Some(o.spec.template))
            }
            "Job" => {
                let o: batch::Job = from_node(root)?;
                split(o.spec.map(|s| s.template))
            }
            "CronJob" => {
                let o: batch::CronJob = from_node(root)?;
                split(o.spec.job_template.spec.map(|s| s.template))
            }
            _ => {
                return Err(<DeError as serde::de::Error>::custom(format!(
                    "{kind} has no pod template"
                )));
            }
        };
        let ephemeral = root
            .at(&format!("{}/ephemeralContainers", path.spec))
            .map(from_node::<Vec<Container>>)
            .transpose()?
            .unwrap_or_default();
        let controlled = is_controlled(root);
        Ok(Workload {
            path,
            template_meta: meta.unwrap_or_default(),
            spec: spec.unwrap_or_default(),
            ephemeral,
            controlled,
        })
    }

    /// Every container: init containers first, then containers, then
    /// ephemeral containers, each with its pointer.
    pub fn containers(&self) -> impl Iterator<Item = ContainerRef<'_>> {
        let sp = self.path.spec;
        let init = self.spec.init_containers.as_deref().unwrap_or_default();
        [
            (ContainerKind::Init, init),
            (ContainerKind::Regular, self.spec.containers.as_slice()),
            (ContainerKind::Ephemeral, self.ephemeral.as_slice()),
        ]
        .into_iter()
        .flat_map(move |(kind, cs)| {
            cs.iter()
                .enumerate()
                .map(move |(index, container)| ContainerRef {
                    kind,
                    index,
                    container,
                    spec_pointer: sp,
                })
        })
    }

    /// True for Windows pods (`spec.os.name: windows`), where Linux-only
    /// controls do not apply.
    pub fn is_windows(&self) -> bool {
        self.spec.os.as_ref().is_some_and(|os| os.name == "windows")
    }
}

fn split(
    t: Option<k8s_openapi::api::core::v1::PodTemplateSpec>,
) -> (Option<ObjectMeta>, Option<PodSpec>) {
    match t {
        Some(t) => (t.metadata, t.spec),
        None => (None, None),
    }
}

/// The service account a pod runs as: `serviceAccountName`, else the
/// deprecated `serviceAccount` (the API server copies it over), else
/// `default`.
pub fn service_account_name(spec: &PodSpec) -> &str {
    spec.service_account_name
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(spec.service_account.as_deref().filter(|n| !n.is_empty()))
        .unwrap_or("default")
}

/// Whether a controller owns the object (an ownerReference with
/// `controller: true`).
fn is_controlled(root: &Node) -> bool {
    root.path(&["metadata", "ownerReferences"])
        .and_then(Node::as_seq)
        .is_some_and(|refs| {
            refs.iter().any(|r| {
                r.get("controller")
                    .is_some_and(|c| c.value == crate::node::Value::Bool(true))
            })
        })
}

/// Who a workload's pods run as, read straight from the tree: cheaper
/// than decoding the pod template, for analyses that need nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodIdentity {
    /// As [`service_account_name`] reads it.
    pub service_account: String,
    /// JSON pointer of the field that names it (`serviceAccountName` where
    /// neither is set: where one would be written).
    pub service_account_pointer: String,
    /// The pod's `automountServiceAccountToken`, when set to a boolean.
    pub automount: Option<bool>,
    /// A projected volume carries a service account token (mounted
    /// whatever `automountServiceAccountToken` says).
    pub projected_token: bool,
    /// A controller owns the object (its owner carries the template).
    pub controlled: bool,
}

impl PodIdentity {
    /// Whether the pods get a token of their service account: a projected
    /// token volume always does; otherwise the pod's
    /// `automountServiceAccountToken`, else the ServiceAccount's
    /// (`account_automount`), else yes.
    pub fn mounts_token(&self, account_automount: Option<bool>) -> bool {
        self.projected_token || self.automount.or(account_automount).unwrap_or(true)
    }
}

/// The [`PodIdentity`] of an object with a pod template, `None` for other
/// kinds.
pub fn pod_identity(root: &Node, api_version: &str, kind: &str) -> Option<PodIdentity> {
    let path = template_path(api_version, kind)?;
    let spec = root.at(path.spec);
    let field = |name: &str| {
        spec.and_then(|s| s.get(name))
            .and_then(Node::as_str)
            .filter(|n| !n.is_empty())
    };
    let automount = spec
        .and_then(|s| s.get("automountServiceAccountToken"))
        .and_then(|n| match n.value {
            crate::node::Value::Bool(b) => Some(b),
            _ => None,
        });
    let projected_token = spec
        .and_then(|s| s.get("volumes"))
        .and_then(Node::as_seq)
        .is_some_and(|volumes| {
            volumes.iter().any(|v| {
                v.path(&["projected", "sources"])
                    .and_then(Node::as_seq)
                    .is_some_and(|s| s.iter().any(|s| s.get("serviceAccountToken").is_some()))
            })
        });
    let (service_account, field_name) = match (field("serviceAccountName"), field("serviceAccount"))
    {
        (Some(n), _) => (n, "serviceAccountName"),
        (None, Some(n)) => (n, "serviceAccount"),
        (None, None) => ("default", "serviceAccountName"),
    };
    Some(PodIdentity {
        projected_token,
        service_account: service_account.to_string(),
        service_account_pointer: crate::node::pointer(path.spec, &[field_name]),
        automount,
        controlled: is_controlled(root),
    })
}
