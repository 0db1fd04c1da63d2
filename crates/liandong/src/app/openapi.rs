//! The OpenAPI document at /api/openapi.json (snapshot-tested).

use axum::Json;
use utoipa::OpenApi;

use crate::access::api as access;
use crate::audit::api as audit;
use crate::care::api as care;
use crate::dashboard::api as dashboard;
use crate::dispatch::api as dispatch;
use crate::divisions::api as divisions;
use crate::management::api as management;
use crate::needs::api as needs;
use crate::orgs::api as orgs;
use crate::screening::api as screening;
use crate::squads::api as squads;
use crate::supply::api as supply;
use crate::training::api as training;
use crate::volunteers::api as volunteers;

#[derive(OpenApi)]
#[openapi(
    modifiers(&Common, &Constraints),
    info(title = "Liandong 联动", description = "Coordination for community offices, social organisations and volunteers in a lockdown or disaster. Authenticate with POST /api/session (a session cookie); state-changing requests from browsers must be same-origin."),
    paths(
        access::sign_in, access::sign_out, access::me, access::change_password, access::list_accounts, access::create_account, access::account, access::edit_account, access::disable_account, access::enable_account, access::unlock_account, access::reset_password,
        divisions::search, divisions::resolve, divisions::detail, divisions::list_zones, divisions::mark_zone, divisions::lift_zone,
        orgs::list, orgs::create, orgs::detail, orgs::approve, orgs::reject, orgs::reveal, orgs::coalitions, orgs::admit, orgs::remove_member, orgs::create_group, orgs::edit_group, orgs::set_leads,
        needs::list, needs::create, needs::detail, needs::reveal, needs::set_status, needs::set_escalation, needs::timeline, needs::start_call, needs::end_call, needs::call_backs, needs::escalations, needs::service_levels, needs::set_service_levels, needs::similar, needs::similar_typed, needs::merge,
        supply::items, supply::add_item, supply::depots, supply::create_depot, supply::depot, supply::receive, supply::adjust, supply::reservations, supply::reserve, supply::dispatch, supply::release, supply::offers, supply::create_offer, supply::offer, supply::receive_offer, supply::withdraw_offer, supply::reveal_offer, supply::appeals, supply::create_appeal, supply::appeal, supply::close_appeal, supply::pledges, supply::pledge,
        dashboard::dashboard,
        dispatch::proposal, dispatch::confirm, dispatch::tasks, dispatch::task, dispatch::board, dispatch::mine, dispatch::step, dispatch::reveal, dispatch::debrief, dispatch::received,
        volunteers::campaigns, volunteers::create_campaign, volunteers::public_campaign, volunteers::apply, volunteers::public_application, volunteers::queue, volunteers::application, volunteers::reveal, volunteers::decide,
        squads::squads, squads::create, squads::squad, squads::join, squads::leave, squads::lead, squads::touch, squads::release, squads::capacity, squads::vehicles, squads::create_vehicle, squads::roster, squads::movable, squads::movement, squads::positive, squads::leave_roster, squads::trace, squads::mine, squads::availability, squads::disband, squads::recovered,
        training::trainings, training::create, training::training, training::enrol, training::attend, training::my_service, training::duty, training::seat, training::service, training::grant, training::feedback, training::anchor,
        screening::lists, screening::list, screening::subjects, screening::subject, screening::reveal, screening::worklist, screening::set_seat, screening::start_call, screening::end_call, screening::handover, screening::offer, screening::transfers, screening::answer, screening::orphans, screening::shifts, screening::add_to_shift, screening::remove_from_shift,
        management::schedules, management::set_schedule, management::start, management::managed, management::release, management::result_lists, management::unmatched, management::rematch, management::figures,
        care::coverage, care::recipients, care::create, care::recipient, care::name, care::proposals, care::checkins, care::checkin, care::reveal, care::end, care::mine,
        care::cases, care::open_case, care::case, care::note, care::follow_up_done, care::refer, care::answer, care::crises, care::answer_crisis, care::close, care::reveal_case, care::teams, care::create_team, care::add_member, care::add_shift, care::staff, care::schedules, care::add_schedule, care::end_schedule,
        audit::list, audit::export,
    ),
    tags(
        (name = "access", description = "Sign-in, accounts and roles"),
        (name = "divisions", description = "Administrative divisions and zones"),
        (name = "orgs", description = "Organisations, onboarding and the coalition"),
        (name = "needs", description = "Help requests, with the community read from the address"),
        (name = "supply", description = "Items, depots and stock, offers, appeals and pledges"),
        (name = "dispatch", description = "Proposals from the matching (most urgent first, least cost), their confirmation into tasks with legs and goods held, open tasks, the live board; a squad's legs and its steps in the field"),
        (name = "dashboard", description = "Counts, times and goods of the caller's jurisdiction"),
        (name = "volunteers", description = "Recruitment campaigns, sign-ups (public, under /public/) and vetting"),
        (name = "squads", description = "Squads that never mix (the contact rule), vehicles, volunteers' movement and the exposure trace"),
        (name = "training", description = "Training sessions and attendance, credentials with expiry, duty, service hours, feedback and resident leaders"),
        (name = "screening", description = "Screening lists (sent as files by the page or the command line), one subject per person, routed to the street that owns them"),
        (name = "care", description = "Vulnerable residents: the care registry per community, guardians and backups who can reach them, check-ins, coverage and its gaps"),
        (name = "audit", description = "Who changed or revealed what"),
    )
)]
pub struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// What every operation shares, added once rather than at each: the
/// session cookie as its security, the rejections any call can meet (401
/// without a session; 400, 415 and 422 for a body or query that cannot be
/// read), all with the project's `ErrorBody`; and operation ids made
/// unique by their tag (`needs_list`, `orgs_list`).
struct Common;

