//! Tables as lists travel: CSV (UTF-8 or GB18030, which Chinese Excel
//! writes) and spreadsheets (xlsx, xls, ods), read as text rows.

use std::io::{Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::web::i18n::Lang;

/// Decode bytes as UTF-8 (a BOM is dropped), else as GB18030; bytes valid
/// in neither are an error naming the first line (1-based) that holds
/// them, never a silent U+FFFD. A text that is UTF-8 up to a bad byte,
/// with Chinese before it, is taken as broken UTF-8 (read as GB18030 it
/// would be mojibake that passes). UTF-8 is borrowed, not copied (a
/// screening list can be a hundred megabytes).
pub fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, usize> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let line_at = |pos: usize| 1 + bytes[..pos].iter().filter(|b| **b == b'\n').count();
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.into()),
        Err(e) if !bytes[..e.valid_up_to()].is_ascii() => Err(line_at(e.valid_up_to())),
        Err(_) => {
            // GB18030 never uses 0x0A inside a character: lines can be
            // checked one by one to name the bad one.
            let mut out = String::with_capacity(bytes.len() * 3 / 2);
            for (i, line) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
                match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(line)
                {
                    Some(text) => out.push_str(&text),
                    None => return Err(i + 1),
                }
            }
            Ok(out.into())
        }
    }
}

/// Keep a spreadsheet from running a cell as a formula (what starts one:
/// = + - @, and a tab or carriage return before them).
pub fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
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
        let text = decode(&bytes)
            .map_err(|line| anyhow::anyhow!("{name}: line {line} is neither UTF-8 nor GB18030"))?;
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
    header_and_rows(name, rows)
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

/// What an uploaded list may hold and how long reading it may take.
#[derive(Clone, Debug)]
pub struct Bounds {
    pub max_rows: usize,
    pub max_cols: usize,
    /// Set when the request that sent the file has ended: stop reading.
    pub cancelled: Arc<AtomicBool>,
    pub time: Duration,
}

/// The most characters one cell may hold (a need's story is at most
/// 2,000: its own field error says so first).
pub const MAX_CELL_CHARS: usize = 10_000;
/// The most bytes an xlsx may hold once unzipped, all parts together (a
/// list of 5,000 rows is a few MB): a zip's own sizes can lie, so this is
/// counted while inflating.
pub const MAX_UNZIPPED_MIB: usize = 64;

/// Why an upload could not be read: each names its limit or its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadError {
    /// Not a table we can read (broken, or not xlsx/CSV).
    Unreadable,
    /// xls, ods, xlsb: formats that cannot be read within bounds.
    Format,
    Empty,
    /// Bytes that are not text in the file's encoding, on this line.
    Encoding {
        line: usize,
    },
    /// More than this many MiB once unzipped.
    TooBig {
        mib: usize,
    },
    /// A cell of over this many characters, on this line.
    CellTooLong {
        line: usize,
        chars: usize,
    },
    /// Far more cells than a list of the allowed size holds.
    TooManyCells {
        cells: usize,
    },
    /// Reading took longer than this many seconds.
    TooSlow {
        seconds: u64,
    },
    /// The request ended before the file was read.
    Cancelled,
}

impl UploadError {
    /// What the person who sent the file is told, in their language.
    pub fn message(&self, lang: Lang) -> String {
        let n = |v: usize| v.to_string();
        match self {
            UploadError::Unreadable => lang.t("err-import-unreadable"),
            UploadError::Format => lang.t("err-import-format"),
            UploadError::Empty => lang.t("err-import-empty"),
            UploadError::Encoding { line } => {
                lang.t_args("err-import-encoding", &[("line", n(*line))])
            }
            UploadError::TooBig { mib } => lang.t_args("err-import-too-big", &[("mib", n(*mib))]),
            UploadError::CellTooLong { line, chars } => lang.t_args(
                "err-import-cell-too-long",
                &[("line", n(*line)), ("chars", n(*chars))],
            ),
            UploadError::TooManyCells { cells } => {
                lang.t_args("err-import-too-many-cells", &[("cells", n(*cells))])
            }
            UploadError::TooSlow { seconds } => {
                lang.t_args("err-import-too-slow", &[("seconds", seconds.to_string())])
            }
            UploadError::Cancelled => lang.t("err-import-unreadable"),
        }
    }
}

