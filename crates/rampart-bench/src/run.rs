//! `rampart-bench run`: end-to-end timing of `rampart scan` on generated
//! corpora of several sizes.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::corpus::{self, Params, Stats};
use crate::error::{Context, Error, Result};

pub struct Options {
    pub sizes: Vec<u64>,
    pub rampart: PathBuf,
    pub work: PathBuf,
    pub runs: u32,
    pub per_file: u64,
    pub seed: u64,
}

/// How the child ended.
#[cfg_attr(not(unix), allow(dead_code))]
enum Exit {
    Code(i32),
    Signal(i32),
}

pub struct Sample {
    pub wall: Duration,
    /// Peak resident set size of the child in KiB, where the OS reports it.
    pub max_rss_kib: Option<u64>,
}

/// Wall times of repeated runs of one command, sorted, and the largest
/// peak RSS among them.
pub struct Timings {
    pub walls: Vec<Duration>,
    pub max_rss_kib: Option<u64>,
}

impl Timings {
    pub fn best(&self) -> Duration {
        self.walls[0]
    }

    pub fn median(&self) -> Duration {
        median(&self.walls)
    }
}

struct Row {
    stats: Stats,
    best: Duration,
    median: Duration,
    max_rss_kib: Option<u64>,
}

/// Fails unless `rampart` is a file; says which build is benchmarked.
pub fn check_binary(rampart: &Path) -> Result<()> {
    if !rampart.is_file() {
        return Err(Error(format!(
            "rampart binary not found at {}; build it with cargo build --release -p rampart \
             (or pass --rampart PATH)",
            rampart.display()
        )));
    }
    if let Ok(out) = Command::new(rampart).arg("--version").output() {
        eprintln!(
            "benchmarking {} ({})",
            rampart.display(),
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
    Ok(())
}

/// Runs `rampart ARGS` `runs` times (see [`measure`]), logging each run.
pub fn repeat(rampart: &Path, args: &[&OsStr], runs: u32) -> Result<Timings> {
    let mut walls = Vec::new();
    let mut max_rss_kib = None;
    for i in 1..=runs {
        let s = measure(rampart, args)?;
        eprintln!(
            "  run {i}/{runs}: {:.3}s, peak RSS {}",
            s.wall.as_secs_f64(),
            rss(s.max_rss_kib)
        );
        walls.push(s.wall);
        max_rss_kib = max_rss_kib.max(s.max_rss_kib);
    }
    walls.sort();
    Ok(Timings { walls, max_rss_kib })
}

pub fn run(opts: &Options) -> Result<()> {
    check_binary(&opts.rampart)?;
    let mut rows = Vec::new();
    for &size in &opts.sizes {
        let dir = opts.work.join(size.to_string());
        let params = Params {
            objects: size,
            per_file: opts.per_file,
            seed: opts.seed,
        };
        let started = Instant::now();
        let (stats, generated) = corpus::ensure(&dir, &params)?;
        eprintln!(
            "{size} objects: {}",
            corpus_line(&dir, &stats, generated, started)
        );
        let args = [
            OsStr::new("scan"),
            dir.as_os_str(),
            OsStr::new("-o"),
            OsStr::new("json"),
            OsStr::new("--quiet"),
            OsStr::new("--no-config"),
        ];
        let t = repeat(&opts.rampart, &args, opts.runs)?;
        let row = Row {
            stats,
            best: t.best(),
            median: t.median(),
            max_rss_kib: t.max_rss_kib,
        };
        eprintln!(
            "  best {:.3}s, median {:.3}s, {:.0} objects/s, {:.1} MB/s",
            row.best.as_secs_f64(),
            row.median.as_secs_f64(),
            row.objects_per_sec(),
            row.mb_per_sec()
        );
        rows.push(row);
    }
    print!("{}", table(&rows));
    Ok(())
}

impl Row {
    fn objects_per_sec(&self) -> f64 {
        self.stats.objects as f64 / self.median.as_secs_f64()
    }

    fn mb_per_sec(&self) -> f64 {
        mb(self.stats.bytes) / self.median.as_secs_f64()
    }
}

/// Decimal megabytes, as throughput is usually quoted.
pub fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

pub fn rss(kib: Option<u64>) -> String {
    match kib {
        Some(k) => format!("{:.1} MiB", k as f64 / 1024.0),
        None => "n/a".to_string(),
    }
}

/// Median of sorted, non-empty `walls`.
/// One row of a benchmark's result table: what was measured, its sorted
/// samples (never empty) and a note.
pub struct Line {
    pub what: String,
    pub samples: Vec<Duration>,
    pub note: String,
}

impl Line {
    pub fn new(
        what: impl Into<String>,
        mut samples: Vec<Duration>,
        note: impl Into<String>,
    ) -> Line {
        samples.sort();
        Line {
            what: what.into(),
            samples,
            note: note.into(),
        }
    }

    pub fn median(&self) -> Duration {
        median(&self.samples)
    }

    /// The smallest sample at or above 99% of the others; `None` for
    /// fewer than 100 samples, where it would only be the maximum.
    pub fn p99(&self) -> Option<Duration> {
        let n = self.samples.len();
        (n >= 100).then(|| self.samples[(n * 99).div_ceil(100) - 1])
    }

    pub fn max(&self) -> Duration {
        self.samples[self.samples.len() - 1]
    }

    pub fn over(&self, limit: Duration) -> usize {
        self.samples.iter().filter(|&&d| d > limit).count()
    }
}

/// `generated corpus in DIR: N objects, F files, M MB in 1.23s` (or
/// `cached …`), what every benchmark says about its corpus.
pub fn corpus_line(dir: &Path, stats: &Stats, generated: bool, started: Instant) -> String {
    format!(
        "{} corpus in {}: {} objects, {} files, {:.1} MB{}",
        if generated { "generated" } else { "cached" },
        dir.display(),
        stats.objects,
        stats.files,
        mb(stats.bytes),
        if generated {
            format!(" in {:.2}s", started.elapsed().as_secs_f64())
        } else {
            String::new()
        },
    )
}

pub fn median(walls: &[Duration]) -> Duration {
    let n = walls.len();
    if n % 2 == 1 {
        walls[n / 2]
    } else {
        (walls[n / 2 - 1] + walls[n / 2]) / 2
    }
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| objects | files | MB | wall (median) | objects/s | MB/s | peak RSS |\n\
         |--------:|------:|---:|--------------:|----------:|-----:|---------:|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {:.1} | {:.3} s | {:.0} | {:.1} | {} |\n",
            r.stats.objects,
            r.stats.files,
            mb(r.stats.bytes),
            r.median.as_secs_f64(),
            r.objects_per_sec(),
            r.mb_per_sec(),
            rss(r.max_rss_kib)
        ));
    }
    out
}

