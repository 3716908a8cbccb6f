//! The inventory: every Kubernetes object found in the input, with its
//! provenance and typed pod template, indexed for the lookups analyses make.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::de::DeError;
use crate::diag::Diagnostic;
use crate::finding::ObjectRef;
use crate::node::{Node, Value};
use crate::source::{self, Chunk, Input, MAX_DOCUMENT_BYTES, SourceFile};
use crate::workload::{Workload, template_path};
use crate::yaml::{self, Limits};

#[derive(Debug)]
pub struct Object {
    /// apiVersion, kind, namespace and name, shared by every finding on
    /// this object.
    pub id: Arc<ObjectRef>,
    /// The object as Kubernetes reads it, with positions.
    pub root: Node,
    pub file: Arc<str>,
    /// 0-based index of the YAML document in its file.
    pub document: u32,
    pub helm_source: Option<Arc<str>>,
}

impl Object {
    pub fn kind(&self) -> &str {
        &self.id.kind
    }

    pub fn name(&self) -> &str {
        &self.id.name
    }

    pub fn namespace(&self) -> Option<&str> {
        self.id.namespace.as_deref()
    }

    /// The API group (`""` for core).
    pub fn group(&self) -> &str {
        self.id.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// The typed pod template, for kinds that carry one; an error when a
    /// field does not fit its Kubernetes type. Built on demand rather than
    /// kept: typed pod specs are large, and analyses need them one object
    /// at a time.
    pub fn workload(&self) -> Option<Result<Workload, DeError>> {
        let path = template_path(&self.id.api_version, &self.id.kind)?;
        Some(Workload::from_object(&self.root, &self.id.kind, path))
    }

    /// The diagnostic for a workload whose fields do not fit their types.
    pub fn invalid_field(&self, e: &DeError) -> Diagnostic {
        Diagnostic::error(
            "invalid-field",
            format!(
                "{} \"{}\": `{}`: {}; the API server would reject this object, so what it describes is not evaluated",
                self.id.kind,
                self.id.name,
                dotted(&e.pointer()),
                e.message
            ),
        )
        .in_file(&self.file, e.pos)
        .at_pointer(e.pointer())
    }

    /// The object's label `key`, if set.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.root
            .path(&["metadata", "labels", key])
            .and_then(Node::as_str)
    }

    /// The object's annotation `key`, if set to a string.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.root
            .path(&["metadata", "annotations", key])
            .and_then(Node::as_str)
    }
}

#[derive(Debug, Default)]
pub struct Inventory {
    pub objects: Vec<Object>,
    pub sources: Vec<SourceFile>,
    /// Problems with the input itself, in input order.
    pub diagnostics: Vec<Diagnostic>,
    by_kind: HashMap<String, Vec<usize>>,
    /// Built on first use: analyses that never look objects up by name or
    /// label do not pay for these.
    by_name: OnceLock<HashMap<NameKey, usize>>,
    by_label: OnceLock<HashMap<LabelKey, Vec<usize>>>,
    /// Models analyses derive from the whole inventory (the RBAC model),
    /// built once per inventory and shared by every rule that needs one.
    derived: std::sync::Mutex<HashMap<std::any::TypeId, Arc<OnceLock<DerivedValue>>>>,
}

type DerivedValue = Arc<dyn std::any::Any + Send + Sync>;

/// (kind, namespace, name).
type NameKey = (String, Option<String>, String);
/// (namespace, label key, label value).
type LabelKey = (Option<String>, String, String);

impl Inventory {
    /// Reads, parses and indexes `inputs`, leaving out files for which
    /// `exclude` is true. Nothing here fails as a whole: every unreadable
    /// file or malformed document becomes a diagnostic and the rest is
    /// still loaded.
    pub fn load(
        inputs: &[Input],
        limits: Limits,
        exclude: &(dyn Fn(&std::path::Path) -> bool + Sync),
    ) -> Inventory {
        Self::load_with(Vec::new(), inputs, limits, exclude)
    }

    /// Like [`Inventory::load`], with `preloaded` files (built-in objects
    /// such as the Kubernetes default roles) placed before the inputs, so
    /// that an input object with the same identity wins.
    pub fn load_with(
        preloaded: Vec<SourceFile>,
        inputs: &[Input],
        limits: Limits,
        exclude: &(dyn Fn(&std::path::Path) -> bool + Sync),
    ) -> Inventory {
        let mut diagnostics = Vec::new();
        let mut files = source::expand(inputs, &mut diagnostics);
        files.retain(|f| !matches!(f, Input::Path(p) if exclude(p)));
        let read: Vec<_> = files.par_iter().map(source::read).collect();
        let mut sources = preloaded;
        sources.reserve(read.len());
        for r in read {
            match r {
                Ok(f) => sources.push(f),
                Err(d) => diagnostics.push(d),
            }
        }
        Self::from_sources(sources, diagnostics, limits)
    }

