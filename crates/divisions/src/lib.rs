//! China's five-level administrative division tree (province → city →
//! district/county → street/town → community/village), from the National
//! Bureau of Statistics' 2023 statistical division codes, embedded in the
//! binary. No IO: the data is compiled in (see `data/build.py` for
//! provenance and how to rebuild it).
//!
//! Codes are hierarchical: a division's official code (2, 4, 6, 9 or 12
//! digits) starts with the code of each of its ancestors, so "is X inside
//! jurisdiction J" is a prefix test on the code strings.

use std::fmt;
use std::sync::OnceLock;

mod resolve;
mod search;
pub use resolve::{NEAR_CONFIDENCE, Near, Resolution, Resolver, Span, community_core, street_core};
pub use search::SearchHit;

/// The embedded national tree, one line per division (format in data/build.py).
const DIVISIONS_TXT: &str = include_str!("../data/divisions.txt");
/// Former names still in use (户县 → 鄠邑区 …).
const RENAMES_TSV: &str = include_str!("../data/renames.tsv");

/// The five levels of the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DivisionLevel {
    Province = 1,
    City = 2,
    District = 3,
    Street = 4,
    Community = 5,
}

impl DivisionLevel {
    pub const ALL: [DivisionLevel; 5] = [
        DivisionLevel::Province,
        DivisionLevel::City,
        DivisionLevel::District,
        DivisionLevel::Street,
        DivisionLevel::Community,
    ];

    fn from_digit(d: u8) -> Option<Self> {
        Self::ALL.get(usize::from(d).checked_sub(1)?).copied()
    }

    /// Digits of an official code at this level.
    pub const fn code_len(self) -> usize {
        match self {
            DivisionLevel::Province => 2,
            DivisionLevel::City => 4,
            DivisionLevel::District => 6,
            DivisionLevel::Street => 9,
            DivisionLevel::Community => 12,
        }
    }

    pub fn from_code_len(len: usize) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code_len() == len)
    }

    /// Stable lower-case name used in APIs and CSV.
    pub const fn as_str(self) -> &'static str {
        match self {
            DivisionLevel::Province => "province",
            DivisionLevel::City => "city",
            DivisionLevel::District => "district",
            DivisionLevel::Street => "street",
            DivisionLevel::Community => "community",
        }
    }

    pub fn parent(self) -> Option<Self> {
        Self::from_digit(self as u8 - 1)
    }
}

impl fmt::Display for DivisionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Index of a division in the tree it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DivisionId(u32);

impl DivisionId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Debug)]
struct Node {
    /// Official code padded to 12 digits. Sorted by (padded, level) the
    /// nodes are in depth-first order: a few divisions have an all-zero
    /// suffix (东莞市 → district 441900, 金门县 → street 350527000), so the
    /// padded code alone does not separate them from their parent.
    padded: u64,
    name: &'static str,
    parent: u32,
    /// One past the last descendant: the subtree is `self..end`.
    end: u32,
    level: DivisionLevel,
    flags: u8,
}

const FLAG_DEV_ZONE: u8 = 1;
const FLAG_VIRTUAL: u8 = 2;
const NO_PARENT: u32 = u32::MAX;

/// A former name mapped to the division that carries it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rename {
    pub old_name: &'static str,
    pub id: DivisionId,
    pub year: u16,
}

/// What was wrong with a data line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "division data line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for DataError {}

/// The division tree.
pub struct Tree {
    nodes: Vec<Node>,
    roots: Vec<DivisionId>,
    renames: Vec<Rename>,
}

/// A division borrowed from its tree, with convenient accessors.
#[derive(Clone, Copy)]
pub struct Division<'t> {
    tree: &'t Tree,
    id: DivisionId,
}

impl fmt::Debug for Division<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Division({} {})", self.code(), self.name())
    }
}

impl PartialEq for Division<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.tree, other.tree) && self.id == other.id
    }
}

static CHINA: OnceLock<Tree> = OnceLock::new();

