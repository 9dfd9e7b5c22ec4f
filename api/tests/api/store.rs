//! The scoring store's contract, the same on Redis and in process.

use std::time::Duration;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    window_counts_hits_and_resets,
    concurrent_hits_are_all_counted,
    peek_does_not_count_and_reset_forgets,
    a_window_expires,
    a_quiet_subscription_stays_open
);

fn key(app: &TestApp, name: &str) -> String {
    format!("{}:contract:{name}", app.state.keys.prefix())
}

async fn window_counts_hits_and_resets(app: &TestApp) {
    let k = key(app, "a");
    for expected in 1..=3 {
        let hit = app
            .state
            .store
            .hit(&k, Duration::from_secs(60))
            .await
            .expect("hit");
        assert_eq!(hit.count, expected);
        assert!(
            hit.resets_in <= Duration::from_secs(60) && hit.resets_in > Duration::from_secs(50),
            "{:?}",
            hit.resets_in
        );
    }
    let other = app
        .state
        .store
        .hit(&key(app, "b"), Duration::from_secs(60))
        .await
        .expect("hit");
    assert_eq!(other.count, 1, "keys are independent");
}

async fn concurrent_hits_are_all_counted(app: &TestApp) {
    let k = key(app, "concurrent");
    let hits = futures_util::future::join_all(
        (0..50).map(|_| app.state.store.hit(&k, Duration::from_secs(60))),
    )
    .await;
    let mut counts: Vec<u64> = hits.into_iter().map(|h| h.expect("hit").count).collect();
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=50).collect::<Vec<_>>(),
        "every hit saw a distinct count"
    );
}

async fn peek_does_not_count_and_reset_forgets(app: &TestApp) {
    let k = key(app, "peek");
    assert_eq!(app.state.store.peek(&k).await.expect("peek").count, 0);
    app.state
        .store
        .hit(&k, Duration::from_secs(60))
        .await
        .expect("hit");
    assert_eq!(app.state.store.peek(&k).await.expect("peek").count, 1);
    assert_eq!(app.state.store.peek(&k).await.expect("peek").count, 1);
    app.state.store.reset(&k).await.expect("reset");
    assert_eq!(app.state.store.peek(&k).await.expect("peek").count, 0);
}

async fn a_window_expires(app: &TestApp) {
    let k = key(app, "expiry");
    app.state
        .store
        .hit(&k, Duration::from_millis(50))
        .await
        .expect("hit");
    // Waiting is the behaviour under test here: the window's expiry, on the store's own clock.
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(
        app.state
            .store
            .hit(&k, Duration::from_millis(50))
            .await
            .expect("hit")
            .count,
        1
    );
}

/// A subscription pings its node when nothing came for a while; a node that answers keeps it
/// open. (A pong read as the wrong type once ended every quiet subscription every few seconds,
/// which made every instance drop its caches that often.)
async fn a_quiet_subscription_stays_open(app: &TestApp) {
    let channel = key(app, "quiet");
    let mut sub = app
        .state
        .store
        .subscribe(&channel)
        .await
        .expect("subscribe");
    // Longer than the quiet interval (5 s) plus the ping's answer.
    let silent = tokio::time::timeout(Duration::from_secs(7), sub.next()).await;
    assert!(
        silent.is_err(),
        "nothing was sent, so nothing is received and the subscription holds: {silent:?}"
    );
    app.state
        .store
        .publish(&channel, "hello")
        .await
        .expect("publish");
    let got = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .expect("the message arrives");
    assert_eq!(
        got.as_deref(),
        Some("hello"),
        "the same subscription still delivers"
    );
}
