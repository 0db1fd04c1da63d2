//! SQL for online care teams (线上联合服务小组): doctors, psychologists and
//! social workers from anywhere, linked to an area and a cohort, with an
//! on-call rota; and the staff rota (how many days in a row each worker
//! of the area has worked), from which support for staff is asked.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::super::model::{Cohort, Profession};
use crate::access::model::{Role, Scope};
use crate::audit::model::NewEvent;
use crate::audit::store::record;
use crate::db::{Db, Ts, Tx, inside};
use crate::orgs::model::division_name;
use crate::web::error::{AppError, FieldError, Invalid};
use crate::{fetch_all, fetch_optional, fetch_scalar};

/// A member of a care team.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct TeamMember {
    pub id: i64,
    pub team_id: i64,
    pub name: String,
    #[schema(value_type = Profession)]
    pub profession: String,
    pub phone: String,
    pub based: String,
    /// The account they sign in with to answer crises offered to them.
    pub account_id: Option<i64>,
    pub account_name: String,
}

/// A stretch of the on-call rota.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct OnCallShift {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: OffsetDateTime,
}

/// A care team, its members and rota (the next week's and the current).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Team {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub name: String,
    pub division_code: String,
    pub division_name: String,
    /// The cohort in words ("" for none).
    pub cohort: String,
    /// Who it is offered first for: "" (its area alike), zone, home_isolation.
    #[schema(value_type = String)]
    pub cohort_kind: String,
    pub zone_id: Option<i64>,
    /// The zone in words: its division and compound.
    pub zone_name: String,
    pub members: Vec<TeamMember>,
    pub rota: Vec<OnCallShift>,
    /// Who is on call now ("" for nobody).
    pub on_call: String,
}

