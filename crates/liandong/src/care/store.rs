//! SQL for care recipients: the registry, guardians and backups, check-ins
//! and their alarms, coverage and its gaps, promotion when a guardian can
//! no longer reach the person, proposals, plan lists.

pub mod cases;
pub mod crises;
pub mod schedules;
pub mod teams;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::model::{
    CareCategory, CheckedRecipient, CheckinKind, CheckinOutcome, CommunityCoverage, GUARDING_MAX,
    Gap, GuardianState, NewRecipient, Routine, Unreachable, fit, gap, near, promotes, reach,
    street_of,
};
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::{Reveal, record, reveal_assigned_in};
use crate::db::{Db, Ts, Tx, inside};
use crate::needs::model::{mask_address, mask_name, read_as};
use crate::orgs::model::division_name;
use crate::squads::model::{MovementStatus, SealIndex};
use crate::web::error::{AppError, FieldError, Invalid};
use crate::{execute, fetch_all, fetch_optional, fetch_packed, fetch_scalar};

/// Those who keep the registry: the community office and social workers.
pub(crate) fn cares(scope: &Scope) -> Result<(), AppError> {
    if scope.role().cares() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Those who may read coverage: the registry's keepers, and office heads
/// watching (names masked).
fn watches(scope: &Scope) -> Result<(), AppError> {
    if scope.role().cares() || scope.role() == crate::access::model::Role::Viewer {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A name as the reader may see it: whole for the registry's keepers and
/// for a guardian (a volunteer reads only the people they are named for),
/// its first character for those who only watch.
fn shown_name(scope: &Scope, name: &str) -> String {
    if scope.role().cares() || scope.role() == crate::access::model::Role::Volunteer {
        name.to_owned()
    } else {
        mask_name(name)
    }
}

/// A named guardian or backup as the office sees them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    pub volunteer_id: i64,
    pub name: String,
    pub phone: String,
    /// Why they cannot reach the person now (absent: they can).
    #[schema(value_type = Option<Unreachable>)]
    pub unreachable: Option<String>,
}

/// A care recipient: phone and address masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CareRecipient {
    pub id: i64,
    pub division_code: String,
    pub division_name: String,
    pub compound: String,
    pub name: String,
    pub phone: String,
    pub address: String,
    #[schema(value_type = Vec<CareCategory>)]
    pub categories: Vec<String>,
    #[schema(value_type = Vec<Routine>)]
    pub routine: Vec<String>,
    pub notes: String,
    pub checkin_hours: i64,
    pub guardian: Option<Named>,
    pub backup: Option<Named>,
    #[schema(value_type = Option<Gap>)]
    pub gap: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_checkin_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub checkin_due_at: OffsetDateTime,
    /// The check-in is overdue now.
    pub missed: bool,
    /// active | ended.
    pub status: String,
    pub status_reason: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    division_code: String,
    compound: String,
    name: String,
    phone: String,
    address: String,
    categories: String,
    routine: String,
    notes: String,
    checkin_hours: i64,
    guardian_id: Option<i64>,
    backup_id: Option<i64>,
    last_checkin_at: Option<OffsetDateTime>,
    checkin_due_at: OffsetDateTime,
    status: String,
    status_reason: String,
}

const COLUMNS: &str = "r.id, r.division_code, r.compound, r.name, r.phone, r.address, r.categories, r.routine, r.notes,
    r.checkin_hours, r.guardian_id, r.backup_id, r.last_checkin_at, r.checkin_due_at, r.status, r.status_reason";

/// What reach is read from: the zones keeping people in, and the named
/// volunteers' states.
pub(crate) struct World {
    pub seals: SealIndex,
    pub volunteers: HashMap<i64, GuardianState>,
    pub now: OffsetDateTime,
}

impl World {
    /// Whether the volunteer `id` (or nobody) can reach a person held in
    /// the seals `held`.
    fn reach(&self, id: Option<i64>, held: &[usize]) -> Result<(), Unreachable> {
        match id.and_then(|id| self.volunteers.get(&id)) {
            None => Err(Unreachable::Unnamed),
            Some(g) => reach(g, held),
        }
    }

    fn held(&self, division: &str, compound: &str) -> Vec<usize> {
        self.seals.holding(division, compound)
    }

    fn named(&self, id: Option<i64>, held: &[usize]) -> Option<Named> {
        let g = self.volunteers.get(&id?)?;
        Some(Named {
            volunteer_id: g.id,
            name: g.name.clone(),
            phone: crate::phone::mask(&g.phone),
            unreachable: reach(g, held).err().map(|u| u.as_str().to_owned()),
        })
    }

    /// What each person lacks, and why (the guardian's reason for no
    /// guardian, the backup's for no backup). The seals holding a place
    /// are found once per community and compound, not once per person.
    fn judge_all(&self, lights: &[Light]) -> Vec<Option<(Gap, Unreachable)>> {
        let mut held: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        lights
            .iter()
            .map(|l| {
                let h = held
                    .entry((&l.division_code, &l.compound))
                    .or_insert_with(|| self.held(&l.division_code, &l.compound));
                self.judge(l, h)
            })
            .collect()
    }

    fn judge(&self, l: &Light, held: &[usize]) -> Option<(Gap, Unreachable)> {
        let (g, b) = (
            self.reach(l.guardian_id, held),
            self.reach(l.backup_id, held),
        );
        let gap = gap(g, b)?;
        let why = match gap {
            Gap::NoGuardian => g.err(),
            Gap::NoBackup => b.err(),
        };
        Some((gap, why.unwrap_or(Unreachable::Unnamed)))
    }
}

/// The zones keeping people in now, indexed.
async fn seal_index(tx: &mut Tx) -> sqlx::Result<SealIndex> {
    Ok(SealIndex::new(crate::squads::store::seals(tx).await?))
}

/// The volunteers `filter` selects (SQL over `v`), as reach reads them.
async fn volunteer_states(
    tx: &mut Tx,
    seals: &SealIndex,
    filter: &str,
    arg: &str,
) -> sqlx::Result<HashMap<i64, GuardianState>> {
    // A compound's seal is read from the address; without one, the
    // applications are not joined.
    let compounds = seals.has_compounds();
    let rows = fetch_packed!(
        &mut *tx,
        VolunteerRow,
        "id, name, phone, home_division, movement, stood_down, left_roster, skills, address",
        &format!(
            "v.id, v.name, v.phone, v.home_division, v.movement,
             CASE WHEN v.positive_at IS NOT NULL OR s.status = 'stood_down' THEN 1 ELSE 0 END AS stood_down,
             CASE WHEN v.left_roster_at IS NOT NULL THEN 1 ELSE 0 END AS left_roster, v.skills, {} AS address",
            if compounds { "a.address" } else { "''" }
        ),
        &format!(
            "FROM volunteers v {}
             LEFT JOIN squad_members m ON m.volunteer_id = v.id AND m.left_at IS NULL
             LEFT JOIN squads s ON s.id = m.squad_id
             WHERE {filter}",
            if compounds {
                "JOIN applications a ON a.id = v.application_id"
            } else {
                ""
            },
        ),
        arg
    )?;
    Ok(rows
        .into_iter()
        .map(|v| {
            let sealed = seals.holding(&v.home_division, &v.address);
            (
                v.id,
                GuardianState {
                    id: v.id,
                    name: v.name,
                    phone: v.phone,
                    home_division: v.home_division,
                    sealed,
                    movement: MovementStatus::parse(&v.movement),
                    stood_down: v.stood_down == 1,
                    left: v.left_roster == 1,
                    skills: v.skills,
                },
            )
        })
        .collect())
}

/// A volunteer as reach reads them (flags as integers: `fetch_packed`).
#[derive(Deserialize)]
struct VolunteerRow {
    id: i64,
    name: String,
    phone: String,
    home_division: String,
    movement: String,
    stood_down: i32,
    left_roster: i32,
    skills: String,
    address: String,
}

crate::pg_row_by_position!(VolunteerRow {
    id,
    name,
    phone,
    home_division,
    movement,
    stood_down,
    left_roster,
    skills,
    address
});

/// The world for recipients of `area` at `now`: the seals, and every
/// volunteer named for one of them.
///
/// Guardians are named from the person's street, so the volunteers living
/// in the area's streets are read in one range scan (a third of the time
/// of reading thousands by id on PostgreSQL); anyone named who lives
/// elsewhere now (a move since) is then read by id.
async fn world_of<'a>(
    tx: &mut Tx,
    area: &str,
    named: impl IntoIterator<Item = &'a Light>,
    now: OffsetDateTime,
) -> sqlx::Result<World> {
    let seals = seal_index(tx).await?;
    let ids: std::collections::HashSet<i64> = named
        .into_iter()
        .flat_map(|l| [l.guardian_id, l.backup_id])
        .flatten()
        .collect();
    let mut volunteers = if ids.is_empty() {
        HashMap::new()
    } else {
        let filter = inside("v.home_division", 1);
        volunteer_states(tx, &seals, &filter, street_of(area)).await?
    };
    volunteers.retain(|id, _| ids.contains(id));
    let elsewhere: Vec<i64> = ids
        .iter()
        .filter(|id| !volunteers.contains_key(id))
        .copied()
        .collect();
    if !elsewhere.is_empty() {
        // Bound as one JSON list: one statement however many, where a
        // list written into the SQL is a new statement to plan each time.
        let filter = format!("v.id IN {}", crate::db::json_ids(tx, 1));
        let list = serde_json::to_string(&elsewhere).unwrap_or_default();
        volunteers.extend(volunteer_states(tx, &seals, &filter, &list).await?);
    }
    Ok(World {
        seals,
        volunteers,
        now,
    })
}

