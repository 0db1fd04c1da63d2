//! Pages: the supply overview, depots and their stock, offers, appeals
//! (the staff page with its pledges, QR code and WeChat text; the public
//! page anyone opens from the link), and stock held for a need.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::model::{
    Appeal, AppealLineInput, Depot, Item, Movement, NewAppeal, NewDepot, NewOffer, NewPledge,
    NewReservation, Offer, OfferKind, OfferReceipt, OfferStatus, Reservation, StockChange,
    StockLine,
};
use super::store;
use crate::access::model::Scope;
use crate::web::error::{AppError, Invalid};
use crate::web::extract::HtmlForm;
use crate::web::{AppState, Chrome, ClientIp, NoticeQuery, render, reveal_answer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/supply", get(overview))
        .route("/supply/depots/new", get(new_depot_form).post(create_depot))
        .route("/supply/depots/{id}", get(depot))
        .route("/supply/depots/{id}/receive", post(receive))
        .route("/supply/depots/{id}/adjust", post(adjust))
        .route("/supply/reservations/{id}/settle", post(settle))
        .route("/supply/offers", get(offers))
        .route("/supply/offers/new", get(new_offer_form).post(create_offer))
        .route("/supply/offers/{id}", get(offer))
        .route("/supply/offers/{id}/receive", post(receive_offer))
        .route("/supply/offers/{id}/withdraw", post(withdraw_offer))
        .route("/supply/offers/{id}/reveal", post(reveal_offer))
        .route(
            "/supply/appeals/new",
            get(new_appeal_form).post(create_appeal),
        )
        .route("/supply/appeals/{id}", get(appeal))
        .route("/supply/appeals/{id}/pledge", post(pledge))
        .route("/supply/appeals/{id}/close", post(close_appeal))
        .route("/needs/{id}/reserve", post(reserve))
        .route("/appeals/{reference}", get(public_appeal))
        .route("/appeals/{reference}/qr.svg", get(appeal_qr))
        .route("/ledger", get(ledger))
        .route("/ledger/orgs/{id}", get(org_ledger))
        .route("/ledger.xlsx", get(ledger_xlsx))
}

fn zh(c: &Chrome) -> bool {
    c.lang == crate::web::i18n::Lang::Zh
}

#[derive(Template)]
#[template(path = "supply.html")]
struct OverviewPage {
    c: Chrome,
    depots: Vec<Depot>,
    appeals: Vec<Appeal>,
    offers: Vec<Offer>,
    zh: bool,
}

