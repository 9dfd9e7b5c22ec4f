//! A small mutation fuzzer on stable Rust, shared by `sheets/tests/fuzz.rs` and
//! `question-bank/tests/fuzz.rs` (included with `#[path]`, so it needs no crate of its own).
//!
//! cargo-fuzz needs a nightly toolchain and a sanitizer runtime; this engine needs neither. It
//! is mutation-based with outcome feedback: every input is a corpus file or a code-built seed
//! mutated by a seeded RNG (bit flips, interesting bytes, insert/delete/duplicate/repeat
//! ranges, splices between inputs, dictionary tokens, and for zips: mutate a part's XML and
//! zip it again, since raw byte flips mostly fail the CRC). An input whose outcome (the
//! reader's result reduced to a signature by the target) was never seen before joins the pool,
//! so later mutations build on it.
//!
//! Checked on every input: no panic (each run under `catch_unwind`), no input slower than the
//! time budget, the peak resident memory (`VmHWM` in `/proc/self/status`) never more than the
//! memory budget above where it started, and the target's own properties (row and question
//! limits). A watchdog thread stops the process if one input hangs or its memory runs away
//! while it is still running. A failing input is saved to `fuzz/crashes/<target>/`; the input
//! being run is kept in `fuzz/crashes/<target>/.current-<pid>` so that even an abort (a failed
//! allocation) leaves it behind, and the next run reports it.
//!
//! Deterministic for a given seed and run count; with `DAUTRI_FUZZ_SECONDS` it runs for a
//! time instead and saves inputs with new outcomes into the corpus.

#![allow(dead_code)]

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{Cursor, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Largest input the mutator produces.
pub const MAX_INPUT: usize = 256 * 1024;
/// Most inputs saved into the corpus by one long run, per target.
const MAX_SAVED: usize = 20;
/// Largest input saved into the corpus (bigger ones are rarely worth their bytes).
const MAX_SAVED_BYTES: usize = 4 * 1024;

/// splitmix64: tiny, fast, and the same sequence on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What a target says about one input.
pub enum Outcome {
    /// The reader behaved; the signature sums up what it answered (same signature = nothing
    /// new learned).
    Fine(u64),
    /// A property of the reader's own contract failed.
    Violation(String),
}

/// One reader to fuzz.
pub struct Target<'a> {
    /// Short name: the corpus and crash directory names.
    pub name: &'static str,
    /// `<crate>/fuzz`: holds `corpus/<name>/` (kept in git) and `crashes/<name>/` (not).
    pub fuzz_dir: PathBuf,
    /// Seeds built in code (zip bombs and the like, which would be big or binary as files).
    pub seeds: Vec<Vec<u8>>,
    /// Tokens the mutator inserts: keywords and delimiters of the format.
    pub dictionary: &'static [&'static str],
    /// Runs the reader on one input. `variant` lets a target vary options (limits, names)
    /// deterministically.
    pub run: &'a dyn Fn(&[u8], u64) -> Outcome,
}

/// How long and how hard to fuzz.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    /// Inputs per target (the deterministic CI mode).
    pub runs: u64,
    /// Time per target instead of a count (the long local mode); saves new inputs.
    pub seconds: Option<f64>,
    /// Only the target with this name (`DAUTRI_FUZZ_TARGET`).
    pub only: Option<String>,
    /// An input slower than this is a failure.
    pub time_budget: Duration,
    /// Peak resident memory above the start by more than this is a failure.
    pub memory_budget: u64,
}

impl Config {
    /// From `DAUTRI_FUZZ_SEED`, `DAUTRI_FUZZ_RUNS`, `DAUTRI_FUZZ_SECONDS` (per target) and
    /// `DAUTRI_FUZZ_TARGET`. CI sets none: `default_runs` inputs per target, seed 1, and a time
    /// budget generous enough for a debug build on a loaded machine.
    pub fn from_env(default_runs: u64) -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let seconds = var("DAUTRI_FUZZ_SECONDS").and_then(|s| s.parse::<f64>().ok());
        let release = !cfg!(debug_assertions);
        Self {
            seed: var("DAUTRI_FUZZ_SEED")
                .and_then(|s| s.parse().ok())
                .unwrap_or(1),
            runs: var("DAUTRI_FUZZ_RUNS")
                .and_then(|s| s.parse().ok())
                .unwrap_or(default_runs),
            seconds,
            only: var("DAUTRI_FUZZ_TARGET"),
            time_budget: Duration::from_secs(if release && seconds.is_some() { 2 } else { 10 }),
            memory_budget: 256 * 1024 * 1024,
        }
    }
}

