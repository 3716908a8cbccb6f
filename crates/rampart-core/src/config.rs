//! `.rampart.yaml`: which rules run, at what severity, with which
//! parameters, and which findings are exempt (always with a reason).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use crate::admission::AdmissionConfig;
use crate::de::from_node;
use crate::diag::Diagnostic;
use crate::finding::{Finding, Severity, Suppression};
use crate::rule::{ActiveRule, ParamValue, Params, Profile, PssLevel, Rule};
use crate::yaml::{Limits, parse_document};

/// File names rampart looks for, from the scanned path upward.
pub const CONFIG_NAMES: [&str; 2] = [".rampart.yaml", ".rampart.yml"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawConfig {
    #[serde(default)]
    fail_on: Option<Severity>,
    #[serde(default)]
    rules: BTreeMap<String, RawRule>,
    #[serde(default)]
    exemptions: Vec<RawExemption>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    admission: AdmissionConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    enabled: Option<bool>,
    severity: Option<Severity>,
    #[serde(default)]
    params: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExemption {
    reason: String,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    objects: Vec<String>,
}

/// An exemption: every listed criterion must match (an empty list matches
/// anything); within a list, any entry may match.
#[derive(Debug)]
pub struct Exemption {
    pub reason: String,
    pub rules: Vec<String>,
    paths: Vec<GlobMatcher>,
    namespaces: Vec<GlobMatcher>,
    objects: Vec<GlobMatcher>,
}

#[derive(Debug, Default)]
pub struct Config {
    /// The file this came from, if any.
    pub path: Option<PathBuf>,
    pub fail_on: Option<Severity>,
    rules: BTreeMap<String, RawRule>,
    pub exemptions: Vec<Exemption>,
    exclude: Vec<GlobMatcher>,
    /// Directory the config's relative path globs are anchored in.
    base: Option<PathBuf>,
    /// How the admission webhook acts on findings.
    pub admission: AdmissionConfig,
}

fn glob(pattern: &str, what: &str) -> Result<GlobMatcher, String> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("{what} pattern `{pattern}`: {e}"))
}