async fn overview(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let mut tx = state.db.read().await?;
    let depots = store::depots(&mut tx, &scope).await?;
    let appeals = store::appeals(&mut tx, &scope).await?;
    let mut offers = store::offers(&mut tx, &scope, None, Some(OfferStatus::Offered)).await?;
    offers.truncate(20);
    let zh = zh(&c);
    Ok(render(&OverviewPage {
        c,
        depots,
        appeals,
        offers,
        zh,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "depot_new.html")]
struct NewDepotPage {
    c: Chrome,
    name: String,
    division_code: String,
    address: String,
    errors: Invalid,
}

async fn new_depot_form(scope: Scope, c: Chrome) -> Result<Response, AppError> {
    if !scope.role().coordinates() {
        return Err(AppError::Forbidden);
    }
    Ok(render(&NewDepotPage {
        c,
        name: String::new(),
        division_code: scope.jurisdiction().to_owned(),
        address: String::new(),
        errors: Invalid::default(),
    })?
    .into_response())
}

async fn create_depot(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Form(mut n): Form<NewDepot>,
) -> Result<Response, AppError> {
    n.division_code = crate::web::division_code_of(&n.division_code, scope.jurisdiction());
    match store::create_depot(&state.db, &scope, &n).await {
        Ok(d) => {
            Ok(Redirect::to(&format!("/supply/depots/{}?notice=created", d.id)).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let page = NewDepotPage {
                c,
                name: n.name,
                division_code: n.division_code,
                address: n.address,
                errors,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "depot.html")]
struct DepotPage {
    c: Chrome,
    depot: Depot,
    stock: Vec<StockLine>,
    reservations: Vec<Reservation>,
    movements: Vec<Movement>,
    items: Vec<Item>,
    can_run: bool,
    zh: bool,
    notice: String,
    errors: Invalid,
    /// Which form the errors belong to (receive, adjust, settle).
    failed: &'static str,
    change: StockChange,
}

async fn depot_page(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
) -> Result<DepotPage, AppError> {
    let mut tx = state.db.read().await?;
    let depot = store::depot(&mut tx, scope, id).await?;
    let can_run = scope.role().coordinates()
        && (scope.covers(&depot.division_code) || scope.org_id() == depot.org_id);
    let zh = zh(&c);
    Ok(DepotPage {
        stock: store::stock(&mut tx, scope, id).await?,
        reservations: store::reservations(&mut tx, scope, id).await?,
        movements: store::movements(&mut tx, scope, id).await?,
        items: store::items(&mut tx).await?,
        depot,
        can_run,
        zh,
        c,
        notice: String::new(),
        errors: Invalid::default(),
        failed: "",
        change: StockChange::default(),
    })
}

async fn depot(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Query(nq): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = match nq.notice.as_str() {
        "created" => c.t("depot-created"),
        "received" => c.t("stock-received"),
        "adjusted" => c.t("stock-adjusted"),
        "dispatched" => c.t("reservation-dispatched"),
        "released" => c.t("reservation-released"),
        _ => String::new(),
    };
    let mut page = depot_page(&state, &scope, c, id).await?;
    page.notice = notice;
    Ok(render(&page)?.into_response())
}

/// A stock form from the depot page: ids as text so that a tampered
/// form is a field error, not a 422 on the body.
#[derive(Deserialize, Default)]
#[serde(default)]
struct StockForm {
    item_id: String,
    quantity: String,
    reason: String,
}

impl StockForm {
    fn change(&self) -> StockChange {
        StockChange {
            item_id: self.item_id.trim().parse().unwrap_or_default(),
            quantity: self.quantity.clone(),
            reason: self.reason.clone(),
        }
    }
}

async fn stock_answer(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
    form: &'static str,
    change: StockChange,
    result: Result<StockLine, AppError>,
) -> Result<Response, AppError> {
    match result {
        Ok(_) => {
            let notice = if form == "receive" {
                "received"
            } else {
                "adjusted"
            };
            Ok(Redirect::to(&format!("/supply/depots/{id}?notice={notice}")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let mut page = depot_page(state, scope, c, id).await?;
            page.errors = errors;
            page.failed = form;
            page.change = change;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn receive(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<StockForm>,
) -> Result<Response, AppError> {
    let change = f.change();
    let result = store::receive(&state.db, &scope, id, &change).await;
    stock_answer(&state, &scope, c, id, "receive", change, result).await
}

async fn adjust(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<StockForm>,
) -> Result<Response, AppError> {
    let change = f.change();
    let result = store::adjust(&state.db, &scope, id, &change).await;
    stock_answer(&state, &scope, c, id, "adjust", change, result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SettleForm {
    /// dispatch or release.
    to: String,
    reason: String,
    /// Where to come back to: the depot's page, or the need's.
    back: String,
}

async fn settle(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<SettleForm>,
) -> Result<Response, AppError> {
    let dispatch = f.to == "dispatch";
    match store::settle(&state.db, &scope, id, dispatch, &f.reason).await {
        Ok(r) => {
            let notice = if dispatch { "dispatched" } else { "released" };
            let to = if f.back == "need" {
                format!("/needs/{}?notice={notice}", r.need_id)
            } else {
                format!("/supply/depots/{}?notice={notice}", r.depot_id)
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let depot_id = {
                let mut tx = state.db.read().await?;
                store::reservation_depot(&mut tx, id).await?
            };
            let mut page = depot_page(&state, &scope, c, depot_id).await?;
            page.errors = errors;
            page.failed = "settle";
            page.change.reason = f.reason;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReserveForm {
    depot_id: String,
    item_id: String,
    quantity: String,
}

/// Stock held for a need from its page. A refusal (not enough left)
/// comes back to the need's page with the message by the field.
async fn reserve(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<ReserveForm>,
) -> Result<Response, AppError> {
    let r = NewReservation {
        item_id: f.item_id.trim().parse().unwrap_or_default(),
        need_id: id,
        quantity: f.quantity.clone(),
    };
    let depot_id: i64 = f.depot_id.trim().parse().unwrap_or_default();
    // The read is let go before the write takes its own connection.
    let seen = {
        let mut tx = state.db.read().await?;
        store::depot(&mut tx, &scope, depot_id).await
    };
    let result = match seen {
        Err(AppError::NotFound) => Err(AppError::invalid("depot_id", "err-depot")),
        Err(e) => Err(e),
        Ok(_) => store::reserve(&state.db, &scope, depot_id, &r).await,
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/needs/{id}?notice=reserved")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut page = crate::needs::pages::need_page(&state, &scope, c, id).await?;
            page.errors = errors;
            page.supply.quantity = f.quantity;
            page.supply.depot_id = depot_id;
            page.supply.item_id = r.item_id;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// What a need's page shows and offers of supply (for those who run it).
#[derive(Default)]
pub struct NeedSupply {
    pub reservations: Vec<Reservation>,
    pub appeals: Vec<Appeal>,
    pub depots: Vec<Depot>,
    pub items: Vec<Item>,
    pub can_run: bool,
    pub zh: bool,
    /// The reserve form as typed, after a refusal.
    pub depot_id: i64,
    pub item_id: i64,
    pub quantity: String,
}

/// The supply part of a need's page.
pub async fn need_supply(
    tx: &mut crate::db::Tx,
    scope: &Scope,
    c: &Chrome,
    need: &crate::needs::model::Need,
) -> Result<NeedSupply, AppError> {
    let can_run = scope.role().coordinates();
    Ok(NeedSupply {
        reservations: store::reservations_for_need(tx, need).await?,
        appeals: store::appeals_for_need(tx, need.id).await?,
        depots: if can_run {
            store::depots(tx, scope).await?
        } else {
            Vec::new()
        },
        items: if can_run {
            store::items(tx).await?
        } else {
            Vec::new()
        },
        can_run,
        zh: zh(c),
        ..Default::default()
    })
}

#[derive(Template)]
#[template(path = "offers.html")]
struct OffersPage {
    c: Chrome,
    offers: Vec<Offer>,
    kind: String,
    status: String,
    kinds: &'static [OfferKind],
    statuses: &'static [OfferStatus],
    zh: bool,
}

async fn offers(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(p): Query<super::api::OfferParams>,
) -> Result<Response, AppError> {
    let (kind, status) = p.checked()?;
    let mut tx = state.db.read().await?;
    let offers = store::offers(&mut tx, &scope, kind, status).await?;
    let zh = zh(&c);
    Ok(render(&OffersPage {
        c,
        offers,
        kind: p.kind,
        status: p.status,
        kinds: OfferKind::ALL,
        statuses: OfferStatus::ALL,
        zh,
    })?
    .into_response())
}

/// The offer form as typed: every field text, so nothing typed is lost
/// on a refusal.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct OfferForm {
    kind: String,
    org_id: String,
    donor: String,
    contact_name: String,
    contact_phone: String,
    item_id: String,
    quantity: String,
    depot_id: String,
    expires_on: String,
    description: String,
    hours: String,
    seats: String,
    load_kg: String,
    pass: String,
    zones: String,
    value_yuan: String,
}

impl OfferForm {
    fn offer(&self) -> NewOffer {
        let id = |s: &str| s.trim().parse::<i64>().ok();
        NewOffer {
            kind: self.kind.clone(),
            org_id: id(&self.org_id),
            donor: self.donor.clone(),
            division_code: String::new(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            item_id: id(&self.item_id),
            quantity: self.quantity.clone(),
            depot_id: id(&self.depot_id),
            expires_on: self.expires_on.clone(),
            description: self.description.clone(),
            hours: self.hours.clone(),
            seats: self.seats.clone(),
            load_kg: self.load_kg.clone(),
            pass: self.pass.clone(),
            zones: self.zones.clone(),
            value_yuan: self.value_yuan.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "offer_new.html")]
struct NewOfferPage {
    c: Chrome,
    form: OfferForm,
    errors: Invalid,
    items: Vec<Item>,
    depots: Vec<Depot>,
    orgs: Vec<crate::orgs::model::Org>,
    kinds: &'static [OfferKind],
    zh: bool,
}

async fn new_offer_page(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    form: OfferForm,
    errors: Invalid,
) -> Result<NewOfferPage, AppError> {
    if !scope.role().coordinates() {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.read().await?;
    let zh = zh(&c);
    Ok(NewOfferPage {
        items: store::items(&mut tx).await?,
        depots: store::depots(&mut tx, scope).await?,
        orgs: crate::orgs::store::list(&mut tx, scope, Some("approved"), None).await?,
        kinds: OfferKind::ALL,
        c,
        form,
        errors,
        zh,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KindQuery {
    kind: String,
}

async fn new_offer_form(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(q): Query<KindQuery>,
) -> Result<Response, AppError> {
    let form = OfferForm {
        kind: OfferKind::parse(&q.kind)
            .unwrap_or(OfferKind::Goods)
            .as_str()
            .into(),
        ..Default::default()
    };
    let page = new_offer_page(&state, &scope, c, form, Invalid::default()).await?;
    Ok(render(&page)?.into_response())
}

async fn create_offer(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Form(f): Form<OfferForm>,
) -> Result<Response, AppError> {
    match store::create_offer(&state.db, &scope, &f.offer()).await {
        Ok(o) => {
            Ok(Redirect::to(&format!("/supply/offers/{}?notice=created", o.id)).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let page = new_offer_page(&state, &scope, c, f, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "offer.html")]
struct OfferPage {
    c: Chrome,
    offer: Offer,
    depots: Vec<Depot>,
    can_run: bool,
    can_reveal: bool,
    revealed: String,
    zh: bool,
    notice: String,
    errors: Invalid,
    quantity: String,
    reason: String,
}

async fn offer_page(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    id: i64,
) -> Result<OfferPage, AppError> {
    let mut tx = state.db.read().await?;
    let offer = store::offer(&mut tx, scope, id).await?;
    let can_run = scope.role().coordinates();
    let depots = if can_run {
        store::depots(&mut tx, scope).await?
    } else {
        Vec::new()
    };
    let zh = zh(&c);
    Ok(OfferPage {
        can_reveal: scope.role().may_reveal_contacts() && !offer.contact_phone.is_empty(),
        offer,
        depots,
        can_run,
        revealed: String::new(),
        zh,
        c,
        notice: String::new(),
        errors: Invalid::default(),
        quantity: String::new(),
        reason: String::new(),
    })
}

async fn offer(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Query(nq): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = match nq.notice.as_str() {
        "created" => c.t("offer-created"),
        "received" => c.t("offer-received"),
        "withdrawn" => c.t("offer-withdrawn"),
        _ => String::new(),
    };
    let mut page = offer_page(&state, &scope, c, id).await?;
    page.notice = notice;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReceiptForm {
    depot_id: String,
    quantity: String,
    /// Back to the appeal's page when received from there.
    back: String,
}

async fn receive_offer(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<ReceiptForm>,
) -> Result<Response, AppError> {
    let r = OfferReceipt {
        depot_id: f.depot_id.trim().parse().ok(),
        quantity: f.quantity.clone(),
    };
    match store::receive_offer(&state.db, &scope, id, &r).await {
        Ok(o) => {
            let to = match (f.back.as_str(), o.appeal_id) {
                ("appeal", Some(a)) => format!("/supply/appeals/{a}?notice=received"),
                _ => format!("/supply/offers/{id}?notice=received"),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let mut page = offer_page(&state, &scope, c, id).await?;
            page.errors = errors;
            page.quantity = f.quantity;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReasonForm {
    reason: String,
}

async fn withdraw_offer(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    match store::withdraw_offer(&state.db, &scope, id, &f.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/supply/offers/{id}?notice=withdrawn")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut page = offer_page(&state, &scope, c, id).await?;
            page.errors = errors;
            page.reason = f.reason;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn reveal_offer(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let result = store::reveal_offer(&state.db, &scope, id, "contact_phone", &f.reason).await;
    let mut page = offer_page(&state, &scope, c, id).await?;
    let revealed = match result {
        Ok(value) => {
            page.revealed = value;
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

/// The appeal form as typed. Lines come as parallel lists (item_id[],
/// quantity[]) so that a page of rows needs no script.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct AppealForm {
    need_id: String,
    division_code: String,
    title: String,
    description: String,
    needed_by: String,
    item_id: Vec<String>,
    quantity: Vec<String>,
}

impl AppealForm {
    fn appeal(&self) -> NewAppeal {
        let lines = self
            .item_id
            .iter()
            .zip(&self.quantity)
            .filter(|(i, q)| !i.trim().is_empty() && !q.trim().is_empty())
            .map(|(i, q)| AppealLineInput {
                item_id: i.trim().parse().unwrap_or_default(),
                quantity: q.clone(),
            })
            .collect();
        NewAppeal {
            need_id: self.need_id.trim().parse().ok(),
            division_code: self.division_code.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            needed_by: self.needed_by.clone(),
            lines,
        }
    }

    /// The rows the page shows: what was typed, then blanks up to eight.
    fn rows(&self) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = self
            .item_id
            .iter()
            .cloned()
            .zip(self.quantity.iter().cloned())
            .filter(|(i, q)| !i.is_empty() || !q.is_empty())
            .collect();
        while rows.len() < 8 {
            rows.push((String::new(), String::new()));
        }
        rows
    }
}

#[derive(Template)]
#[template(path = "appeal_new.html")]
struct NewAppealPage {
    c: Chrome,
    form: AppealForm,
    rows: Vec<(String, String)>,
    need: Option<crate::needs::model::Need>,
    items: Vec<Item>,
    errors: Invalid,
    zh: bool,
}

async fn new_appeal_page(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    form: AppealForm,
    errors: Invalid,
) -> Result<NewAppealPage, AppError> {
    if !scope.role().coordinates() {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.read().await?;
    let need = match form.need_id.trim().parse::<i64>() {
        Ok(id) => Some(crate::needs::store::get(&mut tx, scope, id).await?),
        Err(_) => None,
    };
    let zh = zh(&c);
    Ok(NewAppealPage {
        rows: form.rows(),
        items: store::items(&mut tx).await?,
        need,
        c,
        form,
        errors,
        zh,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NeedQuery {
    need: String,
}

async fn new_appeal_form(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(q): Query<NeedQuery>,
) -> Result<Response, AppError> {
    let mut form = AppealForm {
        need_id: q.need.clone(),
        ..Default::default()
    };
    // A need's appeal starts from what it asks: its kind's first items
    // are for the coordinator to choose; the title says where and what.
    let mut page = new_appeal_page(&state, &scope, c, form.clone(), Invalid::default()).await?;
    if let Some(n) = &page.need {
        let kind = page.c.t(&format!("need-kind-{}", n.kind));
        form.title = format!("{} · {}", super::model::short_place(&n.division_code), kind);
        let default_by = crate::db::now() + time::Duration::hours(6);
        let local = default_by.to_offset(time::macros::offset!(+8));
        form.needed_by = local
            .format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]"
            ))
            .unwrap_or_default();
        page.form = form;
    }
    Ok(render(&page)?.into_response())
}

async fn create_appeal(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(mut f): HtmlForm<AppealForm>,
) -> Result<Response, AppError> {
    f.division_code = crate::web::division_code_of(&f.division_code, scope.jurisdiction());
    match store::create_appeal(&state.db, &scope, &f.appeal()).await {
        Ok(a) => {
            Ok(Redirect::to(&format!("/supply/appeals/{}?notice=created", a.id)).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let page = new_appeal_page(&state, &scope, c, f, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// A reference as people read it aloud: two groups of five.
pub(crate) fn spaced(reference: &str) -> String {
    if reference.len() == 10 {
        format!("{}-{}", &reference[..5], &reference[5..])
    } else {
        reference.to_owned()
    }
}

#[derive(Template)]
#[template(path = "appeal.html")]
struct AppealPage {
    c: Chrome,
    appeal: Appeal,
    pledges: Vec<Offer>,
    depots: Vec<Depot>,
    link: String,
    wechat: String,
    can_run: bool,
    zh: bool,
    notice: String,
    errors: Invalid,
}

async fn appeal_page(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    headers: &HeaderMap,
    id: i64,
) -> Result<AppealPage, AppError> {
    let mut tx = state.db.read().await?;
    let appeal = store::appeal(&mut tx, scope, id).await?;
    let can_run = scope.role().coordinates();
    let pledges = if scope.role().sees_needs() {
        store::pledges(&mut tx, scope, id).await?
    } else {
        Vec::new()
    };
    let depots = if can_run {
        store::depots(&mut tx, scope).await?
    } else {
        Vec::new()
    };
    let link = crate::web::public_link(
        state,
        headers,
        &format!("/appeals/{}", spaced(&appeal.reference)),
    );
    let zh = zh(&c);
    Ok(AppealPage {
        wechat: appeal.wechat_text(zh, &link),
        appeal,
        pledges,
        depots,
        link,
        can_run,
        zh,
        c,
        notice: String::new(),
        errors: Invalid::default(),
    })
}

async fn appeal(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(nq): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = match nq.notice.as_str() {
        "created" => c.t("appeal-created"),
        "pledged" => c.t("appeal-pledge-done"),
        "received" => c.t("offer-received"),
        "closed" => c.t("appeal-closed"),
        _ => String::new(),
    };
    let mut page = appeal_page(&state, &scope, c, &headers, id).await?;
    page.notice = notice;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PledgeForm {
    item_id: Vec<String>,
    quantity: Vec<String>,
    depot_id: String,
    contact_name: String,
    contact_phone: String,
}

async fn pledge(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    headers: HeaderMap,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<PledgeForm>,
) -> Result<Response, AppError> {
    let p = NewPledge {
        org_id: None,
        lines: f
            .item_id
            .iter()
            .zip(&f.quantity)
            .map(|(i, q)| AppealLineInput {
                item_id: i.trim().parse().unwrap_or_default(),
                quantity: q.clone(),
            })
            .collect(),
        depot_id: f.depot_id.trim().parse().ok(),
        contact_name: f.contact_name,
        contact_phone: f.contact_phone,
    };
    match store::pledge(&state.db, &scope, id, &p).await {
        Ok(_) => Ok(Redirect::to(&format!("/supply/appeals/{id}?notice=pledged")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut page = appeal_page(&state, &scope, c, &headers, id).await?;
            page.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn close_appeal(
    State(state): State<AppState>,
    scope: Scope,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    store::close_appeal(&state.db, &scope, id).await?;
    Ok(Redirect::to(&format!("/supply/appeals/{id}?notice=closed")).into_response())
}

#[derive(Template)]
#[template(path = "appeal_public.html")]
struct PublicAppealPage {
    c: Chrome,
    appeal: Appeal,
    reference: String,
    place: String,
    hotline: String,
    zh: bool,
}

/// The appeal as anyone sees it from the link or the QR code: what, how
/// much is still wanted, by when, for where; nothing personal.
async fn public_appeal(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Chrome,
    Path(reference): Path<String>,
) -> Result<Response, AppError> {
    if !state.follow_limiter.allow(&crate::web::limit_key(&ip)) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let mut tx = state.db.read().await?;
    let appeal = store::public_appeal(&mut tx, &reference).await?;
    let zh = zh(&c);
    Ok(render(&PublicAppealPage {
        reference: spaced(&appeal.reference),
        place: super::model::short_place(&appeal.division_code),
        hotline: state.settings.hotline.clone(),
        appeal,
        c,
        zh,
    })?
    .into_response())
}

/// The QR code of an appeal's public page, as SVG (prints sharp at any
/// size; no image library).
async fn appeal_qr(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Result<Response, AppError> {
    if !state.follow_limiter.allow(&crate::web::limit_key(&ip)) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let mut tx = state.db.read().await?;
    let appeal = store::public_appeal(&mut tx, &reference).await?;
    let link = crate::web::public_link(
        &state,
        &headers,
        &format!("/appeals/{}", spaced(&appeal.reference)),
    );
    qr_answer(&link)
}

/// A public page's link as a QR code answer (SVG).
pub(crate) fn qr_answer(link: &str) -> Result<Response, AppError> {
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            // Drawn from the Host asked when no public URL is set: kept by
            // this browser only, never by a shared cache.
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        qr_svg(link)?,
    )
        .into_response())
}

/// A link as a QR code in SVG.
pub fn qr_svg(link: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    c: Chrome,
    ledger: super::model::Ledger,
    /// The organisation whose ledger this is, if one.
    org_id: Option<i64>,
    zh: bool,
}

/// The public donations ledger of the deployment's home jurisdiction
/// (the coalition's area): anyone may read it, nothing on it is personal.
async fn ledger(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Chrome,
) -> Result<Response, AppError> {
    if !state.follow_limiter.allow(&crate::web::limit_key(&ip)) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let home = state.settings.home.clone();
    let title = c.division_name(&home);
    let mut tx = state.db.read().await?;
    let ledger = store::ledger(&mut tx, title, &home, None).await?;
    let zh = zh(&c);
    Ok(render(&LedgerPage {
        c,
        ledger,
        org_id: None,
        zh,
    })?
    .into_response())
}

/// One organisation's ledger: what it gave, and what left its depots.
async fn org_ledger(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Chrome,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !state.follow_limiter.allow(&crate::web::limit_key(&ip)) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let mut tx = state.db.read().await?;
    let title = store::public_org_name(&mut tx, id).await?;
    let ledger = store::ledger(&mut tx, title, "", Some(id)).await?;
    let zh = zh(&c);
    Ok(render(&LedgerPage {
        c,
        ledger,
        org_id: Some(id),
        zh,
    })?
    .into_response())
}

/// The ledger as an xlsx of four sheets (received, where it went, donors,
/// latest), in the reader's language. Public, as the page is.
async fn ledger_xlsx(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Chrome,
) -> Result<Response, AppError> {
    use crate::tables::Sheet;
    if !state.follow_limiter.allow(&crate::web::limit_key(&ip)) {
        return Err(AppError::TooMany("err-rate-limited"));
    }
    let home = state.settings.home.clone();
    let mut tx = state.db.read().await?;
    let l = store::ledger(&mut tx, c.division_name(&home), &home, None).await?;
    let zh = zh(&c);
    let pick = |a: &str, b: &str| if zh { a.to_owned() } else { b.to_owned() };
    let t = |k: &str| c.t(k);
    let item_header = vec![t("field-item"), t("field-quantity"), t("ledger-unit")];
    let received = l
        .received
        .iter()
        .map(|i| {
            vec![
                pick(&i.name_zh, &i.name_en),
                i.quantity.to_string(),
                pick(&i.unit_zh, &i.unit_en),
            ]
        })
        .collect();
    let mut sent = Vec::new();
    for d in &l.districts {
        if d.communities.is_empty() {
            for i in &d.items {
                sent.push(vec![
                    d.division_name.clone(),
                    String::new(),
                    pick(&i.name_zh, &i.name_en),
                    i.quantity.to_string(),
                    pick(&i.unit_zh, &i.unit_en),
                ]);
            }
        }
        for cm in &d.communities {
            for i in &cm.items {
                sent.push(vec![
                    d.division_name.clone(),
                    cm.division_name.clone(),
                    pick(&i.name_zh, &i.name_en),
                    i.quantity.to_string(),
                    pick(&i.unit_zh, &i.unit_en),
                ]);
            }
        }
    }
    let donor = |name: &str| {
        if name.is_empty() {
            t("donor-anonymous")
        } else {
            name.to_owned()
        }
    };
    let donors = l
        .donors
        .iter()
        .map(|d| {
            vec![
                donor(&d.donor),
                d.donations.to_string(),
                d.units.to_string(),
                super::model::fen_to_yuan(d.value_fen),
            ]
        })
        .collect();
    let latest = l
        .latest
        .iter()
        .map(|e| {
            vec![
                c.time(e.at),
                donor(&e.donor),
                t(&format!("offer-kind-{}", e.kind)),
                pick(
                    e.name_zh.as_deref().unwrap_or(""),
                    e.name_en.as_deref().unwrap_or(""),
                ),
                if e.kind == "money" {
                    String::new()
                } else {
                    e.quantity.to_string()
                },
                super::model::fen_to_yuan(e.value_fen),
                e.depot_name.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let sheets = [
        Sheet {
            name: t("ledger-received"),
            header: item_header,
            rows: received,
        },
        Sheet {
            name: t("ledger-sent"),
            header: vec![
                t("ledger-district"),
                t("ledger-community"),
                t("field-item"),
                t("field-quantity"),
                t("ledger-unit"),
            ],
            rows: sent,
        },
        Sheet {
            name: t("ledger-donors"),
            header: vec![
                t("field-donor"),
                t("ledger-donations"),
                t("ledger-units"),
                t("ledger-value-yuan"),
            ],
            rows: donors,
        },
        Sheet {
            name: t("ledger-latest"),
            header: vec![
                t("ledger-when"),
                t("field-donor"),
                t("field-offer-kind"),
                t("field-item"),
                t("field-quantity"),
                t("ledger-value-yuan"),
                t("field-depot"),
            ],
            rows: latest,
        },
    ];
    let body = crate::tables::xlsx(&sheets).map_err(|e| AppError::Internal(e.into()))?;
    Ok(crate::web::download(body, crate::web::XLSX, "ledger.xlsx"))
}
