//! Helpers for rules on non-workload objects (Services, Ingresses, storage, metadata).
//!
//! Rules here read the positioned tree rather than typed k8s-openapi
//! structs: the loader only type-checks pod-bearing objects, and a
//! Service or Ingress whose fields have the wrong type must make a rule
//! stay silent, not fail. Older API versions (`extensions/v1beta1`
//! Ingress) share the field names read here.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use rampart_core::images::parse_image;
use rampart_core::node::{Entry, Node, Value};
use rampart_core::selector::{Op, Requirement, Selector};
use rampart_core::workload::template_path;
use rampart_core::{ContainerKind, Emitter, Inventory, Object, ObjectRef, Workload};

use super::workloads::{is_within, normalize_host_path};

/// The entries of a mapping node; nothing for other nodes or none.
pub fn entries(node: Option<&Node>) -> &[Entry] {
    match node.map(|n| &n.value) {
        Some(Value::Map(e)) => e,
        _ => &[],
    }
}

/// The items of a sequence node; nothing for other nodes or none.
pub fn items(node: Option<&Node>) -> &[Node] {
    node.and_then(Node::as_seq).unwrap_or_default()
}

/// The string-valued entries of a mapping (labels, selectors, data).
pub fn string_entries(node: Option<&Node>) -> impl Iterator<Item = (&str, &str)> {
    entries(node)
        .iter()
        .filter_map(|e| e.value.as_str().map(|v| (&*e.key, v)))
}

/// An integer field.
pub fn int(node: Option<&Node>) -> Option<i64> {
    match node.map(|n| &n.value) {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    }
}

/// Whether the object is a `kind` of API group `group` (`""` for core).
pub fn is(object: &Object, group: &str, kind: &str) -> bool {
    object.kind() == kind && object.group() == group
}

/// A Service-style selector (`map[string]string`, every pair must match)
/// as a [`Selector`]. `None` when the map is absent or empty: a Service
/// without a selector selects no pods, its endpoints are managed by hand.
pub fn map_selector(node: Option<&Node>) -> Option<Selector> {
    let reqs: Vec<Requirement> = string_entries(node)
        .map(|(k, v)| Requirement {
            key: k.to_string(),
            op: Op::In,
            values: vec![v.to_string()],
        })
        .collect();
    (!reqs.is_empty()).then_some(Selector::All(reqs))
}

/// A value written to be substituted before apply (`${DB_PASSWORD}`,
/// `{{ .Values.password }}`, `<password>`, `$(SECRET)`): not a secret
/// itself.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    let wrapped = |open: &str, close: &str| {
        v.len() > open.len() + close.len() && v.starts_with(open) && v.ends_with(close)
    };
    wrapped("${", "}") || wrapped("{{", "}}") || wrapped("$(", ")") || wrapped("<", ">")
}

/// The repository path of an image without registry, tag or digest,
/// lowercased: `registry.k8s.io/ingress-nginx/controller:v1.12.1@sha256:..`
/// → `ingress-nginx/controller`; Docker Hub's `library/` is dropped
/// (`nginx` → `nginx`).
pub fn image_path(image: &str) -> String {
    let repository = parse_image(image).repository();
    repository
        .strip_prefix("library/")
        .unwrap_or(&repository)
        .to_ascii_lowercase()
}

/// Whether image path `path` is `repo` or a mirror of it (ends in `/repo`).
pub fn is_repository(path: &str, repo: &str) -> bool {
    path == repo
        || path
            .strip_suffix(repo)
            .is_some_and(|prefix| prefix.ends_with('/'))
}

/// `v1.11.4`, `1.12.0-beta.0` → (1, 11, 4). Pre-release and build suffixes
/// are ignored; anything else is `None`.
pub fn semver(tag: &str) -> Option<(u64, u64, u64)> {
    let t = tag.strip_prefix('v').unwrap_or(tag);
    let core = t.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().unwrap_or(Some(0))?;
    parts.next().is_none().then_some((major, minor, patch))
}

/// Node directories whose exposure gives away the node or other tenants'
/// data. A path counts when it is one of these or lies below one.
const SYSTEM_PATHS: &[&str] = &[
    "/etc",
    "/root",
    "/home",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/etcd",
    "/var/run",
    "/run",
    "/var/log",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
];

/// Whether `path` is the node's root or lies in one of its system
/// directories, once normalised as the node resolves it (`/etc/` and
/// `/mnt/../etc` are `/etc`; `/etcd` is not).
pub fn is_system_path(path: &str) -> bool {
    let path = normalize_host_path(path);
    path == "/" || SYSTEM_PATHS.iter().any(|dir| is_within(&path, dir))
}

