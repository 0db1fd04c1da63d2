//! SQL for graded management: the schedules, a subject's management
//! from start to release, result lists matched to subjects, and the lists
//! the office works from (overdue, ready to release, positive).

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::Date;
use utoipa::ToSchema;

use super::model::{
    ManagementLevel, Progress, TestOutcome, TestResult, TestSchedule, beijing_day, missing_columns,
    progress, result_columns, test_result,
};
use crate::access::model::{Role, Scope};
use crate::audit::model::NewEvent;
use crate::audit::store::record;
use crate::db::{Db, Tx, inside};
use crate::screening::store::{RowError, mask_name, screens};
use crate::tables::Upload;
use crate::web::error::{AppError, FieldError, Invalid};
use crate::{execute, fetch_all, fetch_optional};

/// Result rows taken in one transaction (others' writes go between).
const BATCH: usize = 2000;
/// The most refused rows a report keeps.
const MAX_REPORTED: usize = 1000;
/// The most managed people a list reads at once (a street's are hundreds).
pub const LIST_MAX: i64 = 5000;
/// How many days back management may be dated (from the day of arrival).
pub const START_BACK_DAYS: i64 = 14;

/// A level and its schedule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LevelSchedule {
    pub level: ManagementLevel,
    pub tests: u32,
    pub days: u32,
}

/// Each level's schedule: as an admin set it, else the default.
pub async fn schedules(tx: &mut Tx) -> sqlx::Result<Vec<LevelSchedule>> {
    let set = fetch_all!(
        &mut *tx,
        (String, i64, i64),
        "SELECT level, tests, days FROM test_schedules"
    )?;
    Ok(ManagementLevel::ALL
        .iter()
        .map(|level| {
            let s = set
                .iter()
                .find(|(l, _, _)| l == level.as_str())
                .map(|(_, t, d)| TestSchedule {
                    tests: *t as u32,
                    days: *d as u32,
                })
                .unwrap_or_else(|| TestSchedule::default_for(*level));
            LevelSchedule {
                level: *level,
                tests: s.tests,
                days: s.days,
            }
        })
        .collect())
}

/// A schedule as an admin sends it.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
pub struct ScheduleChange {
    pub tests: i64,
    pub days: i64,
}

/// Set a level's schedule (admins): people already managed keep theirs.
pub async fn set_schedule(
    db: &Db,
    scope: &Scope,
    level: &str,
    c: &ScheduleChange,
) -> Result<LevelSchedule, AppError> {
    // One schedule for the deployment: its country-level admins set it.
    if scope.role() != Role::Admin || !scope.jurisdiction().is_empty() {
        return Err(AppError::Forbidden);
    }
    let level = ManagementLevel::parse(level).ok_or(AppError::NotFound)?;
    let s = TestSchedule::checked(c.tests, c.days).map_err(|e| AppError::Invalid(Invalid(e)))?;
    let mut tx = db.write().await?;
    execute!(
        &mut tx,
        "INSERT INTO test_schedules (level, tests, days, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (level) DO UPDATE SET tests = $2, days = $3, updated_by = $4, updated_at = $5",
        level.as_str(),
        i64::from(s.tests),
        i64::from(s.days),
        scope.account_id(),
        crate::db::stamp()
    )?;
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "schedule.set",
            "test_schedule",
            0,
            scope.jurisdiction(),
        )
        .after(serde_json::json!({"level": level.as_str(), "tests": s.tests, "days": s.days})),
    )
    .await?;
    tx.commit().await?;
    Ok(LevelSchedule {
        level,
        tests: s.tests,
        days: s.days,
    })
}

/// A person under management, as the office's lists show them (masked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Managed {
    pub id: i64,
    pub subject_id: i64,
    pub name: String,
    pub phone: String,
    pub holder_division: String,
    pub level: ManagementLevel,
    pub tests: u32,
    pub days: u32,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "super::model::day")]
    pub starts_on: Date,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "super::model::day")]
    pub ends_on: Date,
    /// active, positive or released.
    pub status: String,
    pub progress: Progress,
}

#[derive(sqlx::FromRow)]
struct ManagedRow {
    id: i64,
    subject_id: i64,
    name: String,
    phone: String,
    holder_division: String,
    level: String,
    tests: i64,
    days: i64,
    starts_on: String,
    ends_on: String,
    status: String,
    received: i64,
    last_sampled: Option<String>,
}

