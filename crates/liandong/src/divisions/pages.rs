//! Pages: the divisions browser, search, marking and lifting zones.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use divisions::{DivisionLevel, Tree};
use serde::Deserialize;

use super::api::{AddressResolution, counts_below, resolve_address};
use super::model::{NewZone, Zone, ZoneLevel};
use super::store;
use crate::access::model::Scope;
use crate::web::error::{AppError, Invalid};
use crate::web::{AppState, Chrome, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/divisions", get(browse_root))
        .route("/divisions/search", get(search_partial))
        .route("/divisions/resolve", post(resolve_form))
        .route("/divisions/{code}", get(browse))
        .route("/divisions/{code}/zones", post(mark))
        .route("/divisions/{code}/poster.pdf", get(poster_pdf))
        .route("/divisions/{code}/qr.png", get(qr_png))
        .route("/zones/{id}/lift", post(lift))
}

pub struct Hit {
    pub code: String,
    pub full_name: String,
    pub former_name: String,
}

pub struct Current {
    pub code: String,
    pub name: String,
    pub level_key: String,
    pub dev_zone: bool,
    pub virtual_community: bool,
    pub counts: Vec<(&'static str, usize)>,
    /// Its communities' QR posters can be printed (a district, a street,
    /// a community people live in); a community's code also as PNG.
    pub posters: bool,
    pub is_community: bool,
}

/// What an address was resolved to, for the page.
pub struct Resolved {
    /// (code, name) from the province down.
    pub path: Vec<(String, String)>,
    pub code: String,
    pub level_key: String,
    pub confidence: String,
    /// The level the text was ambiguous at ("" when it was not).
    pub ambiguous_key: String,
    /// (level key, text) of the pieces that named the divisions.
    pub spans: Vec<(String, String)>,
    /// The reader's jurisdiction chose among places far apart.
    pub by_jurisdiction: bool,
}

impl Resolved {
    fn of(r: &AddressResolution) -> Resolved {
        Resolved {
            path: r
                .path
                .iter()
                .map(|d| (d.code.clone(), d.name.clone()))
                .collect(),
            code: r
                .division
                .as_ref()
                .map(|d| d.code.clone())
                .unwrap_or_default(),
            level_key: r
                .division
                .as_ref()
                .map(|d| format!("level-{}", d.level))
                .unwrap_or_default(),
            confidence: format!("{:.1}", r.confidence),
            ambiguous_key: r
                .ambiguous_at
                .as_ref()
                .map(|l| format!("level-{l}"))
                .unwrap_or_default(),
            spans: r
                .spans
                .iter()
                .map(|s| (format!("level-{}", s.level), s.text.clone()))
                .collect(),
            by_jurisdiction: r.by_jurisdiction,
        }
    }
}

/// The address box's state: what was asked, and the answer or what was
/// wrong with it.
#[derive(Default)]
pub struct AddressBox {
    pub address: String,
    pub resolved: Option<Resolved>,
    pub errors: Invalid,
    /// Shown inside a form being filled (the hotline's): its links stay
    /// out of the tab order.
    pub in_form: bool,
}

impl AddressBox {
    async fn of(address: String, jurisdiction: &str) -> Result<AddressBox, AppError> {
        let mut b = AddressBox {
            address,
            ..AddressBox::default()
        };
        // A box emptied while typing is no mistake: it just shows nothing.
        if b.address.trim().is_empty() {
            return Ok(b);
        }
        match resolve_address(&b.address, jurisdiction).await {
            Ok(r) => b.resolved = Some(Resolved::of(&r)),
            Err(AppError::Invalid(errors)) => b.errors = errors,
            Err(e) => return Err(e),
        }
        Ok(b)
    }
}

#[derive(Template)]
#[template(path = "divisions.html")]
struct DivisionsPage {
    c: Chrome,
    q: String,
    hits: Vec<Hit>,
    found: AddressBox,
    crumbs: Vec<(String, String)>,
    current: Option<Current>,
    children: Vec<(String, String)>,
    zones: Vec<Zone>,
    can_mark: bool,
    levels: Vec<&'static str>,
    form_level: &'static str,
    form_compound: String,
    form_starts_at: String,
    form_reason: String,
    errors: Invalid,
    notice: String,
}

#[derive(Template)]
#[template(path = "division_hits.html")]
struct HitsPartial {
    c: Chrome,
    q: String,
    hits: Vec<Hit>,
}

#[derive(Template)]
#[template(path = "division_resolved.html")]
struct ResolvedPartial {
    c: Chrome,
    found: AddressBox,
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    notice: String,
}

/// The address box, posted (addresses stay out of URLs).
#[derive(Deserialize)]
struct AddressForm {
    #[serde(default)]
    address: String,
    /// "1" from a form being filled.
    #[serde(default)]
    in_form: String,
}

fn level_count_key(l: DivisionLevel) -> &'static str {
    match l {
        DivisionLevel::Province => "count-province",
        DivisionLevel::City => "count-city",
        DivisionLevel::District => "count-district",
        DivisionLevel::Street => "count-street",
        DivisionLevel::Community => "count-community",
    }
}

