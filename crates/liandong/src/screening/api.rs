//! JSON API: screening lists and their reports, the subjects a street
//! holds (masked), one subject with its sources, an audited reveal. Lists
//! are sent as files through the page or the command line.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::Serialize;
use utoipa::ToSchema;

use super::store::{
    self, CallEnd, List, Report, ScreeningCall, Subject, SubjectDetail, SubjectFilter,
    SubjectReveal,
};
use crate::access::model::Scope;
use crate::web::AppState;
use crate::web::error::{AppError, ErrorBody};
use crate::web::extract::{Json, Path, Query};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/screening/lists", get(lists))
        .route("/api/screening/lists/{id}", get(list))
        .route("/api/screening/subjects", get(subjects))
        .route("/api/screening/subjects/{id}", get(subject))
        .route("/api/screening/subjects/{id}/reveal", post(reveal))
        .route("/api/screening/worklist", get(worklist))
        .route("/api/screening/handover", get(handover))
        .route("/api/screening/subjects/{id}/transfer", post(offer))
        .route("/api/screening/transfers", get(transfers))
        .route("/api/screening/transfers/{id}/answer", post(answer))
        .route("/api/screening/orphans", get(orphans))
        .route("/api/screening/seat", axum::routing::put(set_seat))
        .route("/api/screening/subjects/{id}/calls", post(start_call))
        .route("/api/screening/calls/{id}/end", post(end_call))
        .route("/api/screening/shifts", get(shifts).post(add_to_shift))
        .route(
            "/api/screening/shifts/{id}",
            axum::routing::delete(remove_from_shift),
        )
}

#[utoipa::path(get, path = "/api/screening/lists", tag = "screening",
    responses((status = 200, body = Vec<List>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn lists(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<List>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::lists(&mut tx, &scope).await?))
}

/// What became of a list: counts, the refused rows by line and field, the
/// unlocated people dealt among streets.
#[utoipa::path(get, path = "/api/screening/lists/{id}", tag = "screening", params(("id" = i64, Path)),
    responses((status = 200, body = Report), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Report>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::report(&mut tx, &scope, id).await?))
}

#[utoipa::path(get, path = "/api/screening/subjects", tag = "screening", params(SubjectFilter),
    responses((status = 200, body = Vec<Subject>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn subjects(
    State(state): State<AppState>,
    scope: Scope,
    Query(f): Query<SubjectFilter>,
) -> Result<Json<Vec<Subject>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::subjects(&state.db, &mut tx, &scope, &f).await?))
}

#[utoipa::path(get, path = "/api/screening/subjects/{id}", tag = "screening", params(("id" = i64, Path)),
    responses((status = 200, body = SubjectDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn subject(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<SubjectDetail>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::subject(&state.db, &mut tx, &scope, id).await?))
}

