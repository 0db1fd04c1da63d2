//! Supply (供给): the item catalogue, depots and their stock, offers of
//! goods, services, vehicles and money, and appeals (征集公告) with the
//! pledges made against them. Types and rules; no IO.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::needs::model::{NeedKind, number_or_text};
use crate::orgs::model::division_name;
use crate::web::error::{FieldError, Invalid};

crate::stored_enum! {
    /// What an offer gives.
    pub enum OfferKind {
        Goods,
        Service,
        Vehicle,
        Money,
    }
}

crate::stored_enum! {
    /// `offered` (promised, on its way, or on call), `received` (goods in
    /// a depot, money in hand), `withdrawn` (it will not come).
    pub enum OfferStatus {
        Offered,
        Received,
        Withdrawn,
    }
}

crate::stored_enum! {
    /// One movement of stock: in from an offer or a delivery, held for a
    /// need, let go, sent out, or corrected with a reason.
    pub enum MovementKind {
        Receive,
        Reserve,
        Release,
        Dispatch,
        /// Handed to the person at the door (no stock moves: it left at
        /// dispatch); the ledger's "delivered".
        Deliver,
        Adjust,
    }
}

crate::stored_enum! {
    /// Stock held for a need: `held` until it is `dispatched` or `released`;
    /// dispatched, `delivered` when its task's squad hands it over.
    pub enum ReservationStatus {
        Held,
        Dispatched,
        Delivered,
        Released,
    }
}

crate::stored_enum! {
    pub enum AppealStatus {
        Open,
        Closed,
    }
}

/// The most of one item one movement or line may carry (a city's month of
/// masks is some millions; anything beyond is a typing slip).
pub const MAX_QUANTITY: i64 = 100_000_000;

/// A whole number of units from a form's or a body's text: 1..=MAX, or a
/// field error naming `field`.
pub fn quantity(field: &'static str, text: &str, errors: &mut Invalid) -> i64 {
    match text.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_QUANTITY).contains(&n) => n,
        _ => {
            errors.push(FieldError::new(field, "err-quantity"));
            0
        }
    }
}

/// An amount in yuan as people write it (1234, 1234.5, 1,234.50, ¥12) in
/// fen; `None` when it is not one or is beyond a billion yuan.
pub fn yuan_to_fen(text: &str) -> Option<i64> {
    let t: String = text
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 10 {
        return None;
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fen: i64 = format!("{frac:0<2}").parse().ok()?;
    let yuan: i64 = whole.parse().ok()?;
    (yuan <= 1_000_000_000).then_some(yuan * 100 + fen)
}

/// Fen as yuan with two decimals, thousands grouped (123456 → "1,234.56").
pub fn fen_to_yuan(fen: impl std::borrow::Borrow<i64>) -> String {
    let fen = *fen.borrow();
    let whole = (fen / 100).unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{grouped}.{:02}", (fen % 100).abs())
}

/// A catalogue item with its names and units in both languages.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Item {
    pub id: i64,
    /// Stable code (instant_noodles).
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    /// The kind of need it answers.
    #[schema(value_type = NeedKind)]
    pub need_kind: String,
}

impl Item {
    /// Its name in the reader's language.
    pub fn name(&self, zh: impl std::borrow::Borrow<bool>) -> &str {
        if *zh.borrow() {
            &self.name_zh
        } else {
            &self.name_en
        }
    }
    pub fn unit(&self, zh: impl std::borrow::Borrow<bool>) -> &str {
        if *zh.borrow() {
            &self.unit_zh
        } else {
            &self.unit_en
        }
    }
}

/// An item a coordinator adds to the catalogue.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewItem {
    pub name_zh: String,
    pub name_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    #[schema(value_type = NeedKind)]
    pub need_kind: String,
}

