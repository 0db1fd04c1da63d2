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
    /// Where a leg is. Confirmation assigns; the field steps follow.
    pub enum LegStatus {
        Assigned,
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
}
