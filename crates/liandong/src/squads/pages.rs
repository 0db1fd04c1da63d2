//! Pages: squads with the movable count and vehicles; one squad (members,
//! leader, what it touched, refusals naming the other squad); the roster
//! with movement; a volunteer's exposure trace (and its xlsx).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::model::{ContactKind, MovableCount, MovementStatus, NewSquad};
use super::store::{
    self, Contact, Member, MyService, NewVehicle, RosterEntry, RosterFilter, Squad, Trace, Vehicle,
};
use crate::access::model::Scope;
use crate::web::error::{AppError, Invalid};
use crate::web::extract::HtmlForm;
use crate::web::{AppState, Chrome, download, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/squads", get(index).post(index_action))
        .route("/squads/{id}", get(squad_page).post(squad_action))
        .route("/volunteers", get(roster_page).post(roster_action))
        .route(
            "/volunteers/{id}/trace",
            get(trace_page).post(mark_positive),
        )
        .route("/volunteers/{id}/trace.xlsx", get(trace_xlsx))
        .route("/service", get(service_page).post(service_action))
}

/// What a refused action says on the page (the other squad named), or the
/// error itself when it is not the caller's to fix.
pub(crate) fn refusal(e: AppError, c: &Chrome) -> Result<(StatusCode, String, Invalid), AppError> {
    match e {
        AppError::Invalid(i) => Ok((StatusCode::UNPROCESSABLE_ENTITY, String::new(), i)),
        AppError::Refused(..) | AppError::Conflict(_) => {
            Ok((StatusCode::CONFLICT, e.message(c.lang), Invalid::default()))
        }
        e => Err(e),
    }
}

