//! Pages: the screening board (subjects a street holds, lists taken, a
//! list to send); a sent list's columns checked by a person before it is
//! taken; a list's report (every refused row by line and field); one
//! subject with its sources and an audited reveal.

use std::collections::BTreeMap;
use tokio::sync::OwnedSemaphorePermit;

use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::model::{Field, ListKind, mapping};
use super::store::{
    self, List, MAX_COLUMNS, MAX_ROWS, Report, Subject, SubjectDetail, SubjectFilter, SubjectReveal,
};
use crate::access::model::Scope;
use crate::tables::{Bounds, Upload};
use crate::web::error::{AppError, Invalid};
use crate::web::extract::HtmlForm;
use crate::web::{AppState, Chrome, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/screening", get(board))
        .route(
            "/screening/uploads",
            post(upload).layer(DefaultBodyLimit::max(crate::app::LIST_UPLOAD_MAX)),
        )
        .route("/screening/uploads/{id}", get(preview).post(take))
        .route("/screening/lists/{id}", get(report_page))
        .route("/screening/subjects/{id}", get(subject_page).post(reveal))
        .route("/screening/calls", get(calls_page).post(seat_action))
        .route("/screening/subjects/{id}/call", post(call_start))
        .route("/screening/calls/{id}", get(call_page).post(call_end))
        .route("/check", get(check_page).post(check))
        .route("/self-report", get(self_report_page).post(self_report))
        .route("/screening/handover", get(handover_page))
        .route("/screening/transfers", get(transfers_page))
        .route("/screening/transfers/{id}", post(transfer_answer))
        .route("/screening/subjects/{id}/transfer", post(transfer_offer))
        .route("/screening/handover.pdf", get(handover_pdf))
        .route("/screening/visits.pdf", post(visits_pdf))
        .route("/screening/shifts", get(shifts_page).post(shift_add))
        .route("/screening/shifts/{id}/remove", post(shift_remove))
}

#[derive(Template)]
#[template(path = "screening_calls.html")]
struct CallsPage {
    c: Chrome,
    seat: String,
    /// Their seat on the shift's roster, if they are on it.
    on_shift: Option<store::MySeat>,
    work: Vec<Subject>,
    errors: Invalid,
    notice: String,
}

async fn calls_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    errors: Invalid,
    notice: String,
) -> Result<CallsPage, AppError> {
    let mut tx = state.db.read().await?;
    Ok(CallsPage {
        c,
        seat: store::seat(&mut tx, scope).await?,
        on_shift: store::my_seat(&mut tx, scope).await?,
        work: store::worklist(&state.db, &mut tx, scope).await?,
        errors,
        notice,
    })
}

