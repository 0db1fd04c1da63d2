//! SQL for a care recipient's recurring needs: each schedule becomes a
//! need when due (held by the person's community, like any other need,
//! channel `care`), keyed by the schedule and its due time so a sweep run
//! twice, or by two servers, raises it once.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::super::model::CareCategory;
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::record;
use crate::db::{Db, Ts, Tx, inside};
use crate::needs::model::{NeedKind, NewNeed};
use crate::web::error::{AppError, FieldError, Invalid};
use crate::{execute, fetch_all, fetch_optional, fetch_scalar};

/// A recurring need as kept.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Schedule {
    pub id: i64,
    pub recipient_id: i64,
    #[schema(value_type = NeedKind)]
    pub kind: String,
    pub description: String,
    pub every_days: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewSchedule {
    #[schema(value_type = NeedKind)]
    pub kind: String,
    pub description: String,
    /// 1 to 30 days between needs.
    pub every_days: i64,
    /// The first (RFC 3339, or YYYY-MM-DDTHH:MM China time; "" is now).
    #[serde(default)]
    pub first_at: String,
}

/// The recipient's schedules (to those who may see the recipient).
pub async fn schedules(
    tx: &mut Tx,
    scope: &Scope,
    recipient: i64,
) -> Result<Vec<Schedule>, AppError> {
    super::cares(scope)?;
    Ok(fetch_all!(
        &mut *tx,
        Schedule,
        sqlx::AssertSqlSafe(format!(
            "SELECT s.id, s.recipient_id, s.kind, s.description, s.every_days, s.next_at FROM care_schedules s
             JOIN care_recipients r ON r.id = s.recipient_id
             WHERE s.recipient_id = $1 AND s.ended_at IS NULL AND {} ORDER BY s.next_at",
            inside("r.division_code", 2)
        )),
        recipient,
        scope.jurisdiction()
    )?)
}

