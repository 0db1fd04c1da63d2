//! Properties of the resolver: it never panics, and the official full
//! name of a division resolves to exactly that division.

use std::collections::HashMap;
use std::sync::OnceLock;

use divisions::{Resolver, Tree};
use proptest::prelude::*;

/// A full name as the resolver reads it: bracketed notes are dropped from
/// text, so 陈家营村委会（大） reads as 陈家营村委会.
fn as_read(full_name: &str) -> String {
    let mut depth = 0u32;
    full_name
        .chars()
        .filter(|c| match c {
            '（' | '(' => {
                depth += 1;
                false
            }
            '）' | ')' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect()
}

/// Full names written (as read) by more than one division cannot name
/// either.
fn shared_full_names() -> &'static HashMap<String, usize> {
    static NAMES: OnceLock<HashMap<String, usize>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut m = HashMap::new();
        for d in Tree::china().iter() {
            *m.entry(as_read(&d.full_name())).or_insert(0) += 1;
        }
        m.retain(|_, n| *n > 1);
        m
    })
}

/// A name without the names of its ancestors it starts with, from the
/// top down (两渡镇两渡居民委员会 → 两渡居民委员会), as the resolver also
/// indexes it.
fn own_name(d: &divisions::Division<'_>) -> String {
    let mut name = as_read(d.name());
    let mut ancestors = Vec::new();
    let mut p = d.parent();
    while let Some(a) = p {
        ancestors.push(as_read(a.name()));
        p = a.parent();
    }
    for a in ancestors.iter().rev() {
        if let Some(rest) = name.strip_prefix(a.as_str())
            && rest.chars().count() >= 2
        {
            name = rest.to_owned();
        }
    }
    name
}

/// The cores a street or community is read by: of its name and of its
/// own name.
fn cores(d: &divisions::Division<'_>) -> Vec<String> {
    let core = |n: &str| match d.level() {
        divisions::DivisionLevel::Street => divisions::street_core(n).to_owned(),
        _ => divisions::community_core(n).to_owned(),
    };
    let mut v = vec![core(&as_read(d.name())), core(&own_name(d))];
    v.dedup();
    v
}

/// Divisions whose full name is told from another's only by suffixes
/// (干河沟社区居委会 and 干河沟社区居民委员会 in one street; 石拉沟村委会
/// and 石拉沟社区; 开平镇 and 开平街道 in one district, and a 义井社区 of
/// 义井街道 and a 义井村委会 of 义井镇): a written full name fits both, so it
/// names neither. (The kind a suffix says, village or community, town or
/// sub-district, once told such places apart; it no longer does: a suffix
/// never tells two places apart.)
fn suffix_twins() -> &'static std::collections::HashSet<String> {
    static TWINS: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    TWINS.get_or_init(|| {
        // Under (district, street core, community core or "").
        let mut groups: HashMap<(String, String, String), Vec<String>> = HashMap::new();
        for d in Tree::china().iter() {
            let (street, community) = match d.level() {
                divisions::DivisionLevel::Street => (d, None),
                divisions::DivisionLevel::Community => (d.parent().unwrap(), Some(d)),
                _ => continue,
            };
            let district = street.parent().map(|p| p.code()).unwrap_or_default();
            let community_cores = community.map_or(vec![String::new()], |c| cores(&c));
            for s in cores(&street) {
                for c in &community_cores {
                    groups
                        .entry((district.clone(), s.clone(), c.clone()))
                        .or_default()
                        .push(d.code());
                }
            }
        }
        groups
            .into_values()
            .filter(|g| g.len() > 1)
            .flatten()
            .collect()
    })
}

