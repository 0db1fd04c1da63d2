//! Free-text address → the deepest division the text determines.
//!
//! How it reads an address:
//! 1. Normalise: full-width ASCII to half-width, drop spaces and
//!    punctuation, cut leading words (住址：, 家住 …) and bracketed notes.
//! 2. Province, city and district names (official and short forms, former
//!    names) are found by one Aho–Corasick automaton, leftmost-longest.
//!    Reading left to right, a match is taken only if it lies inside what is
//!    already known and is deeper, so 雁塔区长安南路 stays in 雁塔区; a short
//!    form (雁塔, 长安) followed by a road or town word (路, 街, 镇 …) is a
//!    road name, not a division.
//! 3. Streets and communities are found by a trie of their core names
//!    (小寨路, 兴善寺, 龙窝) rooted per district, walked from every position
//!    after the district; a core followed by a suffix (街道, 社区居委会, 村 …)
//!    is a strong match. With no district in the text, a national table of
//!    cores is consulted at suffix words.
//! 4. Where several divisions remain (two 新村 in one district, a 新城区 with
//!    no city), the answer is their deepest common ancestor: never a guess.

use std::borrow::Cow;
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use rustc_hash::FxHashMap;

use crate::{Division, DivisionId, DivisionLevel, Tree};

/// One piece of the text that named a division.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub level: DivisionLevel,
    /// Byte range in the input.
    pub range: Range<usize>,
}

/// What the text determines.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolution {
    /// The deepest division the text determines; `None` when it names none.
    pub division: Option<DivisionId>,
    /// The spans that named the divisions on the path.
    pub spans: Vec<Span>,
    /// 0–1: 1 when every level was written with its suffix.
    pub confidence: f32,
    /// Set when the text goes deeper but is ambiguous at this level (e.g. a
    /// community name found in two streets): the answer stops above it.
    pub ambiguous_at: Option<DivisionLevel>,
}

impl Resolution {
    fn none() -> Resolution {
        Resolution {
            division: None,
            spans: Vec::new(),
            confidence: 0.0,
            ambiguous_at: None,
        }
    }

    pub fn level(&self, tree: &Tree) -> Option<DivisionLevel> {
        self.division.map(|d| tree.division(d).level())
    }
}

#[derive(Clone, Copy, Debug)]
struct Alias {
    id: DivisionId,
    /// Written with its suffix (雁塔区), not a short form (雁塔).
    strong: bool,
}

/// A trie in flat arrays (children of a node are a contiguous run sorted
/// by char, found by binary search). Built from sorted keys in one pass
/// with sequential writes, which is several times faster than a hash map
/// of edges and a third of its memory.
#[derive(Default)]
struct Trie {
    /// Per node: start of its children, their count, start of its terminals, their count.
    nodes: Vec<[u32; 4]>,
    child_chars: Vec<char>,
    child_nodes: Vec<u32>,
    terminals: Vec<DivisionId>,
    /// Children being collected during `build` (a stack shared by all levels).
    scratch: Vec<(char, u32)>,
}

