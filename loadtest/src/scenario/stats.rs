//! What a run measured: per operation a latency histogram (HDR), outcomes by kind, and a
//! one-second timeline (to see the knee of a ramp).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// Outcomes that are part of normal operation and not errors: a sign-in told to wait
/// (`503 busy` with `Retry-After`) and any request refused because the server is working on
/// as many as it takes at once (`503 crowded` with `Retry-After`): the phone honours the wait
/// and tries again, as the member app does. The report still counts them by operation, and the
/// time a member waited to get in (`start (until in)`) shows what they cost.
pub const TOLERATED: &[&str] = &["503 busy", "503 crowded"];

/// Set for a fault run (`fault-day.sh`): a 503 that says when to retry and a connection that
/// failed or dropped are then what a phone sees while a fault lasts (it waits and retries), not
/// errors. Never tolerated: a 503 without `Retry-After`, any other 5xx, a timeout (a hang).
pub static TOLERATE_FAULTS: AtomicBool = AtomicBool::new(false);

/// The kind suffix of a 503 that did not say when to retry.
pub const NO_RETRY_AFTER: &str = "(no Retry-After)";

/// A request this long is a hang, whatever it answered.
pub const HANG: Duration = Duration::from_secs(15);

/// Whether an outcome of this kind is not an error.
pub fn tolerated(kind: &str) -> bool {
    TOLERATED.contains(&kind)
        || (TOLERATE_FAULTS.load(Ordering::Relaxed)
            && ((kind.starts_with("503 ") && !kind.ends_with(NO_RETRY_AFTER))
                || matches!(
                    kind,
                    "transport: connect" | "transport: other" | "transport: body"
                )))
}

/// What a fault did to the phones: waits and retries, what they must never see, and when the
/// last failure was.
#[derive(Debug, Default)]
pub struct FaultCounters {
    /// Requests sent again after a 503 or a failed connection.
    pub retries: AtomicU64,
    /// Requests that took longer than [`HANG`] (the live stream excepted).
    pub hangs: AtomicU64,
    /// Failure bodies that named internals (a driver, a store, a file, a panic).
    pub leaks: AtomicU64,
    pub leak_sample: Mutex<Option<String>>,
    /// Failed connections and exchanges by their whole chain of causes (hyper's and the
    /// operating system's words), the first [`TRANSPORT_CAUSES`] kinds: `transport: other`
    /// alone does not say whether the server closed a connection or the client gave up.
    pub transport_causes: Mutex<BTreeMap<String, u64>>,
    /// When the last failed request ended, in ms since the recorder started (+1; 0: none).
    pub last_failure_ms: AtomicU64,
}

/// How many distinct chains of causes [`FaultCounters::transport_causes`] keeps; the rest are
/// counted together under `(other causes)`, so a storm of failures cannot grow it unbounded.
pub const TRANSPORT_CAUSES: usize = 16;

impl FaultCounters {
    /// Counts one failed exchange under its chain of causes `chain`.
    pub fn transport_failed(&self, chain: String) {
        let Ok(mut causes) = self.transport_causes.lock() else {
            return;
        };
        let key = if causes.len() < TRANSPORT_CAUSES || causes.contains_key(&chain) {
            chain
        } else {
            "(other causes)".to_owned()
        };
        *causes.entry(key).or_default() += 1;
    }
}

/// Words a member must never read in an answer: the server's internals.
const INTERNALS: &[&str] = &[
    "sqlx",
    "sea_orm",
    "sea-orm",
    "dberr",
    "redis",
    "postgres",
    "sqlstate",
    "panick",
    "backtrace",
    ".rs:",
    "connection refused",
    "broken pipe",
    "io error",
];

/// The internal word `body` shows, if any.
pub fn leaked(body: &str) -> Option<&'static str> {
    let lower = body.to_lowercase();
    INTERNALS.iter().copied().find(|w| lower.contains(w))
}

fn histogram(sigfig: u8) -> Histogram<u64> {
    // 1 µs .. 10 min with 2 or 3 significant figures: constant bounds that are always valid.
    match Histogram::new_with_bounds(1, 600_000_000, sigfig) {
        Ok(h) => h,
        Err(e) => unreachable!("constant histogram bounds: {e}"),
    }
}

/// One operation's figures.
#[derive(Debug, Clone)]
pub struct OpStats {
    pub latency_us: Histogram<u64>,
    pub ok: u64,
    /// Non-success outcomes by kind (`"409 attempt_closed"`, `"transport: timeout"`, …).
    pub kinds: BTreeMap<String, u64>,
    /// Per second of the run: requests, errors and their latency.
    pub timeline: BTreeMap<u64, (u64, u64, Histogram<u64>)>,
}

impl Default for OpStats {
    fn default() -> Self {
        Self {
            latency_us: histogram(3),
            ok: 0,
            kinds: BTreeMap::new(),
            timeline: BTreeMap::new(),
        }
    }
}

