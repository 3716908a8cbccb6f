//! End-to-end tests of the `rampart` binary: what a user types, what they
//! see, and the exit code they get.

pub mod support;

use std::path::Path;

use serde_json::Value;
use support::{root, run, run_with_stdin};

fn json(args: &[&str]) -> (i32, Value) {
    let mut a = args.to_vec();
    a.extend(["-o", "json", "--no-config"]);
    let (code, out, err) = run(&a);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, v)
}

fn rules_at(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["object"]["name"].as_str().unwrap().to_string(),
                f["location"]["pointer"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The first finding of `rule` in a JSON report.
fn first<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding"))
}

/// The first result of `rule` in a SARIF log.
fn first_result<'a>(log: &'a Value, rule: &str) -> &'a Value {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == rule)
        .unwrap_or_else(|| panic!("no {rule} result"))
}

fn validate(schema_path: &Path, instance: &Value) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn text_report_of_the_examples() {
    let (code, out, err) = run(&["scan", "examples", "--color", "never", "--no-config"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.is_empty(),
        "nothing on stderr for text to a pipe: {err}"
    );
    insta::assert_snapshot!("examples_text", out);
}

#[test]
fn json_report_matches_its_schema_and_content() {
    let (code, v) = json(&["scan", "examples"]);
    assert_eq!(code, 1);
    validate(&root().join("docs/report.schema.json"), &v);
    let found = rules_at(&v);
    // `privileged: yes` is a privileged container: YAML 1.1 as kubectl reads it.
    assert!(found.contains(&(
        "privileged-container".into(),
        "web".into(),
        "/spec/template/spec/containers/1/securityContext/privileged".into()
    )));
    let priv_finding = &first(&v, "privileged-container")["location"];
    assert_eq!(priv_finding["line"], 33);
    assert_eq!(priv_finding["column"], 11);
    assert_eq!(v["summary"]["suppressed"], 2);
    insta::assert_json_snapshot!("examples_json", v, {".tool.version" => "[version]"});
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    for input in ["examples", "tests/fixtures/bad", "tests/fixtures/helm"] {
        let (_, out, _) = run(&["scan", input, "-o", "sarif", "--no-config"]);
        let v: Value = serde_json::from_str(&out).unwrap();
        validate(
            &root().join("crates/rampart/tests/data/sarif-schema-2.1.0.json"),
            &v,
        );
        let run = &v["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(rules.iter().any(|r| r["id"] == "privileged-container"));
        for r in run["results"].as_array().unwrap() {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"]);
            assert!(r["partialFingerprints"]["rampart/v1"].is_string());
        }
    }
    let (_, out, _) = run(&["scan", "examples", "-o", "sarif", "--no-config"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let region = &first_result(&v, "privileged-container")["locations"][0]["physicalLocation"];
    assert_eq!(region["artifactLocation"]["uri"], "examples/web.yaml");
    assert_eq!(region["region"]["startLine"], 33);
    insta::assert_json_snapshot!("examples_sarif", v, {".runs[0].tool.driver.version" => "[version]", ".runs[0].tool.driver.semanticVersion" => "[version]"});
}

#[test]
fn junit_report() {
    let (code, out, _) = run(&["scan", "examples", "-o", "junit", "--no-config"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("<?xml"));
    insta::assert_snapshot!("examples_junit", out);
}

#[test]
fn stdin_with_helm_sources() {
    let rendered =
        std::fs::read_to_string(root().join("tests/fixtures/helm/rendered.yaml")).unwrap();
    let (code, out, _) = run_with_stdin(&["scan", "-", "-o", "json", "--no-config"], rendered);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let f = first(&v, "privileged-container");
    assert_eq!(f["location"]["file"], "<stdin>");
    assert_eq!(
        f["location"]["helmSource"],
        "shop/templates/deployment.yaml"
    );
    assert_eq!(f["location"]["line"], 26);

    let (_, out, _) = run_with_stdin(
        &["scan", "-", "-o", "sarif", "--no-config"],
        std::fs::read_to_string(root().join("tests/fixtures/helm/rendered.yaml")).unwrap(),
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let loc = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "shop/templates/deployment.yaml"
    );
}

#[test]
fn bad_input_is_reported_and_the_rest_still_scanned() {
    let (code, v) = json(&["scan", "tests/fixtures/bad"]);
    assert_eq!(code, 2, "input errors exit 2 even with findings");
    let diags = v["diagnostics"].as_array().unwrap();
    let has = |code: &str, file: &str| {
        diags
            .iter()
            .any(|d| d["code"] == code && d["file"].as_str().unwrap().ends_with(file))
    };
    assert!(has("yaml-syntax", "broken.yaml"));
    assert!(has("yaml-syntax", "alias-bomb.yaml"));
    assert!(has("yaml-syntax", "deep.yaml"));
    assert!(has("duplicate-key", "duplicate-keys.yaml"));
    assert!(has("binary-file", "binary.yaml"));
    assert!(has("invalid-field", "wrong-types.yaml"));
    let syntax = diags
        .iter()
        .find(|d| d["file"].as_str().unwrap().ends_with("broken.yaml"))
        .unwrap();
    assert_eq!(
        (syntax["line"].as_u64(), syntax["column"].as_u64()),
        (Some(16), Some(14))
    );
    let replicas = diags
        .iter()
        .find(|d| d["pointer"] == "/spec/replicas")
        .unwrap();
    assert_eq!(replicas["line"], 7);
    // The documents around the malformed one are still scanned.
    let names: Vec<String> = rules_at(&v)
        .into_iter()
        .filter(|(r, _, _)| r == "privileged-container")
        .map(|(_, n, _)| n)
        .collect();
    // A duplicate key is reported and, as kubectl does, the last value wins:
    // `privileged: false` then `privileged: true` is privileged.
    assert_eq!(names, ["ok-before", "ok-after", "dup"]);
}

#[test]
fn no_value_from_the_input_is_echoed_in_errors() {
    let (_, out, err) = run(&["scan", "tests/fixtures/bad/wrong-types.yaml", "--no-config"]);
    assert!(!out.contains("8675309") && !err.contains("8675309"));
    let (_, out, _) = run(&[
        "scan",
        "tests/fixtures/bad/wrong-types.yaml",
        "-o",
        "json",
        "--no-config",
    ]);
    assert!(!out.contains("8675309") && !out.contains("three\""));
}

#[test]
fn secret_values_never_appear_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "c3VwZXJzZWNyZXQtdG9rZW4tdmFsdWU=";
    std::fs::write(
        dir.path().join("s.yaml"),
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: s, namespace: default}}\ndata:\n  token: {secret}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: t, namespace: default}}\nstringData:\n  token: [{secret}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: shop}}\ndata:\n  DB_PASSWORD: {secret}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: shop}}\nspec:\n  containers:\n  - {{name: a, image: a:1, env: [{{name: API_TOKEN, value: {secret}}}]}}\n"
        ),
    )
    .unwrap();
    for format in ["text", "json", "sarif", "junit"] {
        let (_, out, err) = run(&[
            "scan",
            "-o",
            format,
            "--no-config",
            "--profile",
            "all",
            dir.path().to_str().unwrap(),
        ]);
        let all = format!("{out}{err}");
        assert!(!all.contains(secret), "{format} leaked the secret:\n{all}");
    }
}

