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
        &["地址", "住址", "详细地址", "现住址", "address"],
        true,
    ),
    ("kind", &["类别", "需求类别", "类型", "kind"], true),
    ("people", &["人数", "涉及人数", "people"], false),
    (
        "description",
        &["情况", "情况说明", "需求", "需求内容", "description"],
        true,
    ),
    (
        "contact_name",
        &["联系人", "姓名", "称呼", "contact_name", "name"],
        true,
    ),
    (
        "contact_phone",
        &[
            "电话",
            "联系电话",
            "手机",
            "手机号",
            "contact_phone",
            "phone",
        ],
        true,
    ),
    ("urgency", &["紧急程度", "urgency"], false),
    (
        "vulnerable",
        &["特殊人群", "重点人群", "困难类型", "vulnerable"],
        false,
    ),
];

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
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("import-{hex}")
}

/// The needs of a list's rows (blank rows skipped), each with its line,
/// or why the list cannot be taken.
pub fn needs_of(
    headers: &[String],
    rows: &[(usize, Vec<String>)],
) -> Result<Vec<(usize, NewNeed)>, Rejected> {
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
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
