//! Needs from a list (CSV or spreadsheet), as offices and organisations
//! pass them on: a row a need, its columns found by their headers in
//! Chinese or English, its kind and urgency as written in either language.
//! Each row's idempotency key is made from its content, so that a list
//! uploaded twice adds nothing the second time.

use sha2::{Digest, Sha256};

use super::model::{CheckedNeed, NeedKind, NewNeed, Urgency};
use crate::web::error::Invalid;
use crate::web::i18n::Lang;

/// The most rows one list may hold.
pub const MAX_ROWS: usize = 5000;
/// The columns of a list read (those past them are ignored).
pub const MAX_COLUMNS: usize = 64;

/// A need's field, the headers that name its column, and whether a list
/// must have it (people defaults to 1, urgency to normal).
const COLUMNS: [(&str, &[&str], bool); 8] = [
    (
        "address",
        &[
            "地址",
            "住址",
            "详细地址",
            "现住址",
            "所在地址",
            "居住地址",
            "家庭住址",
            "地点",
            "address",
        ],
        true,
    ),
    (
        "kind",
        &[
            "类别",
            "需求类别",
            "类型",
            "需求类型",
            "求助类型",
            "kind",
            "type",
        ],
        true,
    ),
    ("people", &["人数", "涉及人数", "受助人数", "people"], false),
    (
        "description",
        &[
            "情况",
            "情况说明",
            "说明",
            "需求",
            "需求内容",
            "需求描述",
            "具体需求",
            "求助内容",
            "description",
        ],
        true,
    ),
    (
        "contact_name",
        &[
            "联系人",
            "姓名",
            "称呼",
            "联系人姓名",
            "求助人",
            "contact_name",
            "contact",
            "name",
        ],
        true,
    ),
    (
        "contact_phone",
        &[
            "电话",
            "联系电话",
            "手机",
            "手机号",
            "手机号码",
            "联系方式",
            "联系人电话",
            "contact_phone",
            "phone",
        ],
        true,
    ),
    (
        "urgency",
        &["紧急程度", "紧急", "优先级", "urgency", "priority"],
        false,
    ),
    (
        "vulnerable",
        &["特殊人群", "重点人群", "困难类型", "vulnerable"],
        false,
    ),
];

/// A header as lists write it, reduced to its name: spaces (full-width
/// too) dropped, a required mark (*, ＊) and a parenthesised note
/// (地址（必填）, 电话(手机)) taken off, ASCII case aside.
fn header_name(h: &str) -> String {
    let mut s: String = h
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊'))
        .collect();
    if let Some(i) = s.find(['(', '（']) {
        s.truncate(i);
    }
    s.to_ascii_lowercase()
}

/// The column of the first header that names one of `names`.
pub(crate) fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.iter().any(|n| header_name(h) == *n))
}

/// The headers of a list that name no field (序号, 备注…): not read, and
/// named back to the person so a misspelt one is seen.
pub fn unknown_columns(headers: &[String]) -> Vec<String> {
    unknown_of(headers, &COLUMNS)
}

/// The headers naming none of `columns`' fields (any list's table of
/// field, header names and whether it is required).
pub(crate) fn unknown_of(headers: &[String], columns: &[(&str, &[&str], bool)]) -> Vec<String> {
    let used: Vec<usize> = columns
        .iter()
        .filter_map(|(_, names, _)| column(headers, names))
        .collect();
    headers
        .iter()
        .enumerate()
        .filter(|(i, h)| !used.contains(i) && !h.trim().is_empty())
        .map(|(_, h)| h.trim().to_owned())
        .collect()
}

/// The import template: the accepted headers with an example row (the
/// field report's village), and a sheet saying what each column takes.
pub fn template(lang: Lang) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let example = [
        "西安市鄠邑区涝店镇龙窝村委会",
        "生活物资",
        "300",
        "全村封控，急需方便面、自热米饭、饼干、面包",
        "王书记",
        "13809185199",
        "紧急",
        "独居老人、儿童",
    ];
    list_template(
        lang,
        "import-template-sheet",
        "import-template",
        &COLUMNS,
        &example,
    )
}

