//! Free-text address → the deepest division the text determines.
//!
//! How it reads an address:
//! 1. Normalise: full-width ASCII to half-width, drop spaces and
//!    punctuation, cut leading words (住址：, 家住 …) and bracketed notes.
//!    Division names are indexed as normalising leaves them.
//! 2. Province, city and district names (official and short forms, former
//!    names) are found leftmost-longest: at each char, the longest name
//!    starting there (`TopNames`). Reading left to right, a match is taken
//!    only if it lies inside what is already known and is deeper, so
//!    雁塔区长安南路 stays in 雁塔区; a short form (雁塔, 长安) followed by
//!    a road or town word (路, 街, 镇 …) is a road name, not a division.
//! 3. Streets and communities are found by their core names (小寨路, 兴善寺,
//!    龙窝) under (district, first two chars) at every char after the
//!    district; a core followed by a suffix (街道, 社区居委会, 村 …) is a
//!    strong match. With no district in the text, a national index of cores
//!    is consulted before suffix words.
//! 4. Where several divisions remain (two 新村 in one district, a 新城区 with
//!    no city), the answer is their deepest common ancestor: never a guess.
//!    Read near a jurisdiction (`Resolver::near`), those nearest it are
//!    kept if they are fewer, and the resolution says so.
//!
//! Speed: one address touches a few cache lines of each index and allocates
//! nothing (buffers are per thread, spans inline); lookups go in passes so
//! their cache misses overlap, a Bloom filter near the core keeps most that
//! would find nothing from going further, and `resolve_many` sends the
//! lookups of 16 addresses out together. Text is compared eight bytes at a
//! time. `examples/resolve_dump.rs` shows that a speed change kept every
//! answer; BENCHMARKS.md has the numbers.

use std::borrow::Cow;
use std::ops::Range;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::{Division, DivisionId, DivisionLevel, Tree};

/// One piece of the text that named a division.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub level: DivisionLevel,
    /// Byte range in the input.
    pub range: Range<usize>,
}

const NO_SPAN: Span = Span {
    level: DivisionLevel::Province,
    range: 0..0,
};

/// The spans of a resolution, one a level at most: kept inline, so that a
/// resolution allocates nothing (a list's allocation and its freeing were
/// a few percent of a resolution's time). Reads as a slice.
#[derive(Clone)]
pub struct Spans {
    len: usize,
    items: [Span; DivisionLevel::ALL.len()],
}

impl Spans {
    fn new() -> Spans {
        Spans {
            len: 0,
            items: [NO_SPAN; DivisionLevel::ALL.len()],
        }
    }

    /// Add a span; one past a level each is never made (a resolution's
    /// spans are of different levels), and would be dropped.
    fn push(&mut self, span: Span) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = span;
            self.len += 1;
        }
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }

    fn retain(&mut self, keep: impl Fn(&Span) -> bool) {
        let mut n = 0;
        for i in 0..self.len {
            if keep(&self.items[i]) {
                self.items.swap(n, i);
                n += 1;
            }
        }
        self.len = n;
    }
}

impl Default for Spans {
    fn default() -> Spans {
        Spans::new()
    }
}

impl std::ops::Deref for Spans {
    type Target = [Span];

    fn deref(&self) -> &[Span] {
        &self.items[..self.len]
    }
}

impl<'a> IntoIterator for &'a Spans {
    type Item = &'a Span;
    type IntoIter = std::slice::Iter<'a, Span>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl PartialEq for Spans {
    fn eq(&self, other: &Spans) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for Spans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// What the text determines.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolution {
    /// The deepest division the text determines; `None` when it names none.
    pub division: Option<DivisionId>,
    /// The spans that named the divisions on the path.
    pub spans: Spans,
    /// 0–1: 1 when every level was written with its suffix.
    pub confidence: f32,
    /// Set when the text goes deeper but is ambiguous at this level (e.g. a
    /// community name found in two streets): the answer stops above it.
    pub ambiguous_at: Option<DivisionLevel>,
    /// The text fits divisions far apart (新城区 is in Xi'an and in
    /// Hohhot) and the reader's jurisdiction chose among them: the ones
    /// nearest it were taken (see `Resolver::near`). Confidence is then at
    /// most `NEAR_CONFIDENCE`.
    pub by_jurisdiction: bool,
}

/// The confidence of an answer the reader's jurisdiction chose.
pub const NEAR_CONFIDENCE: f32 = 0.7;

impl Resolution {
    fn none() -> Resolution {
        Resolution {
            division: None,
            spans: Spans::new(),
            confidence: 0.0,
            ambiguous_at: None,
            by_jurisdiction: false,
        }
    }

    pub fn level(&self, tree: &Tree) -> Option<DivisionLevel> {
        self.division.map(|d| tree.division(d).level())
    }
}

/// A division and the end of its subtree: what lies inside it is known
/// without reading the tree (a cache miss each time, at its size).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    id: DivisionId,
    end: u32,
}

impl Place {
    fn of(d: &Division<'_>) -> Place {
        Place {
            id: d.id(),
            end: d.node().end,
        }
    }

    /// Whether `inner` is this division or lies inside it.
    fn holds(self, inner: DivisionId) -> bool {
        (self.id.0..self.end).contains(&inner.0)
    }
}

#[derive(Clone, Copy, Debug)]
struct Alias {
    place: Place,
    level: DivisionLevel,
    /// Written with its suffix (雁塔区), not a short form (雁塔).
    strong: bool,
}

/// What the matcher knows of a street or community without reading the
/// tree: the walk runs for every address, and a tree node or name read per
/// candidate is a cache miss each (most of the time, before these were kept).
/// Eight bytes, so that with its place in the pool a core takes 16.
#[derive(Clone, Copy, Debug)]
struct Term {
    id: DivisionId,
    /// Divisions in its subtree, itself included (`Place::end - id`), or 0
    /// when that does not fit: then the tree is asked (`Resolver::place_of`).
    span: u16,
    /// `TERM_STREET`; `TERM_VILLAGE`: the official name is a village's
    /// (村), not an urban community's.
    flags: u8,
    /// What the official name has after its core: `REST_NONE`, 1 + an
    /// index into `STREET_SUFFIXES` or `COMMUNITY_SUFFIXES`, or `REST_NEVER`.
    rest: u8,
}

const TERM_STREET: u8 = 1;
const TERM_VILLAGE: u8 = 2;
/// A street's official name says town (镇, 乡, 苏木)…
const TERM_TOWN: u8 = 4;
/// …or urban sub-district (街道, 办事处, 地区); a 农场 or 林场 says neither.
const TERM_SUBDISTRICT: u8 = 8;

impl Term {
    fn street(self) -> bool {
        self.flags & TERM_STREET != 0
    }

    fn village(self) -> bool {
        self.flags & TERM_VILLAGE != 0
    }

    /// Whether `written` (a suffix after the core) says the kind of place
    /// the official name is: 村 or 社区 for a community, 镇/乡 or 街道 for a
    /// street (开平镇 and 开平街道 are two places of 开平区). Which spelling
    /// of that kind (村 or 村委会) is no matter.
    fn same_kind(self, written: Option<Written>) -> bool {
        let Some(w) = written else { return false };
        if self.street() {
            (w.town && self.flags & TERM_TOWN != 0)
                || (!w.town && self.flags & TERM_SUBDISTRICT != 0)
        } else {
            w.village == self.village()
        }
    }

    /// Whether the core followed by `suffix` is the official name (which
    /// tells 新村村委会 from 新村社区 in one street).
    fn is_named_with(self, suffix: Option<Written>) -> bool {
        match self.rest {
            REST_NEVER => false,
            REST_NONE => suffix.is_none(),
            i => suffix.is_some_and(|w| w.street == self.street() && w.rest == i),
        }
    }

    fn level(self) -> DivisionLevel {
        if self.street() {
            DivisionLevel::Street
        } else {
            DivisionLevel::Community
        }
    }
}

/// Entries under 64-bit keys, in buckets by the key's top bits. Each
/// bucket's slot holds where its entries start and a 32-bit filter of its
/// keys, so a lookup that finds nothing (most of them) reads one slot, and
/// one that finds something one slot and its entries: a cache miss or two.
/// Built by a counting sort, without comparing strings. (A trie of the
/// same names was a cache miss at every char.)
struct KeyIndex<E> {
    /// Per bucket: start of its entries (high half), and a bit per
    /// `key % 32` of its keys (low half). One more slot holds the end.
    slots: Vec<u64>,
    /// Entries of bucket `b` are from its start to the next bucket's,
    /// sorted by key.
    entries: Vec<(u64, E)>,
    /// Two bits per key in one word of 64 (2^`BLOOM_BITS` words, 512 KiB):
    /// small enough to stay near the core, it answers most lookups that
    /// find nothing before the slots (2 MiB, further away) are read.
    bloom: Vec<u64>,
}

const BLOOM_BITS: u32 = 16;

/// The word and the two bits of `key` in `KeyIndex::bloom` (bits of the
/// key that neither the bucket nor the slot's filter uses).
#[inline]
fn bloom_of(key: u64) -> (usize, u64) {
    let word = ((key >> 5) & ((1 << BLOOM_BITS) - 1)) as usize;
    let bits = (1 << ((key >> 21) & 63)) | (1 << ((key >> 27) & 63));
    (word, bits)
}

const BUCKET_BITS: u32 = 18;

/// The bucket of a key in a `KeyIndex`.
fn bucket(key: u64) -> usize {
    (key >> (64 - BUCKET_BITS)) as usize
}

/// A bijection on u64 that spreads every input bit over the output:
/// equal keys stay equal, and the top and low bits are good indexes.
fn mix(x: u64) -> u64 {
    let x = (x ^ (x >> 32)).wrapping_mul(0xd6e8_feb8_6659_fd93);
    let x = (x ^ (x >> 32)).wrapping_mul(0xd6e8_feb8_6659_fd93);
    x ^ (x >> 32)
}

impl<E: Copy> KeyIndex<E> {
    /// Index `items` (keys already mixed); entries of one key keep the
    /// order they came in.
    fn build(items: &[(u64, E)]) -> KeyIndex<E> {
        let (starts, entries) = Self::sorted(items);
        KeyIndex::assemble(starts, entries)
    }

