//! Dispatch's SQL: the rows a proposal is made from (verified needs, the
//! goods their appeals ask, stock the caller may move, squads at work, the
//! zones in force), and the writes of a confirmation — in one transaction.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::model::{
    CANDIDATES, Confirm, Lacking, LegKind, LegStatus, NextBest, Proposal, ProposedLeg,
    ProposedPick, ProposedTask, TaskStatus, Unmet, UnservedNeed, legs_for, metres, required,
    squad_bits, task_kind, urgency,
};
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::record;
use crate::db::{Db, Ts, Tx, inside};
use crate::needs::model::{NeedKind, NeedStatus, Urgency};
use crate::squads::model::{ContactKind, MovementStatus, Seal, movement, sealed_in};
use crate::web::error::AppError;
use crate::{execute, fetch_all, fetch_optional, fetch_scalar};

pub mod field;

fn coordinates(scope: &Scope) -> Result<(), AppError> {
    if scope.role().coordinates() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A zone that keeps people in, in force now.
#[derive(Debug, Clone)]
struct ZoneIn {
    id: i64,
    seal: Seal,
}

async fn zones_in_force(tx: &mut Tx) -> sqlx::Result<Vec<ZoneIn>> {
    Ok(fetch_all!(
        &mut *tx,
        (i64, String, String),
        "SELECT id, division_code, compound FROM zones
         WHERE level IN ('sealed', 'controlled') AND lifted_at IS NULL AND starts_at <= $1
         ORDER BY id",
        crate::db::stamp()
    )?
    .into_iter()
    .map(|(id, division_code, compound)| ZoneIn {
        id,
        seal: Seal {
            division_code,
            compound,
        },
    })
    .collect())
}

/// The zone a door is in: the most specific whole division sealed around
/// it (where a squad can be inside), else a sealed compound holding it.
fn zone_of<'z>(place: &str, address: &str, zones: &'z [ZoneIn]) -> Option<&'z ZoneIn> {
    zones
        .iter()
        .filter(|z| sealed_in(place, address, std::slice::from_ref(&z.seal)))
        .max_by_key(|z| (z.seal.compound.is_empty(), z.seal.division_code.len(), z.id))
}

/// The zone a squad works inside: one in force over its whole area (a
/// squad of a sealed street or village works there and nowhere else).
fn squad_zone<'z>(division: &str, zones: &'z [ZoneIn]) -> Option<&'z ZoneIn> {
    zones
        .iter()
        .filter(|z| {
            z.seal.compound.is_empty()
                && !z.seal.division_code.is_empty()
                && division.starts_with(&z.seal.division_code)
        })
        .max_by_key(|z| (z.seal.division_code.len(), z.id))
}

/// The most verified needs a proposal reads (most urgent, then oldest,
/// first) before it ranks them exactly and keeps `BATCH`: memory and time
/// stay bounded however many wait.
const READ_MAX: usize = 4 * super::model::BATCH;

/// A verified need as a proposal reads it. The address is read only to
/// find a compound's zone; it never leaves this module.
#[derive(sqlx::FromRow)]
struct NeedIn {
    id: i64,
    reference: Option<String>,
    kind: String,
    urgency: String,
    division_code: String,
    jurisdiction_code: String,
    address: String,
    created_at: OffsetDateTime,
    verified_minutes: Option<i64>,
}

impl NeedIn {
    /// Its community, else the jurisdiction that holds it.
    fn place(&self) -> &str {
        if self.division_code.is_empty() {
            &self.jurisdiction_code
        } else {
            &self.division_code
        }
    }

    fn waited_min(&self, now: OffsetDateTime) -> u32 {
        let verified = self.created_at + Duration::minutes(self.verified_minutes.unwrap_or(0));
        (now - verified).whole_minutes().clamp(0, u32::MAX as i64) as u32
    }
}

/// A squad at work as a proposal reads it.
struct SquadIn {
    id: i64,
    name: String,
    division_code: String,
    /// Tasks it may still take.
    room: u32,
    /// Tasks it holds open.
    workload: u32,
    zone: Option<i64>,
    bits: u32,
}

/// Stock the caller may move: one depot's goods of one item.
struct StockIn {
    depot_id: i64,
    depot_name: String,
    division_code: String,
    item_id: i64,
    available: i64,
}

/// Legs a squad holds: those with work still ahead (assigned, accepted,
/// out to the goods or carrying them). A leg handed off, delivered or
/// ended frees its place, though the squad may not be home yet.
fn open_legs() -> String {
    format!(
        "SELECT COUNT(*) FROM task_legs l WHERE l.squad_id = s.id AND l.status IN {}",
        super::model::sql_set(LegStatus::ahead)
    )
}

