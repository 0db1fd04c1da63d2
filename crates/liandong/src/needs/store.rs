//! SQL for needs.

use super::import::{Rejected, RowProblem, content_key};
use super::model::{
    CALL_LOCK, CallReport, Channel, CheckedNeed, Deadline, FAILED_CALLS_TO_ESCALATE, Level, Need,
    NeedRow, NeedStatus, NewNeed, Probe, PublicNeed, ServiceLevels, Similar, StepRefused, TRACKED,
    TimelineEntry, Urgency, escalation, holder, likeness, new_reference, transition,
};
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::{Reveal, record};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::oneshot;

use crate::db::group::Job;
use crate::db::{Db, Tx};
use crate::divisions::model::jurisdiction_id;
use crate::web::error::{AppError, FieldError};
use crate::{fetch_all, fetch_optional, fetch_scalar};

const NEED_COLUMNS: &str = "id, reference, channel, kind, urgency, vulnerable, people, description, contact_name, contact_phone, address, division_code, by_jurisdiction, jurisdiction_code, status, escalated, locked_by, (SELECT display_name FROM accounts WHERE accounts.id = needs.locked_by) AS locked_by_name, locked_until, call_back_at, created_at, story_key, merged_into";
/// Needs held inside the caller's jurisdiction ($1).
fn visible() -> String {
    crate::db::inside("jurisdiction_code", 1)
}

/// What a new need came to: its id and reference, and whether this call
/// made it (a retried submission finds the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub id: i64,
    pub reference: String,
    pub created: bool,
}

/// A checked need with where its address was read and who holds it.
struct Intake {
    need: CheckedNeed,
    channel: Channel,
    /// The division read from the address ("" for none).
    division: String,
    by_jurisdiction: bool,
    held: String,
    created_by: Option<i64>,
}

/// A need the system raises for a known person (a care recipient's
/// routine), held by their community, inside the caller's transaction.
/// The key makes it once: raised again, the first is found.
pub(crate) async fn raise_in(
    tx: &mut Tx,
    need: CheckedNeed,
    division: &str,
) -> Result<Taken, AppError> {
    let intake = Intake {
        need,
        channel: Channel::Care,
        division: division.to_owned(),
        by_jurisdiction: false,
        held: division.to_owned(),
        created_by: None,
    };
    let event = NewEvent::new(None, "system", "", "need.create", "need", 0, "");
    insert_in(tx, &intake, &event).await?
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
    let (division, by_jurisdiction) = read_one(&need.address, scope.jurisdiction()).await?;
    let held = holder(&division, scope.jurisdiction()).ok_or(AppError::Forbidden)?;
    let intake = Intake {
        need,
        channel: Channel::Hotline,
        division,
        by_jurisdiction,
        held,
        created_by: Some(scope.account_id()),
    };
    insert(
        db,
        intake,
        NewEvent::by(scope, "need.create", "need", 0, ""),
    )
    .await
}

/// A need sent by the person asking, without an account (the public
/// form). Nothing is refused for its place: the need is held by the
/// deepest division its address names ("" for none: then by those who
/// see the whole country), so that no request is lost.
pub async fn submit_public(db: &Db, n: &NewNeed, ip: &str, home: &str) -> Result<Taken, AppError> {
    let need = n.validate().map_err(AppError::Invalid)?;
    // Read as the home office would (龙窝村 alone is Xi'an's near 6101);
    // a place it cannot read is the home office's to check by phone.
    let (division, by_jurisdiction) = read_one(&need.address, home).await?;
    let held = if division.is_empty() {
        home.to_owned()
    } else {
        division.clone()
    };
    let intake = Intake {
        need,
        channel: Channel::Public,
        held,
        division,
        by_jurisdiction,
        created_by: None,
    };
    let event = NewEvent::new(None, "public", ip, "need.create", "need", 0, "");
    insert(db, intake, event).await
}

/// Store `intake` once under its idempotency key, with a fresh reference
/// and its `need.create` event (`event`, whose id and division are filled
/// in), through the group-commit writer: the answer comes once the commit
/// holding the need is durable.
async fn insert(db: &Db, intake: Intake, event: NewEvent) -> Result<Taken, AppError> {
    let (reply, answer) = oneshot::channel();
    let job = NeedJob {
        intake,
        event,
        reference: String::new(),
        result: None,
        reply,
    };
    if !db.group::<NeedJob>().send(job).await {
        return Err(anyhow::anyhow!("the intake writer has stopped").into());
    }
    answer
        .await
        .map_err(|_| anyhow::anyhow!("the intake writer dropped a need"))?
}

/// One need in a group commit.
struct NeedJob {
    intake: Intake,
    event: NewEvent,
    /// The reference drawn for it in this run.
    reference: String,
    result: Option<Result<Taken, AppError>>,
    reply: oneshot::Sender<Result<Taken, AppError>>,
}

/// Columns of a need as intake writes it; bound per need in this order.
const INTAKE_COLUMNS: &str = "created_at, updated_at, idempotency_key, channel, kind, urgency, people, description, contact_name, contact_phone, address, division_code, by_jurisdiction, jurisdiction_code, status, created_by, reference, vulnerable, story_key";

#[async_trait::async_trait]
impl Job for NeedJob {
    /// A group's needs in one INSERT a piece, then their events in one:
    /// a need the INSERT skipped (its key taken: a retry or a reuse; its
    /// reference drawn twice) is then taken alone, as an import takes it.
    async fn run(jobs: &mut [NeedJob], tx: &mut Tx) -> sqlx::Result<()> {
        let mut rest = &mut jobs[..];
        for piece in crate::db::pieces(rest.len()) {
            let (now, later) = rest.split_at_mut(piece);
            insert_piece(tx, now).await?;
            rest = later;
        }
        Ok(())
    }

    fn finish(self, committed: Result<(), Arc<sqlx::Error>>) {
        let answer = match (committed, self.result) {
            (Ok(()), Some(result)) => result,
            (Ok(()), None) => Err(anyhow::anyhow!("a need was not run").into()),
            (Err(e), _) => Err(anyhow::anyhow!("committing needs: {e}").into()),
        };
        // The caller may have gone (a closed connection); the need stays.
        let _ = self.reply.send(answer);
    }
}