impl NewItem {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut errors = Invalid::default();
        errors.text("name_zh", &self.name_zh, 40);
        errors.text("name_en", &self.name_en, 60);
        errors.text("unit_zh", &self.unit_zh, 10);
        errors.text("unit_en", &self.unit_en, 20);
        if NeedKind::parse(self.need_kind.trim()).is_none() {
            errors.push(FieldError::new("need_kind", "err-need-kind"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// A stable code made from the English name (Face shields →
    /// face_shields).
    pub fn code(&self) -> String {
        let mut code = String::new();
        for c in self.name_en.trim().chars() {
            if c.is_ascii_alphanumeric() {
                code.push(c.to_ascii_lowercase());
            } else if !code.ends_with('_') && !code.is_empty() {
                code.push('_');
            }
        }
        code.trim_end_matches('_').to_owned()
    }
}

/// A depot (仓库): where goods are kept, by whom, in which division.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Depot {
    pub id: i64,
    pub name: String,
    pub org_id: i64,
    pub org_name: String,
    pub division_code: String,
    pub address: String,
}

impl Depot {
    pub fn division_name(&self) -> String {
        division_name(&self.division_code)
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewDepot {
    pub name: String,
    /// The organisation that runs it (the caller's when left out).
    pub org_id: Option<i64>,
    /// The division it stands in (a code inside the caller's jurisdiction).
    pub division_code: String,
    /// A depot's address is not personal: drivers must find it.
    pub address: String,
}

impl NewDepot {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut errors = Invalid::default();
        errors.text("name", &self.name, 80);
        errors.text("address", &self.address, 200);
        let code = self.division_code.trim();
        if divisions::Tree::china().find(code).is_none() {
            errors.push(FieldError::new("division_code", "err-division"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// What a depot holds of one item.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct StockLine {
    pub depot_id: i64,
    pub item_id: i64,
    pub item_code: String,
    pub name_zh: String,
    pub name_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub on_hand: i64,
    pub reserved: i64,
    /// What may still be reserved: on hand less reserved.
    pub available: i64,
}

/// Goods in (a delivery without an offer: a purchase, a transfer) or a
/// correction (a count found short, spoiled goods).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct StockChange {
    pub item_id: i64,
    /// Units in (receive: 1 or more), or the signed correction (adjust:
    /// −5 for five found missing), as a number or a form's text.
    #[serde(deserialize_with = "number_or_text")]
    #[schema(value_type = i64)]
    pub quantity: String,
    /// Why (required to adjust; where it came from to receive).
    pub reason: String,
}

impl StockChange {
    /// Units received, checked.
    pub fn received(&self) -> Result<i64, Invalid> {
        let mut errors = Invalid::default();
        let q = quantity("quantity", &self.quantity, &mut errors);
        errors.optional("reason", &self.reason, 500);
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(errors)
        }
    }

    /// The correction, checked: not zero, within bounds, with a reason.
    pub fn adjustment(&self) -> Result<i64, Invalid> {
        let mut errors = Invalid::default();
        let q = match self.quantity.trim().replace('−', "-").parse::<i64>() {
            Ok(n) if n != 0 && (-MAX_QUANTITY..=MAX_QUANTITY).contains(&n) => n,
            _ => {
                errors.push(FieldError::new("quantity", "err-adjust-quantity"));
                0
            }
        };
        errors.reason("reason", &self.reason, 500);
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(errors)
        }
    }
}

/// Why stock cannot move as asked, with what there is (the message says
/// how much is left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Short {
    /// A reservation beyond what is not yet reserved.
    Available(i64),
    /// A correction that would leave less on hand than is reserved (or
    /// below zero).
    Unreserved(i64),
}

impl Short {
    pub fn error(self) -> FieldError {
        match self {
            Short::Available(n) => FieldError::counted("quantity", "err-stock-short", n),
            Short::Unreserved(n) => FieldError::counted("quantity", "err-stock-adjust-short", n),
        }
    }
}

impl From<Short> for crate::web::error::AppError {
    fn from(s: Short) -> Self {
        crate::web::error::AppError::Invalid(Invalid(vec![s.error()]))
    }
}

/// Whether `quantity` more may be reserved of a line holding `on_hand`
/// with `reserved` held. The store makes the same check in its UPDATE's
/// WHERE (so two people reserving the last box cannot both win); this
/// names the shortfall.
pub fn check_reserve(on_hand: i64, reserved: i64, quantity: i64) -> Result<(), Short> {
    let available = on_hand - reserved;
    if quantity <= available {
        Ok(())
    } else {
        Err(Short::Available(available.max(0)))
    }
}

/// Whether a correction by `delta` leaves at least what is reserved.
pub fn check_adjust(on_hand: i64, reserved: i64, delta: i64) -> Result<(), Short> {
    if on_hand + delta >= reserved {
        Ok(())
    } else {
        Err(Short::Unreserved((on_hand - reserved).max(0)))
    }
}

/// Stock to hold for a need.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewReservation {
    pub item_id: i64,
    /// The need it is for (by id).
    pub need_id: i64,
    #[serde(deserialize_with = "number_or_text")]
    #[schema(value_type = i64)]
    pub quantity: String,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Reservation {
    pub id: i64,
    pub depot_id: i64,
    pub item_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub need_id: i64,
    pub quantity: i64,
    #[schema(value_type = ReservationStatus)]
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// One movement in a depot's history (no personal data: who moved it is
/// on the audit trail).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Movement {
    pub id: i64,
    pub depot_id: i64,
    pub item_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    #[schema(value_type = MovementKind)]
    pub kind: String,
    pub quantity: i64,
    pub offer_id: Option<i64>,
    pub need_id: Option<i64>,
    pub division_code: String,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

/// An offer as a coordinator records it, or as an organisation pledges it
/// against an appeal. Which fields count depends on the kind.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewOffer {
    #[schema(value_type = OfferKind)]
    pub kind: String,
    /// The giving organisation (approved), if an organisation gives.
    pub org_id: Option<i64>,
    /// The name the public ledger shows; blank for an organisation is its
    /// name, blank for a person is "anonymous".
    pub donor: String,
    /// Whose it is to use: a division in the recorder's jurisdiction (the
    /// recorder's own when left out).
    pub division_code: String,
    /// Who to call about it (a driver, a person giving): personal data.
    pub contact_name: String,
    pub contact_phone: String,
    /// goods: the catalogue item and how many units.
    pub item_id: Option<i64>,
    #[serde(deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub quantity: String,
    /// goods: the depot it goes to.
    pub depot_id: Option<i64>,
    /// goods: best before (YYYY-MM-DD), if it has one.
    pub expires_on: String,
    /// service: what is given (心理疏导); vehicle: what it is (4.2 m van).
    pub description: String,
    /// service: hours offered.
    #[serde(deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub hours: String,
    /// vehicle: seats and load.
    #[serde(deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub seats: String,
    #[serde(deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub load_kg: String,
    /// vehicle: its pass (通行证) number.
    pub pass: String,
    /// vehicle: division codes it may enter, comma-separated.
    pub zones: String,
    /// money: the amount; goods: their value, if declared; in yuan
    /// (1234.50), as text or a number.
    #[serde(deserialize_with = "number_or_text")]
    #[schema(value_type = Option<String>)]
    pub value_yuan: String,
}

/// An offer's fields, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedOffer {
    pub kind: OfferKind,
    pub donor: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub item_id: Option<i64>,
    pub quantity: i64,
    pub depot_id: Option<i64>,
    pub expires_on: String,
    pub description: String,
    pub hours: i64,
    pub seats: i64,
    pub load_kg: i64,
    pub pass: String,
    /// Stored form: ',6101,610113,' ('' when none).
    pub zones: String,
    pub value_fen: i64,
}

fn small_number(field: &'static str, text: &str, max: i64, errors: &mut Invalid) -> i64 {
    match text.trim() {
        "" => 0,
        t => match t.parse::<i64>() {
            Ok(n) if (0..=max).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(field, "err-small-number"));
                0
            }
        },
    }
}

