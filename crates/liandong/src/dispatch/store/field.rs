//! The field side of dispatch (接单 / 去程 / 回程): a squad's legs as its
//! members see them on a phone, the steps they report (each an event, the
//! need and its goods moved with them), the recipient shown to the squad
//! at the door only, the leader's debrief; the dispatcher's live board with
//! its alarms; the requester's word from the tracking page.

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::coordinates;
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::{Reveal, record, reveal_assigned_in};
use crate::db::{Db, Ts, Tx, inside};
use crate::dispatch::model::{
    Alarm, CODE_TRIES, Debrief, LegAt, LegKind, LegStatus, Received, ReceivedOutcome, Step,
    StepInput, advance, alarm, next_steps, sql_set,
};
use crate::needs::model::NeedStatus;
use crate::supply::model::ReservationStatus;
use crate::web::error::{AppError, Invalid};
use crate::{execute, fetch_all, fetch_optional};

/// The signed-in volunteer's squad, and whether they lead it (or it has
/// no leader, when any member speaks for it).
struct Me {
    squad_id: i64,
    squad_name: String,
    leads: bool,
}

/// None: a volunteer in no squad. Not found: no volunteer record linked
/// to the account (as for /api/volunteers/me).
async fn me(tx: &mut Tx, scope: &Scope) -> Result<Option<Me>, AppError> {
    let (volunteer, squad, name, leader) = fetch_optional!(
        &mut *tx,
        (i64, Option<i64>, Option<String>, Option<i64>),
        "SELECT v.id, m.squad_id, s.name, s.leader_id FROM volunteers v
         LEFT JOIN squad_members m ON m.volunteer_id = v.id AND m.left_at IS NULL
         LEFT JOIN squads s ON s.id = m.squad_id
         WHERE v.account_id = $1",
        scope.account_id()
    )?
    .ok_or(AppError::NotFound)?;
    Ok(squad.zip(name).map(|(squad_id, squad_name)| Me {
        squad_id,
        squad_name,
        leads: leader.is_none_or(|l| l == volunteer),
    }))
}

/// A leg with what its views and steps read.
#[derive(Debug, Clone, sqlx::FromRow)]
struct LegRow {
    id: i64,
    task_id: i64,
    leg: String,
    squad_id: i64,
    squad_name: String,
    status: String,
    updated_at: OffsetDateTime,
    debrief: String,
    /// The outside leg's hand-off at the gate (the inside leg's start).
    gate_at: Option<OffsetDateTime>,
    /// The other leg's squad.
    partner: Option<String>,
    need_id: i64,
    task_status: String,
    kind: String,
    division_code: String,
    gate_division: Option<String>,
    gate_compound: Option<String>,
    due_at: Option<OffsetDateTime>,
    delivery_code: String,
    code_tries: i64,
    confirmed_at: Option<OffsetDateTime>,
    carries: i64,
    reference: Option<String>,
    urgency: String,
    need_status: String,
}

const LEG_SELECT: &str = "SELECT l.id, l.task_id, l.leg, l.squad_id, s.name AS squad_name, l.status, l.updated_at, l.debrief,
        (SELECT g.dropped_at FROM task_legs g WHERE g.task_id = l.task_id AND g.leg = 'to_gate') AS gate_at,
        (SELECT o.name FROM task_legs g JOIN squads o ON o.id = g.squad_id WHERE g.task_id = l.task_id AND g.id <> l.id) AS partner,
        t.need_id, t.status AS task_status, t.kind, t.division_code,
        z.division_code AS gate_division, z.compound AS gate_compound,
        t.due_at, t.delivery_code, t.code_tries, t.confirmed_at,
        (SELECT COUNT(*) FROM reservations r WHERE r.need_id = t.need_id AND r.status IN ('held', 'dispatched', 'delivered')) AS carries,
        n.reference, n.urgency, n.status AS need_status
     FROM task_legs l JOIN tasks t ON t.id = l.task_id JOIN needs n ON n.id = t.need_id
     JOIN squads s ON s.id = l.squad_id LEFT JOIN zones z ON z.id = t.zone_id";

/// Legs whose squads are done with them, as an SQL list.
fn over() -> String {
    sql_set(LegStatus::over)
}

