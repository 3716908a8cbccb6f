use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{exposed_runtime_socket, host_path_volumes};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "container-runtime-socket",
        title: "Pod mounts the container runtime's socket",
        severity: Severity::Critical,
        category: Category::HostAccess,
        enabled_by_default: true,
        rationale: "The Docker, containerd, CRI-O or Podman API socket controls every container \
on the node. Whoever can talk to it starts a privileged container with the host's root \
filesystem mounted: full node takeover, and from there every secret of every pod scheduled on \
it. `readOnly: true` does not help, since connecting to a Unix socket needs no write access to \
the mount. The rule matches the socket itself (`/var/run/docker.sock`, \
`/run/containerd/containerd.sock`, `/run/crio/crio.sock`, ...), any directory that contains one \
(`/var/run`, `/run`, `/var`, `/`), socket files with the runtimes' names anywhere (rootless \
setups), and the Windows named pipes `\\\\.\\pipe\\docker_engine` and \
`\\\\.\\pipe\\containerd-containerd`. Paths are compared after removing `//`, `.`, `..` and \
trailing slashes.",
        remediation: r#"Do not give workloads the runtime socket. Build images with a daemonless builder (BuildKit rootless, kaniko, buildah) and read container metadata from the Kubernetes API instead:

```yaml
volumes:
- name: workspace
  emptyDir: {}
```
Node agents that truly need the socket belong in a dedicated, locked-down namespace with an exemption that states why."#,
        references: &[
            refs::CIS_5_2_11,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for v in host_path_volumes(workload) {
        let Some(socket) = exposed_runtime_socket(&v.normalized) else {
            continue;
        };
        let (p, stable) = v.pointers(workload);
        let message = if socket == v.normalized {
            format!(
                "volume \"{}\" mounts the container runtime socket {}",
                v.volume.name, v.path
            )
        } else {
            format!(
                "volume \"{}\" mounts host path {}, which contains the container runtime socket {socket}",
                v.volume.name, v.path
            )
        };
        out.at_stable(p, &stable, message);
    }
}