impl NewOffer {
    pub fn validate(&self) -> Result<CheckedOffer, Invalid> {
        let mut errors = Invalid::default();
        let kind = OfferKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new("kind", "err-offer-kind"));
        }
        errors.optional("donor", &self.donor, 80);
        errors.optional("contact_name", &self.contact_name, 40);
        errors.optional("description", &self.description, 500);
        errors.optional("pass", &self.pass, 40);
        let phone = match self.contact_phone.trim() {
            "" => String::new(),
            p => crate::phone::normalize(p).unwrap_or_else(|| {
                errors.push(FieldError::new("contact_phone", "err-phone"));
                String::new()
            }),
        };
        let mut quantity_units = 0;
        let mut expires_on = String::new();
        let (mut hours, mut seats, mut load_kg) = (0, 0, 0);
        let mut zones = String::new();
        let value_fen = match self.value_yuan.trim() {
            "" => 0,
            v => yuan_to_fen(v).unwrap_or_else(|| {
                errors.push(FieldError::new("value_yuan", "err-yuan"));
                0
            }),
        };
        match kind {
            Some(OfferKind::Goods) => {
                if self.item_id.is_none() {
                    errors.push(FieldError::new("item_id", "err-item"));
                }
                quantity_units = quantity("quantity", &self.quantity, &mut errors);
                expires_on = self.expires_on.trim().to_owned();
                let date = time::macros::format_description!("[year]-[month]-[day]");
                if !expires_on.is_empty() && time::Date::parse(&expires_on, date).is_err() {
                    errors.push(FieldError::new("expires_on", "err-date"));
                }
            }
            Some(OfferKind::Service) => {
                errors.text("description", &self.description, 500);
                hours = small_number("hours", &self.hours, 100_000, &mut errors);
                if hours == 0 && errors.key_for("hours").is_none() {
                    errors.push(FieldError::new("hours", "err-hours"));
                }
            }
            Some(OfferKind::Vehicle) => {
                errors.text("contact_name", &self.contact_name, 40);
                if phone.is_empty() && errors.key_for("contact_phone").is_none() {
                    errors.push(FieldError::new("contact_phone", "err-required"));
                }
                seats = small_number("seats", &self.seats, 100, &mut errors);
                load_kg = small_number("load_kg", &self.load_kg, 100_000, &mut errors);
                let mut codes = Vec::new();
                for z in self.zones.split([',', '，', ' ', '、']).map(str::trim) {
                    if z.is_empty() {
                        continue;
                    }
                    if divisions::Tree::china().find(z).is_none() {
                        errors.push(FieldError::new("zones", "err-division"));
                        break;
                    }
                    codes.push(z);
                }
                if !codes.is_empty() {
                    zones = format!(",{},", codes.join(","));
                }
            }
            Some(OfferKind::Money) if value_fen == 0 && errors.key_for("value_yuan").is_none() => {
                errors.push(FieldError::new("value_yuan", "err-yuan"));
            }
            Some(OfferKind::Money) | None => {}
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let kind = kind.unwrap_or(OfferKind::Goods);
        Ok(CheckedOffer {
            kind,
            donor: self.donor.trim().to_owned(),
            contact_name: self.contact_name.trim().to_owned(),
            contact_phone: phone,
            item_id: (kind == OfferKind::Goods).then_some(self.item_id).flatten(),
            quantity: quantity_units,
            depot_id: (kind == OfferKind::Goods)
                .then_some(self.depot_id)
                .flatten(),
            expires_on,
            description: self.description.trim().to_owned(),
            hours,
            seats,
            load_kg,
            pass: self.pass.trim().to_owned(),
            zones,
            value_fen,
        })
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfferRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub donor: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub division_code: String,
    pub item_id: Option<i64>,
    pub item_name_zh: Option<String>,
    pub item_name_en: Option<String>,
    pub unit_zh: Option<String>,
    pub unit_en: Option<String>,
    pub quantity: i64,
    pub received: i64,
    pub depot_id: Option<i64>,
    pub depot_name: Option<String>,
    pub expires_on: String,
    pub description: String,
    pub hours: i64,
    pub seats: i64,
    pub load_kg: i64,
    pub pass: String,
    pub zones: String,
    pub value_fen: i64,
    pub appeal_id: Option<i64>,
    pub created_at: OffsetDateTime,
}

