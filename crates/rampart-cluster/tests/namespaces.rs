//! The namespace cache against rampart-testapi, a local API server reached
//! by kube-rs over HTTPS as a cluster is: paginated lists, live GETs on a
//! miss, 404, relists that drop deleted namespaces, and failures.

use std::sync::Arc;
use std::time::Duration;

use rampart_cluster::{NamespaceCache, Target, connect};
use rampart_testapi::{Forbidden, Options, Running, objects_from_yaml, start};
use serde_json::{Value, json};

const TOKEN: &str = "cache-token";

fn namespaces(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|n| {
            json!({
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": n, "labels": {"team": format!("team-{n}")}},
            })
        })
        .collect()
}

async fn server(objects: Vec<Value>, tweak: impl FnOnce(&mut Options)) -> Running {
    let mut opts = Options {
        objects,
        token: Some(TOKEN.into()),
        ..Options::default()
    };
    tweak(&mut opts);
    start(opts).await.unwrap()
}

/// A cache over `server`, with its kubeconfig's directory (kept alive).
async fn cache_of(server: &Running) -> (NamespaceCache, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    server.write_kubeconfig(&path, "test", Some(TOKEN)).unwrap();
    let conn = connect(&Target {
        kubeconfig: Some(path),
        request_timeout: Duration::from_secs(5),
        ..Target::default()
    })
    .await
    .unwrap();
    (NamespaceCache::new(conn), dir)
}

/// Requests for namespaces the server answered since the last clear.
fn namespace_requests(server: &Running) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .map(|r| r.path_and_query)
        .filter(|p| p.starts_with("/api/v1/namespaces"))
        .collect()
}

