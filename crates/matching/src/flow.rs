//! The transportation solver under every proposal: takers (needs) with a
//! demand, givers (squads, or stock at a depot) with a capacity, and a
//! sparse set of arcs taker → giver with a cost ≥ 0.
//!
//! Takers are served one at a time in the order given (the caller's
//! priority), each along shortest augmenting paths (Dijkstra over reduced
//! costs, stopped at the first giver with room; potentials kept as in
//! successive shortest paths). Two properties follow, and the property
//! tests hold the solver to both against a brute-force reference:
//! - the amounts served are the lexicographically greatest in that order
//!   (a taker is never left short so that a later one gets more: the
//!   servable sets form a polymatroid, where the greedy is exact);
//! - for those amounts, the total cost is the least possible (no negative
//!   cycle is left in the residual network).
//!
//! Written here rather than taken from a crate: the maintained Rust
//! min-cost-flow crates solve one source to one sink at least cost, which
//! cannot say "the most urgent first", and a successive-shortest-path
//! search that stops at the first free giver is what makes this fast on
//! sparse, mostly-slack dispatch instances (BENCHMARKS.md).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Arcs are built taker by taker (`add`), in any order of takers.
#[derive(Debug, Clone, Default)]
pub struct Transport {
    demand: Vec<u32>,
    capacity: Vec<u32>,
    arcs: Vec<(u32, u32, i64)>,
}

/// The flow on each arc, in the order the arcs were added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub flow: Vec<u32>,
    /// Per taker, what it got (≤ its demand).
    pub served: Vec<u32>,
    pub cost: i64,
}

impl Transport {
    pub fn new(demand: Vec<u32>, capacity: Vec<u32>) -> Self {
        Self {
            demand,
            capacity,
            arcs: Vec::new(),
        }
    }

    pub fn takers(&self) -> usize {
        self.demand.len()
    }

    pub fn givers(&self) -> usize {
        self.capacity.len()
    }

    /// An arc taker → giver at `cost` (≥ 0). Returns its index.
    pub fn add(&mut self, taker: usize, giver: usize, cost: i64) -> usize {
        assert!(
            taker < self.demand.len() && giver < self.capacity.len(),
            "arc out of range"
        );
        assert!(cost >= 0, "arc costs are not negative");
        self.arcs.push((taker as u32, giver as u32, cost));
        self.arcs.len() - 1
    }

    /// Serve the takers in `order` (each taker at most once in it; takers
    /// left out get nothing).
    pub fn solve(&self, order: &[usize]) -> Solution {
        let mut solver = Incremental::new(self);
        for &i in order {
            solver.serve(i);
        }
        solver.finish()
    }
}

/// What `rollback` puts back.
enum Undo {
    Pi(u32, i64),
    Dead(u32),
    /// `amount` moved along arc `arc`: positive added, negative taken.
    Flow(u32, i64),
    /// `amount` went from giver to taker.
    Served {
        taker: u32,
        giver: u32,
        amount: u32,
    },
}

const UNSEEN: u32 = 0;

/// The solver, taker by taker: `serve` one, and (between `checkpoint` and
/// `commit`) `rollback` what was served since, exactly, to try a need whose
/// parts must all be served or none.
pub struct Incremental<'a> {
    t: &'a Transport,
    /// Arcs grouped by taker (CSR): `first[i]..first[i + 1]` index `by_taker`.
    first: Vec<u32>,
    by_taker: Vec<u32>,
    flow: Vec<u32>,
    /// Per giver, the arcs carrying flow into it (the residual network's
    /// backward arcs), with each arc's place in that list.
    users: Vec<Vec<u32>>,
    place: Vec<u32>,
    used: Vec<u32>,
    served: Vec<u32>,
    /// Potentials: takers first, then givers.
    pi: Vec<i64>,
    // Search state, reset per search by a stamp rather than by clearing.
    dist: Vec<i64>,
    seen: Vec<u32>,
    done: Vec<u32>,
    /// How a node was reached: the arc (a taker's, forward into a giver;
    /// a giver's user, backward into a taker).
    via: Vec<u32>,
    stamp: u32,
    /// Givers from which no giver with room can be reached. A failed search
    /// proves it for all it saw, and later paths never enter them (what is
    /// reachable from them is dead too), so searches skip them for good.
    dead: Vec<bool>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    settled: Vec<u32>,
    journal: Vec<Undo>,
    journaling: bool,
}