/// An offer as shown: the contact phone masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Offer {
    pub id: i64,
    #[schema(value_type = OfferKind)]
    pub kind: String,
    #[schema(value_type = OfferStatus)]
    pub status: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    /// As the public ledger shows it ('' = anonymous).
    pub donor: String,
    pub contact_name: String,
    /// Masked (138****8000).
    pub contact_phone: String,
    pub division_code: String,
    pub item_id: Option<i64>,
    pub item_name_zh: Option<String>,
    pub item_name_en: Option<String>,
    pub unit_zh: Option<String>,
    pub unit_en: Option<String>,
    /// goods: units promised, and received so far.
    pub quantity: i64,
    pub received: i64,
    pub depot_id: Option<i64>,
    pub depot_name: Option<String>,
    pub expires_on: String,
    pub description: String,
    pub hours: i64,
    pub seats: i64,
    pub load_kg: i64,
    pub pass: String,
    /// Division codes a vehicle may enter.
    pub zones: Vec<String>,
    pub value_fen: i64,
    /// The appeal it was pledged against, if any.
    pub appeal_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl OfferRow {
    /// As `scope` may see it: the phone masked for all, the contact's name
    /// too for those who do not take needs (as on a need).
    pub fn shown(self, scope: &crate::access::model::Scope) -> Offer {
        let mut o = self.masked();
        if !scope.role().takes_needs() {
            o.contact_name = crate::needs::model::mask_name(&o.contact_name);
        }
        o
    }

    pub fn masked(self) -> Offer {
        let zones = self
            .zones
            .split(',')
            .filter(|z| !z.is_empty())
            .map(str::to_owned)
            .collect();
        Offer {
            id: self.id,
            kind: self.kind,
            status: self.status,
            org_id: self.org_id,
            org_name: self.org_name,
            donor: self.donor,
            contact_name: self.contact_name,
            contact_phone: if self.contact_phone.is_empty() {
                String::new()
            } else {
                crate::phone::mask(&self.contact_phone)
            },
            division_code: self.division_code,
            item_id: self.item_id,
            item_name_zh: self.item_name_zh,
            item_name_en: self.item_name_en,
            unit_zh: self.unit_zh,
            unit_en: self.unit_en,
            quantity: self.quantity,
            received: self.received,
            depot_id: self.depot_id,
            depot_name: self.depot_name,
            expires_on: self.expires_on,
            description: self.description,
            hours: self.hours,
            seats: self.seats,
            load_kg: self.load_kg,
            pass: self.pass,
            zones,
            value_fen: self.value_fen,
            appeal_id: self.appeal_id,
            created_at: self.created_at,
        }
    }
}

impl Offer {
    /// Whether it is (to be) kept at this depot.
    pub fn at(&self, depot_id: impl std::borrow::Borrow<i64>) -> bool {
        self.depot_id == Some(*depot_id.borrow())
    }

    pub fn value_yuan(&self) -> String {
        fen_to_yuan(self.value_fen)
    }
}

/// Goods of an offer arriving at a depot (all or part of what was promised).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct OfferReceipt {
    /// The depot they arrive at (the offer's own when left out).
    pub depot_id: Option<i64>,
    /// Units that arrived (what is still due when left out).
    #[serde(deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub quantity: String,
}

/// One thing an appeal asks for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AppealLineInput {
    pub item_id: i64,
    #[serde(deserialize_with = "number_or_text")]
    #[schema(value_type = i64)]
    pub quantity: String,
}

/// An appeal as a coordinator publishes it: what, how much, by when, for
/// which community. No personal data: it is public.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewAppeal {
    /// The verified need it answers, if one.
    pub need_id: Option<i64>,
    /// The community or village it is for (the need's when left out).
    pub division_code: String,
    pub title: String,
    pub description: String,
    /// Needed by, RFC 3339 or as a form's local Beijing time
    /// (2022-01-05T22:00).
    pub needed_by: String,
    pub lines: Vec<AppealLineInput>,
}

pub struct CheckedAppeal {
    pub title: String,
    pub description: String,
    pub needed_by: OffsetDateTime,
    /// (item, quantity), each item once.
    pub lines: Vec<(i64, i64)>,
}

/// How far ahead an appeal may ask (days).
pub const MAX_APPEAL_DAYS: i64 = 90;

