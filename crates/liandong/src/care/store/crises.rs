//! SQL for crises offered to care teams (危机个案): a crisis goes at once
//! to a member on call — the team linked to the person's cohort first
//! (their sealed zone, or home isolation), then the narrowest team whose
//! area holds them — and waits for an answer. The member signs in to
//! accept, or declines with a reason; the case's holder may record an
//! answer given by phone. Declined, or unanswered past
//! `CRISIS_ANSWER_MINUTES`, it passes to the next member on call; with
//! nobody left the office hears of it. Every offer is kept.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::super::model::{
    CRISIS_ANSWER_MINUTES, CaseCategory, CaseSight, Cohort, CrisisStatus, Profession, sight,
};
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::record;
use crate::db::{Db, Ts, Tx};
use crate::orgs::model::division_name;
use crate::squads::model::{Seal, SealIndex};
use crate::web::error::{AppError, Invalid};
use crate::{execute, fetch_all, fetch_optional, fetch_scalar};

/// A crisis offered to a care team member, as the case's holder sees it
/// (the member's duty phone whole: the holder calls them).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OnCall {
    pub offer_id: i64,
    pub member_id: i64,
    pub name: String,
    #[schema(value_type = Profession)]
    pub profession: String,
    pub phone: String,
    pub team_name: String,
    /// Offered through the team linked to the person's cohort.
    pub cohort: bool,
    #[schema(value_type = CrisisStatus)]
    pub status: String,
    /// Why it was declined.
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub offered_at: OffsetDateTime,
    /// When it passes on unanswered.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub answer_by: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub answered_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct OfferRow {
    id: i64,
    member_id: i64,
    name: String,
    profession: String,
    phone: String,
    team_name: String,
    cohort: bool,
    status: String,
    reason: String,
    offered_at: OffsetDateTime,
    answered_at: Option<OffsetDateTime>,
}

fn answer_by(offered: OffsetDateTime) -> OffsetDateTime {
    offered + Duration::minutes(CRISIS_ANSWER_MINUTES)
}

/// The latest crisis offer of a case (what its holder is shown).
pub(super) async fn latest(tx: &mut Tx, case_id: i64) -> sqlx::Result<Option<OnCall>> {
    Ok(fetch_optional!(
        &mut *tx,
        OfferRow,
        "SELECT f.id, f.member_id, m.name, m.profession, m.phone, t.name AS team_name, f.cohort, f.status, f.reason,
                f.offered_at, f.answered_at
         FROM crisis_offers f JOIN care_team_members m ON m.id = f.member_id JOIN care_teams t ON t.id = f.team_id
         WHERE f.case_id = $1 ORDER BY f.id DESC LIMIT 1",
        case_id
    )?
    .map(|r| OnCall {
        offer_id: r.id,
        member_id: r.member_id,
        name: r.name,
        profession: r.profession,
        phone: r.phone,
        team_name: r.team_name,
        cohort: r.cohort,
        status: r.status,
        reason: r.reason,
        answer_by: answer_by(r.offered_at),
        offered_at: r.offered_at,
        answered_at: r.answered_at,
    }))
}

/// A member on call now whom the case may be offered to.
#[derive(sqlx::FromRow)]
struct OnCallNow {
    member_id: i64,
    team_id: i64,
    cohort_kind: String,
    zone_division: String,
    zone_compound: String,
    zone_live: i32,
}

