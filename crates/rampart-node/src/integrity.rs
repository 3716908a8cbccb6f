//! File-integrity baselines of a node's Kubernetes files: record what they
//! are now (`rampart node --record-baseline`), and later check nothing
//! changed (`--baseline`, check `host.4`).
//!
//! What is recorded (node paths; directories are walked recursively
//! without following symlinks inside them, a symlink is recorded as one,
//! with its target):
//! - binaries: the executable of every discovered running component
//!   (`/proc/<pid>/exe`, when its target resolves inside the root and the
//!   process shares the host's mount namespace: a container's executable
//!   is in its image) and of
//!   components started from systemd units; every `kube*`, `etcd*`
//!   and `crictl` in `/usr/bin`, `/usr/local/bin`, `/usr/sbin`,
//!   `/usr/local/sbin`; every CNI plugin in `/opt/cni/bin`;
//! - configuration: `/etc/kubernetes/**` (kubeconfigs, static pod
//!   manifests, PKI; not `/etc/kubernetes/tmp`, where kubeadm leaves
//!   timestamped backups, nor `*.log` files), `/etc/cni/net.d/**`,
//!   `/var/lib/kubelet/config.yaml`, `/var/lib/kubelet/pki/**`, the
//!   kubelet's config file, its drop-ins, its kubeconfig and its static
//!   pod directory (`staticPodPath`) wherever they are, and the kubelet's systemd unit and drop-ins in every unit
//!   directory.
//!
//! Each entry has the type, mode, owner (ids and names), and for regular
//! files size and SHA-256 (streamed, never the contents). Certificate
//! rotation (`/var/lib/kubelet/pki`) and upgrades change entries by
//! design: record a new baseline after them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rampart_core::Diagnostic;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::checks::{Assessment, CheckResult, Status};
use crate::discover::{Discovery, Origin, UNIT_DIRS};
use crate::kubelet::KubeletConfig;
use crate::root::{NodeRoot, absolute};

pub const API_VERSION: &str = "rampart.dev/v1alpha1";
pub const KIND: &str = "NodeBaseline";

/// Directories whose Kubernetes-looking executables are recorded.
const BIN_DIRS: &[&str] = &["/usr/bin", "/usr/local/bin", "/usr/sbin", "/usr/local/sbin"];
/// Directory trees recorded whole.
const TREES: &[&str] = &[
    "/etc/kubernetes",
    "/etc/cni/net.d",
    "/opt/cni/bin",
    "/var/lib/kubelet/pki",
];
/// Single files recorded when present.
const FILES: &[&str] = &["/var/lib/kubelet/config.yaml"];
/// Parts of the trees that change on their own.
const SKIP_DIRS: &[&str] = &["/etc/kubernetes/tmp"];

/// The baseline document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Baseline {
    pub api_version: String,
    pub kind: String,
    /// RFC 3339 time of recording.
    pub recorded_at: String,
    /// The root directory recorded (as rampart saw it).
    pub root: String,
    /// Sorted by path.
    pub entries: Vec<Entry>,
}

/// One file's recorded state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Entry {
    /// The path as the node sees it.
    pub path: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Permission bits, octal (`0644`).
    pub mode: String,
    pub uid: u32,
    pub gid: u32,
    pub user: String,
    pub group: String,
    /// Regular files only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `sha256:<hex>`, regular files only; absent when the file could not
    /// be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Symlinks only: the link's target as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::File => "file",
            Kind::Dir => "directory",
            Kind::Symlink => "symlink",
            Kind::Other => "special file",
        })
    }
}

impl Entry {
    fn owner(&self) -> String {
        format!("{}:{}", self.user, self.group)
    }
}

