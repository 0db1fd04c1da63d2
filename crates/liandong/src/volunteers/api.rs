//! JSON API: campaigns, sign-ups, the vetting queue and decisions.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{Campaign, NewApplication, NewCampaign, VettingDecision};
use super::store::{self, Application, Applied, Decided, PublicApplication, QueueFilter};
use crate::access::model::Scope;
use crate::orgs::model::{RevealRequest, Revealed};
use crate::web::error::{AppError, ErrorBody, FieldError};
use crate::web::extract::{Json, Path, Query};
use crate::web::{AppState, ClientIp};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/campaigns", get(campaigns).post(create_campaign))
        .route("/api/campaigns/public/{reference}", get(public_campaign))
        .route(
            "/api/campaigns/public/{reference}/applications",
            post(apply),
        )
        .route("/api/campaigns/{id}/applications", get(queue))
        .route(
            "/api/applications/public/{reference}",
            get(public_application),
        )
        .route("/api/applications/decisions", post(decide))
        .route("/api/applications/{id}", get(application))
        .route("/api/applications/{id}/reveal", post(reveal))
}

#[utoipa::path(get, path = "/api/campaigns", tag = "volunteers",
    responses((status = 200, body = Vec<Campaign>), (status = 401, body = ErrorBody)))]
pub async fn campaigns(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Campaign>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::campaigns(&mut tx, &scope).await?))
}

#[utoipa::path(post, path = "/api/campaigns", tag = "volunteers", request_body = NewCampaign,
    responses((status = 201, body = Campaign), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_campaign(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<NewCampaign>,
) -> Result<(StatusCode, Json<Campaign>), AppError> {
    let c = store::create_campaign(&state.db, &scope, &n).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// A campaign's public face: what it asks for and how many are still
/// wanted. No account needed.
#[utoipa::path(get, path = "/api/campaigns/public/{reference}", tag = "volunteers", params(("reference" = String, Path)),
    responses((status = 200, body = Campaign), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn public_campaign(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(reference): Path<String>,
) -> Result<Json<Campaign>, AppError> {
    if !state.follow_limiter.allow(&crate::web::limit_key(&ip)) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let reference = crate::needs::model::parse_reference(&reference).ok_or(AppError::NotFound)?;
    let mut tx = state.db.read().await?;
    Ok(Json(store::public_campaign(&mut tx, &reference).await?))
}

/// Sign up for a campaign, without an account. 201 with a new reference;
/// 200 with the first one when this person (document or phone) or this
/// key applied already.
#[utoipa::path(post, path = "/api/campaigns/public/{reference}/applications", tag = "volunteers",
    params(("reference" = String, Path)), request_body = NewApplication,
    responses((status = 201, body = Applied), (status = 200, body = Applied), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(reference): Path<String>,
    Json(n): Json<NewApplication>,
) -> Result<(StatusCode, Json<Applied>), AppError> {
    let client = crate::web::limit_key(&ip);
    if state.help_limiter.is_over(&client) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let reference = crate::needs::model::parse_reference(&reference).ok_or(AppError::NotFound)?;
    let applied = store::apply(&state.db, &reference, &n).await?;
    if applied.created {
        state.help_limiter.allow(&client);
        Ok((StatusCode::CREATED, Json(applied)))
    } else {
        Ok((StatusCode::OK, Json(applied)))
    }
}

/// Where an application stands, by its reference (nothing personal).
#[utoipa::path(get, path = "/api/applications/public/{reference}", tag = "volunteers", params(("reference" = String, Path)),
    responses((status = 200, body = PublicApplication), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn public_application(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(reference): Path<String>,
) -> Result<Json<PublicApplication>, AppError> {
    if !state.follow_limiter.allow(&crate::web::limit_key(&ip)) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let reference = crate::needs::model::parse_reference(&reference).ok_or(AppError::NotFound)?;
    let mut tx = state.db.read().await?;
    Ok(Json(store::public_application(&mut tx, &reference).await?))
}

/// A campaign's vetting queue inside the caller's area, longest waiting
/// first, 100 a page; `x-total-count` says how many the filters leave.
#[utoipa::path(get, path = "/api/campaigns/{id}/applications", tag = "volunteers", params(("id" = i64, Path), QueueFilter),
    responses((status = 200, body = Vec<Application>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Query(f): Query<QueueFilter>,
) -> Result<([(&'static str, String); 1], Json<Vec<Application>>), AppError> {
    let mut tx = state.db.read().await?;
    let (list, total) = store::queue(&mut tx, &scope, id, &f).await?;
    Ok(([("x-total-count", total.to_string())], Json(list)))
}

#[utoipa::path(get, path = "/api/applications/{id}", tag = "volunteers", params(("id" = i64, Path)),
    responses((status = 200, body = Application), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn application(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Application>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::application(&mut tx, &scope, id).await?))
}

/// Show an applicant's phone, document number or address, with a reason
/// (an audited reveal).
#[utoipa::path(post, path = "/api/applications/{id}/reveal", tag = "volunteers", params(("id" = i64, Path)), request_body = RevealRequest,
    responses((status = 200, body = Revealed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<RevealRequest>,
) -> Result<Json<Revealed>, AppError> {
    let value = store::reveal(&state.db, &scope, id, r.field.trim(), &r.reason).await?;
    Ok(Json(Revealed {
        field: r.field.trim().to_owned(),
        value,
    }))
}

/// A decision on one application or a selection.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Decide {
    /// 1–200 application ids.
    pub ids: Vec<i64>,
    #[schema(value_type = VettingDecision)]
    pub decision: String,
    /// Required to decline or to ask for more (the applicant reads what
    /// was asked on their reference page).
    #[serde(default)]
    pub reason: String,
}

/// Accept, decline or ask for more, all or none. Those accepted get their
/// volunteer record and account; the first-time passwords are in the
/// answer, once.
#[utoipa::path(post, path = "/api/applications/decisions", tag = "volunteers", request_body = Decide,
    responses((status = 200, body = Decided), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    scope: Scope,
    Json(d): Json<Decide>,
) -> Result<Json<Decided>, AppError> {
    let decision = VettingDecision::parse(d.decision.trim()).ok_or_else(|| {
        AppError::Invalid(crate::web::error::Invalid(vec![FieldError::new(
            "decision",
            "err-decision",
        )]))
    })?;
    Ok(Json(
        store::decide(&state.db, &scope, &d.ids, decision, &d.reason).await?,
    ))
}
