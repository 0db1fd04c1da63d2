//! Dispatch (派单): what a proposal is made of and what a confirmation
//! asks, and the rules that turn the application's rows into the matching
//! crate's problem (distance from division codes, the task a need is,
//! credentials as bits). Types and rules; no IO.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::needs::model::{NeedKind, Urgency};
use crate::training::model::{CredentialKind, Held, TaskKind};
use crate::web::error::{FieldError, Invalid};

crate::stored_enum! {
    /// Which part of the way a squad covers: depot → door outside any
    /// sealed zone; depot → the sealed zone's gate; gate → door inside it.
    pub enum LegKind {
        Whole,
        ToGate,
        Inside,
    }
}

impl LegKind {
    pub fn of(leg: matching::Leg) -> LegKind {
        match leg {
            matching::Leg::Whole => LegKind::Whole,
            matching::Leg::ToGate => LegKind::ToGate,
            matching::Leg::Inside => LegKind::Inside,
        }
    }
}

crate::stored_enum! {
    /// Why a need is left out of a proposal (the matching crate's reasons).
    pub enum Unmet {
        NoStock,
        NoSource,
        StockExhausted,
        NoSquadInZone,
        NoCredential,
        NoCandidate,
        CapacityExhausted,
        /// Its household or gate side is held (the contact rule) by a squad
        /// that cannot take it now.
        HeldByAnother,
    }
}

impl Unmet {
    pub fn of(r: matching::Reason) -> Unmet {
        use matching::Reason as R;
        match r {
            R::NoStock => Unmet::NoStock,
            R::NoSource => Unmet::NoSource,
            R::StockExhausted => Unmet::StockExhausted,
            R::NoSquadInZone => Unmet::NoSquadInZone,
            R::NoCredential => Unmet::NoCredential,
            R::NoCandidate => Unmet::NoCandidate,
            R::CapacityExhausted => Unmet::CapacityExhausted,
        }
    }
}

crate::stored_enum! {
    /// A task's life: open while its legs are under way, then done or
    /// cancelled.
    pub enum TaskStatus {
        Open,
        Done,
        Cancelled,
    }
}

crate::stored_enum! {
    /// Where a leg is. Confirmation assigns; the squad's steps follow:
    /// accepted, departed, picked up (at the depot, or inside at the gate),
    /// handed off at the gate or delivered at the door, back home. A leg
    /// declined, or cancelled with its task, is over.
    pub enum LegStatus {
        Assigned,
        Accepted,
        Departed,
        PickedUp,
        HandedOff,
        Delivered,
        Back,
        Declined,
        Cancelled,
    }
}

impl LegStatus {
    /// Work still ahead of the squad on this leg (it holds a place of the
    /// squad's capacity).
    pub fn ahead(self) -> bool {
        matches!(
            self,
            LegStatus::Assigned | LegStatus::Accepted | LegStatus::Departed | LegStatus::PickedUp
        )
    }

    /// Out of home: departed and not back.
    pub fn out(self) -> bool {
        matches!(
            self,
            LegStatus::Departed | LegStatus::PickedUp | LegStatus::HandedOff | LegStatus::Delivered
        )
    }

    /// Nothing more will happen on it.
    pub fn over(self) -> bool {
        matches!(
            self,
            LegStatus::Back | LegStatus::Declined | LegStatus::Cancelled
        )
    }
}

/// The statuses `keep` holds, as an SQL list (`('a', 'b')`): the queries
/// ask the model which legs are ahead or over rather than repeat it.
pub fn sql_set(keep: fn(LegStatus) -> bool) -> String {
    let names: Vec<String> = LegStatus::ALL
        .iter()
        .filter(|s| keep(**s))
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!("({})", names.join(", "))
}

crate::stored_enum! {
    /// A step a squad reports from the field (its phone).
    pub enum Step {
        Accept,
        Decline,
        Depart,
        PickUp,
        HandOff,
        Deliver,
        Back,
    }
}

impl Step {
    /// The status the step leads to.
    pub fn target(self) -> LegStatus {
        match self {
            Step::Accept => LegStatus::Accepted,
            Step::Decline => LegStatus::Declined,
            Step::Depart => LegStatus::Departed,
            Step::PickUp => LegStatus::PickedUp,
            Step::HandOff => LegStatus::HandedOff,
            Step::Deliver => LegStatus::Delivered,
            Step::Back => LegStatus::Back,
        }
    }