    /// Builds the inventory from files already in memory.
    pub fn from_sources(
        sources: Vec<SourceFile>,
        mut diagnostics: Vec<Diagnostic>,
        limits: Limits,
    ) -> Inventory {
        let chunks: Vec<(usize, u32, Chunk)> = sources
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, f)| {
                source::split_documents(&f.text)
                    .into_iter()
                    .enumerate()
                    .map(move |(d, c)| (i, d as u32, c))
            })
            .collect();
        let parsed: Vec<(Vec<Object>, Vec<Diagnostic>)> = chunks
            .into_par_iter()
            .map(|(i, document, chunk)| {
                let file = &sources[i];
                load_document(file, document, &chunk, limits)
            })
            .collect();
        let mut objects = Vec::new();
        for (objs, diags) in parsed {
            objects.extend(objs);
            diagnostics.extend(diags);
        }
        let mut by_kind: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, o) in objects.iter().enumerate() {
            by_kind.entry(o.id.kind.clone()).or_default().push(i);
        }
        let mut inventory = Inventory {
            objects,
            sources,
            diagnostics,
            by_kind,
            by_name: OnceLock::new(),
            by_label: OnceLock::new(),
            derived: Default::default(),
        };
        // What a cluster read could not see belongs in every report made
        // from it, live or from its snapshot.
        if let Some((_, info)) = crate::cluster::ClusterInfo::of(&inventory) {
            let gaps = info.coverage_gaps.iter().map(|g| g.diagnostic());
            inventory.diagnostics.extend(gaps);
        }
        inventory
    }

    /// The `T` derived from this inventory by `build`, built on first use
    /// and then shared: rules that need the same model (every RBAC rule
    /// needs the RBAC model) build it once. `build` may itself ask for
    /// other derived values.
    pub fn derived<T: std::any::Any + Send + Sync>(
        &self,
        build: impl FnOnce(&Inventory) -> T,
    ) -> Arc<T> {
        let cell = {
            let mut map = self
                .derived
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            map.entry(std::any::TypeId::of::<T>()).or_default().clone()
        };
        let value = cell.get_or_init(|| Arc::new(build(self)) as DerivedValue);
        match value.clone().downcast::<T>() {
            Ok(v) => v,
            // The map is keyed by T's TypeId, so the value is a T.
            Err(_) => unreachable!("derived value stored under another type's id"),
        }
    }

    /// The object of `kind` named `name` in `namespace` (`None` for
    /// cluster-scoped objects or objects that set no namespace). When the
    /// input holds the same object twice, the last one wins, as with
    /// `kubectl apply`.
    pub fn get(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<&Object> {
        self.get_indexed(kind, namespace, name).map(|(_, o)| o)
    }

    /// [`Inventory::get`], with the object's index in [`Inventory::objects`].
    pub fn get_indexed(
        &self,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<(usize, &Object)> {
        let index = self.by_name.get_or_init(|| {
            self.objects
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let id = &o.id;
                    ((id.kind.clone(), id.namespace.clone(), id.name.clone()), i)
                })
                .collect()
        });
        index
            .get(&(
                kind.to_string(),
                namespace.map(str::to_string),
                name.to_string(),
            ))
            .map(|&i| (i, &self.objects[i]))
    }

    /// The object's controller (its ownerReference with `controller: true`)
    /// when the input holds it: that object stands for it (a Deployment
    /// for its ReplicaSets' pods). A controlled object whose controller is
    /// not in the input stands for itself.
    pub fn controller_of(&self, o: &Object) -> Option<(usize, &Object)> {
        let refs = o.root.path(&["metadata", "ownerReferences"])?.as_seq()?;
        let owner = refs.iter().find(|r| {
            r.get("controller")
                .is_some_and(|c| c.value == crate::node::Value::Bool(true))
        })?;
        let kind = owner.get("kind")?.as_str()?;
        let name = owner.get("name")?.as_str()?;
        self.get_indexed(kind, o.namespace(), name)
    }

    /// Objects in `namespace` whose labels match `selector`, in input order.
    /// An equality requirement narrows the search through a label index.
    pub fn select<'a>(
        &'a self,
        namespace: Option<&str>,
        selector: &'a crate::selector::Selector,
    ) -> impl Iterator<Item = &'a Object> + 'a {
        let namespace = namespace.map(str::to_string);
        let candidates: Box<dyn Iterator<Item = &'a Object> + 'a> = match selector.equality() {
            Some((k, v)) => {
                let index = self.by_label.get_or_init(|| self.label_index());
                let hits = index
                    .get(&(namespace.clone(), k.to_string(), v.to_string()))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                Box::new(hits.iter().map(|&i| &self.objects[i]))
            }
            None => Box::new(self.objects.iter()),
        };
        candidates.filter(move |o| o.id.namespace == namespace && selector.matches(|k| o.label(k)))
    }

    fn label_index(&self) -> HashMap<LabelKey, Vec<usize>> {
        let mut index: HashMap<LabelKey, Vec<usize>> = HashMap::new();
        for (i, o) in self.objects.iter().enumerate() {
            let Some(Value::Map(labels)) = o.root.path(&["metadata", "labels"]).map(|n| &n.value)
            else {
                continue;
            };
            for e in labels.iter() {
                if let Some(v) = e.value.as_str() {
                    index
                        .entry((o.id.namespace.clone(), e.key.to_string(), v.to_string()))
                        .or_default()
                        .push(i);
                }
            }
        }
        index
    }

    /// Objects of `kind`, in input order.
    pub fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Object> + 'a {
        self.of_kind_indexed(kind).map(|(_, o)| o)
    }

    /// Objects of `kind` with their index in [`Inventory::objects`], in
    /// input order.
    pub fn of_kind_indexed<'a>(
        &'a self,
        kind: &str,
    ) -> impl Iterator<Item = (usize, &'a Object)> + 'a {
        self.by_kind
            .get(kind)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|&i| (i, &self.objects[i]))
    }
}

