//! Pages: training sessions (schedule, enrol, take attendance); a
//! volunteer's record for coordinators (credentials, hours, feedback,
//! resident leader); the volunteer's own duty clock, seats and hours
//! certificate (PDF).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::model::{CredentialKind, NewTraining, TaskKind, hours};
use super::store::{self, Enrolment, NewCredential, NewFeedback, ServiceRecord, Training};
use crate::access::model::Scope;
use crate::squads::pages::{number, refusal};
use crate::squads::store::{RosterEntry, RosterFilter};
use crate::web::error::{AppError, Invalid};
use crate::web::extract::HtmlForm;
use crate::web::pdf::{CJK, PAGE_H, SANS, left, line};
use crate::web::{AppState, Chrome, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/trainings", get(index).post(create))
        .route("/trainings/{id}", get(training_page).post(training_action))
        .route(
            "/volunteers/{id}",
            get(volunteer_page).post(volunteer_action),
        )
        .route("/service/duty", post(duty))
        .route("/service/trainings/{id}", post(seat))
        .route("/service/certificate.pdf", get(certificate))
}

/// Kinds a training can give, for the form.
fn by_training() -> Vec<&'static str> {
    CredentialKind::ALL
        .iter()
        .filter(|k| k.by_training().is_some())
        .map(|k| k.as_str())
        .collect()
}

#[derive(Template)]
#[template(path = "trainings.html")]
struct IndexPage {
    c: Chrome,
    trainings: Vec<Training>,
    orgs: Vec<crate::orgs::model::Org>,
    kinds: Vec<&'static str>,
    tasks: Vec<(&'static str, Vec<&'static str>)>,
    form: TrainingForm,
    errors: Invalid,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct TrainingForm {
    org_id: String,
    title: String,
    division_code: String,
    credential: String,
    place: String,
    starts_at: String,
    ends_at: String,
    capacity: String,
}

async fn index_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    form: TrainingForm,
    errors: Invalid,
) -> Result<IndexPage, AppError> {
    let mut tx = state.db.read().await?;
    Ok(IndexPage {
        c,
        trainings: store::trainings(&mut tx, scope).await?,
        orgs: crate::orgs::store::list(&mut tx, scope, Some("approved"), None).await?,
        kinds: by_training(),
        tasks: TaskKind::ALL
            .iter()
            .map(|t| {
                (
                    t.as_str(),
                    t.requires().iter().map(|k| k.as_str()).collect(),
                )
            })
            .collect(),
        form,
        errors,
    })
}

async fn index(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let p = index_of(
        &state,
        &scope,
        c,
        TrainingForm::default(),
        Invalid::default(),
    )
    .await?;
    Ok(render(&p)?.into_response())
}

