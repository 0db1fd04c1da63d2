//! Pages: the needs board, the hotline form (the address read live into
//! its community), a need with audited reveals.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::model::{Need, NeedKind, NewNeed, Urgency};
use super::store;
use crate::access::model::Scope;
use crate::divisions::pages::AddressBox;
use crate::web::error::{AppError, FieldError, Invalid};
use crate::web::{AppState, Chrome, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/needs", get(board))
        .route("/needs/new", get(new_form).post(create))
        .route("/needs/{id}", get(detail))
        .route("/needs/{id}/reveal", post(reveal))
}

#[derive(Template)]
#[template(path = "needs.html")]
struct BoardPage {
    c: Chrome,
    needs: Vec<Need>,
    total: i64,
    can_take: bool,
}

async fn board(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    if !scope.role().sees_needs() {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.read().await?;
    let needs = store::list(&mut tx, &scope).await?;
    let total = store::count(&mut tx, &scope).await?;
    Ok(render(&BoardPage {
        c,
        needs,
        total,
        can_take: scope.role().takes_needs(),
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "need_new.html")]
struct NewNeedPage {
    c: Chrome,
    form: NewNeed,
    errors: Invalid,
    kinds: Vec<&'static str>,
    urgencies: Vec<&'static str>,
    /// The address box's reading of the address, under the field.
    found: AddressBox,
}

fn new_page(c: Chrome, form: NewNeed, errors: Invalid) -> NewNeedPage {
    NewNeedPage {
        c,
        form,
        errors,
        kinds: NeedKind::ALL.iter().map(|k| k.as_str()).collect(),
        urgencies: Urgency::ALL.iter().map(|u| u.as_str()).collect(),
        found: AddressBox::default(),
    }
}

/// A fresh key for one need: the form carries it, so a submission sent
/// twice (a double click, a retry on a bad connection) makes one need.
fn fresh_key() -> String {
    format!("{:032x}", rand::random::<u128>())
}

async fn new_form(scope: Scope, c: Chrome) -> Result<Response, AppError> {
    if !scope.role().takes_needs() {
        return Err(AppError::Forbidden);
    }
    let form = NewNeed {
        urgency: Urgency::Normal.as_str().to_owned(),
        people: "1".to_owned(),
        idempotency_key: fresh_key(),
        ..NewNeed::default()
    };
    Ok(render(&new_page(c, form, Invalid::default()))?.into_response())
}

async fn create(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Form(form): Form<NewNeed>,
) -> Result<Response, AppError> {
    let errors = match store::create(&state.db, &scope, &form).await {
        Ok(taken) => {
            return Ok(Redirect::to(&format!("/needs/{}?notice=created", taken.id)).into_response());
        }
        Err(AppError::Invalid(errors)) => errors,
        // The one refusal a need-taker meets: the address lies elsewhere.
        Err(AppError::Forbidden) if scope.role().takes_needs() => {
            Invalid(vec![FieldError::new("address", "err-need-outside")])
        }
        Err(e) => return Err(e),
    };
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&new_page(c, form, errors))?,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "need.html")]
struct NeedPage {
    c: Chrome,
    need: Need,
    /// The field shown in the clear after a reveal, and its value.
    revealed: (String, String),
    can_reveal: bool,
    errors: Invalid,
    notice: String,
    reason: String,
}

async fn need_page(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
) -> Result<NeedPage, AppError> {
    let mut tx = state.db.read().await?;
    let need = store::get(&mut tx, scope, id).await?;
    Ok(NeedPage {
        can_reveal: scope.role().may_reveal_contacts(),
        need,
        revealed: (String::new(), String::new()),
        errors: Invalid::default(),
        notice: String::new(),
        reason: String::new(),
        c,
    })
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

async fn detail(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Query(nq): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = match nq.notice.as_str() {
        "created" => c.t("need-created"),
        _ => String::new(),
    };
    let mut page = need_page(&state, &scope, c, id).await?;
    page.notice = notice;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct RevealForm {
    #[serde(default)]
    field: String,
    #[serde(default)]
    reason: String,
}

/// Reveal answers with the page itself (never a redirect), so the clear
/// value is in no URL or browser history.
async fn reveal(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> Result<Response, AppError> {
    let result = store::reveal(&state.db, &scope, id, &f.field, &f.reason).await;
    let mut page = need_page(&state, &scope, c, id).await?;
    match result {
        Ok(value) => {
            page.revealed = (f.field, value);
            Ok((
                [(axum::http::header::CACHE_CONTROL, "no-store")],
                render(&page)?,
            )
                .into_response())
        }
        Err(AppError::Invalid(errors)) => {
            page.errors = errors;
            page.reason = f.reason;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}
