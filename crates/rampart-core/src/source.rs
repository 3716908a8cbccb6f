//! Reading inputs: files, directories, globs and stdin, split into YAML
//! documents that can be parsed independently (and in parallel), so one
//! malformed document never hides the others.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::Diagnostic;

/// Largest input file rampart reads.
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// Largest single YAML document rampart parses.
pub const MAX_DOCUMENT_BYTES: usize = 64 << 20;

/// A file (or stdin) as read, kept for showing offending lines in reports.
#[derive(Debug)]
pub struct SourceFile {
    pub name: Arc<str>,
    pub text: String,
}

/// One YAML document of a file: a byte range and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
    pub first_line: u32,
    /// Helm's `# Source: chart/templates/x.yaml` comment, when present.
    pub helm_source: Option<String>,
}

/// Where inputs come from, as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

impl Input {
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

fn is_manifest_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Expands inputs to the files to read: directories recursively (YAML and
/// JSON files, hidden directories skipped), glob patterns, and plain files
/// of any name. Missing paths become diagnostics.
pub fn expand(inputs: &[Input], diags: &mut Vec<Diagnostic>) -> Vec<Input> {
    let mut out = Vec::new();
    for input in inputs {
        let Input::Path(path) = input else {
            out.push(Input::Stdin);
            continue;
        };
        let text = path.to_string_lossy();
        if !path.exists() && text.contains(['*', '?', '[']) {
            match glob::glob(&text) {
                Ok(paths) => {
                    let mut found: Vec<PathBuf> = paths.filter_map(Result::ok).collect();
                    if found.is_empty() {
                        diags.push(Diagnostic::error(
                            "no-input",
                            format!("{text}: the pattern matches no file"),
                        ));
                    }
                    found.sort();
                    for p in found {
                        walk(&p, &mut out, diags);
                    }
                }
                Err(e) => diags.push(Diagnostic::error(
                    "no-input",
                    format!("{text}: not a valid glob pattern: {e}"),
                )),
            }
            continue;
        }
        if !path.exists() {
            diags.push(Diagnostic::error(
                "no-input",
                format!("{text}: no such file or directory"),
            ));
            continue;
        }
        walk(path, &mut out, diags);
    }
    out
}

fn walk(path: &Path, out: &mut Vec<Input>, diags: &mut Vec<Diagnostic>) {
    if !path.is_dir() {
        out.push(Input::Path(path.to_path_buf()));
        return;
    }
    let walker = walkdir::WalkDir::new(path)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !e.file_name().to_str().is_some_and(|n| n.starts_with('.'))
        });
    for entry in walker {
        match entry {
            // A symlink to a file counts as that file: a ConfigMap volume
            // is a directory of links (`p.yaml -> ..data/p.yaml`). Links to
            // directories are not followed (no cycles).
            Ok(e)
                if is_manifest_name(e.path())
                    && (e.file_type().is_file()
                        || (e.path_is_symlink()
                            && std::fs::metadata(e.path()).is_ok_and(|m| m.is_file()))) =>
            {
                out.push(Input::Path(e.into_path()));
            }
            Ok(_) => {}
            Err(e) => diags.push(Diagnostic::error(
                "unreadable",
                format!("{}: {e}", path.display()),
            )),
        }
    }
}

