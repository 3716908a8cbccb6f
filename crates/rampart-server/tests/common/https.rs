//! A webhook served over real HTTPS on 127.0.0.1:0, with a certificate
//! made here, and a client that trusts only its CA.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rampart_server::{DEFAULT_DECISION_DEADLINE, Decider, ServeOptions, Server};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use serde_json::Value;
use tokio_rustls::rustls::{self, pki_types::CertificateDer};

/// A CA, and server certificates it signs for 127.0.0.1.
pub struct Pki {
    pub ca: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl Pki {
    fn new() -> Pki {
        let key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name.push(DnType::CommonName, "test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = ca.self_signed(&key).unwrap();
        Pki {
            ca: cert.der().clone(),
            issuer: Issuer::new(ca, key),
        }
    }

    /// A server certificate with common name `name`: (certificate PEM,
    /// key PEM, certificate DER).
    pub fn leaf(&self, name: &str) -> (String, String, Vec<u8>) {
        let key = KeyPair::generate().unwrap();
        let mut p =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        let cert = p.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem(), cert.der().to_vec())
    }
}

/// The options the tests serve with unless they say otherwise, deciding
/// with `decider`; [`Webhook::start`] sets where it listens and its
/// certificate.
pub fn options(decider: Decider) -> ServeOptions {
    ServeOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls_cert: PathBuf::new(),
        tls_key: PathBuf::new(),
        decider: Arc::new(decider),
        max_body_bytes: 3 << 20,
        shutdown_grace: Duration::from_secs(5),
        decision_deadline: DEFAULT_DECISION_DEADLINE,
        namespaces: None,
    }
}

/// What one request got back: (status, content type, body, the DER of the
/// certificate the server presented).
pub type Response = (u16, String, Bytes, Vec<u8>);

/// A running server; [`Webhook::stop`] shuts it down.
pub struct Webhook {
    pub addr: std::net::SocketAddr,
    /// The CA of the server's certificate, which signs renewed ones.
    pub pki: Pki,
    /// Where the server reads `tls.crt` and `tls.key`.
    pub dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Webhook {
    /// Serves with `opts`, whose `listen`, `tls_cert` and `tls_key` are
    /// replaced by a free port and a fresh certificate (common name
    /// `first`) in a directory of its own, named after `name`.
    pub async fn start(name: &str, mut opts: ServeOptions) -> Webhook {
        let pki = Pki::new();
        let dir = std::env::temp_dir().join(format!(
            "rampart-server-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let (cert, key, _) = pki.leaf("first");
        std::fs::write(dir.join("tls.crt"), cert).unwrap();
        std::fs::write(dir.join("tls.key"), key).unwrap();
        opts.listen = "127.0.0.1:0".parse().unwrap();
        opts.tls_cert = dir.join("tls.crt");
        opts.tls_key = dir.join("tls.key");
        let server = Server::bind(opts).await.unwrap();
        let addr = server.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        Webhook {
            addr,
            pki,
            dir,
            stop: Some(tx),
            task,
        }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .expect("the server stops")
            .unwrap();
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// One request on a new HTTP/1.1 connection (see [`send`]).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Response {
        send(
            self.addr,
            &self.pki.ca,
            false,
            method,
            path,
            content_type,
            body,
        )
        .await
    }

    /// POSTs an AdmissionReview to `/validate` and returns its `response`.
    pub async fn review(&self, review: &Value) -> Value {
        self.review_at("/validate", review).await
    }

    /// POSTs an AdmissionReview to `path` and returns its `response`,
    /// after checking the envelope the API server requires.
    pub async fn review_at(&self, path: &str, review: &Value) -> Value {
        let (status, ct, body, _) = self
            .send(
                "POST",
                path,
                Some("application/json"),
                serde_json::to_vec(review).unwrap(),
            )
            .await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        assert_eq!(ct, "application/json");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(v["kind"], "AdmissionReview");
        assert_eq!(v["response"]["uid"], review["request"]["uid"]);
        v["response"].clone()
    }

    /// `/metrics` as text.
    pub async fn metrics(&self) -> String {
        let (status, _, body, _) = self.send("GET", "/metrics", None, vec![]).await;
        assert_eq!(status, 200);
        String::from_utf8(body.to_vec()).unwrap()
    }
}

fn client_config(ca: &CertificateDer<'static>, h2: bool) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    if h2 {
        config.alpn_protocols = vec![b"h2".to_vec()];
    }
    config
}

/// One request to the server at `addr` on a new TLS connection trusting
/// only `ca` (HTTP/2 when `h2`, as the API server's webhook client
/// speaks), with a `content_type` header when given. A free function, so
/// that a request can outlive the [`Webhook`] it was sent to.
pub async fn send(
    addr: std::net::SocketAddr,
    ca: &CertificateDer<'static>,
    h2: bool,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Response {
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config(ca, h2)));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    let presented = tls.get_ref().1.peer_certificates().unwrap()[0].to_vec();
    if h2 {
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    }
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(format!("https://127.0.0.1:{}{path}", addr.port()));
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let req = req.body(Full::new(Bytes::from(body))).unwrap();
    let res = if h2 {
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                .await
                .unwrap();
        tokio::spawn(conn);
        sender.send_request(req).await.unwrap()
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .unwrap();
        tokio::spawn(conn);
        sender.send_request(req).await.unwrap()
    };
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, ct, body, presented)
}
