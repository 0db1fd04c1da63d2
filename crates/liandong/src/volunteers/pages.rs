//! Pages: a campaign's public page with its sign-up form (a phone, no
//! account, no JavaScript), and the applicant's page by reference.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

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
        .route("/campaigns", get(campaigns).post(create_campaign))
        .route("/campaigns/{id}", get(queue_page).post(queue_action))
}

use crate::supply::pages::spaced;

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
    crate::supply::pages::qr_answer(&link)
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

#[derive(Template)]
#[template(path = "campaigns.html")]
struct CampaignsPage {
    c: Chrome,
    campaigns: Vec<Campaign>,
    orgs: Vec<crate::orgs::model::Org>,
    categories: Vec<&'static str>,
    form: CampaignForm,
    errors: Invalid,
}

impl CampaignsPage {
    fn spaced(&self, r: &str) -> String {
        spaced(r)
    }
    fn wanted(&self, category: &str) -> String {
        self.form.wanted(category)
    }
}

/// The new-campaign form as a page sends it: one "wanted" field per
/// category (blank: not asked for).
#[derive(Debug, Clone, Default, Deserialize)]
struct CampaignForm {
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    division_code: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    minors: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

impl CampaignForm {
    fn wanted(&self, category: &str) -> String {
        self.rest
            .get(&format!("wanted_{category}"))
            .cloned()
            .unwrap_or_default()
    }
}

async fn campaigns_page(
    state: &AppState,
    scope: &crate::access::model::Scope,
    c: Chrome,
    form: CampaignForm,
    errors: Invalid,
) -> Result<CampaignsPage, AppError> {
    if !scope.role().coordinates() {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.read().await?;
    Ok(CampaignsPage {
        c,
        campaigns: store::campaigns(&mut tx, scope).await?,
        orgs: crate::orgs::store::list(&mut tx, scope, Some("approved"), None).await?,
        categories: Category::ALL.iter().map(|k| k.as_str()).collect(),
        form,
        errors,
    })
}

async fn campaigns(
    State(state): State<AppState>,
    scope: crate::access::model::Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let today = store::today();
    let form = CampaignForm {
        starts_on: today.to_string(),
        ends_on: (today + time::Duration::days(30)).to_string(),
        ..CampaignForm::default()
    };
    Ok(
        render(&campaigns_page(&state, &scope, c, form, Invalid::default()).await?)?
            .into_response(),
    )
}

async fn create_campaign(
    State(state): State<AppState>,
    scope: crate::access::model::Scope,
    c: Chrome,
    HtmlForm(form): HtmlForm<CampaignForm>,
) -> Result<Response, AppError> {
    let mut slots = Vec::new();
    let mut errors = Invalid::default();
    for k in Category::ALL {
        let w = form.wanted(k.as_str());
        match w.trim() {
            "" => {}
            n => match n.parse::<i64>() {
                Ok(wanted) => slots.push(super::model::NewSlot {
                    category: k.as_str().to_owned(),
                    wanted,
                }),
                Err(_) => errors.push(FieldError::new("slots", "err-slots")),
            },
        }
    }
    let org_id = form.org_id.trim().parse::<i64>().unwrap_or(0);
    let n = super::model::NewCampaign {
        org_id,
        title: form.title.clone(),
        description: form.description.clone(),
        division_code: crate::web::division_code_of(&form.division_code, scope.jurisdiction()),
        starts_on: form.starts_on.clone(),
        ends_on: form.ends_on.clone(),
        minors: form.minors.clone(),
        slots,
    };
    let result = if errors.is_empty() {
        store::create_campaign(&state.db, &scope, &n).await
    } else {
        Err(AppError::Invalid(errors))
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/campaigns/{}", c.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = campaigns_page(&state, &scope, c, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(AppError::Forbidden) if scope.role().coordinates() => {
            let errors = Invalid(vec![FieldError::new("division_code", "err-outside-scope")]);
            let page = campaigns_page(&state, &scope, c, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "campaign_queue.html")]
struct QueuePage {
    c: Chrome,
    campaign: Campaign,
    applications: Vec<store::Application>,
    total: i64,
    filter: store::QueueFilter,
    errors: Invalid,
    /// Accounts made just now: shown once.
    made: Vec<store::NewVolunteer>,
    notice: String,
    /// (application, field, value) revealed just now.
    revealed: Option<(i64, String, String)>,
    reason: String,
    categories: Vec<&'static str>,
    skills: Vec<&'static str>,
}

impl QueuePage {
    fn shown(&self, id: &i64, field: &str) -> Option<String> {
        self.revealed
            .as_ref()
            .filter(|(i, f, _)| i == id && f == field)
            .map(|(_, _, v)| v.clone())
    }
    fn spaced(&self, r: &str) -> String {
        spaced(r)
    }
}

async fn queue_of(
    state: &AppState,
    scope: &crate::access::model::Scope,
    c: Chrome,
    id: i64,
    filter: store::QueueFilter,
) -> Result<QueuePage, AppError> {
    if !scope.role().coordinates() {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.read().await?;
    let campaign = store::campaign(&mut tx, scope, id).await?;
    let (applications, total, errors) = match store::queue(&mut tx, scope, id, &filter).await {
        Ok((a, t)) => (a, t, Invalid::default()),
        Err(AppError::Invalid(e)) => (Vec::new(), 0, e),
        Err(e) => return Err(e),
    };
    Ok(QueuePage {
        c,
        campaign,
        applications,
        total,
        filter,
        errors,
        made: Vec::new(),
        notice: String::new(),
        revealed: None,
        reason: String::new(),
        categories: Category::ALL.iter().map(|k| k.as_str()).collect(),
        skills: Skill::ALL.iter().map(|k| k.as_str()).collect(),
    })
}

async fn queue_page(
    State(state): State<AppState>,
    scope: crate::access::model::Scope,
    c: Chrome,
    Path(id): Path<i64>,
    axum::extract::Query(filter): axum::extract::Query<store::QueueFilter>,
) -> Result<Response, AppError> {
    Ok(render(&queue_of(&state, &scope, c, id, filter).await?)?.into_response())
}

/// What the queue's one form sends: a selection with a decision for it
/// (or one row's own button, `accept:ID`, `decline:ID`, `ask_more:ID`),
/// or a reveal of one row's field (`document_number:ID`).
#[derive(Debug, Default, Deserialize)]
struct QueueAction {
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    one: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    reveal: String,
}

async fn queue_action(
    State(state): State<AppState>,
    scope: crate::access::model::Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(a): HtmlForm<QueueAction>,
) -> Result<Response, AppError> {
    let mut page = queue_of(&state, &scope, c, id, store::QueueFilter::default()).await?;
    // A row's reveal button says which field: `phone:ID`.
    if let Some((field, Ok(app_id))) = a
        .reveal
        .split_once(':')
        .map(|(f, i)| (f, i.trim().parse::<i64>()))
    {
        match store::reveal(&state.db, &scope, app_id, field, &a.reason).await {
            Ok(v) => page.revealed = Some((app_id, field.to_owned(), v)),
            Err(AppError::Invalid(e)) => {
                page.errors = e;
                page.reason = a.reason;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
            }
            Err(e) => return Err(e),
        }
        return Ok(render(&page)?.into_response());
    }
    let (decision, ids): (String, Vec<i64>) = match a.one.split_once(':') {
        Some((d, one)) => (d.to_owned(), one.parse().ok().into_iter().collect()),
        None => (
            a.decision.clone(),
            a.ids.iter().filter_map(|i| i.trim().parse().ok()).collect(),
        ),
    };
    let result = match super::model::VettingDecision::parse(decision.trim()) {
        Some(d) => store::decide(&state.db, &scope, &ids, d, &a.reason).await,
        None => Err(AppError::invalid("decision", "err-decision")),
    };
    match result {
        Ok(done) => {
            let mut fresh = queue_of(
                &state,
                &scope,
                page.c.clone(),
                id,
                store::QueueFilter::default(),
            )
            .await?;
            fresh.notice = page.c.lang.t_args(
                "vetting-decided",
                &[("count", done.decided.len().to_string())],
            );
            fresh.made = done.volunteers;
            Ok(render(&fresh)?.into_response())
        }
        Err(AppError::Invalid(e)) => {
            page.errors = e;
            page.reason = a.reason;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(AppError::Conflict(key)) => {
            page.errors = Invalid(vec![FieldError::new("ids", key)]);
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}
