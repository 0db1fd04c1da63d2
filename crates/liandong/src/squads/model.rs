//! Squads (小分队): small fixed teams that never mix. The contact rule
//! (no two squads touch the same vehicle, depot, hand-off point or
//! household, nor share a person, inside the exposure window), movement
//! (能动 / 被封), and the exposure trace of a positive volunteer. Types and
//! rules; no IO.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::web::error::{FieldError, Invalid};

crate::stored_enum! {
    /// Where a squad stands: at work, stood down after an exposure (no work
    /// until a coordinator releases it), or disbanded.
    pub enum SquadStatus {
        Active,
        StoodDown,
        Disbanded,
    }
}

crate::stored_enum! {
    /// What a squad touches: a vehicle, a depot, a sealed zone's gate (the
    /// hand-off point, by zone: `handoff` is its outside side, where goods
    /// are left; `pickup` its inside side, where they are taken in — one
    /// squad on each, who never meet) or a household (by the need served
    /// there).
    pub enum ContactKind {
        Vehicle,
        Depot,
        Handoff,
        Household,
        Pickup,
    }
}

crate::stored_enum! {
    /// Whether a volunteer can go out to serve: free; sealed in (their home
    /// is in a sealed or controlled zone: 足不出户 / 人不出区); holding a
    /// pass (通行证, which goes through the seal); or stranded (served
    /// outside and cannot return home — they can still work where they are).
    pub enum MovementStatus {
        Free,
        SealedIn,
        Pass,
        Stranded,
    }
}

impl MovementStatus {
    /// Whether they can go out to serve.
    pub fn can_move(self) -> bool {
        !matches!(self, MovementStatus::SealedIn)
    }

    /// What a coordinator may set; sealed in follows the zones.
    pub fn settable(self) -> bool {
        !matches!(self, MovementStatus::SealedIn)
    }
}

/// The default exposure window: what squads touched this long ago still
/// counts as contact (`--exposure-days`).
pub const EXPOSURE_DAYS: u16 = 14;

/// The default size of a squad: a small fixed team.
pub const MIN_SIZE: i64 = 3;
pub const MAX_SIZE: i64 = 6;
/// The largest squad anyone may configure (beyond this it is no squad).
pub const SIZE_LIMIT: i64 = 12;

/// A new squad.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewSquad {
    pub org_id: i64,
    /// The division it serves (a street or community code).
    pub division_code: String,
    pub name: String,
    /// Members: 3–6 by default; the smallest squad that may work.
    #[serde(default)]
    pub min_size: Option<i64>,
    #[serde(default)]
    pub max_size: Option<i64>,
}

/// A new squad as checked.
#[derive(Debug, Clone)]
pub struct CheckedSquad {
    pub org_id: i64,
    pub division_code: String,
    pub name: String,
    pub min_size: i64,
    pub max_size: i64,
}

impl NewSquad {
    pub fn check(&self) -> Result<CheckedSquad, Invalid> {
        let mut e = Invalid::default();
        e.text("name", &self.name, 40);
        let code = self.division_code.trim();
        if divisions::Tree::china().find(code).is_none() {
            e.push(FieldError::new("division_code", "err-division"));
        }
        let min_size = self.min_size.unwrap_or(MIN_SIZE);
        let max_size = self.max_size.unwrap_or(MAX_SIZE);
        if !(1..=SIZE_LIMIT).contains(&min_size) {
            e.push(FieldError::counted(
                "min_size",
                "err-squad-size",
                SIZE_LIMIT,
            ));
        }
        if !(min_size.max(1)..=SIZE_LIMIT).contains(&max_size) {
            e.push(FieldError::counted(
                "max_size",
                "err-squad-size",
                SIZE_LIMIT,
            ));
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(CheckedSquad {
            org_id: self.org_id,
            division_code: code.to_owned(),
            name: self.name.trim().to_owned(),
            min_size,
            max_size,
        })
    }
}

/// One time a squad touched something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touch {
    pub squad_id: i64,
    pub squad_name: String,
    pub kind: ContactKind,
    pub target_id: i64,
    pub at: OffsetDateTime,
}

