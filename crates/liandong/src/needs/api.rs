//! JSON API: needs.

use crate::web::extract::Json;
use crate::web::extract::Path;
use crate::web::extract::Query;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{
    BoardFilter, CallReport, Need, NeedEscalation, NeedMerge, NeedReveal, NeedTransition, NewNeed,
    ServiceLevels, Similar, SimilarQuery, TimelineEntry,
};
use super::store;
use super::store::CallStarted;
use crate::access::model::Scope;
use crate::orgs::model::Revealed;
use crate::web::AppState;
use crate::web::error::{AppError, ErrorBody};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/needs", get(list).post(create))
        .route("/api/needs/{id}", get(detail))
        .route("/api/needs/{id}/reveal", post(reveal))
        .route("/api/needs/{id}/status", post(set_status))
        .route("/api/needs/{id}/escalation", post(set_escalation))
        .route("/api/needs/{id}/timeline", get(timeline))
        .route("/api/needs/{id}/call", post(start_call))
        .route("/api/needs/{id}/call/end", post(end_call))
        .route("/api/needs/call-backs", get(call_backs))
        .route("/api/needs/escalations", get(escalations))
        .route("/api/needs/similar", get(similar_typed))
        .route("/api/needs/{id}/similar", get(similar))
        .route("/api/needs/{id}/merge", post(merge))
        .route(
            "/api/service-levels",
            get(service_levels).put(set_service_levels),
        )
}

/// The need a submission came to: made now (201), or made by an earlier
/// submission with the same idempotency key (200).
#[derive(Serialize, ToSchema)]
pub struct TakenNeed {
    pub id: i64,
    /// The need as it is held: the community read from the address.
    pub need: Need,
}

/// The board: needs held in the caller's jurisdiction as filtered (open
/// ones unless a status says otherwise), escalated and most urgent first
/// (or longest waiting), 100 a page; `X-Total-Count` says how many the
/// filters leave. Empty for roles whose work is not needs.
#[utoipa::path(get, path = "/api/needs", tag = "needs", params(BoardFilter),
    responses((status = 200, body = Vec<Need>, headers(("x-total-count" = i64, description = "Needs the filters leave, on all pages"))),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    scope: Scope,
    Query(f): Query<BoardFilter>,
) -> Result<([(&'static str, String); 1], Json<Vec<Need>>), AppError> {
    let f = f.check().map_err(AppError::Invalid)?;
    let mut tx = state.db.read().await?;
    let (needs, total) = store::list(&mut tx, &scope, &f).await?;
    Ok(([("x-total-count", total.to_string())], Json(needs)))
}

/// Take a need down. The resolver reads the address as the caller's
/// office would and fills the community; an address outside the caller's
/// jurisdiction is refused (403). A retry with the same idempotency key
/// returns the first need (200) and adds nothing.
#[utoipa::path(post, path = "/api/needs", tag = "needs", request_body = NewNeed,
    responses((status = 201, body = TakenNeed), (status = 200, body = TakenNeed),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<NewNeed>,
) -> Result<(StatusCode, Json<TakenNeed>), AppError> {
    let taken = store::create(&state.db, &scope, &n).await?;
    let mut tx = state.db.read_one().await?;
    let need = store::get(&mut tx, &scope, taken.id).await?;
    let status = if taken.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(TakenNeed { id: taken.id, need })))
}

#[utoipa::path(get, path = "/api/needs/{id}", tag = "needs", params(("id" = i64, Path)),
    responses((status = 200, body = Need), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Need>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::get(&mut tx, &scope, id).await?))
}

