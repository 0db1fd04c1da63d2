//! Needs: kinds, urgency, what a new one must carry, and how one is shown
//! (contact phone and address masked). No IO.

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::orgs::model::division_name;
use crate::web::error::{FieldError, Invalid};

crate::stored_enum! {
    /// What is needed.
    pub enum NeedKind {
        Food,
        Medicine,
        Medical,
        Ppe,
        Care,
        Transport,
        Other,
    }
}

crate::stored_enum! {
    /// How soon: critical is life or health at stake now (a birth, no
    /// insulin), urgent is today (no food left), normal is within days.
    pub enum Urgency {
        Normal,
        Urgent,
        Critical,
    }
}

crate::stored_enum! {
    /// Where a need is in its life: `new` → `verifying` → `verified` →
    /// `matched` → `in_progress` → `delivered` → `closed`, or out at the side
    /// as `duplicate` (merged into another), `rejected` or `cancelled`.
    pub enum NeedStatus {
        New,
        Verifying,
        Verified,
        Matched,
        InProgress,
        Delivered,
        Closed,
        Duplicate,
        Rejected,
        Cancelled,
    }
}

impl NeedStatus {
    /// Still being worked on (the escalation flag may stand on it).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            NeedStatus::Closed
                | NeedStatus::Duplicate
                | NeedStatus::Rejected
                | NeedStatus::Cancelled
        )
    }

    /// Where a person may move a need from here. `matched`, `in_progress`
    /// and `delivered` are recorded by hand until dispatch drives them;
    /// `duplicate` is reached only by merging.
    pub fn next(self) -> &'static [NeedStatus] {
        use NeedStatus::*;
        match self {
            New => &[Verifying, Verified, Rejected, Cancelled],
            // A call that did not reach the resident puts it back.
            Verifying => &[Verified, New, Rejected, Cancelled],
            Verified => &[Matched, Rejected, Cancelled],
            Matched => &[InProgress, Delivered, Verified, Cancelled],
            InProgress => &[Delivered, Cancelled],
            Delivered => &[Closed],
            Closed | Duplicate | Rejected | Cancelled => &[],
        }
    }

    /// Moving here needs a reason: why it was refused or called off.
    pub fn needs_reason(self) -> bool {
        matches!(self, NeedStatus::Rejected | NeedStatus::Cancelled)
    }

    /// The event a move here writes.
    pub fn action(self) -> &'static str {
        match self {
            NeedStatus::New => "need.reopen",
            NeedStatus::Verifying => "need.verifying",
            NeedStatus::Verified => "need.verify",
            NeedStatus::Matched => "need.match",
            NeedStatus::InProgress => "need.start",
            NeedStatus::Delivered => "need.deliver",
            NeedStatus::Closed => "need.close",
            NeedStatus::Duplicate => "need.merge",
            NeedStatus::Rejected => "need.reject",
            NeedStatus::Cancelled => "need.cancel",
        }
    }

    /// The refusal of a move that `self` does not allow; its message names
    /// the state the need is in.
    pub fn refusal(self) -> &'static str {
        match self {
            NeedStatus::New => "err-need-state-new",
            NeedStatus::Verifying => "err-need-state-verifying",
            NeedStatus::Verified => "err-need-state-verified",
            NeedStatus::Matched => "err-need-state-matched",
            NeedStatus::InProgress => "err-need-state-in_progress",
            NeedStatus::Delivered => "err-need-state-delivered",
            NeedStatus::Closed => "err-need-state-closed",
            NeedStatus::Duplicate => "err-need-state-duplicate",
            NeedStatus::Rejected => "err-need-state-rejected",
            NeedStatus::Cancelled => "err-need-state-cancelled",
        }
    }
}

/// Why a step on a need was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepRefused {
    /// Not a move from the current state: the key names that state.
    State(&'static str),
    /// The step is allowed but the input is not (a reason missing).
    Invalid(Invalid),
}

/// Check moving a need from `from` to `to` with `reason` (trimmed by the
/// caller's check): the new state, or why not. No IO.
pub fn transition(
    from: NeedStatus,
    to: NeedStatus,
    reason: &str,
) -> Result<NeedStatus, StepRefused> {
    if !from.next().contains(&to) {
        return Err(StepRefused::State(from.refusal()));
    }
    let mut errors = Invalid::default();
    if to.needs_reason() {
        errors.reason("reason", reason, 500);
    } else {
        errors.optional("reason", reason, 500);
    }
    if errors.is_empty() {
        Ok(to)
    } else {
        Err(StepRefused::Invalid(errors))
    }
}

/// Check raising (`true`) or lowering the escalation flag of a need in
/// `status` that carries `escalated` now. Raising needs a reason.
pub fn escalation(
    status: NeedStatus,
    escalated: bool,
    raise: bool,
    reason: &str,
) -> Result<(), StepRefused> {
    if !status.is_open() {
        return Err(StepRefused::State(status.refusal()));
    }
    if escalated == raise {
        return Err(StepRefused::State(if raise {
            "err-need-escalated"
        } else {
            "err-need-not-escalated"
        }));
    }
    let mut errors = Invalid::default();
    if raise {
        errors.reason("reason", reason, 500);
    } else {
        errors.optional("reason", reason, 500);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StepRefused::Invalid(errors))
    }
}

/// A story's key for spotting the same story told twice: a digest of its
/// letters and digits, lower-cased (spacing, punctuation and full-width
/// forms do not count); "" for a story too short to tell apart (缺粮).
pub fn story_key(description: &str) -> String {
    use sha2::{Digest, Sha256};
    let core: String = description
        .chars()
        .map(fold_width)
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if core.chars().count() < STORY_KEY_MIN_CHARS {
        return String::new();
    }
    let digest = Sha256::digest(core.as_bytes());
    crate::hex(&digest[..8])
}

/// Stories shorter than this (in letters and digits) say too little to be
/// the same story.
pub const STORY_KEY_MIN_CHARS: usize = 8;

/// A full-width letter or digit as its ASCII form (Ｂ栋３号 = B栋3号).
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Open needs this near in time to a need of the same kind in the same
/// community look like the same need.
pub const SAME_PLACE_DAYS: i64 = 3;

