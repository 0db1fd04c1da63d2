//! Pages: /dispatch — the live board of squads out and their alarms, and
//! on asking the proposal for the verified needs in the coordinator's
//! jurisdiction: each line with its squads (the proposed one or the next
//! best), its goods (fewer may be taken), kept or dropped, then confirmed
//! at once. /field — a squad's legs on a member's phone, a button per step.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::model::{
    Confirm, ConfirmLeg, ConfirmPick, ConfirmTask, Debrief, LegKind, Proposal, Step, StepInput,
};
use super::store::field::{self, Board, FieldLeg, FieldPick, MyLegs, Recipient};
use super::store::{self};
use crate::access::model::Scope;
use crate::web::error::{AppError, Invalid};
use crate::web::extract::HtmlForm;
use crate::web::i18n::Lang;
use crate::web::{AppState, Chrome, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dispatch", get(page).post(confirm))
        .route("/dispatch/board", get(board_region))
        .route("/field", get(field_page))
        .route("/field/legs/{id}/step", axum::routing::post(field_step))
        .route("/field/legs/{id}/reveal", axum::routing::post(field_reveal))
        .route(
            "/field/legs/{id}/debrief",
            axum::routing::post(field_debrief),
        )
}

#[derive(Template)]
#[template(path = "dispatch.html")]
struct DispatchPage {
    c: Chrome,
    proposal: Option<Proposal>,
    board: Board,
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
        board: field::board(&mut tx, scope).await?,
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

#[derive(Template)]
#[template(path = "dispatch_board.html")]
struct BoardRegion {
    c: Chrome,
    board: Board,
}

/// The board alone, for its live region.
async fn board_region(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    let mut tx = state.db.read().await?;
    let board = field::board(&mut tx, &scope).await?;
    Ok(render(&BoardRegion { c, board })?.into_response())
}

#[derive(Template)]
#[template(path = "field.html")]
struct FieldPage {
    c: Chrome,
    mine: MyLegs,
    notice: String,
    /// The recipient just opened, on that leg.
    shown: Option<(i64, Recipient)>,
}

impl FieldPage {
    fn leg_name(&self, leg: &str) -> String {
        self.c.t(&format!("dispatch-leg-{}", leg.replace('_', "-")))
    }

    fn status_name(&self, status: &str) -> String {
        self.c
            .t(&format!("leg-status-{}", status.replace('_', "-")))
    }

    fn item(&self, k: &FieldPick) -> String {
        if self.c.lang == Lang::Zh {
            format!("{}（{}）", k.name_zh, k.unit_zh)
        } else {
            format!("{} ({})", k.name_en, k.unit_en)
        }
    }

    fn gate(&self, l: &FieldLeg) -> String {
        let place = l
            .gate_division
            .as_deref()
            .map(|d| self.c.division_name(d))
            .unwrap_or_default();
        match l.gate_compound.as_deref() {
            Some(c) if !c.is_empty() => format!("{place} {c}"),
            _ => place,
        }
    }

    /// A leader's steps are offered to the leader only.
    fn shows_step(&self, s: &Step) -> bool {
        self.mine.leads || !s.leaders()
    }

    fn may_reveal(&self, l: &FieldLeg) -> bool {
        l.leg != "to_gate" && matches!(l.status.as_str(), "accepted" | "departed" | "picked_up")
    }

    fn may_debrief(&self, l: &FieldLeg) -> bool {
        matches!(l.status.as_str(), "handed_off" | "delivered" | "back")
    }
}

async fn field_of(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    notice: String,
    shown: Option<(i64, Recipient)>,
) -> Result<FieldPage, AppError> {
    let mut tx = state.db.read().await?;
    Ok(FieldPage {
        mine: field::mine(&mut tx, scope).await?,
        c,
        notice,
        shown,
    })
}

async fn field_page(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
) -> Result<Response, AppError> {
    Ok(render(&field_of(&state, &scope, c, String::new(), None).await?)?.into_response())
}

/// A refusal shown on the field page, with the status it carries.
async fn field_refused(
    state: &AppState,
    scope: &Scope,
    c: Chrome,
    e: AppError,
) -> Result<Response, AppError> {
    let status = match &e {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) | AppError::Refused(..) => StatusCode::CONFLICT,
        _ => return Err(e),
    };
    let notice = match &e {
        AppError::Invalid(errors) => errors
            .0
            .iter()
            .map(|f| f.message(c.lang))
            .collect::<Vec<_>>()
            .join(" "),
        _ => e.message(c.lang),
    };
    let p = field_of(state, scope, c, notice, None).await?;
    Ok((status, render(&p)?).into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct StepForm {
    step: String,
    code: String,
    note: String,
}

async fn field_step(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<StepForm>,
) -> Result<Response, AppError> {
    let Some(step) = Step::parse(&f.step) else {
        return field_refused(&state, &scope, c, AppError::invalid("step", "err-leg-step")).await;
    };
    let input = StepInput {
        step,
        code: f.code,
        note: f.note,
    };
    match field::step(&state.db, &scope, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/field#leg-{id}")).into_response()),
        Err(e) => field_refused(&state, &scope, c, e).await,
    }
}

/// The recipient, opened on the page itself (never in an address).
async fn field_reveal(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(_): HtmlForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    match field::reveal(&state.db, &scope, id).await {
        Ok(r) => Ok(
            render(&field_of(&state, &scope, c, String::new(), Some((id, r))).await?)?
                .into_response(),
        ),
        Err(e) => field_refused(&state, &scope, c, e).await,
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct DebriefForm {
    text: String,
}

async fn field_debrief(
    State(state): State<AppState>,
    scope: Scope,
    c: Chrome,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<DebriefForm>,
) -> Result<Response, AppError> {
    match field::debrief(&state.db, &scope, id, &Debrief { text: f.text }).await {
        Ok(_) => Ok(Redirect::to(&format!("/field#leg-{id}")).into_response()),
        Err(e) => field_refused(&state, &scope, c, e).await,
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