    /// `items` by bucket, each bucket's sorted by key (stably), and where
    /// each bucket starts (one more: the end).
    fn sorted(items: &[(u64, E)]) -> (Vec<u32>, Vec<(u64, E)>) {
        let mut starts = vec![0u32; (1 << BUCKET_BITS) + 1];
        for (k, _) in items {
            starts[bucket(*k) + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; items.len()];
        for (i, (k, _)) in items.iter().enumerate() {
            let slot = &mut next[bucket(*k)];
            order[*slot as usize] = i as u32;
            *slot += 1;
        }
        let mut entries: Vec<(u64, E)> = order.iter().map(|&i| items[i as usize]).collect();
        for b in starts.windows(2) {
            // Buckets hold a few entries: a stable insertion sort by key.
            entries[b[0] as usize..b[1] as usize].sort_by_key(|e| e.0);
        }
        (starts, entries)
    }

    /// The index of `entries` sorted by `sorted`, with their buckets'
    /// `starts`.
    fn assemble(starts: Vec<u32>, entries: Vec<(u64, E)>) -> KeyIndex<E> {
        let mut filters = vec![0u32; 1 << BUCKET_BITS];
        let mut bloom = vec![0u64; 1 << BLOOM_BITS];
        for (k, _) in &entries {
            filters[bucket(*k)] |= 1 << (k & 31);
            let (w, bits) = bloom_of(*k);
            bloom[w] |= bits;
        }
        let slots = starts
            .iter()
            .zip(filters.iter().chain([&0]))
            .map(|(&start, &filter)| (u64::from(start) << 32) | u64::from(filter))
            .collect();
        KeyIndex {
            slots,
            entries,
            bloom,
        }
    }

    /// Whether `key` may be in the index (its Bloom filter's answer, from
    /// near the core): a lookup goes out only for a key that may be.
    #[inline]
    fn may_hold(&self, key: u64) -> bool {
        let (w, bits) = bloom_of(key);
        self.bloom[w] & bits == bits
    }

    /// Look up many keys at once: `probes` holds (key, tag) and is used
    /// up; `found` gets (tag, start, end) of the entries under each key
    /// that has any (in the order they were indexed).
    /// In passes (slots for all, then entries for those that pass), so
    /// the cache misses of one pass overlap instead of each waiting for the
    /// one before.
    fn get_many(
        &self,
        probes: &mut Vec<(u64, u64)>,
        ranges: &mut Vec<(u32, u32)>,
        found: &mut Vec<Found>,
    ) {
        // Pass 1: every probe's slot and the next (its bucket's end), in a
        // loop of loads and nothing else, so that they all go out at once.
        ranges.clear();
        ranges.extend(probes.iter().map(|(key, _)| {
            let b = bucket(*key);
            let (slot, next) = (self.slots[b], self.slots[b + 1]);
            // The filter's verdict rides in the low bit of the end.
            let pass = ((slot >> (key & 31)) & 1) as u32;
            ((slot >> 32) as u32, ((next >> 32) as u32) << 1 | pass)
        }));
        // Keep the probes the filter passed (in cache now, no branch).
        let mut n = 0;
        for i in 0..probes.len() {
            let (start, end) = ranges[i];
            probes[n] = probes[i];
            ranges[n] = (start, end >> 1);
            n += (end & 1) as usize;
        }
        probes.truncate(n);
        ranges.truncate(n);
        // Pass 2: the first entry of each bucket, touched all at once so
        // their cache misses overlap, then the search in lines that are
        // there by then.
        let touched = ranges.iter().fold(0u64, |acc, &(a, b)| {
            // First and last: a bucket may cross into a second line.
            let ends = self.entries.get(a as usize..b as usize);
            let (first, last) = ends.map_or((0, 0), |e| {
                (e.first().map_or(0, |e| e.0), e.last().map_or(0, |e| e.0))
            });
            acc ^ first ^ last
        });
        std::hint::black_box(touched);
        for (&(key, tag), &(a, b)) in probes.iter().zip(ranges.iter()) {
            let entries = &self.entries[a as usize..b as usize];
            let first = entries.partition_point(|e| e.0 < key);
            let end = first + entries[first..].partition_point(|e| e.0 == key);
            if end > first {
                found.push((tag, a + first as u32, a + end as u32));
            }
        }
    }
}

/// The cores of the national index: a key finds its run of terms, which
/// share one core text and are in tree order. (A key with its run, not an
/// entry per term: a common core such as 新村 has hundreds, and finding
/// both ends of them among entries was a binary search of cache misses.)
struct NationalIndex {
    runs: KeyIndex<Run>,
    terms: Vec<Term>,
}

/// The terms of one core in `NationalIndex::terms`, and the core's text
/// in the pool (as `LocalCore::at`).
#[derive(Clone, Copy, Debug)]
struct Run {
    start: u32,
    end: u32,
    at: u32,
}

impl NationalIndex {
    fn build(items: &[(u64, LocalCore)]) -> NationalIndex {
        let (starts, entries) = KeyIndex::sorted(items);
        let mut terms = Vec::with_capacity(entries.len());
        let mut runs = Vec::with_capacity(entries.len());
        let mut run_starts = Vec::with_capacity(starts.len());
        run_starts.push(0);
        for b in starts.windows(2) {
            // A bucket's entries are sorted by key: a key's are together.
            for group in entries[b[0] as usize..b[1] as usize].chunk_by(|x, y| x.0 == y.0) {
                let start = terms.len() as u32;
                terms.extend(group.iter().map(|e| e.1.term));
                let end = terms.len() as u32;
                runs.push((
                    group[0].0,
                    Run {
                        start,
                        end,
                        at: group[0].1.at,
                    },
                ));
            }
            run_starts.push(runs.len() as u32);
        }
        NationalIndex {
            runs: KeyIndex::assemble(run_starts, runs),
            terms,
        }
    }

    /// The core text of `run` in `pool`.
    fn core<'a>(&self, pool: &'a str, run: Run) -> &'a [u8] {
        let start = (run.at >> 8) as usize;
        &pool.as_bytes()[start..start + (run.at & 0xFF) as usize]
    }
}

/// A street or community core in a district's index.
#[derive(Clone, Copy, Debug)]
struct LocalCore {
    term: Term,
    /// Where the core's bytes start in `Resolver::pool` (high 24 bits) and
    /// how many there are (low 8).
    at: u32,
    /// Bytes of its first two chars, which its key already matched.
    head: u8,
    /// The next three bytes (the third char, mostly), kept here: a core of
    /// three chars, the commonest, is then matched without reading the
    /// pool, a cache miss away.
    next: [u8; 3],
}

impl LocalCore {
    fn start(&self) -> usize {
        (self.at >> 8) as usize
    }

    fn len(&self) -> usize {
        (self.at & 0xFF) as usize
    }
}

/// The key of (district, a core's first two chars); a one-char core has
/// '\0' for its second, which normalised text never holds. Ids and chars
/// fit in 21 bits each, so the packing is exact.
fn local_key(district: DivisionId, c1: char, c2: char) -> u64 {
    mix((u64::from(district.0) << 42) | (u64::from(c1) << 21) | u64::from(c2))
}

/// Province, city and district names (official, short and former), found
/// leftmost-longest: at each char, the longest name that starts there.
/// Grouped by a hash of their first two chars; each name's entry holds its
/// first 16 bytes and its first division, so that a name found is one
/// cache line read after its group's (an Aho–Corasick automaton over the
/// same names took a fifth of the time of a resolution, its states spread
/// over memory; separate arrays for names, texts and divisions were a
/// chain of cache misses).
struct TopNames {
    /// A bit per hash of two chars: some name starts with them. Most pairs
    /// of an address start none, and these 8 KiB answer that from the
    /// nearest cache.
    pairs: Vec<u64>,
    /// Set bits of `pairs` before each of its words: a set bit's rank
    /// numbers its group (a hash map here was a few cache misses a name).
    ranks: Vec<u32>,
    /// Per set bit, in rank order, where its names start in `entries`
    /// (and one more: the end of the last).
    groups: Vec<u32>,
    /// The names, grouped by bit, longest first within a group (names of
    /// other pairs may share a bit: all are compared whole).
    entries: Vec<TopName>,
    /// Each entry's whole name, read only past its 16th byte.
    names: Vec<&'static str>,
    /// The divisions of names that have more than one.
    aliases: Vec<Alias>,
    /// Names of one char, if any: indexes into `entries`.
    singles: Vec<u32>,
}

/// A province, city or district name in `TopNames`: 32 bytes, two to a
/// cache line.
#[derive(Clone, Copy)]
struct TopName {
    /// The name's first 16 bytes, zeros after its end (names hold no zero
    /// byte).
    head: [u64; 2],
    /// Its first division (its only one, mostly).
    first: Alias,
    /// Bytes in the name (low 8 bits), its divisions (next 8) and where
    /// they start in `TopNames::aliases` when more than one (high 16).
    meta: u32,
}

impl TopName {
    fn len(&self) -> usize {
        (self.meta & 0xFF) as usize
    }
}

/// Where two chars fall in `TopNames::pairs`.
fn pair_bit(c1: char, c2: char) -> usize {
    let h = (c1 as u32).wrapping_mul(0x9e37_79b9) ^ (c2 as u32).wrapping_mul(0x85eb_ca6b);
    (h >> 16) as usize
}

/// A mask of the low `n` bytes of a word (all eight from 8 on).
#[inline]
fn low_bytes(n: usize) -> u64 {
    match n {
        0 => 0,
        1..=7 => u64::MAX >> (64 - 8 * n),
        _ => u64::MAX,
    }
}