/// Offer a case's crisis to the best member on call now who has not been
/// offered it: a team linked to the person's cohort first, then the
/// narrowest area. An event either way (`case.crisis` names the member;
/// `case.crisis_unanswered` tells the office nobody is left).
pub(super) async fn offer(
    tx: &mut Tx,
    actor: Option<&Scope>,
    case_id: i64,
    filed_at: &str,
    now: OffsetDateTime,
) -> Result<Option<i64>, AppError> {
    let (division, phone, address, compound) = fetch_optional!(
        &mut *tx,
        (String, String, String, String),
        "SELECT c.division_code, c.person_phone, c.person_address, COALESCE(r.compound, '')
         FROM cases c LEFT JOIN care_recipients r ON r.id = c.recipient_id WHERE c.id = $1",
        case_id
    )?
    .ok_or(AppError::NotFound)?;
    let on = fetch_all!(
        &mut *tx,
        OnCallNow,
        "SELECT o.member_id, t.id AS team_id, t.cohort_kind,
                COALESCE(z.division_code, '') AS zone_division, COALESCE(z.compound, '') AS zone_compound,
                CASE WHEN z.lifted_at IS NULL AND z.starts_at <= $1 AND z.level IN ('sealed', 'controlled') THEN 1 ELSE 0 END AS zone_live
         FROM care_oncall o JOIN care_teams t ON t.id = o.team_id LEFT JOIN zones z ON z.id = t.zone_id
         WHERE o.starts_at <= $1 AND o.ends_at > $1 AND $2 >= t.division_code AND $2 < t.division_code || '~'
           AND o.member_id NOT IN (SELECT f.member_id FROM crisis_offers f WHERE f.case_id = $3)
         ORDER BY LENGTH(t.division_code) DESC, o.starts_at, o.id",
        Ts::from(now),
        &division,
        case_id
    )?;
    let isolated = if on
        .iter()
        .any(|o| o.cohort_kind == Cohort::HomeIsolation.as_str())
        && !phone.is_empty()
    {
        home_isolated(tx, &phone).await?
    } else {
        false
    };
    let place = format!("{compound} {address}");
    let fits = |o: &OnCallNow| match Cohort::parse(&o.cohort_kind) {
        Some(Cohort::HomeIsolation) => isolated,
        Some(Cohort::Zone) => {
            o.zone_live == 1
                && !SealIndex::new(vec![Seal {
                    division_code: o.zone_division.clone(),
                    compound: o.zone_compound.clone(),
                }])
                .holding(&division, &place)
                .is_empty()
        }
        None => false,
    };
    // A stable choice: the cohort's team first, the SQL's order within.
    let chosen = on
        .iter()
        .find(|o| fits(o))
        .map(|o| (o, true))
        .or_else(|| on.first().map(|o| (o, false)));
    let Some((o, cohort)) = chosen else {
        let e = NewEvent::by_or_system(actor, "case.crisis_unanswered", "case", case_id, filed_at);
        record(tx, e).await?;
        return Ok(None);
    };
    let offer_id = fetch_scalar!(
        &mut *tx,
        i64,
        "INSERT INTO crisis_offers (case_id, member_id, team_id, cohort, status, offered_at) VALUES ($1, $2, $3, $4, 'pending', $5)
         RETURNING id",
        case_id,
        o.member_id,
        o.team_id,
        cohort,
        Ts::from(now)
    )?;
    execute!(
        &mut *tx,
        "UPDATE cases SET crisis_member_id = $1, updated_at = $2 WHERE id = $3",
        o.member_id,
        Ts::from(now),
        case_id
    )?;
    let e = NewEvent::by_or_system(actor, "case.crisis", "case", case_id, filed_at);
    record(
        tx,
        e.after(
            serde_json::json!({"member_id": o.member_id, "offer_id": offer_id, "cohort": cohort}),
        ),
    )
    .await?;
    Ok(Some(o.member_id))
}

/// Whether the person with this phone is in home isolation now (an active
/// graded management at that level).
async fn home_isolated(tx: &mut Tx, phone: &str) -> sqlx::Result<bool> {
    Ok(fetch_optional!(
        &mut *tx,
        (i64,),
        "SELECT m.id FROM managements m JOIN subjects s ON s.id = m.subject_id
         WHERE s.phone = $1 AND m.status = 'active' AND m.level = 'home_isolation' LIMIT 1",
        phone
    )?
    .is_some())
}

