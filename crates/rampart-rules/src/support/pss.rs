//! Pod Security Standards: the exact inputs and allow-lists of Pod Security Admission checks.
//!
//! Versions below v1.25 are evaluated as v1.25: the CLI refuses them, and
//! from v1.25 on the set of checks and their overrides no longer changes
//! shape (only allow-lists grow and relaxations appear, handled here with
//! [`PssVersion::at_least`]).

use k8s_openapi::api::core::v1::{
    AppArmorProfile, Container, SELinuxOptions, SeccompProfile, Volume,
    WindowsSecurityContextOptions,
};
use rampart_core::node::pointer;
use rampart_core::rule::PssVersion;
use rampart_core::{ContainerRef, Emitter, Workload};

/// Capabilities a baseline pod may add (`capabilities_baseline`); the
/// runtime's default set minus `NET_RAW`. Compared exactly: `CAP_CHOWN` or
/// `chown` are not in it.
pub const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// The one capability a restricted pod may add.
/// The namespace label Pod Security Admission enforces a level from.
pub const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

pub const RESTRICTED_ADDABLE_CAPABILITY: &str = "NET_BIND_SERVICE";

/// Namespaced sysctls the baseline level allows, with the Kubernetes minor
/// version whose policy first allows each.
const SAFE_SYSCTLS: &[(&str, u32)] = &[
    ("kernel.shm_rmid_forced", 0),
    ("net.ipv4.ip_local_port_range", 0),
    ("net.ipv4.tcp_syncookies", 0),
    ("net.ipv4.ping_group_range", 0),
    ("net.ipv4.ip_unprivileged_port_start", 0),
    ("net.ipv4.ip_local_reserved_ports", 27),
    ("net.ipv4.tcp_keepalive_time", 29),
    ("net.ipv4.tcp_fin_timeout", 29),
    ("net.ipv4.tcp_keepalive_intvl", 29),
    ("net.ipv4.tcp_keepalive_probes", 29),
    ("net.ipv4.tcp_rmem", 32),
    ("net.ipv4.tcp_wmem", 32),
    ("net.ipv4.tcp_slow_start_after_idle", 37),
    ("net.ipv4.tcp_notsent_lowat", 37),
];

/// Whether the baseline level at `version` allows the sysctl `name`. PSA
/// compares names exactly, so the slash spelling (`net/ipv4/tcp_syncookies`)
/// that the kubelet also accepts is not allowed.
pub fn sysctl_allowed(name: &str, version: PssVersion) -> bool {
    SAFE_SYSCTLS
        .iter()
        .any(|&(n, since)| n == name && version.at_least(since))
}

/// The version that first allows `name`, for messages.
pub fn sysctl_allowed_since(name: &str) -> Option<u32> {
    SAFE_SYSCTLS
        .iter()
        .find(|&&(n, _)| n == name)
        .map(|&(_, since)| since)
}

/// SELinux types the baseline level allows, with the version that first
/// allows each. The empty type (unset) is always allowed.
const SELINUX_TYPES: &[(&str, u32)] = &[
    ("container_t", 0),
    ("container_init_t", 0),
    ("container_kvm_t", 0),
    ("container_engine_t", 31),
];

pub fn selinux_type_allowed(ty: &str, version: PssVersion) -> bool {
    ty.is_empty()
        || SELINUX_TYPES
            .iter()
            .any(|&(t, since)| t == ty && version.at_least(since))
}

/// The first offending field of SELinux options (`type`, `user`, `role`),
/// and everything wrong with them, or `None` when the baseline allows them.
/// `level` is free.
pub fn selinux_problems(
    opts: &SELinuxOptions,
    version: PssVersion,
) -> Option<(&'static str, Vec<String>)> {
    let mut first = None;
    let mut problems = Vec::new();
    let ty = opts.type_.as_deref().unwrap_or("");
    if !selinux_type_allowed(ty, version) {
        first.get_or_insert("type");
        problems.push(format!("type \"{ty}\" is not a container type"));
    }
    for (field, value) in [("user", &opts.user), ("role", &opts.role)] {
        if value.as_deref().is_some_and(|v| !v.is_empty()) {
            first.get_or_insert(field);
            problems.push(format!("{field} is set"));
        }
    }
    first.map(|f| (f, problems))
}

