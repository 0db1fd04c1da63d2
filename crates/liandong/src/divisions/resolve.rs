//! `liandong divisions resolve`: addresses in, jurisdictions out, as CSV.
//! Reading and writing files lives here; the matching is the divisions
//! crate's `Resolver`.

use std::io::{BufWriter, IsTerminal, Read};
use std::path::Path;

use anyhow::{Context, bail};
use divisions::{DivisionId, Resolution, Resolver, Tree};

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

/// Decode bytes as UTF-8 (a BOM is dropped), else as GB18030, which is
/// what Chinese Excel writes.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// Keep a spreadsheet from running a cell as a formula.
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

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
        let resolved = match near {
            Some(near) => resolver.near(near).resolve_batch(chunk),
            None => resolver.resolve_batch(chunk),
        };
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

/// The header row and the data rows of a CSV or the first sheet of an
/// Excel workbook, as text.
fn read_table(path: &Path) -> anyhow::Result<(Vec<String>, Vec<Vec<String>>)> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut rows: Vec<Vec<String>> = if matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "ods") {
        use calamine::Reader;
        // A zip bomb would expand in memory: refuse workbooks whose
        // uncompressed parts exceed a sane size before opening them.
        let size = std::fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        if size > 200 * 1024 * 1024 {
            bail!("{} is larger than 200 MB", path.display());
        }
        let mut book = calamine::open_workbook_auto(path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let range = book
            .worksheet_range_at(0)
            .with_context(|| format!("{} has no sheet", path.display()))?
            .with_context(|| format!("cannot read the first sheet of {}", path.display()))?;
        range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    } else {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let text = decode(&bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        reader
            .records()
            .map(|r| r.map(|rec| rec.iter().map(str::to_owned).collect()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("{} is not valid CSV", path.display()))?
    };
    if rows.is_empty() {
        bail!("{} is empty", path.display());
    }
    let headers = rows.remove(0);
    Ok((headers, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_and_bom_are_decoded() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("鄠邑区龙窝村");
        assert_eq!(decode(&gbk), "鄠邑区龙窝村");
        assert_eq!(decode("\u{feff}西安".as_bytes()), "西安");
        assert_eq!(cell("=1+1"), "'=1+1");
    }
}
