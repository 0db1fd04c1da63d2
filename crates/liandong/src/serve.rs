//! Starting the server: bind, connect, serve until a signal.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::app::router;
use crate::db::Db;
use crate::web::limiter::Limiter;
use crate::web::{AppState, Settings};

/// Failed sign-ins allowed per client address per minute (a correct
/// password never counts): room for an office behind one gateway.
const FAILED_SIGN_INS_PER_MINUTE: u32 = 30;
/// Public help requests taken from one client address in ten minutes:
/// room for a village behind one mobile gateway, not for a flood.
const HELP_REQUESTS_PER_10_MINUTES: u32 = 30;
/// Public help requests taken per phone number, and per address asked
/// for, in an hour: a family asks a few times, a flood many.
const HELP_REQUESTS_PER_PHONE_HOUR: u32 = 5;
const HELP_REQUESTS_PER_ADDRESS_HOUR: u32 = 10;
/// Looks at reference pages per client address per minute.
const FOLLOWS_PER_MINUTE: u32 = 60;

/// How often overdue needs are escalated.
const SLA_SWEEP: Duration = Duration::from_secs(15);

/// A running server, with its background work (sweeps, the live feed),
/// which stops with it: aborted, or dropped.
pub struct Running {
    pub addr: SocketAddr,
    pub db: Db,
    handle: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub async fn wait(mut self) -> anyhow::Result<()> {
        let handle = self.handle.take().context("server already stopped")?;
        handle.await?.context("server stopped")
    }
    pub fn abort(&self) {
        if let Some(h) = &self.handle {
            h.abort();
        }
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.abort();
    }
}

/// The process-wide Prometheus recorder (installed once).
fn metrics_handle() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .ok()
        })
        .clone()
}

/// Bind `listen` and serve the application on `db` in the background.
pub async fn start(listen: &str, db: Db) -> anyhow::Result<Running> {
    start_with(listen, db, Settings::default()).await
}

/// `start` with how the deployment is reached (proxies, public URL).
pub async fn start_with(listen: &str, db: Db, settings: Settings) -> anyhow::Result<Running> {
    // The matcher is built once (~120 ms) off the async threads, before
    // the first address needs it.
    tokio::task::spawn_blocking(divisions::Resolver::china);
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let state = AppState {
        db: db.clone(),
        metrics: metrics_handle(),
        settings: Arc::new(settings),
        login_limiter: Arc::new(Limiter::new(
            FAILED_SIGN_INS_PER_MINUTE,
            Duration::from_secs(60),
        )),
        help_limiter: Arc::new(Limiter::new(
            HELP_REQUESTS_PER_10_MINUTES,
            Duration::from_secs(600),
        )),
        help_phone_limiter: Arc::new(Limiter::new(
            HELP_REQUESTS_PER_PHONE_HOUR,
            Duration::from_secs(3600),
        )),
        help_address_limiter: Arc::new(Limiter::new(
            HELP_REQUESTS_PER_ADDRESS_HOUR,
            Duration::from_secs(3600),
        )),
        follow_limiter: Arc::new(Limiter::new(FOLLOWS_PER_MINUTE, Duration::from_secs(60))),
        check_limiter: Arc::new(Limiter::new(10, Duration::from_secs(600))),
        check_phone_limiter: Arc::new(Limiter::new(20, Duration::from_secs(3600))),
        live: crate::live::Live::new(),
        lists: crate::web::limiter::ListWork::new(
            crate::web::limiter::LIST_WORKERS,
            crate::web::limiter::LIST_WAIT,
        ),
    };
    let live = state.live.clone();
    let metrics = state.metrics.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let mut tasks = vec![tokio::spawn(crate::live::store::feed(
        db.clone(),
        live.clone(),
    ))];
    if let Some(handle) = metrics {
        // Without upkeep the recorder's histograms grow without bound.
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        }));
    }
    let purge_db = db.clone();
    tasks.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = crate::access::session_store::purge_expired(&purge_db).await {
                tracing::warn!(error = %e, "purging expired sessions");
            }
            if let Err(e) = crate::access::store::purge_throttle(&purge_db).await {
                tracing::warn!(error = %e, "purging old sign-in failures");
            }
        }
    }));
    let sweep_db = db.clone();
    tasks.push(tokio::spawn(async move {
        // Needs past their service level rise to the top of the board
        // within this long; each server sweeps, each need rises once.
        let mut tick = tokio::time::interval(SLA_SWEEP);
        loop {
            tick.tick().await;
            match crate::needs::store::escalate_overdue(&sweep_db, crate::db::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(needs = n, "escalated past their service level"),
                Err(e) => tracing::warn!(error = ?e, "escalating needs past their service level"),
            }
            match crate::care::store::alarm_missed(&sweep_db, crate::db::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(people = n, "care check-ins overdue"),
                Err(e) => tracing::warn!(error = ?e, "raising overdue care check-ins"),
            }
            match crate::care::store::cases::escalate_referrals(&sweep_db, crate::db::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(referrals = n, "case referrals unanswered"),
                Err(e) => tracing::warn!(error = ?e, "raising unanswered case referrals"),
            }
            match crate::care::store::crises::lapse(&sweep_db, crate::db::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(offers = n, "crises unanswered passed on"),
                Err(e) => tracing::warn!(error = ?e, "passing on unanswered crises"),
            }
            match crate::care::store::schedules::raise_due(&sweep_db, crate::db::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(needs = n, "care routines raised as needs"),
                Err(e) => tracing::warn!(error = ?e, "raising care routines as needs"),
            }
        }
    }));
    let handle = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = tokio::signal::ctrl_c().await;
                // Open streams end, or the shutdown would wait for them.
                live.close();
            })
            .await
    });
    Ok(Running {
        addr,
        db,
        handle: Some(handle),
        tasks,
    })
}