fn hits(q: &str) -> Vec<Hit> {
    let tree = Tree::china();
    tree.search(q, None, 30)
        .into_iter()
        .map(|h| {
            let d = tree.division(h.id);
            Hit {
                code: d.code(),
                full_name: d.full_name(),
                former_name: h.former_name.unwrap_or("").to_owned(),
            }
        })
        .collect()
}

async fn browse_root(
    scope: Scope,
    c: Chrome,
    Query(sq): Query<SearchQuery>,
) -> Result<Response, AppError> {
    // Start where the caller works; the whole country for national accounts.
    if sq.q.trim().is_empty() && !scope.jurisdiction().is_empty() {
        return Ok(Redirect::to(&format!("/divisions/{}", scope.jurisdiction())).into_response());
    }
    Ok(render(&root_page(c, sq.q))?.into_response())
}

/// The whole country's page, with the search hits for `q`.
fn root_page(c: Chrome, q: String) -> DivisionsPage {
    DivisionsPage {
        hits: hits(&q),
        found: AddressBox::default(),
        q,
        crumbs: Vec::new(),
        current: None,
        children: Tree::china()
            .roots()
            .map(|d| (d.code(), d.name().to_owned()))
            .collect(),
        zones: Vec::new(),
        can_mark: false,
        levels: Vec::new(),
        form_level: "sealed",
        form_compound: String::new(),
        form_starts_at: String::new(),
        form_reason: String::new(),
        errors: Invalid::default(),
        notice: String::new(),
        c,
    }
}

async fn search_partial(
    _scope: Scope,
    c: Chrome,
    Query(sq): Query<SearchQuery>,
) -> Result<Response, AppError> {
    Ok(render(&HitsPartial {
        hits: hits(&sq.q),
        q: sq.q,
        c,
    })?
    .into_response())
}

/// The address box: its answer alone for htmx, else the divisions page
/// around it (a browser without JavaScript).
async fn resolve_form(
    scope: Scope,
    c: Chrome,
    headers: HeaderMap,
    Form(form): Form<AddressForm>,
) -> Result<Response, AppError> {
    let mut found = AddressBox::of(form.address, scope.jurisdiction()).await?;
    found.in_form = form.in_form == "1";
    if headers.contains_key("hx-request") {
        return Ok(render(&ResolvedPartial { found, c })?.into_response());
    }
    let page = DivisionsPage {
        found,
        ..root_page(c, String::new())
    };
    Ok(render(&page)?.into_response())
}

struct ZoneForm {
    level: &'static str,
    compound: String,
    starts_at: String,
    reason: String,
}

async fn page_for(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    code: &str,
    form: ZoneForm,
    errors: Invalid,
    notice: String,
) -> Result<DivisionsPage, AppError> {
    let tree = Tree::china();
    let d = tree.find(code).ok_or(AppError::NotFound)?;
    let mut tx = state.db.read().await?;
    let zones = store::list(&mut tx, scope, &d.code(), false).await?;
    let mut crumbs: Vec<(String, String)> = d
        .path()
        .iter()
        .map(|p| (p.code(), p.name().to_owned()))
        .collect();
    crumbs.pop();
    Ok(DivisionsPage {
        q: String::new(),
        hits: Vec::new(),
        found: AddressBox::default(),
        crumbs,
        current: Some(Current {
            code: d.code(),
            name: d.name().to_owned(),
            level_key: format!("level-{}", d.level().as_str()),
            dev_zone: d.is_development_zone(),
            virtual_community: d.is_virtual(),
            posters: d.level() >= DivisionLevel::District && !d.is_virtual(),
            is_community: d.level() == DivisionLevel::Community && !d.is_virtual(),
            counts: counts_below(&d)
                .into_iter()
                .map(|(l, n)| (level_count_key(l), n))
                .collect(),
        }),
        children: d
            .children()
            .map(|ch| (ch.code(), ch.name().to_owned()))
            .collect(),
        zones,
        can_mark: scope.covers(&d.code()),
        levels: ZoneLevel::ALL.iter().map(|l| l.as_str()).collect(),
        form_level: form.level,
        form_compound: form.compound,
        form_starts_at: form.starts_at,
        form_reason: form.reason,
        errors,
        notice,
        c,
    })
}

