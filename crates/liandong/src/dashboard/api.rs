//! JSON API: the dashboard.

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::model::Dashboard;
use super::store;
use crate::access::model::Scope;
use crate::web::AppState;
use crate::web::error::{AppError, ErrorBody};
use crate::web::extract::Json;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/dashboard", get(dashboard))
}

#[utoipa::path(get, path = "/api/dashboard", tag = "dashboard",
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Dashboard>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::dashboard(&mut tx, &scope).await?))
}