fn resolved_code(address: &str) -> String {
    let r = Resolver::china().resolve(address);
    r.division
        .map(|d| Tree::china().division(d).code())
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_any_text(s in "\\PC{0,60}") {
        let _ = Resolver::china().resolve(&s);
    }

    #[test]
    fn never_panics_on_address_like_text(s in "[省市区县街道镇乡村社区居委会路号栋单元0-9０-９a-zＡ-Ｚ（）()：:，, 　西安雁塔小寨龙窝鄠邑长安新城未央]{0,40}") {
        let r = Resolver::china().resolve(&s);
        for span in &r.spans {
            prop_assert!(span.range.start <= span.range.end && span.range.end <= s.len());
            prop_assert!(s.is_char_boundary(span.range.start) && s.is_char_boundary(span.range.end));
        }
    }

    #[test]
    fn resolving_many_at_once_agrees_with_one_by_one(
        addresses in proptest::collection::vec("[省市区县街道镇乡村社区居委会路号0-9（）【】，西安雁塔小寨兴善龙窝鄠邑户县长安西韦新城未央碑林]{0,24}", 0..50)
    ) {
        let r = Resolver::china();
        let one: Vec<_> = addresses.iter().map(|a| r.resolve(a)).collect();
        prop_assert_eq!(&r.resolve_many(&addresses), &one);
        prop_assert_eq!(&r.resolve_batch(&addresses), &one);
    }

    /// A jurisdiction only chooses among the places an ambiguous text fits:
    /// an answer the text determines is never changed, and a chosen one
    /// lies inside what the text alone determined.
    #[test]
    fn a_jurisdiction_only_narrows_an_ambiguous_answer(
        s in "[省市区县街道镇乡村社区居委会路号0-9新城朝阳长安西安呼和浩特北京长春鼓楼和平城关东西南北中]{0,16}",
        i in 0usize..665_276,
    ) {
        let (tree, r) = (Tree::china(), Resolver::china());
        let jurisdiction = tree.by_index(i).unwrap();
        let plain = r.resolve(&s);
        let near = r.near(jurisdiction.id()).resolve(&s);
        if !near.by_jurisdiction {
            prop_assert_eq!(&near, &plain);
        } else {
            prop_assert!(plain.ambiguous_at.is_some(), "{} was not ambiguous", s);
            let chosen = tree.division(near.division.unwrap());
            if let Some(common) = plain.division {
                prop_assert!(tree.division(common).contains(&chosen), "{}", s);
            }
        }
    }

    #[test]
    fn official_full_name_resolves_to_its_division(i in 0usize..665_276) {
        let tree = Tree::china();
        let d = tree.by_index(i).unwrap();
        // Virtual communities are statistical units, and 市辖区 is a level
        // with no name of its own: neither is written in an address.
        prop_assume!(!d.is_virtual() && !d.is_placeholder_city());
        let name = d.full_name();
        prop_assume!(!shared_full_names().contains_key(&as_read(&name)));
        prop_assume!(!suffix_twins().contains(&d.code()));
        prop_assert_eq!(resolved_code(&name), d.code(), "{}", name);
    }
}

/// The property above, for every division rather than a sample (a few
/// seconds): no official full name is misread or read short.
#[test]
fn every_official_full_name_resolves_to_its_division() {
    let tree = Tree::china();
    let mut misread = Vec::new();
    let mut checked = 0;
    for d in tree.iter() {
        let name = d.full_name();
        if d.is_virtual()
            || d.is_placeholder_city()
            || shared_full_names().contains_key(&as_read(&name))
            || suffix_twins().contains(&d.code())
        {
            continue;
        }
        checked += 1;
        let got = resolved_code(&name);
        if got != d.code() {
            misread.push(format!("{name}: {} read as {got:?}", d.code()));
        }
    }
    assert!(checked > 600_000, "only {checked} names checked");
    eprintln!(
        "{} names told apart only by a suffix's spelling left out",
        suffix_twins().len()
    );
    assert!(
        misread.is_empty(),
        "{} misread: {:#?}",
        misread.len(),
        &misread[..misread.len().min(20)]
    );
}

/// Divisions of one level that share a core under one parent: a short
/// form or any suffix variant of the core fits them all. (community,
/// district or city code, core) → their codes; streets under their
/// district likewise. Built from the tree: the cores the resolver
/// publishes (`community_core`, `street_core`), of names as read.
type Groups = Vec<(bool, String, String, Vec<String>)>;

