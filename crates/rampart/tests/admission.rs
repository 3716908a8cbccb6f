//! `rampart admission`: the certificates `certs` writes, and `serve` end to
//! end through the binary over real HTTPS, as the API server calls it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use x509_parser::extensions::GeneralName;
use x509_parser::pem::parse_x509_pem;

const SERVICE: &str = "rampart-webhook";
const NAMESPACE: &str = "rampart-system";

fn rampart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/admission")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs `admission certs` into `dir`.
fn certs(dir: &Path, extra: &[&str]) -> Output {
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
    rampart(&args)
}

#[test]
fn certs_writes_a_ca_and_a_serving_certificate_for_the_service() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("certs");
    let out = certs(&dir, &["--days", "30"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);

    for (file, mode) in [
        ("ca.crt", 0o644),
        ("ca.key", 0o600),
        ("tls.crt", 0o644),
        ("tls.key", 0o600),
    ] {
        let meta = std::fs::metadata(dir.join(file)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, mode, "{file}");
    }
    let ca_pem = std::fs::read(dir.join("ca.crt")).unwrap();
    let tls_pem = std::fs::read(dir.join("tls.crt")).unwrap();
    let (_, ca_pem_parsed) = parse_x509_pem(&ca_pem).unwrap();
    let ca = ca_pem_parsed.parse_x509().unwrap();
    let (_, tls_pem_parsed) = parse_x509_pem(&tls_pem).unwrap();
    let cert = tls_pem_parsed.parse_x509().unwrap();

    assert!(ca.is_ca());
    assert!(!cert.is_ca());
    let sans: Vec<String> = cert
        .subject_alternative_name()
        .unwrap()
        .expect("serving certificate has SANs")
        .value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::DNSName(d) => d.to_string(),
            other => panic!("unexpected SAN {other:?}"),
        })
        .collect();
    assert_eq!(
        sans,
        [
            "rampart-webhook",
            "rampart-webhook.rampart-system",
            "rampart-webhook.rampart-system.svc",
            "rampart-webhook.rampart-system.svc.cluster.local",
        ]
    );
    let eku = cert.extended_key_usage().unwrap().expect("EKU present");
    assert!(eku.value.server_auth);
    // Signed by the CA written beside it, not self-signed.
    assert_eq!(cert.issuer(), ca.subject());
    cert.verify_signature(Some(ca.public_key())).unwrap();
    assert!(cert.verify_signature(None).is_err());
    let days =
        (cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp()) / 86_400;
    assert_eq!(days, 30, "--days 30 (plus the hour of clock-skew margin)");

    // The caBundle is the CA certificate's PEM, base64-encoded.
    let bundle = stdout
        .lines()
        .find(|l| l.starts_with("LS0t"))
        .expect("caBundle line");
    let decoded = base64_decode(bundle);
    assert_eq!(decoded, ca_pem);
    assert!(
        stdout.contains(&format!(
            "kubectl create secret tls rampart-webhook-tls -n rampart-system --cert {}/tls.crt --key {}/tls.key",
            dir.display(),
            dir.display()
        )),
        "{stdout}"
    );
    // Private keys are never printed, in any form.
    let tls_key = std::fs::read_to_string(dir.join("tls.key")).unwrap();
    let ca_key = std::fs::read_to_string(dir.join("ca.key")).unwrap();
    assert!(tls_key.contains("PRIVATE KEY"));
    let all = stdout.clone() + &text(&out.stderr);
    assert!(!all.contains("PRIVATE KEY"), "{all}");
    for key in [&tls_key, &ca_key] {
        let body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(!all.contains(&body[..40]), "{all}");
    }
}

/// Decodes standard base64 (the test has no base64 dependency of its own).
fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let mut out = Vec::new();
    for chunk in s.trim().as_bytes().chunks(4) {
        let data: Vec<u8> = chunk.iter().copied().filter(|&c| c != b'=').collect();
        let n = data
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &c)| acc | value(c) << (18 - 6 * i));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..data.len()]);
    }
    out
}