impl Tree {
    /// The embedded national tree, parsed on first use (about 665k
    /// divisions; see BENCHMARKS.md for time and memory).
    pub fn china() -> &'static Tree {
        CHINA.get_or_init(|| Tree::parse_embedded().expect("embedded division data is valid"))
    }

    /// Parse the embedded data into a new tree (what [`Tree::china`] does
    /// once; benchmarks call it repeatedly).
    pub fn parse_embedded() -> Result<Tree, DataError> {
        Tree::parse(DIVISIONS_TXT, RENAMES_TSV)
    }

    /// Parse data in the format written by `data/build.py`. Names borrow
    /// from `text`, which is why it must be `'static` (the embedded file).
    pub fn parse(text: &'static str, renames: &'static str) -> Result<Tree, DataError> {
        let mut nodes: Vec<Node> = Vec::with_capacity(text.len() / 24);
        let mut roots = Vec::new();
        // stack[level-1] = index of the open ancestor at that level.
        let mut stack: [u32; 5] = [NO_PARENT; 5];
        let mut codes: [u64; 5] = [0; 5];
        for (n, line) in text.lines().enumerate() {
            let err = |message: &str| DataError {
                line: n + 1,
                message: message.to_owned(),
            };
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('\t');
            let head = fields.next().unwrap_or_default().as_bytes();
            let name = fields.next().ok_or_else(|| err("missing name"))?;
            let flags = fields.next().unwrap_or("");
            let level = head
                .first()
                .and_then(|d| DivisionLevel::from_digit(d.wrapping_sub(b'0')))
                .ok_or_else(|| err("bad level digit"))?;
            let parent_len = level.parent().map_or(0, |p| p.code_len());
            let suffix = &head[1..];
            if suffix.len() != level.code_len() - parent_len
                || !suffix.iter().all(u8::is_ascii_digit)
            {
                return Err(err("bad code suffix"));
            }
            let suffix_val = suffix
                .iter()
                .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
            let li = level as usize - 1;
            let (parent, parent_code) = if li == 0 {
                (NO_PARENT, 0)
            } else if stack[li - 1] == NO_PARENT {
                return Err(err("division without a parent"));
            } else {
                (stack[li - 1], codes[li - 1])
            };
            let code = parent_code * 10u64.pow(suffix.len() as u32) + suffix_val;
            let padded = code * 10u64.pow((12 - level.code_len()) as u32);
            if nodes
                .last()
                .is_some_and(|prev| (prev.padded, prev.level) >= (padded, level))
            {
                return Err(err("codes out of order"));
            }
            let mut flag_bits = 0;
            for f in flags.chars() {
                flag_bits |= match f {
                    'z' => FLAG_DEV_ZONE,
                    'v' => FLAG_VIRTUAL,
                    _ => return Err(err("unknown flag")),
                };
            }
            let idx = u32::try_from(nodes.len()).map_err(|_| err("too many divisions"))?;
            // Close the subtrees this line leaves.
            for open in stack.iter_mut().skip(li) {
                if *open != NO_PARENT {
                    *open = NO_PARENT;
                }
            }
            stack[li] = idx;
            codes[li] = code;
            if li == 0 {
                roots.push(DivisionId(idx));
            }
            nodes.push(Node {
                padded,
                name,
                parent,
                end: 0,
                level,
                flags: flag_bits,
            });
        }
        // Fill subtree ends back to front: a node's subtree ends where the
        // next node at its level or above begins.
        let len = nodes.len() as u32;
        let mut next_at_or_above = [len; 5];
        for i in (0..nodes.len()).rev() {
            let li = nodes[i].level as usize - 1;
            nodes[i].end = next_at_or_above[li];
            for slot in next_at_or_above.iter_mut().skip(li) {
                *slot = i as u32;
            }
        }
        let mut tree = Tree {
            nodes,
            roots,
            renames: Vec::new(),
        };
        for (n, line) in renames.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |message: &str| DataError {
                line: n + 1,
                message: format!("renames: {message}"),
            };
            let mut f = line.split('\t');
            let old_name = f.next().unwrap_or_default();
            let code = f.next().ok_or_else(|| err("missing code"))?;
            let year = f
                .next()
                .and_then(|y| y.parse().ok())
                .ok_or_else(|| err("missing year"))?;
            let id = tree.find(code).ok_or_else(|| err("unknown code"))?.id();
            tree.renames.push(Rename { old_name, id, year });
        }
        Ok(tree)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn division(&self, id: DivisionId) -> Division<'_> {
        Division { tree: self, id }
    }

    /// The `i`-th division in depth-first order.
    pub fn by_index(&self, i: usize) -> Option<Division<'_>> {
        (i < self.nodes.len()).then(|| self.division(DivisionId(i as u32)))
    }

    /// Provinces, in code order.
    pub fn roots(&self) -> impl Iterator<Item = Division<'_>> {
        self.roots.iter().map(|&id| self.division(id))
    }

    /// Every division in depth-first (code) order.
    pub fn iter(&self) -> impl Iterator<Item = Division<'_>> {
        (0..self.nodes.len() as u32).map(|i| self.division(DivisionId(i)))
    }

    /// Look up an official code (2, 4, 6, 9 or 12 digits).
    pub fn find(&self, code: &str) -> Option<Division<'_>> {
        let level = DivisionLevel::from_code_len(code.len())?;
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: u64 = code.parse().ok()?;
        let padded = value * 10u64.pow((12 - level.code_len()) as u32);
        let idx = self
            .nodes
            .binary_search_by_key(&(padded, level), |n| (n.padded, n.level))
            .ok()?;
        Some(self.division(DivisionId(idx as u32)))
    }

    pub fn renames(&self) -> &[Rename] {
        &self.renames
    }

    /// Number of divisions at each level, province first.
    pub fn counts_by_level(&self) -> [usize; 5] {
        let mut counts = [0; 5];
        for n in &self.nodes {
            counts[n.level as usize - 1] += 1;
        }
        counts
    }
}

