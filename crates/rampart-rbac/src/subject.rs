//! Subjects named by bindings, and the authenticated principals requests
//! come from.

use std::fmt;

use serde::Serialize;

use crate::ParseError;

pub const SA_USER_PREFIX: &str = "system:serviceaccount:";
pub const SA_GROUP: &str = "system:serviceaccounts";
pub const AUTHENTICATED: &str = "system:authenticated";
pub const UNAUTHENTICATED: &str = "system:unauthenticated";
pub const ANONYMOUS: &str = "system:anonymous";
pub const MASTERS: &str = "system:masters";
pub const NODES: &str = "system:nodes";
pub const NODE_USER_PREFIX: &str = "system:node:";

/// A binding subject, normalised: a service account's namespace is
/// resolved, and a `User` named `system:serviceaccount:NS:NAME` is that
/// service account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Subject {
    User { name: String },
    Group { name: String },
    ServiceAccount { namespace: String, name: String },
}

impl Subject {
    pub fn user(name: &str) -> Self {
        match split_sa_username(name) {
            Some((ns, n)) => Subject::sa(ns, n),
            None => Subject::User {
                name: name.to_string(),
            },
        }
    }

    pub fn group(name: &str) -> Self {
        Subject::Group {
            name: name.to_string(),
        }
    }