/// Add a recurring need for a recipient of the caller's area: they need
/// a phone to be reached at, their own or their guardian's.
pub async fn add(db: &Db, scope: &Scope, recipient: i64, n: &NewSchedule) -> Result<i64, AppError> {
    super::cares(scope)?;
    let mut errors = Invalid::default();
    if NeedKind::parse(n.kind.trim()).is_none() {
        errors.push(FieldError::new("kind", "err-need-kind"));
    }
    errors.text("description", &n.description, 500);
    if !(1..=30).contains(&n.every_days) {
        errors.push(FieldError::new("every_days", "err-schedule-every"));
    }
    let now = crate::db::now();
    let first = crate::divisions::store::parse_start(&n.first_at)
        .filter(|t| *t > now - Duration::days(1) && *t < now + Duration::days(60));
    if first.is_none() {
        errors.push(FieldError::new("first_at", "err-schedule-first"));
    }
    errors.into_result()?;
    let mut tx = db.write().await?;
    let (division, status, reachable) = fetch_optional!(
        &mut tx,
        (String, String, bool),
        sqlx::AssertSqlSafe(format!(
            "SELECT division_code, status, (phone <> '' OR guardian_id IS NOT NULL) FROM care_recipients WHERE id = $1 AND {}",
            inside("division_code", 2)
        )),
        recipient,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)?;
    if status != "active" {
        return Err(AppError::Conflict("err-care-ended"));
    }
    if !reachable {
        return Err(AppError::invalid("kind", "err-schedule-phone"));
    }
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO care_schedules (recipient_id, kind, description, every_days, next_at, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        recipient,
        n.kind.trim(),
        n.description.trim(),
        n.every_days,
        first.map(Ts::from),
        scope.account_id(),
        Ts::from(now)
    )?;
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "care.schedule",
            "care_recipient",
            recipient,
            &division,
        )
        .after(serde_json::json!({"kind": n.kind.trim(), "every_days": n.every_days})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Stop a schedule.
pub async fn end(db: &Db, scope: &Scope, recipient: i64, id: i64) -> Result<(), AppError> {
    super::cares(scope)?;
    let mut tx = db.write().await?;
    let division = fetch_optional!(
        &mut tx,
        (String,),
        sqlx::AssertSqlSafe(format!(
            "SELECT r.division_code FROM care_schedules s JOIN care_recipients r ON r.id = s.recipient_id
             WHERE s.id = $1 AND s.recipient_id = $2 AND {}",
            inside("r.division_code", 3)
        )),
        id,
        recipient,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)?
    .0;
    let done = execute!(
        &mut tx,
        "UPDATE care_schedules SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL",
        Ts::from(crate::db::now()),
        id
    )?;
    if done == 0 {
        return Err(AppError::Conflict("err-schedule-ended"));
    }
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "care.schedule_end",
            "care_recipient",
            recipient,
            &division,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a need says of who it is for, from the person's categories.
fn vulnerable(categories: &str) -> Vec<String> {
    crate::volunteers::model::tags(categories)
        .iter()
        .filter_map(|c| CareCategory::parse(c)?.vulnerable())
        .map(|v| v.as_str().to_owned())
        .collect()
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    recipient_id: i64,
    kind: String,
    description: String,
    every_days: i64,
    next_at: OffsetDateTime,
    division_code: String,
    name: String,
    phone: String,
    address: String,
    categories: String,
    guardian_name: Option<String>,
    guardian_phone: Option<String>,
}

/// Raise every schedule due by `now` as a need, and move it to its next
/// time after `now` (a server that was down raises one, not a backlog).
/// Returns how many needs were made.
pub async fn raise_due(db: &Db, now: OffsetDateTime) -> Result<usize, AppError> {
    let mut tx = db.write().await?;
    let due = fetch_all!(
        &mut tx,
        Due,
        "SELECT s.id, s.recipient_id, s.kind, s.description, s.every_days, s.next_at, r.division_code, r.name, r.phone, r.address, r.categories,
                v.name AS guardian_name, v.phone AS guardian_phone
         FROM care_schedules s JOIN care_recipients r ON r.id = s.recipient_id
         LEFT JOIN volunteers v ON v.id = r.guardian_id
         WHERE s.ended_at IS NULL AND s.next_at <= $1 AND r.status = 'active' ORDER BY s.id LIMIT 1000",
        Ts::from(now)
    )?;
    let mut made = 0;
    for d in due {
        // Reached through their guardian when they have no phone.
        let (contact_name, contact_phone) = if d.phone.is_empty() {
            (
                format!(
                    "{}（监护人{}）",
                    d.name,
                    d.guardian_name.clone().unwrap_or_default()
                ),
                d.guardian_phone.clone().unwrap_or_default(),
            )
        } else {
            (d.name.clone(), d.phone.clone())
        };
        let n = NewNeed {
            kind: d.kind.clone(),
            urgency: String::new(),
            people: "1".into(),
            description: d.description.clone(),
            contact_name,
            contact_phone,
            address: d.address.clone(),
            vulnerable: vulnerable(&d.categories),
            idempotency_key: format!("care-{}-{}", d.id, d.next_at.unix_timestamp()),
        };
        let mut next = d.next_at;
        while next <= now {
            next += Duration::days(d.every_days);
        }
        // The old time in the WHERE: of two sweeps, one moves it.
        let moved = execute!(
            &mut tx,
            "UPDATE care_schedules SET next_at = $1 WHERE id = $2 AND next_at = $3",
            Ts::from(next),
            d.id,
            Ts::from(d.next_at)
        )?;
        if moved == 0 {
            continue;
        }
        match n.validate() {
            Ok(need) => {
                if crate::needs::store::raise_in(&mut tx, need, &d.division_code)
                    .await?
                    .created
                {
                    made += 1;
                }
            }
            // A person whose phone went wrong since: the office hears of it.
            Err(_) => {
                record(
                    &mut tx,
                    NewEvent::new(
                        None,
                        "system",
                        "",
                        "care.schedule_failed",
                        "care_recipient",
                        d.recipient_id,
                        &d.division_code,
                    ),
                )
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(made)
}
