//! The protocol, checked directly over HTTP(S): discovery, pagination,
//! metadata-only answers, and the apiserver's error Statuses.

mod common;

use common::{Answer, TOKEN, get, get_auth, keys, request, send, small_cluster};
use rampart_testapi::{Caller, Forbidden, Options, objects_from_yaml, start, synthetic};
use serde_json::{Value, json};

const META_LIST: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
const META: &str = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            format!(
                "{}/{}",
                i["metadata"]["namespace"].as_str().unwrap_or(""),
                i["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[tokio::test]
async fn discovery_documents() {
    let server = start(small_cluster()).await.unwrap();
    let v = get(&server, "/version", &[]).await;
    assert_eq!(v.status, 200);
    assert_eq!(v.content_type(), "application/json");
    let v = v.json();
    for k in [
        "major",
        "minor",
        "gitVersion",
        "gitCommit",
        "gitTreeState",
        "buildDate",
        "goVersion",
        "compiler",
        "platform",
    ] {
        assert!(v[k].is_string(), "/version lacks {k}: {v}");
    }
    assert_eq!(
        (v["major"].as_str(), v["minor"].as_str()),
        (Some("1"), Some("33"))
    );
    assert_eq!(v["gitVersion"], "v1.33.2");

    let api = get(&server, "/api", &[]).await.json();
    assert_eq!(api["kind"], "APIVersions");
    assert_eq!(api["versions"], json!(["v1"]));
    assert_eq!(
        api["serverAddressByClientCIDRs"][0]["serverAddress"],
        server.addr().to_string()
    );

    let apis = get(&server, "/apis", &[]).await.json();
    assert_eq!(
        (apis["kind"].as_str(), apis["apiVersion"].as_str()),
        (Some("APIGroupList"), Some("v1"))
    );
    let autoscaling = apis["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "autoscaling")
        .unwrap();
    assert_eq!(
        autoscaling["preferredVersion"]["groupVersion"],
        "autoscaling/v2"
    );
    assert_eq!(autoscaling["versions"].as_array().unwrap().len(), 2);

    let core = get(&server, "/api/v1", &[]).await.json();
    assert_eq!(core["kind"], "APIResourceList");
    assert_eq!(core["groupVersion"], "v1");
    let pods = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods")
        .unwrap();
    assert_eq!(
        (
            pods["kind"].as_str(),
            pods["namespaced"].as_bool(),
            pods["singularName"].as_str()
        ),
        (Some("Pod"), Some(true), Some("pod"))
    );
    assert_eq!(pods["shortNames"], json!(["po"]));
    assert!(pods["verbs"].as_array().unwrap().contains(&json!("list")));
    assert!(
        core["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "pods/log")
    );

    let apps = get(&server, "/apis/apps/v1", &[]).await.json();
    let deploy = apps["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "deployments")
        .unwrap();
    assert_eq!(deploy["shortNames"], json!(["deploy"]));
    assert_eq!(
        get(&server, "/apis/apps", &[]).await.json()["kind"],
        "APIGroup"
    );
    assert_eq!(get(&server, "/apis/apps/v1beta1", &[]).await.status, 404);

    // Aggregated discovery, as kubectl and kube-rs ask for it.
    let kubectl_accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    let agg = get(&server, "/apis", &[("accept", kubectl_accept)]).await;
    assert_eq!(
        agg.content_type(),
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    let agg = agg.json();
    assert_eq!(agg["kind"], "APIGroupDiscoveryList");
    let apps = agg["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["metadata"]["name"] == "apps")
        .unwrap();
    let d = apps["versions"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "deployments")
        .unwrap();
    assert_eq!(d["scope"], "Namespaced");
    assert_eq!(d["responseKind"]["kind"], "Deployment");
    let core = get(&server, "/api", &[("accept", kubectl_accept)])
        .await
        .json();
    assert_eq!(core["items"][0]["versions"][0]["version"], "v1");
    // Only the older beta form, which is not served: 406.
    let beta = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
    assert_eq!(get(&server, "/apis", &[("accept", beta)]).await.status, 406);

    // Legacy only: the same request gets the APIGroupList.
    let legacy = start(Options {
        aggregated_discovery: false,
        ..small_cluster()
    })
    .await
    .unwrap();
    let l = get(&legacy, "/apis", &[("accept", kubectl_accept)]).await;
    assert_eq!(l.content_type(), "application/json");
    assert_eq!(l.json()["kind"], "APIGroupList");
}

/// Pages through `path` with `limit`, checking the list metadata on the way.
async fn paginate(
    server: &rampart_testapi::Running,
    path: &str,
    limit: usize,
    accept: &str,
) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut cont: Option<String> = None;
    loop {
        let mut url = format!("{path}?limit={limit}");
        if let Some(c) = &cont {
            url.push_str(&format!("&continue={c}"));
        }
        let page = get(server, &url, &[("accept", accept)]).await;
        assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
        let page = page.json();
        pages += 1;
        let items = names(&page);
        assert!(items.len() <= limit);
        seen.extend(items);
        let meta = &page["metadata"];
        assert!(meta["resourceVersion"].is_string());
        match meta["continue"].as_str() {
            Some(c) => {
                assert!(!c.is_empty());
                let remaining = meta["remainingItemCount"]
                    .as_u64()
                    .expect("remainingItemCount");
                assert!(remaining > 0);
                cont = Some(c.to_string());
            }
            None => {
                assert!(meta.get("remainingItemCount").is_none());
                return (seen, pages);
            }
        }
    }
}

#[tokio::test]
async fn pagination_with_limit_and_continue() {
    let server = start(small_cluster()).await.unwrap();
    let all = get(&server, "/api/v1/pods", &[]).await.json();
    assert_eq!(all["kind"], "PodList");
    assert_eq!(all["apiVersion"], "v1");
    assert!(all["metadata"].get("continue").is_none());
    // Items of a typed list carry no kind/apiVersion, as the apiserver's.
    for item in all["items"].as_array().unwrap() {
        assert!(item.get("kind").is_none() && item.get("apiVersion").is_none());
        let m = &item["metadata"];
        assert!(m["uid"].is_string() && m["resourceVersion"].is_string());
        assert!(m["creationTimestamp"].is_string());
        assert!(m["managedFields"][0]["fieldsV1"].is_object());
    }
    let expected = names(&all);
    // Namespace, then name.
    assert_eq!(
        expected,
        [
            "monitoring/node-exporter-probe",
            "shop/debug-shell",
            "shop/web-7d9f8b6c5d-4xk2p",
            "shop/web-7d9f8b6c5d-9mzq7",
            "shop/web-7d9f8b6c5d-tq8vn"
        ]
    );

    let first = get(&server, "/api/v1/pods?limit=2", &[]).await.json();
    assert_eq!(names(&first).len(), 2);
    assert_eq!(first["metadata"]["remainingItemCount"], 3);

    let (seen, pages) = paginate(&server, "/api/v1/pods", 2, "application/json").await;
    assert_eq!((seen.clone(), pages), (expected.clone(), 3));
    let (seen, pages) = paginate(&server, "/api/v1/pods", 1, "application/json").await;
    assert_eq!((seen, pages), (expected.clone(), 5));
    let (seen, pages) = paginate(&server, "/api/v1/pods", 5, "application/json").await;
    assert_eq!((seen, pages), (expected.clone(), 1));

    // Within a namespace, and as metadata.
    let (seen, pages) = paginate(&server, "/api/v1/namespaces/shop/pods", 3, META_LIST).await;
    assert_eq!(seen, expected[1..]);
    assert_eq!(pages, 2);

    // A token that is not one: 400; an expired one: 410.
    let bad = get(&server, "/api/v1/pods?limit=2&continue=not-a-token", &[]).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["reason"], "BadRequest");
    assert_eq!(
        get(&server, "/api/v1/pods?limit=abc", &[]).await.status,
        400
    );

    let expiring = start(Options {
        expire_continue: true,
        ..small_cluster()
    })
    .await
    .unwrap();
    let first = get(&expiring, "/api/v1/pods?limit=2", &[]).await.json();
    let token = first["metadata"]["continue"].as_str().unwrap();
    let gone = get(
        &expiring,
        &format!("/api/v1/pods?limit=2&continue={token}"),
        &[],
    )
    .await;
    assert_eq!(gone.status, 410);
    let s = gone.json();
    assert_eq!(
        (s["kind"].as_str(), s["reason"].as_str(), s["code"].as_u64()),
        (Some("Status"), Some("Expired"), Some(410))
    );
}

#[tokio::test]
async fn secrets_as_metadata_only() {
    let server = start(small_cluster()).await.unwrap();
    let list = get(&server, "/api/v1/secrets", &[("accept", META_LIST)]).await;
    assert_eq!(list.status, 200);
    let list = list.json();
    assert_eq!(list["kind"], "PartialObjectMetadataList");
    assert_eq!(list["apiVersion"], "meta.k8s.io/v1");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for i in items {
        assert_eq!(i["kind"], "PartialObjectMetadata");
        assert_eq!(i["apiVersion"], "meta.k8s.io/v1");
        assert!(i["metadata"]["name"].is_string());
    }
    let mut k = Vec::new();
    keys(&list, &mut k);
    assert!(!k.iter().any(|k| k == "data" || k == "stringData"), "{k:?}");

    let one = get(
        &server,
        "/api/v1/namespaces/shop/secrets/web-db",
        &[("accept", META)],
    )
    .await
    .json();
    assert_eq!(one["kind"], "PartialObjectMetadata");
    assert_eq!(one["metadata"]["name"], "web-db");
    assert!(one.get("data").is_none());
    // The list form on a single object, or the single form on a list: 406.
    assert_eq!(
        get(&server, "/api/v1/secrets", &[("accept", META)])
            .await
            .status,
        406
    );

    // A plain read has the data: the metadata form is what hides it.
    let full = get(&server, "/api/v1/namespaces/shop/secrets/web-db", &[])
        .await
        .json();
    assert_eq!(full["kind"], "Secret");
    assert_eq!(full["apiVersion"], "v1");
    assert!(full["data"]["password"].is_string());

    // The log lets tests prove how secrets were read.
    let reqs = server.requests();
    let secret_reads: Vec<_> = reqs
        .iter()
        .filter(|r| r.path_and_query.contains("secrets"))
        .collect();
    assert_eq!(secret_reads.len(), 4);
    assert_eq!(secret_reads[0].accept.as_deref(), Some(META_LIST));
    assert_eq!(secret_reads[0].status, 200);
    assert_eq!(secret_reads[3].accept, None);
}

#[tokio::test]
async fn field_and_label_selectors() {
    let server = start(small_cluster()).await.unwrap();
    let tokens = get(
        &server,
        "/api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Fservice-account-token",
        &[("accept", META_LIST)],
    )
    .await
    .json();
    assert_eq!(names(&tokens), ["shop/web-token"]);
    let web = get(&server, "/api/v1/pods?labelSelector=app%3Dweb&limit=2", &[])
        .await
        .json();
    assert_eq!(names(&web).len(), 2);
    // No count of what is left when a selector filters.
    assert!(web["metadata"]["continue"].is_string());
    assert!(web["metadata"].get("remainingItemCount").is_none());
    let on_b = get(
        &server,
        "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-b",
        &[],
    )
    .await
    .json();
    assert_eq!(names(&on_b).len(), 3);
    let bad = get(&server, "/api/v1/pods?fieldSelector=spec.nope%3Dx", &[]).await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.json()["message"],
        "field label not supported: spec.nope"
    );
}

fn status_of(a: &Answer) -> Value {
    assert_eq!(a.content_type(), "application/json");
    a.json()
}

#[tokio::test]
async fn unauthorized_without_the_token() {
    let server = start(Options {
        token: Some(TOKEN.into()),
        ..small_cluster()
    })
    .await
    .unwrap();
    let none = get(&server, "/api/v1/pods", &[]).await;
    assert_eq!(none.status, 401);
    assert_eq!(
        status_of(&none),
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})
    );
    let wrong = get(&server, "/api/v1/pods", &[("authorization", "Bearer nope")]).await;
    assert_eq!(wrong.status, 401);
    // Wrong credentials are refused even where anonymous reads are allowed.
    assert_eq!(
        get(&server, "/version", &[("authorization", "Bearer nope")])
            .await
            .status,
        401
    );
    assert_eq!(get(&server, "/version", &[]).await.status, 200);
    assert_eq!(get(&server, "/healthz", &[]).await.status, 200);
    assert_eq!(get(&server, "/api", &[]).await.status, 401);
    assert_eq!(get_auth(&server, "/api/v1/pods").await.status, 200);

    let callers: Vec<Caller> = server.requests().iter().map(|r| r.caller).collect();
    assert_eq!(
        callers[..3],
        [Caller::Anonymous, Caller::BadToken, Caller::BadToken]
    );
    assert_eq!(callers.last(), Some(&Caller::Token));

    let anonymous_api = start(Options {
        token: Some(TOKEN.into()),
        anonymous_api: true,
        ..small_cluster()
    })
    .await
    .unwrap();
    assert_eq!(get(&anonymous_api, "/api", &[]).await.status, 200);
    assert_eq!(get(&anonymous_api, "/apis", &[]).await.status, 401);
}

#[tokio::test]
async fn forbidden_resources() {
    let server = start(Options {
        forbidden: vec![
            "secrets".parse::<Forbidden>().unwrap(),
            "roles.rbac.authorization.k8s.io@shop".parse().unwrap(),
        ],
        ..small_cluster()
    })
    .await
    .unwrap();
    let f = get(&server, "/api/v1/secrets", &[]).await;
    assert_eq!(f.status, 403);
    // Byte for byte what the apiserver answers.
    assert_eq!(
        String::from_utf8_lossy(&f.body).trim_end(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"secrets is forbidden: User \"system:anonymous\" cannot list resource \"secrets\" in API group \"\" at the cluster scope","reason":"Forbidden","details":{"kind":"secrets"},"code":403}"#
    );
    let one = get(&server, "/api/v1/namespaces/shop/secrets/web-db", &[])
        .await
        .json();
    assert_eq!(
        one["message"],
        r#"secrets "web-db" is forbidden: User "system:anonymous" cannot get resource "secrets" in API group "" in the namespace "shop""#
    );
    let in_shop = get(
        &server,
        "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles",
        &[],
    )
    .await;
    assert_eq!(in_shop.status, 403);
    assert_eq!(
        in_shop.json()["details"],
        json!({"group": "rbac.authorization.k8s.io", "kind": "roles"})
    );
    // Other namespaces are readable; cluster-wide needs them all.
    assert_eq!(
        get(
            &server,
            "/apis/rbac.authorization.k8s.io/v1/namespaces/monitoring/roles",
            &[]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        get(&server, "/apis/rbac.authorization.k8s.io/v1/roles", &[])
            .await
            .status,
        403
    );
    assert_eq!(
        get(
            &server,
            "/apis/rbac.authorization.k8s.io/v1/rolebindings",
            &[]
        )
        .await
        .status,
        200
    );

    // With a token, the message names the token's user.
    let authed = start(Options {
        token: Some(TOKEN.into()),
        forbidden: vec!["secrets".parse().unwrap()],
        ..small_cluster()
    })
    .await
    .unwrap();
    let m = get_auth(&authed, "/api/v1/secrets").await.json();
    assert!(
        m["message"]
            .as_str()
            .unwrap()
            .contains("User \"system:serviceaccount:rampart:rampart\""),
        "{m}"
    );
}

#[tokio::test]
async fn writes_are_refused_and_recorded() {
    let server = start(small_cluster()).await.unwrap();
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let a = request(
            &server,
            method,
            "/api/v1/namespaces/shop/pods/debug-shell",
            &[],
        )
        .await;
        assert_eq!(a.status, 405, "{method}");
        let s = status_of(&a);
        assert_eq!(s["reason"], "MethodNotAllowed");
        assert_eq!(s["code"], 405);
    }
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["POST", "PUT", "PATCH", "DELETE"]);
    assert_eq!(
        get(&server, "/api/v1/pods?watch=true", &[]).await.status,
        405
    );
    let head = request(&server, "HEAD", "/api/v1/pods", &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

#[tokio::test]
async fn not_found_and_odd_requests() {
    let server = start(small_cluster()).await.unwrap();
    let missing = get(&server, "/api/v1/namespaces/shop/pods/nope", &[]).await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        status_of(&missing),
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"nope\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404})
    );
    let d = get(
        &server,
        "/apis/apps/v1/namespaces/shop/deployments/nope",
        &[],
    )
    .await
    .json();
    assert_eq!(
        d["details"],
        json!({"name": "nope", "group": "apps", "kind": "deployments"})
    );
    for path in [
        "/nope",
        "/api/v2",
        "/api/v1/nopes",
        "/api/v1/pods/debug-shell",
        "/api/v1/namespaces/shop/nodes",
        "/api/v1/namespaces/shop/pods/debug-shell/log",
        "/api/v1/namespaces/shop/pods/a/b/c",
        "/apis/apps/v1/namespaces",
        "/apis/nope.example.com/v1/things",
        "/api/v1/namespaces/%zz/pods/%00",
        "//api",
        "/apis/",
        "/openapi/v2",
    ] {
        let a = get(&server, path, &[]).await;
        assert_eq!(a.status, 404, "{path}");
        assert_eq!(status_of(&a)["reason"], "NotFound", "{path}");
    }
    // Reads that do exist by those routes.
    assert_eq!(
        get(&server, "/api/v1/nodes/node-a", &[]).await.json()["kind"],
        "Node"
    );
    assert_eq!(
        get(&server, "/api/v1/nodes/node%2Da", &[]).await.json()["kind"],
        "Node"
    );
    assert_eq!(
        get(&server, "/api/v1/namespaces/shop", &[]).await.json()["kind"],
        "Namespace"
    );
    assert_eq!(
        get(&server, "/api/v1/namespaces/shop/status", &[])
            .await
            .status,
        200
    );
    assert_eq!(
        get(&server, "/api/v1/namespaces/empty/pods", &[])
            .await
            .json()["items"],
        json!([])
    );
    assert_eq!(get(&server, "/", &[]).await.json()["paths"][0], "/api");
    let table = "application/json;as=Table;v=v1;g=meta.k8s.io";
    assert_eq!(
        get(&server, "/api/v1/pods", &[("accept", table)])
            .await
            .status,
        406
    );
    assert_eq!(
        get(&server, "/api/v1/pods", &[("accept", "application/yaml")])
            .await
            .status,
        406
    );
}

#[tokio::test]
async fn objects_read_back_with_kind_and_served_version() {
    let objects = objects_from_yaml(
        r#"
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: old, namespace: web}
spec: {backend: {serviceName: s, servicePort: 80}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions: [{name: v1, served: true, storage: true}]
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {size: 3}
"#,
    )
    .unwrap();
    let server = start(Options {
        objects,
        ..Options::default()
    })
    .await
    .unwrap();
    let ing = get(
        &server,
        "/apis/networking.k8s.io/v1/namespaces/web/ingresses/old",
        &[],
    )
    .await
    .json();
    assert_eq!(ing["apiVersion"], "networking.k8s.io/v1");
    assert_eq!(ing["kind"], "Ingress");
    // Otherwise unchanged.
    assert_eq!(ing["spec"]["backend"]["serviceName"], "s");
    // The CRD's resource is discovered and served; no namespace means default.
    let list = get(&server, "/apis/example.com/v1", &[]).await.json();
    assert_eq!(list["resources"][0]["name"], "widgets");
    let w = get(
        &server,
        "/apis/example.com/v1/namespaces/default/widgets/w",
        &[],
    )
    .await
    .json();
    assert_eq!(
        (w["kind"].as_str(), w["spec"]["size"].as_i64()),
        (Some("Widget"), Some(3))
    );

    let unknown = start(Options {
        objects: vec![
            json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}),
        ],
        ..Options::default()
    })
    .await
    .unwrap_err();
    assert!(
        unknown.contains("Gadget g") && unknown.contains("not served"),
        "{unknown}"
    );
    assert!(rampart_testapi::objects_from_yaml("a: [").is_err());
}

