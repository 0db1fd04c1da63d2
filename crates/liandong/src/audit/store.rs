//! SQL for events.

use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

use super::model::{AuditFilter, Event, NewEvent};
use crate::access::model::Scope;
use crate::db::Tx;
use crate::web::error::{AppError, FieldError, Invalid};
use crate::web::i18n::Lang;
use crate::{execute, fetch_all};

/// Append one event in the caller's transaction, so the change and its
/// record commit or roll back together.
pub async fn record(tx: &mut Tx, e: NewEvent) -> sqlx::Result<()> {
    execute!(
        tx,
        "INSERT INTO events (at, actor_id, actor_name, action, entity, entity_id, division_code, ip, reason, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        crate::db::stamp(),
        e.actor_id,
        e.actor_name,
        e.action,
        e.entity,
        e.entity_id,
        e.division_code,
        e.ip,
        e.reason,
        e.before.map(sqlx::types::Json),
        e.after.map(sqlx::types::Json),
    )?;
    Ok(())
}

/// Record `events` at once (one statement a piece of a group commit).
pub async fn record_all(tx: &mut Tx, events: Vec<NewEvent>) -> sqlx::Result<()> {
    let mut rest = &events[..];
    for piece in crate::db::pieces(events.len()) {
        let (now, later) = rest.split_at(piece);
        let sql = format!(
            "INSERT INTO events (at, actor_id, actor_name, action, entity, entity_id, division_code, ip, reason, before, after) VALUES {}",
            crate::db::values(tx, now.len(), 11)
        );
        let at = crate::db::stamp();
        crate::execute_rows!(tx, sqlx::AssertSqlSafe(sql), now.iter(), |e| (
            at,
            e.actor_id,
            &e.actor_name,
            e.action,
            e.entity,
            &e.entity_id,
            &e.division_code,
            &e.ip,
            &e.reason,
            e.before.as_ref().map(sqlx::types::Json),
            e.after.as_ref().map(sqlx::types::Json),
        ))?;
        rest = later;
    }
    Ok(())
}

/// A personal field of a record, asked for in the clear.
pub struct Reveal<'a> {
    pub entity: &'static str,
    pub id: i64,
    /// The record's division (whose the event is).
    pub division_code: &'a str,
    pub field: &'a str,
    /// The field's value; `None` when the record has no such field.
    pub value: Option<String>,
}

/// Show a personal field in the clear: only to roles whose work needs
/// contacts, only with a reason, and only with a `field.reveal` event that
/// keeps the field and the reason (never the value). Commits `tx`.
pub async fn reveal(
    mut tx: Tx,
    scope: &Scope,
    r: Reveal<'_>,
    reason: &str,
) -> Result<String, AppError> {
    let value = reveal_in(&mut tx, scope, r, reason).await?;
    tx.commit().await?;
    Ok(value)
}

/// `reveal` inside the caller's transaction (a verification call opens
/// the phone it dials with the call itself), which the caller commits.
pub async fn reveal_in(
    tx: &mut Tx,
    scope: &Scope,
    r: Reveal<'_>,
    reason: &str,
) -> Result<String, AppError> {
    if !scope.role().may_reveal_contacts() {
        return Err(AppError::Forbidden);
    }
    reveal_assigned_in(tx, scope, r, reason).await
}

/// A reveal the caller's own assignment allows (a squad at the door of the
/// task it holds), its right to checked by the caller: the same event and
/// reason, without the office roles' check.
pub async fn reveal_assigned_in(
    tx: &mut Tx,
    scope: &Scope,
    r: Reveal<'_>,
    reason: &str,
) -> Result<String, AppError> {
    let mut errors = Invalid::default();
    if r.value.is_none() {
        errors.push(FieldError::new("field", "err-field"));
    }
    errors.reason("reason", reason, 200);
    errors.into_result()?;
    record(
        tx,
        NewEvent::by(scope, "field.reveal", r.entity, r.id, r.division_code).reason(&format!(
            "{}: {}",
            r.field,
            reason.trim()
        )),
    )
    .await?;
    Ok(r.value.unwrap_or_default())
}