async fn insert_piece(tx: &mut Tx, jobs: &mut [NeedJob]) -> sqlx::Result<()> {
    let at = crate::db::stamp();
    for job in jobs.iter_mut() {
        job.result = None;
        job.reference = new_reference();
    }
    let sql = format!(
        "INSERT INTO needs ({INTAKE_COLUMNS}) VALUES {} ON CONFLICT DO NOTHING RETURNING id, reference",
        crate::db::values(tx, jobs.len(), 19)
    );
    let made = crate::fetch_all_rows!(
        tx,
        (i64, String),
        sqlx::AssertSqlSafe(sql),
        jobs.iter(),
        |j| (
            at,
            at,
            &j.intake.need.idempotency_key,
            j.intake.channel.as_str(),
            j.intake.need.kind.as_str(),
            j.intake.need.urgency.as_str(),
            j.intake.need.people,
            &j.intake.need.description,
            &j.intake.need.contact_name,
            &j.intake.need.contact_phone,
            &j.intake.need.address,
            &j.intake.division,
            j.intake.by_jurisdiction,
            &j.intake.held,
            NeedStatus::New.as_str(),
            j.intake.created_by,
            &j.reference,
            &j.intake.need.vulnerable,
            super::model::story_key(&j.intake.need.description),
        )
    )?;
    // References are drawn fresh for each need, so the reference tells
    // which need a returned row is.
    let ids: std::collections::HashMap<&str, i64> =
        made.iter().map(|(id, r)| (r.as_str(), *id)).collect();
    let mut events = Vec::with_capacity(made.len());
    for job in jobs.iter_mut() {
        if let Some(&id) = ids.get(job.reference.as_str()) {
            events.push(created_event(&job.intake, &job.event, id));
            job.result = Some(Ok(Taken {
                id,
                reference: job.reference.clone(),
                created: true,
            }));
        }
    }
    if !events.is_empty() {
        crate::audit::store::record_all(tx, events).await?;
    }
    for job in jobs.iter_mut().filter(|j| j.result.is_none()) {
        job.result = Some(insert_in(tx, &job.intake, &job.event).await?);
    }
    Ok(())
}

/// The `need.create` event of the need `id` taken as `intake`. It keeps
/// what the need is, never who or where exactly: events hold no personal
/// data.
fn created_event(intake: &Intake, event: &NewEvent, id: i64) -> NewEvent {
    let after = serde_json::json!({
        "channel": intake.channel.as_str(),
        "kind": intake.need.kind.as_str(),
        "urgency": intake.need.urgency.as_str(),
        "people": intake.need.people,
        "division_code": intake.division,
        "by_jurisdiction": intake.by_jurisdiction,
        "status": NeedStatus::New.as_str(),
    });
    let mut e = event.clone().after(after);
    e.entity_id = id.to_string();
    e.division_code = intake.held.clone();
    e
}

/// `intake` written inside `tx`, which the caller commits: `Err` is a
/// database error, the inner `Err` a refusal of this need that wrote
/// nothing (its key reused with other content).
async fn insert_in(
    tx: &mut Tx,
    intake: &Intake,
    event: &NewEvent,
) -> sqlx::Result<Result<Taken, AppError>> {
    let Intake {
        need,
        channel,
        division,
        by_jurisdiction,
        held,
        created_by,
    } = intake;
    // A reference clashes with one of n needs at n in 10^15: a few draws
    // make a fresh one certain.
    for _ in 0..5 {
        let reference = new_reference();
        // Nothing is inserted when the key is taken: a retry or a reuse,
        // told apart below. On PostgreSQL a submission racing with ours
        // under the same key makes this wait for its commit, so the first
        // need is found, never a second made.
        let id = fetch_optional!(
            tx,
            (i64,),
            "INSERT INTO needs (idempotency_key, channel, kind, urgency, people, description, contact_name, contact_phone, address, division_code, by_jurisdiction, jurisdiction_code, status, created_by, created_at, updated_at, reference, vulnerable, story_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17, $18)
             ON CONFLICT DO NOTHING RETURNING id",
            &need.idempotency_key,
            channel.as_str(),
            need.kind.as_str(),
            need.urgency.as_str(),
            need.people,
            &need.description,
            &need.contact_name,
            &need.contact_phone,
            &need.address,
            division,
            *by_jurisdiction,
            held,
            NeedStatus::New.as_str(),
            *created_by,
            crate::db::stamp(),
            &reference,
            &need.vulnerable,
            super::model::story_key(&need.description),
        )?;
        let Some((id,)) = id else {
            match existing(tx, intake).await? {
                Some(first) => return Ok(first),
                None => continue,
            }
        };
        record(tx, created_event(intake, event, id)).await?;
        return Ok(Ok(Taken {
            id,
            reference,
            created: true,
        }));
    }
    Ok(Err(AppError::Conflict("err-need-retry")))
}

/// What an import came to: the needs it made, and those an earlier
/// upload of the same rows had made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub created: usize,
    pub existing: usize,
}

/// Take the needs of a list, all or none: every row is checked and its
/// address read (as the importer's office would) before anything is
/// written, and any row that cannot be taken (a field wrong, an address
/// outside the jurisdiction) rejects the list with every such row named.
/// Rows taken before (the same content) are not taken again.
pub async fn import(
    db: &Db,
    scope: &Scope,
    rows: Vec<(usize, NewNeed)>,
) -> Result<Result<Imported, Rejected>, AppError> {
    if !scope.role().takes_needs() {
        return Err(AppError::Forbidden);
    }
    // All addresses read at once, on all cores, off the async threads.
    let addresses: Vec<String> = rows
        .iter()
        .map(|(_, n)| n.address.trim().to_owned())
        .collect();
    let read = read_all(addresses, scope.jurisdiction()).await?;
    let mut rejected = Rejected::default();
    let mut intakes = Vec::with_capacity(rows.len());
    for ((line, n), (division, by_jurisdiction)) in rows.iter().zip(read) {
        let held = holder(&division, scope.jurisdiction());
        match (n.check_fields(), held) {
            (Ok(mut need), Some(held)) => intakes.push(Intake {
                need: {
                    need.idempotency_key = content_key(&need);
                    need
                },
                channel: Channel::Import,
                division,
                by_jurisdiction,
                held,
                created_by: Some(scope.account_id()),
            }),
            // Every problem of the row at once: its fields, and its place.
            (checked, held) => {
                let mut errors = checked.err().unwrap_or_default();
                if held.is_none() {
                    errors.push(FieldError::new("address", "err-need-outside"));
                }
                rejected.problems.push(RowProblem {
                    line: *line,
                    errors,
                });
            }
        }
    }
    if !rejected.problems.is_empty() {
        return Ok(Err(rejected));
    }
    // In key order: two imports sharing rows take their locks in one
    // order (PostgreSQL would otherwise deadlock one of them).
    intakes.sort_by(|a, b| a.need.idempotency_key.cmp(&b.need.idempotency_key));
    let mut tx = db.write().await?;
    let mut done = Imported::default();
    let event = NewEvent::by(scope, "need.create", "need", 0, "");
    for intake in intakes {
        let taken = insert_in(&mut tx, &intake, &event).await??;
        if taken.created {
            done.created += 1;
        } else {
            done.existing += 1;
        }
    }
    tx.commit().await?;
    Ok(Ok(done))
}

