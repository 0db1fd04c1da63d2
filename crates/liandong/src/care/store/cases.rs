//! SQL for cases (个案): opened from a need, a check-in, a call or a
//! report; notes, follow-ups and consultations; referral between
//! organisations (accept, or decline with a reason; an unanswered one
//! escalates); closure. A case is held by exactly one organisation, and
//! what each reader sees is `model::sight`. Care teams and their on-call
//! rota: a crisis is offered at once to whoever is on call for the area.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::super::model::{
    CaseCategory, CaseOutcome, CaseSight, CaseSource, NewCase, REFERRAL_HOURS, Risk, sight,
};
use crate::access::model::{Role, Scope};
use crate::audit::model::NewEvent;
use crate::audit::store::record;
use crate::db::{Db, Ts, Tx, inside};
use crate::needs::model::mask_name;
use crate::orgs::model::division_name;
use crate::web::error::{AppError, FieldError, Invalid};
use crate::{execute, fetch_all, fetch_optional, fetch_scalar};

/// A referral as its two organisations see it.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Referral {
    pub id: i64,
    pub case_id: i64,
    pub from_org: i64,
    pub from_org_name: String,
    pub to_org: i64,
    pub to_org_name: String,
    pub reason: String,
    /// pending | accepted | declined
    pub status: String,
    pub answer: String,
    #[schema(value_type = CaseCategory)]
    pub category: String,
    #[schema(value_type = Risk)]
    pub risk: String,
    /// The street (not the community, nor the address).
    #[sqlx(skip)]
    pub street_name: String,
    pub division_code: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub escalated_at: Option<OffsetDateTime>,
}

/// A case as its reader may see it: the person's phone and address masked
/// (the holder reveals them, audited); the name whole for the holder.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Case {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub division_code: String,
    pub division_name: String,
    #[schema(value_type = CaseCategory)]
    pub category: String,
    #[schema(value_type = Risk)]
    pub risk: String,
    /// open | closed
    pub status: String,
    pub source: String,
    pub need_id: Option<i64>,
    pub recipient_id: Option<i64>,
    pub person_name: String,
    pub person_phone: String,
    pub person_address: String,
    pub summary: String,
    pub outcome: String,
    pub closing_note: String,
    pub crisis: Option<super::crises::OnCall>,
    pub pending_referral: Option<Referral>,
    /// Follow-ups not done whose due has passed.
    pub overdue_follow_ups: i64,
    /// The reader holds it (may write, refer, close, reveal).
    pub holder: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub opened_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    org_id: i64,
    org_name: String,
    division_code: String,
    category: String,
    risk: String,
    status: String,
    source: String,
    need_id: Option<i64>,
    recipient_id: Option<i64>,
    person_name: String,
    person_phone: String,
    person_address: String,
    summary: String,
    outcome: String,
    closing_note: String,
    crisis_member_id: Option<i64>,
    opened_at: OffsetDateTime,
    closed_at: Option<OffsetDateTime>,
    overdue: i64,
}

impl Row {
    fn category(&self) -> CaseCategory {
        CaseCategory::parse(&self.category).unwrap_or(CaseCategory::Other)
    }
    fn sight(&self, scope: &Scope) -> CaseSight {
        match sight(scope.role(), scope.org_id(), self.org_id, self.category()) {
            CaseSight::Office if !scope.covers(&self.division_code) => CaseSight::None,
            s => s,
        }
    }
}

const COLUMNS: &str = "c.id, c.org_id, o.name AS org_name, c.division_code, c.category, c.risk, c.status, c.source, c.need_id,
    c.recipient_id, c.person_name, c.person_phone, c.person_address, c.summary, c.outcome, c.closing_note,
    c.crisis_member_id, c.opened_at, c.closed_at,
    (SELECT COUNT(*) FROM case_notes n WHERE n.case_id = c.id AND n.kind = 'follow_up' AND n.done_at IS NULL AND n.due_at < $1) AS overdue";