/// Whole minutes from `from` to `to`, a started minute counted (the
/// dashboard's times to verify and deliver); never below zero.
pub fn minutes_between(from: OffsetDateTime, to: OffsetDateTime) -> i64 {
    ((to - from).whole_seconds().max(0) + 59) / 60
}

crate::stored_enum! {
    /// Why another need looks like the same one.
    pub enum Likeness {
        /// The same contact phone.
        Phone,
        /// The same community or village, the same kind, within 3 days.
        Place,
        /// The same story.
        Story,
    }
}

/// Whether `other` looks like `probe` and why (none: it does not).
pub fn likeness(probe: &Probe, other: &NeedRow) -> Vec<&'static str> {
    let mut why = Vec::new();
    if !probe.phone.is_empty() && probe.phone == other.contact_phone {
        why.push(Likeness::Phone.as_str());
    }
    if !probe.community.is_empty()
        && probe.community == other.division_code
        && probe.kind == other.kind
        && (probe.at - other.created_at).abs() <= time::Duration::days(SAME_PLACE_DAYS)
    {
        why.push(Likeness::Place.as_str());
    }
    if !probe.story.is_empty() && probe.story == other.story_key {
        why.push(Likeness::Story.as_str());
    }
    why
}

/// What a need is compared by when looking for its duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Stored form of the phone ("" for none).
    pub phone: String,
    /// A community's or village's code (12 digits; "" when the place was
    /// read less precisely: a street holds too many needs to say).
    pub community: String,
    pub kind: String,
    pub story: String,
    /// When it was asked (now, for one being typed).
    pub at: OffsetDateTime,
}

impl Probe {
    pub fn new(
        phone: &str,
        division: &str,
        kind: &str,
        description: &str,
        at: OffsetDateTime,
    ) -> Probe {
        Probe {
            phone: phone.to_owned(),
            community: community_of(division),
            kind: kind.to_owned(),
            story: story_key(description),
            at,
        }
    }

    /// A stored need as a probe (its story key as stored).
    pub fn of(need: &NeedRow) -> Probe {
        Probe {
            phone: need.contact_phone.clone(),
            community: community_of(&need.division_code),
            kind: need.kind.clone(),
            story: need.story_key.clone(),
            at: need.created_at,
        }
    }
}

/// A village's or community's code (12 digits), else "": a street or a
/// district holds too many needs for "the same place" to say anything.
fn community_of(division: &str) -> String {
    if division.len() == 12 {
        division.to_owned()
    } else {
        String::new()
    }
}

/// A need that looks like another, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Similar {
    pub need: Need,
    #[schema(value_type = Vec<Likeness>)]
    pub reasons: Vec<&'static str>,
}

/// A need as typed so far, to look for the same need already taken; any
/// field may be blank.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// `contact_phone` too (the hotline form's field).
    #[serde(default, alias = "contact_phone")]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub description: String,
}

/// Merging one need into another: which survives, and why.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NeedMerge {
    /// The id of the need that stays.
    pub into: i64,
    /// Optional (at most 500 chars).
    #[serde(default)]
    pub reason: String,
}

/// Check merging a need in `from` into another in `into`: both open, not
/// the same need. No IO.
pub fn merge(
    id: i64,
    from: NeedStatus,
    into_id: i64,
    into: NeedStatus,
    reason: &str,
) -> Result<(), StepRefused> {
    let mut errors = Invalid::default();
    if id == into_id {
        errors.push(FieldError::new("into", "err-need-merge-self"));
        return Err(StepRefused::Invalid(errors));
    }
    if !from.is_open() {
        return Err(StepRefused::State(from.refusal()));
    }
    if !into.is_open() {
        return Err(StepRefused::State("err-need-merge-into-closed"));
    }
    errors.optional("reason", reason, 500);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StepRefused::Invalid(errors))
    }
}

crate::stored_enum! {
    /// What a service level holds an open need to next, counted from when
    /// it was asked: being verified (new, verifying) or being delivered
    /// (verified, matched, in progress).
    pub enum Deadline {
        Verify,
        Deliver,
    }
}

impl Deadline {
    /// The statuses held to this deadline.
    pub fn statuses(self) -> &'static [NeedStatus] {
        use NeedStatus::*;
        match self {
            Deadline::Verify => &[New, Verifying],
            Deadline::Deliver => &[Verified, Matched, InProgress],
        }
    }
}

impl NeedStatus {
    /// The deadline a need here is held to (none once delivered or out).
    pub fn deadline(self) -> Option<Deadline> {
        Deadline::ALL
            .iter()
            .copied()
            .find(|d| d.statuses().contains(&self))
    }
}

/// How long a need of one urgency may wait, in minutes from when it was
/// asked, to be verified and to be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Level {
    pub verify_minutes: i64,
    pub deliver_minutes: i64,
}

/// The deployment's service levels, per urgency; an admin sets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceLevels {
    pub critical: Level,
    pub urgent: Level,
    pub normal: Level,
}

/// A level's longest wait: a month (a deadline beyond it is no deadline).
pub const LEVEL_MAX_MINUTES: i64 = 30 * 24 * 60;

impl Default for ServiceLevels {
    /// Critical verified within 15 minutes and delivered within 2 hours,
    /// urgent 1 h / 12 h, normal 24 h / 72 h.
    fn default() -> ServiceLevels {
        ServiceLevels {
            critical: Level {
                verify_minutes: 15,
                deliver_minutes: 2 * 60,
            },
            urgent: Level {
                verify_minutes: 60,
                deliver_minutes: 12 * 60,
            },
            normal: Level {
                verify_minutes: 24 * 60,
                deliver_minutes: 72 * 60,
            },
        }
    }
}

impl ServiceLevels {
    pub fn of(&self, u: Urgency) -> Level {
        match u {
            Urgency::Critical => self.critical,
            Urgency::Urgent => self.urgent,
            Urgency::Normal => self.normal,
        }
    }