#[tokio::test]
async fn the_first_list_is_paginated_and_makes_the_cache_ready() {
    let names: Vec<String> = (0..1234).map(|i| format!("ns-{i:04}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let server = server(namespaces(&refs), |_| {}).await;
    let (cache, _dir) = cache_of(&server).await;
    assert!(!cache.ready());
    assert_eq!(cache.relist().await.unwrap(), 1234);
    assert!(cache.ready());
    assert_eq!(cache.names(), names);
    let reqs = namespace_requests(&server);
    assert_eq!(reqs.len(), 3, "{reqs:?}");
    assert!(
        reqs[0].contains("limit=500") && !reqs[0].contains("continue"),
        "{reqs:?}"
    );
    assert!(reqs[1..].iter().all(|r| r.contains("limit=500&continue=")));

    // Lookups of listed namespaces send nothing, and give the whole
    // object with its kind, as a GET would.
    server.clear_requests();
    let ns = cache.lookup("ns-0042").await.unwrap().unwrap();
    assert_eq!(ns["kind"], "Namespace");
    assert_eq!(ns["apiVersion"], "v1");
    assert_eq!(ns["metadata"]["labels"]["team"], "team-ns-0042");
    assert!(ns["metadata"]["uid"].is_string());
    assert!(namespace_requests(&server).is_empty());
}

#[tokio::test]
async fn a_miss_is_read_live_and_kept_and_a_missing_namespace_is_none() {
    let server = server(namespaces(&["a"]), |_| {}).await;
    let (cache, _dir) = cache_of(&server).await;
    cache.relist().await.unwrap();
    // Created after the list: the next lookup reads it.
    server.replace_objects(namespaces(&["a", "fresh"])).unwrap();
    server.clear_requests();
    let fresh = cache.lookup("fresh").await.unwrap().unwrap();
    assert_eq!(fresh["metadata"]["labels"]["team"], "team-fresh");
    assert_eq!(fresh["kind"], "Namespace");
    assert_eq!(namespace_requests(&server), ["/api/v1/namespaces/fresh"]);
    assert_eq!(cache.names(), ["a", "fresh"]);
    server.clear_requests();
    cache.lookup("fresh").await.unwrap().unwrap();
    assert!(namespace_requests(&server).is_empty());

    // 404 is an answer, not an error, believed for a second: one GET per
    // name per second, however many requests name it.
    assert!(cache.lookup("nope").await.unwrap().is_none());
    assert!(cache.lookup("nope").await.unwrap().is_none());
    assert_eq!(namespace_requests(&server), ["/api/v1/namespaces/nope"]);
    assert_eq!(cache.names(), ["a", "fresh"]);
    // Created meanwhile: seen once the second is over.
    server
        .replace_objects(namespaces(&["a", "fresh", "nope"]))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(cache.lookup("nope").await.unwrap().is_some());
    // What cannot be a namespace name never reaches the server.
    server.clear_requests();
    for bad in ["../secrets", "a/b", "", "UPPER", "a?x=1"] {
        assert!(cache.lookup(bad).await.unwrap().is_none(), "{bad}");
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_relist_drops_deleted_namespaces_and_sees_new_labels() {
    let server = server(namespaces(&["a", "b", "c"]), |_| {}).await;
    let (cache, _dir) = cache_of(&server).await;
    cache.relist().await.unwrap();
    assert_eq!(cache.names(), ["a", "b", "c"]);
    let mut changed = objects_from_yaml(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    team: moved\n",
    )
    .unwrap();
    changed.extend(namespaces(&["d"]));
    server.replace_objects(changed).unwrap();
    // Until the relist, the cache answers with what it read.
    let a = cache.lookup("a").await.unwrap().unwrap();
    assert_eq!(a["metadata"]["labels"]["team"], "team-a");
    assert_eq!(cache.relist().await.unwrap(), 2);
    assert_eq!(cache.names(), ["a", "d"]);
    let a = cache.lookup("a").await.unwrap().unwrap();
    assert_eq!(a["metadata"]["labels"]["team"], "moved");
    // A deleted namespace is now read live, and is gone.
    assert!(cache.lookup("b").await.unwrap().is_none());
}

#[tokio::test]
async fn the_relist_loop_follows_the_cluster() {
    let server = server(namespaces(&["a"]), |_| {}).await;
    let (cache, _dir) = cache_of(&server).await;
    let cache = Arc::new(cache);
    let task = tokio::spawn(cache.clone().run(Duration::from_millis(50)));
    let wait_for = |want: Vec<&'static str>| {
        let cache = cache.clone();
        async move {
            for _ in 0..100 {
                if cache.ready() && cache.names() == want {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("cache has {:?}, want {want:?}", cache.names());
        }
    };
    wait_for(vec!["a"]).await;
    server.replace_objects(namespaces(&["b", "c"])).unwrap();
    wait_for(vec!["b", "c"]).await;
    task.abort();
}

#[tokio::test]
async fn failures_are_errors_and_keep_what_was_read() {
    let server = server(namespaces(&["a"]), |o| {
        o.forbidden = vec![Forbidden {
            group: String::new(),
            resource: "namespaces".into(),
            namespace: None,
        }];
    })
    .await;
    let (cache, _dir) = cache_of(&server).await;
    let e = cache.relist().await.unwrap_err().to_string();
    assert!(e.contains("403"), "{e}");
    assert!(!cache.ready());
    // A refused GET is an error naming the namespace and the answer; for
    // a moment after it, a miss is an error at once rather than another
    // GET waiting for the same answer.
    let e = cache.lookup("a").await.unwrap_err();
    assert!(e.contains("namespace a") && e.contains("403"), "{e}");
    server.clear_requests();
    let e = cache.lookup("b").await.unwrap_err();
    assert!(e.contains("namespace b is not cached"), "{e}");
    assert!(namespace_requests(&server).is_empty());

    // A server that never answers: the GET gives up at its own timeout,
    // well before the connection's request timeout.
    let stalled = start(Options {
        stall: true,
        ..Options::default()
    })
    .await
    .unwrap();
    let (cache, _dir) = cache_of(&stalled).await;
    let cache = cache.with_get_timeout(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let e = cache.lookup("a").await.unwrap_err();
    assert!(e.contains("took over 200ms"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_failed_relist_keeps_the_previous_namespaces() {
    let server = server(namespaces(&["a", "b"]), |_| {}).await;
    let (cache, _dir) = cache_of(&server).await;
    cache.relist().await.unwrap();
    // Stop the server: the relist fails, the cache stays as it was.
    drop(server);
    assert!(cache.relist().await.is_err());
    assert!(cache.ready());
    assert_eq!(cache.names(), ["a", "b"]);
    assert!(cache.lookup("a").await.unwrap().is_some());
    // A failed relist does not stop live reads (the API server may be back
    // already); a failed read stops the next ones for a moment.
    assert!(cache.lookup("c").await.is_err());
    let started = std::time::Instant::now();
    let e = cache.lookup("d").await.unwrap_err();
    assert!(e.contains("failed less than"), "{e}");
    assert!(started.elapsed() < Duration::from_millis(100));
}

#[tokio::test]
async fn an_expired_continue_token_means_one_full_list() {
    let names: Vec<String> = (0..600).map(|i| format!("ns-{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let server = server(namespaces(&refs), |o| o.expire_continue = true).await;
    let (cache, _dir) = cache_of(&server).await;
    assert_eq!(cache.relist().await.unwrap(), 600);
    assert_eq!(cache.names(), names);
    let reqs = namespace_requests(&server);
    assert_eq!(reqs.len(), 3, "{reqs:?}");
    assert!(reqs[1].contains("continue="), "{reqs:?}");
    // The whole list at once, without a limit.
    assert!(!reqs[2].contains("limit"), "{reqs:?}");
}
