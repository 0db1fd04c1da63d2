//! One code path, two engines. Queries are written once in a portable SQL
//! subset (`$n` placeholders in order of first use, `RETURNING`,
//! `ON CONFLICT … DO UPDATE`, `||`, no engine-specific functions) and run
//! through the macros below, which expand to the same sqlx call for each
//! native driver. sqlx's `Any` driver is avoided: it has no dates or JSON.

pub mod group;

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use time::OffsetDateTime;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The application's database: a pool on either engine, and the writers
/// that commit concurrent intake in groups.
/// SQLite's page cache per connection, in KiB.
pub const CACHE_KIB: i64 = 32_768;

#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    writers: group::Writers,
}

/// A connection pool on either engine.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction on either engine. Every store function takes one, so a
/// request's reads and writes see one consistent state and an error rolls
/// everything back (dropping a `Tx` without `commit` rolls back).
pub enum Tx {
    Sqlite(Conn<Sqlite>),
    Postgres(Conn<Postgres>),
}

/// What a `Tx` runs statements on: a transaction, or (for a read of one
/// statement, see [`Db::read_one`]) a connection outside any.
pub enum Conn<DB: sqlx::Database> {
    Tx(Transaction<'static, DB>),
    Once(sqlx::pool::PoolConnection<DB>),
}

impl<DB: sqlx::Database> std::ops::Deref for Conn<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        match self {
            Conn::Tx(t) => t,
            Conn::Once(c) => c,
        }
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for Conn<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        match self {
            Conn::Tx(t) => t,
            Conn::Once(c) => c,
        }
    }
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
        let pool = match engine_of(url)? {
            "sqlite" => {
                let opts = SqliteConnectOptions::from_str(url)
                    .with_context(|| format!("invalid SQLite URL {url:?}"))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // An acknowledged write survives power loss: every
                    // commit is synced (group commit pays for it).
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    // A multi-row INSERT keeps a statement journal (to undo
                    // itself alone); in memory it is never written to a
                    // temporary file.
                    .pragma("temp_store", "memory")
                    // 32 MiB of pages per connection (SQLite's default is
                    // 2 MiB): the board's indexes and intake's stay read.
                    .pragma("cache_size", format!("-{CACHE_KIB}"));
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
                Pool::Sqlite(pool)
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
                Pool::Postgres(pool)
            }
        };
        let db = Db {
            pool,
            writers: group::Writers::default(),
        };
        db.migrate().await?;
        Ok(db)
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
        }
        .context("applying database migrations")
    }

    /// The pool itself, for what only one engine has (LISTEN).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn engine(&self) -> &'static str {
        match &self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// A transaction for reading.
    pub async fn read(&self) -> sqlx::Result<Tx> {
        self.pool.read().await
    }

    /// A connection for a read of one statement (or of statements that
    /// need not agree with each other): no BEGIN and no ROLLBACK around
    /// it, which on SQLite are two round trips to the connection's thread
    /// each — for the reads every request makes (its session, its
    /// account), a third of what it cost.
    pub async fn read_one(&self) -> sqlx::Result<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(Conn::Once(p.acquire().await?)),
            Pool::Postgres(p) => Tx::Postgres(Conn::Once(p.acquire().await?)),
        })
    }

    /// A transaction for writing (see [`Pool::write`]).
    pub async fn write(&self) -> sqlx::Result<Tx> {
        self.pool.write().await
    }

    /// The group-commit writer for jobs of type `J` (see [`group`]).
    pub fn group<J: group::Job>(&self) -> group::Group<J> {
        self.writers.of(&self.pool)
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

impl Pool {
    pub async fn read(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(Conn::Tx(p.begin().await?)),
            Pool::Postgres(p) => Tx::Postgres(Conn::Tx(p.begin().await?)),
        })
    }

    /// A transaction for writing. On SQLite it takes the write lock up
    /// front (`BEGIN IMMEDIATE`), so two writers wait on the busy timeout
    /// instead of failing halfway with SQLITE_BUSY.
    pub async fn write(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(Conn::Tx(p.begin_with("BEGIN IMMEDIATE").await?)),
            Pool::Postgres(p) => Tx::Postgres(Conn::Tx(p.begin().await?)),
        })
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(Conn::Tx(t)) => t.commit().await,
            Tx::Postgres(Conn::Tx(t)) => t.commit().await,
            Tx::Sqlite(Conn::Once(_)) | Tx::Postgres(Conn::Once(_)) => Ok(()),
        }
    }
}

