use rampart_core::node::pointer;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Node, Rule, RuleMeta, Severity, Value};

use crate::support::objects::{entries, is};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "storage-class-unencrypted",
        title: "StorageClass provisions unencrypted volumes",
        severity: Severity::Medium,
        category: Category::Storage,
        enabled_by_default: true,
        rationale: "Volumes hold databases, uploads and caches full of personal data and \
credentials. Unencrypted, they are readable from snapshots, backups and retired disks by \
anyone who gets at the cloud account's storage, outside Kubernetes' access control.\n\n\
Only provisioners whose encryption is a StorageClass parameter that defaults to off are \
judged: AWS EBS, in-tree (`kubernetes.io/aws-ebs`, served by the CSI driver since CSI \
migration) and CSI (`ebs.csi.aws.com`). Their volumes are encrypted only when the \
`encrypted` parameter (key case-insensitive) is exactly the string `\"true\"`: the driver \
compares it literally, so `\"True\"` or `\"yes\"` leave the volume unencrypted, and \
`kmsKeyId` alone does not turn encryption on. An account that enables EBS encryption by \
default encrypts anyway, which a manifest cannot show; say so in an exemption.\n\n\
Not reported: GCE Persistent Disk and Azure Disk/File (encrypted at rest by the platform, \
always), DigitalOcean and OCI block volumes (likewise), and provisioners whose encryption \
is decided outside the StorageClass (EFS file systems, Ceph, Longhorn, vSphere policies, \
Cinder volume types).",
        remediation: r#"Set `encrypted: "true"`, ideally with your own KMS key:

```yaml
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: gp3-encrypted
provisioner: ebs.csi.aws.com
parameters:
  type: gp3
  encrypted: "true"
  kmsKeyId: arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION_ENCRYPTION],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

const EBS_PROVISIONERS: &[&str] = &["kubernetes.io/aws-ebs", "ebs.csi.aws.com"];

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if !is(o, "storage.k8s.io", "StorageClass") {
        return;
    }
    let provisioner = o.root.get("provisioner").and_then(Node::as_str);
    if !provisioner.is_some_and(|p| EBS_PROVISIONERS.contains(&p)) {
        return;
    }
    let params = entries(o.root.get("parameters"));
    // Parameters are strings; a typed value is an object the API server
    // rejects, which the loader's users see when they apply it.
    if params
        .iter()
        .any(|e| !matches!(e.value.value, Value::Str(_)))
    {
        return;
    }
    let encrypted = params
        .iter()
        .rev()
        .find(|e| e.key.eq_ignore_ascii_case("encrypted"));
    let (key, message) = match encrypted {
        Some(e) if e.value.as_str() == Some("true") => return,
        Some(e) => (
            &*e.key,
            format!(
                "StorageClass {} creates unencrypted EBS volumes: `{}` is {:?}, and the driver only accepts \"true\"",
                o.name(),
                e.key,
                e.value.as_str().unwrap_or("")
            ),
        ),
        None => (
            "encrypted",
            format!(
                "StorageClass {} creates unencrypted EBS volumes (no `encrypted: \"true\"`){}",
                o.name(),
                if params
                    .iter()
                    .any(|e| e.key.eq_ignore_ascii_case("kmsKeyId"))
                {
                    "; kmsKeyId alone does not encrypt"
                } else {
                    ""
                }
            ),
        ),
    };
    out.at(pointer("", &["parameters", key]), message);
}
