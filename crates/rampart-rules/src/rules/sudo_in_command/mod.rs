use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "sudo-in-command",
        title: "Container command runs sudo",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "`sudo` in a container's command means the image ships a setuid root binary \
and a sudoers policy that lets the container user become root: whatever `runAsNonRoot` or \
`runAsUser` promise, the process escalates at start-up, and so can an attacker who gets a \
shell. A container that needs root for a setup step should do it in an init container that is \
reviewed as such, and the main process should not be able to gain privileges at all \
(`allowPrivilegeEscalation: false` also disables setuid). The rule looks for `sudo` as a word \
in `command` and `args`, including inside shell strings (`sh -c \"sudo ...\"`).",
        remediation: r#"Drop sudo from the image and the command; run the process as its own user and forbid escalation:

```yaml
securityContext:
  runAsNonRoot: true
  allowPrivilegeEscalation: false
command: ["/app/server"]
```"#,
        references: &[
            refs::CIS_5_2_6,
            refs::NSA_POD_SECURITY_NON_ROOT,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

/// Whether a command-line string invokes sudo: `sudo` (or a path ending in
/// `/sudo`) as a word, shell separators counting as word breaks.
fn runs_sudo(arg: &str) -> bool {
    arg.split(|c: char| c.is_whitespace() || ";&|()`'\"".contains(c))
        .any(|word| word == "sudo" || word.ends_with("/sudo"))
}

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for c in workload.containers() {
        for field in ["command", "args"] {
            let list = match field {
                "command" => c.container.command.as_deref(),
                _ => c.container.args.as_deref(),
            };
            let Some(i) = list.unwrap_or_default().iter().position(|a| runs_sudo(a)) else {
                continue;
            };
            let index = i.to_string();
            out.at_stable(
                c.pointer(&[field, &index]),
                &c.stable_pointer(&[field]),
                format!("{} runs sudo in its {field}", c.describe()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sudo_words() {
        for a in ["sudo", "/usr/bin/sudo", "set -e; sudo -u app run", "x && sudo y", "(sudo x)"] {
            assert!(super::runs_sudo(a), "{a}");
        }
        for a in ["pseudo", "sudoers", "--no-sudo", "echo sudo-less", ""] {
            assert!(!super::runs_sudo(a), "{a}");
        }
    }
}
