//! A webhook served over real HTTPS on 127.0.0.1:0, with a certificate
//! made here, and a client that trusts only its CA.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rampart_server::{ServeOptions, Server};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use serde_json::Value;
use tokio_rustls::rustls::{self, pki_types::CertificateDer};

/// A running server; [`Webhook::stop`] shuts it down.
pub struct Webhook {
    pub addr: std::net::SocketAddr,
    ca: CertificateDer<'static>,
    dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Webhook {
    /// Serves with `opts`, whose `listen`, `tls_cert` and `tls_key` are
    /// replaced by a free port and a fresh certificate.
    pub async fn start(name: &str, mut opts: ServeOptions) -> Webhook {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name.push(DnType::CommonName, "test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        let dir = std::env::temp_dir().join(format!(
            "rampart-server-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("tls.crt"), leaf.pem()).unwrap();
        std::fs::write(dir.join("tls.key"), key.serialize_pem()).unwrap();
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
            ca: ca_cert.der().clone(),
            dir,
            stop: Some(tx),
            task,
        }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(std::time::Duration::from_secs(10), &mut self.task)
            .await
            .expect("the server stops")
            .unwrap();
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// One request on a new HTTP/1.1 connection: (status, body).
    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Bytes) {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca.clone()).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let tls = connector.connect(name, tcp).await.unwrap();
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(format!("https://127.0.0.1:{}{path}", self.addr.port()));
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let bytes = body.map_or_else(Vec::new, |b| serde_json::to_vec(b).unwrap());
        let req = req.body(Full::new(Bytes::from(bytes))).unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .unwrap();
        tokio::spawn(conn);
        let res = sender.send_request(req).await.unwrap();
        let status = res.status().as_u16();
        (status, res.into_body().collect().await.unwrap().to_bytes())
    }

    /// POSTs an AdmissionReview and returns its `response`.
    pub async fn review(&self, review: &Value) -> Value {
        let (status, body) = self.send("POST", "/validate", Some(review)).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["response"]["uid"], review["request"]["uid"]);
        v["response"].clone()
    }

    /// `/metrics` as text.
    pub async fn metrics(&self) -> String {
        let (status, body) = self.send("GET", "/metrics", None).await;
        assert_eq!(status, 200);
        String::from_utf8(body.to_vec()).unwrap()
    }
}