/// A list's template (xlsx): one sheet of the headers (required ones
/// starred) over an example row, every column kept as text; one sheet
/// saying what each column takes (the locale's `{help}-{field}`) and its
/// other accepted names.
pub fn list_template(
    lang: Lang,
    sheet_name: &str,
    help: &str,
    columns: &[(&str, &[&str], bool)],
    example: &[&str],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    // Phones and numbers as text: Excel must not turn 13800008000 into 1.38E+10.
    let text = Format::new().set_num_format("@");
    let sheet = book.add_worksheet().set_name(lang.t(sheet_name))?;
    for (col, ((_, names, required), value)) in columns.iter().zip(example).enumerate() {
        let col = col as u16;
        let header = if *required {
            format!("{}*", names[0])
        } else {
            names[0].to_owned()
        };
        sheet.write_string_with_format(0, col, header, &bold)?;
        sheet.write_string_with_format(1, col, *value, &text)?;
        sheet.set_column_format(col, &text)?;
        // Wide enough for what the example holds.
        let width = value.chars().count().clamp(7, 20) as f64 * 2.0;
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let notes = book
        .add_worksheet()
        .set_name(lang.t("import-template-help-sheet"))?;
    for (col, key) in [
        "import-template-column",
        "import-template-also",
        "import-template-takes",
    ]
    .iter()
    .enumerate()
    {
        notes.write_string_with_format(0, col as u16, lang.t(key), &bold)?;
    }
    for (row, (field, names, required)) in columns.iter().enumerate() {
        let row = row as u32 + 1;
        let mark = if *required { "*" } else { "" };
        notes.write_string(row, 0, format!("{}{mark}", names[0]))?;
        notes.write_string(row, 1, names[1..].join("、"))?;
        notes.write_string(row, 2, lang.t(&format!("{help}-{field}")))?;
    }
    notes.set_column_width(0, 14)?;
    notes.set_column_width(1, 48)?;
    notes.set_column_width(2, 60)?;
    book.save_to_buffer()
}

/// A row of the list that cannot be taken, by its line in the file (the
/// header is line 1), and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct RowProblem {
    pub line: usize,
    pub errors: Invalid,
}

/// Why a list was not taken: columns it lacks (by field), rows that are
/// wrong, or too many rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rejected {
    pub missing: Vec<&'static str>,
    pub problems: Vec<RowProblem>,
    pub too_many: bool,
}

