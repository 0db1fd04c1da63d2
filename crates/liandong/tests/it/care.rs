//! Care (issue 14): every refusal and every gap rule on both engines — a
//! person is covered only while a guardian and a backup can reach them; a
//! sealing, a positive, a volunteer stranded or leaving the roster makes a
//! gap at once and promotes the backup; proposals never offer who cannot
//! reach; missed check-ins raise one alarm per due; plan lists are taken
//! whole or not at all, and once.

use serde_json::{Value, json};

use crate::both;
use crate::harness::*;
use crate::squads::volunteer_accounts;

const ZIWEI: &str = "西安市雁塔区电子城街道紫薇花园社区";
const XIJING: &str = "西安市雁塔区电子城街道西京社区";
/// Another street of the district: too far to be named.
const DAYANTA: &str = "西安市雁塔区大雁塔街道雁塔社区";

async fn register(app: &TestApp, c: &reqwest::Client, name: &str, categories: Value) -> Value {
    let (status, r) = app
        .post(
            c,
            "/api/care/recipients",
            &json!({"name": name, "phone": "13902920001", "address": format!("{ZIWEI}3号楼2单元"),
                "compound": "紫薇花园", "categories": categories, "routine": ["透析接送"]}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    r
}

async fn name(
    app: &TestApp,
    c: &reqwest::Client,
    id: &Value,
    role: &str,
    volunteer: i64,
) -> (u16, Value) {
    app.post(
        c,
        &format!("/api/care/recipients/{id}/guardians"),
        &json!({"role": role, "volunteer_id": volunteer}),
    )
    .await
}

/// The street's coverage. Coverage judges one by one only those who may
/// lack cover and counts the rest in SQL; every call checks it against the
/// list of the street's people, each judged (a full read), and against the
/// gaps-only list.
async fn coverage(app: &TestApp, c: &reqwest::Client) -> Value {
    let (status, cov) = app.get(c, "/api/care/coverage?within=610113004").await;
    assert_eq!(status, 200, "{cov}");
    let (status, all) = app.get(c, "/api/care/recipients?within=610113004").await;
    if status == 200 {
        let all = all.as_array().unwrap();
        assert!(all.len() < 500, "a street small enough to list whole");
        let count = |gap: &str| all.iter().filter(|r| r["gap"] == gap).count();
        let t = &cov["total"];
        assert_eq!(
            (
                t["recipients"].as_u64(),
                t["no_guardian"].as_u64(),
                t["no_backup"].as_u64(),
                t["missed"].as_u64()
            ),
            (
                Some(all.len() as u64),
                Some(count("no_guardian") as u64),
                Some(count("no_backup") as u64),
                Some(all.iter().filter(|r| r["missed"] == true).count() as u64)
            ),
            "coverage {cov} against each judged {all:?}"
        );
        let mut named: Vec<(i64, String)> = cov["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["recipient_id"].as_i64().unwrap(),
                    g["gap"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let mut judged: Vec<(i64, String)> = all
            .iter()
            .filter_map(|r| Some((r["id"].as_i64()?, r["gap"].as_str()?.to_owned())))
            .collect();
        named.sort();
        judged.sort();
        assert_eq!(named, judged, "{cov}");
        let (_, only) = app
            .get(c, "/api/care/recipients?within=610113004&gaps=yes")
            .await;
        let mut only: Vec<(i64, String)> = only
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| Some((r["id"].as_i64()?, r["gap"].as_str()?.to_owned())))
            .collect();
        only.sort();
        assert_eq!(only, judged, "gaps only");
    }
    cov
}

fn gap_of<'a>(cov: &'a Value, id: &Value) -> Option<&'a Value> {
    cov["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["recipient_id"] == *id)
}

fn ids(v: &[(i64, String, String)]) -> Vec<i64> {
    v.iter().map(|v| v.0).collect()
}

both!(
    a_guardian_sealed_in_elsewhere_is_a_gap_at_once_and_the_backup_steps_up,
    |app| {
        let co = app.signed_in("coordinator").await;
        let cw = app.signed_in("caseworker").await;
        let ziwei = ids(&volunteer_accounts(&app, &co, 2, ZIWEI, 1).await);
        let xijing = ids(&volunteer_accounts(&app, &co, 1, XIJING, 2).await);
        let far = ids(&volunteer_accounts(&app, &co, 1, DAYANTA, 3).await);
        let r = register(&app, &cw, "刘桂英", json!(["独居老人", "透析"])).await;
        let id = r["id"].clone();
        assert_eq!(r["phone"], "139****0001", "{r}");
        assert!(!r.to_string().contains("3号楼"), "address masked: {r}");
        assert_eq!(r["categories"], json!(["elderly_alone", "dialysis"]));

        // Nobody named: a gap by name, the serious kind.
        let cov = coverage(&app, &co).await;
        assert_eq!(cov["total"]["recipients"], 1, "{cov}");
        assert_eq!(gap_of(&cov, &id).unwrap()["gap"], "no_guardian");
        assert_eq!(gap_of(&cov, &id).unwrap()["why"], "unnamed");

        // Proposals: the street's volunteers, the same community first; never
        // one of another street.
        let (_, p) = app
            .get(&cw, &format!("/api/care/recipients/{id}/proposals"))
            .await;
        let proposed: Vec<i64> = p
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["volunteer_id"].as_i64().unwrap())
            .collect();
        assert_eq!(proposed.len(), 3, "{p}");
        assert!(proposed[..2].iter().all(|v| ziwei.contains(v)), "{p}");
        assert_eq!(p[0]["same_community"], true);
        assert!(!proposed.contains(&far[0]));

        // Refusals: too far, not there, a role that is neither, the guardian as
        // their own backup.
        let (status, body) = name(&app, &cw, &id, "guardian", far[0]).await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["volunteer_id"]),
            "{body}"
        );
        let (status, body) = name(&app, &cw, &id, "guardian", 0).await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["volunteer_id"]),
            "{body}"
        );
        let (status, body) = name(&app, &cw, &id, "carer", xijing[0]).await;
        assert_eq!((status, error_fields(&body)), (422, vec!["role"]), "{body}");
        let (status, _) = name(&app, &cw, &id, "guardian", xijing[0]).await;
        assert_eq!(status, 200);
        let (status, body) = name(&app, &cw, &id, "backup", xijing[0]).await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["volunteer_id"]),
            "{body}"
        );
        let cov = coverage(&app, &co).await;
        assert_eq!(gap_of(&cov, &id).unwrap()["gap"], "no_backup");
        let (status, named) = name(&app, &cw, &id, "backup", ziwei[0]).await;
        assert_eq!(status, 200, "{named}");
        assert_eq!(named["gap"], Value::Null, "{named}");
        let cov = coverage(&app, &co).await;
        assert_eq!(cov["total"]["covered"], 1, "{cov}");
        assert!(gap_of(&cov, &id).is_none());

        // The guardian's community is sealed: at once the backup is guardian,
        // the event says why, and the backup's place is a gap by name.
        let (status, zone) = app
            .post(
                &co,
                "/api/zones",
                &json!({"division_code": "610113004001", "level": "sealed", "reason": "出现阳性"}),
            )
            .await;
        assert_eq!(status, 201, "{zone}");
        let (_, now) = app.get(&cw, &format!("/api/care/recipients/{id}")).await;
        assert_eq!(now["guardian"]["volunteer_id"], ziwei[0], "{now}");
        assert_eq!(now["backup"], Value::Null, "{now}");
        assert_eq!(now["gap"], "no_backup");
        let cov = coverage(&app, &co).await;
        assert_eq!(cov["total"]["covered"], 0);
        assert_eq!(gap_of(&cov, &id).unwrap()["why"], "unnamed");
        let (_, events) = app
            .get(
                &app.signed_in("admin").await,
                "/api/audit?action=care.promote",
            )
            .await;
        let events = events.get("events").unwrap_or(&events);
        assert!(events.to_string().contains("sealed_elsewhere"), "{events}");
        // The sealed volunteer is not proposed, and cannot be named.
        let (_, p) = app
            .get(&cw, &format!("/api/care/recipients/{id}/proposals"))
            .await;
        assert!(
            !p.to_string()
                .contains(&format!("\"volunteer_id\":{}", xijing[0])),
            "{p}"
        );
        let (status, body) = name(&app, &cw, &id, "backup", xijing[0]).await;
        assert_eq!(status, 409, "{body}");
        assert!(body["message"].as_str().unwrap().contains("封控"), "{body}");
        // A new backup confirmed: 100% again.
        let (status, _) = name(&app, &cw, &id, "backup", ziwei[1]).await;
        assert_eq!(status, 200);
        let cov = coverage(&app, &co).await;
        assert_eq!(cov["total"]["covered"], 1, "{cov}");
        assert_eq!(
            cov["communities"][0]["division_name"]
                .as_str()
                .map(|n| n.contains("紫薇花园")),
            Some(true),
            "{cov}"
        );

        // Outside the caller's area nothing is told; office heads see the
        // count and the name masked.
        let viewer = app.signed_in("viewer").await;
        let (status, _) = app
            .get(&viewer, &format!("/api/care/recipients/{id}"))
            .await;
        assert_eq!(status, 403);
        let (status, body) = name(&app, &viewer, &id, "guardian", ziwei[1]).await;
        assert_eq!(status, 403, "{body}");
    }
);