/// What one target's run found.
#[derive(Debug, Default)]
pub struct Report {
    pub name: &'static str,
    pub runs: u64,
    pub pool: usize,
    pub saved: usize,
    pub elapsed: Duration,
    pub slowest: Duration,
    pub failures: Vec<String>,
}

/// Peak resident set size of this process so far, in bytes (0 where procfs is missing).
pub fn peak_rss() -> u64 {
    status_kib("VmHWM:") * 1024
}

/// Resident set size now, in bytes.
pub fn rss() -> u64 {
    status_kib("VmRSS:") * 1024
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak resident size (Linux `clear_refs`); false where that is not allowed.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Signature helper for targets: hashes anything hashable.
pub fn signature<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// A message with its digits removed, so "row 7" and "row 8" give the same signature.
pub fn shape(message: &str) -> String {
    message
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .take(80)
        .collect()
}

/// Every file in `dir`, hidden ones included.
fn read_dir_all(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect()
}

/// Every file in `dir`, sorted by name (so the pool's order, and the run, are deterministic).
fn read_dir_sorted(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect()
}

fn save(dir: &Path, prefix: &str, bytes: &[u8]) -> PathBuf {
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(format!("{prefix}-{:016x}", hash_bytes(bytes)));
    let _ = std::fs::write(&path, bytes);
    path
}

/// Where the last caught panic happened.
static PANIC_PLACE: Mutex<String> = Mutex::new(String::new());

struct Current {
    input: Vec<u8>,
    started: Option<Instant>,
}

/// Fuzzes one target. Failures are returned (and saved), not panicked, so every target runs.
pub fn fuzz(target: &Target<'_>, config: &Config) -> Report {
    let mut report = Report {
        name: target.name,
        ..Report::default()
    };
    let corpus_dir = target.fuzz_dir.join("corpus").join(target.name);
    let crashes_dir = target.fuzz_dir.join("crashes").join(target.name);
    // One file per process, so that two runs at once (CI and a long local run) do not take
    // each other's input for an abort.
    let current_path = crashes_dir.join(format!(".current-{}", std::process::id()));

    // Inputs left by runs that died without unwinding (a failed allocation aborts).
    for (path, left) in read_dir_all(&crashes_dir) {
        let pid = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix(".current-"))
            .and_then(|pid| pid.parse::<u32>().ok());
        let Some(pid) = pid else {
            continue;
        };
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let saved = save(&crashes_dir, "aborted", &left);
        let _ = std::fs::remove_file(&path);
        report.failures.push(format!(
            "{}: a previous run died on an input, now {}",
            target.name,
            saved.display()
        ));
    }

    let mut pool: Vec<Vec<u8>> = target.seeds.clone();
    pool.extend(read_dir_sorted(&corpus_dir).into_iter().map(|(_, b)| b));
    // Earlier crashes are replayed first: they are regression cases until fixed and moved.
    pool.extend(read_dir_sorted(&crashes_dir).into_iter().map(|(_, b)| b));
    pool.push(Vec::new());

    let long = config.seconds.is_some();
    let mut rng = Rng::new(config.seed ^ signature(target.name));
    let mut seen: HashSet<u64> = HashSet::new();
    let current = Arc::new(Mutex::new(Current {
        input: Vec::new(),
        started: None,
    }));
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = spawn_watchdog(
        target.name,
        Arc::clone(&current),
        Arc::clone(&done),
        crashes_dir.clone(),
        config.time_budget * 5,
        config.memory_budget,
    );
    let _ = std::fs::create_dir_all(&crashes_dir);

    // Panics are caught and reported with their place; the default hook would print each one
    // with a backtrace.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut place) = PANIC_PLACE.lock() {
            *place = info.location().map(ToString::to_string).unwrap_or_default();
        }
    }));

    let start = Instant::now();
    let mut baseline = peak_rss();
    let seeds = pool.len();
    let mut i = 0u64;
    loop {
        let over = match config.seconds {
            Some(s) => start.elapsed().as_secs_f64() >= s && i as usize >= seeds,
            None => i >= config.runs.max(seeds as u64),
        };
        if over {
            break;
        }
        // Every seed once as it is, then mutants.
        let input = if (i as usize) < seeds {
            pool[i as usize].clone()
        } else {
            mutate(&pool, target.dictionary, &mut rng)
        };
        let variant = rng.next();
        i += 1;

        if let Ok(mut c) = current.lock() {
            c.input.clone_from(&input);
            c.started = Some(Instant::now());
        }
        // Kept on disk so that an abort leaves the input behind (cheap: the page cache).
        let _ = std::fs::write(&current_path, &input);
        let began = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| (target.run)(&input, variant)));
        let took = began.elapsed();
        if let Ok(mut c) = current.lock() {
            c.started = None;
        }
        report.slowest = report.slowest.max(took);

        let mut failure = match result {
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                let place = PANIC_PLACE.lock().map(|p| p.clone()).unwrap_or_default();
                Some(format!("panicked at {place}: {message}"))
            }
            Ok(Outcome::Violation(what)) => Some(what),
            Ok(Outcome::Fine(sig)) => {
                if seen.insert(sig) && i as usize > seeds {
                    if pool.len() < 4000 {
                        pool.push(input.clone());
                    }
                    if long && report.saved < MAX_SAVED && input.len() <= MAX_SAVED_BYTES {
                        save(&corpus_dir, "found", &input);
                        report.saved += 1;
                    }
                }
                None
            }
        };
        if failure.is_none() && took > config.time_budget {
            failure = Some(format!("took {took:?} (budget {:?})", config.time_budget));
        }
        let peak = peak_rss();
        if failure.is_none() && peak > baseline + config.memory_budget {
            failure = Some(format!(
                "peak resident memory grew by {} MB",
                (peak - baseline) / (1024 * 1024)
            ));
            if reset_peak_rss() {
                baseline = peak_rss();
            } else {
                baseline = peak;
            }
        }
        if let Some(failure) = failure {
            let path = save(&crashes_dir, "crash", &input);
            let line = format!(
                "{}: input {i} ({} bytes) {failure}; saved as {}",
                target.name,
                input.len(),
                path.display()
            );
            eprintln!("{line}");
            report.failures.push(line);
            if report.failures.len() >= 20 {
                break;
            }
        }
    }
    std::panic::set_hook(previous_hook);
    let _ = std::fs::remove_file(&current_path);
    // Leave no empty crash directory behind.
    let _ = std::fs::remove_dir(&crashes_dir);
    let _ = std::fs::remove_dir(target.fuzz_dir.join("crashes"));
    done.store(true, Ordering::SeqCst);
    let _ = watchdog.join();
    report.runs = i;
    report.pool = pool.len();
    report.elapsed = start.elapsed();
    report
}