impl<'a> Incremental<'a> {
    pub fn new(t: &'a Transport) -> Self {
        let (n, m) = (t.takers(), t.givers());
        let mut first = vec![0u32; n + 1];
        for &(i, _, _) in &t.arcs {
            first[i as usize + 1] += 1;
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut fill = first.clone();
        let mut by_taker = vec![0u32; t.arcs.len()];
        for (a, &(i, _, _)) in t.arcs.iter().enumerate() {
            by_taker[fill[i as usize] as usize] = a as u32;
            fill[i as usize] += 1;
        }
        Self {
            t,
            first,
            by_taker,
            flow: vec![0; t.arcs.len()],
            users: vec![Vec::new(); m],
            place: vec![0; t.arcs.len()],
            used: vec![0; m],
            served: vec![0; n],
            pi: vec![0; n + m],
            dist: vec![0; n + m],
            seen: vec![UNSEEN; n + m],
            done: vec![UNSEEN; n + m],
            via: vec![0; n + m],
            stamp: UNSEEN,
            dead: vec![false; m],
            heap: BinaryHeap::new(),
            settled: Vec::new(),
            journal: Vec::new(),
            journaling: false,
        }
    }

    /// Serve taker `i` as far as it can be; returns what it got now.
    pub fn serve(&mut self, i: usize) -> u32 {
        let before = self.served[i];
        while self.served[i] < self.t.demand[i] {
            if !self.augment(i) {
                break;
            }
        }
        self.served[i] - before
    }

    /// From here on, what is served can be taken back.
    pub fn checkpoint(&mut self) {
        self.journaling = true;
    }

    /// Take back everything since `checkpoint`, exactly.
    pub fn rollback(&mut self) {
        while let Some(undo) = self.journal.pop() {
            match undo {
                Undo::Pi(node, old) => self.pi[node as usize] = old,
                Undo::Dead(g) => self.dead[g as usize] = false,
                Undo::Flow(a, amount) if amount > 0 => self.take_flow(a as usize, amount as u32),
                Undo::Flow(a, amount) => self.add_flow(a as usize, (-amount) as u32),
                Undo::Served {
                    taker,
                    giver,
                    amount,
                } => {
                    self.served[taker as usize] -= amount;
                    self.used[giver as usize] -= amount;
                }
            }
        }
        self.journaling = false;
    }

    /// Keep what was served since `checkpoint`.
    pub fn commit(&mut self) {
        self.journal.clear();
        self.journaling = false;
    }

    pub fn finish(self) -> Solution {
        let cost = self
            .flow
            .iter()
            .zip(&self.t.arcs)
            .map(|(&f, &(_, _, c))| f as i64 * c)
            .sum();
        Solution {
            flow: self.flow,
            served: self.served,
            cost,
        }
    }

    fn relax(&mut self, node: usize, d: i64, arc: u32) {
        if self.done[node] == self.stamp {
            return;
        }
        if self.seen[node] != self.stamp || d < self.dist[node] {
            self.seen[node] = self.stamp;
            self.dist[node] = d;
            self.via[node] = arc;
            self.heap.push(Reverse((d, node as u32)));
        }
    }

    fn relax_taker_arcs(&mut self, i: usize, d: i64) {
        let n = self.t.takers();
        for k in self.first[i]..self.first[i + 1] {
            let a = self.by_taker[k as usize];
            let (_, g, c) = self.t.arcs[a as usize];
            if self.dead[g as usize] {
                continue;
            }
            let node = n + g as usize;
            let reduced = c + self.pi[i] - self.pi[node];
            debug_assert!(reduced >= 0, "potentials keep forward arcs non-negative");
            self.relax(node, d + reduced, a);
        }
    }

    /// One shortest augmenting path from taker `s`; false when none is left.
    fn augment(&mut self, s: usize) -> bool {
        let n = self.t.takers();
        self.stamp += 1;
        self.heap.clear();
        self.settled.clear();
        self.seen[s] = self.stamp;
        self.done[s] = self.stamp;
        self.dist[s] = 0;
        self.settled.push(s as u32);
        self.relax_taker_arcs(s, 0);
        let mut end = None;
        while let Some(Reverse((d, node))) = self.heap.pop() {
            let node = node as usize;
            if self.done[node] == self.stamp || d > self.dist[node] {
                continue;
            }
            self.done[node] = self.stamp;
            self.settled.push(node as u32);
            if node < n {
                self.relax_taker_arcs(node, d);
                continue;
            }
            let g = node - n;
            if self.used[g] < self.t.capacity[g] {
                end = Some((g, d));
                break;
            }
            for k in 0..self.users[g].len() {
                let a = self.users[g][k];
                let (i, _, c) = self.t.arcs[a as usize];
                let reduced = -c + self.pi[node] - self.pi[i as usize];
                debug_assert!(reduced >= 0, "potentials keep backward arcs non-negative");
                self.relax(i as usize, d + reduced, a);
            }
        }
        let Some((g, reach)) = end else {
            for k in 0..self.settled.len() {
                let node = self.settled[k] as usize;
                if node >= n && !self.dead[node - n] {
                    self.dead[node - n] = true;
                    if self.journaling {
                        self.journal.push(Undo::Dead((node - n) as u32));
                    }
                }
            }
            return false;
        };
        // Potentials: settled nodes move by their distance below the end's,
        // which keeps every residual arc's reduced cost non-negative.
        for k in 0..self.settled.len() {
            let node = self.settled[k] as usize;
            if self.journaling {
                self.journal.push(Undo::Pi(node as u32, self.pi[node]));
            }
            self.pi[node] += self.dist[node] - reach;
        }
        // The amount: what the taker still lacks, the giver's room, and
        // the flow on each backward arc of the path.
        let mut amount = (self.t.demand[s] - self.served[s]).min(self.t.capacity[g] - self.used[g]);
        let mut node = n + g;
        loop {
            let a = self.via[node] as usize;
            let i = self.t.arcs[a].0 as usize;
            if i == s {
                break;
            }
            let back = self.via[i] as usize;
            amount = amount.min(self.flow[back]);
            node = n + self.t.arcs[back].1 as usize;
        }
        let mut node = n + g;
        loop {
            let a = self.via[node] as usize;
            self.add_flow(a, amount);
            if self.journaling {
                self.journal.push(Undo::Flow(a as u32, amount as i64));
            }
            let i = self.t.arcs[a].0 as usize;
            if i == s {
                break;
            }
            let back = self.via[i] as usize;
            self.take_flow(back, amount);
            if self.journaling {
                self.journal.push(Undo::Flow(back as u32, -(amount as i64)));
            }
            node = n + self.t.arcs[back].1 as usize;
        }
        self.used[g] += amount;
        self.served[s] += amount;
        if self.journaling {
            self.journal.push(Undo::Served {
                taker: s as u32,
                giver: g as u32,
                amount,
            });
        }
        true
    }

    fn add_flow(&mut self, a: usize, amount: u32) {
        if self.flow[a] == 0 {
            let g = self.t.arcs[a].1 as usize;
            self.place[a] = self.users[g].len() as u32;
            self.users[g].push(a as u32);
        }
        self.flow[a] += amount;
    }

    fn take_flow(&mut self, a: usize, amount: u32) {
        self.flow[a] -= amount;
        if self.flow[a] == 0 {
            let g = self.t.arcs[a].1 as usize;
            let at = self.place[a] as usize;
            self.users[g].swap_remove(at);
            if let Some(&moved) = self.users[g].get(at) {
                self.place[moved as usize] = at as u32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cheaper_giver_is_given_up_when_a_later_taker_has_no_other() {
        // Taker 0 prefers giver 0 (1 vs 5); taker 1 can only use giver 0.
        let mut t = Transport::new(vec![1, 1], vec![1, 1]);
        t.add(0, 0, 1);
        t.add(0, 1, 5);
        t.add(1, 0, 2);
        let s = t.solve(&[0, 1]);
        assert_eq!(s.served, vec![1, 1]);
        assert_eq!(s.flow, vec![0, 1, 1]);
        assert_eq!(s.cost, 7);
    }

    #[test]
    fn the_first_in_order_is_served_when_both_cannot_be() {
        let mut t = Transport::new(vec![1, 1], vec![1]);
        t.add(0, 0, 9);
        t.add(1, 0, 1);
        assert_eq!(t.solve(&[0, 1]).served, vec![1, 0]);
        assert_eq!(t.solve(&[1, 0]).served, vec![0, 1]);
    }

    #[test]
    fn quantities_split_across_givers_and_stop_at_what_is_there() {
        let mut t = Transport::new(vec![10, 4], vec![6, 3]);
        t.add(0, 0, 1);
        t.add(0, 1, 2);
        t.add(1, 0, 1);
        let s = t.solve(&[1, 0]);
        assert_eq!(s.served, vec![5, 4]);
        assert_eq!(s.flow, vec![2, 3, 4]);
    }
}