/// Whether path `a` is `b` or lies below it, or the other way round, once
/// both are normalised (`/exports/a` overlaps `/exports`, not `/exports-b`).
pub fn paths_overlap(a: &str, b: &str) -> bool {
    let (a, b) = (normalize_host_path(a), normalize_host_path(b));
    is_within(&a, &b) || is_within(&b, &a)
}

/// Whether an autoscaler in the inventory manages the replica count of
/// `kind` `name` in `namespace`: a HorizontalPodAutoscaler (any version)
/// or a KEDA ScaledObject (whose target kind defaults to Deployment).
pub fn autoscaled(inventory: &Inventory, namespace: Option<&str>, kind: &str, name: &str) -> bool {
    let targets = |o: &&Object, default_kind: Option<&str>| {
        let target = o.root.path(&["spec", "scaleTargetRef"]);
        let field = |f: &str| target.and_then(|t| t.get(f)).and_then(Node::as_str);
        o.namespace() == namespace
            && field("name") == Some(name)
            && field("kind").or(default_kind) == Some(kind)
    };
    inventory
        .of_kind("HorizontalPodAutoscaler")
        .filter(|o| o.group() == "autoscaling")
        .any(|o| targets(&o, None))
        || inventory
            .of_kind("ScaledObject")
            .filter(|o| o.group() == "keda.sh")
            .any(|o| targets(&o, Some("Deployment")))
}

/// The replica count a controller asks for: `spec.replicas`, 1 when unset
/// (the API server's default). `None` for kinds without one or a value of
/// the wrong type.
pub fn replicas(object: &Object) -> Option<i64> {
    if !matches!(
        object.kind(),
        "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController"
    ) {
        return None;
    }
    match object.root.path(&["spec", "replicas"]) {
        None => Some(1),
        Some(n) if n.value == Value::Null => Some(1),
        n => int(n),
    }
}

/// Reports every regular container of a long-running pod (restart policy
/// `Always`, the default) that has no `probe` (`livenessProbe`,
/// `readinessProbe`). Pods that run to completion (Jobs, CronJobs, pods
/// with `restartPolicy: Never` or `OnFailure`) are skipped: a probe has
/// nothing to restart or route there. `why` ends the message.
pub fn report_missing_probe(workload: &Workload, out: &mut Emitter, probe: &str, why: &str) {
    if workload
        .spec
        .restart_policy
        .as_deref()
        .is_some_and(|p| p != "Always")
    {
        return;
    }
    for c in workload.containers() {
        if c.kind != ContainerKind::Regular {
            continue;
        }
        let has = match probe {
            "livenessProbe" => c.container.liveness_probe.is_some(),
            "readinessProbe" => c.container.readiness_probe.is_some(),
            _ => true,
        };
        if !has {
            out.container(
                &c,
                &[probe],
                format!("{} has no {probe}: {why}", c.describe()),
            );
        }
    }
}

/// One pod template of the inventory: the object carrying it and where
/// its template lives.
#[derive(Debug)]
pub struct Template {
    /// Index into `Inventory::objects`.
    object: u32,
    /// JSON pointer of the template ([`rampart_core::workload::TemplatePath::template`]).
    template: &'static str,
    spec: &'static str,
}

impl Template {
    pub fn object<'a>(&self, inventory: &'a Inventory) -> &'a Object {
        &inventory.objects[self.object as usize]
    }

    fn labels<'a>(&self, inventory: &'a Inventory) -> Option<&'a Node> {
        self.object(inventory)
            .root
            .at(self.template)
            .and_then(|t| t.path(&["metadata", "labels"]))
    }

    pub fn matches(&self, inventory: &Inventory, selector: &Selector) -> bool {
        let labels = self.labels(inventory);
        selector.matches(|k| labels.and_then(|l| l.get(k)).and_then(Node::as_str))
    }

    /// Whether a controller owns the object (`ownerReferences` with
    /// `controller: true`): its owner carries the same template.
    pub fn controlled(&self, inventory: &Inventory) -> bool {
        items(
            self.object(inventory)
                .root
                .path(&["metadata", "ownerReferences"]),
        )
        .iter()
        .any(|r| r.get("controller").map(|c| &c.value) == Some(&Value::Bool(true)))
    }

    /// The PodSpec of the template, as a tree.
    pub fn spec<'a>(&self, inventory: &'a Inventory) -> Option<&'a Node> {
        self.object(inventory).root.at(self.spec)
    }
}