    pub fn of_mut(&mut self, u: Urgency) -> &mut Level {
        match u {
            Urgency::Critical => &mut self.critical,
            Urgency::Urgent => &mut self.urgent,
            Urgency::Normal => &mut self.normal,
        }
    }

    /// Minutes of `d` for urgency `u`.
    pub fn minutes(&self, u: Urgency, d: Deadline) -> i64 {
        let l = self.of(u);
        match d {
            Deadline::Verify => l.verify_minutes,
            Deadline::Deliver => l.deliver_minutes,
        }
    }

    /// Each wait between a minute and a month, and delivering no sooner
    /// than verifying.
    pub fn check(&self) -> Result<(), crate::web::error::AppError> {
        let mut errors = Invalid::default();
        // Most urgent first, as the page lists them.
        for &u in Urgency::ALL.iter().rev() {
            let l = self.of(u);
            let (verify, deliver) = level_fields(u);
            let ok = 1..=LEVEL_MAX_MINUTES;
            if !ok.contains(&l.verify_minutes) {
                errors.push(FieldError::new(verify, "err-level-minutes"));
            }
            if !ok.contains(&l.deliver_minutes) {
                errors.push(FieldError::new(deliver, "err-level-minutes"));
            } else if ok.contains(&l.verify_minutes) && l.deliver_minutes < l.verify_minutes {
                errors.push(FieldError::new(deliver, "err-level-order"));
            }
        }
        errors.into_result()
    }

    /// The deadline a need of `urgency` in `status` asked at `asked` is
    /// held to, and when it falls.
    pub fn due(
        &self,
        urgency: &str,
        status: &str,
        asked: OffsetDateTime,
    ) -> Option<(Deadline, OffsetDateTime)> {
        let u = Urgency::parse(urgency)?;
        let d = NeedStatus::parse(status)?.deadline()?;
        Some((d, asked + time::Duration::minutes(self.minutes(u, d))))
    }
}

/// The form and error names of an urgency's two waits.
pub fn level_fields(u: Urgency) -> (&'static str, &'static str) {
    match u {
        Urgency::Critical => ("critical.verify_minutes", "critical.deliver_minutes"),
        Urgency::Urgent => ("urgent.verify_minutes", "urgent.deliver_minutes"),
        Urgency::Normal => ("normal.verify_minutes", "normal.deliver_minutes"),
    }
}

crate::stored_enum! {
    /// How a verification call went.
    pub enum CallOutcome {
        Reached,
        NoAnswer,
        Busy,
        SwitchedOff,
        EmptyNumber,
        WrongPerson,
        Refused,
        /// Reached, and asked to be called back at a time.
        CallBack,
    }
}

impl CallOutcome {
    /// The event a call with this outcome writes (`need.call.busy`…).
    pub fn action(self) -> &'static str {
        match self {
            CallOutcome::Reached => "need.call.reached",
            CallOutcome::NoAnswer => "need.call.no_answer",
            CallOutcome::Busy => "need.call.busy",
            CallOutcome::SwitchedOff => "need.call.switched_off",
            CallOutcome::EmptyNumber => "need.call.empty_number",
            CallOutcome::WrongPerson => "need.call.wrong_person",
            CallOutcome::Refused => "need.call.refused",
            CallOutcome::CallBack => "need.call.call_back",
        }
    }

    /// The person was spoken to (a failed attempt otherwise).
    pub fn reached(self) -> bool {
        matches!(self, CallOutcome::Reached | CallOutcome::CallBack)
    }
}

/// How long a call holds its need for the operator making it; after that
/// the lock runs out by itself and another may call.
pub const CALL_LOCK: time::Duration = time::Duration::minutes(10);
/// When a need not reached comes up again in the call-back queue.
pub const CALL_AGAIN: time::Duration = time::Duration::minutes(30);
/// Failed attempts after which a need is escalated.
pub const FAILED_CALLS_TO_ESCALATE: i64 = 3;

/// What an operator reports at the end of a call.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CallReport {
    #[schema(value_type = CallOutcome)]
    pub outcome: String,
    /// For call_back: when, as RFC 3339 or Beijing time as a form sends
    /// it (2021-12-23T19:00).
    pub call_back_at: String,
    /// When reached: verified or rejected ("" leaves it being verified,
    /// e.g. to call again after checking something).
    #[schema(value_type = Option<NeedStatus>)]
    pub verdict: String,
    /// Why, for rejected (at most 500 chars).
    pub reason: String,
    /// What the call said, for the next caller (at most 500 chars).
    pub note: String,
    /// Corrections heard on the call; empty keeps what was taken down.
    #[schema(value_type = Option<NeedKind>)]
    pub kind: String,
    #[schema(value_type = Option<Urgency>)]
    pub urgency: String,
    #[serde(deserialize_with = "number_or_text")]
    #[schema(value_type = Option<u32>)]
    pub people: String,
    pub description: String,
}

/// A call report, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedCall {
    pub outcome: CallOutcome,
    /// When to call again (not reached, or asked to be called back).
    pub call_back_at: Option<OffsetDateTime>,
    /// verified or rejected, when reached and decided.
    pub verdict: Option<NeedStatus>,
    pub reason: String,
    pub note: String,
    pub kind: Option<NeedKind>,
    pub urgency: Option<Urgency>,
    pub people: Option<i64>,
    pub description: Option<String>,
}

