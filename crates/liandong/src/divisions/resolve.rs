//! `liandong divisions resolve`: addresses in, jurisdictions out, as CSV.
//! Reading and writing files lives here; the matching is the divisions
//! crate's `Resolver`.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use anyhow::{Context, bail};
use divisions::{DivisionId, Resolution, Resolver, Tree};

use crate::tables::{self, decode};

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
    let mut out: Vec<u8> = Vec::with_capacity(1 << 22);
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
            let mut bytes = Vec::new();
            match file {
                Some(p) => {
                    bytes =
                        std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?
                }
                None => {
                    std::io::stdin()
                        .read_to_end(&mut bytes)
                        .context("reading standard input")?;
                }
            }
            let source = file.map_or("standard input".to_owned(), |p| p.display().to_string());
            let text = decode(&bytes).map_err(|line| {
                anyhow::anyhow!("{source}: line {line} is neither UTF-8 nor GB18030")
            })?;
            let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
            header(&mut out, &mut std::iter::once("address"));
            let _ = warm.join();
            resolve_all(&lines, near, |i, r| {
                write_field(&mut out, lines[i], true);
                write_result(&mut out, &mut rendered, r);
                out.push(b'\n');
                flush_some(&mut stdout, &mut out)
            })?;
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

/// Write `out` once it holds a few MB (one big write, not one a row).
fn flush_some(w: &mut impl Write, out: &mut Vec<u8>) -> anyhow::Result<()> {
    if out.len() >= 1 << 22 {
        w.write_all(out)?;
        out.clear();
    }
    Ok(())
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
