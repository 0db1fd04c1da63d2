//! SQL for squads, their members and contacts, vehicles, movement and the
//! exposure trace.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::model::{
    CheckedSquad, ContactKind, Exposure, Join, MovableCount, MovementStatus, NewSquad, Refusal,
    Seal, SquadStatus, Stint, Touch, exposure, may_join, may_touch, movement, sealed_in,
};
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::record;
use crate::db::{Db, Ts, Tx, inside, related};
use crate::orgs::model::division_name;
use crate::web::error::{AppError, FieldError, Invalid};
use crate::web::i18n::Lang;
use crate::{execute, fetch_all, fetch_one, fetch_optional, fetch_scalar};

pub(crate) fn coordinates(scope: &Scope) -> Result<(), AppError> {
    if scope.role().coordinates() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A refusal of the contact rule as the caller reads it: the other squad
/// named, and when.
pub fn refused(r: Refusal) -> AppError {
    let when = crate::web::beijing;
    match r {
        Refusal::Touched {
            kind,
            squad_name,
            at,
            ..
        } => AppError::Refused(
            "err-contact-touched",
            vec![
                ("squad", squad_name),
                ("kind", kind.as_str().to_owned()),
                ("at", when(at)),
            ],
        ),
        Refusal::InSquad { squad_name, .. } => {
            AppError::Refused("err-contact-in-squad", vec![("squad", squad_name)])
        }
        Refusal::LeftRecently {
            squad_name,
            left_at,
            ..
        } => AppError::Refused(
            "err-contact-left",
            vec![("squad", squad_name), ("at", when(left_at))],
        ),
    }
}

/// A name or plate taken by someone else between our check and our write
/// (the UNIQUE constraint decides): the field named, as the check would.
fn taken_as(e: sqlx::Error, field: &'static str, key: &'static str) -> AppError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => AppError::invalid(field, key),
        _ => e.into(),
    }
}

/// A squad as a coordinator sees it.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Squad {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub division_code: String,
    #[sqlx(skip)]
    pub division_name: String,
    pub name: String,
    pub leader_id: Option<i64>,
    #[sqlx(skip)]
    pub leader_name: String,
    pub min_size: i64,
    pub max_size: i64,
    /// Tasks it can hold open at once (dispatch proposes no more).
    pub capacity: i64,
    /// Members now.
    pub size: i64,
    #[schema(value_type = SquadStatus)]
    pub status: String,
    pub status_reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl Squad {
    /// Too few to work yet.
    pub fn forming(&self) -> bool {
        self.size < self.min_size
    }
}

const SQUAD_COLUMNS: &str = "s.id, s.org_id, o.name AS org_name, s.division_code, s.name, s.leader_id, s.min_size, s.max_size, s.capacity,
    (SELECT COUNT(*) FROM squad_members m WHERE m.squad_id = s.id AND m.left_at IS NULL) AS size,
    s.status, s.status_reason, s.created_at";

fn named(mut s: Squad, leaders: &BTreeMap<i64, String>) -> Squad {
    s.division_name = division_name(&s.division_code);
    if let Some(l) = s.leader_id {
        s.leader_name = leaders.get(&l).cloned().unwrap_or_default();
    }
    s
}

/// Squads inside the caller's area, by division and name.
pub async fn squads(tx: &mut Tx, scope: &Scope) -> Result<Vec<Squad>, AppError> {
    coordinates(scope)?;
    let list = fetch_all!(
        &mut *tx,
        Squad,
        sqlx::AssertSqlSafe(format!(
            "SELECT {SQUAD_COLUMNS} FROM squads s JOIN orgs o ON o.id = s.org_id
             WHERE {} ORDER BY s.division_code, s.name LIMIT 2000",
            inside("s.division_code", 1)
        )),
        scope.jurisdiction()
    )?;
    let leaders: BTreeMap<i64, String> = fetch_all!(
        &mut *tx,
        (i64, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT v.id, v.name FROM volunteers v JOIN squads s ON s.leader_id = v.id WHERE {}",
            inside("s.division_code", 1)
        )),
        scope.jurisdiction()
    )?
    .into_iter()
    .collect();
    Ok(list.into_iter().map(|s| named(s, &leaders)).collect())
}

/// One squad inside the caller's area (else not found).
pub async fn squad(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Squad, AppError> {
    coordinates(scope)?;
    let s = fetch_optional!(
        &mut *tx,
        Squad,
        sqlx::AssertSqlSafe(format!(
            "SELECT {SQUAD_COLUMNS} FROM squads s JOIN orgs o ON o.id = s.org_id
             WHERE s.id = $1 AND {}",
            inside("s.division_code", 2)
        )),
        id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)?;
    let leaders = match s.leader_id {
        Some(l) => fetch_all!(
            &mut *tx,
            (i64, String),
            "SELECT id, name FROM volunteers WHERE id = $1",
            l
        )?
        .into_iter()
        .collect(),
        None => BTreeMap::new(),
    };
    Ok(named(s, &leaders))
}

/// A new squad of an approved organisation, for a division inside the
/// caller's area.
pub async fn create(db: &Db, scope: &Scope, n: &NewSquad) -> Result<Squad, AppError> {
    coordinates(scope)?;
    let CheckedSquad {
        org_id,
        division_code,
        name,
        min_size,
        max_size,
    } = n.check().map_err(AppError::Invalid)?;
    if !scope.covers(&division_code) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.write().await?;
    crate::orgs::store::approved(&mut tx, org_id).await?;
    let taken = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM squads WHERE org_id = $1 AND name = $2",
        org_id,
        &name
    )?;
    if taken > 0 {
        return Err(AppError::invalid("name", "err-squad-name-taken"));
    }
    let now = crate::db::stamp();
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO squads (org_id, division_code, name, min_size, max_size, status, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $7) RETURNING id",
        org_id,
        &division_code,
        &name,
        min_size,
        max_size,
        scope.account_id(),
        now,
    )
    .map_err(|e| taken_as(e, "name", "err-squad-name-taken"))?;
    record(
        &mut tx,
        NewEvent::by(scope, "squad.create", "squad", id, &division_code).after(
            serde_json::json!({"name": name, "org_id": org_id, "min_size": min_size, "max_size": max_size}),
        ),
    )
    .await?;
    let s = squad(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(s)
}

/// A member as a coordinator sees them: phone masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    pub volunteer_id: i64,
    pub name: String,
    pub phone: String,
    #[schema(value_type = super::model::MovementStatus)]
    pub movement: String,
    pub positive: bool,
    pub leader: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: OffsetDateTime,
}

/// The members of a squad now (the squad read through the caller's area).
pub async fn members(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Vec<Member>, AppError> {
    let s = squad(tx, scope, id).await?;
    Ok(members_of(tx, &s).await?)
}

/// A squad's members now, read once the squad is.
async fn members_of(tx: &mut Tx, s: &Squad) -> sqlx::Result<Vec<Member>> {
    let id = s.id;
    let rows = fetch_all!(
        &mut *tx,
        (i64, String, String, String, bool, OffsetDateTime),
        "SELECT v.id, v.name, v.phone, v.movement, v.positive_at IS NOT NULL, m.joined_at
         FROM squad_members m JOIN volunteers v ON v.id = m.volunteer_id
         WHERE m.squad_id = $1 AND m.left_at IS NULL ORDER BY m.joined_at, v.id",
        id
    )?;
    Ok(rows
        .into_iter()
        .map(
            |(volunteer_id, name, phone, movement, positive, joined_at)| Member {
                leader: s.leader_id == Some(volunteer_id),
                volunteer_id,
                name,
                phone: crate::phone::mask(&phone),
                movement,
                positive,
                joined_at,
            },
        )
        .collect())
}

/// A volunteer as the roster shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterEntry {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub org_id: i64,
    pub home_division: String,
    pub home: String,
    #[schema(value_type = crate::volunteers::model::Category)]
    pub category: String,
    pub skills: Vec<String>,
    /// MovementStatus now (sealed in follows the zones).
    #[schema(value_type = MovementStatus)]
    pub movement: String,
    pub available: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub positive_at: Option<OffsetDateTime>,
    pub squad_id: Option<i64>,
    pub squad_name: String,
    /// Credentials valid now (CredentialKind).
    pub credentials: Vec<String>,
    /// The compound they lead as a resident leader (骨干), or ''.
    pub anchor_compound: String,
}

