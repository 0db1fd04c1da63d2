//! An independent, adversarial test set for `matching`, written from the
//! specification (the public types, their docs and the module doc) only.
//!
//! Part 1 is a brute-force reference of the rule for tiny instances: the
//! priority-order procedure decided by exhaustive search over the exact
//! remaining capacities and stock, then the least carrier and goods cost
//! over every assignment realising that outcome. It is compared with
//! `plan` on thousands of seeded random instances.
//!
//! Part 2 is hand-built cases whose answers were worked out by hand.

use std::collections::HashMap;

use matching::{
    Goods, Invalid, Leg, Need, Pair, Plan, Problem, Reason, Squad, Stock, Urgency, WORKLOAD_METRES,
    plan, priority,
};

// ---------------------------------------------------------------------------
// Reference
// ---------------------------------------------------------------------------

/// The leg `squad` may take of `need` (zone and credentials), if any.
fn ref_leg_for(need: &Need, squad: &Squad) -> Option<Leg> {
    match (need.zone, squad.inside) {
        (None, None) => (need.credentials & !squad.credentials == 0).then_some(Leg::Whole),
        (Some(_), None) => Some(Leg::ToGate),
        (Some(z), Some(s)) if z == s => {
            (need.credentials & !squad.credentials == 0).then_some(Leg::Inside)
        }
        _ => None,
    }
}

fn ref_legs(need: &Need) -> Vec<Leg> {
    match need.zone {
        None => vec![Leg::Whole],
        Some(_) => vec![Leg::ToGate, Leg::Inside],
    }
}

fn ref_order(needs: &[Need]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..needs.len()).collect();
    // Most urgent first, then longest wait, then input index.
    order.sort_by(|&a, &b| {
        needs[b]
            .urgency
            .cmp(&needs[a].urgency)
            .then(needs[b].waited_min.cmp(&needs[a].waited_min))
            .then(a.cmp(&b))
    });
    order
}

fn carrier_total(need: &Need, squad: &Squad, metres: u32) -> i64 {
    metres as i64 * need.urgency.weight() + squad.workload as i64 * WORKLOAD_METRES
}

fn asked(need: &Need) -> u32 {
    need.goods.iter().map(|g| g.quantity).sum()
}

/// Candidate squads (index, cost) for leg `leg` of need `i`.
fn leg_candidates(p: &Problem, i: usize, leg: Leg) -> Vec<(usize, i64)> {
    let need = &p.needs[i];
    p.carriers
        .iter()
        .filter(|pr| pr.need as usize == i)
        .filter(|pr| ref_leg_for(need, &p.squads[pr.other as usize]) == Some(leg))
        .map(|pr| {
            let s = pr.other as usize;
            (s, carrier_total(need, &p.squads[s], pr.metres))
        })
        .collect()
}

/// Least cost of giving every listed leg a candidate squad within
/// capacities; `None` when impossible. Exhaustive over the legs, memoised
/// on the exact remaining capacities.
fn min_carrier_cost(p: &Problem, legs: &[(usize, Leg)]) -> Option<i64> {
    let cands: Vec<Vec<(usize, i64)>> = legs
        .iter()
        .map(|&(i, leg)| leg_candidates(p, i, leg))
        .collect();
    let mut caps: Vec<u32> = p.squads.iter().map(|s| s.capacity).collect();
    let mut memo = HashMap::new();
    fn go(
        k: usize,
        cands: &[Vec<(usize, i64)>],
        caps: &mut Vec<u32>,
        memo: &mut HashMap<(usize, Vec<u32>), Option<i64>>,
    ) -> Option<i64> {
        if k == cands.len() {
            return Some(0);
        }
        if let Some(&v) = memo.get(&(k, caps.clone())) {
            return v;
        }
        let mut best: Option<i64> = None;
        for &(s, c) in &cands[k] {
            if caps[s] == 0 {
                continue;
            }
            caps[s] -= 1;
            if let Some(rest) = go(k + 1, cands, caps, memo) {
                let t = rest + c;
                best = Some(best.map_or(t, |b: i64| b.min(t)));
            }
            caps[s] += 1;
        }
        memo.insert((k, caps.clone()), best);
        best
    }
    go(0, &cands, &mut caps, &mut memo)
}

/// Least goods cost of giving need `i` exactly `amount` units for every
/// `(i, amount)` listed; `None` when impossible. Exhaustive over the ways
/// of splitting each amount over the need's candidate stocks.
fn min_goods_cost(p: &Problem, demands: &[(usize, u32)]) -> Option<i64> {
    let cands: Vec<Vec<(usize, i64)>> = demands
        .iter()
        .map(|&(i, _)| {
            let w = p.needs[i].urgency.weight();
            p.sources
                .iter()
                .filter(|pr| pr.need as usize == i)
                .map(|pr| (pr.other as usize, pr.metres as i64 * w))
                .collect()
        })
        .collect();
    let amounts: Vec<u32> = demands.iter().map(|&(_, a)| a).collect();
    let mut left: Vec<u32> = p.stock.iter().map(|s| s.quantity).collect();
    let mut memo = HashMap::new();

    #[allow(clippy::too_many_arguments)]
    fn split(
        k: usize,
        j: usize,
        rest: u32,
        cands: &[Vec<(usize, i64)>],
        amounts: &[u32],
        left: &mut Vec<u32>,
        memo: &mut HashMap<(usize, Vec<u32>), Option<i64>>,
    ) -> Option<i64> {
        if j == cands[k].len() {
            if rest != 0 {
                return None;
            }
            return need(k + 1, cands, amounts, left, memo);
        }
        let (s, unit) = cands[k][j];
        let mut best: Option<i64> = None;
        let most = rest.min(left[s]);
        for take in 0..=most {
            left[s] -= take;
            if let Some(r) = split(k, j + 1, rest - take, cands, amounts, left, memo) {
                let t = r + take as i64 * unit;
                best = Some(best.map_or(t, |b: i64| b.min(t)));
            }
            left[s] += take;
        }
        best
    }
    fn need(
        k: usize,
        cands: &[Vec<(usize, i64)>],
        amounts: &[u32],
        left: &mut Vec<u32>,
        memo: &mut HashMap<(usize, Vec<u32>), Option<i64>>,
    ) -> Option<i64> {
        if k == cands.len() {
            return Some(0);
        }
        if let Some(&v) = memo.get(&(k, left.clone())) {
            return v;
        }
        let v = split(k, 0, amounts[k], cands, amounts, left, memo);
        memo.insert((k, left.clone()), v);
        v
    }
    need(0, &cands, &amounts, &mut left, &mut memo)
}

fn goods_reason(p: &Problem, i: usize) -> Reason {
    let kind = p.needs[i].goods.first().expect("asks for goods").kind;
    if !p.stock.iter().any(|s| s.kind == kind && s.quantity > 0) {
        Reason::NoStock
    } else if !p
        .sources
        .iter()
        .any(|pr| pr.need as usize == i && p.stock[pr.other as usize].quantity > 0)
    {
        Reason::NoSource
    } else {
        Reason::StockExhausted
    }
}

