//! rampart-releases: what rampart knows about Kubernetes releases, as data.
//!
//! Three files under `data/` (see `data/README.md`), embedded at build time
//! and parsed once:
//!
//! - `releases.yaml`: per release line, when it was released, entered
//!   maintenance mode and reaches end of life, its newest patch and the
//!   earlier patches with their dates;
//! - `cves.yaml`: official CVEs of the control plane, kubelet and
//!   kube-proxy, with the patch releases that fix them;
//! - `deprecated-apis.yaml`: built-in API versions Kubernetes stopped
//!   serving.
//!
//! Everything here is pure: no clock, no I/O. Callers pass the date to judge
//! at (the time a cluster was scanned), so a snapshot is judged the same way
//! whenever it is read.

mod date;

use std::fmt;
use std::sync::OnceLock;

use rampart_core::cluster::KubeVersion;
use serde::{Deserialize, Serialize};

pub mod cluster;
pub use date::Date;

const RELEASES: &str = include_str!("../data/releases.yaml");
const CVES: &str = include_str!("../data/cves.yaml");
const DEPRECATED_APIS: &str = include_str!("../data/deprecated-apis.yaml");

/// A Kubernetes release line, `1.33`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Line {
    pub major: u32,
    pub minor: u32,
}

impl Line {
    pub fn new(major: u32, minor: u32) -> Line {
        Line { major, minor }
    }

    /// `1.33` (a leading `v` and a patch are accepted and dropped).
    pub fn parse(s: &str) -> Option<Line> {
        KubeVersion::parse(s).map(Line::of)
    }

    pub fn of(v: KubeVersion) -> Line {
        Line::new(v.major, v.minor)
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// `(major, minor, patch)` of a version, a missing patch read as 0.
fn triple(v: KubeVersion) -> (u32, u32, u32) {
    (v.major, v.minor, v.patch.unwrap_or(0))
}

/// One release line of `releases.yaml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    pub line: Line,
    /// The `.0` release; unknown for the oldest lines.
    pub released: Option<Date>,
    /// From this day only critical and security fixes; unknown for some
    /// older lines.
    pub maintenance: Option<Date>,
    pub end_of_life: Date,
    /// The newest patch release a source confirmed (for lines past end of
    /// life, their final patch).
    pub latest: KubeVersion,
    /// The day `latest` came out; `None` when no source gave it (it was out
    /// by the file's `updated`).
    pub latest_date: Option<Date>,
    /// Earlier patch releases of the line with the day each came out,
    /// oldest first, where a source lists them.
    pub patches: Vec<Patch>,
    /// Where these facts come from.
    pub source: String,
}

/// A patch release and the day it came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Patch {
    pub version: KubeVersion,
    pub date: Date,
}

/// A patch release known to have been out on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownPatch {
    pub version: KubeVersion,
    /// The day it came out, when the data gives it.
    pub released: Option<Date>,
}

/// Where a version stands in its support window on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Receives all patches.
    Supported {
        maintenance: Option<Date>,
        end_of_life: Date,
    },
    /// Receives only critical and security fixes until `until`.
    Maintenance { since: Date, until: Date },
    /// Receives nothing since `since`. For a line older than every line
    /// of the table, `since` is the oldest listed line's end of life: that
    /// line's end of life came on or before it (`Data::release` of the line
    /// is then `None`).
    EndOfLife { since: Date },
    /// A line the data does not know: newer than its table.
    Unknown,
}

/// A core component whose version rampart can see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    KubeApiserver,
    KubeControllerManager,
    KubeScheduler,
    Kubelet,
    KubeProxy,
}

impl Component {
    /// The control plane components, judged at the API server's version.
    pub const CONTROL_PLANE: [Component; 3] = [
        Component::KubeApiserver,
        Component::KubeControllerManager,
        Component::KubeScheduler,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Component::KubeApiserver => "kube-apiserver",
            Component::KubeControllerManager => "kube-controller-manager",
            Component::KubeScheduler => "kube-scheduler",
            Component::Kubelet => "kubelet",
            Component::KubeProxy => "kube-proxy",
        }
    }
}

/// The qualitative rating of a CVSS v3 score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Rating {
    pub fn of_score(score: f64) -> Rating {
        match score {
            s if s >= 9.0 => Rating::Critical,
            s if s >= 7.0 => Rating::High,
            s if s >= 4.0 => Rating::Medium,
            s if s > 0.0 => Rating::Low,
            _ => Rating::None,
        }
    }

    pub fn parse(s: &str) -> Option<Rating> {
        [
            Rating::None,
            Rating::Low,
            Rating::Medium,
            Rating::High,
            Rating::Critical,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::None => "none",
            Rating::Low => "low",
            Rating::Medium => "medium",
            Rating::High => "high",
            Rating::Critical => "critical",
        }
    }
}