/// The ways a list may write a value: for each code, the code itself and
/// its label in either language (生活物资, "Food and daily supplies"), ASCII
/// case aside. Made once a list, not looked up a cell.
struct Words(Vec<(String, &'static str)>);

impl Words {
    fn of(codes: &[&'static str], key: &str) -> Words {
        Words(
            codes
                .iter()
                .flat_map(|&code| {
                    let label = format!("{key}-{code}");
                    [code.to_owned(), Lang::Zh.t(&label), Lang::En.t(&label)]
                        .map(|w| (w.to_ascii_lowercase(), code))
                })
                .collect(),
        )
    }

    /// The code `value` stands for; an unknown value is kept as written,
    /// for the check to name it.
    fn code(&self, value: &str) -> String {
        let v = value.trim();
        let lower = v.to_ascii_lowercase();
        self.0
            .iter()
            .find(|(w, _)| *w == lower)
            .map_or_else(|| v.to_owned(), |(_, code)| (*code).to_owned())
    }
}

/// The idempotency key of an imported need: its checked content, so
/// that the same need uploaded again is recognised (however its phone was
/// spaced), and a changed one (another story, a raised urgency) is new.
pub fn content_key(n: &CheckedNeed) -> String {
    let mut h = Sha256::new();
    let people = n.people.to_string();
    for part in [
        n.address.as_str(),
        n.kind.as_str(),
        n.urgency.as_str(),
        &people,
        &n.description,
        &n.contact_name,
        &n.contact_phone,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    // Only when there are tags: lists taken before tags existed keep
    // their keys, so uploading one again still takes nothing twice.
    if !n.vulnerable.is_empty() {
        h.update(n.vulnerable.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    let hex: String = crate::hex(&digest[..16]);
    format!("import-{hex}")
}

/// The needs of a list's rows (blank rows skipped), each with its line,
/// or why the list cannot be taken.
pub fn needs_of(
    headers: &[String],
    rows: &[(usize, Vec<String>)],
) -> Result<Vec<(usize, NewNeed)>, Rejected> {
    let find = |names: &[&str]| column(headers, names);
    let mut rejected = Rejected::default();
    let columns: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|(field, names, required)| {
            let col = find(names);
            if col.is_none() && *required {
                rejected.missing.push(*field);
            }
            col
        })
        .collect();
    if !rejected.missing.is_empty() {
        return Err(rejected);
    }
    let lines: Vec<(usize, &Vec<String>)> = rows
        .iter()
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(line, r)| (*line, r))
        .collect();
    if lines.len() > MAX_ROWS {
        rejected.too_many = true;
        return Err(rejected);
    }
    let kinds: Vec<_> = NeedKind::ALL.iter().map(|k| k.as_str()).collect();
    let urgencies: Vec<_> = Urgency::ALL.iter().map(|u| u.as_str()).collect();
    let (kinds, urgencies) = (
        Words::of(&kinds, "need-kind"),
        Words::of(&urgencies, "urgency"),
    );
    let needs = lines
        .into_iter()
        .map(|(line, r)| {
            let get = |k: usize| {
                columns[k]
                    .and_then(|c| r.get(c))
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default()
            };
            let people = get(2);
            let n = NewNeed {
                address: get(0),
                kind: kinds.code(&get(1)),
                people: if people.is_empty() {
                    "1".into()
                } else {
                    people
                },
                description: get(3),
                contact_name: get(4),
                contact_phone: get(5),
                urgency: urgencies.code(&get(6)),
                vulnerable: super::model::split_tags(&get(7)),
                // Made from the checked content (`content_key`).
                idempotency_key: String::new(),
            };
            (line, n)
        })
        .collect();
    Ok(needs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_without_marks_notes_or_spaces() {
        for (written, name) in [
            ("地址（必填）", "地址"),
            ("联系电话*", "联系电话"),
            (" 需求 类型 ", "需求类型"),
            ("电话(手机)", "电话"),
            ("Phone", "phone"),
            ("＊说明", "说明"),
        ] {
            assert_eq!(header_name(written), name, "{written}");
        }
        let headers: Vec<String> = [
            "序号",
            "联系方式",
            "地点",
            "需求类型",
            "说明",
            "求助人",
            "备注",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(unknown_columns(&headers), ["序号", "备注"]);
    }

    /// A header and rows numbered as a spreadsheet numbers them.
    fn table(rows: &[&[&str]]) -> (Vec<String>, Vec<(usize, Vec<String>)>) {
        let mut all: Vec<(usize, Vec<String>)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i + 1, r.iter().map(|c| c.to_string()).collect()))
            .collect();
        let h = all.remove(0).1;
        (h, all)
    }

    #[test]
    fn columns_are_found_by_their_headers_and_labels_read_in_either_language() {
        let (h, rows) = table(&[
            &[
                "序号",
                "姓名",
                "联系电话",
                "住址",
                "类别",
                "人数",
                "情况说明",
                "紧急程度",
            ],
            &[
                "1",
                "张三",
                "13800008000",
                "鄠邑区龙窝村",
                "生活物资",
                "3",
                "断粮",
                "紧急",
            ],
            &["", "", "", "", "", "", "", ""],
            &[
                "2",
                "李四",
                "13900001111",
                "长安区西韦村",
                "Medicine",
                "",
                "缺药",
                "",
            ],
        ]);
        let needs = needs_of(&h, &rows).unwrap();
        assert_eq!(needs.len(), 2);
        let (line, a) = &needs[0];
        assert_eq!(*line, 2);
        assert_eq!(
            (a.kind.as_str(), a.urgency.as_str(), a.people.as_str()),
            ("food", "urgent", "3")
        );
        assert_eq!(a.address, "鄠邑区龙窝村");
        let (line, b) = &needs[1];
        // The blank line is skipped; lines keep the file's numbers.
        assert_eq!(*line, 4);
        assert_eq!(
            (b.kind.as_str(), b.urgency.as_str(), b.people.as_str()),
            ("medicine", "", "1")
        );
        // The same content, however its phone is spaced, the same key;
        // a raised urgency, another.
        let key = content_key(&a.check_fields().unwrap());
        let spaced = NewNeed {
            contact_phone: "138 0000 8000".into(),
            ..a.clone()
        };
        assert_eq!(content_key(&spaced.check_fields().unwrap()), key);
        let raised = NewNeed {
            urgency: "critical".into(),
            ..a.clone()
        };
        assert_ne!(content_key(&raised.check_fields().unwrap()), key);
        assert!(key.starts_with("import-") && key.len() == 39);
    }

    #[test]
    fn a_list_without_its_columns_says_which() {
        let (h, rows) = table(&[&["姓名", "电话"], &["张三", "13800008000"]]);
        let r = needs_of(&h, &rows).unwrap_err();
        assert_eq!(r.missing, ["address", "kind", "description"]);
    }
}