/// Stops the process when the running input takes far over its budget or memory runs away,
/// saving the input first (a hang cannot be caught any other way).
fn spawn_watchdog(
    name: &'static str,
    current: Arc<Mutex<Current>>,
    done: Arc<AtomicBool>,
    crashes_dir: PathBuf,
    hang: Duration,
    memory_budget: u64,
) -> std::thread::JoinHandle<()> {
    let rss_start = rss();
    std::thread::spawn(move || {
        while !done.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
            let rss_now = rss();
            let Ok(c) = current.lock() else {
                return;
            };
            let Some(started) = c.started else {
                continue;
            };
            let why = if started.elapsed() > hang {
                format!("hung for over {hang:?}")
            } else if rss_now > rss_start + 2 * memory_budget {
                format!("resident memory reached {} MB", rss_now / (1024 * 1024))
            } else {
                continue;
            };
            let path = save(&crashes_dir, "crash", &c.input);
            eprintln!("{name}: an input {why}; saved as {}", path.display());
            let _ =
                std::fs::remove_file(crashes_dir.join(format!(".current-{}", std::process::id())));
            std::process::exit(3);
        }
    })
}

/// Bytes worth trying at a random place.
const INTERESTING: &[&[u8]] = &[
    b"\0",
    b"\xff",
    b"\x7f",
    b"\x80",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\r",
    b"\n",
    b"\r\n",
    b"\t",
    b" ",
    b"\"",
    b"'",
    b",",
    b";",
    b"<",
    b">",
    b"&",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"=",
    b"~",
    b"#",
    b"\\",
    b"-",
    b"0",
    b"-1",
    b"4294967295",
    b"18446744073709551616",
    b"1e308",
    b"NaN",
    b"1048576",
    b"XFD1048576",
    b"\xe1\xbb\x87",
    b"\xcc\x81",
];

