//! `liandong divisions resolve`: addresses in, jurisdictions out, as CSV.
//! Reading and writing files lives here; the matching is the divisions
//! crate's `Resolver`.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use anyhow::{Context, bail};
use divisions::{DivisionId, Resolution, Resolver, Tree};

use crate::tables;

/// Result columns appended after the input.
const RESULT_COLUMNS: [&str; 9] = [
    "code",
    "level",
    "province",
    "city",
    "district",
    "street",
    "community",
    "confidence",
    "by_jurisdiction",
];
/// Addresses resolved per batch (each batch on all cores): small enough
/// that a batch's results fit where the last batch's were freed (at 65,536
/// each batch's 9 MB came fresh from the system, zeroed page by page: a
/// sixth of the command's time).
const BATCH: usize = 4096;

/// A CSV field into `out`, quoted when it must be (as the csv crate's
/// writer does); `guard`: a leading = + - @ is kept from running as a
/// spreadsheet formula (see `tables::cell`).
fn write_field(out: &mut Vec<u8>, field: &str, guard: bool) {
    let formula = guard && field.starts_with(['=', '+', '-', '@']);
    if field
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push(b'"');
        if formula {
            out.push(b'\'');
        }
        for b in field.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        if formula {
            out.push(b'\'');
        }
        out.extend_from_slice(field.as_bytes());
    }
}

/// A division's columns (code, level, the five names) as CSV, made once a
/// division: a list names the same few thousand places over and over.
struct Rendered<'t> {
    tree: &'t Tree,
    cells: Vec<Option<Box<[u8]>>>,
}

