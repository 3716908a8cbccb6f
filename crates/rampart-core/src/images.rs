//! Container image references as the container runtime reads them, and the
//! image lockfile that records the known-good digest of each image.
//!
//! A reference is `[registry[:port]/]path[:tag][@digest]`. The runtime
//! (containerd, Docker) normalises it before pulling: a first path component
//! is a registry host only when it contains `.` or `:`, is `localhost`, or
//! has upper-case letters (repository paths are lower-case); otherwise the
//! image comes from Docker Hub (`docker.io`), and a one-component Docker Hub
//! path is an official image under `library/`. So `nginx`, `library/nginx`
//! and `index.docker.io/nginx` all name `docker.io/library/nginx`.
//!
//! The lockfile (`rampart images lock`) is YAML:
//!
//! ```yaml
//! apiVersion: rampart.dev/v1
//! kind: ImageLock
//! images:
//! - image: ghcr.io/acme/web:2.1.0
//!   digest: sha256:0e5a…
//! - image: nginx:1.27
//!   digest: null
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde::Deserialize;

use crate::de::from_node;
use crate::diag::Diagnostic;
use crate::node::{Node, Pos, Value};
use crate::yaml::{Limits, parse_document, resolve_plain};

/// Where unqualified image names are pulled from.
pub const DOCKER_HUB: &str = "docker.io";
/// Docker Hub's legacy host name, normalised to [`DOCKER_HUB`].
const DOCKER_HUB_LEGACY: &str = "index.docker.io";
/// The tag a reference with neither tag nor digest pulls.
pub const DEFAULT_TAG: &str = "latest";

/// An image reference split as the container runtime reads it. The parts
/// borrow from the reference as written; the normalised registry and
/// repository are computed on demand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The name as written, without tag or digest.
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Splits `image` into name, tag and digest. Never fails: a malformed
/// reference still splits, and the checks that care validate the parts.
pub fn parse_image(image: &str) -> ImageRef<'_> {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    // A ':' after the last '/' separates the tag; one before it belongs to
    // a registry port (`registry:5000/app`).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].rfind(':') {
        Some(i) => ImageRef {
            name: &rest[..last_slash + i],
            tag: Some(&rest[last_slash + i + 1..]),
            digest,
        },
        None => ImageRef {
            name: rest,
            tag: None,
            digest,
        },
    }
}

impl<'a> ImageRef<'a> {
    /// The registry host written in the name, if any, and the path after it.
    fn split_host(&self) -> (Option<&'a str>, &'a str) {
        let name = self.name;
        match name.split_once('/') {
            Some((first, rest))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first.bytes().any(|b| b.is_ascii_uppercase()) =>
            {
                (Some(first), rest)
            }
            _ => (None, name),
        }
    }

    /// The registry the runtime pulls from (`host[:port]`): the host in the
    /// name, or Docker Hub.
    pub fn registry(&self) -> &'a str {
        match self.split_host().0 {
            Some(DOCKER_HUB_LEGACY) | None => DOCKER_HUB,
            Some(host) => host,
        }
    }

    /// The repository path within the registry (`library/nginx` for
    /// `nginx`).
    pub fn repository(&self) -> Cow<'a, str> {
        let path = self.split_host().1;
        if self.registry() == DOCKER_HUB && !path.contains('/') {
            Cow::Owned(format!("library/{path}"))
        } else {
            Cow::Borrowed(path)
        }
    }

    /// `registry/repository`: the same string for every spelling of one
    /// repository (`nginx` → `docker.io/library/nginx`).
    pub fn canonical_name(&self) -> String {
        format!("{}/{}", self.registry(), self.repository())
    }

    /// True when the reference names its image by a well-formed digest, so
    /// it cannot change under the same spec. A malformed digest makes the
    /// whole reference invalid: the kubelet refuses to pull it.
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some_and(is_valid_digest)
    }

    /// The tag the runtime resolves: the one written, `latest` when the
    /// reference has neither tag nor digest, none for a digest-only
    /// reference. This is also what Kubernetes reads when it defaults
    /// `imagePullPolicy` (`Always` exactly when this is `latest`).
    pub fn effective_tag(&self) -> Option<&'a str> {
        match (self.tag, self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some(DEFAULT_TAG),
            (None, Some(_)) => None,
        }
    }
}