impl LegRow {
    fn kind(&self) -> LegKind {
        LegKind::parse(&self.leg).unwrap_or(LegKind::Whole)
    }

    fn status(&self) -> LegStatus {
        LegStatus::parse(&self.status).unwrap_or(LegStatus::Cancelled)
    }

    fn at(&self) -> LegAt {
        LegAt {
            leg: self.kind(),
            status: self.status(),
            carries: self.carries > 0,
            gate_handed: self.gate_at.is_some(),
            ended: self.task_status != "open",
        }
    }

    /// When the leg's current step began, for its alarm: the inside squad
    /// waits for the gate, so its clock to leave and to pick up starts
    /// at the hand-off.
    fn since(&self) -> Option<OffsetDateTime> {
        let waits = self.kind() == LegKind::Inside
            && matches!(self.status(), LegStatus::Accepted | LegStatus::Departed);
        if waits {
            self.gate_at.map(|g| g.max(self.updated_at))
        } else {
            Some(self.updated_at)
        }
    }

    fn alarm(&self, now: OffsetDateTime) -> Option<(Alarm, i64)> {
        if self.task_status != "open" && !self.status().out() {
            return None;
        }
        alarm(self.status(), self.since(), now)
    }

    /// Past the need's deadline and not yet delivered.
    fn late(&self, now: OffsetDateTime) -> bool {
        self.task_status == "open" && self.due_at.is_some_and(|d| d < now)
    }
}

async fn leg_row(tx: &mut Tx, id: i64) -> sqlx::Result<Option<LegRow>> {
    fetch_optional!(
        &mut *tx,
        LegRow,
        sqlx::AssertSqlSafe(format!("{LEG_SELECT} WHERE l.id = $1")),
        id
    )
}

/// Goods a task carries, line by line (no personal data).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct FieldPick {
    pub depot_id: i64,
    pub depot_name: String,
    pub depot_address: String,
    pub item_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub quantity: i64,
    #[schema(value_type = ReservationStatus)]
    pub status: String,
}

async fn picks(tx: &mut Tx, need_id: i64) -> sqlx::Result<Vec<FieldPick>> {
    fetch_all!(
        &mut *tx,
        FieldPick,
        "SELECT r.depot_id, d.name AS depot_name, d.address AS depot_address, r.item_id,
                i.name_zh, i.name_en, i.unit_zh, i.unit_en, r.quantity, r.status
         FROM reservations r JOIN depots d ON d.id = r.depot_id JOIN items i ON i.id = r.item_id
         WHERE r.need_id = $1 AND r.status IN ('held', 'dispatched', 'delivered') ORDER BY r.id",
        need_id
    )
}

/// A leg as its squad sees it: what to carry from where, to which gate or
/// community (the door itself only on asking, see `reveal`), the steps it
/// may take next, and whether it is late.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldLeg {
    pub id: i64,
    /// The task's number (never the need's reference: that is the
    /// requester's key to their tracking page and its code).
    pub task_id: i64,
    #[schema(value_type = LegKind)]
    pub leg: String,
    #[schema(value_type = LegStatus)]
    pub status: String,
    /// The task at the door (a training task kind).
    pub kind: String,
    #[schema(value_type = crate::needs::model::Urgency)]
    pub urgency: String,
    /// The need's community (its place; the address is revealed apart).
    pub division_code: String,
    /// The sealed zone's gate: its division and compound.
    pub gate_division: Option<String>,
    pub gate_compound: Option<String>,
    /// The squad on the other side of the gate.
    pub partner: Option<String>,
    pub picks: Vec<FieldPick>,
    /// By when the need should be delivered.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<OffsetDateTime>,
    /// When the last step was taken.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub since: OffsetDateTime,
    pub next: Vec<Step>,
    pub alarm: Option<Alarm>,
    /// Minutes over the step's limit.
    pub over_min: i64,
    /// The requester already confirmed (no code is asked at the door).
    pub confirmed: bool,
    /// Five wrong codes: the door needs the requester's confirmation or a
    /// reason.
    pub code_locked: bool,
    pub debrief: String,
}

