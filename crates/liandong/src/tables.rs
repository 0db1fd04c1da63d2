//! Tables as lists travel: CSV (UTF-8 or GB18030, which Chinese Excel
//! writes) and spreadsheets (xlsx, xls, ods), read as text rows.

use std::io::Cursor;

use anyhow::{Context, bail};

/// Decode bytes as UTF-8 (a BOM is dropped), else as GB18030.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// Keep a spreadsheet from running a cell as a formula.
pub fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// Whether a file of this name is a spreadsheet (else CSV).
fn is_spreadsheet(name: &str) -> bool {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    matches!(ext.as_deref(), Some("xlsx" | "xlsm" | "xls" | "ods"))
}

/// The header row and the data rows of a CSV, or of the first sheet of a
/// spreadsheet, from its bytes; `name` tells which (by its extension) and
/// names it in errors.
pub fn read_table(name: &str, bytes: Vec<u8>) -> anyhow::Result<(Vec<String>, Vec<Vec<String>>)> {
    let rows: Vec<Vec<String>> = if is_spreadsheet(name) {
        use calamine::Reader;
        let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
            .with_context(|| format!("cannot open {name}"))?;
        let range = book
            .worksheet_range_at(0)
            .with_context(|| format!("{name} has no sheet"))?
            .with_context(|| format!("cannot read the first sheet of {name}"))?;
        range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    } else {
        csv_rows(name, &bytes, usize::MAX, usize::MAX)?
    };
    header_and_rows(name, rows)
}

/// The first `keep` records of a CSV, each of at most `max_cols` cells.
fn csv_rows(
    name: &str,
    bytes: &[u8],
    keep: usize,
    max_cols: usize,
) -> anyhow::Result<Vec<Vec<String>>> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .take(keep)
        .map(|r| r.map(|rec| rec.iter().take(max_cols).map(str::to_owned).collect()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("{name} is not valid CSV"))
}

/// A table's first row apart from the rest; an empty table is an error.
fn header_and_rows(
    name: &str,
    mut rows: Vec<Vec<String>>,
) -> anyhow::Result<(Vec<String>, Vec<Vec<String>>)> {
    if rows.is_empty() {
        bail!("{name} is empty");
    }
    let headers = rows.remove(0);
    Ok((headers, rows))
}

/// The header row and at most `max_rows` data rows (one more, if the
/// table has more, so that the caller can tell), each of at most
/// `max_cols` cells, of an uploaded CSV or xlsx file. Bounded as it reads:
/// a sheet's own claim of its size is not trusted (a few KB of xlsx can
/// claim a billion cells), and other spreadsheet formats, which cannot be
/// read cell by cell, are refused.
pub fn read_upload(
    name: &str,
    bytes: Vec<u8>,
    max_rows: usize,
    max_cols: usize,
) -> anyhow::Result<(Vec<String>, Vec<Vec<String>>)> {
    let keep = max_rows + 2;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("xlsx" | "xlsm") => {
            use calamine::Reader;
            let mut book = calamine::Xlsx::new(Cursor::new(bytes))
                .with_context(|| format!("cannot open {name}"))?;
            let first = book
                .sheet_names()
                .into_iter()
                .next()
                .with_context(|| format!("{name} has no sheet"))?;
            let mut cells = book
                .worksheet_cells_reader(&first)
                .with_context(|| format!("cannot read the first sheet of {name}"))?;
            while let Some(c) = cells
                .next_cell()
                .with_context(|| format!("cannot read the first sheet of {name}"))?
            {
                let (r, col) = c.get_position();
                let (r, col) = (r as usize, col as usize);
                if r >= keep {
                    break;
                }
                if col >= max_cols {
                    continue;
                }
                if rows.len() <= r {
                    rows.resize_with(r + 1, Vec::new);
                }
                let row = &mut rows[r];
                if row.len() <= col {
                    row.resize(col + 1, String::new());
                }
                row[col] = calamine::Data::from(c.get_value().clone()).to_string();
            }
        }
        Some("xls" | "ods" | "xlsb") => bail!("{name}: save it as xlsx or CSV"),
        _ => rows = csv_rows(name, &bytes, keep, max_cols)?,
    }
    header_and_rows(name, rows)
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

    #[test]
    fn a_csv_reads_as_header_and_rows() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("姓名,住址\n张三,长安区西韦村\n李四\n");
        let (h, rows) = read_table("名单.csv", gbk.into_owned()).unwrap();
        assert_eq!(h, ["姓名", "住址"]);
        assert_eq!(rows, [vec!["张三", "长安区西韦村"], vec!["李四"]]);
        assert!(read_table("空.csv", Vec::new()).is_err());
        assert!(read_table("坏.xlsx", b"not a workbook".to_vec()).is_err());
    }

    #[test]
    fn an_upload_is_read_within_its_bounds() {
        let csv = "a,b,c\n1,2,3\n4,5,6\n7,8,9\n".as_bytes().to_vec();
        let (h, rows) = read_upload("x.csv", csv, 2, 2).unwrap();
        assert_eq!(h, ["a", "b"]);
        // Two rows and one more, to tell the caller there are more.
        assert_eq!(rows, [vec!["1", "2"], vec!["4", "5"], vec!["7", "8"]]);
        // A sheet that claims cells far away is read only to its bounds.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "地址").unwrap();
        sheet.write_string(1, 0, "鄠邑区龙窝村").unwrap();
        sheet.write_string(1_048_575, 16_383, "far").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let (h, rows) = read_upload("x.xlsx", bytes, 10, 64).unwrap();
        assert_eq!(h, ["地址"]);
        assert_eq!(rows, [vec!["鄠邑区龙窝村"]]);
        assert!(read_upload("x.ods", b"whatever".to_vec(), 10, 10).is_err());
    }
}
