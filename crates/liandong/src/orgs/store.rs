//! SQL for organisations and the coalition.

use super::model::{Coalition, NewOrg, Org, OrgBrief, OrgRow, OrgStatus, WorkingGroup};
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::{Reveal, record};
use crate::db::{Db, Tx, now};
use crate::web::error::{AppError, Invalid};
use crate::{execute, fetch_all, fetch_one, fetch_optional, fetch_scalar};

const ORG_COLUMNS: &str = "id, name, kind, tier, jurisdiction_code, contact_name, contact_phone, description, status, created_at, updated_at";
/// Organisations visible to a scope: their jurisdiction overlaps the
/// caller's ($1 = the caller's jurisdiction code).
fn visible() -> String {
    crate::db::related("jurisdiction_code", 1)
}

/// Register an organisation; it starts pending. `actor` is `None` for the
/// command line and demo loader.
pub async fn create(db: &Db, actor: Option<&Scope>, o: &NewOrg) -> Result<i64, AppError> {
    if actor.is_some_and(|s| !s.role().coordinates()) {
        return Err(AppError::Forbidden);
    }
    let phone = o.validate().map_err(AppError::Invalid)?;
    let code = o.jurisdiction_code.trim();
    if actor.is_some_and(|s| !s.covers(code)) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.write().await?;
    let name = o.name.trim();
    if fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM orgs WHERE name = $1",
        name
    )? > 0
    {
        return Err(AppError::invalid("name", "err-org-name-taken"));
    }
    let t = now();
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO orgs (name, kind, tier, jurisdiction_code, contact_name, contact_phone, description, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        name,
        o.kind.trim(),
        o.tier.trim(),
        code,
        o.contact_name.trim(),
        &phone,
        o.description.trim(),
        OrgStatus::Pending.as_str(),
        crate::db::Ts::from(t),
    )?;
    // The event keeps the record without the phone: logs hold no personal data.
    let after = serde_json::json!({"name": name, "kind": o.kind.trim(), "tier": o.tier.trim(), "jurisdiction_code": code, "status": "pending"});
    let event = NewEvent::by_or_system(actor, "org.create", "org", id, code);
    record(&mut tx, event.after(after)).await?;
    tx.commit().await?;
    Ok(id)
}

async fn row(tx: &mut Tx, scope: &Scope, id: i64) -> Result<OrgRow, AppError> {
    fetch_optional!(
        tx,
        OrgRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM orgs WHERE id = $2 AND {v}",
            v = visible()
        )),
        scope.jurisdiction(),
        id,
    )?
    .ok_or(AppError::NotFound)
}

pub async fn get(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Org, AppError> {
    Ok(row(tx, scope, id).await?.masked())
}

/// Organisations visible to the caller, optionally of one status and
/// matching a name fragment.
pub async fn list(
    tx: &mut Tx,
    scope: &Scope,
    status: Option<&str>,
    q: Option<&str>,
) -> Result<Vec<Org>, AppError> {
    let mut errors = Invalid::default();
    errors.optional("status", status.unwrap_or(""), 20);
    errors.optional("q", q.unwrap_or(""), 60);
    errors.into_result()?;
    let rows = fetch_all!(
        tx,
        OrgRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM orgs WHERE {v} AND ($2 = '' OR status = $2) AND ($3 = '' OR name LIKE '%' || $3 || '%')
             ORDER BY id"
        , v = visible())),
        scope.jurisdiction(),
        status.unwrap_or("").trim(),
        q.unwrap_or("").trim(),
    )?;
    Ok(rows.into_iter().map(OrgRow::masked).collect())
}