async fn field_leg(tx: &mut Tx, r: LegRow, now: OffsetDateTime) -> sqlx::Result<FieldLeg> {
    let alarm = r.alarm(now);
    let next = next_steps(r.at());
    Ok(FieldLeg {
        picks: picks(tx, r.need_id).await?,
        id: r.id,
        task_id: r.task_id,
        leg: r.leg.clone(),
        status: r.status.clone(),
        kind: r.kind.clone(),
        urgency: r.urgency.clone(),
        division_code: r.division_code.clone(),
        gate_division: r.gate_division.clone(),
        gate_compound: r.gate_compound.clone(),
        partner: r.partner.clone(),
        due_at: r.due_at,
        since: r.updated_at,
        next,
        alarm: alarm.map(|a| a.0),
        over_min: alarm.map_or(0, |a| a.1),
        confirmed: r.confirmed_at.is_some(),
        code_locked: r.code_tries >= CODE_TRIES,
        debrief: r.debrief,
    })
}

/// The signed-in volunteer's squad and its legs: those under way first,
/// then the last day's finished ones (to debrief).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyLegs {
    pub squad_id: Option<i64>,
    pub squad_name: Option<String>,
    /// They may accept, decline and debrief for the squad.
    pub leads: bool,
    pub legs: Vec<FieldLeg>,
}

pub async fn mine(tx: &mut Tx, scope: &Scope) -> Result<MyLegs, AppError> {
    let Some(me) = me(tx, scope).await? else {
        return Ok(MyLegs {
            squad_id: None,
            squad_name: None,
            leads: false,
            legs: Vec::new(),
        });
    };
    let now = crate::db::now();
    let over = over();
    let rows = fetch_all!(
        &mut *tx,
        LegRow,
        sqlx::AssertSqlSafe(format!(
            "{LEG_SELECT} WHERE l.squad_id = $1 AND (l.status NOT IN {over} OR l.updated_at >= $2)
             ORDER BY CASE WHEN l.status IN {over} THEN 1 ELSE 0 END, l.id DESC LIMIT 50"
        )),
        me.squad_id,
        Ts(now - Duration::days(1))
    )?;
    let mut legs = Vec::with_capacity(rows.len());
    for r in rows {
        legs.push(field_leg(tx, r, now).await?);
    }
    Ok(MyLegs {
        squad_id: Some(me.squad_id),
        squad_name: Some(me.squad_name),
        leads: me.leads,
        legs,
    })
}

/// One of my squad's legs, for a change (else not found: another squad's
/// leg is not told to exist).
async fn my_leg(tx: &mut Tx, scope: &Scope, id: i64) -> Result<(Me, LegRow), AppError> {
    let me = me(tx, scope).await?.ok_or(AppError::NotFound)?;
    let row = leg_row(tx, id)
        .await?
        .filter(|r| r.squad_id == me.squad_id)
        .ok_or(AppError::NotFound)?;
    Ok((me, row))
}

/// The event a step writes.
fn action(step: Step) -> &'static str {
    match step {
        Step::Accept => "task.accept",
        Step::Decline => "task.decline",
        Step::Depart => "task.depart",
        Step::PickUp => "task.pick_up",
        Step::HandOff => "task.hand_off",
        Step::Deliver => "task.deliver",
        Step::Back => "task.back",
    }
}

/// The column a status's time is kept in.
fn stamp_column(to: LegStatus) -> Option<&'static str> {
    match to {
        LegStatus::Accepted => Some("accepted_at"),
        LegStatus::Departed => Some("departed_at"),
        LegStatus::PickedUp => Some("picked_at"),
        LegStatus::HandedOff | LegStatus::Delivered => Some("dropped_at"),
        LegStatus::Back => Some("back_at"),
        _ => None,
    }
}

