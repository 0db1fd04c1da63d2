//! Volunteers: a campaign, sign-ups without an account (a person once),
//! the vetting queue masked and scoped, decisions one by one and in bulk,
//! the accepted volunteer's account, the applicant's page.

use serde_json::{Value, json};

use crate::both;
use crate::harness::*;

/// A resident ID with its check character (GB 11643), born on `birth`
/// (YYYYMMDD), from `region`.
pub(crate) fn resident_id(region: &str, birth: &str, seq: u32) -> String {
    let first = format!("{region}{birth}{seq:03}");
    let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let s: u32 = first
        .chars()
        .zip(w)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    format!("{first}{}", b"10X98765432"[(s % 11) as usize] as char)
}

pub(crate) async fn campaign(app: &TestApp, co: &reqwest::Client) -> Value {
    let (_, orgs) = app.get(co, "/api/orgs?q=西安市社会工作协会").await;
    let org = orgs[0]["id"].as_i64().unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let (status, c) = app
        .post(co, "/api/campaigns", &json!({
            "org_id": org, "title": "封控区志愿者招募", "description": "协助社区核酸、物资配送",
            "division_code": "6101", "starts_on": (today - time::Duration::days(1)).to_string(),
            "ends_on": (today + time::Duration::days(14)).to_string(),
            "slots": [{"category": "general", "wanted": 200}, {"category": "driver", "wanted": 30}]}))
        .await;
    assert_eq!(status, 201, "{c}");
    c
}

fn sign_up(key: &str, phone: &str, id: &str, address: &str) -> Value {
    json!({"name": "刘志愿", "phone": phone, "document_number": id, "address": address,
        "category": "general", "skills": ["ppe_trained"], "availability": ["evening", "weekend"],
        "motivation": "家住附近，晚上有空", "idempotency_key": key})
}