/// The zones that keep people in, in force now, wherever they are: a
/// volunteer held here may live elsewhere (zones are not personal).
pub(crate) async fn seals(tx: &mut Tx) -> sqlx::Result<Vec<Seal>> {
    Ok(fetch_all!(
        &mut *tx,
        (String, String),
        "SELECT division_code, compound FROM zones
         WHERE level IN ('sealed', 'controlled') AND lifted_at IS NULL AND starts_at <= $1",
        crate::db::stamp()
    )?
    .into_iter()
    .map(|(division_code, compound)| Seal {
        division_code,
        compound,
    })
    .collect())
}

#[derive(sqlx::FromRow)]
struct RosterRow {
    id: i64,
    name: String,
    phone: String,
    org_id: i64,
    home_division: String,
    address: String,
    category: String,
    skills: String,
    movement: String,
    available: bool,
    positive_at: Option<OffsetDateTime>,
    squad_id: Option<i64>,
    squad_name: Option<String>,
    squad_status: Option<String>,
    anchor_compound: String,
}

impl RosterRow {
    fn movement(&self, seals: &[Seal]) -> MovementStatus {
        movement(
            MovementStatus::parse(&self.movement).unwrap_or(MovementStatus::Free),
            sealed_in(&self.home_division, &self.address, seals),
        )
    }
    fn stood_down(&self) -> bool {
        self.positive_at.is_some() || self.squad_status.as_deref() == Some("stood_down")
    }
}

const ROSTER_SQL: &str = "SELECT v.id, v.name, v.phone, v.org_id, v.home_division, a.address, v.category, v.skills,
        v.movement, v.available, v.positive_at, s.id AS squad_id, s.name AS squad_name, s.status AS squad_status,
        v.anchor_compound
    FROM volunteers v JOIN applications a ON a.id = v.application_id
    LEFT JOIN squad_members m ON m.volunteer_id = v.id AND m.left_at IS NULL
    LEFT JOIN squads s ON s.id = m.squad_id";

/// The roster's filters.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterFilter {
    /// A division code: volunteers living inside it.
    #[serde(default)]
    pub within: String,
    /// free, sealed_in, pass, stranded, or "movable".
    #[serde(default)]
    pub movement: String,
    /// "none": those in no squad (to form squads from).
    #[serde(default)]
    pub squad: String,
    /// A name (part of it).
    #[serde(default)]
    pub q: String,
    /// An organisation's id: its volunteers only.
    #[serde(default)]
    pub org_id: Option<i64>,
    /// A task kind: only those holding every credential it needs, valid now.
    #[serde(default)]
    #[param(value_type = Option<crate::training::model::TaskKind>)]
    pub task: String,
    /// "yes": resident leaders (骨干) only.
    #[serde(default)]
    pub anchor: String,
}

/// The most volunteers a roster shows at once (a filter narrows it).
pub const ROSTER_MAX: usize = 500;

/// Volunteers held inside the caller's area (at most 500, by home and
/// name), phones masked.
pub async fn roster(
    tx: &mut Tx,
    scope: &Scope,
    f: &RosterFilter,
) -> Result<Vec<RosterEntry>, AppError> {
    coordinates(scope)?;
    let mut errors = Invalid::default();
    errors.optional("q", &f.q, 20);
    let within = f.within.trim();
    if !within.is_empty() && divisions::Tree::china().find(within).is_none() {
        errors.push(FieldError::new("within", "err-division"));
    }
    let wanted = match f.movement.trim() {
        "" | "movable" => None,
        m => Some(
            MovementStatus::parse(m)
                .ok_or_else(|| AppError::invalid("movement", "err-movement"))?,
        ),
    };
    let task = match f.task.trim() {
        "" => None,
        t => Some(
            crate::training::model::TaskKind::parse(t)
                .ok_or_else(|| AppError::invalid("task", "err-task-kind"))?,
        ),
    };
    errors.into_result()?;
    let seals = seals(tx).await?;
    let rows = fetch_all!(
        &mut *tx,
        RosterRow,
        sqlx::AssertSqlSafe(format!(
            "{ROSTER_SQL} WHERE {} AND {} AND ($3 = '' OR m.id IS NULL) AND ($4 = '' OR v.name LIKE '%' || $4 || '%')
               AND ($5 = 0 OR v.org_id = $5) AND ($6 = '' OR v.anchor_compound <> '') AND {}
             ORDER BY v.home_division, v.id{}",
            inside("v.jurisdiction_code", 1),
            inside("v.home_division", 2),
            task.map_or("TRUE".to_owned(), |t| crate::training::store::qualified_sql(t, 7)),
            // Movement is known only once the zones are read: then every
            // row of the area is read and the first ROSTER_MAX kept.
            if f.movement.trim().is_empty() { format!(" LIMIT {ROSTER_MAX}") } else { String::new() }
        )),
        scope.jurisdiction(),
        within,
        if f.squad.trim() == "none" { "none" } else { "" },
        f.q.trim(),
        f.org_id.unwrap_or(0),
        if f.anchor.trim() == "yes" { "yes" } else { "" },
        crate::db::stamp()
    )?;
    let kept: Vec<(RosterRow, MovementStatus)> = rows
        .into_iter()
        .filter_map(|r| {
            let m = r.movement(&seals);
            let keep = match wanted {
                Some(w) => w == m,
                None if f.movement.trim() == "movable" => m.can_move() && !r.stood_down(),
                None => true,
            };
            keep.then_some((r, m))
        })
        .take(ROSTER_MAX)
        .collect();
    let ids: Vec<i64> = kept.iter().map(|(r, _)| r.id).collect();
    let mut held = crate::training::store::held_by(tx, &ids).await?;
    Ok(kept
        .into_iter()
        .map(|(r, m)| RosterEntry {
            id: r.id,
            name: r.name,
            phone: crate::phone::mask(&r.phone),
            org_id: r.org_id,
            home: crate::needs::model::read_as(&r.home_division),
            home_division: r.home_division,
            category: r.category,
            skills: crate::volunteers::model::tags(&r.skills),
            movement: m.as_str().to_owned(),
            available: r.available,
            positive_at: r.positive_at,
            squad_id: r.squad_id,
            squad_name: r.squad_name.unwrap_or_default(),
            credentials: held_names(held.remove(&r.id).unwrap_or_default()),
            anchor_compound: r.anchor_compound,
        })
        .collect())
}

/// Credential kinds held, once each, in the taxonomy's order.
fn held_names(mut held: Vec<crate::training::model::Held>) -> Vec<String> {
    held.sort_by_key(|h| h.kind);
    held.dedup_by_key(|h| h.kind);
    held.into_iter()
        .map(|h| h.kind.as_str().to_owned())
        .collect()
}