impl<'t> Rendered<'t> {
    fn new(tree: &'t Tree) -> Rendered<'t> {
        Rendered {
            tree,
            cells: vec![None; tree.len()],
        }
    }

    fn of(&mut self, id: DivisionId) -> &[u8] {
        let tree = self.tree;
        self.cells[id.index()].get_or_insert_with(|| {
            let mut out = Vec::with_capacity(96);
            let d = tree.division(id);
            d.write_code(&mut out);
            out.push(b',');
            out.extend_from_slice(d.level().as_str().as_bytes());
            let mut names = [""; 5];
            let mut at = Some(d);
            while let Some(p) = at {
                names[p.level() as usize - 1] = p.name();
                at = p.parent();
            }
            for n in names {
                out.push(b',');
                write_field(&mut out, n, false);
            }
            out.into_boxed_slice()
        })
    }
}

/// The result columns of one row, written straight into `out` with a
/// comma before each: no string per cell, which at a million rows was
/// most of the command's time.
fn write_result(out: &mut Vec<u8>, rendered: &mut Rendered, r: &Resolution) {
    out.push(b',');
    match r.division {
        Some(id) => out.extend_from_slice(rendered.of(id)),
        None => out.extend_from_slice(b",none,,,,,"),
    }
    // Two decimals, as `{:.2}` writes them (confidences are in 0..=1).
    let hundredths = (r.confidence.clamp(0.0, 1.0) * 100.0).round() as u32;
    out.extend_from_slice(&[
        b',',
        b'0' + (hundredths / 100) as u8,
        b'.',
        b'0' + (hundredths / 10 % 10) as u8,
        b'0' + (hundredths % 10) as u8,
        b',',
    ]);
    if r.by_jurisdiction {
        out.extend_from_slice(b"yes");
    }
}

fn progress(total: usize) -> indicatif::ProgressBar {
    if total < 10_000 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} addresses · {per_sec} · eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Resolve `values` in order, in batches, as read near `near` if given,
/// calling `emit` per result.
fn resolve_all<S: AsRef<str> + Sync>(
    values: &[S],
    near: Option<DivisionId>,
    mut emit: impl FnMut(usize, &Resolution) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let resolver = Resolver::china();
    let bar = progress(values.len());
    for (n, chunk) in values.chunks(BATCH).enumerate() {
        let resolved = resolver.near(near).resolve_batch(chunk);
        for (i, r) in resolved.iter().enumerate() {
            emit(n * BATCH + i, r)?;
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    Ok(())
}

/// One address per line (stdin when no file); CSV to stdout.
pub fn run(file: Option<&Path>, column: Option<&str>, near: Option<&str>) -> anyhow::Result<()> {
    let tree = Tree::china();
    let near = match near {
        Some(code) => match tree.find(code.trim()) {
            Some(d) => Some(d.id()),
            None => bail!("--near {code}: no division has this code"),
        },
        None => None,
    };
    // The matcher is built while the input is read.
    let warm = std::thread::spawn(Resolver::china);
    let mut stdout = std::io::stdout().lock();
    let mut out: Vec<u8> = Vec::with_capacity(OUT_FLUSH + (1 << 16));
    let mut rendered = Rendered::new(tree);
    let header = |out: &mut Vec<u8>, first: &mut dyn Iterator<Item = &str>| {
        for (i, h) in first.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_field(out, h, true);
        }
        for c in RESULT_COLUMNS {
            out.push(b',');
            out.extend_from_slice(c.as_bytes());
        }
        out.push(b'\n');
    };
    match column {
        None => {
            let source = file.map_or("standard input".to_owned(), |p| p.display().to_string());
            let input: Box<dyn Read> = match file {
                Some(p) => Box::new(
                    std::fs::File::open(p)
                        .with_context(|| format!("cannot read {}", p.display()))?,
                ),
                None => Box::new(std::io::stdin()),
            };
            header(&mut out, &mut std::iter::once("address"));
            let _ = warm.join();
            let mut lines = Lines::new(input);
            while let Some(chunk) = lines.next_chunk().map_err(|e| match e {
                LineError::Io(e) => anyhow::Error::from(e).context(format!("reading {source}")),
                LineError::TooLong(line) => anyhow::anyhow!(
                    "{source}: line {line} is longer than {} MB: not an address",
                    LONGEST_LINE >> 20
                ),
                LineError::Encoding(line) => {
                    anyhow::anyhow!("{source}: line {line} is neither UTF-8 nor GB18030")
                }
            })? {
                resolve_all(&chunk, near, |i, r| {
                    write_field(&mut out, chunk[i], true);
                    write_result(&mut out, &mut rendered, r);
                    out.push(b'\n');
                    flush_some(&mut stdout, &mut out)
                })?;
            }
        }
        Some(name) => {
            let Some(path) = file else {
                bail!("--column needs a CSV or xlsx file")
            };
            let (headers, rows) = read_table(path)?;
            let Some(col) = headers.iter().position(|h| h.trim() == name) else {
                bail!(
                    "no column {name:?} in {}; columns: {}",
                    path.display(),
                    headers.join(", ")
                );
            };
            let values: Vec<String> = rows
                .iter()
                .map(|r| r.get(col).cloned().unwrap_or_default())
                .collect();
            header(&mut out, &mut headers.iter().map(String::as_str));
            let _ = warm.join();
            resolve_all(&values, near, |i, r| {
                for (k, c) in rows[i].iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    write_field(&mut out, c, true);
                }
                write_result(&mut out, &mut rendered, r);
                out.push(b'\n');
                flush_some(&mut stdout, &mut out)
            })?;
        }
    }
    stdout.write_all(&out)?;
    stdout.flush()?;
    Ok(())
}

/// Output is written once it holds this much (one big write, not one a
/// row), below the buffer's capacity so that it never grows.
const OUT_FLUSH: usize = 1 << 22;

/// Write `out` once it holds `OUT_FLUSH` bytes.
fn flush_some(w: &mut impl Write, out: &mut Vec<u8>) -> anyhow::Result<()> {
    if out.len() >= OUT_FLUSH {
        w.write_all(out)?;
        out.clear();
    }
    Ok(())
}

/// Bytes read at a time from a list of addresses.
const READ_CHUNK: usize = 1 << 22;

/// Why lines could not be read.
enum LineError {
    Io(std::io::Error),
    /// The 1-based line holding bytes valid in neither encoding.
    Encoding(usize),
    /// The 1-based line longer than `LONGEST_LINE`.
    TooLong(usize),
}

/// The longest line read: a line has one address, and a file without line
/// ends (or a stream that never sends one) must not be held whole.
const LONGEST_LINE: usize = 1 << 24;

/// The lines of a list read a few MB at a time, decoded as
/// `tables::decode` decodes a whole file (UTF-8, a BOM dropped, else
/// GB18030; a bad line named), so a million-line list is never held
/// whole: reading it into one buffer, copying it into a string and
/// listing its lines had the system zero a few hundred MB of fresh pages,
/// a fifth of the command's time.
struct Lines {
    input: Box<dyn Read>,
    buf: Vec<u8>,
    /// Bytes of `buf` carried over to the next call (a line not yet ended).
    carry: std::ops::Range<usize>,
    /// Lines handed out so far, to number a bad one.
    line: usize,
    /// Whether anything but ASCII was read as UTF-8 (then a bad byte is
    /// broken UTF-8, not GB18030).
    non_ascii: bool,
    gb18030: bool,
    /// GB18030 decoded (UTF-8 is handed out in place).
    decoded: String,
    start: bool,
    done: bool,
}

impl Lines {
    fn new(input: Box<dyn Read>) -> Lines {
        Lines::reading(input, READ_CHUNK)
    }

