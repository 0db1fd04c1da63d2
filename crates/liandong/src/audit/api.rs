//! JSON API: the audit log and its CSV export.

use crate::web::extract::Json;
use crate::web::extract::Query;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::model::{AuditFilter, Event};
use super::{events_csv, store};
use crate::access::model::Scope;
use crate::web::AppState;
use crate::web::error::{AppError, ErrorBody};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/audit", get(list))
        .route("/api/audit.csv", get(export))
}

#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditFilter),
    responses((status = 200, body = Vec<Event>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    scope: Scope,
    Query(f): Query<AuditFilter>,
) -> Result<Json<Vec<Event>>, AppError> {
    if !scope.role().administers() {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.read().await?;
    Ok(Json(store::list(&mut tx, &scope, &f).await?))
}

#[utoipa::path(get, path = "/api/audit.csv", tag = "audit", params(AuditFilter),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    scope: Scope,
    Query(mut f): Query<AuditFilter>,
) -> Result<Response, AppError> {
    if !scope.role().administers() {
        return Err(AppError::Forbidden);
    }
    f.limit = Some(f.limit.unwrap_or(1000));
    let mut tx = state.db.read().await?;
    let events = store::list(&mut tx, &scope, &f).await?;
    let body = events_csv(&events)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
