//! A deterministic synthetic cluster of any size, for benchmarks: what a
//! real cluster holds, in roughly real proportions.

use serde_json::{Value, json};

/// Applications per namespace.
const APPS: usize = 10;
/// Pods per ReplicaSet.
const REPLICAS: usize = 3;
/// Objects per namespace: Namespace, ServiceAccount, Role, RoleBinding,
/// NetworkPolicy, and per app Deployment, ReplicaSet, Service, ConfigMap,
/// Secret and its Pods.
const PER_NAMESPACE: usize = 5 + APPS * (5 + REPLICAS);
/// Pods a node carries.
const PODS_PER_NODE: usize = 30;

/// Exactly `n` objects (full, with apiVersion and kind): Nodes first, then
/// namespace after namespace, each with a ServiceAccount, a Role and its
/// RoleBinding, a default-deny NetworkPolicy, and ten applications — a
/// Deployment, the ReplicaSet it owns, three Pods the ReplicaSet owns
/// (with podIPs, on the nodes), a Service, a ConfigMap and a Secret.
/// Some workloads break common rules (privileged, `latest`, no limits) so
/// that analyses have findings to produce. The same `n` always gives the
/// same objects.
pub fn synthetic(n: usize) -> Vec<Value> {
    let namespaces = n.div_ceil(PER_NAMESPACE);
    let nodes = (namespaces * APPS * REPLICAS)
        .div_ceil(PODS_PER_NODE)
        .clamp(1, n.max(1));
    let mut out = Vec::with_capacity(n);
    for i in 0..nodes.min(n) {
        out.push(node(i));
    }
    let mut pod_index = 0usize;
    let mut ns = 0;
    while out.len() < n {
        for o in namespace(ns, nodes, &mut pod_index) {
            if out.len() == n {
                break;
            }
            out.push(o);
        }
        ns += 1;
    }
    out
}

fn node(i: usize) -> Value {
    let name = format!("node-{i:04}");
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": format!("zone-{}", i % 3),
                "node.kubernetes.io/instance-type": "m6i.xlarge",
            },
        },
        "spec": {"podCIDR": format!("10.{}.{}.0/24", 128 + (i >> 8) % 128, i % 256), "providerID": format!("aws:///zone-{}/i-{i:017x}", i % 3)},
        "status": {
            "addresses": [{"type": "InternalIP", "address": format!("192.168.{}.{}", (i >> 8) % 256, i % 256)}, {"type": "Hostname", "address": name}],
            "allocatable": {"cpu": "3920m", "memory": "15136Mi", "pods": "58"},
            "capacity": {"cpu": "4", "memory": "15842Mi", "pods": "58"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
            "nodeInfo": {
                "architecture": "amd64",
                "containerRuntimeVersion": "containerd://1.7.27",
                "kernelVersion": "6.1.140",
                "kubeProxyVersion": if i % 10 == 9 { "v1.31.9" } else { "v1.33.2" },
                "kubeletVersion": if i % 10 == 9 { "v1.31.9" } else { "v1.33.2" },
                "operatingSystem": "linux",
                "osImage": "Amazon Linux 2023",
            },
        },
    })
}

/// A ten-character hex "hash", as in ReplicaSet names.
fn hash(seed: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // FNV alone barely changes the high bits for similar inputs: mix
    // (splitmix64's finalizer) so that names differ.
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    format!("{h:016x}")[..10].to_string()
}