/// An uploaded list as read: the header row, the data rows that hold
/// anything with their line numbers (1-based, as a spreadsheet shows
/// them), and how many blank rows were skipped. At most `max_rows` + 1
/// data rows are kept, so that the caller can tell there are more.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Upload {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
    pub blank: usize,
}

/// Collects rows as they stream in, within the bounds.
struct Collector<'b> {
    bounds: &'b Bounds,
    started: Instant,
    cells: usize,
    upload: Upload,
    has_headers: bool,
}

impl Collector<'_> {
    /// Whether enough rows are read (the header and `max_rows` + 1).
    fn full(&self) -> bool {
        self.upload.rows.len() > self.bounds.max_rows
    }

    /// Count `n` cells read; an error when the work is past its bounds.
    fn tick(&mut self, n: usize) -> Result<(), UploadError> {
        self.cells += n;
        // A list of the allowed size has max_rows × max_cols cells; a
        // sheet that makes us walk many times that is refused, not read.
        let most = (self.bounds.max_rows + 2) * self.bounds.max_cols * 4;
        if self.cells > most {
            return Err(UploadError::TooManyCells { cells: most });
        }
        if self.cells % 4096 < n {
            if self.bounds.cancelled.load(Ordering::Relaxed) {
                return Err(UploadError::Cancelled);
            }
            if self.started.elapsed() > self.bounds.time {
                return Err(UploadError::TooSlow {
                    seconds: self.bounds.time.as_secs(),
                });
            }
        }
        Ok(())
    }

    fn push(&mut self, line: usize, mut row: Vec<String>) -> Result<(), UploadError> {
        if row.iter().any(|c| c.chars().count() > MAX_CELL_CHARS) {
            return Err(UploadError::CellTooLong {
                line,
                chars: MAX_CELL_CHARS,
            });
        }
        row.truncate(self.bounds.max_cols);
        if row.iter().all(|c| c.trim().is_empty()) {
            if self.has_headers {
                self.upload.blank += 1;
            }
        } else if !self.has_headers {
            self.upload.headers = row;
            self.has_headers = true;
        } else {
            self.upload.rows.push((line, row));
        }
        Ok(())
    }

    fn finish(self) -> Result<Upload, UploadError> {
        if self.has_headers {
            Ok(self.upload)
        } else {
            Err(UploadError::Empty)
        }
    }
}

/// Read an uploaded CSV or xlsx file within `bounds`: memory and time by
/// what is actually read (unzipped bytes counted as they inflate, cell
/// lengths, cells walked, a deadline, the request's end), never by what
/// the file claims (a few KB of xlsx can claim a billion cells or a
/// gigabyte string). Other spreadsheet formats, which cannot be read so,
/// are refused.
pub fn read_upload(name: &str, bytes: Vec<u8>, bounds: &Bounds) -> Result<Upload, UploadError> {
    let mut c = Collector {
        bounds,
        started: Instant::now(),
        cells: 0,
        upload: Upload::default(),
        has_headers: false,
    };
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("xlsx" | "xlsm") => read_xlsx(bytes, &mut c)?,
        Some("xls" | "ods" | "xlsb") => return Err(UploadError::Format),
        _ => {
            let text = decode(&bytes).map_err(|line| UploadError::Encoding { line })?;
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let mut record = csv::StringRecord::new();
            while !c.full() {
                match reader.read_record(&mut record) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(_) => return Err(UploadError::Unreadable),
                }
                c.tick(record.len())?;
                let line = record
                    .position()
                    .map_or(0, |p| first_line(text.as_bytes(), p.byte(), p.line()));
                c.push(line, record.iter().map(str::to_owned).collect())?;
            }
        }
    }
    c.finish()
}

/// The line a record begins on, as a spreadsheet numbers it. The csv
/// reader puts a record's start where the previous one ended: before the
/// `\n` of a CRLF (it ends records at the `\r`) and before blank lines it
/// skips, so every Excel-saved CSV read one line short. Line ends from
/// there to the first cell are counted on.
fn first_line(text: &[u8], byte: u64, line: u64) -> usize {
    let from = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
    let skipped = text[from..]
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|b| **b == b'\n')
        .count();
    line as usize + skipped
}

