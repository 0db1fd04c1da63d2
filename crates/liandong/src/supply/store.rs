//! SQL for supply: the catalogue, depots, stock and its movements, offers,
//! appeals and pledges.

use super::model::{
    Appeal, AppealLine, AppealRow, AppealStatus, CheckedOffer, Depot, Item, Movement, MovementKind,
    NewAppeal, NewDepot, NewItem, NewOffer, NewPledge, NewReservation, Offer, OfferKind,
    OfferReceipt, OfferRow, OfferStatus, Reservation, ReservationStatus, Short, StockChange,
    StockLine, check_adjust, check_reserve, quantity,
};
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::{Reveal, record};
use crate::db::{Db, Ts, Tx, now, stamp};
use crate::web::error::{AppError, FieldError, Invalid};
use crate::{execute, fetch_all, fetch_one, fetch_optional, fetch_scalar};

/// Who may run supply (depots, stock, offers, appeals): those who
/// coordinate. Everyone who sees needs may look.
fn may_run(scope: &Scope) -> Result<(), AppError> {
    if scope.role().coordinates() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn may_look(scope: &Scope) -> Result<(), AppError> {
    if scope.role().sees_needs() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn invalid(errors: Invalid) -> AppError {
    AppError::Invalid(errors)
}

const ITEM_COLUMNS: &str = "id, code, name_zh, name_en, unit_zh, unit_en, need_kind";

/// The catalogue, in its order (the seeded items first).
pub async fn items(tx: &mut Tx) -> sqlx::Result<Vec<Item>> {
    fetch_all!(
        tx,
        Item,
        sqlx::AssertSqlSafe(format!("SELECT {ITEM_COLUMNS} FROM items ORDER BY id"))
    )
}

pub async fn item(tx: &mut Tx, id: i64) -> Result<Item, AppError> {
    fetch_optional!(
        tx,
        Item,
        sqlx::AssertSqlSafe(format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = $1")),
        id
    )?
    .ok_or(AppError::NotFound)
}

/// An item that a field names: refused by that field when it is unknown.
async fn item_named(tx: &mut Tx, field: &'static str, id: i64) -> Result<Item, AppError> {
    match item(tx, id).await {
        Err(AppError::NotFound) => Err(AppError::invalid(field, "err-item")),
        other => other,
    }
}

/// Add an item to the catalogue (coordinators).
pub async fn add_item(db: &Db, scope: &Scope, n: &NewItem) -> Result<Item, AppError> {
    // One catalogue for the whole deployment: its keeper is an admin of
    // the whole of it.
    if !scope.role().administers() || !scope.jurisdiction().is_empty() {
        return Err(AppError::Forbidden);
    }
    n.validate().map_err(invalid)?;
    let code = n.code();
    let mut tx = db.write().await?;
    let taken = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM items WHERE name_zh = $1 OR code = $2",
        n.name_zh.trim(),
        &code,
    )?;
    if code.is_empty() {
        return Err(AppError::invalid("name_en", "err-item-code"));
    }
    if taken > 0 {
        return Err(AppError::invalid("name_zh", "err-item-taken"));
    }
    // Two admins adding one item at once: the second is told it exists.
    let id = fetch_optional!(
        &mut tx,
        (i64,),
        "INSERT INTO items (code, name_zh, name_en, unit_zh, unit_en, need_kind, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
        &code,
        n.name_zh.trim(),
        n.name_en.trim(),
        n.unit_zh.trim(),
        n.unit_en.trim(),
        n.need_kind.trim(),
        stamp(),
    )?
    .ok_or_else(|| AppError::invalid("name_zh", "err-item-taken"))?
    .0;
    let event = NewEvent::by(scope, "item.create", "item", id, scope.jurisdiction())
        .after(serde_json::json!({"code": code, "name_zh": n.name_zh.trim()}));
    record(&mut tx, event).await?;
    let made = item(&mut tx, id).await?;
    tx.commit().await?;
    Ok(made)
}

const DEPOT_SELECT: &str =
    "SELECT d.id, d.name, d.org_id, o.name AS org_name, d.division_code, d.address
     FROM depots d JOIN orgs o ON o.id = d.org_id";

/// Depots a scope sees: in its jurisdiction, or above it (a city's
/// depot serves its districts).
pub async fn depots(tx: &mut Tx, scope: &Scope) -> Result<Vec<Depot>, AppError> {
    // A list answers everyone signed in; those who do not look see none.
    if may_look(scope).is_err() {
        return Ok(Vec::new());
    }
    Ok(fetch_all!(
        tx,
        Depot,
        sqlx::AssertSqlSafe(format!(
            "{DEPOT_SELECT} WHERE {} ORDER BY d.division_code, d.name",
            crate::db::related("d.division_code", 1)
        )),
        scope.jurisdiction(),
    )?)
}

pub async fn depot(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Depot, AppError> {
    may_look(scope)?;
    fetch_optional!(
        tx,
        Depot,
        sqlx::AssertSqlSafe(format!(
            "{DEPOT_SELECT} WHERE d.id = $2 AND {}",
            crate::db::related("d.division_code", 1)
        )),
        scope.jurisdiction(),
        id,
    )?
    .ok_or(AppError::NotFound)
}

/// A depot whose stock `scope` may move: one in its jurisdiction, or one
/// its own organisation runs.
async fn depot_to_run(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Depot, AppError> {
    may_run(scope)?;
    let d = depot(tx, scope, id).await?;
    if scope.covers(&d.division_code) || scope.org_id() == d.org_id {
        Ok(d)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A depot a field names, for a movement: refused by that field when the
/// caller cannot see it.
async fn depot_named(
    tx: &mut Tx,
    scope: &Scope,
    field: &'static str,
    id: i64,
) -> Result<Depot, AppError> {
    match depot_to_run(tx, scope, id).await {
        Err(AppError::NotFound | AppError::Forbidden) if scope.role().coordinates() => {
            Err(AppError::invalid(field, "err-depot"))
        }
        other => other,
    }
}

pub async fn create_depot(db: &Db, scope: &Scope, n: &NewDepot) -> Result<Depot, AppError> {
    may_run(scope)?;
    n.validate().map_err(invalid)?;
    let code = n.division_code.trim();
    if !scope.covers(code) {
        return Err(AppError::Forbidden);
    }
    let org_id = n.org_id.unwrap_or(scope.org_id());
    let mut tx = db.write().await?;
    crate::orgs::store::approved(&mut tx, org_id).await?;
    let name = n.name.trim();
    if fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM depots WHERE name = $1",
        name
    )? > 0
    {
        return Err(AppError::invalid("name", "err-depot-name-taken"));
    }
    let id = fetch_optional!(
        &mut tx,
        (i64,),
        "INSERT INTO depots (name, org_id, division_code, address, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
        name,
        org_id,
        code,
        n.address.trim(),
        scope.account_id(),
        stamp(),
    )?
    .ok_or_else(|| AppError::invalid("name", "err-depot-name-taken"))?
    .0;
    let event = NewEvent::by(scope, "depot.create", "depot", id, code)
        .after(serde_json::json!({"name": name, "org_id": org_id, "division_code": code}));
    record(&mut tx, event).await?;
    let made = depot(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(made)
}

const STOCK_SELECT: &str =
    "SELECT s.depot_id, s.item_id, i.code AS item_code, i.name_zh, i.name_en, i.unit_zh, i.unit_en,
            s.on_hand, s.reserved, s.on_hand - s.reserved AS available
     FROM stock s JOIN items i ON i.id = s.item_id";

/// What a depot holds, item by item.
pub async fn stock(tx: &mut Tx, scope: &Scope, depot_id: i64) -> Result<Vec<StockLine>, AppError> {
    depot(tx, scope, depot_id).await?;
    Ok(fetch_all!(
        tx,
        StockLine,
        sqlx::AssertSqlSafe(format!(
            "{STOCK_SELECT} WHERE s.depot_id = $1 ORDER BY i.id"
        )),
        depot_id,
    )?)
}

async fn stock_line(tx: &mut Tx, depot_id: i64, item_id: i64) -> sqlx::Result<Option<StockLine>> {
    fetch_optional!(
        tx,
        StockLine,
        sqlx::AssertSqlSafe(format!(
            "{STOCK_SELECT} WHERE s.depot_id = $1 AND s.item_id = $2"
        )),
        depot_id,
        item_id,
    )
}

/// Why a conditional UPDATE on a stock line moved nothing: `check` run on
/// the line as it stands now (a line never made holds nothing).
async fn shortfall(
    tx: &mut Tx,
    depot_id: i64,
    item_id: i64,
    check: impl Fn(i64, i64) -> Result<(), Short>,
) -> sqlx::Result<Option<Short>> {
    let (on_hand, reserved) = stock_line(tx, depot_id, item_id)
        .await?
        .map_or((0, 0), |l| (l.on_hand, l.reserved));
    Ok(check(on_hand, reserved).err())
}

/// A movement and its audit event, in the caller's transaction.
struct Move<'a> {
    depot: &'a Depot,
    item_id: i64,
    kind: MovementKind,
    quantity: i64,
    offer_id: Option<i64>,
    need_id: Option<i64>,
    reservation_id: Option<i64>,
    /// Where it went (a need's community) or where it is.
    division_code: &'a str,
    reason: &'a str,
}

async fn write_move(tx: &mut Tx, scope: &Scope, m: Move<'_>) -> Result<(), AppError> {
    execute!(
        tx,
        "INSERT INTO stock_movements (depot_id, item_id, kind, quantity, offer_id, need_id, reservation_id, division_code, reason, actor_id, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        m.depot.id,
        m.item_id,
        m.kind.as_str(),
        m.quantity,
        m.offer_id,
        m.need_id,
        m.reservation_id,
        m.division_code,
        m.reason,
        scope.account_id(),
        stamp(),
    )?;
    let action = match m.kind {
        MovementKind::Receive => "stock.receive",
        MovementKind::Reserve => "stock.reserve",
        MovementKind::Release => "stock.release",
        MovementKind::Dispatch => "stock.dispatch",
        MovementKind::Deliver => "stock.deliver",
        MovementKind::Adjust => "stock.adjust",
    };
    let event = NewEvent::by(scope, action, "depot", m.depot.id, &m.depot.division_code)
        .reason(m.reason)
        .after(serde_json::json!({
            "item_id": m.item_id,
            "quantity": m.quantity,
            "offer_id": m.offer_id,
            "need_id": m.need_id,
            "reservation_id": m.reservation_id,
        }));
    record(tx, event).await?;
    Ok(())
}

/// Add units to a line (creating it), in the caller's transaction.
async fn add_on_hand(tx: &mut Tx, depot_id: i64, item_id: i64, q: i64) -> sqlx::Result<()> {
    execute!(
        tx,
        "INSERT INTO stock (depot_id, item_id, on_hand, reserved, updated_at) VALUES ($1, $2, $3, 0, $4)
         ON CONFLICT (depot_id, item_id) DO UPDATE SET on_hand = stock.on_hand + excluded.on_hand, updated_at = excluded.updated_at",
        depot_id,
        item_id,
        q,
        stamp(),
    )?;
    Ok(())
}

/// Goods in without an offer (a purchase, a transfer between depots).
pub async fn receive(
    db: &Db,
    scope: &Scope,
    depot_id: i64,
    c: &StockChange,
) -> Result<StockLine, AppError> {
    let q = c.received().map_err(invalid)?;
    let mut tx = db.write().await?;
    let d = depot_to_run(&mut tx, scope, depot_id).await?;
    item_named(&mut tx, "item_id", c.item_id).await?;
    add_on_hand(&mut tx, d.id, c.item_id, q).await?;
    let m = Move {
        depot: &d,
        item_id: c.item_id,
        kind: MovementKind::Receive,
        quantity: q,
        offer_id: None,
        need_id: None,
        reservation_id: None,
        division_code: &d.division_code,
        reason: c.reason.trim(),
    };
    write_move(&mut tx, scope, m).await?;
    let line = stock_line(&mut tx, d.id, c.item_id).await?;
    tx.commit().await?;
    line.ok_or(AppError::NotFound)
}

/// A correction with its reason; never below what is reserved.
pub async fn adjust(
    db: &Db,
    scope: &Scope,
    depot_id: i64,
    c: &StockChange,
) -> Result<StockLine, AppError> {
    let delta = c.adjustment().map_err(invalid)?;
    let mut tx = db.write().await?;
    let d = depot_to_run(&mut tx, scope, depot_id).await?;
    item_named(&mut tx, "item_id", c.item_id).await?;
    if delta > 0 {
        add_on_hand(&mut tx, d.id, c.item_id, delta).await?;
    } else {
        let moved = execute!(
            &mut tx,
            "UPDATE stock SET on_hand = on_hand + $1, updated_at = $2
             WHERE depot_id = $3 AND item_id = $4 AND on_hand + $1 >= reserved",
            delta,
            stamp(),
            d.id,
            c.item_id,
        )?;
        if moved == 0 {
            let short =
                shortfall(&mut tx, d.id, c.item_id, |h, r| check_adjust(h, r, delta)).await?;
            return Err(short.unwrap_or(Short::Unreserved(0)).into());
        }
    }
    let m = Move {
        depot: &d,
        item_id: c.item_id,
        kind: MovementKind::Adjust,
        quantity: delta,
        offer_id: None,
        need_id: None,
        reservation_id: None,
        division_code: &d.division_code,
        reason: c.reason.trim(),
    };
    write_move(&mut tx, scope, m).await?;
    let line = stock_line(&mut tx, d.id, c.item_id).await?;
    tx.commit().await?;
    line.ok_or(AppError::NotFound)
}

const RESERVATION_SELECT: &str =
    "SELECT r.id, r.depot_id, r.item_id, i.name_zh, i.name_en, i.unit_zh, i.unit_en,
            r.need_id, r.quantity, r.status, r.created_at
     FROM reservations r JOIN items i ON i.id = r.item_id";

async fn reservation_row(tx: &mut Tx, id: i64) -> sqlx::Result<Option<Reservation>> {
    fetch_optional!(
        tx,
        Reservation,
        sqlx::AssertSqlSafe(format!("{RESERVATION_SELECT} WHERE r.id = $1")),
        id
    )
}

/// Hold stock for a need. Of two people reserving the last units exactly
/// one wins: the check is the UPDATE's own WHERE, so it holds on both
/// engines whatever else runs at once; the other is told how much is left.
pub async fn reserve(
    db: &Db,
    scope: &Scope,
    depot_id: i64,
    r: &NewReservation,
) -> Result<Reservation, AppError> {
    let mut errors = Invalid::default();
    let q = quantity("quantity", &r.quantity, &mut errors);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let id = reserve_in(&mut tx, scope, depot_id, r.item_id, r.need_id, q, None).await?;
    let made = reservation_row(&mut tx, id).await?;
    tx.commit().await?;
    made.ok_or(AppError::NotFound)
}

/// Hold `q` of an item at a depot for a need (and the task that will carry
/// it, if any), inside the caller's transaction. Returns the reservation.
pub(crate) async fn reserve_in(
    tx: &mut Tx,
    scope: &Scope,
    depot_id: i64,
    item_id: i64,
    need_id: i64,
    q: i64,
    task_id: Option<i64>,
) -> Result<i64, AppError> {
    let d = depot_to_run(tx, scope, depot_id).await?;
    item_named(tx, "item_id", item_id).await?;
    let need = match crate::needs::store::get(tx, scope, need_id).await {
        Err(AppError::NotFound) => return Err(AppError::invalid("need_id", "err-need-unknown")),
        other => other?,
    };
    let open = crate::needs::model::NeedStatus::parse(&need.status).is_some_and(|s| s.is_open());
    if !open || need.status == "delivered" {
        return Err(AppError::invalid("need_id", "err-need-not-open"));
    }
    let held = execute!(
        &mut *tx,
        "UPDATE stock SET reserved = reserved + $1, updated_at = $2
         WHERE depot_id = $3 AND item_id = $4 AND on_hand - reserved >= $1",
        q,
        stamp(),
        d.id,
        item_id,
    )?;
    if held == 0 {
        let short = shortfall(tx, d.id, item_id, |h, held| check_reserve(h, held, q)).await?;
        return Err(short.unwrap_or(Short::Available(0)).into());
    }
    let t = Ts(now());
    let id = fetch_scalar!(
        &mut *tx,
        i64,
        "INSERT INTO reservations (depot_id, item_id, need_id, quantity, status, created_by, created_at, updated_at, task_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
        d.id,
        item_id,
        need.id,
        q,
        ReservationStatus::Held.as_str(),
        scope.account_id(),
        t,
        task_id,
    )?;
    let place = need_place(&need);
    let m = Move {
        depot: &d,
        item_id,
        kind: MovementKind::Reserve,
        quantity: q,
        offer_id: None,
        need_id: Some(need.id),
        reservation_id: Some(id),
        division_code: &place,
        reason: "",
    };
    write_move(tx, scope, m).await?;
    Ok(id)
}

/// Where a need's goods go: the community read from its address, else
/// the jurisdiction that holds it.
fn need_place(need: &crate::needs::model::Need) -> String {
    if need.division_code.is_empty() {
        need.jurisdiction_code.clone()
    } else {
        need.division_code.clone()
    }
}

/// Send held stock out (dispatched) or let it go (released, with a
/// reason). A reservation moves once: the second of two is told it has.
pub async fn settle(
    db: &Db,
    scope: &Scope,
    reservation_id: i64,
    dispatch: bool,
    reason: &str,
) -> Result<Reservation, AppError> {
    let mut errors = Invalid::default();
    if dispatch {
        errors.optional("reason", reason, 500);
    } else {
        errors.reason("reason", reason, 500);
    }
    errors.into_result()?;
    let mut tx = db.write().await?;
    let r = reservation_row(&mut tx, reservation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let d = depot_to_run(&mut tx, scope, r.depot_id).await?;
    let to = if dispatch {
        ReservationStatus::Dispatched
    } else {
        ReservationStatus::Released
    };
    settle_in(&mut tx, scope, &r, &d, to, reason.trim()).await?;
    let after = reservation_row(&mut tx, r.id).await?;
    tx.commit().await?;
    after.ok_or(AppError::NotFound)
}

/// Move a reservation on inside the caller's transaction, the caller's
/// right to checked by them: held → dispatched (stock leaves the depot)
/// or released (it is free again); dispatched → delivered (at the door).
/// A reservation moves once: the second of two is told it has.
async fn settle_in(
    tx: &mut Tx,
    scope: &Scope,
    r: &Reservation,
    d: &Depot,
    to: ReservationStatus,
    reason: &str,
) -> Result<(), AppError> {
    let from = if to == ReservationStatus::Delivered {
        ReservationStatus::Dispatched
    } else {
        ReservationStatus::Held
    };
    let moved = execute!(
        &mut *tx,
        "UPDATE reservations SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
        to.as_str(),
        stamp(),
        r.id,
        from.as_str(),
    )?;
    if moved == 0 {
        return Err(AppError::Conflict("err-reservation-settled"));
    }
    let (on_hand_less, reserved_less, kind) = match to {
        ReservationStatus::Dispatched => (r.quantity, r.quantity, MovementKind::Dispatch),
        ReservationStatus::Released => (0, r.quantity, MovementKind::Release),
        _ => (0, 0, MovementKind::Deliver),
    };
    if reserved_less > 0 {
        execute!(
            &mut *tx,
            "UPDATE stock SET on_hand = on_hand - $1, reserved = reserved - $2, updated_at = $3
             WHERE depot_id = $4 AND item_id = $5",
            on_hand_less,
            reserved_less,
            stamp(),
            r.depot_id,
            r.item_id,
        )?;
    }
    let place = fetch_scalar!(
        &mut *tx,
        String,
        "SELECT CASE WHEN division_code = '' THEN jurisdiction_code ELSE division_code END FROM needs WHERE id = $1",
        r.need_id
    )?;
    let m = Move {
        depot: d,
        item_id: r.item_id,
        kind,
        quantity: r.quantity,
        offer_id: None,
        need_id: Some(r.need_id),
        reservation_id: Some(r.id),
        division_code: &place,
        reason,
    };
    write_move(tx, scope, m).await?;
    if to == ReservationStatus::Dispatched {
        // The need's own timeline, and the resident's page, say it left.
        let event = NewEvent::by(scope, "need.dispatch", "need", r.need_id, &place).after(
            serde_json::json!({"item_id": r.item_id, "quantity": r.quantity, "depot_id": r.depot_id}),
        );
        record(tx, event).await?;
    }
    Ok(())
}

/// The goods held (or sent) for a need, moved on by its task's squad —
/// held → dispatched when it picks them up, dispatched → delivered at the
/// door. The squad's assignment is its right to; no depot role is asked.
pub(crate) async fn carry_in(
    tx: &mut Tx,
    scope: &Scope,
    need_id: i64,
    to: ReservationStatus,
) -> Result<(), AppError> {
    let from = if to == ReservationStatus::Delivered {
        ReservationStatus::Dispatched
    } else {
        ReservationStatus::Held
    };
    let rows = fetch_all!(
        &mut *tx,
        Reservation,
        sqlx::AssertSqlSafe(format!(
            "{RESERVATION_SELECT} WHERE r.need_id = $1 AND r.status = $2 ORDER BY r.id"
        )),
        need_id,
        from.as_str()
    )?;
    for r in rows {
        let d = fetch_one!(
            &mut *tx,
            Depot,
            sqlx::AssertSqlSafe(format!("{DEPOT_SELECT} WHERE d.id = $1")),
            r.depot_id
        )?;
        settle_in(tx, scope, &r, &d, to, "").await?;
    }
    Ok(())
}

/// The depot a reservation draws on.
pub async fn reservation_depot(tx: &mut Tx, id: i64) -> Result<i64, AppError> {
    Ok(reservation_row(tx, id)
        .await?
        .ok_or(AppError::NotFound)?
        .depot_id)
}

/// A depot's reservations, those still held first.
pub async fn reservations(
    tx: &mut Tx,
    scope: &Scope,
    depot_id: i64,
) -> Result<Vec<Reservation>, AppError> {
    depot(tx, scope, depot_id).await?;
    Ok(fetch_all!(
        tx,
        Reservation,
        sqlx::AssertSqlSafe(format!(
            "{RESERVATION_SELECT} WHERE r.depot_id = $1
             ORDER BY CASE WHEN r.status = 'held' THEN 0 ELSE 1 END, r.id DESC LIMIT 200"
        )),
        depot_id,
    )?)
}

/// The reservations made for one need (its page shows them), the need
/// as `scope` read it: holding it is what shows it was seen.
pub async fn reservations_for_need(
    tx: &mut Tx,
    need: &crate::needs::model::Need,
) -> Result<Vec<Reservation>, AppError> {
    let need_id = need.id;
    Ok(fetch_all!(
        tx,
        Reservation,
        sqlx::AssertSqlSafe(format!(
            "{RESERVATION_SELECT} WHERE r.need_id = $1 ORDER BY r.id"
        )),
        need_id,
    )?)
}

/// A depot's latest movements, newest first.
pub async fn movements(
    tx: &mut Tx,
    scope: &Scope,
    depot_id: i64,
) -> Result<Vec<Movement>, AppError> {
    depot(tx, scope, depot_id).await?;
    Ok(fetch_all!(
        tx,
        Movement,
        "SELECT m.id, m.depot_id, m.item_id, i.name_zh, i.name_en, i.unit_zh, i.unit_en, m.kind, m.quantity,
                m.offer_id, m.need_id, m.division_code, m.reason, m.at
         FROM stock_movements m JOIN items i ON i.id = m.item_id
         WHERE m.depot_id = $1 ORDER BY m.id DESC LIMIT 200",
        depot_id,
    )?)
}

const OFFER_SELECT: &str = "SELECT f.id, f.kind, f.status, f.org_id, o.name AS org_name, f.donor, f.contact_name, f.contact_phone,
            f.division_code, f.item_id, i.name_zh AS item_name_zh, i.name_en AS item_name_en, i.unit_zh, i.unit_en,
            f.quantity, f.received, f.depot_id, d.name AS depot_name, f.expires_on, f.description, f.hours, f.seats,
            f.load_kg, f.pass, f.zones, f.value_fen, f.appeal_id, f.created_at
     FROM offers f LEFT JOIN orgs o ON o.id = f.org_id LEFT JOIN items i ON i.id = f.item_id
          LEFT JOIN depots d ON d.id = f.depot_id";

async fn offer_row(tx: &mut Tx, scope: &Scope, id: i64) -> Result<OfferRow, AppError> {
    may_look(scope)?;
    fetch_optional!(
        tx,
        OfferRow,
        sqlx::AssertSqlSafe(format!(
            "{OFFER_SELECT} WHERE f.id = $2 AND {}",
            crate::db::related("f.division_code", 1)
        )),
        scope.jurisdiction(),
        id,
    )?
    .ok_or(AppError::NotFound)
}

pub async fn offer(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Offer, AppError> {
    Ok(offer_row(tx, scope, id).await?.shown(scope))
}

/// Offers a scope sees, newest first, optionally of one kind and status.
pub async fn offers(
    tx: &mut Tx,
    scope: &Scope,
    kind: Option<OfferKind>,
    status: Option<OfferStatus>,
) -> Result<Vec<Offer>, AppError> {
    if may_look(scope).is_err() {
        return Ok(Vec::new());
    }
    let rows = fetch_all!(
        tx,
        OfferRow,
        sqlx::AssertSqlSafe(format!(
            "{OFFER_SELECT} WHERE {} AND ($2 = '' OR f.kind = $2) AND ($3 = '' OR f.status = $3)
             ORDER BY f.id DESC LIMIT 500",
            crate::db::related("f.division_code", 1)
        )),
        scope.jurisdiction(),
        kind.map_or("", OfferKind::as_str),
        status.map_or("", OfferStatus::as_str),
    )?;
    Ok(rows.into_iter().map(|r| r.shown(scope)).collect())
}

/// The donor's name as the ledger shows it: as given, else the
/// organisation's.
async fn donor_name(tx: &mut Tx, org_id: Option<i64>, given: &str) -> Result<String, AppError> {
    let Some(id) = org_id else {
        return Ok(given.to_owned());
    };
    let name = fetch_optional!(
        tx,
        (String,),
        "SELECT name FROM orgs WHERE id = $1 AND status = 'approved'",
        id
    )?
    .map(|(n,)| n)
    .ok_or_else(|| AppError::invalid("org_id", "err-org-not-approved"))?;
    Ok(if given.is_empty() {
        name
    } else {
        given.to_owned()
    })
}

/// Insert a checked offer in the caller's transaction.
async fn insert_offer(
    tx: &mut Tx,
    scope: &Scope,
    org_id: Option<i64>,
    c: &CheckedOffer,
    division_code: &str,
    appeal_id: Option<i64>,
) -> Result<i64, AppError> {
    let donor = donor_name(tx, org_id, &c.donor).await?;
    if let Some(item_id) = c.item_id {
        item_named(tx, "item_id", item_id).await?;
    }
    if let Some(depot_id) = c.depot_id {
        depot_named(tx, scope, "depot_id", depot_id).await?;
    }
    let t = Ts(now());
    let id = fetch_scalar!(
        tx,
        i64,
        "INSERT INTO offers (kind, status, org_id, donor, contact_name, contact_phone, division_code, item_id, quantity, received,
                             depot_id, expires_on, description, hours, seats, load_kg, pass, zones, value_fen, appeal_id,
                             created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21)
         RETURNING id",
        c.kind.as_str(),
        OfferStatus::Offered.as_str(),
        org_id,
        &donor,
        &c.contact_name,
        &c.contact_phone,
        division_code,
        c.item_id,
        c.quantity,
        c.depot_id,
        &c.expires_on,
        &c.description,
        c.hours,
        c.seats,
        c.load_kg,
        &c.pass,
        &c.zones,
        c.value_fen,
        appeal_id,
        scope.account_id(),
        t,
    )?;
    // The event keeps what was given, never the contact's phone.
    let action = if appeal_id.is_some() {
        "appeal.pledge"
    } else {
        "offer.create"
    };
    let event = NewEvent::by(scope, action, "offer", id, division_code).after(serde_json::json!({
        "kind": c.kind.as_str(),
        "org_id": org_id,
        "donor": donor,
        "item_id": c.item_id,
        "quantity": c.quantity,
        "value_fen": c.value_fen,
        "appeal_id": appeal_id,
    }));
    record(tx, event).await?;
    Ok(id)
}

/// Record an offer (coordinators): goods, a service, a vehicle, money.
pub async fn create_offer(db: &Db, scope: &Scope, n: &NewOffer) -> Result<Offer, AppError> {
    may_run(scope)?;
    let c = n.validate().map_err(invalid)?;
    let code = match n.division_code.trim() {
        "" => scope.jurisdiction(),
        code => code,
    };
    if !code.is_empty() && divisions::Tree::china().find(code).is_none() {
        return Err(AppError::invalid("division_code", "err-division"));
    }
    if !scope.covers(code) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.write().await?;
    let id = insert_offer(&mut tx, scope, n.org_id, &c, code, None).await?;
    let made = offer(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(made)
}

/// An offer's goods arrive (all, or part, of what is still due); money
/// is received by the same call. The stock moves in the same transaction.
pub async fn receive_offer(
    db: &Db,
    scope: &Scope,
    id: i64,
    r: &OfferReceipt,
) -> Result<Offer, AppError> {
    may_run(scope)?;
    let mut tx = db.write().await?;
    let o = offer_row(&mut tx, scope, id).await?;
    if !scope.covers(&o.division_code) {
        return Err(AppError::Forbidden);
    }
    if o.status != OfferStatus::Offered.as_str() {
        return Err(AppError::Conflict("err-offer-not-offered"));
    }
    let kind = OfferKind::parse(&o.kind).unwrap_or(OfferKind::Goods);
    let mut received = o.received;
    if kind == OfferKind::Goods {
        let due = (o.quantity - o.received).max(1);
        let mut errors = Invalid::default();
        let q = match r.quantity.trim() {
            "" => due,
            t => quantity("quantity", t, &mut errors),
        };
        if q > due {
            errors.push(FieldError::counted(
                "quantity",
                "err-offer-more-than-due",
                due,
            ));
        }
        let depot_id = r.depot_id.or(o.depot_id);
        if depot_id.is_none() {
            errors.push(FieldError::new("depot_id", "err-depot"));
        }
        errors.into_result()?;
        let d = depot_named(&mut tx, scope, "depot_id", depot_id.unwrap_or_default()).await?;
        let item_id = o.item_id.unwrap_or_default();
        add_on_hand(&mut tx, d.id, item_id, q).await?;
        let m = Move {
            depot: &d,
            item_id,
            kind: MovementKind::Receive,
            quantity: q,
            offer_id: Some(o.id),
            need_id: None,
            reservation_id: None,
            division_code: &d.division_code,
            reason: "",
        };
        write_move(&mut tx, scope, m).await?;
        if let Some(appeal_id) = o.appeal_id {
            let need = fetch_optional!(
                &mut tx,
                (Option<i64>,),
                "SELECT need_id FROM appeals WHERE id = $1",
                appeal_id
            )?
            .and_then(|(n,)| n);
            if let Some(need_id) = need {
                let event = NewEvent::by(scope, "need.supplied", "need", need_id, &o.division_code)
                    .after(
                        serde_json::json!({"item_id": item_id, "quantity": q, "depot_id": d.id}),
                    );
                record(&mut tx, event).await?;
            }
        }
        received += q;
        execute!(
            &mut tx,
            "UPDATE offers SET depot_id = $1 WHERE id = $2",
            d.id,
            o.id
        )?;
    }
    let status = if kind != OfferKind::Goods || received >= o.quantity {
        OfferStatus::Received
    } else {
        OfferStatus::Offered
    };
    let moved = execute!(
        &mut tx,
        "UPDATE offers SET received = $1, status = $2, updated_at = $3 WHERE id = $4 AND received = $5 AND status = 'offered'",
        received,
        status.as_str(),
        stamp(),
        o.id,
        o.received,
    )?;
    if moved == 0 {
        return Err(AppError::Conflict("err-offer-not-offered"));
    }
    let event = NewEvent::by(scope, "offer.receive", "offer", o.id, &o.division_code)
        .after(serde_json::json!({"received": received, "status": status.as_str()}));
    record(&mut tx, event).await?;
    let after = offer(&mut tx, scope, o.id).await?;
    tx.commit().await?;
    Ok(after)
}

/// An offer that will not come (with a reason).
pub async fn withdraw_offer(
    db: &Db,
    scope: &Scope,
    id: i64,
    reason: &str,
) -> Result<Offer, AppError> {
    may_run(scope)?;
    let mut errors = Invalid::default();
    errors.reason("reason", reason, 500);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let o = offer_row(&mut tx, scope, id).await?;
    if !scope.covers(&o.division_code) {
        return Err(AppError::Forbidden);
    }
    let moved = execute!(
        &mut tx,
        "UPDATE offers SET status = $1, updated_at = $2 WHERE id = $3 AND status = 'offered'",
        OfferStatus::Withdrawn.as_str(),
        stamp(),
        o.id,
    )?;
    if moved == 0 {
        return Err(AppError::Conflict("err-offer-not-offered"));
    }
    record(
        &mut tx,
        NewEvent::by(scope, "offer.withdraw", "offer", o.id, &o.division_code)
            .reason(reason.trim()),
    )
    .await?;
    let after = offer(&mut tx, scope, o.id).await?;
    tx.commit().await?;
    Ok(after)
}

/// An offer's contact phone in the clear (an audited reveal).
pub async fn reveal_offer(
    db: &Db,
    scope: &Scope,
    id: i64,
    field: &str,
    reason: &str,
) -> Result<String, AppError> {
    let shown = async {
        let mut tx = db.write().await?;
        let o = offer_row(&mut tx, scope, id).await?;
        let value =
            (field == "contact_phone" && !o.contact_phone.is_empty()).then_some(o.contact_phone);
        let r = Reveal {
            entity: "offer",
            id,
            division_code: &o.division_code,
            field,
            value,
        };
        crate::audit::store::reveal(tx, scope, r, reason).await
    }
    .await;
    crate::audit::store::refusal(db, scope, "offer", id, field, shown).await
}

const APPEAL_COLUMNS: &str =
    "id, reference, need_id, division_code, title, description, needed_by, status, created_at";

/// An appeal line with the appeal it belongs to (lines of many appeals
/// are read in one query).
#[derive(sqlx::FromRow)]
struct LineOf {
    appeal_id: i64,
    #[sqlx(flatten)]
    line: AppealLine,
}

/// Appeals with their lines: one query for the lines of all of them.
async fn with_lines(tx: &mut Tx, rows: Vec<AppealRow>) -> sqlx::Result<Vec<Appeal>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Ids are numbers from the database, written into the SQL as such.
    let ids = rows
        .iter()
        .map(|r| r.id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut lines = fetch_all!(
        tx,
        LineOf,
        sqlx::AssertSqlSafe(format!(
            "SELECT l.appeal_id, l.item_id, i.name_zh, i.name_en, i.unit_zh, i.unit_en, l.quantity,
                    COALESCE((SELECT CAST(SUM(f.quantity) AS BIGINT) FROM offers f WHERE f.appeal_id = l.appeal_id AND f.item_id = l.item_id AND f.status <> 'withdrawn'), 0) AS pledged,
                    COALESCE((SELECT CAST(SUM(f.received) AS BIGINT) FROM offers f WHERE f.appeal_id = l.appeal_id AND f.item_id = l.item_id), 0) AS received
             FROM appeal_lines l JOIN items i ON i.id = l.item_id
             WHERE l.appeal_id IN ({ids}) ORDER BY l.appeal_id, i.id"
        )),
    )?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mine = lines
                .extract_if(.., |l| l.appeal_id == r.id)
                .map(|l| l.line)
                .collect();
            r.with(mine)
        })
        .collect())
}

/// One appeal with its lines.
async fn with_lines_one(tx: &mut Tx, row: AppealRow) -> sqlx::Result<Appeal> {
    Ok(with_lines(tx, vec![row]).await?.remove(0))
}

/// An appeal a signed-in person may see: its community lies in or above
/// their jurisdiction, or in it (an organisation province-wide sees the
/// city's).
pub async fn appeal(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Appeal, AppError> {
    let row = fetch_optional!(
        tx,
        AppealRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {APPEAL_COLUMNS} FROM appeals WHERE id = $2 AND {}",
            crate::db::related("division_code", 1)
        )),
        scope.jurisdiction(),
        id,
    )?
    .ok_or(AppError::NotFound)?;
    Ok(with_lines_one(tx, row).await?)
}

/// Appeals a scope sees, open ones first, newest first.
pub async fn appeals(tx: &mut Tx, scope: &Scope) -> Result<Vec<Appeal>, AppError> {
    let rows = fetch_all!(
        tx,
        AppealRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {APPEAL_COLUMNS} FROM appeals WHERE {}
             ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, id DESC LIMIT 200",
            crate::db::related("division_code", 1)
        )),
        scope.jurisdiction(),
    )?;
    Ok(with_lines(tx, rows).await?)
}

/// An appeal by its public reference (anyone, no account).
pub async fn public_appeal(tx: &mut Tx, reference: &str) -> Result<Appeal, AppError> {
    let Some(r) = crate::needs::model::parse_reference(reference) else {
        return Err(AppError::NotFound);
    };
    let row = fetch_optional!(
        tx,
        AppealRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {APPEAL_COLUMNS} FROM appeals WHERE reference = $1"
        )),
        &r,
    )?
    .ok_or(AppError::NotFound)?;
    Ok(with_lines_one(tx, row).await?)
}

