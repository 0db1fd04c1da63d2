//! JSON API: the test schedules, a subject's management started and
//! released, the office's lists (overdue, ready, positive), result lists
//! and the results nobody matched. Result lists are sent as files through
//! the page.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::store::{
    self, LevelSchedule, Managed, ManagedView, NewManagement, ResultReport, ScheduleChange,
    UnmatchedResult,
};
use crate::access::model::Scope;
use crate::web::AppState;
use crate::web::error::{AppError, ErrorBody};
use crate::web::extract::{Json, Path, Query};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/screening/schedules", get(schedules))
        .route("/api/screening/schedules/{level}", put(set_schedule))
        .route("/api/screening/subjects/{id}/management", post(start))
        .route("/api/screening/managed", get(managed))
        .route("/api/screening/managed/{id}/release", post(release))
        .route("/api/screening/results", get(result_lists))
        .route("/api/screening/results/unmatched", get(unmatched))
        .route("/api/screening/results/rematch", post(rematch))
        .route("/api/screening/figures", get(figures))
}

#[utoipa::path(get, path = "/api/screening/schedules", tag = "screening",
    responses((status = 200, body = Vec<LevelSchedule>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn schedules(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<LevelSchedule>>, AppError> {
    crate::screening::store::screens(&scope)?;
    let mut tx = state.db.read().await?;
    Ok(Json(store::schedules(&mut tx).await?))
}

/// Set a level's test schedule (admins); people already managed keep
/// the schedule they started on.
#[utoipa::path(put, path = "/api/screening/schedules/{level}", tag = "screening",
    params(("level" = crate::management::model::ManagementLevel, Path)), request_body = ScheduleChange,
    responses((status = 200, body = LevelSchedule), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_schedule(
    State(state): State<AppState>,
    scope: Scope,
    Path(level): Path<String>,
    Json(c): Json<ScheduleChange>,
) -> Result<Json<LevelSchedule>, AppError> {
    Ok(Json(
        store::set_schedule(&state.db, &scope, &level, &c).await?,
    ))
}

/// Manage a subject at a level (on its schedule as it is now).
#[utoipa::path(post, path = "/api/screening/subjects/{id}/management", tag = "screening", params(("id" = i64, Path)),
    request_body = NewManagement,
    responses((status = 201, body = Managed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(n): Json<NewManagement>,
) -> Result<(axum::http::StatusCode, Json<Managed>), AppError> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(store::start(&state.db, &scope, id, &n).await?),
    ))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewQuery {
    /// active (default), overdue, ready, positive or released.
    #[serde(default)]
    #[param(value_type = Option<ManagedView>)]
    pub view: String,
}

/// The people the caller's office manages: one list, with each one's
/// tests expected and received.
#[utoipa::path(get, path = "/api/screening/managed", tag = "screening", params(ViewQuery),
    responses((status = 200, body = Vec<Managed>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn managed(
    State(state): State<AppState>,
    scope: Scope,
    Query(q): Query<ViewQuery>,
) -> Result<Json<Vec<Managed>>, AppError> {
    let view = match q.view.trim() {
        "" => ManagedView::Active,
        v => {
            ManagedView::parse(v).ok_or_else(|| AppError::invalid("view", "err-management-view"))?
        }
    };
    let mut tx = state.db.read().await?;
    Ok(Json(store::managed(&mut tx, &scope, view).await?))
}

/// Release a person whose schedule is complete.
#[utoipa::path(post, path = "/api/screening/managed/{id}/release", tag = "screening", params(("id" = i64, Path)),
    responses((status = 200, body = Managed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Json<Managed>, AppError> {
    Ok(Json(store::release(&state.db, &scope, id).await?))
}

/// The result lists the caller's office sent, latest first.
#[utoipa::path(get, path = "/api/screening/results", tag = "screening",
    responses((status = 200, body = Vec<ResultReport>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn result_lists(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<ResultReport>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::result_lists(&mut tx, &scope).await?))
}

/// Results the caller's office sent that match nobody on the lists.
#[utoipa::path(get, path = "/api/screening/results/unmatched", tag = "screening",
    responses((status = 200, body = Vec<UnmatchedResult>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn unmatched(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Vec<UnmatchedResult>>, AppError> {
    let mut tx = state.db.read().await?;
    Ok(Json(store::unmatched(&mut tx, &scope).await?))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rematched {
    /// Results that match a subject now.
    pub matched: i64,
}

/// Match the office's unmatched results again (people listed since).
#[utoipa::path(post, path = "/api/screening/results/rematch", tag = "screening",
    responses((status = 200, body = Rematched), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn rematch(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Json<Rematched>, AppError> {
    Ok(Json(Rematched {
        matched: store::rematch(&state.db, &scope).await?,
    }))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Span {
    /// First day, YYYY-MM-DD (Beijing); six days before `to` by default.
    #[serde(default)]
    pub from: String,
    /// Last day, YYYY-MM-DD; today by default. At most 92 days in all.
    #[serde(default)]
    pub to: String,
}

impl Span {
    /// The days asked for, or the field that does not read as a day.
    pub fn days(&self) -> Result<(time::Date, time::Date), AppError> {
        let today = super::model::beijing_day(crate::db::now());
        let read = |field: &'static str, text: &str, default: time::Date| match text.trim() {
            "" => Ok(default),
            t => {
                crate::screening::model::date(t).ok_or_else(|| AppError::invalid(field, "err-date"))
            }
        };
        let to = read("to", &self.to, today)?;
        let from = read("from", &self.from, to - time::Duration::days(6))?;
        Ok((from, to))
    }
}

/// The office's screening figures over some days, from the work log:
/// calls per shift and seat, reach rate, results matched, transfers
/// answered in time, people under management.
#[utoipa::path(get, path = "/api/screening/figures", tag = "screening", params(Span),
    responses((status = 200, body = store::Figures), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn figures(
    State(state): State<AppState>,
    scope: Scope,
    Query(span): Query<Span>,
) -> Result<Json<store::Figures>, AppError> {
    let (from, to) = span.days()?;
    let mut tx = state.db.read().await?;
    Ok(Json(store::figures(&mut tx, &scope, from, to).await?))
}
