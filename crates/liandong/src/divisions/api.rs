//! JSON API: divisions and zones.

use crate::web::extract::Json;
use crate::web::extract::{Path, Query};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use divisions::{Division, DivisionLevel, Resolver, Tree};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{LiftZone, NewZone, Zone};
use super::store;
use crate::access::model::Scope;
use crate::web::AppState;
use crate::web::error::{AppError, ErrorBody, FieldError, Invalid};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/divisions", get(search))
        .route("/api/divisions/resolve", post(resolve))
        .route("/api/divisions/{code}", get(detail))
        .route("/api/zones", get(list_zones).post(mark_zone))
        .route("/api/zones/{id}/lift", post(lift_zone))
}

/// A division with its official code.
#[derive(Serialize, ToSchema)]
pub struct DivisionView {
    pub code: String,
    pub name: String,
    /// province, city, district, street or community.
    pub level: String,
    /// The names from the province down, e.g. 陕西省西安市雁塔区小寨路街道.
    pub full_name: String,
    /// A county-level development or functional zone.
    pub development_zone: bool,
    /// A statistical "virtual" community nobody lives in.
    pub virtual_community: bool,
    /// Set when found through a former name (户县 → 鄠邑区).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub former_name: Option<String>,
}

impl DivisionView {
    pub fn of(d: &Division<'_>) -> DivisionView {
        DivisionView {
            code: d.code(),
            name: d.name().to_owned(),
            level: d.level().as_str().to_owned(),
            full_name: d.full_name(),
            development_zone: d.is_development_zone(),
            virtual_community: d.is_virtual(),
            former_name: None,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Name fragment, former name, or code prefix.
    pub q: String,
    /// Limit to the subtree of this division code.
    pub within: Option<String>,
    /// At most this many (default 20, at most 200).
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/divisions", tag = "divisions", params(SearchParams),
    responses((status = 200, body = Vec<DivisionView>), (status = 422, body = ErrorBody)))]
pub async fn search(
    _scope: Scope,
    Query(p): Query<SearchParams>,
) -> Result<Json<Vec<DivisionView>>, AppError> {
    let tree = Tree::china();
    let within = match p.within.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => Some(
            tree.find(code)
                .ok_or(AppError::invalid("within", "err-division"))?
                .id(),
        ),
        None => None,
    };
    let limit = p.limit.unwrap_or(20);
    let mut errors = Invalid::default();
    errors.optional("q", &p.q, 100);
    if !(1..=200).contains(&limit) {
        errors.push(FieldError::new("limit", "err-limit"));
    }
    errors.into_result()?;
    Ok(Json(
        tree.search(&p.q, within, limit)
            .into_iter()
            .map(|h| DivisionView {
                former_name: h.former_name.map(str::to_owned),
                ..DivisionView::of(&tree.division(h.id))
            })
            .collect(),
    ))
}

/// An address to resolve: sent in the body, not the URL, so that it stays
/// out of access logs, history and referrers (addresses are personal data).
#[derive(Deserialize, ToSchema)]
pub struct ResolveRequest {
    /// A free-text address as people write it, e.g. 西安市鄠邑区涝店镇龙窝村委会
    /// (at most 500 chars).
    #[serde(default)]
    pub address: String,
}

/// A piece of the address that named a division.
#[derive(Serialize, ToSchema)]
pub struct AddressSpan {
    /// province, city, district, street or community.
    pub level: String,
    /// The name as written in the address, from its first char to its
    /// last (spaces or a note inside it included, a note after it not).
    pub text: String,
}

/// The division a free-text address lies in, as far as its text determines.
#[derive(Serialize, ToSchema)]
pub struct AddressResolution {
    /// The deepest division the text determines; none when it names none.
    pub division: Option<DivisionView>,
    /// From the province down to that division.
    pub path: Vec<DivisionView>,
    /// The pieces of the text that named them.
    pub spans: Vec<AddressSpan>,
    /// 1 when every level was written with its suffix, 0.8 when some
    /// were not, 0.5 when the text is ambiguous below the answer.
    pub confidence: f32,
    /// Set when the text goes deeper but fits several divisions at this
    /// level (two 新村 in one street): the answer stops above it.
    pub ambiguous_at: Option<String>,
    /// The text fits divisions far apart (新城区 is in Xi'an and in
    /// Hohhot) and the caller's jurisdiction chose the nearest: confidence
    /// is then 0.7. A text that fits one place is read as written.
    pub by_jurisdiction: bool,
}

/// The longest an address to resolve may be, in chars.
const ADDRESS_MAX_CHARS: usize = 500;