#[test]
fn certs_refuses_to_replace_files_without_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(certs(dir, &[]).status.success());
    let before = std::fs::read(dir.join("tls.key")).unwrap();

    let out = certs(dir, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("--overwrite"), "{stderr}");
    assert!(stderr.contains("tls.key"), "{stderr}");
    assert_eq!(std::fs::read(dir.join("tls.key")).unwrap(), before);

    // One file left from elsewhere is enough to refuse.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("ca.key"), "keep me").unwrap();
    let out = certs(other.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(other.path().join("ca.key")).unwrap(),
        "keep me"
    );
    assert!(!other.path().join("tls.crt").exists());

    let out = certs(dir, &["--overwrite"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_ne!(std::fs::read(dir.join("tls.key")).unwrap(), before);
}

#[test]
fn certs_rejects_names_that_are_not_dns_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let out = rampart(&[
        "admission",
        "certs",
        "--service",
        "Web_Hook",
        "-n",
        NAMESPACE,
        "-o",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a DNS label"));
    assert!(!tmp.path().join("tls.key").exists());
}

/// A port nobody listens on right now: bind port 0, keep the number.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `admission serve` as a child process, killed if a test fails.
struct Server {
    child: Child,
    port: u16,
    ca: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    assert!(certs(dir.path(), &[]).status.success());
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
    let child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        port,
        ca: dir.path().join("ca.crt"),
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok((200, _)) = https(&server, "GET", "/readyz", None) {
            return server;
        }
        assert!(Instant::now() < deadline, "the webhook never became ready");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One HTTP/1.1 request over TLS, verified against the generated CA for
/// the name the API server dials (`SERVICE.NAMESPACE.svc`).
fn https(
    server: &Server,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let ca = CertificateDer::from_pem_file(&server.ca).unwrap();
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
    let tcp = TcpStream::connect(("127.0.0.1", server.port))?;
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

fn review(server: &Server, body: &str) -> serde_json::Value {
    let (status, text) = https(server, "POST", "/validate", Some(body)).unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "did not exit within {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_denies_a_privileged_pod_admits_a_compliant_one_and_stops_on_sigterm() {
    let mut server = start(&[]);

    let denied = review(&server, &fixture("privileged-pod.json"));
    assert_eq!(denied["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(denied["kind"], "AdmissionReview");
    let response = &denied["response"];
    assert_eq!(response["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(response["allowed"], false, "{denied}");
    let message = response["status"]["message"].as_str().unwrap();
    assert!(message.contains("privileged-container"), "{message}");

    let allowed = review(&server, &fixture("compliant-pod.json"));
    assert_eq!(
        allowed["response"]["uid"],
        "8c1e2a9d-0f4b-4c1e-9d55-3a7b1c2d4e5f"
    );
    assert_eq!(allowed["response"]["allowed"], true, "{allowed}");

    let (status, metrics) = https(&server, "GET", "/metrics", None).unwrap();
    assert_eq!(status, 200);
    assert!(
        metrics.contains("rampart_admission_requests_total"),
        "{metrics}"
    );

    sigterm(&server.child);
    let status = wait_exit(&mut server.child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "SIGTERM is a clean stop");
}

#[test]
fn serve_exempts_the_namespaces_it_is_told_to() {
    let server = start(&["--exempt-namespace", "shop"]);
    let out = review(&server, &fixture("privileged-pod.json"));
    assert_eq!(out["response"]["allowed"], true, "{out}");
}

#[test]
fn serve_denies_at_the_severity_it_is_given() {
    // With --deny-at critical, the compliant pod stays admitted and the
    // privileged one (critical) is still denied; a medium finding would
    // only warn.
    let server = start(&[
        "--deny-at",
        "critical",
        "--skip-rule",
        "privileged-container",
    ]);
    let out = review(&server, &fixture("privileged-pod.json"));
    let response = &out["response"];
    let message = response["status"]["message"].as_str().unwrap_or("");
    assert!(!message.contains("privileged-container"), "{out}");
    assert_eq!(response["allowed"], true, "{out}");
    let warnings = response["warnings"].as_array().expect("warnings");
    assert!(!warnings.is_empty(), "{out}");
}

#[test]
fn serve_reads_the_admission_section_of_its_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rampart.yaml");
    std::fs::write(
        &config,
        "admission:\n  denyAt: critical\n  actions:\n    privileged-container: warn\n    run-as-root: audit\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let server = start(&["--config", config]);
    let out = review(&server, &fixture("privileged-pod.json"));
    let response = &out["response"];
    // Critical by severity, but the config says warn for this rule.
    assert_eq!(response["allowed"], true, "{out}");
    let warnings = response["warnings"].to_string();
    assert!(warnings.contains("privileged-container"), "{out}");
    assert!(!warnings.contains("run-as-root"), "{out}");
    assert!(
        response["auditAnnotations"]["run-as-root"].is_string(),
        "{out}"
    );
    drop(server);

    // A flag wins over the config.
    let server = start(&["--config", config, "--deny-at", "low"]);
    let out = review(&server, &fixture("privileged-pod.json"));
    assert_eq!(out["response"]["allowed"], false, "{out}");
    drop(server);

    // An action for a rule that does not exist is a mistake, not a no-op.
    std::fs::write(
        dir.path().join("typo.yaml"),
        "admission:\n  actions:\n    privileged-containers: warn\n",
    )
    .unwrap();
    let typo = dir.path().join("typo.yaml");
    let out = rampart(&[
        "admission",
        "serve",
        "--tls-cert",
        "x",
        "--tls-key",
        "y",
        "--config",
        typo.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("admission.actions names unknown rule `privileged-containers`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn serve_enforces_custom_policies_from_policy_dirs() {
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/admission/policies");
    let server = start(&["--policy", policies.to_str().unwrap()]);
    // The compliant pod passes every built-in rule but has no team label.
    let out = review(&server, &fixture("compliant-pod.json"));
    let response = &out["response"];
    assert_eq!(response["allowed"], false, "{out}");
    let message = response["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("pods must carry a team label"),
        "{message}"
    );
}

#[test]
fn serve_refuses_bad_input_before_listening() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.crt");
    let missing = missing.to_str().unwrap();
    let port = free_port().to_string();
    let listen = format!("127.0.0.1:{port}");
    let base = [
        "admission",
        "serve",
        "--tls-cert",
        missing,
        "--tls-key",
        missing,
        "--listen",
        &listen,
    ];

    // Policies that cannot be read stop the server: it never enforces
    // less than it was asked to.
    let out = rampart(&[&base[..], &["--policy", "no-such-policies/"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no-such-policies"),
        "{}",
        text(&out.stderr)
    );

    // A namespaceSelector cannot be decided without the Namespace object,
    // which the webhook has no cache of yet: refused, not a denial of
    // every matching request.
    let selecting =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/policies/policies");
    let out = rampart(&[&base[..], &["--policy", selecting.to_str().unwrap()]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("max-replicas-prod: namespaceSelector is not supported"),
        "{}",
        text(&out.stderr)
    );

    let out = rampart(&[&base[..], &["--skip-rule", "no-such-rule"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no-such-rule"));

    let config = tmp.path().join("rampart.yaml");
    std::fs::write(
        &config,
        "rules:\n  privileged-container:\n    severity: urgent\n",
    )
    .unwrap();
    let out = rampart(&[&base[..], &["--config", config.to_str().unwrap()]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("rampart.yaml"),
        "{}",
        text(&out.stderr)
    );

    // No TLS material: exit 2 with the file named, never a running server
    // that fails every handshake.
    let out = rampart(&base);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("missing.crt"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn serve_help_shows_examples() {
    let out = rampart(&["admission", "serve", "--help"]);
    let help = text(&out.stdout);
    assert!(help.contains("Examples:"), "{help}");
    assert!(help.contains("--deny-at"), "{help}");
    assert!(help.contains("--exempt-namespace"), "{help}");
}
