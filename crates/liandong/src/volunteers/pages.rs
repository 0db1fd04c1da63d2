//! Pages: a campaign's public page with its sign-up form (a phone, no
//! account, no JavaScript), and the applicant's page by reference.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::model::{Campaign, Category, NewApplication, Skill, Window};
use super::store::{self, PublicApplication};
use crate::needs::model::parse_reference;
use crate::web::error::{AppError, FieldError, Invalid};
use crate::web::extract::HtmlForm;
use crate::web::{AppState, Chrome, ClientIp, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/join/{reference}", get(campaign_page).post(sign_up))
        .route("/join/{reference}/qr.svg", get(campaign_qr))
        .route("/applications/{reference}", get(application_page))
}

fn spaced(r: &str) -> String {
    format!("{}-{}", &r[..5], &r[5..])
}

#[derive(Template)]
#[template(path = "campaign_public.html")]
struct CampaignPage {
    c: Chrome,
    campaign: Campaign,
    open: bool,
    form: NewApplication,
    errors: Invalid,
    skills: Vec<&'static str>,
    windows: Vec<&'static str>,
    documents: Vec<&'static str>,
}

impl CampaignPage {
    fn has_skill(&self, s: &str) -> bool {
        self.form.skills.iter().any(|x| x == s)
    }
    fn has_window(&self, w: &str) -> bool {
        self.form.availability.iter().any(|x| x == w)
    }
    fn reference(&self) -> String {
        spaced(&self.campaign.reference)
    }
    fn categories(&self) -> Vec<&'static str> {
        self.campaign
            .categories()
            .into_iter()
            .map(Category::as_str)
            .collect()
    }
    /// The error summary's lines: each field's name and what is wrong.
    fn summary(&self) -> Vec<(&'static str, String)> {
        self.errors
            .0
            .iter()
            .filter(|e| e.field != "idempotency_key")
            .map(|e| {
                (
                    e.field,
                    format!(
                        "{}：{}",
                        self.c.t(&format!("join-{}", e.field.replace('_', "-"))),
                        e.message(self.c.lang)
                    ),
                )
            })
            .collect()
    }
}

fn fresh() -> NewApplication {
    NewApplication {
        idempotency_key: format!("{:032x}", rand::random::<u128>()),
        ..NewApplication::default()
    }
}

async fn page(
    state: &AppState,
    c: Chrome,
    reference: &str,
    form: NewApplication,
    errors: Invalid,
) -> Result<CampaignPage, AppError> {
    let reference = parse_reference(reference).ok_or(AppError::NotFound)?;
    let mut tx = state.db.read().await?;
    let campaign = store::public_campaign(&mut tx, &reference).await?;
    Ok(CampaignPage {
        c,
        open: campaign.is_open(store::today()),
        campaign,
        form,
        errors,
        skills: Skill::ALL.iter().map(|s| s.as_str()).collect(),
        windows: Window::ALL.iter().map(|w| w.as_str()).collect(),
        documents: super::model::DocumentType::ALL
            .iter()
            .map(|d| d.as_str())
            .collect(),
    })
}

async fn campaign_page(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Chrome,
    Path(reference): Path<String>,
) -> Result<Response, AppError> {
    if !state.follow_limiter.allow(&crate::web::limit_key(&ip)) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let p = page(&state, c, &reference, fresh(), Invalid::default()).await?;
    Ok(render(&p)?.into_response())
}

/// A sign-up from the form: taken (or found: the same person, the same
/// key), then the applicant's page; else the form again with every wrong
/// field named and what was typed kept.
async fn sign_up(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Chrome,
    Path(reference): Path<String>,
    HtmlForm(form): HtmlForm<NewApplication>,
) -> Result<Response, AppError> {
    let client = crate::web::limit_key(&ip);
    let errors = if state.help_limiter.is_over(&client) {
        Invalid(vec![FieldError::new(
            "idempotency_key",
            "err-help-too-many",
        )])
    } else {
        let campaign = parse_reference(&reference).ok_or(AppError::NotFound)?;
        match store::apply(&state.db, &campaign, &form).await {
            Ok(applied) => {
                if applied.created {
                    state.help_limiter.allow(&client);
                }
                let again = if applied.created { "sent=1" } else { "again=1" };
                return Ok(Redirect::to(&format!(
                    "/applications/{}?{again}",
                    spaced(&applied.reference)
                ))
                .into_response());
            }
            Err(AppError::Invalid(errors)) => errors,
            Err(AppError::Conflict(key)) => Invalid(vec![FieldError::new("idempotency_key", key)]),
            Err(e) => return Err(e),
        }
    };
    let p = page(&state, c, &reference, form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
}

/// The campaign page's QR code (SVG), for posters and group notices.
async fn campaign_qr(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Result<Response, AppError> {
    if !state.follow_limiter.allow(&crate::web::limit_key(&ip)) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let reference = parse_reference(&reference).ok_or(AppError::NotFound)?;
    let mut tx = state.db.read().await?;
    let campaign = store::public_campaign(&mut tx, &reference).await?;
    let link = crate::web::public_link(
        &state,
        &headers,
        &format!("/join/{}", spaced(&campaign.reference)),
    );
    let svg = crate::supply::pages::qr_svg(&link)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        svg,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "application_public.html")]
struct ApplicationPage {
    c: Chrome,
    a: PublicApplication,
    sent: bool,
    again: bool,
}

impl ApplicationPage {
    fn reference(&self) -> String {
        spaced(&self.a.reference)
    }
}

#[derive(serde::Deserialize, Default)]
struct SentQuery {
    #[serde(default)]
    sent: String,
    #[serde(default)]
    again: String,
}

async fn application_page(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Chrome,
    Path(reference): Path<String>,
    axum::extract::Query(q): axum::extract::Query<SentQuery>,
) -> Result<Response, AppError> {
    if !state.follow_limiter.allow(&crate::web::limit_key(&ip)) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let reference = parse_reference(&reference).ok_or(AppError::NotFound)?;
    let mut tx = state.db.read().await?;
    let a = store::public_application(&mut tx, &reference).await?;
    Ok(render(&ApplicationPage {
        c,
        a,
        sent: q.sent == "1",
        again: q.again == "1",
    })?
    .into_response())
}