/// Approve or reject a pending onboarding request.
pub async fn decide(
    db: &Db,
    scope: &Scope,
    id: i64,
    approve: bool,
    reason: &str,
) -> Result<Org, AppError> {
    let mut tx = db.write().await?;
    let before = row(&mut tx, scope, id).await?;
    if !scope.role().coordinates() || !scope.covers(&before.jurisdiction_code) {
        return Err(AppError::Forbidden);
    }
    if before.status != OrgStatus::Pending.as_str() {
        return Err(AppError::Conflict("err-org-decided"));
    }
    let mut errors = Invalid::default();
    errors.optional("reason", reason, 500);
    errors.into_result()?;
    let status = if approve {
        OrgStatus::Approved
    } else {
        OrgStatus::Rejected
    };
    execute!(
        &mut tx,
        "UPDATE orgs SET status = $1, updated_at = $2 WHERE id = $3",
        status.as_str(),
        crate::db::stamp(),
        id,
    )?;
    let action = if approve { "org.approve" } else { "org.reject" };
    record(
        &mut tx,
        NewEvent::by(scope, action, "org", id, &before.jurisdiction_code)
            .reason(reason.trim())
            .before(serde_json::json!({"status": before.status}))
            .after(serde_json::json!({"status": status.as_str()})),
    )
    .await?;
    let org = row(&mut tx, scope, id).await?.masked();
    tx.commit().await?;
    Ok(org)
}

/// Show a personal field in the clear. The reveal is an event with the
/// caller's reason; roles that do not need contacts are refused.
pub async fn reveal(
    db: &Db,
    scope: &Scope,
    id: i64,
    field: &str,
    reason: &str,
) -> Result<String, AppError> {
    let shown = async {
        let mut tx = db.write().await?;
        let org = row(&mut tx, scope, id).await?;
        let r = Reveal {
            entity: "org",
            id,
            division_code: &org.jurisdiction_code,
            field,
            value: (field == "contact_phone").then_some(org.contact_phone),
        };
        crate::audit::store::reveal(tx, scope, r, reason).await
    }
    .await;
    crate::audit::store::refusal(db, scope, "org", id, field, shown).await
}

#[derive(sqlx::FromRow)]
struct CoalitionRow {
    id: i64,
    name: String,
    jurisdiction_code: String,
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    id: i64,
    name: String,
    description: String,
    need_kinds: String,
}

#[derive(sqlx::FromRow)]
struct LeadRow {
    working_group_id: i64,
    id: i64,
    name: String,
    tier: String,
}

/// Coalitions whose jurisdiction overlaps the caller's, with groups and members.
pub async fn coalitions(tx: &mut Tx, scope: &Scope) -> sqlx::Result<Vec<Coalition>> {
    let rows = fetch_all!(
        tx,
        CoalitionRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT id, name, jurisdiction_code FROM coalitions WHERE {v} ORDER BY id",
            v = visible()
        )),
        scope.jurisdiction(),
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for c in rows {
        let groups = fetch_all!(
            &mut *tx,
            GroupRow,
            "SELECT id, name, description, need_kinds FROM working_groups WHERE coalition_id = $1 ORDER BY position, id",
            c.id,
        )?;
        let leads = fetch_all!(
            &mut *tx,
            LeadRow,
            "SELECT l.working_group_id, o.id, o.name, o.tier FROM working_group_leads l
             JOIN working_groups g ON g.id = l.working_group_id JOIN orgs o ON o.id = l.org_id
             WHERE g.coalition_id = $1 ORDER BY o.id",
            c.id,
        )?;
        let members = fetch_all!(
            &mut *tx,
            OrgBrief,
            "SELECT o.id, o.name, o.tier FROM coalition_members m JOIN orgs o ON o.id = m.org_id
             WHERE m.coalition_id = $1 ORDER BY m.joined_at, o.id",
            c.id,
        )?;
        out.push(Coalition {
            id: c.id,
            name: c.name,
            jurisdiction_code: c.jurisdiction_code,
            groups: groups
                .into_iter()
                .map(|g| WorkingGroup {
                    leads: leads
                        .iter()
                        .filter(|l| l.working_group_id == g.id)
                        .map(|l| OrgBrief {
                            id: l.id,
                            name: l.name.clone(),
                            tier: l.tier.clone(),
                        })
                        .collect(),
                    id: g.id,
                    name: g.name,
                    description: g.description,
                    need_kinds: super::model::need_kinds(&g.need_kinds),
                })
                .collect(),
            members,
        });
    }
    Ok(out)
}

