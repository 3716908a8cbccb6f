//! `rampart admission`: the validating webhook (`serve`, wired to
//! rampart-server) and the certificates it needs (`certs`).

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use rampart_core::config::Config;
use rampart_core::rule::Profile;
use rampart_core::{Diagnostic, Level};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use crate::cli::{AdmissionArgs, AdmissionCertsArgs, AdmissionCommand, AdmissionServeArgs};
use crate::exit;

pub fn run(args: AdmissionArgs) -> u8 {
    match args.command {
        AdmissionCommand::Serve(a) => serve(*a),
        AdmissionCommand::Certs(a) => certs(a),
    }
}

fn serve(args: AdmissionServeArgs) -> u8 {
    let cache = namespace_cache_target(&args);
    let (policies, selecting) = match load_policies(&args.policy, cache.is_some()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let profile = args.profile.profile();
    let per_namespace = profile == Profile::PssNamespace;
    if per_namespace && cache.is_none() {
        eprintln!(
            "error: --profile pss-namespace reads each namespace's Pod Security labels, which needs the namespace cache (it is kept in a pod, or with --kubeconfig or --context, unless --no-namespace-cache)"
        );
        return exit::ERROR;
    }
    // Without policies that select namespaces or the per-namespace
    // profile, the cache only adds namespace labels: not worth refusing to
    // serve over, which under failurePolicy Fail would stop every pod
    // write. Asked for by flag, or needed, it must work.
    let cache_required =
        selecting || per_namespace || args.kubeconfig.is_some() || args.context.is_some();
    // A server has no input path to discover a .rampart.yaml from, and
    // picking one up from the working directory would make the running
    // policy depend on where the process was started: only --config counts.
    let config = match &args.config {
        Some(p) => match Config::load(p) {
            Ok(c) => c,
            Err(d) => {
                report(&d);
                return exit::ERROR;
            }
        },
        None => Config::default(),
    };
    let rules =
        match config.active_rules(rampart_rules::all(), &args.rules, &args.skip_rules, profile) {
            Ok(r) => r,
            Err(d) => {
                eprintln!("error: {}", d.message);
                return exit::ERROR;
            }
        };
    tracing::info!("admission: {} rules active", rules.len());
    let settings = admission_settings(&args, &config.admission);
    let decider = rampart_server::Decider::new(rules, config, settings, policies)
        .with_engine_settings(rampart_core::rule::Settings {
            profile,
            pss_version: args.pss_version,
            image_lock: None,
            target_version: None,
        });
    let mut opts = rampart_server::ServeOptions {
        listen: args.listen,
        tls_cert: args.tls_cert,
        tls_key: args.tls_key,
        decider: Arc::new(decider),
        max_body_bytes: args.max_body_bytes,
        shutdown_grace: args.shutdown_grace,
        decision_deadline: rampart_server::DEFAULT_DECISION_DEADLINE,
        namespaces: None,
    };
    // kube's client must be built on the runtime that uses it: the cache
    // and the server share one.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::ERROR;
        }
    };
    runtime.block_on(async move {
        if let Some(target) = cache {
            match start_namespace_cache(&target, cache_required).await {
                Ok(source) => opts.namespaces = source,
                Err(e) => {
                    eprintln!("error: namespace cache: {e}");
                    return exit::ERROR;
                }
            }
        }
        match rampart_server::serve_async(opts).await {
            Ok(()) => exit::CLEAN,
            Err(e) => {
                eprintln!("error: {e}");
                exit::ERROR
            }
        }
    })
}

/// Where to read Namespaces from, or None for no cache: in a pod (the
/// service account) or with --kubeconfig/--context, unless
/// --no-namespace-cache. A kubeconfig found only by default
/// (`KUBECONFIG`, `~/.kube/config`) does not turn it on: a webhook tried
/// out on a workstation should not silently read whatever cluster the
/// current context points at.
fn namespace_cache_target(args: &AdmissionServeArgs) -> Option<rampart_cluster::Target> {
    // The variable the kubelet sets in every pod, and kube's in-cluster
    // configuration reads.
    let in_cluster = std::env::var_os("KUBERNETES_SERVICE_HOST").is_some_and(|v| !v.is_empty());
    let asked = args.kubeconfig.is_some() || args.context.is_some();
    if args.no_namespace_cache || !(asked || in_cluster) {
        return None;
    }
    Some(rampart_cluster::Target {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        // A relist that takes longer than this is retried at the next
        // interval with the previous namespaces kept.
        request_timeout: NAMESPACE_REQUEST_TIMEOUT,
        ..rampart_cluster::Target::default()
    })
}