/// Show the contact phone or the address in the clear; the reveal is
/// written to the audit log with the reason.
#[utoipa::path(post, path = "/api/needs/{id}/reveal", tag = "needs", params(("id" = i64, Path)), request_body = NeedReveal,
    responses((status = 200, body = Revealed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<NeedReveal>,
) -> Result<Json<Revealed>, AppError> {
    let value = store::reveal(&state.db, &scope, id, r.field.trim(), &r.reason).await?;
    Ok(Json(Revealed {
        field: r.field.trim().to_owned(),
        value,
    }))
}

/// Move a need to one of its current state's next states (new →
/// verifying → verified → matched → in_progress → delivered → closed;
/// rejected and cancelled with a reason). A move the state does not allow
/// is a 409 whose message names the state the need is in.
#[utoipa::path(post, path = "/api/needs/{id}/status", tag = "needs", params(("id" = i64, Path)), request_body = NeedTransition,
    responses((status = 200, body = Need), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_status(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(t): Json<NeedTransition>,
) -> Result<Json<Need>, AppError> {
    Ok(Json(
        store::set_status(&state.db, &scope, id, &t.to, &t.reason).await?,
    ))
}

/// Raise (with a reason) or lower a need's escalation flag; only an open
/// need carries it.
#[utoipa::path(post, path = "/api/needs/{id}/escalation", tag = "needs", params(("id" = i64, Path)), request_body = NeedEscalation,
    responses((status = 200, body = Need), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_escalation(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(e): Json<NeedEscalation>,
) -> Result<Json<Need>, AppError> {
    Ok(Json(
        store::set_escalated(&state.db, &scope, id, e.escalated, &e.reason).await?,
    ))
}

/// Everything that happened to a need, oldest first: each step, reveal
/// and escalation with its time, actor and reason.
#[utoipa::path(get, path = "/api/needs/{id}/timeline", tag = "needs", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<TimelineEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Vec<TimelineEntry>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::timeline(&mut tx, &scope, id).await?))
}

/// Begin a verification call: the need is held for the caller for ten
/// minutes (409 while another operator holds it: the need says who and
/// until when), moves to verifying, and the phone to dial is answered in
/// the clear — the call's audited reveal.
#[utoipa::path(post, path = "/api/needs/{id}/call", tag = "needs", params(("id" = i64, Path)),
    responses((status = 200, body = CallStarted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn start_call(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<
    (
        [(axum::http::HeaderName, &'static str); 1],
        Json<CallStarted>,
    ),
    AppError,
> {
    let started = store::start_call(&state.db, &scope, id).await?;
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(started),
    ))
}

/// End the caller's call with its outcome: reached (with corrections and
/// verified or rejected), or not reached / call back (back to new, in the
/// call-back queue; the third failed attempt escalates the need).
#[utoipa::path(post, path = "/api/needs/{id}/call/end", tag = "needs", params(("id" = i64, Path)), request_body = CallReport,
    responses((status = 200, body = Need), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn end_call(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<CallReport>,
) -> Result<Json<Need>, AppError> {
    Ok(Json(store::end_call(&state.db, &scope, id, &r).await?))
}

/// The call-back queue of the caller's jurisdiction, soonest due first.
#[utoipa::path(get, path = "/api/needs/call-backs", tag = "needs", responses((status = 200, body = Vec<Need>)))]
pub async fn call_backs(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Need>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::call_backs(&mut tx, &scope).await?))
}

/// Escalated open needs of the kinds whose coalition working groups the
/// caller's organisation leads, in the caller's jurisdiction; most urgent
/// and longest waiting first.
#[utoipa::path(get, path = "/api/needs/escalations", tag = "needs", responses((status = 200, body = Vec<Need>)))]
pub async fn escalations(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Need>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::escalations(&mut tx, &scope).await?))
}

/// How long a need of each urgency may wait, in minutes from when it was
/// asked, to be verified and to be delivered. A need past its deadline is
/// escalated by itself.
#[utoipa::path(get, path = "/api/service-levels", tag = "needs", responses((status = 200, body = ServiceLevels)))]
pub async fn service_levels(
    State(state): State<AppState>,
    _scope: Scope,
) -> Result<Json<ServiceLevels>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::service_levels(&mut tx).await?))
}

/// Set the service levels (an admin whose jurisdiction holds the
/// deployment's home): each wait from a minute to 30 days, delivering no
/// sooner than verifying.
#[utoipa::path(put, path = "/api/service-levels", tag = "needs", request_body = ServiceLevels,
    responses((status = 200, body = ServiceLevels), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_service_levels(
    State(state): State<AppState>,
    scope: Scope,
    Json(levels): Json<ServiceLevels>,
) -> Result<Json<ServiceLevels>, AppError> {
    Ok(Json(
        store::set_service_levels(&state.db, &scope, &state.settings.home, &levels).await?,
    ))
}

/// Open needs that look like this one: the same phone, the same community
/// and kind within 3 days, or the same story; each with why.
#[utoipa::path(get, path = "/api/needs/{id}/similar", tag = "needs", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Similar>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn similar(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Similar>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::similar_to(&mut tx, &scope, id).await?))
}

/// Open needs that look like one being typed (the hotline asks as the
/// phone and the address are typed); empty for roles that do not take
/// needs.
#[utoipa::path(get, path = "/api/needs/similar", tag = "needs", params(SimilarQuery),
    responses((status = 200, body = Vec<Similar>), (status = 422, body = ErrorBody)))]
pub async fn similar_typed(
    State(state): State<AppState>,
    scope: Scope,
    Query(q): Query<SimilarQuery>,
) -> Result<Json<Vec<Similar>>, AppError> {
    Ok(Json(store::similar_typed(&state.db, &scope, &q).await?))
}

/// Merge this need into another (`into`), which stays: this one becomes
/// a duplicate of it, both keep their histories, and the resident's
/// reference of this one leads to the other's page. Both must be open
/// (409 names the state otherwise).
#[utoipa::path(post, path = "/api/needs/{id}/merge", tag = "needs", params(("id" = i64, Path)), request_body = NeedMerge,
    responses((status = 200, body = Need, description = "The need that stays"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(m): Json<NeedMerge>,
) -> Result<Json<Need>, AppError> {
    Ok(Json(
        store::merge(&state.db, &scope, id, m.into, &m.reason).await?,
    ))
}