/// `RuntimeDefault` and `Localhost` confine; anything else (`Unconfined`,
/// a misspelling) does not.
pub fn seccomp_confines(profile: &SeccompProfile) -> bool {
    matches!(profile.type_.as_str(), "RuntimeDefault" | "Localhost")
}

pub fn apparmor_type_allowed(profile: &AppArmorProfile) -> bool {
    matches!(profile.type_.as_str(), "RuntimeDefault" | "Localhost")
}

/// Prefix of the deprecated per-container AppArmor annotations, which PSA
/// still checks.
pub const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// Values of the AppArmor annotation that confine (or are empty).
pub fn apparmor_annotation_allowed(value: &str) -> bool {
    value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")
}

/// The `procMount` values every level allows.
pub fn proc_mount_default(value: Option<&str>) -> bool {
    value.is_none_or(|v| v == "Default")
}

/// Reports every container whose `procMount` is set to anything but
/// `Default` (`Unmasked` exposes the node's `/proc` and `/sys` entries).
pub fn report_proc_mounts(workload: &Workload, out: &mut Emitter) {
    for c in workload.containers() {
        let value = c
            .container
            .security_context
            .as_ref()
            .and_then(|sc| sc.proc_mount.as_deref());
        if let Some(value) = value.filter(|v| !proc_mount_default(Some(v))) {
            out.container(
                &c,
                &["securityContext", "procMount"],
                format!(
                    "{} sets procMount \"{value}\"; only Default keeps /proc masked",
                    c.describe()
                ),
            );
        }
    }
}

/// Pods in a user namespace (`hostUsers: false`): root in the pod is an
/// unprivileged user on the node. Several checks relax for them from v1.35.
pub fn user_namespace(workload: &Workload) -> bool {
    workload.spec.host_users == Some(false)
}

/// Restricted checks that Windows pods skip (allowPrivilegeEscalation,
/// seccomp, capabilities): the fields have no meaning there. PSA keys this on
/// `spec.os.name` alone, compared exactly.
pub fn windows_exempt(workload: &Workload) -> bool {
    workload.is_windows()
}