    /// Accepting or declining is the leader's word (any member's when the
    /// squad has no leader).
    pub fn leaders(self) -> bool {
        matches!(self, Step::Accept | Step::Decline)
    }
}

/// What a step depends on beyond the leg's own status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegAt {
    pub leg: LegKind,
    pub status: LegStatus,
    /// The task carries goods (else there is nothing to pick up).
    pub carries: bool,
    /// For the inside leg: the outside squad has handed off at the gate.
    pub gate_handed: bool,
    /// The office ended the task (the need sent back, called off, or
    /// marked delivered by hand): a squad out only comes home.
    pub ended: bool,
}

/// Where `step` takes a leg, or the refusal's key. The same step again
/// (a double tap, a retried request) answers the status it reached.
pub fn advance(at: LegAt, step: Step) -> Result<LegStatus, &'static str> {
    use LegStatus as S;
    let to = step.target();
    if at.status == to {
        return Ok(to);
    }
    if at.ended {
        return if step == Step::Back && at.status.out() {
            Ok(to)
        } else {
            Err("err-leg-over")
        };
    }
    let door = matches!(at.leg, LegKind::Whole | LegKind::Inside);
    let ok = match step {
        Step::Accept => at.status == S::Assigned,
        // Once out, a squad does not drop a task: the dispatcher is called.
        Step::Decline => matches!(at.status, S::Assigned | S::Accepted),
        Step::Depart => at.status == S::Accepted,
        Step::PickUp => at.carries && at.status == S::Departed,
        Step::HandOff | Step::Deliver => {
            (step == Step::HandOff) != door
                && (at.status == S::PickedUp || (!at.carries && at.status == S::Departed))
        }
        Step::Back => matches!(at.status, S::HandedOff | S::Delivered),
    };
    if !ok {
        return Err(match at.status {
            S::Declined | S::Cancelled | S::Back => "err-leg-over",
            _ => "err-leg-step",
        });
    }
    // Inside a sealed zone the goods come from the gate: not before the
    // outside squad has left them there.
    let from_gate = matches!(step, Step::PickUp | Step::Deliver);
    if at.leg == LegKind::Inside && from_gate && !at.gate_handed {
        return Err("err-leg-gate");
    }
    Ok(to)
}

/// The steps a squad may take next on a leg (what its page offers).
pub fn next_steps(at: LegAt) -> Vec<Step> {
    Step::ALL
        .iter()
        .copied()
        .filter(|&s| s.target() != at.status && advance(at, s).is_ok())
        .collect()
}

/// How long each step may take before the board raises an alarm: accept
/// within 15 minutes of the assignment, leave within 30 of accepting, be
/// at the goods within 60, at the gate or door within 90 of picking up,
/// home within 60 of the drop.
pub const STEP_LIMITS: [(LegStatus, i64); 5] = [
    (LegStatus::Assigned, 15),
    (LegStatus::Accepted, 30),
    (LegStatus::Departed, 60),
    (LegStatus::PickedUp, 90),
    (LegStatus::HandedOff, 60),
];

/// The return limit applies after a delivery as after a hand-off.
fn limit(status: LegStatus) -> Option<i64> {
    let status = if status == LegStatus::Delivered {
        LegStatus::HandedOff
    } else {
        status
    };
    STEP_LIMITS
        .iter()
        .find(|(s, _)| *s == status)
        .map(|&(_, m)| m)
}

crate::stored_enum! {
    /// What the board warns of on a leg.
    pub enum Alarm {
        /// Not accepted in time.
        NotAccepted,
        /// Accepted, not left.
        NotDeparted,
        /// Left, not at the goods.
        NotPickedUp,
        /// Carrying, not at the gate or door.
        NotDropped,
        /// Done, not home: overdue to return.
        Overdue,
    }
}

/// The alarm on a leg in `status` since `since` at `now`, with minutes
/// over its limit. `since` is None where the clock has not started (the
/// inside squad waiting for goods not yet at the gate).
pub fn alarm(
    status: LegStatus,
    since: Option<time::OffsetDateTime>,
    now: time::OffsetDateTime,
) -> Option<(Alarm, i64)> {
    let limit = limit(status)?;
    let over = (now - since?).whole_minutes() - limit;
    if over <= 0 {
        return None;
    }
    let kind = match status {
        LegStatus::Assigned => Alarm::NotAccepted,
        LegStatus::Accepted => Alarm::NotDeparted,
        LegStatus::Departed => Alarm::NotPickedUp,
        LegStatus::PickedUp => Alarm::NotDropped,
        _ => Alarm::Overdue,
    };
    Some((kind, over))
}

