//! Name and code search over the tree (the divisions browser, pickers).
//! A linear scan: the names are contiguous in memory and a query over the
//! whole country takes a few milliseconds, so an index would cost more
//! memory than it saves. The address resolver builds its own matcher.

use crate::{Division, DivisionId, Tree};

/// One search result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    pub id: DivisionId,
    /// Set when the division was found through a former name (户县 → 鄠邑区).
    pub former_name: Option<&'static str>,
}

impl Tree {
    /// Divisions whose name contains `query` (or whose code starts with it,
    /// when the query is digits), best first: exact name, then name prefix,
    /// then substring; higher levels before lower; then code order.
    /// `within` limits the search to a subtree (a caller's jurisdiction).
    pub fn search(&self, query: &str, within: Option<DivisionId>, limit: usize) -> Vec<SearchHit> {
        let q = query.trim();
        if q.is_empty() || limit == 0 {
            return Vec::new();
        }
        let (start, end) = match within {
            Some(id) => (id.0 as usize, self.nodes[id.index()].end as usize),
            None => (0, self.nodes.len()),
        };
        if q.bytes().all(|b| b.is_ascii_digit()) {
            return (start..end)
                .map(|i| self.division(DivisionId(i as u32)))
                .filter(|d| d.code().starts_with(q))
                .take(limit)
                .map(|d| SearchHit {
                    id: d.id(),
                    former_name: None,
                })
                .collect();
        }
        let mut scored: Vec<(u8, u8, u32, Option<&'static str>)> = Vec::new();
        for (i, node) in self.nodes[start..end].iter().enumerate() {
            if let Some(rank) = rank(node.name, q) {
                scored.push((rank, node.level as u8, (start + i) as u32, None));
            }
        }
        for r in &self.renames {
            let inside = (start..end).contains(&r.id.index());
            if let (true, Some(rank)) = (inside, rank(r.old_name, q)) {
                let level = self.nodes[r.id.index()].level as u8;
                scored.retain(|s| s.2 != r.id.0);
                scored.push((rank, level, r.id.0, Some(r.old_name)));
            }
        }
        scored.sort_unstable();
        scored
            .into_iter()
            .take(limit)
            .map(|(_, _, i, former_name)| SearchHit {
                id: DivisionId(i),
                former_name,
            })
            .collect()
    }

    /// Convenience: the divisions of [`Tree::search`].
    pub fn search_divisions(
        &self,
        query: &str,
        within: Option<DivisionId>,
        limit: usize,
    ) -> Vec<Division<'_>> {
        self.search(query, within, limit)
            .into_iter()
            .map(|h| self.division(h.id))
            .collect()
    }
}

fn rank(name: &str, q: &str) -> Option<u8> {
    if name == q {
        Some(0)
    } else if name.starts_with(q) {
        Some(1)
    } else if name.contains(q) {
        Some(2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use crate::Tree;

    #[test]
    fn finds_xiaozhailu_inside_yanta() {
        let t = Tree::china();
        let yanta = t.find("610113").unwrap();
        let hits = t.search_divisions("小寨路", Some(yanta.id()), 10);
        assert_eq!(hits[0].name(), "小寨路街道");
        assert_eq!(hits[0].code(), "610113001");
        assert!(hits.iter().all(|d| yanta.contains(d)));
    }

    #[test]
    fn exact_and_higher_levels_rank_first() {
        let t = Tree::china();
        let hits = t.search_divisions("雁塔区", None, 5);
        assert_eq!(hits[0].code(), "610113");
    }

    #[test]
    fn former_names_find_the_current_division() {
        let t = Tree::china();
        let hits = t.search("户县", None, 5);
        assert_eq!(t.division(hits[0].id).name(), "鄠邑区");
        assert_eq!(hits[0].former_name, Some("户县"));
    }

    #[test]
    fn digits_search_by_code_prefix() {
        let t = Tree::china();
        let hits = t.search_divisions("610113", None, 3);
        assert_eq!(hits[0].name(), "雁塔区");
        assert!(hits.iter().all(|d| d.code().starts_with("610113")));
        assert!(t.search("", None, 3).is_empty());
    }
}
