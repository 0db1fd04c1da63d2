//! Pages: coverage (live), the registry and one person (guardians named
//! from proposals, check-ins, reveals), a plan list imported, the plan
//! handed over (print, xlsx); a guardian's own people ("我关照的人");
//! cases (个案) with referrals, care teams and their rota, the staff rota.

use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::api::Within;
use super::model::{
    CHECKIN_HOURS, CareCategory, CaseCategory, CaseOutcome, CaseSource, NewCase, NewRecipient,
    PLAN_COLUMNS, PLAN_MAX_ROWS, Profession, Risk, Routine,
};
use super::store::cases::{
    self as case_store, Answer, CaseDetail, CaseList, Closing, NewNote, NewReferral,
};
use super::store::crises::{self as crisis_store, CrisisAnswer, CrisisOffer};
use super::store::schedules::{self as schedule_store, NewSchedule, Schedule};
use super::store::teams::{self as team_store, NewMember, NewShift, NewTeam, Team, Worker};
use super::store::{
    self, Candidate, CareRecipient, Checkin, Coverage, Imported, Naming, NewCheckin,
    RecipientFilter,
};
use crate::access::model::Scope;
use crate::needs::import::Rejected;
use crate::squads::pages::{number, refusal};
use crate::web::error::{AppError, Invalid};
use crate::web::extract::HtmlForm;
use crate::web::{AppState, Chrome, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/care", get(index))
        .route("/care/coverage", get(coverage_region))
        .route("/care/new", get(new_form).post(create))
        .route(
            "/care/recipients/{id}",
            get(recipient_page).post(recipient_action),
        )
        .route("/care/import", get(import_form).post(import))
        .route("/care/import/template.xlsx", get(import_template))
        .route("/care/plan", get(plan))
        .route("/care/plan.xlsx", get(plan_xlsx))
        .route("/care/mine", get(mine))
        .route("/care/mine/{id}", axum::routing::post(mine_action))
}

#[derive(Template)]
#[template(path = "care.html")]
struct IndexPage {
    c: Chrome,
    cov: Coverage,
    within: String,
    cares: bool,
}

/// The most communities the page lists (gaps first; the API has all).
const PAGE_COMMUNITIES: usize = 200;

#[derive(Template)]
#[template(path = "care_coverage.html")]
struct CoverageRegion {
    c: Chrome,
    cov: Coverage,
    cares: bool,
}

async fn coverage_of(state: &AppState, scope: &Scope, within: &str) -> Result<Coverage, AppError> {
    let mut tx = state.db.read().await?;
    let mut cov = store::coverage(&mut tx, scope, within).await?;
    cov.communities.truncate(PAGE_COMMUNITIES);
    Ok(cov)
}

async fn index(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(w): Query<Within>,
) -> Result<Response, AppError> {
    let cov = coverage_of(&state, &scope, &w.within).await?;
    Ok(render(&IndexPage {
        c,
        cov,
        within: w.within.trim().to_owned(),
        cares: scope.role().cares(),
    })?
    .into_response())
}

