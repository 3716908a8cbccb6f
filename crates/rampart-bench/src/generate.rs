//! The object generator: realistic, varied Kubernetes manifests from a seed.
//!
//! Everything written here must be an object the API server accepts:
//! selectors match template labels, volume mounts name declared volumes,
//! requests never exceed limits, Secret data is valid base64, names are
//! DNS labels, and every string that YAML 1.1 would read as a number,
//! boolean or null is quoted (see [`crate::yaml::plain_ok`]). Insecure
//! settings are deliberate: they are what the scanner looks for.

use crate::rng::Rng;
use crate::yaml::{Yaml, double_quoted, flow_map, flow_seq};

/// An application: name, image repository (with registry), main port, and
/// whether it speaks HTTP (probes use `httpGet`, else `tcpSocket`).
struct App {
    name: &'static str,
    repo: &'static str,
    port: u16,
    http: bool,
}

const fn app(name: &'static str, repo: &'static str, port: u16, http: bool) -> App {
    App {
        name,
        repo,
        port,
        http,
    }
}

const APPS: &[App] = &[
    app("payments-api", "gcr.io/acme-prod/payments-api", 8080, true),
    app(
        "checkout",
        "registry.internal.example.com:5000/shop/checkout",
        8080,
        true,
    ),
    app("cart", "ghcr.io/acme/cart", 3000, true),
    app("frontend", "ghcr.io/acme/frontend", 3000, true),
    app("web", "nginx", 80, true),
    app("auth", "quay.io/acme/auth-service", 9000, true),
    app(
        "user-service",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/user-service",
        8080,
        true,
    ),
    app(
        "inventory",
        "registry.gitlab.com/acme/inventory",
        8081,
        true,
    ),
    app(
        "search",
        "docker.elastic.co/elasticsearch/elasticsearch",
        9200,
        true,
    ),
    app("recommendations", "acme/recommendations", 5000, true),
    app("notifications", "localhost:5000/notifications", 8080, true),
    app(
        "billing",
        "europe-west1-docker.pkg.dev/acme-prod/apps/billing",
        8443,
        true,
    ),
    app("ledger", "ghcr.io/acme/ledger", 8080, true),
    app("api-gateway", "docker.io/kong/kong-gateway", 8000, true),
    app("redis", "redis", 6379, false),
    app("postgres", "postgres", 5432, false),
    app("kafka", "bitnami/kafka", 9092, false),
    app("prometheus", "quay.io/prometheus/prometheus", 9090, true),
    app("grafana", "grafana/grafana", 3000, true),
    app(
        "node-exporter",
        "quay.io/prometheus/node-exporter",
        9100,
        true,
    ),
    app(
        "fluent-bit",
        "cr.fluentbit.io/fluent/fluent-bit",
        2020,
        true,
    ),
    app("orders", "acmecorp.azurecr.io/orders", 8080, true),
    app("shipping", "ghcr.io/acme/shipping", 50051, false),
    app(
        "catalog",
        "registry.example.com:443/team-a/catalog",
        8080,
        true,
    ),
    app(
        "reviews",
        "docker.io/istio/examples-bookinfo-reviews-v1",
        9080,
        true,
    ),
    app("image-resizer", "ghcr.io/acme/image-resizer", 8080, true),
    app("session-store", "memcached", 11211, false),
    app("rate-limiter", "envoyproxy/ratelimit", 8081, true),
    app("audit-log", "ghcr.io/acme/audit-log", 8080, true),
    app(
        "report-generator",
        "ghcr.io/acme/report-generator",
        8080,
        true,
    ),
    app("mongodb", "mongo", 27017, false),
];

const NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "monitoring",
    "logging",
    "ingress-nginx",
    "cert-manager",
    "payments",
    "checkout",
    "storefront",
    "backend",
    "data",
    "analytics",
    "staging",
    "production",
    "dev",
    "qa",
    "platform",
    "security",
    "batch",
    "ml-serving",
];

const TAGS: &[&str] = &[
    "1.25.3",
    "7.2.4-alpine",
    "16.2",
    "v2.14.0",
    "3.19.1",
    "2024.05.1",
    "sha-4f2a9c1",
    "1.0.0-rc.1",
    "main",
    "stable",
    "v0.48.1",
    "8.13.4",
    "20240611-3b1e2c7",
];

/// A sidecar container: name, image and an optional (port name, port).
struct Sidecar {
    name: &'static str,
    image: &'static str,
    port: Option<(&'static str, u16)>,
}

const SIDECARS: &[Sidecar] = &[
    Sidecar {
        name: "istio-proxy",
        image: "docker.io/istio/proxyv2:1.21.2",
        port: Some(("http-envoy-prom", 15090)),
    },
    Sidecar {
        name: "log-shipper",
        image: "cr.fluentbit.io/fluent/fluent-bit:3.0.4",
        port: Some(("fb-metrics", 2021)),
    },
    Sidecar {
        name: "cloud-sql-proxy",
        image: "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0",
        port: None,
    },
    Sidecar {
        name: "vault-agent",
        image: "hashicorp/vault:latest",
        port: None,
    },
    Sidecar {
        name: "oauth2-proxy",
        image: "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0",
        port: Some(("oauth", 4180)),
    },
    Sidecar {
        name: "config-reloader",
        image: "ghcr.io/stakater/reloader",
        port: None,
    },
];

/// Literal environment variables. Values such as `"8080"`, `"true"`,
/// `"off"` and `"0.25"` must come out quoted.
const ENV: &[(&str, &str)] = &[
    ("LOG_LEVEL", "info"),
    ("PORT", "8080"),
    ("ENABLE_TRACING", "true"),
    ("FEATURE_NEW_CHECKOUT", "off"),
    ("JAVA_OPTS", "-Xms256m -Xmx512m -XX:+UseG1GC"),
    ("NODE_ENV", "production"),
    ("SPRING_PROFILES_ACTIVE", "prod,kubernetes"),
    (
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "http://otel-collector.monitoring.svc:4317",
    ),
    ("WORKERS", "4"),
    ("SAMPLE_RATIO", "0.25"),
    ("TZ", "UTC"),
    ("CACHE_TTL", "5m"),
    ("REDIS_HOST", "redis-master.data.svc.cluster.local"),
    ("DEBUG", "no"),
    ("RETRY_BACKOFF", "1.5"),
    (
        "ALLOWED_ORIGINS",
        "https://app.example.com, https://admin.example.com",
    ),
    ("PYTHONUNBUFFERED", "1"),
    ("BANNER", "hello: world # not a comment"),
    ("RELEASE_DATE", "2024-06-11"),
    ("MAX_HEAP", "1e3"),
];

/// Kinds and their weights (per mille); Deployments are about 35%.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    Pod,
    Service,
    ConfigMap,
    Secret,
    ServiceAccount,
    Role,
    RoleBinding,
    NetworkPolicy,
    Ingress,
    LimitRange,
}

const KINDS: &[(u64, Kind)] = &[
    (350, Kind::Deployment),
    (50, Kind::StatefulSet),
    (30, Kind::DaemonSet),
    (40, Kind::Job),
    (40, Kind::CronJob),
    (50, Kind::Pod),
    (110, Kind::Service),
    (90, Kind::ConfigMap),
    (60, Kind::Secret),
    (50, Kind::ServiceAccount),
    (30, Kind::Role),
    (30, Kind::RoleBinding),
    (30, Kind::NetworkPolicy),
    (30, Kind::Ingress),
    (10, Kind::LimitRange),
];

impl Kind {
    fn template_file(self) -> &'static str {
        match self {
            Kind::Deployment => "deployment.yaml",
            Kind::StatefulSet => "statefulset.yaml",
            Kind::DaemonSet => "daemonset.yaml",
            Kind::Job => "job.yaml",
            Kind::CronJob => "cronjob.yaml",
            Kind::Pod => "tests/test-connection.yaml",
            Kind::Service => "service.yaml",
            Kind::ConfigMap => "configmap.yaml",
            Kind::Secret => "secret.yaml",
            Kind::ServiceAccount => "serviceaccount.yaml",
            Kind::Role => "role.yaml",
            Kind::RoleBinding => "rolebinding.yaml",
            Kind::NetworkPolicy => "networkpolicy.yaml",
            Kind::Ingress => "ingress.yaml",
            Kind::LimitRange => "limitrange.yaml",
        }
    }
}