/// Every part of the zip inflated once and counted: refused past
/// [`MAX_UNZIPPED_MIB`] in all, whatever the headers say.
fn check_unzipped(bytes: &[u8]) -> Result<(), UploadError> {
    let limit = (MAX_UNZIPPED_MIB as u64) << 20;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| UploadError::Unreadable)?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|_| UploadError::Unreadable)?;
        if entry.size() > limit {
            return Err(UploadError::TooBig {
                mib: MAX_UNZIPPED_MIB,
            });
        }
        let read = std::io::copy(&mut entry.take(limit - total + 1), &mut std::io::sink())
            .map_err(|_| UploadError::Unreadable)?;
        total += read;
        if total > limit {
            return Err(UploadError::TooBig {
                mib: MAX_UNZIPPED_MIB,
            });
        }
    }
    Ok(())
}

fn read_xlsx(bytes: Vec<u8>, c: &mut Collector) -> Result<(), UploadError> {
    use calamine::Reader;
    check_unzipped(&bytes)?;
    let mut book = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|_| UploadError::Unreadable)?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or(UploadError::Empty)?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| UploadError::Unreadable)?;
    // Cells come row by row; a row is pushed when the next one starts.
    let mut current: Option<(usize, Vec<String>)> = None;
    while let Some(cell) = cells.next_cell().map_err(|_| UploadError::Unreadable)? {
        c.tick(1)?;
        let (r, col) = cell.get_position();
        let (r, col) = (r as usize, col as usize);
        if current.as_ref().is_some_and(|(cr, _)| *cr != r) {
            let (line, row) = current.take().unwrap_or_default();
            c.push(line + 1, row)?;
            if c.full() {
                return Ok(());
            }
        }
        if col >= c.bounds.max_cols {
            continue;
        }
        let value = calamine::Data::from(cell.get_value().clone()).to_string();
        let row = &mut current.get_or_insert_with(|| (r, Vec::new())).1;
        if row.len() <= col {
            row.resize(col + 1, String::new());
        }
        row[col] = value;
    }
    if let Some((line, row)) = current {
        c.push(line + 1, row)?;
    }
    Ok(())
}

/// One sheet of an export: its name, header and rows, all text.
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Sheets as an xlsx: every cell text (a phone stays 13800008000, a
/// reference or code never becomes a number), headers bold and frozen.
pub fn xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    for s in sheets {
        let sheet = book.add_worksheet().set_name(&s.name)?;
        for (col, h) in s.header.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, h, &bold)?;
            // Wide enough for the longest cell, within reason.
            let widest = s
                .rows
                .iter()
                .filter_map(|r| r.get(col))
                .chain(std::iter::once(h))
                .map(|v| v.chars().count())
                .max()
                .unwrap_or(8);
            sheet.set_column_width(col as u16, (widest as f64 * 1.6).clamp(8.0, 60.0))?;
        }
        for (r, cells) in s.rows.iter().enumerate() {
            for (col, v) in cells.iter().enumerate() {
                sheet.write_string_with_format(r as u32 + 1, col as u16, v, &text)?;
            }
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    book.save_to_buffer()
}