/// One mutant of an input from the pool.
pub fn mutate(pool: &[Vec<u8>], dictionary: &[&str], rng: &mut Rng) -> Vec<u8> {
    let base = rng.pick(pool);
    if base.starts_with(b"PK")
        && !rng.chance(4)
        && let Some(mutant) = mutate_zip(base, pool, dictionary, rng)
    {
        return mutant;
    }
    let mut data = base.clone();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        mutate_bytes(&mut data, pool, dictionary, rng);
    }
    data.truncate(MAX_INPUT);
    data
}

/// One byte-level mutation in place.
pub fn mutate_bytes(data: &mut Vec<u8>, pool: &[Vec<u8>], dictionary: &[&str], rng: &mut Rng) {
    let len = data.len();
    let at = rng.below(len + 1);
    match rng.below(12) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            data[i] = rng.next() as u8;
        }
        2 => {
            let token = rng.pick(INTERESTING);
            data.splice(at..at, token.iter().copied());
        }
        3 if !dictionary.is_empty() => {
            let token = rng.pick(dictionary);
            data.splice(at..at, token.bytes());
        }
        4 if len > 0 => {
            // Delete a range.
            let n = 1 + rng.below((len - at.min(len - 1)).min(64));
            let from = at.min(len - 1);
            data.drain(from..(from + n).min(len));
        }
        5 if len > 0 => {
            // Duplicate a range.
            let from = rng.below(len);
            let n = 1 + rng.below((len - from).min(256));
            let chunk = data[from..from + n].to_vec();
            data.splice(at..at, chunk);
        }
        6 if len > 0 => {
            // Repeat a range many times: long lines, deep nesting, many rows.
            let from = rng.below(len);
            let n = 1 + rng.below((len - from).min(64));
            let times = 2 + rng.below(2000);
            let chunk = data[from..from + n].to_vec();
            let mut grown = Vec::with_capacity(n * times);
            for _ in 0..times {
                if grown.len() + n > MAX_INPUT / 2 {
                    break;
                }
                grown.extend_from_slice(&chunk);
            }
            data.splice(at..at, grown);
        }
        7 => {
            // Splice: a piece of another input.
            let other = rng.pick(pool);
            if !other.is_empty() {
                let from = rng.below(other.len());
                let n = 1 + rng.below((other.len() - from).min(512));
                data.splice(at..at, other[from..from + n].iter().copied());
            }
        }
        8 => {
            // Crossover: this input's head, another's tail.
            let other = rng.pick(pool);
            let cut = rng.below(other.len() + 1);
            data.truncate(at);
            data.extend_from_slice(&other[cut..]);
        }
        9 if len > 0 => data.truncate(at),
        10 if len > 0 => {
            // Replace a run of digits with an extreme number.
            let i = rng.below(len);
            if let Some(p) = data[i..].iter().position(u8::is_ascii_digit) {
                let s = i + p;
                let e = s + data[s..].iter().take_while(|b| b.is_ascii_digit()).count();
                let number = *rng.pick(&[
                    &b"0"[..],
                    b"1048576",
                    b"1048577",
                    b"16384",
                    b"4294967296",
                    b"99999999999999999999",
                    b"2147483648",
                ]);
                data.splice(s..e, number.iter().copied());
            }
        }
        _ => {
            // Swap two bytes.
            if len > 1 {
                let (i, j) = (rng.below(len), rng.below(len));
                data.swap(i, j);
            }
        }
    }
}