impl TopNames {
    /// Index `names`, each with its divisions (at least one).
    fn new(names: Vec<(&'static str, Vec<Alias>)>) -> TopNames {
        let mut items: Vec<(usize, std::cmp::Reverse<usize>, usize)> =
            Vec::with_capacity(names.len());
        let mut single_names = Vec::new();
        for (i, (n, _)) in names.iter().enumerate() {
            let mut cs = n.chars();
            match (cs.next(), cs.next()) {
                (Some(c1), Some(c2)) => {
                    items.push((pair_bit(c1, c2), std::cmp::Reverse(n.len()), i))
                }
                _ => single_names.push(i),
            }
        }
        items.sort_unstable();
        let mut pairs = vec![0u64; 1 << 10];
        for &(bit, _, _) in &items {
            pairs[bit >> 6] |= 1 << (bit & 63);
        }
        let ranks = pairs
            .iter()
            .scan(0u32, |before, w| {
                let r = *before;
                *before += w.count_ones();
                Some(r)
            })
            .collect();
        let mut groups = Vec::new();
        for (k, e) in items.iter().enumerate() {
            if k == 0 || items[k - 1].0 != e.0 {
                groups.push(k as u32);
            }
        }
        groups.push(items.len() as u32);
        let order: Vec<usize> = items
            .iter()
            .map(|e| e.2)
            .chain(single_names.iter().copied())
            .collect();
        let singles = (items.len()..order.len()).map(|k| k as u32).collect();
        let mut aliases = Vec::new();
        let entries = order
            .iter()
            .map(|&i| {
                let (name, list) = &names[i];
                let bytes = name.as_bytes();
                let len = u8::try_from(bytes.len()).expect("a top name under 256 bytes");
                let count = u8::try_from(list.len()).expect("a top name of under 256 divisions");
                let more = if list.len() > 1 {
                    let at = u16::try_from(aliases.len()).expect("under 65,536 shared top names");
                    aliases.extend_from_slice(list);
                    at
                } else {
                    0
                };
                TopName {
                    head: [word(bytes), word(bytes.get(8..).unwrap_or_default())],
                    first: list[0],
                    meta: u32::from(len) | u32::from(count) << 8 | u32::from(more) << 16,
                }
            })
            .collect();
        TopNames {
            pairs,
            ranks,
            groups,
            entries,
            names: order.iter().map(|&i| names[i].0).collect(),
            aliases,
            singles,
        }
    }

    /// The divisions a name (an index into `entries`) stands for.
    fn aliases(&self, k: usize) -> &[Alias] {
        let e = &self.entries[k];
        match (e.meta >> 8) & 0xFF {
            1 => std::slice::from_ref(&e.first),
            n => {
                let at = (e.meta >> 16) as usize;
                &self.aliases[at..at + n as usize]
            }
        }
    }

    /// Whether the name at `k` starts `rest`, whose first 16 bytes are
    /// `w` (zeros after its end).
    #[inline]
    fn starts(&self, k: usize, rest: &[u8], w: [u64; 2]) -> bool {
        let e = &self.entries[k];
        let len = e.len();
        w[0] & low_bytes(len) == e.head[0]
            && w[1] & low_bytes(len.saturating_sub(8)) == e.head[1]
            && (len <= 16 || has_prefix(&rest[16..], &self.names[k].as_bytes()[16..]))
    }

    /// The longest name that starts at `at` (where `c1` is, followed by
    /// `c2`), as (entry index, end).
    fn longest_at(
        &self,
        text: &str,
        at: usize,
        c1: char,
        c2: Option<char>,
    ) -> Option<(usize, usize)> {
        let rest = &text.as_bytes()[at..];
        // Read only when some name may start here (most chars start none).
        let words = || [word(rest), word(rest.get(8..).unwrap_or_default())];
        let hit = |k: usize, w| {
            self.starts(k, rest, w)
                .then(|| (k, at + self.entries[k].len()))
        };
        if let Some(c2) = c2 {
            let bit = pair_bit(c1, c2);
            let (bits, mask) = (self.pairs[bit >> 6], 1u64 << (bit & 63));
            if bits & mask != 0 {
                let w = words();
                let rank = (self.ranks[bit >> 6] + (bits & (mask - 1)).count_ones()) as usize;
                let (a, b) = (self.groups[rank] as usize, self.groups[rank + 1] as usize);
                if let Some(found) = (a..b).find_map(|k| hit(k, w)) {
                    return Some(found);
                }
            }
        }
        if self.singles.is_empty() {
            return None;
        }
        let w = words();
        self.singles.iter().find_map(|&k| hit(k as usize, w))
    }
}

/// The street and community cores of a run of whole provinces, before
/// they are indexed.
struct Cores {
    local: Vec<(u64, LocalCore)>,
    national: Vec<(u64, LocalCore)>,
    pool: String,
    short_cores: FxHashSet<DivisionId>,
    /// Chars in the longest core.
    longest: usize,
}

impl Cores {
    /// The cores of the divisions `range` (whole provinces) of `tree`.
    fn scan(tree: &'static Tree, range: Range<usize>) -> Cores {
        let share = range.len() + range.len() / 16;
        let mut cores = Cores {
            local: Vec::with_capacity(share),
            national: Vec::with_capacity(share),
            pool: String::with_capacity(share * 8),
            short_cores: FxHashSet::default(),
            longest: 2,
        };
        let mut current: Option<DivisionId> = None;
        // Names of the open ancestors, by level: a name that repeats one
        // (召陵区召陵镇, 店塔镇石拉沟社区) is indexed without it too, as
        // people write it.
        let mut open: [&'static str; 5] = [""; 5];
        for d in range.filter_map(|i| tree.by_index(i)) {
            let name = d.name();
            let li = d.level() as usize - 1;
            open[li] = name;
            match d.level() {
                DivisionLevel::Province | DivisionLevel::City => {
                    current = None;
                    if d.is_placeholder_city() {
                        open[li] = "";
                    }
                }
                DivisionLevel::District => current = Some(d.id()),
                DivisionLevel::Street | DivisionLevel::Community => {
                    let Some(district) = current else { continue };
                    if d.is_virtual() {
                        continue;
                    }
                    let (core, term) = division_term(&d, name);
                    cores.add(&core, term, district);
                    // The parents a name may repeat: its street or district
                    // (communities), its district or city (streets).
                    let repeat = [open[li - 1], open[li - 2]]
                        .into_iter()
                        .filter(|p| !p.is_empty())
                        .find_map(|p| name.strip_prefix(p).filter(|rest| chars(rest) >= 2));
                    if let Some(rest) = repeat {
                        let (core, term) = division_term(&d, rest);
                        cores.add(&core, term, district);
                    }
                }
            }
        }
        cores
    }

    fn add(&mut self, core: &str, term: Term, district: DivisionId) {
        let mut cs = core.chars();
        let Some(c1) = cs.next() else { return };
        let c2 = cs.next().unwrap_or('\0');
        if c2 == '\0' {
            self.short_cores.insert(district);
        }
        // No core is near 256 bytes long, nor the pool near 16 MiB (6 MiB
        // today): data that outgrew them must not be dropped quietly.
        let len = u8::try_from(core.len()).expect("a division's core under 256 bytes");
        let start = self.pool.len() as u32;
        assert!(start < 1 << 24, "division cores over 16 MiB");
        let head = c1.len_utf8() + if c2 == '\0' { 0 } else { c2.len_utf8() };
        let mut next = [0; 3];
        let after = &core.as_bytes()[head..];
        next[..after.len().min(3)].copy_from_slice(&after[..after.len().min(3)]);
        let entry = LocalCore {
            term,
            at: (start << 8) | u32::from(len),
            head: head as u8,
            next,
        };
        self.pool.push_str(core);
        self.longest = self.longest.max(chars(core));
        self.national.push((mix(core_hash(core)), entry));
        self.local.push((local_key(district, c1, c2), entry));
    }

    /// Append the cores of the provinces after these.
    fn append(&mut self, other: Cores) {
        let shift = self.pool.len() as u32;
        assert!(
            shift as usize + other.pool.len() < 1 << 24,
            "division cores over 16 MiB"
        );
        let moved = |(key, mut core): (u64, LocalCore)| {
            core.at += shift << 8;
            (key, core)
        };
        self.local.extend(other.local.into_iter().map(moved));
        self.national.extend(other.national.into_iter().map(moved));
        self.pool.push_str(&other.pool);
        self.short_cores.extend(other.short_cores);
        self.longest = self.longest.max(other.longest);
    }
}

/// Run `a` and `b`, on two threads if a second can be had.
fn both<A, B: Send>(a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B) {
    let b = std::sync::Mutex::new(Some(b));
    let run_b = || b.lock().ok().and_then(|mut f| f.take()).map(|f| f());
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new().spawn_scoped(scope, run_b).ok();
        let a = a();
        let on_thread =
            handle.and_then(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        // No second thread to be had: `b` runs here.
        let b = on_thread.or_else(run_b).expect("b runs once");
        (a, b)
    })
}

/// The address matcher over a tree.
pub struct Resolver {
    tree: &'static Tree,
    top: TopNames,
    /// The street and community cores of every district, under
    /// (district, first two chars).
    local: KeyIndex<LocalCore>,
    /// The cores' text, district by district.
    pool: String,
    /// Districts with a one-char core (a second lookup per char).
    short_cores: FxHashSet<DivisionId>,
    /// Every street and community under the hash of its core: the
    /// national lookup for texts with no district.
    national: NationalIndex,
    /// Chars in the longest core: how far back from a suffix word the
    /// national lookup reaches (a shorter reach finds 新城 inside
    /// 鸿基花苑金世纪新城 and claims the wrong place).
    longest_core: usize,
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
const COMMUNITY_SUFFIXES: [&str; 12] = [
    "社区居民委员会",
    "社区居委会",
    "社区委员会",
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
/// Words that may follow a core in text, longest first, each with its
/// first bytes as a number (a lookup compares numbers, not text) and what
/// it says (`Written`).
struct SuffixWords<const N: usize> {
    words: [&'static str; N],
    /// Each word's first eight bytes (zeros after a shorter word's end),
    /// and a mask of them: a word of eight bytes or fewer is found by one
    /// compare of numbers.
    heads: [u64; N],
    masks: [u64; N],
    written: [Written; N],
}

/// A suffix word read after a core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Written {
    /// Its bytes.
    len: u8,
    /// A street's suffix (街道, 镇 …), not a community's.
    street: bool,
    /// The `Term::rest` of an official name that ends in it, or 0 when none
    /// does (街道办, 镇人民政府 are only written).
    rest: u8,
    /// A community's suffix that says village (村委会), not urban
    /// community (社区居委会): as `is_village` reads a name.
    village: bool,
    /// A street's suffix that says town (镇, 乡, 苏木), not sub-district.
    town: bool,
}

impl<const N: usize> SuffixWords<N> {
    /// `words`, of which `names` are what official names end in.
    const fn new(words: [&'static str; N], names: &[&str], street: bool) -> SuffixWords<N> {
        let no = Written {
            len: 0,
            street,
            rest: 0,
            village: false,
            town: false,
        };
        let mut heads = [0; N];
        let mut masks = [0; N];
        let mut written = [no; N];
        let mut i = 0;
        while i < N {
            let b = words[i].as_bytes();
            let mut k = 0;
            while k < b.len() && k < 8 {
                heads[i] |= (b[k] as u64) << (8 * k);
                masks[i] |= 0xFF << (8 * k);
                k += 1;
            }
            let mut rest = 0;
            let mut k = 0;
            while k < names.len() {
                if same(b, names[k].as_bytes()) {
                    rest = k as u8 + 1;
                }
                k += 1;
            }
            // The last of 村, 社, 居 in the word says which kind it is.
            let (mut j, mut village) = (0, false);
            while j + 3 <= b.len() {
                match [b[j], b[j + 1], b[j + 2]] {
                    [0xE6, 0x9D, 0x91] => village = true, // 村
                    [0xE7, 0xA4, 0xBE] | [0xE5, 0xB1, 0x85] => village = false, // 社, 居
                    _ => {}
                }
                j += 3;
            }
            written[i] = Written {
                len: b.len() as u8,
                street,
                rest,
                village: village && !street,
                // 镇 and 乡 (and 苏木, Inner Mongolia's) are towns.
                town: street
                    && (contains3(b, [0xE9, 0x95, 0x87])
                        || contains3(b, [0xE4, 0xB9, 0xA1])
                        || contains3(b, [0xE8, 0x8B, 0x8F])),
            };
            i += 1;
        }
        SuffixWords {
            words,
            heads,
            masks,
            written,
        }
    }

    /// The first of the words (longest first) that `rest` starts with.
    #[inline]
    fn at(&self, rest: &str) -> Option<Written> {
        let text = rest.as_bytes();
        // Words hold no zero byte: a head that equals the text's first
        // bytes under its mask is a word the text starts with, if it is no
        // longer than eight bytes.
        let w = word(text);
        (0..N)
            .find(|&i| {
                w & self.masks[i] == self.heads[i]
                    && self.words[i]
                        .as_bytes()
                        .get(8..)
                        .is_none_or(|more| has_prefix(text.get(8..).unwrap_or_default(), more))
            })
            .map(|i| self.written[i])
    }
}

/// Whether UTF-8 `b` holds the 3-byte char `c`, in a `const fn`.
const fn contains3(b: &[u8], c: [u8; 3]) -> bool {
    let mut j = 0;
    while j + 3 <= b.len() {
        if b[j] == c[0] && b[j + 1] == c[1] && b[j + 2] == c[2] {
            return true;
        }
        j += 3;
    }
    false
}

/// Byte strings equal, in a `const fn`.
const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// What may follow a street core in text, longest first.
const STREET_TEXT_SUFFIXES: SuffixWords<10> = SuffixWords::new(
    [
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
    ],
    &STREET_SUFFIXES,
    true,
);
/// What may follow a community core in text, longest first.
const COMMUNITY_TEXT_SUFFIXES: SuffixWords<12> =
    SuffixWords::new(COMMUNITY_SUFFIXES, &COMMUNITY_SUFFIXES, false);
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

/// Words that end the name of a housing compound or a building (南山|小区,
/// 雅居|花园, 金茂|大厦): a bare core followed by one names the compound,
/// not the community or town it shares a core with. Longest first.
const COMPOUND_WORDS: [&str; 36] = [
    "家属院",
    "新天地",
    "壹号院",
    "一号院",
    "小区",
    "花园",
    "花苑",
    "家园",
    "公寓",
    "大厦",
    "公馆",
    "广场",
    "国际",
    "山庄",
    "别墅",
    "大院",
    "宿舍",
    "雅苑",
    "名苑",
    "嘉园",
    "华庭",
    "华府",
    "尚品",
    "名邸",
    "名居",
    "名都",
    "府邸",
    "雅居",
    "丽园",
    "号院",
    "苑",
    "府",
    "庭",
    "城",
    "院",
    "园",
];

/// Whether a bare core followed by `rest` is part of a compound's name.
/// (Most text after a core starts with none of the words' first chars:
/// looking it up settles those, as local hits are many.)
fn continues_as_compound(rest: &str) -> bool {
    rest.chars()
        .next()
        .is_some_and(|c| COMPOUND_FIRSTS.contains(c))
        && COMPOUND_WORDS.iter().any(|w| rest.starts_with(w))
}

/// The first chars of `COMPOUND_WORDS`.
const COMPOUND_FIRSTS: &str = "家新壹一小花公大广国山别宿雅名嘉华尚府丽号苑庭城院园";

/// A bare core (no suffix) that reads as a road: followed by a road word or
/// a house number (大街258号), or itself ending in one (东大街), or, for a
/// community, the start of a longer road name (青山|湖中路). (A street's
/// bare core is often followed by a community named after a road:
/// 凤岗|西关街.)
fn bare_is_road(core: &str, rest: &str, community: bool) -> bool {
    continues_as_road(rest)
        || rest.starts_with(|c: char| c.is_ascii_digit())
        || core.ends_with(['路', '街', '道', '巷'])
        || community
            && rest
                .chars()
                .take_while(|c| is_cjk(*c))
                .take(3)
                .any(|c| matches!(c, '路' | '街' | '巷'))
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

/// The core of `name` and which of `suffixes` was cut (none when the
/// name has none, or only two chars would be left).
fn core_of<'a>(name: &'a str, suffixes: &[&str]) -> (&'a str, Option<usize>) {
    for (i, s) in suffixes.iter().enumerate() {
        if let Some(core) = name.strip_suffix(s)
            && chars(core) >= 2
        {
            return (core, Some(i));
        }
    }
    (name, None)
}

/// The core people write for a street: 小寨路街道 → 小寨路.
pub fn street_core(name: &str) -> &str {
    core_of(name, &STREET_SUFFIXES).0
}

/// The core people write for a community or village: 兴善寺社区居委会 →
/// 兴善寺, 龙窝村委会 → 龙窝, 西韦村村委会 → 西韦.
pub fn community_core(name: &str) -> &str {
    core_of(name, &COMMUNITY_SUFFIXES).0
}

/// A name as `Normal::read` leaves text: without its bracketed note or
/// punctuation (白庙村农工商联合公司（村委会） → 白庙村农工商联合公司,
/// 鸿基花苑、金世纪新城社区居民委员会 → 鸿基花苑金世纪新城社区居民委员会).
fn plain(name: &'static str) -> Cow<'static, str> {
    if name.chars().all(is_cjk) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    normal_chars(name, true, |_, c| out.push(c));
    if out == name {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(out)
    }
}

/// `Term::rest` when nothing was cut from the name.
const REST_NONE: u8 = 0;
/// `Term::rest` for a name with a note inside it (东村（一组）村委会): the
/// text, which loses the note, never writes it exactly.
const REST_NEVER: u8 = u8::MAX;

/// The term a street or community is indexed by, and its core.
fn division_term(d: &Division<'static>, name: &'static str) -> (Cow<'static, str>, Term) {
    let street = d.level() == DivisionLevel::Street;
    let cut = |n: &str| {
        let (core, cut) = core_of(
            n,
            if street {
                &STREET_SUFFIXES
            } else {
                &COMMUNITY_SUFFIXES
            },
        );
        (core.len(), cut.map_or(REST_NONE, |i| i as u8 + 1))
    };
    let (core, rest) = match plain(name) {
        Cow::Borrowed(n) => {
            let (len, rest) = cut(n);
            (Cow::Borrowed(&n[..len]), rest)
        }
        Cow::Owned(n) => {
            let (len, rest) = cut(&n);
            (Cow::Owned(n[..len].to_owned()), rest)
        }
    };
    let noted_inside = name.contains(['（', '(']) && !name.ends_with(['）', ')']);
    let term = Term {
        id: d.id(),
        span: u16::try_from(d.node().end - d.id().0).unwrap_or(0),
        flags: if street {
            TERM_STREET
                | if name.ends_with(['镇', '乡']) || name.ends_with("苏木") {
                    TERM_TOWN
                } else if name.ends_with("街道")
                    || name.ends_with("办事处")
                    || name.ends_with("地区")
                {
                    TERM_SUBDISTRICT
                } else {
                    0
                }
        } else if is_village(name) {
            TERM_VILLAGE
        } else {
            0
        },
        rest: if noted_inside { REST_NEVER } else { rest },
    };
    (core, term)
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The chars matching reads, with their byte offsets: full-width ASCII as
/// half-width, no spaces or punctuation, nothing in brackets (but for
/// brackets around the whole text: 【西安市雁塔区…】).
/// For text that continues other text (`after`), a bracket at its start is
/// a note too: names are read so, as they come after their parents'
/// (洮北区（工业园区）城南街道).
fn normal_chars(input: &str, after: bool, mut keep: impl FnMut(usize, char)) {
    let mut depth = 0u32;
    let mut kept = after;
    for (i, c) in input.char_indices() {
        if let Some(c) = normal_char(c, &mut depth, kept) {
            keep(i, c);
            kept = true;
        }
    }
}

/// What matching reads of `c`. `depth`: notes in brackets open before it;
/// `kept`: whether anything was read before it (a bracket before anything
/// opens no note: it wraps the address).
fn normal_char(c: char, depth: &mut u32, kept: bool) -> Option<char> {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    match c {
        '(' | '[' | '【' | '〔' | '（' if kept || *depth > 0 => *depth += 1,
        '(' | '[' | '【' | '〔' | '（' => {}
        ')' | ']' | '】' | '〕' | '）' => *depth = depth.saturating_sub(1),
        _ if *depth > 0 => {}
        // CJK first: the common case, without the Unicode table lookup.
        c if is_cjk(c) || c.is_alphanumeric() => return Some(c),
        _ => {}
    }
    None
}

/// A char of normalised text, where it is in the text and the input
/// bytes it came from (a full-width Ａ is three of them, read as A). Text
/// and input offsets fit 32 bits: 16 bytes a char.
#[derive(Clone, Copy, Debug)]
struct TextChar {
    at: u32,
    input_at: u32,
    input_end: u32,
    c: char,
}

impl TextChar {
    /// Where it is in the text.
    fn at(&self) -> usize {
        self.at as usize
    }
}

/// A normalised text: the chars matching reads, decoded once for every
/// later pass.
#[derive(Default)]
struct Normal {
    text: String,
    chars: Vec<TextChar>,
    /// The input's length.
    input_len: usize,
}

/// Whether three UTF-8 bytes are a CJK ideograph (U+4E00–U+9FFF: led by
/// E4 B8–E9 BF). Valid UTF-8 is given: a lead byte E4–E9 has its two
/// continuation bytes.
#[inline]
fn is_cjk3(b: &[u8; 3]) -> bool {
    matches!(b[0], 0xE5..=0xE9) || (b[0] == 0xE4 && b[1] >= 0xB8)
}

/// The char of three UTF-8 bytes (a CJK ideograph, by `is_cjk3`).
#[inline]
fn decode3(b: &[u8; 3]) -> char {
    let c = (u32::from(b[0] & 0x0F) << 12) | (u32::from(b[1] & 0x3F) << 6) | u32::from(b[2] & 0x3F);
    char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER)
}

impl Normal {
    /// Normalise `input` for matching: full-width ASCII to half-width, no
    /// spaces or punctuation, no leading 住址/家住, no bracketed notes.
    fn read(&mut self, input: &str) {
        // Offsets are 32-bit: an address is read to 4 GiB at most.
        let input = &input[..input.floor_char_boundary(u32::MAX as usize)];
        self.input_len = input.len();
        read_into(input, &mut self.text, &mut self.chars);
    }

    /// The index of the char at byte `b` of the text (the count of chars
    /// for the text's end). Mostly a text of ideographs, three bytes each,
    /// before it: a char found at once, else by a search.
    fn index_of(&self, b: usize) -> usize {
        match self.chars.get(b / 3) {
            Some(t) if t.at() == b => b / 3,
            _ => self.chars.partition_point(|t| t.at() < b),
        }
    }

    /// The input bytes of the text's chars from byte `start` up to `end`:
    /// from the first one's start to the last one's end (what was dropped
    /// between them included; a note after the last is not).
    fn input_range(&self, start: usize, end: usize) -> Range<usize> {
        let from = self
            .chars
            .get(self.index_of(start))
            .map_or(self.input_len, |t| t.input_at as usize);
        // Up to the text's end (where most spans end) without a search.
        let after = if end >= self.text.len() {
            self.chars.len()
        } else {
            self.index_of(end)
        };
        let to = match after.checked_sub(1) {
            Some(last) => self.chars[last].input_end as usize,
            None => from,
        };
        from..to.max(from)
    }
}

/// `Normal::read` into the given buffers.
fn read_into(input: &str, text: &mut String, chars: &mut Vec<TextChar>) {
    text.clear();
    chars.clear();
    // At their final size at once: the pushes below never grow them.
    text.reserve(input.len());
    chars.reserve(input.len());
    let bytes = input.as_bytes();
    let mut i = 0;
    let mut depth = 0u32;
    while i < bytes.len() {
        // Fast path for the common case, a run of CJK ideographs outside
        // brackets: kept as they are, the run's chars and text added at
        // once (an extend of known length: no capacity check a char).
        let (triples, _) = bytes[i..].as_chunks::<3>();
        let run = if depth == 0 {
            &triples[..triples.iter().take_while(|b| is_cjk3(b)).count()]
        } else {
            &[]
        };
        if !run.is_empty() {
            let (out, n) = (text.len(), 3 * run.len());
            let (mut at, mut input_at) = (out as u32, i as u32);
            chars.extend(run.iter().map(|b| {
                let t = TextChar {
                    at,
                    input_at,
                    input_end: input_at + 3,
                    c: decode3(b),
                };
                (at, input_at) = (at + 3, input_at + 3);
                t
            }));
            text.push_str(&input[i..i + n]);
            i += n;
            continue;
        }
        let c = input[i..].chars().next().unwrap_or_default();
        if let Some(kept) = normal_char(c, &mut depth, !chars.is_empty()) {
            chars.push(TextChar {
                at: text.len() as u32,
                input_at: i as u32,
                input_end: (i + c.len_utf8()) as u32,
                c: kept,
            });
            text.push(kept);
        }
        i += c.len_utf8();
    }
    // Lead words start with one of these: most texts are spared the
    // compares.
    if !chars
        .first()
        .is_some_and(|t| matches!(t.c, '现' | '家' | '居' | '住' | '地' | '位'))
    {
        return;
    }
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
        if text.starts_with(lead) {
            let n = lead.len();
            text.drain(..n);
            let k = chars.partition_point(|t| t.at() < n);
            chars.drain(..k);
            for t in chars.iter_mut() {
                t.at -= n as u32;
            }
            break;
        }
    }
}

/// Whether a street or community suffix can start with `c`: most chars
/// of an address cannot, and this answers before any text is compared.
fn starts_a_suffix(c: char) -> bool {
    matches!(
        c,
        '街' | '地' | '办' | '镇' | '苏' | '乡' | '社' | '村' | '居' | '委'
    )
}

/// The street suffix `rest` starts with (街道, 镇 …).
fn street_suffix_at(rest: &str) -> Option<Written> {
    STREET_TEXT_SUFFIXES.at(rest)
}

/// The community suffix `rest` starts with (社区, 村委会 …).
fn community_suffix_at(rest: &str) -> Option<Written> {
    COMMUNITY_TEXT_SUFFIXES.at(rest)
}

/// `hay.starts_with(needle)` for the short strings compared here: eight
/// bytes at a time, so that a compare takes one or two steps whose count
/// the branch predictor can guess (a byte loop's exit it cannot), and no
/// library call.
#[inline]
fn has_prefix(hay: &[u8], needle: &[u8]) -> bool {
    if hay.len() < needle.len() {
        return false;
    }
    let mut i = 0;
    while needle.len() - i >= 8 {
        if word(&hay[i..]) != word(&needle[i..]) {
            return false;
        }
        i += 8;
    }
    let n = needle.len() - i;
    n == 0 || {
        // The last 1–7 bytes: eight read from each where there are eight,
        // compared under a mask of the needle's bytes.
        let mask = u64::MAX >> (64 - 8 * n);
        (word(&hay[i..]) ^ word(&needle[i..])) & mask == 0
    }
}

/// Up to eight bytes from the start of `b`, little-endian, zeros after
/// its end.
#[inline]
fn word(b: &[u8]) -> u64 {
    if let Some(w) = b.first_chunk::<8>() {
        return u64::from_le_bytes(*w);
    }
    // Four, two and one bytes, as there are: no library call for a copy
    // of a length not known in advance.
    let (mut w, mut rest, mut shift) = (0u64, b, 0);
    if let Some((four, tail)) = rest.split_first_chunk::<4>() {
        w = u64::from(u32::from_le_bytes(*four));
        (rest, shift) = (tail, 32);
    }
    if let Some((two, tail)) = rest.split_first_chunk::<2>() {
        w |= u64::from(u16::from_le_bytes(*two)) << shift;
        (rest, shift) = (tail, shift + 16);
    }
    if let Some(&one) = rest.first() {
        w |= u64::from(one) << shift;
    }
    w
}

/// One more char, from the right, of a core's hash: the national lookup
/// tries every core that ends before a suffix word, longest last, so it
/// extends one hash a char to the left instead of hashing each anew.
#[inline]
fn core_hash_step(h: u64, c: char) -> u64 {
    (h.rotate_left(21) ^ u64::from(c)).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The hash a core is found by in the national index (before `mix`).
fn core_hash(core: &str) -> u64 {
    core.chars().rev().fold(0, core_hash_step)
}

#[derive(Clone, Copy, Debug)]
struct Hit {
    place: Place,
    level: DivisionLevel,
    start: usize,
    /// Where the core ends and its suffix, if any, begins.
    core_end: usize,
    end: usize,
    strong: bool,
    /// The text is the official name, suffix and all (兴善社区居委会), which
    /// tells 新村村委会 from 新村社区 in one street.
    exact: bool,
    /// The written suffix says the kind of place the official name is
    /// (`Term::same_kind`).
    same_kind: bool,
}

/// Village (村) or urban community (社区/居委会): the two kinds of
/// community-level name, which share cores (石拉沟村委会, 石拉沟社区).
fn is_village(name: &str) -> bool {
    let n = name.trim_end_matches(|c| c != '村' && c != '社' && c != '居');
    n.ends_with('村')
}

/// Buffers one resolution works in, kept per thread: resolving allocates
/// nothing but its result.
#[derive(Default)]
struct Scratch {
    normal: Normal,
    /// The spans of the resolution in hand.
    spans: Spans,
    hyp: Vec<Place>,
    candidates: Vec<DivisionId>,
    /// The candidates nearest the reader's jurisdiction.
    nearest: Vec<DivisionId>,
    /// What was known before the last short-form match.
    prev_hyp: Vec<Place>,
    fits: Vec<Alias>,
    hits: Vec<Hit>,
    /// A national lookup of its own (see `Resolver::finish`).
    national: NationalLookups,
    choice: Choice,
    retry: Choice,
}

/// What the province, city and district names of a text established
/// (the divisions themselves are `Scratch::hyp`).
struct Head {
    hyp_level: Option<DivisionLevel>,
    /// Where the text after them starts.
    pos: usize,
    strong_all: bool,
    /// Where the word holding the last short-form name began (the end of
    /// the name before it), and where the short form did (see
    /// `Scratch::prev_hyp`).
    weak_start: Option<(usize, usize)>,
}

/// What `choose` picked below the district.
#[derive(Default)]
struct Choice {
    ids: Vec<DivisionId>,
    /// The street's span (if it holds the communities) and the pick's.
    spans: [Option<Span>; 2],
    strong: bool,
    streets: Vec<Hit>,
    /// The level of `ids` (all of one).
    level: Option<DivisionLevel>,
    communities: Vec<Hit>,
    anywhere: Vec<Hit>,
    /// Street hits other than the best, for a second reading.
    others: Vec<Hit>,
    /// Where the pick is written in the normalised text.
    at: Range<usize>,
}

/// What a group of addresses is resolved in: a scratch per address, and
/// the group's district and national lookups.
#[derive(Default)]
struct GroupScratch {
    slots: Vec<Scratch>,
    heads: Vec<Option<Head>>,
    probes: Vec<(u64, u64)>,
    ranges: Vec<(u32, u32)>,
    found: Vec<Found>,
    /// The national lookups of the addresses with no district.
    national: NationalLookups,
}

/// A lookup's tag and the run of entries found under its key.
type Found = (u64, u32, u32);

/// Whose a national lookup is and where its core is written: (address in
/// the group, core start, core end).
type Spot = (usize, usize, usize);

/// National lookups in flight: probes tagged with an index into `spots`,
/// which says whose they are and where the core is written.
#[derive(Default)]
struct NationalLookups {
    probes: Vec<(u64, u64)>,
    ranges: Vec<(u32, u32)>,
    found: Vec<Found>,
    spots: Vec<Spot>,
}

impl NationalLookups {
    fn clear(&mut self) {
        self.probes.clear();
        self.found.clear();
        self.spots.clear();
    }
}

thread_local! {
    static GROUP_SCRATCH: std::cell::RefCell<GroupScratch> = std::cell::RefCell::default();
}

/// Two offsets in one lookup tag: high and low half.
fn tag(high: usize, low: usize) -> u64 {
    ((high as u64) << 32) | low as u64
}

fn untag(tag: u64) -> (usize, usize) {
    ((tag >> 32) as usize, (tag & 0xFFFF_FFFF) as usize)
}

impl Resolver {
    /// Build the matcher over the national tree.
    pub fn china() -> &'static Resolver {
        static R: std::sync::OnceLock<Resolver> = std::sync::OnceLock::new();
        R.get_or_init(|| Resolver::new(Tree::china()))
    }

    pub fn new(tree: &'static Tree) -> Resolver {
        // Streets and communities (most of the work) in two halves of whole
        // provinces, on two threads where there are two.
        let split = tree
            .roots()
            .map(|p| p.id().index())
            .find(|&i| i >= tree.len() / 2)
            .unwrap_or(tree.len());
        let (mut cores, second) = both(
            || Cores::scan(tree, 0..split),
            || Cores::scan(tree, split..tree.len()),
        );
        cores.append(second);

        // Top levels: official and short names, and former names.
        let mut pattern_index: FxHashMap<&'static str, usize> = FxHashMap::default();
        let mut patterns: Vec<&'static str> = Vec::new();
        let mut by_pattern: Vec<Vec<Alias>> = Vec::new();
        // A name, and its short form as a weaker one.
        let mut add = |name: &'static str, d: Division<'static>| {
            for (name, strong) in [(Some(name), true), (short_form(name), false)] {
                let Some(name) = name else { continue };
                let idx = *pattern_index.entry(name).or_insert_with(|| {
                    patterns.push(name);
                    by_pattern.push(Vec::new());
                    patterns.len() - 1
                });
                by_pattern[idx].push(Alias {
                    place: Place::of(&d),
                    level: d.level(),
                    strong,
                });
            }
        };
        for province in tree.roots() {
            add(province.name(), province);
            for city in province.children() {
                if !city.is_placeholder_city() {
                    add(city.name(), city);
                }
                for district in city.children() {
                    add(district.name(), district);
                }
            }
        }
        for r in tree.renames() {
            add(r.old_name, tree.division(r.id));
        }
        let (local, national) = both(
            || KeyIndex::build(&cores.local),
            || NationalIndex::build(&cores.national),
        );
        Resolver {
            tree,
            top: TopNames::new(patterns.into_iter().zip(by_pattern).collect()),
            local,
            pool: cores.pool,
            short_cores: cores.short_cores,
            national,
            longest_core: cores.longest,
        }
    }

    fn div(&self, id: DivisionId) -> Division<'static> {
        self.tree.division(id)
    }

    /// The term's division and subtree, from the span it carries (the
    /// tree's node would be a cache miss), or the tree's when it has none.
    fn place_of(&self, t: Term) -> Place {
        match t.span {
            0 => Place::of(&self.div(t.id)),
            span => Place {
                id: t.id,
                end: t.id.0 + u32::from(span),
            },
        }
    }

    /// Resolve one address.
    pub fn resolve(&self, input: &str) -> Resolution {
        self.resolve_one(input, None)
    }

    /// Read addresses as someone working in `jurisdiction` would: where a
    /// text fits several divisions far apart (新城区 in Xi'an and in
    /// Hohhot) and some lie nearer the jurisdiction than others, the
    /// nearest are taken and the resolution says so
    /// (`Resolution::by_jurisdiction`). A text that fits one place is read
    /// as without it: the jurisdiction never overrides what is written.
    /// No jurisdiction (`None`: the whole country) reads as `resolve`.
    pub fn near(&self, jurisdiction: impl Into<Option<DivisionId>>) -> Near<'_> {
        Near {
            resolver: self,
            place: jurisdiction.into().map(|j| Place::of(&self.div(j))),
        }
    }

    fn resolve_one(&self, input: &str, near: Option<Place>) -> Resolution {
        let mut one = None;
        GROUP_SCRATCH.with_borrow_mut(|g| self.resolve_group(&[input], near, g, |r| one = Some(r)));
        one.unwrap_or_else(Resolution::none)
    }

    /// Resolve many addresses on this thread, results in input order: as
    /// `resolve` each, but in groups whose district lookups go out
    /// together, so that their waits for memory overlap.
    pub fn resolve_many<S: AsRef<str>>(&self, inputs: &[S]) -> Vec<Resolution> {
        self.resolve_many_near(inputs, None)
    }

    fn resolve_many_near<S: AsRef<str>>(
        &self,
        inputs: &[S],
        near: Option<Place>,
    ) -> Vec<Resolution> {
        const GROUP: usize = 16;
        let mut out = Vec::with_capacity(inputs.len());
        GROUP_SCRATCH.with_borrow_mut(|g| {
            for group in inputs.chunks(GROUP) {
                self.resolve_group(group, near, g, |r| out.push(r));
            }
        });
        out
    }

    /// Resolve `group`, passing each result to `emit` in order: every
    /// address's head first, then all their district lookups at once, then
    /// each address's rest.
    fn resolve_group<S: AsRef<str>>(
        &self,
        group: &[S],
        near: Option<Place>,
        g: &mut GroupScratch,
        mut emit: impl FnMut(Resolution),
    ) {
        if g.slots.len() < group.len() {
            g.slots.resize_with(group.len(), Scratch::default);
        }
        g.heads.clear();
        g.probes.clear();
        g.national.clear();
        for (k, (input, s)) in group.iter().zip(g.slots.iter_mut()).enumerate() {
            let head = self.read_head(input.as_ref(), s);
            match &head {
                Some(h) if h.hyp_level == Some(DivisionLevel::District) => {
                    self.district_probes(s, h.pos, k, &mut g.probes)
                }
                Some(h) => {
                    self.national_probes(&s.normal, h.pos, s.hyp.is_empty(), k, &mut g.national)
                }
                None => {}
            }
            g.heads.push(head);
        }
        g.found.clear();
        self.local
            .get_many(&mut g.probes, &mut g.ranges, &mut g.found);
        self.national_get(&mut g.national);
        // Found in the order of the lookups: address by address.
        let mut local = &g.found[..];
        let mut national = &g.national.found[..];
        for (k, (s, head)) in g.slots.iter_mut().zip(g.heads.drain(..)).enumerate() {
            let n = local.iter().take_while(|f| untag(f.0).0 == k).count();
            let (mine, rest) = local.split_at(n);
            local = rest;
            let spots = &g.national.spots;
            let n = national
                .iter()
                .take_while(|f| spots[f.0 as usize].0 == k)
                .count();
            let (mine_national, rest) = national.split_at(n);
            national = rest;
            emit(match head {
                Some(head) => self.finish(s, head, mine, (mine_national, spots), near),
                None => Resolution::none(),
            });
        }
    }

    /// Normalise `input` into `s` and read its province, city and district
    /// names; `None` when nothing is left to read.
    fn read_head(&self, input: &str, s: &mut Scratch) -> Option<Head> {
        s.normal.read(input);
        let normal = &s.normal;
        let (text, chars) = (normal.text.as_str(), &normal.chars);
        if text.is_empty() {
            return None;
        }
        // Hypotheses: divisions the text is known to be inside (empty = anywhere).
        let hyp = &mut s.hyp;
        hyp.clear();
        let mut hyp_level: Option<DivisionLevel> = None;
        let mut pos = 0;
        // Kept in the scratch, not moved about with the head: a list of
        // spans is most of its bytes.
        let spans = &mut s.spans;
        spans.clear();
        let mut strong_all = true;
        // Where the word holding the last short-form match began and where
        // the match did, with what was known before it in `prev_hyp` (饶阳|店镇:
        // the short form may be the start of a street's name; 江林|新城北社区:
        // it may lie inside a community's name, and a fit inside a longer
        // word is no fit).
        let mut weak_start: Option<(usize, usize)> = None;
        let mut j = 0;
        while let Some(t) = chars.get(j) {
            let (start, c1) = (t.at(), t.c);
            let c2 = chars.get(j + 1).map(|t| t.c);
            let Some((pattern, end)) = self.top.longest_at(text, start, c1, c2) else {
                j += 1;
                continue;
            };
            // A name is used up whether it is taken or not.
            while chars.get(j).is_some_and(|t| t.at() < end) {
                j += 1;
            }
            let aliases = self.top.aliases(pattern);
            let weak_only = aliases.iter().all(|a| !a.strong);
            if weak_only && continues_as_road(&text[end..]) {
                continue;
            }
            // Addresses go from large to small: a province, city or district
            // name after a town, village or house number read since the last
            // name (乐亭镇…花苑|东区) is part of a smaller place's name.
            if text[pos..start]
                .chars()
                .any(|c| c.is_ascii_digit() || matches!(c, '镇' | '乡' | '村' | '社' | '街' | '号'))
            {
                continue;
            }
            let fits_here = |a: &Alias| {
                hyp_level.is_none_or(|l| a.level > l)
                    && (hyp.is_empty() || hyp.iter().any(|h| h.holds(a.place.id)))
            };
            // Most names stand for one division: no list for them.
            let fits: &[Alias] = match aliases {
                [one] if fits_here(one) => std::slice::from_ref(one),
                [_] => &[],
                _ => {
                    s.fits.clear();
                    s.fits.extend(aliases.iter().copied().filter(fits_here));
                    &s.fits
                }
            };
            if fits.is_empty() {
                continue;
            }
            // Keep the deepest level the name means here (a name that is both
            // a city and a district means the city only if nothing deeper fits).
            let level = fits
                .iter()
                .map(|a| a.level)
                .min()
                .unwrap_or(DivisionLevel::Province);
            let strong = fits.iter().any(|a| a.strong);
            // A name right before a street's or community's suffix may be
            // that place's name (古县|镇, 东城区|居委会): read it so if the
            // name alone finds nothing below it.
            let named_place = {
                let rest = &text[end..];
                street_suffix_at(rest).is_some() || community_suffix_at(rest).is_some()
            };
            weak_start = (!strong || named_place).then(|| {
                s.prev_hyp.clear();
                s.prev_hyp.extend_from_slice(hyp);
                (pos, start)
            });
            hyp.clear();
            hyp.extend(fits.iter().filter(|a| a.level == level).map(|a| a.place));
            if hyp.len() > 1 {
                hyp.sort_unstable();
                hyp.dedup();
            }
            hyp_level = Some(level);
            strong_all &= strong;
            spans.push(Span {
                level,
                range: normal.input_range(start, end),
            });
            pos = end;
            if level == DivisionLevel::District {
                // Nothing deeper than a district is a top name: the rest
                // of the text is for streets and communities.
                break;
            }
        }
        Some(Head {
            hyp_level,
            pos,
            strong_all,
            weak_start,
        })
    }

    /// Lookups of the cores of `s`'s districts at every char from `from`
    /// into `probes` (those the Bloom filter lets through), tagged with
    /// `slot` and the char's offset.
    fn district_probes(&self, s: &Scratch, from: usize, slot: usize, probes: &mut Vec<(u64, u64)>) {
        let chars = &s.normal.chars;
        let chars = &chars[chars.partition_point(|t| t.at() < from)..];
        for district in s.hyp.iter().map(|p| p.id) {
            let short = self.short_cores.contains(&district);
            let mut probe = |key: u64, at| {
                if self.local.may_hold(key) {
                    probes.push((key, tag(slot, at)));
                }
            };
            for (k, t) in chars.iter().enumerate() {
                let (at, c1) = (t.at(), t.c);
                if let Some(&TextChar { c: c2, .. }) = chars.get(k + 1) {
                    probe(local_key(district, c1, c2), at);
                }
                if short {
                    probe(local_key(district, c1, '\0'), at);
                }
            }
        }
    }

    /// The rest of a resolution after `read_head`: streets and communities
    /// (from `local`, the district cores found at its chars, when its head
    /// ends at a district; else by the national index), then the answer.
    fn finish(
        &self,
        s: &mut Scratch,
        head: Head,
        local: &[Found],
        national: (&[Found], &[Spot]),
        near: Option<Place>,
    ) -> Resolution {
        let Head {
            hyp_level,
            pos: _,
            mut strong_all,
            weak_start,
        } = head;
        let spans = &mut s.spans;
        let normal = &s.normal;
        let text = normal.text.as_str();
        let hyp = &mut s.hyp;
        let hits = &mut s.hits;
        hits.clear();
        if hyp_level == Some(DivisionLevel::District) {
            for &(tag, a, b) in local {
                let (_, at) = untag(tag);
                for (_, core) in &self.local.entries[a as usize..b as usize] {
                    self.local_hit(text, at, core, hits);
                }
            }
        } else {
            let (found, spots) = national;
            self.national_hits(text, found, spots, hyp, hits);
        }
        self.choose(hits, normal, &mut s.choice);
        let mut below = &s.choice;
        if let Some((word, start)) = weak_start
            && (below.ids.is_empty() || word < start)
        {
            // Nothing below a short-form match, or the match inside a longer
            // word (小|雁塔社区, 紫郡|长安社区): read the word as a street or
            // community name instead, if that finds one written with its
            // suffix (and, when something was found below, one that holds
            // the short form: the longer word is the name).
            let l = &mut s.national;
            l.clear();
            self.national_probes(normal, word, s.prev_hyp.is_empty(), 0, l);
            self.national_get(l);
            self.national_hits(text, &l.found, &l.spots, &s.prev_hyp, hits);
            self.choose(hits, normal, &mut s.retry);
            let holds_it = s.retry.at.start < start && s.retry.at.end > start;
            if !s.retry.ids.is_empty() && s.retry.strong && (below.ids.is_empty() || holds_it) {
                spans.pop();
                below = &s.retry;
                std::mem::swap(hyp, &mut s.prev_hyp);
            }
        }
        let mut res = Resolution::none();
        let (mut candidates, level): (&[DivisionId], _) = if below.ids.is_empty() {
            s.candidates.clear();
            s.candidates.extend(hyp.iter().map(|p| p.id));
            (&s.candidates, hyp_level)
        } else {
            (&below.ids, below.level)
        };
        if let Some(near) = near
            && candidates.len() > 1
            && self.nearest(candidates, near, &mut s.nearest)
        {
            candidates = &s.nearest;
            res.by_jurisdiction = true;
        }
        strong_all &= below.strong;
        for span in below.spans.iter().flatten() {
            spans.push(span.clone());
        }
        if candidates.is_empty() {
            return res;
        }
        let common = self.common_ancestor(candidates);
        if candidates.len() > 1 {
            res.ambiguous_at = common
                .map(|c| self.div(c).level())
                .and_then(|l| DivisionLevel::ALL.into_iter().find(|x| *x > l))
                .or(Some(DivisionLevel::Province));
        }
        res.division = common;
        if let Some(c) = common {
            // One candidate: its level is known without reading the tree.
            let level = match (candidates.len(), level) {
                (1, Some(level)) => level,
                _ => self.div(c).level(),
            };
            spans.retain(|s| s.level <= level);
            res.spans = spans.clone();
            res.confidence = if res.ambiguous_at.is_some() {
                0.5
            } else if res.by_jurisdiction {
                NEAR_CONFIDENCE
            } else if strong_all {
                1.0
            } else {
                0.8
            };
        }
        res
    }

    /// A hit for `core` if the text at `start` writes it.
    fn local_hit(&self, text: &str, start: usize, core: &LocalCore, hits: &mut Vec<Hit>) {
        // The key matched the first two chars, `next` holds three bytes
        // more; only a longer core reads the pool.
        let (head, len) = (usize::from(core.head), core.len());
        let after = &text.as_bytes()[start + head..];
        let kept = (len - head).min(3);
        if !has_prefix(after, &core.next[..kept]) {
            return;
        }
        if len > head + 3 {
            let tail = &self.pool.as_bytes()[core.start() + head + 3..core.start() + len];
            if !has_prefix(&after[3..], tail) {
                return;
            }
        }
        let end = start + len;
        let name = &text[start..end];
        let rest = &text[end..];
        let t = core.term;
        let suffix = if t.street() {
            street_suffix_at(rest)
        } else {
            community_suffix_at(rest)
        };
        let exact = t.is_named_with(suffix);
        // A bare core followed by 路, 街 … is part of a road name; by 小区,
        // 花园 … part of a compound's.
        if suffix.is_none()
            && !exact
            && (bare_is_road(name, rest, !t.street()) || continues_as_compound(rest))
        {
            return;
        }
        hits.push(Hit {
            place: self.place_of(t),
            level: t.level(),
            start,
            core_end: end,
            end: end + suffix.map_or(0, |w| usize::from(w.len)),
            strong: suffix.is_some() || exact,
            exact,
            same_kind: t.same_kind(suffix),
        });
    }

    /// Without a district: lookups of the cores that end right before a
    /// suffix word, from `from` on, into `l` for the address `slot` of a
    /// group. `anywhere`: nothing is known of where the text is.
    fn national_probes(
        &self,
        normal: &Normal,
        from: usize,
        anywhere: bool,
        slot: usize,
        l: &mut NationalLookups,
    ) {
        let text = normal.text.as_str();
        let chars = &normal.chars[normal.chars.partition_point(|t| t.at() < from)..];
        // Each char boundary from `from` on, and the text's end.
        for k in 0..=chars.len() {
            let (at, c) = chars
                .get(k)
                .map_or((text.len(), None), |t| (t.at(), Some(t.c)));
            let tail = &text[at..];
            let suffix = c
                .is_some_and(starts_a_suffix)
                .then(|| street_suffix_at(tail).or(community_suffix_at(tail)))
                .flatten();
            // A bare name at the end counts only under a known place: 火星
            // alone is not 长沙市火星街道.
            if suffix.is_none() && (at != text.len() || anywhere) {
                continue;
            }
            let mut h = 0;
            for (len, t) in chars[..k].iter().rev().take(self.longest_core).enumerate() {
                h = core_hash_step(h, t.c);
                if len >= 1 && self.national.runs.may_hold(mix(h)) {
                    l.probes.push((mix(h), l.spots.len() as u64));
                    l.spots.push((slot, t.at(), at));
                }
            }
        }
    }

    /// Look up `l`'s probes; the pool text that guards each run found,
    /// and the middle of its terms (where a search of them starts), are
    /// touched at once, so that those cache misses overlap too.
    fn national_get(&self, l: &mut NationalLookups) {
        let national = &self.national;
        national
            .runs
            .get_many(&mut l.probes, &mut l.ranges, &mut l.found);
        let touched = l.found.iter().fold(0u32, |acc, &(_, a, _)| {
            let run = national.runs.entries[a as usize].1;
            let middle = national.terms[(run.start + (run.end - run.start) / 2) as usize];
            acc ^ u32::from(national.core(&self.pool, run)[0]) ^ middle.id.0
        });
        std::hint::black_box(touched);
    }

    /// The hits of one address's national lookups (`found`, with their
    /// `spots`) inside `hyp` (anywhere when empty), into `hits`.
    fn national_hits(
        &self,
        text: &str,
        found: &[Found],
        spots: &[Spot],
        hyp: &[Place],
        hits: &mut Vec<Hit>,
    ) {
        hits.clear();
        // Guards against a 64-bit hash collision: the core's text must be
        // the one written. The suffixes after a lookup's core are read
        // once for all its terms too.
        for &(spot, a, _) in found {
            let run = self.national.runs.entries[a as usize].1;
            let terms = &self.national.terms[run.start as usize..run.end as usize];
            let (_, start, at) = spots[spot as usize];
            if *self.national.core(&self.pool, run) != text.as_bytes()[start..at] {
                continue;
            }
            let street = street_suffix_at(&text[at..]);
            let community = community_suffix_at(&text[at..]);
            let written = street.or(community);
            let suffix = written.map(|w| usize::from(w.len));
            let end = at + suffix.unwrap_or(0);
            let mut hit = |t: Term| {
                let fits = if t.street() {
                    street.is_some() || at == text.len()
                } else {
                    community.is_some() || at == text.len()
                };
                if fits {
                    hits.push(Hit {
                        place: self.place_of(t),
                        level: t.level(),
                        start,
                        core_end: at,
                        end,
                        strong: suffix.is_some(),
                        exact: t.is_named_with(written),
                        same_kind: t.same_kind(if t.street() { street } else { community }),
                    });
                }
            };
            if hyp.is_empty() {
                terms.iter().for_each(|&t| hit(t));
                continue;
            }
            // Terms of a core are in tree order, and the places known are
            // apart from each other: only their own stretches are read (a
            // common core such as 新村 has hundreds across the country).
            for h in hyp {
                let inside = &terms[terms.partition_point(|t| t.id < h.id)..];
                inside
                    .iter()
                    .take_while(|t| h.holds(t.id))
                    .for_each(|&t| hit(t));
            }
        }
    }

    /// The best hits at `level` into `out`: inside one of `within` (if
    /// any), starting after the street's span `after` (or an official name
    /// that repeats it: 店塔镇石拉沟社区居民委员会, or one that begins with
    /// what was read as the street's suffix: 临海农场|镇北居委会); strong before weak,
    /// then longer, then of the kind written; of those, the ones starting
    /// first.
    fn best(
        &self,
        hits: &[Hit],
        level: DivisionLevel,
        within: &[Hit],
        after: Option<Hit>,
        out: &mut Vec<Hit>,
    ) {
        out.clear();
        // Whether the official name is spelt with the suffix written
        // (龙窝村 against 龙窝村委会) decides nothing: a written name fits
        // every division whose name reads the same once its suffix is
        // dropped or lengthened, and where several fit the answer is what
        // they share. The kind a suffix says (村 or 社区) is what the text
        // tells, and tells a village from a community of one core; a bare
        // core (尚村镇尚村) tells neither.
        let rank = |h: &Hit| (h.strong, h.end - h.start, h.same_kind);
        let follows = |h: &Hit| match after {
            None => true,
            Some(s) => {
                h.start >= s.end
                    || (h.start == s.start && h.end > s.end && h.exact)
                    || (h.start >= s.core_end && h.exact)
            }
        };
        let mut top = None;
        for h in hits {
            if !follows(h)
                || h.level != level
                || !(within.is_empty() || within.iter().any(|w| w.place.holds(h.place.id)))
            {
                continue;
            }
            let r = Some(rank(h));
            if r > top {
                top = r;
                out.clear();
            }
            if r == top {
                out.push(*h);
            }
        }
        out.sort_unstable_by_key(|h| (h.start, h.place.id));
        if let Some(first) = out.first().map(|h| h.start) {
            out.retain(|h| h.start == first);
        }
    }

    /// From street and community hits, the candidates below the district.
    fn choose(&self, hits: &[Hit], normal: &Normal, c: &mut Choice) {
        c.ids.clear();
        c.spans = [None, None];
        c.strong = true;
        c.level = None;
        if hits.is_empty() {
            return;
        }
        self.best(hits, DivisionLevel::Street, &[], None, &mut c.streets);
        let after = c.streets.first().copied();
        self.best(
            hits,
            DivisionLevel::Community,
            &c.streets,
            after,
            &mut c.communities,
        );
        if c.communities.is_empty() && !c.streets.is_empty() {
            // Another street written strongly may be the one a community
            // follows: 洪广镇暖泉农场社区 is 洪广镇's 暖泉农场社区, though
            // 暖泉农场 is also a street, and a longer one.
            c.others.clear();
            c.others.extend(hits.iter().filter(|h| {
                h.level == DivisionLevel::Street
                    && h.strong
                    && c.streets.iter().all(|s| s.place != h.place)
            }));
            c.others.sort_unstable_by_key(|h| (h.start, h.place.id));
            for i in 0..c.others.len() {
                let street = c.others[i];
                self.best(
                    hits,
                    DivisionLevel::Community,
                    std::slice::from_ref(&street),
                    Some(street),
                    &mut c.anywhere,
                );
                if !c.anywhere.is_empty() && c.anywhere.iter().all(|h| h.strong) {
                    c.streets.clear();
                    c.streets.push(street);
                    std::mem::swap(&mut c.communities, &mut c.anywhere);
                    break;
                }
            }
        }
        if c.communities.is_empty() && !c.streets.is_empty() {
            // A "street" may have been part of a road name; a community
            // elsewhere in the district then wins if written strongly.
            self.best(hits, DivisionLevel::Community, &[], None, &mut c.anywhere);
            if c.anywhere.iter().all(|h| h.strong) && !c.streets[0].strong {
                std::mem::swap(&mut c.communities, &mut c.anywhere);
            }
        }
        let pick = if !c.communities.is_empty() {
            if let Some(s) = c
                .streets
                .first()
                .filter(|s| c.communities.iter().any(|h| s.place.holds(h.place.id)))
            {
                c.spans[0] = Some(Span {
                    level: DivisionLevel::Street,
                    range: normal.input_range(s.start, s.end),
                });
            }
            &c.communities
        } else {
            &c.streets
        };
        c.level = pick.first().map(|h| h.level);
        if let Some(h) = pick.first() {
            c.at = h.start..h.end;
            c.strong = h.strong;
            c.spans[1] = Some(Span {
                level: h.level,
                range: normal.input_range(h.start, h.end),
            });
        }
        c.ids.extend(pick.iter().map(|h| h.place.id));
        c.ids.sort_unstable();
        c.ids.dedup();
    }

    /// The candidates nearest `near` into `out`, if that is fewer than all:
    /// those that share `near`'s own division with it (one lies inside the
    /// other), else its parent's, and so on up to its province. Candidates
    /// are rarely several, so the tree is read here.
    fn nearest(&self, candidates: &[DivisionId], near: Place, out: &mut Vec<DivisionId>) -> bool {
        let overlap = |a: Place, b: Place| a.holds(b.id) || b.holds(a.id);
        for around in self.div(near.id).path().iter().rev() {
            let around = Place::of(around);
            out.clear();
            out.extend(
                candidates
                    .iter()
                    .copied()
                    .filter(|&c| overlap(around, Place::of(&self.div(c)))),
            );
            if !out.is_empty() {
                return out.len() < candidates.len();
            }
        }
        false
    }

    fn common_ancestor(&self, ids: &[DivisionId]) -> Option<DivisionId> {
        if let [one] = ids {
            return Some(*one);
        }
        let mut path = self.div(*ids.first()?).path();
        for id in &ids[1..] {
            let other = self.div(*id);
            path.retain(|p| p.contains(&other));
        }
        path.last().map(|d| d.id())
    }

    /// Resolve many addresses on all cores, results in input order.
    pub fn resolve_batch<S: AsRef<str> + Sync>(&self, inputs: &[S]) -> Vec<Resolution> {
        self.resolve_batch_near(inputs, None)
    }

    fn resolve_batch_near<S: AsRef<str> + Sync>(
        &self,
        inputs: &[S],
        near: Option<Place>,
    ) -> Vec<Resolution> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(inputs.len().max(1));
        if threads == 1 {
            // One address, or one core: no thread to start.
            return self.resolve_many_near(inputs, near);
        }
        let chunk = inputs.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = inputs
                .chunks(chunk)
                .map(|part| scope.spawn(move || self.resolve_many_near(part, near)))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("resolver thread"))
                .collect()
        })
    }
}

