//! `liandong divisions resolve`: addresses in, CSV out.

use std::io::Write;
use std::process::{Command, Stdio};

fn liandong(args: &[&str], stdin: &[u8]) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_liandong"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn lines_from_stdin_keep_their_order() {
    let input =
        "鄠邑区龙窝村\n\n住址：西安市雁塔区小寨路街道（近公交站）\n新城区\n雁塔区长安南路88号\n";
    let (ok, out, err) = liandong(&["divisions", "resolve"], input.as_bytes());
    assert!(ok, "{err}");
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0][..3], ["address", "code", "level"]);
    let got: Vec<(&str, &str)> = rows[1..].iter().map(|r| (r[1], r[2])).collect();
    assert_eq!(
        got,
        [
            ("610118011226", "community"),
            ("", "none"),
            ("610113001", "street"),
            ("", "none"),
            ("610113", "district")
        ]
    );
}

#[test]
fn near_reads_a_name_found_far_apart_as_the_nearest() {
    let input = "新城区\n呼和浩特市新城区\n鄠邑区龙窝村\n";
    let rows = |args: &[&str]| {
        let (ok, out, err) = liandong(args, input.as_bytes());
        assert!(ok, "{err}");
        out.lines()
            .skip(1)
            .map(|l| {
                let r: Vec<&str> = l.split(',').collect();
                (r[1].to_owned(), r[r.len() - 1].to_owned())
            })
            .collect::<Vec<_>>()
    };
    let own = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rows(&["divisions", "resolve"]),
        own(&[("", ""), ("150102", ""), ("610118011226", "")])
    );
    // An office in 雁塔区 means Xi'an's 新城区; what is written stands.
    assert_eq!(
        rows(&["divisions", "resolve", "--near", "610113"]),
        own(&[("610102", "yes"), ("150102", ""), ("610118011226", "")])
    );
    let (ok, _, err) = liandong(&["divisions", "resolve", "--near", "999999"], b"x\n");
    assert!(!ok && err.contains("--near 999999"), "{err}");
}

#[test]
fn a_column_of_a_gb18030_csv_gets_result_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.csv");
    let (bytes, _, _) =
        encoding_rs::GB18030.encode("姓名,住址\n张三,长安区西韦村\n李四,户县龙窝村\n");
    std::fs::write(&path, &bytes).unwrap();
    let (ok, out, err) = liandong(
        &[
            "divisions",
            "resolve",
            path.to_str().unwrap(),
            "--column",
            "住址",
        ],
        b"",
    );
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("姓名,住址,code,level,"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("张三,长安区西韦村,610116001201,community,陕西省,西安市,长安区"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("李四,户县龙窝村,610118011226,community"),
        "{}",
        lines[2]
    );
    let (ok, _, err) = liandong(
        &[
            "divisions",
            "resolve",
            path.to_str().unwrap(),
            "--column",
            "地址",
        ],
        b"",
    );
    assert!(!ok);
    assert!(
        err.contains("no column \"地址\"") && err.contains("姓名, 住址"),
        "{err}"
    );
}

#[test]
fn a_column_of_an_xlsx_sheet_gets_result_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in [
        ["电话", "地址"],
        ["13800138000", "陕西省西安市雁塔区小寨路街道"],
        ["13900000000", "火星"],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    book.save(&path).unwrap();
    let (ok, out, err) = liandong(
        &[
            "divisions",
            "resolve",
            path.to_str().unwrap(),
            "--column",
            "地址",
        ],
        b"",
    );
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[1].starts_with("13800138000,陕西省西安市雁塔区小寨路街道,610113001,street"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("13900000000,火星,,none"),
        "{}",
        lines[2]
    );
}