/// A coalition's jurisdiction, for a change by `scope` (none: the command
/// line): unseen is not found, seen but not the caller's to run is
/// forbidden (coordinators and admins of its whole jurisdiction).
async fn coalition_for_change(
    tx: &mut Tx,
    scope: Option<&Scope>,
    coalition_id: i64,
) -> Result<String, AppError> {
    let code = fetch_optional!(
        tx,
        (String,),
        "SELECT jurisdiction_code FROM coalitions WHERE id = $1",
        coalition_id
    )?
    .map(|r| r.0)
    .filter(|c| scope.is_none_or(|s| s.overlaps(c)))
    .ok_or(AppError::NotFound)?;
    if let Some(s) = scope
        && (!s.role().coordinates() || !s.covers(&code))
    {
        return Err(AppError::Forbidden);
    }
    Ok(code)
}

/// A working group's coalition and its jurisdiction, for a change.
async fn group_for_change(
    tx: &mut Tx,
    scope: Option<&Scope>,
    group_id: i64,
) -> Result<(i64, String), AppError> {
    let coalition = fetch_optional!(
        tx,
        (i64,),
        "SELECT coalition_id FROM working_groups WHERE id = $1",
        group_id
    )?
    .ok_or(AppError::NotFound)?
    .0;
    let code = coalition_for_change(tx, scope, coalition).await?;
    Ok((coalition, code))
}

/// Take an organisation out of a coalition. One that leads a working
/// group is refused (its group would have no lead): change the leads
/// first.
pub async fn remove_member(
    db: &Db,
    scope: Option<&Scope>,
    coalition_id: i64,
    org_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.write().await?;
    let code = coalition_for_change(&mut tx, scope, coalition_id).await?;
    let leads = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM working_group_leads l JOIN working_groups g ON g.id = l.working_group_id
         WHERE g.coalition_id = $1 AND l.org_id = $2",
        coalition_id,
        org_id,
    )?;
    if leads > 0 {
        return Err(AppError::invalid("org_id", "err-member-leads"));
    }
    let n = execute!(
        &mut tx,
        "DELETE FROM coalition_members WHERE coalition_id = $1 AND org_id = $2",
        coalition_id,
        org_id,
    )?;
    if n == 0 {
        return Err(AppError::invalid("org_id", "err-member-unknown"));
    }
    let e = NewEvent::by_or_system(scope, "coalition.remove", "coalition", coalition_id, &code);
    record(&mut tx, e.before(serde_json::json!({"org_id": org_id}))).await?;
    tx.commit().await?;
    Ok(())
}

