//! JSON API: sign in and out, the caller, accounts.

use crate::web::extract::Json;
use crate::web::extract::Path;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::ToSchema;

use super::model::{Role, Scope};
use super::session_store::ACCOUNT_KEY;
use super::store::{self, Account, AccountAction, AccountEdit, NewAccount};
use crate::web::error::{AppError, ErrorBody};
use crate::web::{AppState, ClientIp};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/session", post(sign_in).delete(sign_out))
        .route("/api/me", get(me))
        .route("/api/me/password", post(change_password))
        .route("/api/accounts", get(list_accounts).post(create_account))
        .route("/api/accounts/{id}", get(account).put(edit_account))
        .route("/api/accounts/{id}/disable", post(disable_account))
        .route("/api/accounts/{id}/enable", post(enable_account))
        .route("/api/accounts/{id}/unlock", post(unlock_account))
        .route("/api/accounts/{id}/password-reset", post(reset_password))
}

#[derive(Deserialize, ToSchema)]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

/// The signed-in caller.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: i64,
    /// Division code of the jurisdiction ("" = whole country).
    pub jurisdiction_code: String,
    pub jurisdiction_name: String,
}

impl From<&Scope> for Me {
    fn from(s: &Scope) -> Me {
        Me {
            id: s.account_id(),
            username: s.username().to_owned(),
            display_name: s.display_name().to_owned(),
            role: s.role(),
            org_id: s.org_id(),
            jurisdiction_code: s.jurisdiction().to_owned(),
            jurisdiction_name: crate::orgs::model::division_name(s.jurisdiction()),
        }
    }
}

/// Sign in with the caller's peer address counted against the limit.
pub async fn do_sign_in(
    state: &AppState,
    session: &Session,
    ip: &str,
    username: &str,
    password: &str,
) -> Result<i64, AppError> {
    // Only failures count: an office behind one gateway signs in freely.
    let key = crate::web::limit_key(ip);
    if state.login_limiter.is_over(&key) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let id = match store::sign_in(&state.db, username, password, ip).await {
        Ok(id) => id,
        Err(e) => {
            if matches!(e, AppError::Invalid(_)) {
                state.login_limiter.allow(&key);
            }
            return Err(e);
        }
    };
    // A new id on privilege change: a planted session id is worth nothing.
    session
        .cycle_id()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    session
        .insert(ACCOUNT_KEY, id)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(id)
}

#[utoipa::path(post, path = "/api/session", tag = "access", request_body = SignIn,
    responses((status = 200, body = Me), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    Json(body): Json<SignIn>,
) -> Result<Json<Me>, AppError> {
    let id = do_sign_in(&state, &session, &ip, &body.username, &body.password).await?;
    let mut tx = state.db.read().await?;
    let scope = store::scope_for(&mut tx, id, &ip)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(Json(Me::from(&scope)))
}

#[utoipa::path(delete, path = "/api/session", tag = "access", responses((status = 204)))]
pub async fn sign_out(session: Session) -> Result<StatusCode, AppError> {
    session
        .flush()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/me", tag = "access",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(scope: Scope) -> Json<Me> {
    Json(Me::from(&scope))
}

#[derive(Deserialize, ToSchema)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

#[utoipa::path(post, path = "/api/me/password", tag = "access", request_body = ChangePassword,
    responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    scope: Scope,
    session: Session,
    Json(body): Json<ChangePassword>,
) -> Result<StatusCode, AppError> {
    store::change_password(
        &state.db,
        &scope,
        &body.current_password,
        &body.new_password,
        session.id().as_ref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/accounts", tag = "access",
    responses((status = 200, body = Vec<Account>), (status = 403, body = ErrorBody)))]
pub async fn list_accounts(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Account>>, AppError> {
    if !scope.role().administers() {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.read().await?;
    Ok(Json(store::list(&mut tx, &scope).await?))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/accounts", tag = "access", request_body = NewAccount,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_account(
    State(state): State<AppState>,
    scope: Scope,
    Json(body): Json<NewAccount>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    if !scope.role().administers() {
        return Err(AppError::Forbidden);
    }
    let id = store::create(&state.db, Some(&scope), &body).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(get, path = "/api/accounts/{id}", tag = "access", params(("id" = i64, Path)),
    responses((status = 200, body = Account), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn account(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Account>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::get(&mut tx, &scope, id).await?))
}

/// Change an account's display name, role, organisation or jurisdiction.
/// A new role or jurisdiction ends the account's sessions.
#[utoipa::path(put, path = "/api/accounts/{id}", tag = "access", params(("id" = i64, Path)), request_body = AccountEdit,
    responses((status = 200, body = Account), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_account(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(body): Json<AccountEdit>,
) -> Result<Json<Account>, AppError> {
    Ok(Json(store::edit(&state.db, &scope, id, &body).await?))
}

/// Disable an account: it cannot sign in and every session ends now.
#[utoipa::path(post, path = "/api/accounts/{id}/disable", tag = "access", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn disable_account(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    store::act(&state.db, &scope, id, AccountAction::Disable).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/accounts/{id}/enable", tag = "access", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn enable_account(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    store::act(&state.db, &scope, id, AccountAction::Enable).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Forget an account's failed sign-ins from every client.
#[utoipa::path(post, path = "/api/accounts/{id}/unlock", tag = "access", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unlock_account(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    store::act(&state.db, &scope, id, AccountAction::Unlock).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A first-time password, shown once.
#[derive(Serialize, ToSchema)]
pub struct NewPassword {
    pub password: String,
}

/// Give an account a new first-time password (shown once, here); every
/// session of the account ends.
#[utoipa::path(post, path = "/api/accounts/{id}/password-reset", tag = "access", params(("id" = i64, Path)),
    responses((status = 200, body = NewPassword), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<NewPassword>, AppError> {
    let password = store::reset_password(&state.db, &scope, id).await?;
    Ok(Json(NewPassword { password }))
}
