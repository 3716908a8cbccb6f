//! A minimal HTTP(S) client for the direct protocol tests: one connection
//! per request, the server's CA as the only root, HTTP/1.1 or HTTP/2.

#![allow(dead_code)] // each test file uses a different part

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::HeaderMap;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rampart_testapi::{Options, Running, objects_from_paths, small_cluster_dir};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_rustls::rustls::{self, pki_types::CertificateDer, pki_types::pem::PemObject};

pub const TOKEN: &str = "test-token-123";

/// Options serving the small-cluster fixture.
pub fn small_cluster() -> Options {
    Options {
        objects: objects_from_paths(&[small_cluster_dir()]).expect("fixtures load"),
        ..Options::default()
    }
}

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The HTTP version the exchange used.
    pub version: hyper::Version,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

fn tls_config(ca_pem: &str, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots
            .add(cert.expect("CA PEM"))
            .expect("CA is a certificate");
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// `method path` with `headers`, over HTTP/1.1.
pub async fn request(
    server: &Running,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Answer {
    send(server, method, path, headers, false).await
}

pub async fn get(server: &Running, path: &str, headers: &[(&str, &str)]) -> Answer {
    request(server, "GET", path, headers).await
}

/// GET with the bearer token.
pub async fn get_auth(server: &Running, path: &str) -> Answer {
    let bearer = format!("Bearer {TOKEN}");
    get(server, path, &[("authorization", bearer.as_str())]).await
}

pub async fn send(
    server: &Running,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    http2: bool,
) -> Answer {
    let tcp = TcpStream::connect(server.addr()).await.expect("connect");
    // As Go and hyper-util clients do: without it, Nagle holds the request
    // behind the TLS handshake until a delayed ACK, 40 ms a request.
    tcp.set_nodelay(true).expect("nodelay");
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(format!("{}{path}", server.url()));
    if !http2 {
        req = req.header("host", server.addr().to_string());
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Empty::<Bytes>::new()).expect("request");
    match server.ca_pem() {
        Some(ca) => {
            let alpn: &[&[u8]] = if http2 { &[b"h2"] } else { &[b"http/1.1"] };
            let connector = tokio_rustls::TlsConnector::from(tls_config(&ca, alpn));
            let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
            let tls = connector.connect(name, tcp).await.expect("TLS handshake");
            if http2 {
                assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
            }
            exchange(TokioIo::new(tls), req, http2).await
        }
        None => exchange(TokioIo::new(tcp), req, http2).await,
    }
}

async fn exchange<I>(io: I, req: hyper::Request<Empty<Bytes>>, http2: bool) -> Answer
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let response = if http2 {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .expect("h2 handshake");
        tokio::spawn(conn);
        sender.send_request(req).await.expect("response")
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .expect("h1 handshake");
        tokio::spawn(conn);
        sender.send_request(req).await.expect("response")
    };
    let status = response.status().as_u16();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body,
        version,
    }
}

/// Every object key anywhere in `v`.
pub fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.push(k.clone());
                keys(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}
