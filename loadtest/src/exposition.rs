//! Reading the server's `/metrics` (Prometheus text exposition): one fetch and one line reader
//! for every part of the load tool that looks at what the server measured itself (the journal's
//! lag, the request histogram beside a contest day, the boards benchmark).

use std::collections::BTreeMap;
use std::time::Duration;

/// The server's metrics as text; `None` when it does not answer or will not show them (a
/// server elsewhere without `token`, or a request through a load balancer).
pub async fn fetch(
    client: &reqwest::Client,
    base_url: &str,
    token: Option<&str>,
) -> Option<String> {
    let mut request = client
        .get(format!("{}/metrics", base_url.trim_end_matches('/')))
        .timeout(Duration::from_secs(2));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.text().await.ok()
}

/// The labels of one sample line of `metric` (`name{a="x",b="y"} 3`, or `name 3`) and its
/// value; `None` for a line of another metric (`metric` is matched whole: `x` does not match
/// `x_total`) or one that does not parse.
pub fn sample<'a>(line: &'a str, metric: &str) -> Option<(BTreeMap<&'a str, &'a str>, f64)> {
    let rest = line.strip_prefix(metric)?;
    let (labels, value) = match rest.strip_prefix('{') {
        Some(inner) => inner.rsplit_once('}')?,
        None if rest.starts_with(' ') => ("", rest),
        None => return None,
    };
    let mut map = BTreeMap::new();
    // dautri's label values (methods, route templates, states, bounds) hold no `",`, so
    // splitting there is safe for its metrics.
    for pair in labels.split("\",").filter(|p| !p.is_empty()) {
        let (name, quoted) = pair.split_once('=')?;
        map.insert(
            name.trim(),
            quoted.trim().trim_start_matches('"').trim_end_matches('"'),
        );
    }
    Some((map, value.trim().parse().ok()?))
}

/// A histogram bucket's upper bound in seconds, from its `le` label.
pub fn bound(labels: &BTreeMap<&str, &str>) -> Option<f64> {
    match *labels.get("le")? {
        "+Inf" => Some(f64::INFINITY),
        le => le.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_gives_its_labels_and_value_and_only_for_its_own_metric() {
        let line = r#"dautri_http_request_duration_seconds_bucket{method="GET",route="/api/v1/rounds/{id}",le="0.025"} 12"#;
        let (labels, value) =
            sample(line, "dautri_http_request_duration_seconds_bucket").expect("a sample");
        assert_eq!(labels["method"], "GET");
        assert_eq!(labels["route"], "/api/v1/rounds/{id}");
        assert_eq!(bound(&labels), Some(0.025));
        assert_eq!(value, 12.0);
        let (labels, value) =
            sample("dautri_http_in_flight 7", "dautri_http_in_flight").expect("a gauge");
        assert!(labels.is_empty());
        assert_eq!(value, 7.0);
        assert!(sample("dautri_http_in_flight_total 7", "dautri_http_in_flight").is_none());
        assert!(
            sample(
                "# TYPE dautri_http_in_flight gauge",
                "dautri_http_in_flight"
            )
            .is_none()
        );
        let inf = sample(r#"x_bucket{le="+Inf"} 3"#, "x_bucket").expect("a bucket");
        assert_eq!(bound(&inf.0), Some(f64::INFINITY));
    }
}
