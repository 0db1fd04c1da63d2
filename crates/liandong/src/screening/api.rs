//! JSON API: screening lists and their reports, the subjects a street
//! holds (masked), one subject with its sources, an audited reveal. Lists
//! are sent as files through the page or the command line.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::Serialize;
use utoipa::ToSchema;

use super::store::{self, List, Report, Subject, SubjectDetail, SubjectFilter, SubjectReveal};
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revealed {
    pub value: String,
}

/// One personal field in the clear, with a reason (written to the audit).
#[utoipa::path(post, path = "/api/screening/subjects/{id}/reveal", tag = "screening", params(("id" = i64, Path)), request_body = SubjectReveal,
    responses((status = 200, body = Revealed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<SubjectReveal>,
) -> Result<Json<Revealed>, AppError> {
    Ok(Json(Revealed {
        value: store::reveal(&state.db, &scope, id, &r).await?,
    }))
}
