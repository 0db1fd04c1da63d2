//! JSON API: the proposal for the verified needs in the caller's
//! jurisdiction, its confirmation (the tasks it makes), and open tasks.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};

use super::model::{Confirm, Proposal};
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