both!(
    a_positive_guardian_and_one_who_leaves_the_roster_are_gaps,
    |app| {
        let co = app.signed_in("coordinator").await;
        let cw = app.signed_in("caseworker").await;
        let v = ids(&volunteer_accounts(&app, &co, 3, ZIWEI, 1).await);
        let r = register(&app, &cw, "张秀兰", json!(["pregnant_near_term"])).await;
        let id = r["id"].clone();
        name(&app, &cw, &id, "guardian", v[0]).await;
        name(&app, &cw, &id, "backup", v[1]).await;
        // The guardian tests positive: the backup is guardian at once.
        let (status, t) = app
        .post(
            &co,
            &format!("/api/volunteers/{}/positive", v[0]),
            &json!({"at": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap(), "reason": "核酸阳性"}),
        )
        .await;
        assert_eq!(status, 200, "{t}");
        let (_, now) = app.get(&cw, &format!("/api/care/recipients/{id}")).await;
        assert_eq!(
            (now["guardian"]["volunteer_id"].as_i64(), &now["backup"]),
            (Some(v[1]), &Value::Null),
            "{now}"
        );
        // The positive one can be named for nobody.
        let (status, body) = name(&app, &cw, &id, "backup", v[0]).await;
        assert_eq!(status, 409, "{body}");
        // The new guardian leaves the roster: no backup to step up, so the
        // person has no guardian, and the reason is named.
        let (status, body) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/leave-roster", v[1]),
                &json!({"reason": "返乡"}),
            )
            .await;
        assert_eq!(status, 204, "{body}");
        let (status, body) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/leave-roster", v[1]),
                &json!({"reason": "返乡"}),
            )
            .await;
        assert_eq!(status, 409, "twice: {body}");
        let cov = coverage(&app, &co).await;
        let g = gap_of(&cov, &id).unwrap();
        assert_eq!(
            (g["gap"].as_str(), g["why"].as_str()),
            (Some("no_guardian"), Some("left_roster")),
            "{cov}"
        );
        // Stranded is no guardian either.
        name(&app, &cw, &id, "guardian", v[2]).await;
        let (status, _) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/movement", v[2]),
                &json!({"movement": "stranded", "reason": "送货后滞留"}),
            )
            .await;
        assert_eq!(status, 204);
        let cov = coverage(&app, &co).await;
        assert_eq!(gap_of(&cov, &id).unwrap()["why"], "stranded", "{cov}");
    }
);

