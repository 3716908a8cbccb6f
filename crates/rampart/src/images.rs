//! `rampart images`: the container images manifests use and where, and
//! `rampart images lock`: an image lockfile of them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rampart_core::images::{ImageLock, parse_image};
use rampart_core::source::Input;
use rampart_core::yaml::Limits;
use rampart_core::{ContainerKind, Diagnostic, Inventory, Level, ObjectRef};
use serde_json::json;

use crate::cli::{ImagesArgs, ImagesCommand, InputArgs, ListFormat};
use crate::exit;

pub fn run(args: ImagesArgs) -> u8 {
    match args.command {
        Some(ImagesCommand::Lock(inputs)) => lock(&inputs),
        None => list(&args.inputs, args.output),
    }
}

/// Reads the lockfile given to `rampart scan --image-lock`.
pub fn read_lock(path: &Path) -> Result<ImageLock, Diagnostic> {
    let name: Arc<str> = path.to_string_lossy().into();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error("image-lock", format!("cannot read the image lockfile: {e}"))
            .in_file(&name, None)
    })?;
    ImageLock::parse(&text, &name)
}

/// One container that uses an image.
struct Use {
    object: Arc<ObjectRef>,
    container: String,
    /// `init`, `sidecar` (an init container with `restartPolicy: Always`),
    /// `container` or `ephemeral`.
    container_type: &'static str,
    file: Arc<str>,
    line: u32,
    column: u32,
    pointer: String,
}

/// Image reference as written → its uses, ordered by repository (then by
/// spelling) so that spellings of one repository sit together.
type Uses = BTreeMap<(String, String), Vec<Use>>;

/// Reads the inputs; `None` (after telling the user) when there are none.
fn load(args: &InputArgs) -> Option<Inventory> {
    let inputs: Vec<Input> = args
        .paths
        .iter()
        .chain(&args.filenames)
        .map(|a| Input::parse(a))
        .collect();
    if inputs.is_empty() {
        eprintln!(
            "error: nothing to read; give a file, directory or glob, or `-` for stdin (see `rampart images --help`)"
        );
        return None;
    }
    Some(Inventory::load(&inputs, Limits::default(), &|_| false))
}

/// Every container image of every pod template, with where it is used.
/// Templates whose fields do not fit their types are reported, not read.
fn collect(inventory: &Inventory, diagnostics: &mut Vec<Diagnostic>) -> Uses {
    let mut uses = Uses::new();
    for object in &inventory.objects {
        let workload = match object.workload() {
            Some(Ok(w)) => w,
            Some(Err(e)) => {
                diagnostics.push(object.invalid_field(&e));
                continue;
            }
            None => continue,
        };
        for c in workload.containers() {
            let Some(image) = c.container.image.as_deref().filter(|i| !i.is_empty()) else {
                continue;
            };
            let pointer = c.pointer(&["image"]);
            let pos = object.root.locate(&pointer).start;
            let container_type = match c.kind {
                ContainerKind::Init if c.container.restart_policy.as_deref() == Some("Always") => {
                    "sidecar"
                }
                ContainerKind::Init => "init",
                ContainerKind::Regular => "container",
                ContainerKind::Ephemeral => "ephemeral",
            };
            let key = (parse_image(image).canonical_name(), image.to_string());
            uses.entry(key).or_default().push(Use {
                object: object.id.clone(),
                container: c.container.name.clone(),
                container_type,
                file: object.file.clone(),
                line: pos.line,
                column: pos.col,
                pointer,
            });
        }
    }
    uses
}

fn report_diagnostics(diagnostics: &[Diagnostic]) -> bool {
    crate::scan::print_diagnostics(diagnostics);
    diagnostics.iter().any(|d| d.level == Level::Error)
}

fn list(args: &InputArgs, format: ListFormat) -> u8 {
    let Some(inventory) = load(args) else {
        return exit::ERROR;
    };
    let mut diagnostics = inventory.diagnostics.clone();
    let uses = collect(&inventory, &mut diagnostics);
    let text = match format {
        ListFormat::Text => table(&uses),
        ListFormat::Json => json_report(&uses, &diagnostics),
    };
    if !crate::out::emit(&text) {
        return exit::ERROR;
    }
    if report_diagnostics(&diagnostics) {
        exit::ERROR
    } else {
        exit::CLEAN
    }
}

