//! Router, layers, the request's `Scope`, error rendering, assets.

pub mod error;
pub mod i18n;
pub mod openapi;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use rust_embed::RustEmbed;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use crate::access::model::Scope;
use crate::access::session_store::{ACCOUNT_KEY, DbSessionStore};
use crate::db::Db;
use error::{AppError, ErrorBody, FieldMessage};
use i18n::Lang;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub metrics: Option<PrometheusHandle>,
    pub settings: Arc<Settings>,
    /// Failed sign-ins per client address.
    pub login_limiter: Arc<crate::access::limiter::Limiter>,
    /// Requests through the public help form, per sender address, per
    /// phone and per address asked for.
    pub help_limiter: Arc<crate::access::limiter::Limiter>,
    pub help_phone_limiter: Arc<crate::access::limiter::Limiter>,
    pub help_address_limiter: Arc<crate::access::limiter::Limiter>,
    /// Looks at a request's page by its reference, per client.
    pub follow_limiter: Arc<crate::access::limiter::Limiter>,
}

/// How this deployment is reached.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Reverse proxies whose `X-Forwarded-For` is believed (CIDR blocks);
    /// from anyone else the header is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The address people open, e.g. `https://liandong.example.org`; over
    /// HTTPS the session cookie is `Secure` and HSTS is sent.
    pub public_url: Option<String>,
}

impl Settings {
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
    }
}

/// The client of a request: the socket peer, or, when the peer is a
/// trusted proxy, the nearest address in `X-Forwarded-For` that is not
/// one (read from the right: the left end is whatever the client wrote).
pub fn client_of(peer: IpAddr, forwarded: &[&str], trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded.iter().rev().flat_map(|h| h.rsplit(',')) {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // A hop that is no address: the last one believed stands.
            Err(_) => break,
        }
    }
    client
}

/// The key a per-client limit counts under: an IPv4 address, or an IPv6
/// address's /64 (one subscriber holds a whole /64 and could walk it).
pub fn limit_key(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_default(),
        _ => ip.to_owned(),
    }
}

/// The request's client address, found once (see [`client_of`]).
#[derive(Clone, Debug)]
struct ClientAddr(IpAddr);

async fn find_client(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(peer) = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    {
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let client = client_of(peer, &forwarded, &state.settings.trusted_proxies);
        req.extensions_mut().insert(ClientAddr(client));
    }
    next.run(req).await
}

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
        .merge(crate::audit::api::routes())
        .merge(crate::audit::pages::routes())
        .route("/api/openapi.json", get(openapi::document))
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
        .layer(RequestBodyLimitLayer::new(2 * 1024 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::new());
    let app = security_headers(app);
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

/// The client address (see [`client_of`]).
pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ClientAddr>()
        .map(|c| c.0.to_string())
        .or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
        })
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for Scope {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Scope, AppError> {
        if let Some(scope) = parts.extensions.get::<Scope>() {
            return Ok(scope.clone());
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| AppError::Internal(anyhow::anyhow!(msg)))?;
        let id: Option<i64> = session
            .get(ACCOUNT_KEY)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let id = id.ok_or(AppError::Unauthorized)?;
        let mut tx = state.db.read().await?;
        let scope = crate::access::store::scope_for(&mut tx, id, &client_ip(parts))
            .await?
            .ok_or(AppError::Unauthorized)?;
        parts.extensions.insert(scope.clone());
        Ok(scope)
    }
}

/// What an error response carries until [`render_errors`] writes its body
/// in the caller's language.
#[derive(Clone)]
struct ErrorInfo {
    code: &'static str,
    key: &'static str,
    fields: Vec<(&'static str, &'static str)>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = %format!("{e:#}"), "internal error");
        }
        let info = ErrorInfo {
            code: self.code(),
            key: self.message_key(),
            fields: match &self {
                AppError::Invalid(i) => i.0.iter().map(|f| (f.field, f.key)).collect(),
                _ => Vec::new(),
            },
        };
        let mut res = self.status().into_response();
        res.extensions_mut().insert(info);
        res
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: Lang,
    status: u16,
    message: String,
}

/// Give error responses their body: JSON under /api, a page elsewhere, a
/// redirect to sign-in for pages that need a session.
async fn render_errors(req: Request, next: Next) -> Response {
    let lang = Lang::from_headers(req.headers());
    let path = req.uri().path().to_owned();
    let query = req
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let htmx = req.headers().contains_key("hx-request");
    let mut res = next.run(req).await;
    let Some(info) = res.extensions_mut().remove::<ErrorInfo>() else {
        return res;
    };
    let status = res.status();
    let is_api = path.starts_with("/api/") || path == "/healthz";
    let mut out = if is_api {
        let body = ErrorBody {
            error: info.code,
            message: lang.t(info.key),
            fields: info
                .fields
                .iter()
                .map(|(field, key)| FieldMessage {
                    field,
                    message: lang.t(key),
                })
                .collect(),
        };
        (status, Json(body)).into_response()
    } else if status == StatusCode::UNAUTHORIZED && !htmx {
        let next = form_urlencoded_component(&format!("{path}{query}"));
        Redirect::to(&format!("/login?next={next}")).into_response()
    } else {
        let page = ErrorPage {
            lang,
            status: status.as_u16(),
            message: lang.t(info.key),
        };
        (status, Html(page.render().unwrap_or_default())).into_response()
    };
    for (k, v) in res.headers() {
        if k.as_str().starts_with("set-cookie") {
            out.headers_mut().append(k.clone(), v.clone());
        }
    }
    out
}