/// One `rampart ARGS` (such as `scan DIR -o json --quiet --no-config`),
/// report discarded. Exit codes 0 (clean) and 1 (findings) are success;
/// anything else is an error carrying stderr.
pub fn measure(rampart: &Path, args: &[&OsStr]) -> Result<Sample> {
    let started = Instant::now();
    let mut child = Command::new(rampart)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context(|| format!("starting {}", rampart.display()))?;
    // Drain stderr concurrently: a child blocked on a full pipe would
    // never exit and the wait below would hang.
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = stderr {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    });
    let (exit, max_rss_kib) = wait(&mut child)?;
    let wall = started.elapsed();
    let stderr = reader.join().unwrap_or_default();
    match exit {
        Exit::Code(0 | 1) => Ok(Sample { wall, max_rss_kib }),
        other => {
            let how = match other {
                Exit::Code(c) => format!("exit code {c}"),
                Exit::Signal(s) => format!("signal {s}"),
            };
            let args: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
            Err(Error(format!(
                "{} {} failed with {how}; its stderr:\n{}",
                rampart.display(),
                args.join(" "),
                String::from_utf8_lossy(&stderr).trim_end()
            )))
        }
    }
}

/// Reaps `child` with wait4(2), which returns the resource usage of that
/// child alone (getrusage(RUSAGE_CHILDREN) would report the maximum over
/// all children ever waited for, hiding a smaller run after a larger one).
#[cfg(unix)]
fn wait(child: &mut Child) -> Result<(Exit, Option<u64>)> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data, for which all zeroes is valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet reaped (std only reaps in
        // `wait`/`try_wait`, which are not called); both pointers are valid
        // for the duration of the call.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(Error(format!("waiting for rampart (pid {pid}): {err}")));
        }
    }
    let exit = if libc::WIFEXITED(status) {
        Exit::Code(libc::WEXITSTATUS(status))
    } else {
        Exit::Signal(libc::WTERMSIG(status))
    };
    // ru_maxrss is in KiB on Linux and the BSDs, in bytes on macOS.
    let max_rss = usage.ru_maxrss.max(0) as u64;
    let kib = if cfg!(target_os = "macos") {
        max_rss / 1024
    } else {
        max_rss
    };
    Ok((exit, Some(kib)))
}

#[cfg(not(unix))]
fn wait(child: &mut Child) -> Result<(Exit, Option<u64>)> {
    let status = child.wait().context(|| "waiting for rampart".to_string())?;
    Ok((Exit::Code(status.code().unwrap_or(-1)), None))
}
