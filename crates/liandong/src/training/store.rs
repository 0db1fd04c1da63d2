//! SQL for training sessions and attendance, credentials, duty and
//! service hours, feedback, and resident leaders (骨干).

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};
use utoipa::ToSchema;

use super::model::{
    CheckedTraining, CredentialKind, Held, NewTraining, Stretch, TaskKind, missing, served_minutes,
};
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::audit::store::record;
use crate::db::{Db, Ts, Tx, inside};
use crate::squads::store::{coordinates, volunteer};
use crate::web::error::{AppError, FieldError, Invalid};
use crate::{execute, fetch_all, fetch_optional, fetch_scalar};

/// A training session as a coordinator or volunteer sees it.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Training {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub division_code: String,
    pub title: String,
    #[schema(value_type = CredentialKind)]
    pub credential: String,
    pub place: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: OffsetDateTime,
    pub capacity: i64,
    pub enrolled: i64,
}

impl Training {
    pub fn seats_left(&self) -> i64 {
        (self.capacity - self.enrolled).max(0)
    }
    /// Attendance is taken once the session has begun.
    pub fn begun(&self, now: OffsetDateTime) -> bool {
        self.starts_at <= now
    }
}

const TRAINING_SQL: &str =
    "SELECT t.id, t.org_id, o.name AS org_name, t.division_code, t.title, t.credential,
        t.place, t.starts_at, t.ends_at, t.capacity, t.enrolled
    FROM trainings t JOIN orgs o ON o.id = t.org_id";