async fn create(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(f): HtmlForm<TrainingForm>,
) -> Result<Response, AppError> {
    let n = NewTraining {
        org_id: number(&f.org_id).unwrap_or(0),
        title: f.title.clone(),
        division_code: f.division_code.clone(),
        credential: f.credential.clone(),
        place: f.place.clone(),
        starts_at: f.starts_at.clone(),
        ends_at: f.ends_at.clone(),
        capacity: number(&f.capacity).unwrap_or(0),
    };
    match store::create(&state.db, &scope, &n).await {
        Ok(t) => Ok(Redirect::to(&format!("/trainings/{}", t.id)).into_response()),
        Err(e) => {
            let (status, _, errors) = refusal(e, &c)?;
            let p = index_of(&state, &scope, c, f, errors).await?;
            Ok((status, render(&p)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "training.html")]
struct TrainingPage {
    c: Chrome,
    t: Training,
    enrolments: Vec<Enrolment>,
    /// Volunteers found by name to enrol.
    found: Vec<RosterEntry>,
    q: String,
    begun: bool,
    errors: Invalid,
    notice: String,
}

impl TrainingPage {
    fn enrolled(&self, id: &i64) -> bool {
        self.enrolments.iter().any(|e| e.volunteer_id == *id)
    }
    /// The credential attending grants, in the reader's language.
    fn grants(&self) -> String {
        self.c.t(&format!("credential-{}", self.t.credential))
    }
    fn attended(&self) -> usize {
        self.enrolments
            .iter()
            .filter(|e| e.attended_at.is_some())
            .count()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct Find {
    q: String,
}

async fn training_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
    q: String,
) -> Result<TrainingPage, AppError> {
    let mut tx = state.db.read().await?;
    let t = store::training(&mut tx, scope, id).await?;
    let found = if q.trim().is_empty() {
        Vec::new()
    } else {
        let filter = RosterFilter {
            q: q.clone(),
            org_id: Some(t.org_id),
            ..RosterFilter::default()
        };
        match crate::squads::store::roster(&mut tx, scope, &filter).await {
            Ok(mut l) => {
                l.truncate(20);
                l
            }
            Err(AppError::Invalid(_)) => Vec::new(),
            Err(e) => return Err(e),
        }
    };
    Ok(TrainingPage {
        c,
        enrolments: store::enrolments(&mut tx, scope, id).await?,
        begun: t.begun(crate::db::now()),
        t,
        found,
        q,
        errors: Invalid::default(),
        notice: String::new(),
    })
}

async fn training_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Query(f): Query<Find>,
) -> Result<Response, AppError> {
    let p = training_of(&state, &scope, c, id, f.q).await?;
    Ok(render(&p)?.into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct TrainingAction {
    /// "enrol" or "attend".
    action: String,
    volunteer_id: String,
    /// Those ticked as present.
    ids: Vec<String>,
    q: String,
}

async fn training_action(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<TrainingAction>,
) -> Result<Response, AppError> {
    let result = if f.action == "enrol" {
        store::enrol(&state.db, &scope, id, number(&f.volunteer_id).unwrap_or(0))
            .await
            .map(|_| ())
    } else {
        let ids: Vec<i64> = f.ids.iter().filter_map(|i| number(i)).collect();
        store::attend(&state.db, &scope, id, &ids).await.map(|_| ())
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/trainings/{id}?q={}",
            crate::web::form_urlencoded_component(f.q.trim())
        ))
        .into_response()),
        Err(e) => {
            let (status, notice, errors) = refusal(e, &c)?;
            let mut p = training_of(&state, &scope, c, id, f.q).await?;
            p.errors = errors;
            p.notice = notice;
            Ok((status, render(&p)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "volunteer.html")]
struct VolunteerPage {
    c: Chrome,
    r: ServiceRecord,
    kinds: Vec<&'static str>,
    form: VolunteerForm,
    errors: Invalid,
}

impl VolunteerPage {
    fn hours(&self, minutes: &i64) -> String {
        hours(*minutes)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct VolunteerForm {
    /// "credential", "feedback" or "anchor".
    action: String,
    kind: String,
    expires_on: String,
    note: String,
    rating: String,
    comment: String,
    compound: String,
}

async fn volunteer_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
    form: VolunteerForm,
    errors: Invalid,
) -> Result<VolunteerPage, AppError> {
    let mut tx = state.db.read().await?;
    Ok(VolunteerPage {
        c,
        r: store::service(&mut tx, scope, id).await?,
        kinds: CredentialKind::ALL.iter().map(|k| k.as_str()).collect(),
        form,
        errors,
    })
}

async fn volunteer_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let p = volunteer_of(
        &state,
        &scope,
        c,
        id,
        VolunteerForm::default(),
        Invalid::default(),
    )
    .await?;
    Ok(render(&p)?.into_response())
}

async fn volunteer_action(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<VolunteerForm>,
) -> Result<Response, AppError> {
    let result = match f.action.as_str() {
        "credential" => store::grant(
            &state.db,
            &scope,
            id,
            &NewCredential {
                kind: f.kind.clone(),
                expires_on: f.expires_on.clone(),
                note: f.note.clone(),
            },
        )
        .await
        .map(|_| ()),
        "feedback" => store::give_feedback(
            &state.db,
            &scope,
            id,
            &NewFeedback {
                rating: number(&f.rating).unwrap_or(0),
                comment: f.comment.clone(),
            },
        )
        .await
        .map(|_| ()),
        "anchor" => store::set_anchor(&state.db, &scope, id, &f.compound).await,
        _ => Err(AppError::invalid("action", "err-action")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/volunteers/{id}")).into_response()),
        Err(e) => {
            let (status, _, errors) = refusal(e, &c)?;
            let p = volunteer_of(&state, &scope, c, id, f, errors).await?;
            Ok((status, render(&p)?).into_response())
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ClockForm {
    /// "on" or "off".
    duty: String,
}

async fn duty(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(f): HtmlForm<ClockForm>,
) -> Result<Response, AppError> {
    match store::clock(&state.db, &scope, f.duty == "on").await {
        Ok(()) => Ok(Redirect::to("/service#duty").into_response()),
        Err(e) => crate::squads::pages::service_refused(&state, &scope, c, e).await,
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct SeatForm {
    /// "take" or "give".
    seat: String,
}

async fn seat(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<SeatForm>,
) -> Result<Response, AppError> {
    match store::enrol_me(&state.db, &scope, id, f.seat != "give").await {
        Ok(()) => Ok(Redirect::to("/service#trainings").into_response()),
        Err(e) => crate::squads::pages::service_refused(&state, &scope, c, e).await,
    }
}

/// The signed-in volunteer's certificate of hours served.
async fn certificate(State(state): State<AppState>, scope: Scope) -> Result<Response, AppError> {
    let mut tx = state.db.read().await?;
    let r = store::my_service(&mut tx, &scope).await?;
    drop(tx);
    let today = crate::volunteers::store::today();
    let pdf = tokio::task::spawn_blocking(move || certificate_pdf(&r, today))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("certificate: {e}")))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "inline; filename=\"service-hours.pdf\"".to_owned(),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// Lines of work a certificate lists at most (the latest); the totals
/// count everything.
const CERTIFICATE_LINES: usize = 24;

/// The certificate: who, for whom, hours in total and by kind, the latest
/// work, and that the hours come from records (not typed in). Chinese,
/// as the offices that ask for it read it.
pub fn certificate_pdf(r: &ServiceRecord, on: time::Date) -> Vec<u8> {
    let mut c = pdf_writer::Content::new();
    c.set_fill_rgb(0.72, 0.13, 0.16);
    c.rect(0.0, PAGE_H - 110.0, crate::web::pdf::PAGE_W, 110.0);
    c.fill_nonzero();
    c.set_fill_rgb(1.0, 1.0, 1.0);
    line(&mut c, "志愿服务时长证明", CJK, 34.0, PAGE_H - 65.0);
    line(
        &mut c,
        "Certificate of volunteer service",
        SANS,
        14.0,
        PAGE_H - 92.0,
    );
    c.set_fill_rgb(0.0, 0.0, 0.0);
    let date = format!("{}年{}月{}日", on.year(), u8::from(on.month()), on.day());
    let mut y = PAGE_H - 160.0;
    for text in [
        format!("兹证明 {} 为 {} 的志愿者，", r.name, r.org_name),
        format!(
            "截至 {date}，累计志愿服务 {} 小时（值守 {} 小时，培训 {} 小时，出勤任务 {} 小时）。",
            hours(r.total_minutes),
            hours(r.duty_minutes),
            hours(r.training_minutes),
            hours(r.task_minutes)
        ),
    ] {
        left(&mut c, &text, CJK, 15.0, 60.0, y);
        y -= 28.0;
    }
    y -= 10.0;
    left(&mut c, "日期", CJK, 11.0, 60.0, y);
    left(&mut c, "内容", CJK, 11.0, 170.0, y);
    left(&mut c, "小时", CJK, 11.0, 480.0, y);
    y -= 6.0;
    c.rect(60.0, y, crate::web::pdf::PAGE_W - 120.0, 0.6);
    c.fill_nonzero();
    y -= 18.0;
    let mut work: Vec<(time::OffsetDateTime, String, i64)> = r
        .duties
        .iter()
        .map(|d| {
            let what = if d.squad_name.is_empty() {
                "值守服务".to_owned()
            } else {
                format!("值守服务（{}）", d.squad_name)
            };
            (d.started_at, what, d.minutes)
        })
        .chain(
            r.attended
                .iter()
                .map(|a| (a.starts_at, format!("培训：{}", a.title), a.minutes)),
        )
        .collect();
    work.sort_by_key(|w| std::cmp::Reverse(w.0));
    let more = work.len().saturating_sub(CERTIFICATE_LINES);
    for (at, what, minutes) in work.into_iter().take(CERTIFICATE_LINES) {
        let day = crate::web::beijing(at);
        left(&mut c, day.get(..10).unwrap_or(&day), SANS, 10.0, 60.0, y);
        left(&mut c, &what, CJK, 10.0, 170.0, y);
        left(&mut c, &hours(minutes), SANS, 10.0, 480.0, y);
        y -= 17.0;
    }
    if more > 0 {
        left(
            &mut c,
            &format!("另有 {more} 条更早的记录"),
            CJK,
            10.0,
            170.0,
            y,
        );
    }
    c.set_fill_rgb(0.3, 0.3, 0.3);
    line(
        &mut c,
        "时长由签到值守记录与培训出勤记录计算，不可手工填写；重叠时段只计一次。",
        CJK,
        10.0,
        90.0,
    );
    line(
        &mut c,
        &format!("出具单位：{}　　{date}", r.org_name),
        CJK,
        12.0,
        64.0,
    );
    line(&mut c, "联动　志愿服务记录", CJK, 9.0, 36.0);
    crate::web::pdf::document(vec![c.finish().into_vec()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn the_certificate_states_the_hours_from_the_record() {
        let r = ServiceRecord {
            volunteer_id: 1,
            name: "王志远".into(),
            org_name: "西安市社会工作协会".into(),
            anchor_compound: String::new(),
            credentials: Vec::new(),
            attended: vec![store::Attended {
                title: "防护服穿脱".into(),
                org_name: "西安市社会工作协会".into(),
                starts_at: datetime!(2021-12-20 01:00 UTC),
                minutes: 120,
            }],
            duties: vec![store::Duty {
                started_at: datetime!(2021-12-27 01:00 UTC),
                ended_at: Some(datetime!(2021-12-27 09:30 UTC)),
                squad_name: "鄠邑一队".into(),
                minutes: 510,
            }],
            on_duty_since: None,
            duty_minutes: 510,
            training_minutes: 120,
            task_minutes: 0,
            tasks: 0,
            total_minutes: 630,
            feedback: Vec::new(),
        };
        let pdf = certificate_pdf(&r, date!(2022 - 01 - 05));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        assert!(text.contains("/Count 1"));
        // Each line's hours (Helvetica), the total inside the Chinese
        // sentence ("10.5" in UCS-2) and the name (王 is U+738B).
        assert!(
            text.contains("(8.5) Tj") && text.contains("(2.0) Tj"),
            "{text}"
        );
        let upper = text.to_uppercase();
        assert!(upper.contains("00310030002E0035"));
        assert!(upper.contains("738B"));
    }
}
