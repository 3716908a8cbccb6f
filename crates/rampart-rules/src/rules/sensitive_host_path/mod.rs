use crate::support::refs;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{
    host_path_volumes, is_within, matches_sensitive, sensitive_pattern,
};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "sensitive-host-path",
        title: "Pod mounts a sensitive host path",
        severity: Severity::High,
        category: Category::HostAccess,
        enabled_by_default: true,
        rationale: "Some host directories give away the node even when mounted read-only: \
`/etc` holds the node's credentials and `/etc/kubernetes` the kubelet's and control plane's, \
`/var/lib/kubelet` every pod's mounted secrets and service account tokens, `/root` and `/home` \
SSH keys and cloud credentials, `/proc` and `/sys` the kernel's and other processes' state, \
`/dev` the raw disks. Mounting a parent mounts all of it: `/` or `/var/lib` are as sensitive as \
what they contain. Each entry of the `paths` parameter matches that path and every directory \
above it; an entry ending in `/**` also matches everything below it (mounting \
`/etc/ssl/certs` is fine, mounting `/var/lib/kubelet/pods` is not). Paths are compared after \
removing `//`, `.`, `..` and trailing slashes.",
        remediation: r#"Mount only the specific, non-sensitive file or directory the workload needs, read-only, or get the data another way (a ConfigMap, the downward API, the Kubernetes API):

```yaml
volumes:
- name: ca-certs
  hostPath: {path: /etc/ssl/certs, type: Directory}
containers:
- name: app
  volumeMounts:
  - {name: ca-certs, mountPath: /etc/ssl/certs, readOnly: true}
```
Node agents that need such paths belong in a dedicated namespace with an exemption that states why."#,
        references: &[
            refs::CIS_5_2_11,
            refs::NSA_POD_SECURITY,
        ],
        params: &[ParamSpec {
            name: "paths",
            description: "Sensitive host paths; a path also matches its parent directories, and `/**` at the end also matches everything below it.",
            default: ParamDefault::List(&[
                "/etc",
                "/etc/kubernetes/**",
                "/etc/shadow",
                "/etc/sudoers",
                "/etc/ssh/**",
                "/root/**",
                "/home/**",
                "/proc/**",
                "/sys/**",
                "/dev/**",
                "/boot/**",
                "/var/lib/kubelet/**",
                "/var/lib/docker/**",
                "/var/lib/containerd/**",
                "/var/lib/etcd/**",
            ]),
        }],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    let patterns = ctx.params.list("paths");
    for v in host_path_volumes(workload) {
        let Some(pattern) = patterns.iter().find(|p| matches_sensitive(&v.normalized, p)) else {
            continue;
        };
        let (base, _) = sensitive_pattern(pattern);
        let (p, stable) = v.pointers(workload);
        let what = if v.normalized == base {
            "a sensitive host path".to_string()
        } else if is_within(&v.normalized, &base) {
            format!("inside {base}")
        } else {
            format!("which contains {base}")
        };
        out.at_stable(
            p,
            &stable,
            format!("volume \"{}\" mounts {} ({what})", v.volume.name, v.path),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::support::images::run_rule;

    #[test]
    fn custom_paths_and_messages() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: a:1}]\n  volumes:\n  - {name: v0, hostPath: {path: /srv}}\n  - {name: v1, hostPath: {path: /srv/secrets/x}}\n  - {name: v2, hostPath: {path: /etc}}\n";
        let config = "rules:\n  sensitive-host-path:\n    params: {paths: [/srv/secrets/**]}\n";
        let found = run_rule(&super::RULE, config, None, pod);
        let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "volume \"v0\" mounts /srv (which contains /srv/secrets)",
                "volume \"v1\" mounts /srv/secrets/x (inside /srv/secrets)",
            ]
        );
    }
}
