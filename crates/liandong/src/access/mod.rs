//! Accounts, roles, sign-in, sessions and the caller's `Scope`.
pub mod api;
pub mod model;
pub mod pages;
pub mod password;
pub mod session_store;
pub mod store;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use crate::web::error::AppError;
use crate::web::{AppState, client_ip};
use model::Scope;
use session_store::ACCOUNT_KEY;

/// The caller's `Scope`, made once per request from the session's account.
impl FromRequestParts<AppState> for Scope {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Scope, AppError> {
        if let Some(scope) = parts.extensions.get::<Scope>() {
            return Ok(scope.clone());
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| AppError::Internal(anyhow::anyhow!(msg)))?;
        let id: Option<i64> = session
            .get(ACCOUNT_KEY)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let id = id.ok_or(AppError::Unauthorized)?;
        let mut tx = state.db.read_one().await?;
        let scope = crate::access::store::scope_for(&mut tx, id, &client_ip(parts))
            .await?
            .ok_or(AppError::Unauthorized)?;
        parts.extensions.insert(scope.clone());
        Ok(scope)
    }
}
