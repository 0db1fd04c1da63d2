//! Pages: /dispatch — the open tasks, and on asking the proposal for the
//! verified needs in the coordinator's jurisdiction: each line with its
//! squads (the proposed one or the next best), its goods (fewer may be
//! taken), kept or dropped, then confirmed at once.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::model::{Confirm, ConfirmLeg, ConfirmPick, ConfirmTask, LegKind, Proposal};
use super::store::{self, Task};
use crate::access::model::Scope;
use crate::web::error::{AppError, Invalid};
use crate::web::extract::HtmlForm;
use crate::web::i18n::Lang;
use crate::web::{AppState, Chrome, render};

pub fn routes() -> Router<AppState> {
    Router::new().route("/dispatch", get(page).post(confirm))
}

#[derive(Template)]
#[template(path = "dispatch.html")]
struct DispatchPage {
    c: Chrome,
    proposal: Option<Proposal>,
    tasks: Vec<Task>,
    items: BTreeMap<i64, String>,
    notice: String,
    errors: Invalid,
}

impl DispatchPage {
    fn item(&self, id: &i64) -> String {
        self.items
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    fn error_text(&self, e: &crate::web::error::FieldError) -> String {
        e.message(self.c.lang)
    }

    fn leg_name(&self, leg: &LegKind) -> String {
        self.c
            .t(&format!("dispatch-leg-{}", leg.as_str().replace('_', "-")))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct PageQuery {
    /// Show the proposal.
    propose: String,
    /// Tasks just made.
    made: Option<usize>,
}

async fn page_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    propose: bool,
    notice: String,
    errors: Invalid,
) -> Result<DispatchPage, AppError> {
    let mut tx = state.db.read().await?;
    let proposal = if propose {
        Some(store::propose(&mut tx, scope, state.settings.exposure_window()).await?)
    } else {
        None
    };
    let zh = c.lang == Lang::Zh;
    let items = crate::supply::store::items(&mut tx)
        .await?
        .into_iter()
        .map(|i| (i.id, format!("{}（{}）", i.name(zh), i.unit(zh))))
        .collect();
    Ok(DispatchPage {
        tasks: store::tasks(&mut tx, scope).await?,
        c,
        proposal,
        items,
        notice,
        errors,
    })
}

async fn page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let notice = match q.made {
        Some(n) => c.lang.t_args("dispatch-made", &[("count", n.to_string())]),
        None => String::new(),
    };
    let p = page_of(
        &state,
        &scope,
        c,
        !q.propose.is_empty(),
        notice,
        Invalid::default(),
    )
    .await?;
    Ok(render(&p)?.into_response())
}

/// The lines kept, read from the form: `keep.N`, `leg.N.L` (the squad),
/// `pick.N.D.I` (the quantity) for need N, leg L, depot D and item I.
fn confirmation(form: &BTreeMap<String, String>) -> Confirm {
    let mut tasks: BTreeMap<i64, ConfirmTask> = BTreeMap::new();
    for key in form.keys() {
        if let Some(n) = key.strip_prefix("keep.").and_then(|n| n.parse().ok()) {
            tasks.insert(
                n,
                ConfirmTask {
                    need_id: n,
                    legs: Vec::new(),
                    picks: Vec::new(),
                },
            );
        }
    }
    for (key, value) in form {
        let parts: Vec<&str> = key.split('.').collect();
        match parts.as_slice() {
            ["leg", n, leg] => {
                let (Ok(n), Some(leg), Ok(squad_id)) =
                    (n.parse::<i64>(), LegKind::parse(leg), value.trim().parse())
                else {
                    continue;
                };
                if let Some(t) = tasks.get_mut(&n) {
                    t.legs.push(ConfirmLeg { leg, squad_id });
                }
            }
            ["pick", n, depot, item] => {
                let (Ok(n), Ok(depot_id), Ok(item_id)) =
                    (n.parse::<i64>(), depot.parse(), item.parse())
                else {
                    continue;
                };
                // A blank or zero quantity drops the pick; anything else is
                // checked as sent (a word is not a number: refused).
                let quantity = match value.trim() {
                    "" | "0" => continue,
                    v => v.parse().unwrap_or(-1),
                };
                if let Some(t) = tasks.get_mut(&n) {
                    t.picks.push(ConfirmPick {
                        depot_id,
                        item_id,
                        quantity,
                    });
                }
            }
            _ => {}
        }
    }
    Confirm {
        tasks: tasks.into_values().collect(),
    }
}

async fn confirm(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    HtmlForm(form): HtmlForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let lines = confirmation(&form);
    let window = state.settings.exposure_window();
    match store::confirm(&state.db, &scope, window, &lines).await {
        Ok(made) => Ok(Redirect::to(&format!("/dispatch?made={}", made.len())).into_response()),
        Err(e @ (AppError::Refused(..) | AppError::Conflict(_))) => {
            let notice = e.message(c.lang);
            let p = page_of(&state, &scope, c, true, notice, Invalid::default()).await?;
            Ok((StatusCode::CONFLICT, render(&p)?).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let notice = c.t("dispatch-not-made");
            let p = page_of(&state, &scope, c, true, notice, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_gives_the_lines_kept_with_their_squads_and_goods() {
        let form: BTreeMap<String, String> = [
            ("keep.7", "1"),
            ("leg.7.to_gate", "3"),
            ("leg.7.inside", "4"),
            ("pick.7.2.11", "40"),
            ("pick.7.5.11", ""),
            ("leg.8.whole", "9"),
            ("pick.8.2.11", "5"),
            ("csrf", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let c = confirmation(&form);
        assert_eq!(c.tasks.len(), 1, "need 8 was not kept");
        let t = &c.tasks[0];
        assert_eq!(t.need_id, 7);
        let mut legs: Vec<(LegKind, i64)> = t.legs.iter().map(|l| (l.leg, l.squad_id)).collect();
        legs.sort();
        assert_eq!(legs, vec![(LegKind::ToGate, 3), (LegKind::Inside, 4)]);
        assert_eq!(t.picks.len(), 1);
        assert_eq!(
            (t.picks[0].depot_id, t.picks[0].item_id, t.picks[0].quantity),
            (2, 11, 40)
        );
    }
}