/// Affected versions `[introduced, fixed)`; without `fixed`, every version
/// from `introduced` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// `0.0.0` for "since the beginning".
    pub introduced: KubeVersion,
    pub fixed: Option<KubeVersion>,
}

impl Range {
    pub fn contains(&self, v: KubeVersion) -> bool {
        triple(v) >= triple(self.introduced) && self.fixed.is_none_or(|f| triple(v) < triple(f))
    }
}

/// One CVE of `cves.yaml`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cve {
    pub id: String,
    pub title: String,
    /// What it lets an attacker do, in rampart's words.
    pub summary: String,
    pub components: Vec<Component>,
    /// Set when only nodes of this operating system are affected (`windows`).
    pub os: Option<String>,
    pub cvss_score: f64,
    pub cvss_vector: String,
    pub affected: Vec<Range>,
    /// What to do when no fixed version exists (or before upgrading).
    pub mitigation: Option<String>,
    /// Where the data departs from a source, and why.
    pub note: Option<String>,
    /// The announcement.
    pub url: String,
}

impl Cve {
    pub fn rating(&self) -> Rating {
        Rating::of_score(self.cvss_score)
    }

    /// The range holding `version`, if it is affected.
    pub fn affecting(&self, version: KubeVersion) -> Option<&Range> {
        self.affected.iter().find(|r| r.contains(version))
    }
}

/// A CVE that affects a version, and the version that fixes it.
#[derive(Clone, Copy, Debug)]
pub struct CveMatch<'a> {
    pub cve: &'a Cve,
    /// The first fixed version: on the same line when that line got a fix,
    /// otherwise on the first line that did. `None`: no fix exists.
    pub fixed: Option<KubeVersion>,
}

impl CveMatch<'_> {
    /// Whether the fix is a patch release of the affected version's line.
    pub fn fixed_on_line(&self, version: KubeVersion) -> bool {
        self.fixed.is_some_and(|f| Line::of(f) == Line::of(version))
    }
}

/// A built-in API version Kubernetes stopped serving for some kinds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRemoval {
    pub api_version: String,
    pub kinds: Vec<String>,
    pub deprecated_in: Line,
    pub removed_in: Line,
    /// The API version (or mechanism) to move to.
    pub replacement: String,
}

/// What `rampart data` shows about one data file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    pub name: &'static str,
    /// The date of the newest fact in the file.
    pub updated: String,
    pub entries: usize,
    pub sources: Vec<String>,
}

/// A data file that does not parse or holds an impossible value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataError {
    pub file: &'static str,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl std::error::Error for DataError {}

/// All release data.
#[derive(Clone, Debug, Default)]
pub struct Data {
    releases_updated: Option<Date>,
    releases_sources: Vec<String>,
    /// Newest line first.
    releases: Vec<Release>,
    cves_updated: Option<Date>,
    cves_sources: Vec<String>,
    cves: Vec<Cve>,
    apis_updated: Option<Date>,
    apis_sources: Vec<String>,
    apis: Vec<ApiRemoval>,
}