/// A step as a squad sends it: the code the requester read out (for a
/// delivery), a note (a decline's reason; a delivery without the code
/// says why).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct StepInput {
    pub step: Step,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub note: String,
}

/// Wrong codes before the code locks (then only the requester's own
/// confirmation, or a delivery with a reason, will do).
pub const CODE_TRIES: i64 = 5;

impl StepInput {
    /// The code as read out: digits only (full-width ones too), spaces
    /// and dashes dropped.
    pub fn code(&self) -> String {
        self.code
            .chars()
            .filter_map(|c| match c {
                '0'..='9' => Some(c),
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
                _ => None,
            })
            .collect()
    }

    /// A note is short; a decline needs one.
    pub fn check(&self) -> Result<(), crate::web::error::AppError> {
        let mut errors = Invalid::default();
        if self.step == Step::Decline {
            errors.reason("note", &self.note, 500);
        } else {
            errors.optional("note", &self.note, 500);
        }
        if self.code.chars().count() > 20 {
            errors.push(FieldError::new("code", "err-leg-code"));
        }
        errors.into_result()
    }
}

/// A delivery code: four digits, never one a person would guess first.
pub fn delivery_code() -> String {
    loop {
        let n: u16 = rand::random::<u16>() % 10_000;
        let code = format!("{n:04}");
        let b = code.as_bytes();
        let same = b.iter().all(|&d| d == b[0]);
        let run = b.windows(2).all(|w| w[1] == w[0] + 1);
        if !same && !run {
            return code;
        }
    }
}

/// A squad leader's debrief after a leg.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Debrief {
    pub text: String,
}

/// What the requester says arrived, on the tracking page or by phone.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Received {
    pub outcome: ReceivedOutcome,
    #[serde(default)]
    pub comment: String,
}

crate::stored_enum! {
    pub enum ReceivedOutcome {
        All,
        Part,
        Nothing,
    }
}

/// Metres between two places known only by their division codes: the
/// level of the longest code they share (a code inside the other counts at
/// the shorter's level). No coordinates are stored, so this is a ladder:
/// one community 300 m, one street 1.5 km, one district 6 km, one city
/// 20 km, one province 80 km; none beyond (no pair is proposed).
pub fn metres(a: &str, b: &str) -> Option<u32> {
    const LADDER: [(usize, u32); 5] = [(12, 300), (9, 1_500), (6, 6_000), (4, 20_000), (2, 80_000)];
    let shared = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    LADDER
        .iter()
        .find(|&&(level, _)| shared >= level)
        .map(|&(_, m)| m)
}

/// The task a need asks of the squad at its door.
pub fn task_kind(kind: NeedKind) -> TaskKind {
    match kind {
        NeedKind::Medical => TaskKind::MedicalEscort,
        NeedKind::Care => TaskKind::Visit,
        NeedKind::Transport => TaskKind::Driving,
        NeedKind::Food | NeedKind::Medicine | NeedKind::Ppe | NeedKind::Other => TaskKind::Deliver,
    }
}

/// A credential as the matching crate's bit.
pub fn bit(kind: CredentialKind) -> u32 {
    let at = CredentialKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default();
    1 << at
}

/// What the squad at the door of a need must hold: the task's credentials,
/// and inside a sealed zone what entering one takes.
pub fn required(task: TaskKind, sealed: bool) -> u32 {
    let mut bits = task
        .requires()
        .iter()
        .map(|k| bit(*k))
        .fold(0, |a, b| a | b);
    if sealed {
        bits |= TaskKind::SealedZoneEntry
            .requires()
            .iter()
            .map(|k| bit(*k))
            .fold(0, |a, b| a | b);
    }
    bits
}

/// What a squad holds, from its working members' credentials at `at`:
/// protective skills (PPE, first aid, disinfection) only when every member
/// has them — one without PPE puts the rest at risk — and a licence when
/// one member has it (one drives, one treats).
pub fn squad_bits(members: &[Vec<Held>], at: time::OffsetDateTime) -> u32 {
    if members.is_empty() {
        return 0;
    }
    let has =
        |held: &[Held], k: CredentialKind| held.iter().any(|h| h.kind == k && h.expires_at > at);
    CredentialKind::ALL
        .iter()
        .filter(|&&k| match k {
            CredentialKind::DrivingLicence | CredentialKind::MedicalLicence => {
                members.iter().any(|m| has(m, k))
            }
            _ => members.iter().all(|m| has(m, k)),
        })
        .map(|&k| bit(k))
        .fold(0, |a, b| a | b)
}

