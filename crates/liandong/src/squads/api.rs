//! JSON API: squads, their members and contacts, vehicles, the roster with
//! movement, the movable count, and the exposure trace.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::model::{ContactKind, MovableCount, MovementStatus, NewSquad};
use super::store::{
    self, Contact, Member, MyService, NewVehicle, RosterEntry, RosterFilter, Squad, Trace, Vehicle,
};
use crate::access::model::Scope;
use crate::web::AppState;
use crate::web::error::{AppError, ErrorBody};
use crate::web::extract::{Json, Path, Query};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/squads", get(squads).post(create))
        .route("/api/squads/{id}", get(squad))
        .route("/api/squads/{id}/members", post(join))
        .route("/api/squads/{id}/leave", post(leave))
        .route("/api/squads/{id}/leader", post(lead))
        .route("/api/squads/{id}/contacts", post(touch))
        .route("/api/squads/{id}/release", post(release))
        .route("/api/squads/{id}/capacity", post(capacity))
        .route("/api/squads/{id}/disband", post(disband))
        .route("/api/vehicles", get(vehicles).post(create_vehicle))
        .route("/api/volunteers", get(roster))
        .route("/api/volunteers/movable", get(movable))
        .route("/api/volunteers/me", get(mine))
        .route("/api/volunteers/me/availability", post(availability))
        .route("/api/volunteers/{id}/movement", post(movement))
        .route("/api/volunteers/{id}/positive", post(positive))
        .route("/api/volunteers/{id}/leave-roster", post(leave_roster))
        .route("/api/volunteers/{id}/trace", get(trace))
        .route("/api/volunteers/{id}/recovered", post(recovered))
}

#[utoipa::path(get, path = "/api/squads", tag = "squads",
    responses((status = 200, body = Vec<Squad>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn squads(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Squad>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::squads(&mut tx, &scope).await?))
}

#[utoipa::path(post, path = "/api/squads", tag = "squads", request_body = NewSquad,
    responses((status = 201, body = Squad), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<NewSquad>,
) -> Result<(StatusCode, Json<Squad>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(store::create(&state.db, &scope, &n).await?),
    ))
}

/// A squad with its members and what it touched inside the window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SquadDetail {
    pub squad: Squad,
    pub members: Vec<Member>,
    pub contacts: Vec<Contact>,
}