impl utoipa::Modify for Common {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
        use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "session",
                SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("liandong_session"))),
            );
        let error = |description: &str| -> RefOr<utoipa::openapi::Response> {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                )
                .build()
                .into()
        };
        for (path, item) in doc.paths.paths.iter_mut() {
            let ops = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
            ];
            for (method, op) in ops {
                let Some(op) = op.as_mut() else { continue };
                let tag = op
                    .tags
                    .as_ref()
                    .and_then(|t| t.first())
                    .cloned()
                    .unwrap_or_default();
                if let Some(id) = &op.operation_id {
                    op.operation_id = Some(format!("{tag}_{id}"));
                }
                // Signing in, and what residents and applicants reach
                // without an account (paths under /public/).
                let signing_in =
                    (path == "/api/session" && method == "post") || path.contains("/public/");
                let has_query = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let has_body = op.request_body.is_some();
                let r = &mut op.responses.responses;
                if signing_in {
                    op.security = Some(vec![SecurityRequirement::default()]);
                } else {
                    op.security = Some(vec![SecurityRequirement::new(
                        "session",
                        Vec::<String>::new(),
                    )]);
                    r.entry("401".into())
                        .or_insert_with(|| error("Not signed in"));
                }
                if has_body {
                    r.entry("400".into())
                        .or_insert_with(|| error("The body is not JSON"));
                    r.entry("413".into())
                        .or_insert_with(|| error("The body is over the size limit"));
                    r.entry("415".into())
                        .or_insert_with(|| error("The body is not application/json"));
                }
                if has_body || has_query {
                    r.entry("422".into())
                        .or_insert_with(|| error("A field is wrong; `fields` names it"));
                }
            }
        }
    }
}

/// Control characters the text check refuses: every one but tab, newline
/// and carriage return (`web::error::has_control`).
const CONTROL: &str = r"\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F";
/// What `str::trim` takes away: Unicode White_Space, written out because
/// `\s` means different things to different regex engines.
const SPACE: &str = r"\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// A rule the server checks, as the document states it.
#[derive(Clone, Copy)]
enum Rule {
    /// Free text: no control characters, at most this many chars.
    Text(usize),
    /// Text that must not be blank once trimmed; required.
    Required(usize),
    /// Exactly one of these words.
    OneOf(&'static [&'static str]),
    /// An ASCII token of these chars (a regex class body), `min..=max`
    /// long, spaces around it trimmed; required.
    Token(&'static str, usize, usize),
    /// At least 10 chars, not all digits (`access::model::check_password`).
    Password,
    /// A whole number in `min..=max`, as a JSON number or its text (forms
    /// send text); required.
    Count(usize, usize),
    /// A page size in `min..=max`.
    Limit(usize, usize),
    /// A day on the calendar as YYYY-MM-DD, or blank.
    Day,
    /// A list of the named enum's words, or one text of them separated
    /// by commas or 、 (a list's cell, a form).
    Tags(&'static str),
}

/// The days of the Gregorian calendar as YYYY-MM-DD, 29 February in leap
/// years only: what `time::Date::parse` takes, so that a schema-valid day
/// is never refused.
const DAY: &str = concat!(
    "(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])",
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))",
    "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
);