/// The container port a Service's named `targetPort` reaches in a pod with
/// PodSpec `pod`, as the endpoints controller resolves it: the first port
/// with that name and protocol (both default to TCP) among the containers,
/// then among sidecar init containers (`restartPolicy: Always`).
pub fn resolve_named_port(pod: &Node, name: &str, protocol: &str) -> Option<i64> {
    let sidecars = items(pod.get("initContainers"))
        .iter()
        .filter(|c| c.get("restartPolicy").and_then(Node::as_str) == Some("Always"));
    items(pod.get("containers"))
        .iter()
        .chain(sidecars)
        .flat_map(|c| items(c.get("ports")))
        .find(|p| {
            p.get("name").and_then(Node::as_str) == Some(name)
                && p.get("protocol").and_then(Node::as_str).unwrap_or("TCP") == protocol
        })
        .and_then(|p| int(p.get("containerPort")))
}

/// FNV-1a: the index keys are short strings hashed once each, where
/// SipHash's setup dominates.
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Hash of a namespace and optionally a label, the key of the indexes
/// below. Hash collisions only add candidates: every lookup re-checks the
/// namespace and the whole selector.
fn key(namespace: Option<&str>, label: Option<(&str, &str)>) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    (namespace, label).hash(&mut h);
    h.finish()
}

/// Hasher for maps keyed by [`key`]: the key is a hash already.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<Prehashed>>;

/// Pod templates and Services of an inventory, indexed by namespace and by
/// label, for the questions "which pods does this selector pick" and
/// "which Services pick this pod". Built without copying any label: the
/// indexes hold hashes and object indexes, the strings stay in the tree.
#[derive(Debug, Default)]
pub struct PodIndex {
    templates: Vec<Template>,
    by_namespace: KeyMap<Vec<u32>>,
    by_label: KeyMap<Vec<u32>>,
    /// Services with a selector, by namespace and the first pair of their
    /// selector, with the selector parsed.
    services: KeyMap<Vec<(u32, Selector)>>,
}

