//! Pages: the dashboard, its live part (fetched again every 30 s), and
//! its charts as SVG drawn here (no chart library, no CDN: a few rects
//! and labels are less than any dependency).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::model::{Dashboard, Timing};
use super::store;
use crate::access::model::Scope;
use crate::web::error::AppError;
use crate::web::{AppState, Chrome, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(page))
        .route("/dashboard/live", get(live))
        .route("/dashboard.xlsx", get(xlsx))
}

/// One rect of a chart, with the number it stands for.
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub class: &'static str,
    pub value: i64,
}

pub struct Label {
    pub x: i64,
    pub y: i64,
    pub text: String,
    pub anchor: &'static str,
}

/// An SVG chart: its size, bars and labels (the template draws it).
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub width: i64,
    pub height: i64,
    pub bars: Vec<Bar>,
    pub labels: Vec<Label>,
}

/// Areas as grouped horizontal bars: collected, verified, delivered.
fn areas_chart(d: &Dashboard, c: &Chrome) -> Chart {
    let (label_w, bar_w, row_h) = (130, 560, 34);
    let max = d
        .areas
        .iter()
        .map(|a| a.counts.collected)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, a) in d.areas.iter().enumerate() {
        let y = 8 + i as i64 * row_h;
        let name = crate::supply::model::short_place(&a.division_code);
        labels.push(Label {
            x: label_w - 8,
            y: y + 16,
            text: name,
            anchor: "end",
        });
        for (j, (value, class)) in [
            (a.counts.collected, "bar-collected"),
            (a.counts.verified, "bar-verified"),
            (a.counts.delivered, "bar-delivered"),
        ]
        .into_iter()
        .enumerate()
        {
            bars.push(Bar {
                x: label_w,
                y: y + j as i64 * 9,
                w: (value * bar_w / max).max(if value > 0 { 1 } else { 0 }),
                h: 8,
                class,
                value,
            });
        }
        labels.push(Label {
            x: label_w + bar_w + 6,
            y: y + 17,
            text: format!(
                "{} / {} / {}",
                a.counts.collected, a.counts.verified, a.counts.delivered
            ),
            anchor: "start",
        });
    }
    Chart {
        id: "chart-areas",
        title: c.t("dash-chart-areas"),
        width: label_w + bar_w + 110,
        height: 16 + d.areas.len().max(1) as i64 * row_h,
        bars,
        labels,
    }
}

/// A waiting-time histogram over the buckets.
fn wait_chart(id: &'static str, title: String, t: &Timing, c: &Chrome) -> Chart {
    let (col_w, plot_h, top) = (56, 120, 16);
    let max = t.histogram.iter().copied().max().unwrap_or(0).max(1);
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, &n) in t.histogram.iter().enumerate() {
        let x = 10 + i as i64 * col_w;
        let h = n * plot_h / max;
        bars.push(Bar {
            x: x + 6,
            y: top + plot_h - h,
            w: col_w - 12,
            h,
            class: "bar-wait",
            value: n,
        });
        labels.push(Label {
            x: x + col_w / 2,
            y: top + plot_h - h - 4,
            text: n.to_string(),
            anchor: "middle",
        });
        let edge = c.t(&format!("dash-bucket-{i}"));
        labels.push(Label {
            x: x + col_w / 2,
            y: top + plot_h + 16,
            text: edge,
            anchor: "middle",
        });
    }
    Chart {
        id,
        title,
        width: 20 + t.histogram.len() as i64 * col_w,
        height: top + plot_h + 26,
        bars,
        labels,
    }
}

#[derive(Template)]
#[template(path = "dashboard_live.html")]
struct LivePage {
    c: Chrome,
    d: Dashboard,
    charts: Vec<Chart>,
    zh: bool,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    c: Chrome,
    name: String,
    /// The live part, rendered.
    live: String,
}

async fn live_page(state: &AppState, scope: &Scope, c: Chrome) -> Result<LivePage, AppError> {
    let mut tx = state.db.read().await?;
    let d = store::dashboard(&mut tx, scope).await?;
    let charts = vec![
        areas_chart(&d, &c),
        wait_chart("chart-verify", c.t("dash-chart-verify"), &d.to_verify, &c),
        wait_chart(
            "chart-deliver",
            c.t("dash-chart-deliver"),
            &d.to_deliver,
            &c,
        ),
    ];
    let zh = c.lang == crate::web::i18n::Lang::Zh;
    Ok(LivePage { c, d, charts, zh })
}

async fn page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let outer = c.clone();
    let live = live_page(&state, &scope, c).await?;
    let page = DashboardPage {
        c: outer,
        name: live.d.jurisdiction_name.clone(),
        live: live.render().map_err(|e| AppError::Internal(e.into()))?,
    };
    Ok(render(&page)?.into_response())
}

/// The part that updates itself (htmx swaps it every 30 s).
async fn live(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    Ok(render(&live_page(&state, &scope, c).await?)?.into_response())
}

/// The dashboard's tables as an xlsx: the areas, and the times.
async fn xlsx(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    use crate::tables::Sheet;
    let mut tx = state.db.read().await?;
    let d = store::dashboard(&mut tx, &scope).await?;
    let t = |k: &str| c.t(k);
    let counts = |n: &super::model::Counts| {
        [
            n.collected,
            n.verified,
            n.emergency_people,
            n.matched,
            n.delivered,
            n.closed,
            n.open,
            n.escalated,
        ]
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
    };
    let mut header = vec![t("field-division")];
    header.extend(
        [
            "dash-collected",
            "dash-verified",
            "dash-emergency-people",
            "dash-matched",
            "dash-delivered",
            "dash-closed",
            "dash-open",
            "dash-escalated",
            "dash-units-sent",
        ]
        .iter()
        .map(|k| t(k)),
    );
    let mut rows: Vec<Vec<String>> = d
        .areas
        .iter()
        .map(|a| {
            let mut r = vec![a.division_name.clone()];
            r.extend(counts(&a.counts));
            r.push(a.units_sent.to_string());
            r
        })
        .collect();
    let mut total = vec![d.jurisdiction_name.clone()];
    total.extend(counts(&d.totals));
    total.push(
        d.areas
            .iter()
            .map(|a| a.units_sent)
            .sum::<i64>()
            .to_string(),
    );
    rows.push(total);
    let mut times_header = vec![
        String::new(),
        t("dash-count"),
        t("dash-median"),
        "p90".to_owned(),
    ];
    times_header.extend((0..8).map(|i| t(&format!("dash-bucket-{i}"))));
    let minutes = |m: Option<i64>| m.map(|m| m.to_string()).unwrap_or_default();
    let times = [
        ("dash-to-verify", &d.to_verify),
        ("dash-to-deliver", &d.to_deliver),
    ]
    .iter()
    .map(|(k, tm)| {
        let mut r = vec![
            t(k),
            tm.count.to_string(),
            minutes(tm.median_minutes),
            minutes(tm.p90_minutes),
        ];
        r.extend(tm.histogram.iter().map(|n| n.to_string()));
        r
    })
    .collect();
    let sheets = [
        Sheet {
            name: t("dash-areas"),
            header,
            rows,
        },
        Sheet {
            name: t("dash-times-minutes"),
            header: times_header,
            rows: times,
        },
    ];
    let body = crate::tables::xlsx(&sheets).map_err(|e| AppError::Internal(e.into()))?;
    Ok(crate::web::download(
        body,
        crate::web::XLSX,
        "dashboard.xlsx",
    ))
}