/// How many can still move, by area one level below the caller's
/// jurisdiction: read at once from the zones in force. Only what the count
/// needs is read (the address only when a zone names a compound).
pub async fn movable(tx: &mut Tx, scope: &Scope) -> Result<Vec<MovableCount>, AppError> {
    coordinates(scope)?;
    let seals = seals(tx).await?;
    let compounds = seals.iter().any(|z| !z.compound.is_empty());
    let rows = fetch_all!(
        &mut *tx,
        (String, String, String, bool, Option<String>, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT v.home_division, v.jurisdiction_code, v.movement, v.positive_at IS NOT NULL, s.status, {}
             FROM volunteers v {}
             LEFT JOIN squad_members m ON m.volunteer_id = v.id AND m.left_at IS NULL
             LEFT JOIN squads s ON s.id = m.squad_id
             WHERE {}",
            if compounds { "a.address" } else { "''" },
            if compounds { "JOIN applications a ON a.id = v.application_id" } else { "" },
            inside("v.jurisdiction_code", 1)
        )),
        scope.jurisdiction()
    )?;
    let len = crate::dashboard::model::area_len(scope.jurisdiction());
    let mut by: BTreeMap<String, MovableCount> = BTreeMap::new();
    for (home, held, stored, positive, squad, address) in &rows {
        // Counted where they live when that is inside the reader's area,
        // else where they are held.
        let area = if !home.is_empty() && scope.covers(home) {
            home
        } else {
            held
        };
        let code = area.get(..len.min(area.len())).unwrap_or(area);
        let m = movement(
            MovementStatus::parse(stored).unwrap_or(MovementStatus::Free),
            sealed_in(home, address, &seals),
        );
        by.entry(code.to_owned())
            .or_insert_with(|| MovableCount {
                division_code: code.to_owned(),
                division_name: division_name(code),
                ..MovableCount::default()
            })
            .add(m, *positive || squad.as_deref() == Some("stood_down"));
    }
    Ok(by.into_values().collect())
}

/// A volunteer as the positive form names them: their name and the squad
/// they are in now ("" for none). Not found outside the caller's area.
pub async fn brief(tx: &mut Tx, scope: &Scope, id: i64) -> Result<(String, String), AppError> {
    coordinates(scope)?;
    let (_, _, name) = volunteer(tx, scope, id).await?;
    let squad = fetch_optional!(
        &mut *tx,
        (String,),
        "SELECT s.name FROM squad_members m JOIN squads s ON s.id = m.squad_id WHERE m.volunteer_id = $1 AND m.left_at IS NULL",
        id
    )?
    .map(|(n,)| n)
    .unwrap_or_default();
    Ok((name, squad))
}

/// A volunteer inside the caller's area: (org, jurisdiction, name).
pub(crate) async fn volunteer(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
) -> Result<(i64, String, String), AppError> {
    fetch_optional!(
        &mut *tx,
        (i64, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT org_id, jurisdiction_code, name FROM volunteers WHERE id = $1 AND {}",
            inside("jurisdiction_code", 2)
        )),
        id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)
}

async fn stints_of(tx: &mut Tx, column: &str, ids: &[i64]) -> sqlx::Result<Vec<Stint>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Ids from rows just read (numbers), never input; the column is ours.
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    Ok(fetch_all!(
        &mut *tx,
        (i64, i64, String, OffsetDateTime, Option<OffsetDateTime>),
        sqlx::AssertSqlSafe(format!(
            "SELECT m.volunteer_id, m.squad_id, s.name, m.joined_at, m.left_at
             FROM squad_members m JOIN squads s ON s.id = m.squad_id
             WHERE m.{column} IN ({}) ORDER BY m.joined_at, m.id",
            list.join(", ")
        ))
    )?
    .into_iter()
    .map(
        |(volunteer_id, squad_id, squad_name, joined_at, left_at)| Stint {
            volunteer_id,
            squad_id,
            squad_name,
            joined_at,
            left_at,
        },
    )
    .collect())
}

/// Add a volunteer to a squad: same organisation, not positive, room in
/// the squad, and the contact rule (in no other squad, none left inside
/// the window). Of two joins at once, the one-open-membership index
/// decides; the other is told which squad won.
pub async fn join(
    db: &Db,
    scope: &Scope,
    window: Duration,
    squad_id: i64,
    volunteer_id: i64,
) -> Result<Squad, AppError> {
    let (mut tx, s) = at_work(db, scope, squad_id).await?;
    let (org, _, _) = volunteer(&mut tx, scope, volunteer_id).await?;
    if org != s.org_id {
        return Err(AppError::invalid("volunteer_id", "err-squad-other-org"));
    }
    // Their row too: a positive marked at this moment either finished (and
    // refuses this join) or waits for it and stands this squad down.
    let well = execute!(
        &mut tx,
        "UPDATE volunteers SET available = available WHERE id = $1 AND positive_at IS NULL",
        volunteer_id
    )?;
    if well == 0 {
        return Err(AppError::Conflict("err-volunteer-positive"));
    }
    let now = crate::db::now();
    let stints = stints_of(&mut tx, "volunteer_id", &[volunteer_id]).await?;
    if may_join(squad_id, &stints, now, window).map_err(refused)? == Join::Already {
        return Ok(s);
    }
    if s.size >= s.max_size {
        return Err(AppError::Refused(
            "err-squad-full",
            vec![("count", s.max_size.to_string())],
        ));
    }
    let inserted = execute!(
        &mut tx,
        "INSERT INTO squad_members (squad_id, volunteer_id, joined_at) VALUES ($1, $2, $3)",
        squad_id,
        volunteer_id,
        Ts::from(now)
    );
    match inserted {
        Ok(_) => {}
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            drop(tx);
            // Another join won between our read and our write: name it.
            let mut tx = db.read().await?;
            let stints = stints_of(&mut tx, "volunteer_id", &[volunteer_id]).await?;
            return Err(match may_join(squad_id, &stints, now, window) {
                Err(r) => refused(r),
                Ok(_) => AppError::Conflict("err-squad-retry"),
            });
        }
        Err(e) => return Err(e.into()),
    }
    finish(
        tx,
        scope,
        squad_id,
        NewEvent::by(scope, "squad.join", "squad", squad_id, &s.division_code)
            .after(serde_json::json!({"volunteer_id": volunteer_id})),
    )
    .await
}

/// Take a squad's row for this transaction (PostgreSQL holds it to the
/// commit; SQLite's writer is one at a time anyway), so that changes to one
/// squad — its size, leader, status — are made one after another.
async fn lock(tx: &mut Tx, squad_id: i64) -> sqlx::Result<u64> {
    execute!(
        &mut *tx,
        "UPDATE squads SET updated_at = $1 WHERE id = $2",
        crate::db::stamp(),
        squad_id
    )
}

/// A squad at work, read and locked for a change to it (a squad stood down
/// or disbanded takes no one and touches nothing). Read after the lock, so
/// its size and status are the ones this change works on.
async fn at_work(db: &Db, scope: &Scope, squad_id: i64) -> Result<(Tx, Squad), AppError> {
    let mut tx = db.write().await?;
    let s = at_work_in(&mut tx, scope, squad_id).await?;
    Ok((tx, s))
}

/// `at_work` inside the caller's transaction (dispatch assigns several).
pub(crate) async fn at_work_in(
    tx: &mut Tx,
    scope: &Scope,
    squad_id: i64,
) -> Result<Squad, AppError> {
    coordinates(scope)?;
    squad(tx, scope, squad_id).await?;
    lock(tx, squad_id).await?;
    let s = squad(tx, scope, squad_id).await?;
    if s.status != SquadStatus::Active.as_str() {
        return Err(AppError::Conflict("err-squad-not-active"));
    }
    Ok(s)
}

/// The end of a change to a squad: its event, the squad as it is now, the
/// commit.
async fn finish(
    mut tx: Tx,
    scope: &Scope,
    squad_id: i64,
    event: NewEvent,
) -> Result<Squad, AppError> {
    record(&mut tx, event).await?;
    let s = squad(&mut tx, scope, squad_id).await?;
    tx.commit().await?;
    Ok(s)
}