impl CallReport {
    /// Every field checked at `now`; all that is wrong named at once.
    pub fn check(&self, now: OffsetDateTime) -> Result<CheckedCall, Invalid> {
        let mut errors = Invalid::default();
        let outcome = CallOutcome::parse(self.outcome.trim());
        if outcome.is_none() {
            errors.push(FieldError::new("outcome", "err-call-outcome"));
        }
        let outcome = outcome.unwrap_or(CallOutcome::NoAnswer);
        let call_back_at = match outcome {
            CallOutcome::Reached => None,
            CallOutcome::CallBack => match parse_local_time(&self.call_back_at) {
                Some(t) if t > now => Some(t),
                _ => {
                    errors.push(FieldError::new("call_back_at", "err-call-back-at"));
                    None
                }
            },
            _ => Some(now + CALL_AGAIN),
        };
        let verdict = match (outcome, self.verdict.trim()) {
            (_, "") => None,
            (CallOutcome::Reached, "verified") => Some(NeedStatus::Verified),
            (CallOutcome::Reached, "rejected") => Some(NeedStatus::Rejected),
            _ => {
                errors.push(FieldError::new("verdict", "err-call-verdict"));
                None
            }
        };
        if verdict == Some(NeedStatus::Rejected) {
            errors.reason("reason", &self.reason, 500);
        } else {
            errors.optional("reason", &self.reason, 500);
        }
        errors.optional("note", &self.note, 500);
        let kind = match self.kind.trim() {
            "" => None,
            k => NeedKind::parse(k).or_else(|| {
                errors.push(FieldError::new("kind", "err-need-kind"));
                None
            }),
        };
        let urgency = match self.urgency.trim() {
            "" => None,
            u => Urgency::parse(u).or_else(|| {
                errors.push(FieldError::new("urgency", "err-urgency"));
                None
            }),
        };
        let people = match self.people.trim() {
            "" => None,
            p => match p.parse::<i64>().ok().filter(|n| (1..=100_000).contains(n)) {
                Some(n) => Some(n),
                None => {
                    errors.push(FieldError::new("people", "err-people"));
                    None
                }
            },
        };
        let description = if self.description.trim().is_empty() {
            None
        } else {
            errors.optional("description", &self.description, 2000);
            Some(self.description.trim().to_owned())
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CheckedCall {
            outcome,
            call_back_at,
            verdict,
            reason: self.reason.trim().to_owned(),
            note: self.note.trim().to_owned(),
            kind,
            urgency,
            people,
            description,
        })
    }
}

/// A time as RFC 3339, or as a browser's datetime-local sends it
/// (2021-12-23T19:00, read as Beijing time: the deployment's people).
pub fn parse_local_time(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let local = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    time::PrimitiveDateTime::parse(s, &local)
        .ok()
        .map(|t| t.assume_offset(time::macros::offset!(+8)))
}

/// Needs on one page of the board.
pub const BOARD_PAGE: i64 = 100;

/// The board's filters, as a query string carries them; every one
/// optional. Nothing is hidden without saying: the board counts what the
/// filters leave.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct BoardFilter {
    /// open (the default: not closed, merged, rejected or cancelled), all,
    /// or one status.
    pub status: String,
    pub kind: String,
    pub urgency: String,
    pub channel: String,
    /// "true": escalated needs only.
    pub escalated: String,
    /// A division code: needs held inside it.
    pub within: String,
    /// A vulnerable tag: needs carrying it.
    pub vulnerable: String,
    /// A reference or a phone number (matched, never shown).
    pub q: String,
    /// urgency (the default: escalated, then most urgent, newest) or
    /// waiting (longest waiting first).
    pub sort: String,
    /// From 1.
    pub page: String,
}

/// A board filter, checked: `""` where a filter is not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedFilter {
    /// `Some(list)` of statuses to show.
    pub statuses: Vec<&'static str>,
    pub kind: &'static str,
    pub urgency: &'static str,
    pub channel: &'static str,
    pub vulnerable: &'static str,
    pub escalated: bool,
    pub within: String,
    /// A reference, or a normalised phone (one of the two, or neither).
    pub reference: String,
    pub phone: String,
    pub by_waiting: bool,
    pub page: i64,
}

impl BoardFilter {
    pub fn check(&self) -> Result<CheckedFilter, Invalid> {
        let mut errors = Invalid::default();
        let statuses: Vec<&'static str> = match self.status.trim() {
            "" | "open" => NeedStatus::ALL
                .iter()
                .filter(|s| s.is_open())
                .map(|s| s.as_str())
                .collect(),
            "all" => NeedStatus::ALL.iter().map(|s| s.as_str()).collect(),
            s => match NeedStatus::parse(s) {
                Some(s) => vec![s.as_str()],
                None => {
                    errors.push(FieldError::new("status", "err-need-status"));
                    Vec::new()
                }
            },
        };
        let mut word = |field: &'static str, v: &str, parse: fn(&str) -> Option<&'static str>| {
            match v.trim() {
                "" => "",
                v => parse(v).unwrap_or_else(|| {
                    errors.push(FieldError::new(field, "err-filter"));
                    ""
                }),
            }
        };
        let kind = word("kind", &self.kind, |v| {
            NeedKind::parse(v).map(NeedKind::as_str)
        });
        let urgency = word("urgency", &self.urgency, |v| {
            Urgency::parse(v).map(Urgency::as_str)
        });
        let channel = word("channel", &self.channel, |v| {
            Channel::parse(v).map(Channel::as_str)
        });
        let vulnerable = word("vulnerable", &self.vulnerable, |v| {
            Vulnerable::parse(v).map(Vulnerable::as_str)
        });
        let within = self.within.trim();
        if !within.is_empty() && divisions::Tree::china().find(within).is_none() {
            errors.push(FieldError::new("within", "err-division"));
        }
        errors.optional("q", &self.q, 40);
        let q = self.q.trim();
        let (reference, phone) = match (parse_reference(q), crate::phone::normalize(q)) {
            _ if q.is_empty() => (String::new(), String::new()),
            (_, Some(phone)) => (String::new(), phone),
            (Some(r), None) => (r, String::new()),
            (None, None) => {
                errors.push(FieldError::new("q", "err-board-q"));
                (String::new(), String::new())
            }
        };
        let by_waiting = match self.sort.trim() {
            "" | "urgency" => false,
            "waiting" => true,
            _ => {
                errors.push(FieldError::new("sort", "err-filter"));
                false
            }
        };
        let escalated = match self.escalated.trim() {
            "" => false,
            "true" => true,
            _ => {
                errors.push(FieldError::new("escalated", "err-filter"));
                false
            }
        };
        let page = match self.page.trim() {
            "" => 1,
            p => p
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .unwrap_or_else(|| {
                    errors.push(FieldError::new("page", "err-limit"));
                    1
                }),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CheckedFilter {
            statuses,
            kind,
            urgency,
            channel,
            vulnerable,
            escalated,
            within: within.to_owned(),
            reference,
            phone,
            by_waiting,
            page,
        })
    }
}