/// Move a person's check-in due back by `hours`.
async fn overdue(app: &TestApp, id: i64, hours: i64) {
    let mut tx = app.db.write().await.unwrap();
    liandong::execute!(
        &mut tx,
        "UPDATE care_recipients SET checkin_due_at = $1 WHERE id = $2",
        liandong::db::Ts::from(liandong::db::now() - time::Duration::hours(hours)),
        id
    )
    .unwrap();
    tx.commit().await.unwrap();
}

both!(
    a_missed_checkin_raises_one_alarm_and_the_guardian_clears_it,
    |app| {
        let co = app.signed_in("coordinator").await;
        let cw = app.signed_in("caseworker").await;
        let v = volunteer_accounts(&app, &co, 2, ZIWEI, 1).await;
        let r = register(&app, &cw, "王大爷", json!(["elderly_alone"])).await;
        let id = r["id"].as_i64().unwrap();
        let other = register(&app, &cw, "李奶奶", json!(["disabled_alone"])).await;
        name(&app, &cw, &r["id"], "guardian", v[0].0).await;
        overdue(&app, id, 3).await;
        let cov = coverage(&app, &co).await;
        assert_eq!(cov["total"]["missed"], 1, "{cov}");
        assert_eq!(cov["missed"][0]["recipient_id"], id);
        // The sweep raises the alarm once per due.
        assert_eq!(
            liandong::care::store::alarm_missed(&app.db, liandong::db::now())
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            liandong::care::store::alarm_missed(&app.db, liandong::db::now())
                .await
                .unwrap(),
            0
        );

        // The guardian, signed in: their person, not another's.
        let g = app.client();
        let res = g
            .post(app.at("/api/session"))
            .json(&json!({"username": v[0].1, "password": v[0].2}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let (status, mine) = app.get(&g, "/api/care/mine").await;
        assert_eq!(status, 200, "{mine}");
        assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
        assert_eq!(mine[0]["missed"], true);
        let (status, _) = app
            .get(&g, &format!("/api/care/recipients/{}", other["id"]))
            .await;
        assert_eq!(status, 403);
        // Needs help says what; no answer leaves the alarm standing.
        let path = format!("/api/care/recipients/{id}/checkins");
        let (status, body) = app
            .post(&g, &path, &json!({"kind": "call", "outcome": "needs_help"}))
            .await;
        assert_eq!((status, error_fields(&body)), (422, vec!["note"]), "{body}");
        let (status, body) = app
            .post(&g, &path, &json!({"kind": "fax", "outcome": "maybe"}))
            .await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["kind", "outcome"]),
            "{body}"
        );
        let (status, r) = app
            .post(&g, &path, &json!({"kind": "call", "outcome": "no_answer"}))
            .await;
        assert_eq!((status, &r["missed"]), (200, &json!(true)), "{r}");
        let (status, r) = app
            .post(
                &g,
                &path,
                &json!({"kind": "visit", "outcome": "well", "note": "送了药"}),
            )
            .await;
        assert_eq!((status, &r["missed"]), (200, &json!(false)), "{r}");
        let cov = coverage(&app, &co).await;
        assert_eq!(cov["total"]["missed"], 0, "{cov}");
        let (_, checkins) = app.get(&cw, &path).await;
        assert_eq!(checkins.as_array().unwrap().len(), 2, "{checkins}");
        // The guardian may open the phone, with an audited reveal.
        let (status, shown) = app
            .post(
                &g,
                &format!("/api/care/recipients/{id}/reveal"),
                &json!({"field": "phone", "reason": "每日联络"}),
            )
            .await;
        assert_eq!(
            (status, shown["value"].as_str()),
            (200, Some("13902920001")),
            "{shown}"
        );
        let (status, _) = app
            .post(
                &g,
                &format!("/api/care/recipients/{}/reveal", other["id"]),
                &json!({"field": "phone", "reason": "每日联络"}),
            )
            .await;
        assert_eq!(status, 403);
    }
);

