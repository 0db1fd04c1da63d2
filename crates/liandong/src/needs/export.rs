//! The board as filtered, out to a spreadsheet (xlsx) or CSV: phones
//! masked, unless the person exporting asks for them in the clear with a
//! reason, which is then an audited reveal like any other.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::model::{BoardFilter, Need};
use super::store;
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::web::error::{AppError, FieldError, Invalid};
use crate::web::extract::Query;
use crate::web::i18n::Lang;
use crate::web::{AppState, Chrome, download};

/// The most needs one export carries (a city's whole board is less).
pub const EXPORT_MAX: i64 = 50_000;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExportQuery {
    #[serde(flatten)]
    pub filter: BoardFilter,
    /// "clear" for phones in the clear (an audited reveal), else masked.
    pub phones: String,
    /// Why the phones are needed in the clear.
    pub reason: String,
}

const COLUMNS: [&str; 15] = [
    "reference",
    "created-at",
    "kind",
    "urgency",
    "status",
    "escalated",
    "people",
    "division",
    "address",
    "contact-name",
    "contact-phone",
    "vulnerable",
    "description",
    "channel",
    "due-at",
];

/// A need as a row of text in the reader's language.
fn row(lang: Lang, n: &Need, phone: &str) -> Vec<String> {
    let word = |prefix: &str, v: &str| lang.t(&format!("{prefix}-{v}"));
    vec![
        n.reference.clone(),
        crate::web::beijing(n.created_at),
        word("need-kind", &n.kind),
        word("urgency", &n.urgency),
        word("need-status", &n.status),
        if n.escalated {
            lang.t("export-yes")
        } else {
            String::new()
        },
        n.people.to_string(),
        n.division_name.clone(),
        n.address.clone(),
        n.contact_name.clone(),
        phone.to_owned(),
        n.vulnerable
            .iter()
            .map(|v| word("vulnerable", v))
            .collect::<Vec<_>>()
            .join("、"),
        n.description.clone(),
        word("channel", &n.channel),
        n.due_at.map(crate::web::beijing).unwrap_or_default(),
    ]
}

fn headers(lang: Lang) -> Vec<String> {
    COLUMNS
        .iter()
        .map(|c| lang.t(&format!("export-col-{c}")))
        .collect()
}

/// The board's rows as an xlsx of one sheet.
pub fn xlsx(lang: Lang, rows: Vec<Vec<String>>) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    crate::tables::xlsx(&[crate::tables::Sheet {
        name: lang.t("export-sheet"),
        header: headers(lang),
        rows,
    }])
}

/// The rows of an export, after its checks; a reveal recorded when the
/// phones are in the clear.
async fn rows(
    state: &AppState,
    scope: &Scope,
    lang: Lang,
    q: &ExportQuery,
) -> Result<Vec<Vec<String>>, AppError> {
    if !scope.role().sees_needs() {
        return Err(AppError::Forbidden);
    }
    let f = q.filter.check().map_err(AppError::Invalid)?;
    let clear = q.phones == "clear";
    if clear {
        if !scope.role().may_reveal_contacts() {
            return Err(AppError::Forbidden);
        }
        let mut errors = Invalid::default();
        errors.reason("reason", &q.reason, 500);
        errors.into_result()?;
    } else if !q.phones.is_empty() && q.phones != "masked" {
        return Err(AppError::Invalid(Invalid(vec![FieldError::new(
            "phones",
            "err-filter",
        )])));
    }
    // Read as a read: a large export holds no write lock (SQLite has one).
    let needs = {
        let mut tx = state.db.read().await?;
        store::export(&mut tx, scope, &f, EXPORT_MAX).await?
    };
    if clear {
        // One reveal for the export: which field, why, how many; never a
        // phone. Committed before a phone leaves.
        let mut tx = state.db.write().await?;
        let event = NewEvent::by(
            scope,
            "field.reveal",
            "need",
            "export",
            scope.jurisdiction(),
        )
        .reason(q.reason.trim())
        .after(serde_json::json!({"field": "contact_phone", "export": true, "count": needs.len()}));
        crate::audit::store::record(&mut tx, event).await?;
        tx.commit().await?;
    }
    Ok(needs
        .iter()
        .map(|(n, phone)| row(lang, n, if clear { phone } else { &n.contact_phone }))
        .collect())
}

pub async fn board_xlsx(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let rows = rows(&state, &scope, c.lang, &q).await?;
    let body = xlsx(c.lang, rows).map_err(|e| AppError::Internal(e.into()))?;
    Ok(download(body, crate::web::XLSX, "needs.xlsx"))
}

pub async fn board_csv(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let rows = rows(&state, &scope, c.lang, &q).await?;
    let body = crate::tables::csv_bytes(&headers(c.lang), &rows)?;
    Ok(download(body, "text/csv; charset=utf-8", "needs.csv"))
}