/// Take a volunteer out of a squad (the leader's place falls empty).
/// They may not join another inside the window.
pub async fn leave(
    db: &Db,
    scope: &Scope,
    squad_id: i64,
    volunteer_id: i64,
    reason: &str,
) -> Result<Squad, AppError> {
    coordinates(scope)?;
    let mut errors = Invalid::default();
    errors.reason("reason", reason, 200);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let s = squad(&mut tx, scope, squad_id).await?;
    lock(&mut tx, squad_id).await?;
    let now = crate::db::stamp();
    let left = execute!(
        &mut tx,
        "UPDATE squad_members SET left_at = $1 WHERE squad_id = $2 AND volunteer_id = $3 AND left_at IS NULL",
        now,
        squad_id,
        volunteer_id
    )?;
    if left == 0 {
        return Err(AppError::NotFound);
    }
    execute!(
        &mut tx,
        "UPDATE squads SET leader_id = NULL WHERE id = $1 AND leader_id = $2",
        squad_id,
        volunteer_id
    )?;
    finish(
        tx,
        scope,
        squad_id,
        NewEvent::by(scope, "squad.leave", "squad", squad_id, &s.division_code)
            .reason(reason.trim())
            .before(serde_json::json!({"volunteer_id": volunteer_id})),
    )
    .await
}

/// Make a member the squad's leader.
pub async fn lead(
    db: &Db,
    scope: &Scope,
    squad_id: i64,
    volunteer_id: i64,
) -> Result<Squad, AppError> {
    coordinates(scope)?;
    let mut tx = db.write().await?;
    let s = squad(&mut tx, scope, squad_id).await?;
    lock(&mut tx, squad_id).await?;
    let member = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM squad_members WHERE squad_id = $1 AND volunteer_id = $2 AND left_at IS NULL",
        squad_id,
        volunteer_id
    )?;
    if member == 0 {
        return Err(AppError::invalid("volunteer_id", "err-squad-not-member"));
    }
    execute!(
        &mut tx,
        "UPDATE squads SET leader_id = $1, updated_at = $2 WHERE id = $3",
        volunteer_id,
        crate::db::stamp(),
        squad_id
    )?;
    finish(
        tx,
        scope,
        squad_id,
        NewEvent::by(scope, "squad.lead", "squad", squad_id, &s.division_code)
            .before(serde_json::json!({"leader_id": s.leader_id}))
            .after(serde_json::json!({"leader_id": volunteer_id})),
    )
    .await
}

/// A touch as listed on a squad's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    #[schema(value_type = ContactKind)]
    pub kind: String,
    pub target_id: i64,
    /// What it is: a plate, a depot, a gate (zone), a need's reference.
    pub label: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

/// What a target is, read inside the caller's area (else not found): its
/// label and division.
async fn target(
    tx: &mut Tx,
    scope: &Scope,
    kind: ContactKind,
    id: i64,
) -> Result<(String, String), AppError> {
    let sql = match kind {
        ContactKind::Vehicle => format!(
            "SELECT plate, division_code FROM vehicles WHERE id = $1 AND {}",
            related("division_code", 2)
        ),
        ContactKind::Depot => format!(
            "SELECT name, division_code FROM depots WHERE id = $1 AND {}",
            related("division_code", 2)
        ),
        ContactKind::Handoff | ContactKind::Pickup => format!(
            "SELECT division_code || ' ' || compound, division_code FROM zones WHERE id = $1 AND {}",
            related("division_code", 2)
        ),
        // The need's place: its community, else (no place read from the
        // address) the jurisdiction that holds it.
        ContactKind::Household => format!(
            "SELECT reference, place FROM (SELECT reference, CASE WHEN division_code = '' THEN jurisdiction_code ELSE division_code END AS place FROM needs WHERE id = $1) n WHERE {}",
            inside("place", 2)
        ),
    };
    let (label, division) = fetch_optional!(
        &mut *tx,
        (String, String),
        sqlx::AssertSqlSafe(sql),
        id,
        scope.jurisdiction()
    )?
    .ok_or_else(|| AppError::invalid("target_id", "err-contact-target"))?;
    let label = shown(kind, label);
    Ok((label, division))
}

/// A target's label as people read it: a gate by its place, a household
/// by its need's reference (spaced as printed).
fn shown(kind: ContactKind, label: String) -> String {
    match kind {
        ContactKind::Handoff | ContactKind::Pickup => {
            let (code, compound) = label.split_once(' ').unwrap_or((&label, ""));
            format!("{} {compound}", division_name(code))
                .trim()
                .to_owned()
        }
        ContactKind::Household => crate::supply::pages::spaced(&label),
        _ => label,
    }
}

async fn touches_of(
    tx: &mut Tx,
    kind: ContactKind,
    target_id: i64,
    since: OffsetDateTime,
) -> sqlx::Result<Vec<Touch>> {
    Ok(fetch_all!(
        &mut *tx,
        (i64, String, i64, OffsetDateTime),
        "SELECT c.squad_id, s.name, c.target_id, c.at FROM contacts c JOIN squads s ON s.id = c.squad_id
         WHERE c.kind = $1 AND c.target_id = $2 AND c.at > $3",
        kind.as_str(),
        target_id,
        Ts::from(since)
    )?
    .into_iter()
    .map(|(squad_id, squad_name, target_id, at)| Touch {
        squad_id,
        squad_name,
        kind,
        target_id,
        at,
    })
    .collect())
}

/// Record that a squad uses a vehicle, a depot, a gate or a household now
/// — refused, naming the other squad, when another touched it inside the
/// window. The squad must be active. Two squads taking one vehicle at once
/// cannot both pass: each write takes the target's row (`contact_holds`)
/// only where no other squad holds it inside the window.
pub async fn touch(
    db: &Db,
    scope: &Scope,
    window: Duration,
    squad_id: i64,
    kind: ContactKind,
    target_id: i64,
) -> Result<Contact, AppError> {
    let (mut tx, s) = at_work(db, scope, squad_id).await?;
    let contact = touch_in(&mut tx, scope, window, &s, kind, target_id, None).await?;
    tx.commit().await?;
    Ok(contact)
}

/// `touch` inside the caller's transaction, for a squad `at_work_in` read.
/// A refusal leaves the transaction to be dropped by the caller.
/// `task` names the dispatch task the touch is planned for (undone with
/// it if its squad is stood off before going).
pub(crate) async fn touch_in(
    tx: &mut Tx,
    scope: &Scope,
    window: Duration,
    s: &Squad,
    kind: ContactKind,
    target_id: i64,
    task: Option<i64>,
) -> Result<Contact, AppError> {
    let squad_id = s.id;
    let (label, division) = target(tx, scope, kind, target_id).await?;
    let now = crate::db::now();
    let since = now - window;
    let touches = touches_of(tx, kind, target_id, since).await?;
    may_touch(squad_id, &touches, now, window).map_err(refused)?;
    let held = execute!(
        &mut *tx,
        "INSERT INTO contact_holds (kind, target_id, squad_id, at, task_id) VALUES ($1, $2, $3, $4, $6)
         ON CONFLICT (kind, target_id) DO UPDATE SET squad_id = excluded.squad_id, at = excluded.at, task_id = excluded.task_id
         WHERE contact_holds.squad_id = excluded.squad_id OR contact_holds.at <= $5",
        kind.as_str(),
        target_id,
        squad_id,
        Ts::from(now),
        Ts::from(since),
        task
    )?;
    if held == 0 {
        // Another squad's hold, committed after our read: read it now
        // (PostgreSQL's next statement sees it; SQLite had one writer).
        let touches = touches_of(tx, kind, target_id, since).await?;
        return Err(match may_touch(squad_id, &touches, now, window) {
            Err(r) => refused(r),
            Ok(()) => AppError::Conflict("err-squad-retry"),
        });
    }
    execute!(
        &mut *tx,
        "INSERT INTO contacts (squad_id, kind, target_id, division_code, at, recorded_by, task_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        squad_id,
        kind.as_str(),
        target_id,
        &division,
        Ts::from(now),
        scope.account_id(),
        task
    )?;
    record(
        tx,
        NewEvent::by(scope, "squad.touch", "squad", squad_id, &s.division_code)
            .after(serde_json::json!({"kind": kind.as_str(), "target_id": target_id})),
    )
    .await?;
    Ok(Contact {
        kind: kind.as_str().to_owned(),
        target_id,
        label,
        at: now,
    })
}

