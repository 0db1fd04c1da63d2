//! `GET /live`: the changes inside the reader's jurisdiction, as
//! server-sent messages `entity division` (`need 610113001002`; `* ` when
//! changes may have been missed).

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;

use super::Change;
use crate::access::model::Scope;
use crate::web::AppState;
use crate::web::error::AppError;

/// A stream ends after this long and the browser opens it again (an
/// account disabled or moved meanwhile is then asked again).
const STREAM_LIFETIME: Duration = Duration::from_secs(600);

pub fn routes() -> Router<AppState> {
    Router::new().route("/live", get(live))
}

/// Kept out of the OpenAPI document (the JSON API): a stream, read by
/// the pages' script.
pub async fn live(
    State(state): State<AppState>,
    scope: Scope,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let slot = state
        .live
        .open(scope.account_id())
        .ok_or(AppError::TooMany("err-live-streams"))?;
    let ends = tokio::time::Instant::now() + STREAM_LIFETIME;
    let stream = futures_util::stream::unfold(
        (slot, scope, true),
        move |(mut slot, scope, first)| async move {
            if first {
                // Tells the browser how soon to come back after an end.
                return Some((
                    Ok(Event::default()
                        .retry(Duration::from_secs(3))
                        .comment("live")),
                    (slot, scope, false),
                ));
            }
            loop {
                let change = tokio::select! {
                    c = slot.changes.recv() => c,
                    _ = slot.closing.wait_for(|closing| *closing) => return None,
                    _ = tokio::time::sleep_until(ends) => return None,
                };
                let change = match change {
                    Ok(c) => c,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => Change::anything(),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                };
                // Nothing outside the reader's jurisdiction, not even that
                // something happened there.
                if change.entity == "*" || scope.covers(&change.division_code) {
                    let event = Event::default()
                        .data(format!("{} {}", change.entity, change.division_code));
                    return Some((Ok(event), (slot, scope, false)));
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20))))
}
