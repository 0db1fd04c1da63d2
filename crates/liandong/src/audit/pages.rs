//! Page: the audit log with filters and export.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::model::{AuditFilter, Event};
use super::store;
use crate::access::model::Scope;
use crate::web::error::{AppError, Invalid};
use crate::web::{AppState, Chrome, render};

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(audit))
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    events: Vec<Event>,
    f: AuditFilter,
    export_query: String,
    errors: Invalid,
    page: i64,
    page_words: String,
    /// A full page came back: there may be older events.
    more: bool,
    /// The filters as a query string without the page, for the pager.
    query: String,
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

async fn audit(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(f): Query<AuditFilter>,
) -> Result<Response, AppError> {
    if !scope.role().administers() {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.read().await?;
    let export_query = c
        .path
        .split_once('?')
        .map(|(_, q)| q.to_owned())
        .unwrap_or_default();
    let (events, errors, status) = match store::list(&mut tx, &scope, &f).await {
        Ok(events) => (events, Invalid::default(), StatusCode::OK),
        Err(AppError::Invalid(errors)) => (Vec::new(), errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => return Err(e),
    };
    let page = f.page.unwrap_or(1);
    let more = events.len() as i64 == f.limit.unwrap_or(100);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("actor", opt(&f.actor)),
            ("action", opt(&f.action)),
            ("from", opt(&f.from)),
            ("to", opt(&f.to)),
        ])
        .finish();
    Ok((
        status,
        render(&AuditPage {
            events,
            f,
            export_query,
            errors,
            page_words: c.lang.t_args("audit-page", &[("page", page.to_string())]),
            page,
            more,
            query,
            c,
        })?,
    )
        .into_response())
}

impl AuditPage {
    fn link(&self, e: &Event) -> String {
        super::model::record_link(&e.entity, &e.entity_id)
    }
    fn actor(&self) -> &str {
        opt(&self.f.actor)
    }
    fn action(&self) -> &str {
        opt(&self.f.action)
    }
    fn from(&self) -> &str {
        opt(&self.f.from)
    }
    fn to(&self) -> &str {
        opt(&self.f.to)
    }
}