impl Trie {
    /// Build the subtrie of `keys` (sorted, sharing their first `depth`
    /// bytes) and return its node.
    fn build(&mut self, keys: &[(Cow<'static, str>, DivisionId)], depth: usize) -> u32 {
        let node = self.nodes.len() as u32;
        self.nodes.push([0; 4]);
        let ends = keys.iter().take_while(|(k, _)| k.len() == depth).count();
        let term_start = self.terminals.len() as u32;
        self.terminals
            .extend(keys[..ends].iter().map(|(_, id)| *id));
        let mark = self.scratch.len();
        let mut rest = &keys[ends..];
        while let Some((first, _)) = rest.first() {
            let c = first[depth..].chars().next().unwrap_or_default();
            let n = rest
                .iter()
                .take_while(|(k, _)| k[depth..].starts_with(c))
                .count();
            let child = self.build(&rest[..n], depth + c.len_utf8());
            self.scratch.push((c, child));
            rest = &rest[n..];
        }
        let child_start = self.child_chars.len() as u32;
        let count = (self.scratch.len() - mark) as u32;
        for (c, child) in self.scratch.drain(mark..) {
            self.child_chars.push(c);
            self.child_nodes.push(child);
        }
        self.nodes[node as usize] = [child_start, count, term_start, ends as u32];
        node
    }

    fn child(&self, node: u32, c: char) -> Option<u32> {
        let [start, len, _, _] = self.nodes[node as usize];
        let range = start as usize..(start + len) as usize;
        let i = self.child_chars[range.clone()].binary_search(&c).ok()?;
        Some(self.child_nodes[range.start + i])
    }

    fn terminals(&self, node: u32) -> &[DivisionId] {
        let [_, _, start, len] = self.nodes[node as usize];
        &self.terminals[start as usize..(start + len) as usize]
    }
}

/// The address matcher over a tree.
pub struct Resolver {
    tree: &'static Tree,
    top: AhoCorasick,
    /// Pattern index → its divisions (a name may belong to several).
    top_aliases: Vec<Vec<Alias>>,
    /// The street and community cores of every district as one trie, one
    /// root per district.
    trie: Trie,
    /// District → its root node in `trie`.
    district_root: FxHashMap<DivisionId, u32>,
    /// (hash of core name, division) for every street and community,
    /// sorted: the national lookup for texts with no district. A sorted
    /// array instead of a map of vectors: no allocation per name.
    national: Vec<(u64, DivisionId)>,
}

const STREET_SUFFIXES: [&str; 8] = [
    "街道办事处",
    "地区办事处",
    "地区",
    "街道",
    "办事处",
    "苏木",
    "镇",
    "乡",
];
const COMMUNITY_SUFFIXES: [&str; 10] = [
    "社区居民委员会",
    "社区居委会",
    "村村民委员会",
    "村民委员会",
    "居民委员会",
    "村村委会",
    "村委会",
    "居委会",
    "社区",
    "村",
];
/// What may follow a street core in text, longest first.
const STREET_TEXT_SUFFIXES: [&str; 10] = [
    "街道办事处",
    "街道办",
    "地区办事处",
    "街道",
    "办事处",
    "地区",
    "镇人民政府",
    "苏木",
    "镇",
    "乡",
];
/// What may follow a community core in text, longest first.
const COMMUNITY_TEXT_SUFFIXES: [&str; 11] = [
    "社区居民委员会",
    "社区居委会",
    "村村民委员会",
    "村民委员会",
    "居民委员会",
    "村村委会",
    "村委会",
    "居委会",
    "委员会",
    "社区",
    "村",
];
/// Words after a short name that make it part of a road or another place.
const ROAD_WORDS: [char; 12] = [
    '路', '街', '道', '巷', '弄', '里', '镇', '乡', '村', '大', '桥', '门',
];
const ETHNIC: [&str; 56] = [
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "各",
];

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Whether text right after a bare name makes it part of a road or another
/// place: 长安|南路, 雁塔|路, 大兴|东路, 饶阳|店镇 is not decided here.
fn continues_as_road(rest: &str) -> bool {
    let mut cs = rest.chars();
    match cs.next() {
        Some(c) if ROAD_WORDS.contains(&c) => true,
        Some('东' | '西' | '南' | '北' | '中') => {
            cs.next().is_some_and(|c| ROAD_WORDS.contains(&c))
        }
        _ => false,
    }
}

/// A bare core (no suffix) that reads as a road: followed by a road word or
/// a house number (大街258号), or itself ending in one (东大街).
fn bare_is_road(core: &str, rest: &str) -> bool {
    continues_as_road(rest)
        || rest.starts_with(|c: char| c.is_ascii_digit())
        || core.ends_with(['路', '街', '道', '巷'])
}

/// The short form of a province, city or district name, if it has one
/// people write: 陕西省 → 陕西, 西安市 → 西安, 雁塔区 → 雁塔,
/// 恩施土家族苗族自治州 → 恩施, 广西壮族自治区 → 广西.
fn short_form(name: &str) -> Option<&str> {
    if let Some(pos) = name.find("自治") {
        let head = &name[..pos];
        // Cut at the first ethnic name that starts a run ending in 族 or at 自治.
        for (i, _) in head.char_indices().skip(2) {
            let rest = &head[i..];
            if ETHNIC.iter().any(|e| rest.starts_with(e)) {
                return Some(&head[..i]);
            }
        }
        return (chars(head) >= 2).then_some(head);
    }
    for suffix in [
        "特别行政区",
        "林区",
        "地区",
        "新区",
        "省",
        "市",
        "区",
        "县",
        "盟",
        "旗",
    ] {
        if let Some(core) = name.strip_suffix(suffix)
            && chars(core) >= 2
        {
            return Some(core);
        }
    }
    None
}

fn core_of<'a>(name: &'a str, suffixes: &[&str]) -> &'a str {
    for s in suffixes {
        if let Some(core) = name.strip_suffix(s)
            && chars(core) >= 2
        {
            return core;
        }
    }
    name
}