/// The node paths to record: every entry of [`TREES`], [`FILES`], the
/// component executables, kubelet files and units.
fn roots(
    root: &NodeRoot,
    discovery: &Discovery,
    kubelet: Option<&KubeletConfig>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut out: Vec<String> = TREES.iter().chain(FILES).map(|s| s.to_string()).collect();
    for dir in BIN_DIRS {
        for name in root.read_dir(dir).unwrap_or_default() {
            if name.starts_with("kube") || name.starts_with("etcd") || name == "crictl" {
                out.push(format!("{dir}/{name}"));
            }
        }
    }
    for i in &discovery.instances {
        match &i.origin {
            Origin::Process { pid } => {
                let proc = root.host_path().join(format!("proc/{pid}"));
                // A container's executable lives in its image: its
                // `exe` link names a path in another mount namespace.
                let ns = |p: &Path| fs::read_link(p.join("ns/mnt")).ok();
                let host_ns = ns(&root.host_path().join("proc/1"));
                let own_ns = ns(&proc);
                if own_ns.is_some() && host_ns.is_some() && own_ns != host_ns {
                    continue;
                }
                // The kernel's link names the executable as the node sees it.
                match fs::read_link(proc.join("exe")) {
                    Ok(target) => {
                        let t = target.to_string_lossy();
                        out.push(t.strip_suffix(" (deleted)").unwrap_or(&t).to_string());
                    }
                    Err(e) => diags.push(Diagnostic::warning(
                        "baseline-unreadable",
                        format!(
                            "cannot read /proc/{pid}/exe ({}): {e}; its executable is recorded only if it is in a usual directory",
                            i.component.binary()
                        ),
                    )),
                }
            }
            Origin::SystemdUnit { .. } if i.program.starts_with('/') => {
                out.push(i.program.clone());
            }
            // A container's command lives in its image, not on the node.
            _ => {}
        }
    }
    // The static pod directory the kubelet really reads, wherever it is.
    out.push(discovery.manifest_dir.clone());
    if let Some(k) = kubelet {
        out.extend(k.config_file.iter().cloned());
        out.extend(k.drop_in_files.iter().cloned());
        out.extend(
            k.kubeconfig
                .as_ref()
                .and_then(|s| s.value.as_deref())
                .map(absolute),
        );
    }
    for dir in UNIT_DIRS {
        out.push(format!("{dir}/kubelet.service"));
        out.push(format!("{dir}/kubelet.service.d"));
    }
    out
}

/// Records every file under the baseline's rules. Unreadable files are
/// recorded without a hash, with a diagnostic.
pub fn collect(
    root: &NodeRoot,
    discovery: &Discovery,
    kubelet: Option<&KubeletConfig>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Entry> {
    let mut seen = BTreeMap::new();
    for p in roots(root, discovery, kubelet, diags) {
        add(root, &p, &mut seen, diags);
    }
    seen.into_values().collect()
}

/// Adds `path` (following symlinks named directly, walking directories).
fn add(
    root: &NodeRoot,
    path: &str,
    seen: &mut BTreeMap<String, Entry>,
    diags: &mut Vec<Diagnostic>,
) {
    if seen.contains_key(path) || SKIP_DIRS.contains(&path) {
        return;
    }
    // The parent's symlinks are resolved inside the root; the last
    // component is looked at itself, so a symlink is recorded as one.
    let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
    let host = match root.resolve(if parent.is_empty() { "/" } else { parent }) {
        Ok(p) => p.join(name),
        Err(_) => return,
    };
    let Ok(meta) = fs::symlink_metadata(&host) else {
        return;
    };
    let entry = entry(root, path, &host, &meta, diags);
    let kind = entry.kind;
    seen.insert(path.to_string(), entry);
    match kind {
        Kind::Symlink => {
            // Record what a named link leads to as well (a binary behind
            // /usr/bin/kubelet -> /opt/k8s/kubelet).
            if let Ok(real) = root.resolve(path)
                && let Ok(rel) = real.strip_prefix(root.host_path())
            {
                let target = format!("/{}", rel.to_string_lossy());
                if target != path {
                    add(root, &target, seen, diags);
                }
            }
        }
        Kind::Dir => walk(root, path, seen, diags),
        _ => {}
    }
}

/// Records the entries under directory `dir`, not following symlinks.
fn walk(
    root: &NodeRoot,
    dir: &str,
    seen: &mut BTreeMap<String, Entry>,
    diags: &mut Vec<Diagnostic>,
) {
    let names = match root.read_dir(dir) {
        Ok(n) => n,
        Err(e) => {
            diags.push(Diagnostic::warning(
                "baseline-unreadable",
                format!("cannot list {dir}: {e}; its entries are not in the baseline"),
            ));
            return;
        }
    };
    let Ok(host_dir) = root.resolve(dir) else {
        return;
    };
    for name in names {
        let path = format!("{}/{name}", dir.trim_end_matches('/'));
        if seen.contains_key(&path) || SKIP_DIRS.contains(&path.as_str()) || name.ends_with(".log")
        {
            continue;
        }
        let host = host_dir.join(&name);
        let Ok(meta) = fs::symlink_metadata(&host) else {
            continue;
        };
        let e = entry(root, &path, &host, &meta, diags);
        let is_dir = e.kind == Kind::Dir;
        seen.insert(path.clone(), e);
        if is_dir {
            walk(root, &path, seen, diags);
        }
    }
}

fn entry(
    root: &NodeRoot,
    path: &str,
    host: &Path,
    meta: &fs::Metadata,
    diags: &mut Vec<Diagnostic>,
) -> Entry {
    let ft = meta.file_type();
    let kind = if ft.is_symlink() {
        Kind::Symlink
    } else if ft.is_dir() {
        Kind::Dir
    } else if ft.is_file() {
        Kind::File
    } else {
        Kind::Other
    };
    let sha256 = match kind {
        Kind::File => match hash(host) {
            Ok(h) => Some(h),
            Err(e) => {
                diags.push(Diagnostic::warning(
                    "baseline-unreadable",
                    format!("cannot read {path}: {e}; recorded without a content hash"),
                ));
                None
            }
        },
        _ => None,
    };
    Entry {
        path: path.to_string(),
        kind,
        mode: format!("{:04o}", meta.mode() & 0o7777),
        uid: meta.uid(),
        gid: meta.gid(),
        user: root.user_name(meta.uid()),
        group: root.group_name(meta.gid()),
        size: (kind == Kind::File).then_some(meta.len()),
        sha256,
        target: (kind == Kind::Symlink)
            .then(|| fs::read_link(host).ok())
            .flatten()
            .map(|t| t.to_string_lossy().into_owned()),
    }
}

/// SHA-256 of a file, read in 64 KiB pieces.
fn hash(host: &Path) -> io::Result<String> {
    let mut file = fs::File::open(host)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("sha256:{hex}"))
}

