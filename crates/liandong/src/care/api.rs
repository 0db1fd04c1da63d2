//! JSON API: the care registry, guardians and backups, proposals,
//! check-ins, coverage and its gaps, the guardian's own list.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::NewRecipient;
use super::store::{
    self, Candidate, CareRecipient, Checkin, Coverage, Naming, NewCheckin, RecipientFilter,
};
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
