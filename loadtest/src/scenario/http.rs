//! One virtual phone's requests: timed, classified, and retried after `Retry-After` as the
//! member app does.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

use super::stats::Recorder;

/// An answer from the server.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub retry_after: Option<u64>,
}

impl Reply {
    pub fn ok(&self) -> bool {
        self.status.is_success()
    }

    /// The problem's `code`, if the body is a problem.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// The kind of a failed request: `"<status> <problem code>"`, or `"transport: …"`; a 503
/// that does not say when to retry is marked so.
fn kind_of(status: StatusCode, body: &Value, retry_after: Option<u64>) -> String {
    let kind = match body["code"].as_str() {
        Some(code) => format!("{} {code}", status.as_u16()),
        None => status.as_u16().to_string(),
    };
    if status == StatusCode::SERVICE_UNAVAILABLE && retry_after.is_none() {
        format!("{kind} {}", super::stats::NO_RETRY_AFTER)
    } else {
        kind
    }
}

/// `e` and every error under it, outermost first, the way they are written: the kind alone
/// cannot tell a connection the server closed from one the client timed out.
pub fn cause_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    chain
}

/// Records `e`'s chain of causes and returns its kind.
fn transport_failure(rec: &Recorder, e: &reqwest::Error) -> String {
    rec.faults.transport_failed(cause_chain(e));
    transport_kind(e)
}

fn transport_kind(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "transport: timeout".into()
    } else if e.is_connect() {
        "transport: connect".into()
    } else if e.is_body() || e.is_decode() {
        "transport: body".into()
    } else {
        "transport: other".into()
    }
}

/// Sends `request` as operation `op` and records it; statuses in `expected` count as success.
pub async fn call(
    rec: &Recorder,
    op: &'static str,
    request: RequestBuilder,
    expected: &[u16],
) -> Option<Reply> {
    call_judged(rec, op, request, |r| expected.contains(&r.status.as_u16())).await
}

/// Like [`call`], with `fine` deciding, once the answer is in, whether a non-2xx is expected.
pub async fn call_judged(
    rec: &Recorder,
    op: &'static str,
    request: RequestBuilder,
    fine: impl FnOnce(&Reply) -> bool,
) -> Option<Reply> {
    let sent = Instant::now();
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => {
            rec.record(op, sent.elapsed(), Some(transport_failure(rec, &e)));
            return None;
        }
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let bytes = match response.bytes().await {
        Ok(b) => b,
        Err(e) => {
            rec.record(op, sent.elapsed(), Some(transport_failure(rec, &e)));
            return None;
        }
    };
    if !status.is_success()
        && let Some(word) = super::stats::leaked(&String::from_utf8_lossy(&bytes))
    {
        rec.faults.leaks.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut sample) = rec.faults.leak_sample.lock() {
            sample.get_or_insert_with(|| {
                format!(
                    "{op}: {} names {word:?}: {}",
                    status.as_u16(),
                    String::from_utf8_lossy(&bytes)
                        .chars()
                        .take(300)
                        .collect::<String>()
                )
            });
        }
    }
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let took = sent.elapsed();
    let reply = Reply {
        status,
        body,
        retry_after,
    };
    let success = status.is_success() || fine(&reply);
    rec.record(
        op,
        took,
        (!success).then(|| kind_of(status, &reply.body, retry_after)),
    );
    Some(reply)
}

/// Like [`call`], but a 503 with `Retry-After` is waited out and tried again (as the member
/// app does), and a transport failure is tried again after a second, until `give_up`.
pub async fn call_retrying(
    rec: &Recorder,
    op: &'static str,
    make: impl Fn() -> RequestBuilder,
    give_up: Instant,
) -> Option<Reply> {
    call_judged_retrying(rec, op, make, |_, _| false, give_up).await
}

/// [`call_judged`] retried as [`call_retrying`] is; `fine` is also told whether an earlier
/// try's answer was lost (the server may have done it: a refresh token then counts as used).
pub async fn call_judged_retrying(
    rec: &Recorder,
    op: &'static str,
    make: impl Fn() -> RequestBuilder,
    fine: impl Fn(&Reply, bool) -> bool,
    give_up: Instant,
) -> Option<Reply> {
    let mut lost = false;
    loop {
        let reply = call_judged(rec, op, make(), |r| fine(r, lost)).await;
        lost |= reply.is_none();
        let wait = match &reply {
            Some(r) if r.status == StatusCode::SERVICE_UNAVAILABLE => {
                Duration::from_secs(r.retry_after.unwrap_or(1).clamp(1, 300))
            }
            None => Duration::from_secs(1),
            Some(_) => return reply,
        };
        if Instant::now() + wait > give_up {
            return reply;
        }
        rec.faults.retries.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::cause_chain;

    #[test]
    fn the_chain_names_every_cause_outermost_first() {
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let outer = anyhow::Error::new(inner).context("sending the request");
        let outer: &(dyn std::error::Error + 'static) = outer.as_ref();
        assert_eq!(cause_chain(outer), "sending the request: reset by peer");
    }
}
