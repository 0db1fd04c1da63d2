//! Screening lists: three overlapping lists make one subject per person,
//! each routed to the street that owns them (unlocated ones dealt by
//! workload); bad rows are named and the good ones taken; a list sent
//! twice is taken once; a street sees its own subjects only, masked, and
//! a reveal is audited; the command line takes a list as the page does.

use reqwest::Client;
use serde_json::Value;

use crate::both;
use crate::harness::*;

/// Send a list through the page: upload, check the columns as found,
/// take it. The report page's address.
pub(crate) async fn send(
    app: &TestApp,
    c: &Client,
    name: &str,
    csv: &str,
    source: &str,
    kind: &str,
) -> String {
    let form = reqwest::multipart::Form::new()
        .text("source", source.to_owned())
        .text("kind", kind.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name(name.to_owned()),
        );
    let res = c
        .post(app.at("/screening/uploads"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let preview = res.headers()["location"].to_str().unwrap().to_owned();
    let page = app.page(c, &preview).await;
    // The columns as found: each field's select has its column chosen.
    let mut form: Vec<(String, String)> = vec![
        ("source".into(), source.into()),
        ("kind".into(), kind.into()),
    ];
    for field in [
        "name",
        "phone",
        "id_number",
        "residence",
        "registered",
        "trip",
        "seen_on",
    ] {
        let select = page
            .split(&format!("name=\"col_{field}\""))
            .nth(1)
            .unwrap()
            .split("</select>")
            .next()
            .unwrap();
        let chosen = select
            .split("<option value=\"")
            .skip(1)
            .find(|o| o.contains("selected"))
            .map(|o| o.split('"').next().unwrap().to_owned())
            .unwrap_or_default();
        form.push((format!("col_{field}"), chosen));
    }
    let id = preview
        .split('/')
        .nth(3)
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    let res = c
        .post(app.at(&format!("/screening/uploads/{id}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    res.headers()["location"].to_str().unwrap().to_owned()
}

fn list_id(report: &str) -> i64 {
    report
        .trim_start_matches("/screening/lists/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

const LIST_A: &str = "姓名,身份证号,手机号码,现住址,户籍地址,车次,到达日期
张伟,610113199001010019,13911110001,陕西省西安市雁塔区小寨路街道兴善社区12号楼,,G87,2021-12-20
李娜,,13911110002,西安市未央区张家堡街道,,G88,2021/12/20
王五,61011319900101001X,12345,雁塔区,,G89,2021-12-20
赵六,,１３９１１１１０００４,,,G90,2021年12月21日
";

const LIST_B: &str = "手机号码,日期
13911110001,2021-12-21
13911110009,2021-12-21
13911110002,2022-03-01
";

const LIST_C: &str = "姓名,电话,场所,日期
张伟,+86 139 1111 0001,大唐不夜城,2021-12-19
";

both!(
    three_overlapping_lists_make_one_subject_per_person_routed_to_its_street,
    |app| {
        let co = app.signed_in("coordinator").await;
        let a = send(&app, &co, "a.csv", LIST_A, "铁路部门", "transport").await;
        let (status, r) = app
            .get(&co, &format!("/api/screening/lists/{}", list_id(&a)))
            .await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(
            (&r["rows_read"], &r["new_subjects"], &r["refused"]),
            (&Value::from(4), &Value::from(3), &Value::from(1)),
            "{r}"
        );
        // The bad row is named by its line and each wrong field.
        let errors: Vec<(i64, &str)> = r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["line"].as_i64().unwrap(), e["field"].as_str().unwrap()))
            .collect();
        assert_eq!(errors, vec![(4, "phone"), (4, "id_number")]);
        // 赵六 has no address: dealt to a street of the office's area.
        let dealt: i64 = r["split"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_i64().unwrap())
            .sum();
        assert_eq!(dealt, 1, "{r}");
        let page = app.page(&co, &a).await;
        assert!(
            page.contains("电话") && page.contains("refused-rows"),
            "{page}"
        );

        let b = send(&app, &co, "b.csv", LIST_B, "通信管理局", "roaming").await;
        let (_, rb) = app
            .get(&co, &format!("/api/screening/lists/{}", list_id(&b)))
            .await;
        // 139…0001 a day after 张伟's trip is 张伟; 139…0009 is new; 李娜's
        // phone three months on, with no name, is someone else.
        assert_eq!(
            (&rb["joined"], &rb["new_subjects"]),
            (&Value::from(1), &Value::from(2)),
            "{rb}"
        );
        let c = send(&app, &co, "c.csv", LIST_C, "市场监管", "venue").await;
        let (_, rc) = app
            .get(&co, &format!("/api/screening/lists/{}", list_id(&c)))
            .await;
        assert_eq!(
            (&rc["joined"], &rc["new_subjects"]),
            (&Value::from(1), &Value::from(0)),
            "{rc}"
        );

        // Sent again: taken once, said so.
        let again = send(&app, &co, "a-copy.csv", LIST_A, "铁路部门", "transport").await;
        assert_eq!(list_id(&again), list_id(&a));
        assert!(again.ends_with("?already=1"));
        let page = app.page(&co, &again).await;
        assert!(page.contains("id=\"already\""));

        let (status, subjects) = app.get(&co, "/api/screening/subjects").await;
        assert_eq!(status, 200);
        let list = subjects.as_array().unwrap();
        assert_eq!(list.len(), 5, "{subjects}");
        let zhang = list
            .iter()
            .find(|s| s["leads"] == 3)
            .expect("张伟 on three lists");
        assert_eq!(zhang["holder_division"], "610113001");
        assert_eq!(zhang["routed_by"], "residence");
        assert_eq!(
            zhang["kinds"],
            serde_json::json!(["roaming", "transport", "venue"])
        );
        assert_eq!(zhang["name"], "张*");
        assert!(!subjects.to_string().contains("13911110001"), "{subjects}");
        assert!(!subjects.to_string().contains("610113199001010019"));
        // 李娜 lives in 未央区's 张家堡街道.
        assert!(
            list.iter().any(|s| s["holder_division"] == "610112001"),
            "{subjects}"
        );

        // The street of 小寨路 sees 张伟 and not 李娜; revealing is audited.
        let street = app.signed_in("screener").await;
        let (_, own) = app.get(&street, "/api/screening/subjects").await;
        let ids: Vec<i64> = own
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_i64().unwrap())
            .collect();
        assert!(ids.contains(&zhang["id"].as_i64().unwrap()), "{own}");
        let li = list
            .iter()
            .find(|s| s["holder_division"] == "610112001")
            .unwrap();
        let (status, _) = app
            .get(&street, &format!("/api/screening/subjects/{}", li["id"]))
            .await;
        assert_eq!(status, 404);
        let (status, detail) = app
            .get(&street, &format!("/api/screening/subjects/{}", zhang["id"]))
            .await;
        assert_eq!(status, 200);
        assert_eq!(detail["leads"].as_array().unwrap().len(), 3, "{detail}");
        assert!(!detail.to_string().contains("12号楼"), "{detail}");
        let (status, body) = app
            .post(
                &street,
                &format!("/api/screening/subjects/{}/reveal", zhang["id"]),
                &serde_json::json!({"field": "phone", "reason": "核查电话"}),
            )
            .await;
        assert_eq!((status, &body["value"]), (200, &Value::from("13911110001")));
        let admin = app.signed_in("admin").await;
        let (_, events) = app.get(&admin, "/api/audit?action=field.reveal").await;
        assert!(events.to_string().contains("核查电话"), "{events}");
        assert!(!events.to_string().contains("13911110001"));
        // Roles that do not screen are refused.
        let op = app.signed_in("operator").await;
        let (status, _) = app.get(&op, "/api/screening/subjects").await;
        assert_eq!(status, 403);
    }
);

both!(the_command_line_takes_a_list_as_the_page_does, |app| {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("漫游.csv");
    std::fs::write(&file, LIST_B).unwrap();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_liandong"))
            .args(["screening", "import"])
            .arg(&file)
            .args([
                "--source",
                "通信管理局",
                "--kind",
                "b",
                "--as",
                "coordinator",
                "--database",
                &app.db_url,
            ])
            .output()
            .unwrap()
    };
    let out = run();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("3 rows, 3 new subjects"), "{text}");
    assert!(text.contains("phone=手机号码"), "{text}");
    let again = run();
    assert!(String::from_utf8_lossy(&again.stdout).contains("imported before: nothing new"));
    let co = app.signed_in("coordinator").await;
    let (_, subjects) = app.get(&co, "/api/screening/subjects?kind=roaming").await;
    assert_eq!(subjects.as_array().unwrap().len(), 3);
    // Unlocated, all three: dealt by workload, one street each.
    let (_, split) = app
        .get(&co, "/api/screening/subjects?routed_by=split")
        .await;
    let mut streets: Vec<&str> = split
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["holder_division"].as_str().unwrap())
        .collect();
    streets.dedup();
    assert_eq!(streets.len(), 3, "{split}");
});

/// `liandong screening import FILE` from the source 铁路 (list a) as the
/// coordinator: what it printed.
fn import_as_railway(app: &TestApp, file: &std::path::Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_liandong"))
        .args(["screening", "import"])
        .arg(file)
        .args(["--source", "铁路", "--kind", "a", "--as", "coordinator"])
        .args(["--database", &app.db_url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// A list bigger than one batch: a person seen again in a later batch is
// joined to the subject the first batch made (what they lacked filled
// in, then found by it), a person twice in one batch is one subject, and
// a row sent again batches later is a repeat.
both!(
    a_list_taken_in_batches_is_one_subject_per_person_across_them,
    |app| {
        let mut csv = String::from("姓名,手机号,身份证号,现住址,户籍地址,车次,日期\n");
        csv.push_str("甲,13900000001,,陕西省西安市雁塔区小寨路街道,,G1,2021-12-20\n");
        csv.push_str("乙,13900000002,,雁塔区小寨路街道,,G2,2021-12-20\n");
        csv.push_str("乙,13900000002,,雁塔区小寨路街道,,G3,2021-12-21\n");
        for i in 0..6000 {
            csv.push_str(&format!(
                "丙{i},138{i:08},,雁塔区小寨路街道,,G9,2021-12-20\n"
            ));
        }
        // In the second batch: 甲 again, now with an ID number.
        csv.push_str("甲,13900000001,610113199001010019,雁塔区小寨路街道,,G4,2021-12-22\n");
        for i in 0..6000 {
            csv.push_str(&format!(
                "丁{i},137{i:08},,雁塔区小寨路街道,,G9,2021-12-20\n"
            ));
        }
        // Later still: only the ID number the second batch gave 甲.
        csv.push_str(",,610113199001010019,,,G5,2021-12-23\n");
        csv.push_str("乙,13900000002,,雁塔区小寨路街道,,G2,2021-12-20\n");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("铁路.csv");
        std::fs::write(&file, &csv).unwrap();
        let run = || import_as_railway(&app, &file);
        let text = run();
        assert!(
        text.contains("12006 rows, 12002 new subjects, 3 joined known subjects, 1 imported before, 0 refused"),
        "{text}"
    );
        assert!(run().contains("imported before: nothing new"));
        let co = app.signed_in("coordinator").await;
        // 甲 was seen last (the 23rd): first on the list, with three leads.
        let (_, subjects) = app.get(&co, "/api/screening/subjects").await;
        let first = &subjects[0];
        assert_eq!(first["last_seen_on"], "2021-12-23", "{first}");
        assert_eq!(first["leads"].as_i64(), Some(3), "{first}");
    }
);

// A row is known as sent before by its 8-byte hash and then by its
// content: a stored lead whose hash matches but whose content differs (a
// collision, made here by changing the stored row) is not a repeat.
both!(a_row_sent_before_is_confirmed_by_its_content, |app| {
    let dir = tempfile::tempdir().unwrap();
    let import = |csv: &str, name: &str| {
        let file = dir.path().join(name);
        std::fs::write(&file, csv).unwrap();
        import_as_railway(&app, &file)
    };
    let head = "姓名,手机号,身份证号,现住址,户籍地址,车次,日期\n";
    let a = "甲,13900000001,,雁塔区小寨路街道,,G1,2021-12-20\n";
    let b = "乙,13900000002,,雁塔区小寨路街道,,G2,2021-12-20\n";
    let c = "丙,13900000003,,雁塔区小寨路街道,,G3,2021-12-20\n";
    let first = import(&format!("{head}{a}{b}"), "1.csv");
    assert!(first.contains("2 rows, 2 new subjects"), "{first}");
    // Sent again beside a new row: 甲's row is a repeat.
    let again = import(&format!("{head}{a}{c}"), "2.csv");
    assert!(
        again.contains("2 rows, 1 new subjects, 0 joined known subjects, 1 imported before"),
        "{again}"
    );
    // 乙's stored lead keeps its hash but no longer its content.
    let mut tx = app.db.write().await.unwrap();
    liandong::execute!(&mut tx, "UPDATE leads SET trip = 'G2 改' WHERE name = '乙'").unwrap();
    tx.commit().await.unwrap();
    let third = import(&format!("{head}{b}{c}"), "3.csv");
    assert!(
        third.contains("2 rows, 0 new subjects, 1 joined known subjects, 1 imported before"),
        "{third}"
    );
});

// A list of several megabytes is taken from the page (every other body
// stays bounded at 2 MB).
both!(a_list_of_megabytes_is_taken_from_the_page, |app| {
    let mut csv = String::from("姓名,手机号,现住址,车次,日期\n");
    for i in 0..40_000 {
        csv.push_str(&format!(
            "旅客{i},138{i:08},陕西省西安市雁塔区小寨路街道兴善社区{i}号楼,G87 北京西-西安北,2021-12-20\n"
        ));
    }
    assert!(csv.len() > 3 * 1024 * 1024);
    let co = app.signed_in("coordinator").await;
    let report = send(&app, &co, "大名单.csv", &csv, "铁路部门", "transport").await;
    let (_, list) = app
        .get(&co, &format!("/api/screening/lists/{}", list_id(&report)))
        .await;
    assert_eq!(list["new_subjects"], 40_000, "{list}");
    let big = serde_json::json!({ "notes": "x".repeat(3 * 1024 * 1024) });
    let (status, _) = app.post(&co, "/api/needs", &big).await;
    assert_eq!(status, 413);
});

// The set a helper wrote from the rules alone, without reading the
// importer (tests/data/screening-adversarial, README there): each list's
// counts and refused lines, the people that must be one subject and those
// that must not. It found that every CRLF file's rows were numbered one
// line short (tables::first_line).
both!(
    an_independent_adversarial_set_reads_as_its_author_expects,
    |app| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/screening-adversarial");
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let co = app.signed_in("coordinator").await;
        let mut failures = Vec::new();
        for list in expected["lists"].as_array().unwrap() {
            let file = list["file"].as_str().unwrap();
            let csv = std::fs::read_to_string(dir.join(file)).unwrap();
            let at = send(
                &app,
                &co,
                file,
                &csv,
                list["source"].as_str().unwrap(),
                list["kind"].as_str().unwrap(),
            )
            .await;
            let (_, r) = app
                .get(&co, &format!("/api/screening/lists/{}", list_id(&at)))
                .await;
            for key in ["rows_read", "new_subjects", "joined", "repeated"] {
                if r[key] != list[key] {
                    failures.push(format!("{file} {key}: {} (expected {})", r[key], list[key]));
                }
            }
            let mut lines: Vec<i64> = r["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["line"].as_i64().unwrap())
                .collect();
            lines.dedup();
            let want: Vec<i64> = list["refused_lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_i64().unwrap())
                .collect();
            if lines != want {
                failures.push(format!(
                    "{file} refused lines {lines:?} (expected {want:?})"
                ));
            }
            for (line, field) in list["refused_fields"].as_object().unwrap() {
                let named = r["errors"].as_array().unwrap().iter().any(|e| {
                    e["line"].as_i64().unwrap().to_string() == *line && e["field"] == *field
                });
                if !named {
                    failures.push(format!(
                        "{file} line {line}: {field} not named ({})",
                        r["errors"]
                    ));
                }
            }
        }
        // Which subject each (file, line) became.
        let (_, subjects) = app.get(&co, "/api/screening/subjects").await;
        let subjects = subjects.as_array().unwrap();
        if expected["subjects_total"].as_u64() != Some(subjects.len() as u64) {
            failures.push(format!(
                "subjects: {} (expected {})",
                subjects.len(),
                expected["subjects_total"]
            ));
        }
        let mut of: std::collections::HashMap<(String, i64), i64> = Default::default();
        for s in subjects {
            let (_, d) = app
                .get(&co, &format!("/api/screening/subjects/{}", s["id"]))
                .await;
            for l in d["leads"].as_array().unwrap() {
                of.insert(
                    (
                        l["file_name"].as_str().unwrap().to_owned(),
                        l["line"].as_i64().unwrap(),
                    ),
                    s["id"].as_i64().unwrap(),
                );
            }
        }
        let subject = |p: &Value| {
            of.get(&(p[0].as_str().unwrap().to_owned(), p[1].as_i64().unwrap()))
                .copied()
        };
        for group in expected["same_person_groups"].as_array().unwrap() {
            let ids: Vec<Option<i64>> = group.as_array().unwrap().iter().map(subject).collect();
            if ids.iter().any(Option::is_none) || ids.windows(2).any(|w| w[0] != w[1]) {
                failures.push(format!("one person: {group} → {ids:?}"));
            }
        }
        for pair in expected["different_people"].as_array().unwrap() {
            let (a, b) = (subject(&pair[0]), subject(&pair[1]));
            if a.is_none() || a == b {
                failures.push(format!("two people: {pair} → {a:?} {b:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
);

/// A client that signs in with `who` and sets the number it calls from.
async fn caller(app: &TestApp, who: &str, phone: &str) -> Client {
    let c = app.signed_in(who).await;
    let (status, body) = app
        .send(
            &c,
            reqwest::Method::PUT,
            "/api/screening/seat",
            &serde_json::json!({"phone": phone}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    c
}

async fn check_call(app: &TestApp, c: &Client, ip: &str, phone: &str, code: &str) -> (u16, String) {
    let res = c
        .post(app.at("/check"))
        .header("x-forwarded-for", ip)
        .form(&[("phone", phone), ("code", code)])
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

both!(
    calls_hold_their_subject_say_what_they_trigger_and_can_be_checked,
    |app| {
        let co = app.signed_in("coordinator").await;
        for (name, csv, source, kind) in [
            ("a.csv", LIST_A, "铁路部门", "transport"),
            ("b.csv", LIST_B, "通信管理局", "roaming"),
            ("c.csv", LIST_C, "市场监管", "venue"),
        ] {
            send(&app, &co, name, csv, source, kind).await;
        }
        let street = app.signed_in("screener").await;
        let (_, work) = app.get(&street, "/api/screening/worklist").await;
        assert_eq!(work.as_array().unwrap().len(), 1, "{work}");
        let zhang = work[0]["id"].as_i64().unwrap();
        // No number to call from yet: said so.
        let (status, body) = app
            .post(
                &street,
                &format!("/api/screening/subjects/{zhang}/calls"),
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["phone"]),
            "{body}"
        );
        let street = caller(&app, "screener", "137-0000-1111").await;
        let desk = caller(&app, "coordinator", "13700002222").await;
        // Two callers at once: one holds the subject, the other is told who.
        let path = format!("/api/screening/subjects/{zhang}/calls");
        let empty = serde_json::json!({});
        let (a, b) = tokio::join!(
            app.post(&street, &path, &empty),
            app.post(&desk, &path, &empty)
        );
        let mut statuses = vec![a.0, b.0];
        statuses.sort();
        assert_eq!(statuses, vec![201, 409], "{a:?} {b:?}");
        let (won, lost, call) = if a.0 == 201 {
            (&street, &desk, a.1)
        } else {
            (&desk, &street, b.1)
        };
        let (_, refused) = app.post(lost, &path, &empty).await;
        assert!(
            refused["message"].as_str().unwrap().contains("正在拨打"),
            "{refused}"
        );
        assert_eq!(call["phone"], "13911110001");
        let code = call["code"].as_str().unwrap().to_owned();
        assert_eq!(code.len(), 6);
        let from = if std::ptr::eq(won, &street) {
            "137 0000 1111"
        } else {
            "+86 137-0000-2222"
        };

        // The resident checks the call: the number and the code, or nothing.
        let resident = app.client();
        let (status, page) = check_call(&app, &resident, "10.1.0.1", from, &code).await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"check-yes\""), "{page}");
        assert!(page.contains("小寨路街道"), "{page}");
        let wrong = if code == "123456" { "654321" } else { "123456" };
        let (_, page) = check_call(&app, &resident, "10.1.0.1", from, wrong).await;
        assert!(page.contains("id=\"check-no\""));
        // Guessing codes is cut off per client…
        let mut last = 0;
        for _ in 0..12 {
            last = check_call(&app, &resident, "10.1.0.2", from, wrong).await.0;
        }
        assert_eq!(last, 429);
        // …and per number checked, from however many clients.
        let mut last = 0;
        for i in 0..25 {
            last = check_call(
                &app,
                &resident,
                &format!("10.2.0.{i}"),
                "13700003333",
                wrong,
            )
            .await
            .0;
        }
        assert_eq!(last, 429);

        // No answer: tried once, not called again today, by anyone.
        let (status, s) = app
            .post(
                won,
                &format!("/api/screening/calls/{}/end", call["call_id"]),
                &serde_json::json!({"outcome": "no_answer"}),
            )
            .await;
        assert_eq!(status, 200, "{s}");
        assert_eq!(
            (&s["status"], &s["attempts"], &s["called_today"]),
            (&Value::from("open"), &Value::from(1), &Value::Bool(true))
        );
        let (_, work) = app.get(&street, "/api/screening/worklist").await;
        assert!(work.as_array().unwrap().is_empty(), "{work}");

        // Moved away needs where to; then the subject waits to be handed over.
        let (_, all) = app.get(&desk, "/api/screening/worklist").await;
        let other = all.as_array().unwrap()[0]["id"].as_i64().unwrap();
        let (_, call) = app
            .post(
                &desk,
                &format!("/api/screening/subjects/{other}/calls"),
                &empty,
            )
            .await;
        let end = format!("/api/screening/calls/{}/end", call["call_id"]);
        let (status, body) = app
            .post(&desk, &end, &serde_json::json!({"outcome": "moved_away"}))
            .await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["moved_to"]),
            "{body}"
        );
        let (status, s) = app
            .post(
                &desk,
                &end,
                &serde_json::json!({"outcome": "moved_away", "moved_to": "北京市朝阳区"}),
            )
            .await;
        assert_eq!(status, 200, "{s}");
        assert_eq!(
            (&s["status"], &s["moved_to_division"]),
            (&Value::from("transfer"), &Value::from("110105"))
        );
        // Ended once; a second end finds no open call.
        let (status, _) = app
            .post(&desk, &end, &serde_json::json!({"outcome": "reached"}))
            .await;
        assert_eq!(status, 404);
        // The handover is made from the records: who called, who was not
        // reached, who waits to be handed over.
        let (status, h) = app.get(&desk, "/api/screening/handover").await;
        assert_eq!(status, 200, "{h}");
        let calls: i64 = h["work"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["calls"].as_i64().unwrap())
            .sum();
        assert_eq!(calls, 2, "{h}");
        assert_eq!(h["unreached"][0]["id"], zhang, "{h}");
        assert_eq!(h["transfers"][0]["id"], other, "{h}");
        assert_eq!(h["transfers"][0]["moved_to_division"], "110105");
        let res = desk
            .get(app.at("/screening/handover.pdf"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert!(res.bytes().await.unwrap().starts_with(b"%PDF-"));
        let page = app.page(&desk, "/screening/handover").await;
        assert!(
            page.contains("handover-unreached") && page.contains("张*"),
            "{page}"
        );
        // Each call was audited, without the number.
        let admin = app.signed_in("admin").await;
        let (_, events) = app.get(&admin, "/api/audit?action=call.end").await;
        assert_eq!(events.as_array().map(Vec::len), Some(2), "{events}");
        assert!(!events.to_string().contains("13911110001"));
    }
);

both!(
    a_replay_of_three_overlapping_lists_makes_no_second_call,
    |app| {
        let co = app.signed_in("coordinator").await;
        let desk = caller(&app, "coordinator", "13700002222").await;
        let lists = [
            ("a.csv", LIST_A, "铁路部门", "transport"),
            ("b.csv", LIST_B, "通信管理局", "roaming"),
            ("c.csv", LIST_C, "市场监管", "venue"),
        ];
        for (name, csv, source, kind) in lists {
            send(&app, &co, name, csv, source, kind).await;
        }
        // Work the whole list once: everyone reached.
        let mut called = Vec::new();
        loop {
            let (_, work) = app.get(&desk, "/api/screening/worklist").await;
            let Some(next) = work.as_array().unwrap().first() else {
                break;
            };
            let id = next["id"].as_i64().unwrap();
            assert!(!called.contains(&id), "{id} offered twice");
            called.push(id);
            let (_, call) = app
                .post(
                    &desk,
                    &format!("/api/screening/subjects/{id}/calls"),
                    &serde_json::json!({}),
                )
                .await;
            let (status, _) = app
                .post(
                    &desk,
                    &format!("/api/screening/calls/{}/end", call["call_id"]),
                    &serde_json::json!({"outcome": "reached"}),
                )
                .await;
            assert_eq!(status, 200);
        }
        assert_eq!(called.len(), 5);
        // The same lists again, from the same departments and as re-exports
        // under other names: nobody to call.
        for (name, csv, source, kind) in lists {
            send(&app, &co, name, csv, source, kind).await;
            send(
                &app,
                &co,
                &format!("重发-{name}"),
                &csv.replace('\n', "\r\n"),
                source,
                kind,
            )
            .await;
        }
        let (_, work) = app.get(&desk, "/api/screening/worklist").await;
        assert!(work.as_array().unwrap().is_empty(), "{work}");
        let (_, subjects) = app.get(&co, "/api/screening/subjects").await;
        assert_eq!(subjects.as_array().unwrap().len(), 5);
    }
);

both!(
    a_resident_reports_themselves_and_is_known_when_their_list_comes,
    |app| {
        let resident = app.client();
        let report = |form: Vec<(&'static str, &'static str)>| {
            let c = resident.clone();
            let url = app.at("/self-report");
            async move {
                let res = c.post(url).form(&form).send().await.unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            }
        };
        let good = vec![
            ("name", "张伟"),
            ("phone", "139 1111 0001"),
            ("id_number", ""),
            ("residence", "陕西省西安市雁塔区小寨路街道兴善社区12号楼"),
            ("trip", "G87 北京西"),
            ("seen_on", "2021-12-20"),
        ];
        let (status, page) = report(good.clone()).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("id=\"self-report-done\""), "{page}");
        // Sent twice (a double tap): one report.
        report(good).await;
        let (status, page) = report(vec![
            ("name", "李四"),
            ("phone", "12345"),
            ("residence", ""),
        ])
        .await;
        assert_eq!(status, 422);
        assert!(
            page.contains("电话") && page.contains("此项为必填项"),
            "{page}"
        );

        let co = app.signed_in("coordinator").await;
        let (_, subjects) = app.get(&co, "/api/screening/subjects").await;
        let list = subjects.as_array().unwrap();
        assert_eq!(list.len(), 1, "{subjects}");
        assert_eq!(list[0]["holder_division"], "610113001");
        assert!(list[0]["self_reported_at"].is_string());
        // The railway's list names them too: the same subject, which shows
        // everyone they reported.
        send(&app, &co, "a.csv", LIST_A, "铁路部门", "transport").await;
        let (_, subjects) = app.get(&co, "/api/screening/subjects").await;
        let zhang = subjects
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["leads"] == 2)
            .expect("one subject on both");
        assert_eq!(
            zhang["kinds"],
            serde_json::json!(["self_report", "transport"])
        );
        assert!(zhang["self_reported_at"].is_string());
    }
);

both!(
    a_transfer_is_seen_by_the_receiving_office_once_offered_and_answered_once,
    |app| {
        let co = app.signed_in("coordinator").await;
        send(&app, &co, "a.csv", LIST_A, "铁路部门", "transport").await;
        // A street office in Beijing's 朝阳区 screens too.
        let admin = app.signed_in("admin").await;
        let (status, body) = app
        .post(
            &admin,
            "/api/accounts",
            &serde_json::json!({"username": "chaoyang", "display_name": "朝阳区排查组", "password": "chaoyang-2021-12",
                "role": "screener", "org_id": 1, "jurisdiction_code": "110105"}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let beijing = app.client();
        let res = beijing
            .post(app.at("/api/session"))
            .json(&serde_json::json!({"username": "chaoyang", "password": "chaoyang-2021-12"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);

        // 张伟 has moved to 朝阳区, his call says.
        let street = caller(&app, "screener", "13700001111").await;
        let (_, work) = app.get(&street, "/api/screening/worklist").await;
        let zhang = work[0]["id"].as_i64().unwrap();
        let (_, call) = app
            .post(
                &street,
                &format!("/api/screening/subjects/{zhang}/calls"),
                &serde_json::json!({}),
            )
            .await;
        let (status, _) = app
            .post(
                &street,
                &format!("/api/screening/calls/{}/end", call["call_id"]),
                &serde_json::json!({"outcome": "moved_away", "moved_to": "北京市朝阳区"}),
            )
            .await;
        assert_eq!(status, 200);
        // Not offered yet: 朝阳区 sees nothing.
        let (_, incoming) = app
            .get(&beijing, "/api/screening/transfers?direction=in")
            .await;
        assert!(incoming.as_array().unwrap().is_empty(), "{incoming}");
        let (status, _) = app
            .get(&beijing, &format!("/api/screening/subjects/{zhang}"))
            .await;
        assert_eq!(status, 404);
        // Offered (to where the call said), once.
        let offer = format!("/api/screening/subjects/{zhang}/transfer");
        let (status, t) = app
            .post(
                &street,
                &offer,
                &serde_json::json!({"reason": "已搬至北京朝阳"}),
            )
            .await;
        assert_eq!(status, 201, "{t}");
        assert_eq!(t["to_division"], "110105");
        let (status, _) = app
            .post(&street, &offer, &serde_json::json!({"reason": "再交一次"}))
            .await;
        assert_eq!(status, 409);
        let (_, incoming) = app
            .get(&beijing, "/api/screening/transfers?direction=in")
            .await;
        assert_eq!(incoming.as_array().unwrap().len(), 1, "{incoming}");
        assert_eq!(incoming[0]["subject_name"], "张*");
        assert_eq!(incoming[0]["overdue"], false);
        // Accepted: 朝阳区 holds him; the street where he lived still sees who does.
        let answer = format!("/api/screening/transfers/{}/answer", t["id"]);
        // The sender cannot answer for the receiver.
        let (status, _) = app
            .post(&street, &answer, &serde_json::json!({"accept": true}))
            .await;
        assert_eq!(status, 404);
        let (status, t) = app
            .post(&beijing, &answer, &serde_json::json!({"accept": true}))
            .await;
        assert_eq!(
            (status, &t["outcome"]),
            (200, &Value::from("accepted")),
            "{t}"
        );
        let (status, again) = app
            .post(&beijing, &answer, &serde_json::json!({"accept": true}))
            .await;
        assert_eq!(status, 409, "{again}");
        let (status, d) = app
            .get(&beijing, &format!("/api/screening/subjects/{zhang}"))
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            (&d["subject"]["holder_division"], &d["subject"]["routed_by"]),
            (&Value::from("110105"), &Value::from("transfer"))
        );
        let (status, d) = app
            .get(&street, &format!("/api/screening/subjects/{zhang}"))
            .await;
        assert_eq!(
            (status, &d["subject"]["holder_division"]),
            (200, &Value::from("110105"))
        );
        let (_, outgoing) = app.get(&street, "/api/screening/transfers").await;
        assert_eq!(outgoing[0]["outcome"], "accepted");

        // Declining needs a reason; the person goes back to the sender.
        let (_, all) = app.get(&co, "/api/screening/subjects?within=610112").await;
        let li = all[0]["id"].as_i64().unwrap();
        // From the page, a transfer without its reason is told so beside the
        // transfer's field only (the reveal form asks for a reason too).
        let res = co
            .post(app.at(&format!("/screening/subjects/{li}/transfer")))
            .form(&[("to_division", "110105"), ("reason", " ")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        let empty = page.matches("<span class=\"field-error\"></span>").count();
        let all_spans = page.matches("<span class=\"field-error\">").count();
        assert_eq!(all_spans - empty, 1, "{page}");
        let (status, t) = app
            .post(
                &co,
                &format!("/api/screening/subjects/{li}/transfer"),
                &serde_json::json!({"to_division": "110105", "reason": "疑似在京"}),
            )
            .await;
        assert_eq!(status, 201, "{t}");
        let answer = format!("/api/screening/transfers/{}/answer", t["id"]);
        let (status, body) = app
            .post(&beijing, &answer, &serde_json::json!({"accept": false}))
            .await;
        assert_eq!((status, error_fields(&body)), (422, vec!["reason"]));
        let (status, _) = app
            .post(
                &beijing,
                &answer,
                &serde_json::json!({"accept": false, "reason": "查无此人"}),
            )
            .await;
        assert_eq!(status, 200);
        let (_, d) = app.get(&co, &format!("/api/screening/subjects/{li}")).await;
        assert_eq!(
            (&d["subject"]["status"], &d["subject"]["holder_division"]),
            (&Value::from("open"), &Value::from("610112001"))
        );
        // Nobody's subject is left unheld.
        let (status, orphans) = app.get(&admin, "/api/screening/orphans").await;
        assert_eq!((status, orphans), (200, serde_json::json!([])));
    }
);

/// The Beijing day and shift now, as the roster counts them.
fn shift_now() -> (String, &'static str) {
    let bj = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
    let minutes = u32::from(bj.hour()) * 60 + u32::from(bj.minute());
    if minutes < 9 * 60 {
        ((bj.date() - time::Duration::days(1)).to_string(), "evening")
    } else if minutes < 16 * 60 + 30 {
        (bj.date().to_string(), "day")
    } else {
        (bj.date().to_string(), "evening")
    }
}

both!(
    seats_on_a_shift_share_the_office_list_and_unlocated_people_go_where_seats_are_staffed,
    |app| {
        let admin = app.signed_in("admin").await;
        let (status, body) = app
            .post(&admin, "/api/accounts", &serde_json::json!({"username": "screener2", "display_name": "牛排查（小寨路街道）",
                "password": "screener2-2021-12", "role": "screener", "org_id": 1, "jurisdiction_code": "610113001"}))
            .await;
        assert_eq!(status, 201, "{body}");
        let second = body["id"].as_i64().unwrap();
        let co = app.signed_in("coordinator").await;
        let (_, me) = app.get(&app.signed_in("screener").await, "/api/me").await;
        let first = me["id"].as_i64().unwrap();
        let (day, shift) = shift_now();
        // The coordinator rosters both at the street's seats 1 and 2.
        for (account, seat) in [(first, 1), (second, 2)] {
            let (status, on) = app
                .post(&co, "/api/screening/shifts", &serde_json::json!({"account_id": account, "day": day, "shift": shift, "seat": seat}))
                .await;
            assert_eq!(status, 201, "{on}");
            assert_eq!(on["division_code"], "610113001");
        }
        // Twice on one shift, a seat taken, a seat that is none, a day
        // beyond the week: refused, naming what.
        let (status, _) = app
            .post(
                &co,
                "/api/screening/shifts",
                &serde_json::json!({"account_id": first, "day": day, "shift": shift, "seat": 3}),
            )
            .await;
        assert_eq!(status, 409);
        let (status, _) = app
            .post(&co, "/api/screening/shifts", &serde_json::json!({"account_id": first, "day": day, "shift": if shift == "day" { "evening" } else { "day" }, "seat": 1}))
            .await;
        assert_eq!(status, 201, "another shift, the same seat: fine");
        let (status, e) = app
            .post(
                &co,
                "/api/screening/shifts",
                &serde_json::json!({"account_id": second, "day": day, "shift": shift, "seat": 0}),
            )
            .await;
        assert_eq!(
            (status, e["fields"][0]["field"].as_str()),
            (422, Some("seat")),
            "{e}"
        );
        let (status, e) = app
            .post(&co, "/api/screening/shifts", &serde_json::json!({"account_id": second, "day": "2099-01-01", "shift": shift, "seat": 5}))
            .await;
        assert_eq!(
            (status, e["fields"][0]["field"].as_str()),
            (422, Some("day")),
            "{e}"
        );
        let (_, roster) = app
            .get(&co, &format!("/api/screening/shifts?day={day}"))
            .await;
        assert_eq!(roster.as_array().unwrap().len(), 3, "{roster}");

        // Six people of the street: each seat calls its own share, the
        // two shares the whole list.
        let mut csv = String::from("姓名,手机号码,现住址\n");
        for i in 0..6 {
            csv.push_str(&format!(
                "居民{i},1391111{:04},陕西省西安市雁塔区小寨路街道\n",
                100 + i
            ));
        }
        send(&app, &co, "street.csv", &csv, "社区摸排", "transport").await;
        let ids = |list: &Value| -> std::collections::BTreeSet<i64> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_i64().unwrap())
                .collect()
        };
        let one = ids(&app
            .get(&app.signed_in("screener").await, "/api/screening/worklist")
            .await
            .1);
        let c2 = app.client();
        c2.post(app.at("/api/session"))
            .json(&serde_json::json!({"username": "screener2", "password": "screener2-2021-12"}))
            .send()
            .await
            .unwrap();
        let two = ids(&app.get(&c2, "/api/screening/worklist").await.1);
        assert!(!one.is_empty() && !two.is_empty(), "{one:?} {two:?}");
        assert!(one.is_disjoint(&two), "{one:?} {two:?}");
        assert_eq!(one.len() + two.len(), 6);
        let page = app.page(&c2, "/screening/calls").await;
        assert!(page.contains("id=\"on-shift\""), "{page}");

        // Three people with no known address, sent by the city: dealt to
        // streets with less work per seat than 小寨路's (6 open, 2 seats),
        // one each, the split recorded.
        let report = send(&app, &co, "roaming.csv", "手机号码,日期\n13922220001,2021-12-21\n13922220002,2021-12-21\n13922220003,2021-12-21\n", "通信管理局", "roaming").await;
        let (_, r) = app
            .get(&co, &format!("/api/screening/lists/{}", list_id(&report)))
            .await;
        let split = r["split"].as_object().unwrap();
        assert_eq!(split.len(), 3, "{r}");
        assert!(!split.contains_key("610113001"), "{r}");

        // Taken off: out of the roster, once.
        let id = roster[0]["id"].as_i64().unwrap();
        let (status, _) = app
            .send(
                &co,
                reqwest::Method::DELETE,
                &format!("/api/screening/shifts/{id}"),
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(status, 204);
        let (status, _) = app
            .send(
                &co,
                reqwest::Method::DELETE,
                &format!("/api/screening/shifts/{id}"),
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(status, 404);
    }
);