impl Data {
    /// The data embedded in this build, parsed on first use. The embedded
    /// files are checked by this crate's tests; should they ever fail to
    /// parse, the data is empty and every rule using it stays silent.
    pub fn embedded() -> &'static Data {
        static DATA: OnceLock<Data> = OnceLock::new();
        DATA.get_or_init(|| Data::parse(RELEASES, CVES, DEPRECATED_APIS).unwrap_or_default())
    }

    /// Parses the three files' texts.
    pub fn parse(releases: &str, cves: &str, apis: &str) -> Result<Data, DataError> {
        let r: raw::Releases = raw::load("releases.yaml", releases)?;
        let c: raw::Cves = raw::load("cves.yaml", cves)?;
        let a: raw::Apis = raw::load("deprecated-apis.yaml", apis)?;
        let mut data = Data {
            releases_updated: Some(raw::date("releases.yaml", &r.updated)?),
            releases_sources: r.sources,
            releases: r
                .releases
                .into_iter()
                .map(raw::Release::convert)
                .collect::<Result<_, _>>()?,
            cves_updated: Some(raw::date("cves.yaml", &c.updated)?),
            cves_sources: c.sources,
            cves: c
                .cves
                .into_iter()
                .map(raw::Cve::convert)
                .collect::<Result<_, _>>()?,
            apis_updated: Some(raw::date("deprecated-apis.yaml", &a.updated)?),
            apis_sources: a.sources,
            apis: a
                .apis
                .into_iter()
                .map(raw::Api::convert)
                .collect::<Result<_, _>>()?,
        };
        data.releases.sort_by_key(|r| std::cmp::Reverse(r.line));
        Ok(data)
    }

    /// Every release line, newest first.
    pub fn releases(&self) -> &[Release] {
        &self.releases
    }

    pub fn release(&self, line: Line) -> Option<&Release> {
        self.releases.iter().find(|r| r.line == line)
    }

    /// The newest line the data knows.
    pub fn newest_line(&self) -> Option<Line> {
        self.releases.first().map(|r| r.line)
    }

    /// The newest patch of `line` known to the data.
    pub fn latest_patch(&self, line: Line) -> Option<KubeVersion> {
        self.release(line).map(|r| r.latest)
    }

    /// The newest patch of `line` the data knows to have been out on `on`:
    /// the line's latest patch when it came out on or before `on` (without
    /// a release date, when the data's `updated` is on or before `on`),
    /// else the newest dated earlier patch out by then. `None` when the
    /// data knows of no patch of the line out on `on`: which patch was the
    /// newest on a day before the data's facts cannot be told.
    pub fn newest_patch_on(&self, line: Line, on: Date) -> Option<KnownPatch> {
        let r = self.release(line)?;
        let latest_out = r.latest_date.or(self.releases_updated);
        if latest_out.is_some_and(|d| d <= on) {
            return Some(KnownPatch {
                version: r.latest,
                released: r.latest_date,
            });
        }
        r.patches
            .iter()
            .rev()
            .find(|p| p.date <= on)
            .map(|p| KnownPatch {
                version: p.version,
                released: Some(p.date),
            })
    }

    /// Where `version`'s line stands on `on`. Lines older than the oldest
    /// the table lists are past end of life, at the latest since that
    /// one's end (see `Support::EndOfLife`).
    pub fn support(&self, version: KubeVersion, on: Date) -> Support {
        let line = Line::of(version);
        let Some(release) = self.release(line) else {
            return match self.releases.last() {
                Some(oldest) if line < oldest.line => Support::EndOfLife {
                    since: oldest.end_of_life,
                },
                _ => Support::Unknown,
            };
        };
        if on >= release.end_of_life {
            Support::EndOfLife {
                since: release.end_of_life,
            }
        } else if let Some(since) = release.maintenance.filter(|m| on >= *m) {
            Support::Maintenance {
                since,
                until: release.end_of_life,
            }
        } else {
            Support::Supported {
                maintenance: release.maintenance,
                end_of_life: release.end_of_life,
            }
        }
    }

    /// Every CVE of the data.
    pub fn all_cves(&self) -> &[Cve] {
        &self.cves
    }

    /// The CVEs of `component` that affect `version` on a node of
    /// operating system `os` (`None`: unknown, CVEs limited to one
    /// operating system are left out). A version without a patch number
    /// cannot be judged and matches nothing.
    pub fn cves(
        &self,
        component: Component,
        version: KubeVersion,
        os: Option<&str>,
    ) -> Vec<CveMatch<'_>> {
        if version.patch.is_none() {
            return Vec::new();
        }
        self.cves
            .iter()
            .filter(|c| c.components.contains(&component))
            .filter(|c| {
                c.os.as_deref()
                    .is_none_or(|want| os.is_some_and(|o| o.eq_ignore_ascii_case(want)))
            })
            .filter_map(|c| {
                c.affecting(version).map(|r| CveMatch {
                    cve: c,
                    fixed: r.fixed,
                })
            })
            .collect()
    }

    /// The removal entry for `kind` served at `api_version`.
    pub fn removed_api(&self, api_version: &str, kind: &str) -> Option<&ApiRemoval> {
        self.apis
            .iter()
            .find(|a| a.api_version == api_version && a.kinds.iter().any(|k| k == kind))
    }

    /// Every API removal of the data.
    pub fn removed_apis(&self) -> &[ApiRemoval] {
        &self.apis
    }

    /// The date of the newest fact in the release table (the date the
    /// table's "latest patch" values are true on).
    pub fn releases_updated(&self) -> Option<Date> {
        self.releases_updated
    }

    /// What `rampart data` lists: each file with its date, size and sources.
    pub fn summary(&self) -> Vec<FileSummary> {
        let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
        vec![
            FileSummary {
                name: "releases.yaml",
                updated: date(self.releases_updated),
                entries: self.releases.len(),
                sources: self.releases_sources.clone(),
            },
            FileSummary {
                name: "cves.yaml",
                updated: date(self.cves_updated),
                entries: self.cves.len(),
                sources: self.cves_sources.clone(),
            },
            FileSummary {
                name: "deprecated-apis.yaml",
                updated: date(self.apis_updated),
                entries: self.apis.len(),
                sources: self.apis_sources.clone(),
            },
        ]
    }

    /// Whether any file is older than `max_age_days` on `today` (or has no
    /// date at all).
    pub fn stale(&self, max_age_days: i64, today: Date) -> bool {
        [self.releases_updated, self.cves_updated, self.apis_updated]
            .into_iter()
            .any(|d| d.is_none_or(|d| d.days_until(today) > max_age_days))
    }

    /// Consistency problems between and within the files: dates out of
    /// order, overlapping or inverted CVE ranges, fixed versions newer than
    /// the newest patch known for their line, facts dated after `updated`.
    /// Empty for good data.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let updated = self.releases_updated;
        for r in &self.releases {
            let line = r.line;
            if Line::of(r.latest) != line || r.latest.patch.is_none() {
                out.push(format!(
                    "{line}: latest {} is not a patch of the line",
                    r.latest
                ));
            }
            if let Some(released) = r.released {
                if released >= r.end_of_life {
                    out.push(format!("{line}: released after its end of life"));
                }
            }
            if let Some(m) = r.maintenance {
                if r.released.is_some_and(|rel| m <= rel) || m > r.end_of_life {
                    out.push(format!(
                        "{line}: maintenance start outside the support window"
                    ));
                }
            }
            for (what, d) in [("released", r.released), ("latest", r.latest_date)] {
                if d.is_some_and(|d| updated.is_some_and(|u| d > u)) {
                    out.push(format!("{line}: {what} date after the file's `updated`"));
                }
            }
            for (i, p) in r.patches.iter().enumerate() {
                let v = p.version;
                if Line::of(v) != line {
                    out.push(format!("{line}: patch {v} is not a patch of the line"));
                }
                if triple(v) >= triple(r.latest) {
                    out.push(format!(
                        "{line}: patch {v} not older than latest {}",
                        r.latest
                    ));
                }
                if r.released.is_some_and(|d| p.date < d)
                    || r.latest_date.is_some_and(|d| p.date > d)
                    || updated.is_some_and(|u| p.date > u)
                {
                    out.push(format!("{line}: patch {v} dated outside the line's dates"));
                }
                if let Some(next) = r.patches.get(i + 1) {
                    if triple(next.version) <= triple(v) || next.date < p.date {
                        out.push(format!(
                            "{line}: patches {v} and {} out of order",
                            next.version
                        ));
                    }
                }
            }
        }
        for w in self.releases.windows(2) {
            if w[0].line == w[1].line {
                out.push(format!("{}: listed twice", w[0].line));
            }
            if w[0].end_of_life < w[1].end_of_life {
                out.push(format!("{} ends before the older {}", w[0].line, w[1].line));
            }
        }
        let mut ids: Vec<&str> = self.cves.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        for w in ids.windows(2) {
            if w[0] == w[1] {
                out.push(format!("{}: listed twice", w[0]));
            }
        }
        for c in &self.cves {
            let id = &c.id;
            if c.components.is_empty() {
                out.push(format!("{id}: no component"));
            }
            if !(0.0..=10.0).contains(&c.cvss_score) || !c.cvss_vector.starts_with("CVSS:3.") {
                out.push(format!("{id}: CVSS score or vector out of form"));
            }
            if !c.url.starts_with("https://") {
                out.push(format!("{id}: no announcement URL"));
            }
            if c.affected.is_empty() {
                out.push(format!("{id}: no affected range"));
            }
            for (i, r) in c.affected.iter().enumerate() {
                if let Some(f) = r.fixed {
                    if triple(f) <= triple(r.introduced) {
                        out.push(format!("{id}: range {i} fixed before it was introduced"));
                    }
                    if let Some(latest) = self.latest_patch(Line::of(f)) {
                        if triple(f) > triple(latest) {
                            out.push(format!(
                                "{id}: fixed in {f}, newer than the latest {} patch known ({latest})",
                                Line::of(f)
                            ));
                        }
                    }
                } else if i + 1 != c.affected.len() {
                    out.push(format!("{id}: an open range must be the last"));
                }
                if let Some(next) = c.affected.get(i + 1) {
                    if r.fixed.is_none_or(|f| triple(next.introduced) < triple(f)) {
                        out.push(format!(
                            "{id}: ranges {i} and {} overlap or are out of order",
                            i + 1
                        ));
                    }
                }
            }
        }
        for a in &self.apis {
            if a.deprecated_in > a.removed_in {
                out.push(format!("{}: removed before deprecated", a.api_version));
            }
            if a.kinds.is_empty() {
                out.push(format!("{}: no kinds", a.api_version));
            }
        }
        out
    }
}

