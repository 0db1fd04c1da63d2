//! JSON API: the catalogue, depots and stock, offers, appeals and pledges.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{
    Appeal, Depot, Item, Movement, NewAppeal, NewDepot, NewItem, NewOffer, NewPledge,
    NewReservation, Offer, OfferKind, OfferReceipt, OfferStatus, Reservation, StockChange,
    StockLine,
};
use super::store;
use crate::access::model::Scope;
use crate::orgs::model::{RevealRequest, Revealed};
use crate::web::AppState;
use crate::web::error::{AppError, ErrorBody, Invalid};
use crate::web::extract::{Json, Path, Query};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/items", get(items).post(add_item))
        .route("/api/depots", get(depots).post(create_depot))
        .route("/api/depots/{id}", get(depot))
        .route("/api/depots/{id}/receive", post(receive))
        .route("/api/depots/{id}/adjust", post(adjust))
        .route(
            "/api/depots/{id}/reservations",
            get(reservations).post(reserve),
        )
        .route("/api/reservations/{id}/dispatch", post(dispatch))
        .route("/api/reservations/{id}/release", post(release))
        .route("/api/offers", get(offers).post(create_offer))
        .route("/api/offers/{id}", get(offer))
        .route("/api/offers/{id}/receive", post(receive_offer))
        .route("/api/offers/{id}/withdraw", post(withdraw_offer))
        .route("/api/offers/{id}/reveal", post(reveal_offer))
        .route("/api/appeals", get(appeals).post(create_appeal))
        .route("/api/appeals/{id}", get(appeal))
        .route("/api/appeals/{id}/close", post(close_appeal))
        .route("/api/appeals/{id}/pledges", get(pledges).post(pledge))
}

#[utoipa::path(get, path = "/api/items", tag = "supply", responses((status = 200, body = Vec<Item>)))]
pub async fn items(
    State(state): State<AppState>,
    _scope: Scope,
) -> Result<Json<Vec<Item>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::items(&mut tx).await?))
}

#[utoipa::path(post, path = "/api/items", tag = "supply", request_body = NewItem,
    responses((status = 201, body = Item), (status = 403, body = ErrorBody)))]
pub async fn add_item(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<NewItem>,
) -> Result<(StatusCode, Json<Item>), AppError> {
    let item = store::add_item(&state.db, &scope, &n).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

#[utoipa::path(get, path = "/api/depots", tag = "supply", responses((status = 200, body = Vec<Depot>), (status = 403, body = ErrorBody)))]
pub async fn depots(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Depot>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::depots(&mut tx, &scope).await?))
}

#[utoipa::path(post, path = "/api/depots", tag = "supply", request_body = NewDepot,
    responses((status = 201, body = Depot), (status = 403, body = ErrorBody)))]
pub async fn create_depot(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<NewDepot>,
) -> Result<(StatusCode, Json<Depot>), AppError> {
    let depot = store::create_depot(&state.db, &scope, &n).await?;
    Ok((StatusCode::CREATED, Json(depot)))
}

/// A depot with what it holds.
#[derive(Serialize, ToSchema)]
pub struct DepotStock {
    pub depot: Depot,
    pub stock: Vec<StockLine>,
    /// Its latest movements, newest first.
    pub movements: Vec<Movement>,
}

#[utoipa::path(get, path = "/api/depots/{id}", tag = "supply", params(("id" = i64, Path)),
    responses((status = 200, body = DepotStock), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn depot(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<DepotStock>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(DepotStock {
        depot: store::depot(&mut tx, &scope, id).await?,
        stock: store::stock(&mut tx, &scope, id).await?,
        movements: store::movements(&mut tx, &scope, id).await?,
    }))
}

#[utoipa::path(post, path = "/api/depots/{id}/receive", tag = "supply", params(("id" = i64, Path)), request_body = StockChange,
    responses((status = 200, body = StockLine), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(c): Json<StockChange>,
) -> Result<Json<StockLine>, AppError> {
    Ok(Json(store::receive(&state.db, &scope, id, &c).await?))
}

#[utoipa::path(post, path = "/api/depots/{id}/adjust", tag = "supply", params(("id" = i64, Path)), request_body = StockChange,
    responses((status = 200, body = StockLine), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn adjust(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(c): Json<StockChange>,
) -> Result<Json<StockLine>, AppError> {
    Ok(Json(store::adjust(&state.db, &scope, id, &c).await?))
}

#[utoipa::path(get, path = "/api/depots/{id}/reservations", tag = "supply", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Reservation>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reservations(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Reservation>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::reservations(&mut tx, &scope, id).await?))
}