/// A time as a form or a body writes it: RFC 3339, or Beijing local time
/// as a `datetime-local` input sends it.
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let t = text.trim();
    if let Ok(at) = OffsetDateTime::parse(t, &Rfc3339) {
        return Some(at);
    }
    let local = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let with_seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(t, local)
        .or_else(|_| time::PrimitiveDateTime::parse(t, with_seconds))
        .ok()
        .map(|p| p.assume_offset(time::macros::offset!(+8)))
}

impl NewAppeal {
    pub fn validate(&self, now: OffsetDateTime) -> Result<CheckedAppeal, Invalid> {
        let mut errors = Invalid::default();
        errors.text("title", &self.title, 80);
        errors.optional("description", &self.description, 1000);
        let needed_by = parse_time(&self.needed_by);
        match needed_by {
            None => errors.push(FieldError::new("needed_by", "err-datetime")),
            Some(t) if t <= now => errors.push(FieldError::new("needed_by", "err-time-past")),
            // An appeal is for days, not years (and a year past 9999 is
            // no time any page can show).
            Some(t) if t > now + time::Duration::days(MAX_APPEAL_DAYS) => errors.push(
                FieldError::counted("needed_by", "err-time-far", MAX_APPEAL_DAYS),
            ),
            Some(_) => {}
        }
        let mut lines: Vec<(i64, i64)> = Vec::new();
        for l in &self.lines {
            let q = quantity("lines", &l.quantity, &mut errors);
            add_line(&mut lines, l.item_id, q, &mut errors);
        }
        if lines.is_empty() && errors.key_for("lines").is_none() {
            errors.push(FieldError::new("lines", "err-appeal-lines"));
        }
        if lines.len() > 30 {
            errors.push(FieldError::new("lines", "err-appeal-lines-many"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CheckedAppeal {
            title: self.title.trim().to_owned(),
            description: self.description.trim().to_owned(),
            needed_by: needed_by.unwrap_or(now),
            lines,
        })
    }
}

/// One line of an appeal with where it stands.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct AppealLine {
    pub item_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    /// Asked for.
    pub quantity: i64,
    /// Promised by pledges not withdrawn.
    pub pledged: i64,
    /// Arrived at a depot.
    pub received: i64,
}

impl AppealLine {
    /// Still wanted: asked less pledged (never below zero).
    pub fn wanted(&self) -> i64 {
        (self.quantity - self.pledged).max(0)
    }
    /// Pledged and received as a bar shows them (a bar is full at asked).
    pub fn pledged_bar(&self) -> i64 {
        self.pledged.min(self.quantity)
    }
    pub fn received_bar(&self) -> i64 {
        self.received.min(self.quantity)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppealRow {
    pub id: i64,
    pub reference: String,
    pub need_id: Option<i64>,
    pub division_code: String,
    pub title: String,
    pub description: String,
    pub needed_by: OffsetDateTime,
    pub status: String,
    pub created_at: OffsetDateTime,
}

/// An appeal with its lines. Public as it stands: no personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Appeal {
    pub id: i64,
    /// The public page is /appeals/{reference}.
    pub reference: String,
    pub need_id: Option<i64>,
    pub division_code: String,
    pub division_name: String,
    pub title: String,
    pub description: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub needed_by: OffsetDateTime,
    #[schema(value_type = AppealStatus)]
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub lines: Vec<AppealLine>,
}

impl AppealRow {
    pub fn with(self, lines: Vec<AppealLine>) -> Appeal {
        Appeal {
            id: self.id,
            division_name: division_name(&self.division_code),
            reference: self.reference,
            need_id: self.need_id,
            division_code: self.division_code,
            title: self.title,
            description: self.description,
            needed_by: self.needed_by,
            status: self.status,
            created_at: self.created_at,
            lines,
        }
    }
}

impl Appeal {
    pub fn is_open(&self) -> bool {
        self.status == AppealStatus::Open.as_str()
    }