/// The world for the recipients inside `area`, now.
pub(crate) async fn world(tx: &mut Tx, area: &str) -> sqlx::Result<World> {
    let now = crate::db::now();
    let lights = lights(tx, area, "", false, now).await?;
    world_of(tx, area, &lights, now).await
}

/// What coverage and promotion read of a recipient: where they are and
/// who is named, and the check-in's due time when it has passed.
#[derive(Deserialize)]
struct Light {
    id: i64,
    division_code: String,
    compound: String,
    guardian_id: Option<i64>,
    backup_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    late: Option<OffsetDateTime>,
}

// Read by position: a city's 50,000 rows, and the derived reader finds
// each column by comparing names.
crate::pg_row_by_position!(Light {
    id,
    division_code,
    compound,
    guardian_id,
    backup_id,
    late
});

/// The active recipients inside `area` (whose name holds `q`, when given;
/// with both a guardian and a backup named, when `paired`), in no order
/// (a city's coverage reads 50,000: `fetch_packed`).
async fn lights(
    tx: &mut Tx,
    area: &str,
    q: &str,
    paired: bool,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<Light>> {
    fetch_packed!(
        &mut *tx,
        Light,
        "id, division_code, compound, guardian_id, backup_id, late",
        "r.id, r.division_code, r.compound, r.guardian_id, r.backup_id,
         CASE WHEN r.checkin_due_at < $3 THEN r.checkin_due_at END AS late",
        &format!(
            "FROM care_recipients r WHERE r.status = 'active' AND {}
               AND ($2 = '' OR r.name LIKE '%' || $2 || '%') {}",
            inside("r.division_code", 1),
            if paired {
                "AND r.guardian_id IS NOT NULL AND r.backup_id IS NOT NULL"
            } else {
                ""
            }
        ),
        area,
        q,
        Ts::from(now)
    )
}

/// The first `n` of `v` by `key`, in order (a city's 50,000 are not
/// sorted to show 500).
fn first_by<T, K: Ord>(v: &mut Vec<T>, n: usize, key: impl Fn(&T) -> K) {
    if v.len() > n && n > 0 {
        v.select_nth_unstable_by_key(n - 1, &key);
        v.truncate(n);
    }
    v.sort_unstable_by_key(key);
}

/// Full rows of the recipients `ids`, in that order.
async fn rows_by_id(tx: &mut Tx, ids: &[i64]) -> sqlx::Result<Vec<Row>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let among = crate::db::json_ids(tx, 1);
    let mut rows: HashMap<i64, Row> = fetch_all!(
        &mut *tx,
        Row,
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM care_recipients r WHERE r.id IN {among}"
        )),
        serde_json::to_string(ids).unwrap_or_default()
    )?
    .into_iter()
    .map(|r| (r.id, r))
    .collect();
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
}

fn view(scope: &Scope, r: Row, w: &World) -> CareRecipient {
    let held = w.held(&r.division_code, &r.compound);
    let (g, b) = (w.reach(r.guardian_id, &held), w.reach(r.backup_id, &held));
    let read = read_as(&r.division_code);
    CareRecipient {
        id: r.id,
        division_name: division_name(&r.division_code),
        compound: r.compound,
        name: shown_name(scope, &r.name),
        phone: crate::phone::mask(&r.phone),
        address: mask_address(&r.address, &read),
        categories: crate::volunteers::model::tags(&r.categories),
        routine: crate::volunteers::model::tags(&r.routine),
        notes: r.notes,
        checkin_hours: r.checkin_hours,
        guardian: w.named(r.guardian_id, &held),
        backup: w.named(r.backup_id, &held),
        gap: (r.status == "active")
            .then(|| gap(g, b))
            .flatten()
            .map(|g| g.as_str().to_owned()),
        last_checkin_at: r.last_checkin_at,
        checkin_due_at: r.checkin_due_at,
        missed: r.status == "active" && r.checkin_due_at < w.now,
        status: r.status,
        status_reason: r.status_reason,
        division_code: r.division_code,
    }
}

