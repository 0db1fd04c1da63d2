//! The board as filtered, out to a spreadsheet (xlsx) or CSV: phones
//! masked, unless the person exporting asks for them in the clear with a
//! reason, which is then an audited reveal like any other.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::model::{BoardFilter, Need};
use super::store;
use crate::access::model::Scope;
use crate::audit::model::NewEvent;
use crate::web::error::{AppError, FieldError, Invalid};
use crate::web::extract::Query;
use crate::web::i18n::Lang;
use crate::web::{AppState, Chrome};

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

/// The rows as an xlsx: every cell text (a phone stays 13800008000, a
/// reference never becomes a number), the header bold and frozen.
pub fn xlsx(lang: Lang, rows: &[Vec<String>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let sheet = book.add_worksheet().set_name(lang.t("export-sheet"))?;
    for (col, h) in headers(lang).iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, h, &bold)?;
        let width = if col == 8 || col == 12 { 40 } else { 14 };
        sheet.set_column_width(col as u16, width)?;
    }
    for (r, cells) in rows.iter().enumerate() {
        for (col, v) in cells.iter().enumerate() {
            sheet.write_string_with_format(r as u32 + 1, col as u16, v, &text)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// The rows as CSV (UTF-8 with a BOM for Excel), formula starts neutralised.
pub fn csv(lang: Lang, rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::from(b"\xEF\xBB\xBF".as_slice()));
    w.write_record(headers(lang))?;
    for cells in rows {
        w.write_record(cells.iter().map(|c| crate::tables::cell(c)))?;
    }
    Ok(w.into_inner()?)
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
    let mut tx = state.db.write().await?;
    let needs = store::export(&mut tx, scope, &f, EXPORT_MAX).await?;
    if clear {
        // One reveal for the export: which field, why, how many; never a phone.
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
    }
    tx.commit().await?;
    Ok(needs
        .iter()
        .map(|(n, phone)| row(lang, n, if clear { phone } else { &n.contact_phone }))
        .collect())
}

fn download(body: Vec<u8>, mime: &'static str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn board_xlsx(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let rows = rows(&state, &scope, c.lang, &q).await?;
    let body = xlsx(c.lang, &rows).map_err(|e| AppError::Internal(e.into()))?;
    Ok(download(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "needs.xlsx",
    ))
}

pub async fn board_csv(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let rows = rows(&state, &scope, c.lang, &q).await?;
    let body = csv(c.lang, &rows)?;
    Ok(download(body, "text/csv; charset=utf-8", "needs.csv"))
}