impl PodIndex {
    /// Builds the index over all objects, one chunk per core: the first
    /// check that asks waits for it, so it should not take one core's time.
    fn build(inventory: &Inventory) -> PodIndex {
        let objects = &inventory.objects;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let chunk = objects.len().div_ceil(threads).max(8192);
        if objects.len() <= chunk {
            return Self::build_part(objects, 0);
        }
        let parts: Vec<PodIndex> = std::thread::scope(|scope| {
            let handles: Vec<_> = objects
                .chunks(chunk)
                .enumerate()
                .map(|(n, part)| scope.spawn(move || Self::build_part(part, n * chunk)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        // Chunks are merged in input order, so every list is in input order.
        let mut index = PodIndex::default();
        for part in parts {
            let offset = index.templates.len() as u32;
            index.templates.extend(part.templates);
            for (global, local) in [
                (&mut index.by_label, part.by_label),
                (&mut index.by_namespace, part.by_namespace),
            ] {
                for (k, list) in local {
                    global
                        .entry(k)
                        .or_default()
                        .extend(list.into_iter().map(|t| t + offset));
                }
            }
            for (k, list) in part.services {
                index.services.entry(k).or_default().extend(list);
            }
        }
        index
    }

    /// The index of `objects`, which start at `first` in the inventory.
    fn build_part(objects: &[Object], first: usize) -> PodIndex {
        let mut index = PodIndex::default();
        for (i, o) in objects.iter().enumerate() {
            let i = first + i;
            let ns = o.namespace();
            if is(o, "", "Service") {
                let selector = o.root.path(&["spec", "selector"]);
                let first = string_entries(selector).next();
                if let (Some(first), Some(sel)) = (first, map_selector(selector)) {
                    index
                        .services
                        .entry(key(ns, Some(first)))
                        .or_default()
                        .push((i as u32, sel));
                }
                continue;
            }
            // A PodTemplate object runs no pods by itself.
            if o.kind() == "PodTemplate" {
                continue;
            }
            let Some(path) = template_path(&o.id.api_version, o.kind()) else {
                continue;
            };
            let t = index.templates.len() as u32;
            let labels = o
                .root
                .at(path.template)
                .and_then(|t| t.path(&["metadata", "labels"]));
            for label in string_entries(labels) {
                index
                    .by_label
                    .entry(key(ns, Some(label)))
                    .or_default()
                    .push(t);
            }
            index.by_namespace.entry(key(ns, None)).or_default().push(t);
            index.templates.push(Template {
                object: i as u32,
                template: path.template,
                spec: path.spec,
            });
        }
        index
    }

    fn in_namespace<'a>(
        &'a self,
        inventory: &'a Inventory,
        namespace: Option<&'a str>,
        candidates: Option<&'a Vec<u32>>,
    ) -> impl Iterator<Item = &'a Template> + 'a {
        candidates
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|&t| &self.templates[t as usize])
            .filter(move |t| t.object(inventory).namespace() == namespace)
    }

    /// Whether the inventory holds any pod template in `namespace`.
    pub fn has_templates(&self, inventory: &Inventory, namespace: Option<&str>) -> bool {
        let candidates = self.by_namespace.get(&key(namespace, None));
        self.in_namespace(inventory, namespace, candidates)
            .next()
            .is_some()
    }

    /// Pod templates in `namespace` whose labels `selector` matches.
    pub fn select<'a>(
        &'a self,
        inventory: &'a Inventory,
        namespace: Option<&'a str>,
        selector: &'a Selector,
    ) -> impl Iterator<Item = &'a Template> + 'a {
        // The rarest `key=value` pair of the selector gives the fewest
        // candidates; without any, every template of the namespace is one.
        let pairs: Vec<(&str, &str)> = match selector {
            Selector::All(reqs) => reqs
                .iter()
                .filter(|r| r.op == Op::In && r.values.len() == 1)
                .map(|r| (r.key.as_str(), r.values[0].as_str()))
                .collect(),
            Selector::Nothing => Vec::new(),
        };
        let candidates = if pairs.is_empty() {
            self.by_namespace.get(&key(namespace, None))
        } else {
            let lists = pairs
                .iter()
                .map(|&pair| self.by_label.get(&key(namespace, Some(pair))));
            // A pair no template carries means no template matches.
            lists.min_by_key(|l| l.map_or(0, Vec::len)).flatten()
        };
        self.in_namespace(inventory, namespace, candidates)
            .filter(move |t| t.matches(inventory, selector))
    }

    /// Services in `namespace` whose selector picks a pod with `labels`.
    pub fn services_selecting<'a>(
        &'a self,
        inventory: &'a Inventory,
        namespace: Option<&'a str>,
        labels: &'a BTreeMap<String, String>,
    ) -> impl Iterator<Item = &'a Object> + 'a {
        // Each Service is filed under one pair of its selector, which the
        // pod must carry: looking up the pod's own pairs finds each
        // candidate exactly once.
        labels
            .iter()
            .filter_map(move |(k, v)| self.services.get(&key(namespace, Some((k, v)))))
            .flatten()
            .map(|(i, sel)| (&inventory.objects[*i as usize], sel))
            .filter(move |(s, sel)| {
                s.namespace() == namespace && sel.matches(|k| labels.get(k).map(String::as_str))
            })
            .map(|(s, _)| s)
    }
}

/// An index built from the inventory currently scanned.
pub struct Cache<T> {
    /// Identity of the inventory: its first object. Holding the `Weak`
    /// keeps that allocation from being reused, so a pointer match cannot
    /// come from a different inventory.
    first: Weak<ObjectRef>,
    len: usize,
    value: Arc<T>,
}

/// A slot for one [`Cache`], as a `static`.
pub type CacheSlot<T> = Mutex<Option<Cache<T>>>;

/// The value `build` computes from `inventory`, built once per inventory and
/// shared by every object's check: cross-object questions become a lookup
/// instead of a scan of the inventory for every object. Results never
/// depend on the cache, only the time they take.
pub fn cached<T: Default>(
    slot: &CacheSlot<T>,
    inventory: &Inventory,
    build: fn(&Inventory) -> T,
) -> Arc<T> {
    let Some(first) = inventory.objects.first().map(|o| &o.id) else {
        return Arc::default();
    };
    let mut cache = slot.lock().unwrap_or_else(PoisonError::into_inner);
    let current = cache.as_ref().filter(|c| {
        c.len == inventory.objects.len() && std::ptr::eq(c.first.as_ptr(), Arc::as_ptr(first))
    });
    if let Some(c) = current {
        return Arc::clone(&c.value);
    }
    let value = Arc::new(build(inventory));
    *cache = Some(Cache {
        first: Arc::downgrade(first),
        len: inventory.objects.len(),
        value: Arc::clone(&value),
    });
    value
}