async fn row(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Row, AppError> {
    fetch_optional!(
        &mut *tx,
        Row,
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM care_recipients r WHERE r.id = $1 AND {}",
            inside("r.division_code", 2)
        )),
        id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)
}

/// One recipient inside the caller's area (the registry's keepers), or
/// one the caller guards (a volunteer named for them).
pub async fn recipient(tx: &mut Tx, scope: &Scope, id: i64) -> Result<CareRecipient, AppError> {
    let r = if scope.role().cares() {
        row(tx, scope, id).await?
    } else {
        guarded_row(tx, scope, id).await?
    };
    let w = world(tx, &r.division_code).await?;
    Ok(view(scope, r, &w))
}

/// Why a volunteer cannot be named, as the caller reads it.
fn cannot(u: Unreachable) -> &'static str {
    match u {
        Unreachable::Unnamed => "err-care-volunteer",
        Unreachable::StoodDown => "err-care-cannot-stood_down",
        Unreachable::SealedElsewhere => "err-care-cannot-sealed_elsewhere",
        Unreachable::SealedOut => "err-care-cannot-sealed_out",
        Unreachable::Stranded => "err-care-cannot-stranded",
        Unreachable::LeftRoster => "err-care-cannot-left_roster",
    }
}

/// The volunteer row of the signed-in account, if it is one.
pub(crate) async fn me(tx: &mut Tx, scope: &Scope) -> sqlx::Result<Option<i64>> {
    Ok(fetch_optional!(
        &mut *tx,
        (i64,),
        "SELECT id FROM volunteers WHERE account_id = $1 AND left_roster_at IS NULL",
        scope.account_id()
    )?
    .map(|(id,)| id))
}

/// A recipient the signed-in volunteer is named for; refused otherwise
/// (whether the record exists or not: nothing is told).
async fn guarded_row(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Row, AppError> {
    let Some(me) = me(tx, scope).await? else {
        return Err(AppError::Forbidden);
    };
    fetch_optional!(
        &mut *tx,
        Row,
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM care_recipients r WHERE r.id = $1 AND r.status = 'active' AND (r.guardian_id = $2 OR r.backup_id = $2)"
        )),
        id,
        me
    )?
    .ok_or(AppError::Forbidden)
}

/// The people the signed-in volunteer guards or backs, due first.
pub async fn mine(tx: &mut Tx, scope: &Scope) -> Result<Vec<CareRecipient>, AppError> {
    let Some(me) = me(tx, scope).await? else {
        return Err(AppError::NotFound);
    };
    let rows = fetch_all!(
        &mut *tx,
        Row,
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM care_recipients r WHERE r.status = 'active' AND (r.guardian_id = $1 OR r.backup_id = $1)
             ORDER BY r.checkin_due_at, r.id"
        )),
        me
    )?;
    let home = fetch_scalar!(
        &mut *tx,
        String,
        "SELECT home_division FROM volunteers WHERE id = $1",
        me
    )?;
    let w = world(tx, street_of(&home)).await?;
    Ok(rows.into_iter().map(|r| view(scope, r, &w)).collect())
}

/// The registry filter: one community (or any area inside the caller's),
/// gaps only, a name.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(default)]
pub struct RecipientFilter {
    /// A division code inside the caller's area.
    pub within: String,
    /// "yes": only those with a gap.
    pub gaps: String,
    pub q: String,
}

/// The most recipients a list shows at once (a filter narrows it).
pub const LIST_MAX: usize = 500;

/// Recipients inside the caller's area, gaps first, then by community.
pub async fn recipients(
    tx: &mut Tx,
    scope: &Scope,
    f: &RecipientFilter,
) -> Result<Vec<CareRecipient>, AppError> {
    cares(scope)?;
    let within = within(scope, &f.within)?;
    let mut errors = Invalid::default();
    errors.optional("q", &f.q, 20);
    if !matches!(f.gaps.as_str(), "" | "yes") {
        errors.push(FieldError::new("gaps", "err-field"));
    }
    errors.into_result()?;
    // Who is shown is chosen from the light rows; only those (at most
    // LIST_MAX) are read in full.
    let now = crate::db::now();
    let lights = lights(tx, &within, f.q.trim(), false, now).await?;
    let w = world_of(tx, &within, &lights, now).await?;
    let mut chosen: Vec<(bool, bool, &Light)> = lights
        .iter()
        .zip(w.judge_all(&lights))
        .filter(|(_, gap)| f.gaps != "yes" || gap.is_some())
        .map(|(l, gap)| (gap.is_none(), l.late.is_none(), l))
        .collect();
    first_by(&mut chosen, LIST_MAX, |&(no_gap, on_time, l)| {
        (no_gap, on_time, &l.division_code, l.id)
    });
    let ids: Vec<i64> = chosen.iter().map(|&(_, _, l)| l.id).collect();
    let all: Vec<CareRecipient> = rows_by_id(tx, &ids)
        .await?
        .into_iter()
        .map(|r| view(scope, r, &w))
        .collect();
    Ok(all)
}

/// The area asked for: inside the caller's, a known division ("" is the
/// caller's whole area).
fn within(scope: &Scope, asked: &str) -> Result<String, AppError> {
    let asked = asked.trim();
    if asked.is_empty() {
        return Ok(scope.jurisdiction().to_owned());
    }
    if divisions::Tree::china().find(asked).is_none() || !scope.covers(asked) {
        return Err(AppError::invalid("within", "err-division"));
    }
    Ok(asked.to_owned())
}

/// A person without full cover, by name (as the reader may see it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GapEntry {
    pub recipient_id: i64,
    pub name: String,
    pub division_code: String,
    pub division_name: String,
    pub compound: String,
    #[schema(value_type = Gap)]
    pub gap: String,
    /// Why the guardian (for no_guardian) or the backup cannot.
    #[schema(value_type = Unreachable)]
    pub why: String,
    #[schema(value_type = Vec<CareCategory>)]
    pub categories: Vec<String>,
}

/// An overdue check-in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MissedEntry {
    pub recipient_id: i64,
    pub name: String,
    pub division_name: String,
    pub guardian_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: OffsetDateTime,
}

