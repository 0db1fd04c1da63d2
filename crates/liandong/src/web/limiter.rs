//! Fixed-window limits keyed by a client address, a phone or the like.
//! Hand-written: a window per key is forty lines, where a governor layer
//! would apply to whole routes and count every request, while these count
//! only what should be counted (a failed sign-in, a request taken).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Limiter {
    max: u32,
    window: Duration,
    hits: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Limiter {
    pub fn new(max: u32, window: Duration) -> Limiter {
        Limiter {
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` has used up its window (nothing is counted).
    pub fn is_over(&self, key: &str) -> bool {
        let now = Instant::now();
        let hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        hits.get(key)
            .is_some_and(|(start, n)| now.duration_since(*start) < self.window && *n >= self.max)
    }

    /// Count an attempt from `key`; false when it is over the limit.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > 100_000 {
            hits.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = hits.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.max
    }
}

/// Lists read or taken at once, server-wide. Each may hold a 32 MB file
/// and its rows (about half a gigabyte at a million rows), so however many
/// people send lists at once, memory stays within `permits` of them; the
/// rest wait a while in line, then are told to try again (never a 500).
#[derive(Clone)]
pub struct ListWork {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    wait: Duration,
}

/// Two lists at once: a street's screening team and the office above it.
pub const LIST_WORKERS: usize = 2;
/// How long a list waits for its turn before the sender is told to retry.
pub const LIST_WAIT: Duration = Duration::from_secs(30);

impl ListWork {
    pub fn new(permits: usize, wait: Duration) -> ListWork {
        ListWork {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(permits)),
            wait,
        }
    }

    /// A turn at list work, held until the returned permit is dropped.
    pub async fn turn(
        &self,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, crate::web::error::AppError> {
        tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(crate::web::error::AppError::TooMany("err-lists-busy"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_in_window() {
        let l = Limiter::new(2, Duration::from_secs(60));
        assert!(l.allow("a") && l.allow("a"));
        assert!(!l.allow("a"));
        assert!(l.allow("b"));
        assert!(l.is_over("a") && !l.is_over("b") && !l.is_over("c"));
    }

    #[tokio::test]
    async fn list_work_waits_its_turn_then_says_to_retry() {
        let work = ListWork::new(1, Duration::from_millis(50));
        let held = work.turn().await.expect("the first list starts");
        let waiting = work.clone();
        let second = tokio::spawn(async move { waiting.turn().await.map(drop) });
        assert!(
            matches!(
                work.turn().await,
                Err(crate::web::error::AppError::TooMany("err-lists-busy"))
            ),
            "a third list is told to retry"
        );
        drop(held);
        let _ = second.await;
        assert!(
            work.turn().await.is_ok(),
            "turns come back when a list is done"
        );
    }
}
