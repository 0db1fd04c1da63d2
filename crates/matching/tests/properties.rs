//! The solver against a brute-force reference on small random instances,
//! and the plan's promises (feasible, reasons that hold) on larger ones.

use matching::flow::Transport;
use matching::{Goods, Leg, Need, Pair, Problem, Reason, Squad, Stock, Urgency, plan};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Small {
    demand: Vec<u32>,
    capacity: Vec<u32>,
    arcs: Vec<(usize, usize, i64)>,
    order: Vec<usize>,
}

fn small() -> impl Strategy<Value = Small> {
    (1usize..=4, 1usize..=3)
        .prop_flat_map(|(n, m)| {
            let pairs: Vec<(usize, usize)> =
                (0..n).flat_map(|i| (0..m).map(move |j| (i, j))).collect();
            (
                prop::collection::vec(0u32..=3, n),
                prop::collection::vec(0u32..=3, m),
                prop::sample::subsequence(pairs.clone(), 0..=pairs.len().min(7)),
                prop::collection::vec(0i64..=20, 7),
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
            )
        })
        .prop_map(|(demand, capacity, chosen, costs, order)| Small {
            arcs: chosen
                .into_iter()
                .zip(costs)
                .map(|((i, j), c)| (i, j, c))
                .collect(),
            demand,
            capacity,
            order,
        })
}

/// Every integer flow, the best by (amounts served in `order`, greatest
/// first; then least cost).
fn reference(s: &Small) -> (Vec<u32>, i64) {
    let mut best: Option<(Vec<u32>, i64)> = None;
    let mut flow = vec![0u32; s.arcs.len()];
    fn walk(s: &Small, k: usize, flow: &mut Vec<u32>, best: &mut Option<(Vec<u32>, i64)>) {
        if k == s.arcs.len() {
            let mut served = vec![0u32; s.demand.len()];
            let mut used = vec![0u32; s.capacity.len()];
            let mut cost = 0;
            for (a, &(i, j, c)) in s.arcs.iter().enumerate() {
                served[i] += flow[a];
                used[j] += flow[a];
                cost += flow[a] as i64 * c;
            }
            if served.iter().zip(&s.demand).any(|(a, b)| a > b)
                || used.iter().zip(&s.capacity).any(|(a, b)| a > b)
            {
                return;
            }
            let key: Vec<u32> = s.order.iter().map(|&i| served[i]).collect();
            let better = match best {
                None => true,
                Some((k0, c0)) => key > *k0 || (key == *k0 && cost < *c0),
            };
            if better {
                *best = Some((key, cost));
            }
            return;
        }
        let (i, j, _) = s.arcs[k];
        for f in 0..=s.demand[i].min(s.capacity[j]) {
            flow[k] = f;
            walk(s, k + 1, flow, best);
        }
        flow[k] = 0;
    }
    walk(s, 0, &mut flow, &mut best);
    best.expect("the empty flow is always feasible")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_solver_serves_in_order_at_least_cost_as_brute_force_does(s in small()) {
        let mut t = Transport::new(s.demand.clone(), s.capacity.clone());
        for &(i, j, c) in &s.arcs {
            t.add(i, j, c);
        }
        let got = t.solve(&s.order);
        let (served, cost) = reference(&s);
        let in_order: Vec<u32> = s.order.iter().map(|&i| got.served[i]).collect();
        prop_assert_eq!(in_order, served);
        prop_assert_eq!(got.cost, cost);
    }
}

