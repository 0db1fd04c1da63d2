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
//!    is consulted before suffix words. A core is the name with every
//!    suffix cut, stacked ones too, never below two chars (龙窝村委会,
//!    龙窝村 and 龙窝社区 are all 龙窝; 开平镇 and 开平街道 are 开平): a
//!    written name fits every division whose name reads the same once its
//!    suffix is dropped or lengthened, and neither the spelling of a suffix
//!    nor the kind of place it says (村 or 社区, 镇 or 街道) tells two of
//!    them apart.
//! 4. A fit inside a longer word is no fit: a shorter match inside a longer
//!    one, a bare core inside a road's or compound's name or in the middle
//!    of a word, a short form running on into a word that names nothing
//!    (东方|红农场) are not read (`screen`).
//! 5. Where several divisions remain (two 新村 in one district, 龙窝村 with
//!    no district, a 新城区 with no city), the answer is their deepest
//!    common ancestor: never a guess. Read near a jurisdiction
//!    (`Resolver::near`), those nearest it are kept if they are fewer, and
//!    the resolution says so.
//!
//! Speed: one address touches a few cache lines of each index and allocates
//! nothing (buffers are per thread, spans inline); lookups go in passes so
//! their cache misses overlap, a Bloom filter near the core keeps most that
//! would find nothing from going further, and `resolve_many` sends the
//! lookups of 16 addresses out together. Text is compared eight bytes at a
//! time; suffix and compound words are read down a trie of their chars.
//! `examples/resolve_dump.rs` shows that a speed change kept every answer;
//! BENCHMARKS.md has the numbers.

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
    /// `TERM_STREET` or none. (What kind of place the official name says,
    /// village or urban community, town or sub-district, is not kept: a
    /// suffix never tells two places of one core apart.)
    flags: u8,
    /// What the official name has after its core: `REST_NONE`, or its
    /// last suffix's index in `STREET_SUFFIXES` or `COMMUNITY_SUFFIXES`
    /// plus one (with `REST_STACKED` if more were cut; see `core_of`), or
    /// `REST_NEVER`.
    rest: u8,
}

const TERM_STREET: u8 = 1;

impl Term {
    fn street(self) -> bool {
        self.flags & TERM_STREET != 0
    }

    /// Whether the core followed by `suffix` is the official name. That
    /// never tells places apart (`Resolver::best`); it says where a name
    /// that repeats its street's (店塔镇石拉沟社区) starts.
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

