//! What the dashboard counts and how (no IO).

use serde::Serialize;
use utoipa::ToSchema;

use crate::needs::model::{NeedStatus, Urgency};

/// Counts of needs. A need counts as verified once it reached verified or
/// any later step, and so on down the line; duplicates are not collected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Counts {
    pub collected: i64,
    pub verified: i64,
    /// People of critical and urgent needs that were matched or later.
    pub emergency_people: i64,
    pub matched: i64,
    pub delivered: i64,
    pub closed: i64,
    /// Open needs (not closed, rejected, cancelled or a duplicate).
    pub open: i64,
    /// Open needs carrying the escalation flag now.
    pub escalated: i64,
}

impl Counts {
    /// Add `n` needs of one status, urgency and flag, serving `people`.
    pub fn add(
        &mut self,
        status: NeedStatus,
        urgency: Urgency,
        escalated: bool,
        n: i64,
        people: i64,
    ) {
        use NeedStatus::*;
        if status == Duplicate {
            return;
        }
        self.collected += n;
        let reached = |s: &[NeedStatus]| s.contains(&status);
        if reached(&[Verified, Matched, InProgress, Delivered, Closed]) {
            self.verified += n;
        }
        if reached(&[Matched, InProgress, Delivered, Closed]) {
            self.matched += n;
            if matches!(urgency, Urgency::Critical | Urgency::Urgent) {
                self.emergency_people += people;
            }
        }
        if reached(&[Delivered, Closed]) {
            self.delivered += n;
        }
        if status == Closed {
            self.closed += n;
        }
        if status.is_open() {
            self.open += n;
            if escalated {
                self.escalated += n;
            }
        }
    }
}

/// One area's row: its counts and the goods units sent to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaRow {
    pub division_code: String,
    pub division_name: String,
    pub counts: Counts,
    pub units_sent: i64,
}

/// The upper bounds (minutes) of the waiting-time histogram's buckets;
/// the last bucket is everything longer.
pub const BUCKETS: [i64; 7] = [15, 60, 120, 360, 720, 1440, 4320];

/// How long needs waited for a step: how many took it, the median and the
/// 90th percentile, and a histogram over `BUCKETS`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Timing {
    pub count: i64,
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
    /// Counts per bucket: ≤15 min, ≤1 h, ≤2 h, ≤6 h, ≤12 h, ≤24 h, ≤72 h, longer.
    pub histogram: Vec<i64>,
}

/// Waits summed up from (minutes, how many needs) groups in any order.
/// Percentiles by nearest rank.
pub fn timing(mut groups: Vec<(i64, i64)>) -> Timing {
    groups.sort_unstable();
    let count: i64 = groups.iter().map(|&(_, n)| n).sum();
    // The value at rank ⌈count·p/100⌉ (1-based), walking the groups.
    let rank = |p: i64| -> Option<i64> {
        let target = ((count * p + 99) / 100).clamp(1, count.max(1));
        let mut seen = 0;
        groups.iter().find_map(|&(m, n)| {
            seen += n;
            (seen >= target).then_some(m)
        })
    };
    let mut histogram = vec![0; BUCKETS.len() + 1];
    for &(m, n) in &groups {
        let b = BUCKETS
            .iter()
            .position(|edge| m <= *edge)
            .unwrap_or(BUCKETS.len());
        histogram[b] += n;
    }
    Timing {
        count,
        median_minutes: rank(50),
        p90_minutes: rank(90),
        histogram,
    }
}

/// The code length one level below a jurisdiction (the areas a head
/// reads their picture by): the country by province, a province by city,
/// a city by district, a district by street, a street by community.
pub fn area_len(jurisdiction: &str) -> usize {
    match jurisdiction.len() {
        0 => 2,
        2 => 4,
        4 => 6,
        6 => 9,
        _ => 12,
    }
}

/// The dashboard of one jurisdiction. Scoped like everything else: it
/// counts only needs and goods inside the reader's jurisdiction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    pub totals: Counts,
    pub areas: Vec<AreaRow>,
    pub to_verify: Timing,
    pub to_deliver: Timing,
    /// Goods sent to needs, per item.
    pub sent: Vec<crate::supply::model::LedgerItem>,
    /// Money received and goods' declared value, in fen.
    pub money_fen: i64,
    pub goods_value_fen: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_counts_every_need_that_reached_it() {
        let mut c = Counts::default();
        c.add(NeedStatus::New, Urgency::Normal, false, 3, 3);
        c.add(NeedStatus::Verified, Urgency::Urgent, true, 2, 10);
        c.add(NeedStatus::Delivered, Urgency::Critical, false, 1, 40);
        c.add(NeedStatus::Closed, Urgency::Normal, false, 1, 5);
        c.add(NeedStatus::Duplicate, Urgency::Critical, false, 4, 100);
        c.add(NeedStatus::Rejected, Urgency::Urgent, true, 1, 1);
        assert_eq!(
            c,
            Counts {
                collected: 8,
                verified: 4,
                emergency_people: 40,
                matched: 2,
                delivered: 2,
                closed: 1,
                open: 6,
                escalated: 2,
            }
        );
    }

    #[test]
    fn waits_have_a_median_a_p90_and_a_histogram() {
        let one = |m: &[i64]| m.iter().map(|&m| (m, 1)).collect::<Vec<_>>();
        let t = timing(one(&[19, 5, 30, 200, 90, 10, 20, 15, 16, 5000]));
        assert_eq!(t.count, 10);
        assert_eq!(t.median_minutes, Some(19));
        assert_eq!(t.p90_minutes, Some(200));
        assert_eq!(t.histogram, vec![3, 4, 1, 1, 0, 0, 0, 1]);
        assert_eq!(timing(Vec::new()).median_minutes, None);
        assert_eq!(timing(one(&[7])).p90_minutes, Some(7));
        // Grouped as the store reads them: the same answer as one by one.
        let g = timing(vec![(30, 2), (5, 3), (5000, 1), (15, 4)]);
        let o = timing(one(&[5, 5, 5, 15, 15, 15, 15, 30, 30, 5000]));
        assert_eq!(g, o);
        assert_eq!((g.median_minutes, g.p90_minutes), (Some(15), Some(30)));
    }

    #[test]
    fn areas_are_one_level_down() {
        assert_eq!(area_len(""), 2);
        assert_eq!(area_len("6101"), 6);
        assert_eq!(area_len("610113"), 9);
        assert_eq!(area_len("610113001"), 12);
    }
}