impl Config {
    /// Looks for a config file in `start` (or its directory) and upward.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let start = std::fs::canonicalize(start).ok()?;
        let mut dir = if start.is_dir() {
            Some(start.as_path())
        } else {
            start.parent()
        };
        while let Some(d) = dir {
            for name in CONFIG_NAMES {
                let candidate = d.join(name);
                if candidate.is_file() {
                    return Some(candidate);
                }
            }
            dir = d.parent();
        }
        None
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, Diagnostic> {
        let name: Arc<str> = path.to_string_lossy().into();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Diagnostic::error("config", format!("{name}: {e}")))?;
        let mut config = Config::parse(&text, &name)?;
        config.base = path
            .parent()
            .and_then(|p| std::fs::canonicalize(p).ok())
            .or_else(|| path.parent().map(Path::to_path_buf));
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses config text; `name` is used in error messages.
    pub fn parse(text: &str, name: &Arc<str>) -> Result<Config, Diagnostic> {
        let err = |pos, msg: String| Diagnostic::error("config", msg).in_file(name, pos);
        let parsed =
            parse_document(text, 1, Limits::default()).map_err(|e| err(Some(e.pos), e.message))?;
        if let Some(d) = parsed.duplicates.first() {
            return Err(err(Some(d.pos), d.message.clone()));
        }
        let root = parsed.root;
        let raw: RawConfig = match &root {
            Some(node) => from_node(node).map_err(|e| {
                let field = crate::inventory::dotted(&e.pointer());
                err(e.pos, format!("`{field}`: {}", e.message))
            })?,
            None => RawConfig::default(),
        };
        let mut exemptions = Vec::new();
        for (i, e) in raw.exemptions.into_iter().enumerate() {
            if e.reason.trim().is_empty() {
                return Err(err(
                    None,
                    format!("exemptions[{i}]: `reason` is required and must say why"),
                ));
            }
            let compile = |list: &[String], what| {
                list.iter()
                    .map(|p| glob(p, what))
                    .collect::<Result<Vec<_>, _>>()
            };
            let in_exemption = |m: String| err(None, format!("exemptions[{i}]: {m}"));
            exemptions.push(Exemption {
                reason: e.reason,
                rules: e.rules,
                paths: compile(&e.paths, "path").map_err(in_exemption)?,
                namespaces: compile(&e.namespaces, "namespace").map_err(in_exemption)?,
                objects: compile(&e.objects, "object").map_err(in_exemption)?,
            });
        }
        let exclude = raw
            .exclude
            .iter()
            .map(|p| glob(p, "exclude"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| err(None, m))?;
        Ok(Config {
            path: None,
            fail_on: raw.fail_on,
            rules: raw.rules,
            exemptions,
            exclude,
            base: None,
            admission: raw.admission,
        })
    }

    /// The rules to run: every registered rule enabled by default or in
    /// the config, with severities and parameters applied. `only` and
    /// `skip` come from the command line and win over the config.
    ///
    /// A Pod Security profile selects exactly the rules implementing that
    /// level's PSA checks (the config cannot switch them off, so the result
    /// matches what PSA decides); severities and parameters still apply.
    pub fn active_rules(
        &self,
        all: &[&'static Rule],
        only: &[String],
        skip: &[String],
        profile: Profile,
    ) -> Result<Vec<ActiveRule>, Diagnostic> {
        let known = |id: &str| all.iter().any(|r| r.meta.id == id);
        for id in self.rules.keys().chain(only).chain(skip) {
            if !known(id) {
                return Err(self.error(format!("unknown rule `{id}`; `rampart rules` lists them")));
            }
        }
        if let Some(id) = self.admission.actions.keys().find(|id| !known(id)) {
            return Err(self.error(format!(
                "admission.actions names unknown rule `{id}`; `rampart rules` lists them"
            )));
        }
        for e in &self.exemptions {
            if let Some(id) = e.rules.iter().find(|id| !known(id)) {
                return Err(self.error(format!(
                    "exemption names unknown rule `{id}`; `rampart rules` lists them"
                )));
            }
        }
        let overridden_at_restricted: Vec<&str> = all
            .iter()
            .filter_map(|r| r.meta.pss)
            .filter(|p| p.level == PssLevel::Restricted)
            .flat_map(|p| p.overrides.iter().copied())
            .collect();
        let mut active = Vec::new();
        for &rule in all {
            let id = rule.meta.id;
            let cfg = self.rules.get(id);
            let in_profile = match profile {
                Profile::Default => cfg
                    .and_then(|c| c.enabled)
                    .unwrap_or(rule.meta.enabled_by_default),
                Profile::All => cfg.and_then(|c| c.enabled).unwrap_or(true),
                Profile::PssNamespace => rule.meta.pss.is_some(),
                Profile::Pss(level) => rule.meta.pss.is_some_and(|p| {
                    p.level <= level
                        && !(level == PssLevel::Restricted
                            && overridden_at_restricted.contains(&p.check))
                }),
            };
            let enabled = if !only.is_empty() {
                only.iter().any(|o| o == id)
            } else {
                in_profile
            } && !skip.iter().any(|s| s == id);
            if !enabled {
                continue;
            }
            let mut params = Params::defaults(&rule.meta);
            if let Some(c) = cfg {
                for (name, value) in &c.params {
                    let spec = rule
                        .meta
                        .params
                        .iter()
                        .find(|p| p.name == name)
                        .ok_or_else(|| {
                            self.error(format!("rule `{id}` has no parameter `{name}`"))
                        })?;
                    let v = ParamValue::from_json(spec.default, value)
                        .map_err(|m| self.error(format!("rule `{id}` parameter `{name}`: {m}")))?;
                    params.set(spec.name, v);
                }
            }
            active.push(ActiveRule {
                rule,
                severity: cfg.and_then(|c| c.severity).unwrap_or(rule.meta.severity),
                params,
            });
        }
        Ok(active)
    }

    fn error(&self, message: String) -> Diagnostic {
        let d = Diagnostic::error("config", message);
        match &self.path {
            Some(p) => d.in_file(&Arc::from(p.to_string_lossy().as_ref()), None),
            None => d,
        }
    }

    /// The ways a finding's file can be named for path globs: as given, and
    /// relative to the config's directory.
    fn path_forms(&self, file: &str) -> Vec<String> {
        let trimmed = file.strip_prefix("./").unwrap_or(file);
        let mut forms = vec![trimmed.to_string()];
        if let (Some(base), Ok(abs)) = (&self.base, std::fs::canonicalize(file)) {
            if let Ok(rel) = abs.strip_prefix(base) {
                forms.push(rel.to_string_lossy().into_owned());
            }
        }
        forms
    }

    /// True when `file` matches an `exclude` pattern.
    pub fn excludes(&self, file: &Path) -> bool {
        !self.exclude.is_empty()
            && self
                .path_forms(&file.to_string_lossy())
                .iter()
                .any(|f| self.exclude.iter().any(|g| g.is_match(f)))
    }

    /// The config exemption that covers `finding`, if any.
    pub fn exemption_for(&self, finding: &Finding) -> Option<Suppression> {
        if self.exemptions.is_empty() {
            return None;
        }
        let o = &finding.object;
        let object_forms = [
            format!(
                "{}/{}/{}",
                o.kind,
                o.namespace.as_deref().unwrap_or(""),
                o.name
            ),
            format!("{}/{}", o.kind, o.name),
        ];
        let mut paths = self.path_forms(&finding.location.file);
        if let Some(h) = &finding.location.helm_source {
            paths.push(h.to_string());
        }
        self.exemptions
            .iter()
            .find(|e| {
                (e.rules.is_empty() || e.rules.iter().any(|r| r == &finding.rule))
                    && (e.paths.is_empty()
                        || paths.iter().any(|p| e.paths.iter().any(|g| g.is_match(p))))
                    && (e.namespaces.is_empty()
                        || e.namespaces
                            .iter()
                            .any(|g| g.is_match(o.namespace.as_deref().unwrap_or(""))))
                    && (e.objects.is_empty()
                        || object_forms
                            .iter()
                            .any(|f| e.objects.iter().any(|g| g.is_match(f))))
            })
            .map(|e| Suppression {
                kind: "config",
                reason: e.reason.clone(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::{Action, ControllerCreated};

    fn parse(text: &str) -> Result<Config, Diagnostic> {
        Config::parse(text, &Arc::from("test.yaml"))
    }

    #[test]
    fn admission_section_is_read() {
        let c = parse(
            "admission:\n  denyAt: critical\n  actions:\n    r1: audit\n    r2: deny\n  exemptNamespaces: [infra]\n  exemptGroups: [ops]\n",
        )
        .unwrap();
        assert_eq!(c.admission.deny_at, Some(Severity::Critical));
        assert_eq!(c.admission.actions["r1"], Action::Audit);
        assert_eq!(c.admission.actions["r2"], Action::Deny);
        assert_eq!(c.admission.exempt_namespaces, Some(vec!["infra".into()]));
        assert!(c.admission.exempt_users.is_empty());
        assert_eq!(c.admission.exempt_groups, ["ops"]);
        assert_eq!(c.admission.controller_created, ControllerCreated::Audit);
        let c = parse("admission:\n  controllerCreated: judge\n").unwrap();
        assert_eq!(c.admission.controller_created, ControllerCreated::Judge);
        // Absent: nothing set, so the webhook's defaults apply.
        let c = parse("failOn: high\n").unwrap();
        assert_eq!(c.admission.deny_at, None);
        assert_eq!(c.admission.exempt_namespaces, None);
    }

    #[test]
    fn admission_mistakes_are_errors() {
        let e = parse("admission:\n  actions:\n    r1: block\n").unwrap_err();
        assert!(e.message.contains("admission.actions.r1"), "{}", e.message);
        let e = parse("admission:\n  denyat: high\n").unwrap_err();
        assert!(e.message.contains("denyat"), "{}", e.message);
    }
}