/// What a squad touched inside the window, latest first.
pub async fn contacts(
    tx: &mut Tx,
    scope: &Scope,
    window: Duration,
    squad_id: i64,
) -> Result<Vec<Contact>, AppError> {
    squad(tx, scope, squad_id).await?;
    let since = crate::db::now() - window;
    let rows = fetch_all!(
        &mut *tx,
        (String, i64, OffsetDateTime),
        "SELECT kind, target_id, at FROM contacts WHERE squad_id = $1 AND at > $2 ORDER BY at DESC LIMIT 500",
        squad_id,
        Ts::from(since)
    )?;
    Ok(contacts_labelled(tx, rows).await?)
}

/// Contacts as read (kind, target, when), with their labels.
async fn contacts_labelled(
    tx: &mut Tx,
    rows: Vec<(String, i64, OffsetDateTime)>,
) -> sqlx::Result<Vec<Contact>> {
    let keys: Vec<(ContactKind, i64)> = rows
        .iter()
        .filter_map(|(k, t, _)| Some((ContactKind::parse(k)?, *t)))
        .collect();
    let labels = labels(tx, &keys).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, target_id, at)| {
            let k = ContactKind::parse(&kind)?;
            Some(Contact {
                label: labels.get(&(k, target_id)).cloned().unwrap_or_default(),
                kind,
                target_id,
                at,
            })
        })
        .collect())
}

/// Labels of targets, a read per kind.
async fn labels(
    tx: &mut Tx,
    keys: &[(ContactKind, i64)],
) -> sqlx::Result<BTreeMap<(ContactKind, i64), String>> {
    let mut out = BTreeMap::new();
    for kind in ContactKind::ALL.iter().copied() {
        let ids: BTreeSet<String> = keys
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, t)| t.to_string())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let list = ids.into_iter().collect::<Vec<_>>().join(", ");
        // Ids are numbers from rows just read.
        let sql = match kind {
            ContactKind::Vehicle => format!("SELECT id, plate FROM vehicles WHERE id IN ({list})"),
            ContactKind::Depot => format!("SELECT id, name FROM depots WHERE id IN ({list})"),
            ContactKind::Handoff | ContactKind::Pickup => format!(
                "SELECT id, division_code || ' ' || compound FROM zones WHERE id IN ({list})"
            ),
            ContactKind::Household => {
                format!("SELECT id, reference FROM needs WHERE id IN ({list})")
            }
        };
        for (id, label) in fetch_all!(&mut *tx, (i64, String), sqlx::AssertSqlSafe(sql))? {
            let label = shown(kind, label);
            out.insert((kind, id), label);
        }
    }
    Ok(out)
}

/// A vehicle of the vehicle team (车辆保障组).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Vehicle {
    pub id: i64,
    pub org_id: i64,
    pub division_code: String,
    pub plate: String,
    pub description: String,
    pub seats: i64,
}

#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
pub struct NewVehicle {
    pub org_id: i64,
    pub division_code: String,
    /// The plate, e.g. 陕A·12345.
    pub plate: String,
    #[serde(default)]
    pub description: String,
    pub seats: i64,
}

pub async fn vehicles(tx: &mut Tx, scope: &Scope) -> Result<Vec<Vehicle>, AppError> {
    coordinates(scope)?;
    Ok(fetch_all!(
        &mut *tx,
        Vehicle,
        sqlx::AssertSqlSafe(format!(
            "SELECT id, org_id, division_code, plate, description, seats FROM vehicles WHERE {} ORDER BY plate LIMIT 1000",
            related("division_code", 1)
        )),
        scope.jurisdiction()
    )?)
}

/// A plate as written on it: letters upper case, the separators people
/// type (spaces, dots, dashes) dropped.
pub fn plate(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '.' | '-' | '•' | '・'))
        .flat_map(char::to_uppercase)
        .collect()
}

pub async fn create_vehicle(db: &Db, scope: &Scope, n: &NewVehicle) -> Result<Vehicle, AppError> {
    coordinates(scope)?;
    let mut errors = Invalid::default();
    errors.text("plate", &n.plate, 12);
    errors.optional("description", &n.description, 100);
    let plate = plate(&n.plate);
    if errors.key_for("plate").is_none() && !(5..=9).contains(&plate.chars().count()) {
        errors.push(FieldError::new("plate", "err-plate"));
    }
    if !(1..=60).contains(&n.seats) {
        errors.push(FieldError::new("seats", "err-seats"));
    }
    let code = n.division_code.trim();
    if divisions::Tree::china().find(code).is_none() {
        errors.push(FieldError::new("division_code", "err-division"));
    }
    errors.into_result()?;
    if !scope.covers(code) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.write().await?;
    crate::orgs::store::approved(&mut tx, n.org_id).await?;
    let taken = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM vehicles WHERE plate = $1",
        &plate
    )?;
    if taken > 0 {
        return Err(AppError::invalid("plate", "err-plate-taken"));
    }
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO vehicles (org_id, division_code, plate, description, seats, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        n.org_id,
        code,
        &plate,
        n.description.trim(),
        n.seats,
        scope.account_id(),
        crate::db::stamp()
    )
    .map_err(|e| taken_as(e, "plate", "err-plate-taken"))?;
    record(
        &mut tx,
        NewEvent::by(scope, "vehicle.create", "vehicle", id, code)
            .after(serde_json::json!({"plate": plate, "seats": n.seats})),
    )
    .await?;
    tx.commit().await?;
    Ok(Vehicle {
        id,
        org_id: n.org_id,
        division_code: code.to_owned(),
        plate,
        description: n.description.trim().to_owned(),
        seats: n.seats,
    })
}

/// Set what a coordinator knows of a volunteer's movement (free, pass,
/// stranded; sealed in follows the zones), with a reason.
pub async fn set_movement(
    db: &Db,
    scope: &Scope,
    volunteer_id: i64,
    to: MovementStatus,
    reason: &str,
) -> Result<(), AppError> {
    coordinates(scope)?;
    let mut errors = Invalid::default();
    if !to.settable() {
        errors.push(FieldError::new("movement", "err-movement"));
    }
    errors.reason("reason", reason, 200);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let (_, jurisdiction, _) = volunteer(&mut tx, scope, volunteer_id).await?;
    let before = fetch_scalar!(
        &mut tx,
        String,
        "SELECT movement FROM volunteers WHERE id = $1",
        volunteer_id
    )?;
    execute!(
        &mut tx,
        "UPDATE volunteers SET movement = $1 WHERE id = $2",
        to.as_str(),
        volunteer_id
    )?;
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "volunteer.movement",
            "volunteer",
            volunteer_id,
            &jurisdiction,
        )
        .reason(reason.trim())
        .before(serde_json::json!({"movement": before}))
        .after(serde_json::json!({"movement": to.as_str()})),
    )
    .await?;
    crate::care::store::promote_for(&mut tx, Some(scope), &[volunteer_id]).await?;
    tx.commit().await?;
    Ok(())
}

