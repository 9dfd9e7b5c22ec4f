//! The answer journal's lag over the day, as the server counted it: its
//! `dautri_journal_lag_seconds` histogram on `/metrics` (from an answer being saved to its row
//! committed in the database), read once the members are done and before the ceiling's closed
//! loop adds answers of its own. #16 asks for a lag under 1 s.
//!
//! `/metrics` answers only this machine's unforwarded requests unless a token is configured, so
//! a day run through a load balancer (the fault runs) reports no lag rather than failing.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::exposition::{bound, fetch, sample};

/// The histogram's name on `/metrics`.
const HISTOGRAM: &str = "dautri_journal_lag_seconds";

/// Reads the server's journal lag; `Value::Null` when `/metrics` cannot be read.
pub async fn read(client: &reqwest::Client, base_url: &str, token: Option<&str>) -> Value {
    let text = fetch(client, base_url, token).await.unwrap_or_default();
    parse(&text).map_or(Value::Null, |lag| lag.to_json())
}

/// A cumulative histogram: how many observations were at most each bound, their sum and count.
#[derive(Debug, PartialEq)]
struct Lag {
    buckets: Vec<(f64, u64)>,
    sum: f64,
    count: u64,
}

impl Lag {
    /// The share of observations at most `bound` seconds (a bound the histogram has).
    fn within(&self, bound: f64) -> Option<f64> {
        let (_, n) = self.buckets.iter().find(|(le, _)| *le == bound)?;
        (self.count > 0).then(|| *n as f64 / self.count as f64)
    }

    /// The smallest bound every observation is within.
    fn all_within(&self) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        self.buckets
            .iter()
            .find(|(_, n)| *n == self.count)
            .map(|(le, _)| *le)
    }

    fn to_json(&self) -> Value {
        json!({
            "answers": self.count,
            "mean_seconds": (self.count > 0).then(|| self.sum / self.count as f64),
            "within_1s": self.within(1.0),
            "all_within_seconds": self.all_within().filter(|b| b.is_finite()),
        })
    }
}

/// The journal lag histogram in a Prometheus text exposition, if it is there.
fn parse(text: &str) -> Option<Lag> {
    let mut lag = Lag {
        buckets: Vec::new(),
        sum: 0.0,
        count: 0,
    };
    let mut seen = false;
    let (bucket, sum, count) = (
        format!("{HISTOGRAM}_bucket"),
        format!("{HISTOGRAM}_sum"),
        format!("{HISTOGRAM}_count"),
    );
    for line in text.lines() {
        if let Some((labels, value)) = sample(line, &bucket) {
            lag.buckets.push((bound(&labels)?, value as u64));
        } else if let Some((_, value)) = sample(line, &sum) {
            lag.sum = value;
        } else if let Some((_, value)) = sample(line, &count) {
            lag.count = value as u64;
            seen = true;
        }
    }
    lag.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    seen.then_some(lag)
}

/// The report's line, or nothing when the lag was not read.
pub fn line(lag: &Value) -> String {
    let mut out = String::new();
    let Some(answers) = lag["answers"].as_u64() else {
        return out;
    };
    let _ = write!(
        out,
        "answer journal lag (the server's {HISTOGRAM}): {answers} answers journaled"
    );
    if let Some(mean) = lag["mean_seconds"].as_f64() {
        let _ = write!(out, ", mean {:.0} ms", mean * 1000.0);
    }
    if let Some(share) = lag["within_1s"].as_f64() {
        let _ = write!(out, ", {:.2}% within 1 s", share * 100.0);
    }
    if let Some(bound) = lag["all_within_seconds"].as_f64() {
        let _ = write!(out, ", all within {bound} s");
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPOSITION: &str = "\
# HELP dautri_journal_lag_seconds Time from an answer being saved to it being journaled
# TYPE dautri_journal_lag_seconds histogram
dautri_journal_lag_seconds_bucket{le=\"0.05\"} 90
dautri_journal_lag_seconds_bucket{le=\"0.1\"} 95
dautri_journal_lag_seconds_bucket{le=\"1\"} 99
dautri_journal_lag_seconds_bucket{le=\"2\"} 100
dautri_journal_lag_seconds_bucket{le=\"+Inf\"} 100
dautri_journal_lag_seconds_sum 4.5
dautri_journal_lag_seconds_count 100
dautri_journal_answers_total 100
";

    #[test]
    fn the_histogram_is_read_from_the_exposition() {
        let lag = parse(EXPOSITION).expect("the histogram");
        assert_eq!(lag.count, 100);
        assert_eq!(lag.buckets.len(), 5);
        assert_eq!(lag.within(1.0), Some(0.99));
        assert_eq!(lag.all_within(), Some(2.0));
        let json = lag.to_json();
        assert_eq!(json["mean_seconds"], json!(0.045));
        assert_eq!(
            line(&json),
            "answer journal lag (the server's dautri_journal_lag_seconds): 100 answers \
             journaled, mean 45 ms, 99.00% within 1 s, all within 2 s\n"
        );
    }

    #[test]
    fn no_histogram_no_lag() {
        assert_eq!(parse("dautri_journal_answers_total 3\n"), None);
        assert_eq!(line(&Value::Null), "");
    }

    #[test]
    fn no_answers_no_share() {
        let lag = parse(
            "dautri_journal_lag_seconds_bucket{le=\"1\"} 0\n\
             dautri_journal_lag_seconds_bucket{le=\"+Inf\"} 0\n\
             dautri_journal_lag_seconds_sum 0\n\
             dautri_journal_lag_seconds_count 0\n",
        )
        .expect("the histogram");
        let json = lag.to_json();
        assert_eq!(json["within_1s"], Value::Null);
        assert_eq!(
            line(&json),
            "answer journal lag (the server's dautri_journal_lag_seconds): 0 answers journaled\n"
        );
    }
}