/// A crisis as the member it was offered to sees it: where (the street),
/// who holds it and how to reach them; never the person, and not the
/// category of a domestic-violence case (the holder's caseworkers only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CrisisOffer {
    pub id: i64,
    pub case_id: i64,
    #[schema(value_type = CrisisStatus)]
    pub status: String,
    pub reason: String,
    /// "" for a case the member may not know the kind of.
    pub category: String,
    pub street_name: String,
    pub team_name: String,
    /// Offered through the team linked to the person's cohort.
    pub cohort: bool,
    pub holder_org_name: String,
    pub holder_contact_name: String,
    pub holder_contact_phone: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub offered_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub answer_by: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub answered_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct CrisisRow {
    id: i64,
    case_id: i64,
    status: String,
    reason: String,
    category: String,
    division_code: String,
    team_name: String,
    cohort: bool,
    holder_org_name: String,
    holder_contact_name: String,
    holder_contact_phone: String,
    offered_at: OffsetDateTime,
    answered_at: Option<OffsetDateTime>,
    // Who may answer: the member's account, or the holder.
    account_id: Option<i64>,
    org_id: i64,
}

const CRISIS_COLUMNS: &str = "f.id, f.case_id, f.status, f.reason, c.category, c.division_code, t.name AS team_name, f.cohort,
    o.name AS holder_org_name, o.contact_name AS holder_contact_name, o.contact_phone AS holder_contact_phone,
    f.offered_at, f.answered_at, m.account_id, c.org_id
    FROM crisis_offers f JOIN care_team_members m ON m.id = f.member_id JOIN care_teams t ON t.id = f.team_id
    JOIN cases c ON c.id = f.case_id JOIN orgs o ON o.id = c.org_id";

fn seen_by_member(r: CrisisRow) -> CrisisOffer {
    let category = match CaseCategory::parse(&r.category) {
        Some(CaseCategory::DomesticViolence) | None => String::new(),
        Some(c) => c.as_str().to_owned(),
    };
    let street = r.division_code.get(..9).unwrap_or(&r.division_code);
    CrisisOffer {
        id: r.id,
        case_id: r.case_id,
        status: r.status,
        reason: r.reason,
        category,
        street_name: division_name(street),
        team_name: r.team_name,
        cohort: r.cohort,
        holder_org_name: r.holder_org_name,
        holder_contact_name: r.holder_contact_name,
        holder_contact_phone: r.holder_contact_phone,
        answer_by: answer_by(r.offered_at),
        offered_at: r.offered_at,
        answered_at: r.answered_at,
    }
}

/// The crises offered to the caller as a care team member: those waiting
/// first, then the last week's.
pub async fn mine(tx: &mut Tx, scope: &Scope) -> Result<Vec<CrisisOffer>, AppError> {
    let since = crate::db::now() - Duration::days(7);
    Ok(fetch_all!(
        &mut *tx,
        CrisisRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {CRISIS_COLUMNS} WHERE m.account_id = $1 AND (f.status = 'pending' OR f.offered_at > $2)
             ORDER BY CASE WHEN f.status = 'pending' THEN 0 ELSE 1 END, f.offered_at DESC, f.id DESC LIMIT 100"
        )),
        scope.account_id(),
        Ts::from(since)
    )?
    .into_iter()
    .map(seen_by_member)
    .collect())
}

/// An answer to a crisis offer.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CrisisAnswer {
    pub accept: bool,
    /// Why not (required to decline).
    #[serde(default)]
    pub reason: String,
}