impl ManagedRow {
    fn view(self, today: Date) -> Managed {
        let day = |s: &str| {
            Date::parse(s, &time::format_description::well_known::Iso8601::DATE).unwrap_or(today)
        };
        let schedule = TestSchedule {
            tests: self.tests as u32,
            days: self.days as u32,
        };
        let starts_on = day(&self.starts_on);
        Managed {
            id: self.id,
            subject_id: self.subject_id,
            name: mask_name(&self.name),
            phone: crate::phone::mask(&self.phone),
            holder_division: self.holder_division,
            level: ManagementLevel::parse(&self.level).unwrap_or(ManagementLevel::SelfMonitoring),
            tests: schedule.tests,
            days: schedule.days,
            starts_on,
            ends_on: day(&self.ends_on),
            status: self.status,
            progress: progress(
                schedule,
                starts_on,
                self.received as u32,
                self.last_sampled.as_deref().map(day),
                today,
            ),
        }
    }
}

/// Results sampled on distinct days inside the management's days count.
const MANAGED_SQL: &str = "SELECT m.id, m.subject_id, s.name, s.phone, s.holder_division, m.level, m.tests, m.days,
        m.starts_on, m.ends_on, m.status,
        (SELECT COUNT(DISTINCT r.sampled_on) FROM test_results r
          WHERE r.subject_id = m.subject_id AND r.sampled_on >= m.starts_on AND r.sampled_on <= m.ends_on) AS received,
        (SELECT MAX(r.sampled_on) FROM test_results r
          WHERE r.subject_id = m.subject_id AND r.sampled_on >= m.starts_on AND r.sampled_on <= m.ends_on) AS last_sampled
    FROM managements m JOIN subjects s ON s.id = m.subject_id";

/// The start of a person's management.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
pub struct NewManagement {
    #[schema(value_type = ManagementLevel)]
    pub level: String,
    /// YYYY-MM-DD, today by default; at most 14 days back (from arrival).
    #[serde(default)]
    pub starts_on: String,
}

/// Manage a subject the caller's office holds at a level, on that level's
/// schedule as it is now. One open management a person (409 otherwise).
pub async fn start(
    db: &Db,
    scope: &Scope,
    subject_id: i64,
    n: &NewManagement,
) -> Result<Managed, AppError> {
    screens(scope)?;
    let today = beijing_day(crate::db::now());
    let mut errors = Invalid::default();
    let level = ManagementLevel::parse(n.level.trim());
    if level.is_none() {
        errors.push(FieldError::new("level", "err-management-level"));
    }
    let starts_on = match n.starts_on.trim() {
        "" => Some(today),
        t => crate::screening::model::date(t)
            .filter(|d| *d <= today && *d >= today - time::Duration::days(START_BACK_DAYS)),
    };
    if starts_on.is_none() {
        errors.push(FieldError::counted(
            "starts_on",
            "err-management-start",
            START_BACK_DAYS,
        ));
    }
    errors.into_result()?;
    let (Some(level), Some(starts_on)) = (level, starts_on) else {
        return Err(AppError::invalid("level", "err-management-level"));
    };
    let mut tx = db.write().await?;
    let (holder, status) = fetch_optional!(
        &mut tx,
        (String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT holder_division, status FROM subjects WHERE id = $1 AND {}",
            inside("holder_division", 2)
        )),
        subject_id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)?;
    if status == "transfer" {
        return Err(AppError::Conflict("err-management-transfer"));
    }
    let schedule = schedules(&mut tx)
        .await?
        .into_iter()
        .find(|s| s.level == level)
        .map(|s| TestSchedule {
            tests: s.tests,
            days: s.days,
        })
        .unwrap_or_else(|| TestSchedule::default_for(level));
    let id = fetch_optional!(
        &mut tx,
        (i64,),
        "INSERT INTO managements (subject_id, level, tests, days, starts_on, ends_on, status, started_by, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8)
         ON CONFLICT (subject_id) WHERE status = 'active' DO NOTHING RETURNING id",
        subject_id,
        level.as_str(),
        i64::from(schedule.tests),
        i64::from(schedule.days),
        starts_on.to_string(),
        schedule.ends_on(starts_on).to_string(),
        scope.account_id(),
        crate::db::stamp()
    )?
    .map(|(id,)| id)
    .ok_or_else(|| AppError::Conflict("err-management-open"))?;
    // Managed means reached: nobody calls them again as a stranger.
    execute!(
        &mut tx,
        "UPDATE subjects SET status = 'reached', updated_at = $2
         WHERE id = $1 AND status IN ('open', 'call_back', 'visit', 'closed')",
        subject_id,
        crate::db::stamp()
    )?;
    record(
        &mut tx,
        NewEvent::by(scope, "management.start", "subject", subject_id, &holder).after(
            serde_json::json!({"management": id, "level": level.as_str(), "tests": schedule.tests,
                "days": schedule.days, "starts_on": starts_on.to_string()}),
        ),
    )
    .await?;
    let m = managed_one(&mut tx, id, today).await?;
    tx.commit().await?;
    Ok(m)
}