/// Actions a resident's tracking page shows, each in plain words
/// (`track-need-create`…): what happened, never who did it.
pub const TRACKED: &[&str] = &[
    "need.create",
    "need.verifying",
    "need.reopen",
    "need.verify",
    "need.appeal",
    "need.supplied",
    "need.match",
    "need.dispatch",
    "need.start",
    "need.handoff",
    "need.received",
    "need.deliver",
    "need.close",
    "need.merge",
    "need.reject",
    "need.cancel",
];

/// A move a person asks for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NeedTransition {
    /// The state to move to: one of the current state's next states.
    #[schema(value_type = NeedStatus)]
    pub to: String,
    /// Why; required for rejected and cancelled (at most 500 chars).
    #[serde(default)]
    pub reason: String,
}

/// One entry of a need's timeline (staff view): what happened, when, by
/// whom, why. Events hold no personal data, so neither does this.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct TimelineEntry {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// e.g. need.create, need.verify, field.reveal.
    pub action: String,
    pub actor_name: String,
    pub reason: String,
}

/// Raising or lowering a need's escalation flag.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NeedEscalation {
    pub escalated: bool,
    /// Why; required to raise (at most 500 chars).
    #[serde(default)]
    pub reason: String,
}

crate::stored_enum! {
    /// Who among the people a need serves is at particular risk: triage
    /// puts these first, and the dashboard counts them.
    pub enum Vulnerable {
        ElderlyAlone,
        Disabled,
        Pregnant,
        Child,
        ChronicIllness,
        Dialysis,
        DomesticViolence,
    }
}

impl Vulnerable {
    /// A tag as a list writes it: its code or its Chinese name.
    pub fn read(word: &str) -> Option<Vulnerable> {
        Vulnerable::parse(word).or(match word {
            "独居老人" | "独居" | "空巢老人" => Some(Vulnerable::ElderlyAlone),
            "残疾" | "残疾人" | "失能" => Some(Vulnerable::Disabled),
            "孕妇" | "孕产妇" | "待产" => Some(Vulnerable::Pregnant),
            "儿童" | "婴幼儿" | "留守儿童" => Some(Vulnerable::Child),
            "慢性病" | "慢病" => Some(Vulnerable::ChronicIllness),
            "透析" | "血透" => Some(Vulnerable::Dialysis),
            "家暴" | "家庭暴力" => Some(Vulnerable::DomesticViolence),
            _ => None,
        })
    }
}

/// Tags as sent: a list (JSON, checkboxes) or one text of them separated
/// by commas, 、 or spaces (a list's cell). Read by `check_fields`.
pub(crate) fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Many(Vec<String>),
        One(String),
        Nothing(()),
    }
    Ok(match Either::deserialize(d)? {
        Either::Many(v) => v,
        Either::One(s) => split_tags(&s),
        Either::Nothing(()) => Vec::new(),
    })
}

/// One text of tags split into its words.
pub fn split_tags(s: &str) -> Vec<String> {
    s.split(|c: char| matches!(c, ',' | '，' | '、' | ';' | '；' | '/') || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Stored tags: `,dialysis,elderly_alone,` (sorted, so a filter is a LIKE
/// on `,tag,`), or "" for none.
pub fn stored_tags(tags: &[Vulnerable]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let mut words: Vec<&str> = tags.iter().map(|t| t.as_str()).collect();
    words.sort_unstable();
    words.dedup();
    format!(",{},", words.join(","))
}

crate::stored_enum! {
    /// How a need came in: taken down by the hotline, sent by the person
    /// asking through the public form, in a list an office imported, or
    /// raised on schedule for a care recipient.
    pub enum Channel {
        Hotline,
        Public,
        Import,
        /// Raised on schedule from a care recipient's routine.
        Care,
    }
}

/// The alphabet of references: Crockford's base 32, which has no I, L, O
/// or U, so that one read out on a bad line is written down right (an O
/// written for 0, or an I or L for 1, is read as meant).
const REFERENCE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new reference: ten chars of 32 (50 bits, unguessable; a collision
/// among a million needs is a one-in-two-thousand chance, and is retried).
pub fn new_reference() -> String {
    let mut bits = rand::random::<u64>();
    (0..10)
        .map(|_| {
            let c = REFERENCE_ALPHABET[(bits & 31) as usize];
            bits >>= 5;
            char::from(c)
        })
        .collect()
}

/// A reference as people write it back: case, spaces and dashes do not
/// matter. `None` when it cannot be one.
pub fn parse_reference(s: &str) -> Option<String> {
    let r: String = s
        .chars()
        // Full-width letters and digits (a Chinese keyboard's) as ASCII.
        .map(fold_width)
        // Any dash a phone or a keyboard makes: - ‐ ‑ ‒ – — − －.
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    (r.len() == 10 && r.bytes().all(|b| REFERENCE_ALPHABET.contains(&b))).then_some(r)
}

/// A need as a hotline operator takes it down. A field left out is an
/// empty one: the check names it, in the caller's language.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewNeed {
    #[schema(value_type = NeedKind)]
    pub kind: String,
    /// normal (the default), urgent or critical.
    #[serde(default)]
    #[schema(value_type = Option<Urgency>)]
    pub urgency: String,
    /// How many people it serves (1–100,000): a number, or its text from
    /// a form.
    #[serde(default, deserialize_with = "number_or_text")]
    #[schema(value_type = u32)]
    pub people: String,
    /// The story, as the caller tells it (at most 2,000 chars).
    pub description: String,
    pub contact_name: String,
    /// A mainland mobile or landline number.
    pub contact_phone: String,
    /// As the caller says it (at most 500 chars): the community is read
    /// from it.
    pub address: String,
    /// Who is at particular risk: elderly_alone, disabled, pregnant,
    /// child, chronic_illness, dialysis, domestic_violence.
    #[serde(default, deserialize_with = "tags")]
    #[schema(value_type = Vec<Vulnerable>)]
    pub vulnerable: Vec<String>,
    /// Made by the client once per need (8–64 letters, digits, - or _): a
    /// retried submission with the same key finds the first and adds
    /// nothing.
    pub idempotency_key: String,
}

/// A JSON number or a form's text, as text.
pub(crate) fn number_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    // Any number or none: the check, not the parser, says what is wrong.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Whole(i64),
        Number(f64),
        Text(String),
        Nothing(()),
    }
    Ok(match Either::deserialize(d)? {
        Either::Whole(n) => n.to_string(),
        Either::Number(n) => n.to_string(),
        Either::Text(s) => s,
        Either::Nothing(()) => String::new(),
    })
}

/// A new need's fields, checked and normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedNeed {
    pub kind: NeedKind,
    /// Stored form (`stored_tags`).
    pub vulnerable: String,
    pub urgency: Urgency,
    pub people: i64,
    pub description: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub idempotency_key: String,
}

