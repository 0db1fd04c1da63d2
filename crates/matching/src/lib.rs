//! Matching (供需对接): which squad carries which need, with which goods
//! from which depot — a proposal a coordinator reviews and confirms. No IO:
//! the application reads needs, stock and squads, builds the sparse set of
//! candidate pairs (who can reach whom, how far), and stores what a person
//! confirms.
//!
//! The rule, in order:
//! 1. Needs are taken most urgent first, then longest waiting, then by their
//!    order in the input. A need is served only when every leg finds a squad
//!    and, if it asks for goods, some goods are found — without taking
//!    anything from a need before it. Goods may fall short, line by line
//!    (partial fulfilment); a leg may not.
//! 2. Among the plans that serve exactly those needs with those amounts, the
//!    goods and the carriers each cost the least in total (exact, by the
//!    transportation solver in [`flow`]). The two are solved apart: a depot's
//!    distance does not enter a squad's cost.
//! 3. Every need left unserved says why; every task says what it cost and
//!    what the next-best squad was.
//!
//! A need in a sealed zone (封控区) has two legs: the outside leg from the
//! depot to the zone's gate, by a squad that moves outside, and the inside
//! leg from the gate to the door, by a squad inside that zone. The two
//! squads meet only through the hand-off at the gate.

pub mod flow;

use flow::Transport;

/// A sealed zone, by the caller's id.
pub type Zone = u32;
/// A kind of goods (an item), by the caller's id.
pub type Kind = u32;
/// Credentials as bits (the caller gives each credential kind a bit): a
/// squad may take the door leg of a need when it holds all the need's bits.
pub type Credentials = u32;

/// How soon: critical is life or health at stake now, urgent is today,
/// normal is within days (the needs lifecycle's urgency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Urgency {
    Normal,
    Urgent,
    Critical,
}

impl Urgency {
    /// How much a metre weighs in this need's cost: the optimum gives the
    /// nearest squads to the most urgent needs.
    pub fn weight(self) -> i64 {
        match self {
            Urgency::Normal => 1,
            Urgency::Urgent => 2,
            Urgency::Critical => 4,
        }
    }
}

/// What a squad already holding tasks costs per task, in metres: of two
/// squads as near, the less loaded one is proposed.
pub const WORKLOAD_METRES: i64 = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub urgency: Urgency,
    /// Minutes since the need was verified; longer waits go first among
    /// equally urgent needs.
    pub waited_min: u32,
    /// The sealed zone the door is in, if any (then the need has two legs).
    pub zone: Option<Zone>,
    /// Goods to carry: one line per kind (a line of quantity 0 asks for
    /// nothing). Each line may fall short; the need is served when any
    /// goods are found.
    pub goods: Vec<Goods>,
    /// What the squad at the door must hold.
    pub credentials: Credentials,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Goods {
    pub kind: Kind,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Squad {
    /// Tasks it can take in this shift.
    pub capacity: u32,
    /// Tasks it holds already (they are not in this batch).
    pub workload: u32,
    /// `None`: moves outside sealed zones (and to their gates); `Some(z)`:
    /// works inside sealed zone `z` only.
    pub inside: Option<Zone>,
    pub credentials: Credentials,
}

/// Goods of one kind at one depot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stock {
    pub kind: Kind,
    pub quantity: u32,
}

/// A candidate pair: a need and a squad (for `carriers`) or a stock (for
/// `sources`) that can reach it, and how far apart they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    pub need: u32,
    pub other: u32,
    pub metres: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problem {
    pub needs: Vec<Need>,
    pub squads: Vec<Squad>,
    pub stock: Vec<Stock>,
    /// Need ↔ squad: an outside squad is a candidate for a need's outside
    /// leg (or its only leg), an inside squad for the inside leg.
    pub carriers: Vec<Pair>,
    /// Need ↔ stock of the need's kind.
    pub sources: Vec<Pair>,
}

/// Which part of the way a leg covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Leg {
    /// From the depot to the door, outside any sealed zone.
    Whole,
    /// From the depot to the sealed zone's gate.
    ToGate,
    /// From the gate to the door, inside the sealed zone.
    Inside,
}

