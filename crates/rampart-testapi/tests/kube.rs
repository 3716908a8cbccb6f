//! kube-rs (the client rampart-cluster is built on) reads the server as a
//! cluster: kubeconfig with CA and token, discovery both ways, typed and
//! metadata lists with pagination, typed GETs, and API errors.

mod common;

use common::{TOKEN, small_cluster};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod, Secret};
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::Discovery;
use kube::{Client, Config};
use rampart_testapi::{Options, Running, start};

async fn client(server: &Running, token: &str) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(&server.kubeconfig("testapi", Some(token))).unwrap();
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    Client::try_from(config).unwrap()
}

#[tokio::test]
async fn kube_rs_reads_the_server() {
    let server = start(Options {
        token: Some(TOKEN.into()),
        ..small_cluster()
    })
    .await
    .unwrap();
    let client = client(&server, TOKEN).await;

    let version = client.apiserver_version().await.unwrap();
    assert_eq!(version.git_version, "v1.33.2");

    let aggregated = Discovery::new(client.clone())
        .run_aggregated()
        .await
        .unwrap();
    let legacy = Discovery::new(client.clone()).run().await.unwrap();
    for d in [&aggregated, &legacy] {
        let apps = d.get("apps").expect("apps group");
        assert!(
            apps.recommended_resources()
                .iter()
                .any(|(r, _)| r.plural == "deployments")
        );
        assert!(d.get("").is_some());
    }

    // Typed, paginated by hand as rampart-cluster does.
    let pods: Api<Pod> = Api::all(client.clone());
    let mut names = Vec::new();
    let mut lp = ListParams::default().limit(2);
    loop {
        let page = pods.list(&lp).await.unwrap();
        names.extend(page.items.iter().map(|p| p.metadata.name.clone().unwrap()));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => break,
        }
    }
    assert_eq!(names.len(), 5);

    let secrets: Api<Secret> = Api::all(client.clone());
    let meta = secrets.list_metadata(&ListParams::default()).await.unwrap();
    assert_eq!(meta.items.len(), 2);
    let reqs = server.requests();
    let secret_reads: Vec<_> = reqs
        .iter()
        .filter(|r| r.path_and_query.contains("secrets"))
        .collect();
    assert!(secret_reads.iter().all(|r| {
        r.accept
            .as_deref()
            .is_some_and(|a| a.contains("as=PartialObjectMetadataList"))
    }));

    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "shop");
    let web = deploys.get("web").await.unwrap();
    assert_eq!(web.spec.replicas, Some(3));
    let missing = deploys.get("nope").await.unwrap_err();
    assert!(
        matches!(missing, kube::Error::Api(ref s) if s.code == 404),
        "{missing:?}"
    );

    let nodes: Api<Node> = Api::all(client.clone());
    let node_b = nodes.get("node-b").await.unwrap();
    assert_eq!(
        node_b.status.unwrap().node_info.unwrap().kubelet_version,
        "v1.31.9"
    );

    let bad = client_err(&server).await;
    assert!(
        matches!(bad, kube::Error::Api(ref s) if s.code == 401),
        "{bad:?}"
    );
}

async fn client_err(server: &Running) -> kube::Error {
    let client = client(server, "wrong").await;
    let pods: Api<Pod> = Api::all(client);
    pods.list(&ListParams::default()).await.unwrap_err()
}

#[tokio::test]
async fn kube_rs_times_out_on_a_stalled_server() {
    let server = start(Options {
        stall: true,
        ..small_cluster()
    })
    .await
    .unwrap();
    let kubeconfig = Kubeconfig::from_yaml(&server.kubeconfig("testapi", Some(TOKEN))).unwrap();
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    config.read_timeout = Some(std::time::Duration::from_millis(300));
    let client = Client::try_from(config).unwrap();
    let started = std::time::Instant::now();
    assert!(client.apiserver_version().await.is_err());
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