/// Whether `digest` is a digest the runtime accepts: a registered
/// algorithm and its exact length of lower-case hex.
pub fn is_valid_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == len && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether the repository `canonical` (as [`ImageRef::canonical_name`]
/// gives it) lies under `prefix`; see [`ImageRef::is_under`].
pub fn name_has_prefix(canonical: &str, prefix: &str) -> bool {
    parse_image(canonical).is_under(prefix)
}

/// `path` is `prefix` or lies below it, by whole `/`-separated components.
fn path_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl ImageRef<'_> {
    /// Whether this image's repository lies under `prefix`, a registry host
    /// optionally followed by a path (`registry.example.com`,
    /// `ghcr.io/acme`, `docker.io/library`). A host `*.example.com` stands
    /// for every host below `example.com`. Matching stops at path
    /// components, so `registry.example.com` does not cover
    /// `registry.example.com.evil.io/app` and `ghcr.io/acme` does not cover
    /// `ghcr.io/acme-evil/app`. Hosts compare case-insensitively, as DNS
    /// does; `index.docker.io` in a prefix means Docker Hub, as in a
    /// reference. Allocation-free: rules call this for every container.
    pub fn is_under(&self, prefix: &str) -> bool {
        let prefix = prefix.trim().trim_end_matches('/');
        if prefix.is_empty() {
            return false;
        }
        let (p_host, p_path) = match prefix.split_once('/') {
            Some((h, p)) => (h, Some(p)),
            None => (prefix, None),
        };
        let p_host = if p_host.eq_ignore_ascii_case(DOCKER_HUB_LEGACY) {
            DOCKER_HUB
        } else {
            p_host
        };
        let registry = self.registry();
        let host_matches = match p_host.strip_prefix("*.") {
            // `*.azurecr.io`: any host below that domain, not the domain itself.
            Some(domain) => {
                registry.len() > domain.len() + 1 && {
                    let (sub, tail) = registry.split_at(registry.len() - domain.len());
                    sub.ends_with('.') && tail.eq_ignore_ascii_case(domain)
                }
            }
            None => registry.eq_ignore_ascii_case(p_host),
        };
        if !host_matches {
            return false;
        }
        let Some(p_path) = p_path else {
            return true;
        };
        let path = self.split_host().1;
        if registry == DOCKER_HUB && !path.contains('/') {
            // An official image: its repository is `library/<path>`.
            match p_path.strip_prefix("library") {
                Some("") => true,
                Some(rest) => rest.strip_prefix('/').is_some_and(|r| path_under(path, r)),
                None => false,
            }
        } else {
            path_under(path, p_path)
        }
    }
}

/// The lockfile's `apiVersion`.
pub const LOCK_API_VERSION: &str = "rampart.dev/v1";
/// The lockfile's `kind`.
pub const LOCK_KIND: &str = "ImageLock";

/// One image of the lockfile: a reference (without digest) and the digest
/// it is known-good at, `None` when nobody has recorded it yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockedImage {
    pub image: String,
    pub digest: Option<String>,
}

impl LockedImage {
    /// The tag this entry locks, read as a reference would be: `latest`
    /// for a bare name without digest.
    fn effective_tag(&self) -> Option<&str> {
        let r = parse_image(&self.image);
        match (r.tag, &self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some(DEFAULT_TAG),
            (None, Some(_)) => None,
        }
    }
}

/// The image lockfile: known-good digests of the images manifests use.
#[derive(Debug, Default)]
pub struct ImageLock {
    images: Vec<LockedImage>,
    /// Canonical repository name → indices into `images`.
    by_name: HashMap<String, Vec<usize>>,
}

