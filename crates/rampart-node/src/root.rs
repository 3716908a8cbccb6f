//! The I/O edge: a node's root filesystem (`/`, or a host mounted at
//! `/host`), read without ever leaving it.
//!
//! Every path handed to [`NodeRoot`] is a path *as the node sees it*
//! (`/var/lib/kubelet/config.yaml`). Symlinks are resolved component by
//! component relative to the root, so an absolute link target such as
//! `/etc/kubernetes/kubelet.conf` lands inside the root, and `..` never
//! climbs above it.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// How many symlinks one lookup may follow (Linux's limit).
const MAX_SYMLINKS: usize = 40;

/// A node root directory with the node's own user and group names.
#[derive(Clone, Debug)]
pub struct NodeRoot {
    root: PathBuf,
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

/// What `stat` says about a file: mode bits and owner, never contents.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FileStat {
    /// The path as the node sees it.
    pub path: String,
    /// Permission bits including setuid/setgid/sticky (`mode & 0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// The owner's name from the root's `/etc/passwd`, or the number.
    pub user: String,
    /// The group's name from the root's `/etc/group`, or the number.
    pub group: String,
    pub is_dir: bool,
}

impl FileStat {
    /// `0600 root:root`, for evidence.
    pub fn describe(&self) -> String {
        format!("{:04o} {}:{}", self.mode, self.user, self.group)
    }
}

impl NodeRoot {
    /// Opens `root` and reads its `/etc/passwd` and `/etc/group` (both
    /// optional: without them owners are reported by number).
    pub fn new(root: impl Into<PathBuf>) -> io::Result<NodeRoot> {
        let root = root.into();
        if !fs::metadata(&root)?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", root.display()),
            ));
        }
        let mut node = NodeRoot {
            root,
            users: HashMap::new(),
            groups: HashMap::new(),
        };
        node.users = node
            .read_to_string("/etc/passwd")
            .map(|t| parse_id_names(&t))
            .unwrap_or_default();
        node.groups = node
            .read_to_string("/etc/group")
            .map(|t| parse_id_names(&t))
            .unwrap_or_default();
        Ok(node)
    }

    /// The root directory on the machine running rampart.
    pub fn host_path(&self) -> &Path {
        &self.root
    }

    /// Where the node path `path` really is, with every symlink resolved
    /// inside the root. Missing components are kept as given, so the
    /// result of a lookup for a missing file is a path that does not exist.
    pub fn resolve(&self, path: &str) -> io::Result<PathBuf> {
        let mut pending: Vec<OsString> = components(Path::new(path));
        pending.reverse();
        let mut current: Vec<OsString> = Vec::new();
        let mut hops = 0;
        while let Some(part) = pending.pop() {
            if part == ".." {
                current.pop();
                continue;
            }
            current.push(part);
            let host = self.join(&current);
            match fs::symlink_metadata(&host) {
                Ok(m) if m.file_type().is_symlink() => {
                    hops += 1;
                    if hops > MAX_SYMLINKS {
                        return Err(io::Error::other(format!(
                            "too many levels of symbolic links resolving {path}"
                        )));
                    }
                    let target = fs::read_link(&host)?;
                    current.pop();
                    if target.is_absolute() {
                        current.clear();
                    }
                    let mut parts = components(&target);
                    parts.reverse();
                    pending.extend(parts);
                }
                _ => {}
            }
        }
        Ok(self.join(&current))
    }

    fn join(&self, parts: &[OsString]) -> PathBuf {
        let mut p = self.root.clone();
        p.extend(parts);
        p
    }

    /// Reads a text file under the root.
    pub fn read_to_string(&self, path: &str) -> io::Result<String> {
        fs::read_to_string(self.resolve(path)?)
    }

    /// Reads a file's bytes under the root.
    pub fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        fs::read(self.resolve(path)?)
    }

    /// The target of symlink `path` as written (not resolved), its parent
    /// directories resolved inside the root: `/proc/<pid>/ns/pid` reads as
    /// `pid:[4026531836]`.
    pub fn read_link(&self, path: &str) -> io::Result<String> {
        let p = Path::new(path);
        let name = p
            .file_name()
            .ok_or_else(|| io::Error::other(format!("{path} names no file")))?;
        let parent = p.parent().and_then(Path::to_str).unwrap_or("/");
        let target = fs::read_link(self.resolve(parent)?.join(name))?;
        Ok(target.to_string_lossy().into_owned())
    }

    /// Whether `path` exists (after resolving symlinks inside the root).
    pub fn exists(&self, path: &str) -> bool {
        self.resolve(path).is_ok_and(|p| p.exists())
    }

    /// Mode and owner of `path`, following symlinks inside the root (as
    /// `stat` does on the node).
    pub fn stat(&self, path: &str) -> io::Result<FileStat> {
        let m = fs::metadata(self.resolve(path)?)?;
        Ok(FileStat {
            path: path.to_string(),
            mode: m.mode() & 0o7777,
            uid: m.uid(),
            gid: m.gid(),
            user: self.user_name(m.uid()),
            group: self.group_name(m.gid()),
            is_dir: m.is_dir(),
        })
    }

    /// Names of the entries of directory `path`, sorted.
    pub fn read_dir(&self, path: &str) -> io::Result<Vec<String>> {
        let mut names: Vec<String> = fs::read_dir(self.resolve(path)?)?
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        Ok(names)
    }

    /// The user name for `uid` in the root's `/etc/passwd`, or the number.
    pub fn user_name(&self, uid: u32) -> String {
        self.users
            .get(&uid)
            .cloned()
            .unwrap_or_else(|| uid.to_string())
    }

    /// The group name for `gid` in the root's `/etc/group`, or the number.
    pub fn group_name(&self, gid: u32) -> String {
        self.groups
            .get(&gid)
            .cloned()
            .unwrap_or_else(|| gid.to_string())
    }
}

