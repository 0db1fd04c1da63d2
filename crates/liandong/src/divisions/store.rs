//! SQL for zones.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::model::{NewZone, Zone, ZoneLevel};
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::record;
use crate::db::{Db, Tx, now};
use crate::web::error::{AppError, FieldError, Invalid};
use crate::{execute, fetch_all, fetch_optional, fetch_scalar};

const ZONE_COLUMNS: &str =
    "id, division_code, compound, level, starts_at, lifted_at, reason, created_by, lifted_by";

/// Parse a start time: RFC 3339, or the `YYYY-MM-DDTHH:MM` of an HTML
/// datetime-local input (taken as China time, UTC+8).
pub fn parse_start(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if s.is_empty() {
        return Some(now());
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.to_offset(time::UtcOffset::UTC));
    }
    let with_offset = format!("{}:00+08:00", s.get(..16)?);
    OffsetDateTime::parse(&with_offset, &Rfc3339)
        .ok()
        .map(|t| t.to_offset(time::UtcOffset::UTC))
}

pub async fn mark(db: &Db, scope: &Scope, z: &NewZone) -> Result<Zone, AppError> {
    if !scope.role().coordinates() {
        return Err(AppError::Forbidden);
    }
    let mut errors = Invalid::default();
    let code = z.division_code.trim();
    match divisions::Tree::china().find(code) {
        None => errors.push(FieldError::new("division_code", "err-division")),
        // Outside the caller's jurisdiction is a refusal, not a typo.
        Some(_) if !scope.covers(code) => return Err(AppError::Forbidden),
        Some(_) => {}
    }
    let compound = z.compound.trim();
    errors.optional("compound", compound, 60);
    let level = ZoneLevel::parse(z.level.trim());
    if level.is_none() {
        errors.push(FieldError::new("level", "err-zone-level"));
    }
    let starts_at = parse_start(&z.starts_at);
    if starts_at.is_none() {
        errors.push(FieldError::new("starts_at", "err-datetime"));
    }
    errors.optional("reason", &z.reason, 500);
    errors.into_result()?;
    let (level, starts_at) = (
        level.unwrap_or(ZoneLevel::Sealed),
        starts_at.unwrap_or_else(now),
    );
    let mut tx = db.write().await?;
    // One active zone per division/compound: marking again replaces the
    // level through an explicit lift, so history reads as it happened.
    let open = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM zones WHERE division_code = $1 AND compound = $2 AND lifted_at IS NULL",
        code,
        compound,
    )?;
    if open > 0 {
        return Err(AppError::Conflict("err-zone-open"));
    }
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO zones (division_code, compound, level, starts_at, reason, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        code,
        compound,
        level.as_str(),
        crate::db::Ts::from(starts_at),
        z.reason.trim(),
        scope.account_id(),
        crate::db::stamp(),
    )?;
    let zone = get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    record(
        &mut tx,
        NewEvent::by(scope, "zone.mark", "zone", id, code).after(&zone),
    )
    .await?;
    // A guardian sealed in elsewhere is no guardian: their backups step up
    // now (guardians live in their people's street).
    crate::care::store::promote(&mut tx, Some(scope), crate::care::model::street_of(code)).await?;
    tx.commit().await?;
    Ok(zone)
}

pub async fn lift(db: &Db, scope: &Scope, id: i64, reason: &str) -> Result<Zone, AppError> {
    let mut tx = db.write().await?;
    let before = get(&mut tx, id)
        .await?
        .filter(|z| scope.overlaps(&z.division_code))
        .ok_or(AppError::NotFound)?;
    if !scope.role().coordinates() || !scope.covers(&before.division_code) {
        return Err(AppError::Forbidden);
    }
    if before.lifted_at.is_some() {
        return Err(AppError::Conflict("err-zone-lifted"));
    }
    let mut errors = Invalid::default();
    errors.optional("reason", reason, 500);
    errors.into_result()?;
    execute!(
        &mut tx,
        "UPDATE zones SET lifted_at = $1, lifted_by = $2 WHERE id = $3",
        crate::db::stamp(),
        scope.account_id(),
        id,
    )?;
    let after = get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    record(
        &mut tx,
        NewEvent::by(scope, "zone.lift", "zone", id, &before.division_code)
            .reason(reason.trim())
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

async fn get(tx: &mut Tx, id: i64) -> sqlx::Result<Option<Zone>> {
    fetch_optional!(
        tx,
        Zone,
        sqlx::AssertSqlSafe(format!("SELECT {ZONE_COLUMNS} FROM zones WHERE id = $1")),
        id
    )
}

/// Zones on `division_code`, its ancestors and its descendants that the
/// caller may see (overlapping the caller's jurisdiction), newest first.
pub async fn list(
    tx: &mut Tx,
    scope: &Scope,
    division_code: &str,
    active_only: bool,
) -> sqlx::Result<Vec<Zone>> {
    let rows = fetch_all!(
        tx,
        Zone,
        sqlx::AssertSqlSafe(format!(
            "SELECT {ZONE_COLUMNS} FROM zones
             WHERE {}
               AND ($2 = FALSE OR lifted_at IS NULL)
             ORDER BY starts_at DESC, id DESC LIMIT 500",
            crate::db::related("division_code", 1)
        )),
        division_code,
        active_only,
    )?;
    Ok(rows
        .into_iter()
        .filter(|z| scope.overlaps(&z.division_code))
        .collect())
}
