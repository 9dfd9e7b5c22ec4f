//! The answer journal: every answer of a running attempt is written to the database before the
//! member is told it was saved, so an acknowledged answer survives the scoring store losing its
//! data (Redis restarted empty, the in-process store after a restart): the restore replays the
//! journal, which then holds every acknowledged answer.
//!
//! On PostgreSQL the journal writes on its own connections, whose commits do not wait for the
//! write-ahead log's flush to disk (`synchronous_commit = off`, see `db::connect_journal`):
//! on a shared or slow disk the flush was most of an answer's time. An acknowledged answer is
//! then in the scoring store and in PostgreSQL's log, flushed within about 0.6 s; losing it
//! takes the store losing its data and PostgreSQL crashing within that moment, both.
//! `DAUTRI_ATTEMPT__JOURNAL_SYNC_COMMIT` makes the journal wait for the disk like every other
//! write (a finish's commit, which flushes the log, also makes the answers before it durable).
//!
//! # Implementation notes
//! One channel per process, drained by one task that writes in batches (group commit): the
//! answers that arrived while the previous batch was being written form the next one (and, with
//! a linger `ack_interval` above zero, those arriving within it), then one multi-row upsert makes
//! the whole batch durable and every waiting request is answered. Up to `writers` batches are
//! written at once on PostgreSQL (a batch starts as soon as a writer is free, so an answer
//! waits for at most the write in progress before its own starts); each batch locks its rows
//! in key order, so concurrent batches cannot deadlock. Under load, batches grow
//! instead of writes multiplying; when idle, an answer is written at once. A batch keeps the newest selection
//! per (attempt, question) by save time, and the upsert never replaces a newer saved answer
//! with an older one, whatever order the rows arrive in. If the write fails, the waiting
//! requests are told so (the member's app keeps the answer and retries) and the rows stay
//! pending for the next batch.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use prometheus::{Histogram, HistogramOpts, IntCounter};
use sea_orm::DatabaseConnection;
use tokio::sync::{Semaphore, mpsc, oneshot};
use uuid::Uuid;

use super::attempts::{AnswerRow, upsert_answers};

/// Sends answers to the journal task.
#[derive(Clone)]
pub struct Journal {
    tx: mpsc::UnboundedSender<Entry>,
}

/// An answer to write, and who waits for it.
struct Entry {
    row: AnswerRow,
    written: oneshot::Sender<bool>,
}

/// Most rows written in one batch.
const MAX_BATCH: usize = 2000;

/// Metrics of the journal.
#[derive(Clone)]
pub struct JournalMetrics {
    /// Seconds between an answer being saved and it reaching the database.
    pub lag: Histogram,
    /// Answers written.
    pub written: IntCounter,
}

impl JournalMetrics {
    /// Creates and registers the metrics.
    pub fn new(registry: &prometheus::Registry) -> anyhow::Result<Self> {
        let lag = Histogram::with_opts(
            HistogramOpts::new(
                "dautri_journal_lag_seconds",
                "Time from an answer being saved to it being journaled in the database",
            )
            .buckets(vec![0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0, 10.0]),
        )?;
        let written = IntCounter::new(
            "dautri_journal_answers_total",
            "Answers journaled to the database",
        )?;
        registry.register(Box::new(lag.clone()))?;
        registry.register(Box::new(written.clone()))?;
        Ok(Self { lag, written })
    }
}

impl Journal {
    /// Starts the journal task: a batch is written at most `ack_interval` after its first
    /// answer arrived (once one of `writers` concurrent writes is free; SQLite gets one, its
    /// writes take turns on one lock anyway).
    pub fn start(
        db: DatabaseConnection,
        ack_interval: Duration,
        writers: usize,
        metrics: JournalMetrics,
    ) -> Self {
        let writers = match db.get_database_backend() {
            sea_orm::DbBackend::Sqlite => 1,
            _ => writers.max(1),
        };
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(db, rx, ack_interval, writers, metrics));
        Self { tx }
    }

    /// Writes an answer to the database; true once it is there, false if the write failed
    /// (the row stays queued for the next batch).
    pub async fn record_durably(&self, row: AnswerRow) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Entry { row, written: tx }).is_err() {
            tracing::error!("answer journal task has stopped; answers cannot be journaled");
            return false;
        }
        rx.await.unwrap_or(false)
    }
}

/// Keeps the newest selection per (attempt, question) by save time.
fn keep_newest(pending: &mut HashMap<(Uuid, Uuid), AnswerRow>, row: AnswerRow) {
    match pending.entry((row.attempt_id.into_uuid(), row.question_id.into_uuid())) {
        std::collections::hash_map::Entry::Occupied(mut held) => {
            if row.saved_at >= held.get().saved_at {
                held.insert(row);
            }
        }
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(row);
        }
    }
}

