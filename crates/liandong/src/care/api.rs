//! JSON API: the care registry, guardians and backups, proposals,
//! check-ins, coverage and its gaps, the guardian's own list.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::NewCase;
use super::model::NewRecipient;
use super::store::cases::{
    self as case_store, Answer, Case, CaseDetail, CaseList, Closing, NewNote, NewReferral, Referral,
};
use super::store::crises::{self as crisis_store, CrisisAnswer, CrisisOffer};
use super::store::schedules::{self as schedule_store, NewSchedule, Schedule};
use super::store::teams::{self as team_store, NewMember, NewShift, NewTeam, Team, Worker};
use super::store::{
    self, Candidate, CareRecipient, Checkin, Coverage, Naming, NewCheckin, RecipientFilter,
};
use crate::access::api::Created;
use crate::access::model::Scope;
use crate::orgs::model::Revealed;
use crate::web::AppState;
use crate::web::error::{AppError, ErrorBody};
use crate::web::extract::{Json, Path, Query};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/care/coverage", get(coverage))
        .route("/api/care/recipients", get(recipients).post(create))
        .route("/api/care/recipients/{id}", get(recipient))
        .route("/api/care/recipients/{id}/guardians", post(name))
        .route("/api/care/recipients/{id}/proposals", get(proposals))
        .route(
            "/api/care/recipients/{id}/checkins",
            get(checkins).post(checkin),
        )
        .route("/api/care/recipients/{id}/reveal", post(reveal))
        .route("/api/care/recipients/{id}/end", post(end))
        .route("/api/care/mine", get(mine))
        .route("/api/cases", get(cases).post(open_case))
        .route("/api/cases/{id}", get(case))
        .route("/api/cases/{id}/notes", post(note))
        .route("/api/cases/{id}/notes/{note}/done", post(follow_up_done))
        .route("/api/cases/{id}/referrals", post(refer))
        .route("/api/cases/{id}/close", post(close))
        .route("/api/cases/{id}/reveal", post(reveal_case))
        .route("/api/referrals/{id}/answer", post(answer))
        .route("/api/care/crises", get(crises))
        .route("/api/care/crises/{id}/answer", post(answer_crisis))
        .route("/api/care/teams", get(teams).post(create_team))
        .route("/api/care/teams/{id}/members", post(add_member))
        .route("/api/care/teams/{id}/on-call", post(add_shift))
        .route("/api/care/staff", get(staff))
        .route(
            "/api/care/recipients/{id}/schedules",
            get(schedules).post(add_schedule),
        )
        .route(
            "/api/care/recipients/{id}/schedules/{schedule}/end",
            post(end_schedule),
        )
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(default)]
pub struct Within {
    /// A division code inside the caller's area ("" for all of it).
    pub within: String,
}

/// Coverage per community, read from the zones and volunteers now: the
/// total, every gap by name (masked for office heads who only watch) and
/// every check-in overdue.
#[utoipa::path(get, path = "/api/care/coverage", tag = "care", params(Within),
    responses((status = 200, body = Coverage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn coverage(
    State(state): State<AppState>,
    scope: Scope,
    Query(w): Query<Within>,
) -> Result<Json<Coverage>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::coverage(&mut tx, &scope, &w.within).await?))
}

/// Recipients of the caller's area (at most 500), gaps and overdue
/// check-ins first; phones and addresses masked.
#[utoipa::path(get, path = "/api/care/recipients", tag = "care", params(RecipientFilter),
    responses((status = 200, body = Vec<CareRecipient>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recipients(
    State(state): State<AppState>,
    scope: Scope,
    Query(f): Query<RecipientFilter>,
) -> Result<Json<Vec<CareRecipient>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::recipients(&mut tx, &scope, &f).await?))
}

/// Register a care recipient; the community is read from the address
/// unless named.
#[utoipa::path(post, path = "/api/care/recipients", tag = "care", request_body = NewRecipient,
    responses((status = 201, body = CareRecipient), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<NewRecipient>,
) -> Result<(StatusCode, Json<CareRecipient>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(store::create(&state.db, &scope, &n).await?),
    ))
}

/// One recipient: to the registry's keepers of the area, or to the
/// volunteers named for them.
#[utoipa::path(get, path = "/api/care/recipients/{id}", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = CareRecipient), (status = 404, body = ErrorBody)))]
pub async fn recipient(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<CareRecipient>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::recipient(&mut tx, &scope, id).await?))
}

