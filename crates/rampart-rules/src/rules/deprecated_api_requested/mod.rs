use rampart_core::cluster::KubeVersion;
use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};

use crate::support::cluster::Scan;
use crate::support::refs;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "deprecated-api-requested",
        title: "Clients still request API versions that a coming release removes",
        severity: Severity::Medium,
        category: Category::Lifecycle,
        enabled_by_default: true,
        rationale: "Objects in a cluster are always served at current API versions, so listing \
them cannot show which clients (CI pipelines, operators, dashboards, scripts) still call removed \
or deprecated versions; after the upgrade that removes a version, those clients fail. The API \
server counts them itself: since it started, `apiserver_requested_deprecated_apis` has a series \
for every deprecated group/version/resource some client requested, with the release that \
removes it. A cluster scan with `--read-metrics` reads that metric; the rule reports each \
requested version that a release removes, saying whether the version judged at (`--target-version`, \
or the cluster's own) already removes it. Versions deprecated without a planned removal are not \
reported. Scans without `--read-metrics` are not judged. The metric resets when the API server \
restarts, so a quiet result covers only the time since then.",
        remediation: r#"Find the clients and move them to the replacement version before upgrading. Audit events of deprecated requests carry the annotation `k8s.io/deprecated: "true"` at any level from Metadata up, so an audit policy that records Metadata is enough:

```yaml
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Metadata
```

then `jq 'select(.annotations["k8s.io/deprecated"] == "true") | {user: .user.username, agent: .userAgent, uri: .requestURI}' audit.log` names them. The replacement of each version is in the Kubernetes deprecated API migration guide and in `rampart explain deprecated-api-version`."#,
        references: &[refs::NSA_UPGRADING],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let Some(scan) = Scan::of(ctx.inventory) else {
        return;
    };
    let Some(apis) = &scan.info.requested_deprecated_apis else {
        return;
    };
    let target = ctx.target_version.or(scan.version);
    for (i, api) in apis.iter().enumerate() {
        let Some(removed) = KubeVersion::parse(&api.removed_release) else {
            continue;
        };
        let gv = if api.group.is_empty() {
            api.version.clone()
        } else {
            format!("{}/{}", api.group, api.version)
        };
        let resource = if api.subresource.is_empty() {
            api.resource.clone()
        } else {
            format!("{}/{}", api.resource, api.subresource)
        };
        let when = match target {
            Some(t) if t.line() >= removed.line() => format!(
                "Kubernetes {}.{} no longer serves it, so these clients fail there",
                t.major, t.minor
            ),
            _ => format!(
                "Kubernetes {}.{} removes it; these clients fail after that upgrade",
                removed.major, removed.minor
            ),
        };
        out.on(scan.index).at(
            format!("/requestedDeprecatedApis/{i}"),
            format!("Clients requested {resource} at {gv} since the API server started: {when}"),
        );
    }
}