/// The urgency as the matching crate ranks it.
pub fn urgency(u: Urgency) -> matching::Urgency {
    match u {
        Urgency::Normal => matching::Urgency::Normal,
        Urgency::Urgent => matching::Urgency::Urgent,
        Urgency::Critical => matching::Urgency::Critical,
    }
}

/// How many candidate squads each leg keeps (the nearest): enough for a
/// real choice, few enough that a city's batch stays sparse.
pub const CANDIDATES: usize = 30;

/// The most needs one proposal takes (most urgent first); the rest wait
/// for the next.
pub const BATCH: usize = 5_000;

/// A proposal: what the matching would do with the verified needs in the
/// caller's jurisdiction now. Nothing is dispatched until a person
/// confirms (POST /api/dispatch/confirm with the lines kept).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Proposal {
    /// Verified needs considered.
    pub needs: usize,
    /// Most urgent first.
    pub tasks: Vec<ProposedTask>,
    pub unserved: Vec<UnservedNeed>,
    /// Sum of every leg's and pick's cost (metre-equivalents).
    pub cost: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposedTask {
    pub need_id: i64,
    pub reference: String,
    #[schema(value_type = NeedKind)]
    pub kind: String,
    #[schema(value_type = Urgency)]
    pub urgency: String,
    /// The need's place (community, else the jurisdiction holding it).
    pub division_code: String,
    /// Minutes since it was verified.
    pub waited_min: u32,
    /// The sealed zone the door is in (then two legs), if any.
    pub zone_id: Option<i64>,
    pub legs: Vec<ProposedLeg>,
    pub picks: Vec<ProposedPick>,
    /// Goods asked for (its appeals' lines, less what is held for it) and
    /// not found.
    pub lacking: Vec<Lacking>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposedLeg {
    pub leg: LegKind,
    pub squad_id: i64,
    pub squad_name: String,
    pub metres: u32,
    /// The urgency's weight on each metre (normal 1, urgent 2, critical 4).
    pub weight: i64,
    /// Tasks the squad holds already.
    pub workload: u32,
    pub cost: i64,
    /// The cheapest other squad for this leg.
    pub next_best: Option<NextBest>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NextBest {
    pub squad_id: i64,
    pub squad_name: String,
    pub cost: i64,
    /// Its capacity all went to other needs in this proposal.
    pub full: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposedPick {
    pub depot_id: i64,
    pub depot_name: String,
    pub item_id: i64,
    pub quantity: i64,
    pub metres: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Lacking {
    pub item_id: i64,
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnservedNeed {
    pub need_id: i64,
    pub reference: String,
    #[schema(value_type = NeedKind)]
    pub kind: String,
    #[schema(value_type = Urgency)]
    pub urgency: String,
    pub division_code: String,
    pub waited_min: u32,
    /// The leg that found no squad (none: the goods).
    pub leg: Option<LegKind>,
    pub reason: Unmet,
    /// For `held_by_another`: the squad that holds it.
    pub held_by: Option<String>,
}

/// What a coordinator confirms: the proposal's lines they keep, as shown
/// or edited (another squad on a leg, fewer goods).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Confirm {
    pub tasks: Vec<ConfirmTask>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ConfirmTask {
    pub need_id: i64,
    pub legs: Vec<ConfirmLeg>,
    #[serde(default)]
    pub picks: Vec<ConfirmPick>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ConfirmLeg {
    pub leg: LegKind,
    pub squad_id: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ConfirmPick {
    pub depot_id: i64,
    pub item_id: i64,
    pub quantity: i64,
}

/// The most tasks one confirmation makes (one transaction).
pub const CONFIRM_MAX: usize = 500;
/// The most depot lines one task takes goods from.
pub const PICKS_MAX: usize = 30;

impl Confirm {
    /// The shape a confirmation must have before anything is read: some
    /// lines, each need once, its legs once each, quantities above zero.
    /// Whether the legs fit the need (sealed or not) is checked against
    /// the need itself.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        if self.tasks.is_empty() || self.tasks.len() > CONFIRM_MAX {
            errors.push(FieldError::new("tasks", "err-dispatch-lines"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in &self.tasks {
            if !seen.insert(t.need_id) {
                errors.push(FieldError::new("tasks", "err-dispatch-twice"));
            }
            let mut legs: Vec<LegKind> = t.legs.iter().map(|l| l.leg).collect();
            legs.sort();
            legs.dedup();
            if legs.len() != t.legs.len() || t.legs.is_empty() {
                errors.push(FieldError::new("legs", "err-dispatch-legs"));
            }
            if t.picks.len() > PICKS_MAX {
                errors.push(FieldError::new("picks", "err-dispatch-picks"));
            }
            if t.picks
                .iter()
                .any(|p| p.quantity <= 0 || p.quantity > 1_000_000)
            {
                errors.push(FieldError::new("quantity", "err-quantity"));
            }
        }
        errors.dedup_by(|a, b| a.field == b.field && a.key == b.key);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(errors))
        }
    }
}

/// The legs a need's task has: two when its door is in a sealed zone.
pub fn legs_for(sealed: bool) -> &'static [LegKind] {
    if sealed {
        &[LegKind::ToGate, LegKind::Inside]
    } else {
        &[LegKind::Whole]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn metres_climb_the_division_ladder() {
        assert_eq!(metres("610113001001", "610113001001"), Some(300));
        assert_eq!(metres("610113001001", "610113001002"), Some(1_500));
        assert_eq!(
            metres("610113001", "610113001001"),
            Some(1_500),
            "a street and a community in it"
        );
        assert_eq!(metres("610113", "610113001001"), Some(6_000));
        assert_eq!(
            metres("610113001001", "610118100200"),
            Some(20_000),
            "two districts of Xi'an"
        );
        assert_eq!(
            metres("610113", "610201"),
            Some(80_000),
            "Xi'an and Tongchuan"
        );
        assert_eq!(
            metres("610113", "110101"),
            None,
            "another province: no pair"
        );
        assert_eq!(metres("", "610113"), None);
    }

    #[test]
    fn a_need_is_a_task_and_a_sealed_door_asks_for_ppe() {
        assert_eq!(task_kind(NeedKind::Food), TaskKind::Deliver);
        assert_eq!(task_kind(NeedKind::Medical), TaskKind::MedicalEscort);
        assert_eq!(required(TaskKind::Deliver, false), 0);
        assert_eq!(required(TaskKind::Deliver, true), bit(CredentialKind::Ppe));
        assert_eq!(
            required(TaskKind::MedicalEscort, true),
            bit(CredentialKind::Ppe) | bit(CredentialKind::MedicalLicence)
        );
    }

    #[test]
    fn a_squad_holds_protection_when_all_do_and_a_licence_when_one_does() {
        let at = datetime!(2026-12-07 10:00 UTC);
        let held = |kinds: &[CredentialKind]| -> Vec<Held> {
            kinds
                .iter()
                .map(|&kind| Held {
                    kind,
                    expires_at: at + time::Duration::days(30),
                })
                .collect()
        };
        let members = vec![
            held(&[CredentialKind::Ppe, CredentialKind::DrivingLicence]),
            held(&[CredentialKind::Ppe]),
            held(&[]),
        ];
        assert_eq!(
            squad_bits(&members, at),
            bit(CredentialKind::DrivingLicence)
        );
        assert_eq!(
            squad_bits(&members[..2], at),
            bit(CredentialKind::DrivingLicence) | bit(CredentialKind::Ppe)
        );
        let lapsed = vec![vec![Held {
            kind: CredentialKind::Ppe,
            expires_at: at,
        }]];
        assert_eq!(squad_bits(&lapsed, at), 0, "a lapsed credential is none");
    }

    #[test]
    fn a_confirmation_names_what_is_wrong_with_its_shape() {
        let leg = |leg, squad_id| ConfirmLeg { leg, squad_id };
        let ok = Confirm {
            tasks: vec![ConfirmTask {
                need_id: 1,
                legs: vec![leg(LegKind::Whole, 5)],
                picks: vec![],
            }],
        };
        assert!(ok.check().is_ok());
        assert!(Confirm::default().check().is_err());
        let twice = Confirm {
            tasks: vec![ok.tasks[0].clone(), ok.tasks[0].clone()],
        };
        assert_eq!(twice.check().unwrap_err().0[0].key, "err-dispatch-twice");
        let legs = Confirm {
            tasks: vec![ConfirmTask {
                need_id: 1,
                legs: vec![leg(LegKind::Inside, 5), leg(LegKind::Inside, 6)],
                picks: vec![],
            }],
        };
        assert_eq!(legs.check().unwrap_err().0[0].key, "err-dispatch-legs");
    }

    fn at(leg: LegKind, status: LegStatus) -> LegAt {
        LegAt {
            leg,
            status,
            carries: true,
            gate_handed: false,
            ended: false,
        }
    }

    #[test]
    fn a_leg_takes_its_steps_in_order_and_the_gate_before_the_door() {
        use LegStatus as S;
        let road = at(LegKind::ToGate, S::Assigned);
        assert_eq!(next_steps(road), vec![Step::Accept, Step::Decline]);
        assert_eq!(advance(road, Step::Depart), Err("err-leg-step"));
        assert_eq!(advance(road, Step::Accept), Ok(S::Accepted));
        let carrying = at(LegKind::ToGate, S::PickedUp);
        assert_eq!(
            next_steps(carrying),
            vec![Step::HandOff],
            "the road ends at the gate"
        );
        assert_eq!(advance(carrying, Step::Deliver), Err("err-leg-step"));
        // Inside: the goods are taken at the gate once they are there.
        let inside = at(LegKind::Inside, S::Departed);
        assert_eq!(advance(inside, Step::PickUp), Err("err-leg-gate"));
        let handed = LegAt {
            gate_handed: true,
            ..inside
        };
        assert_eq!(advance(handed, Step::PickUp), Ok(S::PickedUp));
        // Nothing to carry (a visit): from leaving straight to the door.
        let visit = LegAt {
            carries: false,
            ..at(LegKind::Whole, S::Departed)
        };
        assert_eq!(next_steps(visit), vec![Step::Deliver]);
        // Once out, no decline; once home, nothing.
        assert_eq!(
            advance(at(LegKind::Whole, S::Departed), Step::Decline),
            Err("err-leg-step")
        );
        assert!(next_steps(at(LegKind::Whole, S::Back)).is_empty());
        // The office ended the task: one out only comes home.
        assert_eq!(
            sql_set(LegStatus::over),
            "('back', 'declined', 'cancelled')"
        );
        let ended = LegAt {
            ended: true,
            ..at(LegKind::ToGate, S::PickedUp)
        };
        assert_eq!(next_steps(ended), vec![Step::Back]);
        assert_eq!(advance(ended, Step::HandOff), Err("err-leg-over"));
        assert_eq!(
            advance(at(LegKind::Whole, S::Cancelled), Step::Accept),
            Err("err-leg-over")
        );
        // The same step again answers where it got to.
        assert_eq!(
            advance(at(LegKind::Whole, S::Accepted), Step::Accept),
            Ok(S::Accepted)
        );
    }

    #[test]
    fn each_step_has_its_limit_and_home_is_due_an_hour_after_the_drop() {
        let t = datetime!(2021-12-23 18:10 UTC);
        let m = time::Duration::minutes;
        assert_eq!(alarm(LegStatus::Assigned, Some(t), t + m(15)), None);
        assert_eq!(
            alarm(LegStatus::Assigned, Some(t), t + m(16)),
            Some((Alarm::NotAccepted, 1))
        );
        assert_eq!(
            alarm(LegStatus::PickedUp, Some(t), t + m(100)),
            Some((Alarm::NotDropped, 10))
        );
        assert_eq!(
            alarm(LegStatus::Delivered, Some(t), t + m(61)),
            Some((Alarm::Overdue, 1))
        );
        assert_eq!(alarm(LegStatus::Back, Some(t), t + m(600)), None);
        assert_eq!(
            alarm(LegStatus::Departed, None, t + m(600)),
            None,
            "waiting for the gate"
        );
    }

    #[test]
    fn a_delivery_code_is_four_digits_never_a_run_and_read_as_typed() {
        for _ in 0..2_000 {
            let c = delivery_code();
            assert_eq!(c.len(), 4);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
            assert!(!["0000", "1111", "1234", "6789"].contains(&c.as_str()));
        }
        let typed = StepInput {
            step: Step::Deliver,
            code: " ４７-0 2 ".into(),
            note: String::new(),
        };
        assert_eq!(typed.code(), "4702");
    }
}