/// Who of each squad can work now: open members, available and not
/// positive — and for a squad outside any sealed zone, able to move (one
/// sealed in at home cannot go out). The rule both a proposal and a
/// confirmation use; `only` narrows it to one squad.
async fn working_members(
    tx: &mut Tx,
    scope: &Scope,
    zones: &[ZoneIn],
    only: Option<i64>,
) -> sqlx::Result<HashMap<i64, Vec<i64>>> {
    let compounds = zones.iter().any(|z| !z.seal.compound.is_empty());
    let members = fetch_all!(
        &mut *tx,
        (i64, String, i64, String, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT m.squad_id, s.division_code, v.id, v.home_division, v.movement, {}
             FROM squad_members m JOIN squads s ON s.id = m.squad_id
             JOIN volunteers v ON v.id = m.volunteer_id {}
             WHERE m.left_at IS NULL AND s.status = 'active' AND v.available AND v.positive_at IS NULL
               AND {} AND ($2 = 0 OR s.id = $2)",
            if compounds { "a.address" } else { "''" },
            if compounds {
                "JOIN applications a ON a.id = v.application_id"
            } else {
                ""
            },
            inside("s.division_code", 1)
        )),
        scope.jurisdiction(),
        only.unwrap_or(0)
    )?;
    let seals: Vec<Seal> = zones.iter().map(|z| z.seal.clone()).collect();
    let mut working: HashMap<i64, Vec<i64>> = HashMap::new();
    for (squad_id, division, volunteer, home, stored, address) in members {
        let m = movement(
            MovementStatus::parse(&stored).unwrap_or(MovementStatus::Free),
            sealed_in(&home, &address, &seals),
        );
        // Inside its zone a squad works where its members are; outside,
        // only those who can move.
        if squad_zone(&division, zones).is_some() || m.can_move() {
            working.entry(squad_id).or_default().push(volunteer);
        }
    }
    Ok(working)
}

/// What a team holds, as bits.
async fn team_bits(tx: &mut Tx, team: &[i64], now: OffsetDateTime) -> sqlx::Result<u32> {
    let held = crate::training::store::held_by(tx, team).await?;
    let creds: Vec<Vec<crate::training::model::Held>> = team
        .iter()
        .map(|v| held.get(v).cloned().unwrap_or_default())
        .collect();
    Ok(squad_bits(&creds, now))
}

/// Squads inside the caller's area that can work now: active, with
/// enough working members (available, not positive, and — outside a
/// sealed zone — able to move) and room for another task.
async fn squads_at_work(
    tx: &mut Tx,
    scope: &Scope,
    zones: &[ZoneIn],
    now: OffsetDateTime,
) -> Result<Vec<SquadIn>, AppError> {
    let rows = fetch_all!(
        &mut *tx,
        (i64, String, String, i64, i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT s.id, s.name, s.division_code, s.capacity, s.min_size, ({})
             FROM squads s WHERE s.status = 'active' AND {} ORDER BY s.id",
            open_legs(),
            inside("s.division_code", 1)
        )),
        scope.jurisdiction()
    )?;
    let mut working = working_members(tx, scope, zones, None).await?;
    let ids: Vec<i64> = working.values().flatten().copied().collect();
    let held = crate::training::store::held_by(tx, &ids).await?;
    let zone_of_squad: HashMap<i64, Option<i64>> = rows
        .iter()
        .map(|r| (r.0, squad_zone(&r.2, zones).map(|z| z.id)))
        .collect();
    let mut out = Vec::new();
    for (id, name, division_code, capacity, min_size, open) in rows {
        let team = working.remove(&id).unwrap_or_default();
        if (team.len() as i64) < min_size || open >= capacity {
            continue;
        }
        let creds: Vec<Vec<crate::training::model::Held>> = team
            .iter()
            .map(|v| held.get(v).cloned().unwrap_or_default())
            .collect();
        out.push(SquadIn {
            zone: zone_of_squad.get(&id).copied().flatten(),
            bits: squad_bits(&creds, now),
            room: (capacity - open) as u32,
            workload: open as u32,
            id,
            name,
            division_code,
        });
    }
    Ok(out)
}

/// What each verified need in the caller's jurisdiction asks for in goods:
/// its appeals' lines, less what is held or sent for it already.
async fn wanted(tx: &mut Tx, scope: &Scope) -> sqlx::Result<BTreeMap<i64, Vec<(i64, i64)>>> {
    let asked = fetch_all!(
        &mut *tx,
        (i64, i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT a.need_id, l.item_id, CAST(SUM(l.quantity) AS BIGINT)
             FROM appeals a JOIN appeal_lines l ON l.appeal_id = a.id JOIN needs n ON n.id = a.need_id
             WHERE n.status = 'verified' AND {} GROUP BY a.need_id, l.item_id",
            inside("n.jurisdiction_code", 1)
        )),
        scope.jurisdiction()
    )?;
    let held: HashMap<(i64, i64), i64> = fetch_all!(
        &mut *tx,
        (i64, i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT r.need_id, r.item_id, CAST(SUM(r.quantity) AS BIGINT)
             FROM reservations r JOIN needs n ON n.id = r.need_id
             WHERE r.status IN ('held', 'dispatched') AND n.status = 'verified' AND {}
             GROUP BY r.need_id, r.item_id",
            inside("n.jurisdiction_code", 1)
        )),
        scope.jurisdiction()
    )?
    .into_iter()
    .map(|(n, i, q)| ((n, i), q))
    .collect();
    let mut out: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    for (need, item, q) in asked {
        let left = q - held.get(&(need, item)).copied().unwrap_or(0);
        if left > 0 {
            out.entry(need).or_default().push((item, left));
        }
    }
    Ok(out)
}

