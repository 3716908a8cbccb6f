//! The objects served, pre-serialized once at startup and kept sorted the
//! way etcd keeps them, so that a list page is a slice and a `continue`
//! token is a binary search: serving 100k objects costs what copying their
//! bytes costs.

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::resources::{self, Resource};

/// When objects were "created", unless the fixture says: a fixed instant
/// keeps answers identical from run to run.
pub(crate) const CREATED: &str = "2025-01-01T00:00:00Z";
/// The resourceVersion the first object gets; later ones count up, and
/// lists report the number after the last.
const FIRST_RV: u64 = 1000;

/// One stored object.
pub(crate) struct Entry {
    /// etcd's key below the resource prefix: `namespace/name`, or `name`
    /// for cluster-scoped objects. Entries are sorted by it.
    pub key: String,
    pub namespace: Option<String>,
    pub name: String,
    /// The object as JSON without `kind` and `apiVersion`, the form items
    /// take in a typed list.
    pub item: Bytes,
    /// The object's `metadata` as JSON.
    pub metadata: Bytes,
    pub labels: Vec<(String, String)>,
    /// Values of the fields a field selector may name for this kind,
    /// besides metadata.name and metadata.namespace.
    pub fields: Vec<(&'static str, String)>,
}

pub(crate) struct Store {
    pub resources: Vec<Resource>,
    /// The objects of `resources[i]`, sorted by key.
    pub collections: Vec<Vec<Entry>>,
    /// The list resourceVersion: above every object's.
    pub resource_version: String,
}

/// Field selectors the apiserver supports beyond metadata.name/namespace,
/// per (group, kind).
pub(crate) fn selectable_fields(group: &str, kind: &str) -> &'static [&'static str] {
    match (group, kind) {
        ("", "Pod") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        ("", "Secret") => &["type"],
        ("", "Node") => &["spec.unschedulable"],
        ("", "Namespace") => &["status.phase"],
        ("", "ReplicationController") | ("apps", "ReplicaSet") => &["status.replicas"],
        ("batch", "Job") => &["status.successful"],
        ("certificates.k8s.io", "CertificateSigningRequest") => &["spec.signerName"],
        _ => &[],
    }
}