/// Records a baseline of `root` now: runs discovery and the kubelet's
/// configuration to find its files.
pub fn record(root: &NodeRoot, recorded_at: String) -> (Baseline, Vec<Diagnostic>) {
    let mut discovery = crate::discover::discover(root);
    let mut diags = std::mem::take(&mut discovery.diagnostics);
    let kubelet =
        crate::kubelet::effective(root, discovery.find(crate::Component::Kubelet), &mut diags);
    let entries = collect(root, &discovery, kubelet.as_ref(), &mut diags);
    let baseline = Baseline {
        api_version: API_VERSION.to_string(),
        kind: KIND.to_string(),
        recorded_at,
        root: root.host_path().display().to_string(),
        entries,
    };
    (baseline, diags)
}

impl Baseline {
    /// Writes the document to `path`, readable by its owner only (mode
    /// 0600, also when the file existed before).
    pub fn write(&self, path: &Path) -> io::Result<()> {
        let mut text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        text.push('\n');
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        io::Write::write_all(&mut file, text.as_bytes())
    }

    /// Reads and validates a baseline document; the error says what is
    /// wrong with it.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text =
            fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let b: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a node baseline: {e}", path.display()))?;
        if b.api_version != API_VERSION || b.kind != KIND {
            return Err(format!(
                "{} is {}/{}, expected apiVersion {API_VERSION} and kind {KIND}",
                path.display(),
                b.api_version,
                b.kind
            ));
        }
        let mut paths = BTreeSet::new();
        if let Some(dup) = b.entries.iter().find(|e| !paths.insert(&e.path)) {
            return Err(format!("{} lists {} twice", path.display(), dup.path));
        }
        Ok(b)
    }
}

/// What changed between a recorded entry and the current one, or `None`.
fn differences(old: &Entry, new: &Entry) -> Option<String> {
    let mut what = Vec::new();
    if old.kind != new.kind {
        what.push(format!("type {}→{}", old.kind, new.kind));
    } else {
        if old.sha256 != new.sha256 {
            match (&old.sha256, &new.sha256) {
                (Some(_), Some(_)) => what.push(match (old.size, new.size) {
                    (Some(a), Some(b)) if a != b => format!("content (size {a}→{b})"),
                    _ => "content".to_string(),
                }),
                _ => what.push("content (unreadable on one side, not compared)".to_string()),
            }
        }
        if old.target != new.target {
            what.push(format!(
                "link target {}→{}",
                old.target.as_deref().unwrap_or("?"),
                new.target.as_deref().unwrap_or("?")
            ));
        }
    }
    if old.mode != new.mode {
        what.push(format!("mode {}→{}", old.mode, new.mode));
    }
    if (old.uid, old.gid) != (new.uid, new.gid) {
        what.push(format!(
            "owner {} ({}:{})→{} ({}:{})",
            old.owner(),
            old.uid,
            old.gid,
            new.owner(),
            new.uid,
            new.gid
        ));
    }
    (!what.is_empty()).then(|| what.join(", "))
}