/// A refused attempt to see a personal field (a record outside the
/// caller's scope, a role without contacts, no reason given) is an event
/// too: an office sees who tried. It is the caller's: the record's own
/// division is not told to someone outside it. `result` passes through.
pub async fn refusal<T>(
    db: &crate::db::Db,
    scope: &Scope,
    entity: &'static str,
    id: i64,
    field: &str,
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    if let Err(e @ (AppError::Forbidden | AppError::NotFound | AppError::Invalid(_))) = &result {
        let mut tx = db.write().await?;
        // The field as asked is input: kept only if it looks like a name.
        let named = field.len() <= 40
            && field
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        let why = format!("{}: {}", if named { field } else { "?" }, e.code());
        record(
            &mut tx,
            NewEvent::by(
                scope,
                "field.reveal_refused",
                entity,
                id,
                scope.jurisdiction(),
            )
            .reason(&why),
        )
        .await?;
        tx.commit().await?;
    }
    result
}

fn parse_day(
    field: &'static str,
    v: &Option<String>,
    end: bool,
    errors: &mut Invalid,
) -> OffsetDateTime {
    let default = if end {
        OffsetDateTime::new_utc(Date::MAX, Time::MIDNIGHT)
    } else {
        OffsetDateTime::UNIX_EPOCH
    };
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => default,
        Some(s) => match Date::parse(s, format_description!("[year]-[month]-[day]")) {
            Ok(d) if end => OffsetDateTime::new_utc(d.next_day().unwrap_or(d), Time::MIDNIGHT),
            Ok(d) => OffsetDateTime::new_utc(d, Time::MIDNIGHT),
            Err(_) => {
                errors.push(FieldError::new(field, "err-date"));
                default
            }
        },
    }
}

/// Events inside the caller's jurisdiction, newest first.
pub async fn list(tx: &mut Tx, scope: &Scope, f: &AuditFilter) -> Result<Vec<Event>, AppError> {
    let mut errors = Invalid::default();
    let from = parse_day("from", &f.from, false, &mut errors);
    let to = parse_day("to", &f.to, true, &mut errors);
    for (field, v) in [
        ("actor", &f.actor),
        ("action", &f.action),
        ("entity", &f.entity),
        ("entity_id", &f.entity_id),
    ] {
        errors.optional(field, v.as_deref().unwrap_or(""), 100);
    }
    let limit = f.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        errors.push(FieldError::new("limit", "err-limit"));
    }
    let page = f.page.unwrap_or(1);
    if !(1..=100_000).contains(&page) {
        errors.push(FieldError::new("page", "err-limit"));
    }
    errors.into_result()?;
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
    // An action given in words (登记需求, "revealed") stands for every
    // action whose words hold it, in either language; a code is matched
    // as itself or as a prefix (need, org.approve).
    let action = text(&f.action);
    let (code, by_words) = if action.is_empty()
        || action
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
    {
        (action, String::new())
    } else {
        let lower = action.to_lowercase();
        let codes: Vec<&str> = super::model::ACTIONS
            .iter()
            .copied()
            .filter(|a| {
                let key = format!("event-{}", a.replace('.', "-"));
                [Lang::Zh, Lang::En]
                    .iter()
                    .any(|l| l.t(&key).to_lowercase().contains(&lower))
            })
            .collect();
        // No action reads so: nothing matches (not everything).
        (
            String::new(),
            format!(
                ",{},",
                if codes.is_empty() {
                    "~".to_owned()
                } else {
                    codes.join(",")
                }
            ),
        )
    };
    // Empty filter values match everything; one static statement instead
    // of SQL assembled from user input.
    let rows = fetch_all!(
        tx,
        Event,
        "SELECT id, at, actor_id, actor_name, action, entity, entity_id, division_code, ip, reason, before, after
         FROM events
         WHERE division_code >= $1 AND division_code < $1 || '~'
           AND ($2 = '' OR actor_name = $2
                OR actor_id IN (SELECT id FROM accounts WHERE display_name LIKE '%' || $2 || '%'))
           AND ($3 = '' OR action = $3 OR action LIKE $3 || '.%')
           AND ($4 = '' OR entity = $4)
           AND ($5 = '' OR entity_id = $5)
           AND at >= $6 AND at < $7
           AND ($9 = '' OR $9 LIKE '%,' || action || ',%')
         ORDER BY id DESC
         LIMIT $8 OFFSET $10",
        scope.jurisdiction(),
        text(&f.actor),
        code,
        text(&f.entity),
        text(&f.entity_id),
        crate::db::Ts::from(from),
        crate::db::Ts::from(to),
        limit,
        by_words,
        (page - 1) * limit,
    )?;
    Ok(rows)
}