/// One stretch of a volunteer in a squad (`left_at` none: still in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stint {
    pub volunteer_id: i64,
    pub squad_id: i64,
    pub squad_name: String,
    pub joined_at: OffsetDateTime,
    pub left_at: Option<OffsetDateTime>,
}

impl Stint {
    /// Whether this stint overlaps `[from, to]`.
    pub fn overlaps(&self, from: OffsetDateTime, to: OffsetDateTime) -> bool {
        self.joined_at <= to && self.left_at.is_none_or(|l| l > from)
    }
}

/// Why an action would bring two squads into contact (or cannot be done);
/// each names the other squad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Another squad touched this vehicle, depot, gate or household inside
    /// the window.
    Touched {
        kind: ContactKind,
        squad_id: i64,
        squad_name: String,
        at: OffsetDateTime,
    },
    /// The volunteer is in another squad now.
    InSquad { squad_id: i64, squad_name: String },
    /// The volunteer left another squad inside the window.
    LeftRecently {
        squad_id: i64,
        squad_name: String,
        left_at: OffsetDateTime,
    },
}

/// Whether `squad` may touch a thing now, given every recorded touch of it:
/// refused when another squad touched it after `now - window` (the latest
/// such touch is named). A squad may touch what it touched before.
pub fn may_touch(
    squad: i64,
    touches: &[Touch],
    now: OffsetDateTime,
    window: Duration,
) -> Result<(), Refusal> {
    let since = now - window;
    match touches
        .iter()
        .filter(|t| t.squad_id != squad && t.at > since)
        .max_by_key(|t| t.at)
    {
        None => Ok(()),
        Some(t) => Err(Refusal::Touched {
            kind: t.kind,
            squad_id: t.squad_id,
            squad_name: t.squad_name.clone(),
            at: t.at,
        }),
    }
}

/// What joining comes to when it is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// A new stint begins.
    Joins,
    /// They are in this squad already: nothing to do.
    Already,
}

/// Whether a volunteer may join `squad` now, given their stints: not while
/// in another squad (one at a time), and not inside the window after
/// leaving another (they would carry its contacts across).
pub fn may_join(
    squad: i64,
    stints: &[Stint],
    now: OffsetDateTime,
    window: Duration,
) -> Result<Join, Refusal> {
    if let Some(s) = stints.iter().find(|s| s.left_at.is_none()) {
        return if s.squad_id == squad {
            Ok(Join::Already)
        } else {
            Err(Refusal::InSquad {
                squad_id: s.squad_id,
                squad_name: s.squad_name.clone(),
            })
        };
    }
    let since = now - window;
    match stints
        .iter()
        .filter(|s| s.squad_id != squad)
        .filter_map(|s| s.left_at.map(|l| (s, l)))
        .filter(|(_, l)| *l > since)
        .max_by_key(|(_, l)| *l)
    {
        None => Ok(Join::Joins),
        Some((s, left_at)) => Err(Refusal::LeftRecently {
            squad_id: s.squad_id,
            squad_name: s.squad_name.clone(),
            left_at,
        }),
    }
}

/// A zone that keeps people in (sealed or controlled, in force).
#[derive(Debug, Clone)]
pub struct Seal {
    pub division_code: String,
    /// The compound it covers ("" for the whole division).
    pub compound: String,
}

/// Whether a home (its division and the address written) lies in a seal:
/// the zone's division holds the home's, and a zone of one compound is
/// named in the address.
pub fn sealed_in(home_division: &str, address: &str, seals: &[Seal]) -> bool {
    seals.iter().any(|z| {
        !z.division_code.is_empty()
            && home_division.starts_with(&z.division_code)
            && (z.compound.is_empty() || address.contains(&z.compound))
    })
}

/// The seals in force, looked up by the division each covers. A place is
/// held by the seals of its own code and of its ancestors', so a lookup is
/// one probe per code length in use (at most five), where a scan would
/// test every zone: a city under lockdown has hundreds, and coverage asks
/// for tens of thousands of homes.
#[derive(Debug, Clone, Default)]
pub struct SealIndex {
    seals: Vec<Seal>,
    by_code: std::collections::HashMap<String, Vec<usize>>,
    lengths: Vec<usize>,
}

