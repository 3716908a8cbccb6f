//! Image references, registries and pull policy.
//!
//! Reference parsing and normalisation live in `rampart_core::images`, which
//! the lockfile and the `rampart images` command share with these rules.

use k8s_openapi::api::core::v1::Container;
use rampart_core::{ContainerRef, Workload};

pub use rampart_core::images::{ImageRef, parse_image};

/// Every container of `workload` that names an image, with the image. An
/// empty image is left to the API server's validation: nothing is pulled.
pub fn containers_with_images<'w>(
    workload: &'w Workload,
) -> impl Iterator<Item = (ContainerRef<'w>, &'w str)> + 'w {
    workload.containers().filter_map(|c| {
        let image = c.container.image.as_deref()?.trim();
        (!image.is_empty()).then_some((c, image))
    })
}

/// The first of `prefixes` (registry hosts or host/path prefixes) that the
/// repository of `image` lies under.
pub fn matching_prefix<'p>(image: &ImageRef, prefixes: &'p [String]) -> Option<&'p str> {
    prefixes
        .iter()
        .map(String::as_str)
        .find(|p| image.is_under(p))
}

/// The pull policy the kubelet applies to `container`, and whether it
/// comes from Kubernetes' defaulting rather than the manifest: without a
/// policy, `Always` when the image resolves to tag `latest` (written, or no
/// tag and no digest), `IfNotPresent` otherwise.
pub fn effective_pull_policy<'c>(container: &'c Container, image: &ImageRef) -> (&'c str, bool) {
    match container.image_pull_policy.as_deref() {
        Some(p) if !p.is_empty() => (p, false),
        _ if image.effective_tag() == Some("latest") => ("Always", true),
        _ => ("IfNotPresent", true),
    }
}

/// Runs `rule` with `config` (a `.rampart.yaml`) and an optional lockfile
/// on `manifests`, for the parameter cases fixtures cannot express:
/// (pointer, message) of each finding.
#[cfg(test)]
pub fn run_rule(
    rule: &'static rampart_core::Rule,
    config: &str,
    lock: Option<&str>,
    manifests: &str,
) -> Vec<(String, String)> {
    use std::sync::Arc;

    use rampart_core::config::Config;
    use rampart_core::images::ImageLock;
    use rampart_core::rule::{Profile, Settings};
    use rampart_core::source::SourceFile;
    use rampart_core::yaml::Limits;

    let name: Arc<str> = Arc::from("test.yaml");
    let inventory = rampart_core::Inventory::from_sources(
        vec![SourceFile {
            name: name.clone(),
            text: manifests.to_string(),
        }],
        Vec::new(),
        Limits::default(),
    );
    assert!(
        inventory.diagnostics.is_empty(),
        "{:?}",
        inventory.diagnostics
    );
    let config = Config::parse(config, &name).unwrap();
    let active = config
        .active_rules(&[rule], &[rule.meta.id.to_string()], &[], Profile::Default)
        .unwrap();
    let settings = Settings {
        image_lock: lock.map(|l| Arc::new(ImageLock::parse(l, &name).unwrap())),
        ..Settings::default()
    };
    rampart_core::engine::run(&inventory, &active, &config, &settings)
        .findings
        .into_iter()
        .map(|f| (f.location.pointer, f.message))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        let r = parse_image("nginx");
        assert_eq!((r.name, r.tag, r.digest), ("nginx", None, None));
        let r = parse_image("registry:5000/team/app");
        assert_eq!((r.name, r.tag), ("registry:5000/team/app", None));
        let r = parse_image("registry:5000/team/app:1.2");
        assert_eq!((r.name, r.tag), ("registry:5000/team/app", Some("1.2")));
        let r = parse_image("app:latest@sha256:abc");
        assert_eq!(
            (r.name, r.tag, r.digest),
            ("app", Some("latest"), Some("sha256:abc"))
        );
        let r = parse_image("ghcr.io/o/app@sha256:abc");
        assert_eq!(
            (r.name, r.tag, r.digest),
            ("ghcr.io/o/app", None, Some("sha256:abc"))
        );
    }

    #[test]
    fn pull_policy_defaults_like_kubernetes() {
        let c = |policy: Option<&str>| Container {
            image_pull_policy: policy.map(str::to_string),
            ..Container::default()
        };
        let d = "sha256:0e5a2b9c1f7d3e6a8b4c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";
        let none = c(None);
        let empty = c(Some(""));
        let never = c(Some("Never"));
        for (container, image, expected) in [
            (&none, "nginx".to_string(), ("Always", true)),
            (&none, "nginx:latest".to_string(), ("Always", true)),
            (&empty, "nginx:1.27".to_string(), ("IfNotPresent", true)),
            (&none, format!("nginx@{d}"), ("IfNotPresent", true)),
            (&none, format!("nginx:latest@{d}"), ("Always", true)),
            (&never, "nginx".to_string(), ("Never", false)),
        ] {
            assert_eq!(
                effective_pull_policy(container, &parse_image(&image)),
                expected,
                "{image}"
            );
        }
    }

    #[test]
    fn prefixes() {
        let allowed = vec!["ghcr.io/acme".to_string(), "docker.io/library".to_string()];
        assert_eq!(
            matching_prefix(&parse_image("nginx:1"), &allowed),
            Some("docker.io/library")
        );
        assert_eq!(
            matching_prefix(&parse_image("ghcr.io/acmex/a"), &allowed),
            None
        );
    }
}