    /// The short plain text a coordinator pastes into a WeChat group: what
    /// is asked and still wanted, by when, for where, and the link. No
    /// names, no phones.
    pub fn wechat_text(&self, zh: bool, link: &str) -> String {
        let when = crate::web::beijing(self.needed_by);
        let place = short_place(&self.division_code);
        let mut lines = Vec::new();
        if zh {
            lines.push(format!("【征集】{}", self.title));
            lines.push(format!("{place}急需（截至 {when}）："));
            for l in &self.lines {
                let wanted = l.wanted();
                if wanted > 0 {
                    lines.push(format!(
                        "· {} {}{}（尚缺 {}{}）",
                        l.name_zh, l.quantity, l.unit_zh, wanted, l.unit_zh
                    ));
                } else {
                    lines.push(format!(
                        "· {} {}{}（已认捐满）",
                        l.name_zh, l.quantity, l.unit_zh
                    ));
                }
            }
            lines.push(format!("认捐请点：{link}"));
        } else {
            lines.push(format!("[Appeal] {}", self.title));
            lines.push(format!("Needed in {place} by {when} (Beijing time):"));
            for l in &self.lines {
                let wanted = l.wanted();
                if wanted > 0 {
                    lines.push(format!(
                        "- {} {} {} ({} {} still wanted)",
                        l.name_en, l.quantity, l.unit_en, wanted, l.unit_en
                    ));
                } else {
                    lines.push(format!(
                        "- {} {} {} (fully pledged)",
                        l.name_en, l.quantity, l.unit_en
                    ));
                }
            }
            lines.push(format!("Pledge here: {link}"));
        }
        lines.join("\n")
    }
}

/// A place as a WeChat group reads it: the district and the community
/// (雁塔区丈八沟街道… is too long for a phone's line).
pub fn short_place(code: &str) -> String {
    let tree = divisions::Tree::china();
    let Some(d) = tree.find(code) else {
        return division_name(code);
    };
    let names: Vec<String> = d
        .path()
        .iter()
        .filter(|a| a.code().len() >= 6)
        .map(|a| a.name().to_owned())
        .collect();
    match names.as_slice() {
        [] => d.name().to_owned(),
        [only] => only.clone(),
        [district, .., last] => format!("{district}{last}"),
    }
}

/// A line added to `lines`, an item given twice summed, never beyond
/// what one line may carry (said on `lines`).
fn add_line(lines: &mut Vec<(i64, i64)>, item_id: i64, q: i64, errors: &mut Invalid) {
    match lines.iter_mut().find(|(i, _)| *i == item_id) {
        Some((_, have)) if *have + q > MAX_QUANTITY => {
            errors.push(FieldError::new("lines", "err-quantity"));
        }
        Some((_, have)) => *have += q,
        None => lines.push((item_id, q)),
    }
}

/// What an organisation pledges against an appeal: units per line.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewPledge {
    /// The pledging organisation (the caller's when left out).
    pub org_id: Option<i64>,
    pub lines: Vec<AppealLineInput>,
    /// The depot the goods will be brought to, if known.
    pub depot_id: Option<i64>,
    /// Who brings them, to call about the delivery (personal data).
    pub contact_name: String,
    pub contact_phone: String,
}

impl NewPledge {
    /// The lines checked against the appeal's: items it asks for, each
    /// once, at least one.
    pub fn validate(&self, appeal: &Appeal) -> Result<Vec<(i64, i64)>, Invalid> {
        let mut errors = Invalid::default();
        let mut lines: Vec<(i64, i64)> = Vec::new();
        for l in &self.lines {
            if l.quantity.trim().is_empty() || l.quantity.trim() == "0" {
                continue;
            }
            let q = quantity("lines", &l.quantity, &mut errors);
            if !appeal.lines.iter().any(|a| a.item_id == l.item_id) {
                errors.push(FieldError::new("lines", "err-pledge-item"));
                continue;
            }
            add_line(&mut lines, l.item_id, q, &mut errors);
        }
        if lines.is_empty() && errors.is_empty() {
            errors.push(FieldError::new("lines", "err-pledge-empty"));
        }
        errors.optional("contact_name", &self.contact_name, 40);
        if !self.contact_phone.trim().is_empty()
            && crate::phone::normalize(&self.contact_phone).is_none()
        {
            errors.push(FieldError::new("contact_phone", "err-phone"));
        }
        if errors.is_empty() {
            Ok(lines)
        } else {
            Err(errors)
        }
    }
}

/// One item in the public ledger: how much came in as donations, and how
/// much went out to needs.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct LedgerItem {
    pub item_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub quantity: i64,
}

/// Goods sent to one community (or the place a need was held by).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct LedgerPlace {
    pub division_code: String,
    pub item_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub quantity: i64,
}

/// What one donor gave (the name as the donor wishes it shown).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct LedgerDonor {
    pub org_id: Option<i64>,
    pub donor: String,
    /// Donations received from them.
    pub donations: i64,
    /// Goods units received.
    pub units: i64,
    /// Money and the declared value of goods, in fen.
    pub value_fen: i64,
}

/// One donation as it arrived: who, what, where it was taken in.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct LedgerEntry {
    pub offer_id: i64,
    pub donor: String,
    #[schema(value_type = OfferKind)]
    pub kind: String,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub unit_zh: Option<String>,
    pub unit_en: Option<String>,
    pub quantity: i64,
    pub value_fen: i64,
    pub depot_name: Option<String>,
    pub depot_division: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

/// A district's share of what went out, its communities within.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerDistrict {
    pub division_code: String,
    pub division_name: String,
    /// Units per item, summed over its communities.
    pub items: Vec<LedgerItem>,
    pub communities: Vec<LedgerCommunity>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerCommunity {
    pub division_code: String,
    pub division_name: String,
    pub items: Vec<LedgerItem>,
}

/// The public ledger of donations (捐赠台账): what came in, from whom,
/// and where it went by district and community. Nothing personal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ledger {
    /// Whose ledger: a jurisdiction's (the coalition's) or one
    /// organisation's.
    pub title: String,
    pub money_fen: i64,
    pub goods_value_fen: i64,
    pub donations: i64,
    pub received: Vec<LedgerItem>,
    pub sent: Vec<LedgerItem>,
    /// Of what was sent, handed over at the door (its squad's delivery).
    pub delivered: Vec<LedgerItem>,
    pub districts: Vec<LedgerDistrict>,
    pub donors: Vec<LedgerDonor>,
    pub latest: Vec<LedgerEntry>,
}