impl Store {
    /// Checks every object is of a served kind, fills in what the
    /// apiserver would have set, and serializes. All problems are
    /// reported at once.
    pub fn build(objects: Vec<Value>) -> Result<Store, String> {
        let mut resources = resources::builtins();
        let mut errors = Vec::new();
        // CRDs first: they decide which custom objects are served.
        for o in &objects {
            if o["kind"] == "CustomResourceDefinition"
                && o["apiVersion"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("apiextensions.k8s.io/"))
            {
                match resources::from_crd(o) {
                    Ok(r) => {
                        if resources
                            .iter()
                            .any(|x| x.group == r.group && x.plural == r.plural)
                        {
                            errors.push(format!(
                                "CustomResourceDefinition for {}.{}: that resource is already served",
                                r.plural, r.group
                            ));
                        } else {
                            resources.push(r);
                        }
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
        let by_kind: HashMap<&str, Vec<usize>> =
            resources
                .iter()
                .enumerate()
                .fold(HashMap::new(), |mut m, (i, r)| {
                    m.entry(r.kind.as_str()).or_default().push(i);
                    m
                });
        let mut placed: Vec<Vec<(usize, Entry)>> = resources.iter().map(|_| Vec::new()).collect();
        for (index, object) in objects.into_iter().enumerate() {
            match place(&resources, &by_kind, index, object) {
                Ok((r, entry)) => placed[r].push((index, entry)),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            if errors.len() > 20 {
                let more = errors.len() - 20;
                errors.truncate(20);
                errors.push(format!("... and {more} more"));
            }
            return Err(errors.join("\n"));
        }
        let count: usize = placed.iter().map(Vec::len).sum();
        let collections = placed
            .into_iter()
            .map(|mut entries| {
                // The same object twice: the later copy wins, as when the
                // fixtures are applied in order.
                entries.sort_by(|(ia, a), (ib, b)| a.key.cmp(&b.key).then(ia.cmp(ib)));
                let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
                for (_, e) in entries {
                    match out.last_mut() {
                        Some(last) if last.key == e.key => *last = e,
                        _ => out.push(e),
                    }
                }
                out
            })
            .collect();
        Ok(Store {
            resources,
            collections,
            resource_version: (FIRST_RV + count as u64).to_string(),
        })
    }

    /// The index of the resource `plural` served at `group`/`version`.
    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<usize> {
        self.resources
            .iter()
            .position(|r| r.group == group && r.plural == plural && r.serves(version))
    }
}

/// Which resource `object` belongs to, and its stored form.
fn place(
    resources: &[Resource],
    by_kind: &HashMap<&str, Vec<usize>>,
    index: usize,
    object: Value,
) -> Result<(usize, Entry), String> {
    let Value::Object(mut map) = object else {
        return Err(format!("object {}: not a JSON object", index + 1));
    };
    let api_version = map
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let kind = map
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    // How errors name the object.
    let described = {
        let m = map.get("metadata");
        let name = m.and_then(|m| m.get("name")).and_then(Value::as_str);
        let ns = m.and_then(|m| m.get("namespace")).and_then(Value::as_str);
        match (ns, name) {
            (Some(ns), Some(n)) => format!("{kind} {ns}/{n}"),
            (None, Some(n)) => format!("{kind} {n}"),
            _ => format!("{kind} (object {})", index + 1),
        }
    };
    let what = || described.as_str();
    if api_version.is_empty() || kind.is_empty() {
        return Err(format!("{}: apiVersion and kind are required", what()));
    }
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    // An object at an old version of a served kind is served at the
    // table's version, as the apiserver converts it; `extensions` held
    // kinds that moved to apps and networking.k8s.io.
    let r = by_kind
        .get(kind.as_str())
        .and_then(|candidates| {
            candidates.iter().copied().find(|&i| {
                resources[i].group == group
                    || (group == "extensions"
                        && matches!(resources[i].group.as_str(), "apps" | "networking.k8s.io"))
            })
        })
        .ok_or_else(|| {
            format!(
                "{}: apiVersion {api_version} kind {kind} is not served (not a built-in resource, and no CustomResourceDefinition in the fixtures defines it)",
                what()
            )
        })?;
    let resource = &resources[r];
    map.remove("kind");
    map.remove("apiVersion");
    let mut metadata = match map.remove("metadata") {
        Some(Value::Object(m)) => m,
        _ => return Err(format!("{}: metadata is missing", what())),
    };
    let name = match (
        metadata.get("name").and_then(Value::as_str),
        metadata.get("generateName").and_then(Value::as_str),
    ) {
        (Some(n), _) if !n.is_empty() => n.to_string(),
        // The apiserver appends five random characters; here they come
        // from the object's position so that runs agree.
        (_, Some(g)) if !g.is_empty() => format!("{g}{}", suffix(index)),
        _ => return Err(format!("{}: metadata.name is missing", what())),
    };
    metadata.insert("name".into(), name.clone().into());
    let namespace = if resource.namespaced {
        let ns = metadata
            .get("namespace")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or("default")
            .to_string();
        metadata.insert("namespace".into(), ns.clone().into());
        Some(ns)
    } else {
        metadata.remove("namespace");
        None
    };
    let key = match &namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.clone(),
    };
    let served_api_version = resource.preferred_api_version();
    fill_metadata(
        &mut metadata,
        &map,
        resource,
        &served_api_version,
        &key,
        index,
    );
    if resource.group.is_empty() && resource.kind == "Namespace" {
        // Every namespace carries this label since Kubernetes 1.21; the
        // apiserver sets it whatever the client sent.
        let labels = metadata
            .entry("labels")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(l) = labels {
            l.insert("kubernetes.io/metadata.name".into(), name.clone().into());
        }
        if !map.contains_key("status") {
            map.insert("status".into(), json!({"phase": "Active"}));
        }
    }
    let labels = metadata
        .get("labels")
        .and_then(Value::as_object)
        .map(|l| {
            l.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let fields = selectable_fields(&resource.group, &resource.kind)
        .iter()
        .map(|&f| {
            let mut v = &Value::Null;
            let mut parts = f.split('.');
            if let Some(first) = parts.next() {
                v = map.get(first).unwrap_or(&Value::Null);
                for p in parts {
                    v = &v[p];
                }
            }
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                // Booleans the apiserver defaults to false.
                Value::Null if matches!(f, "spec.hostNetwork" | "spec.unschedulable") => {
                    "false".into()
                }
                _ => String::new(),
            };
            (f, s)
        })
        .collect();
    let metadata_bytes = serde_json::to_vec(&metadata).map_err(|e| format!("{}: {e}", what()))?;
    map.insert("metadata".into(), Value::Object(metadata));
    let item = serde_json::to_vec(&map).map_err(|e| format!("{}: {e}", what()))?;
    Ok((
        r,
        Entry {
            key,
            namespace,
            name,
            item: Bytes::from(item),
            metadata: Bytes::from(metadata_bytes),
            labels,
            fields,
        },
    ))
}

/// What the apiserver sets on every stored object, where the fixture did
/// not: uid, resourceVersion, creationTimestamp and a managedFields entry
/// (real objects always carry one, and clients are expected to strip it).
fn fill_metadata(
    metadata: &mut Map<String, Value>,
    object: &Map<String, Value>,
    resource: &Resource,
    api_version: &str,
    key: &str,
    index: usize,
) {
    if !metadata.contains_key("uid") {
        let seed = format!("{}/{}/{key}", resource.group, resource.plural);
        metadata.insert("uid".into(), uid(&seed).into());
    }
    if !metadata.contains_key("resourceVersion") {
        metadata.insert(
            "resourceVersion".into(),
            (FIRST_RV + index as u64).to_string().into(),
        );
    }
    let created = metadata
        .get("creationTimestamp")
        .and_then(Value::as_str)
        .unwrap_or(CREATED)
        .to_string();
    if !metadata.contains_key("creationTimestamp") || metadata["creationTimestamp"].is_null() {
        metadata.insert("creationTimestamp".into(), created.clone().into());
    }
    if !metadata.contains_key("managedFields") {
        let mut fields = Map::new();
        let mut meta_fields = Map::new();
        for k in ["labels", "annotations"] {
            if let Some(Value::Object(m)) = metadata.get(k) {
                let mut f = Map::new();
                f.insert(".".into(), json!({}));
                for key in m.keys() {
                    f.insert(format!("f:{key}"), json!({}));
                }
                meta_fields.insert(format!("f:{k}"), Value::Object(f));
            }
        }
        if !meta_fields.is_empty() {
            fields.insert("f:metadata".into(), Value::Object(meta_fields));
        }
        for k in object.keys() {
            if k != "status" {
                fields.insert(format!("f:{k}"), json!({}));
            }
        }
        metadata.insert(
            "managedFields".into(),
            json!([{
                "manager": "kubectl-client-side-apply",
                "operation": "Update",
                "apiVersion": api_version,
                "time": created,
                "fieldsType": "FieldsV1",
                "fieldsV1": fields,
            }]),
        );
    }
}

/// FNV-1a, for deterministic uids.
fn fnv(seed: u64, s: &str) -> u64 {
    let mut h = seed;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A version-4-shaped UUID derived from `seed`: stable across runs, unique
/// per object.
fn uid(seed: &str) -> String {
    let a = fnv(0xcbf2_9ce4_8422_2325, seed);
    let b = fnv(0x8422_2325_cbf2_9ce4, seed);
    let hi = (a & 0xffff_ffff_ffff_0fff) | 0x4000;
    let lo = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// The five characters the apiserver would append to a generateName.
fn suffix(index: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut n = fnv(0xcbf2_9ce4_8422_2325, &index.to_string());
    (0..5)
        .map(|_| {
            let c = ALPHABET[(n % ALPHABET.len() as u64) as usize] as char;
            n /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_and_sorts() {
        let store = Store::build(vec![
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "namespace": "a-b"}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "a"}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "z"}}),
            json!({"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {"name": "i", "namespace": "x"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "namespace": "ignored"}}),
        ])
        .unwrap();
        let pods = &store.collections[store.find("", "v1", "pods").unwrap()];
        let keys: Vec<&str> = pods.iter().map(|e| e.key.as_str()).collect();
        // etcd's order: by key string ("a-b/" sorts before "a/").
        assert_eq!(keys, ["a-b/b", "a/a", "default/z"]);
        let ing = &store.collections[store.find("networking.k8s.io", "v1", "ingresses").unwrap()];
        assert_eq!(ing.len(), 1);
        let ns = &store.collections[store.find("", "v1", "namespaces").unwrap()][0];
        let v: Value = serde_json::from_slice(&ns.item).unwrap();
        assert_eq!(v["metadata"]["labels"]["kubernetes.io/metadata.name"], "x");
        assert!(v["metadata"].get("namespace").is_none());
        assert!(v.get("kind").is_none());
        assert_eq!(
            v["metadata"]["managedFields"][0]["manager"],
            "kubectl-client-side-apply"
        );
        assert_eq!(v["metadata"]["uid"].as_str().map(str::len), Some(36));
    }

    #[test]
    fn unknown_kinds_are_errors() {
        let e = Store::build(vec![
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}),
            json!({"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy", "metadata": {"name": "p"}}),
        ])
        .err()
        .unwrap();
        assert!(e.contains("Widget w"), "{e}");
        assert!(e.contains("PodSecurityPolicy p"), "{e}");
    }

    #[test]
    fn later_copy_wins() {
        let store = Store::build(vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"v": "1"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"v": "2"}}),
        ])
        .unwrap();
        let cms = &store.collections[store.find("", "v1", "configmaps").unwrap()];
        assert_eq!(cms.len(), 1);
        let v: Value = serde_json::from_slice(&cms[0].item).unwrap();
        assert_eq!(v["data"]["v"], "2");
    }
}