/// Report a step on one of my squad's legs. Checked against the leg's
/// state and its other leg (the goods are at the gate before the inside
/// squad takes them); the same step twice answers as the first did. Each
/// step is an event, and moves what it moves in the same transaction:
/// leaving puts the need in progress; picking up at the depot sends its
/// goods out (held → dispatched); at the gate the need's page says so; at
/// the door the requester's code confirms (five wrong tries lock it; then
/// a reason must be given), the goods are delivered and so is the need;
/// back home, the last squad back closes a confirmed need. A decline —
/// before leaving, and only while no squad of the task is out — sends the
/// need back to the queue (verified), its goods still held for it.
pub async fn step(
    db: &Db,
    scope: &Scope,
    leg_id: i64,
    input: &StepInput,
) -> Result<FieldLeg, AppError> {
    input.check()?;
    let mut tx = db.write().await?;
    let (me, row) = my_leg(&mut tx, scope, leg_id).await?;
    // The task's row is taken first: two squads' steps on one task (both
    // coming home, a code tried twice at once) run one after the other on
    // PostgreSQL too, each seeing what the other wrote.
    lock_task(&mut tx, row.task_id).await?;
    let row = leg_row(&mut tx, row.id).await?.ok_or(AppError::NotFound)?;
    if input.step.leaders() && !me.leads {
        return Err(AppError::Refused("err-leg-leader", Vec::new()));
    }
    let from = row.status();
    let to = advance(row.at(), input.step).map_err(AppError::Conflict)?;
    let now = crate::db::now();
    if to == from {
        return Ok(field_leg(&mut tx, row, now).await?);
    }
    // A task ended by the office (the need sent back, called off) takes
    // no more steps, except coming home.
    if row.task_status != "open" && input.step != Step::Back {
        return Err(AppError::Conflict("err-leg-over"));
    }
    if input.step == Step::Decline && row.need_status != NeedStatus::Matched.as_str() {
        return Err(AppError::Conflict("err-leg-decline-late"));
    }
    let mut confirmed_now = false;
    if input.step == Step::Deliver && row.confirmed_at.is_none() {
        let code = input.code();
        if code.is_empty() {
            if input.note.trim().is_empty() {
                return Err(AppError::invalid("code", "err-leg-code-missing"));
            }
        } else if row.code_tries >= CODE_TRIES {
            return Err(AppError::invalid("code", "err-leg-code-locked"));
        } else if code != row.delivery_code {
            // The wrong try is kept (the count is the lock); nothing else
            // has been written in this transaction but the task's lock.
            execute!(
                &mut tx,
                "UPDATE tasks SET code_tries = code_tries + 1 WHERE id = $1",
                row.task_id
            )?;
            tx.commit().await?;
            return Err(AppError::invalid("code", "err-leg-code-wrong"));
        } else {
            confirmed_now = true;
        }
    }
    let stamp = stamp_column(to)
        .map(|c| format!(", {c} = $2"))
        .unwrap_or_default();
    let moved = execute!(
        &mut tx,
        sqlx::AssertSqlSafe(format!(
            "UPDATE task_legs SET status = $1, updated_at = $2{stamp} WHERE id = $3 AND status = $4"
        )),
        to.as_str(),
        Ts(now),
        row.id,
        from.as_str()
    )?;
    if moved == 0 {
        // Another member's same step, committed meanwhile, is this one.
        let fresh = leg_row(&mut tx, row.id).await?.ok_or(AppError::NotFound)?;
        if fresh.status() == to {
            return Ok(field_leg(&mut tx, fresh, now).await?);
        }
        return Err(AppError::Conflict("err-leg-moved"));
    }
    record(
        &mut tx,
        NewEvent::by(
            scope,
            action(input.step),
            "task",
            row.task_id,
            &row.division_code,
        )
        .reason(input.note.trim())
        .after(serde_json::json!({"leg": row.leg, "status": to.as_str()})),
    )
    .await?;
    let need = row.need_id;
    let by = Some(scope);
    match input.step {
        Step::Decline => {
            crate::needs::store::move_by_task(&mut tx, by, need, NeedStatus::Verified).await?;
        }
        Step::Depart => {
            crate::needs::store::move_by_task(&mut tx, by, need, NeedStatus::InProgress).await?;
        }
        Step::PickUp if row.kind() != LegKind::Inside => {
            crate::supply::store::carry_in(&mut tx, scope, need, ReservationStatus::Dispatched)
                .await?;
        }
        Step::HandOff => {
            record(
                &mut tx,
                NewEvent::by(scope, "need.handoff", "need", need, &row.division_code),
            )
            .await?;
        }
        Step::Deliver => {
            if confirmed_now {
                execute!(
                    &mut tx,
                    "UPDATE tasks SET confirmed_at = $1, confirmed_by = 'code' WHERE id = $2",
                    Ts(now),
                    row.task_id
                )?;
            }
            crate::supply::store::carry_in(&mut tx, scope, need, ReservationStatus::Delivered)
                .await?;
            crate::needs::store::move_by_task(&mut tx, by, need, NeedStatus::Delivered).await?;
        }
        Step::Back => close_if_done(&mut tx, by, row.task_id).await?,
        _ => {}
    }
    let after = leg_row(&mut tx, row.id).await?.ok_or(AppError::NotFound)?;
    let view = field_leg(&mut tx, after, now).await?;
    tx.commit().await?;
    Ok(view)
}