impl<'t> Division<'t> {
    pub fn id(&self) -> DivisionId {
        self.id
    }

    fn node(&self) -> &'t Node {
        &self.tree.nodes[self.id.index()]
    }

    pub fn name(&self) -> &'t str {
        self.node().name
    }

    pub fn level(&self) -> DivisionLevel {
        self.node().level
    }

    /// The official code at its own length ("61", "6101", "610113001" …).
    pub fn code(&self) -> String {
        let mut out = Vec::with_capacity(12);
        self.write_code(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Append the code's digits to `out` without making a string (a list
    /// of a million rows writes a million codes).
    pub fn write_code(&self, out: &mut Vec<u8>) {
        let n = self.node();
        let width = n.level.code_len();
        let mut own = n.padded / 10u64.pow((12 - width) as u32);
        let mut digits = [b'0'; 12];
        for d in digits[..width].iter_mut().rev() {
            *d = b'0' + (own % 10) as u8;
            own /= 10;
        }
        out.extend_from_slice(&digits[..width]);
    }

    /// A county-level development or functional zone (开发区, 高新区 …).
    pub fn is_development_zone(&self) -> bool {
        self.node().flags & FLAG_DEV_ZONE != 0
    }

    /// A "virtual" community: a statistical unit nobody lives in.
    pub fn is_virtual(&self) -> bool {
        self.node().flags & FLAG_VIRTUAL != 0
    }

    pub fn parent(&self) -> Option<Division<'t>> {
        let p = self.node().parent;
        (p != NO_PARENT).then(|| self.tree.division(DivisionId(p)))
    }

    /// From the province down to this division, inclusive.
    pub fn path(&self) -> Vec<Division<'t>> {
        let mut path = vec![*self];
        while let Some(p) = path.last().and_then(|d| d.parent()) {
            path.push(p);
        }
        path.reverse();
        path
    }

    /// The names along the path joined, e.g. "陕西省西安市雁塔区小寨路街道".
    /// City-level placeholders (市辖区, 县) are skipped, as people write it.
    pub fn full_name(&self) -> String {
        self.path()
            .iter()
            .filter(|d| !(d.level() == DivisionLevel::City && d.is_placeholder_city()))
            .map(|d| d.name())
            .collect()
    }

    /// 市辖区 / 县 / 省直辖县级行政区划: a grouping level with no name of its own.
    pub fn is_placeholder_city(&self) -> bool {
        matches!(
            self.name(),
            "市辖区" | "县" | "省直辖县级行政区划" | "自治区直辖县级行政区划"
        )
    }

    pub fn children(&self) -> Children<'t> {
        Children {
            tree: self.tree,
            next: self.id.0 + 1,
            end: self.node().end,
        }
    }

    /// Number of descendants at `level` (e.g. communities in a district).
    pub fn count_descendants(&self, level: DivisionLevel) -> usize {
        self.tree.nodes[self.id.index() + 1..self.node().end as usize]
            .iter()
            .filter(|n| n.level == level)
            .count()
    }

    /// Whether `other` is this division or lies inside it.
    pub fn contains(&self, other: &Division<'_>) -> bool {
        (self.id.0..self.node().end).contains(&other.id.0)
    }

    /// Every division in the subtree, this one first.
    pub fn subtree(&self) -> impl Iterator<Item = Division<'t>> + use<'t> {
        let tree = self.tree;
        (self.id.0..self.node().end).map(move |i| tree.division(DivisionId(i)))
    }
}

