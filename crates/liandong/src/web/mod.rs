//! What every capability's handlers share, below them: the request state,
//! the request's `Scope` and client, error rendering, i18n, the page
//! chrome. The router that assembles the capabilities is above them, in
//! `app`.

pub mod error;
pub mod extract;
pub mod i18n;
pub mod limiter;
pub mod pdf;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use askama::Template;
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::access::model::Scope;
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
    pub login_limiter: Arc<limiter::Limiter>,
    /// Requests through the public help form, per sender address, per
    /// phone and per address asked for.
    pub help_limiter: Arc<limiter::Limiter>,
    pub help_phone_limiter: Arc<limiter::Limiter>,
    pub help_address_limiter: Arc<limiter::Limiter>,
    /// Looks at a request's page by its reference, per client.
    pub follow_limiter: Arc<limiter::Limiter>,
    /// Caller checks (来电核验), per client and per number checked: a
    /// code is 6 digits, so guessing is cut off long before it pays.
    pub check_limiter: Arc<limiter::Limiter>,
    pub check_phone_limiter: Arc<limiter::Limiter>,
    /// Changes pushed to open pages.
    pub live: crate::live::Live,
    /// Lists read or taken at once (screening lists, PCR results).
    pub lists: limiter::ListWork,
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
    /// The deployment's home jurisdiction (a division code; "" for the
    /// whole country): a public request is read near it, and one whose
    /// place cannot be read is held by it, never by nobody.
    pub home: String,
    /// The number residents call (shown after a request is sent).
    pub hotline: String,
    /// An admin may set the clock (`PUT /api/clock`): for browser tests
    /// that replay a night, never for a deployment.
    pub settable_clock: bool,
    /// How long what a squad touched still counts as contact (days; 0
    /// reads as the default, 14).
    pub exposure_days: u16,
}

impl Settings {
    /// The exposure window of the squad contact rule.
    pub fn exposure_window(&self) -> time::Duration {
        let days = match self.exposure_days {
            0 => crate::squads::model::EXPOSURE_DAYS,
            d => d,
        };
        time::Duration::days(i64::from(days))
    }

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

pub async fn find_client(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
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

/// What an error response carries until [`render_errors`] writes its body
/// in the caller's language.
#[derive(Clone)]
struct ErrorInfo {
    code: &'static str,
    key: &'static str,
    args: Vec<(&'static str, String)>,
    fields: Vec<error::FieldError>,
}

impl ErrorInfo {
    fn message(&self, lang: Lang) -> String {
        if self.args.is_empty() {
            lang.t(self.key)
        } else {
            lang.t_args(self.key, &self.args)
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = %format!("{e:#}"), "internal error");
        }
        let info = ErrorInfo {
            code: self.code(),
            key: self.message_key(),
            args: match &self {
                AppError::Refused(_, args) => args.clone(),
                _ => Vec::new(),
            },
            fields: match &self {
                AppError::Invalid(i) => i.0.clone(),
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
pub async fn render_errors(req: Request, next: Next) -> Response {
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
            message: info.message(lang),
            fields: info
                .fields
                .iter()
                .map(|f| FieldMessage {
                    field: f.field,
                    message: f.message(lang),
                })
                .collect(),
        };
        (status, Json(body)).into_response()
    } else if status == StatusCode::UNAUTHORIZED && !htmx {
        let next = form_urlencoded_component(&format!("{path}{query}"));
        Redirect::to(&format!("/login?next={next}")).into_response()
    } else {
        // A refusal that names fields says what they were, not only that
        // something was wrong.
        let message = if info.fields.is_empty() {
            info.message(lang)
        } else {
            let fields: Vec<String> = info.fields.iter().map(|f| f.message(lang)).collect();
            fields.join("；")
        };
        let page = ErrorPage {
            lang,
            status: status.as_u16(),
            message,
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
#[derive(Clone)]
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
            .first(field)
            .map(|e| e.message(self.lang))
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

    /// Open and hold cases (个案).
    pub fn can_keep_cases(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.role().cares())
    }

    /// Keep the care registry, or watch its coverage (office heads).
    pub fn can_care(&self) -> bool {
        self.me
            .as_ref()
            .is_some_and(|m| m.role().cares() || m.role() == crate::access::model::Role::Viewer)
    }

    pub fn can_screen(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.role().screens())
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

    /// The words of an event's action (need.create → 登记需求); the
    /// action itself when it has none.
    pub fn action_words(&self, action: &str) -> String {
        let key = format!("event-{}", action.replace('.', "-"));
        let words = self.t(&key);
        if words == key {
            action.to_owned()
        } else {
            words
        }
    }

    /// Who did something, as people read it (the machine as 系统).
    pub fn actor(&self, name: &str) -> String {
        if name == "system" {
            self.t("actor-system")
        } else {
            name.to_owned()
        }
    }

    /// A span of minutes as people say it: 20 分钟, 1 小时 20 分, 2 天 3 小时.
    pub fn minutes(&self, m: &i64) -> String {
        let m = (*m).max(0);
        let (d, h, min) = (m / 1440, m / 60 % 24, m % 60);
        let (key, args) = if d > 0 {
            (
                "duration-days",
                vec![("d", d.to_string()), ("h", h.to_string())],
            )
        } else if h > 0 {
            (
                "duration-hours",
                vec![("h", h.to_string()), ("m", min.to_string())],
            )
        } else {
            ("duration-minutes", vec![("m", min.to_string())])
        };
        self.lang.t_args(key, &args)
    }

    /// A timestamp in China time, as people there read it.
    /// A calendar day as people read it here (2021-12-23).
    pub fn date(&self, d: &time::Date) -> String {
        d.format(time::macros::format_description!("[year]-[month]-[day]"))
            .unwrap_or_default()
    }

    pub fn time(&self, t: impl AsUtc) -> String {
        beijing(t.utc())
    }
}

/// A file to download: its bytes, type and name.
pub fn download(body: Vec<u8>, mime: &'static str, name: &str) -> Response {
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

/// A file to download under a name in the reader's language (需求导入模板.xlsx),
/// with `fallback` for clients that only read an ASCII name (RFC 6266).
pub fn download_as(body: Vec<u8>, mime: &'static str, fallback: &str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
                    form_urlencoded_component(name)
                ),
            ),
        ],
        body,
    )
        .into_response()
}

/// The address people open: the deployment's public URL, else the host
/// this page was asked on.
pub fn public_link(state: &AppState, headers: &axum::http::HeaderMap, path: &str) -> String {
    let base = match &state.settings.public_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .filter(|h| {
                    h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
                })
                .unwrap_or("localhost");
            format!("http://{host}")
        }
    };
    format!("{base}{path}")
}