both!(
    a_person_signs_up_once_and_is_vetted_inside_the_area,
    |app| {
        let co = app.signed_in("coordinator").await;
        let c = campaign(&app, &co).await;
        let reference = c["reference"].as_str().unwrap().to_owned();
        let anon = app.client();
        // The public face, without an account: how many are still wanted.
        let (status, public) = app
            .get(&anon, &format!("/api/campaigns/public/{reference}"))
            .await;
        assert_eq!(status, 200);
        assert_eq!(public["slots"][1]["wanted"], 200);
        // Days as the document says: YYYY-MM-DD.
        let day = (time::OffsetDateTime::now_utc().date() - time::Duration::days(1)).to_string();
        assert_eq!(public["starts_on"], day.as_str(), "{public}");
        let path = format!("/api/campaigns/public/{reference}/applications");
        let id1 = resident_id("610113", "19900101", 123);
        let (status, first) = app
            .post(
                &anon,
                &path,
                &sign_up(
                    "signup-000001",
                    "13912340001",
                    &id1,
                    "西安市雁塔区小寨路街道兴善社区3号楼",
                ),
            )
            .await;
        assert_eq!(status, 201, "{first}");
        // The same person again — another key, the same phone; the same ID
        // with another phone; the same key: their first application.
        for (key, phone, id) in [
            (
                "signup-000002",
                "139 1234 0001",
                resident_id("610113", "19850505", 1),
            ),
            ("signup-000003", "13912349999", id1.clone()),
            ("signup-000001", "13912340001", id1.clone()),
        ] {
            let (status, again) = app
                .post(
                    &anon,
                    &path,
                    &sign_up(key, phone, &id, "西安市雁塔区小寨路街道"),
                )
                .await;
            assert_eq!(
                (status, &again["reference"]),
                (200, &first["reference"]),
                "{again}"
            );
        }
        // A wrong check character, a minor, no availability: each named.
        let mut wrong = id1.clone().into_bytes();
        wrong[17] = if wrong[17] == b'1' { b'2' } else { b'1' };
        let (status, body) = app
            .post(
                &anon,
                &path,
                &sign_up(
                    "signup-000004",
                    "13912340004",
                    &String::from_utf8(wrong).unwrap(),
                    "西安市",
                ),
            )
            .await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["document_number"]),
            "{body}"
        );
        let minor = resident_id(
            "610113",
            &format!("{}0101", time::OffsetDateTime::now_utc().year() - 10),
            5,
        );
        let (status, body) = app
            .post(
                &anon,
                &path,
                &sign_up("signup-000005", "13912340005", &minor, "西安市"),
            )
            .await;
        assert!(
            status == 422 && body.to_string().contains("未满 18 岁"),
            "{body}"
        );
        // Two more: one in 鄠邑区, one in 雁塔区.
        let (status, huyi) = app
            .post(
                &anon,
                &path,
                &sign_up(
                    "signup-000006",
                    "13912340006",
                    &resident_id("610118", "19920303", 7),
                    "西安市鄠邑区涝店镇龙窝村委会",
                ),
            )
            .await;
        assert_eq!(status, 201, "{huyi}");
        let (status, _) = app
            .post(
                &anon,
                &path,
                &sign_up(
                    "signup-000007",
                    "13912340007",
                    &resident_id("610113", "19950606", 9),
                    "西安市雁塔区电子城街道",
                ),
            )
            .await;
        assert_eq!(status, 201);

        // The queue: the city's coordinator sees three, masked.
        let cid = c["id"].as_i64().unwrap();
        let res = co
            .get(app.at(&format!("/api/campaigns/{cid}/applications")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["x-total-count"], "3");
        let (_, queue) = json(res).await;
        let text = queue.to_string();
        assert!(
            !text.contains("13912340001") && !text.contains(&id1),
            "{text}"
        );
        assert!(text.contains("139****0001"), "{text}");
        let yanta_only = app
            .get(
                &co,
                &format!("/api/campaigns/{cid}/applications?within=610113"),
            )
            .await
            .1;
        assert_eq!(yanta_only.as_array().unwrap().len(), 2);
        // The fast track: one referred (the last to sign up) comes first.
        let late = json!({"name": "推荐人选", "phone": "13912340008", "document_number": resident_id("610113", "19870707", 8),
            "address": "西安市雁塔区小寨路街道", "category": "general", "availability": ["weekend"],
            "referral": "西安市社会工作协会", "idempotency_key": "signup-000008"});
        let (status, _) = app.post(&anon, &path, &late).await;
        assert_eq!(status, 201);
        let (_, referred) = app
            .get(
                &co,
                &format!("/api/campaigns/{cid}/applications?sort=referred"),
            )
            .await;
        assert_eq!(referred[0]["referral"], "西安市社会工作协会", "{referred}");
        let (status, _) = app
            .get(&co, &format!("/api/campaigns/{cid}/applications?sort=cake"))
            .await;
        assert_eq!(status, 422);
        let out =
            json!({"ids": [referred[0]["id"]], "decision": "decline", "reason": "测试推荐排序"});
        let (status, _) = app.post(&co, "/api/applications/decisions", &out).await;
        assert_eq!(status, 200);
        // Other roles are refused; the 雁塔区 social worker is not a reviewer.
        for user in ["operator", "caseworker", "viewer", "volunteer"] {
            let c2 = app.signed_in(user).await;
            let (status, _) = app
                .get(&c2, &format!("/api/campaigns/{cid}/applications"))
                .await;
            assert_eq!(status, 403, "{user}");
        }
        // A reveal needs a reason and is logged.
        let first_id = queue[0]["id"].as_i64().unwrap();
        let (status, _) = app
            .post(
                &co,
                &format!("/api/applications/{first_id}/reveal"),
                &json!({"field": "document_number", "reason": ""}),
            )
            .await;
        assert_eq!(status, 422);
        let (status, shown) = app
            .post(
                &co,
                &format!("/api/applications/{first_id}/reveal"),
                &json!({"field": "document_number", "reason": "身份核验"}),
            )
            .await;
        assert_eq!((status, shown["value"].as_str()), (200, Some(id1.as_str())));

        // Decisions: declining needs a reason; two accepted at once.
        let ids: Vec<i64> = queue
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        let (status, body) = app
            .post(
                &co,
                "/api/applications/decisions",
                &json!({"ids": [ids[2]], "decision": "decline"}),
            )
            .await;
        assert_eq!(
            (status, error_fields(&body)),
            (422, vec!["reason"]),
            "{body}"
        );
        let (status, decided) = app
            .post(
                &co,
                "/api/applications/decisions",
                &json!({"ids": [ids[0], ids[1]], "decision": "accept"}),
            )
            .await;
        assert_eq!(status, 200, "{decided}");
        let made = decided["volunteers"].as_array().unwrap();
        assert_eq!(made.len(), 2);
        // The new volunteer signs in with what was shown once.
        let v = app.client();
        let res = v
            .post(app.at("/api/session"))
            .json(&json!({"username": made[0]["username"], "password": made[0]["password"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let (_, me) = app.get(&v, "/api/me").await;
        assert_eq!(me["role"], "volunteer", "{me}");
        // Decided already: refused, and nothing of the selection changes.
        let (status, _) = app
            .post(
                &co,
                "/api/applications/decisions",
                &json!({"ids": [ids[0], ids[2]], "decision": "decline", "reason": "名额已满"}),
            )
            .await;
        assert_eq!(status, 409);
        let (status, _) = app
            .post(
                &co,
                "/api/applications/decisions",
                &json!({"ids": [ids[2]], "decision": "ask_more", "reason": "请补充驾驶证照片"}),
            )
            .await;
        assert_eq!(status, 200);
        // What each applicant reads on their page.
        let (_, mine) = app
            .get(
                &anon,
                &format!(
                    "/api/applications/public/{}",
                    first["reference"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(mine["status"], "accepted", "{mine}");
        let asked = queue[2]["reference"].as_str().unwrap();
        let page = app.page(&anon, &format!("/applications/{asked}")).await;
        assert!(
            page.contains("请补充驾驶证照片") && page.contains("需补充信息"),
            "{page}"
        );
        assert!(!page.contains("刘志愿") && !page.contains("1391234"));
        // Accepted ones count against the wanted.
        let (_, public) = app
            .get(&anon, &format!("/api/campaigns/public/{reference}"))
            .await;
        let general = public["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["category"] == "general")
            .unwrap()
            .clone();
        assert_eq!(general["accepted"], 2, "{public}");
    }
);

both!(two_reviewers_deciding_one_application_one_wins, |app| {
    let co = app.signed_in("coordinator").await;
    let admin = app.signed_in("admin").await;
    let c = campaign(&app, &co).await;
    let reference = c["reference"].as_str().unwrap();
    let anon = app.client();
    let (status, _) = app
        .post(
            &anon,
            &format!("/api/campaigns/public/{reference}/applications"),
            &sign_up(
                "signup-race-01",
                "13912341111",
                &resident_id("610113", "19880808", 11),
                "西安市雁塔区小寨路街道",
            ),
        )
        .await;
    assert_eq!(status, 201);
    let (_, queue) = app
        .get(&co, &format!("/api/campaigns/{}/applications", c["id"]))
        .await;
    let id = queue[0]["id"].as_i64().unwrap();
    let (yes, no) = (
        json!({"ids": [id], "decision": "accept"}),
        json!({"ids": [id], "decision": "decline", "reason": "重复报名"}),
    );
    let accept = app.post(&co, "/api/applications/decisions", &yes);
    let decline = app.post(&admin, "/api/applications/decisions", &no);
    let ((a, _), (d, _)) = tokio::join!(accept, decline);
    let mut statuses = [a, d];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let (_, events) = app
        .get(
            &admin,
            &format!("/api/audit?entity=application&entity_id={id}"),
        )
        .await;
    let decisions = events.to_string().matches("application.accept").count()
        + events.to_string().matches("application.decline").count();
    assert_eq!(decisions, 1, "{events}");
});

both!(
    the_sign_up_page_works_without_script_and_names_what_is_wrong,
    |app| {
        let co = app.signed_in("coordinator").await;
        let c = campaign(&app, &co).await;
        let reference = c["reference"].as_str().unwrap();
        let shown = format!("{}-{}", &reference[..5], &reference[5..]);
        let anon = app.client();
        let page = app.page(&anon, &format!("/join/{shown}")).await;
        assert!(page.contains("id=\"join-form\"") && page.contains("封控区志愿者招募"));
        let key = page
            .split("name=\"idempotency_key\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned();
        let send = |id: String| {
            let key = key.clone();
            let anon = anon.clone();
            let url = app.at(&format!("/join/{shown}"));
            async move {
                anon.post(url)
                    .form(&[
                        ("idempotency_key", key.as_str()),
                        ("name", "陈同学"),
                        ("phone", "13912342222"),
                        ("document_type", "resident_id"),
                        ("document_number", id.as_str()),
                        ("address", "西安市雁塔区小寨路街道"),
                        ("category", "general"),
                        ("skills", "ppe_trained"),
                        ("skills", "english"),
                        ("availability", "weekend"),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
        };
        let res = send("61011319900101123".into()).await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("id=\"error-summary\"")
                && body.contains("证件号码：身份证号码应为 18 位"),
            "{body}"
        );
        assert!(body.contains("value=\"陈同学\""), "what was typed is kept");
        let res = send(resident_id("610113", "19990909", 3)).await;
        assert_eq!(res.status(), 303);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            location.starts_with("/applications/") && location.ends_with("?sent=1"),
            "{location}"
        );
        let page = app.page(&anon, &location).await;
        assert!(
            page.contains("id=\"application-sent\"") && page.contains("待审核"),
            "{page}"
        );
        let qr = anon
            .get(app.at(&format!("/join/{shown}/qr.svg")))
            .send()
            .await
            .unwrap();
        assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    }
);

both!(
    one_person_signing_up_twice_at_once_is_one_application,
    |app| {
        let co = app.signed_in("coordinator").await;
        let c = campaign(&app, &co).await;
        let path = format!(
            "/api/campaigns/public/{}/applications",
            c["reference"].as_str().unwrap()
        );
        let id = resident_id("610113", "19910101", 21);
        let anon = app.client();
        let bodies: Vec<Value> = (0..6)
            .map(|i| {
                sign_up(
                    &format!("signup-twice-{i:02}"),
                    "13912343333",
                    &id,
                    "西安市雁塔区小寨路街道",
                )
            })
            .collect();
        let sends = bodies.iter().map(|b| app.post(&anon, &path, b));
        let answers = futures_util::future::join_all(sends).await;
        let created = answers.iter().filter(|(s, _)| *s == 201).count();
        let refs: std::collections::BTreeSet<String> = answers
            .iter()
            .map(|(_, b)| b["reference"].as_str().unwrap_or("?").to_owned())
            .collect();
        assert_eq!((created, refs.len()), (1, 1), "{answers:?}");
    }
);

both!(
    a_coordinator_runs_recruitment_and_vetting_from_the_pages,
    |app| {
        let co = app.signed_in("coordinator").await;
        let (_, orgs) = app.get(&co, "/api/orgs?q=西安市社会工作协会").await;
        let org = orgs[0]["id"].as_i64().unwrap().to_string();
        let today = time::OffsetDateTime::now_utc().date();
        let (start, end) = (
            (today - time::Duration::days(1)).to_string(),
            (today + time::Duration::days(5)).to_string(),
        );
        let form = |title: &str, wanted: &str| {
            vec![
                ("org_id", org.clone()),
                ("title", title.to_owned()),
                ("division_code", "雁塔区".to_owned()),
                ("starts_on", start.clone()),
                ("ends_on", end.clone()),
                ("minors", "refuse".to_owned()),
                ("wanted_general", wanted.to_owned()),
                ("wanted_driver", String::new()),
            ]
        };
        // Nothing asked for: the form comes back naming it.
        let res = co
            .post(app.at("/campaigns"))
            .form(&form("夜间配送招募", ""))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("请填写招募岗位和人数"));
        let res = co
            .post(app.at("/campaigns"))
            .form(&form("夜间配送招募", "50"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let queue_path = res.headers()["location"].to_str().unwrap().to_owned();
        let cid: i64 = queue_path
            .trim_start_matches("/campaigns/")
            .parse()
            .unwrap();
        let (_, list) = app.get(&co, "/api/campaigns").await;
        let c = list
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == cid)
            .unwrap()
            .clone();
        assert_eq!(c["division_code"], "610113");
        let path = format!(
            "/api/campaigns/public/{}/applications",
            c["reference"].as_str().unwrap()
        );
        let anon = app.client();
        let id_number = resident_id("610113", "19930303", 31);
        for (i, (phone, id)) in [
            ("13912345001", id_number.clone()),
            ("13912345002", resident_id("610113", "19940404", 32)),
        ]
        .iter()
        .enumerate()
        {
            let (status, _) = app
                .post(
                    &anon,
                    &path,
                    &sign_up(
                        &format!("page-signup-{i:02}"),
                        phone,
                        id,
                        "西安市雁塔区小寨路街道",
                    ),
                )
                .await;
            assert_eq!(status, 201);
        }
        let page = app.page(&co, &queue_path).await;
        assert!(
            page.contains("139****5001") && !page.contains(&id_number),
            "masked"
        );
        let (_, queue) = app
            .get(&co, &format!("/api/campaigns/{cid}/applications"))
            .await;
        let (a, b) = (
            queue[0]["id"].as_i64().unwrap(),
            queue[1]["id"].as_i64().unwrap(),
        );
        // Show a document: with a reason, in the row; the reveal is logged.
        let res = co
            .post(app.at(&queue_path))
            .form(&[
                ("reveal", format!("document_number:{a}")),
                ("reason", "核对身份".into()),
                // Every row's box is sent, ticked or not.
                ("ids", String::new()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains(&id_number));
        // One row's own button: accepted, the account shown once.
        let res = co
            .post(app.at(&queue_path))
            .form(&[("one", format!("accept:{a}"))])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        assert!(
            page.contains("id=\"new-accounts\"") && page.contains("已审核 1 份报名"),
            "{page}"
        );
        // The selection with a decision that needs a reason, without one.
        let res = co
            .post(app.at(&queue_path))
            .form(&[
                ("ids", b.to_string()),
                ("decision", "ask_more".into()),
                ("reason", String::new()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let res = co
            .post(app.at(&queue_path))
            .form(&[
                ("ids", b.to_string()),
                ("decision", "ask_more".into()),
                ("reason", "请补充健康码截图".into()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let (_, after) = app.get(&co, &format!("/api/applications/{b}")).await;
        assert_eq!(after["status"], "more_info");
        // Not a reviewer: refused.
        let viewer = app.signed_in("viewer").await;
        let res = viewer.get(app.at(&queue_path)).send().await.unwrap();
        assert_eq!(res.status(), 403);
        let page = app.page(&co, "/campaigns").await;
        assert!(
            page.contains("夜间配送招募") && page.contains("综合志愿者 1/50"),
            "{page}"
        );
    }
);