/// A place's units added to a list of items (summed per item).
pub fn add_place(items: &mut Vec<LedgerItem>, p: &LedgerPlace) {
    match items.iter_mut().find(|i| i.item_id == p.item_id) {
        Some(i) => i.quantity += p.quantity,
        None => items.push(LedgerItem {
            item_id: p.item_id,
            name_zh: p.name_zh.clone(),
            name_en: p.name_en.clone(),
            unit_zh: p.unit_zh.clone(),
            unit_en: p.unit_en.clone(),
            quantity: p.quantity,
        }),
    }
}

/// Where goods went, grouped by district (the code's first six digits)
/// and community, in code order. Places above a district (a need held by
/// the city) stand as their own district.
pub fn by_district(places: Vec<LedgerPlace>) -> Vec<LedgerDistrict> {
    let add = add_place;
    let mut places = places;
    places.sort_by(|a, b| (&a.division_code, a.item_id).cmp(&(&b.division_code, b.item_id)));
    let mut out: Vec<LedgerDistrict> = Vec::new();
    for p in &places {
        let district = p
            .division_code
            .get(..6)
            .unwrap_or(&p.division_code)
            .to_owned();
        if out.last().is_none_or(|d| d.division_code != district) {
            out.push(LedgerDistrict {
                division_name: division_name(&district),
                division_code: district.clone(),
                items: Vec::new(),
                communities: Vec::new(),
            });
        }
        let Some(d) = out.last_mut() else { continue };
        add(&mut d.items, p);
        if p.division_code.len() > 6 {
            if d.communities
                .last()
                .is_none_or(|c| c.division_code != p.division_code)
            {
                d.communities.push(LedgerCommunity {
                    division_code: p.division_code.clone(),
                    division_name: short_place(&p.division_code),
                    items: Vec::new(),
                });
            }
            if let Some(c) = d.communities.last_mut() {
                add(&mut c.items, p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_went_out_is_summed_by_district_and_community() {
        let p = |code: &str, item, q| LedgerPlace {
            division_code: code.into(),
            item_id: item,
            name_zh: format!("物{item}"),
            name_en: format!("item {item}"),
            unit_zh: "箱".into(),
            unit_en: "box".into(),
            quantity: q,
        };
        let d = by_district(vec![
            p("610118104201", 1, 200),
            p("610113001001", 1, 5),
            p("610118104201", 2, 100),
            p("610118104202", 1, 30),
            p("610118", 1, 7),
            p("6101", 2, 1),
        ]);
        let codes: Vec<&str> = d.iter().map(|d| d.division_code.as_str()).collect();
        assert_eq!(codes, ["6101", "610113", "610118"]);
        let huyi = &d[2];
        let totals: Vec<(i64, i64)> = huyi.items.iter().map(|i| (i.item_id, i.quantity)).collect();
        assert_eq!(totals, [(1, 237), (2, 100)]);
        assert_eq!(huyi.communities.len(), 2);
        assert_eq!(huyi.communities[0].items.len(), 2);
    }

    #[test]
    fn yuan_is_read_as_people_write_it() {
        assert_eq!(yuan_to_fen("1234"), Some(123_400));
        assert_eq!(yuan_to_fen("1234.5"), Some(123_450));
        assert_eq!(yuan_to_fen("¥1,234.05"), Some(123_405));
        assert_eq!(yuan_to_fen("10830000元"), Some(1_083_000_000));
        assert_eq!(yuan_to_fen("12.345"), None);
        assert_eq!(yuan_to_fen("-5"), None);
        assert_eq!(yuan_to_fen("abc"), None);
        assert_eq!(yuan_to_fen(".5"), None);
        assert_eq!(yuan_to_fen("99999999999"), None);
        assert_eq!(fen_to_yuan(123_405), "1,234.05");
        assert_eq!(fen_to_yuan(1_083_000_000), "10,830,000.00");
        assert_eq!(
            yuan_to_fen(&fen_to_yuan(1_083_000_000)),
            Some(1_083_000_000)
        );
        assert_eq!(fen_to_yuan(7), "0.07");
    }

    #[test]
    fn stock_never_goes_below_what_is_reserved() {
        assert_eq!(check_reserve(10, 4, 6), Ok(()));
        assert_eq!(check_reserve(10, 4, 7), Err(Short::Available(6)));
        assert_eq!(check_adjust(10, 4, -6), Ok(()));
        assert_eq!(check_adjust(10, 4, -7), Err(Short::Unreserved(6)));
        assert_eq!(check_adjust(0, 0, -1), Err(Short::Unreserved(0)));
    }

    #[test]
    fn an_adjustment_needs_a_reason_and_a_number() {
        let c = StockChange {
            item_id: 1,
            quantity: "−5".into(),
            reason: "盘点短少".into(),
        };
        assert_eq!(c.adjustment(), Ok(-5));
        let c = StockChange {
            item_id: 1,
            quantity: i64::MIN.to_string(),
            reason: "盘点".into(),
        };
        assert_eq!(
            c.adjustment().unwrap_err().key_for("quantity"),
            Some("err-adjust-quantity")
        );
        let c = StockChange {
            item_id: 1,
            quantity: "0".into(),
            reason: ".".into(),
        };
        let e = c.adjustment().unwrap_err();
        assert_eq!(e.key_for("quantity"), Some("err-adjust-quantity"));
        assert_eq!(e.key_for("reason"), Some("err-reason-short"));
    }

    #[test]
    fn offers_are_checked_by_kind() {
        let goods = NewOffer {
            kind: "goods".into(),
            item_id: Some(1),
            quantity: "200".into(),
            expires_on: "2022-06-30".into(),
            ..Default::default()
        };
        let c = goods.validate().unwrap();
        assert_eq!((c.kind, c.quantity), (OfferKind::Goods, 200));
        let vehicle = NewOffer {
            kind: "vehicle".into(),
            contact_name: "张师傅".into(),
            contact_phone: "13800138000".into(),
            seats: "2".into(),
            load_kg: "1500".into(),
            zones: "610113，610116".into(),
            ..Default::default()
        };
        assert_eq!(vehicle.validate().unwrap().zones, ",610113,610116,");
        let e = NewOffer {
            kind: "goods".into(),
            quantity: "0".into(),
            expires_on: "June".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.key_for("item_id"), Some("err-item"));
        assert_eq!(e.key_for("quantity"), Some("err-quantity"));
        assert_eq!(e.key_for("expires_on"), Some("err-date"));
        let e = NewOffer {
            kind: "money".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.key_for("value_yuan"), Some("err-yuan"));
        let e = NewOffer {
            kind: "ship".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.key_for("kind"), Some("err-offer-kind"));
    }

    #[test]
    fn a_form_time_is_beijing_time() {
        let t = parse_time("2022-01-05T22:00").unwrap();
        assert_eq!(t.unix_timestamp(), 1_641_391_200);
        assert_eq!(parse_time("2022-01-05T14:00:00Z"), Some(t));
        assert_eq!(parse_time("tonight"), None);
    }

    #[test]
    fn item_codes_come_from_the_english_name() {
        let i = NewItem {
            name_en: " Face shields (adult) ".into(),
            ..Default::default()
        };
        assert_eq!(i.code(), "face_shields_adult");
    }

    fn appeal() -> Appeal {
        let line = |id, zh: &str, en: &str, q, p| AppealLine {
            item_id: id,
            name_zh: zh.into(),
            name_en: en.into(),
            unit_zh: "箱".into(),
            unit_en: "box".into(),
            quantity: q,
            pledged: p,
            received: 0,
        };
        AppealRow {
            id: 1,
            reference: "4SD8Q9V9HY".into(),
            need_id: None,
            division_code: "610116001201".into(),
            title: "村民速食".into(),
            description: String::new(),
            needed_by: time::macros::datetime!(2022-01-05 14:00 UTC),
            status: "open".into(),
            created_at: time::macros::datetime!(2022-01-05 10:10 UTC),
        }
        .with(vec![
            line(1, "方便面", "Instant noodles", 200, 50),
            line(2, "面包", "Bread", 100, 100),
        ])
    }

    #[test]
    fn the_wechat_text_is_short_plain_and_says_what_is_still_wanted() {
        let a = appeal();
        let zh = a.wechat_text(true, "https://ld.example/appeals/4SD8Q9V9HY");
        assert!(zh.starts_with("【征集】村民速食\n"), "{zh}");
        assert!(zh.contains("方便面 200箱（尚缺 150箱）"), "{zh}");
        assert!(zh.contains("面包 100箱（已认捐满）"), "{zh}");
        assert!(zh.contains("22:00"), "{zh}");
        assert!(
            zh.ends_with("https://ld.example/appeals/4SD8Q9V9HY"),
            "{zh}"
        );
        assert!(zh.chars().count() < 300);
        let en = a.wechat_text(false, "L");
        assert!(
            en.contains("Instant noodles 200 box (150 box still wanted)"),
            "{en}"
        );
    }

    #[test]
    fn a_pledge_takes_only_what_the_appeal_asks() {
        let a = appeal();
        let p = NewPledge {
            lines: vec![
                AppealLineInput {
                    item_id: 1,
                    quantity: "100".into(),
                },
                AppealLineInput {
                    item_id: 2,
                    quantity: "".into(),
                },
            ],
            ..Default::default()
        };
        assert_eq!(p.validate(&a).unwrap(), vec![(1, 100)]);
        let p = NewPledge {
            lines: vec![AppealLineInput {
                item_id: 9,
                quantity: "5".into(),
            }],
            ..Default::default()
        };
        assert_eq!(
            p.validate(&a).unwrap_err().key_for("lines"),
            Some("err-pledge-item")
        );
        let empty = NewPledge::default();
        assert_eq!(
            empty.validate(&a).unwrap_err().key_for("lines"),
            Some("err-pledge-empty")
        );
    }
}
