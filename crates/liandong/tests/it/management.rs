//! Graded management: a reached subject managed on its level's schedule
//! (set by an admin, kept by those already managed), PCR results matched
//! by ID number or phone and name (the rest listed, matched again later,
//! a list sent twice taken once), expected against received, overdue,
//! release once complete (and only once), a positive result handed on.

use reqwest::Client;
use serde_json::{Value, json};

use crate::both;
use crate::harness::*;
use crate::screening::send;

const LIST: &str = "姓名,身份证号,手机号码,现住址,车次,到达日期
张伟,610113199001010019,13911110001,陕西省西安市雁塔区小寨路街道兴善社区12号楼,G87,2021-12-20
李娜,,13911110002,陕西省西安市雁塔区小寨路街道,G88,2021-12-20
";

fn day(back: i64) -> String {
    (time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date()
        - time::Duration::days(back))
    .to_string()
}

/// Send a result list through the page: the page's answer.
async fn send_results(app: &TestApp, c: &Client, name: &str, csv: &str) -> (u16, String) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name(name.to_owned()),
    );
    let res = c
        .post(app.at("/screening/results"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn subject_named(app: &TestApp, c: &Client, masked: &str) -> i64 {
    let (_, subjects) = app.get(c, "/api/screening/subjects").await;
    subjects
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == masked)
        .unwrap_or_else(|| panic!("{masked} in {subjects}"))["id"]
        .as_i64()
        .unwrap()
}

fn managed_of(list: &Value, subject: i64) -> Option<&Value> {
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject_id"] == subject)
}

both!(
    a_subject_is_managed_on_its_schedule_matched_to_results_and_released_once,
    |app| {
        let co = app.signed_in("coordinator").await;
        send(&app, &co, "a.csv", LIST, "铁路部门", "transport").await;
        let zhang = subject_named(&app, &co, "张*").await;
        let li = subject_named(&app, &co, "李*").await;

        // The schedules: 七天三检 at home until an admin says otherwise;
        // only an admin may, and a schedule of more tests than days is
        // refused naming the field.
        let (status, s) = app.get(&co, "/api/screening/schedules").await;
        assert_eq!(status, 200);
        assert_eq!(
            s[0],
            json!({"level": "home_isolation", "tests": 3, "days": 7})
        );
        let (status, _) = app
            .send(
                &co,
                reqwest::Method::PUT,
                "/api/screening/schedules/self_monitoring",
                &json!({"tests": 2, "days": 3}),
            )
            .await;
        assert_eq!(status, 403);
        let admin = app.signed_in("admin").await;
        let (status, e) = app
            .send(
                &admin,
                reqwest::Method::PUT,
                "/api/screening/schedules/self_monitoring",
                &json!({"tests": 5, "days": 3}),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(e["fields"][0]["field"], "tests", "{e}");

        // 张伟 came back six days ago: home isolation, 3 tests in 7 days,
        // the last day today. No results yet: two tests overdue.
        let (status, m) = app
            .post(
                &co,
                &format!("/api/screening/subjects/{zhang}/management"),
                &json!({"level": "home_isolation", "starts_on": day(6)}),
            )
            .await;
        assert_eq!(status, 201, "{m}");
        assert_eq!(m["ends_on"], day(0));
        assert_eq!(m["progress"]["expected"], 3);
        assert_eq!(m["progress"]["received"], 0);
        assert_eq!(m["progress"]["overdue"], true);
        let (status, e) = app
            .post(
                &co,
                &format!("/api/screening/subjects/{zhang}/management"),
                &json!({"level": "self_monitoring"}),
            )
            .await;
        assert_eq!(status, 409, "{e}");
        // A start further back than 14 days is refused naming the field.
        let (status, e) = app
            .post(
                &co,
                &format!("/api/screening/subjects/{li}/management"),
                &json!({"level": "self_monitoring", "starts_on": day(20)}),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(e["fields"][0]["field"], "starts_on", "{e}");
        // The admin changes self monitoring now; 李娜 starts on the new one.
        let (status, _) = app
            .send(
                &admin,
                reqwest::Method::PUT,
                "/api/screening/schedules/self_monitoring",
                &json!({"tests": 3, "days": 3}),
            )
            .await;
        assert_eq!(status, 200);
        let (status, m) = app
            .post(
                &co,
                &format!("/api/screening/subjects/{li}/management"),
                &json!({"level": "self_monitoring"}),
            )
            .await;
        assert_eq!(status, 201, "{m}");
        assert_eq!(
            (m["tests"].as_i64(), m["days"].as_i64()),
            (Some(3), Some(3))
        );
        let (_, overdue) = app.get(&co, "/api/screening/managed?view=overdue").await;
        assert!(managed_of(&overdue, zhang).is_some(), "{overdue}");
        assert!(managed_of(&overdue, li).is_none(), "{overdue}");
        let release = format!(
            "/api/screening/managed/{}/release",
            managed_of(&overdue, zhang).unwrap()["id"]
        );
        let (status, _) = app.post(&co, &release, &json!({})).await;
        assert_eq!(status, 409, "not complete yet");

        // Results: 张伟's three by ID number, one of them again as another
        // lab writes it (the same result: taken once), 李娜's by phone and
        // name, one of nobody listed, and a row with a date nobody can read.
        let results = format!(
            "姓名,身份证号码,联系电话,采样时间,检测结果
张伟,610113199001010019,,{} 08:00,阴性
张伟,610113199001010019,,{},阴性
张伟,610113199001010019,,{},阴性
张伟,610113199001010019,,{} 15:00,(-)
李娜,,139 1111 0002,{},阴性
孙七,,13911110077,{},阴性
周八,,13911110078,昨天,阴性
",
            day(6),
            day(3),
            day(0),
            day(0),
            day(0),
            day(1)
        );
        let (status, page) = send_results(&app, &co, "results.csv", &results).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("id=\"report-matched\">4<"), "{page}");
        assert!(page.contains("重复 1"), "{page}");
        assert!(page.contains("id=\"report-unmatched\">1<"), "{page}");
        assert!(page.contains("id=\"report-refused\">1<"), "{page}");
        assert!(
            page.contains("采样日期"),
            "the refused row names its field: {page}"
        );
        // Sent again: taken once.
        let (_, page) = send_results(&app, &co, "results-again.csv", &results).await;
        assert!(page.contains("这份结果已导入过"), "{page}");
        let (_, unmatched) = app.get(&co, "/api/screening/results/unmatched").await;
        assert_eq!(unmatched.as_array().unwrap().len(), 1, "{unmatched}");
        assert_eq!(unmatched[0]["name"], "孙*");
        assert_eq!(unmatched[0]["phone"], "139****0077");

        // 张伟: three of three, the last day reached: ready, released once.
        let (_, ready) = app.get(&co, "/api/screening/managed?view=ready").await;
        let m = managed_of(&ready, zhang).expect("ready");
        assert_eq!(m["progress"]["received"], 3);
        assert_eq!(m["progress"]["overdue"], false);
        assert!(managed_of(&ready, li).is_none(), "李娜 has two days to go");
        let (status, r) = app.post(&co, &release, &json!({})).await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["status"], "released");
        let (status, _) = app.post(&co, &release, &json!({})).await;
        assert_eq!(status, 409);
        let (_, s) = app
            .get(&co, &format!("/api/screening/subjects/{zhang}"))
            .await;
        assert_eq!(s["subject"]["status"], "closed");
        assert_eq!(s["subject"]["closed_reason"], "released");

        // 孙七 turns up on a later list: matched again, once.
        send(
            &app,
            &co,
            "b.csv",
            "姓名,手机号码,现住址\n孙七,13911110077,陕西省西安市雁塔区小寨路街道\n",
            "社区",
            "transport",
        )
        .await;
        let (status, n) = app
            .post(&co, "/api/screening/results/rematch", &json!({}))
            .await;
        assert_eq!(status, 200);
        assert_eq!(n["matched"], 1);
        let (_, unmatched) = app.get(&co, "/api/screening/results/unmatched").await;
        assert!(unmatched.as_array().unwrap().is_empty());

        // A positive result stops 李娜's management: not released, listed.
        send_results(
            &app,
            &co,
            "positive.csv",
            &format!(
                "姓名,手机号,采样日期,结果\n李娜,13911110002,{},阳性\n",
                day(0)
            ),
        )
        .await;
        let (_, positive) = app.get(&co, "/api/screening/managed?view=positive").await;
        let m = managed_of(&positive, li).expect("positive");
        assert_eq!(m["status"], "positive");
        let (status, _) = app
            .post(
                &co,
                &format!("/api/screening/managed/{}/release", m["id"]),
                &json!({}),
            )
            .await;
        assert_eq!(status, 409);

        // Another office sees none of it, and cannot release.
        let (status, body) = app
            .post(&admin, "/api/accounts",
                &json!({"username": "chaoyang", "display_name": "朝阳区排查组", "password": "chaoyang-2021-12",
                    "role": "screener", "org_id": 1, "jurisdiction_code": "110105"}))
            .await;
        assert_eq!(status, 201, "{body}");
        let beijing = app.client();
        beijing
            .post(app.at("/api/session"))
            .json(&json!({"username": "chaoyang", "password": "chaoyang-2021-12"}))
            .send()
            .await
            .unwrap();
        for view in ["active", "ready", "positive", "released"] {
            let (status, list) = app
                .get(&beijing, &format!("/api/screening/managed?view={view}"))
                .await;
            assert_eq!(status, 200);
            assert!(list.as_array().unwrap().is_empty(), "{view}: {list}");
        }
        let (status, _) = app
            .post(
                &beijing,
                &format!("/api/screening/managed/{}/release", m["id"]),
                &json!({}),
            )
            .await;
        assert_eq!(status, 404);
        let (_, lists) = app.get(&beijing, "/api/screening/results").await;
        assert!(lists.as_array().unwrap().is_empty());
        // Its results never match this office's people, nor say they exist.
        let (status, page) = send_results(
            &app,
            &beijing,
            "bj.csv",
            &format!(
                "身份证号,采样日期,结果\n610113199001010019,{},阳性\n",
                day(0)
            ),
        )
        .await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("id=\"report-matched\">0<"), "{page}");
        assert!(page.contains("id=\"report-unmatched\">1<"), "{page}");

        // The subject page shows the management and the results.
        let page = app.page(&co, &format!("/screening/subjects/{zhang}")).await;
        assert!(page.contains("id=\"management-status\""), "{page}");
        assert!(page.contains("阴性"), "{page}");
    }
);