/// The files as written, before their values are checked.
mod raw {
    use super::*;

    pub fn load<T: for<'de> Deserialize<'de>>(
        file: &'static str,
        text: &str,
    ) -> Result<T, DataError> {
        let err = |message: String| DataError { file, message };
        let parsed =
            rampart_core::yaml::parse_document(text, 1, rampart_core::yaml::Limits::default())
                .map_err(|e| err(format!("{}:{}: {}", e.pos.line, e.pos.col, e.message)))?;
        let root = parsed.root.ok_or_else(|| err("empty".into()))?;
        rampart_core::de::from_node(&root).map_err(|e| err(format!("{}: {e}", e.pointer())))
    }

    pub fn date(file: &'static str, s: &str) -> Result<Date, DataError> {
        Date::parse(s).ok_or_else(|| DataError {
            file,
            message: format!("{s:?} is not a YYYY-MM-DD date"),
        })
    }

    fn version(file: &'static str, s: &str) -> Result<KubeVersion, DataError> {
        if s == "0" {
            return Ok(KubeVersion {
                major: 0,
                minor: 0,
                patch: Some(0),
            });
        }
        KubeVersion::parse(s)
            .filter(|v| v.patch.is_some() && !s.starts_with('v'))
            .ok_or_else(|| DataError {
                file,
                message: format!("{s:?} is not a version like 1.30.2"),
            })
    }

