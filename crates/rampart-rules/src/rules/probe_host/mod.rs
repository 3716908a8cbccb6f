use k8s_openapi::api::core::v1::{HTTPGetAction, LifecycleHandler, Probe, TCPSocketAction};
use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "probe-host",
        title: "Probe or lifecycle hook targets another host",
        severity: Severity::Medium,
        category: Category::HostAccess,
        enabled_by_default: true,
        rationale: "The kubelet runs `httpGet` and `tcpSocket` probes and lifecycle hooks from \
the node, with the node's network identity. A `host` field points that request anywhere: at \
the cloud metadata service, at the API server or at services on the node's localhost that \
the pod itself could not reach. Whoever can create pods can then make the kubelet probe \
internal endpoints for them (a server-side request forgery), and learn from probe results \
what answers. Leaving `host` empty makes the kubelet target the pod's own IP. Pod Security \
Admission forbids a non-empty `host` at the baseline level from v1.34; below that version \
this rule reports nothing.",
        remediation: r#"Remove `host` so the kubelet checks the pod itself; use an `httpHeaders` entry if the application needs a Host header:

```yaml
livenessProbe:
  httpGet:
    path: /healthz
    port: 8080
    httpHeaders:
    - name: Host
      value: app.example.com
```"#,
        references: &[refs::PSS_BASELINE_HOSTPROBESANDHOSTLIFECYCLE],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Baseline,
            check: "hostProbesAndHostLifecycle",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

/// The actions of a probe or lifecycle handler that can name a host.
type Actions<'a> = (Option<&'a HTTPGetAction>, Option<&'a TCPSocketAction>);

fn probe(p: Option<&Probe>) -> Option<Actions<'_>> {
    p.map(|p| (p.http_get.as_ref(), p.tcp_socket.as_ref()))
}

fn hook(h: Option<&LifecycleHandler>) -> Option<Actions<'_>> {
    h.map(|h| (h.http_get.as_ref(), h.tcp_socket.as_ref()))
}

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    if !ctx.pss_version.at_least(34) {
        return;
    }
    for c in workload.containers() {
        let k = c.container;
        let lifecycle = k.lifecycle.as_ref();
        let handlers: [(&[&str], Option<Actions>); 5] = [
            (&["livenessProbe"], probe(k.liveness_probe.as_ref())),
            (&["readinessProbe"], probe(k.readiness_probe.as_ref())),
            (&["startupProbe"], probe(k.startup_probe.as_ref())),
            (
                &["lifecycle", "postStart"],
                hook(lifecycle.and_then(|l| l.post_start.as_ref())),
            ),
            (
                &["lifecycle", "preStop"],
                hook(lifecycle.and_then(|l| l.pre_stop.as_ref())),
            ),
        ];
        for (path, actions) in handlers {
            let Some((http, tcp)) = actions else {
                continue;
            };
            let hosts = [
                ("httpGet", http.and_then(|a| a.host.as_deref())),
                ("tcpSocket", tcp.and_then(|a| a.host.as_deref())),
            ];
            for (action, host) in hosts {
                let Some(host) = host.filter(|h| !h.is_empty()) else {
                    continue;
                };
                let mut fields = path.to_vec();
                fields.extend([action, "host"]);
                out.container(
                    &c,
                    &fields,
                    format!(
                        "{}'s {} {action} targets host \"{host}\" instead of the pod",
                        c.describe(),
                        path.join(".")
                    ),
                );
            }
        }
    }
}