/// Name a guardian or backup: a volunteer of the caller's area living in
/// the person's street who can reach them now (409 with the reason when
/// not; 409 when someone else changed them first).
#[utoipa::path(post, path = "/api/care/recipients/{id}/guardians", tag = "care", params(("id" = i64, Path)), request_body = Naming,
    responses((status = 200, body = CareRecipient), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn name(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(n): Json<Naming>,
) -> Result<Json<CareRecipient>, AppError> {
    Ok(Json(store::name(&state.db, &scope, id, &n).await?))
}

/// Who could stand for the person now, best first (a suggestion).
#[utoipa::path(get, path = "/api/care/recipients/{id}/proposals", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Candidate>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn proposals(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Candidate>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::proposals(&mut tx, &scope, id).await?))
}

#[utoipa::path(get, path = "/api/care/recipients/{id}/checkins", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Checkin>), (status = 404, body = ErrorBody)))]
pub async fn checkins(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Checkin>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::checkins(&mut tx, &scope, id).await?))
}

/// Record a call or visit: by the guardian or backup, or the office.
#[utoipa::path(post, path = "/api/care/recipients/{id}/checkins", tag = "care", params(("id" = i64, Path)), request_body = NewCheckin,
    responses((status = 200, body = CareRecipient), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn checkin(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(n): Json<NewCheckin>,
) -> Result<Json<CareRecipient>, AppError> {
    Ok(Json(store::checkin(&state.db, &scope, id, &n).await?))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CareReveal {
    /// phone or address.
    pub field: String,
    pub reason: String,
}

/// Show the phone or address in the clear (the registry's keepers, or
/// the volunteers named); audited with the reason.
#[utoipa::path(post, path = "/api/care/recipients/{id}/reveal", tag = "care", params(("id" = i64, Path)), request_body = CareReveal,
    responses((status = 200, body = Revealed), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<CareReveal>,
) -> Result<Json<Revealed>, AppError> {
    let field = r.field.trim();
    let result = store::reveal(&state.db, &scope, id, field, &r.reason).await;
    let value =
        crate::audit::store::refusal(&state.db, &scope, "care_recipient", id, field, result)
            .await?;
    Ok(Json(Revealed {
        field: field.to_owned(),
        value,
    }))
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct Ending {
    pub reason: String,
}

/// End a record (moved away, in hospital, died), with a reason.
#[utoipa::path(post, path = "/api/care/recipients/{id}/end", tag = "care", params(("id" = i64, Path)), request_body = Ending,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn end(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(e): Json<Ending>,
) -> Result<StatusCode, AppError> {
    store::end(&state.db, &scope, id, &e.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The people the signed-in volunteer guards or backs, due first.
#[utoipa::path(get, path = "/api/care/mine", tag = "care",
    responses((status = 200, body = Vec<CareRecipient>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<CareRecipient>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::mine(&mut tx, &scope).await?))
}

/// The cases the caller sees (their organisation's; the office's view of
/// the area, never domestic violence) and referrals waiting for their
/// organisation's answer.
#[utoipa::path(get, path = "/api/cases", tag = "care",
    responses((status = 200, body = CaseList), (status = 403, body = ErrorBody)))]
pub async fn cases(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<CaseList>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(case_store::cases(&mut tx, &scope).await?))
}

/// Open a case, held by the caller's organisation; a crisis is offered at
/// once to the care team member on call for the area.
#[utoipa::path(post, path = "/api/cases", tag = "care", request_body = NewCase,
    responses((status = 201, body = Case), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open_case(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<NewCase>,
) -> Result<(StatusCode, Json<Case>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(case_store::open(&state.db, &scope, &n).await?),
    ))
}

#[utoipa::path(get, path = "/api/cases/{id}", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn case(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<CaseDetail>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(case_store::case(&mut tx, &scope, id).await?))
}

/// A note, a follow-up with its due time, or a consultation with a care
/// team member (the holder only).
#[utoipa::path(post, path = "/api/cases/{id}/notes", tag = "care", params(("id" = i64, Path)), request_body = NewNote,
    responses((status = 200, body = CaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn note(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(n): Json<NewNote>,
) -> Result<Json<CaseDetail>, AppError> {
    Ok(Json(case_store::note(&state.db, &scope, id, &n).await?))
}

#[utoipa::path(post, path = "/api/cases/{id}/notes/{note}/done", tag = "care", params(("id" = i64, Path), ("note" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn follow_up_done(
    State(state): State<AppState>,
    scope: Scope,
    Path((id, note)): Path<(i64, i64)>,
) -> Result<Json<CaseDetail>, AppError> {
    Ok(Json(
        case_store::follow_up_done(&state.db, &scope, id, note).await?,
    ))
}

/// Refer a case to another organisation; it stays held until accepted.
#[utoipa::path(post, path = "/api/cases/{id}/referrals", tag = "care", params(("id" = i64, Path)), request_body = NewReferral,
    responses((status = 200, body = CaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn refer(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(n): Json<NewReferral>,
) -> Result<Json<CaseDetail>, AppError> {
    Ok(Json(case_store::refer(&state.db, &scope, id, &n).await?))
}

/// Accept a referral (the case moves to the caller's organisation) or
/// decline it with a reason.
#[utoipa::path(post, path = "/api/referrals/{id}/answer", tag = "care", params(("id" = i64, Path)), request_body = Answer,
    responses((status = 200, body = Referral), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(a): Json<Answer>,
) -> Result<Json<Referral>, AppError> {
    Ok(Json(case_store::answer(&state.db, &scope, id, &a).await?))
}

/// Crises offered to the caller as a care team member (their account is
/// the member's): those waiting for an answer first, then the last week's.
#[utoipa::path(get, path = "/api/care/crises", tag = "care",
    responses((status = 200, body = Vec<CrisisOffer>), (status = 401, body = ErrorBody)))]
pub async fn crises(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<CrisisOffer>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(crisis_store::mine(&mut tx, &scope).await?))
}