/// Stock the caller may reserve: at depots in its jurisdiction or run by
/// its organisation, with some not yet held.
async fn stock(tx: &mut Tx, scope: &Scope) -> sqlx::Result<Vec<StockIn>> {
    Ok(fetch_all!(
        &mut *tx,
        (i64, String, String, i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT s.depot_id, d.name, d.division_code, s.item_id, s.on_hand - s.reserved
             FROM stock s JOIN depots d ON d.id = s.depot_id
             WHERE s.on_hand > s.reserved AND {} AND ({} OR d.org_id = $2)
             ORDER BY s.depot_id, s.item_id",
            crate::db::related("d.division_code", 1),
            inside("d.division_code", 1)
        )),
        scope.jurisdiction(),
        scope.org_id()
    )?
    .into_iter()
    .map(
        |(depot_id, depot_name, division_code, item_id, available)| StockIn {
            depot_id,
            depot_name,
            division_code,
            item_id,
            available,
        },
    )
    .collect())
}

/// The nearest `keep` of some candidates, by distance then load, then id.
fn nearest(mut c: Vec<(u32, u32, usize)>, keep: usize) -> Vec<(u32, u32, usize)> {
    c.sort_unstable();
    c.truncate(keep);
    c
}

/// What a proposal is made from, read once.
struct Rows {
    needs: Vec<NeedIn>,
    squads: Vec<SquadIn>,
    stock: Vec<StockIn>,
    wanted: BTreeMap<i64, Vec<(i64, i64)>>,
    zones: Vec<ZoneIn>,
    now: OffsetDateTime,
}

fn wrong(e: matching::Invalid) -> AppError {
    anyhow::anyhow!("dispatch built a wrong problem: {e}").into()
}

