//! Pages: the management board (lists by view with each person's tests
//! expected and received, release, the schedules, result lists sent and
//! the results nobody matched) and the management form on a subject's
//! page.

use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::model::ManagementLevel;
use super::store::{
    self, LevelSchedule, Managed, ManagedView, NewManagement, ResultReport, ScheduleChange,
    UnmatchedResult,
};
use crate::access::model::{Role, Scope};
use crate::web::error::{AppError, Invalid};
use crate::web::extract::HtmlForm;
use crate::web::{AppState, Chrome, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/screening/management", get(board))
        .route("/screening/management/schedules", post(set_schedule))
        .route("/screening/management/release", post(release_ready))
        .route("/screening/management/{id}/release", post(release))
        .route(
            "/screening/results",
            post(results).layer(DefaultBodyLimit::max(crate::app::LIST_UPLOAD_MAX)),
        )
        .route("/screening/results/rematch", post(rematch))
        .route("/screening/subjects/{id}/management", post(start))
        .route("/screening/figures", get(figures_page))
        .route("/screening/figures.xlsx", get(figures_xlsx))
}

#[derive(Template)]
#[template(path = "management.html")]
struct BoardPage {
    c: Chrome,
    view: ManagedView,
    counts: Vec<(ManagedView, usize)>,
    list: Vec<Managed>,
    schedules: Vec<LevelSchedule>,
    admin: bool,
    lists: Vec<ResultReport>,
    unmatched: Vec<UnmatchedResult>,
    /// The report of a result list just sent.
    report: Option<ResultReport>,
    notice: String,
    errors: Invalid,
}

impl BoardPage {
    fn level_name(&self, l: &ManagementLevel) -> String {
        self.c.t(&format!("level-{}", l.as_str()))
    }
    fn view_name(&self, v: &ManagedView) -> String {
        self.c.t(&format!("managed-{}", v.as_str()))
    }
    fn field_name(&self, f: &str) -> String {
        self.c.t(&format!("results-field-{f}"))
    }
}