async fn calls_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let p = calls_of(&state, &scope, c, Invalid::default(), String::new()).await?;
    Ok(render(&p)?.into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct SeatForm {
    phone: String,
}

async fn seat_action(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(f): HtmlForm<SeatForm>,
) -> Result<Response, AppError> {
    match store::set_seat(&state.db, &scope, &f.phone).await {
        Ok(_) => Ok(Redirect::to("/screening/calls").into_response()),
        Err(AppError::Invalid(e)) => {
            let p = calls_of(&state, &scope, c, e, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "screening_call.html")]
struct CallPage {
    c: Chrome,
    call: store::ScreeningCall,
    d: SubjectDetail,
    /// Each outcome and the status it leaves the subject in.
    outcomes: Vec<(&'static str, &'static str)>,
    form: store::CallEnd,
    errors: Invalid,
}

async fn call_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    call: store::ScreeningCall,
    form: store::CallEnd,
    errors: Invalid,
) -> Result<CallPage, AppError> {
    let mut tx = state.db.read().await?;
    let d = store::subject(&state.db, &mut tx, scope, call.subject_id).await?;
    Ok(CallPage {
        c,
        call,
        d,
        outcomes: super::model::ScreeningOutcome::ALL
            .iter()
            .map(|o| (o.as_str(), super::model::effect(*o).as_str()))
            .collect(),
        form,
        errors,
    })
}

async fn call_start(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match store::start_call(&state.db, &scope, id).await {
        Ok(call) => Ok(Redirect::to(&format!("/screening/calls/{}", call.call_id)).into_response()),
        Err(e @ (AppError::Refused(..) | AppError::Conflict(_))) => {
            let notice = e.message(c.lang);
            let p = calls_of(&state, &scope, c, Invalid::default(), notice).await?;
            Ok((StatusCode::CONFLICT, render(&p)?).into_response())
        }
        Err(AppError::Invalid(e)) => {
            let p = calls_of(&state, &scope, c, e, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn call_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let call = {
        let mut tx = state.db.read().await?;
        store::open_call(&mut tx, &scope, id).await?
    };
    let p = call_of(
        &state,
        &scope,
        c,
        call,
        store::CallEnd::default(),
        Invalid::default(),
    )
    .await?;
    // The number in the clear: not kept by the browser.
    crate::web::reveal_answer(&p, true)
}

async fn call_end(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<store::CallEnd>,
) -> Result<Response, AppError> {
    match store::end_call(&state.db, &scope, id, &f).await {
        Ok(_) => Ok(Redirect::to("/screening/calls").into_response()),
        Err(AppError::Invalid(errors)) => {
            let call = {
                let mut tx = state.db.read().await?;
                store::open_call(&mut tx, &scope, id).await?
            };
            let p = call_of(&state, &scope, c, call, f, errors).await?;
            crate::web::reveal_answer(&p, false)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "caller_check.html")]
struct CheckPage {
    c: Chrome,
    phone: String,
    code: String,
    /// None: not asked yet; Some(None): no such call.
    answer: Option<Option<store::CallerCheck>>,
    limited: bool,
}

async fn check_page(c: Chrome) -> Result<Response, AppError> {
    Ok(render(&CheckPage {
        c,
        phone: String::new(),
        code: String::new(),
        answer: None,
        limited: false,
    })?
    .into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct CheckForm {
    phone: String,
    code: String,
}

/// A resident checks that a call came from the office: the number that
/// called and the code read out. Limited per client and per number.
async fn check(
    State(state): State<AppState>,
    crate::web::ClientIp(ip): crate::web::ClientIp,
    c: Chrome,
    HtmlForm(f): HtmlForm<CheckForm>,
) -> Result<Response, AppError> {
    let phone: String = f.phone.chars().take(40).collect();
    let code: String = f.code.chars().take(20).collect();
    let key = crate::phone::normalize(&phone).unwrap_or_else(|| phone.clone());
    let allowed = state.check_limiter.allow(&crate::web::limit_key(&ip))
        && state.check_phone_limiter.allow(&key);
    let answer = if allowed {
        let mut tx = state.db.read().await?;
        Some(store::caller_check(&mut tx, &phone, &code).await?)
    } else {
        None
    };
    let status = if allowed {
        StatusCode::OK
    } else {
        StatusCode::TOO_MANY_REQUESTS
    };
    Ok((
        status,
        render(&CheckPage {
            c,
            phone,
            code,
            answer,
            limited: !allowed,
        })?,
    )
        .into_response())
}

fn kinds() -> Vec<&'static str> {
    ListKind::ALL.iter().map(|k| k.as_str()).collect()
}

#[derive(Template)]
#[template(path = "screening.html")]
struct BoardPage {
    c: Chrome,
    subjects: Vec<Subject>,
    lists: Vec<List>,
    sources: Vec<String>,
    kinds: Vec<&'static str>,
    filter: SubjectFilter,
    errors: Invalid,
    notice: String,
}

async fn board_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    filter: SubjectFilter,
) -> Result<BoardPage, AppError> {
    let mut tx = state.db.read().await?;
    let (subjects, errors) = match store::subjects(&state.db, &mut tx, scope, &filter).await {
        Ok(s) => (s, Invalid::default()),
        Err(AppError::Invalid(e)) => (Vec::new(), e),
        Err(e) => return Err(e),
    };
    Ok(BoardPage {
        c,
        subjects,
        lists: store::lists(&mut tx, scope).await?,
        sources: store::sources(&mut tx).await?,
        kinds: kinds(),
        filter,
        errors,
        notice: String::new(),
    })
}

async fn board(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(f): Query<SubjectFilter>,
) -> Result<Response, AppError> {
    let p = board_of(&state, &scope, c, f).await?;
    let status = if p.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&p)?).into_response())
}

/// Read a list within bounds, off the async threads.
pub(crate) async fn read(name: String, bytes: Vec<u8>) -> Result<Result<Upload, String>, AppError> {
    let bounds = Bounds {
        max_rows: MAX_ROWS,
        max_cols: MAX_COLUMNS,
        cancelled: Default::default(),
        time: std::time::Duration::from_secs(60),
    };
    let read =
        tokio::task::spawn_blocking(move || crate::tables::read_upload(&name, bytes, &bounds))
            .await
            .map_err(anyhow::Error::from)?;
    Ok(read.map_err(|e| format!("{e:?}")))
}

/// A list sent: kept until a person has checked its columns.
async fn upload(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    store::screens(&scope)?;
    // Before the body is read: the file is buffered below.
    let _turn = state.lists.turn().await?;
    let (mut file, mut source, mut kind) = (None, String::new(), String::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::invalid("file", "err-upload"))?
    {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("list.csv").to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::invalid("file", "err-upload"))?;
                file = Some((name, bytes.to_vec()));
            }
            Some("source") => source = field.text().await.unwrap_or_default(),
            Some("kind") => kind = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let mut p = board_of(&state, &scope, c, SubjectFilter::default()).await?;
        p.notice = p.c.t("err-upload");
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
    };
    let id = store::keep_upload(&state.db, &scope, &name, &bytes).await?;
    Ok(Redirect::to(&format!(
        "/screening/uploads/{id}?source={}&kind={}",
        crate::web::form_urlencoded_component(source.trim()),
        crate::web::form_urlencoded_component(kind.trim())
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "screening_preview.html")]
struct PreviewPage {
    c: Chrome,
    id: i64,
    file_name: String,
    source: String,
    kind: String,
    kinds: Vec<&'static str>,
    headers: Vec<String>,
    sample: Vec<Vec<String>>,
    rows: usize,
    /// Each field and the column it is read from (None: not read).
    fields: Vec<(&'static str, Option<usize>)>,
    unreadable: String,
    errors: Invalid,
}

impl PreviewPage {
    fn chosen(&self, field: &str, column: &usize) -> bool {
        self.fields
            .iter()
            .any(|(f, c)| *f == field && *c == Some(*column))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct PreviewQuery {
    source: String,
    kind: String,
}

async fn preview_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
    source: String,
    kind: String,
    chosen: Option<BTreeMap<Field, usize>>,
) -> Result<(PreviewPage, Option<Upload>, OwnedSemaphorePermit), AppError> {
    // Reading the list (and taking it, for `take`) holds a turn.
    let turn = state.lists.turn().await?;
    let (file_name, bytes) = {
        let mut tx = state.db.read().await?;
        store::upload(&mut tx, scope, id).await?
    };
    let saved = {
        let mut tx = state.db.read().await?;
        store::saved_mapping(&mut tx, &source).await?
    };
    let mut p = PreviewPage {
        c,
        id,
        file_name: file_name.clone(),
        source,
        kind,
        kinds: kinds(),
        headers: Vec::new(),
        sample: Vec::new(),
        rows: 0,
        fields: Vec::new(),
        unreadable: String::new(),
        errors: Invalid::default(),
    };
    match read(file_name, bytes).await? {
        Err(_) => {
            p.unreadable = p.c.t("err-import-unreadable");
            Ok((p, None, turn))
        }
        Ok(up) => {
            let map = chosen.unwrap_or_else(|| mapping(&up.headers, &saved));
            p.fields = Field::ALL
                .iter()
                .map(|f| (f.as_str(), map.get(f).copied()))
                .collect();
            p.headers = up.headers.clone();
            p.sample = up.rows.iter().take(5).map(|(_, r)| r.clone()).collect();
            p.rows = up.rows.len();
            Ok((p, Some(up), turn))
        }
    }
}

async fn preview(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Query(q): Query<PreviewQuery>,
) -> Result<Response, AppError> {
    let (p, _, _) = preview_of(&state, &scope, c, id, q.source, q.kind, None).await?;
    Ok(render(&p)?.into_response())
}

/// The columns as the person set them: `col_<field>` = a column number
/// or '' (not read).
fn chosen_mapping(form: &BTreeMap<String, String>) -> BTreeMap<Field, usize> {
    Field::ALL
        .iter()
        .filter_map(|f| {
            let column = form
                .get(&format!("col_{}", f.as_str()))?
                .trim()
                .parse()
                .ok()?;
            Some((*f, column))
        })
        .collect()
}

/// Take the list with the columns the person checked.
async fn take(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(form): HtmlForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let source = form.get("source").cloned().unwrap_or_default();
    let kind_text = form.get("kind").cloned().unwrap_or_default();
    let map = chosen_mapping(&form);
    let (mut p, up, _turn) = preview_of(
        &state,
        &scope,
        c,
        id,
        source.clone(),
        kind_text.clone(),
        Some(map.clone()),
    )
    .await?;
    let Some(up) = up else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
    };
    let Some(kind) = ListKind::parse(kind_text.trim()) else {
        p.errors = Invalid(vec![crate::web::error::FieldError::new(
            "kind",
            "err-screening-kind",
        )]);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
    };
    let result = store::import(
        &state.db,
        &scope,
        &state.settings.home,
        &source,
        kind,
        &p.file_name,
        up,
        &map,
        &|_| {},
    )
    .await;
    match result {
        Ok(r) => {
            // The upload has served; it is not kept.
            let mut tx = state.db.write().await?;
            crate::execute!(&mut tx, "DELETE FROM screening_uploads WHERE id = $1", id)?;
            tx.commit().await?;
            let already = if r.already { "?already=1" } else { "" };
            Ok(Redirect::to(&format!("/screening/lists/{}{already}", r.list_id)).into_response())
        }
        Err(AppError::Invalid(e)) => {
            p.errors = e;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "screening_report.html")]
struct ReportPage {
    c: Chrome,
    r: Report,
    already: bool,
}

impl ReportPage {
    fn kind_name(&self) -> String {
        self.c.t(&format!("screening-kind-{}", self.r.kind))
    }
    fn message(&self, key: &str, field: &str) -> String {
        format!(
            "{}：{}",
            self.c.t(&format!("screening-field-{field}")),
            self.c.t(key)
        )
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct Already {
    already: String,
}

async fn report_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Query(q): Query<Already>,
) -> Result<Response, AppError> {
    let mut tx = state.db.read().await?;
    let r = store::report(&mut tx, &scope, id).await?;
    Ok(render(&ReportPage {
        c,
        r,
        already: q.already == "1",
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "subject.html")]
pub(crate) struct SubjectPage {
    c: Chrome,
    d: SubjectDetail,
    /// The field revealed and its value, once asked with a reason.
    revealed: Option<(String, String)>,
    /// The reveal form's errors, and the transfer form's: both ask for a
    /// reason, so each shows only its own.
    errors: Invalid,
    transfer_errors: Invalid,
    /// The caller's office holds them (manages, calls, hands over).
    holds: bool,
    /// Their management (open, else the last) and PCR results.
    managed: Option<crate::management::store::Managed>,
    results: Vec<crate::management::store::ResultView>,
    pub(crate) management_errors: Invalid,
    levels: &'static [crate::management::model::ManagementLevel],
}

/// A subject's page as it stands, no form answered.
pub(crate) async fn subject_page_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
) -> Result<SubjectPage, AppError> {
    let mut tx = state.db.read().await?;
    let d = store::subject(&state.db, &mut tx, scope, id).await?;
    // The offices where they live or are registered see who holds them;
    // their management and tests (health data) only the holder.
    let holds = d.subject.holder_division.starts_with(scope.jurisdiction());
    let (managed, results) = if holds {
        (
            crate::management::store::of_subject(&mut tx, id).await?,
            crate::management::store::results_of(&mut tx, id).await?,
        )
    } else {
        (None, Vec::new())
    };
    Ok(SubjectPage {
        c,
        d,
        holds,
        revealed: None,
        errors: Invalid::default(),
        transfer_errors: Invalid::default(),
        managed,
        results,
        management_errors: Invalid::default(),
        levels: crate::management::model::ManagementLevel::ALL,
    })
}

impl SubjectPage {
    /// No management open: one may start.
    fn can_start(&self) -> bool {
        self.holds && self.managed.as_ref().is_none_or(|m| m.status != "active")
    }
    fn routed(&self) -> String {
        self.c
            .t(&format!("screening-routed-{}", self.d.subject.routed_by))
    }
}

async fn subject_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(render(&subject_page_of(&state, &scope, c, id).await?)?.into_response())
}

async fn reveal(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(r): HtmlForm<SubjectReveal>,
) -> Result<Response, AppError> {
    let result = store::reveal(&state.db, &scope, id, &r).await;
    let mut page = subject_page_of(&state, &scope, c, id).await?;
    match result {
        Ok(value) => {
            page.revealed = Some((r.field.trim().to_owned(), value));
            crate::web::reveal_answer(&page, true)
        }
        Err(AppError::Invalid(errors)) => {
            page.errors = errors;
            crate::web::reveal_answer(&page, false)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "screening_handover.html")]
struct HandoverPage {
    c: Chrome,
    h: store::Handover,
    /// Tests promised: due today or overdue.
    tests_due: Vec<crate::management::store::Managed>,
    /// The visit sheets' form (a reason).
    errors: Invalid,
    /// Each list the next shift works from, by its message key.
    sections: Vec<(&'static str, Vec<Subject>)>,
}

impl HandoverPage {
    fn shift_name(&self) -> String {
        self.c.t(&format!("shift-{}", self.h.shift))
    }
}

async fn handover_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    errors: Invalid,
) -> Result<HandoverPage, AppError> {
    let mut tx = state.db.read().await?;
    let h = store::handover(&state.db, &mut tx, scope).await?;
    let tests_due = crate::management::store::tests_due(&mut tx, scope).await?;
    let sections = vec![
        ("handover-call-backs", h.call_backs.clone()),
        ("handover-unreached", h.unreached.clone()),
        ("handover-transfers", h.transfers.clone()),
        ("handover-visits", h.visits.clone()),
    ];
    Ok(HandoverPage {
        c,
        h,
        tests_due,
        errors,
        sections,
    })
}

async fn handover_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    Ok(render(&handover_of(&state, &scope, c, Invalid::default()).await?)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VisitsForm {
    reason: String,
}

/// Door-to-door sheets for everyone to visit, with a reason (each person's
/// reveal audited): a PDF, one block a person.
async fn visits_pdf(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(f): HtmlForm<VisitsForm>,
) -> Result<Response, AppError> {
    let sheets = match store::visit_sheets(&state.db, &scope, &f.reason).await {
        Ok(s) => s,
        Err(AppError::Invalid(errors)) => {
            let p = handover_of(&state, &scope, c, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
        }
        Err(e) => return Err(e),
    };
    let mut tx = state.db.read().await?;
    let mut managed = Vec::with_capacity(sheets.len());
    for s in &sheets {
        managed.push(crate::management::store::of_subject(&mut tx, s.subject.id).await?);
    }
    drop(tx);
    let office = crate::orgs::model::division_name(scope.jurisdiction());
    let lang = c.lang;
    let pdf = tokio::task::spawn_blocking(move || visit_sheet(&sheets, &managed, &office, lang))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("visit sheet: {e}")))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "inline; filename=\"visits.pdf\"",
            ),
            // Names, phones and addresses in the clear: never cached.
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        pdf,
    )
        .into_response())
}

/// The door-to-door sheets: per person what the lists and calls say, their
/// management, and lines for what the visit finds.
pub fn visit_sheet(
    sheets: &[store::VisitSheet],
    managed: &[Option<crate::management::store::Managed>],
    office: &str,
    lang: crate::web::i18n::Lang,
) -> Vec<u8> {
    use crate::web::pdf::{CJK, PAGE_H, left, line};
    let mut pages = Vec::new();
    let mut c = pdf_writer::Content::new();
    let top = |c: &mut pdf_writer::Content| {
        line(
            c,
            &format!("{} · {office}", lang.t("visits-title")),
            CJK,
            16.0,
            PAGE_H - 50.0,
        );
        PAGE_H - 80.0
    };
    let mut y = top(&mut c);
    if sheets.is_empty() {
        left(&mut c, &lang.t("none"), CJK, 11.0, 50.0, y);
    }
    for (i, s) in sheets.iter().enumerate() {
        let mut lines: Vec<(String, f32, f32)> = vec![(
            format!(
                "{}. {} {} · {}",
                i + 1,
                s.name,
                s.phone,
                s.residence_address
            ),
            12.0,
            50.0,
        )];
        for l in &s.leads {
            lines.push((
                format!(
                    "{} · {} · {} {}",
                    lang.t(&format!("screening-kind-{}", l.kind)),
                    l.source,
                    l.trip,
                    l.seen_on
                ),
                9.5,
                64.0,
            ));
        }
        if let Some(at) = s.subject.self_reported_at {
            lines.push((
                format!(
                    "{} {}",
                    lang.t("screening-self-reported"),
                    crate::web::beijing(at)
                ),
                9.5,
                64.0,
            ));
        }
        for call in &s.calls {
            lines.push((
                format!(
                    "{} {} · {} {}",
                    crate::web::beijing(call.at),
                    call.caller,
                    lang.t(&format!("outcome-{}", call.outcome)),
                    call.note
                ),
                9.5,
                64.0,
            ));
        }
        if let Some(Some(m)) = managed.get(i) {
            lines.push((
                format!(
                    "{} · {} – {} · {} {}/{}",
                    lang.t(&format!("level-{}", m.level.as_str())),
                    m.starts_on,
                    m.ends_on,
                    lang.t("management-tests"),
                    m.progress.received,
                    m.tests
                ),
                9.5,
                64.0,
            ));
        }
        lines.push((lang.t("visits-found"), 10.0, 64.0));
        lines.push((lang.t("visits-notes"), 10.0, 64.0));
        let height: f32 = lines.iter().map(|(_, size, _)| size + 7.0).sum::<f32>() + 14.0;
        if y - height < 40.0 {
            pages.push(
                std::mem::replace(&mut c, pdf_writer::Content::new())
                    .finish()
                    .into_vec(),
            );
            y = top(&mut c);
        }
        for (text, size, x) in lines {
            left(&mut c, &text, CJK, size, x, y);
            y -= size + 7.0;
        }
        y -= 14.0;
    }
    pages.push(c.finish().into_vec());
    crate::web::pdf::document(pages)
}

/// The handover as a sheet to print (A4, Chinese).
async fn handover_pdf(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let mut tx = state.db.read().await?;
    let h = store::handover(&state.db, &mut tx, &scope).await?;
    drop(tx);
    let office = crate::orgs::model::division_name(scope.jurisdiction());
    let lang = c.lang;
    let pdf = tokio::task::spawn_blocking(move || handover_sheet(&h, &office, lang))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("handover sheet: {e}")))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "inline; filename=\"handover.pdf\"".to_owned(),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// The sheet: the shift, each caller's calls, then each list the next
/// shift works from, a line a person (masked, as on the board), pages as
/// many as it takes.
pub fn handover_sheet(h: &store::Handover, office: &str, lang: crate::web::i18n::Lang) -> Vec<u8> {
    use crate::web::pdf::{CJK, PAGE_H, left, line};
    let mut pages = Vec::new();
    let mut c = pdf_writer::Content::new();
    let mut y = PAGE_H - 60.0;
    line(&mut c, &lang.t("handover-title"), CJK, 22.0, y);
    y -= 26.0;
    line(
        &mut c,
        &format!(
            "{office} · {} · {}",
            lang.t(&format!("shift-{}", h.shift)),
            crate::web::beijing(h.since)
        ),
        CJK,
        11.0,
        y,
    );
    y -= 30.0;
    let put = |c: &mut pdf_writer::Content, y: &mut f32, text: &str, size: f32, x: f32| {
        left(c, text, CJK, size, x, *y);
        *y -= size + 7.0;
    };
    put(&mut c, &mut y, &lang.t("handover-work"), 13.0, 50.0);
    for w in &h.work {
        put(
            &mut c,
            &mut y,
            &format!(
                "{} · {} {} · {} {} · {} {}",
                w.caller,
                lang.t("handover-calls"),
                w.calls,
                lang.t("outcome-reached"),
                w.reached,
                lang.t("outcome-no_answer"),
                w.no_answer
            ),
            10.0,
            60.0,
        );
    }
    for (title, list) in [
        ("handover-call-backs", &h.call_backs),
        ("handover-unreached", &h.unreached),
        ("handover-transfers", &h.transfers),
        ("handover-visits", &h.visits),
    ] {
        y -= 8.0;
        put(
            &mut c,
            &mut y,
            &format!("{} ({})", lang.t(title), list.len()),
            13.0,
            50.0,
        );
        for s in list {
            if y < 60.0 {
                pages.push(
                    std::mem::replace(&mut c, pdf_writer::Content::new())
                        .finish()
                        .into_vec(),
                );
                y = PAGE_H - 60.0;
            }
            let mut text = format!(
                "{} {} · {}",
                s.name,
                s.phone,
                crate::orgs::model::division_name(&s.holder_division)
            );
            if let Some(at) = s.call_back_at {
                text.push_str(&format!(
                    " · {} {}",
                    lang.t("calls-back-at"),
                    crate::web::beijing(at)
                ));
            }
            if s.attempts > 0 {
                text.push_str(&format!(" · {} {}", lang.t("calls-attempts"), s.attempts));
            }
            if !s.moved_to_division.is_empty() {
                text.push_str(&format!(
                    " → {}",
                    crate::orgs::model::division_name(&s.moved_to_division)
                ));
            }
            put(&mut c, &mut y, &text, 10.0, 60.0);
        }
    }
    pages.push(c.finish().into_vec());
    crate::web::pdf::document(pages)
}

#[derive(Template)]
#[template(path = "self_report.html")]
struct SelfReportPage {
    c: Chrome,
    form: SelfReportForm,
    errors: Invalid,
    done: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct SelfReportForm {
    name: String,
    phone: String,
    id_number: String,
    residence: String,
    trip: String,
    seen_on: String,
}

async fn self_report_page(c: Chrome) -> Result<Response, AppError> {
    Ok(render(&SelfReportPage {
        c,
        form: SelfReportForm::default(),
        errors: Invalid::default(),
        done: false,
    })?
    .into_response())
}

/// A resident reports themselves: checked as a list's row is, limited per
/// client and per phone as the help form is.
async fn self_report(
    State(state): State<AppState>,
    crate::web::ClientIp(ip): crate::web::ClientIp,
    c: Chrome,
    HtmlForm(f): HtmlForm<SelfReportForm>,
) -> Result<Response, AppError> {
    let row = vec![
        f.name.clone(),
        f.phone.clone(),
        f.id_number.clone(),
        f.residence.clone(),
        f.trip.clone(),
        f.seen_on.clone(),
    ];
    let map: BTreeMap<Field, usize> = [
        Field::Name,
        Field::Phone,
        Field::IdNumber,
        Field::Residence,
        Field::Trip,
        Field::SeenOn,
    ]
    .into_iter()
    .enumerate()
    .map(|(i, f)| (f, i))
    .collect();
    let mut errors = match super::model::lead(&row, &map) {
        Ok(_) => Invalid::default(),
        Err(e) => Invalid(e),
    };
    // A self-report names who and where: both are needed to follow it.
    if f.name.trim().is_empty() {
        errors.push(crate::web::error::FieldError::new("name", "err-required"));
    }
    if f.residence.trim().is_empty() {
        errors.push(crate::web::error::FieldError::new(
            "residence",
            "err-required",
        ));
    }
    if f.phone.trim().is_empty() && errors.first("phone").is_none() {
        errors.push(crate::web::error::FieldError::new("phone", "err-phone"));
    }
    let lead = super::model::lead(&row, &map)
        .ok()
        .filter(|_| errors.is_empty());
    let Some(lead) = lead else {
        let page = SelfReportPage {
            c,
            form: f,
            errors,
            done: false,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    if !state.help_limiter.allow(&crate::web::limit_key(&ip))
        || !state.help_phone_limiter.allow(&lead.phone)
    {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    store::self_report(&state.db, &state.settings.home, &lead).await?;
    Ok(render(&SelfReportPage {
        c,
        form: SelfReportForm::default(),
        errors: Invalid::default(),
        done: true,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "screening_transfers.html")]
struct TransfersPage {
    c: Chrome,
    incoming: Vec<store::Transfer>,
    outgoing: Vec<store::Transfer>,
    orphans: Vec<Subject>,
    notice: String,
    errors: Invalid,
}

async fn transfers_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    notice: String,
    errors: Invalid,
) -> Result<TransfersPage, AppError> {
    let mut tx = state.db.read().await?;
    Ok(TransfersPage {
        c,
        incoming: store::transfers(&mut tx, scope, true).await?,
        outgoing: store::transfers(&mut tx, scope, false).await?,
        orphans: store::orphans(&state.db, &mut tx, scope).await?,
        notice,
        errors,
    })
}

async fn transfers_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let p = transfers_of(&state, &scope, c, String::new(), Invalid::default()).await?;
    Ok(render(&p)?.into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct AnswerForm {
    /// "yes" or "no".
    accept: String,
    reason: String,
}

async fn transfer_answer(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<AnswerForm>,
) -> Result<Response, AppError> {
    let a = store::TransferAnswer {
        accept: f.accept == "yes",
        reason: f.reason,
    };
    match store::answer(&state.db, &scope, id, &a).await {
        Ok(_) => Ok(Redirect::to("/screening/transfers").into_response()),
        Err(AppError::Invalid(e)) => {
            let p = transfers_of(&state, &scope, c, String::new(), e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
        Err(e @ AppError::Conflict(_)) => {
            let notice = e.message(c.lang);
            let p = transfers_of(&state, &scope, c, notice, Invalid::default()).await?;
            Ok((StatusCode::CONFLICT, render(&p)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn transfer_offer(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(n): HtmlForm<store::NewTransfer>,
) -> Result<Response, AppError> {
    match store::offer(&state.db, &scope, id, &n).await {
        Ok(_) => Ok(Redirect::to("/screening/transfers").into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut page = subject_page_of(&state, &scope, c, id).await?;
            page.transfer_errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e @ AppError::Conflict(_)) => {
            let notice = e.message(c.lang);
            let p = transfers_of(&state, &scope, c, notice, Invalid::default()).await?;
            Ok((StatusCode::CONFLICT, render(&p)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "screening_shifts.html")]
struct ShiftsPage {
    c: Chrome,
    day: time::Date,
    /// Today and the week ahead, to pick from.
    days: Vec<time::Date>,
    roster: Vec<store::OnShift>,
    staff: Vec<store::Staff>,
    errors: Invalid,
    notice: String,
}

impl ShiftsPage {
    fn on(&self, shift: &str) -> Vec<&store::OnShift> {
        self.roster.iter().filter(|r| r.shift == shift).collect()
    }
    fn count(&self, shift: &str, kind: &str) -> usize {
        self.roster
            .iter()
            .filter(|r| r.shift == shift && r.kind == kind)
            .count()
    }
    fn shift_name(&self, s: &str) -> String {
        self.c.t(&format!("shift-{s}"))
    }
}

async fn shifts_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    day: time::Date,
) -> Result<ShiftsPage, AppError> {
    let mut tx = state.db.read().await?;
    let today = crate::management::model::beijing_day(crate::db::now());
    Ok(ShiftsPage {
        c,
        day,
        days: (0..=store::ROSTER_AHEAD_DAYS)
            .map(|n| today + time::Duration::days(n))
            .collect(),
        roster: store::roster(&mut tx, scope, day).await?,
        staff: store::staff(&mut tx, scope).await?,
        errors: Invalid::default(),
        notice: String::new(),
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct DayQuery {
    day: String,
}

async fn shifts_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(q): Query<DayQuery>,
) -> Result<Response, AppError> {
    let day = store::roster_day(&q.day)?;
    Ok(render(&shifts_of(&state, &scope, c, day).await?)?.into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ShiftForm {
    account_id: String,
    day: String,
    shift: String,
    seat: String,
    kind: String,
}

async fn shift_add(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(f): HtmlForm<ShiftForm>,
) -> Result<Response, AppError> {
    let n = store::NewOnShift {
        // Not a number reads as none: the store names the field.
        account_id: f.account_id.trim().parse().unwrap_or(0),
        day: f.day.clone(),
        shift: f.shift,
        seat: f.seat.trim().parse().unwrap_or(0),
        kind: f.kind,
    };
    let day = store::roster_day(&f.day)
        .unwrap_or_else(|_| crate::management::model::beijing_day(crate::db::now()));
    match store::add_to_shift(&state.db, &scope, &n).await {
        Ok(_) => Ok(Redirect::to(&format!("/screening/shifts?day={day}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut p = shifts_of(&state, &scope, c, day).await?;
            p.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
        Err(e @ AppError::Conflict(_)) => {
            let notice = e.message(c.lang);
            let mut p = shifts_of(&state, &scope, c, day).await?;
            p.notice = notice;
            Ok((StatusCode::CONFLICT, render(&p)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn shift_remove(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<DayQuery>,
) -> Result<Response, AppError> {
    // A day gone stale on the page: back to today's roster.
    let day = store::roster_day(&f.day)
        .unwrap_or_else(|_| crate::management::model::beijing_day(crate::db::now()));
    store::remove_from_shift(&state.db, &scope, id).await?;
    Ok(Redirect::to(&format!("/screening/shifts?day={day}")).into_response())
}