/// A volunteer leaves the roster, with a reason: out of their squad now
/// (its leader's place falls empty), off duty, no longer proposed for
/// tasks; whom they guarded has the backup as guardian. Twice is a 409.
pub async fn leave_roster(
    db: &Db,
    scope: &Scope,
    volunteer_id: i64,
    reason: &str,
) -> Result<(), AppError> {
    coordinates(scope)?;
    let mut errors = Invalid::default();
    errors.reason("reason", reason, 200);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let (_, jurisdiction, _) = volunteer(&mut tx, scope, volunteer_id).await?;
    let now = crate::db::now();
    let left = execute!(
        &mut tx,
        "UPDATE volunteers SET left_roster_at = $1, available = $2 WHERE id = $3 AND left_roster_at IS NULL",
        Ts::from(now),
        false,
        volunteer_id
    )?;
    if left == 0 {
        return Err(AppError::Conflict("err-volunteer-left"));
    }
    execute!(
        &mut tx,
        "UPDATE squads SET leader_id = NULL WHERE leader_id = $1",
        volunteer_id
    )?;
    execute!(
        &mut tx,
        "UPDATE squad_members SET left_at = $1 WHERE volunteer_id = $2 AND left_at IS NULL",
        Ts::from(now),
        volunteer_id
    )?;
    crate::training::store::close_duty(&mut tx, volunteer_id, now).await?;
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "volunteer.leave",
            "volunteer",
            volunteer_id,
            &jurisdiction,
        )
        .reason(reason.trim()),
    )
    .await?;
    crate::care::store::promote_for(&mut tx, Some(scope), &[volunteer_id]).await?;
    tx.commit().await?;
    Ok(())
}

/// A person on an exposure trace (phone masked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TracePerson {
    pub volunteer_id: i64,
    pub name: String,
    pub phone: String,
    pub squad_names: Vec<String>,
}

/// A squad outside the positive volunteer's that touched what theirs did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TraceShared {
    pub squad_id: i64,
    pub squad_name: String,
    pub shared: Vec<Contact>,
}

/// Everyone and everything a positive volunteer may have reached.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Trace {
    pub volunteer_id: i64,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub positive_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub window_from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub window_to: OffsetDateTime,
    /// Their squads in the window (stood down).
    pub squads: Vec<Squad>,
    pub people: Vec<TracePerson>,
    /// Exposed people held outside the reader's area (their office sees them).
    pub people_elsewhere: usize,
    /// What those squads touched (the last time each): vehicles, depots,
    /// gates, households (by their needs).
    pub contacts: Vec<Contact>,
    /// Other squads that touched the same (none while the rule held).
    pub shared: Vec<TraceShared>,
}

/// Mark a volunteer positive (tested at `at`, at most 30 days ago) and
/// stand down the squads they were in during the window; nothing else is
/// touched. Their trace is the answer.
pub async fn mark_positive(
    db: &Db,
    scope: &Scope,
    window: Duration,
    volunteer_id: i64,
    at: OffsetDateTime,
    reason: &str,
) -> Result<Trace, AppError> {
    coordinates(scope)?;
    let now = crate::db::now();
    let mut errors = Invalid::default();
    if at > now + Duration::minutes(5) || at < now - Duration::days(30) {
        errors.push(FieldError::new("at", "err-positive-at"));
    }
    errors.reason("reason", reason, 200);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let (_, jurisdiction, _) = volunteer(&mut tx, scope, volunteer_id).await?;
    let marked = execute!(
        &mut tx,
        "UPDATE volunteers SET positive_at = $1, positive_marked_at = $2, available = $3 WHERE id = $4 AND positive_at IS NULL",
        Ts::from(at),
        Ts::from(now),
        false,
        volunteer_id
    )?;
    if marked == 0 {
        return Err(AppError::Conflict("err-volunteer-positive"));
    }
    // Off duty at once: hours stop when the work does.
    crate::training::store::close_duty(&mut tx, volunteer_id, now).await?;
    record(
        &mut tx,
        NewEvent::by(scope, "volunteer.positive", "volunteer", volunteer_id, &jurisdiction)
            .reason(reason.trim())
            .after(serde_json::json!({"positive_at": at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()})),
    )
    .await?;
    let stints = stints_of(&mut tx, "volunteer_id", &[volunteer_id]).await?;
    let from = at - window;
    let squads: BTreeSet<i64> = stints
        .iter()
        .filter(|s| s.overlaps(from, now.max(at)))
        .map(|s| s.squad_id)
        .collect();
    for id in squads {
        // Every squad of the window, stood down already or not, is taken
        // (its row locked), so a release running now waits for this one.
        // The reason stays on the event: it speaks of a person's test.
        let down = execute!(
            &mut tx,
            "UPDATE squads SET status = 'stood_down', status_reason = '', updated_at = $1 WHERE id = $2 AND status IN ('active', 'stood_down')",
            crate::db::stamp(),
            id
        )?;
        if down > 0 {
            let division = fetch_scalar!(
                &mut tx,
                String,
                "SELECT division_code FROM squads WHERE id = $1",
                id
            )?;
            record(
                &mut tx,
                NewEvent::by(scope, "squad.stand_down", "squad", id, &division)
                    .reason(reason.trim())
                    .after(serde_json::json!({"volunteer_id": volunteer_id})),
            )
            .await?;
        }
    }
    let t = trace(&mut tx, scope, window, volunteer_id).await?;
    // Whom they and their squads guarded now has the backup as guardian.
    let exposed: Vec<i64> = t
        .people
        .iter()
        .map(|p| p.volunteer_id)
        .chain([volunteer_id])
        .collect();
    crate::care::store::promote_for(&mut tx, Some(scope), &exposed).await?;
    tx.commit().await?;
    Ok(t)
}

/// Disband a squad, with a reason: every member leaves it now (so none
/// joins another inside the window), the leader's place falls empty, and it
/// takes no one and touches nothing again.
pub async fn disband(
    db: &Db,
    scope: &Scope,
    squad_id: i64,
    reason: &str,
) -> Result<Squad, AppError> {
    coordinates(scope)?;
    let mut errors = Invalid::default();
    errors.reason("reason", reason, 200);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let s = squad(&mut tx, scope, squad_id).await?;
    let now = crate::db::stamp();
    let moved = execute!(
        &mut tx,
        "UPDATE squads SET status = 'disbanded', leader_id = NULL, updated_at = $1 WHERE id = $2 AND status <> 'disbanded'",
        now,
        squad_id
    )?;
    if moved == 0 {
        return Err(AppError::Conflict("err-squad-not-active"));
    }
    let left = execute!(
        &mut tx,
        "UPDATE squad_members SET left_at = $1 WHERE squad_id = $2 AND left_at IS NULL",
        now,
        squad_id
    )?;
    finish(
        tx,
        scope,
        squad_id,
        NewEvent::by(scope, "squad.disband", "squad", squad_id, &s.division_code)
            .reason(reason.trim())
            .before(serde_json::json!({"status": s.status, "members": left})),
    )
    .await
}

