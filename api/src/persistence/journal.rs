//! The answer journal: every answer of a running attempt is written to the database, so an
//! acknowledged answer survives the scoring store losing its data (Redis restarted empty, the
//! in-process store after a restart): the restore replays the journal.
//!
//! When the member is told "saved" depends on where the store lives
//! ([`crate::config::Acknowledge`]):
//! - **With the in-process store** the answer waits for its journal write: a crash loses the
//!   store and this process's queue together.
//! - **With Redis** the answer is acknowledged once Redis has it, and written here within
//!   moments: Redis and this process are two copies, and losing the answer takes Redis losing
//!   its data *and* this instance dying before its next write (a few milliseconds under load).
//!   Before anything reads the journal to rebuild an attempt, [`Journal::settle`] writes what
//!   this instance acknowledged, then waits out [`HORIZON`] for the other instances' queues.
//!   The queue is kept short: while a write is slow or failing ([`KEEPING_UP`]), answers wait
//!   for their write again (and are refused with "try again" if it fails), so an instance never
//!   holds more than a moment's answers that only Redis and its memory know.
//!
//! On PostgreSQL the journal writes on its own connections, whose commits do not wait for the
//! write-ahead log's flush to disk (`synchronous_commit = off`, see `db::connect_journal`):
//! on a shared or slow disk the flush was most of an answer's time. A written answer is then
//! in PostgreSQL's log, flushed within about 0.6 s. `DAUTRI_ATTEMPT__JOURNAL_SYNC_COMMIT`
//! makes the journal wait for the disk like every other write (a finish's commit, which
//! flushes the log, also makes the answers before it durable).
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
//! pending for the next batch. A settle request waits, with every writer, for the batches
//! before it, then reports whether anything is still unwritten.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
    health: Arc<Health>,
    waits_for_write: bool,
}

/// Whether the journal keeps up, shared by the writers and the answers.
#[derive(Default)]
struct Health {
    /// Batches being written that are slow: begun with a row older than [`KEEPING_UP`], or
    /// still unwritten after it.
    slow: AtomicUsize,
    /// The last write failed; its rows are pending again.
    failed: AtomicBool,
}

impl Health {
    fn keeping_up(&self) -> bool {
        self.slow.load(Ordering::Acquire) == 0 && !self.failed.load(Ordering::Acquire)
    }
}

/// What the journal task is asked.
enum Entry {
    /// An answer to write, and who waits for it, if anyone does.
    Answer {
        row: AnswerRow,
        written: Option<oneshot::Sender<bool>>,
    },
    /// Tell whether everything sent before is written.
    Settle(oneshot::Sender<bool>),
}

/// Most rows written in one batch.
const MAX_BATCH: usize = 2000;

/// How old an answer acknowledged before its write may grow unwritten: past it (a batch that
/// began with an older row, or whose write takes longer), answers wait for their write again.
pub const KEEPING_UP: Duration = Duration::from_millis(250);

