//! Pages: the needs board, the hotline form (the address read live into
//! its community), a need with audited reveals; and for residents, without
//! an account, the help form and the page that follows a need by its
//! reference (both work without JavaScript).

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::import::{MAX_COLUMNS, MAX_ROWS, Rejected, needs_of, unknown_columns};
use super::model::{
    BOARD_PAGE, BoardFilter, CallOutcome, CallReport, Channel, Need, NeedKind, NeedStatus, NewNeed,
    PublicNeed, ServiceLevels, Similar, SimilarQuery, TimelineEntry, Urgency, Vulnerable,
    level_fields, parse_reference,
};
use super::store::{self, Imported};
use crate::access::model::Scope;
use crate::divisions::pages::AddressBox;
use crate::web::error::{AppError, FieldError, Invalid};
use crate::web::extract::HtmlForm;
use crate::web::{AppState, Chrome, ClientIp, NoticeQuery, render, reveal_answer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/needs", get(board))
        .route("/needs/export.xlsx", get(super::export::board_xlsx))
        .route("/needs/export.csv", get(super::export::board_csv))
        .route("/needs/new", get(new_form).post(create))
        .route("/needs/import", get(import_form).post(import))
        .route("/needs/import/template.xlsx", get(import_template))
        .route("/needs/escalations", get(escalations))
        .route("/needs/service-levels", get(levels_form).post(set_levels))
        .route("/needs/{id}", get(detail))
        .route("/needs/{id}/reveal", post(reveal))
        .route("/needs/{id}/status", post(set_status))
        .route("/needs/{id}/escalation", post(set_escalation))
        .route("/needs/{id}/received", post(staff_received))
        .route("/needs/{id}/call", post(start_call))
        .route("/needs/{id}/call/end", post(end_call))
        .route("/needs/{id}/merge", post(merge))
        .route("/needs/similar", get(similar_typed))
        .route("/help", get(help_form).post(help_submit))
        .route("/help/follow", get(follow))
        .route("/help/{reference}", get(help_status))
        .route("/help/{reference}/received", post(help_received))
}

#[derive(Template)]
#[template(path = "needs.html")]
struct BoardPage {
    c: Chrome,
    needs: Vec<Need>,
    /// Needs the filters leave, on all pages.
    total: i64,
    can_take: bool,
    /// Needs waiting for another call, soonest due first.
    call_backs: Vec<Need>,
    /// The filters as typed, and what was wrong with them.
    filter: BoardFilter,
    errors: Invalid,
    page: i64,
    pages: i64,
    /// The filters as a query string without the page, for the pager.
    query: String,
    /// The same filters as pairs, for a form that carries them.
    query_pairs: Vec<(&'static str, String)>,
    statuses: Vec<&'static str>,
    kinds: Vec<&'static str>,
    urgencies: Vec<&'static str>,
    vulnerables: Vec<&'static str>,
    channels: Vec<&'static str>,
}

async fn board(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(filter): Query<BoardFilter>,
) -> Result<Response, AppError> {
    if !scope.role().sees_needs() {
        return Err(AppError::Forbidden);
    }
    // The area may be typed as a name (雁塔区), read inside the reader's.
    let mut filter = filter;
    filter.within = crate::web::division_code_of(&filter.within, scope.jurisdiction());
    let mut tx = state.db.read().await?;
    let (needs, total, page, errors) = match filter.check() {
        Ok(f) => {
            let (needs, total) = store::list(&mut tx, &scope, &f).await?;
            (needs, total, f.page, Invalid::default())
        }
        Err(errors) => (Vec::new(), 0, 1, errors),
    };
    let call_backs = store::call_backs(&mut tx, &scope).await?;
    let query_pairs: Vec<(&'static str, String)> = [
        ("status", &filter.status),
        ("kind", &filter.kind),
        ("urgency", &filter.urgency),
        ("channel", &filter.channel),
        ("vulnerable", &filter.vulnerable),
        ("escalated", &filter.escalated),
        ("within", &filter.within),
        ("q", &filter.q),
        ("sort", &filter.sort),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k, v.clone()))
    .collect();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query_pairs.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = BoardPage {
        c,
        needs,
        total,
        can_take: scope.role().takes_needs(),
        call_backs,
        filter,
        errors,
        page,
        pages: (total + BOARD_PAGE - 1) / BOARD_PAGE,
        query,
        query_pairs,
        statuses: NeedStatus::ALL.iter().map(|s| s.as_str()).collect(),
        kinds: NeedKind::ALL.iter().map(|k| k.as_str()).collect(),
        urgencies: Urgency::ALL.iter().map(|u| u.as_str()).collect(),
        vulnerables: Vulnerable::ALL.iter().map(|v| v.as_str()).collect(),
        channels: Channel::ALL.iter().map(|ch| ch.as_str()).collect(),
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "need_new.html")]
struct NewNeedPage {
    c: Chrome,
    form: NewNeed,
    errors: Invalid,
    kinds: Vec<&'static str>,
    urgencies: Vec<&'static str>,
    vulnerables: Vec<&'static str>,
    /// The address box's reading of the address, under the field.
    found: AddressBox,
    /// The operator's words, not a resident's (`need_fields.html`).
    public: bool,
    /// The call just taken down ("save and take the next call"): what the
    /// operator typed, shown back from the form itself (no reveal: the
    /// caller may still be on the line).
    just_taken: Option<JustTaken>,
}