/// Direct children of a division, in code order.
pub struct Children<'t> {
    tree: &'t Tree,
    next: u32,
    end: u32,
}

impl<'t> Iterator for Children<'t> {
    type Item = Division<'t>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let d = self.tree.division(DivisionId(self.next));
        self.next = self.tree.nodes[self.next as usize].end;
        Some(d)
    }
}

/// Whether `code` is `jurisdiction` or a division inside it. Codes are
/// hierarchical, so this is a prefix test and needs no tree.
pub fn code_within(code: &str, jurisdiction: &str) -> bool {
    code.starts_with(jurisdiction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_counts_match_the_published_data() {
        let t = Tree::china();
        assert_eq!(t.counts_by_level(), [31, 342, 2978, 41352, 620573]);
    }

    #[test]
    fn xian_has_13_districts_172_streets_3223_communities() {
        let t = Tree::china();
        let xian = t.find("6101").unwrap();
        assert_eq!(xian.name(), "西安市");
        assert_eq!(xian.children().count(), 13);
        assert_eq!(xian.count_descendants(DivisionLevel::Street), 172);
        assert_eq!(xian.count_descendants(DivisionLevel::Community), 3223);
    }

    #[test]
    fn codes_round_trip_and_paths_are_whole() {
        let t = Tree::china();
        let v = t.find("610118011226").unwrap();
        assert_eq!(v.name(), "龙窝村委会");
        assert_eq!(v.code(), "610118011226");
        let path: Vec<_> = v.path().iter().map(|d| d.code()).collect();
        assert_eq!(path, ["61", "6101", "610118", "610118011", "610118011226"]);
        assert_eq!(v.full_name(), "陕西省西安市鄠邑区涝店街道龙窝村委会");
        assert!(t.find("6101").unwrap().contains(&v));
        assert!(!t.find("6102").unwrap().contains(&v));
        assert!(t.find("610000000000").is_none());
        // All-zero suffixes: 东莞市 has no districts, only a placeholder.
        let dg = t.find("441900").unwrap();
        assert_eq!(dg.parent().unwrap().code(), "4419");
        assert!(t.find("4419").unwrap().contains(&dg));
        assert!(t.find("619999").is_none());
        assert!(t.find("61a1").is_none());
        assert!(t.find("").is_none());
    }

    #[test]
    fn flags_mark_development_zones_and_virtual_communities() {
        let t = Tree::china();
        assert!(t.find("130171").unwrap().is_development_zone());
        assert!(!t.find("610113").unwrap().is_development_zone());
        assert!(t.find("110112009498").unwrap().is_virtual());
        assert!(!t.find("610118011226").unwrap().is_virtual());
    }

    #[test]
    fn renames_point_at_current_divisions() {
        let t = Tree::china();
        let huxian = t.renames().iter().find(|r| r.old_name == "户县").unwrap();
        assert_eq!(t.division(huxian.id).name(), "鄠邑区");
    }

    #[test]
    fn bad_data_is_reported_with_its_line() {
        let e = Tree::parse("161\t陕西省\n40010\tx\n", "").err().unwrap();
        assert_eq!(e.line, 2);
        assert!(Tree::parse("161\t陕西省\n162\t甘肃省\n", "").is_ok());
        let e = Tree::parse("162\t陕西省\n161\t甘肃省\n", "").err().unwrap();
        assert_eq!(e.message, "codes out of order");
    }
}