both!(two_people_releasing_one_person_release_them_once, |app| {
    let co = app.signed_in("coordinator").await;
    send(&app, &co, "a.csv", LIST, "铁路部门", "transport").await;
    let zhang = subject_named(&app, &co, "张*").await;
    let (_, m) = app
        .post(
            &co,
            &format!("/api/screening/subjects/{zhang}/management"),
            &json!({"level": "self_monitoring", "starts_on": day(2)}),
        )
        .await;
    send_results(
        &app,
        &co,
        "r.csv",
        &format!(
            "身份证号,采样日期,结果\n610113199001010019,{},阴性\n610113199001010019,{},阴性\n",
            day(2),
            day(0)
        ),
    )
    .await;
    let release = format!("/api/screening/managed/{}/release", m["id"]);
    let other = app.signed_in("coordinator").await;
    let empty = json!({});
    let (a, b) = tokio::join!(
        app.post(&co, &release, &empty),
        app.post(&other, &release, &empty)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let admin = app.signed_in("admin").await;
    let (_, events) = app
        .get(&admin, "/api/audit?action=management.release")
        .await;
    assert_eq!(events.as_array().map(Vec::len), Some(1), "{events}");
});

both!(
    figures_are_read_from_the_work_log_and_reported_as_xlsx,
    |app| {
        let co = app.signed_in("coordinator").await;
        send(&app, &co, "a.csv", LIST, "铁路部门", "transport").await;
        // Two calls from one seat: one reached, one not.
        let (status, _) = app
            .send(
                &co,
                reqwest::Method::PUT,
                "/api/screening/seat",
                &json!({"phone": "13700001111"}),
            )
            .await;
        assert_eq!(status, 200);
        for (name, outcome) in [("张*", "reached"), ("李*", "no_answer")] {
            let id = subject_named(&app, &co, name).await;
            let (status, call) = app
                .post(
                    &co,
                    &format!("/api/screening/subjects/{id}/calls"),
                    &json!({}),
                )
                .await;
            assert_eq!(status, 201, "{call}");
            let (status, _) = app
                .post(
                    &co,
                    &format!("/api/screening/calls/{}/end", call["call_id"]),
                    &json!({"outcome": outcome}),
                )
                .await;
            assert_eq!(status, 200);
        }
        send_results(&app, &co, "r.csv", &format!(
            "身份证号,姓名,手机号,采样日期,结果\n610113199001010019,张伟,,{d},阴性\n,孙七,13911110077,{d},阴性\n", d = day(0))).await;

        let (status, f) = app.get(&co, "/api/screening/figures").await;
        assert_eq!(status, 200, "{f}");
        assert_eq!(
            (f["calls"].as_i64(), f["reached"].as_i64()),
            (Some(2), Some(1))
        );
        assert_eq!(f["reach_rate"], 50.0);
        assert_eq!(
            (f["results"].as_i64(), f["results_matched"].as_i64()),
            (Some(2), Some(1))
        );
        assert_eq!(f["match_rate"], 50.0);
        assert_eq!(f["seats"].as_array().unwrap().len(), 1, "{f}");
        assert_eq!(f["seats"][0]["seat"], "137****1111");
        assert_eq!(f["from"], day(6));
        // A span backwards, or a day that is none, is named.
        let (status, e) = app
            .get(
                &co,
                &format!("/api/screening/figures?from={}&to={}", day(0), day(3)),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(e["fields"][0]["field"], "to", "{e}");
        let (status, _) = app.get(&co, "/api/screening/figures?from=2021-02-30").await;
        assert_eq!(status, 422);

        // The upward report: a workbook whose summary says the same.
        let res = co
            .get(app.at("/screening/figures.xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let bytes = res.bytes().await.unwrap();
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let names = book.sheet_names();
        assert_eq!(names.len(), 3, "{names:?}");
        let summary = book.worksheet_range(&names[0]).unwrap();
        let rows: Vec<String> = summary
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join("=")
            })
            .collect();
        assert!(rows.contains(&"接通率=50%".to_owned()), "{rows:?}");
        let seats = book.worksheet_range(&names[1]).unwrap();
        assert_eq!(seats.rows().count(), 2, "a header and one seat");

        // The page says the same.
        let page = app.page(&co, "/screening/figures").await;
        assert!(page.contains("id=\"fig-calls\">2<"), "{page}");
    }
);

both!(
    door_to_door_sheets_carry_what_the_calls_found_and_are_audited,
    |app| {
        let co = app.signed_in("coordinator").await;
        send(&app, &co, "a.csv", LIST, "铁路部门", "transport").await;
        app.send(
            &co,
            reqwest::Method::PUT,
            "/api/screening/seat",
            &json!({"phone": "13700001111"}),
        )
        .await;
        let zhang = subject_named(&app, &co, "张*").await;
        let (_, call) = app
            .post(
                &co,
                &format!("/api/screening/subjects/{zhang}/calls"),
                &json!({}),
            )
            .await;
        let (status, _) = app
            .post(
                &co,
                &format!("/api/screening/calls/{}/end", call["call_id"]),
                &json!({"outcome": "refused", "note": "说是诈骗电话"}),
            )
            .await;
        assert_eq!(status, 200);
        // 李娜 is managed from six days back: her first two tests are owed.
        let li = subject_named(&app, &co, "李*").await;
        app.post(
            &co,
            &format!("/api/screening/subjects/{li}/management"),
            &json!({"level": "home_isolation", "starts_on": day(6)}),
        )
        .await;
        let page = app.page(&co, "/screening/handover").await;
        let tests = page
            .split("id=\"handover-tests\"")
            .nth(1)
            .expect("tests promised");
        assert!(tests.contains("李*"), "{page}");
        assert!(page.contains("id=\"handover-visits\""), "{page}");

        // No reason, no sheets.
        let res = co
            .post(app.at("/screening/visits.pdf"))
            .form(&[("reason", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let res = co
            .post(app.at("/screening/visits.pdf"))
            .form(&[("reason", "入户核查小组上门")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert_eq!(res.headers()["cache-control"], "no-store");
        let pdf = res.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let admin = app.signed_in("admin").await;
        let (_, events) = app
            .get(
                &admin,
                &format!("/api/audit?action=field.reveal&entity=subject&entity_id={zhang}"),
            )
            .await;
        let events = events.as_array().unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["reason"], "入户核查小组上门");
    }
);

both!(
    the_demo_screening_team_is_loaded_once_through_the_stores,
    |app| {
        let said = liandong::demo::load_screening(&app.db, 100).await.unwrap();
        assert!(said.contains("16 calls"), "{said}");
        assert!(
            liandong::demo::load_screening(&app.db, 100)
                .await
                .unwrap()
                .is_empty()
        );
        let street = app.signed_in("screener").await;
        let (_, overdue) = app
            .get(&street, "/api/screening/managed?view=overdue")
            .await;
        assert_eq!(overdue.as_array().unwrap().len(), 1, "{overdue}");
        let (_, f) = app.get(&street, "/api/screening/figures").await;
        assert_eq!(f["calls"], 16);
        assert_eq!(f["match_rate"], 100.0);
        let page = app.page(&street, "/screening/calls").await;
        assert!(page.contains("id=\"on-shift\""), "{page}");
    }
);
