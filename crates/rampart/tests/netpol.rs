//! End-to-end tests of `rampart netpol`: matrix, can, exposure, diff.

pub mod support;

use support::run;

const F: &str = "tests/fixtures/netpol";

#[test]
fn can_says_yes_or_no_and_which_side_decides() {
    let (code, out, _) = run(&["netpol", "can", "y/b", "x/a:81", "-f", F]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("yes\n"));
    assert!(
        out.contains("allowed by NetworkPolicy/x/a-from-y-b ingress rule 0"),
        "{out}"
    );
    // Same pod, a port the rule does not name.
    let (code, out, _) = run(&["netpol", "can", "y/b", "x/a:80/TCP", "-f", F]);
    assert_eq!(code, 1);
    assert!(
        out.contains("denied: isolated by NetworkPolicy/x/deny"),
        "{out}"
    );
    // UDP 80 is allowed; a named port with another protocol is not.
    let (code, _, _) = run(&["netpol", "can", "y/b", "x/a:80/udp", "-f", F]);
    assert_eq!(code, 0);
    // Outside the cluster: the metadata address is excepted.
    let (code, out, _) = run(&["netpol", "can", "x/a", "169.254.169.254:80", "-f", F]);
    assert_eq!(code, 1, "{out}");
    let (code, _, _) = run(&["netpol", "can", "x/a", "8.8.8.8:443", "-f", F]);
    assert_eq!(code, 0);
    let (code, _, _) = run(&["netpol", "can", "10.2.0.9", "x/a:443", "-f", F]);
    assert_eq!(code, 0);
    let (code, _, _) = run(&["netpol", "can", "10.1.0.9", "x/a:443", "-f", F]);
    assert_eq!(code, 1);
    let (_, out, _) = run(&["netpol", "can", "y/b", "x/a:81", "-f", F, "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["allowed"], true);
    assert_eq!(v["ingress"]["allowedBy"][0]["rule"], 0);
}

#[test]
fn can_rejects_unknown_or_ambiguous_endpoints() {
    let (code, _, err) = run(&["netpol", "can", "q/none", "x/a:81", "-f", F]);
    assert_eq!(code, 2);
    assert!(err.contains("no workload `q/none`"), "{err}");
    let (code, _, err) = run(&["netpol", "can", "y/b", "x/a", "-f", F]);
    assert_eq!(code, 2);
    assert!(err.contains("TARGET:PORT"), "{err}");
}

#[test]
fn matrix_rows_for_people_and_machines() {
    let (code, out, _) = run(&["netpol", "matrix", "-f", F, "-n", "x"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("10.0.0.0/8 except 10.1.0.0/16  →  Pod/x/a"),
        "{out}"
    );
    assert!(out.contains("Pod/y/b"), "{out}");
    assert!(!out.contains("Pod/x/b  →"), "x/b may reach nothing: {out}");
    let (_, out, _) = run(&["netpol", "matrix", "-f", F, "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schemaVersion"], 1);
    assert_eq!(v["workloads"], 9);
    let rows = v["connections"].as_array().unwrap();
    let find = |from: &str, to: &str| {
        rows.iter().find(|r| {
            r["from"]["name"] == from.split('/').nth(1).unwrap()
                && r["from"]["namespace"] == from.split('/').next().unwrap()
                && r["to"]["name"] == to.split('/').nth(1).unwrap()
                && r["to"]["namespace"] == to.split('/').next().unwrap()
        })
    };
    assert_eq!(find("y/b", "x/a").unwrap()["ports"][0]["port"], 81);
    assert!(find("y/a", "x/a").is_none());
    assert_eq!(find("y/a", "z/c").unwrap()["ports"], "all");
    // External addresses: one row per CIDR.
    let cidrs = rows
        .iter()
        .filter(|r| {
            r["from"]["ipBlock"].is_string()
                && r["to"]["name"] == "a"
                && r["to"]["namespace"] == "x"
        })
        .count();
    assert_eq!(cidrs, 8);
    for format in ["csv", "dot", "html"] {
        let (code, out, _) = run(&["netpol", "matrix", "-f", F, "-o", format]);
        assert_eq!(code, 0);
        assert!(out.contains("x/a"), "{format}");
    }
}

#[test]
fn exposure_and_diff() {
    let (code, out, _) = run(&["netpol", "exposure", "-f", F]);
    assert_eq!(code, 0);
    assert!(
        out.contains("may reach 0.0.0.0/0 except 169.254.169.254/32: all"),
        "{out}"
    );
    assert!(
        out.contains("accepts from outside the cluster: nothing"),
        "{out}"
    );
    let (code, out, _) = run(&["netpol", "diff", F, F]);
    assert_eq!(code, 0);
    assert!(out.contains("no connection opened or closed"));
    let (code, out, _) = run(&["netpol", "diff", "tests/fixtures/netpol/cluster.yaml", F]);
    assert_eq!(code, 1);
    assert!(out.contains("- Pod/y/a  →  Pod/x/a  all"), "{out}");
    assert!(!out.contains("+ "), "policies only close: {out}");
}
