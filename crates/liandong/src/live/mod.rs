//! Live updates: what changed where, pushed to open boards and dashboards
//! as server-sent events, so that nobody reloads to see a new need.
//!
//! A change is an event's entity and division — nothing personal, nothing
//! of what changed: a page that hears one asks for itself again, through
//! its reader's scope like any read. Where changes come from (`store`):
//! PostgreSQL tells every `liandong serve` on the database (LISTEN/NOTIFY,
//! sent at commit by a trigger on `events`); SQLite, one process's file,
//! is watched for new events twice a second.

pub mod api;
pub mod store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, watch};

/// Something changed: an event of `entity` in `division_code` ("*" for
/// anything, anywhere: a feed that lost changes says so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub entity: String,
    pub division_code: String,
}

impl Change {
    /// Everything may have changed (changes were lost: a reconnect, a
    /// slow reader).
    pub fn anything() -> Change {
        Change {
            entity: "*".into(),
            division_code: String::new(),
        }
    }

    /// As a notification carries it: `entity division`.
    pub fn parse(payload: &str) -> Option<Change> {
        let (entity, division) = payload.split_once(' ')?;
        let ok = |s: &str, extra: char| s.chars().all(|c| c.is_ascii_alphanumeric() || c == extra);
        (!entity.is_empty()
            && entity.len() <= 40
            && ok(entity, '_')
            && division.len() <= 12
            && ok(division, '_'))
        .then(|| Change {
            entity: entity.to_owned(),
            division_code: division.to_owned(),
        })
    }
}

/// Events that change nothing a page shows (a reveal, a sign-in): not
/// told. The PostgreSQL trigger (migration 0012) holds the same rule.
pub fn quiet(action: &str) -> bool {
    action == "field.reveal" || action.starts_with("account.sign_in")
}

/// Streams one account may hold open (a browser holds at most six to one
/// server over HTTP/1.1; more is a script), and all of them together.
pub const STREAMS_PER_ACCOUNT: usize = 8;
pub const STREAMS_IN_ALL: usize = 5_000;

/// The server's hub: changes fan out to every open stream.
#[derive(Clone)]
pub struct Live {
    changes: broadcast::Sender<Change>,
    closing: watch::Sender<bool>,
    open: Arc<Mutex<HashMap<i64, usize>>>,
}

impl Default for Live {
    fn default() -> Self {
        Live::new()
    }
}

impl Live {
    pub fn new() -> Live {
        // A reader this far behind has missed changes: it is told
        // "anything" and reads its page again.
        let (changes, _) = broadcast::channel(1024);
        let (closing, _) = watch::channel(false);
        Live {
            changes,
            closing,
            open: Arc::default(),
        }
    }

    pub fn publish(&self, change: Change) {
        // No stream open: nobody to tell.
        let _ = self.changes.send(change);
    }

    /// A stream for `account`, or `None` when it (or the server) holds
    /// as many as allowed. The slot is given back when the `Slot` drops.
    pub fn open(&self, account: i64) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let all: usize = open.values().sum();
        let mine = open.entry(account).or_insert(0);
        if *mine >= STREAMS_PER_ACCOUNT || all >= STREAMS_IN_ALL {
            return None;
        }
        *mine += 1;
        Some(Slot {
            live: self.clone(),
            account,
            changes: self.changes.subscribe(),
            closing: self.closing.subscribe(),
        })
    }

    /// The server is stopping: every stream ends (so that a graceful
    /// shutdown does not wait for browsers to go away).
    pub fn close(&self) {
        let _ = self.closing.send(true);
    }
}

/// One open stream's hold on the hub.
pub struct Slot {
    live: Live,
    account: i64,
    pub changes: broadcast::Receiver<Change>,
    pub closing: watch::Receiver<bool>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.live.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.account) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.account);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_are_read_strictly() {
        assert_eq!(
            Change::parse("need 610113001002"),
            Some(Change {
                entity: "need".into(),
                division_code: "610113001002".into()
            })
        );
        assert_eq!(
            Change::parse("service_levels ").map(|c| c.division_code),
            Some(String::new())
        );
        for bad in [
            "need",
            "need 6101'; --",
            "ne ed 6101",
            "need 6101130010020000",
        ] {
            assert_eq!(Change::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn streams_are_bounded_per_account_and_given_back() {
        let live = Live::new();
        let held: Vec<Slot> = (0..STREAMS_PER_ACCOUNT)
            .filter_map(|_| live.open(1))
            .collect();
        assert_eq!(held.len(), STREAMS_PER_ACCOUNT);
        assert!(live.open(1).is_none(), "one account cannot hold more");
        assert!(live.open(2).is_some(), "another account still can");
        drop(held);
        assert!(live.open(1).is_some(), "slots come back when streams end");
    }
}
