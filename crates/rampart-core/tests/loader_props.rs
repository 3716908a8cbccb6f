//! Property tests: whatever bytes arrive, the loader answers with objects
//! or diagnostics, never a panic; and YAML 1.1 scalar resolution agrees
//! with Go's integer and float syntax on generated inputs.

use std::sync::Arc;

use proptest::prelude::*;
use rampart_core::source::SourceFile;
use rampart_core::yaml::{Limits, parse_document, resolve_plain};
use rampart_core::{Inventory, Value};

const SEED_MANIFEST: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web, "version": "1.0"}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
      annotations:
        ignore-check.rampart.dev/run-as-root: "reviewed"
    spec:
      securityContext: {runAsNonRoot: yes}
      initContainers:
      - name: init
        image: busybox
      containers:
      - &c
        name: web
        image: nginx:1.27
        securityContext:
          privileged: on
        resources:
          limits: {cpu: 500m, memory: 256Mi}
      - <<: *c
        name: copy
      volumes:
      - name: host
        hostPath: {path: /}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: p}
  spec:
    containers: [{name: a, image: "a:1"}]
"#;

fn load(text: String) -> Inventory {
    let file = SourceFile {
        name: Arc::from("prop.yaml"),
        text,
    };
    let inventory = Inventory::from_sources(
        vec![file],
        Vec::new(),
        Limits {
            max_depth: 64,
            max_nodes: 100_000,
        },
    );
    // Whatever loaded must be consistent enough for rules to walk it.
    for o in &inventory.objects {
        if let Some(Ok(w)) = o.workload() {
            for c in w.containers() {
                let _ = o
                    .root
                    .locate(&c.pointer(&["securityContext", "privileged"]));
            }
        }
    }
    inventory
}

/// Text biased toward YAML's syntax characters.
fn yamlish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("\n".to_string()),
            Just("  ".to_string()),
            Just("- ".to_string()),
            Just(": ".to_string()),
            Just("---\n".to_string()),
            Just("&a ".to_string()),
            Just("*a".to_string()),
            Just("<<: ".to_string()),
            Just("{".to_string()),
            Just("}".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            Just("\"".to_string()),
            Just("'".to_string()),
            Just("|\n".to_string()),
            Just("!!int ".to_string()),
            Just("? ".to_string()),
            Just("#".to_string()),
            Just("\t".to_string()),
            Just("apiVersion: v1\nkind: Pod\n".to_string()),
            Just("items:\n".to_string()),
            "[a-z0-9]{1,6}",
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn random_yaml_never_panics(text in yamlish()) {
        let _ = parse_document(&text, 1, Limits { max_depth: 64, max_nodes: 100_000 });
        load(text);
    }

    #[test]
    fn mutated_manifests_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<char>()), 1..8)
    ) {
        let mut chars: Vec<char> = SEED_MANIFEST.chars().collect();
        for (at, op, c) in edits {
            if chars.is_empty() {
                break;
            }
            let i = at.index(chars.len());
            match op {
                0 => { chars.remove(i); }
                1 => chars.insert(i, c),
                2 => chars[i] = c,
                _ => {
                    // Duplicate a line: creates duplicate keys and odd indents.
                    let start = chars[..i].iter().rposition(|&c| c == '\n').map_or(0, |p| p + 1);
                    let end = chars[i..].iter().position(|&c| c == '\n').map_or(chars.len(), |p| i + p + 1);
                    let line: Vec<char> = chars[start..end].to_vec();
                    chars.splice(end..end, line);
                }
            }
        }
        load(chars.into_iter().collect());
    }

    #[test]
    fn decimal_integers_resolve_to_themselves(i in any::<i64>()) {
        prop_assert_eq!(resolve_plain(&i.to_string()), Value::Int(i));
    }

    #[test]
    fn octal_and_hex_follow_go(n in 0u32..1_000_000) {
        prop_assert_eq!(resolve_plain(&format!("0{n:o}")), Value::Int(n as i64));
        prop_assert_eq!(resolve_plain(&format!("0x{n:x}")), Value::Int(n as i64));
        prop_assert_eq!(resolve_plain(&format!("0o{n:o}")), Value::Int(n as i64));
    }

    #[test]
    fn floats_resolve_to_their_value(f in -1e12f64..1e12) {
        let text = format!("{f:?}");
        match resolve_plain(&text) {
            Value::Float(g) => prop_assert_eq!(g, f),
            Value::Int(i) => prop_assert_eq!(i as f64, f),
            other => prop_assert!(false, "{} resolved to {:?}", text, other),
        }
    }
}

#[test]
fn the_seed_manifest_loads_as_kubernetes_reads_it() {
    let inv = load(SEED_MANIFEST.to_string());
    assert!(inv.diagnostics.is_empty(), "{:?}", inv.diagnostics);
    assert_eq!(inv.objects.len(), 2);
    let w = inv.objects[0].workload().unwrap().unwrap();
    let copy = &w.spec.containers[1];
    // The merge copied the first container, then `name` overrode it.
    assert_eq!(copy.name, "copy");
    assert_eq!(
        copy.security_context.as_ref().unwrap().privileged,
        Some(true)
    );
    assert_eq!(inv.objects[1].kind(), "Pod");
}