/// Coverage of the caller's area (or a part): per community, the total,
/// the gaps by name and the check-ins overdue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Coverage {
    pub within: String,
    pub total: CommunityCoverage,
    /// Communities with anyone to cover, those with gaps first.
    pub communities: Vec<CommunityCoverage>,
    /// Gaps by name, no guardian first, then by community: at most 500
    /// (the total counts them all; a community's own coverage names all
    /// of its gaps unless it has more).
    pub gaps: Vec<GapEntry>,
    /// Overdue check-ins, the longest overdue first: at most 500.
    pub missed: Vec<MissedEntry>,
}

impl Coverage {
    /// Gaps in all, named or not.
    pub fn gaps_total(&self) -> usize {
        usize::try_from(self.total.no_guardian + self.total.no_backup).unwrap_or(0)
    }

    /// Overdue check-ins in all, named or not.
    pub fn missed_total(&self) -> usize {
        usize::try_from(self.total.missed).unwrap_or(0)
    }
}

/// Coverage, read at once from the zones and the volunteers now: a
/// guardian sealed in elsewhere is a gap the moment the zone is marked.
pub async fn coverage(tx: &mut Tx, scope: &Scope, within_: &str) -> Result<Coverage, AppError> {
    watches(scope)?;
    let area = within(scope, within_)?;
    let now = crate::db::now();
    let lights = lights(tx, &area, "", false, now).await?;
    let w = world_of(tx, &area, &lights, now).await?;
    survey(tx, scope, area, &lights, &w).await
}

async fn survey(
    tx: &mut Tx,
    scope: &Scope,
    area: String,
    lights: &[Light],
    w: &World,
) -> Result<Coverage, AppError> {
    let mut by: HashMap<&str, CommunityCoverage> = HashMap::new();
    // (gap, why, row) and (due, row): counted all, named up to LIST_MAX.
    let mut gaps: Vec<(Gap, Unreachable, usize)> = Vec::new();
    let mut missed: Vec<(OffsetDateTime, usize)> = Vec::new();
    for (i, (l, judged)) in lights.iter().zip(w.judge_all(lights)).enumerate() {
        by.entry(&l.division_code)
            .or_default()
            .add(judged.map(|(g, _)| g), l.late.is_some());
        if let Some((gap, why)) = judged {
            gaps.push((gap, why, i));
        }
        if let Some(due) = l.late {
            missed.push((due, i));
        }
    }
    // No guardian first, then by community.
    first_by(&mut gaps, LIST_MAX, |&(gap, _, i)| {
        (
            gap != Gap::NoGuardian,
            &lights[i].division_code,
            lights[i].id,
        )
    });
    first_by(&mut missed, LIST_MAX, |&(due, i)| (due, lights[i].id));
    let names = names(
        tx,
        gaps.iter()
            .map(|&(_, _, i)| i)
            .chain(missed.iter().map(|&(_, i)| i))
            .map(|i| lights[i].id),
    )
    .await?;
    let mut place = Places::default();
    let named = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let gaps = gaps
        .into_iter()
        .map(|(gap, why, i)| {
            let l = &lights[i];
            let (name, categories) = named(l.id);
            GapEntry {
                recipient_id: l.id,
                name: shown_name(scope, &name),
                division_name: place.name(&l.division_code),
                division_code: l.division_code.clone(),
                compound: l.compound.clone(),
                gap: gap.as_str().to_owned(),
                why: why.as_str().to_owned(),
                categories: crate::volunteers::model::tags(&categories),
            }
        })
        .collect();
    let missed = missed
        .into_iter()
        .map(|(due, i)| {
            let l = &lights[i];
            MissedEntry {
                recipient_id: l.id,
                name: shown_name(scope, &named(l.id).0),
                division_name: place.name(&l.division_code),
                guardian_name: l
                    .guardian_id
                    .and_then(|g| w.volunteers.get(&g))
                    .map(|g| g.name.clone())
                    .unwrap_or_default(),
                due_at: due,
            }
        })
        .collect();
    let mut total = CommunityCoverage {
        division_code: area.clone(),
        division_name: division_name(&area),
        ..CommunityCoverage::default()
    };
    let mut communities: Vec<CommunityCoverage> = by
        .into_iter()
        .map(|(code, mut c)| {
            total.merge(&c);
            c.division_name = place.name(code);
            c.division_code = code.to_owned();
            c
        })
        .collect();
    communities.sort_by(|a, b| {
        (a.percent(), -a.no_guardian, &a.division_code).cmp(&(
            b.percent(),
            -b.no_guardian,
            &b.division_code,
        ))
    });
    Ok(Coverage {
        within: area,
        total,
        communities,
        gaps,
        missed,
    })
}

/// Division names, each built once however many rows name it.
#[derive(Default)]
struct Places(HashMap<String, String>);

impl Places {
    fn name(&mut self, code: &str) -> String {
        if let Some(n) = self.0.get(code) {
            return n.clone();
        }
        let n = division_name(code);
        self.0.insert(code.to_owned(), n.clone());
        n
    }
}

/// The names and categories of the recipients `ids`.
async fn names(
    tx: &mut Tx,
    ids: impl IntoIterator<Item = i64>,
) -> sqlx::Result<HashMap<i64, (String, String)>> {
    let ids: std::collections::BTreeSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let among = crate::db::json_ids(tx, 1);
    Ok(fetch_all!(
        &mut *tx,
        (i64, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT id, name, categories FROM care_recipients WHERE id IN {among}"
        )),
        serde_json::to_string(&ids).unwrap_or_default()
    )?
    .into_iter()
    .map(|(id, name, categories)| (id, (name, categories)))
    .collect())
}

/// The community a new recipient belongs to: the one named, else the one
/// their address is read as; it must be a community inside the caller's
/// area.
fn community_of(scope: &Scope, named: &str, read: &str) -> Option<String> {
    let code = if named.trim().is_empty() {
        read
    } else {
        named.trim()
    };
    let d = divisions::Tree::china().find(code)?;
    (d.level() == divisions::DivisionLevel::Community && scope.covers(code))
        .then(|| code.to_owned())
}

/// Register a care recipient (no guardian yet: proposals follow).
pub async fn create(db: &Db, scope: &Scope, n: &NewRecipient) -> Result<CareRecipient, AppError> {
    cares(scope)?;
    let checked = n.check().map_err(AppError::Invalid)?;
    let read = if n.division_code.trim().is_empty() {
        crate::needs::store::read_all(vec![checked.address.clone()], scope.jurisdiction())
            .await?
            .pop()
            .map(|(code, _)| code)
            .unwrap_or_default()
    } else {
        String::new()
    };
    // A community named outside the caller's area is refused, as a record
    // there would be.
    let named = n.division_code.trim();
    if !named.is_empty() && divisions::Tree::china().find(named).is_some() && !scope.covers(named) {
        return Err(AppError::Forbidden);
    }
    let Some(community) = community_of(scope, &n.division_code, &read) else {
        let field = if n.division_code.trim().is_empty() {
            "address"
        } else {
            "division_code"
        };
        return Err(AppError::invalid(field, "err-care-community"));
    };
    let mut tx = db.write().await?;
    let id = insert(&mut tx, scope, &checked, &community, None).await?;
    let r = row(&mut tx, scope, id).await?;
    let w = world(&mut tx, &community).await?;
    tx.commit().await?;
    Ok(view(scope, r, &w))
}