/// Request bodies' rules by schema and property. A reason is text here:
/// "two letters or digits in any script" has no regex every engine reads
/// alike, so it stays in the server's answer (422).
const BODY_RULES: &[(&str, &str, Rule)] = &[
    ("NewAccount", "username", Rule::Token("A-Za-z0-9._-", 3, 32)),
    ("NewAccount", "display_name", Rule::Required(40)),
    ("NewAccount", "password", Rule::Password),
    ("AccountEdit", "display_name", Rule::Required(40)),
    ("ChangePassword", "new_password", Rule::Password),
    ("NewNeed", "people", Rule::Count(1, 100_000)),
    ("Level", "verify_minutes", Rule::Limit(1, 43_200)),
    ("Level", "deliver_minutes", Rule::Limit(1, 43_200)),
    ("NewNeed", "description", Rule::Required(2000)),
    ("NewNeed", "contact_name", Rule::Required(20)),
    ("NewNeed", "address", Rule::Required(500)),
    ("NewNeed", "vulnerable", Rule::Tags("Vulnerable")),
    (
        "NewNeed",
        "idempotency_key",
        Rule::Token("A-Za-z0-9_-", 8, 64),
    ),
    (
        "NeedReveal",
        "field",
        Rule::OneOf(&["contact_phone", "address"]),
    ),
    ("NeedReveal", "reason", Rule::Text(200)),
    ("RevealRequest", "field", Rule::OneOf(&["contact_phone"])),
    ("RevealRequest", "reason", Rule::Text(200)),
    ("NewOrg", "name", Rule::Required(60)),
    ("NewOrg", "contact_name", Rule::Required(20)),
    ("NewOrg", "description", Rule::Text(2000)),
    ("Decision", "reason", Rule::Text(500)),
    ("NeedTransition", "reason", Rule::Text(500)),
    ("NeedEscalation", "reason", Rule::Text(500)),
    ("NeedMerge", "reason", Rule::Text(500)),
    ("CallReport", "reason", Rule::Text(500)),
    ("CallReport", "note", Rule::Text(500)),
    ("CallReport", "description", Rule::Text(2000)),
    ("NewZone", "compound", Rule::Text(60)),
    ("NewZone", "reason", Rule::Text(500)),
    ("LiftZone", "reason", Rule::Text(500)),
    ("ResolveRequest", "address", Rule::Required(500)),
    ("NewSquad", "name", Rule::Required(40)),
    ("NewVehicle", "plate", Rule::Required(12)),
    ("NewVehicle", "description", Rule::Text(100)),
    ("NewVehicle", "seats", Rule::Limit(1, 60)),
    ("ConfirmPick", "quantity", Rule::Limit(1, 1_000_000)),
    ("SetCapacity", "capacity", Rule::Limit(0, 20)),
    (
        "NewTouch",
        "kind",
        Rule::OneOf(&["vehicle", "depot", "handoff", "household", "pickup"]),
    ),
    ("Leave", "reason", Rule::Text(200)),
    ("Reason", "reason", Rule::Text(200)),
    (
        "SetMovement",
        "movement",
        Rule::OneOf(&["free", "pass", "stranded"]),
    ),
    ("SetMovement", "reason", Rule::Text(200)),
    ("Positive", "reason", Rule::Text(200)),
    ("NewTraining", "title", Rule::Required(80)),
    ("NewTraining", "place", Rule::Required(120)),
    (
        "NewTraining",
        "credential",
        Rule::OneOf(&["ppe", "first_aid", "disinfection"]),
    ),
    ("NewTraining", "capacity", Rule::Limit(1, 1000)),
    ("NewCredential", "note", Rule::Text(120)),
    ("NewFeedback", "rating", Rule::Limit(1, 5)),
    ("NewFeedback", "comment", Rule::Text(500)),
    ("Anchor", "compound", Rule::Text(60)),
    (
        "SubjectReveal",
        "field",
        Rule::OneOf(&[
            "name",
            "phone",
            "id_number",
            "residence_address",
            "registered_address",
        ]),
    ),
    ("SubjectReveal", "reason", Rule::Text(200)),
    (
        "CallEnd",
        "outcome",
        Rule::OneOf(&[
            "reached",
            "no_answer",
            "empty_number",
            "not_them",
            "moved_away",
            "never_left",
            "left_already",
            "never_at_venue",
            "roaming_error",
            "refused",
            "call_back",
        ]),
    ),
    ("CallEnd", "note", Rule::Text(500)),
    ("NewTransfer", "reason", Rule::Text(200)),
    ("TransferAnswer", "reason", Rule::Text(200)),
    ("ScheduleChange", "tests", Rule::Limit(1, 30)),
    ("ScheduleChange", "days", Rule::Limit(1, 60)),
    (
        "NewManagement",
        "level",
        Rule::OneOf(&["home_isolation", "home_monitoring", "self_monitoring"]),
    ),
    ("NewManagement", "starts_on", Rule::Day),
    ("NewOnShift", "day", Rule::Day),
    ("NewOnShift", "shift", Rule::OneOf(&["day", "evening"])),
    ("NewOnShift", "seat", Rule::Limit(1, 99)),
    (
        "NewOnShift",
        "kind",
        Rule::OneOf(&["", "staff", "volunteer"]),
    ),
    ("NewRecipient", "name", Rule::Required(40)),
    ("NewRecipient", "address", Rule::Required(200)),
    ("NewRecipient", "compound", Rule::Text(60)),
    ("NewRecipient", "notes", Rule::Text(500)),
    ("NewRecipient", "categories", Rule::Tags("CareCategory")),
    ("NewRecipient", "routine", Rule::Tags("Routine")),
    ("Naming", "role", Rule::OneOf(&["guardian", "backup"])),
    ("NewCheckin", "kind", Rule::OneOf(&["call", "visit"])),
    (
        "NewCheckin",
        "outcome",
        Rule::OneOf(&["well", "needs_help", "no_answer"]),
    ),
    ("NewCheckin", "note", Rule::Text(500)),
    (
        "CareReveal",
        "field",
        Rule::OneOf(&["phone", "address", "person_phone", "person_address"]),
    ),
    ("CareReveal", "reason", Rule::Text(200)),
    ("Ending", "reason", Rule::Text(200)),
    ("LeaveRoster", "reason", Rule::Text(200)),
    (
        "NewCase",
        "category",
        Rule::OneOf(&[
            "child_at_risk",
            "elder_at_risk",
            "childbirth",
            "domestic_violence",
            "mental_health_crisis",
            "other",
        ]),
    ),
    (
        "NewCase",
        "risk",
        Rule::OneOf(&["low", "medium", "high", "crisis"]),
    ),
    (
        "NewCase",
        "source",
        Rule::OneOf(&["need", "checkin", "call", "report"]),
    ),
    ("NewCase", "person_name", Rule::Text(40)),
    ("NewCase", "person_address", Rule::Text(200)),
    ("NewCase", "summary", Rule::Required(2000)),
    (
        "NewNote",
        "kind",
        Rule::OneOf(&["note", "follow_up", "consultation"]),
    ),
    ("NewNote", "text", Rule::Required(2000)),
    ("NewReferral", "reason", Rule::Text(500)),
    ("Answer", "reason", Rule::Text(500)),
    (
        "Closing",
        "outcome",
        Rule::OneOf(&[
            "resolved",
            "linked_to_services",
            "moved_away",
            "no_longer_reachable",
            "died",
            "other",
        ]),
    ),
    ("Closing", "note", Rule::Text(1000)),
    ("NewTeam", "name", Rule::Required(60)),
    ("NewTeam", "cohort", Rule::Text(60)),
    (
        "NewTeam",
        "cohort_kind",
        Rule::OneOf(&["", "zone", "home_isolation"]),
    ),
    ("CrisisAnswer", "reason", Rule::Text(200)),
    ("NewMember", "name", Rule::Required(40)),
    (
        "NewMember",
        "profession",
        Rule::OneOf(&[
            "doctor",
            "psychiatrist",
            "psychologist",
            "social_worker",
            "nurse",
            "lawyer",
        ]),
    ),
    ("NewMember", "based", Rule::Text(40)),
    (
        "NewSchedule",
        "kind",
        Rule::OneOf(&[
            "food",
            "medicine",
            "medical",
            "ppe",
            "care",
            "transport",
            "other",
        ]),
    ),
    ("NewSchedule", "description", Rule::Required(500)),
    ("NewSchedule", "every_days", Rule::Limit(1, 30)),
];