/// The open appeals answering a need (its page links them).
pub async fn appeals_for_need(tx: &mut Tx, need_id: i64) -> sqlx::Result<Vec<Appeal>> {
    let rows = fetch_all!(
        tx,
        AppealRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT {APPEAL_COLUMNS} FROM appeals WHERE need_id = $1 ORDER BY id"
        )),
        need_id,
    )?;
    with_lines(tx, rows).await
}

/// Publish an appeal (coordinators): for a need (its community, its
/// record), or for a community by code.
pub async fn create_appeal(db: &Db, scope: &Scope, n: &NewAppeal) -> Result<Appeal, AppError> {
    may_run(scope)?;
    let c = n.validate(now()).map_err(invalid)?;
    let mut tx = db.write().await?;
    let mut code = n.division_code.trim().to_owned();
    if let Some(need_id) = n.need_id {
        let need = match crate::needs::store::get(&mut tx, scope, need_id).await {
            Err(AppError::NotFound) => {
                return Err(AppError::invalid("need_id", "err-need-unknown"));
            }
            other => other?,
        };
        let open =
            crate::needs::model::NeedStatus::parse(&need.status).is_some_and(|s| s.is_open());
        if !open {
            return Err(AppError::invalid("need_id", "err-need-not-open"));
        }
        if code.is_empty() {
            code = need_place(&need);
        }
    }
    if divisions::Tree::china().find(&code).is_none() {
        return Err(AppError::invalid("division_code", "err-division"));
    }
    if !scope.covers(&code) {
        return Err(AppError::Forbidden);
    }
    for (item_id, _) in &c.lines {
        item_named(&mut tx, "lines", *item_id).await?;
    }
    let t = Ts(now());
    let mut id = None;
    // A reference is unguessable; the rare collision is retried.
    for _ in 0..5 {
        let reference = crate::needs::model::new_reference();
        let taken = fetch_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM appeals WHERE reference = $1",
            &reference
        )?;
        if taken == 0 {
            id = Some(fetch_scalar!(
                &mut tx,
                i64,
                "INSERT INTO appeals (reference, need_id, division_code, title, description, needed_by, status, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
                &reference,
                n.need_id,
                &code,
                &c.title,
                &c.description,
                Ts(c.needed_by),
                AppealStatus::Open.as_str(),
                scope.account_id(),
                t,
            )?);
            break;
        }
    }
    let id = id.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no free appeal reference")))?;
    for (item_id, q) in &c.lines {
        execute!(
            &mut tx,
            "INSERT INTO appeal_lines (appeal_id, item_id, quantity) VALUES ($1, $2, $3)",
            id,
            *item_id,
            *q,
        )?;
    }
    let event =
        NewEvent::by(scope, "appeal.create", "appeal", id, &code).after(serde_json::json!({
            "title": c.title,
            "need_id": n.need_id,
            "lines": c.lines,
        }));
    record(&mut tx, event).await?;
    if let Some(need_id) = n.need_id {
        // The need's own timeline says an appeal went out for it.
        let event = NewEvent::by(scope, "need.appeal", "need", need_id, &code)
            .after(serde_json::json!({"appeal_id": id}));
        record(&mut tx, event).await?;
    }
    let made = appeal(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(made)
}