/// Write one recipient and its event; `None` when a plan row of the same
/// content was taken before.
async fn insert(
    tx: &mut Tx,
    scope: &Scope,
    c: &CheckedRecipient,
    community: &str,
    import_key: Option<&str>,
) -> Result<i64, AppError> {
    let now = crate::db::now();
    let id = fetch_optional!(
        &mut *tx,
        (i64,),
        "INSERT INTO care_recipients (division_code, compound, name, phone, address, categories, routine, notes, checkin_hours,
            checkin_due_at, import_key, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
         ON CONFLICT (import_key) DO NOTHING RETURNING id",
        community,
        &c.compound,
        &c.name,
        &c.phone,
        &c.address,
        super::model::stored(&c.categories),
        super::model::stored(&c.routine),
        &c.notes,
        c.checkin_hours,
        Ts::from(now + Duration::hours(c.checkin_hours)),
        import_key,
        scope.account_id(),
        Ts::from(now),
    )?;
    let Some((id,)) = id else {
        return Ok(0);
    };
    record(
        tx,
        NewEvent::by(scope, "care.create", "care_recipient", id, community).after(
            serde_json::json!({"categories": c.categories, "routine": c.routine, "checkin_hours": c.checkin_hours}),
        ),
    )
    .await?;
    Ok(id)
}

/// guardian | backup.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Naming {
    /// "guardian" or "backup".
    pub role: String,
    pub volunteer_id: i64,
}

/// Name a volunteer guardian or backup: one of the caller's area, living
/// in the person's street, able to reach them now, not already the other.
/// Naming the backup guardian moves them (the backup's place falls empty).
pub async fn name(db: &Db, scope: &Scope, id: i64, n: &Naming) -> Result<CareRecipient, AppError> {
    cares(scope)?;
    let guardian = match n.role.as_str() {
        "guardian" => true,
        "backup" => false,
        _ => return Err(AppError::invalid("role", "err-care-role")),
    };
    let mut tx = db.write().await?;
    let r = row(&mut tx, scope, id).await?;
    if r.status != "active" {
        return Err(AppError::Conflict("err-care-ended"));
    }
    let seals = seal_index(&mut tx).await?;
    let states = volunteer_states(
        &mut tx,
        &seals,
        &format!(
            "v.id = {} AND {}",
            n.volunteer_id,
            inside("v.jurisdiction_code", 1)
        ),
        scope.jurisdiction(),
    )
    .await?;
    let Some(v) = states.get(&n.volunteer_id) else {
        return Err(AppError::invalid("volunteer_id", "err-care-volunteer"));
    };
    if !near(&v.home_division, &r.division_code) {
        return Err(AppError::invalid("volunteer_id", "err-care-far"));
    }
    let held = seals.holding(&r.division_code, &r.compound);
    if let Err(u) = reach(v, &held) {
        return Err(AppError::Conflict(cannot(u)));
    }
    if !guardian && r.guardian_id == Some(n.volunteer_id) {
        return Err(AppError::invalid("volunteer_id", "err-care-same"));
    }
    if guardian {
        let load = fetch_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM care_recipients WHERE guardian_id = $1 AND status = 'active' AND id <> $2",
            n.volunteer_id,
            id
        )?;
        if load >= GUARDING_MAX {
            return Err(AppError::Refused(
                "err-care-busy",
                vec![("count", load.to_string())],
            ));
        }
    }
    // The old values in the WHERE: of two people naming at once, the
    // second is told the state changed.
    let (g, b) = if guardian {
        let backup = if r.backup_id == Some(n.volunteer_id) {
            None
        } else {
            r.backup_id
        };
        (Some(n.volunteer_id), backup)
    } else {
        (r.guardian_id, Some(n.volunteer_id))
    };
    let done = execute!(
        &mut tx,
        "UPDATE care_recipients SET guardian_id = $1, backup_id = $2, updated_at = $3
         WHERE id = $4 AND guardian_id IS NOT DISTINCT FROM $5 AND backup_id IS NOT DISTINCT FROM $6",
        g,
        b,
        crate::db::stamp(),
        id,
        r.guardian_id,
        r.backup_id
    )?;
    if done == 0 {
        return Err(AppError::Conflict("err-care-changed"));
    }
    record(
        &mut tx,
        NewEvent::by(
            scope,
            if guardian {
                "care.guardian"
            } else {
                "care.backup"
            },
            "care_recipient",
            id,
            &r.division_code,
        )
        .before(serde_json::json!({"guardian_id": r.guardian_id, "backup_id": r.backup_id}))
        .after(serde_json::json!({"guardian_id": g, "backup_id": b})),
    )
    .await?;
    let r = row(&mut tx, scope, id).await?;
    let w = world(&mut tx, &r.division_code).await?;
    tx.commit().await?;
    Ok(view(scope, r, &w))
}

/// A volunteer who could be named (phone masked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidate {
    pub volunteer_id: i64,
    pub name: String,
    pub phone: String,
    pub home_division: String,
    pub home_name: String,
    /// Lives in the person's own community.
    pub same_community: bool,
    /// Skills fitting the person's categories.
    pub skills: Vec<String>,
    pub fit: usize,
    /// People they guard now.
    pub guarding: i64,
}

/// The most candidates proposed.
pub const PROPOSALS: usize = 5;