/// Why a need (or part of it) is not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// No depot holds goods of this kind.
    NoStock,
    /// Goods of the kind exist, but no depot that has them is a candidate.
    NoSource,
    /// The candidate depots' goods went to needs before this one.
    StockExhausted,
    /// The need is in a sealed zone with no squad inside it.
    NoSquadInZone,
    /// No squad that could take this leg holds the credentials.
    NoCredential,
    /// No squad that could take this leg is a candidate (none near enough).
    NoCandidate,
    /// Every candidate squad's capacity went to needs before this one.
    CapacityExhausted,
}

/// A piece of the cost, so a coordinator sees why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cost {
    pub metres: u32,
    /// The urgency's weight on each metre.
    pub weight: i64,
    /// Tasks the squad held before this batch.
    pub workload: u32,
    pub total: i64,
}

impl Cost {
    fn carrier(need: &Need, squad: &Squad, metres: u32) -> Self {
        let weight = need.urgency.weight();
        let total = metres as i64 * weight + squad.workload as i64 * WORKLOAD_METRES;
        Cost {
            metres,
            weight,
            workload: squad.workload,
            total,
        }
    }

    fn source(need: &Need, metres: u32) -> Self {
        let weight = need.urgency.weight();
        Cost {
            metres,
            weight,
            workload: 0,
            total: metres as i64 * weight,
        }
    }
}

/// One leg of a served need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub leg: Leg,
    pub squad: u32,
    pub cost: Cost,
    /// The cheapest other candidate for this leg, and whether its capacity
    /// is all given out in this plan (then it could not have been chosen
    /// without moving someone else).
    pub next_best: Option<Alternative>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alternative {
    pub squad: u32,
    pub cost: Cost,
    pub full: bool,
}

/// Goods taken from one stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick {
    pub stock: u32,
    pub quantity: u32,
    pub cost: Cost,
}

/// A served need: its legs, its goods, and how much it is short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub need: u32,
    pub legs: Vec<Assignment>,
    pub picks: Vec<Pick>,
    /// Goods asked for but not found, in all (the lines are in `lacking`).
    pub short: u32,
    /// The lines that fell short, with how much is missing.
    pub lacking: Vec<Goods>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unserved {
    pub need: u32,
    /// The leg that failed, when it was a leg.
    pub leg: Option<Leg>,
    pub reason: Reason,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// In the order needs were taken (most urgent first).
    pub tasks: Vec<Task>,
    pub unserved: Vec<Unserved>,
    /// The sum of every leg's and every pick's cost.
    pub cost: i64,
}

/// A problem the caller built wrong (a programming error, not bad data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("candidate pair {0} names a need, squad or stock that does not exist")]
    OutOfRange(usize),
    #[error("candidate pair {0}: the squad cannot take any leg of this need (its zone)")]
    WrongZone(usize),
    #[error("candidate pair {0}: the squad lacks the credentials for the door")]
    MissingCredentials(usize),
    #[error("candidate pair {0}: the stock is not of a kind the need asks for")]
    WrongKind(usize),
    #[error("need {0} asks for one kind of goods on two lines")]
    KindTwice(usize),
    #[error("candidate pair {0} is given twice")]
    Repeated(usize),
}

fn legs(need: &Need) -> &'static [Leg] {
    match need.zone {
        None => &[Leg::Whole],
        Some(_) => &[Leg::ToGate, Leg::Inside],
    }
}

/// The leg a squad may take of a need, if any.
fn leg_for(need: &Need, squad: &Squad) -> Result<Leg, Invalid> {
    let (leg, door) = match (need.zone, squad.inside) {
        (None, None) => (Leg::Whole, true),
        (Some(_), None) => (Leg::ToGate, false),
        (Some(z), Some(s)) if z == s => (Leg::Inside, true),
        _ => return Err(Invalid::WrongZone(0)),
    };
    if door && need.credentials & !squad.credentials != 0 {
        return Err(Invalid::MissingCredentials(0));
    }
    Ok(leg)
}

fn renumber(e: Invalid, k: usize) -> Invalid {
    match e {
        Invalid::WrongZone(_) => Invalid::WrongZone(k),
        Invalid::MissingCredentials(_) => Invalid::MissingCredentials(k),
        other => other,
    }
}

/// The order needs are taken in: most urgent, then longest waiting, then
/// input order.
pub fn priority(needs: &[Need]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..needs.len()).collect();
    order.sort_by_key(|&i| {
        (
            std::cmp::Reverse(needs[i].urgency),
            std::cmp::Reverse(needs[i].waited_min),
            i,
        )
    });
    order
}

