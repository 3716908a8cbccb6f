use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Node, Rule, RuleMeta, Severity};

use crate::support::objects::{is, is_system_path};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "host-path-persistent-volume",
        title: "PersistentVolume exposes a node directory (hostPath, or local at a system path)",
        severity: Severity::High,
        category: Category::Storage,
        enabled_by_default: true,
        rationale: "A `hostPath` PersistentVolume hands a directory of whichever node the pod \
lands on to any claim that binds it. Pod Security Admission checks only the volumes written \
in the pod: a `persistentVolumeClaim` volume is allowed even at the restricted level, so a \
hostPath PV is a way around the hostPath ban, and anyone allowed to create claims can bind \
an unclaimed one. Paths such as `/`, `/etc` or `/var/lib/kubelet` give away the node and \
every other pod's secrets on it.\n\n\
`local` PersistentVolumes are meant for this: a dedicated disk or partition on one node, \
pinned by `nodeAffinity`, so they are only reported when the path is the node's root or one \
of its system directories (`/etc`, `/root`, `/home`, `/var/lib/kubelet`, the container \
runtime's directories, `/var/run`, `/run`, `/var/log`, `/proc`, `/sys`, `/dev`, `/boot`, \
`/usr`, `/bin`, `/sbin`, `/lib`), compared after resolving `.`, `..` and repeated slashes \
as the node does.",
        remediation: r#"Use a storage class backed by real volumes, or a `local` PV on a dedicated mount, pre-bound to its one claim:

```yaml
apiVersion: v1
kind: PersistentVolume
spec:
  storageClassName: local-ssd
  local:
    path: /mnt/disks/ssd0
  claimRef: {namespace: shop, name: data-db-0}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: kubernetes.io/hostname, operator: In, values: [node-1]}
```"#,
        references: &[refs::CIS_5_2_11],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if !is(o, "", "PersistentVolume") {
        return;
    }
    let Some(spec) = o.root.get("spec") else {
        return;
    };
    let path_of = |source: &str| {
        spec.get(source)
            .and_then(|s| s.get("path"))
            .and_then(Node::as_str)
    };
    if spec.get("hostPath").is_some() {
        let path = path_of("hostPath").unwrap_or("");
        out.at(
            "/spec/hostPath".into(),
            format!(
                "PersistentVolume {} is the host path {path} of whichever node mounts it, usable by any claim that binds it",
                o.name()
            ),
        );
    } else if let Some(path) = path_of("local").filter(|p| is_system_path(p)) {
        out.at(
            "/spec/local/path".into(),
            format!(
                "PersistentVolume {} is a local volume at the node's system path {path}",
                o.name()
            ),
        );
    }
}