/// Volunteers who could stand for a person now: of the person's street,
/// able to reach them, not already named for them, guarding fewer than
/// the most; same community first, then the best fit, then the least
/// load. A suggestion: a person names one.
pub async fn proposals(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Vec<Candidate>, AppError> {
    cares(scope)?;
    let r = row(tx, scope, id).await?;
    let seals = seal_index(tx).await?;
    let states = volunteer_states(
        tx,
        &seals,
        &format!(
            "{} AND v.left_roster_at IS NULL AND v.positive_at IS NULL",
            inside("v.home_division", 1)
        ),
        street_of(&r.division_code),
    )
    .await?;
    let ids: Vec<i64> = states.keys().copied().collect();
    let load = guarding(tx, &ids).await?;
    let categories: Vec<CareCategory> = crate::volunteers::model::tags(&r.categories)
        .iter()
        .filter_map(|c| CareCategory::parse(c))
        .collect();
    let held = seals.holding(&r.division_code, &r.compound);
    let mut c: Vec<Candidate> = states
        .into_values()
        .filter(|v| Some(v.id) != r.guardian_id && Some(v.id) != r.backup_id)
        .filter(|v| scope.covers(&v.home_division) && reach(v, &held).is_ok())
        .filter(|v| load.get(&v.id).copied().unwrap_or(0) < GUARDING_MAX)
        .map(|v| {
            let wanted: Vec<String> = categories
                .iter()
                .flat_map(|c| c.skills().iter())
                .filter(|s| v.skills.contains(&format!(",{s},")))
                .map(|s| (*s).to_owned())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            Candidate {
                volunteer_id: v.id,
                phone: crate::phone::mask(&v.phone),
                home_name: division_name(&v.home_division),
                home_division: v.home_division.clone(),
                same_community: v.home_division == r.division_code,
                fit: fit(&v.skills, &categories),
                skills: wanted,
                guarding: load.get(&v.id).copied().unwrap_or(0),
                name: v.name,
            }
        })
        .collect();
    c.sort_by_key(|c| {
        (
            !c.same_community,
            std::cmp::Reverse(c.fit),
            c.guarding,
            c.volunteer_id,
        )
    });
    c.truncate(PROPOSALS);
    Ok(c)
}

/// How many each volunteer guards now.
async fn guarding(tx: &mut Tx, ids: &[i64]) -> sqlx::Result<HashMap<i64, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    Ok(fetch_all!(
        &mut *tx,
        (i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT guardian_id, COUNT(*) FROM care_recipients WHERE status = 'active' AND guardian_id IN ({list}) GROUP BY guardian_id"
        ))
    )?
    .into_iter()
    .collect())
}

/// Promote the backup wherever the guardian can no longer reach the person
/// and the backup can, for the recipients inside `area`; each is an event
/// saying why. Runs in the transaction that made the guardian unavailable
/// (a zone marked, a positive, a volunteer stranded or gone), and in the
/// sweep for what changed by time (a zone coming into force). Returns how
/// many were promoted.
pub async fn promote(tx: &mut Tx, actor: Option<&Scope>, area: &str) -> Result<usize, AppError> {
    let now = crate::db::now();
    let rows = lights(tx, area, "", true, now).await?;
    let w = world_of(tx, area, &rows, now).await?;
    let mut promoted = 0;
    for l in rows {
        let (Some(guardian), Some(backup)) = (l.guardian_id, l.backup_id) else {
            continue;
        };
        let held = w.held(&l.division_code, &l.compound);
        let (g, b) = (w.reach(Some(guardian), &held), w.reach(Some(backup), &held));
        if !promotes(g, b) {
            continue;
        }
        let (id, division) = (l.id, l.division_code);
        let done = execute!(
            &mut *tx,
            "UPDATE care_recipients SET guardian_id = $1, backup_id = NULL, updated_at = $2
             WHERE id = $3 AND guardian_id = $4 AND backup_id = $1",
            backup,
            crate::db::stamp(),
            id,
            guardian
        )?;
        if done == 0 {
            continue;
        }
        let why = g.err().map(Unreachable::as_str).unwrap_or_default();
        let e = NewEvent::by_or_system(actor, "care.promote", "care_recipient", id, &division);
        record(
            tx,
            e.reason(why)
                .before(serde_json::json!({"guardian_id": guardian, "backup_id": backup}))
                .after(serde_json::json!({"guardian_id": backup, "backup_id": null})),
        )
        .await?;
        promoted += 1;
    }
    Ok(promoted)
}

/// `promote` in the streets a set of volunteers live in (their people are
/// there: guardians are named in their own street).
pub async fn promote_for(
    tx: &mut Tx,
    actor: Option<&Scope>,
    volunteers: &[i64],
) -> Result<usize, AppError> {
    if volunteers.is_empty() {
        return Ok(0);
    }
    let list = volunteers
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let homes = fetch_all!(
        &mut *tx,
        (String,),
        sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT home_division FROM volunteers WHERE id IN ({list})"
        ))
    )?;
    let streets: std::collections::BTreeSet<String> = homes
        .iter()
        .filter(|(h,)| h.len() >= 9)
        .map(|(h,)| street_of(h).to_owned())
        .collect();
    let mut n = 0;
    for s in streets {
        n += promote(tx, actor, &s).await?;
    }
    Ok(n)
}

/// A check-in as the guardian (or the office) reports it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewCheckin {
    #[schema(value_type = CheckinKind)]
    pub kind: String,
    #[schema(value_type = CheckinOutcome)]
    pub outcome: String,
    #[serde(default)]
    pub note: String,
}

/// A check-in as kept.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Checkin {
    pub id: i64,
    #[schema(value_type = CheckinKind)]
    pub kind: String,
    #[schema(value_type = CheckinOutcome)]
    pub outcome: String,
    pub note: String,
    pub by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

/// Record a check-in: by the guardian or backup, or by the office. One
/// that reached the person (well, needs help) sets the next due; no
/// answer leaves the due where it was (the alarm still comes). Needs help
/// is an event the office's live pages hear.
pub async fn checkin(
    db: &Db,
    scope: &Scope,
    id: i64,
    n: &NewCheckin,
) -> Result<CareRecipient, AppError> {
    let mut errors = Invalid::default();
    let kind = CheckinKind::parse(&n.kind);
    let outcome = CheckinOutcome::parse(&n.outcome);
    if kind.is_none() {
        errors.push(FieldError::new("kind", "err-care-checkin-kind"));
    }
    if outcome.is_none() {
        errors.push(FieldError::new("outcome", "err-care-checkin-outcome"));
    }
    errors.optional("note", &n.note, 500);
    if outcome == Some(CheckinOutcome::NeedsHelp) && n.note.trim().is_empty() {
        errors.push(FieldError::new("note", "err-care-note-help"));
    }
    errors.into_result()?;
    let (Some(kind), Some(outcome)) = (kind, outcome) else {
        return Err(AppError::invalid("kind", "err-care-checkin-kind"));
    };
    let mut tx = db.write().await?;
    let (r, volunteer) = if scope.role().cares() {
        (row(&mut tx, scope, id).await?, me(&mut tx, scope).await?)
    } else {
        let r = guarded_row(&mut tx, scope, id).await?;
        (r, me(&mut tx, scope).await?)
    };
    if r.status != "active" {
        return Err(AppError::Conflict("err-care-ended"));
    }
    let now = crate::db::now();
    execute!(
        &mut tx,
        "INSERT INTO care_checkins (recipient_id, kind, outcome, note, volunteer_id, by_account, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        id,
        kind.as_str(),
        outcome.as_str(),
        n.note.trim(),
        volunteer,
        scope.account_id(),
        Ts::from(now)
    )?;
    if outcome != CheckinOutcome::NoAnswer {
        execute!(
            &mut tx,
            "UPDATE care_recipients SET last_checkin_at = $1, checkin_due_at = $2, updated_at = $1 WHERE id = $3",
            Ts::from(now),
            Ts::from(now + Duration::hours(r.checkin_hours)),
            id
        )?;
    }
    // The note may speak of health: it stays on the check-in, not the event.
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "care.checkin",
            "care_recipient",
            id,
            &r.division_code,
        )
        .after(serde_json::json!({"kind": kind.as_str(), "outcome": outcome.as_str()})),
    )
    .await?;
    let r = row_any(&mut tx, id).await?;
    let w = world(&mut tx, &r.division_code).await?;
    tx.commit().await?;
    Ok(view(scope, r, &w))
}

