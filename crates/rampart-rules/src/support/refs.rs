//! The framework controls rules cite, each defined once so that every rule
//! citing a control gives it the same title (the compliance summary groups
//! by control). CIS ids follow the CIS Kubernetes Benchmark (section 5, and 1.2 for the API server), PSS
//! ids the Pod Security Standards level/control, NSA-CISA ids the sections
//! of the Kubernetes Hardening Guidance.

use rampart_core::rule::{Framework, Reference};

pub const CIS_1_2_1: Reference = Reference {
    framework: Framework::Cis,
    id: "1.2.1",
    title: "Ensure that the --anonymous-auth argument is set to false",
};

pub const CIS_5_1_1: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.1",
    title: "Ensure that the cluster-admin role is only used where required",
};

pub const CIS_5_1_2: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.2",
    title: "Minimize access to secrets",
};

pub const CIS_5_1_3: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.3",
    title: "Minimize wildcard use in Roles and ClusterRoles",
};

pub const CIS_5_1_4: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.4",
    title: "Minimize access to create pods",
};

pub const CIS_5_1_5: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.5",
    title: "Ensure that default service accounts are not actively used",
};

pub const CIS_5_1_6: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.6",
    title: "Ensure that Service Account Tokens are only mounted where necessary",
};

pub const CIS_5_1_7: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.7",
    title: "Avoid use of system:masters group",
};

pub const CIS_5_1_8: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.8",
    title: "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster",
};

pub const CIS_5_1_9: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.9",
    title: "Minimize access to create persistent volumes",
};

pub const CIS_5_1_10: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.10",
    title: "Minimize access to the proxy sub-resource of nodes",
};

pub const CIS_5_1_11: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.11",
    title: "Minimize access to the approval sub-resource of certificatesigningrequests objects",
};

pub const CIS_5_1_12: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.12",
    title: "Minimize access to webhook configuration objects",
};

pub const CIS_5_1_13: Reference = Reference {
    framework: Framework::Cis,
    id: "5.1.13",
    title: "Minimize access to the service account token creation",
};

pub const CIS_5_2_1: Reference = Reference {
    framework: Framework::Cis,
    id: "5.2.1",
    title: "Ensure that the cluster has at least one active policy control mechanism in place",
};

pub const CIS_5_2_10: Reference = Reference {
    framework: Framework::Cis,
    id: "5.2.10",
    title: "Minimize the admission of Windows HostProcess containers",
};

pub const CIS_5_2_11: Reference = Reference {
    framework: Framework::Cis,
    id: "5.2.11",
    title: "Minimize the admission of HostPath volumes",
};

pub const CIS_5_2_12: Reference = Reference {
    framework: Framework::Cis,
    id: "5.2.12",
    title: "Minimize the admission of containers which use HostPorts",
};

pub const CIS_5_2_2: Reference = Reference {
    framework: Framework::Cis,
    id: "5.2.2",
    title: "Minimize the admission of privileged containers",
};

pub const CIS_5_2_3: Reference = Reference {
    framework: Framework::Cis,
    id: "5.2.3",
    title: "Minimize the admission of containers wishing to share the host process ID namespace",
};

pub const CIS_5_2_4: Reference = Reference {
    framework: Framework::Cis,
    id: "5.2.4",
    title: "Minimize the admission of containers wishing to share the host IPC namespace",
};

pub const CIS_5_2_5: Reference = Reference {
    framework: Framework::Cis,
    id: "5.2.5",
    title: "Minimize the admission of containers wishing to share the host network namespace",
};

pub const CIS_5_2_6: Reference = Reference {
    framework: Framework::Cis,
    id: "5.2.6",
    title: "Minimize the admission of containers with allowPrivilegeEscalation",
};

pub const CIS_5_2_7: Reference = Reference {
    framework: Framework::Cis,
    id: "5.2.7",
    title: "Minimize the admission of root containers",
};

pub const CIS_5_2_8: Reference = Reference {
    framework: Framework::Cis,
    id: "5.2.8",
    title: "Minimize the admission of containers with the NET_RAW capability",
};

pub const CIS_5_2_9: Reference = Reference {
    framework: Framework::Cis,
    id: "5.2.9",
    title: "Minimize the admission of containers with capabilities assigned",
};

pub const CIS_5_3_2: Reference = Reference {
    framework: Framework::Cis,
    id: "5.3.2",
    title: "Ensure that all Namespaces have Network Policies defined",
};

pub const CIS_5_4_1: Reference = Reference {
    framework: Framework::Cis,
    id: "5.4.1",
    title: "Prefer using Secrets as files over Secrets as environment variables",
};

pub const CIS_5_4_2: Reference = Reference {
    framework: Framework::Cis,
    id: "5.4.2",
    title: "Consider external secret storage",
};

pub const CIS_5_6_1: Reference = Reference {
    framework: Framework::Cis,
    id: "5.6.1",
    title: "Create administrative boundaries between resources using namespaces",
};

pub const CIS_5_6_2: Reference = Reference {
    framework: Framework::Cis,
    id: "5.6.2",
    title: "Ensure that the seccomp profile is set to docker/default in your Pod definitions",
};

pub const CIS_5_6_3: Reference = Reference {
    framework: Framework::Cis,
    id: "5.6.3",
    title: "Apply SecurityContext to your Pods and Containers",
};

pub const CIS_5_6_4: Reference = Reference {
    framework: Framework::Cis,
    id: "5.6.4",
    title: "The default namespace should not be used",
};

pub const NSA_AUTHENTICATION_AUTHORIZATION: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "authentication-authorization",
    title: "Authentication and authorization",
};