/// A need just saved, as its form held it.
struct JustTaken {
    id: i64,
    reference: String,
    created: bool,
    form: NewNeed,
}

fn new_page(c: Chrome, form: NewNeed, errors: Invalid) -> NewNeedPage {
    NewNeedPage {
        c,
        form,
        errors,
        kinds: NeedKind::ALL.iter().map(|k| k.as_str()).collect(),
        urgencies: Urgency::ALL.iter().map(|u| u.as_str()).collect(),
        vulnerables: Vulnerable::ALL.iter().map(|v| v.as_str()).collect(),
        found: AddressBox {
            in_form: true,
            ..AddressBox::default()
        },
        public: false,
        just_taken: None,
    }
}

/// "Save and take the next call" (`?next=1` on the form's second button).
#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
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
    Ok(render(&new_page(c, fresh_form(), Invalid::default()))?.into_response())
}

async fn create(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(nq): Query<NextQuery>,
    HtmlForm(form): HtmlForm<NewNeed>,
) -> Result<Response, AppError> {
    let mut form = form;
    let errors = match store::create(&state.db, &scope, &form).await {
        // A blank form for the next caller, what was just saved above it.
        // Answered directly, not redirected: sent again (a reload), the
        // form's key finds the same need and adds nothing.
        Ok(taken) if nq.next == "1" => {
            let mut page = new_page(c, fresh_form(), Invalid::default());
            page.just_taken = Some(JustTaken {
                id: taken.id,
                reference: taken.reference,
                created: taken.created,
                form,
            });
            return Ok(render(&page)?.into_response());
        }
        Ok(taken) => {
            let notice = if taken.created { "created" } else { "existing" };
            return Ok(
                Redirect::to(&format!("/needs/{}?notice={notice}", taken.id)).into_response(),
            );
        }
        Err(AppError::Invalid(errors)) => errors,
        // The one refusal a need-taker meets: the address lies elsewhere.
        Err(AppError::Forbidden) if scope.role().takes_needs() => {
            Invalid(vec![FieldError::new("address", "err-need-outside")])
        }
        Err(AppError::Conflict(key)) => Invalid(vec![FieldError::new("idempotency_key", key)]),
        Err(e) => return Err(e),
    };
    renew_key(&mut form, &errors);
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&new_page(c, form, errors))?,
    )
        .into_response())
}

/// A form sent back with its key refused (sent before with other
/// content, or malformed) gets a fresh one: sent again, it is a new need.
fn renew_key(form: &mut NewNeed, errors: &Invalid) {
    if errors.0.iter().any(|e| e.field == "idempotency_key") {
        form.idempotency_key = fresh_key();
    }
}