/// Normal components of `path`, with `.` dropped and `..` kept.
fn components(path: &Path) -> Vec<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

/// `name:x:id:...` lines (passwd and group share the first three fields);
/// the first entry for an id wins, as in `getpwuid`.
fn parse_id_names(text: &str) -> HashMap<u32, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut f = line.split(':');
        let (Some(name), Some(_), Some(id)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if let Ok(id) = id.parse::<u32>() {
            out.entry(id).or_insert_with(|| name.to_string());
        }
    }
    out
}

/// Joins a node path given relative to a process's working directory
/// (taken as `/`) into an absolute node path.
pub fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("etc/kubernetes")).unwrap();
        fs::write(root.join("etc/kubernetes/real.conf"), "x").unwrap();
        std::os::unix::fs::symlink("/etc/kubernetes/real.conf", root.join("etc/link")).unwrap();
        std::os::unix::fs::symlink("../../../../../etc/passwd", root.join("etc/escape")).unwrap();
        let node = NodeRoot::new(root).unwrap();
        assert_eq!(
            node.resolve("/etc/link").unwrap(),
            root.join("etc/kubernetes/real.conf")
        );
        assert_eq!(
            node.resolve("/etc/escape").unwrap(),
            root.join("etc/passwd")
        );
        assert!(node.read_to_string("/etc/escape").is_err());
    }

    #[test]
    fn read_link_gives_the_target_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("proc/7/ns")).unwrap();
        std::os::unix::fs::symlink("pid:[4026531836]", root.join("proc/7/ns/pid")).unwrap();
        std::os::unix::fs::symlink("/proc/7", root.join("proc/self")).unwrap();
        let node = NodeRoot::new(root).unwrap();
        assert_eq!(
            node.read_link("/proc/7/ns/pid").unwrap(),
            "pid:[4026531836]"
        );
        assert_eq!(
            node.read_link("/proc/self/ns/pid").unwrap(),
            "pid:[4026531836]"
        );
        assert!(node.read_link("/proc/8/ns/pid").is_err());
    }

    #[test]
    fn names_from_the_roots_passwd() {
        let m = parse_id_names("root:x:0:0:root:/root:/bin/sh\n# c\nkube:x:1000:1000::/:/bin/sh\n");
        assert_eq!(m.get(&0).map(String::as_str), Some("root"));
        assert_eq!(m.get(&1000).map(String::as_str), Some("kube"));
    }
}