static POD_INDEX: CacheSlot<PodIndex> = Mutex::new(None);

/// The [`PodIndex`] of `inventory`.
pub fn pod_index(inventory: &Inventory) -> Arc<PodIndex> {
    cached(&POD_INDEX, inventory, PodIndex::build)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for p in [
            "${DB_PASSWORD}",
            "{{ .Values.pw }}",
            "<password>",
            "$(TOKEN)",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for v in ["hunter2", "${", "<>", "abc${X}", "{{}}"] {
            assert!(!is_placeholder(v), "{v}");
        }
    }

    #[test]
    fn image_paths() {
        assert_eq!(
            image_path("registry.k8s.io/ingress-nginx/controller:v1.12.1@sha256:ab"),
            "ingress-nginx/controller"
        );
        assert_eq!(
            image_path("kubernetesui/dashboard:v2.7.0"),
            "kubernetesui/dashboard"
        );
        assert_eq!(image_path("localhost/tiller"), "tiller");
        assert_eq!(image_path("mirror:5000/Helm/Tiller"), "helm/tiller");
        assert_eq!(image_path("nginx"), "nginx");
        assert!(is_repository("helm/tiller", "tiller") && is_repository("tiller", "tiller"));
        assert!(!is_repository("mytiller", "tiller"));
    }

    #[test]
    fn versions() {
        assert_eq!(semver("v1.11.4"), Some((1, 11, 4)));
        assert_eq!(semver("1.12.0-beta.0"), Some((1, 12, 0)));
        assert_eq!(semver("v1.9"), Some((1, 9, 0)));
        assert_eq!(semver("latest"), None);
        assert_eq!(semver("v1.2.3.4"), None);
    }

    #[test]
    fn system_paths() {
        for p in [
            "/",
            "/etc",
            "/etc/",
            "/var/lib/kubelet/pods",
            "//proc",
            "/./root",
            "/mnt/../etc",
        ] {
            assert!(is_system_path(p), "{p}");
        }
        for p in [
            "/mnt/disks/ssd0",
            "/etcd",
            "/data",
            "/var/lib/app",
            "/var/logs",
        ] {
            assert!(!is_system_path(p), "{p}");
        }
    }

    #[test]
    fn overlapping_paths() {
        assert!(paths_overlap("/exports", "/exports/a"));
        assert!(paths_overlap("/exports/a/", "/exports/a"));
        assert!(!paths_overlap("/exports/a", "/exports/b"));
        assert!(!paths_overlap("/exports", "/exports-b"));
    }

    #[test]
    fn chunked_index_equals_sequential() {
        use rampart_core::source::SourceFile;
        use rampart_core::yaml::Limits;
        use std::fmt::Write as _;

        let mut text = String::new();
        for i in 0..20_000 {
            let _ = write!(
                text,
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: ns{}, labels: {{app: a{}, i: \"{i}\"}}}}\nspec: {{containers: [{{name: c, image: i}}]}}\n---\n",
                i % 3,
                i % 7
            );
        }
        text.push_str("apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: ns1}\nspec: {selector: {app: a2}}\n");
        let inventory = Inventory::from_sources(
            vec![SourceFile {
                name: "t.yaml".into(),
                text,
            }],
            Vec::new(),
            Limits::default(),
        );
        let chunked = PodIndex::build(&inventory);
        let sequential = PodIndex::build_part(&inventory.objects, 0);
        let names = |index: &PodIndex, sel: &Selector| -> Vec<String> {
            index
                .select(&inventory, Some("ns1"), sel)
                .map(|t| t.object(&inventory).name().to_string())
                .collect()
        };
        let app = map_selector(
            inventory
                .objects
                .last()
                .and_then(|s| s.root.path(&["spec", "selector"])),
        )
        .unwrap_or(Selector::Nothing);
        assert_eq!(names(&chunked, &app).len(), 952);
        let everything = Selector::All(Vec::new());
        for sel in [&app, &everything] {
            assert_eq!(names(&chunked, sel), names(&sequential, sel));
        }
        assert_eq!(names(&chunked, &everything).len(), 6667);
        let labels: BTreeMap<String, String> = [("app".to_string(), "a2".to_string())].into();
        let services: Vec<&str> = chunked
            .services_selecting(&inventory, Some("ns1"), &labels)
            .map(Object::name)
            .collect();
        assert_eq!(services, ["s"]);
    }
}