/// How long before a restore reads the journal it waits for the other instances to write what
/// they acknowledged: [`KEEPING_UP`] and the write after it, with room.
pub const HORIZON: Duration = Duration::from_secs(1);

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
    /// writes take turns on one lock anyway). `waits_for_write`: whether every answer waits
    /// for its write before it is acknowledged, or only while the journal falls behind.
    pub fn start(
        db: DatabaseConnection,
        ack_interval: Duration,
        writers: usize,
        waits_for_write: bool,
        metrics: JournalMetrics,
    ) -> Self {
        let writers = match db.get_database_backend() {
            sea_orm::DbBackend::Sqlite => 1,
            _ => writers.max(1),
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let health = Arc::new(Health::default());
        tokio::spawn(run(db, rx, ack_interval, writers, health.clone(), metrics));
        Self {
            tx,
            health,
            waits_for_write,
        }
    }

    /// Journals an answer the scoring store has taken: true once it may be acknowledged
    /// (written, or queued while the journal keeps up and answers need not wait), false if its
    /// write failed (the row stays queued for the next batch).
    pub async fn record(&self, row: AnswerRow) -> bool {
        if !self.waits_for_write && self.health.keeping_up() {
            // Nobody waits: no reply is made for it.
            return self.send(Entry::Answer { row, written: None });
        }
        let (tx, rx) = oneshot::channel();
        if !self.send(Entry::Answer {
            row,
            written: Some(tx),
        }) {
            return false;
        }
        rx.await.unwrap_or(false)
    }

    /// Hands an entry to the journal task: false if it has stopped.
    fn send(&self, entry: Entry) -> bool {
        let sent = self.tx.send(entry).is_ok();
        if !sent {
            tracing::error!("answer journal task has stopped; answers cannot be journaled");
        }
        sent
    }

    /// Whether answers are acknowledged before their write (so other instances may hold some).
    pub fn acknowledges_before_writing(&self) -> bool {
        !self.waits_for_write
    }

    /// Writes what this instance acknowledged before now: true once all of it is in the
    /// database, false if some could not be written (it stays queued).
    pub async fn settle(&self) -> bool {
        if self.waits_for_write {
            return true; // nothing acknowledged is unwritten
        }
        let (tx, rx) = oneshot::channel();
        if !self.send(Entry::Settle(tx)) {
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
    health: Arc<Health>,
    metrics: JournalMetrics,
) {
    let mut pending: HashMap<(Uuid, Uuid), AnswerRow> = HashMap::new();
    let mut waiting: Vec<oneshot::Sender<bool>> = Vec::new();
    let mut settling: Vec<oneshot::Sender<bool>> = Vec::new();
    let free = Arc::new(Semaphore::new(writers.max(1)));
    // Rows of a failed write come back here to be written with the next batch.
    let (retry_tx, mut retry_rx) = mpsc::unbounded_channel::<Vec<AnswerRow>>();
    let batch = Batch {
        db,
        health,
        metrics,
        retry: retry_tx,
    };
    loop {
        while let Ok(rows) = retry_rx.try_recv() {
            rows.into_iter()
                .for_each(|row| keep_newest(&mut pending, row));
        }
        if pending.is_empty() && settling.is_empty() {
            tokio::select! {
                first = rx.recv() => {
                    let Some(first) = first else { return };
                    take(first, &mut pending, &mut waiting, &mut settling);
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
        // once; with a linger, answers arriving within it join too. The task sleeps through
        // the linger and then takes what came: waiting on the channel instead woke it (and
        // the thread it runs on) for every answer sent, one cross-thread wake-up per answer.
        if !ack_interval.is_zero() && settling.is_empty() {
            tokio::time::sleep(ack_interval).await;
        }
        while pending.len() < MAX_BATCH && settling.is_empty() {
            let Ok(entry) = rx.try_recv() else { break };
            take(entry, &mut pending, &mut waiting, &mut settling);
        }
        if !pending.is_empty() {
            let mut rows: Vec<AnswerRow> = pending.drain().map(|(_, row)| row).collect();
            // Concurrent batches lock their rows in one order (key order), so they cannot deadlock.
            rows.sort_by_key(|r| (r.attempt_id.into_uuid(), r.question_id.into_uuid()));
            let waiters = std::mem::take(&mut waiting);
            let batch = batch.clone();
            tokio::spawn(async move {
                batch.write(rows, waiters).await;
                drop(permit);
            });
        } else {
            drop(permit);
        }
        if !settling.is_empty() {
            // Every batch before the settle request is done once every writer is free again;
            // a failed one has put its rows back to be written next.
            let Ok(all) = free.acquire_many(u32::try_from(writers).unwrap_or(1)).await else {
                return;
            };
            drop(all);
            let mut unwritten = false;
            while let Ok(rows) = retry_rx.try_recv() {
                unwritten = true;
                rows.into_iter()
                    .for_each(|row| keep_newest(&mut pending, row));
            }
            for settled in settling.drain(..) {
                let _ = settled.send(!unwritten);
            }
        }
    }
}

/// Adds what the journal task was sent to the batch being formed.
fn take(
    entry: Entry,
    pending: &mut HashMap<(Uuid, Uuid), AnswerRow>,
    waiting: &mut Vec<oneshot::Sender<bool>>,
    settling: &mut Vec<oneshot::Sender<bool>>,
) {
    match entry {
        Entry::Answer { row, written } => {
            waiting.extend(written);
            keep_newest(pending, row);
        }
        Entry::Settle(settled) => settling.push(settled),
    }
}

/// What a batch's writer needs.
#[derive(Clone)]
struct Batch {
    db: DatabaseConnection,
    health: Arc<Health>,
    metrics: JournalMetrics,
    /// Where a failed batch's rows go back.
    retry: mpsc::UnboundedSender<Vec<AnswerRow>>,
}

impl Batch {
    /// Writes one batch and answers its waiters; a failed batch goes back to be retried. A
    /// batch that is slow (begun late, or written slowly) makes answers wait for their write
    /// until it is done.
    async fn write(&self, rows: Vec<AnswerRow>, waiters: Vec<oneshot::Sender<bool>>) {
        let oldest = rows
            .iter()
            .map(|r| r.saved_at)
            .min()
            .unwrap_or_else(Utc::now);
        let late = (Utc::now() - oldest).to_std().unwrap_or_default() > KEEPING_UP;
        let mut slow = false;
        if late {
            slow = true;
            self.health.slow.fetch_add(1, Ordering::AcqRel);
        }
        let written = {
            let upsert = upsert_answers(&self.db, &rows);
            tokio::pin!(upsert);
            tokio::select! {
                r = &mut upsert => r,
                () = tokio::time::sleep(KEEPING_UP), if !slow => {
                    slow = true;
                    self.health.slow.fetch_add(1, Ordering::AcqRel);
                    upsert.await
                }
            }
        };
        match written {
            Ok(()) => {
                self.health.failed.store(false, Ordering::Release);
                let now = Utc::now();
                for row in &rows {
                    self.metrics
                        .lag
                        .observe((now - row.saved_at).num_milliseconds().max(0) as f64 / 1000.0);
                }
                self.metrics.written.inc_by(rows.len() as u64);
                for waiter in waiters {
                    let _ = waiter.send(true);
                }
            }
            Err(e) => {
                // Keep them for the next round rather than lose them; newer saves replace them.
                self.health.failed.store(true, Ordering::Release);
                tracing::error!(error = %crate::error::cause_chain(&e), count = rows.len(), "answer journal write failed; will retry");
                for waiter in waiters {
                    let _ = waiter.send(false);
                }
                // Back off (holding the writer) before the rows join the next batch.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let _ = self.retry.send(rows);
            }
        }
        if slow {
            self.health.slow.fetch_sub(1, Ordering::AcqRel);
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