#[derive(Template)]
#[template(path = "need.html")]
pub struct NeedPage {
    c: Chrome,
    need: Need,
    /// The field shown in the clear after a reveal, and its value.
    revealed: (String, String),
    can_reveal: bool,
    pub errors: Invalid,
    notice: String,
    reason: String,
    /// The states a person may move the need to (none for roles that do
    /// not take needs).
    moves: Vec<&'static str>,
    /// Whether the escalation flag can be raised or lowered here.
    can_escalate: bool,
    /// The reason typed for a move or an escalation, kept after a refusal.
    move_reason: String,
    timeline: Vec<TimelineEntry>,
    /// Open needs that look like this one (for those who take needs).
    similar: Vec<Similar>,
    /// The reference of the need this one was merged into.
    merged_into_reference: String,
    /// A verification call may be begun (or picked up again) here.
    can_call: bool,
    /// The call under way on this page: the number to dial in the clear.
    calling: Option<String>,
    /// The report as typed, kept after a refusal.
    report: CallReport,
    kinds: Vec<&'static str>,
    urgencies: Vec<&'static str>,
    outcomes: Vec<&'static str>,
    /// Stock held for it, its appeals, and the reserve form.
    pub supply: crate::supply::pages::NeedSupply,
}

pub async fn need_page(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
) -> Result<NeedPage, AppError> {
    let mut tx = state.db.read().await?;
    let need = store::get(&mut tx, scope, id).await?;
    let timeline = store::timeline(&mut tx, scope, id).await?;
    let status = NeedStatus::parse(&need.status);
    let takes = scope.role().takes_needs();
    let similar = if takes && status.is_some_and(NeedStatus::is_open) {
        store::similar_to(&mut tx, scope, id).await?
    } else {
        Vec::new()
    };
    let merged_into_reference = match need.merged_into {
        Some(into) => store::get(&mut tx, scope, into)
            .await
            .map(|n| n.reference)
            .unwrap_or_default(),
        None => String::new(),
    };
    let supply = crate::supply::pages::need_supply(&mut tx, scope, &c, &need).await?;
    Ok(NeedPage {
        supply,
        can_reveal: scope.role().may_reveal_contacts(),
        moves: match status {
            Some(s) if takes => s.next().iter().map(|n| n.as_str()).collect(),
            _ => Vec::new(),
        },
        can_escalate: takes && status.is_some_and(NeedStatus::is_open),
        can_call: takes
            && matches!(status, Some(NeedStatus::New | NeedStatus::Verifying))
            && need.locked_by.is_none_or(|by| by == scope.account_id()),
        calling: None,
        report: CallReport {
            outcome: "reached".into(),
            kind: need.kind.clone(),
            urgency: need.urgency.clone(),
            people: need.people.to_string(),
            description: need.description.clone(),
            ..CallReport::default()
        },
        kinds: NeedKind::ALL.iter().map(|k| k.as_str()).collect(),
        urgencies: Urgency::ALL.iter().map(|u| u.as_str()).collect(),
        outcomes: CallOutcome::ALL.iter().map(|o| o.as_str()).collect(),
        need,
        revealed: (String::new(), String::new()),
        errors: Invalid::default(),
        notice: String::new(),
        reason: String::new(),
        move_reason: String::new(),
        timeline,
        similar,
        merged_into_reference,
        c,
    })
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
}

/// The answer to a move or an escalation from the need's page: back to
/// the page (a redirect, so a reload sends nothing twice), or the page
/// with what was wrong (a state that moved meanwhile is said at the top).
async fn moved(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
    result: Result<Need, AppError>,
    reason: String,
) -> Result<Response, AppError> {
    let (status, notice, errors) = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/needs/{id}?notice=moved")).into_response()),
        Err(AppError::Conflict(key)) => (StatusCode::CONFLICT, c.t(key), Invalid::default()),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, String::new(), errors),
        Err(e) => return Err(e),
    };
    let mut page = need_page(state, scope, c, id).await?;
    page.notice = notice;
    page.errors = errors;
    page.move_reason = reason;
    Ok((status, render(&page)?).into_response())
}