/// Schedule a session: the organisation approved, the place inside the
/// caller's area.
pub async fn create(db: &Db, scope: &Scope, n: &NewTraining) -> Result<Training, AppError> {
    coordinates(scope)?;
    let CheckedTraining {
        title,
        division_code,
        credential,
        place,
        starts_at,
        ends_at,
        capacity,
    } = n.check().map_err(AppError::Invalid)?;
    if !scope.covers(&division_code) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.write().await?;
    crate::orgs::store::approved(&mut tx, n.org_id).await?;
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO trainings (org_id, division_code, title, credential, place, starts_at, ends_at, capacity, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        n.org_id,
        &division_code,
        &title,
        credential.as_str(),
        &place,
        Ts::from(starts_at),
        Ts::from(ends_at),
        capacity,
        scope.account_id(),
        crate::db::stamp()
    )?;
    record(
        &mut tx,
        NewEvent::by(scope, "training.create", "training", id, &division_code).after(
            serde_json::json!({"title": title, "credential": credential.as_str(), "capacity": capacity}),
        ),
    )
    .await?;
    let t = training(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(t)
}

/// Sessions inside the caller's area, latest first (at most 200).
pub async fn trainings(tx: &mut Tx, scope: &Scope) -> Result<Vec<Training>, AppError> {
    coordinates(scope)?;
    Ok(fetch_all!(
        &mut *tx,
        Training,
        sqlx::AssertSqlSafe(format!(
            "{TRAINING_SQL} WHERE {} ORDER BY t.starts_at DESC, t.id DESC LIMIT 200",
            inside("t.division_code", 1)
        )),
        scope.jurisdiction()
    )?)
}

pub async fn training(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Training, AppError> {
    coordinates(scope)?;
    fetch_optional!(
        &mut *tx,
        Training,
        sqlx::AssertSqlSafe(format!(
            "{TRAINING_SQL} WHERE t.id = $1 AND {}",
            inside("t.division_code", 2)
        )),
        id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)
}

/// Someone enrolled in a session (phone masked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Enrolment {
    pub volunteer_id: i64,
    pub name: String,
    pub phone: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub enrolled_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub attended_at: Option<OffsetDateTime>,
}

pub async fn enrolments(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Vec<Enrolment>, AppError> {
    training(tx, scope, id).await?;
    Ok(fetch_all!(
        &mut *tx,
        (i64, String, String, OffsetDateTime, Option<OffsetDateTime>),
        "SELECT v.id, v.name, v.phone, e.enrolled_at, e.attended_at
         FROM training_enrolments e JOIN volunteers v ON v.id = e.volunteer_id
         WHERE e.training_id = $1 ORDER BY e.enrolled_at, v.id",
        id
    )?
    .into_iter()
    .map(
        |(volunteer_id, name, phone, enrolled_at, attended_at)| Enrolment {
            volunteer_id,
            name,
            phone: crate::phone::mask(&phone),
            enrolled_at,
            attended_at,
        },
    )
    .collect())
}

/// Take a seat for a volunteer. Enrolling twice is one enrolment; the
/// last seat goes to one of two at once (the conditional count decides),
/// the other is told the session is full. A coordinator may still enrol
/// someone after the session (a walk-in written up afterwards).
async fn take_seat(
    tx: &mut Tx,
    scope: &Scope,
    t: &Training,
    volunteer_id: i64,
) -> Result<bool, AppError> {
    let new = execute!(
        &mut *tx,
        "INSERT INTO training_enrolments (training_id, volunteer_id, enrolled_at) VALUES ($1, $2, $3)
         ON CONFLICT (training_id, volunteer_id) DO NOTHING",
        t.id,
        volunteer_id,
        crate::db::stamp()
    )?;
    if new == 0 {
        return Ok(false);
    }
    let seated = execute!(
        &mut *tx,
        "UPDATE trainings SET enrolled = enrolled + 1 WHERE id = $1 AND enrolled < capacity",
        t.id
    )?;
    if seated == 0 {
        return Err(AppError::Conflict("err-training-full"));
    }
    record(
        &mut *tx,
        NewEvent::by(scope, "training.enrol", "training", t.id, &t.division_code)
            .after(serde_json::json!({"volunteer_id": volunteer_id})),
    )
    .await?;
    Ok(true)
}

/// A coordinator enrols a volunteer of their area.
pub async fn enrol(
    db: &Db,
    scope: &Scope,
    training_id: i64,
    volunteer_id: i64,
) -> Result<Training, AppError> {
    let mut tx = db.write().await?;
    let t = training(&mut tx, scope, training_id).await?;
    volunteer(&mut tx, scope, volunteer_id).await?;
    take_seat(&mut tx, scope, &t, volunteer_id).await?;
    let t = training(&mut tx, scope, training_id).await?;
    tx.commit().await?;
    Ok(t)
}

/// The signed-in volunteer's id and the jurisdiction that holds them.
async fn me(tx: &mut Tx, me: &Scope) -> Result<(i64, i64, String), AppError> {
    fetch_optional!(
        &mut *tx,
        (i64, i64, String),
        "SELECT id, org_id, jurisdiction_code FROM volunteers WHERE account_id = $1",
        me.account_id()
    )?
    .ok_or(AppError::NotFound)
}

/// SQL: the session `t` is open to the volunteer `$a` of organisation
/// `$o` held in jurisdiction `$j`: their organisation's and covering where
/// they are held, or one they hold a seat in (a coordinator enrolled them).
fn open_sql(a: u8, o: u8, j: u8) -> String {
    format!(
        "((t.org_id = ${o} AND ${j} >= t.division_code AND ${j} < t.division_code || '~')
          OR EXISTS (SELECT 1 FROM training_enrolments e WHERE e.training_id = t.id AND e.volunteer_id = ${a}))"
    )
}

/// A session a volunteer may take or give back.
async fn open_to(
    tx: &mut Tx,
    (id, org_id, jurisdiction): &(i64, i64, String),
    training_id: i64,
) -> Result<Training, AppError> {
    fetch_optional!(
        &mut *tx,
        Training,
        sqlx::AssertSqlSafe(format!(
            "{TRAINING_SQL} WHERE t.id = $1 AND {}",
            open_sql(2, 3, 4)
        )),
        training_id,
        id,
        org_id,
        jurisdiction
    )?
    .ok_or(AppError::NotFound)
}

/// The signed-in volunteer takes a seat (or, `seat` false, gives theirs
/// back before the session begins).
pub async fn enrol_me(
    db: &Db,
    scope: &Scope,
    training_id: i64,
    seat: bool,
) -> Result<(), AppError> {
    let mut tx = db.write().await?;
    let who = me(&mut tx, scope).await?;
    let id = who.0;
    let t = open_to(&mut tx, &who, training_id).await?;
    if seat {
        if t.ends_at <= crate::db::now() {
            return Err(AppError::Conflict("err-training-over"));
        }
        take_seat(&mut tx, scope, &t, id).await?;
    } else {
        if t.begun(crate::db::now()) {
            return Err(AppError::Conflict("err-training-begun"));
        }
        let gone = execute!(
            &mut tx,
            "DELETE FROM training_enrolments WHERE training_id = $1 AND volunteer_id = $2 AND attended_at IS NULL",
            training_id,
            id
        )?;
        if gone > 0 {
            execute!(
                &mut tx,
                "UPDATE trainings SET enrolled = enrolled - 1 WHERE id = $1",
                training_id
            )?;
            record(
                &mut tx,
                NewEvent::by(
                    scope,
                    "training.withdraw",
                    "training",
                    training_id,
                    &t.division_code,
                )
                .after(serde_json::json!({"volunteer_id": id})),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Mark who attended (all or none): each gets the session's credential,
/// valid from the session's end for the kind's term. Marking someone
/// twice changes nothing.
pub async fn attend(
    db: &Db,
    scope: &Scope,
    training_id: i64,
    volunteer_ids: &[i64],
) -> Result<Vec<Enrolment>, AppError> {
    if volunteer_ids.is_empty() {
        return Err(AppError::invalid("volunteer_ids", "err-attend-none"));
    }
    if volunteer_ids.len() > super::model::MAX_CAPACITY as usize {
        return Err(AppError::Invalid(Invalid(vec![FieldError::counted(
            "volunteer_ids",
            "err-attend-many",
            super::model::MAX_CAPACITY,
        )])));
    }
    let mut tx = db.write().await?;
    let t = training(&mut tx, scope, training_id).await?;
    if !t.begun(crate::db::now()) {
        return Err(AppError::Conflict("err-training-not-begun"));
    }
    let kind = CredentialKind::parse(&t.credential).unwrap_or(CredentialKind::Ppe);
    let term = kind.by_training().unwrap_or(Duration::days(180));
    let now = crate::db::stamp();
    let mut granted = Vec::new();
    for id in volunteer_ids {
        let marked = execute!(
            &mut tx,
            "UPDATE training_enrolments SET attended_at = $1, marked_by = $2
             WHERE training_id = $3 AND volunteer_id = $4 AND attended_at IS NULL",
            now,
            scope.account_id(),
            training_id,
            id
        )?;
        if marked == 0 {
            let enrolled = fetch_scalar!(
                &mut tx,
                i64,
                "SELECT COUNT(*) FROM training_enrolments WHERE training_id = $1 AND volunteer_id = $2",
                training_id,
                id
            )?;
            if enrolled == 0 {
                return Err(AppError::invalid(
                    "volunteer_ids",
                    "err-attend-not-enrolled",
                ));
            }
            continue;
        }
        execute!(
            &mut tx,
            "INSERT INTO credentials (volunteer_id, kind, granted_at, expires_at, training_id, granted_by)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (volunteer_id, training_id) WHERE training_id IS NOT NULL DO NOTHING",
            id,
            kind.as_str(),
            now,
            Ts::from(t.ends_at + term),
            training_id,
            scope.account_id()
        )?;
        granted.push(*id);
    }
    if !granted.is_empty() {
        record(
            &mut tx,
            NewEvent::by(
                scope,
                "training.attend",
                "training",
                training_id,
                &t.division_code,
            )
            .after(serde_json::json!({"volunteer_ids": granted, "credential": kind.as_str()})),
        )
        .await?;
    }
    tx.commit().await?;
    let mut tx = db.read().await?;
    enrolments(&mut tx, scope, training_id).await
}

/// A credential as its holder and coordinators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Credential {
    #[schema(value_type = CredentialKind)]
    pub kind: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub granted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    /// The last day it holds (Beijing), YYYY-MM-DD.
    pub valid_until: String,
    /// The session that granted it ('' when a document was checked).
    pub training: String,
    pub note: String,
    pub valid: bool,
}

async fn credentials_of(tx: &mut Tx, volunteer_id: i64) -> sqlx::Result<Vec<Credential>> {
    let now = crate::db::now();
    Ok(fetch_all!(
        &mut *tx,
        (
            String,
            OffsetDateTime,
            OffsetDateTime,
            Option<String>,
            String
        ),
        "SELECT c.kind, c.granted_at, c.expires_at, t.title, c.note
         FROM credentials c LEFT JOIN trainings t ON t.id = c.training_id
         WHERE c.volunteer_id = $1 ORDER BY c.expires_at DESC, c.id DESC",
        volunteer_id
    )?
    .into_iter()
    .map(
        |(kind, granted_at, expires_at, training, note)| Credential {
            kind,
            granted_at,
            valid_until: (expires_at - Duration::microseconds(1))
                .to_offset(time::macros::offset!(+8))
                .date()
                .to_string(),
            expires_at,
            training: training.unwrap_or_default(),
            note,
            valid: expires_at > now,
        },
    )
    .collect())
}

/// A checked document (a licence) as sent.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
pub struct NewCredential {
    #[schema(value_type = CredentialKind)]
    pub kind: String,
    /// The document's own expiry, YYYY-MM-DD.
    pub expires_on: String,
    /// What was checked (the licence's class, its number's last digits).
    pub note: String,
}

/// A coordinator records a document they checked; it holds until the
/// document's own expiry (Beijing midnight ending that day).
pub async fn grant(
    db: &Db,
    scope: &Scope,
    volunteer_id: i64,
    n: &NewCredential,
) -> Result<Vec<Credential>, AppError> {
    coordinates(scope)?;
    let mut errors = Invalid::default();
    let kind = CredentialKind::parse(n.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new("kind", "err-credential-kind"));
    }
    let today = crate::volunteers::store::today();
    let expires = Date::parse(
        n.expires_on.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
    .filter(|d| *d >= today && *d <= today + Duration::days(366 * 10));
    if expires.is_none() {
        errors.push(FieldError::new("expires_on", "err-credential-expires"));
    }
    errors.reason("note", &n.note, 120);
    errors.into_result()?;
    let (Some(kind), Some(expires)) = (kind, expires) else {
        return Err(AppError::invalid("kind", "err-credential-kind"));
    };
    let until = expires
        .next_day()
        .unwrap_or(expires)
        .midnight()
        .assume_offset(time::macros::offset!(+8));
    let mut tx = db.write().await?;
    let (_, jurisdiction, _) = volunteer(&mut tx, scope, volunteer_id).await?;
    execute!(
        &mut tx,
        "INSERT INTO credentials (volunteer_id, kind, granted_at, expires_at, note, granted_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
        volunteer_id,
        kind.as_str(),
        crate::db::stamp(),
        Ts::from(until),
        n.note.trim(),
        scope.account_id()
    )?;
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "credential.grant",
            "volunteer",
            volunteer_id,
            &jurisdiction,
        )
        .reason(n.note.trim())
        .after(serde_json::json!({"kind": kind.as_str(), "expires_on": n.expires_on.trim()})),
    )
    .await?;
    let c = credentials_of(&mut tx, volunteer_id).await?;
    tx.commit().await?;
    Ok(c)
}

/// Valid credentials of these volunteers now, by volunteer.
pub async fn held_by(tx: &mut Tx, ids: &[i64]) -> sqlx::Result<BTreeMap<i64, Vec<Held>>> {
    let mut out: BTreeMap<i64, Vec<Held>> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        // Ids from rows just read (numbers), never input.
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let rows = fetch_all!(
            &mut *tx,
            (i64, String, OffsetDateTime),
            sqlx::AssertSqlSafe(format!(
                "SELECT volunteer_id, kind, expires_at FROM credentials
                 WHERE volunteer_id IN ({}) AND expires_at > $1",
                list.join(", ")
            )),
            crate::db::stamp()
        )?;
        for (id, kind, expires_at) in rows {
            if let Some(kind) = CredentialKind::parse(&kind) {
                out.entry(id).or_default().push(Held { kind, expires_at });
            }
        }
    }
    Ok(out)
}

/// SQL for "the volunteer `v` holds every credential `task` needs, valid at
/// `$n`" (kinds are ours, never input).
pub fn qualified_sql(task: TaskKind, n: u8) -> String {
    let mut parts = vec!["TRUE".to_owned()];
    for k in task.requires() {
        parts.push(format!(
            "EXISTS (SELECT 1 FROM credentials c WHERE c.volunteer_id = v.id AND c.kind = '{}' AND c.expires_at > ${n})",
            k.as_str()
        ));
    }
    parts.join(" AND ")
}

/// Whether one volunteer may be offered `task` now: what they lack.
pub async fn lacks(
    tx: &mut Tx,
    volunteer_id: i64,
    task: TaskKind,
) -> sqlx::Result<Vec<CredentialKind>> {
    let held = held_by(tx, &[volunteer_id]).await?;
    Ok(missing(
        held.get(&volunteer_id).map_or(&[][..], Vec::as_slice),
        task,
        crate::db::now(),
    ))
}

/// One stretch of duty.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Duty {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<OffsetDateTime>,
    pub squad_name: String,
    pub minutes: i64,
}

