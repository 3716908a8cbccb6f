//! deploy/webhook.yaml as shipped: the webhook container's arguments and
//! the ConfigMaps it mounts start `rampart admission serve` and decide as
//! the file says, and the ClusterRole it binds allows every request the
//! namespace cache sends.

pub mod support;

use std::path::{Path, PathBuf};

use rampart_testapi::objects_from_paths;
use serde_json::Value;
use support::cluster::{TOKEN, kubeconfig, rbac_refusals};
use support::root;
use support::webhook::Webhook;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The objects of deploy/webhook.yaml.
fn manifests() -> Vec<Value> {
    objects_from_paths(&[root().join("deploy/webhook.yaml")]).unwrap()
}

fn object<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("deploy/webhook.yaml has no {kind} {name}"))
}

/// The webhook container's arguments, to pass after `admission serve`:
/// the ConfigMaps it mounts are written under `dir` as the kubelet
/// mounts them (a file per key) and the arguments' paths into them point
/// there. The TLS and listen arguments are left out: the test's server
/// gets its own certificates and port.
fn container_args(objects: &[Value], dir: &Path) -> Vec<String> {
    let spec = &object(objects, "Deployment", "rampart-webhook")["spec"]["template"]["spec"];
    let container = &spec["containers"][0];
    let mut mounts = Vec::new();
    for mount in container["volumeMounts"].as_array().unwrap() {
        let volume = spec["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == mount["name"])
            .unwrap();
        let Some(config_map) = volume["configMap"]["name"].as_str() else {
            continue; // the TLS Secret
        };
        let at = mount["mountPath"].as_str().unwrap();
        let local = dir.join(at.trim_start_matches('/'));
        std::fs::create_dir_all(&local).unwrap();
        let data = object(objects, "ConfigMap", config_map)["data"]
            .as_object()
            .unwrap();
        for (key, text) in data {
            std::fs::write(local.join(key), text.as_str().unwrap()).unwrap();
        }
        mounts.push((at.to_string(), local.to_str().unwrap().to_string()));
    }
    assert_eq!(container["command"], serde_json::json!(["rampart"]));
    let mut args: Vec<String> = Vec::new();
    let mut subcommand = Vec::new();
    for arg in container["args"].as_array().unwrap() {
        let arg = arg.as_str().unwrap();
        if ["admission", "serve"].contains(&arg) {
            subcommand.push(arg);
            continue;
        }
        if ["--tls-cert=", "--tls-key=", "--listen="]
            .iter()
            .any(|p| arg.starts_with(p))
        {
            continue;
        }
        // A path in the pod must be in a ConfigMap it mounts.
        let local = arg.split_once('=').and_then(|(flag, value)| {
            mounts.iter().find_map(|(at, local)| {
                let rest = value.strip_prefix(at.as_str())?;
                (rest.is_empty() || rest.starts_with('/')).then(|| format!("{flag}={local}{rest}"))
            })
        });
        assert!(
            local.is_some() || !arg.contains('/'),
            "{arg} is not in a mounted ConfigMap"
        );
        args.push(local.unwrap_or_else(|| arg.to_string()));
    }
    assert_eq!(subcommand, ["admission", "serve"]);
    args
}

/// The AdmissionReview of tests/fixtures/admission/privileged-pod.json,
/// for a pod in `namespace`.
fn privileged_pod_in(namespace: &str) -> String {
    let path = fixtures().join("admission/privileged-pod.json");
    let mut review: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    review["request"]["namespace"] = namespace.into();
    review["request"]["object"]["metadata"]["namespace"] = namespace.into();
    review.to_string()
}

#[test]
fn the_shipped_arguments_and_config_start_the_webhook_and_exempt_its_namespace() {
    let objects = manifests();
    let dir = tempfile::tempdir().unwrap();
    let args = container_args(&objects, dir.path());
    assert!(
        args.iter().any(|a| a.starts_with("--config="))
            && args.iter().any(|a| a.starts_with("--policy=")),
        "{args:?}"
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let hook = Webhook::start(&args);

    let denied = hook.review(&privileged_pod_in("default"));
    assert_eq!(denied["response"]["allowed"], false, "{denied}");
    let message = denied["response"]["status"]["message"].as_str().unwrap();
    assert!(message.contains("privileged-container"), "{message}");
    // Exempt in the config: the webhook's own pods are never judged.
    let admitted = hook.review(&privileged_pod_in("rampart-system"));
    assert_eq!(admitted["response"]["allowed"], true, "{admitted}");
    assert!(admitted["response"].get("warnings").is_none(), "{admitted}");
}

#[test]
fn the_webhook_role_allows_every_request_the_namespace_cache_sends() {
    let api = support::cluster::server(
        &[fixtures().join("admission-namespaces/cluster.yaml")],
        |_| {},
    );
    let (_dir, kubeconfig) = kubeconfig(&api, TOKEN);
    let hook = Webhook::start(&["--kubeconfig", kubeconfig.to_str().unwrap()]);
    // A namespace the cache has not listed: read when a request names it.
    let out = hook.review(&privileged_pod_in("ghost"));
    assert_eq!(out["response"]["allowed"], false, "{out}");

    let (asked, refused) = rbac_refusals(
        &api,
        "user:system:serviceaccount:rampart-system:rampart-webhook",
        "deploy/webhook.yaml",
    );
    for request in [
        ("list", "namespaces".to_string()),
        ("get", "namespaces/ghost".to_string()),
    ] {
        assert!(
            asked
                .iter()
                .any(|(verb, resource, _)| (verb.as_str(), resource) == (request.0, &request.1)),
            "{request:?} not in {asked:?}"
        );
    }
    assert!(
        refused.is_empty(),
        "deploy/webhook.yaml does not allow: {refused:?}"
    );
}
