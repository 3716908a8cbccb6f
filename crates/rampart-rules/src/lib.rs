//! rampart's built-in rules.
//!
//! Each rule lives in `src/rules/<rule_id_with_underscores>/`: `mod.rs`
//! defines `pub static RULE` (metadata + check), and `fail-*.yaml` /
//! `pass-*.yaml` fixtures beside it must, respectively, trigger and not
//! trigger it. The build script registers every such directory.

mod support;

pub mod rules {
    include!(concat!(env!("OUT_DIR"), "/registry.rs"));
}

/// Every built-in rule.
pub fn all() -> &'static [&'static rampart_core::Rule] {
    rules::ALL
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static rampart_core::Rule> {
    all().iter().copied().find(|r| r.meta.id == id)
}