async fn managed_one(tx: &mut Tx, id: i64, today: Date) -> sqlx::Result<Managed> {
    Ok(crate::fetch_one!(
        &mut *tx,
        ManagedRow,
        sqlx::AssertSqlSafe(format!("{MANAGED_SQL} WHERE m.id = $1")),
        id
    )?
    .view(today))
}

crate::stored_enum! {
    /// The lists the management page works from.
    pub enum ManagedView {
        /// Everyone under management now.
        Active,
        /// A test fell due and no result came.
        Overdue,
        /// Every test in, the days done: to release.
        Ready,
        /// A positive result: handed to health.
        Positive,
        /// Released (the latest first).
        Released,
    }
}

/// The people an office manages, one list (at most 5,000).
pub async fn managed(
    tx: &mut Tx,
    scope: &Scope,
    view: ManagedView,
) -> Result<Vec<Managed>, AppError> {
    screens(scope)?;
    let status = match view {
        ManagedView::Positive => "positive",
        ManagedView::Released => "released",
        _ => "active",
    };
    let order = if view == ManagedView::Released {
        "m.ended_at DESC"
    } else {
        "m.ends_on, m.id"
    };
    let today = beijing_day(crate::db::now());
    let rows = fetch_all!(
        &mut *tx,
        ManagedRow,
        sqlx::AssertSqlSafe(format!(
            "{MANAGED_SQL} WHERE {} AND m.status = $2 ORDER BY {order} LIMIT {LIST_MAX}",
            inside("s.holder_division", 1)
        )),
        scope.jurisdiction(),
        status
    )?;
    Ok(rows
        .into_iter()
        .map(|r| r.view(today))
        .filter(|m| match view {
            ManagedView::Overdue => m.progress.overdue,
            ManagedView::Ready => m.progress.complete,
            _ => true,
        })
        .collect())
}

/// People whose next test falls due today or is overdue: the tests the
/// office promised, for the shift handover.
pub async fn tests_due(tx: &mut Tx, scope: &Scope) -> Result<Vec<Managed>, AppError> {
    let today = beijing_day(crate::db::now());
    Ok(managed(tx, scope, ManagedView::Active)
        .await?
        .into_iter()
        .filter(|m| m.progress.next_due.is_some_and(|d| d <= today))
        .collect())
}

/// How many of each list an office has (for the page's tabs).
pub async fn counts(tx: &mut Tx, scope: &Scope) -> Result<Vec<(ManagedView, usize)>, AppError> {
    let mut out = Vec::new();
    for v in ManagedView::ALL {
        out.push((*v, managed(tx, scope, *v).await?.len()));
    }
    Ok(out)
}

/// A subject's management now (open, else the last), if any.
pub async fn of_subject(tx: &mut Tx, subject_id: i64) -> sqlx::Result<Option<Managed>> {
    let today = beijing_day(crate::db::now());
    Ok(fetch_optional!(
        &mut *tx,
        ManagedRow,
        sqlx::AssertSqlSafe(format!(
            "{MANAGED_SQL} WHERE m.subject_id = $1 ORDER BY CASE WHEN m.status = 'active' THEN 0 ELSE 1 END, m.id DESC LIMIT 1"
        )),
        subject_id
    )?
    .map(|r| r.view(today)))
}

/// A result as a subject's page lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultView {
    pub sampled_on: String,
    pub outcome: TestOutcome,
    /// id_number or phone_name.
    pub matched_by: String,
}

/// A subject's results, latest first.
pub async fn results_of(tx: &mut Tx, subject_id: i64) -> sqlx::Result<Vec<ResultView>> {
    Ok(fetch_all!(
        &mut *tx,
        (String, String, String),
        "SELECT sampled_on, outcome, matched_by FROM test_results WHERE subject_id = $1
         ORDER BY sampled_on DESC, id DESC LIMIT 100",
        subject_id
    )?
    .into_iter()
    .map(|(sampled_on, outcome, matched_by)| ResultView {
        sampled_on,
        outcome: TestOutcome::parse(&outcome).unwrap_or(TestOutcome::Negative),
        matched_by,
    })
    .collect())
}