/// Accept a crisis offered to the caller, or decline it with a reason (it
/// passes to the next member on call). The case's holder may record the
/// answer a member without an account gave by phone.
#[utoipa::path(post, path = "/api/care/crises/{id}/answer", tag = "care", params(("id" = i64, Path)), request_body = CrisisAnswer,
    responses((status = 200, body = CrisisOffer), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer_crisis(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(a): Json<CrisisAnswer>,
) -> Result<Json<CrisisOffer>, AppError> {
    Ok(Json(crisis_store::answer(&state.db, &scope, id, &a).await?))
}

#[utoipa::path(post, path = "/api/cases/{id}/close", tag = "care", params(("id" = i64, Path)), request_body = Closing,
    responses((status = 200, body = CaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(c): Json<Closing>,
) -> Result<Json<CaseDetail>, AppError> {
    Ok(Json(case_store::close(&state.db, &scope, id, &c).await?))
}

/// Show the person's phone or address (person_phone, person_address):
/// the holder only, audited.
#[utoipa::path(post, path = "/api/cases/{id}/reveal", tag = "care", params(("id" = i64, Path)), request_body = CareReveal,
    responses((status = 200, body = Revealed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reveal_case(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<CareReveal>,
) -> Result<Json<Revealed>, AppError> {
    let field = r.field.trim();
    let result = case_store::reveal(&state.db, &scope, id, field, &r.reason).await;
    let value = crate::audit::store::refusal(&state.db, &scope, "case", id, field, result).await?;
    Ok(Json(Revealed {
        field: field.to_owned(),
        value,
    }))
}

/// Care teams serving the caller's area, members and on-call rota.
#[utoipa::path(get, path = "/api/care/teams", tag = "care",
    responses((status = 200, body = Vec<Team>), (status = 403, body = ErrorBody)))]
pub async fn teams(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Team>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(team_store::teams(&mut tx, &scope).await?))
}

#[utoipa::path(post, path = "/api/care/teams", tag = "care", request_body = NewTeam,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_team(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<NewTeam>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    let id = team_store::create_team(&state.db, &scope, &n).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(post, path = "/api/care/teams/{id}/members", tag = "care", params(("id" = i64, Path)), request_body = NewMember,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(n): Json<NewMember>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    let id = team_store::add_member(&state.db, &scope, id, &n).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Put a member on call (at most 48 hours at a stretch).
#[utoipa::path(post, path = "/api/care/teams/{id}/on-call", tag = "care", params(("id" = i64, Path)), request_body = NewShift,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_shift(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(n): Json<NewShift>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    let id = team_store::add_shift(&state.db, &scope, id, &n).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// The staff rota: office staff and caseworkers of the area by days in a
/// row worked, longest first.
#[utoipa::path(get, path = "/api/care/staff", tag = "care",
    responses((status = 200, body = Vec<Worker>), (status = 403, body = ErrorBody)))]
pub async fn staff(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Worker>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(team_store::staff_rota(&mut tx, &scope).await?))
}

/// A recipient's recurring needs (each becomes a need when due).
#[utoipa::path(get, path = "/api/care/recipients/{id}/schedules", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Schedule>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn schedules(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Schedule>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(schedule_store::schedules(&mut tx, &scope, id).await?))
}

/// Add a recurring need: raised as a need of the person's community every
/// so many days, like any other need.
#[utoipa::path(post, path = "/api/care/recipients/{id}/schedules", tag = "care", params(("id" = i64, Path)), request_body = NewSchedule,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_schedule(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(n): Json<NewSchedule>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    let id = schedule_store::add(&state.db, &scope, id, &n).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(post, path = "/api/care/recipients/{id}/schedules/{schedule}/end", tag = "care", params(("id" = i64, Path), ("schedule" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn end_schedule(
    State(state): State<AppState>,
    scope: Scope,
    Path((id, schedule)): Path<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    schedule_store::end(&state.db, &scope, id, schedule).await?;
    Ok(StatusCode::NO_CONTENT)
}
