use std::collections::HashMap;
use std::sync::Mutex;

use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Inventory, Node, Object, Rule, RuleMeta, Severity};

use crate::support::objects::{CacheSlot, cached, int, is, paths_overlap};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "persistent-volume-shared-across-namespaces",
        title: "PersistentVolumes in different namespaces share the same storage",
        severity: Severity::Medium,
        category: Category::Storage,
        enabled_by_default: true,
        rationale: "Kubernetes binds a PersistentVolume to one claim, in one namespace; \
`ReadWriteMany` only lets that namespace's pods share it. Data crosses namespaces when two \
PersistentVolumes point at the same storage and are bound in different namespaces: each \
tenant then reads and writes the other's files, whatever their RBAC and NetworkPolicies say. \
That is what is reported, rather than `ReadWriteMany` itself, which is normal within one \
application.\n\n\
Storage is compared by its identity: NFS by server and exported path (a path inside \
another's export overlaps it), CSI by driver and `volumeHandle` (EBS CSI handles also match \
in-tree `awsElasticBlockStore` volume ids), GCE PD by disk name, Azure Disk by URI, iSCSI by \
portal, IQN and LUN. A volume's namespace is its `claimRef` namespace, or the namespace of \
a claim in the inventory that names it in `volumeName`; unbound volumes are not judged.",
        remediation: r#"Give each namespace its own export or disk, and pre-bind static volumes to their one claim:

```yaml
apiVersion: v1
kind: PersistentVolume
metadata: {name: shop-files}
spec:
  nfs: {server: nfs.example.com, path: /exports/shop}
  claimRef: {namespace: shop, name: files}
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION_NAMESPACES],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

/// What a PersistentVolume stores its data on.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Storage {
    /// NFS server (lowercased) and exported path.
    Nfs(String, String),
    /// Any other backend, by a key naming the exact volume.
    Exact(String),
}

impl Storage {
    /// Key of the group of volumes that may share storage.
    fn group(&self) -> &str {
        match self {
            Storage::Nfs(server, _) => server,
            Storage::Exact(key) => key,
        }
    }

    fn shares(&self, other: &Storage) -> bool {
        match (self, other) {
            (Storage::Nfs(s1, p1), Storage::Nfs(s2, p2)) => s1 == s2 && paths_overlap(p1, p2),
            (Storage::Exact(a), Storage::Exact(b)) => a == b,
            _ => false,
        }
    }

    fn describe(&self) -> String {
        match self {
            Storage::Nfs(server, path) => format!("NFS {server}:{path}"),
            Storage::Exact(key) => key.clone(),
        }
    }
}

/// The storage of a PersistentVolume spec and the pointer of the field
/// that names it.
fn storage(spec: &Node) -> Option<(Storage, &'static str)> {
    let s = |source: &str, field: &str| {
        spec.get(source)
            .and_then(|n| n.get(field))
            .and_then(Node::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    if let (Some(server), Some(path)) = (s("nfs", "server"), s("nfs", "path")) {
        return Some((
            Storage::Nfs(server.to_ascii_lowercase(), path.to_string()),
            "/spec/nfs",
        ));
    }
    // In-tree EBS ids may be written `aws://<zone>/vol-...`.
    let ebs = |id: &str| {
        Storage::Exact(format!(
            "EBS volume {}",
            id.rsplit('/').next().unwrap_or(id)
        ))
    };
    if let (Some(driver), Some(handle)) = (s("csi", "driver"), s("csi", "volumeHandle")) {
        let key = if driver == "ebs.csi.aws.com" {
            ebs(handle)
        } else {
            Storage::Exact(format!("CSI volume {driver} {handle}"))
        };
        return Some((key, "/spec/csi/volumeHandle"));
    }
    if let Some(id) = s("awsElasticBlockStore", "volumeID") {
        return Some((ebs(id), "/spec/awsElasticBlockStore/volumeID"));
    }
    if let Some(name) = s("gcePersistentDisk", "pdName") {
        return Some((
            Storage::Exact(format!("GCE disk {name}")),
            "/spec/gcePersistentDisk/pdName",
        ));
    }
    if let Some(uri) = s("azureDisk", "diskURI") {
        return Some((
            Storage::Exact(format!("Azure disk {}", uri.to_ascii_lowercase())),
            "/spec/azureDisk/diskURI",
        ));
    }
    if let (Some(portal), Some(iqn)) = (s("iscsi", "targetPortal"), s("iscsi", "iqn")) {
        let lun = int(spec.get("iscsi").and_then(|n| n.get("lun"))).unwrap_or(0);
        return Some((
            Storage::Exact(format!("iSCSI {portal} {iqn} LUN {lun}")),
            "/spec/iscsi",
        ));
    }
    None
}

struct Volume {
    object: usize,
    storage: Storage,
    namespace: String,
}

/// Bound PersistentVolumes with known storage, grouped by
/// [`Storage::group`].
#[derive(Default)]
struct Volumes(HashMap<String, Vec<Volume>>);

static VOLUMES: CacheSlot<Volumes> = Mutex::new(None);

fn build(inventory: &Inventory) -> Volumes {
    let claimed: HashMap<&str, &str> = inventory
        .of_kind("PersistentVolumeClaim")
        .filter_map(|c| {
            let volume = c
                .root
                .path(&["spec", "volumeName"])
                .and_then(Node::as_str)?;
            Some((volume, c.namespace()?))
        })
        .collect();
    let mut groups: HashMap<String, Vec<Volume>> = HashMap::new();
    for (i, o) in inventory.objects.iter().enumerate() {
        if !is(o, "", "PersistentVolume") {
            continue;
        }
        let Some((storage, _)) = o.root.get("spec").and_then(storage) else {
            continue;
        };
        let Some(namespace) = namespace(o, &claimed) else {
            continue;
        };
        groups
            .entry(storage.group().to_string())
            .or_default()
            .push(Volume {
                object: i,
                storage,
                namespace: namespace.to_string(),
            });
    }
    Volumes(groups)
}

fn namespace<'a>(pv: &'a Object, claimed: &HashMap<&str, &'a str>) -> Option<&'a str> {
    pv.root
        .path(&["spec", "claimRef", "namespace"])
        .and_then(Node::as_str)
        .or_else(|| claimed.get(pv.name()).copied())
}

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if !is(o, "", "PersistentVolume") {
        return;
    }
    let Some((storage, field)) = o.root.get("spec").and_then(storage) else {
        return;
    };
    let volumes = cached(&VOLUMES, ctx.inventory, build);
    let group = volumes
        .0
        .get(storage.group())
        .map(Vec::as_slice)
        .unwrap_or_default();
    let Some(this) = group
        .iter()
        .find(|v| std::ptr::eq(&ctx.inventory.objects[v.object], o))
    else {
        return;
    };
    let others: Vec<String> = group
        .iter()
        .filter(|v| v.object != this.object && v.namespace != this.namespace)
        .filter(|v| v.storage.shares(&storage))
        .map(|v| {
            format!(
                "{} (namespace {})",
                ctx.inventory.objects[v.object].name(),
                v.namespace
            )
        })
        .collect();
    if others.is_empty() {
        return;
    }
    out.at(
        field.into(),
        format!(
            "PersistentVolume {} (namespace {}) shares {} with {}",
            o.name(),
            this.namespace,
            storage.describe(),
            others.join(", ")
        ),
    );
}
