//! Leases: one instance at a time runs a task that several instances share a store for.
//!
//! A lease is a key in the scoring store holding its holder's random token, with an expiry
//! (Redis: `SET NX PX` in `lua/lease.lua`, renewed by the same script only by the token that
//! holds it; released by `lua/lease_release.lua` only by that token). An instance that dies
//! stops renewing, and another takes the lease over once it expires: no task is left undone for
//! longer than the lease's lifetime.
//!
//! The holder renews at a third of the lifetime while it works ([`Lease::hold_while`]). When a
//! renewal finds the lease taken by another token, or cannot reach the store for a whole
//! lifetime, the work is dropped at its next await point: a stalled holder (a long pause, a
//! network split) stops instead of working beside its successor. That is the fencing. The
//! tasks run under leases are also idempotent on their own (a finish writes its result once,
//! a board counts an attempt once), so the short overlap a clock jump could still allow does
//! not change any result; the lease is what keeps them from doing the work twice.
//!
//! The in-process store has the same semantics for one process (several tasks of one server,
//! or several servers in one test process sharing a `MemoryStore`).

use std::future::Future;
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::{Keys, Store, StoreError};

/// One holder's claim on a named lease.
#[derive(Clone)]
pub struct Lease {
    store: Store,
    key: String,
    token: String,
    ttl: Duration,
}

impl Lease {
    /// A claim on the lease `name` with a fresh token; taken by [`Self::take`].
    pub fn new(store: &Store, keys: &Keys, name: &str, ttl: Duration) -> Self {
        Self {
            store: store.clone(),
            key: keys.lease(name),
            token: Uuid::new_v4().to_string(),
            ttl,
        }
    }

    /// Its lifetime: how long a dead holder keeps others waiting.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Takes the lease, or renews it when held already. False while another holds it.
    pub async fn take(&self) -> Result<bool, StoreError> {
        self.store
            .take_lease(&self.key, &self.token, self.ttl)
            .await
    }

    /// Gives the lease back (if still held), so another may take it at once.
    pub async fn release(&self) -> Result<(), StoreError> {
        self.store.release_lease(&self.key, &self.token).await
    }

    /// Runs `work` while holding the lease (already taken), renewing it at a third of its
    /// lifetime. Stops the work and fails with [`StoreError::LeaseLost`] when a renewal finds
    /// the lease held by another, or none succeeded for a whole lifetime.
    pub async fn hold_while<F: Future>(&self, work: F) -> Result<F::Output, StoreError> {
        let renew = async {
            let every = (self.ttl / 3).max(Duration::from_millis(10));
            let mut last_renewed = Instant::now();
            loop {
                tokio::time::sleep(every).await;
                match self.take().await {
                    Ok(true) => last_renewed = Instant::now(),
                    Ok(false) => return,
                    Err(e) => {
                        tracing::warn!(lease = %self.key, error = %e, "renewing a lease failed");
                        if last_renewed.elapsed() >= self.ttl {
                            return;
                        }
                    }
                }
            }
        };
        tokio::select! {
            biased;
            out = work => Ok(out),
            () = renew => {
                tracing::warn!(lease = %self.key, "lease lost: the task stopped, another instance carries on");
                Err(StoreError::LeaseLost(self.key.clone()))
            }
        }
    }

    /// Waits until the lease can be taken (asking every `poll`), runs `work` holding it, and
    /// gives it back: for work that must not run twice at once but must run every time it is
    /// asked for (a board rebuild asked for by two instances runs twice, one after the other).
    pub async fn exclusive<F: Future>(
        &self,
        poll: Duration,
        work: F,
    ) -> Result<F::Output, StoreError> {
        while !self.take().await? {
            tokio::time::sleep(poll).await;
        }
        let out = self.hold_while(work).await;
        if let Err(e) = self.release().await {
            // It expires by itself.
            tracing::warn!(lease = %self.key, error = %e, "giving a lease back failed");
        }
        out
    }
}