    fn line(file: &'static str, s: &str) -> Result<Line, DataError> {
        KubeVersion::parse(s)
            .filter(|v| v.patch.is_none())
            .map(Line::of)
            .ok_or_else(|| DataError {
                file,
                message: format!("{s:?} is not a release line like 1.30"),
            })
    }

    #[derive(Deserialize)]
    pub struct Releases {
        pub updated: String,
        #[serde(default)]
        pub sources: Vec<String>,
        pub releases: Vec<Release>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct Release {
        line: String,
        #[serde(default)]
        released: Option<String>,
        #[serde(default)]
        maintenance: Option<String>,
        end_of_life: String,
        latest: String,
        #[serde(default)]
        latest_date: Option<String>,
        #[serde(default)]
        patches: Vec<Patch>,
        source: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Patch {
        version: String,
        date: String,
    }

    impl Release {
        pub fn convert(self) -> Result<super::Release, DataError> {
            const F: &str = "releases.yaml";
            let opt = |d: Option<String>| d.map(|d| date(F, &d)).transpose();
            Ok(super::Release {
                line: line(F, &self.line)?,
                released: opt(self.released)?,
                maintenance: opt(self.maintenance)?,
                end_of_life: date(F, &self.end_of_life)?,
                latest: version(F, &self.latest)?,
                latest_date: opt(self.latest_date)?,
                patches: self
                    .patches
                    .into_iter()
                    .map(|p| {
                        Ok(super::Patch {
                            version: version(F, &p.version)?,
                            date: date(F, &p.date)?,
                        })
                    })
                    .collect::<Result<_, DataError>>()?,
                source: self.source,
            })
        }
    }

    #[derive(Deserialize)]
    pub struct Cves {
        pub updated: String,
        #[serde(default)]
        pub sources: Vec<String>,
        pub cves: Vec<Cve>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Cvss {
        score: f64,
        vector: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Range {
        introduced: String,
        #[serde(default)]
        fixed: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Cve {
        id: String,
        title: String,
        summary: String,
        components: Vec<Component>,
        #[serde(default)]
        os: Option<String>,
        cvss: Cvss,
        affected: Vec<Range>,
        #[serde(default)]
        mitigation: Option<String>,
        #[serde(default)]
        note: Option<String>,
        url: String,
    }

    impl Cve {
        pub fn convert(self) -> Result<super::Cve, DataError> {
            const F: &str = "cves.yaml";
            let affected = self
                .affected
                .into_iter()
                .map(|r| {
                    Ok(super::Range {
                        introduced: version(F, &r.introduced)?,
                        fixed: r.fixed.map(|f| version(F, &f)).transpose()?,
                    })
                })
                .collect::<Result<_, DataError>>()?;
            Ok(super::Cve {
                id: self.id,
                title: self.title,
                summary: self.summary.trim().to_string(),
                components: self.components,
                os: self.os,
                cvss_score: self.cvss.score,
                cvss_vector: self.cvss.vector,
                affected,
                mitigation: self.mitigation.map(|m| m.trim().to_string()),
                note: self.note.map(|n| n.trim().to_string()),
                url: self.url,
            })
        }
    }

    #[derive(Deserialize)]
    pub struct Apis {
        pub updated: String,
        #[serde(default)]
        pub sources: Vec<String>,
        pub apis: Vec<Api>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct Api {
        api_version: String,
        kinds: Vec<String>,
        deprecated_in: String,
        removed_in: String,
        replacement: String,
    }

    impl Api {
        pub fn convert(self) -> Result<ApiRemoval, DataError> {
            const F: &str = "deprecated-apis.yaml";
            Ok(ApiRemoval {
                api_version: self.api_version,
                kinds: self.kinds,
                deprecated_in: line(F, &self.deprecated_in)?,
                removed_in: line(F, &self.removed_in)?,
                replacement: self.replacement,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).unwrap()
    }

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn embedded_files_parse_and_are_consistent() {
        let data = Data::parse(RELEASES, CVES, DEPRECATED_APIS).unwrap();
        assert_eq!(data.problems(), Vec::<String>::new());
        // The lines the rules need, every one of them.
        for minor in 19..=37 {
            assert!(data.release(Line::new(1, minor)).is_some(), "1.{minor}");
        }
        assert!(data.all_cves().len() >= 25);
        assert!(data.removed_apis().len() >= 25);
        // Every `updated` is the date of a fact, not in the future of the
        // newest release fact.
        let updated = data.releases_updated().unwrap();
        let newest = data
            .releases()
            .iter()
            .filter_map(|r| r.latest_date.or(r.released))
            .max()
            .unwrap();
        assert_eq!(updated, newest);
    }

    /// The CVSS v3 base score of a `CVSS:3.x/...` base vector (FIRST's
    /// specification, Roundup as defined in 3.1).
    fn cvss_base_score(vector: &str) -> Option<f64> {
        let mut m = std::collections::HashMap::new();
        for part in vector.split('/').skip(1) {
            let (k, v) = part.split_once(':')?;
            m.insert(k, v);
        }
        let changed = *m.get("S")? == "C";
        let av = match *m.get("AV")? {
            "N" => 0.85,
            "A" => 0.62,
            "L" => 0.55,
            "P" => 0.2,
            _ => return None,
        };
        let ac = match *m.get("AC")? {
            "L" => 0.77,
            "H" => 0.44,
            _ => return None,
        };
        let pr = match (*m.get("PR")?, changed) {
            ("N", _) => 0.85,
            ("L", false) => 0.62,
            ("L", true) => 0.68,
            ("H", false) => 0.27,
            ("H", true) => 0.5,
            _ => return None,
        };
        let ui = match *m.get("UI")? {
            "N" => 0.85,
            "R" => 0.62,
            _ => return None,
        };
        let cia = |k: &str| match m.get(k).copied() {
            Some("H") => Some(0.56),
            Some("L") => Some(0.22),
            Some("N") => Some(0.0),
            _ => None,
        };
        let iss = 1.0 - (1.0 - cia("C")?) * (1.0 - cia("I")?) * (1.0 - cia("A")?);
        let impact = if changed {
            7.52 * (iss - 0.029) - 3.25 * (iss - 0.02_f64).powi(15)
        } else {
            6.42 * iss
        };
        let exploitability = 8.22 * av * ac * pr * ui;
        let roundup = |x: f64| {
            let i = (x * 100_000.0).round() as i64;
            if i % 10_000 == 0 {
                i as f64 / 100_000.0
            } else {
                ((i / 10_000) + 1) as f64 / 10.0
            }
        };
        Some(if impact <= 0.0 {
            0.0
        } else if changed {
            roundup((1.08 * (impact + exploitability)).min(10.0))
        } else {
            roundup((impact + exploitability).min(10.0))
        })
    }

    #[test]
    fn cvss_scores_are_their_vectors_base_scores() {
        assert_eq!(
            cvss_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Some(9.8)
        );
        assert_eq!(
            cvss_base_score("CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:C/C:L/I:L/A:L"),
            Some(5.1)
        );
        for c in Data::embedded().all_cves() {
            assert_eq!(
                cvss_base_score(&c.cvss_vector),
                Some(c.cvss_score),
                "{} {}",
                c.id,
                c.cvss_vector
            );
        }
    }

    #[test]
    fn every_cve_fix_is_a_release_the_table_knows() {
        let data = Data::embedded();
        for c in data.all_cves() {
            for r in &c.affected {
                if let Some(f) = r.fixed {
                    let line = Line::of(f);
                    let latest = data.latest_patch(line).unwrap();
                    assert!(triple(f) <= triple(latest), "{} {f} > {latest}", c.id);
                }
            }
        }
    }

    #[test]
    fn support_windows_follow_the_dates() {
        let data = Data::embedded();
        assert_eq!(
            data.support(v("v1.36.2"), d("2027-06-28")),
            Support::EndOfLife {
                since: d("2027-06-28")
            }
        );
        assert_eq!(
            data.support(v("v1.36.2"), d("2027-05-01")),
            Support::Maintenance {
                since: d("2027-04-28"),
                until: d("2027-06-28")
            }
        );
        assert!(matches!(
            data.support(v("v1.35.0"), d("2026-11-24")),
            Support::Supported { .. }
        ));
        assert_eq!(
            data.support(v("v1.99.0"), d("2026-11-24")),
            Support::Unknown
        );
        // The day of the end of life is past it; the day of the maintenance
        // start is in maintenance.
        assert_eq!(
            data.support(v("v1.34.2"), d("2026-10-27")),
            Support::EndOfLife {
                since: d("2026-10-27")
            }
        );
        assert_eq!(
            data.support(v("v1.34.2"), d("2026-08-27")),
            Support::Maintenance {
                since: d("2026-08-27"),
                until: d("2026-10-27")
            }
        );
        assert!(matches!(
            data.support(v("v1.34.2"), d("2026-08-26")),
            Support::Supported { .. }
        ));
        // Old lines have their own end of life (eol.yaml goes back to 1.2).
        assert_eq!(
            data.support(v("v1.8.3"), d("2026-11-24")),
            Support::EndOfLife {
                since: d("2018-07-12")
            }
        );
        assert_eq!(
            data.support(v("v1.2.0"), d("2016-10-23")),
            Support::EndOfLife {
                since: d("2016-10-23")
            }
        );
        // Older than the table: past end of life, at the latest since the
        // oldest listed line's, and the line is not in the table.
        assert_eq!(
            data.support(v("v1.1.8"), d("2026-11-24")),
            Support::EndOfLife {
                since: d("2016-10-23")
            }
        );
        assert!(data.release(Line::new(1, 1)).is_none());
        assert_eq!(data.latest_patch(Line::new(1, 35)), Some(v("1.35.9")));
    }

    #[test]
    fn the_newest_patch_is_judged_on_the_day_asked() {
        let data = Data::embedded();
        let on = |line: &str, day: &str| {
            data.newest_patch_on(Line::parse(line).unwrap(), d(day))
                .map(|p| (p.version.to_string(), p.released.map(|d| d.to_string())))
        };
        let some = |v: &str, day: &str| Some((v.to_string(), Some(day.to_string())));
        // On and after the latest patch's day: the latest.
        assert_eq!(on("1.35", "2026-09-15"), some("v1.35.9", "2026-09-15"));
        assert_eq!(on("1.35", "2027-01-01"), some("v1.35.9", "2026-09-15"));
        // Before it: the newest dated earlier patch out by then.
        assert_eq!(on("1.35", "2026-09-14"), some("v1.35.8", "2026-08-11"));
        assert_eq!(on("1.35", "2026-02-26"), some("v1.35.2", "2026-02-26"));
        // Before any patch the data dates: nothing can be said.
        assert_eq!(on("1.35", "2026-02-09"), None);
        // A latest patch without a date is known to be out by `updated`.
        assert_eq!(
            on("1.34", "2026-09-15"),
            Some(("v1.34.11".to_string(), None))
        );
        assert_eq!(on("1.34", "2026-09-01"), some("v1.34.10", "2026-07-14"));
        assert_eq!(
            on("1.29", "2026-09-15"),
            Some(("v1.29.14".to_string(), None))
        );
        assert_eq!(on("1.29", "2025-01-01"), None);
        // A line the data does not know.
        assert_eq!(on("1.99", "2026-09-15"), None);
    }

    #[test]
    fn cves_match_ranges_components_and_os() {
        let data = Data::embedded();
        let ids = |m: Vec<CveMatch>| m.iter().map(|m| m.cve.id.clone()).collect::<Vec<_>>();
        // A fixed line: the fix on the line.
        let m = data.cves(Component::Kubelet, v("v1.21.4"), Some("linux"));
        let symlink = m.iter().find(|m| m.cve.id == "CVE-2021-25741").unwrap();
        assert_eq!(symlink.fixed, Some(v("1.21.5")));
        assert!(symlink.fixed_on_line(v("v1.21.4")));
        assert!(
            !ids(data.cves(Component::Kubelet, v("v1.21.5"), Some("linux")))
                .contains(&"CVE-2021-25741".to_string())
        );
        // Windows-only CVEs need a Windows node.
        assert!(
            !ids(data.cves(Component::Kubelet, v("v1.28.0"), Some("linux")))
                .contains(&"CVE-2023-3676".to_string())
        );
        assert!(
            ids(data.cves(Component::Kubelet, v("v1.28.0"), Some("windows")))
                .contains(&"CVE-2023-3676".to_string())
        );
        assert!(
            !ids(data.cves(Component::Kubelet, v("v1.28.0"), None))
                .contains(&"CVE-2023-3676".to_string())
        );
        // A line without a fix points to the first line with one.
        let m = data.cves(Component::KubeControllerManager, v("v1.31.14"), None);
        let ssrf = m.iter().find(|m| m.cve.id == "CVE-2025-13281").unwrap();
        assert_eq!(ssrf.fixed, Some(v("1.32.10")));
        assert!(!ssrf.fixed_on_line(v("v1.31.14")));
        // No fix at all.
        let m = data.cves(Component::KubeApiserver, v("v1.37.1"), None);
        let mitm = m.iter().find(|m| m.cve.id == "CVE-2020-8554").unwrap();
        assert_eq!(mitm.fixed, None);
        // Unknown patch: nothing can be said.
        assert!(
            data.cves(Component::KubeApiserver, v("1.20"), None)
                .is_empty()
        );
        // CVE-2020-8558 is fixed in the kubelet: kube-proxy is not judged.
        assert!(
            ids(data.cves(Component::Kubelet, v("v1.18.3"), Some("linux")))
                .contains(&"CVE-2020-8558".to_string())
        );
        assert!(
            !ids(data.cves(Component::KubeProxy, v("v1.18.3"), Some("linux")))
                .contains(&"CVE-2020-8558".to_string())
        );
        // Unfixed design flaws affect every version.
        let m = data.cves(Component::KubeApiserver, v("v1.37.1"), None);
        for id in [
            "CVE-2020-8561",
            "CVE-2020-8562",
            "CVE-2021-25740",
            "CVE-2024-7598",
        ] {
            let found = m.iter().find(|m| m.cve.id == id).expect(id);
            assert_eq!(found.fixed, None, "{id}");
            assert!(found.cve.mitigation.is_some(), "{id}");
        }
        // Versions with distribution suffixes compare by their numbers.
        assert!(
            ids(data.cves(Component::Kubelet, v("v1.30.2-eks-1552ad0"), Some("linux")))
                .contains(&"CVE-2024-10220".to_string())
        );
    }

    #[test]
    fn removed_apis_are_found_by_version_and_kind() {
        let data = Data::embedded();
        let ingress = data.removed_api("extensions/v1beta1", "Ingress").unwrap();
        assert_eq!(ingress.removed_in, Line::new(1, 22));
        assert_eq!(ingress.replacement, "networking.k8s.io/v1");
        assert!(
            data.removed_api("networking.k8s.io/v1", "Ingress")
                .is_none()
        );
        assert!(data.removed_api("extensions/v1beta1", "Service").is_none());
    }

    #[test]
    fn summary_and_staleness() {
        let data = Data::embedded();
        let s = data.summary();
        assert_eq!(s.len(), 3);
        assert!(s.iter().all(|f| !f.sources.is_empty() && f.entries > 0));
        assert!(!data.stale(10_000, d("2026-11-24")));
        assert!(data.stale(30, d("2030-01-01")));
        assert!(Data::default().stale(30, d("2026-11-24")));
    }

    #[test]
    fn bad_data_is_reported_not_panicked_on() {
        assert!(Data::parse("updated: nope\nreleases: []", CVES, DEPRECATED_APIS).is_err());
        assert!(Data::parse("[", CVES, DEPRECATED_APIS).is_err());
        // Patches out of order, or not older than the latest.
        let shuffled = RELEASES.replace(
            "{version: \"1.35.2\", date: \"2026-02-26\"}",
            "{version: \"1.35.9\", date: \"2026-02-26\"}",
        );
        let data = Data::parse(&shuffled, CVES, DEPRECATED_APIS).unwrap();
        let problems = data.problems();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("1.35: patch v1.35.9 not older"))
        );
        assert!(problems.iter().any(|p| p.contains("out of order")));
        let inverted = CVES.replace("fixed: \"1.11.5\"", "fixed: \"1.10.0\"");
        let data = Data::parse(RELEASES, &inverted, DEPRECATED_APIS).unwrap();
        assert!(
            data.problems()
                .iter()
                .any(|p| p.contains("CVE-2018-1002105"))
        );
    }
}