/// The reason a leg failed; `None` where the specification does not say
/// (a whole or gate leg when no outside squad exists at all).
fn leg_reason(p: &Problem, i: usize, leg: Leg) -> Option<Reason> {
    let need = &p.needs[i];
    let by_zone: Vec<&Squad> = p
        .squads
        .iter()
        .filter(|s| match leg {
            Leg::Whole | Leg::ToGate => s.inside.is_none(),
            Leg::Inside => s.inside.is_some() && s.inside == need.zone,
        })
        .collect();
    if by_zone.is_empty() {
        return match leg {
            Leg::Inside => Some(Reason::NoSquadInZone),
            _ => None,
        };
    }
    let door = leg != Leg::ToGate;
    if door
        && !by_zone
            .iter()
            .any(|s| need.credentials & !s.credentials == 0)
    {
        return Some(Reason::NoCredential);
    }
    if leg_candidates(p, i, leg).is_empty() {
        return Some(Reason::NoCandidate);
    }
    Some(Reason::CapacityExhausted)
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RefPlan {
    /// Served needs in priority order with the goods they got.
    served: Vec<(usize, u32)>,
    /// Unserved needs in priority order: need, leg, reason (`None`: the
    /// specification leaves it open).
    unserved: Vec<(usize, Option<Leg>, Option<Reason>)>,
    cost: i64,
}

fn reference(p: &Problem) -> RefPlan {
    let order = ref_order(&p.needs);
    let mut served = Vec::new();
    let mut unserved = Vec::new();
    let mut goods: Vec<(usize, u32)> = Vec::new();
    let mut legs: Vec<(usize, Leg)> = Vec::new();
    for &i in &order {
        let need = &p.needs[i];
        let ask = asked(need);
        let mut got = 0;
        if ask > 0 {
            got = (1..=ask)
                .rev()
                .find(|&a| {
                    let mut d = goods.clone();
                    d.push((i, a));
                    min_goods_cost(p, &d).is_some()
                })
                .unwrap_or(0);
            if got == 0 {
                unserved.push((i, None, Some(goods_reason(p, i))));
                continue;
            }
        }
        let mine: Vec<(usize, Leg)> = ref_legs(need).into_iter().map(|l| (i, l)).collect();
        let mut all = legs.clone();
        all.extend(mine.iter().copied());
        if min_carrier_cost(p, &all).is_some() {
            served.push((i, got));
            legs = all;
            if got > 0 {
                goods.push((i, got));
            }
        } else {
            let failing = mine
                .iter()
                .find(|&&l| {
                    let mut t = legs.clone();
                    t.push(l);
                    min_carrier_cost(p, &t).is_none()
                })
                .expect("outside and inside squads are apart, so one leg alone fails")
                .1;
            unserved.push((i, Some(failing), leg_reason(p, i, failing)));
        }
    }
    let cost = min_carrier_cost(p, &legs).expect("served legs fit")
        + min_goods_cost(p, &goods).expect("served goods fit");
    RefPlan {
        served,
        unserved,
        cost,
    }
}

// ---------------------------------------------------------------------------
// Checking a plan against the problem on its own (no reference needed)
// ---------------------------------------------------------------------------

/// Everything a dispatcher can check in a plan without solving anything:
/// legs, candidates, capacities, stock, costs, order, next-best.
fn check_plan_shape(p: &Problem, out: &Plan) -> Result<(), String> {
    let order = ref_order(&p.needs);
    let rank: HashMap<usize, usize> = order.iter().enumerate().map(|(r, &i)| (i, r)).collect();
    let mut seen = vec![false; p.needs.len()];
    let mut used = vec![0u32; p.squads.len()];
    let mut taken = vec![0u64; p.stock.len()];
    let mut total: i64 = 0;

    let mut last = None;
    for t in &out.tasks {
        let i = t.need as usize;
        if i >= p.needs.len() {
            return Err(format!("task for need {i} out of range"));
        }
        if std::mem::replace(&mut seen[i], true) {
            return Err(format!("need {i} appears twice"));
        }
        if let Some(l) = last
            && rank[&i] < l
        {
            return Err(format!("tasks not in priority order at need {i}"));
        }
        last = Some(rank[&i]);
        let need = &p.needs[i];
        let want = ref_legs(need);
        let got_legs: Vec<Leg> = t.legs.iter().map(|a| a.leg).collect();
        if got_legs != want {
            return Err(format!("need {i}: legs {got_legs:?}, expected {want:?}"));
        }
        for a in &t.legs {
            let s = a.squad as usize;
            let pair = p
                .carriers
                .iter()
                .find(|pr| pr.need as usize == i && pr.other as usize == s)
                .ok_or(format!("need {i}: squad {s} is not a candidate"))?;
            if ref_leg_for(need, &p.squads[s]) != Some(a.leg) {
                return Err(format!("need {i}: squad {s} cannot take {:?}", a.leg));
            }
            used[s] += 1;
            let want_cost = carrier_total(need, &p.squads[s], pair.metres);
            if a.cost.metres != pair.metres
                || a.cost.weight != need.urgency.weight()
                || a.cost.workload != p.squads[s].workload
                || a.cost.total != want_cost
            {
                return Err(format!("need {i}: leg cost {:?} wrong", a.cost));
            }
            total += a.cost.total;
        }
        let mut sum = 0u64;
        for pk in &t.picks {
            let s = pk.stock as usize;
            let pair = p
                .sources
                .iter()
                .find(|pr| pr.need as usize == i && pr.other as usize == s)
                .ok_or(format!("need {i}: stock {s} is not a candidate"))?;
            if pk.quantity == 0 {
                return Err(format!("need {i}: empty pick from stock {s}"));
            }
            let unit = pair.metres as i64 * need.urgency.weight();
            if pk.cost.metres != pair.metres
                || pk.cost.weight != need.urgency.weight()
                || pk.cost.workload != 0
                || pk.cost.total != unit
            {
                return Err(format!("need {i}: pick cost {:?} wrong", pk.cost));
            }
            taken[s] += pk.quantity as u64;
            sum += pk.quantity as u64;
            total += pk.quantity as i64 * pk.cost.total;
        }
        for w in t.picks.windows(2) {
            if (w[0].cost.total, w[0].stock) >= (w[1].cost.total, w[1].stock) {
                return Err(format!("need {i}: picks not sorted by cost then stock"));
            }
        }
        let ask = asked(need) as u64;
        if sum > ask || sum + t.short as u64 != ask {
            return Err(format!(
                "need {i}: asked {ask}, picked {sum}, short {}",
                t.short
            ));
        }
        if ask > 0 && sum == 0 {
            return Err(format!("need {i}: served with no goods"));
        }
    }
    for (s, &u) in used.iter().enumerate() {
        if u > p.squads[s].capacity {
            return Err(format!("squad {s} over capacity: {u}"));
        }
    }
    for (s, &u) in taken.iter().enumerate() {
        if u > p.stock[s].quantity as u64 {
            return Err(format!("stock {s} over-drawn: {u}"));
        }
    }
    if total != out.cost {
        return Err(format!("plan.cost {} but parts sum to {total}", out.cost));
    }
    // next_best: the cheapest other candidate for the leg, ties by index;
    // full when its capacity is all used in this plan.
    for t in &out.tasks {
        let i = t.need as usize;
        for a in &t.legs {
            let best = leg_candidates(p, i, a.leg)
                .into_iter()
                .filter(|&(s, _)| s != a.squad as usize)
                .min_by_key(|&(s, c)| (c, s));
            match (best, a.next_best) {
                (None, None) => {}
                (Some((s, c)), Some(alt)) => {
                    let full = used[s] >= p.squads[s].capacity;
                    if alt.squad as usize != s || alt.cost.total != c || alt.full != full {
                        return Err(format!(
                            "need {i} {:?}: next_best {alt:?}, expected squad {s} cost {c} full {full}",
                            a.leg
                        ));
                    }
                    let pair = p
                        .carriers
                        .iter()
                        .find(|pr| pr.need as usize == i && pr.other as usize == s)
                        .unwrap();
                    if alt.cost.metres != pair.metres
                        || alt.cost.weight != p.needs[i].urgency.weight()
                        || alt.cost.workload != p.squads[s].workload
                    {
                        return Err(format!("need {i}: next_best cost parts {:?}", alt.cost));
                    }
                }
                (want, have) => {
                    return Err(format!(
                        "need {i} {:?}: next_best {have:?}, expected {want:?}",
                        a.leg
                    ));
                }
            }
        }
    }
    let mut last = None;
    for u in &out.unserved {
        let i = u.need as usize;
        if i >= p.needs.len() {
            return Err(format!("unserved need {i} out of range"));
        }
        if std::mem::replace(&mut seen[i], true) {
            return Err(format!("need {i} both served and unserved, or twice"));
        }
        if let Some(l) = last
            && rank[&i] < l
        {
            return Err(format!("unserved not in priority order at need {i}"));
        }
        last = Some(rank[&i]);
        let goods_reason = matches!(
            u.reason,
            Reason::NoStock | Reason::NoSource | Reason::StockExhausted
        );
        if goods_reason != u.leg.is_none() {
            return Err(format!(
                "need {i}: leg {:?} with reason {:?}",
                u.leg, u.reason
            ));
        }
        if let Some(l) = u.leg
            && !ref_legs(&p.needs[i]).contains(&l)
        {
            return Err(format!(
                "need {i}: failing leg {l:?} is not one of its legs"
            ));
        }
    }
    if let Some(i) = seen.iter().position(|&s| !s) {
        return Err(format!("need {i} neither served nor unserved"));
    }
    Ok(())
}

/// Compare the crate with the reference; `Err` describes the first
/// disagreement.
fn compare(p: &Problem) -> Result<(), String> {
    let out = plan(p).map_err(|e| format!("plan failed on a valid problem: {e:?}"))?;
    check_plan_shape(p, &out)?;
    let r = reference(p);
    let served: Vec<(usize, u32)> = out
        .tasks
        .iter()
        .map(|t| (t.need as usize, t.picks.iter().map(|pk| pk.quantity).sum()))
        .collect();
    if served != r.served {
        return Err(format!(
            "served (need, goods) {served:?}, reference {:?}",
            r.served
        ));
    }
    let unserved: Vec<usize> = out.unserved.iter().map(|u| u.need as usize).collect();
    let want: Vec<usize> = r.unserved.iter().map(|u| u.0).collect();
    if unserved != want {
        return Err(format!("unserved {unserved:?}, reference {want:?}"));
    }
    for (u, &(i, leg, reason)) in out.unserved.iter().zip(&r.unserved) {
        if u.leg != leg {
            return Err(format!(
                "need {i}: failing leg {:?}, reference {leg:?}",
                u.leg
            ));
        }
        if let Some(reason) = reason
            && u.reason != reason
        {
            return Err(format!(
                "need {i}: reason {:?}, reference {reason:?}",
                u.reason
            ));
        }
    }
    if out.cost != r.cost {
        return Err(format!("cost {}, reference {}", out.cost, r.cost));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Seeded random instances
// ---------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as u64) as u32
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

#[derive(Clone, Copy)]
struct Profile {
    needs: u32,
    squads: u32,
    stocks: u32,
    cap: u32,
    qty: u32,
    ask: u32,
    pair_pct: u64,
    sealed_pct: u64,
    inside_pct: u64,
    huge: bool,
}

fn random_problem(rng: &mut Rng, pf: Profile) -> Problem {
    let urg = [Urgency::Normal, Urgency::Urgent, Urgency::Critical];
    let n = rng.range(1, pf.needs);
    let needs: Vec<Need> = (0..n)
        .map(|_| Need {
            urgency: rng.pick(&urg),
            waited_min: rng.range(0, 2),
            zone: if rng.chance(pf.sealed_pct) {
                Some(rng.range(0, 1))
            } else {
                None
            },
            goods: if rng.chance(55) {
                vec![Goods {
                    kind: u32::from(rng.chance(25)),
                    quantity: rng.range(1, pf.ask),
                }]
            } else {
                vec![]
            },
            credentials: if rng.chance(70) { 0 } else { rng.range(1, 3) },
        })
        .collect();
    let m = rng.range(1, pf.squads);
    let squads: Vec<Squad> = (0..m)
        .map(|_| Squad {
            capacity: if rng.chance(12) {
                0
            } else {
                rng.range(1, pf.cap)
            },
            workload: rng.pick(&[0, 0, 0, 1, 2]),
            inside: if rng.chance(pf.inside_pct) {
                Some(rng.range(0, 1))
            } else {
                None
            },
            credentials: if rng.chance(30) { 3 } else { rng.range(0, 3) },
        })
        .collect();
    let k = if rng.chance(5) {
        0
    } else if rng.chance(50) {
        pf.stocks
    } else {
        rng.range(1, pf.stocks)
    };
    let stock: Vec<Stock> = (0..k)
        .map(|_| Stock {
            kind: u32::from(rng.chance(35)),
            quantity: if rng.chance(10) {
                0
            } else {
                rng.range(1, pf.qty)
            },
        })
        .collect();
    let metres = |rng: &mut Rng| -> u32 {
        if pf.huge && rng.chance(50) {
            u32::MAX - rng.range(0, 3)
        } else {
            rng.pick(&[0, 1, 1, 2, 3, 5, 10, 250, 600])
        }
    };
    let mut carriers = Vec::new();
    for (i, need) in needs.iter().enumerate() {
        for (s, squad) in squads.iter().enumerate() {
            if ref_leg_for(need, squad).is_some() && rng.chance(pf.pair_pct) {
                carriers.push(Pair {
                    need: i as u32,
                    other: s as u32,
                    metres: metres(rng),
                });
            }
        }
    }
    let mut sources = Vec::new();
    for (i, need) in needs.iter().enumerate() {
        if let Some(&g) = need.goods.first() {
            for (s, st) in stock.iter().enumerate() {
                if st.kind == g.kind && rng.chance(pf.pair_pct) {
                    sources.push(Pair {
                        need: i as u32,
                        other: s as u32,
                        metres: metres(rng),
                    });
                }
            }
        }
    }
    // Shuffle the pairs: their order must not matter.
    for v in [&mut carriers, &mut sources] {
        for j in (1..v.len()).rev() {
            let r = rng.below(j as u64 + 1) as usize;
            v.swap(j, r);
        }
    }
    Problem {
        needs,
        squads,
        stock,
        carriers,
        sources,
    }
}

fn size(p: &Problem) -> usize {
    p.needs.len() * 100
        + p.squads.len() * 10
        + p.stock.len() * 10
        + p.carriers.len()
        + p.sources.len()
}

/// What the random instances exercised, so a generator that drifts into
/// trivial cases is noticed.
#[derive(Debug, Default)]
struct Coverage {
    served: usize,
    sealed_served: usize,
    short: usize,
    unserved: HashMap<Reason, usize>,
    /// Reasons the crate gave where the specification leaves it open.
    open: HashMap<Reason, usize>,
}

fn run_random(name: &str, pf: Profile, cases: u64, seed: u64) -> Coverage {
    let mut failures: Vec<(usize, u64, String, Problem)> = Vec::new();
    let mut cov = Coverage::default();
    for c in 0..cases {
        let s = seed.wrapping_mul(1_000_003).wrapping_add(c);
        let mut rng = Rng(s);
        let p = random_problem(&mut rng, pf);
        if let Err(msg) = compare(&p) {
            failures.push((size(&p), s, msg, p));
            continue;
        }
        let out = plan(&p).unwrap();
        let r = reference(&p);
        cov.served += out.tasks.len();
        cov.sealed_served += out
            .tasks
            .iter()
            .filter(|t| p.needs[t.need as usize].zone.is_some())
            .count();
        cov.short += out.tasks.iter().filter(|t| t.short > 0).count();
        for (u, rr) in out.unserved.iter().zip(&r.unserved) {
            *cov.unserved.entry(u.reason).or_default() += 1;
            if rr.2.is_none() {
                *cov.open.entry(u.reason).or_default() += 1;
            }
        }
    }
    eprintln!("{name}: {cases} cases, {cov:?}");
    if !failures.is_empty() {
        failures.sort_by_key(|f| f.0);
        let (_, s, msg, p) = &failures[0];
        panic!(
            "{name}: {} of {cases} random cases disagree; smallest (seed {s}): {msg}\n{p:#?}",
            failures.len()
        );
    }
    assert!(cov.served > cases as usize / 2, "{name}: too few served");
    assert!(
        cov.sealed_served > cases as usize / 20,
        "{name}: too few sealed served"
    );
    assert!(cov.sealed_served > 0, "{name}: no sealed need served");
    assert!(cov.short > 0, "{name}: no partial goods");
    for reason in [
        Reason::NoStock,
        Reason::NoSource,
        Reason::StockExhausted,
        Reason::NoSquadInZone,
        Reason::NoCredential,
        Reason::NoCandidate,
        Reason::CapacityExhausted,
    ] {
        assert!(
            cov.unserved.get(&reason).copied().unwrap_or(0) > 0,
            "{name}: never saw {reason:?}"
        );
    }
    cov
}

const BASE: Profile = Profile {
    needs: 5,
    squads: 4,
    stocks: 3,
    cap: 2,
    qty: 3,
    ask: 3,
    pair_pct: 60,
    sealed_pct: 35,
    inside_pct: 30,
    huge: false,
};

#[test]
fn random_small_batches_match_the_brute_force_reference() {
    run_random("base", BASE, 3000, 1);
}

#[test]
fn random_crowded_batches_with_one_slot_squads_match_the_reference() {
    let pf = Profile {
        needs: 6,
        squads: 4,
        stocks: 3,
        cap: 1,
        qty: 2,
        ask: 3,
        pair_pct: 80,
        sealed_pct: 25,
        inside_pct: 30,
        huge: false,
    };
    run_random("crowded", pf, 2500, 2);
}

#[test]
fn random_sparse_batches_with_many_sealed_needs_match_the_reference() {
    let pf = Profile {
        needs: 5,
        squads: 5,
        stocks: 3,
        cap: 2,
        qty: 4,
        ask: 4,
        pair_pct: 65,
        sealed_pct: 70,
        inside_pct: 40,
        huge: false,
    };
    run_random("sealed", pf, 2500, 3);
}

#[test]
fn random_batches_at_near_u32_max_distances_match_the_reference() {
    let pf = Profile { huge: true, ..BASE };
    run_random("huge", pf, 1500, 4);
}

// ---------------------------------------------------------------------------
// Hand-built cases
// ---------------------------------------------------------------------------

fn need(urgency: Urgency, waited_min: u32) -> Need {
    Need {
        urgency,
        waited_min,
        zone: None,
        goods: vec![],
        credentials: 0,
    }
}

fn with_goods(mut n: Need, kind: u32, quantity: u32) -> Need {
    n.goods = vec![Goods { kind, quantity }];
    n
}

fn sealed(mut n: Need, zone: u32) -> Need {
    n.zone = Some(zone);
    n
}

fn creds(mut n: Need, bits: u32) -> Need {
    n.credentials = bits;
    n
}

fn outside(capacity: u32) -> Squad {
    Squad {
        capacity,
        workload: 0,
        inside: None,
        credentials: 0,
    }
}

fn inside(capacity: u32, zone: u32, credentials: u32) -> Squad {
    Squad {
        capacity,
        workload: 0,
        inside: Some(zone),
        credentials,
    }
}

fn pair(need: u32, other: u32, metres: u32) -> Pair {
    Pair {
        need,
        other,
        metres,
    }
}

fn stock(kind: u32, quantity: u32) -> Stock {
    Stock { kind, quantity }
}

/// Plan it, check the plan's shape, and check it against the reference.
fn solve(p: &Problem) -> Plan {
    let out = plan(p).expect("valid problem");
    if let Err(e) = check_plan_shape(p, &out) {
        panic!("{e}\n{out:#?}");
    }
    if let Err(e) = compare(p) {
        panic!("disagrees with the reference: {e}\n{out:#?}");
    }
    out
}

fn served(out: &Plan) -> Vec<u32> {
    out.tasks.iter().map(|t| t.need).collect()
}

fn squads_of(out: &Plan, need: u32) -> Vec<u32> {
    out.tasks
        .iter()
        .find(|t| t.need == need)
        .map(|t| t.legs.iter().map(|a| a.squad).collect())
        .unwrap_or_default()
}

fn goods_of(out: &Plan, need: u32) -> Vec<(u32, u32)> {
    out.tasks
        .iter()
        .find(|t| t.need == need)
        .map(|t| t.picks.iter().map(|pk| (pk.stock, pk.quantity)).collect())
        .unwrap_or_default()
}

fn why(out: &Plan, need: u32) -> Option<(Option<Leg>, Reason)> {
    out.unserved
        .iter()
        .find(|u| u.need == need)
        .map(|u| (u.leg, u.reason))
}

#[test]
fn an_empty_batch_plans_nothing_at_no_cost() {
    let out = plan(&Problem::default()).unwrap();
    assert_eq!(out, Plan::default());
}

#[test]
fn priority_puts_critical_before_urgent_before_normal_then_longest_wait_then_input_order() {
    let needs = vec![
        need(Urgency::Normal, 100), // 0
        need(Urgency::Critical, 1), // 1
        need(Urgency::Urgent, 7),   // 2
        need(Urgency::Critical, 1), // 3
        need(Urgency::Urgent, 9),   // 4
        need(Urgency::Critical, 2), // 5
        need(Urgency::Normal, 100), // 6
        need(Urgency::Normal, 0),   // 7
    ];
    assert_eq!(priority(&needs), vec![5, 1, 3, 4, 2, 0, 6, 7]);
    assert_eq!(priority(&needs), ref_order(&needs));
    assert!(priority(&[]).is_empty());
}

#[test]
fn two_identical_needs_for_one_slot_go_to_the_earlier_in_input() {
    // Same urgency, same wait, same distance: input order decides.
    let p = Problem {
        needs: vec![need(Urgency::Urgent, 5), need(Urgency::Urgent, 5)],
        squads: vec![outside(1)],
        carriers: vec![pair(1, 0, 7), pair(0, 0, 7)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(served(&out), vec![0]);
    assert_eq!(
        why(&out, 1),
        Some((Some(Leg::Whole), Reason::CapacityExhausted))
    );
    assert_eq!(out.cost, 14);
    assert_eq!(out.tasks[0].legs[0].next_best, None);
}

#[test]
fn a_longer_wait_beats_input_order_and_a_more_urgent_need_beats_a_longer_wait() {
    let p = Problem {
        needs: vec![
            need(Urgency::Normal, 1),
            need(Urgency::Normal, 9),
            need(Urgency::Urgent, 0),
        ],
        squads: vec![outside(1), outside(1)],
        carriers: vec![pair(0, 0, 1), pair(1, 0, 1), pair(2, 0, 1), pair(0, 1, 1)],
        ..Default::default()
    };
    // Need 2 first (urgent) takes squad 0; need 1 (waited longer) only has
    // squad 0 and loses; need 0 gets squad 1.
    let out = solve(&p);
    assert_eq!(served(&out), vec![2, 0]);
    assert_eq!(squads_of(&out, 2), vec![0]);
    assert_eq!(squads_of(&out, 0), vec![1]);
    assert_eq!(
        out.unserved.iter().map(|u| u.need).collect::<Vec<_>>(),
        vec![1]
    );
    assert_eq!(out.cost, 2 + 1);
}

#[test]
fn equal_cost_squads_still_give_the_exact_least_cost() {
    // Three needs, three squads, every distance equal: any perfect
    // matching is optimal; the cost is fixed.
    let mut carriers = Vec::new();
    for i in 0..3 {
        for s in 0..3 {
            carriers.push(pair(i, s, 4));
        }
    }
    let p = Problem {
        needs: vec![need(Urgency::Normal, 0); 3],
        squads: vec![outside(1); 3],
        carriers,
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(served(&out), vec![0, 1, 2]);
    assert_eq!(out.cost, 12);
    // Every next-best is another squad at the same cost, and all are full.
    for t in &out.tasks {
        let nb = t.legs[0].next_best.unwrap();
        assert_ne!(nb.squad, t.legs[0].squad);
        assert_eq!(nb.cost.total, 4);
        assert!(nb.full);
    }
}

#[test]
fn next_best_is_the_cheapest_other_candidate_with_ties_to_the_lower_squad_index() {
    let p = Problem {
        needs: vec![need(Urgency::Urgent, 0)],
        squads: vec![outside(1), outside(1), outside(1), outside(1)],
        carriers: vec![pair(0, 2, 5), pair(0, 3, 3), pair(0, 0, 5), pair(0, 1, 9)],
        ..Default::default()
    };
    let out = solve(&p);
    let a = &out.tasks[0].legs[0];
    assert_eq!(a.squad, 3);
    assert_eq!(a.cost.total, 6);
    let nb = a.next_best.unwrap();
    assert_eq!(nb.squad, 0);
    assert_eq!(nb.cost.total, 10);
    assert_eq!(nb.cost.metres, 5);
    assert_eq!(nb.cost.weight, 2);
    assert!(!nb.full);
}

#[test]
fn of_two_equally_near_squads_the_less_loaded_one_is_proposed() {
    let mut busy = outside(1);
    busy.workload = 1;
    let p = Problem {
        needs: vec![need(Urgency::Normal, 0)],
        squads: vec![busy, outside(1)],
        carriers: vec![pair(0, 0, 100), pair(0, 1, 100)],
        ..Default::default()
    };
    let out = solve(&p);
    let a = &out.tasks[0].legs[0];
    assert_eq!(a.squad, 1);
    assert_eq!(a.cost.total, 100);
    let nb = a.next_best.unwrap();
    assert_eq!(nb.squad, 0);
    assert_eq!(nb.cost.total, 100 + WORKLOAD_METRES);
    assert_eq!(nb.cost.workload, 1);
    assert_eq!(out.cost, 100);
}

#[test]
fn workload_weighs_500_metres_per_task_even_against_a_far_squad() {
    // A loaded squad 1 m away (1 + 500) vs. a free squad 400 m away (400),
    // the free one wins; at 600 m the loaded one wins (501 < 600).
    let mut busy = outside(1);
    busy.workload = 1;
    for (far, expect) in [(400u32, 1u32), (600, 0)] {
        let p = Problem {
            needs: vec![need(Urgency::Normal, 0)],
            squads: vec![busy.clone(), outside(1)],
            carriers: vec![pair(0, 0, 1), pair(0, 1, far)],
            ..Default::default()
        };
        let out = solve(&p);
        assert_eq!(squads_of(&out, 0), vec![expect]);
    }
}

#[test]
fn a_squad_with_workload_above_capacity_still_takes_capacity_legs() {
    // Capacity counts legs in this batch; workload only adds cost.
    let mut s = outside(2);
    s.workload = 5;
    let p = Problem {
        needs: vec![need(Urgency::Normal, 0), need(Urgency::Normal, 0)],
        squads: vec![s],
        carriers: vec![pair(0, 0, 1), pair(1, 0, 2)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(served(&out), vec![0, 1]);
    assert_eq!(out.cost, 1 + 2 + 2 * 5 * WORKLOAD_METRES);
}

#[test]
fn a_zero_capacity_squad_serves_nobody_and_the_need_reports_capacity_exhausted() {
    let p = Problem {
        needs: vec![need(Urgency::Critical, 0)],
        squads: vec![outside(0)],
        carriers: vec![pair(0, 0, 1)],
        ..Default::default()
    };
    let out = solve(&p);
    assert!(out.tasks.is_empty());
    assert_eq!(
        why(&out, 0),
        Some((Some(Leg::Whole), Reason::CapacityExhausted))
    );
    assert_eq!(out.cost, 0);
}

#[test]
fn a_zero_capacity_squad_shows_as_a_full_next_best() {
    let p = Problem {
        needs: vec![need(Urgency::Normal, 0)],
        squads: vec![outside(0), outside(1)],
        carriers: vec![pair(0, 0, 1), pair(0, 1, 50)],
        ..Default::default()
    };
    let out = solve(&p);
    let a = &out.tasks[0].legs[0];
    assert_eq!(a.squad, 1);
    let nb = a.next_best.unwrap();
    assert_eq!(nb.squad, 0);
    assert_eq!(nb.cost.total, 1);
    assert!(nb.full);
}

#[test]
fn a_zero_quantity_stock_counts_as_no_stock_at_all() {
    let p = Problem {
        needs: vec![with_goods(need(Urgency::Normal, 0), 7, 2)],
        squads: vec![outside(1)],
        stock: vec![stock(7, 0), stock(8, 5)],
        carriers: vec![pair(0, 0, 1)],
        sources: vec![pair(0, 0, 1)],
    };
    let out = solve(&p);
    assert!(out.tasks.is_empty());
    assert_eq!(why(&out, 0), Some((None, Reason::NoStock)));
}

#[test]
fn a_need_whose_only_source_is_empty_reports_no_source_when_stock_exists_elsewhere() {
    let p = Problem {
        needs: vec![with_goods(need(Urgency::Normal, 0), 7, 2)],
        squads: vec![outside(1)],
        stock: vec![stock(7, 0), stock(7, 5)],
        carriers: vec![pair(0, 0, 1)],
        sources: vec![pair(0, 0, 1)],
    };
    let out = solve(&p);
    assert_eq!(why(&out, 0), Some((None, Reason::NoSource)));
}

#[test]
fn a_need_asking_for_goods_with_no_source_pairs_is_no_source_not_served() {
    let p = Problem {
        needs: vec![with_goods(need(Urgency::Critical, 0), 1, 1)],
        squads: vec![outside(1)],
        stock: vec![stock(1, 10)],
        carriers: vec![pair(0, 0, 1)],
        sources: vec![],
    };
    let out = solve(&p);
    assert!(out.tasks.is_empty());
    assert_eq!(why(&out, 0), Some((None, Reason::NoSource)));
    assert_eq!(out.cost, 0);
}

#[test]
fn a_need_asking_for_a_kind_nobody_stocks_is_no_stock() {
    let p = Problem {
        needs: vec![with_goods(need(Urgency::Critical, 0), 3, 1)],
        squads: vec![outside(1)],
        stock: vec![stock(1, 10)],
        carriers: vec![pair(0, 0, 1)],
        sources: vec![],
    };
    let out = solve(&p);
    assert_eq!(why(&out, 0), Some((None, Reason::NoStock)));
}

#[test]
fn a_need_with_zero_goods_asked_is_served_by_its_leg_alone() {
    // quantity 0 does not ask for goods: no picks, nothing short.
    let p = Problem {
        needs: vec![with_goods(need(Urgency::Normal, 0), 1, 0)],
        squads: vec![outside(1)],
        carriers: vec![pair(0, 0, 3)],
        ..Default::default()
    };
    let out = plan(&p).unwrap();
    assert_eq!(served(&out), vec![0]);
    assert!(out.tasks[0].picks.is_empty());
    assert_eq!(out.tasks[0].short, 0);
    assert_eq!(out.cost, 3);
}

#[test]
fn goods_failures_are_reported_before_leg_failures() {
    // No squad candidate and no stock: the reason is about goods.
    let p = Problem {
        needs: vec![with_goods(need(Urgency::Normal, 0), 1, 1)],
        squads: vec![outside(1)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(why(&out, 0), Some((None, Reason::NoStock)));
}

#[test]
fn goods_fall_short_and_the_task_says_how_much() {
    let p = Problem {
        needs: vec![with_goods(need(Urgency::Normal, 0), 1, 5)],
        squads: vec![outside(1)],
        stock: vec![stock(1, 2), stock(1, 1), stock(1, 9)],
        carriers: vec![pair(0, 0, 10)],
        sources: vec![pair(0, 1, 3), pair(0, 0, 3)],
    };
    let out = solve(&p);
    let t = &out.tasks[0];
    assert_eq!(t.short, 2);
    // Sorted by cost then stock: equal costs, so stock 0 then stock 1.
    assert_eq!(goods_of(&out, 0), vec![(0, 2), (1, 1)]);
    assert_eq!(out.cost, 10 + 3 * 3);
}

#[test]
fn picks_come_cheapest_first() {
    let p = Problem {
        needs: vec![with_goods(need(Urgency::Urgent, 0), 1, 4)],
        squads: vec![outside(1)],
        stock: vec![stock(1, 2), stock(1, 2)],
        carriers: vec![pair(0, 0, 0)],
        sources: vec![pair(0, 0, 9), pair(0, 1, 2)],
    };
    let out = solve(&p);
    assert_eq!(goods_of(&out, 0), vec![(1, 2), (0, 2)]);
    assert_eq!(out.tasks[0].picks[0].cost.total, 4);
    assert_eq!(out.tasks[0].picks[1].cost.total, 18);
    assert_eq!(out.cost, 2 * 4 + 2 * 18);
}

#[test]
fn goods_taken_by_an_earlier_need_leave_a_later_one_stock_exhausted() {
    let p = Problem {
        needs: vec![
            with_goods(need(Urgency::Normal, 0), 1, 1),
            with_goods(need(Urgency::Critical, 0), 1, 2),
        ],
        squads: vec![outside(2)],
        stock: vec![stock(1, 1), stock(1, 1)],
        carriers: vec![pair(0, 0, 1), pair(1, 0, 1)],
        sources: vec![pair(0, 0, 1), pair(1, 0, 5), pair(1, 1, 5)],
    };
    // Need 1 (critical) takes both stocks: 2 units, nothing left for need 0
    // whose only source is stock 0.
    let out = solve(&p);
    assert_eq!(served(&out), vec![1]);
    assert_eq!(out.tasks[0].short, 0);
    assert_eq!(why(&out, 0), Some((None, Reason::StockExhausted)));
    assert_eq!(out.cost, 4 + 2 * 20);
}

#[test]
fn an_earlier_need_keeps_its_goods_amount_but_may_take_them_from_a_dearer_depot() {
    // Need 0 (first) can use stock 0 (near) or 1 (far); need 1 only stock 0.
    let p = Problem {
        needs: vec![
            with_goods(need(Urgency::Urgent, 0), 1, 1),
            with_goods(need(Urgency::Normal, 0), 1, 1),
        ],
        squads: vec![outside(2)],
        stock: vec![stock(1, 1), stock(1, 1)],
        carriers: vec![pair(0, 0, 0), pair(1, 0, 0)],
        sources: vec![pair(0, 0, 1), pair(0, 1, 100), pair(1, 0, 1)],
    };
    let out = solve(&p);
    assert_eq!(served(&out), vec![0, 1]);
    assert_eq!(goods_of(&out, 0), vec![(1, 1)]);
    assert_eq!(goods_of(&out, 1), vec![(0, 1)]);
    assert_eq!(out.cost, 200 + 1);
}

#[test]
fn a_partly_served_earlier_need_keeps_its_partial_amount_and_a_later_need_gets_the_rest() {
    // Stock: 2 at depot 0, 1 at depot 1. Need 0 asks 1 (either depot);
    // need 1 asks 3 (either depot): it gets 2, short 1. Need 2 asks 1 from
    // depot 0 only: exhausted.
    let p = Problem {
        needs: vec![
            with_goods(need(Urgency::Critical, 0), 1, 1),
            with_goods(need(Urgency::Urgent, 0), 1, 3),
            with_goods(need(Urgency::Normal, 0), 1, 1),
        ],
        squads: vec![outside(3)],
        stock: vec![stock(1, 2), stock(1, 1)],
        carriers: vec![pair(0, 0, 0), pair(1, 0, 0), pair(2, 0, 0)],
        sources: vec![
            pair(0, 0, 1),
            pair(0, 1, 1),
            pair(1, 0, 1),
            pair(1, 1, 1),
            pair(2, 0, 1),
        ],
    };
    let out = solve(&p);
    assert_eq!(served(&out), vec![0, 1]);
    assert_eq!(out.tasks[1].short, 1);
    assert_eq!(why(&out, 2), Some((None, Reason::StockExhausted)));
    assert_eq!(out.cost, 4 + 2 * 2);
}

#[test]
fn a_sealed_need_whose_inside_leg_fails_gives_its_goods_and_gate_squad_to_a_later_need() {
    // Need 0 (critical, sealed zone 1) finds goods (stock 0) and a gate
    // squad (squad 0), but the only inside squad is not a candidate. Need 1
    // (normal) needs exactly that stock and that squad.
    let p = Problem {
        needs: vec![
            with_goods(sealed(need(Urgency::Critical, 0), 1), 5, 2),
            with_goods(need(Urgency::Normal, 0), 5, 2),
        ],
        squads: vec![outside(1), inside(1, 1, 0)],
        stock: vec![stock(5, 2)],
        carriers: vec![pair(0, 0, 1), pair(1, 0, 3)],
        sources: vec![pair(0, 0, 1), pair(1, 0, 4)],
    };
    let out = solve(&p);
    assert_eq!(served(&out), vec![1]);
    assert_eq!(why(&out, 0), Some((Some(Leg::Inside), Reason::NoCandidate)));
    assert_eq!(goods_of(&out, 1), vec![(0, 2)]);
    assert_eq!(squads_of(&out, 1), vec![0]);
    assert_eq!(out.tasks[0].short, 0);
    assert_eq!(out.cost, 3 + 2 * 4);
}

#[test]
fn a_sealed_need_whose_inside_squad_lacks_credentials_frees_its_gate_squad() {
    let p = Problem {
        needs: vec![
            creds(sealed(need(Urgency::Critical, 0), 2), 0b1),
            need(Urgency::Normal, 0),
        ],
        squads: vec![outside(1), inside(1, 2, 0b10)],
        carriers: vec![pair(0, 0, 1), pair(1, 0, 1)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(served(&out), vec![1]);
    assert_eq!(
        why(&out, 0),
        Some((Some(Leg::Inside), Reason::NoCredential))
    );
}

#[test]
fn a_sealed_need_in_a_zone_without_any_inside_squad_is_no_squad_in_zone() {
    let p = Problem {
        needs: vec![sealed(need(Urgency::Normal, 0), 3)],
        squads: vec![outside(1), inside(1, 4, 0)],
        carriers: vec![pair(0, 0, 1)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(
        why(&out, 0),
        Some((Some(Leg::Inside), Reason::NoSquadInZone))
    );
}

#[test]
fn a_sealed_need_with_no_gate_candidate_fails_on_the_gate_leg() {
    let p = Problem {
        needs: vec![sealed(need(Urgency::Normal, 0), 1)],
        squads: vec![outside(1), inside(1, 1, 0)],
        carriers: vec![pair(0, 1, 1)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(why(&out, 0), Some((Some(Leg::ToGate), Reason::NoCandidate)));
}

#[test]
fn a_sealed_need_is_carried_in_two_legs_each_with_its_own_cost_and_next_best() {
    let mut far_in = inside(1, 1, 0b11);
    far_in.workload = 2;
    let p = Problem {
        needs: vec![creds(sealed(need(Urgency::Urgent, 0), 1), 0b11)],
        squads: vec![
            inside(1, 1, 0b111),
            outside(1),
            far_in,
            outside(1),
            inside(1, 1, 0b01), // lacks a bit: cannot be a pair
        ],
        carriers: vec![
            pair(0, 0, 10),
            pair(0, 1, 30),
            pair(0, 2, 1),
            pair(0, 3, 20),
        ],
        ..Default::default()
    };
    let out = solve(&p);
    let t = &out.tasks[0];
    assert_eq!(t.legs[0].leg, Leg::ToGate);
    assert_eq!(t.legs[0].squad, 3);
    assert_eq!(t.legs[0].cost.total, 40);
    assert_eq!(t.legs[0].next_best.unwrap().squad, 1);
    assert_eq!(t.legs[0].next_best.unwrap().cost.total, 60);
    assert_eq!(t.legs[1].leg, Leg::Inside);
    assert_eq!(t.legs[1].squad, 0);
    assert_eq!(t.legs[1].cost.total, 20);
    let nb = t.legs[1].next_best.unwrap();
    assert_eq!(nb.squad, 2);
    assert_eq!(nb.cost.total, 2 + 2 * WORKLOAD_METRES);
    assert!(!nb.full);
    assert_eq!(out.cost, 60);
}

#[test]
fn the_gate_leg_needs_no_credentials() {
    let p = Problem {
        needs: vec![creds(sealed(need(Urgency::Normal, 0), 1), 0b100)],
        squads: vec![outside(1), inside(1, 1, 0b100)],
        carriers: vec![pair(0, 0, 2), pair(0, 1, 3)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(squads_of(&out, 0), vec![0, 1]);
    assert_eq!(out.cost, 5);
}

#[test]
fn serving_a_later_need_moves_an_earlier_one_to_a_dearer_squad() {
    // Need 0 (critical) can use X (1 m) or Y (10 m); need 1 only X.
    let p = Problem {
        needs: vec![need(Urgency::Critical, 0), need(Urgency::Normal, 0)],
        squads: vec![outside(1), outside(1)],
        carriers: vec![pair(0, 0, 1), pair(0, 1, 10), pair(1, 0, 1)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(served(&out), vec![0, 1]);
    assert_eq!(squads_of(&out, 0), vec![1]);
    assert_eq!(squads_of(&out, 1), vec![0]);
    assert_eq!(out.cost, 40 + 1);
    let nb = out.tasks[0].legs[0].next_best.unwrap();
    assert_eq!((nb.squad, nb.cost.total, nb.full), (0, 4, true));
}

#[test]
fn a_three_link_chain_moves_two_earlier_needs_so_the_third_is_served() {
    // A {X:1, Y:100}, B {Y:1, Z:100}, C {X:1}; one slot each.
    let p = Problem {
        needs: vec![
            need(Urgency::Normal, 3),
            need(Urgency::Normal, 2),
            need(Urgency::Normal, 1),
        ],
        squads: vec![outside(1), outside(1), outside(1)],
        carriers: vec![
            pair(0, 0, 1),
            pair(0, 1, 100),
            pair(1, 1, 1),
            pair(1, 2, 100),
            pair(2, 0, 1),
        ],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(served(&out), vec![0, 1, 2]);
    assert_eq!(squads_of(&out, 0), vec![1]);
    assert_eq!(squads_of(&out, 1), vec![2]);
    assert_eq!(squads_of(&out, 2), vec![0]);
    assert_eq!(out.cost, 201);
}

#[test]
fn an_earlier_need_is_never_dropped_to_serve_two_later_ones() {
    // A (critical) {X}, B {X}, C {X}; X has one slot. Serving B and C
    // instead of A would serve more needs but A comes first.
    let p = Problem {
        needs: vec![
            need(Urgency::Normal, 0),
            need(Urgency::Normal, 0),
            need(Urgency::Critical, 0),
        ],
        squads: vec![outside(1), outside(1)],
        carriers: vec![pair(0, 0, 1), pair(1, 0, 1), pair(2, 0, 1), pair(2, 1, 1)],
        ..Default::default()
    };
    // Need 2 first: it can take X or Y. Need 0 then needs X: 2 moves to Y.
    // Need 1 needs X too: full. Result: 2 on Y, 0 on X, 1 unserved.
    let out = solve(&p);
    assert_eq!(served(&out), vec![2, 0]);
    assert_eq!(squads_of(&out, 2), vec![1]);
    assert_eq!(
        why(&out, 1),
        Some((Some(Leg::Whole), Reason::CapacityExhausted))
    );
    assert_eq!(out.cost, 4 + 1);
}

#[test]
fn the_least_total_cost_may_give_an_urgent_need_a_farther_squad() {
    // Critical needs weigh 4 per metre, normal 1: the optimum over both
    // puts the critical one on the nearest squad of *its* row only when
    // that saves more in total.
    // A (critical): X 10, Y 12 -> 40 / 48. B (normal): X 1, Y 20.
    // A-X,B-Y = 40+20 = 60; A-Y,B-X = 48+1 = 49.
    let p = Problem {
        needs: vec![need(Urgency::Critical, 0), need(Urgency::Normal, 0)],
        squads: vec![outside(1), outside(1)],
        carriers: vec![
            pair(0, 0, 10),
            pair(0, 1, 12),
            pair(1, 0, 1),
            pair(1, 1, 20),
        ],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(squads_of(&out, 0), vec![1]);
    assert_eq!(out.cost, 49);
}

#[test]
fn a_squad_wanted_by_many_needs_is_shared_out_by_priority_and_cost() {
    // Hub squad 0 (capacity 2) is the nearest candidate of four needs.
    // Squad 1 (capacity 1) can take needs 1 and 3; squad 2 (cap 1) need 2.
    // Order: 0 (critical), 1 (urgent), 2 (urgent, waited less), 3 (normal).
    let p = Problem {
        needs: vec![
            need(Urgency::Critical, 0),
            need(Urgency::Urgent, 9),
            need(Urgency::Urgent, 1),
            need(Urgency::Normal, 0),
        ],
        squads: vec![outside(2), outside(1), outside(1)],
        carriers: vec![
            pair(0, 0, 1),
            pair(1, 0, 1),
            pair(2, 0, 1),
            pair(3, 0, 1),
            pair(1, 1, 5),
            pair(3, 1, 5),
            pair(2, 2, 7),
        ],
        ..Default::default()
    };
    // 0 -> hub. 1 -> hub. 2 -> squad 2 (hub full, or move 1 to squad 1).
    // 3 -> must have hub or squad 1: with 2 on squad 2 and 1 on squad 1,
    // hub holds 0 and 3. Every need served.
    // Costs: 0 hub 4; 3 hub 1; 1 squad1 10; 2 hub 2 vs squad2 14:
    // options with all four: hub holds two of {0,1,2,3}; 0 must be on hub
    // (only candidate). Remaining hub slot goes to 1, 2 or 3; 1 else on
    // squad 1; 3 else on squad 1; 2 else on squad 2; squad 1 takes one of
    // 1 and 3. Hub{0,1}: 3 on sq1 (5), 2 on sq2 (14): 4+2+5+14 = 25.
    // Hub{0,2}: 1 and 3 both need sq1: impossible. Hub{0,3}: 1 on sq1
    // (10), 2 on sq2 (14): 4+1+10+14 = 29. Least: 25.
    let out = solve(&p);
    assert_eq!(served(&out), vec![0, 1, 2, 3]);
    assert_eq!(out.cost, 25);
    assert_eq!(squads_of(&out, 3), vec![1]);
}

#[test]
fn a_need_with_several_credential_bits_needs_a_squad_holding_all_of_them() {
    let p = Problem {
        needs: vec![creds(need(Urgency::Normal, 0), 0b1010)],
        squads: vec![
            Squad {
                credentials: 0b0010,
                ..outside(1)
            },
            Squad {
                credentials: 0b1000,
                ..outside(1)
            },
        ],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(why(&out, 0), Some((Some(Leg::Whole), Reason::NoCredential)));

    let p = Problem {
        needs: vec![creds(need(Urgency::Normal, 0), 0b1010)],
        squads: vec![
            Squad {
                credentials: 0b0010,
                ..outside(1)
            },
            Squad {
                credentials: 0b1111,
                ..outside(1)
            },
        ],
        carriers: vec![pair(0, 1, 4)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(squads_of(&out, 0), vec![1]);
}

#[test]
fn an_able_squad_that_is_not_a_candidate_gives_no_candidate() {
    let p = Problem {
        needs: vec![need(Urgency::Normal, 0), need(Urgency::Normal, 0)],
        squads: vec![outside(5)],
        carriers: vec![pair(0, 0, 1)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(why(&out, 1), Some((Some(Leg::Whole), Reason::NoCandidate)));
}

#[test]
fn an_inside_squad_with_capacity_left_cannot_take_a_whole_leg() {
    // Only an inside squad exists for an unsealed need's whole leg: it
    // may not be paired (WrongZone) and the need is unserved.
    let p = Problem {
        needs: vec![need(Urgency::Normal, 0)],
        squads: vec![inside(3, 1, 0)],
        carriers: vec![pair(0, 0, 1)],
        ..Default::default()
    };
    assert_eq!(plan(&p), Err(Invalid::WrongZone(0)));
    let p = Problem {
        carriers: vec![],
        ..p
    };
    let out = plan(&p).unwrap();
    assert!(out.tasks.is_empty());
    assert_eq!(out.unserved.len(), 1);
    assert_eq!(out.unserved[0].leg, Some(Leg::Whole));
}

#[test]
fn distances_near_u32_max_at_critical_weight_cost_exactly_without_overflow() {
    let m = u32::MAX;
    let mut loaded = outside(2);
    loaded.workload = u32::MAX;
    let p = Problem {
        needs: vec![
            with_goods(need(Urgency::Critical, 0), 1, 1000),
            with_goods(sealed(need(Urgency::Critical, 0), 9), 1, 1000),
        ],
        squads: vec![loaded, inside(1, 9, 0), outside(1)],
        stock: vec![stock(1, 1500), stock(1, 1000)],
        carriers: vec![
            pair(0, 0, m),
            pair(1, 0, m - 1),
            pair(1, 1, m),
            pair(0, 2, m),
        ],
        sources: vec![pair(0, 0, m), pair(1, 0, m), pair(1, 1, m - 1)],
    };
    let out = solve(&p);
    let w = 4i64;
    let load = u32::MAX as i64 * WORKLOAD_METRES;
    // Need 0 (first): squad 2 costs m*4, squad 0 costs m*4 + load: squad 2.
    // Need 1: gate leg squad 0 ((m-1)*4 + load), inside squad 1 (m*4).
    // Goods: need 0 takes 1000 from stock 0 (its only source) at m*4;
    // need 1 gets 1000 from stock 1 ((m-1)*4), stock 0 has only 500 left
    // and is dearer anyway.
    let carriers = m as i64 * w + ((m - 1) as i64 * w + load) + m as i64 * w;
    let goods = 1000 * m as i64 * w + 1000 * (m - 1) as i64 * w;
    assert_eq!(served(&out), vec![0, 1]);
    assert_eq!(squads_of(&out, 0), vec![2]);
    assert_eq!(out.cost, carriers + goods);
    assert_eq!(out.tasks[1].legs[0].cost.total, (m - 1) as i64 * w + load);
}

#[test]
fn near_u32_max_distances_still_pick_the_one_metre_cheaper_matching() {
    let m = u32::MAX;
    // A (critical): X m, Y m-1. B (critical): X m-1, Y m.
    // Opt: A-Y, B-X = 2*(m-1)*4.
    let p = Problem {
        needs: vec![need(Urgency::Critical, 0), need(Urgency::Critical, 0)],
        squads: vec![outside(1), outside(1)],
        carriers: vec![
            pair(0, 0, m),
            pair(0, 1, m - 1),
            pair(1, 0, m - 1),
            pair(1, 1, m),
        ],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(squads_of(&out, 0), vec![1]);
    assert_eq!(squads_of(&out, 1), vec![0]);
    assert_eq!(out.cost, 2 * (m as i64 - 1) * 4);
}

#[test]
fn many_critical_needs_at_u32_max_metres_sum_exactly() {
    let m = u32::MAX;
    let n = 40u32;
    let p = Problem {
        needs: vec![with_goods(need(Urgency::Critical, 0), 0, 100); n as usize],
        squads: vec![outside(n)],
        stock: vec![stock(0, 100 * n)],
        carriers: (0..n).map(|i| pair(i, 0, m)).collect(),
        sources: (0..n).map(|i| pair(i, 0, m)).collect(),
    };
    let out = plan(&p).unwrap();
    check_plan_shape(&p, &out).unwrap();
    assert_eq!(out.tasks.len(), n as usize);
    assert_eq!(out.cost, n as i64 * 101 * m as i64 * 4);
}

#[test]
fn the_order_of_candidate_pairs_does_not_change_the_outcome() {
    let base = Problem {
        needs: vec![
            with_goods(need(Urgency::Urgent, 1), 0, 2),
            with_goods(sealed(need(Urgency::Urgent, 1), 1), 0, 2),
            need(Urgency::Normal, 4),
        ],
        squads: vec![outside(2), inside(1, 1, 0), outside(1)],
        stock: vec![stock(0, 3)],
        carriers: vec![
            pair(0, 0, 3),
            pair(1, 0, 2),
            pair(1, 1, 1),
            pair(2, 2, 3),
            pair(0, 2, 3),
        ],
        sources: vec![pair(0, 0, 2), pair(1, 0, 2)],
    };
    let a = solve(&base);
    let mut rev = base.clone();
    rev.carriers.reverse();
    rev.sources.reverse();
    let b = solve(&rev);
    assert_eq!(served(&a), served(&b));
    assert_eq!(a.cost, b.cost);
    assert_eq!(a.unserved, b.unserved);
    // Need 0 gets 2, need 1 gets the last 1 (short 1).
    assert_eq!(a.tasks[1].short, 1);
}

// -- Invalid -----------------------------------------------------------------

fn valid_base() -> Problem {
    Problem {
        needs: vec![
            with_goods(need(Urgency::Normal, 0), 1, 2),
            creds(sealed(need(Urgency::Urgent, 0), 4), 0b11),
            need(Urgency::Normal, 0),
        ],
        squads: vec![
            outside(1),
            inside(1, 4, 0b11),
            inside(1, 5, 0b11),
            inside(1, 4, 0b01),
            Squad {
                credentials: 0,
                ..outside(1)
            },
        ],
        stock: vec![stock(1, 5), stock(2, 5)],
        carriers: vec![pair(0, 0, 1), pair(1, 0, 1), pair(1, 1, 1)],
        sources: vec![pair(0, 0, 1)],
    }
}

#[test]
fn the_valid_base_for_invalid_cases_plans() {
    solve(&valid_base());
}

#[test]
fn a_carrier_pair_naming_a_missing_need_or_squad_is_out_of_range() {
    let mut p = valid_base();
    p.carriers.push(pair(3, 0, 1));
    assert_eq!(plan(&p), Err(Invalid::OutOfRange(3)));
    let mut p = valid_base();
    p.carriers.insert(1, pair(2, 5, 1));
    assert_eq!(plan(&p), Err(Invalid::OutOfRange(1)));
    let mut p = valid_base();
    p.carriers.push(pair(u32::MAX, u32::MAX, 1));
    assert_eq!(plan(&p), Err(Invalid::OutOfRange(3)));
}

#[test]
fn a_source_pair_naming_a_missing_need_or_stock_is_out_of_range() {
    let mut p = valid_base();
    p.sources.push(pair(0, 2, 1));
    assert_eq!(plan(&p), Err(Invalid::OutOfRange(1)));
    let mut p = valid_base();
    p.sources.insert(0, pair(3, 0, 1));
    assert_eq!(plan(&p), Err(Invalid::OutOfRange(0)));
}

#[test]
fn an_inside_squad_paired_with_an_unsealed_need_is_wrong_zone() {
    let mut p = valid_base();
    p.carriers.push(pair(2, 1, 1));
    assert_eq!(plan(&p), Err(Invalid::WrongZone(3)));
}

#[test]
fn an_inside_squad_of_another_zone_is_wrong_zone() {
    let mut p = valid_base();
    p.carriers.insert(0, pair(1, 2, 1));
    assert_eq!(plan(&p), Err(Invalid::WrongZone(0)));
}

#[test]
fn a_door_squad_missing_one_credential_bit_is_missing_credentials() {
    // Inside leg: squad 3 holds 0b01 of 0b11.
    let mut p = valid_base();
    p.carriers.push(pair(1, 3, 1));
    assert_eq!(plan(&p), Err(Invalid::MissingCredentials(3)));
    // Whole leg.
    let mut p = valid_base();
    p.needs[2].credentials = 0b100;
    p.carriers.push(pair(2, 4, 1));
    assert_eq!(plan(&p), Err(Invalid::MissingCredentials(3)));
}

#[test]
fn an_outside_squad_without_credentials_may_take_a_sealed_needs_gate_leg() {
    let mut p = valid_base();
    p.carriers.push(pair(1, 4, 1));
    assert!(plan(&p).is_ok());
}

#[test]
fn a_carrier_pair_given_twice_is_repeated_at_the_later_index() {
    let mut p = valid_base();
    p.carriers.push(pair(2, 4, 1));
    p.carriers.push(pair(2, 0, 1));
    p.carriers.push(pair(2, 4, 9));
    assert_eq!(plan(&p), Err(Invalid::Repeated(5)));
}

#[test]
fn a_source_pair_given_twice_is_repeated_at_the_later_index() {
    let mut p = valid_base();
    p.stock.push(stock(1, 1));
    p.sources.push(pair(0, 2, 1));
    p.sources.push(pair(0, 0, 7));
    assert_eq!(plan(&p), Err(Invalid::Repeated(2)));
}

#[test]
fn a_source_of_another_kind_is_wrong_kind() {
    let mut p = valid_base();
    p.sources.push(pair(0, 1, 1));
    assert_eq!(plan(&p), Err(Invalid::WrongKind(1)));
}

#[test]
fn a_source_for_a_need_without_goods_is_wrong_kind() {
    let mut p = valid_base();
    p.sources.insert(0, pair(2, 0, 1));
    assert_eq!(plan(&p), Err(Invalid::WrongKind(0)));
}

#[test]
fn an_invalid_pair_is_an_error_even_when_its_need_would_be_unserved_anyway() {
    // Need 0 has no stock at all; its carrier pair is still checked.
    let p = Problem {
        needs: vec![with_goods(need(Urgency::Normal, 0), 1, 1)],
        squads: vec![inside(1, 1, 0)],
        carriers: vec![pair(0, 0, 1)],
        ..Default::default()
    };
    assert_eq!(plan(&p), Err(Invalid::WrongZone(0)));
}

#[test]
fn a_sealed_need_failing_on_both_legs_reports_the_gate_leg_first() {
    let p = Problem {
        needs: vec![sealed(need(Urgency::Normal, 0), 1)],
        squads: vec![outside(1), inside(1, 1, 0)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(why(&out, 0), Some((Some(Leg::ToGate), Reason::NoCandidate)));
}

#[test]
fn serving_a_later_need_moves_two_earlier_needs_goods_to_dearer_depots() {
    // A {D0:1, D1:5}, B {D1:1, D2:5}, C {D0:1}; one unit at each depot.
    let p = Problem {
        needs: vec![
            with_goods(need(Urgency::Normal, 3), 0, 1),
            with_goods(need(Urgency::Normal, 2), 0, 1),
            with_goods(need(Urgency::Normal, 1), 0, 1),
        ],
        squads: vec![outside(3)],
        stock: vec![stock(0, 1), stock(0, 1), stock(0, 1)],
        carriers: vec![pair(0, 0, 0), pair(1, 0, 0), pair(2, 0, 0)],
        sources: vec![
            pair(0, 0, 1),
            pair(0, 1, 5),
            pair(1, 1, 1),
            pair(1, 2, 5),
            pair(2, 0, 1),
        ],
    };
    let out = solve(&p);
    assert_eq!(served(&out), vec![0, 1, 2]);
    assert_eq!(goods_of(&out, 0), vec![(1, 1)]);
    assert_eq!(goods_of(&out, 1), vec![(2, 1)]);
    assert_eq!(goods_of(&out, 2), vec![(0, 1)]);
    assert_eq!(out.cost, 11);
}

#[test]
fn a_gate_leg_and_a_whole_leg_compete_for_the_same_outside_squad() {
    // Squad 0 (one slot) is the only outside candidate for both needs; the
    // sealed need is urgent and goes first.
    let p = Problem {
        needs: vec![
            need(Urgency::Normal, 50),
            sealed(need(Urgency::Urgent, 0), 2),
        ],
        squads: vec![outside(1), inside(1, 2, 0)],
        carriers: vec![pair(0, 0, 1), pair(1, 0, 1), pair(1, 1, 1)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(served(&out), vec![1]);
    assert_eq!(
        why(&out, 0),
        Some((Some(Leg::Whole), Reason::CapacityExhausted))
    );
    assert_eq!(out.cost, 4);
}

#[test]
fn a_batch_of_120_needs_where_everyone_has_a_home_squad_and_depot_is_served_at_home() {
    // Need i: squad i % 12 at 1 m (capacity 10 each, exactly enough), three
    // more squads at 1000 m; depot i % 3 at 1 m (80 units each, exactly
    // enough for 40 needs asking 2), the other depots at 50 m.
    let urg = [Urgency::Normal, Urgency::Urgent, Urgency::Critical];
    let n = 120u32;
    let needs: Vec<Need> = (0..n)
        .map(|i| with_goods(need(urg[(i % 3) as usize], i % 7), 0, 2))
        .collect();
    let mut carriers = Vec::new();
    let mut sources = Vec::new();
    for i in 0..n {
        for d in 0..4 {
            carriers.push(pair(i, (i + d) % 12, if d == 0 { 1 } else { 1000 }));
        }
        for d in 0..3 {
            sources.push(pair(i, (i + d) % 3, if d == 0 { 1 } else { 50 }));
        }
    }
    let p = Problem {
        needs: needs.clone(),
        squads: vec![outside(10); 12],
        stock: vec![stock(0, 80); 3],
        carriers,
        sources,
    };
    let out = plan(&p).unwrap();
    check_plan_shape(&p, &out).unwrap();
    assert_eq!(out.tasks.len(), n as usize);
    let weights: i64 = needs.iter().map(|x| x.urgency.weight()).sum();
    assert_eq!(out.cost, weights + 2 * weights);
    for t in &out.tasks {
        assert_eq!(t.legs[0].squad, t.need % 12);
        assert_eq!(goods_of(&out, t.need), vec![(t.need % 3, 2)]);
    }
}

#[test]
fn needs_and_stock_of_u32_max_units_do_not_overflow_the_totals() {
    // Three depots of u32::MAX units, two needs asking u32::MAX each: the
    // supply (3 × u32::MAX) and the demand (2 × u32::MAX) exceed u32.
    let q = u32::MAX;
    let p = Problem {
        needs: vec![
            with_goods(need(Urgency::Critical, 0), 0, q),
            with_goods(need(Urgency::Normal, 0), 0, q),
        ],
        squads: vec![outside(2)],
        stock: vec![stock(0, q), stock(0, q), stock(0, q)],
        carriers: vec![pair(0, 0, 0), pair(1, 0, 0)],
        sources: vec![pair(0, 0, 1), pair(0, 1, 2), pair(1, 1, 1), pair(1, 2, 3)],
    };
    let out = plan(&p).unwrap();
    check_plan_shape(&p, &out).unwrap();
    assert_eq!(served(&out), vec![0, 1]);
    assert_eq!(goods_of(&out, 0), vec![(0, q)]);
    assert_eq!(goods_of(&out, 1), vec![(1, q)]);
    assert_eq!(out.cost, q as i64 * 4 + q as i64);
}

#[test]
fn a_need_asking_u32_max_units_from_two_small_depots_is_short_by_the_rest() {
    let q = u32::MAX;
    let p = Problem {
        needs: vec![with_goods(need(Urgency::Urgent, 0), 0, q)],
        squads: vec![outside(1)],
        stock: vec![stock(0, q - 1), stock(0, 3)],
        carriers: vec![pair(0, 0, 0)],
        sources: vec![pair(0, 0, 1), pair(0, 1, 1)],
    };
    let out = plan(&p).unwrap();
    check_plan_shape(&p, &out).unwrap();
    // q - 1 + 3 > q: the need is fully served, 2 units left over.
    assert_eq!(out.tasks[0].short, 0);
    assert_eq!(out.cost, q as i64 * 2);
}

#[test]
fn squads_of_u32_max_capacity_serve_everyone_without_overflow() {
    let p = Problem {
        needs: vec![need(Urgency::Critical, u32::MAX); 5],
        squads: vec![outside(u32::MAX), outside(u32::MAX)],
        carriers: (0..5)
            .flat_map(|i| [pair(i, 0, 2), pair(i, 1, 3)])
            .collect(),
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(out.tasks.len(), 5);
    assert_eq!(out.cost, 5 * 8);
    for t in &out.tasks {
        let nb = t.legs[0].next_best.unwrap();
        assert_eq!((nb.squad, nb.full), (1, false));
    }
}

#[test]
fn pairs_that_only_swap_need_and_squad_numbers_are_not_repeats() {
    // (need 0, squad 1000) and (need 1, squad 0) etc.: distinct pairs whose
    // numbers a careless key could confuse.
    let mut squads = vec![outside(1); 1001];
    squads[1000].capacity = 1;
    let needs = vec![need(Urgency::Normal, 0); 1001];
    let p = Problem {
        needs,
        squads,
        stock: vec![stock(0, 1); 1001],
        carriers: vec![
            pair(0, 1, 1),
            pair(1, 0, 1),
            pair(0, 1000, 2),
            pair(1000, 0, 2),
            pair(1, 999, 3),
        ],
        sources: vec![],
    };
    let out = plan(&p).unwrap();
    check_plan_shape(&p, &out).unwrap();
    assert_eq!(out.tasks.len(), 3);
    let mut p2 = p.clone();
    p2.needs[0].goods = vec![Goods {
        kind: 0,
        quantity: 1,
    }];
    p2.needs[1].goods = vec![Goods {
        kind: 0,
        quantity: 1,
    }];
    p2.needs[1000].goods = vec![Goods {
        kind: 0,
        quantity: 1,
    }];
    p2.sources = vec![
        pair(0, 1, 1),
        pair(1, 0, 1),
        pair(0, 1000, 2),
        pair(1000, 0, 2),
        pair(1, 999, 3),
    ];
    let out = plan(&p2).unwrap();
    check_plan_shape(&p2, &out).unwrap();
    assert_eq!(out.tasks.len(), 3);
    assert_eq!(goods_of(&out, 1), vec![(999, 1)]);
}

#[test]
fn zone_zero_and_zone_u32_max_are_ordinary_zones() {
    let p = Problem {
        needs: vec![
            sealed(need(Urgency::Normal, 0), 0),
            sealed(need(Urgency::Normal, 0), u32::MAX),
        ],
        squads: vec![outside(2), inside(1, 0, 0), inside(1, u32::MAX, 0)],
        carriers: vec![pair(0, 0, 1), pair(0, 1, 1), pair(1, 0, 1), pair(1, 2, 1)],
        ..Default::default()
    };
    let out = solve(&p);
    assert_eq!(squads_of(&out, 0), vec![0, 1]);
    assert_eq!(squads_of(&out, 1), vec![0, 2]);
    // An inside squad of zone 0 for a need in zone u32::MAX is wrong zone.
    let mut bad = p.clone();
    bad.carriers.push(pair(1, 1, 1));
    assert_eq!(plan(&bad), Err(Invalid::WrongZone(4)));
}

#[test]
fn a_city_sized_batch_gives_a_consistent_plan() {
    // 1500 needs, 150 squads, 30 depots, sparse random candidates: too big
    // for the reference, but every structural rule must still hold.
    let mut rng = Rng(99);
    let (n, m, k) = (1500u32, 150u32, 30u32);
    let urg = [Urgency::Normal, Urgency::Urgent, Urgency::Critical];
    let needs: Vec<Need> = (0..n)
        .map(|_| with_goods(need(rng.pick(&urg), rng.range(0, 100)), 0, rng.range(1, 5)))
        .collect();
    let squads: Vec<Squad> = (0..m).map(|_| outside(rng.range(1, 8))).collect();
    let stock: Vec<Stock> = (0..k).map(|_| stock(0, rng.range(50, 150))).collect();
    let mut carriers = Vec::new();
    let mut sources = Vec::new();
    let sample = |rng: &mut Rng, i: u32, of: u32, count: u32, out: &mut Vec<Pair>| {
        let mut ids: Vec<u32> = (0..of).collect();
        for j in 0..count {
            let r = j + rng.below((of - j) as u64) as u32;
            ids.swap(j as usize, r as usize);
            out.push(pair(i, ids[j as usize], rng.range(0, 5000)));
        }
    };
    for i in 0..n {
        sample(&mut rng, i, m, 10, &mut carriers);
        sample(&mut rng, i, k, 5, &mut sources);
    }
    let p = Problem {
        needs,
        squads,
        stock,
        carriers,
        sources,
    };
    let out = plan(&p).unwrap();
    check_plan_shape(&p, &out).unwrap();
    // Capacity (at most 7 per squad) bounds how many are served.
    let cap: u32 = p.squads.iter().map(|s| s.capacity).sum();
    assert!(out.tasks.len() as u32 <= cap);
    assert!(!out.tasks.is_empty());
}