/// Percent-encode a value for a query string.
pub fn form_urlencoded_component(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Render a template into a response.
pub fn render<T: Template>(t: &T) -> Result<Html<String>, AppError> {
    t.render()
        .map(Html)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))
}

/// The answer to a reveal form: the page itself, never a redirect, so
/// that the clear value is in no URL or history, and never stored
/// (`no-store`); a page with errors (no reason given) is a 422.
pub fn reveal_answer<T: Template>(page: &T, revealed: bool) -> Result<Response, AppError> {
    let html = render(page)?;
    Ok(if revealed {
        ([(header::CACHE_CONTROL, "no-store")], html).into_response()
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
    })
}

/// `?notice=…` after a redirect: which message a page shows.
#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    pub notice: String,
}

/// The caller's address as an extractor.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

/// What every page's layout needs: language, the caller, the current path.
pub struct Chrome {
    pub lang: Lang,
    pub me: Option<Scope>,
    pub path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Chrome {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Chrome {
            lang: Lang::from_headers(&parts.headers),
            me: parts.extensions.get::<Scope>().cloned(),
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
        })
    }
}

impl Chrome {
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// The message for a field's error, or "" when it has none.
    pub fn err(&self, errors: &error::Invalid, field: &str) -> String {
        errors
            .key_for(field)
            .map(|k| self.lang.t(k))
            .unwrap_or_default()
    }

    /// Whether a navigation entry is the current section.
    pub fn active(&self, prefix: &str) -> bool {
        if prefix == "/" {
            self.path == "/"
        } else {
            self.path.starts_with(prefix)
        }
    }

    pub fn can_coordinate(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.role().coordinates())
    }

    pub fn can_see_needs(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.role().sees_needs())
    }

    pub fn can_administer(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.role().administers())
    }

    /// Name of a division code in this language's words ("全国" / "All of China").
    pub fn division_name(&self, code: &str) -> String {
        if code.is_empty() {
            self.t("whole-country")
        } else {
            crate::orgs::model::division_name(code)
        }
    }

    /// A timestamp in China time, as people there read it.
    pub fn time(&self, t: impl AsUtc) -> String {
        let local = t.utc().to_offset(time::macros::offset!(+8));
        let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
        local.format(f).unwrap_or_default()
    }
}

/// A timestamp however a template holds it (value or reference).
pub trait AsUtc {
    fn utc(&self) -> time::OffsetDateTime;
}

impl AsUtc for time::OffsetDateTime {
    fn utc(&self) -> time::OffsetDateTime {
        *self
    }
}

impl<T: AsUtc + ?Sized> AsUtc for &T {
    fn utc(&self) -> time::OffsetDateTime {
        (**self).utc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(s: &[&str]) -> Vec<ipnet::IpNet> {
        s.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxies = nets(&["10.0.0.0/8"]);
        // Straight from a client: whatever it writes is ignored.
        assert_eq!(
            client_of(ip("203.0.113.9"), &["1.2.3.4"], &proxies),
            ip("203.0.113.9")
        );
        // Through the proxy: the nearest untrusted hop, not the left end
        // (which the client may have forged).
        assert_eq!(
            client_of(ip("10.0.0.2"), &["6.6.6.6, 198.51.100.7"], &proxies),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_of(ip("10.0.0.2"), &["198.51.100.7, 10.0.0.5"], &proxies),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_of(ip("10.0.0.2"), &["6.6.6.6", "198.51.100.7"], &proxies),
            ip("198.51.100.7")
        );
        // Garbage stops the walk at the last hop believed.
        assert_eq!(
            client_of(ip("10.0.0.2"), &["198.51.100.7, bogus"], &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(client_of(ip("10.0.0.2"), &[], &proxies), ip("10.0.0.2"));
        assert_eq!(client_of(ip("10.0.0.2"), &["1.2.3.4"], &[]), ip("10.0.0.2"));
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        assert_eq!(
            limit_key("2001:db8:1:2:aaaa::1"),
            limit_key("2001:db8:1:2:ffff::9")
        );
        assert_ne!(limit_key("2001:db8:1:2::1"), limit_key("2001:db8:1:3::1"));
        assert_eq!(limit_key("198.51.100.7"), "198.51.100.7");
        assert_eq!(limit_key("::ffff:198.51.100.7"), "198.51.100.7");
    }
}
