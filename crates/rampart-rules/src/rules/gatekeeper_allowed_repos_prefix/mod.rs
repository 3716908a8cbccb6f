use rampart_core::node::push_index;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity};

use crate::support::objects::items;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gatekeeper-allowed-repos-prefix",
        title: "Gatekeeper allowed-repos entry is an open-ended prefix",
        severity: Severity::Medium,
        category: Category::Images,
        enabled_by_default: true,
        rationale: "Gatekeeper's `K8sAllowedRepos` constraint admits an image when the image \
reference starts with one of the `repos` entries, as plain text. An entry that does not end \
at a boundary admits more than it names: `gcr.io/acme` also admits `gcr.io/acme-attacker/...`, \
`docker.io/acme` admits `docker.io/acmeevil/...`, `myregistry.io` admits \
`myregistry.io.attacker.com/...`, and `nginx` admits `nginx-miner`. Anyone able to push to a \
look-alike project on a public registry then passes the allow-list. An entry is reported \
unless it ends with `/`, or names a whole repository followed by a tag or digest \
(`registry.example.com/app:`, `registry.example.com/app@sha256:...`); an entry without any \
`/` (a bare host or Docker Hub name) is always open-ended, and an empty entry admits every \
image.",
        remediation: r#"End every entry with `/` so that it only matches inside that registry or project:

```yaml
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata: {name: trusted-registries}
spec:
  parameters:
    repos:
    - "registry.example.com/"
    - "gcr.io/acme-prod/"
```"#,
        references: &[refs::NSA_IMAGES],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if o.kind() != "K8sAllowedRepos" || o.group() != "constraints.gatekeeper.sh" {
        return;
    }
    let repos = items(o.root.path(&["spec", "parameters", "repos"]));
    for (i, repo) in repos.iter().enumerate() {
        let Some(repo) = repo.as_str() else {
            continue;
        };
        let Some(problem) = open_ended(repo) else {
            continue;
        };
        let mut p = String::from("/spec/parameters/repos");
        push_index(&mut p, i);
        out.at(
            p,
            format!("K8sAllowedRepos {}: entry {repo:?} {problem}", o.name()),
        );
    }
}

/// Why a `repos` entry admits more than it names, if it does.
fn open_ended(repo: &str) -> Option<String> {
    if repo.is_empty() {
        return Some("admits every image".into());
    }
    if repo.ends_with('/') {
        return None;
    }
    match repo.rsplit_once('/') {
        Some((_, last)) if last.contains([':', '@']) => None,
        _ => Some(format!(
            "is a prefix without a boundary: it also admits {repo}-anything/...; end it with \"/\""
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::open_ended;

    #[test]
    fn boundaries() {
        for ok in [
            "gcr.io/acme/",
            "registry.example.com/app:",
            "registry.example.com/app@sha256:",
            "quay.io/acme/app:1.2",
        ] {
            assert_eq!(open_ended(ok), None, "{ok}");
        }
        for open in [
            "",
            "gcr.io/acme",
            "nginx",
            "myregistry.io",
            "registry:5000",
            "docker.io/library/nginx",
        ] {
            assert!(open_ended(open).is_some(), "{open}");
        }
    }
}