impl NewNeed {
    /// Whether the form carries this vulnerable tag (to keep a box ticked).
    pub fn has_tag(&self, tag: &str) -> bool {
        self.vulnerable.iter().any(|t| t == tag)
    }

    /// Every field checked; all that is wrong is named at once.
    pub fn validate(&self) -> Result<CheckedNeed, Invalid> {
        let key = self.idempotency_key.trim();
        let key_ok = (8..=64).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let checked = self.check_fields();
        let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
        if !key_ok {
            errors.push(FieldError::new("idempotency_key", "err-idempotency-key"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        checked.map(|c| CheckedNeed {
            idempotency_key: key.to_owned(),
            ..c
        })
    }

    /// The need's own fields checked (not its idempotency key, which an
    /// import makes from them).
    pub fn check_fields(&self) -> Result<CheckedNeed, Invalid> {
        let mut errors = Invalid::default();
        let kind = NeedKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new("kind", "err-need-kind"));
        }
        let urgency = match self.urgency.trim() {
            "" => Some(Urgency::Normal),
            u => Urgency::parse(u),
        };
        if urgency.is_none() {
            errors.push(FieldError::new("urgency", "err-urgency"));
        }
        let people = self
            .people
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100_000).contains(n));
        if people.is_none() {
            errors.push(FieldError::new("people", "err-people"));
        }
        errors.text("description", &self.description, 2000);
        errors.text("contact_name", &self.contact_name, 20);
        let phone = crate::phone::normalize(&self.contact_phone);
        if phone.is_none() {
            errors.push(FieldError::new("contact_phone", "err-phone"));
        }
        errors.text("address", &self.address, 500);
        let mut vulnerable = Vec::new();
        for word in &self.vulnerable {
            match Vulnerable::read(word.trim()) {
                Some(t) => vulnerable.push(t),
                None => {
                    errors.push(FieldError::new("vulnerable", "err-vulnerable"));
                    break;
                }
            }
        }
        if self.vulnerable.len() > 20 {
            errors.push(FieldError::new("vulnerable", "err-vulnerable"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CheckedNeed {
            vulnerable: stored_tags(&vulnerable),
            kind: kind.unwrap_or(NeedKind::Other),
            urgency: urgency.unwrap_or(Urgency::Normal),
            people: people.unwrap_or(1),
            description: self.description.trim().to_owned(),
            contact_name: self.contact_name.trim().to_owned(),
            contact_phone: phone.unwrap_or_default(),
            address: self.address.trim().to_owned(),
            idempotency_key: String::new(),
        })
    }
}

/// Who holds a need whose address was read as `division` ("" for
/// nothing), taken by someone working in `jurisdiction`: the division
/// read if it lies inside the jurisdiction; the jurisdiction if the
/// address said less than that (陕西省… to a Xi'an office: it stays
/// there, nothing is dropped); `None` if the address lies elsewhere.
pub fn holder(division: &str, jurisdiction: &str) -> Option<String> {
    if divisions::code_within(division, jurisdiction) {
        Some(division.to_owned())
    } else if divisions::code_within(jurisdiction, division) {
        Some(jurisdiction.to_owned())
    } else {
        None
    }
}

/// The full name of the division an address was read as ("" for none).
pub fn read_as(division_code: &str) -> String {
    if division_code.is_empty() {
        String::new()
    } else {
        division_name(division_code)
    }
}

/// The address as the board shows it before a reveal: the name of the
/// division it was read as (`read_as`: public knowledge), the rest hidden.
pub fn mask_address(address: &str, read_as: &str) -> String {
    match (address.is_empty(), read_as.is_empty()) {
        (true, _) => String::new(),
        (false, true) => "****".to_owned(),
        (false, false) => format!("{read_as} ****"),
    }
}

/// A need as stored. Contact phone and address are personal data: they
/// leave the store only masked ([`NeedRow::masked`]) unless revealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NeedRow {
    pub id: i64,
    pub reference: Option<String>,
    pub channel: String,
    pub kind: String,
    pub urgency: String,
    pub vulnerable: String,
    pub people: i64,
    pub description: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub division_code: String,
    pub by_jurisdiction: bool,
    pub jurisdiction_code: String,
    pub status: String,
    pub escalated: bool,
    pub locked_by: Option<i64>,
    pub locked_by_name: Option<String>,
    pub locked_until: Option<OffsetDateTime>,
    pub call_back_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub story_key: String,
    pub merged_into: Option<i64>,
}

