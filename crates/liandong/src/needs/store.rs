//! SQL for needs.

use super::model::{Channel, Need, NeedRow, NeedStatus, NewNeed, holder};
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::{Reveal, record};
use crate::db::{Db, Tx, now};
use crate::divisions::api::resolve_address;
use crate::web::error::AppError;
use crate::{fetch_all, fetch_optional, fetch_scalar};

const NEED_COLUMNS: &str = "id, channel, kind, urgency, people, description, contact_name, contact_phone, address, division_code, by_jurisdiction, jurisdiction_code, status, created_at";
/// Needs held inside the caller's jurisdiction ($1).
const VISIBLE: &str = "jurisdiction_code LIKE $1 || '%'";

/// What a new need came to: its id, and whether this call made it (a
/// retried submission finds the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    pub id: i64,
    pub created: bool,
}

/// Take a need down from the hotline. The address is read by the
/// resolver as the operator's office would (新城区 in Xi'an is Xi'an's),
/// and the need is held by the division read, or by the operator's
/// jurisdiction when the address says less; an address that lies outside
/// the jurisdiction is refused (the caller is referred elsewhere).
pub async fn create(db: &Db, scope: &Scope, n: &NewNeed) -> Result<Taken, AppError> {
    if !scope.role().takes_needs() {
        return Err(AppError::Forbidden);
    }
    let need = n.validate().map_err(AppError::Invalid)?;
    let read = resolve_address(&need.address, scope.jurisdiction()).await?;
    let division = read
        .division
        .as_ref()
        .map(|d| d.code.clone())
        .unwrap_or_default();
    let held = holder(&division, scope.jurisdiction()).ok_or(AppError::Forbidden)?;
    let mut tx = db.write().await?;
    if let Some(id) = existing(&mut tx, &need.idempotency_key).await? {
        return Ok(Taken { id, created: false });
    }
    let t = now();
    // Two submissions racing with one key: the second inserts nothing and
    // finds the first below.
    let id = fetch_optional!(
        &mut tx,
        (i64,),
        "INSERT INTO needs (idempotency_key, channel, kind, urgency, people, description, contact_name, contact_phone, address, division_code, by_jurisdiction, jurisdiction_code, status, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        &need.idempotency_key,
        Channel::Hotline.as_str(),
        need.kind.as_str(),
        need.urgency.as_str(),
        need.people,
        &need.description,
        &need.contact_name,
        &need.contact_phone,
        &need.address,
        &division,
        read.by_jurisdiction,
        &held,
        NeedStatus::New.as_str(),
        scope.account_id(),
        t,
    )?;
    let Some((id,)) = id else {
        let id = existing(&mut tx, &need.idempotency_key)
            .await?
            .ok_or(AppError::Conflict("err-need-retry"))?;
        return Ok(Taken { id, created: false });
    };
    // The event keeps what the need is, never who or where exactly:
    // events hold no personal data.
    let after = serde_json::json!({
        "channel": Channel::Hotline.as_str(),
        "kind": need.kind.as_str(),
        "urgency": need.urgency.as_str(),
        "people": need.people,
        "division_code": division,
        "by_jurisdiction": read.by_jurisdiction,
        "status": NeedStatus::New.as_str(),
    });
    record(
        &mut tx,
        NewEvent::by(scope, "need.create", "need", id, &held).after(after),
    )
    .await?;
    tx.commit().await?;
    Ok(Taken { id, created: true })
}

async fn existing(tx: &mut Tx, key: &str) -> Result<Option<i64>, AppError> {
    Ok(fetch_optional!(
        tx,
        (i64,),
        "SELECT id FROM needs WHERE idempotency_key = $1",
        key
    )?
    .map(|(id,)| id))
}

async fn row(tx: &mut Tx, scope: &Scope, id: i64) -> Result<NeedRow, AppError> {
    if !scope.role().sees_needs() {
        return Err(AppError::Forbidden);
    }
    fetch_optional!(
        tx,
        NeedRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {NEED_COLUMNS} FROM needs WHERE id = $2 AND {VISIBLE}"
        )),
        scope.jurisdiction(),
        id,
    )?
    .ok_or(AppError::NotFound)
}

pub async fn get(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Need, AppError> {
    Ok(row(tx, scope, id).await?.masked())
}

/// The needs held inside the caller's jurisdiction, newest first, most
/// urgent first among them; none for roles whose work is not needs.
pub async fn list(tx: &mut Tx, scope: &Scope) -> sqlx::Result<Vec<Need>> {
    if !scope.role().sees_needs() {
        return Ok(Vec::new());
    }
    let rows = fetch_all!(
        tx,
        NeedRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {NEED_COLUMNS} FROM needs WHERE {VISIBLE}
             ORDER BY CASE urgency WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END, id DESC
             LIMIT 500"
        )),
        scope.jurisdiction(),
    )?;
    Ok(rows.into_iter().map(NeedRow::masked).collect())
}

/// How many needs the caller's jurisdiction holds (the board's count
/// when it shows the first 500).
pub async fn count(tx: &mut Tx, scope: &Scope) -> sqlx::Result<i64> {
    if !scope.role().sees_needs() {
        return Ok(0);
    }
    fetch_scalar!(
        tx,
        i64,
        sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM needs WHERE {VISIBLE}")),
        scope.jurisdiction(),
    )
}

/// Show the contact phone or the address in the clear: an event with the
/// caller's reason; roles that do not need contacts are refused.
pub async fn reveal(
    db: &Db,
    scope: &Scope,
    id: i64,
    field: &str,
    reason: &str,
) -> Result<String, AppError> {
    let mut tx = db.write().await?;
    let need = row(&mut tx, scope, id).await?;
    let value = match field {
        "contact_phone" => Some(need.contact_phone),
        "address" => Some(need.address),
        _ => None,
    };
    let r = Reveal {
        entity: "need",
        id,
        division_code: &need.jurisdiction_code,
        field,
        value,
    };
    crate::audit::store::reveal(tx, scope, r, reason).await
}
