//! Reports arriving together are written together.
//!
//! Filing a report is a dozen statements; most of their cost is the round trip, not the
//! work. Reports that arrive while batches are being written wait in a queue; the first of
//! them to get a writer's turn writes everything queued (up to [`MAX_BATCH`])
//! in one transaction, with the timeline events, inbox messages and audit records of all of
//! them as one multi-row insert per table, and hands each waiter its own answer. A lone
//! report is a batch of one: no timer, no added latency. If anything in a batch fails, the
//! batch rolls back and its reports are filed one by one, so one report's error is its own.
//! No answer is given before the commit that holds the report.

use std::sync::Mutex;

use tokio::sync::oneshot;

use super::service::{Filed, Prepared, file_alone, file_together};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The most reports one transaction writes.
pub const MAX_BATCH: usize = 64;

type Job = (Prepared, oneshot::Sender<AppResult<Filed>>);

/// The queue of reports waiting to be written, and the leaders' turns.
pub struct Intake {
    queue: Mutex<Vec<Job>>,
    leaders: tokio::sync::Semaphore,
    max_batch: usize,
}

impl Intake {
    /// `writers`: batches written at once, of at most `max_batch` reports. On SQLite one
    /// large batch at a time (it has one writer anyway); on PostgreSQL several smaller ones
    /// side by side, whose commits share disk flushes and whose statements use both cores.
    pub fn new(writers: usize, max_batch: usize) -> Self {
        let max_batch = max_batch.clamp(1, MAX_BATCH);
        Intake {
            queue: Mutex::new(Vec::new()),
            leaders: tokio::sync::Semaphore::new(writers.max(1)),
            max_batch,
        }
    }

    /// Files one prepared report, possibly together with others; returns when it is
    /// committed.
    pub async fn file(&self, st: &AppState, p: Prepared) -> AppResult<Filed> {
        let (tx, mut rx) = oneshot::channel();
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((p, tx));
        loop {
            tokio::select! {
                biased;
                r = &mut rx => {
                    return r.unwrap_or_else(|_| {
                        Err(AppError::Internal(anyhow::anyhow!("the intake batch was abandoned")))
                    });
                }
                _turn = self.leaders.acquire() => {
                    let batch: Vec<Job> = {
                        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                        let n = q.len().min(self.max_batch);
                        q.drain(..n).collect()
                    };
                    if !batch.is_empty() {
                        write(st, batch).await;
                    }
                }
            }
        }
    }
}

async fn write(st: &AppState, batch: Vec<Job>) {
    metrics::histogram!("intake_batch_size").record(batch.len() as f64);
    if batch.len() > 1 {
        let refs: Vec<&Prepared> = batch.iter().map(|(p, _)| p).collect();
        match file_together(st, &refs).await {
            Ok(filed) => {
                for ((_, tx), f) in batch.into_iter().zip(filed) {
                    let _ = tx.send(Ok(f));
                }
                return;
            }
            Err(e) => {
                tracing::info!(error = %e, n = batch.len(), "batch failed; filing one by one")
            }
        }
    }
    for (p, tx) in batch {
        let r = file_alone(st, &p).await;
        let _ = tx.send(r);
    }
}
