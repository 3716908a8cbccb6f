//! Standard output for answers and lists. A reader that stops early
//! (`rampart rules | head`) closes the pipe: that is its choice, not an
//! error, and must never crash rampart.

use std::io::Write;

/// Writes `text` to stdout; a closed pipe ends the output quietly. False
/// (after saying why on stderr) when stdout could not be written.
#[must_use]
pub fn emit(text: &str) -> bool {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => true,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            false
        }
    }
}
