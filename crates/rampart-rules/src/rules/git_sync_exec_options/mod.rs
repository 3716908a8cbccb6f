use rampart_core::node::push_index;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::objects::{image_path, is_repository};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "git-sync-exec-options",
        title: "git-sync is told which git binary or git config to run",
        severity: Severity::Medium,
        category: Category::Components,
        enabled_by_default: true,
        rationale: "git-sync runs `git` with the credentials it is given (SSH keys, tokens) to \
pull code that other containers then serve or execute. Its `--git` option \
(`GITSYNC_GIT`, formerly `GIT_SYNC_GIT`) chooses the binary it runs, and `--git-config` \
(`GITSYNC_GIT_CONFIG`, `GIT_SYNC_GIT_CONFIG`) sets git options such as `core.sshCommand` or \
`core.fsmonitor` that run arbitrary commands. Whoever controls these values, through the \
workload or the ConfigMap an environment variable comes from, runs code in the pod with its \
repository credentials. That is the command-injection path Akamai researchers presented in \
2024: it needs no bug, only write access to those values. Containers whose image \
repository is `git-sync` are reported when they set one of these options, in `args`, \
`command` or `env`.",
        remediation: r#"Remove the options and use the git binary and configuration shipped in the image; restrict who can edit the workload and its ConfigMaps:

```yaml
containers:
- name: git-sync
  image: registry.k8s.io/git-sync/git-sync:v4.4.0
  args: ["--repo=https://github.com/acme/site", "--root=/git", "--period=60s"]
```"#,
        references: &[refs::NSA_POD_SECURITY],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

const FLAGS: &[&str] = &["--git", "--git-config"];
const ENV: &[&str] = &[
    "GITSYNC_GIT",
    "GIT_SYNC_GIT",
    "GITSYNC_GIT_CONFIG",
    "GIT_SYNC_GIT_CONFIG",
];

/// The git-sync option an argument sets, if it is one of [`FLAGS`]
/// (`--git=/x`, `--git /x`; Go's flag parsing also takes one dash).
fn flag(arg: &str) -> Option<&'static str> {
    let name = arg.split('=').next().unwrap_or(arg);
    FLAGS
        .iter()
        .find(|f| name == **f || name == &f[1..])
        .copied()
}

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for c in workload.containers() {
        let Some(image) = c.container.image.as_deref() else {
            continue;
        };
        if !is_repository(&image_path(image), "git-sync") {
            continue;
        }
        for field in ["command", "args"] {
            let list = if field == "args" {
                &c.container.args
            } else {
                &c.container.command
            };
            for (i, arg) in list.iter().flatten().enumerate() {
                if let Some(f) = flag(arg) {
                    let mut p = c.pointer(&[field]);
                    push_index(&mut p, i);
                    let stable = c.stable_pointer(&[field, f]);
                    out.at_stable(
                        p,
                        &stable,
                        format!(
                            "{} (git-sync) sets {f}: a way to run commands with its credentials",
                            c.describe()
                        ),
                    );
                }
            }
        }
        for (i, env) in c.container.env.iter().flatten().enumerate() {
            if ENV.contains(&env.name.as_str()) {
                let mut p = c.pointer(&["env"]);
                push_index(&mut p, i);
                p.push_str("/name");
                let stable = c.stable_pointer(&["env", &env.name]);
                out.at_stable(
                    p,
                    &stable,
                    format!(
                        "{} (git-sync) sets {}: a way to run commands with its credentials",
                        c.describe(),
                        env.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::flag;

    #[test]
    fn flags() {
        assert_eq!(flag("--git=/bin/sh"), Some("--git"));
        assert_eq!(flag("-git"), Some("--git"));
        assert_eq!(flag("--git-config=core.sshCommand:x"), Some("--git-config"));
        assert_eq!(flag("--git-gc=auto"), None);
        assert_eq!(flag("--repo=https://x"), None);
    }
}
