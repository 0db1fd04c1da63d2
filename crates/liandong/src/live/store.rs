//! Where changes come from: the events every write leaves behind, as the
//! engine can tell them.

use std::time::Duration;

use super::{Change, Live};
use crate::db::{Db, Pool};

/// The PostgreSQL channel the `events` trigger notifies (migration 0012).
pub const CHANNEL: &str = "liandong_events";

/// How often SQLite's events are looked at: a board is at most this late.
const POLL: Duration = Duration::from_millis(500);

/// Feed `live` from `db` until the task is aborted.
pub async fn feed(db: Db, live: Live) {
    match db.pool() {
        Pool::Postgres(pool) => listen(pool.clone(), live).await,
        Pool::Sqlite(_) => poll(db, live).await,
    }
}

/// Every server on the database hears every commit's events. A lost
/// connection is made again; what was missed meanwhile is "anything".
async fn listen(pool: sqlx::PgPool, live: Live) {
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "live updates: cannot connect to listen");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "live updates: cannot listen");
            tokio::time::sleep(Duration::from_secs(5)).await;
            continue;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => {
                    if let Some(c) = Change::parse(n.payload()) {
                        live.publish(c);
                    }
                }
                // Reconnected by sqlx: notifications in between are gone.
                Ok(None) => live.publish(Change::anything()),
                Err(e) => {
                    tracing::warn!(error = %e, "live updates: listening failed");
                    live.publish(Change::anything());
                    break;
                }
            }
        }
    }
}

/// SQLite has no notifications between connections: new rows of `events`
/// (their ids only grow) are read twice a second — an indexed range read
/// of what is new, nothing when nothing is.
async fn poll(db: Db, live: Live) {
    let mut last: Option<i64> = None;
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let read = async {
            let mut tx = db.read().await?;
            let Some(from) = last else {
                return crate::fetch_scalar!(
                    &mut tx,
                    i64,
                    "SELECT COALESCE(MAX(id), 0) FROM events"
                )
                .map(|m| (m, Vec::new()));
            };
            let rows = crate::fetch_all!(
                &mut tx,
                (i64, String, String, String),
                "SELECT id, entity, division_code, action FROM events WHERE id > $1 ORDER BY id LIMIT 1000",
                from
            )?;
            let newest = rows.last().map(|r| r.0).unwrap_or(from);
            sqlx::Result::Ok((newest, rows))
        };
        match read.await {
            Ok((newest, rows)) => {
                let mut seen = std::collections::HashSet::new();
                for (_, entity, division_code, action) in rows {
                    if !super::quiet(&action)
                        && seen.insert((entity.clone(), division_code.clone()))
                    {
                        live.publish(Change {
                            entity,
                            division_code,
                        });
                    }
                }
                last = Some(newest);
            }
            Err(e) => tracing::warn!(error = %e, "live updates: reading new events"),
        }
    }
}
