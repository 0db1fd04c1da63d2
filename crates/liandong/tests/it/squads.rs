//! Squads: every refusal of the contact rule names the other squad, two
//! joins or two takings of one vehicle at once make one, a positive
//! volunteer's trace stands down their squad and nothing else, and the
//! movable count follows a sealing at once.

use serde_json::{Value, json};

use crate::both;
use crate::harness::*;
use crate::volunteers::{campaign, resident_id};

/// `n` volunteers of the association living at `address`, accepted:
/// their ids.
async fn volunteers(
    app: &TestApp,
    co: &reqwest::Client,
    n: u32,
    address: &str,
    seed: u32,
) -> Vec<i64> {
    volunteer_accounts(app, co, n, address, seed)
        .await
        .into_iter()
        .map(|v| v.0)
        .collect()
}

/// The same, with each one's account as shown once: (id, username, password).
pub(crate) async fn volunteer_accounts(
    app: &TestApp,
    co: &reqwest::Client,
    n: u32,
    address: &str,
    seed: u32,
) -> Vec<(i64, String, String)> {
    let c = campaign(app, co).await;
    let reference = c["reference"].as_str().unwrap();
    let mut applications = Vec::new();
    for i in 0..n {
        let k = seed * 100 + i;
        let res = app
            .client()
            .post(app.at(&format!("/api/campaigns/public/{reference}/applications")))
            .header(
                "x-forwarded-for",
                format!("10.77.{}.{}", k / 200, k % 200 + 1),
            )
            .json(
                &json!({"name": format!("队员{k}"), "phone": format!("1391111{k:04}"),
                "document_number": resident_id("610113", "19900101", k), "address": address,
                "category": "general", "skills": ["ppe_trained"], "availability": ["daytime"],
                "idempotency_key": format!("squad-signup-{k:06}")}),
            )
            .send()
            .await
            .unwrap();
        let (status, a) = json(res).await;
        assert_eq!(status, 201, "{a}");
    }
    let (_, queue) = app
        .get(co, &format!("/api/campaigns/{}/applications", c["id"]))
        .await;
    for a in queue.as_array().unwrap() {
        applications.push(a["id"].as_i64().unwrap());
    }
    let (status, decided) = app
        .post(
            co,
            "/api/applications/decisions",
            &json!({"ids": applications, "decision": "accept"}),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    decided["volunteers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["volunteer_id"].as_i64().unwrap(),
                v["username"].as_str().unwrap().to_owned(),
                v["password"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn squad(app: &TestApp, co: &reqwest::Client, name: &str, members: &[i64]) -> i64 {
    squad_in(app, co, name, "610113", members).await
}

/// A squad of the association for `division`, with these members.
pub(crate) async fn squad_in(
    app: &TestApp,
    co: &reqwest::Client,
    name: &str,
    division: &str,
    members: &[i64],
) -> i64 {
    let (_, orgs) = app.get(co, "/api/orgs?q=西安市社会工作协会").await;
    let (status, s) = app
        .post(
            co,
            "/api/squads",
            &json!({"org_id": orgs[0]["id"], "division_code": division, "name": name}),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let id = s["id"].as_i64().unwrap();
    for v in members {
        let (status, body) = app
            .post(
                co,
                &format!("/api/squads/{id}/members"),
                &json!({"volunteer_id": v}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    id
}

fn message(body: &Value) -> &str {
    body["message"].as_str().unwrap_or_default()
}

both!(
    squads_never_mix_and_every_refusal_names_the_other_squad,
    |app| {
        let co = app.signed_in("coordinator").await;
        let v = volunteers(&app, &co, 8, "西安市雁塔区电子城街道", 1).await;
        let a = squad(&app, &co, "电子城一队", &v[0..3]).await;
        let b = squad(&app, &co, "电子城二队", &v[3..5]).await;
        let (_, detail) = app.get(&co, &format!("/api/squads/{a}")).await;
        assert_eq!(detail["squad"]["size"], 3, "{detail}");
        assert!(
            detail["members"].to_string().contains("139****"),
            "{detail}"
        );
        assert!(
            !detail["members"].to_string().contains("13911110"),
            "{detail}"
        );

        // A volunteer in one squad cannot join another: the other is named.
        let (status, body) = app
            .post(
                &co,
                &format!("/api/squads/{b}/members"),
                &json!({"volunteer_id": v[0]}),
            )
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(message(&body).contains("电子城一队"), "{body}");
        // Joining one's own squad again changes nothing.
        let (status, same) = app
            .post(
                &co,
                &format!("/api/squads/{a}/members"),
                &json!({"volunteer_id": v[0]}),
            )
            .await;
        assert_eq!((status, &same["size"]), (200, &json!(3)));

        // A vehicle, a depot, a gate and a household: the second squad is
        // refused each, naming the first; the first may use it again.
        let (_, orgs) = app.get(&co, "/api/orgs?q=西安市社会工作协会").await;
        let (status, van) = app
        .post(&co, "/api/vehicles", &json!({"org_id": orgs[0]["id"], "division_code": "610113", "plate": "陕A·D1234", "seats": 7}))
        .await;
        assert_eq!(
            (status, van["plate"].as_str()),
            (201, Some("陕AD1234")),
            "{van}"
        );
        let (status, dup) = app
        .post(&co, "/api/vehicles", &json!({"org_id": orgs[0]["id"], "division_code": "610113", "plate": "陕ad1234", "seats": 7}))
        .await;
        assert_eq!((status, error_fields(&dup)), (422, vec!["plate"]), "{dup}");
        let (_, depots) = app.get(&co, "/api/depots").await;
        let (_, zones) = app.get(&co, "/api/zones?active=true").await;
        let gate = zones
            .as_array()
            .unwrap()
            .iter()
            .find(|z| z["level"] == "sealed")
            .unwrap()["id"]
            .clone();
        let (_, needs) = app.get(&co, "/api/needs").await;
        let needs = needs.get("needs").unwrap_or(&needs).clone();
        let household = needs[0]["id"].clone();
        for (kind, target, first, second) in [
            ("vehicle", van["id"].clone(), a, b),
            ("depot", depots[0]["id"].clone(), b, a),
            ("handoff", gate, a, b),
            ("household", household, a, b),
        ] {
            let path = |s: i64| format!("/api/squads/{s}/contacts");
            let body = json!({"kind": kind, "target_id": target});
            let (status, took) = app.post(&co, &path(first), &body).await;
            assert_eq!(status, 201, "{kind}: {took}");
            let (status, refused) = app.post(&co, &path(second), &body).await;
            assert_eq!(status, 409, "{kind}: {refused}");
            let other = if first == a {
                "电子城一队"
            } else {
                "电子城二队"
            };
            assert!(message(&refused).contains(other), "{kind}: {refused}");
            let (status, _) = app.post(&co, &path(first), &body).await;
            assert_eq!(status, 201, "{kind} again");
        }
        let (status, body) = app
            .post(
                &co,
                &format!("/api/squads/{a}/contacts"),
                &json!({"kind": "boat", "target_id": 1}),
            )
            .await;
        assert_eq!((status, error_fields(&body)), (422, vec!["kind"]));
        let (status, body) = app
            .post(
                &co,
                &format!("/api/squads/{a}/contacts"),
                &json!({"kind": "vehicle", "target_id": 999999}),
            )
            .await;
        assert_eq!((status, error_fields(&body)), (422, vec!["target_id"]));

        // Leaving carries the squad's contacts: no other squad inside the
        // window, in English too.
        let (status, body) = app
            .post(
                &co,
                &format!("/api/squads/{a}/leave"),
                &json!({"volunteer_id": v[2], "reason": ""}),
            )
            .await;
        assert_eq!((status, error_fields(&body)), (422, vec!["reason"]));
        let (status, _) = app
            .post(
                &co,
                &format!("/api/squads/{a}/leave"),
                &json!({"volunteer_id": v[2], "reason": "家中有事"}),
            )
            .await;
        assert_eq!(status, 200);
        let res = co
            .post(app.at(&format!("/api/squads/{b}/members")))
            .header("accept-language", "en")
            .json(&json!({"volunteer_id": v[2]}))
            .send()
            .await
            .unwrap();
        let (status, body) = json(res).await;
        assert_eq!(status, 409, "{body}");
        assert!(
            message(&body).contains("电子城一队") && message(&body).contains("left"),
            "{body}"
        );

        // Full: a squad of at most 3 takes no fourth.
        let (status, s) = app
        .post(&co, "/api/squads", &json!({"org_id": orgs[0]["id"], "division_code": "610113", "name": "三人队", "max_size": 3, "min_size": 5}))
        .await;
        assert_eq!((status, error_fields(&s)), (422, vec!["max_size"]), "{s}");
        let (status, c3) = app
        .post(&co, "/api/squads", &json!({"org_id": orgs[0]["id"], "division_code": "610113", "name": "三人队", "min_size": 2, "max_size": 2}))
        .await;
        assert_eq!(status, 201, "{c3}");
        let c3 = c3["id"].as_i64().unwrap();
        for (i, want) in [(5usize, 200), (6, 200), (7, 409)] {
            let (status, body) = app
                .post(
                    &co,
                    &format!("/api/squads/{c3}/members"),
                    &json!({"volunteer_id": v[i]}),
                )
                .await;
            assert_eq!(status, want, "{body}");
        }
        // Leader: a member only.
        let (status, _) = app
            .post(
                &co,
                &format!("/api/squads/{a}/leader"),
                &json!({"volunteer_id": v[5]}),
            )
            .await;
        assert_eq!(status, 422);
        let (status, led) = app
            .post(
                &co,
                &format!("/api/squads/{a}/leader"),
                &json!({"volunteer_id": v[1]}),
            )
            .await;
        assert_eq!((status, &led["leader_id"]), (200, &json!(v[1])));

        // Squads are a coordinator's: others are refused; the page says the
        // refusal in words.
        for user in ["operator", "caseworker", "viewer", "volunteer"] {
            let c2 = app.signed_in(user).await;
            let (status, _) = app.get(&c2, "/api/squads").await;
            assert_eq!(status, 403, "{user}");
        }
        let page = co
            .post(app.at(&format!("/squads/{b}")))
            .form(&[("action", "join"), ("volunteer_id", &v[0].to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 409);
        let text = page.text().await.unwrap();
        assert!(
            text.contains("电子城一队") && text.contains("一人只能在一个小分队"),
            "{text}"
        );
    }
);

both!(two_joins_or_two_takings_at_once_make_one, |app| {
    let co = app.signed_in("coordinator").await;
    let v = volunteers(&app, &co, 3, "西安市雁塔区电子城街道", 2).await;
    let a = squad(&app, &co, "甲队", &v[0..1]).await;
    let b = squad(&app, &co, "乙队", &v[1..2]).await;
    for round in 0..3 {
        let van = app
            .post(&co, "/api/vehicles", &json!({"org_id": 1, "division_code": "610113", "plate": format!("陕A{round}0000"), "seats": 5}))
            .await;
        let van = if van.0 == 201 {
            van.1
        } else {
            let (_, orgs) = app.get(&co, "/api/orgs?q=西安市社会工作协会").await;
            let (status, v2) = app
                .post(&co, "/api/vehicles", &json!({"org_id": orgs[0]["id"], "division_code": "610113", "plate": format!("陕A{round}0000"), "seats": 5}))
                .await;
            assert_eq!(status, 201, "{v2}");
            v2
        };
        let body = json!({"kind": "vehicle", "target_id": van["id"]});
        let (pa, pb) = (
            format!("/api/squads/{a}/contacts"),
            format!("/api/squads/{b}/contacts"),
        );
        let (x, y) = tokio::join!(app.post(&co, &pa, &body), app.post(&co, &pb, &body));
        let mut statuses = [x.0, y.0];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "{x:?} {y:?}");
    }
    // One volunteer joining both squads at once: exactly one wins; the
    // other is told which.
    let (pa, pb) = (
        format!("/api/squads/{a}/members"),
        format!("/api/squads/{b}/members"),
    );
    let body = json!({"volunteer_id": v[2]});
    let (x, y) = tokio::join!(app.post(&co, &pa, &body), app.post(&co, &pb, &body));
    let mut statuses = [x.0, y.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{x:?} {y:?}");
    let loser = if x.0 == 409 { &x.1 } else { &y.1 };
    let winner = if x.0 == 200 { "甲队" } else { "乙队" };
    assert!(message(loser).contains(winner), "{loser}");
    let (_, sa) = app.get(&co, &format!("/api/squads/{a}")).await;
    let (_, sb) = app.get(&co, &format!("/api/squads/{b}")).await;
    assert_eq!(
        sa["squad"]["size"].as_i64().unwrap() + sb["squad"]["size"].as_i64().unwrap(),
        3
    );
});

both!(
    a_positive_volunteer_stands_down_their_squad_and_nothing_else,
    |app| {
        let co = app.signed_in("coordinator").await;
        let v = volunteers(&app, &co, 6, "西安市雁塔区电子城街道", 3).await;
        let a = squad(&app, &co, "追踪一队", &v[0..3]).await;
        let b = squad(&app, &co, "追踪二队", &v[3..6]).await;
        let (_, orgs) = app.get(&co, "/api/orgs?q=西安市社会工作协会").await;
        let (_, van) = app
        .post(&co, "/api/vehicles", &json!({"org_id": orgs[0]["id"], "division_code": "610113", "plate": "陕A88888", "seats": 7}))
        .await;
        let (_, needs) = app.get(&co, "/api/needs").await;
        let needs = needs.get("needs").unwrap_or(&needs).clone();
        let (_, depots) = app.get(&co, "/api/depots").await;
        for (s, kind, target) in [
            (a, "vehicle", van["id"].clone()),
            (a, "household", needs[0]["id"].clone()),
            (b, "depot", depots[0]["id"].clone()),
            (b, "household", needs[1]["id"].clone()),
        ] {
            let (status, body) = app
                .post(
                    &co,
                    &format!("/api/squads/{s}/contacts"),
                    &json!({"kind": kind, "target_id": target}),
                )
                .await;
            assert_eq!(status, 201, "{body}");
        }
        // Not positive yet: no trace.
        let (status, _) = app
            .get(&co, &format!("/api/volunteers/{}/trace", v[0]))
            .await;
        assert_eq!(status, 409);
        let at = (time::OffsetDateTime::now_utc() - time::Duration::hours(2))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let (status, body) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/positive", v[0]),
                &json!({"at": "2020-01-01T00:00:00Z", "reason": "核酸阳性"}),
            )
            .await;
        assert_eq!((status, error_fields(&body)), (422, vec!["at"]), "{body}");
        let (status, trace) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/positive", v[0]),
                &json!({"at": at, "reason": "核酸阳性"}),
            )
            .await;
        assert_eq!(status, 200, "{trace}");
        let people: Vec<i64> = trace["people"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["volunteer_id"].as_i64().unwrap())
            .collect();
        assert_eq!(people, v[0..3].to_vec(), "{trace}");
        let kinds: Vec<&str> = trace["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds.len(), 2, "{trace}");
        assert!(
            kinds.contains(&"vehicle") && kinds.contains(&"household"),
            "{trace}"
        );
        assert_eq!(trace["shared"], json!([]), "{trace}");
        assert_eq!(trace["squads"][0]["status"], "stood_down", "{trace}");
        assert!(!trace.to_string().contains("13911110"), "{trace}");
        // The other squad works on; the stood-down one takes nothing.
        let (_, sb) = app.get(&co, &format!("/api/squads/{b}")).await;
        assert_eq!(sb["squad"]["status"], "active");
        let (status, _) = app
            .post(
                &co,
                &format!("/api/squads/{a}/contacts"),
                &json!({"kind": "depot", "target_id": depots[0]["id"]}),
            )
            .await;
        assert_eq!(status, 409);
        let (status, _) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/positive", v[0]),
                &json!({"at": at, "reason": "核酸阳性"}),
            )
            .await;
        assert_eq!(status, 409);
        // Released only once the positive member is out.
        let (status, _) = app
            .post(
                &co,
                &format!("/api/squads/{a}/release"),
                &json!({"reason": "全员阴性"}),
            )
            .await;
        assert_eq!(status, 409);
        let (status, _) = app
            .post(
                &co,
                &format!("/api/squads/{a}/leave"),
                &json!({"volunteer_id": v[0], "reason": "阳性隔离"}),
            )
            .await;
        assert_eq!(status, 200);
        let (status, back) = app
            .post(
                &co,
                &format!("/api/squads/{a}/release"),
                &json!({"reason": "其余队员核酸阴性"}),
            )
            .await;
        assert_eq!((status, &back["status"]), (200, &json!("active")), "{back}");
        // One never marked cannot recover.
        let (status, _) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/recovered", v[5]),
                &json!({"reason": "两次核酸阴性"}),
            )
            .await;
        assert_eq!(status, 409);
        // The trace stays readable, as a page and as a spreadsheet.
        let page = app.page(&co, &format!("/volunteers/{}/trace", v[0])).await;
        assert!(
            page.contains("追踪一队") && page.contains("陕A88888"),
            "{page}"
        );
        let res = co
            .get(app.at(&format!("/volunteers/{}/trace.xlsx", v[0])))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.bytes().await.unwrap().starts_with(b"PK"));
        let (_, events) = app
            .get(&app.signed_in("admin").await, "/api/audit?entity=squad")
            .await;
        assert!(events.to_string().contains("squad.stand_down"), "{events}");
        let (status, _) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/recovered", v[0]),
                &json!({"reason": "两次核酸阴性"}),
            )
            .await;
        assert_eq!(status, 204);
        let (status, _) = app
            .get(&co, &format!("/api/volunteers/{}/trace", v[0]))
            .await;
        assert_eq!(status, 409);
        let (status, _) = app
            .post(
                &co,
                &format!("/api/volunteers/{}/recovered", v[0]),
                &json!({"reason": "两次核酸阴性"}),
            )
            .await;
        assert_eq!(status, 409);
        // Disbanded: everyone leaves, and none may join another squad inside
        // the window; a disbanded squad is disbanded once.
        let (status, gone) = app
            .post(
                &co,
                &format!("/api/squads/{b}/disband"),
                &json!({"reason": "任务结束"}),
            )
            .await;
        assert_eq!(
            (status, &gone["status"], &gone["size"]),
            (200, &json!("disbanded"), &json!(0)),
            "{gone}"
        );
        let (status, body) = app
            .post(
                &co,
                &format!("/api/squads/{a}/members"),
                &json!({"volunteer_id": v[3]}),
            )
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(message(&body).contains("追踪二队"), "{body}");
        let (status, _) = app
            .post(
                &co,
                &format!("/api/squads/{b}/disband"),
                &json!({"reason": "任务结束"}),
            )
            .await;
        assert_eq!(status, 409);
    }
);

both!(sealing_a_zone_drops_the_movable_count_at_once, |app| {
    let co = app.signed_in("coordinator").await;
    let v = volunteers(&app, &co, 4, "西安市雁塔区电子城街道", 4).await;
    let movable = |body: &Value| -> (i64, i64) {
        let yanta = body
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["division_code"] == "610113")
            .unwrap();
        (
            yanta["movable"].as_i64().unwrap(),
            yanta["sealed_in"].as_i64().unwrap(),
        )
    };
    let (status, before) = app.get(&co, "/api/volunteers/movable").await;
    assert_eq!(status, 200, "{before}");
    let (m0, s0) = movable(&before);
    assert!(m0 >= 4, "{before}");
    // Seal the street they live in.
    let (_, roster) = app.get(&co, "/api/volunteers?within=610113").await;
    let home = roster
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == v[0])
        .unwrap()["home_division"]
        .as_str()
        .unwrap()
        .to_owned();
    let street = &home[..9];
    let (status, zone) = app
        .post(
            &co,
            "/api/zones",
            &json!({"division_code": street, "level": "sealed", "reason": "出现阳性病例"}),
        )
        .await;
    assert_eq!(status, 201, "{zone}");
    let (_, after) = app.get(&co, "/api/volunteers/movable").await;
    let (m1, s1) = movable(&after);
    assert!(m1 <= m0 - 4 && s1 >= s0 + 4, "{before} → {after}");
    // A pass goes through the seal; "sealed in" is not the coordinator's to set.
    let (status, _) = app
        .post(
            &co,
            &format!("/api/volunteers/{}/movement", v[0]),
            &json!({"movement": "pass", "reason": "办理通行证"}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = app
        .post(
            &co,
            &format!("/api/volunteers/{}/movement", v[1]),
            &json!({"movement": "sealed_in", "reason": "测试"}),
        )
        .await;
    assert_eq!((status, error_fields(&body)), (422, vec!["movement"]));
    let (_, with_pass) = app.get(&co, "/api/volunteers/movable").await;
    assert_eq!(movable(&with_pass).0, m1 + 1);
    let (_, sealed) = app
        .get(
            &co,
            &format!("/api/volunteers?within={street}&movement=sealed_in"),
        )
        .await;
    assert_eq!(sealed.as_array().unwrap().len(), 3, "{sealed}");
    // Lifted: they can all move again.
    let (status, _) = app
        .post(
            &co,
            &format!("/api/zones/{}/lift", zone["id"]),
            &json!({"reason": "解封"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, lifted) = app.get(&co, "/api/volunteers/movable").await;
    assert_eq!(movable(&lifted), (m0, s0), "{lifted}");
    // Counts are a coordinator's.
    let huyi = app.signed_in("caseworker").await;
    let (status, _) = app.get(&huyi, "/api/volunteers/movable").await;
    assert_eq!(status, 403);
});

both!(a_volunteer_sees_their_squad_and_pauses_work, |app| {
    let co = app.signed_in("coordinator").await;
    let accounts = volunteer_accounts(&app, &co, 3, "西安市雁塔区电子城街道", 5).await;
    let ids: Vec<i64> = accounts.iter().map(|a| a.0).collect();
    let v = app.client();
    let res = v
        .post(app.at("/api/session"))
        .json(&json!({"username": accounts[0].1, "password": accounts[0].2}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // No squad yet: said so.
    let (status, me) = app.get(&v, "/api/volunteers/me").await;
    assert_eq!((status, &me["squad"]), (200, &Value::Null), "{me}");
    assert_eq!(me["available"], true);
    let s = squad(&app, &co, "我的小分队", &ids).await;
    let (_, _) = app
        .post(
            &co,
            &format!("/api/squads/{s}/leader"),
            &json!({"volunteer_id": ids[1]}),
        )
        .await;
    let (_, me) = app.get(&v, "/api/volunteers/me").await;
    assert_eq!(me["squad"]["name"], "我的小分队", "{me}");
    assert_eq!(me["members"].as_array().unwrap().len(), 3);
    assert!(!me.to_string().contains("13911110"), "{me}");
    // Pause, and the roster shows it; a coordinator's own record is none.
    let (status, _) = app
        .post(
            &v,
            "/api/volunteers/me/availability",
            &json!({"available": false}),
        )
        .await;
    assert_eq!(status, 204);
    let (_, me) = app.get(&v, "/api/volunteers/me").await;
    assert_eq!(me["available"], false);
    let (status, _) = app.get(&co, "/api/volunteers/me").await;
    assert_eq!(status, 404);
    let page = app.page(&v, "/service").await;
    assert!(
        page.contains("我的小分队") && page.contains("恢复接任务"),
        "{page}"
    );
    // Marked positive: no taking work until cleared.
    let at = (time::OffsetDateTime::now_utc() - time::Duration::hours(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (status, _) = app
        .post(
            &co,
            &format!("/api/volunteers/{}/positive", ids[0]),
            &json!({"at": at, "reason": "核酸阳性"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post(
            &v,
            "/api/volunteers/me/availability",
            &json!({"available": true}),
        )
        .await;
    assert_eq!(status, 409);
    // Squads are not a volunteer's to manage.
    let (status, _) = app.get(&v, &format!("/api/squads/{s}")).await;
    assert_eq!(status, 403);
});