/// Resolve `address` (checked: not empty, not too long) as read by
/// someone working in `jurisdiction` (a division code; "" for the whole
/// country), off the async threads: the first call in a process builds the
/// matcher (~150 ms).
pub async fn resolve_address(
    address: &str,
    jurisdiction: &str,
) -> Result<AddressResolution, AppError> {
    let mut invalid = Invalid::default();
    invalid.text("address", address, ADDRESS_MAX_CHARS);
    invalid.into_result()?;
    let address = address.trim().to_owned();
    let jurisdiction = jurisdiction.to_owned();
    let resolved = tokio::task::spawn_blocking(move || {
        let tree = Tree::china();
        let r = Resolver::china()
            .near(super::model::jurisdiction_id(&jurisdiction))
            .resolve(&address);
        let division = r.division.map(|id| tree.division(id));
        AddressResolution {
            division: division.as_ref().map(DivisionView::of),
            path: division
                .map(|d| d.path().iter().map(DivisionView::of).collect())
                .unwrap_or_default(),
            spans: r
                .spans
                .iter()
                .map(|s| AddressSpan {
                    level: s.level.as_str().to_owned(),
                    text: address.get(s.range.clone()).unwrap_or_default().to_owned(),
                })
                .collect(),
            confidence: r.confidence,
            ambiguous_at: r.ambiguous_at.map(|l| l.as_str().to_owned()),
            by_jurisdiction: r.by_jurisdiction,
        }
    })
    .await
    .map_err(anyhow::Error::from)?;
    Ok(resolved)
}

/// Which street and community an address belongs to: the resolver's
/// answer, never a blind guess (an ambiguous text stops at the level it is
/// sure of and says where it became ambiguous, unless the caller's
/// jurisdiction lies nearer some of the places it fits: then those, marked
/// `by_jurisdiction`).
#[utoipa::path(post, path = "/api/divisions/resolve", tag = "divisions", request_body = ResolveRequest,
    responses((status = 200, body = AddressResolution), (status = 422, body = ErrorBody)))]
pub async fn resolve(
    scope: Scope,
    Json(r): Json<ResolveRequest>,
) -> Result<Json<AddressResolution>, AppError> {
    Ok(Json(
        resolve_address(&r.address, scope.jurisdiction()).await?,
    ))
}

/// A division with its path, children, counts below it, and zones.
#[derive(Serialize, ToSchema)]
pub struct DivisionDetail {
    #[serde(flatten)]
    pub division: DivisionView,
    pub path: Vec<DivisionView>,
    pub children: Vec<DivisionView>,
    /// Number of divisions below, by level name.
    pub counts: std::collections::BTreeMap<String, usize>,
    /// Zones on this division, above it and below it that the caller may see.
    pub zones: Vec<Zone>,
}

pub fn counts_below(d: &Division<'_>) -> Vec<(DivisionLevel, usize)> {
    DivisionLevel::ALL
        .into_iter()
        .filter(|l| *l > d.level())
        .map(|l| (l, d.count_descendants(l)))
        .collect()
}

#[utoipa::path(get, path = "/api/divisions/{code}", tag = "divisions",
    params(("code" = String, Path, description = "Official code: 2, 4, 6, 9 or 12 digits")),
    responses((status = 200, body = DivisionDetail), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    scope: Scope,
    Path(code): Path<String>,
) -> Result<Json<DivisionDetail>, AppError> {
    let tree = Tree::china();
    let d = tree.find(&code).ok_or(AppError::NotFound)?;
    let mut tx = state.db.read().await?;
    let zones = store::list(&mut tx, &scope, &d.code(), false).await?;
    Ok(Json(DivisionDetail {
        division: DivisionView::of(&d),
        path: d.path().iter().map(DivisionView::of).collect(),
        children: d.children().map(|c| DivisionView::of(&c)).collect(),
        counts: counts_below(&d)
            .into_iter()
            .map(|(l, n)| (l.as_str().to_owned(), n))
            .collect(),
        zones,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ZoneParams {
    /// Division code: zones on it, above and below it (default: the caller's jurisdiction).
    pub division: Option<String>,
    /// Only zones in force (not lifted).
    pub active: Option<bool>,
}

#[utoipa::path(get, path = "/api/zones", tag = "divisions", params(ZoneParams),
    responses((status = 200, body = Vec<Zone>)))]
pub async fn list_zones(
    State(state): State<AppState>,
    scope: Scope,
    Query(p): Query<ZoneParams>,
) -> Result<Json<Vec<Zone>>, AppError> {
    let code = p
        .division
        .unwrap_or_else(|| scope.jurisdiction().to_owned());
    let mut tx = state.db.read().await?;
    Ok(Json(
        store::list(&mut tx, &scope, code.trim(), p.active.unwrap_or(false)).await?,
    ))
}

#[utoipa::path(post, path = "/api/zones", tag = "divisions", request_body = NewZone,
    responses((status = 201, body = Zone), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mark_zone(
    State(state): State<AppState>,
    scope: Scope,
    Json(z): Json<NewZone>,
) -> Result<(StatusCode, Json<Zone>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(store::mark(&state.db, &scope, &z).await?),
    ))
}

#[utoipa::path(post, path = "/api/zones/{id}/lift", tag = "divisions", request_body = LiftZone,
    params(("id" = i64, Path)),
    responses((status = 200, body = Zone), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn lift_zone(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Json(body): Json<LiftZone>,
) -> Result<Json<Zone>, AppError> {
    Ok(Json(
        store::lift(&state.db, &scope, id, &body.reason).await?,
    ))
}
