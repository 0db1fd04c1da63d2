//! Server-side sessions in the application's own database (the published
//! sqlx store pins an older sqlx). The account id is kept in its own column
//! so "sign out everywhere" is one DELETE. A session is stored under a
//! digest of its id, so a copy of the table opens no session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

use crate::db::{Db, Tx};
use crate::{execute, fetch_optional};

/// Session key holding the signed-in account's id.
pub const ACCOUNT_KEY: &str = "account_id";

/// How far a session's expiry may lag behind "now + inactivity" before it
/// is written again: the inactivity expiry moves on every request, and a
/// write per request would take the database's write lock per request.
const EXPIRY_SLACK: time::Duration = time::Duration::minutes(5);

/// A session as last written: a digest of its data, its expiry.
type Written = ([u8; 32], OffsetDateTime);

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
    /// What this process last wrote per session (digest of the data, the
    /// expiry), to skip writes that would change only a few seconds of the
    /// expiry. Another process writing the same session only costs a write.
    written: Arc<Mutex<HashMap<String, Written>>>,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore {
            db,
            written: Arc::default(),
        }
    }

    /// Whether `record` differs from what was last written by more than
    /// a few minutes of expiry; remembers it as written when it does.
    fn needs_write(&self, key: &str, data: &str, expiry: OffsetDateTime) -> bool {
        let digest: [u8; 32] = Sha256::digest(data.as_bytes()).into();
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((d, e)) = written.get(key)
            && *d == digest
            && expiry - *e < EXPIRY_SLACK
            && expiry >= *e
        {
            return false;
        }
        if written.len() > 100_000 {
            written.clear();
        }
        written.insert(key.to_owned(), (digest, expiry));
        true
    }

    fn forget(&self, key: &str) {
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        written.remove(key);
    }
}

/// The stored key of a session id: its SHA-256, hex.
fn key_of(id: &Id) -> String {
    crate::hex(&Sha256::digest(id.to_string().as_bytes()))
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

fn account_of(record: &Record) -> Option<i64> {
    record.data.get(ACCOUNT_KEY).and_then(|v| v.as_i64())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let mut tx = self.db.write().await.map_err(backend)?;
        // A collision of 128-bit random ids is all but impossible; if it
        // happens, draw again rather than overwrite someone's session.
        loop {
            let n = execute!(
                &mut tx,
                "INSERT INTO sessions (id, account_id, data, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                key_of(&record.id),
                account_of(record),
                &data,
                crate::db::Ts::from(record.expiry_date),
            )
            .map_err(backend)?;
            if n == 1 {
                break;
            }
            record.id = Id::default();
        }
        tx.commit().await.map_err(backend)?;
        self.needs_write(&key_of(&record.id), &data, record.expiry_date);
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let key = key_of(&record.id);
        if !self.needs_write(&key, &data, record.expiry_date) {
            return Ok(());
        }
        let mut tx = self.db.write().await.map_err(backend)?;
        execute!(
            &mut tx,
            "INSERT INTO sessions (id, account_id, data, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, data = excluded.data, expires_at = excluded.expires_at",
            &key,
            account_of(record),
            &data,
            crate::db::Ts::from(record.expiry_date),
        )
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            data: String,
            expires_at: OffsetDateTime,
        }
        let mut tx = self.db.read_one().await.map_err(backend)?;
        let row = fetch_optional!(
            &mut tx,
            Row,
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
            key_of(id),
            crate::db::stamp(),
        )
        .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data: HashMap<String, serde_json::Value> =
            serde_json::from_str(&row.data).map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: row.expires_at,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let key = key_of(id);
        self.forget(&key);
        let mut tx = self.db.write().await.map_err(backend)?;
        execute!(&mut tx, "DELETE FROM sessions WHERE id = $1", &key).map_err(backend)?;
        tx.commit().await.map_err(backend)
    }
}

/// End the sessions of an account (password change, disabling, reset)
/// inside `tx`, but for the session `keep` (the one changing its own
/// password stays signed in).
pub async fn end_sessions(tx: &mut Tx, account_id: i64, keep: Option<&Id>) -> sqlx::Result<u64> {
    let keep = keep.map(key_of).unwrap_or_default();
    execute!(
        tx,
        "DELETE FROM sessions WHERE account_id = $1 AND id <> $2",
        account_id,
        keep
    )
}

/// Drop expired sessions; run periodically by the server.
pub async fn purge_expired(db: &Db) -> sqlx::Result<u64> {
    let mut tx = db.write().await?;
    let n = execute!(
        &mut tx,
        "DELETE FROM sessions WHERE expires_at <= $1",
        crate::db::stamp()
    )?;
    tx.commit().await?;
    Ok(n)
}
