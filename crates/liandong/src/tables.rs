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
    let mut rows: Vec<Vec<String>> = if is_spreadsheet(name) {
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
        let text = decode(&bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        reader
            .records()
            .map(|r| r.map(|rec| rec.iter().map(str::to_owned).collect()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("{name} is not valid CSV"))?
    };
    if rows.is_empty() {
        bail!("{name} is empty");
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

    #[test]
    fn a_csv_reads_as_header_and_rows() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("姓名,住址\n张三,长安区西韦村\n李四\n");
        let (h, rows) = read_table("名单.csv", gbk.into_owned()).unwrap();
        assert_eq!(h, ["姓名", "住址"]);
        assert_eq!(rows, [vec!["张三", "长安区西韦村"], vec!["李四"]]);
        assert!(read_table("空.csv", Vec::new()).is_err());
        assert!(read_table("坏.xlsx", b"not a workbook".to_vec()).is_err());
    }
}