/// Where a case's events are filed: its community, but for domestic
/// violence the holder's own area (the community is not told).
async fn filed(tx: &mut Tx, r: &Row) -> sqlx::Result<String> {
    if r.category() == CaseCategory::DomesticViolence {
        fetch_scalar!(
            &mut *tx,
            String,
            "SELECT jurisdiction_code FROM orgs WHERE id = $1",
            r.org_id
        )
    } else {
        Ok(r.division_code.clone())
    }
}

/// Where the events of case `id` are filed (`filed`).
pub(super) async fn filed_at(tx: &mut Tx, id: i64) -> Result<String, AppError> {
    let r = row(tx, id).await?.ok_or(AppError::NotFound)?;
    Ok(filed(tx, &r).await?)
}

async fn row(tx: &mut Tx, id: i64) -> sqlx::Result<Option<Row>> {
    fetch_optional!(
        &mut *tx,
        Row,
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM cases c JOIN orgs o ON o.id = c.org_id WHERE c.id = $2"
        )),
        Ts::from(crate::db::now()),
        id
    )
}

/// A case the reader may see, and how: 404 outside their area, 403 inside
/// it when the case is not theirs to see.
async fn seen(tx: &mut Tx, scope: &Scope, id: i64) -> Result<(Row, CaseSight), AppError> {
    let r = row(tx, id).await?.ok_or(AppError::NotFound)?;
    match r.sight(scope) {
        CaseSight::None if scope.covers(&r.division_code) => Err(AppError::Forbidden),
        CaseSight::None => Err(AppError::NotFound),
        s => Ok((r, s)),
    }
}

/// The case held by the reader's organisation (refused otherwise).
async fn held(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Row, AppError> {
    match seen(tx, scope, id).await? {
        (r, CaseSight::Holder) => Ok(r),
        _ => Err(AppError::Forbidden),
    }
}

async fn view(tx: &mut Tx, r: Row, s: CaseSight) -> Result<Case, AppError> {
    let crisis = match r.crisis_member_id {
        Some(_) if s == CaseSight::Holder => super::crises::latest(tx, r.id).await?,
        _ => None,
    };
    let pending = referrals_of(tx, r.id, true).await?.pop();
    let holder = s == CaseSight::Holder;
    let read = crate::needs::model::read_as(&r.division_code);
    Ok(Case {
        id: r.id,
        org_id: r.org_id,
        org_name: r.org_name,
        division_name: division_name(&r.division_code),
        division_code: r.division_code,
        category: r.category,
        risk: r.risk,
        status: r.status,
        source: r.source,
        need_id: r.need_id,
        recipient_id: r.recipient_id,
        person_name: if holder {
            r.person_name
        } else {
            mask_name(&r.person_name)
        },
        person_phone: crate::phone::mask(&r.person_phone),
        person_address: if holder {
            crate::needs::model::mask_address(&r.person_address, &read)
        } else {
            String::new()
        },
        summary: r.summary,
        outcome: r.outcome,
        closing_note: r.closing_note,
        crisis,
        pending_referral: pending,
        overdue_follow_ups: r.overdue,
        holder,
        opened_at: r.opened_at,
        closed_at: r.closed_at,
    })
}

const REFERRAL_COLUMNS: &str = "r.id, r.case_id, r.from_org, f.name AS from_org_name, r.to_org, t.name AS to_org_name, r.reason, r.status, r.answer,
    c.category, c.risk, c.division_code, r.created_at, r.escalated_at
    FROM case_referrals r JOIN cases c ON c.id = r.case_id JOIN orgs f ON f.id = r.from_org JOIN orgs t ON t.id = r.to_org";

fn street(mut r: Referral) -> Referral {
    r.street_name = division_name(r.division_code.get(..9).unwrap_or(&r.division_code));
    r.division_code = r
        .division_code
        .get(..9)
        .unwrap_or(&r.division_code)
        .to_owned();
    r
}

async fn referrals_of(tx: &mut Tx, case_id: i64, pending: bool) -> sqlx::Result<Vec<Referral>> {
    Ok(fetch_all!(
        &mut *tx,
        Referral,
        sqlx::AssertSqlSafe(format!(
            "SELECT {REFERRAL_COLUMNS} WHERE r.case_id = $1 AND ($2 = FALSE OR r.status = 'pending') ORDER BY r.id"
        )),
        case_id,
        pending
    )?
    .into_iter()
    .map(street)
    .collect())
}

/// A case found through a need or a person's check-in is about that
/// person: where the caseworker left the person blank, the record's name,
/// phone, address and community are carried over (read in the caller's
/// area only; a record out of it is refused when the case is opened). A
/// person written in the form wins: the child behind the adult who called.
async fn carried(db: &Db, scope: &Scope, n: &NewCase) -> Result<NewCase, AppError> {
    let mut n = n.clone();
    if !n.person_name.trim().is_empty() {
        return Ok(n);
    }
    let (table, id, division) = match CaseSource::parse(n.source.trim()) {
        Some(CaseSource::Need) => ("needs", n.need_id, "jurisdiction_code"),
        Some(CaseSource::Checkin) => ("care_recipients", n.recipient_id, "division_code"),
        _ => return Ok(n),
    };
    let Some(id) = id else {
        return Ok(n);
    };
    // A need's community is what its address was read as, else its holder.
    let (name, phone, code) = if table == "needs" {
        (
            "contact_name",
            "contact_phone",
            "CASE WHEN division_code <> '' THEN division_code ELSE jurisdiction_code END",
        )
    } else {
        ("name", "phone", "division_code")
    };
    let mut tx = db.read().await?;
    let found = fetch_optional!(
        &mut tx,
        (String, String, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT {name}, {phone}, address, {code} FROM {table} WHERE id = $1 AND {}",
            inside(division, 2)
        )),
        id,
        scope.jurisdiction()
    )?;
    if let Some((name, phone, address, code)) = found {
        n.person_name = name;
        if n.person_phone.trim().is_empty() {
            n.person_phone = phone;
        }
        if n.person_address.trim().is_empty() {
            n.person_address = address;
        }
        if n.division_code.trim().is_empty() {
            n.division_code = code;
        }
    }
    Ok(n)
}