fn load_document(
    file: &SourceFile,
    document: u32,
    chunk: &Chunk,
    limits: Limits,
) -> (Vec<Object>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let text = &file.text[chunk.start..chunk.end];
    if text.len() > MAX_DOCUMENT_BYTES {
        diags.push(
            Diagnostic::error(
                "too-large",
                format!(
                    "document {} is {} bytes, over the {MAX_DOCUMENT_BYTES} byte limit for one document; skipped",
                    document + 1,
                    text.len()
                ),
            )
            .in_file(&file.name, Some(crate::node::Pos {
                line: chunk.first_line,
                col: 1,
            })),
        );
        return (Vec::new(), diags);
    }
    let root = match yaml::parse_document(text, chunk.first_line, limits) {
        Ok(parsed) => {
            for d in parsed.duplicates {
                diags.push(
                    Diagnostic::error("duplicate-key", d.message).in_file(&file.name, Some(d.pos)),
                );
            }
            match parsed.root {
                Some(root) => root,
                None => return (Vec::new(), diags),
            }
        }
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "yaml-syntax",
                    format!("{}; this document is skipped", e.message),
                )
                .in_file(&file.name, Some(e.pos)),
            );
            return (Vec::new(), diags);
        }
    };
    let helm: Option<Arc<str>> = chunk.helm_source.as_deref().map(Arc::from);
    let mut objects = Vec::new();
    collect_objects(root, file, document, &helm, &mut objects, &mut diags);
    (objects, diags)
}