/// A session attended.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attended {
    pub title: String,
    pub org_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    pub minutes: i64,
}

/// Feedback a volunteer received.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Feedback {
    pub rating: i64,
    pub comment: String,
    pub given_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub given_at: OffsetDateTime,
}

/// What a volunteer has done and may do: credentials, trainings attended,
/// duty, hours (counted from those, overlaps once), feedback.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceRecord {
    pub volunteer_id: i64,
    pub name: String,
    pub org_name: String,
    pub anchor_compound: String,
    pub credentials: Vec<Credential>,
    pub attended: Vec<Attended>,
    /// The latest 100 stretches of duty.
    pub duties: Vec<Duty>,
    /// Since when they are on duty now (None: off).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub on_duty_since: Option<OffsetDateTime>,
    pub duty_minutes: i64,
    pub training_minutes: i64,
    /// From leaving on a task to coming home.
    pub task_minutes: i64,
    /// Task legs gone out on (the latest 1,000).
    pub tasks: usize,
    pub total_minutes: i64,
    pub feedback: Vec<Feedback>,
}

async fn service_of(tx: &mut Tx, volunteer_id: i64) -> Result<ServiceRecord, AppError> {
    let now = crate::db::now();
    let (name, org_name, anchor_compound) = fetch_optional!(
        &mut *tx,
        (String, String, String),
        "SELECT v.name, o.name, v.anchor_compound FROM volunteers v JOIN orgs o ON o.id = v.org_id WHERE v.id = $1",
        volunteer_id
    )?
    .ok_or(AppError::NotFound)?;
    let attended_rows = fetch_all!(
        &mut *tx,
        (String, String, OffsetDateTime, OffsetDateTime),
        "SELECT t.title, o.name, t.starts_at, t.ends_at
         FROM training_enrolments e JOIN trainings t ON t.id = e.training_id JOIN orgs o ON o.id = t.org_id
         WHERE e.volunteer_id = $1 AND e.attended_at IS NOT NULL ORDER BY t.starts_at DESC",
        volunteer_id
    )?;
    let duty_rows = fetch_all!(
        &mut *tx,
        (OffsetDateTime, Option<OffsetDateTime>, Option<String>),
        "SELECT d.started_at, d.ended_at, s.name FROM duties d LEFT JOIN squads s ON s.id = d.squad_id
         WHERE d.volunteer_id = $1 ORDER BY d.started_at DESC",
        volunteer_id
    )?;
    let duty_stretches: Vec<Stretch> = duty_rows
        .iter()
        .map(|(from, to, _)| Stretch {
            from: *from,
            to: *to,
        })
        .collect();
    let training_stretches: Vec<Stretch> = attended_rows
        .iter()
        .map(|(_, _, from, to)| Stretch {
            from: *from,
            // A session under way counts up to now.
            to: Some((*to).min(now)),
        })
        .collect();
    // Tasks: from leaving to coming home, for each member of the squad
    // when it left (one out still counts up to now).
    let task_stretches: Vec<Stretch> = fetch_all!(
        &mut *tx,
        (OffsetDateTime, Option<OffsetDateTime>),
        "SELECT l.departed_at, l.back_at FROM task_legs l JOIN squad_members m ON m.squad_id = l.squad_id
         WHERE m.volunteer_id = $1 AND l.departed_at IS NOT NULL AND m.joined_at <= l.departed_at
           AND (m.left_at IS NULL OR m.left_at > l.departed_at)
         ORDER BY l.departed_at DESC LIMIT 1000",
        volunteer_id
    )?
    .into_iter()
    .map(|(from, to)| Stretch { from, to })
    .collect();
    let all: Vec<Stretch> = duty_stretches
        .iter()
        .chain(&training_stretches)
        .chain(&task_stretches)
        .copied()
        .collect();
    let feedback = fetch_all!(
        &mut *tx,
        (i64, String, Option<String>, OffsetDateTime),
        "SELECT f.rating, f.comment, a.display_name, f.given_at
         FROM volunteer_feedback f LEFT JOIN accounts a ON a.id = f.given_by
         WHERE f.volunteer_id = $1 ORDER BY f.given_at DESC LIMIT 50",
        volunteer_id
    )?
    .into_iter()
    .map(|(rating, comment, by, given_at)| Feedback {
        rating,
        comment,
        given_by: by.unwrap_or_default(),
        given_at,
    })
    .collect();
    Ok(ServiceRecord {
        volunteer_id,
        name,
        org_name,
        anchor_compound,
        credentials: credentials_of(tx, volunteer_id).await?,
        on_duty_since: duty_rows
            .iter()
            .find(|(_, to, _)| to.is_none())
            .map(|(from, _, _)| *from),
        duty_minutes: served_minutes(&duty_stretches, now),
        training_minutes: served_minutes(&training_stretches, now),
        task_minutes: served_minutes(&task_stretches, now),
        tasks: task_stretches.len(),
        total_minutes: served_minutes(&all, now),
        attended: attended_rows
            .into_iter()
            .zip(&training_stretches)
            .map(|((title, org_name, starts_at, _), s)| Attended {
                title,
                org_name,
                starts_at,
                minutes: s.minutes(now),
            })
            .collect(),
        duties: duty_rows
            .into_iter()
            .zip(&duty_stretches)
            .take(100)
            .map(|((started_at, ended_at, squad), s)| Duty {
                started_at,
                ended_at,
                squad_name: squad.unwrap_or_default(),
                minutes: s.minutes(now),
            })
            .collect(),
        feedback,
    })
}