async fn run(
    db: DatabaseConnection,
    mut rx: mpsc::UnboundedReceiver<Entry>,
    ack_interval: Duration,
    writers: usize,
    metrics: JournalMetrics,
) {
    let mut pending: HashMap<(Uuid, Uuid), AnswerRow> = HashMap::new();
    let mut waiting: Vec<oneshot::Sender<bool>> = Vec::new();
    let free = Arc::new(Semaphore::new(writers.max(1)));
    // Rows of a failed write come back here to be written with the next batch.
    let (retry_tx, mut retry_rx) = mpsc::unbounded_channel::<Vec<AnswerRow>>();
    loop {
        while let Ok(rows) = retry_rx.try_recv() {
            rows.into_iter()
                .for_each(|row| keep_newest(&mut pending, row));
        }
        if pending.is_empty() {
            tokio::select! {
                first = rx.recv() => {
                    let Some(first) = first else { return };
                    waiting.push(first.written);
                    keep_newest(&mut pending, first.row);
                }
                Some(rows) = retry_rx.recv() => {
                    rows.into_iter().for_each(|row| keep_newest(&mut pending, row));
                    continue;
                }
            }
        }
        // A batch starts when a writer is free: what queued up meanwhile joins it.
        let Ok(permit) = free.clone().acquire_owned().await else {
            return;
        };
        while let Ok(rows) = retry_rx.try_recv() {
            rows.into_iter()
                .for_each(|row| keep_newest(&mut pending, row));
        }
        // Everything that queued up while the last batch was being written joins this one at
        // once; with a linger, answers arriving within it join too.
        let flush_at = tokio::time::Instant::now() + ack_interval;
        while pending.len() < MAX_BATCH {
            let next = if ack_interval.is_zero() {
                rx.try_recv().ok()
            } else {
                tokio::time::timeout_at(flush_at, rx.recv())
                    .await
                    .ok()
                    .flatten()
            };
            let Some(entry) = next else { break };
            waiting.push(entry.written);
            keep_newest(&mut pending, entry.row);
        }
        let mut batch: Vec<AnswerRow> = pending.drain().map(|(_, row)| row).collect();
        // Concurrent batches lock their rows in one order (key order), so they cannot deadlock.
        batch.sort_by_key(|r| (r.attempt_id.into_uuid(), r.question_id.into_uuid()));
        let waiters = std::mem::take(&mut waiting);
        let (db, metrics, retry_tx) = (db.clone(), metrics.clone(), retry_tx.clone());
        tokio::spawn(async move {
            write(&db, batch, waiters, &metrics, &retry_tx).await;
            drop(permit);
        });
    }
}

/// Writes one batch and answers its waiters; a failed batch goes back to `retry`.
async fn write(
    db: &DatabaseConnection,
    batch: Vec<AnswerRow>,
    waiters: Vec<oneshot::Sender<bool>>,
    metrics: &JournalMetrics,
    retry: &mpsc::UnboundedSender<Vec<AnswerRow>>,
) {
    match upsert_answers(db, &batch).await {
        Ok(()) => {
            let now = Utc::now();
            for row in &batch {
                metrics
                    .lag
                    .observe((now - row.saved_at).num_milliseconds().max(0) as f64 / 1000.0);
            }
            metrics.written.inc_by(batch.len() as u64);
            for waiter in waiters {
                let _ = waiter.send(true);
            }
        }
        Err(e) => {
            // Keep them for the next round rather than lose them; newer saves replace them.
            tracing::error!(error = %crate::error::cause_chain(&e), count = batch.len(), "answer journal write failed; will retry");
            for waiter in waiters {
                let _ = waiter.send(false);
            }
            // Back off (holding the writer) before the rows join the next batch.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = retry.send(batch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::OptionId;

    fn row(question: Uuid, option: OptionId, at_ms: i64) -> AnswerRow {
        AnswerRow {
            attempt_id: crate::domain::ids::AttemptId::from_uuid(Uuid::nil()),
            question_id: crate::domain::ids::QuestionId::from_uuid(question),
            option_ids: vec![option],
            saved_at: chrono::DateTime::from_timestamp_millis(at_ms).unwrap_or_default(),
        }
    }

    #[test]
    fn a_batch_keeps_the_newest_save_whatever_order_rows_arrive_in() {
        let (q, older, newer) = (Uuid::new_v4(), OptionId::new(), OptionId::new());
        let mut pending = HashMap::new();
        keep_newest(&mut pending, row(q, newer, 2_000));
        keep_newest(&mut pending, row(q, older, 1_000));
        assert_eq!(pending[&(Uuid::nil(), q)].option_ids, vec![newer]);
        keep_newest(&mut pending, row(q, older, 3_000));
        assert_eq!(pending[&(Uuid::nil(), q)].option_ids, vec![older]);
    }
}
