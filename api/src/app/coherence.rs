//! Keeping every instance's in-memory copies (the catalog, the unit tree and people) in step with the
//! database: a change made here is dropped here at once and told to the other instances
//! through the scoring store's broadcast, and each instance listens for the others' changes.
//!
//! # Implementation notes
//! The broadcast can lose a message (an instance that was not subscribed at that moment never
//! hears it), so the listener treats every (re)subscription as a gap and drops everything it
//! keeps; the caches' maximum ages stay as the bound for what a lost message could not carry.
//! Telling the others never fails the request that made the change: the database is already
//! written, and the bound still holds.

use std::time::Duration;

use crate::caches::coherence::{self, Change};
use crate::state::AppState;

/// How long a request waits to tell the others before leaving it to the caches' bound.
const SEND_TIMEOUT: Duration = Duration::from_secs(1);

/// How long the listener waits before subscribing again after losing its subscription.
const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(1);

/// Drops what `change` makes stale here, and tells the other instances to drop theirs.
pub async fn changed(state: &AppState, change: Change) {
    change.apply(&state.catalog, &state.units, &state.people);
    let line = change.encode(state.instance);
    let sent = tokio::time::timeout(
        SEND_TIMEOUT,
        state.store.publish(&state.keys.cache_changes(), &line),
    )
    .await;
    match sent {
        Ok(Ok(())) => state.metrics.cache_change("sent"),
        Ok(Err(e)) => {
            state.metrics.cache_change("send_failed");
            tracing::warn!(error = %e, ?change, "could not tell the other instances of a change; they see it when their copy expires");
        }
        Err(_) => {
            state.metrics.cache_change("send_failed");
            tracing::warn!(
                ?change,
                "telling the other instances of a change timed out; they see it when their copy expires"
            );
        }
    }
}

/// Listens for the other instances' changes for as long as the server runs.
pub fn spawn_listener(state: AppState) {
    tokio::spawn(async move {
        let channel = state.keys.cache_changes();
        loop {
            match state.store.subscribe(&channel).await {
                Ok(mut subscription) => {
                    state.metrics.cache_change("subscribed");
                    // Whatever was sent while this instance was not listening is lost to it.
                    coherence::forget_everything(&state.catalog, &state.units, &state.people);
                    while let Some(line) = subscription.next().await {
                        if let Some((from, change)) = Change::decode(&line)
                            && from != state.instance
                        {
                            state.metrics.cache_change("received");
                            change.apply(&state.catalog, &state.units, &state.people);
                        }
                    }
                    tracing::warn!(
                        "lost the subscription to other instances' changes; subscribing again"
                    );
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot subscribe to other instances' changes; their edits are seen when this instance's copies expire");
                }
            }
            tokio::time::sleep(RESUBSCRIBE_AFTER).await;
        }
    });
}