/// The xlsx type, for `download`.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A division field as a person fills it on a page: a code, or a name
/// (雁塔区, 小寨路街道) read inside `within` — the one division of that
/// exact name there, else the only one whose name starts so; failing
/// both, a former name (户县) by the same rule. Otherwise the text as
/// typed, for the field's check to refuse by name.
pub fn division_code_of(text: &str, within: &str) -> String {
    let t = text.trim();
    if t.is_empty() || t.bytes().all(|b| b.is_ascii_digit()) {
        return t.to_owned();
    }
    let tree = divisions::Tree::china();
    let root = match within {
        "" => None,
        code => tree.find(code).map(|d| d.id()),
    };
    let hits = tree.search_divisions(t, root, 8);
    let exact: Vec<_> = hits.iter().filter(|d| d.name() == t).collect();
    let starting: Vec<_> = hits.iter().filter(|d| d.name().starts_with(t)).collect();
    match (exact.as_slice(), starting.as_slice()) {
        ([one], _) | ([], [one]) => return one.code(),
        ([], []) => {}
        _ => return t.to_owned(),
    }
    // A former name still in use (户县 for 鄠邑区), by the same rule.
    let renamed = |f: &dyn Fn(&str) -> bool| -> Vec<String> {
        let mut codes: Vec<String> = tree
            .renames()
            .iter()
            .filter(|r| f(r.old_name))
            .map(|r| tree.division(r.id).code())
            .filter(|c| divisions::code_within(c, within))
            .collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    };
    match (
        renamed(&|n| n == t).as_slice(),
        renamed(&|n| n.starts_with(t)).as_slice(),
    ) {
        ([one], _) | ([], [one]) => one.clone(),
        _ => t.to_owned(),
    }
}

/// A timestamp in China time, as people there read it (2022-01-05 18:10).
pub fn beijing(t: time::OffsetDateTime) -> String {
    // Checked: a time at the edge of what `time` holds cannot be moved
    // eight hours on; it is shown as it is rather than failing the page.
    let local = t.checked_to_offset(time::macros::offset!(+8)).unwrap_or(t);
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    local.format(f).unwrap_or_default()
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
