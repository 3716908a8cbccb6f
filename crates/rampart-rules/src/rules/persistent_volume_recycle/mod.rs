use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Node, Rule, RuleMeta, Severity};

use crate::support::objects::is;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "persistent-volume-recycle",
        title: "PersistentVolume uses the deprecated Recycle reclaim policy",
        severity: Severity::Low,
        category: Category::Storage,
        enabled_by_default: true,
        rationale: "With `persistentVolumeReclaimPolicy: Recycle`, releasing a claim makes the \
controller run a scrubber pod that deletes the volume's files (`rm -rf` of its contents) and \
then offers the same volume to the next claim, from any namespace. Deleted files are not \
erased: the blocks, the NFS server's snapshots and backups still hold the previous tenant's \
data, and a scrub that leaves files behind hands them over. The policy is deprecated, kept \
only for NFS and hostPath, and Kubernetes recommends dynamic provisioning instead.",
        remediation: r#"Use `Delete` with dynamic provisioning, or `Retain` and clean the data deliberately before reusing the volume:

```yaml
spec:
  persistentVolumeReclaimPolicy: Retain
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
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
    let policy = o
        .root
        .path(&["spec", "persistentVolumeReclaimPolicy"])
        .and_then(Node::as_str);
    if policy == Some("Recycle") {
        out.at(
            "/spec/persistentVolumeReclaimPolicy".into(),
            format!(
                "PersistentVolume {} is recycled: its files are deleted, not erased, before the next claim gets it",
                o.name()
            ),
        );
    }
}
