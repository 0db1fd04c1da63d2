//! Group commit: writes that many people send at once (a hotline room, a
//! public form in the first hour) go through one writer per kind of job
//! that takes every job waiting, runs them in one transaction and commits
//! once. Each caller is answered only after the commit that holds its row,
//! so an acknowledged write survives power loss (`synchronous=FULL`) while
//! the cost of that durable commit is shared by the whole group. A kind of
//! job writes its group with a few multi-row statements rather than a few
//! statements per job: on SQLite each statement is a round trip to the
//! connection's thread, and those round trips, not the disk, were the
//! writer's ceiling.
//!
//! A job that fails on its own (a field refused, a key reused) writes
//! nothing and fails only itself. A database error inside a group rolls
//! the group back and each job is run again alone, so one bad row never
//! fails its neighbours.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::Pool;

/// Jobs waiting beyond this many wait for the next group.
const MAX_GROUP: usize = 1024;
/// Jobs that may wait for the writer before senders wait too.
const QUEUE: usize = 16 * 1024;

/// One write of a group, of a kind that is written a group at a time.
#[async_trait]
pub trait Job: Send + Sized + 'static {
    /// Run the statements of every job of `jobs` in `tx`. `Err` is a
    /// database error (the group is rolled back and each job run again
    /// alone); a refusal of one job is kept inside it and answered by
    /// `finish`. May be called again after a rollback, so each job must
    /// start afresh.
    async fn run(jobs: &mut [Self], tx: &mut super::Tx) -> sqlx::Result<()>;
    /// Answer the caller: `Ok` once the group is committed, else why not.
    fn finish(self, committed: Result<(), Arc<sqlx::Error>>);
}

/// The sending side of a writer for jobs of type `J`.
#[derive(Debug)]
pub struct Group<J> {
    jobs: mpsc::Sender<J>,
}

impl<J> Clone for Group<J> {
    fn clone(&self) -> Self {
        Group {
            jobs: self.jobs.clone(),
        }
    }
}

impl<J: Job> Group<J> {
    /// A writer on `pool`, running until every sender is gone.
    fn start(pool: Pool) -> Group<J> {
        let (jobs, rx) = mpsc::channel(QUEUE);
        tokio::spawn(writer(pool, rx));
        Group { jobs }
    }

    /// Queue `job`; false when the writer has stopped (the server is
    /// shutting down).
    pub async fn send(&self, job: J) -> bool {
        self.jobs.send(job).await.is_ok()
    }
}

/// The writers of one database, one per kind of job, each started on its
/// first job (the database layer knows no kind of job by name).
#[derive(Clone, Debug, Default)]
pub struct Writers {
    started: Arc<Mutex<HashMap<TypeId, Box<dyn Any + Send>>>>,
}

impl Writers {
    /// The writer for `J` on `pool`.
    pub fn of<J: Job>(&self, pool: &Pool) -> Group<J> {
        let mut started = self.started.lock().unwrap_or_else(|p| p.into_inner());
        started
            .entry(TypeId::of::<J>())
            .or_insert_with(|| Box::new(Group::<J>::start(pool.clone())))
            .downcast_ref::<Group<J>>()
            .expect("a writer is stored under its own job type")
            .clone()
    }
}

async fn writer<J: Job>(pool: Pool, mut rx: mpsc::Receiver<J>) {
    let mut group: Vec<J> = Vec::with_capacity(MAX_GROUP);
    while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
        let jobs = std::mem::take(&mut group);
        metrics::histogram!("db_group_commit_size").record(jobs.len() as f64);
        if let Err(jobs) = run_group(&pool, jobs).await {
            for job in jobs {
                run_group(&pool, vec![job]).await.ok();
            }
        }
        group.reserve(MAX_GROUP);
    }
}

/// The whole group in one transaction. A group of several jobs whose
/// statements a database error stopped is handed back (nothing of it was
/// committed); otherwise every job is answered with the outcome.
async fn run_group<J: Job>(pool: &Pool, mut jobs: Vec<J>) -> Result<(), Vec<J>> {
    let outcome = match pool.write().await {
        Ok(mut tx) => match J::run(&mut jobs, &mut tx).await {
            Ok(()) => tx.commit().await,
            Err(_) if jobs.len() > 1 => return Err(jobs),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let outcome = outcome.map_err(Arc::new);
    for job in jobs {
        job.finish(outcome.clone());
    }
    Ok(())
}