/// Volume sources the restricted level allows. A volume with no source at
/// all is defaulted to `emptyDir` by the API server before admission.
pub const RESTRICTED_VOLUME_SOURCES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The sources set on a volume, by their field names.
pub fn volume_sources(v: &Volume) -> Vec<&'static str> {
    [
        ("awsElasticBlockStore", v.aws_elastic_block_store.is_some()),
        ("azureDisk", v.azure_disk.is_some()),
        ("azureFile", v.azure_file.is_some()),
        ("cephfs", v.cephfs.is_some()),
        ("cinder", v.cinder.is_some()),
        ("configMap", v.config_map.is_some()),
        ("csi", v.csi.is_some()),
        ("downwardAPI", v.downward_api.is_some()),
        ("emptyDir", v.empty_dir.is_some()),
        ("ephemeral", v.ephemeral.is_some()),
        ("fc", v.fc.is_some()),
        ("flexVolume", v.flex_volume.is_some()),
        ("flocker", v.flocker.is_some()),
        ("gcePersistentDisk", v.gce_persistent_disk.is_some()),
        ("gitRepo", v.git_repo.is_some()),
        ("glusterfs", v.glusterfs.is_some()),
        ("hostPath", v.host_path.is_some()),
        ("image", v.image.is_some()),
        ("iscsi", v.iscsi.is_some()),
        ("nfs", v.nfs.is_some()),
        ("persistentVolumeClaim", v.persistent_volume_claim.is_some()),
        ("photonPersistentDisk", v.photon_persistent_disk.is_some()),
        ("portworxVolume", v.portworx_volume.is_some()),
        ("projected", v.projected.is_some()),
        ("quobyte", v.quobyte.is_some()),
        ("rbd", v.rbd.is_some()),
        ("scaleIO", v.scale_io.is_some()),
        ("secret", v.secret.is_some()),
        ("storageos", v.storageos.is_some()),
        ("vsphereVolume", v.vsphere_volume.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect()
}

/// Where a security setting is made: the pod's `securityContext` or a
/// container's.
#[derive(Clone, Copy, Debug)]
pub enum Setter<'a> {
    Pod,
    Container(ContainerRef<'a>),
}

impl Setter<'_> {
    /// "the pod" / "container \"web\"".
    pub fn describe(&self) -> String {
        match self {
            Setter::Pod => "the pod".to_string(),
            Setter::Container(c) => c.describe(),
        }
    }

    /// Reports a finding at `fields` below this setter's `securityContext`.
    pub fn report(
        &self,
        workload: &Workload,
        out: &mut Emitter,
        fields: &[&str],
        message: impl Into<String>,
    ) {
        let mut path = Vec::with_capacity(fields.len() + 1);
        path.push("securityContext");
        path.extend_from_slice(fields);
        match self {
            Setter::Pod => out.at(pointer(workload.path.spec, &path), message),
            Setter::Container(c) => out.container(c, &path, message),
        }
    }
}

/// The settings that both the pod's and a container's `securityContext`
/// carry, read the same way for both.
#[derive(Clone, Copy, Debug, Default)]
pub struct Settings<'a> {
    pub app_armor: Option<&'a AppArmorProfile>,
    pub seccomp: Option<&'a SeccompProfile>,
    pub se_linux: Option<&'a SELinuxOptions>,
    pub windows: Option<&'a WindowsSecurityContextOptions>,
    pub run_as_user: Option<i64>,
    pub run_as_non_root: Option<bool>,
}

fn pod_settings(workload: &Workload) -> Settings<'_> {
    match &workload.spec.security_context {
        Some(sc) => Settings {
            app_armor: sc.app_armor_profile.as_ref(),
            seccomp: sc.seccomp_profile.as_ref(),
            se_linux: sc.se_linux_options.as_ref(),
            windows: sc.windows_options.as_ref(),
            run_as_user: sc.run_as_user,
            run_as_non_root: sc.run_as_non_root,
        },
        None => Settings::default(),
    }
}

fn container_settings(c: &Container) -> Settings<'_> {
    match &c.security_context {
        Some(sc) => Settings {
            app_armor: sc.app_armor_profile.as_ref(),
            seccomp: sc.seccomp_profile.as_ref(),
            se_linux: sc.se_linux_options.as_ref(),
            windows: sc.windows_options.as_ref(),
            run_as_user: sc.run_as_user,
            run_as_non_root: sc.run_as_non_root,
        },
        None => Settings::default(),
    }
}

/// The pod's settings, then every container's (init, regular, ephemeral):
/// for checks where a bad value anywhere fails, whatever the other level
/// says.
pub fn setters(workload: &Workload) -> impl Iterator<Item = (Setter<'_>, Settings<'_>)> {
    std::iter::once((Setter::Pod, pod_settings(workload))).chain(
        workload
            .containers()
            .map(|c| (Setter::Container(c), container_settings(c.container))),
    )
}

