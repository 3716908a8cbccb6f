use rampart_core::cluster::ClusterInfo;
use rampart_core::node::pointer;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity};
use rampart_releases::{ApiRemoval, Data, Line};

use crate::support::refs;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "deprecated-api-version",
        title: "Object uses a deprecated or removed API version",
        severity: Severity::Medium,
        category: Category::Metadata,
        enabled_by_default: true,
        rationale: "An API version that Kubernetes no longer serves makes `kubectl apply` fail \
on clusters of that version: the manifest silently stops deploying, or blocks the cluster \
upgrade that brings security fixes. Older versions also default differently (for instance \
`extensions/v1beta1` Deployments had no progress deadline and kept every ReplicaSet). The \
table is rampart's embedded `deprecated-apis.yaml` (`rampart data`), from the Kubernetes \
deprecated API migration guide: every built-in API version removed up to v1.32 (no built-in API \
was removed from v1.33 to v1.36), with the version that deprecated it. The version judged at is, \
in order: `--target-version`; the `kubernetes-version` parameter when it is not `auto` \
(`latest`, or `v1.N` for the version you run or are upgrading to); the API server version of a \
cluster scan (its ClusterInfo); the newest version the embedded data knows. An API version is \
reported as removed when that version no longer serves it, as deprecated when it still serves \
it with a deprecation warning, and not at all before that. Objects read from a cluster are always \
returned at a version the server serves, so for them the rule also judges the apiVersion recorded \
in the `kubectl.kubernetes.io/last-applied-configuration` annotation: it shows what the manifests \
that `kubectl apply` them still say, and those manifests break at the upgrade that removes it. \
PodSecurityPolicy is left to the `pod-security-policy` rule, which says more about it.",
        remediation: r#"Move the manifest to the replacement API version (`kubectl convert` helps), adjusting the fields that changed:

```yaml
apiVersion: networking.k8s.io/v1   # was extensions/v1beta1
kind: Ingress
spec:
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
```"#,
        references: &[refs::NSA_UPGRADING],
        params: &[ParamSpec {
            name: "kubernetes-version",
            description: "Kubernetes version to judge against: `auto` (`--target-version`, else the scanned cluster's version, else the newest known), `latest` or `v1.N`.",
            default: ParamDefault::Str("auto"),
        }],
        pss: None,
    },
    check: Check::Object(check),
};

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The release line to judge at, and where it comes from.
fn judged_at(ctx: &Ctx) -> Option<(Line, &'static str)> {
    let data = Data::embedded();
    if let Some(v) = ctx.target_version {
        return Some((Line::of(v), "--target-version"));
    }
    let param = ctx.params.str("kubernetes-version").trim();
    if !param.is_empty() && param != "auto" {
        // `latest` and unparseable values are read as the newest, like PSA
        // version labels.
        return match (param != "latest").then(|| Line::parse(param)).flatten() {
            Some(line) => Some((line, "the kubernetes-version parameter")),
            None => data.newest_line().map(|l| (l, "the newest known version")),
        };
    }
    if let Some(v) = ClusterInfo::of(ctx.inventory).and_then(|(_, i)| i.version()) {
        return Some((Line::of(v), "the scanned cluster's version"));
    }
    data.newest_line().map(|l| (l, "the newest known version"))
}

/// What `entry` means at `target`: removed, deprecated, or nothing yet.
fn verdict(entry: &ApiRemoval, target: Line) -> Option<String> {
    if target >= entry.removed_in {
        Some(format!(
            "is no longer served since Kubernetes {}; use {}",
            entry.removed_in, entry.replacement
        ))
    } else if target >= entry.deprecated_in {
        Some(format!(
            "is deprecated since Kubernetes {} and removed in {}; use {}",
            entry.deprecated_in, entry.removed_in, entry.replacement
        ))
    } else {
        None
    }
}

/// The removal entry for `api_version` and `kind`, PodSecurityPolicy left
/// to its own rule.
fn entry<'a>(data: &'a Data, api_version: &str, kind: &str) -> Option<&'a ApiRemoval> {
    (kind != "PodSecurityPolicy")
        .then(|| data.removed_api(api_version, kind))
        .flatten()
}

/// The `apiVersion` and `kind` a last-applied-configuration value records
/// (the trimmed `{"apiVersion":…,"kind":…}` of a cluster scan, or the whole
/// applied object).
fn applied_type(value: &str) -> Option<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(value).ok()?;
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    Some((field("apiVersion")?, field("kind")?))
}

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    let data = Data::embedded();
    let api_version = o.id.api_version.as_str();
    let what = format!("{} {}", o.kind(), o.name());
    // The target is looked up only for objects the table may report.
    let mut cached: Option<Option<(Line, &'static str)>> = None;
    let mut target = || *cached.get_or_insert_with(|| judged_at(ctx));
    if let Some(e) = entry(data, api_version, o.kind()) {
        if let Some((line, _)) = target() {
            if let Some(v) = verdict(e, line) {
                out.at(
                    "/apiVersion".into(),
                    format!("{what}: {api_version} {} {v}", o.kind()),
                );
            }
        }
    }
    let Some((applied_version, applied_kind)) = o.annotation(LAST_APPLIED).and_then(applied_type)
    else {
        return;
    };
    if applied_version == api_version {
        return;
    }
    if let Some(e) = entry(data, &applied_version, &applied_kind) {
        if let Some((line, from)) = target() {
            if let Some(v) = verdict(e, line) {
                out.at(
                    pointer("", &["metadata", "annotations", LAST_APPLIED]),
                    format!(
                        "{what} was last applied as {applied_version} {applied_kind} ({LAST_APPLIED}): \
                         its manifest's {applied_version} {applied_kind} {v} (judged at Kubernetes {line}, {from})"
                    ),
                );
            }
        }
    }
}