/// Each address's division code ("" for none) and whether the
/// jurisdiction chose it, read as an office of `jurisdiction` reads: on
/// all cores, off the async threads (the first read in a process builds
/// the matcher).
pub(crate) async fn read_all(
    addresses: Vec<String>,
    jurisdiction: &str,
) -> Result<Vec<(String, bool)>, AppError> {
    let near = jurisdiction_id(jurisdiction);
    let read = tokio::task::spawn_blocking(move || {
        let read = read_with(&addresses, near);
        MATCHER_BUILT.store(true, Ordering::Release);
        read
    })
    .await
    .map_err(anyhow::Error::from)?;
    Ok(read)
}

/// Whether the matcher is built: from then on one address is read in
/// place (a microsecond), not sent to a blocking thread and back.
static MATCHER_BUILT: AtomicBool = AtomicBool::new(false);

pub(crate) fn read_with(
    addresses: &[String],
    near: Option<divisions::DivisionId>,
) -> Vec<(String, bool)> {
    let tree = divisions::Tree::china();
    divisions::Resolver::china()
        .near(near)
        .resolve_batch(addresses)
        .into_iter()
        .map(|r| {
            let code = r
                .division
                .map(|d| tree.division(d).code())
                .unwrap_or_default();
            (code, r.by_jurisdiction)
        })
        .collect()
}

/// `read_all` of one address.
pub(crate) async fn read_one(
    address: &str,
    jurisdiction: &str,
) -> Result<(String, bool), AppError> {
    let mut read = if MATCHER_BUILT.load(Ordering::Acquire) {
        read_with(&[address.to_owned()], jurisdiction_id(jurisdiction))
    } else {
        read_all(vec![address.to_owned()], jurisdiction).await?
    };
    Ok(read.pop().unwrap_or_default())
}

/// A need as stored, to tell a retry from a reused key.
#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    reference: Option<String>,
    channel: String,
    created_by: Option<i64>,
    kind: String,
    urgency: String,
    vulnerable: String,
    people: i64,
    description: String,
    contact_name: String,
    contact_phone: String,
    address: String,
}

/// The need stored under `intake`'s key, if any. A retry (the same
/// content, channel and sender) finds it; anything else under the same
/// key (a form sent back after Back, another caller's key) is refused:
/// the first need would be shown for a second, which would be lost, and
/// its reference would reach someone else.
async fn existing(tx: &mut Tx, intake: &Intake) -> sqlx::Result<Option<Result<Taken, AppError>>> {
    let n = &intake.need;
    let Some(s) = fetch_optional!(
        tx,
        Stored,
        "SELECT id, reference, channel, created_by, kind, urgency, vulnerable, people, description, contact_name, contact_phone, address
         FROM needs WHERE idempotency_key = $1",
        &n.idempotency_key
    )?
    else {
        return Ok(None);
    };
    let same = s.channel == intake.channel.as_str()
        && s.created_by == intake.created_by
        && s.kind == n.kind.as_str()
        && s.urgency == n.urgency.as_str()
        && s.vulnerable == n.vulnerable
        && s.people == n.people
        && s.description == n.description
        && s.contact_name == n.contact_name
        && s.contact_phone == n.contact_phone
        && s.address == n.address;
    if !same {
        return Ok(Some(Err(AppError::Conflict("err-need-key-reused"))));
    }
    Ok(Some(Ok(Taken {
        id: s.id,
        reference: s.reference.unwrap_or_default(),
        created: false,
    })))
}

async fn row(tx: &mut Tx, scope: &Scope, id: i64) -> Result<NeedRow, AppError> {
    if !scope.role().sees_needs() {
        return Err(AppError::Forbidden);
    }
    fetch_optional!(
        tx,
        NeedRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {NEED_COLUMNS} FROM needs WHERE id = $2 AND {}",
            visible()
        )),
        scope.jurisdiction(),
        id,
    )?
    .ok_or(AppError::NotFound)
}

/// A need as `scope` may see it: masked, and for roles that watch needs
/// without acting on them (viewers, caseworkers) without the contact's
/// name beyond its first character, nor a domestic-violence tag (who
/// holds such a case decides who learns of it).
fn shown(row: NeedRow, scope: &Scope) -> Need {
    let mut need = row.masked();
    if !scope.role().takes_needs() {
        need.contact_name = super::model::mask_name(&need.contact_name);
        need.vulnerable.retain(|t| t != "domestic_violence");
    }
    need
}