/// A header and rows as CSV in UTF-8 with a BOM (Excel reads Chinese),
/// every cell that would start a formula neutralised.
pub fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::from(b"\xEF\xBB\xBF".as_slice()));
    w.write_record(header.iter().map(|c| cell(c)))?;
    for cells in rows {
        w.write_record(cells.iter().map(|c| cell(c)))?;
    }
    Ok(w.into_inner()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(max_rows: usize, max_cols: usize) -> Bounds {
        Bounds {
            max_rows,
            max_cols,
            cancelled: Arc::default(),
            time: Duration::from_secs(20),
        }
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them() {
        let lines = |text: &str| -> Vec<usize> {
            read_upload("list.csv", text.as_bytes().to_vec(), &bounds(100, 10))
                .unwrap()
                .rows
                .iter()
                .map(|(line, _)| *line)
                .collect()
        };
        // Excel saves CSV with CRLF; blank lines and quoted line ends count.
        assert_eq!(lines("a,b\r\n1,2\r\n3,4\r\n"), vec![2, 3]);
        assert_eq!(lines("a,b\n1,2\n\n\n3,4\n"), vec![2, 5]);
        assert_eq!(lines("a,b\r\n\r\n1,2\r\n"), vec![3]);
        assert_eq!(lines("a,b\n\"x\ny\",2\n3,4"), vec![2, 4]);
    }

    #[test]
    fn gb18030_and_bom_are_decoded() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("鄠邑区龙窝村");
        assert_eq!(decode(&gbk).unwrap(), "鄠邑区龙窝村");
        assert_eq!(decode("\u{feff}西安".as_bytes()).unwrap(), "西安");
        assert_eq!(cell("=1+1"), "'=1+1");
    }

    #[test]
    fn bytes_valid_in_no_encoding_name_their_line() {
        // UTF-8 with Chinese, then a stray byte on line 3.
        let mut utf8 = "姓名,住址\n张三,长安区\n".as_bytes().to_vec();
        utf8.extend_from_slice(b"\xff\xfe,x\n");
        assert_eq!(decode(&utf8), Err(3));
        // GB18030 with a byte that starts no character on line 2.
        let (gbk, _, _) = encoding_rs::GB18030.encode("姓名,住址\n");
        let mut gbk = gbk.into_owned();
        gbk.extend_from_slice(b"\x81\x0a");
        assert_eq!(decode(&gbk), Err(2));
        let up = read_upload("x.csv", utf8, &bounds(10, 10));
        assert_eq!(up, Err(UploadError::Encoding { line: 3 }));
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
        let up = read_upload("x.csv", csv, &bounds(2, 2)).unwrap();
        assert_eq!(up.headers, ["a", "b"]);
        // Two rows and one more, to tell the caller there are more.
        let rows: Vec<_> = up.rows.iter().map(|(l, r)| (*l, r.clone())).collect();
        assert_eq!(
            rows,
            [
                (2, vec!["1".to_owned(), "2".into()]),
                (3, vec!["4".into(), "5".into()]),
                (4, vec!["7".into(), "8".into()])
            ]
        );
        // A sheet that claims cells far away is read only to its bounds.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "地址").unwrap();
        sheet.write_string(1, 0, "鄠邑区龙窝村").unwrap();
        sheet.write_string(1_048_575, 16_383, "far").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let up = read_upload("x.xlsx", bytes, &bounds(10, 64)).unwrap();
        assert_eq!(up.headers, ["地址"]);
        assert_eq!(up.rows, [(2, vec!["鄠邑区龙窝村".to_owned()])]);
        assert_eq!(
            read_upload("x.ods", b"whatever".to_vec(), &bounds(10, 10)),
            Err(UploadError::Format)
        );
    }

    #[test]
    fn blank_rows_are_skipped_and_counted_not_against_the_limit() {
        let mut csv = String::from("地址,情况\n");
        for i in 0..3000 {
            csv.push_str(",\n");
            csv.push_str(&format!("龙窝村{i}号,断粮\n"));
        }
        let up = read_upload("x.csv", csv.into_bytes(), &bounds(5000, 64)).unwrap();
        assert_eq!((up.rows.len(), up.blank), (3000, 3000));
        // Lines as the file numbers them.
        assert_eq!(up.rows[0].0, 3);
        assert_eq!(up.rows[2999].0, 6001);
    }

    #[test]
    fn a_zip_that_inflates_past_the_limit_is_refused() {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..=MAX_UNZIPPED_MIB {
            zip.write_all(&chunk).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
        assert_eq!(
            read_upload("bomb.xlsx", bytes, &bounds(10, 10)),
            Err(UploadError::TooBig {
                mib: MAX_UNZIPPED_MIB
            })
        );
    }

    #[test]
    fn a_long_cell_and_a_sea_of_cells_are_refused_by_their_limits() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "情况").unwrap();
        sheet
            .write_string(1, 0, "长".repeat(MAX_CELL_CHARS + 1))
            .unwrap();
        let up = read_upload("x.xlsx", book.save_to_buffer().unwrap(), &bounds(10, 10));
        assert_eq!(
            up,
            Err(UploadError::CellTooLong {
                line: 2,
                chars: MAX_CELL_CHARS
            })
        );
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for r in 0..50 {
            for col in 0..300 {
                sheet.write_number(r, col, 1.0).unwrap();
            }
        }
        let up = read_upload("x.xlsx", book.save_to_buffer().unwrap(), &bounds(10, 5));
        assert_eq!(up, Err(UploadError::TooManyCells { cells: 12 * 5 * 4 }));
    }

    #[test]
    fn reading_stops_when_the_request_ends() {
        let csv = "a\n".to_owned() + &"1\n".repeat(10_000);
        let b = bounds(100_000, 4);
        b.cancelled.store(true, Ordering::Relaxed);
        assert_eq!(
            read_upload("x.csv", csv.into_bytes(), &b),
            Err(UploadError::Cancelled)
        );
    }
}