impl Rows {
    /// The matching problem, each leg's candidates the nearest squads that
    /// may take it — where `holds` names a squad for a gate side or a
    /// household, that squad only — and each line's the nearest depots.
    /// Also each need's sealed zone.
    /// `held` are the holds recorded (not the pins): who a need left out
    /// is said to be held by.
    fn problem(
        &self,
        holds: &HashMap<(ContactKind, i64), i64>,
        held: &HashMap<(ContactKind, i64), i64>,
    ) -> Built {
        let mut problem = matching::Problem {
            squads: self
                .squads
                .iter()
                .map(|s| matching::Squad {
                    capacity: s.room,
                    workload: s.workload,
                    inside: s.zone.map(|z| z as u32),
                    credentials: s.bits,
                })
                .collect(),
            stock: self
                .stock
                .iter()
                .map(|s| matching::Stock {
                    kind: s.item_id as u32,
                    quantity: s.available.clamp(0, u32::MAX as i64) as u32,
                })
                .collect(),
            ..matching::Problem::default()
        };
        let mut door_zone = Vec::with_capacity(self.needs.len());
        let mut holders = Vec::with_capacity(self.needs.len());
        for (i, n) in self.needs.iter().enumerate() {
            let kind = NeedKind::parse(&n.kind).unwrap_or(NeedKind::Other);
            let zone = zone_of(n.place(), &n.address, &self.zones);
            door_zone.push(zone.map(|z| z.id));
            let bits = required(task_kind(kind), zone.is_some());
            let goods: Vec<matching::Goods> = self
                .wanted
                .get(&n.id)
                .map(|lines| {
                    lines
                        .iter()
                        .map(|&(item, q)| matching::Goods {
                            kind: item as u32,
                            quantity: q.clamp(0, u32::MAX as i64) as u32,
                        })
                        .collect()
                })
                .unwrap_or_default();
            // Goods go to the door, or to the gate of a sealed zone.
            let gate = zone.map(|z| z.seal.division_code.as_str());
            let goods_to = gate.unwrap_or(n.place());
            for g in &goods {
                let near: Vec<(u32, u32, usize)> = self
                    .stock
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.item_id as u32 == g.kind)
                    .filter_map(|(k, s)| metres(&s.division_code, goods_to).map(|m| (m, 0, k)))
                    .collect();
                for (m, _, k) in nearest(near, CANDIDATES) {
                    problem.sources.push(matching::Pair {
                        need: i as u32,
                        other: k as u32,
                        metres: m,
                    });
                }
            }
            let hold =
                |map: &HashMap<(ContactKind, i64), i64>, kind: ContactKind, target: Option<i64>| {
                    target.and_then(|t| map.get(&(kind, t)).copied())
                };
            let held_by = |kind, target| hold(held, kind, target);
            let held = |kind, target| hold(holds, kind, target);
            let mut holder = [None; 2];
            for (l, leg) in legs_for(zone.is_some()).iter().enumerate() {
                let (only, also, to) = match leg {
                    LegKind::Whole => (held(ContactKind::Household, Some(n.id)), None, n.place()),
                    LegKind::ToGate => (
                        held(ContactKind::Handoff, zone.map(|z| z.id)),
                        None,
                        goods_to,
                    ),
                    LegKind::Inside => (
                        held(ContactKind::Pickup, zone.map(|z| z.id)),
                        held(ContactKind::Household, Some(n.id)),
                        n.place(),
                    ),
                };
                holder[l] = match leg {
                    LegKind::Whole => held_by(ContactKind::Household, Some(n.id)),
                    LegKind::ToGate => held_by(ContactKind::Handoff, zone.map(|z| z.id)),
                    LegKind::Inside => held_by(ContactKind::Household, Some(n.id))
                        .or(held_by(ContactKind::Pickup, zone.map(|z| z.id))),
                };
                let near: Vec<(u32, u32, usize)> = self
                    .squads
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| {
                        only.is_none_or(|x| x == s.id) && also.is_none_or(|x| x == s.id)
                    })
                    .filter(|(_, s)| match leg {
                        LegKind::Whole => s.zone.is_none() && bits & !s.bits == 0,
                        LegKind::ToGate => s.zone.is_none(),
                        LegKind::Inside => s.zone == zone.map(|z| z.id) && bits & !s.bits == 0,
                    })
                    .filter_map(|(k, s)| metres(&s.division_code, to).map(|m| (m, s.workload, k)))
                    .collect();
                for (m, _, k) in nearest(near, CANDIDATES) {
                    problem.carriers.push(matching::Pair {
                        need: i as u32,
                        other: k as u32,
                        metres: m,
                    });
                }
            }
            problem.needs.push(matching::Need {
                urgency: urgency(Urgency::parse(&n.urgency).unwrap_or(Urgency::Normal)),
                waited_min: n.waited_min(self.now),
                zone: zone.map(|z| z.id as u32),
                goods,
                credentials: bits,
            });
            holders.push(holder);
        }
        Built {
            problem,
            door_zone,
            holders,
        }
    }
}

/// A matching problem and what the proposal needs to read its answer:
/// each need's sealed zone, and per leg the squad a hold reserves it for.
struct Built {
    problem: matching::Problem,
    door_zone: Vec<Option<i64>>,
    holders: Vec<[Option<i64>; 2]>,
}