/// Label or annotation pairs, in the order written.
type Labels = Vec<(String, String)>;

/// How documents are separated in one file.
#[derive(Clone, Copy)]
enum FileStyle {
    /// `---` between documents only, as people write by hand.
    Between,
    /// `---` before every document, as `kubectl get -o yaml` concatenations.
    Leading,
    /// `helm template` output: `---` and a `# Source:` comment.
    Helm(&'static str),
}

/// Generates objects. One instance writes a whole corpus, so object ids
/// (and with them names) are unique across it.
pub struct Generator {
    rng: Rng,
    next_id: u64,
    /// Extra indentation of sequence entries under their key in the object
    /// being written: 0 (`kubectl` style) or 2.
    so: usize,
    /// The object being written is a lean one: optional extras (probes, env,
    /// volumes, sidecars, annotations...) are left out, as in manifests
    /// made with `kubectl create` or a minimal chart.
    lean: bool,
}

/// Which pod-bearing kind a pod spec is written for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PodOwner {
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
    Pod,
}

/// A pod volume's source.
enum Source {
    EmptyDir,
    ConfigMap,
    Secret,
    /// Host path and `type` (empty: unset).
    HostPath(&'static str, &'static str),
}

struct Mount {
    volume: String,
    path: String,
    read_only: bool,
}

impl Generator {
    pub fn new(seed: u64) -> Generator {
        Generator {
            rng: Rng::new(seed),
            next_id: 0,
            so: 0,
            lean: false,
        }
    }

    /// One file's text holding exactly `count` objects (a `kind: List`
    /// counts as the objects it wraps).
    pub fn file(&mut self, count: u64) -> String {
        let mut y = Yaml::default();
        let style = match self.rng.below(100) {
            0..40 => FileStyle::Leading,
            40..75 => FileStyle::Between,
            _ => FileStyle::Helm(self.rng.pick_ref(APPS).name),
        };
        let mut left = count;
        let mut first = true;
        while left > 0 {
            let list = if left >= 2 && self.rng.chance(2) {
                self.rng.range(2, 3.min(left))
            } else {
                0
            };
            let kind = self.rng.weighted(KINDS);
            match style {
                FileStyle::Leading => y.line("---"),
                FileStyle::Between if !first => y.line("---"),
                FileStyle::Between => {}
                FileStyle::Helm(chart) => {
                    y.line("---");
                    let file = if list > 0 {
                        "extra-objects.yaml"
                    } else {
                        kind.template_file()
                    };
                    y.line(&format!("# Source: {chart}/templates/{file}"));
                }
            }
            first = false;
            if list > 0 {
                self.list(&mut y, list);
                left -= list;
            } else {
                self.object(&mut y, 0, kind);
                left -= 1;
            }
        }
        y.out
    }

    /// `kind: List` as `kubectl get -o yaml` prints it: items first, in
    /// kubectl's unindented sequence style.
    fn list(&mut self, y: &mut Yaml, n: u64) {
        y.str(0, "apiVersion", "v1");
        y.key(0, "items");
        for _ in 0..n {
            let kind = self.rng.weighted(KINDS);
            y.item(0);
            self.object(y, 2, kind);
        }
        y.str(0, "kind", "List");
        y.key(0, "metadata");
        y.str(2, "resourceVersion", "");
    }

    fn object(&mut self, y: &mut Yaml, ind: usize, kind: Kind) {
        self.so = if self.rng.chance(60) { 0 } else { 2 };
        self.lean = self.rng.chance(50);
        match kind {
            Kind::Deployment => self.workload(y, ind, PodOwner::Deployment),
            Kind::StatefulSet => self.workload(y, ind, PodOwner::StatefulSet),
            Kind::DaemonSet => self.workload(y, ind, PodOwner::DaemonSet),
            Kind::Job => self.workload(y, ind, PodOwner::Job),
            Kind::Pod => self.workload(y, ind, PodOwner::Pod),
            Kind::CronJob => self.cron_job(y, ind),
            Kind::Service => self.service(y, ind),
            Kind::ConfigMap => self.config_map(y, ind),
            Kind::Secret => self.secret(y, ind),
            Kind::ServiceAccount => self.service_account(y, ind),
            Kind::Role => self.role(y, ind),
            Kind::RoleBinding => self.role_binding(y, ind),
            Kind::NetworkPolicy => self.network_policy(y, ind),
            Kind::Ingress => self.ingress(y, ind),
            Kind::LimitRange => self.limit_range(y, ind),
        }
    }

    // ---------------------------------------------------------------- pieces

    /// Column of the dash of a sequence whose key is at `ind`.
    fn seq(&self, ind: usize) -> usize {
        ind + self.so
    }

    /// A unique DNS-label name for an object of `app`.
    fn name(&mut self, base: &str) -> String {
        let id = self.next_id;
        self.next_id += 1;
        format!("{base}-{id:05x}")
    }