fn namespace(ns: usize, nodes: usize, pod_index: &mut usize) -> Vec<Value> {
    let name = format!("team-{ns:04}");
    let team = json!({"team": name, "app.kubernetes.io/part-of": name});
    let mut out = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": team}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app", "namespace": name}}),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "app", "namespace": name},
            "rules": [
                {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]},
                // Every fifth team's role reads secrets too.
                {"apiGroups": [""], "resources": [if ns % 5 == 0 { "secrets" } else { "endpoints" }], "verbs": ["get", "list"]},
            ],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "app", "namespace": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "app"},
            "subjects": [{"kind": "ServiceAccount", "name": "app", "namespace": name}],
        }),
        json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "default-deny", "namespace": name},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
        }),
    ];
    for a in 0..APPS {
        let app = format!("app-{a:02}");
        let labels = json!({"app": app, "team": name});
        let insecure = (ns * APPS + a) % 7 == 3;
        let image = if (ns * APPS + a) % 11 == 5 {
            format!("registry.example.com/{name}/{app}:latest")
        } else {
            format!("registry.example.com/{name}/{app}:1.{}.{}", a % 5, ns % 10)
        };
        let mut container = json!({
            "name": app,
            "image": image,
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "env": [{"name": "MODE", "value": "production"}],
            "envFrom": [{"configMapRef": {"name": app}}],
            "volumeMounts": [{"name": "creds", "mountPath": "/var/run/creds", "readOnly": true}],
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
        });
        if insecure {
            container["securityContext"] = json!({"privileged": true});
        } else {
            container["securityContext"] = json!({
                "runAsNonRoot": true, "allowPrivilegeEscalation": false,
                "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]},
                "seccompProfile": {"type": "RuntimeDefault"},
            });
            container["resources"] = json!({
                "requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"cpu": "500m", "memory": "256Mi"},
            });
        }
        let pod_spec = json!({
            "serviceAccountName": "app",
            "containers": [container],
            "volumes": [{"name": "creds", "secret": {"secretName": app}}],
        });
        let template_hash = hash(&format!("{name}/{app}"));
        let rs_name = format!("{app}-{template_hash}");
        let deploy_uid = format!("00000000-0000-4000-8000-{:06x}{:06x}", ns, a * 2);
        let rs_uid = format!("00000000-0000-4000-8000-{:06x}{:06x}", ns, a * 2 + 1);
        let mut pod_labels = labels.clone();
        pod_labels["pod-template-hash"] = template_hash.clone().into();
        out.push(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": app, "namespace": name, "labels": labels, "uid": deploy_uid},
            "spec": {
                "replicas": REPLICAS,
                "selector": {"matchLabels": {"app": app}},
                "template": {"metadata": {"labels": labels}, "spec": pod_spec},
            },
            "status": {"replicas": REPLICAS, "readyReplicas": REPLICAS, "availableReplicas": REPLICAS},
        }));
        out.push(json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {
                "name": rs_name, "namespace": name, "labels": pod_labels, "uid": rs_uid,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": app, "uid": deploy_uid, "controller": true, "blockOwnerDeletion": true}],
            },
            "spec": {
                "replicas": REPLICAS,
                "selector": {"matchLabels": {"app": app, "pod-template-hash": template_hash}},
                "template": {"metadata": {"labels": pod_labels}, "spec": pod_spec},
            },
            "status": {"replicas": REPLICAS, "readyReplicas": REPLICAS},
        }));
        for p in 0..REPLICAS {
            let i = *pod_index;
            *pod_index += 1;
            let ip = format!("10.{}.{}.{}", (i >> 16) % 128, (i >> 8) % 256, i % 256);
            let mut spec = pod_spec.clone();
            spec["nodeName"] = format!("node-{:04}", i % nodes).into();
            out.push(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {
                    "name": format!("{rs_name}-{}", &hash(&format!("{name}/{app}/{p}"))[..5]),
                    "namespace": name, "labels": pod_labels,
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name, "uid": rs_uid, "controller": true, "blockOwnerDeletion": true}],
                },
                "spec": spec,
                "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "qosClass": if insecure { "BestEffort" } else { "Burstable" }},
            }));
        }
        out.push(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": app, "namespace": name, "labels": labels},
            "spec": {
                // Every ninth application is exposed on a NodePort.
                "type": if (ns * APPS + a) % 9 == 4 { "NodePort" } else { "ClusterIP" },
                "selector": {"app": app},
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
            },
        }));
        out.push(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": app, "namespace": name, "labels": labels},
            "data": {"LOG_LEVEL": "info", "UPSTREAM": format!("http://app-{:02}.{name}.svc", (a + 1) % APPS)},
        }));
        out.push(json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": app, "namespace": name, "labels": labels},
            "type": "Opaque",
            "data": {"password": "c3ludGhldGljLW5vdC1hLXJlYWwtc2VjcmV0"},
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_count_and_deterministic() {
        for n in [0, 1, 7, 86, 1000] {
            let a = synthetic(n);
            assert_eq!(a.len(), n);
            assert_eq!(a, synthetic(n));
        }
        let objects = synthetic(1000);
        let count = |k: &str| objects.iter().filter(|o| o["kind"] == k).count();
        assert!(count("Pod") > 300, "{}", count("Pod"));
        assert!(count("Node") >= 1);
        assert!(count("Namespace") >= 10);
        let mut names: Vec<String> = objects
            .iter()
            .map(|o| {
                format!(
                    "{}/{}/{}",
                    o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]
                )
            })
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), objects.len(), "names are unique");
        // Every pod's owner is in the set (bar the truncated tail).
        let rs: Vec<&str> = objects
            .iter()
            .filter(|o| o["kind"] == "ReplicaSet")
            .filter_map(|o| o["metadata"]["name"].as_str())
            .collect();
        for p in objects.iter().filter(|o| o["kind"] == "Pod") {
            let owner = p["metadata"]["ownerReferences"][0]["name"]
                .as_str()
                .unwrap();
            assert!(rs.contains(&owner));
        }
    }
}