/// Query parameters' rules by path and name.
const QUERY_RULES: &[(&str, &str, Rule)] = &[
    ("/api/screening/shifts", "day", Rule::Day),
    ("/api/screening/figures", "from", Rule::Day),
    ("/api/screening/figures", "to", Rule::Day),
    (
        "/api/screening/managed",
        "view",
        Rule::OneOf(&["", "active", "overdue", "ready", "positive", "released"]),
    ),
    (
        "/api/volunteers",
        "movement",
        Rule::OneOf(&["", "movable", "free", "sealed_in", "pass", "stranded"]),
    ),
    ("/api/volunteers", "q", Rule::Text(20)),
    ("/api/care/recipients", "q", Rule::Text(20)),
    ("/api/care/recipients", "gaps", Rule::OneOf(&["", "yes"])),
    (
        "/api/screening/subjects",
        "kind",
        Rule::OneOf(&["", "transport", "roaming", "venue", "self_report"]),
    ),
    (
        "/api/screening/subjects",
        "routed_by",
        Rule::OneOf(&["", "residence", "registered", "split"]),
    ),
    (
        "/api/volunteers",
        "task",
        Rule::OneOf(&[
            "",
            "deliver",
            "visit",
            "sealed_zone_entry",
            "medical_escort",
            "driving",
            "disinfect",
        ]),
    ),
    (
        "/api/needs",
        "status",
        Rule::OneOf(&[
            "",
            "open",
            "all",
            "new",
            "verifying",
            "verified",
            "matched",
            "in_progress",
            "delivered",
            "closed",
            "duplicate",
            "rejected",
            "cancelled",
        ]),
    ),
    (
        "/api/needs",
        "kind",
        Rule::OneOf(&[
            "",
            "food",
            "medicine",
            "medical",
            "ppe",
            "care",
            "transport",
            "other",
        ]),
    ),
    (
        "/api/needs",
        "urgency",
        Rule::OneOf(&["", "normal", "urgent", "critical"]),
    ),
    (
        "/api/needs",
        "channel",
        Rule::OneOf(&["", "hotline", "public", "import", "care"]),
    ),
    ("/api/needs", "escalated", Rule::OneOf(&["", "true"])),
    (
        "/api/needs",
        "sort",
        Rule::OneOf(&["", "urgency", "waiting"]),
    ),
    ("/api/needs", "q", Rule::Text(40)),
    ("/api/needs/similar", "phone", Rule::Text(40)),
    ("/api/needs/similar", "address", Rule::Text(500)),
    ("/api/needs/similar", "kind", Rule::Text(20)),
    ("/api/needs/similar", "description", Rule::Text(2000)),
    ("/api/divisions", "q", Rule::Text(100)),
    ("/api/divisions", "limit", Rule::Limit(1, 200)),
    ("/api/orgs", "q", Rule::Text(60)),
    ("/api/orgs", "status", Rule::Text(20)),
    ("/api/audit", "actor", Rule::Text(100)),
    ("/api/audit", "action", Rule::Text(100)),
    ("/api/audit", "entity", Rule::Text(100)),
    ("/api/audit", "entity_id", Rule::Text(100)),
    ("/api/audit", "from", Rule::Day),
    ("/api/audit", "to", Rule::Day),
    ("/api/audit", "limit", Rule::Limit(1, 1000)),
    ("/api/audit", "page", Rule::Limit(1, 100_000)),
    ("/api/audit.csv", "actor", Rule::Text(100)),
    ("/api/audit.csv", "action", Rule::Text(100)),
    ("/api/audit.csv", "entity", Rule::Text(100)),
    ("/api/audit.csv", "entity_id", Rule::Text(100)),
    ("/api/audit.csv", "from", Rule::Day),
    ("/api/audit.csv", "to", Rule::Day),
    ("/api/audit.csv", "limit", Rule::Limit(1, 1000)),
    ("/api/audit.csv", "page", Rule::Limit(1, 100_000)),
];