/// Propose a plan. Fails only when the candidate pairs break the rules
/// above (the caller's bug); a need nobody can serve is a reason, not an
/// error.
pub fn plan(p: &Problem) -> Result<Plan, Invalid> {
    let n = p.needs.len();
    // Takers of the carriers' problem: one per leg, in need order.
    let mut first_leg = Vec::with_capacity(n + 1);
    first_leg.push(0);
    for need in &p.needs {
        first_leg.push(first_leg[first_leg.len() - 1] + legs(need).len());
    }
    let leg_count = first_leg[n];
    let taker = |need: usize, leg: Leg| first_leg[need] + if leg == Leg::Inside { 1 } else { 0 };

    // Arc k of each problem is candidate pair k: nothing is stored twice.
    let mut carriers = Transport::new(
        vec![1; leg_count],
        p.squads.iter().map(|s| s.capacity).collect(),
    );
    let mut leg_taker = Vec::with_capacity(p.carriers.len());
    for (k, pair) in p.carriers.iter().enumerate() {
        let (Some(need), Some(squad)) = (
            p.needs.get(pair.need as usize),
            p.squads.get(pair.other as usize),
        ) else {
            return Err(Invalid::OutOfRange(k));
        };
        let leg = leg_for(need, squad).map_err(|e| renumber(e, k))?;
        let t = taker(pair.need as usize, leg);
        carriers.add(
            t,
            pair.other as usize,
            Cost::carrier(need, squad, pair.metres).total,
        );
        leg_taker.push(t as u32);
    }
    // Each leg's candidates, grouped (a CSR, not a Vec per leg: a batch may
    // have 100,000 needs).
    let mut first = vec![0u32; leg_count + 1];
    for &t in &leg_taker {
        first[t as usize + 1] += 1;
    }
    for t in 0..leg_count {
        first[t + 1] += first[t];
    }
    let mut options = vec![0u32; p.carriers.len()];
    let mut fill = first.clone();
    for (k, &t) in leg_taker.iter().enumerate() {
        options[fill[t as usize] as usize] = k as u32;
        fill[t as usize] += 1;
    }
    drop((leg_taker, fill));
    let mut squads_seen = Vec::new();
    for t in 0..leg_count {
        squads_seen.clear();
        squads_seen.extend(
            options[first[t] as usize..first[t + 1] as usize]
                .iter()
                .map(|&k| (p.carriers[k as usize].other, k)),
        );
        squads_seen.sort_unstable();
        if let Some(w) = squads_seen.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Invalid::Repeated(w[1].1.max(w[0].1) as usize));
        }
    }

    // Takers of the goods' problem: one per line, in need order.
    let mut first_line = Vec::with_capacity(n + 1);
    let mut lines = Vec::new();
    for (i, need) in p.needs.iter().enumerate() {
        first_line.push(lines.len());
        for (l, g) in need.goods.iter().enumerate() {
            if need.goods[..l].iter().any(|h| h.kind == g.kind) {
                return Err(Invalid::KindTwice(i));
            }
            lines.push(g.quantity);
        }
    }
    first_line.push(lines.len());
    let line_of = |need: usize, kind: Kind| {
        p.needs[need]
            .goods
            .iter()
            .position(|g| g.kind == kind)
            .map(|l| first_line[need] + l)
    };
    let mut sources = Transport::new(lines, p.stock.iter().map(|s| s.quantity).collect());
    let mut seen = std::collections::HashSet::with_capacity(p.sources.len());
    for (k, pair) in p.sources.iter().enumerate() {
        let (Some(need), Some(stock)) = (
            p.needs.get(pair.need as usize),
            p.stock.get(pair.other as usize),
        ) else {
            return Err(Invalid::OutOfRange(k));
        };
        let Some(line) = line_of(pair.need as usize, stock.kind) else {
            return Err(Invalid::WrongKind(k));
        };
        if !seen.insert((pair.need, pair.other)) {
            return Err(Invalid::Repeated(k));
        }
        sources.add(
            line,
            pair.other as usize,
            Cost::source(need, pair.metres).total,
        );
    }
    drop(seen);

    let order = priority(&p.needs);
    let mut carry = flow::Incremental::new(&carriers);
    let mut supply = flow::Incremental::new(&sources);
    let mut served = Vec::with_capacity(n);
    let mut failed: Vec<(usize, Option<Leg>)> = Vec::new();
    for &i in &order {
        let need = &p.needs[i];
        let wants: u32 = need.goods.iter().map(|g| g.quantity).sum();
        // A need of one part that fails changes nothing; one of several
        // must give back what its first parts took.
        let guarded = need.goods.iter().filter(|g| g.quantity > 0).count() + legs(need).len() > 1;
        if guarded {
            carry.checkpoint();
            supply.checkpoint();
        }
        let mut broken = None;
        let got: u32 = (first_line[i]..first_line[i + 1])
            .map(|line| supply.serve(line))
            .sum();
        if wants > 0 && got == 0 {
            broken = Some(None);
        } else {
            for (l, &leg) in legs(need).iter().enumerate() {
                if carry.serve(first_leg[i] + l) == 0 {
                    broken = Some(Some(leg));
                    break;
                }
            }
        }
        match broken {
            Some(leg) => {
                carry.rollback();
                supply.rollback();
                failed.push((i, leg));
            }
            None => {
                carry.commit();
                supply.commit();
                served.push(i);
            }
        }
    }
    let carried = carry.finish();
    let supplied = supply.finish();

    // What each squad gave out, for the next-best's `full`.
    let mut used = vec![0u32; p.squads.len()];
    for (pair, &f) in p.carriers.iter().zip(&carried.flow) {
        used[pair.other as usize] += f;
    }
    let carrier_cost = |k: u32| {
        let pair = p.carriers[k as usize];
        Cost::carrier(
            &p.needs[pair.need as usize],
            &p.squads[pair.other as usize],
            pair.metres,
        )
    };
    let mut picks: Vec<Vec<Pick>> = vec![Vec::new(); n];
    let mut cost = 0i64;
    for (pair, &f) in p.sources.iter().zip(&supplied.flow) {
        if f > 0 {
            let c = Cost::source(&p.needs[pair.need as usize], pair.metres);
            picks[pair.need as usize].push(Pick {
                stock: pair.other,
                quantity: f,
                cost: c,
            });
            cost += f as i64 * c.total;
        }
    }
    let mut tasks = Vec::with_capacity(served.len());
    for &i in &served {
        let mut legs_out = Vec::new();
        for (l, &leg) in legs(&p.needs[i]).iter().enumerate() {
            let t = first_leg[i] + l;
            let own = &options[first[t] as usize..first[t + 1] as usize];
            let &chosen = own
                .iter()
                .find(|&&k| carried.flow[k as usize] > 0)
                .expect("a served leg has its squad");
            let c = carrier_cost(chosen);
            cost += c.total;
            let next_best = own
                .iter()
                .filter(|&&k| k != chosen)
                .map(|&k| (carrier_cost(k), p.carriers[k as usize].other))
                .min_by_key(|&(c, squad)| (c.total, squad))
                .map(|(cost, squad)| Alternative {
                    squad,
                    cost,
                    full: used[squad as usize] >= p.squads[squad as usize].capacity,
                });
            legs_out.push(Assignment {
                leg,
                squad: p.carriers[chosen as usize].other,
                cost: c,
                next_best,
            });
        }
        let mut own = std::mem::take(&mut picks[i]);
        own.sort_by_key(|pick| (pick.cost.total, pick.stock));
        let lacking: Vec<Goods> = p.needs[i]
            .goods
            .iter()
            .enumerate()
            .map(|(l, g)| Goods {
                kind: g.kind,
                quantity: g.quantity - supplied.served[first_line[i] + l],
            })
            .filter(|g| g.quantity > 0)
            .collect();
        tasks.push(Task {
            need: i as u32,
            legs: legs_out,
            picks: own,
            short: lacking.iter().map(|g| g.quantity).sum(),
            lacking,
        });
    }
    let mut offered: Vec<Vec<u32>> = vec![Vec::new(); if failed.is_empty() { 0 } else { n }];
    // Per need, the kinds some candidate depot holds.
    let mut sourced: Vec<Vec<Kind>> = vec![Vec::new(); offered.len()];
    if !failed.is_empty() {
        for c in &p.carriers {
            offered[c.need as usize].push(c.other);
        }
        for s in &p.sources {
            let stock = p.stock[s.other as usize];
            if stock.quantity > 0 {
                sourced[s.need as usize].push(stock.kind);
            }
        }
    }
    let unserved = failed
        .into_iter()
        .map(|(i, leg)| why(p, i, leg, &offered[i], &sourced[i]))
        .collect();
    Ok(Plan {
        tasks,
        unserved,
        cost,
    })
}