/// Turns a document into objects, flattening `kind: List` and `*List`.
fn collect_objects(
    root: Node,
    file: &SourceFile,
    document: u32,
    helm: &Option<Arc<str>>,
    objects: &mut Vec<Object>,
    diags: &mut Vec<Diagnostic>,
) {
    let invalid = |node: &Node, field: &str, expected: &str| {
        Diagnostic::error(
            "invalid-field",
            format!(
                "`{field}` must be {expected}, found {}{}; this object is skipped",
                node.value.type_name(),
                match node.value {
                    // `namespace: y` or `name: 0123`: YAML 1.1 as kubectl reads it.
                    Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
                        " (kubectl reads y/n/yes/no/on/off and numbers unquoted as such; quote the value)"
                    }
                    _ => "",
                }
            ),
        )
        .in_file(&file.name, Some(node.start))
    };
    if !matches!(root.value, Value::Map(_)) {
        tracing::debug!(
            "{}:{}: document is a {}, not a Kubernetes object; skipped",
            file.name,
            root.start.line,
            root.value.type_name()
        );
        return;
    }
    let (api_version, kind) = match (root.get("apiVersion"), root.get("kind")) {
        (Some(a), Some(k)) => match (a.as_str(), k.as_str()) {
            (Some(a), Some(k)) => (a.to_string(), k.to_string()),
            (None, _) => return diags.push(invalid(a, "apiVersion", "a string")),
            (_, None) => return diags.push(invalid(k, "kind", "a string")),
        },
        _ => {
            tracing::debug!(
                "{}:{}: document has no apiVersion/kind; skipped",
                file.name,
                root.start.line
            );
            return;
        }
    };
    // kubectl decodes any document with `items` as a list (`kind: List`,
    // `PodList`, ...) and applies each item. Items with neither kind nor
    // apiVersion take the list's kind without "List" and its apiVersion.
    if root.get("items").is_some() {
        let item_kind = kind.strip_suffix("List").unwrap_or(&kind).to_string();
        let Value::Map(entries) = root.value else {
            return;
        };
        let Some(items) = entries.into_vec().into_iter().find(|e| &*e.key == "items") else {
            return;
        };
        match items.value.value {
            Value::Seq(list) => {
                for mut item in list {
                    inherit_kind(&mut item, &item_kind, &api_version);
                    collect_objects(item, file, document, helm, objects, diags);
                }
            }
            Value::Null => {}
            _ => diags.push(invalid(&items.value, "items", "a list")),
        }
        return;
    }
    let meta_str = |field: &str| -> Result<Option<String>, Diagnostic> {
        match root.path(&["metadata", field]) {
            None => Ok(None),
            Some(n) => match &n.value {
                Value::Str(s) => Ok(Some(s.to_string())),
                Value::Null => Ok(None),
                _ => Err(invalid(n, &format!("metadata.{field}"), "a string")),
            },
        }
    };
    let (name, generate_name, namespace) = match (
        meta_str("name"),
        meta_str("generateName"),
        meta_str("namespace"),
    ) {
        (Ok(n), Ok(g), Ok(ns)) => (n, g, ns),
        (Err(d), _, _) | (_, Err(d), _) | (_, _, Err(d)) => return diags.push(d),
    };
    let name = name.or(generate_name).unwrap_or_default();
    objects.push(Object {
        id: Arc::new(ObjectRef {
            api_version,
            kind,
            namespace,
            name,
        }),
        root,
        file: file.name.clone(),
        document,
        helm_source: helm.clone(),
    });
}

fn inherit_kind(item: &mut Node, kind: &str, api_version: &str) {
    let start = item.start;
    let Value::Map(entries) = &mut item.value else {
        return;
    };
    if entries
        .iter()
        .any(|e| &*e.key == "kind" || &*e.key == "apiVersion")
    {
        return;
    }
    let mut all = std::mem::take(entries).into_vec();
    for (key, value) in [("apiVersion", api_version), ("kind", kind)] {
        all.push(crate::node::Entry {
            key: key.into(),
            key_pos: start,
            value: Node::new(Value::Str(value.into()), start, start),
        });
    }
    *entries = all.into_boxed_slice();
}

/// `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`.
pub fn dotted(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(&token);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selector::Selector;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

    fn inventory(text: &str) -> Inventory {
        Inventory::from_sources(
            vec![SourceFile {
                name: Arc::from("t.yaml"),
                text: text.to_string(),
            }],
            Vec::new(),
            Limits::default(),
        )
    }

    const OBJECTS: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: web, tier: fe}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x, labels: {app: web}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: c, namespace: z, labels: {app: web}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n";

    #[test]
    fn lookup_by_kind_namespace_and_name() {
        let inv = inventory(OBJECTS);
        assert_eq!(inv.get("Pod", Some("x"), "b").map(Object::name), Some("b"));
        assert!(inv.get("Pod", Some("z"), "b").is_none());
        assert_eq!(
            inv.get("Namespace", None, "x").map(Object::kind),
            Some("Namespace")
        );
        assert_eq!(inv.of_kind("Pod").count(), 3);
    }

    #[test]
    fn select_by_labels_within_a_namespace() {
        let inv = inventory(OBJECTS);
        let names = |sel: &Selector, ns| {
            inv.select(ns, sel)
                .map(|o| o.name().to_string())
                .collect::<Vec<_>>()
        };
        let web = LabelSelector {
            match_labels: Some([("app".to_string(), "web".to_string())].into()),
            ..Default::default()
        };
        let web = Selector::from_label_selector(Some(&web)).unwrap();
        assert_eq!(names(&web, Some("x")), ["a", "b"]);
        assert_eq!(names(&web, Some("z")), ["c"]);
        let everything = Selector::from_label_selector(Some(&LabelSelector::default())).unwrap();
        assert_eq!(names(&everything, Some("x")), ["a", "b"]);
        assert!(names(&Selector::Nothing, Some("x")).is_empty());
    }
}
