//! Pages: sign in and out, language, home, password, accounts.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::api::do_sign_in;
use super::model::{Role, Scope};
use super::store::{self, Account, NewAccount};
use crate::orgs::model::OrgBrief;
use crate::web::error::{AppError, Invalid};
use crate::web::i18n::Lang;
use crate::web::{AppState, Chrome, ClientIp, render};
use crate::{fetch_all, fetch_scalar};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/lang", post(set_lang))
        .route(
            "/account/password",
            get(password_form).post(change_password),
        )
        .route("/accounts", get(accounts).post(create_account))
}

/// Only same-site paths may be redirect targets after sign-in.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    role_key: String,
    approved_orgs: i64,
    pending_orgs: i64,
    communities: usize,
    zones: Vec<crate::divisions::model::Zone>,
}

async fn home(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let mut tx = state.db.read().await?;
    let mut count = async |status: &str| {
        fetch_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM orgs WHERE status = $1 AND (jurisdiction_code LIKE $2 || '%' OR $2 LIKE jurisdiction_code || '%')",
            status,
            scope.jurisdiction(),
        )
    };
    let approved_orgs = count("approved").await?;
    let pending_orgs = count("pending").await?;
    let zones = crate::divisions::store::list(&mut tx, &scope, scope.jurisdiction(), true).await?;
    let tree = divisions::Tree::china();
    let communities = match tree.find(scope.jurisdiction()) {
        Some(d) => d.count_descendants(divisions::DivisionLevel::Community),
        None => tree.counts_by_level()[4],
    };
    let page = HomePage {
        role_key: format!("role-{}", scope.role().as_str()),
        approved_orgs,
        pending_orgs,
        communities,
        zones,
        c,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    username: String,
    next: String,
    error: String,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

async fn login_form(c: Chrome, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    Ok(render(&LoginPage {
        c,
        username: String::new(),
        next: safe_next(&q.next),
        error: String::new(),
    })?
    .into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    c: Chrome,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    match do_sign_in(&state, &session, &ip, &f.username, &f.password).await {
        Ok(_) => Ok(Redirect::to(&safe_next(&f.next)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::TooMany(_))) => {
            let status = e.status();
            let error = c.t(match &e {
                AppError::TooMany(k) => k,
                _ => "err-login",
            });
            let page = LoginPage {
                c,
                username: f.username,
                next: safe_next(&f.next),
                error,
            };
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn logout(session: Session) -> Result<Response, AppError> {
    session
        .flush()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Redirect::to("/login").into_response())
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
    #[serde(default)]
    next: String,
}

async fn set_lang(Form(f): Form<LangForm>) -> Response {
    let lang = Lang::parse(&f.lang).unwrap_or_default();
    let cookie = format!(
        "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    );
    ([(SET_COOKIE, cookie)], Redirect::to(&safe_next(&f.next))).into_response()
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    errors: Invalid,
    done: bool,
}

async fn password_form(_scope: Scope, c: Chrome) -> Result<Response, AppError> {
    Ok(render(&PasswordPage {
        c,
        errors: Invalid::default(),
        done: false,
    })?
    .into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    match store::change_password(&state.db, &scope, &f.current_password, &f.new_password).await {
        Ok(()) => Ok(render(&PasswordPage {
            c,
            errors: Invalid::default(),
            done: true,
        })?
        .into_response()),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&PasswordPage {
                c,
                errors,
                done: false,
            })?,
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    c: Chrome,
    accounts: Vec<Account>,
    orgs: Vec<OrgBrief>,
    roles: Vec<&'static str>,
    form: NewAccount,
    errors: Invalid,
    created: bool,
}

async fn accounts_page(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    form: NewAccount,
    errors: Invalid,
    created: bool,
) -> Result<AccountsPage, AppError> {
    if !scope.role().administers() {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.read().await?;
    let accounts = store::list(&mut tx, scope).await?;
    let orgs = fetch_all!(
        &mut tx,
        OrgBrief,
        "SELECT id, name, tier FROM orgs WHERE status = 'approved' AND (jurisdiction_code LIKE $1 || '%' OR $1 LIKE jurisdiction_code || '%') ORDER BY id",
        scope.jurisdiction(),
    )?;
    Ok(AccountsPage {
        c,
        accounts,
        orgs,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        form,
        errors,
        created,
    })
}

fn blank_account(scope: &Scope) -> NewAccount {
    NewAccount {
        username: String::new(),
        display_name: String::new(),
        password: String::new(),
        role: "volunteer".to_owned(),
        org_id: scope.org_id(),
        jurisdiction_code: scope.jurisdiction().to_owned(),
    }
}

#[derive(Deserialize, Default)]
struct CreatedQuery {
    #[serde(default)]
    created: bool,
}

async fn accounts(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(q): Query<CreatedQuery>,
) -> Result<Response, AppError> {
    let form = blank_account(&scope);
    Ok(
        render(&accounts_page(&state, &scope, c, form, Invalid::default(), q.created).await?)?
            .into_response(),
    )
}

async fn create_account(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Form(mut form): Form<NewAccount>,
) -> Result<Response, AppError> {
    if !scope.role().administers() {
        return Err(AppError::Forbidden);
    }
    match store::create(&state.db, Some(&scope), &form).await {
        Ok(_) => Ok(Redirect::to("/accounts?created=true").into_response()),
        Err(AppError::Invalid(errors)) => {
            form.password.clear();
            let page = accounts_page(&state, &scope, c, form, errors, false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}
