//! What the server itself measured while the day ran: its request histogram, scraped from its
//! `/metrics` once a second, slice by slice beside the phones' own figures.
//!
//! A phone's latency is everything from sending the request to reading the answer: on two
//! cores shared with this load tool and the databases it includes opening connections, waiting
//! for a core to read the request, and the tool's own scheduling. The server's histogram
//! starts when the request reaches its middleware and ends with the response. Where the two
//! differ, the time went outside the handlers; where they agree, inside. Stop 46 found by
//! scraping by hand that the boards' first-second tail was mostly outside; the report now
//! says so in every run.
//!
//! The histogram's buckets are coarse (…, 10, 25, 50, 100 ms, …), so a slice's figure is the
//! bucket its p99 falls in ("≤ 25 ms"), and how many requests took longer than 25 ms.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::exposition::{bound, fetch, sample};

/// The operations followed, each by its method and route template (parameters as `{}`).
const ROUTES: [(&str, &str, &str); 5] = [
    ("start", "POST", "/api/v1/rounds/{}/attempts"),
    ("answer", "PUT", "/api/v1/attempts/{}/answers/{}"),
    ("finish", "POST", "/api/v1/attempts/{}/finish"),
    ("board", "GET", "/api/v1/rounds/{}/leaderboard"),
    ("my rank", "GET", "/api/v1/rounds/{}/leaderboard/me"),
];

/// The bound (seconds) past which a request counts as slow in the report.
const SLOW: f64 = 0.025;

/// The request histogram's metric, and the gauges kept beside it.
const LATENCY: &str = "dautri_http_request_duration_seconds_bucket";
const IN_FLIGHT: &str = "dautri_http_in_flight";
const POOL: &str = "dautri_db_pool_connections";

/// One operation's cumulative histogram: the upper bounds (seconds, the last infinite) and
/// the requests at or under each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Buckets {
    pub bounds: Vec<f64>,
    pub counts: Vec<u64>,
}

impl Buckets {
    fn total(&self) -> u64 {
        self.counts.last().copied().unwrap_or(0)
    }

    /// Requests at or under `bound` (the largest bucket bound not above it).
    fn at_most(&self, bound: f64) -> u64 {
        self.bounds
            .iter()
            .zip(&self.counts)
            .take_while(|(b, _)| **b <= bound)
            .last()
            .map_or(0, |(_, c)| *c)
    }

    /// What happened between `earlier` and this (counters only grow; a restarted server's
    /// counters start again, and then this alone is the difference).
    fn since(&self, earlier: &Buckets) -> Buckets {
        if earlier.bounds != self.bounds || earlier.total() > self.total() {
            return self.clone();
        }
        Buckets {
            bounds: self.bounds.clone(),
            counts: self
                .counts
                .iter()
                .zip(&earlier.counts)
                .map(|(now, then)| now.saturating_sub(*then))
                .collect(),
        }
    }

    /// The upper bound (ms) of the bucket that holds the p99; `None` without requests, and
    /// infinite when it is past the last finite bound.
    fn p99_at_most_ms(&self) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let wanted = (total * 99).div_ceil(100);
        self.bounds
            .iter()
            .zip(&self.counts)
            .find(|(_, c)| **c >= wanted)
            .map(|(b, _)| b * 1000.0)
    }
}

/// One scrape: when (seconds of the day), the followed operations' histograms, and the gauges.
#[derive(Debug, Clone, Default)]
pub struct Scrape {
    pub second: f64,
    pub ops: BTreeMap<&'static str, Buckets>,
    pub in_flight: Option<f64>,
    pub pool_in_use: Option<f64>,
}

