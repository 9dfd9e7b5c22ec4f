//! Notes, in batches, which finished attempts are on the live boards (`attempts.board_recorded`).
//!
//! The note only spares the reconciler work: an attempt left unnoted is counted again by the
//! board reconciler (`reconcile_boards` in the attempts' rules) a few seconds after its finish,
//! and the store counts a result once whatever the number of calls. So a finish does not wait
//! for its note. In the minute after a storm's window, when the members' finishes come in at
//! hundreds a second, a statement with its own commit (a flush of PostgreSQL's log) that each
//! finish waited for becomes one per batch, beside the finishes.
//!
//! # Implementation notes
//! One channel per process, drained by one task: the notes that arrive while a batch is being
//! written form the next one (at most [`MOST`]), so when idle a note is written at once. A
//! failed write is logged and dropped; the reconciler makes up for it. [`BoardMarks::flush`]
//! waits for every note sent before it: the graceful stop calls it, so that a restart finds
//! nothing for the reconciler to count again.

use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};

use crate::domain::ids::AttemptId;

/// Notes written in one statement at most.
const MOST: usize = 500;

/// Sends notes to the writing task.
#[derive(Clone)]
pub struct BoardMarks {
    tx: mpsc::UnboundedSender<Message>,
}

enum Message {
    Recorded(AttemptId),
    Flush(oneshot::Sender<()>),
}

impl BoardMarks {
    /// Starts the writing task on the current runtime.
    pub fn start(db: DatabaseConnection) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(write(db, rx));
        Self { tx }
    }

    /// Notes, soon, that `attempt`'s result is on the live boards.
    pub fn recorded(&self, attempt: AttemptId) {
        // Only fails when the task is gone (the runtime is stopping): the reconciler then
        // counts the attempt again after the restart.
        let _ = self.tx.send(Message::Recorded(attempt));
    }

    /// Waits until every note sent before this call is written (or its write failed).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Message::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write(db: DatabaseConnection, mut rx: mpsc::UnboundedReceiver<Message>) {
    let mut messages = Vec::with_capacity(MOST);
    while rx.recv_many(&mut messages, MOST).await > 0 {
        let mut attempts = Vec::with_capacity(messages.len());
        let mut flushes = Vec::new();
        for message in messages.drain(..) {
            match message {
                Message::Recorded(id) => attempts.push(id),
                Message::Flush(done) => flushes.push(done),
            }
        }
        if !attempts.is_empty()
            && let Err(e) = super::attempts::mark_board_recorded(&db, &attempts).await
        {
            tracing::warn!(
                attempts = attempts.len(),
                error = %crate::error::cause_chain(&e),
                "could not note finished attempts as on the boards; the reconciler will count them again"
            );
        }
        // In order: every note received before a flush was in this batch or an earlier one.
        for done in flushes {
            let _ = done.send(());
        }
    }
}