/// SQL for "`column` holds a code inside the division code bound as `$n`"
/// ('' = the whole country). Codes are digits and hierarchical, so inside
/// is a range on the code ('~' sorts after every digit): both engines
/// answer it from the column's index (a `LIKE $n || '%'` is a scan on
/// SQLite, and on PostgreSQL unless the column is byte-ordered, which
/// migration 0004 makes it).
pub fn inside(column: &str, n: u8) -> String {
    format!("({column} >= ${n} AND {column} < ${n} || '~')")
}

/// SQL for "`column` is inside the code `$n`, or one of its ancestors"
/// (what an office sees of organisations and zones: its own and those
/// that cover it). Codes have 2, 4, 6, 9 or 12 digits, so the ancestors
/// are the prefixes of those lengths and the whole country ('').
pub fn related(column: &str, n: u8) -> String {
    format!(
        "({} OR {column} IN ('', substr(${n}, 1, 2), substr(${n}, 1, 4), substr(${n}, 1, 6), substr(${n}, 1, 9)))",
        inside(column, n)
    )
}

/// The rows of a JSON array of arrays bound as `$n`, as a table `j`
/// whose `j.value ->> k` is the k-th cell (text; `CAST(… AS BIGINT)` for
/// numbers). One statement takes thousands of rows this way, where a
/// `VALUES` list of bound parameters is cut at hundreds (list imports).
/// PostgreSQL gets `jsonb`, parsed once, not at every `->>`.
pub fn json_rows(tx: &Tx, n: u8) -> String {
    match tx {
        Tx::Sqlite(_) => format!("jsonb_each(${n}) AS j"),
        Tx::Postgres(_) => format!("jsonb_array_elements(${n}::jsonb) AS j(value)"),
    }
}

/// A JSON array of texts bound as `$n`, as a subquery for `x IN …`.
pub fn json_list(tx: &Tx, n: u8) -> String {
    match tx {
        Tx::Sqlite(_) => format!("(SELECT value FROM json_each(${n}))"),
        Tx::Postgres(_) => format!("(SELECT jsonb_array_elements_text(${n}::jsonb))"),
    }
}

/// A JSON array of integers bound as `$n`, as a subquery for `id IN …`.
pub fn json_ids(tx: &Tx, n: u8) -> String {
    match tx {
        Tx::Sqlite(_) => format!("(SELECT value FROM json_each(${n}))"),
        Tx::Postgres(_) => format!("(SELECT jsonb_array_elements_text(${n}::jsonb)::bigint)"),
    }
}

/// A timestamp as bound into SQL. PostgreSQL keeps `timestamptz`; SQLite
/// keeps text, and sqlx's own RFC 3339 text varies in length (no fraction
/// when the microseconds are 0), so '…:00Z' sorted after '…:00.5Z'. Bound
/// through `Ts`, SQLite text is always `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC
/// (27 characters), so text order is time order and ranges compare right.
/// Reading back needs nothing: that text is RFC 3339.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ts(pub OffsetDateTime);

impl From<OffsetDateTime> for Ts {
    fn from(t: OffsetDateTime) -> Ts {
        Ts(t)
    }
}

/// The stored text of `t` on SQLite.
pub fn sqlite_text(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(f)
        .unwrap_or_default()
}

