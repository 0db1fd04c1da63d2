//! The whole application, assembled above the capabilities: their routes,
//! the layers around them (sessions, CSRF, limits, security headers), the
//! OpenAPI document, assets, health and metrics.

pub mod openapi;

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::access::session_store::DbSessionStore;
use crate::web::error::AppError;
use crate::web::{AppState, find_client, render_errors};

/// The largest list a page takes (a screening list, PCR results): about
/// 250,000 rows of CSV; bigger lists go through `liandong screening import`.
pub const LIST_UPLOAD_MAX: usize = 32 * 1024 * 1024;

/// The whole application: pages, API, assets, health and metrics.
pub fn router(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name("liandong_session")
        .with_same_site(SameSite::Lax)
        .with_http_only(true)
        // Secure when the deployment says it is reached over HTTPS; plain
        // HTTP on 127.0.0.1 must still work.
        .with_secure(state.settings.https())
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(12)));
    let https = state.settings.https();
    let app = Router::new()
        .merge(crate::access::api::routes())
        .merge(crate::access::pages::routes())
        .merge(crate::divisions::api::routes())
        .merge(crate::divisions::pages::routes())
        .merge(crate::orgs::api::routes())
        .merge(crate::orgs::pages::routes())
        .merge(crate::needs::api::routes())
        .merge(crate::needs::pages::routes())
        .merge(crate::dashboard::api::routes())
        .merge(crate::dashboard::pages::routes())
        .merge(crate::supply::api::routes())
        .merge(crate::supply::pages::routes())
        .merge(crate::dispatch::api::routes())
        .merge(crate::dispatch::pages::routes())
        .merge(crate::audit::api::routes())
        .merge(crate::audit::pages::routes())
        .merge(crate::live::api::routes())
        .merge(crate::volunteers::api::routes())
        .merge(crate::volunteers::pages::routes())
        .merge(crate::squads::api::routes())
        .merge(crate::squads::pages::routes())
        .merge(crate::training::api::routes())
        .merge(crate::screening::api::routes())
        .merge(crate::screening::pages::routes())
        .merge(crate::management::api::routes())
        .merge(crate::management::pages::routes())
        .merge(crate::training::pages::routes())
        .merge(crate::care::api::routes())
        .merge(crate::care::pages::routes())
        .merge(crate::care::pages::case_routes())
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/clock", axum::routing::put(set_clock))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/assets/{*path}", get(asset))
        .fallback(not_found)
        .with_state(state.clone())
        .layer(middleware::from_fn(render_errors))
        .layer(sessions)
        .layer(middleware::from_fn(count_requests))
        .layer(middleware::from_fn_with_state(state, find_client))
        .layer(CsrfLayer::new())
        // Every body is bounded here at the most any route takes (a list
        // upload); axum's extractors hold every other route to their 2 MB
        // default (`DefaultBodyLimit`), raised on list uploads alone.
        .layer(RequestBodyLimitLayer::new(LIST_UPLOAD_MAX))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn(api_errors_as_json));
    // gzip for pages, JSON and assets when the client takes it (a cheap
    // phone on a bad connection); tiny bodies and images are left as
    // they are by the layer's own rule.
    let app = security_headers(app).layer(tower_http::compression::CompressionLayer::new());
    if https {
        app.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        app
    }
}

fn security_headers(app: Router) -> Router {
    let headers: [(&str, &str); 6] = [
        (
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=()",
        ),
        // Pages and answers carry personal data (a revealed phone, a
        // board of needs): no browser or proxy keeps them. Assets say
        // otherwise for themselves.
        ("cache-control", "no-store"),
    ];
    headers.into_iter().fold(app, |app, (name, value)| {
        app.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ))
    })
}

/// The clock set to `at` (browser tests replaying a night), then the
/// service levels swept at once as the server would within seconds.
/// Only on a server started with `--settable-clock`, only for admins; not
/// in the OpenAPI document (no deployment has it).
async fn set_clock(
    State(state): State<AppState>,
    scope: crate::access::model::Scope,
    crate::web::extract::Json(body): crate::web::extract::Json<serde_json::Value>,
) -> Result<crate::web::extract::Json<serde_json::Value>, AppError> {
    if !state.settings.settable_clock {
        return Err(AppError::NotFound);
    }
    if !scope.role().administers() {
        return Err(AppError::Forbidden);
    }
    let at = body["at"]
        .as_str()
        .and_then(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        })
        .ok_or_else(|| AppError::invalid("at", "err-clock-at"))?;
    crate::db::set_clock(at);
    let escalated = crate::needs::store::escalate_overdue(&state.db, crate::db::now()).await?;
    let missed = crate::care::store::alarm_missed(&state.db, crate::db::now()).await?;
    crate::care::store::cases::escalate_referrals(&state.db, crate::db::now()).await?;
    crate::care::store::crises::lapse(&state.db, crate::db::now()).await?;
    crate::care::store::schedules::raise_due(&state.db, crate::db::now()).await?;
    Ok(crate::web::extract::Json(
        serde_json::json!({ "escalated": escalated, "missed": missed }),
    ))
}

async fn healthz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    let mut tx = state.db.read().await?;
    crate::fetch_scalar!(&mut tx, i32, "SELECT 1")?;
    Ok("ok")
}

async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(h) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            h.render(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn count_requests(req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method, "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds").record(started.elapsed().as_secs_f64());
    res
}

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

async fn asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches("/assets/");
    match Assets::get(path) {
        Some(file) => {
            let mime = match path.rsplit('.').next() {
                Some("css") => "text/css; charset=utf-8",
                Some("js") => "text/javascript; charset=utf-8",
                Some("svg") => "image/svg+xml",
                _ => "application/octet-stream",
            };
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                file.data,
            )
                .into_response()
        }
        None => AppError::NotFound.into_response(),
    }
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// Answers that layers outside the handlers make (405 for a method a path
/// does not take, the CSRF check's 403, the body limit's 413, the
/// timeout's 408, a caught panic's 500) carry the project's JSON error
/// body under /api like every other refusal.
async fn api_errors_as_json(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let lang = crate::web::i18n::Lang::from_headers(req.headers());
    let res = next.run(req).await;
    let status = res.status();
    if !is_api || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let (error, key) = match status.as_u16() {
        400 => ("bad_request", "err-body-json"),
        403 => ("forbidden", "err-forbidden"),
        404 => ("not_found", "err-not-found"),
        405 => ("method_not_allowed", "err-method"),
        408 => ("timeout", "err-timeout"),
        413 => ("payload_too_large", "err-too-large"),
        415 => ("unsupported_media_type", "err-media-type"),
        429 => ("too_many_requests", "err-rate-limited"),
        s if s >= 500 => ("internal", "err-internal"),
        _ => ("bad_request", "err-invalid"),
    };
    let body = crate::web::error::ErrorBody {
        error,
        message: lang.t(key),
        fields: Vec::new(),
    };
    let mut out = (status, axum::Json(body)).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = res.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}
