//! Standard output for answers and lists. A reader that stops early
//! (`rampart rules | head`) closes the pipe: that is its choice, not an
//! error, and must never crash rampart.

use std::io::Write;

/// Writes `text` to stdout; a closed pipe ends the output quietly. False
/// (after saying why on stderr) when stdout could not be written.
#[must_use]
pub fn emit(text: &str) -> bool {
    emit_with(|w| w.write_all(text.as_bytes()))
}

/// Streams output to stdout through `write` (a large report is never held
/// as one string); a closed pipe ends it quietly. False (after saying why
/// on stderr) when stdout could not be written.
#[must_use]
pub fn emit_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> bool {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => true,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            false
        }
    }
}