fn shared_core_groups() -> &'static Groups {
    static GROUPS: OnceLock<Groups> = OnceLock::new();
    GROUPS.get_or_init(|| {
        let mut m: HashMap<(bool, String, String), Vec<String>> = HashMap::new();
        for d in Tree::china().iter() {
            if d.is_virtual() {
                continue;
            }
            let name = as_read(d.name());
            let (community, core) = match d.level() {
                divisions::DivisionLevel::Community => {
                    (true, divisions::community_core(&name).to_owned())
                }
                divisions::DivisionLevel::Street => {
                    (false, divisions::street_core(&name).to_owned())
                }
                _ => continue,
            };
            // Under the district (6 digits) and, for communities, under
            // the city too (4), where the city is a real one.
            let code = d.code();
            let mut parents = vec![code[..6].to_owned()];
            if community && code[2..4] != *"00" {
                parents.push(code[..4].to_owned());
            }
            for p in parents {
                m.entry((community, p, core.clone()))
                    .or_default()
                    .push(code.clone());
            }
        }
        let mut v: Groups = m
            .into_iter()
            .filter(|(_, codes)| codes.len() > 1)
            .map(|((c, p, core), codes)| (c, p, core, codes))
            .collect();
        v.sort();
        v
    })
}

/// Every division's name as read → the codes bearing it.
fn names_as_read() -> &'static HashMap<String, Vec<String>> {
    static NAMES: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut m: HashMap<String, Vec<String>> = HashMap::new();
        for d in Tree::china().iter() {
            m.entry(as_read(d.name())).or_default().push(d.code());
        }
        m
    })
}

/// Names of provinces, cities and districts and every start of them of
/// two chars or more (their short forms among them): a core that is one
/// may name that place too (东方 is 东方市), which the property below
/// leaves to the tests of top names.
fn top_names() -> &'static std::collections::HashSet<String> {
    static NAMES: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut set = std::collections::HashSet::new();
        for d in Tree::china().iter() {
            if d.level() > divisions::DivisionLevel::District {
                continue;
            }
            let name = d.name();
            set.insert(name.to_owned());
            let cs: Vec<char> = name.chars().collect();
            for n in 2..cs.len() {
                set.insert(cs[..n].iter().collect());
            }
        }
        set
    })
}

/// The code the codes share from their start, cut to a level's length.
fn common_code(codes: &[String]) -> String {
    let first = &codes[0];
    let n = codes.iter().fold(first.len(), |n, c| {
        n.min(
            first
                .bytes()
                .zip(c.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        )
    });
    let n = [12, 9, 6, 4, 2, 0].into_iter().find(|&l| l <= n).unwrap();
    first[..n].to_owned()
}

/// A division's whole official name, written under its district, names
/// it, though its core is shared by others there (CI found this case).
#[test]
fn a_whole_official_name_under_its_district_names_that_division() {
    assert_eq!(resolved_code("黑龙江省哈尔滨市南岗区农垦"), "230103579");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    /// A written name fits every division whose name reads the same once
    /// its suffix is dropped or lengthened: a core that N > 1 communities
    /// (or streets) share under a district or city, written under it bare
    /// or with any suffix of its family (either kind: 村 or 社区, 镇 or
    /// 街道), never resolves deeper than their common ancestor, and never
    /// to one of them because its official spelling matches.
    #[test]
    fn a_shared_core_never_resolves_below_what_its_divisions_share(
        i in 0usize..10_000_000,
        k in 0usize..16,
    ) {
        let groups = shared_core_groups();
        let (community, parent, core, codes) = &groups[i % groups.len()];
        prop_assume!(!top_names().contains(core));
        let suffixes: &[&str] = if *community {
            &["", "村", "村委会", "村民委员会", "社区", "居委会", "社区居委会", "社区居民委员会"]
        } else {
            &["", "街道", "镇", "乡", "街道办事处", "办事处"]
        };
        let suffix = suffixes[k % suffixes.len()];
        let tree = Tree::china();
        let head = tree.find(parent).unwrap();
        let address = format!("{}{core}{suffix}", as_read(&head.full_name()));
        // The text may end in another division's whole official name
        // (哈尔滨市南岗区 + 农垦 is the street 南岗区农垦): that one is named.
        prop_assume!(!address.char_indices().any(|(at, _)| {
            names_as_read().get(&address[at..]).is_some_and(|found| {
                found.iter().any(|c| c.starts_with(parent.as_str()) && !codes.contains(c))
            })
        }));
        let got = resolved_code(&address);
        let common = common_code(codes);
        prop_assert!(
            common.starts_with(&got),
            "{} fits {} divisions sharing {} but read as {}", address, codes.len(), common, got
        );
    }
}
