//! The rule pages in docs/rules are generated from the rules themselves;
//! this test fails when one is stale or missing. Regenerate them with
//! `RAMPART_BLESS=1 cargo test -p rampart --test docs`.

pub mod support;

use support::{root, run};

#[test]
fn rule_pages_are_up_to_date() {
    let dir = root().join("docs/rules");
    let bless = std::env::var_os("RAMPART_BLESS").is_some();
    let (_, out, _) = run(&["rules", "-o", "json"]);
    let rules: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut index = String::from(
        "# Rules\n\nGenerated from the rule registry (`rampart rules`).\n\n| id | severity | category | title |\n|---|---|---|---|\n",
    );
    let mut stale = Vec::new();
    for r in rules.as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        let (_, page, _) = run(&["explain", id, "-o", "markdown"]);
        index.push_str(&format!(
            "| [`{id}`]({id}.md) | {} | {} | {} |\n",
            r["severity"].as_str().unwrap(),
            r["category"].as_str().unwrap(),
            r["title"].as_str().unwrap()
        ));
        let path = dir.join(format!("{id}.md"));
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &page).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(page.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    let index_path = dir.join("README.md");
    if bless {
        std::fs::write(&index_path, &index).unwrap();
    } else if std::fs::read_to_string(&index_path).ok().as_deref() != Some(index.as_str()) {
        stale.push(index_path.display().to_string());
    }
    assert!(
        stale.is_empty(),
        "stale rule docs (run RAMPART_BLESS=1 cargo test -p rampart --test docs):\n{}",
        stale.join("\n")
    );
}
