//! Pages: sign in and out, language, home, password, accounts.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use super::api::do_sign_in;
use super::model::{Role, Scope};
use super::store::{self, Account, AccountAction, AccountEdit, NewAccount};
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
        .route("/accounts/{id}", get(account_page).post(edit_account))
        .route("/accounts/{id}/{action}", post(account_action))
}

/// Only same-site paths may be redirect targets after sign-in or a
/// language change. The target is parsed as a browser would (which drops
/// tabs and newlines, so `/\t/host` is `//host`) and kept only if it stays
/// on this site; anything else, control characters included, is "/".
pub fn safe_next(next: &str) -> String {
    const HOST: &str = "liandong.invalid";
    let plain = next.starts_with('/')
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    let base = url::Url::parse("http://liandong.invalid/").expect("a valid base");
    match base.join(next) {
        Ok(u)
            if plain
                && u.scheme() == "http"
                && u.host_str() == Some(HOST)
                && u.port().is_none() =>
        {
            match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_owned(),
            }
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_redirect_targets() {
        assert_eq!(safe_next("/needs?kind=food"), "/needs?kind=food");
        assert_eq!(safe_next("/needs/../orgs"), "/orgs");
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "/\n/evil.example",
            "/a\r\nSet-Cookie: x=1",
            "/a\0b",
            "",
            "needs",
            "/\u{3000}/evil.example",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
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
            sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM orgs WHERE status = $1 AND {}",
                crate::db::related("jurisdiction_code", 2)
            )),
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
    session: Session,
    c: Chrome,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let keep = session.id();
    match store::change_password(
        &state.db,
        &scope,
        &f.current_password,
        &f.new_password,
        keep.as_ref(),
    )
    .await
    {
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
    let orgs = orgs_for(&mut tx, scope).await?;
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

/// The approved organisations an admin may give an account to.
async fn orgs_for(tx: &mut crate::db::Tx, scope: &Scope) -> sqlx::Result<Vec<OrgBrief>> {
    fetch_all!(
        tx,
        OrgBrief,
        sqlx::AssertSqlSafe(format!(
            "SELECT id, name, tier FROM orgs WHERE status = 'approved' AND {} ORDER BY id",
            crate::db::related("jurisdiction_code", 1)
        )),
        scope.jurisdiction(),
    )
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
    form.jurisdiction_code =
        crate::web::division_code_of(&form.jurisdiction_code, scope.jurisdiction());
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

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    account: Account,
    form: AccountEdit,
    orgs: Vec<OrgBrief>,
    roles: Vec<&'static str>,
    errors: Invalid,
    notice: String,
    /// A first-time password just made (shown once).
    password: String,
}

async fn account_view(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
    form: Option<AccountEdit>,
) -> Result<AccountPage, AppError> {
    let mut tx = state.db.read().await?;
    let account = store::get(&mut tx, scope, id).await?;
    let orgs = orgs_for(&mut tx, scope).await?;
    let form = form.unwrap_or_else(|| AccountEdit {
        display_name: account.display_name.clone(),
        role: account.role.clone(),
        org_id: account.org_id,
        jurisdiction_code: account.jurisdiction_code.clone(),
    });
    Ok(AccountPage {
        c,
        account,
        form,
        orgs,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        errors: Invalid::default(),
        notice: String::new(),
        password: String::new(),
    })
}

async fn account_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Query(q): Query<crate::web::NoticeQuery>,
) -> Result<Response, AppError> {
    let mut page = account_view(&state, &scope, c, id, None).await?;
    page.notice = match q.notice.as_str() {
        "saved" => "account-saved",
        "disabled" => "account-disabled-notice",
        "enabled" => "account-enabled-notice",
        "unlocked" => "account-unlocked-notice",
        _ => "",
    }
    .to_owned();
    Ok(render(&page)?.into_response())
}

async fn edit_account(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(mut form): Form<AccountEdit>,
) -> Result<Response, AppError> {
    form.jurisdiction_code =
        crate::web::division_code_of(&form.jurisdiction_code, scope.jurisdiction());
    match store::edit(&state.db, &scope, id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/accounts/{id}?notice=saved")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut page = account_view(&state, &scope, c, id, Some(form)).await?;
            page.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// Disable, enable, unlock, or reset the password (whose page shows the
/// new one once, never through a redirect or a URL).
async fn account_action(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let (action, notice) = match action.as_str() {
        "disable" => (AccountAction::Disable, "disabled"),
        "enable" => (AccountAction::Enable, "enabled"),
        "unlock" => (AccountAction::Unlock, "unlocked"),
        "password-reset" => {
            let password = store::reset_password(&state.db, &scope, id).await?;
            let mut page = account_view(&state, &scope, c, id, None).await?;
            page.password = password;
            return Ok(render(&page)?.into_response());
        }
        _ => return Err(AppError::NotFound),
    };
    store::act(&state.db, &scope, id, action).await?;
    Ok(Redirect::to(&format!("/accounts/{id}?notice={notice}")).into_response())
}