    pub fn sa(namespace: &str, name: &str) -> Self {
        Subject::ServiceAccount {
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    /// Parses `user:NAME`, `group:NAME` or `sa:NAMESPACE:NAME`.
    pub fn parse(spec: &str) -> Result<Self, ParseError> {
        let bad = || ParseError::Subject(spec.to_string());
        let (kind, rest) = spec.split_once(':').ok_or_else(bad)?;
        if rest.is_empty() {
            return Err(bad());
        }
        match kind {
            "user" => Ok(Subject::user(rest)),
            "group" => Ok(Subject::group(rest)),
            "sa" | "serviceaccount" => match rest.split_once(':') {
                Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains(':') => {
                    Ok(Subject::sa(ns, name))
                }
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }

    /// A Kubernetes component identity: the control-plane users
    /// (`system:kube-controller-manager`, `system:kube-scheduler`,
    /// `system:kube-proxy`, `system:apiserver`), kubelets (`system:node:*`,
    /// group `system:nodes`), bootstrap tokens (`system:bootstrappers*`) and
    /// `system:monitoring`. Other `system:` names are not components (a
    /// platform's `system:cluster-admins` is a group of people), and
    /// neither are service accounts: add-ons run as them, and their grants
    /// are the ones worth reviewing.
    pub fn is_component(&self) -> bool {
        const USERS: &[&str] = &[
            "system:kube-controller-manager",
            "system:kube-scheduler",
            "system:kube-proxy",
            "system:apiserver",
        ];
        match self {
            Subject::User { name } => {
                USERS.contains(&name.as_str()) || name.starts_with(NODE_USER_PREFIX)
            }
            Subject::Group { name } => {
                name == NODES
                    || name == "system:monitoring"
                    || name == "system:bootstrappers"
                    || name.starts_with("system:bootstrappers:")
            }
            Subject::ServiceAccount { .. } => false,
        }
    }

    /// Whether the subject stands for everyone, or every client without
    /// credentials: `system:anonymous`, `system:unauthenticated`,
    /// `system:authenticated`, `system:serviceaccounts` (every service
    /// account of the cluster).
    pub fn is_public(&self) -> bool {
        match self {
            Subject::User { name } => name == ANONYMOUS,
            Subject::Group { name } => {
                name == UNAUTHENTICATED || name == AUTHENTICATED || name == SA_GROUP
            }
            Subject::ServiceAccount { .. } => false,
        }
    }

    /// The key bindings are indexed under: the user name (service accounts
    /// by their `system:serviceaccount:` user name) or the group name.
    pub(crate) fn key(&self) -> Key {
        match self {
            Subject::User { name } => Key::User(name.clone()),
            Subject::Group { name } => Key::Group(name.clone()),
            Subject::ServiceAccount { namespace, name } => {
                Key::User(format!("{SA_USER_PREFIX}{namespace}:{name}"))
            }
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::User { name } => write!(f, "user:{name}"),
            Subject::Group { name } => write!(f, "group:{name}"),
            Subject::ServiceAccount { namespace, name } => write!(f, "sa:{namespace}:{name}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    User(String),
    Group(String),
}

/// `system:serviceaccount:NS:NAME` → (NS, NAME).
pub fn split_sa_username(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix(SA_USER_PREFIX)?;
    let (ns, name) = rest.split_once(':')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains(':')).then_some((ns, name))
}

/// Who makes a request: a user name (absent when only group membership is
/// asked about) and every group, implicit ones included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user: Option<String>,
    pub groups: Vec<String>,
}

impl Principal {
    /// The principal a subject authenticates as. Without `extra_groups`:
    /// - a service account: user `system:serviceaccount:NS:NAME`, groups
    ///   `system:serviceaccounts`, `system:serviceaccounts:NS`,
    ///   `system:authenticated`;
    /// - user `system:anonymous`: group `system:unauthenticated`;
    /// - a node user `system:node:NAME`: groups `system:nodes` and
    ///   `system:authenticated`;
    /// - any other user: `system:authenticated`;
    /// - a group: a member of that group (and of `system:authenticated`,
    ///   unless the group is `system:unauthenticated`), with no user name.
    ///
    /// `extra_groups` are the groups kubectl's `--as-group` gives, with the
    /// impersonation filter's rules: they replace a user's own groups (a
    /// service account's included); `system:anonymous` is always in
    /// `system:unauthenticated`; any other user is added to
    /// `system:authenticated` unless the groups already say
    /// `system:authenticated` or `system:unauthenticated`.
    pub fn of(subject: &Subject, extra_groups: &[String]) -> Self {
        let mut groups: Vec<String> = Vec::new();
        let user = match subject {
            Subject::ServiceAccount { namespace, name } => {
                if extra_groups.is_empty() {
                    groups.push(SA_GROUP.to_string());
                    groups.push(format!("{SA_GROUP}:{namespace}"));
                }
                Some(format!("{SA_USER_PREFIX}{namespace}:{name}"))
            }
            Subject::User { name } => {
                if extra_groups.is_empty() && name.starts_with(NODE_USER_PREFIX) {
                    groups.push(NODES.to_string());
                }
                Some(name.clone())
            }
            Subject::Group { name } => {
                groups.push(name.clone());
                None
            }
        };
        groups.extend(extra_groups.iter().cloned());
        let anonymous = user.as_deref() == Some(ANONYMOUS);
        if anonymous {
            groups.push(UNAUTHENTICATED.to_string());
        } else if !groups
            .iter()
            .any(|g| g == AUTHENTICATED || g == UNAUTHENTICATED)
        {
            groups.push(AUTHENTICATED.to_string());
        }
        let mut seen = std::collections::HashSet::new();
        groups.retain(|g| seen.insert(g.clone()));
        Principal { user, groups }
    }

    /// Parses a subject spec (see [`Subject::parse`]) and adds
    /// `extra_groups`.
    pub fn parse(spec: &str, extra_groups: &[String]) -> Result<Self, ParseError> {
        Subject::parse(spec).map(|s| Principal::of(&s, extra_groups))
    }

    /// Whether the principal is in `system:masters`, which bypasses
    /// authorization entirely.
    pub fn is_master(&self) -> bool {
        self.groups.iter().any(|g| g == MASTERS)
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = Key> + '_ {
        self.user
            .iter()
            .map(|u| Key::User(u.clone()))
            .chain(self.groups.iter().map(|g| Key::Group(g.clone())))
    }
}
