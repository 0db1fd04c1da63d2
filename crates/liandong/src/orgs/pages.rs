//! Pages: organisation registry, onboarding form, approval, reveal, coalition.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::model::{Coalition, NewOrg, Org, OrgKind, Tier};
use super::store;
use crate::access::model::Scope;
use crate::web::error::{AppError, Invalid};
use crate::web::{AppState, Chrome, NoticeQuery, render, reveal_answer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(list))
        .route("/orgs/new", get(new_form).post(create))
        .route("/orgs/{id}", get(detail))
        .route("/orgs/{id}/decide", post(decide))
        .route("/orgs/{id}/reveal", post(reveal))
        .route("/coalition", get(coalition))
}

#[derive(Template)]
#[template(path = "orgs.html")]
struct OrgsPage {
    c: Chrome,
    orgs: Vec<Org>,
    status: String,
    q: String,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
}

async fn list(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(lq): Query<ListQuery>,
) -> Result<Response, AppError> {
    let mut tx = state.db.read().await?;
    let orgs = store::list(&mut tx, &scope, Some(&lq.status), Some(&lq.q)).await?;
    Ok(render(&OrgsPage {
        c,
        orgs,
        status: lq.status,
        q: lq.q,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "org_new.html")]
struct NewOrgPage {
    c: Chrome,
    form: NewOrg,
    errors: Invalid,
    kinds: Vec<&'static str>,
    tiers: Vec<&'static str>,
}

fn new_page(c: Chrome, form: NewOrg, errors: Invalid) -> NewOrgPage {
    NewOrgPage {
        c,
        form,
        errors,
        kinds: OrgKind::ALL.iter().map(|k| k.as_str()).collect(),
        tiers: Tier::ALL.iter().map(|t| t.as_str()).collect(),
    }
}

async fn new_form(scope: Scope, c: Chrome) -> Result<Response, AppError> {
    if !scope.role().coordinates() {
        return Err(AppError::Forbidden);
    }
    let form = NewOrg {
        jurisdiction_code: scope.jurisdiction().to_owned(),
        ..NewOrg::default()
    };
    Ok(render(&new_page(c, form, Invalid::default()))?.into_response())
}

async fn create(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Form(mut form): Form<NewOrg>,
) -> Result<Response, AppError> {
    form.jurisdiction_code =
        crate::web::division_code_of(&form.jurisdiction_code, scope.jurisdiction());
    match store::create(&state.db, Some(&scope), &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/orgs/{id}?notice=created")).into_response()),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&new_page(c, form, errors))?,
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    c: Chrome,
    org: Org,
    revealed: String,
    can_decide: bool,
    can_reveal: bool,
    errors: Invalid,
    notice: String,
    reason: String,
}

async fn org_page(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
) -> Result<OrgPage, AppError> {
    let mut tx = state.db.read().await?;
    let org = store::get(&mut tx, scope, id).await?;
    Ok(OrgPage {
        can_decide: scope.role().coordinates()
            && scope.covers(&org.jurisdiction_code)
            && org.status == "pending",
        can_reveal: scope.role().may_reveal_contacts(),
        org,
        revealed: String::new(),
        errors: Invalid::default(),
        notice: String::new(),
        reason: String::new(),
        c,
    })
}

async fn detail(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Query(nq): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = match nq.notice.as_str() {
        "created" => c.t("org-created"),
        "approved" => c.t("org-approved"),
        "rejected" => c.t("org-rejected"),
        _ => String::new(),
    };
    let mut page = org_page(&state, &scope, c, id).await?;
    page.notice = notice;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct DecideForm {
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Result<Response, AppError> {
    let approve = match f.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::invalid("decision", "err-decision")),
    };
    store::decide(&state.db, &scope, id, approve, &f.reason).await?;
    let notice = if approve { "approved" } else { "rejected" };
    Ok(Redirect::to(&format!("/orgs/{id}?notice={notice}")).into_response())
}

#[derive(Deserialize)]
struct RevealForm {
    #[serde(default)]
    reason: String,
}

/// A reveal: answered with the page itself (see `reveal_answer`).
async fn reveal(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> Result<Response, AppError> {
    let result = store::reveal(&state.db, &scope, id, "contact_phone", &f.reason).await;
    let mut page = org_page(&state, &scope, c, id).await?;
    let revealed = match result {
        Ok(phone) => {
            page.revealed = phone;
            true
        }
        Err(AppError::Invalid(errors)) => {
            page.errors = errors;
            page.reason = f.reason;
            false
        }
        Err(e) => return Err(e),
    };
    reveal_answer(&page, revealed)
}

#[derive(Template)]
#[template(path = "coalition.html")]
struct CoalitionPage {
    c: Chrome,
    coalitions: Vec<Coalition>,
}

async fn coalition(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let mut tx = state.db.read().await?;
    let coalitions = store::coalitions(&mut tx, &scope).await?;
    Ok(render(&CoalitionPage { c, coalitions })?.into_response())
}
