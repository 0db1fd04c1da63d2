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
    assert!(
        misread.is_empty(),
        "{} misread: {:#?}",
        misread.len(),
        &misread[..misread.len().min(20)]
    );
}