impl OpStats {
    pub fn requests(&self) -> u64 {
        self.ok + self.kinds.values().sum::<u64>()
    }

    /// Outcomes that count as errors (not tolerated ones).
    pub fn errors(&self) -> u64 {
        self.kinds
            .iter()
            .filter(|(k, _)| !tolerated(k))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Shared by every virtual phone of a run.
#[derive(Clone)]
pub struct Recorder {
    started: Instant,
    ops: Arc<Mutex<BTreeMap<&'static str, OpStats>>>,
    pub faults: Arc<FaultCounters>,
}

impl Recorder {
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            ops: Arc::new(Mutex::new(BTreeMap::new())),
            faults: Arc::new(FaultCounters::default()),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Records one request of `op` that took `took`; `kind` is `None` for a success.
    pub fn record(&self, op: &'static str, took: Duration, kind: Option<String>) {
        if took > HANG && !op.starts_with("live") {
            self.faults.hangs.fetch_add(1, Ordering::Relaxed);
        }
        self.record_span(op, took, kind);
    }

    /// Records what a member lived through several requests (a start with the waits the server
    /// asked for): a long one is the server pacing a crowd, not a hang.
    pub fn record_wait(&self, op: &'static str, took: Duration) {
        self.record_span(op, took, None);
    }

    fn record_span(&self, op: &'static str, took: Duration, kind: Option<String>) {
        let us = u64::try_from(took.as_micros())
            .unwrap_or(u64::MAX)
            .clamp(1, 600_000_000);
        let second = self.started.elapsed().as_secs();
        if kind.is_some() {
            let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            self.faults
                .last_failure_ms
                .fetch_max(now.saturating_add(1), Ordering::Relaxed);
        }
        let Ok(mut ops) = self.ops.lock() else { return };
        let stats = ops.entry(op).or_default();
        let _ = stats.latency_us.record(us);
        let failed = match kind {
            None => {
                stats.ok += 1;
                false
            }
            Some(kind) => {
                let tolerated = tolerated(&kind);
                *stats.kinds.entry(kind).or_default() += 1;
                !tolerated
            }
        };
        let slot = stats
            .timeline
            .entry(second)
            .or_insert_with(|| (0, 0, histogram(2)));
        slot.0 += 1;
        slot.1 += u64::from(failed);
        let _ = slot.2.record(us);
    }

    /// A copy of everything recorded so far.
    pub fn snapshot(&self) -> BTreeMap<&'static str, OpStats> {
        self.ops.lock().map(|o| o.clone()).unwrap_or_default()
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

pub fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// The middle of `values` (the mean of the two middle ones for an even count), leaving out
/// any that are not finite; `None` when none is left.
pub fn median(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[mid]),
        _ => Some(f64::midpoint(v[mid - 1], v[mid])),
    }
}

/// The JSON form of one operation over `seconds` of measurement.
pub fn op_json(name: &str, s: &OpStats, seconds: f64) -> Value {
    let h = &s.latency_us;
    json!({
        "op": name,
        "requests": s.requests(),
        "ok": s.ok,
        "errors": s.errors(),
        "per_second": s.requests() as f64 / seconds.max(0.001),
        "p50_ms": ms(h.value_at_quantile(0.50)),
        "p90_ms": ms(h.value_at_quantile(0.90)),
        "p99_ms": ms(h.value_at_quantile(0.99)),
        "max_ms": ms(h.max()),
        "outcomes": s.kinds,
    })
}

/// The per-second timeline of one operation (requests, errors, p99) as JSON.
pub fn timeline_json(s: &OpStats) -> Value {
    Value::Array(
        s.timeline
            .iter()
            .map(|(sec, (n, e, h))| json!({"second": sec, "requests": n, "errors": e, "p99_ms": ms(h.value_at_quantile(0.99))}))
            .collect(),
    )
}

/// How many slices [`window_json`] cuts the storm's window into.
pub const WINDOW_SLICES: u64 = 6;

/// An operation over the storm's window, slice by slice: the seconds `[from, to)` of the day,
/// the requests that ended in them, their rate and their p99 (two significant figures, as the
/// timeline keeps them); `None` for a slice where none ended.
///
/// A whole day's p99 does not say when a door got slow: at 20,000 members the starts kept their
/// p99 under 100 ms while few members were in and lost it in the window's last sixth, when the
/// answers of those already in had grown to over a thousand a second on the same cores.
pub fn window_json(s: &OpStats, window_seconds: f64) -> Value {
    let mut slices = Vec::new();
    for (from, to) in window_slices(window_seconds) {
        let mut requests = 0;
        let mut merged = histogram(2);
        for (_, (n, _, h)) in s.timeline.range(from..to) {
            requests += n;
            let _ = merged.add(h);
        }
        slices.push(json!({
            "from_second": from,
            "to_second": to,
            "requests": requests,
            "per_second": requests as f64 / (to - from) as f64,
            "p99_ms": (requests > 0).then(|| ms(merged.value_at_quantile(0.99))),
        }));
    }
    Value::Array(slices)
}

/// The seconds `[from, to)` of the day of each of [`window_json`]'s slices: whole seconds, at
/// least one per slice (the timeline counts by the second).
pub fn window_slices(window_seconds: f64) -> Vec<(u64, u64)> {
    let window = (window_seconds.ceil() as u64).max(1);
    let width = window.div_ceil(WINDOW_SLICES);
    (0..window)
        .step_by(usize::try_from(width).unwrap_or(1))
        .map(|from| (from, (from + width).min(window)))
        .collect()
}

#[cfg(test)]
mod median_tests {
    use super::median;

    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_two_middle_ones() {
        assert_eq!(median([0.7, 0.5, 0.9]), Some(0.7));
        assert_eq!(median([0.8, 0.5, 0.6, 0.9]), Some(0.7));
        assert_eq!(median([f64::NAN, 0.4]), Some(0.4));
        assert_eq!(median([]), None);
    }
}

#[cfg(test)]
mod window_tests {
    use super::{OpStats, WINDOW_SLICES, histogram, window_json};