#[utoipa::path(post, path = "/api/depots/{id}/reservations", tag = "supply", params(("id" = i64, Path)), request_body = NewReservation,
    responses((status = 201, body = Reservation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reserve(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<NewReservation>,
) -> Result<(StatusCode, Json<Reservation>), AppError> {
    let made = store::reserve(&state.db, &scope, id, &r).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Why held stock is let go (required), or a note on what was sent.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct Settle {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/reservations/{id}/dispatch", tag = "supply", params(("id" = i64, Path)), request_body = Settle,
    responses((status = 200, body = Reservation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn dispatch(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(s): Json<Settle>,
) -> Result<Json<Reservation>, AppError> {
    Ok(Json(
        store::settle(&state.db, &scope, id, true, &s.reason).await?,
    ))
}

#[utoipa::path(post, path = "/api/reservations/{id}/release", tag = "supply", params(("id" = i64, Path)), request_body = Settle,
    responses((status = 200, body = Reservation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(s): Json<Settle>,
) -> Result<Json<Reservation>, AppError> {
    Ok(Json(
        store::settle(&state.db, &scope, id, false, &s.reason).await?,
    ))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct OfferParams {
    /// goods, service, vehicle or money.
    pub kind: String,
    /// offered, received or withdrawn.
    pub status: String,
}

impl OfferParams {
    pub fn checked(&self) -> Result<(Option<OfferKind>, Option<OfferStatus>), AppError> {
        let mut errors = Invalid::default();
        let kind = match self.kind.trim() {
            "" => None,
            k => OfferKind::parse(k).or_else(|| {
                errors.push(crate::web::error::FieldError::new("kind", "err-offer-kind"));
                None
            }),
        };
        let status = match self.status.trim() {
            "" => None,
            s => OfferStatus::parse(s).or_else(|| {
                errors.push(crate::web::error::FieldError::new("status", "err-status"));
                None
            }),
        };
        errors.into_result()?;
        Ok((kind, status))
    }
}

#[utoipa::path(get, path = "/api/offers", tag = "supply", params(OfferParams),
    responses((status = 200, body = Vec<Offer>), (status = 403, body = ErrorBody)))]
pub async fn offers(
    State(state): State<AppState>,
    scope: Scope,
    Query(p): Query<OfferParams>,
) -> Result<Json<Vec<Offer>>, AppError> {
    let (kind, status) = p.checked()?;
    let mut tx = state.db.read().await?;
    Ok(Json(store::offers(&mut tx, &scope, kind, status).await?))
}

#[utoipa::path(post, path = "/api/offers", tag = "supply", request_body = NewOffer,
    responses((status = 201, body = Offer), (status = 403, body = ErrorBody)))]
pub async fn create_offer(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<NewOffer>,
) -> Result<(StatusCode, Json<Offer>), AppError> {
    let made = store::create_offer(&state.db, &scope, &n).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/offers/{id}", tag = "supply", params(("id" = i64, Path)),
    responses((status = 200, body = Offer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn offer(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Offer>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::offer(&mut tx, &scope, id).await?))
}

#[utoipa::path(post, path = "/api/offers/{id}/receive", tag = "supply", params(("id" = i64, Path)), request_body = OfferReceipt,
    responses((status = 200, body = Offer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn receive_offer(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<OfferReceipt>,
) -> Result<Json<Offer>, AppError> {
    Ok(Json(store::receive_offer(&state.db, &scope, id, &r).await?))
}

#[utoipa::path(post, path = "/api/offers/{id}/withdraw", tag = "supply", params(("id" = i64, Path)), request_body = Settle,
    responses((status = 200, body = Offer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw_offer(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(s): Json<Settle>,
) -> Result<Json<Offer>, AppError> {
    Ok(Json(
        store::withdraw_offer(&state.db, &scope, id, &s.reason).await?,
    ))
}

#[utoipa::path(post, path = "/api/offers/{id}/reveal", tag = "supply", params(("id" = i64, Path)), request_body = RevealRequest,
    responses((status = 200, body = Revealed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reveal_offer(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(r): Json<RevealRequest>,
) -> Result<Json<Revealed>, AppError> {
    let value = store::reveal_offer(&state.db, &scope, id, &r.field, &r.reason).await?;
    Ok(Json(Revealed {
        field: r.field,
        value,
    }))
}

#[utoipa::path(get, path = "/api/appeals", tag = "supply", responses((status = 200, body = Vec<Appeal>)))]
pub async fn appeals(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<Appeal>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::appeals(&mut tx, &scope).await?))
}

#[utoipa::path(post, path = "/api/appeals", tag = "supply", request_body = NewAppeal,
    responses((status = 201, body = Appeal), (status = 403, body = ErrorBody)))]
pub async fn create_appeal(
    State(state): State<AppState>,
    scope: Scope,
    Json(n): Json<NewAppeal>,
) -> Result<(StatusCode, Json<Appeal>), AppError> {
    let made = store::create_appeal(&state.db, &scope, &n).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/appeals/{id}", tag = "supply", params(("id" = i64, Path)),
    responses((status = 200, body = Appeal), (status = 404, body = ErrorBody)))]
pub async fn appeal(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Appeal>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::appeal(&mut tx, &scope, id).await?))
}

#[utoipa::path(post, path = "/api/appeals/{id}/close", tag = "supply", params(("id" = i64, Path)),
    responses((status = 200, body = Appeal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close_appeal(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Appeal>, AppError> {
    Ok(Json(store::close_appeal(&state.db, &scope, id).await?))
}

#[utoipa::path(get, path = "/api/appeals/{id}/pledges", tag = "supply", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Offer>), (status = 404, body = ErrorBody)))]
pub async fn pledges(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Offer>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::pledges(&mut tx, &scope, id).await?))
}

#[utoipa::path(post, path = "/api/appeals/{id}/pledges", tag = "supply", params(("id" = i64, Path)), request_body = NewPledge,
    responses((status = 201, body = Vec<Offer>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn pledge(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(p): Json<NewPledge>,
) -> Result<(StatusCode, Json<Vec<Offer>>), AppError> {
    let made = store::pledge(&state.db, &scope, id, &p).await?;
    Ok((StatusCode::CREATED, Json(made)))
}