async fn row_any(tx: &mut Tx, id: i64) -> sqlx::Result<Row> {
    fetch_optional!(
        &mut *tx,
        Row,
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM care_recipients r WHERE r.id = $1"
        )),
        id
    )?
    .ok_or(sqlx::Error::RowNotFound)
}

/// A recipient's check-ins, newest first (the last 50).
pub async fn checkins(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Vec<Checkin>, AppError> {
    if scope.role().cares() {
        row(tx, scope, id).await?;
    } else {
        guarded_row(tx, scope, id).await?;
    }
    Ok(fetch_all!(
        &mut *tx,
        Checkin,
        "SELECT c.id, c.kind, c.outcome, c.note, COALESCE(a.display_name, '') AS by_name, c.at
         FROM care_checkins c LEFT JOIN accounts a ON a.id = c.by_account
         WHERE c.recipient_id = $1 ORDER BY c.at DESC, c.id DESC LIMIT 50",
        id
    )?)
}

/// Raise the alarm for every check-in overdue as of `now`: an event per
/// person, once per due (the office's pages hear it). Of several servers
/// sweeping at once, each is raised by one (the old mark in the WHERE).
pub async fn alarm_missed(db: &Db, now: OffsetDateTime) -> Result<usize, AppError> {
    let mut tx = db.write().await?;
    let rows = fetch_all!(
        &mut tx,
        (i64, String, OffsetDateTime),
        "UPDATE care_recipients SET alarmed_due_at = checkin_due_at
         WHERE status = 'active' AND checkin_due_at < $1
           AND (alarmed_due_at IS NULL OR alarmed_due_at <> checkin_due_at)
         RETURNING id, division_code, checkin_due_at",
        Ts::from(now)
    )?;
    let n = rows.len();
    for (id, division, due) in rows {
        record(
            &mut tx,
            NewEvent::new(None, "system", "", "care.missed", "care_recipient", id, &division).after(
                serde_json::json!({"due_at": due.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()}),
            ),
        )
        .await?;
    }
    // What time changed: zones marked ahead that came into force since the
    // last sweeps (a zone in force when marked promoted at once).
    let starting = fetch_all!(
        &mut tx,
        (String,),
        "SELECT DISTINCT division_code FROM zones WHERE level IN ('sealed', 'controlled') AND lifted_at IS NULL
           AND starts_at <= $1 AND starts_at > $2 AND starts_at > created_at",
        Ts::from(now),
        Ts::from(now - Duration::minutes(10))
    )?;
    for (code,) in starting {
        promote(&mut tx, None, street_of(&code)).await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// Show a recipient's phone or address: to the registry's keepers, or to
/// the guardian and backup named for them; audited with the reason.
pub async fn reveal(
    db: &Db,
    scope: &Scope,
    id: i64,
    field: &str,
    reason: &str,
) -> Result<String, AppError> {
    let mut tx = db.write().await?;
    let r = if scope.role().cares() {
        row(&mut tx, scope, id).await?
    } else {
        guarded_row(&mut tx, scope, id).await?
    };
    let value = match field {
        "phone" => Some(r.phone.clone()),
        "address" => Some(r.address.clone()),
        _ => None,
    };
    let v = reveal_assigned_in(
        &mut tx,
        scope,
        Reveal {
            entity: "care_recipient",
            id,
            division_code: &r.division_code,
            field,
            value,
        },
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

/// End a recipient's record (moved away, in hospital, died), with a reason.
pub async fn end(db: &Db, scope: &Scope, id: i64, reason: &str) -> Result<(), AppError> {
    cares(scope)?;
    let mut errors = Invalid::default();
    errors.reason("reason", reason, 200);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let r = row(&mut tx, scope, id).await?;
    let done = execute!(
        &mut tx,
        "UPDATE care_recipients SET status = 'ended', status_reason = $1, updated_at = $2 WHERE id = $3 AND status = 'active'",
        reason.trim(),
        crate::db::stamp(),
        id
    )?;
    if done == 0 {
        return Err(AppError::Conflict("err-care-ended"));
    }
    record(
        &mut tx,
        NewEvent::by(scope, "care.end", "care_recipient", id, &r.division_code)
            .reason(reason.trim()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a plan list came to: people it added, and those an earlier upload
/// of the same rows had added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Imported {
    pub created: usize,
    pub existing: usize,
}

/// Take a community's plan list (its known vulnerable residents before a
/// lockdown), all rows or none: every row checked, its address read for
/// the community, each volunteer named by phone found in the caller's
/// area, near and able to reach the person; any wrong row rejects the
/// list with every such row named. A row taken before is not taken twice.
pub async fn import(
    db: &Db,
    scope: &Scope,
    rows: Vec<super::model::PlanRow>,
) -> Result<Result<Imported, crate::needs::import::Rejected>, AppError> {
    cares(scope)?;
    if rows.len() > super::model::PLAN_MAX_ROWS {
        return Ok(Err(crate::needs::import::Rejected {
            too_many: true,
            ..Default::default()
        }));
    }
    let addresses: Vec<String> = rows
        .iter()
        .map(|r| r.recipient.address.trim().to_owned())
        .collect();
    let read = crate::needs::store::read_all(addresses, scope.jurisdiction()).await?;
    // Volunteers named by phone, found at once.
    let phones: std::collections::BTreeSet<String> = rows
        .iter()
        .flat_map(|r| [&r.guardian_phone, &r.backup_phone])
        .filter_map(|p| crate::phone::normalize(p))
        .collect();
    // Checked first in a read: a list with wrong rows is answered without
    // holding up any writer. A good one is checked again inside the write
    // (volunteers move, guardians take people meanwhile), which reads only
    // the named volunteers and the zones.
    let mut tx = db.read().await?;
    let judged = judge_plan(&mut tx, scope, &rows, &read, &phones).await?;
    drop(tx);
    if let Err(rejected) = judged {
        return Ok(Err(rejected));
    }
    let mut tx = db.write().await?;
    let mut taken = match judge_plan(&mut tx, scope, &rows, &read, &phones).await? {
        Ok(taken) => taken,
        Err(rejected) => return Ok(Err(rejected)),
    };
    // In key order: two uploads sharing rows take their locks in one order.
    taken.sort_by(|a, b| a.0.cmp(&b.0));
    let mut done = Imported::default();
    for (key, community, checked, [guardian, backup]) in taken {
        let id = insert(&mut tx, scope, &checked, &community, Some(&key)).await?;
        if id == 0 {
            done.existing += 1;
            continue;
        }
        done.created += 1;
        if guardian.is_some() || backup.is_some() {
            execute!(
                &mut tx,
                "UPDATE care_recipients SET guardian_id = $1, backup_id = $2 WHERE id = $3",
                guardian,
                backup,
                id
            )?;
            record(
                &mut tx,
                NewEvent::by(scope, "care.guardian", "care_recipient", id, &community)
                    .after(serde_json::json!({"guardian_id": guardian, "backup_id": backup})),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Ok(done))
}

/// A plan row that passed: its key, community, the person and who is named.
type PlanTaken = (
    String,
    String,
    super::model::CheckedRecipient,
    [Option<i64>; 2],
);

/// Check every row of a plan list against the area now (the zones, the
/// volunteers named by phone and how many each already guards).
async fn judge_plan(
    tx: &mut Tx,
    scope: &Scope,
    rows: &[super::model::PlanRow],
    read: &[(String, bool)],
    phones: &std::collections::BTreeSet<String>,
) -> Result<Result<Vec<PlanTaken>, crate::needs::import::Rejected>, AppError> {
    use crate::needs::import::{Rejected, RowProblem};
    let mut rejected = Rejected::default();
    let seals = seal_index(tx).await?;
    let by_phone: HashMap<String, GuardianState> = if phones.is_empty() {
        HashMap::new()
    } else {
        // Normalised phones are digits only: safe to write into the SQL.
        let list = phones
            .iter()
            .map(|p| format!("'{p}'"))
            .collect::<Vec<_>>()
            .join(",");
        volunteer_states(
            tx,
            &seals,
            &format!(
                "v.phone IN ({list}) AND {}",
                inside("v.jurisdiction_code", 1)
            ),
            scope.jurisdiction(),
        )
        .await?
        .into_values()
        .map(|v| (v.phone.clone(), v))
        .collect()
    };
    let ids: Vec<i64> = by_phone.values().map(|v| v.id).collect();
    let mut load = guarding(tx, &ids).await?;
    let mut taken = Vec::with_capacity(rows.len());
    for (r, (code, _)) in rows.iter().zip(read) {
        let mut errors = match r.recipient.check() {
            Ok(_) => Invalid::default(),
            Err(e) => e,
        };
        let hours = super::model::checkin_hours(&r.checkin);
        if hours.is_none() {
            errors.push(FieldError::new("checkin", "err-care-checkin-hours"));
        }
        let community = community_of(scope, "", code);
        if community.is_none() {
            errors.push(FieldError::new("address", "err-care-community"));
        }
        let held = community
            .as_deref()
            .map(|c| seals.holding(c, &r.recipient.compound))
            .unwrap_or_default();
        let mut named = [None, None];
        for (k, (field, phone)) in [
            ("guardian_phone", &r.guardian_phone),
            ("backup_phone", &r.backup_phone),
        ]
        .into_iter()
        .enumerate()
        {
            if phone.trim().is_empty() {
                continue;
            }
            let v = crate::phone::normalize(phone).and_then(|p| by_phone.get(&p));
            match (v, &community) {
                (None, _) => errors.push(FieldError::new(field, "err-care-volunteer-phone")),
                (Some(v), Some(c)) if !near(&v.home_division, c) => {
                    errors.push(FieldError::new(field, "err-care-far"))
                }
                (Some(v), Some(_)) if reach(v, &held).is_err() => {
                    errors.push(FieldError::new(field, "err-care-unreachable-row"))
                }
                (Some(v), _) => named[k] = Some(v.id),
            }
        }
        if named[0].is_some() && named[0] == named[1] {
            errors.push(FieldError::new("backup_phone", "err-care-same"));
        }
        if let Some(g) = named[0] {
            let n = load.entry(g).or_insert(0);
            *n += 1;
            if *n > GUARDING_MAX {
                errors.push(FieldError::new("guardian_phone", "err-care-busy-row"));
            }
        }
        match (errors.is_empty(), community) {
            (true, Some(c)) => {
                let mut n = r.recipient.clone();
                n.checkin_hours = hours;
                let checked = n.check().map_err(AppError::Invalid)?;
                taken.push((super::model::plan_key(&c, &checked), c, checked, named));
            }
            _ => rejected.problems.push(RowProblem {
                line: r.line,
                errors,
            }),
        }
    }
    if !rejected.problems.is_empty() {
        return Ok(Err(rejected));
    }
    Ok(Ok(taken))
}

/// A plan as an office hands it over: who, what they need, who covers
/// them, what is missing (phones and addresses masked: the registry
/// holds them for whoever must call).
pub fn plan_xlsx(
    rows: &[CareRecipient],
    lang: crate::web::i18n::Lang,
) -> Result<Vec<u8>, AppError> {
    let t = |k: &str| lang.t(k);
    let words = |prefix: &str, v: &[String]| {
        v.iter()
            .map(|w| t(&format!("{prefix}-{w}")))
            .collect::<Vec<_>>()
            .join("、")
    };
    let named = |n: &Option<Named>| match n {
        None => t("care-nobody"),
        Some(n) => match &n.unreachable {
            None => format!("{} {}", n.name, n.phone),
            Some(u) => format!("{} {} ({})", n.name, n.phone, t(&format!("care-why-{u}"))),
        },
    };
    let sheet = crate::tables::Sheet {
        name: t("care-plan"),
        header: [
            "care-community",
            "care-name",
            "care-compound",
            "care-categories",
            "care-routine",
            "care-checkin-every",
            "care-guardian",
            "care-backup",
            "care-missing",
        ]
        .iter()
        .map(|k| t(k))
        .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.division_name.clone(),
                    r.name.clone(),
                    r.compound.clone(),
                    words("care-category", &r.categories),
                    words("care-routine", &r.routine),
                    t(&format!("care-every-{}", r.checkin_hours)),
                    named(&r.guardian),
                    named(&r.backup),
                    r.gap
                        .as_deref()
                        .map(|g| t(&format!("care-gap-{g}")))
                        .unwrap_or_default(),
                ]
            })
            .collect(),
    };
    crate::tables::xlsx(&[sheet]).map_err(|e| AppError::Internal(e.into()))
}