#[test]
fn fail_on_threshold() {
    let (code, _, _) = run(&[
        "scan",
        "tests/fixtures/config/app.yaml",
        "--no-config",
        "--rule",
        "image-latest-tag",
        "--fail-on",
        "high",
    ]);
    assert_eq!(code, 0, "medium findings do not fail at --fail-on high");
    let (code, _, _) = run(&[
        "scan",
        "tests/fixtures/config/app.yaml",
        "--no-config",
        "--rule",
        "image-latest-tag",
        "--fail-on",
        "medium",
    ]);
    assert_eq!(code, 1);
    let (code, _, _) = run(&["scan", "examples", "--no-config", "--fail-on", "none"]);
    assert_eq!(code, 0);
}

#[test]
fn config_file_is_discovered_and_applied() {
    let (code, out, err) = run(&["scan", "tests/fixtures/config", "-o", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{err}"));
    let found = rules_at(&v);
    // default-namespace disabled; memory is the only required limit.
    assert!(!found.iter().any(|(r, _, _)| r == "default-namespace"));
    assert!(
        found.iter().any(|(r, n, p)| r == "missing-resource-limits"
            && n == "agent"
            && p.ends_with("/memory"))
    );
    assert!(!found.iter().any(|(_, _, p)| p.ends_with("/limits/cpu")));
    // Severity override: image-latest-tag is high here, and failOn: high fails.
    let latest = first(&v, "image-latest-tag");
    assert_eq!(latest["severity"], "high");
    assert_eq!(code, 1);
    // The config exemption holds, with its reason.
    let hp = first(&v, "host-path-volume");
    assert_eq!(hp["suppressed"]["kind"], "config");
    assert!(
        hp["suppressed"]["reason"]
            .as_str()
            .unwrap()
            .contains("SEC-42")
    );
    // An exemption annotation without a reason is not honoured, and says so.
    let root_f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "run-as-root" && f["object"]["name"] == "agent")
        .unwrap();
    assert!(root_f.get("suppressed").is_none());
    assert!(
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "exemption-without-reason")
    );
}

