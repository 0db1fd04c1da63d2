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

/// Failed sign-ins of one username from one client before that pair
/// must wait, the first wait, and the longest. Only the pair waits: the
/// account's owner on another client is never locked out by someone
/// guessing elsewhere.
pub const FREE_FAILURES: i64 = 5;
pub const FIRST_WAIT_SECONDS: i64 = 30;
pub const LONGEST_WAIT_MINUTES: i64 = 15;

/// How long a (username, client) pair waits after `failures` failures.
pub fn backoff(failures: i64) -> Option<Duration> {
    (failures >= FREE_FAILURES).then(|| {
        let doublings = (failures - FREE_FAILURES).min(10) as u32;
        Duration::seconds(FIRST_WAIT_SECONDS * 2i64.pow(doublings))
            .min(Duration::minutes(LONGEST_WAIT_MINUTES))
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Credentials {
    id: i64,
    username: String,
    password_hash: String,
    disabled: bool,
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

/// Check a username and password from client `ip`. Unknown, wrong,
/// disabled and waiting (too many failures from this client) all answer
/// the same error after the same work (one password hash), so nothing
/// tells them apart. The password is checked outside any write
/// transaction: hashing takes tens of milliseconds, the write lock must
/// not wait for it.
pub async fn sign_in(
    db: &Db,
    username: &str,
    password_input: &str,
    ip: &str,
) -> Result<i64, AppError> {
    let username = username.trim();
    let mut shape = Invalid::default();
    check_username(username, &mut shape);
    let shaped = shape.is_empty();
    let t = now();
    let (creds, waiting_until) = if shaped {
        let mut tx = db.read().await?;
        let creds = fetch_optional!(
            &mut tx,
            Credentials,
            "SELECT id, username, password_hash, disabled, jurisdiction_code FROM accounts WHERE username = $1",
            username,
        )?;
        let until = fetch_optional!(
            &mut tx,
            (Option<OffsetDateTime>,),
            "SELECT blocked_until FROM sign_in_throttle WHERE username = $1 AND client = $2",
            username,
            ip,
        )?
        .and_then(|(u,)| u);
        (creds, until)
    } else {
        (None, None)
    };
    let waiting = waiting_until.is_some_and(|u| u > t);
    let hash = match &creds {
        Some(c) if !waiting => c.password_hash.clone(),
        _ => password::DUMMY_HASH.to_owned(),
    };
    let matches = password::verify(password_input.to_owned(), hash).await;
    let signed_in = creds
        .as_ref()
        .is_some_and(|c| matches && !waiting && !c.disabled);
    let event = |c: &Credentials, action| {
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
    if let Some(c) = creds.as_ref().filter(|_| signed_in) {
        let mut tx = db.write().await?;
        execute!(
            &mut tx,
            "DELETE FROM sign_in_throttle WHERE username = $1 AND client = $2",
            username,
            ip,
        )?;
        record(&mut tx, event(c, "account.sign_in")).await?;
        tx.commit().await?;
        return Ok(c.id);
    }
    if shaped && !waiting {
        // Counted in one statement, so parallel failures all count.
        let mut tx = db.write().await?;
        let failures = fetch_scalar!(
            &mut tx,
            i64,
            "INSERT INTO sign_in_throttle (username, client, failures, last_at) VALUES ($1, $2, 1, $3)
             ON CONFLICT (username, client) DO UPDATE SET failures = sign_in_throttle.failures + 1, last_at = excluded.last_at
             RETURNING failures",
            username,
            ip,
            crate::db::Ts::from(t),
        )?;
        let wait = backoff(failures);
        if let Some(wait) = wait {
            execute!(
                &mut tx,
                "UPDATE sign_in_throttle SET blocked_until = $1 WHERE username = $2 AND client = $3",
                crate::db::Ts::from(t + wait),
                username,
                ip,
            )?;
        }
        // The account read before the check: the event names it.
        if let Some(c) = &creds {
            let action = if wait.is_some() {
                "account.sign_in_throttled"
            } else {
                "account.sign_in_failed"
            };
            record(&mut tx, event(c, action)).await?;
        }
        tx.commit().await?;
    }
    Err(AppError::invalid("password", "err-login"))
}

/// Let an account sign in again from every client at once (its owner
/// called the office): forget its failures.
pub async fn unlock(tx: &mut Tx, username: &str) -> sqlx::Result<u64> {
    execute!(
        tx,
        "DELETE FROM sign_in_throttle WHERE username = $1",
        username
    )
}

/// Forget failures older than a day (run with the session purge).
pub async fn purge_throttle(db: &Db) -> sqlx::Result<u64> {
    let mut tx = db.write().await?;
    let n = execute!(
        &mut tx,
        "DELETE FROM sign_in_throttle WHERE last_at < $1",
        crate::db::Ts::from(now() - Duration::days(1))
    )?;
    tx.commit().await?;
    Ok(n)
}

/// Change the caller's own password; the current one must be given.
/// Every other session of the account ends (a phone left signed in
/// somewhere is signed out); `keep`, the caller's own, stays.
pub async fn change_password(
    db: &Db,
    scope: &Scope,
    current: &str,
    new: &str,
    keep: Option<&tower_sessions::session::Id>,
) -> Result<(), AppError> {
    let mut errors = Invalid::default();
    check_password("new_password", new, &mut errors);
    errors.into_result()?;
    // Hashes are checked and made before the write lock is taken.
    let mut tx = db.read().await?;
    let phc = fetch_scalar!(
        &mut tx,
        String,
        "SELECT password_hash FROM accounts WHERE id = $1",
        scope.account_id(),
    )?;
    drop(tx);
    if !password::verify(current.to_owned(), phc.clone()).await {
        return Err(AppError::invalid("current_password", "err-password-wrong"));
    }
    let hash = password::hash(new.to_owned()).await?;
    let mut tx = db.write().await?;
    // Changed meanwhile (another tab, an admin's reset): start again.
    let still = fetch_scalar!(
        &mut tx,
        String,
        "SELECT password_hash FROM accounts WHERE id = $1",
        scope.account_id(),
    )?;
    if still != phc {
        return Err(AppError::invalid("current_password", "err-password-wrong"));
    }
    super::session_store::end_sessions(&mut tx, scope.account_id(), keep).await?;
    execute!(
        &mut tx,
        "UPDATE accounts SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
        hash,
        crate::db::stamp(),
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
        crate::db::Ts::from(t),
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
         WHERE a.jurisdiction_code >= $1 AND a.jurisdiction_code < $1 || '~' ORDER BY a.id",
        scope.jurisdiction(),
    )
}

/// An admin's change to an account: who it is, what it may do, where.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
pub struct AccountEdit {
    pub display_name: String,
    #[schema(value_type = Role)]
    pub role: String,
    pub org_id: i64,
    /// Division code of the account's jurisdiction; empty = whole country.
    pub jurisdiction_code: String,
}

/// What an admin may do to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    Disable,
    Enable,
    Unlock,
}

/// The account `id` if the admin's jurisdiction covers it.
async fn managed(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Account, AppError> {
    if !scope.role().administers() {
        return Err(AppError::Forbidden);
    }
    let a = fetch_optional!(
        tx,
        Account,
        "SELECT a.id, a.username, a.display_name, a.role, a.org_id, o.name AS org_name, a.jurisdiction_code, a.disabled, a.created_at
         FROM accounts a JOIN orgs o ON o.id = a.org_id WHERE a.id = $1",
        id,
    )?
    .ok_or(AppError::NotFound)?;
    if !scope.covers(&a.jurisdiction_code) {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

/// One account inside the admin's jurisdiction.
pub async fn get(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Account, AppError> {
    managed(tx, scope, id).await
}

/// Change an account's name, role, organisation or jurisdiction (kept
/// inside the admin's); an event keeps before and after.
pub async fn edit(db: &Db, scope: &Scope, id: i64, e: &AccountEdit) -> Result<Account, AppError> {
    let mut errors = Invalid::default();
    errors.text("display_name", &e.display_name, 40);
    let role = Role::parse(e.role.trim());
    if role.is_none() {
        errors.push(FieldError::new("role", "err-role"));
    }
    let jurisdiction = e.jurisdiction_code.trim();
    if !jurisdiction.is_empty() && divisions::Tree::china().find(jurisdiction).is_none() {
        errors.push(FieldError::new("jurisdiction_code", "err-division"));
    } else if !scope.covers(jurisdiction) {
        errors.push(FieldError::new("jurisdiction_code", "err-outside-scope"));
    }
    let mut tx = db.write().await?;
    let before = managed(&mut tx, scope, id).await?;
    let org_exists = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM orgs WHERE id = $1",
        e.org_id
    )? > 0;
    if !org_exists {
        errors.push(FieldError::new("org_id", "err-org"));
    }
    errors.into_result()?;
    let role = role.unwrap_or(Role::Viewer);
    execute!(
        &mut tx,
        "UPDATE accounts SET display_name = $1, role = $2, org_id = $3, jurisdiction_code = $4 WHERE id = $5",
        e.display_name.trim(),
        role.as_str(),
        e.org_id,
        jurisdiction,
        id,
    )?;
    // What the account may see changed: its sessions start again.
    if role.as_str() != before.role || jurisdiction != before.jurisdiction_code {
        super::session_store::end_sessions(&mut tx, id, None).await?;
    }
    let after = managed(&mut tx, scope, id).await?;
    let summary = |a: &Account| serde_json::json!({"display_name": a.display_name, "role": a.role, "org_id": a.org_id, "jurisdiction_code": a.jurisdiction_code});
    record(
        &mut tx,
        NewEvent::by(scope, "account.edit", "account", id, jurisdiction)
            .before(summary(&before))
            .after(summary(&after)),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Disable (every session ends at once), enable, or unlock an account
/// (forget its failed sign-ins from every client). An admin cannot
/// disable their own account.
pub async fn act(db: &Db, scope: &Scope, id: i64, action: AccountAction) -> Result<(), AppError> {
    let mut tx = db.write().await?;
    let a = managed(&mut tx, scope, id).await?;
    let name = match action {
        AccountAction::Disable => {
            if id == scope.account_id() {
                return Err(AppError::Conflict("err-account-self"));
            }
            execute!(
                &mut tx,
                "UPDATE accounts SET disabled = $1 WHERE id = $2",
                true,
                id
            )?;
            super::session_store::end_sessions(&mut tx, id, None).await?;
            "account.disable"
        }
        AccountAction::Enable => {
            execute!(
                &mut tx,
                "UPDATE accounts SET disabled = $1 WHERE id = $2",
                false,
                id
            )?;
            "account.enable"
        }
        AccountAction::Unlock => {
            unlock(&mut tx, &a.username).await?;
            "account.unlock"
        }
    };
    record(
        &mut tx,
        NewEvent::by(scope, name, "account", id, &a.jurisdiction_code),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Give an account a new first-time password (a lost phone, a forgotten
/// password): shown once to the admin, never stored in the clear; every
/// session of the account ends and its failures are forgotten.
pub async fn reset_password(db: &Db, scope: &Scope, id: i64) -> Result<String, AppError> {
    {
        let mut tx = db.read().await?;
        managed(&mut tx, scope, id).await?;
    }
    let password = first_time_password();
    let hash = password::hash(password.clone()).await?;
    let mut tx = db.write().await?;
    let a = managed(&mut tx, scope, id).await?;
    execute!(
        &mut tx,
        "UPDATE accounts SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
        hash,
        crate::db::stamp(),
        id,
    )?;
    super::session_store::end_sessions(&mut tx, id, None).await?;
    unlock(&mut tx, &a.username).await?;
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "account.password_reset",
            "account",
            id,
            &a.jurisdiction_code,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(password)
}

/// Twelve characters from an alphabet without look-alikes (no 0/O, 1/l/I),
/// read out over the phone: ~62 bits.
pub(crate) fn first_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..12)
        .map(|i| {
            let c = ALPHABET[rand::Rng::random_range(&mut rng, 0..ALPHABET.len())] as char;
            if i == 4 || i == 8 {
                format!("-{c}")
            } else {
                c.to_string()
            }
        })
        .collect()
}