/// How a reference stands against the lockfile.
#[derive(Debug, PartialEq, Eq)]
pub enum LockStatus<'l> {
    /// The lockfile lists this image: the same digest, or for a reference
    /// by tag, the same tag without a recorded digest.
    Locked,
    /// The lockfile lists nothing for this repository and tag.
    Missing,
    /// A reference pinned to a digest the lockfile does not list for its
    /// repository; `locked` are the digests it does list (those of the same
    /// tag when there are any), empty when it records none.
    OtherDigest { locked: Vec<&'l str> },
    /// A reference by tag whose tag the lockfile locks at a digest: what
    /// the tag points to when pulled may not be that image.
    Unpinned { locked: &'l str },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawLock {
    api_version: String,
    kind: String,
    #[serde(default)]
    images: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    image: String,
    #[serde(default)]
    digest: Option<String>,
}

impl ImageLock {
    /// A lockfile of `images`, deduplicated (same repository, tag and
    /// digest, however spelled; the first spelling is kept) and sorted by
    /// repository so that it diffs well.
    pub fn new(images: impl IntoIterator<Item = LockedImage>) -> ImageLock {
        let mut seen = std::collections::HashSet::new();
        let mut keyed: Vec<(String, LockedImage)> = Vec::new();
        for entry in images {
            let canonical = parse_image(&entry.image).canonical_name();
            let key = (
                canonical.clone(),
                entry.effective_tag().map(str::to_string),
                entry.digest.clone(),
            );
            if seen.insert(key) {
                keyed.push((canonical, entry));
            }
        }
        keyed.sort_by(|(a, ea), (b, eb)| {
            (a, &ea.image, &ea.digest).cmp(&(b, &eb.image, &eb.digest))
        });
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut list = Vec::with_capacity(keyed.len());
        for (i, (canonical, entry)) in keyed.into_iter().enumerate() {
            by_name.entry(canonical).or_default().push(i);
            list.push(entry);
        }
        ImageLock {
            images: list,
            by_name,
        }
    }

    /// The lockfile of the image references `refs` as manifests write them:
    /// each reference's digest comes from the reference itself, so a
    /// reference without one (or with a malformed one) is recorded with no
    /// digest.
    pub fn from_references<'r>(refs: impl IntoIterator<Item = &'r str>) -> ImageLock {
        ImageLock::new(refs.into_iter().map(|r| {
            let (image, digest) = match r.split_once('@') {
                Some((i, d)) => (i, is_valid_digest(d).then(|| d.to_string())),
                None => (r, None),
            };
            LockedImage {
                image: image.to_string(),
                digest,
            }
        }))
    }

    pub fn images(&self) -> &[LockedImage] {
        &self.images
    }

    /// Reads a lockfile; `name` is used in error messages, which carry the
    /// line of the offending field.
    pub fn parse(text: &str, name: &Arc<str>) -> Result<ImageLock, Diagnostic> {
        let err = |pos: Option<Pos>, msg: String| {
            Diagnostic::error("image-lock", format!("{msg} (see docs/commands/images.md)"))
                .in_file(name, pos)
        };
        let parsed = parse_document(text, 1, Limits::default()).map_err(|e| {
            err(
                Some(e.pos),
                format!("not a valid image lockfile: {}", e.message),
            )
        })?;
        if let Some(d) = parsed.duplicates.first() {
            return Err(err(Some(d.pos), d.message.clone()));
        }
        let Some(root) = parsed.root else {
            return Err(err(
                None,
                "the image lockfile is empty; write one with `rampart images lock PATH... > images.lock`"
                    .into(),
            ));
        };
        let raw: RawLock = from_node(&root).map_err(|e| {
            let pointer = e.pointer();
            let pos = unknown_key_pos(&root, &pointer, &e.message).or(e.pos);
            let field = crate::inventory::dotted(&pointer);
            if field.is_empty() {
                err(pos, format!("not an image lockfile: {}", e.message))
            } else {
                err(pos, format!("`{field}`: {}", e.message))
            }
        })?;
        let at = |pointer: &str| root.at(pointer).map(|n| n.start);
        if raw.api_version != LOCK_API_VERSION || raw.kind != LOCK_KIND {
            return Err(err(
                at("/apiVersion"),
                format!(
                    "not an image lockfile: expected `apiVersion: {LOCK_API_VERSION}` and `kind: {LOCK_KIND}`"
                ),
            ));
        }
        let mut images = Vec::with_capacity(raw.images.len());
        for (i, entry) in raw.images.into_iter().enumerate() {
            let field = |f: &str| format!("/images/{i}/{f}");
            let (image, inline) = match entry.image.split_once('@') {
                Some((img, d)) => (img.to_string(), Some(d.to_string())),
                None => (entry.image, None),
            };
            if image.trim().is_empty() || image.contains(char::is_whitespace) {
                return Err(err(
                    at(&field("image")),
                    format!(
                        "`images[{i}].image`: expected an image reference like registry.example.com/app:1.2"
                    ),
                ));
            }
            let digest = match (inline, entry.digest) {
                (Some(a), Some(b)) if a != b => {
                    return Err(err(
                        at(&field("digest")),
                        format!(
                            "`images[{i}]`: the image reference and `digest` name different digests"
                        ),
                    ));
                }
                (a, b) => b.or(a),
            };
            if digest.as_deref().is_some_and(|d| !is_valid_digest(d)) {
                return Err(err(
                    at(&field("digest")).or_else(|| at(&field("image"))),
                    format!(
                        "`images[{i}].digest`: expected sha256: and 64 lower-case hex digits (or sha384/sha512), or null"
                    ),
                ));
            }
            images.push(LockedImage { image, digest });
        }
        Ok(ImageLock::new(images))
    }

    /// The lockfile as YAML, with a header that says what it is and how to
    /// complete it. [`ImageLock::parse`] reads it back unchanged.
    pub fn to_yaml(&self) -> String {
        let mut out = String::with_capacity(64 + self.images.len() * 96);
        out.push_str(
            "# Image lockfile written by `rampart images lock`: every image the manifests use and\n\
             # the digest it is known-good at. Check manifests against it with\n\
             # `rampart scan --image-lock <this file>`. `digest: null` marks an image the manifests\n\
             # do not pin: record its digest here, or pin it in the manifest and lock again.\n",
        );
        let _ = writeln!(out, "apiVersion: {LOCK_API_VERSION}");
        let _ = writeln!(out, "kind: {LOCK_KIND}");
        if self.images.is_empty() {
            out.push_str("images: []\n");
            return out;
        }
        out.push_str("images:\n");
        for e in &self.images {
            let _ = writeln!(out, "- image: {}", yaml_string(&e.image));
            match &e.digest {
                Some(d) => {
                    let _ = writeln!(out, "  digest: {}", yaml_string(d));
                }
                None => out.push_str("  digest: null\n"),
            }
        }
        out
    }

    /// Where `reference` (as a manifest writes it) stands against the
    /// lockfile. Spellings of one repository are equivalent (`nginx`,
    /// `docker.io/library/nginx`).
    pub fn status(&self, reference: &str) -> LockStatus<'_> {
        let r = parse_image(reference);
        let entries: Vec<&LockedImage> = self
            .by_name
            .get(&r.canonical_name())
            .map(|ix| ix.iter().map(|&i| &self.images[i]).collect())
            .unwrap_or_default();
        if entries.is_empty() {
            return LockStatus::Missing;
        }
        let tag = r.effective_tag();
        match r.digest {
            Some(d) => {
                if entries.iter().any(|e| e.digest.as_deref() == Some(d)) {
                    return LockStatus::Locked;
                }
                let same_tag: Vec<&str> = entries
                    .iter()
                    .filter(|e| tag.is_some() && e.effective_tag() == tag)
                    .filter_map(|e| e.digest.as_deref())
                    .collect();
                let mut locked = if same_tag.is_empty() {
                    entries.iter().filter_map(|e| e.digest.as_deref()).collect()
                } else {
                    same_tag
                };
                locked.dedup();
                LockStatus::OtherDigest { locked }
            }
            None => {
                let mut same_tag = entries.iter().filter(|e| e.effective_tag() == tag);
                let Some(first) = same_tag.next() else {
                    return LockStatus::Missing;
                };
                let mut locked = first.digest.as_deref();
                for e in same_tag {
                    locked = locked.and(e.digest.as_deref());
                }
                match locked {
                    // Recorded without a digest: the tag itself is what is known.
                    None => LockStatus::Locked,
                    Some(d) => LockStatus::Unpinned { locked: d },
                }
            }
        }
    }
}

