//! Discovers rules: every directory `src/rules/<name>/` with a `mod.rs`
//! becomes a module whose `RULE` joins the registry. Adding a rule is one
//! directory (code + fixtures); nothing is registered by hand.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("src/rules exists")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("mod.rs").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    let mut out = String::new();
    for n in &names {
        let path = dir.join(n).join("mod.rs");
        writeln!(
            out,
            "#[path = {:?}]\npub mod {n};",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str(
        "/// Every built-in rule, in id order.\npub static ALL: &[&rampart_core::Rule] = &[\n",
    );
    for n in &names {
        writeln!(out, "    &{n}::RULE,").unwrap();
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("registry.rs");
    std::fs::write(dest, out).expect("write registry");
}