/// The proposal for the verified needs in the caller's jurisdiction now:
/// the matching crate's plan, in the application's names. Reads only.
pub async fn propose(tx: &mut Tx, scope: &Scope, window: Duration) -> Result<Proposal, AppError> {
    coordinates(scope)?;
    let now = crate::db::now();
    let mut needs = fetch_all!(
        &mut *tx,
        NeedIn,
        sqlx::AssertSqlSafe(format!(
            "SELECT id, reference, kind, urgency, division_code, jurisdiction_code, address, created_at, CAST(verified_minutes AS BIGINT) AS verified_minutes
             FROM needs WHERE status = 'verified' AND {}
             ORDER BY CASE urgency WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END, id
             LIMIT {READ_MAX}",
            inside("jurisdiction_code", 1)
        )),
        scope.jurisdiction()
    )?;
    // The most urgent first, then the longest waiting: a batch beyond
    // BATCH waits for the next proposal.
    needs.sort_by_key(|n| {
        let u = Urgency::parse(&n.urgency).unwrap_or(Urgency::Normal);
        (
            std::cmp::Reverse(u),
            std::cmp::Reverse(n.waited_min(now)),
            n.id,
        )
    });
    needs.truncate(super::model::BATCH);
    let zones = zones_in_force(tx).await?;
    let rows = Rows {
        squads: squads_at_work(tx, scope, &zones, now).await?,
        wanted: wanted(tx, scope).await?,
        stock: stock(tx, scope).await?,
        needs,
        zones,
        now,
    };
    // A gate side or a household another squad holds inside the window
    // admits that squad only (the contact rule, as confirming will check).
    let mut holds: HashMap<(ContactKind, i64), i64> = fetch_all!(
        &mut *tx,
        (String, i64, i64),
        "SELECT kind, target_id, squad_id FROM contact_holds WHERE at > $1",
        Ts::from(now - window)
    )?
    .into_iter()
    .filter_map(|(kind, target, squad)| Some(((ContactKind::parse(&kind)?, target), squad)))
    .collect();
    // One squad per gate side in a proposal: where the plan puts two on one
    // side, the most urgent need's squad is pinned there and the batch is
    // solved again (a gate is handed over at once, not twenty times).
    // Pins are only added (two sides per zone at most), so this ends.
    let held = holds.clone();
    let mut built = rows.problem(&holds, &held);
    let mut plan = matching::plan(&built.problem).map_err(wrong)?;
    for _ in 0..=2 * rows.zones.len() {
        let mut pinned = false;
        for t in &plan.tasks {
            let Some(z) = built.door_zone[t.need as usize] else {
                continue;
            };
            for a in &t.legs {
                let side = match a.leg {
                    matching::Leg::ToGate => ContactKind::Handoff,
                    _ => ContactKind::Pickup,
                };
                let squad = rows.squads[a.squad as usize].id;
                if *holds.entry((side, z)).or_insert(squad) != squad {
                    pinned = true;
                }
            }
        }
        if !pinned {
            break;
        }
        built = rows.problem(&holds, &held);
        plan = matching::plan(&built.problem).map_err(wrong)?;
    }
    let Rows {
        needs,
        squads,
        stock,
        now,
        ..
    } = rows;
    let squad = |k: u32| &squads[k as usize];
    let tasks = plan
        .tasks
        .iter()
        .map(|t| {
            let n = &needs[t.need as usize];
            ProposedTask {
                need_id: n.id,
                reference: n.reference.clone().unwrap_or_default(),
                kind: n.kind.clone(),
                urgency: n.urgency.clone(),
                division_code: n.place().to_owned(),
                waited_min: n.waited_min(now),
                zone_id: built.door_zone[t.need as usize],
                legs: t
                    .legs
                    .iter()
                    .map(|a| ProposedLeg {
                        leg: LegKind::of(a.leg),
                        squad_id: squad(a.squad).id,
                        squad_name: squad(a.squad).name.clone(),
                        metres: a.cost.metres,
                        weight: a.cost.weight,
                        workload: a.cost.workload,
                        cost: a.cost.total,
                        next_best: a.next_best.map(|b| NextBest {
                            squad_id: squad(b.squad).id,
                            squad_name: squad(b.squad).name.clone(),
                            cost: b.cost.total,
                            full: b.full,
                        }),
                    })
                    .collect(),
                picks: t
                    .picks
                    .iter()
                    .map(|p| {
                        let s = &stock[p.stock as usize];
                        ProposedPick {
                            depot_id: s.depot_id,
                            depot_name: s.depot_name.clone(),
                            item_id: s.item_id,
                            quantity: p.quantity as i64,
                            metres: p.cost.metres,
                        }
                    })
                    .collect(),
                lacking: t
                    .lacking
                    .iter()
                    .map(|g| Lacking {
                        item_id: g.kind as i64,
                        quantity: g.quantity as i64,
                    })
                    .collect(),
            }
        })
        .collect();
    // A leg nobody may take because a squad not at work now holds its gate
    // side or household: say which squad.
    let legs_of = |u: &matching::Unserved| legs_for(built.door_zone[u.need as usize].is_some());
    let held_by = |u: &matching::Unserved| {
        let at = u
            .leg
            .and_then(|l| legs_of(u).iter().position(|k| *k == LegKind::of(l)))?;
        (u.reason == matching::Reason::NoCandidate)
            .then(|| built.holders[u.need as usize][at])
            .flatten()
    };
    let holder_ids: Vec<i64> = plan.unserved.iter().filter_map(held_by).collect();
    let names = squad_names(tx, &holder_ids).await?;
    let unserved = plan
        .unserved
        .iter()
        .map(|u| {
            let n = &needs[u.need as usize];
            let holder = held_by(u);
            UnservedNeed {
                need_id: n.id,
                reference: n.reference.clone().unwrap_or_default(),
                kind: n.kind.clone(),
                urgency: n.urgency.clone(),
                division_code: n.place().to_owned(),
                waited_min: n.waited_min(now),
                leg: u.leg.map(LegKind::of),
                reason: if holder.is_some() {
                    Unmet::HeldByAnother
                } else {
                    Unmet::of(u.reason)
                },
                held_by: holder.and_then(|h| names.get(&h).cloned()),
            }
        })
        .collect();
    Ok(Proposal {
        needs: needs.len(),
        tasks,
        unserved,
        cost: plan.cost,
    })
}

/// Squads' names by id (ids from rows just read).
async fn squad_names(tx: &mut Tx, ids: &[i64]) -> sqlx::Result<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    Ok(fetch_all!(
        &mut *tx,
        (i64, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT id, name FROM squads WHERE id IN ({})",
            list.join(", ")
        ))
    )?
    .into_iter()
    .collect())
}