/// A positive volunteer recovered (a negative test), with a reason: back to
/// free movement and able to take work; their trace stays in the audit log
/// (the `volunteer.positive` event), and their squad stays as it is (a
/// coordinator releases it).
pub async fn recovered(
    db: &Db,
    scope: &Scope,
    volunteer_id: i64,
    reason: &str,
) -> Result<(), AppError> {
    coordinates(scope)?;
    let mut errors = Invalid::default();
    errors.reason("reason", reason, 200);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let (_, jurisdiction, _) = volunteer(&mut tx, scope, volunteer_id).await?;
    let moved = execute!(
        &mut tx,
        "UPDATE volunteers SET positive_at = NULL, positive_marked_at = NULL WHERE id = $1 AND positive_at IS NOT NULL",
        volunteer_id
    )?;
    if moved == 0 {
        return Err(AppError::Conflict("err-volunteer-not-positive"));
    }
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "volunteer.recovered",
            "volunteer",
            volunteer_id,
            &jurisdiction,
        )
        .reason(reason.trim()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How many tasks a squad may hold open at once (0–20): a squad inside a
/// sealed compound that carries from the gate to many doors takes more; 0
/// keeps it out of dispatch.
pub async fn set_capacity(
    db: &Db,
    scope: &Scope,
    squad_id: i64,
    capacity: i64,
) -> Result<Squad, AppError> {
    coordinates(scope)?;
    if !(0..=CAPACITY_LIMIT).contains(&capacity) {
        return Err(AppError::invalid("capacity", "err-squad-capacity"));
    }
    let mut tx = db.write().await?;
    let s = squad(&mut tx, scope, squad_id).await?;
    execute!(
        &mut tx,
        "UPDATE squads SET capacity = $1, updated_at = $2 WHERE id = $3",
        capacity,
        crate::db::stamp(),
        squad_id
    )?;
    finish(
        tx,
        scope,
        squad_id,
        NewEvent::by(scope, "squad.capacity", "squad", squad_id, &s.division_code)
            .before(serde_json::json!({"capacity": s.capacity}))
            .after(serde_json::json!({"capacity": capacity})),
    )
    .await
}

/// The most tasks a squad may hold open (the column's CHECK says the same).
pub const CAPACITY_LIMIT: i64 = 20;

/// Release a squad stood down (after its members tested negative), with a
/// reason. A positive member must leave it first.
pub async fn release(
    db: &Db,
    scope: &Scope,
    squad_id: i64,
    reason: &str,
) -> Result<Squad, AppError> {
    coordinates(scope)?;
    let mut errors = Invalid::default();
    errors.reason("reason", reason, 200);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let s = squad(&mut tx, scope, squad_id).await?;
    // The squad's row first: a member marked positive at this moment
    // either finished (and is counted below) or waits for this release and
    // stands the squad down again.
    lock(&mut tx, squad_id).await?;
    let positive = fetch_scalar!(
        &mut tx,
        i64,
        "SELECT COUNT(*) FROM squad_members m JOIN volunteers v ON v.id = m.volunteer_id
         WHERE m.squad_id = $1 AND m.left_at IS NULL AND v.positive_at IS NOT NULL",
        squad_id
    )?;
    if positive > 0 {
        return Err(AppError::Conflict("err-squad-has-positive"));
    }
    let moved = execute!(
        &mut tx,
        "UPDATE squads SET status = 'active', status_reason = '', updated_at = $1 WHERE id = $2 AND status = 'stood_down'",
        crate::db::stamp(),
        squad_id
    )?;
    if moved == 0 {
        return Err(AppError::Conflict("err-squad-not-stood-down"));
    }
    finish(
        tx,
        scope,
        squad_id,
        NewEvent::by(scope, "squad.release", "squad", squad_id, &s.division_code)
            .reason(reason.trim()),
    )
    .await
}

/// The exposure trace of a volunteer marked positive.
pub async fn trace(
    tx: &mut Tx,
    scope: &Scope,
    window: Duration,
    volunteer_id: i64,
) -> Result<Trace, AppError> {
    coordinates(scope)?;
    let (_, _, name) = volunteer(tx, scope, volunteer_id).await?;
    let (positive_at, marked_at) = match fetch_one!(
        &mut *tx,
        (Option<OffsetDateTime>, Option<OffsetDateTime>),
        "SELECT positive_at, positive_marked_at FROM volunteers WHERE id = $1",
        volunteer_id
    )? {
        (Some(p), m) => (p, m.unwrap_or(p)),
        (None, _) => return Err(AppError::Conflict("err-volunteer-not-positive")),
    };
    let from = positive_at - window;
    let to = marked_at.max(positive_at);
    let own = stints_of(tx, "volunteer_id", &[volunteer_id]).await?;
    let squad_ids: Vec<i64> = own
        .iter()
        .filter(|s| s.overlaps(from, to))
        .map(|s| s.squad_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut stints = stints_of(tx, "squad_id", &squad_ids).await?;
    stints.extend(own);
    let mut touches = Vec::new();
    if !squad_ids.is_empty() {
        let list: Vec<String> = squad_ids.iter().map(i64::to_string).collect();
        touches = touches_where(tx, &format!("c.squad_id IN ({})", list.join(", ")), from).await?;
        // Others that touched the same things in the window.
        let mut by_kind: BTreeMap<ContactKind, BTreeSet<i64>> = BTreeMap::new();
        for t in &touches {
            by_kind.entry(t.kind).or_default().insert(t.target_id);
        }
        let parts: Vec<String> = by_kind
            .iter()
            .map(|(k, ids)| {
                let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(
                    "(c.kind = '{}' AND c.target_id IN ({}))",
                    k.as_str(),
                    ids.join(", ")
                )
            })
            .collect();
        if !parts.is_empty() {
            let others = touches_where(
                tx,
                &format!(
                    "({}) AND c.squad_id NOT IN ({})",
                    parts.join(" OR "),
                    list.join(", ")
                ),
                from,
            )
            .await?;
            touches.extend(others);
        }
    }
    let e: Exposure = exposure(
        volunteer_id,
        positive_at,
        marked_at,
        window,
        &stints,
        &touches,
    );
    let keys: Vec<(ContactKind, i64)> = e.touched.keys().copied().collect();
    let labels = labels(tx, &keys).await?;
    let contact = |(k, t): (ContactKind, i64), at: OffsetDateTime| Contact {
        kind: k.as_str().to_owned(),
        target_id: t,
        label: labels.get(&(k, t)).cloned().unwrap_or_default(),
        at,
    };
    // Their squads by id: one may lie outside the reader's area (placed by
    // another office); it is named, its people below are not.
    let squad_list: Vec<String> = e.squads.iter().map(i64::to_string).collect();
    let squads = if squad_list.is_empty() {
        Vec::new()
    } else {
        fetch_all!(
            &mut *tx,
            Squad,
            sqlx::AssertSqlSafe(format!(
                "SELECT {SQUAD_COLUMNS} FROM squads s JOIN orgs o ON o.id = s.org_id WHERE s.id IN ({}) ORDER BY s.id",
                squad_list.join(", ")
            ))
        )?
        .into_iter()
        .map(|s| named(s, &BTreeMap::new()))
        .collect()
    };
    let names: BTreeMap<i64, String> = stints
        .iter()
        .map(|s| (s.squad_id, s.squad_name.clone()))
        .chain(touches.iter().map(|t| (t.squad_id, t.squad_name.clone())))
        .collect();
    let people_ids: Vec<String> = e.volunteers.iter().map(i64::to_string).collect();
    let (people, elsewhere): (Vec<_>, Vec<_>) = fetch_all!(
        &mut *tx,
        (i64, String, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT id, name, phone, jurisdiction_code FROM volunteers WHERE id IN ({}) ORDER BY id",
            people_ids.join(", ")
        ))
    )?
    .into_iter()
    .partition(|p| scope.covers(&p.3));
    let people = people
        .into_iter()
        .map(|(id, name, phone, _)| TracePerson {
            volunteer_id: id,
            name,
            phone: crate::phone::mask(&phone),
            squad_names: stints
                .iter()
                .filter(|s| s.volunteer_id == id && e.squads.contains(&s.squad_id))
                .map(|s| s.squad_name.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        })
        .collect();
    let mut contacts: Vec<Contact> = e.touched.iter().map(|(k, at)| contact(*k, *at)).collect();
    contacts.sort_by_key(|c| std::cmp::Reverse(c.at));
    let shared = e
        .shared
        .iter()
        .map(|(id, what)| TraceShared {
            squad_id: *id,
            squad_name: names.get(id).cloned().unwrap_or_default(),
            shared: what
                .iter()
                .map(|k| contact(*k, e.touched.get(k).copied().unwrap_or(to)))
                .collect(),
        })
        .collect();
    Ok(Trace {
        volunteer_id,
        name,
        positive_at,
        window_from: from,
        window_to: to,
        squads,
        people,
        people_elsewhere: elsewhere.len(),
        contacts,
        shared,
    })
}

async fn touches_where(
    tx: &mut Tx,
    condition: &str,
    from: OffsetDateTime,
) -> sqlx::Result<Vec<Touch>> {
    // The condition is built above from kinds and ids read from rows.
    Ok(fetch_all!(
        &mut *tx,
        (i64, String, String, i64, OffsetDateTime),
        sqlx::AssertSqlSafe(format!(
            "SELECT c.squad_id, s.name, c.kind, c.target_id, c.at FROM contacts c JOIN squads s ON s.id = c.squad_id
             WHERE {condition} AND c.at > $1"
        )),
        Ts::from(from)
    )?
    .into_iter()
    .filter_map(|(squad_id, squad_name, kind, target_id, at)| {
        Some(Touch {
            squad_id,
            squad_name,
            kind: ContactKind::parse(&kind)?,
            target_id,
            at,
        })
    })
    .collect())
}

/// The trace as a spreadsheet: one sheet, a section per list.
pub fn trace_xlsx(t: &Trace, lang: Lang) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = Format::new().set_bold();
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut row = 0u32;
    let stamp = crate::web::beijing;
    ws.write_with_format(row, 0, lang.t("trace-title"), &bold)
        .map_err(fail)?;
    ws.write(row, 1, &t.name).map_err(fail)?;
    row += 1;
    ws.write(row, 0, lang.t("trace-window")).map_err(fail)?;
    ws.write(
        row,
        1,
        format!("{} – {}", stamp(t.window_from), stamp(t.window_to)),
    )
    .map_err(fail)?;
    row += 2;
    ws.write_with_format(row, 0, lang.t("trace-squads"), &bold)
        .map_err(fail)?;
    row += 1;
    for s in &t.squads {
        ws.write(row, 0, &s.name).map_err(fail)?;
        ws.write(row, 1, &s.division_name).map_err(fail)?;
        ws.write(
            row,
            2,
            lang.t(&format!("squad-status-{}", s.status.replace('_', "-"))),
        )
        .map_err(fail)?;
        row += 1;
    }
    row += 1;
    ws.write_with_format(row, 0, lang.t("trace-people"), &bold)
        .map_err(fail)?;
    row += 1;
    for p in &t.people {
        ws.write(row, 0, &p.name).map_err(fail)?;
        ws.write(row, 1, &p.phone).map_err(fail)?;
        ws.write(row, 2, p.squad_names.join("、")).map_err(fail)?;
        row += 1;
    }
    row += 1;
    ws.write_with_format(row, 0, lang.t("trace-contacts"), &bold)
        .map_err(fail)?;
    row += 1;
    for c in &t.contacts {
        ws.write(row, 0, lang.t(&format!("contact-{}", c.kind)))
            .map_err(fail)?;
        ws.write(row, 1, &c.label).map_err(fail)?;
        ws.write(row, 2, stamp(c.at)).map_err(fail)?;
        row += 1;
    }
    row += 1;
    ws.write_with_format(row, 0, lang.t("trace-shared"), &bold)
        .map_err(fail)?;
    row += 1;
    for s in &t.shared {
        ws.write(row, 0, &s.squad_name).map_err(fail)?;
        let what: Vec<String> = s.shared.iter().map(|c| c.label.clone()).collect();
        ws.write(row, 1, what.join("、")).map_err(fail)?;
        row += 1;
    }
    ws.set_column_width(0, 24).map_err(fail)?;
    ws.set_column_width(1, 36).map_err(fail)?;
    ws.set_column_width(2, 24).map_err(fail)?;
    wb.save_to_buffer().map_err(fail)
}

/// What a volunteer sees of their own service: their movement now, whether
/// they are taking work, their squad and its members (phones masked), what
/// the squad touched in the window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyService {
    pub volunteer_id: i64,
    pub name: String,
    pub org_name: String,
    pub home: String,
    #[schema(value_type = MovementStatus)]
    pub movement: String,
    pub available: bool,
    pub positive: bool,
    pub squad: Option<Squad>,
    pub members: Vec<Member>,
    pub contacts: Vec<Contact>,
}

