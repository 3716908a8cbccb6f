//! `rampart admission serve` as a child process, with certificates from
//! `rampart admission certs`, and HTTPS requests to it as the API server
//! sends them: verified against the generated CA for the name the API
//! server dials (`SERVICE.NAMESPACE.svc`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

const SERVICE: &str = "rampart-webhook";
pub const NAMESPACE: &str = "rampart-system";

/// Runs `admission certs` for [`SERVICE`] in [`NAMESPACE`] into `dir`.
pub fn certs(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "admission",
        "certs",
        "--service",
        SERVICE,
        "-n",
        NAMESPACE,
        "-o",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    super::run(&args)
}

/// Runs `admission serve` with `extra` and TLS files that do not exist:
/// for what the server refuses before it listens (at the latest, the
/// missing certificate: exit 2).
pub fn serve_without_certificates(extra: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.crt");
    let missing = missing.to_str().unwrap();
    let serve = [
        "admission",
        "serve",
        "--tls-cert",
        missing,
        "--tls-key",
        missing,
        "--listen",
        "127.0.0.1:0",
    ];
    super::run(&[&serve[..], extra].concat())
}

/// A port nobody listens on right now: bind port 0, keep the number.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `admission serve` as a child process, killed when dropped (a failing
/// test leaves no server behind).
pub struct Webhook {
    pub child: Child,
    port: u16,
    /// The certificates, and the server's stderr (`stderr.log`): a file,
    /// so that a chatty server never blocks on a full pipe.
    dir: tempfile::TempDir,
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Webhook {
    /// Serves on a free port with fresh certificates and `extra`
    /// arguments, and waits until `/readyz` answers 200; a server that
    /// exits or stays unready for 30 s fails the test with its stderr.
    pub fn start(extra: &[&str]) -> Webhook {
        Webhook::start_with_env(extra, &[])
    }

    /// [`Webhook::start`] with environment variables set (a pod's, say).
    pub fn start_with_env(extra: &[&str], env: &[(&str, &str)]) -> Webhook {
        let dir = tempfile::tempdir().unwrap();
        let (code, _, err) = certs(dir.path(), &[]);
        assert_eq!(code, 0, "{err}");
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let cert = dir.path().join("tls.crt");
        let key = dir.path().join("tls.key");
        let mut args = vec![
            "admission",
            "serve",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--listen",
            &listen,
        ];
        args.extend_from_slice(extra);
        let log = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
        let child = super::command()
            .envs(env.iter().copied())
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut hook = Webhook { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok((200, _)) = hook.https("GET", "/readyz", None) {
                return hook;
            }
            if let Some(status) = hook.child.try_wait().unwrap() {
                panic!("the webhook exited: {status}\n{}", hook.stderr());
            }
            assert!(
                Instant::now() < deadline,
                "the webhook never became ready\n{}",
                hook.stderr()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What the server wrote to stderr so far.
    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// One HTTP/1.1 request on a new TLS connection: (status, body).
    pub fn https(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> std::io::Result<(u16, String)> {
        let ca = CertificateDer::from_pem_file(self.dir.path().join("ca.crt")).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name = ServerName::try_from(format!("{SERVICE}.{NAMESPACE}.svc")).unwrap();
        let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let tcp = TcpStream::connect(("127.0.0.1", self.port))?;
        tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let body = body.unwrap_or("");
        write!(
            tls,
            "{method} {path} HTTP/1.1\r\nHost: {SERVICE}.{NAMESPACE}.svc\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        tls.flush()?;
        let mut raw = Vec::new();
        match tls.read_to_end(&mut raw) {
            Ok(_) => {}
            // A server that closes without close_notify still sent its answer.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
            Err(e) => return Err(e),
        }
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, rest) = raw
            .split_once("\r\n\r\n")
            .ok_or_else(|| std::io::Error::other(format!("no HTTP header end in {raw:?}")))?;
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line in {head:?}")))?;
        let chunked = head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked");
        let body = if chunked {
            dechunk(rest)
        } else {
            rest.to_string()
        };
        Ok((status, body))
    }

    /// POSTs the AdmissionReview `body` to `/validate`; the answer, which
    /// must be 200.
    pub fn review(&self, body: &str) -> serde_json::Value {
        let (status, text) = self.https("POST", "/validate", Some(body)).unwrap();
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).unwrap()
    }
}

/// The body of a chunked HTTP/1.1 response.
fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}