/// Teams serving the caller's area (or an area holding it), with members
/// and rota. Care roles only (members' phones are their duty phones).
pub async fn teams(tx: &mut Tx, scope: &Scope) -> Result<Vec<Team>, AppError> {
    super::cares(scope)?;
    let rows = fetch_all!(
        &mut *tx,
        TeamRow,
        sqlx::AssertSqlSafe(format!(
            "SELECT t.id, t.org_id, o.name AS org_name, t.name, t.division_code, t.cohort, t.cohort_kind, t.zone_id,
                    COALESCE(z.division_code, '') AS zone_division, COALESCE(z.compound, '') AS zone_compound
             FROM care_teams t JOIN orgs o ON o.id = t.org_id LEFT JOIN zones z ON z.id = t.zone_id
             WHERE {} OR ($1 >= t.division_code AND $1 < t.division_code || '~') ORDER BY t.division_code, t.name",
            inside("t.division_code", 1)
        )),
        scope.jurisdiction()
    )?;
    let now = crate::db::now();
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        let id = t.id;
        let members = fetch_all!(
            &mut *tx,
            TeamMember,
            "SELECT m.id, m.team_id, m.name, m.profession, m.phone, m.based, m.account_id,
                    COALESCE(a.display_name || ' (' || a.username || ')', '') AS account_name
             FROM care_team_members m LEFT JOIN accounts a ON a.id = m.account_id WHERE m.team_id = $1 ORDER BY m.id",
            id
        )?;
        let rota = fetch_all!(
            &mut *tx,
            OnCallShift,
            "SELECT o.id, o.member_id, m.name AS member_name, o.starts_at, o.ends_at FROM care_oncall o
             JOIN care_team_members m ON m.id = o.member_id
             WHERE o.team_id = $1 AND o.ends_at > $2 AND o.starts_at < $3 ORDER BY o.starts_at",
            id,
            Ts::from(now),
            Ts::from(now + Duration::days(7))
        )?;
        let on_call = rota
            .iter()
            .find(|s| s.starts_at <= now && s.ends_at > now)
            .map(|s| s.member_name.clone())
            .unwrap_or_default();
        out.push(Team {
            id,
            org_id: t.org_id,
            org_name: t.org_name,
            name: t.name,
            division_name: division_name(&t.division_code),
            division_code: t.division_code,
            cohort: t.cohort,
            cohort_kind: t.cohort_kind,
            zone_id: t.zone_id,
            zone_name: zone_name(&t.zone_division, &t.zone_compound),
            members,
            rota,
            on_call,
        });
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct TeamRow {
    id: i64,
    org_id: i64,
    org_name: String,
    name: String,
    division_code: String,
    cohort: String,
    cohort_kind: String,
    zone_id: Option<i64>,
    zone_division: String,
    zone_compound: String,
}

/// A zone in words: its division, and the compound when it seals one.
fn zone_name(division: &str, compound: &str) -> String {
    match (division, compound) {
        ("", _) => String::new(),
        (d, "") => division_name(d),
        (d, c) => format!("{} {c}", division_name(d)),
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewTeam {
    pub name: String,
    /// The area it serves (inside the caller's).
    pub division_code: String,
    /// The cohort in words ("" for none): 紫薇花园封控小区, 居家隔离人员.
    #[serde(default)]
    pub cohort: String,
    /// Who it is offered first for: "" (its area alike), zone (the zone
    /// `zone_id`, a sealed or controlled one inside the area), or
    /// home_isolation (the people in home isolation).
    #[serde(default)]
    pub cohort_kind: String,
    #[serde(default)]
    pub zone_id: Option<i64>,
}

/// A team of the caller's organisation.
pub async fn create_team(db: &Db, scope: &Scope, n: &NewTeam) -> Result<i64, AppError> {
    super::cares(scope)?;
    let mut errors = Invalid::default();
    errors.text("name", &n.name, 60);
    errors.optional("cohort", &n.cohort, 60);
    let d = n.division_code.trim();
    if divisions::Tree::china().find(d).is_none() {
        errors.push(FieldError::new("division_code", "err-division"));
    }
    let kind = n.cohort_kind.trim();
    let cohort = Cohort::parse(kind);
    if cohort.is_none() && !kind.is_empty() {
        errors.push(FieldError::new("cohort_kind", "err-field"));
    }
    let zone = match cohort {
        Some(Cohort::Zone) => n.zone_id,
        _ => None,
    };
    if cohort == Some(Cohort::Zone) && zone.is_none() {
        errors.push(FieldError::new("zone_id", "err-team-zone"));
    }
    errors.into_result()?;
    if !scope.covers(d) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.write().await?;
    if let Some(z) = zone {
        zone_fits(&mut tx, d, z).await?;
    }
    let id = fetch_optional!(
        &mut tx,
        (i64,),
        "INSERT INTO care_teams (org_id, name, division_code, cohort, created_by, created_at, cohort_kind, zone_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (org_id, name) DO NOTHING RETURNING id",
        scope.org_id(),
        n.name.trim(),
        d,
        n.cohort.trim(),
        scope.account_id(),
        Ts::from(crate::db::now()),
        cohort.map(Cohort::as_str).unwrap_or_default(),
        zone
    )?
    .ok_or_else(|| AppError::invalid("name", "err-team-name"))?
    .0;
    record(
        &mut tx,
        NewEvent::by(scope, "care_team.create", "care_team", id, d)
            .after(serde_json::json!({"cohort_kind": cohort.map(Cohort::as_str), "zone_id": zone})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A zone a team of `area` may be linked to: sealed or controlled, not
/// lifted, inside the area.
async fn zone_fits(tx: &mut Tx, area: &str, zone: i64) -> Result<(), AppError> {
    let found = fetch_optional!(
        &mut *tx,
        (String,),
        "SELECT division_code FROM zones WHERE id = $1 AND level IN ('sealed', 'controlled') AND lifted_at IS NULL",
        zone
    )?;
    match found {
        Some((code,)) if code.starts_with(area) => Ok(()),
        _ => Err(AppError::invalid("zone_id", "err-team-zone")),
    }
}

/// What a team may be linked to, for the caller's forms: the zones in
/// force inside their area, and their organisation's accounts that keep
/// cases (a member signs in with one to answer crises).
pub async fn linkable(
    tx: &mut Tx,
    scope: &Scope,
) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>), AppError> {
    super::cares(scope)?;
    let zones = fetch_all!(
        &mut *tx,
        (i64, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT id, division_code, compound FROM zones
             WHERE level IN ('sealed', 'controlled') AND lifted_at IS NULL AND {}
             ORDER BY division_code, compound, id LIMIT 500",
            inside("division_code", 1)
        )),
        scope.jurisdiction()
    )?
    .into_iter()
    .map(|(id, d, c)| (id, zone_name(&d, &c)))
    .collect();
    let accounts = fetch_all!(
        &mut *tx,
        (i64, String, String, String),
        "SELECT id, display_name, username, role FROM accounts WHERE org_id = $1 AND disabled = $2 ORDER BY display_name, id",
        scope.org_id(),
        false
    )?
    .into_iter()
    .filter(|(_, _, _, role)| Role::parse(role).is_some_and(Role::cares))
    .map(|(id, name, user, _)| (id, format!("{name} ({user})")))
    .collect();
    Ok((zones, accounts))
}

/// A team the caller's organisation runs (refused otherwise).
async fn ours(tx: &mut Tx, scope: &Scope, id: i64) -> Result<String, AppError> {
    super::cares(scope)?;
    let (org, division) = fetch_optional!(
        &mut *tx,
        (i64, String),
        "SELECT org_id, division_code FROM care_teams WHERE id = $1",
        id
    )?
    .ok_or(AppError::NotFound)?;
    if org != scope.org_id() {
        return Err(AppError::Forbidden);
    }
    Ok(division)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewMember {
    pub name: String,
    #[schema(value_type = Profession)]
    pub profession: String,
    pub phone: String,
    #[serde(default)]
    pub based: String,
    /// Their account (of the team's organisation, one that keeps cases),
    /// to answer crises offered to them.
    #[serde(default)]
    pub account_id: Option<i64>,
}

pub async fn add_member(db: &Db, scope: &Scope, team: i64, n: &NewMember) -> Result<i64, AppError> {
    let mut errors = Invalid::default();
    errors.text("name", &n.name, 40);
    errors.optional("based", &n.based, 40);
    if Profession::parse(n.profession.trim()).is_none() {
        errors.push(FieldError::new("profession", "err-team-profession"));
    }
    let phone = crate::phone::normalize(&n.phone);
    if phone.is_none() {
        errors.push(FieldError::new("phone", "err-phone"));
    }
    errors.into_result()?;
    let mut tx = db.write().await?;
    let division = ours(&mut tx, scope, team).await?;
    if let Some(a) = n.account_id {
        super::crises::account_fits(&mut tx, scope.org_id(), a).await?;
    }
    let id = fetch_optional!(
        &mut tx,
        (i64,),
        "INSERT INTO care_team_members (team_id, name, profession, phone, based, created_at, account_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (team_id, phone) DO NOTHING RETURNING id",
        team,
        n.name.trim(),
        n.profession.trim(),
        phone.unwrap_or_default(),
        n.based.trim(),
        Ts::from(crate::db::now()),
        n.account_id
    )?
    .ok_or_else(|| AppError::invalid("phone", "err-team-member-phone"))?
    .0;
    record(
        &mut tx,
        NewEvent::by(scope, "care_team.member", "care_team", team, &division),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewShift {
    pub member_id: i64,
    /// RFC 3339, or YYYY-MM-DDTHH:MM China time.
    pub starts_at: String,
    pub ends_at: String,
}

/// Put a member on call (at most two days at a stretch).
pub async fn add_shift(db: &Db, scope: &Scope, team: i64, n: &NewShift) -> Result<i64, AppError> {
    let mut errors = Invalid::default();
    let starts = (!n.starts_at.trim().is_empty())
        .then(|| crate::divisions::store::parse_start(&n.starts_at))
        .flatten();
    let ends = (!n.ends_at.trim().is_empty())
        .then(|| crate::divisions::store::parse_start(&n.ends_at))
        .flatten();
    if starts.is_none() {
        errors.push(FieldError::new("starts_at", "err-datetime"));
    }
    match (starts, ends) {
        (Some(s), Some(e)) if e > s && e - s <= Duration::hours(48) => {}
        _ => errors.push(FieldError::new("ends_at", "err-team-shift")),
    }
    errors.into_result()?;
    let (Some(starts), Some(ends)) = (starts, ends) else {
        return Err(AppError::invalid("ends_at", "err-team-shift"));
    };
    let mut tx = db.write().await?;
    let division = ours(&mut tx, scope, team).await?;
    let member = fetch_optional!(
        &mut tx,
        (i64,),
        "SELECT id FROM care_team_members WHERE id = $1 AND team_id = $2",
        n.member_id,
        team
    )?;
    if member.is_none() {
        return Err(AppError::invalid("member_id", "err-case-member"));
    }
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO care_oncall (team_id, member_id, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id",
        team,
        n.member_id,
        Ts::from(starts),
        Ts::from(ends)
    )?;
    record(
        &mut tx,
        NewEvent::by(scope, "care_team.on_call", "care_team", team, &division),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A worker of the area and the days in a row they have worked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Worker {
    pub account_id: i64,
    pub name: String,
    pub role: String,
    pub org_name: String,
    /// Days in a row, to today (China time), with any recorded work.
    pub days_in_a_row: i64,
    /// Days with work in the last 14.
    pub days_of_14: i64,
}

/// Days in a row at which the rota flags a worker for relief.
pub const RELIEF_AFTER_DAYS: i64 = 7;

/// The staff rota of the caller's area: office staff and caseworkers by
/// how many days in a row they have worked (any recorded action: a
/// call, a need, a case), longest first. What the office reads to relieve
/// people, and to ask the care team for support for them.
pub async fn staff_rota(tx: &mut Tx, scope: &Scope) -> Result<Vec<Worker>, AppError> {
    super::cares(scope)?;
    let now = crate::db::now();
    let since = now - Duration::days(14);
    let accounts = fetch_all!(
        &mut *tx,
        (i64, String, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT a.id, a.display_name, a.role, o.name FROM accounts a JOIN orgs o ON o.id = a.org_id
             WHERE {} AND a.role <> 'volunteer' AND a.disabled = $2",
            inside("a.jurisdiction_code", 1)
        )),
        scope.jurisdiction(),
        false
    )?;
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let list = accounts
        .iter()
        .map(|a| a.0.to_string())
        .collect::<Vec<_>>()
        .join(",");
    // The days each worked, counted by the database: one row per person
    // and day, however many actions (a busy office records thousands).
    let day = match tx {
        crate::db::Tx::Sqlite(_) => "date(at, '+8 hours')",
        crate::db::Tx::Postgres(_) => {
            "to_char((at AT TIME ZONE 'UTC') + INTERVAL '8 hours', 'YYYY-MM-DD')"
        }
    };
    let acts = fetch_all!(
        &mut *tx,
        (i64, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT actor_id, {day} AS day FROM events WHERE at >= $1 AND actor_id IN ({list})
             GROUP BY actor_id, day"
        )),
        Ts::from(since)
    )?;
    let china = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let mut days: BTreeMap<i64, BTreeSet<Date>> = BTreeMap::new();
    for (actor, day) in acts {
        if let Ok(d) = Date::parse(&day, format) {
            days.entry(actor).or_default().insert(d);
        }
    }
    let today = now.to_offset(china).date();
    let mut out: Vec<Worker> = accounts
        .into_iter()
        .map(|(id, name, role, org_name)| {
            let d = days.remove(&id).unwrap_or_default();
            let mut run = 0;
            let mut day = today;
            while d.contains(&day) {
                run += 1;
                day = day.previous_day().unwrap_or(day);
                if run > 14 {
                    break;
                }
            }
            Worker {
                account_id: id,
                name,
                role,
                org_name,
                days_in_a_row: run,
                days_of_14: d.len() as i64,
            }
        })
        .filter(|w| w.days_of_14 > 0)
        .collect();
    out.sort_by_key(|w| {
        (
            std::cmp::Reverse(w.days_in_a_row),
            std::cmp::Reverse(w.days_of_14),
            w.account_id,
        )
    });
    Ok(out)
}