/// A route template with its parameters' names taken out: `/rounds/{id}` → `/rounds/{}`.
fn unnamed(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut inside = false;
    for c in template.chars() {
        match c {
            '{' => {
                inside = true;
                out.push('{');
            }
            '}' => {
                inside = false;
                out.push('}');
            }
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}

/// Reads the followed operations and gauges out of a Prometheus text exposition.
pub fn parse(text: &str, second: f64) -> Scrape {
    let wanted: Vec<(&'static str, &str, String)> = ROUTES
        .iter()
        .map(|(op, method, route)| (*op, *method, unnamed(route)))
        .collect();
    let mut scrape = Scrape {
        second,
        ..Scrape::default()
    };
    // Bucket lines come in order of their bounds, but nothing here relies on it.
    let mut raw: BTreeMap<&'static str, Vec<(f64, u64)>> = BTreeMap::new();
    for line in text.lines() {
        if let Some((labels, value)) = sample(line, LATENCY) {
            let (Some(method), Some(route)) = (labels.get("method"), labels.get("route")) else {
                continue;
            };
            let route = unnamed(route);
            let Some((op, _, _)) = wanted.iter().find(|(_, m, r)| m == method && *r == route)
            else {
                continue;
            };
            let Some(bound) = bound(&labels) else {
                continue;
            };
            raw.entry(op).or_default().push((bound, value as u64));
        } else if let Some((_, value)) = sample(line, IN_FLIGHT) {
            scrape.in_flight = Some(value);
        } else if let Some((labels, value)) = sample(line, POOL)
            && labels.get("state") == Some(&"in_use")
        {
            scrape.pool_in_use = Some(value);
        }
    }
    for (op, mut pairs) in raw {
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        scrape.ops.insert(
            op,
            Buckets {
                bounds: pairs.iter().map(|p| p.0).collect(),
                counts: pairs.iter().map(|p| p.1).collect(),
            },
        );
    }
    scrape
}

/// Scrapes the server once; `None` when it does not answer or will not show its metrics
/// (another machine's server without a token).
pub async fn scrape(
    client: &reqwest::Client,
    base_url: &str,
    token: Option<&str>,
    second: f64,
) -> Option<Scrape> {
    Some(parse(&fetch(client, base_url, token).await?, second))
}

/// The latest scrape at or before `second`, else the first.
fn at(scrapes: &[Scrape], second: f64) -> Option<&Scrape> {
    scrapes
        .iter()
        .take_while(|s| s.second <= second)
        .last()
        .or_else(|| scrapes.first())
}

/// The server's figures for one stretch of the day: requests, how many took longer than
/// [`SLOW`], and the bucket of the p99.
fn stretch(from: &Scrape, to: &Scrape, op: &str) -> Value {
    let Some(now) = to.ops.get(op) else {
        return json!({"requests": 0, "slow": 0, "p99_at_most_ms": null});
    };
    let delta = from
        .ops
        .get(op)
        .map_or_else(|| now.clone(), |then| now.since(then));
    let requests = delta.total();
    json!({
        "requests": requests,
        "slow": requests - delta.at_most(SLOW),
        "p99_at_most_ms": delta.p99_at_most_ms().map(|ms| if ms.is_finite() { json!(ms) } else { json!("inf") }),
    })
}

/// Per operation, the server's figures for each slice `[from, to)` of the day the phones'
/// window report uses (`stats::window_json`); `Null` without scrapes.
pub fn window_json(scrapes: &[Scrape], slices: &[(u64, u64)]) -> Value {
    if scrapes.is_empty() {
        return Value::Null;
    }
    let mut out = serde_json::Map::new();
    for (op, _, _) in ROUTES {
        let cells: Vec<Value> = slices
            .iter()
            .filter_map(|&(from, to)| {
                let (a, b) = (at(scrapes, from as f64)?, at(scrapes, to as f64)?);
                let mut cell = stretch(a, b, op);
                cell["from_second"] = json!(from);
                cell["to_second"] = json!(to);
                Some(cell)
            })
            .collect();
        out.insert(op.to_owned(), Value::Array(cells));
    }
    Value::Object(out)
}

/// Per scrape after the first: each operation's requests and slow ones since the one before,
/// and the gauges, to find in the JSON the second a slide began.
pub fn timeline_json(scrapes: &[Scrape]) -> Value {
    Value::Array(
        scrapes
            .windows(2)
            .map(|pair| {
                let mut sample = json!({
                    "second": pair[1].second,
                    "in_flight": pair[1].in_flight,
                    "db_pool_in_use": pair[1].pool_in_use,
                });
                for (op, _, _) in ROUTES {
                    sample[op] = stretch(&pair[0], &pair[1], op);
                }
                sample
            })
            .collect(),
    )
}

/// The whole day's figures per operation, first scrape to last.
pub fn day_json(scrapes: &[Scrape]) -> Value {
    match (scrapes.first(), scrapes.last()) {
        (Some(first), Some(last)) => Value::Object(
            ROUTES
                .iter()
                .map(|(op, _, _)| ((*op).to_owned(), stretch(first, last, op)))
                .collect(),
        ),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An exposition as the server writes it, with `board` at `fast` requests under 10 ms and
    /// `slow` between 25 and 50 ms, and one unrelated route.
    fn exposition(fast: u64, slow: u64) -> String {
        let total = fast + slow;
        let mut text = String::from(
            "# HELP dautri_http_request_duration_seconds HTTP request latency\n\
             # TYPE dautri_http_request_duration_seconds histogram\n",
        );
        for (le, count) in [
            ("0.005", 0),
            ("0.01", fast),
            ("0.025", fast),
            ("0.05", total),
            ("0.1", total),
            ("+Inf", total),
        ] {
            text.push_str(&format!(
                "dautri_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/api/v1/rounds/{{id}}/leaderboard\",le=\"{le}\"}} {count}\n"
            ));
            text.push_str(&format!(
                "dautri_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/api/v1/me\",le=\"{le}\"}} 99\n"
            ));
        }
        text.push_str(
            "dautri_http_request_duration_seconds_sum{method=\"GET\",route=\"/api/v1/rounds/{id}/leaderboard\"} 1.5\n\
             dautri_http_in_flight 7\n\
             dautri_db_pool_connections{state=\"idle\"} 3\n\
             dautri_db_pool_connections{state=\"in_use\"} 5\n",
        );
        text
    }

    #[test]
    fn the_followed_routes_and_gauges_are_read_whatever_their_parameters_are_called() {
        let scrape = parse(&exposition(90, 10), 1.0);
        assert_eq!(scrape.ops.keys().copied().collect::<Vec<_>>(), ["board"]);
        let board = &scrape.ops["board"];
        assert_eq!(board.bounds.len(), 6);
        assert!(board.bounds[5].is_infinite());
        assert_eq!(board.counts, [0, 90, 90, 100, 100, 100]);
        assert_eq!(scrape.in_flight, Some(7.0));
        assert_eq!(scrape.pool_in_use, Some(5.0));
        assert_eq!(
            unnamed("/attempts/{id}/answers/{question_id}"),
            "/attempts/{}/answers/{}"
        );
    }

    #[test]
    fn a_stretch_counts_only_what_happened_in_it() {
        // 90 fast before; then 100 fast and 10 slow more.
        let scrapes = [
            parse(&exposition(90, 0), 0.0),
            parse(&exposition(190, 10), 2.0),
            parse(&exposition(190, 10), 4.0),
        ];
        let window = window_json(&scrapes, &[(0, 2), (2, 4)]);
        let board = window["board"].as_array().expect("slices");
        assert_eq!(board[0]["requests"], 110);
        assert_eq!(board[0]["slow"], 10);
        // 10 of 110 are over 25 ms: the p99 is in the 50 ms bucket.
        assert_eq!(board[0]["p99_at_most_ms"], 50.0);
        assert_eq!(board[1]["requests"], 0);
        assert!(board[1]["p99_at_most_ms"].is_null());
        // A route the server never served reads as nothing, not as an error.
        assert_eq!(window["start"][0]["requests"], 0);
        let timeline = timeline_json(&scrapes);
        assert_eq!(timeline[0]["board"]["slow"], 10);
        assert_eq!(timeline[0]["in_flight"], 7.0);
        assert_eq!(day_json(&scrapes)["board"]["requests"], 110);
    }

    #[test]
    fn the_p99_falls_in_the_fast_bucket_when_one_in_a_hundred_is_slow() {
        let fast_only = parse(&exposition(99, 1), 0.0).ops["board"].clone();
        assert_eq!(fast_only.p99_at_most_ms(), Some(10.0));
        let two_slow = parse(&exposition(98, 2), 0.0).ops["board"].clone();
        assert_eq!(two_slow.p99_at_most_ms(), Some(50.0));
    }

    #[test]
    fn a_restarted_servers_counters_start_again() {
        let before = parse(&exposition(500, 0), 0.0);
        let after = parse(&exposition(20, 0), 1.0);
        assert_eq!(stretch(&before, &after, "board")["requests"], 20);
    }
}