impl SealIndex {
    pub fn new(seals: Vec<Seal>) -> SealIndex {
        let mut by_code: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, z) in seals.iter().enumerate() {
            if !z.division_code.is_empty() {
                by_code.entry(z.division_code.clone()).or_default().push(i);
            }
        }
        let lengths: BTreeSet<usize> = by_code.keys().map(String::len).collect();
        SealIndex {
            seals,
            by_code,
            lengths: lengths.into_iter().collect(),
        }
    }

    /// Whether any seal covers one compound (read from addresses).
    pub fn has_compounds(&self) -> bool {
        self.seals.iter().any(|z| !z.compound.is_empty())
    }

    /// The seals (indices, ascending) holding a place: its division, and
    /// the text that may name a compound — what [`sealed_in`] says of each.
    pub fn holding(&self, division: &str, text: &str) -> Vec<usize> {
        let mut held: Vec<usize> = self
            .lengths
            .iter()
            .filter_map(|&n| division.get(..n))
            .filter_map(|code| self.by_code.get(code))
            .flatten()
            .copied()
            .filter(|&i| {
                let c = &self.seals[i].compound;
                c.is_empty() || text.contains(c.as_str())
            })
            .collect();
        held.sort_unstable();
        held
    }
}

/// A volunteer's movement: a pass goes through a seal; stranded stays
/// stranded; a free volunteer whose home is sealed is sealed in.
pub fn movement(stored: MovementStatus, sealed: bool) -> MovementStatus {
    match stored {
        MovementStatus::Free | MovementStatus::SealedIn if sealed => MovementStatus::SealedIn,
        MovementStatus::SealedIn => MovementStatus::Free,
        m => m,
    }
}

/// How many volunteers of one area can move, and why the others cannot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct MovableCount {
    /// The area (a district, or the level below the reader's).
    pub division_code: String,
    pub division_name: String,
    pub volunteers: i64,
    /// Free, holding a pass or stranded, and not stood down.
    pub movable: i64,
    pub free: i64,
    pub pass: i64,
    pub stranded: i64,
    pub sealed_in: i64,
    /// Positive, or in a squad stood down.
    pub stood_down: i64,
}

impl MovableCount {
    pub fn add(&mut self, m: MovementStatus, stood_down: bool) {
        self.volunteers += 1;
        if stood_down {
            self.stood_down += 1;
            return;
        }
        match m {
            MovementStatus::Free => self.free += 1,
            MovementStatus::Pass => self.pass += 1,
            MovementStatus::Stranded => self.stranded += 1,
            MovementStatus::SealedIn => self.sealed_in += 1,
        }
        if m.can_move() {
            self.movable += 1;
        }
    }
}

/// Everything a positive volunteer may have reached through their squad
/// inside the window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exposure {
    /// The squads they were in during the window (stood down).
    pub squads: BTreeSet<i64>,
    /// Everyone in those squads during the window (the positive one too).
    pub volunteers: BTreeSet<i64>,
    /// What those squads touched: (kind, target) → the last time.
    pub touched: BTreeMap<(ContactKind, i64), OffsetDateTime>,
    /// Other squads that touched the same things inside the window (none
    /// while the contact rule held): squad → what they shared.
    pub shared: BTreeMap<i64, BTreeSet<(ContactKind, i64)>>,
}