impl Rule {
    /// The property's schema under this rule, keeping its description.
    fn schema(self, description: Option<String>) -> utoipa::openapi::Schema {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        let text = |max: usize| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(max))
                .description(description.clone())
        };
        let schema =
            match self {
                Rule::Text(max) => text(max).pattern(Some(format!("^[^{CONTROL}]*$"))),
                Rule::Required(max) => text(max).pattern(Some(format!(
                    "^[^{CONTROL}]*[^{SPACE}{CONTROL}][^{CONTROL}]*$"
                ))),
                Rule::OneOf(words) => ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(words.iter().copied()))
                    .description(description.clone()),
                Rule::Token(chars, min, max) => ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(format!(
                        "^[{SPACE}]*[{chars}]{{{min},{max}}}[{SPACE}]*$"
                    )))
                    .description(description.clone()),
                Rule::Password => ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(10))
                    .pattern(Some("[^0-9]".to_owned()))
                    .description(description.clone()),
                Rule::Day => ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(format!("^[{SPACE}]*{DAY}?[{SPACE}]*$")))
                    .description(description.clone()),
                Rule::Limit(min, max) => ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(min))
                    .maximum(Some(max))
                    .description(description.clone()),
                Rule::Tags(name) => {
                    return OneOfBuilder::new()
                        .item(
                            utoipa::openapi::schema::ArrayBuilder::new()
                                .items(utoipa::openapi::Ref::from_schema_name(name))
                                .max_items(Some(20)),
                        )
                        .item(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .max_length(Some(400)),
                        )
                        .description(description)
                        .into();
                }
                Rule::Count(min, max) => {
                    // Text of min..=max: the digits of 1..=100000, leading
                    // zeros and a plus sign allowed as the parse allows them.
                    assert_eq!(
                        (min, max),
                        (1, 100_000),
                        "the text pattern below is for 1..=100000"
                    );
                    return OneOfBuilder::new()
                        .item(
                            ObjectBuilder::new()
                                .schema_type(Type::Integer)
                                .minimum(Some(min))
                                .maximum(Some(max)),
                        )
                        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(
                            format!("^[{SPACE}]*\\+?0*([1-9][0-9]{{0,4}}|100000)[{SPACE}]*$"),
                        )))
                        .description(description)
                        .into();
                }
            };
        schema.into()
    }

    /// Whether a body must carry the property.
    fn required(self) -> bool {
        matches!(
            self,
            Rule::Required(_) | Rule::Token(..) | Rule::Password | Rule::Count(..) | Rule::OneOf(_)
        )
    }
}