async fn lock_task(tx: &mut Tx, task_id: i64) -> sqlx::Result<()> {
    execute!(
        &mut *tx,
        "UPDATE tasks SET updated_at = updated_at WHERE id = $1",
        task_id
    )?;
    Ok(())
}

/// A delivered need closes when its delivery was confirmed and every
/// squad of its task is done (home, or never went).
async fn close_if_done(tx: &mut Tx, by: Option<&Scope>, task_id: i64) -> Result<(), AppError> {
    let over = over();
    let (need_id, confirmed, open_legs, need_status) = fetch_optional!(
        &mut *tx,
        (i64, Option<OffsetDateTime>, i64, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT t.need_id, t.confirmed_at,
                (SELECT COUNT(*) FROM task_legs l WHERE l.task_id = t.id AND l.status NOT IN {over}),
                n.status
             FROM tasks t JOIN needs n ON n.id = t.need_id WHERE t.id = $1"
        )),
        task_id
    )?
    .ok_or(AppError::NotFound)?;
    if confirmed.is_some() && open_legs == 0 && need_status == NeedStatus::Delivered.as_str() {
        crate::needs::store::move_by_task(tx, by, need_id, NeedStatus::Closed).await?;
    }
    Ok(())
}

/// The recipient as the squad at the door needs them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recipient {
    pub name: String,
    pub phone: String,
    pub address: String,
}

/// The reason a squad's reveal is logged with.
const DOOR_REASON: &str = "派送上门 delivery to the door";

/// The recipient's name, phone and address, to the squad assigned to the
/// door (the whole way, or inside the gate) while it is on its way there —
/// never to the squad that only drives to the gate, nor after. Each
/// opening is an audited reveal of each field.
pub async fn reveal(db: &Db, scope: &Scope, leg_id: i64) -> Result<Recipient, AppError> {
    let mut tx = db.write().await?;
    let (_, row) = my_leg(&mut tx, scope, leg_id).await?;
    if row.kind() == LegKind::ToGate {
        return Err(AppError::Refused("err-leg-not-door", Vec::new()));
    }
    let on_way = matches!(
        row.status(),
        LegStatus::Accepted | LegStatus::Departed | LegStatus::PickedUp
    );
    if !on_way || row.task_status != "open" {
        return Err(AppError::Conflict("err-leg-not-on-way"));
    }
    let (name, phone, address, jurisdiction) = fetch_optional!(
        &mut tx,
        (String, String, String, String),
        "SELECT contact_name, contact_phone, address, jurisdiction_code FROM needs WHERE id = $1",
        row.need_id
    )?
    .ok_or(AppError::NotFound)?;
    let reason = format!("{DOOR_REASON} #{}", row.task_id);
    let mut shown = Vec::with_capacity(3);
    for (field, value) in [
        ("contact_name", name),
        ("contact_phone", phone),
        ("address", address),
    ] {
        let r = Reveal {
            entity: "need",
            id: row.need_id,
            division_code: &jurisdiction,
            field,
            value: Some(value),
        };
        shown.push(reveal_assigned_in(&mut tx, scope, r, &reason).await?);
    }
    tx.commit().await?;
    let mut shown = shown.into_iter();
    Ok(Recipient {
        name: shown.next().unwrap_or_default(),
        phone: shown.next().unwrap_or_default(),
        address: shown.next().unwrap_or_default(),
    })
}