/// The signed-in volunteer's own record (not found: no volunteer record
/// is linked to this account).
pub async fn mine(tx: &mut Tx, me: &Scope, window: Duration) -> Result<MyService, AppError> {
    let row = fetch_optional!(
        &mut *tx,
        RosterRow,
        sqlx::AssertSqlSafe(format!("{ROSTER_SQL} WHERE v.account_id = $1")),
        me.account_id()
    )?
    .ok_or(AppError::NotFound)?;
    let org_name = fetch_scalar!(
        &mut *tx,
        String,
        "SELECT name FROM orgs WHERE id = $1",
        row.org_id
    )?;
    let seals = seals(tx).await?;
    let m = row.movement(&seals);
    let (squad, members, contacts) = match row.squad_id {
        Some(id) => {
            // Their own squad, read by id: a volunteer's account holds no
            // jurisdiction over squads, only membership of this one.
            let s = fetch_one!(
                &mut *tx,
                Squad,
                sqlx::AssertSqlSafe(format!(
                    "SELECT {SQUAD_COLUMNS} FROM squads s JOIN orgs o ON o.id = s.org_id WHERE s.id = $1"
                )),
                id
            )?;
            let members = members_of(tx, &s).await?;
            let since = crate::db::now() - window;
            let rows = fetch_all!(
                &mut *tx,
                (String, i64, OffsetDateTime),
                "SELECT kind, target_id, at FROM contacts WHERE squad_id = $1 AND at > $2 ORDER BY at DESC LIMIT 50",
                id,
                Ts::from(since)
            )?;
            let contacts = contacts_labelled(tx, rows).await?;
            let leaders = members
                .iter()
                .filter(|m| m.leader)
                .map(|m| (m.volunteer_id, m.name.clone()))
                .collect();
            (Some(named(s, &leaders)), members, contacts)
        }
        None => (None, Vec::new(), Vec::new()),
    };
    Ok(MyService {
        volunteer_id: row.id,
        name: row.name.clone(),
        org_name,
        home: crate::needs::model::read_as(&row.home_division),
        movement: m.as_str().to_owned(),
        available: row.available,
        positive: row.positive_at.is_some(),
        squad,
        members,
        contacts,
    })
}

/// A volunteer says whether they are taking work now (their own toggle).
pub async fn set_available(db: &Db, me: &Scope, available: bool) -> Result<(), AppError> {
    let mut tx = db.write().await?;
    let (id, jurisdiction) = fetch_optional!(
        &mut tx,
        (i64, String),
        "SELECT id, jurisdiction_code FROM volunteers WHERE account_id = $1",
        me.account_id()
    )?
    .ok_or(AppError::NotFound)?;
    // A positive volunteer is off work until a coordinator clears them.
    let moved = execute!(
        &mut tx,
        "UPDATE volunteers SET available = $1 WHERE id = $2 AND positive_at IS NULL",
        available,
        id
    )?;
    if moved == 0 {
        return Err(AppError::Conflict("err-volunteer-positive"));
    }
    record(
        &mut tx,
        NewEvent::by(me, "volunteer.available", "volunteer", id, &jurisdiction)
            .after(serde_json::json!({"available": available})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