/// Why a "pod level or every container" requirement fails.
#[derive(Clone, Copy, Debug)]
pub enum Shortfall<'a> {
    /// The pod or a container sets a value that is not allowed. A bad pod
    /// value fails even when every container overrides it.
    Bad(Setter<'a>),
    /// A container sets nothing and the pod sets nothing either.
    Unset(ContainerRef<'a>),
}

/// Evaluates a requirement that holds when the pod sets an allowed value
/// (containers inherit it) or every container does, as PSA's runAsNonRoot
/// and seccompProfile_restricted checks do. A container's own setting
/// overrides the pod's. Containers that only inherit a bad pod value are
/// not reported separately: the pod's finding covers them.
pub fn pod_or_every_container<'a, T>(
    workload: &'a Workload,
    get: impl Fn(&Settings<'a>) -> Option<T>,
    allowed: impl Fn(&T) -> bool,
) -> Vec<Shortfall<'a>> {
    let mut out = Vec::new();
    let pod_set = match get(&pod_settings(workload)) {
        Some(v) if allowed(&v) => true,
        Some(_) => {
            out.push(Shortfall::Bad(Setter::Pod));
            true
        }
        None => false,
    };
    for c in workload.containers() {
        match get(&container_settings(c.container)) {
            Some(v) if allowed(&v) => {}
            Some(_) => out.push(Shortfall::Bad(Setter::Container(c))),
            None if pod_set => {}
            None => out.push(Shortfall::Unset(c)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctls_by_version() {
        let v = PssVersion::Minor;
        assert!(sysctl_allowed("kernel.shm_rmid_forced", v(25)));
        assert!(!sysctl_allowed("net.ipv4.ip_local_reserved_ports", v(26)));
        assert!(sysctl_allowed("net.ipv4.ip_local_reserved_ports", v(27)));
        assert!(!sysctl_allowed("net.ipv4.tcp_fin_timeout", v(28)));
        assert!(sysctl_allowed("net.ipv4.tcp_fin_timeout", v(29)));
        assert!(!sysctl_allowed("net.ipv4.tcp_rmem", v(31)));
        assert!(sysctl_allowed("net.ipv4.tcp_wmem", v(32)));
        assert!(!sysctl_allowed("net.ipv4.tcp_notsent_lowat", v(36)));
        assert!(sysctl_allowed("net.ipv4.tcp_notsent_lowat", v(37)));
        assert!(sysctl_allowed(
            "net.ipv4.tcp_slow_start_after_idle",
            PssVersion::Latest
        ));
        assert!(!sysctl_allowed(
            "net/ipv4/tcp_syncookies",
            PssVersion::Latest
        ));
        assert!(!sysctl_allowed("kernel.msgmax", PssVersion::Latest));
        assert_eq!(sysctl_allowed_since("net.ipv4.tcp_rmem"), Some(32));
    }

    #[test]
    fn selinux_by_version() {
        let v = PssVersion::Minor;
        assert!(selinux_type_allowed("", v(25)));
        assert!(selinux_type_allowed("container_t", v(25)));
        assert!(!selinux_type_allowed("container_engine_t", v(30)));
        assert!(selinux_type_allowed("container_engine_t", v(31)));
        assert!(!selinux_type_allowed("Container_t", PssVersion::Latest));
        assert!(!selinux_type_allowed("spc_t", PssVersion::Latest));
        let opts = SELinuxOptions {
            level: Some("s0:c1,c2".into()),
            ..Default::default()
        };
        assert!(selinux_problems(&opts, v(25)).is_none());
        let opts = SELinuxOptions {
            role: Some("sysadm_r".into()),
            type_: Some("spc_t".into()),
            ..Default::default()
        };
        let (first, problems) = selinux_problems(&opts, v(25)).unwrap_or_default();
        assert_eq!(first, "type");
        assert_eq!(problems.len(), 2);
    }

    #[test]
    fn apparmor_annotation_values() {
        for ok in ["", "runtime/default", "localhost/my-profile"] {
            assert!(apparmor_annotation_allowed(ok), "{ok}");
        }
        for bad in [
            "unconfined",
            "Runtime/Default",
            "localhost",
            "docker/default",
        ] {
            assert!(!apparmor_annotation_allowed(bad), "{bad}");
        }
    }
}