/// The squad leader's short debrief of a leg done: kept on the leg, and
/// on the need's timeline (staff only).
pub async fn debrief(
    db: &Db,
    scope: &Scope,
    leg_id: i64,
    d: &Debrief,
) -> Result<FieldLeg, AppError> {
    let mut errors = Invalid::default();
    errors.reason("text", &d.text, 1000);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let (me, row) = my_leg(&mut tx, scope, leg_id).await?;
    if !me.leads {
        return Err(AppError::Refused("err-leg-leader", Vec::new()));
    }
    if !matches!(
        row.status(),
        LegStatus::HandedOff | LegStatus::Delivered | LegStatus::Back
    ) {
        return Err(AppError::Conflict("err-leg-step"));
    }
    let text = d.text.trim();
    execute!(
        &mut tx,
        "UPDATE task_legs SET debrief = $1 WHERE id = $2",
        text,
        row.id
    )?;
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "need.debrief",
            "need",
            row.need_id,
            &row.division_code,
        )
        .reason(text)
        .after(serde_json::json!({"task_id": row.task_id, "leg": row.leg})),
    )
    .await?;
    let view = field_leg(&mut tx, row, crate::db::now()).await?;
    let view = FieldLeg {
        debrief: text.to_owned(),
        ..view
    };
    tx.commit().await?;
    Ok(view)
}

/// A leg on the dispatcher's board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardLeg {
    pub id: i64,
    pub task_id: i64,
    pub need_id: i64,
    pub reference: String,
    #[schema(value_type = crate::needs::model::Urgency)]
    pub urgency: String,
    #[schema(value_type = LegKind)]
    pub leg: String,
    pub squad_id: i64,
    pub squad_name: String,
    #[schema(value_type = LegStatus)]
    pub status: String,
    pub division_code: String,
    /// Since the last step.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub since: OffsetDateTime,
    pub alarm: Option<Alarm>,
    pub over_min: i64,
    /// The need is past its delivery deadline.
    pub late: bool,
}

/// Every squad out or about to go in the caller's jurisdiction, where it
/// is in its task, alarms first (most overdue at the top).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Board {
    pub legs: Vec<BoardLeg>,
    /// Legs with an alarm.
    pub alarms: usize,
    /// Squads away from home now.
    pub out: usize,
}

/// The most legs the board lists (a city's evening is well under it).
const BOARD_MAX: i64 = 2_000;

pub async fn board(tx: &mut Tx, scope: &Scope) -> Result<Board, AppError> {
    coordinates(scope)?;
    let now = crate::db::now();
    let over = over();
    let rows = fetch_all!(
        &mut *tx,
        LegRow,
        sqlx::AssertSqlSafe(format!(
            "{LEG_SELECT} WHERE l.status NOT IN {over} AND {} ORDER BY l.id LIMIT {BOARD_MAX}",
            inside("t.jurisdiction_code", 1)
        )),
        scope.jurisdiction()
    )?;
    let mut legs: Vec<BoardLeg> = rows
        .into_iter()
        .map(|r| {
            let alarm = r.alarm(now);
            BoardLeg {
                id: r.id,
                task_id: r.task_id,
                need_id: r.need_id,
                reference: r.reference.clone().unwrap_or_default(),
                late: r.late(now),
                urgency: r.urgency,
                leg: r.leg,
                squad_id: r.squad_id,
                squad_name: r.squad_name,
                status: r.status,
                division_code: r.division_code,
                since: r.updated_at,
                alarm: alarm.map(|a| a.0),
                over_min: alarm.map_or(0, |a| a.1),
            }
        })
        .collect();
    legs.sort_by_key(|l| (l.alarm.is_none() && !l.late, -l.over_min, l.task_id, l.id));
    let out = legs
        .iter()
        .filter(|l| LegStatus::parse(&l.status).is_some_and(LegStatus::out))
        .count();
    Ok(Board {
        alarms: legs.iter().filter(|l| l.alarm.is_some()).count(),
        out,
        legs,
    })
}

/// What the tracking page shows of a need's task: the code to read out
/// at the door while it is on its way, and whether the requester may say
/// what arrived.
#[derive(Debug, Clone, Default)]
pub struct Tracking {
    pub code: Option<String>,
    pub may_confirm: bool,
}

