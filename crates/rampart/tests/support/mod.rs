//! What the tests of the `rampart` binary share: running it, and (in
//! submodules) a local API server to point it at ([`cluster`]) and
//! `admission serve` over HTTPS ([`webhook`]).
//!
//! Each test file declares `pub mod support;`. Every file under tests/ is
//! its own crate and uses only part of this module; rustc does not count a
//! `pub` item reachable from a test crate's root as dead (rust-lang/rust
//! #74970), so the parts one file leaves unused raise no warning and need no
//! `allow(dead_code)`, while private items here are still checked. The
//! alternative — each file including just the submodules it uses with
//! `#[path]` — needs every item of an included file to be used by every
//! includer, which would split these helpers into a file per function.

pub mod cluster;
pub mod webhook;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root, where `rampart` runs unless told otherwise: test
/// arguments name files relative to it (`tests/fixtures/…`, `deploy/…`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The binary, run in [`root`], with no kubeconfig or pod environment of
/// the machine running the tests: nothing reaches a real cluster, and the
/// webhook keeps no namespace cache unless a test gives it a kubeconfig.
pub fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.current_dir(root())
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", "/nonexistent");
    c
}

/// Runs the binary in [`root`]: (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    run_in(&root(), args)
}

/// [`run`] in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    outcome(command().current_dir(dir).args(args).output().unwrap())
}

/// [`run`] with `stdin` as standard input.
pub fn run_with_stdin(args: &[&str], stdin: impl Into<Vec<u8>>) -> (i32, String, String) {
    let out = assert_cmd::Command::from_std(command())
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    outcome(out)
}

/// Output is text: anything else fails the test.
fn outcome(out: Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Writes `contents` to `path` under `root` (creating directories) with
/// permission bits `mode`.
pub fn write(root: &Path, path: &str, contents: impl AsRef<[u8]>, mode: u32) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, contents).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
}
