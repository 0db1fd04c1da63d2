//! Server-side sessions in the application's own database (the published
//! sqlx store pins an older sqlx). The account id is kept in its own column
//! so "sign out everywhere" is one DELETE.

use std::collections::HashMap;

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

use crate::db::Db;
use crate::{execute, fetch_optional};

/// Session key holding the signed-in account's id.
pub const ACCOUNT_KEY: &str = "account_id";

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db }
    }
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
                record.id.to_string(),
                account_of(record),
                &data,
                record.expiry_date,
            )
            .map_err(backend)?;
            if n == 1 {
                break;
            }
            record.id = Id::default();
        }
        tx.commit().await.map_err(backend)
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let mut tx = self.db.write().await.map_err(backend)?;
        execute!(
            &mut tx,
            "INSERT INTO sessions (id, account_id, data, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, data = excluded.data, expires_at = excluded.expires_at",
            record.id.to_string(),
            account_of(record),
            &data,
            record.expiry_date,
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
        let mut tx = self.db.read().await.map_err(backend)?;
        let row = fetch_optional!(
            &mut tx,
            Row,
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
            id.to_string(),
            crate::db::now(),
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
        let mut tx = self.db.write().await.map_err(backend)?;
        execute!(
            &mut tx,
            "DELETE FROM sessions WHERE id = $1",
            id.to_string()
        )
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }
}

/// End every session of an account (password change, disabling).
pub async fn delete_all_for(db: &Db, account_id: i64) -> sqlx::Result<u64> {
    let mut tx = db.write().await?;
    let n = execute!(
        &mut tx,
        "DELETE FROM sessions WHERE account_id = $1",
        account_id
    )?;
    tx.commit().await?;
    Ok(n)
}

/// Drop expired sessions; run periodically by the server.
pub async fn purge_expired(db: &Db) -> sqlx::Result<u64> {
    let mut tx = db.write().await?;
    let n = execute!(
        &mut tx,
        "DELETE FROM sessions WHERE expires_at <= $1",
        crate::db::now()
    )?;
    tx.commit().await?;
    Ok(n)
}