/// Close an appeal: nothing more is asked (pledges made stay).
pub async fn close_appeal(db: &Db, scope: &Scope, id: i64) -> Result<Appeal, AppError> {
    may_run(scope)?;
    let mut tx = db.write().await?;
    let a = appeal(&mut tx, scope, id).await?;
    if !scope.covers(&a.division_code) {
        return Err(AppError::Forbidden);
    }
    let moved = execute!(
        &mut tx,
        "UPDATE appeals SET status = $1, updated_at = $2 WHERE id = $3 AND status = 'open'",
        AppealStatus::Closed.as_str(),
        stamp(),
        id,
    )?;
    if moved == 0 {
        return Err(AppError::Conflict("err-appeal-closed"));
    }
    record(
        &mut tx,
        NewEvent::by(scope, "appeal.close", "appeal", id, &a.division_code),
    )
    .await?;
    let after = appeal(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// An organisation pledges against an open appeal: one goods offer per
/// line, held by the appeal's community.
pub async fn pledge(
    db: &Db,
    scope: &Scope,
    appeal_id: i64,
    p: &NewPledge,
) -> Result<Vec<Offer>, AppError> {
    may_run(scope)?;
    let mut tx = db.write().await?;
    let a = appeal(&mut tx, scope, appeal_id).await?;
    if !a.is_open() {
        return Err(AppError::Conflict("err-appeal-closed"));
    }
    let lines = p.validate(&a).map_err(invalid)?;
    let org_id = p.org_id.unwrap_or(scope.org_id());
    if org_id != scope.org_id() && !scope.covers(&a.division_code) {
        return Err(AppError::Forbidden);
    }
    let mut made = Vec::new();
    for (item_id, q) in lines {
        let offer = NewOffer {
            kind: OfferKind::Goods.as_str().into(),
            item_id: Some(item_id),
            quantity: q.to_string(),
            contact_name: p.contact_name.clone(),
            contact_phone: p.contact_phone.clone(),
            depot_id: p.depot_id,
            ..Default::default()
        };
        let c = offer.validate().map_err(invalid)?;
        let id = insert_offer(
            &mut tx,
            scope,
            Some(org_id),
            &c,
            &a.division_code,
            Some(a.id),
        )
        .await?;
        made.push(id);
    }
    let mut offers = Vec::with_capacity(made.len());
    for id in made {
        offers.push(offer(&mut tx, scope, id).await?);
    }
    tx.commit().await?;
    Ok(offers)
}

/// The offers pledged against an appeal.
pub async fn pledges(tx: &mut Tx, scope: &Scope, appeal_id: i64) -> Result<Vec<Offer>, AppError> {
    may_look(scope)?;
    appeal(tx, scope, appeal_id).await?;
    let rows = fetch_all!(
        tx,
        OfferRow,
        sqlx::AssertSqlSafe(format!(
            "{OFFER_SELECT} WHERE f.appeal_id = $1 ORDER BY f.id"
        )),
        appeal_id,
    )?;
    Ok(rows.into_iter().map(|r| r.shown(scope)).collect())
}

/// The donations ledger, public: what was given (received), by whom, and
/// where goods went, inside a jurisdiction, or of one organisation (what
/// it gave, and what left the depots it runs). It reads no personal field
/// (donors are named as they wish to be, places are divisions), so it
/// takes no `Scope`.
pub async fn ledger(
    tx: &mut Tx,
    title: String,
    within: &str,
    org_id: Option<i64>,
) -> sqlx::Result<super::model::Ledger> {
    use super::model::{LedgerDonor, LedgerEntry, LedgerItem, LedgerPlace, by_district};
    let org = org_id.unwrap_or(0);
    let given = format!(
        "(f.status = 'received' OR f.received > 0) AND f.kind IN ('goods', 'money') AND {} AND ($2 = 0 OR f.org_id = $2)",
        crate::db::inside("f.division_code", 1)
    );
    let received = fetch_all!(
        tx,
        LedgerItem,
        sqlx::AssertSqlSafe(format!(
            "SELECT i.id AS item_id, i.name_zh, i.name_en, i.unit_zh, i.unit_en, CAST(SUM(m.quantity) AS BIGINT) AS quantity
             FROM stock_movements m JOIN offers f ON f.id = m.offer_id JOIN items i ON i.id = m.item_id
             WHERE m.kind = 'receive' AND {given}
             GROUP BY i.id, i.name_zh, i.name_en, i.unit_zh, i.unit_en ORDER BY i.id"
        )),
        within,
        org,
    )?;
    // Sent out of depots, and (of those) handed over at the door.
    let moved = |kind: &str| {
        format!(
            "SELECT m.division_code, i.id AS item_id, i.name_zh, i.name_en, i.unit_zh, i.unit_en, CAST(SUM(m.quantity) AS BIGINT) AS quantity
             FROM stock_movements m JOIN items i ON i.id = m.item_id JOIN depots d ON d.id = m.depot_id
             WHERE m.kind = '{kind}' AND {} AND ($2 = 0 OR d.org_id = $2)
             GROUP BY m.division_code, i.id, i.name_zh, i.name_en, i.unit_zh, i.unit_en",
            crate::db::inside("m.division_code", 1)
        )
    };
    let places = fetch_all!(
        &mut *tx,
        LedgerPlace,
        sqlx::AssertSqlSafe(moved("dispatch")),
        within,
        org,
    )?;
    let mut delivered: Vec<LedgerItem> = Vec::new();
    for p in &fetch_all!(
        &mut *tx,
        LedgerPlace,
        sqlx::AssertSqlSafe(moved("deliver")),
        within,
        org,
    )? {
        super::model::add_place(&mut delivered, p);
    }
    delivered.sort_by_key(|i| i.item_id);
    let mut sent: Vec<LedgerItem> = Vec::new();
    for p in &places {
        super::model::add_place(&mut sent, p);
    }
    sent.sort_by_key(|i| i.item_id);
    let (money_fen, goods_value_fen, donations) = fetch_one!(
        tx,
        (i64, i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN f.kind = 'money' THEN f.value_fen ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN f.kind = 'goods' THEN f.value_fen ELSE 0 END), 0) AS BIGINT),
                    COUNT(*)
             FROM offers f WHERE {given}"
        )),
        within,
        org,
    )?;
    let donors = fetch_all!(
        tx,
        LedgerDonor,
        sqlx::AssertSqlSafe(format!(
            "SELECT f.org_id, f.donor, COUNT(*) AS donations, CAST(COALESCE(SUM(f.received), 0) AS BIGINT) AS units,
                    CAST(COALESCE(SUM(f.value_fen), 0) AS BIGINT) AS value_fen
             FROM offers f WHERE {given}
             GROUP BY f.org_id, f.donor ORDER BY value_fen DESC, units DESC, f.donor LIMIT 200"
        )),
        within,
        org,
    )?;
    let latest = fetch_all!(
        tx,
        LedgerEntry,
        sqlx::AssertSqlSafe(format!(
            "SELECT f.id AS offer_id, f.donor, f.kind, i.name_zh, i.name_en, i.unit_zh, i.unit_en, f.received AS quantity,
                    f.value_fen, d.name AS depot_name, d.division_code AS depot_division, f.updated_at AS at
             FROM offers f LEFT JOIN items i ON i.id = f.item_id LEFT JOIN depots d ON d.id = f.depot_id
             WHERE {given} ORDER BY f.updated_at DESC, f.id DESC LIMIT 100"
        )),
        within,
        org,
    )?;
    Ok(super::model::Ledger {
        delivered,
        title,
        money_fen,
        goods_value_fen,
        donations,
        received,
        sent,
        districts: by_district(places),
        donors,
        latest,
    })
}

/// An approved organisation's name (public, for its ledger page).
pub async fn public_org_name(tx: &mut Tx, id: i64) -> Result<String, AppError> {
    fetch_optional!(
        tx,
        (String,),
        "SELECT name FROM orgs WHERE id = $1 AND status = 'approved'",
        id
    )?
    .map(|(n,)| n)
    .ok_or(AppError::NotFound)
}