/// A name as those who only watch see it: its first character, the rest
/// starred (王书记 → 王**).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// A need as the API and pages show it: phone and address masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Need {
    pub id: i64,
    /// What the person who asked holds to follow the need ("" for needs
    /// from before references).
    pub reference: String,
    #[schema(value_type = Channel)]
    pub channel: String,
    #[schema(value_type = NeedKind)]
    pub kind: String,
    #[schema(value_type = Urgency)]
    pub urgency: String,
    /// Who is at particular risk (see `Vulnerable`).
    #[schema(value_type = Vec<Vulnerable>)]
    pub vulnerable: Vec<String>,
    pub people: i64,
    pub description: String,
    pub contact_name: String,
    /// Masked, e.g. 138****8000; reveal with POST /api/needs/{id}/reveal.
    pub contact_phone: String,
    /// Masked: the division it was read as, the rest hidden.
    pub address: String,
    /// The division read from the address ("" when it named none).
    pub division_code: String,
    /// Its full name, e.g. 陕西省西安市鄠邑区涝店街道龙窝村委会.
    pub division_name: String,
    /// The name fits places far apart and the recorder's jurisdiction
    /// chose the nearest: worth a check on the phone.
    pub by_jurisdiction: bool,
    /// Who holds the need: the division read, or the recorder's
    /// jurisdiction when the address said less.
    pub jurisdiction_code: String,
    #[schema(value_type = NeedStatus)]
    pub status: String,
    /// Raised by hand or past its service level: on top of the board.
    pub escalated: bool,
    /// What the need's service level holds it to now (verify or deliver;
    /// none once delivered or out), when that falls, and how many whole
    /// minutes past it the need is (0 while on time).
    #[schema(value_type = Option<Deadline>)]
    pub deadline: Option<&'static str>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<OffsetDateTime>,
    pub late_minutes: i64,
    /// The need this one was merged into (status duplicate).
    pub merged_into: Option<i64>,
    /// Who is calling the resident now ("" when nobody), and until when
    /// the call holds the need.
    pub locked_by_name: String,
    /// The account of that caller.
    pub locked_by: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub locked_until: Option<OffsetDateTime>,
    /// When to call again (the call-back queue), if a call did not settle it.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub call_back_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl NeedRow {
    /// The account whose call holds the need at `now`, if any.
    pub fn locked_at(&self, now: OffsetDateTime) -> Option<i64> {
        self.locked_by
            .filter(|_| self.locked_until.is_some_and(|until| until > now))
    }

    pub fn masked(self) -> Need {
        let name = read_as(&self.division_code);
        let locked = self.locked_at(crate::db::now()).is_some();
        Need {
            locked_by_name: if locked {
                self.locked_by_name.clone().unwrap_or_default()
            } else {
                String::new()
            },
            locked_by: self.locked_by.filter(|_| locked),
            locked_until: self.locked_until.filter(|_| locked),
            call_back_at: self.call_back_at,
            id: self.id,
            reference: self.reference.unwrap_or_default(),
            contact_phone: crate::phone::mask(&self.contact_phone),
            address: mask_address(&self.address, &name),
            division_name: name,
            channel: self.channel,
            kind: self.kind,
            urgency: self.urgency,
            vulnerable: self
                .vulnerable
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            people: self.people,
            description: self.description,
            contact_name: self.contact_name,
            division_code: self.division_code,
            by_jurisdiction: self.by_jurisdiction,
            jurisdiction_code: self.jurisdiction_code,
            status: self.status,
            escalated: self.escalated,
            deadline: None,
            due_at: None,
            late_minutes: 0,
            merged_into: self.merged_into,
            created_at: self.created_at,
        }
    }
}

impl Need {
    /// The need with its deadline under `levels` as of `now`.
    pub fn timed(mut self, levels: &ServiceLevels, now: OffsetDateTime) -> Need {
        if let Some((d, at)) = levels.due(&self.urgency, &self.status, self.created_at) {
            self.deadline = Some(d.as_str());
            self.due_at = Some(at);
            // Late by any part of a minute is a minute late.
            let late = (now - at).whole_seconds();
            self.late_minutes = if late > 0 { (late + 59) / 60 } else { 0 };
        }
        self
    }
}

/// What the person who asked sees of their need by its reference: where
/// it stands, never a personal field.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicNeed {
    /// For reading its events; never shown.
    pub id: i64,
    pub reference: String,
    pub kind: String,
    pub urgency: String,
    pub status: String,
    pub division_code: String,
    pub created_at: OffsetDateTime,
    /// The need this one was merged into, if it was.
    pub merged_into: Option<i64>,
}

impl PublicNeed {
    /// The division the need is with ("" when the address named none).
    pub fn division_name(&self) -> String {
        read_as(&self.division_code)
    }
}