pub const NSA_IMAGES: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "images",
    title: "Use trusted, immutable container images from trusted registries",
};

pub const NSA_NETWORK_SEPARATION: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "network-separation",
    title: "Network separation and hardening",
};

pub const NSA_NETWORK_SEPARATION_ENCRYPTION: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "network-separation/encryption",
    title: "Encrypt data in transit and at rest",
};

pub const NSA_NETWORK_SEPARATION_NAMESPACES: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "network-separation/namespaces",
    title: "Use namespaces to isolate resources",
};

pub const NSA_NETWORK_SEPARATION_SECRETS: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "network-separation/secrets",
    title: "Protect Secrets: encrypt them and keep them out of plain configuration",
};

pub const NSA_POD_SECURITY: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "pod-security",
    title: "Kubernetes Pod security",
};

pub const NSA_POD_SECURITY_HARDENING: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "pod-security/hardening",
    title: "Harden container environments with seccomp, AppArmor and SELinux",
};

pub const NSA_POD_SECURITY_IMMUTABLE_FILESYSTEM: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "pod-security/immutable-filesystem",
    title: "Use immutable container file systems",
};

pub const NSA_POD_SECURITY_NON_ROOT: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "pod-security/non-root",
    title: "Use non-root containers and rootless container engines",
};

pub const NSA_POD_SECURITY_RESOURCE_LIMITS: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "pod-security/resource-limits",
    title: "Use resource policies (LimitRange, ResourceQuota, limits) against denial of service",
};

pub const NSA_POD_SECURITY_SERVICE_ACCOUNT_TOKENS: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "pod-security/service-account-tokens",
    title: "Protect Pod service account tokens",
};

pub const NSA_UPGRADING: Reference = Reference {
    framework: Framework::NsaCisa,
    id: "upgrading",
    title: "Keep Kubernetes, its components and manifests current",
};

pub const PSS_BASELINE_APPARMORPROFILE: Reference = Reference {
    framework: Framework::Pss,
    id: "baseline/appArmorProfile",
    title: "AppArmor",
};

pub const PSS_BASELINE_CAPABILITIES: Reference = Reference {
    framework: Framework::Pss,
    id: "baseline/capabilities",
    title: "Capabilities",
};

pub const PSS_BASELINE_HOSTNAMESPACES: Reference = Reference {
    framework: Framework::Pss,
    id: "baseline/hostNamespaces",
    title: "Host Namespaces",
};

pub const PSS_BASELINE_HOSTPATHVOLUMES: Reference = Reference {
    framework: Framework::Pss,
    id: "baseline/hostPathVolumes",
    title: "HostPath Volumes",
};

pub const PSS_BASELINE_HOSTPORTS: Reference = Reference {
    framework: Framework::Pss,
    id: "baseline/hostPorts",
    title: "HostPorts",
};

pub const PSS_BASELINE_HOSTPROBESANDHOSTLIFECYCLE: Reference = Reference {
    framework: Framework::Pss,
    id: "baseline/hostProbesAndHostLifecycle",
    title: "Host Probes / Lifecycle Hooks",
};

pub const PSS_BASELINE_PRIVILEGED: Reference = Reference {
    framework: Framework::Pss,
    id: "baseline/privileged",
    title: "Privileged Containers",
};

pub const PSS_BASELINE_PROCMOUNT: Reference = Reference {
    framework: Framework::Pss,
    id: "baseline/procMount",
    title: "/proc Mount Type",
};

pub const PSS_BASELINE_SELINUXOPTIONS: Reference = Reference {
    framework: Framework::Pss,
    id: "baseline/seLinuxOptions",
    title: "SELinux",
};

pub const PSS_BASELINE_SECCOMPPROFILE: Reference = Reference {
    framework: Framework::Pss,
    id: "baseline/seccompProfile",
    title: "Seccomp",
};

pub const PSS_BASELINE_SYSCTLS: Reference = Reference {
    framework: Framework::Pss,
    id: "baseline/sysctls",
    title: "Sysctls",
};

pub const PSS_BASELINE_WINDOWSHOSTPROCESS: Reference = Reference {
    framework: Framework::Pss,
    id: "baseline/windowsHostProcess",
    title: "HostProcess",
};

pub const PSS_RESTRICTED_ALLOWPRIVILEGEESCALATION: Reference = Reference {
    framework: Framework::Pss,
    id: "restricted/allowPrivilegeEscalation",
    title: "Privilege Escalation",
};

pub const PSS_RESTRICTED_CAPABILITIES: Reference = Reference {
    framework: Framework::Pss,
    id: "restricted/capabilities",
    title: "Capabilities (restricted)",
};

pub const PSS_RESTRICTED_PROCMOUNT: Reference = Reference {
    framework: Framework::Pss,
    id: "restricted/procMount",
    title: "/proc Mount Type (restricted)",
};

pub const PSS_RESTRICTED_RUNASNONROOT: Reference = Reference {
    framework: Framework::Pss,
    id: "restricted/runAsNonRoot",
    title: "Running as Non-root",
};

pub const PSS_RESTRICTED_RUNASUSER: Reference = Reference {
    framework: Framework::Pss,
    id: "restricted/runAsUser",
    title: "Running as Non-root user",
};

pub const PSS_RESTRICTED_SECCOMPPROFILE: Reference = Reference {
    framework: Framework::Pss,
    id: "restricted/seccompProfile",
    title: "Seccomp (restricted)",
};

pub const PSS_RESTRICTED_VOLUMES: Reference = Reference {
    framework: Framework::Pss,
    id: "restricted/volumes",
    title: "Volume Types",
};