/// For an "unknown field `x`" error on the mapping at `pointer`, where the
/// key `x` is written (the error itself points at the mapping).
fn unknown_key_pos(root: &Node, pointer: &str, message: &str) -> Option<Pos> {
    let key = message.strip_prefix("unknown field `")?.split('`').next()?;
    match &root.at(pointer)?.value {
        Value::Map(entries) => entries.iter().find(|e| &*e.key == key).map(|e| e.key_pos),
        _ => None,
    }
}

/// `s` as a YAML scalar that reads back as the same string: plain when it
/// is safe and Kubernetes' YAML would not turn it into a number or boolean,
/// double-quoted (JSON escapes, which YAML shares) otherwise.
fn yaml_string(s: &str) -> String {
    let plain_safe = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/:@+".contains(&b))
        && !s.starts_with(['-', ':', '@'])
        && !s.ends_with(':')
        && matches!(resolve_plain(s), Value::Str(_));
    if plain_safe {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:0e5a2b9c1f7d3e6a8b4c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";
    const D2: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    #[test]
    fn normalises_like_the_runtime() {
        for (image, registry, repository) in [
            ("nginx", "docker.io", "library/nginx"),
            ("library/nginx:1.27", "docker.io", "library/nginx"),
            ("docker.io/nginx", "docker.io", "library/nginx"),
            ("index.docker.io/nginx", "docker.io", "library/nginx"),
            ("bitnami/redis", "docker.io", "bitnami/redis"),
            ("localhost/app", "localhost", "app"),
            ("localhost:5000/team/app:1", "localhost:5000", "team/app"),
            ("registry.example.com/app", "registry.example.com", "app"),
            ("Registry/app", "Registry", "app"),
            ("myregistry/app", "docker.io", "myregistry/app"),
            ("ghcr.io/o/app@sha256:abc", "ghcr.io", "o/app"),
        ] {
            let r = parse_image(image);
            assert_eq!(
                (r.registry(), r.repository().as_ref()),
                (registry, repository),
                "{image}"
            );
        }
        assert_eq!(
            parse_image("nginx:1").canonical_name(),
            "docker.io/library/nginx"
        );
    }

    #[test]
    fn effective_tags_and_pinning() {
        assert_eq!(parse_image("nginx").effective_tag(), Some("latest"));
        assert_eq!(parse_image("nginx:1.2").effective_tag(), Some("1.2"));
        assert_eq!(parse_image(&format!("nginx@{D1}")).effective_tag(), None);
        assert!(parse_image(&format!("nginx:1@{D1}")).is_pinned());
        assert!(!parse_image("nginx@sha256:abc").is_pinned());
        assert!(!parse_image(&format!("nginx@{}", D1.to_uppercase())).is_pinned());
        assert!(is_valid_digest(&format!("sha512:{}", "a".repeat(128))));
        assert!(!is_valid_digest(&format!("md5:{}", "a".repeat(32))));
    }

    #[test]
    fn prefixes_stop_at_components() {
        let n = |i: &str| parse_image(i).canonical_name();
        assert!(name_has_prefix(
            &n("registry.example.com/app"),
            "registry.example.com"
        ));
        assert!(name_has_prefix(
            &n("REGISTRY.example.com/app"),
            "registry.example.com/"
        ));
        assert!(!name_has_prefix(
            &n("registry.example.com.evil.io/app"),
            "registry.example.com"
        ));
        assert!(name_has_prefix(&n("ghcr.io/acme/web"), "ghcr.io/acme"));
        assert!(!name_has_prefix(
            &n("ghcr.io/acme-evil/web"),
            "ghcr.io/acme"
        ));
        assert!(name_has_prefix(&n("nginx"), "docker.io/library"));
        assert!(name_has_prefix(&n("nginx"), "index.docker.io"));
        assert!(!name_has_prefix(&n("nginx"), "docker.io/nginx"));
        assert!(!name_has_prefix(
            &n("registry.example.com:5000/a"),
            "registry.example.com"
        ));
        assert!(!name_has_prefix(&n("nginx"), ""));
        assert!(name_has_prefix(&n("myreg.azurecr.io/app"), "*.azurecr.io"));
        assert!(name_has_prefix(
            &n("1234.dkr.ecr.eu-west-1.amazonaws.com/team/app"),
            "*.amazonaws.com/team"
        ));
        assert!(!name_has_prefix(&n("azurecr.io/app"), "*.azurecr.io"));
        assert!(!name_has_prefix(&n("evilazurecr.io/app"), "*.azurecr.io"));
        assert!(!name_has_prefix(
            &n("myreg.azurecr.io:443/app"),
            "*.azurecr.io"
        ));
    }

    fn lock(entries: &[(&str, Option<&str>)]) -> ImageLock {
        ImageLock::new(entries.iter().map(|(i, d)| LockedImage {
            image: i.to_string(),
            digest: d.map(str::to_string),
        }))
    }

    #[test]
    fn lookups() {
        let l = lock(&[
            ("nginx:1.27", None),
            ("ghcr.io/acme/web:2.0", Some(D1)),
            ("docker.io/library/redis", None),
        ]);
        assert_eq!(l.status("docker.io/library/nginx:1.27"), LockStatus::Locked);
        assert_eq!(l.status("nginx:1.28"), LockStatus::Missing);
        assert_eq!(l.status("redis"), LockStatus::Locked);
        assert_eq!(l.status("redis:latest"), LockStatus::Locked);
        assert_eq!(l.status("busybox"), LockStatus::Missing);
        assert_eq!(
            l.status(&format!("ghcr.io/acme/web@{D1}")),
            LockStatus::Locked
        );
        assert_eq!(
            l.status(&format!("ghcr.io/acme/web:2.0@{D2}")),
            LockStatus::OtherDigest { locked: vec![D1] }
        );
        assert_eq!(
            l.status("ghcr.io/acme/web:2.0"),
            LockStatus::Unpinned { locked: D1 }
        );
        assert_eq!(l.status("ghcr.io/acme/web:3.0"), LockStatus::Missing);
        assert_eq!(
            l.status(&format!("nginx:1.27@{D2}")),
            LockStatus::OtherDigest { locked: vec![] }
        );
    }

    #[test]
    fn round_trips_and_dedupes() {
        let l = ImageLock::from_references([
            "nginx:1.27",
            "docker.io/library/nginx:1.27",
            &format!("ghcr.io/acme/web:2.0@{D1}") as &str,
            "registry.local:5000/x",
        ]);
        assert_eq!(l.images().len(), 3);
        let text = l.to_yaml();
        let back = ImageLock::parse(&text, &Arc::from("images.lock")).unwrap();
        assert_eq!(back.images(), l.images());
        assert!(
            text.contains("- image: nginx:1.27\n  digest: null\n"),
            "{text}"
        );
    }

    #[test]
    fn quotes_what_yaml_would_misread() {
        assert_eq!(yaml_string("1.0"), "\"1.0\"");
        assert_eq!(yaml_string("yes"), "\"yes\"");
        assert_eq!(yaml_string("app:1"), "app:1");
        assert_eq!(yaml_string("a b"), "\"a b\"");
    }

    #[test]
    fn bad_lockfiles_name_the_line() {
        let name: Arc<str> = Arc::from("images.lock");
        let e = |t: &str| ImageLock::parse(t, &name).unwrap_err();
        let d = e(
            "apiVersion: rampart.dev/v1\nkind: ImageLock\nimages:\n- image: a\n  digest: sha256:zz\n",
        );
        assert_eq!(d.pos.map(|p| p.line), Some(5), "{d:?}");
        assert!(d.message.contains("images[0].digest"), "{}", d.message);
        let d = e("apiVersion: v1\nkind: Pod\n");
        assert_eq!(d.pos.map(|p| p.line), Some(1));
        let d =
            e("apiVersion: rampart.dev/v1\nkind: ImageLock\nimages:\n- image: a\n  digset: null\n");
        assert!(d.message.contains("digset"), "{}", d.message);
        assert_eq!(d.pos.map(|p| p.line), Some(5), "{d:?}");
        let d = e("apiVersion: rampart.dev/v1\nkind: ImageLock\nimages: {a: b}\n");
        assert_eq!(d.pos.map(|p| p.line), Some(3), "{d:?}");
        assert!(e("").message.contains("empty"));
        assert!(e("a: [").pos.is_some());
        // An inline digest is accepted when it agrees with `digest`.
        let ok = ImageLock::parse(
            &format!("apiVersion: rampart.dev/v1\nkind: ImageLock\nimages:\n- image: a@{D1}\n"),
            &name,
        )
        .unwrap();
        assert_eq!(ok.images()[0].digest.as_deref(), Some(D1));
    }
}