pub async fn get(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Need, AppError> {
    let row = row(tx, scope, id).await?;
    Ok(present(tx, scope, vec![row]).await?.remove(0))
}

/// Rows as `scope` may see them, each with its deadline as of now.
async fn present(tx: &mut Tx, scope: &Scope, rows: Vec<NeedRow>) -> sqlx::Result<Vec<Need>> {
    let levels = service_levels(tx).await?;
    let now = crate::db::now();
    Ok(rows
        .into_iter()
        .map(|r| shown(r, scope).timed(&levels, now))
        .collect())
}

/// The board's WHERE after the caller's jurisdiction ($1), for the
/// filters set: each set filter is its indexable condition, each unset one
/// `$n = ''` (true, so that every statement binds the same parameters);
/// the statuses are our enum's words. The text varies only with which
/// filters are set — never with what was typed, which is bound. (One
/// statement with `$n = '' OR column = $n` for all would be simpler, but
/// no engine can use an index through it: a phone search read every need.)
fn board_where(f: &super::model::CheckedFilter) -> String {
    let on = |set: bool, cond: &str, n: u8| {
        if set {
            format!("AND {cond} ")
        } else {
            format!("AND ${n} = '' ")
        }
    };
    let statuses: Vec<NeedStatus> = f
        .statuses
        .iter()
        .filter_map(|s| NeedStatus::parse(s))
        .collect();
    let mut sql = if statuses.len() == NeedStatus::ALL.len() {
        "AND $2 <> '' ".to_owned()
    } else {
        format!("AND status IN ({}) AND $2 <> '' ", sql_list(&statuses))
    };
    sql += &on(!f.kind.is_empty(), "kind = $3", 3);
    sql += &on(!f.urgency.is_empty(), "urgency = $4", 4);
    sql += &on(!f.channel.is_empty(), "channel = $5", 5);
    sql += &on(f.escalated, "escalated = TRUE AND $6 <> ''", 6);
    sql += &on(
        !f.within.is_empty(),
        "jurisdiction_code >= $7 AND jurisdiction_code < $7 || '~'",
        7,
    );
    sql += &on(!f.reference.is_empty(), "reference = $8", 8);
    sql += &on(!f.phone.is_empty(), "contact_phone = $9", 9);
    sql += &on(
        !f.vulnerable.is_empty(),
        "vulnerable LIKE '%,' || $10 || ',%'",
        10,
    );
    sql
}

/// One page of the board (`BOARD_PAGE` needs) as filtered, and how many
/// needs the filters leave in all; none for roles whose work is not needs.
pub async fn list(
    tx: &mut Tx,
    scope: &Scope,
    f: &super::model::CheckedFilter,
) -> sqlx::Result<(Vec<Need>, i64)> {
    use super::model::BOARD_PAGE;
    if !scope.role().sees_needs() {
        return Ok((Vec::new(), 0));
    }
    let rows = board_rows(tx, scope, f, BOARD_PAGE, (f.page - 1) * BOARD_PAGE).await?;
    let statuses = format!(",{},", f.statuses.join(","));
    let escalated = if f.escalated { "true" } else { "" };
    let total = fetch_scalar!(
        tx,
        i64,
        sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM needs WHERE {} {}",
            visible(),
            board_where(f)
        )),
        scope.jurisdiction(),
        &statuses,
        f.kind,
        f.urgency,
        f.channel,
        escalated,
        &f.within,
        &f.reference,
        &f.phone,
        f.vulnerable,
    )?;
    Ok((present(tx, scope, rows).await?, total))
}

/// The rows of the board as filtered and sorted, `limit` from `offset`.
async fn board_rows(
    tx: &mut Tx,
    scope: &Scope,
    f: &super::model::CheckedFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<NeedRow>> {
    let statuses = format!(",{},", f.statuses.join(","));
    let escalated = if f.escalated { "true" } else { "" };
    let order = if f.by_waiting {
        "created_at, id"
    } else {
        "escalated DESC, CASE urgency WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END, id DESC"
    };
    fetch_all!(
        tx,
        NeedRow,
        // The page's ids first, sorted from the covering index
        // `needs_areas` (narrow entries, no row read), then their rows:
        // sorting whole rows read 100,000 needs for a deep page.
        sqlx::AssertSqlSafe(format!(
            "SELECT {NEED_COLUMNS} FROM needs WHERE id IN (
                 SELECT id FROM needs WHERE {} {} ORDER BY {order} LIMIT $11 OFFSET $12)
             ORDER BY {order}",
            visible(),
            board_where(f)
        )),
        scope.jurisdiction(),
        &statuses,
        f.kind,
        f.urgency,
        f.channel,
        escalated,
        &f.within,
        &f.reference,
        &f.phone,
        f.vulnerable,
        limit,
        offset,
    )
}