    /// `chunk` bytes at a time at first (tests read a few).
    fn reading(input: Box<dyn Read>, chunk: usize) -> Lines {
        Lines {
            input,
            buf: vec![0; chunk.max(1)],
            carry: 0..0,
            line: 0,
            non_ascii: false,
            gb18030: false,
            decoded: String::new(),
            start: true,
            done: false,
        }
    }

    /// The next whole lines (without their line ends), or `None` at the end.
    fn next_chunk(&mut self) -> Result<Option<Vec<&str>>, LineError> {
        if self.done {
            return Ok(None);
        }
        // What was carried over goes to the front, then the rest is filled
        // until it holds a line end (a line longer than the buffer grows it).
        let mut filled = self.carry.len();
        self.buf.copy_within(self.carry.clone(), 0);
        loop {
            while filled < self.buf.len() && !self.done {
                match self.input.read(&mut self.buf[filled..]) {
                    Ok(0) => self.done = true,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(LineError::Io(e)),
                }
            }
            if self.done || self.buf[..filled].contains(&b'\n') {
                break;
            }
            if filled >= LONGEST_LINE {
                return Err(LineError::TooLong(self.line + 1));
            }
            self.buf.resize((self.buf.len() * 2).min(LONGEST_LINE), 0);
        }
        let mut begin = 0;
        if std::mem::take(&mut self.start) && self.buf[..filled].starts_with(b"\xEF\xBB\xBF") {
            begin = 3;
        }
        // Whole lines end at the last line end; at the end of the input,
        // the rest is the last line.
        let end = if self.done {
            filled
        } else {
            self.buf[..filled]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(filled, |i| i + 1)
        };
        self.carry = end..filled;
        let first_line = self.line;
        let text = &self.buf[begin..end];
        self.line += text.iter().filter(|b| **b == b'\n').count();
        let utf8 = if self.gb18030 {
            None
        } else {
            match std::str::from_utf8(text) {
                Ok(t) => {
                    self.non_ascii |= !t.is_ascii();
                    Some(t)
                }
                Err(e) => {
                    let at = e.valid_up_to();
                    if self.non_ascii || !text[..at].is_ascii() {
                        let line =
                            first_line + 1 + text[..at].iter().filter(|b| **b == b'\n').count();
                        return Err(LineError::Encoding(line));
                    }
                    // All ASCII so far, which GB18030 reads the same: the
                    // rest is GB18030.
                    self.gb18030 = true;
                    None
                }
            }
        };
        let lines = match utf8 {
            Some(t) => split_lines(t),
            None => {
                self.decoded.clear();
                for (i, line) in text.split_inclusive(|b| *b == b'\n').enumerate() {
                    match encoding_rs::GB18030
                        .decode_without_bom_handling_and_without_replacement(line)
                    {
                        Some(t) => self.decoded.push_str(&t),
                        None => return Err(LineError::Encoding(first_line + i + 1)),
                    }
                }
                split_lines(&self.decoded)
            }
        };
        Ok((!lines.is_empty() || !self.done).then_some(lines))
    }
}

fn split_lines(text: &str) -> Vec<&str> {
    text.lines().map(|l| l.trim_end_matches('\r')).collect()
}

/// The header row and data rows of the CSV or spreadsheet at `path`.
fn read_table(path: &Path) -> anyhow::Result<(Vec<String>, Vec<Vec<String>>)> {
    // A zip bomb would expand in memory: refuse files past a sane size.
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > 200 * 1024 * 1024 {
        bail!("{} is larger than 200 MB", path.display());
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    tables::read_table(&path.display().to_string(), bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of `bytes` read `chunk` bytes at a time, or the error.
    fn all(bytes: &[u8], chunk: usize) -> Result<Vec<String>, usize> {
        let mut lines = Lines::reading(Box::new(std::io::Cursor::new(bytes.to_vec())), chunk);
        let mut out = Vec::new();
        loop {
            match lines.next_chunk() {
                Ok(Some(c)) => out.extend(c.iter().map(|l| l.to_string())),
                Ok(None) => return Ok(out),
                Err(LineError::Encoding(line)) => return Err(line),
                Err(LineError::TooLong(line)) => return Err(1000 + line),
                Err(LineError::Io(e)) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn lines_read_in_chunks_are_the_lines_of_the_whole() {
        let text = "\u{feff}鄠邑区龙窝村\r\n\n长安区西韦村 12号\nxyz\r\n户县龙窝村";
        let whole: Vec<String> = tables::decode(text.as_bytes())
            .unwrap()
            .lines()
            .map(|l| l.trim_end_matches('\r').to_owned())
            .collect();
        // Chunks shorter than a line make the buffer grow.
        for chunk in [1, 2, 3, 5, 7, 16, 64, 1 << 20] {
            assert_eq!(all(text.as_bytes(), chunk).unwrap(), whole, "chunk {chunk}");
        }
        assert_eq!(all(b"", 4).unwrap(), Vec::<String>::new());
        // A line past the longest is refused by its number, read or not.
        let mut long = b"x\n".to_vec();
        long.resize(2 + LONGEST_LINE + 1, b'a');
        assert_eq!(all(&long, 1 << 20), Err(1002));
    }

    #[test]
    fn gb18030_lists_are_read_and_bad_lines_named() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("address\n鄠邑区龙窝村\n长安区西韦村\n");
        for chunk in [3, 9, 1 << 20] {
            assert_eq!(
                all(&gbk, chunk).unwrap(),
                ["address", "鄠邑区龙窝村", "长安区西韦村"],
                "chunk {chunk}"
            );
        }
        // UTF-8 with Chinese, then a stray byte on line 3: broken UTF-8.
        let mut utf8 = "鄠邑区\n长安区\n".as_bytes().to_vec();
        utf8.extend_from_slice(b"\xff\xfe\n");
        for chunk in [4, 1 << 20] {
            assert_eq!(all(&utf8, chunk), Err(3), "chunk {chunk}");
        }
        // GB18030 with a byte that starts no character on line 4.
        let mut bad = gbk.into_owned();
        bad.extend_from_slice(b"\x81\x0a");
        for chunk in [5, 1 << 20] {
            assert_eq!(all(&bad, chunk), Err(4), "chunk {chunk}");
        }
    }
}