/// A task as a coordinator reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    pub id: i64,
    pub need_id: i64,
    pub reference: String,
    /// What the door leg asks (a training task kind).
    pub kind: String,
    #[schema(value_type = TaskStatus)]
    pub status: String,
    pub division_code: String,
    pub zone_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub legs: Vec<TaskLeg>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskLeg {
    #[schema(value_type = LegKind)]
    pub leg: String,
    pub squad_id: i64,
    pub squad_name: String,
    #[schema(value_type = LegStatus)]
    pub status: String,
    pub metres: i64,
    pub weight: i64,
    pub workload: i64,
    pub cost: i64,
}

type TaskRow = (
    i64,
    i64,
    Option<String>,
    String,
    String,
    String,
    Option<i64>,
    OffsetDateTime,
);

async fn with_legs(tx: &mut Tx, rows: Vec<TaskRow>) -> sqlx::Result<Vec<Task>> {
    let mut legs: BTreeMap<i64, Vec<TaskLeg>> = BTreeMap::new();
    if !rows.is_empty() {
        // Ids are numbers from rows just read.
        let list: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
        for (task_id, leg, squad_id, squad_name, status, metres, weight, workload, cost) in fetch_all!(
            &mut *tx,
            (i64, String, i64, String, String, i64, i64, i64, i64),
            sqlx::AssertSqlSafe(format!(
                "SELECT l.task_id, l.leg, l.squad_id, s.name, l.status, l.metres, l.weight, l.workload, l.cost
                 FROM task_legs l JOIN squads s ON s.id = l.squad_id
                 WHERE l.task_id IN ({}) ORDER BY l.task_id, l.id",
                list.join(", ")
            ))
        )? {
            legs.entry(task_id).or_default().push(TaskLeg {
                leg,
                squad_id,
                squad_name,
                status,
                metres,
                weight,
                workload,
                cost,
            });
        }
    }
    Ok(rows
        .into_iter()
        .map(
            |(id, need_id, reference, kind, status, division_code, zone_id, created_at)| Task {
                legs: legs.remove(&id).unwrap_or_default(),
                id,
                need_id,
                reference: reference.unwrap_or_default(),
                kind,
                status,
                division_code,
                zone_id,
                created_at,
            },
        )
        .collect())
}

const TASK_SELECT: &str = "SELECT t.id, t.need_id, n.reference, t.kind, t.status, t.division_code, t.zone_id, t.created_at
     FROM tasks t JOIN needs n ON n.id = t.need_id";

/// Open tasks inside the caller's jurisdiction, newest first.
pub async fn tasks(tx: &mut Tx, scope: &Scope) -> Result<Vec<Task>, AppError> {
    coordinates(scope)?;
    let rows = fetch_all!(
        &mut *tx,
        TaskRow,
        sqlx::AssertSqlSafe(format!(
            "{TASK_SELECT} WHERE t.status = 'open' AND {} ORDER BY t.id DESC LIMIT 500",
            inside("t.jurisdiction_code", 1)
        )),
        scope.jurisdiction()
    )?;
    Ok(with_legs(tx, rows).await?)
}

