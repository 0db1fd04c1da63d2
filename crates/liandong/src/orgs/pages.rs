//! Pages: organisation registry, onboarding form, approval, reveal, coalition.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::model::{Coalition, GroupFields, NewOrg, Org, OrgKind, Tier};
use super::store;
use crate::access::model::Scope;
use crate::web::error::{AppError, Invalid};
use crate::web::extract::HtmlForm;
use crate::web::{AppState, Chrome, NoticeQuery, render, reveal_answer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(list))
        .route("/orgs/new", get(new_form).post(create))
        .route("/orgs/{id}", get(detail))
        .route("/orgs/{id}/decide", post(decide))
        .route("/orgs/{id}/reveal", post(reveal))
        .route("/coalition", get(coalition))
        .route("/coalition/{id}/members", post(admit))
        .route(
            "/coalition/{id}/members/{org_id}/remove",
            post(remove_member),
        )
        .route("/coalition/{id}/groups", post(create_group))
        .route("/working-groups/{id}", post(edit_group))
        .route("/working-groups/{id}/leads", post(set_leads))
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
    /// Coalitions the reader runs (their forms are shown).
    editable: Vec<i64>,
    /// Approved organisations the reader sees, to admit.
    candidates: Vec<Org>,
    kinds: Vec<&'static str>,
    notice: String,
    /// The form the errors are for ("admit-3", "group-7", "new-group-3",
    /// "leads-7", "remove-3"), and what was sent in it.
    form: String,
    errors: Invalid,
    sent: GroupFields,
}

impl CoalitionPage {
    fn edits(&self, coalition: &i64) -> bool {
        self.editable.contains(coalition)
    }
    fn is_form(&self, key: &str) -> bool {
        self.form == key
    }
    /// A group's name, description and kinds as shown in its form: as
    /// sent when its form came back with errors.
    fn group_value(&self, g: &super::model::WorkingGroup, field: &str) -> String {
        let sent = self.form == format!("group-{}", g.id);
        match field {
            "name" if sent => self.sent.name.clone(),
            "description" if sent => self.sent.description.clone(),
            "name" => g.name.clone(),
            _ => g.description.clone(),
        }
    }
    fn group_has_kind(&self, g: &super::model::WorkingGroup, kind: &str) -> bool {
        if self.form == format!("group-{}", g.id) {
            self.sent.need_kinds.iter().any(|k| k == kind)
        } else {
            g.need_kinds.iter().any(|k| k == kind)
        }
    }
    fn not_member(&self, co: &Coalition, org: &i64) -> bool {
        !co.members.iter().any(|m| m.id == *org)
    }
    /// Whether `org` is the group's first (0) or second (1) lead.
    fn is_lead_at(&self, g: &super::model::WorkingGroup, i: usize, org: &i64) -> bool {
        g.leads.get(i).is_some_and(|l| l.id == *org)
    }
    /// The errors' messages, for the summary.
    fn messages(&self) -> Vec<String> {
        self.errors
            .0
            .iter()
            .map(|e| e.message(self.c.lang))
            .collect()
    }
    fn sent_has_kind(&self, kind: &str) -> bool {
        self.sent.need_kinds.iter().any(|k| k == kind)
    }
}

async fn coalition_page(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
) -> Result<CoalitionPage, AppError> {
    let mut tx = state.db.read().await?;
    let coalitions = store::coalitions(&mut tx, scope).await?;
    let editable: Vec<i64> = coalitions
        .iter()
        .filter(|co| scope.role().coordinates() && scope.covers(&co.jurisdiction_code))
        .map(|co| co.id)
        .collect();
    let candidates = if editable.is_empty() {
        Vec::new()
    } else {
        store::list(&mut tx, scope, Some("approved"), None).await?
    };
    Ok(CoalitionPage {
        c,
        coalitions,
        editable,
        candidates,
        kinds: crate::needs::model::NeedKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect(),
        notice: String::new(),
        form: String::new(),
        errors: Invalid::default(),
        sent: GroupFields::default(),
    })
}

async fn coalition(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(nq): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let mut page = coalition_page(&state, &scope, c).await?;
    page.notice = match nq.notice.as_str() {
        "admitted" => page.c.t("coalition-admitted"),
        "removed" => page.c.t("coalition-removed"),
        "group-created" => page.c.t("coalition-group-created"),
        "group-saved" => page.c.t("coalition-group-saved"),
        "leads-saved" => page.c.t("coalition-leads-saved"),
        _ => String::new(),
    };
    Ok(render(&page)?.into_response())
}

/// A coalition change's answer: back to the page at the changed part, or
/// the page again with the form's errors (422).
async fn changed(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    result: Result<(), AppError>,
    (form, notice, anchor): (String, &str, String),
    sent: GroupFields,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/coalition?notice={notice}#{anchor}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut page = coalition_page(state, scope, c).await?;
            page.form = form;
            page.errors = errors;
            page.sent = sent;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct AdmitForm {
    #[serde(default)]
    org_id: String,
}

/// A form's number field: one that is not a number names the field.
fn number(value: &str, field: &'static str) -> Result<i64, AppError> {
    value
        .trim()
        .parse()
        .map_err(|_| AppError::invalid(field, "err-org"))
}

async fn admit(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<AdmitForm>,
) -> Result<Response, AppError> {
    let result = match number(&f.org_id, "org_id") {
        Ok(org) => store::admit(&state.db, Some(&scope), id, org).await,
        Err(e) => Err(e),
    };
    let place = (format!("admit-{id}"), "admitted", format!("members-{id}"));
    changed(&state, &scope, c, result, place, GroupFields::default()).await
}

async fn remove_member(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path((id, org_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let result = store::remove_member(&state.db, Some(&scope), id, org_id).await;
    let place = (format!("remove-{id}"), "removed", format!("members-{id}"));
    changed(&state, &scope, c, result, place, GroupFields::default()).await
}

async fn create_group(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(g): HtmlForm<GroupFields>,
) -> Result<Response, AppError> {
    let result = store::create_group(&state.db, Some(&scope), id, &g)
        .await
        .map(|_| ());
    let place = (
        format!("new-group-{id}"),
        "group-created",
        format!("groups-{id}"),
    );
    changed(&state, &scope, c, result, place, g).await
}

async fn edit_group(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(g): HtmlForm<GroupFields>,
) -> Result<Response, AppError> {
    let result = store::edit_group(&state.db, Some(&scope), id, &g).await;
    let place = (format!("group-{id}"), "group-saved", format!("group-{id}"));
    changed(&state, &scope, c, result, place, g).await
}

#[derive(Deserialize)]
struct LeadsForm {
    #[serde(default)]
    org_ids: Vec<String>,
}

async fn set_leads(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<LeadsForm>,
) -> Result<Response, AppError> {
    let ids: Result<Vec<i64>, AppError> = f
        .org_ids
        .iter()
        .filter(|v| !v.trim().is_empty())
        .map(|v| number(v, "org_ids"))
        .collect();
    let result = match ids {
        Ok(ids) => store::set_leads(&state.db, Some(&scope), id, &ids).await,
        Err(e) => Err(e),
    };
    let place = (format!("leads-{id}"), "leads-saved", format!("group-{id}"));
    changed(&state, &scope, c, result, place, GroupFields::default()).await
}