#[tokio::test]
async fn http2_and_plain_http() {
    let server = start(small_cluster()).await.unwrap();
    let a = send(&server, "GET", "/api/v1/pods", &[], true).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.version, hyper::Version::HTTP_2);
    assert_eq!(a.json()["items"].as_array().unwrap().len(), 5);

    let plain = start(Options {
        tls: false,
        ..small_cluster()
    })
    .await
    .unwrap();
    assert!(plain.url().starts_with("http://"));
    assert!(plain.ca_pem().is_none());
    assert_eq!(get(&plain, "/api/v1/pods", &[]).await.status, 200);
    assert!(
        !plain
            .kubeconfig("t", None)
            .contains("certificate-authority-data")
    );
}

#[tokio::test]
async fn stalled_server_never_answers() {
    let server = start(Options {
        stall: true,
        ..small_cluster()
    })
    .await
    .unwrap();
    let answer = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        get(&server, "/version", &[]),
    )
    .await;
    assert!(answer.is_err(), "a stalled server answered");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn stops_when_dropped() {
    let server = start(small_cluster()).await.unwrap();
    let addr = server.addr();
    drop(server);
    // The listener closes once the accept loop sees the shutdown.
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(refused);
}

#[tokio::test]
async fn replaced_objects_are_served_from_the_next_request() {
    let server = start(small_cluster()).await.unwrap();
    let before = get(&server, "/api/v1/namespaces", &[]).await.json();
    assert_eq!(names(&before), ["/monitoring", "/shop"]);
    let objects = objects_from_yaml(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    team: new\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n",
    )
    .unwrap();
    server.replace_objects(objects).unwrap();
    let after = get(&server, "/api/v1/namespaces", &[]).await.json();
    assert_eq!(names(&after), ["/shop", "/web"]);
    let rv = |v: &Value| {
        v["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert!(rv(&after) > rv(&before), "{after}");
    let shop = get(&server, "/api/v1/namespaces/shop", &[]).await.json();
    assert_eq!(shop["metadata"]["labels"]["team"], "new");
    assert_eq!(
        get(&server, "/api/v1/namespaces/monitoring", &[])
            .await
            .status,
        404
    );
    // Objects the server cannot serve are refused and the old ones kept.
    let bad = json!({"apiVersion": "example.com/v1", "kind": "Nope", "metadata": {"name": "x"}});
    assert!(server.replace_objects(vec![bad]).is_err());
    assert_eq!(
        names(&get(&server, "/api/v1/namespaces", &[]).await.json()),
        ["/shop", "/web"]
    );
}

#[test]
fn blocking_start_from_sync_code() {
    let server = rampart_testapi::start_blocking(small_cluster()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let a = runtime.block_on(get(&server, "/api/v1/nodes", &[]));
    assert_eq!(a.json()["items"].as_array().unwrap().len(), 2);
    let kubeconfig = server.kubeconfig("ctx", Some("t\"ok"));
    assert!(kubeconfig.contains("certificate-authority-data"));
    assert!(kubeconfig.contains(r#"token: "t\"ok""#));
    server.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synthetic_cluster_pages_through() {
    let n = 10_000;
    let objects = synthetic(n);
    let pods = objects.iter().filter(|o| o["kind"] == "Pod").count();
    let started = std::time::Instant::now();
    let server = start(Options {
        objects,
        ..Options::default()
    })
    .await
    .unwrap();
    let built = started.elapsed();
    let started = std::time::Instant::now();
    let (seen, pages) = paginate(&server, "/api/v1/pods", 500, "application/json").await;
    eprintln!(
        "{n} objects: built in {built:?}; {pods} pods in {pages} pages in {:?}",
        started.elapsed()
    );
    assert_eq!(seen.len(), pods);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), pods);
    let secrets = get(&server, "/api/v1/secrets", &[("accept", META_LIST)]).await;
    assert!(!String::from_utf8_lossy(&secrets.body).contains("\"data\""));
}
