//! SQL for accounts and sign-in.

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::model::{Role, Scope, check_password, check_username};
use super::password;
use crate::audit::model::NewEvent;
use crate::audit::store::record;
use crate::db::{Db, Tx, now};
use crate::web::error::{AppError, FieldError, Invalid};
use crate::{execute, fetch_all, fetch_optional, fetch_scalar};

/// Failed sign-ins before an account is locked, and for how long.
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCK_MINUTES: i64 = 15;

#[derive(Debug, Clone, sqlx::FromRow)]
struct Credentials {
    id: i64,
    username: String,
    password_hash: String,
    disabled: bool,
    failed_logins: i64,
    locked_until: Option<OffsetDateTime>,
    jurisdiction_code: String,
}

/// An account as admins see it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = Role)]
    pub role: String,
    pub org_id: i64,
    pub org_name: String,
    pub jurisdiction_code: String,
    pub disabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// Input for creating an account.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password: String,
    #[schema(value_type = Role)]
    pub role: String,
    pub org_id: i64,
    /// Division code of the account's jurisdiction; empty = whole country.
    pub jurisdiction_code: String,
}

/// Resolve the caller of a session: `None` when the account is gone or
/// disabled (the session is then treated as signed out).
pub async fn scope_for(tx: &mut Tx, account_id: i64, ip: &str) -> sqlx::Result<Option<Scope>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        username: String,
        display_name: String,
        role: String,
        org_id: i64,
        jurisdiction_code: String,
    }
    let row = fetch_optional!(
        tx,
        Row,
        "SELECT id, username, display_name, role, org_id, jurisdiction_code FROM accounts WHERE id = $1 AND disabled = $2",
        account_id,
        false,
    )?;
    Ok(row.and_then(|r| {
        Some(Scope::new(
            r.id,
            r.username,
            r.display_name,
            Role::parse(&r.role)?,
            r.org_id,
            r.jurisdiction_code,
            ip.to_owned(),
        ))
    }))
}

/// Check a username and password. Wrong passwords count towards a lock;
/// every attempt is an event.
pub async fn sign_in(
    db: &Db,
    username: &str,
    password_input: &str,
    ip: &str,
) -> Result<i64, AppError> {
    let username = username.trim();
    let mut tx = db.write().await?;
    let creds = fetch_optional!(
        &mut tx,
        Credentials,
        "SELECT id, username, password_hash, disabled, failed_logins, locked_until, jurisdiction_code FROM accounts WHERE username = $1",
        username,
    )?;
    let t = now();
    let Some(c) = creds else {
        password::verify(password_input.to_owned(), password::DUMMY_HASH.to_owned()).await;
        return Err(AppError::invalid("password", "err-login"));
    };
    if c.locked_until.is_some_and(|until| until > t) {
        return Err(AppError::TooMany("err-locked"));
    }
    let ok = password::verify(password_input.to_owned(), c.password_hash.clone()).await;
    let event = |action| {
        NewEvent::new(
            Some(c.id),
            &c.username,
            ip,
            action,
            "account",
            c.id,
            &c.jurisdiction_code,
        )
    };
    if !ok || c.disabled {
        let failed = c.failed_logins + 1;
        let (failed, locked_until) = if failed >= MAX_FAILED_LOGINS {
            (0, Some(t + Duration::minutes(LOCK_MINUTES)))
        } else {
            (failed, None)
        };
        execute!(
            &mut tx,
            "UPDATE accounts SET failed_logins = $1, locked_until = $2 WHERE id = $3",
            failed,
            locked_until,
            c.id,
        )?;
        let action = if locked_until.is_some() {
            "account.lock"
        } else {
            "account.sign_in_failed"
        };
        record(&mut tx, event(action)).await?;
        tx.commit().await?;
        return Err(if locked_until.is_some() {
            AppError::TooMany("err-locked")
        } else {
            AppError::invalid("password", "err-login")
        });
    }
    execute!(
        &mut tx,
        "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1",
        c.id,
    )?;
    record(&mut tx, event("account.sign_in")).await?;
    tx.commit().await?;
    Ok(c.id)
}

/// Change the caller's own password; the current one must be given.
pub async fn change_password(
    db: &Db,
    scope: &Scope,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let mut errors = Invalid::default();
    check_password("new_password", new, &mut errors);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let phc = fetch_scalar!(
        &mut tx,
        String,
        "SELECT password_hash FROM accounts WHERE id = $1",
        scope.account_id(),
    )?;
    if !password::verify(current.to_owned(), phc).await {
        return Err(AppError::invalid("current_password", "err-password-wrong"));
    }
    let hash = password::hash(new.to_owned()).await?;
    execute!(
        &mut tx,
        "UPDATE accounts SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
        hash,
        now(),
        scope.account_id(),
    )?;
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "account.password_change",
            "account",
            scope.account_id(),
            scope.jurisdiction(),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Validate a new account. `actor` is `None` on the command line (the
/// machine's operator), else the account must fall within the actor's
/// jurisdiction.
pub async fn create(db: &Db, actor: Option<&Scope>, a: &NewAccount) -> Result<i64, AppError> {
    let mut errors = Invalid::default();
    let username = a.username.trim();
    check_username(username, &mut errors);
    errors.text("display_name", &a.display_name, 40);
    check_password("password", &a.password, &mut errors);
    let role = Role::parse(a.role.trim());
    if role.is_none() {
        errors.push(FieldError::new("role", "err-role"));
    }
    let jurisdiction = a.jurisdiction_code.trim();
    if !jurisdiction.is_empty() && divisions::Tree::china().find(jurisdiction).is_none() {
        errors.push(FieldError::new("jurisdiction_code", "err-division"));
    } else if actor.is_some_and(|s| !s.covers(jurisdiction)) {
        errors.push(FieldError::new("jurisdiction_code", "err-outside-scope"));
    }
    let mut tx = db.write().await?;
    let org_exists = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM orgs WHERE id = $1",
        a.org_id
    )? > 0;
    if !org_exists {
        errors.push(FieldError::new("org_id", "err-org"));
    }
    let taken = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM accounts WHERE username = $1",
        username
    )? > 0;
    if taken {
        errors.push(FieldError::new("username", "err-username-taken"));
    }
    errors.into_result()?;
    let role = role.unwrap_or(Role::Viewer);
    let hash = password::hash(a.password.clone()).await?;
    let t = now();
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO accounts (username, display_name, password_hash, role, org_id, jurisdiction_code, created_at, password_changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        username,
        a.display_name.trim(),
        hash,
        role.as_str(),
        a.org_id,
        jurisdiction,
        t,
    )?;
    let after = serde_json::json!({
        "username": username, "role": role.as_str(), "org_id": a.org_id, "jurisdiction_code": jurisdiction,
    });
    let event = NewEvent::by_or_system(actor, "account.create", "account", id, jurisdiction);
    record(&mut tx, event.after(after)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Accounts inside the caller's jurisdiction.
pub async fn list(tx: &mut Tx, scope: &Scope) -> sqlx::Result<Vec<Account>> {
    fetch_all!(
        tx,
        Account,
        "SELECT a.id, a.username, a.display_name, a.role, a.org_id, o.name AS org_name, a.jurisdiction_code, a.disabled, a.created_at
         FROM accounts a JOIN orgs o ON o.id = a.org_id
         WHERE a.jurisdiction_code LIKE $1 ORDER BY a.id",
        scope.like_pattern(),
    )
}