async fn board_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    view: ManagedView,
) -> Result<BoardPage, AppError> {
    let mut tx = state.db.read().await?;
    Ok(BoardPage {
        c,
        view,
        counts: store::counts(&mut tx, scope).await?,
        list: store::managed(&mut tx, scope, view).await?,
        schedules: store::schedules(&mut tx).await?,
        admin: scope.role() == Role::Admin,
        lists: store::result_lists(&mut tx, scope).await?,
        unmatched: store::unmatched(&mut tx, scope).await?,
        report: None,
        notice: String::new(),
        errors: Invalid::default(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ViewQuery {
    view: String,
}

async fn board(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(q): Query<ViewQuery>,
) -> Result<Response, AppError> {
    let view = ManagedView::parse(q.view.trim()).unwrap_or(ManagedView::Active);
    Ok(render(&board_of(&state, &scope, c, view).await?)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ScheduleForm {
    level: String,
    tests: String,
    days: String,
}

async fn set_schedule(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(f): HtmlForm<ScheduleForm>,
) -> Result<Response, AppError> {
    // A number that is not one reads as 0: the schedule's own check
    // names the field.
    let change = ScheduleChange {
        tests: f.tests.trim().parse().unwrap_or(0),
        days: f.days.trim().parse().unwrap_or(0),
    };
    match store::set_schedule(&state.db, &scope, &f.level, &change).await {
        Ok(_) => Ok(Redirect::to("/screening/management").into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut p = board_of(&state, &scope, c, ManagedView::Active).await?;
            p.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// A conflict (someone was first, or not ready) shown on the board.
async fn conflict(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    view: ManagedView,
    e: AppError,
) -> Result<Response, AppError> {
    let notice = e.message(c.lang);
    let mut p = board_of(state, scope, c, view).await?;
    p.notice = notice;
    Ok((StatusCode::CONFLICT, render(&p)?).into_response())
}

async fn release(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match store::release(&state.db, &scope, id).await {
        Ok(_) => Ok(Redirect::to("/screening/management?view=ready").into_response()),
        Err(e @ AppError::Conflict(_)) => conflict(&state, &scope, c, ManagedView::Ready, e).await,
        Err(e) => Err(e),
    }
}

async fn release_ready(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let n = store::release_ready(&state.db, &scope).await?;
    let notice = c
        .lang
        .t_args("managed-released-n", &[("count", n.to_string())]);
    let mut p = board_of(&state, &scope, c, ManagedView::Released).await?;
    p.notice = notice;
    Ok(render(&p)?.into_response())
}

/// A result list sent: read within bounds, taken, its report shown.
async fn results(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    crate::screening::store::screens(&scope)?;
    // Before the body is read: the file is buffered below.
    let _turn = state.lists.turn().await?;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::invalid("file", "err-upload"))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("results.csv").to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::invalid("file", "err-upload"))?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let mut p = board_of(&state, &scope, c, ManagedView::Active).await?;
        p.notice = p.c.t("err-upload");
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
    };
    let upload = match crate::screening::pages::read(name.clone(), bytes).await? {
        Ok(u) => u,
        Err(_) => {
            let mut p = board_of(&state, &scope, c, ManagedView::Active).await?;
            p.notice = p.c.t("err-upload");
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
        }
    };
    match store::import_results(&state.db, &scope, &name, &upload).await {
        Ok(report) => {
            let mut p = board_of(&state, &scope, c, ManagedView::Active).await?;
            p.report = Some(report);
            Ok(render(&p)?.into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let mut p = board_of(&state, &scope, c, ManagedView::Active).await?;
            p.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn rematch(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let n = store::rematch(&state.db, &scope).await?;
    let notice = c
        .lang
        .t_args("results-rematched", &[("count", n.to_string())]);
    let mut p = board_of(&state, &scope, c, ManagedView::Active).await?;
    p.notice = notice;
    Ok(render(&p)?.into_response())
}

async fn start(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(n): HtmlForm<NewManagement>,
) -> Result<Response, AppError> {
    match store::start(&state.db, &scope, id, &n).await {
        Ok(_) => Ok(Redirect::to(&format!("/screening/subjects/{id}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut p = crate::screening::pages::subject_page_of(&state, &scope, c, id).await?;
            p.management_errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
        Err(e @ AppError::Conflict(_)) => {
            let mut p = crate::screening::pages::subject_page_of(&state, &scope, c, id).await?;
            p.management_errors = Invalid(vec![crate::web::error::FieldError::new(
                "level",
                match e {
                    AppError::Conflict(k) => k,
                    _ => "err-management-open",
                },
            )]);
            Ok((StatusCode::CONFLICT, render(&p)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "screening_figures.html")]
struct FiguresPage {
    c: Chrome,
    f: store::Figures,
    chart: crate::dashboard::pages::Chart,
    /// The query the page was asked with (for the xlsx link).
    query: String,
    errors: Invalid,
}

impl FiguresPage {
    fn level_name(&self, l: &ManagementLevel) -> String {
        self.c.t(&format!("level-{}", l.as_str()))
    }
    fn shift_name(&self, s: &str) -> String {
        self.c.t(&format!("shift-{s}"))
    }
}

/// Calls and reached per day, as paired columns.
fn calls_chart(f: &store::Figures, c: &Chrome) -> crate::dashboard::pages::Chart {
    use crate::dashboard::pages::{Bar, Chart, Label};
    let mut days: Vec<(time::Date, i64, i64)> = Vec::new();
    let mut d = f.from;
    while d <= f.to {
        let (calls, reached) = f
            .seats
            .iter()
            .filter(|s| s.day == d)
            .fold((0, 0), |(c, r), s| (c + s.calls, r + s.reached));
        days.push((d, calls, reached));
        d += time::Duration::days(1);
    }
    let (col_w, plot_h, top) = (64, 160, 18);
    let max = days.iter().map(|(_, c, _)| *c).max().unwrap_or(0).max(1);
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, (day, calls, reached)) in days.iter().enumerate() {
        let x = 10 + i as i64 * col_w;
        for (j, (value, class)) in [(*calls, "bar-collected"), (*reached, "bar-delivered")]
            .into_iter()
            .enumerate()
        {
            let h = value * plot_h / max;
            bars.push(Bar {
                x: x + 8 + j as i64 * 24,
                y: top + plot_h - h,
                w: 22,
                h,
                class,
                value,
            });
        }
        labels.push(Label {
            x: x + 31,
            y: top + plot_h + 16,
            text: format!("{}/{}", u8::from(day.month()), day.day()),
            anchor: "middle",
        });
        labels.push(Label {
            x: x + 31,
            y: top - 4,
            text: calls.to_string(),
            anchor: "middle",
        });
    }
    Chart {
        id: "chart-calls",
        title: c.t("figures-chart-calls"),
        width: 20 + days.len() as i64 * col_w,
        height: top + plot_h + 24,
        bars,
        labels,
    }
}

async fn figures_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    span: &super::api::Span,
) -> Result<Result<FiguresPage, Invalid>, AppError> {
    let days = match span.days() {
        Ok(d) => d,
        Err(AppError::Invalid(e)) => return Ok(Err(e)),
        Err(e) => return Err(e),
    };
    let mut tx = state.db.read().await?;
    let f = match store::figures(&mut tx, scope, days.0, days.1).await {
        Ok(f) => f,
        Err(AppError::Invalid(e)) => return Ok(Err(e)),
        Err(e) => return Err(e),
    };
    let chart = calls_chart(&f, &c);
    let query = format!("from={}&to={}", f.from, f.to);
    Ok(Ok(FiguresPage {
        c,
        f,
        chart,
        query,
        errors: Invalid::default(),
    }))
}

async fn figures_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(span): Query<super::api::Span>,
) -> Result<Response, AppError> {
    match figures_of(&state, &scope, c.clone(), &span).await? {
        Ok(p) => Ok(render(&p)?.into_response()),
        Err(errors) => {
            // The default span, with what was wrong said above it.
            let mut p = figures_of(&state, &scope, c, &Default::default())
                .await?
                .map_err(AppError::Invalid)?;
            p.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
    }
}

/// The upward report: the figures as a workbook (summary, shifts and
/// seats, management).
async fn figures_xlsx(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(span): Query<super::api::Span>,
) -> Result<Response, AppError> {
    let (from, to) = span.days()?;
    let mut tx = state.db.read().await?;
    let f = store::figures(&mut tx, &scope, from, to).await?;
    drop(tx);
    let office = crate::orgs::model::division_name(scope.jurisdiction());
    let lang = c.lang;
    let t = |k: &str| lang.t(k);
    let pair = |a: i64, b: i64| format!("{a} / {b}");
    let summary = vec![
        vec![t("figures-office"), office.clone()],
        vec![t("figures-span"), format!("{} – {}", f.from, f.to)],
        vec![t("figures-calls"), f.calls.to_string()],
        vec![t("figures-reached"), f.reached.to_string()],
        vec![t("figures-reach-rate"), format!("{}%", f.reach_rate)],
        vec![t("figures-subjects"), f.subjects.to_string()],
        vec![t("figures-new-subjects"), f.new_subjects.to_string()],
        vec![t("figures-results"), pair(f.results_matched, f.results)],
        vec![t("figures-match-rate"), format!("{}%", f.match_rate)],
        vec![
            t("figures-transfers-in"),
            pair(f.transfers_in_time, f.transfers_in),
        ],
        vec![
            t("figures-transfers-out"),
            pair(f.transfers_out_in_time, f.transfers_out),
        ],
        vec![t("managed-released"), f.released.to_string()],
        vec![t("managed-positive"), f.positive.to_string()],
    ];
    let seats = f
        .seats
        .iter()
        .map(|s| {
            vec![
                s.day.to_string(),
                lang.t(&format!("shift-{}", s.shift)),
                s.caller.clone(),
                s.seat.clone(),
                s.calls.to_string(),
                s.reached.to_string(),
            ]
        })
        .collect();
    let managed = f
        .managed
        .iter()
        .map(|(l, n)| vec![lang.t(&format!("level-{}", l.as_str())), n.to_string()])
        .collect();
    let sheets = vec![
        crate::tables::Sheet {
            name: t("figures-sheet-summary"),
            header: vec![t("figures-item"), t("figures-value")],
            rows: summary,
        },
        crate::tables::Sheet {
            name: t("figures-sheet-seats"),
            header: vec![
                t("figures-day"),
                t("figures-shift"),
                t("figures-caller"),
                t("figures-seat"),
                t("figures-calls"),
                t("figures-reached"),
            ],
            rows: seats,
        },
        crate::tables::Sheet {
            name: t("management-title"),
            header: vec![t("management-level"), t("managed-active")],
            rows: managed,
        },
    ];
    let bytes = tokio::task::spawn_blocking(move || crate::tables::xlsx(&sheets))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("xlsx: {e}")))?;
    let name = format!("screening-{}-{}.xlsx", f.from, f.to);
    Ok(crate::web::download(bytes, crate::web::XLSX, &name))
}