pub async fn tracking(tx: &mut Tx, need_id: i64, need_status: &str) -> sqlx::Result<Tracking> {
    let task = fetch_optional!(
        &mut *tx,
        (String, String, Option<OffsetDateTime>),
        "SELECT status, delivery_code, confirmed_at FROM tasks
         WHERE need_id = $1 AND status <> 'cancelled' ORDER BY id DESC LIMIT 1",
        need_id
    )?;
    let Some((status, code, confirmed)) = task else {
        return Ok(Tracking::default());
    };
    let on_way = matches!(need_status, "matched" | "in_progress");
    Ok(Tracking {
        code: (status == "open" && on_way && confirmed.is_none()).then_some(code),
        may_confirm: matches!(need_status, "in_progress" | "delivered"),
    })
}

/// The requester's word on what arrived, from the tracking page (their
/// reference is their key): kept on the need's timeline; all of it
/// confirms the delivery (and closes a delivered need whose squads are
/// home); part or nothing raises the need's escalation flag for the office.
///
/// `by` is the office taking the word by phone (a role that takes needs,
/// inside its jurisdiction), or None: the requester on their page.
pub async fn received(
    db: &Db,
    by: Option<&Scope>,
    ip: &str,
    need_id: i64,
    r: &Received,
) -> Result<(), AppError> {
    let mut errors = Invalid::default();
    errors.optional("comment", &r.comment, 500);
    errors.into_result()?;
    let mut tx = db.write().await?;
    if let Some(scope) = by {
        if !scope.role().takes_needs() {
            return Err(AppError::Forbidden);
        }
        crate::needs::store::get(&mut tx, scope, need_id).await?;
    }
    let event = |action: &'static str, division: &str| match by {
        Some(scope) => NewEvent::by(scope, action, "need", need_id, division),
        None => NewEvent::new(None, "public", ip, action, "need", need_id, division),
    };
    let (status, jurisdiction) = fetch_optional!(
        &mut tx,
        (String, String),
        "SELECT status, jurisdiction_code FROM needs WHERE id = $1",
        need_id
    )?
    .ok_or(AppError::NotFound)?;
    if !matches!(status.as_str(), "in_progress" | "delivered") {
        return Err(AppError::Conflict("err-received-state"));
    }
    // A need moved on by hand, without a task, has no delivery to confirm.
    let (task_id,) = fetch_optional!(
        &mut tx,
        (i64,),
        "SELECT id FROM tasks WHERE need_id = $1 AND status <> 'cancelled' ORDER BY id DESC LIMIT 1",
        need_id
    )?
    .ok_or(AppError::Conflict("err-received-state"))?;
    lock_task(&mut tx, task_id).await?;
    record(
        &mut tx,
        event("need.received", &jurisdiction)
            .reason(r.comment.trim())
            .after(serde_json::json!({"outcome": r.outcome.as_str(), "task_id": task_id})),
    )
    .await?;
    // Part of it, or nothing: the office should know (the flag); only all
    // of it confirms the delivery.
    if r.outcome != ReceivedOutcome::All {
        let raised = execute!(
            &mut tx,
            "UPDATE needs SET escalated = $1, updated_at = $2 WHERE id = $3 AND escalated = $4",
            true,
            crate::db::stamp(),
            need_id,
            false
        )?;
        if raised > 0 {
            record(
                &mut tx,
                event("need.escalate", &jurisdiction).reason(
                    if r.outcome == ReceivedOutcome::Part {
                        "收货人称只收到一部分 the requester says part arrived"
                    } else {
                        "收货人称未收到 the requester says nothing arrived"
                    },
                ),
            )
            .await?;
        }
    } else {
        execute!(
            &mut tx,
            "UPDATE tasks SET confirmed_at = $1, confirmed_by = $2 WHERE id = $3 AND confirmed_at IS NULL",
            crate::db::stamp(),
            if by.is_some() { "phone" } else { "requester" },
            task_id
        )?;
        close_if_done(&mut tx, by, task_id).await?;
    }
    tx.commit().await?;
    Ok(())
}