    /// Adds `n` requests that took `us` to second `second` of `stats`' timeline.
    fn ended(stats: &mut OpStats, second: u64, n: u64, us: u64) {
        let slot = stats
            .timeline
            .entry(second)
            .or_insert_with(|| (0, 0, histogram(2)));
        slot.0 += n;
        let _ = slot.2.record_n(us, n);
    }

    #[test]
    fn the_window_is_cut_into_slices_each_with_its_own_requests_and_tail() {
        let mut stats = OpStats::default();
        // Seconds 0..12 of a 12 s window: two seconds per slice. Fast starts everywhere, and
        // slow ones only in seconds 10 and 11 (the last slice); seconds 4 and 5 have none.
        for second in (0..12u64).filter(|s| !(4..6).contains(s)) {
            ended(&mut stats, second, 99, 5_000);
            ended(
                &mut stats,
                second,
                3,
                if second >= 10 { 1_500_000 } else { 9_000 },
            );
        }
        // Starts ended after the window are no part of it.
        ended(&mut stats, 12, 7, 60_000_000);
        let slices = window_json(&stats, 12.0);
        let slices = slices.as_array().expect("an array");
        assert_eq!(slices.len() as u64, WINDOW_SLICES);
        let p99: Vec<Option<f64>> = slices.iter().map(|s| s["p99_ms"].as_f64()).collect();
        assert_eq!(slices[0]["from_second"], 0);
        assert_eq!(slices[5]["to_second"], 12);
        assert_eq!(slices[0]["requests"], 204);
        assert_eq!(slices[0]["per_second"], 102.0);
        assert_eq!(slices[2]["requests"], 0);
        assert_eq!(p99[2], None, "no start ended in seconds 4 and 5");
        for fast in [p99[0], p99[1], p99[3], p99[4]] {
            let fast = fast.expect("a p99");
            assert!((8.9..=9.1).contains(&fast), "{fast}");
        }
        let slow = p99[5].expect("a p99");
        assert!((1_490.0..=1_510.0).contains(&slow), "{slow}");
    }

    #[test]
    fn a_short_window_still_has_whole_second_slices() {
        let slices = window_json(&OpStats::default(), 2.5);
        let slices = slices.as_array().expect("an array");
        // 3 whole seconds, one per slice: three slices, none empty in width.
        assert_eq!(slices.len(), 3);
        assert!(
            slices
                .iter()
                .all(|s| s["to_second"].as_u64() > s["from_second"].as_u64())
        );
        assert!(slices.iter().all(|s| s["p99_ms"].is_null()));
    }
}

#[cfg(test)]
mod transport_cause_tests {
    use super::{FaultCounters, TRANSPORT_CAUSES};

    #[test]
    fn causes_are_counted_by_chain_and_never_beyond_the_cap() {
        let faults = FaultCounters::default();
        faults.transport_failed("connection closed before message completed".into());
        faults.transport_failed("connection closed before message completed".into());
        for n in 0..TRANSPORT_CAUSES * 2 {
            faults.transport_failed(format!("cause {n}"));
        }
        let causes = faults.transport_causes.lock().unwrap();
        assert_eq!(causes["connection closed before message completed"], 2);
        assert_eq!(causes.len(), TRANSPORT_CAUSES + 1);
        assert_eq!(
            causes["(other causes)"],
            u64::try_from(TRANSPORT_CAUSES * 2 - (TRANSPORT_CAUSES - 1)).unwrap()
        );
        assert_eq!(
            causes.values().sum::<u64>(),
            2 + 2 * TRANSPORT_CAUSES as u64
        );
    }
}