async fn set_status(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Result<Response, AppError> {
    let result = store::set_status(&state.db, &scope, id, &f.to, &f.reason).await;
    moved(&state, &scope, c, id, result, f.reason).await
}

/// Begin (or pick up again) a verification call: the page with the
/// number in the clear and the call's form; never cached.
async fn start_call(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match store::start_call(&state.db, &scope, id).await {
        Ok(started) => {
            let mut page = need_page(&state, &scope, c, id).await?;
            page.calling = Some(started.phone);
            reveal_answer(&page, true)
        }
        Err(e) => moved(&state, &scope, c, id, Err(e), String::new()).await,
    }
}

/// End the call with the form's report; a report with a wrong field
/// keeps the call's page (the number, what was typed) and says what.
async fn end_call(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(report): Form<CallReport>,
) -> Result<Response, AppError> {
    match store::end_call(&state.db, &scope, id, &report).await {
        Ok(_) => Ok(Redirect::to(&format!("/needs/{id}?notice=called")).into_response()),
        Err(AppError::Invalid(errors)) => {
            // Still on the call: the number stays on the page (the call's
            // reveal was logged when it began).
            let phone = store::start_call(&state.db, &scope, id).await?.phone;
            let mut page = need_page(&state, &scope, c, id).await?;
            page.calling = Some(phone);
            page.errors = errors;
            page.report = report;
            reveal_answer(&page, false)
        }
        Err(e) => moved(&state, &scope, c, id, Err(e), String::new()).await,
    }
}

#[derive(Deserialize)]
struct EscalationForm {
    #[serde(default)]
    escalated: String,
    #[serde(default)]
    reason: String,
}

async fn set_escalation(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<EscalationForm>,
) -> Result<Response, AppError> {
    let raise = f.escalated == "true";
    let result = store::set_escalated(&state.db, &scope, id, raise, &f.reason).await;
    moved(&state, &scope, c, id, result, f.reason).await
}

/// The requester's word on what arrived, taken by phone.
async fn staff_received(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<ReceivedForm>,
) -> Result<Response, AppError> {
    let result = async {
        let outcome = crate::dispatch::model::ReceivedOutcome::parse(&f.outcome)
            .ok_or_else(|| AppError::invalid("outcome", "err-received-outcome"))?;
        let r = crate::dispatch::model::Received {
            outcome,
            comment: f.comment.clone(),
        };
        crate::dispatch::store::field::received(&state.db, Some(&scope), scope.ip(), id, &r)
            .await?;
        let mut tx = state.db.read().await?;
        store::get(&mut tx, &scope, id).await
    }
    .await;
    moved(&state, &scope, c, id, result, String::new()).await
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
        "existing" => c.t("need-existing"),
        "moved" => c.t("need-moved"),
        "called" => c.t("need-called"),
        "merged" => c.t("need-merged"),
        "reserved" => c.t("reserve-done"),
        "dispatched" => c.t("reservation-dispatched"),
        "released" => c.t("reservation-released"),
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

/// A reveal: answered with the page itself (see `reveal_answer`).
async fn reveal(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> Result<Response, AppError> {
    let result = store::reveal(&state.db, &scope, id, &f.field, &f.reason).await;
    let mut page = need_page(&state, &scope, c, id).await?;
    let revealed = match result {
        Ok(value) => {
            page.revealed = (f.field, value);
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
#[template(path = "help.html")]
struct HelpPage {
    c: Chrome,
    form: NewNeed,
    errors: Invalid,
    kinds: Vec<&'static str>,
    urgencies: Vec<&'static str>,
    vulnerables: Vec<&'static str>,
    /// The reference typed into the follow box, and what was wrong with it.
    reference: String,
    /// What was wrong with it: the key of the message ("" for nothing).
    reference_error: &'static str,
    /// A resident's words (`need_fields.html`).
    public: bool,
}

impl HelpPage {
    /// The label of a field as the form shows it, for the error summary.
    fn label(&self, field: &str) -> String {
        let key = match field {
            "address" => "help-address",
            "kind" => "field-need-kind",
            "urgency" => "field-urgency",
            "people" => "field-people",
            "description" => "help-story",
            "contact_name" => "help-name",
            "contact_phone" => "help-phone",
            _ => "help-form-field",
        };
        self.c.t(key)
    }
}

fn help_page(c: Chrome, form: NewNeed, errors: Invalid) -> HelpPage {
    HelpPage {
        c,
        form,
        errors,
        kinds: NeedKind::ALL.iter().map(|k| k.as_str()).collect(),
        urgencies: Urgency::ALL.iter().map(|u| u.as_str()).collect(),
        vulnerables: Vulnerable::ALL.iter().map(|v| v.as_str()).collect(),
        reference: String::new(),
        reference_error: "",
        public: true,
    }
}

/// An empty need form: one person, normal urgency, a fresh key.
fn fresh_form() -> NewNeed {
    NewNeed {
        urgency: Urgency::Normal.as_str().to_owned(),
        people: "1".to_owned(),
        idempotency_key: fresh_key(),
        ..NewNeed::default()
    }
}

#[derive(Deserialize, Default)]
struct HelpQuery {
    /// A division code (a community's poster links here): the address
    /// starts with its full name, for the resident to add the building.
    #[serde(default)]
    at: String,
}

async fn help_form(c: Chrome, Query(q): Query<HelpQuery>) -> Result<Response, AppError> {
    let mut form = fresh_form();
    let at = q.at.trim();
    if at.len() <= 12
        && let Some(d) = divisions::Tree::china().find(at)
        && d.level() >= divisions::DivisionLevel::Street
    {
        form.address = d.full_name();
    }
    Ok(render(&help_page(c, form, Invalid::default()))?.into_response())
}

/// A resident's request: limited per client, per phone and per address
/// asked for (a form anyone can post to; only requests taken count, so a
/// resident correcting a field is not held back), then stored once; the
/// answer is the page of its reference. Over a limit, the form comes back
/// with the field named and what was typed kept.
async fn help_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Chrome,
    HtmlForm(form): HtmlForm<NewNeed>,
) -> Result<Response, AppError> {
    let mut form = form;
    let client = crate::web::limit_key(&ip);
    let phone = crate::phone::normalize(&form.contact_phone).unwrap_or_default();
    let address: String = form.address.split_whitespace().collect();
    let over = [
        (state.help_limiter.is_over(&client), "idempotency_key"),
        (state.help_phone_limiter.is_over(&phone), "contact_phone"),
        (state.help_address_limiter.is_over(&address), "address"),
    ]
    .into_iter()
    .find_map(|(over, field)| over.then_some(field));
    if let Some(field) = over {
        let errors = Invalid(vec![FieldError::new(field, "err-help-too-many")]);
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            render(&help_page(c, form, errors))?,
        )
            .into_response());
    }
    let errors = match store::submit_public(&state.db, &form, &ip, &state.settings.home).await {
        Ok(taken) => {
            if taken.created {
                state.help_limiter.allow(&client);
                state.help_phone_limiter.allow(&phone);
                state.help_address_limiter.allow(&address);
            }
            return Ok(Redirect::to(&format!("/help/{}?sent=1", taken.reference)).into_response());
        }
        Err(AppError::Invalid(errors)) => errors,
        Err(AppError::Conflict(key)) => Invalid(vec![FieldError::new("idempotency_key", key)]),
        Err(e) => return Err(e),
    };
    renew_key(&mut form, &errors);
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&help_page(c, form, errors))?,
    )
        .into_response())
}