    /// A namespace, or `None` (no `metadata.namespace`) for ~8% of objects.
    fn namespace(&mut self) -> Option<&'static str> {
        if self.rng.chance(8) {
            None
        } else {
            Some(self.rng.pick(NAMESPACES))
        }
    }

    /// An optional extra: true with probability `percent`/100, never for a
    /// lean object.
    fn rich(&mut self, percent: u64) -> bool {
        !self.lean && self.rng.chance(percent)
    }

    /// A boolean, now and then in a YAML 1.1 spelling kubectl still reads.
    fn boolean(&mut self, v: bool) -> &'static str {
        if self.rng.chance(10) {
            if v {
                self.rng.pick(&["yes", "on", "True", "YES"])
            } else {
                self.rng.pick(&["no", "off", "False"])
            }
        } else if v {
            "true"
        } else {
            "false"
        }
    }

    fn image(&mut self, repo: &str) -> String {
        match self.rng.below(100) {
            0..55 => format!("{repo}:{}", self.rng.pick(TAGS)),
            55..67 => format!("{repo}:latest"),
            67..75 => repo.to_string(),
            75..90 => format!("{repo}@sha256:{}", self.rng.hex(64)),
            _ => format!("{repo}:{}@sha256:{}", self.rng.pick(TAGS), self.rng.hex(64)),
        }
    }

    /// Selector labels (always on the template) and extra labels.
    fn labels(&mut self, app: &str, name: &str) -> (Labels, Labels) {
        let selector = if self.rng.chance(40) {
            vec![("app".to_string(), app.to_string())]
        } else {
            vec![
                ("app.kubernetes.io/name".to_string(), app.to_string()),
                ("app.kubernetes.io/instance".to_string(), name.to_string()),
            ]
        };
        // Several of these values look like numbers or booleans to YAML 1.1.
        let pool: [(&str, &[&str]); 12] = [
            (
                "app.kubernetes.io/version",
                &["1.4.2", "2.0", "3", "v1.8.0"],
            ),
            (
                "app.kubernetes.io/component",
                &["api", "worker", "database", "cache", "frontend"],
            ),
            (
                "app.kubernetes.io/part-of",
                &["shop", "platform", "observability"],
            ),
            (
                "app.kubernetes.io/managed-by",
                &["Helm", "kustomize", "argocd"],
            ),
            ("team", &["payments", "platform", "data", "sre", "growth"]),
            ("environment", &["prod", "staging", "dev", "qa"]),
            ("version", &["1.0", "2", "v3", "1.10"]),
            ("canary", &["true", "false"]),
            ("tier", &["frontend", "backend", "data"]),
            ("cost-center", &["1234", "4410", "cc-88", "0042"]),
            ("release", &["stable", "canary", "2024.05"]),
            ("istio-injection", &["enabled", "on", "off"]),
        ];
        let mut extra = Vec::new();
        if self.rng.chance(30) {
            extra.push((
                "helm.sh/chart".to_string(),
                format!("{app}-1.{}.{}", self.rng.below(20), self.rng.below(10)),
            ));
        }
        let n = self.rng.below(5) as usize;
        for i in self.sample(pool.len(), n) {
            let (k, vs) = pool[i];
            extra.push((k.to_string(), self.rng.pick(vs).to_string()));
        }
        (selector, extra)
    }

    /// `k` distinct indices below `n`, in random order.
    fn sample(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        let k = k.min(n);
        for i in 0..k {
            let j = i + self.rng.below((n - i) as u64) as usize;
            idx.swap(i, j);
        }
        idx.truncate(k);
        idx
    }

    /// A string map under `key`, in flow style now and then when short.
    fn map(&mut self, y: &mut Yaml, ind: usize, key: &str, pairs: &[(String, String)]) {
        let len: usize = pairs.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
        if pairs.is_empty() {
            y.raw(ind, key, "{}");
        } else if len < 70 && self.rng.chance(25) {
            y.raw(ind, key, flow_map(pairs));
        } else {
            y.key(ind, key);
            for (k, v) in pairs {
                y.str(ind + 2, k, v);
            }
        }
    }

    fn object_annotations(&mut self, app: &str) -> Vec<(String, String)> {
        let mut a = Vec::new();
        if self.rich(25) {
            a.push((
                "kubernetes.io/change-cause".to_string(),
                format!(
                    "kubectl set image deployment/{app} {app}={app}:{}",
                    self.rng.pick(TAGS)
                ),
            ));
        }
        if self.rich(15) {
            a.push((
                "deployment.kubernetes.io/revision".to_string(),
                self.rng.range(1, 40).to_string(),
            ));
        }
        if self.rich(10) {
            a.push((
                "argocd.argoproj.io/sync-wave".to_string(),
                self.rng.range(0, 5).to_string(),
            ));
        }
        if self.rich(10) {
            a.push(("meta.helm.sh/release-name".to_string(), app.to_string()));
        }
        if self.rng.chance(2) {
            // A suppression with its reason, as the scanner documents them.
            let rule =
                self.rng
                    .pick(&["run-as-root", "image-latest-tag", "missing-resource-limits"]);
            a.push((
                format!("ignore-check.rampart.dev/{rule}"),
                "accepted risk: tracked in SEC-1234 until the next release".to_string(),
            ));
        }
        a
    }

    fn metadata(
        &mut self,
        y: &mut Yaml,
        ind: usize,
        name: &str,
        ns: Option<&str>,
        labels: &[(String, String)],
        annotations: &[(String, String)],
    ) {
        y.key(ind, "metadata");
        let m = ind + 2;
        y.str(m, "name", name);
        if let Some(ns) = ns {
            y.str(m, "namespace", ns);
        }
        if !labels.is_empty() {
            self.map(y, m, "labels", labels);
        }
        if self.rich(4) {
            // A long-form annotation as a folded block scalar; it needs the
            // block style for the whole map.
            y.key(m, "annotations");
            for (k, v) in annotations {
                y.str(m + 2, k, v);
            }
            y.block(
                m + 2,
                "description",
                ">-",
                "Owned by the platform team. Changes go through the\nchange-management process; see the runbook for rollbacks\nand on-call escalation.",
            );
        } else if !annotations.is_empty() {
            self.map(y, m, "annotations", annotations);
        }
    }

    // ------------------------------------------------------------- workloads

    fn workload(&mut self, y: &mut Yaml, ind: usize, owner: PodOwner) {
        let app = self.rng.pick_ref(APPS);
        let name = self.name(app.name);
        let ns = self.namespace();
        let (selector, extra) = self.labels(app.name, &name);
        let (api, kind) = match owner {
            PodOwner::Deployment => ("apps/v1", "Deployment"),
            PodOwner::StatefulSet => ("apps/v1", "StatefulSet"),
            PodOwner::DaemonSet => ("apps/v1", "DaemonSet"),
            PodOwner::Job => ("batch/v1", "Job"),
            PodOwner::Pod => ("v1", "Pod"),
        };
        y.str(ind, "apiVersion", api);
        y.str(ind, "kind", kind);
        let mut obj_labels = selector.clone();
        obj_labels.extend(extra.iter().cloned());
        let annotations = self.object_annotations(app.name);
        self.metadata(y, ind, &name, ns, &obj_labels, &annotations);
        y.key(ind, "spec");
        let s = ind + 2;
        if owner == PodOwner::Pod {
            self.pod_spec(y, s, app, &name, owner, None);
            return;
        }
        match owner {
            PodOwner::Deployment | PodOwner::StatefulSet if self.rng.chance(85) => {
                y.raw(s, "replicas", self.rng.range(1, 6));
            }
            PodOwner::Job => {
                y.raw(s, "backoffLimit", self.rng.range(0, 6));
                if self.rich(30) {
                    let n = self.rng.range(1, 10);
                    y.raw(s, "completions", n);
                    y.raw(s, "parallelism", self.rng.range(1, n));
                }
                if self.rich(50) {
                    y.raw(
                        s,
                        "ttlSecondsAfterFinished",
                        self.rng.pick(&[300, 3600, 86400]),
                    );
                }
            }
            _ => {}
        }
        if owner == PodOwner::StatefulSet {
            y.str(s, "serviceName", &format!("{name}-headless"));
            if self.rich(30) {
                y.str(s, "podManagementPolicy", "Parallel");
            }
        }
        if owner != PodOwner::Job {
            y.key(s, "selector");
            self.map(y, s + 2, "matchLabels", &selector);
            if self.rich(20) {
                y.raw(s, "revisionHistoryLimit", self.rng.range(1, 10));
            }
        }
        match owner {
            PodOwner::Deployment if self.rich(40) => {
                y.key(s, "strategy");
                y.str(s + 2, "type", "RollingUpdate");
                y.key(s + 2, "rollingUpdate");
                // IntOrString: `25%` is a plain string, `1` an integer.
                if self.rng.chance(50) {
                    y.str(s + 4, "maxSurge", "25%");
                    y.str(s + 4, "maxUnavailable", "25%");
                } else {
                    y.raw(s + 4, "maxSurge", 1);
                    y.raw(s + 4, "maxUnavailable", 0);
                }
            }
            PodOwner::DaemonSet if self.rng.chance(50) => {
                y.key(s, "updateStrategy");
                y.str(s + 2, "type", "RollingUpdate");
                y.key(s + 2, "rollingUpdate");
                y.raw(s + 4, "maxUnavailable", 1);
            }
            _ => {}
        }
        y.key(s, "template");
        let mut tpl_labels = selector.clone();
        for (k, v) in &extra {
            if self.rng.chance(70) {
                tpl_labels.push((k.clone(), v.clone()));
            }
        }
        self.pod_template_metadata(y, s + 2, &tpl_labels);
        y.key(s + 2, "spec");
        let claim = (owner == PodOwner::StatefulSet && self.rng.chance(60)).then_some("data");
        self.pod_spec(y, s + 4, app, &name, owner, claim);
        if let Some(claim) = claim {
            y.key(s, "volumeClaimTemplates");
            let d = self.seq(s);
            y.item(d);
            y.key(d + 2, "metadata");
            y.str(d + 4, "name", claim);
            y.key(d + 2, "spec");
            y.raw(d + 4, "accessModes", flow_seq(&["ReadWriteOnce"], false));
            if self.rng.chance(60) {
                y.str(
                    d + 4,
                    "storageClassName",
                    self.rng.pick(&["gp3", "standard-rwo", "fast-ssd"]),
                );
            }
            y.key(d + 4, "resources");
            y.key(d + 6, "requests");
            y.str(
                d + 8,
                "storage",
                self.rng.pick(&["1Gi", "10Gi", "50Gi", "200Gi"]),
            );
        }
    }

    fn pod_template_metadata(&mut self, y: &mut Yaml, ind: usize, labels: &[(String, String)]) {
        y.key(ind, "metadata");
        self.map(y, ind + 2, "labels", labels);
        let mut ann = Vec::new();
        if self.rich(30) {
            ann.push(("prometheus.io/scrape".to_string(), "true".to_string()));
            ann.push((
                "prometheus.io/port".to_string(),
                self.rng.pick(&["9090", "8080", "9102"]).to_string(),
            ));
            if self.rng.chance(50) {
                ann.push(("prometheus.io/path".to_string(), "/metrics".to_string()));
            }
        }
        if self.rich(20) {
            ann.push(("checksum/config".to_string(), self.rng.hex(64)));
        }
        if self.rich(10) {
            ann.push((
                "sidecar.istio.io/inject".to_string(),
                self.boolean(false).to_string(),
            ));
        }
        if self.rich(5) {
            ann.push((
                "container.apparmor.security.beta.kubernetes.io/app".to_string(),
                "runtime/default".to_string(),
            ));
        }
        if !ann.is_empty() {
            self.map(y, ind + 2, "annotations", &ann);
        }
    }

    /// A PodSpec at `ind`. `claim` names a StatefulSet volume claim the
    /// main container mounts.
    fn pod_spec(
        &mut self,
        y: &mut Yaml,
        ind: usize,
        app: &App,
        name: &str,
        owner: PodOwner,
        claim: Option<&str>,
    ) {
        let daemon = owner == PodOwner::DaemonSet;
        if self.rich(40) {
            y.str(ind, "serviceAccountName", name);
        }
        if self.rich(15) {
            let v = self.boolean(false);
            y.raw(ind, "automountServiceAccountToken", v);
        }
        let host_network = self.rng.chance(if daemon { 40 } else { 2 });
        if host_network {
            let v = self.boolean(true);
            y.raw(ind, "hostNetwork", v);
            y.str(ind, "dnsPolicy", "ClusterFirstWithHostNet");
        }
        if self.rng.chance(if daemon { 15 } else { 1 }) {
            let v = self.boolean(true);
            y.raw(ind, "hostPID", v);
        }
        // Pod-level securityContext; `non_root` makes the containers'
        // runAsUser 0 variant pointless, so it is not drawn then.
        let mut non_root = false;
        match self.rng.below(100) {
            0..35 => {
                non_root = true;
                y.key(ind, "securityContext");
                let v = self.boolean(true);
                y.raw(ind + 2, "runAsNonRoot", v);
                y.raw(ind + 2, "runAsUser", 10001);
                y.raw(ind + 2, "runAsGroup", 10001);
                y.raw(ind + 2, "fsGroup", 10001);
                if self.rng.chance(50) {
                    y.raw(ind + 2, "seccompProfile", "{type: RuntimeDefault}");
                } else {
                    y.key(ind + 2, "seccompProfile");
                    y.str(ind + 4, "type", "RuntimeDefault");
                }
            }
            35..45 => {
                y.key(ind, "securityContext");
                y.raw(ind + 2, "fsGroup", 2000);
            }
            45..48 => {
                y.key(ind, "securityContext");
                y.raw(ind + 2, "runAsUser", 0);
            }
            48..52 => y.raw(ind, "securityContext", "{}"),
            _ => {}
        }
        if self.rich(15) {
            y.key(ind, "nodeSelector");
            y.str(ind + 2, "kubernetes.io/os", "linux");
            if self.rng.chance(50) {
                y.str(
                    ind + 2,
                    "node.kubernetes.io/instance-type",
                    self.rng.pick(&["m5.large", "n2-standard-4", "c6i.2xlarge"]),
                );
            }
        }
        if self.rich(if daemon { 80 } else { 8 }) {
            y.key(ind, "tolerations");
            let d = self.seq(ind);
            if daemon && self.rng.chance(50) {
                y.item(d);
                y.str(d + 2, "operator", "Exists");
            } else {
                y.item(d);
                y.str(d + 2, "key", "dedicated");
                y.str(d + 2, "operator", "Equal");
                y.str(
                    d + 2,
                    "value",
                    self.rng.pick(&["batch", "gpu", "1", "true"]),
                );
                y.str(d + 2, "effect", "NoSchedule");
            }
        }
        if self.rich(if daemon { 20 } else { 4 }) {
            y.str(
                ind,
                "priorityClassName",
                if daemon {
                    "system-node-critical"
                } else {
                    "high-priority"
                },
            );
        }
        if self.rich(20) {
            y.raw(
                ind,
                "terminationGracePeriodSeconds",
                self.rng.pick(&[10, 30, 60, 120]),
            );
        }

        // Volumes first (not written yet): mounts must name them.
        let mut volumes: Vec<(&'static str, Source)> = Vec::new();
        let mut mounts: Vec<Mount> = Vec::new();
        if self.rich(45) {
            volumes.push(("tmp", Source::EmptyDir));
            mounts.push(Mount {
                volume: "tmp".into(),
                path: "/tmp".into(),
                read_only: false,
            });
        }
        if self.rich(35) {
            volumes.push(("config", Source::ConfigMap));
            mounts.push(Mount {
                volume: "config".into(),
                path: format!("/etc/{}", app.name),
                read_only: true,
            });
        }
        if self.rich(20) {
            volumes.push(("tls", Source::Secret));
            mounts.push(Mount {
                volume: "tls".into(),
                path: "/etc/tls".into(),
                read_only: self.rng.chance(80),
            });
        }
        if self.rng.chance(if daemon { 60 } else { 4 }) {
            let (vname, path, ty) = self.rng.pick(&[
                ("varlog", "/var/log", "Directory"),
                ("docker-sock", "/var/run/docker.sock", "Socket"),
                ("host-root", "/", "Directory"),
                ("proc", "/proc", ""),
                ("containerd", "/var/lib/containerd", "DirectoryOrCreate"),
            ]);
            volumes.push((vname, Source::HostPath(path, ty)));
            let mount_path = if path == "/" {
                "/host".to_string()
            } else {
                format!("/host{path}")
            };
            mounts.push(Mount {
                volume: vname.into(),
                path: mount_path,
                read_only: self.rng.chance(50),
            });
        }
        if let Some(claim) = claim {
            mounts.push(Mount {
                volume: claim.into(),
                path: "/var/lib/data".into(),
                read_only: false,
            });
        }

        if self
            .rng
            .chance(if owner == PodOwner::Job { 10 } else { 18 })
        {
            y.key(ind, "initContainers");
            let d = self.seq(ind);
            y.item(d);
            self.init_container(y, d + 2, app, non_root);
        }
        y.key(ind, "containers");
        let d = self.seq(ind);
        let n = if self.lean {
            1
        } else {
            self.rng.weighted(&[(75, 1usize), (20, 2), (5, 3)])
        };
        y.item(d);
        self.container(y, d + 2, app, &mounts, non_root);
        for i in self.sample(SIDECARS.len(), n - 1) {
            y.item(d);
            self.sidecar(y, d + 2, i, &volumes, non_root);
        }

        if !volumes.is_empty() {
            y.key(ind, "volumes");
            for (vname, src) in &volumes {
                y.item(d);
                let v = d + 2;
                y.str(v, "name", vname);
                match src {
                    Source::EmptyDir => {
                        if self.rng.chance(25) {
                            y.key(v, "emptyDir");
                            y.str(v + 2, "medium", "Memory");
                            y.str(v + 2, "sizeLimit", "64Mi");
                        } else {
                            y.raw(v, "emptyDir", "{}");
                        }
                    }
                    Source::ConfigMap => {
                        y.key(v, "configMap");
                        y.str(v + 2, "name", &format!("{name}-config"));
                        if self.rng.chance(30) {
                            y.key(v + 2, "items");
                            let e = self.seq(v + 2);
                            y.item(e);
                            y.str(e + 2, "key", "application.yaml");
                            y.str(e + 2, "path", "application.yaml");
                        }
                    }
                    Source::Secret => {
                        y.key(v, "secret");
                        y.str(v + 2, "secretName", &format!("{name}-tls"));
                        match self.rng.below(3) {
                            // YAML 1.1 octal, as kubectl reads it: 0400 is 256.
                            0 => y.raw(v + 2, "defaultMode", "0400"),
                            1 => y.raw(v + 2, "defaultMode", 420),
                            _ => {}
                        }
                        if self.rng.chance(20) {
                            let b = self.boolean(true);
                            y.raw(v + 2, "optional", b);
                        }
                    }
                    Source::HostPath(path, ty) => {
                        y.key(v, "hostPath");
                        y.str(v + 2, "path", path);
                        if !ty.is_empty() {
                            y.str(v + 2, "type", ty);
                        }
                    }
                }
            }
        }
        if self.rich(15) {
            y.key(ind, "imagePullSecrets");
            y.item(d);
            y.str(d + 2, "name", "regcred");
        }
        match owner {
            PodOwner::Job => {
                let policy = self.rng.pick(&["Never", "OnFailure"]);
                y.str(ind, "restartPolicy", policy);
            }
            PodOwner::Pod if self.rng.chance(50) => {
                let policy = self.rng.pick(&["Always", "Never", "OnFailure"]);
                y.str(ind, "restartPolicy", policy);
            }
            _ => {}
        }
    }

    /// The application's main container.
    fn container(&mut self, y: &mut Yaml, c: usize, app: &App, mounts: &[Mount], non_root: bool) {
        y.str(c, "name", app.name);
        let image = self.image(app.repo);
        y.str(c, "image", &image);
        if self.rich(40) {
            y.str(
                c,
                "imagePullPolicy",
                self.rng.pick(&["IfNotPresent", "Always"]),
            );
        }
        if self.rich(25) {
            let args = [
                format!("--port={}", app.port),
                "--log-format=json".to_string(),
            ];
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            if self.rng.chance(50) {
                y.raw(c, "args", flow_seq(&args, true));
            } else {
                y.key(c, "args");
                let d = self.seq(c);
                for a in args {
                    y.str_item(d, a);
                }
            }
        }
        // Ports.
        let metrics = app.port != 9090 && self.rich(30);
        if self.rng.chance(30) && !metrics {
            let pname = if app.http { "http" } else { "tcp" };
            y.raw(
                c,
                "ports",
                format!(
                    "[{{name: {pname}, containerPort: {}, protocol: TCP}}]",
                    app.port
                ),
            );
        } else {
            y.key(c, "ports");
            let d = self.seq(c);
            y.item(d);
            y.str(d + 2, "name", if app.http { "http" } else { "tcp" });
            y.raw(d + 2, "containerPort", app.port);
            y.str(d + 2, "protocol", "TCP");
            if metrics {
                y.item(d);
                y.str(d + 2, "name", "metrics");
                y.raw(d + 2, "containerPort", 9090);
            }
        }
        self.env(y, c);
        if self.rich(15) {
            y.key(c, "envFrom");
            let d = self.seq(c);
            y.item(d);
            y.key(d + 2, "configMapRef");
            y.str(d + 4, "name", &format!("{}-env", app.name));
        }
        self.resources(y, c);
        if self.rich(55) {
            self.probe(y, c, "livenessProbe", app);
        }
        if self.rich(45) {
            self.probe(y, c, "readinessProbe", app);
        }
        if !mounts.is_empty() {
            y.key(c, "volumeMounts");
            let d = self.seq(c);
            for m in mounts {
                y.item(d);
                y.str(d + 2, "name", &m.volume);
                y.str(d + 2, "mountPath", &m.path);
                if m.read_only {
                    let v = self.boolean(true);
                    y.raw(d + 2, "readOnly", v);
                }
            }
        }
        self.container_security(y, c, non_root);
    }

    fn sidecar(
        &mut self,
        y: &mut Yaml,
        c: usize,
        which: usize,
        volumes: &[(&str, Source)],
        non_root: bool,
    ) {
        let sidecar = &SIDECARS[which];
        y.str(c, "name", sidecar.name);
        y.str(c, "image", sidecar.image);
        if let Some((pname, p)) = sidecar.port {
            y.key(c, "ports");
            let d = self.seq(c);
            y.item(d);
            y.str(d + 2, "name", pname);
            y.raw(d + 2, "containerPort", p);
        }
        if self.rng.chance(70) {
            self.resources(y, c);
        }
        if volumes.iter().any(|(v, _)| *v == "tmp") && self.rng.chance(50) {
            y.key(c, "volumeMounts");
            let d = self.seq(c);
            y.item(d);
            y.str(d + 2, "name", "tmp");
            y.str(d + 2, "mountPath", "/tmp");
        }
        self.container_security(y, c, non_root);
    }

    fn init_container(&mut self, y: &mut Yaml, c: usize, app: &App, non_root: bool) {
        match self.rng.below(3) {
            0 => {
                y.str(c, "name", "wait-for-db");
                y.str(c, "image", "busybox:1.36");
                y.raw(
                    c,
                    "command",
                    flow_seq(
                        &[
                            "sh",
                            "-c",
                            "until nc -z postgres 5432; do echo waiting for db; sleep 2; done",
                        ],
                        true,
                    ),
                );
            }
            1 => {
                y.str(c, "name", "migrate");
                let image = self.image(app.repo);
                y.str(c, "image", &image);
                y.key(c, "command");
                let d = self.seq(c);
                y.str_item(d, "/app/migrate");
                y.str_item(d, "--up");
                y.str_item(d, "--timeout=5m");
            }
            _ => {
                y.str(c, "name", "fix-permissions");
                y.str(c, "image", "alpine:3.19");
                y.raw(
                    c,
                    "command",
                    flow_seq(&["sh", "-c", "chown -R 10001:10001 /data"], true),
                );
                if !non_root {
                    // Root on purpose: chown needs it.
                    y.key(c, "securityContext");
                    y.raw(c + 2, "runAsUser", 0);
                    return;
                }
            }
        }
        if self.rich(50) {
            self.container_security(y, c, non_root);
        }
    }

    fn env(&mut self, y: &mut Yaml, c: usize) {
        let literal = self.rng.below(if self.lean { 3 } else { 4 }) as usize;
        let from = self.rng.weighted(&[(60, 0usize), (30, 1), (10, 2)]);
        if literal + from == 0 {
            return;
        }
        y.key(c, "env");
        let d = self.seq(c);
        for i in self.sample(ENV.len(), literal) {
            let (k, v) = ENV[i];
            y.item(d);
            y.str(d + 2, "name", k);
            y.str(d + 2, "value", v);
        }
        for i in self.sample(5, from) {
            y.item(d);
            let e = d + 2;
            match i {
                0 => {
                    y.str(e, "name", "DB_PASSWORD");
                    y.key(e, "valueFrom");
                    y.key(e + 2, "secretKeyRef");
                    y.str(e + 4, "name", "db-credentials");
                    y.str(e + 4, "key", "password");
                }
                1 => {
                    y.str(e, "name", "LOG_FORMAT");
                    y.key(e, "valueFrom");
                    y.key(e + 2, "configMapKeyRef");
                    y.str(e + 4, "name", "app-settings");
                    y.str(e + 4, "key", "log.format");
                    let v = self.boolean(true);
                    y.raw(e + 4, "optional", v);
                }
                2 => {
                    y.str(e, "name", "POD_NAMESPACE");
                    y.key(e, "valueFrom");
                    y.raw(e + 2, "fieldRef", "{fieldPath: metadata.namespace}");
                }
                3 => {
                    y.str(e, "name", "POD_IP");
                    y.key(e, "valueFrom");
                    y.key(e + 2, "fieldRef");
                    y.str(e + 4, "fieldPath", "status.podIP");
                }
                _ => {
                    y.str(e, "name", "MEMORY_LIMIT");
                    y.key(e, "valueFrom");
                    y.key(e + 2, "resourceFieldRef");
                    y.str(e + 4, "resource", "limits.memory");
                }
            }
        }
    }

    /// Requests and, most of the time, limits no lower than the requests.
    fn resources(&mut self, y: &mut Yaml, c: usize) {
        if self.rng.chance(10) {
            return; // no resources at all
        }
        let cpu_req = self.rng.pick(&[50u64, 100, 250, 500, 1000]);
        let mem_req = self.rng.pick(&[64u64, 128, 256, 512, 1024, 2048]);
        let cpu = |m: u64| {
            if m % 1000 == 0 {
                (m / 1000).to_string()
            } else {
                format!("{m}m")
            }
        };
        let mem = |mi: u64| {
            if mi % 1024 == 0 {
                format!("{}Gi", mi / 1024)
            } else {
                format!("{mi}Mi")
            }
        };
        let limits = match self.rng.below(100) {
            0..25 => None,
            // Memory limit only: CPU throttling avoided on purpose.
            25..35 => Some((None, mem_req * 2)),
            _ => Some((
                Some(cpu_req * self.rng.pick(&[1u64, 2, 4])),
                mem_req * self.rng.pick(&[1u64, 2]),
            )),
        };
        y.key(c, "resources");
        let flow = self.rng.chance(20);
        // Whole cores as a bare YAML integer (`cpu: 2`): a Quantity accepts
        // a JSON number, and many hand-written manifests do this.
        let bare_cores = self.rng.chance(50);
        let section = |y: &mut Yaml, key: &str, cpu_v: Option<String>, mem_v: String| {
            if flow {
                let mut pairs = Vec::new();
                if let Some(cv) = cpu_v {
                    pairs.push(("cpu", cv));
                }
                pairs.push(("memory", mem_v));
                y.raw(c + 2, key, flow_map(&pairs));
            } else {
                y.key(c + 2, key);
                match cpu_v {
                    Some(cv) if bare_cores && cv.bytes().all(|b| b.is_ascii_digit()) => {
                        y.raw(c + 4, "cpu", cv)
                    }
                    Some(cv) => y.str(c + 4, "cpu", &cv),
                    None => {}
                }
                y.str(c + 4, "memory", &mem_v);
            }
        };
        if let Some((cpu_lim, mem_lim)) = limits {
            section(y, "limits", cpu_lim.map(cpu), mem(mem_lim));
        }
        section(y, "requests", Some(cpu(cpu_req)), mem(mem_req));
    }

    fn probe(&mut self, y: &mut Yaml, c: usize, key: &str, app: &App) {
        y.key(c, key);
        let p = c + 2;
        if app.http {
            y.key(p, "httpGet");
            y.str(
                p + 2,
                "path",
                if key == "livenessProbe" {
                    "/healthz"
                } else {
                    "/ready"
                },
            );
            if self.rng.chance(50) {
                y.str(p + 2, "port", "http");
            } else {
                y.raw(p + 2, "port", app.port);
            }
        } else if app.name == "postgres" {
            y.key(p, "exec");
            y.raw(
                p + 2,
                "command",
                flow_seq(&["pg_isready", "-U", "postgres"], true),
            );
        } else {
            y.key(p, "tcpSocket");
            y.raw(p + 2, "port", app.port);
        }
        y.raw(p, "initialDelaySeconds", self.rng.pick(&[0, 5, 10, 30]));
        y.raw(p, "periodSeconds", self.rng.pick(&[5, 10, 20]));
        if self.rng.chance(20) {
            y.raw(p, "failureThreshold", 3);
            y.raw(p, "timeoutSeconds", 2);
        }
    }

    /// Container securityContext: hardened, partial, absent or insecure.
    fn container_security(&mut self, y: &mut Yaml, c: usize, non_root: bool) {
        let k = c + 2;
        match self.rng.below(100) {
            0..33 => {
                y.key(c, "securityContext");
                let f = self.boolean(false);
                y.raw(k, "allowPrivilegeEscalation", f);
                let t = self.boolean(true);
                y.raw(k, "readOnlyRootFilesystem", t);
                let t = self.boolean(true);
                y.raw(k, "runAsNonRoot", t);
                y.raw(k, "runAsUser", 10001);
                if self.rng.chance(50) {
                    y.key(k, "capabilities");
                    y.raw(k + 2, "drop", flow_seq(&["ALL"], false));
                } else {
                    y.key(k, "capabilities");
                    y.key(k + 2, "drop");
                    y.str_item(self.seq(k + 2), "ALL");
                }
            }
            33..53 => {
                y.key(c, "securityContext");
                let t = self.boolean(true);
                y.raw(k, "runAsNonRoot", t);
                y.raw(k, "runAsUser", self.rng.pick(&[1000, 10001, 65534]));
            }
            53..80 => {}
            80..88 => {
                y.key(c, "securityContext");
                // `yes` and `on` are true for kubectl (YAML 1.1).
                let v = self.rng.pick(&["true", "true", "yes", "on", "True"]);
                y.raw(k, "privileged", v);
            }
            88..95 if !non_root => {
                y.key(c, "securityContext");
                y.raw(k, "runAsUser", 0);
                if self.rng.chance(50) {
                    let f = self.boolean(false);
                    y.raw(k, "runAsNonRoot", f);
                }
            }
            _ => {
                y.key(c, "securityContext");
                y.raw(
                    k,
                    "capabilities",
                    format!("{{add: {}}}", flow_seq(&["NET_ADMIN", "SYS_TIME"], false)),
                );
                let t = self.boolean(true);
                y.raw(k, "allowPrivilegeEscalation", t);
            }
        }
    }

    // ------------------------------------------------------- other objects

    fn cron_job(&mut self, y: &mut Yaml, ind: usize) {
        let app = self.rng.pick_ref(APPS);
        let name = self.name(app.name);
        let ns = self.namespace();
        let (selector, extra) = self.labels(app.name, &name);
        y.str(ind, "apiVersion", "batch/v1");
        y.str(ind, "kind", "CronJob");
        let mut labels = selector.clone();
        labels.extend(extra);
        let annotations = self.object_annotations(app.name);
        self.metadata(y, ind, &name, ns, &labels, &annotations);
        y.key(ind, "spec");
        let s = ind + 2;
        // Always quoted: a plain `*/5 * * * *` would be an alias.
        let schedule = self.rng.pick(&[
            "*/5 * * * *",
            "0 2 * * *",
            "30 3 * * 0",
            "@hourly",
            "0 */6 * * *",
            "15 4 1 * *",
        ]);
        y.raw(s, "schedule", double_quoted(schedule));
        if self.rng.chance(40) {
            y.str(
                s,
                "timeZone",
                self.rng
                    .pick(&["Etc/UTC", "Europe/Berlin", "America/New_York"]),
            );
        }
        y.str(
            s,
            "concurrencyPolicy",
            self.rng.pick(&["Forbid", "Allow", "Replace"]),
        );
        if self.rng.chance(50) {
            y.raw(s, "successfulJobsHistoryLimit", 3);
            y.raw(s, "failedJobsHistoryLimit", 1);
        }
        if self.rng.chance(10) {
            let v = self.boolean(false);
            y.raw(s, "suspend", v);
        }
        y.key(s, "jobTemplate");
        y.key(s + 2, "spec");
        y.raw(s + 4, "backoffLimit", self.rng.range(0, 4));
        y.key(s + 4, "template");
        self.pod_template_metadata(y, s + 6, &selector);
        y.key(s + 6, "spec");
        self.pod_spec(y, s + 8, app, &name, PodOwner::Job, None);
    }

    fn service(&mut self, y: &mut Yaml, ind: usize) {
        let app = self.rng.pick_ref(APPS);
        let name = self.name(app.name);
        let ns = self.namespace();
        let (selector, extra) = self.labels(app.name, &name);
        y.str(ind, "apiVersion", "v1");
        y.str(ind, "kind", "Service");
        let mut labels = selector.clone();
        labels.extend(extra);
        let ty = self
            .rng
            .weighted(&[(70, "ClusterIP"), (15, "NodePort"), (15, "LoadBalancer")]);
        let mut ann = Vec::new();
        if ty == "LoadBalancer" && self.rng.chance(60) {
            ann.push((
                "service.beta.kubernetes.io/aws-load-balancer-type".to_string(),
                "nlb".to_string(),
            ));
            ann.push((
                "service.beta.kubernetes.io/aws-load-balancer-internal".to_string(),
                "true".to_string(),
            ));
        }
        self.metadata(y, ind, &name, ns, &labels, &ann);
        y.key(ind, "spec");
        let s = ind + 2;
        if ty != "ClusterIP" || self.rng.chance(40) {
            y.str(s, "type", ty);
        }
        if ty == "ClusterIP" && self.rng.chance(15) {
            y.str(s, "clusterIP", "None");
        }
        self.map(y, s, "selector", &selector);
        y.key(s, "ports");
        let d = self.seq(s);
        y.item(d);
        y.str(d + 2, "name", if app.http { "http" } else { "tcp" });
        y.raw(d + 2, "port", if app.http { 80 } else { app.port });
        if self.rng.chance(50) {
            y.str(d + 2, "targetPort", if app.http { "http" } else { "tcp" });
        } else {
            y.raw(d + 2, "targetPort", app.port);
        }
        y.str(d + 2, "protocol", "TCP");
        if ty == "NodePort" && self.rng.chance(50) {
            y.raw(d + 2, "nodePort", 30000 + self.rng.below(2768));
        }
        if app.http && self.rng.chance(30) {
            y.item(d);
            y.str(d + 2, "name", "https");
            y.raw(d + 2, "port", 443);
            y.raw(d + 2, "targetPort", 8443);
        }
        if self.rng.chance(10) {
            y.str(s, "sessionAffinity", "ClientIP");
        }
    }

    fn config_map(&mut self, y: &mut Yaml, ind: usize) {
        let app = self.rng.pick_ref(APPS);
        let name = format!("{}-config", self.name(app.name));
        let ns = self.namespace();
        let (selector, _) = self.labels(app.name, &name);
        y.str(ind, "apiVersion", "v1");
        y.str(ind, "kind", "ConfigMap");
        self.metadata(y, ind, &name, ns, &selector, &[]);
        if self.rng.chance(10) {
            let v = self.boolean(true);
            y.raw(ind, "immutable", v);
        }
        y.key(ind, "data");
        let d = ind + 2;
        // Flat settings: every value a string, several of them quoted.
        let flat: [(&str, &str); 8] = [
            ("LOG_LEVEL", "info"),
            ("MAX_CONNECTIONS", "100"),
            ("ENABLE_CACHE", "true"),
            ("FEATURE_FLAGS", "checkout-v2,dark-mode"),
            ("TIMEOUT_SECONDS", "30"),
            ("RATIO", "0.5"),
            ("MAINTENANCE_MODE", "off"),
            ("EMPTY_VALUE", ""),
        ];
        let n = self.rng.range(1, 5) as usize;
        for i in self.sample(flat.len(), n) {
            y.str(d, flat[i].0, flat[i].1);
        }
        if self.rng.chance(65) {
            let (key, style, text) = self.rng.pick(CONFIG_FILES);
            y.block(d, key, style, text);
        }
    }

    fn secret(&mut self, y: &mut Yaml, ind: usize) {
        let app = self.rng.pick_ref(APPS);
        let base = self.name(app.name);
        let ns = self.namespace();
        let ty = self.rng.weighted(&[
            (70, "Opaque"),
            (15, "kubernetes.io/tls"),
            (15, "kubernetes.io/dockerconfigjson"),
        ]);
        let name = match ty {
            "Opaque" => format!("{base}-credentials"),
            "kubernetes.io/tls" => format!("{base}-tls"),
            _ => format!("{base}-regcred"),
        };
        let (selector, _) = self.labels(app.name, &name);
        y.str(ind, "apiVersion", "v1");
        y.str(ind, "kind", "Secret");
        self.metadata(y, ind, &name, ns, &selector, &[]);
        y.str(ind, "type", ty);
        let d = ind + 2;
        match ty {
            "Opaque" => {
                if self.rng.chance(20) {
                    y.key(ind, "stringData");
                    y.str(d, "username", app.name);
                    y.str(d, "port", "5432");
                    let pw = self.token(20);
                    y.str(d, "password", &pw);
                } else {
                    y.key(ind, "data");
                    y.str(d, "username", &base64(app.name.as_bytes()));
                    let pw = self.token(24);
                    y.str(d, "password", &base64(pw.as_bytes()));
                    if self.rng.chance(50) {
                        let url = format!(
                            "postgres://{}:{pw}@postgres.data.svc:5432/{}",
                            app.name,
                            app.name.replace('-', "_")
                        );
                        y.str(d, "database-url", &base64(url.as_bytes()));
                    }
                    if self.rng.chance(30) {
                        let key = self.token(40);
                        y.str(d, "api-key", &base64(key.as_bytes()));
                    }
                }
            }
            "kubernetes.io/tls" => {
                y.key(ind, "data");
                let body = self.token(64);
                let cert =
                    format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
                let key = format!(
                    "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                    self.token(48)
                );
                y.str(d, "tls.crt", &base64(cert.as_bytes()));
                y.str(d, "tls.key", &base64(key.as_bytes()));
            }
            _ => {
                y.key(ind, "data");
                let auth = base64(format!("ci-bot:{}", self.token(16)).as_bytes());
                let json = format!(
                    "{{\"auths\":{{\"registry.example.com:5000\":{{\"auth\":\"{auth}\"}}}}}}"
                );
                y.str(d, ".dockerconfigjson", &base64(json.as_bytes()));
            }
        }
    }

    /// A random alphanumeric string.
    fn token(&mut self, n: usize) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n).map(|_| self.rng.pick(CHARS) as char).collect()
    }

    fn service_account(&mut self, y: &mut Yaml, ind: usize) {
        let app = self.rng.pick_ref(APPS);
        let name = self.name(app.name);
        let ns = self.namespace();
        let (selector, extra) = self.labels(app.name, &name);
        let mut labels = selector;
        labels.extend(extra);
        let mut ann = Vec::new();
        match self.rng.below(4) {
            0 => ann.push((
                "eks.amazonaws.com/role-arn".to_string(),
                format!("arn:aws:iam::123456789012:role/{}", app.name),
            )),
            1 => ann.push((
                "iam.gke.io/gcp-service-account".to_string(),
                format!("{}@acme-prod.iam.gserviceaccount.com", app.name),
            )),
            _ => {}
        }
        y.str(ind, "apiVersion", "v1");
        y.str(ind, "kind", "ServiceAccount");
        self.metadata(y, ind, &name, ns, &labels, &ann);
        if self.rng.chance(40) {
            let v = self.boolean(false);
            y.raw(ind, "automountServiceAccountToken", v);
        }
        if self.rng.chance(20) {
            y.key(ind, "imagePullSecrets");
            let d = self.seq(ind);
            y.item(d);
            y.str(d + 2, "name", "regcred");
        }
    }

    fn role(&mut self, y: &mut Yaml, ind: usize) {
        let app = self.rng.pick_ref(APPS);
        let name = self.name(app.name);
        let ns = self.namespace();
        y.str(ind, "apiVersion", "rbac.authorization.k8s.io/v1");
        y.str(ind, "kind", "Role");
        let (selector, _) = self.labels(app.name, &name);
        self.metadata(y, ind, &name, ns, &selector, &[]);
        y.key(ind, "rules");
        let d = self.seq(ind);
        let rules: &[(&[&str], &[&str], &[&str])] = &[
            (&[""], &["pods", "pods/log"], &["get", "list", "watch"]),
            (&[""], &["configmaps"], &["get", "list", "watch", "update"]),
            (&[""], &["secrets"], &["get"]),
            (
                &["apps"],
                &["deployments", "replicasets"],
                &["get", "list", "watch", "patch"],
            ),
            (
                &["batch"],
                &["jobs", "cronjobs"],
                &["create", "delete", "get", "list"],
            ),
            (
                &["coordination.k8s.io"],
                &["leases"],
                &["get", "create", "update"],
            ),
            (&["*"], &["*"], &["*"]),
        ];
        let n = self.rng.range(1, 3) as usize;
        for i in self.sample(rules.len(), n) {
            let (groups, resources, verbs) = rules[i];
            y.item(d);
            let r = d + 2;
            if self.rng.chance(60) {
                y.raw(r, "apiGroups", flow_seq(groups, true));
                y.raw(r, "resources", flow_seq(resources, self.rng.chance(50)));
                y.raw(r, "verbs", flow_seq(verbs, self.rng.chance(50)));
            } else {
                for (key, items) in [
                    ("apiGroups", groups),
                    ("resources", resources),
                    ("verbs", verbs),
                ] {
                    y.key(r, key);
                    let e = self.seq(r);
                    for item in items {
                        y.str_item(e, item);
                    }
                }
            }
        }
    }

    fn role_binding(&mut self, y: &mut Yaml, ind: usize) {
        let app = self.rng.pick_ref(APPS);
        let name = self.name(app.name);
        let ns = self.namespace();
        y.str(ind, "apiVersion", "rbac.authorization.k8s.io/v1");
        y.str(ind, "kind", "RoleBinding");
        let (selector, _) = self.labels(app.name, &name);
        self.metadata(y, ind, &name, ns, &selector, &[]);
        y.key(ind, "roleRef");
        y.str(ind + 2, "apiGroup", "rbac.authorization.k8s.io");
        if self.rng.chance(20) {
            y.str(ind + 2, "kind", "ClusterRole");
            y.str(
                ind + 2,
                "name",
                self.rng.pick(&["view", "edit", "admin", "cluster-admin"]),
            );
        } else {
            y.str(ind + 2, "kind", "Role");
            y.str(ind + 2, "name", &name);
        }
        y.key(ind, "subjects");
        let d = self.seq(ind);
        y.item(d);
        y.str(d + 2, "kind", "ServiceAccount");
        y.str(d + 2, "name", &name);
        y.str(d + 2, "namespace", ns.unwrap_or("default"));
        if self.rng.chance(15) {
            y.item(d);
            y.str(d + 2, "kind", "Group");
            y.str(d + 2, "apiGroup", "rbac.authorization.k8s.io");
            y.str(d + 2, "name", "oidc:platform-admins");
        }
    }

    fn network_policy(&mut self, y: &mut Yaml, ind: usize) {
        let app = self.rng.pick_ref(APPS);
        let name = self.name(app.name);
        let ns = self.namespace();
        y.str(ind, "apiVersion", "networking.k8s.io/v1");
        y.str(ind, "kind", "NetworkPolicy");
        self.metadata(y, ind, &name, ns, &[], &[]);
        y.key(ind, "spec");
        let s = ind + 2;
        if self.rng.chance(25) {
            // Default deny.
            y.raw(s, "podSelector", "{}");
            y.raw(s, "policyTypes", flow_seq(&["Ingress", "Egress"], false));
            return;
        }
        let (selector, _) = self.labels(app.name, &name);
        y.key(s, "podSelector");
        self.map(y, s + 2, "matchLabels", &selector);
        y.key(s, "policyTypes");
        let d = self.seq(s);
        y.str_item(d, "Ingress");
        let egress = self.rng.chance(50);
        if egress {
            y.str_item(d, "Egress");
        }
        y.key(s, "ingress");
        y.item(d);
        y.key(d + 2, "from");
        let f = self.seq(d + 2);
        y.item(f);
        y.key(f + 2, "podSelector");
        y.raw(f + 4, "matchLabels", "{app.kubernetes.io/name: frontend}");
        y.item(f);
        y.key(f + 2, "namespaceSelector");
        y.key(f + 4, "matchLabels");
        y.str(f + 6, "kubernetes.io/metadata.name", "monitoring");
        y.key(d + 2, "ports");
        y.item(f);
        y.str(f + 2, "protocol", "TCP");
        y.raw(f + 2, "port", app.port);
        if egress {
            y.key(s, "egress");
            y.item(d);
            y.key(d + 2, "to");
            y.item(f);
            y.key(f + 2, "ipBlock");
            y.str(f + 4, "cidr", "10.0.0.0/8");
            y.raw(f + 4, "except", flow_seq(&["10.96.0.0/12"], false));
            y.item(d);
            y.key(d + 2, "ports");
            y.item(f);
            y.raw(f + 2, "port", 53);
            y.str(f + 2, "protocol", "UDP");
        }
    }

    fn ingress(&mut self, y: &mut Yaml, ind: usize) {
        let app = self.rng.pick_ref(APPS);
        let name = self.name(app.name);
        let ns = self.namespace();
        let host = format!(
            "{}.{}",
            app.name,
            self.rng
                .pick(&["example.com", "acme.io", "internal.acme.net"])
        );
        y.str(ind, "apiVersion", "networking.k8s.io/v1");
        y.str(ind, "kind", "Ingress");
        let mut ann = vec![(
            "cert-manager.io/cluster-issuer".to_string(),
            "letsencrypt-prod".to_string(),
        )];
        if self.rng.chance(50) {
            ann.push((
                "nginx.ingress.kubernetes.io/ssl-redirect".to_string(),
                "true".to_string(),
            ));
            ann.push((
                "nginx.ingress.kubernetes.io/proxy-body-size".to_string(),
                "8m".to_string(),
            ));
        }
        if self.rng.chance(20) {
            ann.push((
                "nginx.ingress.kubernetes.io/rewrite-target".to_string(),
                "/$2".to_string(),
            ));
        }
        let (selector, _) = self.labels(app.name, &name);
        self.metadata(y, ind, &name, ns, &selector, &ann);
        y.key(ind, "spec");
        let s = ind + 2;
        y.str(
            s,
            "ingressClassName",
            self.rng.pick(&["nginx", "traefik", "alb"]),
        );
        let d = self.seq(s);
        if self.rng.chance(70) {
            y.key(s, "tls");
            y.item(d);
            y.key(d + 2, "hosts");
            y.str_item(self.seq(d + 2), &host);
            y.str(
                d + 2,
                "secretName",
                &format!("{}-tls", host.replace('.', "-")),
            );
        }
        y.key(s, "rules");
        y.item(d);
        y.str(d + 2, "host", &host);
        y.key(d + 2, "http");
        y.key(d + 4, "paths");
        let p = self.seq(d + 4);
        y.item(p);
        y.str(p + 2, "path", "/");
        y.str(p + 2, "pathType", "Prefix");
        y.key(p + 2, "backend");
        y.key(p + 4, "service");
        y.str(p + 6, "name", &name);
        if self.rng.chance(50) {
            y.raw(p + 6, "port", "{number: 80}");
        } else {
            y.key(p + 6, "port");
            y.str(p + 8, "name", "http");
        }
    }

    fn limit_range(&mut self, y: &mut Yaml, ind: usize) {
        let ns = self.namespace();
        let name = self.name("default-limits");
        y.str(ind, "apiVersion", "v1");
        y.str(ind, "kind", "LimitRange");
        self.metadata(y, ind, &name, ns, &[], &[]);
        y.key(ind, "spec");
        y.key(ind + 2, "limits");
        let d = self.seq(ind + 2);
        y.item(d);
        let l = d + 2;
        y.str(l, "type", "Container");
        // default <= max and defaultRequest <= default, as validation wants.
        for (key, cpu, mem) in [
            ("max", "2", "2Gi"),
            ("default", "500m", "512Mi"),
            ("defaultRequest", "100m", "128Mi"),
        ] {
            y.key(l, key);
            y.str(l + 2, "cpu", cpu);
            y.str(l + 2, "memory", mem);
        }
    }
}

