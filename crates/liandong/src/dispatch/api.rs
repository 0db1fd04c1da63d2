//! JSON API: the proposal for the verified needs in the caller's
//! jurisdiction, its confirmation (the tasks it makes), open tasks and the
//! live board; a squad's legs, its steps, the recipient at the door, the
//! leader's debrief.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};

use super::model::{Confirm, Debrief, Proposal, Received, StepInput};
use super::store::field::{self, Board, FieldLeg, MyLegs, Recipient};
use super::store::{self, Task};
use crate::access::model::Scope;
use crate::web::AppState;
use crate::web::error::{AppError, ErrorBody};
use crate::web::extract::{Json, Path};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/dispatch/proposal", get(proposal))
        .route("/api/dispatch/confirm", post(confirm))
        .route("/api/tasks", get(tasks))
        .route("/api/tasks/{id}", get(task))
        .route("/api/dispatch/board", get(board))
        .route("/api/field", get(mine))
        .route("/api/field/legs/{id}/step", post(step))
        .route("/api/field/legs/{id}/reveal", post(reveal))
        .route("/api/field/legs/{id}/debrief", post(debrief))
        .route("/api/needs/{id}/received", post(received))
}

/// What the matching would do now with the verified needs in the caller's
/// jurisdiction: squads per leg with the cost and the next best, goods per
/// depot, and every need left out with its reason. Nothing is written.
#[utoipa::path(get, path = "/api/dispatch/proposal", tag = "dispatch",
    responses((status = 200, body = Proposal), (status = 403, body = ErrorBody)))]
pub async fn proposal(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Proposal>, AppError> {
    let mut tx = state.db.read().await?;
    let window = state.settings.exposure_window();
    Ok(Json(store::propose(&mut tx, &scope, window).await?))
}

/// Make the tasks of the lines kept (as proposed or edited), all or none.
#[utoipa::path(post, path = "/api/dispatch/confirm", tag = "dispatch", request_body = Confirm,
    responses((status = 201, body = Vec<Task>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "A squad named is not in the caller's area"),
        (status = 409, body = ErrorBody, description = "A need moved meanwhile, a squad is full, stood down or would meet another (named)"),
        (status = 422, body = ErrorBody, description = "A line is malformed, or a depot has less than asked (what is left is said)")))]
pub async fn confirm(
    State(state): State<AppState>,
    scope: Scope,
    Json(c): Json<Confirm>,
) -> Result<(StatusCode, Json<Vec<Task>>), AppError> {
    let window = state.settings.exposure_window();
    Ok((
        StatusCode::CREATED,
        Json(store::confirm(&state.db, &scope, window, &c).await?),
    ))
}

#[utoipa::path(get, path = "/api/tasks", tag = "dispatch",
    responses((status = 200, body = Vec<Task>), (status = 403, body = ErrorBody)))]
pub async fn tasks(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Task>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::tasks(&mut tx, &scope).await?))
}

#[utoipa::path(get, path = "/api/tasks/{id}", tag = "dispatch", params(("id" = i64, Path)),
    responses((status = 200, body = Task), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn task(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Task>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::task(&mut tx, &scope, id).await?))
}

/// Every squad out or about to go in the caller's jurisdiction, where it
/// is in its task; alarms (a step late, a squad overdue home) first.
#[utoipa::path(get, path = "/api/dispatch/board", tag = "dispatch",
    responses((status = 200, body = Board), (status = 403, body = ErrorBody)))]
pub async fn board(State(state): State<AppState>, scope: Scope) -> Result<Json<Board>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(field::board(&mut tx, &scope).await?))
}

/// The signed-in volunteer's squad and its legs.
#[utoipa::path(get, path = "/api/field", tag = "dispatch",
    responses((status = 200, body = MyLegs), (status = 404, body = ErrorBody, description = "No volunteer record linked to the account")))]
pub async fn mine(State(state): State<AppState>, scope: Scope) -> Result<Json<MyLegs>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(field::mine(&mut tx, &scope).await?))
}

/// A step on one of my squad's legs (the same step again answers as the
/// first did).
#[utoipa::path(post, path = "/api/field/legs/{id}/step", tag = "dispatch", params(("id" = i64, Path)),
    request_body = StepInput,
    responses((status = 200, body = FieldLeg), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Not a step from here, the goods not at the gate yet, the task ended, or not the leader's"),
        (status = 422, body = ErrorBody, description = "The requester's code missing or wrong, a decline without its reason")))]
pub async fn step(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(input): Json<StepInput>,
) -> Result<Json<FieldLeg>, AppError> {
    Ok(Json(field::step(&state.db, &scope, id, &input).await?))
}

/// The recipient's name, phone and address, to the squad going to the
/// door (audited).
#[utoipa::path(post, path = "/api/field/legs/{id}/reveal", tag = "dispatch", params(("id" = i64, Path)),
    responses((status = 200, body = Recipient), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The leg ends at the gate, or is not on its way")))]
pub async fn reveal(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Recipient>, AppError> {
    Ok(Json(field::reveal(&state.db, &scope, id).await?))
}

/// The squad leader's debrief of a leg done.
#[utoipa::path(post, path = "/api/field/legs/{id}/debrief", tag = "dispatch", params(("id" = i64, Path)),
    request_body = Debrief,
    responses((status = 200, body = FieldLeg), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn debrief(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(d): Json<Debrief>,
) -> Result<Json<FieldLeg>, AppError> {
    Ok(Json(field::debrief(&state.db, &scope, id, &d).await?))
}

/// The requester's word on what arrived, taken by phone: all or part
/// confirms the delivery (and closes a delivered need whose squads are
/// home); nothing raises the need's flag. On the need's timeline.
#[utoipa::path(post, path = "/api/needs/{id}/received", tag = "dispatch", params(("id" = i64, Path)),
    request_body = Received,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Nothing has left for the need yet"),
        (status = 422, body = ErrorBody)))]
pub async fn received(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<Received>,
) -> Result<StatusCode, AppError> {
    field::received(&state.db, Some(&scope), scope.ip(), id, &r).await?;
    Ok(StatusCode::NO_CONTENT)
}
