//! `liandong divisions resolve`: addresses in, jurisdictions out, as CSV.
//! Reading and writing files lives here; the matching is the divisions
//! crate's `Resolver`.

use std::io::{BufWriter, IsTerminal, Read};
use std::path::Path;

use anyhow::{Context, bail};
use divisions::{DivisionId, Resolution, Resolver, Tree};

use crate::tables::{self, cell, decode};

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
/// Addresses resolved per batch (each batch on all cores).
const BATCH: usize = 65_536;

fn result_cells(tree: &Tree, r: &Resolution) -> Vec<String> {
    let mut names = [""; 5];
    let (code, level) = match r.division {
        Some(id) => {
            let d = tree.division(id);
            for p in d.path() {
                names[p.level() as usize - 1] = p.name();
            }
            (d.code(), d.level().as_str())
        }
        None => (String::new(), "none"),
    };
    let mut out = vec![code, level.to_owned()];
    out.extend(names.iter().map(|n| n.to_string()));
    out.push(format!("{:.2}", r.confidence));
    out.push(if r.by_jurisdiction { "yes" } else { "" }.to_owned());
    out
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
fn resolve_all(
    values: &[String],
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
    let stdout = std::io::stdout();
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, stdout.lock()));
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
            let text = decode(&bytes);
            let lines: Vec<String> = text
                .lines()
                .map(|l| l.trim_end_matches('\r').to_owned())
                .collect();
            w.write_record(std::iter::once("address").chain(RESULT_COLUMNS))?;
            resolve_all(&lines, near, |i, r| {
                w.write_record(std::iter::once(cell(&lines[i])).chain(result_cells(tree, r)))?;
                Ok(())
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
            w.write_record(headers.iter().map(String::as_str).chain(RESULT_COLUMNS))?;
            resolve_all(&values, near, |i, r| {
                w.write_record(rows[i].iter().map(|c| cell(c)).chain(result_cells(tree, r)))?;
                Ok(())
            })?;
        }
    }
    w.flush()?;
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