/// A personal field of a need to show in the clear, and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NeedReveal {
    /// contact_phone or address.
    pub field: String,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_need_moves_only_to_its_next_states_and_says_where_it_is() {
        for &from in NeedStatus::ALL {
            for &to in NeedStatus::ALL {
                let r = transition(from, to, "居民来电说明情况");
                if from.next().contains(&to) {
                    assert_eq!(r, Ok(to), "{from:?} → {to:?}");
                } else {
                    let key = format!("err-need-state-{}", from.as_str());
                    assert_eq!(r, Err(StepRefused::State(key.leak())), "{from:?} → {to:?}");
                }
            }
        }
        // The way through, and no way out of an end.
        let path = [
            NeedStatus::Verifying,
            NeedStatus::Verified,
            NeedStatus::Matched,
            NeedStatus::InProgress,
            NeedStatus::Delivered,
            NeedStatus::Closed,
        ];
        let mut at = NeedStatus::New;
        for to in path {
            at = transition(at, to, "").unwrap();
        }
        for end in [
            NeedStatus::Closed,
            NeedStatus::Duplicate,
            NeedStatus::Rejected,
            NeedStatus::Cancelled,
        ] {
            assert!(end.next().is_empty() && !end.is_open(), "{end:?}");
        }
        // Only a merge makes a duplicate.
        assert!(
            NeedStatus::ALL
                .iter()
                .all(|s| !s.next().contains(&NeedStatus::Duplicate))
        );
    }

    #[test]
    fn refusing_or_calling_off_a_need_takes_a_reason() {
        for to in [NeedStatus::Rejected, NeedStatus::Cancelled] {
            for blank in ["", "  ", ".", "\u{200B}"] {
                let Err(StepRefused::Invalid(e)) = transition(NeedStatus::New, to, blank) else {
                    panic!("{to:?} with {blank:?}");
                };
                assert_eq!(e.key_for("reason"), Some("err-reason-short"));
            }
            assert_eq!(transition(NeedStatus::New, to, "重复登记"), Ok(to));
        }
        let Err(StepRefused::Invalid(e)) = transition(NeedStatus::New, NeedStatus::Verified, "\0")
        else {
            panic!("a NUL in a reason");
        };
        assert_eq!(e.key_for("reason"), Some("err-control-chars"));
    }

    #[test]
    fn only_an_open_need_is_escalated_and_only_once() {
        assert_eq!(
            escalation(NeedStatus::New, false, true, "已超时两小时"),
            Ok(())
        );
        assert_eq!(
            escalation(NeedStatus::New, true, true, "已超时两小时"),
            Err(StepRefused::State("err-need-escalated"))
        );
        assert_eq!(
            escalation(NeedStatus::Verified, false, false, ""),
            Err(StepRefused::State("err-need-not-escalated"))
        );
        assert_eq!(escalation(NeedStatus::Verified, true, false, ""), Ok(()));
        assert_eq!(
            escalation(NeedStatus::Closed, false, true, "已超时两小时"),
            Err(StepRefused::State("err-need-state-closed"))
        );
        assert!(matches!(
            escalation(NeedStatus::New, false, true, ""),
            Err(StepRefused::Invalid(_))
        ));
    }

    #[test]
    fn every_bad_field_is_named() {
        let e = NewNeed::default().validate().unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            [
                "kind",
                "people",
                "description",
                "contact_name",
                "contact_phone",
                "address",
                "idempotency_key"
            ]
        );
        let ok = NewNeed {
            kind: "food".into(),
            urgency: String::new(),
            people: " 3 ".into(),
            description: "家中三口人，米面已断两天".into(),
            contact_name: "张师傅".into(),
            contact_phone: "138 0000 8000".into(),
            address: "鄠邑区龙窝村".into(),
            vulnerable: vec!["透析".into(), "elderly_alone".into(), "透析".into()],
            idempotency_key: "hotline-0001".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(
            (ok.urgency, ok.people, ok.contact_phone.as_str()),
            (Urgency::Normal, 3, "13800008000")
        );
        // Tags by code or Chinese name, stored once each, sorted.
        assert_eq!(ok.vulnerable, ",dialysis,elderly_alone,");
        let tagged: NewNeed =
            serde_json::from_str(r#"{"vulnerable": "独居老人、慢性病"}"#).unwrap();
        assert_eq!(tagged.vulnerable, ["独居老人", "慢性病"]);
        let wrong = NewNeed {
            vulnerable: vec!["rich".into()],
            ..NewNeed::default()
        };
        assert_eq!(
            wrong.validate().unwrap_err().key_for("vulnerable"),
            Some("err-vulnerable")
        );
        // Any JSON number or none: a field error, not a parser's.
        for json in [
            r#"{"people": -1}"#,
            r#"{"people": 2.5}"#,
            r#"{"people": null}"#,
        ] {
            let n: NewNeed = serde_json::from_str(json).unwrap();
            let bad = n.validate().unwrap_err();
            assert!(bad.0.iter().any(|f| f.field == "people"), "{json}");
        }
        for (people, fine) in [("0", false), ("100001", false), ("abc", false), ("1", true)] {
            let n = NewNeed {
                people: people.into(),
                ..NewNeed::default()
            };
            let bad = n.validate().unwrap_err();
            assert_eq!(bad.0.iter().any(|f| f.field == "people"), !fine, "{people}");
        }
    }

    #[test]
    fn every_value_has_its_words_in_both_languages() {
        use crate::web::i18n::Lang;
        let keys = NeedKind::ALL
            .iter()
            .map(|k| format!("need-kind-{}", k.as_str()))
            .chain(
                Urgency::ALL
                    .iter()
                    .map(|u| format!("urgency-{}", u.as_str())),
            )
            .chain(
                [Channel::Hotline, Channel::Public, Channel::Import]
                    .map(|c| format!("channel-{}", c.as_str())),
            )
            .chain([format!("need-status-{}", NeedStatus::New.as_str())]);
        for key in keys {
            for lang in [Lang::Zh, Lang::En] {
                assert_ne!(lang.t(&key), key, "{key} in {}", lang.code());
            }
        }
    }

    #[test]
    fn references_are_read_back_as_written() {
        let r = new_reference();
        assert_eq!(r.len(), 10);
        assert_eq!(parse_reference(&r).as_deref(), Some(r.as_str()));
        let spoken = format!(" {}-{} ", &r[..5], &r[5..]).to_lowercase();
        assert_eq!(parse_reference(&spoken).as_deref(), Some(r.as_str()));
        assert_eq!(
            parse_reference("OOOOO-IIIII").as_deref(),
            Some("0000011111")
        );
        // As a Chinese phone keyboard writes it: full-width, any dash.
        for written in [
            "４ＳＤ８Ｑ－９Ｖ９ＨＹ",
            "4sd8q—9v9hy",
            "4SD8Q–9V9HY",
            "4SD8Q−9V9HY",
        ] {
            assert_eq!(
                parse_reference(written).as_deref(),
                Some("4SD8Q9V9HY"),
                "{written}"
            );
        }
        assert_eq!(parse_reference("UUUUUUUUUU"), None);
        assert_eq!(parse_reference("ABC"), None);
    }

    #[test]
    fn a_need_is_held_where_its_address_lies() {
        // Inside the jurisdiction: the division read.
        assert_eq!(
            holder("610118011226", "6101").as_deref(),
            Some("610118011226")
        );
        // Less than the jurisdiction (陕西省…, or nothing): the office keeps it.
        assert_eq!(holder("61", "6101").as_deref(), Some("6101"));
        assert_eq!(holder("", "6101").as_deref(), Some("6101"));
        // Elsewhere: not this office's to take.
        assert_eq!(holder("420102", "6101"), None);
        // The whole country holds everything.
        assert_eq!(holder("420102", "").as_deref(), Some("420102"));
        assert_eq!(holder("", "").as_deref(), Some(""));
    }

    #[test]
    fn the_address_is_masked_to_its_division() {
        assert_eq!(
            mask_address("鄠邑区龙窝村3组12号", &read_as("610118011226")),
            "陕西省西安市鄠邑区涝店街道龙窝村委会 ****"
        );
        assert_eq!(mask_address("说不清", &read_as("")), "****");
    }
}
