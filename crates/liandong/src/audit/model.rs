//! Events: every state change and every reveal of a personal field is one
//! row. The audit view and later timelines are queries over them. No IO.

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::access::model::Scope;

/// A state change about to be recorded.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// `entity.verb`, e.g. `zone.mark`, `org.approve`, `field.reveal`.
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    /// The division the record belongs to: who may read this event.
    pub division_code: String,
    pub ip: String,
    pub reason: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl NewEvent {
    pub fn new(
        actor_id: Option<i64>,
        actor_name: &str,
        ip: &str,
        action: &'static str,
        entity: &'static str,
        entity_id: impl ToString,
        division_code: &str,
    ) -> NewEvent {
        NewEvent {
            actor_id,
            actor_name: actor_name.to_owned(),
            action,
            entity,
            entity_id: entity_id.to_string(),
            division_code: division_code.to_owned(),
            ip: ip.to_owned(),
            reason: String::new(),
            before: None,
            after: None,
        }
    }

    /// An event done by the signed-in caller.
    pub fn by(
        scope: &Scope,
        action: &'static str,
        entity: &'static str,
        entity_id: impl ToString,
        division_code: &str,
    ) -> NewEvent {
        let (id, name, ip) = (Some(scope.account_id()), scope.username(), scope.ip());
        NewEvent::new(id, name, ip, action, entity, entity_id, division_code)
    }

    /// An event done by the caller, or by the machine's operator (command
    /// line, demo loader) when there is no caller.
    pub fn by_or_system(
        scope: Option<&Scope>,
        action: &'static str,
        entity: &'static str,
        entity_id: impl ToString,
        division_code: &str,
    ) -> NewEvent {
        match scope {
            Some(s) => NewEvent::by(s, action, entity, entity_id, division_code),
            None => NewEvent::new(None, "system", "", action, entity, entity_id, division_code),
        }
    }

    pub fn reason(mut self, reason: &str) -> NewEvent {
        self.reason = reason.to_owned();
        self
    }

    pub fn before(mut self, v: impl Serialize) -> NewEvent {
        self.before = serde_json::to_value(v).ok();
        self
    }

    pub fn after(mut self, v: impl Serialize) -> NewEvent {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

/// A recorded event as the audit view shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Event {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub division_code: String,
    pub ip: String,
    pub reason: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<sqlx::types::Json<Value>>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<sqlx::types::Json<Value>>,
}

/// Filters of the audit view; all optional and combined with AND.
#[derive(Debug, Clone, Default, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Username of the actor.
    pub actor: Option<String>,
    /// Action prefix, e.g. `org` or `field.reveal`.
    pub action: Option<String>,
    /// Entity and id, e.g. `org` and `12`.
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// From this date (YYYY-MM-DD, inclusive, UTC).
    pub from: Option<String>,
    /// Until this date (YYYY-MM-DD, inclusive, UTC).
    pub to: Option<String>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<i64>,
    /// Which page of that size, newest first (from 1).
    pub page: Option<i64>,
}

/// Every action an event may carry, for finding them by their words.
pub const ACTIONS: &[&str] = &[
    "account.create",
    "account.disable",
    "account.edit",
    "account.enable",
    "account.password_change",
    "account.password_reset",
    "account.sign_in",
    "account.sign_in_failed",
    "account.sign_in_throttled",
    "account.unlock",
    "appeal.close",
    "appeal.create",
    "appeal.pledge",
    "application.accept",
    "application.ask_more",
    "application.create",
    "application.decline",
    "campaign.create",
    "care.backup",
    "care_team.create",
    "care_team.member",
    "care_team.on_call",
    "care.checkin",
    "care.create",
    "care.end",
    "care.guardian",
    "care.missed",
    "care.promote",
    "care.schedule",
    "care.schedule_end",
    "care.schedule_failed",
    "case.accept",
    "case.close",
    "case.consultation",
    "case.crisis",
    "case.crisis_unanswered",
    "case.crisis_accepted",
    "case.crisis_declined",
    "case.crisis_lapsed",
    "case.decline",
    "case.follow_up",
    "case.follow_up_done",
    "case.note",
    "case.open",
    "case.refer",
    "case.referral_overdue",
    "coalition.admit",
    "coalition.create",
    "coalition.remove",
    "depot.create",
    "field.reveal",
    "field.reveal_refused",
    "item.create",
    "need.absorb",
    "need.appeal",
    "need.call.busy",
    "need.call.call_back",
    "need.call.empty_number",
    "need.call.no_answer",
    "need.call.reached",
    "need.call.refused",
    "need.call.switched_off",
    "need.call.wrong_person",
    "need.cancel",
    "need.close",
    "need.correct",
    "need.create",
    "need.deescalate",
    "need.deliver",
    "need.dispatch",
    "need.escalate",
    "need.match",
    "need.merge",
    "need.overdue",
    "need.reject",
    "need.reopen",
    "need.start",
    "need.supplied",
    "need.verify",
    "need.verifying",
    "offer.create",
    "offer.receive",
    "offer.withdraw",
    "org.approve",
    "org.create",
    "org.reject",
    "service_levels.set",
    "stock.adjust",
    "stock.dispatch",
    "stock.receive",
    "stock.release",
    "stock.reserve",
    "task.create",
    "volunteer.create",
    "volunteer.leave",
    "working_group.create",
    "working_group.edit",
    "working_group.set_leads",
    "zone.lift",
    "zone.mark",
];

/// Where a record of `entity` is seen ("" for none).
pub fn record_link(entity: &str, id: &str) -> String {
    match entity {
        "need" => format!("/needs/{id}"),
        "org" => format!("/orgs/{id}"),
        "account" => format!("/accounts/{id}"),
        "depot" => format!("/supply/depots/{id}"),
        "offer" => format!("/supply/offers/{id}"),
        "appeal" => format!("/supply/appeals/{id}"),
        "care_recipient" => format!("/care/recipients/{id}"),
        "case" => format!("/cases/{id}"),
        _ => String::new(),
    }
}