/// Open a case, held by the caller's organisation. A crisis is offered at
/// once to the care team member on call for the area (the answer names
/// them), or raised to the office when nobody is.
pub async fn open(db: &Db, scope: &Scope, n: &NewCase) -> Result<Case, AppError> {
    if !scope.role().cares() {
        return Err(AppError::Forbidden);
    }
    let n = &carried(db, scope, n).await?;
    let c = n.check().map_err(AppError::Invalid)?;
    let division = n.division_code.trim();
    if divisions::Tree::china().find(division).is_none() {
        return Err(AppError::invalid("division_code", "err-division"));
    }
    if !scope.covers(division) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.write().await?;
    // What it was found through must be the caller's to see.
    let (need, recipient) = match c.source {
        super::super::model::CaseSource::Need => {
            let id = n.need_id.unwrap_or(0);
            let there = fetch_optional!(
                &mut tx,
                (i64,),
                sqlx::AssertSqlSafe(format!(
                    "SELECT id FROM needs WHERE id = $1 AND {}",
                    inside("jurisdiction_code", 2)
                )),
                id,
                scope.jurisdiction()
            )?;
            if there.is_none() {
                return Err(AppError::invalid("need_id", "err-case-need"));
            }
            (Some(id), None)
        }
        super::super::model::CaseSource::Checkin => {
            let id = n.recipient_id.unwrap_or(0);
            let there = fetch_optional!(
                &mut tx,
                (i64,),
                sqlx::AssertSqlSafe(format!(
                    "SELECT id FROM care_recipients WHERE id = $1 AND {}",
                    inside("division_code", 2)
                )),
                id,
                scope.jurisdiction()
            )?;
            if there.is_none() {
                return Err(AppError::invalid("recipient_id", "err-case-recipient"));
            }
            (None, Some(id))
        }
        _ => (None, None),
    };
    let now = crate::db::now();
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO cases (org_id, division_code, category, risk, status, source, need_id, recipient_id, person_name, person_phone,
            person_address, summary, opened_by, opened_at, updated_at)
         VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
        scope.org_id(),
        division,
        c.category.as_str(),
        c.risk.as_str(),
        c.source.as_str(),
        need,
        recipient,
        &c.person_name,
        &c.person_phone,
        &c.person_address,
        &c.summary,
        scope.account_id(),
        Ts::from(now)
    )?;
    let r = row(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let at = filed(&mut tx, &r).await?;
    record(
        &mut tx,
        NewEvent::by(scope, "case.open", "case", id, &at).after(
            serde_json::json!({"category": c.category.as_str(), "risk": c.risk.as_str(), "source": c.source.as_str()}),
        ),
    )
    .await?;
    if c.risk == Risk::Crisis {
        super::crises::offer(&mut tx, Some(scope), id, &at, now).await?;
    }
    let r = row(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let s = r.sight(scope);
    let v = view(&mut tx, r, s).await?;
    tx.commit().await?;
    Ok(v)
}

/// One case with its notes and referrals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseDetail {
    pub case: Case,
    pub notes: Vec<Note>,
    pub referrals: Vec<Referral>,
}