/// Release a person whose schedule is complete (409 if it is not, or if
/// someone released them first). Their subject is closed as released.
pub async fn release(db: &Db, scope: &Scope, id: i64) -> Result<Managed, AppError> {
    screens(scope)?;
    let today = beijing_day(crate::db::now());
    let mut tx = db.write().await?;
    let m = fetch_optional!(
        &mut tx,
        ManagedRow,
        sqlx::AssertSqlSafe(format!(
            "{MANAGED_SQL} WHERE m.id = $1 AND {}",
            inside("s.holder_division", 2)
        )),
        id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)?
    .view(today);
    if m.status != "active" || !m.progress.complete {
        return Err(AppError::Conflict(if m.status == "released" {
            "err-management-released"
        } else {
            "err-management-incomplete"
        }));
    }
    let now = crate::db::stamp();
    let done = execute!(
        &mut tx,
        "UPDATE managements SET status = 'released', ended_by = $2, ended_at = $3 WHERE id = $1 AND status = 'active'",
        id,
        scope.account_id(),
        now
    )?;
    if done == 0 {
        return Err(AppError::Conflict("err-management-released"));
    }
    execute!(
        &mut tx,
        "UPDATE subjects SET status = 'closed', closed_reason = 'released', updated_at = $2 WHERE id = $1",
        m.subject_id,
        now
    )?;
    record(
        &mut tx,
        NewEvent::by(
            scope,
            "management.release",
            "subject",
            m.subject_id,
            &m.holder_division,
        )
        .after(serde_json::json!({"management": id, "received": m.progress.received})),
    )
    .await?;
    let m = managed_one(&mut tx, id, today).await?;
    tx.commit().await?;
    Ok(m)
}