async fn upload(app: &TestApp, c: &reqwest::Client, csv: &str) -> (u16, String) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("plan.csv"),
    );
    let res = c
        .post(app.at("/care/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

both!(a_plan_list_is_taken_whole_or_not_at_all_and_once, |app| {
    let co = app.signed_in("coordinator").await;
    let cw = app.signed_in("caseworker").await;
    let v = volunteer_accounts(&app, &co, 2, ZIWEI, 1).await;
    let far = volunteer_accounts(&app, &co, 1, DAYANTA, 2).await;
    let phone = |k: u32| format!("1391111{k:04}");
    let head =
        "序号,姓名,联系电话,住址,小区,人群类别,日常需要,探访频次,监护志愿者电话,备用志愿者电话\n";
    let good = format!(
        "1,赵阿姨,13700000001,{ZIWEI}1号楼,紫薇花园,独居老人,送餐,每天,{},{}\n\
         2,钱小宝,,{ZIWEI}2号楼,紫薇花园,留守儿童,,每两天,{},\n",
        phone(100),
        phone(101),
        phone(101)
    );
    assert_eq!(v[0].0 + 1, v[1].0);
    // Wrong lines: an unknown category, a volunteer not on the roster, one
    // of another street, an address outside the caseworker's district.
    let bad = format!(
        "{head}{good}3,孙大爷,,{ZIWEI}3号楼,,富豪,,每天,,\n\
         4,李伯伯,,{ZIWEI}4号楼,,独居老人,,每天,13000000000,\n\
         5,周阿婆,,{ZIWEI}5号楼,,独居老人,,每天,{},\n\
         6,吴奶奶,,西安市鄠邑区涝店镇龙窝村,,独居老人,,有空就去,,\n",
        phone(200)
    );
    assert_eq!(far.len(), 1);
    let (status, page) = upload(&app, &cw, &bad).await;
    assert_eq!(status, 422, "{page}");
    for line in [
        "data-line=\"4\"",
        "data-line=\"5\"",
        "data-line=\"6\"",
        "data-line=\"7\"",
    ] {
        assert!(page.contains(line), "{line}: {page}");
    }
    assert!(!page.contains("data-line=\"2\""), "{page}");
    let (_, list) = app.get(&cw, "/api/care/recipients").await;
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing taken: {list}");
    // A list without its columns says which.
    let (status, page) = upload(&app, &cw, "电话\n13700000001\n").await;
    assert_eq!(status, 422);
    assert!(page.contains("import-missing"), "{page}");

    let (status, page) = upload(&app, &cw, &format!("{head}{good}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("import-done"), "{page}");
    let (status, page) = upload(&app, &cw, &format!("{head}{good}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("2"), "{page}");
    let (_, list) = app.get(&cw, "/api/care/recipients").await;
    assert_eq!(list.as_array().unwrap().len(), 2, "never twice: {list}");
    let cov = coverage(&app, &co).await;
    assert_eq!(
        (
            cov["total"]["covered"].as_i64(),
            cov["total"]["no_backup"].as_i64()
        ),
        (Some(1), Some(1)),
        "{cov}"
    );

    // The plan an office hands over: who, what, who covers, what is missing.
    let plan = app.page(&cw, "/care/plan?within=610113004").await;
    for want in ["赵阿姨", "钱小宝", "送餐", "无备用人"] {
        assert!(plan.contains(want), "{want}: {plan}");
    }
    assert!(!plan.contains("13700000001"), "phones masked: {plan}");
    let res = cw
        .get(app.at("/care/plan.xlsx?within=610113004"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
});

both!(a_routine_becomes_a_need_on_schedule_and_only_once, |app| {
    let cw = app.signed_in("caseworker").await;
    let op = app.signed_in("operator").await;
    let r = register(&app, &cw, "周大爷", json!(["elderly_alone"])).await;
    let path = format!("/api/care/recipients/{}/schedules", r["id"]);
    let (status, body) = app
        .post(
            &cw,
            &path,
            &json!({"kind": "pills", "description": "", "every_days": 0, "first_at": "昨天"}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&body)),
        (422, vec!["kind", "description", "every_days", "first_at"]),
        "{body}"
    );
    let (status, s) = app
        .post(&cw, &path, &json!({"kind": "medicine", "description": "降压药（氨氯地平）一周的量", "every_days": 7}))
        .await;
    assert_eq!(status, 201, "{s}");
    // Nobody to reach: no phone and no guardian.
    let (status, lone) = app
        .post(
            &cw,
            "/api/care/recipients",
            &json!({"name": "无电话", "address": format!("{ZIWEI}8号楼"), "categories": ["disabled_alone"]}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = app
        .post(
            &cw,
            &format!("/api/care/recipients/{}/schedules", lone["id"]),
            &json!({"kind": "food", "description": "米面油", "every_days": 3}),
        )
        .await;
    assert_eq!((status, error_fields(&body)), (422, vec!["kind"]), "{body}");

    let now = liandong::db::now() + time::Duration::minutes(1);
    let raise = |at| liandong::care::store::schedules::raise_due(&app.db, at);
    assert_eq!(raise(now).await.unwrap(), 1);
    assert_eq!(raise(now).await.unwrap(), 0, "once");
    let (_, needs) = app.get(&op, "/api/needs?channel=care").await;
    let needs = needs.get("needs").unwrap_or(&needs).clone();
    assert_eq!(needs.as_array().unwrap().len(), 1, "{needs}");
    let n = &needs[0];
    assert_eq!(
        (n["kind"].as_str(), n["status"].as_str()),
        (Some("medicine"), Some("new")),
        "{n}"
    );
    assert_eq!(n["vulnerable"], json!(["elderly_alone"]));
    assert!(
        n["division_code"]
            .as_str()
            .unwrap()
            .starts_with("610113004"),
        "{n}"
    );
    // A week later the next; a server down for a month raises one, not four.
    assert_eq!(raise(now + time::Duration::days(8)).await.unwrap(), 1);
    assert_eq!(raise(now + time::Duration::days(40)).await.unwrap(), 1);
    let (_, list) = app.get(&cw, &path).await;
    let next = list[0]["next_at"].as_str().unwrap();
    let next =
        time::OffsetDateTime::parse(next, &time::format_description::well_known::Rfc3339).unwrap();
    assert!(next > now + time::Duration::days(40), "{list}");
    // Stopped, it raises nothing.
    let end = format!("{path}/{}/end", s["id"]);
    let (status, _) = app.post(&cw, &end, &json!({})).await;
    assert_eq!(status, 204);
    let (status, _) = app.post(&cw, &end, &json!({})).await;
    assert_eq!(status, 409);
    assert_eq!(raise(now + time::Duration::days(90)).await.unwrap(), 0);
});

// The plan-list set written from the rules by someone who had
// not read the parser (tests/it/data/care_plan_adversarial.json): every
// case is uploaded as the 雁塔区 caseworker, and the answer must be what
// the case expects — people taken, or exactly these lines named, or these
// columns missing.
both!(an_independent_adversarial_set_of_plan_lists, |app| {
    let cw = app.signed_in("caseworker").await;
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("data/care_plan_adversarial.json")).unwrap();
    let labels = [
        ("name", "姓名"),
        ("address", "住址"),
        ("categories", "类别"),
    ];
    let mut wrong = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let (status, page) = upload(&app, &cw, case["csv"].as_str().unwrap()).await;
        let expect = &case["expect"];
        let named: Vec<u64> = page
            .split("data-line=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next()?.parse().ok())
            .collect();
        let ok = if let Some(n) = expect.get("taken") {
            status == 200 && page.contains(&format!("{} {}", "已登记", n))
        } else if let Some(lines) = expect.get("rejected_lines") {
            let want: Vec<u64> = lines
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_u64().unwrap())
                .collect();
            status == 422 && named == want
        } else {
            let missing: Vec<&str> = expect["missing"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap())
                .collect();
            let block = page.split("import-missing").nth(1).unwrap_or_default();
            let block = block.split("</p>").next().unwrap_or_default();
            status == 422
                && labels.iter().all(|(field, label)| {
                    block.contains(&format!(">{label}<")) == missing.contains(field)
                })
        };
        if !ok {
            wrong.push(format!(
                "{name}: expected {expect}, got {status} lines {named:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
});

both!(
    what_people_write_comes_back_as_written_through_coverage,
    |app| {
        // Coverage reads people packed (JSON on SQLite): quotes, backslashes,
        // commas and characters outside the BMP in a compound come back as
        // written, and an overdue check-in's due time survives the trip.
        let co = app.signed_in("coordinator").await;
        let compound = "金泰\"假日\\花城,3期🏠";
        let (status, r) = app
            .post(
                &co,
                "/api/care/recipients",
                &json!({"name": "韩秀珍", "address": format!("{ZIWEI}{compound}"), "compound": compound,
                "categories": ["独居老人"], "checkin_hours": 24}),
            )
            .await;
        assert_eq!(status, 201, "{r}");
        assert_eq!(r["compound"], compound);
        overdue(&app, r["id"].as_i64().unwrap(), 3).await;
        let cov = coverage(&app, &co).await;
        let g = gap_of(&cov, &r["id"]).expect("a person without a guardian is a gap");
        assert_eq!(g["compound"], compound, "{g}");
        assert_eq!(g["gap"], "no_guardian");
        let m = cov["missed"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["recipient_id"] == r["id"])
            .expect("overdue");
        let due = time::OffsetDateTime::parse(
            m["due_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let late = time::OffsetDateTime::now_utc() - due;
        assert!(
            late > time::Duration::hours(2) && late < time::Duration::hours(4),
            "{m}"
        );
        // The totals count what the lists name.
        assert_eq!(
            cov["total"]["no_guardian"].as_i64().unwrap()
                + cov["total"]["no_backup"].as_i64().unwrap(),
            cov["gaps"].as_array().unwrap().len() as i64
        );
    }
);

both!(the_plan_list_template_is_what_the_import_reads, |app| {
    let co = app.signed_in("coordinator").await;
    let bytes = xlsx_download(&app, &co, "/care/import/template.xlsx").await;
    // Sent back as it is: every header known, the example row read and
    // refused only for its volunteers, who are not on this roster.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("template.xlsx"),
    );
    let res = co
        .post(app.at("/care/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(!page.contains("id=\"import-unknown\""), "{page}");
    assert!(!page.contains("id=\"import-missing\""), "{page}");
    assert!(!page.contains("id=\"import-done\""), "{page}");
    let line = page
        .split("<tr data-line=\"2\">")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the example row is named");
    assert!(line.contains("监护志愿者电话"), "{line}");
    assert!(line.contains("备用志愿者电话"), "{line}");
    assert!(!line.contains("住址"), "{line}");
    assert!(!line.contains("类别"), "{line}");
    // Not for those who do not keep the registry.
    let op = app.signed_in("operator").await;
    let res = op
        .get(app.at("/care/import/template.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
});