/// A note, follow-up or consultation.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Note {
    pub id: i64,
    /// note | follow_up | consultation
    pub kind: String,
    pub text: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub done_at: Option<OffsetDateTime>,
    pub member_name: String,
    pub by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

pub async fn case(tx: &mut Tx, scope: &Scope, id: i64) -> Result<CaseDetail, AppError> {
    let (r, s) = seen(tx, scope, id).await?;
    let notes = if s == CaseSight::Holder {
        fetch_all!(
            &mut *tx,
            Note,
            "SELECT n.id, n.kind, n.text, n.due_at, n.done_at, COALESCE(m.name, '') AS member_name,
                    COALESCE(a.display_name, '') AS by_name, n.at
             FROM case_notes n LEFT JOIN care_team_members m ON m.id = n.member_id LEFT JOIN accounts a ON a.id = n.by_account
             WHERE n.case_id = $1 ORDER BY n.at DESC, n.id DESC",
            id
        )?
    } else {
        Vec::new()
    };
    let referrals = referrals_of(tx, id, false).await?;
    Ok(CaseDetail {
        case: view(tx, r, s).await?,
        notes,
        referrals,
    })
}

/// The cases a reader sees: their organisation's (open first), and the
/// office's view of the area (never domestic violence); and the
/// referrals waiting for their organisation's answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseList {
    pub cases: Vec<Case>,
    pub referrals_to_us: Vec<Referral>,
}

pub async fn cases(tx: &mut Tx, scope: &Scope) -> Result<CaseList, AppError> {
    if !scope.role().cares() {
        return Err(AppError::Forbidden);
    }
    let office = matches!(scope.role(), Role::Admin | Role::Coordinator);
    let rows = fetch_all!(
        &mut *tx,
        Row,
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM cases c JOIN orgs o ON o.id = c.org_id
             WHERE c.org_id = $2 OR ($3 AND c.category <> 'domestic_violence' AND {})
             ORDER BY c.status DESC, c.opened_at DESC LIMIT 500",
            inside("c.division_code", 4)
        )),
        Ts::from(crate::db::now()),
        scope.org_id(),
        office,
        scope.jurisdiction()
    )?;
    let mut cases = Vec::with_capacity(rows.len());
    for r in rows {
        let s = r.sight(scope);
        if s != CaseSight::None {
            cases.push(view(tx, r, s).await?);
        }
    }
    let referrals_to_us = fetch_all!(
        &mut *tx,
        Referral,
        sqlx::AssertSqlSafe(format!(
            "SELECT {REFERRAL_COLUMNS} WHERE r.to_org = $1 AND r.status = 'pending' ORDER BY r.created_at"
        )),
        scope.org_id()
    )?
    .into_iter()
    .filter(|r| answers(scope, r))
    .map(street)
    .collect();
    Ok(CaseList {
        cases,
        referrals_to_us,
    })
}