/// Release everyone ready in the caller's area: how many.
pub async fn release_ready(db: &Db, scope: &Scope) -> Result<usize, AppError> {
    let ready = {
        let mut tx = db.read().await?;
        managed(&mut tx, scope, ManagedView::Ready).await?
    };
    let mut n = 0;
    for m in ready {
        match release(db, scope, m.id).await {
            Ok(_) => n += 1,
            // Someone else released them meanwhile.
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// What became of a result list.
#[derive(Debug, Clone, Serialize, ToSchema, Default)]
pub struct ResultReport {
    pub list_id: i64,
    pub file_name: String,
    /// This list was sent before: nothing new.
    pub already: bool,
    pub rows_read: i64,
    /// Results matched to a subject (by ID number, else phone and name).
    pub matched: i64,
    /// Results of nobody on the lists: kept, listed, matched again later.
    pub unmatched: i64,
    /// Results sent before.
    pub repeated: i64,
    pub refused: i64,
    /// Positive results among the matched: their managements stop.
    pub positive: i64,
    pub errors: Vec<RowError>,
}

/// The subject a result is of, among those the importing office sees
/// (holds, or where they live or are registered): the same ID number,
/// else the same phone and name; with how it matched. A result is never
/// matched to another office's person (nor tells whether one exists).
async fn match_subject(
    tx: &mut Tx,
    area: &str,
    r: &TestResult,
) -> sqlx::Result<Option<(i64, &'static str)>> {
    let seen = crate::screening::store::seen_by(2);
    if !r.id_number.is_empty()
        && let Some((id,)) = fetch_optional!(
            &mut *tx,
            (i64,),
            sqlx::AssertSqlSafe(format!(
                "SELECT s.id FROM subjects s WHERE s.id_number = $1 AND s.id_number <> '' AND {seen}
                 ORDER BY s.id LIMIT 1"
            )),
            &r.id_number,
            area
        )?
    {
        return Ok(Some((id, "id_number")));
    }
    if !r.phone.is_empty() && !r.name.is_empty() {
        return Ok(fetch_optional!(
            &mut *tx,
            (i64,),
            sqlx::AssertSqlSafe(format!(
                "SELECT s.id FROM subjects s WHERE s.phone = $1 AND s.name = $2 AND {}
                 ORDER BY s.id LIMIT 1",
                crate::screening::store::seen_by(3)
            )),
            &r.phone,
            &r.name,
            area
        )?
        .map(|(id,)| (id, "phone_name")));
    }
    Ok(None)
}

/// A positive result sampled within a person's management ends it:
/// handed to health. Whether it did.
async fn positive(
    tx: &mut Tx,
    scope: &Scope,
    subject_id: i64,
    sampled_on: Date,
) -> Result<bool, AppError> {
    let Some((id, holder)) = fetch_optional!(
        &mut *tx,
        (i64, String),
        "UPDATE managements SET status = 'positive', ended_at = $2
         WHERE subject_id = $1 AND status = 'active' AND starts_on <= $3 AND ends_on >= $3
         RETURNING id, (SELECT holder_division FROM subjects WHERE id = $1)",
        subject_id,
        crate::db::stamp(),
        sampled_on.to_string()
    )?
    else {
        return Ok(false);
    };
    record(
        &mut *tx,
        NewEvent::by(scope, "management.positive", "subject", subject_id, &holder)
            .after(serde_json::json!({"management": id, "sampled_on": sampled_on.to_string()})),
    )
    .await?;
    Ok(true)
}

/// The content of a result list as one office sent it: the same file
/// from two offices is two lists (each matches its own people).
fn content_key(office: &str, upload: &Upload) -> String {
    let mut h = Sha256::new();
    h.update(office.as_bytes());
    for (_, row) in &upload.rows {
        h.update([0x1e]);
        for cell in row {
            h.update(cell.trim().as_bytes());
            h.update([0x1f]);
        }
    }
    crate::hex(&h.finalize())
}

/// Take a result list: each good row kept once and matched to its subject
/// where the office sees one; bad rows named by line and field. Taken in
/// batches; a list cut off is taken on when sent again.
pub async fn import_results(
    db: &Db,
    scope: &Scope,
    file_name: &str,
    upload: &Upload,
) -> Result<ResultReport, AppError> {
    screens(scope)?;
    let map = result_columns(&upload.headers);
    Invalid(missing_columns(&map)).into_result()?;
    if upload.rows.len() > crate::screening::store::MAX_ROWS {
        return Err(AppError::Invalid(Invalid(vec![FieldError::counted(
            "file",
            "err-screening-rows",
            crate::screening::store::MAX_ROWS as i64,
        )])));
    }
    let office = scope.jurisdiction();
    let key = content_key(office, upload);
    let mut tx = db.write().await?;
    // Of two sending one list at once, one makes the row; the other finds it.
    let made = fetch_optional!(
        &mut tx,
        (i64,),
        "INSERT INTO result_lists (file_name, content_key, jurisdiction_code, rows_read, status, imported_by, imported_at)
         VALUES ($1, $2, $3, $4, 'importing', $5, $6) ON CONFLICT (content_key) DO NOTHING RETURNING id",
        file_name,
        &key,
        office,
        upload.rows.len() as i64,
        scope.account_id(),
        crate::db::stamp()
    )?;
    let list_id = match made {
        Some((id,)) => id,
        None => {
            let (id, status) = crate::fetch_one!(
                &mut tx,
                (i64, String),
                "SELECT id, status FROM result_lists WHERE content_key = $1",
                &key
            )?;
            if status == "done" {
                tx.commit().await?;
                let mut read = db.read().await?;
                let mut r = result_report(&mut read, scope, id).await?;
                r.already = true;
                return Ok(r);
            }
            // Cut off before: go on (rows taken already are found again).
            id
        }
    };
    tx.commit().await?;

    let mut report = ResultReport {
        list_id,
        file_name: file_name.to_owned(),
        rows_read: upload.rows.len() as i64,
        ..Default::default()
    };
    let mut good = Vec::with_capacity(upload.rows.len());
    for (line, row) in &upload.rows {
        match test_result(row, &map) {
            Ok(r) => good.push(r),
            Err(es) => {
                report.refused += 1;
                for e in es {
                    if report.errors.len() < MAX_REPORTED {
                        report.errors.push(RowError {
                            line: *line,
                            field: e.field.to_owned(),
                            key: e.key.to_owned(),
                        });
                    }
                }
            }
        }
    }
    for batch in good.chunks(BATCH) {
        let mut tx = db.write().await?;
        for r in batch {
            let found = match_subject(&mut tx, office, r).await?;
            let kept = fetch_optional!(
                &mut tx,
                (i64,),
                "INSERT INTO test_results (list_id, result_key, subject_id, matched_by, name, phone, id_number,
                    sampled_on, outcome, jurisdiction_code, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (result_key) DO NOTHING RETURNING id",
                list_id,
                r.key(),
                found.map(|(id, _)| id),
                found.map(|(_, by)| by).unwrap_or(""),
                &r.name,
                &r.phone,
                &r.id_number,
                r.sampled_on.to_string(),
                r.outcome.as_str(),
                office,
                crate::db::stamp()
            )?;
            if kept.is_none() {
                continue;
            }
            if r.outcome == TestOutcome::Positive {
                // Every positive is said, matched or not (the unmatched
                // are on the list below, marked).
                report.positive += 1;
                if let Some((subject, _)) = found {
                    positive(&mut tx, scope, subject, r.sampled_on).await?;
                }
            }
        }
        tx.commit().await?;
    }
    let mut tx = db.write().await?;
    // Counted from what the list holds: right however often it was cut off.
    let (matched, unmatched) = crate::fetch_one!(
        &mut tx,
        (i64, i64),
        "SELECT COALESCE(SUM(CASE WHEN subject_id IS NOT NULL THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN subject_id IS NULL THEN 1 ELSE 0 END), 0)
         FROM test_results WHERE list_id = $1",
        list_id
    )?;
    report.matched = matched;
    report.unmatched = unmatched;
    report.repeated = (report.rows_read - report.refused - matched - unmatched).max(0);
    execute!(
        &mut tx,
        "UPDATE result_lists SET status = 'done', matched = $1, unmatched = $2, repeated = $3, refused = $4, report = $5
         WHERE id = $6",
        report.matched,
        report.unmatched,
        report.repeated,
        report.refused,
        serde_json::to_string(&report.errors).unwrap_or_default(),
        list_id
    )?;
    record(
        &mut tx,
        NewEvent::by(scope, "results.import", "result_list", list_id, office).after(
            serde_json::json!({
            "rows": report.rows_read, "matched": report.matched, "unmatched": report.unmatched,
            "repeated": report.repeated, "refused": report.refused, "positive": report.positive}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// A result list taken before, as its report.
pub async fn result_report(tx: &mut Tx, scope: &Scope, id: i64) -> Result<ResultReport, AppError> {
    screens(scope)?;
    let (file_name, rows_read, matched, unmatched, repeated, refused, errors) = fetch_optional!(
        &mut *tx,
        (String, i64, i64, i64, i64, i64, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT file_name, rows_read, matched, unmatched, repeated, refused, report FROM result_lists
             WHERE id = $1 AND {}",
            inside("jurisdiction_code", 2)
        )),
        id,
        scope.jurisdiction()
    )?
    .ok_or(AppError::NotFound)?;
    Ok(ResultReport {
        list_id: id,
        file_name,
        already: false,
        rows_read,
        matched,
        unmatched,
        repeated,
        refused,
        positive: 0,
        errors: serde_json::from_str(&errors).unwrap_or_default(),
    })
}

/// The result lists an office sent, latest first (20).
pub async fn result_lists(tx: &mut Tx, scope: &Scope) -> Result<Vec<ResultReport>, AppError> {
    screens(scope)?;
    let ids = fetch_all!(
        &mut *tx,
        (i64,),
        sqlx::AssertSqlSafe(format!(
            "SELECT id FROM result_lists WHERE {} ORDER BY id DESC LIMIT 20",
            inside("jurisdiction_code", 1)
        )),
        scope.jurisdiction()
    )?;
    let mut out = Vec::new();
    for (id,) in ids {
        out.push(result_report(tx, scope, id).await?);
    }
    Ok(out)
}

/// A result nobody on the lists matched (masked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnmatchedResult {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub sampled_on: String,
    pub outcome: TestOutcome,
    pub file_name: String,
}

/// Results sent by the caller's office that match no subject (500).
pub async fn unmatched(tx: &mut Tx, scope: &Scope) -> Result<Vec<UnmatchedResult>, AppError> {
    screens(scope)?;
    Ok(fetch_all!(
        &mut *tx,
        (i64, String, String, String, String, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT r.id, r.name, r.phone, r.id_number, r.sampled_on, r.outcome, l.file_name
             FROM test_results r JOIN result_lists l ON l.id = r.list_id
             WHERE r.subject_id IS NULL AND {} ORDER BY r.id DESC LIMIT 500",
            inside("r.jurisdiction_code", 1)
        )),
        scope.jurisdiction()
    )?
    .into_iter()
    .map(
        |(id, name, phone, id_number, sampled_on, outcome, file_name)| UnmatchedResult {
            id,
            name: mask_name(&name),
            phone: crate::phone::mask(&phone),
            id_number: crate::volunteers::model::mask_document(&id_number),
            sampled_on,
            outcome: TestOutcome::parse(&outcome).unwrap_or(TestOutcome::Negative),
            file_name,
        },
    )
    .collect())
}

/// Try the office's unmatched results again (people on lists that came
/// after the results did): how many now match.
pub async fn rematch(db: &Db, scope: &Scope) -> Result<i64, AppError> {
    screens(scope)?;
    let mut tx = db.write().await?;
    let open = fetch_all!(
        &mut tx,
        (i64, String, String, String, String, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT id, name, phone, id_number, sampled_on, outcome FROM test_results
             WHERE subject_id IS NULL AND {} ORDER BY id LIMIT 20000",
            inside("jurisdiction_code", 1)
        )),
        scope.jurisdiction()
    )?;
    let mut n = 0;
    for (id, name, phone, id_number, sampled_on, outcome) in open {
        let Some(sampled) = crate::screening::model::date(&sampled_on) else {
            continue;
        };
        let r = TestResult {
            name,
            phone,
            id_number,
            sampled_on: sampled,
            outcome: TestOutcome::parse(&outcome).unwrap_or(TestOutcome::Negative),
        };
        let Some((subject, by)) = match_subject(&mut tx, scope.jurisdiction(), &r).await? else {
            continue;
        };
        let changed = execute!(
            &mut tx,
            "UPDATE test_results SET subject_id = $2, matched_by = $3 WHERE id = $1 AND subject_id IS NULL",
            id,
            subject,
            by
        )?;
        if changed == 0 {
            continue;
        }
        if r.outcome == TestOutcome::Positive {
            positive(&mut tx, scope, subject, sampled).await?;
        }
        n += 1;
    }
    if n > 0 {
        execute!(
            &mut tx,
            sqlx::AssertSqlSafe(format!(
                "UPDATE result_lists SET matched = (SELECT COUNT(*) FROM test_results r WHERE r.list_id = result_lists.id AND r.subject_id IS NOT NULL),
                    unmatched = (SELECT COUNT(*) FROM test_results r WHERE r.list_id = result_lists.id AND r.subject_id IS NULL)
                 WHERE {}",
                inside("jurisdiction_code", 1)
            )),
            scope.jurisdiction()
        )?;
        record(
            &mut tx,
            NewEvent::by(
                scope,
                "results.rematch",
                "result_list",
                0,
                scope.jurisdiction(),
            )
            .after(serde_json::json!({"matched": n})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// One caller's calls in one shift of one day, at one seat.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct SeatFigures {
    #[schema(value_type = String, format = Date)]
    #[serde(with = "super::model::day")]
    pub day: Date,
    #[schema(value_type = crate::screening::model::Shift)]
    pub shift: String,
    pub caller: String,
    /// The number they dialled from (masked).
    pub seat: String,
    pub calls: i64,
    pub reached: i64,
}

/// The screening work of an office over some days, read from the work
/// log (calls, results, transfers, managements), never typed in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Figures {
    #[schema(value_type = String, format = Date)]
    #[serde(with = "super::model::day")]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    #[serde(with = "super::model::day")]
    pub to: Date,
    pub seats: Vec<SeatFigures>,
    pub calls: i64,
    pub reached: i64,
    /// Reached of calls, in percent (0 with no calls).
    pub reach_rate: f64,
    /// Subjects the office holds now, and those first listed in the days.
    pub subjects: i64,
    pub new_subjects: i64,
    /// Results the office sent (sampled in the days), and those matched.
    pub results: i64,
    pub results_matched: i64,
    pub match_rate: f64,
    /// Transfers the office was offered in the days, answered within a day.
    pub transfers_in: i64,
    pub transfers_in_time: i64,
    /// Transfers the office offered, answered within a day.
    pub transfers_out: i64,
    pub transfers_out_in_time: i64,
    /// Under management now, by level; released and positive in the days.
    pub managed: Vec<(ManagementLevel, i64)>,
    pub released: i64,
    pub positive: i64,
}

/// The longest span figures are read for.
pub const FIGURES_MAX_DAYS: i64 = 92;

fn rate(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

/// An office's figures for the Beijing days `from..=to`.
pub async fn figures(
    tx: &mut Tx,
    scope: &Scope,
    from: Date,
    to: Date,
) -> Result<Figures, AppError> {
    screens(scope)?;
    if to < from || (to - from).whole_days() >= FIGURES_MAX_DAYS {
        return Err(AppError::Invalid(Invalid(vec![FieldError::counted(
            "to",
            "err-figures-span",
            FIGURES_MAX_DAYS,
        )])));
    }
    let bj = time::macros::offset!(+8);
    let start = crate::db::Ts(
        from.midnight()
            .assume_offset(bj)
            .to_offset(time::UtcOffset::UTC),
    );
    let end = crate::db::Ts(
        (to + time::Duration::days(1))
            .midnight()
            .assume_offset(bj)
            .to_offset(time::UtcOffset::UTC),
    );
    let area = scope.jurisdiction();

    let calls = fetch_all!(
        &mut *tx,
        (String, String, time::OffsetDateTime, String),
        sqlx::AssertSqlSafe(format!(
            "SELECT a.display_name, c.from_phone, c.started_at, c.outcome FROM calls c JOIN accounts a ON a.id = c.account_id
             WHERE {} AND c.started_at >= $2 AND c.started_at < $3 AND c.outcome <> ''",
            inside("c.division_code", 1)
        )),
        area,
        start,
        end
    )?;
    let mut seats: std::collections::BTreeMap<(Date, String, String, String), (i64, i64)> =
        Default::default();
    for (caller, seat, at, outcome) in &calls {
        let (shift, began) = crate::screening::model::shift_at(*at);
        let e = seats
            .entry((
                beijing_day(began),
                shift.as_str().to_owned(),
                caller.clone(),
                crate::phone::mask(seat),
            ))
            .or_default();
        e.0 += 1;
        e.1 += i64::from(outcome == "reached");
    }
    let seats: Vec<SeatFigures> = seats
        .into_iter()
        .map(
            |((day, shift, caller, seat), (calls, reached))| SeatFigures {
                day,
                shift,
                caller,
                seat,
                calls,
                reached,
            },
        )
        .collect();
    let (n_calls, n_reached) = seats
        .iter()
        .fold((0, 0), |(c, r), s| (c + s.calls, r + s.reached));

    let (subjects, new_subjects) = crate::fetch_one!(
        &mut *tx,
        (i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN created_at >= $2 AND created_at < $3 THEN 1 ELSE 0 END), 0)
             FROM subjects WHERE {}",
            inside("holder_division", 1)
        )),
        area,
        start,
        end
    )?;
    let (from_day, to_day) = (from.to_string(), to.to_string());
    let (results, results_matched) = crate::fetch_one!(
        &mut *tx,
        (i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN subject_id IS NOT NULL THEN 1 ELSE 0 END), 0)
             FROM test_results WHERE {} AND sampled_on >= $2 AND sampled_on <= $3",
            inside("jurisdiction_code", 1)
        )),
        area,
        &from_day,
        &to_day
    )?;
    let transfers = fetch_all!(
        &mut *tx,
        (bool, time::OffsetDateTime, Option<time::OffsetDateTime>),
        sqlx::AssertSqlSafe(format!(
            "SELECT {}, offered_at, answered_at FROM transfers
             WHERE ({} OR {}) AND offered_at >= $2 AND offered_at < $3",
            inside("to_division", 1),
            inside("to_division", 1),
            inside("from_division", 1)
        )),
        area,
        start,
        end
    )?;
    let in_time = |offered: &time::OffsetDateTime, answered: &Option<time::OffsetDateTime>| {
        answered.is_some_and(|a| a - *offered <= crate::screening::store::TRANSFER_ANSWER_WITHIN)
    };
    let count = |incoming: bool, timely: bool| {
        transfers
            .iter()
            .filter(|(i, o, a)| *i == incoming && (!timely || in_time(o, a)))
            .count() as i64
    };
    let levels = fetch_all!(
        &mut *tx,
        (String, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT m.level, COUNT(*) FROM managements m JOIN subjects s ON s.id = m.subject_id
             WHERE {} AND m.status = 'active' GROUP BY m.level",
            inside("s.holder_division", 1)
        )),
        area
    )?;
    let (released, positive) = crate::fetch_one!(
        &mut *tx,
        (i64, i64),
        sqlx::AssertSqlSafe(format!(
            "SELECT COALESCE(SUM(CASE WHEN m.status = 'released' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN m.status = 'positive' THEN 1 ELSE 0 END), 0)
             FROM managements m JOIN subjects s ON s.id = m.subject_id
             WHERE {} AND m.ended_at >= $2 AND m.ended_at < $3",
            inside("s.holder_division", 1)
        )),
        area,
        start,
        end
    )?;
    Ok(Figures {
        from,
        to,
        calls: n_calls,
        reached: n_reached,
        reach_rate: rate(n_reached, n_calls),
        seats,
        subjects,
        new_subjects,
        results,
        results_matched,
        match_rate: rate(results_matched, results),
        transfers_in: count(true, false),
        transfers_in_time: count(true, true),
        transfers_out: count(false, false),
        transfers_out_in_time: count(false, true),
        managed: ManagementLevel::ALL
            .iter()
            .map(|l| {
                (
                    *l,
                    levels
                        .iter()
                        .find(|(s, _)| s == l.as_str())
                        .map(|(_, n)| *n)
                        .unwrap_or(0),
                )
            })
            .collect(),
        released,
        positive,
    })
}