/// A new working group, placed last; its name unique in the coalition.
pub async fn create_group(
    db: &Db,
    scope: Option<&Scope>,
    coalition_id: i64,
    fields: &super::model::GroupFields,
) -> Result<i64, AppError> {
    let g = fields.check().map_err(AppError::Invalid)?;
    let mut tx = db.write().await?;
    let code = coalition_for_change(&mut tx, scope, coalition_id).await?;
    let id = fetch_optional!(
        &mut tx,
        (i64,),
        "INSERT INTO working_groups (coalition_id, name, description, position, need_kinds)
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), -1) + 1 FROM working_groups WHERE coalition_id = $1), $4)
         ON CONFLICT (coalition_id, name) DO NOTHING RETURNING id",
        coalition_id,
        &g.name,
        &g.description,
        &g.need_kinds,
    )?
    .ok_or(AppError::invalid("name", "err-group-name-taken"))?
    .0;
    let e = NewEvent::by_or_system(scope, "working_group.create", "working_group", id, &code);
    let after = serde_json::json!({"name": g.name, "need_kinds": g.need_kinds});
    record(&mut tx, e.after(after)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Rename a working group, or change what it is for and the need kinds
/// it answers for.
pub async fn edit_group(
    db: &Db,
    scope: Option<&Scope>,
    group_id: i64,
    fields: &super::model::GroupFields,
) -> Result<(), AppError> {
    let g = fields.check().map_err(AppError::Invalid)?;
    let mut tx = db.write().await?;
    let (coalition_id, code) = group_for_change(&mut tx, scope, group_id).await?;
    let (name, kinds) = fetch_one!(
        &mut tx,
        (String, String),
        "SELECT name, need_kinds FROM working_groups WHERE id = $1",
        group_id
    )?;
    let taken = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM working_groups WHERE coalition_id = $1 AND name = $2 AND id <> $3",
        coalition_id,
        &g.name,
        group_id,
    )?;
    if taken > 0 {
        return Err(AppError::invalid("name", "err-group-name-taken"));
    }
    let updated = execute!(
        &mut tx,
        "UPDATE working_groups SET name = $1, description = $2, need_kinds = $3 WHERE id = $4",
        &g.name,
        &g.description,
        &g.need_kinds,
        group_id,
    );
    // Another group renamed to the same name at the same moment.
    match updated {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(AppError::invalid("name", "err-group-name-taken"));
        }
        other => other?,
    };
    let e = NewEvent::by_or_system(
        scope,
        "working_group.edit",
        "working_group",
        group_id,
        &code,
    );
    record(
        &mut tx,
        e.before(serde_json::json!({"name": name, "need_kinds": kinds}))
            .after(serde_json::json!({"name": g.name, "need_kinds": g.need_kinds})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Admit an approved organisation to a coalition (idempotent).
pub async fn admit(
    db: &Db,
    scope: Option<&Scope>,
    coalition_id: i64,
    org_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.write().await?;
    let code = coalition_for_change(&mut tx, scope, coalition_id).await?;
    let status = fetch_optional!(
        &mut tx,
        (String,),
        "SELECT status FROM orgs WHERE id = $1",
        org_id
    )?;
    match status {
        None => return Err(AppError::invalid("org_id", "err-org")),
        Some((s,)) if s != OrgStatus::Approved.as_str() => {
            return Err(AppError::invalid("org_id", "err-org-not-approved"));
        }
        Some(_) => {}
    }
    let n = execute!(
        &mut tx,
        "INSERT INTO coalition_members (coalition_id, org_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        coalition_id,
        org_id,
        crate::db::stamp(),
    )?;
    if n > 0 {
        let e = NewEvent::by_or_system(scope, "coalition.admit", "coalition", coalition_id, &code);
        record(&mut tx, e.after(serde_json::json!({"org_id": org_id}))).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Replace a working group's lead organisations: one or two members of
/// the coalition.
pub async fn set_leads(
    db: &Db,
    scope: Option<&Scope>,
    group_id: i64,
    org_ids: &[i64],
) -> Result<(), AppError> {
    let mut tx = db.write().await?;
    let (coalition_id, code) = group_for_change(&mut tx, scope, group_id).await?;
    let mut ids = org_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if !(1..=2).contains(&ids.len()) {
        return Err(AppError::invalid("org_ids", "err-leads-count"));
    }
    for &org in &ids {
        let member = fetch_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM coalition_members WHERE coalition_id = $1 AND org_id = $2",
            coalition_id,
            org,
        )?;
        if member == 0 {
            return Err(AppError::invalid("org_ids", "err-leads-member"));
        }
    }
    let before = fetch_all!(
        &mut tx,
        (i64,),
        "SELECT org_id FROM working_group_leads WHERE working_group_id = $1 ORDER BY org_id",
        group_id
    )?;
    execute!(
        &mut tx,
        "DELETE FROM working_group_leads WHERE working_group_id = $1",
        group_id
    )?;
    for &org in &ids {
        execute!(
            &mut tx,
            "INSERT INTO working_group_leads (working_group_id, org_id) VALUES ($1, $2)",
            group_id,
            org
        )?;
    }
    let before: Vec<i64> = before.into_iter().map(|r| r.0).collect();
    let e = NewEvent::by_or_system(
        scope,
        "working_group.set_leads",
        "working_group",
        group_id,
        &code,
    );
    record(
        &mut tx,
        e.before(serde_json::json!({"org_ids": before}))
            .after(serde_json::json!({"org_ids": ids})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Refuse an organisation that is not approved (or not there) as the one
/// a campaign, depot, squad or vehicle belongs to: the field is named.
pub async fn approved(tx: &mut Tx, org_id: i64) -> Result<(), AppError> {
    let n = fetch_scalar!(
        &mut *tx,
        i64,
        "SELECT COUNT(*) FROM orgs WHERE id = $1 AND status = 'approved'",
        org_id
    )?;
    if n == 0 {
        return Err(AppError::invalid("org_id", "err-org-not-approved"));
    }
    Ok(())
}