/// Whether the reader answers a referral for their organisation: its
/// caseworkers; its coordinators and admins too, but for domestic
/// violence.
fn answers(scope: &Scope, r: &Referral) -> bool {
    scope.org_id() == r.to_org
        && match scope.role() {
            Role::Caseworker => true,
            Role::Admin | Role::Coordinator => r.category != "domestic_violence",
            _ => false,
        }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewNote {
    /// note | follow_up | consultation
    pub kind: String,
    pub text: String,
    /// For a follow-up: when (RFC 3339, or YYYY-MM-DDTHH:MM China time).
    #[serde(default)]
    pub due_at: String,
    /// For a consultation: the care team member consulted.
    #[serde(default)]
    pub member_id: Option<i64>,
}

/// Add to a case the caller's organisation holds.
pub async fn note(db: &Db, scope: &Scope, id: i64, n: &NewNote) -> Result<CaseDetail, AppError> {
    let mut errors = Invalid::default();
    errors.text("text", &n.text, 2000);
    let now = crate::db::now();
    let mut due = None;
    match n.kind.as_str() {
        "note" => {}
        "follow_up" => {
            due = (!n.due_at.trim().is_empty())
                .then(|| crate::divisions::store::parse_start(&n.due_at))
                .flatten()
                .filter(|d| *d > now - Duration::hours(1) && *d < now + Duration::days(90));
            if due.is_none() {
                errors.push(FieldError::new("due_at", "err-case-due"));
            }
        }
        "consultation" => {
            if n.member_id.is_none() {
                errors.push(FieldError::new("member_id", "err-case-member"));
            }
        }
        _ => errors.push(FieldError::new("kind", "err-case-note-kind")),
    }
    errors.into_result()?;
    let mut tx = db.write().await?;
    let r = held(&mut tx, scope, id).await?;
    if r.status != "open" {
        return Err(AppError::Conflict("err-case-closed"));
    }
    if let Some(m) = n.member_id.filter(|_| n.kind == "consultation")
        && fetch_optional!(
            &mut tx,
            (i64,),
            "SELECT id FROM care_team_members WHERE id = $1",
            m
        )?
        .is_none()
    {
        return Err(AppError::invalid("member_id", "err-case-member"));
    }
    execute!(
        &mut tx,
        "INSERT INTO case_notes (case_id, kind, text, due_at, member_id, org_id, by_account, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        n.kind.as_str(),
        n.text.trim(),
        due.map(Ts::from),
        n.member_id.filter(|_| n.kind == "consultation"),
        scope.org_id(),
        scope.account_id(),
        Ts::from(now)
    )?;
    let at = filed(&mut tx, &r).await?;
    // The text may speak of the person: it stays on the note.
    let action = match n.kind.as_str() {
        "note" => "case.note",
        "follow_up" => "case.follow_up",
        _ => "case.consultation",
    };
    record(&mut tx, NewEvent::by(scope, action, "case", id, &at)).await?;
    let d = case(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(d)
}

/// Mark a follow-up done.
pub async fn follow_up_done(
    db: &Db,
    scope: &Scope,
    id: i64,
    note_id: i64,
) -> Result<CaseDetail, AppError> {
    let mut tx = db.write().await?;
    let r = held(&mut tx, scope, id).await?;
    let done = execute!(
        &mut tx,
        "UPDATE case_notes SET done_at = $1 WHERE id = $2 AND case_id = $3 AND kind = 'follow_up' AND done_at IS NULL",
        Ts::from(crate::db::now()),
        note_id,
        id
    )?;
    if done == 0 {
        return Err(AppError::Conflict("err-case-follow-up"));
    }
    let at = filed(&mut tx, &r).await?;
    record(
        &mut tx,
        NewEvent::by(scope, "case.follow_up_done", "case", id, &at),
    )
    .await?;
    let d = case(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(d)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewReferral {
    pub to_org: i64,
    pub reason: String,
}

/// Refer a case to another (approved) organisation. It stays held by the
/// caller's until the other accepts; one referral waits at a time.
pub async fn refer(
    db: &Db,
    scope: &Scope,
    id: i64,
    n: &NewReferral,
) -> Result<CaseDetail, AppError> {
    let mut errors = Invalid::default();
    errors.reason("reason", &n.reason, 500);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let r = held(&mut tx, scope, id).await?;
    if r.status != "open" {
        return Err(AppError::Conflict("err-case-closed"));
    }
    let to = fetch_optional!(
        &mut tx,
        (String,),
        "SELECT status FROM orgs WHERE id = $1",
        n.to_org
    )?;
    if to.map(|(s,)| s) != Some("approved".to_owned()) || n.to_org == r.org_id {
        return Err(AppError::invalid("to_org", "err-case-to-org"));
    }
    let made = execute!(
        &mut tx,
        "INSERT INTO case_referrals (case_id, from_org, to_org, reason, status, created_by, created_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6) ON CONFLICT DO NOTHING",
        id,
        r.org_id,
        n.to_org,
        n.reason.trim(),
        scope.account_id(),
        Ts::from(crate::db::now())
    )?;
    if made == 0 {
        return Err(AppError::Conflict("err-case-referral-pending"));
    }
    let at = filed(&mut tx, &r).await?;
    record(
        &mut tx,
        NewEvent::by(scope, "case.refer", "case", id, &at)
            .after(serde_json::json!({"from_org": r.org_id, "to_org": n.to_org})),
    )
    .await?;
    let d = case(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(d)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Answer {
    pub accept: bool,
    /// Why not (a decline needs it).
    #[serde(default)]
    pub reason: String,
}

/// Answer a referral made to the caller's organisation: accepting moves
/// the case (the old holder in the WHERE: of two answers one wins); a
/// decline, with its reason, leaves it where it was.
pub async fn answer(
    db: &Db,
    scope: &Scope,
    referral_id: i64,
    a: &Answer,
) -> Result<Referral, AppError> {
    let mut tx = db.write().await?;
    let r = fetch_optional!(
        &mut tx,
        Referral,
        sqlx::AssertSqlSafe(format!("SELECT {REFERRAL_COLUMNS} WHERE r.id = $1")),
        referral_id
    )?
    .ok_or(AppError::NotFound)?;
    if !answers(scope, &r) {
        return Err(if scope.org_id() == r.from_org {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    // A reason is needed to decline: checked once the referral is known
    // to be theirs (a schema cannot say it depends on the answer).
    if !a.accept {
        let mut errors = Invalid::default();
        errors.reason("reason", &a.reason, 500);
        errors.into_result()?;
    }
    let now = Ts::from(crate::db::now());
    let done = execute!(
        &mut tx,
        "UPDATE case_referrals SET status = $1, answer = $2, answered_by = $3, answered_at = $4 WHERE id = $5 AND status = 'pending'",
        if a.accept { "accepted" } else { "declined" },
        a.reason.trim(),
        scope.account_id(),
        now,
        referral_id
    )?;
    if done == 0 {
        return Err(AppError::Conflict("err-case-referral-answered"));
    }
    if a.accept {
        let moved = execute!(
            &mut tx,
            "UPDATE cases SET org_id = $1, updated_at = $2 WHERE id = $3 AND org_id = $4",
            r.to_org,
            now,
            r.case_id,
            r.from_org
        )?;
        if moved == 0 {
            return Err(AppError::Conflict("err-case-referral-answered"));
        }
    }
    let c = row(&mut tx, r.case_id).await?.ok_or(AppError::NotFound)?;
    let at = filed(&mut tx, &c).await?;
    record(
        &mut tx,
        NewEvent::by(
            scope,
            if a.accept {
                "case.accept"
            } else {
                "case.decline"
            },
            "case",
            r.case_id,
            &at,
        )
        .reason(a.reason.trim())
        .after(serde_json::json!({"from_org": r.from_org, "to_org": r.to_org})),
    )
    .await?;
    let r = fetch_optional!(
        &mut tx,
        Referral,
        sqlx::AssertSqlSafe(format!("SELECT {REFERRAL_COLUMNS} WHERE r.id = $1")),
        referral_id
    )?
    .map(street)
    .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(r)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Closing {
    #[schema(value_type = CaseOutcome)]
    pub outcome: String,
    #[serde(default)]
    pub note: String,
}

/// Close a case the caller's organisation holds, with its outcome; not
/// while a referral waits.
pub async fn close(db: &Db, scope: &Scope, id: i64, c: &Closing) -> Result<CaseDetail, AppError> {
    let mut errors = Invalid::default();
    let outcome = CaseOutcome::parse(c.outcome.trim());
    if outcome.is_none() {
        errors.push(FieldError::new("outcome", "err-case-outcome"));
    }
    errors.optional("note", &c.note, 1000);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let r = held(&mut tx, scope, id).await?;
    if !referrals_of(&mut tx, id, true).await?.is_empty() {
        return Err(AppError::Conflict("err-case-referral-pending"));
    }
    let now = Ts::from(crate::db::now());
    let done = execute!(
        &mut tx,
        "UPDATE cases SET status = 'closed', outcome = $1, closing_note = $2, closed_at = $3, updated_at = $3 WHERE id = $4 AND status = 'open'",
        outcome.map(CaseOutcome::as_str).unwrap_or_default(),
        c.note.trim(),
        now,
        id
    )?;
    if done == 0 {
        return Err(AppError::Conflict("err-case-closed"));
    }
    super::crises::withdraw(&mut tx, id).await?;
    let at = filed(&mut tx, &r).await?;
    record(
        &mut tx,
        NewEvent::by(scope, "case.close", "case", id, &at)
            .after(serde_json::json!({"outcome": outcome.map(CaseOutcome::as_str)})),
    )
    .await?;
    let d = case(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(d)
}

/// Show the person's phone or address: the holder only, audited; the
/// event of a domestic-violence case says so.
pub async fn reveal(
    db: &Db,
    scope: &Scope,
    id: i64,
    field: &str,
    reason: &str,
) -> Result<String, AppError> {
    let mut tx = db.write().await?;
    let r = held(&mut tx, scope, id).await?;
    let value = match field {
        "person_phone" => Some(r.person_phone.clone()),
        "person_address" => Some(r.person_address.clone()),
        _ => None,
    };
    let at = filed(&mut tx, &r).await?;
    let dv = r.category() == CaseCategory::DomesticViolence;
    let v = crate::audit::store::reveal_assigned_in(
        &mut tx,
        scope,
        crate::audit::store::Reveal {
            entity: "case",
            id,
            division_code: &at,
            field: if dv {
                match field {
                    "person_phone" => "person_phone (domestic_violence)",
                    _ => "person_address (domestic_violence)",
                }
            } else {
                field
            },
            value,
        },
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

/// Raise every referral unanswered past `REFERRAL_HOURS` once: an event
/// the office hears, and the referral marked.
pub async fn escalate_referrals(db: &Db, now: OffsetDateTime) -> Result<usize, AppError> {
    let mut tx = db.write().await?;
    let rows = fetch_all!(
        &mut tx,
        (i64, i64),
        "UPDATE case_referrals SET escalated_at = $1
         WHERE status = 'pending' AND escalated_at IS NULL AND created_at < $2
         RETURNING id, case_id",
        Ts::from(now),
        Ts::from(now - Duration::hours(REFERRAL_HOURS))
    )?;
    for (referral, case_id) in &rows {
        let at = filed_at(&mut tx, *case_id).await?;
        let e = NewEvent::by_or_system(None, "case.referral_overdue", "case", *case_id, &at);
        record(
            &mut tx,
            e.after(serde_json::json!({"referral_id": referral})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}