/// The server's input rules written into the document (lengths, patterns,
/// words, ranges), so that a client, or a fuzzer, knows what is taken.
/// Whether a record named by id or code exists, or a phone number is one
/// a carrier gives out, no schema can say: those stay the server's 422.
struct Constraints;

impl utoipa::Modify for Constraints {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, Schema};
        let schemas = &mut doc.components.get_or_insert_with(Default::default).schemas;
        for &(name, property, rule) in BODY_RULES {
            let Some(RefOr::T(Schema::Object(object))) = schemas.get_mut(name) else {
                panic!("OpenAPI: no request schema {name}");
            };
            let Some(old) = object.properties.get_mut(property) else {
                panic!("OpenAPI: {name} has no property {property}");
            };
            let description = match old {
                RefOr::T(Schema::Object(o)) => o.description.clone(),
                _ => None,
            };
            *old = RefOr::T(rule.schema(description));
            if rule.required() && !object.required.iter().any(|r| r == property) {
                object.required.push(property.to_owned());
            }
        }
        for &(path, name, rule) in QUERY_RULES {
            let parameter = doc
                .paths
                .paths
                .get_mut(path)
                .and_then(|item| item.get.as_mut())
                .and_then(|op| op.parameters.as_mut())
                .and_then(|ps| {
                    ps.iter_mut().find_map(|p| match p {
                        RefOr::T(p) if p.name == name => Some(p),
                        _ => None,
                    })
                });
            let Some(parameter) = parameter else {
                panic!("OpenAPI: GET {path} has no parameter {name}");
            };
            parameter.schema = Some(RefOr::T(rule.schema(None)));
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every type the document names by its Rust name: a `ToSchema` derive
    /// or a `stored_enum!`. utoipa keeps one component per name, so a
    /// second type of the same name silently replaced the first's schema
    /// (screening's `CallStarted` and `Seat` once did the needs' and the
    /// training's, and the API fuzz caught the mismatched answers).
    #[test]
    fn no_two_schema_types_share_a_name() {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let mut armed = false;
                    for line in text.lines() {
                        let line = line.trim();
                        if line.contains("ToSchema") && line.starts_with("#[derive")
                            || line.starts_with("crate::stored_enum!")
                        {
                            armed = true;
                        } else if armed
                            && let Some(rest) = line
                                .strip_prefix("pub struct ")
                                .or_else(|| line.strip_prefix("pub enum "))
                        {
                            let name: String = rest
                                .chars()
                                .take_while(|c| c.is_alphanumeric() || *c == '_')
                                .collect();
                            out.push((name, path.display().to_string()));
                            armed = false;
                        }
                    }
                }
            }
        }
        let mut names = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut names,
        );
        names.sort();
        let twice: Vec<_> = names.windows(2).filter(|w| w[0].0 == w[1].0).collect();
        assert!(names.len() > 100, "{}", names.len());
        assert!(twice.is_empty(), "{twice:?}");
    }
}
