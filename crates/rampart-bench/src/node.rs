//! `rampart-bench node`: end-to-end timing of `rampart node` on generated
//! node roots of several sizes.
//!
//! A root of size N holds N processes under `/proc` (a kubeadm control
//! plane's components plus N−6 unrelated ones, the way a busy node looks to
//! discovery) and N files under the trees the integrity baseline records
//! (PKI, CNI configuration and plugins), so both discovery and the
//! baseline's hashing scale with N.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Context, Result};
use crate::rng::Rng;
use crate::run::{check_binary, repeat, rss};

pub struct Options {
    pub sizes: Vec<u64>,
    pub rampart: PathBuf,
    pub work: PathBuf,
    pub runs: u32,
    pub seed: u64,
}

/// The control plane every generated root runs, as kubeadm starts it.
const COMPONENTS: &[&[&str]] = &[
    &[
        "kube-apiserver",
        "--advertise-address=10.0.0.10",
        "--authorization-mode=Node,RBAC",
        "--client-ca-file=/etc/kubernetes/pki/ca.crt",
        "--enable-admission-plugins=NodeRestriction",
        "--etcd-servers=https://127.0.0.1:2379",
        "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
        "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
        "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
        "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
        "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
        "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
        "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    ],
    &[
        "kube-controller-manager",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--use-service-account-credentials=true",
        "--root-ca-file=/etc/kubernetes/pki/ca.crt",
        "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
        "--bind-address=127.0.0.1",
    ],
    &[
        "kube-scheduler",
        "--kubeconfig=/etc/kubernetes/scheduler.conf",
        "--bind-address=127.0.0.1",
    ],
    &[
        "etcd",
        "--data-dir=/var/lib/etcd",
        "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
        "--key-file=/etc/kubernetes/pki/etcd/server.key",
        "--client-cert-auth=true",
        "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
        "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
        "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
        "--peer-client-cert-auth=true",
    ],
    &[
        "/usr/bin/kubelet",
        "--config=/var/lib/kubelet/config.yaml",
        "--kubeconfig=/etc/kubernetes/kubelet.conf",
    ],
    &[
        "/usr/local/bin/kube-proxy",
        "--config=/var/lib/kube-proxy/config.conf",
    ],
];

const KUBELET_CONFIG: &str = "\
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
readOnlyPort: 0
rotateCertificates: true
staticPodPath: /etc/kubernetes/manifests
";

/// Unrelated processes a node runs; discovery must skip them all.
const OTHERS: &[&str] = &[
    "/usr/sbin/sshd",
    "/usr/bin/containerd-shim-runc-v2",
    "/pause",
    "nginx: worker process",
    "/usr/bin/python3",
    "/usr/local/bin/node",
];

/// Writes a node root of `size` processes and `size` baseline files into
/// `dir` (replacing what was there); returns the bytes written.
fn generate(dir: &Path, size: u64, seed: u64) -> Result<u64> {
    if dir.exists() {
        fs::remove_dir_all(dir).context(|| format!("removing {}", dir.display()))?;
    }
    let mut rng = Rng::new(seed ^ size);
    let mut bytes = 0u64;
    let mut write = |rel: &str, data: &[u8]| -> Result<()> {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).context(|| format!("creating {}", parent.display()))?;
        }
        bytes += data.len() as u64;
        fs::write(&path, data).context(|| format!("writing {}", path.display()))
    };
    let cmdline =
        |argv: &[&str]| -> Vec<u8> { argv.iter().flat_map(|a| a.bytes().chain([0])).collect() };
    for pid in 1..=size {
        let argv: Vec<&str> = match COMPONENTS.get(pid as usize - 1) {
            Some(argv) => argv.to_vec(),
            None => vec![rng.pick(OTHERS), "--flag=value"],
        };
        write(&format!("proc/{pid}/cmdline"), &cmdline(&argv))?;
    }
    write("var/lib/kubelet/config.yaml", KUBELET_CONFIG.as_bytes())?;
    for name in [
        "admin.conf",
        "kubelet.conf",
        "controller-manager.conf",
        "scheduler.conf",
    ] {
        write(
            &format!("etc/kubernetes/{name}"),
            b"apiVersion: v1\nkind: Config\n",
        )?;
    }
    // Certificates and keys of realistic size, in the trees the baseline
    // records; their content is random and never read back as PEM.
    let dirs = ["etc/kubernetes/pki", "etc/cni/net.d", "opt/cni/bin"];
    let files = size.saturating_sub(4);
    let mut blob = vec![0u8; 2048];
    for i in 0..files {
        for chunk in blob.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next_u64().to_le_bytes()[..chunk.len()]);
        }
        let d = dirs[(i % dirs.len() as u64) as usize];
        write(&format!("{d}/f{i:06}"), &blob)?;
    }
    Ok(bytes)
}

struct Row {
    size: u64,
    mb: f64,
    check: crate::run::Timings,
    record: crate::run::Timings,
    compare: crate::run::Timings,
}

pub fn run(opts: &Options) -> Result<()> {
    check_binary(&opts.rampart)?;
    let mut rows = Vec::new();
    for &size in &opts.sizes {
        let root = opts.work.join(format!("node-{size}"));
        let started = Instant::now();
        let bytes = generate(&root, size, opts.seed)?;
        eprintln!(
            "generated node root {}: {size} processes, {size} files, {:.1} MB in {:.2}s",
            root.display(),
            crate::run::mb(bytes),
            started.elapsed().as_secs_f64()
        );
        let baseline = opts.work.join(format!("node-{size}.baseline.json"));
        let root_arg = root.as_os_str();
        let common: Vec<&OsStr> = vec![
            OsStr::new("node"),
            OsStr::new("--root"),
            root_arg,
            OsStr::new("--targets"),
            OsStr::new("master,etcd,controlplane,node,host"),
        ];
        eprintln!("checks, size {size}:");
        let mut args = common.clone();
        args.extend([OsStr::new("-o"), OsStr::new("json")]);
        let check = repeat(&opts.rampart, &args, opts.runs)?;
        eprintln!("record baseline, size {size}:");
        let mut args = common.clone();
        args.extend([OsStr::new("--record-baseline"), baseline.as_os_str()]);
        let record = repeat(&opts.rampart, &args, opts.runs)?;
        eprintln!("compare with baseline, size {size}:");
        let mut args = common;
        args.extend([
            OsStr::new("--baseline"),
            baseline.as_os_str(),
            OsStr::new("-o"),
            OsStr::new("json"),
        ]);
        let compare = repeat(&opts.rampart, &args, opts.runs)?;
        rows.push(Row {
            size,
            mb: crate::run::mb(bytes),
            check,
            record,
            compare,
        });
    }
    print!("{}", table(&rows));
    Ok(())
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| processes + files | MB | checks (median) | record baseline | compare baseline | peak RSS |\n\
         |------------------:|---:|----------------:|----------------:|-----------------:|---------:|\n",
    );
    for r in rows {
        let peak = [&r.check, &r.record, &r.compare]
            .iter()
            .filter_map(|t| t.max_rss_kib)
            .max();
        out.push_str(&format!(
            "| {} + {} | {:.1} | {:.3} s | {:.3} s | {:.3} s | {} |\n",
            r.size,
            r.size,
            r.mb,
            r.check.median().as_secs_f64(),
            r.record.median().as_secs_f64(),
            r.compare.median().as_secs_f64(),
            rss(peak)
        ));
    }
    out
}
