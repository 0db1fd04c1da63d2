//! JSON API: organisations and the coalition.

use crate::web::extract::Json;
use crate::web::extract::{Path, Query};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{
    Coalition, Decision, GroupFields, NewOrg, Org, RevealRequest, Revealed, SetLeads,
};
use super::store;
use crate::access::api::Created;
use crate::access::model::Scope;
use crate::web::AppState;
use crate::web::error::{AppError, ErrorBody};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/orgs", get(list).post(create))
        .route("/api/orgs/{id}", get(detail))
        .route("/api/orgs/{id}/approve", post(approve))
        .route("/api/orgs/{id}/reject", post(reject))
        .route("/api/orgs/{id}/reveal", post(reveal))
        .route("/api/coalitions", get(coalitions))
        .route("/api/coalitions/{id}/members", post(admit))
        .route(
            "/api/coalitions/{id}/members/{org_id}",
            delete(remove_member),
        )
        .route("/api/coalitions/{id}/groups", post(create_group))
        .route("/api/working-groups/{id}", put(edit_group))
        .route("/api/working-groups/{id}/leads", put(set_leads))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgParams {
    /// pending, approved or rejected.
    pub status: Option<String>,
    /// Name fragment.
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/api/orgs", tag = "orgs", params(OrgParams), responses((status = 200, body = Vec<Org>)))]
pub async fn list(
    State(state): State<AppState>,
    scope: Scope,
    Query(p): Query<OrgParams>,
) -> Result<Json<Vec<Org>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(
        store::list(&mut tx, &scope, p.status.as_deref(), p.q.as_deref()).await?,
    ))
}

#[utoipa::path(post, path = "/api/orgs", tag = "orgs", request_body = NewOrg,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    scope: Scope,
    Json(o): Json<NewOrg>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    let id = store::create(&state.db, Some(&scope), &o).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(get, path = "/api/orgs/{id}", tag = "orgs", params(("id" = i64, Path)),
    responses((status = 200, body = Org), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Org>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::get(&mut tx, &scope, id).await?))
}

#[utoipa::path(post, path = "/api/orgs/{id}/approve", tag = "orgs", params(("id" = i64, Path)), request_body = Decision,
    responses((status = 200, body = Org), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(d): Json<Decision>,
) -> Result<Json<Org>, AppError> {
    Ok(Json(
        store::decide(&state.db, &scope, id, true, &d.reason).await?,
    ))
}

#[utoipa::path(post, path = "/api/orgs/{id}/reject", tag = "orgs", params(("id" = i64, Path)), request_body = Decision,
    responses((status = 200, body = Org), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(d): Json<Decision>,
) -> Result<Json<Org>, AppError> {
    Ok(Json(
        store::decide(&state.db, &scope, id, false, &d.reason).await?,
    ))
}

#[utoipa::path(post, path = "/api/orgs/{id}/reveal", tag = "orgs", params(("id" = i64, Path)), request_body = RevealRequest,
    responses((status = 200, body = Revealed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<RevealRequest>,
) -> Result<Json<Revealed>, AppError> {
    let value = store::reveal(&state.db, &scope, id, &r.field, &r.reason).await?;
    Ok(Json(Revealed {
        field: r.field,
        value,
    }))
}

#[utoipa::path(get, path = "/api/coalitions", tag = "orgs", responses((status = 200, body = Vec<Coalition>)))]
pub async fn coalitions(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Coalition>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::coalitions(&mut tx, &scope).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Admit {
    pub org_id: i64,
}

#[utoipa::path(post, path = "/api/coalitions/{id}/members", tag = "orgs", params(("id" = i64, Path)), request_body = Admit,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn admit(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(a): Json<Admit>,
) -> Result<StatusCode, AppError> {
    store::admit(&state.db, Some(&scope), id, a.org_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/working-groups/{id}/leads", tag = "orgs", params(("id" = i64, Path)), request_body = SetLeads,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_leads(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(s): Json<SetLeads>,
) -> Result<StatusCode, AppError> {
    store::set_leads(&state.db, Some(&scope), id, &s.org_ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take an organisation out of the coalition (not one that leads a group).
#[utoipa::path(delete, path = "/api/coalitions/{id}/members/{org_id}", tag = "orgs",
    params(("id" = i64, Path), ("org_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    scope: Scope,
    Path((id, org_id)): Path<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    store::remove_member(&state.db, Some(&scope), id, org_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new working group in the coalition.
#[utoipa::path(post, path = "/api/coalitions/{id}/groups", tag = "orgs", params(("id" = i64, Path)), request_body = GroupFields,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_group(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(g): Json<GroupFields>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    let id = store::create_group(&state.db, Some(&scope), id, &g).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Rename a working group, or change its description and need kinds.
#[utoipa::path(put, path = "/api/working-groups/{id}", tag = "orgs", params(("id" = i64, Path)), request_body = GroupFields,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_group(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(g): Json<GroupFields>,
) -> Result<StatusCode, AppError> {
    store::edit_group(&state.db, Some(&scope), id, &g).await?;
    Ok(StatusCode::NO_CONTENT)
}