    /// The entries under `key` (one lookup, for the rare reading that
    /// needs one at once).
    fn get(&self, key: u64) -> &[(u64, E)] {
        let b = bucket(key);
        let (start, end) = (
            (self.slots[b] >> 32) as usize,
            (self.slots[b + 1] >> 32) as usize,
        );
        let entries = &self.entries[start..end];
        let first = entries.partition_point(|e| e.0 < key);
        let n = entries[first..].partition_point(|e| e.0 == key);
        &entries[first..first + n]
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
    #[inline(always)]
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
        // Plain loops with the compare inlined: a closure per name tried
        // was a call each.
        if let Some(c2) = c2 {
            let bit = pair_bit(c1, c2);
            let (bits, mask) = (self.pairs[bit >> 6], 1u64 << (bit & 63));
            if bits & mask != 0 {
                let w = words();
                let rank = (self.ranks[bit >> 6] + (bits & (mask - 1)).count_ones()) as usize;
                let (a, b) = (self.groups[rank] as usize, self.groups[rank + 1] as usize);
                for k in a..b {
                    if self.starts(k, rest, w) {
                        return Some((k, at + self.entries[k].len()));
                    }
                }
            }
        }
        if self.singles.is_empty() {
            return None;
        }
        let w = words();
        for &k in &self.singles {
            let k = k as usize;
            if self.starts(k, rest, w) {
                return Some((k, at + self.entries[k].len()));
            }
        }
        None
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
                    // The parents a name repeats, any of them from the top
                    // down (潮州市潮安区凤塘镇沟头村民委员会 → 沟头村民委员会),
                    // so long as a name is left, not a bare suffix.
                    let mut rest = name;
                    for p in open[..li].iter().filter(|p| !p.is_empty()) {
                        if let Some(r) = rest.strip_prefix(p)
                            && chars(r) >= 2
                            && !STREET_SUFFIXES.contains(&r)
                            && !COMMUNITY_SUFFIXES.contains(&r)
                        {
                            rest = r;
                        }
                    }
                    if rest.len() < name.len() {
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

/// What a street's name may end in, longest first: what its core is cut
/// of (`core_of`), and what is read after a core in text. Those only
/// written (街道办, 镇人民政府) are cut too: a written name and an official
/// one read the same once their suffixes are dropped.
const STREET_SUFFIXES: [&str; 11] = [
    "街道办事处",
    "地区办事处",
    "镇人民政府",
    "乡人民政府",
    "街道办",
    "街道",
    "办事处",
    "地区",
    "苏木",
    "镇",
    "乡",
];
/// What a community's or village's name may end in, longest first,
/// misspellings that official names carry (村民委会, 社区居民居委会)
/// included; likewise cut and read.
const COMMUNITY_SUFFIXES: [&str; 35] = [
    "社区居民管理委员会",
    "嘎查村民委员会",
    "居民管理委员会",
    "社区居民委员会",
    "社区居民居委会",
    "社区管理委员会",
    "村村民委员会",
    "村民村委员会",
    "社区居委员会",
    "嘎查委员会",
    "居民委员会",
    "村村民委会",
    "村村民委员",
    "村民委员会",
    "村民居委会",
    "村民村委会",
    "社区委员会",
    "社区居委会",
    "嘎查委会",
    "居民委会",
    "村村委会",
    "村民委会",
    "村民委员",
    "社区居委",
    "委员会",
    "家委会",
    "居委会",
    "村委会",
    "渔委会",
    "牧委会",
    "嘎查",
    "居委",
    "村委",
    "社区",
    "村",
];
/// Words that may follow a core in text (suffixes, and the words of a
/// compound's name), in a trie of their chars: a
/// lookup walks the text's chars down it and keeps the deepest word it
/// passes (the longest the text starts with, as the lists' longest-first
/// order says). (Trying the words of a first char in turn was most of the
/// cost of reading a suffix: 村 alone starts thirteen.)
struct SuffixWords<const N: usize> {
    #[cfg(test)]
    words: [&'static str; N],
    /// The trie's nodes; a node's children are a chain of siblings from
    /// its `child`.
    nodes: [SuffixNode; SUFFIX_NODES],
    /// The words' first chars by their hash (`first_slot`): a chain of
    /// siblings each, mostly of one (a chain of all of them was as slow as
    /// trying the words in turn).
    roots: [u8; 64],
    /// A bit per `first_slot` of the words' first chars: most text after a
    /// core starts with no suffix, and this says so at once.
    firsts: u64,
}

/// Room for the chars of every word (the community words take 87 nodes;
/// `SuffixWords::new` fails to compile if they outgrow it): as many as a
/// `u8` indexes, so that a walk reads nodes without bounds checks.
const SUFFIX_NODES: usize = 256;

/// No node (a trie's child or sibling).
const NO_NODE: u8 = u8::MAX;

/// A char of a suffix word in `SuffixWords::nodes`.
#[derive(Clone, Copy)]
struct SuffixNode {
    /// The char's three UTF-8 bytes (every word is of CJK ideographs).
    c: u32,
    child: u8,
    sibling: u8,
    /// The word that ends here, if one does (`len` 0 when none).
    ends: Written,
}

/// Where a char's three bytes fall in `SuffixWords::roots` and
/// `SuffixWords::firsts`.
#[inline(always)]
const fn first_slot(first: u32) -> usize {
    (first.wrapping_mul(0x9E37_79B1) >> 26) as usize
}

/// Three bytes as a number, as `SuffixNode::c` holds a char.
#[inline(always)]
const fn char3(b: [u8; 3]) -> u32 {
    b[0] as u32 | (b[1] as u32) << 8 | (b[2] as u32) << 16
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
}

impl<const N: usize> SuffixWords<N> {
    /// `words`, of which `names` are what official names end in.
    const fn new(words: [&'static str; N], names: &[&str], street: bool) -> SuffixWords<N> {
        let none = SuffixNode {
            c: 0,
            child: NO_NODE,
            sibling: NO_NODE,
            ends: Written {
                len: 0,
                street,
                rest: 0,
            },
        };
        let mut nodes = [none; SUFFIX_NODES];
        let mut roots = [NO_NODE; 64];
        let mut used = 0;
        let mut firsts = 0;
        let mut i = 0;
        while i < N {
            let b = words[i].as_bytes();
            assert!(
                !b.is_empty() && b.len().is_multiple_of(3),
                "suffix words are of 3-byte chars"
            );
            // Down the trie, adding the chars not there yet: the first in
            // its root chain, the others in their parent's children.
            let mut node = NO_NODE;
            let mut k = 0;
            while k < b.len() {
                let c = char3([b[k], b[k + 1], b[k + 2]]);
                let head = if k == 0 {
                    firsts |= 1 << first_slot(c);
                    &mut roots[first_slot(c)]
                } else {
                    &mut nodes[node as usize].child
                };
                let mut next = *head;
                let mut last = NO_NODE;
                while next != NO_NODE && nodes[next as usize].c != c {
                    last = next;
                    next = nodes[next as usize].sibling;
                }
                if next == NO_NODE {
                    assert!(
                        used < NO_NODE as usize,
                        "more suffix chars than a u8 indexes"
                    );
                    nodes[used].c = c;
                    next = used as u8;
                    used += 1;
                    // Appended to its chain: earlier words' chars come
                    // first.
                    if last == NO_NODE {
                        *head = next;
                    } else {
                        nodes[last as usize].sibling = next;
                    }
                }
                node = next;
                k += 3;
            }
            let mut rest = 0;
            let mut k = 0;
            while k < names.len() {
                if same(b, names[k].as_bytes()) {
                    rest = k as u8 + 1;
                }
                k += 1;
            }
            nodes[node as usize].ends = Written {
                len: b.len() as u8,
                street,
                rest,
            };
            i += 1;
        }
        SuffixWords {
            #[cfg(test)]
            words,
            nodes,
            roots,
            firsts,
        }
    }

    /// The longest of the words that `rest` starts with.
    #[inline(always)]
    fn at(&self, rest: &str) -> Option<Written> {
        let text = rest.as_bytes();
        let slot = first_slot(text.first_chunk::<3>().map_or(0, |b| char3(*b)));
        // Most text starts with no word: said here, where the call is.
        if self.firsts & (1 << slot) == 0 {
            return None;
        }
        self.walk(text, self.roots[slot])
    }

    /// `at` for a text whose first char may start a word, from the root
    /// chain of its hash.
    #[inline(never)]
    fn walk(&self, text: &[u8], mut next: u8) -> Option<Written> {
        let mut found = None;
        // The text's chars, three bytes each: a chunk that is not a whole
        // CJK char (after an ASCII one, say) equals no node's, and the walk
        // stops before chunks could fall out of step with chars.
        for b in text.as_chunks::<3>().0 {
            let c = char3(*b);
            while next != NO_NODE && self.nodes[usize::from(next)].c != c {
                next = self.nodes[usize::from(next)].sibling;
            }
            if next == NO_NODE {
                break;
            }
            let node = &self.nodes[usize::from(next)];
            if node.ends.len > 0 {
                found = Some(node.ends);
            }
            next = node.child;
        }
        found
    }
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
const STREET_TEXT_SUFFIXES: SuffixWords<{ STREET_SUFFIXES.len() }> =
    SuffixWords::new(STREET_SUFFIXES, &STREET_SUFFIXES, true);
/// What may follow a community core in text, longest first.
const COMMUNITY_TEXT_SUFFIXES: SuffixWords<{ COMMUNITY_SUFFIXES.len() }> =
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
        // 大街, 大道, 大厦, but not 山东|大官村.
        Some('大') => cs
            .next()
            .is_some_and(|c| matches!(c, '街' | '道' | '路' | '桥' | '厦' | '院' | '楼')),
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
fn continues_as_compound(rest: &str) -> bool {
    compound_at(rest).is_some()
}

/// The bytes of the compound's word `rest` starts with (小区, 花园 …).
fn compound_at(rest: &str) -> Option<usize> {
    COMPOUND_TEXT_WORDS.at(rest).map(|w| usize::from(w.len))
}

/// The compound words in a trie, read as suffix words are (trying the 36
/// in turn was most of the cost of a bare core's check).
const COMPOUND_TEXT_WORDS: SuffixWords<{ COMPOUND_WORDS.len() }> =
    SuffixWords::new(COMPOUND_WORDS, &[], false);

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

/// The core of `name`: every one of `suffixes` cut, repeatedly, longest
/// first, never below two chars (进化社区村民委员会 → 进化社区 → 进化,
/// 新村村委会 → 新村), so that every spelling of a place's suffix, stacked
/// or not, reads as one core. With it the `Term::rest` of what was cut:
/// the last suffix's index + 1, with `REST_STACKED` when more were cut.
/// A village of one char (尚村委会, 尚村民委员会) keeps its 村: 尚村 is what
/// is written, and what its neighbours (尚村社区居委会) are cored to.
fn core_of<'a>(name: &'a str, suffixes: &[&str]) -> (&'a str, u8) {
    let (mut core, mut rest) = (name, REST_NONE);
    loop {
        let cut = suffixes.iter().enumerate().find_map(|(i, s)| {
            let shorter = core.strip_suffix(s)?;
            match chars(shorter) {
                0 => None,
                // 尚村委会: the village is 尚村, and keeps its 村.
                1 => {
                    let s = s.strip_prefix('村').filter(|s| !s.is_empty())?;
                    Some((suffixes.iter().position(|x| *x == s), s.len()))
                }
                _ => Some((Some(i), s.len())),
            }
        });
        let Some((i, len)) = cut else { break };
        core = &core[..core.len() - len];
        rest = match (rest, i) {
            (REST_NONE, Some(i)) => i as u8 + 1,
            (REST_NONE | REST_NEVER, None) | (REST_NEVER, _) => REST_NEVER,
            // Stacked: the last suffix, and that more were cut.
            (outer, _) => outer | REST_STACKED,
        };
    }
    (core, rest)
}

/// The core people write for a street: 小寨路街道 → 小寨路, 菱塘回族乡 →
/// 菱塘.
pub fn street_core(name: &str) -> &str {
    street_core_of(name).0
}

/// A street's core and its `Term::rest` (a township's peoples cut too:
/// never its name exactly).
fn street_core_of(name: &str) -> (&str, u8) {
    let (core, rest) = core_of(name, &STREET_SUFFIXES);
    match without_peoples(core) {
        shorter if shorter.len() < core.len() => (shorter, REST_NEVER),
        _ => (core, rest),
    }
}

/// The core people write for a community or village, every suffix cut:
/// 兴善寺社区居委会 → 兴善寺, 龙窝村委会 → 龙窝, 西韦村村委会 → 西韦,
/// 进化社区村民委员会 → 进化.
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
/// Set in `Term::rest` (and `Written::rest`) when suffixes are stacked
/// (街道社区管理中心一|村|居委会): the last one and this are compared,
/// which is enough to say where a name starts (`Term::is_named_with`).
const REST_STACKED: u8 = 0x80;

/// The term a street or community is indexed by, and its core.
fn division_term(d: &Division<'static>, name: &'static str) -> (Cow<'static, str>, Term) {
    let street = d.level() == DivisionLevel::Street;
    let cut = |n: &str| {
        let (core, rest) = if street {
            street_core_of(n)
        } else {
            core_of(n, &COMMUNITY_SUFFIXES)
        };
        (core.len(), rest)
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
        flags: if street { TERM_STREET } else { 0 },
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

    /// Whether the char at byte `at` of the text is an ideograph that
    /// follows the one before it in the input with nothing between them:
    /// the word there goes on.
    fn runs_on(&self, at: usize) -> bool {
        let k = self.index_of(at);
        k > 0
            && self
                .chars
                .get(k)
                .is_some_and(|t| is_cjk(t.c) && self.chars[k - 1].input_end == t.input_at)
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
    if !chars.first().is_some_and(|t| {
        matches!(
            t.c,
            '现' | '家' | '居' | '住' | '地' | '位' | '户' | '联' | '收' | '通'
        )
    }) {
        return;
    }
    for lead in [
        "现住址",
        "家庭住址",
        "居住地址",
        "户籍地址",
        "联系地址",
        "收货地址",
        "通讯地址",
        "居住地",
        "户籍地",
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
        '街' | '地'
            | '办'
            | '镇'
            | '苏'
            | '乡'
            | '社'
            | '村'
            | '居'
            | '委'
            | '嘎'
            | '家'
            | '牧'
            | '渔'
    )
}

/// The street suffix `rest` starts with (街道, 镇 …), with the peoples of
/// an ethnic township before it (菱塘|回族乡, 三合|满族朝鲜族乡) and a
/// second suffix stacked on it (铁西|街道地区): a street's core is cut of
/// them all (`street_core`).
fn street_suffix_at(rest: &str) -> Option<Written> {
    let (peoples, first) = match STREET_TEXT_SUFFIXES.at(rest) {
        Some(first) => (0, first),
        None => {
            let peoples = peoples_len(rest);
            if peoples == 0 {
                return None;
            }
            (peoples, STREET_TEXT_SUFFIXES.at(&rest[peoples..])?)
        }
    };
    let after = &rest[peoples + usize::from(first.len)..];
    // Only a suffix no place's name starts with is stacked (镇|北村 is
    // a village of the town).
    let more = ["地区", "办事处"]
        .into_iter()
        .find(|w| has_prefix(after.as_bytes(), w.as_bytes()))
        .and_then(|w| STREET_TEXT_SUFFIXES.at(w));
    if peoples == 0 && more.is_none() {
        return Some(first);
    }
    Some(Written {
        len: (peoples + usize::from(first.len) + more.map_or(0, |m| usize::from(m.len))) as u8,
        street: true,
        rest: match more {
            // A township's peoples are never written exactly.
            _ if peoples > 0 => 0,
            Some(m) => m.rest | REST_STACKED,
            None => first.rest,
        },
    })
}

/// The community suffix `rest` starts with after `core`; after a village
/// of one char (尚村), also what is left of a suffix that holds its 村
/// (尚村|委会, 尚村|民委员会).
fn village_suffix_at(core: &str, rest: &str) -> Option<Written> {
    community_suffix_at(rest).or_else(|| {
        if !(core.len() == 6 && core.ends_with('村')) {
            return None;
        }
        let len = ["委会", "民委员会"]
            .into_iter()
            .find(|w| has_prefix(rest.as_bytes(), w.as_bytes()))?
            .len();
        Some(Written {
            len: len as u8,
            street: false,
            rest: 0,
        })
    })
}

/// Bytes of the peoples an ethnic township's name holds before its
/// suffix (回族, 满族朝鲜族, 民族) at the start of `rest`; 0 mostly.
fn peoples_len(rest: &str) -> usize {
    // Most text has no 族 among its next few chars (a people's name is one
    // to four): settled by comparing bytes, nothing decoded.
    let b = rest.as_bytes();
    if !(1..=4).any(|k| {
        b.get(3 * k) == Some(&0xE6)
            && b.get(3 * k + 1) == Some(&0x97)
            && b.get(3 * k + 2) == Some(&0x8F)
    }) {
        return 0;
    }
    let mut n = 0;
    // Up to each 族 a few chars on (most text has none): a people's name;
    // four at most (no township names more), so that a suffix's length
    // stays small.
    for _ in 0..4 {
        let Some(k) = rest[n..]
            .char_indices()
            .take(5)
            .find_map(|(k, c)| (c == '族').then_some(k))
            .filter(|&k| k > 0 && (&rest[n..n + k] == "民" || ETHNIC.contains(&&rest[n..n + k])))
        else {
            break;
        };
        n += k + '族'.len_utf8();
    }
    n
}

/// `core` without the peoples its end names (菱塘回族 → 菱塘,
/// 三合满族朝鲜族 → 三合), never below two chars.
fn without_peoples(mut core: &str) -> &str {
    while let Some(head) = core.strip_suffix('族')
        && let Some(shorter) = std::iter::once("民")
            .chain(ETHNIC)
            .filter_map(|e| head.strip_suffix(e))
            .filter(|h| chars(h) >= 2)
            .min_by_key(|h| h.len())
    {
        core = shorter;
    }
    core
}

/// Where, before char `k` of `chars`, the peoples of an ethnic township
/// start (三合|满族朝鲜族|乡), if `k` follows 族 that names one.
fn peoples_start(text: &[TextChar], k: usize) -> Option<usize> {
    let mut start = k;
    while start > 0 && text[start - 1].c == '族' {
        let before = &text[..start - 1];
        let Some(len) = std::iter::once("民").chain(ETHNIC).find_map(|e| {
            let n = chars(e);
            (n <= before.len() && before[before.len() - n..].iter().map(|t| t.c).eq(e.chars()))
                .then_some(n)
        }) else {
            break;
        };
        start -= len + 1;
    }
    (start < k).then_some(start)
}

/// The community suffix `rest` starts with (社区, 村委会 …), and those
/// stacked on it (冬奥村|社区居民委员会, 北邵村|社区|村民委员会): official
/// names stack them, and their cores are cut of all (`core_of`).
fn community_suffix_at(rest: &str) -> Option<Written> {
    let mut w = COMMUNITY_TEXT_SUFFIXES.at(rest)?;
    // No official name stacks more than three.
    for _ in 0..2 {
        let more = &rest[usize::from(w.len)..];
        let Some(next) = more
            .starts_with(starts_a_suffix)
            .then(|| COMMUNITY_TEXT_SUFFIXES.at(more))
            .flatten()
        else {
            break;
        };
        (w.len, w.rest) = (w.len + next.len, next.rest | REST_STACKED);
    }
    Some(w)
}

/// `hay.starts_with(needle)` for the short strings compared here: eight
/// bytes at a time, so that a compare takes one or two steps whose count
/// the branch predictor can guess (a byte loop's exit it cannot), and no
/// library call.
#[inline(always)]
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
    /// The text is the official name, suffix and all (兴善社区居委会): it
    /// says where a name that repeats its street's starts, and a bare
    /// name that is official (时村) is strong, but it tells no place from
    /// another of its core (`Resolver::best`).
    exact: bool,
    /// Part of a road's or a compound's name: never a pick, and no hit
    /// inside it is one (`Resolver::choose`).
    blocked: bool,
}

/// Set `blocked` on the hits that lie inside a longer word, so that no
/// place is claimed by a fit inside it: one inside a longer hit, of any
/// level (张府|社区王付廷 is 张府社区王付廷, 环翠区初村镇大学城社区 not
/// 初村镇, 南姜格庄 not 姜格庄街道); one without a suffix
/// inside a road's or compound's name (大山|洞64号); and one without a
/// suffix that starts in the middle of a word (通源|花园, 湖西小区|北门):
/// not where the text after the head starts (`from`), nor where another
/// hit ends, nor after a break in the input. Read from the national index
/// (`local` false), a name is not looked up unless a suffix follows it,
/// so what lies before a bare name at the end is unknown: such a name is
/// only not taken as certain (香山农场|六分场生活区).
fn screen(hits: &mut [Hit], normal: &Normal, from: usize, local: bool) {
    // Most texts have no two hits of different spans that overlap, no
    // road or compound, and their bare hits start where the text after the
    // head does or where a hit ends: each settled in one pass (hits come
    // in order of where they start, mostly; when not, all are checked).
    let (mut last_start, mut reach, mut widest) = (0, 0, (0, 0));
    let (mut overlap, mut blocked, mut bare) = (false, false, false);
    for h in hits.iter() {
        overlap |= h.start < last_start || (h.start < reach && (h.start, h.end) != widest);
        last_start = h.start;
        if h.end > reach {
            (reach, widest) = (h.end, (h.start, h.end));
        }
        blocked |= h.blocked;
        bare |= h.end == h.core_end && h.start != from;
    }
    if blocked {
        for i in 0..hits.len() {
            // A compound's word that starts a longer name is that name's
            // (考城|城南村: 城 is no compound's); a name that is no longer
            // than the word is the compound's (郝台头|花园 is no 花园村).
            let h = hits[i];
            if h.blocked
                && let Some(word) = compound_at(&normal.text[h.end..])
            {
                let end = h.end + word;
                if hits
                    .iter()
                    .any(|g| !g.blocked && g.start == h.end && g.end > end)
                {
                    hits[i].blocked = false;
                } else {
                    for g in hits.iter_mut() {
                        g.blocked |= g.start == h.end && g.end <= end;
                    }
                }
            }
        }
    }
    // Only hits that overlap can lie one inside another: without an
    // overlap this settles nothing, whatever is blocked.
    if overlap {
        // A longer hit that starts inside another written with its suffix,
        // or ends inside another, is another reading of the text, not a
        // word holding what it covers (兴源镇|北村村委会 against
        // 兴源|镇北村村委会, 金胜|一电 against 金胜一|电).
        let overlaps = |hits: &[Hit], b: &Hit| {
            hits.iter().any(|g| {
                !g.blocked
                    && ((g.strong && g.start < b.start && b.start < g.end)
                        || (b.start < g.start && g.start < b.end && b.end < g.end))
            })
        };
        for i in 0..hits.len() {
            let h = hits[i];
            // Blocked already: nothing to learn.
            if h.blocked {
                continue;
            }
            let inside = hits.iter().any(|b| {
                b.start <= h.start
                    && h.end <= b.end
                    && h.end - h.start < b.end - b.start
                    && (!b.blocked || !h.strong)
                    && !overlaps(hits, b)
            });
            hits[i].blocked = inside;
        }
    }
    // The last pass is for bare hits away from `from` only.
    if !bare {
        return;
    }
    for i in 0..hits.len() {
        let h = hits[i];
        if h.end == h.core_end
            && h.start != from
            && !h.blocked
            && normal.runs_on(h.start)
            && !hits.iter().any(|g| g.end == h.start)
        {
            if local && !h.strong {
                hits[i].blocked = true;
            } else if !local {
                hits[i].strong = false;
            }
        }
    }
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
    /// The candidates whose street is written before them.
    written: Vec<DivisionId>,
    /// What was known before the last name of the head.
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
    /// The last name read (what was known before it is
    /// `Scratch::prev_hyp`).
    last: Option<LastName>,
}

/// The last province, city or district name of a head, which the text
/// after it may show to lie inside a longer word.
#[derive(Clone, Copy)]
struct LastName {
    /// Where the word holding it began (the end of the name before it).
    word: usize,
    start: usize,
    end: usize,
    /// Written in full, not a short form. With a name right before a
    /// suffix (古县|镇) it makes a weak reading that the word it starts may
    /// overrule (`LastName::weak`).
    strong: bool,
    /// What was known before it.
    prev_level: Option<DivisionLevel>,
}

impl LastName {
    /// A short form, or a name right before a street's or community's
    /// suffix, which may be that place's name (古县|镇, 东城区|居委会): a
    /// reading the word it starts may overrule. Asked only of the last
    /// name, and only when the text below it leaves a doubt (reading the
    /// suffixes after every name read was a twentieth of a resolution).
    fn weak(&self, text: &str) -> bool {
        let rest = &text[self.end..];
        !self.strong || street_suffix_at(rest).is_some() || community_suffix_at(rest).is_some()
    }
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
    /// Where the first name it used (its street's, or its own) starts.
    from: usize,
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
        // The last name taken, with what was known before it in
        // `prev_hyp` (饶阳|店镇: a short form may be the start of a
        // street's name; 江林|新城北社区: it may lie inside a community's
        // name, and a fit inside a longer word is no fit).
        let mut last: Option<LastName> = None;
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
            // A short form before a road or town word is a road's or town's
            // name, unless another name starts there: a top name
            // (普洱|镇沅县) or a street's or community's of the district it
            // names (内乡|大桥乡).
            if weak_only
                && continues_as_road(&text[end..])
                && chars.get(j).is_none_or(|t| {
                    let c2 = chars.get(j + 1).map(|t| t.c);
                    self.top.longest_at(text, end, t.c, c2).is_none()
                        && !aliases.iter().any(|a| {
                            a.level == DivisionLevel::District
                                && self.core_starts(a.place.id, &text[end..])
                        })
                })
            {
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
            last = Some(LastName {
                word: pos,
                start,
                end,
                strong,
                prev_level: hyp_level,
            });
            // What was known before: kept by a swap, not a copy.
            std::mem::swap(hyp, &mut s.prev_hyp);
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
            last,
        })
    }

    /// Whether a street or community core of `district` starts `rest`.
    fn core_starts(&self, district: DivisionId, rest: &str) -> bool {
        let mut cs = rest.chars();
        let (Some(c1), Some(c2)) = (cs.next(), cs.next()) else {
            return false;
        };
        self.local
            .get(local_key(district, c1, c2))
            .iter()
            .any(|(_, core)| {
                rest.as_bytes()
                    .starts_with(&self.pool.as_bytes()[core.start()..core.start() + core.len()])
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
        found_local: &[Found],
        national: (&[Found], &[Spot]),
        near: Option<Place>,
    ) -> Resolution {
        let Head {
            mut hyp_level,
            pos,
            mut strong_all,
            last,
        } = head;
        let spans = &mut s.spans;
        let normal = &s.normal;
        let text = normal.text.as_str();
        let hyp = &mut s.hyp;
        let hits = &mut s.hits;
        hits.clear();
        if hyp_level == Some(DivisionLevel::District) {
            for &(tag, a, b) in found_local {
                let (_, at) = untag(tag);
                for (_, core) in &self.local.entries[a as usize..b as usize] {
                    self.local_hit(text, at, core, hits);
                }
            }
        } else {
            let (found, spots) = national;
            self.national_hits(text, found, spots, hyp, hits);
        }
        let local = hyp_level == Some(DivisionLevel::District);
        self.choose(hits, normal, pos, local, &mut s.choice);
        let mut below = &s.choice;
        if let Some(name) = last
            && (below.ids.is_empty()
                || name.word < name.start
                || (below.from > name.end && name.weak(text)))
        {
            let weak = name.weak(text);
            // Nothing below the last name, or it may lie inside a longer
            // word: a short form after unread text (小|雁塔社区,
            // 紫郡|长安社区) or before it (雷州|林业局机关社区). Read the word
            // as a street or community name instead, if that finds one
            // written with its suffix: when something was found below, or
            // the name was written whole (环翠区初村镇大学城社区), one that
            // holds the name (the longer word is the name).
            let from = if weak { name.word } else { name.start };
            let l = &mut s.national;
            l.clear();
            self.national_probes(normal, from, s.prev_hyp.is_empty(), 0, l);
            // A name that is not weak gives way only to a reading that
            // holds it, which starts where it does (the lookups start
            // there): with no lookup from there, none can, and the rest of
            // the retry (its lookups, hits and choice) is skipped.
            let dropped = if weak || l.spots.iter().any(|&(_, start, _)| start == name.start) {
                self.national_get(l);
                self.national_hits(text, &l.found, &l.spots, &s.prev_hyp, hits);
                self.choose(hits, normal, from, false, &mut s.retry);
                let holds_it = s.retry.at.start <= name.start && s.retry.at.end > name.end;
                let found = !s.retry.ids.is_empty() && s.retry.strong;
                if found && (holds_it || (weak && below.ids.is_empty())) {
                    below = &s.retry;
                    true
                } else if weak
                    && below.ids.is_empty()
                    && s.retry.at.start <= name.start
                    && s.retry.at.end >= name.end
                    && s.retry.at.end - s.retry.at.start > name.end - name.start
                    && !s.retry.ids.is_empty()
                {
                    // A short form inside a longer name known there, even
                    // one written bare (喀什地区|吐孜鲁克喀什: two villages,
                    // not 喀什市): the longer word is the name, a weak
                    // reading, and a fit inside it is no fit.
                    below = &s.retry;
                    true
                } else {
                    // A short form that finds nothing below and runs on
                    // into more of a word (东方|红农场生活区, 向阳|一队) is
                    // no fit.
                    weak && below.ids.is_empty() && normal.runs_on(name.end)
                }
            } else {
                false
            };
            if dropped {
                spans.pop();
                std::mem::swap(hyp, &mut s.prev_hyp);
                hyp_level = name.prev_level;
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
        if !local
            && candidates.len() > 1
            && below.level == Some(DivisionLevel::Community)
            // Only what was read after the head: 长沙市|东门 is not 沙市镇's.
            && self.street_written(
                candidates,
                &text[pos.min(below.at.start)..below.at.start],
                &mut s.written,
            )
        {
            candidates = &s.written;
        }
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
            village_suffix_at(name, rest)
        };
        let exact = t.is_named_with(suffix);
        // A bare core followed by 路, 街 … is part of a road name; by 小区,
        // 花园 … part of a compound's: no place, and no shorter core inside
        // it is one either (大山|洞64号 is not 大山).
        let blocked = suffix.is_none()
            && !exact
            && (bare_is_road(name, rest, !t.street()) || continues_as_compound(rest));
        hits.push(Hit {
            place: self.place_of(t),
            level: t.level(),
            start,
            core_end: end,
            end: end + suffix.map_or(0, |w| usize::from(w.len)),
            strong: suffix.is_some() || exact,
            exact,
            blocked,
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
            // The cores of two chars or more, up to `longest`, that end
            // before char `k`.
            let mut probe = |k: usize, longest: usize| {
                let at = chars.get(k).map_or(text.len(), |t| t.at());
                let mut h = 0;
                for (len, t) in chars[..k].iter().rev().take(longest).enumerate() {
                    h = core_hash_step(h, t.c);
                    if len >= 1 && self.national.runs.may_hold(mix(h)) {
                        l.probes.push((mix(h), l.spots.len() as u64));
                        l.spots.push((slot, t.at(), at));
                    }
                }
            };
            probe(k, self.longest_core);
            // A village of one char (尚村|委会) ends inside the suffix.
            if c == Some('村')
                && k >= 1
                && chars.get(k + 1).is_some_and(|t| matches!(t.c, '委' | '民'))
            {
                probe(k + 1, 2);
            }
            // An ethnic township's core ends before its peoples.
            if let Some(start) =
                peoples_start(chars, k).filter(|_| suffix.is_some_and(|w| w.street))
            {
                probe(start, self.longest_core);
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
            let community = village_suffix_at(&text[start..at], &text[at..]);
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
                        blocked: false,
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
    /// then longer; of those, the ones starting first.
    fn best(
        &self,
        hits: &[Hit],
        level: DivisionLevel,
        within: &[Hit],
        after: Option<Hit>,
        out: &mut Vec<Hit>,
    ) {
        out.clear();
        // Neither the official spelling of the suffix written (龙窝村
        // against 龙窝村委会) nor the kind of place it says (龙窝村 against
        // 龙窝社区, 开平镇 against 开平街道) decides anything: a written name
        // fits every division whose name reads the same once its suffix is
        // dropped or lengthened, and where several fit the answer is what
        // they share. Hits of one core written one way rank the same.
        let rank = |h: &Hit| (h.strong, h.end - h.start);
        let follows = |h: &Hit| match after {
            None => true,
            Some(s) => {
                h.start >= s.end
                    // A name that holds its street's, suffix and all
                    // (店塔镇|石拉沟社区), not one that shares its core
                    // (小璜|居委会 in 小璜镇, 金胜|一社区 in 金胜镇).
                    || (h.start == s.start && h.core_end > s.end && s.end > s.core_end)
                    // An official name that starts in what was read as
                    // the street's suffix (临海农场|镇北居委会).
                    || (h.start >= s.core_end && h.exact)
            }
        };
        let mut top = None;
        for h in hits {
            if h.blocked
                || !follows(h)
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
    fn choose(&self, hits: &mut [Hit], normal: &Normal, from: usize, local: bool, c: &mut Choice) {
        c.ids.clear();
        c.spans = [None, None];
        c.strong = true;
        c.level = None;
        if hits.is_empty() {
            return;
        }
        screen(hits, normal, from, local);
        if hits
            .iter()
            .any(|h| h.exact && h.strong && h.end == h.core_end)
        {
            // A bare name that is one division's official name (时村) is
            // as strong a reading of every other division of its core
            // written there (时村社区): it must not win by its spelling.
            for i in 0..hits.len() {
                let h = hits[i];
                if h.exact && h.strong && h.end == h.core_end {
                    for g in hits.iter_mut() {
                        g.strong |= (g.start, g.end, g.level) == (h.start, h.end, h.level);
                    }
                }
            }
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
                    && !h.blocked
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
        // A community written after the street but not in it: the text
        // goes on to name a place elsewhere. It is that place if its own
        // street is what is written before it (侏儒山街道|洪北片区 is a street
        // of its own, holding 汉南原种场生活区); else the street is not
        // certain.
        let mut doubt = false;
        if c.communities.is_empty()
            && let Some(street) = c.streets.first().copied()
            && c.anywhere.iter().any(|h| h.start >= street.end)
        {
            let before = |h: &Hit| {
                self.div(h.place.id).parent().is_some_and(|p| {
                    let name = p.name();
                    name.chars().all(is_cjk)
                        && normal.text[from.min(h.start)..h.start].ends_with(street_core(name))
                })
            };
            c.others.clear();
            c.others.extend(
                c.anywhere
                    .iter()
                    .filter(|h| h.start >= street.end && before(h)),
            );
            if c.others.is_empty() {
                doubt = true;
            } else {
                c.streets.clear();
                std::mem::swap(&mut c.communities, &mut c.others);
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
            c.from = match c.spans[0] {
                Some(_) => c.streets[0].start.min(h.start),
                None => h.start,
            };
            c.strong = h.strong && !doubt;
            c.spans[1] = Some(Span {
                level: h.level,
                range: normal.input_range(h.start, h.end),
            });
        }
        c.ids.extend(pick.iter().map(|h| h.place.id));
        if c.communities.is_empty()
            && let Some(s) = pick.first()
        {
            // A street picked where communities are written the same way
            // (营盘 bare is 营盘镇 and five 营盘 villages; 洼里王 the town
            // and its village): the text fits them all, and the answer is
            // what they share.
            let before = c.ids.len();
            c.ids.extend(
                hits.iter()
                    .filter(|h| {
                        h.level == DivisionLevel::Community
                            && !h.blocked
                            && (h.start, h.end, h.strong) == (s.start, s.end, s.strong)
                    })
                    .map(|h| h.place.id),
            );
            if c.ids.len() > before {
                c.level = None;
            }
        }
        c.ids.sort_unstable();
        c.ids.dedup();
    }

    /// The communities of `candidates` whose street's core `before` ends
    /// with into `out`, if that is fewer than all but none: read from the
    /// national index, a street written bare before its community
    /// (衡阳|三湖|新丰村) was not looked up, but tells the ones it holds.
    /// Candidates are rarely several, so the tree is read here.
    fn street_written(
        &self,
        candidates: &[DivisionId],
        before: &str,
        out: &mut Vec<DivisionId>,
    ) -> bool {
        out.clear();
        out.extend(candidates.iter().copied().filter(|&c| {
            self.div(c).parent().is_some_and(|street| {
                let name = street.name();
                // A name with a note is left alone: its core would be made
                // anew, and this path allocates nothing.
                name.chars().all(is_cjk) && before.ends_with(street_core(name))
            })
        }));
        !out.is_empty() && out.len() < candidates.len()
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
        // One address needs no count of the cores, which reads the cgroup
        // files (a tenth of a public help request's time when measured).
        let threads = match inputs.len() {
            0 | 1 => 1,
            n => std::thread::available_parallelism().map_or(1, |c| c.get().min(n)),
        };
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
    fn a_short_form_inside_a_longer_name_written_bare_is_no_fit() {
        let tree = Tree::china();
        let r = Resolver::china();
        let code_of = |text: &str| r.resolve(text).division.map(|d| tree.division(d).code());
        // 吐孜鲁克喀什村委会 is a village in two counties of 喀什地区: written
        // bare, its 喀什 is not 喀什市; the answer is what the two share.
        for text in [
            "新疆维吾尔自治区喀什地区吐孜鲁克喀什",
            "喀什地区吐孜鲁克喀什",
            "喀什地区吐孜鲁克喀什村",
        ] {
            assert_eq!(code_of(text).as_deref(), Some("6531"), "{text}");
        }
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

    /// The trie reads what trying the words in turn, longest first, read.
    #[test]
    fn suffix_trie_finds_the_first_listed_word() {
        fn check<const N: usize>(words: &SuffixWords<N>) {
            let tails = ["", "3号", "东", "居", "委员", "社区", "村委会", "镇人民"];
            for w in words.words.iter().chain(&tails) {
                for tail in words.words.iter().chain(&tails) {
                    let text = format!("{w}{tail}");
                    let first = words.words.iter().find(|x| text.starts_with(**x));
                    assert_eq!(
                        words.at(&text).map(|w| usize::from(w.len)),
                        first.map(|x| x.len()),
                        "{text}"
                    );
                }
            }
        }
        check(&STREET_TEXT_SUFFIXES);
        check(&COMMUNITY_TEXT_SUFFIXES);
        check(&COMPOUND_TEXT_WORDS);
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
            // (Which kind of place a word says, village or community, is
            // no longer read, nor checked here: a suffix tells no two
            // places apart.)
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
        // Stacked suffixes and a township's peoples are read whole; what
        // is stacked tells its last suffix, peoples nothing.
        let index = |list: &[&str], s: &str| list.iter().position(|x| *x == s).unwrap() as u8 + 1;
        for (text, len, rest) in [
            (
                "社区村民委员会",
                21,
                index(&COMMUNITY_SUFFIXES, "村民委员会") | REST_STACKED,
            ),
            (
                "村社区居委会",
                18,
                index(&COMMUNITY_SUFFIXES, "社区居委会") | REST_STACKED,
            ),
            (
                "街道地区",
                12,
                index(&STREET_SUFFIXES, "地区") | REST_STACKED,
            ),
            ("回族乡", 9, 0),
            ("满族朝鲜族乡", 18, 0),
        ] {
            let w = street_suffix_at(text).or(community_suffix_at(text));
            assert_eq!(
                w.map(|w| (usize::from(w.len), w.rest)),
                Some((len, rest)),
                "{text}"
            );
        }
        // 镇 after a town is the start of its village's name (镇|北村).
        assert_eq!(street_suffix_at("镇镇北村").map(|w| w.len), Some(3));
    }

    #[test]
    fn cores_are_cut_of_every_suffix() {
        // Stacked suffixes are all cut, never below two chars.
        assert_eq!(community_core("进化社区村民委员会"), "进化");
        assert_eq!(community_core("冬奥村社区居民委员会"), "冬奥");
        assert_eq!(community_core("新村村委会"), "新村");
        assert_eq!(community_core("新村社区"), "新村");
        // Misspelt suffixes of official names too.
        assert_eq!(community_core("袁寨社区居民居委会"), "袁寨");
        assert_eq!(community_core("卜尔汉图嘎查"), "卜尔汉图");
        // A village of one char keeps its 村.
        assert_eq!(community_core("尚村委会"), "尚村");
        assert_eq!(community_core("马村民委员会"), "马村");
        assert_eq!(community_core("树村村委会"), "树村");
        // A township's peoples are cut as a suffix is.
        assert_eq!(street_core("菱塘回族乡"), "菱塘");
        assert_eq!(street_core("三合满族朝鲜族乡"), "三合");
        assert_eq!(street_core("铁西街道地区"), "铁西");
        // What is cut: the last suffix, and whether more were.
        assert_eq!(core_of("龙窝村委会", &COMMUNITY_SUFFIXES).1, {
            COMMUNITY_SUFFIXES
                .iter()
                .position(|s| *s == "村委会")
                .unwrap() as u8
                + 1
        });
        assert_eq!(
            core_of("进化社区村民委员会", &COMMUNITY_SUFFIXES).1,
            (COMMUNITY_SUFFIXES
                .iter()
                .position(|s| *s == "村民委员会")
                .unwrap() as u8
                + 1)
                | REST_STACKED
        );
        assert_eq!(
            core_of("尚村委会", &COMMUNITY_SUFFIXES),
            ("尚村", REST_NEVER)
        );
        assert_eq!(core_of("时村", &COMMUNITY_SUFFIXES), ("时村", REST_NONE));
    }

    #[test]
    fn a_suffix_never_tells_places_apart() {
        let tree = Tree::china();
        let r = Resolver::china();
        let id = |code: &str| tree.find(code).expect(code).id();
        let code_of = |res: &Resolution| res.division.map(|d| tree.division(d).code());
        // 龙窝村 fits every village and community of core 龙窝 (two are
        // spelt 龙窝村): alone it is none of them; read in Xi'an it is
        // 鄠邑区's 龙窝村委会, flagged.
        let alone = r.resolve("龙窝村");
        assert_eq!(alone.division, None);
        let near = r.near(id("6101")).resolve("龙窝村");
        assert_eq!(code_of(&near).as_deref(), Some("610118011226"));
        assert!(near.by_jurisdiction && near.confidence < 0.9);
        // 长安区 spells its 高庙村 so, but 未央区 and 周至县 have a
        // 高庙村委会: the text names Xi'an only.
        assert_eq!(code("西安市高庙村"), "6101");
        // 开平区 has a 开平镇 and a 开平街道: the district only.
        let res = r.resolve("唐山市开平区开平镇");
        assert_eq!(code_of(&res).as_deref(), Some("130205"));
        assert!(res.confidence < 0.9);
        // A town's short form and its villages' (尚村社区居委会, 尚村委会).
        assert_eq!(code("周至县尚村镇尚村"), "610124106");
        // A core shared by one spelling and another: 小璜居委会 and
        // 小璜村委会 in 小璜镇.
        assert_eq!(code("抚州市东乡区小璜居委会"), "361003101");
    }

    #[test]
    fn a_fit_inside_a_longer_word_is_no_fit() {
        // 雷州 inside 雷州林业局机关社区, a community of 遂溪县.
        assert_eq!(code("广东雷州林业局机关社区"), "440823107400");
        // 东方 (东方市) inside 东方红农场生活区, which names nothing alone.
        assert_eq!(code("东方红农场生活区"), "");
        // 花园 is a compound's word here, not 花园村委会.
        assert_eq!(code("婺源县通源花园"), "361130");
        // 大山 inside 大山洞 (a street and a community: the district).
        assert_eq!(code("贵阳市白云区大山洞64号"), "520113");
        // The longer name holds the shorter: 张府社区王付廷 is one village.
        assert_eq!(code("德州平原王凤楼张府社区王付廷"), "371426101306");
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
