//! Synthetic node roots shared by the fixture tests (and the CLI's):
//! the trees under `tests/fixtures/<name>/root` are copied into a
//! temporary directory at test time, where modes and owners are applied
//! from `tests/fixtures/<name>/modes` (git cannot store them).
//!
//! Owners: `owner root` or `owner kube` in `modes` names who owns every
//! file. The fixture's `/etc/passwd` and `/etc/group` are written here so
//! that works as root and as non-root: as root, `kube` files are chowned to
//! uid/gid 1000; as another user (who cannot chown), the running uid/gid
//! is given the fixture owner's name in the fixture's passwd and group.

#![allow(dead_code)] // each test crate that includes this uses part of it

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else if e.file_name() == "cmdline.args" {
            // One argument per line in git; NUL-separated like the kernel.
            let text = fs::read_to_string(e.path()).unwrap();
            let mut bytes = Vec::new();
            for a in text.lines() {
                bytes.extend_from_slice(a.as_bytes());
                bytes.push(0);
            }
            fs::write(to.join("cmdline"), bytes).unwrap();
        } else {
            fs::copy(e.path(), &dest).unwrap();
        }
    }
}

pub struct Fixture {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

/// Builds fixture `name` of this crate's `tests/fixtures`.
pub fn build(name: &str) -> Fixture {
    // Through `..` so the path is right from any crate of the workspace.
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rampart-node/tests/fixtures")
        .join(name);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    copy_tree(&src.join("root"), &root);

    let probe = dir.path().join("probe");
    fs::write(&probe, "").unwrap();
    let meta = fs::metadata(&probe).unwrap();
    let (uid, gid) = (meta.uid(), meta.gid());

    // No `modes` file: contents are all that matter (the SSH fixtures).
    let modes = fs::read_to_string(src.join("modes")).unwrap_or_default();
    let owner = modes
        .lines()
        .find_map(|l| l.strip_prefix("owner "))
        .unwrap_or("root")
        .trim()
        .to_string();
    let (passwd, group) = if uid == 0 {
        (
            "root:x:0:0:root:/root:/bin/sh\nkube:x:1000:1000::/home/kube:/bin/sh\n".to_string(),
            "root:x:0:\nkube:x:1000:\n".to_string(),
        )
    } else {
        let other = if owner == "root" { "kube" } else { "root" };
        let other_id = if owner == "root" { 1_000_000 } else { 0 };
        (
            format!(
                "{owner}:x:{uid}:{gid}::/:/bin/sh\n{other}:x:{other_id}:{other_id}::/:/bin/sh\n"
            ),
            format!("{owner}:x:{gid}:\n{other}:x:{other_id}:\n"),
        )
    };
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::write(root.join("etc/passwd"), passwd).unwrap();
    fs::write(root.join("etc/group"), group).unwrap();

    for line in modes.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("owner ") {
            continue;
        }
        let (mode, path) = line.split_once(' ').unwrap();
        let mode = u32::from_str_radix(mode, 8).unwrap();
        let p = root.join(path.trim());
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
        if uid == 0 && owner == "kube" {
            std::os::unix::fs::chown(&p, Some(1000), Some(1000)).unwrap();
        }
    }
    Fixture { _dir: dir, root }
}