impl sqlx::Type<Sqlite> for Ts {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <String as sqlx::Type<Sqlite>>::type_info()
    }
}

impl sqlx::Encode<'_, Sqlite> for Ts {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as sqlx::Database>::ArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <String as sqlx::Encode<Sqlite>>::encode(sqlite_text(self.0), buf)
    }
}

impl sqlx::Type<Postgres> for Ts {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <OffsetDateTime as sqlx::Type<Postgres>>::type_info()
    }
}

impl sqlx::Encode<'_, Postgres> for Ts {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as sqlx::Database>::ArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <OffsetDateTime as sqlx::Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

/// Now as bound into SQL (see [`Ts`]).
pub fn stamp() -> Ts {
    Ts(now())
}

/// Microseconds the clock is moved by (0 unless a test moved it).
static CLOCK_OFFSET_MICROS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Now, in UTC, truncated to microseconds (what PostgreSQL keeps), so a
/// value reads back equal to what was written on both engines. The one
/// clock the application reads; a server started with `--settable-clock`
/// (browser tests) may move it.
pub fn now() -> OffsetDateTime {
    let offset = CLOCK_OFFSET_MICROS.load(std::sync::atomic::Ordering::Relaxed);
    let t = OffsetDateTime::now_utc() + time::Duration::microseconds(offset);
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

/// Move the clock so that it reads `at` now (and runs on from there).
pub fn set_clock(at: OffsetDateTime) {
    let offset = (at - OffsetDateTime::now_utc()).whole_microseconds();
    let offset = i64::try_from(offset).unwrap_or(0);
    CLOCK_OFFSET_MICROS.store(offset, std::sync::atomic::Ordering::Relaxed);
}

/// The `VALUES` list of a multi-row INSERT on `tx`'s engine: `rows`
/// tuples of `cols` parameters, bound row by row in order. SQLite gets
/// anonymous `?`: SQLite finds a named parameter's slot by walking the
/// list of names, so binding a statement of `$n` costs the square of its
/// parameters (a twentieth of intake's time at 16 needs a statement).
pub fn values(tx: &Tx, rows: usize, cols: usize) -> String {
    let mut sql = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            match tx {
                Tx::Sqlite(_) => sql.push('?'),
                Tx::Postgres(_) => {
                    sql.push('$');
                    sql.push_str(&(1 + r * cols + c).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// How a group of `n` rows is cut for multi-row statements: pieces of 16,
/// then of powers of two, so a connection's statement cache holds a few
/// shapes of a statement instead of one per group size (and PostgreSQL's
/// named parameters, whose binding costs the square of their number as
/// SQLite's would, stay few).
pub fn pieces(n: usize) -> impl Iterator<Item = usize> {
    let full = std::iter::repeat_n(16, n / 16);
    let rest = n % 16;
    full.chain((0..4).rev().map(|b| 1 << b).filter(move |p| rest & p != 0))
}

/// Rows of type `$ty` from a statement that binds, for each item `$row`
/// of `$items`, the values `$value…` (a multi-row INSERT built with
/// [`values`]).
#[macro_export]
macro_rules! fetch_all_rows {
    ($tx:expr, $ty:ty, $sql:expr, $items:expr, |$row:ident| ($($value:expr),* $(,)?)) => {
        match $tx {
            $crate::db::Tx::Sqlite(c) => {
                let mut q = ::sqlx::query_as::<_, $ty>($sql);
                for $row in $items { q = q$(.bind($value))*; }
                q.fetch_all(&mut **c).await
            }
            $crate::db::Tx::Postgres(c) => {
                let mut q = ::sqlx::query_as::<_, $ty>($sql);
                for $row in $items { q = q$(.bind($value))*; }
                q.fetch_all(&mut **c).await
            }
        }
    };
}

/// A statement as [`fetch_all_rows`] binds it; yields the rows touched.
#[macro_export]
macro_rules! execute_rows {
    ($tx:expr, $sql:expr, $items:expr, |$row:ident| ($($value:expr),* $(,)?)) => {
        match $tx {
            $crate::db::Tx::Sqlite(c) => {
                let mut q = ::sqlx::query($sql);
                for $row in $items { q = q$(.bind($value))*; }
                q.execute(&mut **c).await.map(|r| r.rows_affected())
            }
            $crate::db::Tx::Postgres(c) => {
                let mut q = ::sqlx::query($sql);
                for $row in $items { q = q$(.bind($value))*; }
                q.execute(&mut **c).await.map(|r| r.rows_affected())
            }
        }
    };
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

/// Many small rows of type `$ty` (a `sqlx::FromRow` that also
/// deserializes from a JSON array of its fields, in order): `SELECT
/// $columns $rest`, whose output columns are named `$names` (the fields,
/// in order). For reads of tens of thousands of rows. SQLite's
/// driver pays per row (each value copied, each row handed between
/// threads), so there the rows come packed as one JSON array, several
/// times faster; PostgreSQL's rows are cheap and its JSON building is
/// not, so there they come as rows. Flags must be integers (`CASE WHEN …
/// THEN 1 ELSE 0 END`), and timestamps RFC 3339 in JSON.
#[macro_export]
macro_rules! fetch_packed {
    ($tx:expr, $ty:ty, $names:expr, $columns:expr, $rest:expr $(, $arg:expr)* $(,)?) => {{
        let (names, columns, rest): (&str, &str, &str) = ($names, $columns, $rest);
        match $tx {
            $crate::db::Tx::Sqlite(c) => ::sqlx::query_scalar::<_, String>(::sqlx::AssertSqlSafe(format!(
                "SELECT json_group_array(json_array({names})) FROM (SELECT {columns} {rest}) AS packed"
            )))
            $(.bind($arg))*
            .fetch_one(&mut **c)
            .await
            .and_then(|packed| {
                ::serde_json::from_str::<Vec<$ty>>(&packed)
                    .map_err(|e| ::sqlx::Error::Decode(e.into()))
            }),
            $crate::db::Tx::Postgres(c) => ::sqlx::query_as::<_, $ty>(::sqlx::AssertSqlSafe(format!(
                "SELECT {columns} {rest}"
            )))
            $(.bind($arg))*
            .fetch_all(&mut **c)
            .await,
        }
    }};
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

/// `sqlx::FromRow` for PostgreSQL rows of `T` read by position, the
/// columns in the order of the fields named: for reads of many small rows,
/// where the derived reader finds each column by comparing names.
#[macro_export]
macro_rules! pg_row_by_position {
    ($t:ident { $($field:ident),* $(,)? }) => {
        impl ::sqlx::FromRow<'_, ::sqlx::postgres::PgRow> for $t {
            fn from_row(r: &::sqlx::postgres::PgRow) -> ::sqlx::Result<$t> {
                use ::sqlx::Row;
                let mut at = 0usize;
                // Fields are read in the order written.
                Ok($t {
                    $($field: {
                        at += 1;
                        r.try_get(at - 1)?
                    }),*
                })
            }
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
    fn groups_are_cut_into_few_shapes() {
        for n in 0..300 {
            let p: Vec<usize> = pieces(n).collect();
            assert_eq!(p.iter().sum::<usize>(), n);
            assert!(p.iter().all(|s| s.is_power_of_two() && *s <= 16), "{p:?}");
        }
    }

    #[test]
    fn unknown_schemes_are_refused_by_name() {
        assert_eq!(engine_of("sqlite://data/x.db").unwrap(), "sqlite");
        assert_eq!(engine_of("postgresql://h/db").unwrap(), "postgres");
        let e = engine_of("mysql://h/db").unwrap_err().to_string();
        assert!(e.contains("\"mysql\""), "{e}");
        assert!(engine_of("data/x.db").is_err());
    }
}