/// Reads one input into memory, rejecting what is not text.
pub fn read(input: &Input) -> Result<SourceFile, Diagnostic> {
    let (name, bytes): (Arc<str>, Vec<u8>) = match input {
        Input::Stdin => {
            use std::io::Read;
            let mut buf = Vec::new();
            std::io::stdin()
                .take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut buf)
                .map_err(|e| {
                    Diagnostic::error("unreadable", e.to_string()).in_file(&"<stdin>".into(), None)
                })?;
            ("<stdin>".into(), buf)
        }
        Input::Path(p) => {
            let name: Arc<str> = p.to_string_lossy().into();
            let meta = std::fs::metadata(p)
                .map_err(|e| Diagnostic::error("unreadable", e.to_string()).in_file(&name, None))?;
            if meta.len() > MAX_FILE_BYTES {
                return Err(Diagnostic::error(
                    "too-large",
                    format!(
                        "{} bytes is over the {MAX_FILE_BYTES} byte limit for one file; split it",
                        meta.len()
                    ),
                )
                .in_file(&name, None));
            }
            let bytes = std::fs::read(p)
                .map_err(|e| Diagnostic::error("unreadable", e.to_string()).in_file(&name, None))?;
            (name, bytes)
        }
    };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            "too-large",
            format!("over the {MAX_FILE_BYTES} byte limit for one input"),
        )
        .in_file(&name, None));
    }
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .map(<[u8]>::to_vec)
        .unwrap_or(bytes);
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(
            Diagnostic::error("binary-file", "a binary file, not YAML or JSON; skipped")
                .in_file(&name, None),
        );
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        Diagnostic::error(
            "binary-file",
            format!(
                "not UTF-8 text (invalid byte at offset {}); skipped",
                e.utf8_error().valid_up_to()
            ),
        )
        .in_file(&name, None)
    })?;
    Ok(SourceFile { name, text })
}

/// Splits a YAML stream at its document markers. A line starting with
/// `---` (or a `%` directive) at column 0 always begins a document in YAML:
/// such a line cannot occur inside block or quoted scalars.
pub fn split_documents(text: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut first_line = 1u32;
    let mut offset = 0usize;
    let mut after_directive = false;
    for (line_no, line) in (1u32..).zip(text.split_inclusive('\n')) {
        let b = line.as_bytes();
        let marker = b.starts_with(b"---") && b.get(3).is_none_or(|c| c.is_ascii_whitespace());
        let directive = b.first() == Some(&b'%');
        if (marker || directive) && !after_directive {
            if offset > start {
                chunks.push(chunk(text, start, offset, first_line));
            }
            start = offset;
            first_line = line_no;
        }
        if directive {
            after_directive = true;
        } else if marker {
            after_directive = false;
        }
        offset += line.len();
    }
    if offset > start {
        chunks.push(chunk(text, start, offset, first_line));
    }
    chunks
}

fn chunk(text: &str, start: usize, end: usize, first_line: u32) -> Chunk {
    let mut helm_source = None;
    for line in text[start..end].lines() {
        let t = line.trim();
        if t.is_empty() || t == "---" {
            continue;
        }
        match t.strip_prefix('#') {
            Some(comment) => {
                if let Some(src) = comment.trim_start().strip_prefix("Source:") {
                    helm_source = Some(src.trim().to_string());
                    break;
                }
            }
            None => break,
        }
    }
    Chunk {
        start,
        end,
        first_line,
        helm_source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_markers_only() {
        let text = "a: 1\n---\n# Source: chart/templates/x.yaml\nb: |\n  ---not a marker\n---x: no\n--- \nc: 3\n";
        let chunks = split_documents(text);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].first_line, 1);
        assert_eq!(chunks[1].first_line, 2);
        assert_eq!(
            chunks[1].helm_source.as_deref(),
            Some("chart/templates/x.yaml")
        );
        assert_eq!(chunks[2].first_line, 7);
        assert_eq!(&text[chunks[2].start..chunks[2].end], "--- \nc: 3\n");
    }

    #[test]
    fn directives_stay_with_their_document() {
        let text = "a: 1\n...\n%YAML 1.1\n---\nb: 2\n";
        let chunks = split_documents(text);
        assert_eq!(chunks.len(), 2);
        assert_eq!(
            &text[chunks[1].start..chunks[1].end],
            "%YAML 1.1\n---\nb: 2\n"
        );
    }

    #[test]
    fn a_configmap_volume_is_read_once_through_its_links() {
        // What the kubelet writes for a ConfigMap with key p.yaml.
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("..2026_11_24_20_00_00.1");
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("p.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink(&data, dir.path().join("..data")).unwrap();
        std::os::unix::fs::symlink("..data/p.yaml", dir.path().join("p.yaml")).unwrap();
        // A link to a directory is not followed.
        std::os::unix::fs::symlink(&data, dir.path().join("loop")).unwrap();
        let mut diags = Vec::new();
        let found = expand(&[Input::Path(dir.path().to_path_buf())], &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(found, [Input::Path(dir.path().join("p.yaml"))]);
    }
}