/// Answer a crisis offered to the caller (their account is the member's),
/// or, for the case's holder, record the answer the member gave by phone.
/// Declined, it passes to the next member on call.
pub async fn answer(
    db: &Db,
    scope: &Scope,
    id: i64,
    a: &CrisisAnswer,
) -> Result<CrisisOffer, AppError> {
    let mut tx = db.write().await?;
    let r = fetch_optional!(
        &mut tx,
        CrisisRow,
        sqlx::AssertSqlSafe(format!("SELECT {CRISIS_COLUMNS} WHERE f.id = $1")),
        id
    )?
    .ok_or(AppError::NotFound)?;
    let member = r.account_id == Some(scope.account_id());
    let holder = CaseCategory::parse(&r.category)
        .is_some_and(|c| sight(scope.role(), scope.org_id(), r.org_id, c) == CaseSight::Holder);
    if !member && !holder {
        return Err(AppError::NotFound);
    }
    // Checked once the offer is known to be theirs: whether a reason is
    // needed depends on the answer, which a schema cannot say.
    let mut errors = Invalid::default();
    if a.accept {
        errors.optional("reason", &a.reason, 200);
    } else {
        errors.reason("reason", &a.reason, 200);
    }
    errors.into_result()?;
    let status = if a.accept {
        CrisisStatus::Accepted
    } else {
        CrisisStatus::Declined
    };
    let now = crate::db::now();
    let done = execute!(
        &mut tx,
        "UPDATE crisis_offers SET status = $1, reason = $2, answered_at = $3 WHERE id = $4 AND status = 'pending'",
        status.as_str(),
        a.reason.trim(),
        Ts::from(now),
        id
    )?;
    if done == 0 {
        return Err(AppError::Conflict("err-crisis-answered"));
    }
    let at = super::cases::filed_at(&mut tx, r.case_id).await?;
    let action = if a.accept {
        "case.crisis_accepted"
    } else {
        "case.crisis_declined"
    };
    let mut e = NewEvent::by(scope, action, "case", r.case_id, &at)
        .after(serde_json::json!({"offer_id": id, "for_member": !member}));
    if !a.accept {
        e = e.reason(a.reason.trim());
    }
    record(&mut tx, e).await?;
    if !a.accept {
        offer(&mut tx, Some(scope), r.case_id, &at, now).await?;
    }
    let r = fetch_optional!(
        &mut tx,
        CrisisRow,
        sqlx::AssertSqlSafe(format!("SELECT {CRISIS_COLUMNS} WHERE f.id = $1")),
        id
    )?
    .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(seen_by_member(r))
}

/// Withdraw what waits for a case that closed.
pub(super) async fn withdraw(tx: &mut Tx, case_id: i64) -> sqlx::Result<u64> {
    execute!(
        &mut *tx,
        "UPDATE crisis_offers SET status = 'withdrawn', answered_at = $1 WHERE case_id = $2 AND status = 'pending'",
        Ts::from(crate::db::now()),
        case_id
    )
}

/// Pass on every crisis unanswered past `CRISIS_ANSWER_MINUTES`: the offer
/// lapses (an event), and the next member on call is offered it, or the
/// office hears nobody is left.
pub async fn lapse(db: &Db, now: OffsetDateTime) -> Result<usize, AppError> {
    let mut tx = db.write().await?;
    let rows = fetch_all!(
        &mut tx,
        (i64, i64),
        "UPDATE crisis_offers SET status = 'lapsed', answered_at = $1
         WHERE status = 'pending' AND offered_at < $2
         RETURNING id, case_id",
        Ts::from(now),
        Ts::from(now - Duration::minutes(CRISIS_ANSWER_MINUTES))
    )?;
    for (offer_id, case_id) in &rows {
        let at = super::cases::filed_at(&mut tx, *case_id).await?;
        let e = NewEvent::by_or_system(None, "case.crisis_lapsed", "case", *case_id, &at);
        record(&mut tx, e.after(serde_json::json!({"offer_id": offer_id}))).await?;
        offer(&mut tx, None, *case_id, &at, now).await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

/// A member's account: of the team's organisation, one that keeps cases
/// (`Role::cares`), not disabled.
pub(super) async fn account_fits(tx: &mut Tx, team_org: i64, account: i64) -> Result<(), AppError> {
    let found = fetch_optional!(
        &mut *tx,
        (String, i64, bool),
        "SELECT role, org_id, disabled FROM accounts WHERE id = $1",
        account
    )?;
    match found {
        Some((role, org, disabled))
            if org == team_org
                && !disabled
                && crate::access::model::Role::parse(&role).is_some_and(|r| r.cares()) =>
        {
            Ok(())
        }
        _ => Err(AppError::invalid("account_id", "err-team-member-account")),
    }
}