/// Mutates the parts inside a zip and zips it again (so the CRCs hold and the XML is what the
/// reader meets). `None` when the input is not a zip this can take apart.
fn mutate_zip(
    base: &[u8],
    pool: &[Vec<u8>],
    dictionary: &[&str],
    rng: &mut Rng,
) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(base)).ok()?;
    if archive.len() > 64 {
        return None;
    }
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total = 0usize;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).ok()?;
        let name = entry.name().ok()?.into_owned();
        let mut bytes = Vec::new();
        entry.take(1 << 20).read_to_end(&mut bytes).ok()?;
        total += bytes.len();
        if total > 2 << 20 {
            return None;
        }
        parts.push((name, bytes));
    }
    if parts.is_empty() {
        return None;
    }
    // Text mutations for the XML parts come from the other parts too.
    let part_pool: Vec<Vec<u8>> = parts.iter().map(|(_, b)| b.clone()).collect();
    match rng.below(10) {
        0 => {
            // Drop a part.
            let i = rng.below(parts.len());
            parts.remove(i);
        }
        1 => {
            // The same part twice, or under another's name.
            let i = rng.below(parts.len());
            let j = rng.below(parts.len());
            let copy = (parts[j].0.clone(), parts[i].1.clone());
            parts.push(copy);
        }
        _ => {
            // Mostly the sheet and the shared strings: that is where the cells are.
            let sheet = parts
                .iter()
                .position(|(n, _)| n.contains("worksheets/") || n.contains("sharedStrings"));
            let i = match sheet {
                Some(i) if !rng.chance(3) => i,
                _ => rng.below(parts.len()),
            };
            let rounds = 1 + rng.below(4);
            for _ in 0..rounds {
                let source: &[Vec<u8>] = if rng.chance(3) { pool } else { &part_pool };
                mutate_bytes(&mut parts[i].1, source, dictionary, rng);
            }
            parts[i].1.truncate(MAX_INPUT);
        }
    }
    let method = if rng.chance(4) {
        zip::CompressionMethod::Stored
    } else {
        zip::CompressionMethod::Deflated
    };
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in &parts {
        if writer.start_file(name.as_str(), options).is_err() {
            // A duplicate name: the zip crate refuses it.
            continue;
        }
        writer.write_all(bytes).ok()?;
    }
    let out = writer.finish().ok()?.into_inner();
    (out.len() <= MAX_INPUT).then_some(out)
}

/// Zips `parts` (name, content), deflated.
pub fn zip_parts(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in parts {
        if writer.start_file(*name, options).is_ok() {
            let _ = writer.write_all(bytes);
        }
    }
    writer.finish().map(Cursor::into_inner).unwrap_or_default()
}

/// The parts of a minimal workbook around `sheet` (the first sheet's XML) and optional
/// shared strings.
pub fn workbook(sheet: &[u8], shared_strings: Option<&[u8]>) -> Vec<u8> {
    const CONTENT_TYPES: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
    const RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const WORKBOOK: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    const WORKBOOK_RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
    let mut parts: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    if let Some(strings) = shared_strings {
        parts.push(("xl/sharedStrings.xml", strings));
    }
    zip_parts(&parts)
}