/// A plan's problem: a few zones, squads inside and outside, goods of a few
/// kinds at a few depots, random candidates that keep the rules.
fn problem() -> impl Strategy<Value = Problem> {
    (1usize..=30, 1usize..=10, 0usize..=6, any::<u64>()).prop_map(|(n, m, k, seed)| {
        let mut rng = seed | 1;
        let mut next = move |below: u32| {
            // xorshift: a generator the test owns, so a failing case replays
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % below as u64) as u32
        };
        let urgency = [Urgency::Normal, Urgency::Urgent, Urgency::Critical];
        let needs: Vec<Need> = (0..n)
            .map(|_| Need {
                urgency: urgency[next(3) as usize],
                waited_min: next(300),
                zone: if next(3) == 0 { Some(next(2)) } else { None },
                // None, one or two lines, of distinct kinds.
                goods: {
                    let first = next(3);
                    let mut lines = Vec::new();
                    if next(2) == 0 {
                        lines.push(Goods {
                            kind: first,
                            quantity: 1 + next(5),
                        });
                        if next(3) == 0 {
                            lines.push(Goods {
                                kind: (first + 1) % 3,
                                quantity: 1 + next(5),
                            });
                        }
                    }
                    lines
                },
                credentials: if next(4) == 0 { 1 } else { 0 },
            })
            .collect();
        let squads: Vec<Squad> = (0..m)
            .map(|_| Squad {
                capacity: next(4),
                workload: next(3),
                inside: if next(3) == 0 { Some(next(2)) } else { None },
                credentials: next(2),
            })
            .collect();
        let stock: Vec<Stock> = (0..k)
            .map(|_| Stock {
                kind: next(3),
                quantity: next(8),
            })
            .collect();
        let mut carriers = Vec::new();
        let mut sources = Vec::new();
        for (i, need) in needs.iter().enumerate() {
            for (j, squad) in squads.iter().enumerate() {
                let fits = match (need.zone, squad.inside) {
                    (None, None) => need.credentials & !squad.credentials == 0,
                    (Some(_), None) => true,
                    (Some(z), Some(s)) => z == s && need.credentials & !squad.credentials == 0,
                    (None, Some(_)) => false,
                };
                if fits && next(3) > 0 {
                    carriers.push(Pair {
                        need: i as u32,
                        other: j as u32,
                        metres: next(5000),
                    });
                }
            }
            for (j, s) in stock.iter().enumerate() {
                if need.goods.iter().any(|g| g.kind == s.kind) && next(3) > 0 {
                    sources.push(Pair {
                        need: i as u32,
                        other: j as u32,
                        metres: next(5000),
                    });
                }
            }
        }
        Problem {
            needs,
            squads,
            stock,
            carriers,
            sources,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn a_plan_keeps_every_rule_and_every_reason_holds(p in problem()) {
        let plan = plan(&p).expect("the candidates keep the rules");
        let mut used = vec![0u32; p.squads.len()];
        let mut taken = vec![0u32; p.stock.len()];
        let mut seen = vec![false; p.needs.len()];
        let mut cost = 0;
        for task in &plan.tasks {
            let need = &p.needs[task.need as usize];
            prop_assert!(!seen[task.need as usize]);
            seen[task.need as usize] = true;
            let legs: Vec<Leg> = task.legs.iter().map(|a| a.leg).collect();
            prop_assert_eq!(legs, if need.zone.is_some() { vec![Leg::ToGate, Leg::Inside] } else { vec![Leg::Whole] });
            for a in &task.legs {
                prop_assert!(p.carriers.iter().any(|c| c.need == task.need && c.other == a.squad), "a squad outside the candidates");
                used[a.squad as usize] += 1;
                cost += a.cost.total;
            }
            if let [out, inside] = task.legs.as_slice() {
                prop_assert_ne!(out.squad, inside.squad, "one squad on both sides of the gate");
            }
            let mut got = 0;
            for pick in &task.picks {
                prop_assert!(p.sources.iter().any(|s| s.need == task.need && s.other == pick.stock), "goods outside the candidates");
                taken[pick.stock as usize] += pick.quantity;
                got += pick.quantity;
                cost += pick.quantity as i64 * pick.cost.total;
            }
            let wants: u32 = need.goods.iter().map(|g| g.quantity).sum();
            prop_assert!(wants == 0 || got > 0, "a need for goods served with none");
            prop_assert_eq!(got + task.short, wants);
            // Line by line: what came of each kind and what is lacking add up.
            for line in &need.goods {
                let came: u32 = task.picks.iter().filter(|k| p.stock[k.stock as usize].kind == line.kind).map(|k| k.quantity).sum();
                let lacking: u32 = task.lacking.iter().filter(|g| g.kind == line.kind).map(|g| g.quantity).sum();
                prop_assert_eq!(came + lacking, line.quantity);
            }
        }
        prop_assert_eq!(cost, plan.cost);
        for (j, s) in p.squads.iter().enumerate() {
            prop_assert!(used[j] <= s.capacity, "squad {} over capacity", j);
        }
        for (j, s) in p.stock.iter().enumerate() {
            prop_assert!(taken[j] <= s.quantity, "stock {} over quantity", j);
        }
        for u in &plan.unserved {
            prop_assert!(!seen[u.need as usize]);
            seen[u.need as usize] = true;
            let need = &p.needs[u.need as usize];
            let offered: Vec<u32> = p.carriers.iter().filter(|c| c.need == u.need).map(|c| c.other).collect();
            let door = |s: &Squad| need.credentials & !s.credentials == 0;
            match u.reason {
                // The squads a failed leg could have had are all full.
                Reason::CapacityExhausted => {
                    let leg = u.leg.expect("capacity is a leg's reason");
                    let fit: Vec<u32> = offered.iter().copied().filter(|&s| {
                        let squad = &p.squads[s as usize];
                        (leg == Leg::Inside) == squad.inside.is_some()
                    }).collect();
                    prop_assert!(!fit.is_empty());
                    for s in fit {
                        prop_assert_eq!(used[s as usize], p.squads[s as usize].capacity, "squad {} had room", s);
                    }
                }
                Reason::StockExhausted => {
                    for s in p.sources.iter().filter(|s| s.need == u.need) {
                        prop_assert_eq!(taken[s.other as usize], p.stock[s.other as usize].quantity);
                    }
                }
                Reason::NoStock => {
                    for line in &need.goods {
                        prop_assert!(!p.stock.iter().any(|s| s.kind == line.kind && s.quantity > 0));
                    }
                }
                Reason::NoSource => {
                    prop_assert!(!p.sources.iter().any(|s| s.need == u.need && p.stock[s.other as usize].quantity > 0));
                }
                Reason::NoSquadInZone => {
                    prop_assert!(!p.squads.iter().any(|s| s.inside.is_some() && s.inside == need.zone));
                }
                Reason::NoCredential => {
                    let able = p.squads.iter().any(|s| {
                        door(s) && if u.leg == Some(Leg::Inside) { s.inside == need.zone } else { s.inside.is_none() }
                    });
                    prop_assert!(!able);
                }
                Reason::NoCandidate => {
                    let leg = u.leg.expect("candidates are a leg's reason");
                    prop_assert!(!offered.iter().any(|&s| (leg == Leg::Inside) == p.squads[s as usize].inside.is_some()));
                }
            }
        }
        prop_assert!(seen.iter().all(|&s| s), "every need is served or says why");
    }

    #[test]
    fn without_goods_or_zones_a_plan_costs_what_the_solver_does(p in problem()) {
        let mut p = p;
        for need in &mut p.needs {
            need.zone = None;
            need.goods = vec![];
            need.credentials = 0;
        }
        p.sources.clear();
        p.carriers.retain(|c| p.squads[c.other as usize].inside.is_none());
        let got = plan(&p).expect("valid");
        let mut t = Transport::new(vec![1; p.needs.len()], p.squads.iter().map(|s| s.capacity).collect());
        for c in &p.carriers {
            let need = &p.needs[c.need as usize];
            t.add(c.need as usize, c.other as usize, c.metres as i64 * need.urgency.weight() + p.squads[c.other as usize].workload as i64 * matching::WORKLOAD_METRES);
        }
        let s = t.solve(&matching::priority(&p.needs));
        prop_assert_eq!(got.cost, s.cost);
        prop_assert_eq!(got.tasks.len() as u32, s.served.iter().sum::<u32>());
    }
}