/// A resolver reading as someone working in a jurisdiction does (see
/// `Resolver::near`).
#[derive(Clone, Copy)]
pub struct Near<'a> {
    resolver: &'a Resolver,
    place: Option<Place>,
}

impl Near<'_> {
    pub fn resolve(&self, input: &str) -> Resolution {
        self.resolver.resolve_one(input, self.place)
    }

    pub fn resolve_many<S: AsRef<str>>(&self, inputs: &[S]) -> Vec<Resolution> {
        self.resolver.resolve_many_near(inputs, self.place)
    }

    pub fn resolve_batch<S: AsRef<str> + Sync>(&self, inputs: &[S]) -> Vec<Resolution> {
        self.resolver.resolve_batch_near(inputs, self.place)
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
        // A village's name at the start of a road's is the road's.
        assert_eq!(code("南昌市新建区青山湖中路"), "360112");
        assert_eq!(code("重庆市万州区九龙坡西路"), "500101");
        assert_eq!(
            code("住址：西安市鄠邑区涝店镇龙窝村委会（近公交站）"),
            "610118011226"
        );
        assert_eq!(code("户县龙窝村"), "610118011226");
        // Brackets around the whole address wrap it; a note comes after.
        assert_eq!(code("【西安市鄠邑区，龙窝村】"), "610118011226");
        assert_eq!(
            code("【西安市鄠邑区（涝店街道）龙窝村，12号】"),
            "610118011226"
        );
        assert_eq!(code("西安市鄠邑区【涝店街道龙窝村】"), "610118");
        assert_eq!(code(""), "");
        assert_eq!(code("！！！"), "");
    }

    #[test]
    fn spans_are_the_names_as_written_without_what_follows() {
        fn texts(address: &str) -> Vec<(DivisionLevel, &str)> {
            let r = Resolver::china().resolve(address);
            r.spans
                .iter()
                .map(|s| (s.level, &address[s.range.clone()]))
                .collect()
        }
        use DivisionLevel::*;
        assert_eq!(
            texts("住址：西安市鄠邑区涝店镇龙窝村委会（近公交站）"),
            [
                (City, "西安市"),
                (District, "鄠邑区"),
                (Street, "涝店镇"),
                (Community, "龙窝村委会")
            ]
        );
        // A note between two names stays out of both, and what follows the
        // last out of it; spaces inside a name stay in it.
        assert_eq!(
            texts("雁塔区（南门外）小寨路街道, 兴善社区 ３号楼"),
            [
                (District, "雁塔区"),
                (Street, "小寨路街道"),
                (Community, "兴善社区")
            ]
        );
        assert_eq!(
            texts("鄠邑区 龙 窝 村！"),
            [(District, "鄠邑区"), (Community, "龙 窝 村")]
        );
    }

    #[test]
    fn a_jurisdiction_chooses_only_among_places_the_text_fits() {
        let tree = Tree::china();
        let r = Resolver::china();
        let id = |code: &str| tree.find(code).expect(code).id();
        let code_of = |res: &Resolution| res.division.map(|d| tree.division(d).code());
        // 新城区 is in Xi'an and in Hohhot: alone it is ambiguous.
        let alone = r.resolve("新城区");
        assert_eq!(alone.division, None);
        assert_eq!(alone.ambiguous_at, Some(DivisionLevel::Province));
        assert!(!alone.by_jurisdiction);
        // Read in Xi'an, or in one of its districts or streets, it is
        // Xi'an's, and says why.
        for near in ["6101", "610113", "610113001", "61"] {
            let res = r.near(id(near)).resolve("新城区");
            assert_eq!(code_of(&res).as_deref(), Some("610102"), "near {near}");
            assert!(res.by_jurisdiction && res.ambiguous_at.is_none());
            assert_eq!(res.confidence, NEAR_CONFIDENCE);
        }
        // Read far from both, it stays ambiguous.
        let beijing = r.near(id("11")).resolve("新城区");
        assert_eq!(beijing, alone);
        // A text that fits one place is read as written, wherever read.
        for text in ["鄠邑区龙窝村", "呼和浩特市新城区", "西安市新城区未央路"]
        {
            assert_eq!(r.near(id("15")).resolve(text), r.resolve(text), "{text}");
        }
        // The batch calls read the same way.
        let texts = ["新城区", "鄠邑区龙窝村"];
        let near = r.near(id("6101"));
        assert_eq!(near.resolve_many(&texts), near.resolve_batch(&texts));
        assert_eq!(near.resolve_many(&texts)[0], near.resolve("新城区"));
    }

    #[test]
    fn names_with_punctuation_or_notes_are_found_as_written() {
        // The text loses the 、 of the official name; so must the index.
        let full = "河北省邯郸市丛台区人民路街道鸿基花苑、金世纪新城社区居民委员会";
        assert_eq!(code(full), "130403009001");
        assert_eq!(code("丛台区鸿基花苑金世纪新城社区"), "130403009001");
        assert_eq!(code("邯郸市鸿基花苑金世纪新城社区"), "130403009001");
    }

    /// Text mixing ideographs, brackets, punctuation, full-width forms
    /// and anything else, after a leading "a" that keeps lead words out.
    fn mixed_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let part = prop_oneof![
            proptest::char::range('\u{4e00}', '\u{9fff}'),
            proptest::sample::select(vec![
                '（', '）', '【', '】', '(', ')', '〔', '〕', '[', ']', ' ', '，', '、',
                '\u{3000}', '０', 'Ａ', 'ｚ', 'a', '1', '-',
            ]),
            any::<char>(),
        ];
        proptest::collection::vec(part, 0..40)
            .prop_map(|cs| std::iter::once('a').chain(cs).collect())
    }

    proptest::proptest! {
        /// The word-wise compare agrees with `starts_with` on any bytes,
        /// needles as long as the hay or longer included.
        #[test]
        fn has_prefix_agrees_with_starts_with(
            hay in proptest::collection::vec(0u8..4, 0..40),
            needle in proptest::collection::vec(0u8..4, 0..40),
            cut in 0usize..40,
        ) {
            let needle = &needle[..cut.min(needle.len())];
            proptest::prop_assert_eq!(has_prefix(&hay, needle), hay.starts_with(needle));
            let same = &hay[..cut.min(hay.len())];
            proptest::prop_assert!(has_prefix(&hay, same));
        }

        /// `Normal::read`'s fast path for ideographs reads text as
        /// `normal_chars` does.
        #[test]
        fn normalise_agrees_with_normal_chars(s in mixed_text()) {
            let mut n = Normal::default();
            n.read(&s);
            let (out, chars) = (&n.text, &n.chars);
            let mut slow = Vec::new();
            normal_chars(&s, false, |i, c| slow.push((i, c)));
            let fast: Vec<(usize, char)> =
                chars.iter().map(|t| (t.input_at as usize, t.c)).collect();
            proptest::prop_assert_eq!(fast, slow.clone());
            proptest::prop_assert_eq!(out, &slow.iter().map(|e| e.1).collect::<String>());
        }
    }

    #[test]
    fn suffix_first_chars_are_all_listed() {
        for s in STREET_TEXT_SUFFIXES
            .words
            .iter()
            .chain(&COMMUNITY_TEXT_SUFFIXES.words)
        {
            let w = street_suffix_at(s).or(community_suffix_at(s));
            assert_eq!(w.map(|w| usize::from(w.len)), Some(s.len()), "{s}");
            let street = STREET_TEXT_SUFFIXES.words.contains(s);
            assert_eq!(w.map(|w| w.village), Some(!street && is_village(s)), "{s}");
            assert!(starts_a_suffix(s.chars().next().unwrap()), "{s}");
        }
        // A suffix that official names end in tells which one it is.
        for (i, s) in STREET_SUFFIXES.iter().enumerate() {
            assert_eq!(
                street_suffix_at(s).map(|w| w.rest),
                Some(i as u8 + 1),
                "{s}"
            );
        }
        for (i, s) in COMMUNITY_SUFFIXES.iter().enumerate() {
            assert_eq!(
                community_suffix_at(s).map(|w| w.rest),
                Some(i as u8 + 1),
                "{s}"
            );
        }
        assert_eq!(street_suffix_at("街道办").map(|w| w.rest), Some(0));
    }

    #[test]
    fn a_community_named_after_another_street_follows_its_own() {
        // 暖泉农场 is a street of 贺兰县 too, and longer than 洪广镇.
        assert_eq!(code("贺兰县洪广镇暖泉农场社区居委会"), "640122103003");
        assert_eq!(code("博罗县杨侨镇石坝办事处社区"), "441322122410");
        // A 农场 written whole is as good a street as a 镇.
        assert_eq!(
            code("湖北省咸宁市嘉鱼县头墩农场潘家湾镇头墩社区居民委员会"),
            "421221450001"
        );
        // 召陵区召陵镇 is written 召陵镇, and tells the two 付庄村 apart.
        assert_eq!(code("漯河市召陵区召陵镇付庄村"), "411104100240");
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