#[derive(Deserialize)]
struct FollowQuery {
    #[serde(default)]
    reference: String,
}

/// The follow box: a reference as written (dashes, spaces, lower case)
/// to its page, or the help page with the box marked.
async fn follow(c: Chrome, Query(q): Query<FollowQuery>) -> Result<Response, AppError> {
    match parse_reference(&q.reference) {
        Some(r) => Ok(Redirect::to(&format!("/help/{r}")).into_response()),
        None => {
            let mut page = help_page(c, fresh_form(), Invalid::default());
            page.reference = q.reference;
            page.reference_error = "err-reference";
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "help_status.html")]
struct HelpStatusPage {
    c: Chrome,
    need: PublicNeed,
    division_name: String,
    /// Just sent: the page says so and asks to keep the reference.
    sent: bool,
    /// Arrived from a request merged into this one.
    merged: bool,
    /// What happened, when: the `track-…` words of each step.
    steps: Vec<(time::OffsetDateTime, String)>,
    /// The deployment's hotline.
    hotline: String,
    /// A critical medical request: call 120 as well, now.
    call_120: bool,
    /// Its task: the code to read out at the door, the word on arrival.
    tracking: crate::dispatch::store::field::Tracking,
    /// The requester's word was just taken.
    thanked: bool,
}

#[derive(Deserialize, Default)]
struct SentQuery {
    #[serde(default)]
    sent: String,
    /// Arrived from a request merged into this one.
    #[serde(default)]
    merged: String,
    /// The requester just said what arrived.
    #[serde(default)]
    thanked: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReceivedForm {
    outcome: String,
    comment: String,
}

/// The requester says what arrived (all, part, nothing): their reference
/// is their key, and guessing at it is limited as following it is.
async fn help_received(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(reference): Path<String>,
    HtmlForm(f): HtmlForm<ReceivedForm>,
) -> Result<Response, AppError> {
    if !state.follow_limiter.allow(&crate::web::limit_key(&ip)) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let reference = parse_reference(&reference).ok_or(AppError::NotFound)?;
    let need = {
        let mut tx = state.db.read().await?;
        store::by_reference(&mut tx, &reference).await?
    };
    let outcome = crate::dispatch::model::ReceivedOutcome::parse(&f.outcome)
        .ok_or_else(|| AppError::invalid("outcome", "err-received-outcome"))?;
    let r = crate::dispatch::model::Received {
        outcome,
        comment: f.comment,
    };
    crate::dispatch::store::field::received(&state.db, None, &ip, need.id, &r).await?;
    let shown = format!("{}-{}", &reference[..5], &reference[5..]);
    Ok(Redirect::to(&format!("/help/{shown}?thanked=1")).into_response())
}

async fn help_status(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Chrome,
    Path(reference): Path<String>,
    Query(q): Query<SentQuery>,
) -> Result<Response, AppError> {
    // References are 10^15 apart, and guessing them is still refused.
    if !state.follow_limiter.allow(&crate::web::limit_key(&ip)) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let reference = parse_reference(&reference).ok_or(AppError::NotFound)?;
    let mut tx = state.db.read().await?;
    let need = match store::by_reference(&mut tx, &reference).await {
        Ok(need) => need,
        // A reference mistyped: the follow box again, with what it read.
        Err(AppError::NotFound) => {
            let mut page = help_page(c, fresh_form(), Invalid::default());
            page.reference = format!("{}-{}", &reference[..5], &reference[5..]);
            page.reference_error = "err-reference-unknown";
            return Ok((StatusCode::NOT_FOUND, render(&page)?).into_response());
        }
        Err(e) => return Err(e),
    };
    // A request merged into another follows the one that stays.
    if need.merged_into.is_some()
        && let Some(survivor) = store::surviving_reference(&mut tx, &need).await?
    {
        let shown = format!("{}-{}", &survivor[..5], &survivor[5..]);
        return Ok(Redirect::to(&format!("/help/{shown}?merged=1")).into_response());
    }
    let steps = store::public_steps(&mut tx, &need)
        .await?
        .into_iter()
        .map(|(at, action)| (at, c.t(&format!("track-{}", action.replace('.', "-")))))
        .collect();
    let tracking = crate::dispatch::store::field::tracking(&mut tx, need.id, &need.status).await?;
    Ok(render(&HelpStatusPage {
        tracking,
        thanked: !q.thanked.is_empty(),
        division_name: need.division_name(),
        steps,
        hotline: state.settings.hotline.clone(),
        call_120: need.urgency == "critical"
            && matches!(need.kind.as_str(), "medical" | "medicine")
            && need.status != "closed",
        need,
        sent: !q.sent.is_empty(),
        merged: !q.merged.is_empty(),
        c,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "need_import.html")]
struct ImportPage {
    c: Chrome,
    /// The file's name, once one was sent.
    file: String,
    done: Option<Imported>,
    rejected: Rejected,
    /// Why the file could not be read as a table ("" when it could).
    unreadable: String,
    /// Blank rows skipped.
    blank: usize,
    /// Headers that name no field (not read).
    unknown: Vec<String>,
    max_rows: usize,
}

fn import_page(c: Chrome) -> ImportPage {
    ImportPage {
        c,
        file: String::new(),
        done: None,
        rejected: Rejected::default(),
        unreadable: String::new(),
        blank: 0,
        unknown: Vec::new(),
        max_rows: MAX_ROWS,
    }
}

async fn import_form(scope: Scope, c: Chrome) -> Result<Response, AppError> {
    if !scope.role().takes_needs() {
        return Err(AppError::Forbidden);
    }
    Ok(render(&import_page(c))?.into_response())
}

/// The import template (xlsx): the accepted headers, an example row, and
/// what each column takes, in the reader's language.
async fn import_template(scope: Scope, c: Chrome) -> Result<Response, AppError> {
    if !scope.role().takes_needs() {
        return Err(AppError::Forbidden);
    }
    let bytes = super::import::template(c.lang).map_err(anyhow::Error::from)?;
    Ok(crate::web::download_as(
        bytes,
        crate::web::XLSX,
        "template.xlsx",
        &c.t("import-template-file"),
    ))
}

/// A list uploaded: all its needs taken, or none and every reason shown.
async fn import(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    if !scope.role().takes_needs() {
        return Err(AppError::Forbidden);
    }
    let mut page = import_page(c);
    let (name, table) =
        crate::web::extract::list_upload(&mut multipart, MAX_ROWS, MAX_COLUMNS).await?;
    page.file = name;
    let outcome = match table {
        Err(e) => {
            page.unreadable = e.message(page.c.lang);
            None
        }
        Ok(up) => {
            page.blank = up.blank;
            page.unknown = unknown_columns(&up.headers);
            match needs_of(&up.headers, &up.rows) {
                Err(rejected) => Some(Err(rejected)),
                Ok(needs) => Some(store::import(&state.db, &scope, needs).await?),
            }
        }
    };
    let status = match outcome {
        Some(Ok(done)) => {
            page.done = Some(done);
            StatusCode::OK
        }
        Some(Err(rejected)) => {
            page.rejected = rejected;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        None => StatusCode::UNPROCESSABLE_ENTITY,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "escalations.html")]
struct EscalationsPage {
    c: Chrome,
    needs: Vec<Need>,
}

/// The escalated needs the caller's organisation answers for as a lead
/// of the coalition's working groups.
async fn escalations(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    if !scope.role().sees_needs() {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.read().await?;
    let needs = store::escalations(&mut tx, &scope).await?;
    Ok(render(&EscalationsPage { c, needs })?.into_response())
}

#[derive(Template)]
#[template(path = "service_levels.html")]
struct LevelsPage {
    c: Chrome,
    rows: Vec<LevelRow>,
    can_edit: bool,
    errors: Invalid,
    notice: String,
}

/// One urgency's row: its two waits as typed (and as numbers, to show
/// them in words) and their field names.
struct LevelRow {
    urgency: &'static str,
    verify: String,
    deliver: String,
    verify_minutes: i64,
    deliver_minutes: i64,
    verify_field: &'static str,
    deliver_field: &'static str,
}

fn levels_page(
    c: Chrome,
    typed: &[(String, String)],
    can_edit: bool,
    errors: Invalid,
) -> LevelsPage {
    let rows = Urgency::ALL
        .iter()
        .rev()
        .zip(typed)
        .map(|(u, (v, d))| {
            let (verify_field, deliver_field) = level_fields(*u);
            LevelRow {
                urgency: u.as_str(),
                verify_minutes: v.parse().unwrap_or_default(),
                deliver_minutes: d.parse().unwrap_or_default(),
                verify: v.clone(),
                deliver: d.clone(),
                verify_field,
                deliver_field,
            }
        })
        .collect();
    LevelsPage {
        c,
        rows,
        can_edit,
        errors,
        notice: String::new(),
    }
}

/// The waits of `levels` as typed, most urgent first (the page's order).
fn typed(levels: &ServiceLevels) -> Vec<(String, String)> {
    Urgency::ALL
        .iter()
        .rev()
        .map(|&u| {
            let l = levels.of(u);
            (l.verify_minutes.to_string(), l.deliver_minutes.to_string())
        })
        .collect()
}

fn may_set_levels(state: &AppState, scope: &Scope) -> bool {
    scope.role().administers() && state.settings.home.starts_with(scope.jurisdiction())
}

async fn levels_form(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(nq): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    if !scope.role().sees_needs() {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.read().await?;
    let levels = store::service_levels(&mut tx).await?;
    let mut page = levels_page(
        c,
        &typed(&levels),
        may_set_levels(&state, &scope),
        Invalid::default(),
    );
    if nq.notice == "saved" {
        page.notice = page.c.t("service-levels-saved");
    }
    Ok(render(&page)?.into_response())
}

async fn set_levels(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut levels = ServiceLevels::default();
    let mut errors = Invalid::default();
    let mut as_typed = Vec::new();
    for &u in Urgency::ALL.iter().rev() {
        let (vf, df) = level_fields(u);
        let v = form
            .get(vf)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let d = form
            .get(df)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let l = levels.of_mut(u);
        for (field, text, slot) in [
            (vf, &v, &mut l.verify_minutes),
            (df, &d, &mut l.deliver_minutes),
        ] {
            match text.parse::<i64>() {
                Ok(n) => *slot = n,
                Err(_) => errors.push(FieldError::new(field, "err-level-minutes")),
            }
        }
        as_typed.push((v, d));
    }
    let result = if errors.is_empty() {
        store::set_service_levels(&state.db, &scope, &state.settings.home, &levels).await
    } else {
        Err(AppError::Invalid(errors))
    };
    match result {
        Ok(_) => Ok(Redirect::to("/needs/service-levels?notice=saved").into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = levels_page(c, &as_typed, true, errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct MergeForm {
    #[serde(default)]
    into: String,
    #[serde(default)]
    reason: String,
    /// The box that says the person means it: a merge is not undone.
    #[serde(default)]
    confirm: String,
}

/// Merge this need into another from its page (or another into this one:
/// the form names which stays); then the page of the one that stays.
async fn merge(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<MergeForm>,
) -> Result<Response, AppError> {
    let Ok(into) = f.into.trim().parse::<i64>() else {
        return moved(
            &state,
            &scope,
            c,
            id,
            Err(AppError::invalid("into", "err-need-merge-unknown")),
            f.reason,
        )
        .await;
    };
    if f.confirm != "yes" {
        let refused = Err(AppError::invalid("merge", "err-need-merge-confirm"));
        return moved(&state, &scope, c, id, refused, f.reason).await;
    }
    match store::merge(&state.db, &scope, id, into, &f.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/needs/{into}?notice=merged")).into_response()),
        Err(e) => moved(&state, &scope, c, id, Err(e), f.reason).await,
    }
}

#[derive(Template)]
#[template(path = "need_similar.html")]
struct SimilarPanel {
    c: Chrome,
    similar: Vec<Similar>,
}

/// The hotline form's panel of needs already taken that look like the one
/// being typed (htmx swaps it in as the phone and the address are typed).
async fn similar_typed(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(q): Query<SimilarQuery>,
) -> Result<Response, AppError> {
    let similar = match store::similar_typed(&state.db, &scope, &q).await {
        Ok(s) => s,
        Err(AppError::Invalid(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    Ok(render(&SimilarPanel { c, similar })?.into_response())
}