#[utoipa::path(get, path = "/api/squads/{id}", tag = "squads", params(("id" = i64, Path)),
    responses((status = 200, body = SquadDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn squad(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<SquadDetail>, AppError> {
    let mut tx = state.db.read().await?;
    let window = state.settings.exposure_window();
    Ok(Json(SquadDetail {
        squad: store::squad(&mut tx, &scope, id).await?,
        members: store::members(&mut tx, &scope, id).await?,
        contacts: store::contacts(&mut tx, &scope, window, id).await?,
    }))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct VolunteerRef {
    pub volunteer_id: i64,
}

/// Add a volunteer. 409 names the other squad when the contact rule
/// refuses (in another squad now, or left one inside the window).
#[utoipa::path(post, path = "/api/squads/{id}/members", tag = "squads", params(("id" = i64, Path)), request_body = VolunteerRef,
    responses((status = 200, body = Squad), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn join(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(v): Json<VolunteerRef>,
) -> Result<Json<Squad>, AppError> {
    let window = state.settings.exposure_window();
    Ok(Json(
        store::join(&state.db, &scope, window, id, v.volunteer_id).await?,
    ))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Leave {
    pub volunteer_id: i64,
    pub reason: String,
}

#[utoipa::path(post, path = "/api/squads/{id}/leave", tag = "squads", params(("id" = i64, Path)), request_body = Leave,
    responses((status = 200, body = Squad), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn leave(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(l): Json<Leave>,
) -> Result<Json<Squad>, AppError> {
    Ok(Json(
        store::leave(&state.db, &scope, id, l.volunteer_id, &l.reason).await?,
    ))
}

#[utoipa::path(post, path = "/api/squads/{id}/leader", tag = "squads", params(("id" = i64, Path)), request_body = VolunteerRef,
    responses((status = 200, body = Squad), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn lead(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(v): Json<VolunteerRef>,
) -> Result<Json<Squad>, AppError> {
    Ok(Json(
        store::lead(&state.db, &scope, id, v.volunteer_id).await?,
    ))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewTouch {
    #[schema(value_type = ContactKind)]
    pub kind: String,
    /// The vehicle's, depot's, zone's (its gate) or need's (its household) id.
    pub target_id: i64,
}

/// Record that the squad uses a vehicle, depot, gate or household now.
/// 409 names the squad that touched it inside the window.
#[utoipa::path(post, path = "/api/squads/{id}/contacts", tag = "squads", params(("id" = i64, Path)), request_body = NewTouch,
    responses((status = 201, body = Contact), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn touch(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(t): Json<NewTouch>,
) -> Result<(StatusCode, Json<Contact>), AppError> {
    let kind = ContactKind::parse(t.kind.trim())
        .ok_or_else(|| AppError::invalid("kind", "err-contact-kind"))?;
    let window = state.settings.exposure_window();
    Ok((
        StatusCode::CREATED,
        Json(store::touch(&state.db, &scope, window, id, kind, t.target_id).await?),
    ))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Reason {
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SetCapacity {
    /// Tasks it may hold open at once, 0–20.
    pub capacity: i64,
}

/// How many tasks a squad may hold open at once (dispatch proposes no more).
#[utoipa::path(post, path = "/api/squads/{id}/capacity", tag = "squads", params(("id" = i64, Path)), request_body = SetCapacity,
    responses((status = 200, body = Squad), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn capacity(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(c): Json<SetCapacity>,
) -> Result<Json<Squad>, AppError> {
    Ok(Json(
        store::set_capacity(&state.db, &scope, id, c.capacity).await?,
    ))
}

/// Put a squad stood down back to work (its members tested negative).
#[utoipa::path(post, path = "/api/squads/{id}/release", tag = "squads", params(("id" = i64, Path)), request_body = Reason,
    responses((status = 200, body = Squad), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<Reason>,
) -> Result<Json<Squad>, AppError> {
    Ok(Json(
        store::release(&state.db, &scope, id, &r.reason).await?,
    ))
}

#[utoipa::path(get, path = "/api/vehicles", tag = "squads",
    responses((status = 200, body = Vec<Vehicle>), (status = 403, body = ErrorBody)))]
pub async fn vehicles(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Vehicle>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::vehicles(&mut tx, &scope).await?))
}

#[utoipa::path(post, path = "/api/vehicles", tag = "squads", request_body = NewVehicle,
    responses((status = 201, body = Vehicle), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_vehicle(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<NewVehicle>,
) -> Result<(StatusCode, Json<Vehicle>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(store::create_vehicle(&state.db, &scope, &n).await?),
    ))
}

/// The volunteers held in the caller's area with their movement now and
/// squad; phones masked. At most 500.
#[utoipa::path(get, path = "/api/volunteers", tag = "squads", params(RosterFilter),
    responses((status = 200, body = Vec<RosterEntry>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn roster(
    State(state): State<AppState>,
    scope: Scope,
    Query(f): Query<RosterFilter>,
) -> Result<Json<Vec<RosterEntry>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::roster(&mut tx, &scope, &f).await?))
}

/// How many volunteers can still move, by area one level below the
/// caller's jurisdiction, from the zones in force now.
#[utoipa::path(get, path = "/api/volunteers/movable", tag = "squads",
    responses((status = 200, body = Vec<MovableCount>), (status = 403, body = ErrorBody)))]
pub async fn movable(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<MovableCount>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::movable(&mut tx, &scope).await?))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SetMovement {
    /// free, pass or stranded (sealed in follows the zones).
    #[schema(value_type = MovementStatus)]
    pub movement: String,
    pub reason: String,
}

#[utoipa::path(post, path = "/api/volunteers/{id}/movement", tag = "squads", params(("id" = i64, Path)), request_body = SetMovement,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn movement(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(m): Json<SetMovement>,
) -> Result<StatusCode, AppError> {
    let to = MovementStatus::parse(m.movement.trim())
        .ok_or_else(|| AppError::invalid("movement", "err-movement"))?;
    store::set_movement(&state.db, &scope, id, to, &m.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct LeaveRoster {
    pub reason: String,
}

/// A volunteer leaves the roster: out of their squad, off duty, no longer
/// proposed; whom they guarded has the backup as guardian (409 if gone).
#[utoipa::path(post, path = "/api/volunteers/{id}/leave-roster", tag = "squads", params(("id" = i64, Path)), request_body = LeaveRoster,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn leave_roster(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(l): Json<LeaveRoster>,
) -> Result<StatusCode, AppError> {
    store::leave_roster(&state.db, &scope, id, &l.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Positive {
    /// When the positive test was taken (RFC 3339; at most 30 days ago).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub reason: String,
}

/// Mark a volunteer positive: their squads in the window stand down, and
/// the answer is everyone and everything exposed.
#[utoipa::path(post, path = "/api/volunteers/{id}/positive", tag = "squads", params(("id" = i64, Path)), request_body = Positive,
    responses((status = 200, body = Trace), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn positive(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(p): Json<Positive>,
) -> Result<Json<Trace>, AppError> {
    let window = state.settings.exposure_window();
    Ok(Json(
        store::mark_positive(&state.db, &scope, window, id, p.at, &p.reason).await?,
    ))
}

#[utoipa::path(get, path = "/api/volunteers/{id}/trace", tag = "squads", params(("id" = i64, Path)),
    responses((status = 200, body = Trace), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn trace(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Trace>, AppError> {
    let mut tx = state.db.read().await?;
    let window = state.settings.exposure_window();
    Ok(Json(store::trace(&mut tx, &scope, window, id).await?))
}

/// The signed-in volunteer's own service: movement, availability, squad,
/// teammates (phones masked) and what the squad touched. 404 when no
/// volunteer record is linked to the account.
#[utoipa::path(get, path = "/api/volunteers/me", tag = "squads",
    responses((status = 200, body = MyService), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<MyService>, AppError> {
    let mut tx = state.db.read().await?;
    let window = state.settings.exposure_window();
    Ok(Json(store::mine(&mut tx, &scope, window).await?))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Availability {
    pub available: bool,
}

/// A volunteer takes work now, or not (their own toggle; refused while
/// marked positive).
#[utoipa::path(post, path = "/api/volunteers/me/availability", tag = "squads", request_body = Availability,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn availability(
    State(state): State<AppState>,
    scope: Scope,
    Json(a): Json<Availability>,
) -> Result<StatusCode, AppError> {
    store::set_available(&state.db, &scope, a.available).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disband a squad: every member leaves it now (none may join another
/// inside the exposure window).
#[utoipa::path(post, path = "/api/squads/{id}/disband", tag = "squads", params(("id" = i64, Path)), request_body = Reason,
    responses((status = 200, body = Squad), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn disband(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<Reason>,
) -> Result<Json<Squad>, AppError> {
    Ok(Json(
        store::disband(&state.db, &scope, id, &r.reason).await?,
    ))
}

/// A positive volunteer tested negative: free to move and take work again
/// (their squad is released on its own).
#[utoipa::path(post, path = "/api/volunteers/{id}/recovered", tag = "squads", params(("id" = i64, Path)), request_body = Reason,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recovered(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<Reason>,
) -> Result<StatusCode, AppError> {
    store::recovered(&state.db, &scope, id, &r.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