/// Check `host.4`: the node's files now against `baseline`.
pub fn compare(
    root: &NodeRoot,
    discovery: &Discovery,
    kubelet: Option<&KubeletConfig>,
    baseline: &Baseline,
    diags: &mut Vec<Diagnostic>,
) -> CheckResult {
    let now: BTreeMap<String, Entry> = collect(root, discovery, kubelet, diags)
        .into_iter()
        .map(|e| (e.path.clone(), e))
        .collect();
    let then: BTreeMap<&str, &Entry> = baseline
        .entries
        .iter()
        .map(|e| (e.path.as_str(), e))
        .collect();
    let mut evidence = Vec::new();
    let paths: BTreeSet<&str> = then
        .keys()
        .copied()
        .chain(now.keys().map(String::as_str))
        .collect();
    for p in paths {
        match (then.get(p), now.get(p)) {
            (Some(old), Some(new)) => {
                if let Some(d) = differences(old, new) {
                    evidence.push(format!("changed {p}: {d}"));
                }
            }
            (None, Some(new)) => evidence.push(format!(
                "added {p} ({} {} {})",
                new.kind,
                new.mode,
                new.owner()
            )),
            (Some(_), None) => evidence.push(format!("removed {p}")),
            (None, None) => {}
        }
    }
    let unchanged = evidence.is_empty();
    evidence.insert(
        0,
        format!(
            "baseline of {} recorded at {} ({} entries); {} entries now",
            baseline.root,
            baseline.recorded_at,
            baseline.entries.len(),
            now.len()
        ),
    );
    CheckResult {
        id: "host.4",
        title: "Node files unchanged since the recorded baseline",
        assessment: Assessment::Automated,
        status: if unchanged {
            Status::Pass
        } else {
            Status::Fail
        },
        evidence,
        rationale: "A changed Kubernetes binary, configuration file, static pod manifest or certificate that nobody planned is a sign of tampering (or of drift that the other checks judged at a different moment).",
        remediation: "Find out who changed each listed file and why; restore it from a trusted source, or, for an intended change (upgrade, certificate rotation), record a new baseline with `rampart node --record-baseline FILE`.",
        // Many files: the evidence lists each.
        location: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> Entry {
        Entry {
            path: path.to_string(),
            kind: Kind::File,
            mode: "0600".to_string(),
            uid: 0,
            gid: 0,
            user: "root".to_string(),
            group: "root".to_string(),
            size: Some(3),
            sha256: Some("sha256:aa".to_string()),
            target: None,
        }
    }

    #[test]
    fn differences_name_each_change() {
        let a = entry("/x");
        assert_eq!(differences(&a, &a), None);
        let b = Entry {
            mode: "0644".to_string(),
            sha256: Some("sha256:bb".to_string()),
            size: Some(4),
            uid: 1000,
            user: "kube".to_string(),
            ..a.clone()
        };
        assert_eq!(
            differences(&a, &b).unwrap(),
            "content (size 3→4), mode 0600→0644, owner root:root (0:0)→kube:root (1000:0)"
        );
        let link = Entry {
            kind: Kind::Symlink,
            sha256: None,
            size: None,
            target: Some("/y".to_string()),
            ..a.clone()
        };
        assert_eq!(differences(&a, &link).unwrap(), "type file→symlink");
    }

    #[test]
    fn hashing_streams_large_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        // Bigger than one read buffer, so the pieces must join up.
        fs::write(&p, vec![b'a'; 200 * 1024]).unwrap();
        let mut h = Sha256::new();
        h.update(vec![b'a'; 200 * 1024]);
        let want: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash(&p).unwrap(), format!("sha256:{want}"));
    }

    #[test]
    fn written_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        fs::write(&p, "old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        let b = Baseline {
            api_version: API_VERSION.to_string(),
            kind: KIND.to_string(),
            recorded_at: "2026-01-01T00:00:00Z".to_string(),
            root: "/".to_string(),
            entries: vec![entry("/a"), entry("/b")],
        };
        b.write(&p).unwrap();
        assert_eq!(fs::metadata(&p).unwrap().mode() & 0o777, 0o600);
        assert_eq!(Baseline::load(&p).unwrap(), b);
        fs::write(&p, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"recordedAt\":\"\",\"root\":\"/\",\"entries\":[]}").unwrap();
        assert!(
            Baseline::load(&p)
                .unwrap_err()
                .contains("expected apiVersion")
        );
        fs::write(&p, "not json").unwrap();
        assert!(
            Baseline::load(&p)
                .unwrap_err()
                .contains("is not a node baseline")
        );
        assert!(
            Baseline::load(&dir.path().join("missing"))
                .unwrap_err()
                .contains("cannot read")
        );
    }
}