/// Why need `i` could not be served, given the leg that failed (`None`:
/// its goods).
fn why(p: &Problem, i: usize, leg: Option<Leg>, candidates: &[u32], sourced: &[Kind]) -> Unserved {
    let need = &p.needs[i];
    let reason = match leg {
        // Of the lines asked, the reason nearest to being served: some
        // depot in reach had the goods, else some depot anywhere.
        None => {
            let asked = || need.goods.iter().filter(|g| g.quantity > 0);
            let exists = |g: &Goods| p.stock.iter().any(|s| s.kind == g.kind && s.quantity > 0);
            if asked().any(|g| sourced.contains(&g.kind)) {
                Reason::StockExhausted
            } else if asked().any(exists) {
                Reason::NoSource
            } else {
                Reason::NoStock
            }
        }
        Some(leg) => {
            let fits_zone = |s: &Squad| match leg {
                Leg::Whole | Leg::ToGate => s.inside.is_none(),
                Leg::Inside => s.inside == need.zone,
            };
            let door = leg != Leg::ToGate;
            let able =
                |s: &Squad| fits_zone(s) && (!door || need.credentials & !s.credentials == 0);
            let offered = candidates
                .iter()
                .any(|&s| leg_for(need, &p.squads[s as usize]) == Ok(leg));
            if leg == Leg::Inside && !p.squads.iter().any(fits_zone) {
                Reason::NoSquadInZone
            } else if !p.squads.iter().any(able) {
                if p.squads.iter().any(fits_zone) {
                    Reason::NoCredential
                } else {
                    Reason::NoCandidate
                }
            } else if !offered {
                Reason::NoCandidate
            } else {
                Reason::CapacityExhausted
            }
        }
    };
    Unserved {
        need: i as u32,
        leg,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(urgency: Urgency, waited_min: u32) -> Need {
        Need {
            urgency,
            waited_min,
            zone: None,
            goods: vec![],
            credentials: 0,
        }
    }

    fn outside(capacity: u32) -> Squad {
        Squad {
            capacity,
            workload: 0,
            inside: None,
            credentials: 0,
        }
    }

    fn pair(need: u32, other: u32, metres: u32) -> Pair {
        Pair {
            need,
            other,
            metres,
        }
    }

    #[test]
    fn the_critical_need_gets_the_one_squad_and_the_other_says_why() {
        let p = Problem {
            needs: vec![need(Urgency::Normal, 300), need(Urgency::Critical, 5)],
            squads: vec![outside(1)],
            carriers: vec![pair(0, 0, 100), pair(1, 0, 3000)],
            ..Problem::default()
        };
        let plan = plan(&p).unwrap();
        assert_eq!(plan.tasks.len(), 1);
        assert_eq!(plan.tasks[0].need, 1);
        assert_eq!(
            plan.tasks[0].legs[0].cost,
            Cost {
                metres: 3000,
                weight: 4,
                workload: 0,
                total: 12_000
            }
        );
        assert_eq!(
            plan.unserved,
            vec![Unserved {
                need: 0,
                leg: Some(Leg::Whole),
                reason: Reason::CapacityExhausted
            }]
        );
    }

    #[test]
    fn among_equally_urgent_the_longer_wait_goes_first() {
        let p = Problem {
            needs: vec![need(Urgency::Urgent, 10), need(Urgency::Urgent, 90)],
            squads: vec![outside(1)],
            carriers: vec![pair(0, 0, 100), pair(1, 0, 100)],
            ..Problem::default()
        };
        assert_eq!(plan(&p).unwrap().tasks[0].need, 1);
    }

    #[test]
    fn a_sealed_zone_need_has_a_squad_outside_to_the_gate_and_one_inside_to_the_door() {
        let mut village = need(Urgency::Critical, 19);
        village.zone = Some(7);
        village.goods = vec![Goods {
            kind: 1,
            quantity: 40,
        }];
        let inside = Squad {
            capacity: 2,
            workload: 0,
            inside: Some(7),
            credentials: 0,
        };
        let p = Problem {
            needs: vec![village],
            squads: vec![outside(3), inside],
            stock: vec![
                Stock {
                    kind: 1,
                    quantity: 25,
                },
                Stock {
                    kind: 1,
                    quantity: 100,
                },
            ],
            carriers: vec![pair(0, 0, 12_000), pair(0, 1, 300)],
            sources: vec![pair(0, 0, 5_000), pair(0, 1, 9_000)],
        };
        let plan = plan(&p).unwrap();
        let task = &plan.tasks[0];
        assert_eq!(
            task.legs
                .iter()
                .map(|l| (l.leg, l.squad))
                .collect::<Vec<_>>(),
            vec![(Leg::ToGate, 0), (Leg::Inside, 1)]
        );
        // The nearer depot's 25 first, the rest from the farther one.
        assert_eq!(
            task.picks
                .iter()
                .map(|p| (p.stock, p.quantity))
                .collect::<Vec<_>>(),
            vec![(0, 25), (1, 15)]
        );
        assert_eq!(task.short, 0);
        assert_eq!(
            plan.cost,
            4 * (12_000 + 300) + 4 * (25 * 5_000 + 15 * 9_000)
        );
    }

    #[test]
    fn a_need_whose_inside_leg_fails_gives_its_goods_and_outside_squad_to_the_next() {
        let mut sealed = need(Urgency::Critical, 0);
        sealed.zone = Some(7);
        sealed.goods = vec![Goods {
            kind: 1,
            quantity: 10,
        }];
        let mut open = need(Urgency::Normal, 0);
        open.goods = vec![Goods {
            kind: 1,
            quantity: 10,
        }];
        let p = Problem {
            needs: vec![sealed, open],
            squads: vec![outside(1)],
            stock: vec![Stock {
                kind: 1,
                quantity: 10,
            }],
            carriers: vec![pair(0, 0, 100), pair(1, 0, 100)],
            sources: vec![pair(0, 0, 100), pair(1, 0, 100)],
        };
        let plan = plan(&p).unwrap();
        assert_eq!(
            plan.unserved,
            vec![Unserved {
                need: 0,
                leg: Some(Leg::Inside),
                reason: Reason::NoSquadInZone
            }]
        );
        assert_eq!(plan.tasks.len(), 1);
        assert_eq!(plan.tasks[0].need, 1);
        assert_eq!(plan.tasks[0].picks[0].quantity, 10);
    }

    #[test]
    fn goods_fall_short_and_say_so_but_a_leg_never_does() {
        let mut a = need(Urgency::Urgent, 0);
        a.goods = vec![Goods {
            kind: 2,
            quantity: 30,
        }];
        let mut b = need(Urgency::Normal, 0);
        b.goods = vec![Goods {
            kind: 2,
            quantity: 5,
        }];
        let mut c = need(Urgency::Normal, 0);
        c.goods = vec![Goods {
            kind: 3,
            quantity: 5,
        }];
        let p = Problem {
            needs: vec![a, b, c],
            squads: vec![outside(5)],
            stock: vec![
                Stock {
                    kind: 2,
                    quantity: 20,
                },
                Stock {
                    kind: 3,
                    quantity: 0,
                },
            ],
            carriers: vec![pair(0, 0, 1), pair(1, 0, 1), pair(2, 0, 1)],
            sources: vec![pair(0, 0, 1), pair(1, 0, 1), pair(2, 1, 1)],
        };
        let plan = plan(&p).unwrap();
        assert_eq!(plan.tasks.len(), 1);
        assert_eq!((plan.tasks[0].need, plan.tasks[0].short), (0, 10));
        assert_eq!(
            plan.unserved,
            vec![
                Unserved {
                    need: 1,
                    leg: None,
                    reason: Reason::StockExhausted
                },
                Unserved {
                    need: 2,
                    leg: None,
                    reason: Reason::NoStock
                },
            ]
        );
    }

    #[test]
    fn the_next_best_squad_is_named_with_its_cost_and_whether_it_was_free() {
        let p = Problem {
            needs: vec![need(Urgency::Normal, 9), need(Urgency::Normal, 1)],
            squads: vec![
                outside(1),
                outside(1),
                Squad {
                    workload: 4,
                    ..outside(1)
                },
            ],
            carriers: vec![
                pair(0, 0, 100),
                pair(0, 1, 150),
                pair(1, 0, 100),
                pair(1, 2, 100),
            ],
            ..Problem::default()
        };
        let plan = plan(&p).unwrap();
        // The first need's nearest squad is given to the second, whose only
        // other squad is loaded (4 tasks × 500 m): 150 + 100 beats 100 + 2,100.
        let first = &plan.tasks[0].legs[0];
        assert_eq!(first.squad, 1);
        assert_eq!(
            first.next_best.map(|a| (a.squad, a.cost.total, a.full)),
            Some((0, 100, true))
        );
        let second = &plan.tasks[1].legs[0];
        assert_eq!(second.squad, 0);
        assert_eq!(
            second.next_best.map(|a| (a.squad, a.cost.total, a.full)),
            Some((2, 100 + 4 * WORKLOAD_METRES, false))
        );
        assert_eq!(plan.cost, 250);
    }

    #[test]
    fn reasons_for_zones_and_credentials() {
        let mut sealed = need(Urgency::Normal, 0);
        sealed.zone = Some(3);
        let mut licensed = need(Urgency::Normal, 0);
        licensed.credentials = 0b10;
        let p = Problem {
            needs: vec![sealed, licensed, need(Urgency::Normal, 0)],
            squads: vec![
                outside(1),
                Squad {
                    inside: Some(4),
                    ..outside(1)
                },
            ],
            carriers: vec![pair(0, 0, 1)],
            ..Problem::default()
        };
        let plan = plan(&p).unwrap();
        assert_eq!(
            plan.unserved
                .iter()
                .map(|u| (u.need, u.reason))
                .collect::<Vec<_>>(),
            vec![
                (0, Reason::NoSquadInZone),
                (1, Reason::NoCredential),
                (2, Reason::NoCandidate)
            ]
        );
    }

    #[test]
    fn pairs_that_break_the_rules_are_refused_by_number() {
        let mut licensed = need(Urgency::Normal, 0);
        licensed.credentials = 1;
        let base = Problem {
            needs: vec![need(Urgency::Normal, 0), licensed],
            squads: vec![
                outside(1),
                Squad {
                    inside: Some(2),
                    ..outside(1)
                },
            ],
            stock: vec![Stock {
                kind: 1,
                quantity: 1,
            }],
            ..Problem::default()
        };
        let with = |carriers: Vec<Pair>, sources: Vec<Pair>| {
            plan(&Problem {
                carriers,
                sources,
                ..base.clone()
            })
        };
        assert_eq!(
            with(vec![pair(0, 0, 1), pair(0, 9, 1)], vec![]),
            Err(Invalid::OutOfRange(1))
        );
        assert_eq!(
            with(vec![pair(0, 1, 1)], vec![]),
            Err(Invalid::WrongZone(0))
        );
        assert_eq!(
            with(vec![pair(1, 0, 1)], vec![]),
            Err(Invalid::MissingCredentials(0))
        );
        assert_eq!(
            with(vec![pair(0, 0, 1), pair(0, 0, 2)], vec![]),
            Err(Invalid::Repeated(1))
        );
        assert_eq!(
            with(vec![], vec![pair(0, 0, 1)]),
            Err(Invalid::WrongKind(0))
        );
    }

    #[test]
    fn a_need_of_several_lines_takes_what_there_is_of_each_and_names_what_lacks() {
        let mut family = need(Urgency::Urgent, 0);
        family.goods = vec![
            Goods {
                kind: 1,
                quantity: 10,
            },
            Goods {
                kind: 2,
                quantity: 2,
            },
        ];
        let p = Problem {
            needs: vec![family],
            squads: vec![outside(1)],
            stock: vec![
                Stock {
                    kind: 1,
                    quantity: 4,
                },
                Stock {
                    kind: 2,
                    quantity: 0,
                },
            ],
            carriers: vec![pair(0, 0, 100)],
            sources: vec![pair(0, 0, 100), pair(0, 1, 100)],
        };
        let plan = plan(&p).unwrap();
        let task = &plan.tasks[0];
        assert_eq!(
            task.picks
                .iter()
                .map(|k| (k.stock, k.quantity))
                .collect::<Vec<_>>(),
            vec![(0, 4)]
        );
        assert_eq!(task.short, 8);
        assert_eq!(
            task.lacking,
            vec![
                Goods {
                    kind: 1,
                    quantity: 6
                },
                Goods {
                    kind: 2,
                    quantity: 2
                }
            ]
        );
    }

    #[test]
    fn one_kind_on_two_lines_is_refused() {
        let mut n = need(Urgency::Normal, 0);
        n.goods = vec![
            Goods {
                kind: 1,
                quantity: 1,
            },
            Goods {
                kind: 1,
                quantity: 2,
            },
        ];
        let p = Problem {
            needs: vec![need(Urgency::Normal, 0), n],
            ..Problem::default()
        };
        assert_eq!(plan(&p), Err(Invalid::KindTwice(1)));
    }
}