/// The coverage alone, for its live region.
async fn coverage_region(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(w): Query<Within>,
) -> Result<Response, AppError> {
    let cov = coverage_of(&state, &scope, &w.within).await?;
    Ok(render(&CoverageRegion {
        c,
        cov,
        cares: scope.role().cares(),
    })?
    .into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct RecipientForm {
    name: String,
    phone: String,
    address: String,
    division_code: String,
    compound: String,
    /// Checkboxes: one value each.
    categories: Vec<String>,
    routine: Vec<String>,
    notes: String,
    checkin_hours: String,
}

#[derive(Template)]
#[template(path = "care_new.html")]
struct NewPage {
    c: Chrome,
    form: RecipientForm,
    errors: Invalid,
    categories: &'static [CareCategory],
    routines: &'static [Routine],
    hours: [i64; 5],
}

impl NewPage {
    fn checked(&self, list: &[String], v: &str) -> bool {
        list.iter().any(|x| x == v)
    }
    fn hours_selected(&self, h: &i64) -> bool {
        self.form.checkin_hours == h.to_string()
            || (self.form.checkin_hours.is_empty() && *h == super::model::CHECKIN_DEFAULT)
    }
}

fn new_page(c: Chrome, form: RecipientForm, errors: Invalid) -> NewPage {
    NewPage {
        c,
        form,
        errors,
        categories: CareCategory::ALL,
        routines: Routine::ALL,
        hours: CHECKIN_HOURS,
    }
}

async fn new_form(scope: Scope, c: Chrome) -> Result<Response, AppError> {
    store::cares(&scope)?;
    Ok(render(&new_page(c, RecipientForm::default(), Invalid::default()))?.into_response())
}

async fn create(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(f): HtmlForm<RecipientForm>,
) -> Result<Response, AppError> {
    let n = NewRecipient {
        name: f.name.clone(),
        phone: f.phone.clone(),
        address: f.address.clone(),
        division_code: f.division_code.clone(),
        compound: f.compound.clone(),
        categories: f.categories.clone(),
        routine: f.routine.clone(),
        notes: f.notes.clone(),
        checkin_hours: number(&f.checkin_hours),
    };
    match store::create(&state.db, &scope, &n).await {
        Ok(r) => Ok(Redirect::to(&format!("/care/recipients/{}", r.id)).into_response()),
        Err(e) => {
            let (status, _, errors) = refusal(e, &c)?;
            Ok((status, render(&new_page(c, f, errors))?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "care_recipient.html")]
struct RecipientPage {
    c: Chrome,
    r: CareRecipient,
    checkins: Vec<Checkin>,
    schedules: Vec<Schedule>,
    kinds: &'static [crate::needs::model::NeedKind],
    proposals: Vec<Candidate>,
    errors: Invalid,
    notice: String,
    /// A field shown in the clear just now: (field, value).
    shown: Option<(String, String)>,
}

impl RecipientPage {
    /// The guardian's place is open: nobody named, or one who cannot reach.
    fn guardian_wanted(&self) -> bool {
        self.r.guardian.is_none() || self.r.gap.as_deref() == Some("no_guardian")
    }
}

async fn recipient_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
) -> Result<RecipientPage, AppError> {
    store::cares(scope)?;
    let mut tx = state.db.read().await?;
    let r = store::recipient(&mut tx, scope, id).await?;
    let proposals = if r.status == "active" && (r.gap.is_some() || r.guardian.is_none()) {
        store::proposals(&mut tx, scope, id).await?
    } else {
        Vec::new()
    };
    Ok(RecipientPage {
        c,
        checkins: store::checkins(&mut tx, scope, id).await?,
        schedules: schedule_store::schedules(&mut tx, scope, id).await?,
        kinds: crate::needs::model::NeedKind::ALL,
        r,
        proposals,
        errors: Invalid::default(),
        notice: String::new(),
        shown: None,
    })
}

async fn recipient_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(render(&recipient_of(&state, &scope, c, id).await?)?.into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ActionForm {
    /// guardian | backup | checkin | reveal | end | schedule | schedule_end
    action: String,
    schedule_id: String,
    description: String,
    every_days: String,
    first_at: String,
    volunteer_id: String,
    kind: String,
    outcome: String,
    note: String,
    field: String,
    reason: String,
}

async fn recipient_action(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<ActionForm>,
) -> Result<Response, AppError> {
    let mut shown = None;
    let done: Result<&str, AppError> = match f.action.as_str() {
        "guardian" | "backup" => store::name(
            &state.db,
            &scope,
            id,
            &Naming {
                role: f.action.clone(),
                volunteer_id: number(&f.volunteer_id).unwrap_or(0),
            },
        )
        .await
        .map(|_| "care-named"),
        "checkin" => store::checkin(&state.db, &scope, id, &checkin_of(&f))
            .await
            .map(|_| "care-checked-in"),
        "reveal" => {
            let field = f.field.trim();
            let r = store::reveal(&state.db, &scope, id, field, &f.reason).await;
            crate::audit::store::refusal(&state.db, &scope, "care_recipient", id, field, r)
                .await
                .map(|v| {
                    shown = Some((field.to_owned(), v));
                    ""
                })
        }
        "end" => store::end(&state.db, &scope, id, &f.reason)
            .await
            .map(|_| "care-ended"),
        "schedule" => {
            let n = NewSchedule {
                kind: f.kind.clone(),
                description: f.description.clone(),
                every_days: number(&f.every_days).unwrap_or(0),
                first_at: f.first_at.clone(),
            };
            schedule_store::add(&state.db, &scope, id, &n)
                .await
                .map(|_| "care-schedule-added")
        }
        "schedule_end" => {
            schedule_store::end(&state.db, &scope, id, number(&f.schedule_id).unwrap_or(0))
                .await
                .map(|_| "care-schedule-ended")
        }
        _ => Err(AppError::invalid("action", "err-field")),
    };
    match done {
        Ok(notice) => {
            let mut p = recipient_of(&state, &scope, c, id).await?;
            p.notice = if notice.is_empty() {
                String::new()
            } else {
                p.c.t(notice)
            };
            p.shown = shown;
            Ok(render(&p)?.into_response())
        }
        Err(e) => {
            let (status, message, errors) = refusal(e, &c)?;
            let mut p = recipient_of(&state, &scope, c, id).await?;
            p.errors = errors;
            p.notice = message;
            Ok((status, render(&p)?).into_response())
        }
    }
}

fn checkin_of(f: &ActionForm) -> NewCheckin {
    NewCheckin {
        kind: f.kind.clone(),
        outcome: f.outcome.clone(),
        note: f.note.clone(),
    }
}

#[derive(Template)]
#[template(path = "care_import.html")]
struct ImportPage {
    c: Chrome,
    file: String,
    done: Option<Imported>,
    rejected: Rejected,
    unreadable: String,
    blank: usize,
    unknown: Vec<String>,
    max_rows: usize,
    columns: Vec<(&'static str, &'static str, bool)>,
}

impl ImportPage {
    fn message(&self, e: &crate::web::error::FieldError) -> String {
        e.message(self.c.lang)
    }
}

/// The plan list's template (xlsx): its headers over an example row, and
/// what each column takes, in the reader's language.
async fn import_template(scope: Scope, c: Chrome) -> Result<Response, AppError> {
    store::cares(&scope)?;
    let example = [
        "张桂兰",
        "13709180001",
        "西安市雁塔区电子城街道紫薇花园社区紫薇花园5号楼2单元301",
        "紫薇花园",
        "独居老人、透析",
        "药品、透析接送",
        "每天",
        "13809180002",
        "13809180003",
        "每周二、五透析",
    ];
    let bytes = crate::needs::import::list_template(
        c.lang,
        "care-template-sheet",
        "care-column-help",
        &PLAN_COLUMNS,
        &example,
    )
    .map_err(anyhow::Error::from)?;
    Ok(crate::web::download_as(
        bytes,
        crate::web::XLSX,
        "template.xlsx",
        &c.t("care-template-file"),
    ))
}

fn import_page(c: Chrome) -> ImportPage {
    ImportPage {
        c,
        file: String::new(),
        done: None,
        rejected: Rejected::default(),
        unreadable: String::new(),
        blank: 0,
        unknown: Vec::new(),
        max_rows: PLAN_MAX_ROWS,
        columns: PLAN_COLUMNS
            .iter()
            .map(|(field, names, required)| (*field, names[0], *required))
            .collect(),
    }
}

async fn import_form(scope: Scope, c: Chrome) -> Result<Response, AppError> {
    store::cares(&scope)?;
    Ok(render(&import_page(c))?.into_response())
}

/// A plan list uploaded: all its people taken, or none and every wrong
/// line named.
async fn import(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    store::cares(&scope)?;
    let mut page = import_page(c);
    let (name, table) = crate::web::extract::list_upload(
        &mut multipart,
        PLAN_MAX_ROWS,
        crate::needs::import::MAX_COLUMNS,
    )
    .await?;
    page.file = name;
    let outcome = match table {
        Err(e) => {
            page.unreadable = e.message(page.c.lang);
            None
        }
        Ok(up) => {
            page.blank = up.blank;
            page.unknown = crate::needs::import::unknown_of(&up.headers, &PLAN_COLUMNS);
            match super::model::plan_rows(&up.headers, &up.rows) {
                Err(missing) => Some(Err(Rejected {
                    missing,
                    ..Rejected::default()
                })),
                Ok(rows) => Some(store::import(&state.db, &scope, rows).await?),
            }
        }
    };
    let status = match outcome {
        Some(Ok(done)) => {
            page.done = Some(done);
            StatusCode::OK
        }
        Some(Err(rejected)) => {
            page.rejected = rejected;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        None => StatusCode::UNPROCESSABLE_ENTITY,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "care_plan.html")]
struct PlanPage {
    c: Chrome,
    within: String,
    cov: Coverage,
    rows: Vec<CareRecipient>,
}

async fn plan_rows(
    state: &AppState,
    scope: &Scope,
    within: &str,
) -> Result<(Coverage, Vec<CareRecipient>), AppError> {
    store::cares(scope)?;
    let mut tx = state.db.read().await?;
    let cov = store::coverage(&mut tx, scope, within).await?;
    let mut rows = store::recipients(
        &mut tx,
        scope,
        &RecipientFilter {
            within: within.to_owned(),
            ..RecipientFilter::default()
        },
    )
    .await?;
    rows.sort_by(|a, b| (&a.division_code, a.id).cmp(&(&b.division_code, b.id)));
    Ok((cov, rows))
}

/// The plan an office hands over: who, what they need, who covers them,
/// what is missing — printable.
async fn plan(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(w): Query<Within>,
) -> Result<Response, AppError> {
    let (cov, rows) = plan_rows(&state, &scope, &w.within).await?;
    Ok(render(&PlanPage {
        c,
        within: w.within.trim().to_owned(),
        cov,
        rows,
    })?
    .into_response())
}

async fn plan_xlsx(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(w): Query<Within>,
) -> Result<Response, AppError> {
    let (cov, rows) = plan_rows(&state, &scope, &w.within).await?;
    let bytes = store::plan_xlsx(&rows, c.lang)?;
    let name = format!("{}-{}.xlsx", c.t("care-plan"), cov.total.division_name);
    Ok(crate::web::download_as(
        bytes,
        crate::web::XLSX,
        "plan.xlsx",
        &name,
    ))
}

#[derive(Template)]
#[template(path = "care_mine.html")]
struct MinePage {
    c: Chrome,
    people: Vec<CareRecipient>,
    errors: Invalid,
    notice: String,
    /// The person the notice or errors are about.
    about: i64,
    shown: Option<(i64, String, String)>,
    /// The reader's volunteer id.
    me: i64,
}

impl MinePage {
    fn is_guardian(&self, r: &CareRecipient) -> bool {
        r.guardian.as_ref().map(|g| g.volunteer_id) == Some(self.me)
    }
}

async fn mine_of(state: &AppState, scope: &Scope, c: Chrome) -> Result<MinePage, AppError> {
    let mut tx = state.db.read().await?;
    Ok(MinePage {
        c,
        people: store::mine(&mut tx, scope).await?,
        me: store::me(&mut tx, scope).await?.unwrap_or(0),
        errors: Invalid::default(),
        notice: String::new(),
        about: 0,
        shown: None,
    })
}

async fn mine(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    Ok(render(&mine_of(&state, &scope, c).await?)?.into_response())
}

async fn mine_action(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<ActionForm>,
) -> Result<Response, AppError> {
    let mut shown = None;
    let done: Result<&str, AppError> = match f.action.as_str() {
        "checkin" => store::checkin(&state.db, &scope, id, &checkin_of(&f))
            .await
            .map(|_| "care-checked-in"),
        "reveal" => {
            let field = f.field.trim();
            let r = store::reveal(&state.db, &scope, id, field, &f.reason).await;
            crate::audit::store::refusal(&state.db, &scope, "care_recipient", id, field, r)
                .await
                .map(|v| {
                    shown = Some((id, field.to_owned(), v));
                    ""
                })
        }
        _ => Err(AppError::invalid("action", "err-field")),
    };
    let (status, notice, errors) = match done {
        Ok(n) => (
            StatusCode::OK,
            if n.is_empty() { String::new() } else { c.t(n) },
            Invalid::default(),
        ),
        Err(e) => refusal(e, &c)?,
    };
    let mut p = mine_of(&state, &scope, c).await?;
    p.notice = notice;
    p.errors = errors;
    p.about = id;
    p.shown = shown;
    Ok((status, render(&p)?).into_response())
}

pub fn case_routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(cases_page))
        .route("/cases/new", get(new_case_form).post(open_case))
        .route("/cases/{id}", get(case_page).post(case_action))
        .route("/referrals/{id}", axum::routing::post(answer_referral))
        .route("/crises/{id}", axum::routing::post(answer_crisis))
        .route("/care/teams", get(teams_page).post(teams_action))
        .route("/care/staff", get(staff_page))
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    c: Chrome,
    list: CaseList,
    /// Crises offered to the reader as a care team member.
    offers: Vec<CrisisOffer>,
    notice: String,
    errors: Invalid,
}

async fn cases_of(state: &AppState, scope: &Scope, c: Chrome) -> Result<CasesPage, AppError> {
    let mut tx = state.db.read().await?;
    Ok(CasesPage {
        c,
        list: case_store::cases(&mut tx, scope).await?,
        offers: crisis_store::mine(&mut tx, scope).await?,
        notice: String::new(),
        errors: Invalid::default(),
    })
}

async fn cases_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    Ok(render(&cases_of(&state, &scope, c).await?)?.into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct AnswerForm {
    /// accept | decline
    answer: String,
    reason: String,
    /// A crisis answer recorded from the case's page.
    case_id: String,
}

async fn answer_referral(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<AnswerForm>,
) -> Result<Response, AppError> {
    let a = Answer {
        accept: f.answer == "accept",
        reason: f.reason.clone(),
    };
    match case_store::answer(&state.db, &scope, id, &a).await {
        Ok(r) if a.accept => Ok(Redirect::to(&format!("/cases/{}", r.case_id)).into_response()),
        Ok(_) => {
            let mut p = cases_of(&state, &scope, c).await?;
            p.notice = p.c.t("case-declined");
            Ok(render(&p)?.into_response())
        }
        Err(e) => {
            let (status, message, errors) = refusal(e, &c)?;
            let mut p = cases_of(&state, &scope, c).await?;
            p.notice = message;
            p.errors = errors;
            Ok((status, render(&p)?).into_response())
        }
    }
}

/// A crisis answered: by the member it was offered to (back to their
/// list), or recorded by the case's holder (back to the case).
async fn answer_crisis(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<AnswerForm>,
) -> Result<Response, AppError> {
    let a = CrisisAnswer {
        accept: f.answer == "accept",
        reason: f.reason.clone(),
    };
    let done = crisis_store::answer(&state.db, &scope, id, &a).await;
    let (status, notice, errors) = match done {
        Ok(_) if a.accept => (StatusCode::OK, c.t("crisis-accepted"), Invalid::default()),
        Ok(_) => (StatusCode::OK, c.t("crisis-declined"), Invalid::default()),
        Err(e) => refusal(e, &c)?,
    };
    if let Some(case_id) = number(&f.case_id) {
        let mut p = case_of(&state, &scope, c, case_id).await?;
        p.notice = notice;
        p.errors = errors;
        return Ok((status, render(&p)?).into_response());
    }
    let mut p = cases_of(&state, &scope, c).await?;
    p.notice = notice;
    p.errors = errors;
    Ok((status, render(&p)?).into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct CaseForm {
    category: String,
    risk: String,
    source: String,
    need_id: String,
    recipient_id: String,
    division_code: String,
    person_name: String,
    person_phone: String,
    person_address: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "case_new.html")]
struct NewCasePage {
    c: Chrome,
    form: CaseForm,
    errors: Invalid,
    categories: &'static [CaseCategory],
    risks: &'static [Risk],
    sources: &'static [CaseSource],
}

impl NewCasePage {
    /// Opened from a need or a person's page: the person (and their
    /// community) come from that record when left blank.
    fn carries(&self) -> bool {
        !self.form.need_id.trim().is_empty() || !self.form.recipient_id.trim().is_empty()
    }
}

fn new_case_page(c: Chrome, form: CaseForm, errors: Invalid) -> NewCasePage {
    NewCasePage {
        c,
        form,
        errors,
        categories: CaseCategory::ALL,
        risks: Risk::ALL,
        sources: CaseSource::ALL,
    }
}

/// The form, filled from where the case was found (a person's page, a
/// need, the staff rota).
async fn new_case_form(
    scope: Scope,
    c: Chrome,
    Query(f): Query<CaseForm>,
) -> Result<Response, AppError> {
    store::cares(&scope)?;
    Ok(render(&new_case_page(c, f, Invalid::default()))?.into_response())
}

async fn open_case(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(f): HtmlForm<CaseForm>,
) -> Result<Response, AppError> {
    let n = NewCase {
        category: f.category.clone(),
        risk: f.risk.clone(),
        source: f.source.clone(),
        need_id: number(&f.need_id),
        recipient_id: number(&f.recipient_id),
        division_code: f.division_code.clone(),
        person_name: f.person_name.clone(),
        person_phone: f.person_phone.clone(),
        person_address: f.person_address.clone(),
        summary: f.summary.clone(),
    };
    match case_store::open(&state.db, &scope, &n).await {
        Ok(k) => Ok(Redirect::to(&format!("/cases/{}", k.id)).into_response()),
        Err(e) => {
            let (status, _, errors) = refusal(e, &c)?;
            Ok((status, render(&new_case_page(c, f, errors))?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    c: Chrome,
    d: CaseDetail,
    orgs: Vec<crate::orgs::model::Org>,
    members: Vec<(i64, String)>,
    outcomes: &'static [CaseOutcome],
    errors: Invalid,
    notice: String,
    shown: Option<(String, String)>,
}

async fn case_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
) -> Result<CasePage, AppError> {
    let mut tx = state.db.read().await?;
    let d = case_store::case(&mut tx, scope, id).await?;
    let (orgs, members) = if d.case.holder {
        let orgs = crate::orgs::store::list(&mut tx, scope, Some("approved"), None)
            .await?
            .into_iter()
            .filter(|o| o.id != d.case.org_id)
            .collect();
        let members = team_store::teams(&mut tx, scope)
            .await?
            .into_iter()
            .flat_map(|t| {
                t.members
                    .into_iter()
                    .map(move |m| (m.id, format!("{} · {}", m.name, t.name)))
            })
            .collect();
        (orgs, members)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(CasePage {
        c,
        d,
        orgs,
        members,
        outcomes: CaseOutcome::ALL,
        errors: Invalid::default(),
        notice: String::new(),
        shown: None,
    })
}

async fn case_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(render(&case_of(&state, &scope, c, id).await?)?.into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct CaseActionForm {
    /// note | follow_up | consultation | done | refer | close | reveal
    action: String,
    text: String,
    due_at: String,
    member_id: String,
    note_id: String,
    to_org: String,
    reason: String,
    outcome: String,
    field: String,
}

async fn case_action(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<CaseActionForm>,
) -> Result<Response, AppError> {
    let db = &state.db;
    let mut shown = None;
    let done: Result<&str, AppError> = match f.action.as_str() {
        "note" | "follow_up" | "consultation" => {
            let n = NewNote {
                kind: f.action.clone(),
                text: f.text.clone(),
                due_at: f.due_at.clone(),
                member_id: number(&f.member_id),
            };
            case_store::note(db, &scope, id, &n)
                .await
                .map(|_| "case-noted")
        }
        "done" => case_store::follow_up_done(db, &scope, id, number(&f.note_id).unwrap_or(0))
            .await
            .map(|_| "case-noted"),
        "refer" => {
            let n = NewReferral {
                to_org: number(&f.to_org).unwrap_or(0),
                reason: f.reason.clone(),
            };
            case_store::refer(db, &scope, id, &n)
                .await
                .map(|_| "case-referred")
        }
        "close" => {
            let k = Closing {
                outcome: f.outcome.clone(),
                note: f.text.clone(),
            };
            case_store::close(db, &scope, id, &k)
                .await
                .map(|_| "case-closed")
        }
        "reveal" => {
            let field = f.field.trim();
            let r = case_store::reveal(db, &scope, id, field, &f.reason).await;
            crate::audit::store::refusal(db, &scope, "case", id, field, r)
                .await
                .map(|v| {
                    shown = Some((field.to_owned(), v));
                    ""
                })
        }
        _ => Err(AppError::invalid("action", "err-field")),
    };
    let (status, notice, errors) = match done {
        Ok(n) => (
            StatusCode::OK,
            if n.is_empty() { String::new() } else { c.t(n) },
            Invalid::default(),
        ),
        Err(e) => refusal(e, &c)?,
    };
    let mut p = case_of(&state, &scope, c, id).await?;
    p.notice = notice;
    p.errors = errors;
    p.shown = shown;
    Ok((status, render(&p)?).into_response())
}

#[derive(Template)]
#[template(path = "care_teams.html")]
struct TeamsPage {
    c: Chrome,
    teams: Vec<Team>,
    professions: &'static [Profession],
    /// Zones in force in the reader's area, and their organisation's
    /// accounts that keep cases: what teams and members link to.
    zones: Vec<(i64, String)>,
    accounts: Vec<(i64, String)>,
    errors: Invalid,
    notice: String,
    /// The team a form was sent for (its errors are shown there).
    about: i64,
}

async fn teams_of(state: &AppState, scope: &Scope, c: Chrome) -> Result<TeamsPage, AppError> {
    let mut tx = state.db.read().await?;
    let (zones, accounts) = team_store::linkable(&mut tx, scope).await?;
    Ok(TeamsPage {
        c,
        teams: team_store::teams(&mut tx, scope).await?,
        professions: Profession::ALL,
        zones,
        accounts,
        errors: Invalid::default(),
        notice: String::new(),
        about: 0,
    })
}

async fn teams_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    Ok(render(&teams_of(&state, &scope, c).await?)?.into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct TeamForm {
    /// team | member | on_call
    action: String,
    team_id: String,
    name: String,
    division_code: String,
    cohort: String,
    cohort_kind: String,
    zone_id: String,
    account_id: String,
    profession: String,
    phone: String,
    based: String,
    member_id: String,
    starts_at: String,
    ends_at: String,
}

async fn teams_action(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(f): HtmlForm<TeamForm>,
) -> Result<Response, AppError> {
    let db = &state.db;
    let team = number(&f.team_id).unwrap_or(0);
    let done = match f.action.as_str() {
        "team" => {
            let n = NewTeam {
                name: f.name.clone(),
                division_code: f.division_code.clone(),
                cohort: f.cohort.clone(),
                cohort_kind: f.cohort_kind.clone(),
                zone_id: number(&f.zone_id),
            };
            team_store::create_team(db, &scope, &n).await
        }
        "member" => {
            let n = NewMember {
                name: f.name.clone(),
                profession: f.profession.clone(),
                phone: f.phone.clone(),
                based: f.based.clone(),
                account_id: number(&f.account_id),
            };
            team_store::add_member(db, &scope, team, &n).await
        }
        "on_call" => {
            let n = NewShift {
                member_id: number(&f.member_id).unwrap_or(0),
                starts_at: f.starts_at.clone(),
                ends_at: f.ends_at.clone(),
            };
            team_store::add_shift(db, &scope, team, &n).await
        }
        _ => Err(AppError::invalid("action", "err-field")),
    };
    let (status, notice, errors) = match done {
        Ok(_) => (StatusCode::OK, c.t("team-saved"), Invalid::default()),
        Err(e) => refusal(e, &c)?,
    };
    let mut p = teams_of(&state, &scope, c).await?;
    p.notice = notice;
    p.errors = errors;
    p.about = team;
    Ok((status, render(&p)?).into_response())
}

#[derive(Template)]
#[template(path = "care_staff.html")]
struct StaffPage {
    c: Chrome,
    workers: Vec<Worker>,
    relief_after: i64,
}

async fn staff_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let mut tx = state.db.read().await?;
    Ok(render(&StaffPage {
        c,
        workers: team_store::staff_rota(&mut tx, &scope).await?,
        relief_after: team_store::RELIEF_AFTER_DAYS,
    })?
    .into_response())
}
