//! One code path, two engines. Queries are written once in a portable SQL
//! subset (`$n` placeholders in order of first use, `RETURNING`,
//! `ON CONFLICT … DO UPDATE`, `||`, no engine-specific functions) and run
//! through the macros below, which expand to the same sqlx call for each
//! native driver. sqlx's `Any` driver is avoided: it has no dates or JSON.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use time::OffsetDateTime;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The application's database.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction on either engine. Every store function takes one, so a
/// request's reads and writes see one consistent state and an error rolls
/// everything back (dropping a `Tx` without `commit` rolls back).
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Which engine a URL selects; anything else is refused rather than
/// silently creating an empty SQLite file.
pub fn engine_of(url: &str) -> anyhow::Result<&'static str> {
    let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
    match scheme {
        "sqlite" => Ok("sqlite"),
        "postgres" | "postgresql" => Ok("postgres"),
        "" => bail!("database URL {url:?} has no scheme: use sqlite://PATH or postgres://HOST/DB"),
        other => bail!(
            "unsupported database URL scheme {other:?}: use sqlite://PATH or postgres://HOST/DB"
        ),
    }
}

impl Db {
    /// Connect (creating the SQLite file and its folder if needed) and apply
    /// pending migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        let db = match engine_of(url)? {
            "sqlite" => {
                let opts = SqliteConnectOptions::from_str(url)
                    .with_context(|| format!("invalid SQLite URL {url:?}"))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                if let Some(dir) = opts.get_filename().parent()
                    && !dir.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(dir).with_context(|| {
                        format!("cannot create data directory {}", dir.display())
                    })?;
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(opts)
                    .await
                    .with_context(|| format!("cannot open SQLite database {url:?}"))?;
                Db::Sqlite(pool)
            }
            _ => {
                let opts = PgConnectOptions::from_str(url)
                    .with_context(|| format!("invalid PostgreSQL URL {url:?}"))?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await
                    .with_context(|| format!("cannot connect to PostgreSQL at {url:?}"))?;
                Db::Postgres(pool)
            }
        };
        db.migrate().await?;
        Ok(db)
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
        }
        .context("applying database migrations")
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// A transaction for reading.
    pub async fn read(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A transaction for writing. On SQLite it takes the write lock up
    /// front (`BEGIN IMMEDIATE`), so two writers wait on the busy timeout
    /// instead of failing halfway with SQLITE_BUSY.
    pub async fn write(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

/// Now, in UTC, truncated to microseconds (what PostgreSQL keeps), so a
/// value reads back equal to what was written on both engines.
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

/// Rows of type `$ty` (a `sqlx::FromRow`).
#[macro_export]
macro_rules! fetch_all {
    ($tx:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $tx {
            $crate::db::Tx::Sqlite(c) => ::sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(&mut **c).await,
            $crate::db::Tx::Postgres(c) => ::sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(&mut **c).await,
        }
    };
}

/// At most one row of type `$ty`.
#[macro_export]
macro_rules! fetch_optional {
    ($tx:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $tx {
            $crate::db::Tx::Sqlite(c) => ::sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(&mut **c).await,
            $crate::db::Tx::Postgres(c) => ::sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(&mut **c).await,
        }
    };
}

/// Exactly one row of type `$ty`.
#[macro_export]
macro_rules! fetch_one {
    ($tx:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $tx {
            $crate::db::Tx::Sqlite(c) => ::sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_one(&mut **c).await,
            $crate::db::Tx::Postgres(c) => ::sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_one(&mut **c).await,
        }
    };
}

/// One value of type `$ty` from the first column of the first row.
#[macro_export]
macro_rules! fetch_scalar {
    ($tx:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $tx {
            $crate::db::Tx::Sqlite(c) => ::sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(&mut **c).await,
            $crate::db::Tx::Postgres(c) => ::sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(&mut **c).await,
        }
    };
}

/// A statement; yields the number of rows it touched.
#[macro_export]
macro_rules! execute {
    ($tx:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $tx {
            $crate::db::Tx::Sqlite(c) => ::sqlx::query($sql)$(.bind($arg))*.execute(&mut **c).await.map(|r| r.rows_affected()),
            $crate::db::Tx::Postgres(c) => ::sqlx::query($sql)$(.bind($arg))*.execute(&mut **c).await.map(|r| r.rows_affected()),
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_schemes_are_refused_by_name() {
        assert_eq!(engine_of("sqlite://data/x.db").unwrap(), "sqlite");
        assert_eq!(engine_of("postgresql://h/db").unwrap(), "postgres");
        let e = engine_of("mysql://h/db").unwrap_err().to_string();
        assert!(e.contains("\"mysql\""), "{e}");
        assert!(engine_of("data/x.db").is_err());
    }
}
