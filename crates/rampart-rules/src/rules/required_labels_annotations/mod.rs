use rampart_core::node::pointer;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Node, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "required-labels-annotations",
        title: "Workload lacks a required label or annotation",
        severity: Severity::Low,
        category: Category::Metadata,
        enabled_by_default: false,
        rationale: "Ownership and identity labels are what incident response, cost reports, \
NetworkPolicies, monitoring and dedicated-node placement select on. A workload without them \
is invisible to those selectors: nobody is paged for it, no policy picks it. The keys listed \
in the `labels` and `annotations` parameters must be present with a non-empty value on every \
workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, \
CronJob, Pod, PodTemplate) and on its pod template, because pods get their labels from the \
template, not from the workload. Enable the rule and set the keys your organisation relies \
on in the config.",
        remediation: r#"Label the workload and its pod template:

```yaml
metadata:
  labels:
    app.kubernetes.io/name: web
    owner: team-shop
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
        owner: team-shop
```"#,
        references: &[],
        params: &[
            ParamSpec {
                name: "labels",
                description: "Label keys every workload and pod template must carry.",
                default: ParamDefault::List(&["app.kubernetes.io/name"]),
            },
            ParamSpec {
                name: "annotations",
                description: "Annotation keys every workload and pod template must carry.",
                default: ParamDefault::List(&[]),
            },
        ],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    let o = ctx.object;
    let mut places = vec![("", format!("{} {}", o.kind(), o.name()))];
    if !workload.path.template.is_empty() {
        places.push((
            workload.path.template,
            format!("the pod template of {} {}", o.kind(), o.name()),
        ));
    }
    for (base, what) in places {
        let meta = o.root.at(base).and_then(|t| t.get("metadata"));
        for (field, noun, keys) in [
            ("labels", "label", ctx.params.list("labels")),
            ("annotations", "annotation", ctx.params.list("annotations")),
        ] {
            for key in missing(meta, field, keys) {
                out.at(
                    pointer(base, &["metadata", field, key]),
                    format!("{what} has no {noun} {key}"),
                );
            }
        }
    }
}

/// The `keys` that `metadata.<field>` lacks or holds with an empty value.
fn missing<'k>(meta: Option<&Node>, field: &str, keys: &'k [String]) -> Vec<&'k str> {
    let map = meta.and_then(|m| m.get(field));
    keys.iter()
        .map(String::as_str)
        .filter(|k| {
            map.and_then(|m| m.get(k))
                .and_then(Node::as_str)
                .is_none_or(|v| v.trim().is_empty())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::missing;
    use rampart_core::{Inventory, source::SourceFile, yaml::Limits};

    #[test]
    fn missing_keys() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {owner: team-a, empty: \"\"}\n";
        let inv = Inventory::from_sources(
            vec![SourceFile {
                name: "t.yaml".into(),
                text: text.into(),
            }],
            Vec::new(),
            Limits::default(),
        );
        let meta = inv.objects[0].root.get("metadata");
        let keys: Vec<String> = ["owner", "empty", "contact"].map(String::from).to_vec();
        assert_eq!(missing(meta, "annotations", &keys), ["empty", "contact"]);
        assert_eq!(
            missing(meta, "labels", &keys),
            ["owner", "empty", "contact"]
        );
    }
}