/// `sha256:0e5a2b9c1f7d…`: enough to tell digests apart in a table; the
/// JSON output has them whole.
fn short_digest(d: &str) -> String {
    match d.split_once(':') {
        Some((alg, hex)) if hex.chars().count() > 12 => {
            let head: String = hex.chars().take(12).collect();
            format!("{alg}:{head}…")
        }
        _ => d.to_string(),
    }
}

fn container_label(container_type: &str) -> &str {
    match container_type {
        "init" => "init container",
        "ephemeral" => "ephemeral container",
        other => other,
    }
}

fn table(uses: &Uses) -> String {
    if uses.is_empty() {
        return "no container images found\n".to_string();
    }
    let header = [
        "IMAGE",
        "REGISTRY",
        "REPOSITORY",
        "TAG",
        "DIGEST",
        "USED BY",
    ];
    let mut rows: Vec<[String; 6]> = Vec::new();
    let mut containers = 0;
    for ((_, image), list) in uses {
        let r = parse_image(image);
        for (i, u) in list.iter().enumerate() {
            let used_by = format!(
                "{}, {} \"{}\" ({}:{})",
                u.object,
                container_label(u.container_type),
                u.container,
                u.file,
                u.line
            );
            // Continuation lines leave the image's columns blank.
            let row = if i == 0 {
                [
                    // The digest has its own column.
                    image.split('@').next().unwrap_or(image).to_string(),
                    r.registry().to_string(),
                    r.repository().into_owned(),
                    r.tag.unwrap_or("-").to_string(),
                    r.digest.map_or_else(|| "-".to_string(), short_digest),
                    used_by,
                ]
            } else {
                [
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    used_by,
                ]
            };
            rows.push(row);
            containers += 1;
        }
    }
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            l.push_str(cell);
            if i + 1 < cells.len() {
                let pad = widths[i] - cell.chars().count() + 2;
                l.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
    out.push_str(&format!(
        "\n{} image{} in {} container{}\n",
        uses.len(),
        if uses.len() == 1 { "" } else { "s" },
        containers,
        if containers == 1 { "" } else { "s" }
    ));
    out
}

fn json_report(uses: &Uses, diagnostics: &[Diagnostic]) -> String {
    let images: Vec<serde_json::Value> = uses
        .iter()
        .map(|((name, image), list)| {
            let r = parse_image(image);
            json!({
                "image": image,
                "name": name,
                "registry": r.registry(),
                "repository": r.repository(),
                "tag": r.tag,
                "digest": r.digest,
                "pinned": r.is_pinned(),
                "usedBy": list.iter().map(|u| json!({
                    "object": &*u.object,
                    "container": u.container,
                    "containerType": u.container_type,
                    "location": {
                        "file": &*u.file,
                        "line": u.line,
                        "column": u.column,
                        "pointer": u.pointer,
                    },
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({
        "schemaVersion": 1,
        "images": images,
        "diagnostics": diagnostics,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn lock(args: &InputArgs) -> u8 {
    let Some(inventory) = load(args) else {
        return exit::ERROR;
    };
    let mut diagnostics = inventory.diagnostics.clone();
    let uses = collect(&inventory, &mut diagnostics);
    if report_diagnostics(&diagnostics) {
        // A lockfile that misses the images of unreadable input would look
        // complete; write none.
        eprintln!("error: the input has errors (above); no lockfile written");
        return exit::ERROR;
    }
    let lock = ImageLock::from_references(uses.keys().map(|(_, image)| image.as_str()));
    for ((_, image), list) in &uses {
        let r = parse_image(image);
        if r.is_pinned() {
            continue;
        }
        let Some(first) = list.first() else {
            continue;
        };
        let more = match list.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        let (code, problem) = match r.digest {
            Some(_) => ("malformed-digest", "has a malformed digest"),
            None => ("unpinned-image", "has no digest"),
        };
        eprintln!(
            "warning[{code}]: {image} ({}, {} \"{}\"{more}) {problem}; written with `digest: null`. Pin it in the manifest (image@sha256:...) and lock again, or fill in its digest in the lockfile",
            first.object,
            container_label(first.container_type),
            first.container
        );
    }
    let unpinned = lock.images().iter().filter(|e| e.digest.is_none()).count();
    if uses.is_empty() {
        eprintln!("warning: no container images found in the input; the lockfile is empty");
    }
    if !crate::out::emit(&lock.to_yaml()) {
        return exit::ERROR;
    }
    let n = lock.images().len();
    eprintln!(
        "locked {n} image{}{}",
        if n == 1 { "" } else { "s" },
        match unpinned {
            0 => String::new(),
            u => format!(" ({u} without a digest)"),
        }
    );
    exit::CLEAN
}