/// One personal field in the clear, with a reason (written to the audit).
#[utoipa::path(post, path = "/api/screening/subjects/{id}/reveal", tag = "screening", params(("id" = i64, Path)), request_body = SubjectReveal,
    responses((status = 200, body = crate::orgs::model::Revealed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<SubjectReveal>,
) -> Result<Json<crate::orgs::model::Revealed>, AppError> {
    Ok(Json(crate::orgs::model::Revealed {
        value: store::reveal(&state.db, &scope, id, &r).await?,
        field: r.field.trim().to_owned(),
    }))
}

#[utoipa::path(get, path = "/api/screening/worklist", tag = "screening",
    responses((status = 200, body = Vec<Subject>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn worklist(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Subject>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::worklist(&state.db, &mut tx, &scope).await?))
}

#[derive(Debug, Clone, serde::Deserialize, Serialize, ToSchema)]
pub struct CallerSeat {
    /// The number this caller dials from.
    pub phone: String,
}

/// Set the number this caller dials from (residents check calls by it).
#[utoipa::path(put, path = "/api/screening/seat", tag = "screening", request_body = CallerSeat,
    responses((status = 200, body = CallerSeat), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_seat(
    State(state): State<AppState>,
    scope: Scope,
    Json(s): Json<CallerSeat>,
) -> Result<Json<CallerSeat>, AppError> {
    Ok(Json(CallerSeat {
        phone: store::set_seat(&state.db, &scope, &s.phone).await?,
    }))
}

/// Begin a call: the subject is held by this caller, the number to dial
/// and the code to read out are given (409 names who holds it).
#[utoipa::path(post, path = "/api/screening/subjects/{id}/calls", tag = "screening", params(("id" = i64, Path)),
    responses((status = 201, body = ScreeningCall), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start_call(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<(axum::http::StatusCode, Json<ScreeningCall>), AppError> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(store::start_call(&state.db, &scope, id).await?),
    ))
}

/// Say how a call went; the subject moves on as the outcome says.
#[utoipa::path(post, path = "/api/screening/calls/{id}/end", tag = "screening", params(("id" = i64, Path)), request_body = CallEnd,
    responses((status = 200, body = Subject), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn end_call(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(e): Json<CallEnd>,
) -> Result<Json<Subject>, AppError> {
    Ok(Json(store::end_call(&state.db, &scope, id, &e).await?))
}

/// What the next shift must know, made from the records.
#[utoipa::path(get, path = "/api/screening/handover", tag = "screening",
    responses((status = 200, body = store::Handover), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn handover(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<store::Handover>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::handover(&state.db, &mut tx, &scope).await?))
}

/// Hand a subject to the office that owns them (the receiving office sees
/// it from now, and answers).
#[utoipa::path(post, path = "/api/screening/subjects/{id}/transfer", tag = "screening", params(("id" = i64, Path)), request_body = store::NewTransfer,
    responses((status = 201, body = store::Transfer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn offer(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(n): Json<store::NewTransfer>,
) -> Result<(axum::http::StatusCode, Json<store::Transfer>), AppError> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(store::offer(&state.db, &scope, id, &n).await?),
    ))
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Direction {
    /// "in": offered to the caller's area; anything else: offered by it.
    #[serde(default)]
    pub direction: String,
}

#[utoipa::path(get, path = "/api/screening/transfers", tag = "screening", params(Direction),
    responses((status = 200, body = Vec<store::Transfer>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn transfers(
    State(state): State<AppState>,
    scope: Scope,
    Query(d): Query<Direction>,
) -> Result<Json<Vec<store::Transfer>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(
        store::transfers(&mut tx, &scope, d.direction.trim() == "in").await?,
    ))
}

/// Accept a transfer (the subject is the caller's office's from now) or
/// decline it with why.
#[utoipa::path(post, path = "/api/screening/transfers/{id}/answer", tag = "screening", params(("id" = i64, Path)), request_body = store::TransferAnswer,
    responses((status = 200, body = store::Transfer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(a): Json<store::TransferAnswer>,
) -> Result<Json<store::Transfer>, AppError> {
    Ok(Json(store::answer(&state.db, &scope, id, &a).await?))
}

/// Subjects nobody holds, among the caller's area's: none, or named.
#[utoipa::path(get, path = "/api/screening/orphans", tag = "screening",
    responses((status = 200, body = Vec<Subject>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn orphans(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Subject>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::orphans(&state.db, &mut tx, &scope).await?))
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterDay {
    /// YYYY-MM-DD (Beijing); today by default; yesterday to 7 days ahead.
    #[serde(default)]
    pub day: String,
}

/// Who works which shift of a day at which seat, in the caller's area.
#[utoipa::path(get, path = "/api/screening/shifts", tag = "screening", params(RosterDay),
    responses((status = 200, body = Vec<store::OnShift>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn shifts(
    State(state): State<AppState>,
    scope: Scope,
    Query(d): Query<RosterDay>,
) -> Result<Json<Vec<store::OnShift>>, AppError> {
    let day = store::roster_day(&d.day)?;
    let mut tx = state.db.read().await?;
    Ok(Json(store::roster(&mut tx, &scope, day).await?))
}

/// Put someone of the caller's area on a shift at a seat.
#[utoipa::path(post, path = "/api/screening/shifts", tag = "screening", request_body = store::NewOnShift,
    responses((status = 201, body = store::OnShift), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_to_shift(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<store::NewOnShift>,
) -> Result<(axum::http::StatusCode, Json<store::OnShift>), AppError> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(store::add_to_shift(&state.db, &scope, &n).await?),
    ))
}

/// Take someone off a shift.
#[utoipa::path(delete, path = "/api/screening/shifts/{id}", tag = "screening", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_from_shift(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<axum::http::StatusCode, AppError> {
    store::remove_from_shift(&state.db, &scope, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