/// A volunteer's record, for a coordinator of their area.
pub async fn service(
    tx: &mut Tx,
    scope: &Scope,
    volunteer_id: i64,
) -> Result<ServiceRecord, AppError> {
    coordinates(scope)?;
    volunteer(tx, scope, volunteer_id).await?;
    service_of(tx, volunteer_id).await
}

/// The signed-in volunteer's own record.
pub async fn my_service(tx: &mut Tx, scope: &Scope) -> Result<ServiceRecord, AppError> {
    let (id, _, _) = me(tx, scope).await?;
    service_of(tx, id).await
}

/// Sessions the signed-in volunteer may still take (their organisation's
/// where they are held, or one they were enrolled in), not over, with
/// whether they hold a seat.
pub async fn open_trainings(tx: &mut Tx, scope: &Scope) -> Result<Vec<(Training, bool)>, AppError> {
    let (id, org_id, jurisdiction) = me(tx, scope).await?;
    let rows = fetch_all!(
        &mut *tx,
        Training,
        sqlx::AssertSqlSafe(format!(
            "{TRAINING_SQL} WHERE t.ends_at > $1 AND {} ORDER BY t.starts_at, t.id LIMIT 20",
            open_sql(2, 3, 4)
        )),
        crate::db::stamp(),
        id,
        org_id,
        &jurisdiction
    )?;
    let mine: Vec<i64> = fetch_all!(
        &mut *tx,
        (i64,),
        "SELECT training_id FROM training_enrolments WHERE volunteer_id = $1",
        id
    )?
    .into_iter()
    .map(|(t,)| t)
    .collect();
    Ok(rows
        .into_iter()
        .map(|t| {
            let seated = mine.contains(&t.id);
            (t, seated)
        })
        .collect())
}