#[test]
fn config_errors_exit_2_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    std::fs::write(&cfg, "rules:\n  no-such-rule: {enabled: false}\n").unwrap();
    let (code, _, err) = run(&["scan", "examples", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule `no-such-rule`"), "{err}");
    std::fs::write(&cfg, "rules:\n  run-as-root:\n    enabled: maybe\n").unwrap();
    let (code, _, err) = run(&["scan", "examples", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains(":3:") && err.contains("rules.run-as-root.enabled"),
        "{err}"
    );
    std::fs::write(
        &cfg,
        "exemptions:\n- rules: [run-as-root]\n  reason: \"\"\n",
    )
    .unwrap();
    let (code, _, err) = run(&["scan", "examples", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("reason"), "{err}");
}

#[test]
fn baseline_reports_only_new_findings_and_survives_edits() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.yaml");
    let original = std::fs::read_to_string(root().join("examples/web.yaml")).unwrap();
    std::fs::write(&app, &original).unwrap();
    let baseline = dir.path().join("baseline.json");
    // A fixed set of rules, so that the test does not change as rules are added.
    let rules = [
        "--rule",
        "privileged-container",
        "--rule",
        "missing-resource-limits",
        "--rule",
        "image-latest-tag",
        "--rule",
        "host-path-volume",
    ];
    let mut args = vec![
        "scan",
        app.to_str().unwrap(),
        "--no-config",
        "--write-baseline",
        baseline.to_str().unwrap(),
    ];
    args.extend(rules);
    let (code, _, _) = run(&args);
    assert_eq!(code, 0, "writing a baseline succeeds");
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    let recorded = recorded["findings"].as_array().unwrap().len();
    assert_eq!(recorded, 5);
    let b = baseline.to_str().unwrap();
    let scan = |extra: &[&str]| {
        let mut a = vec!["scan", app.to_str().unwrap(), "--baseline", b];
        a.extend(rules);
        a.extend_from_slice(extra);
        json(&a)
    };

    // Unrelated edits move every line; nothing is new.
    let edited = format!(
        "# a comment\n# another\n{}",
        original.replace("replicas: 2", "replicas: 3")
    );
    std::fs::write(&app, &edited).unwrap();
    let (code, v) = scan(&[]);
    assert_eq!(code, 0);
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    assert_eq!(v["summary"]["baselined"], recorded);

    // A new privileged container, inserted before the others (so every
    // container index shifts), is the only new finding.
    let worse = edited.replace(
        "      - name: web\n",
        "      - name: debug\n        image: busybox:1.36\n        securityContext: {privileged: true, runAsUser: 1000}\n        resources: {limits: {cpu: 1, memory: 1Gi}}\n      - name: web\n",
    );
    std::fs::write(&app, &worse).unwrap();
    let (code, v) = scan(&[]);
    assert_eq!(code, 1);
    let found = rules_at(&v);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "privileged-container");
    assert!(found[0].2.contains("/containers/0/"));
}

#[test]
fn inputs_lists_json_globs_and_output_file() {
    let (code, v) = json(&["scan", "tests/fixtures/list.json"]);
    assert_eq!(code, 1);
    let found = rules_at(&v);
    assert!(found.contains(&(
        "privileged-container".into(),
        "from-list".into(),
        "/spec/containers/0/securityContext/privileged".into()
    )));
    assert!(found.contains(&(
        "default-namespace".into(),
        "from-list".into(),
        "/metadata/namespace".into()
    )));

    // Items of a typed list without kind/apiVersion take them from the list.
    let (_, v) = json(&[
        "scan",
        "tests/fixtures/podlist.yaml",
        "--rule",
        "privileged-container",
    ]);
    assert_eq!(
        rules_at(&v)[0],
        (
            "privileged-container".into(),
            "inherited".into(),
            "/spec/containers/0/securityContext/privileged".into()
        )
    );
    assert_eq!(v["findings"][0]["object"]["kind"], "Pod");

    let (_, v) = json(&["scan", "examples/*.yaml"]);
    assert_eq!(v["summary"]["files"], 2);
    let (_, v) = json(&[
        "scan",
        "-f",
        "examples/web.yaml",
        "-f",
        "examples/jobs.yaml",
    ]);
    assert_eq!(v["summary"]["files"], 2);

    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("r.sarif");
    let (code, out, _) = run(&[
        "scan",
        "examples",
        "-o",
        "sarif",
        "--no-config",
        "--output-file",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(out.is_empty(), "nothing on stdout but the report");
    assert!(
        std::fs::read_to_string(out_file)
            .unwrap()
            .contains("\"2.1.0\"")
    );

    let (code, _, err) = run(&["scan", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("no such file or directory"), "{err}");
    let (code, _, _) = run(&["scan"]);
    assert_eq!(code, 2);
}

#[test]
fn rules_and_explain() {
    let (code, out, _) = run(&["rules"]);
    assert_eq!(code, 0);
    for id in [
        "privileged-container",
        "missing-resource-limits",
        "image-latest-tag",
        "host-path-volume",
        "run-as-root",
        "default-namespace",
    ] {
        assert!(out.contains(id), "{id} missing from `rampart rules`");
    }
    let (code, out, _) = run(&["explain", "privileged-container"]);
    assert_eq!(code, 0);
    assert!(out.contains("Why it matters") && out.contains("```yaml") && out.contains("CIS 5.2.2"));
    let (code, out, _) = run(&["rules", "-o", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v.as_array().unwrap().len() >= 6);
    let (code, _, err) = run(&["explain", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("rampart rules"));
}

#[test]
fn help_shows_examples() {
    let (code, out, _) = run(&["scan", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("helm template ./chart | rampart scan -"));
    assert!(out.contains("Exit codes"));
}

#[test]
fn framework_summary_per_control() {
    let (code, v) = json(&["scan", "examples", "--framework", "cis"]);
    assert_eq!(code, 1);
    validate(&root().join("docs/report.schema.json"), &v);
    let controls = v["compliance"]["controls"].as_array().unwrap();
    assert_eq!(v["compliance"]["framework"], "CIS");
    let status = |id: &str| {
        controls
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("5.2.2").as_deref(), Some("failed"));
    // Only rules citing CIS ran: no finding of a rule without a CIS reference.
    assert!(!rules_at(&v).iter().any(|(r, _, _)| r == "image-latest-tag"));
    // Nothing to check: a manifest without pod templates makes pod controls N/A.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n",
    )
    .unwrap();
    let (code, v) = json(&["scan", dir.path().to_str().unwrap(), "--framework", "cis"]);
    assert_eq!(code, 0);
    let controls = v["compliance"]["controls"].as_array().unwrap();
    let pod = controls.iter().find(|c| c["id"] == "5.2.3").unwrap();
    assert_eq!(pod["status"], "not-applicable");
    let ns = controls.iter().find(|c| c["id"] == "5.6.4").unwrap();
    assert_eq!(ns["status"], "passed");
}

#[test]
fn pod_security_profiles() {
    let found = |args: &[&str]| -> Vec<(String, String)> {
        let mut a = vec!["scan", "tests/fixtures/pss"];
        a.extend_from_slice(args);
        let (_, v) = json(&a);
        let mut f: Vec<(String, String)> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["object"]["namespace"].as_str().unwrap().to_string(),
                    f["rule"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        f.sort();
        f.dedup();
        f
    };
    // Baseline: only the host network, in every namespace.
    let baseline = found(&["--profile", "pss-baseline"]);
    assert_eq!(
        baseline,
        [
            ("base".into(), "host-namespaces".into()),
            ("open".into(), "host-namespaces".into()),
            ("strict".into(), "host-namespaces".into()),
        ]
    );
    // Restricted adds the restricted checks; the hardened Deployment passes.
    let restricted = found(&["--profile", "pss-restricted"]);
    for rule in [
        "host-namespaces",
        "privilege-escalation",
        "pss-run-as-non-root",
        "seccomp-profile-missing",
        "capabilities-not-dropped",
    ] {
        assert!(restricted.contains(&("open".into(), rule.into())), "{rule}");
    }
    assert!(
        !restricted
            .iter()
            .any(|(ns, r)| ns == "strict" && r == "run-as-root")
    );
    // Per namespace: none where nothing is enforced, baseline and restricted
    // where the labels say so.
    let per_ns = found(&["--profile", "pss-namespace"]);
    assert!(!per_ns.iter().any(|(ns, _)| ns == "open"));
    assert_eq!(
        per_ns.iter().filter(|(ns, _)| ns == "base").count(),
        1,
        "{per_ns:?}"
    );
    assert!(per_ns.contains(&("strict".into(), "seccomp-profile-missing".into())));
    let (code, _, err) = run(&["scan", "tests/fixtures/pss", "--pss-version", "v1.19"]);
    assert_eq!(code, 2);
    assert!(err.contains("v1.25"), "{err}");
}

/// A reader that stops early (`rampart rules -o json | head`) closes the
/// pipe; rampart ends quietly instead of panicking.
#[test]
fn closed_stdout_is_not_a_crash() {
    use std::io::Read;
    use std::process::Stdio;
    for args in [
        &["rules", "-o", "json"][..],
        &[
            "rbac",
            "graph",
            "-f",
            "tests/fixtures/rbac-escalation/cluster.yaml",
        ][..],
    ] {
        let mut child = support::command()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // stdout is closed here, before rampart has written everything.
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}