/// Multi-line ConfigMap entries: key, block scalar style, text.
const CONFIG_FILES: &[(&str, &str, &str)] = &[
    (
        "application.yaml",
        "|",
        "server:\n  port: 8080\n  shutdown: graceful\nspring:\n  datasource:\n    url: jdbc:postgresql://postgres.data.svc:5432/app\n    hikari:\n      maximum-pool-size: 10\nmanagement:\n  endpoints:\n    web:\n      exposure:\n        include: health,info,prometheus",
    ),
    (
        "nginx.conf",
        "|",
        "worker_processes auto;\nevents {\n    worker_connections 1024;\n}\nhttp {\n    server {\n        listen 8080;\n\n        location / {\n            proxy_pass http://127.0.0.1:3000;\n        }\n        location /healthz {\n            return 200 'ok';\n        }\n    }\n}",
    ),
    (
        "settings.json",
        "|-",
        "{\n  \"featureFlags\": {\"checkoutV2\": true, \"darkMode\": false},\n  \"retry\": {\"max\": 3, \"backoffMs\": 250},\n  \"upstreams\": [\"http://inventory:8081\", \"http://pricing:8080\"]\n}",
    ),
    (
        "redis.conf",
        "|",
        "maxmemory 256mb\nmaxmemory-policy allkeys-lru\nappendonly yes\nsave \"\"\ntcp-keepalive 60",
    ),
    (
        "log4j2.xml",
        "|",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Configuration status=\"WARN\">\n  <Appenders>\n    <Console name=\"Console\" target=\"SYSTEM_OUT\">\n      <JsonLayout compact=\"true\" eventEol=\"true\"/>\n    </Console>\n  </Appenders>\n  <Loggers>\n    <Root level=\"info\"><AppenderRef ref=\"Console\"/></Root>\n  </Loggers>\n</Configuration>",
    ),
    (
        "prometheus.yml",
        "|",
        "global:\n  scrape_interval: 30s\nscrape_configs:\n  - job_name: kubernetes-pods\n    kubernetes_sd_configs:\n      - role: pod\n    relabel_configs:\n      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]\n        action: keep\n        regex: \"true\"",
    ),
];

/// Standard base64 with padding (Secret `data` must decode).
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}