/// The core people write for a street: 小寨路街道 → 小寨路.
pub fn street_core(name: &str) -> &str {
    core_of(name, &STREET_SUFFIXES)
}

/// The core people write for a community or village: 兴善寺社区居委会 →
/// 兴善寺, 龙窝村委会 → 龙窝, 西韦村村委会 → 西韦.
pub fn community_core(name: &str) -> &str {
    core_of(name, &COMMUNITY_SUFFIXES)
}

/// A name without its bracketed note, as `normalise` leaves text:
/// 白庙村农工商联合公司（村委会） → 白庙村农工商联合公司.
fn plain(name: &'static str) -> Cow<'static, str> {
    if !name.contains(['（', '(']) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    let mut depth = 0u32;
    for c in name.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// The core a division is indexed under.
fn division_core(d: &Division<'static>) -> Cow<'static, str> {
    let strip = |n: &str| -> usize {
        let core = if d.level() == DivisionLevel::Street {
            street_core(n)
        } else {
            community_core(n)
        };
        core.len()
    };
    match plain(d.name()) {
        Cow::Borrowed(n) => Cow::Borrowed(&n[..strip(n)]),
        Cow::Owned(n) => Cow::Owned(n[..strip(&n)].to_owned()),
    }
}

/// Whether `written` is the official `name` (brackets, which `normalise`
/// drops from the text, dropped from the name too).
fn is_named(name: &'static str, written: &str) -> bool {
    name == written || (name.ends_with(['）', ')']) && *plain(name) == *written)
}

/// Normalise for matching: full-width ASCII to half-width, no spaces or
/// punctuation, no leading 住址/家住, no bracketed notes. Keeps, for each
/// byte of the result, the byte offset in the input it came from.
fn normalise(input: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(input.len());
    let mut map = Vec::with_capacity(input.len() + 1);
    let mut depth = 0u32;
    for (i, c) in input.char_indices() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        match c {
            '(' | '[' | '【' | '〔' | '（' => depth += 1,
            ')' | ']' | '】' | '〕' | '）' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            // CJK first: the common case, without the Unicode table lookup.
            c if ('\u{4e00}'..='\u{9fff}').contains(&c) || c.is_alphanumeric() => {
                let mut buf = [0u8; 4];
                for _ in 0..c.encode_utf8(&mut buf).len() {
                    map.push(i);
                }
                out.push(c);
            }
            _ => {}
        }
    }
    map.push(input.len());
    for lead in [
        "现住址",
        "家庭住址",
        "居住地址",
        "住址",
        "地址",
        "现住",
        "家住",
        "住在",
        "居住在",
        "位于",
    ] {
        if out.starts_with(lead) {
            let n = lead.len();
            out.drain(..n);
            map.drain(..n);
            break;
        }
    }
    (out, map)
}

fn hash_str(s: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(s.as_bytes());
    h.finish()
}

#[derive(Clone, Copy, Debug)]
struct Hit {
    id: DivisionId,
    start: usize,
    end: usize,
    strong: bool,
    /// The text is the official name, suffix and all (兴善社区居委会), which
    /// tells 新村村委会 from 新村社区 in one street.
    exact: bool,
    /// The written suffix says the same kind (村 or 社区) as the official name.
    same_kind: bool,
}

/// Village (村) or urban community (社区/居委会): the two kinds of
/// community-level name, which share cores (石拉沟村委会, 石拉沟社区).
fn is_village(name: &str) -> bool {
    let n = name.trim_end_matches(|c| c != '村' && c != '社' && c != '居');
    n.ends_with('村')
}

impl Resolver {
    /// Build the matcher over the national tree.
    pub fn china() -> &'static Resolver {
        static R: std::sync::OnceLock<Resolver> = std::sync::OnceLock::new();
        R.get_or_init(|| Resolver::new(Tree::china()))
    }

    pub fn new(tree: &'static Tree) -> Resolver {
        // Top levels: official and short names, and former names.
        let mut pattern_index: FxHashMap<&'static str, usize> = FxHashMap::default();
        let mut patterns: Vec<&'static str> = Vec::new();
        let mut top_aliases: Vec<Vec<Alias>> = Vec::new();
        let mut add = |name: &'static str, alias: Alias| {
            let idx = *pattern_index.entry(name).or_insert_with(|| {
                patterns.push(name);
                top_aliases.push(Vec::new());
                patterns.len() - 1
            });
            top_aliases[idx].push(alias);
        };
        let mut trie = Trie::default();
        let mut district_root = FxHashMap::default();
        let mut national: Vec<(u64, DivisionId)> = Vec::with_capacity(700_000);
        // (core, division) of the district being read; flushed into the trie
        // when the next district starts.
        let mut local: Vec<(Cow<'static, str>, DivisionId)> = Vec::with_capacity(4096);
        let mut current: Option<DivisionId> = None;
        let mut flush = |current: Option<DivisionId>,
                         local: &mut Vec<(Cow<'static, str>, DivisionId)>,
                         trie: &mut Trie| {
            if let Some(d) = current {
                local.sort_unstable();
                district_root.insert(d, trie.build(local, 0));
            }
            local.clear();
        };
        for d in tree.iter() {
            let name = d.name();
            match d.level() {
                DivisionLevel::Province | DivisionLevel::City | DivisionLevel::District => {
                    flush(current.take(), &mut local, &mut trie);
                    if d.level() == DivisionLevel::City && d.is_placeholder_city() {
                        continue;
                    }
                    add(
                        name,
                        Alias {
                            id: d.id(),
                            strong: true,
                        },
                    );
                    if let Some(short) = short_form(name) {
                        add(
                            short,
                            Alias {
                                id: d.id(),
                                strong: false,
                            },
                        );
                    }
                    if d.level() == DivisionLevel::District {
                        current = Some(d.id());
                    }
                }
                DivisionLevel::Street | DivisionLevel::Community => {
                    if current.is_none() || d.is_virtual() {
                        continue;
                    }
                    let core = division_core(&d);
                    national.push((hash_str(&core), d.id()));
                    local.push((core, d.id()));
                }
            }
        }
        flush(current.take(), &mut local, &mut trie);
        for r in tree.renames() {
            add(
                r.old_name,
                Alias {
                    id: r.id,
                    strong: true,
                },
            );
            if let Some(short) = short_form(r.old_name) {
                add(
                    short,
                    Alias {
                        id: r.id,
                        strong: false,
                    },
                );
            }
        }
        national.sort_unstable();
        let top = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .expect("division names build an automaton");
        Resolver {
            tree,
            top,
            top_aliases,
            trie,
            district_root,
            national,
        }
    }

    fn div(&self, id: DivisionId) -> Division<'static> {
        self.tree.division(id)
    }

    /// Resolve one address.
    pub fn resolve(&self, input: &str) -> Resolution {
        let (text, map) = normalise(input);
        if text.is_empty() {
            return Resolution::none();
        }
        // Hypotheses: divisions the text is known to be inside (empty = anywhere).
        let mut hyp: Vec<DivisionId> = Vec::new();
        let mut hyp_level: Option<DivisionLevel> = None;
        let mut pos = 0;
        let mut spans = Vec::new();
        let mut strong_all = true;
        // Before the last short-form match: what was known, and where it began
        // (饶阳|店镇: the short form may be the start of a street's name).
        let mut before_weak: Option<(Vec<DivisionId>, usize)> = None;
        for m in self.top.find_iter(&text) {
            if m.start() < pos {
                continue;
            }
            let aliases = &self.top_aliases[m.pattern().as_usize()];
            let weak_only = aliases.iter().all(|a| !a.strong);
            if weak_only && continues_as_road(&text[m.end()..]) {
                continue;
            }
            let fits: Vec<Alias> = aliases
                .iter()
                .copied()
                .filter(|a| {
                    let d = self.div(a.id);
                    hyp_level.is_none_or(|l| d.level() > l)
                        && (hyp.is_empty() || hyp.iter().any(|h| self.div(*h).contains(&d)))
                })
                .collect();
            if fits.is_empty() {
                continue;
            }
            // Keep the deepest level the name means here (a name that is both
            // a city and a district means the city only if nothing deeper fits).
            let level = fits
                .iter()
                .map(|a| self.div(a.id).level())
                .min()
                .unwrap_or(DivisionLevel::Province);
            before_weak = (!fits.iter().any(|a| a.strong)).then(|| (hyp.clone(), m.start()));
            hyp = fits
                .iter()
                .filter(|a| self.div(a.id).level() == level)
                .map(|a| a.id)
                .collect();
            hyp.sort_unstable();
            hyp.dedup();
            hyp_level = Some(level);
            strong_all &= fits.iter().any(|a| a.strong);
            spans.push(Span {
                level,
                range: map[m.start()]..map[m.end()],
            });
            pos = m.end();
        }

        // Streets and communities.
        let hits = if hyp_level == Some(DivisionLevel::District) {
            let mut hits = Vec::new();
            for &d in &hyp {
                if let Some(&root) = self.district_root.get(&d) {
                    self.walk(&text, pos, root, &mut hits);
                }
            }
            hits
        } else {
            self.national_hits(&text, pos, &hyp)
        };
        let (mut below, mut below_spans, mut strong) = self.choose(&hits, &map);
        if below.is_empty()
            && let Some((prev, start)) = before_weak
        {
            // Nothing below a short-form match: read it as the start of a
            // street or community name instead, if that finds one written
            // with its suffix.
            let retry = self.national_hits(&text, start, &prev);
            let (b, bs, st) = self.choose(&retry, &map);
            if !b.is_empty() && st {
                spans.pop();
                (below, below_spans, strong) = (b, bs, st);
                hyp = prev;
            }
        }
        let mut res = Resolution::none();
        let candidates = if below.is_empty() { hyp } else { below };
        strong_all &= strong;
        spans.extend(below_spans);
        if candidates.is_empty() {
            return res;
        }
        let common = self.common_ancestor(&candidates);
        if candidates.len() > 1 {
            res.ambiguous_at = common
                .map(|c| self.div(c).level())
                .and_then(|l| DivisionLevel::ALL.into_iter().find(|x| *x > l))
                .or(Some(DivisionLevel::Province));
        }
        res.division = common;
        if let Some(c) = common {
            let level = self.div(c).level();
            spans.retain(|s| s.level <= level);
            res.spans = spans;
            res.confidence = if res.ambiguous_at.is_some() {
                0.5
            } else if strong_all {
                1.0
            } else {
                0.8
            };
        }
        res
    }

    /// Trie walks from every char boundary at or after `from`.
    fn walk(&self, text: &str, from: usize, root: u32, hits: &mut Vec<Hit>) {
        for (start, _) in text[from..].char_indices() {
            let start = from + start;
            let mut node = root;
            let mut end = start;
            for c in text[start..].chars() {
                match self.trie.child(node, c) {
                    Some(next) => node = next,
                    None => break,
                }
                end += c.len_utf8();
                for &id in self.trie.terminals(node) {
                    let level = self.div(id).level();
                    let suffixes: &[&str] = if level == DivisionLevel::Street {
                        &STREET_TEXT_SUFFIXES
                    } else {
                        &COMMUNITY_TEXT_SUFFIXES
                    };
                    let rest = &text[end..];
                    let suffix = suffixes.iter().find(|s| rest.starts_with(**s));
                    let full_end = end + suffix.map_or(0, |s| s.len());
                    let exact = is_named(self.div(id).name(), &text[start..full_end]);
                    // A bare core followed by 路, 街 … is part of a road name.
                    if suffix.is_none() && !exact && bare_is_road(&text[start..end], rest) {
                        continue;
                    }
                    let same_kind =
                        suffix.is_some_and(|sf| is_village(sf) == is_village(self.div(id).name()));
                    hits.push(Hit {
                        id,
                        start,
                        end: full_end,
                        strong: suffix.is_some() || exact,
                        exact,
                        same_kind,
                    });
                }
            }
        }
    }

    /// Without a district: look up cores that end right before a suffix word.
    fn national_hits(&self, text: &str, from: usize, hyp: &[DivisionId]) -> Vec<Hit> {
        let mut hits = Vec::new();
        let rest = &text[from..];
        let bounds: Vec<usize> = rest
            .char_indices()
            .map(|(i, _)| from + i)
            .chain([text.len()])
            .collect();
        for (k, &at) in bounds.iter().enumerate() {
            let tail = &text[at..];
            let street = STREET_TEXT_SUFFIXES.iter().find(|s| tail.starts_with(**s));
            let community = COMMUNITY_TEXT_SUFFIXES
                .iter()
                .find(|s| tail.starts_with(**s));
            let suffix = street.or(community).map(|s| s.len());
            // A bare name at the end counts only under a known place: 火星
            // alone is not 长沙市火星街道.
            if suffix.is_none() && (at != text.len() || hyp.is_empty()) {
                continue;
            }
            for len in 2..=8.min(k) {
                let start = bounds[k - len];
                let core = &text[start..at];
                let h = hash_str(core);
                let first = self.national.partition_point(|(k, _)| *k < h);
                for &(_, id) in self.national[first..].iter().take_while(|(k, _)| *k == h) {
                    let d = self.div(id);
                    // Guards against a 64-bit hash collision; a core is a
                    // prefix of its division's name.
                    if !d.name().starts_with(core) {
                        continue;
                    }
                    let fits = match d.level() {
                        DivisionLevel::Street => street.is_some() || at == text.len(),
                        _ => community.is_some() || at == text.len(),
                    };
                    if fits && (hyp.is_empty() || hyp.iter().any(|h| self.div(*h).contains(&d))) {
                        let end = at + suffix.unwrap_or(0);
                        let exact = is_named(d.name(), &text[start..end]);
                        let same_kind =
                            community.is_some_and(|sf| is_village(sf) == is_village(d.name()));
                        hits.push(Hit {
                            id,
                            start,
                            end,
                            strong: suffix.is_some(),
                            exact,
                            same_kind,
                        });
                    }
                }
            }
        }
        hits
    }

    /// From street and community hits, the candidates below the district.
    fn choose(&self, hits: &[Hit], map: &[usize]) -> (Vec<DivisionId>, Vec<Span>, bool) {
        if hits.is_empty() {
            return (Vec::new(), Vec::new(), true);
        }
        // Prefer strong matches, then longer ones, at each level.
        // `after`: the street's span; a community starts after it, or is an
        // official name that repeats it (店塔镇石拉沟社区居民委员会).
        let best = |level: DivisionLevel, within: &[DivisionId], after: Range<usize>| -> Vec<Hit> {
            let cands: Vec<Hit> = hits
                .iter()
                .copied()
                .filter(|h| {
                    h.start >= after.end || (h.start == after.start && h.end > after.end && h.exact)
                })
                .filter(|h| self.div(h.id).level() == level)
                .filter(|h| {
                    within.is_empty()
                        || within
                            .iter()
                            .any(|w| self.div(*w).contains(&self.div(h.id)))
                })
                .collect();
            let rank = |h: &Hit| (h.strong, h.end - h.start, h.exact, h.same_kind);
            let Some(top) = cands.iter().map(rank).max() else {
                return Vec::new();
            };
            let mut out: Vec<Hit> = cands.into_iter().filter(|h| rank(h) == top).collect();
            out.sort_by_key(|h| (h.start, h.id));
            let first = out[0].start;
            out.retain(|h| h.start == first);
            out
        };
        let streets = best(DivisionLevel::Street, &[], 0..0);
        let street_ids: Vec<DivisionId> = streets.iter().map(|h| h.id).collect();
        let after = streets.first().map_or(0..0, |h| h.start..h.end);
        let mut communities = best(DivisionLevel::Community, &street_ids, after);
        if communities.is_empty() && !streets.is_empty() {
            // A "street" may have been part of a road name; a community
            // elsewhere in the district then wins if written strongly.
            let anywhere = best(DivisionLevel::Community, &[], 0..0);
            if anywhere.iter().all(|h| h.strong) && !streets[0].strong {
                communities = anywhere;
            }
        }
        let mut spans = Vec::new();
        let mut strong = true;
        let pick = if !communities.is_empty() {
            if let Some(s) = streets.first().filter(|s| {
                communities
                    .iter()
                    .any(|c| self.div(s.id).contains(&self.div(c.id)))
            }) {
                spans.push(Span {
                    level: DivisionLevel::Street,
                    range: map[s.start]..map[s.end],
                });
            }
            &communities
        } else {
            &streets
        };
        if let Some(h) = pick.first() {
            strong = h.strong;
            spans.push(Span {
                level: self.div(h.id).level(),
                range: map[h.start]..map[h.end],
            });
        }
        let mut ids: Vec<DivisionId> = pick.iter().map(|h| h.id).collect();
        ids.sort_unstable();
        ids.dedup();
        (ids, spans, strong)
    }

    fn common_ancestor(&self, ids: &[DivisionId]) -> Option<DivisionId> {
        let mut path = self.div(*ids.first()?).path();
        for id in &ids[1..] {
            let other = self.div(*id);
            path.retain(|p| p.contains(&other));
        }
        path.last().map(|d| d.id())
    }

    /// Resolve many addresses on all cores, results in input order.
    pub fn resolve_batch<S: AsRef<str> + Sync>(&self, inputs: &[S]) -> Vec<Resolution> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(inputs.len().max(1));
        let chunk = inputs.len().div_ceil(threads.max(1)).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = inputs
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|s| self.resolve(s.as_ref()))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("resolver thread"))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(addr: &str) -> String {
        let r = Resolver::china();
        r.resolve(addr)
            .division
            .map(|d| r.tree.division(d).code())
            .unwrap_or_default()
    }

    #[test]
    fn cores_and_short_forms() {
        assert_eq!(street_core("小寨路街道"), "小寨路");
        assert_eq!(community_core("兴善寺社区居委会"), "兴善寺");
        assert_eq!(community_core("龙窝村委会"), "龙窝");
        assert_eq!(community_core("西韦村村委会"), "西韦");
        assert_eq!(short_form("恩施土家族苗族自治州"), Some("恩施"));
        assert_eq!(short_form("广西壮族自治区"), Some("广西"));
        assert_eq!(short_form("雁塔区"), Some("雁塔"));
        assert_eq!(short_form("县"), None);
    }

    #[test]
    fn field_report_addresses() {
        assert_eq!(code("鄠邑区龙窝村"), "610118011226");
        assert_eq!(code("陕西省西安市雁塔区小寨路街道"), "610113001");
        assert_eq!(code("雁塔区长安南路88号"), "610113");
        assert_eq!(code("西安市新城区未央路"), "610102");
        assert_eq!(
            code("住址：西安市鄠邑区涝店镇龙窝村委会（近公交站）"),
            "610118011226"
        );
        assert_eq!(code("户县龙窝村"), "610118011226");
        assert_eq!(code(""), "");
        assert_eq!(code("！！！"), "");
    }

    #[test]
    fn ambiguity_stops_above() {
        let r = Resolver::china();
        // 新城区 is in several cities; with no city it is not determined.
        let res = r.resolve("新城区");
        assert!(
            res.division
                .is_none_or(|d| r.tree.division(d).level() < DivisionLevel::District),
            "{res:?}"
        );
        assert!(res.ambiguous_at.is_some());
    }
}