/// The exposure of `volunteer`, positive at `positive_at` (the test) and
/// recorded at `marked_at`: the window runs from `positive_at - window` to
/// `marked_at` (they may have served after the test was taken, never after
/// they were stood down). `stints` are the stints of the
/// volunteer and of every squad they were in; `touches` the touches of those
/// squads and of the things those squads touched.
pub fn exposure(
    volunteer: i64,
    positive_at: OffsetDateTime,
    marked_at: OffsetDateTime,
    window: Duration,
    stints: &[Stint],
    touches: &[Touch],
) -> Exposure {
    let from = positive_at - window;
    let to = marked_at.max(positive_at);
    let mut out = Exposure::default();
    out.squads = stints
        .iter()
        .filter(|s| s.volunteer_id == volunteer && s.overlaps(from, to))
        .map(|s| s.squad_id)
        .collect();
    out.volunteers = stints
        .iter()
        .filter(|s| out.squads.contains(&s.squad_id) && s.overlaps(from, to))
        .map(|s| s.volunteer_id)
        .chain([volunteer])
        .collect();
    let inside = |t: &&Touch| t.at > from && t.at <= to;
    for t in touches
        .iter()
        .filter(inside)
        .filter(|t| out.squads.contains(&t.squad_id))
    {
        let last = out.touched.entry((t.kind, t.target_id)).or_insert(t.at);
        *last = (*last).max(t.at);
    }
    for t in touches
        .iter()
        .filter(inside)
        .filter(|t| !out.squads.contains(&t.squad_id))
    {
        if out.touched.contains_key(&(t.kind, t.target_id)) {
            out.shared
                .entry(t.squad_id)
                .or_default()
                .insert((t.kind, t.target_id));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2021-12-30 12:00 UTC);
    const W: Duration = Duration::days(14);

    fn touch(squad: i64, kind: ContactKind, target: i64, days_ago: i64) -> Touch {
        Touch {
            squad_id: squad,
            squad_name: format!("第{squad}小分队"),
            kind,
            target_id: target,
            at: NOW - Duration::days(days_ago),
        }
    }

    fn stint(v: i64, squad: i64, joined_days_ago: i64, left_days_ago: Option<i64>) -> Stint {
        Stint {
            volunteer_id: v,
            squad_id: squad,
            squad_name: format!("第{squad}小分队"),
            joined_at: NOW - Duration::days(joined_days_ago),
            left_at: left_days_ago.map(|d| NOW - Duration::days(d)),
        }
    }

    #[test]
    fn a_vehicle_another_squad_drove_inside_the_window_is_refused_naming_it() {
        let touches = [
            touch(2, ContactKind::Vehicle, 7, 20),
            touch(3, ContactKind::Vehicle, 7, 3),
            touch(4, ContactKind::Vehicle, 7, 10),
        ];
        assert_eq!(
            may_touch(1, &touches, NOW, W),
            Err(Refusal::Touched {
                kind: ContactKind::Vehicle,
                squad_id: 3,
                squad_name: "第3小分队".into(),
                at: NOW - Duration::days(3),
            })
        );
    }

    #[test]
    fn what_only_this_squad_touched_or_others_touched_before_the_window_is_free() {
        for kind in ContactKind::ALL.iter().copied() {
            let touches = [touch(1, kind, 7, 1), touch(2, kind, 7, 15)];
            assert_eq!(may_touch(1, &touches, NOW, W), Ok(()));
            // Exactly at the window's edge the contact has aged out.
            assert_eq!(may_touch(1, &[touch(2, kind, 7, 14)], NOW, W), Ok(()));
            assert!(may_touch(1, &[touch(2, kind, 7, 13)], NOW, W).is_err());
            assert_eq!(may_touch(1, &[], NOW, W), Ok(()));
        }
    }

    #[test]
    fn a_volunteer_is_in_one_squad_and_cannot_carry_contacts_to_another() {
        // In squad 2 now: refused, squad 2 named; joining 2 again is nothing.
        let now_in_2 = [stint(9, 2, 5, None)];
        assert_eq!(
            may_join(1, &now_in_2, NOW, W),
            Err(Refusal::InSquad {
                squad_id: 2,
                squad_name: "第2小分队".into()
            })
        );
        assert_eq!(may_join(2, &now_in_2, NOW, W), Ok(Join::Already));
        // Left squad 2 three days ago: refused until the window has passed.
        let left_2 = [stint(9, 3, 40, Some(30)), stint(9, 2, 10, Some(3))];
        assert_eq!(
            may_join(1, &left_2, NOW, W),
            Err(Refusal::LeftRecently {
                squad_id: 2,
                squad_name: "第2小分队".into(),
                left_at: NOW - Duration::days(3)
            })
        );
        // Back to the squad they left is no new contact; after the window
        // anywhere; a first squad always.
        assert_eq!(may_join(2, &left_2, NOW, W), Ok(Join::Joins));
        assert_eq!(
            may_join(1, &left_2, NOW + Duration::days(11), W),
            Ok(Join::Joins)
        );
        assert_eq!(may_join(1, &[], NOW, W), Ok(Join::Joins));
    }

    #[test]
    fn a_seal_holds_its_division_or_the_compound_it_names() {
        let seals = [
            Seal {
                division_code: "610113001001".into(),
                compound: String::new(),
            },
            Seal {
                division_code: "610113002".into(),
                compound: "长延堡小区".into(),
            },
        ];
        assert!(sealed_in("610113001001", "", &seals));
        assert!(!sealed_in("610113001002", "", &seals));
        assert!(sealed_in("610113002003", "雁塔区长延堡小区5号楼", &seals));
        assert!(!sealed_in("610113002003", "雁塔区长延堡路12号", &seals));
        // A compound's name in another street is not that zone.
        assert!(!sealed_in("610113003001", "长延堡小区", &seals));
        assert!(!sealed_in(
            "610113001001",
            "",
            &[Seal {
                division_code: String::new(),
                compound: String::new()
            }]
        ));
    }

    #[test]
    fn a_pass_goes_through_a_seal_and_sealed_in_follows_the_zones() {
        assert_eq!(
            movement(MovementStatus::Free, true),
            MovementStatus::SealedIn
        );
        assert_eq!(movement(MovementStatus::Free, false), MovementStatus::Free);
        assert_eq!(movement(MovementStatus::Pass, true), MovementStatus::Pass);
        assert_eq!(
            movement(MovementStatus::Stranded, true),
            MovementStatus::Stranded
        );
        // A stored "sealed in" is never trusted: the zones decide.
        assert_eq!(
            movement(MovementStatus::SealedIn, false),
            MovementStatus::Free
        );
        let mut c = MovableCount::default();
        for (m, down) in [
            (MovementStatus::Free, false),
            (MovementStatus::Pass, false),
            (MovementStatus::Stranded, false),
            (MovementStatus::SealedIn, false),
            (MovementStatus::Free, true),
        ] {
            c.add(m, down);
        }
        assert_eq!(
            (c.volunteers, c.movable, c.sealed_in, c.stood_down),
            (5, 3, 1, 1)
        );
    }

    #[test]
    fn an_exposure_reaches_the_squad_and_what_it_touched_and_nothing_else() {
        // Volunteer 1 was in squad 10 with 2 and 3 (3 joined after 1
        // left); 4 left squad 10 long before the window; squad 20 shares
        // nothing; squad 30 drove the same vehicle inside the window.
        let stints = [
            stint(1, 10, 30, Some(2)),
            stint(2, 10, 30, None),
            stint(3, 10, 1, None),
            stint(4, 10, 60, Some(40)),
            stint(5, 20, 30, None),
            // Joined after the positive was recorded: not exposed by it.
            Stint {
                joined_at: NOW + Duration::days(1),
                ..stint(6, 10, 0, None)
            },
        ];
        let touches = [
            touch(10, ContactKind::Vehicle, 7, 5),
            touch(10, ContactKind::Household, 500, 4),
            touch(10, ContactKind::Household, 501, 30),
            touch(20, ContactKind::Depot, 1, 2),
            touch(30, ContactKind::Vehicle, 7, 6),
            touch(30, ContactKind::Depot, 1, 6),
            // After the recording: the squad was stood down; whoever drove
            // the van then is not in this trace.
            Touch {
                at: NOW + Duration::days(2),
                ..touch(40, ContactKind::Vehicle, 7, 0)
            },
        ];
        let e = exposure(1, NOW - Duration::days(3), NOW, W, &stints, &touches);
        assert_eq!(e.squads, BTreeSet::from([10]));
        // 3 joined after 1 left, yet inside the window: the squad's van and
        // doors were the same, so they count.
        assert_eq!(e.volunteers, BTreeSet::from([1, 2, 3]));
        assert_eq!(
            e.touched.keys().copied().collect::<Vec<_>>(),
            vec![(ContactKind::Vehicle, 7), (ContactKind::Household, 500)]
        );
        assert_eq!(
            e.shared,
            BTreeMap::from([(30, BTreeSet::from([(ContactKind::Vehicle, 7)]))])
        );
    }

    #[test]
    fn a_new_squad_is_checked_field_by_field() {
        let ok = NewSquad {
            org_id: 1,
            division_code: "610113001".into(),
            name: " 兴善第一小分队 ".into(),
            min_size: None,
            max_size: None,
        }
        .check()
        .unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.min_size, ok.max_size),
            ("兴善第一小分队", 3, 6)
        );
        let bad = NewSquad {
            org_id: 1,
            division_code: "99".into(),
            name: "".into(),
            min_size: Some(5),
            max_size: Some(4),
        }
        .check()
        .unwrap_err();
        let fields: Vec<_> = bad.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "division_code", "max_size"]);
    }

    proptest::proptest! {
        /// The index holds a place in exactly the seals a scan of every
        /// zone finds, whatever the codes' lengths and compounds.
        #[test]
        fn the_seal_index_answers_what_the_scan_does(
            zones in proptest::collection::vec((0usize..6, 0u8..3, 0u8..3), 0..40),
            places in proptest::collection::vec((0usize..6, 0u8..3, 0u8..3), 1..20),
        ) {
            // Codes drawn from one branch of the tree and its neighbours,
            // at every length a code has (and none, which holds nothing).
            let code = |len: usize, branch: u8| -> String {
                let full = format!("61011{branch}00100{branch}");
                full[..[0, 2, 4, 6, 9, 12][len]].to_owned()
            };
            let compounds = ["", "紫薇花园", "金泰假日花城"];
            let seals: Vec<Seal> = zones
                .iter()
                .map(|&(len, branch, c)| Seal {
                    division_code: code(len, branch),
                    compound: compounds[c as usize].to_owned(),
                })
                .collect();
            let index = SealIndex::new(seals.clone());
            for &(len, branch, c) in &places {
                let place = code(len.max(1), branch);
                let text = format!("某路{}5号楼", compounds[c as usize]);
                let scan: Vec<usize> = (0..seals.len())
                    .filter(|&i| sealed_in(&place, &text, std::slice::from_ref(&seals[i])))
                    .collect();
                proptest::prop_assert_eq!(index.holding(&place, &text), scan);
            }
        }

        /// Whatever order squads ask in, what the rule lets through never
        /// puts two squads on one thing inside the window, and never puts
        /// one volunteer in two squads inside it.
        #[test]
        fn what_the_rule_allows_never_mixes_squads(
            asks in proptest::collection::vec((0i64..4, 0u8..2, 0i64..5, 0i64..40), 1..80)
        ) {
            let mut touches: Vec<Touch> = Vec::new();
            let mut stints: Vec<Stint> = Vec::new();
            let start = NOW - Duration::days(60);
            for (n, (squad, what, target, hours)) in asks.into_iter().enumerate() {
                let at = start + Duration::hours(n as i64 * 9 + hours);
                if what == 0 {
                    let mine: Vec<Touch> = touches.iter().filter(|t| t.target_id == target).cloned().collect();
                    if may_touch(squad, &mine, at, W).is_ok() {
                        touches.push(Touch { squad_id: squad, squad_name: String::new(), kind: ContactKind::Vehicle, target_id: target, at });
                    }
                } else {
                    // Volunteer `target` asks to move to `squad`: leaving
                    // the open stint first, as the pages do.
                    let mut theirs: Vec<Stint> = stints.iter().filter(|s| s.volunteer_id == target).cloned().collect();
                    if let Some(open) = stints.iter_mut().find(|s| s.volunteer_id == target && s.left_at.is_none() && s.squad_id != squad) {
                        open.left_at = Some(at);
                        theirs = stints.iter().filter(|s| s.volunteer_id == target).cloned().collect();
                    }
                    if may_join(squad, &theirs, at, W) == Ok(Join::Joins) {
                        stints.push(Stint { volunteer_id: target, squad_id: squad, squad_name: String::new(), joined_at: at, left_at: None });
                    }
                }
            }
            for a in &touches {
                for b in &touches {
                    if a.target_id == b.target_id && a.squad_id != b.squad_id {
                        proptest::prop_assert!((a.at - b.at).abs() >= W, "{a:?} {b:?}");
                    }
                }
            }
            for a in &stints {
                for b in &stints {
                    if a.volunteer_id == b.volunteer_id && a.squad_id != b.squad_id && a.joined_at < b.joined_at {
                        let left = a.left_at.expect("an earlier stint in another squad was left");
                        proptest::prop_assert!(b.joined_at - left >= W, "{a:?} {b:?}");
                    }
                }
            }
        }
    }
}
