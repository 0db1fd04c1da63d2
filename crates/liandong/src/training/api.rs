//! JSON API: training sessions and attendance, credentials, a volunteer's
//! service record (hours, feedback), duty, resident leaders.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::NewTraining;
use super::store::{
    self, Credential, Enrolment, NewCredential, NewFeedback, ServiceRecord, Training,
};
use crate::access::model::Scope;
use crate::squads::api::VolunteerRef;
use crate::web::AppState;
use crate::web::error::{AppError, ErrorBody};
use crate::web::extract::{Json, Path};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/trainings", get(trainings).post(create))
        .route("/api/trainings/{id}", get(training))
        .route("/api/trainings/{id}/enrolments", post(enrol))
        .route("/api/trainings/{id}/attendance", post(attend))
        .route("/api/volunteers/me/service", get(my_service))
        .route("/api/volunteers/me/duty", post(duty))
        .route("/api/volunteers/me/trainings/{id}", post(seat))
        .route("/api/volunteers/{id}/service", get(service))
        .route("/api/volunteers/{id}/credentials", post(grant))
        .route("/api/volunteers/{id}/feedback", post(feedback))
        .route("/api/volunteers/{id}/anchor", post(anchor))
}

#[utoipa::path(get, path = "/api/trainings", tag = "training",
    responses((status = 200, body = Vec<Training>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn trainings(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Training>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::trainings(&mut tx, &scope).await?))
}

/// Schedule a session; attending it grants its credential.
#[utoipa::path(post, path = "/api/trainings", tag = "training", request_body = NewTraining,
    responses((status = 201, body = Training), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<NewTraining>,
) -> Result<(StatusCode, Json<Training>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(store::create(&state.db, &scope, &n).await?),
    ))
}

/// A session with who enrolled and who attended.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrainingDetail {
    pub training: Training,
    pub enrolments: Vec<Enrolment>,
}

#[utoipa::path(get, path = "/api/trainings/{id}", tag = "training", params(("id" = i64, Path)),
    responses((status = 200, body = TrainingDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn training(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<TrainingDetail>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(TrainingDetail {
        training: store::training(&mut tx, &scope, id).await?,
        enrolments: store::enrolments(&mut tx, &scope, id).await?,
    }))
}

/// Enrol a volunteer of the caller's area (twice is once; 409 when full
/// or over).
#[utoipa::path(post, path = "/api/trainings/{id}/enrolments", tag = "training", params(("id" = i64, Path)), request_body = VolunteerRef,
    responses((status = 200, body = Training), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn enrol(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(v): Json<VolunteerRef>,
) -> Result<Json<Training>, AppError> {
    Ok(Json(
        store::enrol(&state.db, &scope, id, v.volunteer_id).await?,
    ))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Attendance {
    /// Who attended (each enrolled); all are taken or none.
    pub volunteer_ids: Vec<i64>,
}

/// Mark attendance once the session has begun: each attendee gets the
/// session's credential.
#[utoipa::path(post, path = "/api/trainings/{id}/attendance", tag = "training", params(("id" = i64, Path)), request_body = Attendance,
    responses((status = 200, body = Vec<Enrolment>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attend(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(a): Json<Attendance>,
) -> Result<Json<Vec<Enrolment>>, AppError> {
    Ok(Json(
        store::attend(&state.db, &scope, id, &a.volunteer_ids).await?,
    ))
}

/// The signed-in volunteer's record: credentials, trainings, duty, hours,
/// feedback.
#[utoipa::path(get, path = "/api/volunteers/me/service", tag = "training",
    responses((status = 200, body = ServiceRecord), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn my_service(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<ServiceRecord>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::my_service(&mut tx, &scope).await?))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Clock {
    /// true: clock on; false: clock off.
    pub on: bool,
}

/// Clock on or off duty (the server's time; twice is once).
#[utoipa::path(post, path = "/api/volunteers/me/duty", tag = "training", request_body = Clock,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn duty(
    State(state): State<AppState>,
    scope: Scope,
    Json(c): Json<Clock>,
) -> Result<StatusCode, AppError> {
    store::clock(&state.db, &scope, c.on).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Seat {
    /// true: take a seat; false: give it back (before the session begins).
    pub seat: bool,
}

/// The signed-in volunteer enrols in a session of their organisation, or
/// withdraws.
#[utoipa::path(post, path = "/api/volunteers/me/trainings/{id}", tag = "training", params(("id" = i64, Path)), request_body = Seat,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn seat(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(s): Json<Seat>,
) -> Result<StatusCode, AppError> {
    store::enrol_me(&state.db, &scope, id, s.seat).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/volunteers/{id}/service", tag = "training", params(("id" = i64, Path)),
    responses((status = 200, body = ServiceRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn service(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<ServiceRecord>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::service(&mut tx, &scope, id).await?))
}

/// Record a document checked (a driving or medical licence): valid to its
/// own expiry.
#[utoipa::path(post, path = "/api/volunteers/{id}/credentials", tag = "training", params(("id" = i64, Path)), request_body = NewCredential,
    responses((status = 200, body = Vec<Credential>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn grant(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(n): Json<NewCredential>,
) -> Result<Json<Vec<Credential>>, AppError> {
    Ok(Json(store::grant(&state.db, &scope, id, &n).await?))
}

#[utoipa::path(post, path = "/api/volunteers/{id}/feedback", tag = "training", params(("id" = i64, Path)), request_body = NewFeedback,
    responses((status = 200, body = ServiceRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn feedback(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(n): Json<NewFeedback>,
) -> Result<Json<ServiceRecord>, AppError> {
    Ok(Json(store::give_feedback(&state.db, &scope, id, &n).await?))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Anchor {
    /// The compound they lead ('' clears the flag).
    pub compound: String,
}

/// Flag a volunteer as a compound's resident leader (骨干).
#[utoipa::path(post, path = "/api/volunteers/{id}/anchor", tag = "training", params(("id" = i64, Path)), request_body = Anchor,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn anchor(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(a): Json<Anchor>,
) -> Result<StatusCode, AppError> {
    store::set_anchor(&state.db, &scope, id, &a.compound).await?;
    Ok(StatusCode::NO_CONTENT)
}