/// The longest wait for one list page of the namespace cache.
const NAMESPACE_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Connects, reads every Namespace once and keeps relisting them in the
/// background. When `required`, a failure stops the webhook (exit 2)
/// rather than serving without namespaces: a wrong kubeconfig or missing
/// RBAC is seen when the Deployment rolls out, not as policies failing
/// later. Otherwise it is a warning: the webhook serves, and the cache
/// keeps trying in the background without holding readiness back.
async fn start_namespace_cache(
    target: &rampart_cluster::Target,
    required: bool,
) -> Result<Option<Arc<dyn rampart_server::NamespaceSource>>, rampart_cluster::ClusterError> {
    let interval = rampart_cluster::namespaces::DEFAULT_RELIST_INTERVAL;
    let unavailable = |e: &rampart_cluster::ClusterError| {
        tracing::warn!(
            "admission: serving without namespace labels for now (no policy selects namespaces): {e}"
        );
    };
    let conn = match rampart_cluster::connect(target).await {
        Ok(c) => c,
        Err(e) if !required => {
            unavailable(&e);
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let (server, context) = (conn.server.clone(), conn.context.clone());
    let cache = Arc::new(rampart_cluster::NamespaceCache::new(conn));
    match cache.relist().await {
        Ok(n) => tracing::info!(
            "admission: namespace cache of {server} ({context}): {n} namespaces, relisted every {interval:?}"
        ),
        Err(e) if !required => unavailable(&e),
        Err(e) => return Err(e),
    }
    tokio::spawn(cache.clone().run(interval));
    Ok(Some(Arc::new(ClusterNamespaces {
        cache,
        gates_readiness: required,
    })))
}

/// The cluster's Namespaces as the webhook's source.
struct ClusterNamespaces {
    cache: Arc<rampart_cluster::NamespaceCache>,
    /// Whether `/readyz` waits for the first list (see
    /// [`start_namespace_cache`]).
    gates_readiness: bool,
}

impl rampart_server::NamespaceSource for ClusterNamespaces {
    fn lookup<'a>(&'a self, name: &'a str) -> rampart_server::NamespaceLookup<'a> {
        Box::pin(async move {
            let ns = self.cache.lookup(name).await?;
            Ok(ns.map(|v| (*v).clone()))
        })
    }

    fn ready(&self) -> bool {
        !self.gates_readiness || self.cache.ready()
    }
}

fn report(d: &Diagnostic) {
    let loc = d.location();
    if loc.is_empty() {
        eprintln!("error: {}", d.message);
    } else {
        eprintln!("error: {loc}: {}", d.message);
    }
}

/// The webhook's settings: each flag given on the command line, else the
/// config's `admission:` field, else the default.
fn admission_settings(
    args: &AdmissionServeArgs,
    config: &rampart_core::admission::AdmissionConfig,
) -> rampart_server::AdmissionSettings {
    let defaults = rampart_server::AdmissionSettings::default();
    let list = |flags: &[String], configured: Option<&Vec<String>>, default: Vec<String>| {
        if !flags.is_empty() {
            flags.to_vec()
        } else {
            configured.cloned().unwrap_or(default)
        }
    };
    rampart_server::AdmissionSettings {
        deny_at: args.deny_at.or(config.deny_at).unwrap_or(defaults.deny_at),
        actions: config.actions.clone(),
        exempt_namespaces: list(
            &args.exempt_namespaces,
            config.exempt_namespaces.as_ref(),
            defaults.exempt_namespaces,
        ),
        exempt_users: list(&args.exempt_users, Some(&config.exempt_users), Vec::new()),
        exempt_groups: list(&args.exempt_groups, Some(&config.exempt_groups), Vec::new()),
        judge_controller_created: config.controller_created
            == rampart_core::admission::ControllerCreated::Judge,
    }
}

/// Loads the custom policies (ValidatingAdmissionPolicies with their
/// bindings and params, Gatekeeper templates with their constraints) under
/// `dirs`, and whether any of them selects namespaces by label. Any file
/// or policy that does not load stops the server: running with fewer
/// policies than the operator asked for would admit what they forbid.
fn load_policies(
    dirs: &[PathBuf],
    namespace_cache: bool,
) -> Result<(Option<rampart_server::PolicyEvaluator>, bool), u8> {
    if dirs.is_empty() {
        return Ok((None, false));
    }
    let paths: Vec<String> = dirs
        .iter()
        .map(|d| d.to_string_lossy().into_owned())
        .collect();
    let (policies, diagnostics, selecting) = crate::policy::load_objects(&paths);
    let errors: Vec<&rampart_core::Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
        .collect();
    for d in &errors {
        report(d);
    }
    // An AdmissionReview carries no Namespace object: without the cache a
    // namespaceSelector could not be decided, and under failurePolicy Fail
    // every matching request would be denied.
    let refused: &[String] = if namespace_cache { &[] } else { &selecting };
    for id in refused {
        eprintln!(
            "error: policy {id}: namespaceSelector is not supported without the namespace cache (it is kept in a pod, or with --kubeconfig or --context, unless --no-namespace-cache); or select by namespace name in a matchCondition"
        );
    }
    if !errors.is_empty() || !refused.is_empty() {
        return Err(exit::ERROR);
    }
    tracing::info!("admission: policies loaded from {}", paths.join(", "));
    // Gatekeeper is installed without `enableDeleteOperations` by default:
    // its webhook is not sent DELETE, so constraints do not judge it.
    // ValidatingAdmissionPolicies match operations themselves.
    let policies = policies.with_gatekeeper_every_operation(false);
    let evaluator: rampart_server::PolicyEvaluator = Box::new(move |req| policies.evaluate(req));
    Ok((Some(evaluator), !selecting.is_empty()))
}

/// The files `certs` writes, in the order it writes them.
const CERT_FILES: [&str; 4] = ["ca.crt", "ca.key", "tls.crt", "tls.key"];

fn certs(args: AdmissionCertsArgs) -> u8 {
    match write_certs(&args) {
        Ok(ca_pem) => {
            let dir = args.output.display();
            let bundle = base64::engine::general_purpose::STANDARD.encode(ca_pem.as_bytes());
            println!(
                "wrote {dir}/ca.crt, {dir}/ca.key, {dir}/tls.crt, {dir}/tls.key (keys mode 0600)"
            );
            println!();
            println!("caBundle for the ValidatingWebhookConfiguration (deploy/webhook.yaml):");
            println!("{bundle}");
            println!();
            println!("Create the Secret the webhook Deployment mounts:");
            println!(
                "kubectl create secret tls rampart-webhook-tls -n {} --cert {dir}/tls.crt --key {dir}/tls.key",
                args.namespace
            );
            exit::CLEAN
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::ERROR
        }
    }
}

/// The DNS names the API server may dial a Service webhook by: it uses
/// `NAME.NS.svc`, the others cover clients inside the cluster.
pub(crate) fn service_names(service: &str, namespace: &str) -> Vec<String> {
    vec![
        service.to_string(),
        format!("{service}.{namespace}"),
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
    ]
}

/// Generates the CA and the serving certificate and writes the four
/// files; returns the CA certificate's PEM.
fn write_certs(args: &AdmissionCertsArgs) -> Result<String, String> {
    for (what, value) in [
        ("--service", &args.service),
        ("--namespace", &args.namespace),
    ] {
        if !rampart_core::is_dns_label(value) {
            return Err(format!(
                "{what} `{value}` is not a DNS label (lowercase letters, digits and '-', at most 63)"
            ));
        }
    }
    let dir = &args.output;
    if !args.overwrite {
        let existing: Vec<String> = CERT_FILES
            .iter()
            .map(|f| dir.join(f))
            .filter(|p| p.symlink_metadata().is_ok())
            .map(|p| p.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(format!(
                "{} already exist{}; give --overwrite to replace {}",
                existing.join(", "),
                if existing.len() == 1 { "s" } else { "" },
                if existing.len() == 1 { "it" } else { "them" },
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;

    let pki = generate(&args.service, &args.namespace, args.days).map_err(|e| {
        // rcgen's errors name the failing step; nothing secret is in them.
        format!("cannot generate the certificates: {e}")
    })?;
    write_file(
        &dir.join("ca.crt"),
        pki.ca_cert.as_bytes(),
        0o644,
        args.overwrite,
    )?;
    write_file(
        &dir.join("ca.key"),
        pki.ca_key.as_bytes(),
        0o600,
        args.overwrite,
    )?;
    write_file(
        &dir.join("tls.crt"),
        pki.cert.as_bytes(),
        0o644,
        args.overwrite,
    )?;
    write_file(
        &dir.join("tls.key"),
        pki.key.as_bytes(),
        0o600,
        args.overwrite,
    )?;
    Ok(pki.ca_cert)
}

/// PEM texts of a CA and the serving certificate it signed.
struct Pki {
    ca_cert: String,
    ca_key: String,
    cert: String,
    key: String,
}

fn generate(service: &str, namespace: &str, days: u32) -> Result<Pki, rcgen::Error> {
    let now = time::OffsetDateTime::now_utc();
    // An hour back: nodes whose clocks lag a little still accept the
    // certificate right after it is made.
    let not_before = now - time::Duration::hours(1);
    let not_after = now + time::Duration::days(i64::from(days));

    // KeyPair::generate() is ECDSA P-256 with SHA-256, which Go's crypto/tls
    // (the API server) and rustls both accept.
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name.push(
        DnType::CommonName,
        format!("rampart webhook CA {service}.{namespace}"),
    );
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = not_before;
    ca.not_after = not_after;
    let ca_cert = ca.self_signed(&ca_key)?;
    let ca_key_pem = ca_key.serialize_pem();
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate()?;
    let mut leaf = CertificateParams::new(service_names(service, namespace))?;
    leaf.distinguished_name
        .push(DnType::CommonName, format!("{service}.{namespace}.svc"));
    leaf.is_ca = IsCa::ExplicitNoCa;
    // ECDSA keys sign the handshake; they never encipher keys.
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.not_before = not_before;
    leaf.not_after = not_after;
    let cert = leaf.signed_by(&key, &issuer)?;
    Ok(Pki {
        ca_cert: ca_cert.pem(),
        ca_key: ca_key_pem,
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
}

/// Writes `bytes` to a new file with `mode`, so a key is never readable by
/// others, not even for a moment. With `overwrite`, an existing file (or a
/// symlink: it is not followed) is removed first.
fn write_file(path: &Path, bytes: &[u8], mode: u32, overwrite: bool) -> Result<(), String> {
    let err = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    if overwrite {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(err(e)),
            _ => {}
        }
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(err)?;
    // The umask may have narrowed the mode; certificates are meant to be
    // readable.
    file.set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(err)?;
    file.write_all(bytes).map_err(err)?;
    file.sync_all().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cover_every_way_the_service_is_dialled() {
        assert_eq!(
            service_names("hook", "sec"),
            [
                "hook",
                "hook.sec",
                "hook.sec.svc",
                "hook.sec.svc.cluster.local"
            ]
        );
    }

    #[test]
    fn labels_are_checked_before_anything_is_written() {
        assert!(rampart_core::is_dns_label("rampart-webhook"));
        for bad in ["", "-a", "a-", "A", "a.b", &"a".repeat(64)] {
            assert!(!rampart_core::is_dns_label(bad), "{bad}");
        }
    }

    #[test]
    fn generated_pems_are_certificates_and_keys() {
        let pki = generate("hook", "sec", 30).unwrap();
        assert!(pki.ca_cert.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(pki.cert.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(pki.key.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_ne!(pki.key, pki.ca_key);
    }

    #[test]
    fn keys_are_private_even_when_replacing_a_readable_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tls.key");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(write_file(&p, b"new", 0o600, false).is_err());
        write_file(&p, b"new", 0o600, true).unwrap();
        let meta = std::fs::metadata(&p).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        // A symlink in the way is replaced, not written through.
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "untouched").unwrap();
        let link = dir.path().join("ca.key");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write_file(&link, b"key", 0o600, false).is_err());
        write_file(&link, b"key", 0o600, true).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "key");
    }
}