/// One task inside the caller's jurisdiction (else not found).
pub async fn task(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Task, AppError> {
    coordinates(scope)?;
    let row = fetch_optional!(
        &mut *tx,
        TaskRow,
        sqlx::AssertSqlSafe(format!(
            "{TASK_SELECT} WHERE t.id = $1 AND {}",
            inside("t.jurisdiction_code", 2)
        )),
        id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)?;
    Ok(with_legs(tx, vec![row]).await?.remove(0))
}

/// Make the tasks a coordinator confirmed, all or none: each need moves to
/// matched (refused if it moved meanwhile), each leg's squad must be at
/// work, have room and fit the leg (its zone, its credentials), and may
/// touch the gate side and the household (the contact rule: refused
/// naming the other squad), and the goods are held at their depots
/// (refused with what is left). Any refusal drops the whole transaction.
pub async fn confirm(
    db: &Db,
    scope: &Scope,
    window: Duration,
    c: &Confirm,
) -> Result<Vec<Task>, AppError> {
    coordinates(scope)?;
    c.check().map_err(AppError::Invalid)?;
    let now = crate::db::now();
    let mut tx = db.write().await?;
    let zones = zones_in_force(&mut tx).await?;
    let levels = crate::needs::store::service_levels(&mut tx).await?;
    // Rows are taken in one order — squads, then needs, by id — so two
    // confirmations at once wait for each other rather than deadlock.
    let mut squad_ids: Vec<i64> = c
        .tasks
        .iter()
        .flat_map(|t| t.legs.iter().map(|l| l.squad_id))
        .collect();
    squad_ids.sort_unstable();
    squad_ids.dedup();
    let mut squads = HashMap::new();
    for id in squad_ids {
        squads.insert(
            id,
            crate::squads::store::at_work_in(&mut tx, scope, id).await?,
        );
    }
    let mut lines: Vec<&super::model::ConfirmTask> = c.tasks.iter().collect();
    lines.sort_by_key(|t| t.need_id);
    let mut made = Vec::with_capacity(c.tasks.len());
    for t in lines {
        let need = fetch_optional!(
            &mut tx,
            NeedIn,
            sqlx::AssertSqlSafe(format!(
                "SELECT id, reference, kind, urgency, division_code, jurisdiction_code, address, created_at, CAST(verified_minutes AS BIGINT) AS verified_minutes
                 FROM needs WHERE id = $1 AND {}",
                inside("jurisdiction_code", 2)
            )),
            t.need_id,
            scope.jurisdiction()
        )?
        .ok_or_else(|| AppError::invalid("need_id", "err-need-unknown"))?;
        crate::needs::store::move_in(&mut tx, scope, need.id, NeedStatus::Matched, "").await?;
        let zone = zone_of(need.place(), &need.address, &zones);
        let mut asked: Vec<LegKind> = t.legs.iter().map(|l| l.leg).collect();
        asked.sort();
        if asked != legs_for(zone.is_some()) {
            return Err(AppError::invalid("legs", "err-dispatch-legs"));
        }
        let kind = task_kind(NeedKind::parse(&need.kind).unwrap_or(NeedKind::Other));
        let bits = required(kind, zone.is_some());
        let weight = urgency(Urgency::parse(&need.urgency).unwrap_or(Urgency::Normal)).weight();
        let t_now = Ts(now);
        check_picks(&mut tx, need.id, &t.picks).await?;
        // By when: the urgency's delivery deadline from the request.
        let due = need.created_at
            + Duration::minutes(levels.minutes(
                Urgency::parse(&need.urgency).unwrap_or(Urgency::Normal),
                crate::needs::model::Deadline::Deliver,
            ));
        let task_id = fetch_scalar!(
            &mut tx,
            i64,
            "INSERT INTO tasks (need_id, kind, division_code, jurisdiction_code, zone_id, status, created_by, created_at, updated_at, due_at, delivery_code)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) RETURNING id",
            need.id,
            kind.as_str(),
            need.place(),
            &need.jurisdiction_code,
            zone.map(|z| z.id),
            TaskStatus::Open.as_str(),
            scope.account_id(),
            t_now,
            Ts(due),
            super::model::delivery_code(),
        )?;
        for leg in &t.legs {
            let s = squads[&leg.squad_id].clone();
            let (capacity, open) = fetch_optional!(
                &mut tx,
                (i64, i64),
                sqlx::AssertSqlSafe(format!(
                    "SELECT s.capacity, ({}) FROM squads s WHERE s.id = $1",
                    open_legs()
                )),
                s.id
            )?
            .ok_or(AppError::NotFound)?;
            if open >= capacity {
                return Err(AppError::Refused(
                    "err-dispatch-full",
                    vec![("squad", s.name.clone())],
                ));
            }
            let its_zone = squad_zone(&s.division_code, &zones).map(|z| z.id);
            let fits = match leg.leg {
                LegKind::Whole | LegKind::ToGate => its_zone.is_none(),
                LegKind::Inside => its_zone.is_some() && its_zone == zone.map(|z| z.id),
            };
            if !fits {
                return Err(AppError::Refused(
                    "err-dispatch-zone",
                    vec![("squad", s.name.clone())],
                ));
            }
            // Its working team as a proposal counts it: enough of them to
            // go out, holding what the door asks.
            let team = working_members(&mut tx, scope, &zones, Some(s.id))
                .await?
                .remove(&s.id)
                .unwrap_or_default();
            if (team.len() as i64) < s.min_size {
                return Err(AppError::Refused(
                    "err-dispatch-short",
                    vec![("squad", s.name.clone())],
                ));
            }
            if leg.leg != LegKind::ToGate && bits != 0 {
                let held = team_bits(&mut tx, &team, now).await?;
                if bits & !held != 0 {
                    return Err(AppError::Refused(
                        "err-dispatch-credentials",
                        vec![("squad", s.name.clone())],
                    ));
                }
            }
            let touches: Vec<(ContactKind, i64)> = match (leg.leg, zone) {
                (LegKind::Whole, _) => vec![(ContactKind::Household, need.id)],
                (LegKind::ToGate, Some(z)) => vec![(ContactKind::Handoff, z.id)],
                (LegKind::Inside, Some(z)) => {
                    vec![
                        (ContactKind::Pickup, z.id),
                        (ContactKind::Household, need.id),
                    ]
                }
                _ => Vec::new(),
            };
            for (kind, target) in touches {
                crate::squads::store::touch_in(
                    &mut tx,
                    scope,
                    window,
                    &s,
                    kind,
                    target,
                    Some(task_id),
                )
                .await?;
            }
            let to = match (leg.leg, zone) {
                (LegKind::ToGate, Some(z)) => z.seal.division_code.as_str(),
                _ => need.place(),
            };
            let m = metres(&s.division_code, to).unwrap_or(0) as i64;
            let cost = m * weight + open * matching::WORKLOAD_METRES;
            execute!(
                &mut tx,
                "INSERT INTO task_legs (task_id, leg, squad_id, status, metres, weight, workload, cost, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                task_id,
                leg.leg.as_str(),
                s.id,
                LegStatus::Assigned.as_str(),
                m,
                weight,
                open,
                cost,
                t_now,
            )?;
        }
        for p in &t.picks {
            crate::supply::store::reserve_in(
                &mut tx,
                scope,
                p.depot_id,
                p.item_id,
                need.id,
                p.quantity,
                Some(task_id),
            )
            .await?;
        }
        let legs: Vec<serde_json::Value> = t
            .legs
            .iter()
            .map(|l| serde_json::json!({"leg": l.leg.as_str(), "squad_id": l.squad_id}))
            .collect();
        record(
            &mut tx,
            NewEvent::by(scope, "task.create", "task", task_id, need.place()).after(
                serde_json::json!({"need_id": need.id, "legs": legs, "picks": t.picks.len()}),
            ),
        )
        .await?;
        made.push(task_id);
    }
    let mut out = Vec::with_capacity(made.len());
    for id in made {
        out.push(task(&mut tx, scope, id).await?);
    }
    tx.commit().await?;
    Ok(out)
}

/// Goods a confirmation takes for a need: only what it asked (its
/// appeals' lines, less what is held or sent for it), never more.
async fn check_picks(
    tx: &mut Tx,
    need_id: i64,
    picks: &[super::model::ConfirmPick],
) -> Result<(), AppError> {
    if picks.is_empty() {
        return Ok(());
    }
    let asked: HashMap<i64, i64> = fetch_all!(
        &mut *tx,
        (i64, i64),
        "SELECT l.item_id, CAST(SUM(l.quantity) AS BIGINT) FROM appeals a JOIN appeal_lines l ON l.appeal_id = a.id
         WHERE a.need_id = $1 GROUP BY l.item_id",
        need_id
    )?
    .into_iter()
    .collect();
    let held: HashMap<i64, i64> = fetch_all!(
        &mut *tx,
        (i64, i64),
        "SELECT item_id, CAST(SUM(quantity) AS BIGINT) FROM reservations
         WHERE need_id = $1 AND status IN ('held', 'dispatched') GROUP BY item_id",
        need_id
    )?
    .into_iter()
    .collect();
    let mut taken: HashMap<i64, i64> = HashMap::new();
    for p in picks {
        *taken.entry(p.item_id).or_default() += p.quantity;
    }
    for (item, q) in taken {
        let left = asked.get(&item).copied().unwrap_or(0) - held.get(&item).copied().unwrap_or(0);
        if q > left {
            return Err(AppError::invalid(
                "quantity",
                "err-dispatch-more-than-asked",
            ));
        }
    }
    Ok(())
}

/// A need moved on (`execute_status` of the needs store): its open task,
/// if any, ends — done when the need was delivered or closed, cancelled
/// when it went back or was called off. Squads not yet out are stood off
/// the task (one that declined stays declined), and the contacts its
/// confirmation planned for them are undone: they never met the household
/// or the gate. Squads out come home (their legs take only that step now).
pub(crate) async fn need_moved(tx: &mut Tx, need_id: i64, to: NeedStatus) -> sqlx::Result<()> {
    let end = match to {
        NeedStatus::Matched | NeedStatus::InProgress => return Ok(()),
        NeedStatus::Delivered | NeedStatus::Closed => TaskStatus::Done,
        _ => TaskStatus::Cancelled,
    };
    let stood_off = fetch_all!(
        &mut *tx,
        (i64, i64, i64),
        "SELECT l.id, l.task_id, l.squad_id FROM task_legs l JOIN tasks t ON t.id = l.task_id
         WHERE t.need_id = $1 AND t.status = 'open' AND l.status IN ('assigned', 'accepted', 'declined')",
        need_id
    )?;
    let now = crate::db::stamp();
    for (leg_id, task_id, squad_id) in stood_off {
        execute!(
            &mut *tx,
            "UPDATE task_legs SET status = $1, updated_at = $2 WHERE id = $3 AND status <> 'declined'",
            LegStatus::Cancelled.as_str(),
            now,
            leg_id
        )?;
        for table in ["contacts", "contact_holds"] {
            execute!(
                &mut *tx,
                sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE task_id = $1 AND squad_id = $2"
                )),
                task_id,
                squad_id
            )?;
        }
    }
    execute!(
        &mut *tx,
        "UPDATE tasks SET status = $1, updated_at = $2 WHERE need_id = $3 AND status = 'open'",
        end.as_str(),
        now,
        need_id
    )?;
    Ok(())
}
