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
    Ok((
        status,
        render(&AuditPage {
            c,
            events,
            f,
            export_query,
            errors,
        })?,
    )
        .into_response())
}

impl AuditPage {
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