fn empty_form() -> ZoneForm {
    ZoneForm {
        level: "sealed",
        compound: String::new(),
        starts_at: String::new(),
        reason: String::new(),
    }
}

async fn browse(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(code): Path<String>,
    Query(sq): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let notice = match sq.notice.as_str() {
        "marked" => c.t("zone-marked"),
        "lifted" => c.t("zone-lifted"),
        _ => String::new(),
    };
    let page = page_for(
        &state,
        &scope,
        c,
        &code,
        empty_form(),
        Invalid::default(),
        notice,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct MarkForm {
    level: String,
    #[serde(default)]
    compound: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    reason: String,
}

async fn mark(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(code): Path<String>,
    Form(f): Form<MarkForm>,
) -> Result<Response, AppError> {
    let z = NewZone {
        division_code: code.clone(),
        compound: f.compound.clone(),
        level: f.level.clone(),
        starts_at: f.starts_at.clone(),
        reason: f.reason.clone(),
    };
    let errors = match store::mark(&state.db, &scope, &z).await {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/divisions/{code}?notice=marked")).into_response());
        }
        Err(AppError::Invalid(e)) => e,
        Err(AppError::Conflict(key)) => {
            Invalid(vec![crate::web::error::FieldError::new("compound", key)])
        }
        Err(e) => return Err(e),
    };
    let form = ZoneForm {
        level: ZoneLevel::parse(&f.level).map_or("sealed", |l| l.as_str()),
        compound: f.compound,
        starts_at: f.starts_at,
        reason: f.reason,
    };
    let page = page_for(&state, &scope, c, &code, form, errors, String::new()).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Deserialize)]
struct LiftForm {
    back: String,
    #[serde(default)]
    reason: String,
}

async fn lift(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Form(f): Form<LiftForm>,
) -> Result<Response, AppError> {
    store::lift(&state.db, &scope, id, &f.reason).await?;
    let back = Tree::china()
        .find(&f.back)
        .map(|d| d.code())
        .unwrap_or_default();
    Ok(Redirect::to(&format!("/divisions/{back}?notice=lifted")).into_response())
}

/// The communities a poster document is for: the community itself, or
/// those below a street or district (statistical units left out).
fn poster_places(code: &str) -> Result<Vec<divisions::Division<'static>>, AppError> {
    let d = Tree::china().find(code.trim()).ok_or(AppError::NotFound)?;
    if d.level() < DivisionLevel::District {
        return Err(AppError::invalid("code", "err-poster-level"));
    }
    let places: Vec<_> = d
        .subtree()
        .filter(|c| c.level() == DivisionLevel::Community && !c.is_virtual())
        .collect();
    if places.is_empty() {
        return Err(AppError::NotFound);
    }
    if places.len() > super::poster::MAX_POSTERS {
        return Err(AppError::invalid("code", "err-poster-level"));
    }
    Ok(places)
}

fn help_link(state: &AppState, headers: &HeaderMap, code: &str) -> String {
    crate::web::public_link(state, headers, &format!("/help?at={code}"))
}

/// A community's QR poster, or every community's of a street or district,
/// one A4 page each, to print.
async fn poster_pdf(
    State(state): State<AppState>,
    _scope: Scope,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let code = code.trim_end_matches(".pdf").to_owned();
    let posters: Vec<super::poster::Poster> = poster_places(&code)?
        .iter()
        .map(|d| super::poster::Poster {
            place: d.full_name(),
            link: help_link(&state, &headers, &d.code()),
            hotline: state.settings.hotline.clone(),
        })
        .collect();
    let pdf = tokio::task::spawn_blocking(move || super::poster::posters_pdf(&posters))
        .await
        .map_err(|e| AppError::Internal(e.into()))??;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("inline; filename=\"poster-{code}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// A community's code alone, as PNG.
async fn qr_png(
    State(state): State<AppState>,
    _scope: Scope,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let d = Tree::china()
        .find(code.trim())
        .filter(|d| d.level() == DivisionLevel::Community)
        .ok_or(AppError::NotFound)?;
    let png = super::poster::qr_png(&help_link(&state, &headers, &d.code()))?;
    Ok(crate::web::download(
        png,
        "image/png",
        &format!("qr-{}.png", d.code()),
    ))
}
