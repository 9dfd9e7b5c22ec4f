//! The answer journal: answers of running attempts are written to the database in batches,
//! at most about one interval behind, so an attempt survives the scoring store losing its data
//! with at most the last interval of answers missing.
//!
//! # Implementation notes
//! One channel per process, drained by one task: answers reach the database in the order they
//! were saved, and a batch keeps only the latest selection per (attempt, question).

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use prometheus::{Histogram, HistogramOpts, IntCounter};
use sea_orm::DatabaseConnection;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::attempts::{AnswerRow, upsert_answers};

/// Sends answers to the journal task.
#[derive(Clone)]
pub struct Journal {
    tx: mpsc::UnboundedSender<AnswerRow>,
}

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
    /// Starts the journal task writing to `db` every `interval`.
    pub fn start(db: DatabaseConnection, interval: Duration, metrics: JournalMetrics) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(db, rx, interval, metrics));
        Self { tx }
    }

    /// Queues an answer; never blocks the answer path.
    pub fn record(&self, row: AnswerRow) {
        if self.tx.send(row).is_err() {
            tracing::error!(
                "answer journal task has stopped; answers are only in the scoring store"
            );
        }
    }
}

async fn run(
    db: DatabaseConnection,
    mut rx: mpsc::UnboundedReceiver<AnswerRow>,
    interval: Duration,
    metrics: JournalMetrics,
) {
    let mut pending: HashMap<(Uuid, Uuid), AnswerRow> = HashMap::new();
    loop {
        if pending.is_empty() {
            let Some(first) = rx.recv().await else { return };
            pending.insert((first.attempt_id, first.question_id), first);
        }
        let flush_at = tokio::time::Instant::now() + interval;
        while let Ok(Some(row)) = tokio::time::timeout_at(flush_at, rx.recv()).await {
            pending.insert((row.attempt_id, row.question_id), row);
        }
        let mut batch: Vec<AnswerRow> = pending.drain().map(|(_, row)| row).collect();
        batch.sort_by_key(|r| r.saved_at);
        match upsert_answers(&db, &batch).await {
            Ok(()) => {
                let now = Utc::now();
                for row in &batch {
                    metrics
                        .lag
                        .observe((now - row.saved_at).num_milliseconds().max(0) as f64 / 1000.0);
                }
                metrics.written.inc_by(batch.len() as u64);
            }
            Err(e) => {
                // Keep them for the next round rather than lose them; newer saves replace them.
                tracing::error!(error = %crate::error::cause_chain(&e), count = batch.len(), "answer journal write failed; will retry");
                for row in batch {
                    pending
                        .entry((row.attempt_id, row.question_id))
                        .or_insert(row);
                }
                tokio::time::sleep(interval).await;
            }
        }
    }
}
