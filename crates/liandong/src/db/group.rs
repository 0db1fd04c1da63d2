//! Group commit: writes that many people send at once (a hotline room, a
//! public form in the first hour) go through one writer that takes every
//! job waiting, runs them in one transaction and commits once. Each caller
//! is answered only after the commit that holds its row, so an
//! acknowledged write survives power loss (`synchronous=FULL`) while the
//! cost of that durable commit is shared by the whole group.
//!
//! A job that fails on its own (a field refused, a key reused) writes
//! nothing and fails only itself. A database error inside a group rolls
//! the group back and each job is run again alone, so one bad row never
//! fails its neighbours.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::Pool;

/// Jobs waiting beyond this many wait for the next group.
const MAX_GROUP: usize = 1024;
/// Jobs that may wait for the writer before senders wait too.
const QUEUE: usize = 16 * 1024;

/// One write of a group.
#[async_trait]
pub trait Job: Send {
    /// Run the job's statements in `tx`. `Err` is a database error (the
    /// group is rolled back and this job run again alone); a refusal of
    /// the job itself is kept inside the job and answered by `finish`.
    /// May be called again after a rollback, so it must start afresh.
    async fn run(&mut self, tx: &mut super::Tx) -> sqlx::Result<()>;
    /// Answer the caller: `Ok` once the group is committed, else why not.
    fn finish(self: Box<Self>, committed: Result<(), Arc<sqlx::Error>>);
}

/// The sending side of a writer.
#[derive(Clone, Debug)]
pub struct Group {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Group {
    /// A writer on `pool`, running until every sender is gone.
    pub fn start(pool: Pool) -> Group {
        let (jobs, rx) = mpsc::channel(QUEUE);
        tokio::spawn(writer(pool, rx));
        Group { jobs }
    }

    /// Queue `job`; false when the writer has stopped (the server is
    /// shutting down).
    pub async fn send(&self, job: Box<dyn Job>) -> bool {
        self.jobs.send(job).await.is_ok()
    }
}

async fn writer(pool: Pool, mut rx: mpsc::Receiver<Box<dyn Job>>) {
    let mut group: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_GROUP);
    while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
        let jobs = std::mem::take(&mut group);
        metrics::histogram!("db_group_commit_size").record(jobs.len() as f64);
        match run_group(&pool, jobs).await {
            Ok(()) => {}
            Err(jobs) => {
                for job in jobs {
                    run_alone(&pool, job).await;
                }
            }
        }
    }
}

/// The whole group in one transaction; the jobs back when a database
/// error stopped it (nothing of it was committed).
async fn run_group(pool: &Pool, mut jobs: Vec<Box<dyn Job>>) -> Result<(), Vec<Box<dyn Job>>> {
    let mut tx = match pool.write().await {
        Ok(tx) => tx,
        Err(e) => {
            finish_all(jobs, Err(Arc::new(e)));
            return Ok(());
        }
    };
    for job in jobs.iter_mut() {
        if job.run(&mut tx).await.is_err() {
            drop(tx);
            return Err(jobs);
        }
    }
    let committed = tx.commit().await.map_err(Arc::new);
    finish_all(jobs, committed);
    Ok(())
}

async fn run_alone(pool: &Pool, mut job: Box<dyn Job>) {
    let outcome = async {
        let mut tx = pool.write().await?;
        job.run(&mut tx).await?;
        tx.commit().await
    }
    .await
    .map_err(Arc::new);
    job.finish(outcome);
}

fn finish_all(jobs: Vec<Box<dyn Job>>, outcome: Result<(), Arc<sqlx::Error>>) {
    for job in jobs {
        job.finish(outcome.clone());
    }
}