#[derive(Template)]
#[template(path = "squads.html")]
struct IndexPage {
    c: Chrome,
    movable: Vec<MovableCount>,
    total: MovableCount,
    squads: Vec<Squad>,
    vehicles: Vec<Vehicle>,
    orgs: Vec<crate::orgs::model::Org>,
    form: IndexForm,
    errors: Invalid,
    notice: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct IndexForm {
    /// "squad" or "vehicle".
    action: String,
    org_id: String,
    division_code: String,
    name: String,
    min_size: String,
    max_size: String,
    plate: String,
    description: String,
    seats: String,
    /// The vehicle form's organisation and division (the squad form has its own).
    v_org_id: String,
    v_division_code: String,
}

async fn index_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    form: IndexForm,
    errors: Invalid,
    notice: String,
) -> Result<IndexPage, AppError> {
    let mut tx = state.db.read().await?;
    let movable = store::movable(&mut tx, scope).await?;
    let mut total = MovableCount::default();
    for m in &movable {
        total.volunteers += m.volunteers;
        total.movable += m.movable;
        total.free += m.free;
        total.pass += m.pass;
        total.stranded += m.stranded;
        total.sealed_in += m.sealed_in;
        total.stood_down += m.stood_down;
    }
    Ok(IndexPage {
        c,
        movable,
        total,
        squads: store::squads(&mut tx, scope).await?,
        vehicles: store::vehicles(&mut tx, scope).await?,
        orgs: crate::orgs::store::list(&mut tx, scope, Some("approved"), None).await?,
        form,
        errors,
        notice,
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
        IndexForm::default(),
        Invalid::default(),
        String::new(),
    )
    .await?;
    Ok(render(&p)?.into_response())
}

/// A number from a form field; blank or unreadable is `None` (the store
/// names the field).
pub(crate) fn number(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

async fn index_action(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(form): HtmlForm<IndexForm>,
) -> Result<Response, AppError> {
    let result = if form.action == "vehicle" {
        store::create_vehicle(
            &state.db,
            &scope,
            &NewVehicle {
                org_id: number(&form.v_org_id).unwrap_or(0),
                division_code: form.v_division_code.clone(),
                plate: form.plate.clone(),
                description: form.description.clone(),
                seats: number(&form.seats).unwrap_or(0),
            },
        )
        .await
        .map(|_| "/squads#vehicles".to_owned())
    } else {
        store::create(
            &state.db,
            &scope,
            &NewSquad {
                org_id: number(&form.org_id).unwrap_or(0),
                division_code: form.division_code.clone(),
                name: form.name.clone(),
                min_size: number(&form.min_size),
                max_size: number(&form.max_size),
            },
        )
        .await
        .map(|s| format!("/squads/{}", s.id))
    };
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e) => {
            let (status, notice, errors) = refusal(e, &c)?;
            let p = index_of(&state, &scope, c, form, errors, notice).await?;
            Ok((status, render(&p)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "squad.html")]
struct SquadPage {
    c: Chrome,
    squad: Squad,
    members: Vec<Member>,
    contacts: Vec<Contact>,
    /// Volunteers of the squad's organisation and area in no squad.
    candidates: Vec<RosterEntry>,
    vehicles: Vec<Vehicle>,
    depots: Vec<crate::supply::model::Depot>,
    gates: Vec<crate::divisions::model::Zone>,
    errors: Invalid,
    notice: String,
    reason: String,
}

impl RosterPage {
    /// The list stopped at its cap: a filter shows the rest.
    fn capped(&self) -> bool {
        self.list.len() >= store::ROSTER_MAX
    }
}

impl SquadPage {
    fn status_key(&self) -> String {
        format!("squad-status-{}", self.squad.status.replace('_', "-"))
    }
}

async fn squad_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
) -> Result<SquadPage, AppError> {
    let mut tx = state.db.read().await?;
    let window = state.settings.exposure_window();
    let squad = store::squad(&mut tx, scope, id).await?;
    let candidates = store::roster(
        &mut tx,
        scope,
        &RosterFilter {
            within: squad.division_code.clone(),
            squad: "none".into(),
            org_id: Some(squad.org_id),
            ..RosterFilter::default()
        },
    )
    .await?
    .into_iter()
    .filter(|v| v.positive_at.is_none())
    .collect();
    let gates = crate::divisions::store::list(&mut tx, scope, "", true)
        .await?
        .into_iter()
        .filter(|z| z.level == "sealed")
        .collect();
    Ok(SquadPage {
        c,
        members: store::members(&mut tx, scope, id).await?,
        contacts: store::contacts(&mut tx, scope, window, id).await?,
        candidates,
        vehicles: store::vehicles(&mut tx, scope).await?,
        depots: crate::supply::store::depots(&mut tx, scope).await?,
        gates,
        squad,
        errors: Invalid::default(),
        notice: String::new(),
        reason: String::new(),
    })
}

async fn squad_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(render(&squad_of(&state, &scope, c, id).await?)?.into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct SquadForm {
    /// join, leave, lead, touch, release.
    action: String,
    volunteer_id: String,
    /// `kind:id` of what the squad uses.
    target: String,
    reason: String,
    capacity: String,
}

async fn squad_action(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<SquadForm>,
) -> Result<Response, AppError> {
    let window = state.settings.exposure_window();
    let volunteer = number(&f.volunteer_id).unwrap_or(0);
    let result = match f.action.as_str() {
        "join" => store::join(&state.db, &scope, window, id, volunteer)
            .await
            .map(|_| ()),
        "leave" => store::leave(&state.db, &scope, id, volunteer, &f.reason)
            .await
            .map(|_| ()),
        "lead" => store::lead(&state.db, &scope, id, volunteer)
            .await
            .map(|_| ()),
        "release" => store::release(&state.db, &scope, id, &f.reason)
            .await
            .map(|_| ()),
        "disband" => store::disband(&state.db, &scope, id, &f.reason)
            .await
            .map(|_| ()),
        "capacity" => match number(&f.capacity) {
            Some(n) => store::set_capacity(&state.db, &scope, id, n)
                .await
                .map(|_| ()),
            None => Err(AppError::invalid("capacity", "err-squad-capacity")),
        },
        "touch" => {
            let parsed = f
                .target
                .split_once(':')
                .and_then(|(k, t)| Some((ContactKind::parse(k)?, t.parse::<i64>().ok()?)));
            match parsed {
                Some((kind, target)) => store::touch(&state.db, &scope, window, id, kind, target)
                    .await
                    .map(|_| ()),
                None => Err(AppError::invalid("target", "err-contact-target")),
            }
        }
        _ => Err(AppError::invalid("action", "err-action")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/squads/{id}")).into_response()),
        Err(e) => {
            let (status, notice, errors) = refusal(e, &c)?;
            let mut p = squad_of(&state, &scope, c, id).await?;
            p.notice = notice;
            p.errors = errors;
            p.reason = f.reason;
            Ok((status, render(&p)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterPage {
    c: Chrome,
    list: Vec<RosterEntry>,
    filter: RosterFilter,
    movements: Vec<&'static str>,
    tasks: Vec<&'static str>,
    errors: Invalid,
    notice: String,
}

async fn roster_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    filter: RosterFilter,
) -> Result<RosterPage, AppError> {
    let mut tx = state.db.read().await?;
    let (list, errors) = match store::roster(&mut tx, scope, &filter).await {
        Ok(l) => (l, Invalid::default()),
        Err(AppError::Invalid(e)) => (Vec::new(), e),
        Err(e) => return Err(e),
    };
    Ok(RosterPage {
        c,
        list,
        filter,
        movements: MovementStatus::ALL.iter().map(|m| m.as_str()).collect(),
        tasks: crate::training::model::TaskKind::ALL
            .iter()
            .map(|t| t.as_str())
            .collect(),
        errors,
        notice: String::new(),
    })
}

async fn roster_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    axum::extract::Query(f): axum::extract::Query<RosterFilter>,
) -> Result<Response, AppError> {
    let p = roster_of(&state, &scope, c, f).await?;
    let status = if p.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&p)?).into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct MovementForm {
    volunteer_id: String,
    movement: String,
    reason: String,
    /// The filters the page was showing (kept after the change).
    within: String,
    #[serde(rename = "filter_movement")]
    shown_movement: String,
    q: String,
}

async fn roster_action(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(f): HtmlForm<MovementForm>,
) -> Result<Response, AppError> {
    let result = match MovementStatus::parse(f.movement.trim()) {
        Some(m) => {
            store::set_movement(
                &state.db,
                &scope,
                number(&f.volunteer_id).unwrap_or(0),
                m,
                &f.reason,
            )
            .await
        }
        None => Err(AppError::invalid("movement", "err-movement")),
    };
    let filter = RosterFilter {
        within: f.within.clone(),
        movement: f.shown_movement.clone(),
        q: f.q.clone(),
        ..RosterFilter::default()
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/volunteers?within={}&movement={}&q={}",
            crate::web::form_urlencoded_component(f.within.trim()),
            crate::web::form_urlencoded_component(f.shown_movement.trim()),
            crate::web::form_urlencoded_component(f.q.trim())
        ))
        .into_response()),
        Err(e) => {
            let (status, notice, errors) = refusal(e, &c)?;
            let mut p = roster_of(&state, &scope, c, filter).await?;
            p.errors = errors;
            p.notice = notice;
            Ok((status, render(&p)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "trace.html")]
struct TracePage {
    c: Chrome,
    volunteer_id: i64,
    /// Who is being marked, and the squad that will stand down.
    name: String,
    squad: String,
    trace: Option<Trace>,
    errors: Invalid,
    notice: String,
    at: String,
    reason: String,
}

async fn trace_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
) -> Result<TracePage, AppError> {
    let mut tx = state.db.read().await?;
    let trace = match store::trace(&mut tx, scope, state.settings.exposure_window(), id).await {
        Ok(t) => Some(t),
        Err(AppError::Conflict("err-volunteer-not-positive")) => None,
        Err(e) => return Err(e),
    };
    let (name, squad) = store::brief(&mut tx, scope, id).await?;
    let now = crate::db::now().to_offset(time::macros::offset!(+8));
    Ok(TracePage {
        c,
        volunteer_id: id,
        name,
        squad,
        trace,
        errors: Invalid::default(),
        notice: String::new(),
        at: now
            .format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]"
            ))
            .unwrap_or_default(),
        reason: String::new(),
    })
}

async fn trace_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(render(&trace_of(&state, &scope, c, id).await?)?.into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct PositiveForm {
    /// The local time the test was taken (Beijing, from a datetime-local).
    at: String,
    reason: String,
    /// The confirmation box: marking stands a squad down at once.
    confirm: String,
    /// "recovered" (a negative test clears the mark); else marking.
    action: String,
}

async fn mark_positive(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<PositiveForm>,
) -> Result<Response, AppError> {
    let at = time::PrimitiveDateTime::parse(
        f.at.trim(),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    )
    .map(|t| t.assume_offset(time::macros::offset!(+8)));
    let result = match at {
        _ if f.action == "recovered" => store::recovered(&state.db, &scope, id, &f.reason).await,
        _ if f.confirm != "yes" => Err(AppError::invalid("confirm", "err-positive-confirm")),
        Ok(at) => store::mark_positive(
            &state.db,
            &scope,
            state.settings.exposure_window(),
            id,
            at,
            &f.reason,
        )
        .await
        .map(|_| ()),
        Err(_) => Err(AppError::invalid("at", "err-positive-at")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/volunteers/{id}/trace")).into_response()),
        Err(e) => {
            let (status, notice, errors) = refusal(e, &c)?;
            let mut p = trace_of(&state, &scope, c, id).await?;
            p.errors = errors;
            p.notice = notice;
            p.at = f.at;
            p.reason = f.reason;
            Ok((status, render(&p)?).into_response())
        }
    }
}

async fn trace_xlsx(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let mut tx = state.db.read().await?;
    let t = store::trace(&mut tx, &scope, state.settings.exposure_window(), id).await?;
    let body = store::trace_xlsx(&t, c.lang)?;
    Ok(download(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("trace-{id}.xlsx"),
    ))
}

#[derive(Template)]
#[template(path = "service.html")]
struct ServicePage {
    c: Chrome,
    /// None: no volunteer record is linked to this account.
    me: Option<MyService>,
    record: Option<crate::training::store::ServiceRecord>,
    /// Sessions they may take, and whether they hold a seat.
    open: Vec<(crate::training::store::Training, bool)>,
    notice: String,
}

impl ServicePage {
    fn hours(&self, minutes: &i64) -> String {
        crate::training::model::hours(*minutes)
    }
}

/// The volunteer's own page: the squad side and the record side.
async fn service_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    notice: String,
) -> Result<ServicePage, AppError> {
    let mut tx = state.db.read().await?;
    let me = match store::mine(&mut tx, scope, state.settings.exposure_window()).await {
        Ok(m) => Some(m),
        Err(AppError::NotFound) => None,
        Err(e) => return Err(e),
    };
    let (record, open) = if me.is_some() {
        (
            Some(crate::training::store::my_service(&mut tx, scope).await?),
            crate::training::store::open_trainings(&mut tx, scope).await?,
        )
    } else {
        (None, Vec::new())
    };
    Ok(ServicePage {
        c,
        me,
        record,
        open,
        notice,
    })
}

/// The volunteer's page answering a refused action of theirs, with why.
pub(crate) async fn service_refused(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    e: AppError,
) -> Result<Response, AppError> {
    let (status, notice, _) = refusal(e, &c)?;
    let p = service_of(state, scope, c, notice).await?;
    Ok((status, render(&p)?).into_response())
}

/// The volunteer's own page, phone first: can I go out, am I taking work,
/// my squad and teammates, what our squad touched; my duty, trainings,
/// credentials, hours and feedback.
async fn service_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    Ok(render(&service_of(&state, &scope, c, String::new()).await?)?.into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ServiceForm {
    /// "yes" or "no".
    available: String,
}

async fn service_action(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(f): HtmlForm<ServiceForm>,
) -> Result<Response, AppError> {
    match store::set_available(&state.db, &scope, f.available == "yes").await {
        Ok(()) => Ok(Redirect::to("/service").into_response()),
        Err(e) => service_refused(&state, &scope, c, e).await,
    }
}