/// Every need the board's filter shows (not one page), at most `max`, for
/// an export: each as `scope` sees it, with its phone as stored beside it
/// (the caller decides, and records, whether that is shown).
pub async fn export(
    tx: &mut Tx,
    scope: &Scope,
    f: &super::model::CheckedFilter,
    max: i64,
) -> sqlx::Result<Vec<(Need, String)>> {
    if !scope.role().sees_needs() {
        return Ok(Vec::new());
    }
    let rows = board_rows(tx, scope, f, max, 0).await?;
    let phones: Vec<String> = rows.iter().map(|r| r.contact_phone.clone()).collect();
    let needs = present(tx, scope, rows).await?;
    Ok(needs.into_iter().zip(phones).collect())
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
    let shown = async {
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
    .await;
    crate::audit::store::refusal(db, scope, "need", id, field, shown).await
}

/// What the person who asked may see of their need, by its reference:
/// where it stands, never who or where exactly.
pub async fn by_reference(tx: &mut Tx, reference: &str) -> Result<PublicNeed, AppError> {
    fetch_optional!(
        tx,
        PublicNeed,
        "SELECT id, reference, kind, urgency, status, division_code, created_at, merged_into FROM needs WHERE reference = $1",
        reference
    )?
    .ok_or(AppError::NotFound)
}

impl From<StepRefused> for AppError {
    fn from(r: StepRefused) -> AppError {
        match r {
            StepRefused::State(key) => AppError::Conflict(key),
            StepRefused::Invalid(errors) => AppError::Invalid(errors),
        }
    }
}

/// The need as stored, read for a change inside `tx` (the caller's
/// jurisdiction only), with its status parsed.
async fn for_change(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
) -> Result<(NeedRow, NeedStatus), AppError> {
    if !scope.role().takes_needs() {
        return Err(AppError::Forbidden);
    }
    let need = row(tx, scope, id).await?;
    let status = NeedStatus::parse(&need.status)
        .ok_or_else(|| anyhow::anyhow!("need {id} has an unknown status"))?;
    Ok((need, status))
}

/// Move a need to `to` with the caller's reason: checked by the model
/// (the current state's next states, a reason where one is needed), the
/// change and its event in one transaction. Two people moving the same
/// need at once: the second finds it moved and is told its state.
pub async fn set_status(
    db: &Db,
    scope: &Scope,
    id: i64,
    to: &str,
    reason: &str,
) -> Result<Need, AppError> {
    let Some(to) = NeedStatus::parse(to.trim()) else {
        return Err(AppError::invalid("to", "err-need-status"));
    };
    let mut tx = db.write().await?;
    move_in(&mut tx, scope, id, to, reason).await?;
    let need = get(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(need)
}

/// A status move inside the caller's transaction (dispatch moves needs
/// with the tasks it writes), checked and recorded as `set_status` does.
pub(crate) async fn move_in(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
    to: NeedStatus,
    reason: &str,
) -> Result<(), AppError> {
    let (need, from) = for_change(tx, scope, id).await?;
    apply(tx, Some(scope), &need, from, to, reason).await
}

/// A checked move and its event, by `by` (None: the requester, from the
/// tracking page).
async fn apply(
    tx: &mut Tx,
    by: Option<&Scope>,
    need: &NeedRow,
    from: NeedStatus,
    to: NeedStatus,
    reason: &str,
) -> Result<(), AppError> {
    let to = transition(from, to, reason)?;
    execute_status(tx, need, from, to).await?;
    let e = match by {
        Some(scope) => NewEvent::by(scope, to.action(), "need", need.id, &need.jurisdiction_code),
        None => NewEvent::new(
            None,
            "public",
            "",
            to.action(),
            "need",
            need.id,
            &need.jurisdiction_code,
        ),
    };
    let e = e
        .reason(reason.trim())
        .before(serde_json::json!({ "status": from.as_str() }))
        .after(serde_json::json!({ "status": to.as_str() }));
    record(tx, e).await?;
    Ok(())
}

/// A move its task drives (a squad's step, the requester's word): the
/// assignment is the caller's right to it, not an office's jurisdiction.
/// A need already there is left as it is.
pub(crate) async fn move_by_task(
    tx: &mut Tx,
    by: Option<&Scope>,
    id: i64,
    to: NeedStatus,
) -> Result<(), AppError> {
    let need = fetch_optional!(
        &mut *tx,
        NeedRow,
        sqlx::AssertSqlSafe(format!("SELECT {NEED_COLUMNS} FROM needs WHERE id = $1")),
        id,
    )?
    .ok_or(AppError::NotFound)?;
    let from = NeedStatus::parse(&need.status)
        .ok_or_else(|| anyhow::anyhow!("need {id} has an unknown status"))?;
    if from == to {
        return Ok(());
    }
    apply(tx, by, &need, from, to, "").await
}

/// Raise (`true`) or lower a need's escalation flag, with its event.
pub async fn set_escalated(
    db: &Db,
    scope: &Scope,
    id: i64,
    raise: bool,
    reason: &str,
) -> Result<Need, AppError> {
    let mut tx = db.write().await?;
    let (need, status) = for_change(&mut tx, scope, id).await?;
    escalation(status, need.escalated, raise, reason)?;
    let changed = crate::execute!(
        &mut tx,
        "UPDATE needs SET escalated = $1, updated_at = $2 WHERE id = $3 AND escalated = $4 AND status = $5",
        raise,
        crate::db::stamp(),
        id,
        !raise,
        status.as_str(),
    )?;
    if changed == 0 {
        return Err(AppError::Conflict("err-need-moved"));
    }
    let action = if raise {
        "need.escalate"
    } else {
        "need.deescalate"
    };
    let e = NewEvent::by(scope, action, "need", id, &need.jurisdiction_code).reason(reason.trim());
    record(&mut tx, e).await?;
    let need = get(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(need)
}

/// A need's timeline for staff: every event on it, oldest first (who
/// revealed what included).
pub async fn timeline(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Vec<TimelineEntry>, AppError> {
    row(tx, scope, id).await?;
    Ok(fetch_all!(
        tx,
        TimelineEntry,
        "SELECT at, action, actor_name, reason FROM events
         WHERE entity = 'need' AND entity_id = $1 ORDER BY at, id",
        id.to_string(),
    )?)
}

/// What the person who asked sees happen to their need: the steps of its
/// life and when, oldest first; never who, never why (a reason is staff
/// text and may name people).
pub async fn public_steps(
    tx: &mut Tx,
    need: &PublicNeed,
) -> sqlx::Result<Vec<(time::OffsetDateTime, String)>> {
    let rows = fetch_all!(
        tx,
        (time::OffsetDateTime, String),
        "SELECT at, action FROM events WHERE entity = 'need' AND entity_id = $1 ORDER BY at, id",
        need.id.to_string(),
    )?;
    Ok(rows
        .into_iter()
        .filter(|(_, action)| TRACKED.contains(&action.as_str()))
        .collect())
}

/// A verification call begun: the need (now held for the caller), and the
/// phone to dial in the clear.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CallStarted {
    pub need: Need,
    /// The number to dial: opening it is the call's audited reveal.
    pub phone: String,
}

/// The reason a verification call's reveal is logged with.
pub const CALL_REVEAL_REASON: &str = "核实电话 verification call";

/// Begin a verification call on a new (or being verified) need: the need
/// is held for the caller for `CALL_LOCK` (nobody else calls the resident
/// meanwhile; the same caller may pick it up again), moves to
/// `verifying`, and its phone is revealed to the caller, once per call,
/// with an event naming the call as the reason. All in one transaction.
pub async fn start_call(db: &Db, scope: &Scope, id: i64) -> Result<CallStarted, AppError> {
    let mut tx = db.write().await?;
    let (need, status) = for_change(&mut tx, scope, id).await?;
    if !matches!(status, NeedStatus::New | NeedStatus::Verifying) {
        return Err(StepRefused::State(status.refusal()).into());
    }
    let now = crate::db::now();
    let me = scope.account_id();
    let held_by_me = need.locked_at(now) == Some(me);
    let taken = crate::execute!(
        &mut tx,
        "UPDATE needs SET locked_by = $1, locked_until = $2
         WHERE id = $3 AND (locked_by IS NULL OR locked_by = $1 OR locked_until IS NULL OR locked_until <= $4)",
        me,
        crate::db::Ts::from(now + CALL_LOCK),
        id,
        crate::db::Ts::from(now),
    )?;
    if taken == 0 {
        return Err(AppError::Conflict("err-need-locked"));
    }
    if status == NeedStatus::New {
        let e = NewEvent::by(
            scope,
            NeedStatus::Verifying.action(),
            "need",
            id,
            &need.jurisdiction_code,
        )
        .before(serde_json::json!({ "status": "new" }))
        .after(serde_json::json!({ "status": "verifying" }));
        execute_status(&mut tx, &need, NeedStatus::New, NeedStatus::Verifying).await?;
        record(&mut tx, e).await?;
    }
    let phone = if held_by_me {
        // The same call picked up again: the number was opened already.
        need.contact_phone.clone()
    } else {
        let r = Reveal {
            entity: "need",
            id,
            division_code: &need.jurisdiction_code,
            field: "contact_phone",
            value: Some(need.contact_phone.clone()),
        };
        crate::audit::store::reveal_in(&mut tx, scope, r, CALL_REVEAL_REASON).await?
    };
    let need = get(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(CallStarted { need, phone })
}

/// Write a status move checked by the caller; a need moved meanwhile is a
/// conflict. The first verification and the first delivery keep their
/// minutes since the request on the need (the dashboard's timing).
async fn execute_status(
    tx: &mut Tx,
    need: &NeedRow,
    from: NeedStatus,
    to: NeedStatus,
) -> Result<(), AppError> {
    let now = crate::db::now();
    let minutes = super::model::minutes_between(need.created_at, now);
    let (verified, delivered) = match to {
        NeedStatus::Verified => (Some(minutes), None),
        NeedStatus::Delivered => (None, Some(minutes)),
        _ => (None, None),
    };
    let moved = crate::execute!(
        tx,
        "UPDATE needs SET status = $1, updated_at = $2,
             verified_minutes = COALESCE(verified_minutes, $5),
             delivered_minutes = COALESCE(delivered_minutes, $6)
         WHERE id = $3 AND status = $4",
        to.as_str(),
        crate::db::Ts(now),
        need.id,
        from.as_str(),
        verified,
        delivered,
    )?;
    if moved == 0 {
        return Err(AppError::Conflict("err-need-moved"));
    }
    crate::dispatch::store::need_moved(tx, need.id, to).await?;
    Ok(())
}

/// End the caller's verification call with what it came to. Reached: the
/// corrections heard are kept (an event with before and after), and the
/// verdict moves the need to verified or rejected. Not reached (or asked
/// to call back): the need goes back to `new` and into the call-back
/// queue; the third failed attempt escalates it. The call is kept as an
/// attempt, its event written, the hold released — one transaction.
pub async fn end_call(
    db: &Db,
    scope: &Scope,
    id: i64,
    report: &CallReport,
) -> Result<Need, AppError> {
    let now = crate::db::now();
    let call = report.check(now).map_err(AppError::Invalid)?;
    let mut tx = db.write().await?;
    let (need, status) = for_change(&mut tx, scope, id).await?;
    if need.locked_at(now) != Some(scope.account_id()) || status != NeedStatus::Verifying {
        return Err(AppError::Conflict("err-need-not-calling"));
    }
    crate::execute!(
        &mut tx,
        "INSERT INTO need_calls (need_id, account_id, outcome, call_back_at, note, at) VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        scope.account_id(),
        call.outcome.as_str(),
        call.call_back_at.map(crate::db::Ts::from),
        &call.note,
        crate::db::Ts::from(now),
    )?;
    let jurisdiction = need.jurisdiction_code.clone();
    let event = |action: &'static str| NewEvent::by(scope, action, "need", id, &jurisdiction);
    record(&mut tx, event(call.outcome.action()).reason(&call.note)).await?;
    if call.outcome.reached() {
        // What the call corrected; the event keeps before and after of
        // what changed (never a contact).
        let kind = call
            .kind
            .map_or(need.kind.clone(), |k| k.as_str().to_owned());
        let urgency = call
            .urgency
            .map_or(need.urgency.clone(), |u| u.as_str().to_owned());
        let people = call.people.unwrap_or(need.people);
        let description = call.description.clone().unwrap_or(need.description.clone());
        if (&kind, &urgency, people, &description)
            != (&need.kind, &need.urgency, need.people, &need.description)
        {
            crate::execute!(
                &mut tx,
                "UPDATE needs SET kind = $1, urgency = $2, people = $3, description = $4, story_key = $5 WHERE id = $6",
                &kind,
                &urgency,
                people,
                &description,
                super::model::story_key(&description),
                id,
            )?;
            let before = serde_json::json!({"kind": need.kind, "urgency": need.urgency, "people": need.people});
            let after = serde_json::json!({"kind": kind, "urgency": urgency, "people": people});
            record(&mut tx, event("need.correct").before(before).after(after)).await?;
        }
    }
    // Reached: the verdict, if one was given. Not reached, or asked to
    // call back later: back to new, for the queue.
    let to = if call.outcome == super::model::CallOutcome::Reached {
        call.verdict
    } else {
        Some(NeedStatus::New)
    };
    if let Some(to) = to {
        let to = transition(status, to, &call.reason)?;
        execute_status(&mut tx, &need, status, to).await?;
        record(
            &mut tx,
            event(to.action())
                .reason(&call.reason)
                .before(serde_json::json!({ "status": status.as_str() }))
                .after(serde_json::json!({ "status": to.as_str() })),
        )
        .await?;
    }
    let call_back = if to == Some(NeedStatus::New) {
        call.call_back_at
    } else {
        None
    };
    crate::execute!(
        &mut tx,
        "UPDATE needs SET locked_by = NULL, locked_until = NULL, call_back_at = $1, updated_at = $2 WHERE id = $3",
        call_back.map(crate::db::Ts::from),
        crate::db::Ts::from(now),
        id,
    )?;
    if !call.outcome.reached() && !need.escalated {
        let failed = fetch_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM need_calls WHERE need_id = $1 AND outcome NOT IN ('reached', 'call_back')",
            id
        )?;
        if failed >= FAILED_CALLS_TO_ESCALATE {
            crate::execute!(
                &mut tx,
                "UPDATE needs SET escalated = $1 WHERE id = $2",
                true,
                id
            )?;
            let why = format!("{failed} 次未接通 ({failed} calls not reached)");
            record(&mut tx, event("need.escalate").reason(&why)).await?;
        }
    }
    let need = get(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(need)
}

/// The call-back queue: needs waiting for another call, soonest due
/// first (at most 200).
pub async fn call_backs(tx: &mut Tx, scope: &Scope) -> sqlx::Result<Vec<Need>> {
    if !scope.role().takes_needs() {
        return Ok(Vec::new());
    }
    let rows = fetch_all!(
        tx,
        NeedRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {NEED_COLUMNS} FROM needs WHERE call_back_at IS NOT NULL AND status IN ('new', 'verifying') AND {}
             ORDER BY call_back_at, id LIMIT 200",
            visible()
        )),
        scope.jurisdiction(),
    )?;
    present(tx, scope, rows).await
}

/// The deployment's service levels: the defaults where an admin set none.
pub async fn service_levels(tx: &mut Tx) -> sqlx::Result<ServiceLevels> {
    let rows = fetch_all!(
        tx,
        (String, i64, i64),
        "SELECT urgency, verify_minutes, deliver_minutes FROM service_levels"
    )?;
    let mut levels = ServiceLevels::default();
    for (u, verify_minutes, deliver_minutes) in rows {
        if let Some(u) = Urgency::parse(&u) {
            *levels.of_mut(u) = Level {
                verify_minutes,
                deliver_minutes,
            };
        }
    }
    Ok(levels)
}

/// Set the service levels: an admin whose jurisdiction holds the
/// deployment's home (a district's admin does not set the city's), with
/// the change as an event.
pub async fn set_service_levels(
    db: &Db,
    scope: &Scope,
    home: &str,
    levels: &ServiceLevels,
) -> Result<ServiceLevels, AppError> {
    if !scope.role().administers() || !home.starts_with(scope.jurisdiction()) {
        return Err(AppError::Forbidden);
    }
    levels.check()?;
    let mut tx = db.write().await?;
    let before = service_levels(&mut tx).await?;
    for &u in Urgency::ALL {
        let l = levels.of(u);
        crate::execute!(
            &mut tx,
            "INSERT INTO service_levels (urgency, verify_minutes, deliver_minutes, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (urgency) DO UPDATE SET verify_minutes = excluded.verify_minutes,
               deliver_minutes = excluded.deliver_minutes, updated_at = excluded.updated_at,
               updated_by = excluded.updated_by",
            u.as_str(),
            l.verify_minutes,
            l.deliver_minutes,
            crate::db::stamp(),
            scope.account_id(),
        )?;
    }
    let e = NewEvent::by(scope, "service_levels.set", "service_levels", "home", home)
        .before(before)
        .after(levels);
    record(&mut tx, e).await?;
    tx.commit().await?;
    Ok(*levels)
}

/// Escalate every open need past its service level's deadline as of
/// `now`, each with its event. Once per deadline: a flag lowered by hand
/// stays down until the next deadline passes. Of several servers sweeping
/// at once, each need is escalated by one (the old mark is in the
/// `WHERE`). Returns how many were escalated.
pub async fn escalate_overdue(db: &Db, now: time::OffsetDateTime) -> Result<usize, AppError> {
    let mut tx = db.write().await?;
    let levels = service_levels(&mut tx).await?;
    let mut escalated = 0;
    for &d in Deadline::ALL {
        let statuses = sql_list(d.statuses());
        for &u in Urgency::ALL {
            let due = time::Duration::minutes(levels.minutes(u, d));
            let rows = fetch_all!(
                &mut tx,
                (i64, String, String, time::OffsetDateTime),
                sqlx::AssertSqlSafe(format!(
                    "UPDATE needs SET escalated = TRUE, escalated_for = $1, updated_at = $2
                     WHERE urgency = $3 AND status IN ({statuses}) AND created_at < $4
                       AND escalated_for <> $1
                     RETURNING id, jurisdiction_code, status, created_at"
                )),
                d.as_str(),
                crate::db::Ts::from(now),
                u.as_str(),
                crate::db::Ts::from(now - due),
            )?;
            for (id, held, status, asked) in rows {
                let e = NewEvent::new(None, "system", "", "need.overdue", "need", id, &held).after(
                    serde_json::json!({
                        "deadline": d.as_str(),
                        "status": status,
                        "due_at": (asked + due).format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                    }),
                );
                record(&mut tx, e).await?;
                escalated += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(escalated)
}

/// The escalated needs that the caller's organisation answers for: open
/// needs in the caller's jurisdiction whose kind belongs to a coalition
/// working group the organisation leads, most urgent and longest waiting
/// first (at most 200).
pub async fn escalations(tx: &mut Tx, scope: &Scope) -> sqlx::Result<Vec<Need>> {
    if !scope.role().sees_needs() {
        return Ok(Vec::new());
    }
    let open = open_statuses();
    let rows = fetch_all!(
        tx,
        NeedRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {NEED_COLUMNS} FROM needs WHERE {} AND escalated = TRUE AND status IN ({open})
               AND EXISTS (SELECT 1 FROM working_group_leads l
                 JOIN working_groups g ON g.id = l.working_group_id
                 WHERE l.org_id = $2 AND g.need_kinds LIKE '%,' || needs.kind || ',%')
             ORDER BY CASE urgency WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END, created_at, id
             LIMIT 200",
            visible()
        )),
        scope.jurisdiction(),
        scope.org_id(),
    )?;
    present(tx, scope, rows).await
}

/// SQL list of the open statuses.
fn open_statuses() -> String {
    let open: Vec<NeedStatus> = NeedStatus::ALL
        .iter()
        .copied()
        .filter(|s| s.is_open())
        .collect();
    sql_list(&open)
}

/// Statuses as an SQL list for `IN (…)`: words of our own enum, never input.
fn sql_list(statuses: &[NeedStatus]) -> String {
    statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Open needs in the caller's jurisdiction that look like `probe` (the
/// same phone; the same community and kind within days; the same story),
/// other than `except`, newest first (at most 20), each with why.
pub async fn similar(
    tx: &mut Tx,
    scope: &Scope,
    probe: &Probe,
    except: i64,
) -> sqlx::Result<Vec<Similar>> {
    if !scope.role().takes_needs() {
        return Ok(Vec::new());
    }
    let days = time::Duration::days(super::model::SAME_PLACE_DAYS);
    let rows = fetch_all!(
        tx,
        NeedRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {NEED_COLUMNS} FROM needs WHERE {} AND id <> $2 AND status IN ({})
               AND (($3 <> '' AND contact_phone = $3)
                 OR ($4 <> '' AND division_code = $4 AND kind = $5 AND created_at > $6 AND created_at < $7)
                 OR ($8 <> '' AND story_key = $8))
             ORDER BY created_at DESC, id DESC LIMIT 20",
            visible(),
            open_statuses()
        )),
        scope.jurisdiction(),
        except,
        &probe.phone,
        &probe.community,
        &probe.kind,
        crate::db::Ts::from(probe.at - days),
        crate::db::Ts::from(probe.at + days),
        &probe.story,
    )?;
    let reasons: Vec<Vec<&'static str>> = rows.iter().map(|r| likeness(probe, r)).collect();
    let needs = present(tx, scope, rows).await?;
    Ok(needs
        .into_iter()
        .zip(reasons)
        .map(|(need, reasons)| Similar { need, reasons })
        .collect())
}

/// Open needs that look like need `id`.
pub async fn similar_to(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Vec<Similar>, AppError> {
    if !scope.role().takes_needs() {
        return Err(AppError::Forbidden);
    }
    let need = row(tx, scope, id).await?;
    Ok(similar(tx, scope, &Probe::of(&need), id).await?)
}

/// Merge need `id` into need `into`: `id` becomes a duplicate pointing at
/// `into` (its flag, hold and call-back dropped), both keep their
/// histories, each gets an event. Both must be open and in the caller's
/// jurisdiction. The two rows are written in id order with their read
/// status in the `WHERE`, so two people merging A into B and B into A at
/// once end with one merge and one told the need moved.
pub async fn merge(
    db: &Db,
    scope: &Scope,
    id: i64,
    into: i64,
    reason: &str,
) -> Result<Need, AppError> {
    let mut tx = db.write().await?;
    let (need, from) = for_change(&mut tx, scope, id).await?;
    let (survivor, to) = match for_change(&mut tx, scope, into).await {
        Err(AppError::NotFound) => return Err(AppError::invalid("into", "err-need-merge-unknown")),
        other => other?,
    };
    super::model::merge(id, from, into, to, reason.trim())?;
    let mut order = [(id, from), (into, to)];
    order.sort_by_key(|(i, _)| *i);
    for (which, status) in order {
        let changed = if which == id {
            crate::execute!(
                &mut tx,
                "UPDATE needs SET status = $1, merged_into = $2, escalated = FALSE, locked_by = NULL,
                   locked_until = NULL, call_back_at = NULL, updated_at = $3
                 WHERE id = $4 AND status = $5",
                NeedStatus::Duplicate.as_str(),
                into,
                crate::db::stamp(),
                id,
                status.as_str(),
            )?
        } else {
            crate::execute!(
                &mut tx,
                "UPDATE needs SET updated_at = $1 WHERE id = $2 AND status = $3",
                crate::db::stamp(),
                into,
                status.as_str(),
            )?
        };
        if changed == 0 {
            return Err(AppError::Conflict("err-need-moved"));
        }
    }
    crate::dispatch::store::need_moved(&mut tx, id, NeedStatus::Duplicate).await?;
    let e = NewEvent::by(scope, "need.merge", "need", id, &need.jurisdiction_code)
        .reason(reason.trim())
        .before(serde_json::json!({ "status": from.as_str() }))
        .after(serde_json::json!({ "status": "duplicate", "into": into }));
    record(&mut tx, e).await?;
    let e = NewEvent::by(
        scope,
        "need.absorb",
        "need",
        into,
        &survivor.jurisdiction_code,
    )
    .reason(reason.trim())
    .after(serde_json::json!({ "from": id }));
    record(&mut tx, e).await?;
    let need = get(&mut tx, scope, into).await?;
    tx.commit().await?;
    Ok(need)
}

/// The reference of the need that a merged need's requests now follow:
/// the end of its chain of merges (a few links at most).
pub async fn surviving_reference(tx: &mut Tx, need: &PublicNeed) -> sqlx::Result<Option<String>> {
    let mut next = need.merged_into;
    let mut reference = None;
    for _ in 0..8 {
        let Some(id) = next else { break };
        let row = fetch_optional!(
            tx,
            (Option<String>, Option<i64>),
            "SELECT reference, merged_into FROM needs WHERE id = $1",
            id
        )?;
        let Some((r, n)) = row else { break };
        reference = r.or(reference);
        next = n;
    }
    Ok(reference)
}

/// Open needs that look like one being typed at the hotline: its phone
/// (any spelling), its address (read as the caller's office would), kind
/// and story; only what was typed counts.
pub async fn similar_typed(
    db: &Db,
    scope: &Scope,
    typed: &super::model::SimilarQuery,
) -> Result<Vec<Similar>, AppError> {
    // Like every list: empty for roles whose work is not taking needs.
    if !scope.role().takes_needs() {
        return Ok(Vec::new());
    }
    let mut errors = crate::web::error::Invalid::default();
    for (field, v, max) in [
        ("phone", &typed.phone, 40),
        ("address", &typed.address, 500),
        ("kind", &typed.kind, 20),
        ("description", &typed.description, 2000),
    ] {
        errors.optional(field, v, max);
    }
    errors.into_result()?;
    let phone = crate::phone::normalize(&typed.phone).unwrap_or_default();
    let division = if typed.address.trim().is_empty() {
        String::new()
    } else {
        read_one(typed.address.trim(), scope.jurisdiction())
            .await
            .map(|(d, _)| d)
            .unwrap_or_default()
    };
    let kind = super::model::NeedKind::parse(typed.kind.trim())
        .map(|k| k.as_str())
        .unwrap_or("");
    let probe = Probe::new(
        &phone,
        &division,
        kind,
        &typed.description,
        crate::db::now(),
    );
    if probe.phone.is_empty()
        && probe.story.is_empty()
        && (probe.community.is_empty() || kind.is_empty())
    {
        return Ok(Vec::new());
    }
    let mut tx = db.read().await?;
    Ok(similar(&mut tx, scope, &probe, 0).await?)
}