/// A sheet's XML around `rows` (`<row>` elements) and an optional `<dimension>` claim.
pub fn sheet_xml(dimension: Option<&str>, rows: &str) -> Vec<u8> {
    let dimension = dimension
        .map(|d| format!(r#"<dimension ref="{d}"/>"#))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{rows}</sheetData></worksheet>"#
    )
    .into_bytes()
}

/// An inline-string cell.
pub fn cell(reference: &str, text: &str) -> String {
    format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// Workbooks that attack the reader's limits, built here so the repository keeps no big
/// files: every one is a few KB zipped.
pub fn hostile_workbooks(header: &[&str], row: &[&str]) -> Vec<Vec<u8>> {
    let letters = |i: usize| char::from(b'A' + u8::try_from(i % 26).unwrap_or(0)).to_string();
    let row_xml = |n: usize, cells: &[&str]| {
        let cells: String = cells
            .iter()
            .enumerate()
            .map(|(i, t)| cell(&format!("{}{n}", letters(i)), t))
            .collect();
        format!(r#"<row r="{n}">{cells}</row>"#)
    };
    let head = row_xml(1, header);
    let body = row_xml(2, row);
    let mut out = Vec::new();
    // Valid, small.
    out.push(workbook(
        &sheet_xml(Some("A1:Z2"), &format!("{head}{body}")),
        None,
    ));
    // One cell far away: the 512 GiB bounding box of issue #11.
    out.push(workbook(
        &sheet_xml(
            Some("A1:XFD1048576"),
            &format!(
                "{head}{body}<row r=\"1048576\">{}</row>",
                cell("XFD1048576", "x")
            ),
        ),
        None,
    ));
    // A sparse column down to the last row.
    let sparse: String = (0..200)
        .map(|i| {
            let r = 3 + i * 5000;
            format!("<row r=\"{r}\">{}</row>", cell(&format!("AZ{r}"), "y"))
        })
        .collect();
    out.push(workbook(&sheet_xml(None, &format!("{head}{sparse}")), None));
    // A million rows claimed, a few given.
    out.push(workbook(
        &sheet_xml(Some("A1:Z1000000"), &format!("{head}{body}")),
        None,
    ));
    // Many short rows (well over any small row limit), repetitive so it zips small.
    let many: String = (2..3000).map(|n| row_xml(n, row)).collect();
    out.push(workbook(&sheet_xml(None, &format!("{head}{many}")), None));
    // Shared strings that claim billions and index past the end.
    out.push(workbook(
        &sheet_xml(
            None,
            &format!(r#"{head}<row r="2"><c r="A2" t="s"><v>4294967295</v></c><c r="B2" t="s"><v>-1</v></c></row>"#),
        ),
        Some(br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4294967295" uniqueCount="4294967295"><si><t>a</t></si></sst>"#),
    ));
    // A formula and an error value.
    out.push(workbook(
        &sheet_xml(
            None,
            &format!(r#"{head}<row r="2"><c r="A2"><f>HYPERLINK("http://x","y")</f><v>1</v></c><c r="B2" t="e"><v>#REF!</v></c></row>"#),
        ),
        None,
    ));
    // Deep nesting inside a cell.
    let deep = format!("{}x{}", "<r>".repeat(5000), "</r>".repeat(5000));
    out.push(workbook(
        &sheet_xml(
            None,
            &format!(r#"{head}<row r="2"><c r="A2" t="inlineStr"><is>{deep}</is></c></row>"#),
        ),
        None,
    ));
    // Rows out of order and cell references that do not parse.
    out.push(workbook(
        &sheet_xml(
            None,
            &format!(r#"<row r="5">{}</row>{head}<row r="0"><c r="ZZZZZ0" t="inlineStr"><is><t>z</t></is></c><c r="" t="n"><v>1e400</v></c></row>"#, cell("A5", "late")),
        ),
        None,
    ));
    // A zip bomb: 8 MB of one byte in a sheet (deflates to ~8 KB, a ratio of 1000).
    let mut bomb = sheet_xml(None, &head);
    bomb.extend(std::iter::repeat_n(b' ', 8 * 1024 * 1024));
    out.push(workbook(&bomb, None));
    // Many parts.
    let names: Vec<String> = (0..1500).map(|i| format!("xl/media/p{i}.bin")).collect();
    let mut parts: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    parts.push(("xl/workbook.xml", b"<workbook/>"));
    out.push(zip_parts(&parts));
    // Not a workbook, and a truncated one.
    out.push(zip_parts(&[("hello.txt", b"hi")]));
    let valid = out[0].clone();
    out.push(valid[..valid.len() / 2].to_vec());
    out.push(b"PK\x03\x04".to_vec());
    out.push(b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0".to_vec());
    out
}

/// Prints the reports and panics if any target failed.
pub fn conclude(reports: &[Report]) {
    let mut failures = Vec::new();
    for r in reports {
        eprintln!(
            "fuzz {}: {} inputs in {:.1?} ({} in the pool, {} saved to the corpus, slowest {:.1?}, {} failures)",
            r.name,
            r.runs,
            r.elapsed,
            r.pool,
            r.saved,
            r.slowest,
            r.failures.len()
        );
        failures.extend(r.failures.iter().cloned());
    }
    assert!(
        failures.is_empty(),
        "{} failing inputs:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