/// Close a volunteer's open duty now, or at the end of a long day when it
/// was left open longer (a forgotten clock-off). Whether one was open.
pub async fn close_duty(tx: &mut Tx, volunteer_id: i64, now: OffsetDateTime) -> sqlx::Result<bool> {
    let open = fetch_optional!(
        &mut *tx,
        (i64, OffsetDateTime),
        "SELECT id, started_at FROM duties WHERE volunteer_id = $1 AND ended_at IS NULL",
        volunteer_id
    )?;
    let Some((duty, from)) = open else {
        return Ok(false);
    };
    execute!(
        &mut *tx,
        "UPDATE duties SET ended_at = $1 WHERE id = $2",
        Ts::from(now.min(from + super::model::MAX_DUTY)),
        duty
    )?;
    Ok(true)
}

/// The signed-in volunteer clocks on (`on`) or off. Clocking on twice is
/// one duty (a duty left open past a long day is closed first); a positive
/// volunteer does not go on duty; clocking off with none open changes
/// nothing.
pub async fn clock(db: &Db, scope: &Scope, on: bool) -> Result<(), AppError> {
    let mut tx = db.write().await?;
    let (id, _, jurisdiction) = me(&mut tx, scope).await?;
    let now = crate::db::now();
    if on {
        let positive = fetch_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM volunteers WHERE id = $1 AND positive_at IS NOT NULL",
            id
        )?;
        if positive > 0 {
            return Err(AppError::Conflict("err-duty-positive"));
        }
        let stale = fetch_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM duties WHERE volunteer_id = $1 AND ended_at IS NULL AND started_at < $2",
            id,
            Ts::from(now - super::model::MAX_DUTY)
        )?;
        if stale > 0 {
            close_duty(&mut tx, id, now).await?;
        }
        let squad = fetch_optional!(
            &mut tx,
            (i64,),
            "SELECT squad_id FROM squad_members WHERE volunteer_id = $1 AND left_at IS NULL",
            id
        )?
        .map(|(s,)| s);
        let new = execute!(
            &mut tx,
            "INSERT INTO duties (volunteer_id, squad_id, started_at) VALUES ($1, $2, $3)
             ON CONFLICT (volunteer_id) WHERE ended_at IS NULL DO NOTHING",
            id,
            squad,
            Ts::from(now)
        )?;
        if new == 0 {
            return Ok(());
        }
    } else if !close_duty(&mut tx, id, now).await? {
        return Ok(());
    }
    record(
        &mut tx,
        NewEvent::by(
            scope,
            if on { "duty.on" } else { "duty.off" },
            "volunteer",
            id,
            &jurisdiction,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Feedback on a volunteer as sent.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
pub struct NewFeedback {
    /// 1 (poor) to 5 (excellent).
    pub rating: i64,
    pub comment: String,
}

/// A coordinator of the volunteer's area leaves feedback.
pub async fn give_feedback(
    db: &Db,
    scope: &Scope,
    volunteer_id: i64,
    n: &NewFeedback,
) -> Result<ServiceRecord, AppError> {
    coordinates(scope)?;
    let mut errors = Invalid::default();
    if !(1..=5).contains(&n.rating) {
        errors.push(FieldError::new("rating", "err-rating"));
    }
    errors.reason("comment", &n.comment, 500);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let (_, jurisdiction, _) = volunteer(&mut tx, scope, volunteer_id).await?;
    let id = fetch_scalar!(
        &mut tx,
        i64,
        "INSERT INTO volunteer_feedback (volunteer_id, rating, comment, given_by, given_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        volunteer_id,
        n.rating,
        n.comment.trim(),
        scope.account_id(),
        crate::db::stamp()
    )?;
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "volunteer.feedback",
            "volunteer",
            volunteer_id,
            &jurisdiction,
        )
        .after(serde_json::json!({"feedback_id": id, "rating": n.rating})),
    )
    .await?;
    let r = service_of(&mut tx, volunteer_id).await?;
    tx.commit().await?;
    Ok(r)
}

/// Flag a volunteer as the resident leader (骨干) of a compound ('' clears).
pub async fn set_anchor(
    db: &Db,
    scope: &Scope,
    volunteer_id: i64,
    compound: &str,
) -> Result<(), AppError> {
    coordinates(scope)?;
    let mut errors = Invalid::default();
    errors.optional("compound", compound, 60);
    errors.into_result()?;
    let mut tx = db.write().await?;
    let (_, jurisdiction, _) = volunteer(&mut tx, scope, volunteer_id).await?;
    let before = fetch_scalar!(
        &mut tx,
        String,
        "SELECT anchor_compound FROM volunteers WHERE id = $1",
        volunteer_id
    )?;
    execute!(
        &mut tx,
        "UPDATE volunteers SET anchor_compound = $1 WHERE id = $2",
        compound.trim(),
        volunteer_id
    )?;
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "volunteer.anchor",
            "volunteer",
            volunteer_id,
            &jurisdiction,
        )
        .before(serde_json::json!({"compound": before}))
        .after(serde_json::json!({"compound": compound.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
